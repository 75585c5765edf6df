//! Capturing everything a test process logs, to assert that secrets never reach the logs. Install once per test
//! binary: the subscriber is global.

use std::sync::{Arc, Mutex};

/// The captured log output.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log capture").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Installs the global subscriber at trace level (our filter, as production builds it) writing into a new
    /// capture, and returns it.
    pub fn install_trace() -> LogCapture {
        let capture = LogCapture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_env_filter(backend::telemetry::filter("trace"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        capture
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log capture")).into_owned()
    }
}
