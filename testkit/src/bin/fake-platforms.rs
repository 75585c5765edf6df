//! The platform simulator (testkit's fake platform APIs) as a program: `fake-platforms <port>`. It serves the fake
//! Telegram Bot API at `http://127.0.0.1:<port>/telegram` (bot token and channel in `testkit::fake_telegram`).
//! `scripts/dev` starts it when `TELEGRAM_API_URL` is unset, and `scripts/test` for the browser tests.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("usage: fake-platforms <port>"))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let router = axum::Router::new().nest("/telegram", testkit::fake_telegram::FakeTelegram::routes());
    eprintln!(
        "fake platforms at http://127.0.0.1:{port}: Telegram bot token {} posting to {}",
        testkit::fake_telegram::BOT_TOKEN,
        testkit::fake_telegram::CHANNEL
    );
    axum::serve(listener, router).await?;
    Ok(())
}
