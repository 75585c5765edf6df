//! Security headers on every response, with a fresh CSP nonce per request for the inline hydration script.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use backend::{Config, config::AppEnv};

/// What the middleware needs to know, computed once from configuration.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    hsts: bool,
    dev_reload: bool,
    /// The S3 origin browsers send upload parts to and play media from, when not proxied through the app.
    storage_origin: Option<String>,
}

impl SecurityHeaders {
    /// HSTS is sent unless the public host is loopback (plain-HTTP development); the dev live-reload websocket is
    /// allowed outside production.
    pub fn from_config(config: &Config) -> SecurityHeaders {
        let storage_origin = (!config.storage.use_proxy)
            .then(|| url::Url::parse(&config.storage.public_endpoint).ok())
            .flatten()
            .map(|u| u.origin().ascii_serialization());
        SecurityHeaders {
            hsts: !config.http.is_loopback(),
            dev_reload: config.env != AppEnv::Production,
            storage_origin,
        }
    }

    /// The Content-Security-Policy for one response. `'wasm-unsafe-eval'` lets the browser compile our wasm module;
    /// inline scripts must carry the nonce.
    pub fn csp(&self, nonce: &str) -> String {
        let storage = self.storage_origin.as_deref().map(|o| format!(" {o}")).unwrap_or_default();
        let reload = if self.dev_reload { " ws://127.0.0.1:* ws://localhost:*" } else { "" };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:{storage}; media-src 'self' blob:{storage}; font-src 'self'; \
             connect-src 'self'{storage}{reload}; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// Generates a nonce, makes it available to the page renderer, and sets the security headers on the response.
pub async fn apply(State(cfg): State<SecurityHeaders>, mut request: Request, next: Next) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(app::CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &cfg.csp(&nonce));
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    if cfg.hsts {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}

/// CSRF protection: state-changing requests must come from our own pages.
#[derive(Clone, Debug)]
pub struct OriginCheck {
    origin: String,
    exempt: &'static [&'static str],
}

impl OriginCheck {
    /// Paths that receive cross-site POSTs by design (payment webhooks authenticate themselves instead).
    pub const EXEMPT: &'static [&'static str] = &["/api/billing/webhook"];

    /// Accepts requests whose Origin (or, failing that, Referer) is the origin of `PUBLIC_URL`.
    pub fn from_config(config: &Config) -> OriginCheck {
        OriginCheck { origin: config.http.public_url.origin().ascii_serialization(), exempt: Self::EXEMPT }
    }

    /// Whether a request with these headers may change state.
    pub fn allows(&self, method: &Method, path: &str, headers: &HeaderMap) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
            || self.exempt.contains(&path)
        {
            return true;
        }
        let origin_of = |name: HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url::Url::parse(v).ok())
                .map(|u| u.origin().ascii_serialization())
        };
        // An opaque origin ("null") is never ours; Referer is consulted only when Origin is absent.
        match headers.get(header::ORIGIN) {
            Some(_) => origin_of(header::ORIGIN).is_some_and(|o| o == self.origin),
            None => origin_of(header::REFERER).is_some_and(|o| o == self.origin),
        }
    }
}

/// Refuses cross-site state-changing requests with 403 and a message in the user's language.
pub async fn check_origin(State(check): State<OriginCheck>, request: Request, next: Next) -> Response {
    if check.allows(request.method(), request.uri().path(), request.headers()) {
        return next.run(request).await;
    }
    let lang = crate::limits::lang_of(request.headers());
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-"),
        "cross-origin state-changing request refused"
    );
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lang.dict().forbidden_origin)
        .into_response()
}
