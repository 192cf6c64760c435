//! The `janitor` thread: background upkeep. It deletes expired sessions, once at start and then
//! every `PerchSettings.SessionCleanupIntervalSeconds` (personal access tokens never expire;
//! they stay until revoked), and every two seconds brings the posts stored since into the
//! search index, in batches, each its own write, so other writes go in between. It sleeps on a
//! channel, so stopping it is immediate: `Running` drops the sender on shutdown and joins the
//! thread.

use crate::app::App;
use crate::model::now_ms;
use crate::store;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often new posts are indexed for search.
const INDEX_EVERY: Duration = Duration::from_secs(2);

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
        .spawn(move || {
            let mut next_sweep = Instant::now();
            // One read connection for the thread's checks, opened when first needed.
            let mut reader = None;
            loop {
                if Instant::now() >= next_sweep {
                    sweep(&app);
                    next_sweep = Instant::now() + every;
                }
                index(&app, &mut reader, &rx);
                match rx.recv_timeout(INDEX_EVERY) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    // A stop message, or the sender was dropped: shutting down.
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
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

/// Indexes the posts not in the search index yet, a batch per write, until none is left or
/// the server stops.
fn index(app: &App, reader: &mut Option<store::Reader>, stop: &mpsc::Receiver<()>) {
    loop {
        if reader.is_none() {
            match app.store.reader() {
                Ok(r) => *reader = Some(r),
                Err(e) => return log::warn!("janitor: cannot open a read connection: {e}"),
            }
        }
        let Some(r) = reader.as_ref() else { return };
        match store::search::has_pending(r) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return log::warn!("janitor: cannot read the search index's state: {e}"),
        }
        match app
            .store
            .write(|c| store::search::index_pending(c, store::search::INDEX_BATCH))
        {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => return log::warn!("janitor: cannot index posts for search: {e}"),
        }
        if !matches!(stop.try_recv(), Err(mpsc::TryRecvError::Empty)) {
            return;
        }
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
