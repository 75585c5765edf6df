//! VK ID sign-in against the fake VK ID server: the full redirect dance over real HTTP.

use testkit::{
    TestApp,
    fake_vk::{CLIENT_ID, FakeVk, VkBehaviour},
    mailbox,
};

async fn app_with(vk: &FakeVk) -> TestApp {
    let base = vk.server.url().to_owned();
    TestApp::spawn_with(move |v| {
        v.insert("VK_CLIENT_ID", CLIENT_ID.into());
        v.insert("VK_ID_BASE_URL", base);
    })
    .await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Walks start → VK authorize → our callback with `browser`; returns the callback's response.
async fn vk_login(app: &TestApp, browser: &reqwest::Client, start_query: &str) -> reqwest::Response {
    let res = browser.get(format!("{}/auth/vk/start{start_query}", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 303, "start redirects");
    let authorize = location(&res);
    let res = no_redirects().get(&authorize).send().await.unwrap();
    assert_eq!(res.status(), 303, "fake VK approves: {:?}", res.text().await);
    let callback = location(&res);
    assert!(callback.starts_with(&format!("{}/auth/vk/callback?code=", app.url)), "{callback}");
    browser.get(callback).send().await.unwrap()
}

fn has_session_cookies(res: &reqwest::Response) -> bool {
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    cookies.iter().any(|c| c.starts_with("cm_at=") && !c.starts_with("cm_at=;"))
        && cookies.iter().any(|c| c.starts_with("cm_rt="))
}

#[tokio::test]
async fn a_new_vk_user_gets_an_account_and_comes_back_to_the_same_one() {
    let email = mailbox::unique_address("vk");
    let vk = FakeVk::start(VkBehaviour { email: Some(email.clone()), ..Default::default() }).await;
    let app = app_with(&vk).await;
    let browser = app.browser();

    let res = vk_login(&app, &browser, "?next=/videos").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/videos");
    assert!(has_session_cookies(&res));

    // The authorize request carried PKCE S256 and our callback; the exchange sent the verifier.
    let seen = vk.server.requests();
    let authorize = seen.iter().find(|r| r.uri.starts_with("/authorize")).unwrap();
    assert!(authorize.uri.contains("code_challenge_method=S256") && authorize.uri.contains("code_challenge="));
    let exchange = seen.iter().find(|r| r.uri == "/oauth2/auth").unwrap();
    let body = String::from_utf8_lossy(&exchange.body);
    assert!(body.contains("code_verifier=") && body.contains(&format!("client_id={CLIENT_ID}")), "{body}");

    let me: serde_json::Value =
        browser.post(format!("{}/api/user/me", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["vk_linked"], true);
    assert_eq!(me["name"], "Иван Петров");

    // Signing in with VK again lands in the same account.
    let again = app.browser();
    assert!(has_session_cookies(&vk_login(&app, &again, "").await));
    let me2: serde_json::Value =
        again.post(format!("{}/api/user/me", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(me2["id"], me["id"]);
    let users: i64 = app.db.client().await.query_one("SELECT count(*) FROM users", &[]).await.unwrap().get(0);
    assert_eq!(users, 1);
}

#[tokio::test]
async fn provider_errors_cancellation_and_bad_state_end_on_the_login_page() {
    let vk = FakeVk::start(VkBehaviour { refuse_token: true, ..Default::default() }).await;
    let app = app_with(&vk).await;
    let res = vk_login(&app, &app.browser(), "").await;
    assert_eq!(location(&res), "/login?error=vk_failed");
    assert!(!has_session_cookies(&res));

    vk.set(VkBehaviour { refuse_user_info: true, ..Default::default() });
    let res = vk_login(&app, &app.browser(), "").await;
    assert_eq!(location(&res), "/login?error=vk_failed");

    // The user cancels at VK: VK redirects back with an error instead of a code.
    vk.set(VkBehaviour::default());
    let browser = app.browser();
    let start = browser.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap();
    let state =
        url::Url::parse(&location(&start)).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let res = browser
        .get(format!("{}/auth/vk/callback?error=access_denied&error_description=cancelled&state={state}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?error=vk_denied");

    // A made-up state, and a replayed callback, are refused.
    let res =
        browser.get(format!("{}/auth/vk/callback?code=x&state=forged&device_id=d", app.url)).send().await.unwrap();
    assert_eq!(location(&res), "/login?error=vk_state");
    let start = browser.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap();
    let callback = location(&no_redirects().get(location(&start)).send().await.unwrap());
    assert!(has_session_cookies(&browser.get(&callback).send().await.unwrap()));
    let replay = app.browser().get(&callback).send().await.unwrap();
    assert_eq!(location(&replay), "/login?error=vk_state");
}

#[tokio::test]
async fn an_existing_email_account_is_linked_only_by_its_signed_in_owner() {
    let app_vk = FakeVk::start(VkBehaviour::default()).await;
    let app = app_with(&app_vk).await;
    let (owner, email, owner_id) = app.signed_in().await;
    app_vk.set(VkBehaviour { email: Some(email.clone()), user_id: "777001".into(), ..Default::default() });

    // Someone else (not signed in) with a VK account carrying that email is refused.
    let res = vk_login(&app, &app.browser(), "").await;
    assert_eq!(location(&res), "/login?error=vk_email_exists");

    // The owner links VK ID from the profile while signed in.
    let res = vk_login(&app, &owner, "?link=1").await;
    assert_eq!(location(&res), "/settings/profile");
    let linked: Option<String> = app
        .db
        .client()
        .await
        .query_one("SELECT vk_user_id FROM users WHERE id = $1", &[&owner_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(linked.as_deref(), Some("777001"));

    // From now on VK ID signs in to that account.
    let browser = app.browser();
    assert!(has_session_cookies(&vk_login(&app, &browser, "").await));
    let me: serde_json::Value =
        browser.post(format!("{}/api/user/me", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], email.as_str());
}

#[tokio::test]
async fn simulation_signs_in_a_demo_user_and_an_unconfigured_server_says_so() {
    let app = TestApp::spawn_with(|v| {
        v.insert("VK_SIMULATE", "true".into());
    })
    .await;
    let browser = app.browser();
    let res = browser.get(format!("{}/auth/vk/start", app.url)).send().await.unwrap();
    let callback = location(&res);
    assert!(callback.starts_with("/auth/vk/callback?code=simulated"), "{callback}");
    let res = browser.get(format!("{}{callback}", app.url)).send().await.unwrap();
    assert!(has_session_cookies(&res));
    assert_eq!(location(&res), "/dashboard");

    let plain = TestApp::spawn().await;
    let res = plain.browser().get(format!("{}/auth/vk/start", plain.url)).send().await.unwrap();
    assert_eq!(location(&res), "/login?error=vk_unavailable");
}
