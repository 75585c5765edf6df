#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered HTML. Everything here is wasm-only.

/// Called by the hydration script Leptos puts in the page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Reached only when hydration succeeded (a mismatch panics above); end-to-end tests wait for this marker.
    // The contents of a `<Suspense>` hydrate later, once their resources' serialized values resolve in microtasks;
    // a click before that hits a server-rendered button with no handler yet and is lost. A zero-delay timer fires
    // only after every pending microtask has run, so the marker means the whole page is live.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
