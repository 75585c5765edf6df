//! Publishing to platforms (issue 22): platform connections and their sealed tokens, and the platforms' clients.
//!
//! A connection belongs to a workspace: the caller's team (connected and disconnected by its owner and admins, used
//! by everyone who may publish) or the caller alone outside any team. One connection per platform per workspace;
//! connecting again replaces it. Tokens are checked with the platform before they are stored, sealed at rest
//! ([`tokens`]), and never leave the server.

pub mod adapter;
pub mod rutube;
pub mod telegram;
pub mod tokens;
pub mod vk;

use chrono::{DateTime, Utc};
use diesel::{
    BoolExpressionMethods as _, BoxableExpression, ExpressionMethods as _, NullableExpressionMethods as _,
    OptionalExtension as _, QueryDsl as _, SelectableHelper as _, pg::Pg, sql_types::Bool,
};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{
    Action, ConnectionStatus, Platform, TextEnum as _,
    publish::{ConnectProblem, Connection, PostTarget, Refusal},
};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{
    AppState,
    db::schema::platform_connections,
    teams::{self, Actor},
};
use tokens::{SealedToken, TokenKind};

/// A platform's answer that was not a success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The platform refused the call; what to do is in `refusal`.
    #[error("the platform refused: {message}")]
    Refused {
        /// Retry, reconnect, or give up.
        refusal: Refusal,
        /// The platform's own words.
        message: String,
    },
    /// No answer (connection refused, timeout).
    #[error("the platform did not answer: {0}")]
    Unreachable(String),
    /// An answer that is not in the platform's documented shape.
    #[error("the platform's reply is malformed: {0}")]
    Malformed(String),
}

impl PlatformError {
    /// A refusal with the platform's message.
    pub fn refused(refusal: Refusal, message: impl Into<String>) -> PlatformError {
        PlatformError::Refused { refusal, message: message.into() }
    }

    /// What the settings page says about it, when the call was about `target` (a chat or community) or not.
    fn problem(&self, about_target: bool) -> ConnectProblem {
        match self {
            PlatformError::Refused { refusal: Refusal::Reconnect, .. } => ConnectProblem::TokenRefused,
            PlatformError::Refused { refusal: Refusal::NoRights, .. } => ConnectProblem::CannotPost,
            PlatformError::Refused { refusal: Refusal::Rejected, .. } if about_target => ConnectProblem::TargetNotFound,
            _ => ConnectProblem::Unavailable,
        }
    }
}

impl From<diesel::result::Error> for PlatformError {
    fn from(e: diesel::result::Error) -> Self {
        PlatformError::Unreachable(format!("database: {e}"))
    }
}

/// Why a connection request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No such connection in the caller's workspace.
    #[error("not found")]
    NotFound,
    /// The caller's team role does not manage platforms.
    #[error("your team role does not allow this")]
    Forbidden,
    /// The token or target did not pass, for the reason given.
    #[error("the connection failed: {0:?}")]
    Problem(ConnectProblem),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(ConnectError);

/// The row's workspace key: the team's id, or the user's outside a team (what sealed tokens are bound to).
fn owner_key(actor: &Actor) -> Uuid {
    actor.team.map_or(actor.user_id, |m| m.team_id)
}

/// A connection's sealed tokens and what they are bound to.
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = platform_connections, check_for_backend(diesel::pg::Pg))]
struct SealedRow {
    id: Uuid,
    team_id: Option<Uuid>,
    user_id: Uuid,
    platform: String,
    access_token_encrypted: Vec<u8>,
    nonce: Vec<u8>,
    key_version: i32,
    refresh_token_encrypted: Option<Vec<u8>>,
    refresh_nonce: Option<Vec<u8>>,
    expires_at: Option<DateTime<Utc>>,
}

/// The columns a [`Connection`] is made of (never the tokens).
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = platform_connections, check_for_backend(diesel::pg::Pg))]
struct Row {
    id: Uuid,
    platform: String,
    account_name: String,
    target_name: String,
    status: String,
    error: Option<String>,
    created_at: DateTime<Utc>,
}

fn view(r: Row) -> anyhow::Result<Connection> {
    Ok(Connection {
        id: r.id.to_string(),
        platform: Platform::parse(&r.platform).map_err(|e| anyhow::anyhow!("{e}"))?,
        account: r.account_name,
        target: r.target_name,
        status: ConnectionStatus::parse(&r.status).map_err(|e| anyhow::anyhow!("{e}"))?,
        error: r.error,
        connected_at: r.created_at.timestamp(),
    })
}

/// The caller's workspace's connections.
pub async fn list(state: &AppState, user_id: Uuid) -> Result<Vec<Connection>, ConnectError> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    let rows: Vec<Row> = platform_connections::table
        .filter(mine(&actor))
        .select(Row::as_select())
        .order(platform_connections::platform)
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().map(view).collect::<anyhow::Result<_>>()?)
}

async fn managing(state: &AppState, user_id: Uuid) -> Result<Actor, ConnectError> {
    let actor = teams::actor(state, user_id).await?;
    if !actor.may_here(Action::ManagePlatforms) {
        return Err(ConnectError::Forbidden);
    }
    Ok(actor)
}

/// What a connection stores once its token has passed.
struct Verified {
    platform: Platform,
    account_id: String,
    account_name: String,
    target_id: String,
    target_name: String,
    access: String,
    /// VK: the refresh token with its device id, and when the access token expires.
    refresh: Option<RefreshBlob>,
    expires_at: Option<DateTime<Utc>>,
}

/// What a VK refresh needs, sealed together as the connection's refresh token.
#[derive(serde::Serialize, serde::Deserialize)]
struct RefreshBlob {
    refresh_token: String,
    device_id: String,
}

/// Seals the tokens and writes the workspace's connection for the platform, replacing any earlier one.
async fn store(state: &AppState, actor: &Actor, v: Verified) -> Result<Connection, ConnectError> {
    let sealed = tokens::seal(
        &state.config.platforms,
        &tokens::context(owner_key(actor), v.platform, TokenKind::Access),
        &v.access,
    );
    let refresh = v.refresh.as_ref().map(|r| {
        let blob = Zeroizing::new(serde_json::to_string(r).expect("json"));
        tokens::seal(&state.config.platforms, &tokens::context(owner_key(actor), v.platform, TokenKind::Refresh), &blob)
    });
    let mut conn = state.db.get().await?;
    // The unique index is on an expression, which diesel's ON CONFLICT cannot name: delete, then insert, in one
    // transaction (a concurrent connect of the same platform fails on the index instead of adding a second row).
    let row: Row = conn
        .transaction::<_, ConnectError, _>(async |conn| {
            delete_mine(conn, actor, v.platform).await?;
            Ok(diesel::insert_into(platform_connections::table)
                .values((
                    platform_connections::user_id.eq(actor.user_id),
                    platform_connections::team_id.eq(actor.team.map(|m| m.team_id)),
                    platform_connections::platform.eq(v.platform.as_str()),
                    platform_connections::account_id.eq(&v.account_id),
                    platform_connections::account_name.eq(&v.account_name),
                    platform_connections::target_id.eq(&v.target_id),
                    platform_connections::target_name.eq(&v.target_name),
                    platform_connections::access_token_encrypted.eq(&sealed.data),
                    platform_connections::nonce.eq(&sealed.nonce),
                    platform_connections::key_version.eq(sealed.key_id),
                    platform_connections::refresh_token_encrypted.eq(refresh.as_ref().map(|r| r.data.clone())),
                    platform_connections::refresh_nonce.eq(refresh.as_ref().map(|r| r.nonce.clone())),
                    platform_connections::expires_at.eq(v.expires_at),
                ))
                .returning(Row::as_returning())
                .get_result(conn)
                .await?)
        })
        .await?;
    tracing::info!(user_id = %actor.user_id, platform = v.platform.as_str(), "platform connected");
    Ok(view(row)?)
}

/// The connections of the caller's workspace: the team's, or their own outside any team.
pub(crate) fn mine(actor: &Actor) -> Box<dyn BoxableExpression<platform_connections::table, Pg, SqlType = Bool>> {
    match actor.team {
        // `=` (indexable) rather than `IS NOT DISTINCT FROM`: the same rows, as the team id is never NULL here.
        Some(m) => Box::new(platform_connections::team_id.assume_not_null().eq(m.team_id)),
        None => Box::new(platform_connections::team_id.is_null().and(platform_connections::user_id.eq(actor.user_id))),
    }
}

/// Deletes the workspace's connection to `platform`; returns how many rows went (0 or 1).
async fn delete_mine(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Actor,
    platform: Platform,
) -> diesel::QueryResult<usize> {
    diesel::delete(
        platform_connections::table.filter(mine(actor)).filter(platform_connections::platform.eq(platform.as_str())),
    )
    .execute(conn)
    .await
}

/// The workspace's connection to `platform`: its id, where it posts, and its sealed access token.
async fn load_mine(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Actor,
    platform: Platform,
) -> diesel::QueryResult<Option<(Uuid, String, SealedToken)>> {
    type Sealed = (Uuid, String, Vec<u8>, Vec<u8>, i32);
    let row: Option<Sealed> = platform_connections::table
        .filter(mine(actor))
        .filter(platform_connections::platform.eq(platform.as_str()))
        .select((
            platform_connections::id,
            platform_connections::target_id,
            platform_connections::access_token_encrypted,
            platform_connections::nonce,
            platform_connections::key_version,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, target, data, nonce, key_id)| (id, target, SealedToken { data, nonce, key_id })))
}

/// Connects a Telegram bot to a channel: the token must be the bot's (`getMe`), the channel must exist (`getChat`)
/// and the bot must be an administrator allowed to post there (`getChatMember`).
pub async fn connect_telegram(
    state: &AppState,
    user_id: Uuid,
    bot_token: &str,
    channel: &str,
) -> Result<Connection, ConnectError> {
    let actor = managing(state, user_id).await?;
    let token = bot_token.trim();
    if !domain::publish::telegram_token_ok(token) {
        return Err(ConnectError::Problem(ConnectProblem::BadToken));
    }
    let Some(chat) = domain::publish::telegram_channel(channel) else {
        return Err(ConnectError::Problem(ConnectProblem::TargetNotFound));
    };
    let api = telegram::Telegram::new(&state.config.platforms.telegram_api_url);
    let bot = api.get_me(token).await.map_err(|e| ConnectError::Problem(e.problem(false)))?;
    let found = api.get_chat(token, &chat).await.map_err(|e| ConnectError::Problem(e.problem(true)))?;
    let target_id = found.id.to_string();
    let member =
        api.get_chat_member(token, &target_id, bot.id).await.map_err(|e| ConnectError::Problem(e.problem(true)))?;
    if !member.may_post() {
        return Err(ConnectError::Problem(ConnectProblem::CannotPost));
    }
    let account_name = bot.username.map_or(bot.first_name, |u| format!("@{u}"));
    let target_name = match (found.username, found.title) {
        (Some(u), _) => format!("@{u}"),
        (None, Some(t)) => t,
        (None, None) => target_id.clone(),
    };
    store(
        state,
        &actor,
        Verified {
            platform: Platform::Telegram,
            account_id: bot.id.to_string(),
            account_name,
            target_id,
            target_name,
            access: token.to_owned(),
            refresh: None,
            expires_at: None,
        },
    )
    .await
}

/// Connects a Rutube channel by its API token (Rutube Studio → settings → API): the token must be accepted by the
/// API; the channel's name is read from it.
pub async fn connect_rutube(state: &AppState, user_id: Uuid, api_token: &str) -> Result<Connection, ConnectError> {
    let actor = managing(state, user_id).await?;
    let token = api_token.trim();
    if !domain::publish::rutube_token_ok(token) {
        return Err(ConnectError::Problem(ConnectProblem::BadToken));
    }
    let api = rutube::Rutube::new(&state.config.platforms.rutube_api_url);
    let name = api.me(token).await.map_err(|e| ConnectError::Problem(e.problem(false)))?;
    store(
        state,
        &actor,
        Verified {
            platform: Platform::Rutube,
            account_id: name.clone(),
            account_name: name,
            target_id: String::new(),
            target_name: String::new(),
            access: token.to_owned(),
            refresh: None,
            expires_at: None,
        },
    )
    .await
}

/// Connects VK with the tokens VK ID granted `user_id` (see `vkid::finish_connect`): posts go to the user's own page
/// until a community is chosen ([`set_vk_target`]).
pub async fn connect_vk(
    state: &AppState,
    user_id: Uuid,
    grant: crate::vkid::Grant,
) -> Result<Connection, ConnectError> {
    let actor = managing(state, user_id).await?;
    let api = vk::Vk::new(&state.config.platforms.vk_api_url);
    let me = api.me(&grant.access).await.map_err(|e| ConnectError::Problem(e.problem(false)))?;
    let name = format!("{} {}", me.first_name, me.last_name).trim().to_owned();
    store(
        state,
        &actor,
        Verified {
            platform: Platform::Vk,
            account_id: me.id.to_string(),
            account_name: name.clone(),
            target_id: me.id.to_string(),
            target_name: name,
            access: grant.access,
            refresh: grant.refresh.map(|refresh_token| RefreshBlob { refresh_token, device_id: grant.device_id }),
            expires_at: grant.expires_in.map(|s| Utc::now() + chrono::Duration::seconds(s)),
        },
    )
    .await
}

/// Where the workspace's VK connection may post: the user's page first, then the communities they administer or edit.
pub async fn vk_targets(state: &AppState, user_id: Uuid) -> Result<Vec<PostTarget>, ConnectError> {
    let actor = managing(state, user_id).await?;
    let (id, account_id, account_name) = vk_connection(state, &actor).await?;
    let token = access(state, id).await.map_err(|e| ConnectError::Problem(e.problem(false)))?;
    let groups = vk::Vk::new(&state.config.platforms.vk_api_url)
        .editor_groups(&token)
        .await
        .map_err(|e| ConnectError::Problem(e.problem(false)))?;
    let mut out = vec![PostTarget { id: account_id, name: account_name }];
    out.extend(groups.into_iter().map(|g| PostTarget { id: (-g.id).to_string(), name: g.name }));
    Ok(out)
}

/// Makes the VK connection post to `target` (an id from [`vk_targets`]: the user's page, or minus a community's id).
pub async fn set_vk_target(state: &AppState, user_id: Uuid, target: &str) -> Result<Connection, ConnectError> {
    let chosen = vk_targets(state, user_id).await?.into_iter().find(|t| t.id == target);
    let Some(chosen) = chosen else { return Err(ConnectError::Problem(ConnectProblem::TargetNotFound)) };
    let actor = teams::actor(state, user_id).await?;
    let (id, _, _) = vk_connection(state, &actor).await?;
    let mut conn = state.db.get().await?;
    let row: Row = diesel::update(platform_connections::table.find(id))
        .set((platform_connections::target_id.eq(&chosen.id), platform_connections::target_name.eq(&chosen.name)))
        .returning(Row::as_returning())
        .get_result(&mut conn)
        .await?;
    Ok(view(row)?)
}

/// The workspace's VK connection: its id, and the account's id and name.
async fn vk_connection(state: &AppState, actor: &Actor) -> Result<(Uuid, String, String), ConnectError> {
    let mut conn = state.db.get().await?;
    platform_connections::table
        .filter(mine(actor))
        .filter(platform_connections::platform.eq(Platform::Vk.as_str()))
        .select((platform_connections::id, platform_connections::account_id, platform_connections::account_name))
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(ConnectError::NotFound)
}

/// How long before expiry a VK access token is refreshed.
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::minutes(5);

/// Connection `id`'s access token, opened. A VK token that expires within five minutes is refreshed first with its
/// refresh token (under a row lock, so jobs that race refresh it once); a refused refresh is `Reconnect`.
pub async fn access(state: &AppState, id: Uuid) -> Result<Zeroizing<String>, PlatformError> {
    let mut conn = state.db.get().await.map_err(|e| PlatformError::Unreachable(format!("database pool: {e}")))?;
    conn.transaction::<_, PlatformError, _>(async |conn| {
        let row: SealedRow =
            platform_connections::table.find(id).select(SealedRow::as_select()).for_update().first(conn).await?;
        let SealedRow {
            platform,
            access_token_encrypted: data,
            nonce,
            key_version: key_id,
            refresh_token_encrypted: refresh,
            refresh_nonce,
            expires_at,
            ..
        } = row;
        let owner = row.team_id.unwrap_or(row.user_id);
        let platform = Platform::parse(&platform).map_err(|e| PlatformError::Malformed(e.to_string()))?;
        let config = &state.config.platforms;
        let open = |kind, data, nonce| {
            tokens::open(config, &tokens::context(owner, platform, kind), &SealedToken { data, nonce, key_id })
                .map_err(|e| PlatformError::Malformed(format!("connection {id}: {e}")))
        };
        let due = expires_at.is_some_and(|t| t - REFRESH_AHEAD <= Utc::now());
        let (Some(refresh), Some(refresh_nonce), true) = (refresh, refresh_nonce, due) else {
            return open(TokenKind::Access, data, nonce);
        };
        let blob = open(TokenKind::Refresh, refresh, refresh_nonce)?;
        let blob: RefreshBlob =
            serde_json::from_str(&blob).map_err(|e| PlatformError::Malformed(format!("connection {id}: {e}")))?;
        let grant = crate::vkid::refresh(state, &blob.refresh_token, &blob.device_id).await.map_err(|e| {
            tracing::warn!(connection = %id, error = %e, "VK refused to refresh the token");
            PlatformError::refused(Refusal::Reconnect, "VK ID refused to refresh the access token")
        })?;
        let sealed = tokens::seal(config, &tokens::context(owner, platform, TokenKind::Access), &grant.access);
        let next = grant.refresh.map(|refresh_token| {
            let blob = Zeroizing::new(
                serde_json::to_string(&RefreshBlob { refresh_token, device_id: blob.device_id.clone() }).expect("json"),
            );
            tokens::seal(config, &tokens::context(owner, platform, TokenKind::Refresh), &blob)
        });
        diesel::update(platform_connections::table.find(id))
            .set((
                platform_connections::access_token_encrypted.eq(&sealed.data),
                platform_connections::nonce.eq(&sealed.nonce),
                platform_connections::key_version.eq(sealed.key_id),
                platform_connections::refresh_token_encrypted.eq(next.as_ref().map(|r| r.data.clone())),
                platform_connections::refresh_nonce.eq(next.as_ref().map(|r| r.nonce.clone())),
                platform_connections::expires_at
                    .eq(grant.expires_in.map(|s| Utc::now() + chrono::Duration::seconds(s))),
            ))
            .execute(conn)
            .await?;
        tracing::info!(connection = %id, "VK access token refreshed");
        Ok(Zeroizing::new(grant.access))
    })
    .await
}

/// Removes the workspace's connection to `platform` and its tokens.
pub async fn disconnect(state: &AppState, user_id: Uuid, platform: Platform) -> Result<(), ConnectError> {
    let actor = managing(state, user_id).await?;
    let mut conn = state.db.get().await?;
    match delete_mine(&mut conn, &actor, platform).await? {
        0 => Err(ConnectError::NotFound),
        _ => {
            tracing::info!(%user_id, platform = platform.as_str(), "platform disconnected");
            Ok(())
        }
    }
}

/// Records what a call with the connection's token taught: `Ok` marks it working, a refused token marks it as
/// needing reconnection (with the platform's words). Other failures change nothing.
pub async fn record_health(
    state: &AppState,
    connection: Uuid,
    outcome: &Result<(), PlatformError>,
) -> anyhow::Result<()> {
    let (status, error) = match outcome {
        Ok(()) => (ConnectionStatus::Active, None),
        Err(PlatformError::Refused { refusal: Refusal::Reconnect | Refusal::NoRights, message }) => {
            (ConnectionStatus::Reconnect, Some(message.clone()))
        }
        Err(_) => return Ok(()),
    };
    let mut conn = state.db.get().await?;
    diesel::update(platform_connections::table.find(connection))
        .set((platform_connections::status.eq(status.as_str()), platform_connections::error.eq(error)))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Checks the workspace's connection to `platform` with the platform now (for Telegram: the token and the bot's
/// right to post), records the result, and returns the connection as it stands.
pub async fn test(state: &AppState, user_id: Uuid, platform: Platform) -> Result<Connection, ConnectError> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    let Some((id, target, _)) = load_mine(&mut conn, &actor, platform).await? else {
        return Err(ConnectError::NotFound);
    };
    drop(conn);
    let outcome = match access(state, id).await {
        Err(e) => Err(e),
        Ok(token) => match platform {
            Platform::Telegram => {
                let api = telegram::Telegram::new(&state.config.platforms.telegram_api_url);
                match api.get_me(&token).await {
                    Ok(bot) => match api.get_chat_member(&token, &target, bot.id).await {
                        Ok(m) if m.may_post() => Ok(()),
                        Ok(_) => Err(PlatformError::refused(Refusal::NoRights, "the bot may not post to the channel")),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                }
            }
            Platform::Rutube => {
                rutube::Rutube::new(&state.config.platforms.rutube_api_url).me(&token).await.map(|_| ())
            }
            Platform::Vk => vk::Vk::new(&state.config.platforms.vk_api_url).me(&token).await.map(|_| ()),
            Platform::Dzen => return Err(ConnectError::NotFound),
        },
    };
    record_health(state, id, &outcome).await?;
    match &outcome {
        // Recorded on the connection: the page shows it with the reconnect prompt.
        Ok(()) | Err(PlatformError::Refused { refusal: Refusal::Reconnect | Refusal::NoRights, .. }) => {}
        Err(e) => return Err(ConnectError::Problem(e.problem(false))),
    }
    let all = list(state, user_id).await?;
    all.into_iter().find(|c| c.platform == platform).ok_or(ConnectError::NotFound)
}

/// Reseals every token sealed under an older key with the current one (after a key rotation, see
/// `docs/publishing.md`); returns how many tokens moved. A token that opens under neither key is left as it is and
/// counted in the error.
pub async fn reseal_all(db: &crate::db::DbPool, config: &crate::config::PlatformsConfig) -> anyhow::Result<usize> {
    let mut conn = db.get().await?;
    let rows: Vec<SealedRow> = platform_connections::table
        .filter(platform_connections::key_version.ne(config.current.0))
        .select(SealedRow::as_select())
        .load(&mut conn)
        .await?;
    let (mut moved, mut failed) = (0, 0);
    for row in rows {
        let owner = row.team_id.unwrap_or(row.user_id);
        let SealedRow {
            id,
            platform,
            access_token_encrypted: data,
            nonce,
            key_version: key_id,
            refresh_token_encrypted: refresh,
            refresh_nonce,
            ..
        } = row;
        let platform = Platform::parse(&platform).map_err(|e| anyhow::anyhow!("{e}"))?;
        let reseal = |kind, data, nonce| -> Result<SealedToken, tokens::TokenError> {
            let ctx = tokens::context(owner, platform, kind);
            let token = tokens::open(config, &ctx, &SealedToken { data, nonce, key_id })?;
            Ok(tokens::seal(config, &ctx, &token))
        };
        let access = reseal(TokenKind::Access, data, nonce);
        let refresh = match (refresh, refresh_nonce) {
            (Some(d), Some(n)) => Some(reseal(TokenKind::Refresh, d, n)),
            _ => None,
        };
        match (access, refresh.transpose()) {
            (Ok(a), Ok(r)) => {
                diesel::update(platform_connections::table.find(id))
                    .filter(platform_connections::key_version.eq(key_id))
                    .set((
                        platform_connections::access_token_encrypted.eq(a.data),
                        platform_connections::nonce.eq(a.nonce),
                        platform_connections::key_version.eq(a.key_id),
                        platform_connections::refresh_token_encrypted.eq(r.as_ref().map(|r| r.data.clone())),
                        platform_connections::refresh_nonce.eq(r.map(|r| r.nonce)),
                    ))
                    .execute(&mut conn)
                    .await?;
                moved += 1;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(connection = %id, error = %e, "a platform token could not be resealed");
                failed += 1;
            }
        }
    }
    anyhow::ensure!(failed == 0, "{failed} connections could not be resealed (their key is gone); {moved} were");
    Ok(moved)
}
