//! Transcripts: what the `transcribing` stage needs to know, storing its result (the minutes are charged once per
//! video however often the job runs), and reading a transcript back for its owner.

use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{TextEnum as _, VideoStatus, transcript::Transcript, videos::stage};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{transcripts, usage_records, users, videos},
    jobs::Analyze,
    teams::Actor,
};

/// What the `transcribing` stage needs to know about a video.
#[derive(Debug, Clone)]
pub struct SttTarget {
    /// The owner.
    pub user_id: Uuid,
    /// The video's status.
    pub status: VideoStatus,
    /// The stored source.
    pub file_key: Option<String>,
    /// The probed length.
    pub duration_seconds: Option<f64>,
    /// The owner's AI strategy (`ru` or `global`): which transcription API goes first.
    pub strategy: String,
    /// The sample video (free: no minutes are charged for it).
    pub demo: bool,
}

/// (owner, status, file key, duration, strategy, source URL) as selected for [`SttTarget`].
type TargetRow = (Uuid, String, Option<String>, Option<f64>, String, Option<String>);

/// Reads [`SttTarget`]; `None` if the video no longer exists.
pub async fn target(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<SttTarget>> {
    let mut conn = state.db.get().await?;
    let row: Option<TargetRow> = videos::table
        .inner_join(users::table)
        .filter(videos::id.eq(video_id))
        .select((
            videos::user_id,
            videos::status,
            videos::file_key,
            videos::duration_seconds,
            users::llm_strategy,
            videos::source_url,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|(user_id, status, file_key, duration_seconds, strategy, source_url)| SttTarget {
        user_id,
        status: VideoStatus::parse(&status).unwrap_or(VideoStatus::Failed),
        file_key,
        duration_seconds,
        strategy,
        demo: source_url.as_deref().is_some_and(|u| crate::jobs::demo_lang(u).is_some()),
    }))
}

/// The minutes a video of `seconds` costs: started minutes count, at least one.
pub fn minutes_for(seconds: f64) -> i32 {
    ((seconds.max(0.0) / 60.0).ceil() as i32).max(1)
}

/// Stores `transcript` for `video_id`, charges its owner `minutes` (once per video: a retried job finds the usage
/// record and charges nothing), and moves the video from `transcribing` to `analyzing` with the analysis job queued.
/// `provider` names who transcribed (`local`, `cloudru`, `openai`) and `key_source` whose key paid (`None` for the
/// local engine). Returns false if the video had already moved on.
pub async fn complete(
    state: &AppState,
    video_id: Uuid,
    transcript: &Transcript,
    (provider, key_source): (&str, Option<&str>),
    minutes: i32,
) -> anyhow::Result<bool> {
    let segments = serde_json::to_value(&transcript.segments)?;
    let full_text = transcript.full_text();
    let mut conn = state.db.get().await?;
    let moved: Option<Uuid> = conn
        .transaction::<_, anyhow::Error, _>(async |conn| {
            let Some(user_id) = crate::videos::lock_in_status(conn, video_id, VideoStatus::Transcribing).await? else {
                return Ok(None);
            };
            diesel::insert_into(transcripts::table)
                .values((
                    transcripts::video_id.eq(video_id),
                    transcripts::language.eq(&transcript.language),
                    transcripts::segments.eq(&segments),
                    transcripts::full_text.eq(&full_text),
                    transcripts::stt_model.eq(&transcript.model),
                ))
                .on_conflict(transcripts::video_id)
                .do_update()
                .set((
                    transcripts::language.eq(&transcript.language),
                    transcripts::segments.eq(&segments),
                    transcripts::full_text.eq(&full_text),
                    transcripts::stt_model.eq(&transcript.model),
                ))
                .execute(conn)
                .await?;
            let charged = diesel::insert_into(usage_records::table)
                .values((
                    usage_records::user_id.eq(user_id),
                    usage_records::video_id.eq(video_id),
                    usage_records::kind.eq("stt"),
                    usage_records::minutes_consumed.eq(minutes),
                    usage_records::provider.eq(provider),
                    usage_records::model.eq(&transcript.model),
                    usage_records::key_source.eq(key_source),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            // The minutes reserved at the probe become the minutes actually transcribed.
            let reserved = crate::videos::release_minutes(conn, video_id).await?;
            if charged == 1 {
                // Minutes count against the plan that pays for the video (the team owner's for a team's video).
                let payer: Uuid = videos::table.find(video_id).select(videos::billed_to).first(conn).await?;
                diesel::update(users::table.find(payer))
                    .set(users::minutes_used.eq(users::minutes_used + minutes))
                    .execute(conn)
                    .await?;
                tracing::debug!(%video_id, reserved, minutes, "reserved minutes converted to use");
            }
            diesel::update(videos::table.find(video_id))
                .set((
                    videos::status.eq(VideoStatus::Analyzing.as_str()),
                    videos::stage.eq(stage::WAITING_ANALYSIS),
                    videos::progress.eq(0i16),
                    videos::error.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
            Ok(Some(user_id))
        })
        .await?;
    if moved.is_none() {
        return Ok(false);
    }
    let priority = crate::videos::priority_of_video(state, video_id).await?;
    crate::videos::enqueue_stage(state, video_id, priority, &Analyze { video_id }).await;
    crate::videos::announce(state, video_id).await?;
    Ok(true)
}

/// The transcript of a video the actor sees; `Ok(None)` until there is one, [`Denied::NotFound`] if they may not
/// see the video.
///
/// [`Denied::NotFound`]: crate::teams::Denied::NotFound
pub async fn for_user(
    state: &AppState,
    actor: &Actor,
    video_id: Uuid,
) -> Result<Option<Transcript>, crate::teams::AccessError> {
    let mut conn = state.db.get().await?;
    crate::teams::check_video(&mut conn, actor, video_id, domain::Action::View).await?;
    drop(conn);
    Ok(of_video(state, video_id).await?)
}

/// The transcript of a video (for the worker's stages); `None` if there is none yet.
pub async fn of_video(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<Transcript>> {
    let mut conn = state.db.get().await?;
    let row: Option<(String, serde_json::Value, String)> = transcripts::table
        .filter(transcripts::video_id.eq(video_id))
        .select((transcripts::language, transcripts::segments, transcripts::stt_model))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((language, segments, model)) = row else { return Ok(None) };
    Ok(Some(Transcript { language, segments: serde_json::from_value(segments)?, model }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn started_minutes_are_charged() {
        assert_eq!(minutes_for(0.0), 1);
        assert_eq!(minutes_for(59.9), 1);
        assert_eq!(minutes_for(60.0), 1);
        assert_eq!(minutes_for(60.1), 2);
        assert_eq!(minutes_for(3600.0), 60);
    }
}
