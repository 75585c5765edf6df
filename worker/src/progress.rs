//! Live progress of long steps: a step reports its share done (0.0–1.0) on a watch channel; [`forward`] maps it onto a
//! range of the video's progress bar and writes it (publishing to the owner's live channel) in steps of 5 %.

use backend::{AppState, videos};
use tokio::sync::watch;
use uuid::Uuid;

/// Writes the video's stage and progress, logging (not returning) a failure: progress is advisory.
pub async fn report(state: &AppState, video_id: Uuid, stage: &str, pct: u8) {
    if let Err(e) = videos::report_progress(state, video_id, stage, pct).await {
        tracing::warn!(error = format!("{e:#}"), "reporting progress failed");
    }
}

/// Follows `rx` until its sender is dropped, reporting `stage` at `from + share × (to − from)` percent.
pub async fn forward(state: &AppState, video_id: Uuid, stage: &str, from: u8, to: u8, rx: watch::Receiver<f64>) {
    follow(rx, from, to, |pct| report(state, video_id, stage, pct)).await
}

/// Follows `rx` until its sender is dropped, calling `write` with `from + share × (to − from)` percent each time it
/// has moved on by 5 points.
pub async fn follow<F: Future<Output = ()>>(mut rx: watch::Receiver<f64>, from: u8, to: u8, write: impl Fn(u8) -> F) {
    let mut last = from;
    while rx.changed().await.is_ok() {
        let share = rx.borrow_and_update().clamp(0.0, 1.0);
        let pct = from + (share * f64::from(to.saturating_sub(from))) as u8;
        if pct >= last + 5 {
            last = pct;
            write(pct).await;
        }
    }
}
