//! Analytics rules: platforms report cumulative counters, sampled by the stats collector every few hours; the
//! analytics page shows per-day series built from those samples, SVG charts drawn from them on the server, and a CSV
//! export. Times are Unix seconds.
//!
//! A period is a run of whole UTC days. The page's figures are those of the clips published in the period: every
//! publication published in it counts once, with its latest counters (the collector keeps them on the publication);
//! the chart shows the same publications' total views at the end of each day, so its last point and the views card
//! agree. Telegram's Bot API reports no views, likes or shares: its publications count as published, never as zeros
//! in the figures ([`stats_reported`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Lang, Platform, TextEnum as _};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// One sample of a publication's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Which publication (an index the caller assigns; samples of one publication share it).
    pub publication: u32,
    /// When it was taken.
    pub at: i64,
    /// Views so far.
    pub views: i64,
}

/// The start of the UTC day holding `t`.
pub fn day_start(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

/// Total views at the end of each day from `from`'s day to `to`'s day (inclusive): for every publication the latest
/// sample taken by the end of that day, summed. Counters never go down on the chart: a sample lower than an earlier
/// one (a platform's recount) keeps the earlier figure.
pub fn views_by_day(samples: &[Sample], from: i64, to: i64) -> Vec<(i64, i64)> {
    let (first, last) = (day_start(from), day_start(to));
    if last < first {
        return vec![];
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| (s.at, s.publication));
    let mut latest: std::collections::BTreeMap<u32, i64> = std::collections::BTreeMap::new();
    let mut next = sorted.iter().peekable();
    let mut out = Vec::with_capacity(((last - first) / DAY + 1) as usize);
    let mut day = first;
    while day <= last {
        while let Some(s) = next.next_if(|s| s.at < day + DAY) {
            let seen = latest.entry(s.publication).or_insert(0);
            *seen = (*seen).max(s.views);
        }
        out.push((day, latest.values().sum()));
        day += DAY;
    }
    out
}

/// The smallest "nice" number (1, 2 or 5 × 10ⁿ) at or above `v`; 1 for zero or less.
pub fn nice_ceiling(v: i64) -> i64 {
    if v <= 1 {
        return 1;
    }
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= v {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// A line chart's geometry in a `width` × `height` box: the points, the SVG path through them and the top of the
/// value axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    /// Each value's position, left to right.
    pub points: Vec<(f64, f64)>,
    /// `M x y L x y …`, empty for no values.
    pub path: String,
    /// The value at the top edge.
    pub max: i64,
}

/// Lays `values` out evenly across `width` (one value sits in the middle), 0 at the bottom and [`nice_ceiling`] of the
/// largest at the top.
pub fn line_chart(values: &[i64], width: f64, height: f64) -> LineChart {
    let max = nice_ceiling(values.iter().copied().max().unwrap_or(0));
    let n = values.len();
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if n == 1 { width / 2.0 } else { width * i as f64 / (n - 1) as f64 };
            let y = height - height * (*v).clamp(0, max) as f64 / max as f64;
            (x, y)
        })
        .collect();
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" }))
        .collect::<String>();
    LineChart { points, path, max }
}

/// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180), and with a leading `'` when it
/// starts like a spreadsheet formula (`=`, `+`, `-`, `@`), so a title cannot run code in the user's spreadsheet.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// A CSV line (CRLF-terminated) of `fields`.
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The date (year, month, day) of the UTC day holding `t`.
pub fn civil_date(t: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = t.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2027-01-15`: the UTC date of `t` as ISO 8601 (what spreadsheets read as a date).
pub fn iso_date(t: i64) -> String {
    let (y, m, d) = civil_date(t);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The periods the page offers, in days.
pub const RANGES: [u32; 3] = [7, 30, 90];
/// The period when none is asked for, in days.
pub const DEFAULT_DAYS: u32 = 30;
/// The longest period, in days.
pub const MAX_DAYS: u32 = 366;
/// How many clips the top list shows.
pub const TOP_CLIPS: usize = 10;
/// The platforms the by-platform table always lists (Dzen has no upload API, so nothing is published there by us).
pub const TABLE_PLATFORMS: [Platform; 3] = [Platform::Vk, Platform::Rutube, Platform::Telegram];

/// Whether `platform` tells us a post's views, likes, shares and comments. Telegram's Bot API does not expose channel
/// post views; Dzen is published by hand.
pub fn stats_reported(platform: Platform) -> bool {
    matches!(platform, Platform::Vk | Platform::Rutube)
}

/// A run of whole UTC days: `from` is the start of the first, `to` the start of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Start of the first day, Unix seconds.
    pub from: i64,
    /// Start of the last day, Unix seconds.
    pub to: i64,
}

/// Why a requested period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Zero days, or more than [`MAX_DAYS`].
    #[error("a period is 1 to {MAX_DAYS} days")]
    Length,
    /// `from` after `to`.
    #[error("the period ends before it starts")]
    Reversed,
}

impl Period {
    /// The last `days` days up to and including the day holding `now`.
    pub fn last_days(days: u32, now: i64) -> Result<Period, PeriodError> {
        Self::resolve(Some(days), None, None, now)
    }

    /// The period a request asks for: from `from`'s day to `to`'s day (default: `now`'s); without `from`, the last
    /// `days` days up to `to` (default [`DEFAULT_DAYS`]). `days` is ignored when `from` is given.
    pub fn resolve(days: Option<u32>, from: Option<i64>, to: Option<i64>, now: i64) -> Result<Period, PeriodError> {
        let last = day_start(to.unwrap_or(now));
        let first = match from {
            Some(from) => day_start(from),
            None => {
                let days = days.unwrap_or(DEFAULT_DAYS);
                if days == 0 || days > MAX_DAYS {
                    return Err(PeriodError::Length);
                }
                last - i64::from(days - 1) * DAY
            }
        };
        if first > last {
            return Err(PeriodError::Reversed);
        }
        let period = Period { from: first, to: last };
        if period.days() > i64::from(MAX_DAYS) {
            return Err(PeriodError::Length);
        }
        Ok(period)
    }

    /// How many days it spans.
    pub fn days(self) -> i64 {
        (self.to - self.from) / DAY + 1
    }

    /// The end of the last day (exclusive), Unix seconds.
    pub fn end(self) -> i64 {
        self.to + DAY
    }

    /// Whether `t` falls on one of its days.
    pub fn contains(self, t: i64) -> bool {
        (self.from..self.end()).contains(&t)
    }
}

/// A publication's counters as the platform last reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Views.
    pub views: i64,
    /// Likes.
    pub likes: i64,
    /// Shares (reposts).
    pub shares: i64,
    /// Comments.
    pub comments: i64,
}

impl Counters {
    fn add(&mut self, other: Counters) {
        self.views += other.views;
        self.likes += other.likes;
        self.shares += other.shares;
        self.comments += other.comments;
    }
}

/// One published publication as analytics reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationFigures {
    /// The clip's id.
    pub clip_id: String,
    /// The clip's title.
    pub clip_title: String,
    /// Where it was published.
    pub platform: Platform,
    /// The post's link.
    pub url: Option<String>,
    /// When it was published, Unix seconds.
    pub published_at: i64,
    /// Its latest counters (zeros on platforms that report none, see [`stats_reported`]).
    pub counters: Counters,
}

/// The overview cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// The period the figures are for.
    pub period: Period,
    /// Views of the publications published in the period (platforms that report them).
    pub views: i64,
    /// Their likes.
    pub likes: i64,
    /// Their shares.
    pub shares: i64,
    /// Their comments.
    pub comments: i64,
    /// Clips with at least one publication in the period.
    pub published_clips: u32,
    /// Publications in the period.
    pub publications: u32,
    /// Publications in the period on platforms that report no figures (Telegram): counted as published only.
    pub without_stats: u32,
    /// Whether the workspace has published anything at all, in any period (the page's empty state when not).
    pub any_published: bool,
}

/// One row of the by-platform table. The figures are `None` where the platform does not report them (Telegram),
/// which the page shows as "not available", never as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformFigures {
    /// The platform.
    pub platform: Platform,
    /// Publications on it in the period.
    pub publications: u32,
    /// Clips published on it in the period.
    pub published_clips: u32,
    /// Views.
    pub views: Option<i64>,
    /// Likes.
    pub likes: Option<i64>,
    /// Shares.
    pub shares: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
}

/// A clip in the top list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopClip {
    /// The clip's id.
    pub clip_id: String,
    /// Its title.
    pub title: String,
    /// Where it was published in the period, in the order of `Platform::ALL`.
    pub platforms: Vec<Platform>,
    /// Views over those platforms; `None` when none of them reports views (only on Telegram).
    pub views: Option<i64>,
    /// Likes, likewise.
    pub likes: Option<i64>,
}

/// One point of the views chart: total views at the end of `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayViews {
    /// Start of the UTC day, Unix seconds.
    pub day: i64,
    /// Total views of the period's publications at the end of that day.
    pub views: i64,
}

/// The publications of `all` published in `period`.
pub fn in_period(all: &[PublicationFigures], period: Period) -> Vec<PublicationFigures> {
    all.iter().filter(|p| period.contains(p.published_at)).cloned().collect()
}

/// The overview cards for `period` from every published publication of the workspace (`all`, any date).
pub fn overview(all: &[PublicationFigures], period: Period) -> Overview {
    let mut totals = Counters::default();
    let mut clips = BTreeSet::new();
    let (mut publications, mut without_stats) = (0u32, 0u32);
    for p in all.iter().filter(|p| period.contains(p.published_at)) {
        publications += 1;
        clips.insert(p.clip_id.as_str());
        if stats_reported(p.platform) {
            totals.add(p.counters);
        } else {
            without_stats += 1;
        }
    }
    Overview {
        period,
        views: totals.views,
        likes: totals.likes,
        shares: totals.shares,
        comments: totals.comments,
        published_clips: clips.len() as u32,
        publications,
        without_stats,
        any_published: !all.is_empty(),
    }
}

/// The by-platform table of the publications `rows` (already limited to the period): one row for each of
/// [`TABLE_PLATFORMS`], and one for any other platform that has publications.
pub fn by_platform(rows: &[PublicationFigures]) -> Vec<PlatformFigures> {
    Platform::ALL
        .iter()
        .copied()
        .filter(|p| TABLE_PLATFORMS.contains(p) || rows.iter().any(|r| r.platform == *p))
        .map(|platform| {
            let mine: Vec<&PublicationFigures> = rows.iter().filter(|r| r.platform == platform).collect();
            let mut totals = Counters::default();
            for r in &mine {
                totals.add(r.counters);
            }
            let clips: BTreeSet<&str> = mine.iter().map(|r| r.clip_id.as_str()).collect();
            let reported = stats_reported(platform);
            let figure = |v: i64| reported.then_some(v);
            PlatformFigures {
                platform,
                publications: mine.len() as u32,
                published_clips: clips.len() as u32,
                views: figure(totals.views),
                likes: figure(totals.likes),
                shares: figure(totals.shares),
                comments: figure(totals.comments),
            }
        })
        .collect()
}

/// The `limit` clips of `rows` (already limited to the period) with the most views over their publications, then the
/// most likes; clips whose views no platform reports come last, newest first among equals.
pub fn top_clips(rows: &[PublicationFigures], limit: usize) -> Vec<TopClip> {
    struct Acc<'a> {
        title: &'a str,
        platforms: BTreeSet<usize>,
        counters: Option<Counters>,
        latest: i64,
    }
    let mut clips: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for r in rows {
        let acc = clips.entry(r.clip_id.as_str()).or_insert(Acc {
            title: r.clip_title.as_str(),
            platforms: BTreeSet::new(),
            counters: None,
            latest: r.published_at,
        });
        acc.platforms.insert(Platform::ALL.iter().position(|p| *p == r.platform).unwrap_or(0));
        acc.latest = acc.latest.max(r.published_at);
        if stats_reported(r.platform) {
            acc.counters.get_or_insert_with(Counters::default).add(r.counters);
        }
    }
    let mut out: Vec<(i64, TopClip)> = clips
        .into_iter()
        .map(|(id, acc)| {
            let clip = TopClip {
                clip_id: id.to_owned(),
                title: acc.title.to_owned(),
                platforms: acc.platforms.into_iter().map(|i| Platform::ALL[i]).collect(),
                views: acc.counters.map(|c| c.views),
                likes: acc.counters.map(|c| c.likes),
            };
            (acc.latest, clip)
        })
        .collect();
    out.sort_by(|(a_at, a), (b_at, b)| {
        let key = |c: &TopClip| (c.views.unwrap_or(-1), c.likes.unwrap_or(-1));
        key(b).cmp(&key(a)).then(b_at.cmp(a_at)).then(a.clip_id.cmp(&b.clip_id))
    });
    out.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// The views chart of `period` from the samples of the period's publications.
pub fn timeline(samples: &[Sample], period: Period) -> Vec<DayViews> {
    views_by_day(samples, period.from, period.to).into_iter().map(|(day, views)| DayViews { day, views }).collect()
}

/// The CSV export of `rows`: a header in `lang`, then one line per publication, oldest first: clip title, platform,
/// link, publication date (ISO), views, likes, shares, comments. Figures a platform does not report are empty cells,
/// not zeros. Starts with a UTF-8 byte order mark so spreadsheet programs read Cyrillic titles right.
pub fn csv(rows: &[PublicationFigures], lang: Lang) -> String {
    let t = &lang.dict().analytics_page;
    let mut sorted: Vec<&PublicationFigures> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        a.published_at
            .cmp(&b.published_at)
            .then(a.platform.as_str().cmp(b.platform.as_str()))
            .then(a.clip_id.cmp(&b.clip_id))
    });
    let mut out = String::from("\u{feff}");
    out.push_str(&csv_line(&t.csv_header));
    for r in sorted {
        let reported = stats_reported(r.platform);
        let figure = |v: i64| if reported { v.to_string() } else { String::new() };
        let c = r.counters;
        out.push_str(&csv_line(&[
            r.clip_title.clone(),
            t.platform_names[platform_index(r.platform)].to_owned(),
            r.url.clone().unwrap_or_default(),
            iso_date(r.published_at),
            figure(c.views),
            figure(c.likes),
            figure(c.shares),
            figure(c.comments),
        ]));
    }
    out
}

/// `platform`'s position in `Platform::ALL`, for the dictionaries' per-platform arrays.
pub fn platform_index(platform: Platform) -> usize {
    Platform::ALL.iter().position(|p| *p == platform).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const D: i64 = 1_800_000_000 / DAY * DAY;

    fn s(publication: u32, at: i64, views: i64) -> Sample {
        Sample { publication, at, views }
    }

    #[test]
    fn each_day_sums_every_publications_latest_sample() {
        let samples = [s(1, D + 100, 10), s(1, D + 5000, 30), s(2, D + DAY + 10, 5), s(1, D + 2 * DAY + 1, 50)];
        assert_eq!(
            views_by_day(&samples, D, D + 3 * DAY),
            vec![(D, 30), (D + DAY, 35), (D + 2 * DAY, 55), (D + 3 * DAY, 55)]
        );
    }

    #[test]
    fn samples_before_the_range_count_and_recounts_do_not_lower_the_line() {
        let samples = [s(1, D - 5 * DAY, 100), s(1, D + 10, 90)];
        assert_eq!(views_by_day(&samples, D, D + DAY), vec![(D, 100), (D + DAY, 100)]);
        assert_eq!(views_by_day(&samples, D + DAY, D), vec![]);
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(200), 200);
        assert_eq!(nice_ceiling(201), 500);
    }

    #[test]
    fn chart_spans_the_box() {
        let c = line_chart(&[0, 5, 10], 100.0, 50.0);
        assert_eq!(c.max, 10);
        assert_eq!(c.points, vec![(0.0, 50.0), (50.0, 25.0), (100.0, 0.0)]);
        assert_eq!(c.path, "M0.0 50.0 L50.0 25.0 L100.0 0.0");
        assert_eq!(line_chart(&[], 100.0, 50.0).path, "");
        assert_eq!(line_chart(&[3], 100.0, 50.0).points, vec![(50.0, 20.0)]);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_line(&["a", "b,c", "say \"hi\""]), "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("Привет"), "Привет");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(1_800_000_000), (2027, 1, 15));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date(-1), (1969, 12, 31));
        assert_eq!(iso_date(1_800_000_000), "2027-01-15");
        assert_eq!(Lang::Ru.dict().analytics_page.day(1_800_000_000), "15.01.2027");
        assert_eq!(Lang::En.dict().analytics_page.day(1_800_000_000), "Jan 15, 2027");
    }

    #[test]
    fn periods_are_whole_days() {
        let now = D + 3600 * 15;
        let p = Period::last_days(7, now).unwrap();
        assert_eq!(p, Period { from: D - 6 * DAY, to: D });
        assert_eq!(p.days(), 7);
        assert!(p.contains(D - 6 * DAY) && p.contains(D + DAY - 1));
        assert!(!p.contains(D - 6 * DAY - 1) && !p.contains(D + DAY));
        assert_eq!(Period::resolve(None, None, None, now).unwrap().days(), i64::from(DEFAULT_DAYS));
        assert_eq!(
            Period::resolve(Some(7), Some(D - DAY + 5), Some(D + 7), now).unwrap(),
            Period { from: D - DAY, to: D }
        );
        assert_eq!(Period::resolve(None, Some(D + DAY), Some(D), now), Err(PeriodError::Reversed));
        assert_eq!(Period::last_days(0, now), Err(PeriodError::Length));
        assert_eq!(Period::last_days(MAX_DAYS + 1, now), Err(PeriodError::Length));
        assert_eq!(Period::resolve(None, Some(D - 400 * DAY), None, now), Err(PeriodError::Length));
    }

    fn pubf(clip: &str, platform: Platform, at: i64, views: i64, likes: i64) -> PublicationFigures {
        PublicationFigures {
            clip_id: clip.into(),
            clip_title: format!("Клип {clip}"),
            platform,
            url: Some(format!("https://example.com/{clip}/{}", platform.as_str())),
            published_at: at,
            counters: Counters { views, likes, shares: likes / 2, comments: 1 },
        }
    }

    fn fixture() -> Vec<PublicationFigures> {
        vec![
            pubf("a", Platform::Vk, D - DAY, 100, 10),
            pubf("a", Platform::Telegram, D - DAY, 0, 0),
            pubf("b", Platform::Rutube, D, 300, 4),
            pubf("c", Platform::Telegram, D, 0, 0),
            // Outside the period.
            pubf("d", Platform::Vk, D - 10 * DAY, 5000, 50),
        ]
    }

    #[test]
    fn overview_sums_reporting_platforms_and_counts_every_published_clip() {
        let p = Period { from: D - 2 * DAY, to: D };
        let o = overview(&fixture(), p);
        assert_eq!((o.views, o.likes, o.shares, o.comments), (400, 14, 7, 2));
        assert_eq!((o.published_clips, o.publications, o.without_stats), (3, 4, 2));
        assert!(o.any_published);
        assert_eq!(o.period, p);
        let none = overview(&[], p);
        assert!(!none.any_published);
        assert_eq!((none.views, none.published_clips), (0, 0));
        // Published before the period only: something was published, but nothing in it.
        let early = overview(&fixture()[4..], p);
        assert!(early.any_published);
        assert_eq!(early.publications, 0);
    }

    #[test]
    fn by_platform_lists_the_three_platforms_and_telegram_has_no_figures() {
        let rows = in_period(&fixture(), Period { from: D - 2 * DAY, to: D });
        let table = by_platform(&rows);
        assert_eq!(table.iter().map(|r| r.platform).collect::<Vec<_>>(), TABLE_PLATFORMS);
        assert_eq!((table[0].publications, table[0].views, table[0].likes), (1, Some(100), Some(10)));
        assert_eq!((table[1].publications, table[1].views), (1, Some(300)));
        let telegram = table[2];
        assert_eq!((telegram.publications, telegram.published_clips), (2, 2));
        assert_eq!((telegram.views, telegram.likes, telegram.shares, telegram.comments), (None, None, None, None));
        assert_eq!(by_platform(&[]).iter().map(|r| r.publications).sum::<u32>(), 0);
    }

    #[test]
    fn top_clips_by_views_then_likes_with_telegram_only_clips_last() {
        let mut rows = in_period(&fixture(), Period { from: D - 2 * DAY, to: D });
        rows.push(pubf("e", Platform::Vk, D, 300, 9));
        let top = top_clips(&rows, 10);
        let order: Vec<&str> = top.iter().map(|c| c.clip_id.as_str()).collect();
        assert_eq!(order, ["e", "b", "a", "c"]);
        assert_eq!(top[2].platforms, vec![Platform::Vk, Platform::Telegram]);
        assert_eq!((top[2].views, top[2].likes), (Some(100), Some(10)));
        assert_eq!((top[3].views, top[3].likes), (None, None));
        assert_eq!(top[0].title, "Клип e");
        assert_eq!(top_clips(&rows, 2).len(), 2);
    }

    #[test]
    fn timeline_has_one_point_per_day_of_the_period() {
        let p = Period { from: D - DAY, to: D + DAY };
        let series = timeline(&[s(0, D - DAY + 60, 10), s(1, D + 100, 7), s(0, D + 200, 12)], p);
        assert_eq!(
            series,
            vec![
                DayViews { day: D - DAY, views: 10 },
                DayViews { day: D, views: 19 },
                DayViews { day: D + DAY, views: 19 }
            ]
        );
    }

    #[test]
    fn csv_has_a_translated_header_and_empty_cells_for_telegram() {
        let rows = in_period(&fixture(), Period { from: D - 2 * DAY, to: D });
        let csv_ru = csv(&rows, Lang::Ru);
        let lines: Vec<&str> = csv_ru.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert!(csv_ru.starts_with('\u{feff}'));
        assert_eq!(lines[0], "Клип,Площадка,Ссылка,Дата публикации,Просмотры,Лайки,Репосты,Комментарии");
        let day = iso_date(D - DAY);
        assert_eq!(lines[1], format!("Клип a,Telegram,https://example.com/a/telegram,{day},,,,"));
        assert_eq!(lines[2], format!("Клип a,ВКонтакте,https://example.com/a/vk,{day},100,10,5,1"));
        assert_eq!(lines.len(), 6, "a header, four publications and the empty string after the last CRLF");
        assert_eq!(lines[5], "");
        assert!(csv(&rows, Lang::En).contains("Clip,Platform,Link,Published,Views,Likes,Shares,Comments\r\n"));
        assert!(csv(&rows, Lang::En).contains(",VK,"));
    }

    proptest! {
        #[test]
        fn series_is_daily_and_never_falls(
            samples in prop::collection::vec((0u32..5, 0i64..(10 * DAY), 0i64..1000), 0..60),
            from in 0i64..(5 * DAY),
            days in 0i64..8,
        ) {
            let samples: Vec<Sample> = samples.into_iter().map(|(p, at, v)| s(p, D + at, v)).collect();
            let series = views_by_day(&samples, D + from, D + from + days * DAY);
            prop_assert_eq!(series.len() as i64, days + 1);
            for w in series.windows(2) {
                prop_assert_eq!(w[1].0 - w[0].0, DAY);
                prop_assert!(w[1].1 >= w[0].1);
            }
        }

        #[test]
        fn chart_points_stay_in_the_box(values in prop::collection::vec(0i64..1_000_000, 0..50)) {
            let c = line_chart(&values, 300.0, 120.0);
            prop_assert!(values.iter().all(|v| *v <= c.max));
            for (x, y) in c.points {
                prop_assert!((0.0..=300.0).contains(&x) && (0.0..=120.0).contains(&y));
            }
        }
    }
}
