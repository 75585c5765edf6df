//! Components shared by several pages.

use domain::Lang;
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// A button that switches between Russian and English without reloading the page.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let next = move || if i18n.lang() == Lang::Ru { Lang::En } else { Lang::Ru };
    view! {
        <button
            type="button"
            class="lang-switch"
            data-testid="lang-switch"
            aria-label=move || i18n.t().switch_language_label
            on:click=move |_| i18n.set(next())
        >
            {move || i18n.t().switch_language}
        </button>
    }
}

/// The product logo and name, linking home.
#[component]
pub fn Brand() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a href="/" class="brand">
            <img src="/logo.svg" alt="" width="28" height="28" />
            <span>{move || i18n.t().app_name}</span>
        </a>
    }
}
