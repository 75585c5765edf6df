//! `/analytics`: the figures of the clips the workspace published in a period (the last 7, 30 or 90 days): overview
//! cards, a by-platform table (Telegram's figures "not available", never zeros), the top clips, a views-by-day line
//! chart drawn here as SVG (no chart library; rendered on the server, hydrated for its hover tooltip) and a CSV
//! export. A workspace that has published nothing yet sees how to start instead.

use domain::{
    TextEnum as _,
    account::Me,
    analytics::{DEFAULT_DAYS, DayViews, Overview, PlatformFigures, RANGES, TopClip, line_chart},
    i18n::AnalyticsText,
};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{ApiError, analytics_by_platform, analytics_overview, analytics_timeline, analytics_top_clips},
    i18n::use_i18n,
    pages::{auth::RequireUser, section::AppLayout},
};

/// The CSV export's route (a plain GET the browser downloads).
const CSV_PATH: &str = "/api/analytics/export.csv";

/// `/analytics`
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().analytics.title, i18n.t().app_name) />
        <RequireUser children=|me: Me| view! { <AppLayout me><AnalyticsBody /></AppLayout> } />
    }
}

#[component]
fn AnalyticsBody() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().analytics_page;
    let days = RwSignal::new(DEFAULT_DAYS);
    // The page's four resources live here, above the Transition that renders them, so the server's values hydrate.
    let overview_res = Resource::new(move || days.get(), |d| analytics_overview(Some(d), None, None));
    let platforms_res = Resource::new(move || days.get(), |d| analytics_by_platform(Some(d), None, None));
    let top_res = Resource::new(move || days.get(), |d| analytics_top_clips(Some(d), None, None));
    let timeline_res = Resource::new(move || days.get(), |d| analytics_timeline(Some(d), None, None));
    view! {
        <div class="page-head">
            <h1>{move || i18n.t().analytics.title}</h1>
            <div class="an-range" role="group" aria-label=move || t().range_label data-testid="an-range">
                {RANGES
                    .into_iter()
                    .map(|n| {
                        view! {
                            <button
                                type="button"
                                class="btn small"
                                class:btn-primary=move || days.get() == n
                                aria-pressed=move || (days.get() == n).to_string()
                                data-testid=format!("an-range-{n}")
                                on:click=move |_| days.set(n)
                            >
                                {move || (t().last_days)(n)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <a
                class="btn small"
                href=move || format!("{CSV_PATH}?days={}", days.get())
                download="clipmaker-analytics.csv"
                rel="external"
                data-testid="an-csv"
            >
                {move || t().export_csv}
            </a>
        </div>
        <p class="muted">{move || t().intro}</p>
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                let t = &i18n.t().analytics_page;
                let (o, p, top, tl) = (overview_res.get(), platforms_res.get(), top_res.get(), timeline_res.get());
                let (Some(o), Some(p), Some(top), Some(tl)) = (o, p, top, tl) else { return None };
                Some(match (o, p, top, tl) {
                    (Ok(o), _, _, _) if !o.any_published => empty_state(t).into_any(),
                    (Ok(o), Ok(p), Ok(top), Ok(tl)) => {
                        view! {
                            {cards(t, o)}
                            {(o.publications == 0).then(|| view! {
                                <p class="notice" role="status" data-testid="an-period-empty">{t.period_empty}</p>
                            })}
                            <div class="an-grid">
                                {by_platform(t, p)}
                                {top_clips(t, top)}
                            </div>
                            <ViewsChart t points=tl />
                        }
                        .into_any()
                    }
                    (o, p, top, tl) => {
                        let e = o.err().or(p.err()).or(top.err()).or(tl.err()).unwrap_or(ApiError::Internal);
                        view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any()
                    }
                })
            }}
        </Transition>
    }
}

/// Nothing published yet: what to do.
fn empty_state(t: &'static AnalyticsText) -> impl IntoView {
    view! {
        <div class="card empty-state" data-testid="an-empty">
            <h2>{t.empty_title}</h2>
            <p>{t.empty_text}</p>
            <a class="btn btn-primary" href="/clips">{t.empty_action}</a>
        </div>
    }
}

/// The overview cards; each carries its raw figure in `data-value`.
fn cards(t: &'static AnalyticsText, o: Overview) -> impl IntoView {
    let card = |id: &'static str, label: &'static str, value: i64| {
        view! {
            <div class="card an-card" data-testid=id data-value=value.to_string()>
                <span class="an-card-label">{label}</span>
                <strong class="an-figure">{(t.number)(value)}</strong>
            </div>
        }
    };
    view! {
        <div class="an-cards">
            {card("an-views", t.views, o.views)}
            {card("an-likes", t.likes, o.likes)}
            {card("an-shares", t.shares, o.shares)}
            {card("an-published", t.published_clips, i64::from(o.published_clips))}
        </div>
        {(o.without_stats > 0).then(|| view! {
            <p class="muted small" data-testid="an-without-stats">{(t.without_stats_note)(o.without_stats)}</p>
        })}
    }
}

/// A figure, or "not available" where the platform does not report it.
fn figure_cell(t: &'static AnalyticsText, value: Option<i64>) -> impl IntoView {
    match value {
        Some(v) => view! { <td class="an-num" data-value=v.to_string()>{(t.number)(v)}</td> }.into_any(),
        None => view! {
            <td class="an-num muted" data-value="" title=t.not_available_hint>{t.not_available}</td>
        }
        .into_any(),
    }
}

/// The by-platform table.
fn by_platform(t: &'static AnalyticsText, rows: Vec<PlatformFigures>) -> impl IntoView {
    view! {
        <section class="card an-section" data-testid="an-platforms">
            <h2>{t.by_platform_heading}</h2>
            <div class="table-scroll">
                <table class="an-table">
                    <thead>
                        <tr>{t.platform_columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr
                                        data-testid=format!("an-platform-{}", r.platform.as_str())
                                        data-publications=r.publications
                                        data-views=r.views.map(|v| v.to_string()).unwrap_or_else(|| "na".into())
                                    >
                                        <th scope="row">{t.platform(r.platform)}</th>
                                        <td class="an-num">{(t.number)(i64::from(r.publications))}</td>
                                        {figure_cell(t, r.views)}
                                        {figure_cell(t, r.likes)}
                                        {figure_cell(t, r.shares)}
                                        {figure_cell(t, r.comments)}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The top clips, most viewed first, each linking to its page.
fn top_clips(t: &'static AnalyticsText, clips: Vec<TopClip>) -> impl IntoView {
    let list = if clips.is_empty() {
        view! { <p class="muted" data-testid="an-top-empty">{t.top_empty}</p> }.into_any()
    } else {
        view! {
            <ol class="an-top" data-testid="an-top">
                {clips
                    .into_iter()
                    .map(|c| {
                        let platforms = c.platforms.iter().map(|p| t.platform(*p)).collect::<Vec<_>>().join(", ");
                        let figure = |v: Option<i64>| v.map(t.number).unwrap_or_else(|| t.not_available.to_owned());
                        view! {
                            <li
                                data-testid="an-top-clip"
                                data-clip-id=c.clip_id.clone()
                                data-views=c.views.map(|v| v.to_string()).unwrap_or_default()
                            >
                                <a href=format!("/clips/{}", c.clip_id)>{c.title.clone()}</a>
                                <span class="muted small">{platforms}</span>
                                <span class="small">
                                    {t.views} ": " <strong>{figure(c.views)}</strong> " · " {t.likes} ": "
                                    {figure(c.likes)}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="card an-section">
            <h2>{t.top_heading}</h2>
            {list}
        </section>
    }
}

/// The chart's box, in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const PAD_LEFT: f64 = 56.0;
const PAD_RIGHT: f64 = 16.0;
const PAD_TOP: f64 = 12.0;
const PAD_BOTTOM: f64 = 28.0;

/// Total views at the end of each day as a line with one point per day. Each point has a `<title>` (the browser's
/// own tooltip, also without JavaScript) and, once hydrated, a styled tooltip on hover or keyboard focus.
#[component]
fn ViewsChart(t: &'static AnalyticsText, points: Vec<DayViews>) -> impl IntoView {
    let (plot_w, plot_h) = (WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM);
    let values: Vec<i64> = points.iter().map(|p| p.views).collect();
    let chart = line_chart(&values, plot_w, plot_h);
    let max = chart.max;
    let ticks: Vec<i64> = if max >= 2 { vec![0, max / 2, max] } else { vec![0, max] };
    let area = match (chart.points.first(), chart.points.last()) {
        (Some((x0, _)), Some((x1, _))) => format!("{} L{x1:.1} {plot_h:.1} L{x0:.1} {plot_h:.1} Z", chart.path),
        _ => String::new(),
    };
    let (first_day, last_day) = (
        points.first().map(|p| t.day(p.day)).unwrap_or_default(),
        points.last().map(|p| t.day(p.day)).unwrap_or_default(),
    );
    let label = (t.chart_label)(&first_day, &last_day);
    let hovered = RwSignal::new(None::<usize>);
    // What the styled tooltip shows and where (percentages of the box, so it follows the SVG's scaling).
    let tips: Vec<(String, f64, f64)> = points
        .iter()
        .zip(&chart.points)
        .map(|(p, (x, y))| {
            ((t.point_title)(&t.day(p.day), p.views), (PAD_LEFT + x) / WIDTH * 100.0, (PAD_TOP + y) / HEIGHT * 100.0)
        })
        .collect();
    let tooltip = move || {
        hovered.get().and_then(|i| tips.get(i).cloned()).map(|(text, left, top)| {
            view! {
                <div class="an-tooltip" role="status" data-testid="an-tooltip"
                    style=format!("left: {left:.2}%; top: {top:.2}%")>{text}</div>
            }
        })
    };
    view! {
        <section class="card an-section">
            <h2>{t.chart_heading}</h2>
            <p class="muted small">{t.chart_note}</p>
            <div class="an-chart" data-testid="an-chart" data-max=max>
                <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                    <g transform=format!("translate({PAD_LEFT} {PAD_TOP})")>
                        {ticks
                            .into_iter()
                            .map(|v| {
                                let y = plot_h - plot_h * v as f64 / max as f64;
                                view! {
                                    <line class="an-grid-line" x1="0" x2=format!("{plot_w:.1}")
                                        y1=format!("{y:.1}") y2=format!("{y:.1}") />
                                    <text class="an-axis" x="-8" y=format!("{:.1}", y + 4.0) text-anchor="end">
                                        {(t.number)(v)}
                                    </text>
                                }
                            })
                            .collect_view()}
                        <text class="an-axis" x="0" y=format!("{:.1}", plot_h + 20.0) text-anchor="start">
                            {first_day}
                        </text>
                        <text class="an-axis" x=format!("{plot_w:.1}") y=format!("{:.1}", plot_h + 20.0) text-anchor="end">
                            {last_day}
                        </text>
                        <path class="an-area" d=area />
                        <path class="an-line" d=chart.path.clone() fill="none" />
                        {points
                            .iter()
                            .zip(chart.points.clone())
                            .enumerate()
                            .map(|(i, (p, (x, y)))| {
                                let title = (t.point_title)(&t.day(p.day), p.views);
                                let label = title.clone();
                                view! {
                                    <circle
                                        class="an-point"
                                        data-testid="an-point"
                                        data-day=p.day
                                        data-views=p.views
                                        cx=format!("{x:.1}")
                                        cy=format!("{y:.1}")
                                        r="4"
                                        tabindex="0"
                                        aria-label=label
                                        on:mouseenter=move |_| hovered.set(Some(i))
                                        on:mouseleave=move |_| hovered.set(None)
                                        on:focus=move |_| hovered.set(Some(i))
                                        on:blur=move |_| hovered.set(None)
                                    >
                                        <title>{title}</title>
                                    </circle>
                                }
                            })
                            .collect_view()}
                    </g>
                </svg>
                {tooltip}
            </div>
        </section>
    }
}
