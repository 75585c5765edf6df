//! Looking for a secret everywhere a test app keeps data: a `pg_dump` of its database, every key and value under its
//! Redis prefix, and every object in its bucket. For tests that prove a secret (a user's key) left no trace.

use fred::{
    interfaces::ClientLike as _,
    types::{CustomCommand, Value},
};

use crate::TestApp;

/// The places in `app`'s database, Redis and bucket where `needle` occurs ("database", "redis <key>",
/// "object <key>"); empty when it occurs nowhere.
pub async fn find_everywhere(app: &TestApp, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    if database_dump(app).contains(needle) {
        found.push("database".to_owned());
    }
    for (key, value) in redis_entries(app).await {
        if key.contains(needle) || value.contains(needle) {
            found.push(format!("redis {key}"));
        }
    }
    for (key, bytes) in objects(app).await {
        if key.contains(needle) || bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(format!("object {key}"));
        }
    }
    found
}

/// The whole database as `pg_dump` writes it (schema and data).
pub fn database_dump(app: &TestApp) -> String {
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--dbname", app.db.url()])
        .output()
        .expect("running pg_dump (is PostgreSQL's client installed?)");
    assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn command(app: &TestApp, name: &'static str, args: Vec<Value>) -> Value {
    app.state
        .redis
        .client()
        .custom(CustomCommand::new_static(name, None, false), args)
        .await
        .unwrap_or_else(|e| panic!("Redis {name}: {e}"))
}

/// Every key under the app's Redis prefix with its value, whatever its type, printed.
pub async fn redis_entries(app: &TestApp) -> Vec<(String, String)> {
    let pattern = format!("{}*", app.state.redis.prefix());
    let mut cursor = "0".to_owned();
    let mut keys = Vec::new();
    loop {
        let reply = command(
            app,
            "SCAN",
            vec![cursor.into(), "MATCH".into(), pattern.clone().into(), "COUNT".into(), 500.into()],
        )
        .await;
        let Value::Array(parts) = reply else { panic!("unexpected SCAN reply {reply:?}") };
        cursor = parts[0].as_string().expect("cursor");
        if let Value::Array(batch) = &parts[1] {
            keys.extend(batch.iter().filter_map(Value::as_string));
        }
        if cursor == "0" {
            break;
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let kind = command(app, "TYPE", vec![key.clone().into()]).await.as_string().unwrap_or_default();
        let (name, args): (&'static str, Vec<Value>) = match kind.as_str() {
            "string" => ("GET", vec![key.clone().into()]),
            "list" => ("LRANGE", vec![key.clone().into(), 0.into(), (-1).into()]),
            "hash" => ("HGETALL", vec![key.clone().into()]),
            "set" => ("SMEMBERS", vec![key.clone().into()]),
            "zset" => ("ZRANGE", vec![key.clone().into(), 0.into(), (-1).into(), "WITHSCORES".into()]),
            "stream" => ("XRANGE", vec![key.clone().into(), "-".into(), "+".into()]),
            _ => continue,
        };
        let value = command(app, name, args).await;
        out.push((key, format!("{value:?}")));
    }
    out
}

/// Every object in the app's bucket with its bytes.
pub async fn objects(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let s3 = app.bucket.client();
    let listed = s3.list_objects_v2().bucket(app.bucket.name()).send().await.expect("listing the bucket");
    let mut out = Vec::new();
    for o in listed.contents() {
        let key = o.key().unwrap_or_default().to_owned();
        let got = s3.get_object().bucket(app.bucket.name()).key(&key).send().await.expect("reading an object");
        let bytes = got.body.collect().await.expect("reading an object's body").into_bytes().to_vec();
        out.push((key, bytes));
    }
    out
}
