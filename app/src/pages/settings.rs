//! `/settings`: an overview with one card per area (profile, AI key vault, publishing platforms, team, plan), each
//! saying where it stands and linking to the page that changes it.

use domain::{ConnectionStatus, PLANS, Platform, TextEnum as _, account::Me};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::platform_list,
    i18n::use_i18n,
    pages::{auth::RequireUser, section::AppLayout},
    vault_session::{Phase, VaultSession},
};

/// `/settings`.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().settings.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            let shown = me.clone();
            view! { <AppLayout me><Overview me=shown /></AppLayout> }
        } />
    }
}

/// One area: its name, its state and the link.
#[component]
fn Area(testid: &'static str, href: &'static str, title: Signal<&'static str>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card an-card settings-area" data-testid=format!("{testid}-card")>
            <h2>{move || title.get()}</h2>
            <div class="muted">{children()}</div>
            <a class="btn small" href=href data-testid=testid>{move || i18n.t().settings_page.open}</a>
        </section>
    }
}

#[component]
fn Overview(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().settings_page;
    let vault = VaultSession::get();
    let vault_state = move || {
        let i = match vault.phase.get() {
            Phase::Loading => 0,
            Phase::Empty => 1,
            Phase::Locked => 2,
            Phase::Unlocked => 3,
            Phase::Unavailable => 4,
        };
        t().vault_states[i]
    };
    let connections = Resource::new(|| (), |_| platform_list());
    let platforms = move || {
        connections.get().map(|r| {
            let list = r.unwrap_or_default();
            if list.is_empty() {
                return t().platforms_none.to_owned();
            }
            let names: Vec<&str> = list
                .iter()
                .map(|c| {
                    let i = Platform::ALL.iter().position(|p| *p == c.platform).unwrap_or(0);
                    i18n.t().analytics_page.platform_names[i]
                })
                .collect();
            let mut text = (t().platforms_connected)(&names.join(", "));
            if list.iter().any(|c| c.status == ConnectionStatus::Reconnect) {
                text = format!("{text}. {}", t().platforms_reconnect);
            }
            text
        })
    };
    let plan_index = PLANS.iter().position(|p| p.id == me.plan).unwrap_or(0);
    let role = me.team_role;
    let verified = me.email_verified;
    let Me { name, email, .. } = me;
    view! {
        <h1>{move || i18n.t().settings.title}</h1>
        <p class="muted">{move || t().intro}</p>
        <div class="an-grid settings-grid">
            <Area testid="settings-profile" href="/settings/profile" title=Signal::derive(move || i18n.t().auth.profile_title)>
                <p>{name} " · " {email}</p>
                <p>{move || if verified { t().email_confirmed } else { t().email_unconfirmed }}</p>
            </Area>
            <Area testid="settings-keys" href="/settings/keys" title=Signal::derive(move || i18n.t().keys.title)>
                <p data-testid="settings-vault">{vault_state}</p>
            </Area>
            <Area testid="settings-platforms" href="/settings/platforms" title=Signal::derive(move || i18n.t().platforms.title)>
                <Transition fallback=|| ()>
                    <p data-testid="settings-platforms-state">{platforms}</p>
                </Transition>
            </Area>
            <Area testid="settings-team" href="/team" title=Signal::derive(move || i18n.t().team.title)>
                <p>
                    {move || match role {
                        Some(r) => {
                            let i = domain::TeamRole::ALL.iter().position(|x| *x == r).unwrap_or(0);
                            i18n.t().teams.roles[i]
                        }
                        None => t().no_team,
                    }}
                </p>
            </Area>
            <Area testid="settings-plan" href="/billing" title=Signal::derive(move || i18n.t().billing.title)>
                <p>{move || (t().plan)(i18n.t().plan_names[plan_index])}</p>
            </Area>
        </div>
    }
    .into_any()
}
