//! Typed configuration read from the environment.
//!
//! Every variable is documented in `.env.example` and in the README's configuration table. A missing or malformed
//! variable stops start-up with a [`ConfigError`] that names it.

use std::{collections::BTreeMap, fmt, net::SocketAddr, str::FromStr, time::Duration};

use url::Url;

use crate::queue::QueueName;

mod llm;

pub use llm::{AnalyzerChoice, LlmApi, LlmConfig, LlmModel, LlmProvider, Rates, parse_model_spec, parse_rates};

/// Which kind of deployment this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// A developer's machine: pretty logs, S3 proxy on by default.
    Development,
    /// The test suite.
    Test,
    /// Production: JSON logs, presigned S3 URLs, HSTS when served over HTTPS.
    Production,
}

impl FromStr for AppEnv {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" => Ok(AppEnv::Development),
            "test" => Ok(AppEnv::Test),
            "production" => Ok(AppEnv::Production),
            other => Err(format!("must be one of development, test, production (got {other:?})")),
        }
    }
}

/// A configuration variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {var} {problem}")]
pub struct ConfigError {
    /// The environment variable's name.
    pub var: &'static str,
    /// What is wrong with it, including what a valid value looks like.
    pub problem: String,
}

/// Web server settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The URL users reach the app at; used for Origin checks, links in emails and cookie security.
    pub public_url: Url,
    /// The socket the server listens on.
    pub bind_addr: SocketAddr,
    /// Path of the Leptos site settings file (output name, site root, pkg dir).
    pub leptos_config: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`; nobody by default).
    pub trusted_proxies: crate::client_ip::TrustedProxies,
}

impl HttpConfig {
    /// Whether the app is served over HTTPS (then cookies are `Secure` and HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// Whether the public URL's host is this machine (plain-HTTP development: no HSTS, no `Secure` cookies).
    pub fn is_loopback(&self) -> bool {
        matches!(self.public_url.host_str().unwrap_or(""), "localhost" | "127.0.0.1" | "[::1]" | "::1")
    }
}

/// PostgreSQL settings.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// Connection URL.
    pub url: String,
    /// Maximum connections in the pool.
    pub pool_size: usize,
}

/// Redis settings.
#[derive(Clone)]
pub struct RedisConfig {
    /// Connection URL (`redis://host:port/db`).
    pub url: String,
    /// Prepended to every key this app writes, so several apps (or tests) can share one Redis.
    pub key_prefix: String,
}

/// S3-compatible object storage settings.
#[derive(Clone)]
pub struct StorageConfig {
    /// Endpoint URL of the S3 API.
    pub endpoint: String,
    /// Endpoint browsers reach for presigned URLs (`S3_PUBLIC_ENDPOINT`, default: `endpoint`). Differs when the app
    /// talks to S3 over an internal network name.
    pub public_endpoint: String,
    /// Region name used for request signing.
    pub region: String,
    /// Bucket that holds sources, clips and thumbnails.
    pub bucket: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (never logged).
    pub secret_access_key: String,
    /// Address buckets as `endpoint/bucket` rather than `bucket.endpoint`.
    pub force_path_style: bool,
    /// Stream media through the app instead of handing out presigned URLs.
    pub use_proxy: bool,
}

/// Outgoing mail settings.
#[derive(Clone)]
pub struct MailConfig {
    /// SMTP server URL, e.g. `smtp://127.0.0.1:1025` or `smtps://user:pass@smtp.example.com`.
    pub smtp_url: String,
    /// The From header of every message.
    pub from: String,
}

/// Sign-in settings.
#[derive(Clone)]
pub struct AuthConfig {
    /// Key that signs access tokens (HS256). At least 32 characters; never logged.
    pub secret: String,
    /// Mark new accounts verified without an email (the seed's development behaviour). Off unless set.
    pub auto_verify_email: bool,
    /// Sign-in, sign-up and reset attempts allowed per minute, per IP and per account (seed: 5).
    pub attempts_per_minute: u32,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secret", &"***")
            .field("auto_verify_email", &self.auto_verify_email)
            .finish()
    }
}

/// Platform connections (issue 22): the keys platform tokens are sealed under at rest. See `docs/publishing.md`.
#[derive(Clone, PartialEq, Eq)]
pub struct PlatformsConfig {
    /// The current key (`PLATFORM_TOKEN_KEY`, 32 bytes base64; derived from `AUTH_SECRET` when unset) and its id
    /// (`PLATFORM_TOKEN_KEY_ID`, 1), stored with every sealed token.
    pub current: (i32, [u8; 32]),
    /// The key before the last rotation (`PLATFORM_TOKEN_PREVIOUS_KEY`, id `PLATFORM_TOKEN_PREVIOUS_KEY_ID`): tokens
    /// sealed under it still open, and `server admin reseal-tokens` moves them to the current key.
    pub previous: Option<(i32, [u8; 32])>,
    /// The Telegram Bot API (`TELEGRAM_API_URL`, `https://api.telegram.org`; tests and the simulator point it at a
    /// fake).
    pub telegram_api_url: String,
    /// Rutube's API (`RUTUBE_API_URL`, `https://rutube.ru`).
    pub rutube_api_url: String,
    /// VK's API methods (`VK_API_URL`, `https://api.vk.com/method`).
    pub vk_api_url: String,
    /// How often a publish job asks a platform whether an uploaded video is processed (`PLATFORM_POLL_MS`, 5000).
    pub poll: Duration,
    /// How many times it asks before the attempt fails for the queue to retry later (`PLATFORM_POLL_TRIES`, 120).
    pub poll_tries: u32,
}

impl fmt::Debug for PlatformsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformsConfig")
            .field("current", &(self.current.0, "***"))
            .field("previous", &self.previous.map(|(id, _)| (id, "***")))
            .field("telegram_api_url", &self.telegram_api_url)
            .field("rutube_api_url", &self.rutube_api_url)
            .field("vk_api_url", &self.vk_api_url)
            .field("poll", &self.poll)
            .field("poll_tries", &self.poll_tries)
            .finish()
    }
}

/// The key hand-off (issue 19): the X25519 key pair browsers seal a job's keys to. See `docs/vault.md`.
#[derive(Clone, PartialEq, Eq)]
pub struct HandoffConfig {
    /// The current private key (`HANDOFF_KEY`, 32 bytes base64; derived from `AUTH_SECRET` when unset). Browsers
    /// seal to its public half.
    pub current: [u8; 32],
    /// The key before the last rotation (`HANDOFF_PREVIOUS_KEY`): blobs sealed to it still open until they expire.
    pub previous: Option<[u8; 32]>,
    /// How long a sealed blob is kept in Redis (`HANDOFF_TTL_HOURS`, 24): the longest a pipeline may take,
    /// queueing and retries included.
    pub ttl: Duration,
}

impl fmt::Debug for HandoffConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandoffConfig")
            .field("current", &"***")
            .field("previous", &self.previous.map(|_| "***"))
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// Request budgets (seed 000 §3 and the hardening review). Each is enforced through Redis, so every server process
/// shares it. See `docs/security.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Requests per minute to server functions and `/api` routes, per signed-in user or per client IP
    /// (`RATE_API_PER_MINUTE`, seed: 100).
    pub api_per_minute: u32,
    /// Sign-in attempts per hour on one account from all addresses together (`AUTH_ATTEMPTS_PER_ACCOUNT_PER_HOUR`,
    /// 100): far above the per-address limits, so a stranger cannot lock the owner out.
    pub auth_per_account_per_hour: u32,
    /// Password-reset requests and reset submissions per hour, per IP and per account
    /// (`RATE_PASSWORD_RESET_PER_HOUR`, 5).
    pub password_reset_per_hour: u32,
    /// Verification emails a user may ask for per hour (`RATE_RESEND_VERIFICATION_PER_HOUR`, 3).
    pub resend_verification_per_hour: u32,
    /// Clip re-renders (restyle) per user per hour (`RATE_RESTYLE_PER_HOUR`, 30).
    pub restyle_per_hour: u32,
    /// `/auth/vk/start` per client IP per minute (`RATE_VK_START_PER_MINUTE`, 10).
    pub vk_start_per_minute: u32,
    /// Upload part URLs and proxied part PUTs per user per hour (`RATE_UPLOAD_PARTS_PER_HOUR`, 3000: a 4 GiB file
    /// is 820 parts of 5 MiB, sent at most twice).
    pub upload_parts_per_hour: u32,
    /// Live-event streams one user may hold open at once (`LIVE_STREAMS_PER_USER`, 8).
    pub live_streams_per_user: u32,
    /// Sample-video demos per user per hour (`RATE_DEMO_PER_HOUR`, 3), besides a confirmed email.
    pub demo_per_hour: u32,
}

/// YooKassa's published notification networks (yookassa.ru/developers/using-api/webhooks).
pub const YOOKASSA_NETWORKS: &str =
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.156.11,77.75.156.35,77.75.154.128/25,2a02:5180::/32";

/// Payments (YooKassa, seed 000 §7–§8).
#[derive(Clone)]
pub struct BillingConfig {
    /// The shop id (`YOOKASSA_SHOP_ID`); without it checkout is hidden with a notice.
    pub shop_id: Option<String>,
    /// The shop's secret key (`YOOKASSA_SECRET_KEY`), never logged.
    pub secret_key: Option<Secret>,
    /// The API's base URL (`YOOKASSA_API_URL`, `https://api.yookassa.ru/v3`; tests and the simulator point it at the
    /// testkit fake).
    pub api_url: String,
    /// Where notifications are accepted from (`YOOKASSA_WEBHOOK_NETWORKS`, YooKassa's published list by default).
    pub webhook_networks: Vec<crate::client_ip::Cidr>,
    /// The price of one extra minute in kopecks (`EXTRA_MINUTE_PRICE_KOPECKS`, 1000: 10 ₽).
    pub minute_price_kopecks: i64,
    /// The receipt's VAT code, 1–12 (`RECEIPT_VAT_CODE`, 1: no VAT).
    pub vat_code: u8,
    /// The receipt's payment subject (`RECEIPT_PAYMENT_SUBJECT`, `service`).
    pub payment_subject: String,
    /// The receipt's payment mode (`RECEIPT_PAYMENT_MODE`, `full_payment`).
    pub payment_mode: String,
    /// When the billing cron runs (`BILLING_CRON`, seconds first; daily at 06:00 UTC by default).
    pub cron: String,
}

impl BillingConfig {
    /// Whether checkout works in this deployment.
    pub fn enabled(&self) -> bool {
        self.shop_id.is_some() && self.secret_key.is_some()
    }
}

impl fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingConfig")
            .field("shop_id", &self.shop_id)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<redacted>"))
            .field("api_url", &self.api_url)
            .field("webhook_networks", &self.webhook_networks)
            .field("minute_price_kopecks", &self.minute_price_kopecks)
            .field("cron", &self.cron)
            .finish_non_exhaustive()
    }
}

/// VK ID sign-in (OAuth 2.1 with PKCE).
#[derive(Debug, Clone)]
pub struct VkConfig {
    /// The VK ID app's client id; without it (and without `simulate`) the VK button is hidden.
    pub client_id: Option<String>,
    /// Base URL of VK ID (`https://id.vk.com`; tests point it at a fake server).
    pub base_url: String,
    /// Development simulation: sign in as a fixed demo VK user without contacting VK.
    pub simulate: bool,
}

impl VkConfig {
    /// Whether the VK button works in this deployment.
    pub fn enabled(&self) -> bool {
        self.client_id.is_some() || self.simulate
    }
}

/// Background jobs and the worker.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Attempts per job, the first included (seed: 3).
    pub max_attempts: u32,
    /// Delay before the first retry; each later retry doubles it (seed: 30 s, 60 s, 120 s).
    pub backoff_base: Duration,
    /// A running job whose worker has not heart-beaten for this long is taken over by another worker.
    pub visibility_timeout: Duration,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
    /// How long running jobs may take to finish after SIGTERM before they are handed back.
    pub shutdown_grace: Duration,
    /// Jobs run at once per queue in one worker process.
    pub concurrency: BTreeMap<QueueName, usize>,
    /// The queues this worker process serves (`WORKER_QUEUES`, e.g. `stt` for a speech-recognition machine); all
    /// when unset.
    pub queues: Option<std::collections::BTreeSet<QueueName>>,
    /// How often the reconciler compares the database with the queue.
    pub reconcile_interval: Duration,
    /// A video or clip in a non-terminal status with no live job for this long is enqueued again.
    pub reconcile_after: Duration,
    /// Where the worker serves `/metrics`; `None` turns it off.
    pub worker_metrics_addr: Option<SocketAddr>,
    /// When set, `/metrics` (server and worker) requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<MetricsToken>,
    /// Tests only: cut the demo's sample to this many seconds and generate it at real-time pace, so a test can watch
    /// or interrupt the generator (`DEMO_SAMPLE_SECONDS`; unset: the whole talk, as fast as FFmpeg can).
    pub demo_sample_seconds: Option<u32>,
    /// Largest file a URL import may download.
    pub url_import_max_bytes: u64,
    /// Tests only: loopback `host:port` pairs URL imports may reach (their fake servers). Refused in production.
    pub url_import_allow: Vec<SocketAddr>,
    /// The longest a URL import may take, from the first request to the last byte.
    pub url_import_timeout: Duration,
    /// The `yt-dlp` program that turns links to video platform pages into media URLs (`YTDLP_PATH`, default
    /// `yt-dlp` on PATH; `off` disables page links).
    pub ytdlp: Option<String>,
    /// When retention runs (`CLEANUP_CRON`, seconds first; default daily at 03:30 UTC).
    pub cleanup_cron: String,
    /// When the stats collector samples published posts' counters (`STATS_CRON`, seconds first; default every 6
    /// hours at minute 15).
    pub stats_cron: String,
}

impl JobsConfig {
    /// The SSRF-checked fetcher URL imports use.
    pub fn safe_fetch(&self) -> crate::fetch::SafeFetch {
        crate::fetch::SafeFetch::new().allowing(self.url_import_allow.iter().copied())
    }
}

/// An API key or token from configuration or a user's vault; its `Debug` output is redacted and it is never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Drop for Secret {
    /// A user's key opened from a hand-off lives in a `Secret` for one call; its bytes are wiped when it goes.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Which speech-to-text engine transcribes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SttEngine {
    /// OpenAI Whisper through CTranslate2, in the worker process (no key needed).
    Local,
    /// The OpenAI-compatible transcription APIs (Cloud.ru, OpenAI), in the order the user's strategy gives.
    Api,
}

/// One OpenAI-compatible transcription API.
#[derive(Debug, Clone)]
pub struct SttProvider {
    /// Short name for logs and `usage_records.provider` (`cloudru`, `openai`).
    pub name: &'static str,
    /// Base URL; requests go to `{base_url}/audio/transcriptions`.
    pub base_url: String,
    /// Model id.
    pub model: String,
    /// The server's key, if configured.
    pub key: Option<Secret>,
}

/// Speech-to-text settings.
#[derive(Debug, Clone)]
pub struct SttConfig {
    /// The engine (`STT_ENGINE`, default `local`).
    pub engine: SttEngine,
    /// Directory of the local CTranslate2 Whisper model (model.bin, config.json, tokenizer.json).
    pub model_dir: Option<std::path::PathBuf>,
    /// Directory of an English-only local model (`WHISPER_EN_MODEL_DIR`, e.g. `tiny.en`): when set beside a
    /// multilingual main model, recordings detected as English are transcribed with it (faster).
    pub english_model_dir: Option<std::path::PathBuf>,
    /// CTranslate2 compute type: `int8`, `float32`, `int8_float32` or `auto`.
    pub compute_type: String,
    /// Language for multilingual local models (`auto` detects it).
    pub language: String,
    /// Threads the local engine uses; it runs on blocking threads so the async runtime stays responsive.
    pub threads: usize,
    /// 30-second windows the local engine decodes at once (`STT_BATCH`, default 4): batching makes the decoder's
    /// matrix products wide enough to use the cores, at about 1 MB of spectrogram per window.
    pub batch: usize,
    /// Cloud.ru (the RU strategy's provider).
    pub cloudru: SttProvider,
    /// OpenAI (the Global strategy's provider).
    pub openai: SttProvider,
    /// Largest file sent to an API in one request; longer audio is split at silences.
    pub api_max_bytes: u64,
    /// Attempts per API request on 429 and 5xx.
    pub api_attempts: u32,
    /// Delay before the first API retry (doubles; a `Retry-After` header wins).
    pub api_backoff: Duration,
}

/// The bearer token that guards `/metrics`; its `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// The default jobs-at-once per queue: rendering uses every core, the rest stay small.
pub fn default_concurrency() -> BTreeMap<QueueName, usize> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    QueueName::ALL
        .into_iter()
        .map(|q| {
            let n = match q {
                QueueName::VideoRender => cores,
                QueueName::LlmAnalyze | QueueName::Publish => 4,
                QueueName::Download => 2,
                _ => 1,
            };
            (q, n)
        })
        .collect()
}

/// Parses `WORKER_CONCURRENCY` (`queue=n,queue=n`) over the defaults.
fn parse_concurrency(value: &str) -> Result<BTreeMap<QueueName, usize>, String> {
    let mut map = default_concurrency();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, n) = part.split_once('=').ok_or_else(|| format!("expected queue=number, got {part:?}"))?;
        let queue: QueueName = name.trim().parse()?;
        let n: usize = n.trim().parse().map_err(|_| format!("{:?} is not a number", n.trim()))?;
        if n == 0 {
            return Err(format!("{name} must run at least 1 job"));
        }
        map.insert(queue, n);
    }
    Ok(map)
}

/// How clips are rendered.
#[derive(Debug, Clone)]
pub struct RenderConfig {
    /// Fonts the captions and the watermark use (`RENDER_FONTS_DIR`; Debian's DejaVu, which has Cyrillic).
    pub fonts_dir: std::path::PathBuf,
    /// The watermark on Free-plan clips (`RENDER_WATERMARK`).
    pub watermark: String,
    /// x264 preset (`RENDER_PRESET`, default `veryfast`: chosen by `bench/render`, see docs/rendering.md).
    pub preset: String,
    /// x264 quality (`RENDER_CRF`, the seed's 23).
    pub crf: u8,
}

/// What `worker process` needs: the speech, analysis and rendering settings, without the services.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Speech-to-text.
    pub stt: SttConfig,
    /// The analyzer and the LLM router.
    pub llm: LlmConfig,
    /// Rendering.
    pub render: RenderConfig,
}

impl PipelineConfig {
    /// Reads the pipeline's settings from the process environment (no database, Redis or storage needed).
    pub fn from_env() -> Result<PipelineConfig, ConfigError> {
        let r = Reader { lookup: |k: &str| std::env::var(k).ok() };
        Ok(PipelineConfig { stt: r.stt()?, llm: r.llm()?, render: r.render()? })
    }
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Deployment kind.
    pub env: AppEnv,
    /// Web server.
    pub http: HttpConfig,
    /// PostgreSQL.
    pub database: DatabaseConfig,
    /// Redis.
    pub redis: RedisConfig,
    /// Object storage.
    pub storage: StorageConfig,
    /// Mail.
    pub mail: MailConfig,
    /// Sign-in.
    pub auth: AuthConfig,
    /// VK ID.
    pub vk: VkConfig,
    /// Payments.
    pub billing: BillingConfig,
    /// Background jobs.
    pub jobs: JobsConfig,
    /// Speech-to-text.
    pub stt: SttConfig,
    /// The LLM router (analysis).
    pub llm: LlmConfig,
    /// Rendering.
    pub render: RenderConfig,
    /// Request budgets.
    pub limits: LimitsConfig,
    /// The key hand-off.
    pub handoff: HandoffConfig,
    /// Platform connections.
    pub platforms: PlatformsConfig,
    /// How long a health check waits for each dependency.
    pub health_timeout: Duration,
}

// Secrets must never reach the logs, so these Debug impls print only what is safe.
fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<invalid url>".into(),
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url(&self.url))
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageConfig")
            .field("endpoint", &self.endpoint)
            .field("public_endpoint", &self.public_endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("force_path_style", &self.force_path_style)
            .field("use_proxy", &self.use_proxy)
            .finish()
    }
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig").field("smtp_url", &redact_url(&self.smtp_url)).field("from", &self.from).finish()
    }
}

/// Reads variables through a lookup function, so tests need not touch the process environment.
struct Reader<F: Fn(&str) -> Option<String>> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn raw(&self, var: &'static str) -> Option<String> {
        (self.lookup)(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn required(&self, var: &'static str, hint: &str) -> Result<String, ConfigError> {
        self.raw(var).ok_or_else(|| ConfigError { var, problem: format!("is missing ({hint})") })
    }

    fn or(&self, var: &'static str, default: &str) -> String {
        self.raw(var).unwrap_or_else(|| default.to_owned())
    }

    fn parse<T: FromStr>(&self, var: &'static str, default: T, hint: &str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.raw(var) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| ConfigError { var, problem: format!("is malformed: {e} ({hint})") }),
        }
    }

    fn url(&self, var: &'static str, value: String, schemes: &[&str]) -> Result<String, ConfigError> {
        let parsed =
            Url::parse(&value).map_err(|e| ConfigError { var, problem: format!("is not a valid URL: {e}") })?;
        if !schemes.contains(&parsed.scheme()) {
            return Err(ConfigError {
                var,
                problem: format!("must use one of the schemes {} (got {:?})", schemes.join(", "), parsed.scheme()),
            });
        }
        Ok(value)
    }

    fn bool(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(var).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
            Some(v) => Err(ConfigError { var, problem: format!("is malformed: expected true or false, got {v:?}") }),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// A cron schedule (seconds first), checked.
    fn cron(&self, var: &'static str, default: &str) -> Result<String, ConfigError> {
        let c = self.or(var, default);
        <cron::Schedule as FromStr>::from_str(&c).map_err(|e| ConfigError {
            var,
            problem: format!("is not a cron schedule (sec min hour day month weekday): {e}"),
        })?;
        Ok(c)
    }

    fn millis(&self, var: &'static str, default: u64) -> Result<Duration, ConfigError> {
        let ms: u64 = self.parse(var, default, "milliseconds")?;
        if ms == 0 {
            return Err(ConfigError { var, problem: "must be more than 0".into() });
        }
        Ok(Duration::from_millis(ms))
    }

    fn provider(
        &self,
        name: &'static str,
        prefix: &'static str,
        base: &str,
        model: &str,
    ) -> Result<SttProvider, ConfigError> {
        let (base_var, model_var, key_var): (&'static str, &'static str, &'static str) = match prefix {
            "CLOUDRU" => ("CLOUDRU_BASE_URL", "CLOUDRU_STT_MODEL", "CLOUDRU_API_KEY"),
            _ => ("OPENAI_BASE_URL", "OPENAI_STT_MODEL", "OPENAI_API_KEY"),
        };
        let base_url = self.url(base_var, self.or(base_var, base), &["http", "https"])?;
        Ok(SttProvider {
            name,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: self.or(model_var, model),
            key: self.raw(key_var).filter(|k| !k.trim().is_empty()).map(Secret),
        })
    }

    fn stt(&self) -> Result<SttConfig, ConfigError> {
        let engine = match self.or("STT_ENGINE", "local").as_str() {
            "local" => SttEngine::Local,
            "api" => SttEngine::Api,
            other => {
                return Err(ConfigError {
                    var: "STT_ENGINE",
                    problem: format!("must be local or api (got {other:?})"),
                });
            }
        };
        let compute_type = self.or("WHISPER_COMPUTE_TYPE", "int8");
        if !["int8", "float32", "int8_float32", "auto"].contains(&compute_type.as_str()) {
            return Err(ConfigError {
                var: "WHISPER_COMPUTE_TYPE",
                problem: "must be int8, float32, int8_float32 or auto".into(),
            });
        }
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let threads: usize = self.parse("STT_THREADS", cores, "a positive number")?;
        let api_attempts: u32 = self.parse("STT_API_ATTEMPTS", 4, "a positive number")?;
        let batch: usize = self.parse("STT_BATCH", 4, "a positive number")?;
        if batch == 0 || batch > 32 {
            return Err(ConfigError { var: "STT_BATCH", problem: "must be between 1 and 32".into() });
        }
        if threads == 0 || api_attempts == 0 {
            return Err(ConfigError { var: "STT_THREADS", problem: "must be at least 1".into() });
        }
        Ok(SttConfig {
            engine,
            model_dir: self.raw("WHISPER_MODEL_DIR").filter(|d| !d.trim().is_empty()).map(Into::into),
            english_model_dir: self.raw("WHISPER_EN_MODEL_DIR").filter(|d| !d.trim().is_empty()).map(Into::into),
            compute_type,
            language: self.or("WHISPER_LANGUAGE", "auto"),
            threads,
            batch,
            cloudru: self.provider(
                "cloudru",
                "CLOUDRU",
                "https://foundation-models.api.cloud.ru/v1",
                "openai/whisper-large-v3",
            )?,
            openai: self.provider("openai", "OPENAI", "https://api.openai.com/v1", "whisper-1")?,
            api_max_bytes: self.parse("STT_API_MAX_BYTES", 20 * 1024 * 1024, "bytes")?,
            api_attempts,
            api_backoff: self.millis("STT_API_BACKOFF_MS", 1000)?,
        })
    }

    fn render(&self) -> Result<RenderConfig, ConfigError> {
        let crf: u8 = self.parse("RENDER_CRF", 23, "0 to 51")?;
        if crf > 51 {
            return Err(ConfigError { var: "RENDER_CRF", problem: "must be between 0 and 51".into() });
        }
        let preset = self.or("RENDER_PRESET", "veryfast");
        const PRESETS: [&str; 9] =
            ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];
        if !PRESETS.contains(&preset.as_str()) {
            return Err(ConfigError {
                var: "RENDER_PRESET",
                problem: format!("must be one of {}", PRESETS.join(", ")),
            });
        }
        Ok(RenderConfig {
            fonts_dir: self.or("RENDER_FONTS_DIR", "/usr/share/fonts/truetype/dejavu").into(),
            watermark: self.or("RENDER_WATERMARK", "ClipMaker"),
            preset,
            crf,
        })
    }

    fn positive(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        let n: u32 = self.parse(var, default, "a positive number")?;
        if n == 0 {
            return Err(ConfigError { var, problem: "must be at least 1".into() });
        }
        Ok(n)
    }

    fn limits(&self) -> Result<LimitsConfig, ConfigError> {
        Ok(LimitsConfig {
            api_per_minute: self.positive("RATE_API_PER_MINUTE", 100)?,
            auth_per_account_per_hour: self.positive("AUTH_ATTEMPTS_PER_ACCOUNT_PER_HOUR", 100)?,
            password_reset_per_hour: self.positive("RATE_PASSWORD_RESET_PER_HOUR", 5)?,
            resend_verification_per_hour: self.positive("RATE_RESEND_VERIFICATION_PER_HOUR", 3)?,
            restyle_per_hour: self.positive("RATE_RESTYLE_PER_HOUR", 30)?,
            vk_start_per_minute: self.positive("RATE_VK_START_PER_MINUTE", 10)?,
            upload_parts_per_hour: self.positive("RATE_UPLOAD_PARTS_PER_HOUR", 3000)?,
            live_streams_per_user: self.positive("LIVE_STREAMS_PER_USER", 8)?,
            demo_per_hour: self.positive("RATE_DEMO_PER_HOUR", 3)?,
        })
    }

    fn jobs(&self) -> Result<JobsConfig, ConfigError> {
        let max_attempts: u32 = self.parse("JOB_MAX_ATTEMPTS", 3, "a positive number")?;
        if max_attempts == 0 {
            return Err(ConfigError { var: "JOB_MAX_ATTEMPTS", problem: "must be at least 1".into() });
        }
        let concurrency = match self.raw("WORKER_CONCURRENCY") {
            None => default_concurrency(),
            Some(v) => parse_concurrency(&v).map_err(|e| ConfigError {
                var: "WORKER_CONCURRENCY",
                problem: format!("is malformed: {e} (e.g. download=2,video-render=4)"),
            })?,
        };
        let queues = match self.raw("WORKER_QUEUES").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => Some(
                v.split(',')
                    .map(|q| q.trim().parse::<QueueName>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| ConfigError { var: "WORKER_QUEUES", problem: format!("is malformed: {e}") })?,
            ),
        };
        let worker_metrics_addr = match self.raw("WORKER_METRICS_ADDR").as_deref() {
            Some("off") => None,
            _ => Some(self.parse(
                "WORKER_METRICS_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 9464)),
                "host:port, or off",
            )?),
        };
        let demo_sample_seconds = match self.raw("DEMO_SAMPLE_SECONDS").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(_) => {
                let seconds: u32 = self.parse("DEMO_SAMPLE_SECONDS", 8, "seconds, 1 to 600")?;
                if !(1..=600).contains(&seconds) {
                    return Err(ConfigError {
                        var: "DEMO_SAMPLE_SECONDS",
                        problem: "must be between 1 and 600".into(),
                    });
                }
                Some(seconds)
            }
        };
        let mut url_import_allow = Vec::new();
        for part in self.raw("URL_IMPORT_ALLOW").unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty())
        {
            url_import_allow.push(part.parse().map_err(|_| ConfigError {
                var: "URL_IMPORT_ALLOW",
                problem: format!("is malformed: {part:?} is not host:port"),
            })?);
        }
        Ok(JobsConfig {
            url_import_max_bytes: self.parse("URL_IMPORT_MAX_BYTES", domain::upload::MAX_UPLOAD_BYTES, "bytes")?,
            url_import_allow,
            url_import_timeout: self.millis("URL_IMPORT_TIMEOUT_MS", 30 * 60 * 1000)?,
            ytdlp: match self.or("YTDLP_PATH", "yt-dlp").trim() {
                "" | "off" => None,
                path => Some(path.to_owned()),
            },
            max_attempts,
            backoff_base: self.millis("JOB_BACKOFF_MS", 30_000)?,
            visibility_timeout: self.millis("JOB_VISIBILITY_TIMEOUT_MS", 30_000)?,
            idempotency_ttl: self.millis("JOB_IDEMPOTENCY_TTL_MS", 24 * 3600 * 1000)?,
            shutdown_grace: self.millis("WORKER_SHUTDOWN_GRACE_MS", 25_000)?,
            concurrency,
            queues,
            reconcile_interval: self.millis("RECONCILE_INTERVAL_MS", 60_000)?,
            reconcile_after: self.millis("RECONCILE_AFTER_MS", 120_000)?,
            worker_metrics_addr,
            metrics_token: self.raw("METRICS_TOKEN").map(MetricsToken),
            demo_sample_seconds,
            cleanup_cron: self.cron("CLEANUP_CRON", "0 30 3 * * *")?,
            stats_cron: self.cron("STATS_CRON", "0 15 */6 * * *")?,
        })
    }
}

/// The placeholder `AUTH_SECRET` of `docker-compose.yml` and `.env.example`: refused in production.
pub const PLACEHOLDER_AUTH_SECRETS: &[&str] = &["change-me-to-a-random-string-of-32-or-more-characters"];

/// What production refuses to start with: the placeholder secret, test-only escape hatches, and metrics open to the
/// network (a token, or a loopback bind for both the server and the worker's metrics, is required).
impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn billing(&self) -> Result<BillingConfig, ConfigError> {
        let webhook_networks = self
            .or("YOOKASSA_WEBHOOK_NETWORKS", YOOKASSA_NETWORKS)
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError { var: "YOOKASSA_WEBHOOK_NETWORKS", problem: format!("is malformed: {e}") })?;
        let vat_code: u8 = self.parse("RECEIPT_VAT_CODE", 1, "a VAT code from 1 to 12")?;
        if !(1..=12).contains(&vat_code) {
            return Err(ConfigError { var: "RECEIPT_VAT_CODE", problem: "must be from 1 to 12".into() });
        }
        let minute_price_kopecks: i64 = self.parse("EXTRA_MINUTE_PRICE_KOPECKS", 1000, "kopecks, e.g. 1000")?;
        if minute_price_kopecks <= 0 {
            return Err(ConfigError { var: "EXTRA_MINUTE_PRICE_KOPECKS", problem: "must be positive".into() });
        }
        let cron = self.or("BILLING_CRON", "0 0 6 * * *");
        cron::Schedule::from_str(&cron)
            .map_err(|e| ConfigError { var: "BILLING_CRON", problem: format!("is not a cron schedule: {e}") })?;
        Ok(BillingConfig {
            shop_id: self.raw("YOOKASSA_SHOP_ID").filter(|s| !s.trim().is_empty()),
            secret_key: self.raw("YOOKASSA_SECRET_KEY").filter(|s| !s.trim().is_empty()).map(Secret),
            api_url: self.url(
                "YOOKASSA_API_URL",
                self.or("YOOKASSA_API_URL", "https://api.yookassa.ru/v3"),
                &["http", "https"],
            )?,
            webhook_networks,
            minute_price_kopecks,
            vat_code,
            payment_subject: self.or("RECEIPT_PAYMENT_SUBJECT", "service"),
            payment_mode: self.or("RECEIPT_PAYMENT_MODE", "full_payment"),
            cron,
        })
    }

    fn key32(&self, var: &'static str) -> Result<Option<[u8; 32]>, ConfigError> {
        use base64::Engine as _;
        let Some(v) = self.raw(var).filter(|v| !v.trim().is_empty()) else { return Ok(None) };
        let v = v.trim();
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v))
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Some)
            .ok_or_else(|| ConfigError {
                var,
                problem: "must be 32 bytes in base64, e.g. `head -c 32 /dev/urandom | base64`".into(),
            })
    }

    fn platforms(&self, auth_secret: &str) -> Result<PlatformsConfig, ConfigError> {
        use sha2::Digest as _;
        let current = match self.key32("PLATFORM_TOKEN_KEY")? {
            Some(k) => k,
            None => {
                sha2::Sha256::digest([b"clipmaker-platform-token-key-v1|".as_slice(), auth_secret.as_bytes()].concat())
                    .into()
            }
        };
        let current_id: i32 = self.parse("PLATFORM_TOKEN_KEY_ID", 1, "a key id")?;
        let previous = match self.key32("PLATFORM_TOKEN_PREVIOUS_KEY")? {
            None => None,
            Some(key) => {
                let id: i32 = self.parse("PLATFORM_TOKEN_PREVIOUS_KEY_ID", current_id - 1, "a key id")?;
                if id == current_id {
                    return Err(ConfigError {
                        var: "PLATFORM_TOKEN_PREVIOUS_KEY_ID",
                        problem: "must differ from PLATFORM_TOKEN_KEY_ID".into(),
                    });
                }
                Some((id, key))
            }
        };
        Ok(PlatformsConfig {
            current: (current_id, current),
            previous,
            telegram_api_url: self.url(
                "TELEGRAM_API_URL",
                self.or("TELEGRAM_API_URL", "https://api.telegram.org"),
                &["http", "https"],
            )?,
            rutube_api_url: self.url(
                "RUTUBE_API_URL",
                self.or("RUTUBE_API_URL", "https://rutube.ru"),
                &["http", "https"],
            )?,
            vk_api_url: self.url(
                "VK_API_URL",
                self.or("VK_API_URL", "https://api.vk.com/method"),
                &["http", "https"],
            )?,
            poll: self.millis("PLATFORM_POLL_MS", 5000)?,
            poll_tries: self.parse("PLATFORM_POLL_TRIES", 120, "a count")?,
        })
    }

    fn handoff(&self, auth_secret: &str) -> Result<HandoffConfig, ConfigError> {
        use sha2::Digest as _;
        let current = match self.key32("HANDOFF_KEY")? {
            Some(k) => k,
            None => {
                sha2::Sha256::digest([b"clipmaker-handoff-key-v1|".as_slice(), auth_secret.as_bytes()].concat()).into()
            }
        };
        let hours: u64 = self.parse("HANDOFF_TTL_HOURS", 24, "hours")?;
        if hours == 0 {
            return Err(ConfigError { var: "HANDOFF_TTL_HOURS", problem: "must be at least 1".into() });
        }
        Ok(HandoffConfig {
            current,
            previous: self.key32("HANDOFF_PREVIOUS_KEY")?,
            ttl: Duration::from_secs(hours * 3600),
        })
    }
}

fn production_checks(auth: &AuthConfig, jobs: &JobsConfig, bind_addr: SocketAddr) -> Result<(), ConfigError> {
    if PLACEHOLDER_AUTH_SECRETS.contains(&auth.secret.as_str()) {
        return Err(ConfigError {
            var: "AUTH_SECRET",
            problem: "is the placeholder from docker-compose.yml/.env.example: set a random secret".into(),
        });
    }
    if !jobs.url_import_allow.is_empty() {
        return Err(ConfigError { var: "URL_IMPORT_ALLOW", problem: "must not be set in production".into() });
    }
    if jobs.metrics_token.is_none() {
        if !bind_addr.ip().is_loopback() {
            return Err(ConfigError {
                var: "METRICS_TOKEN",
                problem: "is required in production when BIND_ADDR is not loopback (/metrics would be public)".into(),
            });
        }
        if jobs.worker_metrics_addr.is_some_and(|a| !a.ip().is_loopback()) {
            return Err(ConfigError {
                var: "WORKER_METRICS_ADDR",
                problem: "must be a loopback address in production unless METRICS_TOKEN is set".into(),
            });
        }
    }
    Ok(())
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `lookup` (variable name → value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let r = Reader { lookup };
        let env: AppEnv = r.parse("APP_ENV", AppEnv::Development, "development, test or production")?;

        let public_url = r.url("PUBLIC_URL", r.or("PUBLIC_URL", "http://127.0.0.1:3000"), &["http", "https"])?;
        let public_url = Url::parse(&public_url).expect("validated above");
        let bind_addr =
            r.parse("BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)), "host:port, e.g. 127.0.0.1:3000")?;

        let database_url =
            r.required("DATABASE_URL", "PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/clipmaker")?;
        let database_url = r.url("DATABASE_URL", database_url, &["postgres", "postgresql"])?;
        let pool_size: usize = r.parse("DATABASE_POOL_SIZE", 10, "a positive number")?;
        if pool_size == 0 {
            return Err(ConfigError { var: "DATABASE_POOL_SIZE", problem: "must be at least 1".into() });
        }

        let redis_url = r.required("REDIS_URL", "e.g. redis://127.0.0.1:6379/0")?;
        let redis_url = r.url("REDIS_URL", redis_url, &["redis", "rediss"])?;

        let endpoint = r.required("S3_ENDPOINT", "URL of the S3 API, e.g. http://127.0.0.1:9000")?;
        let endpoint = r.url("S3_ENDPOINT", endpoint, &["http", "https"])?;
        let public_endpoint = r.url("S3_PUBLIC_ENDPOINT", r.or("S3_PUBLIC_ENDPOINT", &endpoint), &["http", "https"])?;

        let smtp_url = r.required("SMTP_URL", "e.g. smtp://127.0.0.1:1025")?;
        let smtp_url = r.url("SMTP_URL", smtp_url, &["smtp", "smtps"])?;

        let secret =
            r.required("AUTH_SECRET", "a random string of at least 32 characters, e.g. `openssl rand -hex 32`")?;
        if secret.chars().count() < 32 {
            return Err(ConfigError { var: "AUTH_SECRET", problem: "is too short: use at least 32 characters".into() });
        }
        let attempts_per_minute: u32 = r.parse("AUTH_ATTEMPTS_PER_MINUTE", 5, "a positive number")?;
        if attempts_per_minute == 0 {
            return Err(ConfigError { var: "AUTH_ATTEMPTS_PER_MINUTE", problem: "must be at least 1".into() });
        }
        let auth = AuthConfig { secret, auto_verify_email: r.bool("AUTO_VERIFY_EMAIL", false)?, attempts_per_minute };

        let vk_simulate = r.bool("VK_SIMULATE", false)?;
        if vk_simulate && env == AppEnv::Production {
            return Err(ConfigError { var: "VK_SIMULATE", problem: "must not be on in production".into() });
        }
        let vk = VkConfig {
            client_id: r.raw("VK_CLIENT_ID"),
            base_url: r.url("VK_ID_BASE_URL", r.or("VK_ID_BASE_URL", "https://id.vk.com"), &["http", "https"])?,
            simulate: vk_simulate,
        };

        let handoff = r.handoff(&auth.secret)?;
        let platforms = r.platforms(&auth.secret)?;
        let health_ms: u64 = r.parse("HEALTH_TIMEOUT_MS", 2000, "milliseconds")?;
        let jobs = r.jobs()?;
        let trusted_proxies = crate::client_ip::TrustedProxies::parse(&r.or("TRUSTED_PROXIES", ""))
            .map_err(|e| ConfigError { var: "TRUSTED_PROXIES", problem: format!("is malformed: {e}") })?;
        if env == AppEnv::Production {
            production_checks(&auth, &jobs, bind_addr)?;
        }

        Ok(Config {
            env,
            http: HttpConfig {
                public_url,
                bind_addr,
                leptos_config: r.or("LEPTOS_CONFIG", "Leptos.toml"),
                trusted_proxies,
            },
            database: DatabaseConfig { url: database_url, pool_size },
            redis: RedisConfig { url: redis_url, key_prefix: r.or("REDIS_KEY_PREFIX", "clipmaker:") },
            storage: StorageConfig {
                endpoint,
                public_endpoint,
                region: r.or("S3_REGION", "us-east-1"),
                bucket: r.required("S3_BUCKET", "the bucket name, e.g. clipmaker")?,
                access_key_id: r.required("S3_ACCESS_KEY_ID", "the S3 access key id")?,
                secret_access_key: r.required("S3_SECRET_ACCESS_KEY", "the S3 secret key")?,
                force_path_style: r.bool("S3_FORCE_PATH_STYLE", true)?,
                use_proxy: r.bool("USE_S3_PROXY", env != AppEnv::Production)?,
            },
            mail: MailConfig { smtp_url, from: r.or("MAIL_FROM", "ClipMaker <no-reply@clipmaker.local>") },
            auth,
            vk,
            billing: r.billing()?,
            jobs,
            stt: r.stt()?,
            llm: r.llm()?,
            render: r.render()?,
            limits: r.limits()?,
            handoff,
            platforms,
            health_timeout: Duration::from_millis(health_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("DATABASE_URL", "postgres://postgres:hunter2@127.0.0.1:5432/clipmaker"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
            ("S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3_BUCKET", "clipmaker"),
            ("S3_ACCESS_KEY_ID", "key"),
            ("S3_SECRET_ACCESS_KEY", "very-secret"),
            ("SMTP_URL", "smtp://127.0.0.1:1025"),
            ("AUTH_SECRET", "0123456789abcdef0123456789abcdef-secret"),
        ])
    }

    fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| vars.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn job_settings_default_to_the_seed_and_are_validated() {
        let c = load(&base()).unwrap();
        assert_eq!(c.jobs.max_attempts, 3);
        assert_eq!(c.jobs.backoff_base, Duration::from_secs(30));
        assert_eq!(c.jobs.concurrency[&QueueName::Download], 2);
        assert!(c.jobs.concurrency[&QueueName::VideoRender] >= 1);
        assert_eq!(c.jobs.worker_metrics_addr, Some(SocketAddr::from(([127, 0, 0, 1], 9464))));

        let mut vars = base();
        vars.insert("WORKER_CONCURRENCY", "video-render=3, stt=2");
        vars.insert("WORKER_METRICS_ADDR", "off");
        vars.insert("METRICS_TOKEN", "scrape-secret");
        let c = load(&vars).unwrap();
        assert_eq!((c.jobs.concurrency[&QueueName::VideoRender], c.jobs.concurrency[&QueueName::Stt]), (3, 2));
        assert_eq!(c.jobs.concurrency[&QueueName::Download], 2, "unnamed queues keep their defaults");
        assert_eq!(c.jobs.worker_metrics_addr, None);
        assert!(!format!("{c:?}").contains("scrape-secret"), "the metrics token is redacted");

        for (var, value) in [
            ("WORKER_CONCURRENCY", "renders=2"),
            ("WORKER_CONCURRENCY", "stt=0"),
            ("WORKER_CONCURRENCY", "stt"),
            ("JOB_MAX_ATTEMPTS", "0"),
            ("JOB_BACKOFF_MS", "soon"),
            ("DEMO_SAMPLE_SECONDS", "0"),
        ] {
            let mut vars = base();
            vars.insert(var, value);
            assert_eq!(load(&vars).unwrap_err().var, var, "{var}={value}");
        }
    }

    #[test]
    fn minimal_environment_gives_development_defaults() {
        let c = load(&base()).unwrap();
        assert_eq!(c.env, AppEnv::Development);
        assert_eq!(c.http.bind_addr.to_string(), "127.0.0.1:3000");
        assert!(c.storage.use_proxy);
        assert!(!c.http.is_https());
        assert!(c.http.is_loopback());
        assert_eq!(c.redis.key_prefix, "clipmaker:");
    }

    #[test]
    fn each_required_variable_is_named_when_missing() {
        for var in [
            "DATABASE_URL",
            "REDIS_URL",
            "S3_ENDPOINT",
            "S3_BUCKET",
            "S3_ACCESS_KEY_ID",
            "S3_SECRET_ACCESS_KEY",
            "SMTP_URL",
        ] {
            let mut vars = base();
            vars.remove(var);
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(var) && err.to_string().contains("missing"), "{err}");
        }
    }

    #[test]
    fn malformed_values_are_named() {
        let cases = [
            ("APP_ENV", "staging"),
            ("BIND_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_POOL_SIZE", "many"),
            ("DATABASE_POOL_SIZE", "0"),
            ("REDIS_URL", "not a url"),
            ("S3_FORCE_PATH_STYLE", "maybe"),
            ("PUBLIC_URL", "ftp://example.com"),
            ("AUTH_SECRET", "short"),
            ("AUTO_VERIFY_EMAIL", "perhaps"),
        ];
        for (var, value) in cases {
            let mut vars = base();
            vars.insert(var, value);
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var, var, "{var}={value} gave {err}");
        }
    }

    #[test]
    fn limits_default_to_the_seed_and_production_refuses_unsafe_settings() {
        let c = load(&base()).unwrap();
        assert_eq!(c.limits.api_per_minute, 100);
        assert!(c.limits.auth_per_account_per_hour > 10 * c.auth.attempts_per_minute);
        assert_eq!(c.http.trusted_proxies, crate::client_ip::TrustedProxies::default());
        for (var, value) in
            [("RATE_API_PER_MINUTE", "0"), ("TRUSTED_PROXIES", "10.0.0.0/99"), ("LIVE_STREAMS_PER_USER", "x")]
        {
            let mut vars = base();
            vars.insert(var, value);
            assert_eq!(load(&vars).unwrap_err().var, var, "{var}={value}");
        }

        let production = |extra: &[(&'static str, &'static str)]| {
            let mut vars = base();
            vars.insert("APP_ENV", "production");
            vars.insert("PUBLIC_URL", "https://clipmaker.example");
            vars.extend(extra.iter().copied());
            load(&vars)
        };
        assert!(production(&[]).is_ok(), "loopback binds need no metrics token");
        let placeholder = PLACEHOLDER_AUTH_SECRETS[0];
        assert_eq!(production(&[("AUTH_SECRET", placeholder)]).unwrap_err().var, "AUTH_SECRET");
        assert_eq!(production(&[("BIND_ADDR", "0.0.0.0:3000")]).unwrap_err().var, "METRICS_TOKEN");
        assert_eq!(production(&[("WORKER_METRICS_ADDR", "0.0.0.0:9464")]).unwrap_err().var, "WORKER_METRICS_ADDR");
        assert!(production(&[("BIND_ADDR", "0.0.0.0:3000"), ("METRICS_TOKEN", "scrape-secret")]).is_ok());
        assert_eq!(production(&[("URL_IMPORT_ALLOW", "127.0.0.1:9")]).unwrap_err().var, "URL_IMPORT_ALLOW");
        // Outside production the placeholder is tolerated (docker compose up on a laptop).
        let mut vars = base();
        vars.insert("AUTH_SECRET", placeholder);
        assert!(load(&vars).is_ok());
    }

    #[test]
    fn production_turns_the_proxy_off_and_https_is_detected() {
        let mut vars = base();
        vars.insert("APP_ENV", "production");
        vars.insert("PUBLIC_URL", "https://clipmaker.example");
        let c = load(&vars).unwrap();
        assert!(!c.storage.use_proxy);
        assert!(c.http.is_https());
        assert!(!c.http.is_loopback());
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let c = load(&base()).unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(!printed.contains("abcdef-secret"), "{printed}");
    }

    #[test]
    fn llm_tiers_default_to_the_seed_and_can_be_overridden() {
        let c = load(&base()).unwrap();
        assert_eq!(c.llm.analyzer, AnalyzerChoice::Auto);
        assert_eq!(c.llm.ru[1].model, "t-tech/T-pro-it-2.1");
        assert_eq!(c.llm.ru[1].rates, Rates { input_per_million: 3_500, output_per_million: 3_500 });
        assert_eq!(c.llm.ru[0].rates.input_per_million, 1_000, "GigaChat3-10B: 10 RUB per million");
        assert_eq!(c.llm.ru[2].rates, Rates { input_per_million: 1_700, output_per_million: 7_000 });
        assert_eq!(c.llm.ru[3].rates.input_per_million, 5_500);
        assert_eq!((c.llm.global[1].provider, c.llm.global[2].provider), ("google", "anthropic"));
        assert!(c.llm.provider("cloudru").unwrap().key.is_none());
        assert!(c.llm.provider("local").unwrap().base_url.is_none(), "no local server unless configured");

        let mut vars = base();
        vars.insert("LLM_RU_TIER1", "local:qwen2.5:7b");
        vars.insert("LLM_LOCAL_BASE_URL", "http://127.0.0.1:11434/v1/");
        vars.insert("ANTHROPIC_API_KEY", "sk-ant-do-not-print");
        vars.insert("LLM_ANALYZER", "local");
        let c = load(&vars).unwrap();
        assert_eq!((c.llm.ru[1].provider, c.llm.ru[1].model.as_str()), ("local", "qwen2.5:7b"));
        assert_eq!(c.llm.ru[1].rates.output_per_million, 0, "a local model is free unless priced");
        let local = c.llm.provider("local").unwrap();
        assert_eq!(local.base_url.as_deref(), Some("http://127.0.0.1:11434/v1"));
        assert!(local.keyless);
        assert_eq!(c.llm.analyzer, AnalyzerChoice::Local);
        assert!(!format!("{c:?}").contains("do-not-print"));

        for (var, value) in [
            ("LLM_ANALYZER", "gpt"),
            ("LLM_GLOBAL_TIER2", "claude-haiku"),
            ("LLM_RU_TIER0_PRICE", "ten"),
            ("LLM_ATTEMPTS", "0"),
            ("GEMINI_BASE_URL", "ftp://example.com"),
        ] {
            let mut vars = base();
            vars.insert(var, value);
            assert_eq!(load(&vars).unwrap_err().var, var, "{var}={value}");
        }
    }
}
