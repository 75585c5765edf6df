//! Billing rules (seed 000 §7–§8): what can be bought, what it costs, money in YooKassa's notation, and what the
//! billing cron does with a subscription whose period has ended. Money is integer kopecks everywhere; times are
//! Unix seconds so the rules stay free of any clock.

use serde::{Deserialize, Serialize};

use crate::{PlanId, SubscriptionStatus, TextEnum as _, plans::Plan};

/// The extra-minute packs on offer.
pub const MINUTE_PACKS: [u32; 3] = [30, 60, 120];

/// Fewer minutes left than this and the billing page offers extra minutes prominently.
pub const LOW_MINUTES: u32 = 10;

/// Days a past-due subscription keeps its plan before it is downgraded to Free.
pub const GRACE_DAYS: i64 = 7;

const DAY: i64 = 86_400;

/// What a checkout buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purchase {
    /// A month of a paid plan.
    Plan {
        /// Which plan.
        plan: PlanId,
    },
    /// A one-time pack of extra processing minutes.
    Minutes {
        /// How many (one of [`MINUTE_PACKS`]).
        minutes: u32,
    },
}

impl Purchase {
    /// The price in kopecks, `minute_price` kopecks per extra minute; `None` for what cannot be bought (the Free
    /// plan, a pack that is not on offer).
    pub fn price(self, minute_price: i64) -> Option<i64> {
        match self {
            Purchase::Plan { plan } => Some(Plan::get(plan).price_kopecks).filter(|p| *p > 0),
            Purchase::Minutes { minutes } => {
                MINUTE_PACKS.contains(&minutes).then(|| i64::from(minutes) * minute_price).filter(|p| *p > 0)
            }
        }
    }
}

/// Kopecks as YooKassa writes an amount's value: `"990.00"`.
pub fn amount_value(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let abs = kopecks.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Reads YooKassa's amount value (`"990.00"`, `"2"`, `"12.5"`) as kopecks; `None` when it is not a non-negative
/// amount with at most two decimals.
pub fn parse_amount(value: &str) -> Option<i64> {
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rubles: i64 = whole.parse().ok()?;
    let kopecks: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    rubles.checked_mul(100)?.checked_add(kopecks)
}

/// The idempotence key of the renewal charge of `user`'s `plan` on `date` (`YYYY-MM-DD`), seed 000 §8: however many
/// cron runs reach the subscription that day, one charge.
pub fn renewal_key(user: &str, plan: PlanId, date: &str) -> String {
    format!("renewal-{user}-{plan}-{date}")
}

/// What the billing cron knows about a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiring {
    /// Its status.
    pub status: SubscriptionStatus,
    /// The end of the paid period, Unix seconds.
    pub period_end: i64,
    /// Whether the user cancelled (the plan ends with the period).
    pub cancel_at_period_end: bool,
    /// Whether a card is saved for renewal.
    pub has_saved_card: bool,
    /// The day (Unix seconds at its midnight, UTC) the last renewal reminder went out, if any.
    pub reminded_day: Option<i64>,
}

/// What the billing cron does with one subscription (seed 000 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// The period has not ended, or the subscription is not billed: nothing.
    Nothing,
    /// Back to Free, with the "downgraded" email.
    Downgrade,
    /// Past due within the grace: the "renewal reminder" email, `days_left` days before the downgrade.
    Remind {
        /// Whole days until the downgrade, at least 1.
        days_left: u32,
    },
    /// Active, ended, nothing to charge: past due, with the "expired" email.
    Expire,
    /// Active, ended, a card saved: a recurring charge.
    Charge,
}

/// Decides what the cron does with `sub` at `now` (Unix seconds). The grace counts from the end of the period
/// (when the subscription fell past due); the reminder goes out at most once a day.
pub fn renewal(sub: &Expiring, now: i64) -> Renewal {
    let billed = matches!(sub.status, SubscriptionStatus::Active | SubscriptionStatus::PastDue);
    if !billed || sub.period_end > now {
        return Renewal::Nothing;
    }
    if sub.cancel_at_period_end {
        return Renewal::Downgrade;
    }
    match sub.status {
        SubscriptionStatus::PastDue => {
            let grace_end = sub.period_end + GRACE_DAYS * DAY;
            if now >= grace_end {
                Renewal::Downgrade
            } else if sub.reminded_day == Some(day_of(now)) {
                Renewal::Nothing
            } else {
                Renewal::Remind { days_left: ((grace_end - now + DAY - 1) / DAY).max(1) as u32 }
            }
        }
        _ if sub.has_saved_card => Renewal::Charge,
        _ => Renewal::Expire,
    }
}

/// Midnight (UTC) of the day `t` falls in, Unix seconds.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

/// Minutes left this period: the plan's allowance less what was used, plus extra minutes; `None` when unlimited.
pub fn minutes_left(plan: PlanId, used: i32, extra: i32) -> Option<u32> {
    let included = Plan::get(plan).minutes_per_month?;
    Some((i64::from(included) - i64::from(used).max(0) + i64::from(extra).max(0)).max(0) as u32)
}

/// The billing page's data (`billing/subscription`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    /// The plan in force.
    pub plan: PlanId,
    /// The paid subscription's status; `None` on Free without one.
    pub status: Option<SubscriptionStatus>,
    /// The end of the paid period (RFC 3339).
    pub period_end: Option<String>,
    /// Whether the plan ends with the period.
    pub cancel_at_period_end: bool,
    /// The saved card (`Mir *4444`), charged at renewal.
    pub card: Option<String>,
    /// Minutes used this period.
    pub minutes_used: u32,
    /// Minutes the plan includes a month; `None`: unlimited.
    pub minutes_included: Option<u32>,
    /// Extra minutes bought.
    pub extra_minutes: u32,
    /// Minutes left; `None`: unlimited.
    pub minutes_left: Option<u32>,
    /// The price of one extra minute, kopecks.
    pub minute_price_kopecks: i64,
    /// Whether checkout works here (a shop is configured).
    pub checkout_enabled: bool,
    /// Payments, newest first.
    pub payments: Vec<PaymentEntry>,
}

impl BillingOverview {
    /// Whether to offer extra minutes prominently.
    pub fn low_on_minutes(&self) -> bool {
        self.minutes_left.is_some_and(|left| left < LOW_MINUTES)
    }
}

/// One payment in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    /// Our id.
    pub id: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// What it bought.
    pub purchase: Purchase,
    /// How much, kopecks.
    pub amount_kopecks: i64,
    /// Its state.
    pub status: crate::PaymentStatus,
    /// Card or SBP.
    pub method: crate::PaymentMethod,
    /// Whether the cron made it (a renewal).
    pub renewal: bool,
    /// Refunded so far, kopecks.
    pub refunded_kopecks: i64,
}

/// What `billing/checkout` hands the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutStart {
    /// Our payment id (for `billing/check-payment-status`).
    pub payment_id: String,
    /// Card: the payment page to go to.
    pub redirect: Option<String>,
    /// SBP: the QR code as an SVG document.
    pub qr_svg: Option<String>,
    /// SBP: the payment link the QR encodes (a phone opens it directly).
    pub qr_link: Option<String>,
}

impl Purchase {
    /// The purchase as a short code for forms: `plan:start`, `minutes:30`.
    pub fn code(self) -> String {
        match self {
            Purchase::Plan { plan } => format!("plan:{}", plan.as_str()),
            Purchase::Minutes { minutes } => format!("minutes:{minutes}"),
        }
    }

    /// Reads [`Purchase::code`]; `None` for anything else, and for what cannot be bought (Free, an unknown pack).
    pub fn from_code(code: &str) -> Option<Purchase> {
        let p = match code.split_once(':')? {
            ("plan", id) => Purchase::Plan { plan: <PlanId as crate::TextEnum>::parse(id).ok()? },
            ("minutes", n) => Purchase::Minutes { minutes: n.parse().ok()? },
            _ => return None,
        };
        p.price(1).map(|_| p)
    }
}

/// Why a billing request failed, for the page to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingProblem {
    /// No shop is configured on this server.
    NotConfigured,
    /// YooKassa is busy or unreachable; nothing was charged.
    Unavailable,
    /// YooKassa refused the request; nothing was charged.
    Refused,
}

/// A pack of extra minutes and its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutePack {
    /// Minutes.
    pub minutes: u32,
    /// Price, kopecks.
    pub price_kopecks: i64,
}

/// What can be bought (`billing/plans`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offers {
    /// The paid plans and their monthly prices, kopecks.
    pub plans: Vec<(PlanId, i64)>,
    /// The extra-minute packs.
    pub minute_packs: Vec<MinutePack>,
    /// Whether checkout works here.
    pub checkout_enabled: bool,
}

impl Offers {
    /// The offers at `minute_price` kopecks a minute.
    pub fn new(minute_price: i64, checkout_enabled: bool) -> Offers {
        Offers {
            plans: crate::PLANS.iter().filter(|p| p.price_kopecks > 0).map(|p| (p.id, p.price_kopecks)).collect(),
            minute_packs: MINUTE_PACKS
                .iter()
                .map(|&minutes| MinutePack { minutes, price_kopecks: i64::from(minutes) * minute_price })
                .collect(),
            checkout_enabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn sub(status: SubscriptionStatus, period_end: i64) -> Expiring {
        Expiring { status, period_end, cancel_at_period_end: false, has_saved_card: false, reminded_day: None }
    }

    #[test]
    fn prices_follow_the_plan_table_and_the_minute_rate() {
        assert_eq!(Purchase::Plan { plan: PlanId::Start }.price(500), Some(99_000));
        assert_eq!(Purchase::Plan { plan: PlanId::Business }.price(500), Some(999_000));
        assert_eq!(Purchase::Plan { plan: PlanId::Free }.price(500), None);
        assert_eq!(Purchase::Minutes { minutes: 60 }.price(500), Some(30_000));
        assert_eq!(Purchase::Minutes { minutes: 45 }.price(500), None);
        assert_eq!(Purchase::Minutes { minutes: 30 }.price(0), None);
    }

    #[test]
    fn purchases_travel_as_tagged_json() {
        let p: Purchase = serde_json::from_str(r#"{"kind":"plan","plan":"pro"}"#).unwrap();
        assert_eq!(p, Purchase::Plan { plan: PlanId::Pro });
        let m = serde_json::to_string(&Purchase::Minutes { minutes: 30 }).unwrap();
        assert_eq!(m, r#"{"kind":"minutes","minutes":30}"#);
    }

    #[test]
    fn amounts_round_trip_in_yookassa_notation() {
        assert_eq!(amount_value(99_000), "990.00");
        assert_eq!(amount_value(5), "0.05");
        assert_eq!(amount_value(123_456), "1234.56");
        for k in [0, 1, 99, 100, 99_000, 99_999_999] {
            assert_eq!(parse_amount(&amount_value(k)), Some(k));
        }
        assert_eq!(parse_amount("2"), Some(200));
        assert_eq!(parse_amount("12.5"), Some(1250));
        for bad in ["", ".5", "1.234", "-1.00", "1,00", "1e3", "abc"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_renewal_key_names_user_plan_and_day() {
        assert_eq!(renewal_key("u1", PlanId::Pro, "2026-12-01"), "renewal-u1-pro-2026-12-01");
    }

    #[test]
    fn a_running_period_or_an_unbilled_subscription_is_left_alone() {
        assert_eq!(renewal(&sub(SubscriptionStatus::Active, NOW + 1), NOW), Renewal::Nothing);
        assert_eq!(renewal(&sub(SubscriptionStatus::Cancelled, NOW - DAY), NOW), Renewal::Nothing);
        assert_eq!(renewal(&sub(SubscriptionStatus::Expired, NOW - DAY), NOW), Renewal::Nothing);
    }

    #[test]
    fn the_four_cases_of_seed_section_8() {
        // Cancelled at period end: downgrade, whatever the status.
        let mut s = sub(SubscriptionStatus::Active, NOW);
        s.cancel_at_period_end = true;
        s.has_saved_card = true;
        assert_eq!(renewal(&s, NOW), Renewal::Downgrade);
        // Active, no saved card: expired.
        assert_eq!(renewal(&sub(SubscriptionStatus::Active, NOW - 10), NOW), Renewal::Expire);
        // Active with a card: charge.
        let mut s = sub(SubscriptionStatus::Active, NOW - 10);
        s.has_saved_card = true;
        assert_eq!(renewal(&s, NOW), Renewal::Charge);
        // Past due within the grace: a reminder with the days left; beyond it: downgrade.
        let past = sub(SubscriptionStatus::PastDue, NOW - DAY);
        assert_eq!(renewal(&past, NOW), Renewal::Remind { days_left: 6 });
        assert_eq!(renewal(&past, NOW - DAY + 1), Renewal::Remind { days_left: 7 });
        assert_eq!(renewal(&past, NOW - DAY + 7 * DAY - 1), Renewal::Remind { days_left: 1 });
        assert_eq!(renewal(&past, NOW - DAY + 7 * DAY), Renewal::Downgrade);
        // A past-due card is not charged again by the cron; the user pays from the billing page.
        let mut s = past;
        s.has_saved_card = true;
        assert_eq!(renewal(&s, NOW), Renewal::Remind { days_left: 6 });
    }

    #[test]
    fn one_reminder_a_day() {
        let mut s = sub(SubscriptionStatus::PastDue, NOW - DAY);
        s.reminded_day = Some(day_of(NOW));
        assert_eq!(renewal(&s, NOW), Renewal::Nothing);
        // The next day (8 h past NOW's midnight, so 5 days and 8 h of grace remain): the next reminder.
        assert_eq!(renewal(&s, day_of(NOW) + DAY), Renewal::Remind { days_left: 6 });
    }

    #[test]
    fn minutes_left_counts_extra_and_never_goes_negative() {
        assert_eq!(minutes_left(PlanId::Free, 25, 0), Some(5));
        assert_eq!(minutes_left(PlanId::Free, 40, 0), Some(0));
        assert_eq!(minutes_left(PlanId::Start, 100, 30), Some(50));
        assert_eq!(minutes_left(PlanId::Business, 10_000, 0), None);
    }
}
