//! The admin console over HTTP against the real services: an operator (granted with the server's command-line
//! function) searches and filters users, reads a user's detail, changes a plan, grants minutes, blocks (both of the
//! user's devices lose their session at once and sign-in is refused with a clear message) and unblocks; every change
//! is in the audit log in order; a dead job retried from the console runs again under a real worker runtime and a
//! discarded one is gone; AI cost is summed per day, kind and provider. (That non-operators get 404 from every
//! admin function is in the authorization matrix, `authz.rs`.)

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use backend::queue::{EnqueueOptions, Job, JobContext, Queue, QueueName, QueueSettings, Runtime, handler_fn};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use testkit::{TEST_PASSWORD, TestApp, eventually};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// An operator, signed in: (client, id). Granted as `server admin grant EMAIL` does.
async fn operator(app: &TestApp) -> (reqwest::Client, Uuid) {
    let email = testkit::mailbox::unique_address("operator");
    let id = app.create_user(&email).await;
    let parsed = domain::Email::parse(&email).unwrap();
    assert!(backend::admin::set_operator(&app.state.db, &parsed, true).await.unwrap());
    let (client, res) = app.sign_in(&email, TEST_PASSWORD).await;
    assert!(res.status().is_success());
    (client, id)
}

async fn ok(app: &TestApp, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> Value {
    let res = app.call(client, &format!("admin/{name}"), form).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "admin/{name}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn emails(rows: &Value) -> Vec<String> {
    rows.as_array().unwrap().iter().map(|r| r["email"].as_str().unwrap().to_owned()).collect()
}

async fn search(app: &TestApp, client: &reqwest::Client, filters: &[(&str, &str)]) -> Vec<String> {
    let mut form = vec![("search", ""), ("plan", ""), ("status", ""), ("signed_up", "")];
    for (k, v) in filters {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    emails(&ok(app, client, "users", &form).await)
}

#[tokio::test]
async fn operators_find_users_by_search_and_filters() {
    let app = TestApp::spawn().await;
    let (op, _) = operator(&app).await;
    let tag = Uuid::now_v7().simple().to_string();
    let anna = format!("anna-{tag}@clipmaker.test");
    let boris = format!("boris-{tag}@clipmaker.test");
    let odd = format!("odd_{tag}%@clipmaker.test");
    let anna_id = app.create_user(&anna).await;
    let boris_id = app.create_user(&boris).await;
    app.create_user(&odd).await;
    let db = app.db.client().await;
    db.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&anna_id]).await.unwrap();
    db.execute("UPDATE users SET email_verified_at = NULL WHERE id = $1", &[&boris_id]).await.unwrap();
    db.execute("UPDATE users SET created_at = now() - interval '40 days' WHERE id = $1", &[&anna_id]).await.unwrap();

    let mut all = search(&app, &op, &[("search", &tag)]).await;
    all.sort();
    assert_eq!(all, [anna.clone(), boris.clone(), odd.clone()]);
    assert_eq!(search(&app, &op, &[("search", &format!("ANNA-{tag}"))]).await, vec![anna.clone()], "case-insensitive");
    // LIKE wildcards in the search are literal: "_" and "%" match only themselves.
    assert_eq!(search(&app, &op, &[("search", &format!("_{tag}%"))]).await, vec![odd.clone()]);
    assert_eq!(search(&app, &op, &[("search", &tag), ("plan", "pro")]).await, vec![anna.clone()]);
    assert_eq!(search(&app, &op, &[("search", &tag), ("status", "unconfirmed")]).await, vec![boris.clone()]);
    let mut recent = search(&app, &op, &[("search", &tag), ("signed_up", "month")]).await;
    recent.sort();
    assert_eq!(recent, [boris.clone(), odd.clone()]);
    assert_eq!(
        app.call(&op, "admin/users", &[("search", ""), ("plan", "gold"), ("status", ""), ("signed_up", "")])
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn plan_minutes_block_and_unblock_are_applied_and_audited() {
    // Seven sign-ins from one address within the minute.
    let app = TestApp::spawn_with(|env| {
        env.insert("AUTH_ATTEMPTS_PER_MINUTE", "1000".into());
    })
    .await;
    let (op, op_id) = operator(&app).await;
    let email = testkit::mailbox::unique_address("blocked");
    let user = app.create_user(&email).await;
    // The user is signed in on two devices.
    let (laptop, _) = app.sign_in(&email, TEST_PASSWORD).await;
    let (phone, _) = app.sign_in(&email, TEST_PASSWORD).await;
    for device in [&laptop, &phone] {
        assert_eq!(app.call(device, "dashboard/summary", &[]).await.status(), 200);
    }
    let id = user.to_string();
    let d = ok(&app, &op, "user", &[("user_id", &id)]).await;
    assert_eq!((d["user"]["email"].as_str(), d["user"]["status"].as_str()), (Some(email.as_str()), Some("active")));
    assert_eq!(d["sessions"].as_array().unwrap().len(), 2, "both devices' sessions");
    assert_eq!(d["videos"], 0);

    ok(&app, &op, "set-plan", &[("user_id", &id), ("plan", "start")]).await;
    ok(&app, &op, "grant-minutes", &[("user_id", &id), ("minutes", "45")]).await;
    let start = domain::Plan::get(domain::PlanId::Start).minutes_per_month.unwrap();
    let d = ok(&app, &op, "user", &[("user_id", &id)]).await;
    assert_eq!((d["user"]["plan"].as_str(), d["extra_minutes"].as_u64()), (Some("start"), Some(45)));
    assert_eq!(d["user"]["minutes_left"].as_u64(), Some(u64::from(start) + 45));
    for minutes in ["0", "100001"] {
        let res = app.call(&op, "admin/grant-minutes", &[("user_id", &id), ("minutes", minutes)]).await;
        assert_eq!(res.status(), 422, "{minutes} minutes");
    }

    // Operators cannot block themselves.
    let res = app.call(&op, "admin/block", &[("user_id", &op_id.to_string())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("SelfBlock"));

    ok(&app, &op, "block", &[("user_id", &id)]).await;
    for device in [&laptop, &phone] {
        assert_eq!(app.call(device, "dashboard/summary", &[]).await.status(), 401, "the session ended at once");
        let refreshed = app.call(device, "user/me", &[]).await;
        assert_eq!(refreshed.json::<Value>().await.unwrap(), Value::Null, "and cannot be refreshed");
    }
    let (_, res) = app.sign_in(&email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Blocked"));
    // A wrong password still says only that.
    let (_, res) = app.sign_in(&email, "not the password at all").await;
    assert_eq!(res.status(), 401);
    let d = ok(&app, &op, "user", &[("user_id", &id)]).await;
    assert_eq!(d["user"]["status"], "blocked");
    assert_eq!(d["sessions"], serde_json::json!([]));
    let blocked = search(&app, &op, &[("search", &email), ("status", "blocked")]).await;
    assert_eq!(blocked, vec![email.clone()]);
    // Blocking again changes nothing.
    ok(&app, &op, "block", &[("user_id", &id)]).await;

    ok(&app, &op, "unblock", &[("user_id", &id)]).await;
    let (again, res) = app.sign_in(&email, TEST_PASSWORD).await;
    assert!(res.status().is_success());
    assert_eq!(app.call(&again, "dashboard/summary", &[]).await.status(), 200);

    let log = ok(&app, &op, "audit", &[]).await;
    let mine: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_user"] == email.as_str())
        .map(|e| (e["action"].as_str().unwrap(), e["details"].as_str().unwrap()))
        .collect();
    assert_eq!(mine.len(), 4, "{mine:?}");
    assert_eq!(mine[0].0, "unblock");
    assert_eq!(mine[1], ("block", r#"{"sessions_revoked": 2}"#));
    assert_eq!(mine[2].0, "grant_minutes");
    assert!(mine[2].1.contains(r#""minutes": 45"#));
    assert_eq!(mine[3], ("set_plan", r#"{"to": "start", "from": "free"}"#));
    let operator_email = log.as_array().unwrap().iter().find(|e| e["action"] == "set_plan").unwrap()["admin"].clone();
    assert!(operator_email.as_str().unwrap().starts_with("operator"));
    let grant = log.as_array().unwrap().iter().find(|e| e["action"] == "grant_admin").unwrap();
    assert_eq!(grant["admin"], Value::Null, "the command line granted the operator");
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Flaky {
    n: u32,
}

impl Job for Flaky {
    const NAME: &'static str = "admin-test-flaky";
    const QUEUE: QueueName = QueueName::Cleanup;
}

#[tokio::test]
async fn a_dead_job_retried_from_the_console_runs_again_and_a_discarded_one_is_gone() {
    let app = TestApp::spawn().await;
    let (op, _) = operator(&app).await;
    // A worker on the app's Redis with quick retries; the job fails until `healthy`.
    let queue = Queue::new(
        app.state.redis.clone(),
        QueueSettings {
            max_attempts: 2,
            backoff_base: Duration::from_millis(20),
            visibility_timeout: Duration::from_secs(30),
            idempotency_ttl: Duration::from_secs(60),
        },
    );
    let healthy = Arc::new(AtomicBool::new(false));
    let succeeded = Arc::new(AtomicU32::new(0));
    let (h, s) = (healthy.clone(), succeeded.clone());
    let handler = handler_fn(move |_ctx: JobContext, job: Flaky| {
        let (h, s) = (h.clone(), s.clone());
        async move {
            anyhow::ensure!(h.load(Ordering::SeqCst), "the disk of job {} is full", job.n);
            s.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let stop = CancellationToken::new();
    let worker = tokio::spawn(Runtime::new(queue.clone()).handle::<Flaky, _>(handler).run(stop.clone()));
    let first = queue.enqueue(&Flaky { n: 1 }, EnqueueOptions::new().subject("video:flaky")).await.unwrap().id();
    let second = queue.enqueue(&Flaky { n: 2 }, EnqueueOptions::new()).await.unwrap().id();
    eventually("both jobs are dead", async || queue.stats(QueueName::Cleanup).await.unwrap().dead == 2).await;

    let queues = ok(&app, &op, "queues", &[]).await;
    let cleanup = queues.as_array().unwrap().iter().find(|q| q["queue"] == "cleanup").unwrap();
    assert_eq!(cleanup["dead"], 2);
    let dead = ok(&app, &op, "dead-jobs", &[]).await;
    let ids: Vec<&str> = dead.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&first.to_string().as_str()) && ids.contains(&second.to_string().as_str()), "{dead}");
    let row = dead.as_array().unwrap().iter().find(|d| d["id"] == first.to_string()).unwrap();
    assert_eq!((row["name"].as_str(), row["attempts"].as_u64()), (Some("admin-test-flaky"), Some(2)));
    assert_eq!(row["error"], "the disk of job 1 is full");
    assert_eq!(row["subject"], "video:flaky");

    healthy.store(true, Ordering::SeqCst);
    ok(&app, &op, "retry-job", &[("queue", "cleanup"), ("job_id", &first.to_string())]).await;
    eventually("the retried job ran", async || succeeded.load(Ordering::SeqCst) == 1).await;
    let res = app.call(&op, "admin/retry-job", &[("queue", "cleanup"), ("job_id", &first.to_string())]).await;
    assert_eq!(res.status(), 404, "a second retry of the same job");

    ok(&app, &op, "discard-job", &[("queue", "cleanup"), ("job_id", &second.to_string())]).await;
    let res = app.call(&op, "admin/discard-job", &[("queue", "cleanup"), ("job_id", &second.to_string())]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(queue.stats(QueueName::Cleanup).await.unwrap().dead, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(succeeded.load(Ordering::SeqCst), 1, "the discarded job never ran");
    stop.cancel();
    worker.await.unwrap().unwrap();

    let log = ok(&app, &op, "audit", &[]).await;
    let targets: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    assert_eq!(targets[0], ("discard_job", format!("cleanup/{second}").as_str()));
    assert_eq!(targets[1], ("retry_job", format!("cleanup/{first}").as_str()));
}

#[tokio::test]
async fn ai_cost_is_summed_per_day_kind_and_provider() {
    let app = TestApp::spawn().await;
    let (op, _) = operator(&app).await;
    let user = app.create_user(&testkit::mailbox::unique_address("costly")).await;
    let db = app.db.client().await;
    let rows: [(&str, Option<&str>, i32, i64, &str); 5] = [
        ("llm", Some("gigachat"), 0, 120, "1 hour"),
        ("llm", Some("gigachat"), 0, 80, "2 hours"),
        ("llm", Some("yandexgpt"), 0, 50, "1 hour"),
        ("stt", None, 12, 0, "1 hour"),
        ("llm", Some("gigachat"), 0, 999, "40 days"),
    ];
    for (kind, provider, minutes, cost, ago) in rows {
        db.execute(
            "INSERT INTO usage_records (user_id, kind, provider, minutes_consumed, llm_cost_kopecks, created_at)
             VALUES ($1, $2, $3, $4, $5, now() - $6::text::interval)",
            &[&user, &kind, &provider, &minutes, &cost, &ago],
        )
        .await
        .unwrap();
    }
    // Both "1 hour" and "2 hours" ago may straddle midnight: sum the last 30 days per kind and provider.
    let costs = ok(&app, &op, "costs", &[]).await;
    let total = |kind: &str, provider: &str, field: &str| -> i64 {
        costs
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == kind && c["provider"] == provider)
            .map(|c| c[field].as_i64().unwrap())
            .sum()
    };
    assert_eq!(total("llm", "gigachat", "cost_kopecks"), 200, "the 40-day-old call is outside");
    assert_eq!(total("llm", "gigachat", "calls"), 2);
    assert_eq!(total("llm", "yandexgpt", "cost_kopecks"), 50);
    assert_eq!(total("stt", "local", "minutes"), 12);
    let d = ok(&app, &op, "user", &[("user_id", &user.to_string())]).await;
    assert_eq!((d["ai_cost_kopecks"].as_i64(), d["minutes_consumed"].as_i64()), (Some(1249), Some(12)));
}

#[tokio::test]
async fn the_admin_page_is_404_for_everyone_but_operators() {
    let app = TestApp::spawn().await;
    let (user, _, _) = app.signed_in().await;
    let res = user.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("data-testid=\"admin-users\""));
    let (op, _) = operator(&app).await;
    let res = op.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("data-testid=\"admin-users\"") && body.contains("data-testid=\"nav-admin\""));
}
