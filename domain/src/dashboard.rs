//! The dashboard (issue 23): the first page after sign-in. Its figures are counted by the server for the caller's
//! workspace (their team's videos and their own made outside any team); the rules of the minutes meter and the
//! first-run checklist are here, so the page and the tests share them.

use serde::{Deserialize, Serialize};

use crate::{PlanId, analysis::ClipDetail, videos::VideoCard};

/// How many recent videos the dashboard shows.
pub const RECENT_VIDEOS: usize = 5;
/// How many of the best clips the dashboard shows.
pub const BEST_CLIPS: usize = 4;

/// The minutes of the plan that pays for the workspace's videos (the team owner's inside a team).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    /// The plan.
    pub plan: PlanId,
    /// Minutes used this period.
    pub used: u32,
    /// Minutes available this period (the plan's and extra ones bought); `None`: unlimited.
    pub available: Option<u32>,
    /// Minutes left; `None`: unlimited.
    pub left: Option<u32>,
}

impl Minutes {
    /// The meter's fill, 0–100: the share of the available minutes used (0 when unlimited).
    pub fn percent_used(&self) -> u8 {
        match self.available {
            None => 0,
            Some(0) => 100,
            Some(available) => ((u64::from(self.used) * 100) / u64::from(available)).min(100) as u8,
        }
    }

    /// Whether so few minutes are left that the meter warns (under 10% of the available minutes).
    pub fn running_low(&self) -> bool {
        match (self.left, self.available) {
            (Some(left), Some(available)) => u64::from(left) * 10 < u64::from(available),
            _ => false,
        }
    }
}

/// The first-run checklist as the server knows it; whether a key vault exists only the browser knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// The email address is confirmed.
    pub email_confirmed: bool,
    /// The workspace has at least one video.
    pub first_video: bool,
    /// The workspace has a connected publishing platform.
    pub platform_connected: bool,
}

impl Checklist {
    /// The four steps in order, each done or not: confirm email, first video, key vault, connect a platform.
    pub fn steps(&self, vault_set_up: bool) -> [bool; 4] {
        [self.email_confirmed, self.first_video, vault_set_up, self.platform_connected]
    }

    /// Whether every step is done (the checklist then disappears).
    pub fn complete(&self, vault_set_up: bool) -> bool {
        self.steps(vault_set_up).iter().all(|done| *done)
    }
}

/// Everything the dashboard shows (`dashboard/summary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The minutes meter.
    pub minutes: Minutes,
    /// Videos processed to the end (completed).
    pub videos_processed: u64,
    /// Clips rendered and ready.
    pub clips_ready: u64,
    /// Clips published on at least one platform.
    pub clips_published: u64,
    /// Views of every published clip, as the platforms last reported them.
    pub views: i64,
    /// The newest videos, newest first (at most [`RECENT_VIDEOS`]).
    pub recent_videos: Vec<VideoCard>,
    /// The ready clips with the highest virality score, best first (at most [`BEST_CLIPS`]).
    pub best_clips: Vec<ClipDetail>,
    /// The first-run checklist.
    pub checklist: Checklist,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn minutes(used: u32, available: Option<u32>) -> Minutes {
        Minutes { plan: PlanId::Start, used, available, left: available.map(|a| a.saturating_sub(used)) }
    }

    #[test]
    fn the_meter_fills_with_the_share_used() {
        assert_eq!(minutes(0, Some(60)).percent_used(), 0);
        assert_eq!(minutes(15, Some(60)).percent_used(), 25);
        assert_eq!(minutes(90, Some(60)).percent_used(), 100);
        assert_eq!(minutes(5, Some(0)).percent_used(), 100);
        assert_eq!(minutes(500, None).percent_used(), 0);
    }

    #[test]
    fn the_meter_warns_under_a_tenth_left() {
        assert!(!minutes(54, Some(60)).running_low());
        assert!(minutes(55, Some(60)).running_low());
        assert!(!minutes(10_000, None).running_low());
    }

    #[test]
    fn the_checklist_is_complete_only_with_every_step() {
        let all = Checklist { email_confirmed: true, first_video: true, platform_connected: true };
        assert!(all.complete(true));
        assert!(!all.complete(false));
        assert_eq!(all.steps(false), [true, true, false, true]);
        let fresh = Checklist { email_confirmed: false, first_video: false, platform_connected: false };
        assert_eq!(fresh.steps(false), [false; 4]);
        assert!(!Checklist { first_video: false, ..all }.complete(true));
    }

    proptest! {
        #[test]
        fn the_meter_never_overflows(used in any::<u32>(), available in proptest::option::of(any::<u32>())) {
            let p = minutes(used, available).percent_used();
            prop_assert!(p <= 100);
            if let Some(a) = available.filter(|a| *a > 0 && used <= *a) {
                prop_assert_eq!(u64::from(p), u64::from(used) * 100 / u64::from(a));
            }
        }
    }
}
