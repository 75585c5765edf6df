//! `/auth/vk/start` and `/auth/vk/callback`: plain redirects, so they live outside the server functions.

use axum::{
    extract::{Query, Request, State},
    http::{HeaderValue, header},
    response::{IntoResponse as _, Redirect, Response},
};
use backend::{
    AppState,
    accounts::web::{CurrentUser, session_cookies},
    vkid,
};
use serde::Deserialize;

/// Query of `/auth/vk/start`.
#[derive(Deserialize)]
pub struct StartQuery {
    /// Where to go after signing in (same-site paths only).
    next: Option<String>,
    /// `1` to link VK ID to the signed-in account instead of signing in.
    link: Option<String>,
}

fn to_login(error: &vkid::VkError) -> Response {
    if matches!(error, vkid::VkError::Internal(_) | vkid::VkError::Provider(_)) {
        tracing::error!(error = format!("{error:#}"), "VK ID sign-in failed");
    } else {
        tracing::info!(error = %error, "VK ID sign-in refused");
    }
    Redirect::to(&format!("/login?error={}", error.code())).into_response()
}

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if backend::accounts::web::secure_cookies(&state.config) { "; Secure" } else { "" };
    let name = vkid::state_cookie(&state.config);
    HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")).ok()
}

/// Redirects to VK ID's authorize page (or, in simulation, straight to the callback), binding the flow to this
/// browser with a 10-minute HttpOnly cookie. Limited per client address (`RATE_VK_START_PER_MINUTE`): each start
/// stores a pending flow in Redis.
pub async fn start(State(state): State<AppState>, Query(q): Query<StartQuery>, request: Request) -> Response {
    let client = crate::session::client_info(&request);
    let budget = backend::ratelimit::Limit::per_minute("vk-start", state.config.limits.vk_start_per_minute);
    if let Some(wait) = backend::ratelimit::over(&state.redis, &budget, &client.limit_key()).await {
        return crate::limits::too_many(crate::limits::lang_of(request.headers()), false, wait);
    }
    let user = request.extensions().get::<CurrentUser>().and_then(|c| c.0);
    let link_to = if q.link.as_deref() == Some("1") { user } else { None };
    match vkid::start(&state, link_to, &domain::account::safe_next_path(q.next.as_deref())).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.url).into_response();
            if let Some(cookie) = state_cookie(&state, &started.state, 600) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => to_login(&e),
    }
}

/// Query of `/auth/vk/callback`, as VK ID sends it.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    device_id: Option<String>,
    error: Option<String>,
}

/// Finishes the flow: checks that this browser started it, sets the session cookies and redirects on.
pub async fn callback(State(state): State<AppState>, Query(q): Query<CallbackQuery>, request: Request) -> Response {
    let client = crate::session::client_info(&request);
    let cookies = request.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bound = backend::accounts::web::read_cookie(cookies, vkid::state_cookie(&state.config));
    if bound.is_none() || bound != q.state.as_deref() {
        tracing::warn!("VK ID callback without the state cookie of the browser that started the flow");
        return to_login(&vkid::VkError::State);
    }
    let clear = state_cookie(&state, "", 0);
    let result = vkid::finish(
        &state,
        q.code.as_deref(),
        q.state.as_deref(),
        q.device_id.as_deref(),
        q.error.as_deref(),
        &client,
        chrono::Utc::now(),
    )
    .await;
    let mut response = match result {
        Ok(done) => {
            let mut response = Redirect::to(&done.next).into_response();
            if let Some(tokens) = done.tokens {
                for c in session_cookies(&state.config, &tokens) {
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        response.headers_mut().append(header::SET_COOKIE, v);
                    }
                }
            }
            response
        }
        Err(e) => to_login(&e),
    };
    if let Some(clear) = clear {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// Where a publishing connection flow ends: the platforms page, saying what happened.
fn to_platforms(outcome: Result<(), &str>) -> Response {
    match outcome {
        Ok(()) => Redirect::to("/settings/platforms?connected=vk").into_response(),
        Err(code) => Redirect::to(&format!("/settings/platforms?error={code}")).into_response(),
    }
}

/// `/settings/platforms/vk/start`: starts connecting VK for publishing as the signed-in user (their team's
/// connection when they manage its platforms), bound to this browser like sign-in.
pub async fn connect_start(State(state): State<AppState>, request: Request) -> Response {
    let Some(user) = request.extensions().get::<CurrentUser>().and_then(|c| c.0) else {
        return Redirect::to("/login?next=/settings/platforms").into_response();
    };
    let budget = backend::ratelimit::Limit::per_minute("vk-start", state.config.limits.vk_start_per_minute);
    if let Some(wait) = backend::ratelimit::over(&state.redis, &budget, &user.to_string()).await {
        return crate::limits::too_many(crate::limits::lang_of(request.headers()), false, wait);
    }
    match vkid::start_connect(&state, user).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.url).into_response();
            if let Some(cookie) = state_cookie(&state, &started.state, 600) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => {
            tracing::info!(error = %e, "VK connection refused at start");
            to_platforms(Err(domain::publish::vk_connect_error(e.code())))
        }
    }
}

/// `/settings/platforms/vk/callback`: checks that this browser and this user started the flow, exchanges the code,
/// and stores the connection (sealed tokens; the user's page as the target until a community is chosen).
pub async fn connect_callback(
    State(state): State<AppState>,
    Query(q): Query<CallbackQuery>,
    request: Request,
) -> Response {
    let Some(user) = request.extensions().get::<CurrentUser>().and_then(|c| c.0) else {
        return Redirect::to("/login?next=/settings/platforms").into_response();
    };
    let cookies = request.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bound = backend::accounts::web::read_cookie(cookies, vkid::state_cookie(&state.config));
    let mut response = if bound.is_none() || bound != q.state.as_deref() {
        tracing::warn!("VK connection callback without the state cookie of the browser that started it");
        to_platforms(Err("vk_state"))
    } else {
        match vkid::finish_connect(
            &state,
            q.code.as_deref(),
            q.state.as_deref(),
            q.device_id.as_deref(),
            q.error.as_deref(),
            user,
        )
        .await
        {
            Err(e) => {
                tracing::info!(error = %e, "VK connection not finished");
                to_platforms(Err(domain::publish::vk_connect_error(e.code())))
            }
            Ok(grant) => match backend::platforms::connect_vk(&state, user, grant).await {
                Ok(_) => to_platforms(Ok(())),
                Err(backend::platforms::ConnectError::Forbidden) => to_platforms(Err("vk_forbidden")),
                Err(e) => {
                    tracing::warn!(error = %e, "VK connection not stored");
                    to_platforms(Err("vk_failed"))
                }
            },
        }
    };
    if let Some(clear) = state_cookie(&state, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}
