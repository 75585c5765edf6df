//! The 404 page; on the server it also sets the response status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{components::Brand, i18n::use_i18n};

/// Shown for any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=move || i18n.t().not_found_title />
        <main class="not-found">
            <Brand />
            <h1>"404"</h1>
            <h2>{move || i18n.t().not_found_title}</h2>
            <p class="muted">{move || i18n.t().not_found_text}</p>
            <a class="btn btn-primary" href="/">{move || i18n.t().back_home}</a>
        </main>
    }
}
