//! Account input rules shared by the browser (inline validation) and the server (the authority).

use serde::{Deserialize, Serialize};

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum EmailError {
    /// Not of the form `local@domain.tld`, or too long.
    #[error("invalid email address")]
    Invalid,
}

/// A normalised email address: trimmed and lower-cased, so one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Normalises and checks an address typed by a user.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let email = input.trim().to_lowercase();
        if email.len() > Self::MAX_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Invalid);
        }
        let (local, domain) = email.rsplit_once('@').ok_or(EmailError::Invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(EmailError::Invalid);
        }
        Ok(Email(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a new password was refused. The list of common passwords is checked on the server only
/// (it would add ~100 KB to the browser's module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`PASSWORD_MIN_CHARS`] characters.
    #[error("password too short")]
    TooShort,
    /// More than [`PASSWORD_MAX_CHARS`] characters.
    #[error("password too long")]
    TooLong,
    /// One of the most common passwords.
    #[error("password too common")]
    TooCommon,
}

/// Shortest password accepted (seed 000 §6).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password accepted, which bounds the hashing work an attacker can ask for.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Checks a new password's length, counted in characters (a Cyrillic letter is one character).
pub fn check_password_length(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        Err(PasswordError::TooShort)
    } else if n > PASSWORD_MAX_CHARS {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Anna.Ivanova@Mail.RU ").unwrap().as_str(), "anna.ivanova@mail.ru");
        assert_eq!(Email::parse("user+tag@sub.example.com").unwrap().as_str(), "user+tag@sub.example.com");
        assert_eq!(Email::parse("пользователь@почта.рф").unwrap().as_str(), "пользователь@почта.рф");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.com",
            "a@b.",
            "a@b..com",
            "a b@c.com",
            "a@b@c.com",
            "a@-b.com",
            "a\n@b.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::Invalid));
        let long = format!("a@{}.com", "b".repeat(260));
        assert_eq!(Email::parse(&long), Err(EmailError::Invalid));
    }

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next_path(Some("/videos?x=1")), "/videos?x=1");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "videos", ""] {
            assert_eq!(safe_next_path(Some(bad)), "/dashboard", "{bad}");
        }
        assert_eq!(safe_next_path(None), "/dashboard");
    }

    #[test]
    fn clip_preferences_parse_only_offered_values() {
        assert_eq!(parse_clip_length("15-60"), Some((15, 60)));
        assert_eq!(parse_clip_length(" 60 - 90 "), Some((60, 90)));
        assert_eq!(parse_clip_length("5-600"), None);
        assert_eq!(parse_clip_length("60"), None);
        assert_eq!(parse_clip_count("auto", 3), Some(None));
        assert_eq!(parse_clip_count("2", 3), Some(Some(2)));
        assert_eq!(parse_clip_count("4", 3), None, "never more than the plan allows");
        assert_eq!(parse_clip_count("0", 3), None);
        assert_eq!(parse_clip_count("150", 1_000), None);
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert_eq!(check_password_length("1234567"), Err(PasswordError::TooShort));
        assert_eq!(check_password_length("12345678"), Ok(()));
        // Seven Cyrillic letters are 14 bytes but still too short.
        assert_eq!(check_password_length("пароль1"), Err(PasswordError::TooShort));
        assert_eq!(check_password_length(&"x".repeat(129)), Err(PasswordError::TooLong));
    }
}

/// The signed-in user as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// User id (UUID text).
    pub id: String,
    /// Normalised email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Whether the email is confirmed (needed before uploading).
    pub email_verified: bool,
    /// Current plan.
    pub plan: crate::PlanId,
    /// Interface language.
    pub ui_language: crate::Lang,
    /// Preferred AI provider family.
    pub llm_strategy: crate::LlmStrategy,
    /// Default caption style for new clips.
    pub caption_style: String,
    /// Whether a VK ID is linked.
    pub vk_linked: bool,
    /// Clips wanted per video; `None`: as many as the plan allows.
    pub clip_count: Option<u32>,
    /// Clip length range in seconds, one of [`CLIP_LENGTHS`].
    pub clip_length: (u16, u16),
}

/// Clip length ranges a user can ask for, in seconds (OpusClip-style presets); `(15, 60)` is the default.
pub const CLIP_LENGTHS: [(u16, u16); 4] = [(15, 30), (15, 60), (30, 60), (60, 90)];

/// Parses a clip length range written `min-max` (`15-60`); only [`CLIP_LENGTHS`] are accepted.
pub fn parse_clip_length(value: &str) -> Option<(u16, u16)> {
    let (a, b) = value.trim().split_once('-')?;
    let range = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    CLIP_LENGTHS.contains(&range).then_some(range)
}

/// The most clips a user can ask for by number (the plan may allow more with `auto`).
pub const CLIP_COUNT_MAX: u32 = 100;

/// Parses a clip count: `auto` (as many as the plan allows: `Some(None)`) or 1 to `plan_max` (at most
/// [`CLIP_COUNT_MAX`]: `Some(Some(n))`); `None` when it is neither.
pub fn parse_clip_count(value: &str, plan_max: u32) -> Option<Option<u32>> {
    match value.trim() {
        "auto" | "" => Some(None),
        n => n.parse::<u32>().ok().filter(|n| (1..=plan_max.min(CLIP_COUNT_MAX)).contains(n)).map(Some),
    }
}

/// Caption styles a user can pick as their default: the ids of [`crate::captions::PRESETS`], in order.
pub const CAPTION_STYLES: [&str; 3] =
    [crate::captions::PRESETS[0].id, crate::captions::PRESETS[1].id, crate::captions::PRESETS[2].id];

/// Where to send the browser after signing in: a same-site path from `?next=`, else the dashboard. Anything that
/// could leave the site (`https://…`, `//host`, `/\\host`) is ignored, so the parameter cannot be an open redirect.
pub fn safe_next_path(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or("/dashboard")
        .to_owned()
}

/// Longest display name accepted.
pub const NAME_MAX_CHARS: usize = 80;
