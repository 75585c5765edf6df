//! The admin console (issue 23): what site operators see and may change. Operators are users with `is_admin`,
//! granted only by the server's command line; everyone else gets 404 from every admin page and server function.

use serde::{Deserialize, Serialize};

use crate::{AdminAction, PlanId, UsageKind};

/// Users listed per page.
pub const USERS_PAGE: usize = 50;
/// The most minutes one grant may add.
pub const MAX_GRANT_MINUTES: u32 = 100_000;
/// Dead letters shown per queue.
pub const DEAD_LETTERS_SHOWN: usize = 50;
/// Audit entries shown.
pub const AUDIT_SHOWN: usize = 100;
/// Days of AI cost shown.
pub const COST_DAYS: i64 = 30;

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Confirmed and not blocked.
    Active,
    /// The email address is not confirmed yet.
    Unconfirmed,
    /// Blocked by an operator: cannot sign in.
    Blocked,
}

impl UserStatus {
    /// Every status, in filter order.
    pub const ALL: [UserStatus; 3] = [UserStatus::Active, UserStatus::Unconfirmed, UserStatus::Blocked];

    /// The name in forms and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Unconfirmed => "unconfirmed",
            UserStatus::Blocked => "blocked",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<UserStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The status of an account: blocked wins over unconfirmed.
    pub fn of(blocked: bool, confirmed: bool) -> UserStatus {
        match (blocked, confirmed) {
            (true, _) => UserStatus::Blocked,
            (false, false) => UserStatus::Unconfirmed,
            (false, true) => UserStatus::Active,
        }
    }
}

/// How recently the listed users signed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedUp {
    /// In the last 24 hours.
    Day,
    /// In the last 7 days.
    Week,
    /// In the last 30 days.
    Month,
}

impl SignedUp {
    /// Every choice, in filter order.
    pub const ALL: [SignedUp; 3] = [SignedUp::Day, SignedUp::Week, SignedUp::Month];

    /// The name in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            SignedUp::Day => "day",
            SignedUp::Week => "week",
            SignedUp::Month => "month",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<SignedUp> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The window in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            SignedUp::Day => 86_400,
            SignedUp::Week => 7 * 86_400,
            SignedUp::Month => 30 * 86_400,
        }
    }
}

/// A `LIKE` pattern that finds `search` anywhere, its wildcards (`%`, `_`) and the escape (`\`) taken literally.
pub fn contains_pattern(search: &str) -> String {
    let mut out = String::with_capacity(search.len() + 2);
    out.push('%');
    for c in search.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Whether `minutes` may be granted at once.
pub fn grant_allowed(minutes: u32) -> bool {
    (1..=MAX_GRANT_MINUTES).contains(&minutes)
}

/// One user in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// Id (UUID).
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Plan.
    pub plan: PlanId,
    /// Status.
    pub status: UserStatus,
    /// A site operator.
    pub is_admin: bool,
    /// Signed up (RFC 3339).
    pub signed_up_at: String,
    /// Minutes used this period.
    pub minutes_used: u32,
    /// Minutes left; `None`: unlimited.
    pub minutes_left: Option<u32>,
}

/// One live session of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Started (RFC 3339).
    pub created_at: String,
    /// Last refreshed (RFC 3339).
    pub last_used_at: String,
    /// The browser's user agent.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub ip: Option<String>,
}

/// A user's detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    /// The list row.
    pub user: UserRow,
    /// Extra minutes bought or granted.
    pub extra_minutes: u32,
    /// Videos they made.
    pub videos: u64,
    /// Clips of those videos.
    pub clips: u64,
    /// Minutes transcribed for them, all time.
    pub minutes_consumed: i64,
    /// What the AI calls for their videos cost us, kopecks, all time.
    pub ai_cost_kopecks: i64,
    /// Live sessions, newest first (revoked and rotated ones are not live).
    pub sessions: Vec<SessionRow>,
}

/// A queue's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    /// The queue's name.
    pub queue: String,
    /// Ready, not taken yet.
    pub waiting: u64,
    /// Taken by a worker.
    pub running: u64,
    /// Waiting for their due time (delays and retries).
    pub delayed: u64,
    /// In the dead-letter list.
    pub dead: u64,
}

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadJob {
    /// Its queue.
    pub queue: String,
    /// The job's id.
    pub id: String,
    /// The job type.
    pub name: String,
    /// The video or clip it was for (`video:<id>`), if any.
    pub subject: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it failed for good (Unix ms).
    pub failed_at_ms: i64,
}

/// AI cost of one day, kind and provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRow {
    /// The day (`YYYY-MM-DD`, UTC).
    pub day: String,
    /// Transcription or LLM (or rendering).
    pub kind: UsageKind,
    /// The provider (`local` when none was named).
    pub provider: String,
    /// Calls (usage records).
    pub calls: i64,
    /// Minutes transcribed.
    pub minutes: i64,
    /// Cost, kopecks.
    pub cost_kopecks: i64,
}

/// One operator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// The operator's email; `None` for the server's command line.
    pub admin: Option<String>,
    /// What they did.
    pub action: AdminAction,
    /// The user it was about.
    pub target_user: Option<String>,
    /// What else it was about (a queue and job).
    pub target: String,
    /// The change (JSON).
    pub details: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("anna"), "%anna%");
        assert_eq!(contains_pattern(" 50%_off\\ "), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn blocked_wins_over_unconfirmed() {
        assert_eq!(UserStatus::of(true, false), UserStatus::Blocked);
        assert_eq!(UserStatus::of(false, false), UserStatus::Unconfirmed);
        assert_eq!(UserStatus::of(false, true), UserStatus::Active);
        for s in UserStatus::ALL {
            assert_eq!(UserStatus::parse(s.as_str()), Some(s));
        }
        for s in SignedUp::ALL {
            assert_eq!(SignedUp::parse(s.as_str()), Some(s));
        }
        assert_eq!(UserStatus::parse("nope"), None);
    }

    #[test]
    fn grants_are_between_one_and_the_maximum() {
        assert!(!grant_allowed(0));
        assert!(grant_allowed(1));
        assert!(grant_allowed(MAX_GRANT_MINUTES));
        assert!(!grant_allowed(MAX_GRANT_MINUTES + 1));
    }
}
