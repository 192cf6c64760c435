//! Interactive messages: the call log (`action_calls`) and the server's generated secrets
//! (`server_secrets`).

use super::Conn;
use super::{optional, Result};
use crate::model::action::{Call, Source};
use rusqlite::params;

/// Rows kept per source; older ones are trimmed.
pub const KEEP_PER_SOURCE: i64 = 500;
/// A source's rows are trimmed once this many more than `KEEP_PER_SOURCE` are there, so most
/// inserts do not delete.
const TRIM_SLACK: i64 = 50;

const COLS: &str = "id, create_at, kind, source_kind, source_id, user_id, channel_id, post_id, \
    action_id, url, status_code, latency_ms, error_id, error, response, note";

/// Appends a call-log row, and trims the source's oldest rows when it has too many.
pub fn insert_call(c: &Conn, r: &Call) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO action_calls ({COLS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?
    .execute(params![
        r.id,
        r.create_at,
        r.kind,
        r.source_kind,
        r.source_id,
        r.user_id,
        r.channel_id,
        r.post_id,
        r.action_id,
        r.url,
        r.status_code,
        r.latency_ms,
        r.error_id,
        r.error,
        r.response,
        r.note
    ])?;
    let count: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM action_calls WHERE source_kind = ?1 AND source_id = ?2",
        )?
        .query_row(params![r.source_kind, r.source_id], |row| row.get(0))?;
    if count > KEEP_PER_SOURCE + TRIM_SLACK {
        c.prepare_cached(
            "DELETE FROM action_calls WHERE source_kind = ?1 AND source_id = ?2 AND seq <= \
             (SELECT seq FROM action_calls WHERE source_kind = ?1 AND source_id = ?2 \
              ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
        )?
        .execute(params![r.source_kind, r.source_id, KEEP_PER_SOURCE])?;
    }
    Ok(())
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Call> {
    Ok(Call {
        id: r.get(0)?,
        create_at: r.get(1)?,
        kind: r.get(2)?,
        source_kind: r.get(3)?,
        source_id: r.get(4)?,
        user_id: r.get(5)?,
        channel_id: r.get(6)?,
        post_id: r.get(7)?,
        action_id: r.get(8)?,
        url: r.get(9)?,
        status_code: r.get(10)?,
        latency_ms: r.get(11)?,
        error_id: r.get(12)?,
        error: r.get(13)?,
        response: r.get(14)?,
        note: r.get(15)?,
    })
}

/// A source's calls, newest first (`None`: every source's).
pub fn list_calls(
    c: &Conn,
    source: Option<&Source>,
    page: i64,
    per_page: i64,
) -> Result<Vec<Call>> {
    let offset = page * per_page;
    let rows = match source {
        Some(s) => c
            .prepare_cached(&format!(
                "SELECT {COLS} FROM action_calls WHERE source_kind = ?1 AND source_id = ?2 \
                 ORDER BY seq DESC LIMIT ?3 OFFSET ?4"
            ))?
            .query_map(params![s.kind(), s.id(), per_page, offset], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        None => c
            .prepare_cached(&format!(
                "SELECT {COLS} FROM action_calls ORDER BY seq DESC LIMIT ?1 OFFSET ?2"
            ))?
            .query_map(params![per_page, offset], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// A named secret, or `None` if it was never made.
pub fn secret(c: &Conn, name: &str) -> Result<Option<Vec<u8>>> {
    optional(
        c.prepare_cached("SELECT value FROM server_secrets WHERE name = ?1")?
            .query_row(params![name], |r| r.get(0)),
    )
}

/// Stores `value` under `name` unless a secret of that name exists; returns the stored one.
pub fn keep_secret(c: &Conn, name: &str, value: &[u8]) -> Result<Vec<u8>> {
    c.prepare_cached("INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)")?
        .execute(params![name, value])?;
    Ok(secret(c, name)?.unwrap_or_else(|| value.to_vec()))
}
