//! PostgreSQL access: the connection pool, the schema, and migrations run under an advisory lock.

pub mod schema;

use anyhow::Context as _;
use diesel::{Connection as _, RunQueryDsl as _};
use diesel_async::{
    AsyncPgConnection,
    async_connection_wrapper::AsyncConnectionWrapper,
    pooled_connection::{AsyncDieselConnectionManager, deadpool::Pool},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// The advisory lock key held while migrating, so a server and a worker starting together do not race.
/// (The ASCII bytes of "clipmake" as an integer.)
pub const MIGRATION_LOCK_KEY: i64 = 0x636c_6970_6d61_6b65;

/// A pool of async PostgreSQL connections.
pub type DbPool = Pool<AsyncPgConnection>;

/// Builds a pool. Connections are opened lazily, so this succeeds even while the database is down.
pub fn pool(url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// A blocking connection for migrations (diesel's migration harness is synchronous).
pub type MigrationConnection = AsyncConnectionWrapper<AsyncPgConnection>;

/// Runs pending migrations while holding [`MIGRATION_LOCK_KEY`]; returns the versions applied.
/// Safe to call from several processes at once: the others wait, then find nothing to do.
pub async fn migrate(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = MigrationConnection::establish(&url).context("connecting to the database to migrate")?;
        with_migration_lock(&mut conn, |conn| {
            let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(applied.iter().map(|v| v.to_string()).collect())
        })
    })
    .await
    .context("migration task panicked")?
}

/// Runs `f` while holding the migration advisory lock on `conn`.
pub fn with_migration_lock<T>(
    conn: &mut MigrationConnection,
    f: impl FnOnce(&mut MigrationConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        .execute(conn)
        .context("taking the migration lock")?;
    let result = f(conn);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        .execute(conn)
        .context("releasing the migration lock")?;
    result
}
