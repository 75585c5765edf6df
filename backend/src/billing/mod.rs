//! Billing in rubles through YooKassa (seed 000 §7–§8): checkout by card (a redirect to the payment page, the card
//! saved for renewal) or SBP (a QR code the page shows while it polls), the webhook, extra-minute packs, cancel and
//! reactivate, and the billing cron ([`cron`]).
//!
//! YooKassa does not sign its notifications, so the webhook believes only two things: the sender's address (one of
//! YooKassa's published networks) and what the API itself says when asked for the object by id. Every change is
//! applied by [`sync_payment`] in one transaction that moves the payment row out of `pending` first: a notification
//! delivered twice, replayed, or racing the page's own status check changes nothing the second time.

pub mod cron;
pub mod yookassa;

use std::net::IpAddr;

use chrono::{DateTime, Months, Utc};
use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use domain::{
    Email, Lang, PaymentKind, PaymentMethod, PaymentStatus, Plan, PlanId, SubscriptionStatus, TextEnum as _,
    billing::{BillingOverview, CheckoutStart, PaymentEntry, Purchase},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{payments, refunds, subscriptions, users},
    mail::Template,
};
use yookassa::{ApiError, YooKassa};

/// Why a billing request failed.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// No shop is configured: checkout is off.
    #[error("payments are not configured")]
    NotConfigured,
    /// A plan or pack that cannot be bought, or a malformed request.
    #[error("bad input")]
    BadInput,
    /// The payment or subscription does not exist for this user.
    #[error("not found")]
    NotFound,
    /// YooKassa is busy or unreachable: nothing was charged or written; try again.
    #[error("the payment service is unavailable")]
    Unavailable,
    /// YooKassa refused the request.
    #[error("the payment service refused: {0}")]
    Refused(String),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(BillingError);

impl From<ApiError> for BillingError {
    fn from(e: ApiError) -> Self {
        tracing::warn!(error = %e, "YooKassa request failed");
        if e.retryable() { BillingError::Unavailable } else { BillingError::Refused(e.to_string()) }
    }
}

/// The API client, or [`BillingError::NotConfigured`].
pub fn client(state: &AppState) -> Result<YooKassa, BillingError> {
    YooKassa::new(&state.config.billing).ok_or(BillingError::NotConfigured)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One month after `t` (the last day of a shorter month when `t`'s day does not exist there).
pub fn add_month(t: DateTime<Utc>) -> DateTime<Utc> {
    t.checked_add_months(Months::new(1)).unwrap_or(t)
}

type SubRow = (String, String, Option<String>, Option<String>, DateTime<Utc>, bool);

/// The billing page's data for `user_id`.
pub async fn overview(state: &AppState, user_id: Uuid) -> Result<BillingOverview, BillingError> {
    let mut conn = state.db.get().await?;
    let (plan, used, extra): (String, i32, i32) = users::table
        .find(user_id)
        .select((users::plan_id, users::minutes_used, users::extra_minutes))
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(BillingError::NotFound)?;
    let plan = PlanId::parse(&plan).unwrap_or(PlanId::Free);
    let sub: Option<SubRow> = subscriptions::table
        .filter(subscriptions::user_id.eq(user_id))
        .select((
            subscriptions::plan_id,
            subscriptions::status,
            subscriptions::payment_method_id,
            subscriptions::card_title,
            subscriptions::current_period_end,
            subscriptions::cancel_at_period_end,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    type PayRow = (Uuid, DateTime<Utc>, String, Option<String>, Option<i32>, i64, String, String, String, i64);
    let rows: Vec<PayRow> = payments::table
        .filter(payments::user_id.eq(user_id))
        .order(payments::created_at.desc())
        .limit(50)
        .select((
            payments::id,
            payments::created_at,
            payments::kind,
            payments::plan_id,
            payments::minutes,
            payments::amount_kopecks,
            payments::status,
            payments::payment_method,
            payments::idempotence_key,
            payments::refunded_kopecks,
        ))
        .load(&mut conn)
        .await?;
    let payments = rows
        .into_iter()
        .filter_map(|(id, at, kind, plan, minutes, amount, status, method, key, refunded)| {
            Some(PaymentEntry {
                id: id.to_string(),
                created_at: rfc3339(at),
                purchase: purchase_of(&kind, plan.as_deref(), minutes)?,
                amount_kopecks: amount,
                status: PaymentStatus::parse(&status).ok()?,
                method: PaymentMethod::parse(&method).ok()?,
                renewal: key.starts_with("renewal-"),
                refunded_kopecks: refunded,
            })
        })
        .collect();
    let billed = sub.as_ref().and_then(|(_, status, ..)| SubscriptionStatus::parse(status).ok());
    let live = matches!(billed, Some(SubscriptionStatus::Active | SubscriptionStatus::PastDue));
    Ok(BillingOverview {
        plan,
        status: billed.filter(|_| live),
        period_end: sub.as_ref().filter(|_| live).map(|s| rfc3339(s.4)),
        cancel_at_period_end: live && sub.as_ref().is_some_and(|s| s.5),
        card: sub.as_ref().filter(|s| s.2.is_some()).and_then(|s| s.3.clone()),
        minutes_used: used.max(0) as u32,
        minutes_included: Plan::get(plan).minutes_per_month,
        extra_minutes: extra.max(0) as u32,
        minutes_left: domain::billing::minutes_left(plan, used, extra),
        minute_price_kopecks: state.config.billing.minute_price_kopecks,
        checkout_enabled: state.config.billing.enabled(),
        payments,
    })
}

fn purchase_of(kind: &str, plan: Option<&str>, minutes: Option<i32>) -> Option<Purchase> {
    match PaymentKind::parse(kind).ok()? {
        PaymentKind::Subscription => Some(Purchase::Plan { plan: PlanId::parse(plan?).ok()? }),
        PaymentKind::ExtraMinutes => Some(Purchase::Minutes { minutes: u32::try_from(minutes?).ok()? }),
    }
}

/// What is bought, as a receipt line and a payment description.
fn item(purchase: Purchase, lang: Lang) -> String {
    let d = lang.dict();
    let t = &d.billing_page;
    match purchase {
        Purchase::Plan { plan } => (t.receipt_plan)(d.plan_names[plan_index(plan)]),
        Purchase::Minutes { minutes } => (t.receipt_minutes)(minutes),
    }
}

/// The position of `plan` in [`domain::PLANS`] (and in the dictionaries' plan name lists).
pub fn plan_index(plan: PlanId) -> usize {
    domain::PLANS.iter().position(|p| p.id == plan).unwrap_or(0)
}

/// Starts a payment for `purchase` by `method`: the payment row first (pending, under a fresh idempotence key), then
/// YooKassa's payment under the same key. If YooKassa fails the row is deleted again, so nothing is half-written and
/// the user simply tries again.
pub async fn checkout(
    state: &AppState,
    user_id: Uuid,
    purchase: Purchase,
    method: PaymentMethod,
) -> Result<CheckoutStart, BillingError> {
    let api = client(state)?;
    let cfg = &state.config.billing;
    let amount = purchase.price(cfg.minute_price_kopecks).ok_or(BillingError::BadInput)?;
    let mut conn = state.db.get().await?;
    let (email, lang): (String, String) = users::table
        .find(user_id)
        .select((users::email, users::ui_language))
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(BillingError::NotFound)?;
    let lang = Lang::from_code(&lang).unwrap_or_default();
    let (kind, plan, minutes) = match purchase {
        Purchase::Plan { plan } => (PaymentKind::Subscription, Some(plan.as_str()), None),
        Purchase::Minutes { minutes } => (PaymentKind::ExtraMinutes, None, Some(minutes as i32)),
    };
    let (payment_id, key) = (Uuid::now_v7(), Uuid::new_v4().to_string());
    diesel::insert_into(payments::table)
        .values((
            payments::id.eq(payment_id),
            payments::user_id.eq(user_id),
            payments::kind.eq(kind.as_str()),
            payments::plan_id.eq(plan),
            payments::minutes.eq(minutes),
            payments::amount_kopecks.eq(amount),
            payments::payment_method.eq(method.as_str()),
            payments::idempotence_key.eq(&key),
        ))
        .execute(&mut conn)
        .await?;
    let description = item(purchase, lang);
    let receipt = yookassa::receipt(
        amount,
        &yookassa::ReceiptFacts {
            email: &email,
            item: &description,
            vat_code: cfg.vat_code,
            payment_subject: &cfg.payment_subject,
            payment_mode: &cfg.payment_mode,
        },
    );
    let return_url = format!("{}billing?payment={payment_id}", base_url(state));
    let mut body = json!({
        "amount": yookassa::rub(amount),
        "capture": true,
        "description": yookassa::truncate(&description, 128),
        "metadata": { "payment_id": payment_id.to_string(), "user_id": user_id.to_string() },
        "receipt": receipt,
    });
    match method {
        PaymentMethod::Card => {
            body["confirmation"] = json!({ "type": "redirect", "return_url": return_url });
            body["payment_method_data"] = json!({ "type": "bank_card" });
            // Plans renew from the saved card; a minutes pack is a one-off.
            body["save_payment_method"] = json!(kind == PaymentKind::Subscription);
        }
        PaymentMethod::Sbp => {
            body["confirmation"] = json!({ "type": "qr", "locale": if lang == Lang::Ru { "ru_RU" } else { "en_US" } });
            body["payment_method_data"] = json!({ "type": "sbp" });
        }
    }
    let created = match api.create_payment(&key, &body).await {
        Ok(p) => p,
        Err(e) => {
            diesel::delete(payments::table.find(payment_id)).execute(&mut conn).await?;
            return Err(e.into());
        }
    };
    let confirmation = created.confirmation.clone();
    let redirect = confirmation.as_ref().and_then(|c| c.confirmation_url.clone());
    let qr_link = confirmation.as_ref().and_then(|c| c.confirmation_data.clone());
    diesel::update(payments::table.find(payment_id))
        .set((
            payments::external_id.eq(&created.id),
            payments::confirmation_url.eq(redirect.as_ref().or(qr_link.as_ref())),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);
    tracing::info!(%payment_id, %user_id, external_id = %created.id, method = method.as_str(), amount, "payment created");
    let qr_svg = match &qr_link {
        Some(link) => Some(qr_svg(link).map_err(BillingError::Internal)?),
        None => None,
    };
    if method == PaymentMethod::Card && redirect.is_none() {
        return Err(BillingError::Refused("no confirmation URL in the reply".into()));
    }
    if method == PaymentMethod::Sbp && qr_link.is_none() {
        return Err(BillingError::Refused("no QR data in the reply".into()));
    }
    Ok(CheckoutStart { payment_id: payment_id.to_string(), redirect, qr_svg, qr_link })
}

/// `PUBLIC_URL` with a trailing slash.
fn base_url(state: &AppState) -> String {
    let url = state.config.http.public_url.as_str();
    if url.ends_with('/') { url.to_owned() } else { format!("{url}/") }
}

/// The QR code of `data` as an SVG document (rendered on the server: no QR code in the browser bundle).
pub fn qr_svg(data: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// A payment's state for its owner, asking YooKassa (and applying the answer) while it is still pending: the SBP
/// dialog polls this, and the card flow calls it on coming back.
pub async fn check_payment(state: &AppState, user_id: Uuid, payment_id: Uuid) -> Result<PaymentStatus, BillingError> {
    let mut conn = state.db.get().await?;
    let row: (String, Option<String>) = payments::table
        .filter(payments::id.eq(payment_id))
        .filter(payments::user_id.eq(user_id))
        .select((payments::status, payments::external_id))
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(BillingError::NotFound)?;
    drop(conn);
    let status = PaymentStatus::parse(&row.0).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (PaymentStatus::Pending | PaymentStatus::WaitingForCapture, Some(external)) = (status, row.1) else {
        return Ok(status);
    };
    let api = client(state)?;
    let payment = api.payment(&external).await?;
    sync_payment(state, &payment).await?;
    let mut conn = state.db.get().await?;
    let status: String = payments::table.find(payment_id).select(payments::status).first(&mut conn).await?;
    Ok(PaymentStatus::parse(&status).unwrap_or(PaymentStatus::Pending))
}

/// What [`sync_payment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// Nothing: unknown payment, still pending, or already applied.
    Nothing,
    /// The payment succeeded now: plan or minutes applied.
    Succeeded,
    /// The payment was canceled now.
    Canceled,
}

/// Applies what YooKassa reports about a payment (fetched from the API by id, never taken from a notification),
/// once: the first caller to move the row out of `pending` applies its effects in the same transaction.
pub async fn sync_payment(state: &AppState, payment: &yookassa::Payment) -> Result<Synced, BillingError> {
    let now = Utc::now();
    let mut conn = state.db.get().await?;
    let outcome = conn
        .transaction::<_, BillingError, _>(async |conn| match payment.status.as_str() {
            "succeeded" if payment.paid => succeed(conn, payment, now).await,
            "canceled" => cancel_payment(conn, payment).await,
            _ => Ok(None),
        })
        .await?;
    drop(conn);
    let Some((synced, user_id, renewal)) = outcome else { return Ok(Synced::Nothing) };
    tracing::info!(external_id = %payment.id, %user_id, ?synced, "payment applied");
    if synced == Synced::Canceled && renewal {
        notify(state, user_id, Template::PaymentFailed, None).await;
    }
    Ok(synced)
}

type Applied = Option<(Synced, Uuid, bool)>;

async fn succeed(
    conn: &mut AsyncPgConnection,
    payment: &yookassa::Payment,
    now: DateTime<Utc>,
) -> Result<Applied, BillingError> {
    type Claimed = (Uuid, Uuid, String, Option<String>, Option<i32>, i64, String);
    let row: Option<Claimed> = diesel::update(payments::table.filter(payments::external_id.eq(&payment.id)))
        .filter(payments::status.ne(PaymentStatus::Succeeded.as_str()))
        .set(payments::status.eq(PaymentStatus::Succeeded.as_str()))
        .returning((
            payments::id,
            payments::user_id,
            payments::kind,
            payments::plan_id,
            payments::minutes,
            payments::amount_kopecks,
            payments::idempotence_key,
        ))
        .get_result(conn)
        .await
        .optional()?;
    let Some((id, user_id, kind, plan, minutes, amount, key)) = row else { return Ok(None) };
    let paid = payment.amount.currency == "RUB" && domain::billing::parse_amount(&payment.amount.value) == Some(amount);
    if !paid {
        return Err(
            anyhow::anyhow!("payment {id}: YooKassa reports {:?}, expected {amount} kopecks", payment.amount).into()
        );
    }
    match purchase_of(&kind, plan.as_deref(), minutes) {
        Some(Purchase::Minutes { minutes }) => {
            diesel::update(users::table.find(user_id))
                .set(users::extra_minutes.eq(users::extra_minutes + minutes as i32))
                .execute(conn)
                .await?;
        }
        Some(Purchase::Plan { plan }) => {
            let card = payment.payment_method.as_ref().filter(|m| m.saved && m.kind == "bank_card");
            start_period(conn, user_id, plan, card, now).await?;
            let sub: Uuid = subscriptions::table
                .filter(subscriptions::user_id.eq(user_id))
                .select(subscriptions::id)
                .first(conn)
                .await?;
            diesel::update(payments::table.find(id)).set(payments::subscription_id.eq(sub)).execute(conn).await?;
        }
        None => return Err(anyhow::anyhow!("payment {id} has kind {kind:?}").into()),
    }
    Ok(Some((Synced::Succeeded, user_id, key.starts_with("renewal-"))))
}

/// A paid month of `plan` for `user_id`: the subscription active for a new period (from the end of the current one
/// when the same plan is renewed or bought ahead, from now otherwise), the user's plan set and this period's minutes
/// reset; a newly saved card replaces the old one.
async fn start_period(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    plan: PlanId,
    card: Option<&yookassa::PaymentMethod>,
    now: DateTime<Utc>,
) -> Result<(), BillingError> {
    let current: Option<(String, String, DateTime<Utc>)> = subscriptions::table
        .filter(subscriptions::user_id.eq(user_id))
        .select((subscriptions::plan_id, subscriptions::status, subscriptions::current_period_end))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let continues = current.as_ref().is_some_and(|(p, s, end)| {
        p == plan.as_str()
            && matches!(SubscriptionStatus::parse(s), Ok(SubscriptionStatus::Active | SubscriptionStatus::PastDue))
            && *end > now - chrono::Duration::days(domain::billing::GRACE_DAYS)
    });
    let start = match &current {
        Some((_, _, end)) if continues => *end,
        _ => now,
    };
    let end = add_month(start);
    let method = card.map_or(PaymentMethod::Sbp, |_| PaymentMethod::Card);
    let card_id = card.map(|c| c.id.clone());
    let title = card.map(card_title);
    diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::user_id.eq(user_id),
            subscriptions::plan_id.eq(plan.as_str()),
            subscriptions::status.eq(SubscriptionStatus::Active.as_str()),
            subscriptions::payment_method.eq(method.as_str()),
            subscriptions::payment_method_id.eq(&card_id),
            subscriptions::card_title.eq(&title),
            subscriptions::current_period_start.eq(start),
            subscriptions::current_period_end.eq(end),
            subscriptions::cancel_at_period_end.eq(false),
        ))
        .on_conflict(subscriptions::user_id)
        .do_update()
        .set((
            subscriptions::plan_id.eq(plan.as_str()),
            subscriptions::status.eq(SubscriptionStatus::Active.as_str()),
            subscriptions::current_period_start.eq(start),
            subscriptions::current_period_end.eq(end),
            subscriptions::cancel_at_period_end.eq(false),
            subscriptions::reminded_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    if card_id.is_some() {
        diesel::update(subscriptions::table.filter(subscriptions::user_id.eq(user_id)))
            .set((
                subscriptions::payment_method.eq(method.as_str()),
                subscriptions::payment_method_id.eq(&card_id),
                subscriptions::card_title.eq(&title),
            ))
            .execute(conn)
            .await?;
    }
    set_plan(conn, user_id, plan).await
}

/// Sets the user's plan and starts a fresh month of minutes (extra minutes stay).
pub(crate) async fn set_plan(conn: &mut AsyncPgConnection, user_id: Uuid, plan: PlanId) -> Result<(), BillingError> {
    let limit = Plan::get(plan).minutes_per_month.map_or(i32::MAX, |m| m as i32);
    diesel::update(users::table.find(user_id))
        .set((users::plan_id.eq(plan.as_str()), users::minutes_limit.eq(limit), users::minutes_used.eq(0)))
        .execute(conn)
        .await?;
    Ok(())
}

/// The columns that put a subscription past due (an expired, declined or refused renewal). The day's email is the
/// day's notice, so `reminded_at` is set too and the first grace-period reminder follows tomorrow.
pub(crate) fn past_due(
    now: DateTime<Utc>,
) -> (diesel::dsl::Eq<subscriptions::status, &'static str>, diesel::dsl::Eq<subscriptions::reminded_at, DateTime<Utc>>)
{
    (subscriptions::status.eq(SubscriptionStatus::PastDue.as_str()), subscriptions::reminded_at.eq(now))
}

/// `Mir *4444`.
fn card_title(m: &yookassa::PaymentMethod) -> String {
    match &m.card {
        Some(card) => format!("{} *{}", card.card_type.as_deref().unwrap_or("Card"), card.last4),
        None => m.title.clone().unwrap_or_else(|| "Card".into()),
    }
}

async fn cancel_payment(conn: &mut AsyncPgConnection, payment: &yookassa::Payment) -> Result<Applied, BillingError> {
    let reason = payment.cancellation_details.as_ref().map(|d| d.reason.clone());
    let pending = [PaymentStatus::Pending, PaymentStatus::WaitingForCapture].map(|s| s.as_str());
    let row: Option<(Uuid, String)> = diesel::update(payments::table.filter(payments::external_id.eq(&payment.id)))
        .filter(payments::status.eq_any(pending))
        .set((payments::status.eq(PaymentStatus::Canceled.as_str()), payments::failure.eq(&reason)))
        .returning((payments::user_id, payments::idempotence_key))
        .get_result(conn)
        .await
        .optional()?;
    let Some((user_id, key)) = row else { return Ok(None) };
    let renewal = key.starts_with("renewal-");
    if renewal {
        // A declined renewal: the subscription falls past due (its grace counts from the period's end).
        diesel::update(subscriptions::table.filter(subscriptions::user_id.eq(user_id)))
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
            .set(past_due(Utc::now()))
            .execute(conn)
            .await?;
    }
    Ok(Some((Synced::Canceled, user_id, renewal)))
}

/// Records a succeeded refund once (by YooKassa's refund id).
pub async fn sync_refund(state: &AppState, refund: &yookassa::Refund) -> Result<bool, BillingError> {
    if refund.status != "succeeded" {
        return Ok(false);
    }
    let amount = domain::billing::parse_amount(&refund.amount.value)
        .ok_or_else(|| anyhow::anyhow!("refund {} has amount {:?}", refund.id, refund.amount.value))?;
    let mut conn = state.db.get().await?;
    conn.transaction::<_, BillingError, _>(async |conn| {
        let Some(payment_id) = payments::table
            .filter(payments::external_id.eq(&refund.payment_id))
            .select(payments::id)
            .first::<Uuid>(conn)
            .await
            .optional()?
        else {
            return Ok(false);
        };
        let n = diesel::insert_into(refunds::table)
            .values((
                refunds::external_id.eq(&refund.id),
                refunds::payment_id.eq(payment_id),
                refunds::amount_kopecks.eq(amount),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if n == 1 {
            diesel::update(payments::table.find(payment_id))
                .set(payments::refunded_kopecks.eq(payments::refunded_kopecks + amount))
                .execute(conn)
                .await?;
        }
        Ok(n == 1)
    })
    .await
}

/// How the webhook answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookReply {
    /// 200: handled or ignored; YooKassa stops delivering it.
    Done,
    /// 400: not a notification.
    Malformed,
    /// 403: not from YooKassa's networks.
    Forbidden,
    /// 500: could not be handled now; YooKassa delivers it again (for 24 hours).
    Retry,
}

/// Handles a notification from `from`: only from YooKassa's networks, and only what the API confirms when asked.
/// Every answer but [`WebhookReply::Done`] for a handled notification is counted in
/// `clipmaker_payment_webhook_failures_total` ([`crate::metrics::OpsMetrics::webhook_failure`]).
pub async fn webhook(state: &AppState, from: IpAddr, body: &[u8]) -> WebhookReply {
    use crate::metrics::{WebhookFailure, ops};
    if !state.config.billing.webhook_networks.iter().any(|n| n.contains(from)) {
        tracing::warn!(%from, "a payment notification from outside YooKassa's networks was refused");
        ops().webhook_failure(WebhookFailure::Forbidden);
        return WebhookReply::Forbidden;
    }
    let malformed = || {
        tracing::warn!("a payment notification was not a YooKassa notification");
        ops().webhook_failure(WebhookFailure::Malformed);
        WebhookReply::Malformed
    };
    let Ok(note) = serde_json::from_slice::<Value>(body) else { return malformed() };
    let (Some("notification"), Some(event), Some(id)) = (
        note.get("type").and_then(Value::as_str),
        note.get("event").and_then(Value::as_str),
        note.pointer("/object/id").and_then(Value::as_str),
    ) else {
        return malformed();
    };
    let Ok(api) = client(state) else {
        tracing::warn!(event, "a payment notification arrived, but no shop is configured");
        ops().webhook_failure(WebhookFailure::Unconfigured);
        return WebhookReply::Done;
    };
    let result = match event {
        "payment.succeeded" | "payment.canceled" | "payment.waiting_for_capture" => match api.payment(id).await {
            Ok(p) => sync_payment(state, &p).await.map(drop),
            Err(ApiError::Api { status: 404, .. }) => Ok(()),
            Err(e) => Err(e.into()),
        },
        "refund.succeeded" => match api.refund(id).await {
            Ok(r) => sync_refund(state, &r).await.map(drop),
            Err(ApiError::Api { status: 404, .. }) => Ok(()),
            Err(e) => Err(e.into()),
        },
        _ => Ok(()),
    };
    match result {
        Ok(()) => WebhookReply::Done,
        Err(e) => {
            tracing::error!(event, error = %e, "a payment notification could not be handled; YooKassa will repeat it");
            ops().webhook_failure(WebhookFailure::NotProcessed);
            WebhookReply::Retry
        }
    }
}

/// Cancels the subscription at the end of its period (the plan stays until then).
pub async fn cancel(state: &AppState, user_id: Uuid) -> Result<(), BillingError> {
    set_cancel(state, user_id, true).await
}

/// Undoes [`cancel`] before the period ends.
pub async fn reactivate(state: &AppState, user_id: Uuid) -> Result<(), BillingError> {
    set_cancel(state, user_id, false).await
}

async fn set_cancel(state: &AppState, user_id: Uuid, cancel: bool) -> Result<(), BillingError> {
    let mut conn = state.db.get().await?;
    let live = [SubscriptionStatus::Active, SubscriptionStatus::PastDue].map(|s| s.as_str());
    let n = diesel::update(subscriptions::table.filter(subscriptions::user_id.eq(user_id)))
        .filter(subscriptions::status.eq_any(live))
        .set(subscriptions::cancel_at_period_end.eq(cancel))
        .execute(&mut conn)
        .await?;
    if n == 0 {
        return Err(BillingError::NotFound);
    }
    tracing::info!(%user_id, cancel, "subscription cancel at period end set");
    Ok(())
}

/// Sends a billing email to `user_id` in their language, with `detail` after the introduction. Failures are logged:
/// a lost email must not undo a billing change.
pub(crate) async fn notify(state: &AppState, user_id: Uuid, template: Template, detail: Option<&str>) {
    let found: Result<(String, String), _> = async {
        let mut conn = state.db.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        users::table
            .find(user_id)
            .select((users::email, users::ui_language))
            .first(&mut conn)
            .await
            .map_err(anyhow::Error::from)
    }
    .await;
    let sent = match found {
        Ok((email, lang)) => {
            let lang = Lang::from_code(&lang).unwrap_or_default();
            let link = format!("{}billing", base_url(state));
            match Email::parse(&email) {
                Ok(to) => state.mail.send_with(&to, lang, template, &link, detail).await,
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        tracing::error!(%user_id, ?template, error = %e, "a billing email was not sent");
    }
}
