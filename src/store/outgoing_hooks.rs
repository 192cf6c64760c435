//! Outgoing webhooks, their pending and past deliveries, and the per-attempt delivery log.

use super::Conn;
use super::{optional, Result};
use crate::model::outgoing_hook::{Attempt, Delivery, OutgoingWebhook};
use rusqlite::{params, Row};

pub(super) const COLS: &str =
    "id, token, create_at, update_at, delete_at, creator_id, channel_id, team_id, \
    trigger_words, trigger_when, callback_urls, display_name, description, content_type, username, \
    icon_url, signing_key";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<OutgoingWebhook> {
    Ok(OutgoingWebhook {
        id: r.get(0)?,
        token: r.get(1)?,
        create_at: r.get(2)?,
        update_at: r.get(3)?,
        delete_at: r.get(4)?,
        creator_id: r.get(5)?,
        channel_id: r.get(6)?,
        team_id: r.get(7)?,
        trigger_words: serde_json::from_str(&r.get::<_, String>(8)?).unwrap_or_default(),
        trigger_when: r.get(9)?,
        callback_urls: serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default(),
        display_name: r.get(11)?,
        description: r.get(12)?,
        content_type: r.get(13)?,
        username: r.get(14)?,
        icon_url: r.get(15)?,
        signing_key: r.get(16)?,
        signing_secret: String::new(),
    })
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub fn insert(c: &Conn, h: &OutgoingWebhook) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO outgoing_webhooks ({COLS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))?
    .execute(params![
        h.id,
        h.token,
        h.create_at,
        h.update_at,
        h.delete_at,
        h.creator_id,
        h.channel_id,
        h.team_id,
        json_list(&h.trigger_words),
        h.trigger_when,
        json_list(&h.callback_urls),
        h.display_name,
        h.description,
        h.content_type,
        h.username,
        h.icon_url,
        h.signing_key
    ])?;
    Ok(())
}

/// By id, deleted ones included.
pub fn find(c: &Conn, id: &str) -> Result<Option<OutgoingWebhook>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM outgoing_webhooks WHERE id = ?1"
        ))?
        .query_row([id], from_row),
    )
}

/// Writes back every mutable field (everything but id, creator, team and create_at).
pub fn update(c: &Conn, h: &OutgoingWebhook) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE outgoing_webhooks SET token = ?2, update_at = ?3, channel_id = ?4, \
         trigger_words = ?5, trigger_when = ?6, callback_urls = ?7, display_name = ?8, \
         description = ?9, content_type = ?10, username = ?11, icon_url = ?12, signing_key = ?13 \
         WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![
        h.id,
        h.token,
        h.update_at,
        h.channel_id,
        json_list(&h.trigger_words),
        h.trigger_when,
        json_list(&h.callback_urls),
        h.display_name,
        h.description,
        h.content_type,
        h.username,
        h.icon_url,
        h.signing_key
    ])?)
}

/// Soft delete.
pub fn delete(c: &Conn, id: &str, now: i64) -> Result<usize> {
    Ok(c
        .prepare_cached(
            "UPDATE outgoing_webhooks SET delete_at = ?2, update_at = ?2 WHERE id = ?1 AND delete_at = 0",
        )?
        .execute(params![id, now])?)
}

/// Soft-deletes the hooks bound to a channel (the channel is being archived).
pub fn delete_for_channel(c: &Conn, channel_id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE outgoing_webhooks SET delete_at = ?2, update_at = ?2 \
             WHERE channel_id = ?1 AND delete_at = 0",
    )?
    .execute(params![channel_id, now])?)
}

/// Every live hook of a team, oldest first (firing and the overlap check).
pub fn list_for_team(c: &Conn, team_id: &str) -> Result<Vec<OutgoingWebhook>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM outgoing_webhooks WHERE team_id = ?1 AND delete_at = 0 \
         ORDER BY create_at, id"
    ))?;
    let rows = stmt.query_map([team_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What a listing is restricted to; empty strings mean "any".
#[derive(Debug, Default)]
pub struct ListFilter<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub creator_id: &'a str,
}

/// A page of live hooks, oldest first.
pub fn list_page(
    c: &Conn,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<OutgoingWebhook>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM outgoing_webhooks WHERE delete_at = 0 \
         AND (?1 = '' OR team_id = ?1) AND (?2 = '' OR channel_id = ?2) \
         AND (?3 = '' OR creator_id = ?3) \
         ORDER BY create_at, id LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt.query_map(
        params![f.team_id, f.channel_id, f.creator_id, limit, offset],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const DCOLS: &str = "id, hook_id, post_id, url, payload, state, attempt_count, next_attempt_at, \
    create_at, update_at, last_status, last_error";

fn delivery_from_row(r: &Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        hook_id: r.get(1)?,
        post_id: r.get(2)?,
        url: r.get(3)?,
        payload: r.get(4)?,
        state: r.get(5)?,
        attempt_count: r.get(6)?,
        next_attempt_at: r.get(7)?,
        create_at: r.get(8)?,
        update_at: r.get(9)?,
        last_status: r.get(10)?,
        last_error: r.get(11)?,
    })
}

/// Records deliveries (inside the write that stores their post).
pub fn insert_deliveries(c: &Conn, ds: &[Delivery]) -> Result<()> {
    if ds.is_empty() {
        return Ok(());
    }
    let mut stmt = c.prepare_cached(&format!(
        "INSERT INTO outgoing_deliveries ({DCOLS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?;
    for d in ds {
        stmt.execute(params![
            d.id,
            d.hook_id,
            d.post_id,
            d.url,
            d.payload,
            d.state,
            d.attempt_count,
            d.next_attempt_at,
            d.create_at,
            d.update_at,
            d.last_status,
            d.last_error
        ])?;
    }
    Ok(())
}

pub fn find_delivery(c: &Conn, id: &str) -> Result<Option<Delivery>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {DCOLS} FROM outgoing_deliveries WHERE id = ?1"
        ))?
        .query_row([id], delivery_from_row),
    )
}

/// Ids of pending deliveries due at `now`, the most overdue first.
pub fn list_due_delivery_ids(c: &Conn, now: i64, limit: i64) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM outgoing_deliveries WHERE state = 'pending' AND next_attempt_at <= ?1 \
         ORDER BY next_attempt_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// When the next pending delivery that is not yet due becomes due.
pub fn find_next_due_at(c: &Conn, now: i64) -> Result<Option<i64>> {
    Ok(c.prepare_cached(
        "SELECT MIN(next_attempt_at) FROM outgoing_deliveries \
             WHERE state = 'pending' AND next_attempt_at > ?1",
    )?
    .query_row([now], |r| r.get::<_, Option<i64>>(0))?)
}

/// Logs one attempt and stores the delivery's new state.
pub fn insert_attempt(c: &Conn, a: &Attempt, d: &Delivery) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO outgoing_delivery_attempts (delivery_id, at, url, status, latency_ms, error, response) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        a.delivery_id,
        a.at,
        a.url,
        a.status,
        a.latency_ms,
        a.error,
        a.response
    ])?;
    update_delivery(c, d)?;
    Ok(())
}

/// Stores a delivery's state, attempt count, next attempt time and last outcome.
pub fn update_delivery(c: &Conn, d: &Delivery) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE outgoing_deliveries SET state = ?2, attempt_count = ?3, next_attempt_at = ?4, \
         update_at = ?5, last_status = ?6, last_error = ?7 WHERE id = ?1",
    )?
    .execute(params![
        d.id,
        d.state,
        d.attempt_count,
        d.next_attempt_at,
        d.update_at,
        d.last_status,
        d.last_error
    ])?)
}

/// A page of a hook's deliveries, newest first.
pub fn list_deliveries(c: &Conn, hook_id: &str, offset: i64, limit: i64) -> Result<Vec<Delivery>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {DCOLS} FROM outgoing_deliveries WHERE hook_id = ?1 \
         ORDER BY create_at DESC, rowid DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![hook_id, limit, offset], delivery_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The attempts of a delivery, oldest first.
pub fn list_attempts(c: &Conn, delivery_id: &str) -> Result<Vec<Attempt>> {
    let mut stmt = c.prepare_cached(
        "SELECT delivery_id, at, url, status, latency_ms, error, response \
         FROM outgoing_delivery_attempts WHERE delivery_id = ?1 ORDER BY at, rowid",
    )?;
    let rows = stmt.query_map([delivery_id], |r| {
        Ok(Attempt {
            delivery_id: r.get(0)?,
            at: r.get(1)?,
            url: r.get(2)?,
            status: r.get(3)?,
            latency_ms: r.get(4)?,
            error: r.get(5)?,
            response: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records a delivery's last attempt (`insert_attempt`) and trims the hook's log to its newest
/// `keep` finished deliveries (`delete_old_deliveries`).
pub fn finish_attempt(c: &Conn, a: &Attempt, d: &Delivery, keep: i64) -> Result<()> {
    insert_attempt(c, a, d)?;
    delete_old_deliveries(c, &d.hook_id, keep)?;
    Ok(())
}

/// Keeps the newest `keep` finished deliveries of a hook (and their attempts); pending ones
/// are never pruned.
pub fn delete_old_deliveries(c: &Conn, hook_id: &str, keep: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        // Walks back `keep` rows of the finished-deliveries index and deletes what is older:
        // O(keep), whatever the hook's backlog of pending rows. The literal 'pending' lets
        // SQLite use that partial index.
        "DELETE FROM outgoing_deliveries WHERE hook_id = ?1 AND state != 'pending' AND \
         (create_at, rowid) < (SELECT create_at, rowid FROM outgoing_deliveries \
          WHERE hook_id = ?1 AND state != 'pending' ORDER BY create_at DESC, rowid DESC \
          LIMIT 1 OFFSET ?2)",
    )?
    // The oldest row kept is the `keep`-th newest (offset keep − 1); older ones go.
    .execute(params![hook_id, keep.max(1) - 1])?)
}
