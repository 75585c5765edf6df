//! Retention: sources and clips are kept for the owner's plan's storage days (Free 3, Start 30, Pro and Business
//! 90), counted from the video's creation. The daily `cleanup` job ([`crate::jobs::Cleanup`]) deletes the stored
//! objects and the clip rows of older finished videos and marks the videos expired (the row, title and transcript
//! stay, so the owner sees what happened). Uploads abandoned for a day are removed whole. Safe to run twice: an
//! expired video is skipped, and deleting objects that are gone is not an error.

use chrono::{DateTime, Utc};
use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, JoinOnDsl as _, QueryDsl as _};
use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
use domain::{PLANS, TextEnum as _, VideoStatus};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{clips, users, videos},
};

/// Videos handled per plan per pass (the next pass continues).
const BATCH: i64 = 500;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Videos marked expired.
    pub expired_videos: usize,
    /// Clip rows deleted with them.
    pub deleted_clips: usize,
    /// Abandoned uploads removed.
    pub abandoned_uploads: usize,
}

/// Runs one retention pass as of `now`.
pub async fn cleanup(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Cleaned> {
    let mut done = Cleaned::default();
    let finished = [VideoStatus::Completed.as_str(), VideoStatus::Failed.as_str()];
    for plan in PLANS {
        let cutoff = now - chrono::Duration::days(i64::from(plan.storage_days));
        let ids: Vec<Uuid> = {
            let mut conn = state.db.get().await?;
            videos::table
                .inner_join(users::table.on(users::id.eq(videos::billed_to)))
                .filter(users::plan_id.eq(plan.id.as_str()))
                .filter(videos::expired_at.is_null().and(videos::created_at.lt(cutoff)))
                .filter(videos::status.eq_any(finished))
                .order(videos::created_at.asc())
                .limit(BATCH)
                .select(videos::id)
                .load(&mut conn)
                .await?
        };
        for video_id in ids {
            crate::uploads::delete_objects(state, video_id).await?;
            let mut conn = state.db.get().await?;
            let clips_deleted = conn
                .transaction::<_, anyhow::Error, _>(async |conn| {
                    let n = diesel::delete(clips::table.filter(clips::video_id.eq(video_id))).execute(conn).await?;
                    diesel::update(videos::table.find(video_id).filter(videos::expired_at.is_null()))
                        .set((videos::expired_at.eq(now), videos::file_key.eq(None::<String>)))
                        .execute(conn)
                        .await?;
                    Ok(n)
                })
                .await?;
            drop(conn);
            tracing::info!(%video_id, plan = %plan.id, clips = clips_deleted, "retention: the video's files expired");
            done.expired_videos += 1;
            done.deleted_clips += clips_deleted;
            crate::videos::announce(state, video_id).await?;
        }
    }
    let abandoned: Vec<Uuid> = {
        let mut conn = state.db.get().await?;
        videos::table
            .filter(videos::status.eq(VideoStatus::Uploading.as_str()))
            .filter(videos::created_at.lt(now - chrono::Duration::days(1)))
            .limit(BATCH)
            .select(videos::id)
            .load(&mut conn)
            .await?
    };
    for video_id in abandoned {
        if crate::videos::delete(state, video_id).await? {
            done.abandoned_uploads += 1;
        }
    }
    Ok(done)
}
