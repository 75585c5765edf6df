//! A small client of the YooKassa API v3: HTTP Basic with the shop id and secret key, an `Idempotence-Key` on every
//! POST, JSON both ways, and YooKassa's error body (`{"type": "error", "code", "description"}`) read into
//! [`ApiError`]. Only what billing uses: create a payment, read one, read a refund.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::BillingConfig;

/// A payment as the API reports it (the fields billing reads).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Payment {
    /// YooKassa's id.
    pub id: String,
    /// `pending`, `waiting_for_capture`, `succeeded` or `canceled`.
    pub status: String,
    /// Whether the money was paid.
    #[serde(default)]
    pub paid: bool,
    /// The amount.
    pub amount: Amount,
    /// How the payer confirms: a redirect URL or QR data.
    #[serde(default)]
    pub confirmation: Option<Confirmation>,
    /// The payment method, once chosen.
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// Why it was canceled.
    #[serde(default)]
    pub cancellation_details: Option<CancellationDetails>,
    /// What we attached when creating it.
    #[serde(default)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// An amount: a decimal string in rubles and a currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Amount {
    /// `"990.00"`.
    pub value: String,
    /// `"RUB"`.
    pub currency: String,
}

/// A payment's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Confirmation {
    /// `redirect` or `qr`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where to send the payer (`redirect`).
    #[serde(default)]
    pub confirmation_url: Option<String>,
    /// What the QR code encodes (`qr`: an SBP payment link).
    #[serde(default)]
    pub confirmation_data: Option<String>,
}

/// The method a payment was made with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PaymentMethod {
    /// `bank_card`, `sbp` …
    #[serde(rename = "type")]
    pub kind: String,
    /// The method's id (the one to charge again when `saved`).
    pub id: String,
    /// Whether it may be charged again without the payer.
    #[serde(default)]
    pub saved: bool,
    /// The card, for `bank_card`.
    #[serde(default)]
    pub card: Option<Card>,
    /// A display title, `Bank card *4444`.
    #[serde(default)]
    pub title: Option<String>,
}

/// A card's public details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Card {
    /// The last four digits.
    pub last4: String,
    /// `Mir`, `MasterCard` …
    #[serde(default)]
    pub card_type: Option<String>,
}

/// Why a payment was canceled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CancellationDetails {
    /// Who canceled it.
    pub party: String,
    /// Why, e.g. `insufficient_funds`.
    pub reason: String,
}

/// A refund as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Refund {
    /// YooKassa's id.
    pub id: String,
    /// The payment refunded.
    pub payment_id: String,
    /// `pending`, `succeeded` or `canceled`.
    pub status: String,
    /// How much.
    pub amount: Amount,
}

/// What went wrong talking to YooKassa.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// YooKassa answered with an error body.
    #[error("YooKassa answered {status} {code}: {description}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// Its error code, e.g. `invalid_request`.
        code: String,
        /// Its description.
        description: String,
    },
    /// No answer, or an answer that is not what the API documents.
    #[error("YooKassa could not be reached or answered nonsense: {0}")]
    Transport(String),
}

impl ApiError {
    /// Whether trying again later (same key) may succeed: rate limits, server errors, no answer.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Api { status, .. } => *status == 429 || *status >= 500 || *status == 202,
            ApiError::Transport(_) => true,
        }
    }
}

/// The API client; cheap to clone.
#[derive(Clone)]
pub struct YooKassa {
    http: reqwest::Client,
    base: String,
    shop_id: String,
    secret: String,
}

impl std::fmt::Debug for YooKassa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YooKassa").field("base", &self.base).field("shop_id", &self.shop_id).finish_non_exhaustive()
    }
}

impl YooKassa {
    /// The client for `cfg`; `None` when no shop is configured.
    pub fn new(cfg: &BillingConfig) -> Option<YooKassa> {
        let (shop_id, secret) = (cfg.shop_id.clone()?, cfg.secret_key.as_ref()?.0.clone());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .ok()?;
        Some(YooKassa { http, base: cfg.api_url.trim_end_matches('/').to_owned(), shop_id, secret })
    }

    /// `POST /payments` with `body` under `key`.
    pub async fn create_payment(&self, key: &str, body: &Value) -> Result<Payment, ApiError> {
        let req = self.http.post(format!("{}/payments", self.base)).header("Idempotence-Key", key).json(body);
        self.send(req).await
    }

    /// `GET /payments/{id}`.
    pub async fn payment(&self, id: &str) -> Result<Payment, ApiError> {
        self.send(self.http.get(format!("{}/payments/{}", self.base, path_part(id)?))).await
    }

    /// `GET /refunds/{id}`.
    pub async fn refund(&self, id: &str) -> Result<Refund, ApiError> {
        self.send(self.http.get(format!("{}/refunds/{}", self.base, path_part(id)?))).await
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, ApiError> {
        let res = req
            .basic_auth(&self.shop_id, Some(&self.secret))
            .send()
            .await
            .map_err(|e| ApiError::Transport(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| ApiError::Transport(e.without_url().to_string()))?;
        if status == 200 {
            return serde_json::from_slice(&bytes).map_err(|e| ApiError::Transport(format!("reading the reply: {e}")));
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        Err(ApiError::Api {
            status,
            code: text("code").unwrap_or_else(|| "unknown".into()),
            description: text("description").unwrap_or_default(),
        })
    }
}

/// An id as a URL path segment: YooKassa's ids are UUID-like; anything else is refused rather than sent.
fn path_part(id: &str) -> Result<&str, ApiError> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(id) } else { Err(ApiError::Transport(format!("{id:?} is not a YooKassa id"))) }
}

/// What a receipt (54-FZ) needs besides the item.
#[derive(Debug, Clone)]
pub struct ReceiptFacts<'a> {
    /// The customer's email.
    pub email: &'a str,
    /// The item's description.
    pub item: &'a str,
    /// VAT code, 1–12.
    pub vat_code: u8,
    /// `service` …
    pub payment_subject: &'a str,
    /// `full_payment` …
    pub payment_mode: &'a str,
}

/// The receipt of a one-item payment of `kopecks`.
pub fn receipt(kopecks: i64, facts: &ReceiptFacts<'_>) -> Value {
    json!({
        "customer": { "email": facts.email },
        "items": [{
            "description": truncate(facts.item, 128),
            "quantity": "1.00",
            "amount": rub(kopecks),
            "vat_code": facts.vat_code,
            "payment_subject": facts.payment_subject,
            "payment_mode": facts.payment_mode,
        }],
    })
}

/// An amount object of `kopecks` rubles.
pub fn rub(kopecks: i64) -> Value {
    json!({ "value": domain::billing::amount_value(kopecks), "currency": "RUB" })
}

/// At most `max` characters of `s`.
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_carry_the_customer_item_and_tax_settings() {
        let r = receipt(
            99_000,
            &ReceiptFacts {
                email: "a@b.ru",
                item: "ClipMaker Start",
                vat_code: 1,
                payment_subject: "service",
                payment_mode: "full_payment",
            },
        );
        assert_eq!(r["customer"]["email"], "a@b.ru");
        assert_eq!(r["items"][0]["amount"]["value"], "990.00");
        assert_eq!(r["items"][0]["quantity"], "1.00");
        assert_eq!(r["items"][0]["vat_code"], 1);
    }

    #[test]
    fn only_id_shaped_strings_reach_a_url_path() {
        assert!(path_part("22d6d597-000f-5000-9000-145f6df21d6f").is_ok());
        for bad in ["", "../x", "a/b", "a?b", &"x".repeat(65)] {
            assert!(path_part(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retryable_errors_are_the_transient_ones() {
        let api = |status| ApiError::Api { status, code: String::new(), description: String::new() };
        assert!(api(500).retryable() && api(429).retryable());
        assert!(!api(400).retryable() && !api(401).retryable() && !api(403).retryable());
        assert!(ApiError::Transport("reset".into()).retryable());
    }
}
