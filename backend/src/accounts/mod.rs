//! Accounts and sessions: registration, login, refresh-token rotation with reuse detection, logout, email
//! verification and password reset. Server functions and routes call these; they hold no HTTP concerns.
//!
//! Time comes in as `now` so tests can move the clock; secrets are never logged.

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _, SelectableHelper as _};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{
    Email, EmailTokenKind, Lang, LlmStrategy, PlanId, TextEnum as _,
    account::{CAPTION_STYLES, EmailError, Me, NAME_MAX_CHARS, PasswordError},
};
use uuid::Uuid;

pub mod web;

use crate::{
    AppState,
    auth::{password, tokens},
    db::schema::{email_tokens, sessions, users},
    mail::Template,
    ratelimit::{self, Limit},
};

/// Why an account operation was refused. The edge turns each into a translated message.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The email address is malformed.
    #[error("invalid email address")]
    InvalidEmail,
    /// The new password breaks the policy.
    #[error("{0}")]
    Password(#[from] PasswordError),
    /// Registration with an address that already has an account.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Wrong email or password (deliberately not saying which).
    #[error("wrong email or password")]
    InvalidCredentials,
    /// Too many attempts; retry after this many seconds.
    #[error("too many attempts, retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The token is unknown (or was for another purpose).
    #[error("invalid token")]
    TokenInvalid,
    /// The token has expired.
    #[error("expired token")]
    TokenExpired,
    /// The single-use token was used already.
    #[error("token already used")]
    TokenUsed,
    /// A rotated refresh token was presented again: the whole session family is now revoked.
    #[error("refresh token reuse detected")]
    SessionReused,
    /// The display name is longer than allowed.
    #[error("name too long")]
    NameTooLong,
    /// The caption style is not one of the built-in ones.
    #[error("unknown caption style")]
    UnknownCaptionStyle,
    /// A clip count above the plan's limit, or a length range not offered.
    #[error("clip preferences out of range")]
    BadClipPreferences,
    /// The account is blocked by an operator: no new session (sign-in, refresh, VK ID) is started.
    #[error("account blocked")]
    Blocked,
    /// Anything else (database down ...): logged with its chain, shown as a generic error.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(AccountError);

impl From<EmailError> for AccountError {
    fn from(_: EmailError) -> Self {
        AccountError::InvalidEmail
    }
}

/// Where a request came from, recorded on sessions and used for rate limits.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's IP address.
    pub ip: Option<String>,
    /// The User-Agent header.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// What per-address rate limits count this client under ([`crate::client_ip::limit_key`]: an IPv6 client by
    /// its /64); `unknown` without an address.
    pub fn limit_key(&self) -> String {
        self.ip
            .as_deref()
            .and_then(|ip| ip.parse().ok())
            .map_or_else(|| "unknown".to_owned(), crate::client_ip::limit_key)
    }
}

/// The two tokens of a signed-in session.
#[derive(Clone)]
pub struct Tokens {
    /// The user.
    pub user_id: Uuid,
    /// The session row the refresh token belongs to.
    pub session_id: Uuid,
    /// Access JWT (15 minutes).
    pub access: String,
    /// Refresh secret (7 days, single use).
    pub refresh: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

/// A new account's details.
pub struct Registration<'a> {
    /// Email as typed.
    pub email: &'a str,
    /// Password as typed.
    pub password: &'a str,
    /// Display name.
    pub name: &'a str,
    /// UI language at sign-up, also the language of the verification email.
    pub lang: Lang,
}

/// The result of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    /// The new user.
    pub user_id: Uuid,
    /// Whether the account still needs its email confirmed.
    pub needs_verification: bool,
    /// Whether the verification email went out (false when SMTP failed; the user can ask again).
    pub mail_sent: bool,
}

#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct Credentials {
    id: Uuid,
    password_hash: Option<String>,
}

fn link(state: &AppState, path: &str, token: &str) -> String {
    let mut url = state.config.http.public_url.clone();
    url.set_path(path);
    url.set_query(Some(&format!("token={token}")));
    url.to_string()
}

async fn over_limit(state: &AppState, limit: &Limit, subject: &str) -> Option<u64> {
    ratelimit::over(&state.redis, limit, subject).await.map(|wait| wait.as_secs().max(1))
}

fn refuse_after(waits: impl IntoIterator<Item = Option<u64>>) -> Result<(), AccountError> {
    match waits.into_iter().flatten().max() {
        Some(retry_after_secs) => Err(AccountError::RateLimited { retry_after_secs }),
        None => Ok(()),
    }
}

/// Counts one authentication attempt on `account` from `client`: per client IP and per (account, IP) at
/// `AUTH_ATTEMPTS_PER_MINUTE`, and per account from all addresses at the much higher
/// `AUTH_ATTEMPTS_PER_ACCOUNT_PER_HOUR`, so whoever exhausts the attempts from their own address cannot lock the
/// owner out.
pub async fn check_auth_rate(state: &AppState, client: &ClientInfo, account: &str) -> Result<(), AccountError> {
    let max = state.config.auth.attempts_per_minute;
    let account = account.trim().to_lowercase();
    let ip = &client.limit_key();
    // In order, stopping at the first refusal: attempts refused for their address must not use up the account's
    // budget, or one address could lock the owner out through the per-account ceiling.
    refuse_after([over_limit(state, &Limit { max, ..Limit::AUTH_PER_IP }, ip).await])?;
    refuse_after([over_limit(state, &Limit { max, ..Limit::AUTH_PER_ACCOUNT_IP }, &format!("{account}|{ip}")).await])?;
    let ceiling = Limit { max: state.config.limits.auth_per_account_per_hour, ..Limit::AUTH_PER_ACCOUNT };
    refuse_after([over_limit(state, &ceiling, &account).await])
}

/// Creates an account. Unless `AUTO_VERIFY_EMAIL` is on, a verification email is sent; if sending fails the
/// account is kept and the failure reported in [`Registered::mail_sent`].
pub async fn register(state: &AppState, r: Registration<'_>, now: DateTime<Utc>) -> Result<Registered, AccountError> {
    let email = Email::parse(r.email)?;
    if r.name.trim().chars().count() > NAME_MAX_CHARS {
        return Err(AccountError::NameTooLong);
    }
    password::check_new_password(r.password)?;
    let hash = password::hash(r.password.to_owned()).await?;
    let auto = state.config.auth.auto_verify_email;
    let user_id = Uuid::now_v7();
    let mut conn = state.db.get().await?;
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(user_id),
            users::email.eq(email.as_str()),
            users::password_hash.eq(&hash),
            users::name.eq(r.name.trim()),
            users::ui_language.eq(r.lang.code()),
            users::email_verified_at.eq(auto.then_some(now)),
        ))
        .execute(&mut conn)
        .await;
    match inserted {
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            return Err(AccountError::EmailTaken);
        }
        other => {
            other?;
        }
    }
    tracing::info!(%user_id, auto_verified = auto, "account registered");
    if auto {
        return Ok(Registered { user_id, needs_verification: false, mail_sent: false });
    }
    let mail_sent = send_verification(state, user_id, &email, r.lang, now).await.is_ok();
    Ok(Registered { user_id, needs_verification: true, mail_sent })
}

async fn issue_email_token(
    state: &AppState,
    user_id: Uuid,
    kind: EmailTokenKind,
    now: DateTime<Utc>,
) -> Result<String, AccountError> {
    let ttl = match kind {
        EmailTokenKind::VerifyEmail => tokens::VERIFY_EMAIL_TTL,
        EmailTokenKind::ResetPassword => tokens::RESET_PASSWORD_TTL,
    };
    let secret = tokens::new_secret();
    let mut conn = state.db.get().await?;
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::id.eq(Uuid::now_v7()),
            email_tokens::user_id.eq(user_id),
            email_tokens::kind.eq(kind.as_str()),
            email_tokens::token_hash.eq(&secret.hash),
            email_tokens::expires_at.eq(now + ttl),
        ))
        .execute(&mut conn)
        .await?;
    Ok(secret.token)
}

async fn send_verification(
    state: &AppState,
    user_id: Uuid,
    email: &Email,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let token = issue_email_token(state, user_id, EmailTokenKind::VerifyEmail, now).await?;
    state.mail.send(email, lang, Template::VerifyEmail, &link(state, "/verify-email", &token)).await.map_err(|e| {
        tracing::error!(%user_id, error = format!("{e:#}"), "verification email not sent");
        AccountError::Internal(e)
    })
}

/// Sends a new verification email to a signed-in user who has not confirmed yet, a few times an hour at most
/// (`RATE_RESEND_VERIFICATION_PER_HOUR`).
pub async fn resend_verification(state: &AppState, user_id: Uuid, now: DateTime<Utc>) -> Result<(), AccountError> {
    let limit = Limit::per_hour("resend-verification", state.config.limits.resend_verification_per_hour);
    refuse_after([over_limit(state, &limit, &user_id.to_string()).await])?;
    let mut conn = state.db.get().await?;
    let (email, lang, verified): (String, String, Option<DateTime<Utc>>) = users::table
        .find(user_id)
        .select((users::email, users::ui_language, users::email_verified_at))
        .first(&mut conn)
        .await?;
    drop(conn);
    if verified.is_some() {
        return Ok(());
    }
    let email = Email::parse(&email)?;
    send_verification(state, user_id, &email, Lang::from_code(&lang).unwrap_or_default(), now).await
}

/// Marks one consumption of a single-use email token, telling apart unknown, used and expired tokens.
async fn consume_email_token(
    state: &AppState,
    kind: EmailTokenKind,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, AccountError> {
    let hash = tokens::hash_secret(token);
    let mut conn = state.db.get().await?;
    let consumed: Option<Uuid> = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(&hash))
            .filter(email_tokens::kind.eq(kind.as_str()))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now)),
    )
    .set(email_tokens::used_at.eq(now))
    .returning(email_tokens::user_id)
    .get_result(&mut conn)
    .await
    .optional()?;
    if let Some(user_id) = consumed {
        return Ok(user_id);
    }
    let row: Option<(Option<DateTime<Utc>>, DateTime<Utc>)> = email_tokens::table
        .filter(email_tokens::token_hash.eq(&hash))
        .filter(email_tokens::kind.eq(kind.as_str()))
        .select((email_tokens::used_at, email_tokens::expires_at))
        .first(&mut conn)
        .await
        .optional()?;
    Err(match row {
        None => AccountError::TokenInvalid,
        Some((Some(_), _)) => AccountError::TokenUsed,
        Some((None, _)) => AccountError::TokenExpired,
    })
}

/// Confirms an email address from the emailed link.
pub async fn verify_email(state: &AppState, token: &str, now: DateTime<Utc>) -> Result<Uuid, AccountError> {
    let user_id = consume_email_token(state, EmailTokenKind::VerifyEmail, token, now).await?;
    let mut conn = state.db.get().await?;
    diesel::update(users::table.find(user_id).filter(users::email_verified_at.is_null()))
        .set(users::email_verified_at.eq(now))
        .execute(&mut conn)
        .await?;
    tracing::info!(%user_id, "email verified");
    Ok(user_id)
}

async fn create_session(
    state: &AppState,
    user_id: Uuid,
    family_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Tokens, AccountError> {
    let secret = tokens::new_secret();
    let session_id = Uuid::now_v7();
    let mut conn = state.db.get().await?;
    conn.transaction::<_, AccountError, _>(async |conn| {
        // A share lock on the user row: an operator's block (which updates the row and revokes the sessions in one
        // transaction) waits for this session to be written, or this waits for the block and sees it.
        let blocked: Option<DateTime<Utc>> =
            users::table.find(user_id).select(users::blocked_at).for_share().first(conn).await?;
        if blocked.is_some() {
            tracing::info!(%user_id, "session refused: account blocked");
            return Err(AccountError::Blocked);
        }
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(session_id),
                sessions::user_id.eq(user_id),
                sessions::family_id.eq(family_id),
                sessions::token_hash.eq(&secret.hash),
                sessions::expires_at.eq(now + tokens::REFRESH_TTL),
                sessions::user_agent.eq(client.user_agent.as_deref().map(|s| s.chars().take(300).collect::<String>())),
                sessions::ip.eq(client.ip.as_deref()),
                sessions::created_at.eq(now),
                sessions::last_used_at.eq(now),
            ))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await?;
    let access = tokens::issue_access(&state.config.auth.secret, user_id, session_id, now);
    Ok(Tokens { user_id, session_id, access, refresh: secret.token })
}

/// Starts a new session (a new refresh-token family) for a user who proved who they are another way (VK ID).
pub async fn start_session(
    state: &AppState,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Tokens, AccountError> {
    create_session(state, user_id, Uuid::now_v7(), client, now).await
}

/// Signs in with email and password. Unknown emails and wrong passwords get the same error after the same work.
pub async fn login(
    state: &AppState,
    email: &str,
    password_input: &str,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Tokens, AccountError> {
    check_auth_rate(state, client, email).await?;
    let Ok(email) = Email::parse(email) else {
        password::verify(password_input.to_owned(), None).await;
        return Err(AccountError::InvalidCredentials);
    };
    let mut conn = state.db.get().await?;
    let found: Option<Credentials> = users::table
        .filter(users::email.eq(email.as_str()))
        .select(Credentials::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    drop(conn);
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let ok = password::verify(password_input.to_owned(), stored).await;
    match found {
        Some(c) if ok => {
            let tokens = create_session(state, c.id, Uuid::now_v7(), client, now).await?;
            tracing::info!(user_id = %c.id, session_id = %tokens.session_id, "signed in");
            Ok(tokens)
        }
        _ => {
            tracing::info!("sign-in refused: wrong email or password");
            Err(AccountError::InvalidCredentials)
        }
    }
}

/// Exchanges a refresh token for a new pair. The old token stops working; presenting it again revokes every
/// session descended from the same sign-in.
pub async fn refresh(
    state: &AppState,
    refresh_token: &str,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Tokens, AccountError> {
    let hash = tokens::hash_secret(refresh_token);
    let mut conn = state.db.get().await?;
    let rotated: Option<(Uuid, Uuid)> = diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(&hash))
            .filter(sessions::rotated_at.is_null())
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now)),
    )
    .set((sessions::rotated_at.eq(now), sessions::last_used_at.eq(now)))
    .returning((sessions::user_id, sessions::family_id))
    .get_result(&mut conn)
    .await
    .optional()?;
    if let Some((user_id, family_id)) = rotated {
        drop(conn);
        let tokens = create_session(state, user_id, family_id, client, now).await?;
        remember_for_grace(state, &hash, refresh_token, &tokens).await;
        return Ok(tokens);
    }
    type Row = (Uuid, Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let row: Option<Row> = sessions::table
        .filter(sessions::token_hash.eq(&hash))
        .select((sessions::user_id, sessions::family_id, sessions::rotated_at, sessions::revoked_at))
        .first(&mut conn)
        .await
        .optional()?;
    drop(conn);
    if let Some((user_id, _, Some(rotated_at), None)) = row
        && now - rotated_at <= REFRESH_GRACE
        && let Some(tokens) = grace_pair(state, &hash, refresh_token, user_id, now).await
    {
        tracing::info!(%user_id, session_id = %tokens.session_id, "concurrent refresh: same new pair handed out");
        return Ok(tokens);
    }
    let mut conn = state.db.get().await?;
    match row {
        None => Err(AccountError::TokenInvalid),
        Some((user_id, family_id, Some(_), _)) => {
            let revoked = diesel::update(
                sessions::table.filter(sessions::family_id.eq(family_id)).filter(sessions::revoked_at.is_null()),
            )
            .set(sessions::revoked_at.eq(now))
            .execute(&mut conn)
            .await?;
            tracing::warn!(%user_id, %family_id, revoked, "refresh token reuse: session family revoked");
            Err(AccountError::SessionReused)
        }
        Some((_, _, None, Some(_))) => Err(AccountError::TokenInvalid),
        Some(_) => Err(AccountError::TokenExpired),
    }
}

/// How long after a refresh the same (now rotated) refresh token still gets the same new pair: two tabs that
/// refresh at once both keep their session instead of tripping reuse detection.
pub const REFRESH_GRACE: chrono::Duration = chrono::Duration::seconds(10);

fn grace_key(state: &AppState, old_hash: &[u8]) -> String {
    state.redis.key(&format!("refresh-grace:{}", hex::encode(old_hash)))
}

/// Parks the new pair for [`REFRESH_GRACE`], sealed to the old secret (see [`tokens::seal_for_holder`]); Redis never
/// holds a usable refresh secret.
async fn remember_for_grace(state: &AppState, old_hash: &[u8], old_token: &str, tokens: &Tokens) {
    use fred::prelude::{Expiration, KeysInterface as _};
    let Some(sealed) = tokens::seal_for_holder(old_token, &tokens.refresh) else { return };
    let value = format!("{} {sealed}", tokens.session_id);
    let expiry = Some(Expiration::PX(REFRESH_GRACE.num_milliseconds()));
    let stored: Result<(), _> = state.redis.client().set(grace_key(state, old_hash), value, expiry, None, false).await;
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not park the refreshed session for concurrent tabs");
    }
}

/// The pair a concurrent refresh with the same token produced, waiting briefly for it to be parked.
async fn grace_pair(
    state: &AppState,
    old_hash: &[u8],
    old_token: &str,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Option<Tokens> {
    use fred::prelude::KeysInterface as _;
    for _ in 0..20 {
        let parked: Option<String> = state.redis.client().get(grace_key(state, old_hash)).await.ok().flatten();
        if let Some((session, sealed)) = parked.as_deref().and_then(|v| v.split_once(' ')) {
            let session_id = Uuid::parse_str(session).ok()?;
            // Only while that new session is still the family's current one: once it was rotated or revoked the
            // old token is plain reuse.
            let mut conn = state.db.get().await.ok()?;
            let current: Option<Uuid> = sessions::table
                .find(session_id)
                .filter(sessions::rotated_at.is_null())
                .filter(sessions::revoked_at.is_null())
                .select(sessions::id)
                .first(&mut conn)
                .await
                .optional()
                .ok()?;
            current?;
            let refresh = tokens::open_for_holder(old_token, sealed)?;
            let access = tokens::issue_access(&state.config.auth.secret, user_id, session_id, now);
            return Some(Tokens { user_id, session_id, access, refresh });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

/// Who an access token belongs to, if it is valid and its session has not been revoked.
pub async fn authenticate(
    state: &AppState,
    access_token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, AccountError> {
    let Some(claims) = tokens::verify_access(&state.config.auth.secret, access_token, now) else {
        return Ok(None);
    };
    let mut conn = state.db.get().await?;
    // The session must be the token's user's: a token naming someone else's session is no token at all.
    let revoked: Option<Option<DateTime<Utc>>> = sessions::table
        .find(claims.sid)
        .filter(sessions::user_id.eq(claims.sub))
        .select(sessions::revoked_at)
        .first(&mut conn)
        .await
        .optional()?;
    Ok(matches!(revoked, Some(None)).then_some(claims.sub))
}

/// Signs out the device holding `refresh_token`: its whole session family is revoked.
pub async fn logout(state: &AppState, refresh_token: &str, now: DateTime<Utc>) -> Result<(), AccountError> {
    let hash = tokens::hash_secret(refresh_token);
    let mut conn = state.db.get().await?;
    let family: Option<Uuid> = sessions::table
        .filter(sessions::token_hash.eq(&hash))
        .select(sessions::family_id)
        .first(&mut conn)
        .await
        .optional()?;
    if let Some(family_id) = family {
        diesel::update(
            sessions::table.filter(sessions::family_id.eq(family_id)).filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(now))
        .execute(&mut conn)
        .await?;
    }
    Ok(())
}

/// Signs the user out on every device.
pub async fn logout_everywhere(state: &AppState, user_id: Uuid, now: DateTime<Utc>) -> Result<usize, AccountError> {
    let mut conn = state.db.get().await?;
    let n =
        diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()))
            .set(sessions::revoked_at.eq(now))
            .execute(&mut conn)
            .await?;
    tracing::info!(%user_id, sessions = n, "signed out everywhere");
    Ok(n)
}

/// Emails a reset link if an account has this address. The answer is the same either way, so the form cannot be
/// used to find out who has an account.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    lang: Lang,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let email = Email::parse(email)?;
    let max = state.config.limits.password_reset_per_hour;
    // The address first: requests refused for it do not use up the account's budget.
    refuse_after([over_limit(state, &Limit::per_hour("reset-ip", max), &client.limit_key()).await])?;
    refuse_after([over_limit(state, &Limit::per_hour("reset-account", max), email.as_str()).await])?;
    let mut conn = state.db.get().await?;
    let user: Option<Uuid> =
        users::table.filter(users::email.eq(email.as_str())).select(users::id).first(&mut conn).await.optional()?;
    drop(conn);
    if let Some(user_id) = user {
        let token = issue_email_token(state, user_id, EmailTokenKind::ResetPassword, now).await?;
        if let Err(e) =
            state.mail.send(&email, lang, Template::ResetPassword, &link(state, "/reset-password", &token)).await
        {
            tracing::error!(%user_id, error = format!("{e:#}"), "reset email not sent");
            return Err(AccountError::Internal(e));
        }
    }
    Ok(())
}

/// Sets a new password from a reset link, then signs the user out everywhere. Submissions are limited per IP and
/// per link (`RATE_PASSWORD_RESET_PER_HOUR`) before any password hashing, so the form cannot be used to burn CPU.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Uuid, AccountError> {
    let max = state.config.limits.password_reset_per_hour * 2;
    refuse_after([
        over_limit(state, &Limit::per_hour("reset-submit-ip", max), &client.limit_key()).await,
        over_limit(state, &Limit::per_hour("reset-submit-token", max), &hex::encode(tokens::hash_secret(token))).await,
    ])?;
    // Check the password first, so a refused password does not use up the link.
    password::check_new_password(new_password)?;
    let hash = password::hash(new_password.to_owned()).await?;
    let user_id = consume_email_token(state, EmailTokenKind::ResetPassword, token, now).await?;
    let mut conn = state.db.get().await?;
    // Following the emailed link proves the address too.
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(&hash),
            users::email_verified_at.eq(
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
                    "coalesce(email_verified_at, now())",
                ),
            ),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);
    logout_everywhere(state, user_id, now).await?;
    tracing::info!(%user_id, "password reset");
    Ok(user_id)
}

#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct MeRow {
    id: Uuid,
    email: String,
    name: String,
    email_verified_at: Option<DateTime<Utc>>,
    plan_id: String,
    ui_language: String,
    llm_strategy: String,
    caption_style: String,
    vk_user_id: Option<String>,
    clip_count: Option<i16>,
    clip_min_seconds: i16,
    clip_max_seconds: i16,
    is_admin: bool,
}

/// The signed-in user's profile and settings.
pub async fn me(state: &AppState, user_id: Uuid) -> Result<Option<Me>, AccountError> {
    let mut conn = state.db.get().await?;
    let row: Option<MeRow> = users::table.find(user_id).select(MeRow::as_select()).first(&mut conn).await.optional()?;
    let team_role = crate::teams::membership(&mut conn, user_id).await?.map(|m| m.role);
    Ok(row.map(|r| Me {
        id: r.id.to_string(),
        email: r.email,
        name: r.name,
        email_verified: r.email_verified_at.is_some(),
        plan: PlanId::parse(&r.plan_id).unwrap_or(PlanId::Free),
        ui_language: Lang::from_code(&r.ui_language).unwrap_or_default(),
        llm_strategy: LlmStrategy::parse(&r.llm_strategy).unwrap_or(LlmStrategy::Ru),
        caption_style: r.caption_style,
        vk_linked: r.vk_user_id.is_some(),
        clip_count: r.clip_count.map(|c| c.max(1) as u32),
        clip_length: (r.clip_min_seconds.max(1) as u16, r.clip_max_seconds.max(1) as u16),
        team_role,
        is_admin: r.is_admin,
    }))
}

/// Changes the display name.
pub async fn update_profile(state: &AppState, user_id: Uuid, name: &str) -> Result<(), AccountError> {
    let name = name.trim();
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AccountError::NameTooLong);
    }
    let mut conn = state.db.get().await?;
    diesel::update(users::table.find(user_id)).set(users::name.eq(name)).execute(&mut conn).await?;
    Ok(())
}

/// Sets what analysis picks for the user's videos from now on: `count` (`auto` or 1 to the plan's clips per video)
/// and `length` (`min-max`, one of `domain::account::CLIP_LENGTHS`).
pub async fn update_clip_preferences(
    state: &AppState,
    user_id: Uuid,
    count: &str,
    length: &str,
) -> Result<(), AccountError> {
    let mut conn = state.db.get().await?;
    let plan: String = users::table.find(user_id).select(users::plan_id).first(&mut conn).await?;
    let plan_max = domain::Plan::get(PlanId::parse(&plan).unwrap_or(PlanId::Free)).max_clips_per_video;
    let count = domain::account::parse_clip_count(count, plan_max).ok_or(AccountError::BadClipPreferences)?;
    let (min, max) = domain::account::parse_clip_length(length).ok_or(AccountError::BadClipPreferences)?;
    diesel::update(users::table.find(user_id))
        .set((
            users::clip_count.eq(count.map(|c| c as i16)),
            users::clip_min_seconds.eq(min as i16),
            users::clip_max_seconds.eq(max as i16),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Changes the interface language, the AI strategy and the default caption style.
pub async fn update_settings(
    state: &AppState,
    user_id: Uuid,
    lang: Lang,
    strategy: LlmStrategy,
    caption_style: &str,
) -> Result<(), AccountError> {
    if !CAPTION_STYLES.contains(&caption_style) {
        return Err(AccountError::UnknownCaptionStyle);
    }
    let mut conn = state.db.get().await?;
    diesel::update(users::table.find(user_id))
        .set((
            users::ui_language.eq(lang.code()),
            users::llm_strategy.eq(strategy.as_str()),
            users::caption_style.eq(caption_style),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Sets the plan of the user with `email` (the `server admin set-plan` command, until billing does it). False if
/// there is no such user.
pub async fn set_plan(db: &crate::db::DbPool, email: &Email, plan: PlanId) -> anyhow::Result<bool> {
    let mut conn = db.get().await?;
    let n = diesel::update(users::table.filter(users::email.eq(email.as_str())))
        .set(users::plan_id.eq(plan.as_str()))
        .execute(&mut conn)
        .await?;
    Ok(n == 1)
}
