//! CSRF: state-changing requests need an Origin (or Referer) equal to PUBLIC_URL's origin.

use reqwest::Method;
use testkit::TestApp;

async fn send(app: &TestApp, method: Method, headers: &[(&str, &str)]) -> (u16, String, bool) {
    let mut req = reqwest::Client::new().request(method, format!("{}/api/health", app.url));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let has_csp = res.headers().contains_key("content-security-policy");
    (res.status().as_u16(), res.text().await.unwrap(), has_csp)
}

#[tokio::test]
async fn cross_origin_and_origin_less_posts_are_refused_with_a_translated_403() {
    let app = TestApp::spawn().await;
    let other_port = format!("http://127.0.0.1:{}", app.addr.port() + 1);
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("origin", other_port.as_str())],
        vec![("referer", "https://evil.example/page")],
        vec![],
        // Origin wins over Referer: a forged same-site Referer does not rescue a foreign Origin.
        vec![("origin", "https://evil.example"), ("referer", &app.url)],
    ] {
        let (status, body, has_csp) = send(&app, Method::POST, &headers).await;
        assert_eq!(status, 403, "{headers:?}");
        assert!(body.contains("Запрос отклонён"), "{body}");
        assert!(has_csp, "the refusal carries the security headers");
    }
    let (status, body, _) =
        send(&app, Method::DELETE, &[("origin", "https://evil.example"), ("cookie", "lang=en")]).await;
    assert_eq!(status, 403);
    assert!(body.contains("Request refused"), "{body}");
}

#[tokio::test]
async fn same_origin_posts_and_any_get_pass_the_check() {
    let app = TestApp::spawn().await;
    let page = format!("{}/settings", app.url);
    for headers in [vec![("origin", app.url.as_str())], vec![("referer", page.as_str())]] {
        // /api/health only answers GET, so passing the check means reaching the router's 405.
        let (status, ..) = send(&app, Method::POST, &headers).await;
        assert_eq!(status, 405, "{headers:?}");
    }
    let (status, ..) = send(&app, Method::GET, &[("origin", "https://evil.example")]).await;
    assert_eq!(status, 200);
}
