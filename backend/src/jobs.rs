//! Job payloads enqueued by the server and run by the worker. The handlers live in the `worker` crate; the types
//! live here so both sides agree on names, queues and fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::queue::{Job, QueueName};

/// The demo job: produce a short sample video, store it, probe it with ffprobe and mark the video completed.
/// It stands in for the download → transcribe → analyze pipeline until that lands, so the videos page shows live
/// progress end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleVideo {
    /// The video row the job fills in.
    pub video_id: Uuid,
}

impl Job for SampleVideo {
    const NAME: &'static str = "demo-sample";
    const QUEUE: QueueName = QueueName::Download;
}
