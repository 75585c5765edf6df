//! `scripts/backup` and `scripts/restore` against the real PostgreSQL: a dump of a migrated database with rows
//! restores into an empty database with the same rows, schema and constraints; old dumps are pruned; a non-empty
//! target is refused and left as it was; and a restore that fails half-way leaves the target empty.

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use testkit::TestDb;
use tokio_postgres::error::SqlState;

/// Everything the migrations create in the public schema, as text (as in `migrations.rs`).
const SNAPSHOT: &str = r#"
SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
  SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
         || coalesce(column_default, '') AS x
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL
  SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
) s
"#;

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("cm-backup-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("creating the scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(name)
}

/// Runs `scripts/<name> args` with `DATABASE_URL=url` and `env`.
async fn run(name: &str, url: &str, args: &[&Path], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(script(name))
        .args(args)
        .env("DATABASE_URL", url)
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap_or_else(|e| panic!("starting scripts/{name}: {e}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Makes a dump of `db` in `dir` and returns its path.
async fn backup(db: &TestDb, dir: &Path, keep: &str) -> PathBuf {
    let out = run("backup", db.url(), &[dir], &[("BACKUP_KEEP", keep)]).await;
    assert!(out.status.success(), "scripts/backup failed: {}", stderr(&out));
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(path.starts_with(dir) && path.is_file(), "{path:?}");
    path
}

fn dumps(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "dump"))
        .collect();
    found.sort();
    found
}

/// A user with one video (id of the user, id of the video).
async fn seed(db: &TestDb, email: &str) -> (uuid::Uuid, uuid::Uuid) {
    let client = db.client().await;
    let user: uuid::Uuid = client
        .query_one("INSERT INTO users (email, name, plan_id) VALUES ($1, 'Backed Up', 'pro') RETURNING id", &[&email])
        .await
        .unwrap()
        .get(0);
    let video: uuid::Uuid = client
        .query_one(
            "INSERT INTO videos (user_id, billed_to, title, status, source_kind, duration_seconds)
             VALUES ($1, $1, 'A talk worth keeping', 'completed', 'url', 3600) RETURNING id",
            &[&user],
        )
        .await
        .unwrap()
        .get(0);
    (user, video)
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().await.query_one(sql, &[]).await.unwrap().get(0)
}

async fn public_tables(db: &TestDb) -> i64 {
    count(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").await
}

#[tokio::test]
async fn a_backup_restores_rows_schema_and_constraints_into_an_empty_database() {
    let source = TestDb::new().await;
    let (user, video) = seed(&source, "kept@example.com").await;
    let scratch = Scratch::new();

    // Three backups with BACKUP_KEEP=2: the oldest is pruned, the newest two stay.
    let first = backup(&source, &scratch.0, "2").await;
    let second = backup(&source, &scratch.0, "2").await;
    let newest = backup(&source, &scratch.0, "2").await;
    assert_eq!(dumps(&scratch.0), vec![second, newest.clone()]);
    assert!(!first.exists());

    let target = TestDb::empty().await;
    let out = run("restore", target.url(), &[&newest], &[]).await;
    assert!(out.status.success(), "scripts/restore failed: {}", stderr(&out));

    // The rows.
    let client = target.client().await;
    let row = client
        .query_one(
            "SELECT u.email, u.plan_id, v.id, v.title, v.duration_seconds
               FROM videos v JOIN users u ON u.id = v.user_id WHERE u.id = $1",
            &[&user],
        )
        .await
        .expect("the user and the video came back");
    assert_eq!(row.get::<_, String>(0), "kept@example.com");
    assert_eq!(row.get::<_, String>(1), "pro");
    assert_eq!(row.get::<_, uuid::Uuid>(2), video);
    assert_eq!(row.get::<_, String>(3), "A talk worth keeping");
    assert_eq!(row.get::<_, Option<f64>>(4), Some(3600.0));
    let applied = "SELECT count(*) FROM __diesel_schema_migrations";
    assert_eq!(count(&target, applied).await, count(&source, applied).await, "the migration history came back");

    // The schema, every index, constraint, function and trigger.
    let before: String = source.client().await.query_one(SNAPSHOT, &[]).await.unwrap().get(0);
    let after: String = client.query_one(SNAPSHOT, &[]).await.unwrap().get(0);
    assert!(before.contains("con videos"), "{before}");
    assert_eq!(after, before, "the restored schema differs from the source's");

    // And the constraints hold: unique, foreign key and check.
    let code = |r: Result<u64, tokio_postgres::Error>| r.expect_err("the constraint held").code().cloned();
    let duplicate = client.execute("INSERT INTO users (email) VALUES ('kept@example.com')", &[]).await;
    assert_eq!(code(duplicate), Some(SqlState::UNIQUE_VIOLATION));
    let orphan = client
        .execute(
            "INSERT INTO videos (user_id, billed_to, title, source_kind) VALUES ($1, $1, 'x', 'url')",
            &[&uuid::Uuid::new_v4()],
        )
        .await;
    assert_eq!(code(orphan), Some(SqlState::FOREIGN_KEY_VIOLATION));
    let bad_plan = client.execute("UPDATE users SET plan_id = 'platinum' WHERE id = $1", &[&user]).await;
    assert_eq!(code(bad_plan), Some(SqlState::CHECK_VIOLATION));
    // The trigger that keeps updated_at current came back too.
    let moved: bool = client
        .query_one(
            "WITH before AS (SELECT updated_at FROM videos WHERE id = $1)
             UPDATE videos SET title = 'Renamed', updated_at = updated_at WHERE id = $1
             RETURNING updated_at > (SELECT updated_at FROM before)",
            &[&video],
        )
        .await
        .unwrap()
        .get(0);
    assert!(moved, "updated_at follows an update after the restore");
}

#[tokio::test]
async fn a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing() {
    let source = TestDb::new().await;
    seed(&source, "from-backup@example.com").await;
    let scratch = Scratch::new();
    let dump = backup(&source, &scratch.0, "3").await;

    // A live, migrated database with its own user.
    let live = TestDb::new().await;
    let (user, _) = seed(&live, "live@example.com").await;
    let before = count(&live, "SELECT count(*) FROM users").await;
    let out = run("restore", live.url(), &[&dump], &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(count(&live, "SELECT count(*) FROM users").await, before);
    let only: uuid::Uuid = live.client().await.query_one("SELECT id FROM users", &[]).await.unwrap().get(0);
    assert_eq!(only, user, "the live user is still the only one");

    // A database holding a single table of its own is not empty either.
    let other = TestDb::empty().await;
    other
        .client()
        .await
        .batch_execute("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('mine')")
        .await
        .unwrap();
    let out = run("restore", other.url(), &[&dump], &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(public_tables(&other).await, 1);
    assert_eq!(count(&other, "SELECT count(*) FROM notes").await, 1);
}

#[tokio::test]
async fn a_restore_that_fails_half_way_leaves_the_database_empty() {
    // Enough rows that the table data, which follows the schema in the archive, is most of the file.
    let source = TestDb::new().await;
    source
        .client()
        .await
        .batch_execute(
            "INSERT INTO users (email, name)
             SELECT 'u' || g || '@example.com', md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 20000) g",
        )
        .await
        .unwrap();
    let scratch = Scratch::new();
    let dump = backup(&source, &scratch.0, "3").await;
    let bytes = std::fs::read(&dump).unwrap();
    let cut = scratch.0.join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();

    // Control: pg_restore without the script's single transaction leaves half a schema behind on this archive, so
    // it does fail after creating tables.
    let control = TestDb::empty().await;
    let out = tokio::process::Command::new("pg_restore")
        .args(["--exit-on-error", "--no-owner", "--dbname", control.url()])
        .arg(&cut)
        .output()
        .await
        .expect("running pg_restore");
    assert!(!out.status.success());
    assert!(public_tables(&control).await > 0, "the cut falls after the schema");

    let target = TestDb::empty().await;
    let out = run("restore", target.url(), &[&cut], &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    assert_eq!(public_tables(&target).await, 0, "nothing of the failed restore is left");
    assert_eq!(count(&target, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace").await, 0);
}
