//! `/settings/platforms`: the workspace's platform connections. Telegram connects with a bot token and a channel
//! (checked with Telegram before anything is stored); a connected platform can be tested and disconnected, and one
//! whose token the platform refused shows the platform's words with a reconnect form. Tokens never come back to the
//! browser: the form is empty after connecting.

use domain::{ConnectionStatus, Platform, TextEnum as _, account::Me, publish::Connection};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{ApiError, PlatformConnect, PlatformDisconnect, PlatformTestConnection, platform_list},
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
    let list = Resource::new(
        move || (connect.version().get(), disconnect.version().get(), test.version().get()),
        |_| platform_list(),
    );
    // The form's fields live here, above the list that re-renders after every action, so a refused attempt keeps
    // what the user typed; the token is cleared once it is connected.
    let form = TelegramForm { token: RwSignal::new(String::new()), channel: RwSignal::new(String::new()) };
    Effect::new(move |_| {
        if let Some(Ok(_)) = connect.value().get() {
            form.token.set(String::new());
        }
    });
    let error = move || {
        [connect.value().get(), test.value().get()]
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
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || list.get().map(|r| match r {
                Ok(all) => {
                    let telegram = all.into_iter().find(|c| c.platform == Platform::Telegram);
                    view! { <TelegramCard connection=telegram form connect disconnect test /> }.into_any()
                }
                Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// What the Telegram form holds.
#[derive(Clone, Copy)]
struct TelegramForm {
    token: RwSignal<String>,
    channel: RwSignal<String>,
}

#[component]
fn TelegramCard(
    connection: Option<Connection>,
    form: TelegramForm,
    connect: ServerAction<PlatformConnect>,
    disconnect: ServerAction<PlatformDisconnect>,
    test: ServerAction<PlatformTestConnection>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().platforms;
    let needs_reconnect = connection.as_ref().is_some_and(|c| c.status == ConnectionStatus::Reconnect);
    let status = connection.as_ref().map(|c| c.status.as_str());
    let summary = connection.clone().map(|c| {
        let reconnect = c.status == ConnectionStatus::Reconnect;
        view! {
            <p data-testid="telegram-connected">
                {move || (t().connected_to)(&c.account, &c.target)} " "
                <span class="badge" class:warning=reconnect>{move || t().status[usize::from(reconnect)]}</span>
            </p>
            {c.error.clone().map(|e| view! {
                <p class="notice warning" role="alert" data-testid="telegram-reconnect">{move || (t().reconnect_note)(&e)}</p>
            })}
            <div class="platform-actions">
                <button class="btn" type="button" data-testid="telegram-test" disabled=move || test.pending().get()
                    on:click=move |_| { test.dispatch(PlatformTestConnection { platform: "telegram".into() }); }>
                    {move || t().test}
                </button>
                <button class="btn" type="button" data-testid="telegram-disconnect" disabled=move || disconnect.pending().get()
                    on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        if !window().confirm_with_message(t().disconnect_confirm).unwrap_or(false) {
                            return;
                        }
                        disconnect.dispatch(PlatformDisconnect { platform: "telegram".into() });
                    }>
                    {move || t().disconnect}
                </button>
            </div>
        }
    });
    let show_form = connection.is_none() || needs_reconnect;
    let TelegramForm { token, channel } = form;
    let form = show_form.then(|| view! {
        <ol class="small platform-steps">
            {move || t().telegram_steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
        </ol>
        <form class="platform-form" data-testid="telegram-form" on:submit=move |ev| {
            ev.prevent_default();
            connect.dispatch(PlatformConnect {
                platform: "telegram".into(),
                token: token.get_untracked(),
                target: channel.get_untracked(),
            });
        }>
            <label class="field">{move || t().token_label}
                <input type="password" autocomplete="off" spellcheck="false" required data-testid="telegram-token"
                    placeholder="123456789:AA…" prop:value=token on:input=move |ev| token.set(event_target_value(&ev)) />
            </label>
            <label class="field">{move || t().channel_label}
                <input type="text" autocomplete="off" required data-testid="telegram-channel" placeholder="@my_channel"
                    prop:value=channel on:input=move |ev| channel.set(event_target_value(&ev)) />
            </label>
            <button class="btn btn-primary" type="submit" data-testid="telegram-connect" disabled=move || connect.pending().get()>
                {move || if connect.pending().get() { t().connecting } else { t().connect }}
            </button>
        </form>
    });
    view! {
        <section class="card platform" data-testid="platform-telegram" data-status=status.unwrap_or("none")>
            <h2>"Telegram"</h2>
            <p class="muted small">{move || t().telegram_about}</p>
            {summary}
            {form}
        </section>
    }
}
