//! Where the browser keeps the key vault: one record per signed-in user in IndexedDB (database `clipmaker-vault`,
//! store `vaults`, key = user id), holding only the sealed [`vault::VaultFile`] as JSON. Never localStorage,
//! sessionStorage or cookies, and never the server. Randomness comes from `crypto.getRandomValues`.
//!
//! Everything here is browser-only; on the server the functions are not compiled.

#![cfg(feature = "hydrate")]

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast as _, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DB: &str = "clipmaker-vault";
const STORE: &str = "vaults";

/// Fills `buf` from `crypto.getRandomValues`.
pub fn random(buf: &mut [u8]) -> Result<(), JsValue> {
    let crypto = web_sys::window().ok_or("no window")?.crypto()?;
    crypto.get_random_values_with_u8_array(buf)?;
    Ok(())
}

/// `N` random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut out = [0u8; N];
    random(&mut out)?;
    Ok(out)
}

/// Waits for an IndexedDB request's success (its result) or error.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let ok = Closure::once_into_js(move |e: web_sys::Event| {
            let result = e
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let failed = Closure::once_into_js(move |e: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn database() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window().ok_or("no window")?.indexed_db()?.ok_or("IndexedDB is not available")?;
    let open: IdbOpenDbRequest = factory.open_with_u32(DB, 1)?;
    let upgrade = Closure::once_into_js(move |e: web_sys::Event| {
        if let Some(db) = e
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        {
            let _ = db.create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    done(&open).await?.dyn_into::<IdbDatabase>()
}

/// The user's sealed vault, as stored; `None` when they have none.
pub async fn load(user: &str) -> Result<Option<String>, JsValue> {
    let db = database().await?;
    let store = db.transaction_with_str(STORE)?.object_store(STORE)?;
    let value = done(&store.get(&JsValue::from_str(user))?).await?;
    db.close();
    Ok(value.as_string())
}

/// Stores the user's sealed vault (replacing what was there).
pub async fn save(user: &str, sealed_json: &str) -> Result<(), JsValue> {
    let db = database().await?;
    let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?.object_store(STORE)?;
    done(&store.put_with_key(&JsValue::from_str(sealed_json), &JsValue::from_str(user))?).await?;
    db.close();
    Ok(())
}

/// Deletes the user's vault.
pub async fn delete(user: &str) -> Result<(), JsValue> {
    let db = database().await?;
    let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?.object_store(STORE)?;
    done(&store.delete(&JsValue::from_str(user))?).await?;
    db.close();
    Ok(())
}
