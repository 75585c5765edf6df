//! Billing over HTTP against the real services and a fake YooKassa on loopback (testkit::fake_yookassa): card and SBP
//! checkout, the webhook (duplicates, out of order, foreign addresses, what the API says wins), the fake failing,
//! extra minutes, and every case of the billing cron with time moved instead of waited for, each email read from the
//! SMTP sink.

use chrono::{Duration, Utc};
use serde_json::Value;
use testkit::{
    TestApp,
    fake_yookassa::{FakeYooKassa, SECRET_KEY, SHOP_ID},
    mailbox,
};
use uuid::Uuid;

/// The app configured with the fake's shop, accepting notifications from `networks`.
async fn billing_app(networks: &str) -> (TestApp, FakeYooKassa) {
    let kassa = FakeYooKassa::start(None).await;
    let api = kassa.api_url();
    let networks = networks.to_owned();
    let app = TestApp::spawn_with(move |v| {
        v.insert("YOOKASSA_SHOP_ID", SHOP_ID.into());
        v.insert("YOOKASSA_SECRET_KEY", SECRET_KEY.into());
        v.insert("YOOKASSA_API_URL", api);
        v.insert("YOOKASSA_WEBHOOK_NETWORKS", networks);
        v.insert("EXTRA_MINUTE_PRICE_KOPECKS", "500".into());
    })
    .await;
    kassa.set_webhook(&format!("{}/api/billing/webhook", app.url));
    (app, kassa)
}

async fn checkout(app: &TestApp, client: &reqwest::Client, purchase: &str, method: &str) -> reqwest::Response {
    app.call(client, "billing/checkout", &[("purchase", purchase), ("method", method)]).await
}

/// Starts a payment and returns (our payment id, YooKassa's id).
async fn started(
    app: &TestApp,
    kassa: &FakeYooKassa,
    client: &reqwest::Client,
    purchase: &str,
    method: &str,
) -> (String, String) {
    let res = checkout(app, client, purchase, method).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let start: Value = res.json().await.unwrap();
    let ours = start["payment_id"].as_str().unwrap().to_owned();
    let theirs = kassa
        .payments()
        .into_iter()
        .find(|p| p["metadata"]["payment_id"] == ours.as_str())
        .expect("the payment reached YooKassa")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (ours, theirs)
}

async fn overview(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app.call(client, "billing/subscription", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn status(app: &TestApp, client: &reqwest::Client, payment: &str) -> Value {
    let res = app.call(client, "billing/check-payment-status", &[("payment_id", payment)]).await;
    res.json::<Value>().await.unwrap()
}

async fn period_end(app: &TestApp, user: Uuid) -> i64 {
    one(app, "SELECT extract(epoch FROM current_period_end)::bigint FROM subscriptions WHERE user_id = $1", user)
        .await
        .get(0)
}

/// The billing emails to `to` (not the address confirmation every new account gets), waiting for `count`.
async fn billing_mails(to: &str, count: usize) -> Vec<mailbox::CapturedMail> {
    let billing = |m: &mailbox::CapturedMail| !m.subject.starts_with("Подтвердите почту");
    for _ in 0..50 {
        let mails: Vec<_> = mailbox::mails_to(to).await.into_iter().filter(billing).collect();
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    mailbox::mails_to(to).await.into_iter().filter(billing).collect()
}

async fn one(app: &TestApp, sql: &str, user: Uuid) -> tokio_postgres::Row {
    app.db.client().await.query_one(sql, &[&user]).await.unwrap()
}

#[tokio::test]
async fn a_card_checkout_and_its_notification_activate_the_plan() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, email, user) = app.signed_in().await;
    assert_eq!(overview(&app, &client).await["plan"], "free");
    let (ours, theirs) = started(&app, &kassa, &client, "plan:start", "card").await;

    // What reached YooKassa: Basic auth, an idempotence key, a receipt, a saved card, the way back.
    let sent = kassa.server.requests().into_iter().find(|r| r.method == "POST").unwrap();
    assert!(sent.header("authorization").unwrap().starts_with("Basic "));
    assert!(sent.header("idempotence-key").is_some_and(|k| !k.is_empty() && k.len() <= 64));
    let body = sent.json();
    assert_eq!(body["amount"], serde_json::json!({ "value": "990.00", "currency": "RUB" }));
    assert_eq!(body["capture"], true);
    assert_eq!(body["save_payment_method"], true);
    assert_eq!(body["confirmation"]["type"], "redirect");
    assert_eq!(body["confirmation"]["return_url"], format!("{}/billing?payment={ours}", app.url));
    assert_eq!(body["receipt"]["customer"]["email"], email.as_str());
    assert_eq!(body["receipt"]["items"][0]["vat_code"], 1);
    assert_eq!(body["receipt"]["items"][0]["payment_subject"], "service");

    // Nothing changes until it is paid.
    assert_eq!(overview(&app, &client).await["plan"], "free");
    kassa.pay(&theirs).unwrap();
    assert_eq!(kassa.notify("payment.succeeded", &theirs).await, Some(200));
    let o = overview(&app, &client).await;
    assert_eq!(o["plan"], "start");
    assert_eq!(o["status"], "active");
    assert_eq!(o["card"], "Mir *4444");
    assert_eq!(o["minutes_included"], 120);
    assert_eq!(o["payments"][0]["status"], "succeeded");
    let row = one(&app, "SELECT plan_id, minutes_used, minutes_limit FROM users WHERE id = $1", user).await;
    assert_eq!((row.get::<_, String>(0), row.get::<_, i32>(1), row.get::<_, i32>(2)), ("start".into(), 0, 120));
    let days = one(
        &app,
        "SELECT extract(day FROM current_period_end - current_period_start)::int FROM subscriptions WHERE user_id = $1",
        user,
    )
    .await;
    assert!((28..=31).contains(&days.get::<_, i32>(0)), "one month");
    // The page coming back from the card form reads the settled status.
    let res = app.call(&client, "billing/check-payment-status", &[("payment_id", &ours)]).await;
    assert_eq!(res.json::<Value>().await.unwrap(), "succeeded");
}

#[tokio::test]
async fn sbp_shows_a_qr_code_and_the_status_check_settles_it() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, _) = app.signed_in().await;
    let res = checkout(&app, &client, "plan:pro", "sbp").await;
    assert_eq!(res.status(), 200);
    let start: Value = res.json().await.unwrap();
    assert!(start["redirect"].is_null());
    assert!(start["qr_svg"].as_str().unwrap().contains("<svg"), "the QR code is an SVG");
    let link = start["qr_link"].as_str().unwrap();
    let ours = start["payment_id"].as_str().unwrap();
    let sent = kassa.server.requests().into_iter().find(|r| r.method == "POST").unwrap().json();
    assert_eq!(sent["payment_method_data"]["type"], "sbp");
    assert_eq!(sent["confirmation"]["type"], "qr");
    let theirs = link.rsplit('/').next().unwrap();
    assert_eq!(status(&app, &client, ours).await, "pending");
    // Someone else's payment does not exist for them.
    let (stranger, _, _) = app.signed_in().await;
    assert_eq!(app.call(&stranger, "billing/check-payment-status", &[("payment_id", ours)]).await.status(), 404);
    // Paid in the bank's app; no notification arrives (the dialog's polling asks the API).
    kassa.pay(theirs).unwrap();
    assert_eq!(status(&app, &client, ours).await, "succeeded");
    let o = overview(&app, &client).await;
    assert_eq!((o["plan"].as_str(), o["card"].as_str()), (Some("pro"), None), "SBP saves no card");
}

#[tokio::test]
async fn the_same_notification_three_times_and_out_of_order_applies_once() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, user) = app.signed_in().await;
    let (_, theirs) = started(&app, &kassa, &client, "plan:start", "card").await;
    kassa.pay(&theirs).unwrap();
    // A stale "canceled" event first, then "succeeded" three times at once: the API's answer decides.
    assert_eq!(kassa.notify("payment.canceled", &theirs).await, Some(200));
    let (a, b, c) = tokio::join!(
        kassa.notify("payment.succeeded", &theirs),
        kassa.notify("payment.succeeded", &theirs),
        kassa.notify("payment.succeeded", &theirs)
    );
    assert_eq!((a, b, c), (Some(200), Some(200), Some(200)));
    let rows = one(&app, "SELECT count(*) FROM payments WHERE user_id = $1", user).await;
    assert_eq!(rows.get::<_, i64>(0), 1, "one payment row");
    let days = one(
        &app,
        "SELECT extract(day FROM current_period_end - current_period_start)::int FROM subscriptions WHERE user_id = $1",
        user,
    )
    .await;
    assert!((28..=31).contains(&days.get::<_, i32>(0)), "one period, not three");
    assert_eq!(overview(&app, &client).await["payments"][0]["status"], "succeeded");
    // A refund notified twice counts once.
    let refund = kassa.refund(&theirs, 10_000).unwrap();
    let refund_id = refund["id"].as_str().unwrap();
    assert_eq!(kassa.notify("refund.succeeded", refund_id).await, Some(200));
    assert_eq!(kassa.notify("refund.succeeded", refund_id).await, Some(200));
    assert_eq!(overview(&app, &client).await["payments"][0]["refunded_kopecks"], 10_000);
}

#[tokio::test]
async fn notifications_from_outside_yookassa_are_refused_and_change_nothing() {
    let (app, kassa) = billing_app("185.71.76.0/27,77.75.153.0/25").await;
    let (client, _, _) = app.signed_in().await;
    let (_, theirs) = started(&app, &kassa, &client, "plan:start", "card").await;
    kassa.pay(&theirs).unwrap();
    assert_eq!(kassa.notify("payment.succeeded", &theirs).await, Some(403));
    let o = overview(&app, &client).await;
    assert_eq!((o["plan"].as_str(), o["payments"][0]["status"].as_str()), (Some("free"), Some("pending")));
}

#[tokio::test]
async fn a_notification_is_checked_against_the_api_which_says_canceled() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, _) = app.signed_in().await;
    let (_, theirs) = started(&app, &kassa, &client, "plan:business", "card").await;
    kassa.decline(&theirs).unwrap();
    // A forged "succeeded" notification carrying a paid object: the API's answer (canceled) is what counts.
    let mut object = kassa.payment(&theirs).unwrap();
    object["status"] = "succeeded".into();
    object["paid"] = true.into();
    let forged = serde_json::json!({ "type": "notification", "event": "payment.succeeded", "object": object });
    let res =
        reqwest::Client::new().post(format!("{}/api/billing/webhook", app.url)).json(&forged).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let o = overview(&app, &client).await;
    assert_eq!((o["plan"].as_str(), o["payments"][0]["status"].as_str()), (Some("free"), Some("canceled")));
    // Not a notification at all: 400.
    let res = reqwest::Client::new().post(format!("{}/api/billing/webhook", app.url)).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_failing_payment_service_gives_a_retryable_error_and_writes_nothing() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, user) = app.signed_in().await;
    for status in [500u16, 429] {
        kassa.fail_next(&[status]);
        let res = checkout(&app, &client, "plan:start", "card").await;
        assert_eq!(res.status(), 422, "{status}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Unavailable"), "{status}: {body}");
        let rows = one(&app, "SELECT count(*) FROM payments WHERE user_id = $1", user).await;
        assert_eq!(rows.get::<_, i64>(0), 0, "{status}: nothing half-written");
    }
    let res = checkout(&app, &client, "minutes:45", "card").await;
    assert_eq!(res.status(), 422, "a pack that is not on offer");
    // Then it works.
    let res = checkout(&app, &client, "plan:start", "card").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn extra_minutes_are_offered_when_low_and_added_once() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, user) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET minutes_used = 25 WHERE id = $1", &[&user]).await.unwrap();
    let o = overview(&app, &client).await;
    assert_eq!(o["minutes_left"], 5);
    let (_, theirs) = started(&app, &kassa, &client, "minutes:30", "card").await;
    let sent = kassa.server.requests().into_iter().find(|r| r.method == "POST").unwrap().json();
    assert_eq!(sent["amount"]["value"], "150.00", "30 minutes at 5 ₽");
    assert_eq!(sent["save_payment_method"], false, "a pack saves no card");
    kassa.pay(&theirs).unwrap();
    kassa.notify("payment.succeeded", &theirs).await;
    kassa.notify("payment.succeeded", &theirs).await;
    let o = overview(&app, &client).await;
    assert_eq!(
        (o["extra_minutes"].as_u64(), o["minutes_left"].as_u64(), o["plan"].as_str()),
        (Some(30), Some(35), Some("free"))
    );
}

/// A subscription written directly: `plan`, `status`, its period ending `ends` (SQL, e.g. `now() - interval '1 hour'`).
async fn subscribe(app: &TestApp, user: Uuid, plan: &str, status: &str, ends: &str, cancel: bool) {
    let db = app.db.client().await;
    let sql = format!(
        "INSERT INTO subscriptions (user_id, plan_id, status, current_period_start, current_period_end, cancel_at_period_end)
         VALUES ($1, $2, $3, ({ends}) - interval '1 month', {ends}, $4)"
    );
    db.execute(&sql, &[&user, &plan, &status, &cancel]).await.unwrap();
    db.execute("UPDATE users SET plan_id = $2 WHERE id = $1", &[&user, &plan]).await.unwrap();
}

async fn plan_and_status(app: &TestApp, user: Uuid) -> (String, String) {
    let row = one(
        app,
        "SELECT u.plan_id, s.status FROM users u JOIN subscriptions s ON s.user_id = u.id WHERE u.id = $1",
        user,
    )
    .await;
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn the_billing_cron_downgrades_reminds_and_expires_once_each() {
    let (app, _kassa) = billing_app("127.0.0.1/32").await;
    let (_, cancelled_mail, cancelled) = app.signed_in().await;
    let (_, no_card_mail, no_card) = app.signed_in().await;
    let (_, grace_mail, grace) = app.signed_in().await;
    let (_, beyond_mail, beyond) = app.signed_in().await;
    let (_, running_mail, running) = app.signed_in().await;
    subscribe(&app, cancelled, "pro", "active", "now() - interval '1 hour'", true).await;
    subscribe(&app, no_card, "start", "active", "now() - interval '1 hour'", false).await;
    subscribe(&app, grace, "start", "past_due", "now() - interval '2 days'", false).await;
    subscribe(&app, beyond, "start", "past_due", "now() - interval '8 days'", false).await;
    subscribe(&app, running, "start", "active", "now() + interval '3 days'", false).await;

    let report = backend::billing::cron::run(&app.state, Utc::now()).await.unwrap();
    assert_eq!((report.downgraded, report.reminded, report.expired, report.charged), (2, 1, 1, 0));
    assert_eq!(plan_and_status(&app, cancelled).await, ("free".into(), "cancelled".into()));
    assert_eq!(plan_and_status(&app, no_card).await, ("start".into(), "past_due".into()));
    assert_eq!(plan_and_status(&app, grace).await, ("start".into(), "past_due".into()));
    assert_eq!(plan_and_status(&app, beyond).await, ("free".into(), "expired".into()));
    assert_eq!(plan_and_status(&app, running).await, ("start".into(), "active".into()));

    // Run again the same day: nothing more happens and nothing is sent twice.
    let again = backend::billing::cron::run(&app.state, Utc::now()).await.unwrap();
    assert_eq!((again.downgraded, again.reminded, again.expired), (0, 0, 0));
    let mail = |to: &str| {
        let to = to.to_owned();
        async move { billing_mails(&to, 1).await }
    };
    let m = mail(&cancelled_mail).await;
    assert_eq!(m.len(), 1);
    assert!(m[0].subject.contains("перешёл на Free"), "{}", m[0].subject);
    assert!(m[0].text.contains("/billing") && m[0].html.contains("/billing"));
    let m = mail(&no_card_mail).await;
    assert!(m.len() == 1 && m[0].subject.contains("истёк"), "{:?}", m.first().map(|m| &m.subject));
    let m = mail(&grace_mail).await;
    assert!(m.len() == 1 && m[0].subject.contains("не продлена"), "{:?}", m.first().map(|m| &m.subject));
    assert!(m[0].text.contains("5 дней"), "{}", m[0].text);
    let m = mail(&beyond_mail).await;
    assert!(m.len() == 1 && m[0].subject.contains("перешёл на Free"));
    assert!(billing_mails(&running_mail, 0).await.is_empty());

    // The next day the reminder goes out again, with a day less.
    let next = backend::billing::cron::run(&app.state, Utc::now() + Duration::days(1)).await.unwrap();
    assert_eq!(next.reminded, 2, "the grace one, and the one that expired yesterday");
    let m = billing_mails(&no_card_mail, 2).await;
    assert!(m.len() == 2 && m[1].text.contains("6 дней"), "{:?}", m.last().map(|m| &m.text));
    let m = billing_mails(&grace_mail, 2).await;
    assert!(m.len() == 2 && m[1].text.contains("4 дня"), "{:?}", m.last().map(|m| &m.text));
}

/// A Start subscriber with a saved card (bought through the fake's card page).
async fn card_subscriber(app: &TestApp, kassa: &FakeYooKassa) -> (String, Uuid) {
    let (client, email, user) = app.signed_in().await;
    let (_, theirs) = started(app, kassa, &client, "plan:start", "card").await;
    kassa.pay(&theirs).unwrap();
    assert_eq!(kassa.notify("payment.succeeded", &theirs).await, Some(200));
    (email, user)
}

#[tokio::test]
async fn the_billing_cron_renews_from_the_saved_card_once_however_many_runs() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (email, user) = card_subscriber(&app, &kassa).await;
    let before = period_end(&app, user).await;
    let later = Utc::now() + Duration::days(32);
    let (a, b) =
        tokio::join!(backend::billing::cron::run(&app.state, later), backend::billing::cron::run(&app.state, later));
    assert_eq!(a.unwrap().charged + b.unwrap().charged, 1, "two runs at once charge once");
    let charges: Vec<_> = kassa
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.json()["payment_method_id"].is_string())
        .collect();
    assert!(!charges.is_empty());
    let keys: std::collections::BTreeSet<_> =
        charges.iter().map(|r| r.header("idempotence-key").unwrap().to_owned()).collect();
    assert_eq!(keys.len(), 1, "one idempotence key");
    let key = keys.into_iter().next().unwrap();
    assert_eq!(key, format!("renewal-{user}-start-{}", later.format("%Y-%m-%d")));
    let paid = kassa.payments().into_iter().filter(|p| p["metadata"]["renewal"] == "true").count();
    assert_eq!(paid, 1, "YooKassa charged once");
    let after = period_end(&app, user).await;
    assert!((28 * 86_400..=31 * 86_400).contains(&(after - before)), "the period moved a month on");
    assert_eq!(plan_and_status(&app, user).await, ("start".into(), "active".into()));
    let rows =
        one(&app, "SELECT count(*) FROM payments WHERE user_id = $1 AND idempotence_key LIKE 'renewal-%'", user).await;
    assert_eq!(rows.get::<_, i64>(0), 1);
    assert!(billing_mails(&email, 0).await.is_empty(), "a successful renewal sends nothing");
}

#[tokio::test]
async fn a_declined_renewal_falls_past_due_with_the_payment_failed_email() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (email, user) = card_subscriber(&app, &kassa).await;
    kassa.decline_recurring(true);
    let report = backend::billing::cron::run(&app.state, Utc::now() + Duration::days(32)).await.unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(plan_and_status(&app, user).await, ("start".into(), "past_due".into()));
    let m = billing_mails(&email, 1).await;
    assert!(m.len() == 1 && m[0].subject.contains("Не удалось оплатить"), "{:?}", m.first().map(|m| &m.subject));
    let failure =
        one(&app, "SELECT failure FROM payments WHERE user_id = $1 AND idempotence_key LIKE 'renewal-%'", user).await;
    assert_eq!(failure.get::<_, Option<String>>(0).as_deref(), Some("insufficient_funds"));
}

#[tokio::test]
async fn cancel_keeps_the_plan_until_the_period_ends_and_reactivate_undoes_it() {
    let (app, kassa) = billing_app("127.0.0.1/32").await;
    let (client, _, _) = app.signed_in().await;
    assert_eq!(app.call(&client, "billing/cancel", &[]).await.status(), 404, "nothing to cancel on Free");
    let (_, theirs) = started(&app, &kassa, &client, "plan:start", "card").await;
    kassa.pay(&theirs).unwrap();
    kassa.notify("payment.succeeded", &theirs).await;
    assert_eq!(app.call(&client, "billing/cancel", &[]).await.status(), 200);
    let o = overview(&app, &client).await;
    assert_eq!((o["plan"].as_str(), o["cancel_at_period_end"].as_bool()), (Some("start"), Some(true)));
    assert_eq!(app.call(&client, "billing/reactivate", &[]).await.status(), 200);
    assert_eq!(overview(&app, &client).await["cancel_at_period_end"], false);
}
