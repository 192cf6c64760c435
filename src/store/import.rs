//! The writes of `perch import`: its own connection holding the database's lock file
//! exclusively (so no server or admin command has the database open meanwhile) and one
//! transaction for the whole import, committed at the end or rolled back on the first error
//! (or after a dry run). Posts go in without the per-post counter updates of `posts::insert`;
//! the counters of the threads and channels an import touched are recounted at its end.

use super::{migrate, optional, Conn, Result, StoreError};
use crate::model::post::Post;
use rusqlite::{params, Connection};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The lock file beside a database: a server (every `Store`) holds it shared, an import
/// exclusively.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Opens (creating) the lock file of `db`.
pub(super) fn lock_file(db: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(db))
}

/// Why the import could not have the database.
#[derive(Debug)]
pub enum OpenError {
    /// A server or another command has the database open.
    InUse,
    Io(std::io::Error),
    Store(StoreError),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::InUse => f.write_str(
                "the database is in use (a running server or another perch command): stop the \
                 server first",
            ),
            OpenError::Io(e) => write!(f, "cannot lock the database: {e}"),
            OpenError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// The database, held exclusively for an import.
pub struct ImportDb {
    conn: Conn,
    _lock: File,
}

impl ImportDb {
    /// Takes the lock (failing at once if anything holds it), opens the database (creating and
    /// migrating it as a server would) and creates the import's scratch table.
    pub fn open(path: &Path) -> std::result::Result<ImportDb, OpenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(OpenError::Io)?;
        }
        let lock = lock_file(path).map_err(OpenError::Io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(OpenError::InUse),
            Err(std::fs::TryLockError::Error(e)) => return Err(OpenError::Io(e)),
        }
        let store = |e: rusqlite::Error| OpenError::Store(e.into());
        let mut conn = Connection::open(path).map_err(store)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(store)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(store)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(store)?;
        // A big import writes far more pages than the default cache (2 MiB) holds; 16 MiB keeps
        // its memory flat and small.
        conn.pragma_update(None, "cache_size", -16384)
            .map_err(store)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(store)?;
        migrate::run(&mut conn).map_err(OpenError::Store)?;
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS import_claimed (id TEXT PRIMARY KEY) WITHOUT ROWID",
        )
        .map_err(store)?;
        Ok(ImportDb {
            conn: Conn(conn),
            _lock: lock,
        })
    }

    /// The connection, for reads before the transaction and for the store functions the
    /// import shares with the API.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    pub fn begin(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    pub fn commit(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        // Fold the import into the database file now, and cut the WAL back.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    pub fn rollback(&self) -> Result<()> {
        if !self.conn.0.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        Ok(())
    }
}

/// Updates an existing team: display name and type always, the rest when given.
pub fn update_team(
    c: &Conn,
    id: &str,
    display_name: &str,
    kind: &str,
    description: Option<&str>,
    allow_open_invite: Option<bool>,
    now: i64,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE teams SET display_name = ?2, type = ?3, description = COALESCE(?4, description), \
         allow_open_invite = COALESCE(?5, allow_open_invite), update_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        display_name,
        kind,
        description,
        allow_open_invite,
        now
    ])?;
    Ok(())
}

/// Updates an existing channel: display name and type always, header and purpose when given.
pub fn update_channel(
    c: &Conn,
    id: &str,
    display_name: &str,
    kind: &str,
    header: Option<&str>,
    purpose: Option<&str>,
    now: i64,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE channels SET display_name = ?2, type = ?3, header = COALESCE(?4, header), \
         purpose = COALESCE(?5, purpose), update_at = ?6 WHERE id = ?1",
    )?
    .execute(params![id, display_name, kind, header, purpose, now])?;
    Ok(())
}

/// Archives a channel at `at` unless it is archived already.
pub fn archive_channel(c: &Conn, id: &str, at: i64) -> Result<()> {
    c.prepare_cached("UPDATE channels SET delete_at = ?2 WHERE id = ?1 AND delete_at = 0")?
        .execute(params![id, at])?;
    Ok(())
}

/// A channel's header (direct and group channels).
pub fn set_header(c: &Conn, id: &str, header: &str, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE channels SET header = ?2, update_at = ?3 WHERE id = ?1")?
        .execute(params![id, header, now])?;
    Ok(())
}

/// Inserts or updates a channel membership with what the file says; counters and notify props
/// are kept when the file gives none.
#[allow(clippy::too_many_arguments, reason = "one membership's columns")]
pub fn upsert_channel_member(
    c: &Conn,
    channel_id: &str,
    user_id: &str,
    roles: &str,
    notify_props: &str,
    last_viewed_at: Option<i64>,
    msg_count: Option<i64>,
    now: i64,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO channel_members (channel_id, user_id, roles, notify_props, last_viewed_at, \
         msg_count, last_update_at) VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 0), COALESCE(?6, 0), ?7) \
         ON CONFLICT (channel_id, user_id) DO UPDATE SET roles = excluded.roles, \
         notify_props = excluded.notify_props, \
         last_viewed_at = COALESCE(?5, last_viewed_at), msg_count = COALESCE(?6, msg_count), \
         last_update_at = excluded.last_update_at",
    )?
    .execute(params![
        channel_id,
        user_id,
        roles,
        notify_props,
        last_viewed_at,
        msg_count,
        now
    ])?;
    Ok(())
}

/// A membership's stored notify props, if the membership exists.
pub fn channel_member_notify_props(
    c: &Conn,
    channel_id: &str,
    user_id: &str,
) -> Result<Option<String>> {
    optional(
        c.prepare_cached(
            "SELECT notify_props FROM channel_members WHERE channel_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![channel_id, user_id], |r| r.get(0)),
    )
}

/// A user's roles and deactivation, written as given.
pub fn set_user_roles(c: &Conn, id: &str, roles: &str, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE users SET roles = ?2, update_at = ?3 WHERE id = ?1")?
        .execute(params![id, roles, now])?;
    Ok(())
}

/// A bot's display name, which lives on its user row (`first_name`).
pub fn set_first_name(c: &Conn, id: &str, first_name: &str, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE users SET first_name = ?2, update_at = ?3 WHERE id = ?1")?
        .execute(params![id, first_name, now])?;
    Ok(())
}

/// The largest post id (ids are time-ordered; see `claimed`).
pub fn max_post_id(c: &Conn) -> Result<String> {
    Ok(c.query_row("SELECT COALESCE(MAX(id), '') FROM posts", [], |r| r.get(0))?)
}

/// The ids of the posts an import line may mean: same channel (and thread), same time, same
/// message, in id order.
pub fn matching_posts(
    c: &Conn,
    channel_id: &str,
    root_id: &str,
    create_at: i64,
    message: &str,
) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(MATCHING_POSTS)?;
    let rows = stmt.query_map(params![channel_id, create_at, root_id, message], |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The posts a line may mean (through the channel's (channel, time) index).
pub(super) const MATCHING_POSTS: &str = "SELECT id FROM posts WHERE channel_id = ?1 \
    AND create_at = ?2 AND root_id = ?3 AND message = ?4 AND delete_at = 0 ORDER BY id";

/// A root's reply count and last reply. `root_id != ''` lets SQLite use the partial index on
/// replies' root_id (without it, each recount read the whole table).
pub(super) const RECOUNT_THREAD: &str = "UPDATE posts SET reply_count = (SELECT COUNT(*) \
    FROM posts r WHERE r.root_id = ?1 AND r.root_id != '' AND r.delete_at = 0), \
    last_reply_at = (SELECT COALESCE(MAX(create_at), 0) FROM posts r WHERE r.root_id = ?1 \
    AND r.root_id != '' AND r.delete_at = 0) WHERE id = ?1";

/// Whether an earlier line of this import already took this post (see `claim`).
pub fn is_claimed(c: &Conn, id: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM temp.import_claimed WHERE id = ?1")?
            .exists([id])?,
    )
}

/// Marks a post as taken by a line of this import, so an identical later line (the same
/// message twice in one millisecond) makes or updates another post instead of this one.
pub fn claim(c: &Conn, id: &str) -> Result<()> {
    c.prepare_cached("INSERT OR IGNORE INTO temp.import_claimed (id) VALUES (?1)")?
        .execute([id])?;
    Ok(())
}

/// Inserts a post as it is, without touching counters (`recount_*` does that).
pub fn insert_post(c: &Conn, p: &Post) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO posts (id, create_at, update_at, edit_at, delete_at, is_pinned, user_id, \
         channel_id, root_id, message, type, props, hashtags) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        p.id,
        p.create_at,
        p.update_at,
        p.edit_at,
        p.is_pinned,
        p.user_id,
        p.channel_id,
        p.root_id,
        p.message,
        p.kind,
        props_text(&p.props),
        p.hashtags
    ])?;
    Ok(())
}

fn props_text(props: &serde_json::Map<String, serde_json::Value>) -> String {
    if props.is_empty() {
        return "{}".into();
    }
    serde_json::to_string(props).unwrap_or_else(|_| "{}".into())
}

/// Sets a post's `file_ids` (the files an import attached to it).
pub fn set_file_ids(c: &Conn, post_id: &str, ids: &[String]) -> Result<()> {
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    c.prepare_cached("UPDATE posts SET file_ids = ?2 WHERE id = ?1")?
        .execute(params![post_id, json])?;
    Ok(())
}

/// Overwrites what an import line says about an existing post.
pub fn update_post(c: &Conn, p: &Post) -> Result<()> {
    c.prepare_cached(
        "UPDATE posts SET user_id = ?2, type = ?3, props = ?4, edit_at = ?5, is_pinned = ?6, \
         hashtags = ?7 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        p.user_id,
        p.kind,
        props_text(&p.props),
        p.edit_at,
        p.is_pinned,
        p.hashtags
    ])?;
    Ok(())
}

/// Sets a thread root's reply count and last reply time from its replies.
pub fn recount_thread(c: &Conn, root_id: &str) -> Result<()> {
    c.prepare_cached(RECOUNT_THREAD)?.execute([root_id])?;
    Ok(())
}

/// Sets a channel's post counters from its posts (counted as `posts::insert` counts them).
pub fn recount_channel(c: &Conn, channel_id: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE channels SET \
         total_msg_count = (SELECT COUNT(*) FROM posts WHERE channel_id = ?1), \
         total_msg_count_root = (SELECT COUNT(*) FROM posts WHERE channel_id = ?1 AND root_id = ''), \
         last_post_at = (SELECT COALESCE(MAX(create_at), 0) FROM posts WHERE channel_id = ?1), \
         last_root_post_at = (SELECT COALESCE(MAX(create_at), 0) FROM posts \
             WHERE channel_id = ?1 AND root_id = '') \
         WHERE id = ?1",
    )?
    .execute([channel_id])?;
    Ok(())
}

/// Sets a password hash as given (the account's own, carried from another Perch).
pub fn set_password_hash(c: &Conn, user_id: &str, hash: &str, now: i64) -> Result<()> {
    c.prepare_cached(
        "UPDATE users SET password_hash = ?2, last_password_update = ?3 WHERE id = ?1",
    )?
    .execute(params![user_id, hash, now])?;
    Ok(())
}

/// Inserts a personal access token by its stored digest unless one with that digest exists.
pub fn insert_token_hash(
    c: &Conn,
    user_id: &str,
    description: &str,
    is_active: bool,
    token_hash: &str,
    create_at: i64,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO user_access_tokens (id, token_hash, user_id, description, is_active, create_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (token_hash) DO UPDATE SET \
         description = excluded.description, is_active = excluded.is_active",
    )?
    .execute(params![
        crate::model::new_id(),
        token_hash,
        user_id,
        description,
        is_active,
        create_at
    ])?;
    Ok(())
}

/// A live command of a team with this trigger, other than `except_id`.
pub fn trigger_taken(c: &Conn, team_id: &str, trigger: &str, except_id: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM commands WHERE team_id = ?1 AND trigger_word = ?2 AND delete_at = 0 \
             AND id != ?3",
    )?
    .exists(params![team_id, trigger, except_id])?)
}
