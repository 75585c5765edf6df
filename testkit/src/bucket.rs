//! An S3 bucket per test.

use aws_sdk_s3::Client;

use crate::services;

/// A fresh bucket on the test S3 server; emptied and deleted when dropped.
pub struct TestBucket {
    name: String,
    client: Client,
}

/// An S3 client for the test server.
pub fn s3_client() -> Client {
    let cfg = backend::config::StorageConfig {
        endpoint: services::s3_endpoint(),
        public_endpoint: services::s3_endpoint(),
        region: "us-east-1".into(),
        bucket: String::new(),
        access_key_id: services::s3_access_key(),
        secret_access_key: services::s3_secret_key(),
        force_path_style: true,
        use_proxy: true,
    };
    backend::storage::Storage::new(&cfg).client().clone()
}

impl TestBucket {
    /// Creates a bucket with a unique name.
    pub async fn new() -> TestBucket {
        let name = format!("cm-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..20]);
        let client = s3_client();
        client
            .create_bucket()
            .bucket(&name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("creating test bucket {name} (is scripts/test's S3 server running?): {e:?}"));
        TestBucket { name, client }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// An S3 client for assertions.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Drop for TestBucket {
    fn drop(&mut self) {
        let name = self.name.clone();
        crate::cleanup_in_background(move || {
            Box::pin(async move {
                // A client of its own: the test's client pools connections driven by the test's runtime, which is
                // blocked in this drop.
                let client = s3_client();
                if let Ok(list) = client.list_objects_v2().bucket(&name).send().await {
                    for obj in list.contents() {
                        if let Some(key) = obj.key() {
                            let _ = client.delete_object().bucket(&name).key(key).send().await;
                        }
                    }
                }
                let _ = client.delete_bucket().bucket(&name).send().await;
            })
        });
    }
}
