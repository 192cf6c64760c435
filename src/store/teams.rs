//! Teams and team members.

use super::Conn;
use super::{optional, Result};
use crate::model::team::{Team, TeamMember};
use rusqlite::{params, Row};

pub(super) const COLS: &str =
    "id, create_at, update_at, delete_at, display_name, name, description, email, \
    type, company_name, allowed_domains, invite_id, allow_open_invite";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Team> {
    Ok(Team {
        id: r.get(0)?,
        create_at: r.get(1)?,
        update_at: r.get(2)?,
        delete_at: r.get(3)?,
        display_name: r.get(4)?,
        name: r.get(5)?,
        description: r.get(6)?,
        email: r.get(7)?,
        kind: r.get(8)?,
        company_name: r.get(9)?,
        allowed_domains: r.get(10)?,
        invite_id: r.get(11)?,
        allow_open_invite: r.get(12)?,
        ..Default::default()
    })
}

pub fn insert(c: &Conn, t: &Team) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO teams ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        t.id,
        t.create_at,
        t.update_at,
        t.delete_at,
        t.display_name,
        t.name,
        t.description,
        t.email,
        t.kind,
        t.company_name,
        t.allowed_domains,
        t.invite_id,
        t.allow_open_invite
    ])?;
    Ok(())
}

pub fn find(c: &Conn, id: &str) -> Result<Option<Team>> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM teams WHERE id = ?1"))?
            .query_row([id], from_row),
    )
}

pub fn find_by_name(c: &Conn, name: &str) -> Result<Option<Team>> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM teams WHERE name = ?1"))?
            .query_row([name.to_lowercase()], from_row),
    )
}

pub fn list(c: &Conn, page: i64, per_page: i64) -> Result<Vec<Team>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM teams WHERE delete_at = 0 ORDER BY display_name, id LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![per_page, page * per_page], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn list_for_user(c: &Conn, user_id: &str) -> Result<Vec<Team>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, t.create_at, t.update_at, t.delete_at, t.display_name, t.name, t.description, \
         t.email, t.type, t.company_name, t.allowed_domains, t.invite_id, t.allow_open_invite \
         FROM teams t JOIN team_members m ON m.team_id = t.id \
         WHERE m.user_id = ?1 AND m.delete_at = 0 AND t.delete_at = 0 ORDER BY t.display_name",
    )?;
    let rows = stmt.query_map([user_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Sets a membership (inserting, reviving or changing roles).
pub fn upsert_member(c: &Conn, team_id: &str, user_id: &str, roles: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO team_members (team_id, user_id, roles, delete_at) VALUES (?1, ?2, ?3, 0) \
         ON CONFLICT (team_id, user_id) DO UPDATE SET roles = excluded.roles, delete_at = 0",
    )?
    .execute(params![team_id, user_id, roles])?;
    Ok(())
}

pub fn find_member(c: &Conn, team_id: &str, user_id: &str) -> Result<Option<TeamMember>> {
    optional(
        c.prepare_cached(
            "SELECT roles, delete_at FROM team_members WHERE team_id = ?1 AND user_id = ?2 AND delete_at = 0",
        )?
        .query_row(params![team_id, user_id], |r| {
            Ok(TeamMember::new(team_id, user_id, &r.get::<_, String>(0)?, r.get(1)?))
        }),
    )
}

/// A `team_members` row of `user_id, roles, delete_at` as a member of `team_id`.
fn member_row(team_id: &str) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<TeamMember> + '_ {
    move |r| {
        Ok(TeamMember::new(
            team_id,
            &r.get::<_, String>(0)?,
            &r.get::<_, String>(1)?,
            r.get(2)?,
        ))
    }
}

pub fn list_members(c: &Conn, team_id: &str, page: i64, per_page: i64) -> Result<Vec<TeamMember>> {
    let mut stmt = c.prepare_cached(
        "SELECT user_id, roles, delete_at FROM team_members WHERE team_id = ?1 AND delete_at = 0 \
         ORDER BY user_id LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(
        params![team_id, per_page, page * per_page],
        member_row(team_id),
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn count_members(c: &Conn, team_id: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM team_members WHERE team_id = ?1 AND delete_at = 0",
        [team_id],
        |r| r.get(0),
    )?)
}

pub fn delete_member(c: &Conn, team_id: &str, user_id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE team_members SET delete_at = ?3 WHERE team_id = ?1 AND user_id = ?2 AND delete_at = 0",
    )?
    .execute(params![team_id, user_id, now])?)
}

/// Writes a team's editable fields (names stay: Mattermost's update and patch keep them).
pub fn update(c: &Conn, t: &Team) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE teams SET display_name = ?2, description = ?3, company_name = ?4, \
         allowed_domains = ?5, invite_id = ?6, allow_open_invite = ?7, update_at = ?8 \
         WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![
        t.id,
        t.display_name,
        t.description,
        t.company_name,
        t.allowed_domains,
        t.invite_id,
        t.allow_open_invite,
        t.update_at
    ])?)
}

/// The team's members among `user_ids` (current members only, by user id).
pub fn list_members_by_ids(
    c: &Conn,
    team_id: &str,
    user_ids: &[String],
) -> Result<Vec<TeamMember>> {
    let ids = serde_json::to_string(user_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = c.prepare_cached(
        "SELECT user_id, roles, delete_at FROM team_members WHERE team_id = ?1 AND delete_at = 0 \
         AND user_id IN (SELECT value FROM json_each(?2)) ORDER BY user_id",
    )?;
    let rows = stmt.query_map(params![team_id, ids], member_row(team_id))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A team's current members, and how many of them have an active account.
pub fn member_counts(c: &Conn, team_id: &str) -> Result<(i64, i64)> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*), COALESCE(SUM(u.delete_at = 0), 0) FROM team_members m \
         JOIN users u ON u.id = m.user_id WHERE m.team_id = ?1 AND m.delete_at = 0",
    )?
    .query_row([team_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// A user's unread counts in one team (Mattermost's TeamUnread).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unread {
    pub team_id: String,
    /// Messages not seen, in channels not muted to mentions only.
    pub msg_count: i64,
    pub mention_count: i64,
    pub mention_count_root: i64,
}

/// The user's unread counts in each of their teams (channels of no team, direct and group
/// messages, are not counted in any).
pub fn unread_for_user(c: &Conn, user_id: &str) -> Result<Vec<Unread>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, COALESCE(u.msg, 0), COALESCE(u.mentions, 0), COALESCE(u.root_mentions, 0) \
         FROM teams t JOIN team_members m ON m.team_id = t.id \
         LEFT JOIN (SELECT ch.team_id AS team_id, \
             SUM(CASE WHEN json_extract(cm.notify_props, '$.mark_unread') = 'mention' THEN 0 \
               ELSE MAX(ch.total_msg_count - cm.msg_count, 0) END) AS msg, \
             SUM(cm.mention_count) AS mentions, SUM(cm.mention_count_root) AS root_mentions \
           FROM channel_members cm JOIN channels ch ON ch.id = cm.channel_id AND ch.delete_at = 0 \
           WHERE cm.user_id = ?1 GROUP BY ch.team_id) u ON u.team_id = t.id \
         WHERE m.user_id = ?1 AND m.delete_at = 0 AND t.delete_at = 0 ORDER BY t.display_name",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(Unread {
            team_id: r.get(0)?,
            msg_count: r.get(1)?,
            mention_count: r.get(2)?,
            mention_count_root: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
