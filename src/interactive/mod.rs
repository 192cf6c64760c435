//! What `App` holds for interactive messages (the flows are in `actions`, above `app`): the
//! key that signs trigger ids (`trigger.rs`), the sealer of ephemeral posts' cookies
//! (`cookie.rs`, its key kept in the database), and what is remembered for a while to
//! attribute dialog calls in the call log — which integration a trigger id was handed to, and
//! which one opened a dialog for a user. Data and pure crypto; no network.

pub mod cookie;
pub mod trigger;

use crate::error::ApiError;
use crate::model::action::Source;
use crate::model::ids::fill_random;
use crate::model::now_ms;
use crate::model::post::Post;
use crate::store::{self, Store, StoreError};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The most trigger ids, and opened dialogs, remembered for attribution.
const MAX_REMEMBERED: usize = 4096;
/// How long an opened dialog is remembered (a form may stay open a while).
const DIALOG_MEMORY: Duration = Duration::from_secs(24 * 3600);
/// The `server_secrets` row holding the cookie key.
const COOKIE_KEY: &str = "post_action_cookie";

/// Interactive-message state (`App::interactive`).
pub struct State {
    trigger_key: [u8; 32],
    /// How long a trigger id is valid: `OutgoingIntegrationRequestsTimeout`, as in Mattermost 11.
    trigger_lifetime: Duration,
    pub cookies: cookie::Sealer,
    recent: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    /// Client trigger id → who was handed the trigger id.
    triggers: HashMap<String, (Source, Instant)>,
    /// (user id, dialog URL) → who opened that dialog for the user.
    dialogs: HashMap<(String, String), (Source, Instant)>,
}

/// Inserts into a bounded map: expired entries go first, then (if still full) the oldest.
fn remember<K: Eq + Hash + Clone>(
    map: &mut HashMap<K, (Source, Instant)>,
    key: K,
    source: Source,
    ttl: Duration,
) {
    if map.len() >= MAX_REMEMBERED {
        map.retain(|_, (_, at)| at.elapsed() < ttl);
    }
    if map.len() >= MAX_REMEMBERED {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, (_, at))| *at)
            .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }
    map.insert(key, (source, Instant::now()));
}

impl State {
    /// Loads the cookie key from the database (making it on first start) and makes this
    /// process's trigger-id key. `timeout_secs` is `OutgoingIntegrationRequestsTimeout`.
    pub fn open(store: &Store, timeout_secs: i64) -> Result<State, StoreError> {
        let mut fresh = [0u8; 32];
        fill_random(&mut fresh);
        let stored = store.write(move |c| store::actions::keep_secret(c, COOKIE_KEY, &fresh))?;
        let mut cookie_key = [0u8; 32];
        if stored.len() == cookie_key.len() {
            cookie_key.copy_from_slice(&stored);
        } else {
            log::warn!("the stored action cookie key is unusable; using a fresh one");
            fill_random(&mut cookie_key);
        }
        let mut trigger_key = [0u8; 32];
        fill_random(&mut trigger_key);
        Ok(State {
            trigger_key,
            trigger_lifetime: Duration::from_secs(timeout_secs.max(1) as u64),
            cookies: cookie::Sealer::new(&cookie_key),
            recent: Mutex::new(Recent::default()),
        })
    }

    fn recent(&self) -> MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh (client id, trigger id) pair for `user_id`, handed to `source`.
    pub fn trigger_ids(&self, user_id: &str, source: Source) -> (String, String) {
        let (client, trigger) = trigger::sign(&self.trigger_key, user_id, now_ms());
        remember(
            &mut self.recent().triggers,
            client.clone(),
            source,
            self.trigger_lifetime,
        );
        (client, trigger)
    }

    /// Checks a trigger id; returns (client id, user id, who it was handed to).
    pub fn verify_trigger(&self, trigger_id: &str) -> Result<(String, String, Source), ApiError> {
        let lifetime = self.trigger_lifetime.as_millis() as i64;
        let (client, user) = trigger::verify(&self.trigger_key, trigger_id, now_ms(), lifetime)?;
        let source = (self.recent().triggers.get(&client))
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        Ok((client, user, source))
    }

    /// Remembers who opened the dialog at `url` for `user_id`, to attribute its submission.
    pub fn dialog_opened(&self, user_id: &str, url: &str, source: Source) {
        remember(
            &mut self.recent().dialogs,
            (user_id.to_string(), url.to_string()),
            source,
            DIALOG_MEMORY,
        );
    }

    /// Prepares an ephemeral post (not stored) for its user: its attachments are normalized
    /// (action ids, integrations attributed to `source`) and each action gets its sealed cookie.
    pub fn prepare_ephemeral(&self, post: &mut Post, source: &Source) {
        crate::model::attachment::normalize(&mut post.props, source);
        self.cookies.add_cookies(post);
    }

    /// Who opened the dialog at `url` for `user_id` (`Unknown` if not remembered).
    pub fn dialog_source(&self, user_id: &str, url: &str) -> Source {
        (self
            .recent()
            .dialogs
            .get(&(user_id.to_string(), url.to_string())))
        .filter(|(_, at)| at.elapsed() < DIALOG_MEMORY)
        .map(|(s, _)| s.clone())
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_bounded_and_drops_the_oldest() {
        let mut m = HashMap::new();
        for i in 0..MAX_REMEMBERED + 10 {
            remember(
                &mut m,
                i,
                Source::User(i.to_string()),
                Duration::from_secs(60),
            );
        }
        assert_eq!(m.len(), MAX_REMEMBERED);
        assert!(m.contains_key(&(MAX_REMEMBERED + 9)));
        assert!(!m.contains_key(&0));
    }
}
