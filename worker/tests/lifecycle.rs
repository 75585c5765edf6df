//! The worker binary as a process: it starts against the real services, says it is ready, and exits cleanly on
//! SIGTERM; with a bad configuration it refuses to start and names the variable.

use std::{
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use testkit::{TestBucket, TestDb, TestRedis, services};

fn worker(db: &TestDb, bucket: &TestBucket, redis: &TestRedis) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
    cmd.env_clear()
        .env("APP_ENV", "test")
        .env("RUST_LOG", "info")
        .env("DATABASE_URL", db.url())
        .env("REDIS_URL", services::redis_url())
        .env("REDIS_KEY_PREFIX", redis.prefix())
        .env("S3_ENDPOINT", services::s3_endpoint())
        .env("S3_BUCKET", bucket.name())
        .env("S3_ACCESS_KEY_ID", services::s3_access_key())
        .env("S3_SECRET_ACCESS_KEY", services::s3_secret_key())
        .env("SMTP_URL", services::smtp_url())
        .env("AUTH_SECRET", "worker-test-secret-0123456789abcdefghij")
        // Several workers run at once in the suite: each lets the OS pick its metrics port.
        .env("WORKER_METRICS_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts the worker with `app_env`, waits for "worker ready", stops it with SIGTERM and returns every stdout line.
async fn run_until_ready_then_stop(app_env: &str) -> Vec<String> {
    let (db, bucket, redis) = (TestDb::empty().await, TestBucket::new().await, TestRedis::new());
    let mut child = worker(&db, &bucket, &redis).env("APP_ENV", app_env).spawn().expect("starting the worker");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let ready = line.contains("worker ready");
                log.push(line);
                if ready {
                    break;
                }
            }
            Err(e) => panic!("worker never became ready ({e}); output: {log:#?}"),
        }
    }
    // It migrated the empty database on the way up.
    let tables: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(tables > 10, "worker did not migrate: {tables} tables");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("waiting for the worker");
    assert!(status.success(), "worker exited with {status}");
    log.extend(rx.try_iter());
    assert!(log.iter().any(|l| l.contains("worker stopping")), "{log:#?}");
    log
}

#[tokio::test]
async fn starts_reports_ready_and_stops_cleanly_on_sigterm() {
    let log = run_until_ready_then_stop("test").await;
    // Development and test logs are for people, not JSON.
    assert!(log.iter().all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()), "{log:#?}");
}

#[tokio::test]
async fn production_logs_are_json_lines() {
    let log = run_until_ready_then_stop("production").await;
    let events: Vec<serde_json::Value> =
        log.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let ready = events.iter().find(|e| e["message"] == "worker ready").expect("a ready event");
    assert_eq!(ready["level"], "INFO");
    assert!(ready["pid"].is_u64(), "{ready}");
}

#[tokio::test]
async fn a_missing_variable_stops_start_up_and_is_named() {
    let (db, bucket, redis) = (TestDb::empty().await, TestBucket::new().await, TestRedis::new());
    let out = worker(&db, &bucket, &redis).env_remove("REDIS_URL").output().expect("running the worker");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("REDIS_URL") && stderr.contains("missing"), "{stderr}");

    let out = worker(&db, &bucket, &redis).env("DATABASE_POOL_SIZE", "lots").output().expect("running the worker");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_POOL_SIZE") && stderr.contains("malformed"), "{stderr}");
}
