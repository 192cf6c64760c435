//! Emoji reactions on posts.

use super::Conn;
use super::Result;
use rusqlite::{params, Row};
use serde::Serialize;

/// A reaction as Mattermost serializes it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reaction {
    pub user_id: String,
    pub post_id: String,
    pub emoji_name: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub remote_id: String,
    pub channel_id: String,
}

const COLUMNS: &str = "user_id, post_id, emoji_name, create_at, update_at, channel_id";

fn from_row(r: &Row) -> rusqlite::Result<Reaction> {
    Ok(Reaction {
        user_id: r.get(0)?,
        post_id: r.get(1)?,
        emoji_name: r.get(2)?,
        create_at: r.get(3)?,
        update_at: r.get(4)?,
        delete_at: 0,
        remote_id: String::new(),
        channel_id: r.get(5)?,
    })
}

/// Saves a reaction; saving the same one again keeps the first. Returns the stored reaction
/// and whether it is new.
pub fn insert(c: &Conn, r: &Reaction) -> Result<(Reaction, bool)> {
    let added = c.prepare_cached(
        "INSERT INTO reactions (post_id, user_id, emoji_name, channel_id, create_at, update_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        r.post_id,
        r.user_id,
        r.emoji_name,
        r.channel_id,
        r.create_at,
        r.update_at
    ])?;
    let stored = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reactions \
             WHERE post_id = ?1 AND user_id = ?2 AND emoji_name = ?3"
        ))?
        .query_row(params![r.post_id, r.user_id, r.emoji_name], from_row)?;
    Ok((stored, added == 1))
}

/// Removes a reaction; returns it if it existed.
pub fn delete(c: &Conn, post_id: &str, user_id: &str, emoji: &str) -> Result<Option<Reaction>> {
    let found = super::optional(
        c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reactions WHERE post_id = ?1 AND user_id = ?2 AND emoji_name = ?3"
        ))?
        .query_row(params![post_id, user_id, emoji], from_row),
    )?;
    if found.is_some() {
        c.prepare_cached(
            "DELETE FROM reactions WHERE post_id = ?1 AND user_id = ?2 AND emoji_name = ?3",
        )?
        .execute(params![post_id, user_id, emoji])?;
    }
    Ok(found)
}

/// A post's reactions, oldest first.
pub fn for_post(c: &Conn, post_id: &str) -> Result<Vec<Reaction>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reactions WHERE post_id = ?1 ORDER BY create_at, user_id"
    ))?;
    let rows = stmt.query_map([post_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
