//! Typed UI dictionaries. Every user-facing string lives here, once per language; the compiler
//! refuses a dictionary with a missing entry. Russian is the default language.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Russian, the default.
    #[default]
    #[serde(rename = "ru")]
    Ru,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];
    /// Name of the cookie that remembers the choice.
    pub const COOKIE: &'static str = "lang";

    /// The BCP 47 code, used in `<html lang>` and in the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Parses a code; anything unknown is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Reads the language from a `Cookie` header value (`a=1; lang=en`), defaulting to Russian.
    pub fn from_cookie_header(header: &str) -> Lang {
        crate::cookie::read_cookie(header, Self::COOKIE).and_then(Lang::from_code).unwrap_or_default()
    }

    /// The dictionary for this language.
    pub fn dict(self) -> &'static Dict {
        match self {
            Lang::Ru => &RU,
            Lang::En => &EN,
        }
    }
}

/// Chooses the Russian plural form for `n`: `one` (1, 21), `few` (2–4, 22–24) or `many` (5–20, 25…).
pub fn plural_ru<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (n10, n100) = (n % 10, n % 100);
    if n10 == 1 && n100 != 11 {
        one
    } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
        few
    } else {
        many
    }
}

/// One section of the app shell that a later release fills in: its title and what will be there.
#[derive(Debug)]
pub struct SectionText {
    /// Page heading and navigation label.
    pub title: &'static str,
}

/// The text of one kind of email: subject, body paragraphs, the button, and the closing note.
#[derive(Debug)]
pub struct MailText {
    /// Subject line.
    pub subject: &'static str,
    /// Paragraph before the link.
    pub intro: &'static str,
    /// Label of the button (HTML) and of the link line (plain text).
    pub action: &'static str,
    /// How long the link works.
    pub expiry: &'static str,
    /// What to do if the mail was not expected.
    pub ignore: &'static str,
}

/// Strings of the sign-in, sign-up, recovery and profile pages, and their error messages.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AuthText {
    pub login_title: &'static str,
    pub register_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub new_password: &'static str,
    pub name: &'static str,
    pub password_hint: &'static str,
    pub submit_login: &'static str,
    pub submit_register: &'static str,
    pub forgot_link: &'static str,
    pub to_register: &'static str,
    pub to_login: &'static str,
    pub registered_check_mail: &'static str,
    pub registered_mail_failed: &'static str,
    pub registered_ready: &'static str,
    pub forgot_title: &'static str,
    pub forgot_text: &'static str,
    pub forgot_submit: &'static str,
    pub forgot_sent: &'static str,
    pub reset_title: &'static str,
    pub reset_submit: &'static str,
    pub reset_done: &'static str,
    pub verify_title: &'static str,
    pub verify_working: &'static str,
    pub verify_done: &'static str,
    pub logout: &'static str,
    pub logout_everywhere: &'static str,
    pub logged_out_everywhere: &'static str,
    pub profile_title: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub language: &'static str,
    pub strategy: &'static str,
    pub strategy_ru: &'static str,
    pub strategy_global: &'static str,
    pub caption_style: &'static str,
    /// Names of `account::CAPTION_STYLES`, in order.
    pub caption_names: [&'static str; 3],
    /// The clip preferences card: heading, hint, the count field and its "as many as the plan allows" option, the
    /// length field and the unit after a range.
    pub clips_title: &'static str,
    pub clips_hint: &'static str,
    pub clip_count: &'static str,
    pub clip_count_auto: &'static str,
    pub clip_length: &'static str,
    pub seconds: &'static str,
    pub not_verified: &'static str,
    pub resend: &'static str,
    pub resent: &'static str,
    pub signed_in_as: &'static str,
    pub err_email_invalid: &'static str,
    pub err_password_short: &'static str,
    pub err_password_long: &'static str,
    pub err_password_common: &'static str,
    pub err_email_taken: &'static str,
    pub err_credentials: &'static str,
    pub err_rate_limited: fn(u64) -> String,
    pub err_token_invalid: &'static str,
    pub err_token_expired: &'static str,
    pub err_token_used: &'static str,
    pub err_unauthenticated: &'static str,
    pub err_name_long: &'static str,
    pub err_bad_input: &'static str,
    pub err_internal: &'static str,
    pub err_network: &'static str,
    pub vk_button: &'static str,
    pub vk_link: &'static str,
    pub vk_linked: &'static str,
    pub or: &'static str,
    /// Messages for `/login?error=<code>` after VK ID, in the order of [`VK_ERROR_CODES`].
    pub vk_errors: [&'static str; 7],
    /// Sign-in refused: an operator blocked the account.
    pub err_blocked: &'static str,
}

/// The error codes VK ID sign-in puts in `/login?error=…`.
pub const VK_ERROR_CODES: [&str; 7] =
    ["vk_unavailable", "vk_denied", "vk_state", "vk_failed", "vk_email_exists", "vk_linked_elsewhere", "vk_blocked"];

/// Every user-facing string of the UI in one language.
#[derive(Debug)]
pub struct Dict {
    /// Product name.
    pub app_name: &'static str,
    /// The label of the control that switches to the *other* language.
    pub switch_language: &'static str,
    /// Accessible label of the language switch.
    pub switch_language_label: &'static str,
    /// Label of the main navigation landmark.
    pub nav_label: &'static str,
    /// Dashboard section.
    pub dashboard: SectionText,
    /// Videos section.
    pub videos: SectionText,
    /// Clips section.
    pub clips: SectionText,
    /// Analytics section.
    pub analytics: SectionText,
    /// Team section.
    pub team: SectionText,
    /// Settings section.
    pub settings: SectionText,
    /// Billing section.
    pub billing: SectionText,
    /// Landing: main heading.
    pub hero_title: &'static str,
    /// Landing: text under the heading.
    pub hero_subtitle: &'static str,
    /// Landing: primary call to action.
    pub cta_start: &'static str,
    /// Landing: secondary call to action.
    pub cta_login: &'static str,
    /// Landing: "how it works" heading.
    pub how_title: &'static str,
    /// Landing: the four steps, each (title, text).
    pub how_steps: [(&'static str, &'static str); 4],
    /// Landing: pricing heading.
    pub pricing_title: &'static str,
    /// Landing: text under the pricing heading.
    pub pricing_subtitle: &'static str,
    /// Plan names, in `PLANS` order.
    pub plan_names: [&'static str; 4],
    /// "per month" after a price.
    pub per_month: &'static str,
    /// The price of the free plan.
    pub free_price: &'static str,
    /// "Unlimited minutes".
    pub unlimited_minutes: &'static str,
    /// "N minutes a month".
    pub minutes_per_month: fn(u32) -> String,
    /// "Up to N clips per video".
    pub clips_per_video: fn(u32) -> String,
    /// "Files kept for N days".
    pub storage_days: fn(u32) -> String,
    /// "With watermark".
    pub with_watermark: &'static str,
    /// "No watermark".
    pub no_watermark: &'static str,
    /// Call to action on a plan card.
    pub choose_plan: &'static str,
    /// Footer line.
    pub footer: &'static str,
    /// 404 heading.
    pub not_found_title: &'static str,
    /// 404 text.
    pub not_found_text: &'static str,
    /// 404 link back.
    pub back_home: &'static str,
    /// A state-changing request came from another site (CSRF protection refused it).
    pub forbidden_origin: &'static str,
    /// Greeting line of every email.
    pub mail_greeting: &'static str,
    /// Signature of every email.
    pub mail_signature: &'static str,
    /// Email asking to confirm the address.
    pub mail_verify: MailText,
    /// Email with a password reset link.
    pub mail_reset: MailText,
    /// Accounts pages and errors.
    pub auth: AuthText,
    /// The videos page and live progress.
    pub video_list: VideosText,
    /// Uploading files and importing links.
    pub uploads: UploadsText,
    /// The transcript viewer on the video page.
    pub transcript: TranscriptText,
    /// The clip candidates on the video page.
    pub video_clips: ClipsText,
    /// Why a video or clip failed ([`crate::failure::Failure`]): what went wrong and what to do.
    pub failures: FailureText,
    /// What the local analyzer writes for the user about a clip.
    pub analyzer: AnalyzerText,
    /// Email with a team invite link.
    pub mail_invite: MailText,
    /// Teams: invites and membership.
    pub teams: TeamText,
    /// Settings → AI keys: the key vault in the browser.
    pub keys: KeysText,
    /// The clip editor.
    pub editor: EditorText,
    /// The billing page and emails.
    pub billing_page: BillingText,
    /// Settings → Platforms and publishing.
    pub platforms: PlatformsText,
    /// The analytics page and its CSV export.
    pub analytics_page: AnalyticsText,
    /// The dashboard: the first page after sign-in.
    pub dashboard_page: DashboardText,
    /// The admin console (site operators only).
    pub admin: AdminText,
    /// The settings overview (`/settings`).
    pub settings_page: SettingsText,
}

/// Strings of the settings overview: one card per area with its state.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct SettingsText {
    pub intro: &'static str,
    /// The link on each card.
    pub open: &'static str,
    pub email_confirmed: &'static str,
    pub email_unconfirmed: &'static str,
    /// The key vault as this browser knows it: checking, none, locked, unlocked, unavailable.
    pub vault_states: [&'static str; 5],
    pub platforms_none: &'static str,
    /// "Connected: VK, Telegram".
    pub platforms_connected: fn(&str) -> String,
    /// Some connection needs reconnecting.
    pub platforms_reconnect: &'static str,
    pub no_team: &'static str,
    /// "Plan: NAME".
    pub plan: fn(&str) -> String,
}

/// Strings of the admin console.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AdminText {
    pub title: &'static str,
    pub intro: &'static str,
    pub users_heading: &'static str,
    pub search_label: &'static str,
    pub filter_plan: &'static str,
    pub filter_status: &'static str,
    pub filter_signed_up: &'static str,
    /// "any" in a filter.
    pub any: &'static str,
    /// In `UserStatus::ALL` order.
    pub status_names: [&'static str; 3],
    /// In `SignedUp::ALL` order.
    pub signed_up_names: [&'static str; 3],
    pub apply: &'static str,
    /// Email, name, plan, status, signed up, minutes used.
    pub user_columns: [&'static str; 6],
    pub operator_badge: &'static str,
    pub no_users: &'static str,
    pub next_page: &'static str,
    pub prev_page: &'static str,
    pub open_user: &'static str,
    pub videos: &'static str,
    pub clips: &'static str,
    pub minutes_consumed: &'static str,
    pub ai_cost: &'static str,
    pub minutes_left: &'static str,
    pub extra_minutes: &'static str,
    pub unlimited: &'static str,
    pub sessions_heading: &'static str,
    pub no_sessions: &'static str,
    /// A session: (started, last used).
    pub session_times: fn(&str, &str) -> String,
    pub set_plan: &'static str,
    pub grant_minutes: &'static str,
    pub grant_button: &'static str,
    pub block: &'static str,
    pub unblock: &'static str,
    pub block_confirm: &'static str,
    pub saved: &'static str,
    pub err_self_block: &'static str,
    pub queues_heading: &'static str,
    /// Queue, waiting, running, delayed, dead.
    pub queue_columns: [&'static str; 5],
    pub dead_heading: &'static str,
    pub dead_empty: &'static str,
    /// Queue, job, attempts, error, failed at.
    pub dead_columns: [&'static str; 5],
    pub retry: &'static str,
    pub discard: &'static str,
    pub discard_confirm: &'static str,
    pub costs_heading: &'static str,
    pub costs_empty: &'static str,
    /// Day, kind, provider, calls, minutes, cost.
    pub cost_columns: [&'static str; 6],
    /// In `UsageKind::ALL` order.
    pub kind_names: [&'static str; 3],
    pub audit_heading: &'static str,
    pub audit_empty: &'static str,
    /// When, operator, action, user, details.
    pub audit_columns: [&'static str; 5],
    /// In `AdminAction::ALL` order.
    pub action_names: [&'static str; 8],
    /// The operator of an action done from the server's command line.
    pub command_line: &'static str,
}

/// Strings of the dashboard.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct DashboardText {
    /// "Hello, NAME".
    pub greeting: fn(&str) -> String,
    pub intro: &'static str,
    /// The minutes card: its label, "N of M used", "N left", "unlimited", and the warning when few are left.
    pub minutes: &'static str,
    pub minutes_used_of: fn(u32, u32) -> String,
    pub minutes_used: fn(u32) -> String,
    pub minutes_left: fn(u32) -> String,
    pub minutes_unlimited: &'static str,
    pub minutes_low: &'static str,
    pub buy_minutes: &'static str,
    pub videos_processed: &'static str,
    pub clips_ready: &'static str,
    pub clips_published: &'static str,
    pub views: &'static str,
    /// The first-run checklist: heading, "N of 4 done", and the four steps (label, link text).
    pub checklist_title: &'static str,
    pub checklist_progress: fn(usize, usize) -> String,
    pub steps: [(&'static str, &'static str); 4],
    /// A done step's accessible mark.
    pub step_done: &'static str,
    pub add_video: &'static str,
    pub recent_title: &'static str,
    pub all_videos: &'static str,
    pub recent_empty: &'static str,
    pub try_demo: &'static str,
    pub best_title: &'static str,
    pub all_clips: &'static str,
    pub best_empty: &'static str,
    /// A clip's score badge.
    pub score: fn(u8) -> String,
}

/// Strings of the analytics page and its CSV export.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AnalyticsText {
    pub intro: &'static str,
    /// The period picker's label.
    pub range_label: &'static str,
    /// A period button: the last N days.
    pub last_days: fn(u32) -> String,
    /// The cards: views, likes, shares, published clips.
    pub views: &'static str,
    pub likes: &'static str,
    pub shares: &'static str,
    pub comments: &'static str,
    pub published_clips: &'static str,
    /// Under the cards when some publications are on platforms that report no figures (how many).
    pub without_stats_note: fn(u32) -> String,
    pub by_platform_heading: &'static str,
    /// Platform, publications, views, likes, shares, comments.
    pub platform_columns: [&'static str; 6],
    /// Platform names in `Platform::ALL` order (VK, Rutube, Dzen, Telegram).
    pub platform_names: [&'static str; 4],
    /// A figure the platform does not report.
    pub not_available: &'static str,
    /// Why Telegram has no figures (the cell's tooltip).
    pub not_available_hint: &'static str,
    pub top_heading: &'static str,
    pub top_empty: &'static str,
    pub chart_heading: &'static str,
    /// What the chart shows.
    pub chart_note: &'static str,
    /// The chart's accessible description: (first day, last day).
    pub chart_label: fn(&str, &str) -> String,
    /// One point's tooltip: (date, views).
    pub point_title: fn(&str, i64) -> String,
    /// A figure with its digits grouped.
    pub number: fn(i64) -> String,
    /// A date: (year, month, day).
    pub date: fn(i64, u32, u32) -> String,
    /// Nothing published yet.
    pub empty_title: &'static str,
    pub empty_text: &'static str,
    pub empty_action: &'static str,
    /// Nothing published in the chosen period.
    pub period_empty: &'static str,
    pub export_csv: &'static str,
    /// The CSV's header: clip, platform, link, published, views, likes, shares, comments.
    pub csv_header: [&'static str; 8],
}

impl AnalyticsText {
    /// The UTC date of Unix time `t` in this language.
    pub fn day(&self, t: i64) -> String {
        let (y, m, d) = crate::analytics::civil_date(t);
        (self.date)(y, m, d)
    }

    /// `platform`'s name in this language.
    pub fn platform(&self, platform: crate::Platform) -> &'static str {
        self.platform_names[crate::analytics::platform_index(platform)]
    }
}

/// Strings of platform connections and publishing.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct PlatformsText {
    pub title: &'static str,
    pub intro: &'static str,
    pub telegram_about: &'static str,
    /// How to make a bot that may post to a channel.
    pub telegram_steps: [&'static str; 3],
    pub rutube_about: &'static str,
    /// Where a Rutube channel's API token is found.
    pub rutube_steps: [&'static str; 3],
    pub api_token_label: &'static str,
    /// Dzen has no upload API: what to do instead.
    pub dzen_about: &'static str,
    /// The platforms' names in `Platform::ALL` order (VK, Rutube, Dzen, Telegram).
    pub names: [&'static str; 4],
    /// (account) for a platform whose account is where it posts.
    pub connected_as: fn(&str) -> String,
    /// The publish dialog with nothing connected.
    pub publish_none: &'static str,
    pub dzen_prepare: &'static str,
    /// (platform) The tick that gives a platform a text of its own in the publish dialog.
    pub own_text: fn(&str) -> String,
    pub vk_about: &'static str,
    /// What connecting VK does.
    pub vk_steps: [&'static str; 2],
    pub vk_connect: &'static str,
    pub vk_connected: &'static str,
    pub vk_target_label: &'static str,
    /// Why a VK ID round trip failed, by `publish::VK_CONNECT_ERRORS`.
    pub vk_errors: [&'static str; 5],
    pub token_label: &'static str,
    pub channel_label: &'static str,
    pub connect: &'static str,
    pub connecting: &'static str,
    pub test: &'static str,
    pub disconnect: &'static str,
    pub disconnect_confirm: &'static str,
    /// (account, where it posts)
    pub connected_to: fn(&str, &str) -> String,
    /// Working, needs reconnecting.
    pub status: [&'static str; 2],
    /// The platform's words when it refused the token.
    pub reconnect_note: fn(&str) -> String,
    /// Why connecting or testing a platform failed, by [`crate::publish::ConnectProblem::index`].
    pub problems: [&'static str; 5],
    /// Why a publish request was refused, by [`crate::publish::PublishProblem::index`].
    pub publish_problems: [&'static str; 6],
    /// What a publication says when a file is over the platform's upload limit (the limit in MB).
    pub too_large: fn(u64) -> String,
    /// What a publication says when its platform connection is gone.
    pub disconnected: &'static str,
    pub publish_heading: &'static str,
    pub publish_to: &'static str,
    pub post_title: &'static str,
    pub post_description: &'static str,
    pub post_hashtags: &'static str,
    /// The schedule field (empty: now).
    pub post_when: &'static str,
    pub publish_now: &'static str,
    pub schedule: &'static str,
    pub manage_platforms: &'static str,
    /// Scheduled, publishing, published, failed, cancelled.
    pub publication_status: [&'static str; 5],
    pub open_post: &'static str,
    pub retry: &'static str,
}

/// Strings of the billing page and the billing emails' details.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct BillingText {
    pub current_plan: &'static str,
    /// The subscription's status: active, past due, cancelling (ends with the period).
    pub status: [&'static str; 3],
    pub period_until: fn(&str) -> String,
    pub renews_on: fn(&str) -> String,
    pub ends_on: fn(&str) -> String,
    pub past_due_note: &'static str,
    pub minutes_heading: &'static str,
    pub minutes_used: fn(u32, u32) -> String,
    pub minutes_unlimited: fn(u32) -> String,
    pub minutes_extra: fn(u32) -> String,
    pub minutes_left: fn(u32) -> String,
    pub card_saved: fn(&str) -> String,
    pub no_card: &'static str,
    pub cancel: &'static str,
    pub cancel_confirm: &'static str,
    pub reactivate: &'static str,
    pub plans_heading: &'static str,
    pub current: &'static str,
    pub upgrade: &'static str,
    pub downgrade: &'static str,
    pub free_is_cancel: &'static str,
    pub pay_card: &'static str,
    pub pay_sbp: &'static str,
    pub extra_heading: &'static str,
    pub extra_low: fn(u32) -> String,
    pub extra_hint: &'static str,
    pub buy_minutes: fn(u32) -> String,
    pub history_heading: &'static str,
    pub history_empty: &'static str,
    /// Date, purchase, amount, method, status.
    pub history_columns: [&'static str; 5],
    /// Pending, waiting for capture, succeeded, canceled.
    pub payment_status: [&'static str; 4],
    /// Card, SBP.
    pub methods: [&'static str; 2],
    pub renewal_tag: &'static str,
    pub refunded: fn(&str) -> String,
    pub purchase_plan: fn(&str) -> String,
    pub purchase_minutes: fn(u32) -> String,
    pub sbp_title: &'static str,
    pub sbp_hint: &'static str,
    pub sbp_waiting: &'static str,
    pub sbp_open: &'static str,
    pub close: &'static str,
    pub paid: &'static str,
    pub declined: &'static str,
    pub checking: &'static str,
    pub redirecting: &'static str,
    pub not_configured: &'static str,
    pub err_unavailable: &'static str,
    pub err_refused: &'static str,
    pub err_not_configured: &'static str,
    /// Receipt line and payment description of a month of a plan (the plan's name).
    pub receipt_plan: fn(&str) -> String,
    /// Receipt line and payment description of a minutes pack.
    pub receipt_minutes: fn(u32) -> String,
    /// The renewal reminder's detail line: days before the downgrade.
    pub mail_days_left: fn(u32) -> String,
    pub mail_reminder: MailText,
    pub mail_expired: MailText,
    pub mail_failed: MailText,
    pub mail_downgraded: MailText,
}

/// Strings of the clip editor. `{max}` in `limits` is the plan's longest clip in seconds.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct EditorText {
    pub title: &'static str,
    pub open: &'static str,
    pub back: &'static str,
    pub read_only: &'static str,
    pub timeline: &'static str,
    pub zoom_in: &'static str,
    pub zoom_out: &'static str,
    pub zoom_all: &'static str,
    pub zoom_clip: &'static str,
    pub start_handle: &'static str,
    pub end_handle: &'static str,
    pub no_timeline: &'static str,
    pub limits: &'static str,
    pub length: &'static str,
    pub cut_total: &'static str,
    pub transcript: &'static str,
    pub transcript_hint: &'static str,
    pub cut: &'static str,
    pub restore: &'static str,
    pub fillers: &'static str,
    pub no_fillers: &'static str,
    pub fix: &'static str,
    pub fix_apply: &'static str,
    pub split_line: &'static str,
    pub merge_line: &'static str,
    pub captions: &'static str,
    pub preset: &'static str,
    pub size: &'static str,
    pub position: &'static str,
    pub position_names: [&'static str; 3],
    pub colour: &'static str,
    pub highlight: &'static str,
    pub preview: &'static str,
    pub play: &'static str,
    pub pause: &'static str,
    pub undo: &'static str,
    pub redo: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub rendering: &'static str,
    pub rendered: &'static str,
    pub open_clip: &'static str,
    pub unsaved: &'static str,
    pub shortcuts: &'static str,
}

/// Strings of the key vault page.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct KeysText {
    pub title: &'static str,
    pub intro: &'static str,
    pub loading: &'static str,
    pub create_heading: &'static str,
    pub password: &'static str,
    pub password_repeat: &'static str,
    pub password_hint: &'static str,
    pub create: &'static str,
    pub unlock_heading: &'static str,
    pub unlock: &'static str,
    pub unlocking: &'static str,
    pub locked: &'static str,
    pub unlocked: &'static str,
    pub lock: &'static str,
    pub provider: &'static str,
    pub key: &'static str,
    pub save_key: &'static str,
    pub none_yet: &'static str,
    pub remove: &'static str,
    pub auto_lock: &'static str,
    /// Minutes option label: (minutes).
    pub minutes: fn(u32) -> String,
    pub change_heading: &'static str,
    pub new_password: &'static str,
    pub change: &'static str,
    pub changed: &'static str,
    pub export: &'static str,
    pub import: &'static str,
    pub imported: &'static str,
    pub delete: &'static str,
    pub delete_confirm: &'static str,
    pub err_wrong_password: &'static str,
    pub err_corrupt: &'static str,
    pub err_mismatch: &'static str,
    pub err_short: &'static str,
    pub err_empty_key: &'static str,
    pub err_storage: &'static str,
    /// "Test key" button.
    pub test: &'static str,
    /// What a key test found.
    pub test_results: fn(crate::keys::KeyCheck) -> &'static str,
    /// Under the key list: what happens with the keys while the vault is open.
    pub in_use: &'static str,
    /// The video page's costs heading.
    pub costs_heading: &'static str,
    /// Transcription line: (model, minutes).
    pub stt_line: fn(&str, i32) -> String,
    /// Analysis line: (calls, tokens, cost in rubles, formatted).
    pub llm_line: fn(u32, u64, &str) -> String,
    /// No LLM call: the local analyzer chose the clips.
    pub local_analyzer: &'static str,
    /// Before transcription.
    pub costs_pending: &'static str,
    /// Whose key paid.
    pub key_paid: fn(crate::keys::KeyPaid) -> &'static str,
}

/// Strings about teams.
#[derive(Debug)]
pub struct TeamText {
    /// The line of an invite email that names who invites and to which team: (inviter, team).
    pub mail_detail: fn(&str, &str) -> String,
    /// A change the caller's team role does not allow.
    pub err_forbidden: &'static str,
    /// Name empty, name too long, already in a team, the plan has no team, invite unknown, expired, used up,
    /// revoked, the owner cannot leave.
    pub problems: [&'static str; 9],
    /// Every seat is taken: (seats).
    pub err_seats_full: fn(u32) -> String,
    /// Role names: owner, admin, member, viewer.
    pub roles: [&'static str; 4],
    /// What each role may do, one line per role (same order).
    pub role_hints: [&'static str; 4],
    /// Outside a team: what a team is for.
    pub none_intro: &'static str,
    /// The field for the team's name.
    pub name_label: &'static str,
    /// Create button.
    pub create: &'static str,
    /// Rename button.
    pub rename: &'static str,
    /// Usage line: (minutes used, minutes included or None for unlimited).
    pub usage: fn(i64, Option<i64>) -> String,
    /// Seats line: (taken, seats).
    pub seats: fn(usize, u32) -> String,
    /// Members heading.
    pub members: &'static str,
    /// Column headers: member, role, minutes, videos.
    pub columns: [&'static str; 4],
    /// "you" marker next to the caller.
    pub you: &'static str,
    /// Remove a member.
    pub remove: &'static str,
    /// Confirmation before removing: (who).
    pub remove_confirm: fn(&str) -> String,
    /// Invite heading.
    pub invite_heading: &'static str,
    /// Email field of the invite form (empty: a shareable link).
    pub invite_email: &'static str,
    /// Hint under the email field.
    pub invite_email_hint: &'static str,
    /// Role field.
    pub invite_role: &'static str,
    /// Days field.
    pub invite_days: &'static str,
    /// Uses field.
    pub invite_uses: &'static str,
    /// Submit button.
    pub invite_submit: &'static str,
    /// After creating: the link is shown once.
    pub invite_created: &'static str,
    /// After mailing.
    pub invite_mailed: &'static str,
    /// Pending invites heading.
    pub pending: &'static str,
    /// No pending invites.
    pub pending_none: &'static str,
    /// A shareable link's label in the pending list.
    pub link_label: &'static str,
    /// Pending invite details: (role, uses, max uses, expiry date).
    pub pending_line: fn(&str, i32, i32, &str) -> String,
    /// Revoke an invite.
    pub revoke: &'static str,
    /// Danger zone heading.
    pub danger: &'static str,
    /// Leave button.
    pub leave: &'static str,
    /// Confirmation before leaving.
    pub leave_confirm: &'static str,
    /// Transfer: field label.
    pub transfer_label: &'static str,
    /// Transfer button.
    pub transfer: &'static str,
    /// Confirmation before transferring: (to whom).
    pub transfer_confirm: fn(&str) -> String,
    /// Delete button.
    pub delete: &'static str,
    /// Confirmation before deleting.
    pub delete_confirm: &'static str,
    /// Invite page title.
    pub invite_title: &'static str,
    /// Invite page text: (who invites, team, role).
    pub invite_text: fn(&str, &str, &str) -> String,
    /// Join button.
    pub join: &'static str,
    /// For visitors who are not signed in.
    pub sign_in_first: &'static str,
    /// Invite page: the link does not work; what to do.
    pub invite_broken_hint: &'static str,
    /// Link to the team page.
    pub to_team: &'static str,
}

impl TeamText {
    /// The message for a refused team operation.
    pub fn problem(&self, p: crate::teams::TeamProblem) -> String {
        use crate::teams::TeamProblem as P;
        let i = match p {
            P::NameEmpty => 0,
            P::NameTooLong => 1,
            P::AlreadyInTeam => 2,
            P::NoSeats { seats: 0 } => 3,
            P::NoSeats { seats } => return (self.err_seats_full)(seats),
            P::InviteInvalid => 4,
            P::InviteExpired => 5,
            P::InviteUsedUp => 6,
            P::InviteRevoked => 7,
            P::OwnerCannotLeave => 8,
        };
        self.problems[i].to_owned()
    }
}

/// What the local analyzer writes for the user: why a moment was chosen, and the default call to action.
#[derive(Debug)]
pub struct AnalyzerText {
    /// Why a moment was chosen, one phrase per cue: opens with a question, a bold claim, a number, speaks to the
    /// viewer, a comfortable pace, on the video's main topic.
    pub cues: [&'static str; 6],
    /// When no cue stands out.
    pub steady: &'static str,
    /// The default call to action.
    pub cta: &'static str,
}

/// One entry per [`crate::failure::Failure`]: what went wrong and what to do about it.
#[derive(Debug)]
pub struct FailureText {
    /// The uploaded file never arrived.
    pub upload_missing: &'static str,
    /// Not a video or audio file.
    pub not_media: &'static str,
    /// FFmpeg cannot read it.
    pub unreadable: &'static str,
    /// Larger than the limit (in MiB).
    pub too_large: fn(u64) -> String,
    /// Not enough minutes: (video minutes, minutes left).
    pub over_quota: fn(u32, u32) -> String,
    /// Malformed link.
    pub link_invalid: &'static str,
    /// Unknown host.
    pub link_unresolvable: &'static str,
    /// Private or local address.
    pub link_private: &'static str,
    /// Non-standard port.
    pub link_port: fn(u16) -> String,
    /// Redirect loop.
    pub link_redirects: &'static str,
    /// Error status from the link's server.
    pub link_status: fn(u16) -> String,
    /// A web page, but no page reader.
    pub page_unsupported: &'static str,
    /// A page with no downloadable video.
    pub page_no_media: &'static str,
    /// Downloads kept failing.
    pub download_failed: &'static str,
    /// Sound longer than the header: (header seconds, decoded seconds).
    pub length_mismatch: fn(u32, u32) -> String,
    /// No sound.
    pub no_sound: &'static str,
    /// No local speech model.
    pub no_speech_model: &'static str,
    /// A provider refused (its name).
    pub stt_refused: fn(&str) -> String,
    /// Transcription kept failing.
    pub transcription_failed: &'static str,
    /// No transcript to analyse.
    pub no_transcript: &'static str,
    /// No passage long enough (shortest clip in seconds).
    pub no_clips: fn(u32) -> String,
    /// LLM-only analysis without a key.
    pub llm_key_missing: &'static str,
    /// Analysis kept failing.
    pub analysis_failed: &'static str,
    /// The source is no longer stored.
    pub source_gone: &'static str,
    /// Clip bounds outside the video.
    pub clip_outside: &'static str,
    /// Rendering kept failing.
    pub render_failed: &'static str,
    /// Anything else.
    pub internal: &'static str,
}

/// Uploading files and importing links.
#[derive(Debug)]
pub struct UploadsText {
    /// Accessible name of the upload area and its progress bar.
    pub title: &'static str,
    /// The drop zone's call to action.
    pub drop_here: &'static str,
    /// The accepted formats and the size limit.
    pub formats: &'static str,
    /// Stops an upload.
    pub cancel: &'static str,
    /// The server is assembling the file.
    pub finishing: &'static str,
    /// Stored.
    pub done: &'static str,
    /// Stopped by the user.
    pub cancelled: &'static str,
    /// Parts could not be sent.
    pub network_failed: &'static str,
    /// "about N s left".
    pub time_left: fn(u64) -> String,
    /// Label of the link field.
    pub import_label: &'static str,
    /// Submits the link.
    pub import_button: &'static str,
    /// The button-like label of the file picker (the browser's own control is hidden: it is not translated).
    pub choose_file: &'static str,
}

/// The clip candidates of a video.
#[derive(Debug)]
pub struct ClipsText {
    /// Heading.
    pub title: &'static str,
    /// Names of the four scores: hook, engagement, flow, trend.
    pub scores: [&'static str; 4],
    /// Label of the total score.
    pub total: &'static str,
    /// Shown on a clip waiting for rendering.
    pub pending: &'static str,
    /// Names of the clip statuses, in `ClipStatus::ALL` order.
    pub status_names: [&'static str; 5],
    /// Under a failed clip: what to do.
    pub failed_hint: &'static str,
    /// Opens the clip's page.
    pub open: &'static str,
    /// Downloads the rendered clip.
    pub download: &'static str,
    /// Label before the analysis's reason.
    pub reason: &'static str,
    /// Label of the title field.
    pub title_label: &'static str,
    /// Label of the call-to-action field.
    pub cta_label: &'static str,
    /// Saves title and CTA.
    pub save: &'static str,
    /// Confirms a save.
    pub saved: &'static str,
    /// Label of the caption style choice.
    pub style_label: &'static str,
    /// Label of the layout choice.
    pub layout_label: &'static str,
    /// Names of the layouts, in `ClipLayout::ALL` order.
    pub layout_names: [&'static str; 2],
    /// Renders the clip again with the chosen style and layout.
    pub rerender: &'static str,
    /// Shown where the player will be while the clip is not rendered.
    pub not_ready: &'static str,
    /// Label before the source video's title.
    pub from_video: &'static str,
    /// Label of the sort choice, and the names of the orders in `ClipSort::ALL` order.
    pub sort_label: &'static str,
    /// Names of the orders.
    pub sort_names: [&'static str; 2],
    /// Label of the status filter.
    pub filter_label: &'static str,
    /// The filter's "every status" option.
    pub filter_all: &'static str,
    /// The Clips page's text under the heading.
    pub intro: &'static str,
    /// The Clips page with no clips.
    pub empty: &'static str,
    /// On a video whose files retention deleted.
    pub expired: &'static str,
    /// A style change while the clip is rendering.
    pub err_busy: &'static str,
    /// Link back to the clip's video.
    pub back: &'static str,
    /// Label of the clip's length.
    pub length: &'static str,
}

/// The transcript viewer.
#[derive(Debug)]
pub struct TranscriptText {
    /// Heading.
    pub title: &'static str,
    /// Shown while the video is not transcribed yet.
    pub pending: &'static str,
    /// Shown when no speech was found.
    pub empty: &'static str,
    /// Placeholder and label of the search field.
    pub search: &'static str,
    /// "N matches".
    pub matches: fn(usize) -> String,
    /// Copies the text.
    pub copy: &'static str,
    /// Confirms the copy.
    pub copied: &'static str,
    /// Label before the download links.
    pub download: &'static str,
    /// Hint on words: click to jump there.
    pub seek_hint: &'static str,
}

fn matches_ru(n: usize) -> String {
    format!("{n} {}", plural_ru(n as u64, "совпадение", "совпадения", "совпадений"))
}

fn matches_en(n: usize) -> String {
    if n == 1 { "1 match".into() } else { format!("{n} matches") }
}

fn time_left_ru(s: u64) -> String {
    if s < 60 { format!("осталось ~{s} с") } else { format!("осталось ~{} мин", s.div_ceil(60)) }
}

fn time_left_en(s: u64) -> String {
    if s < 60 { format!("about {s} s left") } else { format!("about {} min left", s.div_ceil(60)) }
}

/// The videos page and live progress.
#[derive(Debug)]
pub struct VideosText {
    /// Text under the heading.
    pub intro: &'static str,
    /// Shown when the user has no videos.
    pub empty: &'static str,
    /// Button that starts the demo job.
    pub demo_button: &'static str,
    /// Title of a demo video.
    pub demo_title: &'static str,
    /// What the sample video's speaker says: a short talk with a clear hook, read by a synthetic voice in this
    /// language (no digits or symbols: Russian is read by Festival, whose rules know letters and `?!.,;-'` only).
    pub demo_script: &'static [&'static str],
    /// Names of the statuses, in `VideoStatus::ALL` order.
    pub status_names: [&'static str; 7],
    /// Names of the stages, in `videos::stage::ALL` order.
    pub stage_names: [&'static str; 12],
    /// Accessible label of a progress bar.
    pub progress_label: &'static str,
    /// "Length: 0:08".
    pub length: &'static str,
    /// The live connection is up.
    pub live: &'static str,
    /// The live connection dropped and is being restored.
    pub reconnecting: &'static str,
    /// What to do after a failure.
    pub failed_hint: &'static str,
    /// The video does not exist or is not the user's.
    pub err_not_found: &'static str,
    /// Upload refusals, in `UploadProblem` order.
    pub upload_errors: [&'static str; 7],
    /// Link back to the list.
    pub back: &'static str,
    /// Label: stored size.
    pub size: &'static str,
    /// Label: file type.
    pub file_type: &'static str,
    /// Label: the link it came from.
    pub source: &'static str,
    /// Deletes a video.
    pub delete: &'static str,
    /// Asked before deleting.
    pub delete_confirm: &'static str,
    /// The source is not stored yet (or any more).
    pub not_playable: &'static str,
    /// Loads the next page of the list.
    pub show_more: &'static str,
}

impl VideosText {
    /// The translated name of `status`.
    pub fn status(&self, status: crate::VideoStatus) -> &'static str {
        use crate::TextEnum as _;
        let i = crate::VideoStatus::ALL.iter().position(|s| *s == status).unwrap_or(0);
        self.status_names[i]
    }

    /// The translated name of a stage key; unknown keys show as the generic "processing" of the first status.
    pub fn stage(&self, stage: &str) -> &'static str {
        crate::videos::stage::ALL.iter().position(|s| *s == stage).map_or(self.stage_names[0], |i| self.stage_names[i])
    }
}

/// Russian (default).
pub static RU: Dict = Dict {
    app_name: "ClipMaker",
    switch_language: "EN",
    switch_language_label: "Switch to English",
    nav_label: "Основная навигация",
    dashboard: SectionText { title: "Главная" },
    videos: SectionText { title: "Видео" },
    clips: SectionText { title: "Клипы" },
    analytics: SectionText { title: "Аналитика" },
    team: SectionText { title: "Команда" },
    settings: SectionText { title: "Настройки" },
    billing: SectionText { title: "Тарифы и оплата" },
    hero_title: "Из длинного видео — короткие вертикальные клипы",
    hero_subtitle: "ClipMaker расшифрует ролик, найдёт самые сильные моменты, оценит их виральность, нарежет клипы 9:16 с субтитрами и опубликует во ВКонтакте, Rutube, Дзене и Telegram.",
    cta_start: "Начать бесплатно",
    cta_login: "Войти",
    how_title: "Как это работает",
    how_steps: [
        ("Загрузите видео", "Файлом или ссылкой — подкаст, стрим, вебинар, интервью."),
        ("ИИ найдёт моменты", "Расшифровка речи и выбор фрагментов с оценкой виральности от 0 до 100."),
        ("Получите клипы", "Вертикальный формат 9:16 с субтитрами, которые можно подправить на таймлайне."),
        ("Опубликуйте", "ВКонтакте, Rutube, Дзен и Telegram — сразу или по расписанию."),
    ],
    pricing_title: "Тарифы",
    pricing_subtitle: "Цены в рублях. Бесплатный тариф — без карты.",
    plan_names: ["Free", "Start", "Pro", "Business"],
    per_month: "в месяц",
    free_price: "0 ₽",
    unlimited_minutes: "Безлимитные минуты",
    minutes_per_month: |n| {
        format!("{} {} в месяц", crate::group_digits(n.into()), plural_ru(n.into(), "минута", "минуты", "минут"))
    },
    clips_per_video: |n| format!("До {n} {} из видео", plural_ru(n.into(), "клипа", "клипов", "клипов")),
    storage_days: |n| format!("Хранение {n} {}", plural_ru(n.into(), "день", "дня", "дней")),
    with_watermark: "С водяным знаком",
    no_watermark: "Без водяного знака",
    choose_plan: "Выбрать",
    footer: "ClipMaker — клипы для ВКонтакте, Rutube, Дзена и Telegram.",
    not_found_title: "Страница не найдена",
    not_found_text: "Такой страницы нет. Возможно, ссылка устарела или в ней опечатка.",
    back_home: "На главную",
    forbidden_origin: "Запрос отклонён: он пришёл не со страницы ClipMaker. Обновите страницу и попробуйте снова.",
    mail_greeting: "Здравствуйте!",
    mail_signature: "Команда ClipMaker",
    mail_verify: MailText {
        subject: "Подтвердите почту для ClipMaker",
        intro: "Вы зарегистрировались в ClipMaker. Подтвердите адрес почты, чтобы загружать видео.",
        action: "Подтвердить почту",
        expiry: "Ссылка действует 24 часа.",
        ignore: "Если вы не регистрировались, просто удалите это письмо.",
    },
    mail_reset: MailText {
        subject: "Сброс пароля ClipMaker",
        intro: "Кто-то (надеемся, вы) попросил сбросить пароль от вашего аккаунта ClipMaker.",
        action: "Задать новый пароль",
        expiry: "Ссылка действует 1 час и сработает один раз.",
        ignore: "Если вы не просили сброс, ничего не делайте: пароль останется прежним.",
    },
    auth: AuthText {
        login_title: "Вход",
        register_title: "Регистрация",
        email: "Электронная почта",
        password: "Пароль",
        new_password: "Новый пароль",
        name: "Имя",
        password_hint: "Не короче 8 символов и не из списка популярных паролей.",
        submit_login: "Войти",
        submit_register: "Создать аккаунт",
        forgot_link: "Забыли пароль?",
        to_register: "Нет аккаунта? Зарегистрируйтесь",
        to_login: "Уже есть аккаунт? Войдите",
        registered_check_mail: "Аккаунт создан. Откройте письмо, которое мы отправили, и перейдите по ссылке, чтобы подтвердить почту.",
        registered_mail_failed: "Аккаунт создан, но письмо не удалось отправить. Войдите и запросите его ещё раз в профиле.",
        registered_ready: "Аккаунт создан. Теперь войдите.",
        forgot_title: "Восстановление пароля",
        forgot_text: "Укажите почту — пришлём ссылку для нового пароля.",
        forgot_submit: "Отправить ссылку",
        forgot_sent: "Если аккаунт с этой почтой есть, письмо со ссылкой уже в пути. Ссылка действует 1 час.",
        reset_title: "Новый пароль",
        reset_submit: "Сохранить пароль",
        reset_done: "Пароль изменён. Войдите с новым паролем.",
        verify_title: "Подтверждение почты",
        verify_working: "Проверяем ссылку…",
        verify_done: "Почта подтверждена. Можно загружать видео.",
        logout: "Выйти",
        logout_everywhere: "Выйти на всех устройствах",
        logged_out_everywhere: "Все сеансы завершены.",
        profile_title: "Профиль",
        save: "Сохранить",
        saved: "Сохранено",
        language: "Язык интерфейса",
        strategy: "ИИ-провайдеры",
        strategy_ru: "Российские (Cloud.ru)",
        strategy_global: "Зарубежные (Gemini, Claude)",
        caption_style: "Стиль субтитров по умолчанию",
        caption_names: ["Классический", "Подсветка слова", "Минимальный"],
        clips_title: "Клипы",
        clips_hint: "Сколько клипов и какой длины ИИ выбирает из следующих видео.",
        clip_count: "Клипов из одного видео",
        clip_count_auto: "Сколько позволяет тариф",
        clip_length: "Длина клипа",
        seconds: "с",
        not_verified: "Почта не подтверждена — загрузка видео недоступна.",
        resend: "Отправить письмо ещё раз",
        resent: "Письмо отправлено.",
        signed_in_as: "Вы вошли как",
        err_email_invalid: "Проверьте адрес почты: он выглядит неправильно.",
        err_password_short: "Пароль слишком короткий: нужно не меньше 8 символов.",
        err_password_long: "Пароль слишком длинный: не больше 128 символов.",
        err_password_common: "Этот пароль слишком распространён, его легко подобрать. Придумайте другой.",
        err_email_taken: "Аккаунт с этой почтой уже есть. Войдите или восстановите пароль.",
        err_credentials: "Неверная почта или пароль.",
        err_rate_limited: |n| format!("Слишком много попыток. Попробуйте снова через {n} с."),
        err_token_invalid: "Ссылка недействительна. Запросите новую.",
        err_token_expired: "Срок действия ссылки истёк. Запросите новую.",
        err_token_used: "Эта ссылка уже использована.",
        err_unauthenticated: "Войдите, чтобы продолжить.",
        err_name_long: "Имя слишком длинное: не больше 80 символов.",
        err_bad_input: "Проверьте введённые данные.",
        err_internal: "Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту.",
        err_network: "Нет связи с сервером. Проверьте интернет и попробуйте снова.",
        vk_button: "Войти через VK ID",
        vk_link: "Привязать VK ID",
        vk_linked: "VK ID привязан",
        or: "или",
        vk_errors: [
            "Вход через VK ID на этом сервере не настроен.",
            "Вход через VK ID отменён.",
            "Ссылка входа устарела. Нажмите «Войти через VK ID» ещё раз.",
            "VK ID не ответил как нужно. Попробуйте ещё раз или войдите по почте.",
            "Аккаунт с почтой из VK уже есть. Войдите по почте и привяжите VK ID в профиле.",
            "Этот аккаунт VK уже привязан к другому пользователю.",
            "Аккаунт заблокирован. Если это ошибка, напишите в поддержку: support@clipmaker.ru.",
        ],
        err_blocked: "Аккаунт заблокирован. Если это ошибка, напишите в поддержку: support@clipmaker.ru.",
    },
    video_list: VideosText {
        intro: "Здесь видно, на каком этапе каждое ваше видео. Обновлять страницу не нужно.",
        empty: "Видео пока нет. Попробуйте пример, чтобы увидеть, как идёт обработка.",
        demo_button: "Попробовать на примере",
        demo_title: "Пример видео",
        demo_script: &[
            "Почему одни короткие видео набирают миллионы просмотров, а другие никто не досматривает?",
            "Всё решают первые три секунды.",
            "Зритель листает ленту очень быстро, и если начало скучное, он уйдёт.",
            "Поэтому начинайте с вопроса, с неожиданного факта или со смелого обещания.",
            "Второй секрет это субтитры.",
            "Большинство людей смотрят ролики без звука, в метро, на работе или перед сном.",
            "Крупные субтитры удерживают их внимание и помогают понять главную мысль.",
            "Третий секрет это одна история в одном клипе.",
            "Не пытайтесь рассказать всё сразу, выберите один яркий момент и покажите его целиком.",
            "Именно так работает ClipMaker.",
            "Он слушает ваше длинное видео, находит лучшие моменты и делает из них вертикальные клипы с субтитрами.",
            "Попробуйте загрузить своё видео и посмотрите, что получится.",
        ],
        status_names: ["Загрузка", "Скачивание", "Расшифровка", "Анализ", "Нарезка клипов", "Готово", "Ошибка"],
        stage_names: [
            "В очереди",
            "Создаём пример",
            "Сохраняем файл",
            "Проверяем видео",
            "Скачиваем по ссылке",
            "Видео проверено и ждёт расшифровки",
            "Извлекаем звук",
            "Распознаём речь",
            "Расшифровка готова и ждёт анализа",
            "Выбираем лучшие моменты",
            "Клипы выбраны и ждут монтажа",
            "Монтируем клипы",
        ],
        progress_label: "Прогресс обработки",
        length: "Длительность",
        live: "Онлайн",
        reconnecting: "Переподключаемся…",
        failed_hint: "Обработка не удалась. Попробуйте ещё раз; если ошибка повторится, напишите в поддержку.",
        err_not_found: "Видео не найдено.",
        upload_errors: [
            "Подтвердите почту, чтобы загружать видео: ссылка в письме после регистрации.",
            "Такой тип файла не поддерживается. Загрузите видео (MP4, MOV, MKV, WebM, AVI, TS) или аудио (MP3, M4A, WAV, OGG).",
            "Содержимое файла не похоже на видео или аудио. Проверьте, что выбрали нужный файл.",
            "Содержимое файла не совпадает с его типом. Сохраните файл заново в поддерживаемом формате.",
            "Файл пустой или больше 4 ГБ.",
            "Загрузились не все части файла. Продолжите загрузку.",
            "Эту ссылку нельзя импортировать: нужна публичная ссылка http(s) на видео.",
        ],
        back: "← Все видео",
        size: "Размер",
        file_type: "Тип файла",
        source: "Ссылка",
        delete: "Удалить",
        delete_confirm: "Удалить видео и все клипы из него? Это нельзя отменить.",
        not_playable: "Исходное видео появится здесь, когда будет загружено и проверено.",
        show_more: "Показать ещё",
    },
    uploads: UploadsText {
        title: "Загрузка видео",
        drop_here: "Перетащите видео сюда или нажмите, чтобы выбрать файл",
        formats: "MP4, MOV, MKV, WebM, AVI, TS или аудио MP3, M4A, WAV, OGG — до 4 ГБ",
        cancel: "Отменить загрузку",
        finishing: "Собираем и проверяем файл…",
        done: "Файл загружен. Дальше видео обработается само.",
        cancelled: "Загрузка отменена.",
        network_failed: "Связь прервалась. Выберите тот же файл ещё раз — загрузка продолжится с того же места.",
        time_left: time_left_ru,
        import_label: "Или вставьте ссылку на видео",
        import_button: "Импортировать",
        choose_file: "Выбрать файл",
    },
    transcript: TranscriptText {
        title: "Расшифровка",
        pending: "Расшифровка появится здесь, когда распознавание речи закончится.",
        empty: "Речь в этом видео не найдена.",
        search: "Поиск по расшифровке",
        matches: matches_ru,
        copy: "Копировать текст",
        copied: "Скопировано",
        download: "Скачать:",
        seek_hint: "Нажмите на слово, чтобы перейти к этому месту видео",
    },
    video_clips: ClipsText {
        title: "Клипы",
        scores: ["Зацепка", "Вовлечение", "Темп", "Тема"],
        total: "Виральность",
        pending: "Ждёт монтажа",
        status_names: ["В очереди на монтаж", "Монтируется", "Готов", "Опубликован", "Ошибка монтажа"],
        failed_hint: "Клип не удалось смонтировать. Смените стиль или раскладку и запустите монтаж ещё раз.",
        open: "Открыть",
        download: "Скачать",
        reason: "Почему этот момент",
        title_label: "Заголовок",
        cta_label: "Призыв к действию",
        save: "Сохранить",
        saved: "Сохранено",
        style_label: "Стиль субтитров",
        layout_label: "Кадрирование",
        layout_names: ["По центру (обрезка)", "Целиком на размытом фоне"],
        rerender: "Смонтировать заново",
        not_ready: "Видео клипа появится здесь после монтажа.",
        from_video: "Из видео",
        sort_label: "Сортировка",
        sort_names: ["По виральности", "Сначала новые"],
        filter_label: "Статус",
        filter_all: "Все",
        intro: "Все клипы из ваших видео: вертикальные 9:16 с субтитрами, с оценкой виральности.",
        empty: "Клипов пока нет. Загрузите видео — клипы появятся здесь, когда оно обработается.",
        expired: "Срок хранения по тарифу истёк: исходное видео и клипы удалены. Расшифровка осталась.",
        err_busy: "Клип сейчас монтируется. Дождитесь окончания и попробуйте снова.",
        back: "← К видео",
        length: "Длительность",
    },
    failures: FailureText {
        upload_missing: "Загруженный файл не дошёл до сервера. Загрузите его ещё раз.",
        not_media: "Это не видео и не аудио. Загрузите файл MP4, MOV, WebM, MKV, MP3, M4A или WAV.",
        unreadable: "Файл повреждён или в нём нет ни картинки, ни звука. Экспортируйте видео заново и загрузите новый файл.",
        too_large: |mib| {
            format!("Файл больше {} МБ. Сократите или сожмите видео и попробуйте снова.", crate::group_digits(mib))
        },
        over_quota: |minutes, left| {
            format!(
                "Видео длится {minutes} {}, а в тарифе в этом месяце осталось {left} {}. Выберите тариф побольше или загрузите видео короче.",
                crate::i18n::plural_ru(minutes as u64, "минуту", "минуты", "минут"),
                crate::i18n::plural_ru(left as u64, "минута", "минуты", "минут")
            )
        },
        link_invalid: "Ссылка не похожа на адрес http(s). Скопируйте её из адресной строки целиком.",
        link_unresolvable: "Сайт по этой ссылке не найден. Проверьте адрес.",
        link_private: "Ссылка ведёт на внутренний или локальный адрес — такие ссылки не загружаются. Используйте публичную ссылку.",
        link_port: |port| format!("Загружаются только ссылки на стандартных портах 80 и 443 (в ссылке порт {port})."),
        link_redirects: "Ссылка перенаправляет слишком много раз. Откройте её в браузере и вставьте конечный адрес.",
        link_status: |status| {
            format!("Сайт ответил ошибкой {status}. Проверьте, что ссылка открывается без входа в аккаунт.")
        },
        page_unsupported: "Это ссылка на страницу, а не на файл, и этот сервер не умеет читать страницы. Вставьте прямую ссылку на файл.",
        page_no_media: "На странице не нашлось видео, которое можно скачать. Вставьте прямую ссылку на файл или загрузите его.",
        download_failed: "Не удалось скачать файл по ссылке после нескольких попыток. Проверьте, что ссылка открывается, и попробуйте позже.",
        length_mismatch: |header, decoded| {
            format!(
                "Звук в файле длится не меньше {decoded} с, а в заголовке указано {header} с: файл повреждён или подделан. Экспортируйте его заново и загрузите новый файл."
            )
        },
        no_sound: "В файле нет звука — расшифровывать нечего. Загрузите видео со звуком.",
        no_speech_model: "На сервере не установлена модель распознавания речи. Сообщите администратору (WHISPER_MODEL_DIR) или добавьте ключ API.",
        stt_refused: |provider| format!("{provider} отклонил запрос на расшифровку. Проверьте ключ API в настройках."),
        transcription_failed: "Расшифровка не удалась после нескольких попыток. Попробуйте позже; если повторится — напишите в поддержку.",
        no_transcript: "У видео нет расшифровки, клипы выбирать не из чего. Загрузите видео заново.",
        no_clips: |secs| format!("Клипов нет: в видео нет отрывка речи длиной хотя бы {secs} с."),
        llm_key_missing: "Сервер выбирает клипы только через ИИ, но ключа API нет. Добавьте ключ или включите локальный анализ.",
        analysis_failed: "Выбор клипов не удался после нескольких попыток. Попробуйте позже.",
        source_gone: "Исходное видео больше не хранится, клип смонтировать не из чего.",
        clip_outside: "Границы клипа выходят за пределы видео. Измените начало и конец клипа.",
        render_failed: "Монтаж клипа не удался. Попробуйте смонтировать заново; если повторится — напишите в поддержку.",
        internal: "Что-то пошло не так на нашей стороне. Попробуйте ещё раз; если повторится — напишите в поддержку.",
    },
    mail_invite: MailText {
        subject: "Приглашение в команду на ClipMaker",
        intro: "Вас пригласили в команду на ClipMaker: общие видео и клипы, одна подписка на всех.",
        action: "Принять приглашение",
        expiry: "Ссылка действует 7 дней и сработает один раз.",
        ignore: "Если вы не ждали приглашения, просто не открывайте ссылку.",
    },
    teams: TeamText {
        mail_detail: |who, team| format!("{who} приглашает вас в команду «{team}»."),
        err_forbidden: "Ваша роль в команде не позволяет это сделать. Попросите владельца или администратора команды.",
        problems: [
            "Введите название команды.",
            "Название команды — не длиннее 60 символов.",
            "Вы уже состоите в команде. Чтобы перейти в другую, сначала выйдите из текущей.",
            "Команды доступны на тарифах Pro (3 человека) и Business (10). Смените тариф, чтобы пригласить коллег.",
            "Ссылка-приглашение не найдена. Попросите новую.",
            "Срок действия приглашения истёк. Попросите новое.",
            "Приглашение уже использовано. Попросите новое.",
            "Приглашение отозвано. Попросите новое.",
            "Владелец не может выйти из команды: передайте её другому участнику или удалите.",
        ],
        err_seats_full: |n| {
            format!("Все места в команде заняты ({n}). Освободите место или перейдите на тариф побольше.")
        },
        roles: ["Владелец", "Администратор", "Участник", "Наблюдатель"],
        role_hints: [
            "всё, включая оплату, передачу и удаление команды",
            "приглашает и удаляет участников, управляет площадками",
            "загружает, редактирует, рендерит и публикует",
            "смотрит и скачивает видео, клипы и аналитику",
        ],
        none_intro: "Команда — общее пространство: видео и клипы видят все участники, минуты списываются с тарифа владельца. Создайте команду и пригласите коллег по ссылке.",
        name_label: "Название команды",
        create: "Создать команду",
        rename: "Переименовать",
        usage: |used, included| match included {
            Some(n) => format!("Использовано минут: {used} из {n} (тариф владельца)"),
            None => format!("Использовано минут: {used} (без ограничений)"),
        },
        seats: |taken, seats| format!("Мест занято: {taken} из {seats}"),
        members: "Участники",
        columns: ["Участник", "Роль", "Минут", "Видео"],
        you: "вы",
        remove: "Удалить",
        remove_confirm: |who| format!("Удалить {who} из команды? Всё, что он сделал, останется в команде."),
        invite_heading: "Пригласить",
        invite_email: "Email (пусто — ссылка для отправки вручную)",
        invite_email_hint: "Письмо со ссылкой уйдёт на этот адрес; ссылка сработает один раз.",
        invite_role: "Роль",
        invite_days: "Срок действия, дней",
        invite_uses: "Сколько раз можно использовать",
        invite_submit: "Пригласить",
        invite_created: "Ссылка-приглашение (показывается один раз, скопируйте её):",
        invite_mailed: "Письмо с приглашением отправлено.",
        pending: "Ожидающие приглашения",
        pending_none: "Нет ожидающих приглашений.",
        link_label: "Ссылка",
        pending_line: |role, uses, max, until| format!("{role} · использовано {uses} из {max} · до {until}"),
        revoke: "Отозвать",
        danger: "Опасная зона",
        leave: "Выйти из команды",
        leave_confirm: "Выйти из команды? Видео, которые вы сделали в команде, останутся в ней.",
        transfer_label: "Передать команду участнику",
        transfer: "Передать",
        transfer_confirm: |who| {
            format!("Передать команду {who}? Вы станете администратором, а команда перейдёт на тариф нового владельца.")
        },
        delete: "Удалить команду",
        delete_confirm: "Удалить команду? Участники потеряют доступ, а видео вернутся к тем, кто их сделал.",
        invite_title: "Приглашение в команду",
        invite_text: |who, team, role| format!("{who} приглашает вас в команду «{team}» с ролью «{role}»."),
        join: "Вступить в команду",
        sign_in_first: "Войдите или зарегистрируйтесь, чтобы принять приглашение: после входа вы вернётесь на эту страницу.",
        invite_broken_hint: "Попросите у того, кто вас пригласил, новую ссылку.",
        to_team: "К странице команды",
    },
    billing_page: BillingText {
        current_plan: "Ваш тариф",
        status: ["Активна", "Ожидает оплаты", "Отменена"],
        period_until: |d| format!("Оплачено до {d}"),
        renews_on: |d| format!("Продлится автоматически {d}"),
        ends_on: |d| format!("Закончится {d}, дальше — Free"),
        past_due_note: "Не удалось продлить подписку. Оплатите тариф, чтобы не перейти на Free через 7 дней после окончания периода.",
        minutes_heading: "Минуты обработки",
        minutes_used: |used, of| format!("Использовано {used} из {of} мин"),
        minutes_unlimited: |used| format!("Использовано {used} мин — без ограничений"),
        minutes_extra: |n| format!("Докуплено: {n} мин"),
        minutes_left: |n| format!("Осталось {n} {}", plural_ru(u64::from(n), "минута", "минуты", "минут")),
        card_saved: |c| format!("Карта для продления: {c}"),
        no_card: "Карта не сохранена: продлевать подписку придётся вручную.",
        cancel: "Отменить подписку",
        cancel_confirm: "Отменить подписку? Тариф будет действовать до конца оплаченного периода.",
        reactivate: "Возобновить подписку",
        plans_heading: "Тарифы",
        current: "Текущий тариф",
        upgrade: "Перейти",
        downgrade: "Перейти",
        free_is_cancel: "Чтобы перейти на Free, отмените подписку: тариф действует до конца периода.",
        pay_card: "Картой",
        pay_sbp: "По СБП",
        extra_heading: "Дополнительные минуты",
        extra_low: |n| format!("Осталось меньше {n} минут — докупите минуты, чтобы не останавливать обработку."),
        extra_hint: "Разовая покупка, минуты не сгорают в конце месяца.",
        buy_minutes: |n| format!("{n} минут"),
        history_heading: "История платежей",
        history_empty: "Платежей пока нет.",
        history_columns: ["Дата", "Покупка", "Сумма", "Способ", "Статус"],
        payment_status: ["Ожидает оплаты", "Ожидает подтверждения", "Оплачен", "Отменён"],
        methods: ["Карта", "СБП"],
        renewal_tag: "автопродление",
        refunded: |a| format!("возвращено {a}"),
        purchase_plan: |p| format!("Тариф {p}, 1 месяц"),
        purchase_minutes: |n| format!("{n} дополнительных минут"),
        sbp_title: "Оплата по СБП",
        sbp_hint: "Отсканируйте QR-код камерой телефона или в приложении банка и подтвердите оплату.",
        sbp_waiting: "Ждём оплату…",
        sbp_open: "Открыть ссылку на оплату",
        close: "Закрыть",
        paid: "Оплата прошла. Спасибо!",
        declined: "Оплата не прошла. Попробуйте ещё раз или выберите другой способ.",
        checking: "Проверяем оплату…",
        redirecting: "Переходим на страницу оплаты…",
        not_configured: "Оплата на этом сервере не настроена: администратор не указал магазин ЮKassa.",
        err_unavailable: "Платёжный сервис сейчас недоступен. Деньги не списаны — попробуйте ещё раз через минуту.",
        err_refused: "Платёжный сервис отклонил запрос. Деньги не списаны — попробуйте другой способ оплаты.",
        err_not_configured: "Оплата на этом сервере не настроена.",
        receipt_plan: |p| format!("Подписка ClipMaker {p}, 1 месяц"),
        receipt_minutes: |n| format!("ClipMaker: {n} дополнительных минут обработки"),
        mail_days_left: |n| {
            format!(
                "До перехода на бесплатный тариф {} {n} {}.",
                plural_ru(u64::from(n), "остался", "осталось", "осталось"),
                plural_ru(u64::from(n), "день", "дня", "дней")
            )
        },
        mail_reminder: MailText {
            subject: "Подписка ClipMaker не продлена",
            intro: "Нам не удалось продлить вашу подписку. Оплатите тариф, чтобы сохранить минуты и клипы без водяного знака.",
            action: "Оплатить подписку",
            expiry: "",
            ignore: "Если вы решили не продлевать подписку, ничего делать не нужно.",
        },
        mail_expired: MailText {
            subject: "Срок подписки ClipMaker истёк",
            intro: "Оплаченный период закончился, а сохранённой карты для продления нет. У вас есть 7 дней, чтобы оплатить тариф.",
            action: "Продлить подписку",
            expiry: "",
            ignore: "Если вы решили не продлевать подписку, через 7 дней аккаунт перейдёт на Free.",
        },
        mail_failed: MailText {
            subject: "Не удалось оплатить подписку ClipMaker",
            intro: "Банк отклонил автоматическое продление подписки. Проверьте карту или оплатите другим способом в течение 7 дней.",
            action: "Оплатить подписку",
            expiry: "",
            ignore: "Если вы решили не продлевать подписку, через 7 дней аккаунт перейдёт на Free.",
        },
        mail_downgraded: MailText {
            subject: "Ваш аккаунт ClipMaker перешёл на Free",
            intro: "Подписка закончилась, и аккаунт перешёл на бесплатный тариф: 30 минут в месяц, клипы с водяным знаком.",
            action: "Выбрать тариф",
            expiry: "",
            ignore: "Ваши видео и клипы хранятся по правилам тарифа Free.",
        },
    },
    editor: EditorText {
        title: "Редактор клипа",
        open: "Редактировать",
        back: "← К клипу",
        read_only: "Только просмотр: ваша роль в команде не позволяет менять клип.",
        timeline: "Таймлайн",
        zoom_in: "Приблизить",
        zoom_out: "Отдалить",
        zoom_all: "Весь ролик",
        zoom_clip: "К клипу",
        start_handle: "Начало клипа",
        end_handle: "Конец клипа",
        no_timeline: "Звуковая волна и раскадровка ещё готовятся — редактировать можно и без них.",
        limits: "Длина клипа — от 15 до {max} секунд, в пределах ролика. Ручки прилипают к словам и паузам; с Alt или Shift двигаются свободно.",
        length: "Длина",
        cut_total: "вырезано",
        transcript: "Текст клипа",
        transcript_hint: "Выделите слова (щелчок, Shift+щелчок) и вырежьте их клавишей Delete. Двойной щелчок — исправить слово.",
        cut: "Вырезать",
        restore: "Вернуть",
        fillers: "Убрать слова-паразиты",
        no_fillers: "Слов-паразитов не найдено",
        fix: "Исправить слово",
        fix_apply: "Применить",
        split_line: "Новая строка субтитров с этого слова",
        merge_line: "Присоединить к строке выше",
        captions: "Субтитры",
        preset: "Стиль",
        size: "Размер",
        position: "Положение",
        position_names: ["Сверху", "Посередине", "Снизу"],
        colour: "Цвет текста",
        highlight: "Цвет выделения слова",
        preview: "Предпросмотр",
        play: "Воспроизвести",
        pause: "Пауза",
        undo: "Отменить",
        redo: "Повторить",
        save: "Сохранить и перерисовать",
        saving: "Сохраняем…",
        rendering: "Клип перерисовывается. Предыдущая версия остаётся доступной, пока не готова новая.",
        rendered: "Новая версия клипа готова.",
        open_clip: "Открыть клип",
        unsaved: "Есть несохранённые изменения. Уйти со страницы?",
        shortcuts: "Пробел — пуск и пауза · J / K / L — назад, стоп, вперёд · ← / → — на кадр · [ и ] — начало и конец у курсора · Ctrl+Z / Ctrl+Shift+Z — отменить и повторить",
    },
    keys: KeysText {
        title: "Ключи ИИ",
        intro: "Ваши ключи Cloud.ru, OpenAI, Gemini, Anthropic и OpenRouter хранятся только в этом браузере, зашифрованные паролем хранилища (AES-256-GCM, ключ из пароля — PBKDF2, 600 000 итераций). Пароль не уходит на сервер и не совпадает с паролем аккаунта: если вы его забудете, ключи придётся добавить заново.",
        loading: "Открываем хранилище…",
        create_heading: "Создать хранилище",
        password: "Пароль хранилища",
        password_repeat: "Пароль ещё раз",
        password_hint: "Не короче 10 символов. Не используйте пароль от аккаунта.",
        create: "Создать",
        unlock_heading: "Хранилище заперто",
        unlock: "Открыть",
        unlocking: "Проверяем пароль…",
        locked: "Хранилище заперто.",
        unlocked: "Хранилище открыто.",
        lock: "Запереть сейчас",
        provider: "Сервис",
        key: "Ключ API",
        save_key: "Сохранить ключ",
        none_yet: "Ключей пока нет: без них работают локальные модели и ключи сервера.",
        remove: "Удалить",
        auto_lock: "Запирать через",
        minutes: |n| format!("{n} мин без действий"),
        change_heading: "Сменить пароль хранилища",
        new_password: "Новый пароль",
        change: "Сменить пароль",
        changed: "Пароль сменён, все ключи перешифрованы.",
        export: "Скачать резервную копию",
        import: "Восстановить из копии",
        imported: "Копия восстановлена. Откройте её паролем, с которым она была создана.",
        delete: "Удалить хранилище",
        delete_confirm: "Удалить хранилище со всеми ключами из этого браузера? Это нельзя отменить.",
        err_wrong_password: "Неверный пароль хранилища. Ничего не потеряно — попробуйте ещё раз.",
        err_corrupt: "Данные хранилища повреждены. Восстановите его из резервной копии.",
        err_mismatch: "Пароли не совпадают.",
        err_short: "Пароль хранилища — не короче 10 символов.",
        err_empty_key: "Вставьте ключ.",
        err_storage: "Браузер не дал доступа к хранилищу (IndexedDB). Проверьте, не включён ли приватный режим.",
        test: "Проверить",
        test_results: |c| match c {
            crate::keys::KeyCheck::Valid => "Ключ работает",
            crate::keys::KeyCheck::Refused => "Ключ отклонён: проверьте, что он скопирован целиком и не отозван",
            crate::keys::KeyCheck::OutOfQuota => "Ключ верный, но баланс или квота исчерпаны",
            crate::keys::KeyCheck::Unavailable => "Сервис не ответил; попробуйте позже",
        },
        in_use: "Пока хранилище открыто, ключи отправляются с каждой новой загрузкой или ссылкой в зашифрованном виде: расшифровать их может только обработчик, и он удаляет их, когда видео готово.",
        costs_heading: "Расходы на обработку",
        stt_line: |model, minutes| format!("Расшифровка: {model}, {minutes} мин из тарифа"),
        llm_line: |calls, tokens, cost| format!("Анализ ИИ: {calls} запр., {tokens} токенов, {cost}"),
        local_analyzer: "Моменты выбрал локальный анализатор — бесплатно.",
        costs_pending: "Появится после расшифровки.",
        key_paid: |k| match k {
            crate::keys::KeyPaid::Local => "локальная модель, без ключа",
            crate::keys::KeyPaid::Server => "ключ сервиса",
            crate::keys::KeyPaid::User => "ваш ключ",
            crate::keys::KeyPaid::ServerAfterUserRefused => "ключ сервиса: ваш ключ был отклонён",
            crate::keys::KeyPaid::ServerHandoffLost => {
                "ключ сервиса: ваши ключи не дошли (истекли или не расшифровались)"
            }
        },
    },
    analyzer: AnalyzerText {
        cues: [
            "начинается с вопроса",
            "смелое заявление в начале",
            "есть число",
            "обращение к зрителю",
            "комфортный темп",
            "о главной теме видео",
        ],
        steady: "ровный, законченный фрагмент",
        cta: "Подпишитесь, чтобы не пропустить продолжение",
    },
    platforms: PlatformsText {
        title: "Платформы",
        intro: "Подключите площадки, куда публиковать клипы. Токены хранятся на сервере в зашифрованном виде и никогда не показываются снова. В команде площадки подключают владелец и администраторы, публикуют все, кому это разрешено.",
        telegram_about: "Клипы публикуются в ваш канал от имени вашего бота.",
        telegram_steps: [
            "Создайте бота в @BotFather командой /newbot и скопируйте токен.",
            "Добавьте бота в канал администратором с правом публиковать сообщения.",
            "Вставьте токен и @имя канала (или ссылку t.me/…) ниже.",
        ],
        rutube_about: "Клипы загружаются на ваш канал Rutube и публикуются, когда Rutube их обработает.",
        rutube_steps: [
            "Откройте Rutube Studio → Настройки → API.",
            "Создайте токен доступа и скопируйте его.",
            "Вставьте токен ниже: мы проверим его у Rutube.",
        ],
        api_token_label: "Токен API",
        dzen_about: "У Дзена нет открытого API загрузки. В окне публикации клипа есть «Подготовить для Дзена»: скачайте файл и вставьте готовые заголовок, описание и хештеги в редакторе Дзена.",
        names: ["VK", "Rutube", "Дзен", "Telegram"],
        connected_as: |account| format!("Подключён канал {account}"),
        publish_none: "Нет подключённых площадок.",
        dzen_prepare: "Подготовить для Дзена",
        own_text: |p| format!("Свой текст для {p}"),
        vk_about: "Клипы загружаются в «Видео» на вашу страницу или в сообщество, которым вы управляете.",
        vk_steps: [
            "Нажмите «Подключить VK» и разрешите ClipMaker доступ к видео и сообществам в VK ID.",
            "После возвращения выберите, куда публиковать: на свою страницу или в сообщество.",
        ],
        vk_connect: "Подключить VK",
        vk_connected: "VK подключён.",
        vk_target_label: "Публиковать в",
        vk_errors: [
            "Подключение VK здесь не настроено. Обратитесь к администратору сервиса.",
            "Вы отменили доступ в VK ID. Ничего не изменилось.",
            "Ссылка подключения устарела или открыта в другом браузере. Начните заново.",
            "VK не выдал доступ. Попробуйте ещё раз через минуту.",
            "Подключать площадки команды могут только владелец и администраторы.",
        ],
        token_label: "Токен бота",
        channel_label: "Канал",
        connect: "Подключить",
        connecting: "Проверяем бота…",
        test: "Проверить",
        disconnect: "Отключить",
        disconnect_confirm: "Отключить площадку? Токен будет удалён, запланированные публикации на ней не выйдут.",
        connected_to: |account, target| format!("{account} публикует в {target}"),
        status: ["работает", "нужно переподключить"],
        reconnect_note: |why| format!("Платформа отклонила доступ: «{why}». Проверьте бота и подключите его заново."),
        problems: [
            "Это не похоже на токен бота. Скопируйте его из @BotFather целиком: цифры, двоеточие и ключ.",
            "Платформа не приняла токен. Проверьте его или подключите аккаунт заново.",
            "Канал не найден. Укажите @имя канала или ссылку t.me/… и добавьте бота в канал.",
            "Нет прав на публикацию. Сделайте бота администратором канала с правом публиковать сообщения.",
            "Платформа не отвечает. Ничего не изменилось — попробуйте через минуту.",
        ],
        publish_problems: [
            "Клип ещё не готов: дождитесь окончания рендера.",
            "Площадка не подключена. Подключите её в Настройки → Платформы.",
            "Площадка требует переподключения. Откройте Настройки → Платформы.",
            "У Дзена нет API загрузки: скачайте файл и текст и опубликуйте вручную.",
            "Это время уже прошло. Выберите время в будущем.",
            "Запланировать можно не дальше чем на 90 дней вперёд.",
        ],
        too_large: |mb| {
            format!("Файл больше {mb} МБ — столько принимает площадка. Сократите клип или опубликуйте его вручную.")
        },
        disconnected: "Площадка отключена. Подключите её снова и повторите публикацию.",
        publish_heading: "Публикация",
        publish_to: "Куда:",
        post_title: "Заголовок",
        post_description: "Описание",
        post_hashtags: "Хештеги",
        post_when: "Когда (пусто — сейчас)",
        publish_now: "Опубликовать",
        schedule: "Запланировать",
        manage_platforms: "Подключить площадки",
        publication_status: ["запланировано", "публикуется", "опубликовано", "ошибка", "отменено"],
        open_post: "Открыть пост",
        retry: "Повторить",
    },
    analytics_page: AnalyticsText {
        intro: "Просмотры, лайки и репосты клипов, опубликованных за выбранный период. Площадки присылают цифры раз в 6 часов.",
        range_label: "Период",
        last_days: |n| format!("{n} {}", plural_ru(u64::from(n), "день", "дня", "дней")),
        views: "Просмотры",
        likes: "Лайки",
        shares: "Репосты",
        comments: "Комментарии",
        published_clips: "Опубликовано клипов",
        without_stats_note: |n| {
            format!(
                "{n} {} в Telegram учтены в опубликованных, но не в просмотрах: Telegram не сообщает ботам статистику постов.",
                plural_ru(u64::from(n), "публикация", "публикации", "публикаций")
            )
        },
        by_platform_heading: "По площадкам",
        platform_columns: ["Площадка", "Публикаций", "Просмотры", "Лайки", "Репосты", "Комментарии"],
        platform_names: ["ВКонтакте", "Rutube", "Дзен", "Telegram"],
        not_available: "нет данных",
        not_available_hint: "Telegram не даёт ботам статистику просмотров постов в канале.",
        top_heading: "Лучшие клипы",
        top_empty: "За этот период клипы не публиковались.",
        chart_heading: "Просмотры по дням",
        chart_note: "Сумма просмотров клипов периода на конец каждого дня (UTC).",
        chart_label: |from, to| format!("График просмотров с {from} по {to}"),
        point_title: |date, views| {
            format!(
                "{date}: {} {}",
                crate::group_digits(views.max(0) as u64),
                plural_ru(views.max(0) as u64, "просмотр", "просмотра", "просмотров")
            )
        },
        number: |n| {
            if n < 0 { format!("−{}", crate::group_digits(n.unsigned_abs())) } else { crate::group_digits(n as u64) }
        },
        date: |y, m, d| format!("{d:02}.{m:02}.{y}"),
        empty_title: "Пока нечего считать",
        empty_text: "Опубликуйте клип — и здесь появятся его просмотры, лайки и репосты.",
        empty_action: "К клипам",
        period_empty: "В этом периоде публикаций нет. Выберите период длиннее.",
        export_csv: "Скачать CSV",
        csv_header: ["Клип", "Площадка", "Ссылка", "Дата публикации", "Просмотры", "Лайки", "Репосты", "Комментарии"],
    },
    dashboard_page: DashboardText {
        greeting: |name| {
            if name.is_empty() {
                "Добро пожаловать!".to_owned()
            } else {
                format!("Здравствуйте, {name}!")
            }
        },
        intro: "Загрузите длинное видео — мы найдём лучшие моменты и сделаем из них вертикальные клипы.",
        minutes: "Минуты обработки",
        minutes_used_of: |used, of| format!("Использовано {used} из {of} мин"),
        minutes_used: |used| format!("Использовано {used} мин"),
        minutes_left: |left| format!("Осталось {left} мин"),
        minutes_unlimited: "Без ограничения минут",
        minutes_low: "Минуты заканчиваются: докупите пакет или смените тариф.",
        buy_minutes: "Тарифы и минуты",
        videos_processed: "Видео обработано",
        clips_ready: "Клипов готово",
        clips_published: "Клипов опубликовано",
        views: "Просмотры",
        checklist_title: "С чего начать",
        checklist_progress: |done, all| format!("Сделано {done} из {all}"),
        steps: [
            ("Подтвердите email", "Открыть профиль"),
            ("Загрузите первое видео", "Загрузить"),
            ("Создайте хранилище ключей ИИ (необязательно)", "Настроить ключи"),
            ("Подключите площадку для публикации", "Подключить"),
        ],
        step_done: "готово",
        add_video: "Добавить видео",
        recent_title: "Последние видео",
        all_videos: "Все видео",
        recent_empty: "Видео пока нет. Перетащите файл в область выше, вставьте ссылку или попробуйте демо-видео.",
        try_demo: "Попробовать на демо-видео",
        best_title: "Лучшие клипы",
        all_clips: "Все клипы",
        best_empty: "Клипы появятся здесь, когда обработается первое видео. Обычно это занимает несколько минут.",
        score: |s| format!("{s} / 100"),
    },
    admin: AdminText {
        title: "Админка",
        intro: "Пользователи, очереди задач, расходы на ИИ и журнал действий операторов.",
        users_heading: "Пользователи",
        search_label: "Почта или имя",
        filter_plan: "Тариф",
        filter_status: "Статус",
        filter_signed_up: "Регистрация",
        any: "любой",
        status_names: ["активен", "почта не подтверждена", "заблокирован"],
        signed_up_names: ["за сутки", "за неделю", "за месяц"],
        apply: "Найти",
        user_columns: ["Почта", "Имя", "Тариф", "Статус", "Регистрация", "Минут использовано"],
        operator_badge: "оператор",
        no_users: "Никого не нашлось. Измените запрос или фильтры.",
        next_page: "Дальше",
        prev_page: "Назад",
        open_user: "Открыть",
        videos: "Видео",
        clips: "Клипы",
        minutes_consumed: "Минут расшифровано всего",
        ai_cost: "Расходы на ИИ",
        minutes_left: "Минут осталось",
        extra_minutes: "Дополнительные минуты",
        unlimited: "без ограничения",
        sessions_heading: "Активные сеансы",
        no_sessions: "Активных сеансов нет.",
        session_times: |started, last| format!("вход {started}, активность {last}"),
        set_plan: "Сменить тариф",
        grant_minutes: "Начислить минуты",
        grant_button: "Начислить",
        block: "Заблокировать",
        unblock: "Разблокировать",
        block_confirm: "Заблокировать пользователя? Все его сеансы завершатся сразу, войти он не сможет.",
        saved: "Сохранено.",
        err_self_block: "Нельзя заблокировать самого себя.",
        queues_heading: "Очереди",
        queue_columns: ["Очередь", "Ждут", "Выполняются", "Отложены", "Упали"],
        dead_heading: "Упавшие задачи",
        dead_empty: "Упавших задач нет.",
        dead_columns: ["Очередь", "Задача", "Попыток", "Ошибка", "Когда"],
        retry: "Повторить",
        discard: "Удалить",
        discard_confirm: "Удалить задачу без повтора?",
        costs_heading: "Расходы на ИИ за 30 дней",
        costs_empty: "За 30 дней расходов не было.",
        cost_columns: ["День", "Вид", "Провайдер", "Вызовов", "Минут", "Сумма"],
        kind_names: ["расшифровка", "LLM", "рендеринг"],
        audit_heading: "Журнал действий",
        audit_empty: "Операторы пока ничего не меняли.",
        audit_columns: ["Когда", "Оператор", "Действие", "Пользователь", "Подробности"],
        action_names: [
            "выдан доступ оператора",
            "снят доступ оператора",
            "сменён тариф",
            "начислены минуты",
            "заблокирован",
            "разблокирован",
            "задача повторена",
            "задача удалена",
        ],
        command_line: "командная строка",
    },
    settings_page: SettingsText {
        intro: "Всё, что настраивается в аккаунте, по разделам.",
        open: "Открыть",
        email_confirmed: "Почта подтверждена",
        email_unconfirmed: "Почта не подтверждена: загрузка видео недоступна",
        vault_states: [
            "Проверяем…",
            "Хранилище ключей не создано: работают локальные движки",
            "Хранилище создано и заперто",
            "Хранилище открыто в этой вкладке",
            "Этот браузер не даёт хранить ключи (приватный режим?)",
        ],
        platforms_none: "Площадки не подключены",
        platforms_connected: |list| format!("Подключены: {list}"),
        platforms_reconnect: "Одну из площадок нужно подключить заново",
        no_team: "Вы не в команде",
        plan: |name| format!("Тариф «{name}»"),
    },
};

/// English.
pub static EN: Dict = Dict {
    app_name: "ClipMaker",
    switch_language: "RU",
    switch_language_label: "Переключить на русский",
    nav_label: "Main navigation",
    dashboard: SectionText { title: "Dashboard" },
    videos: SectionText { title: "Videos" },
    clips: SectionText { title: "Clips" },
    analytics: SectionText { title: "Analytics" },
    team: SectionText { title: "Team" },
    settings: SectionText { title: "Settings" },
    billing: SectionText { title: "Billing" },
    hero_title: "Turn long videos into short vertical clips",
    hero_subtitle: "ClipMaker transcribes your video, finds the strongest moments, scores their virality, cuts 9:16 clips with subtitles and publishes them to VK, Rutube, Dzen and Telegram.",
    cta_start: "Start for free",
    cta_login: "Log in",
    how_title: "How it works",
    how_steps: [
        ("Upload a video", "A file or a link: podcast, stream, webinar, interview."),
        (
            "AI finds the moments",
            "Speech is transcribed and the best parts are picked with a virality score from 0 to 100.",
        ),
        ("Get your clips", "Vertical 9:16 with subtitles you can fine-tune on a timeline."),
        ("Publish", "VK, Rutube, Dzen and Telegram, right away or on a schedule."),
    ],
    pricing_title: "Pricing",
    pricing_subtitle: "Prices in rubles. The free plan needs no card.",
    plan_names: ["Free", "Start", "Pro", "Business"],
    per_month: "per month",
    free_price: "0 ₽",
    unlimited_minutes: "Unlimited minutes",
    minutes_per_month: |n| {
        format!("{} {} a month", crate::group_digits(n.into()), if n == 1 { "minute" } else { "minutes" })
    },
    clips_per_video: |n| format!("Up to {n} {} per video", if n == 1 { "clip" } else { "clips" }),
    storage_days: |n| format!("Files kept for {n} {}", if n == 1 { "day" } else { "days" }),
    with_watermark: "With watermark",
    no_watermark: "No watermark",
    choose_plan: "Choose",
    footer: "ClipMaker: clips for VK, Rutube, Dzen and Telegram.",
    not_found_title: "Page not found",
    not_found_text: "There is no such page. The link may be outdated or mistyped.",
    back_home: "Back to home",
    forbidden_origin: "Request refused: it did not come from a ClipMaker page. Reload the page and try again.",
    mail_greeting: "Hello,",
    mail_signature: "The ClipMaker team",
    mail_verify: MailText {
        subject: "Confirm your email for ClipMaker",
        intro: "You signed up for ClipMaker. Confirm your email address to start uploading videos.",
        action: "Confirm email",
        expiry: "The link works for 24 hours.",
        ignore: "If you did not sign up, just delete this email.",
    },
    mail_reset: MailText {
        subject: "Reset your ClipMaker password",
        intro: "Someone (hopefully you) asked to reset the password of your ClipMaker account.",
        action: "Choose a new password",
        expiry: "The link works for 1 hour, once.",
        ignore: "If you did not ask for this, do nothing: your password stays the same.",
    },
    auth: AuthText {
        login_title: "Log in",
        register_title: "Sign up",
        email: "Email",
        password: "Password",
        new_password: "New password",
        name: "Name",
        password_hint: "At least 8 characters and not a common password.",
        submit_login: "Log in",
        submit_register: "Create account",
        forgot_link: "Forgot your password?",
        to_register: "No account yet? Sign up",
        to_login: "Already have an account? Log in",
        registered_check_mail: "Your account is ready. Open the email we sent and follow the link to confirm your address.",
        registered_mail_failed: "Your account is ready, but the email could not be sent. Log in and ask for it again in your profile.",
        registered_ready: "Your account is ready. Log in now.",
        forgot_title: "Reset your password",
        forgot_text: "Enter your email and we will send a link to set a new password.",
        forgot_submit: "Send the link",
        forgot_sent: "If an account uses this email, the link is on its way. It works for 1 hour.",
        reset_title: "New password",
        reset_submit: "Save password",
        reset_done: "Password changed. Log in with the new one.",
        verify_title: "Email confirmation",
        verify_working: "Checking the link…",
        verify_done: "Email confirmed. You can upload videos now.",
        logout: "Log out",
        logout_everywhere: "Log out on all devices",
        logged_out_everywhere: "All sessions have ended.",
        profile_title: "Profile",
        save: "Save",
        saved: "Saved",
        language: "Interface language",
        strategy: "AI providers",
        strategy_ru: "Russian (Cloud.ru)",
        strategy_global: "Global (Gemini, Claude)",
        caption_style: "Default caption style",
        caption_names: ["Classic", "Word highlight", "Minimal"],
        clips_title: "Clips",
        clips_hint: "How many clips, and how long, the AI picks from your next videos.",
        clip_count: "Clips per video",
        clip_count_auto: "As many as the plan allows",
        clip_length: "Clip length",
        seconds: "s",
        not_verified: "Your email is not confirmed: uploading is not available yet.",
        resend: "Send the email again",
        resent: "Email sent.",
        signed_in_as: "Signed in as",
        err_email_invalid: "Check the email address: it does not look right.",
        err_password_short: "The password is too short: use at least 8 characters.",
        err_password_long: "The password is too long: at most 128 characters.",
        err_password_common: "This password is too common and easy to guess. Choose another.",
        err_email_taken: "An account with this email already exists. Log in or reset the password.",
        err_credentials: "Wrong email or password.",
        err_rate_limited: |n| format!("Too many attempts. Try again in {n} s."),
        err_token_invalid: "This link is not valid. Ask for a new one.",
        err_token_expired: "This link has expired. Ask for a new one.",
        err_token_used: "This link has been used already.",
        err_unauthenticated: "Log in to continue.",
        err_name_long: "The name is too long: at most 80 characters.",
        err_bad_input: "Check what you entered.",
        err_internal: "Something went wrong on our side. Try again in a minute.",
        err_network: "Cannot reach the server. Check your connection and try again.",
        vk_button: "Log in with VK ID",
        vk_link: "Link VK ID",
        vk_linked: "VK ID linked",
        or: "or",
        vk_errors: [
            "VK ID sign-in is not set up on this server.",
            "VK ID sign-in was cancelled.",
            "The sign-in link has expired. Press “Log in with VK ID” again.",
            "VK ID did not answer as expected. Try again or log in with your email.",
            "An account with the email from VK already exists. Log in with your email and link VK ID in your profile.",
            "This VK account is linked to another user.",
            "This account is blocked. If you think this is a mistake, write to support@clipmaker.ru.",
        ],
        err_blocked: "This account is blocked. If you think this is a mistake, write to support@clipmaker.ru.",
    },
    video_list: VideosText {
        intro: "See where each of your videos is in processing. No need to reload the page.",
        empty: "No videos yet. Try the sample to see how processing works.",
        demo_button: "Try with a sample video",
        demo_title: "Sample video",
        demo_script: &[
            "Why do some short videos get millions of views while others are skipped after a second?",
            "It all comes down to the first three seconds.",
            "Viewers scroll fast, and if the opening is boring, they are gone.",
            "So start with a question, a surprising fact, or a bold promise.",
            "The second secret is subtitles.",
            "Most people watch clips with the sound off, on the train, at work, or before they fall asleep.",
            "Big, clear subtitles hold their attention and carry the main idea.",
            "The third secret is one story per clip.",
            "Do not try to say everything at once; pick one strong moment and show it whole.",
            "That is exactly what ClipMaker does.",
            "It listens to your long video, finds the best moments, and turns them into vertical clips with subtitles.",
            "Upload a video of your own and see what it finds.",
        ],
        status_names: ["Uploading", "Downloading", "Transcribing", "Analyzing", "Cutting clips", "Ready", "Failed"],
        stage_names: [
            "Queued",
            "Creating the sample",
            "Storing the file",
            "Checking the video",
            "Downloading from the link",
            "Checked and waiting for transcription",
            "Extracting the sound",
            "Recognizing speech",
            "Transcribed and waiting for analysis",
            "Choosing the best moments",
            "Clips chosen and waiting for rendering",
            "Rendering the clips",
        ],
        progress_label: "Processing progress",
        length: "Length",
        live: "Live",
        reconnecting: "Reconnecting…",
        failed_hint: "Processing failed. Try again; if it happens again, contact support.",
        err_not_found: "Video not found.",
        upload_errors: [
            "Confirm your email to upload videos: the link is in the mail we sent after sign-up.",
            "This file type is not supported. Upload a video (MP4, MOV, MKV, WebM, AVI, TS) or audio (MP3, M4A, WAV, OGG).",
            "The file's content is not video or audio. Check that you picked the right file.",
            "The file's content does not match its type. Save it again in a supported format.",
            "The file is empty or larger than 4 GB.",
            "Not every part of the file arrived. Resume the upload.",
            "This link cannot be imported: use a public http(s) link to a video.",
        ],
        back: "← All videos",
        size: "Size",
        file_type: "File type",
        source: "Link",
        delete: "Delete",
        delete_confirm: "Delete this video and every clip made from it? This cannot be undone.",
        not_playable: "The source video appears here once it is stored and checked.",
        show_more: "Show more",
    },
    uploads: UploadsText {
        title: "Video upload",
        drop_here: "Drop a video here or click to choose a file",
        formats: "MP4, MOV, MKV, WebM, AVI, TS or audio MP3, M4A, WAV, OGG — up to 4 GB",
        cancel: "Cancel upload",
        finishing: "Assembling and checking the file…",
        done: "Uploaded. The video is processed from here on.",
        cancelled: "Upload cancelled.",
        network_failed: "The connection dropped. Choose the same file again to continue where it stopped.",
        time_left: time_left_en,
        import_label: "Or paste a link to a video",
        import_button: "Import",
        choose_file: "Choose a file",
    },
    transcript: TranscriptText {
        title: "Transcript",
        pending: "The transcript appears here when speech recognition is done.",
        empty: "No speech was found in this video.",
        search: "Search the transcript",
        matches: matches_en,
        copy: "Copy text",
        copied: "Copied",
        download: "Download:",
        seek_hint: "Click a word to jump to that moment of the video",
    },
    video_clips: ClipsText {
        title: "Clips",
        scores: ["Hook", "Engagement", "Flow", "Trend"],
        total: "Virality",
        pending: "Waiting for rendering",
        status_names: ["Waiting to render", "Rendering", "Ready", "Published", "Render failed"],
        failed_hint: "This clip could not be rendered. Change the style or layout and render it again.",
        open: "Open",
        download: "Download",
        reason: "Why this moment",
        title_label: "Title",
        cta_label: "Call to action",
        save: "Save",
        saved: "Saved",
        style_label: "Caption style",
        layout_label: "Framing",
        layout_names: ["Centre (cropped)", "Whole frame on a blurred background"],
        rerender: "Render again",
        not_ready: "The clip's video appears here once it is rendered.",
        from_video: "From the video",
        sort_label: "Sort",
        sort_names: ["By virality", "Newest first"],
        filter_label: "Status",
        filter_all: "All",
        intro: "Every clip from your videos: vertical 9:16 with captions and a virality score.",
        empty: "No clips yet. Upload a video; its clips appear here once it is processed.",
        expired: "Your plan's storage period is over: the source video and its clips were deleted. The transcript stays.",
        err_busy: "The clip is being rendered. Wait until it is done and try again.",
        back: "← Back to the video",
        length: "Length",
    },
    failures: FailureText {
        upload_missing: "The uploaded file never reached the server. Upload it again.",
        not_media: "This is not a video or audio file. Upload an MP4, MOV, WebM, MKV, MP3, M4A or WAV file.",
        unreadable: "The file is damaged or has neither picture nor sound. Export the video again and upload the new file.",
        too_large: |mib| {
            format!(
                "The file is larger than {} MB. Shorten or compress the video and try again.",
                crate::group_digits(mib)
            )
        },
        over_quota: |minutes, left| {
            format!(
                "The video is {minutes} min long but your plan has {left} min left this month. Choose a bigger plan or upload a shorter video."
            )
        },
        link_invalid: "The link is not an http(s) address. Copy it whole from the address bar.",
        link_unresolvable: "The site in this link could not be found. Check the address.",
        link_private: "The link points to a private or local address, which cannot be imported. Use a public link.",
        link_port: |port| {
            format!("Only links on the standard ports 80 and 443 can be imported (this one uses port {port}).")
        },
        link_redirects: "The link redirects too many times. Open it in a browser and paste the final address.",
        link_status: |status| {
            format!("The site answered with error {status}. Check that the link opens without signing in.")
        },
        page_unsupported: "This links to a web page, not a file, and this server cannot read pages. Paste a direct link to the file.",
        page_no_media: "No downloadable video was found on this page. Paste a direct link to the file or upload it.",
        download_failed: "The file could not be downloaded after several attempts. Check that the link opens and try again later.",
        length_mismatch: |header, decoded| {
            format!(
                "The file's sound lasts at least {decoded} s but its header says {header} s: the file is damaged or disguised. Export it again and upload the new file."
            )
        },
        no_sound: "The file has no sound to transcribe. Upload a video with sound.",
        no_speech_model: "No speech model is installed on this server. Tell the administrator (WHISPER_MODEL_DIR) or add an API key.",
        stt_refused: |provider| format!("{provider} refused the transcription request. Check the API key in settings."),
        transcription_failed: "Transcription failed after several attempts. Try again later; if it keeps failing, contact support.",
        no_transcript: "The video has no transcript to pick clips from. Upload it again.",
        no_clips: |secs| format!("No clips: the video has no passage of at least {secs} s of speech."),
        llm_key_missing: "This server picks clips with an LLM only, and no API key is set. Add a key or enable the local analyzer.",
        analysis_failed: "Picking clips failed after several attempts. Try again later.",
        source_gone: "The video's source is no longer stored, so the clip cannot be rendered.",
        clip_outside: "The clip's bounds lie outside the video. Change its start and end.",
        render_failed: "Rendering the clip failed. Try rendering it again; if it keeps failing, contact support.",
        internal: "Something went wrong on our side. Try again; if it keeps failing, contact support.",
    },
    mail_invite: MailText {
        subject: "You are invited to a team on ClipMaker",
        intro: "You have been invited to a team on ClipMaker: shared videos and clips, one subscription for everyone.",
        action: "Accept the invite",
        expiry: "The link works for 7 days, once.",
        ignore: "If you did not expect an invite, just leave the link alone.",
    },
    teams: TeamText {
        mail_detail: |who, team| format!("{who} invites you to the team “{team}”."),
        err_forbidden: "Your role in the team does not allow this. Ask the team's owner or an admin.",
        problems: [
            "Enter a team name.",
            "A team name is at most 60 characters.",
            "You are already in a team. Leave it first to join another one.",
            "Teams come with the Pro (3 people) and Business (10) plans. Change your plan to invite colleagues.",
            "This invite link is unknown. Ask for a new one.",
            "This invite has expired. Ask for a new one.",
            "This invite has been used up. Ask for a new one.",
            "This invite was revoked. Ask for a new one.",
            "The owner cannot leave the team: hand it to another member or delete it.",
        ],
        err_seats_full: |n| format!("Every seat of the team is taken ({n}). Free one or move to a bigger plan."),
        roles: ["Owner", "Admin", "Member", "Viewer"],
        role_hints: [
            "everything, including billing, transfer and deleting the team",
            "invites and removes members, manages platforms",
            "uploads, edits, renders and publishes",
            "watches and downloads videos, clips and analytics",
        ],
        none_intro: "A team is a shared workspace: every member sees its videos and clips, and minutes come from the owner's plan. Create a team and invite colleagues with a link.",
        name_label: "Team name",
        create: "Create team",
        rename: "Rename",
        usage: |used, included| match included {
            Some(n) => format!("Minutes used: {used} of {n} (the owner's plan)"),
            None => format!("Minutes used: {used} (unlimited)"),
        },
        seats: |taken, seats| format!("Seats taken: {taken} of {seats}"),
        members: "Members",
        columns: ["Member", "Role", "Minutes", "Videos"],
        you: "you",
        remove: "Remove",
        remove_confirm: |who| format!("Remove {who} from the team? What they made stays with the team."),
        invite_heading: "Invite",
        invite_email: "Email (empty: a link to share yourself)",
        invite_email_hint: "A mail with the link goes to this address; the link works once.",
        invite_role: "Role",
        invite_days: "Valid for, days",
        invite_uses: "How many times it can be used",
        invite_submit: "Invite",
        invite_created: "Invite link (shown once, copy it now):",
        invite_mailed: "The invite mail was sent.",
        pending: "Pending invites",
        pending_none: "No pending invites.",
        link_label: "Link",
        pending_line: |role, uses, max, until| format!("{role} · used {uses} of {max} · until {until}"),
        revoke: "Revoke",
        danger: "Danger zone",
        leave: "Leave the team",
        leave_confirm: "Leave the team? Videos you made in the team stay with it.",
        transfer_label: "Hand the team to a member",
        transfer: "Transfer",
        transfer_confirm: |who| {
            format!("Hand the team to {who}? You become an admin and the team moves to the new owner's plan.")
        },
        delete: "Delete the team",
        delete_confirm: "Delete the team? Members lose access, and videos return to the people who made them.",
        invite_title: "Team invite",
        invite_text: |who, team, role| format!("{who} invites you to the team “{team}” as {role}."),
        join: "Join the team",
        sign_in_first: "Log in or sign up to accept the invite: you come back to this page afterwards.",
        invite_broken_hint: "Ask whoever invited you for a new link.",
        to_team: "To the team page",
    },
    billing_page: BillingText {
        current_plan: "Your plan",
        status: ["Active", "Payment due", "Cancelled"],
        period_until: |d| format!("Paid until {d}"),
        renews_on: |d| format!("Renews automatically on {d}"),
        ends_on: |d| format!("Ends on {d}, then Free"),
        past_due_note: "The subscription could not be renewed. Pay for the plan to keep it: 7 days after the period ended the account moves to Free.",
        minutes_heading: "Processing minutes",
        minutes_used: |used, of| format!("{used} of {of} min used"),
        minutes_unlimited: |used| format!("{used} min used, unlimited"),
        minutes_extra: |n| format!("Extra: {n} min"),
        minutes_left: |n| format!("{n} {} left", if n == 1 { "minute" } else { "minutes" }),
        card_saved: |c| format!("Card for renewal: {c}"),
        no_card: "No card saved: the subscription has to be renewed by hand.",
        cancel: "Cancel subscription",
        cancel_confirm: "Cancel the subscription? The plan stays until the end of the paid period.",
        reactivate: "Resume subscription",
        plans_heading: "Plans",
        current: "Current plan",
        upgrade: "Switch",
        downgrade: "Switch",
        free_is_cancel: "To move to Free, cancel the subscription: the plan stays until the period ends.",
        pay_card: "By card",
        pay_sbp: "By SBP",
        extra_heading: "Extra minutes",
        extra_low: |n| format!("Fewer than {n} minutes left: buy extra minutes so processing does not stop."),
        extra_hint: "A one-time purchase; extra minutes do not expire at the end of the month.",
        buy_minutes: |n| format!("{n} minutes"),
        history_heading: "Payment history",
        history_empty: "No payments yet.",
        history_columns: ["Date", "Purchase", "Amount", "Method", "Status"],
        payment_status: ["Awaiting payment", "Awaiting capture", "Paid", "Canceled"],
        methods: ["Card", "SBP"],
        renewal_tag: "auto-renewal",
        refunded: |a| format!("{a} refunded"),
        purchase_plan: |p| format!("{p} plan, 1 month"),
        purchase_minutes: |n| format!("{n} extra minutes"),
        sbp_title: "Pay by SBP",
        sbp_hint: "Scan the QR code with your phone's camera or banking app and confirm the payment.",
        sbp_waiting: "Waiting for the payment…",
        sbp_open: "Open the payment link",
        close: "Close",
        paid: "Payment received. Thank you!",
        declined: "The payment did not go through. Try again or choose another method.",
        checking: "Checking the payment…",
        redirecting: "Going to the payment page…",
        not_configured: "Payments are not set up on this server: the administrator has not configured a YooKassa shop.",
        err_unavailable: "The payment service is unavailable right now. Nothing was charged; try again in a minute.",
        err_refused: "The payment service refused the request. Nothing was charged; try another payment method.",
        err_not_configured: "Payments are not set up on this server.",
        receipt_plan: |p| format!("ClipMaker {p} subscription, 1 month"),
        receipt_minutes: |n| format!("ClipMaker: {n} extra processing minutes"),
        mail_days_left: |n| {
            format!("{n} {} left before the account moves to the free plan.", if n == 1 { "day" } else { "days" })
        },
        mail_reminder: MailText {
            subject: "Your ClipMaker subscription was not renewed",
            intro: "We could not renew your subscription. Pay for your plan to keep your minutes and watermark-free clips.",
            action: "Pay for the subscription",
            expiry: "",
            ignore: "If you decided not to renew, there is nothing to do.",
        },
        mail_expired: MailText {
            subject: "Your ClipMaker subscription has expired",
            intro: "Your paid period has ended and no card is saved for renewal. You have 7 days to pay for your plan.",
            action: "Renew the subscription",
            expiry: "",
            ignore: "If you decided not to renew, the account moves to Free in 7 days.",
        },
        mail_failed: MailText {
            subject: "Payment failed for your ClipMaker subscription",
            intro: "Your bank declined the automatic renewal. Check your card or pay another way within 7 days.",
            action: "Pay for the subscription",
            expiry: "",
            ignore: "If you decided not to renew, the account moves to Free in 7 days.",
        },
        mail_downgraded: MailText {
            subject: "Your ClipMaker account has been downgraded to Free",
            intro: "Your subscription has ended and the account is on the free plan now: 30 minutes a month, clips with a watermark.",
            action: "Choose a plan",
            expiry: "",
            ignore: "Your videos and clips are kept as the Free plan allows.",
        },
    },
    editor: EditorText {
        title: "Clip editor",
        open: "Edit",
        back: "← Back to the clip",
        read_only: "View only: your team role does not allow changing the clip.",
        timeline: "Timeline",
        zoom_in: "Zoom in",
        zoom_out: "Zoom out",
        zoom_all: "Whole video",
        zoom_clip: "Fit the clip",
        start_handle: "Clip start",
        end_handle: "Clip end",
        no_timeline: "The waveform and filmstrip are still being prepared; you can edit without them.",
        limits: "A clip runs 15 to {max} seconds, inside the video. Handles snap to words and pauses; hold Alt or Shift to move them freely.",
        length: "Length",
        cut_total: "cut",
        transcript: "Clip text",
        transcript_hint: "Select words (click, Shift+click) and press Delete to cut them. Double-click a word to fix it.",
        cut: "Cut",
        restore: "Restore",
        fillers: "Remove filler words",
        no_fillers: "No filler words found",
        fix: "Fix the word",
        fix_apply: "Apply",
        split_line: "Start a new caption line here",
        merge_line: "Join the line above",
        captions: "Captions",
        preset: "Style",
        size: "Size",
        position: "Position",
        position_names: ["Top", "Middle", "Bottom"],
        colour: "Text colour",
        highlight: "Highlight colour",
        preview: "Preview",
        play: "Play",
        pause: "Pause",
        undo: "Undo",
        redo: "Redo",
        save: "Save and render",
        saving: "Saving…",
        rendering: "The clip is rendering again. The previous version stays available until the new one is ready.",
        rendered: "The new version of the clip is ready.",
        open_clip: "Open the clip",
        unsaved: "You have unsaved changes. Leave the page?",
        shortcuts: "Space — play and pause · J / K / L — back, stop, forward · ← / → — one frame · [ and ] — start and end at the playhead · Ctrl+Z / Ctrl+Shift+Z — undo and redo",
    },
    keys: KeysText {
        title: "AI keys",
        intro: "Your Cloud.ru, OpenAI, Gemini, Anthropic and OpenRouter keys stay in this browser only, encrypted with a vault password (AES-256-GCM, the key derived by PBKDF2 with 600,000 iterations). The password never goes to the server and is not your account password: if you forget it, add the keys again.",
        loading: "Opening the vault…",
        create_heading: "Create the vault",
        password: "Vault password",
        password_repeat: "Password again",
        password_hint: "At least 10 characters. Do not reuse your account password.",
        create: "Create",
        unlock_heading: "The vault is locked",
        unlock: "Unlock",
        unlocking: "Checking the password…",
        locked: "The vault is locked.",
        unlocked: "The vault is unlocked.",
        lock: "Lock now",
        provider: "Provider",
        key: "API key",
        save_key: "Save key",
        none_yet: "No keys yet: local models and the server's keys work without them.",
        remove: "Remove",
        auto_lock: "Lock after",
        minutes: |n| format!("{n} min without activity"),
        change_heading: "Change the vault password",
        new_password: "New password",
        change: "Change password",
        changed: "Password changed; every key was sealed again.",
        export: "Download a backup",
        import: "Restore from a backup",
        imported: "Backup restored. Unlock it with the password it was made with.",
        delete: "Delete the vault",
        delete_confirm: "Delete the vault and every key in it from this browser? This cannot be undone.",
        err_wrong_password: "Wrong vault password. Nothing was lost; try again.",
        err_corrupt: "The vault data is damaged. Restore it from a backup.",
        err_mismatch: "The passwords differ.",
        err_short: "A vault password has at least 10 characters.",
        err_empty_key: "Paste the key.",
        err_storage: "The browser refused the vault storage (IndexedDB). Is this a private window?",
        test: "Test key",
        test_results: |c| match c {
            crate::keys::KeyCheck::Valid => "The key works",
            crate::keys::KeyCheck::Refused => "Key refused: check it was copied whole and is not revoked",
            crate::keys::KeyCheck::OutOfQuota => "The key is valid but its balance or quota is used up",
            crate::keys::KeyCheck::Unavailable => "The provider did not answer; try again later",
        },
        in_use: "While the vault is open, your keys go encrypted with each new upload or link: only the worker can open them, and it deletes them when the video is done.",
        costs_heading: "Processing costs",
        stt_line: |model, minutes| format!("Transcription: {model}, {minutes} min of your plan"),
        llm_line: |calls, tokens, cost| format!("AI analysis: {calls} calls, {tokens} tokens, {cost}"),
        local_analyzer: "The local analyzer chose the moments, free of charge.",
        costs_pending: "Shown once the video is transcribed.",
        key_paid: |k| match k {
            crate::keys::KeyPaid::Local => "local model, no key",
            crate::keys::KeyPaid::Server => "the service's key",
            crate::keys::KeyPaid::User => "your key",
            crate::keys::KeyPaid::ServerAfterUserRefused => "the service's key: yours was refused",
            crate::keys::KeyPaid::ServerHandoffLost => {
                "the service's key: yours did not arrive (expired or did not open)"
            }
        },
    },
    analyzer: AnalyzerText {
        cues: [
            "opens with a question",
            "a bold claim up front",
            "a number",
            "speaks to the viewer",
            "a comfortable pace",
            "on the video's main topic",
        ],
        steady: "steady, self-contained passage",
        cta: "Follow for more clips like this",
    },
    platforms: PlatformsText {
        title: "Platforms",
        intro: "Connect the platforms to publish clips to. Tokens are stored encrypted on the server and never shown again. In a team, the owner and admins connect platforms; everyone allowed to publish can post.",
        telegram_about: "Clips are posted to your channel by your bot.",
        telegram_steps: [
            "Create a bot with @BotFather (/newbot) and copy its token.",
            "Add the bot to your channel as an administrator allowed to post messages.",
            "Paste the token and the channel's @name (or t.me/… link) below.",
        ],
        rutube_about: "Clips are uploaded to your Rutube channel and go public once Rutube has processed them.",
        rutube_steps: [
            "Open Rutube Studio → Settings → API.",
            "Create an access token and copy it.",
            "Paste the token below: we check it with Rutube.",
        ],
        api_token_label: "API token",
        dzen_about: "Dzen has no public upload API. The clip's publish panel has \"Prepare for Dzen\": download the file and paste the ready title, description and hashtags into Dzen's editor.",
        names: ["VK", "Rutube", "Dzen", "Telegram"],
        connected_as: |account| format!("Connected channel {account}"),
        publish_none: "No platforms connected.",
        dzen_prepare: "Prepare for Dzen",
        own_text: |p| format!("Own text for {p}"),
        vk_about: "Clips are uploaded to Videos on your page or in a community you manage.",
        vk_steps: [
            "Press \"Connect VK\" and allow ClipMaker to use your videos and communities in VK ID.",
            "Back here, choose where to post: your page or a community.",
        ],
        vk_connect: "Connect VK",
        vk_connected: "VK is connected.",
        vk_target_label: "Post to",
        vk_errors: [
            "Connecting VK is not set up here. Contact the service's administrator.",
            "You cancelled the access in VK ID. Nothing changed.",
            "The connection link expired or was opened in another browser. Start again.",
            "VK did not grant the access. Try again in a minute.",
            "Only the team's owner and admins connect platforms.",
        ],
        token_label: "Bot token",
        channel_label: "Channel",
        connect: "Connect",
        connecting: "Checking the bot…",
        test: "Test",
        disconnect: "Disconnect",
        disconnect_confirm: "Disconnect this platform? Its token is deleted and scheduled posts to it will not go out.",
        connected_to: |account, target| format!("{account} posts to {target}"),
        status: ["working", "needs reconnecting"],
        reconnect_note: |why| format!("The platform refused access: “{why}”. Check the bot and connect it again."),
        problems: [
            "This does not look like a bot token. Copy the whole token from @BotFather: digits, a colon and the key.",
            "The platform did not accept the token. Check it or connect the account again.",
            "Channel not found. Enter the channel's @name or t.me/… link and add the bot to the channel.",
            "No right to post. Make the bot an administrator of the channel allowed to post messages.",
            "The platform is not answering. Nothing changed; try again in a minute.",
        ],
        publish_problems: [
            "The clip is not ready yet: wait for its render to finish.",
            "This platform is not connected. Connect it in Settings → Platforms.",
            "This platform needs reconnecting. Open Settings → Platforms.",
            "Dzen has no upload API: download the file and the text and post them by hand.",
            "That time has passed. Pick a time in the future.",
            "Posts can be scheduled at most 90 days ahead.",
        ],
        too_large: |mb| {
            format!("The file is over {mb} MB, the most this platform takes. Shorten the clip or post it by hand.")
        },
        disconnected: "The platform was disconnected. Connect it again and retry.",
        publish_heading: "Publish",
        publish_to: "To:",
        post_title: "Title",
        post_description: "Description",
        post_hashtags: "Hashtags",
        post_when: "When (empty: now)",
        publish_now: "Publish",
        schedule: "Schedule",
        manage_platforms: "Connect platforms",
        publication_status: ["scheduled", "publishing", "published", "failed", "cancelled"],
        open_post: "Open the post",
        retry: "Retry",
    },
    analytics_page: AnalyticsText {
        intro: "Views, likes and shares of the clips published in the chosen period. Platforms send their numbers every 6 hours.",
        range_label: "Period",
        last_days: |n| format!("{n} {}", if n == 1 { "day" } else { "days" }),
        views: "Views",
        likes: "Likes",
        shares: "Shares",
        comments: "Comments",
        published_clips: "Clips published",
        without_stats_note: |n| {
            format!(
                "{n} Telegram {} counted as published but not in views: Telegram does not give bots post statistics.",
                if n == 1 { "post is" } else { "posts are" }
            )
        },
        by_platform_heading: "By platform",
        platform_columns: ["Platform", "Posts", "Views", "Likes", "Shares", "Comments"],
        platform_names: ["VK", "Rutube", "Dzen", "Telegram"],
        not_available: "not available",
        not_available_hint: "Telegram does not give bots the view counts of channel posts.",
        top_heading: "Top clips",
        top_empty: "No clips were published in this period.",
        chart_heading: "Views by day",
        chart_note: "Total views of the period's clips at the end of each day (UTC).",
        chart_label: |from, to| format!("Views from {from} to {to}"),
        point_title: |date, views| {
            format!(
                "{date}: {} {}",
                crate::group_digits(views.max(0) as u64),
                if views == 1 { "view" } else { "views" }
            )
        },
        number: |n| {
            if n < 0 { format!("−{}", crate::group_digits(n.unsigned_abs())) } else { crate::group_digits(n as u64) }
        },
        date: |y, m, d| {
            const MONTHS: [&str; 12] =
                ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            format!("{} {d}, {y}", MONTHS[(m.clamp(1, 12) - 1) as usize])
        },
        empty_title: "Nothing to count yet",
        empty_text: "Publish a clip to see its numbers here: views, likes and shares.",
        empty_action: "Go to clips",
        period_empty: "Nothing was published in this period. Choose a longer one.",
        export_csv: "Download CSV",
        csv_header: ["Clip", "Platform", "Link", "Published", "Views", "Likes", "Shares", "Comments"],
    },
    dashboard_page: DashboardText {
        greeting: |name| if name.is_empty() { "Welcome!".to_owned() } else { format!("Hello, {name}!") },
        intro: "Upload a long video: we find its best moments and turn them into vertical clips.",
        minutes: "Processing minutes",
        minutes_used_of: |used, of| format!("{used} of {of} min used"),
        minutes_used: |used| format!("{used} min used"),
        minutes_left: |left| format!("{left} min left"),
        minutes_unlimited: "Unlimited minutes",
        minutes_low: "You are running out of minutes: buy a pack or change your plan.",
        buy_minutes: "Plans and minutes",
        videos_processed: "Videos processed",
        clips_ready: "Clips ready",
        clips_published: "Clips published",
        views: "Views",
        checklist_title: "Getting started",
        checklist_progress: |done, all| format!("{done} of {all} done"),
        steps: [
            ("Confirm your email", "Open profile"),
            ("Upload your first video", "Upload"),
            ("Set up your AI key vault (optional)", "Set up keys"),
            ("Connect a platform to publish to", "Connect"),
        ],
        step_done: "done",
        add_video: "Add a video",
        recent_title: "Recent videos",
        all_videos: "All videos",
        recent_empty: "No videos yet. Drop a file above, paste a link, or try the demo video.",
        try_demo: "Try the demo video",
        best_title: "Best clips",
        all_clips: "All clips",
        best_empty: "Clips appear here once your first video is processed. That usually takes a few minutes.",
        score: |s| format!("{s} / 100"),
    },
    admin: AdminText {
        title: "Admin console",
        intro: "Users, job queues, AI costs and the log of operators' actions.",
        users_heading: "Users",
        search_label: "Email or name",
        filter_plan: "Plan",
        filter_status: "Status",
        filter_signed_up: "Signed up",
        any: "any",
        status_names: ["active", "email not confirmed", "blocked"],
        signed_up_names: ["in the last day", "in the last week", "in the last month"],
        apply: "Search",
        user_columns: ["Email", "Name", "Plan", "Status", "Signed up", "Minutes used"],
        operator_badge: "operator",
        no_users: "Nobody found. Change the search or the filters.",
        next_page: "Next",
        prev_page: "Back",
        open_user: "Open",
        videos: "Videos",
        clips: "Clips",
        minutes_consumed: "Minutes transcribed, all time",
        ai_cost: "AI cost",
        minutes_left: "Minutes left",
        extra_minutes: "Extra minutes",
        unlimited: "unlimited",
        sessions_heading: "Live sessions",
        no_sessions: "No live sessions.",
        session_times: |started, last| format!("signed in {started}, active {last}"),
        set_plan: "Change plan",
        grant_minutes: "Grant minutes",
        grant_button: "Grant",
        block: "Block",
        unblock: "Unblock",
        block_confirm: "Block this user? All their sessions end at once and they cannot sign in.",
        saved: "Saved.",
        err_self_block: "You cannot block yourself.",
        queues_heading: "Queues",
        queue_columns: ["Queue", "Waiting", "Running", "Delayed", "Dead"],
        dead_heading: "Failed jobs",
        dead_empty: "No failed jobs.",
        dead_columns: ["Queue", "Job", "Attempts", "Error", "When"],
        retry: "Retry",
        discard: "Discard",
        discard_confirm: "Discard this job without retrying it?",
        costs_heading: "AI cost, last 30 days",
        costs_empty: "No costs in the last 30 days.",
        cost_columns: ["Day", "Kind", "Provider", "Calls", "Minutes", "Amount"],
        kind_names: ["transcription", "LLM", "rendering"],
        audit_heading: "Audit log",
        audit_empty: "Operators have not changed anything yet.",
        audit_columns: ["When", "Operator", "Action", "User", "Details"],
        action_names: [
            "operator access granted",
            "operator access revoked",
            "plan changed",
            "minutes granted",
            "blocked",
            "unblocked",
            "job retried",
            "job discarded",
        ],
        command_line: "command line",
    },
    settings_page: SettingsText {
        intro: "Everything you can set up in your account, by area.",
        open: "Open",
        email_confirmed: "Email confirmed",
        email_unconfirmed: "Email not confirmed: uploads are off until it is",
        vault_states: [
            "Checking…",
            "No key vault yet: the local engines do the work",
            "Key vault set up and locked",
            "Key vault unlocked in this tab",
            "This browser cannot store keys (a private window?)",
        ],
        platforms_none: "No platforms connected",
        platforms_connected: |list| format!("Connected: {list}"),
        platforms_reconnect: "A platform needs reconnecting",
        no_team: "You are not in a team",
        plan: |name| format!("{name} plan"),
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals() {
        let f = |n| plural_ru(n, "день", "дня", "дней");
        assert_eq!(f(1), "день");
        assert_eq!(f(3), "дня");
        assert_eq!(f(11), "дней");
        assert_eq!(f(21), "день");
        assert_eq!(f(30), "дней");
        assert_eq!(f(90), "дней");
        assert_eq!(f(102), "дня");
        assert_eq!(f(112), "дней");
    }

    #[test]
    fn cookie_header_parsing_defaults_to_russian() {
        assert_eq!(Lang::from_cookie_header(""), Lang::Ru);
        assert_eq!(Lang::from_cookie_header("a=1; lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("lang=EN"), Lang::En);
        assert_eq!(Lang::from_cookie_header("lang=de"), Lang::Ru);
        assert_eq!(Lang::from_cookie_header("xlang=en"), Lang::Ru);
    }

    #[test]
    fn formatted_entries_agree_in_number() {
        assert_eq!((RU.storage_days)(3), "Хранение 3 дня");
        assert_eq!((RU.minutes_per_month)(1000), "1\u{202F}000 минут в месяц");
        assert_eq!((EN.minutes_per_month)(1000), "1\u{202F}000 minutes a month");
        assert_eq!((RU.clips_per_video)(3), "До 3 клипов из видео");
        assert_eq!((EN.storage_days)(1), "Files kept for 1 day");
        assert_eq!((EN.minutes_per_month)(30), "30 minutes a month");
    }

    #[test]
    fn dictionaries_differ_where_they_should() {
        // A copy-pasted dictionary would show Russian to English users; the headings must differ.
        assert_ne!(RU.hero_title, EN.hero_title);
        assert_ne!(RU.videos.title, EN.videos.title);
        assert_ne!(RU.switch_language, EN.switch_language);
    }
}
