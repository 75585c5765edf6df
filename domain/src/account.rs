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
        assert_eq!(safe_next_path(Some("/videos/42#clip-3")), "/videos/42#clip-3");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "videos", ""] {
            assert_eq!(safe_next_path(Some(bad)), "/dashboard", "{bad}");
        }
        assert_eq!(safe_next_path(None), "/dashboard");
    }

    #[test]
    fn next_paths_with_control_characters_or_backslashes_are_refused_raw_or_encoded() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{7f}evil",
            "/\0",
            "/videos\\..\\..",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D%0ASet-Cookie:x=1",
            "/%7f",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/videos?q=%5C",
        ] {
            assert_eq!(safe_next_path(Some(bad)), "/dashboard", "{bad:?}");
        }
    }

    #[test]
    fn next_paths_that_decode_or_resolve_to_another_host_are_refused() {
        for bad in [
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%2F%2Fevil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/%2525252F/evil.example",
            "/.//evil.example",
            "/./%2F/evil.example",
            "/a/..//evil.example",
            "/%2e%2e//evil.example",
            "/..//evil.example",
            // Normalising drops the `.` that kept the decoded value from starting with `//`.
            "/./%2F..%2F",
            "/./%2F%2Fevil.example",
        ] {
            assert_eq!(safe_next_path(Some(bad)), "/dashboard", "{bad:?}");
        }
    }

    #[test]
    fn next_paths_are_returned_normalised() {
        assert_eq!(safe_next_path(Some("/a/../videos?x=1#t")), "/videos?x=1#t");
        assert_eq!(safe_next_path(Some("/videos/./42")), "/videos/42");
        assert_eq!(
            safe_next_path(Some("/видео пример")),
            "/%D0%B2%D0%B8%D0%B4%D0%B5%D0%BE%20%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80"
        );
        assert_eq!(safe_next_path(Some("/../../etc")), "/etc", "never above the root, and still on the site");
        assert_eq!(safe_next_path(Some("/search?q=a%2Fb")), "/search?q=a%2Fb", "an encoded slash in a query is fine");
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
    /// The user's role in their team; `None` outside a team.
    #[serde(default)]
    pub team_role: Option<crate::TeamRole>,
    /// A site operator (the admin console is theirs).
    #[serde(default)]
    pub is_admin: bool,
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

/// Where to send the browser after signing in: a same-site path from `?next=`, else the dashboard.
///
/// Anything that could leave the site is ignored, so the parameter cannot be an open redirect: values not starting
/// with one `/` (`https://…`, `//host`, `videos`); any backslash or control character (browsers read `\` as `/`
/// and drop tabs and line breaks, so `/\host` and `/<tab>/host` mean `//host`); the same once percent-decoded, up
/// to three times (`/%2F/host`, `/%5Chost`, `/%09/host`, `/%252F/host`); and anything that, joined to the site's
/// address, lands on another origin or on a path starting `//` (`/.//host`). The result is the normalised path,
/// query and fragment of that join (`/a/../b?x` becomes `/b?x`).
pub fn safe_next_path(next: Option<&str>) -> String {
    next.and_then(same_site_path).unwrap_or_else(|| "/dashboard".to_owned())
}

/// The normalised same-site path `next` leads to, or `None` when it might leave the site (see [`safe_next_path`]).
/// Both `next` and the normalised path must pass every check, decoded or not: normalising can remove what kept a
/// decoded value harmless (`/./%2F..%2F` normalises to `/%2F..%2F`, which decodes to `//../`).
fn same_site_path(next: &str) -> Option<String> {
    let base = url::Url::parse("https://app.invalid/").expect("a valid base URL");
    let path = join_same_site(&base, next)?;
    let stable = join_same_site(&base, &path).as_deref() == Some(path.as_str());
    (stable && passes_decoded(&base, next) && passes_decoded(&base, &path)).then_some(path)
}

/// Whether `value` stays a plain same-site path however many times it is percent-decoded (up to three times; a
/// value still changing after that is refused).
fn passes_decoded(base: &url::Url, value: &str) -> bool {
    const DECODE_ROUNDS: usize = 3;
    let mut value = percent_decode(value);
    for _ in 0..DECODE_ROUNDS {
        if join_same_site(base, &value).is_none() {
            return false;
        }
        match percent_decode(&value) {
            decoded if decoded == value => return true,
            decoded => value = decoded,
        }
    }
    false
}

/// `value` joined to `base` when it is a plain same-origin path: the joined path, query and fragment.
fn join_same_site(base: &url::Url, value: &str) -> Option<String> {
    let plain =
        value.starts_with('/') && !value.starts_with("//") && !value.chars().any(|c| c == '\\' || c.is_control());
    if !plain {
        return None;
    }
    let joined = base.join(value).ok()?;
    if joined.origin() != base.origin() || !joined.path().starts_with('/') || joined.path().starts_with("//") {
        return None;
    }
    // Everything after the origin: the path, then `?query` and `#fragment` as the URL serialises them.
    let rest = &joined[url::Position::BeforePath..];
    let rest_ok =
        rest.starts_with('/') && !rest.starts_with("//") && !rest.chars().any(|c| c == '\\' || c.is_control());
    rest_ok.then(|| rest.to_owned())
}

/// `value` with every `%XX` escape decoded (bytes that are not UTF-8 become U+FFFD); other `%` signs are kept.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Longest display name accepted.
pub const NAME_MAX_CHARS: usize = 80;
