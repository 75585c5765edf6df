//! Accounts and sessions against real PostgreSQL, Redis and the SMTP sink.

use backend::{
    AppState,
    accounts::{self, AccountError, ClientInfo, Registration},
};
use chrono::{Duration, Utc};
use domain::{Lang, account::PasswordError};
use testkit::{TestApp, mailbox};

const PASSWORD: &str = "Ракета-носитель 2026";

fn client(ip: &str) -> ClientInfo {
    ClientInfo { ip: Some(ip.into()), user_agent: Some("test".into()) }
}

async fn register(state: &AppState, email: &str) -> accounts::Registered {
    accounts::register(state, Registration { email, password: PASSWORD, name: "Анна", lang: Lang::Ru }, Utc::now())
        .await
        .expect("registration")
}

fn token_from(link: &str) -> String {
    link.split("token=").nth(1).expect("token in link").to_owned()
}

#[tokio::test]
async fn register_verify_login_rotate_detect_reuse_and_logout() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("flow");
    let reg = register(s, &email.to_uppercase()).await;
    assert!(reg.needs_verification && reg.mail_sent);

    // The verification mail reached the SMTP sink, addressed to the normalised email.
    let mails = mailbox::wait_for_mails(&email, 1).await;
    assert_eq!(mails.len(), 1);
    let link = mails[0].first_link().expect("a link");
    assert!(link.starts_with(&format!("{}/verify-email?token=", app.url)), "{link}");
    let token = token_from(&link);
    assert_eq!(accounts::verify_email(s, &token, Utc::now()).await.unwrap(), reg.user_id);
    assert!(matches!(accounts::verify_email(s, &token, Utc::now()).await, Err(AccountError::TokenUsed)));

    let first = accounts::login(s, &email, PASSWORD, &client("10.0.0.1"), Utc::now()).await.unwrap();
    assert_eq!(first.user_id, reg.user_id);
    assert_eq!(accounts::authenticate(s, &first.access, Utc::now()).await.unwrap(), Some(reg.user_id));

    let second = accounts::refresh(s, &first.refresh, &client("10.0.0.1"), Utc::now()).await.unwrap();
    assert_ne!(second.refresh, first.refresh);
    let third = accounts::refresh(s, &second.refresh, &client("10.0.0.1"), Utc::now()).await.unwrap();

    // The first token again, past the grace period of concurrent tabs: reuse. The whole family dies, including
    // the newest token.
    assert!(matches!(
        accounts::refresh(
            s,
            &first.refresh,
            &client("10.0.0.9"),
            Utc::now() + accounts::REFRESH_GRACE + Duration::seconds(1)
        )
        .await,
        Err(AccountError::SessionReused)
    ));
    assert!(matches!(
        accounts::refresh(s, &third.refresh, &client("10.0.0.1"), Utc::now()).await,
        Err(AccountError::TokenInvalid)
    ));
    assert_eq!(accounts::authenticate(s, &third.access, Utc::now()).await.unwrap(), None);

    // A fresh sign-in, then logout: its refresh token and access token stop working at once.
    let again = accounts::login(s, &email, PASSWORD, &client("10.0.0.1"), Utc::now()).await.unwrap();
    accounts::logout(s, &again.refresh, Utc::now()).await.unwrap();
    assert!(accounts::refresh(s, &again.refresh, &client("10.0.0.1"), Utc::now()).await.is_err());
    assert_eq!(accounts::authenticate(s, &again.access, Utc::now()).await.unwrap(), None);

    // Only hashes are stored.
    let stored: Vec<u8> = app
        .db
        .client()
        .await
        .query_one("SELECT token_hash FROM sessions ORDER BY created_at DESC LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored.len(), 32);
    assert_ne!(stored, again.refresh.as_bytes());
}

#[tokio::test]
async fn registration_rules_and_a_login_error_that_reveals_nothing() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("dup");
    register(s, &email).await;
    let dup = accounts::register(
        s,
        Registration { email: &format!("  {email} "), password: PASSWORD, name: "", lang: Lang::En },
        Utc::now(),
    )
    .await;
    assert!(matches!(dup, Err(AccountError::EmailTaken)), "{dup:?}");

    for (email, password, expected) in [
        ("not-an-email", PASSWORD, "invalid email address"),
        ("a@b.test", "short", "password too short"),
        ("a@b.test", "password123", "password too common"),
    ] {
        let r = accounts::register(s, Registration { email, password, name: "", lang: Lang::Ru }, Utc::now()).await;
        assert_eq!(r.unwrap_err().to_string(), expected);
    }
    let common = accounts::register(
        s,
        Registration { email: "c@b.test", password: "qwertyuiop", name: "", lang: Lang::Ru },
        Utc::now(),
    )
    .await;
    assert!(matches!(common, Err(AccountError::Password(PasswordError::TooCommon))));

    let unknown = accounts::login(s, "nobody@clipmaker.test", PASSWORD, &client("10.0.1.1"), Utc::now()).await;
    let wrong = accounts::login(s, &email, "wrong password!", &client("10.0.1.2"), Utc::now()).await;
    assert_eq!(unknown.unwrap_err().to_string(), wrong.unwrap_err().to_string());
}

#[tokio::test]
async fn an_attacker_exhausting_attempts_from_one_address_does_not_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("limit");
    register(s, &email).await;
    for i in 0..5 {
        let r = accounts::login(s, &email, "wrong password!", &client("10.1.0.66"), Utc::now()).await;
        assert!(matches!(r, Err(AccountError::InvalidCredentials)), "attempt {i}: {r:?}");
    }
    // The attacker's sixth attempt is refused, even with the right password.
    match accounts::login(s, &email, PASSWORD, &client("10.1.0.66"), Utc::now()).await {
        Err(AccountError::RateLimited { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
        other => panic!("{other:?}"),
    }
    // The owner, from their own address, still signs in.
    accounts::login(s, &email, PASSWORD, &client("10.1.0.7"), Utc::now()).await.expect("the owner signs in");

    // One IP trying five different accounts is limited on the sixth too.
    for i in 0..5 {
        let _ = accounts::login(s, &format!("x{i}@clipmaker.test"), "whatever!", &client("10.2.0.1"), Utc::now()).await;
    }
    let r = accounts::login(s, "x9@clipmaker.test", "whatever!", &client("10.2.0.1"), Utc::now()).await;
    assert!(matches!(r, Err(AccountError::RateLimited { .. })), "{r:?}");
}

#[tokio::test]
async fn many_addresses_together_hit_the_per_account_ceiling() {
    let app = TestApp::spawn_with(|v| {
        v.insert("AUTH_ATTEMPTS_PER_ACCOUNT_PER_HOUR", "8".into());
    })
    .await;
    let s = &app.state;
    let email = mailbox::unique_address("ceiling");
    register(s, &email).await;
    for i in 0..8 {
        let r = accounts::login(s, &email, "wrong password!", &client(&format!("10.6.0.{i}")), Utc::now()).await;
        assert!(matches!(r, Err(AccountError::InvalidCredentials)), "attempt {i}: {r:?}");
    }
    let r = accounts::login(s, &email, PASSWORD, &client("10.6.1.1"), Utc::now()).await;
    assert!(matches!(r, Err(AccountError::RateLimited { .. })), "{r:?}");
}

#[tokio::test]
async fn attempts_refused_for_their_address_do_not_use_up_the_accounts_ceiling() {
    let app = TestApp::spawn_with(|v| {
        v.insert("AUTH_ATTEMPTS_PER_ACCOUNT_PER_HOUR", "8".into());
    })
    .await;
    let s = &app.state;
    let email = mailbox::unique_address("flood");
    register(s, &email).await;
    // One address hammers the account far past its own limit.
    for _ in 0..30 {
        let _ = accounts::login(s, &email, "wrong password!", &client("10.6.2.66"), Utc::now()).await;
    }
    // Only the five it was allowed counted against the ceiling of eight: the owner signs in.
    accounts::login(s, &email, PASSWORD, &client("10.6.2.7"), Utc::now()).await.expect("the owner signs in");
}

#[tokio::test]
async fn two_tabs_refreshing_with_the_same_token_get_the_same_new_pair() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("tabs");
    let reg = register(s, &email).await;
    let first = accounts::login(s, &email, PASSWORD, &client("10.7.0.1"), Utc::now()).await.unwrap();
    let tab = client("10.7.0.1");
    let (a, b) = tokio::join!(
        accounts::refresh(s, &first.refresh, &tab, Utc::now()),
        accounts::refresh(s, &first.refresh, &tab, Utc::now()),
    );
    let (a, b) = (a.expect("first tab"), b.expect("second tab"));
    assert_eq!((a.session_id, &a.refresh), (b.session_id, &b.refresh));
    assert_eq!(accounts::authenticate(s, &b.access, Utc::now()).await.unwrap(), Some(reg.user_id));
    // The family is intact: the new pair keeps working.
    let next = accounts::refresh(s, &a.refresh, &client("10.7.0.1"), Utc::now()).await.expect("family intact");
    // Once the pair handed out in the grace period has itself been rotated, the old token is reuse again.
    assert!(matches!(
        accounts::refresh(s, &first.refresh, &client("10.7.0.9"), Utc::now()).await,
        Err(AccountError::SessionReused)
    ));
    assert!(accounts::refresh(s, &next.refresh, &client("10.7.0.1"), Utc::now()).await.is_err());
    // Redis holds the parked pair sealed, never the new refresh secret in the clear.
    use fred::prelude::KeysInterface as _;
    let key =
        s.redis.key(&format!("refresh-grace:{}", hex::encode(backend::auth::tokens::hash_secret(&first.refresh))));
    let parked: Option<String> = s.redis.client().get(&key).await.unwrap();
    let parked = parked.expect("the pair is parked for the grace period");
    assert!(parked.contains(&a.session_id.to_string()) && !parked.contains(&a.refresh), "{parked}");
}

#[tokio::test]
async fn an_access_token_naming_another_users_session_is_refused() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let (alice, bob) = (mailbox::unique_address("alice"), mailbox::unique_address("bob"));
    register(s, &alice).await;
    let bob_id = register(s, &bob).await.user_id;
    let alice_session = accounts::login(s, &alice, PASSWORD, &client("10.8.0.1"), Utc::now()).await.unwrap();
    // A token signed with our key (as a leaked key or a bug would allow) that pairs Bob with Alice's session.
    let forged =
        backend::auth::tokens::issue_access(&s.config.auth.secret, bob_id, alice_session.session_id, Utc::now());
    assert_eq!(accounts::authenticate(s, &forged, Utc::now()).await.unwrap(), None);
    assert!(accounts::authenticate(s, &alice_session.access, Utc::now()).await.unwrap().is_some());
}

#[tokio::test]
async fn registration_refuses_an_overlong_name_and_resends_are_limited() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("longname");
    let name = "я".repeat(domain::account::NAME_MAX_CHARS + 1);
    let r = accounts::register(
        s,
        Registration { email: &email, password: PASSWORD, name: &name, lang: Lang::Ru },
        Utc::now(),
    )
    .await;
    assert!(matches!(r, Err(AccountError::NameTooLong)), "{r:?}");

    let reg = register(s, &email).await;
    for _ in 0..3 {
        accounts::resend_verification(s, reg.user_id, Utc::now()).await.expect("a few resends an hour");
    }
    assert!(matches!(
        accounts::resend_verification(s, reg.user_id, Utc::now()).await,
        Err(AccountError::RateLimited { .. })
    ));
    // Password reset requests: five an hour per address and per account.
    for i in 0..5 {
        accounts::request_password_reset(s, &email, Lang::Ru, &client(&format!("10.9.1.{i}")), Utc::now())
            .await
            .unwrap();
    }
    let r = accounts::request_password_reset(s, &email, Lang::Ru, &client("10.9.2.1"), Utc::now()).await;
    assert!(matches!(r, Err(AccountError::RateLimited { .. })), "{r:?}");
    // Reset submissions are limited before any password hashing: a flood of made-up tokens from one address.
    for _ in 0..10 {
        let r = accounts::reset_password(s, "made-up", "a fine new password", &client("10.9.3.1"), Utc::now()).await;
        assert!(matches!(r, Err(AccountError::TokenInvalid)), "{r:?}");
    }
    let r = accounts::reset_password(s, "made-up-2", "a fine new password", &client("10.9.3.1"), Utc::now()).await;
    assert!(matches!(r, Err(AccountError::RateLimited { .. })), "{r:?}");
}

#[tokio::test]
async fn password_reset_flow_and_its_single_use_expiring_link() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("reset");
    let reg = register(s, &email).await;
    let before = accounts::login(s, &email, PASSWORD, &client("10.3.0.1"), Utc::now()).await.unwrap();

    accounts::request_password_reset(s, &email, Lang::En, &client("10.3.0.1"), Utc::now()).await.unwrap();
    let mails = mailbox::wait_for_mails(&email, 2).await;
    let reset = mails.iter().find(|m| m.subject == "Reset your ClipMaker password").expect("reset mail");
    let token = token_from(&reset.first_link().unwrap());

    // A refused password leaves the link usable.
    assert!(matches!(
        accounts::reset_password(s, &token, "1234567", &client("10.9.0.1"), Utc::now()).await,
        Err(AccountError::Password(PasswordError::TooShort))
    ));
    assert_eq!(
        accounts::reset_password(s, &token, "новый пароль ещё длиннее", &client("10.9.0.1"), Utc::now()).await.unwrap(),
        reg.user_id
    );
    assert!(matches!(
        accounts::reset_password(s, &token, "another new password", &client("10.9.0.1"), Utc::now()).await,
        Err(AccountError::TokenUsed)
    ));
    // Old password gone, new one works, and the earlier session was signed out.
    assert!(accounts::login(s, &email, PASSWORD, &client("10.3.0.2"), Utc::now()).await.is_err());
    assert!(accounts::login(s, &email, "новый пароль ещё длиннее", &client("10.3.0.3"), Utc::now()).await.is_ok());
    assert!(accounts::refresh(s, &before.refresh, &client("10.3.0.1"), Utc::now()).await.is_err());

    // Asking for an address without an account answers the same and sends nothing.
    let stranger = mailbox::unique_address("stranger");
    accounts::request_password_reset(s, &stranger, Lang::Ru, &client("10.3.0.4"), Utc::now()).await.unwrap();
    assert!(mailbox::mails_to(&stranger).await.is_empty());
}

#[tokio::test]
async fn expired_links_and_sessions_are_refused() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("expiry");
    register(s, &email).await;
    let verify = token_from(&mailbox::wait_for_mails(&email, 1).await[0].first_link().unwrap());
    let later = Utc::now() + Duration::hours(25);
    assert!(matches!(accounts::verify_email(s, &verify, later).await, Err(AccountError::TokenExpired)));
    assert!(matches!(accounts::verify_email(s, "made-up", Utc::now()).await, Err(AccountError::TokenInvalid)));

    accounts::request_password_reset(s, &email, Lang::Ru, &client("10.4.0.1"), Utc::now()).await.unwrap();
    let mails = mailbox::wait_for_mails(&email, 2).await;
    let reset_mail = mails.iter().find(|m| m.subject == "Сброс пароля ClipMaker").expect("reset mail");
    let reset = token_from(&reset_mail.first_link().unwrap());
    let two_hours = Utc::now() + Duration::hours(2);
    assert!(matches!(
        accounts::reset_password(s, &reset, "a fine new password", &client("10.9.0.1"), two_hours).await,
        Err(AccountError::TokenExpired)
    ));
    // A verification token is not a reset token.
    assert!(matches!(
        accounts::reset_password(s, &verify, "a fine new password", &client("10.9.0.1"), Utc::now()).await,
        Err(AccountError::TokenInvalid)
    ));

    let t = accounts::login(s, &email, PASSWORD, &client("10.4.0.2"), Utc::now()).await.unwrap();
    let eight_days = Utc::now() + Duration::days(8);
    assert!(matches!(
        accounts::refresh(s, &t.refresh, &client("10.4.0.2"), eight_days).await,
        Err(AccountError::TokenExpired)
    ));
    assert_eq!(accounts::authenticate(s, &t.access, Utc::now() + Duration::minutes(16)).await.unwrap(), None);
}

#[tokio::test]
async fn logout_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let s = &app.state;
    let email = mailbox::unique_address("everywhere");
    let reg = register(s, &email).await;
    let a = accounts::login(s, &email, PASSWORD, &client("10.5.0.1"), Utc::now()).await.unwrap();
    let b = accounts::login(s, &email, PASSWORD, &client("10.5.0.2"), Utc::now()).await.unwrap();
    assert_eq!(accounts::logout_everywhere(s, reg.user_id, Utc::now()).await.unwrap(), 2);
    for t in [a, b] {
        assert_eq!(accounts::authenticate(s, &t.access, Utc::now()).await.unwrap(), None);
        assert!(accounts::refresh(s, &t.refresh, &client("10.5.0.1"), Utc::now()).await.is_err());
    }
}

#[tokio::test]
async fn auto_verify_skips_the_mail() {
    let app = TestApp::spawn_with(|v| {
        v.insert("AUTO_VERIFY_EMAIL", "true".into());
    })
    .await;
    let email = mailbox::unique_address("auto");
    let reg = register(&app.state, &email).await;
    assert!(!reg.needs_verification && !reg.mail_sent);
    let verified: bool = app
        .db
        .client()
        .await
        .query_one("SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1", &[&reg.user_id])
        .await
        .unwrap()
        .get(0);
    assert!(verified);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mailbox::mails_to(&email).await.is_empty());
}
