//! The platform simulator (testkit's fake platform APIs) as a program: `fake-platforms <port>`. It serves the fake
//! Telegram Bot API at `http://127.0.0.1:<port>/telegram` (bot token and channel in `testkit::fake_telegram`) and the
//! fake Rutube API at `http://127.0.0.1:<port>/rutube` (token in `testkit::fake_rutube`; every new video starts with
//! 1 250 views so the analytics page has figures) and the fake VK API at `http://127.0.0.1:<port>/vk/method` (it
//! accepts the token the app's VK ID simulation grants; the user edits one community).
//! `scripts/dev` starts it when `TELEGRAM_API_URL` is unset, and `scripts/test` for the browser tests.

/// The views a simulated Rutube video starts with.
const SIMULATED_VIEWS: i64 = 1250;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("usage: fake-platforms <port>"))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let router = axum::Router::new()
        .nest("/telegram", testkit::fake_telegram::FakeTelegram::routes())
        .nest("/rutube", testkit::fake_rutube::FakeRutube::routes(SIMULATED_VIEWS))
        .nest("/vk", testkit::fake_vk::FakeVk::routes("/vk", SIMULATED_VIEWS));
    eprintln!(
        "fake platforms at http://127.0.0.1:{port}: Telegram bot token {} posting to {}; Rutube API token {}",
        testkit::fake_telegram::BOT_TOKEN,
        testkit::fake_telegram::CHANNEL,
        testkit::fake_rutube::TOKEN,
    );
    axum::serve(listener, router).await?;
    Ok(())
}
