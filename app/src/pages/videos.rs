//! The videos page: the user's videos with a live status chip and progress bar each, and the demo button.
//!
//! The list is rendered on the server from the database. In the browser [`follow_live_events`] follows `/api/events`:
//! each event replaces its video's card without a reload. Whenever the stream (re)opens, or the server says the page
//! fell behind, the list is read from the database again first, so a dropped connection loses nothing.

use std::collections::HashMap;

use domain::{
    VideoStatus,
    account::Me,
    videos::{LiveEvent, PAGE_SIZE, VideoCard, format_duration},
};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{DeleteVideo, ListVideos, StartDemoVideo, get_transcript, get_video, list_video_clips, list_videos},
    components::ProgressBar,
    i18n::use_i18n,
    pages::{auth::RequireUser, clips::ClipGrid, section::AppLayout, transcript::TranscriptViewer},
};

/// Asks the browser's confirmation dialog; on the server (never clicked there) it says no.
pub(crate) fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}

/// `/videos/:id`: the source in a player (streamed with HTTP Range), its details and live status, the transcript
/// once there is one (it appears without a reload when transcription finishes), and delete.
#[component]
pub fn VideoPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, get_video);
    // Live updates of this video; each change of status reads the transcript again.
    let live: RwSignal<Option<VideoCard>> = RwSignal::new(None);
    let reread = RwSignal::new(0u32);
    let transcript = Resource::new(move || (id(), reread.get()), |(id, _)| get_transcript(id));
    let clips = Resource::new(move || (id(), reread.get()), |(id, _)| list_video_clips(id));
    // What processing used, read again with each change of status.
    let costs = Resource::new(move || (id(), reread.get()), |(id, _)| get_video(id));
    follow_live_events(
        move |event| {
            if let LiveEvent::Video(card) = event
                && card.id == id()
            {
                let moved = live.get_untracked().map(|c| c.status) != Some(card.status);
                live.set(Some(card));
                if moved {
                    reread.update(|n| *n += 1);
                }
            }
        },
        move || reread.update(|n| *n += 1),
        |_| {},
    );
    let player: NodeRef<leptos::html::Video> = NodeRef::new();
    let now = RwSignal::new(0.0f64);
    let delete = ServerAction::<DeleteVideo>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            crate::pages::auth::go_to("/videos");
        }
    });
    let t = move || &i18n.t().video_list;
    let tt = move || &i18n.t().transcript;
    view! {
        <Title text=move || format!("{} · {}", i18n.t().videos.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            view! {
                <AppLayout me>
                    <p><a href="/videos">{move || t().back}</a></p>
                    <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
                        {move || {
                            detail.get().map(|r| match r {
                                Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                                Ok(d) => {
                                    let video_id = d.card.id.clone();
                                    let source = format!("/api/videos/{video_id}/source");
                                    let card = d.card.clone();
                                    let shown = move || live.get().unwrap_or_else(|| card.clone());
                                    let transcript_id = video_id.clone();
                                    view! {
                                        <h1>{d.card.title.clone()}</h1>
                                        {if d.playable {
                                            view! {
                                                <video
                                                    class="player"
                                                    controls
                                                    preload="metadata"
                                                    src=source
                                                    data-testid="player"
                                                    node_ref=player
                                                    on:timeupdate=move |_| {
                                                        if let Some(v) = player.get_untracked() {
                                                            now.set(v.current_time());
                                                        }
                                                    }
                                                ></video>
                                            }
                                            .into_any()
                                        } else {
                                            view! { <p class="card muted">{move || t().not_playable}</p> }.into_any()
                                        }}
                                        <ul class="video-list">{move || view! { <VideoRow card=shown() on_delete=None /> }}</ul>
                                        <Transition fallback=|| ()>
                                            {move || clips.get().map(|r| view! { <ClipGrid clips=r.unwrap_or_default() player /> })}
                                        </Transition>
                                        <Transition fallback=|| ()>
                                            {move || {
                                                let transcript_id = transcript_id.clone();
                                                transcript.get().map(move |r| match r {
                                                    Ok(Some(tr)) => view! {
                                                        <TranscriptViewer video_id=transcript_id transcript=tr player now />
                                                    }
                                                    .into_any(),
                                                    _ => view! {
                                                        <section class="card transcript" data-testid="transcript-pending">
                                                            <h2>{move || tt().title}</h2>
                                                            <p class="muted">{move || tt().pending}</p>
                                                        </section>
                                                    }
                                                    .into_any(),
                                                })
                                            }}
                                        </Transition>
                                        <Transition fallback=|| ()>
                                            {move || costs.get().and_then(|r| r.ok()).map(|d| {
                                                let analysed = matches!(d.card.status, VideoStatus::GeneratingClips | VideoStatus::Completed);
                                                view! { <CostsCard costs=d.costs analysed /> }
                                            })}
                                        </Transition>
                                        <dl class="meta card">
                                            {d.size_bytes.map(|b| view! { <dt>{move || t().size}</dt><dd>{format!("{:.1} MB", b as f64 / 1_048_576.0)}</dd> })}
                                            {d.mime_type.clone().map(|m| view! { <dt>{move || t().file_type}</dt><dd>{m}</dd> })}
                                            {d.source_url.clone().map(|u| view! { <dt>{move || t().source}</dt><dd>{u}</dd> })}
                                        </dl>
                                        {d.editable.then(move || view! {
                                        <button
                                            class="btn danger"
                                            data-testid="video-delete"
                                            disabled=move || delete.pending().get()
                                            on:click=move |_| {
                                                if confirm(t().delete_confirm) {
                                                    delete.dispatch(DeleteVideo { video_id: video_id.clone() });
                                                }
                                            }
                                        >
                                            {move || t().delete}
                                        </button>
                                        })}
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

/// What a video's transcription and analysis used, and whose keys paid.
#[component]
fn CostsCard(costs: domain::keys::VideoCosts, analysed: bool) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().keys;
    let stt = costs.stt.map(|s| {
        view! {
            <li data-testid="cost-stt" data-key=format!("{:?}", s.key).to_lowercase()>
                {move || (t().stt_line)(&s.model, s.minutes)}
                " · "
                {move || (t().key_paid)(s.key)}
            </li>
        }
    });
    let pending = stt.is_none();
    let llm = costs.llm.map(|l| {
        let keys: Vec<String> = l.keys.iter().map(|k| format!("{k:?}").to_lowercase()).collect();
        view! {
            <li data-testid="cost-llm" data-key=keys.join(" ")>
                {move || (t().llm_line)(l.calls, l.tokens, &domain::format_rubles(l.cost_kopecks))}
                " · "
                {move || l.keys.iter().map(|k| (t().key_paid)(*k)).collect::<Vec<_>>().join(", ")}
            </li>
        }
        .into_any()
    });
    let llm =
        llm.or_else(|| analysed.then(|| view! { <li class="muted">{move || t().local_analyzer}</li> }.into_any()));
    view! {
        <section class="card" data-testid="video-costs">
            <h2>{move || t().costs_heading}</h2>
            {pending.then(|| view! { <p class="muted">{move || t().costs_pending}</p> })}
            <ul class="plain">{stt} {llm}</ul>
        </section>
    }
}

/// `/videos`.
#[component]
pub fn VideosPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().videos.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            let team_role = me.team_role;
            view! { <AppLayout me><VideoList team_role /></AppLayout> }
        } />
    }
}

/// Merges the list read from the database with newer live updates: updated cards replace theirs, new ones go first.
pub(crate) fn merge(list: Vec<VideoCard>, live: &HashMap<String, VideoCard>) -> Vec<VideoCard> {
    let mut known: Vec<VideoCard> = list.into_iter().map(|c| live.get(&c.id).cloned().unwrap_or(c)).collect();
    let mut fresh: Vec<VideoCard> = live.values().filter(|c| !known.iter().any(|k| k.id == c.id)).cloned().collect();
    fresh.sort_by(|a, b| b.id.cmp(&a.id));
    fresh.append(&mut known);
    fresh
}

#[component]
fn VideoList(team_role: Option<domain::TeamRole>) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| list_videos(None));
    let live: RwSignal<HashMap<String, VideoCard>> = RwSignal::new(HashMap::new());
    // Older pages loaded with "Show more", and whether there may be more still.
    let older: RwSignal<Vec<VideoCard>> = RwSignal::new(Vec::new());
    let load_more = ServerAction::<ListVideos>::new();
    let exhausted = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(page)) = load_more.value().get() {
            exhausted.set(page.len() < PAGE_SIZE);
            older.update(|o| o.extend(page));
        }
    });
    let delete = ServerAction::<DeleteVideo>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            older.set(Vec::new());
            exhausted.set(false);
            live.set(HashMap::new());
            list.refetch();
        }
    });
    let on_delete = Callback::new(move |video_id: String| {
        if confirm(i18n.t().video_list.delete_confirm) {
            delete.dispatch(DeleteVideo { video_id });
        }
    });
    let connected = RwSignal::new(None::<bool>);
    let demo = ServerAction::<StartDemoVideo>::new();

    let upsert = move |card: VideoCard| {
        live.update(|m| {
            m.insert(card.id.clone(), card);
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(card)) = demo.value().get() {
            upsert(card);
        }
    });
    follow_live_events(
        move |event| {
            if let LiveEvent::Video(card) = event {
                upsert(card)
            }
        },
        move || {
            // (Re)connected or behind: the database is the truth; live events after this override it.
            live.set(HashMap::new());
            list.refetch();
        },
        move |up| connected.set(Some(up)),
    );

    let demo_error = move || demo.value().get().and_then(|r| r.err()).map(|e| e.message(i18n.t()));
    view! {
        <div class="page-head">
            <h1>{move || i18n.t().videos.title}</h1>
            <span
                class="live-chip"
                data-state=move || match connected.get() { Some(true) => "live", Some(false) => "down", None => "idle" }
                hidden=move || connected.get().is_none()
            >
                {move || if connected.get() == Some(true) { i18n.t().video_list.live } else { i18n.t().video_list.reconnecting }}
            </span>
        </div>
        <p class="muted">{move || i18n.t().video_list.intro}</p>
        <crate::pages::upload::Uploader on_change=Callback::new(move |_| {
            live.set(HashMap::new());
            list.refetch();
        }) />
        <div class="toolbar">
            <button
                class="btn primary"
                data-testid="demo-start"
                disabled=move || demo.pending().get()
                on:click=move |_| { demo.dispatch(StartDemoVideo { lang: i18n.lang() }); }
            >
                {move || i18n.t().video_list.demo_button}
            </button>
            <p class="form-error" role="alert" hidden=move || demo_error().is_none()>{demo_error}</p>
        </div>
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                list.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                    Ok(items) => {
                        let first_full = items.len() == PAGE_SIZE;
                        let mut items = items;
                        items.extend(older.get());
                        let cards = merge(items, &live.get());
                        let last = cards.last().map(|c| c.id.clone());
                        let more = (first_full && !exhausted.get()).then_some(last).flatten();
                        if cards.is_empty() {
                            view! { <div class="card empty-state"><p>{move || i18n.t().video_list.empty}</p></div> }.into_any()
                        } else {
                            view! {
                                <ul class="video-list">
                                    {cards
                                        .into_iter()
                                        .map(|card| {
                                            // A team's video can be deleted by roles that edit; one's own video always.
                                            let may_delete = !card.shared
                                                || team_role.is_some_and(|r| domain::teams::allows(r, domain::Action::Edit));
                                            view! { <VideoRow card on_delete=may_delete.then_some(on_delete) /> }
                                        })
                                        .collect_view()}
                                </ul>
                                {more
                                    .map(|before| {
                                        view! {
                                            <button
                                                class="btn"
                                                data-testid="show-more"
                                                disabled=move || load_more.pending().get()
                                                on:click=move |_| {
                                                    load_more.dispatch(ListVideos { before: Some(before.clone()) });
                                                }
                                            >
                                                {move || i18n.t().video_list.show_more}
                                            </button>
                                        }
                                    })}
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

/// One video: thumbnail placeholder, title, status chip, progress bar with the stage, length once known, the error
/// when it failed, and (in the list) a delete button.
#[component]
pub(crate) fn VideoRow(card: VideoCard, on_delete: Option<Callback<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let VideoCard { id, title, status, stage, progress, duration_seconds, error, expired, .. } = card;
    let running = !matches!(status, VideoStatus::Completed | VideoStatus::Failed | VideoStatus::Uploading);
    let failed = status == VideoStatus::Failed;
    let stage_text = move || stage.as_deref().map(|s| i18n.t().video_list.stage(s)).unwrap_or_default();
    view! {
        <li class="card video-row" data-video-id=id.clone() data-status=status.to_string()>
            <div class="thumb" aria-hidden="true">
                <span class="thumb-icon">"▶"</span>
                {duration_seconds.map(|d| view! { <span class="thumb-duration">{format_duration(d)}</span> })}
            </div>
            <div class="video-row-head">
                <a class="video-title" href=format!("/videos/{id}")><strong>{title}</strong></a>
                <span class="status-chip" data-status=status.to_string() data-testid="video-status">
                    {move || i18n.t().video_list.status(status)}
                </span>
            </div>
            {running
                .then(|| {
                    view! {
                        <ProgressBar
                            percent=progress
                            label=Signal::derive(move || i18n.t().video_list.progress_label)
                            testid="video-progress"
                        />
                        <p class="muted small">{stage_text} " · " {progress} "%"</p>
                    }
                })}
            {duration_seconds
                .map(|d| view! { <p class="muted small">{move || i18n.t().video_list.length} ": " {format_duration(d)}</p> })}
            {on_delete
                .map(|cb| {
                    let id = id.clone();
                    view! {
                        <button class="btn danger small" data-testid="video-delete" on:click=move |_| cb.run(id.clone())>
                            {move || i18n.t().video_list.delete}
                        </button>
                    }
                })}
            {expired
                .then(|| view! { <p class="notice small" data-testid="video-expired">{move || i18n.t().video_clips.expired}</p> })}
            {failed
                .then(|| {
                    view! {
                        <div class="form-error" role="alert" data-testid="video-failure">
                            <p>
                                {move || {
                                    error
                                        .as_ref()
                                        .map_or_else(|| i18n.t().video_list.failed_hint.to_owned(), |e| e.message(i18n.t()))
                                }}
                            </p>
                        </div>
                    }
                })}
        </li>
    }
}

/// Follows the live stream until the component is cleaned up: `on_event` for each event, `on_sync` whenever the
/// page must re-read the database (the stream opened or reopened, or the server dropped events), `on_state` with
/// whether the stream is up. The browser retries a dropped stream by itself; a stream the server closed for good
/// is reopened after a pause.
#[allow(unused_variables)]
pub(crate) fn follow_live_events(
    on_event: impl Fn(LiveEvent) + Clone + 'static,
    on_sync: impl Fn() + Clone + 'static,
    on_state: impl Fn(bool) + Clone + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let handle = std::rc::Rc::new(std::cell::RefCell::new(None::<web_sys::EventSource>));
        open(handle.clone(), on_event, on_sync, on_state);
        let handle = send_wrapper::SendWrapper::new(handle);
        on_cleanup(move || {
            if let Some(es) = handle.borrow_mut().take() {
                es.close();
            }
        });
    }
}

#[cfg(feature = "hydrate")]
fn open(
    handle: std::rc::Rc<std::cell::RefCell<Option<web_sys::EventSource>>>,
    on_event: impl Fn(LiveEvent) + Clone + 'static,
    on_sync: impl Fn() + Clone + 'static,
    on_state: impl Fn(bool) + Clone + 'static,
) {
    use wasm_bindgen::{JsCast as _, closure::Closure};
    let Ok(es) = web_sys::EventSource::new("/api/events") else { return };

    let deliver = on_event.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(event) = e.data().as_string().and_then(|s| serde_json::from_str::<LiveEvent>(&s).ok()) {
            deliver(event);
        }
    });
    es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let (sync, state) = (on_sync.clone(), on_state.clone());
    let on_ready = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        state(true);
        sync();
    });
    let _ = es.add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref());
    let sync = on_sync.clone();
    let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| sync());
    let _ = es.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
    on_ready.forget();
    on_resync.forget();

    let weak = std::rc::Rc::downgrade(&handle);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        on_state(false);
        let Some(handle) = weak.upgrade() else { return };
        let closed = handle.borrow().as_ref().is_some_and(|es| es.ready_state() == web_sys::EventSource::CLOSED);
        if closed {
            // The browser gave up (the server answered with an error): try again in a few seconds.
            let (h, ev, sy, st) = (handle.clone(), on_event.clone(), on_sync.clone(), on_state.clone());
            set_timeout(
                move || {
                    if h.borrow().is_some() {
                        open(h, ev, sy, st);
                    }
                },
                std::time::Duration::from_secs(3),
            );
        }
    });
    es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    if let Some(old) = handle.borrow_mut().replace(es) {
        old.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, progress: u8) -> VideoCard {
        VideoCard {
            id: id.into(),
            title: id.into(),
            status: VideoStatus::Downloading,
            stage: None,
            progress,
            duration_seconds: None,
            error: None,
            expired: false,
            shared: false,
        }
    }

    #[test]
    fn live_updates_replace_their_card_and_new_videos_come_first() {
        let list = vec![card("b", 10), card("a", 0)];
        let live = HashMap::from([("a".to_owned(), card("a", 50)), ("c".to_owned(), card("c", 5))]);
        let merged = merge(list, &live);
        let view: Vec<(&str, u8)> = merged.iter().map(|c| (c.id.as_str(), c.progress)).collect();
        assert_eq!(view, vec![("c", 5), ("b", 10), ("a", 50)]);
    }
}
