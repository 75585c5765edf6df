//! Sending through real SMTP to the sink that scripts/test starts.

use backend::{
    config::MailConfig,
    mail::{Mailer, Template},
};
use domain::{Email, Lang};
use testkit::{closed_port, mailbox, services};

fn mailer(smtp_url: String) -> Mailer {
    Mailer::new(&MailConfig { smtp_url, from: "ClipMaker <no-reply@clipmaker.test>".into() }).unwrap()
}

#[tokio::test]
async fn a_verification_mail_arrives_with_both_parts_in_the_users_language() {
    let to = mailbox::unique_address("verify");
    let link = "http://127.0.0.1:3000/verify-email?token=t0k3n";
    mailer(services::smtp_url())
        .send(&Email::parse(&to).unwrap(), Lang::Ru, Template::VerifyEmail, link)
        .await
        .unwrap();
    let mails = mailbox::wait_for_mails(&to, 1).await;
    assert_eq!(mails.len(), 1, "the sink received {mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.subject, "Подтвердите почту для ClipMaker");
    assert_eq!(mail.first_link().as_deref(), Some(link));
    assert!(mail.text.contains("Подтвердить почту"), "{}", mail.text);
    assert!(mail.html.contains(r#"href="http://127.0.0.1:3000/verify-email?token=t0k3n""#), "{}", mail.html);
}

#[tokio::test]
async fn an_english_reset_mail() {
    let to = mailbox::unique_address("reset");
    mailer(services::smtp_url())
        .send(&Email::parse(&to).unwrap(), Lang::En, Template::ResetPassword, "http://x.test/reset-password?token=1")
        .await
        .unwrap();
    let mails = mailbox::wait_for_mails(&to, 1).await;
    assert_eq!(mails[0].subject, "Reset your ClipMaker password");
    assert!(mails[0].text.contains("1 hour"));
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_error() {
    let err = mailer(format!("smtp://127.0.0.1:{}", closed_port()))
        .send(&Email::parse("a@b.test").unwrap(), Lang::Ru, Template::VerifyEmail, "http://x")
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("SMTP"), "{err:#}");
}
