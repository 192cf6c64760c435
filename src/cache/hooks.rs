//! `HookCache`: live incoming webhooks by id, so `POST /hooks/{id}` finds its hook without a
//! database read.

use crate::model::incoming_hook::IncomingHook;
use crate::store::{self, Conn, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Live incoming hooks by id, filled on first use. Every change to a hook (update, delete,
/// its channel archived) calls `forget*` after its write has committed.
///
/// A reader that loaded a hook from the database just before a change committed must not put
/// the old version back after the change's `forget`: every `forget` bumps `generation`, and a
/// loaded hook is only cached if no `forget` happened since its load began.
#[derive(Default)]
pub struct HookCache {
    hooks: RwLock<HashMap<String, Arc<IncomingHook>>>,
    generation: AtomicU64,
}

/// More hooks than any install has; the bound only stops unbounded growth.
const MAX_CACHED: usize = 10_000;

impl HookCache {
    /// The live hook with this id: from memory, else from the database (then remembered).
    pub fn get(&self, db: &Conn, id: &str) -> Result<Option<Arc<IncomingHook>>, StoreError> {
        if let Some(h) = self.read().get(id) {
            return Ok(Some(h.clone()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(hook) = store::incoming_hooks::find_live(db, id)? else {
            return Ok(None);
        };
        let hook = Arc::new(hook);
        let mut map = self.hooks.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::SeqCst) == generation {
            if map.len() >= MAX_CACHED {
                map.clear();
            }
            map.insert(hook.id.clone(), hook.clone());
        }
        Ok(Some(hook))
    }

    /// Drops one hook (after it was updated or deleted).
    pub fn forget(&self, id: &str) {
        let mut map = self.hooks.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        map.remove(id);
    }

    /// Drops every hook bound to a channel (after the channel was archived).
    pub fn forget_channel(&self, channel_id: &str) {
        let mut map = self.hooks.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        map.retain(|_, h| h.channel_id != channel_id);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<IncomingHook>>> {
        self.hooks.read().unwrap_or_else(|e| e.into_inner())
    }
}
