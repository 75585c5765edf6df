//! A fake VK ID (`id.vk.com`) for tests: `/authorize` redirects back with a code, `/oauth2/auth` exchanges it only for
//! the right client, redirect URI and PKCE verifier (S256), `/oauth2/user_info` returns the user. Error replies use
//! VK ID's shape: `{"error": "...", "error_description": "..."}`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::FakeServer;

/// The client id the fake accepts.
pub const CLIENT_ID: &str = "51234567";

/// What the fake VK user looks like and how the fake misbehaves.
#[derive(Clone, Debug)]
pub struct VkBehaviour {
    /// VK user id.
    pub user_id: String,
    /// Email shared by the user, if any.
    pub email: Option<String>,
    /// Refuse every code exchange with `invalid_grant`.
    pub refuse_token: bool,
    /// Refuse `user_info` with `invalid_token`.
    pub refuse_user_info: bool,
}

impl Default for VkBehaviour {
    fn default() -> Self {
        VkBehaviour {
            user_id: format!("{}", 100_000 + rand_suffix()),
            email: None,
            refuse_token: false,
            refuse_user_info: false,
        }
    }
}

fn rand_suffix() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 % 1_000_000
}

#[derive(Default)]
struct Inner {
    behaviour: Option<VkBehaviour>,
    codes: HashMap<String, (String, String)>, // code -> (challenge, redirect_uri)
    tokens: HashMap<String, ()>,
}

type Shared = Arc<Mutex<Inner>>;

fn vk_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client_id");
    }
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "PKCE S256 and response_type=code are required");
    }
    let (Some(challenge), Some(redirect), Some(state)) =
        (q.get("code_challenge"), q.get("redirect_uri"), q.get("state"))
    else {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "missing parameter");
    };
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    s.lock().unwrap().codes.insert(code.clone(), (challenge.clone(), redirect.clone()));
    Redirect::to(&format!("{redirect}?code={code}&state={state}&device_id=device-1&type=code_v2&expires_in=600"))
        .into_response()
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let mut inner = s.lock().unwrap();
    if inner.behaviour.as_ref().is_some_and(|b| b.refuse_token) {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code is invalid or expired");
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("grant_type") != "authorization_code" || get("client_id") != CLIENT_ID || get("device_id").is_empty() {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "bad grant_type, client_id or device_id");
    }
    let Some((challenge, redirect)) = inner.codes.remove(&get("code")) else {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code is invalid or expired");
    };
    if URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes())) != challenge {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code_verifier does not match code_challenge");
    }
    if get("redirect_uri") != redirect {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri mismatch");
    }
    let access = format!("vk1.a.{}", uuid::Uuid::new_v4().simple());
    inner.tokens.insert(access.clone(), ());
    let user_id = inner.behaviour.as_ref().map(|b| b.user_id.clone()).unwrap_or_default();
    Json(json!({
        "access_token": access,
        "refresh_token": format!("vk1.r.{}", uuid::Uuid::new_v4().simple()),
        "id_token": "header.payload.signature",
        "token_type": "Bearer",
        "expires_in": 3600,
        "user_id": user_id.parse::<u64>().unwrap_or(0),
        "state": get("state"),
        "scope": "email",
    }))
    .into_response()
}

async fn user_info(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let inner = s.lock().unwrap();
    let b = inner.behaviour.clone().unwrap_or_default();
    let known = f.get("access_token").is_some_and(|t| inner.tokens.contains_key(t));
    if b.refuse_user_info || !known || f.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return vk_error(StatusCode::UNAUTHORIZED, "invalid_token", "access token is invalid or expired");
    }
    Json(json!({"user": {
        "user_id": b.user_id,
        "first_name": "Иван",
        "last_name": "Петров",
        "avatar": "https://sun.userapi.com/avatar.jpg",
        "email": b.email,
        "sex": 2,
        "verified": false,
        "birthday": "01.01.1990",
    }}))
    .into_response()
}

/// A running fake VK ID.
pub struct FakeVk {
    /// The HTTP server (its URL goes into `VK_ID_BASE_URL`; its request log is available).
    pub server: FakeServer,
    shared: Shared,
}

impl FakeVk {
    /// Starts the fake with `behaviour`.
    pub async fn start(behaviour: VkBehaviour) -> FakeVk {
        let shared: Shared = Arc::new(Mutex::new(Inner { behaviour: Some(behaviour), ..Default::default() }));
        let router = Router::new()
            .route("/authorize", get(authorize))
            .route("/oauth2/auth", post(token))
            .route("/oauth2/user_info", post(user_info))
            .with_state(shared.clone());
        FakeVk { server: FakeServer::start(router).await, shared }
    }

    /// Changes how the fake behaves from now on.
    pub fn set(&self, behaviour: VkBehaviour) {
        self.shared.lock().unwrap().behaviour = Some(behaviour);
    }
}
