//! Accounts over HTTP: the server functions, the session cookies and the session middleware.

use serde_json::Value;
use testkit::{TEST_PASSWORD, TestApp, mailbox};

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().split_once('=').unwrap().1.to_owned())
}

#[tokio::test]
async fn login_sets_http_only_lax_cookies_that_are_not_secure_on_localhost() {
    let app = TestApp::spawn().await;
    let email = mailbox::unique_address("cookie");
    app.create_user(&email).await;
    let (_, res) = app.sign_in(&email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(&res);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for (name, max_age) in [("cm_at", "900"), ("cm_rt", "604800")] {
        let c = cookies.iter().find(|c| c.starts_with(name)).unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"), "{c}");
        assert!(c.contains(&format!("Max-Age={max_age}")), "{c}");
        assert!(!c.contains("Secure"), "{c}");
    }
}

#[tokio::test]
async fn cookies_are_secure_outside_localhost() {
    let app = TestApp::spawn_with(|v| {
        v.insert("PUBLIC_URL", "https://clipmaker.example".into());
    })
    .await;
    let email = mailbox::unique_address("secure");
    app.create_user(&email).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/auth/login", app.url))
        .header("origin", "https://clipmaker.example")
        .form(&[("email", email.as_str()), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookies(&res).iter().all(|c| c.contains("; Secure")), "{:?}", set_cookies(&res));
}

#[tokio::test]
async fn the_sixth_login_in_a_minute_gets_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let email = mailbox::unique_address("limited");
    app.create_user(&email).await;
    for _ in 0..5 {
        let (_, res) = app.sign_in(&email, "wrong password!").await;
        assert_eq!(res.status(), 401);
        assert_eq!(res.json::<Value>().await.unwrap(), Value::String("InvalidCredentials".into()));
    }
    let (_, res) = app.sign_in(&email, TEST_PASSWORD).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["RateLimited"]["retry_after_secs"], retry);
}

#[tokio::test]
async fn a_cross_origin_login_post_is_refused() {
    let app = TestApp::spawn().await;
    let email = mailbox::unique_address("csrf");
    app.create_user(&email).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/auth/login", app.url))
        .header("origin", "https://evil.example")
        .form(&[("email", email.as_str()), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(set_cookies(&res).is_empty());
}

#[tokio::test]
async fn an_expired_access_cookie_is_renewed_from_the_refresh_cookie_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    let email = mailbox::unique_address("refresh");
    app.create_user(&email).await;
    let (_, res) = app.sign_in(&email, TEST_PASSWORD).await;
    let refresh = cookie_value(&set_cookies(&res), "cm_rt").unwrap();

    // Only the refresh cookie, as after the access cookie's 15 minutes.
    let page = |cookie: String| {
        let url = format!("{}/dashboard", app.url);
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(url)
                .header("accept", "text/html")
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let res = page(format!("cm_rt={refresh}")).await;
    assert_eq!(res.status(), 200);
    let renewed = set_cookies(&res);
    let new_refresh = cookie_value(&renewed, "cm_rt").expect("a rotated refresh cookie");
    assert_ne!(new_refresh, refresh);
    assert!(cookie_value(&renewed, "cm_at").is_some());

    // A second tab presenting the old refresh token a moment later gets the same new pair.
    let res = page(format!("cm_rt={refresh}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(cookie_value(&set_cookies(&res), "cm_rt"), Some(new_refresh.clone()));

    // Once that pair has been rotated in turn, the old token is reuse: the family is revoked, the cookies cleared.
    let res = page(format!("cm_rt={new_refresh}")).await;
    assert_eq!(res.status(), 200);
    let newest = cookie_value(&set_cookies(&res), "cm_rt").expect("rotated again");
    let res = page(format!("cm_rt={refresh}")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(cookie_value(&set_cookies(&res), "cm_rt").as_deref(), Some(""));
    let res = page(format!("cm_rt={newest}")).await;
    assert_eq!(res.status(), 302, "the whole family is revoked");

    // Log out through the server function: cookies cleared, session gone.
    let (browser, _) = app.sign_in(&email, TEST_PASSWORD).await;
    let res = browser.post(format!("{}/api/auth/logout", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookies(&res).iter().all(|c| c.contains("Max-Age=0")));
    let res = browser.get(format!("{}/dashboard", app.url)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 302);
}

#[tokio::test]
async fn protected_server_functions_answer_401_and_me_is_null_when_anonymous() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    let res =
        anonymous.post(format!("{}/api/user/update-profile", app.url)).form(&[("name", "X")]).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap(), Value::String("Unauthenticated".into()));
    let res = anonymous.post(format!("{}/api/user/me", app.url)).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), Value::Null);

    let (browser, email, _) = app.signed_in().await;
    let res =
        browser.post(format!("{}/api/user/update-profile", app.url)).form(&[("name", "Мария")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = browser
        .post(format!("{}/api/user/update-settings", app.url))
        .form(&[("ui_language", "en"), ("llm_strategy", "global"), ("caption_style", "highlight")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let lang_cookie =
        set_cookies(&res).into_iter().find(|c| c.starts_with("lang=")).expect("the UI follows the setting");
    assert!(lang_cookie.starts_with("lang=en;"), "{lang_cookie}");
    let me: Value = browser.post(format!("{}/api/user/me", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], email);
    assert_eq!(me["name"], "Мария");
    assert_eq!((me["ui_language"].as_str(), me["llm_strategy"].as_str()), (Some("en"), Some("global")));
    assert_eq!(me["caption_style"], "highlight");
    let res = browser
        .post(format!("{}/api/user/update-settings", app.url))
        .form(&[("ui_language", "en"), ("llm_strategy", "global"), ("caption_style", "comic-sans")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn clip_preferences_are_saved_within_the_plans_limit() {
    let app = TestApp::spawn().await;
    let res = app
        .browser()
        .post(format!("{}/api/user/clip-preferences", app.url))
        .form(&[("clip_count", "2"), ("clip_length", "30-60")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "anonymous");
    let (browser, _, _) = app.signed_in().await;
    let me = async || -> Value {
        browser.post(format!("{}/api/user/me", app.url)).send().await.unwrap().json().await.unwrap()
    };
    let before = me().await;
    assert_eq!(
        (before["clip_count"].clone(), before["clip_length"].clone()),
        (Value::Null, serde_json::json!([15, 60]))
    );
    let set = async |count: &str, length: &str| {
        browser
            .post(format!("{}/api/user/clip-preferences", app.url))
            .form(&[("clip_count", count), ("clip_length", length)])
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(set("2", "30-60").await, 200);
    let after = me().await;
    assert_eq!(
        (after["clip_count"].clone(), after["clip_length"].clone()),
        (serde_json::json!(2), serde_json::json!([30, 60]))
    );
    assert_eq!(set("4", "30-60").await, 422, "a Free plan allows 3 clips per video");
    assert_eq!(set("auto", "15-45").await, 422, "only the offered ranges");
    assert_eq!(set("auto", "60-90").await, 200);
    assert_eq!(me().await["clip_count"], Value::Null);
}
