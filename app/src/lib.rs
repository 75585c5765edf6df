#![recursion_limit = "256"]
//! The Leptos UI: the HTML shell, routes, pages and components. Built with `ssr` into the server and with
//! `hydrate` into the browser's wasm module.

pub mod api;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod vault_session;
pub mod vault_store;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    i18n::{provide_i18n, use_i18n},
    pages::{
        AdminPage, AnalyticsPage, BillingPage, ClipPage, ClipsPage, DashboardPage, EditorPage, ForgotPasswordPage,
        InvitePage, KeysPage, Landing, LoginPage, NotFound, PlatformsPage, ProfilePage, RegisterPage,
        ResetPasswordPage, SettingsPage, TeamPage, VerifyEmailPage, VideoPage, VideosPage,
    },
};

/// A per-request CSP nonce, put in the request's extensions by the server's security-header middleware and
/// attached by the shell to every inline script Leptos emits.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// The HTML document around the app. Runs only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let lang = {
        let parts = use_context::<http::request::Parts>();
        if let Some(nonce) = parts.as_ref().and_then(|p| p.extensions.get::<CspNonce>()) {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
        }
        parts
            .as_ref()
            .and_then(|p| p.headers.get(http::header::COOKIE))
            .and_then(|v| v.to_str().ok())
            .map(domain::Lang::from_cookie_header)
            .unwrap_or_default()
    };
    #[cfg(not(feature = "ssr"))]
    let lang = domain::Lang::default();

    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" id="leptos" href="/pkg/clipmaker.css" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: meta context, language, and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_i18n();
    vault_session::VaultSession::provide();
    let i18n = use_i18n();

    view! {
        <Title text=move || i18n.t().app_name />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/register") view=RegisterPage />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                <Route path=path!("/verify-email") view=VerifyEmailPage />
                // Signed-in pages render after the user is known, so an anonymous visit can be redirected (302).
                <Route path=path!("/settings/profile") view=ProfilePage ssr=SsrMode::Async />
                <Route path=path!("/settings/keys") view=KeysPage ssr=SsrMode::Async />
                <Route path=path!("/settings/platforms") view=PlatformsPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                <Route path=path!("/videos") view=VideosPage ssr=SsrMode::Async />
                <Route path=path!("/videos/:id") view=VideoPage ssr=SsrMode::Async />
                <Route path=path!("/clips") view=ClipsPage ssr=SsrMode::Async />
                <Route path=path!("/clips/:id") view=ClipPage ssr=SsrMode::Async />
                <Route path=path!("/clips/:id/edit") view=EditorPage ssr=SsrMode::Async />
                <Route path=path!("/analytics") view=AnalyticsPage ssr=SsrMode::Async />
                <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                <Route path=path!("/billing") view=BillingPage ssr=SsrMode::Async />
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
