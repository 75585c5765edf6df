//! The whole server on port 0, wired to a fresh database, Redis prefix and bucket.

use std::{collections::HashMap, net::SocketAddr, path::Path};

use backend::{AppState, Config};

use crate::{TestBucket, TestDb, TestRedis, services};

/// A running server for one test. Dropping it stops the server and removes the test's data.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Listening address.
    pub addr: SocketAddr,
    /// The state the server runs with.
    pub state: AppState,
    /// An HTTP client that does not follow redirects and keeps cookies.
    pub client: reqwest::Client,
    /// The test's database.
    pub db: TestDb,
    /// The test's bucket.
    pub bucket: TestBucket,
    /// The test's Redis prefix.
    pub redis: TestRedis,
    /// The environment the app was configured from: start a worker process with the same settings.
    pub env: HashMap<&'static str, String>,
    task: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// Starts the app with the default test configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app after `customize` has adjusted the environment variables it is configured from
    /// (for example pointing `REDIS_URL` at a closed port).
    pub async fn spawn_with(customize: impl FnOnce(&mut HashMap<&'static str, String>)) -> TestApp {
        crate::init_tracing();
        let (db, bucket, redis) = (TestDb::new().await, TestBucket::new().await, TestRedis::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding the test server");
        let addr = listener.local_addr().expect("test server address");
        let url = format!("http://{addr}");

        let mut vars: HashMap<&'static str, String> = HashMap::from([
            ("APP_ENV", "test".to_owned()),
            ("PUBLIC_URL", url.clone()),
            ("BIND_ADDR", addr.to_string()),
            ("LEPTOS_CONFIG", Path::new(env!("CARGO_MANIFEST_DIR")).join("../Leptos.toml").display().to_string()),
            ("DATABASE_URL", db.url().to_owned()),
            ("DATABASE_POOL_SIZE", "4".to_owned()),
            ("REDIS_URL", services::redis_url()),
            ("REDIS_KEY_PREFIX", redis.prefix().to_owned()),
            ("S3_ENDPOINT", services::s3_endpoint()),
            ("S3_BUCKET", bucket.name().to_owned()),
            ("S3_ACCESS_KEY_ID", services::s3_access_key()),
            ("S3_SECRET_ACCESS_KEY", services::s3_secret_key()),
            ("SMTP_URL", services::smtp_url()),
            ("AUTH_SECRET", "testkit-secret-0123456789abcdefghijklmnop".to_owned()),
            ("HEALTH_TIMEOUT_MS", "1500".to_owned()),
            ("WHISPER_MODEL_DIR", crate::speech::whisper_model_dir().display().to_string()),
            ("WHISPER_EN_MODEL_DIR", crate::speech::english_model_dir().display().to_string()),
        ]);
        customize(&mut vars);
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration is valid");
        let mut options = server::leptos_options(&config).expect("Leptos options");
        // Static assets built by cargo-leptos, when present, are served from the workspace's site root.
        options.site_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site").display().to_string().into();
        let state = AppState::new(config).expect("building app state");
        let router = server::router(state.clone(), options);
        let task = tokio::spawn(async move {
            let _ = server::serve(listener, router, std::future::pending()).await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("HTTP client");
        TestApp { url, addr, state, client, db, bucket, redis, env: vars, task }
    }

    /// `GET {url}{path}` as a browser navigation (`Accept: text/html`), without cookies.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.url)).header("accept", "text/html").send().await.expect("GET request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The password of users made by [`TestApp::signed_in`].
pub const TEST_PASSWORD: &str = "Тестовый пароль 12345";

impl TestApp {
    /// An HTTP client that keeps cookies and sends our Origin, as a browser on our pages would; its UI language
    /// cookie is `lang` (`ru` or `en`).
    pub fn browser_in(&self, lang: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.url.parse().expect("origin header"));
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(&format!("lang={lang}; Path=/"), &self.url.parse().expect("app URL"));
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar)
            .default_headers(headers)
            .build()
            .expect("HTTP client")
    }

    /// Calls the server function at `/api/{name}` as `client`, with `form` as its arguments, as the pages do.
    pub async fn call(&self, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(format!("{}/api/{name}", self.url)).form(form).send().await.expect("server function call")
    }

    /// [`Self::browser_in`] Russian, the default language.
    pub fn browser(&self) -> reqwest::Client {
        self.browser_in("ru")
    }

    /// Creates a confirmed user directly in the database.
    pub async fn create_user(&self, email: &str) -> uuid::Uuid {
        let reg = backend::accounts::register(
            &self.state,
            backend::accounts::Registration { email, password: TEST_PASSWORD, name: "Test", lang: domain::Lang::Ru },
            chrono::Utc::now(),
        )
        .await
        .expect("creating a test user");
        self.db
            .client()
            .await
            .execute("UPDATE users SET email_verified_at = now() WHERE id = $1", &[&reg.user_id])
            .await
            .expect("confirming the test user");
        reg.user_id
    }

    /// Signs in through the login server function; returns the browser-like client holding the session cookies.
    pub async fn sign_in(&self, email: &str, password: &str) -> (reqwest::Client, reqwest::Response) {
        self.sign_in_with(self.browser(), email, password).await
    }

    /// Signs in with `client` (see [`Self::browser_in`]).
    pub async fn sign_in_with(
        &self,
        client: reqwest::Client,
        email: &str,
        password: &str,
    ) -> (reqwest::Client, reqwest::Response) {
        let res = client
            .post(format!("{}/api/auth/login", self.url))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("login request");
        (client, res)
    }

    /// A new confirmed user, signed in: (client with cookies, email, user id).
    pub async fn signed_in(&self) -> (reqwest::Client, String, uuid::Uuid) {
        let email = crate::mailbox::unique_address("user");
        let id = self.create_user(&email).await;
        let (client, res) = self.sign_in(&email, TEST_PASSWORD).await;
        assert!(res.status().is_success(), "login failed: {}", res.status());
        (client, email, id)
    }
}

impl TestApp {
    /// A completed video made by `creator` (in `team`, or outside any team) with its source stored, a transcript and
    /// one ready clip titled «Как начать: три шага» whose file and thumbnail hold `bytes`: (video id, clip id).
    pub async fn ready_clip(
        &self,
        creator: uuid::Uuid,
        team: Option<uuid::Uuid>,
        bytes: &[u8],
    ) -> (uuid::Uuid, uuid::Uuid) {
        let (video, clip) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let source = format!("sources/{video}/source.mp4");
        let (file, thumb) = (backend::clips::file_key(video, clip), backend::clips::thumbnail_key(video, clip));
        let db = self.db.client().await;
        db.execute(
            "INSERT INTO videos (id, user_id, team_id, title, status, source_kind, file_key, mime_type, size_bytes,
                                 duration_seconds, timeline)
             VALUES ($1, $2, $3, 'talk', 'completed', 'file', $4, 'video/mp4', $5, 60,
                     '{\"peaks\": 16, \"sheets\": 0, \"tiles\": 0, \"interval\": 1.0, \"bytes\": 16}')",
            &[&video, &creator, &team, &source, &(bytes.len() as i64)],
        )
        .await
        .expect("inserting the fixture video");
        db.execute(
            "INSERT INTO transcripts (video_id, language, segments, full_text, stt_model) VALUES ($1, 'ru', '[]', '', 'test')",
            &[&video],
        )
        .await
        .expect("inserting the fixture transcript");
        db.execute(
            "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, status, file_key, thumbnail_key, virality)
             VALUES ($1, $2, $3, 'Как начать: три шага', 10, 40, 'ready', $4, $5, '{\"total\": 81, \"hook\": 90}')",
            &[&clip, &video, &creator, &file, &thumb],
        )
        .await
        .expect("inserting the fixture clip");
        let path = std::env::temp_dir().join(format!("fixture-{clip}"));
        std::fs::write(&path, bytes).expect("writing the fixture file");
        let peaks = domain::timeline::object_key(&video.to_string(), "peaks.u8");
        let captions = backend::clips::captions_key(video, clip);
        for (key, mime) in [
            (&source, "video/mp4"),
            (&file, "video/mp4"),
            (&thumb, "image/jpeg"),
            (&peaks, "application/octet-stream"),
            (&captions, "text/x-ssa"),
        ] {
            self.state.storage.put_file(key, &path, mime).await.expect("storing a fixture object");
        }
        std::fs::remove_file(path).expect("removing the fixture file");
        (video, clip)
    }
}
