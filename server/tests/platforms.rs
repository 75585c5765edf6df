//! Platform connections over HTTP against the real services and a fake Telegram Bot API on loopback
//! (testkit::fake_telegram): connecting a bot to a channel, every refusal the page explains, a token revoked later,
//! the team's roles, and the token never appearing in the database, the logs or any reply. Rutube connects with an API
//! token checked against a fake Rutube API.

use serde_json::Value;
use testkit::{
    TestApp,
    fake_rutube::{self, FakeRutube},
    fake_telegram::{BOT_TOKEN, CHANNEL, FakeTelegram},
    logs::LogCapture,
};

async fn telegram_app() -> (TestApp, FakeTelegram) {
    let telegram = FakeTelegram::start().await;
    let url = telegram.url().to_owned();
    let app = TestApp::spawn_with(move |v| {
        v.insert("TELEGRAM_API_URL", url);
    })
    .await;
    (app, telegram)
}

async fn connect(app: &TestApp, client: &reqwest::Client, token: &str, channel: &str) -> reqwest::Response {
    app.call(client, "platform/connect", &[("platform", "telegram"), ("token", token), ("target", channel)]).await
}

async fn list(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let res = app.call(client, "platform/list", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The problem a refused connect names, e.g. `TokenRefused`.
async fn problem(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    body["Connect"].as_str().unwrap_or_else(|| panic!("not a connect problem: {body}")).to_owned()
}

async fn rows(app: &TestApp) -> i64 {
    app.db.client().await.query_one("SELECT count(*) FROM platform_connections", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_bot_connects_to_its_channel_and_its_token_stays_sealed() {
    let logs = LogCapture::install_trace();
    let (app, telegram) = telegram_app().await;
    let (client, _, _) = app.signed_in().await;

    let res = connect(&app, &client, &format!(" {BOT_TOKEN} "), "https://t.me/clipmaker_test").await;
    assert_eq!(res.status(), 200);
    let reply = res.text().await.unwrap();
    let connection: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(connection["platform"], "telegram");
    assert_eq!(connection["account"], "@clipmaker_test_bot");
    assert_eq!(connection["target"], CHANNEL);
    assert_eq!(connection["status"], "active");
    // getMe, getChat, getChatMember: the bot was checked before anything was stored.
    let methods: Vec<String> =
        telegram.server.requests().iter().map(|r| r.uri.rsplit('/').next().unwrap().to_owned()).collect();
    assert_eq!(methods, ["getMe", "getChat", "getChatMember"]);

    let listed = list(&app, &client).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], connection["id"]);
    let tested = app.call(&client, "platform/test-connection", &[("platform", "telegram")]).await;
    assert_eq!(tested.status(), 200);
    let tested = tested.text().await.unwrap();

    // The secret half of the token is nowhere: not in any column of the row, not in a reply, not in the logs.
    let secret = BOT_TOKEN.split_once(':').unwrap().1;
    let row: String =
        app.db.client().await.query_one("SELECT c::text FROM platform_connections c", &[]).await.unwrap().get(0);
    let sealed: Vec<u8> = app
        .db
        .client()
        .await
        .query_one("SELECT access_token_encrypted FROM platform_connections", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!row.contains(secret) && !row.contains(&hex_of(secret)), "plaintext token in the row: {row}");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_bytes()));
    for text in [&reply, &tested, &serde_json::to_string(&listed).unwrap(), &logs.text()] {
        assert!(!text.contains(secret), "token leaked: {text}");
    }
    // The logs did record the connection (so the check above looked at real output).
    assert!(logs.text().contains("platform connected"));
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn each_refusal_is_explained_and_nothing_is_stored() {
    let (app, telegram) = telegram_app().await;
    let (client, _, _) = app.signed_in().await;

    // Malformed tokens never leave the server.
    assert_eq!(problem(connect(&app, &client, "not-a-token", CHANNEL).await).await, "BadToken");
    assert!(telegram.server.requests().is_empty());
    let wrong = format!("{}x", &BOT_TOKEN[..BOT_TOKEN.len() - 1]);
    assert_eq!(problem(connect(&app, &client, &wrong, CHANNEL).await).await, "TokenRefused");
    assert_eq!(problem(connect(&app, &client, BOT_TOKEN, "@no_such_channel").await).await, "TargetNotFound");
    assert_eq!(problem(connect(&app, &client, BOT_TOKEN, "a b").await).await, "TargetNotFound");
    telegram.set_can_post(false);
    assert_eq!(problem(connect(&app, &client, BOT_TOKEN, CHANNEL).await).await, "CannotPost");
    telegram.set_can_post(true);
    telegram.fail_next(&[(502, None)]);
    assert_eq!(problem(connect(&app, &client, BOT_TOKEN, CHANNEL).await).await, "Unavailable");
    assert_eq!(rows(&app).await, 0);
    assert!(list(&app, &client).await.is_empty());

    assert_eq!(app.call(&client, "platform/disconnect", &[("platform", "telegram")]).await.status(), 404);
    assert_eq!(app.call(&client, "platform/test-connection", &[("platform", "telegram")]).await.status(), 404);
    assert_eq!(
        app.call(&client, "platform/connect", &[("platform", "myspace"), ("token", "x"), ("target", "")])
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn a_token_revoked_later_asks_for_reconnection_and_reconnecting_replaces_the_row() {
    let (app, telegram) = telegram_app().await;
    let (client, _, _) = app.signed_in().await;
    assert_eq!(connect(&app, &client, BOT_TOKEN, CHANNEL).await.status(), 200);

    telegram.set_revoked(true);
    let res = app.call(&client, "platform/test-connection", &[("platform", "telegram")]).await;
    assert_eq!(res.status(), 200);
    let tested: Value = res.json().await.unwrap();
    assert_eq!(tested["status"], "reconnect");
    assert_eq!(tested["error"], "Unauthorized");
    assert_eq!(list(&app, &client).await[0]["status"], "reconnect");

    // The bot's owner restores access; a platform that does not answer changes nothing yet.
    telegram.set_revoked(false);
    telegram.fail_next(&[(500, None)]);
    let res = app.call(&client, "platform/test-connection", &[("platform", "telegram")]).await;
    assert_eq!(problem(res).await, "Unavailable");
    assert_eq!(list(&app, &client).await[0]["status"], "reconnect");

    // Testing again clears the flag; connecting again replaces the row rather than adding one.
    let res = app.call(&client, "platform/test-connection", &[("platform", "telegram")]).await;
    let tested: Value = res.json().await.unwrap();
    assert_eq!((tested["status"].as_str(), tested["error"].as_str()), (Some("active"), None));
    assert_eq!(connect(&app, &client, BOT_TOKEN, CHANNEL).await.status(), 200);
    assert_eq!(rows(&app).await, 1);
}

#[tokio::test]
async fn team_admins_manage_the_teams_connection_and_members_only_see_it() {
    let (app, _telegram) = telegram_app().await;
    let (owner, _, owner_id) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&owner_id]).await.unwrap();
    assert_eq!(app.call(&owner, "team/create", &[("name", "Студия")]).await.status(), 200);
    let invite: Value = app
        .call(&owner, "team/invite", &[("email", ""), ("role", "member"), ("days", "7"), ("max_uses", "5")])
        .await
        .json()
        .await
        .unwrap();
    let token = invite["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let (member, _, _) = app.signed_in().await;
    assert_eq!(app.call(&member, "team/accept", &[("token", &token)]).await.status(), 200);
    let (outsider, _, _) = app.signed_in().await;

    assert_eq!(connect(&app, &member, BOT_TOKEN, CHANNEL).await.status(), 403);
    assert_eq!(connect(&app, &owner, BOT_TOKEN, CHANNEL).await.status(), 200);
    assert_eq!(list(&app, &member).await.len(), 1, "members see the team's connection");
    assert!(list(&app, &outsider).await.is_empty(), "others do not");
    assert_eq!(app.call(&member, "platform/disconnect", &[("platform", "telegram")]).await.status(), 403);
    assert_eq!(app.call(&outsider, "platform/disconnect", &[("platform", "telegram")]).await.status(), 404);
    let in_team: i64 = app
        .db
        .client()
        .await
        .query_one("SELECT count(*) FROM platform_connections c JOIN teams t ON t.id = c.team_id", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(in_team, 1, "the row belongs to the team");

    // Reconnecting replaces the workspace's row rather than adding one.
    assert_eq!(connect(&app, &owner, BOT_TOKEN, CHANNEL).await.status(), 200);
    assert_eq!(rows(&app).await, 1);
    assert_eq!(app.call(&owner, "platform/disconnect", &[("platform", "telegram")]).await.status(), 200);
    assert_eq!(rows(&app).await, 0);
    assert!(list(&app, &member).await.is_empty());
}

#[tokio::test]
async fn rotating_the_token_key_reseals_every_connection() {
    let (app, _telegram) = telegram_app().await;
    let (client, _, user) = app.signed_in().await;
    assert_eq!(connect(&app, &client, BOT_TOKEN, CHANNEL).await.status(), 200);
    let old = app.state.config.platforms.clone();
    let rotated = backend::config::PlatformsConfig {
        current: (old.current.0 + 1, [9; 32]),
        previous: Some(old.current),
        ..old.clone()
    };
    assert_eq!(backend::platforms::reseal_all(&app.state.db, &rotated).await.unwrap(), 1);
    assert_eq!(backend::platforms::reseal_all(&app.state.db, &rotated).await.unwrap(), 0, "nothing left to move");

    // The old key is no longer needed.
    let after = backend::config::PlatformsConfig { previous: None, ..rotated };
    let row = app
        .db
        .client()
        .await
        .query_one("SELECT access_token_encrypted, nonce, key_version FROM platform_connections", &[])
        .await
        .unwrap();
    let sealed = backend::platforms::tokens::SealedToken { data: row.get(0), nonce: row.get(1), key_id: row.get(2) };
    let ctx = backend::platforms::tokens::context(
        user,
        domain::Platform::Telegram,
        backend::platforms::tokens::TokenKind::Access,
    );
    assert_eq!(sealed.key_id, after.current.0);
    assert_eq!(backend::platforms::tokens::open(&after, &ctx, &sealed).unwrap().as_str(), BOT_TOKEN);
    assert!(backend::platforms::tokens::open(&old, &ctx, &sealed).is_err());
}

#[tokio::test]
async fn a_rutube_channel_connects_by_api_token_and_refusals_are_explained() {
    let logs = LogCapture::install_trace();
    let rutube = FakeRutube::start().await;
    let url = rutube.url().to_owned();
    let app = TestApp::spawn_with(move |v| {
        v.insert("RUTUBE_API_URL", url);
    })
    .await;
    let (client, _, _) = app.signed_in().await;
    let connect = |token: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            app.call(client, "platform/connect", &[("platform", "rutube"), ("token", token), ("target", "")]).await
        }
    };

    assert_eq!(problem(connect("short").await).await, "BadToken");
    assert!(rutube.server.requests().is_empty(), "a malformed token never leaves the server");
    assert_eq!(problem(connect("rutube-wrong-token-000000000000").await).await, "TokenRefused");
    rutube.fail_next(&[(503, None)]);
    assert_eq!(problem(connect(fake_rutube::TOKEN).await).await, "Unavailable");
    assert_eq!(rows(&app).await, 0);

    let res = connect(fake_rutube::TOKEN).await;
    assert_eq!(res.status(), 200);
    let reply = res.text().await.unwrap();
    let connection: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(connection["platform"], "rutube");
    assert_eq!(connection["status"], "active");
    // Every call carried the token the way Rutube's API takes it.
    let last = rutube.server.requests().last().cloned().unwrap();
    assert_eq!(last.header("authorization"), Some(format!("Token {}", fake_rutube::TOKEN).as_str()));
    let tested = app.call(&client, "platform/test-connection", &[("platform", "rutube")]).await;
    assert_eq!(tested.status(), 200);
    let tested = tested.text().await.unwrap();

    let row: String =
        app.db.client().await.query_one("SELECT c::text FROM platform_connections c", &[]).await.unwrap().get(0);
    assert!(!row.contains(fake_rutube::TOKEN) && !row.contains(&hex_of(fake_rutube::TOKEN)), "plaintext: {row}");
    for text in [&reply, &tested, &logs.text()] {
        assert!(!text.contains(fake_rutube::TOKEN), "token leaked: {text}");
    }
    assert!(logs.text().contains("platform connected"));

    // Revoked later: the test says so and the page asks for a reconnection.
    rutube.set_revoked(true);
    let tested: Value =
        app.call(&client, "platform/test-connection", &[("platform", "rutube")]).await.json().await.unwrap();
    assert_eq!(tested["status"], "reconnect");
    assert_eq!(tested["error"], "Invalid token.");
}
