//! The hardening review's guards over HTTP against the real services: the general request budget on every server
//! function and `/api` route, client addresses behind trusted proxies, narrower budgets, live-stream slots, the VK
//! ID state cookie, `__Host-` cookies and `Cache-Control: no-store`.

use std::time::Duration;

use serde_json::Value;
use testkit::{
    TEST_PASSWORD, TestApp,
    fake_vk::{CLIENT_ID, FakeVk, VkBehaviour},
    mailbox,
};

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_server_function_and_api_route_shares_the_per_user_budget() {
    let app = TestApp::spawn_with(|v| {
        v.insert("RATE_API_PER_MINUTE", "5".into());
    })
    .await;
    // The login itself counts against the address: nobody is signed in yet.
    let (alice, _, _) = app.signed_in().await;
    for i in 0..5 {
        let res = app.call(&alice, "user/me", &[]).await;
        assert_eq!(res.status(), 200, "request {i}");
    }
    let res = app.call(&alice, "user/me", &[]).await;
    assert_eq!(res.status(), 429);
    let wait = retry_after(&res);
    assert!((1..=60).contains(&wait));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["RateLimited"]["retry_after_secs"].as_u64(), Some(wait), "the pages' translated error");

    // Every registered server function is behind the same budget, without opting in, and so are the plain routes.
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p).collect();
    assert!(paths.len() > 20, "{paths:?}");
    for path in paths {
        let res = alice.post(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 429, "{path}");
    }
    for path in ["/api/health", "/api/events", "/api/videos/00000000-0000-0000-0000-000000000000/source"] {
        let res = alice.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 429, "{path}");
        assert!(res.text().await.unwrap().contains("Слишком много попыток"), "{path}: translated message");
    }

    // Another user has their own budget; pages are not API requests.
    let (bob, _, _) = app.signed_in().await;
    assert_eq!(app.call(&bob, "user/me", &[]).await.status(), 200);
    assert_eq!(alice.get(format!("{}/login", app.url)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn anonymous_requests_count_per_client_address() {
    let app = TestApp::spawn_with(|v| {
        v.insert("RATE_API_PER_MINUTE", "3".into());
    })
    .await;
    let anon = app.browser_in("en");
    for _ in 0..3 {
        assert_eq!(anon.get(format!("{}/api/health", app.url)).send().await.unwrap().status(), 200);
    }
    let res = anon.get(format!("{}/api/health", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("Too many attempts"), "English for an English UI");
    // A fresh client from the same address is the same subject.
    assert_eq!(reqwest::get(format!("{}/api/health", app.url)).await.unwrap().status(), 429);
}

/// Behind a trusted proxy, anonymous IPv6 clients of one /64 share a budget; another /64 has its own.
#[tokio::test]
async fn ipv6_clients_share_their_64_budget() {
    let app = TestApp::spawn_with(|v| {
        v.insert("RATE_API_PER_MINUTE", "3".into());
        v.insert("TRUSTED_PROXIES", "127.0.0.1/32, ::1/128".into());
    })
    .await;
    for host in ["2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:ffff::3"] {
        let res = behind_proxy(&app, host).get(format!("{}/api/health", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
    let res = behind_proxy(&app, "2001:db8:7:1:abcd::4").get(format!("{}/api/health", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 429, "a fourth address of the same /64 is the same client");
    let res = behind_proxy(&app, "2001:db8:7:2::1").get(format!("{}/api/health", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200, "another /64 has its own budget");
}

/// A browser that reaches the app through a proxy on 127.0.0.1, which forwards `address` as the client.
fn behind_proxy(app: &TestApp, address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, app.url.parse().unwrap());
    headers.insert("x-forwarded-for", format!("6.6.6.6, {address}").parse().unwrap());
    reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_an_attacker_cannot_lock_the_owner_out() {
    let app = TestApp::spawn_with(|v| {
        v.insert("TRUSTED_PROXIES", "127.0.0.1/32, ::1/128".into());
    })
    .await;
    let email = mailbox::unique_address("owner");
    app.create_user(&email).await;
    let attacker = behind_proxy(&app, "203.0.113.66");
    for _ in 0..5 {
        let (_, res) = app.sign_in_with(attacker.clone(), &email, "guessing!").await;
        assert_eq!(res.status(), 401);
    }
    let (_, res) = app.sign_in_with(attacker.clone(), &email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 429, "the attacker's address is exhausted");
    // The forwarded address is the one recorded and limited: the owner from their own address signs in.
    let (_, res) = app.sign_in_with(behind_proxy(&app, "198.51.100.7"), &email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let ip: String = app
        .db
        .client()
        .await
        .query_one("SELECT ip FROM sessions ORDER BY created_at DESC LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(ip, "198.51.100.7");
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_addresses_are_ignored() {
    let app = TestApp::spawn().await;
    let email = mailbox::unique_address("forger");
    app.create_user(&email).await;
    // Rotating X-Forwarded-For does not buy more attempts when nobody is trusted.
    for i in 0..5 {
        let (_, res) = app.sign_in_with(behind_proxy(&app, &format!("203.0.113.{i}")), &email, "guessing!").await;
        assert_eq!(res.status(), 401);
    }
    let (_, res) = app.sign_in_with(behind_proxy(&app, "203.0.113.99"), &email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn narrower_budgets_for_part_urls_restyles_and_demos() {
    let app = TestApp::spawn_with(|v| {
        v.insert("RATE_UPLOAD_PARTS_PER_HOUR", "2".into());
        v.insert("RATE_RESTYLE_PER_HOUR", "2".into());
        v.insert("RATE_DEMO_PER_HOUR", "1".into());
    })
    .await;
    let (client, _, _) = app.signed_in().await;
    let nobody = "0190f5a2-0000-7000-8000-000000000000";
    for (name, form) in [
        ("videos/upload/part-url", vec![("video_id", nobody), ("part", "1")]),
        ("clips/restyle", vec![("clip_id", nobody), ("style", "classic"), ("layout", "crop")]),
    ] {
        for _ in 0..2 {
            assert_eq!(app.call(&client, name, &form).await.status(), 404, "{name}: counted, then not found");
        }
        let res = app.call(&client, name, &form).await;
        assert_eq!(res.status(), 429, "{name}");
    }
    // Proxied part PUTs share the part budget.
    let res = client
        .put(format!("{}/api/uploads/{nobody}/parts/1", app.url))
        .header("content-length", "3")
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);

    assert_eq!(app.call(&client, "videos/demo", &[("lang", "ru")]).await.status(), 200);
    assert_eq!(app.call(&client, "videos/demo", &[("lang", "ru")]).await.status(), 429);
}

async fn open_stream(client: &reqwest::Client, app: &TestApp) -> reqwest::Response {
    client.get(format!("{}/api/events", app.url)).send().await.unwrap()
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_live_streams() {
    let app = TestApp::spawn_with(|v| {
        v.insert("LIVE_STREAMS_PER_USER", "2".into());
    })
    .await;
    let (client, _, _) = app.signed_in().await;
    let first = open_stream(&client, &app).await;
    let second = open_stream(&client, &app).await;
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = open_stream(&client, &app).await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));

    // Closing a stream gives its slot back.
    drop(first);
    let mut reopened = None;
    for _ in 0..50 {
        let res = open_stream(&client, &app).await;
        if res.status() == 200 {
            reopened = Some(res);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "the closed stream's slot came back");
    // Another user is not affected.
    let (other, _, _) = app.signed_in().await;
    assert_eq!(open_stream(&other, &app).await.status(), 200);
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_vk_callback_made_in_another_browser_is_refused() {
    let email = mailbox::unique_address("vkcsrf");
    let vk = FakeVk::start(VkBehaviour { email: Some(email.clone()), ..Default::default() }).await;
    let base = vk.server.url().to_owned();
    let app = TestApp::spawn_with(move |v| {
        v.insert("VK_CLIENT_ID", CLIENT_ID.into());
        v.insert("VK_ID_BASE_URL", base);
    })
    .await;
    // The attacker starts a flow in their browser and lures the victim to the callback URL.
    let attacker = app.browser();
    let res = attacker.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cm_vk="));
    let cookie = cookie.expect("the flow is bound to the browser");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=600"),
        "{cookie}"
    );
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let callback = location(&no_redirects.get(location(&res)).send().await.unwrap());

    let victim = app.browser();
    let res = victim.get(&callback).send().await.unwrap();
    assert_eq!(location(&res), "/login?error=vk_state");
    assert!(res.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("cm_at=")));

    // The browser that started it finishes normally, and the binding cookie is cleared.
    let res = attacker.get(&callback).send().await.unwrap();
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("cm_at=") && !c.starts_with("cm_at=;")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("cm_vk=;") && c.contains("Max-Age=0")), "{cookies:?}");
}

#[tokio::test]
async fn vk_start_is_limited_per_address() {
    let app = TestApp::spawn_with(|v| {
        v.insert("VK_SIMULATE", "true".into());
        v.insert("RATE_VK_START_PER_MINUTE", "2".into());
    })
    .await;
    let browser = app.browser();
    for _ in 0..2 {
        assert_eq!(browser.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap().status(), 303);
    }
    assert_eq!(browser.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap().status(), 429);
}

#[tokio::test]
async fn session_cookies_take_the_host_prefix_outside_localhost() {
    let app = TestApp::spawn_with(|v| {
        v.insert("PUBLIC_URL", "https://clipmaker.example".into());
    })
    .await;
    let email = mailbox::unique_address("hostprefix");
    app.create_user(&email).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/auth/login", app.url))
        .header("origin", "https://clipmaker.example")
        .form(&[("email", email.as_str()), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    for name in ["__Host-cm_at=", "__Host-cm_rt="] {
        let c = cookies.iter().find(|c| c.starts_with(name)).unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        assert!(c.contains("; Secure") && c.contains("Path=/") && !c.contains("Domain"), "{c}");
    }
    // The prefixed cookie is what the server reads back.
    let access = cookies[0].split(';').next().unwrap().to_owned();
    let me: Value = reqwest::Client::new()
        .post(format!("{}/api/user/me", app.url))
        .header("origin", "https://clipmaker.example")
        .header("cookie", access.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email.as_str());
    // The unprefixed name is not honoured there.
    let me: Value = reqwest::Client::new()
        .post(format!("{}/api/user/me", app.url))
        .header("origin", "https://clipmaker.example")
        .header("cookie", access.replacen("__Host-", "", 1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, Value::Null);
}

#[tokio::test]
async fn server_function_replies_and_signed_in_pages_are_not_stored() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let res = app.call(&client, "user/me", &[]).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = client.get(format!("{}/videos", app.url)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    // The public landing page for an anonymous visitor may be cached.
    let anon = app.get("/").await;
    assert!(anon.headers().get("cache-control").is_none_or(|v| v != "no-store"));
}

/// Without `METRICS_TOKEN`, `/metrics` serves direct scrapers only: through a reverse proxy it is refused.
#[tokio::test]
async fn open_metrics_are_not_served_through_a_proxy() {
    let app = TestApp::spawn().await;
    let direct = reqwest::get(format!("{}/metrics", app.url)).await.unwrap();
    assert_eq!(direct.status(), 200);
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let value = if header == "forwarded" { "for=203.0.113.9" } else { "203.0.113.9" };
        let res =
            reqwest::Client::new().get(format!("{}/metrics", app.url)).header(header, value).send().await.unwrap();
        assert_eq!(res.status(), 403, "{header}");
    }
}
