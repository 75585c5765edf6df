//! The YooKassa simulator (`testkit::fake_yookassa`) as a program: `fake-yookassa <port> [webhook-url]`. It serves
//! the API at `http://127.0.0.1:<port>/v3` with shop id `123456` and secret key `test_fake_secret_key`, and the
//! hosted card and SBP pages a developer (or a browser test) pays or declines on; notifications go to the webhook
//! URL. `scripts/dev` starts it when no shop id is configured, and `scripts/test` for the browser tests.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("usage: fake-yookassa <port> [webhook-url]"))?;
    let webhook = args.next();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://127.0.0.1:{port}");
    eprintln!("fake YooKassa at {base}/v3, notifications to {}", webhook.as_deref().unwrap_or("nowhere"));
    testkit::fake_yookassa::FakeYooKassa::serve(listener, base, webhook).await
}
