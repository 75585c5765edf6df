//! The demo's download stage against the real services and FFmpeg (the worker serves the `download` queue only, so
//! each video stops in `transcribing`): live progress for each stage, the stored and probed sample (a spoken talk,
//! cut short by `DEMO_SAMPLE_SECONDS`), failures that mark the video failed, the reconciler healing a Redis flush, a
//! worker process killed mid-job, and the worker's metrics endpoint. The whole demo, through rendered clips, is
//! covered in the browser (`end2end/tests/videos.spec.ts`).

use std::{
    collections::HashMap,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use backend::{metrics::Metrics, queue::QueueName};
use domain::{
    Lang, VideoStatus,
    videos::{LiveEvent, VideoCard},
};
use fred::prelude::{ClientLike as _, EventInterface as _, PubsubInterface as _};
use testkit::{PrivateRedis, TestApp, eventually};

mod common;
use common::{InProcessWorker, status, video};

/// The app with a worker that serves only the download stage.
async fn spawn(extra: &[(&'static str, &str)]) -> TestApp {
    let mut vars = vec![("WORKER_QUEUES", "download")];
    vars.extend_from_slice(extra);
    common::spawn(&vars).await
}
use uuid::Uuid;

/// Collects the live events published for `user`.
async fn listen(app: &TestApp, user: Uuid) -> Arc<Mutex<Vec<VideoCard>>> {
    let events: Arc<Mutex<Vec<VideoCard>>> = Arc::default();
    let config = fred::prelude::Config::from_url(&testkit::services::redis_url()).unwrap();
    let subscriber = fred::prelude::Builder::from_config(config).build_subscriber_client().unwrap();
    subscriber.init().await.unwrap();
    let mut rx = subscriber.message_rx();
    subscriber.subscribe(app.state.redis.key(&backend::videos::user_channel(user))).await.unwrap();
    let sink = events.clone();
    tokio::spawn(async move {
        let _keep = subscriber;
        while let Ok(m) = rx.recv().await {
            if let Some(LiveEvent::Video(card)) = m.value.as_string().and_then(|s| serde_json::from_str(&s).ok()) {
                sink.lock().unwrap().push(card);
            }
        }
    });
    events
}

#[tokio::test]
async fn the_demo_stores_and_probes_a_sample_and_reports_every_stage_live() {
    let app = spawn(&[]).await;
    let user = app.create_user(&testkit::mailbox::unique_address("demo")).await;
    let events = listen(&app, user).await;
    let worker = InProcessWorker::start(&app);
    let card =
        backend::videos::start_demo(&app.state, &backend::teams::actor(&app.state, user).await.unwrap(), Lang::En)
            .await
            .unwrap();
    eventually("the sample is stored and probed", async || status(&app, &card.id).await == "transcribing").await;

    let (_, progress, file_key, duration, size, error) = video(&app, &card.id).await;
    assert_eq!(progress, 0, "waiting for transcription");
    assert_eq!(file_key.as_deref(), Some(format!("sources/{}/source.mp4", card.id).as_str()));
    let duration = duration.expect("the probe stored the duration");
    assert!((1.5..=2.6).contains(&duration), "a 2-second sample, probed at {duration} s");
    let stored = app.state.storage.size(file_key.as_deref().unwrap()).await.unwrap();
    assert_eq!(stored, size, "the stored object's size is recorded");
    assert_eq!(error, None);

    eventually("the hand-over event arrived", async || {
        events.lock().unwrap().iter().any(|c| c.status == VideoStatus::Transcribing)
    })
    .await;
    let events = events.lock().unwrap().clone();
    let stages: Vec<&str> = events.iter().filter_map(|c| c.stage.as_deref()).collect();
    let mut order = stages.clone();
    order.dedup();
    assert_eq!(
        order,
        vec!["queued", "generating", "uploading", "probing", "waiting_stt"],
        "stages in order: {stages:?}"
    );
    let downloading: Vec<u8> =
        events.iter().filter(|c| c.status == VideoStatus::Downloading).map(|c| c.progress).collect();
    assert!(downloading.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {downloading:?}");
    assert!(events.iter().filter(|c| c.stage.as_deref() == Some("generating")).count() >= 3, "{downloading:?}");
    let last = events.last().unwrap();
    assert_eq!(
        (last.status, last.progress, last.stage.as_deref()),
        (VideoStatus::Transcribing, 0, Some("waiting_stt"))
    );
    assert!(last.duration_seconds.is_some());
    assert_eq!(worker.metrics.jobs.succeeded_count("download"), 1);
    worker.stop().await;
}

#[tokio::test]
async fn a_demo_that_keeps_failing_marks_the_video_failed_with_the_reason() {
    // Storage that is down: every attempt fails.
    let endpoint = format!("http://127.0.0.1:{}", testkit::closed_port());
    let app = spawn(&[("S3_ENDPOINT", &endpoint)]).await;
    let user = app.create_user(&testkit::mailbox::unique_address("demo")).await;
    let worker = InProcessWorker::start(&app);
    let card =
        backend::videos::start_demo(&app.state, &backend::teams::actor(&app.state, user).await.unwrap(), Lang::En)
            .await
            .unwrap();
    eventually("the video failed", async || status(&app, &card.id).await == "failed").await;
    let (_, _, _, _, _, error) = video(&app, &card.id).await;
    // Storage trouble is ours: the owner reads a generic reason, the raw error stays in the log.
    assert_eq!(error, Some(domain::Failure::Internal));
    let dead = app.state.queue.dead_letters(QueueName::Download, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job.as_ref().unwrap().attempt, 3);
    worker.stop().await;
}

#[tokio::test]
async fn a_redis_flush_during_processing_is_healed_by_the_reconciler() {
    let redis = PrivateRedis::start().await;
    let app = spawn(&[
        ("REDIS_URL", &redis.url()),
        ("WORKER_CONCURRENCY", "download=1"),
        ("RECONCILE_INTERVAL_MS", "300"),
        ("RECONCILE_AFTER_MS", "1000"),
    ])
    .await;
    let user = app.create_user(&testkit::mailbox::unique_address("flush")).await;
    let first =
        backend::videos::start_demo(&app.state, &backend::teams::actor(&app.state, user).await.unwrap(), Lang::Ru)
            .await
            .unwrap();
    let second =
        backend::videos::start_demo(&app.state, &backend::teams::actor(&app.state, user).await.unwrap(), Lang::En)
            .await
            .unwrap();
    let worker = InProcessWorker::start(&app);
    eventually("one video is being processed", async || {
        video(&app, &first.id).await.1 > 0 || video(&app, &second.id).await.1 > 0
    })
    .await;
    // Everything in Redis is gone: the waiting job, the live markers, the consumer group.
    redis.flushall().await;
    assert_eq!(app.state.queue.stats(QueueName::Download).await.unwrap().waiting, 0);

    eventually("both samples were stored and probed", async || {
        status(&app, &first.id).await == "transcribing" && status(&app, &second.id).await == "transcribing"
    })
    .await;
    worker.stop().await;
}

fn worker_process(app: &TestApp, extra: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
    cmd.env_clear().envs(app.env.iter().map(|(k, v)| (*k, v.as_str()))).env("RUST_LOG", "info");
    cmd.env("WORKER_METRICS_ADDR", "off");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("starting the worker")
}

#[tokio::test]
async fn a_worker_killed_mid_demo_leaves_the_job_to_another_worker() {
    let app = spawn(&[("DEMO_SAMPLE_SECONDS", "6"), ("JOB_VISIBILITY_TIMEOUT_MS", "1500")]).await;
    let user = app.create_user(&testkit::mailbox::unique_address("kill")).await;
    let card =
        backend::videos::start_demo(&app.state, &backend::teams::actor(&app.state, user).await.unwrap(), Lang::En)
            .await
            .unwrap();
    let mut first = worker_process(&app, &[]);
    eventually("the first worker is generating", async || video(&app, &card.id).await.1 > 0).await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let stalled_at = video(&app, &card.id).await.1;
    assert!(stalled_at < 100 && status(&app, &card.id).await == "downloading");

    let mut second = worker_process(&app, &[]);
    eventually("the second worker stored the sample", async || status(&app, &card.id).await == "transcribing").await;
    second.kill().unwrap();
    second.wait().unwrap();
    // One stored object, probed once: the video row describes it.
    let (_, _, key, duration, size, _) = video(&app, &card.id).await;
    let listed = testkit::s3_client()
        .list_objects_v2()
        .bucket(app.bucket.name())
        .prefix(format!("sources/{}/", card.id))
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec![key.as_deref().unwrap()]);
    assert_eq!(app.state.storage.size(keys[0]).await.unwrap(), size);
    assert!(duration.is_some_and(|d| d > 5.0));
    assert_eq!(app.state.queue.stats(QueueName::Download).await.unwrap().dead, 0);
}

#[tokio::test]
async fn the_worker_serves_metrics_behind_the_token() {
    let app = spawn(&[("METRICS_TOKEN", "worker-token-1")]).await;
    let metrics = Arc::new(Metrics::new());
    let addr = worker::serve_metrics("127.0.0.1:0".parse().unwrap(), app.state.clone(), metrics.clone()).await.unwrap();
    let url = format!("http://{addr}/metrics");
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    metrics.jobs.started("download");
    metrics.jobs.succeeded("download", Duration::from_millis(120));
    let res = http.get(&url).bearer_auth("worker-token-1").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let lines: HashMap<&str, &str> = text.lines().filter_map(|l| l.rsplit_once(' ')).collect();
    assert_eq!(lines.get(r#"clipmaker_jobs_started_total{queue="download"}"#), Some(&"1"), "{text}");
    assert_eq!(lines.get(r#"clipmaker_jobs_succeeded_total{queue="download"}"#), Some(&"1"), "{text}");
    assert_eq!(lines.get(r#"clipmaker_job_duration_seconds_count{queue="download"}"#), Some(&"1"), "{text}");
    assert_eq!(lines.get(r#"clipmaker_queue_jobs{queue="download",state="waiting"}"#), Some(&"0"), "{text}");
}
