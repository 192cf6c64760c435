//! Incoming webhooks, their delivery log, their idempotency keys, and post priorities (which
//! only webhook payloads set today).

use super::Conn;
use super::{optional, Result};
use crate::model::incoming_hook::{Delivery, IncomingHook};
use rusqlite::{params, Row};

pub(super) const COLS: &str = "id, create_at, update_at, delete_at, user_id, channel_id, team_id, \
    display_name, description, username, icon_url, channel_locked, \
    secret, event_include, event_exclude, template";

/// An event filter list as stored: a JSON array of strings.
fn list_to_text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// A stored event filter list; anything unreadable counts as empty.
fn list_from_text(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(super) fn from_row(r: &Row) -> rusqlite::Result<IncomingHook> {
    Ok(IncomingHook {
        id: r.get(0)?,
        create_at: r.get(1)?,
        update_at: r.get(2)?,
        delete_at: r.get(3)?,
        user_id: r.get(4)?,
        channel_id: r.get(5)?,
        team_id: r.get(6)?,
        display_name: r.get(7)?,
        description: r.get(8)?,
        username: r.get(9)?,
        icon_url: r.get(10)?,
        channel_locked: r.get(11)?,
        secret: r.get(12)?,
        event_include: list_from_text(&r.get::<_, String>(13)?),
        event_exclude: list_from_text(&r.get::<_, String>(14)?),
        template: r.get(15)?,
    })
}

pub fn insert(c: &Conn, h: &IncomingHook) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO incoming_webhooks ({COLS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?
    .execute(params![
        h.id,
        h.create_at,
        h.update_at,
        h.delete_at,
        h.user_id,
        h.channel_id,
        h.team_id,
        h.display_name,
        h.description,
        h.username,
        h.icon_url,
        h.channel_locked,
        h.secret,
        list_to_text(&h.event_include),
        list_to_text(&h.event_exclude),
        h.template
    ])?;
    Ok(())
}

/// A hook by id, deleted or not.
pub fn find(c: &Conn, id: &str) -> Result<Option<IncomingHook>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM incoming_webhooks WHERE id = ?1"
        ))?
        .query_row([id], from_row),
    )
}

/// A live (not deleted) hook by id.
pub fn find_live(c: &Conn, id: &str) -> Result<Option<IncomingHook>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM incoming_webhooks WHERE id = ?1 AND delete_at = 0"
        ))?
        .query_row([id], from_row),
    )
}

/// Live hooks, oldest first, optionally only one team's and/or one owner's.
pub fn list(
    c: &Conn,
    team_id: Option<&str>,
    user_id: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<IncomingHook>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM incoming_webhooks WHERE delete_at = 0 \
         AND (?1 IS NULL OR team_id = ?1) AND (?2 IS NULL OR user_id = ?2) \
         ORDER BY create_at, id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![team_id, user_id, per_page, page * per_page],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many live hooks `list` would page through.
pub fn count(c: &Conn, team_id: Option<&str>, user_id: Option<&str>) -> Result<i64> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM incoming_webhooks WHERE delete_at = 0 \
         AND (?1 IS NULL OR team_id = ?1) AND (?2 IS NULL OR user_id = ?2)",
    )?
    .query_row(params![team_id, user_id], |r| r.get(0))?)
}

/// Writes back the editable fields and `update_at`.
pub fn update(c: &Conn, h: &IncomingHook) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE incoming_webhooks SET channel_id = ?2, display_name = ?3, description = ?4, \
         username = ?5, icon_url = ?6, channel_locked = ?7, update_at = ?8, secret = ?9, \
         event_include = ?10, event_exclude = ?11, template = ?12 \
         WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![
        h.id,
        h.channel_id,
        h.display_name,
        h.description,
        h.username,
        h.icon_url,
        h.channel_locked,
        h.update_at,
        h.secret,
        list_to_text(&h.event_include),
        list_to_text(&h.event_exclude),
        h.template
    ])?)
}

/// Soft-deletes one hook.
pub fn delete(c: &Conn, id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE incoming_webhooks SET delete_at = ?2, update_at = ?2 WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![id, now])?)
}

/// Soft-deletes every hook bound to a channel (the channel is being archived).
pub fn delete_for_channel(c: &Conn, channel_id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE incoming_webhooks SET delete_at = ?2, update_at = ?2 \
         WHERE channel_id = ?1 AND delete_at = 0",
    )?
    .execute(params![channel_id, now])?)
}

/// How often `insert_delivery` trims a hook's log: every this many of its rows.
const TRIM_EVERY: u32 = 256;

thread_local! {
    /// Rows appended per hook since its last trim, on this (the writer's) thread. Counted per
    /// hook, not by the table's global sequence: two hooks called in turn would otherwise split
    /// the sequence between them, and one of them might never be trimmed. Restarting the
    /// server starts the counts again (a log is then trimmed a little later, never lost).
    static SINCE_TRIM: std::cell::RefCell<std::collections::HashMap<String, u32>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Whether this hook's log is due for a trim, counting the row just appended.
fn trim_due(hook_id: &str) -> bool {
    SINCE_TRIM.with(|counts| {
        let mut counts = counts.borrow_mut();
        let Some(n) = counts.get_mut(hook_id) else {
            // The hook's first row since the start (a key is allocated once per hook).
            counts.insert(hook_id.to_string(), 1);
            return false;
        };
        *n += 1;
        if *n < TRIM_EVERY {
            return false;
        }
        *n = 0;
        true
    })
}

/// A delivery's files as stored: a JSON array (`[]` for most calls, no allocation).
fn files_json(files: &[crate::model::incoming_hook::LoggedFile]) -> std::borrow::Cow<'static, str> {
    if files.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(files)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

/// Appends a delivery-log row. Every 256th row of a hook also drops its rows beyond the
/// newest `keep`: trimming on every call cost about as much as the insert itself, and trimming
/// often touches pages (the oldest leaves, the free list) that a commit must then write;
/// `list_deliveries` never shows more than `keep` rows anyway.
pub fn insert_delivery(c: &Conn, d: &Delivery, keep: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO incoming_webhook_deliveries (hook_id, request_id, create_at, remote_addr, \
         status_code, error_id, post_id, content_type, body_size, body, body_truncated, \
         idempotency_key, duplicate, source, event, note, files) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        d.hook_id,
        d.id,
        d.create_at,
        d.remote_addr,
        d.status_code,
        d.error_id,
        d.post_id,
        d.content_type,
        d.body_size,
        d.body,
        d.body_truncated,
        d.idempotency_key,
        d.duplicate,
        d.source,
        d.event,
        d.note,
        files_json(&d.files)
    ])?;
    if !trim_due(&d.hook_id) {
        return Ok(());
    }
    // The row `keep` places below the newest, and everything older, goes.
    c.prepare_cached(
        "DELETE FROM incoming_webhook_deliveries WHERE hook_id = ?1 AND seq <= \
         (SELECT seq FROM incoming_webhook_deliveries WHERE hook_id = ?1 \
          ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![d.hook_id, keep])?;
    Ok(())
}

/// A page of a hook's delivery log, newest first, within its newest `keep` rows.
pub fn list_deliveries(
    c: &Conn,
    hook_id: &str,
    page: i64,
    per_page: i64,
    keep: i64,
) -> Result<Vec<Delivery>> {
    let offset = page * per_page;
    let limit = per_page.min(keep - offset);
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let mut stmt = c.prepare_cached(
        "SELECT request_id, hook_id, create_at, remote_addr, status_code, error_id, post_id, \
         content_type, body_size, body, body_truncated, idempotency_key, duplicate, source, \
         event, note, files FROM incoming_webhook_deliveries WHERE hook_id = ?1 \
         ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(params![hook_id, limit, offset], |r| {
        Ok(Delivery {
            id: r.get(0)?,
            hook_id: r.get(1)?,
            create_at: r.get(2)?,
            remote_addr: r.get(3)?,
            status_code: r.get(4)?,
            error_id: r.get(5)?,
            post_id: r.get(6)?,
            content_type: r.get(7)?,
            body_size: r.get(8)?,
            body: r.get(9)?,
            body_truncated: r.get(10)?,
            idempotency_key: r.get(11)?,
            duplicate: r.get(12)?,
            source: r.get(13)?,
            event: r.get(14)?,
            note: r.get(15)?,
            files: serde_json::from_str(&r.get::<_, String>(16)?).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The post id a successful call with this idempotency key created, if it was after `since`.
pub fn find_idempotent(c: &Conn, hook_id: &str, key: &str, since: i64) -> Result<Option<String>> {
    optional(
        c.prepare_cached(
            "SELECT post_id FROM incoming_webhook_idempotency \
             WHERE hook_id = ?1 AND key = ?2 AND create_at > ?3",
        )?
        .query_row(params![hook_id, key, since], |r| r.get(0)),
    )
}

/// Remembers a successful call's key (replacing an expired one) and forgets the hook's keys
/// older than `expired_before`.
pub fn insert_idempotent(
    c: &Conn,
    hook_id: &str,
    key: &str,
    post_id: &str,
    now: i64,
    expired_before: i64,
) -> Result<()> {
    c.prepare_cached(
        "DELETE FROM incoming_webhook_idempotency WHERE hook_id = ?1 AND create_at <= ?2",
    )?
    .execute(params![hook_id, expired_before])?;
    c.prepare_cached(
        "INSERT OR REPLACE INTO incoming_webhook_idempotency (hook_id, key, create_at, post_id) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![hook_id, key, now, post_id])?;
    Ok(())
}

/// Stores a post's priority metadata (Mattermost's `PostsPriority`).
pub fn insert_priority(
    c: &Conn,
    post_id: &str,
    channel_id: &str,
    priority: &str,
    requested_ack: bool,
    persistent_notifications: bool,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO posts_priority (post_id, channel_id, priority, requested_ack, \
         persistent_notifications) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        post_id,
        channel_id,
        priority,
        requested_ack,
        persistent_notifications
    ])?;
    Ok(())
}

/// A post's priority metadata: (priority, requested_ack, persistent_notifications).
pub fn find_priority(c: &Conn, post_id: &str) -> Result<Option<(String, bool, bool)>> {
    optional(
        c.prepare_cached(
            "SELECT priority, requested_ack, persistent_notifications FROM posts_priority \
             WHERE post_id = ?1",
        )?
        .query_row([post_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))),
    )
}
