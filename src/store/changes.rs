//! The per-table change counters that in-memory caches watch (`Store::generation`): SQLite's
//! update hook on the writer's connection bumps a table's counter while a write runs, and the
//! writer bumps it again after the commit (`Changes::committed`). `unwatched` marks the writes
//! no cache needs to see.

use rusqlite::hooks::Action;
use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Tables whose rows in-memory caches keep (sessions and tokens in `auth.rs`, rows in
/// `cache.rs`). Each has a change counter (`Store::generation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watched {
    Users,
    Sessions,
    AccessTokens,
    Bots,
    Channels,
    ChannelMembers,
    OutgoingHooks,
    Teams,
    TeamMembers,
}

impl Watched {
    const ALL: [Watched; 9] = [
        Watched::Users,
        Watched::Sessions,
        Watched::AccessTokens,
        Watched::Bots,
        Watched::Channels,
        Watched::ChannelMembers,
        Watched::OutgoingHooks,
        Watched::Teams,
        Watched::TeamMembers,
    ];

    /// The tables that make up an authenticated caller (a session or token and its user).
    pub(super) const AUTH: [Watched; 4] = [
        Watched::Users,
        Watched::Sessions,
        Watched::AccessTokens,
        Watched::Bots,
    ];

    fn table(self) -> &'static str {
        match self {
            Watched::Users => "users",
            Watched::Sessions => "sessions",
            Watched::AccessTokens => "user_access_tokens",
            Watched::Bots => "bots",
            Watched::Channels => "channels",
            Watched::ChannelMembers => "channel_members",
            Watched::OutgoingHooks => "outgoing_webhooks",
            Watched::Teams => "teams",
            Watched::TeamMembers => "team_members",
        }
    }

    fn of_table(table: &str) -> Option<Watched> {
        Watched::ALL.into_iter().find(|w| w.table() == table)
    }
}

/// A change counter per watched table, so an in-memory copy of a row can tell that it may be
/// stale: a copy is good while the counter it was loaded under is unchanged. A counter is
/// bumped twice: by SQLite's update hook while the write runs, and again after the commit, so
/// a copy loaded during the transaction (which still saw the old rows) is stale too.
#[derive(Default)]
pub(super) struct Changes {
    counter: [AtomicU64; Watched::ALL.len()],
    dirty: [AtomicBool; Watched::ALL.len()],
}

impl Changes {
    /// Installs the update hook that bumps these counters on `conn` (the writer's connection).
    pub(super) fn watch(self: &Arc<Self>, conn: &Connection) {
        let changes = self.clone();
        conn.update_hook(Some(move |_: Action, _: &str, table: &str, _: i64| {
            if let Some(w) = Watched::of_table(table) {
                if !UNWATCHED.with(|u| u.get()) {
                    changes.touched(w);
                }
            }
        }));
    }

    /// The counter of one table.
    pub(super) fn generation(&self, w: Watched) -> u64 {
        self.counter[w as usize].load(Ordering::SeqCst)
    }

    fn touched(&self, w: Watched) {
        self.counter[w as usize].fetch_add(1, Ordering::SeqCst);
        self.dirty[w as usize].store(true, Ordering::SeqCst);
    }

    /// After a commit: bumps again every counter the transaction bumped.
    pub(super) fn committed(&self) {
        for (counter, dirty) in self.counter.iter().zip(&self.dirty) {
            if dirty.swap(false, Ordering::SeqCst) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

thread_local! {
    /// Set while the writer runs a change no cache needs to see (`unwatched`).
    static UNWATCHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (inside a write) without bumping change counters: only for columns no cache relies
/// on, such as a channel's post counters, which change with every post.
pub(crate) fn unwatched<T>(f: impl FnOnce() -> T) -> T {
    /// Clears the flag however `f` ends (a panic in a job is caught and the writer goes on).
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            UNWATCHED.with(|u| u.set(false));
        }
    }
    UNWATCHED.with(|u| u.set(true));
    let _reset = Reset;
    f()
}
