//! The clip editor's server side: what the editor opens with ([`open`]), saving an edit and rendering it again
//! ([`save`]), and the timeline's waveform and filmstrip ([`BuildTimeline`](crate::jobs::BuildTimeline), built by the
//! worker; [`record_timeline`], [`timeline_file`]).
//!
//! The edit is checked here against the same rules the editor applies in the browser ([`domain::edit`]): the range
//! inside the source and within the plan's limits, word indices inside the transcript, corrected words short and
//! printable, a known caption preset, sizes and colours in range, and something left to play.

use diesel::{ExpressionMethods as _, JoinOnDsl as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use domain::{
    Action, ClipStatus, Plan, PlanId, TextEnum as _,
    analysis::{ClipCard, EditorData},
    captions::CaptionStyle,
    edit::{self, CAPTION_SIZES, ClipEdit, Limits},
    timeline::TimelineAssets,
    transcript::Word,
};
use uuid::Uuid;

use crate::{
    AppState,
    clips::{ClipEditError, ClipsWithVideos, detail_for_user},
    db::schema::{clips, users, videos},
    jobs::BuildTimeline,
    queue::EnqueueOptions,
    teams::Actor,
};

/// The longest corrected word, characters.
pub const FIX_MAX_CHARS: usize = 60;

/// What the editor needs about the clip's video.
struct VideoFacts {
    source_seconds: f64,
    plan: PlanId,
    timeline: Option<TimelineAssets>,
    has_source: bool,
    status: String,
}

async fn video_facts(state: &AppState, video_id: Uuid) -> anyhow::Result<VideoFacts> {
    let mut conn = state.db.get().await?;
    let (seconds, plan, timeline, key, status): (
        Option<f64>,
        String,
        Option<serde_json::Value>,
        Option<String>,
        String,
    ) = videos::table
        .inner_join(users::table.on(users::id.eq(videos::billed_to)))
        .filter(videos::id.eq(video_id))
        .select((videos::duration_seconds, users::plan_id, videos::timeline, videos::file_key, videos::status))
        .first(&mut conn)
        .await?;
    Ok(VideoFacts {
        source_seconds: seconds.unwrap_or(0.0),
        plan: PlanId::parse(&plan).unwrap_or(PlanId::Free),
        timeline: timeline.and_then(|t| serde_json::from_value(t).ok()),
        has_source: key.is_some(),
        status,
    })
}

/// The transcript's words and language, or none.
async fn words_of(state: &AppState, video_id: Uuid) -> anyhow::Result<(Vec<Word>, String)> {
    Ok(crate::transcripts::of_video(state, video_id)
        .await?
        .map(|t| (t.words().cloned().collect(), t.language))
        .unwrap_or_default())
}

/// The saved edit of a clip, or an unedited one over its range in its stored style.
async fn stored_edit(state: &AppState, clip_id: Uuid) -> anyhow::Result<Option<ClipEdit>> {
    let mut conn = state.db.get().await?;
    let row: Option<(Option<serde_json::Value>, f64, f64, String)> = clips::table
        .find(clip_id)
        .select((clips::edit, clips::start_s, clips::end_s, clips::subtitle_style))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|(edit, start, end, style)| {
        let saved = edit.and_then(|e| serde_json::from_value::<ClipEdit>(e).ok());
        saved.unwrap_or_else(|| {
            let mut e = ClipEdit::new(start, end);
            e.captions.preset = style;
            e
        })
    }))
}

/// Asks the worker for a video's timeline media, once (a job already queued or done for it is not queued again).
pub async fn request_timeline(state: &AppState, video_id: Uuid) {
    let options = EnqueueOptions::new().key(format!("timeline:{video_id}"));
    if let Err(e) = state.queue.enqueue(&BuildTimeline { video_id }, options).await {
        tracing::warn!(%video_id, error = format!("{e:#}"), "enqueueing the timeline build failed");
    }
}

/// What the editor opens with, for a clip the actor sees; `None` when it is missing or not theirs. A video whose
/// timeline media is missing (processed before the editor existed, or the build failed) gets it built again.
pub async fn open(state: &AppState, actor: &Actor, clip_id: Uuid) -> anyhow::Result<Option<EditorData>> {
    let Some(detail) = detail_for_user(state, actor, clip_id).await? else { return Ok(None) };
    let video_id: Uuid = detail.card.video_id.parse()?;
    let facts = video_facts(state, video_id).await?;
    let (words, language) = words_of(state, video_id).await?;
    let edit = stored_edit(state, clip_id).await?.unwrap_or_else(|| ClipEdit::new(0.0, 0.0));
    if facts.timeline.is_none() && facts.has_source && facts.status == domain::VideoStatus::Completed.as_str() {
        request_timeline(state, video_id).await;
    }
    Ok(Some(EditorData {
        card: detail.card,
        video_title: detail.video_title,
        edit,
        words,
        language,
        source_seconds: facts.source_seconds,
        max_clip_seconds: f64::from(Plan::get(facts.plan).max_clip_seconds),
        timeline: facts.timeline,
        editable: detail.editable,
    }))
}

/// Why an edit is refused, in a word (for the log; the user reads [`ClipEditError::BadInput`]).
pub fn check(edit: &ClipEdit, words: &[Word], limits: &Limits) -> Result<(), &'static str> {
    let range = edit.range();
    if !(range.start.is_finite() && range.end.is_finite()) {
        return Err("range is not a number");
    }
    let clamped = limits.clamp(range);
    if (clamped.start - range.start).abs() > 0.01 || (clamped.end - range.end).abs() > 0.01 {
        return Err("range outside the limits");
    }
    let n = words.len();
    let indices = edit.cut.iter().chain(edit.fixes.keys()).chain(&edit.breaks).chain(&edit.joins);
    if indices.into_iter().any(|&i| i >= n) {
        return Err("word index outside the transcript");
    }
    for text in edit.fixes.values() {
        let t = text.trim();
        if t.is_empty() || t.chars().count() > FIX_MAX_CHARS || t.chars().any(char::is_control) {
            return Err("corrected word empty, too long or with control characters");
        }
    }
    let look = &edit.captions;
    if !look.preset.is_empty() && !CaptionStyle::exists(&look.preset) {
        return Err("unknown caption preset");
    }
    if look.size.is_some_and(|s| !CAPTION_SIZES.contains(&s)) {
        return Err("caption size out of range");
    }
    if look.colour.into_iter().chain(look.highlight).any(|c| c > 0xFF_FFFF) {
        return Err("colour out of range");
    }
    if edit::segments(edit, words).is_empty() {
        return Err("nothing left to play");
    }
    Ok(())
}

/// Saves a creator's edit of a clip and renders it again: a finished clip only (not one being rendered). The range
/// and style columns follow the edit, so the clip's cards show the new length at once; the previous file stays
/// playable until the new one is stored.
pub async fn save(state: &AppState, actor: &Actor, clip_id: Uuid, edit: ClipEdit) -> Result<ClipCard, ClipEditError> {
    let mut conn = state.db.get().await?;
    let video_id = crate::teams::check_clip(&mut conn, actor, clip_id, Action::Render).await?;
    drop(conn);
    let facts = video_facts(state, video_id).await?;
    let (words, _) = words_of(state, video_id).await?;
    let limits = Limits::new(facts.source_seconds, f64::from(Plan::get(facts.plan).max_clip_seconds));
    if let Err(why) = check(&edit, &words, &limits) {
        tracing::info!(%clip_id, why, "an edit was refused");
        return Err(ClipEditError::BadInput);
    }
    let mut edit = edit;
    for text in edit.fixes.values_mut() {
        *text = text.trim().to_owned();
    }
    let stored = serde_json::to_value(&edit).map_err(|e| ClipEditError::Internal(e.into()))?;
    let mut conn = state.db.get().await?;
    let finished = crate::clips::finished_statuses();
    let mine = clips::table.filter(clips::id.eq(clip_id));
    let style = if edit.captions.preset.is_empty() { None } else { Some(edit.captions.preset.clone()) };
    let n = diesel::update(mine.filter(clips::status.eq_any(finished)))
        .set((
            clips::edit.eq(Some(stored)),
            clips::start_s.eq(edit.start),
            clips::end_s.eq(edit.end),
            clips::status.eq(ClipStatus::Pending.as_str()),
            clips::progress.eq(0i16),
            clips::error.eq(None::<String>),
        ))
        .execute(&mut conn)
        .await?;
    if n == 0 {
        let exists: Option<Uuid> = mine.select(clips::id).first(&mut conn).await.optional()?;
        return Err(if exists.is_some() { ClipEditError::Busy } else { ClipEditError::NotFound });
    }
    if let Some(style) = style {
        diesel::update(mine).set(clips::subtitle_style.eq(style)).execute(&mut conn).await?;
    }
    drop(conn);
    crate::clips::rerender(state, video_id, clip_id).await
}

/// What the timeline build needs about a video: its stored source, its length, whether it has pictures (not an
/// audio file) and whether the timeline is built already. `None` when the video or its source is gone.
pub struct TimelineSource {
    /// The source's object key.
    pub key: String,
    /// Its length, seconds.
    pub duration: f64,
    /// Whether it has a picture to make a filmstrip of.
    pub has_video: bool,
    /// Whether the timeline was built already.
    pub built: bool,
}

/// Reads [`TimelineSource`].
pub async fn timeline_source(state: &AppState, video_id: Uuid) -> anyhow::Result<Option<TimelineSource>> {
    let mut conn = state.db.get().await?;
    type Row = (Option<String>, Option<f64>, Option<serde_json::Value>, Option<String>);
    let row: Option<Row> = videos::table
        .find(video_id)
        .select((videos::file_key, videos::duration_seconds, videos::timeline, videos::mime_type))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.and_then(|(key, duration, built, mime)| {
        Some(TimelineSource {
            key: key?,
            duration: duration?,
            has_video: !mime.as_deref().is_some_and(|m| m.starts_with("audio/")),
            built: built.is_some(),
        })
    }))
}

/// Records what the worker built for a video's timeline.
pub async fn record_timeline(state: &AppState, video_id: Uuid, assets: &TimelineAssets) -> anyhow::Result<()> {
    let mut conn = state.db.get().await?;
    diesel::update(videos::table.find(video_id))
        .set(videos::timeline.eq(Some(serde_json::to_value(assets)?)))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The object key of timeline file `name` of a video the actor sees, if it is built and the name is one the worker
/// writes.
pub async fn timeline_file(
    state: &AppState,
    actor: &Actor,
    video_id: Uuid,
    name: &str,
) -> anyhow::Result<Option<String>> {
    if !domain::timeline::is_file_name(name) {
        return Ok(None);
    }
    let mut conn = state.db.get().await?;
    let built: Option<Option<serde_json::Value>> = videos::table
        .filter(videos::id.eq(video_id))
        .filter(actor.sees::<videos::table>())
        .select(videos::timeline)
        .first(&mut conn)
        .await
        .optional()?;
    Ok(built.flatten().map(|_| domain::timeline::object_key(&video_id.to_string(), name)))
}

/// The object key of the captions burned into a clip the actor sees (its latest render).
pub async fn captions_file(state: &AppState, actor: &Actor, clip_id: Uuid) -> anyhow::Result<Option<String>> {
    let mut conn = state.db.get().await?;
    let row: Option<(Uuid, Option<String>)> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .filter(actor.sees::<ClipsWithVideos>())
        .select((clips::video_id, clips::file_key))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.and_then(|(video_id, key)| key.map(|_| crate::clips::captions_key(video_id, clip_id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Vec<Word> {
        (0..40).map(|i| Word { start: f64::from(i), end: f64::from(i) + 0.8, text: format!("w{i}") }).collect()
    }

    #[test]
    fn edits_inside_the_rules_pass_and_the_rest_say_why() {
        let limits = Limits::new(40.0, 60.0);
        let ok = ClipEdit::new(5.0, 25.0);
        assert_eq!(check(&ok, &words(), &limits), Ok(()));
        let bad = |f: &dyn Fn(&mut ClipEdit)| {
            let mut e = ok.clone();
            f(&mut e);
            check(&e, &words(), &limits).unwrap_err()
        };
        assert_eq!(bad(&|e| e.end = 10.0), "range outside the limits");
        assert_eq!(bad(&|e| e.end = 41.0), "range outside the limits");
        assert_eq!(bad(&|e| e.start = f64::NAN), "range is not a number");
        assert_eq!(
            bad(&|e| {
                e.cut.insert(40);
            }),
            "word index outside the transcript"
        );
        assert_eq!(
            bad(&|e| drop(e.fixes.insert(3, " ".into()))),
            "corrected word empty, too long or with control characters"
        );
        assert_eq!(
            bad(&|e| drop(e.fixes.insert(3, "a\nb".into()))),
            "corrected word empty, too long or with control characters"
        );
        assert_eq!(bad(&|e| e.captions.preset = "neon".into()), "unknown caption preset");
        assert_eq!(bad(&|e| e.captions.size = Some(10)), "caption size out of range");
        assert_eq!(bad(&|e| e.captions.colour = Some(0x1_000_000)), "colour out of range");
        assert_eq!(
            bad(&|e| {
                e.start = 0.0;
                e.end = 15.0;
                e.cut = (0..16).collect();
            }),
            "nothing left to play"
        );
    }
}
