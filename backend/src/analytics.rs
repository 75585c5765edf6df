//! Analytics (issue 22): the figures of the clips the caller's workspace published in a period — the overview cards,
//! the by-platform table, the top clips, the views-by-day chart and the CSV export.
//!
//! The workspace is what the caller sees ([`crate::teams::Actor::sees`]: their team's videos and their own made
//! outside any team), and every function checks [`Action::ViewAnalytics`] first. Figures come from the
//! publications' counters, which the stats collector keeps at the latest sample, and the chart from the samples
//! themselves (`publication_stats`); the rules (periods, sums, Telegram's missing figures, the CSV) are pure
//! functions in [`domain::analytics`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods as _, QueryDsl as _, SelectableHelper as _};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};
use domain::{
    Action, Lang, Platform, PublicationStatus, TextEnum as _,
    analytics::{
        self as rules, Counters, DayViews, Overview, Period, PlatformFigures, PublicationFigures, Sample, TopClip,
    },
};
use uuid::Uuid;

use crate::{
    AppState,
    clips::ClipsWithVideos,
    db::schema::{clips, publication_stats, publications, videos},
    teams::{self, AccessError, Actor, Denied},
};

/// A published publication's columns analytics reads.
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = publications, check_for_backend(diesel::pg::Pg))]
struct Row {
    id: Uuid,
    clip_id: Uuid,
    platform: String,
    platform_url: Option<String>,
    published_at: Option<DateTime<Utc>>,
    views: i64,
    likes: i64,
    shares: i64,
    comments: i64,
}

/// A published publication: its id (for its samples) and its figures.
struct Published {
    id: Uuid,
    figures: PublicationFigures,
}

/// Who is asking, if they may see the workspace's analytics (every team role may; outside a team, always).
async fn analyst(state: &AppState, user_id: Uuid) -> Result<Actor, AccessError> {
    let actor = teams::actor(state, user_id).await?;
    if actor.may_here(Action::ViewAnalytics) { Ok(actor) } else { Err(Denied::Forbidden.into()) }
}

/// Every published publication of the clips `actor` sees, whatever its date.
async fn published(conn: &mut AsyncPgConnection, actor: &Actor) -> anyhow::Result<Vec<Published>> {
    let visible: Vec<(Uuid, String)> = clips::table
        .inner_join(videos::table)
        .filter(actor.sees::<ClipsWithVideos>())
        .select((clips::id, clips::title))
        .load(conn)
        .await?;
    if visible.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = visible.iter().map(|(id, _)| *id).collect();
    let titles: HashMap<Uuid, String> = visible.into_iter().collect();
    let rows: Vec<Row> = publications::table
        .filter(publications::clip_id.eq_any(ids))
        .filter(publications::status.eq(PublicationStatus::Published.as_str()))
        .filter(publications::published_at.is_not_null())
        .select(Row::as_select())
        .load(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(published_at), Ok(platform)) = (r.published_at, Platform::parse(&r.platform)) else { continue };
        out.push(Published {
            id: r.id,
            figures: PublicationFigures {
                clip_id: r.clip_id.to_string(),
                clip_title: titles.get(&r.clip_id).cloned().unwrap_or_default(),
                platform,
                url: r.platform_url,
                published_at: published_at.timestamp(),
                counters: Counters { views: r.views, likes: r.likes, shares: r.shares, comments: r.comments },
            },
        });
    }
    Ok(out)
}

/// The workspace's publications published in `period`, after checking the caller may see analytics.
async fn in_period(state: &AppState, user_id: Uuid, period: Period) -> Result<Vec<Published>, AccessError> {
    let actor = analyst(state, user_id).await?;
    let mut conn = state.db.get().await?;
    let all = published(&mut conn, &actor).await?;
    Ok(all.into_iter().filter(|p| period.contains(p.figures.published_at)).collect())
}

fn figures(rows: Vec<Published>) -> Vec<PublicationFigures> {
    rows.into_iter().map(|p| p.figures).collect()
}

/// The overview cards: views, likes, shares and comments of the clips published in `period`, how many clips were
/// published, and whether the workspace has published anything at all.
pub async fn overview(state: &AppState, user_id: Uuid, period: Period) -> Result<Overview, AccessError> {
    let actor = analyst(state, user_id).await?;
    let mut conn = state.db.get().await?;
    let all = figures(published(&mut conn, &actor).await?);
    Ok(rules::overview(&all, period))
}

/// The same figures per platform; `None` where the platform reports none (Telegram).
pub async fn by_platform(state: &AppState, user_id: Uuid, period: Period) -> Result<Vec<PlatformFigures>, AccessError> {
    Ok(rules::by_platform(&figures(in_period(state, user_id, period).await?)))
}

/// The [`rules::TOP_CLIPS`] clips published in `period` with the most views.
pub async fn top_clips(state: &AppState, user_id: Uuid, period: Period) -> Result<Vec<TopClip>, AccessError> {
    Ok(rules::top_clips(&figures(in_period(state, user_id, period).await?), rules::TOP_CLIPS))
}

/// Total views of the clips published in `period` at the end of each of its days, from the stats collector's
/// samples.
pub async fn timeline(state: &AppState, user_id: Uuid, period: Period) -> Result<Vec<DayViews>, AccessError> {
    let rows = in_period(state, user_id, period).await?;
    let counted: Vec<Uuid> = rows.iter().filter(|p| rules::stats_reported(p.figures.platform)).map(|p| p.id).collect();
    if counted.is_empty() {
        return Ok(rules::timeline(&[], period));
    }
    let index: HashMap<Uuid, u32> = counted.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
    let end = DateTime::<Utc>::from_timestamp(period.end(), 0).unwrap_or_else(Utc::now);
    let mut conn = state.db.get().await?;
    let taken: Vec<(Uuid, DateTime<Utc>, i64)> = publication_stats::table
        .filter(publication_stats::publication_id.eq_any(counted))
        .filter(publication_stats::taken_at.lt(end))
        .select((publication_stats::publication_id, publication_stats::taken_at, publication_stats::views))
        .load(&mut conn)
        .await?;
    let samples: Vec<Sample> = taken
        .into_iter()
        .filter_map(|(id, at, views)| Some(Sample { publication: *index.get(&id)?, at: at.timestamp(), views }))
        .collect();
    Ok(rules::timeline(&samples, period))
}

/// The CSV export of the publications of `period`, its header in `lang` (see [`rules::csv`]).
pub async fn csv(state: &AppState, user_id: Uuid, period: Period, lang: Lang) -> Result<String, AccessError> {
    Ok(rules::csv(&figures(in_period(state, user_id, period).await?), lang))
}
