//! Retention: the cleanup job deletes the files and clip rows of videos older than their owner's plan keeps them,
//! marks the videos expired, removes abandoned uploads, and does nothing more when run again.

mod common;

use backend::retention::{self, Cleaned};
use testkit::TestApp;
use uuid::Uuid;

/// A completed video of `user` created `days_ago`, with a stored source and one rendered clip.
async fn stored_video(app: &TestApp, user: Uuid, days_ago: i32) -> (Uuid, Uuid) {
    let (video, clip) = (Uuid::now_v7(), Uuid::now_v7());
    let source = format!("sources/{video}/source.mp4");
    let db = app.db.client().await;
    db.execute(
        "INSERT INTO videos (id, user_id, title, status, source_kind, file_key, created_at)
         VALUES ($1, $2, 'old talk', 'completed', 'file', $3, now() - make_interval(days => $4))",
        &[&video, &user, &source, &days_ago],
    )
    .await
    .unwrap();
    let (file, thumb) = (backend::clips::file_key(video, clip), backend::clips::thumbnail_key(video, clip));
    db.execute(
        "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, status, file_key, thumbnail_key)
         VALUES ($1, $2, $3, 'clip', 0, 10, 'ready', $4, $5)",
        &[&clip, &video, &user, &file, &thumb],
    )
    .await
    .unwrap();
    let bytes = std::env::temp_dir().join(format!("retention-{video}"));
    std::fs::write(&bytes, b"not really a video").unwrap();
    for key in [&source, &file, &thumb] {
        app.state.storage.put_file(key, &bytes, "video/mp4").await.unwrap();
    }
    std::fs::remove_file(bytes).unwrap();
    (video, clip)
}

async fn stored(app: &TestApp, video: Uuid, clip: Uuid) -> [bool; 3] {
    let keys = [
        format!("sources/{video}/source.mp4"),
        backend::clips::file_key(video, clip),
        backend::clips::thumbnail_key(video, clip),
    ];
    let mut out = [false; 3];
    for (i, key) in keys.iter().enumerate() {
        out[i] = app.state.storage.size(key).await.unwrap().is_some();
    }
    out
}

/// (expired, file key, clips left) of a video.
async fn state_of(app: &TestApp, video: Uuid) -> (bool, Option<String>, i64) {
    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT expired_at IS NOT NULL, file_key, (SELECT count(*) FROM clips WHERE video_id = $1)
             FROM videos WHERE id = $1",
            &[&video],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn expired_videos_lose_their_files_and_clips_once_and_fresh_ones_stay() {
    let app = common::spawn(&[]).await;
    let free = app.create_user(&testkit::mailbox::unique_address("free")).await;
    let pro = app.create_user(&testkit::mailbox::unique_address("pro")).await;
    app.db.client().await.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&pro]).await.unwrap();
    let (old_free, old_free_clip) = stored_video(&app, free, 4).await;
    let (new_free, new_free_clip) = stored_video(&app, free, 2).await;
    let (old_pro, old_pro_clip) = stored_video(&app, pro, 40).await;
    let abandoned = Uuid::now_v7();
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO videos (id, user_id, title, status, source_kind, created_at)
             VALUES ($1, $2, 'never finished', 'uploading', 'file', now() - interval '2 days')",
            &[&abandoned, &free],
        )
        .await
        .unwrap();

    let first = retention::cleanup(&app.state, chrono::Utc::now()).await.unwrap();
    assert_eq!(first, Cleaned { expired_videos: 1, deleted_clips: 1, abandoned_uploads: 1 });
    assert_eq!(stored(&app, old_free, old_free_clip).await, [false; 3], "a Free video keeps its files 3 days");
    assert_eq!(state_of(&app, old_free).await, (true, None, 0), "the row stays, marked expired");
    assert_eq!(stored(&app, new_free, new_free_clip).await, [true; 3]);
    assert!(!state_of(&app, new_free).await.0, "a new Free video is kept");
    assert_eq!(stored(&app, old_pro, old_pro_clip).await, [true; 3], "Pro keeps files 90 days");
    let gone = app.db.client().await.query_opt("SELECT 1 FROM videos WHERE id = $1", &[&abandoned]).await.unwrap();
    assert!(gone.is_none(), "an upload abandoned for a day is removed");

    let second = retention::cleanup(&app.state, chrono::Utc::now()).await.unwrap();
    assert_eq!(second, Cleaned::default(), "a second run finds nothing to do");
    assert_eq!(state_of(&app, old_free).await, (true, None, 0));
    assert_eq!(stored(&app, new_free, new_free_clip).await, [true; 3]);

    let later = retention::cleanup(&app.state, chrono::Utc::now() + chrono::Duration::days(2)).await.unwrap();
    assert_eq!(later.expired_videos, 1, "two days on, the newer Free video expires too");
    assert_eq!(stored(&app, new_free, new_free_clip).await, [false; 3]);
}
