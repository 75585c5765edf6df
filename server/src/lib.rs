//! The web server: Leptos SSR with hydration, the health endpoint, security headers and request tracing.
//! `router` builds the whole app so tests can serve it on port 0; `run` is what the binary does.

pub mod admin;
pub mod analytics;
pub mod billing;
pub mod events;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod security;
pub mod session;
pub mod transcripts;
pub mod uploads;
pub mod vk;

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::Context as _;
use axum::{Router, extract::FromRef, routing::get};
use backend::{AppState, Config, config::AppEnv};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{LeptosRoutes as _, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

/// Everything a handler can extract: the shared app state and the Leptos site options.
#[derive(Clone, FromRef)]
pub struct ServerState {
    /// Pools, clients and configuration.
    pub app: AppState,
    /// Where the site's assets are and what they are called.
    pub leptos_options: LeptosOptions,
    /// Live events fan-out.
    pub hub: Arc<events::EventHub>,
    /// Prometheus registry.
    pub metrics: Arc<backend::metrics::Metrics>,
}

/// Reads the Leptos site settings from the file named by `LEPTOS_CONFIG` (default `Leptos.toml`), with
/// `LEPTOS_*` environment overrides, then applies our own `BIND_ADDR` and `APP_ENV`.
pub fn leptos_options(config: &Config) -> anyhow::Result<LeptosOptions> {
    let path = &config.http.leptos_config;
    let mut options = if Path::new(path).exists() {
        leptos::config::get_configuration(Some(path))
            .with_context(|| format!("reading Leptos site settings from {path} (LEPTOS_CONFIG)"))?
            .leptos_options
    } else {
        LeptosOptions::builder().output_name(env!("LEPTOS_OUTPUT_NAME")).site_root("target/site").build()
    };
    options.site_addr = config.http.bind_addr;
    options.env = if config.env == AppEnv::Production { leptos::config::Env::PROD } else { leptos::config::Env::DEV };
    Ok(options)
}

/// Builds the application router with every layer.
pub fn router(app: AppState, leptos_options: LeptosOptions) -> Router {
    let routes = generate_route_list(app::App);
    let hub = events::EventHub::start(&app.config.redis).expect("the Redis URL was validated with the configuration");
    let metrics = Arc::new(backend::metrics::Metrics::new());
    let state = ServerState { app: app.clone(), leptos_options: leptos_options.clone(), hub, metrics };
    let security = security::SecurityHeaders::from_config(&app.config);
    let origin_check = security::OriginCheck::from_config(&app.config);

    // Pages, server functions and the site's files (wasm, JS, CSS) go out compressed, Brotli or gzip as the browser
    // accepts (the wasm module is a quarter of its size in Brotli). Media, downloads and live events are routed
    // outside this layer: compressing video wastes CPU and breaks ranges, and a compressed event stream would be held
    // back in the encoder's buffer.
    let site = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let app = app.clone();
                move || provide_context(app.clone())
            },
            {
                let options = leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(app::shell))
        .layer(CompressionLayer::new().br(true).gzip(true));
    let mut router = Router::new();
    for (path, handler) in http_routes() {
        router = router.route(path, handler);
    }
    router
        .merge(site)
        .layer(axum::middleware::from_fn_with_state(limits::RequestLimits::new(app.clone()), limits::limit))
        .layer(axum::middleware::from_fn_with_state(app.clone(), session::session))
        .layer(axum::middleware::from_fn_with_state(app.clone(), session::client_address))
        .layer(axum::middleware::from_fn_with_state(origin_check, security::check_origin))
        .layer(axum::middleware::from_fn_with_state(security, security::apply))
        // Outside the app's own middleware, so refusals (403, 429) are counted too; inside routing, so the matched
        // route is known.
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<_>| {
                    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// The app's own HTTP routes beside the pages and the server functions: path and handler. The router is built from
/// this list, and the authorization matrix test (`server/tests/authz.rs`) reads it, so a route added here without a
/// row there fails that test.
pub fn http_routes() -> Vec<(&'static str, axum::routing::MethodRouter<ServerState>)> {
    vec![
        ("/api/health", get(health::health)),
        ("/api/events", get(events::events)),
        ("/metrics", get(metrics::metrics)),
        ("/api/uploads/{video}/parts/{n}", axum::routing::put(uploads::put_part)),
        ("/api/videos/{video}/source", get(uploads::source)),
        ("/api/clips/{clip}/stream", get(uploads::clip_stream)),
        ("/api/clips/{clip}/thumbnail", get(uploads::clip_thumbnail)),
        ("/api/clips/{clip}/captions", get(uploads::clip_captions)),
        ("/api/videos/{video}/timeline/{file}", get(uploads::timeline_file)),
        ("/api/videos/{video}/{file}", get(transcripts::download)),
        ("/api/billing/webhook", axum::routing::post(billing::webhook)),
        ("/api/analytics/export.csv", get(analytics::export)),
        ("/auth/vk/start", get(vk::start)),
        ("/auth/vk/callback", get(vk::callback)),
        ("/settings/platforms/vk/start", get(vk::connect_start)),
        ("/settings/platforms/vk/callback", get(vk::connect_callback)),
    ]
}

/// The paths of every registered server function (`/api/...`), for the authorization matrix test.
pub fn server_function_paths() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    paths.sort();
    paths
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")
}

/// Runs pending migrations and creates the bucket if it is missing.
pub async fn prepare(config: &Config) -> anyhow::Result<()> {
    let applied = backend::db::migrate(&config.database.url).await?;
    tracing::info!(migrations = ?applied, "database is up to date");
    prepare_bucket(&backend::storage::Storage::new(&config.storage), config).await?;
    tracing::info!(bucket = %config.storage.bucket, "bucket is ready");
    Ok(())
}

/// Creates the bucket if needed and, when browsers talk to S3 directly (no `USE_S3_PROXY`), allows our origin by
/// bucket CORS. A server that refuses the CORS call is reported, not fatal: its operator sets CORS out of band.
async fn prepare_bucket(storage: &backend::storage::Storage, config: &Config) -> anyhow::Result<()> {
    storage.ensure_bucket().await?;
    if !storage.use_proxy() {
        let origin = config.http.public_url.origin().ascii_serialization();
        if let Err(e) = storage.allow_browser_origin(&origin).await {
            tracing::warn!(
                error = format!("{e:#}"),
                %origin,
                "could not set the bucket's CORS rules; browsers need PUT and GET allowed from this origin"
            );
        }
    }
    Ok(())
}

/// What the `server` binary does: migrate, make sure the bucket exists, and serve until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let applied = backend::db::migrate(&config.database.url).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    let options = leptos_options(&config)?;
    let state = AppState::new(config)?;
    if let Err(e) = prepare_bucket(&state.storage, &state.config).await {
        tracing::warn!(error = format!("{e:#}"), "object storage is not ready; /api/health will report it");
    }
    let addr = state.config.http.bind_addr;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr} (BIND_ADDR)"))?;
    tracing::info!(%addr, public_url = %state.config.http.public_url, "server listening");
    serve(listener, router(state, options), backend::process::shutdown_signal()).await?;
    tracing::info!("server stopped");
    Ok(())
}
