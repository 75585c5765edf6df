//! No password, token or hash may reach the logs, even at trace level. One test per binary: it owns the global
//! log subscriber and captures everything into a buffer.

use backend::accounts::{self, ClientInfo, Registration};
use chrono::Utc;
use domain::Lang;
use testkit::{TestApp, mailbox};

#[tokio::test]
async fn secrets_never_reach_the_logs_even_at_trace_level() {
    let capture = testkit::logs::LogCapture::install_trace();

    let app = TestApp::spawn().await;
    let s = &app.state;
    let client = ClientInfo { ip: Some("10.9.0.1".into()), user_agent: Some("log-test".into()) };
    let email = mailbox::unique_address("logs");
    let password = "Очень секретный пароль 1";
    let new_password = "Другой секретный пароль 2";
    let mut secrets: Vec<String> = vec![password.into(), new_password.into()];

    accounts::register(s, Registration { email: &email, password, name: "L", lang: Lang::Ru }, Utc::now())
        .await
        .unwrap();
    let verify = mailbox::wait_for_mails(&email, 1).await[0].first_link().unwrap();
    let verify_token = verify.split("token=").nth(1).unwrap().to_owned();
    accounts::verify_email(s, &verify_token, Utc::now()).await.unwrap();
    let a = accounts::login(s, &email, password, &client, Utc::now()).await.unwrap();
    let _ = accounts::login(s, &email, "wrong password here", &client, Utc::now()).await;
    let b = accounts::refresh(s, &a.refresh, &client, Utc::now()).await.unwrap();
    let later = Utc::now() + accounts::REFRESH_GRACE + chrono::Duration::seconds(1);
    let _ = accounts::refresh(s, &a.refresh, &client, later).await; // reuse, past the grace period
    accounts::request_password_reset(s, &email, Lang::Ru, &client, Utc::now()).await.unwrap();
    let mails = mailbox::wait_for_mails(&email, 2).await;
    let reset_token = mails[1].first_link().unwrap().split("token=").nth(1).unwrap().to_owned();
    accounts::reset_password(s, &reset_token, new_password, &Default::default(), Utc::now()).await.unwrap();
    // Page requests go through the server's request logging too.
    let _ = app.client.get(format!("{}/verify-email?token={verify_token}", app.url)).send().await;

    secrets.extend([a.access, a.refresh, b.access, b.refresh, verify_token, reset_token]);
    let db = app.db.client().await;
    let hash: String = db.query_one("SELECT password_hash FROM users", &[]).await.unwrap().get(0);
    secrets.push(hash.clone());
    secrets.push(hash.rsplit('$').next().unwrap().to_owned());
    for row in db.query("SELECT encode(token_hash, 'hex') FROM sessions UNION ALL SELECT encode(token_hash, 'hex') FROM email_tokens", &[]).await.unwrap() {
        secrets.push(row.get(0));
    }
    secrets.push(s.config.auth.secret.clone());

    let log = capture.text();
    assert!(log.contains("signed in") && log.contains("refresh token reuse"), "the capture works: {log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret ({} chars) appears in the logs", secret.len());
    }
}
