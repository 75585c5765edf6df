//! Publishing clips (issue 22): the publish request, the `publish` job's work, scheduled posts and retries.
//!
//! A request writes one `publications` row per platform before anything is uploaded, with an idempotency key that
//! every retry of its job shares. The job posts through the platform's adapter under the throttles every worker shares
//! (Redis), records the platform's post id the moment it is known, and never posts a publication whose post id is
//! recorded. Refusals follow the platform's signals ([`domain::publish::Refusal`]): short waits (a 429's
//! `retry_after`) are waited out inside the job, a refused token flags the connection for reconnection and fails the
//! publication with the platform's words, anything else the platform rejects fails it with a clear reason, and an
//! unreachable platform fails the attempt so the queue retries it with backoff.

use chrono::{DateTime, Utc};
use diesel::{
    ExpressionMethods as _, NullableExpressionMethods as _, OptionalExtension as _, QueryDsl as _,
    SelectableHelper as _,
};
use diesel_async::RunQueryDsl as _;
use domain::{
    Action, ClipStatus, ConnectionStatus, Lang, Platform, PublicationStatus, TextEnum as _,
    publish::{PublicationView, PublishProblem, PublishTarget, Refusal},
};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{clips, platform_connections, publications, users},
    jobs::PublishClip,
    platforms::{
        PlatformError,
        adapter::{ClipUpload, PlatformAdapter, Posted, RutubeAdapter, TelegramAdapter, VkAdapter},
    },
    queue::{EnqueueOptions, Priority},
    teams::{self, AccessError, Denied},
};

/// Why a publish request was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No such clip for the caller.
    #[error("not found")]
    NotFound,
    /// The caller's team role does not publish.
    #[error("your team role does not allow this")]
    Forbidden,
    /// Malformed targets (none, duplicates, an unknown platform).
    #[error("bad input")]
    BadInput,
    /// The request cannot be carried out, for the reason given.
    #[error("cannot publish: {0:?}")]
    Problem(PublishProblem),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(PublishError);

impl From<AccessError> for PublishError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Denied(Denied::NotFound) => PublishError::NotFound,
            AccessError::Denied(Denied::Forbidden) => PublishError::Forbidden,
            AccessError::Internal(e) => PublishError::Internal(e),
        }
    }
}

/// A publication's listed columns.
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = publications, check_for_backend(diesel::pg::Pg))]
struct PubRow {
    id: Uuid,
    platform: String,
    status: String,
    title: String,
    platform_url: Option<String>,
    error: Option<String>,
    scheduled_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
}

fn view(r: PubRow) -> anyhow::Result<PublicationView> {
    Ok(PublicationView {
        id: r.id.to_string(),
        platform: Platform::parse(&r.platform).map_err(|e| anyhow::anyhow!("{e}"))?,
        status: PublicationStatus::parse(&r.status).map_err(|e| anyhow::anyhow!("{e}"))?,
        title: r.title,
        url: r.platform_url,
        error: r.error,
        scheduled_at: r.scheduled_at.map(|t| t.timestamp()),
        published_at: r.published_at.map(|t| t.timestamp()),
    })
}

/// Publishes a clip to `targets` now (`at` is `None`) or at `at` (Unix seconds). Every target's connection must be
/// the workspace's and working; nothing is written unless all are.
pub async fn publish(
    state: &AppState,
    user_id: Uuid,
    clip_id: Uuid,
    targets: &[PublishTarget],
    at: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<PublicationView>, PublishError> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    teams::check_clip(&mut conn, &actor, clip_id, Action::Publish).await?;
    let mut platforms: Vec<Platform> = targets.iter().map(|t| t.platform).collect();
    platforms.sort_by_key(|p| p.as_str());
    platforms.dedup();
    if targets.is_empty() || platforms.len() != targets.len() {
        return Err(PublishError::BadInput);
    }
    if targets.iter().any(|t| t.platform == Platform::Dzen) {
        return Err(PublishError::Problem(PublishProblem::NoUploadApi));
    }
    let (status, file): (String, Option<String>) =
        clips::table.find(clip_id).select((clips::status, clips::file_key)).first(&mut conn).await?;
    let ready = matches!(ClipStatus::parse(&status), Ok(ClipStatus::Ready | ClipStatus::Published));
    if !ready || file.is_none() {
        return Err(PublishError::Problem(PublishProblem::NotReady));
    }
    let due = match at {
        None => now,
        Some(at) => {
            let at = domain::publish::check_schedule(at, now.timestamp()).map_err(|p| {
                PublishError::Problem(match p {
                    domain::publish::ScheduleProblem::InThePast => PublishProblem::InThePast,
                    domain::publish::ScheduleProblem::TooFar => PublishProblem::TooFar,
                })
            })?;
            DateTime::from_timestamp(at, 0).unwrap_or(now)
        }
    };
    let mut rows = Vec::with_capacity(targets.len());
    for target in targets {
        let connection: Option<(Uuid, String)> = platform_connections::table
            .filter(crate::platforms::mine(&actor))
            .filter(platform_connections::platform.eq(target.platform.as_str()))
            .select((platform_connections::id, platform_connections::status))
            .first(&mut conn)
            .await
            .optional()?;
        let Some((connection_id, status)) = connection else {
            return Err(PublishError::Problem(PublishProblem::NotConnected));
        };
        if status != ConnectionStatus::Active.as_str() {
            return Err(PublishError::Problem(PublishProblem::NeedsReconnect));
        }
        let post = domain::publish::compose(target.platform, &target.text);
        rows.push((connection_id, target.platform, post));
    }
    let mut created = Vec::with_capacity(rows.len());
    for (connection_id, platform, post) in rows {
        let id = Uuid::now_v7();
        let row: PubRow = diesel::insert_into(publications::table)
            .values((
                publications::id.eq(id),
                publications::clip_id.eq(clip_id),
                publications::connection_id.eq(connection_id),
                publications::user_id.eq(user_id),
                publications::platform.eq(platform.as_str()),
                publications::status.eq(PublicationStatus::Scheduled.as_str()),
                publications::scheduled_at.eq(due),
                publications::title.eq(&post.title),
                publications::body.eq(&post.body),
                publications::idempotency_key.eq(domain::publish::idempotency_key(&id.to_string())),
            ))
            .returning(PubRow::as_returning())
            .get_result(&mut conn)
            .await?;
        created.push(view(row)?);
        if at.is_none() {
            enqueue(state, id).await?;
        }
    }
    drop(conn);
    if at.is_some() {
        // Scheduled posts are enqueued by the minute sweep ([`enqueue_due`]) when their time comes.
        tracing::info!(%clip_id, due = %due, "publication scheduled");
    }
    Ok(created)
}

/// Enqueues the job of one publication unless one is live for it already (the publication is the job's subject), so
/// the sweep, a request and a retry that race enqueue it once.
async fn enqueue(state: &AppState, publication_id: Uuid) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(
            &PublishClip { publication_id },
            EnqueueOptions::new()
                .priority(Priority::Free)
                .subject(format!("publication:{publication_id}"))
                .only_if_subject_idle(),
        )
        .await?;
    Ok(())
}

/// Enqueues every scheduled publication whose time has come by `now`; returns how many. Run every minute by the
/// worker's cron; the clock is passed in so tests move time instead of waiting.
pub async fn enqueue_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut conn = state.db.get().await?;
    let due: Vec<Uuid> = publications::table
        .filter(publications::status.eq(PublicationStatus::Scheduled.as_str()))
        .filter(publications::scheduled_at.le(now))
        .select(publications::id)
        .limit(500)
        .load(&mut conn)
        .await?;
    drop(conn);
    for id in &due {
        enqueue(state, *id).await?;
    }
    Ok(due.len())
}

/// The publications of a clip, newest first.
pub async fn status(state: &AppState, user_id: Uuid, clip_id: Uuid) -> Result<Vec<PublicationView>, PublishError> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    teams::check_clip(&mut conn, &actor, clip_id, Action::View).await?;
    let rows: Vec<PubRow> = publications::table
        .filter(publications::clip_id.eq(clip_id))
        .select(PubRow::as_select())
        .order(publications::created_at.desc())
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().map(view).collect::<anyhow::Result<_>>()?)
}

/// Tries the clip's latest failed publication on `platform` again (its connection must work again).
pub async fn retry(state: &AppState, user_id: Uuid, clip_id: Uuid, platform: Platform) -> Result<(), PublishError> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    teams::check_clip(&mut conn, &actor, clip_id, Action::Publish).await?;
    let failed: Option<Uuid> = publications::table
        .filter(publications::clip_id.eq(clip_id))
        .filter(publications::platform.eq(platform.as_str()))
        .filter(publications::status.eq(PublicationStatus::Failed.as_str()))
        .order(publications::created_at.desc())
        .select(publications::id)
        .first(&mut conn)
        .await
        .optional()?;
    // Nothing failed there: nothing to retry (the clip itself is visible, so not a 404).
    let Some(id) = failed else { return Err(PublishError::BadInput) };
    // The workspace's current connection (reconnecting made a new row).
    let connection: Option<(Uuid, String)> = platform_connections::table
        .filter(crate::platforms::mine(&actor))
        .filter(platform_connections::platform.eq(platform.as_str()))
        .select((platform_connections::id, platform_connections::status))
        .first(&mut conn)
        .await
        .optional()?;
    match connection {
        None => return Err(PublishError::Problem(PublishProblem::NotConnected)),
        Some((_, s)) if s != ConnectionStatus::Active.as_str() => {
            return Err(PublishError::Problem(PublishProblem::NeedsReconnect));
        }
        Some((connection_id, _)) => {
            diesel::update(publications::table.find(id))
                .filter(publications::status.eq(PublicationStatus::Failed.as_str()))
                .set((
                    publications::status.eq(PublicationStatus::Scheduled.as_str()),
                    publications::connection_id.eq(connection_id),
                    publications::error.eq(None::<String>),
                ))
                .execute(&mut conn)
                .await?;
        }
    }
    drop(conn);
    enqueue(state, id).await?;
    Ok(())
}

/// Marks a publication failed with `error` (unless it was published meanwhile).
pub async fn fail(state: &AppState, publication_id: Uuid, error: &str) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    diesel::update(publications::table.find(publication_id))
        .filter(publications::status.ne(PublicationStatus::Published.as_str()))
        .set((publications::status.eq(PublicationStatus::Failed.as_str()), publications::error.eq(error)))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The language of the person who asked for the post, for the reasons written on it.
async fn publisher_lang(conn: &mut diesel_async::AsyncPgConnection, user: Option<Uuid>) -> anyhow::Result<Lang> {
    let Some(user) = user else { return Ok(Lang::default()) };
    let code: Option<String> = users::table.find(user).select(users::ui_language).first(conn).await.optional()?;
    Ok(code.and_then(|c| Lang::from_code(&c)).unwrap_or_default())
}

/// What one publication needs from the database.
struct Work {
    status: String,
    platform: Platform,
    post_id: Option<String>,
    title: String,
    body: String,
    user: Option<Uuid>,
    connection: Option<Uuid>,
    clip: Uuid,
}

/// The `publish` job's work for one publication. `Ok` when the publication is settled (published or failed for a
/// reason retrying will not fix); `Err` when the attempt should be retried by the queue.
pub async fn run(state: &AppState, publication_id: Uuid) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    type Row = (String, String, Option<String>, String, String, Option<Uuid>, Option<Uuid>, Uuid);
    let row: Option<Row> = publications::table
        .find(publication_id)
        .select((
            publications::status,
            publications::platform,
            publications::platform_post_id,
            publications::title,
            publications::body,
            publications::user_id,
            publications::connection_id,
            publications::clip_id,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((status, platform, post_id, title, body, user, connection, clip)) = row else { return Ok(()) };
    let work = Work {
        status,
        platform: Platform::parse(&platform).map_err(|e| anyhow::anyhow!("{e}"))?,
        post_id,
        title,
        body,
        user,
        connection,
        clip,
    };
    let settled = [PublicationStatus::Published, PublicationStatus::Cancelled, PublicationStatus::Failed];
    if settled.iter().any(|s| s.as_str() == work.status) {
        return Ok(());
    }
    let lang = publisher_lang(&mut conn, work.user).await?;
    let Some(connection_id) = work.connection else {
        drop(conn);
        return fail(state, publication_id, lang.dict().platforms.disconnected).await;
    };
    let Some((target, conn_status)) = platform_connections::table
        .find(connection_id)
        .select((platform_connections::target_id, platform_connections::status))
        .first::<(String, String)>(&mut conn)
        .await
        .optional()?
    else {
        drop(conn);
        return fail(state, publication_id, lang.dict().platforms.disconnected).await;
    };
    if conn_status != ConnectionStatus::Active.as_str() {
        drop(conn);
        return fail(
            state,
            publication_id,
            lang.dict().platforms.publish_problems[PublishProblem::NeedsReconnect.index()],
        )
        .await;
    }
    let (video, file_key, start, end): (Uuid, Option<String>, f64, f64) = clips::table
        .find(work.clip)
        .select((clips::video_id, clips::file_key, clips::start_s, clips::end_s))
        .first(&mut conn)
        .await?;
    diesel::update(publications::table.find(publication_id))
        .set((
            publications::status.eq(PublicationStatus::Publishing.as_str()),
            publications::attempts.eq(publications::attempts + 1),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);
    let Some(file_key) = file_key else {
        return fail(state, publication_id, lang.dict().platforms.publish_problems[PublishProblem::NotReady.index()])
            .await;
    };
    let limits = domain::publish::limits(work.platform);
    let size = state.storage.size(&file_key).await?.unwrap_or(0).max(0) as u64;
    if let Some(max) = limits.max_bytes
        && size > max
    {
        return fail(state, publication_id, &(lang.dict().platforms.too_large)(max / (1024 * 1024))).await;
    }
    let thumbnail_key = crate::clips::post_thumbnail_key(video, work.clip);
    let clip = ClipUpload {
        file_key: &file_key,
        thumbnail_key: &thumbnail_key,
        duration: (end - start).max(0.0),
        title: &work.title,
        body: &work.body,
    };
    let known = work.post_id.as_deref();
    let token = crate::platforms::access(state, connection_id).await;
    let outcome = match (work.platform, &token) {
        (_, Err(e)) => Err(e.clone()),
        (Platform::Telegram, Ok(token)) => {
            deliver(state, publication_id, &TelegramAdapter { state, token, chat: &target }, &clip, known).await
        }
        (Platform::Rutube, Ok(token)) => {
            deliver(state, publication_id, &RutubeAdapter { state, token }, &clip, known).await
        }
        (Platform::Vk, Ok(token)) => {
            deliver(state, publication_id, &VkAdapter { state, token, target: &target }, &clip, known).await
        }
        // Publishing to Dzen is refused when it is requested: it has no upload API.
        (Platform::Dzen, Ok(_)) => Err(PlatformError::refused(Refusal::Rejected, "Dzen has no upload API")),
    };
    match outcome {
        Ok(()) => {
            crate::platforms::record_health(state, connection_id, &Ok(())).await?;
            Ok(())
        }
        Err(e @ PlatformError::Refused { refusal: Refusal::Reconnect | Refusal::NoRights, .. }) => {
            crate::platforms::record_health(state, connection_id, &Err(e.clone())).await?;
            let PlatformError::Refused { message, .. } = &e else { unreachable!() };
            tracing::warn!(%publication_id, platform = work.platform.as_str(), "the platform refused the connection");
            fail(state, publication_id, &(lang.dict().platforms.reconnect_note)(message)).await
        }
        Err(PlatformError::Refused { refusal: Refusal::TooLarge, .. }) => {
            let mb = limits.max_bytes.unwrap_or(0) / (1024 * 1024);
            fail(state, publication_id, &(lang.dict().platforms.too_large)(mb)).await
        }
        Err(PlatformError::Refused { refusal: Refusal::Rejected, message }) => {
            fail(state, publication_id, &message).await
        }
        // Waits too long to ride out, an unreachable platform, a malformed reply: the queue retries with backoff.
        Err(e) => Err(anyhow::anyhow!("publishing to {}: {e}", work.platform.as_str())),
    }
}

/// Uploads the clip through `adapter` unless an earlier attempt already did (`known` is the post id it recorded: a
/// retried job never uploads twice, it waits for that post instead), records the post the moment the platform
/// names it, waits until it is processed, and marks the publication published.
async fn deliver<A: PlatformAdapter>(
    state: &AppState,
    publication_id: Uuid,
    adapter: &A,
    clip: &ClipUpload<'_>,
    known: Option<&str>,
) -> Result<(), PlatformError> {
    let recording = |e: anyhow::Error| PlatformError::Unreachable(format!("recording the post: {e:#}"));
    let id = match known {
        Some(id) => id.to_owned(),
        None => {
            let posted = adapter.upload(clip).await?;
            record_post(state, publication_id, &posted).await.map_err(recording)?;
            posted.id
        }
    };
    adapter.wait_ready(&id).await?;
    published(state, publication_id).await.map_err(recording)
}

/// Records the platform's id and link for a publication (it may still be processing there).
async fn record_post(state: &AppState, publication_id: Uuid, posted: &Posted) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    diesel::update(publications::table.find(publication_id))
        .set((publications::platform_post_id.eq(&posted.id), publications::platform_url.eq(&posted.url)))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Marks a publication published (its post id and link are recorded) and its clip `published`.
async fn published(state: &AppState, publication_id: Uuid) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    let clip: Uuid = diesel::update(publications::table.find(publication_id))
        .set((
            publications::status.eq(PublicationStatus::Published.as_str()),
            publications::published_at.eq(Utc::now()),
            publications::error.eq(None::<String>),
        ))
        .returning(publications::clip_id)
        .get_result(&mut conn)
        .await?;
    diesel::update(clips::table.find(clip))
        .filter(clips::status.eq(ClipStatus::Ready.as_str()))
        .set(clips::status.eq(ClipStatus::Published.as_str()))
        .execute(&mut conn)
        .await?;
    tracing::info!(%publication_id, %clip, "clip published");
    Ok(())
}

/// How far back the stats collector looks: posts older than this keep their last figures.
pub const STATS_WINDOW_DAYS: i64 = 90;

/// What one stats pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StatsReport {
    /// Posts whose counters were sampled.
    pub sampled: usize,
    /// Posts the platform would not report on (the error is logged; the next pass tries again).
    pub failed: usize,
}

/// One pass of the stats collector: for every post published in the last [`STATS_WINDOW_DAYS`] on a platform that
/// reports counters (Rutube, VK; not Telegram), through a working connection, reads its counters and keeps them as a
/// sample taken at `now` (the time series the analytics page draws) and as the publication's latest figures. A
/// refused token flags the connection as it does when publishing. The clock is passed in so tests move time.
pub async fn collect_stats(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<StatsReport> {
    use crate::db::schema::publication_stats;
    type Due = (Uuid, String, String, Uuid, String);
    let mut conn = state.db.get().await?;
    let due: Vec<Due> = publications::table
        .inner_join(platform_connections::table)
        .filter(publications::status.eq(PublicationStatus::Published.as_str()))
        .filter(publications::platform_post_id.is_not_null())
        .filter(publications::published_at.ge(now - chrono::Duration::days(STATS_WINDOW_DAYS)))
        .filter(publications::platform.ne(Platform::Telegram.as_str()))
        .filter(platform_connections::status.eq(ConnectionStatus::Active.as_str()))
        .select((
            publications::id,
            publications::platform,
            publications::platform_post_id.assume_not_null(),
            platform_connections::id,
            platform_connections::target_id,
        ))
        .order(publications::published_at.desc())
        .limit(5000)
        .load(&mut conn)
        .await?;
    drop(conn);
    let mut report = StatsReport::default();
    for (publication, platform, post_id, connection, target) in due {
        let platform = Platform::parse(&platform).map_err(|e| anyhow::anyhow!("{e}"))?;
        let counts = match (platform, crate::platforms::access(state, connection).await) {
            (_, Err(e)) => Err(e),
            (Platform::Rutube, Ok(token)) => RutubeAdapter { state, token: &token }.stats(&post_id).await,
            (Platform::Vk, Ok(token)) => VkAdapter { state, token: &token, target: &target }.stats(&post_id).await,
            _ => Ok(None),
        };
        let counts = match counts {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => {
                if matches!(e, PlatformError::Refused { refusal: Refusal::Reconnect | Refusal::NoRights, .. }) {
                    crate::platforms::record_health(state, connection, &Err(e.clone())).await?;
                }
                tracing::warn!(%publication, platform = platform.as_str(), error = %e, "stats not available");
                report.failed += 1;
                continue;
            }
        };
        let mut conn = state.db.get().await?;
        diesel::insert_into(publication_stats::table)
            .values((
                publication_stats::publication_id.eq(publication),
                publication_stats::taken_at.eq(now),
                publication_stats::views.eq(counts.views),
                publication_stats::likes.eq(counts.likes),
                publication_stats::shares.eq(counts.shares),
                publication_stats::comments.eq(counts.comments),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await?;
        diesel::update(publications::table.find(publication))
            .set((
                publications::views.eq(counts.views),
                publications::likes.eq(counts.likes),
                publications::shares.eq(counts.shares),
                publications::comments.eq(counts.comments),
                publications::stats_updated_at.eq(now),
            ))
            .execute(&mut conn)
            .await?;
        report.sampled += 1;
    }
    Ok(report)
}
