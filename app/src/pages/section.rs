//! The signed-in app shell: the sections, the navigation and the layout every signed-in page uses.

use domain::{Dict, account::Me, i18n::SectionText};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{
    components::{Brand, LangSwitch},
    i18n::use_i18n,
    pages::auth::UserBox,
};

/// One section of the app, in navigation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/dashboard`
    Dashboard,
    /// `/videos`
    Videos,
    /// `/clips`
    Clips,
    /// `/analytics`
    Analytics,
    /// `/team`
    Team,
    /// `/settings`
    Settings,
    /// `/billing`
    Billing,
}

impl Section {
    /// Navigation order.
    pub const ALL: [Section; 7] = [
        Section::Dashboard,
        Section::Videos,
        Section::Clips,
        Section::Analytics,
        Section::Team,
        Section::Settings,
        Section::Billing,
    ];

    /// The section's path.
    pub fn href(self) -> &'static str {
        match self {
            Section::Dashboard => "/dashboard",
            Section::Videos => "/videos",
            Section::Clips => "/clips",
            Section::Analytics => "/analytics",
            Section::Team => "/team",
            Section::Settings => "/settings",
            Section::Billing => "/billing",
        }
    }

    /// The section's strings.
    pub fn text(self, t: &'static Dict) -> &'static SectionText {
        match self {
            Section::Dashboard => &t.dashboard,
            Section::Videos => &t.videos,
            Section::Clips => &t.clips,
            Section::Analytics => &t.analytics,
            Section::Team => &t.team,
            Section::Settings => &t.settings,
            Section::Billing => &t.billing,
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Section::Dashboard => "◧",
            Section::Videos => "▶",
            Section::Clips => "✂",
            Section::Analytics => "▤",
            Section::Team => "◎",
            Section::Settings => "⚙",
            Section::Billing => "₽",
        }
    }
}

/// The navigation shared by every section.
#[component]
fn AppNav(is_admin: bool) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    // Operators also get the admin console (everyone else gets 404 there).
    let admin = is_admin.then(|| {
        let current = move || location.pathname.get() == "/admin";
        view! {
            <li>
                <a href="/admin" data-testid="nav-admin" aria-current=move || current().then_some("page")>
                    <span class="nav-icon" aria-hidden="true">"⚑"</span>
                    <span>{move || i18n.t().admin.title}</span>
                </a>
            </li>
        }
        .into_any()
    });
    view! {
        <nav class="app-nav" aria-label=move || i18n.t().nav_label>
            <ul>
                {Section::ALL
                    .into_iter()
                    .map(|s| {
                        let current = move || location.pathname.get() == s.href();
                        view! {
                            <li>
                                <a href=s.href() aria-current=move || current().then_some("page")>
                                    <span class="nav-icon" aria-hidden="true">{s.icon()}</span>
                                    <span>{move || s.text(i18n.t()).title}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
                {admin}
            </ul>
        </nav>
    }
    .into_any()
}

/// The signed-in layout: sidebar (brand, navigation, user, language) and the page.
#[component]
pub fn AppLayout(me: Me, children: Children) -> impl IntoView {
    // The vault (locked) is read once per page, so any page can hand the keys to a job once it is unlocked.
    let user = me.id.clone();
    Effect::new(move |_| crate::vault_session::VaultSession::get().load(&user, || {}));
    view! {
        <div class="app-layout">
            <aside class="app-sidebar">
                <Brand />
                <AppNav is_admin=me.is_admin />
                <UserBox me />
                <LangSwitch />
            </aside>
            <main class="app-main">{children()}</main>
        </div>
    }
}
