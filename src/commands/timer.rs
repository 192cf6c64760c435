//! The `commands-timer` thread: it fires the delayed `/echo` posts (`App::echoes`, at most
//! `MAX_PENDING_ECHOES`, so no HTTP worker sleeps) and purges expired response URLs.

use super::RESPONSE_URL_LIFETIME_MS;
use crate::app::App;
use crate::model::now_ms;
use crate::model::post::NewPost;
use crate::posting;
use crate::queue::Delayed;
use crate::store;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Mattermost allows 100 echoes in flight server-wide.
pub const MAX_PENDING_ECHOES: usize = 100;
/// How often expired response URLs are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(300);
/// The longest the timer sleeps before it checks whether the server is stopping.
const MAX_IDLE: Duration = Duration::from_secs(2);

/// Starts the `commands-timer` thread. It holds only a weak reference to the app, so it ends
/// once the server has stopped.
pub fn spawn(app: &Arc<App>) -> std::io::Result<()> {
    let weak = Arc::downgrade(app);
    let echoes = app.echoes.clone();
    std::thread::Builder::new()
        .name("commands-timer".into())
        .spawn(move || run(weak, echoes))?;
    Ok(())
}

fn run(weak: Weak<App>, echoes: Arc<Delayed<NewPost>>) {
    let mut reader = None;
    let mut next_purge = Instant::now();
    loop {
        let due = echoes.take_due(MAX_IDLE);
        let Some(app) = weak.upgrade() else { return };
        if app.shutting_down.load(Ordering::SeqCst) {
            return;
        }
        if !due.is_empty() {
            if reader.is_none() {
                reader = app
                    .store
                    .reader()
                    .map_err(|e| log::error!("commands-timer: no database reader: {e}"))
                    .ok();
            }
            if let Some(db) = &reader {
                for post in due {
                    if let Err(e) = posting::create(&app, db, post) {
                        log::warn!("delayed /echo not posted: {} {}", e.id, e.message);
                    }
                }
            }
        }
        if Instant::now() >= next_purge {
            next_purge = Instant::now() + PURGE_EVERY;
            let before = now_ms() - RESPONSE_URL_LIFETIME_MS;
            match app
                .store
                .write(move |c| store::commands::delete_expired_webhooks(c, before))
            {
                Ok(0) => {}
                Ok(n) => log::debug!("purged {n} expired command response URLs"),
                Err(e) => log::warn!("purging command response URLs failed: {e}"),
            }
        }
    }
}
