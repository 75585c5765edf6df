//! The vault as the page holds it (issue 19): loaded from IndexedDB, unlocked, and locked again, for the life of the
//! page rather than of one screen, so a creator who unlocks it on Settings → AI keys can then upload and have their
//! keys reach the job.
//!
//! The derived key lives only in this page's memory ([`VaultSession::key`]); it is dropped (and zeroised) by
//! [`VaultSession::lock`], by the auto-lock timer after `minutes` without a key press or click anywhere in the app,
//! and with the page itself (closing the tab, signing out, which loads a new page).
//!
//! [`VaultSession::sealed_header`] seals the keys for a job to the server's hand-off key ([`vault::handoff`]): the
//! X25519 agreement runs in WebCrypto, HKDF and AES-GCM in the vault crate already in the bundle.

use leptos::prelude::*;
use vault::{VaultFile, VaultKey};

/// Where the vault stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading IndexedDB (and what the server renders).
    Loading,
    /// No vault yet.
    Empty,
    /// A vault, locked.
    Locked,
    /// A vault, unlocked: the key is in memory.
    Unlocked,
    /// IndexedDB refused (a private window, for example); only the browser finds out.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Unavailable,
}

/// The page's vault: one per page, from [`VaultSession::provide`].
#[derive(Clone, Copy)]
pub struct VaultSession {
    /// Where it stands.
    pub phase: RwSignal<Phase>,
    /// The sealed file, as IndexedDB holds it.
    pub file: RwSignal<Option<VaultFile>>,
    /// The derived key while unlocked.
    pub key: StoredValue<Option<VaultKey>>,
    /// Auto-lock after this many minutes without activity.
    pub minutes: RwSignal<u32>,
    /// Bumped on every key press and click: restarts the auto-lock timer.
    pub activity: RwSignal<u32>,
    /// The user whose vault is loaded.
    user: StoredValue<Option<String>>,
}

impl VaultSession {
    /// Creates the page's session and its auto-lock timer; the app root calls this once.
    pub fn provide() {
        let session = VaultSession {
            phase: RwSignal::new(Phase::Loading),
            file: RwSignal::new(None),
            key: StoredValue::new(None),
            minutes: RwSignal::new(30),
            activity: RwSignal::new(0),
            user: StoredValue::new(None),
        };
        provide_context(session);
        #[cfg(feature = "hydrate")]
        {
            let bump = move || session.activity.update(|n| *n = n.wrapping_add(1));
            let _ = window_event_listener(leptos::ev::keydown, move |_| bump());
            let _ = window_event_listener(leptos::ev::pointerdown, move |_| bump());
        }
        // Auto-lock after `minutes` without activity.
        Effect::new(move |previous: Option<Option<TimeoutHandle>>| {
            if let Some(Some(handle)) = previous {
                handle.clear();
            }
            session.activity.track();
            let (m, unlocked) = (session.minutes.get(), session.phase.get() == Phase::Unlocked);
            unlocked
                .then(|| {
                    set_timeout_with_handle(move || session.lock(), std::time::Duration::from_secs(u64::from(m) * 60))
                        .ok()
                })
                .flatten()
        });
    }

    /// The page's session.
    pub fn get() -> VaultSession {
        expect_context::<VaultSession>()
    }

    /// Drops the key (zeroising it).
    pub fn lock(&self) {
        self.key.set_value(None);
        if self.phase.get_untracked() == Phase::Unlocked {
            self.phase.set(Phase::Locked);
        }
    }

    /// Whether the key is in memory.
    pub fn unlocked(&self) -> bool {
        self.phase.get_untracked() == Phase::Unlocked && self.key.with_value(Option::is_some)
    }

    /// Reads `user`'s vault from IndexedDB unless it is already loaded (`corrupt` is called if the stored file does
    /// not parse).
    pub fn load(&self, user: &str, corrupt: impl Fn() + 'static) {
        if self.user.with_value(|u| u.as_deref() == Some(user)) && self.phase.get_untracked() != Phase::Loading {
            return;
        }
        self.key.set_value(None);
        self.user.set_value(Some(user.to_owned()));
        #[cfg(feature = "hydrate")]
        {
            let (session, user) = (*self, user.to_owned());
            leptos::task::spawn_local(async move {
                match crate::vault_store::load(&user).await {
                    Ok(Some(json)) => match VaultFile::from_json(&json) {
                        Ok(f) => {
                            session.file.set(Some(f));
                            session.phase.set(Phase::Locked);
                        }
                        Err(_) => {
                            corrupt();
                            session.phase.set(Phase::Empty);
                        }
                    },
                    Ok(None) => session.phase.set(Phase::Empty),
                    Err(_) => session.phase.set(Phase::Unavailable),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = corrupt;
    }

    /// The opened keys, `(provider, key)`, while unlocked; `None` when locked or with no keys.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn opened(&self, only: Option<&str>) -> Option<Vec<vault::handoff::HandoffKey>> {
        let file = self.file.get_untracked()?;
        let keys: Vec<_> = self.key.with_value(|k| {
            let k = k.as_ref()?;
            Some(
                file.entries
                    .iter()
                    .filter(|e| only.is_none_or(|p| p == e.provider))
                    .filter_map(|e| {
                        let key = file.get(k, &e.provider).ok()??;
                        Some(vault::handoff::HandoffKey { provider: e.provider.clone(), key: key.to_string() })
                    })
                    .collect(),
            )
        })?;
        (!keys.is_empty()).then_some(keys)
    }

    /// The keys (all, or `only` one provider's) sealed for the signed-in user to the server's hand-off key, as the
    /// [`vault::handoff::HEADER`] value; `None` when the vault is locked, holds no such key, or sealing failed (the
    /// job then runs on the server's keys).
    pub async fn sealed_header(&self, only: Option<&str>) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let user = self.user.get_value()?;
            let keys = self.opened(only)?;
            let server = crate::api::handoff_key().await.ok()?;
            seal::seal(&server, &user, &keys).await.ok()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = only;
            None
        }
    }
}

/// How the vault key was derived, and in how many milliseconds (the bench reads it from the page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derived {
    /// `webcrypto` or `wasm`.
    pub by: &'static str,
    /// Wall time of the derivation.
    pub ms: f64,
}

/// Derives the vault key from `password` with PBKDF2-HMAC-SHA256: through WebCrypto, which runs native code and is
/// about three times faster than the `pbkdf2` crate in wasm (bench/RESULTS.md), or with the crate where WebCrypto is
/// missing (pages served over plain HTTP to another machine have no `crypto.subtle`). `?derive=wasm` in the page's
/// address forces the crate, for the benchmark. Both give the same key.
pub async fn derive(password: &str, salt: &[u8; vault::SALT_LEN], iterations: u32) -> (VaultKey, Derived) {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::now;
        let started = now();
        let forced =
            web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.contains("derive=wasm"));
        if !forced && let Ok(bytes) = seal::pbkdf2(password, salt, iterations).await {
            return (VaultKey::from_derived(bytes), Derived { by: "webcrypto", ms: now() - started });
        }
        let key = vault::derive_key(password, salt, iterations);
        (key, Derived { by: "wasm", ms: now() - started })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        (vault::derive_key(password, salt, iterations), Derived { by: "wasm", ms: 0.0 })
    }
}

#[cfg(feature = "hydrate")]
mod seal {
    //! X25519 through WebCrypto (no curve code in the bundle).

    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::CryptoKey;

    fn algorithm(extra: Option<(&str, &JsValue)>) -> Result<Object, JsValue> {
        let o = Object::new();
        Reflect::set(&o, &"name".into(), &"X25519".into())?;
        if let Some((k, v)) = extra {
            Reflect::set(&o, &k.into(), v)?;
        }
        Ok(o)
    }

    fn bytes32(v: &JsValue) -> Result<[u8; 32], JsValue> {
        Uint8Array::new(v).to_vec().try_into().map_err(|_| JsValue::from_str("not 32 bytes"))
    }

    /// PBKDF2-HMAC-SHA256 through WebCrypto: 32 bytes.
    pub async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> Result<[u8; 32], JsValue> {
        let subtle = web_sys::window().ok_or("no window")?.crypto()?.subtle();
        if subtle.is_undefined() {
            return Err("no WebCrypto".into());
        }
        let raw = Uint8Array::from(password.as_bytes());
        let base = JsFuture::from(subtle.import_key_with_str(
            "raw",
            &raw,
            "PBKDF2",
            false,
            &Array::of1(&"deriveBits".into()),
        )?)
        .await?;
        raw.fill(0, 0, raw.length());
        let params = Object::new();
        Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
        Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
        Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt))?;
        Reflect::set(&params, &"iterations".into(), &iterations.into())?;
        let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &base.unchecked_into(), 256)?).await?;
        let out = Uint8Array::new(&bits);
        let bytes = bytes32(&bits);
        out.fill(0, 0, out.length());
        bytes
    }

    /// Seals `keys` for `user_id` to `server` (the hand-off public key, base64url).
    pub async fn seal(server: &str, user_id: &str, keys: &[vault::handoff::HandoffKey]) -> Result<String, JsValue> {
        use base64::Engine as _;
        let server: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(server)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("bad hand-off key")?;
        let subtle = web_sys::window().ok_or("no window")?.crypto()?.subtle();
        let pair = JsFuture::from(subtle.generate_key_with_object(
            &algorithm(None)?,
            true,
            &Array::of1(&"deriveBits".into()),
        )?)
        .await?;
        let private: CryptoKey = Reflect::get(&pair, &"privateKey".into())?.unchecked_into();
        let public: CryptoKey = Reflect::get(&pair, &"publicKey".into())?.unchecked_into();
        let ephemeral = bytes32(&JsFuture::from(subtle.export_key("raw", &public)?).await?)?;
        let server_key = JsFuture::from(subtle.import_key_with_object(
            "raw",
            &Uint8Array::from(server.as_slice()),
            &algorithm(None)?,
            true,
            &Array::new(),
        )?)
        .await?;
        let derive = algorithm(Some(("public", &server_key)))?;
        let shared = zeroize::Zeroizing::new(bytes32(
            &JsFuture::from(subtle.derive_bits_with_object(&derive, &private, 256)?).await?,
        )?);
        let nonce = crate::vault_store::random_array::<{ vault::NONCE_LEN }>()?;
        Ok(vault::handoff::seal(&shared, &ephemeral, &server, user_id, keys, nonce))
    }
}
