//! Bots: the bot row beside a user row. Username and display name are read from the user row
//! (`first_name`), as Mattermost does, so the two never disagree.

use super::Conn;
use super::{optional, Result};
use crate::model::bot::Bot;
use rusqlite::{params, Row};

pub(super) const SELECT: &str =
    "SELECT b.user_id, u.username, u.first_name, b.description, b.owner_id, \
    b.create_at, b.update_at, b.delete_at FROM bots b JOIN users u ON u.id = b.user_id";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Bot> {
    Ok(Bot {
        user_id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        description: r.get(3)?,
        owner_id: r.get(4)?,
        last_icon_update: 0,
        create_at: r.get(5)?,
        update_at: r.get(6)?,
        delete_at: r.get(7)?,
    })
}

/// Inserts the bot row (its user row must exist).
pub fn insert(c: &Conn, b: &Bot) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO bots (user_id, display_name, description, owner_id, create_at, update_at, delete_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![b.user_id, b.display_name, b.description, b.owner_id, b.create_at, b.update_at, b.delete_at])?;
    Ok(())
}

/// A bot by its user id, disabled ones included.
pub fn find(c: &Conn, user_id: &str) -> Result<Option<Bot>> {
    optional(
        c.prepare_cached(&format!("{SELECT} WHERE b.user_id = ?1"))?
            .query_row([user_id], from_row),
    )
}

/// What `GET /bots` may filter on.
#[derive(Debug, Clone, Default)]
pub struct BotFilter<'a> {
    /// Only bots of this owner.
    pub owner_id: Option<&'a str>,
    pub include_deleted: bool,
    /// Only bots whose owner is missing or deactivated.
    pub only_orphaned: bool,
}

/// Bots oldest first (then by username), paged.
pub fn list(c: &Conn, f: &BotFilter, page: i64, per_page: i64) -> Result<Vec<Bot>> {
    let sql = format!(
        "{SELECT} LEFT JOIN users o ON o.id = b.owner_id \
         WHERE (?1 IS NULL OR b.owner_id = ?1) AND (?2 OR b.delete_at = 0) \
         AND (NOT ?3 OR o.id IS NULL OR o.delete_at != 0) \
         ORDER BY b.create_at, u.username LIMIT ?4 OFFSET ?5"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.owner_id,
            f.include_deleted,
            f.only_orphaned,
            per_page,
            page * per_page
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Ids of the enabled bots a user owns.
pub fn list_active_ids_for_owner(c: &Conn, owner_id: &str) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT user_id FROM bots WHERE owner_id = ?1 AND delete_at = 0 ORDER BY user_id",
    )?;
    let rows = stmt.query_map([owner_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// Writes display name, description and owner back.
pub fn update(c: &Conn, b: &Bot) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE bots SET display_name = ?2, description = ?3, owner_id = ?4, update_at = ?5 WHERE user_id = ?1",
    )?
    .execute(params![b.user_id, b.display_name, b.description, b.owner_id, b.update_at])?)
}

/// Disables (`delete_at > 0`) or enables (`0`) a bot row.
pub fn update_delete_at(c: &Conn, user_id: &str, delete_at: i64, now: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE bots SET delete_at = ?2, update_at = ?3 WHERE user_id = ?1")?
            .execute(params![user_id, delete_at, now])?,
    )
}

/// Removes the bot row (the user row stays: convert to user).
pub fn delete(c: &Conn, user_id: &str) -> Result<usize> {
    Ok(c.prepare_cached("DELETE FROM bots WHERE user_id = ?1")?
        .execute([user_id])?)
}
