//! Browser uploads: S3 multipart uploads the browser fills part by part (through the app in development, to
//! presigned URLs in production), resumable because S3 remembers the stored parts.
//!
//! `start` checks the declared type against the file's first bytes, the size, the user's verification and the upload
//! rate, then creates the video (`uploading`) and the multipart upload. `complete` assembles the parts and checks the
//! stored object's first bytes again (the browser could have lied), deleting it if they are not media. `abort`
//! removes the upload and the video.

use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_s3::{
    primitives::ByteStream,
    types::{CompletedMultipartUpload, CompletedPart},
};
use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use domain::{
    SourceKind, TextEnum as _, VideoStatus,
    media::{self, MediaError},
    upload::{self, MAX_UPLOAD_BYTES},
};
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{users, videos},
    ratelimit::{self, Decision, Limit},
    teams::Actor,
};

/// Why an upload step was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The account's email is not confirmed yet.
    #[error("confirm your email before uploading")]
    NotVerified,
    /// The user's team role does not upload (viewers).
    #[error("your team role does not allow uploads")]
    Forbidden,
    /// The file is not an accepted video or audio format, or its content does not match its type.
    #[error("{0}")]
    Media(#[from] MediaError),
    /// Empty or larger than the limit.
    #[error("the file must be between 1 byte and {max} bytes")]
    BadSize {
        /// The largest accepted size.
        max: u64,
    },
    /// Too many uploads this hour.
    #[error("too many uploads; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// A link that is not http(s), does not resolve, or points to a private or local address.
    #[error("this link cannot be imported")]
    BadUrl,
    /// No such video of this user, or it is not receiving an upload.
    #[error("no such upload")]
    NotFound,
    /// A part number outside the file, or a body of the wrong length.
    #[error("part {0} has the wrong number or size")]
    BadPart(u32),
    /// `complete` before every part is stored.
    #[error("{missing} parts are still missing")]
    Incomplete {
        /// How many.
        missing: u32,
    },
    /// Storage or database failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(UploadError);

/// What the browser needs to send the parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The new video.
    pub video_id: Uuid,
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// Number of parts.
    pub part_count: u32,
    /// Parts go straight to S3 by presigned URLs ([`presign_part`]) rather than through the app.
    pub direct: bool,
}

/// An upload in progress, as stored on the video row.
struct Pending {
    key: String,
    upload_id: String,
    size: u64,
    mime: String,
}

/// The title a file name gives: without the extension, at most 200 characters.
pub fn title_from_filename(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).trim();
    let title: String = stem.chars().take(200).collect();
    if title.is_empty() { "video".into() } else { title }
}

/// Refuses users whose email is not confirmed and team members whose role does not upload, then counts one upload
/// against the hourly limit.
pub async fn check_may_upload(state: &AppState, actor: &Actor) -> Result<(), UploadError> {
    if !actor.may_here(domain::Action::Upload) {
        return Err(UploadError::Forbidden);
    }
    let user_id = actor.user_id;
    let mut conn = state.db.get().await?;
    let verified: Option<Option<chrono::DateTime<chrono::Utc>>> =
        users::table.find(user_id).select(users::email_verified_at).first(&mut conn).await.optional()?;
    if !matches!(verified, Some(Some(_))) {
        return Err(UploadError::NotVerified);
    }
    if let Decision::Limited { retry_after } =
        ratelimit::hit(&state.redis, &Limit::UPLOADS_PER_USER, &user_id.to_string()).await?
    {
        return Err(UploadError::RateLimited { retry_after_secs: retry_after.as_secs().max(1) });
    }
    Ok(())
}

/// Begins an upload of `size` bytes declared as `mime`, whose first bytes are `head`.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    filename: &str,
    mime: &str,
    size: u64,
    head: &[u8],
) -> Result<Started, UploadError> {
    let kind = media::check(mime, head)?;
    if size == 0 || size > MAX_UPLOAD_BYTES {
        return Err(UploadError::BadSize { max: MAX_UPLOAD_BYTES });
    }
    check_may_upload(state, actor).await?;
    let (team, payer) = actor.workspace();
    let video_id = Uuid::now_v7();
    let key = format!("sources/{video_id}/source.{}", kind.extension());
    let mime = mime.split(';').next().unwrap_or(mime).trim().to_ascii_lowercase();
    let created = state
        .storage
        .client()
        .create_multipart_upload()
        .bucket(state.storage.bucket())
        .key(&key)
        .content_type(&mime)
        .send()
        .await
        .context("CreateMultipartUpload")?;
    let upload_id = created.upload_id().context("S3 returned no upload id")?.to_owned();
    diesel::insert_into(videos::table)
        .values((
            videos::id.eq(video_id),
            videos::user_id.eq(actor.user_id),
            videos::team_id.eq(team),
            videos::billed_to.eq(payer),
            videos::title.eq(title_from_filename(filename)),
            videos::status.eq(VideoStatus::Uploading.as_str()),
            videos::source_kind.eq(SourceKind::File.as_str()),
            videos::file_key.eq(&key),
            videos::mime_type.eq(&mime),
            videos::size_bytes.eq(size as i64),
            videos::upload_id.eq(&upload_id),
        ))
        .execute(&mut state.db.get().await?)
        .await?;
    Ok(Started {
        video_id,
        part_size: upload::part_size(size),
        part_count: upload::part_count(size),
        direct: !state.storage.use_proxy(),
    })
}

/// (file key, upload id, size, MIME type) as stored on the video.
type PendingRow = (Option<String>, Option<String>, Option<i64>, Option<String>);

async fn pending(state: &AppState, user_id: Uuid, video_id: Uuid) -> Result<Pending, UploadError> {
    let mut conn = state.db.get().await?;
    let row: Option<PendingRow> = videos::table
        .filter(videos::id.eq(video_id).and(videos::user_id.eq(user_id)))
        .filter(videos::status.eq(VideoStatus::Uploading.as_str()))
        .select((videos::file_key, videos::upload_id, videos::size_bytes, videos::mime_type))
        .first(&mut conn)
        .await
        .optional()?;
    match row {
        Some((Some(key), Some(upload_id), Some(size), Some(mime))) => {
            Ok(Pending { key, upload_id, size: size as u64, mime })
        }
        _ => Err(UploadError::NotFound),
    }
}

/// Stores part `n` (1-based) of the user's upload, streamed from `body` of `len` bytes. Returns the part's ETag.
pub async fn put_part(
    state: &AppState,
    user_id: Uuid,
    video_id: Uuid,
    n: u32,
    len: u64,
    body: ByteStream,
) -> Result<String, UploadError> {
    let p = pending(state, user_id, video_id).await?;
    if upload::part_len(p.size, n) != Some(len) {
        return Err(UploadError::BadPart(n));
    }
    let out = state
        .storage
        .client()
        .upload_part()
        .bucket(state.storage.bucket())
        .key(&p.key)
        .upload_id(&p.upload_id)
        .part_number(n as i32)
        .content_length(len as i64)
        .body(body)
        .send()
        .await
        .with_context(|| format!("UploadPart {n}"))?;
    Ok(out.e_tag().unwrap_or_default().to_owned())
}

/// How long a presigned part URL stays valid.
pub const PART_URL_TTL: Duration = Duration::from_secs(3600);

/// A presigned PUT URL for part `n` of the user's upload (without the S3 proxy the browser sends parts straight to
/// S3, asking for each part's URL just before sending it).
pub async fn presign_part(state: &AppState, user_id: Uuid, video_id: Uuid, n: u32) -> Result<String, UploadError> {
    let p = pending(state, user_id, video_id).await?;
    let len = upload::part_len(p.size, n).ok_or(UploadError::BadPart(n))?;
    Ok(state.storage.presign_part(&p.key, &p.upload_id, n, len, PART_URL_TTL).await?)
}

/// The parts S3 holds for the user's upload: (number, size, ETag), in order.
async fn stored(state: &AppState, p: &Pending) -> Result<Vec<(u32, u64, String)>, UploadError> {
    let mut parts = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = state
            .storage
            .client()
            .list_parts()
            .bucket(state.storage.bucket())
            .key(&p.key)
            .upload_id(&p.upload_id)
            .set_part_number_marker(marker.clone())
            .send()
            .await
            .context("ListParts")?;
        for part in page.parts() {
            let n = part.part_number().unwrap_or(0) as u32;
            parts.push((n, part.size().unwrap_or(0) as u64, part.e_tag().unwrap_or_default().to_owned()));
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        marker = page.next_part_number_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    parts.sort_by_key(|p| p.0);
    Ok(parts)
}

/// The part numbers already stored (and complete), for resuming.
pub async fn stored_parts(state: &AppState, user_id: Uuid, video_id: Uuid) -> Result<Vec<u32>, UploadError> {
    let p = pending(state, user_id, video_id).await?;
    Ok(stored(state, &p)
        .await?
        .into_iter()
        .filter(|(n, size, _)| upload::part_len(p.size, *n) == Some(*size))
        .map(|(n, _, _)| n)
        .collect())
}

/// Assembles the parts, checks the stored file's first bytes, and moves the video on to `downloading` (the stage
/// that validates the stored file). A file that turns out not to be media is deleted with its video.
pub async fn complete(state: &AppState, user_id: Uuid, video_id: Uuid) -> Result<(), UploadError> {
    let p = pending(state, user_id, video_id).await?;
    let parts = stored(state, &p).await?;
    let count = upload::part_count(p.size);
    let complete: Vec<CompletedPart> = (1..=count)
        .filter_map(|n| {
            parts
                .iter()
                .find(|(pn, size, _)| *pn == n && upload::part_len(p.size, n) == Some(*size))
                .map(|(_, _, etag)| CompletedPart::builder().part_number(n as i32).e_tag(etag).build())
        })
        .collect();
    if complete.len() as u32 != count {
        return Err(UploadError::Incomplete { missing: count - complete.len() as u32 });
    }
    state
        .storage
        .client()
        .complete_multipart_upload()
        .bucket(state.storage.bucket())
        .key(&p.key)
        .upload_id(&p.upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(complete)).build())
        .send()
        .await
        .context("CompleteMultipartUpload")?;
    let head = state
        .storage
        .client()
        .get_object()
        .bucket(state.storage.bucket())
        .key(&p.key)
        .range(format!("bytes=0-{}", media::SNIFF_BYTES - 1))
        .send()
        .await
        .context("reading the stored file's first bytes")?
        .body
        .collect()
        .await
        .context("reading the stored file's first bytes")?
        .into_bytes();
    if let Err(e) = media::check(&p.mime, &head) {
        delete_objects(state, video_id).await?;
        let mut conn = state.db.get().await?;
        diesel::delete(videos::table.find(video_id)).execute(&mut conn).await?;
        return Err(e.into());
    }
    let mut conn = state.db.get().await?;
    diesel::update(videos::table.find(video_id))
        .set((
            videos::status.eq(VideoStatus::Downloading.as_str()),
            videos::upload_id.eq(None::<String>),
            videos::stage.eq(domain::videos::stage::QUEUED),
            videos::progress.eq(0),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);
    crate::videos::uploaded(state, video_id).await?;
    Ok(())
}

/// Cancels the user's upload: the multipart upload and the video are removed.
pub async fn abort(state: &AppState, user_id: Uuid, video_id: Uuid) -> Result<(), UploadError> {
    // Only an upload in progress can be cancelled this way; finished videos are deleted with `videos::delete_for_user`.
    pending(state, user_id, video_id).await?;
    crate::videos::delete(state, video_id).await?;
    Ok(())
}

/// Deletes every stored object of a video: its source (`sources/<id>/…`) and its rendered clips (`clips/<id>/…`).
pub async fn delete_objects(state: &AppState, video_id: Uuid) -> anyhow::Result<()> {
    state.storage.delete_prefix(&format!("sources/{video_id}/")).await?;
    state.storage.delete_prefix(&format!("clips/{video_id}/")).await
}

/// The budget shared by presigned part URLs and proxied part PUTs, per user (`RATE_UPLOAD_PARTS_PER_HOUR`).
pub fn parts_limit(config: &crate::Config) -> crate::ratelimit::Limit {
    crate::ratelimit::Limit::per_hour("upload-parts", config.limits.upload_parts_per_hour)
}
