//! Object storage over the S3 API (any S3-compatible server).

use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_s3::{
    Client,
    config::{BehaviorVersion, Credentials, Region, retry::RetryConfig, timeout::TimeoutConfig},
};

use crate::config::StorageConfig;

/// The S3 client and the bucket this app uses.
#[derive(Clone, Debug)]
pub struct Storage {
    client: Client,
    /// Signs URLs for browsers: the same credentials against the public endpoint.
    presigner: Client,
    bucket: String,
    use_proxy: bool,
}

fn client_for(cfg: &StorageConfig, endpoint: &str) -> Client {
    let credentials = Credentials::new(&cfg.access_key_id, &cfg.secret_access_key, None, None, "clipmaker-config");
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(cfg.region.clone()))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .force_path_style(cfg.force_path_style)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    Client::from_conf(conf)
}

impl Storage {
    /// Builds the clients from configuration. No request is made.
    pub fn new(cfg: &StorageConfig) -> Storage {
        Storage {
            client: client_for(cfg, &cfg.endpoint),
            presigner: client_for(cfg, &cfg.public_endpoint),
            bucket: cfg.bucket.clone(),
            use_proxy: cfg.use_proxy,
        }
    }

    /// The underlying SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Whether media is streamed through the app rather than served by presigned URLs.
    pub fn use_proxy(&self) -> bool {
        self.use_proxy
    }

    /// Checks that the bucket exists and is reachable with our credentials.
    pub async fn check(&self) -> anyhow::Result<()> {
        self.client.head_bucket().bucket(&self.bucket).send().await.context("HeadBucket")?;
        Ok(())
    }

    /// Creates the bucket unless it already exists.
    pub async fn ensure_bucket(&self) -> anyhow::Result<()> {
        if self.check().await.is_ok() {
            return Ok(());
        }
        match self.client.create_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Another process may have created it in between.
                if self.check().await.is_ok() {
                    Ok(())
                } else {
                    Err(anyhow::Error::new(e).context(format!("creating bucket {}", self.bucket)))
                }
            }
        }
    }

    /// Lets pages of `origin` PUT upload parts and GET media straight from the bucket (presigned URLs). Servers
    /// that do not implement bucket CORS (some S3-compatible ones) answer with an error, which the caller reports:
    /// there the operator configures CORS out of band.
    pub async fn allow_browser_origin(&self, origin: &str) -> anyhow::Result<()> {
        use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
        let rule = CorsRule::builder()
            .allowed_origins(origin)
            .allowed_methods("PUT")
            .allowed_methods("GET")
            .allowed_methods("HEAD")
            .allowed_headers("*")
            .expose_headers("ETag")
            .max_age_seconds(3600)
            .build()
            .context("CORS rule")?;
        let cors = CorsConfiguration::builder().cors_rules(rule).build().context("CORS configuration")?;
        self.client
            .put_bucket_cors()
            .bucket(&self.bucket)
            .cors_configuration(cors)
            .send()
            .await
            .context("PutBucketCors")?;
        Ok(())
    }

    /// A URL the browser PUTs part `n` (`len` bytes) of a multipart upload to, valid for `ttl`.
    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        n: u32,
        len: u64,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(ttl).context("presigning settings")?;
        let req = self
            .presigner
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(n as i32)
            .content_length(len as i64)
            .presigned(config)
            .await
            .context("presigning a part")?;
        Ok(req.uri().to_owned())
    }

    /// A URL that GETs `key` from the internal endpoint, valid for `ttl`: what ffmpeg reads a source from, seeking
    /// with HTTP Range, so a clip's render fetches only its part of a long video.
    pub async fn presign_read(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(ttl).context("presigning settings")?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .context("presigning a GET")?;
        Ok(req.uri().to_owned())
    }

    /// A URL the browser downloads `key` from (the public endpoint), saved as `filename`, valid for `ttl`.
    pub async fn presign_download(&self, key: &str, filename: &str, ttl: Duration) -> anyhow::Result<String> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(ttl).context("presigning settings")?;
        let req = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(content_disposition(filename))
            .presigned(config)
            .await
            .context("presigning a download")?;
        Ok(req.uri().to_owned())
    }

    /// The object's size, or `None` if there is no object under `key`.
    pub async fn size(&self, key: &str) -> anyhow::Result<Option<i64>> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(head) => Ok(Some(head.content_length().unwrap_or(0))),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context(format!("HeadObject {key}"))),
        }
    }

    /// Uploads the file at `path` to `key`.
    pub async fn put_file(&self, key: &str, path: &std::path::Path, content_type: &str) -> anyhow::Result<()> {
        let body = aws_sdk_s3::primitives::ByteStream::from_path(path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .with_context(|| format!("PutObject {key}"))?;
        Ok(())
    }

    /// Downloads `key` into a new file at `path`, streaming; returns the bytes written.
    pub async fn download_to_file(&self, key: &str, path: &std::path::Path) -> anyhow::Result<u64> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .with_context(|| format!("GetObject {key}"))?;
        let mut reader = object.body.into_async_read();
        let mut file = tokio::fs::File::create(path).await.with_context(|| format!("creating {}", path.display()))?;
        let n = tokio::io::copy(&mut reader, &mut file).await.with_context(|| format!("downloading {key}"))?;
        tokio::io::AsyncWriteExt::flush(&mut file).await?;
        Ok(n)
    }

    /// Abandons a multipart upload and the parts stored for it.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> anyhow::Result<()> {
        self.client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .with_context(|| format!("AbortMultipartUpload {key}"))?;
        Ok(())
    }

    /// Deletes every object whose key starts with `prefix` (up to 1 000, more than a video ever has).
    pub async fn delete_prefix(&self, prefix: &str) -> anyhow::Result<()> {
        let listed = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .with_context(|| format!("ListObjectsV2 {prefix}"))?;
        for key in listed.contents().iter().filter_map(|o| o.key()) {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .with_context(|| format!("DeleteObject {key}"))?;
        }
        Ok(())
    }
}

/// `attachment` with `filename` as RFC 6266 wants it: an ASCII fallback and the UTF-8 name percent-encoded.
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
