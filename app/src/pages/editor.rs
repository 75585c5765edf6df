//! `/clips/:id/edit`: the clip editor.
//!
//! - **Timeline**: a canvas drawn from Rust in the browser ([`draw`]): a time ruler, the filmstrip (sprite sheets),
//!   the waveform (peaks), the transcript's words, the clip's range with the cut pieces shaded, and the playhead.
//!   Zoom with Ctrl+wheel or the buttons (from the whole video down to one second across), scroll with the wheel.
//!   The range's two handles are focusable sliders over the canvas: drag them (mouse, pen, touch) or press ←/→;
//!   they snap to word boundaries and silences unless Alt or Shift is held.
//! - **Text**: the clip's words; select (click, Shift+click) and cut them (Delete), restore them, cut every filler
//!   word at once, fix a word's text, split or join caption lines.
//! - **Captions**: preset, size, position and colours.
//! - **Preview**: the source plays through the kept pieces with the caption line drawn over it as the renderer will
//!   burn it (same lines from [`domain::edit::caption_lines`]).
//! - Undo/redo for every change, a warning before leaving with unsaved changes, and Save, which renders the clip
//!   again with live progress while the previous render stays playable.
//!
//! All the arithmetic is in [`domain::edit`], shared with the worker's render.

use std::collections::HashMap;

use domain::{
    TextEnum as _,
    account::{CAPTION_STYLES, Me},
    analysis::{ClipCard, EditorData},
    captions::{CaptionStyle, Line, Position, css_colour, parse_colour},
    edit::{self, ClipEdit, History, Limits, Span, Viewport},
    transcript::{Word, clock},
    videos::format_duration,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;

use crate::{
    api::{SaveClipEdit, clip_editor},
    components::ProgressBar,
    i18n::use_i18n,
    pages::{auth::RequireUser, clips::live_clips, section::AppLayout},
};

/// Seconds in one frame step (25 fps, the common source rate; the render itself is frame-accurate at any rate).
const FRAME: f64 = 1.0 / 25.0;
/// The timeline canvas's height in CSS pixels.
const CANVAS_HEIGHT: f64 = 168.0;

/// `/clips/:id/edit`.
#[component]
pub fn EditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new(id, clip_editor);
    let live = live_clips();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().editor.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            view! {
                <AppLayout me>
                    <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
                        {move || {
                            data.get()
                                .map(|r| match r {
                                    Err(e) => {
                                        view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }
                                            .into_any()
                                    }
                                    Ok(d) => view! { <Editor data=d live /> }.into_any(),
                                })
                        }}
                    </Transition>
                </AppLayout>
            }
        } />
    }
}

/// Which end of the range a handle moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handle {
    Start,
    End,
}

/// The editor's state, shared by its parts (every field is a cheap copyable signal).
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Ed {
    history: RwSignal<History<ClipEdit>>,
    saved: RwSignal<ClipEdit>,
    edit: Memo<ClipEdit>,
    /// The range while a handle is being dragged.
    drag: RwSignal<Option<Span>>,
    range: Memo<Span>,
    segments: Memo<Vec<Span>>,
    lines: Memo<Vec<Line>>,
    style: Memo<CaptionStyle>,
    viewport: RwSignal<Viewport>,
    playhead: RwSignal<f64>,
    playing: RwSignal<bool>,
    selection: RwSignal<Option<(usize, usize)>>,
    words: StoredValue<Vec<Word>>,
    points: Memo<Vec<f64>>,
    peaks: RwSignal<Option<Vec<u8>>>,
    limits: StoredValue<Limits>,
    video: NodeRef<html::Video>,
    /// Bumped when a filmstrip sheet finishes loading (the canvas redraws).
    sheets_loaded: RwSignal<u32>,
}

impl Ed {
    /// Makes `f`'s change to the current edit one undoable step.
    fn change(self, f: impl FnOnce(&mut ClipEdit)) {
        let mut next = self.edit.get_untracked();
        f(&mut next);
        self.history.update(|h| {
            h.apply(next);
        });
    }

    /// Moves a handle to source time `t` (snapped unless `free`), within the limits; `commit`: one undo step,
    /// otherwise only shown (while dragging).
    fn move_handle(self, handle: Handle, t: f64, free: bool, commit: bool) {
        let px = self.viewport.get_untracked().px_per_s;
        let t = if free { t } else { self.points.with_untracked(|p| edit::snap(t, p, edit::snap_tolerance(px))) };
        let range = self.drag.get_untracked().unwrap_or_else(|| self.edit.with_untracked(ClipEdit::range));
        let limits = self.limits.get_value();
        let moved = match handle {
            Handle::Start => limits.move_start(range, t),
            Handle::End => limits.move_end(range, t),
        };
        if commit {
            self.drag.set(None);
            self.change(|e| (e.start, e.end) = (moved.start, moved.end));
        } else {
            self.drag.set(Some(moved));
        }
        self.viewport.update(|v| *v = v.reveal(if handle == Handle::Start { moved.start } else { moved.end }));
    }

    /// The next snapping point after (or before) `t`, or a frame away when there is none.
    fn step_from(self, t: f64, forward: bool) -> f64 {
        self.points.with_untracked(|p| {
            if forward {
                p.iter().copied().find(|&x| x > t + 1e-3).unwrap_or(t + FRAME)
            } else {
                p.iter().rev().copied().find(|&x| x < t - 1e-3).unwrap_or(t - FRAME)
            }
        })
    }

    /// Moves the preview to source time `t`.
    fn seek(self, t: f64) {
        let t = t.clamp(0.0, self.limits.get_value().source);
        self.playhead.set(t);
        if let Some(v) = self.video.get_untracked() {
            v.set_current_time(t);
        }
    }

    fn toggle_play(self) {
        let Some(v) = self.video.get_untracked() else { return };
        if self.playing.get_untracked() {
            let _ = v.pause();
            self.playing.set(false);
        } else {
            let segs = self.segments.get_untracked();
            let at = edit::playback_position(&segs, v.current_time()).or(segs.first().map(|s| s.start));
            if let Some(at) = at.filter(|at| (at - v.current_time()).abs() > 1e-3) {
                v.set_current_time(at);
            }
            v.set_playback_rate(1.0);
            #[cfg(feature = "hydrate")]
            {
                let _ = v.play();
                self.playing.set(true);
                play_loop(self);
            }
        }
    }

    fn selected(self) -> Vec<usize> {
        self.selection.get_untracked().map(|(a, b)| (a.min(b)..=a.max(b)).collect()).unwrap_or_default()
    }
}

/// Follows the playing preview every frame: the playhead moves, cut pieces are skipped, the end stops it.
#[cfg(feature = "hydrate")]
fn play_loop(ed: Ed) {
    if !ed.playing.get_untracked() {
        return;
    }
    if let Some(v) = ed.video.get_untracked() {
        let t = v.current_time();
        let segs = ed.segments.get_untracked();
        match edit::playback_position(&segs, t) {
            Some(at) => {
                if at - t > 0.02 {
                    v.set_current_time(at);
                }
                ed.playhead.set(at);
            }
            None => {
                let _ = v.pause();
                ed.playing.set(false);
                ed.playhead.set(t);
                return;
            }
        }
        if v.paused() {
            ed.playing.set(false);
            return;
        }
    }
    request_animation_frame(move || play_loop(ed));
}

#[component]
fn Editor(data: EditorData, live: RwSignal<HashMap<String, ClipCard>>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().editor;
    let clip_id = data.card.id.clone();
    let stored_style = data.card.subtitle_style.clone();
    let mut first = data.edit.clone();
    if first.captions.preset.is_empty() {
        first.captions.preset = stored_style.clone();
    }
    let limits = Limits::new(data.source_seconds, data.max_clip_seconds);
    let words = StoredValue::new(data.words.clone());
    let history = RwSignal::new(History::new(first.clone(), 500));
    let edit = Memo::new(move |_| history.with(|h| h.present().clone()));
    let drag = RwSignal::new(None::<Span>);
    let range = Memo::new(move |_| drag.get().unwrap_or_else(|| edit.with(ClipEdit::range)));
    let segments = Memo::new(move |_| {
        let r = range.get();
        edit.with(|e| {
            let shown = ClipEdit { start: r.start, end: r.end, ..e.clone() };
            words.with_value(|w| edit::segments(&shown, w))
        })
    });
    let style_id = stored_style.clone();
    let style = Memo::new(move |_| edit.with(|e| e.captions.style(&style_id)));
    let lines = Memo::new(move |_| {
        let r = range.get();
        let st = style.get();
        edit.with(|e| {
            let shown = ClipEdit { start: r.start, end: r.end, ..e.clone() };
            words.with_value(|w| edit::caption_lines(&shown, w, &st))
        })
    });
    let peaks = RwSignal::new(None::<Vec<u8>>);
    let points = Memo::new(move |_| {
        let silences = peaks.with(|p| p.as_deref().map(domain::timeline::silences).unwrap_or_default());
        words.with_value(|w| edit::snap_points(w, &silences))
    });
    let ed = Ed {
        history,
        saved: RwSignal::new(first.clone()),
        edit,
        drag,
        range,
        segments,
        lines,
        style,
        viewport: RwSignal::new(Viewport::around(data.source_seconds, 1000.0, first.range())),
        playhead: RwSignal::new(first.start),
        playing: RwSignal::new(false),
        selection: RwSignal::new(None),
        words,
        points,
        peaks,
        limits: StoredValue::new(limits),
        video: NodeRef::new(),
        sheets_loaded: RwSignal::new(0),
    };
    let dirty = Memo::new(move |_| ed.edit.with(|e| ed.saved.with(|s| e != s)));
    let save = ServerAction::<SaveClipEdit>::new();
    let saved_revision = RwSignal::new(None::<u32>);
    let card_id = clip_id.clone();
    let first_card = data.card.clone();
    let card = Signal::derive(move || live.get().get(&card_id).cloned().unwrap_or_else(|| first_card.clone()));
    Effect::new(move |_| {
        if let Some(Ok(c)) = save.value().get() {
            // What was sent is what is saved now; the live card then follows the render.
            ed.saved.set(ed.edit.get_untracked());
            saved_revision.set(Some(c.revision));
            live.update(|m| {
                m.insert(c.id.clone(), c);
            });
        }
    });
    let on_save = {
        let clip_id = clip_id.clone();
        move |_| {
            let json = serde_json::to_string(&ed.edit.get_untracked()).unwrap_or_default();
            save.dispatch(SaveClipEdit { clip_id: clip_id.clone(), edit: json });
        }
    };
    let editable = data.editable;
    let language = StoredValue::new(data.language.clone());
    let source_url = data.source_url();
    let fillers_none = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        hydrate::load_peaks(ed, data.timeline_url("peaks.u8"), data.timeline.is_some());
        hydrate::keyboard(ed, editable, dirty);
    }
    let timeline = data.timeline.clone();
    let sheets: Vec<String> = (0..timeline.as_ref().map_or(0, |a| a.sheets))
        .map(|n| data.timeline_url(&domain::timeline::sheet_name(n)))
        .collect();
    let max_text = format!("{}", data.max_clip_seconds as u32);
    let clip_page = format!("/clips/{clip_id}");
    let busy = move || !card.get().status.is_terminal();

    let timeline_section = view! {
            <section class="card editor-timeline">
                <div class="editor-toolbar">
                    <h2 class="small-heading">{move || t().timeline}</h2>
                    <button class="btn small" type="button" on:click=move |_| ed.viewport.update(|v| *v = v.zoom(2.0, v.width / 2.0)) data-testid="zoom-in">{move || t().zoom_in}</button>
                    <button class="btn small" type="button" on:click=move |_| ed.viewport.update(|v| *v = v.zoom(0.5, v.width / 2.0)) data-testid="zoom-out">{move || t().zoom_out}</button>
                    <button class="btn small" type="button" on:click=move |_| ed.viewport.update(|v| *v = Viewport::fit(v.duration, v.width)) data-testid="zoom-all">{move || t().zoom_all}</button>
                    <button class="btn small" type="button" on:click=move |_| ed.viewport.update(|v| *v = Viewport::around(v.duration, v.width, ed.range.get_untracked())) data-testid="zoom-clip">{move || t().zoom_clip}</button>
                </div>
                <Timeline ed sheets tiles=timeline.clone() editable />
                <p class="muted small">{move || t().limits.replace("{max}", &max_text)}</p>
                {timeline.is_none().then(|| view! { <p class="muted small" data-testid="no-timeline">{move || t().no_timeline}</p> })}
            </section>
    }
    .into_any();
    let main_section = view! {
            <div class="editor-main">
                <section class="card editor-preview">
                    <h2 class="small-heading">{move || t().preview}</h2>
                    <div class="preview-frame" data-layout=data.card.layout.as_str()>
                        <video
                            node_ref=ed.video
                            src=source_url
                            preload="auto"
                            playsinline
                            muted=false
                            data-testid="editor-video"
                            on:pause=move |_| ed.playing.set(false)
                        ></video>
                        <CaptionOverlay ed />
                    </div>
                    <div class="editor-transport">
                        <button class="btn" type="button" on:click=move |_| ed.toggle_play() data-testid="play">
                            {move || if ed.playing.get() { t().pause } else { t().play }}
                        </button>
                        <span class="muted small" data-testid="playhead">{move || clock(ed.playhead.get())}</span>
                    </div>
                    <p class="muted small">{move || t().shortcuts}</p>
                </section>
                <section class="card editor-text">
                    <h2 class="small-heading">{move || t().transcript}</h2>
                    <p class="muted small">{move || t().transcript_hint}</p>
                    <WordPanel ed editable language fillers_none />
                </section>
                <section class="card editor-captions">
                    <h2 class="small-heading">{move || t().captions}</h2>
                    <CaptionControls ed editable />
                </section>
            </div>
    }
    .into_any();
    let bar = view! {
            <div class="editor-bar card">
                <span data-testid="editor-length">
                    {move || t().length} ": "
                    {move || format_duration(edit::output_duration(&ed.segments.get()))}
                    {move || {
                        let cut = ed.range.get().len() - edit::output_duration(&ed.segments.get());
                        (cut > 0.05).then(|| format!(" ({} {})", format_duration(cut), t().cut_total))
                    }}
                </span>
                <span class="muted small" data-testid="editor-range" data-start=move || format!("{:.3}", ed.range.get().start) data-end=move || format!("{:.3}", ed.range.get().end)>
                    {move || format!("{} – {}", clock(ed.range.get().start), clock(ed.range.get().end))}
                </span>
                <button class="btn" type="button" disabled=move || !ed.history.with(History::can_undo) on:click=move |_| ed.history.update(|h| { h.undo(); }) data-testid="undo">{move || t().undo}</button>
                <button class="btn" type="button" disabled=move || !ed.history.with(History::can_redo) on:click=move |_| ed.history.update(|h| { h.redo(); }) data-testid="redo">{move || t().redo}</button>
                {editable.then(|| view! {
                    <button
                        class="btn btn-primary"
                        type="button"
                        disabled=move || !dirty.get() || save.pending().get() || busy()
                        on:click=on_save.clone()
                        data-testid="editor-save"
                    >
                        {move || if save.pending().get() { t().saving } else { t().save }}
                    </button>
                })}
                <p class="form-error" role="alert">
                    {move || save.value().get().and_then(|r| r.err()).map(|e| e.message(i18n.t()))}
                </p>
                {move || {
                    let c = card.get();
                    if !c.status.is_terminal() {
                        view! {
                            <div class="editor-render" data-testid="editor-rendering">
                                <p class="small">{move || t().rendering}</p>
                                <ProgressBar percent=c.progress label=Signal::derive(move || i18n.t().video_clips.status_names[1]) testid="editor-progress" />
                            </div>
                        }
                        .into_any()
                    } else if saved_revision.get().is_some_and(|r| c.revision > r) {
                        let href = format!("/clips/{}", c.id);
                        view! {
                            <p class="notice" role="status" data-testid="editor-rendered" data-revision=c.revision>
                                {move || t().rendered} " " <a href=href>{move || t().open_clip}</a>
                            </p>
                        }
                        .into_any()
                    } else {
                        c.error
                            .map(|e| view! { <p class="form-error small" role="alert">{move || e.message(i18n.t())}</p> })
                            .into_any()
                    }
                }}
            </div>
    }
    .into_any();
    view! {
        <p><a href=clip_page.clone()>{move || t().back}</a></p>
        <h1 data-testid="editor-heading">{move || t().title} ": " {move || card.get().candidate.title}</h1>
        {(!editable).then(|| view! { <p class="notice" role="status">{move || t().read_only}</p> })}
        <div class="editor" data-testid="editor" data-dirty=move || dirty.get().to_string()>
            {timeline_section}
            {main_section}
            {bar}
        </div>
    }
}

/// The timeline: the canvas and the two handles over it.
#[component]
fn Timeline(
    ed: Ed,
    sheets: Vec<String>,
    tiles: Option<domain::timeline::TimelineAssets>,
    editable: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().editor;
    let canvas = NodeRef::<html::Canvas>::new();
    let dragging = StoredValue::new(None::<Handle>);
    #[cfg(feature = "hydrate")]
    hydrate::canvas(ed, canvas, sheets, tiles);
    #[cfg(not(feature = "hydrate"))]
    let _ = (sheets, tiles);
    let handle_x = move |h: Handle| {
        let (v, r) = (ed.viewport.get(), ed.range.get());
        v.x_at(if h == Handle::Start { r.start } else { r.end })
    };
    let handle = move |h: Handle| {
        let label = move || if h == Handle::Start { t().start_handle } else { t().end_handle };
        let testid = if h == Handle::Start { "handle-start" } else { "handle-end" };
        view! {
            <button
                type="button"
                class="handle"
                class:handle-start=h == Handle::Start
                role="slider"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax=move || format!("{:.2}", ed.limits.get_value().source)
                aria-valuenow=move || {
                    let r = ed.range.get();
                    format!("{:.3}", if h == Handle::Start { r.start } else { r.end })
                }
                aria-valuetext=move || {
                    let r = ed.range.get();
                    clock(if h == Handle::Start { r.start } else { r.end })
                }
                disabled=!editable
                data-testid=testid
                style=move || format!("left: {:.1}px", handle_x(h))
                on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                    ev.prevent_default();
                    dragging.set_value(Some(h));
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast as _;
                        // Events are delegated: the handle is the target's closest `.handle`, not the current target.
                        let handle_el = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .and_then(|e| e.closest(".handle").ok().flatten());
                        if let Some(el) = handle_el {
                            let _ = el.set_pointer_capture(ev.pointer_id());
                            let _ = el.dyn_ref::<web_sys::HtmlElement>().map(|e| e.focus());
                        }
                    }
                }
                on:pointermove=move |ev: leptos::ev::PointerEvent| {
                    if dragging.get_value() != Some(h) {
                        return;
                    }
                    #[cfg(feature = "hydrate")]
                    if let Some(c) = canvas.get_untracked() {
                        let left = c.get_bounding_client_rect().left();
                        let x = f64::from(ev.client_x()) - left;
                        let time = ed.viewport.get_untracked().time_at(x);
                        ed.move_handle(h, time, ev.alt_key() || ev.shift_key(), false);
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = (ev, canvas);
                }
                on:pointerup=move |ev: leptos::ev::PointerEvent| {
                    if dragging.get_value() != Some(h) {
                        return;
                    }
                    dragging.set_value(None);
                    if let Some(r) = ed.drag.get_untracked() {
                        let at = if h == Handle::Start { r.start } else { r.end };
                        ed.move_handle(h, at, true, true);
                    }
                    let _ = ev;
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    let forward = match ev.key().as_str() {
                        "ArrowRight" | "ArrowUp" => true,
                        "ArrowLeft" | "ArrowDown" => false,
                        _ => return,
                    };
                    ev.prevent_default();
                    ev.stop_propagation();
                    let r = ed.edit.with_untracked(ClipEdit::range);
                    let at = if h == Handle::Start { r.start } else { r.end };
                    let free = ev.alt_key() || ev.shift_key();
                    let to = if free { at + if forward { FRAME } else { -FRAME } } else { ed.step_from(at, forward) };
                    ed.move_handle(h, to, true, true);
                }
            ></button>
        }
    };
    view! {
        <div class="timeline" data-testid="timeline" data-peaks=move || ed.peaks.with(|p| p.as_ref().map_or(0, Vec::len))>
            <canvas
                node_ref=canvas
                height=CANVAS_HEIGHT
                data-testid="timeline-canvas"
                on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                    let x = f64::from(ev.offset_x());
                    ed.seek(ed.viewport.get_untracked().time_at(x));
                }
                on:wheel=move |ev: leptos::ev::WheelEvent| {
                    ev.prevent_default();
                    let x = f64::from(ev.offset_x());
                    if ev.ctrl_key() || ev.meta_key() {
                        let factor = (-ev.delta_y() * 0.002).exp();
                        ed.viewport.update(|v| *v = v.zoom(factor, x));
                    } else {
                        let dx = if ev.delta_x().abs() > ev.delta_y().abs() { ev.delta_x() } else { ev.delta_y() };
                        ed.viewport.update(|v| *v = v.scroll(dx));
                    }
                }
            ></canvas>
            {handle(Handle::Start).into_any()}
            {handle(Handle::End).into_any()}
        </div>
    }
}

/// The caption line over the preview, as the renderer burns it: the line of the output time under the playhead,
/// the spoken word in the highlight colour.
#[component]
fn CaptionOverlay(ed: Ed) -> impl IntoView {
    let shown = Memo::new(move |_| {
        let t = ed.playhead.get();
        let out = ed.segments.with(|s| edit::to_output(s, t))?;
        ed.lines.with(|lines| {
            let i = lines.iter().rposition(|l| l.words.first().is_some_and(|w| w.start <= out))?;
            let line = &lines[i];
            let end = line.words.last().map_or(0.0, |w| w.end);
            let until = lines.get(i + 1).and_then(|n| n.words.first()).map_or(end + 0.8, |w| w.start.min(end + 0.8));
            (out <= until.max(end)).then(|| {
                let current = line.words.iter().rposition(|w| w.start <= out);
                (line.words.iter().map(|w| w.text.clone()).collect::<Vec<_>>(), current)
            })
        })
    });
    let css = move || {
        let s = ed.style.get();
        let (edge, share) = match s.position {
            Position::Top => ("top", s.position.margin_share()),
            _ => ("bottom", s.position.margin_share()),
        };
        format!(
            "{edge}: {:.2}%; --cap-size: {}; --cap-outline: {}; color: {}; font-weight: {}; text-transform: {}",
            share * 100.0,
            s.size,
            s.outline.max(1),
            css_colour(s.colour),
            if s.bold { 700 } else { 400 },
            if s.uppercase { "uppercase" } else { "none" },
        )
    };
    view! {
        <div class="caption-overlay" style=css data-testid="caption-overlay">
            {move || {
                shown
                    .get()
                    .map(|(words, current)| {
                        let highlight = ed.style.get().highlight.map(css_colour);
                        words
                            .into_iter()
                            .enumerate()
                            .map(|(i, w)| {
                                let colour = (Some(i) == current).then(|| highlight.clone()).flatten();
                                view! {
                                    <span class="cap-word" style=colour.map(|c| format!("color: {c}"))>{w}</span>
                                    " "
                                }
                            })
                            .collect_view()
                    })
            }}
        </div>
    }
}

/// The clip's words: select, cut, restore, fix, break lines.
#[component]
fn WordPanel(ed: Ed, editable: bool, language: StoredValue<String>, fillers_none: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().editor;
    let fix_input = NodeRef::<html::Input>::new();
    // The words inside the range, with their index.
    let shown = Memo::new(move |_| {
        let r = ed.range.get();
        ed.words.with_value(|w| {
            w.iter()
                .enumerate()
                .filter(|(_, w)| w.end > r.start && w.start < r.end)
                .map(|(i, _)| i)
                .collect::<Vec<usize>>()
        })
    });
    let line_starts = Memo::new(move |_| {
        // Which shown words start a caption line (in output order, matched by text and time).
        let lines = ed.lines.get();
        let firsts: Vec<f64> = lines.iter().filter_map(|l| l.words.first().map(|w| w.start)).collect();
        let segs = ed.segments.get();
        ed.words.with_value(|words| {
            shown
                .get()
                .into_iter()
                .filter(|&i| {
                    edit::to_output(&segs, words[i].start.max(segs.first().map_or(0.0, |s| s.start)))
                        .is_some_and(|o| firsts.iter().any(|f| (f - o).abs() < 1e-6))
                })
                .collect::<std::collections::HashSet<usize>>()
        })
    });
    let select = move |i: usize, extend: bool| {
        ed.selection.update(|s| {
            *s = match (*s, extend) {
                (Some((a, _)), true) => Some((a, i)),
                _ => Some((i, i)),
            }
        });
        let start = ed.words.with_value(|w| w[i].start);
        ed.seek(start);
    };
    let single = Memo::new(move |_| ed.selection.get().filter(|(a, b)| a == b).map(|(a, _)| a));
    let apply_fix = move || {
        let (Some(i), Some(input)) = (single.get_untracked(), fix_input.get_untracked()) else { return };
        let text = input.value().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let original = ed.words.with_value(|w| w[i].text.clone());
        ed.change(|e| {
            if text == original {
                e.fixes.remove(&i);
            } else {
                e.fixes.insert(i, text);
            }
        });
    };
    view! {
        <div class="word-tools">
            <button class="btn small" type="button" disabled=move || !editable || ed.selection.get().is_none() data-testid="cut-words"
                on:click=move |_| { let sel = ed.selected(); ed.change(|e| e.cut.extend(sel)); }>{move || t().cut}</button>
            <button class="btn small" type="button" disabled=move || !editable || ed.selection.get().is_none() data-testid="restore-words"
                on:click=move |_| {
                    let sel = ed.selected();
                    ed.change(|e| {
                        for i in sel {
                            e.cut.remove(&i);
                        }
                    });
                }>{move || t().restore}</button>
            <button class="btn small" type="button" disabled=!editable data-testid="cut-fillers"
                on:click=move |_| {
                    let found = ed.words.with_value(|w| ed.edit.with_untracked(|e| edit::filler_words(e, w, &language.get_value())));
                    fillers_none.set(found.is_empty());
                    if !found.is_empty() {
                        ed.change(|e| e.cut.extend(found));
                    }
                }>{move || t().fillers}</button>
            {move || fillers_none.get().then(|| view! { <span class="muted small" role="status">{move || t().no_fillers}</span> })}
            <button class="btn small" type="button" disabled=move || !editable || ed.selection.get().is_none() data-testid="split-line"
                on:click=move |_| {
                    if let Some((a, b)) = ed.selection.get_untracked() {
                        ed.change(|e| e.split_line_at(a.min(b)));
                    }
                }>{move || t().split_line}</button>
            <button class="btn small" type="button" disabled=move || !editable || ed.selection.get().is_none() data-testid="merge-line"
                on:click=move |_| {
                    if let Some((a, b)) = ed.selection.get_untracked() {
                        ed.change(|e| e.merge_line_at(a.min(b)));
                    }
                }>{move || t().merge_line}</button>
        </div>
        {move || single.get().filter(|_| editable).map(|i| {
            let text = ed.edit.with_untracked(|e| ed.words.with_value(|w| e.text(i, &w[i]).to_owned()));
            view! {
                <div class="fix-word">
                    <label class="field inline">
                        <span>{move || t().fix}</span>
                        <input node_ref=fix_input value=text maxlength="60" data-testid="fix-input"
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" {
                                    ev.prevent_default();
                                    apply_fix();
                                }
                            } />
                    </label>
                    <button class="btn small" type="button" on:click=move |_| apply_fix() data-testid="fix-apply">{move || t().fix_apply}</button>
                </div>
            }
        })}
        <p class="editor-words" data-testid="editor-words">
            {move || {
                let edit_now = ed.edit.get();
                let sel = ed.selection.get().map(|(a, b)| (a.min(b), a.max(b)));
                let starts = line_starts.get();
                let playhead = ed.playhead.get();
                ed.words.with_value(|words| {
                    shown
                        .get()
                        .into_iter()
                        .map(|i| {
                            let w = &words[i];
                            let text = edit_now.text(i, w).to_owned();
                            let cut = edit_now.cut.contains(&i);
                            let selected = sel.is_some_and(|(a, b)| (a..=b).contains(&i));
                            let current = playhead >= w.start && playhead < w.end;
                            view! {
                                {starts.contains(&i).then(|| view! { <span class="line-mark" aria-hidden="true">"¶"</span> })}
                                <span
                                    class="ed-word"
                                    class:cut=cut
                                    class:selected=selected
                                    class:current=current
                                    class:fixed=edit_now.fixes.contains_key(&i)
                                    data-i=i
                                    data-start=format!("{:.3}", w.start)
                                    data-end=format!("{:.3}", w.end)
                                    data-testid="editor-word"
                                    on:click=move |ev: leptos::ev::MouseEvent| select(i, ev.shift_key())
                                    on:dblclick=move |_| {
                                        select(i, false);
                                        request_animation_frame(move || {
                                            if let Some(input) = fix_input.get_untracked() {
                                                let _ = input.focus();
                                                input.select();
                                            }
                                        });
                                    }
                                >
                                    {text}
                                </span>
                                " "
                            }
                        })
                        .collect_view()
                })
            }}
        </p>
    }
}

/// Preset, size, position and colours of the captions.
#[component]
fn CaptionControls(ed: Ed, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().editor;
    view! {
        <div class="form caption-controls">
            <label class="field">
                <span>{move || t().preset}</span>
                <select disabled=!editable data-testid="caption-preset"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        ed.change(|e| {
                            e.captions.preset = v;
                            e.captions.size = None;
                            e.captions.colour = None;
                            e.captions.highlight = None;
                            e.captions.position = None;
                        });
                    }>
                    {CAPTION_STYLES.iter().enumerate().map(|(i, s)| view! {
                        <option value=*s selected=move || ed.style.get().id == *s>{move || i18n.t().auth.caption_names[i]}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{move || t().size} ": " {move || ed.style.get().size}</span>
                <input type="range" min="32" max="140" step="2" disabled=!editable data-testid="caption-size"
                    prop:value=move || ed.style.get().size.to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                            ed.change(|e| e.captions.size = Some(n));
                        }
                    } />
            </label>
            <label class="field">
                <span>{move || t().position}</span>
                <select disabled=!editable data-testid="caption-position"
                    on:change=move |ev| {
                        if let Some(p) = Position::parse(&event_target_value(&ev)) {
                            ed.change(|e| e.captions.position = Some(p));
                        }
                    }>
                    {Position::ALL.iter().enumerate().map(|(i, p)| view! {
                        <option value=p.as_str() selected=move || ed.style.get().position == *p>{move || t().position_names[i]}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field inline">
                <span>{move || t().colour}</span>
                <input type="color" disabled=!editable data-testid="caption-colour"
                    prop:value=move || css_colour(ed.style.get().colour)
                    on:change=move |ev| {
                        if let Some(c) = parse_colour(&event_target_value(&ev)) {
                            ed.change(|e| e.captions.colour = Some(c));
                        }
                    } />
            </label>
            <label class="field inline">
                <span>{move || t().highlight}</span>
                <input type="color" disabled=!editable data-testid="caption-highlight"
                    prop:value=move || css_colour(ed.style.get().highlight.unwrap_or(0xFFD400))
                    on:change=move |ev| {
                        if let Some(c) = parse_colour(&event_target_value(&ev)) {
                            ed.change(|e| e.captions.highlight = Some(c));
                        }
                    } />
            </label>
        </div>
    }
}

/// Browser-only parts: loading the peaks and sheets, drawing the canvas, the keyboard.
#[cfg(feature = "hydrate")]
mod hydrate {
    use wasm_bindgen::{JsCast as _, prelude::Closure};
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement};

    use super::*;

    /// Fetches the peaks file into `ed.peaks`.
    pub fn load_peaks(ed: Ed, url: String, built: bool) {
        if !built {
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(resp) = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(&url)).await else { return };
            let Ok(resp) = resp.dyn_into::<web_sys::Response>() else { return };
            if !resp.ok() {
                return;
            }
            let Ok(buf) = resp.array_buffer() else { return };
            let Ok(buf) = wasm_bindgen_futures::JsFuture::from(buf).await else { return };
            ed.peaks.set(Some(js_sys::Uint8Array::new(&buf).to_vec()));
        });
    }

    /// Whether keys typed into `target` belong to a form field rather than the editor.
    fn in_field(target: Option<web_sys::EventTarget>) -> bool {
        target
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    }

    /// The editor's shortcuts, and the warning before leaving with unsaved changes.
    pub fn keyboard(ed: Ed, editable: bool, dirty: Memo<bool>) {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if in_field(ev.target()) {
                return;
            }
            let ctrl = ev.ctrl_key() || ev.meta_key();
            let key = ev.key();
            let handled = match key.as_str() {
                "z" | "Z" if ctrl && ev.shift_key() => {
                    ed.history.update(|h| {
                        h.redo();
                    });
                    true
                }
                "z" | "Z" if ctrl => {
                    ed.history.update(|h| {
                        h.undo();
                    });
                    true
                }
                "y" if ctrl => {
                    ed.history.update(|h| {
                        h.redo();
                    });
                    true
                }
                _ if ctrl || ev.alt_key() => false,
                " " => {
                    ed.toggle_play();
                    true
                }
                "k" | "K" => {
                    if let Some(v) = ed.video.get_untracked() {
                        let _ = v.pause();
                    }
                    ed.playing.set(false);
                    true
                }
                "l" | "L" => {
                    if ed.playing.get_untracked() {
                        if let Some(v) = ed.video.get_untracked() {
                            v.set_playback_rate((v.playback_rate() * 2.0).min(4.0));
                        }
                    } else {
                        ed.toggle_play();
                    }
                    true
                }
                "j" | "J" => {
                    ed.seek(ed.playhead.get_untracked() - 2.0);
                    true
                }
                "ArrowLeft" => {
                    ed.seek(ed.playhead.get_untracked() - FRAME);
                    true
                }
                "ArrowRight" => {
                    ed.seek(ed.playhead.get_untracked() + FRAME);
                    true
                }
                "[" if editable => {
                    ed.move_handle(Handle::Start, ed.playhead.get_untracked(), true, true);
                    true
                }
                "]" if editable => {
                    ed.move_handle(Handle::End, ed.playhead.get_untracked(), true, true);
                    true
                }
                "Delete" | "Backspace" if editable && ed.selection.get_untracked().is_some() => {
                    let sel = ed.selected();
                    ed.change(|e| e.cut.extend(sel));
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        });
        let leave = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if dirty.get_untracked() {
                ev.prevent_default();
                ev.set_return_value("unsaved");
            }
        });
        on_cleanup(move || {
            keys.remove();
            leave.remove();
        });
    }

    /// Sets the canvas up: its size follows its box, sheets load, and it redraws when anything it shows changes.
    pub fn canvas(
        ed: Ed,
        canvas: NodeRef<html::Canvas>,
        sheets: Vec<String>,
        tiles: Option<domain::timeline::TimelineAssets>,
    ) {
        let images: Vec<send_wrapper::SendWrapper<HtmlImageElement>> = sheets
            .iter()
            .filter_map(|url| {
                let img = HtmlImageElement::new().ok()?;
                let loaded = ed.sheets_loaded;
                let onload = Closure::<dyn Fn()>::new(move || loaded.update(|n| *n += 1));
                img.set_onload(Some(onload.as_ref().unchecked_ref()));
                onload.forget();
                img.set_src(url);
                Some(send_wrapper::SendWrapper::new(img))
            })
            .collect();
        let images = StoredValue::new(images);
        let resize = move || {
            if let Some(c) = canvas.get_untracked() {
                let width = f64::from(c.client_width().max(1));
                let ratio = window().device_pixel_ratio().max(1.0);
                c.set_width((width * ratio) as u32);
                c.set_height((CANVAS_HEIGHT * ratio) as u32);
                ed.viewport.update(|v| {
                    let seen = v.visible();
                    *v = Viewport { width, px_per_s: width / seen.len().max(1e-6), ..*v }.clamped();
                });
            }
        };
        Effect::new(move |_| {
            if canvas.get().is_some() {
                resize();
                let v = ed.viewport.get_untracked();
                ed.viewport.set(Viewport::around(v.duration, v.width, ed.range.get_untracked()));
            }
        });
        let listener = window_event_listener(leptos::ev::resize, move |_| resize());
        on_cleanup(move || listener.remove());
        // Redraw at most once a frame, whatever changed.
        let pending = StoredValue::new(false);
        let tiles = StoredValue::new(tiles);
        Effect::new(move |_| {
            ed.viewport.track();
            ed.range.track();
            ed.segments.track();
            ed.playhead.track();
            ed.peaks.track();
            ed.sheets_loaded.track();
            ed.edit.track();
            ed.selection.track();
            if pending.get_value() {
                return;
            }
            pending.set_value(true);
            request_animation_frame(move || {
                pending.set_value(false);
                let Some(c) = canvas.get_untracked() else { return };
                images.with_value(|imgs| {
                    let imgs: Vec<&HtmlImageElement> = imgs.iter().map(|i| &**i).collect();
                    tiles.with_value(|tiles| draw(&c, ed, &imgs, tiles.as_ref()));
                });
            });
        });
    }

    /// Draws the whole timeline.
    fn draw(
        c: &HtmlCanvasElement,
        ed: Ed,
        sheets: &[&HtmlImageElement],
        tiles: Option<&domain::timeline::TimelineAssets>,
    ) {
        let Ok(Some(ctx)) = c.get_context("2d") else { return };
        let Ok(ctx) = ctx.dyn_into::<CanvasRenderingContext2d>() else { return };
        let v = ed.viewport.get_untracked();
        let ratio = f64::from(c.width()) / v.width.max(1.0);
        let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
        let (w, h) = (v.width, CANVAS_HEIGHT);
        let (ruler, strip, wave, text) = (18.0, 54.0, 60.0, 36.0);
        let (strip_y, wave_y, text_y) = (ruler, ruler + strip, ruler + strip + wave);
        ctx.set_fill_style_str("#15171c");
        ctx.fill_rect(0.0, 0.0, w, h);
        let seen = v.visible();

        // Ruler: a tick every "nice" interval that leaves ~80 px between labels.
        let step = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0]
            .into_iter()
            .find(|s| s * v.px_per_s >= 80.0)
            .unwrap_or(7200.0);
        ctx.set_fill_style_str("#9aa0aa");
        ctx.set_font("11px sans-serif");
        let mut tick = (seen.start / step).floor() * step;
        while tick <= seen.end {
            let x = v.x_at(tick);
            ctx.fill_rect(x, 12.0, 1.0, 6.0);
            let label = if step < 1.0 { format!("{:.1}", tick) } else { clock(tick) };
            let _ = ctx.fill_text(&label, x + 3.0, 11.0);
            tick += step;
        }

        // Filmstrip: the tile of each slot's time, slots as wide as a tile drawn 54 px high.
        if let Some(a) = tiles.filter(|a| a.tiles > 0) {
            let tile_w = strip * 16.0 / 9.0;
            let mut x = 0.0;
            while x < w {
                let t = v.time_at(x);
                let tile = a.tile_at(t).and_then(|(sheet, col, row)| {
                    let img = sheets.get(sheet as usize).filter(|i| i.complete() && i.natural_width() > 0)?;
                    Some((img, col, row))
                });
                if let Some((img, col, row)) = tile {
                    let (tw, th) = (f64::from(domain::timeline::TILE_WIDTH), f64::from(domain::timeline::TILE_HEIGHT));
                    let _ = ctx.draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                        img,
                        f64::from(col) * tw,
                        f64::from(row) * th,
                        tw,
                        th,
                        x,
                        strip_y,
                        tile_w,
                        strip,
                    );
                }
                x += tile_w;
            }
        }

        // Waveform: the loudest peak under each pixel column.
        ed.peaks.with_untracked(|p| {
            let Some(p) = p else { return };
            let rate = f64::from(domain::timeline::PEAKS_PER_SECOND);
            ctx.set_fill_style_str("#4fb3ff");
            let mid = wave_y + wave / 2.0;
            let mut x = 0.0;
            while x < w {
                let (a, b) = ((v.time_at(x) * rate) as usize, (v.time_at(x + 1.0) * rate).ceil() as usize);
                let loudest = p.get(a.min(p.len())..b.max(a + 1).min(p.len())).and_then(|s| s.iter().max()).copied();
                if let Some(peak) = loudest {
                    let half = f64::from(peak) / 255.0 * (wave / 2.0 - 2.0);
                    ctx.fill_rect(x, mid - half, 1.0, (half * 2.0).max(1.0));
                }
                x += 1.0;
            }
        });

        // Words under the waveform, where they fit: a tick per word once words are a few pixels apart, the text where
        // it has room (measured only then: a whole long video holds tens of thousands of words).
        let edit_now = ed.edit.get_untracked();
        ctx.set_font("12px sans-serif");
        if v.px_per_s >= 4.0 {
            ed.words.with_value(|words| {
                let first = words.partition_point(|wd| wd.end < seen.start);
                let (mut last_tick, mut last_text) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                for (i, wd) in words.iter().enumerate().skip(first) {
                    if wd.start > seen.end {
                        break;
                    }
                    let x = v.x_at(wd.start);
                    if x < last_tick + 2.0 {
                        continue;
                    }
                    last_tick = x;
                    ctx.set_fill_style_str(if edit_now.cut.contains(&i) { "#5b6070" } else { "#e6e8ee" });
                    ctx.fill_rect(x, text_y + 2.0, 1.0, 8.0);
                    if x < last_text + 4.0 || v.x_at(wd.end) - x < 12.0 {
                        continue;
                    }
                    let label = edit_now.text(i, wd);
                    let width = ctx.measure_text(label).map(|m| m.width()).unwrap_or(0.0);
                    if (v.x_at(wd.end) - x) * 1.8 >= width.min(40.0) {
                        let _ = ctx.fill_text(label, x + 2.0, text_y + 24.0);
                        last_text = x + width;
                    }
                }
            });
        }

        // The clip: outside dimmed, cut pieces hatched, the range outlined.
        let r = ed.range.get_untracked();
        let (x0, x1) = (v.x_at(r.start), v.x_at(r.end));
        ctx.set_fill_style_str("rgba(0,0,0,0.55)");
        ctx.fill_rect(0.0, ruler, x0.max(0.0), h - ruler);
        ctx.fill_rect(x1, ruler, (w - x1).max(0.0), h - ruler);
        let segs = ed.segments.get_untracked();
        ctx.set_fill_style_str("rgba(220,60,60,0.35)");
        let mut at = r.start;
        for s in segs.iter().chain(std::iter::once(&Span { start: r.end, end: r.end })) {
            if s.start > at + 1e-6 {
                ctx.fill_rect(v.x_at(at), ruler, v.x_at(s.start) - v.x_at(at), h - ruler);
            }
            at = s.end;
        }
        ctx.set_stroke_style_str("#ffd400");
        ctx.set_line_width(2.0);
        ctx.stroke_rect(x0, ruler + 1.0, x1 - x0, h - ruler - 2.0);

        // Selected words.
        if let Some((a, b)) = ed.selection.get_untracked() {
            ed.words.with_value(|words| {
                let (a, b) = (a.min(b), a.max(b));
                if let (Some(wa), Some(wb)) = (words.get(a), words.get(b)) {
                    ctx.set_fill_style_str("rgba(79,179,255,0.25)");
                    ctx.fill_rect(v.x_at(wa.start), text_y, v.x_at(wb.end) - v.x_at(wa.start), text);
                }
            });
        }

        // Playhead.
        let p = v.x_at(ed.playhead.get_untracked());
        ctx.set_fill_style_str("#ff4d4f");
        ctx.fill_rect(p - 1.0, 0.0, 2.0, h);
    }
}
