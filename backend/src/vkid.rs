//! VK ID sign-in: OAuth 2.1 authorization code flow with PKCE (S256), as documented for `id.vk.com`.
//!
//! `start` makes the authorize URL and keeps the PKCE verifier and what to do afterwards in Redis under the `state`
//! (10 minutes, single use). `finish` checks the state, exchanges the code at `/oauth2/auth`, reads the user at
//! `/oauth2/user_info`, and resolves the account: the one already linked to this VK id; else the signed-in user,
//! who gets the VK id linked; else a new account. An existing email account is never taken over by someone who is
//! not signed in to it.

use std::time::Duration;

use anyhow::Context as _;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use fred::prelude::KeysInterface as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::{AppState, accounts, auth::tokens, db::schema::users};

/// Why VK sign-in failed, each with its own message on the login page.
#[derive(Debug, thiserror::Error)]
pub enum VkError {
    /// VK ID is not configured here.
    #[error("VK ID is not configured")]
    Unavailable,
    /// The user cancelled on VK's side (or VK reported an error in the redirect).
    #[error("sign-in was cancelled at VK")]
    Denied,
    /// Unknown, reused or expired `state`.
    #[error("unknown or expired state")]
    State,
    /// VK refused the code or the token, or answered something unreadable.
    #[error("VK ID failed: {0}")]
    Provider(String),
    /// VK's email belongs to an account that is not signed in.
    #[error("an account with this email exists; sign in and link VK ID from the profile")]
    EmailExists,
    /// The VK account is linked to another user.
    #[error("this VK account is linked to another user")]
    AlreadyLinked,
    /// The account is blocked by an operator.
    #[error("the account is blocked")]
    Blocked,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl VkError {
    /// The code put in `/login?error=…`.
    pub fn code(&self) -> &'static str {
        match self {
            VkError::Unavailable => "vk_unavailable",
            VkError::Denied => "vk_denied",
            VkError::State => "vk_state",
            VkError::Provider(_) | VkError::Internal(_) => "vk_failed",
            VkError::EmailExists => "vk_email_exists",
            VkError::AlreadyLinked => "vk_linked_elsewhere",
            VkError::Blocked => "vk_blocked",
        }
    }
}

impl From<accounts::AccountError> for VkError {
    fn from(e: accounts::AccountError) -> Self {
        match e {
            accounts::AccountError::Blocked => VkError::Blocked,
            e => VkError::Internal(anyhow::anyhow!("{e}")),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Pending {
    verifier: String,
    link_to: Option<Uuid>,
    next: String,
    /// Set when the flow connects VK for publishing on behalf of this user (not a sign-in).
    #[serde(default)]
    connect_for: Option<Uuid>,
}

/// Where VK ID sends the browser back after a publishing connection was approved.
pub const CONNECT_CALLBACK: &str = "/settings/platforms/vk/callback";

/// The access token a simulated VK connection gets (development and browser tests only; the simulator's VK API
/// accepts it).
pub const SIMULATED_ACCESS_TOKEN: &str = "vk1.a.simulated-access-token";

/// What VK ID granted: tokens for the VK API.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The access token.
    pub access: String,
    /// The refresh token (single use), if VK gave one.
    pub refresh: Option<String>,
    /// Seconds the access token lives, if VK said.
    pub expires_in: Option<i64>,
    /// The device id VK bound the tokens to (needed to refresh them).
    pub device_id: String,
}

/// What the callback produced.
#[derive(Debug)]
pub struct Finished {
    /// The session to set, unless the VK id was linked to an already signed-in user.
    pub tokens: Option<accounts::Tokens>,
    /// Where to send the browser.
    pub next: String,
}

fn callback_uri(state: &AppState, path: &str) -> String {
    let mut url = state.config.http.public_url.clone();
    url.set_path(path);
    url.set_query(None);
    url.to_string()
}

/// Makes the authorize URL (or, in simulation, our own callback URL) and remembers the PKCE verifier.
pub async fn start(state: &AppState, link_to: Option<Uuid>, next: &str) -> Result<Started, VkError> {
    begin(state, Pending { verifier: String::new(), link_to, next: next.to_owned(), connect_for: None }).await
}

/// Starts connecting VK for publishing as `user`: the same PKCE flow with the video and community scopes, coming back
/// to [`CONNECT_CALLBACK`].
pub async fn start_connect(state: &AppState, user: Uuid) -> Result<Started, VkError> {
    begin(state, Pending { verifier: String::new(), link_to: None, next: String::new(), connect_for: Some(user) }).await
}

async fn begin(state: &AppState, mut pending: Pending) -> Result<Started, VkError> {
    let vk = &state.config.vk;
    if !vk.enabled() {
        return Err(VkError::Unavailable);
    }
    let (callback, scope) = match pending.connect_for {
        Some(_) => (CONNECT_CALLBACK, "video groups"),
        None => ("/auth/vk/callback", "email"),
    };
    let verifier = tokens::new_secret().token;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let st = tokens::new_secret().token;
    pending.verifier = verifier;
    let pending = serde_json::to_string(&pending).expect("json");
    let _: () = state
        .redis
        .client()
        .set(state.redis.key(&format!("vk:state:{st}")), pending, Some(fred::types::Expiration::EX(600)), None, false)
        .await
        .context("saving VK state")?;
    if vk.client_id.is_none() {
        // Simulation: straight back to our callback as if VK had approved.
        return Ok(Started { url: format!("{callback}?code=simulated&state={st}&device_id=simulated"), state: st });
    }
    let mut url =
        url::Url::parse(&format!("{}/authorize", vk.base_url.trim_end_matches('/'))).context("VK_ID_BASE_URL")?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", vk.client_id.as_deref().unwrap_or_default())
        .append_pair("redirect_uri", &callback_uri(state, callback))
        .append_pair("state", &st)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scope", scope);
    Ok(Started { url: url.to_string(), state: st })
}

/// Where [`start`] sends the browser, and the `state` the browser must also present in the
/// [`state_cookie`] at the callback (login CSRF: a callback URL made in another browser is refused).
#[derive(Debug, Clone)]
pub struct Started {
    /// VK's authorize URL (or, in simulation, our callback).
    pub url: String,
    /// The flow's `state`.
    pub state: String,
}

/// The name of the short-lived HttpOnly cookie that binds a VK ID flow to the browser that started it.
pub fn state_cookie(config: &crate::Config) -> &'static str {
    if crate::accounts::web::secure_cookies(config) { "__Host-cm_vk" } else { "cm_vk" }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct UserInfoReply {
    user: Option<VkUser>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The VK user as `user_info` describes them.
#[derive(Debug, Clone, Deserialize)]
pub struct VkUser {
    /// VK's user id (a string in VK ID replies).
    pub user_id: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Email, when the user shared it.
    #[serde(default)]
    pub email: Option<String>,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(15)).build().expect("HTTP client")
}

/// Posts a token request (`grant_type` and its fields) to VK ID's `/oauth2/auth`.
async fn token_request(state: &AppState, form: &[(&str, &str)], device_id: &str) -> Result<Grant, VkError> {
    let vk = &state.config.vk;
    let base = vk.base_url.trim_end_matches('/');
    let reply = http()
        .post(format!("{base}/oauth2/auth"))
        .form(form)
        .send()
        .await
        .map_err(|e| VkError::Provider(format!("token request: {}", e.without_url())))?;
    let status = reply.status();
    let body: TokenReply =
        reply.json().await.map_err(|e| VkError::Provider(format!("token reply ({status}) unreadable: {e}")))?;
    match (body.access_token, body.error) {
        (Some(access), None) if status.is_success() => Ok(Grant {
            access,
            refresh: body.refresh_token,
            expires_in: body.expires_in,
            device_id: device_id.to_owned(),
        }),
        (_, error) => Err(VkError::Provider(format!(
            "token request refused ({status}): {} {}",
            error.unwrap_or_default(),
            body.error_description.unwrap_or_default()
        ))),
    }
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
async fn exchange_code(
    state: &AppState,
    code: &str,
    verifier: &str,
    device_id: &str,
    st: &str,
    callback: &str,
) -> Result<Grant, VkError> {
    let client_id = state.config.vk.client_id.as_deref().unwrap_or_default();
    let redirect = callback_uri(state, callback);
    token_request(
        state,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("client_id", client_id),
            ("device_id", device_id),
            ("redirect_uri", &redirect),
            ("state", st),
        ],
        device_id,
    )
    .await
}

/// Swaps a refresh token (single use, bound to `device_id`) for new tokens.
pub async fn refresh(state: &AppState, refresh_token: &str, device_id: &str) -> Result<Grant, VkError> {
    let client_id = state.config.vk.client_id.as_deref().ok_or(VkError::Unavailable)?;
    let st = tokens::new_secret().token;
    token_request(
        state,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client_id),
            ("device_id", device_id),
            ("state", &st),
        ],
        device_id,
    )
    .await
}

async fn exchange(state: &AppState, code: &str, verifier: &str, device_id: &str, st: &str) -> Result<VkUser, VkError> {
    let vk = &state.config.vk;
    let Some(client_id) = vk.client_id.as_deref() else {
        return Ok(VkUser {
            user_id: "simulated-1".into(),
            first_name: "VK".into(),
            last_name: "Demo".into(),
            email: Some("vk-demo@clipmaker.local".into()),
        });
    };
    let base = vk.base_url.trim_end_matches('/');
    let access = exchange_code(state, code, verifier, device_id, st, "/auth/vk/callback").await?.access;
    let reply = http()
        .post(format!("{base}/oauth2/user_info"))
        .form(&[("access_token", access.as_str()), ("client_id", client_id)])
        .send()
        .await
        .map_err(|e| VkError::Provider(format!("user_info request: {e}")))?;
    let status = reply.status();
    let info: UserInfoReply =
        reply.json().await.map_err(|e| VkError::Provider(format!("user_info reply ({status}) unreadable: {e}")))?;
    match info.user {
        Some(u) if status.is_success() && !u.user_id.is_empty() => Ok(u),
        _ => Err(VkError::Provider(format!(
            "user_info refused ({status}): {} {}",
            info.error.unwrap_or_default(),
            info.error_description.unwrap_or_default()
        ))),
    }
}

/// The flow that `st` names, taken out of Redis (single use).
async fn take_pending(state: &AppState, st: &str) -> Result<Pending, VkError> {
    let raw: Option<String> =
        state.redis.client().getdel(state.redis.key(&format!("vk:state:{st}"))).await.context("reading VK state")?;
    raw.and_then(|r| serde_json::from_str(&r).ok()).ok_or(VkError::State)
}

/// Handles the callback: `error` is VK's error parameter, if any.
pub async fn finish(
    state: &AppState,
    code: Option<&str>,
    st: Option<&str>,
    device_id: Option<&str>,
    error: Option<&str>,
    client: &accounts::ClientInfo,
    now: DateTime<Utc>,
) -> Result<Finished, VkError> {
    let st = st.ok_or(VkError::State)?;
    let pending = take_pending(state, st).await?;
    if pending.connect_for.is_some() {
        return Err(VkError::State);
    }
    if error.is_some() {
        return Err(VkError::Denied);
    }
    let code = code.ok_or(VkError::Denied)?;
    let vk_user = exchange(state, code, &pending.verifier, device_id.unwrap_or_default(), st).await?;

    let mut conn = state.db.get().await.map_err(|e| VkError::Internal(anyhow::anyhow!("database pool: {e}")))?;
    let linked: Option<Uuid> = users::table
        .filter(users::vk_user_id.eq(&vk_user.user_id))
        .select(users::id)
        .first(&mut conn)
        .await
        .optional()
        .context("looking up the VK user")?;

    if let Some(me) = pending.link_to {
        match linked {
            Some(other) if other != me => return Err(VkError::AlreadyLinked),
            Some(_) => {}
            None => {
                diesel::update(users::table.find(me))
                    .set(users::vk_user_id.eq(&vk_user.user_id))
                    .execute(&mut conn)
                    .await
                    .context("linking VK ID")?;
                tracing::info!(user_id = %me, "VK ID linked");
            }
        }
        return Ok(Finished { tokens: None, next: "/settings/profile".into() });
    }

    let user_id = match linked {
        Some(id) => id,
        None => {
            let email =
                vk_user.email.as_deref().and_then(|e| domain::Email::parse(e).ok()).map(|e| e.as_str().to_owned());
            if let Some(email) = &email {
                let taken: Option<Uuid> = users::table
                    .filter(users::email.eq(email))
                    .select(users::id)
                    .first(&mut conn)
                    .await
                    .optional()
                    .context("looking up the VK email")?;
                if taken.is_some() {
                    return Err(VkError::EmailExists);
                }
            }
            let id = Uuid::now_v7();
            // Without an email from VK the account gets a placeholder address it can change later.
            let (stored_email, verified) = match email {
                Some(e) => (e, Some(now)),
                None => (format!("vk{}@vk.clipmaker.invalid", vk_user.user_id), None),
            };
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id),
                    users::email.eq(stored_email),
                    users::name.eq(format!("{} {}", vk_user.first_name, vk_user.last_name).trim().to_owned()),
                    users::vk_user_id.eq(&vk_user.user_id),
                    users::email_verified_at.eq(verified),
                ))
                .execute(&mut conn)
                .await
                .context("creating the VK account")?;
            tracing::info!(user_id = %id, "account created with VK ID");
            id
        }
    };
    drop(conn);
    let tokens = accounts::start_session(state, user_id, client, now).await?;
    Ok(Finished { tokens: Some(tokens), next: pending.next })
}

/// Finishes a publishing connection for `user`: the flow must be one `user` started ([`start_connect`]); returns the
/// tokens VK granted (in simulation, [`SIMULATED_ACCESS_TOKEN`] without expiry).
pub async fn finish_connect(
    state: &AppState,
    code: Option<&str>,
    st: Option<&str>,
    device_id: Option<&str>,
    error: Option<&str>,
    user: Uuid,
) -> Result<Grant, VkError> {
    let st = st.ok_or(VkError::State)?;
    let pending = take_pending(state, st).await?;
    if pending.connect_for != Some(user) {
        return Err(VkError::State);
    }
    if error.is_some() {
        return Err(VkError::Denied);
    }
    let code = code.ok_or(VkError::Denied)?;
    let device_id = device_id.unwrap_or_default();
    if state.config.vk.client_id.is_none() {
        return Ok(Grant {
            access: SIMULATED_ACCESS_TOKEN.to_owned(),
            refresh: None,
            expires_in: None,
            device_id: device_id.to_owned(),
        });
    }
    exchange_code(state, code, &pending.verifier, device_id, st, CONNECT_CALLBACK).await
}
