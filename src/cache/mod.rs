//! In-memory copies of the rows every post reads (its channel, the author or hook owner, the
//! author's channel membership, the team's outgoing webhooks and, when one fires, the team and
//! the hook), so the hot paths of `POST /hooks/{id}` and `POST /api/v4/posts` need no database
//! read. Each copy remembers the change counter of its table (`Store::generation`) it was
//! loaded under and is used only while that counter is unchanged, so no copy outlives a
//! committed change.
//!
//! A channel's post counters (`last_post_at`, `total_msg_count`, …) change with every post
//! without bumping the counter: cached channels are for checks, never for answers.

mod hooks;
mod sessions;

pub use hooks::HookCache;
pub use sessions::SessionCache;

use crate::model::channel::{Channel, ChannelMember};
use crate::model::outgoing_hook::OutgoingWebhook;
use crate::model::team::Team;
use crate::model::user::User;
use crate::store::{self, Conn, Store, StoreError, Watched};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// Entries per cache; when full it starts over (the bound only stops unbounded growth).
const MAX_ENTRIES: usize = 20_000;

/// A row (or its absence) and the change counter it was loaded under.
type Entry<V> = (u64, Option<Arc<V>>);

/// Rows of one table by key, absent rows included (a miss is as worth keeping as a hit).
pub struct RowCache<K, V> {
    table: Watched,
    map: RwLock<HashMap<K, Entry<V>>>,
}

impl<K: Hash + Eq + Clone, V> RowCache<K, V> {
    pub fn new(table: Watched) -> Self {
        RowCache {
            table,
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The row under `key`: the copy in memory while its table is unchanged, else `load`ed
    /// (and remembered). The key is only copied when a row is remembered.
    pub fn get<Q>(
        &self,
        store: &Store,
        key: &Q,
        load: impl FnOnce() -> Result<Option<V>, StoreError>,
    ) -> Result<Option<Arc<V>>, StoreError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // The counter is read before the row, so a write racing with the load leaves the
        // copy stale rather than wrong.
        let generation = store.generation(self.table);
        {
            let map = self.map.read().unwrap_or_else(|e| e.into_inner());
            if let Some((g, row)) = map.get(key) {
                if *g == generation {
                    return Ok(row.clone());
                }
            }
        }
        let row = load()?.map(Arc::new);
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key.to_owned(), (generation, row.clone()));
        Ok(row)
    }
}

/// The caches the post paths use (`App::cached`).
pub struct Cached {
    channels: RowCache<String, Channel>,
    users: RowCache<String, User>,
    members: RowCache<(String, String), ChannelMember>,
    team_outgoing_hooks: RowCache<String, Vec<OutgoingWebhook>>,
    teams: RowCache<String, Team>,
    outgoing_hooks: RowCache<String, OutgoingWebhook>,
}

impl Default for Cached {
    fn default() -> Self {
        Cached {
            channels: RowCache::new(Watched::Channels),
            users: RowCache::new(Watched::Users),
            members: RowCache::new(Watched::ChannelMembers),
            team_outgoing_hooks: RowCache::new(Watched::OutgoingHooks),
            teams: RowCache::new(Watched::Teams),
            outgoing_hooks: RowCache::new(Watched::OutgoingHooks),
        }
    }
}

impl Cached {
    /// A channel by id; its post counters may be behind (see the module doc).
    pub fn channel(
        &self,
        store: &Store,
        db: &Conn,
        id: &str,
    ) -> Result<Option<Arc<Channel>>, StoreError> {
        self.channels
            .get(store, id, || store::channels::find(db, id))
    }

    /// An outgoing webhook by id (deleted ones too), for its deliveries.
    pub fn outgoing_hook(
        &self,
        store: &Store,
        db: &Conn,
        id: &str,
    ) -> Result<Option<Arc<OutgoingWebhook>>, StoreError> {
        self.outgoing_hooks
            .get(store, id, || store::outgoing_hooks::find(db, id))
    }

    /// A team (its name goes into outgoing-webhook payloads).
    pub fn team(
        &self,
        store: &Store,
        db: &Conn,
        id: &str,
    ) -> Result<Option<Arc<Team>>, StoreError> {
        self.teams.get(store, id, || store::teams::find(db, id))
    }

    pub fn user(
        &self,
        store: &Store,
        db: &Conn,
        id: &str,
    ) -> Result<Option<Arc<User>>, StoreError> {
        self.users.get(store, id, || store::users::find(db, id))
    }

    pub fn member(
        &self,
        store: &Store,
        db: &Conn,
        channel_id: &str,
        user_id: &str,
    ) -> Result<Option<Arc<ChannelMember>>, StoreError> {
        let key = (channel_id.to_string(), user_id.to_string());
        self.members.get(store, &key, || {
            store::channels::find_member(db, channel_id, user_id)
        })
    }

    /// The live outgoing webhooks of a team.
    pub fn team_outgoing_hooks(
        &self,
        store: &Store,
        db: &Conn,
        team_id: &str,
    ) -> Result<Arc<Vec<OutgoingWebhook>>, StoreError> {
        let hooks = self.team_outgoing_hooks.get(store, team_id, || {
            store::outgoing_hooks::list_for_team(db, team_id).map(Some)
        })?;
        Ok(hooks.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_dropped_once_its_table_changes() {
        let dir = std::env::temp_dir().join(format!("perch-cache-{}", crate::model::new_id()));
        let store = Store::open(&dir.join("perch.db")).unwrap();
        let cache: RowCache<String, String> = RowCache::new(Watched::Channels);
        let key = "k".to_string();
        let first = cache.get(&store, &key, || Ok(Some("one".into()))).unwrap();
        assert_eq!(first.as_deref().map(String::as_str), Some("one"));
        // Unchanged table: the copy is used, the loader is not called.
        let again = cache.get(&store, &key, || panic!("loaded again")).unwrap();
        assert_eq!(again.as_deref().map(String::as_str), Some("one"));
        // A committed change to the table makes the copy stale.
        let team = crate::model::team::Team {
            id: crate::model::new_id(),
            name: "t".into(),
            display_name: "T".into(),
            kind: "O".into(),
            ..Default::default()
        };
        let channel = Channel {
            id: crate::model::new_id(),
            team_id: team.id.clone(),
            kind: "O".into(),
            name: "c".into(),
            ..Default::default()
        };
        let (t, ch) = (team.clone(), channel.clone());
        store
            .write(move |c| {
                store::teams::insert(c, &t)?;
                store::channels::insert(c, &ch)
            })
            .unwrap();
        let fresh = cache.get(&store, &key, || Ok(Some("two".into()))).unwrap();
        assert_eq!(fresh.as_deref().map(String::as_str), Some("two"));
        // Post counters do not count as a change.
        store
            .write(move |c| store::channels::bump_for_post(c, &channel.id, 1, true))
            .unwrap();
        let kept = cache.get(&store, &key, || panic!("loaded again")).unwrap();
        assert_eq!(kept.as_deref().map(String::as_str), Some("two"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
