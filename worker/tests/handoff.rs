//! The key hand-off end to end (issue 19): keys sealed as the browser seals them reach the provider, are kept only in
//! Redis while the video is processed, and leave no trace; a refused, lost or foreign hand-off leaves the job on the
//! server's key, and the usage records say so.
//!
//! The canary test owns the global trace-level log subscriber; nextest runs each test in a process of its own.

use backend::{jobs::Analyze, queue::EnqueueOptions};
use fred::prelude::KeysInterface as _;
use serde_json::json;
use testkit::{
    TestApp, eventually,
    fake_llm::{Api, FakeLlm, KEY, Step},
};
use uuid::Uuid;

mod common;
use common::{InProcessWorker, analyzing_video, complete_upload, send_parts, spawn, status};

const T_PRO: &str = "t-tech/T-pro-it-2.1";
const GIGACHAT: &str = "ai-sage/GigaChat3-10B-A1.8B";
const QWEN: &str = "Qwen/Qwen3-235B-A22B-Instruct-2507";
const GLM: &str = "zai-org/GLM-4.6";

/// What the browser sends for `user` with the vault open: `keys` sealed to the app's hand-off key.
fn sealed(app: &TestApp, user: Uuid, keys: &[(&str, &str)]) -> String {
    let public = backend::handoff::public_key(&app.state.config.handoff);
    let random = |_| *Uuid::new_v4().as_bytes();
    let ephemeral: [u8; 32] = [random(0), random(1)].concat().try_into().unwrap();
    let nonce: [u8; 12] = random(2)[..12].try_into().unwrap();
    backend::handoff::seal(&public, user, keys, ephemeral, nonce).unwrap()
}

/// A fake Cloud.ru whose every model proposes no clip (the local analyzer then picks them), accepting `keys`.
async fn cloudru_without_proposals(keys: &[&str]) -> FakeLlm {
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    for k in keys {
        cloudru.accept_key(k);
    }
    for model in [T_PRO, GIGACHAT, QWEN, GLM] {
        cloudru.script(model, (0..20).map(|_| Step::Json(json!({ "clips": [] }))));
    }
    cloudru
}

async fn handoff_entry(app: &TestApp, video: &str) -> Option<String> {
    app.state.redis.client().get(app.state.redis.key(&format!("handoff:{video}"))).await.unwrap()
}

async fn llm_key_sources(app: &TestApp, video: Uuid) -> Vec<(String, i64)> {
    app.db
        .client()
        .await
        .query("SELECT key_source, llm_cost_kopecks FROM usage_records WHERE video_id = $1 AND kind = 'llm'", &[&video])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn a_canary_key_reaches_the_provider_and_leaves_no_trace() {
    let capture = testkit::logs::LogCapture::install_trace();
    let canary = "sk-canary-5e1f0a9c7d3b42e8a6c4";
    let cloudru = cloudru_without_proposals(&[canary]).await;
    let base = cloudru.base_url();
    // No server key for the LLM: only the user's own key can reach it.
    let app = spawn(&[("CLOUDRU_BASE_URL", &base), ("LLM_BACKOFF_MS", "5")]).await;
    let (client, _, user) = app.signed_in().await;
    app.db
        .client()
        .await
        .execute("UPDATE users SET clip_min_seconds = 5, clip_max_seconds = 20 WHERE id = $1", &[&user])
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("cm-handoff-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let sentences = [
        "Why do most short videos never get any views at all?",
        "Because the best moment is buried at the very end of the video.",
        "Move your strongest line into the first three seconds of the clip.",
        "Then keep every clip short, clear and easy to follow on a phone.",
    ];
    let wav = testkit::speech::speech_wav(&dir, "en-us", &sentences, 0.5);
    let mp4 = dir.join("talk.mp4");
    testkit::speech::talking_video(&wav, &mp4);
    let data = std::fs::read(&mp4).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let worker = InProcessWorker::start(&app);
    let id = send_parts(&client, &app, &data, "talk.mp4", "video/mp4").await;
    let header = sealed(&app, user, &[("cloudru", canary), ("openai", "sk-second-key-0000")]);
    assert!(!header.contains(canary));
    let done = complete_upload(&client, &app, &id, Some(&header)).await;
    assert_eq!(done.status(), 200);
    let kept = handoff_entry(&app, &id).await.expect("the sealed keys are kept in Redis for the job");
    assert_eq!(kept, header, "kept as sent, not opened");
    eventually("the video is processed", async || matches!(status(&app, &id).await.as_str(), "completed" | "failed"))
        .await;
    worker.stop().await;
    let video = Uuid::parse_str(&id).unwrap();
    let (state, _, _, _, _, failure) = common::video(&app, &id).await;
    let log = capture.text();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR") || l.contains("WARN")).collect();
    assert_eq!(state, "completed", "{failure:?}: {errors:#?}");

    // The provider received the canary, and only the canary, as its bearer key.
    let auths: Vec<String> =
        cloudru.server.requests().iter().filter_map(|r| r.header("authorization").map(str::to_owned)).collect();
    assert!(!auths.is_empty(), "the LLM was called");
    assert!(auths.iter().all(|a| *a == format!("Bearer {canary}")), "{auths:?}");
    let sources = llm_key_sources(&app, video).await;
    assert!(!sources.is_empty() && sources.iter().all(|(s, cost)| s == "user" && *cost == 0), "{sources:?}");
    let costs = backend::videos::costs(&mut app.state.db.get().await.unwrap(), video).await.unwrap();
    assert_eq!(costs.llm.map(|l| l.keys), Some(vec![domain::keys::KeyPaid::User]));

    // Gone from Redis at the terminal state, and nowhere else.
    assert_eq!(handoff_entry(&app, &id).await, None);
    for secret in [canary, "sk-second-key-0000"] {
        assert_eq!(testkit::traces::find_everywhere(&app, secret).await, Vec::<String>::new(), "{secret}");
        assert!(!capture.text().contains(secret), "{secret} is in the trace-level log");
    }
    assert!(capture.text().contains("sealed keys deleted"), "the log shows the hand-off's life without the keys");
}

#[tokio::test]
async fn a_refused_user_key_falls_back_to_the_servers_through_the_handoff() {
    let cloudru = cloudru_without_proposals(&[]).await;
    let base = cloudru.base_url();
    let app = spawn(&[("CLOUDRU_BASE_URL", &base), ("CLOUDRU_API_KEY", KEY), ("WORKER_QUEUES", "llm-analyze")]).await;
    let (_, _, user) = app.signed_in().await;
    let t = testkit::speech::timed_transcript(&["A sentence about nothing much in particular here."; 40], 0.6);
    let id = analyzing_video(&app, user, &t).await;
    let header = sealed(&app, user, &[("cloudru", "sk-user-revoked")]);
    backend::handoff::accept(&app.state, user, id, Some(&header)).await.unwrap();
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the clips are chosen", async || status(&app, &id.to_string()).await != "analyzing").await;
    worker.stop().await;
    let auths: Vec<String> =
        cloudru.server.requests().iter().filter_map(|r| r.header("authorization").map(str::to_owned)).collect();
    // Each call tries the user's key first, then the server's.
    let server = format!("Bearer {KEY}");
    assert!(!auths.is_empty() && auths.len().is_multiple_of(2), "{auths:?}");
    for pair in auths.chunks(2) {
        assert_eq!(pair, ["Bearer sk-user-revoked", server.as_str()], "{auths:?}");
    }
    let sources = llm_key_sources(&app, id).await;
    assert!(!sources.is_empty(), "usage recorded");
    assert!(sources.iter().all(|(s, _)| s == "server_after_user_refused"), "{sources:?}");
}

#[tokio::test]
async fn lost_or_foreign_sealed_keys_leave_the_job_on_the_servers_key_and_say_so() {
    let cloudru = cloudru_without_proposals(&["sk-own-key"]).await;
    let base = cloudru.base_url();
    let app = spawn(&[("CLOUDRU_BASE_URL", &base), ("CLOUDRU_API_KEY", KEY), ("WORKER_QUEUES", "llm-analyze")]).await;
    let (_, _, user) = app.signed_in().await;
    let other = app.create_user("someone-else@example.com").await;
    let t = testkit::speech::timed_transcript(&["A sentence about nothing much in particular here."; 40], 0.6);

    // Expired: sent, then gone from Redis before the job ran.
    let expired = analyzing_video(&app, user, &t).await;
    backend::handoff::accept(&app.state, user, expired, Some(&sealed(&app, user, &[("cloudru", "sk-own-key")])))
        .await
        .unwrap();
    backend::handoff::forget(&app.state, expired).await;
    // Foreign: sealed for another user and replayed on this user's video.
    let foreign = analyzing_video(&app, user, &t).await;
    backend::handoff::accept(&app.state, user, foreign, Some(&sealed(&app, other, &[("cloudru", "sk-own-key")])))
        .await
        .unwrap();
    // Malformed: not a hand-off at all.
    let malformed = analyzing_video(&app, user, &t).await;
    backend::handoff::accept(&app.state, user, malformed, Some("v1.not-a-handoff")).await.unwrap();
    // Someone else's video: the header is ignored.
    let theirs = analyzing_video(&app, other, &t).await;
    backend::handoff::accept(&app.state, user, theirs, Some(&sealed(&app, user, &[("cloudru", "sk-own-key")])))
        .await
        .unwrap();
    assert_eq!(handoff_entry(&app, &theirs.to_string()).await, None);

    let worker = InProcessWorker::start(&app);
    for id in [expired, foreign, malformed, theirs] {
        app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    }
    for id in [expired, foreign, malformed, theirs] {
        eventually("the clips are chosen", async || status(&app, &id.to_string()).await != "analyzing").await;
    }
    worker.stop().await;
    assert!(
        cloudru.server.requests().iter().all(|r| r.header("authorization") == Some(&format!("Bearer {KEY}"))),
        "only the server's key was used"
    );
    for id in [expired, foreign, malformed] {
        let sources = llm_key_sources(&app, id).await;
        assert!(!sources.is_empty() && sources.iter().all(|(s, _)| s == "server_handoff_lost"), "{id}: {sources:?}");
    }
    let sources = llm_key_sources(&app, theirs).await;
    assert!(sources.iter().all(|(s, _)| s == "server"), "no keys were sent for their video: {sources:?}");
}

#[tokio::test]
async fn a_key_test_reports_valid_refused_and_out_of_quota() {
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    cloudru.accept_key("sk-good");
    cloudru.script(GIGACHAT, [Step::Json(json!({ "ok": true })), Step::Status(402)]);
    let base = cloudru.base_url();
    let app = spawn(&[("CLOUDRU_BASE_URL", &base)]).await;
    let (client, _, user) = app.signed_in().await;
    let test = async |key: &str| -> serde_json::Value {
        let res = client
            .post(format!("{}/api/vault/test-key", app.url))
            .header(vault::handoff::HEADER, sealed(&app, user, &[("cloudru", key)]))
            .form(&[("provider", "cloudru")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    };
    assert_eq!(test("sk-good").await, json!("Valid"));
    assert_eq!(test("sk-revoked").await, json!("Refused"));
    // OpenRouter's (and Cloud.ru's) answer when the balance is spent.
    assert_eq!(test("sk-good").await, json!("OutOfQuota"));
    // Sealed for another user: refused before any call.
    let res = client
        .post(format!("{}/api/vault/test-key", app.url))
        .header(vault::handoff::HEADER, sealed(&app, Uuid::new_v4(), &[("cloudru", "sk-good")]))
        .form(&[("provider", "cloudru")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let calls = cloudru.calls_for(GIGACHAT);
    assert_eq!(calls.len(), 3, "one minimal call per test, none for the foreign one");
    assert_eq!(calls[0].json()["max_tokens"], 1);
}
