//! Operator commands of the `server` binary (`server admin ...`), for development, tests and support.

use backend::Config;
use domain::{Email, PlanId, TextEnum as _};

/// `server admin set-plan EMAIL PLAN`: sets the user's plan. Fails on an unknown plan or address.
pub async fn set_plan(config: &Config, email: &str, plan: &str) -> anyhow::Result<()> {
    let plan = PlanId::parse(plan).map_err(|e| anyhow::anyhow!("{e}; plans: free, start, pro, business"))?;
    let email = Email::parse(email).map_err(|_| anyhow::anyhow!("{email:?} is not an email address"))?;
    let db = backend::db::pool(&config.database.url, 1)?;
    anyhow::ensure!(
        backend::accounts::set_plan(&db, &email, plan).await?,
        "no user with the address {}",
        email.as_str()
    );
    println!("{} is now on the {} plan", email.as_str(), plan.as_str());
    Ok(())
}

/// `server admin reseal-tokens`: reseals every platform token under the current key after a rotation
/// (`docs/publishing.md`). Fails, naming how many, when some token opens under neither configured key.
pub async fn reseal_tokens(config: &Config) -> anyhow::Result<()> {
    let db = backend::db::pool(&config.database.url, 1)?;
    let moved = backend::platforms::reseal_all(&db, &config.platforms).await?;
    println!("{moved} platform connections resealed under key {}", config.platforms.current.0);
    Ok(())
}

/// `server admin grant EMAIL` / `server admin revoke EMAIL`: makes the user a site operator (the `/admin` console)
/// or takes that away. Audited with the command line as the operator.
pub async fn set_operator(config: &Config, email: &str, operator: bool) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|_| anyhow::anyhow!("{email:?} is not an email address"))?;
    let db = backend::db::pool(&config.database.url, 1)?;
    anyhow::ensure!(
        backend::admin::set_operator(&db, &email, operator).await?,
        "no user with the address {}",
        email.as_str()
    );
    if operator {
        println!("{} is now a site operator: /admin", email.as_str());
    } else {
        println!("{} is no longer a site operator", email.as_str());
    }
    Ok(())
}
