//! Clips over HTTP: the owner streams (with Range), downloads and edits their clips; nobody else can; the download
//! URL is the app's own stream behind the S3 proxy and a presigned URL without it.

use serde_json::Value;
use testkit::TestApp;

fn bytes() -> Vec<u8> {
    (0..100_000u32).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn only_the_owner_streams_and_downloads_a_clip_by_range() {
    let app = TestApp::spawn().await;
    let (owner, _, user) = app.signed_in().await;
    let data = bytes();
    let (video, clip) = app.ready_clip(user, None, &data).await;
    let stream = format!("{}/api/clips/{clip}/stream", app.url);

    let whole = owner.get(&stream).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), data.as_slice());
    let part = owner.get(&stream).header("Range", "bytes=1000-1999").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 1000-1999/100000");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &data[1000..2000]);

    let download = owner.get(format!("{stream}?download=1")).send().await.unwrap();
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%D0%9A%D0%B0%D0%BA"), "the title names the file: {disposition}");
    let thumb = owner.get(format!("{}/api/clips/{clip}/thumbnail", app.url)).send().await.unwrap();
    assert_eq!((thumb.status().as_u16(), thumb.headers()["content-type"].to_str().unwrap()), (200, "image/jpeg"));

    // The download URL (clip.getDownloadUrl) in development is the app's own stream.
    let url = app.call(&owner, "clips/download-url", &[("clip_id", &clip.to_string())]).await;
    assert_eq!(url.status(), 200);
    assert_eq!(url.json::<String>().await.unwrap(), format!("/api/clips/{clip}/stream?download=1"));

    let (stranger, _, _) = app.signed_in().await;
    assert_eq!(stranger.get(&stream).send().await.unwrap().status(), 404);
    assert_eq!(app.browser().get(&stream).send().await.unwrap().status(), 401);
    let theirs = app.call(&stranger, "clips/download-url", &[("clip_id", &clip.to_string())]).await;
    assert_eq!(theirs.status(), 404);
    let list = app.call(&stranger, "videos/clips", &[("video_id", &video.to_string())]).await;
    assert_eq!(
        list.status(),
        404,
        "someone else's video's clips are not listed, and the video is not admitted to exist"
    );
}

#[tokio::test]
async fn without_the_proxy_downloads_are_presigned_storage_urls() {
    let app = TestApp::spawn_with(|env| {
        env.insert("USE_S3_PROXY", "false".into());
    })
    .await;
    let (owner, _, user) = app.signed_in().await;
    let data = bytes();
    let (_, clip) = app.ready_clip(user, None, &data).await;
    let url: String =
        app.call(&owner, "clips/download-url", &[("clip_id", &clip.to_string())]).await.json().await.unwrap();
    assert!(url.starts_with(&testkit::services::s3_endpoint()) && url.contains("X-Amz-Signature="), "{url}");
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 200, "the signature is the authority");
    assert_eq!(res.bytes().await.unwrap().as_ref(), data.as_slice());
}

#[tokio::test]
async fn the_owner_edits_title_and_cta_and_restyles_a_finished_clip() {
    let app = TestApp::spawn().await;
    let (owner, _, user) = app.signed_in().await;
    let (_, clip) = app.ready_clip(user, None, &bytes()).await;
    let id = clip.to_string();
    let res = app
        .call(&owner, "clips/update", &[("clip_id", &id), ("title", " Новый заголовок "), ("cta", "Подпишитесь")])
        .await;
    assert_eq!(res.status(), 200);
    let card: Value = res.json().await.unwrap();
    assert_eq!(
        (card["candidate"]["title"].as_str(), card["candidate"]["cta"].as_str()),
        (Some("Новый заголовок"), Some("Подпишитесь"))
    );
    assert_eq!(app.call(&owner, "clips/update", &[("clip_id", &id), ("title", ""), ("cta", "")]).await.status(), 422);
    let (stranger, _, _) = app.signed_in().await;
    assert_eq!(
        app.call(&stranger, "clips/update", &[("clip_id", &id), ("title", "mine"), ("cta", "")]).await.status(),
        404
    );

    assert_eq!(
        app.call(&owner, "clips/restyle", &[("clip_id", &id), ("style", "neon"), ("layout", "crop")]).await.status(),
        422
    );
    let res = app.call(&owner, "clips/restyle", &[("clip_id", &id), ("style", "highlight"), ("layout", "fit")]).await;
    assert_eq!(res.status(), 200);
    let card: Value = res.json().await.unwrap();
    assert_eq!(
        (card["status"].as_str(), card["subtitle_style"].as_str(), card["layout"].as_str()),
        (Some("pending"), Some("highlight"), Some("fit"))
    );
    let busy = app.call(&owner, "clips/restyle", &[("clip_id", &id), ("style", "classic"), ("layout", "crop")]).await;
    assert_eq!(busy.status(), 422, "a clip waiting for its render cannot be restyled again yet");
    let detail: Value = app.call(&owner, "clips/get", &[("clip_id", &id)]).await.json().await.unwrap();
    assert_eq!(detail["video_title"], "talk");
    let listed: Value =
        app.call(&owner, "clips/list", &[("sort", "newest"), ("status", "pending")]).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let none: Value =
        app.call(&owner, "clips/list", &[("sort", "score"), ("status", "ready")]).await.json().await.unwrap();
    assert_eq!(none, serde_json::json!([]));
}
