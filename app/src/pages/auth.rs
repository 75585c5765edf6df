//! Accounts pages: sign-in, sign-up, password recovery, email confirmation, profile.

use domain::{
    Lang, LlmStrategy, TextEnum as _,
    account::{CAPTION_STYLES, Me, safe_next_path},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        ApiError, ForgotPassword, Login, Logout, LogoutEverywhere, Register, ResendVerification, ResetPassword,
        UpdateClipPreferences, UpdateProfile, UpdateSettings, VerifyEmail, get_me, vk_enabled,
    },
    components::{Brand, LangSwitch},
    i18n::use_i18n,
};

/// Sends the browser somewhere with a full page load, so the server renders it with the new cookies.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// A card-shaped page for the accounts forms.
#[component]
fn AuthCard(title: fn(&'static domain::Dict) -> &'static str, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · ClipMaker", title(i18n.t())) />
        <main class="auth-page">
            <div class="auth-top">
                <Brand />
                <LangSwitch />
            </div>
            <div class="card auth-card">
                <h1>{move || title(i18n.t())}</h1>
                {children()}
            </div>
        </main>
    }
}

/// A labelled input with its inline error.
#[component]
fn Field(
    name: &'static str,
    kind: &'static str,
    label: Signal<&'static str>,
    error: Signal<Option<String>>,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: Option<Signal<&'static str>>,
    #[prop(optional, into)] value: Option<Signal<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    view! {
        <label class="field" for=id.clone()>
            <span>{move || label.get()}</span>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.map(|v| v.get()).unwrap_or_default()
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=err_id.clone()
                required=kind != "text"
            />
            {hint.map(|h| view! { <small class="muted">{move || h.get()}</small> })}
            <small class="field-error" id=err_id data-testid=format!("error-{name}")>
                {move || error.get()}
            </small>
        </label>
    }
}

/// The form-level error line and the submit button, disabled while the request runs.
#[component]
fn Submit(
    error: Signal<Option<String>>,
    pending: Signal<bool>,
    label: fn(&'static domain::Dict) -> &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="form-error" role="alert" data-testid="form-error">{move || error.get()}</p>
        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
            {move || label(i18n.t())}
        </button>
    }
}

/// The error of `result` if it belongs to `field` (or to no field, when `field` is `None`).
pub(crate) fn error_for<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
    field: Option<&'static str>,
) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || match value.get() {
        Some(Err(e)) if e.field() == field => Some(e.message(i18n.t())),
        _ => None,
    })
}

/// "Log in with VK ID", shown only where VK ID is configured.
#[component]
fn VkButton(next: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let enabled = Resource::new(|| (), |_| vk_enabled());
    view! {
        <Suspense>
            {move || {
                matches!(enabled.get(), Some(Ok(true)))
                    .then(|| {
                        view! {
                            <p class="muted auth-or">{move || i18n.t().auth.or}</p>
                            // rel=external: a server route, so the client-side router must let the browser load it.
                            <a
                                class="btn btn-vk"
                                data-testid="vk-login"
                                rel="external"
                                href=move || format!("/auth/vk/start?next={}", next.get())
                            >
                                {move || i18n.t().auth.vk_button}
                            </a>
                        }
                    })
            }}
        </Suspense>
    }
}

/// Sends the user to sign in again when an action finds the session gone.
fn login_again_on_unauthenticated<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
) {
    Effect::new(move |_| {
        if let Some(Err(ApiError::Unauthenticated)) = value.get() {
            go_to("/login?next=/settings/profile");
        }
    });
}

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Login>::new();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to(&safe_next_path(query.read_untracked().get("next").as_deref()));
        }
    });
    let next = Signal::derive(move || safe_next_path(query.read().get("next").as_deref()));
    let vk_error = move || {
        let code = query.read().get("error")?;
        let i = domain::i18n::VK_ERROR_CODES.iter().position(|c| *c == code)?;
        Some(i18n.t().auth.vk_errors[i])
    };
    view! {
        <AuthCard title=|t| t.auth.login_title>
            <p class="form-error" role="alert" data-testid="vk-error">{vk_error}</p>
            <ActionForm action=action attr:class="form">
                <Field
                    name="email"
                    kind="email"
                    autocomplete="email"
                    label=Signal::derive(move || i18n.t().auth.email)
                    error=error_for(action.value(), Some("email"))
                />
                <Field
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    label=Signal::derive(move || i18n.t().auth.password)
                    error=error_for(action.value(), Some("password"))
                />
                <Submit
                    error=error_for(action.value(), None)
                    pending=Signal::derive(move || action.pending().get())
                    label=|t| t.auth.submit_login
                />
            </ActionForm>
            <VkButton next />
            <p class="auth-links">
                <a href="/forgot-password">{move || i18n.t().auth.forgot_link}</a>
                <a href="/register">{move || i18n.t().auth.to_register}</a>
            </p>
        </AuthCard>
    }
}

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Register>::new();
    // Where to go after signing in (an invite link, for example); only paths of this site.
    let query = use_query_map();
    let login = move || match query.read().get("next") {
        Some(next) => format!("/login?next={}", safe_next_path(Some(&next))),
        None => "/login".to_owned(),
    };
    let done = move || match action.value().get() {
        Some(Ok(o)) => Some(if !o.needs_verification {
            i18n.t().auth.registered_ready
        } else if o.mail_sent {
            i18n.t().auth.registered_check_mail
        } else {
            i18n.t().auth.registered_mail_failed
        }),
        _ => None,
    };
    view! {
        <AuthCard title=|t| t.auth.register_title>
            <Show
                when=move || done().is_none()
                fallback=move || {
                    view! {
                        <p class="notice" role="status" data-testid="register-done">{done}</p>
                        <a class="btn btn-primary" href=login data-testid="register-to-login">{move || i18n.t().auth.submit_login}</a>
                    }
                }
            >
                <ActionForm action=action attr:class="form">
                    <input type="hidden" name="lang" prop:value=move || i18n.lang().code() />
                    <Field
                        name="name"
                        kind="text"
                        autocomplete="name"
                        label=Signal::derive(move || i18n.t().auth.name)
                        error=error_for(action.value(), Some("name"))
                    />
                    <Field
                        name="email"
                        kind="email"
                        autocomplete="email"
                        label=Signal::derive(move || i18n.t().auth.email)
                        error=error_for(action.value(), Some("email"))
                    />
                    <Field
                        name="password"
                        kind="password"
                        autocomplete="new-password"
                        label=Signal::derive(move || i18n.t().auth.password)
                        hint=Signal::derive(move || i18n.t().auth.password_hint)
                        error=error_for(action.value(), Some("password"))
                    />
                    <Submit
                        error=error_for(action.value(), None)
                        pending=Signal::derive(move || action.pending().get())
                        label=|t| t.auth.submit_register
                    />
                </ActionForm>
                <p class="auth-links">
                    <a href="/login">{move || i18n.t().auth.to_login}</a>
                </p>
            </Show>
        </AuthCard>
    }
}

/// `/forgot-password`
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ForgotPassword>::new();
    view! {
        <AuthCard title=|t| t.auth.forgot_title>
            <Show
                when=move || !matches!(action.value().get(), Some(Ok(())))
                fallback=move || view! { <p class="notice" role="status">{move || i18n.t().auth.forgot_sent}</p> }
            >
                <p class="muted">{move || i18n.t().auth.forgot_text}</p>
                <ActionForm action=action attr:class="form">
                    <input type="hidden" name="lang" prop:value=move || i18n.lang().code() />
                    <Field
                        name="email"
                        kind="email"
                        autocomplete="email"
                        label=Signal::derive(move || i18n.t().auth.email)
                        error=error_for(action.value(), Some("email"))
                    />
                    <Submit
                        error=error_for(action.value(), None)
                        pending=Signal::derive(move || action.pending().get())
                        label=|t| t.auth.forgot_submit
                    />
                </ActionForm>
            </Show>
        </AuthCard>
    }
}

/// `/reset-password?token=…`
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ResetPassword>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <AuthCard title=|t| t.auth.reset_title>
            <Show
                when=move || !matches!(action.value().get(), Some(Ok(())))
                fallback=move || {
                    view! {
                        <p class="notice" role="status">{move || i18n.t().auth.reset_done}</p>
                        <a class="btn btn-primary" href="/login">{move || i18n.t().auth.submit_login}</a>
                    }
                }
            >
                <ActionForm action=action attr:class="form">
                    <input type="hidden" name="token" prop:value=token />
                    <Field
                        name="password"
                        kind="password"
                        autocomplete="new-password"
                        label=Signal::derive(move || i18n.t().auth.new_password)
                        hint=Signal::derive(move || i18n.t().auth.password_hint)
                        error=error_for(action.value(), Some("password"))
                    />
                    <Submit
                        error=error_for(action.value(), None)
                        pending=Signal::derive(move || action.pending().get())
                        label=|t| t.auth.reset_submit
                    />
                </ActionForm>
            </Show>
        </AuthCard>
    }
}

/// `/verify-email?token=…`: confirms from the browser once the page is live (link scanners that fetch the page
/// without running it do not use up the link).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<VerifyEmail>::new();
    let query = use_query_map();
    Effect::new(move |_| {
        let token = query.read_untracked().get("token").unwrap_or_default();
        action.dispatch(VerifyEmail { token });
    });
    view! {
        <AuthCard title=|t| t.auth.verify_title>
            <p class="notice" role="status" data-testid="verify-status">
                {move || match action.value().get() {
                    None => i18n.t().auth.verify_working.to_owned(),
                    Some(Ok(())) => i18n.t().auth.verify_done.to_owned(),
                    Some(Err(e)) => e.message(i18n.t()),
                }}
            </p>
            <a class="btn btn-primary" href="/dashboard">{move || i18n.t().dashboard.title}</a>
        </AuthCard>
    }
}

/// Renders `children` with the signed-in user, or sends the visitor to `/login?next=<this page>`.
#[component]
pub fn RequireUser<V: IntoView + 'static>(children: impl Fn(Me) -> V + Send + Sync + 'static) -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    let location = leptos_router::hooks::use_location();
    let children = std::sync::Arc::new(children);
    view! {
        <Suspense fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                let children = children.clone();
                me.get()
                    .map(move |r| match r {
                        Ok(Some(me)) => Some(children(me)),
                        _ => {
                            let target = format!("/login?next={}", location.pathname.get_untracked());
                            #[cfg(feature = "ssr")]
                            leptos_axum::redirect(&target);
                            go_to(&target);
                            None
                        }
                    })
            }}
        </Suspense>
    }
}

/// The signed-in user's box in the sidebar: who, profile, sign out.
#[component]
pub fn UserBox(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            go_to("/login");
        }
    });
    view! {
        <div class="user-box">
            <a href="/settings/profile" class="user-email" data-testid="user-email">{me.email.clone()}</a>
            <button class="btn btn-ghost" data-testid="logout" on:click=move |_| { logout.dispatch(Logout {}); }>
                {move || i18n.t().auth.logout}
            </button>
        </div>
    }
}

/// `/settings/profile`
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <RequireUser children=|me: Me| {
            view! {
                <crate::pages::section::AppLayout me=me.clone()>
                    <ProfileForms me />
                </crate::pages::section::AppLayout>
            }
        } />
    }
}

#[component]
fn ProfileForms(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let profile = ServerAction::<UpdateProfile>::new();
    let settings = ServerAction::<UpdateSettings>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let resend = ServerAction::<ResendVerification>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = everywhere.value().get() {
            go_to("/login");
        }
    });
    // A new interface language takes effect with a fresh render.
    Effect::new(move |_| {
        if let Some(Ok(())) = settings.value().get() {
            go_to("/settings/profile");
        }
    });
    login_again_on_unauthenticated(profile.value());
    login_again_on_unauthenticated(settings.value());
    login_again_on_unauthenticated(resend.value());
    let saved =
        move |ok: bool| ok.then(|| view! { <span class="notice" role="status">{move || i18n.t().auth.saved}</span> });
    let (lang, strategy, style) = (me.ui_language, me.llm_strategy, me.caption_style.clone());
    view! {
        <Title text=move || format!("{} · ClipMaker", i18n.t().auth.profile_title) />
        <h1>{move || i18n.t().auth.profile_title}</h1>
        <p class="muted">{move || i18n.t().auth.signed_in_as} " " <strong>{me.email.clone()}</strong></p>
        {(!me.email_verified)
            .then(|| {
                view! {
                    <div class="card warning" role="status">
                        <p>{move || i18n.t().auth.not_verified}</p>
                        <button class="btn" on:click=move |_| { resend.dispatch(ResendVerification {}); }>
                            {move || i18n.t().auth.resend}
                        </button>
                        {move || matches!(resend.value().get(), Some(Ok(()))).then(|| i18n.t().auth.resent)}
                    </div>
                }
            })}
        <div class="card">
            <ActionForm action=profile attr:class="form">
                <Field
                    name="name"
                    kind="text"
                    autocomplete="name"
                    label=Signal::derive(move || i18n.t().auth.name)
                    error=error_for(profile.value(), Some("name"))
                    value=Signal::derive({
                        let name = me.name.clone();
                        move || name.clone()
                    })
                />
                <button class="btn btn-primary" type="submit">{move || i18n.t().auth.save}</button>
                {move || saved(matches!(profile.value().get(), Some(Ok(()))))}
            </ActionForm>
        </div>
        <div class="card">
            <ActionForm action=settings attr:class="form">
                <label class="field">
                    <span>{move || i18n.t().auth.language}</span>
                    <select name="ui_language">
                        {Lang::ALL
                            .iter()
                            .map(|l| {
                                view! {
                                    <option value=l.code() selected=*l == lang>
                                        {if *l == Lang::Ru { "Русский" } else { "English" }}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.t().auth.strategy}</span>
                    <select name="llm_strategy">
                        {LlmStrategy::ALL
                            .iter()
                            .map(|s| {
                                let s = *s;
                                view! {
                                    <option value=s.as_str() selected=s == strategy>
                                        {move || if s == LlmStrategy::Ru { i18n.t().auth.strategy_ru } else { i18n.t().auth.strategy_global }}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.t().auth.caption_style}</span>
                    <select name="caption_style">
                        {CAPTION_STYLES
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                view! {
                                    <option value=*c selected=*c == style.as_str()>
                                        {move || i18n.t().auth.caption_names[i]}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="form-error" role="alert">{error_for(settings.value(), None)}</p>
                <button class="btn btn-primary" type="submit">{move || i18n.t().auth.save}</button>
                {move || saved(matches!(settings.value().get(), Some(Ok(()))))}
            </ActionForm>
        </div>
        <ClipPreferencesForm plan=me.plan count=me.clip_count length=me.clip_length />
        <div class="card">
            {if me.vk_linked {
                view! { <p class="notice" data-testid="vk-linked">{move || i18n.t().auth.vk_linked}</p> }.into_any()
            } else {
                view! { <a class="btn btn-vk" rel="external" data-testid="vk-link" href="/auth/vk/start?link=1">{move || i18n.t().auth.vk_link}</a> }.into_any()
            }}
        </div>
        <div class="card">
            <button class="btn" data-testid="logout-everywhere" on:click=move |_| { everywhere.dispatch(LogoutEverywhere {}); }>
                {move || i18n.t().auth.logout_everywhere}
            </button>
        </div>
    }
}

/// How many clips analysis picks and how long they are, for the user's next videos.
#[component]
fn ClipPreferencesForm(plan: domain::PlanId, count: Option<u32>, length: (u16, u16)) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<UpdateClipPreferences>::new();
    login_again_on_unauthenticated(action.value());
    let plan_max = domain::Plan::get(plan).max_clips_per_video.min(domain::account::CLIP_COUNT_MAX);
    // A long list helps no one: the counts offered stop at 20.
    let counts: Vec<u32> = (1..=plan_max.min(20)).collect();
    view! {
        <div class="card" data-testid="clip-preferences">
            <h2>{move || i18n.t().auth.clips_title}</h2>
            <p class="muted">{move || i18n.t().auth.clips_hint}</p>
            <ActionForm action attr:class="form">
                <label class="field">
                    <span>{move || i18n.t().auth.clip_count}</span>
                    <select name="clip_count">
                        <option value="auto" selected=count.is_none()>{move || i18n.t().auth.clip_count_auto}</option>
                        {counts
                            .into_iter()
                            .map(|n| view! { <option value=n.to_string() selected=count == Some(n)>{n}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.t().auth.clip_length}</span>
                    <select name="clip_length">
                        {domain::account::CLIP_LENGTHS
                            .iter()
                            .map(|&(a, b)| {
                                view! {
                                    <option value=format!("{a}-{b}") selected=(a, b) == length>
                                        {move || format!("{a}–{b} {}", i18n.t().auth.seconds)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="form-error" role="alert">{error_for(action.value(), None)}</p>
                <button class="btn btn-primary" type="submit">{move || i18n.t().auth.save}</button>
                {move || {
                    matches!(action.value().get(), Some(Ok(())))
                        .then(|| view! { <span class="notice" role="status">{move || i18n.t().auth.saved}</span> })
                }}
            </ActionForm>
        </div>
    }
}
