//! The plan table from seed 000 §7. Money is integer kopecks everywhere.

use crate::PlanId;

/// One subscription plan's limits and price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Which plan.
    pub id: PlanId,
    /// Monthly price in kopecks (1 RUB = 100 kopecks).
    pub price_kopecks: i64,
    /// Processing minutes per month; `None` means unlimited.
    pub minutes_per_month: Option<u32>,
    /// The most clips generated from one video.
    pub max_clips_per_video: u32,
    /// Whether rendered clips carry the ClipMaker watermark.
    pub watermark: bool,
    /// Days sources and clips are kept before the cleanup job deletes them.
    pub storage_days: u32,
    /// People a team on this plan may have, the owner included; 0: the plan has no team.
    pub team_seats: u32,
    /// The longest clip the editor lets a creator make, seconds.
    pub max_clip_seconds: u32,
}

/// All plans, cheapest first.
pub const PLANS: [Plan; 4] = [
    Plan {
        id: PlanId::Free,
        price_kopecks: 0,
        minutes_per_month: Some(30),
        max_clips_per_video: 3,
        watermark: true,
        storage_days: 3,
        team_seats: 0,
        max_clip_seconds: 60,
    },
    Plan {
        id: PlanId::Start,
        price_kopecks: 99_000,
        minutes_per_month: Some(120),
        max_clips_per_video: 10,
        watermark: false,
        storage_days: 30,
        team_seats: 0,
        max_clip_seconds: 90,
    },
    Plan {
        id: PlanId::Pro,
        price_kopecks: 299_000,
        minutes_per_month: Some(1_000),
        max_clips_per_video: 100,
        watermark: false,
        storage_days: 90,
        team_seats: 3,
        max_clip_seconds: 180,
    },
    Plan {
        id: PlanId::Business,
        price_kopecks: 999_000,
        minutes_per_month: None,
        max_clips_per_video: 100,
        watermark: false,
        storage_days: 90,
        team_seats: 10,
        max_clip_seconds: 180,
    },
];

impl Plan {
    /// The plan with this id.
    pub fn get(id: PlanId) -> &'static Plan {
        PLANS.iter().find(|p| p.id == id).expect("every PlanId is in PLANS")
    }
}

/// Groups digits in threes with a narrow no-break space, as Russian typography does: `1 000 000`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202F}');
        }
        grouped.push(ch);
    }
    grouped
}

/// Formats kopecks as whole rubles with grouped digits, e.g. `2 990 ₽`. Kopecks are shown only when present:
/// `12,50 ₽`.
pub fn format_rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let abs = kopecks.unsigned_abs();
    let (rubles, rest) = (group_digits(abs / 100), abs % 100);
    if rest == 0 { format!("{sign}{rubles}\u{00A0}₽") } else { format!("{sign}{rubles},{rest:02}\u{00A0}₽") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TextEnum;

    #[test]
    fn every_plan_id_has_exactly_one_plan() {
        for id in PlanId::ALL {
            assert_eq!(PLANS.iter().filter(|p| p.id == *id).count(), 1, "{id}");
        }
    }

    #[test]
    fn seed_prices_and_limits() {
        assert_eq!(Plan::get(PlanId::Start).price_kopecks, 99_000);
        assert_eq!(Plan::get(PlanId::Pro).price_kopecks, 299_000);
        assert_eq!(Plan::get(PlanId::Business).minutes_per_month, None);
        assert!(Plan::get(PlanId::Free).watermark);
        assert_eq!(Plan::get(PlanId::Free).storage_days, 3);
        let seats: Vec<u32> = PlanId::ALL.iter().map(|id| Plan::get(*id).team_seats).collect();
        assert_eq!(seats, [0, 0, 3, 10], "issue 18: Free and Start none, Pro 3, Business 10");
    }

    #[test]
    fn digits_are_grouped_in_threes() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1\u{202F}000");
        assert_eq!(group_digits(1_234_567), "1\u{202F}234\u{202F}567");
    }

    #[test]
    fn rubles_are_grouped_and_kopecks_shown_only_when_present() {
        assert_eq!(format_rubles(0), "0\u{00A0}₽");
        assert_eq!(format_rubles(99_000), "990\u{00A0}₽");
        assert_eq!(format_rubles(299_000), "2\u{202F}990\u{00A0}₽");
        assert_eq!(format_rubles(123_456_789), "1\u{202F}234\u{202F}567,89\u{00A0}₽");
        assert_eq!(format_rubles(-1_250), "-12,50\u{00A0}₽");
    }
}
