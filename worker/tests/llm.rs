//! The LLM router against fake providers over real HTTP: the three API shapes (OpenAI-compatible for Cloud.ru and
//! OpenRouter, Gemini, Anthropic), malformed JSON repaired once, a second failure falling back to tier 2, 429 and
//! 5xx retried, BYOK resolution (the user's key, their OpenRouter key, the server's key after a 401), usage and cost
//! per call, long transcripts in chunks on the long-context tier — and the `analyze` job using it.

use std::collections::HashMap;

use backend::{
    ai::UserKeys,
    config::{Config, LlmConfig, Secret},
    jobs::Analyze,
    queue::EnqueueOptions,
};
use domain::{PlanId, analysis::ClipCandidate, transcript::Transcript};
use serde_json::{Value, json};
use testkit::{
    eventually,
    fake_llm::{Api, FakeLlm, KEY, Step, USAGE_IN, USAGE_OUT},
};
use worker::{
    analysis::Request,
    llm::{
        Tier,
        moments::{self, AnalysisError},
        providers::{Message, Prompt, Role},
        router::{Call, KeySource, Router},
    },
};

mod common;
use common::{InProcessWorker, analyzing_video, spawn, status};

const BLAND: &str = "The weather was mild and the meeting went on as planned with the usual agenda items.";
const T_PRO: &str = "t-tech/T-pro-it-2.1";
const GIGACHAT: &str = "ai-sage/GigaChat3-10B-A1.8B";
const QWEN: &str = "Qwen/Qwen3-235B-A22B-Instruct-2507";
const GLM: &str = "zai-org/GLM-4.6";

/// 40 sentences; 20 and 21 are the hook.
fn talk() -> Transcript {
    let mut s = vec![BLAND; 40];
    s[20] = "Why do 90 percent of your videos never get views?";
    s[21] = "Because you bury the best moment at the end, so move it to the first three seconds.";
    testkit::speech::timed_transcript(&s, 0.6)
}

fn sentence_end(t: &Transcript, i: usize) -> f64 {
    t.segments[i].words.last().unwrap().end
}

/// A valid moment selection reply.
fn moments_reply(clips: &[(f64, f64, u8)]) -> Value {
    let clips: Vec<Value> = clips
        .iter()
        .map(|(start, end, score)| {
            json!({ "start": start, "end": end, "hook": score, "engagement": score, "flow": score, "trend": score,
                    "reason": "a question the viewer recognises" })
        })
        .collect();
    json!({ "clips": clips })
}

/// The reply for the talk: the hook passage (a little off the sentence bounds), then a bland one.
fn talk_reply(t: &Transcript) -> Value {
    moments_reply(&[
        (t.segments[20].start + 0.3, sentence_end(t, 22) - 0.2, 90),
        (t.segments[5].start, sentence_end(t, 8), 40),
    ])
}

fn titles_reply(n: usize) -> Value {
    json!({ "clips": (1..=n).map(|i| json!({ "index": i, "title": format!("Title {i}"), "cta": "Follow for more" }))
        .collect::<Vec<_>>() })
}

/// LLM settings from `vars` over a minimal valid configuration, with fast retries.
fn llm_config(vars: &[(&str, String)]) -> LlmConfig {
    let mut map: HashMap<String, String> = [
        ("DATABASE_URL", "postgres://127.0.0.1/x"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("S3_BUCKET", "b"),
        ("S3_ACCESS_KEY_ID", "k"),
        ("S3_SECRET_ACCESS_KEY", "s"),
        ("SMTP_URL", "smtp://127.0.0.1:1025"),
        ("AUTH_SECRET", "0123456789abcdef0123456789abcdef-secret"),
        ("LLM_BACKOFF_MS", "5"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    map.extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Config::from_lookup(|k| map.get(k).cloned()).expect("valid configuration").llm
}

fn free() -> Request {
    Request { plan_max: 3, ..Request::default() }
}

fn user_messages(req: &testkit::RecordedRequest) -> Vec<String> {
    req.json()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect()
}

/// A one-line prompt.
fn hi() -> Prompt {
    Prompt {
        system: "s".into(),
        messages: vec![Message { role: Role::User, text: "hi".into() }],
        json: true,
        max_tokens: 50,
    }
}

/// Picks clips from `t` for a Free RU user with the server key at `cloudru`: the result and the calls made.
async fn pick_ru(cloudru: &FakeLlm, t: &Transcript) -> (Result<Vec<ClipCandidate>, AnalysisError>, Vec<Call>) {
    let config = llm_config(&[("CLOUDRU_BASE_URL", cloudru.base_url()), ("CLOUDRU_API_KEY", KEY.into())]);
    let keys = UserKeys::default();
    let router = Router::new(&config, &keys, "ru").unwrap();
    let mut calls = Vec::new();
    let result = moments::pick(&router, t, free(), PlanId::Free, &mut calls).await;
    (result, calls)
}

/// A fake Cloud.ru whose tier-1 model answers [`talk_reply`] and whose tier-0 model titles two clips.
async fn cloudru_for_the_talk(t: &Transcript) -> FakeLlm {
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    cloudru.script(T_PRO, [Step::Json(talk_reply(t))]);
    cloudru.script(GIGACHAT, [Step::Json(titles_reply(2))]);
    cloudru
}

#[tokio::test]
async fn openai_compatible_happy_path_snaps_bounds_and_records_usage_and_cost() {
    let t = talk();
    let cloudru = cloudru_for_the_talk(&t).await;
    let (clips, calls) = pick_ru(&cloudru, &t).await;
    let clips = clips.unwrap();

    assert_eq!(clips.len(), 2, "{clips:#?}");
    // Snapped to the sentences' own bounds: never inside a word.
    assert_eq!(clips[0].start, t.segments[20].start);
    assert!(clips[0].end >= sentence_end(&t, 22) && clips[0].end < t.segments[23].start, "{:?}", clips[0]);
    assert_eq!(clips[0].virality.total, 90);
    assert_eq!((clips[0].title.as_str(), clips[0].cta.as_str()), ("Title 1", "Follow for more"));
    assert_eq!(clips[0].reason, "a question the viewer recognises");
    assert!(clips[0].virality.total > clips[1].virality.total);

    // The request: bearer key, the system prompt with its schema, the transcript as timed lines.
    let sent = &cloudru.calls_for(T_PRO)[0];
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let body = sent.json();
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("\"engagement\""));
    assert_eq!(body["response_format"]["type"], "json_object");
    assert!(user_messages(sent)[0].contains("Why do 90 percent of your videos never get views?"));

    // Usage: T-Pro at 35 ₽ and GigaChat at 10 ₽ per million tokens, both ways.
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0].task, calls[0].tier, calls[0].provider), (moments::MOMENTS, Tier::Default, "cloudru"));
    assert_eq!((calls[0].tokens_in, calls[0].tokens_out), (USAGE_IN, USAGE_OUT));
    assert_eq!(calls[0].cost_kopecks, ((USAGE_IN + USAGE_OUT) * 3_500).div_ceil(1_000_000) as i64);
    assert_eq!((calls[1].task, calls[1].tier, calls[1].model.as_str()), (moments::TITLES, Tier::Micro, GIGACHAT));
    assert_eq!(calls[1].cost_kopecks, ((USAGE_IN + USAGE_OUT) * 1_000).div_ceil(1_000_000) as i64);
    assert!(calls.iter().all(|c| c.key_source == KeySource::Server));
}

#[tokio::test]
async fn malformed_json_is_repaired_once_with_the_problem_shown_to_the_model() {
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    let t = talk();
    let truncated = format!("```json\n{}", &talk_reply(&t).to_string()[..60]);
    cloudru.script(T_PRO, [Step::Text(truncated.clone()), Step::Json(talk_reply(&t))]);
    cloudru.script(GIGACHAT, [Step::Json(titles_reply(2))]);
    let (clips, calls) = pick_ru(&cloudru, &t).await;
    let clips = clips.unwrap();
    assert_eq!(clips[0].start, t.segments[20].start);

    let asked = cloudru.calls_for(T_PRO);
    assert_eq!(asked.len(), 2, "one repair request");
    let repair = asked[1].json();
    let messages = repair["messages"].as_array().unwrap();
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], truncated.as_str(), "the model sees its own reply");
    let request = messages[3]["content"].as_str().unwrap();
    assert!(request.contains("not valid") && request.contains("not a JSON object"), "{request}");
    assert!(cloudru.calls_for(QWEN).is_empty(), "no fallback needed");
    assert_eq!(calls.len(), 3, "both tier-1 calls and the titles call cost tokens: {calls:?}");
}

#[tokio::test]
async fn gemini_invalid_twice_falls_back_to_claude_on_tier_2() {
    let google = FakeLlm::start(Api::Gemini).await;
    let anthropic = FakeLlm::start(Api::Anthropic).await;
    let t = talk();
    let out_of_range = moments_reply(&[(t.segments[20].start, sentence_end(&t, 22), 140)]);
    google.script("gemini-2.0-flash", [Step::Text("The best moment is at 2:28.".into()), Step::Json(out_of_range)]);
    anthropic.script("claude-haiku-4-5", [Step::Json(talk_reply(&t))]);
    google.script("gemini-2.0-flash-lite", [Step::Json(titles_reply(2))]);
    let config = llm_config(&[
        ("GEMINI_BASE_URL", google.base_url()),
        ("GEMINI_API_KEY", KEY.into()),
        ("ANTHROPIC_BASE_URL", anthropic.base_url()),
        ("ANTHROPIC_API_KEY", KEY.into()),
    ]);
    let keys = UserKeys::default();
    let router = Router::new(&config, &keys, "global").unwrap();
    let mut calls = Vec::new();
    let clips = moments::pick(&router, &t, free(), PlanId::Free, &mut calls).await.unwrap();
    assert_eq!(clips[0].start, t.segments[20].start);
    assert_eq!(clips[0].title, "Title 1");

    // Gemini: the key in x-goog-api-key, the repair request quoting the schema problem.
    let flash = google.calls_for("gemini-2.0-flash");
    assert_eq!(flash.len(), 2);
    assert_eq!(flash[0].header("x-goog-api-key"), Some(KEY));
    let repair = flash[1].json();
    assert_eq!(repair["contents"][1]["role"], "model");
    assert!(repair["contents"][2]["parts"][0]["text"].as_str().unwrap().contains("not a JSON object"));
    assert_eq!(repair["generationConfig"]["responseMimeType"], "application/json");
    // Claude: its own headers and shape.
    let haiku = anthropic.calls_for("claude-haiku-4-5");
    assert_eq!(haiku.len(), 1);
    assert_eq!(haiku[0].header("x-api-key"), Some(KEY));
    assert_eq!(haiku[0].header("anthropic-version"), Some("2023-06-01"));
    assert!(haiku[0].json()["system"].as_str().unwrap().contains("JSON Schema"));

    let tiers: Vec<(Tier, &str)> = calls.iter().map(|c| (c.tier, c.provider)).collect();
    assert_eq!(
        tiers,
        [(Tier::Default, "google"), (Tier::Default, "google"), (Tier::Quality, "anthropic"), (Tier::Micro, "google")]
    );
    // Claude Haiku 4.5 at $1 / $5 per million tokens (100 ₽ per dollar).
    assert_eq!(calls[2].cost_kopecks, (USAGE_IN * 10_000 + USAGE_OUT * 50_000).div_ceil(1_000_000) as i64);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_and_a_dead_tier_falls_back() {
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    let t = talk();
    // Tier 1 answers 429 three times (every attempt): it falls back to tier 2, which succeeds after a 429 and a 503.
    cloudru.script(T_PRO, [Step::Status(429), Step::Status(429), Step::Status(429)]);
    cloudru.script(QWEN, [Step::Status(429), Step::Status(503), Step::Json(talk_reply(&t))]);
    cloudru.script(GIGACHAT, [Step::Json(titles_reply(2))]);
    let errors = |kind: &str| backend::metrics::ops().llm_error_count("cloudru", kind);
    let (unavailable, refused) = (errors("unavailable"), errors("refused"));
    let (clips, calls) = pick_ru(&cloudru, &t).await;
    let clips = clips.unwrap();
    assert_eq!(clips.len(), 2);
    // The dead tier is one provider error (after its retries); the tier that recovered is none.
    assert_eq!(errors("unavailable") - unavailable, 1, "clipmaker_llm_provider_errors_total");
    assert_eq!(cloudru.calls_for(T_PRO).len(), 3, "LLM_ATTEMPTS=3");
    assert_eq!(cloudru.calls_for(QWEN).len(), 3);
    assert_eq!(calls.iter().map(|c| c.tier).collect::<Vec<_>>(), [Tier::Quality, Tier::Micro], "only replies cost");

    // Anthropic's 529 (overloaded) is retried too.
    let anthropic = FakeLlm::start(Api::Anthropic).await;
    anthropic.script("claude-haiku-4-5", [Step::Status(529), Step::Json(talk_reply(&t))]);
    let config = llm_config(&[("ANTHROPIC_BASE_URL", anthropic.base_url()), ("ANTHROPIC_API_KEY", KEY.into())]);
    let keys = UserKeys::default();
    let router = Router::new(&config, &keys, "global").unwrap();
    let mut calls = Vec::new();
    router.complete("test", Tier::Quality, &hi(), &mut calls).await.unwrap();
    assert_eq!(anthropic.calls_for("claude-haiku-4-5").len(), 2);

    // Every tier failing: an error the job retries, with nothing charged.
    let dead = FakeLlm::start(Api::OpenAi).await;
    let (result, calls) = pick_ru(&dead, &t).await;
    let err = result.unwrap_err();
    assert!(matches!(err, AnalysisError::Route(_)), "{err}");
    assert!(err.to_string().contains("404"), "{err}");
    assert!(calls.is_empty());
    assert_eq!(errors("refused") - refused, 2, "tier 1 and its fallback, tier 2, each refused once");
}

#[tokio::test]
async fn byok_uses_the_users_key_then_openrouter_then_the_server_key_after_a_401() {
    let t = talk();
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    cloudru.accept_key("sk-user-good");
    let config = llm_config(&[("CLOUDRU_BASE_URL", cloudru.base_url()), ("CLOUDRU_API_KEY", KEY.into())]);
    let prompt = hi();
    let ask = async |keys: &UserKeys| -> Vec<Call> {
        cloudru.script(T_PRO, [Step::Json(json!({}))]);
        let router = Router::new(&config, keys, "ru").unwrap();
        let mut calls = Vec::new();
        router.complete("test", Tier::Default, &prompt, &mut calls).await.unwrap();
        calls
    };

    // The user's own Cloud.ru key: used, and free for us.
    let calls = ask(&UserKeys { cloudru: Some(Secret("sk-user-good".into())), ..Default::default() }).await;
    assert_eq!((calls[0].key_source, calls[0].cost_kopecks), (KeySource::User, 0));
    assert_eq!(cloudru.server.requests().last().unwrap().header("authorization"), Some("Bearer sk-user-good"));

    // A revoked user key: 401, then the server's key, charged and recorded as such. The user's key refused is not
    // a provider error of ours.
    let before = cloudru.server.requests().len();
    let auth_errors = backend::metrics::ops().llm_error_count("cloudru", "auth");
    let calls = ask(&UserKeys { cloudru: Some(Secret("sk-user-revoked".into())), ..Default::default() }).await;
    assert_eq!(backend::metrics::ops().llm_error_count("cloudru", "auth"), auth_errors);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].key_source, KeySource::ServerAfterUserRefused);
    assert!(calls[0].cost_kopecks > 0);
    let tried: Vec<String> =
        cloudru.server.requests()[before..].iter().map(|r| r.header("authorization").unwrap().to_owned()).collect();
    assert_eq!(tried, [String::from("Bearer sk-user-revoked"), format!("Bearer {KEY}")]);

    // No native key but an OpenRouter one: the model's OpenRouter id through OpenRouter.
    let openrouter = FakeLlm::start(Api::OpenAi).await;
    openrouter.accept_key("sk-or-user");
    openrouter.script("google/gemini-2.0-flash-001", [Step::Json(talk_reply(&t))]);
    openrouter.script("google/gemini-2.0-flash-lite-001", [Step::Json(titles_reply(2))]);
    let google = FakeLlm::start(Api::Gemini).await;
    let config = llm_config(&[
        ("OPENROUTER_BASE_URL", openrouter.base_url()),
        ("GEMINI_BASE_URL", google.base_url()),
        ("GEMINI_API_KEY", KEY.into()),
    ]);
    let keys = UserKeys { openrouter: Some(Secret("sk-or-user".into())), ..Default::default() };
    let router = Router::new(&config, &keys, "global").unwrap();
    let mut calls = Vec::new();
    moments::pick(&router, &t, free(), PlanId::Free, &mut calls).await.unwrap();
    assert!(google.server.requests().is_empty(), "the server's Gemini key was not needed");
    assert!(calls.iter().all(|c| c.provider == "openrouter" && c.key_source == KeySource::User && c.cost_kopecks == 0));

    // No key anywhere for the model: the router says so and `auto` would use the local analyzer.
    let bare = llm_config(&[]);
    let none = UserKeys::default();
    let router = Router::new(&bare, &none, "ru").unwrap();
    assert!(!router.available(Tier::Default));
}

#[tokio::test]
async fn long_transcripts_go_to_the_long_context_tier_in_chunks() {
    // About 4 500 sentences: well over 100 000 tokens.
    let sentences: Vec<&str> = std::iter::repeat_n(BLAND, 4_500).collect();
    let t = testkit::speech::timed_transcript(&sentences, 0.6);
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    let clip = |i: usize| moments_reply(&[(t.segments[i].start, sentence_end(&t, i + 3), 70)]);
    cloudru.script(GLM, [Step::Json(clip(100)), Step::Json(clip(2_000)), Step::Json(clip(4_000))]);
    cloudru.script(GLM, (0..5).map(|_| Step::Json(moments_reply(&[]))));
    cloudru.script(GIGACHAT, [Step::Json(titles_reply(3))]);
    let config = llm_config(&[
        ("CLOUDRU_BASE_URL", cloudru.base_url()),
        ("CLOUDRU_API_KEY", KEY.into()),
        ("LLM_CONTEXT_TOKENS", "60000".into()),
    ]);
    let keys = UserKeys::default();
    let router = Router::new(&config, &keys, "ru").unwrap();
    let mut calls = Vec::new();
    let clips = moments::pick(&router, &t, free(), PlanId::Free, &mut calls).await.unwrap();
    let chunks = cloudru.calls_for(GLM);
    assert!(chunks.len() >= 2, "{} chunk requests", chunks.len());
    assert!(cloudru.calls_for(T_PRO).is_empty(), "tier 3, not tier 1");
    for c in &chunks {
        let text = &user_messages(c)[0];
        assert!(text.len() / 4 < 70_000, "each chunk stays near the budget: {} bytes", text.len());
    }
    // Consecutive chunks overlap: the second starts before the first ends.
    let first_line = |c: &testkit::RecordedRequest| -> f64 {
        let text = &user_messages(c)[0];
        let line = text.lines().find(|l| l.starts_with('[')).unwrap();
        line[1..line.find('-').unwrap()].parse().unwrap()
    };
    let last_line = |c: &testkit::RecordedRequest| -> f64 {
        let text = &user_messages(c)[0];
        let line = text.lines().rfind(|l| l.starts_with('[')).unwrap();
        line[line.find('-').unwrap() + 1..line.find(']').unwrap()].parse().unwrap()
    };
    assert!(first_line(&chunks[1]) < last_line(&chunks[0]));
    assert_eq!(clips.len(), 3, "moments from every chunk are merged: {clips:?}");
    assert!(calls.iter().filter(|c| c.task == moments::MOMENTS).all(|c| c.tier == Tier::LongContext));
}

// The job.

#[tokio::test]
async fn the_analyze_job_uses_the_llm_with_a_server_key_and_records_usage_per_video() {
    let t = talk();
    let cloudru = cloudru_for_the_talk(&t).await;
    let base = cloudru.base_url();
    let app = spawn(&[
        ("CLOUDRU_BASE_URL", &base),
        ("CLOUDRU_API_KEY", KEY),
        ("LLM_BACKOFF_MS", "5"),
        ("WORKER_QUEUES", "llm-analyze"),
    ])
    .await;
    let (_, _, user) = app.signed_in().await;
    let id = analyzing_video(&app, user, &t).await;
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the clips are chosen", async || status(&app, &id.to_string()).await == "generating_clips").await;
    worker.stop().await;

    let db = app.db.client().await;
    let clips = db
        .query("SELECT title, cta, start_s FROM clips WHERE video_id = $1 ORDER BY start_s DESC", &[&id])
        .await
        .unwrap();
    assert_eq!(clips.len(), 2);
    let titles: Vec<String> = clips.iter().map(|r| r.get(0)).collect();
    assert_eq!(titles, ["Title 1", "Title 2"]);
    assert_eq!(clips[0].get::<_, f64>(2), t.segments[20].start);

    let usage = db
        .query(
            "SELECT task, tier, provider, model, llm_tokens_in, llm_tokens_out, llm_cost_kopecks, key_source
             FROM usage_records WHERE video_id = $1 AND kind = 'llm' ORDER BY tier DESC",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(usage.len(), 2);
    let row = |i: usize| -> (String, i16, String, String, i32, i32, i64, String) {
        let r = &usage[i];
        (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7))
    };
    let moments_cost = ((USAGE_IN + USAGE_OUT) * 3_500).div_ceil(1_000_000) as i64;
    let titles_cost = ((USAGE_IN + USAGE_OUT) * 1_000).div_ceil(1_000_000) as i64;
    assert_eq!(
        row(0),
        ("moments.v1".into(), 1, "cloudru".into(), T_PRO.into(), 12_000, 800, moments_cost, "server".into())
    );
    assert_eq!((row(1).0.as_str(), row(1).1, row(1).6), ("titles.v1", 0, titles_cost));
    assert_eq!(backend::clips::llm_cost_of_video(&app.state, id).await.unwrap(), moments_cost + titles_cost);
}

#[tokio::test]
async fn when_every_llm_tier_fails_on_the_last_attempt_the_local_analyzer_keeps_the_video_going() {
    // The provider knows no model: tier 1 and its fallback both get 404.
    let cloudru = FakeLlm::start(Api::OpenAi).await;
    let base = cloudru.base_url();
    let app = spawn(&[
        ("CLOUDRU_BASE_URL", &base),
        ("CLOUDRU_API_KEY", KEY),
        ("JOB_MAX_ATTEMPTS", "2"),
        ("WORKER_QUEUES", "llm-analyze"),
    ])
    .await;
    let (_, _, user) = app.signed_in().await;
    let t = talk();
    let id = analyzing_video(&app, user, &t).await;
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the clips are chosen", async || status(&app, &id.to_string()).await == "generating_clips").await;
    worker.stop().await;
    assert_eq!(cloudru.calls_for(T_PRO).len(), 2, "one try per attempt");
    assert_eq!(cloudru.calls_for(QWEN).len(), 2, "each attempt fell back to tier 2");
    let db = app.db.client().await;
    let titles: Vec<String> = db
        .query("SELECT title FROM clips WHERE video_id = $1", &[&id])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(titles.len(), 3, "the local analyzer's clips");
    assert!(titles.iter().any(|t| t.starts_with("Why do 90 percent")), "{titles:?}");
    let charged: i64 =
        db.query_one("SELECT count(*) FROM usage_records WHERE video_id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(charged, 0, "refusals cost nothing");
}
