//! Clips: what the analysis stage reads and stores, and the candidates as their owner sees them.

use chrono::{DateTime, Utc};
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, JoinOnDsl as _, OptionalExtension as _, QueryDsl as _,
    SelectableHelper as _,
};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{
    Action, ClipLayout, ClipStatus, PlanId, TextEnum as _, VideoStatus,
    analysis::{ClipCandidate, ClipCard, ClipDetail, ClipSort, Virality},
    videos::{LiveEvent, stage},
};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{clips, usage_records, users, videos},
    jobs::RenderClip,
    queue::{EnqueueOptions, subject_clip},
    teams::{AccessError, Actor, Denied},
    videos::{announce, notify, priority_of_video},
};

/// What the analysis stage needs to know about a video.
#[derive(Debug, Clone)]
pub struct AnalysisTarget {
    /// The owner.
    pub user_id: Uuid,
    /// The video's status.
    pub status: VideoStatus,
    /// The owner's plan (clips per video).
    pub plan: PlanId,
    /// The owner's AI strategy (`ru` or `global`): which models the router uses.
    pub strategy: String,
    /// Clips the owner asks for; `None`: as many as the plan allows.
    pub clip_count: Option<u32>,
    /// The shortest clip the owner wants, seconds.
    pub clip_min_seconds: u32,
    /// The longest clip the owner wants, seconds.
    pub clip_max_seconds: u32,
}

/// Reads [`AnalysisTarget`]; `None` if the video no longer exists.
pub async fn analysis_target(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<AnalysisTarget>> {
    let mut conn = state.db.get().await?;
    type Row = (Uuid, String, String, String, Option<i16>, i16, i16);
    let row: Option<Row> = videos::table
        .inner_join(users::table)
        .filter(videos::id.eq(video_id))
        .select((
            videos::user_id,
            videos::status,
            users::plan_id,
            users::llm_strategy,
            users::clip_count,
            users::clip_min_seconds,
            users::clip_max_seconds,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    // Preferences are the creator's; the plan (clips per video) is the payer's, the team owner's for a team video.
    let plan: String = videos::table
        .inner_join(users::table.on(users::id.eq(videos::billed_to)))
        .filter(videos::id.eq(video_id))
        .select(users::plan_id)
        .first(&mut conn)
        .await?;
    let row = (row.0, row.1, plan, row.3, row.4, row.5, row.6);
    Ok(Some(row).map(|(user_id, status, plan, strategy, count, min, max)| AnalysisTarget {
        user_id,
        status: VideoStatus::parse(&status).unwrap_or(VideoStatus::Failed),
        plan: PlanId::parse(&plan).unwrap_or(PlanId::Free),
        strategy,
        clip_count: count.map(|c| c.max(1) as u32),
        clip_min_seconds: min.max(1) as u32,
        clip_max_seconds: max.max(1) as u32,
    }))
}

/// One LLM call's usage, as `usage_records` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmUsage {
    /// The prompt's id and version (`moments.v1`).
    pub task: String,
    /// The router's tier, 0–3.
    pub tier: i16,
    /// The provider that answered.
    pub provider: String,
    /// The model.
    pub model: String,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Reply tokens.
    pub tokens_out: u64,
    /// What it cost us, kopecks (0 when the user's own key paid).
    pub cost_kopecks: i64,
    /// `server`, `user` or `server_after_user_refused`.
    pub key_source: String,
}

/// Records `calls` made for `video_id` of `user_id`, one `llm` usage record each.
pub async fn record_llm_usage(
    state: &AppState,
    user_id: Uuid,
    video_id: Uuid,
    calls: &[LlmUsage],
) -> anyhow::Result<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                usage_records::user_id.eq(user_id),
                usage_records::video_id.eq(Some(video_id)),
                usage_records::kind.eq("llm"),
                usage_records::llm_tokens_in.eq(c.tokens_in.min(i32::MAX as u64) as i32),
                usage_records::llm_tokens_out.eq(c.tokens_out.min(i32::MAX as u64) as i32),
                usage_records::llm_cost_kopecks.eq(c.cost_kopecks),
                usage_records::provider.eq(Some(c.provider.as_str())),
                usage_records::model.eq(Some(c.model.as_str())),
                usage_records::tier.eq(Some(c.tier)),
                usage_records::task.eq(Some(c.task.as_str())),
                usage_records::key_source.eq(Some(c.key_source.as_str())),
            )
        })
        .collect();
    diesel::insert_into(usage_records::table).values(rows).execute(&mut state.db.get().await?).await?;
    Ok(())
}

/// What the LLM calls for `video_id` have cost, in kopecks.
pub async fn llm_cost_of_video(state: &AppState, video_id: Uuid) -> anyhow::Result<i64> {
    let mut conn = state.db.get().await?;
    let cost: i64 = usage_records::table
        .filter(usage_records::video_id.eq(video_id).and(usage_records::kind.eq("llm")))
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>("COALESCE(SUM(llm_cost_kopecks), 0)::bigint"))
        .first(&mut conn)
        .await?;
    Ok(cost)
}

/// Stores `candidates` as pending clips of `video_id` (replacing pending ones a previous run left) and moves the
/// video from `analyzing` to `generating_clips`, then queues one render per clip. Returns the clip ids, or `None` if
/// the video had already moved on.
pub async fn save_candidates(
    state: &AppState,
    video_id: Uuid,
    candidates: &[ClipCandidate],
) -> anyhow::Result<Option<Vec<Uuid>>> {
    let mut conn = state.db.get().await?;
    let saved: Option<(Uuid, Vec<Uuid>)> = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            let Some(user_id) = crate::videos::lock_in_status(conn, video_id, VideoStatus::Analyzing).await? else {
                return Ok(None);
            };
            diesel::delete(clips::table.filter(clips::video_id.eq(video_id).and(clips::status.eq("pending"))))
                .execute(conn)
                .await?;
            let style: String = users::table.find(user_id).select(users::caption_style).first(conn).await?;
            let mut ids = Vec::with_capacity(candidates.len());
            for c in candidates {
                let id = Uuid::now_v7();
                let virality = serde_json::json!({
                    "hook": c.virality.hook,
                    "engagement": c.virality.engagement,
                    "flow": c.virality.flow,
                    "trend": c.virality.trend,
                    "total": c.virality.total,
                    "reason": c.reason,
                });
                diesel::insert_into(clips::table)
                    .values((
                        clips::id.eq(id),
                        clips::video_id.eq(video_id),
                        clips::user_id.eq(user_id),
                        clips::title.eq(&c.title),
                        clips::start_s.eq(c.start),
                        clips::end_s.eq(c.end),
                        clips::virality.eq(virality),
                        clips::cta.eq(&c.cta),
                        clips::subtitle_style.eq(&style),
                    ))
                    .execute(conn)
                    .await?;
                ids.push(id);
            }
            diesel::update(videos::table.find(video_id))
                .set((
                    videos::status.eq(VideoStatus::GeneratingClips.as_str()),
                    videos::stage.eq(stage::WAITING_RENDER),
                    videos::progress.eq(0i16),
                    videos::error.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
            Ok(Some((user_id, ids)))
        })
        .await?;
    let Some((_, ids)) = saved else { return Ok(None) };
    let priority = priority_of_video(state, video_id).await?;
    for i in render_order(candidates) {
        enqueue_render(state, ids[i], priority, None).await;
    }
    announce(state, video_id).await?;
    Ok(Some(ids))
}

/// The order in which `candidates` are rendered (indices): best total score first, earlier clip on a tie, whatever
/// order the analyzer returned them in, so the first clip a user sees ready is the best one.
pub fn render_order(candidates: &[ClipCandidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&candidates[a], &candidates[b]);
        y.virality.total.cmp(&x.virality.total).then(x.start.total_cmp(&y.start))
    });
    order
}

/// Enqueues the render of `clip_id`, holding the clip's live marker; `generation` tells a re-render apart from the
/// first one (the queue keeps a job key for a day). If Redis is down the clip waits as pending and the reconciler
/// enqueues it later, so a failure is logged, not returned.
pub async fn enqueue_render(
    state: &AppState,
    clip_id: Uuid,
    priority: crate::queue::Priority,
    generation: Option<&str>,
) {
    let key = match generation {
        None => format!("render-clip:{clip_id}"),
        Some(g) => format!("render-clip:{clip_id}:{g}"),
    };
    let options = EnqueueOptions::new().priority(priority).subject(subject_clip(clip_id)).key(key);
    if let Err(e) = state.queue.enqueue(&RenderClip { clip_id }, options).await {
        tracing::warn!(%clip_id, error = format!("{e:#}"), "enqueueing a render failed; the reconciler will retry");
    }
}

/// Object key of a clip's rendered file.
pub fn file_key(video_id: Uuid, clip_id: Uuid) -> String {
    format!("clips/{video_id}/{clip_id}.mp4")
}

/// Object key of the captions (ASS) burned into a clip's latest render.
pub fn captions_key(video_id: Uuid, clip_id: Uuid) -> String {
    format!("clips/{video_id}/{clip_id}.ass")
}

/// Object key of a clip's thumbnail.
pub fn thumbnail_key(video_id: Uuid, clip_id: Uuid) -> String {
    format!("clips/{video_id}/{clip_id}.jpg")
}

/// Object key of a clip's small thumbnail (180×320 JPEG) for platforms that limit a post's thumbnail (Telegram's Bot
/// API: at most 320 px and 200 kB). Written with every render; older clips may lack it.
pub fn post_thumbnail_key(video_id: Uuid, clip_id: Uuid) -> String {
    format!("clips/{video_id}/{clip_id}-320.jpg")
}

/// Longest clip title.
pub const TITLE_MAX_CHARS: usize = 100;
/// Longest call to action.
pub const CTA_MAX_CHARS: usize = 200;

#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = clips)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct ClipRow {
    id: Uuid,
    video_id: Uuid,
    user_id: Uuid,
    title: String,
    start_s: f64,
    end_s: f64,
    virality: serde_json::Value,
    cta: Option<String>,
    subtitle_style: String,
    layout: String,
    status: String,
    thumbnail_key: Option<String>,
    file_key: Option<String>,
    revision: i32,
    error: Option<String>,
    progress: i16,
    created_at: DateTime<Utc>,
}

impl ClipRow {
    fn card(self) -> ClipCard {
        let v = &self.virality;
        let score = |k: &str| v[k].as_u64().unwrap_or(0).min(100) as u8;
        ClipCard {
            id: self.id.to_string(),
            video_id: self.video_id.to_string(),
            status: ClipStatus::parse(&self.status).unwrap_or(ClipStatus::Failed),
            progress: self.progress.clamp(0, 100) as u8,
            error: self.error.as_deref().map(domain::Failure::from_stored),
            candidate: ClipCandidate {
                start: self.start_s,
                end: self.end_s,
                virality: Virality {
                    hook: score("hook"),
                    engagement: score("engagement"),
                    flow: score("flow"),
                    trend: score("trend"),
                    total: score("total"),
                },
                title: self.title,
                cta: self.cta.unwrap_or_default(),
                reason: v["reason"].as_str().unwrap_or_default().to_owned(),
            },
            subtitle_style: self.subtitle_style,
            layout: ClipLayout::parse(&self.layout).unwrap_or(ClipLayout::Crop),
            has_thumbnail: self.thumbnail_key.is_some(),
            has_file: self.file_key.is_some(),
            revision: self.revision.max(0) as u32,
            created_at: self.created_at.to_rfc3339(),
        }
    }
}

/// The clips of a video the actor sees, best first; [`Denied::NotFound`] if they may not see it.
pub async fn for_video(state: &AppState, actor: &Actor, video_id: Uuid) -> Result<Vec<ClipCard>, AccessError> {
    let mut conn = state.db.get().await?;
    crate::teams::check_video(&mut conn, actor, video_id, Action::View).await?;
    let rows: Vec<ClipRow> = clips::table
        .inner_join(videos::table)
        .filter(clips::video_id.eq(video_id))
        .filter(actor.sees::<ClipsWithVideos>())
        .select(ClipRow::as_select())
        .load(&mut conn)
        .await?;
    let mut out: Vec<ClipCard> = rows.into_iter().map(ClipRow::card).collect();
    out.sort_by(|a, b| b.candidate.virality.total.cmp(&a.candidate.virality.total).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Most clips the Clips page lists at once.
pub const LIST_LIMIT: i64 = 200;

/// The clips the actor sees, for the Clips page: by virality (best first) or newest first, optionally only one
/// status.
pub async fn list_for_user(
    state: &AppState,
    actor: &Actor,
    sort: ClipSort,
    status: Option<ClipStatus>,
) -> anyhow::Result<Vec<ClipDetail>> {
    let statuses: Vec<ClipStatus> = status.into_iter().collect();
    details_for_user(state, actor, sort, &statuses, LIST_LIMIT).await
}

/// The `limit` finished clips (ready or published) the actor sees with the highest virality score, best first.
pub async fn best_for_user(state: &AppState, actor: &Actor, limit: i64) -> anyhow::Result<Vec<ClipDetail>> {
    details_for_user(state, actor, ClipSort::Score, &[ClipStatus::Ready, ClipStatus::Published], limit).await
}

/// Up to `limit` clips the actor sees, in `sort` order, with any of `statuses` (every status when empty).
async fn details_for_user(
    state: &AppState,
    actor: &Actor,
    sort: ClipSort,
    statuses: &[ClipStatus],
    limit: i64,
) -> anyhow::Result<Vec<ClipDetail>> {
    let mut conn = state.db.get().await?;
    let mut query = clips::table.inner_join(videos::table).filter(actor.sees::<ClipsWithVideos>()).into_boxed();
    if !statuses.is_empty() {
        query = query.filter(clips::status.eq_any(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    }
    query = match sort {
        ClipSort::Score => query
            .order(
                diesel::dsl::sql::<diesel::sql_types::Integer>("COALESCE((clips.virality->>'total')::int, 0)").desc(),
            )
            .then_order_by(clips::id.desc()),
        ClipSort::Newest => query.order(clips::id.desc()),
    };
    let rows: Vec<(ClipRow, String, Option<Uuid>)> =
        query.limit(limit).select((ClipRow::as_select(), videos::title, videos::team_id)).load(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|(row, video_title, team)| ClipDetail {
            card: row.card(),
            video_title,
            editable: actor.may(team, Action::Edit),
        })
        .collect())
}

/// A clip the actor sees, with its video's title; `None` if missing or not theirs to see.
pub async fn detail_for_user(state: &AppState, actor: &Actor, clip_id: Uuid) -> anyhow::Result<Option<ClipDetail>> {
    let mut conn = state.db.get().await?;
    let row: Option<(ClipRow, String, Option<Uuid>)> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .filter(actor.sees::<ClipsWithVideos>())
        .select((ClipRow::as_select(), videos::title, videos::team_id))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|(row, video_title, team)| ClipDetail {
        card: row.card(),
        video_title,
        editable: actor.may(team, Action::Edit),
    }))
}

/// Reads `clip_id`'s card and publishes it to everyone who sees its video.
pub async fn announce_clip(state: &AppState, clip_id: Uuid) -> anyhow::Result<Option<ClipCard>> {
    let mut conn = state.db.get().await?;
    let row: Option<(ClipRow, Option<Uuid>)> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .select((ClipRow::as_select(), videos::team_id))
        .first(&mut conn)
        .await
        .optional()?;
    drop(conn);
    let Some((row, team)) = row else { return Ok(None) };
    let user = row.user_id;
    let card = row.card();
    notify(state, user, team, &LiveEvent::Clip(card.clone())).await;
    Ok(Some(card))
}

/// `clips` joined with their `videos`: the query source the actor's visibility filter applies to.
pub(crate) type ClipsWithVideos = diesel::dsl::InnerJoinQuerySource<clips::table, videos::table>;

/// Why a clip edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClipEditError {
    /// No such clip, or the user may not see it.
    #[error("no such clip")]
    NotFound,
    /// The user sees the clip but their team role does not allow the change.
    #[error("your team role does not allow this")]
    Forbidden,
    /// Empty or too long title or CTA, or an unknown style or layout.
    #[error("bad input")]
    BadInput,
    /// The clip is being rendered; wait until it finishes.
    #[error("the clip is being rendered")]
    Busy,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(ClipEditError);

impl From<AccessError> for ClipEditError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Denied(Denied::NotFound) => ClipEditError::NotFound,
            AccessError::Denied(Denied::Forbidden) => ClipEditError::Forbidden,
            AccessError::Internal(e) => ClipEditError::Internal(e),
        }
    }
}

/// Changes one of the user's clips' title and call to action (not burned into the video: no re-render).
pub async fn update_texts(
    state: &AppState,
    actor: &Actor,
    clip_id: Uuid,
    title: &str,
    cta: &str,
) -> Result<ClipCard, ClipEditError> {
    let (title, cta) = (title.trim(), cta.trim());
    if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS || cta.chars().count() > CTA_MAX_CHARS {
        return Err(ClipEditError::BadInput);
    }
    let mut conn = state.db.get().await?;
    crate::teams::check_clip(&mut conn, actor, clip_id, Action::Edit).await?;
    let row: Option<ClipRow> = diesel::update(clips::table.find(clip_id))
        .set((clips::title.eq(title), clips::cta.eq((!cta.is_empty()).then_some(cta))))
        .returning(ClipRow::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?;
    drop(conn);
    row.ok_or(ClipEditError::NotFound)?;
    announce_clip(state, clip_id).await?.ok_or(ClipEditError::NotFound)
}

/// Changes one of the user's clips' caption style and layout and renders it again (a finished clip only).
pub async fn restyle(
    state: &AppState,
    actor: &Actor,
    clip_id: Uuid,
    style: &str,
    layout: &str,
) -> Result<ClipCard, ClipEditError> {
    let layout = ClipLayout::parse(layout).map_err(|_| ClipEditError::BadInput)?;
    if !domain::captions::CaptionStyle::exists(style) {
        return Err(ClipEditError::BadInput);
    }
    let mut conn = state.db.get().await?;
    let video_id = crate::teams::check_clip(&mut conn, actor, clip_id, Action::Render).await?;
    let mine = clips::table.filter(clips::id.eq(clip_id));
    let status: Option<String> = mine.select(clips::status).first(&mut conn).await.optional()?;
    let status = status.ok_or(ClipEditError::NotFound)?;
    let finished = finished_statuses();
    if !finished.contains(&status.as_str()) {
        return Err(ClipEditError::Busy);
    }
    let row: Option<ClipRow> = diesel::update(mine.filter(clips::status.eq_any(finished)))
        .set((
            clips::subtitle_style.eq(style),
            clips::layout.eq(layout.as_str()),
            clips::status.eq(ClipStatus::Pending.as_str()),
            clips::progress.eq(0i16),
            clips::error.eq(None::<String>),
        ))
        .returning(ClipRow::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?;
    row.ok_or(ClipEditError::Busy)?;
    drop(conn);
    rerender(state, video_id, clip_id).await
}

/// The statuses a clip may be set back to pending from (a render is not already on its way).
pub(crate) fn finished_statuses() -> [&'static str; 3] {
    [ClipStatus::Ready, ClipStatus::Failed, ClipStatus::Published].map(|s| s.as_str())
}

/// Queues a fresh render of a clip just set back to pending (a new style, layout or edit) at its video's priority,
/// and announces the pending card, which it returns. The previous file stays served until the render replaces it.
pub(crate) async fn rerender(state: &AppState, video_id: Uuid, clip_id: Uuid) -> Result<ClipCard, ClipEditError> {
    let priority = priority_of_video(state, video_id).await?;
    enqueue_render(state, clip_id, priority, Some(&Uuid::now_v7().to_string())).await;
    announce_clip(state, clip_id).await?.ok_or(ClipEditError::NotFound)
}

/// The stored file of a ready clip the actor sees: (object key, a file name for downloads).
pub async fn file_of(state: &AppState, actor: &Actor, clip_id: Uuid) -> anyhow::Result<Option<(String, String)>> {
    let mut conn = state.db.get().await?;
    let row: Option<(Option<String>, String)> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .filter(actor.sees::<ClipsWithVideos>())
        .select((clips::file_key, clips::title))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.and_then(|(key, title)| Some((key?, download_name(&title)))))
}

/// The stored thumbnail of a clip the actor sees.
pub async fn thumbnail_of(state: &AppState, actor: &Actor, clip_id: Uuid) -> anyhow::Result<Option<String>> {
    let mut conn = state.db.get().await?;
    let key: Option<Option<String>> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .filter(actor.sees::<ClipsWithVideos>())
        .select(clips::thumbnail_key)
        .first(&mut conn)
        .await
        .optional()?;
    Ok(key.flatten())
}

/// A safe file name for a downloaded clip: the title's letters, digits, spaces and dashes (Cyrillic kept), `.mp4`.
pub fn download_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let stem: String = cleaned.chars().take(80).collect();
    if stem.is_empty() { "clip.mp4".into() } else { format!("{stem}.mp4") }
}

/// What the render job needs to know about a clip.
#[derive(Debug, Clone)]
pub struct RenderTarget {
    /// The clip.
    pub clip_id: Uuid,
    /// Its video.
    pub video_id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// The clip's status.
    pub status: ClipStatus,
    /// Bounds in the source, seconds.
    pub start: f64,
    /// End in the source, seconds.
    pub end: f64,
    /// Caption style preset id.
    pub style: String,
    /// Reframing.
    pub layout: ClipLayout,
    /// The stored source.
    pub source_key: Option<String>,
    /// The source's length, seconds, once probed.
    pub source_seconds: Option<f64>,
    /// The owner's plan (the watermark).
    pub plan: PlanId,
    /// The creator's edit, if the clip was edited (cut words, corrected words, caption look).
    pub edit: Option<domain::edit::ClipEdit>,
}

/// Reads [`RenderTarget`]; `None` if the clip no longer exists.
pub async fn render_target(state: &AppState, clip_id: Uuid) -> anyhow::Result<Option<RenderTarget>> {
    let mut conn = state.db.get().await?;
    type Row =
        (Uuid, Uuid, String, f64, f64, String, String, Option<String>, Option<f64>, String, Option<serde_json::Value>);
    // The watermark follows the plan that pays for the video (the team owner's for a team's video).
    let row: Option<Row> = clips::table
        .inner_join(videos::table)
        .inner_join(users::table.on(users::id.eq(videos::billed_to)))
        .filter(clips::id.eq(clip_id))
        .select((
            clips::video_id,
            clips::user_id,
            clips::status,
            clips::start_s,
            clips::end_s,
            clips::subtitle_style,
            clips::layout,
            videos::file_key,
            videos::duration_seconds,
            users::plan_id,
            clips::edit,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|(video_id, user_id, status, start, end, style, layout, source_key, source_seconds, plan, edit)| {
        RenderTarget {
            clip_id,
            video_id,
            user_id,
            status: ClipStatus::parse(&status).unwrap_or(ClipStatus::Failed),
            start,
            end,
            style,
            layout: ClipLayout::parse(&layout).unwrap_or(ClipLayout::Crop),
            source_key,
            source_seconds,
            plan: PlanId::parse(&plan).unwrap_or(PlanId::Free),
            // An edit that no longer reads (a format from a future version) renders as the plain range.
            edit: edit.and_then(|e| serde_json::from_value(e).ok()),
        }
    }))
}

/// Moves a pending (or interrupted) clip to `rendering` at 0 % and tells its owner. False if it is no longer
/// waiting for a render (a redelivered job after it finished), in which case nothing changes.
pub async fn start_render(state: &AppState, clip_id: Uuid) -> anyhow::Result<bool> {
    let mut conn = state.db.get().await?;
    let waiting = [ClipStatus::Pending.as_str(), ClipStatus::Rendering.as_str()];
    let n = diesel::update(clips::table.find(clip_id).filter(clips::status.eq_any(waiting)))
        .set((
            clips::status.eq(ClipStatus::Rendering.as_str()),
            clips::stage.eq(Some(stage::RENDERING)),
            clips::progress.eq(0i16),
            clips::error.eq(None::<String>),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);
    if n == 1 {
        announce_clip(state, clip_id).await?;
    }
    Ok(n == 1)
}

/// Records a rendering clip's progress and tells its owner.
pub async fn report_render_progress(state: &AppState, clip_id: Uuid, pct: u8) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    diesel::update(clips::table.find(clip_id).filter(clips::status.eq(ClipStatus::Rendering.as_str())))
        .set(clips::progress.eq(i16::from(pct.min(100))))
        .execute(&mut conn)
        .await?;
    drop(conn);
    announce_clip(state, clip_id).await?;
    Ok(())
}

/// How a render ended.
#[derive(Debug, Clone)]
pub enum RenderOutcome {
    /// Stored under these keys.
    Ready {
        /// The clip's file.
        file_key: String,
        /// Its thumbnail.
        thumbnail_key: String,
    },
    /// Failed for good, with the reason its owner reads.
    Failed(domain::Failure),
}

/// Records how `clip_id`'s render ended, tells its owner, and moves its video on: `completed` once no clip of it is
/// pending or rendering, otherwise the share of finished clips as the video's progress.
pub async fn finish_render(state: &AppState, clip_id: Uuid, outcome: &RenderOutcome) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    let live = [ClipStatus::Pending.as_str(), ClipStatus::Rendering.as_str()];
    let target = clips::table.find(clip_id).filter(clips::status.eq_any(live));
    let video: Option<Uuid> = match outcome {
        RenderOutcome::Ready { file_key, thumbnail_key } => diesel::update(target)
            .set((
                clips::status.eq(ClipStatus::Ready.as_str()),
                clips::stage.eq(None::<String>),
                clips::progress.eq(100i16),
                clips::file_key.eq(file_key),
                clips::thumbnail_key.eq(thumbnail_key),
                clips::error.eq(None::<String>),
                clips::revision.eq(clips::revision + 1),
            ))
            .returning(clips::video_id)
            .get_result(&mut conn)
            .await
            .optional()?,
        RenderOutcome::Failed(error) => diesel::update(target)
            .set((
                clips::status.eq(ClipStatus::Failed.as_str()),
                clips::stage.eq(None::<String>),
                clips::error.eq(error.to_stored()),
            ))
            .returning(clips::video_id)
            .get_result(&mut conn)
            .await
            .optional()?,
    };
    drop(conn);
    let Some(video_id) = video else { return Ok(()) };
    announce_clip(state, clip_id).await?;
    settle_video(state, video_id).await
}

/// Moves a video in `generating_clips` on from its clips: `completed` when none is pending or rendering, otherwise
/// its progress is the share of clips finished. Serialised on the video's row, so the last clip completes it once,
/// and that once is when its processing time is recorded ([`crate::metrics::OpsMetrics::video_completed`]).
pub async fn settle_video(state: &AppState, video_id: Uuid) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    // None: not generating clips; Some(None): still rendering; Some(Some(facts)): just completed.
    type Completed = (DateTime<Utc>, String, Option<f64>);
    let settled: Option<Option<Completed>> = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            if crate::videos::lock_in_status(conn, video_id, VideoStatus::GeneratingClips).await?.is_none() {
                return Ok(None);
            }
            let statuses: Vec<String> =
                clips::table.filter(clips::video_id.eq(video_id)).select(clips::status).load(conn).await?;
            let total = statuses.len().max(1);
            let unfinished = [ClipStatus::Pending.as_str(), ClipStatus::Rendering.as_str()];
            let live = statuses.iter().filter(|s| unfinished.contains(&s.as_str())).count();
            let update = diesel::update(videos::table.find(video_id));
            if live == 0 {
                let facts: Completed = update
                    .set((
                        videos::status.eq(VideoStatus::Completed.as_str()),
                        videos::stage.eq(None::<String>),
                        videos::progress.eq(100i16),
                    ))
                    .returning((videos::created_at, videos::source_kind, videos::duration_seconds))
                    .get_result(conn)
                    .await?;
                Ok(Some(Some(facts)))
            } else {
                let pct = ((total - live) * 100 / total) as i16;
                update.set((videos::stage.eq(stage::RENDERING), videos::progress.eq(pct))).execute(conn).await?;
                Ok(Some(None))
            }
        })
        .await?;
    if let Some(Some((created_at, source_kind, duration))) = &settled {
        let elapsed = (Utc::now() - *created_at).to_std().unwrap_or_default();
        crate::metrics::ops().video_completed(source_kind, elapsed, *duration);
        tracing::info!(%video_id, source = %source_kind, duration_ms = elapsed.as_millis() as u64, "video completed");
    }
    if let Some(completed) = settled.map(|c| c.is_some()) {
        announce(state, video_id).await?;
        if completed {
            crate::handoff::forget(state, video_id).await;
        }
    }
    Ok(())
}

/// Clips waiting for a render (pending, or rendering with no sign of life) not changed since `before`, with their
/// owner's queue priority: candidates for the reconciler.
pub async fn stale_renders(
    state: &AppState,
    before: DateTime<Utc>,
    limit: i64,
) -> anyhow::Result<Vec<(Uuid, crate::queue::Priority)>> {
    let mut conn = state.db.get().await?;
    let rows: Vec<(Uuid, String)> = clips::table
        .inner_join(videos::table)
        .inner_join(users::table.on(users::id.eq(videos::billed_to)))
        .filter(clips::status.eq_any([ClipStatus::Pending.as_str(), ClipStatus::Rendering.as_str()]))
        .filter(clips::updated_at.lt(before))
        .order(clips::updated_at.asc())
        .limit(limit)
        .select((clips::id, users::plan_id))
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, plan)| (id, crate::queue::Priority::for_plan(PlanId::parse(&plan).unwrap_or(PlanId::Free))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_scored_clip_is_rendered_first() {
        let clip = |start: f64, total: u8| ClipCandidate {
            start,
            end: start + 20.0,
            virality: Virality { hook: 0, engagement: 0, flow: 0, trend: 0, total },
            title: String::new(),
            cta: String::new(),
            reason: String::new(),
        };
        let candidates = [clip(0.0, 40), clip(30.0, 90), clip(60.0, 55), clip(90.0, 90)];
        assert_eq!(render_order(&candidates), vec![1, 3, 2, 0]);
        assert!(render_order(&[]).is_empty());
    }

    #[test]
    fn download_names_keep_letters_and_drop_path_characters() {
        assert_eq!(download_name("Как начать: 3 шага / ../x"), "Как начать 3 шага x.mp4");
        assert_eq!(download_name("  ?? "), "clip.mp4");
        assert_eq!(download_name(&"a".repeat(200)).len(), 84);
    }
}
