//! The billing cron (seed 000 §8), run by the `billing-cron` job at `BILLING_CRON`: subscriptions whose period
//! ended, in batches of 100, each handled as [`domain::billing::renewal`] decides. The clock is a parameter, so tests
//! move time instead of waiting.
//!
//! Runs may overlap (two workers, a retried job): every change is a conditional update on the state the decision
//! was made from, and a renewal charge is first a payment row under the day's idempotence key
//! (`renewal-{user}-{plan}-{date}`, unique in the table and sent to YooKassa as `Idempotence-Key`), so only one run
//! charges and each email goes out once.

use chrono::{DateTime, Utc};
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, OptionalExtension as _, QueryDsl as _,
    TextExpressionMethods as _,
};
use diesel_async::RunQueryDsl as _;
use domain::{
    Lang, PaymentKind, PaymentMethod, PaymentStatus, Plan, PlanId, SubscriptionStatus, TextEnum as _,
    billing::{Expiring, Purchase, Renewal, renewal, renewal_key},
};
use serde_json::json;
use uuid::Uuid;

use super::{BillingError, client, item, notify, past_due, set_plan, sync_payment, yookassa};
use crate::{
    AppState,
    db::schema::{payments, subscriptions, users},
    mail::Template,
};

/// Subscriptions handled per query.
pub const BATCH: i64 = 100;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CronReport {
    /// Subscriptions looked at.
    pub seen: u32,
    /// Downgraded to Free.
    pub downgraded: u32,
    /// Reminders sent.
    pub reminded: u32,
    /// Fell past due without a card.
    pub expired: u32,
    /// Renewal charges made.
    pub charged: u32,
    /// Renewal charges declined.
    pub failed: u32,
}

type Row = (Uuid, Uuid, String, String, Option<String>, DateTime<Utc>, bool, Option<DateTime<Utc>>);

/// One pass over the subscriptions whose period ended by `now`.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> Result<CronReport, BillingError> {
    let mut report = CronReport::default();
    let mut after = Uuid::nil();
    let billed = [SubscriptionStatus::Active, SubscriptionStatus::PastDue].map(|s| s.as_str());
    loop {
        let mut conn = state.db.get().await?;
        let batch: Vec<Row> = subscriptions::table
            .filter(subscriptions::current_period_end.le(now))
            .filter(subscriptions::status.eq_any(billed))
            .filter(subscriptions::id.gt(after))
            .order(subscriptions::id)
            .limit(BATCH)
            .select((
                subscriptions::id,
                subscriptions::user_id,
                subscriptions::plan_id,
                subscriptions::status,
                subscriptions::payment_method_id,
                subscriptions::current_period_end,
                subscriptions::cancel_at_period_end,
                subscriptions::reminded_at,
            ))
            .load(&mut conn)
            .await?;
        drop(conn);
        let Some(last) = batch.last() else { break };
        after = last.0;
        for row in &batch {
            report.seen += 1;
            if let Err(e) = handle(state, row, now, &mut report).await {
                tracing::error!(subscription_id = %row.0, error = %e, "billing cron: a subscription failed");
            }
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    tracing::info!(?report, "billing cron pass done");
    Ok(report)
}

async fn handle(state: &AppState, row: &Row, now: DateTime<Utc>, report: &mut CronReport) -> Result<(), BillingError> {
    let (id, user_id, plan, status, card, period_end, cancel_at_end, reminded) = row;
    let status = SubscriptionStatus::parse(status).map_err(|e| anyhow::anyhow!("{e}"))?;
    let facts = Expiring {
        status,
        period_end: period_end.timestamp(),
        cancel_at_period_end: *cancel_at_end,
        has_saved_card: card.is_some(),
        reminded_day: reminded.map(|t| domain::billing::day_of(t.timestamp())),
    };
    // Only rows still as they were read change; a concurrent run that got there first leaves nothing to update.
    let unchanged = subscriptions::table
        .filter(subscriptions::id.eq(*id))
        .filter(subscriptions::status.eq(status.as_str()))
        .filter(subscriptions::current_period_end.eq(*period_end));
    match renewal(&facts, now.timestamp()) {
        Renewal::Nothing => {}
        Renewal::Downgrade => {
            let to = if *cancel_at_end { SubscriptionStatus::Cancelled } else { SubscriptionStatus::Expired };
            let mut conn = state.db.get().await?;
            let n = diesel::update(unchanged)
                .set((subscriptions::status.eq(to.as_str()), subscriptions::cancel_at_period_end.eq(false)))
                .execute(&mut conn)
                .await?;
            if n == 1 {
                set_plan(&mut conn, *user_id, PlanId::Free).await?;
                drop(conn);
                report.downgraded += 1;
                tracing::info!(%user_id, "billing cron: downgraded to Free");
                notify(state, *user_id, Template::Downgraded, None).await;
            }
        }
        Renewal::Remind { days_left } => {
            let mut conn = state.db.get().await?;
            let today = DateTime::<Utc>::from_timestamp(domain::billing::day_of(now.timestamp()), 0).unwrap_or(now);
            let n = diesel::update(unchanged)
                .filter(subscriptions::reminded_at.is_null().or(subscriptions::reminded_at.lt(today)))
                .set(subscriptions::reminded_at.eq(now))
                .execute(&mut conn)
                .await?;
            drop(conn);
            if n == 1 {
                report.reminded += 1;
                let lang = user_lang(state, *user_id).await?;
                let detail = (lang.dict().billing_page.mail_days_left)(days_left);
                notify(state, *user_id, Template::RenewalReminder, Some(&detail)).await;
            }
        }
        Renewal::Expire => {
            let mut conn = state.db.get().await?;
            let n = diesel::update(unchanged).set(past_due(now)).execute(&mut conn).await?;
            drop(conn);
            if n == 1 {
                report.expired += 1;
                notify(state, *user_id, Template::SubscriptionExpired, None).await;
            }
        }
        Renewal::Charge => {
            let plan = PlanId::parse(plan).map_err(|e| anyhow::anyhow!("{e}"))?;
            let card = card.as_deref().unwrap_or_default();
            match charge(state, *id, *user_id, plan, card, now).await? {
                Some(true) => report.charged += 1,
                Some(false) => report.failed += 1,
                None => {}
            }
        }
    }
    Ok(())
}

async fn user_lang(state: &AppState, user_id: Uuid) -> Result<Lang, BillingError> {
    let mut conn = state.db.get().await?;
    let (code, _email): (String, String) =
        users::table.find(user_id).select((users::ui_language, users::email)).first(&mut conn).await?;
    Ok(Lang::from_code(&code).unwrap_or_default())
}

/// Charges the saved card for the next month of `plan`. `None` when another run charged today already (or a
/// charge is still pending); otherwise whether the charge went through.
async fn charge(
    state: &AppState,
    subscription_id: Uuid,
    user_id: Uuid,
    plan: PlanId,
    card: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>, BillingError> {
    let api = client(state)?;
    let cfg = &state.config.billing;
    let amount = Plan::get(plan).price_kopecks;
    let key = renewal_key(&user_id.to_string(), plan, &now.format("%Y-%m-%d").to_string());
    let payment_id = Uuid::now_v7();
    let mut conn = state.db.get().await?;
    let pending: Option<Uuid> = payments::table
        .filter(payments::subscription_id.eq(subscription_id))
        .filter(payments::status.eq(PaymentStatus::Pending.as_str()))
        .filter(payments::idempotence_key.like("renewal-%"))
        .select(payments::id)
        .first(&mut conn)
        .await
        .optional()?;
    if pending.is_some() {
        return Ok(None);
    }
    let inserted = diesel::insert_into(payments::table)
        .values((
            payments::id.eq(payment_id),
            payments::user_id.eq(user_id),
            payments::subscription_id.eq(subscription_id),
            payments::kind.eq(PaymentKind::Subscription.as_str()),
            payments::plan_id.eq(plan.as_str()),
            payments::amount_kopecks.eq(amount),
            payments::payment_method.eq(PaymentMethod::Card.as_str()),
            payments::idempotence_key.eq(&key),
        ))
        .on_conflict_do_nothing()
        .execute(&mut conn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let (email, lang): (String, String) =
        users::table.find(user_id).select((users::email, users::ui_language)).first(&mut conn).await?;
    let description = item(Purchase::Plan { plan }, Lang::from_code(&lang).unwrap_or_default());
    let body = json!({
        "amount": yookassa::rub(amount),
        "capture": true,
        "payment_method_id": card,
        "description": yookassa::truncate(&description, 128),
        "metadata": { "payment_id": payment_id.to_string(), "user_id": user_id.to_string(), "renewal": "true" },
        "receipt": yookassa::receipt(amount, &yookassa::ReceiptFacts {
            email: &email,
            item: &description,
            vat_code: cfg.vat_code,
            payment_subject: &cfg.payment_subject,
            payment_mode: &cfg.payment_mode,
        }),
    });
    match api.create_payment(&key, &body).await {
        Ok(p) => {
            diesel::update(payments::table.find(payment_id))
                .set(payments::external_id.eq(&p.id))
                .execute(&mut conn)
                .await?;
            drop(conn);
            tracing::info!(%user_id, %payment_id, external_id = %p.id, status = %p.status, "billing cron: renewal charged");
            let synced = sync_payment(state, &p).await?;
            Ok(match synced {
                super::Synced::Succeeded => Some(true),
                super::Synced::Canceled => Some(false),
                // Pending: the webhook (or the next status check) settles it.
                super::Synced::Nothing => None,
            })
        }
        Err(e) if e.retryable() => {
            // Nothing was charged for sure: forget the row, and the next run tries again under the day's key.
            diesel::delete(payments::table.find(payment_id)).execute(&mut conn).await?;
            Err(e.into())
        }
        Err(e) => {
            // Refused (a card that can no longer be charged): the renewal failed.
            tracing::warn!(%user_id, error = %e, "billing cron: the renewal was refused");
            diesel::update(payments::table.find(payment_id))
                .set((payments::status.eq(PaymentStatus::Canceled.as_str()), payments::failure.eq("refused")))
                .execute(&mut conn)
                .await?;
            diesel::update(subscriptions::table.find(subscription_id))
                .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
                .set(past_due(now))
                .execute(&mut conn)
                .await?;
            drop(conn);
            notify(state, user_id, Template::PaymentFailed, None).await;
            Ok(Some(false))
        }
    }
}
