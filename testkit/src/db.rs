//! A database per test, cloned from a migrated template (the crates.io approach): migrating once per set of
//! migrations and cloning is much faster than migrating for every test.

use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use tokio_postgres::NoTls;

use crate::services;

/// Advisory lock key serialising template creation across concurrently running test processes.
const TEMPLATE_LOCK_KEY: i64 = 0x636d_7465_6d70_6c74;

/// An isolated database, dropped when this value is dropped.
pub struct TestDb {
    name: String,
    url: String,
}

async fn admin() -> anyhow::Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(&services::postgres_admin_url(), NoTls)
        .await
        .context("connecting to PostgreSQL as admin (is scripts/test's PostgreSQL running?)")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The URL of database `name` on the test server.
pub(crate) fn url_for(name: &str) -> String {
    let mut url = url::Url::parse(&services::postgres_admin_url()).expect("TEST_DATABASE_ADMIN_URL is a URL");
    url.set_path(name);
    url.to_string()
}

/// A hash of every migration file, so a changed migration gets a fresh template.
fn migrations_fingerprint() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut entries: Vec<_> = walk(&dir);
    entries.sort();
    let mut hasher = Sha256::new();
    for path in entries {
        hasher.update(path.strip_prefix(&dir).unwrap_or(&path).to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&path).unwrap_or_default());
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
    }
    out
}

async fn database_exists(client: &tokio_postgres::Client, name: &str) -> anyhow::Result<bool> {
    Ok(client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await?.is_some())
}

async fn ensure_template() -> anyhow::Result<String> {
    let template = format!("clipmaker_tpl_{}", migrations_fingerprint());
    let client = admin().await?;
    client.execute("SELECT pg_advisory_lock($1)", &[&TEMPLATE_LOCK_KEY]).await?;
    let result = async {
        if !database_exists(&client, &template).await? {
            let building = format!("{template}_building");
            client.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await?;
            client.batch_execute(&format!("CREATE DATABASE {building}")).await?;
            backend::db::migrate(&url_for(&building)).await.context("migrating the template database")?;
            client.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}")).await?;
        }
        anyhow::Ok(())
    }
    .await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&TEMPLATE_LOCK_KEY]).await?;
    result?;
    Ok(template)
}

impl TestDb {
    /// A new database with every migration applied.
    pub async fn new() -> TestDb {
        let template = ensure_template().await.expect("preparing the template database");
        Self::create(Some(&template)).await.expect("creating the test database")
    }

    /// A new database with no migrations applied (for testing migrations themselves).
    pub async fn empty() -> TestDb {
        Self::create(None).await.expect("creating the empty test database")
    }

    async fn create(template: Option<&str>) -> anyhow::Result<TestDb> {
        let name = format!("cm_test_{}", uuid::Uuid::new_v4().simple());
        let client = admin().await?;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        // Cloning fails while another session is connected to the template; that is brief, so retry.
        let mut attempt = 0;
        loop {
            match client.batch_execute(&sql).await {
                Ok(()) => break,
                Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).context(sql),
            }
        }
        Ok(TestDb { url: url_for(&name), name })
    }

    /// The database's connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A plain client connected to this database, for assertions in raw SQL.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url, NoTls).await.expect("connecting to the test database");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        crate::cleanup_in_background(move || {
            Box::pin(async move {
                if let Ok(client) = admin().await {
                    let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
            })
        });
    }
}
