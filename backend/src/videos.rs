//! Videos: listing, the demo, progress and status changes. Every change is published to the owner's live channel
//! (`events:user:<id>` on Redis pub/sub), which the server forwards to the browser.

use chrono::{DateTime, Utc};
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, JoinOnDsl as _, OptionalExtension as _, QueryDsl as _,
    SelectableHelper as _,
};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{
    PlanId, SourceKind, TextEnum as _, VideoStatus,
    videos::{LiveEvent, VideoCard, stage},
};
use fred::prelude::PubsubInterface as _;
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{users, videos},
    jobs::FetchSource,
    queue::{EnqueueOptions, Priority, subject_video},
    redis::Redis,
    teams::{AccessError, Actor},
};

#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = videos)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct CardRow {
    id: Uuid,
    user_id: Uuid,
    team_id: Option<Uuid>,
    title: String,
    status: String,
    stage: Option<String>,
    progress: i16,
    duration_seconds: Option<f64>,
    error: Option<String>,
    expired_at: Option<DateTime<Utc>>,
}

impl CardRow {
    fn card(self) -> VideoCard {
        VideoCard {
            id: self.id.to_string(),
            title: self.title,
            status: VideoStatus::parse(&self.status).unwrap_or(VideoStatus::Failed),
            stage: self.stage,
            progress: self.progress.clamp(0, 100) as u8,
            duration_seconds: self.duration_seconds,
            error: self.error.as_deref().map(domain::Failure::from_stored),
            expired: self.expired_at.is_some(),
            shared: self.team_id.is_some(),
        }
    }
}

/// Live channel names start with this (after the key prefix) and end with the user's id.
pub const USER_CHANNEL_PREFIX: &str = "events:user:";

/// The owner's live channel name (without the key prefix).
pub fn user_channel(user_id: Uuid) -> String {
    format!("{USER_CHANNEL_PREFIX}{user_id}")
}

/// Publishes `event` to `user_id`'s live channel. Losing an event is harmless (pages re-read the database when
/// they reconnect), so a Redis error is logged, not returned.
pub async fn publish(redis: &Redis, user_id: Uuid, event: &LiveEvent) {
    let payload = serde_json::to_string(event).expect("live events serialize");
    let r: Result<i64, _> = redis.client().publish(redis.key(&user_channel(user_id)), payload).await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "publishing a live event failed");
    }
}

/// Tells everyone who sees the video (its creator and, for a team's video, every member) about `event`.
pub async fn notify(state: &AppState, creator: Uuid, team: Option<Uuid>, event: &LiveEvent) {
    let audience = match state.db.get().await {
        Ok(mut conn) => crate::teams::audience(&mut conn, creator, team).await,
        Err(e) => Err(anyhow::anyhow!("database pool: {e}")),
    };
    let audience = audience.unwrap_or_else(|e| {
        tracing::warn!(error = format!("{e:#}"), "reading a video's audience failed; telling its creator only");
        vec![creator]
    });
    for user in audience {
        publish(&state.redis, user, event).await;
    }
}

/// One page of the videos the actor sees, newest first: the first page, or the one after the video `before`. Ids
/// are UUID v7, so their order is creation order.
pub async fn list_for_user(state: &AppState, actor: &Actor, before: Option<Uuid>) -> anyhow::Result<Vec<VideoCard>> {
    page_for_user(state, actor, before, domain::videos::PAGE_SIZE).await
}

/// The `count` newest videos the actor sees (the dashboard's recent videos).
pub async fn recent_for_user(state: &AppState, actor: &Actor, count: usize) -> anyhow::Result<Vec<VideoCard>> {
    page_for_user(state, actor, None, count).await
}

async fn page_for_user(
    state: &AppState,
    actor: &Actor,
    before: Option<Uuid>,
    count: usize,
) -> anyhow::Result<Vec<VideoCard>> {
    let mut conn = state.db.get().await?;
    let mut query = videos::table.filter(actor.sees::<videos::table>()).into_boxed();
    if let Some(before) = before {
        query = query.filter(videos::id.lt(before));
    }
    let rows: Vec<CardRow> =
        query.order(videos::id.desc()).limit(count as i64).select(CardRow::as_select()).load(&mut conn).await?;
    Ok(rows.into_iter().map(CardRow::card).collect())
}

/// A video the actor sees; `None` if it does not exist or they may not see it.
pub async fn card_for_user(state: &AppState, actor: &Actor, video_id: Uuid) -> anyhow::Result<Option<VideoCard>> {
    let mut conn = state.db.get().await?;
    let row: Option<CardRow> = videos::table
        .filter(videos::id.eq(video_id))
        .filter(actor.sees::<videos::table>())
        .select(CardRow::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(CardRow::card))
}

/// The queue priority of `user_id`'s jobs (by plan).
pub async fn priority_of(state: &AppState, user_id: Uuid) -> anyhow::Result<Priority> {
    let mut conn = state.db.get().await?;
    let plan: String = users::table.find(user_id).select(users::plan_id).first(&mut conn).await?;
    Ok(Priority::for_plan(PlanId::parse(&plan).unwrap_or(PlanId::Free)))
}

/// Creates a demo video in the actor's workspace and enqueues the job that fills it in.
pub async fn start_demo(state: &AppState, actor: &Actor, lang: domain::Lang) -> anyhow::Result<VideoCard> {
    create_to_fetch(state, actor, lang.dict().video_list.demo_title, &crate::jobs::demo_source(lang)).await
}

/// Creates a video in `downloading` whose source is `source_url` (a link, or a demo: [`crate::jobs::demo_source`]), enqueues its
/// download and tells its owner. If Redis is down the video still exists and the reconciler enqueues it later.
async fn create_to_fetch(state: &AppState, actor: &Actor, title: &str, source_url: &str) -> anyhow::Result<VideoCard> {
    let (team, payer) = actor.workspace();
    let priority = priority_of(state, payer).await?;
    let mut conn = state.db.get().await?;
    let row: CardRow = diesel::insert_into(videos::table)
        .values((
            videos::id.eq(Uuid::now_v7()),
            videos::user_id.eq(actor.user_id),
            videos::team_id.eq(team),
            videos::billed_to.eq(payer),
            videos::title.eq(title),
            videos::status.eq(VideoStatus::Downloading.as_str()),
            videos::source_kind.eq(SourceKind::Url.as_str()),
            videos::source_url.eq(source_url),
            videos::stage.eq(stage::QUEUED),
        ))
        .returning(CardRow::as_returning())
        .get_result(&mut conn)
        .await?;
    drop(conn);
    enqueue_fetch(state, row.id, priority).await;
    let (creator, team) = (row.user_id, row.team_id);
    let card = row.card();
    notify(state, creator, team, &LiveEvent::Video(card.clone())).await;
    Ok(card)
}

/// Enqueues the `downloading` stage of a video.
pub async fn enqueue_fetch(state: &AppState, video_id: Uuid, priority: Priority) {
    enqueue_stage(state, video_id, priority, &FetchSource { video_id }).await;
}

/// Enqueues `job`, the next stage of `video_id`, once (keyed by job name and video), holding the video's live
/// marker. If Redis is down the video still sits in the stage's status and the reconciler enqueues it later, so a
/// failure here is logged, not returned.
pub async fn enqueue_stage<J: crate::queue::Job>(state: &AppState, video_id: Uuid, priority: Priority, job: &J) {
    let options = EnqueueOptions::new()
        .priority(priority)
        .subject(subject_video(video_id))
        .key(format!("{}:{video_id}", J::NAME));
    if let Err(e) = state.queue.enqueue(job, options).await {
        tracing::warn!(%video_id, job = J::NAME, error = format!("{e:#}"), "enqueueing a stage failed; the reconciler will retry");
    }
}

/// Inside a transaction: locks the video's row if it is in `status` and returns its owner; `None` if it has moved on
/// (a redelivered or repeated job), in which case the caller changes nothing.
pub async fn lock_in_status(
    conn: &mut diesel_async::AsyncPgConnection,
    video_id: Uuid,
    status: VideoStatus,
) -> anyhow::Result<Option<Uuid>> {
    Ok(videos::table
        .filter(videos::id.eq(video_id).and(videos::status.eq(status.as_str())))
        .select(videos::user_id)
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Moves a just-uploaded video on to its `downloading` stage (validation) and tells those who see it.
pub async fn uploaded(state: &AppState, video_id: Uuid) -> anyhow::Result<()> {
    let priority = priority_of_video(state, video_id).await?;
    enqueue_fetch(state, video_id, priority).await;
    announce(state, video_id).await
}

/// The queue priority of a video's jobs: by the plan that pays for it.
pub async fn priority_of_video(state: &AppState, video_id: Uuid) -> anyhow::Result<Priority> {
    let mut conn = state.db.get().await?;
    let payer: Uuid = videos::table.find(video_id).select(videos::billed_to).first(&mut conn).await?;
    drop(conn);
    priority_of(state, payer).await
}

/// Publishes the video's current card to everyone who sees it.
pub async fn announce(state: &AppState, video_id: Uuid) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    let row: Option<CardRow> =
        videos::table.find(video_id).select(CardRow::as_select()).first(&mut conn).await.optional()?;
    drop(conn);
    if let Some(row) = row {
        let (creator, team) = (row.user_id, row.team_id);
        notify(state, creator, team, &LiveEvent::Video(row.card())).await;
    }
    Ok(())
}

/// Creates a video imported from `url` (checked: http(s) only, public address) in the actor's workspace and
/// enqueues its download.
pub async fn import_url(
    state: &AppState,
    actor: &Actor,
    url: &str,
    allowed: &crate::fetch::SafeFetch,
) -> Result<VideoCard, crate::uploads::UploadError> {
    use crate::uploads::UploadError;
    if !actor.may_here(domain::Action::Upload) {
        return Err(UploadError::Forbidden);
    }
    let parsed = url::Url::parse(url.trim()).map_err(|_| UploadError::BadUrl)?;
    allowed.resolve(&parsed).await.map_err(|e| {
        // The host only: a link's path and query may carry someone's access token.
        tracing::info!(host = parsed.host_str().unwrap_or(""), error = %e, "refused a URL import");
        UploadError::BadUrl
    })?;
    crate::uploads::check_may_upload(state, actor).await?;
    let title = parsed
        .path_segments()
        .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_owned))
        .map(|name| crate::uploads::title_from_filename(&name))
        .unwrap_or_else(|| parsed.host_str().unwrap_or("video").to_owned());
    Ok(create_to_fetch(state, actor, &title, parsed.as_str()).await?)
}

/// What the download stage needs to know about a video.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its owner.
    pub user_id: Uuid,
    /// Its status.
    pub status: VideoStatus,
    /// The URL to fetch, or a demo's [`crate::jobs::demo_source`].
    pub source_url: Option<String>,
    /// Where the source is (or will be) stored.
    pub file_key: Option<String>,
    /// The declared MIME type.
    pub mime_type: Option<String>,
}

/// Reads [`SourceInfo`]; `None` if the video no longer exists.
pub async fn source_info(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<SourceInfo>> {
    let mut conn = state.db.get().await?;
    type Row = (Uuid, String, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = videos::table
        .filter(videos::id.eq(video_id))
        .select((videos::user_id, videos::status, videos::source_url, videos::file_key, videos::mime_type))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|(user_id, status, source_url, file_key, mime_type)| SourceInfo {
        user_id,
        status: VideoStatus::parse(&status).unwrap_or(VideoStatus::Failed),
        source_url,
        file_key,
        mime_type,
    }))
}

/// Records a running job's stage and progress on the video and tells its owner.
pub async fn report_progress(state: &AppState, video_id: Uuid, stage: &str, progress: u8) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    let row: Option<CardRow> = diesel::update(videos::table.find(video_id))
        .set((videos::stage.eq(stage), videos::progress.eq(progress.min(100) as i16)))
        .returning(CardRow::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?;
    if let Some(row) = row {
        let (creator, team) = (row.user_id, row.team_id);
        notify(state, creator, team, &LiveEvent::Video(row.card())).await;
    }
    Ok(())
}

/// What a finished probe learned about the stored file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    /// Object key of the stored file.
    pub file_key: String,
    /// MIME type.
    pub mime_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Length in seconds.
    pub duration_seconds: f64,
    /// The title the source's platform gives it (page links), replacing the one taken from the link.
    pub title: Option<String>,
}

/// What [`complete_probe`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The video moved on (with its minutes reserved, when asked to).
    Moved,
    /// It had already left `downloading` (a redelivered job): nothing changed.
    AlreadyMoved,
    /// The owner's plan has too few minutes left: nothing was reserved and the video did not move.
    OverQuota {
        /// Minutes the video needs.
        minutes: i32,
        /// Minutes the owner had left (plan and extra minutes, less used and reserved), never negative.
        left: i64,
    },
}

/// Records what the probe found and moves the video to `next` (`transcribing`, or `completed` for the demo).
///
/// With `reserve`, that many minutes are reserved for the video in the same transaction, under a lock on the
/// owner's row, so that concurrent probes of one user's uploads cannot together spend more minutes than the plan has
/// ([`ProbeOutcome::OverQuota`] otherwise). Transcription turns the reservation into use; a failure gives it back.
pub async fn complete_probe(
    state: &AppState,
    video_id: Uuid,
    probed: &Probed,
    next: VideoStatus,
    reserve: Option<i32>,
) -> anyhow::Result<ProbeOutcome> {
    let (stage, progress) = if next == VideoStatus::Completed { (None, 100) } else { (Some(stage::WAITING_STT), 0) };
    let mut conn = state.db.get().await?;
    if let Some(title) = probed.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let title: String = title.chars().take(200).collect();
        diesel::update(videos::table.find(video_id).filter(videos::status.eq(VideoStatus::Downloading.as_str())))
            .set(videos::title.eq(title))
            .execute(&mut conn)
            .await?;
    }
    let outcome = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            if lock_in_status(conn, video_id, VideoStatus::Downloading).await?.is_none() {
                return Ok(Err(ProbeOutcome::AlreadyMoved));
            }
            if let Some(minutes) = reserve {
                // Minutes come from the plan that pays for the video: the team owner's for a team's video.
                let user_id: Uuid = videos::table.find(video_id).select(videos::billed_to).first(conn).await?;
                let (plan, used, reserved, extra): (String, i32, i32, i32) = users::table
                    .find(user_id)
                    .select((users::plan_id, users::minutes_used, users::minutes_reserved, users::extra_minutes))
                    .for_update()
                    .first(conn)
                    .await?;
                let plan = domain::Plan::get(PlanId::parse(&plan).unwrap_or(PlanId::Free));
                if let Some(included) = plan.minutes_per_month {
                    let left = i64::from(included) + i64::from(extra) - i64::from(used) - i64::from(reserved);
                    if i64::from(minutes) > left {
                        return Ok(Err(ProbeOutcome::OverQuota { minutes, left: left.max(0) }));
                    }
                }
                diesel::update(users::table.find(user_id))
                    .set(users::minutes_reserved.eq(users::minutes_reserved + minutes))
                    .execute(conn)
                    .await?;
            }
            let row: CardRow = diesel::update(videos::table.find(video_id))
                .set((
                    videos::status.eq(next.as_str()),
                    videos::stage.eq(stage),
                    videos::progress.eq(progress),
                    videos::file_key.eq(&probed.file_key),
                    videos::mime_type.eq(&probed.mime_type),
                    videos::size_bytes.eq(probed.size_bytes),
                    videos::duration_seconds.eq(probed.duration_seconds),
                    videos::error.eq(None::<String>),
                    videos::minutes_reserved.eq(reserve.unwrap_or(0)),
                ))
                .returning(CardRow::as_returning())
                .get_result(conn)
                .await?;
            Ok(Ok(row))
        })
        .await?;
    match outcome {
        Ok(row) => {
            let (creator, team) = (row.user_id, row.team_id);
            notify(state, creator, team, &LiveEvent::Video(row.card())).await;
            Ok(ProbeOutcome::Moved)
        }
        Err(outcome) => Ok(outcome),
    }
}

/// Gives back the minutes reserved for `video_id` (when it fails or is deleted before transcription); returns how
/// many. Call inside a transaction that holds the video's row.
pub async fn release_minutes(conn: &mut diesel_async::AsyncPgConnection, video_id: Uuid) -> anyhow::Result<i32> {
    let held: Option<(Uuid, i32)> = videos::table
        .find(video_id)
        .filter(videos::minutes_reserved.gt(0))
        .select((videos::billed_to, videos::minutes_reserved))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some((user_id, minutes)) = held else { return Ok(0) };
    diesel::update(videos::table.find(video_id)).set(videos::minutes_reserved.eq(0)).execute(conn).await?;
    diesel::update(users::table.find(user_id))
        .set(
            users::minutes_reserved.eq(diesel::dsl::sql::<diesel::sql_types::Integer>(&format!(
                "greatest(minutes_reserved - {minutes}, 0)"
            ))),
        )
        .execute(conn)
        .await?;
    Ok(minutes)
}

/// Marks the video failed with `reason` (translated for its owner; raw errors belong in the log) unless it already
/// finished.
pub async fn fail(state: &AppState, video_id: Uuid, reason: &domain::Failure) -> anyhow::Result<()> {
    let error = reason.to_stored();
    let mut conn = state.db.get().await?;
    let row: Option<CardRow> = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            let row: Option<CardRow> = diesel::update(
                videos::table
                    .find(video_id)
                    .filter(videos::status.ne_all([VideoStatus::Completed.as_str(), VideoStatus::Failed.as_str()])),
            )
            .set((
                videos::status.eq(VideoStatus::Failed.as_str()),
                videos::stage.eq(None::<String>),
                videos::error.eq(&error),
            ))
            .returning(CardRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
            // Minutes reserved at the probe go back: the video will not be transcribed.
            if row.is_some() {
                release_minutes(conn, video_id).await?;
            }
            Ok(row)
        })
        .await?;
    if let Some(row) = row {
        let (creator, team) = (row.user_id, row.team_id);
        notify(state, creator, team, &LiveEvent::Video(row.card())).await;
        crate::handoff::forget(state, video_id).await;
    }
    Ok(())
}

/// The video's status, if it exists.
pub async fn status(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<VideoStatus>> {
    let mut conn = state.db.get().await?;
    let s: Option<String> = videos::table.find(video_id).select(videos::status).first(&mut conn).await.optional()?;
    Ok(s.and_then(|s| VideoStatus::parse(&s).ok()))
}

/// A video in a non-terminal status that has not changed for a while: a candidate for the reconciler.
#[derive(Debug, Clone, PartialEq)]
pub struct StaleVideo {
    /// The video.
    pub id: Uuid,
    /// Its status.
    pub status: VideoStatus,
    /// The owner's queue priority.
    pub priority: Priority,
}

/// Videos that should have a job (anything between uploaded and finished) and have not changed since `before`.
/// `uploading` is excluded: it waits for the user, not for a worker.
pub async fn stale(state: &AppState, before: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<StaleVideo>> {
    let mut conn = state.db.get().await?;
    let waiting = [VideoStatus::Uploading, VideoStatus::Completed, VideoStatus::Failed].map(|s| s.as_str());
    let rows: Vec<(Uuid, String, String)> = videos::table
        .inner_join(users::table.on(users::id.eq(videos::billed_to)))
        .filter(videos::status.ne_all(waiting))
        .filter(videos::updated_at.lt(before))
        .order(videos::updated_at.asc())
        .limit(limit)
        .select((videos::id, videos::status, users::plan_id))
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, status, plan)| {
            Some(StaleVideo {
                id,
                status: VideoStatus::parse(&status).ok()?,
                priority: Priority::for_plan(PlanId::parse(&plan).unwrap_or(PlanId::Free)),
            })
        })
        .collect())
}

/// The stored source of a video the actor sees: (object key, MIME type), once it is fully uploaded.
pub async fn source_of(state: &AppState, actor: &Actor, video_id: Uuid) -> anyhow::Result<Option<(String, String)>> {
    let mut conn = state.db.get().await?;
    let row: Option<(Option<String>, Option<String>, String)> = videos::table
        .filter(videos::id.eq(video_id))
        .filter(actor.sees::<videos::table>())
        .select((videos::file_key, videos::mime_type, videos::status))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(match row {
        Some((Some(key), mime, status)) if status != VideoStatus::Uploading.as_str() => {
            Some((key, mime.unwrap_or_else(|| "application/octet-stream".into())))
        }
        _ => None,
    })
}

/// A video the actor sees, with its source details; `None` if missing or not theirs to see.
pub async fn detail_for_user(
    state: &AppState,
    actor: &Actor,
    video_id: Uuid,
) -> anyhow::Result<Option<domain::videos::VideoDetail>> {
    let Some(card) = card_for_user(state, actor, video_id).await? else { return Ok(None) };
    let editable = !card.shared || actor.team.is_some_and(|m| domain::teams::allows(m.role, domain::Action::Edit));
    let mut conn = state.db.get().await?;
    let (size_bytes, mime_type, source_url, file_key): (Option<i64>, Option<String>, Option<String>, Option<String>) =
        videos::table
            .find(video_id)
            .select((videos::size_bytes, videos::mime_type, videos::source_url, videos::file_key))
            .first(&mut conn)
            .await?;
    // A failed video stays playable while its source is stored (a later stage failed, not the file).
    let playable = match (&file_key, card.status) {
        (_, VideoStatus::Uploading) | (None, _) => false,
        (Some(key), _) => state.storage.size(key).await?.is_some(),
    };
    Ok(Some(domain::videos::VideoDetail {
        card,
        size_bytes,
        mime_type,
        source_url: source_url.filter(|u| crate::jobs::demo_lang(u).is_none()),
        playable,
        editable,
        costs: costs(&mut conn, video_id).await?,
    }))
}

/// What `video_id`'s transcription and LLM calls used, from its usage records, and whose keys paid.
pub async fn costs(
    conn: &mut diesel_async::AsyncPgConnection,
    video_id: Uuid,
) -> anyhow::Result<domain::keys::VideoCosts> {
    use crate::db::schema::usage_records as u;
    use domain::keys::{KeyPaid, LlmCost, SttCost, VideoCosts};
    type Row = (String, i32, i32, i32, i64, Option<String>, Option<String>);
    let rows: Vec<Row> = u::table
        .filter(u::video_id.eq(video_id))
        .order(u::created_at.asc())
        .select((
            u::kind,
            u::minutes_consumed,
            u::llm_tokens_in,
            u::llm_tokens_out,
            u::llm_cost_kopecks,
            u::model,
            u::key_source,
        ))
        .load(conn)
        .await?;
    let mut out = VideoCosts::default();
    for (kind, minutes, tokens_in, tokens_out, cost, model, key_source) in rows {
        let key = KeyPaid::from_record(key_source.as_deref());
        match kind.as_str() {
            "stt" => out.stt = Some(SttCost { model: model.unwrap_or_default(), minutes, key }),
            "llm" => {
                let llm = out.llm.get_or_insert_with(|| LlmCost { calls: 0, tokens: 0, cost_kopecks: 0, keys: vec![] });
                llm.calls += 1;
                llm.tokens += (tokens_in.max(0) + tokens_out.max(0)) as u64;
                llm.cost_kopecks += cost;
                if !llm.keys.contains(&key) {
                    llm.keys.push(key);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Deletes a video the actor may edit (see [`delete`]).
pub async fn delete_for_user(state: &AppState, actor: &Actor, video_id: Uuid) -> Result<(), AccessError> {
    let mut conn = state.db.get().await?;
    crate::teams::check_video(&mut conn, actor, video_id, domain::Action::Edit).await?;
    drop(conn);
    delete(state, video_id).await?;
    Ok(())
}

/// Deletes a video: its stored files, an unfinished upload, and the rows (clips, transcript and publications go
/// with it). A job still queued for it finds the video gone and does nothing. False if there was no such video.
pub async fn delete(state: &AppState, video_id: Uuid) -> anyhow::Result<bool> {
    let mut conn = state.db.get().await?;
    let row: Option<(Option<String>, Option<String>)> = videos::table
        .filter(videos::id.eq(video_id))
        .select((videos::file_key, videos::upload_id))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((file_key, upload_id)) = row else { return Ok(false) };
    if let (Some(key), Some(upload_id)) = (&file_key, &upload_id)
        && let Err(e) = state.storage.abort_multipart(key, upload_id).await
    {
        // Stored parts of an abandoned upload are only storage; the video goes either way.
        tracing::warn!(%video_id, error = format!("{e:#}"), "aborting an unfinished upload failed");
    }
    crate::uploads::delete_objects(state, video_id).await?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        release_minutes(conn, video_id).await?;
        diesel::delete(videos::table.find(video_id)).execute(conn).await?;
        Ok(())
    })
    .await?;
    crate::handoff::forget(state, video_id).await;
    Ok(true)
}
