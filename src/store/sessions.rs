//! Login sessions. Only a SHA-256 digest of each session token is stored.

use super::Conn;
use super::{json_map, optional, Result};
use rusqlite::params;
use serde_json::{Map, Value};

/// A stored session row (the token itself is never stored).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub create_at: i64,
    pub expires_at: i64,
    pub last_activity_at: i64,
    pub device_id: String,
    pub roles: String,
    pub props: Map<String, Value>,
}

pub fn insert(c: &Conn, s: &SessionRow, token_hash: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO sessions (id, token_hash, user_id, create_at, expires_at, last_activity_at, \
         device_id, roles, props) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        s.id,
        token_hash,
        s.user_id,
        s.create_at,
        s.expires_at,
        s.last_activity_at,
        s.device_id,
        s.roles,
        Value::Object(s.props.clone()).to_string()
    ])?;
    Ok(())
}

const COLS: &str = "id, user_id, create_at, expires_at, last_activity_at, device_id, roles, props";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        create_at: r.get(2)?,
        expires_at: r.get(3)?,
        last_activity_at: r.get(4)?,
        device_id: r.get(5)?,
        roles: r.get(6)?,
        props: json_map(&r.get::<_, String>(7)?),
    })
}

pub fn find_by_token_hash(c: &Conn, hash: &str) -> Result<Option<SessionRow>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM sessions WHERE token_hash = ?1"
        ))?
        .query_row([hash], from_row),
    )
}

pub fn find(c: &Conn, id: &str) -> Result<Option<SessionRow>> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM sessions WHERE id = ?1"))?
            .query_row([id], from_row),
    )
}

pub fn list_for_user(c: &Conn, user_id: &str) -> Result<Vec<SessionRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM sessions WHERE user_id = ?1 ORDER BY last_activity_at DESC"
    ))?;
    let rows = stmt.query_map([user_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn delete(c: &Conn, id: &str) -> Result<usize> {
    Ok(c.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([id])?)
}

pub fn delete_for_user(c: &Conn, user_id: &str) -> Result<usize> {
    Ok(c.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
        .execute([user_id])?)
}

pub fn delete_for_device(c: &Conn, user_id: &str, device_id: &str) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND device_id = ?2")?
            .execute(params![user_id, device_id])?,
    )
}

/// Deletes sessions that expired before `now` (`expires_at = 0` never expires).
/// Copies a user's new system roles into their sessions (shown by `GET /users/{id}/sessions`).
pub fn update_roles_for_user(c: &Conn, user_id: &str, roles: &str) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE sessions SET roles = ?2 WHERE user_id = ?1")?
            .execute(params![user_id, roles])?,
    )
}

/// Keeps a user's `keep` most recently active sessions and deletes the rest.
pub fn delete_least_recent(c: &Conn, user_id: &str, keep: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "DELETE FROM sessions WHERE user_id = ?1 AND id NOT IN \
         (SELECT id FROM sessions WHERE user_id = ?1 ORDER BY last_activity_at DESC, create_at DESC LIMIT ?2)",
    )?
    .execute(params![user_id, keep])?)
}

pub fn delete_expired(c: &Conn, now: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM sessions WHERE expires_at != 0 AND expires_at < ?1")?
            .execute([now])?,
    )
}

pub fn update_expiry(c: &Conn, id: &str, expires_at: i64, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE sessions SET expires_at = ?2, last_activity_at = ?3 WHERE id = ?1")?
        .execute(params![id, expires_at, now])?;
    Ok(())
}
