//! User status (online, away, offline, dnd) for the status API and the built-in commands.

use super::Conn;
use super::{optional, Result};
use crate::model::user::Status;
use rusqlite::params;

pub fn find(c: &Conn, user_id: &str) -> Result<Option<Status>> {
    optional(
        c.prepare_cached(
            "SELECT user_id, status, manual, last_activity_at FROM status WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok(Status {
                user_id: r.get(0)?,
                status: r.get(1)?,
                manual: r.get(2)?,
                last_activity_at: r.get(3)?,
            })
        }),
    )
}

pub fn upsert(c: &Conn, s: &Status) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO status (user_id, status, manual, last_activity_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, manual = excluded.manual, \
         last_activity_at = excluded.last_activity_at",
    )?
    .execute(params![s.user_id, s.status, s.manual, s.last_activity_at])?;
    Ok(())
}
