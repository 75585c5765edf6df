//! The clip page's publishing panel: post the clip to the workspace's connected platforms (all ticked to start with)
//! now or at a time in the user's time zone,
//! with the title, description and hashtags it starts from (the clip's title and CTA), and the clip's publications
//! with their status, link, error and a retry button. While anything is queued or going out, the list is asked for
//! again every 3 s. Dzen, which has no upload API, gets its text prepared to paste next to the clip's download.

use std::time::Duration;

use domain::{
    Platform, PublicationStatus, TextEnum as _,
    publish::{PostText, PublicationView, PublishTarget, parse_hashtags},
};
use leptos::prelude::*;

use crate::{
    api::{PublishPublish, PublishRetry, platform_list, publish_status},
    i18n::use_i18n,
    pages::platforms::platform_name,
};

/// `2026-12-01T18:30` in the browser's time zone as Unix seconds; `None` for an empty or malformed value (and always
/// on the server, which does not render the field's value).
fn local_to_unix(value: &str) -> Option<i64> {
    if value.trim().is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
        (!ms.is_nan()).then(|| (ms / 1000.0) as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

fn status_index(s: PublicationStatus) -> usize {
    PublicationStatus::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// The publishing panel of clip `clip_id`, whose title and CTA seed the post.
#[component]
pub fn PublishPanel(clip_id: String, title: String, cta: String) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let publish = ServerAction::<PublishPublish>::new();
    let retry = ServerAction::<PublishRetry>::new();
    let tick = RwSignal::new(0u32);
    let list = Resource::new(move || (publish.version().get(), retry.version().get(), tick.get()), {
        let id = clip_id.clone();
        move |_| publish_status(id.clone())
    });
    // Ask again while anything is on its way.
    Effect::new(move |_| {
        let busy = list.get().and_then(Result::ok).is_some_and(|all| {
            all.iter().any(|p| matches!(p.status, PublicationStatus::Publishing | PublicationStatus::Scheduled))
        });
        if busy {
            #[cfg(feature = "hydrate")]
            set_timeout(move || tick.update(|n| *n += 1), Duration::from_secs(3));
            #[cfg(not(feature = "hydrate"))]
            let _ = Duration::from_secs(3);
        }
    });
    let start = PostText::for_clip(&title, Some(&cta));
    let (post_title, description, hashtags, at) = (
        RwSignal::new(start.title),
        RwSignal::new(start.description),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // The workspace's working connections are what can be chosen; all of them are ticked to start with.
    let connections = Resource::new(|| (), |_| platform_list());
    let chosen = RwSignal::new(Vec::<Platform>::new());
    Effect::new(move |_| {
        if let Some(Ok(all)) = connections.get() {
            chosen
                .set(all.iter().filter(|c| c.status == domain::ConnectionStatus::Active).map(|c| c.platform).collect());
        }
    });
    // Platforms given a text of their own (the rest take the shared text, fitted to their limits on the server).
    let own = RwSignal::new(Vec::<OwnText>::new());
    let shared = move || OwnText {
        platform: Platform::Vk,
        title: post_title.get_untracked(),
        description: description.get_untracked(),
        hashtags: hashtags.get_untracked(),
    };
    let id = StoredValue::new(clip_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mine = own.get_untracked();
        let targets: Vec<PublishTarget> = chosen
            .get_untracked()
            .into_iter()
            .map(|platform| {
                let text = mine.iter().find(|o| o.platform == platform).cloned().unwrap_or_else(shared).text();
                PublishTarget { platform, text }
            })
            .collect();
        publish.dispatch(PublishPublish {
            clip_id: id.get_value(),
            targets: serde_json::to_string(&targets).unwrap_or_default(),
            at: local_to_unix(&at.get_untracked()),
        });
    };
    let error = move || {
        publish
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| retry.value().get().and_then(Result::err))
            .map(|e| e.message(i18n.t()))
    };
    view! {
        <section class="card publish-panel" data-testid="publish-panel">
            <h2>{move || t().publish_heading}</h2>
            <form class="platform-form" on:submit=submit data-testid="publish-form">
                <fieldset class="publish-targets" data-testid="publish-targets">
                    <legend class="small muted">{move || t().publish_to}</legend>
                    <Transition fallback=|| ()>
                        {move || connections.get().and_then(Result::ok).map(|all| {
                            let usable: Vec<Platform> = all.iter()
                                .filter(|c| c.status == domain::ConnectionStatus::Active)
                                .map(|c| c.platform)
                                .collect();
                            if usable.is_empty() {
                                return view! { <p class="small" data-testid="publish-none">{move || t().publish_none}</p> }.into_any();
                            }
                            usable.into_iter().map(|p| view! {
                                <label class="check">
                                    <input type="checkbox" data-testid=format!("publish-to-{}", p.as_str())
                                        prop:checked=move || chosen.get().contains(&p)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| { c.retain(|x| *x != p); if on { c.push(p); } });
                                        } />
                                    " " {platform_name(p)}
                                </label>
                            }).collect_view().into_any()
                        })}
                    </Transition>
                </fieldset>
                <label class="field">{move || t().post_title}
                    <input maxlength="128" data-testid="publish-title" prop:value=post_title
                        on:input=move |ev| post_title.set(event_target_value(&ev)) />
                </label>
                <label class="field">{move || t().post_description}
                    <textarea rows="3" data-testid="publish-description" prop:value=description
                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field">{move || t().post_hashtags}
                    <input placeholder="#shorts #бизнес" data-testid="publish-hashtags" prop:value=hashtags
                        on:input=move |ev| hashtags.set(event_target_value(&ev)) />
                </label>
                {move || chosen.get().into_iter().map(|p| view! { <OwnTextFields platform=p own shared /> }).collect_view()}
                <label class="field">{move || t().post_when}
                    <input type="datetime-local" data-testid="publish-at" prop:value=at
                        on:input=move |ev| at.set(event_target_value(&ev)) />
                </label>
                <p class="form-error" role="alert" data-testid="publish-error">{error}</p>
                <button class="btn btn-primary" type="submit" data-testid="publish-submit"
                    disabled=move || publish.pending().get() || chosen.get().is_empty()>
                    {move || if at.get().is_empty() { t().publish_now } else { t().schedule } }
                </button>
                <a class="small" href="/settings/platforms">{move || t().manage_platforms}</a>
            </form>
            <details class="dzen-prepare" data-testid="dzen-prepare">
                <summary>{move || t().dzen_prepare}</summary>
                <p class="small muted">{move || t().dzen_about}</p>
                <textarea readonly rows="6" data-testid="dzen-text" prop:value=move || {
                    let post = domain::publish::compose(Platform::Dzen, &PostText {
                        title: post_title.get(),
                        description: description.get(),
                        hashtags: parse_hashtags(&hashtags.get()),
                    });
                    format!("{}\n\n{}", post.title, post.body)
                }></textarea>
            </details>
            <Transition fallback=|| ()>
                {move || list.get().and_then(Result::ok).map(|all| view! {
                    <ul class="publications" data-testid="publications">
                        {all.into_iter().map(|p| view! { <Publication p retry clip_id=id.get_value() /> }).collect_view()}
                    </ul>
                })}
            </Transition>
        </section>
    }
}

/// A platform's own text in the dialog, as typed.
#[derive(Clone, Debug, PartialEq)]
struct OwnText {
    platform: Platform,
    title: String,
    description: String,
    hashtags: String,
}

impl OwnText {
    fn text(self) -> PostText {
        PostText { title: self.title, description: self.description, hashtags: parse_hashtags(&self.hashtags) }
    }
}

/// "Own text for <platform>": a tick that copies the shared text into fields of the platform's own.
#[component]
fn OwnTextFields(
    platform: Platform,
    own: RwSignal<Vec<OwnText>>,
    shared: impl Fn() -> OwnText + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let name = platform.as_str();
    let on = move || own.with(|o| o.iter().any(|x| x.platform == platform));
    let read = move |f: fn(&OwnText) -> String| {
        own.with(|o| o.iter().find(|x| x.platform == platform).map(f).unwrap_or_default())
    };
    let write = move |f: fn(&mut OwnText, String), v: String| {
        own.update(|o| {
            if let Some(x) = o.iter_mut().find(|x| x.platform == platform) {
                f(x, v);
            }
        });
    };
    view! {
        <div class="own-text" data-testid=format!("publish-own-{name}")>
            <label class="check">
                <input type="checkbox" data-testid=format!("publish-own-toggle-{name}") prop:checked=on
                    on:change=move |ev| {
                        let checked = event_target_checked(&ev);
                        own.update(|o| {
                            o.retain(|x| x.platform != platform);
                            if checked {
                                o.push(OwnText { platform, ..shared() });
                            }
                        });
                    } />
                " " {move || (t().own_text)(platform_name(platform)())}
            </label>
            {move || on().then(|| view! {
                <label class="field">{move || t().post_title}
                    <input data-testid=format!("publish-own-title-{name}") prop:value=move || read(|x| x.title.clone())
                        on:input=move |ev| write(|x, v| x.title = v, event_target_value(&ev)) />
                </label>
                <label class="field">{move || t().post_description}
                    <textarea rows="3" data-testid=format!("publish-own-description-{name}")
                        prop:value=move || read(|x| x.description.clone())
                        on:input=move |ev| write(|x, v| x.description = v, event_target_value(&ev))></textarea>
                </label>
                <label class="field">{move || t().post_hashtags}
                    <input data-testid=format!("publish-own-hashtags-{name}") prop:value=move || read(|x| x.hashtags.clone())
                        on:input=move |ev| write(|x, v| x.hashtags = v, event_target_value(&ev)) />
                </label>
            })}
        </div>
    }
}

#[component]
fn Publication(p: PublicationView, retry: ServerAction<PublishRetry>, clip_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let index = status_index(p.status);
    let failed = p.status == PublicationStatus::Failed;
    let platform = p.platform;
    view! {
        <li class="publication" data-testid="publication" data-status=p.status.as_str() data-platform=p.platform.as_str()>
            <span class="status-chip" data-status=p.status.as_str()>{move || t().publication_status[index]}</span>
            " " {platform_name(p.platform)}
            {(!p.title.is_empty()).then(|| view! { " · " <span class="publication-title" data-testid="publication-title">{p.title.clone()}</span> })}
            {p.url.map(|url| view! { " " <a href=url.clone() target="_blank" rel="noopener" data-testid="publication-link">{move || t().open_post}</a> })}
            {p.error.map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
            {failed.then(|| view! {
                <button class="btn btn-ghost" type="button" data-testid="publication-retry" disabled=move || retry.pending().get()
                    on:click=move |_| { retry.dispatch(PublishRetry { clip_id: clip_id.clone(), platform: platform.as_str().to_owned() }); }>
                    {move || t().retry}
                </button>
            })}
        </li>
    }
}
