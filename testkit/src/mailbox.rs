//! Reads what the SMTP sink (mailtutan, started by scripts/test) received, through its HTTP API.

use std::time::Duration;

use serde_json::Value;

use crate::services;

/// One captured message.
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// The sink's id.
    pub id: u64,
    /// Subject line.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

impl CapturedMail {
    /// The first `http(s)://` link in the plain-text part.
    pub fn first_link(&self) -> Option<String> {
        self.text.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("https://")).map(str::to_owned)
    }
}

async fn get(path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", services::mail_api_url())).await.expect("reaching the SMTP sink's API")
}

/// Every message addressed to `to`, oldest first.
pub async fn mails_to(to: &str) -> Vec<CapturedMail> {
    let list: Vec<Value> = get("/api/messages").await.json().await.expect("message list");
    let mut out = Vec::new();
    for m in list {
        let recipients = m["recipients"].as_array().cloned().unwrap_or_default();
        if !recipients.iter().any(|r| r.as_str().is_some_and(|r| r.contains(to))) {
            continue;
        }
        let id = m["id"].as_u64().expect("message id");
        out.push(CapturedMail {
            id,
            subject: m["subject"].as_str().unwrap_or_default().to_owned(),
            text: get(&format!("/api/messages/{id}/plain")).await.text().await.unwrap_or_default(),
            html: get(&format!("/api/messages/{id}/html")).await.text().await.unwrap_or_default(),
        });
    }
    out.sort_by_key(|m| m.id);
    out
}

/// Waits up to ten seconds for `count` messages to `to`, then returns them (fewer if they never came).
pub async fn wait_for_mails(to: &str, count: usize) -> Vec<CapturedMail> {
    for _ in 0..100 {
        let mails = mails_to(to).await;
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    mails_to(to).await
}

/// A unique address for one test, so tests sharing the sink never see each other's mail.
pub fn unique_address(tag: &str) -> String {
    format!("{tag}-{}@clipmaker.test", &uuid::Uuid::new_v4().simple().to_string()[..12])
}
