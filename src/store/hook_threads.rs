//! Threads per provider object for hosted integrations: which post is the root of the thread
//! for a hook's thread key (`github:owner/repo#12`), table `incoming_webhook_threads`.

use super::Conn;
use super::{optional, Result};
use rusqlite::params;

/// Mappings kept per hook (the newest); older objects start a new thread if they come back.
pub const KEEP_PER_HOOK: i64 = 10_000;

/// The root post recorded for `key`, if any (it may since have been deleted or moved).
pub fn find_root(c: &Conn, hook_id: &str, key: &str) -> Result<Option<String>> {
    optional(
        c.prepare_cached(
            "SELECT root_id FROM incoming_webhook_threads WHERE hook_id = ?1 AND thread_key = ?2",
        )?
        .query_row(params![hook_id, key], |r| r.get(0)),
    )
}

/// Records `root_id` (a new root post in `channel_id`) as the thread for `key`, unless the
/// key already has a live root in that channel: of two calls that raced to start a thread,
/// the first one's stays. Drops the hook's mappings beyond the newest [`KEEP_PER_HOOK`].
pub fn insert_root(
    c: &Conn,
    hook_id: &str,
    key: &str,
    root_id: &str,
    channel_id: &str,
    now: i64,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO incoming_webhook_threads (hook_id, thread_key, root_id, channel_id, create_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (hook_id, thread_key) DO UPDATE SET root_id = excluded.root_id, \
         channel_id = excluded.channel_id, create_at = excluded.create_at \
         WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = incoming_webhook_threads.root_id \
         AND p.delete_at = 0 AND p.channel_id = excluded.channel_id)",
    )?
    .execute(params![hook_id, key, root_id, channel_id, now])?;
    c.prepare_cached(
        "DELETE FROM incoming_webhook_threads WHERE hook_id = ?1 AND create_at <= \
         (SELECT create_at FROM incoming_webhook_threads WHERE hook_id = ?1 \
          ORDER BY create_at DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![hook_id, KEEP_PER_HOOK])?;
    Ok(())
}
