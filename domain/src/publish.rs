//! Publishing rules (seed 000 §5): each platform's text limits, how a post's title, description and hashtags are fitted
//! to them, the throttles every worker shares, and how a platform's refusal is read (retry, reconnect or give up).
//! Lengths are counted in characters (Unicode scalar values), as the platforms count them.

use serde::{Deserialize, Serialize};

use crate::Platform;

/// The most hashtags a post carries; more read as spam on every platform we post to.
pub const MAX_HASHTAGS: usize = 10;

/// The longest hashtag kept (without its `#`).
pub const MAX_HASHTAG_CHARS: usize = 40;

/// The Telegram Bot API's limit on a file a bot uploads.
pub const TELEGRAM_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;

/// What a platform accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest title; 0 when the platform has no separate title (Telegram: everything is the caption).
    pub title: usize,
    /// The longest description, hashtags included (they are appended to it).
    pub description: usize,
    /// The largest file this project can upload there, if the platform has a limit below a clip's size.
    pub max_bytes: Option<u64>,
}

/// The limits of `platform`. VK: 128-character titles, 5000-character descriptions; Rutube: 100 and 5000; Dzen: 140
/// and 5000 (what its editor accepts); Telegram: a 1024-character caption and 50 MB uploads through the Bot API.
pub const fn limits(platform: Platform) -> Limits {
    match platform {
        Platform::Vk => Limits { title: 128, description: 5000, max_bytes: None },
        Platform::Rutube => Limits { title: 100, description: 5000, max_bytes: None },
        Platform::Dzen => Limits { title: 140, description: 5000, max_bytes: None },
        Platform::Telegram => Limits { title: 0, description: 1024, max_bytes: Some(TELEGRAM_MAX_UPLOAD_BYTES) },
    }
}

/// A post's text as the user edits it in the publish dialog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostText {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// Hashtags without `#`.
    pub hashtags: Vec<String>,
}

impl PostText {
    /// The dialog's defaults for a clip: its title, and its call to action as the description.
    pub fn for_clip(title: &str, cta: Option<&str>) -> Self {
        Self {
            title: title.trim().to_owned(),
            description: cta.unwrap_or_default().trim().to_owned(),
            hashtags: vec![],
        }
    }
}

/// A hashtag as platforms link it: letters, digits and `_` only, without the `#`; `None` when nothing is left.
/// `"#Бизнес идеи!"` → `"Бизнесидеи"`.
pub fn hashtag(raw: &str) -> Option<String> {
    let tag: String =
        raw.chars().filter(|c| c.is_alphanumeric() || *c == '_').take(MAX_HASHTAG_CHARS).collect::<String>();
    (!tag.is_empty()).then_some(tag)
}

/// Hashtags from what the user typed (separated by spaces, commas or `#`), cleaned, without case-insensitive
/// duplicates, at most [`MAX_HASHTAGS`].
pub fn parse_hashtags(input: &str) -> Vec<String> {
    dedupe_hashtags(input.split(|c: char| c.is_whitespace() || c == ',' || c == '#').filter_map(hashtag))
}

fn dedupe_hashtags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        if out.len() == MAX_HASHTAGS {
            break;
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag);
        }
    }
    out
}

/// `text` cut to at most `max` characters: at the last space before the limit when there is one in its second half,
/// with `…` marking the cut. Text that fits is returned unchanged (trimmed).
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    // Room for the ellipsis.
    let keep: String = text.chars().take(max - 1).collect();
    let cut = match keep.rfind(char::is_whitespace) {
        Some(i) if keep[..i].chars().count() * 2 >= max => &keep[..i],
        _ => keep.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// What is sent to a platform: `title` (empty for Telegram) and `body` (the description, or Telegram's caption),
/// hashtags included, each within the platform's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The title.
    pub title: String,
    /// The description or caption.
    pub body: String,
}

fn tags_line(tags: &[String]) -> String {
    tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")
}

fn join_blocks(blocks: &[&str]) -> String {
    blocks.iter().filter(|b| !b.is_empty()).copied().collect::<Vec<_>>().join("\n\n")
}

/// The longest title Telegram's caption leads with.
const CAPTION_TITLE: usize = 128;

/// The post for `platform`: hashtags cleaned and appended to the body (dropped from the end when they would take more
/// than a quarter of it), then the description shortened so the body fits. Telegram's caption is the title, the
/// description and the hashtags in one text.
pub fn compose(platform: Platform, text: &PostText) -> Post {
    let limits = limits(platform);
    let max = limits.description;
    let mut tags = dedupe_hashtags(text.hashtags.iter().filter_map(|t| hashtag(t)));
    while tags_line(&tags).chars().count() > max / 4 {
        tags.pop();
    }
    let tail = tags_line(&tags);
    let (title, head) = if limits.title == 0 {
        (String::new(), truncate(&text.title, CAPTION_TITLE))
    } else {
        (truncate(&text.title, limits.title), String::new())
    };
    let around = [&head, &tail].into_iter().filter(|b| !b.is_empty()).count();
    let room = max.saturating_sub(head.chars().count() + tail.chars().count() + 2 * around);
    let description = truncate(&text.description, room);
    Post { title, body: join_blocks(&[&head, &description, &tail]) }
}

/// A rate limit shared by every worker: at most `limit` calls per `window_ms` for `subject` under `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// The limit's name, part of its Redis key.
    pub name: &'static str,
    /// What it counts: `all` for a platform-wide limit, the channel for a per-channel one.
    pub subject: String,
    /// Calls allowed per window.
    pub limit: u32,
    /// The window.
    pub window_ms: u64,
}

/// The throttles a call to `platform` passes, for posts to `channel` where the platform limits per channel
/// (seed 000 §5: VK 5 requests a second; Rutube and Dzen 1 a second; Telegram 30 messages a second, and 20 a minute
/// to one channel).
pub fn throttles(platform: Platform, channel: Option<&str>) -> Vec<Throttle> {
    let per_second = |name, limit| Throttle { name, subject: "all".to_owned(), limit, window_ms: 1000 };
    match platform {
        // Counted over 1.2 s: calls leave evenly spaced but arrive with network jitter, and VK must never see a sixth
        // within one second.
        Platform::Vk => vec![Throttle { name: "publish-vk", subject: "all".to_owned(), limit: 5, window_ms: 1200 }],
        Platform::Rutube => vec![per_second("publish-rutube", 1)],
        Platform::Dzen => vec![per_second("publish-dzen", 1)],
        Platform::Telegram => {
            let mut out = vec![per_second("publish-telegram", 30)];
            if let Some(chat) = channel {
                out.push(Throttle {
                    name: "publish-telegram-chat",
                    subject: chat.to_owned(),
                    limit: 20,
                    window_ms: 60_000,
                });
            }
            out
        }
    }
}

/// What to do after a platform refused a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The platform asked to wait this many seconds (429 `retry_after`, VK's rate and flood limits): wait, then the
    /// same call goes through.
    RateLimited {
        /// Seconds to wait.
        after_secs: u64,
    },
    /// The platform failed (5xx, its internal errors): try again later, with backoff.
    Retry {
        /// Seconds to wait.
        after_secs: u64,
    },
    /// The token was refused: the connection needs the user to reconnect.
    Reconnect,
    /// The account may not post there (no rights in the community or channel).
    NoRights,
    /// The file is larger than the platform takes.
    TooLarge,
    /// Anything else the platform rejected; retrying would not help.
    Rejected,
}

/// A VK API `error.error_code`: 5 (authorization failed) → reconnect; 6 (too many requests per second) → retry in a
/// second; 9 (flood control) → retry in a minute; 10 (internal error) → retry; 15 and 200–204 (access denied) → no
/// rights; anything else → rejected.
pub fn vk_refusal(code: i64) -> Refusal {
    match code {
        5 => Refusal::Reconnect,
        6 => Refusal::RateLimited { after_secs: 1 },
        9 => Refusal::RateLimited { after_secs: 60 },
        1 | 10 => Refusal::Retry { after_secs: 30 },
        15 | 200..=204 => Refusal::NoRights,
        _ => Refusal::Rejected,
    }
}

/// A Telegram Bot API reply with `ok: false`: 429 → retry after `parameters.retry_after`; 401 (the bot's token is
/// revoked) → reconnect; 403 (the bot was removed from the channel or lost the right to post) → no rights; 413 → too
/// large; 5xx → retry; other 4xx → rejected.
pub fn telegram_refusal(status: u16, retry_after: Option<u64>) -> Refusal {
    match status {
        429 => Refusal::RateLimited { after_secs: retry_after.unwrap_or(1).max(1) },
        401 => Refusal::Reconnect,
        403 => Refusal::NoRights,
        413 => Refusal::TooLarge,
        500..=599 => Refusal::Retry { after_secs: 30 },
        _ => Refusal::Rejected,
    }
}

/// An HTTP status from Rutube's API: 401 → reconnect; 403 → no rights; 413 → too large; 429 → retry after the
/// `Retry-After` seconds (or 5); 5xx → retry; other 4xx → rejected.
pub fn http_refusal(status: u16, retry_after: Option<u64>) -> Refusal {
    match status {
        401 => Refusal::Reconnect,
        403 => Refusal::NoRights,
        413 => Refusal::TooLarge,
        429 => Refusal::RateLimited { after_secs: retry_after.unwrap_or(5).max(1) },
        500..=599 => Refusal::Retry { after_secs: 30 },
        _ => Refusal::Rejected,
    }
}

/// The latest a publication may be scheduled ahead.
pub const MAX_SCHEDULE_DAYS: i64 = 90;

/// Why a schedule time was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScheduleProblem {
    /// The time has passed.
    InThePast,
    /// More than [`MAX_SCHEDULE_DAYS`] ahead.
    TooFar,
}

/// Checks a schedule time `at` (Unix seconds) against `now`; a time within the last minute counts as "now" (the
/// dialog was open a moment).
pub fn check_schedule(at: i64, now: i64) -> Result<i64, ScheduleProblem> {
    if at < now - 60 {
        Err(ScheduleProblem::InThePast)
    } else if at > now + MAX_SCHEDULE_DAYS * 86_400 {
        Err(ScheduleProblem::TooFar)
    } else {
        Ok(at.max(now))
    }
}

/// The idempotency key of one publication: the same on every retry of its job, so a platform that deduplicates by key
/// (and our own check before an upload) sees one post.
pub fn idempotency_key(publication_id: &str) -> String {
    format!("clipmaker-pub-{publication_id}")
}

/// A platform connection as the settings page shows it (never with its tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The connection's id.
    pub id: String,
    /// The platform.
    pub platform: Platform,
    /// The account the tokens belong to (the bot's `@username`, the VK user, the Rutube channel).
    pub account: String,
    /// Where posts go (the Telegram channel, the VK page or community); empty when the account is the target.
    pub target: String,
    /// Working, or refused by the platform and waiting for the user to reconnect.
    pub status: crate::ConnectionStatus,
    /// What the platform said when it refused the token.
    pub error: Option<String>,
    /// Unix seconds when it was connected.
    pub connected_at: i64,
}

/// Why connecting or testing a platform failed, for the page to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectProblem {
    /// The token is malformed (a bot token is `<digits>:<35+ characters>`).
    BadToken,
    /// The platform refused the token.
    TokenRefused,
    /// The channel or community does not exist or is not visible to the account.
    TargetNotFound,
    /// The account may not post there (a Telegram bot must be a channel administrator allowed to post).
    CannotPost,
    /// The platform did not answer; nothing changed.
    Unavailable,
}

impl ConnectProblem {
    /// The problem's position in the dictionaries' `platforms.problems`.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Whether `token` looks like a Telegram bot token (`123456789:AA…`): digits, a colon, then 30 or more URL-safe
/// characters. Checked before the token is sent anywhere.
pub fn telegram_token_ok(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else { return false };
    !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && (30..=100).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A Telegram channel as the user types it (`@name`, `name`, `t.me/name`, `https://t.me/name` or a numeric id such
/// as `-1001234567890`) in the form the Bot API takes as `chat_id`; `None` when it is neither.
pub fn telegram_channel(input: &str) -> Option<String> {
    let s = input.trim();
    if let Ok(id) = s.parse::<i64>() {
        return Some(id.to_string());
    }
    let name = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("t.me/")
        .trim_start_matches("telegram.me/")
        .trim_start_matches('@')
        .trim_end_matches('/');
    let ok = (4..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then(|| format!("@{name}"))
}

/// One platform to post a clip to, with its text as the publish dialog left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishTarget {
    /// The platform (its connection is the workspace's).
    pub platform: Platform,
    /// The post's text before it is fitted to the platform ([`compose`]).
    pub text: PostText,
}

/// A publication as the clip page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationView {
    /// Its id.
    pub id: String,
    /// Where.
    pub platform: Platform,
    /// Scheduled, publishing, published, failed or cancelled.
    pub status: crate::PublicationStatus,
    /// The post's title (empty for Telegram).
    pub title: String,
    /// The post's link once published.
    pub url: Option<String>,
    /// Why it failed, in the platform's or our words.
    pub error: Option<String>,
    /// Unix seconds it is (or was) due.
    pub scheduled_at: Option<i64>,
    /// Unix seconds it went out.
    pub published_at: Option<i64>,
}

/// Why a publish request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublishProblem {
    /// The clip has no rendered file yet.
    NotReady,
    /// No connection to a chosen platform in the workspace.
    NotConnected,
    /// A chosen platform's connection needs reconnecting.
    NeedsReconnect,
    /// Dzen has no upload API: the dialog offers "prepare for Dzen" instead.
    NoUploadApi,
    /// The schedule time has passed.
    InThePast,
    /// The schedule time is more than [`MAX_SCHEDULE_DAYS`] ahead.
    TooFar,
}

impl PublishProblem {
    /// The problem's position in the dictionaries' `platforms.publish_problems`.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A Telegram post's public link: `t.me/<username>/<id>` for a public channel, `t.me/c/<id>/<id>` for a private one
/// (its id without the `-100` prefix).
pub fn telegram_link(chat_username: Option<&str>, chat_id: i64, message_id: i64) -> String {
    match chat_username {
        Some(name) => format!("https://t.me/{name}/{message_id}"),
        None => {
            let id = chat_id.to_string();
            let bare = id.strip_prefix("-100").unwrap_or(id.trim_start_matches('-'));
            format!("https://t.me/c/{bare}/{message_id}")
        }
    }
}

/// Somewhere a VK connection may post: the user's own page (its id is the user's) or a community they manage (its
/// id is minus the community's, as VK names video owners).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostTarget {
    /// The owner id as text.
    pub id: String,
    /// The page's or community's name.
    pub name: String,
}

/// Why connecting VK failed, as the platforms page's `?error=` names it (and the dictionaries' `vk_errors` explain, in
/// this order).
pub const VK_CONNECT_ERRORS: [&str; 5] = ["vk_unavailable", "vk_denied", "vk_state", "vk_failed", "vk_forbidden"];

/// The platforms page's error code for a VK ID flow's error code (`vk_failed` for any it does not name).
pub fn vk_connect_error(code: &str) -> &'static str {
    VK_CONNECT_ERRORS.iter().find(|c| **c == code).copied().unwrap_or("vk_failed")
}

/// A VK video's page: `https://vk.com/video<owner>_<id>`, from its `<owner>_<id>`.
pub fn vk_link(full_id: &str) -> String {
    format!("https://vk.com/video{full_id}")
}

/// A Rutube video's public page.
pub fn rutube_link(video_id: &str) -> String {
    format!("https://rutube.ru/video/{video_id}/")
}

/// Whether `token` could be a Rutube API token: 16 to 256 visible ASCII characters without spaces. Checked before
/// the token is sent anywhere.
pub fn rutube_token_ok(token: &str) -> bool {
    (16..=256).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALL: [Platform; 4] = [Platform::Vk, Platform::Rutube, Platform::Dzen, Platform::Telegram];

    #[test]
    fn hashtags_are_cleaned_deduplicated_and_capped() {
        assert_eq!(hashtag("#Бизнес идеи!"), Some("Бизнесидеи".to_owned()));
        assert_eq!(hashtag("#!!"), None);
        assert_eq!(parse_hashtags("#shorts, Shorts #клипы  #"), vec!["shorts".to_owned(), "клипы".to_owned()]);
        let many: String = (0..20).map(|i| format!("#t{i} ")).collect();
        assert_eq!(parse_hashtags(&many).len(), MAX_HASHTAGS);
    }

    #[test]
    fn truncation_cuts_at_a_word_and_marks_the_cut() {
        assert_eq!(truncate("  короткий  ", 20), "короткий");
        assert_eq!(truncate("один два три четыре", 12), "один два…");
        // No space in the second half: a hard cut.
        assert_eq!(truncate("a bcdefghijkl", 6), "a bcd…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn vk_post_has_a_title_and_the_hashtags_after_the_description() {
        let text = PostText {
            title: "Как начать бизнес".into(),
            description: "Подпишитесь".into(),
            hashtags: vec!["бизнес".into(), "#советы".into()],
        };
        let post = compose(Platform::Vk, &text);
        assert_eq!(post.title, "Как начать бизнес");
        assert_eq!(post.body, "Подпишитесь\n\n#бизнес #советы");
    }

    #[test]
    fn telegram_caption_leads_with_the_title() {
        let text = PostText { title: "Title".into(), description: "Body".into(), hashtags: vec!["tag".into()] };
        let post = compose(Platform::Telegram, &text);
        assert_eq!(post.title, "");
        assert_eq!(post.body, "Title\n\nBody\n\n#tag");
    }

    #[test]
    fn a_long_description_is_shortened_before_hashtags_are_dropped() {
        let text = PostText {
            title: "T".into(),
            description: "слово ".repeat(400),
            hashtags: vec!["один".into(), "два".into()],
        };
        let post = compose(Platform::Telegram, &text);
        assert!(post.body.chars().count() <= 1024);
        assert!(post.body.ends_with("#один #два"), "{}", post.body);
        assert!(post.body.contains('…'));
    }

    #[test]
    fn refusals_follow_each_platform() {
        assert_eq!(vk_refusal(5), Refusal::Reconnect);
        assert_eq!(vk_refusal(6), Refusal::RateLimited { after_secs: 1 });
        assert_eq!(vk_refusal(9), Refusal::RateLimited { after_secs: 60 });
        assert_eq!(vk_refusal(10), Refusal::Retry { after_secs: 30 });
        assert_eq!(vk_refusal(15), Refusal::NoRights);
        assert_eq!(vk_refusal(100), Refusal::Rejected);
        assert_eq!(telegram_refusal(429, Some(7)), Refusal::RateLimited { after_secs: 7 });
        assert_eq!(telegram_refusal(502, None), Refusal::Retry { after_secs: 30 });
        assert_eq!(telegram_refusal(401, None), Refusal::Reconnect);
        assert_eq!(telegram_refusal(403, None), Refusal::NoRights);
        assert_eq!(telegram_refusal(413, None), Refusal::TooLarge);
        assert_eq!(telegram_refusal(400, None), Refusal::Rejected);
        assert_eq!(http_refusal(401, None), Refusal::Reconnect);
        assert_eq!(http_refusal(404, None), Refusal::Rejected);
        assert_eq!(http_refusal(503, None), Refusal::Retry { after_secs: 30 });
    }

    #[test]
    fn throttles_match_the_seed() {
        assert_eq!(
            throttles(Platform::Vk, None),
            vec![Throttle { name: "publish-vk", subject: "all".into(), limit: 5, window_ms: 1200 }]
        );
        let tg = throttles(Platform::Telegram, Some("-100"));
        assert_eq!(tg.len(), 2);
        assert_eq!(
            tg[1],
            Throttle { name: "publish-telegram-chat", subject: "-100".into(), limit: 20, window_ms: 60_000 }
        );
    }

    #[test]
    fn telegram_inputs_are_checked_before_they_are_sent() {
        assert!(telegram_token_ok("7000000001:AAFakeBotTokenForClipMakerTests-123"));
        assert!(!telegram_token_ok("7000000001AAFakeBotTokenForClipMakerTests"));
        assert!(!telegram_token_ok("abc:AAFakeBotTokenForClipMakerTests-123"));
        assert!(!telegram_token_ok("1:short"));
        assert!(!telegram_token_ok("1:AAFakeBotTokenForClipMakerTests/../../x"));
        assert_eq!(telegram_channel("https://t.me/clipmaker_test/"), Some("@clipmaker_test".into()));
        assert_eq!(telegram_channel(" @clipmaker_test "), Some("@clipmaker_test".into()));
        assert_eq!(telegram_channel("-1001234567890"), Some("-1001234567890".into()));
        assert_eq!(telegram_channel("@a b"), None);
        assert_eq!(telegram_channel("@abc"), None);
    }

    #[test]
    fn telegram_links_for_public_and_private_channels() {
        assert_eq!(telegram_link(Some("clipmaker_test"), -1001234567890, 7), "https://t.me/clipmaker_test/7");
        assert_eq!(telegram_link(None, -1001234567890, 7), "https://t.me/c/1234567890/7");
    }

    #[test]
    fn schedules_must_be_ahead_and_not_too_far() {
        let now = 1_800_000_000;
        assert_eq!(check_schedule(now - 3600, now), Err(ScheduleProblem::InThePast));
        assert_eq!(check_schedule(now - 30, now), Ok(now));
        assert_eq!(check_schedule(now + 3600, now), Ok(now + 3600));
        assert_eq!(check_schedule(now + 91 * 86_400, now), Err(ScheduleProblem::TooFar));
    }

    fn any_text() -> impl Strategy<Value = PostText> {
        let words = prop::collection::vec("[a-zа-я#!]{0,12}", 0..300).prop_map(|w| w.join(" "));
        (words.clone(), words, prop::collection::vec("[#a-zа-я ]{0,50}", 0..30))
            .prop_map(|(title, description, hashtags)| PostText { title, description, hashtags })
    }

    proptest! {
        #[test]
        fn composed_posts_fit_their_platform(text in any_text()) {
            for platform in ALL {
                let l = limits(platform);
                let post = compose(platform, &text);
                prop_assert!(post.title.chars().count() <= l.title);
                prop_assert!(post.body.chars().count() <= l.description);
            }
        }

        #[test]
        fn truncation_fits_and_keeps_a_prefix(text in "[a-zа-я ]{0,200}", max in 0usize..120) {
            let cut = truncate(&text, max);
            prop_assert!(cut.chars().count() <= max);
            let kept = cut.trim_end_matches('…');
            prop_assert!(text.trim().starts_with(kept));
            // Fitted text stays as it is.
            prop_assert_eq!(truncate(&cut, max), cut.clone());
        }

        #[test]
        fn parsed_hashtags_are_unique_and_clean(input in "[#a-zA-Zа-я0-9_, !]{0,300}") {
            let tags = parse_hashtags(&input);
            prop_assert!(tags.len() <= MAX_HASHTAGS);
            for (i, t) in tags.iter().enumerate() {
                prop_assert!(!t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_'));
                prop_assert!(tags[..i].iter().all(|u| u.to_lowercase() != t.to_lowercase()));
            }
        }
    }

    #[test]
    fn rutube_tokens_and_links() {
        assert!(rutube_token_ok("rutube-fake-token-0123456789abcdef"));
        assert!(!rutube_token_ok("short"));
        assert!(!rutube_token_ok("has a space in the middle of it"));
        assert_eq!(rutube_link("0a1b"), "https://rutube.ru/video/0a1b/");
    }
}
