//! Personal access tokens. Only a SHA-256 digest of each secret is stored.

use super::Conn;
use super::{optional, Result};
use crate::model::token::UserAccessToken;
use rusqlite::{params, Row};

const COLS: &str = "t.id, t.user_id, t.description, t.is_active";

fn from_row(r: &Row) -> rusqlite::Result<UserAccessToken> {
    Ok(UserAccessToken {
        id: r.get(0)?,
        token: String::new(),
        user_id: r.get(1)?,
        description: r.get(2)?,
        is_active: r.get(3)?,
    })
}

/// Stores a token under the digest of its secret (`t.token` itself is not stored).
pub fn insert(c: &Conn, t: &UserAccessToken, token_hash: &str, now: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO user_access_tokens (id, token_hash, user_id, description, is_active, create_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![t.id, token_hash, t.user_id, t.description, t.is_active, now])?;
    Ok(())
}

pub fn find(c: &Conn, id: &str) -> Result<Option<UserAccessToken>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM user_access_tokens t WHERE t.id = ?1"
        ))?
        .query_row([id], from_row),
    )
}

/// The token whose secret has this digest (used to authenticate).
pub fn find_by_hash(c: &Conn, hash: &str) -> Result<Option<UserAccessToken>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM user_access_tokens t WHERE t.token_hash = ?1"
        ))?
        .query_row([hash], from_row),
    )
}

pub fn list_for_user(
    c: &Conn,
    user_id: &str,
    page: i64,
    per_page: i64,
) -> Result<Vec<UserAccessToken>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM user_access_tokens t WHERE t.user_id = ?1 \
         ORDER BY t.create_at, t.id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![user_id, per_page, page * per_page], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn list(c: &Conn, page: i64, per_page: i64) -> Result<Vec<UserAccessToken>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM user_access_tokens t ORDER BY t.create_at, t.id LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![per_page, page * per_page], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Tokens whose id, owner id or owner username starts with `term` (at most 1000).
pub fn search(c: &Conn, term: &str) -> Result<Vec<UserAccessToken>> {
    let pattern = format!("{}%", super::escape_like(term));
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM user_access_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.id LIKE ?1 ESCAPE '\\' OR t.user_id LIKE ?1 ESCAPE '\\' OR u.username LIKE ?1 ESCAPE '\\' \
         ORDER BY t.create_at, t.id LIMIT 1000"
    ))?;
    let rows = stmt.query_map([pattern], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn update_active(c: &Conn, id: &str, active: bool) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE user_access_tokens SET is_active = ?2 WHERE id = ?1")?
            .execute(params![id, active])?,
    )
}

pub fn delete(c: &Conn, id: &str) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM user_access_tokens WHERE id = ?1")?
            .execute([id])?,
    )
}
