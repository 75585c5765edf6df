//! Migrations: every one goes up, down and up again, each `down` restoring exactly the schema before its `up`;
//! concurrent start-ups migrate once under the advisory lock.

use backend::db::{MIGRATIONS, MigrationConnection, migrate};
use diesel::Connection as _;
use diesel_migrations::MigrationHarness as _;
use testkit::TestDb;

/// A textual snapshot of everything our migrations create in the public schema.
const SNAPSHOT: &str = r#"
SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
  SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
         || coalesce(column_default, '') AS x
    FROM information_schema.columns
   WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
  UNION ALL
  SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint
   WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '__diesel_schema_migrations'
  UNION ALL
  SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
) s
"#;

async fn snapshot(db: &TestDb) -> String {
    db.client().await.query_one(SNAPSHOT, &[]).await.expect("snapshot query").get(0)
}

async fn with_conn<T: Send + 'static>(
    db: &TestDb,
    f: impl FnOnce(&mut MigrationConnection) -> T + Send + 'static,
) -> T {
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = MigrationConnection::establish(&url).expect("connecting for migrations");
        f(&mut conn)
    })
    .await
    .expect("migration step panicked")
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again() {
    let db = TestDb::empty().await;
    let total = with_conn(&db, |c| c.pending_migrations(MIGRATIONS).expect("listing migrations").len()).await;
    assert!(total >= 7, "expected the initial migrations, found {total}");
    assert_eq!(snapshot(&db).await, "");

    for step in 0..total {
        let before = snapshot(&db).await;
        let version = with_conn(&db, |c| c.run_next_migration(MIGRATIONS).expect("up").to_string()).await;
        let after_up = snapshot(&db).await;
        assert_ne!(before, after_up, "migration {version} (step {step}) changed nothing");
        with_conn(&db, |c| c.revert_last_migration(MIGRATIONS).expect("down").to_string()).await;
        assert_eq!(snapshot(&db).await, before, "down of {version} did not restore the previous schema");
        with_conn(&db, |c| c.run_next_migration(MIGRATIONS).expect("up again").to_string()).await;
        assert_eq!(snapshot(&db).await, after_up, "{version} is not repeatable");
    }

    let full = snapshot(&db).await;
    with_conn(&db, |c| c.revert_all_migrations(MIGRATIONS).expect("all down").len()).await;
    assert_eq!(snapshot(&db).await, "", "reverting everything must leave an empty schema");
    with_conn(&db, |c| c.run_pending_migrations(MIGRATIONS).map(|v| v.len()).expect("all up")).await;
    assert_eq!(snapshot(&db).await, full);
}

#[tokio::test]
async fn concurrent_start_ups_migrate_exactly_once() {
    let db = TestDb::empty().await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url().to_owned();
            tokio::spawn(async move { migrate(&url).await })
        })
        .collect();
    let mut applied_counts = Vec::new();
    for run in runs {
        applied_counts.push(run.await.expect("task").expect("migrate").len());
    }
    let total = with_conn(&db, |c| c.applied_migrations().expect("applied").len()).await;
    // Exactly one start-up applied everything; the others waited for the lock and found nothing to do.
    applied_counts.sort();
    assert_eq!(applied_counts.iter().filter(|n| **n == total).count(), 1, "{applied_counts:?}");
    assert_eq!(applied_counts.iter().filter(|n| **n == 0).count(), 3, "{applied_counts:?}");
}
