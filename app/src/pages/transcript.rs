//! The transcript viewer on the video page: paragraphs with timestamps, the word being spoken highlighted while the
//! player plays, a click on a word (or a timestamp) seeks the player there, search within the text, copy, and
//! downloads as SRT, WebVTT and plain text (`/api/videos/{id}/transcript.{srt,vtt,txt}`).

use domain::transcript::{Transcript, clock};
use leptos::{html::Video, prelude::*};

use crate::i18n::use_i18n;

/// Moves `player` to `seconds` and plays from there.
fn seek(player: NodeRef<Video>, seconds: f64) {
    if let Some(video) = player.get_untracked() {
        video.set_current_time(seconds);
        #[cfg(feature = "hydrate")]
        let _ = video.play();
    }
}

/// Puts `text` on the clipboard (browser only).
#[allow(unused_variables)]
fn copy_to_clipboard(text: String) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(&text);
    }
}

/// The transcript of `video_id`, driving and following `player`; `now` is the player's current time.
#[component]
pub fn TranscriptViewer(
    video_id: String,
    transcript: Transcript,
    player: NodeRef<Video>,
    #[prop(into)] now: Signal<f64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().transcript;
    let query = RwSignal::new(String::new());
    let copied = RwSignal::new(false);
    let transcript = StoredValue::new(transcript);
    // The index (over all words) of the word being spoken.
    let starts: Vec<(f64, f64)> = transcript.with_value(|tr| tr.words().map(|w| (w.start, w.end)).collect());
    let current = Memo::new(move |_| {
        let time = now.get();
        let i = starts.partition_point(|(s, _)| *s <= time);
        i.checked_sub(1).filter(|&i| time <= starts[i].1 + 0.3)
    });
    let matches = Memo::new(move |_| transcript.with_value(|tr| tr.search(&query.get())));
    let empty = transcript.with_value(|tr| tr.segments.is_empty());
    let full_text = transcript.with_value(Transcript::full_text);
    let paragraphs = transcript.with_value(|tr| tr.paragraphs(2.0, 6));

    // Word views, numbered over the whole transcript so each knows whether it is current.
    let mut word_index = 0usize;
    let body = paragraphs
        .into_iter()
        .map(|range| {
            let start = transcript.with_value(|tr| tr.segments[range.start].start);
            let segments = range
                .map(|si| {
                    let (text, seg_start, words) = transcript.with_value(|tr| {
                        let s = &tr.segments[si];
                        (s.text.clone(), s.start, s.words.clone())
                    });
                    let hit = move || matches.with(|m| m.contains(&si));
                    let inner = if words.is_empty() {
                        view! {
                            <span class="word" data-start=format!("{seg_start:.2}") on:click=move |_| seek(player, seg_start)>
                                {text}
                            </span>
                        }
                        .into_any()
                    } else {
                        words
                            .into_iter()
                            .map(|w| {
                                let i = word_index;
                                word_index += 1;
                                let at = w.start;
                                view! {
                                    <span
                                        class="word"
                                        class:current=move || current.get() == Some(i)
                                        data-start=format!("{at:.2}")
                                        on:click=move |_| seek(player, at)
                                    >
                                        {w.text}
                                    </span>
                                    " "
                                }
                            })
                            .collect_view()
                            .into_any()
                    };
                    view! { <span class="segment" class:hit=hit>{inner}" "</span> }
                })
                .collect_view();
            view! {
                <p class="paragraph">
                    <button class="timestamp" type="button" on:click=move |_| seek(player, start)>{clock(start)}</button>
                    " "
                    {segments}
                </p>
            }
        })
        .collect_view();

    let base = format!("/api/videos/{video_id}/transcript");
    view! {
        <section class="card transcript" data-testid="transcript" aria-label=move || t().title>
            <header class="transcript-head">
                <h2>{move || t().title}</h2>
                <input
                    type="search"
                    data-testid="transcript-search"
                    placeholder=move || t().search
                    aria-label=move || t().search
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <span class="muted small" data-testid="transcript-matches" hidden=move || query.with(|q| q.trim().is_empty())>
                    {move || (t().matches)(matches.with(Vec::len))}
                </span>
            </header>
            <div class="transcript-actions small">
                <button
                    class="btn"
                    type="button"
                    on:click=move |_| {
                        copy_to_clipboard(full_text.clone());
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { t().copied } else { t().copy }}
                </button>
                <span class="muted">{move || t().download}</span>
                <a href=format!("{base}.srt") download>"SRT"</a>
                <a href=format!("{base}.vtt") download>"VTT"</a>
                <a href=format!("{base}.txt") download>"TXT"</a>
            </div>
            <p class="muted small">{move || if empty { t().empty } else { t().seek_hint }}</p>
            <div class="transcript-body" data-testid="transcript-body">{body}</div>
        </section>
    }
}
