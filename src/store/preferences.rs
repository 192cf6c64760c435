//! User preferences (`category`/`name` → `value` per user).

use super::Conn;
use super::Result;
use crate::model::preference::Preference;
use rusqlite::{params, Row};

fn from_row(r: &Row) -> rusqlite::Result<Preference> {
    Ok(Preference {
        user_id: r.get(0)?,
        category: r.get(1)?,
        name: r.get(2)?,
        value: r.get(3)?,
    })
}

/// A user's preferences, optionally of one category, ordered by category and name.
pub fn list_for_user(c: &Conn, user_id: &str, category: Option<&str>) -> Result<Vec<Preference>> {
    let mut stmt = c.prepare_cached(
        "SELECT user_id, category, name, value FROM preferences \
         WHERE user_id = ?1 AND (?2 IS NULL OR category = ?2) ORDER BY category, name",
    )?;
    let rows = stmt.query_map(params![user_id, category], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn upsert(c: &Conn, p: &Preference) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO preferences (user_id, category, name, value) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id, category, name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![p.user_id, p.category, p.name, p.value])?;
    Ok(())
}

/// Removes one preference; 0 when the user had none by that category and name.
pub fn delete(c: &Conn, user_id: &str, category: &str, name: &str) -> Result<usize> {
    Ok(c.prepare_cached(
        "DELETE FROM preferences WHERE user_id = ?1 AND category = ?2 AND name = ?3",
    )?
    .execute(params![user_id, category, name])?)
}
