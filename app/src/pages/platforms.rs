//! `/settings/platforms`: the workspace's platform connections. Telegram connects with a bot token and a channel,
//! Rutube with an API token (each checked with the platform before anything is stored); Dzen, which has no upload
//! API, says so. A connected platform can be tested and disconnected, and one
//! whose token the platform refused shows the platform's words with a reconnect form. Tokens never come back to the
//! browser: the form is empty after connecting.

use domain::{ConnectionStatus, Platform, TextEnum as _, account::Me, publish::Connection};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        ApiError, PlatformConnect, PlatformDisconnect, PlatformTestConnection, PlatformVkTarget, platform_list,
        platform_vk_targets,
    },
    i18n::use_i18n,
    pages::{auth::RequireUser, section::AppLayout},
};

/// `/settings/platforms`
#[component]
pub fn PlatformsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().platforms.title, i18n.t().app_name) />
        <RequireUser children=|me: Me| view! { <AppLayout me><PlatformsBody /></AppLayout> } />
    }
}

#[component]
fn PlatformsBody() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let connect = ServerAction::<PlatformConnect>::new();
    let disconnect = ServerAction::<PlatformDisconnect>::new();
    let test = ServerAction::<PlatformTestConnection>::new();
    let set_target = ServerAction::<PlatformVkTarget>::new();
    let list = Resource::new(
        move || (connect.version().get(), disconnect.version().get(), test.version().get(), set_target.version().get()),
        |_| platform_list(),
    );
    // Where VK may post comes from VK itself, so it is asked for by the browser once the page is live (never during
    // server rendering: a slow or refused call there left the server's page and the browser's disagreeing).
    let vk_targets = LocalResource::new(move || {
        connect.version().track();
        set_target.version().track();
        async move { platform_vk_targets().await.ok().unwrap_or_default() }
    });
    // How the VK ID round trip ended (`?connected=vk` or `?error=vk_…`).
    let query = leptos_router::hooks::use_query_map();
    let vk_outcome = move || {
        let q = query.read();
        let error = q.get("error").and_then(|e| domain::publish::VK_CONNECT_ERRORS.iter().position(|c| *c == e));
        (error, q.get("connected").as_deref() == Some("vk"))
    };
    // The form's fields live here, above the list that re-renders after every action, so a refused attempt keeps
    // what the user typed; the token is cleared once it is connected.
    let (telegram, rutube) = (TokenForm::new(), TokenForm::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = connect.value().get() {
            telegram.token.set(String::new());
            rutube.token.set(String::new());
        }
    });
    let error = move || {
        [connect.value().get(), test.value().get(), set_target.value().get()]
            .into_iter()
            .find_map(|v| v.and_then(Result::err))
            .or_else(|| disconnect.value().get().and_then(Result::err))
    };
    view! {
        <h1>{move || t().title}</h1>
        <p class="muted">{move || t().intro}</p>
        {move || error().map(|e: ApiError| view! {
            <p class="form-error" role="alert" data-testid="platform-error">{e.message(i18n.t())}</p>
        })}
        {move || match vk_outcome() {
            (Some(i), _) => Some(view! { <p class="form-error" role="alert" data-testid="vk-flow-error">{move || t().vk_errors[i]}</p> }.into_any()),
            (None, true) => Some(view! { <p class="notice" data-testid="vk-flow-done">{move || t().vk_connected}</p> }.into_any()),
            _ => None,
        }}
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || list.get().map(|r| match r {
                Ok(all) => {
                    let find = |p: Platform| all.iter().find(|c| c.platform == p).cloned();
                    view! {
                        <PlatformCard platform=Platform::Vk connection=find(Platform::Vk) form=telegram connect disconnect test
                            vk_targets set_target />
                        <PlatformCard platform=Platform::Telegram connection=find(Platform::Telegram) form=telegram connect disconnect test />
                        <PlatformCard platform=Platform::Rutube connection=find(Platform::Rutube) form=rutube connect disconnect test />
                        <DzenCard />
                    }.into_any()
                }
                Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// What a connect form holds: the token and, for Telegram, the channel.
#[derive(Clone, Copy)]
struct TokenForm {
    token: RwSignal<String>,
    channel: RwSignal<String>,
}

impl TokenForm {
    fn new() -> TokenForm {
        TokenForm { token: RwSignal::new(String::new()), channel: RwSignal::new(String::new()) }
    }
}

/// A platform that connects with a token (Telegram: a bot token and a channel; Rutube: an API token). Test ids are
/// prefixed with the platform's name (`telegram-connect`, `rutube-token`, …).
#[component]
fn PlatformCard(
    platform: Platform,
    connection: Option<Connection>,
    form: TokenForm,
    connect: ServerAction<PlatformConnect>,
    disconnect: ServerAction<PlatformDisconnect>,
    test: ServerAction<PlatformTestConnection>,
    /// VK: where it may post, asked for in the browser (absent for other platforms).
    #[prop(optional)]
    vk_targets: Option<LocalResource<Vec<domain::publish::PostTarget>>>,
    /// VK: the action that changes where it posts.
    #[prop(optional)]
    set_target: Option<ServerAction<PlatformVkTarget>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let name = platform.as_str();
    let id = move |what: &str| format!("{name}-{what}");
    let telegram = platform == Platform::Telegram;
    let vk = platform == Platform::Vk;
    let needs_reconnect = connection.as_ref().is_some_and(|c| c.status == ConnectionStatus::Reconnect);
    let status = connection.as_ref().map(|c| c.status.as_str());
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let summary = connection.clone().map(|c| {
        let reconnect = c.status == ConnectionStatus::Reconnect;
        // Drawn in the browser only (see `vk_targets`), so hydration never depends on VK's answer.
        let current = c.target.clone();
        let picker = move || {
            let set_target = set_target.filter(|_| mounted.get())?;
            let targets = vk_targets?.get().filter(|t| !t.is_empty())?;
            Some(view! { <VkTargetPicker current=current.clone() targets set_target /> })
        };
        view! {
            <p data-testid=id("connected")>
                {move || if c.target.is_empty() { (t().connected_as)(&c.account) } else { (t().connected_to)(&c.account, &c.target) }} " "
                <span class="badge" class:warning=reconnect>{move || t().status[usize::from(reconnect)]}</span>
            </p>
            {c.error.clone().map(|e| view! {
                <p class="notice warning" role="alert" data-testid=id("reconnect")>{move || (t().reconnect_note)(&e)}</p>
            })}
            <div class="platform-actions">
                <button class="btn" type="button" data-testid=id("test") disabled=move || test.pending().get()
                    on:click=move |_| { test.dispatch(PlatformTestConnection { platform: name.into() }); }>
                    {move || t().test}
                </button>
                <button class="btn" type="button" data-testid=id("disconnect") disabled=move || disconnect.pending().get()
                    on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        if !window().confirm_with_message(t().disconnect_confirm).unwrap_or(false) {
                            return;
                        }
                        disconnect.dispatch(PlatformDisconnect { platform: name.into() });
                    }>
                    {move || t().disconnect}
                </button>
            </div>
            <div class="platform-target">{picker}</div>
        }
        .into_any()
    });
    let show_form = connection.is_none() || needs_reconnect;
    let TokenForm { token, channel } = form;
    let steps = move || -> &'static [&'static str] {
        match platform {
            Platform::Telegram => &t().telegram_steps,
            Platform::Vk => &t().vk_steps,
            _ => &t().rutube_steps,
        }
    };
    let about = move || match platform {
        Platform::Telegram => t().telegram_about,
        Platform::Vk => t().vk_about,
        _ => t().rutube_about,
    };
    // VK connects through VK ID: a full-page round trip, not a token form.
    let vk_link = (show_form && vk).then(|| {
        view! {
            <ol class="small platform-steps">
                {move || steps().iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
            </ol>
            <a class="btn btn-primary" href="/settings/platforms/vk/start" rel="external" data-testid="vk-connect">
                {move || t().vk_connect}
            </a>
        }
    });
    let form = (show_form && !vk).then(|| view! {
        <ol class="small platform-steps">
            {move || steps().iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
        </ol>
        <form class="platform-form" data-testid=id("form") on:submit=move |ev| {
            ev.prevent_default();
            connect.dispatch(PlatformConnect {
                platform: name.into(),
                token: token.get_untracked(),
                target: channel.get_untracked(),
            });
        }>
            <label class="field">{move || if telegram { t().token_label } else { t().api_token_label }}
                <input type="password" autocomplete="off" spellcheck="false" required data-testid=id("token")
                    placeholder=if telegram { "123456789:AA…" } else { "" }
                    prop:value=token on:input=move |ev| token.set(event_target_value(&ev)) />
            </label>
            {telegram.then(|| view! {
                <label class="field">{move || t().channel_label}
                    <input type="text" autocomplete="off" required data-testid=id("channel") placeholder="@my_channel"
                        prop:value=channel on:input=move |ev| channel.set(event_target_value(&ev)) />
                </label>
            })}
            <button class="btn btn-primary" type="submit" data-testid=id("connect") disabled=move || connect.pending().get()>
                {move || if connect.pending().get() { t().connecting } else { t().connect }}
            </button>
        </form>
    });
    view! {
        <section class="card platform" data-testid=format!("platform-{name}") data-status=status.unwrap_or("none")>
            <h2>{platform_name(platform)}</h2>
            <p class="muted small">{about}</p>
            {summary}
            {vk_link}
            {form}
        </section>
    }
    .into_any()
}

/// Where a connected VK account posts: its page or one of its communities.
#[component]
fn VkTargetPicker(
    current: String,
    targets: Vec<domain::publish::PostTarget>,
    set_target: ServerAction<PlatformVkTarget>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    view! {
        <label class="field vk-target">{move || t().vk_target_label}
            <select data-testid="vk-target" disabled=move || set_target.pending().get()
                on:change=move |ev| { set_target.dispatch(PlatformVkTarget { target: event_target_value(&ev) }); }>
                {targets.into_iter().map(|target| {
                    let selected = target.name == current;
                    view! { <option value=target.id selected=selected>{target.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// Dzen: no public upload API, said plainly, with what to do instead.
#[component]
fn DzenCard() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    view! {
        <section class="card platform" data-testid="platform-dzen" data-status="none">
            <h2>{platform_name(Platform::Dzen)}</h2>
            <p class="muted small">{move || t().dzen_about}</p>
        </section>
    }
}

/// A platform's name in the current language (Дзен / Dzen).
pub fn platform_name(p: Platform) -> impl Fn() -> &'static str + Copy {
    let i18n = use_i18n();
    let index = Platform::ALL.iter().position(|x| *x == p).unwrap_or(0);
    move || i18n.t().platforms.names[index]
}
