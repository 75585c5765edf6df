#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered HTML. Everything here is wasm-only.

/// Called by the hydration script Leptos puts in the page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Reached only when hydration succeeded (a mismatch panics above); end-to-end tests wait for this marker.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
