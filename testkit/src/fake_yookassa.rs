//! A fake YooKassa API v3 over real HTTP on loopback, for the tests and as the development simulator
//! (`fake-yookassa` binary, started by `scripts/dev` when no shop id is set).
//!
//! It speaks the documented shapes: HTTP Basic with the shop id and secret key (401 `invalid_credentials`), an
//! `Idempotence-Key` on every POST (400 without one or over 64 characters; the same key and body replays the first
//! answer; the same key with another body is 400 "Idempotence key duplicated"), `POST /v3/payments` (a receipt with
//! the customer's email is required, as for a shop under 54-FZ), `GET /v3/payments/{id}`, `POST /v3/refunds`,
//! `GET /v3/refunds/{id}`, and error bodies `{"type": "error", "id", "code", "description", "parameter"}`. Tests can
//! make the next answers fail with any status ([`FakeYooKassa::fail_next`]).
//!
//! Payments stay `pending` until they are paid or declined: on the hosted page (`/checkout/{id}`, where a card
//! payment's `confirmation_url` points), on the SBP page the QR code links to (`/sbp/{id}`, standing in for
//! `https://qr.nspk.ru/…`), or by a test ([`FakeYooKassa::pay`]). Then a notification
//! (`{"type": "notification", "event": "payment.succeeded", "object": {…}}`) is posted to the webhook URL, if one
//! is set. A charge of a saved card (`payment_method_id`) is settled at once: succeeded, or canceled with
//! `insufficient_funds` when [`FakeYooKassa::decline_recurring`] is on.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::FakeServer;

/// The shop id the fake accepts.
pub const SHOP_ID: &str = "123456";
/// The secret key the fake accepts.
pub const SECRET_KEY: &str = "test_fake_secret_key";

#[derive(Default)]
struct Inner {
    base: String,
    webhook: Option<String>,
    payments: HashMap<String, Value>,
    /// Where each hosted-page payment returns to.
    returns: HashMap<String, String>,
    refunds: HashMap<String, Value>,
    /// Idempotence key → (hash of method, path and body; status; body).
    keys: HashMap<String, (String, u16, Value)>,
    /// Saved payment methods: id → the method object.
    saved: HashMap<String, Value>,
    fail: VecDeque<u16>,
    decline_recurring: bool,
    /// Notifications posted: (event, object id, our webhook's status).
    notified: Vec<(String, String, u16)>,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake YooKassa.
pub struct FakeYooKassa {
    /// The HTTP server; its request log is available.
    pub server: FakeServer,
    shared: Shared,
}

fn error(status: u16, code: &str, description: &str, parameter: Option<&str>) -> (u16, Value) {
    let mut body = json!({
        "type": "error",
        "id": uuid::Uuid::new_v4().to_string(),
        "code": code,
        "description": description,
    });
    if let Some(p) = parameter {
        body["parameter"] = json!(p);
    }
    (status, body)
}

fn code_of(status: u16) -> &'static str {
    match status {
        400 => "invalid_request",
        401 => "invalid_credentials",
        403 => "forbidden",
        404 => "not_found",
        429 => "too_many_requests",
        _ => "internal_server_error",
    }
}

fn reply((status, body): (u16, Value)) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(body)).into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    let expected = format!("Basic {}", STANDARD.encode(format!("{SHOP_ID}:{SECRET_KEY}")));
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The checks every request passes first: credentials, an injected failure.
fn gate(shared: &Shared, headers: &HeaderMap) -> Option<(u16, Value)> {
    if !authorized(headers) {
        return Some(error(401, "invalid_credentials", "Authentication by given credentials failed", None));
    }
    let injected = shared.lock().unwrap().fail.pop_front();
    injected.map(|status| {
        let mut e = error(status, code_of(status), "Injected by the test", None);
        if status == 429 {
            e.1["retry_after"] = json!(1800);
        }
        e
    })
}

/// Runs a POST under its idempotence key: a replay with the same body gets the stored answer.
fn idempotent(
    shared: &Shared,
    headers: &HeaderMap,
    path: &str,
    body: &Bytes,
    run: impl FnOnce(&mut Inner, &Value) -> (u16, Value),
) -> (u16, Value) {
    let Some(key) = headers.get("idempotence-key").and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return error(400, "invalid_request", "Idempotence key is missing", Some("Idempotence-Key"));
    };
    if key.is_empty() || key.len() > 64 {
        return error(
            400,
            "invalid_request",
            "Idempotence key is too long. Send the value in accordance with the documentation",
            Some("Idempotence-Key"),
        );
    }
    let hash = hex::encode(Sha256::new().chain_update(path).chain_update(body).finalize());
    let mut inner = shared.lock().unwrap();
    if let Some((stored, status, answer)) = inner.keys.get(&key) {
        return if *stored == hash {
            (*status, answer.clone())
        } else {
            error(400, "invalid_request", "Idempotence key duplicated", Some("Idempotence-Key"))
        };
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error(400, "invalid_request", "Request body is not valid JSON", None);
    };
    let (status, answer) = run(&mut inner, &request);
    if status < 500 {
        inner.keys.insert(key, (hash, status, answer.clone()));
    }
    (status, answer)
}

fn amount_ok(v: &Value) -> bool {
    v["currency"] == "RUB" && v["value"].as_str().and_then(domain::billing::parse_amount).is_some_and(|k| k > 0)
}

fn create_payment(inner: &mut Inner, req: &Value) -> (u16, Value) {
    if !amount_ok(&req["amount"]) {
        return error(400, "invalid_request", "Invalid amount", Some("amount"));
    }
    let receipt = &req["receipt"];
    let items_ok = receipt["items"].as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|i| {
                i["description"].is_string()
                    && amount_ok(&i["amount"])
                    && i["vat_code"].as_u64().is_some_and(|c| (1..=12).contains(&c))
                    && i["quantity"].is_string()
            })
    });
    if !receipt["customer"]["email"].is_string() || !items_ok {
        return error(400, "invalid_request", "Receipt is missing or illegal", Some("receipt"));
    }
    let id = new_id();
    let mut payment = json!({
        "id": id,
        "status": "pending",
        "paid": false,
        "amount": req["amount"],
        "created_at": now(),
        "description": req["description"],
        "metadata": req.get("metadata").cloned().unwrap_or(json!({})),
        "recipient": { "account_id": SHOP_ID, "gateway_id": "100700" },
        "refundable": false,
        "test": true,
    });
    if let Some(method_id) = req["payment_method_id"].as_str() {
        let Some(method) = inner.saved.get(method_id).cloned() else {
            return error(400, "invalid_request", "Payment method is not available", Some("payment_method_id"));
        };
        payment["payment_method"] = method;
        if inner.decline_recurring {
            payment["status"] = json!("canceled");
            payment["cancellation_details"] = json!({ "party": "payment_network", "reason": "insufficient_funds" });
        } else {
            settle_paid(&mut payment);
        }
        inner.payments.insert(id, payment.clone());
        return (200, payment);
    }
    match (req["payment_method_data"]["type"].as_str(), req["confirmation"]["type"].as_str()) {
        (Some("sbp"), Some("qr")) => {
            payment["payment_method"] = json!({ "type": "sbp", "id": id, "saved": false });
            payment["confirmation"] = json!({ "type": "qr", "confirmation_data": format!("{}/sbp/{id}", inner.base) });
        }
        (Some("bank_card") | None, Some("redirect")) => {
            let Some(back) = req["confirmation"]["return_url"].as_str() else {
                return error(400, "invalid_request", "Return URL is missing", Some("confirmation.return_url"));
            };
            inner.returns.insert(id.clone(), back.to_owned());
            payment["confirmation"] = json!({
                "type": "redirect",
                "return_url": back,
                "confirmation_url": format!("{}/checkout/{id}", inner.base),
            });
            payment["save_payment_method"] = req["save_payment_method"].clone();
        }
        _ => {
            return error(
                400,
                "invalid_request",
                "Unsupported confirmation for this payment method",
                Some("confirmation"),
            );
        }
    }
    inner.payments.insert(id, payment.clone());
    (200, payment)
}

fn settle_paid(payment: &mut Value) {
    payment["status"] = json!("succeeded");
    payment["paid"] = json!(true);
    payment["captured_at"] = json!(now());
    payment["refundable"] = json!(true);
    payment["refunded_amount"] = json!({ "value": "0.00", "currency": "RUB" });
}

async fn payments_post(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(e) = gate(&shared, &headers) {
        return reply(e);
    }
    reply(idempotent(&shared, &headers, "/v3/payments", &body, create_payment))
}

async fn payment_get(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(e) = gate(&shared, &headers) {
        return reply(e);
    }
    match shared.lock().unwrap().payments.get(&id) {
        Some(p) => reply((200, p.clone())),
        None => reply(error(404, "not_found", "Payment doesn't exist or access denied", None)),
    }
}

async fn refunds_post(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(e) = gate(&shared, &headers) {
        return reply(e);
    }
    reply(idempotent(&shared, &headers, "/v3/refunds", &body, |inner, req| {
        let Some(payment) = req["payment_id"].as_str().and_then(|id| inner.payments.get(id)) else {
            return error(400, "invalid_request", "Payment doesn't exist", Some("payment_id"));
        };
        if payment["status"] != "succeeded" || !amount_ok(&req["amount"]) {
            return error(400, "invalid_request", "Refund is not possible", Some("amount"));
        }
        let refund = json!({
            "id": new_id(),
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": req["amount"],
            "created_at": now(),
            "description": req["description"],
        });
        inner.refunds.insert(refund["id"].as_str().unwrap_or_default().to_owned(), refund.clone());
        (200, refund)
    }))
}

async fn refund_get(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(e) = gate(&shared, &headers) {
        return reply(e);
    }
    match shared.lock().unwrap().refunds.get(&id) {
        Some(r) => reply((200, r.clone())),
        None => reply(error(404, "not_found", "Refund doesn't exist or access denied", None)),
    }
}

/// Pays or declines a pending payment; returns the payment, `None` when it is unknown or settled.
fn settle(shared: &Shared, id: &str, pay: bool) -> Option<Value> {
    let mut inner = shared.lock().unwrap();
    let mut payment = inner.payments.get(id).cloned()?;
    if payment["status"] != "pending" {
        return None;
    }
    if pay {
        if payment["payment_method"].is_null() {
            let method_id = new_id();
            let saved = payment["save_payment_method"] == json!(true);
            let method = json!({
                "type": "bank_card",
                "id": method_id,
                "saved": saved,
                "card": { "first6": "220220", "last4": "4444", "expiry_month": "12", "expiry_year": "2030",
                          "card_type": "Mir", "issuer_country": "RU" },
                "title": "Bank card *4444",
            });
            if saved {
                inner.saved.insert(method_id, method.clone());
            }
            payment["payment_method"] = method;
        }
        settle_paid(&mut payment);
    } else {
        payment["status"] = json!("canceled");
        payment["cancellation_details"] = json!({ "party": "yoo_money", "reason": "general_decline" });
    }
    if let Some(obj) = payment.as_object_mut() {
        obj.remove("save_payment_method");
    }
    inner.payments.insert(id.to_owned(), payment.clone());
    Some(payment)
}

/// Posts a notification about `object` to the webhook URL, if one is set; returns our webhook's status.
async fn notify(shared: &Shared, event: &str, object: &Value) -> Option<u16> {
    let url = shared.lock().unwrap().webhook.clone()?;
    let body = json!({ "type": "notification", "event": event, "object": object });
    let status = match reqwest::Client::new().post(&url).json(&body).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    };
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    shared.lock().unwrap().notified.push((event.to_owned(), id, status));
    Some(status)
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:6px;border:1px solid #888;cursor:pointer}}
.pay{{background:#6d28d9;color:#fff;border-color:#6d28d9}}</style></head><body>
<p><strong>ЮKassa · simulator</strong></p>{body}</body></html>"#
    ))
}

fn describe(payment: &Value) -> String {
    format!(
        "<h1>{} ₽</h1><p>{}</p>",
        payment["amount"]["value"].as_str().unwrap_or("?"),
        html_escape(payment["description"].as_str().unwrap_or(""))
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn checkout_page(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(payment) = shared.lock().unwrap().payments.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, page("Not found", "<p>No such payment.</p>")).into_response();
    };
    let body = format!(
        r#"{}<p>Test card 2202 2020 0000 4444 (Mir)</p>
<form method="post" action="/checkout/{id}"><button class="pay" name="outcome" value="pay" data-testid="sim-pay">Оплатить</button>
<button name="outcome" value="decline" data-testid="sim-decline">Отклонить</button></form>"#,
        describe(&payment)
    );
    page("Оплата картой", &body).into_response()
}

#[derive(serde::Deserialize)]
struct Outcome {
    outcome: String,
}

async fn checkout_submit(State(shared): State<Shared>, Path(id): Path<String>, Form(f): Form<Outcome>) -> Response {
    let settled = settle(&shared, &id, f.outcome == "pay");
    if let Some(p) = &settled {
        let event = if p["status"] == "succeeded" { "payment.succeeded" } else { "payment.canceled" };
        notify(&shared, event, p).await;
    }
    match shared.lock().unwrap().returns.get(&id) {
        Some(back) => Redirect::to(back).into_response(),
        None => page("Done", "<p>Done.</p>").into_response(),
    }
}

async fn sbp_page(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(payment) = shared.lock().unwrap().payments.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, page("Not found", "<p>No such payment.</p>")).into_response();
    };
    let state = if payment["status"] == "pending" {
        format!(
            r#"<p>Оплата по СБП: так её увидит приложение банка.</p><form method="post" action="/sbp/{id}">
<button class="pay" name="outcome" value="pay" data-testid="sim-pay">Оплатить</button>
<button name="outcome" value="decline" data-testid="sim-decline">Отклонить</button></form>"#
        )
    } else {
        format!(r#"<p data-testid="sim-status">{}</p>"#, payment["status"].as_str().unwrap_or(""))
    };
    page("СБП", &format!("{}{state}", describe(&payment))).into_response()
}

async fn sbp_submit(State(shared): State<Shared>, Path(id): Path<String>, Form(f): Form<Outcome>) -> Response {
    if let Some(p) = settle(&shared, &id, f.outcome == "pay") {
        let event = if p["status"] == "succeeded" { "payment.succeeded" } else { "payment.canceled" };
        notify(&shared, event, &p).await;
    }
    Redirect::to(&format!("/sbp/{id}")).into_response()
}

/// The router (for the tests' [`FakeYooKassa`] and the `fake-yookassa` binary).
fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v3/payments", post(payments_post))
        .route("/v3/payments/{id}", get(payment_get))
        .route("/v3/refunds", post(refunds_post))
        .route("/v3/refunds/{id}", get(refund_get))
        .route("/checkout/{id}", get(checkout_page).post(checkout_submit))
        .route("/sbp/{id}", get(sbp_page).post(sbp_submit))
        .with_state(shared)
}

impl FakeYooKassa {
    /// Starts the fake on a free loopback port, posting notifications to `webhook` (our
    /// `…/api/billing/webhook`) when set.
    pub async fn start(webhook: Option<String>) -> FakeYooKassa {
        let shared: Shared = Arc::new(Mutex::new(Inner { webhook, ..Default::default() }));
        let server = FakeServer::start(router(shared.clone())).await;
        shared.lock().unwrap().base = server.url().to_owned();
        FakeYooKassa { server, shared }
    }

    /// Serves the fake on `listener` until the process ends (the `fake-yookassa` binary).
    pub async fn serve(listener: tokio::net::TcpListener, base: String, webhook: Option<String>) -> anyhow::Result<()> {
        let shared: Shared = Arc::new(Mutex::new(Inner { base, webhook, ..Default::default() }));
        axum::serve(listener, router(shared)).await?;
        Ok(())
    }

    /// The API's base URL (`YOOKASSA_API_URL`).
    pub fn api_url(&self) -> String {
        format!("{}/v3", self.server.url())
    }

    /// Sets where notifications go.
    pub fn set_webhook(&self, url: &str) {
        self.shared.lock().unwrap().webhook = Some(url.to_owned());
    }

    /// The next answers (any endpoint) are errors with these HTTP statuses, in order.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.shared.lock().unwrap().fail.extend(statuses);
    }

    /// Whether charges of saved cards are declined (`insufficient_funds`).
    pub fn decline_recurring(&self, on: bool) {
        self.shared.lock().unwrap().decline_recurring = on;
    }

    /// A payment as the API would return it.
    pub fn payment(&self, id: &str) -> Option<Value> {
        self.shared.lock().unwrap().payments.get(id).cloned()
    }

    /// Every payment created, in no particular order.
    pub fn payments(&self) -> Vec<Value> {
        self.shared.lock().unwrap().payments.values().cloned().collect()
    }

    /// Pays a pending payment (as the payer would) without notifying; returns it.
    pub fn pay(&self, id: &str) -> Option<Value> {
        settle(&self.shared, id, true)
    }

    /// Declines a pending payment without notifying; returns it.
    pub fn decline(&self, id: &str) -> Option<Value> {
        settle(&self.shared, id, false)
    }

    /// Posts a notification of `event` about the payment or refund `id` as it is now; returns our webhook's status.
    pub async fn notify(&self, event: &str, id: &str) -> Option<u16> {
        let object = {
            let inner = self.shared.lock().unwrap();
            inner.payments.get(id).or_else(|| inner.refunds.get(id)).cloned()
        }?;
        notify(&self.shared, event, &object).await
    }

    /// Refunds `kopecks` of a succeeded payment directly (as the shop's dashboard would); returns the refund.
    pub fn refund(&self, payment_id: &str, kopecks: i64) -> Option<Value> {
        let mut inner = self.shared.lock().unwrap();
        let payment = inner.payments.get(payment_id)?.clone();
        let refund = json!({
            "id": new_id(),
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": { "value": domain::billing::amount_value(kopecks), "currency": "RUB" },
            "created_at": now(),
        });
        inner.refunds.insert(refund["id"].as_str()?.to_owned(), refund.clone());
        Some(refund)
    }

    /// Notifications posted so far: (event, object id, our webhook's HTTP status, 0 when unreachable).
    pub fn notified(&self) -> Vec<(String, String, u16)> {
        self.shared.lock().unwrap().notified.clone()
    }
}
