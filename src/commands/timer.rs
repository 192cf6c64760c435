//! Slash-command state that outlives a request: delayed `/echo` posts (at most
//! `MAX_PENDING_ECHOES`, fired by one `commands-timer` thread so no HTTP worker sleeps), the
//! periodic purge of expired response URLs, and the key that signs trigger ids.

use super::RESPONSE_URL_LIFETIME_MS;
use crate::app::App;
use crate::model::ids::fill_random;
use crate::model::{new_id, now_ms};
use crate::outgoing::payload::base64;
use crate::posting::{self, NewPost};
use crate::store;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// Mattermost allows 100 echoes in flight server-wide.
pub const MAX_PENDING_ECHOES: usize = 100;
/// How often expired response URLs are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(300);
/// The longest the timer sleeps before it checks whether the server is stopping.
const MAX_IDLE: Duration = Duration::from_secs(2);

/// Lives in `App`.
pub struct State {
    echoes: Arc<Echoes>,
    trigger_key: [u8; 32],
}

#[derive(Default)]
struct Echoes {
    pending: Mutex<Vec<(Instant, NewPost)>>,
    wake: Condvar,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    pub fn new() -> State {
        let mut trigger_key = [0u8; 32];
        fill_random(&mut trigger_key);
        State {
            echoes: Arc::new(Echoes::default()),
            trigger_key,
        }
    }

    /// Queues a post for later; false when `MAX_PENDING_ECHOES` are already waiting.
    pub fn schedule_echo(&self, delay: Duration, post: NewPost) -> bool {
        let mut pending = self
            .echoes
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING_ECHOES {
            return false;
        }
        pending.push((Instant::now() + delay, post));
        self.echoes.wake.notify_one();
        true
    }

    /// A fresh (client id, trigger id) pair. The trigger id sent to integrations is
    /// `base64("<client id>:<user id>:<millis>:" + base64(signature))`, as Mattermost's is,
    /// signed here with HMAC-SHA256 under a per-process key (Mattermost uses ECDSA).
    pub fn trigger_ids(&self, user_id: &str) -> (String, String) {
        let client_id = new_id();
        let data = format!("{client_id}:{user_id}:{}", now_ms());
        let sig = match Hmac::<Sha256>::new_from_slice(&self.trigger_key) {
            Ok(mut mac) => {
                mac.update(data.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        };
        let trigger_id = base64(format!("{data}:{}", base64(&sig)).as_bytes());
        (client_id, trigger_id)
    }
}

/// Starts the `commands-timer` thread. It holds only a weak reference to the app, so it ends
/// once the server has stopped.
pub fn spawn(app: &Arc<App>) -> std::io::Result<()> {
    let weak = Arc::downgrade(app);
    let echoes = app.commands.echoes.clone();
    std::thread::Builder::new()
        .name("commands-timer".into())
        .spawn(move || run(weak, echoes))?;
    Ok(())
}

fn run(weak: Weak<App>, echoes: Arc<Echoes>) {
    let mut reader = None;
    let mut next_purge = Instant::now();
    loop {
        let due = take_due(&echoes);
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

/// Waits until an echo is due (or `MAX_IDLE`), then takes every due echo.
fn take_due(echoes: &Echoes) -> Vec<NewPost> {
    let mut pending = echoes.pending.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let wait = pending
        .iter()
        .map(|(due, _)| due.saturating_duration_since(now))
        .min()
        .unwrap_or(MAX_IDLE)
        .min(MAX_IDLE);
    if !wait.is_zero() {
        pending = match echoes.wake.wait_timeout(pending, wait) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
    }
    let now = Instant::now();
    let (due, later): (Vec<_>, Vec<_>) = pending.drain(..).partition(|(at, _)| *at <= now);
    *pending = later;
    due.into_iter().map(|(_, p)| p).collect()
}
