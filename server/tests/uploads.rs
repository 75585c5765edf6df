//! Browser uploads over HTTP against the real S3 server: parallel multipart parts, resume after a dropped part,
//! abort, disguised files, the email and rate rules, and Range playback of the stored source.

use futures::{StreamExt as _, stream};
use serde_json::{Value, json};
use testkit::TestApp;

/// `len` bytes that start like an MP4 file and continue with a deterministic pseudo-random pattern.
fn mp4_bytes(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len);
    data.extend_from_slice(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(len);
    data
}

async fn start(client: &reqwest::Client, app: &TestApp, name: &str, mime: &str, data: &[u8]) -> reqwest::Response {
    let head = &data[..data.len().min(domain::media::SNIFF_BYTES)];
    client
        .post(format!("{}/api/videos/upload/start", app.url))
        .json(&json!({ "filename": name, "mime": mime, "size": data.len(), "head": head }))
        .send()
        .await
        .unwrap()
}

async fn put_part(client: &reqwest::Client, app: &TestApp, id: &str, n: u32, bytes: Vec<u8>) -> reqwest::Response {
    client.put(format!("{}/api/uploads/{id}/parts/{n}", app.url)).body(bytes).send().await.unwrap()
}

async fn call(client: &reqwest::Client, app: &TestApp, endpoint: &str, id: &str) -> reqwest::Response {
    client.post(format!("{}/api/videos/upload/{endpoint}", app.url)).form(&[("video_id", id)]).send().await.unwrap()
}

fn part(data: &[u8], plan: &Value, n: u32) -> Vec<u8> {
    let size = plan["part_size"].as_u64().unwrap() as usize;
    let start = (n as usize - 1) * size;
    data[start..(start + size).min(data.len())].to_vec()
}

#[tokio::test]
async fn a_200_mib_file_uploads_in_four_parallel_parts_and_plays_back_by_range() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let data = mp4_bytes(200 * 1024 * 1024);
    let res = start(&client, &app, "Интервью.mp4", "video/mp4", &data).await;
    assert_eq!(res.status(), 200);
    let plan: Value = res.json().await.unwrap();
    assert_eq!((plan["part_size"].as_u64(), plan["part_count"].as_u64()), (Some(8 * 1024 * 1024), Some(25)));
    let id = plan["video_id"].as_str().unwrap().to_owned();

    let statuses: Vec<u16> = stream::iter(1..=25u32)
        .map(|n| {
            let (client, app, id, bytes) = (client.clone(), &app, id.clone(), part(&data, &plan, n));
            async move { put_part(&client, app, &id, n, bytes).await.status().as_u16() }
        })
        .buffer_unordered(domain::upload::PARALLEL_PARTS)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let stored: Vec<u32> = call(&client, &app, "parts", &id).await.json().await.unwrap();
    assert_eq!(stored, (1..=25).collect::<Vec<_>>());
    assert_eq!(call(&client, &app, "complete", &id).await.status(), 200);

    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["title"], "Интервью");
    assert_eq!(list[0]["status"], "downloading");

    let source = format!("{}/api/videos/{id}/source", app.url);
    // Media is never compressed, whatever the browser accepts: the range is the stored bytes themselves.
    let res = client
        .get(&source)
        .header("range", "bytes=100000000-100000099")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.headers()["content-range"], format!("bytes 100000000-100000099/{}", data.len()).as_str());
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert_eq!(res.bytes().await.unwrap().as_ref(), &data[100_000_000..100_000_100]);
    let res = client.get(&source).header("range", "bytes=-16").send().await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &data[data.len() - 16..]);

    // The owner only.
    let (other, _, _) = app.signed_in().await;
    assert_eq!(other.get(&source).send().await.unwrap().status(), 404);
    assert_eq!(app.client.get(&source).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn without_the_proxy_parts_go_straight_to_s3_by_presigned_urls() {
    let app = TestApp::spawn_with(|env| {
        env.insert("USE_S3_PROXY", "false".into());
    })
    .await;
    let (client, _, _) = app.signed_in().await;
    let data = mp4_bytes(20 * 1024 * 1024 + 5);
    let plan: Value = start(&client, &app, "direct.mp4", "video/mp4", &data).await.json().await.unwrap();
    assert_eq!((plan["direct"].as_bool(), plan["part_count"].as_u64()), (Some(true), Some(3)));
    let id = plan["video_id"].as_str().unwrap().to_owned();

    let part_url = async |client: &reqwest::Client, n: u32| {
        client
            .post(format!("{}/api/videos/upload/part-url", app.url))
            .form(&[("video_id", id.as_str()), ("part", &n.to_string())])
            .send()
            .await
            .unwrap()
    };
    // The browser's PUT carries no cookie and no credentials: the signature in the URL is the authority.
    let s3 = reqwest::Client::new();
    for n in [3u32, 1, 2] {
        let res = part_url(&client, n).await;
        assert_eq!(res.status(), 200);
        let url: String = res.json().await.unwrap();
        assert!(url.starts_with(&testkit::services::s3_endpoint()), "{url}");
        assert!(url.contains("X-Amz-Signature="), "{url}");
        let put = s3.put(&url).body(part(&data, &plan, n)).send().await.unwrap();
        assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    }
    // A part of the wrong size does not match its signed length.
    let url: String = part_url(&client, 1).await.json().await.unwrap();
    assert!(!s3.put(&url).body(vec![0u8; 10]).send().await.unwrap().status().is_success());
    // Only the owner gets URLs, and only for parts that exist.
    let (other, _, _) = app.signed_in().await;
    assert_eq!(part_url(&other, 1).await.status(), 404);
    assert_eq!(part_url(&client, 4).await.status(), 422);

    let stored: Vec<u32> = call(&client, &app, "parts", &id).await.json().await.unwrap();
    assert_eq!(stored, vec![1, 2, 3]);
    assert_eq!(call(&client, &app, "complete", &id).await.status(), 200);
    let whole = client.get(format!("{}/api/videos/{id}/source", app.url)).send().await.unwrap();
    assert!(whole.bytes().await.unwrap().as_ref() == data.as_slice(), "the assembled file equals the original");

    // Pages let the browser reach the S3 origin.
    let csp = app.get("/").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let origin = url::Url::parse(&testkit::services::s3_endpoint()).unwrap().origin().ascii_serialization();
    assert!(csp.contains(&format!("connect-src 'self' {origin}")), "{csp}");
}

#[tokio::test]
async fn an_upload_interrupted_midway_resumes_from_the_stored_parts() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let data = mp4_bytes(20 * 1024 * 1024 + 123);
    let plan: Value = start(&client, &app, "a.mp4", "video/mp4", &data).await.json().await.unwrap();
    let id = plan["video_id"].as_str().unwrap().to_owned();
    assert_eq!(plan["part_count"], 3);
    assert_eq!(put_part(&client, &app, &id, 1, part(&data, &plan, 1)).await.status(), 200);
    assert_eq!(put_part(&client, &app, &id, 3, part(&data, &plan, 3)).await.status(), 200);

    // Part 2's connection drops after 1 MiB: the body ends with an error.
    let half = part(&data, &plan, 2)[..1024 * 1024].to_vec();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "network dropped"))];
    let dropped = client
        .put(format!("{}/api/uploads/{id}/parts/2", app.url))
        .header("content-length", (8 * 1024 * 1024).to_string())
        .body(reqwest::Body::wrap_stream(stream::iter(chunks)))
        .send()
        .await;
    assert!(dropped.is_err() || !dropped.unwrap().status().is_success());

    // After a "reload": the server says what is stored; completing early is refused.
    let stored: Vec<u32> = call(&client, &app, "parts", &id).await.json().await.unwrap();
    assert_eq!(stored, vec![1, 3]);
    let res = call(&client, &app, "complete", &id).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "Upload": "Incomplete" }));

    assert_eq!(put_part(&client, &app, &id, 2, part(&data, &plan, 2)).await.status(), 200);
    assert_eq!(call(&client, &app, "complete", &id).await.status(), 200);
    let whole = client.get(format!("{}/api/videos/{id}/source", app.url)).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert!(whole.bytes().await.unwrap().as_ref() == data.as_slice(), "the assembled file equals the original");
}

#[tokio::test]
async fn abort_removes_the_upload_and_its_video() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let data = mp4_bytes(9 * 1024 * 1024);
    let plan: Value = start(&client, &app, "a.mp4", "video/mp4", &data).await.json().await.unwrap();
    let id = plan["video_id"].as_str().unwrap().to_owned();
    assert_eq!(put_part(&client, &app, &id, 1, part(&data, &plan, 1)).await.status(), 200);
    assert_eq!(call(&client, &app, "abort", &id).await.status(), 200);

    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!([]));
    assert_eq!(put_part(&client, &app, &id, 2, part(&data, &plan, 2)).await.status(), 404);
    let objects = testkit::s3_client().list_objects_v2().bucket(app.bucket.name()).send().await.unwrap();
    assert_eq!(objects.key_count(), Some(0), "nothing stored");
}

#[tokio::test]
async fn disguised_and_unsupported_files_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let pad = |p: &[u8]| {
        let mut v = p.to_vec();
        v.resize(4096, 0x41);
        v
    };
    for (name, mime, bytes, problem) in [
        ("virus.mp4", "video/mp4", pad(b"\x7fELF\x02\x01\x01"), "NotMedia"),
        ("setup.mp4", "video/mp4", pad(b"MZ\x90\0\x03"), "NotMedia"),
        ("photo.mp4", "video/mp4", pad(b"\x89PNG\r\n\x1a\n"), "NotMedia"),
        ("archive.mov", "video/quicktime", pad(b"PK\x03\x04"), "NotMedia"),
        ("film.mp4", "video/mp4", pad(&[0x1A, 0x45, 0xDF, 0xA3]), "Mismatch"),
        ("photo.png", "image/png", pad(b"\x89PNG\r\n\x1a\n"), "UnsupportedType"),
    ] {
        let res = start(&client, &app, name, mime, &bytes).await;
        assert_eq!(res.status(), 422, "{name}");
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "Upload": problem }), "{name}");
    }

    // A client that lies about the first bytes: the stored file is checked again, deleted, and the video removed.
    let png = pad(b"\x89PNG\r\n\x1a\n");
    let honest_head = mp4_bytes(png.len());
    let plan: Value = start(&client, &app, "sneaky.mp4", "video/mp4", &honest_head).await.json().await.unwrap();
    let id = plan["video_id"].as_str().unwrap().to_owned();
    assert_eq!(put_part(&client, &app, &id, 1, png).await.status(), 200);
    let res = call(&client, &app, "complete", &id).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "Upload": "NotMedia" }));
    let objects = testkit::s3_client().list_objects_v2().bucket(app.bucket.name()).send().await.unwrap();
    assert_eq!(objects.key_count(), Some(0), "the disguised file was deleted");
    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn uploads_need_a_confirmed_email_and_stop_at_ten_an_hour() {
    let app = TestApp::spawn().await;
    let (client, _, user) = app.signed_in().await;
    let data = mp4_bytes(1024);
    for _ in 0..10 {
        assert_eq!(start(&client, &app, "a.mp4", "video/mp4", &data).await.status(), 200);
    }
    let res = start(&client, &app, "a.mp4", "video/mp4", &data).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));

    app.db.client().await.execute("UPDATE users SET email_verified_at = NULL WHERE id = $1", &[&user]).await.unwrap();
    let res = start(&client, &app, "a.mp4", "video/mp4", &data).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "Upload": "NotVerified" }));
    assert_eq!(start(&app.browser(), &app, "a.mp4", "video/mp4", &data).await.status(), 401);
}

#[tokio::test]
async fn a_video_is_shown_to_its_owner_and_deleted_with_its_files() {
    let app = TestApp::spawn().await;
    let (client, _, _) = app.signed_in().await;
    let (other, _, _) = app.signed_in().await;
    let data = mp4_bytes(1024 * 1024);
    let plan: Value = start(&client, &app, "clip.mp4", "video/mp4", &data).await.json().await.unwrap();
    let id = plan["video_id"].as_str().unwrap().to_owned();
    assert_eq!(put_part(&client, &app, &id, 1, data.clone()).await.status(), 200);
    assert_eq!(call(&client, &app, "complete", &id).await.status(), 200);

    let get =
        |c: &reqwest::Client| c.post(format!("{}/api/videos/get", app.url)).form(&[("video_id", id.as_str())]).send();
    let detail: Value = get(&client).await.unwrap().json().await.unwrap();
    assert_eq!(detail["card"]["id"], id.as_str());
    assert_eq!(detail["size_bytes"], data.len());
    assert_eq!(detail["mime_type"], "video/mp4");
    assert_eq!(detail["playable"], true);
    assert_eq!(get(&other).await.unwrap().status(), 404, "not someone else's");

    let delete = |c: &reqwest::Client| {
        c.post(format!("{}/api/videos/delete", app.url)).form(&[("video_id", id.as_str())]).send()
    };
    assert_eq!(delete(&other).await.unwrap().status(), 404);
    assert_eq!(delete(&client).await.unwrap().status(), 200);
    assert_eq!(get(&client).await.unwrap().status(), 404);
    let objects = testkit::s3_client().list_objects_v2().bucket(app.bucket.name()).send().await.unwrap();
    assert_eq!(objects.key_count(), Some(0));
    assert_eq!(delete(&client).await.unwrap().status(), 404);
}
