//! Clips: the grid on a video's page, the Clips page (every clip, sortable by score or date, filterable by status)
//! and a clip's own page (9:16 player, scores and reason, editable title and CTA, caption style and layout with a
//! re-render, download). Rendering progress arrives live: each clip event replaces its tile without a reload.

use std::collections::HashMap;

use domain::{
    ClipLayout, ClipStatus, TextEnum as _,
    account::{CAPTION_STYLES, Me},
    analysis::{ClipCard, ClipDetail, ClipSort},
    transcript::clock,
    videos::{LiveEvent, format_duration},
};
use leptos::{html::Video, prelude::*};
use leptos_meta::Title;

use crate::{
    api::{RestyleClip, UpdateClip, clip_download_url, get_clip, list_clips},
    components::ProgressBar,
    i18n::use_i18n,
    pages::{auth::RequireUser, section::AppLayout, videos::follow_live_events},
};

/// Replaces the clips in `list` that have a newer live version.
fn merge(list: Vec<ClipCard>, live: &HashMap<String, ClipCard>) -> Vec<ClipCard> {
    list.into_iter().map(|c| live.get(&c.id).cloned().unwrap_or(c)).collect()
}

/// Live clip updates, by clip id, kept while the page is open.
pub(crate) fn live_clips() -> RwSignal<HashMap<String, ClipCard>> {
    let live: RwSignal<HashMap<String, ClipCard>> = RwSignal::new(HashMap::new());
    follow_live_events(
        move |event| {
            if let LiveEvent::Clip(card) = event {
                live.update(|m| {
                    m.insert(card.id.clone(), card);
                });
            }
        },
        || {},
        |_| {},
    );
    live
}

/// One clip as a tile: thumbnail, length, title, virality total (the four scores on hover and below), status with
/// live progress, and a link to its page. `player`: the source player on the video page, which the time button
/// seeks; `video_title`: shown on the Clips page.
#[component]
pub fn ClipTile(card: ClipCard, player: Option<NodeRef<Video>>, video_title: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().video_clips;
    let v = card.candidate.virality;
    let scores = [v.hook, v.engagement, v.flow, v.trend];
    let start = card.candidate.start;
    let status = card.status;
    let hover = move || {
        let t = t();
        (0..4).map(|i| format!("{}: {}", t.scores[i], scores[i])).collect::<Vec<_>>().join(" · ")
    };
    let href = format!("/clips/{}", card.id);
    let thumb = (card.has_thumbnail && card.playable()).then(|| card.thumbnail_url());
    let status_index = ClipStatus::ALL.iter().position(|s| *s == status).unwrap_or(0);
    view! {
        <li class="clip-card" data-testid="clip" data-clip-id=card.id.clone() data-status=status.as_str()>
            <a class="clip-thumb" href=href.clone() aria-label=move || t().open>
                {match thumb {
                    Some(src) => view! { <img src=src alt="" loading="lazy" /> }.into_any(),
                    None => view! { <span class="thumb-icon" aria-hidden="true">"▶"</span> }.into_any(),
                }}
                <span class="thumb-duration">{format_duration(card.duration())}</span>
            </a>
            <div class="clip-body">
                <a class="clip-title" href=href><strong>{card.candidate.title.clone()}</strong></a>
                {video_title.map(|vt| view! { <p class="muted small">{move || t().from_video} ": " {vt.clone()}</p> })}
                <span class="clip-total" data-testid="clip-total" title=hover>
                    {move || t().total} ": " {v.total}
                </span>
                <ul class="clip-scores small">
                    {(0..4).map(|i| view! { <li>{move || t().scores[i]}": "{scores[i]}</li> }).collect_view()}
                </ul>
                <span class="status-chip" data-status=status.as_str() data-testid="clip-status">
                    {move || t().status_names[status_index]}
                </span>
                {(status == ClipStatus::Rendering)
                    .then(|| {
                        view! {
                            <ProgressBar
                                percent=card.progress
                                label=Signal::derive(move || i18n.t().video_clips.status_names[1])
                                testid="clip-progress"
                            />
                        }
                    })}
                {(status == ClipStatus::Failed)
                    .then(|| {
                        let error = card.error.clone();
                        view! {
                            <div class="form-error small" role="alert" data-testid="clip-failure">
                                <p>
                                    {move || error.as_ref().map_or_else(|| t().failed_hint.to_owned(), |e| e.message(i18n.t()))}
                                </p>
                            </div>
                        }
                    })}
                {player
                    .map(|player| {
                        view! {
                            <button
                                class="clip-time small"
                                type="button"
                                on:click=move |_| {
                                    if let Some(video) = player.get_untracked() {
                                        video.set_current_time(start);
                                        #[cfg(feature = "hydrate")]
                                        let _ = video.play();
                                    }
                                }
                            >
                                {format!("{} – {}", clock(start), clock(card.candidate.end))}
                            </button>
                        }
                    })}
            </div>
        </li>
    }
}

/// The clips of a video as a grid, best first, following their rendering live; nothing while there are none.
#[component]
pub fn ClipGrid(clips: Vec<ClipCard>, player: NodeRef<Video>) -> impl IntoView {
    let i18n = use_i18n();
    let live = live_clips();
    if clips.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="card clips" data-testid="clips">
            <h2>{move || i18n.t().video_clips.title}</h2>
            <ul class="clip-grid">
                {move || {
                    merge(clips.clone(), &live.get())
                        .into_iter()
                        .map(|card| view! { <ClipTile card player=Some(player) video_title=None /> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
    .into_any()
}

/// `/clips`: every clip of the user, sortable and filterable, following rendering live.
#[component]
pub fn ClipsPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().video_clips;
    view! {
        <Title text=move || format!("{} · {}", i18n.t().clips.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            let sort = RwSignal::new(ClipSort::Score);
            let status = RwSignal::new(String::new());
            let list = Resource::new(move || (sort.get(), status.get()), |(s, st)| list_clips(s.as_str().into(), st));
            let live = live_clips();
            view! {
                <AppLayout me>
                    <h1>{move || i18n.t().clips.title}</h1>
                    <p class="muted">{move || t().intro}</p>
                    <div class="toolbar">
                        <label class="field inline">
                            <span>{move || t().sort_label}</span>
                            <select
                                data-testid="clips-sort"
                                on:change=move |ev| sort.set(ClipSort::parse(&event_target_value(&ev)))
                            >
                                {ClipSort::ALL
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, o)| view! { <option value=o.as_str()>{move || t().sort_names[i]}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label class="field inline">
                            <span>{move || t().filter_label}</span>
                            <select data-testid="clips-filter" on:change=move |ev| status.set(event_target_value(&ev))>
                                <option value="">{move || t().filter_all}</option>
                                {ClipStatus::ALL
                                    .iter()
                                    .enumerate()
                                    .map(|(i, s)| view! { <option value=s.as_str()>{move || t().status_names[i]}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    </div>
                    <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
                        {move || {
                            list.get().map(|r| match r {
                                Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                                Ok(items) if items.is_empty() => {
                                    view! { <div class="card empty-state"><p>{move || t().empty}</p></div> }.into_any()
                                }
                                Ok(items) => {
                                    let live = live.get();
                                    view! {
                                        <ul class="clip-grid" data-testid="clips">
                                            {items
                                                .into_iter()
                                                .map(|ClipDetail { card, video_title, .. }| {
                                                    let card = live.get(&card.id).cloned().unwrap_or(card);
                                                    view! { <ClipTile card player=None video_title=Some(video_title) /> }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                    .into_any()
                                }
                            })
                        }}
                    </Transition>
                </AppLayout>
            }
        } />
    }
}

/// `/clips/:id`: the clip in a 9:16 player, its scores and reason, title and CTA (editable), caption style and
/// layout (changing them renders the clip again, with live progress), and Download.
#[component]
pub fn ClipPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, get_clip);
    let live = live_clips();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().clips.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            view! {
                <AppLayout me>
                    <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
                        {move || {
                            detail.get().map(|r| match r {
                                Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                                Ok(d) => {
                                    let id = d.card.id.clone();
                                    let first = d.card.clone();
                                    let card = Signal::derive(move || live.get().get(&id).cloned().unwrap_or_else(|| first.clone()));
                                    view! { <ClipView card video_title=d.video_title.clone() editable=d.editable /> }.into_any()
                                }
                            })
                        }}
                    </Transition>
                </AppLayout>
            }
        } />
    }
}

#[component]
fn ClipView(card: Signal<ClipCard>, video_title: String, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().video_clips;
    let initial = card.get_untracked();
    let (clip_id, video_id) = (initial.id.clone(), initial.video_id.clone());
    let update = ServerAction::<UpdateClip>::new();
    let restyle = ServerAction::<RestyleClip>::new();
    let playable = Memo::new(move |_| card.get().playable());
    // Asked again whenever the clip becomes playable (after a re-render, too).
    let download_id = clip_id.clone();
    let download = Resource::new(
        move || playable.get(),
        move |ok| {
            let id = download_id.clone();
            async move { if ok { clip_download_url(id).await.ok() } else { None } }
        },
    );
    let v = initial.candidate.virality;
    let scores = [v.hook, v.engagement, v.flow, v.trend];
    let editor_href = initial.editor_url();
    let (texts_id, style_id, publish_id) = (clip_id.clone(), clip_id.clone(), clip_id);
    let error_of =
        move |r: Option<Result<ClipCard, crate::api::ApiError>>| r.and_then(|r| r.err()).map(|e| e.message(i18n.t()));
    view! {
        <p><a href=format!("/videos/{video_id}")>{move || t().back}</a></p>
        <h1 data-testid="clip-heading">{move || card.get().candidate.title}</h1>
        <p class="muted">{move || t().from_video} ": " {video_title.clone()}</p>
        <div class="clip-page">
            <div class="clip-player">
                {move || {
                    let c = card.get();
                    if c.playable() {
                        // The revision in the URL makes a re-rendered clip load afresh.
                        view! {
                            <video
                                class="player vertical"
                                controls
                                preload="metadata"
                                src=c.stream_url()
                                poster=c.has_thumbnail.then(|| c.thumbnail_url())
                                data-testid="clip-player"
                            ></video>
                            // Rendering again: the previous version plays meanwhile.
                            {(c.status == ClipStatus::Rendering || c.status == ClipStatus::Pending)
                                .then(|| view! {
                                    <ProgressBar
                                        percent=c.progress
                                        label=Signal::derive(move || i18n.t().video_clips.status_names[1])
                                        testid="clip-progress"
                                    />
                                })}
                        }
                        .into_any()
                    } else {
                        let index = ClipStatus::ALL.iter().position(|s| *s == c.status).unwrap_or(0);
                        view! {
                            <div class="player vertical placeholder card">
                                <p>{move || t().not_ready}</p>
                                <span class="status-chip" data-status=c.status.as_str() data-testid="clip-status">
                                    {move || t().status_names[index]}
                                </span>
                                {(c.status == ClipStatus::Rendering)
                                    .then(|| view! {
                                        <ProgressBar
                                            percent=c.progress
                                            label=Signal::derive(move || i18n.t().video_clips.status_names[1])
                                            testid="clip-progress"
                                        />
                                    })}
                                {c.error.map(|e| view! { <p class="form-error small" role="alert">{move || e.message(i18n.t())}</p> })}
                            </div>
                        }
                        .into_any()
                    }
                }}
                <Transition fallback=|| ()>
                    {move || {
                        download
                            .get()
                            .flatten()
                            .map(|url| {
                                view! {
                                    <a class="btn btn-primary" href=url download="" data-testid="clip-download">
                                        {move || t().download}
                                    </a>
                                }
                            })
                    }}
                </Transition>
            </div>
            <div class="clip-side">
                <section class="card">
                    <p class="clip-total" data-testid="clip-total">{move || t().total} ": " {v.total}</p>
                    <ul class="clip-scores">
                        {(0..4).map(|i| view! { <li>{move || t().scores[i]}": "{scores[i]}</li> }).collect_view()}
                    </ul>
                    <p class="small">
                        <strong>{move || t().reason} ": "</strong>
                        {initial.candidate.reason.clone()}
                    </p>
                    <p class="muted small">
                        {move || t().length} ": " {format_duration(initial.duration())} " · "
                        {format!("{} – {}", clock(initial.candidate.start), clock(initial.candidate.end))}
                    </p>
                </section>
                <a class="btn" href=editor_href data-testid="clip-edit">{move || i18n.t().editor.open}</a>
                {editable.then(|| view! {
                    <crate::pages::publish::PublishPanel
                        clip_id=publish_id
                        title=initial.candidate.title.clone()
                        cta=initial.candidate.cta.clone()
                    />
                }.into_any())}
                // Team viewers watch and download; editing needs a role that edits.
                {editable.then(move || view! {
                <section class="card">
                    <ActionForm action=update attr:class="form" attr:data-testid="clip-texts">
                        <input type="hidden" name="clip_id" value=texts_id />
                        <label class="field">
                            <span>{move || t().title_label}</span>
                            <input name="title" maxlength="100" required value=initial.candidate.title.clone() />
                        </label>
                        <label class="field">
                            <span>{move || t().cta_label}</span>
                            <textarea name="cta" maxlength="200" rows="2">{initial.candidate.cta.clone()}</textarea>
                        </label>
                        <p class="form-error" role="alert">{move || error_of(update.value().get())}</p>
                        <button class="btn btn-primary" type="submit">{move || t().save}</button>
                        {move || {
                            matches!(update.value().get(), Some(Ok(_)))
                                .then(|| view! { <span class="notice" role="status">{move || t().saved}</span> })
                        }}
                    </ActionForm>
                </section>
                <section class="card">
                    <ActionForm action=restyle attr:class="form" attr:data-testid="clip-style">
                        <input type="hidden" name="clip_id" value=style_id />
                        <label class="field">
                            <span>{move || t().style_label}</span>
                            <select name="style">
                                {CAPTION_STYLES
                                    .iter()
                                    .enumerate()
                                    .map(|(i, s)| {
                                        view! {
                                            <option value=*s selected=initial.subtitle_style == *s>
                                                {move || i18n.t().auth.caption_names[i]}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>{move || t().layout_label}</span>
                            <select name="layout">
                                {ClipLayout::ALL
                                    .iter()
                                    .enumerate()
                                    .map(|(i, l)| {
                                        view! {
                                            <option value=l.as_str() selected=initial.layout == *l>
                                                {move || t().layout_names[i]}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        <p class="form-error" role="alert">{move || error_of(restyle.value().get())}</p>
                        <button
                            class="btn"
                            type="submit"
                            disabled=move || !card.get().status.is_terminal() || restyle.pending().get()
                        >
                            {move || t().rerender}
                        </button>
                    </ActionForm>
                </section>
                })}
            </div>
        </div>
    }
}
