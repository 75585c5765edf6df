//! Clips: what the analysis stage reads and stores, and the candidates as their owner sees them.

use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{
    PlanId, TextEnum as _, VideoStatus,
    analysis::{ClipCandidate, Virality},
    videos::stage,
};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{clips, usage_records, users, videos},
    jobs::RenderClip,
    queue::{EnqueueOptions, subject_clip},
    videos::{announce, priority_of},
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
    Ok(row.map(|(user_id, status, plan, strategy, count, min, max)| AnalysisTarget {
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
    let Some((user_id, ids)) = saved else { return Ok(None) };
    let priority = priority_of(state, user_id).await?;
    for id in &ids {
        // One job per clip, holding the clip's live marker. If Redis is down the clip waits as pending (the clip
        // reconciler arrives with rendering).
        let options =
            EnqueueOptions::new().priority(priority).subject(subject_clip(*id)).key(format!("render-clip:{id}"));
        if let Err(e) = state.queue.enqueue(&RenderClip { clip_id: *id }, options).await {
            tracing::warn!(clip_id = %id, error = format!("{e:#}"), "enqueueing a render failed");
        }
    }
    announce(state, user_id, video_id).await?;
    Ok(Some(ids))
}

/// A stored clip candidate: bounds, scores and texts.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClip {
    /// The clip.
    pub id: Uuid,
    /// Its status.
    pub status: String,
    /// The candidate.
    pub candidate: ClipCandidate,
}

/// The clips of one of the user's videos, best first.
pub async fn for_video(state: &AppState, user_id: Uuid, video_id: Uuid) -> anyhow::Result<Vec<StoredClip>> {
    let mut conn = state.db.get().await?;
    type Row = (Uuid, String, f64, f64, serde_json::Value, Option<String>, String);
    let rows: Vec<Row> = clips::table
        .filter(clips::video_id.eq(video_id).and(clips::user_id.eq(user_id)))
        .select((clips::id, clips::title, clips::start_s, clips::end_s, clips::virality, clips::cta, clips::status))
        .load(&mut conn)
        .await?;
    let mut out: Vec<StoredClip> = rows
        .into_iter()
        .map(|(id, title, start, end, v, cta, status)| {
            let score = |k: &str| v[k].as_u64().unwrap_or(0).min(100) as u8;
            StoredClip {
                id,
                status,
                candidate: ClipCandidate {
                    start,
                    end,
                    virality: Virality {
                        hook: score("hook"),
                        engagement: score("engagement"),
                        flow: score("flow"),
                        trend: score("trend"),
                        total: score("total"),
                    },
                    title,
                    cta: cta.unwrap_or_default(),
                    reason: v["reason"].as_str().unwrap_or_default().to_owned(),
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.candidate.virality.total.cmp(&a.candidate.virality.total).then(a.id.cmp(&b.id)));
    Ok(out)
}
