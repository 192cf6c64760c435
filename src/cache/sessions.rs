//! `SessionCache`: resolved callers by token digest, for `auth::authenticate`.

use crate::model::session::Session;
use crate::store;
use std::collections::HashMap;
use std::sync::Mutex;

/// Resolved callers by token digest, each valid while the store's auth generation (bumped by any
/// write to users, sessions, tokens or bots) is unchanged: the two reads per request a session
/// costs become a hash lookup, and a logout, revocation, role change or deactivation is seen by
/// the very next request. Bounded: when full, it is emptied.
#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<String, CachedSession>>,
}

struct CachedSession {
    generation: u64,
    row: Option<store::sessions::SessionRow>,
    session: Session,
}

const SESSION_CACHE_MAX: usize = 10_000;

impl SessionCache {
    pub fn get(
        &self,
        hash: &str,
        generation: u64,
    ) -> Option<(Option<store::sessions::SessionRow>, Session)> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|c| c.generation == generation)
            .map(|c| (c.row.clone(), c.session.clone()))
    }

    pub fn put(
        &self,
        hash: String,
        generation: u64,
        row: Option<store::sessions::SessionRow>,
        session: &Session,
    ) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SESSION_CACHE_MAX {
            map.clear();
        }
        map.insert(
            hash,
            CachedSession {
                generation,
                row,
                session: session.clone(),
            },
        );
    }
}
