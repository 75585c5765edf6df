//! Server functions for accounts. Each one extracts who is asking, authorises, calls a `backend` service and returns
//! a DTO from `domain`; failures are an [`ApiError`] the UI translates.

use domain::{
    Dict, Lang, LlmStrategy,
    account::{Me, PasswordError},
};
use leptos::{
    prelude::*,
    server_fn::{codec::JsonEncoding, error::FromServerFnError},
};
use serde::{Deserialize, Serialize};

/// Why a server function failed, in terms the UI can translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiError {
    /// Nobody is signed in (or the session ended): the UI sends the user to `/login`.
    Unauthenticated,
    /// The email address is malformed.
    InvalidEmail,
    /// The password breaks the policy.
    Password(PasswordError),
    /// Registration with a taken address.
    EmailTaken,
    /// Wrong email or password.
    InvalidCredentials,
    /// Too many attempts.
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// Unknown link.
    TokenInvalid,
    /// Expired link.
    TokenExpired,
    /// Used link.
    TokenUsed,
    /// Name too long.
    NameTooLong,
    /// A value outside what the form offers.
    BadInput,
    /// The video (or other row) does not exist or is not the user's.
    NotFound,
    /// The user sees the row, but their team role does not allow the change.
    Forbidden,
    /// A team operation was refused.
    Team(domain::teams::TeamProblem),
    /// An upload was refused.
    Upload(domain::upload::UploadProblem),
    /// The clip is being rendered; the change can wait until it is done.
    ClipBusy,
    /// A payment could not be started.
    Billing(domain::billing::BillingProblem),
    /// A platform could not be connected or tested.
    Connect(domain::publish::ConnectProblem),
    /// A clip could not be published.
    Publish(domain::publish::PublishProblem),
    /// The account is blocked by an operator.
    Blocked,
    /// An operator tried to block themselves.
    SelfBlock,
    /// A server-side failure (details are in the server log).
    Internal,
    /// The request did not reach the server or the reply was unreadable.
    Transport(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En.dict()))
    }
}

impl ApiError {
    /// The message to show, in the dictionary's language.
    pub fn message(&self, t: &Dict) -> String {
        let a = &t.auth;
        match self {
            ApiError::Unauthenticated => a.err_unauthenticated.into(),
            ApiError::InvalidEmail => a.err_email_invalid.into(),
            ApiError::Password(PasswordError::TooShort) => a.err_password_short.into(),
            ApiError::Password(PasswordError::TooLong) => a.err_password_long.into(),
            ApiError::Password(PasswordError::TooCommon) => a.err_password_common.into(),
            ApiError::EmailTaken => a.err_email_taken.into(),
            ApiError::InvalidCredentials => a.err_credentials.into(),
            ApiError::RateLimited { retry_after_secs } => (a.err_rate_limited)(*retry_after_secs),
            ApiError::TokenInvalid => a.err_token_invalid.into(),
            ApiError::TokenExpired => a.err_token_expired.into(),
            ApiError::TokenUsed => a.err_token_used.into(),
            ApiError::NameTooLong => a.err_name_long.into(),
            ApiError::BadInput => a.err_bad_input.into(),
            ApiError::NotFound => t.video_list.err_not_found.into(),
            ApiError::Forbidden => t.teams.err_forbidden.into(),
            ApiError::Team(p) => t.teams.problem(*p),
            ApiError::Upload(p) => t.video_list.upload_errors[p.index()].into(),
            ApiError::ClipBusy => t.video_clips.err_busy.into(),
            ApiError::Billing(p) => {
                let b = &t.billing_page;
                match p {
                    domain::billing::BillingProblem::NotConfigured => b.err_not_configured.into(),
                    domain::billing::BillingProblem::Unavailable => b.err_unavailable.into(),
                    domain::billing::BillingProblem::Refused => b.err_refused.into(),
                }
            }
            ApiError::Connect(p) => t.platforms.problems[p.index()].into(),
            ApiError::Publish(p) => t.platforms.publish_problems[p.index()].into(),
            ApiError::Blocked => a.err_blocked.into(),
            ApiError::SelfBlock => t.admin.err_self_block.into(),
            ApiError::Internal => a.err_internal.into(),
            ApiError::Transport(_) => a.err_network.into(),
        }
    }

    /// The form field the error belongs to, for inline display.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ApiError::InvalidEmail | ApiError::EmailTaken => Some("email"),
            ApiError::Password(_) => Some("password"),
            ApiError::NameTooLong => Some("name"),
            _ => None,
        }
    }
}

/// What registration tells the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterOutcome {
    /// The address still needs confirming.
    pub needs_verification: bool,
    /// The confirmation email went out.
    pub mail_sent: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use backend::{
        AppState,
        accounts::{
            AccountError, ClientInfo,
            web::{ClientIp, CurrentUser, clear_cookies, read_cookie, refresh_cookie, session_cookies},
        },
    };
    use http::{HeaderValue, StatusCode, header, request::Parts};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use uuid::Uuid;

    use super::ApiError;

    pub fn state() -> Result<AppState, ApiError> {
        use_context::<AppState>().ok_or(ApiError::Internal)
    }

    fn parts() -> Option<Parts> {
        use_context::<Parts>()
    }

    pub fn client() -> ClientInfo {
        let parts = parts();
        ClientInfo {
            ip: parts.as_ref().and_then(|p| p.extensions.get::<ClientIp>()).map(|c| c.0.to_string()),
            user_agent: parts
                .as_ref()
                .and_then(|p| p.headers.get(header::USER_AGENT))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// The signed-in user, as the session middleware found them.
    pub fn user() -> Option<Uuid> {
        parts().and_then(|p| p.extensions.get::<CurrentUser>().copied()).and_then(|c| c.0)
    }

    /// The signed-in user, or 401 Unauthenticated.
    pub fn require_user() -> Result<Uuid, ApiError> {
        user().ok_or_else(|| fail(ApiError::Unauthenticated))
    }

    /// The signed-in user with their team (what they may see and do), or 401 Unauthenticated.
    pub async fn require_actor(state: &AppState) -> Result<backend::teams::Actor, ApiError> {
        let user = require_user()?;
        backend::teams::actor(state, user).await.map_err(internal)
    }

    impl From<backend::teams::AccessError> for ApiError {
        fn from(e: backend::teams::AccessError) -> Self {
            use backend::teams::{AccessError as E, Denied};
            match e {
                E::Denied(Denied::NotFound) => fail(ApiError::NotFound),
                E::Denied(Denied::Forbidden) => fail(ApiError::Forbidden),
                E::Internal(e) => internal(e),
            }
        }
    }

    pub fn refresh_cookie_value(state: &AppState) -> Option<String> {
        let parts = parts()?;
        let cookies = parts.headers.get(header::COOKIE)?.to_str().ok()?;
        read_cookie(cookies, refresh_cookie(&state.config)).map(str::to_owned)
    }

    fn set_header(name: header::HeaderName, value: &str) {
        if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
            res.append_header(name, v);
        }
    }

    /// Remembers the UI language in the same cookie the language switch writes.
    pub fn set_lang_cookie(lang: domain::Lang) {
        set_header(
            header::SET_COOKIE,
            &format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", domain::Lang::COOKIE, lang.code()),
        );
    }

    pub fn set_session(state: &AppState, tokens: &backend::accounts::Tokens) {
        for c in session_cookies(&state.config, tokens) {
            set_header(header::SET_COOKIE, &c);
        }
    }

    pub fn clear_session(state: &AppState) {
        for c in clear_cookies(&state.config) {
            set_header(header::SET_COOKIE, &c);
        }
    }

    /// Sets the HTTP status that goes with an error and returns it.
    pub fn fail(e: ApiError) -> ApiError {
        let status = match &e {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited { retry_after_secs } => {
                set_header(header::RETRY_AFTER, &retry_after_secs.to_string());
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::EmailTaken => StatusCode::CONFLICT,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Forbidden | ApiError::Blocked => StatusCode::FORBIDDEN,
            ApiError::Internal | ApiError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        if let Some(res) = use_context::<ResponseOptions>() {
            res.set_status(status);
        }
        e
    }

    /// The analytics period a request asks for (the last `days` days, or `from`–`to` in Unix seconds; the last 30
    /// days by default); an impossible one is 422.
    pub fn period(
        days: Option<u32>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<domain::analytics::Period, ApiError> {
        domain::analytics::Period::resolve(days, from, to, chrono::Utc::now().timestamp())
            .map_err(|_| fail(ApiError::BadInput))
    }

    /// A row id sent by the browser; anything that is not a UUID cannot name a row (404).
    pub fn id(s: &str) -> Result<Uuid, ApiError> {
        Uuid::parse_str(s).map_err(|_| fail(ApiError::NotFound))
    }

    /// The sealed keys the browser sent with this request ([`vault::handoff::HEADER`]), if any. Never logged.
    pub fn handoff_header() -> Option<String> {
        parts()?.headers.get(vault::handoff::HEADER)?.to_str().ok().map(str::to_owned)
    }

    /// Logs an unexpected failure with its chain and returns [`ApiError::Internal`].
    pub fn internal(e: anyhow::Error) -> ApiError {
        tracing::error!(error = format!("{e:#}"), "server function failed");
        fail(ApiError::Internal)
    }

    /// Counts one hit of `limit` for `subject`; refuses with 429 when the limit is reached.
    pub async fn check_rate(
        state: &AppState,
        limit: &backend::ratelimit::Limit,
        subject: &str,
    ) -> Result<(), ApiError> {
        match backend::ratelimit::over(&state.redis, limit, subject).await {
            None => Ok(()),
            Some(wait) => Err(fail(ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) })),
        }
    }

    impl From<backend::uploads::UploadError> for ApiError {
        fn from(e: backend::uploads::UploadError) -> Self {
            use backend::uploads::UploadError as E;
            use domain::upload::UploadProblem as P;
            match e {
                E::NotVerified => fail(ApiError::Upload(P::NotVerified)),
                E::Forbidden => fail(ApiError::Forbidden),
                E::Media(m) => fail(ApiError::Upload(m.into())),
                E::BadSize { .. } | E::BadPart(_) => fail(ApiError::Upload(P::BadSize)),
                E::Incomplete { .. } => fail(ApiError::Upload(P::Incomplete)),
                E::BadUrl => fail(ApiError::Upload(P::BadUrl)),
                E::RateLimited { retry_after_secs } => fail(ApiError::RateLimited { retry_after_secs }),
                E::NotFound => fail(ApiError::NotFound),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<backend::billing::BillingError> for ApiError {
        fn from(e: backend::billing::BillingError) -> Self {
            use backend::billing::BillingError as E;
            use domain::billing::BillingProblem as P;
            match e {
                E::NotConfigured => fail(ApiError::Billing(P::NotConfigured)),
                E::BadInput => fail(ApiError::BadInput),
                E::NotFound => fail(ApiError::NotFound),
                E::Unavailable => fail(ApiError::Billing(P::Unavailable)),
                E::Refused(_) => fail(ApiError::Billing(P::Refused)),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<backend::platforms::ConnectError> for ApiError {
        fn from(e: backend::platforms::ConnectError) -> Self {
            use backend::platforms::ConnectError as E;
            match e {
                E::NotFound => fail(ApiError::NotFound),
                E::Forbidden => fail(ApiError::Forbidden),
                E::Problem(p) => fail(ApiError::Connect(p)),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<backend::publish::PublishError> for ApiError {
        fn from(e: backend::publish::PublishError) -> Self {
            use backend::publish::PublishError as E;
            match e {
                E::NotFound => fail(ApiError::NotFound),
                E::Forbidden => fail(ApiError::Forbidden),
                E::BadInput => fail(ApiError::BadInput),
                E::Problem(p) => fail(ApiError::Publish(p)),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<backend::clips::ClipEditError> for ApiError {
        fn from(e: backend::clips::ClipEditError) -> Self {
            use backend::clips::ClipEditError as E;
            match e {
                E::NotFound => fail(ApiError::NotFound),
                E::Forbidden => fail(ApiError::Forbidden),
                E::BadInput => fail(ApiError::BadInput),
                E::Busy => fail(ApiError::ClipBusy),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<backend::admin::AdminError> for ApiError {
        fn from(e: backend::admin::AdminError) -> Self {
            use backend::admin::AdminError as E;
            match e {
                E::NotFound => fail(ApiError::NotFound),
                E::BadInput => fail(ApiError::BadInput),
                E::SelfBlock => fail(ApiError::SelfBlock),
                E::Internal(e) => internal(e),
            }
        }
    }

    impl From<AccountError> for ApiError {
        fn from(e: AccountError) -> Self {
            fail(match e {
                AccountError::InvalidEmail => ApiError::InvalidEmail,
                AccountError::Password(p) => ApiError::Password(p),
                AccountError::EmailTaken => ApiError::EmailTaken,
                AccountError::InvalidCredentials => ApiError::InvalidCredentials,
                AccountError::RateLimited { retry_after_secs } => ApiError::RateLimited { retry_after_secs },
                AccountError::TokenInvalid | AccountError::SessionReused => ApiError::TokenInvalid,
                AccountError::TokenExpired => ApiError::TokenExpired,
                AccountError::TokenUsed => ApiError::TokenUsed,
                AccountError::NameTooLong => ApiError::NameTooLong,
                AccountError::UnknownCaptionStyle | AccountError::BadClipPreferences => ApiError::BadInput,
                AccountError::Blocked => ApiError::Blocked,
                AccountError::Internal(e) => {
                    tracing::error!(error = format!("{e:#}"), "account operation failed");
                    ApiError::Internal
                }
            })
        }
    }
}

/// The signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "user/me")]
pub async fn get_me() -> Result<Option<Me>, ApiError> {
    let state = ssr::state()?;
    match ssr::user() {
        Some(id) => Ok(backend::accounts::me(&state, id).await?),
        None => Ok(None),
    }
}

/// Creates an account; the UI's language becomes the account's and the email's.
#[server(prefix = "/api", endpoint = "auth/register")]
pub async fn register(email: String, password: String, name: String, lang: Lang) -> Result<RegisterOutcome, ApiError> {
    let state = ssr::state()?;
    backend::accounts::check_auth_rate(&state, &ssr::client(), &format!("register:{}", email.trim())).await?;
    let r = backend::accounts::register(
        &state,
        backend::accounts::Registration { email: &email, password: &password, name: &name, lang },
        chrono::Utc::now(),
    )
    .await?;
    Ok(RegisterOutcome { needs_verification: r.needs_verification, mail_sent: r.mail_sent })
}

/// Signs in and sets the session cookies.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(email: String, password: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let tokens = backend::accounts::login(&state, &email, &password, &ssr::client(), chrono::Utc::now()).await?;
    ssr::set_session(&state, &tokens);
    Ok(())
}

/// Signs this device out.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), ApiError> {
    let state = ssr::state()?;
    if let Some(refresh) = ssr::refresh_cookie_value(&state) {
        backend::accounts::logout(&state, &refresh, chrono::Utc::now()).await?;
    }
    ssr::clear_session(&state);
    Ok(())
}

/// Signs the user out on every device, this one included.
#[server(prefix = "/api", endpoint = "auth/logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::accounts::logout_everywhere(&state, user, chrono::Utc::now()).await?;
    ssr::clear_session(&state);
    Ok(())
}

/// Confirms the email address from the link's token.
#[server(prefix = "/api", endpoint = "auth/verify-email")]
pub async fn verify_email(token: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    backend::accounts::verify_email(&state, &token, chrono::Utc::now()).await?;
    Ok(())
}

/// Sends the confirmation email again.
#[server(prefix = "/api", endpoint = "auth/resend-verification")]
pub async fn resend_verification() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::accounts::resend_verification(&state, user, chrono::Utc::now()).await?;
    Ok(())
}

/// Emails a reset link if the address has an account (same answer either way).
#[server(prefix = "/api", endpoint = "auth/forgot-password")]
pub async fn forgot_password(email: String, lang: Lang) -> Result<(), ApiError> {
    let state = ssr::state()?;
    backend::accounts::request_password_reset(&state, &email, lang, &ssr::client(), chrono::Utc::now()).await?;
    Ok(())
}

/// Sets a new password from a reset link.
#[server(prefix = "/api", endpoint = "auth/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    backend::accounts::reset_password(&state, &token, &password, &ssr::client(), chrono::Utc::now()).await?;
    Ok(())
}

/// Changes the display name.
#[server(prefix = "/api", endpoint = "user/update-profile")]
pub async fn update_profile(name: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::accounts::update_profile(&state, user, &name).await?;
    Ok(())
}

/// Changes language, AI strategy and default caption style.
#[server(prefix = "/api", endpoint = "user/update-settings")]
pub async fn update_settings(
    ui_language: Lang,
    llm_strategy: LlmStrategy,
    caption_style: String,
) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::accounts::update_settings(&state, user, ui_language, llm_strategy, &caption_style).await?;
    ssr::set_lang_cookie(ui_language);
    Ok(())
}

/// Sets how many clips analysis picks per video (`auto` or a number up to the plan's limit) and their length range
/// (`15-60`, …) for the user's next videos.
#[server(prefix = "/api", endpoint = "user/clip-preferences")]
pub async fn update_clip_preferences(clip_count: String, clip_length: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::accounts::update_clip_preferences(&state, user, &clip_count, &clip_length).await?;
    Ok(())
}

/// Whether "Log in with VK ID" works on this server.
#[server(prefix = "/api", endpoint = "auth/vk-enabled")]
pub async fn vk_enabled() -> Result<bool, ApiError> {
    Ok(ssr::state()?.config.vk.enabled())
}

/// The signed-in user's videos, newest first, a page at a time (`domain`'s page size, 24): the first page, or the
/// page after the video `before`.
#[server(prefix = "/api", endpoint = "videos/list")]
pub async fn list_videos(before: Option<String>) -> Result<Vec<domain::videos::VideoCard>, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let before = match before.filter(|b| !b.is_empty()) {
        Some(b) => Some(ssr::id(&b)?),
        None => None,
    };
    backend::videos::list_for_user(&state, &actor, before).await.map_err(ssr::internal)
}

/// Starts the demo: a sample video is generated, stored and probed by the worker while the page shows progress.
/// Counts against the upload limit (10 an hour).
#[server(prefix = "/api", endpoint = "videos/demo")]
pub async fn start_demo_video(lang: Lang) -> Result<domain::videos::VideoCard, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let user = actor.user_id;
    let demo = backend::ratelimit::Limit::per_hour("demo", state.config.limits.demo_per_hour);
    ssr::check_rate(&state, &demo, &user.to_string()).await?;
    ssr::check_rate(&state, &backend::ratelimit::Limit::UPLOADS_PER_USER, &user.to_string()).await?;
    if !actor.may_here(domain::Action::Upload) {
        return Err(ssr::fail(ApiError::Forbidden));
    }
    backend::videos::start_demo(&state, &actor, lang).await.map_err(ssr::internal)
}

/// What the browser needs to send an upload's parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPlan {
    /// The new video's id.
    pub video_id: String,
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// Number of parts.
    pub part_count: u32,
    /// Parts go straight to S3: ask [`upload_part_url`] for each part's URL. Otherwise they are PUT to
    /// `/api/uploads/{video}/parts/{n}`.
    pub direct: bool,
}

/// Starts an upload: checks the type against the first bytes (`head`, up to `domain::media::SNIFF_BYTES`), the size,
/// the email confirmation and the upload limit (10 an hour), then creates the video and the multipart upload.
#[server(prefix = "/api", endpoint = "videos/upload/start", input = server_fn::codec::Json)]
pub async fn upload_start(filename: String, mime: String, size: u64, head: Vec<u8>) -> Result<UploadPlan, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let s = backend::uploads::start(&state, &actor, &filename, &mime, size, &head).await?;
    Ok(UploadPlan {
        video_id: s.video_id.to_string(),
        part_size: s.part_size,
        part_count: s.part_count,
        direct: s.direct,
    })
}

/// A presigned URL to PUT part `part` (1-based) of the upload straight to S3, valid for an hour. Counts against
/// the upload-parts budget (`RATE_UPLOAD_PARTS_PER_HOUR`).
#[server(prefix = "/api", endpoint = "videos/upload/part-url")]
pub async fn upload_part_url(video_id: String, part: u32) -> Result<String, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    ssr::check_rate(&state, &backend::uploads::parts_limit(&state.config), &user.to_string()).await?;
    Ok(backend::uploads::presign_part(&state, user, ssr::id(&video_id)?, part).await?)
}

/// The part numbers already stored, for resuming after a reload or a dropped connection.
#[server(prefix = "/api", endpoint = "videos/upload/parts")]
pub async fn upload_parts(video_id: String) -> Result<Vec<u32>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::uploads::stored_parts(&state, user, ssr::id(&video_id)?).await?)
}

/// Assembles the stored parts and checks the stored file; the video moves on to processing. Sealed keys in the
/// [`vault::handoff::HEADER`] header (see [`HandoffClient`]) are kept for the job.
#[server(prefix = "/api", endpoint = "videos/upload/complete", client = HandoffClient)]
pub async fn upload_complete(video_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let id = ssr::id(&video_id)?;
    backend::handoff::accept(&state, user, id, ssr::handoff_header().as_deref()).await.map_err(ssr::internal)?;
    Ok(backend::uploads::complete(&state, user, id).await?)
}

/// Cancels an upload: the stored parts and the video are removed.
#[server(prefix = "/api", endpoint = "videos/upload/abort")]
pub async fn upload_abort(video_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::uploads::abort(&state, user, ssr::id(&video_id)?).await?)
}

/// Imports a video from a public http(s) link: the worker downloads it (size-capped, SSRF-checked on every redirect).
/// Counts against the upload limit (10 an hour). Sealed keys in the header are kept for the job.
#[server(prefix = "/api", endpoint = "videos/import", client = HandoffClient)]
pub async fn import_url(url: String) -> Result<domain::videos::VideoCard, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let fetch = state.config.jobs.safe_fetch();
    let card = backend::videos::import_url(&state, &actor, &url, &fetch).await?;
    let id = ssr::id(&card.id)?;
    backend::handoff::accept(&state, actor.user_id, id, ssr::handoff_header().as_deref())
        .await
        .map_err(ssr::internal)?;
    Ok(card)
}

/// The server's key hand-off public key (X25519, base64url): what the browser seals a job's keys to.
#[server(prefix = "/api", endpoint = "vault/handoff-key")]
pub async fn handoff_key() -> Result<String, ApiError> {
    let state = ssr::state()?;
    ssr::require_user()?;
    Ok(backend::handoff::public_key(&state.config.handoff))
}

/// Tests the key for `provider` sealed in the header (see [`HandoffClient`]) with one minimal call to the provider,
/// then forgets it.
#[server(prefix = "/api", endpoint = "vault/test-key", client = HandoffClient)]
pub async fn test_key(provider: String) -> Result<domain::keys::KeyCheck, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    ssr::check_rate(&state, &backend::ai::test_limit(), &user.to_string()).await?;
    let header = ssr::handoff_header().ok_or_else(|| ssr::fail(ApiError::BadInput))?;
    let keys = backend::handoff::open_now(&state.config.handoff, user, &header)
        .ok_or_else(|| ssr::fail(ApiError::BadInput))?;
    let key = keys.iter().find(|k| k.provider == provider).ok_or_else(|| ssr::fail(ApiError::BadInput))?;
    let secret = backend::config::Secret(key.key.clone());
    drop(keys);
    Ok(backend::ai::probe(&state.config.llm, &provider, &secret).await)
}

/// The client of server functions that may carry sealed keys: it sends the value set by [`send_keys_with_next`] in
/// the [`vault::handoff::HEADER`] header of the next request, then forgets it. Otherwise the browser's `fetch`
/// client.
pub struct HandoffClient;

thread_local! {
    static PENDING_KEYS: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Sends `sealed` (a [`vault::handoff::HEADER`] value) with the next request of a server function that uses
/// [`HandoffClient`]; `None` sends none.
pub fn send_keys_with_next(sealed: Option<String>) {
    PENDING_KEYS.with(|p| *p.borrow_mut() = sealed);
}

impl<E, IS, OS> leptos::server_fn::client::Client<E, IS, OS> for HandoffClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request =
        <leptos::server_fn::client::browser::BrowserClient as leptos::server_fn::client::Client<E, IS, OS>>::Request;
    type Response =
        <leptos::server_fn::client::browser::BrowserClient as leptos::server_fn::client::Client<E, IS, OS>>::Response;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(value) = PENDING_KEYS.with(|p| p.borrow_mut().take()) {
            req.headers().set(vault::handoff::HEADER, &value);
        }
        <leptos::server_fn::client::browser::BrowserClient as leptos::server_fn::client::Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<leptos::server_fn::Bytes, leptos::server_fn::Bytes>> + Send + 'static,
                impl futures::Sink<leptos::server_fn::Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <leptos::server_fn::client::browser::BrowserClient as leptos::server_fn::client::Client<E, IS, OS>>::open_websocket(
            path,
        )
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <leptos::server_fn::client::browser::BrowserClient as leptos::server_fn::client::Client<E, IS, OS>>::spawn(
            future,
        )
    }
}

/// One of the user's videos with its source details.
#[server(prefix = "/api", endpoint = "videos/get")]
pub async fn get_video(video_id: String) -> Result<domain::videos::VideoDetail, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    backend::videos::detail_for_user(&state, &actor, ssr::id(&video_id)?)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::fail(ApiError::NotFound))
}

/// The transcript of one of the user's videos; `None` until it is transcribed.
#[server(prefix = "/api", endpoint = "videos/transcript")]
pub async fn get_transcript(video_id: String) -> Result<Option<domain::transcript::Transcript>, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    Ok(backend::transcripts::for_user(&state, &actor, ssr::id(&video_id)?).await?)
}

/// The clips of one of the user's videos, best first.
#[server(prefix = "/api", endpoint = "videos/clips")]
pub async fn list_video_clips(video_id: String) -> Result<Vec<domain::analysis::ClipCard>, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    Ok(backend::clips::for_video(&state, &actor, ssr::id(&video_id)?).await?)
}

/// The user's clips for the Clips page: `sort` is `score` or `newest`; `status` a clip status, or empty for all.
#[server(prefix = "/api", endpoint = "clips/list")]
pub async fn list_clips(sort: String, status: String) -> Result<Vec<domain::analysis::ClipDetail>, ApiError> {
    use domain::TextEnum as _;
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let status = match status.as_str() {
        "" | "all" => None,
        s => Some(domain::ClipStatus::parse(s).map_err(|_| ssr::fail(ApiError::BadInput))?),
    };
    backend::clips::list_for_user(&state, &actor, domain::analysis::ClipSort::parse(&sort), status)
        .await
        .map_err(ssr::internal)
}

/// One of the user's clips.
#[server(prefix = "/api", endpoint = "clips/get")]
pub async fn get_clip(clip_id: String) -> Result<domain::analysis::ClipDetail, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    backend::clips::detail_for_user(&state, &actor, ssr::id(&clip_id)?)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::fail(ApiError::NotFound))
}

/// What the clip editor opens with: the clip, its saved edit, the transcript's words, the limits and the timeline
/// media (asked for again when missing).
#[server(prefix = "/api", endpoint = "clips/editor")]
pub async fn clip_editor(clip_id: String) -> Result<domain::analysis::EditorData, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    backend::editor::open(&state, &actor, ssr::id(&clip_id)?)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::fail(ApiError::NotFound))
}

/// Saves the editor's edit (a `domain::edit::ClipEdit` as JSON) and renders the clip again; the previous render
/// stays playable until the new one is ready. Counted with re-styles.
#[server(prefix = "/api", endpoint = "clips/save-edit")]
pub async fn save_clip_edit(clip_id: String, edit: String) -> Result<domain::analysis::ClipCard, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let budget = backend::ratelimit::Limit::per_hour("restyle", state.config.limits.restyle_per_hour);
    ssr::check_rate(&state, &budget, &actor.user_id.to_string()).await?;
    let edit: domain::edit::ClipEdit = serde_json::from_str(&edit).map_err(|_| ssr::fail(ApiError::BadInput))?;
    Ok(backend::editor::save(&state, &actor, ssr::id(&clip_id)?, edit).await?)
}

/// Changes a clip's title and call to action.
#[server(prefix = "/api", endpoint = "clips/update")]
pub async fn update_clip(clip_id: String, title: String, cta: String) -> Result<domain::analysis::ClipCard, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    Ok(backend::clips::update_texts(&state, &actor, ssr::id(&clip_id)?, &title, &cta).await?)
}

/// Changes a finished clip's caption style and layout and renders it again.
#[server(prefix = "/api", endpoint = "clips/restyle")]
pub async fn restyle_clip(
    clip_id: String,
    style: String,
    layout: String,
) -> Result<domain::analysis::ClipCard, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let user = actor.user_id;
    let budget = backend::ratelimit::Limit::per_hour("restyle", state.config.limits.restyle_per_hour);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    Ok(backend::clips::restyle(&state, &actor, ssr::id(&clip_id)?, &style, &layout).await?)
}

/// Where the browser downloads a ready clip (`clip.getDownloadUrl`): a presigned storage URL valid for an hour in
/// production, the app's own authorised stream in development (`USE_S3_PROXY`).
#[server(prefix = "/api", endpoint = "clips/download-url")]
pub async fn clip_download_url(clip_id: String) -> Result<String, ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    let id = ssr::id(&clip_id)?;
    let (key, name) = backend::clips::file_of(&state, &actor, id)
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::fail(ApiError::NotFound))?;
    if state.storage.use_proxy() {
        return Ok(format!("/api/clips/{id}/stream?download=1"));
    }
    state.storage.presign_download(&key, &name, std::time::Duration::from_secs(3600)).await.map_err(ssr::internal)
}

/// Deletes one of the user's videos with its files; a queued job for it then does nothing.
#[server(prefix = "/api", endpoint = "videos/delete")]
pub async fn delete_video(video_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let actor = ssr::require_actor(&state).await?;
    Ok(backend::videos::delete_for_user(&state, &actor, ssr::id(&video_id)?).await?)
}

#[cfg(feature = "ssr")]
impl From<backend::teams::TeamError> for ApiError {
    fn from(e: backend::teams::TeamError) -> Self {
        use backend::teams::TeamError as E;
        use domain::teams::{NameProblem, TeamProblem as P};
        ssr::fail(match e {
            E::NotFound => ApiError::NotFound,
            E::Forbidden => ApiError::Forbidden,
            E::Internal(e) => return ssr::internal(e),
            E::BadInput => ApiError::BadInput,
            E::Name(NameProblem::Empty) => ApiError::Team(P::NameEmpty),
            E::Name(NameProblem::TooLong) => ApiError::Team(P::NameTooLong),
            E::AlreadyInTeam => ApiError::Team(P::AlreadyInTeam),
            E::NoSeats { seats } => ApiError::Team(P::NoSeats { seats }),
            E::InviteInvalid => ApiError::Team(P::InviteInvalid),
            E::InviteExpired => ApiError::Team(P::InviteExpired),
            E::InviteUsedUp => ApiError::Team(P::InviteUsedUp),
            E::InviteRevoked => ApiError::Team(P::InviteRevoked),
            E::OwnerCannotLeave => ApiError::Team(P::OwnerCannotLeave),
        })
    }
}

/// Creates a team named `name` with the caller as owner (`team/create`). Needs a plan with team seats.
#[server(prefix = "/api", endpoint = "team/create")]
pub async fn team_create(name: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::teams::create(&state, user, &name).await?;
    Ok(())
}

/// The caller's team with its members, usage and (for admins and the owner) pending invites; `None` outside a team.
#[server(prefix = "/api", endpoint = "team/get")]
pub async fn team_get() -> Result<Option<domain::teams::TeamView>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::get(&state, user, chrono::Utc::now()).await?)
}

/// The members of the caller's team (`team/members`), owner first.
#[server(prefix = "/api", endpoint = "team/members")]
pub async fn team_members() -> Result<Vec<domain::teams::MemberView>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let team = backend::teams::get(&state, user, chrono::Utc::now()).await?;
    team.map(|t| t.members).ok_or_else(|| ssr::fail(ApiError::NotFound))
}

/// Renames the caller's team (admins and the owner).
#[server(prefix = "/api", endpoint = "team/rename")]
pub async fn team_rename(name: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::rename(&state, user, &name).await?)
}

/// Invites someone with `role`: by mail when `email` is given (one use), otherwise a shareable link that works
/// `days` days (default 7) and `max_uses` times. Returns the link, shown once.
#[server(prefix = "/api", endpoint = "team/invite")]
pub async fn team_invite(
    email: String,
    role: domain::TeamRole,
    days: Option<u32>,
    max_uses: Option<u32>,
) -> Result<domain::teams::CreatedInvite, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let req = backend::teams::InviteRequest {
        email: Some(email.as_str()).filter(|e| !e.trim().is_empty()),
        role,
        days: days.unwrap_or(domain::teams::INVITE_DAYS_DEFAULT),
        max_uses: max_uses.unwrap_or(1),
    };
    Ok(backend::teams::invite(&state, user, req, chrono::Utc::now()).await?)
}

/// Revokes a pending invite (admins and the owner).
#[server(prefix = "/api", endpoint = "team/revoke")]
pub async fn team_revoke(invite_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::revoke(&state, user, ssr::id(&invite_id)?, chrono::Utc::now()).await?)
}

/// What an invite link offers (the team, who invited, the role), or why it no longer works. Anyone with the link
/// may ask.
#[server(prefix = "/api", endpoint = "team/invite-preview")]
pub async fn team_invite_preview(token: String) -> Result<domain::teams::InvitePreview, ApiError> {
    let state = ssr::state()?;
    Ok(backend::teams::preview(&state, &token, chrono::Utc::now()).await?)
}

/// Joins the team of an invite link (`team/accept`).
#[server(prefix = "/api", endpoint = "team/accept")]
pub async fn team_accept(token: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::teams::accept(&state, user, &token, chrono::Utc::now()).await?;
    Ok(())
}

/// Gives a member another role (admins: members and viewers; the owner: anyone else).
#[server(prefix = "/api", endpoint = "team/role")]
pub async fn team_set_role(user_id: String, role: domain::TeamRole) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::set_role(&state, user, ssr::id(&user_id)?, role).await?)
}

/// Removes a member; what they made stays with the team.
#[server(prefix = "/api", endpoint = "team/remove")]
pub async fn team_remove(user_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::remove(&state, user, ssr::id(&user_id)?).await?)
}

/// Leaves the caller's team (not the owner: they transfer or delete it).
#[server(prefix = "/api", endpoint = "team/leave")]
pub async fn team_leave() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::leave(&state, user).await?)
}

/// Hands the team to another member (owner only); the caller becomes an admin.
#[server(prefix = "/api", endpoint = "team/transfer")]
pub async fn team_transfer(user_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::transfer(&state, user, ssr::id(&user_id)?).await?)
}

/// Deletes the team (owner only); each video returns to the member who made it.
#[server(prefix = "/api", endpoint = "team/delete")]
pub async fn team_delete() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::teams::delete(&state, user).await?)
}

/// The billing page's data: plan, minutes, the subscription, the saved card and the payment history.
#[server(prefix = "/api", endpoint = "billing/subscription")]
pub async fn billing_subscription() -> Result<domain::billing::BillingOverview, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::billing::overview(&state, user).await?)
}

/// What can be bought: the paid plans and the extra-minute packs with their prices, and whether checkout works.
#[server(prefix = "/api", endpoint = "billing/plans")]
pub async fn billing_plans() -> Result<domain::billing::Offers, ApiError> {
    let state = ssr::state()?;
    ssr::require_user()?;
    let cfg = &state.config.billing;
    Ok(domain::billing::Offers::new(cfg.minute_price_kopecks, cfg.enabled()))
}

/// Starts a payment: `purchase` is `plan:<id>` or `minutes:<n>`, `method` `card` (the reply names the payment page
/// to go to) or `sbp` (the reply carries the QR code).
#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn billing_checkout(purchase: String, method: String) -> Result<domain::billing::CheckoutStart, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let purchase = domain::billing::Purchase::from_code(&purchase).ok_or_else(|| ssr::fail(ApiError::BadInput))?;
    let method =
        <domain::PaymentMethod as domain::TextEnum>::parse(&method).map_err(|_| ssr::fail(ApiError::BadInput))?;
    let budget = backend::ratelimit::Limit::per_hour("checkout", 30);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    Ok(backend::billing::checkout(&state, user, purchase, method).await?)
}

/// Cancels the subscription at the end of the paid period.
#[server(prefix = "/api", endpoint = "billing/cancel")]
pub async fn billing_cancel() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::billing::cancel(&state, user).await?)
}

/// Undoes a cancellation before the period ends.
#[server(prefix = "/api", endpoint = "billing/reactivate")]
pub async fn billing_reactivate() -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::billing::reactivate(&state, user).await?)
}

/// A payment's status (asking YooKassa while it is pending): the SBP dialog polls it, the card flow checks it on
/// coming back.
#[server(prefix = "/api", endpoint = "billing/check-payment-status")]
pub async fn billing_check_payment_status(payment_id: String) -> Result<domain::PaymentStatus, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::billing::check_payment(&state, user, ssr::id(&payment_id)?).await?)
}

/// The workspace's platform connections (never their tokens).
#[server(prefix = "/api", endpoint = "platform/list")]
pub async fn platform_list() -> Result<Vec<domain::publish::Connection>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::platforms::list(&state, user).await?)
}

/// Connects a platform to the workspace. Telegram: `token` is the bot's token and `target` the channel (`@name`,
/// a t.me link or a numeric id); the bot must be an administrator allowed to post there. Rutube: `token` is the
/// channel's API token (`target` is unused).
#[server(prefix = "/api", endpoint = "platform/connect")]
pub async fn platform_connect(
    platform: String,
    token: String,
    target: String,
) -> Result<domain::publish::Connection, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let platform =
        <domain::Platform as domain::TextEnum>::parse(&platform).map_err(|_| ssr::fail(ApiError::BadInput))?;
    let budget = backend::ratelimit::Limit::per_hour("platform-connect", 30);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    match platform {
        domain::Platform::Telegram => Ok(backend::platforms::connect_telegram(&state, user, &token, &target).await?),
        domain::Platform::Rutube => Ok(backend::platforms::connect_rutube(&state, user, &token).await?),
        _ => Err(ssr::fail(ApiError::BadInput)),
    }
}

/// Where the workspace's VK connection may post: the user's page, then the communities they manage.
#[server(prefix = "/api", endpoint = "platform/vk-targets")]
pub async fn platform_vk_targets() -> Result<Vec<domain::publish::PostTarget>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let budget = backend::ratelimit::Limit::per_hour("platform-test", 60);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    Ok(backend::platforms::vk_targets(&state, user).await?)
}

/// Makes the workspace's VK connection post to `target` (an id from `platform/vk-targets`).
#[server(prefix = "/api", endpoint = "platform/vk-target")]
pub async fn platform_vk_target(target: String) -> Result<domain::publish::Connection, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::platforms::set_vk_target(&state, user, &target).await?)
}

/// Disconnects a platform from the workspace and deletes its tokens.
#[server(prefix = "/api", endpoint = "platform/disconnect")]
pub async fn platform_disconnect(platform: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let platform =
        <domain::Platform as domain::TextEnum>::parse(&platform).map_err(|_| ssr::fail(ApiError::BadInput))?;
    Ok(backend::platforms::disconnect(&state, user, platform).await?)
}

/// Checks a connection with its platform now and records the result (a refused token asks for reconnection).
#[server(prefix = "/api", endpoint = "platform/test-connection")]
pub async fn platform_test_connection(platform: String) -> Result<domain::publish::Connection, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let platform =
        <domain::Platform as domain::TextEnum>::parse(&platform).map_err(|_| ssr::fail(ApiError::BadInput))?;
    let budget = backend::ratelimit::Limit::per_hour("platform-test", 60);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    Ok(backend::platforms::test(&state, user, platform).await?)
}

/// Publishes a ready clip: `targets` is a JSON list of [`domain::publish::PublishTarget`] (platform and text), `at`
/// the Unix time to publish at (empty: now). Returns the publications created.
#[server(prefix = "/api", endpoint = "publish/publish")]
pub async fn publish_publish(
    clip_id: String,
    targets: String,
    at: Option<i64>,
) -> Result<Vec<domain::publish::PublicationView>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let clip = ssr::id(&clip_id)?;
    let targets: Vec<domain::publish::PublishTarget> =
        serde_json::from_str(&targets).map_err(|_| ssr::fail(ApiError::BadInput))?;
    let budget = backend::ratelimit::Limit::per_hour("publish", 120);
    ssr::check_rate(&state, &budget, &user.to_string()).await?;
    Ok(backend::publish::publish(&state, user, clip, &targets, at, chrono::Utc::now()).await?)
}

/// A clip's publications with their status, link and error, newest first.
#[server(prefix = "/api", endpoint = "publish/status")]
pub async fn publish_status(clip_id: String) -> Result<Vec<domain::publish::PublicationView>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::publish::status(&state, user, ssr::id(&clip_id)?).await?)
}

/// Tries a clip's latest failed publication on `platform` again.
#[server(prefix = "/api", endpoint = "publish/retry")]
pub async fn publish_retry(clip_id: String, platform: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let platform =
        <domain::Platform as domain::TextEnum>::parse(&platform).map_err(|_| ssr::fail(ApiError::BadInput))?;
    Ok(backend::publish::retry(&state, user, ssr::id(&clip_id)?, platform).await?)
}

/// The analytics overview cards of the caller's workspace for a period: `days` (the last N days up to today), or
/// `from` and `to` (Unix seconds, whole UTC days); the last 30 days when neither is given.
#[server(prefix = "/api", endpoint = "analytics/overview")]
pub async fn analytics_overview(
    days: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<domain::analytics::Overview, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let period = ssr::period(days, from, to)?;
    Ok(backend::analytics::overview(&state, user, period).await?)
}

/// The analytics figures per platform for a period (as [`analytics_overview`]); Telegram's are `null`.
#[server(prefix = "/api", endpoint = "analytics/by-platform")]
pub async fn analytics_by_platform(
    days: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<domain::analytics::PlatformFigures>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let period = ssr::period(days, from, to)?;
    Ok(backend::analytics::by_platform(&state, user, period).await?)
}

/// The clips published in a period with the most views (as [`analytics_overview`]), best first.
#[server(prefix = "/api", endpoint = "analytics/top-clips")]
pub async fn analytics_top_clips(
    days: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<domain::analytics::TopClip>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let period = ssr::period(days, from, to)?;
    Ok(backend::analytics::top_clips(&state, user, period).await?)
}

/// Total views at the end of each day of a period (as [`analytics_overview`]), one point per day.
#[server(prefix = "/api", endpoint = "analytics/timeline")]
pub async fn analytics_timeline(
    days: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<domain::analytics::DayViews>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let period = ssr::period(days, from, to)?;
    Ok(backend::analytics::timeline(&state, user, period).await?)
}

/// Everything the dashboard shows for the caller's workspace: the minutes meter, the counts, the recent videos, the
/// best clips and the first-run checklist.
#[server(prefix = "/api", endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<domain::dashboard::Dashboard, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    backend::dashboard::summary(&state, user).await.map_err(ssr::internal)
}

/// Admin console: one page of users (newest first) matching the search (email or name) and the filters (`plan`,
/// `status`, `signed_up` as in [`domain::admin`]; empty: any). Operators only; everyone else gets 404.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn admin_users(
    search: String,
    plan: String,
    status: String,
    signed_up: String,
    page: Option<u32>,
) -> Result<Vec<domain::admin::UserRow>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    // Anyone but an operator gets 404, whatever they send.
    backend::admin::is_operator(&state, user).await?.then_some(()).ok_or_else(|| ssr::fail(ApiError::NotFound))?;
    let bad = || ssr::fail(ApiError::BadInput);
    let filter = backend::admin::UserFilter {
        search,
        plan: match plan.as_str() {
            "" => None,
            p => Some(<domain::PlanId as domain::TextEnum>::parse(p).map_err(|_| bad())?),
        },
        status: match status.as_str() {
            "" => None,
            s => Some(domain::admin::UserStatus::parse(s).ok_or_else(bad)?),
        },
        signed_up: match signed_up.as_str() {
            "" => None,
            s => Some(domain::admin::SignedUp::parse(s).ok_or_else(bad)?),
        },
        page: page.unwrap_or(0),
    };
    Ok(backend::admin::users(&state, user, &filter, chrono::Utc::now()).await?)
}

/// Admin console: a user's detail (plan, minutes, videos, costs, live sessions).
#[server(prefix = "/api", endpoint = "admin/user")]
pub async fn admin_user(user_id: String) -> Result<domain::admin::UserDetail, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::user(&state, user, ssr::id(&user_id)?, chrono::Utc::now()).await?)
}

/// Admin console: moves a user to another plan.
#[server(prefix = "/api", endpoint = "admin/set-plan")]
pub async fn admin_set_plan(user_id: String, plan: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let target = ssr::id(&user_id)?;
    // Anyone but an operator gets 404, whatever they send.
    backend::admin::is_operator(&state, user).await?.then_some(()).ok_or_else(|| ssr::fail(ApiError::NotFound))?;
    let plan = <domain::PlanId as domain::TextEnum>::parse(&plan).map_err(|_| ssr::fail(ApiError::BadInput))?;
    Ok(backend::admin::set_plan(&state, user, target, plan).await?)
}

/// Admin console: grants a user extra minutes.
#[server(prefix = "/api", endpoint = "admin/grant-minutes")]
pub async fn admin_grant_minutes(user_id: String, minutes: u32) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::grant_minutes(&state, user, ssr::id(&user_id)?, minutes).await?)
}

/// Admin console: blocks a user; their sessions end at once and sign-in is refused.
#[server(prefix = "/api", endpoint = "admin/block")]
pub async fn admin_block(user_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::block(&state, user, ssr::id(&user_id)?, chrono::Utc::now()).await?)
}

/// Admin console: unblocks a user.
#[server(prefix = "/api", endpoint = "admin/unblock")]
pub async fn admin_unblock(user_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::unblock(&state, user, ssr::id(&user_id)?).await?)
}

/// Admin console: every queue's waiting, running, delayed and dead counts.
#[server(prefix = "/api", endpoint = "admin/queues")]
pub async fn admin_queues() -> Result<Vec<domain::admin::QueueRow>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::queues(&state, user).await?)
}

/// Admin console: the dead-letter lists, newest first.
#[server(prefix = "/api", endpoint = "admin/dead-jobs")]
pub async fn admin_dead_jobs() -> Result<Vec<domain::admin::DeadJob>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::dead_jobs(&state, user).await?)
}

/// Admin console: runs a dead job again from attempt 1; 404 when it is no longer dead.
#[server(prefix = "/api", endpoint = "admin/retry-job")]
pub async fn admin_retry_job(queue: String, job_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let id = ssr::id(&job_id)?;
    Ok(backend::admin::settle_dead(&state, user, &queue, id, backend::admin::DeadAction::Retry).await?)
}

/// Admin console: drops a dead job; 404 when it is no longer dead.
#[server(prefix = "/api", endpoint = "admin/discard-job")]
pub async fn admin_discard_job(queue: String, job_id: String) -> Result<(), ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    let id = ssr::id(&job_id)?;
    Ok(backend::admin::settle_dead(&state, user, &queue, id, backend::admin::DeadAction::Discard).await?)
}

/// Admin console: AI cost per day, kind and provider over the last 30 days.
#[server(prefix = "/api", endpoint = "admin/costs")]
pub async fn admin_costs() -> Result<Vec<domain::admin::CostRow>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::costs(&state, user, chrono::Utc::now()).await?)
}

/// Admin console: the newest audit entries.
#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn admin_audit() -> Result<Vec<domain::admin::AuditEntry>, ApiError> {
    let state = ssr::state()?;
    let user = ssr::require_user()?;
    Ok(backend::admin::audit_log(&state, user).await?)
}
