//! `/dashboard`, the first page after sign-in: the first-run checklist until every step is done, the stat cards
//! (minutes with a meter, videos processed, clips ready and published, views), the drop zone, the recent videos with
//! their live status, and the best clips by virality. Every figure is the workspace's (team-aware), counted by
//! `dashboard/summary`; live events update the recent videos at once and read the figures again when a video or clip
//! finishes.

use std::collections::HashMap;

use domain::{
    account::Me,
    analysis::ClipDetail,
    dashboard::{Checklist, Dashboard, Minutes},
    videos::{LiveEvent, VideoCard},
};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{StartDemoVideo, dashboard_summary},
    i18n::use_i18n,
    pages::{
        auth::RequireUser,
        clips::ClipTile,
        section::AppLayout,
        upload::Uploader,
        videos::{VideoRow, follow_live_events, merge},
    },
    vault_session::{Phase, VaultSession},
};

/// `/dashboard`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().dashboard.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            let name = me.name.clone();
            view! { <AppLayout me><DashboardBody name /></AppLayout> }
        } />
    }
}

#[component]
fn DashboardBody(name: String) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let summary = Resource::new(|| (), |_| dashboard_summary());
    let live: RwSignal<HashMap<String, VideoCard>> = RwSignal::new(HashMap::new());
    let reread = move || {
        live.set(HashMap::new());
        summary.refetch();
    };
    follow_live_events(
        move |event| match event {
            LiveEvent::Video(card) => {
                let finished = card.is_finished();
                live.update(|m| {
                    m.insert(card.id.clone(), card);
                });
                if finished {
                    summary.refetch();
                }
            }
            LiveEvent::Clip(card) if card.status.is_terminal() => summary.refetch(),
            LiveEvent::Clip(_) => {}
        },
        reread,
        |_| {},
    );
    view! {
        <h1>{move || i18n.t().dashboard.title}</h1>
        <p class="lead" data-testid="dash-greeting">{move || (t().greeting)(&name)}</p>
        <p class="muted">{move || t().intro}</p>
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                summary
                    .get()
                    .map(|r| match r {
                        Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                        Ok(d) => view! { <Figures d live on_change=Callback::new(move |_| reread()) /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// The dashboard once its figures are read.
#[component]
fn Figures(d: Dashboard, live: RwSignal<HashMap<String, VideoCard>>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let Dashboard {
        minutes,
        videos_processed,
        clips_ready,
        clips_published,
        views,
        recent_videos,
        best_clips,
        checklist,
    } = d;
    let count = move |n: u64| (i18n.t().analytics_page.number)(n as i64);
    view! {
        <ChecklistCard checklist />
        <div class="an-cards dash-cards">
            <MinutesCard minutes />
            <Stat testid="dash-videos" label=Signal::derive(move || t().videos_processed) value=videos_processed as i64 shown=count(videos_processed) />
            <Stat testid="dash-clips-ready" label=Signal::derive(move || t().clips_ready) value=clips_ready as i64 shown=count(clips_ready) />
            <Stat testid="dash-clips-published" label=Signal::derive(move || t().clips_published) value=clips_published as i64 shown=count(clips_published) />
            <Stat testid="dash-views" label=Signal::derive(move || t().views) value=views shown=(i18n.t().analytics_page.number)(views) />
        </div>
        <section id="add-video" class="dash-upload" aria-label=move || t().add_video>
            <h2>{move || t().add_video}</h2>
            <Uploader on_change />
        </section>
        <div class="an-grid">
            <RecentVideos recent=recent_videos live />
            <BestClips best=best_clips />
        </div>
    }
    .into_any()
}

/// The first-run checklist, until every step is done. Whether a vault exists only the browser knows: until it has
/// looked, that step counts as not done (the server renders the same).
#[component]
fn ChecklistCard(checklist: Checklist) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let vault = VaultSession::get();
    let vault_set_up = move || matches!(vault.phase.get(), Phase::Locked | Phase::Unlocked);
    let steps_href = ["/settings/profile", "#add-video", "/settings/keys", "/settings/platforms"];
    move || {
        (!checklist.complete(vault_set_up())).then(|| {
            let steps = checklist.steps(vault_set_up());
            let done = steps.iter().filter(|s| **s).count();
            view! {
                <section class="card checklist" data-testid="checklist">
                    <div class="page-head">
                        <h2>{move || t().checklist_title}</h2>
                        <span class="muted small" data-testid="checklist-progress">
                            {move || (t().checklist_progress)(done, steps.len())}
                        </span>
                    </div>
                    <ol class="checklist-steps">
                        {(0..4)
                            .map(|i| {
                                let is_done = steps[i];
                                let action = if is_done {
                                    view! { <span class="visually-hidden">{move || t().step_done}</span> }.into_any()
                                } else {
                                    view! { <a class="btn small" href=steps_href[i]>{move || t().steps[i].1}</a> }.into_any()
                                };
                                view! {
                                    <li data-testid=format!("step-{i}") data-done=is_done.to_string() class:done=is_done>
                                        <span class="step-mark" aria-hidden="true">{if is_done { "✓" } else { "○" }}</span>
                                        <span class="step-label">{move || t().steps[i].0}</span>
                                        {action}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </section>
            }
            .into_any()
        })
    }
}

/// The newest videos with their live status, or what to do when there are none (with the demo video).
#[component]
fn RecentVideos(recent: Vec<VideoCard>, live: RwSignal<HashMap<String, VideoCard>>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let demo = ServerAction::<StartDemoVideo>::new();
    Effect::new(move |_| {
        if let Some(Ok(card)) = demo.value().get() {
            live.update(|m| {
                m.insert(card.id.clone(), card);
            });
        }
    });
    let list = move || {
        let cards = merge(recent.clone(), &live.get());
        if cards.is_empty() {
            view! {
                <div class="empty-state" data-testid="dash-recent-empty">
                    <p class="muted">{move || t().recent_empty}</p>
                    <button
                        class="btn"
                        data-testid="dash-demo"
                        disabled=move || demo.pending().get()
                        on:click=move |_| {
                            demo.dispatch(StartDemoVideo { lang: i18n.lang() });
                        }
                    >
                        {move || t().try_demo}
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <ul class="video-list">
                    {cards
                        .into_iter()
                        .take(domain::dashboard::RECENT_VIDEOS)
                        .map(|card| view! { <VideoRow card on_delete=None /> })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }
    };
    view! {
        <section class="card an-section" data-testid="dash-recent">
            <div class="page-head">
                <h2>{move || t().recent_title}</h2>
                <a href="/videos">{move || t().all_videos}</a>
            </div>
            {list}
        </section>
    }
    .into_any()
}

/// The finished clips with the highest virality score, or when they will come.
#[component]
fn BestClips(best: Vec<ClipDetail>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let body = if best.is_empty() {
        view! { <p class="muted" data-testid="dash-best-empty">{move || t().best_empty}</p> }.into_any()
    } else {
        view! {
            <ul class="clip-grid">
                {best
                    .into_iter()
                    .map(|c| view! { <ClipTile card=c.card player=None video_title=Some(c.video_title) /> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card an-section" data-testid="dash-best">
            <div class="page-head">
                <h2>{move || t().best_title}</h2>
                <a href="/clips">{move || t().all_clips}</a>
            </div>
            {body}
        </section>
    }
    .into_any()
}

/// One stat card; `value` (the exact figure) is also in `data-value` for tests.
#[component]
fn Stat(testid: &'static str, label: Signal<&'static str>, value: i64, shown: String) -> impl IntoView {
    view! {
        <div class="card an-card" data-testid=testid data-value=value.to_string()>
            <span class="an-card-label">{move || label.get()}</span>
            <span class="an-figure">{shown}</span>
        </div>
    }
}

/// The minutes card: used of available with a meter, what is left, and a link to buy more when few are left.
#[component]
fn MinutesCard(minutes: Minutes) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().dashboard_page;
    let percent = minutes.percent_used();
    let low = minutes.running_low();
    view! {
        <div
            class="card an-card dash-minutes"
            data-testid="dash-minutes"
            data-used=minutes.used.to_string()
            data-left=minutes.left.map(|l| l.to_string()).unwrap_or_default()
        >
            <span class="an-card-label">{move || t().minutes}</span>
            {match (minutes.available, minutes.left) {
                (Some(available), Some(left)) => view! {
                    <span class="an-figure">{move || (t().minutes_left)(left)}</span>
                    <div
                        class="meter"
                        class:low=low
                        role="meter"
                        aria-valuemin="0"
                        aria-valuemax=available.to_string()
                        aria-valuenow=minutes.used.min(available).to_string()
                        aria-label=move || t().minutes
                    >
                        <span style=format!("width: {percent}%")></span>
                    </div>
                    <span class="muted small">{move || (t().minutes_used_of)(minutes.used, available)}</span>
                }
                .into_any(),
                _ => view! {
                    <span class="an-figure">{move || t().minutes_unlimited}</span>
                    <span class="muted small">{move || (t().minutes_used)(minutes.used)}</span>
                }
                .into_any(),
            }}
            {low.then(|| view! {
                <p class="notice small" role="status">{move || t().minutes_low} " " <a href="/billing">{move || t().buy_minutes}</a></p>
            })}
        </div>
    }
}
