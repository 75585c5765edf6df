//! The dashboard (issue 23): the figures of the caller's workspace, counted in the database on each visit.
//!
//! The workspace is what the caller sees ([`crate::teams::Actor::sees`]): their team's videos and their own made
//! outside any team. The minutes are those of the plan that pays for new videos ([`Actor::workspace`]): the team
//! owner's inside a team, the caller's own outside one.

use diesel::{
    ExpressionMethods as _, OptionalExtension as _, QueryDsl as _,
    dsl::{count_star, exists, sql},
    select,
    sql_types::BigInt,
};
use diesel_async::RunQueryDsl as _;
use domain::{
    ClipStatus, PlanId, PublicationStatus, TextEnum as _, VideoStatus,
    dashboard::{BEST_CLIPS, Checklist, Dashboard, Minutes, RECENT_VIDEOS},
};
use uuid::Uuid;

use crate::{
    AppState,
    clips::ClipsWithVideos,
    db::schema::{clips, platform_connections, publications, users, videos},
    teams::{self, Actor},
};

/// Clips with their videos and publications.
type Published = diesel::dsl::InnerJoinQuerySource<ClipsWithVideos, publications::table>;

/// Everything the dashboard shows for `user_id`'s workspace.
pub async fn summary(state: &AppState, user_id: Uuid) -> anyhow::Result<Dashboard> {
    let actor = teams::actor(state, user_id).await?;
    let mut conn = state.db.get().await?;
    let minutes = minutes(&mut conn, &actor).await?;
    let verified: Option<Option<chrono::DateTime<chrono::Utc>>> =
        users::table.find(user_id).select(users::email_verified_at).first(&mut conn).await.optional()?;
    let videos_processed: i64 = videos::table
        .filter(actor.sees::<videos::table>())
        .filter(videos::status.eq(VideoStatus::Completed.as_str()))
        .select(count_star())
        .first(&mut conn)
        .await?;
    let clips_ready: i64 = clips::table
        .inner_join(videos::table)
        .filter(actor.sees::<ClipsWithVideos>())
        .filter(clips::status.eq_any([ClipStatus::Ready.as_str(), ClipStatus::Published.as_str()]))
        .select(count_star())
        .first(&mut conn)
        .await?;
    let (clips_published, views): (i64, i64) = clips::table
        .inner_join(videos::table)
        .inner_join(publications::table)
        .filter(actor.sees::<Published>())
        .filter(publications::status.eq(PublicationStatus::Published.as_str()))
        .select(sql::<(BigInt, BigInt)>(
            "COUNT(DISTINCT publications.clip_id), COALESCE(SUM(publications.views), 0)::int8",
        ))
        .first(&mut conn)
        .await?;
    let platform_connected: bool = select(exists(platform_connections::table.filter(crate::platforms::mine(&actor))))
        .get_result(&mut conn)
        .await?;
    drop(conn);
    let recent_videos = crate::videos::recent_for_user(state, &actor, RECENT_VIDEOS).await?;
    let best_clips = crate::clips::best_for_user(state, &actor, BEST_CLIPS as i64).await?;
    Ok(Dashboard {
        minutes,
        videos_processed: videos_processed.max(0) as u64,
        clips_ready: clips_ready.max(0) as u64,
        clips_published: clips_published.max(0) as u64,
        views,
        checklist: Checklist {
            email_confirmed: verified.flatten().is_some(),
            first_video: !recent_videos.is_empty(),
            platform_connected,
        },
        recent_videos,
        best_clips,
    })
}

/// The minutes of the plan that pays for the actor's new videos.
async fn minutes(conn: &mut diesel_async::AsyncPgConnection, actor: &Actor) -> anyhow::Result<Minutes> {
    let (_, payer) = actor.workspace();
    let (plan, used, extra): (String, i32, i32) = users::table
        .find(payer)
        .select((users::plan_id, users::minutes_used, users::extra_minutes))
        .first(conn)
        .await?;
    let plan = PlanId::parse(&plan).unwrap_or(PlanId::Free);
    let included = domain::Plan::get(plan).minutes_per_month;
    Ok(Minutes {
        plan,
        used: used.max(0) as u32,
        available: included.map(|m| m.saturating_add(extra.max(0) as u32)),
        left: domain::billing::minutes_left(plan, used, extra),
    })
}
