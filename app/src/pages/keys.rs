//! `/settings/keys`: the AI key vault. The vault lives only in this browser (IndexedDB, see
//! [`crate::vault_store`]); the password and the opened keys never leave the page's memory, and closing or leaving
//! the page, signing out (a full page load) or the auto-lock timer drops them.

use domain::{
    account::Me,
    keys::{KeyCheck, PROVIDERS, provider_name},
};
use leptos::prelude::*;
use leptos_meta::Title;
use vault::{VaultError, VaultFile};

use crate::{
    i18n::use_i18n,
    pages::{auth::RequireUser, section::AppLayout},
    vault_session::{Derived, Phase, VaultSession, derive},
};

/// Auto-lock choices, minutes.
const AUTO_LOCK: [u32; 6] = [5, 15, 30, 60, 90, 120];
/// The shortest vault password.
const PASSWORD_MIN: usize = 10;

/// `/settings/keys`
#[component]
pub fn KeysPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().keys.title, i18n.t().app_name) />
        <RequireUser children=|me: Me| {
            let user = me.id.clone();
            view! {
                <AppLayout me>
                    <KeysBody user />
                </AppLayout>
            }
        } />
    }
}

#[component]
fn KeysBody(user: String) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().keys;
    let session = VaultSession::get();
    let VaultSession { phase, file, key, minutes, .. } = session;
    let error = RwSignal::new(None::<&'static str>);
    let notice = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    // Provider id → what its last test found.
    let tested = RwSignal::new(Vec::<(String, KeyCheck)>::new());
    let (password, repeat, provider, secret) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("openai".to_owned()),
        RwSignal::new(String::new()),
    );
    let user = StoredValue::new(user);
    let lock = move || session.lock();
    let persist = move |f: VaultFile| {
        let json = f.to_json();
        file.set(Some(f));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if crate::vault_store::save(&user.get_value(), &json).await.is_err() {
                error.set(Some(i18n.t().keys.err_storage));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = json;
    };
    // The last key derivation (600 000 PBKDF2 rounds): how, and how long; the page shows it to the benchmark.
    let derived = RwSignal::new(None::<Derived>);
    // Runs a slow step (a key derivation) with the busy state shown.
    let slow = move |work: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>| {
        busy.set(true);
        error.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            work.await;
            busy.set(false);
        });
    };

    // Load the vault once the page runs in the browser (kept for the rest of the page's life).
    Effect::new(move |_| session.load(&user.get_value(), move || error.set(Some(i18n.t().keys.err_corrupt))));

    // The new password from the two fields, or the reason it is refused (shown).
    let new_password = move || {
        let (p, r) = (password.get_untracked(), repeat.get_untracked());
        let problem = if p.chars().count() < PASSWORD_MIN {
            Some(t().err_short)
        } else if p != r {
            Some(t().err_mismatch)
        } else {
            None
        };
        error.set(problem);
        problem.is_none().then_some(p)
    };
    let create = move |()| {
        let Some(p) = new_password() else { return };
        let Some((salt, nonce)) = random_pair() else {
            error.set(Some(i18n.t().keys.err_storage));
            return;
        };
        slow(Box::pin(async move {
            let (k, d) = derive(&p, &salt, vault::ITERATIONS).await;
            derived.set(Some(d));
            let (f, k) = VaultFile::create_with(k, salt, vault::ITERATIONS, nonce);
            key.set_value(Some(k));
            persist(f);
            password.set(String::new());
            repeat.set(String::new());
            phase.set(Phase::Unlocked);
        }));
    };
    let unlock = move |()| {
        let p = password.get_untracked();
        let Some(f) = file.get_untracked() else { return };
        let Ok(salt) = f.salt() else {
            error.set(Some(t().err_corrupt));
            return;
        };
        slow(Box::pin(async move {
            let (k, d) = derive(&p, &salt, f.iterations).await;
            derived.set(Some(d));
            match f.unlock_with(k) {
                Ok(k) => {
                    key.set_value(Some(k));
                    password.set(String::new());
                    phase.set(Phase::Unlocked);
                }
                Err(VaultError::WrongPassword) => error.set(Some(i18n.t().keys.err_wrong_password)),
                Err(_) => error.set(Some(i18n.t().keys.err_corrupt)),
            }
        }));
    };
    let save_key = move |_| {
        let s = secret.get_untracked();
        if s.trim().is_empty() {
            error.set(Some(t().err_empty_key));
            return;
        }
        let (Some(mut f), Some(nonce)) = (file.get_untracked(), random_nonce()) else { return };
        let stored = key.with_value(|k| k.as_ref().map(|k| f.put(k, &provider.get_untracked(), &s, nonce)));
        if stored.is_some() {
            secret.set(String::new());
            error.set(None);
            persist(f);
        } else {
            lock();
        }
    };
    // One minimal call with the key, through the server, which forgets it afterwards.
    let test = move |id: String| {
        tested.update(|t| t.retain(|(p, _)| *p != id));
        leptos::task::spawn_local(async move {
            let sealed = session.sealed_header(Some(&id)).await;
            let found = match sealed {
                None => KeyCheck::Unavailable,
                Some(s) => {
                    crate::api::send_keys_with_next(Some(s));
                    crate::api::test_key(id.clone()).await.unwrap_or(KeyCheck::Unavailable)
                }
            };
            tested.update(|t| t.push((id, found)));
        });
    };
    let remove = move |id: String| {
        if let Some(mut f) = file.get_untracked() {
            f.remove(&id);
            persist(f);
        }
    };
    let change = move |()| {
        let Some(p) = new_password() else { return };
        let Some(f) = file.get_untracked() else { return };
        let Some((salt, _)) = random_pair() else { return };
        slow(Box::pin(async move {
            let iterations = f.iterations.max(vault::ITERATIONS);
            let (new_key, d) = derive(&p, &salt, iterations).await;
            derived.set(Some(d));
            let nonce = || random_nonce().unwrap_or([0; vault::NONCE_LEN]);
            let changed = key.with_value(|k| k.as_ref().map(|k| f.change_key(k, new_key, salt, iterations, nonce)));
            match changed {
                Some(Ok((nf, nk))) => {
                    key.set_value(Some(nk));
                    persist(nf);
                    password.set(String::new());
                    repeat.set(String::new());
                    notice.set(Some(i18n.t().keys.changed));
                }
                Some(Err(_)) => error.set(Some(i18n.t().keys.err_corrupt)),
                None => lock(),
            }
        }));
    };
    let delete = move |_| {
        if !crate::pages::videos::confirm(t().delete_confirm) {
            return;
        }
        key.set_value(None);
        file.set(None);
        phase.set(Phase::Empty);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = crate::vault_store::delete(&user.get_value()).await;
        });
    };
    let export = move |_| {
        if let Some(f) = file.get_untracked() {
            download("clipmaker-vault.json", &f.to_json());
        }
    };
    let import = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast as _;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(chosen) = input.files().and_then(|l| l.get(0)) else { return };
            leptos::task::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(chosen.text()).await.ok().and_then(|v| v.as_string());
                match text.as_deref().map(VaultFile::from_json) {
                    Some(Ok(f)) => {
                        key.set_value(None);
                        persist(f);
                        phase.set(Phase::Locked);
                        notice.set(Some(i18n.t().keys.imported));
                    }
                    _ => error.set(Some(i18n.t().keys.err_corrupt)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let password_fields = move |repeat_too: bool| {
        view! {
            <SecretField
                label=Signal::derive(move || t().password)
                hint=Signal::derive(move || t().password_hint)
                testid="vault-password"
                autocomplete="new-password"
                value=password
            />
            {repeat_too
                .then(|| {
                    view! {
                        <SecretField
                            label=Signal::derive(move || t().password_repeat)
                            testid="vault-password-repeat"
                            autocomplete="new-password"
                            value=repeat
                        />
                    }
                })}
        }
    };

    // A card with the password field(s) and one button: create, unlock, change password.
    let password_card = move |heading: fn(&'static domain::i18n::KeysText) -> &'static str,
                              repeat_too: bool,
                              testid: &'static str,
                              label: fn(&'static domain::i18n::KeysText) -> &'static str,
                              on_click: Callback<()>| {
        view! {
            <div class="card">
                <h2>{move || heading(t())}</h2>
                <div class="form">
                    {password_fields(repeat_too)}
                    <button
                        class="btn btn-primary"
                        data-testid=testid
                        disabled=move || busy.get()
                        on:click=move |_| on_click.run(())
                    >
                        {move || label(t())}
                    </button>
                </div>
            </div>
        }
    };

    view! {
        <div>
            <h1>{move || t().title}</h1>
            <p class="muted">{move || t().intro}</p>
            <p class="form-error" role="alert" data-testid="vault-error">{move || error.get()}</p>
            <p class="notice" role="status" data-testid="vault-notice" hidden=move || notice.get().is_none()>
                {move || notice.get()}
            </p>
            <p class="muted" hidden=move || !busy.get()>{move || t().unlocking}</p>
            <div
                data-testid="vault"
                data-phase=move || format!("{:?}", phase.get()).to_lowercase()
                data-derive=move || derived.get().map(|d| d.by)
                data-derive-ms=move || derived.get().map(|d| format!("{:.0}", d.ms))
            >
                {move || match phase.get() {
                    Phase::Loading => view! { <p class="muted">{move || t().loading}</p> }.into_any(),
                    Phase::Unavailable => view! { <p class="form-error">{move || t().err_storage}</p> }.into_any(),
                    Phase::Empty => {
                        view! {
                            {password_card(|t| t.create_heading, true, "vault-create", |t| t.create, Callback::new(create))}
                            <label class="btn btn-ghost">
                                {move || t().import}
                                <input type="file" accept="application/json,.json" hidden data-testid="vault-import" on:change=import />
                            </label>
                        }
                            .into_any()
                    }
                    Phase::Locked => {
                        view! {
                            {password_card(|t| t.unlock_heading, false, "vault-unlock", |t| t.unlock, Callback::new(unlock))}
                            <button class="btn btn-danger" data-testid="vault-delete" on:click=delete>{move || t().delete}</button>
                        }
                            .into_any()
                    }
                    Phase::Unlocked => {
                        view! {
                            <div class="card">
                                <p class="notice">{move || t().unlocked}</p>
                                <ul class="vault-keys" data-testid="vault-keys">
                                    {move || {
                                        let entries = file.get().map(|f| f.entries).unwrap_or_default();
                                        if entries.is_empty() {
                                            view! { <li class="muted">{move || t().none_yet}</li> }.into_any()
                                        } else {
                                            entries
                                                .into_iter()
                                                .map(|e| {
                                                    let id = e.provider.clone();
                                                    let (tid, rid) = (id.clone(), id.clone());
                                                    let result = Memo::new(move |_| {
                                                        tested.get().into_iter().find(|(p, _)| *p == id).map(|(_, c)| c)
                                                    });
                                                    view! {
                                                        <li data-testid="vault-key" data-provider=e.provider.clone()>
                                                            <strong>{provider_name(&e.provider)}</strong>
                                                            " ••••"
                                                            {e.last4.clone()}
                                                            <button class="btn btn-ghost" data-testid="vault-test" on:click=move |_| test(tid.clone())>
                                                                {move || t().test}
                                                            </button>
                                                            <button class="btn btn-ghost" on:click=move |_| remove(rid.clone())>
                                                                {move || t().remove}
                                                            </button>
                                                            <span
                                                                class=move || match result.get() {
                                                                    Some(KeyCheck::Valid) => "badge badge-ok",
                                                                    Some(_) => "badge badge-warn",
                                                                    None => "badge",
                                                                }
                                                                data-testid="vault-test-result"
                                                                data-result=move || result.get().map(|c| format!("{c:?}").to_lowercase())
                                                                hidden=move || result.get().is_none()
                                                            >
                                                                {move || result.get().map(|c| (t().test_results)(c))}
                                                            </span>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()
                                                .into_any()
                                        }
                                    }}
                                </ul>
                                <p class="muted">{move || t().in_use}</p>
                                <div class="form">
                                    <label class="field">
                                        <span>{move || t().provider}</span>
                                        <select data-testid="vault-provider" on:change=move |ev| provider.set(event_target_value(&ev))>
                                            {PROVIDERS
                                                .iter()
                                                .map(|(id, name)| view! { <option value=*id selected=*id == "openai">{*name}</option> })
                                                .collect_view()}
                                        </select>
                                    </label>
                                    <SecretField
                                        label=Signal::derive(move || t().key)
                                        testid="vault-secret"
                                        autocomplete="off"
                                        value=secret
                                    />
                                    <button class="btn btn-primary" data-testid="vault-save-key" on:click=save_key>
                                        {move || t().save_key}
                                    </button>
                                </div>
                                <div class="form form-inline">
                                    <label class="field">
                                        <span>{move || t().auto_lock}</span>
                                        <select data-testid="vault-auto-lock" on:change=move |ev| {
                                            if let Ok(m) = event_target_value(&ev).parse() {
                                                minutes.set(m);
                                            }
                                        }>
                                            {AUTO_LOCK
                                                .iter()
                                                .map(|m| {
                                                    let m = *m;
                                                    view! { <option value=m.to_string() selected=m == minutes.get_untracked()>{move || (t().minutes)(m)}</option> }
                                                })
                                                .collect_view()}
                                        </select>
                                    </label>
                                    <button class="btn" data-testid="vault-lock" on:click=move |_| lock()>{move || t().lock}</button>
                                </div>
                            </div>
                            {password_card(|t| t.change_heading, true, "vault-change", |t| t.change, Callback::new(change))}
                            <div class="card">
                                <button class="btn" data-testid="vault-export" on:click=export>{move || t().export}</button>
                                <button class="btn btn-danger" data-testid="vault-delete" on:click=delete>{move || t().delete}</button>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </div>
        </div>
    }
}

/// A labelled input whose text is hidden (a vault password or an API key), bound to `value`.
#[component]
fn SecretField(
    label: Signal<&'static str>,
    testid: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<Signal<&'static str>>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{move || label.get()}</span>
            <input
                type="password"
                autocomplete=autocomplete
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|h| view! { <small class="muted">{move || h.get()}</small> })}
        </label>
    }
}

/// A fresh salt and nonce from `crypto.getRandomValues`.
fn random_pair() -> Option<([u8; vault::SALT_LEN], [u8; vault::NONCE_LEN])> {
    Some((random()?, random_nonce()?))
}

fn random_nonce() -> Option<[u8; vault::NONCE_LEN]> {
    random()
}

fn random<const N: usize>() -> Option<[u8; N]> {
    #[cfg(feature = "hydrate")]
    {
        crate::vault_store::random_array::<N>().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Offers `text` as a file download named `name`.
fn download(name: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast as _;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        if let Some(a) =
            document().create_element("a").ok().and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, text);
}
