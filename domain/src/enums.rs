//! Status and kind enums. Each is stored in PostgreSQL as `text` with a `CHECK` constraint listing exactly
//! the values of [`TextEnum::ALL`]; a backend test compares the two sets so they cannot drift apart.

use std::fmt;

/// Error returned when a string is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}")]
pub struct UnknownVariant {
    /// The enum's name, for the message.
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
}

/// An enum stored as text: every variant has one stable lowercase name.
pub trait TextEnum: Sized + Copy + 'static {
    /// The enum's name as used in messages and in the database constraint (`<table>_<column>_check`).
    const NAME: &'static str;
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The stored name of this variant.
    fn as_str(self) -> &'static str;
    /// Parses a stored name.
    fn parse(s: &str) -> Result<Self, UnknownVariant> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVariant { kind: Self::NAME, value: s.to_owned() })
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl TextEnum for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as TextEnum>::parse(s)
            }
        }
    };
}

text_enum!(
    /// A subscription plan (seed 000 §7, "Plan Configuration").
    PlanId { Free = "free", Start = "start", Pro = "pro", Business = "business" }
);

text_enum!(
    /// Which family of AI providers a user prefers (seed 000 §9).
    LlmStrategy { Ru = "ru", Global = "global" }
);

text_enum!(
    /// Lifecycle of an uploaded video (seed 000 §4, "Video Status Lifecycle").
    VideoStatus {
        Uploading = "uploading",
        Downloading = "downloading",
        Transcribing = "transcribing",
        Analyzing = "analyzing",
        GeneratingClips = "generating_clips",
        Completed = "completed",
        Failed = "failed",
    }
);

impl VideoStatus {
    /// Whether no more work will happen on the video without the user acting.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

text_enum!(
    /// Where a video's source came from.
    SourceKind { File = "file", Url = "url" }
);

text_enum!(
    /// Lifecycle of a clip (seed 000 §4, "Clip Status Lifecycle").
    ClipStatus {
        Pending = "pending",
        Rendering = "rendering",
        Ready = "ready",
        Published = "published",
        Failed = "failed",
    }
);

impl ClipStatus {
    /// Whether rendering is over (successfully or not).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Ready | Self::Published | Self::Failed)
    }
}

text_enum!(
    /// How a clip's frame becomes 9:16: the centre cropped (the default), or the whole frame over a blurred copy.
    ClipLayout { Crop = "crop", Fit = "fit" }
);

text_enum!(
    /// A platform clips are published to.
    Platform { Vk = "vk", Rutube = "rutube", Dzen = "dzen", Telegram = "telegram" }
);

text_enum!(
    /// Lifecycle of a publication of one clip on one platform.
    PublicationStatus {
        Scheduled = "scheduled",
        Publishing = "publishing",
        Published = "published",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// Whether a platform connection works: `reconnect` once the platform refused its token.
    ConnectionStatus { Active = "active", Reconnect = "reconnect" }
);

text_enum!(
    /// A member's role in a team, from most to least powerful.
    TeamRole { Owner = "owner", Admin = "admin", Member = "member", Viewer = "viewer" }
);

text_enum!(
    /// State of a paid subscription.
    SubscriptionStatus {
        Active = "active",
        PastDue = "past_due",
        Cancelled = "cancelled",
        Expired = "expired",
    }
);

text_enum!(
    /// How a payment is made (seed 000 §7).
    PaymentMethod { Card = "card", Sbp = "sbp" }
);

text_enum!(
    /// What a payment buys.
    PaymentKind { Subscription = "subscription", ExtraMinutes = "extra_minutes" }
);

text_enum!(
    /// A payment's state, following YooKassa's payment statuses.
    PaymentStatus {
        Pending = "pending",
        WaitingForCapture = "waiting_for_capture",
        Succeeded = "succeeded",
        Canceled = "canceled",
    }
);

text_enum!(
    /// Purpose of a single-use emailed token.
    EmailTokenKind { VerifyEmail = "verify_email", ResetPassword = "reset_password" }
);

text_enum!(
    /// What a usage record accounts for.
    UsageKind { Stt = "stt", Llm = "llm", Render = "render" }
);

text_enum!(
    /// What a site operator did in the admin console (`admin_audit.action`).
    AdminAction {
        GrantAdmin = "grant_admin",
        RevokeAdmin = "revoke_admin",
        SetPlan = "set_plan",
        GrantMinutes = "grant_minutes",
        Block = "block",
        Unblock = "unblock",
        RetryJob = "retry_job",
        DiscardJob = "discard_job",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<E: TextEnum + std::fmt::Debug + PartialEq>() {
        for v in E::ALL {
            assert_eq!(E::parse(v.as_str()), Ok(*v));
        }
        let names: std::collections::HashSet<_> = E::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(names.len(), E::ALL.len(), "{} has duplicate names", E::NAME);
    }

    #[test]
    fn every_enum_round_trips_through_its_text() {
        round_trips::<PlanId>();
        round_trips::<LlmStrategy>();
        round_trips::<VideoStatus>();
        round_trips::<SourceKind>();
        round_trips::<ClipStatus>();
        round_trips::<Platform>();
        round_trips::<PublicationStatus>();
        round_trips::<ConnectionStatus>();
        round_trips::<TeamRole>();
        round_trips::<SubscriptionStatus>();
        round_trips::<PaymentMethod>();
        round_trips::<PaymentKind>();
        round_trips::<PaymentStatus>();
        round_trips::<EmailTokenKind>();
        round_trips::<UsageKind>();
    }

    #[test]
    fn unknown_text_is_rejected_with_the_enum_name() {
        let err = VideoStatus::parse("exploded").unwrap_err();
        assert_eq!(err.to_string(), "\"exploded\" is not a valid VideoStatus");
    }

    #[test]
    fn serde_uses_the_stored_names() {
        assert_eq!(serde_json::to_string(&VideoStatus::GeneratingClips).unwrap(), "\"generating_clips\"");
        let s: PaymentStatus = serde_json::from_str("\"waiting_for_capture\"").unwrap();
        assert_eq!(s, PaymentStatus::WaitingForCapture);
    }

    #[test]
    fn terminal_states_follow_the_seed_lifecycle() {
        assert!(VideoStatus::Completed.is_terminal());
        assert!(VideoStatus::Failed.is_terminal());
        assert!(!VideoStatus::Transcribing.is_terminal());
        assert!(ClipStatus::Ready.is_terminal());
        assert!(!ClipStatus::Rendering.is_terminal());
    }
}
