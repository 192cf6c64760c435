//! The reads the WebSocket event loop makes: who belongs to a channel or team (an event's
//! audience), and which of its connections' credentials are still good.

use super::Conn;
use super::Result;
use std::collections::HashSet;

/// A channel's members: (user id, username), by username.
pub fn channel_members(c: &Conn, channel_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.username FROM channel_members m JOIN users u ON u.id = m.user_id \
         WHERE m.channel_id = ?1 ORDER BY u.username",
    )?;
    let rows = stmt.query_map([channel_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The ids of a team's current members.
pub fn team_member_ids(c: &Conn, team_id: &str) -> Result<Vec<String>> {
    let mut stmt =
        c.prepare_cached("SELECT user_id FROM team_members WHERE team_id = ?1 AND delete_at = 0")?;
    let rows = stmt.query_map([team_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rows per `IN (…)` query (SQLite's parameter limit is far above; this keeps each short).
const CHUNK: usize = 500;

/// Which of these login sessions are still valid (not revoked, not expired, user active).
pub fn live_sessions(c: &Conn, ids: &[&str], now: i64) -> Result<HashSet<String>> {
    live(
        c,
        ids,
        "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.delete_at = 0 AND (s.expires_at = 0 OR s.expires_at >= ?1) AND s.id IN",
        Some(now),
    )
}

/// Which of these personal access tokens are still active (and their user too).
pub fn live_tokens(c: &Conn, ids: &[&str]) -> Result<HashSet<String>> {
    live(
        c,
        ids,
        "SELECT t.id FROM user_access_tokens t JOIN users u ON u.id = t.user_id \
         WHERE u.delete_at = 0 AND t.is_active = 1 AND t.id IN",
        None,
    )
}

fn live(c: &Conn, ids: &[&str], sql: &str, now: Option<i64>) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let first = if now.is_some() { 2 } else { 1 };
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("?{}", i + first))
            .collect();
        let mut stmt = c.prepare(&format!("{sql} ({})", marks.join(",")))?;
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() + 1);
        if let Some(now) = &now {
            args.push(now);
        }
        for id in chunk {
            args.push(id);
        }
        let rows = stmt.query_map(args.as_slice(), |r| r.get::<_, String>(0))?;
        for r in rows {
            found.insert(r?);
        }
    }
    Ok(found)
}

/// `(user id, status)` of the given users that have a status row, or (no ids) of every user
/// who is not offline.
pub fn statuses(c: &Conn, ids: Option<&[&str]>) -> Result<Vec<(String, String)>> {
    let Some(ids) = ids else {
        let mut stmt =
            c.prepare_cached("SELECT user_id, status FROM status WHERE status != 'offline'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        return Ok(rows.collect::<rusqlite::Result<_>>()?);
    };
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached("SELECT status FROM status WHERE user_id = ?1")?;
    for id in ids {
        let found: Option<String> = super::optional(stmt.query_row([id], |r| r.get(0)))?;
        if let Some(s) = found {
            out.push((id.to_string(), s));
        }
    }
    Ok(out)
}
