//! The clip candidates of a video, best first: bounds, title, the virality total with its four scores, the reason and
//! the call to action. Clicking a clip plays its moment in the source player.

use domain::{analysis::ClipCard, transcript::clock, videos::format_duration};
use leptos::{html::Video, prelude::*};

use crate::i18n::use_i18n;

/// The list; renders nothing while there are no clips.
#[component]
pub fn ClipList(clips: Vec<ClipCard>, player: NodeRef<Video>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().video_clips;
    if clips.is_empty() {
        return ().into_any();
    }
    let items = clips
        .into_iter()
        .map(|c| {
            let v = c.candidate.virality;
            let start = c.candidate.start;
            let scores = [v.hook, v.engagement, v.flow, v.trend];
            let pending = c.status == "pending";
            view! {
                <li class="clip-card" data-testid="clip">
                    <button
                        class="clip-time"
                        type="button"
                        on:click=move |_| {
                            if let Some(video) = player.get_untracked() {
                                video.set_current_time(start);
                                #[cfg(feature = "hydrate")]
                                let _ = video.play();
                            }
                        }
                    >
                        {format!("{} · {}", clock(start), format_duration(c.candidate.end - start))}
                    </button>
                    <strong class="clip-title">{c.candidate.title.clone()}</strong>
                    <span class="clip-total" data-testid="clip-total" title=move || t().total>{v.total}</span>
                    <ul class="clip-scores small">
                        {(0..4)
                            .map(|i| view! { <li>{move || t().scores[i]}": "{scores[i]}</li> })
                            .collect_view()}
                    </ul>
                    <p class="muted small">{c.candidate.reason.clone()}</p>
                    <p class="small">{c.candidate.cta.clone()}</p>
                    <p class="muted small" hidden=!pending>{move || t().pending}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card clips" data-testid="clips">
            <h2>{move || t().title}</h2>
            <ol class="clip-list">{items}</ol>
        </section>
    }
    .into_any()
}
