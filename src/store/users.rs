//! Users (and the bot rows that mark some of them as bots).

use super::Conn;
use super::{json_map, optional, Result};
use crate::model::user::{BotInfo, User};
use rusqlite::{params, Row};

pub(super) const COLS: &str =
    "u.id, u.create_at, u.update_at, u.delete_at, u.username, u.password_hash, \
    u.auth_service, u.email, u.email_verified, u.nickname, u.first_name, u.last_name, u.position, \
    u.roles, u.locale, u.props, u.notify_props, u.timezone, u.failed_attempts, u.last_login, \
    u.last_password_update, u.last_activity_at, b.description, b.owner_id, u.last_picture_update";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<User> {
    let bot_owner: Option<String> = r.get(23)?;
    Ok(User {
        id: r.get(0)?,
        create_at: r.get(1)?,
        update_at: r.get(2)?,
        delete_at: r.get(3)?,
        username: r.get(4)?,
        password_hash: r.get(5)?,
        auth_service: r.get(6)?,
        email: r.get(7)?,
        email_verified: r.get(8)?,
        nickname: r.get(9)?,
        first_name: r.get(10)?,
        last_name: r.get(11)?,
        position: r.get(12)?,
        roles: r.get(13)?,
        locale: r.get(14)?,
        props: json_map(&r.get::<_, String>(15)?),
        notify_props: json_map(&r.get::<_, String>(16)?),
        timezone: json_map(&r.get::<_, String>(17)?),
        failed_attempts: r.get(18)?,
        last_login: r.get(19)?,
        last_password_update: r.get(20)?,
        last_activity_at: r.get(21)?,
        last_picture_update: r.get(24)?,
        bot: bot_owner.map(|owner_id| BotInfo {
            description: r
                .get::<_, Option<String>>(22)
                .ok()
                .flatten()
                .unwrap_or_default(),
            owner_id,
        }),
    })
}

pub(super) fn select(where_clause: &str) -> String {
    format!("SELECT {COLS} FROM users u LEFT JOIN bots b ON b.user_id = u.id {where_clause}")
}

pub fn insert(c: &Conn, u: &User) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO users (id, create_at, update_at, delete_at, username, password_hash, \
         auth_service, email, email_verified, nickname, first_name, last_name, position, roles, \
         locale, props, notify_props, timezone, last_password_update) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        u.id,
        u.create_at,
        u.update_at,
        u.delete_at,
        u.username,
        u.password_hash,
        u.auth_service,
        u.email,
        u.email_verified,
        u.nickname,
        u.first_name,
        u.last_name,
        u.position,
        u.roles,
        u.locale,
        serde_json::Value::Object(u.props.clone()).to_string(),
        serde_json::Value::Object(u.notify_props.clone()).to_string(),
        serde_json::Value::Object(u.timezone.clone()).to_string(),
        u.last_password_update,
    ])?;
    Ok(())
}

pub fn find(c: &Conn, id: &str) -> Result<Option<User>> {
    optional(
        c.prepare_cached(&select("WHERE u.id = ?1"))?
            .query_row([id], from_row),
    )
}

pub fn find_by_username(c: &Conn, username: &str) -> Result<Option<User>> {
    optional(
        c.prepare_cached(&select("WHERE u.username = ?1"))?
            .query_row([username.to_lowercase()], from_row),
    )
}

pub fn find_by_email(c: &Conn, email: &str) -> Result<Option<User>> {
    optional(
        c.prepare_cached(&select("WHERE u.email = ?1"))?
            .query_row([email.to_lowercase()], from_row),
    )
}

/// Login lookup: username or email, case-insensitively.
pub fn find_by_login(
    c: &Conn,
    login: &str,
    by_username: bool,
    by_email: bool,
) -> Result<Option<User>> {
    if by_username {
        if let Some(u) = find_by_username(c, login)? {
            return Ok(Some(u));
        }
    }
    if by_email {
        return find_by_email(c, login);
    }
    Ok(None)
}

pub fn list_by_ids(c: &Conn, ids: &[String]) -> Result<Vec<User>> {
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(&select("WHERE u.id = ?1"))?;
    for id in ids {
        if let Some(u) = optional(stmt.query_row([id], from_row))? {
            out.push(u);
        }
    }
    Ok(out)
}

/// Users ordered by username, paged; optionally only members of a team or channel.
pub fn list(
    c: &Conn,
    in_team: Option<&str>,
    in_channel: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Vec<User>> {
    let (sql, arg) = match (in_team, in_channel) {
        (_, Some(ch)) => (
            select("JOIN channel_members m ON m.user_id = u.id WHERE m.channel_id = ?1 ORDER BY u.username LIMIT ?2 OFFSET ?3"),
            ch.to_string(),
        ),
        (Some(t), None) => (
            select("JOIN team_members m ON m.user_id = u.id WHERE m.team_id = ?1 AND m.delete_at = 0 ORDER BY u.username LIMIT ?2 OFFSET ?3"),
            t.to_string(),
        ),
        (None, None) => (
            select("WHERE ?1 = ?1 ORDER BY u.username LIMIT ?2 OFFSET ?3"),
            String::new(),
        ),
    };
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![arg, per_page, page * per_page], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What `search` looks for: `term` (lower case) as the start of a username, first or last name
/// or nickname; the other fields narrow it when not empty.
pub struct Search<'a> {
    pub term: &'a str,
    pub team_id: &'a str,
    pub in_channel_id: &'a str,
    pub not_in_channel_id: &'a str,
    pub allow_inactive: bool,
    pub limit: i64,
}

/// Users matching a search, by username.
pub fn search(c: &Conn, q: &Search) -> Result<Vec<User>> {
    let pattern = format!("{}%", super::escape_like(q.term));
    let sql = select(
        "WHERE (lower(u.username) LIKE ?1 ESCAPE '\\' OR lower(u.first_name) LIKE ?1 ESCAPE '\\' \
         OR lower(u.last_name) LIKE ?1 ESCAPE '\\' OR lower(u.nickname) LIKE ?1 ESCAPE '\\') \
         AND (?2 = '' OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id \
              AND tm.team_id = ?2 AND tm.delete_at = 0)) \
         AND (?3 = '' OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.user_id = u.id \
              AND cm.channel_id = ?3)) \
         AND (?4 = '' OR NOT EXISTS (SELECT 1 FROM channel_members cm WHERE cm.user_id = u.id \
              AND cm.channel_id = ?4)) \
         AND (?5 OR u.delete_at = 0) \
         ORDER BY u.username LIMIT ?6",
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            pattern,
            q.team_id,
            q.in_channel_id,
            q.not_in_channel_id,
            q.allow_inactive,
            q.limit
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Counts human (non-bot) accounts, deactivated ones included: the first one becomes admin.
pub fn count_humans(c: &Conn) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM bots b WHERE b.user_id = u.id)",
        [],
        |r| r.get(0),
    )?)
}

pub fn update_failed_attempts(c: &Conn, id: &str, n: i64) -> Result<()> {
    c.prepare_cached("UPDATE users SET failed_attempts = ?2 WHERE id = ?1")?
        .execute(params![id, n])?;
    Ok(())
}

/// Adds one failed attempt; returns the new count.
pub fn increment_failed_attempts(c: &Conn, id: &str) -> Result<i64> {
    c.prepare_cached("UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(c.query_row(
        "SELECT failed_attempts FROM users WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

pub fn update_login(c: &Conn, id: &str, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE users SET failed_attempts = 0, last_login = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

pub fn update_roles(c: &Conn, id: &str, roles: &str, now: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE users SET roles = ?2, update_at = ?3 WHERE id = ?1")?
            .execute(params![id, roles, now])?,
    )
}

pub fn update_delete_at(c: &Conn, id: &str, delete_at: i64, now: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE users SET delete_at = ?2, update_at = ?3 WHERE id = ?1")?
            .execute(params![id, delete_at, now])?,
    )
}

/// Writes the profile fields back (what a user patch changes, and `update_at`); the password,
/// roles and activity fields are left as they are.
pub fn update_profile(c: &Conn, u: &User) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE users SET update_at = ?2, username = ?3, email = ?4, email_verified = ?5, \
         nickname = ?6, first_name = ?7, last_name = ?8, position = ?9, locale = ?10, \
         props = ?11, notify_props = ?12, timezone = ?13 WHERE id = ?1",
    )?
    .execute(params![
        u.id,
        u.update_at,
        u.username,
        u.email,
        u.email_verified,
        u.nickname,
        u.first_name,
        u.last_name,
        u.position,
        u.locale,
        serde_json::Value::Object(u.props.clone()).to_string(),
        serde_json::Value::Object(u.notify_props.clone()).to_string(),
        serde_json::Value::Object(u.timezone.clone()).to_string(),
    ])?)
}

/// Active human accounts holding `system_admin` (the last one may not be demoted).
pub fn count_active_admins(c: &Conn) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM users u WHERE u.delete_at = 0 AND (' ' || u.roles || ' ') LIKE '% system_admin %' \
         AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.user_id = u.id)",
        [],
        |r| r.get(0),
    )?)
}

/// Sets a new password hash and clears the failed-attempt count (this is how an admin
/// unlocks an account locked by `MaximumLoginAttempts`).
pub fn update_password(c: &Conn, id: &str, hash: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE users SET password_hash = ?2, last_password_update = ?3, update_at = ?3, failed_attempts = 0 \
         WHERE id = ?1",
    )?
    .execute(params![id, hash, now])?)
}

/// Sets when the user's profile picture changed (`0`: back to the default); `update_at` moves
/// to `now` either way, as Mattermost's `UpdateLastPictureUpdate`/`ResetLastPictureUpdate` do.
pub fn set_last_picture_update(c: &Conn, id: &str, at: i64, now: i64) -> Result<usize> {
    Ok(
        c.prepare_cached(
            "UPDATE users SET last_picture_update = ?2, update_at = ?3 WHERE id = ?1",
        )?
        .execute(params![id, at, now])?,
    )
}
