//! Outgoing email over SMTP (lettre): the local SMTP sink in development and tests, a real server in production.
//! Every message has a plain-text and an HTML part, in the recipient's language.

use anyhow::Context as _;
use domain::{Email, Lang, i18n::MailText};
use lettre::{
    AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use crate::config::MailConfig;

/// Which message to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// Confirm the email address (link valid 24 h).
    VerifyEmail,
    /// Reset the password (link valid 1 h).
    ResetPassword,
    /// Join a team (link valid as the inviter chose, 7 days by default).
    TeamInvite,
    /// A past-due subscription: days left before the downgrade (seed 000 §8).
    RenewalReminder,
    /// The period ended with no card to renew from.
    SubscriptionExpired,
    /// The renewal charge was declined.
    PaymentFailed,
    /// Back on the Free plan.
    Downgraded,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Renders `template` in `lang` with the action `link`, and `detail` (a line about this message, such as who
/// invites) after the introduction.
pub fn render(template: Template, lang: Lang, link: &str, detail: Option<&str>) -> Rendered {
    let t = lang.dict();
    let m: &MailText = match template {
        Template::VerifyEmail => &t.mail_verify,
        Template::ResetPassword => &t.mail_reset,
        Template::TeamInvite => &t.mail_invite,
        Template::RenewalReminder => &t.billing_page.mail_reminder,
        Template::SubscriptionExpired => &t.billing_page.mail_expired,
        Template::PaymentFailed => &t.billing_page.mail_failed,
        Template::Downgraded => &t.billing_page.mail_downgraded,
    };
    let intro = match detail {
        Some(d) => format!("{} {d}", m.intro),
        None => m.intro.to_owned(),
    };
    let text = format!(
        "{greeting}\n\n{intro}\n\n{action}: {link}\n\n{expiry}\n{ignore}\n\n{signature}\n",
        greeting = t.mail_greeting,
        action = m.action,
        expiry = m.expiry,
        ignore = m.ignore,
        signature = t.mail_signature,
    );
    let e = escape_html;
    let html = format!(
        r#"<!DOCTYPE html><html lang="{code}"><body style="margin:0;padding:24px;background:#f7f7fb;font-family:Segoe UI,Roboto,Arial,sans-serif;color:#16161d">
<table role="presentation" width="100%" style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #e2e2ec;border-radius:12px;padding:24px">
<tr><td><p style="font-size:20px;font-weight:800;margin:0 0 16px">ClipMaker</p>
<p>{greeting}</p><p>{intro}</p>
<p style="margin:24px 0"><a href="{link}" style="background:#6d28d9;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">{action}</a></p>
<p style="color:#5d5d6e;font-size:14px">{expiry} {ignore}</p>
<p style="color:#5d5d6e;font-size:13px;word-break:break-all">{link}</p>
<p>{signature}</p></td></tr></table></body></html>"#,
        code = lang.code(),
        greeting = e(t.mail_greeting),
        intro = e(&intro),
        link = e(link),
        action = e(m.action),
        expiry = e(m.expiry),
        ignore = e(m.ignore),
        signature = e(t.mail_signature),
    );
    Rendered { subject: m.subject.to_owned(), text, html }
}

/// Sends mail through the configured SMTP server, one connection per message (volume is low, and the local sink
/// mislabels a second message sent over a reused connection). Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Builds the transport from `SMTP_URL` (`smtp://` plain or STARTTLS with `?tls=required`, `smtps://` TLS).
    pub fn new(cfg: &MailConfig) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
            .context("SMTP_URL")?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from: Mailbox = cfg.from.parse().context("MAIL_FROM is not a mailbox like `Name <address>`")?;
        Ok(Mailer { transport, from })
    }

    /// Renders and sends `template` to `to`. The link is not logged (it carries a secret token).
    pub async fn send(&self, to: &Email, lang: Lang, template: Template, link: &str) -> anyhow::Result<()> {
        self.send_with(to, lang, template, link, None).await
    }

    /// [`Mailer::send`] with a `detail` line after the introduction (see [`render`]).
    pub async fn send_with(
        &self,
        to: &Email,
        lang: Lang,
        template: Template,
        link: &str,
        detail: Option<&str>,
    ) -> anyhow::Result<()> {
        let r = render(template, lang, link, detail);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.as_str().parse().context("recipient address")?)
            .subject(r.subject)
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .context("building the message")?;
        self.transport.send(message).await.context("sending mail over SMTP")?;
        tracing::info!(?template, lang = lang.code(), "mail sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_in_the_chosen_language() {
        let link = "https://clipmaker.example/verify-email?token=abc&x=1";
        let ru = render(Template::VerifyEmail, Lang::Ru, link, None);
        assert_eq!(ru.subject, "Подтвердите почту для ClipMaker");
        assert!(ru.text.contains(link) && ru.text.contains("24 часа"));
        assert!(ru.html.contains("token=abc&amp;x=1"), "links are escaped in HTML");
        assert!(ru.html.contains(r#"<html lang="ru">"#));
        let en = render(Template::ResetPassword, Lang::En, link, None);
        assert_eq!(en.subject, "Reset your ClipMaker password");
        assert!(en.text.contains("1 hour"));
        let invite = render(Template::TeamInvite, Lang::Ru, link, Some("Анна приглашает вас в команду «<b>»."));
        assert!(invite.text.contains("Анна приглашает вас в команду «<b>»."));
        assert!(invite.html.contains("«&lt;b&gt;»"), "the detail is escaped in HTML");
    }

    #[test]
    fn html_escaping_covers_the_dangerous_characters() {
        assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
