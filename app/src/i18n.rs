//! The current UI language as a reactive signal, read from the `lang` cookie on both sides so the server's HTML
//! and the hydrated page agree, and written back to the cookie when the user switches.

use domain::{Dict, Lang};
use leptos::prelude::*;

/// Handle to the current language.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// The current language (reactive).
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// The current dictionary (reactive).
    pub fn t(&self) -> &'static Dict {
        self.lang.get().dict()
    }

    /// Switches the language, remembers it in a cookie for a year, and updates `<html lang>`.
    pub fn set(&self, lang: Lang) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast as _;
            let doc = document();
            if let Ok(html_doc) = doc.clone().dyn_into::<web_sys::HtmlDocument>() {
                let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", Lang::COOKIE, lang.code());
                let _ = html_doc.set_cookie(&cookie);
            }
            if let Some(root) = doc.document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
        }
        self.lang.set(lang);
    }
}

fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_owned))
            .map(|h| Lang::from_cookie_header(&h))
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast as _;
        document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .map(|c| Lang::from_cookie_header(&c))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// Provides the language context; called once by the root component.
pub fn provide_i18n() {
    provide_context(I18n { lang: RwSignal::new(initial_lang()) });
}

/// The language context.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}
