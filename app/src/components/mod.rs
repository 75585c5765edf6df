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

/// A 0–100 % progress bar with its accessible name (`label`) and a test id.
#[component]
pub fn ProgressBar(percent: u8, #[prop(into)] label: Signal<&'static str>, testid: &'static str) -> impl IntoView {
    let percent = percent.min(100);
    view! {
        <div
            class="progress"
            role="progressbar"
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=percent.to_string()
            aria-label=move || label.get()
            data-testid=testid
        >
            <div class="progress-fill" style=format!("width: {percent}%")></div>
        </div>
    }
}
