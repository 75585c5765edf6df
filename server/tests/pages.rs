//! Server-rendered pages, security headers and request ids, over real HTTP.

use testkit::TestApp;

const SECTIONS: [(&str, &str, &str); 7] = [
    ("/dashboard", "Главная", "Dashboard"),
    ("/videos", "Видео", "Videos"),
    ("/clips", "Клипы", "Clips"),
    ("/analytics", "Аналитика", "Analytics"),
    ("/team", "Команда", "Team"),
    ("/settings", "Настройки", "Settings"),
    ("/billing", "Тарифы и оплата", "Billing"),
];

async fn html(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.url));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[tokio::test]
async fn landing_is_russian_by_default_with_the_four_plans_in_rubles() {
    let app = TestApp::spawn().await;
    let (status, body) = html(&app, "/", None).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"<html lang="ru""#), "{body}");
    assert!(body.contains("Из длинного видео — короткие вертикальные клипы"));
    for plan in ["free", "start", "pro", "business"] {
        assert!(body.contains(&format!(r#"data-plan="{plan}""#)), "plan {plan} missing");
    }
    // Prices from the seed's plan table, formatted as rubles.
    assert!(body.contains("990\u{a0}₽"));
    assert!(body.contains("2\u{202f}990\u{a0}₽"));
    assert!(body.contains("9\u{202f}990\u{a0}₽"));
    assert!(body.contains("Безлимитные минуты"));
    assert!(body.contains("Хранение 3 дня"));
    // The page loads the wasm module that hydrates it.
    assert!(body.contains("/pkg/clipmaker.js"), "hydration script missing");
}

#[tokio::test]
async fn the_language_cookie_switches_the_server_rendering_to_english() {
    let app = TestApp::spawn().await;
    let (_, body) = html(&app, "/", Some("lang=en")).await;
    assert!(body.contains(r#"<html lang="en""#));
    assert!(body.contains("Turn long videos into short vertical clips"));
    assert!(!body.contains("Из длинного видео"));
    assert!(body.contains("Files kept for 90 days"));
}

#[tokio::test]
async fn every_section_page_renders_with_the_full_navigation_for_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let (ru_browser, email, _) = app.signed_in().await;
    let (en_browser, _) = app.sign_in_with(app.browser_in("en"), &email, testkit::TEST_PASSWORD).await;
    let page = |path: &'static str, lang: &'static str| {
        let browser = if lang == "en" { &en_browser } else { &ru_browser };
        let req = browser.get(format!("{}{path}", app.url));
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    for (path, ru, en) in SECTIONS {
        let (status, body) = page(path, "ru").await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(&format!("<h1>{ru}</h1>")), "{path}: heading");
        for (href, ..) in SECTIONS {
            assert!(body.contains(&format!(r#"href="{href}""#)), "{path}: nav link {href}");
        }
        assert!(body.contains(r#"aria-current="page""#), "{path}: current page marked");
        assert!(body.contains(&email), "{path}: the user box shows who is signed in");
        let (_, body) = page(path, "en").await;
        assert!(body.contains(&format!("<h1>{en}</h1>")), "{path}: English heading");
    }
}

#[tokio::test]
async fn unknown_paths_get_a_translated_404() {
    let app = TestApp::spawn().await;
    let (status, body) = html(&app, "/no/such/page", None).await;
    assert_eq!(status, 404);
    assert!(body.contains("Страница не найдена"));
    let (status, body) = html(&app, "/no/such/page", Some("lang=en")).await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn security_headers_are_on_pages_api_and_errors() {
    let app = TestApp::spawn().await;
    for path in ["/", "/api/health", "/missing"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).expect("script-src");
        assert!(!script_src.contains("unsafe-inline"), "{path}: inline scripts need the nonce: {script_src}");
        assert!(h.get("strict-transport-security").is_none(), "{path}: no HSTS on localhost");
    }
}

#[tokio::test]
async fn the_csp_nonce_is_fresh_per_request_and_matches_the_inline_scripts() {
    let app = TestApp::spawn().await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let res = app.get("/").await;
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP").to_owned();
        let body = res.text().await.unwrap();
        let scripts = body.matches("<script").count();
        assert!(scripts > 0);
        assert_eq!(body.matches(&format!(r#"nonce="{nonce}""#)).count(), scripts, "every script carries the nonce");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_not_localhost() {
    let app = TestApp::spawn_with(|v| {
        v.insert("PUBLIC_URL", "https://clipmaker.example".into());
    })
    .await;
    let res = app.get("/").await;
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

#[tokio::test]
async fn requests_get_an_id_and_keep_one_they_bring() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/health").await;
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let res = app.client.get(format!("{}/api/health", app.url)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn signed_in_pages_send_anonymous_visitors_to_login_and_back() {
    let app = TestApp::spawn().await;
    for (path, ..) in SECTIONS {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 302, "{path}");
        assert_eq!(res.headers()["location"], format!("/login?next={path}"));
    }
    let res = app.get("/settings/profile").await;
    assert_eq!(res.headers()["location"], "/login?next=/settings/profile");
    // Public pages stay public.
    for path in ["/", "/login", "/register", "/forgot-password", "/reset-password?token=x", "/verify-email?token=x"] {
        assert_eq!(app.get(path).await.status().as_u16(), 200, "{path}");
    }
}

/// `path` fetched with `Accept-Encoding: encoding` by `client`: (Content-Encoding, Content-Type, body as sent).
async fn fetch_encoded(client: &reqwest::Client, url: &str, encoding: &str) -> (Option<String>, String, Vec<u8>) {
    let res = client.get(url).header("accept-encoding", encoding).send().await.expect("request");
    assert_eq!(res.status(), 200, "{url}");
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (encoding, kind) = (header("content-encoding"), header("content-type").unwrap_or_default());
    (encoding, kind, res.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn pages_and_site_files_go_out_compressed_as_the_browser_accepts() {
    use std::io::Read as _;
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let page = format!("{}/", app.url);

    let (encoding, _, plain) = fetch_encoded(&client, &page, "identity").await;
    assert_eq!(encoding, None);
    let (encoding, _, gzip) = fetch_encoded(&client, &page, "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(gzip.as_slice()).read_to_string(&mut html).expect("valid gzip");
    assert!(html.contains("Из длинного видео — короткие вертикальные клипы"), "{html}");
    assert!(gzip.len() * 2 < plain.len(), "gzip {} bytes, plain {}", gzip.len(), plain.len());

    // The hydration script (built by cargo-leptos before the tests run), in Brotli when the browser prefers it.
    let script = format!("{}/pkg/clipmaker.js", app.url);
    let (_, _, original) = fetch_encoded(&client, &script, "identity").await;
    let (encoding, kind, br) = fetch_encoded(&client, &script, "br;q=1.0, gzip;q=0.5").await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert!(kind.contains("javascript"), "{kind}");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(br.as_slice(), 4096).read_to_end(&mut decoded).expect("valid Brotli");
    assert_eq!(decoded, original, "the script decompresses to the file itself");
    assert!(br.len() < original.len());
}
