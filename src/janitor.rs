//! The `janitor` thread: background upkeep, today deleting expired sessions, once at start
//! and then every `PerchSettings.SessionCleanupIntervalSeconds`. (Personal access tokens
//! never expire; they stay until revoked.) It sleeps on a channel, so stopping it is
//! immediate: `Running` drops the sender on shutdown and joins the thread.

use crate::app::App;
use crate::model::now_ms;
use crate::store;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The running janitor; stopping (or dropping) it ends the thread.
pub struct Janitor {
    stop: Option<Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// Starts the `janitor` thread.
pub fn spawn(app: Arc<App>) -> std::io::Result<Janitor> {
    let (tx, rx) = mpsc::channel::<()>();
    let every =
        Duration::from_secs(app.config.perch.session_cleanup_interval_seconds.max(1) as u64);
    let handle = thread::Builder::new()
        .name("janitor".into())
        .spawn(move || loop {
            sweep(&app);
            match rx.recv_timeout(every) {
                Err(RecvTimeoutError::Timeout) => continue,
                // A stop message, or the sender was dropped: shutting down.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
        })?;
    Ok(Janitor {
        stop: Some(tx),
        handle: Some(handle),
    })
}

impl Janitor {
    /// Ends the thread and waits for it (a sweep in progress finishes first).
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Janitor {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One pass: a single small write.
fn sweep(app: &App) {
    let now = now_ms();
    match app
        .store
        .write(move |c| store::sessions::delete_expired(c, now))
    {
        Ok(0) => {}
        Ok(n) => log::info!("janitor: deleted {n} expired sessions"),
        Err(e) => log::warn!("janitor: cannot delete expired sessions: {e}"),
    }
}
