//! Channels and channel members.

use super::Conn;
use super::{optional, Result};
use crate::model::channel::{Channel, ChannelMember};
use rusqlite::{params, Row};

pub(super) const COLS: &str = "id, create_at, update_at, delete_at, team_id, type, display_name, name, \
    header, purpose, last_post_at, last_root_post_at, total_msg_count, total_msg_count_root, creator_id";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Channel> {
    Ok(Channel {
        id: r.get(0)?,
        create_at: r.get(1)?,
        update_at: r.get(2)?,
        delete_at: r.get(3)?,
        team_id: r.get(4)?,
        kind: r.get(5)?,
        display_name: r.get(6)?,
        name: r.get(7)?,
        header: r.get(8)?,
        purpose: r.get(9)?,
        last_post_at: r.get(10)?,
        last_root_post_at: r.get(11)?,
        total_msg_count: r.get(12)?,
        total_msg_count_root: r.get(13)?,
        creator_id: r.get(14)?,
        ..Default::default()
    })
}

pub fn insert(c: &Conn, ch: &Channel) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO channels ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    ))?
    .execute(params![
        ch.id,
        ch.create_at,
        ch.update_at,
        ch.delete_at,
        ch.team_id,
        ch.kind,
        ch.display_name,
        ch.name,
        ch.header,
        ch.purpose,
        ch.last_post_at,
        ch.last_root_post_at,
        ch.total_msg_count,
        ch.total_msg_count_root,
        ch.creator_id
    ])?;
    Ok(())
}

pub fn find(c: &Conn, id: &str) -> Result<Option<Channel>> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM channels WHERE id = ?1"))?
            .query_row([id], from_row),
    )
}

/// By team and name; DM/GM channels are found with `team_id` `""`.
pub fn find_by_name(c: &Conn, team_id: &str, name: &str) -> Result<Option<Channel>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM channels WHERE (team_id = ?1 OR team_id = '') AND name = ?2 \
             ORDER BY team_id DESC LIMIT 1"
        ))?
        .query_row(params![team_id, name], from_row),
    )
}

pub fn list_public(c: &Conn, team_id: &str, page: i64, per_page: i64) -> Result<Vec<Channel>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM channels WHERE team_id = ?1 AND type = 'O' AND delete_at = 0 \
         ORDER BY display_name, id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![team_id, per_page, page * per_page], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The user's channels in a team, plus their DM/GM channels; archived ones too when
/// `archived` is true.
pub fn list_for_member(
    c: &Conn,
    user_id: &str,
    team_id: &str,
    archived: bool,
) -> Result<Vec<Channel>> {
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.create_at, c.update_at, c.delete_at, c.team_id, c.type, c.display_name, \
         c.name, c.header, c.purpose, c.last_post_at, c.last_root_post_at, c.total_msg_count, \
         c.total_msg_count_root, c.creator_id FROM channels c \
         JOIN channel_members m ON m.channel_id = c.id \
         WHERE m.user_id = ?1 AND (c.team_id = ?2 OR c.team_id = '') AND (?3 OR c.delete_at = 0) \
         ORDER BY c.display_name, c.id",
    )?;
    let rows = stmt.query_map(params![user_id, team_id, archived], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn count_in_team(c: &Conn, team_id: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM channels WHERE team_id = ?1 AND delete_at = 0",
        [team_id],
        |r| r.get(0),
    )?)
}

pub fn update_delete_at(c: &Conn, id: &str, delete_at: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE channels SET delete_at = ?2, update_at = ?2 WHERE id = ?1")?
            .execute(params![id, delete_at])?,
    )
}

/// Sets a channel's type (`O` or `P`): its privacy.
pub fn update_type(c: &Conn, id: &str, kind: &str, at: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("UPDATE channels SET type = ?2, update_at = ?3 WHERE id = ?1")?
            .execute(params![id, kind, at])?,
    )
}

/// Updates display name, name, header and purpose.
pub fn update(c: &Conn, ch: &Channel) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE channels SET display_name = ?2, name = ?3, header = ?4, purpose = ?5, update_at = ?6 WHERE id = ?1",
    )?
    .execute(params![ch.id, ch.display_name, ch.name, ch.header, ch.purpose, ch.update_at])?)
}

/// Records a new post in the channel's counters (at once, or at the end of the writer's batch:
/// `defer_bumps`).
pub fn bump_for_post(c: &Conn, id: &str, at: i64, is_root: bool) -> Result<()> {
    let bump = Bump {
        posts: 1,
        roots: i64::from(is_root),
        last: at,
        last_root: if is_root { at } else { 0 },
    };
    // Some(bump) back when nothing is deferring: write it now.
    let now = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(pending) => {
            match pending.get_mut(id) {
                Some(owed) => owed.add(&bump),
                None => {
                    pending.insert(id.to_string(), bump);
                }
            }
            None
        }
        None => Some(bump),
    });
    match now {
        Some(bump) => apply_bump(c, id, &bump),
        None => Ok(()),
    }
}

/// Post counters of one channel, summed over several posts.
#[derive(Default)]
struct Bump {
    posts: i64,
    roots: i64,
    last: i64,
    /// 0 when no root post was counted.
    last_root: i64,
}

impl Bump {
    fn add(&mut self, b: &Bump) {
        self.posts += b.posts;
        self.roots += b.roots;
        self.last = self.last.max(b.last);
        self.last_root = self.last_root.max(b.last_root);
    }
}

thread_local! {
    /// While the writer defers them (`defer_bumps`), the post counters owed per channel.
    static DEFERRED: std::cell::RefCell<Option<std::collections::HashMap<String, Bump>>> =
        const { std::cell::RefCell::new(None) };
}

fn apply_bump(c: &Conn, id: &str, b: &Bump) -> Result<()> {
    // The post counters change with every post; cached channels (`cache.rs`) ignore them.
    let mut stmt = c.prepare_cached(
        "UPDATE channels SET last_post_at = MAX(last_post_at, ?2), total_msg_count = total_msg_count + ?3, \
         last_root_post_at = MAX(last_root_post_at, ?4), total_msg_count_root = total_msg_count_root + ?5 \
         WHERE id = ?1",
    )?;
    super::unwatched(|| stmt.execute(params![id, b.last, b.posts, b.last_root, b.roots]))?;
    Ok(())
}

/// Runs `f` with this thread's channel post counters deferred, then writes what they owe, one
/// UPDATE per channel instead of one per post (the writer, for a batch of posts), or drops
/// them if `f` says its writes are to be rolled back (returns false).
pub(super) fn defer_bumps(c: &Conn, f: impl FnOnce() -> bool) -> Result<bool> {
    /// Ends the deferral however `f` ends.
    struct End;
    impl Drop for End {
        fn drop(&mut self) {
            DEFERRED.with(|d| d.borrow_mut().take());
        }
    }
    DEFERRED.with(|d| *d.borrow_mut() = Some(std::collections::HashMap::new()));
    let end = End;
    let ok = f();
    let pending = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
    drop(end);
    if ok {
        for (id, bump) in &pending {
            apply_bump(c, id, bump)?;
        }
    }
    Ok(ok)
}

pub fn upsert_member(c: &Conn, m: &ChannelMember) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO channel_members (channel_id, user_id, roles, last_viewed_at, msg_count, notify_props, last_update_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (channel_id, user_id) DO UPDATE SET roles = excluded.roles, last_update_at = excluded.last_update_at",
    )?
    .execute(params![
        m.channel_id,
        m.user_id,
        m.roles,
        m.last_viewed_at,
        m.msg_count,
        m.notify_props.to_string(),
        m.last_update_at
    ])?;
    Ok(())
}

pub(super) fn member_from_row(r: &Row) -> rusqlite::Result<ChannelMember> {
    let notify: String = r.get(3)?;
    let mut m = ChannelMember::new(
        &r.get::<_, String>(0)?,
        &r.get::<_, String>(1)?,
        &r.get::<_, String>(2)?,
        serde_json::from_str(&notify).unwrap_or(serde_json::Value::Null),
    );
    m.last_viewed_at = r.get(4)?;
    m.msg_count = r.get(5)?;
    m.last_update_at = r.get(6)?;
    m.mention_count = r.get(7)?;
    m.mention_count_root = r.get(8)?;
    Ok(m)
}

pub(super) const MCOLS: &str = "channel_id, user_id, roles, notify_props, last_viewed_at, \
     msg_count, last_update_at, mention_count, mention_count_root";

/// Counts a new post's mentions on the members it mentions (`model::mention`): every other
/// member in a direct or group message or for `@channel`/`@all`/`@here`, else the members whose
/// usernames are written. The author counts only for a webhook's post.
pub fn count_mentions(c: &Conn, p: &crate::model::post::Post) -> Result<()> {
    use crate::model::mention;
    let written = mention::written(&p.message);
    let from_webhook = p.props.get("from_webhook").and_then(|v| v.as_str()) == Some("true");
    let author = if from_webhook { "" } else { p.user_id.as_str() };
    let root = i64::from(p.root_id.is_empty());
    let everyone = written.everyone || {
        let kind: Option<String> = optional(
            c.prepare_cached("SELECT type FROM channels WHERE id = ?1")?
                .query_row([&p.channel_id], |r| r.get(0)),
        )?;
        kind.is_some_and(|k| mention::mentions_everyone_by_kind(&k))
    };
    if everyone {
        c.prepare_cached(
            "UPDATE channel_members SET mention_count = mention_count + 1, \
             mention_count_root = mention_count_root + ?3 WHERE channel_id = ?1 AND user_id != ?2",
        )?
        .execute(params![p.channel_id, author, root])?;
        return Ok(());
    }
    let mut stmt = c.prepare_cached(
        "UPDATE channel_members SET mention_count = mention_count + 1, \
         mention_count_root = mention_count_root + ?4 \
         WHERE channel_id = ?1 AND user_id != ?2 \
         AND user_id = (SELECT id FROM users WHERE username = ?3)",
    )?;
    for name in &written.names {
        stmt.execute(params![p.channel_id, author, name, root])?;
    }
    Ok(())
}

pub fn find_member(c: &Conn, channel_id: &str, user_id: &str) -> Result<Option<ChannelMember>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {MCOLS} FROM channel_members WHERE channel_id = ?1 AND user_id = ?2"
        ))?
        .query_row(params![channel_id, user_id], member_from_row),
    )
}

pub fn list_members(
    c: &Conn,
    channel_id: &str,
    page: i64,
    per_page: i64,
) -> Result<Vec<ChannelMember>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {MCOLS} FROM channel_members WHERE channel_id = ?1 ORDER BY user_id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![channel_id, per_page, page * per_page],
        member_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn delete_member(c: &Conn, channel_id: &str, user_id: &str) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM channel_members WHERE channel_id = ?1 AND user_id = ?2")?
            .execute(params![channel_id, user_id])?,
    )
}

/// Removes a user from every channel of a team (when they leave the team).
pub fn delete_member_in_team(c: &Conn, team_id: &str, user_id: &str) -> Result<usize> {
    Ok(c.prepare_cached(
        "DELETE FROM channel_members WHERE user_id = ?2 AND channel_id IN (SELECT id FROM channels WHERE team_id = ?1)",
    )?
    .execute(params![team_id, user_id])?)
}

pub fn mark_viewed(c: &Conn, channel_id: &str, user_id: &str, now: i64) -> Result<()> {
    c.prepare_cached(
        "UPDATE channel_members SET last_viewed_at = ?3, msg_count = (SELECT total_msg_count FROM channels WHERE id = ?1), \
         mention_count = 0, mention_count_root = 0 \
         WHERE channel_id = ?1 AND user_id = ?2",
    )?
    .execute(params![channel_id, user_id, now])?;
    Ok(())
}

/// Replaces a membership's notify props (e.g. `/mute`).
pub fn update_member_notify_props(
    c: &Conn,
    channel_id: &str,
    user_id: &str,
    notify_props: &serde_json::Value,
    now: i64,
) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE channel_members SET notify_props = ?3, last_update_at = ?4 \
         WHERE channel_id = ?1 AND user_id = ?2",
    )?
    .execute(params![channel_id, user_id, notify_props.to_string(), now])?)
}

/// A team's public channels, archived ones too when `archived` is true, by display name (case
/// ignored)
/// (the candidates of a channel search; `MaxChannelsPerTeam` bounds them).
pub fn list_public_all(c: &Conn, team_id: &str, archived: bool) -> Result<Vec<Channel>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM channels WHERE team_id = ?1 AND type = 'O' AND (?2 OR delete_at = 0) \
         ORDER BY display_name COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map(params![team_id, archived], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A page of a team's archived channels a user may see: the public ones and the private ones
/// they are a member of, by display name (case ignored).
pub fn list_archived(
    c: &Conn,
    team_id: &str,
    user_id: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<Channel>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM channels WHERE team_id = ?1 AND delete_at != 0 AND (type = 'O' \
         OR (type = 'P' AND id IN (SELECT channel_id FROM channel_members WHERE user_id = ?2))) \
         ORDER BY display_name COLLATE NOCASE, id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(params![team_id, user_id, limit, offset], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Restores an archived channel (`delete_at` back to 0); 0 when it was not archived.
pub fn restore(c: &Conn, id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE channels SET delete_at = 0, update_at = ?2 WHERE id = ?1 AND delete_at != 0",
    )?
    .execute(params![id, now])?)
}

/// The group channels a user is a member of, each with its members' usernames joined by
/// `", "` in username order (what a group-message search matches).
pub fn list_groups_with_usernames(c: &Conn, user_id: &str) -> Result<Vec<(Channel, String)>> {
    let cols: String = COLS
        .split(", ")
        .map(|col| format!("c.{}", col.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {cols}, (SELECT group_concat(username, ', ') FROM (SELECT u.username FROM \
         channel_members m2 JOIN users u ON u.id = m2.user_id WHERE m2.channel_id = c.id \
         ORDER BY u.username)) FROM channels c JOIN channel_members m ON m.channel_id = c.id \
         WHERE m.user_id = ?1 AND c.type = 'G' ORDER BY c.display_name, c.id"
    ))?;
    let rows = stmt.query_map([user_id], |r| {
        Ok((
            from_row(r)?,
            r.get::<_, Option<String>>(15)?.unwrap_or_default(),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Replaces a membership's notify props and returns the membership, or `None` when the user
/// is not a member.
pub fn set_member_notify_props(
    c: &Conn,
    channel_id: &str,
    user_id: &str,
    notify_props: &serde_json::Value,
    now: i64,
) -> Result<Option<ChannelMember>> {
    if update_member_notify_props(c, channel_id, user_id, notify_props, now)? == 0 {
        return Ok(None);
    }
    find_member(c, channel_id, user_id)
}

/// A member's counts after marking a channel unread from a post (Mattermost's ChannelUnreadAt).
#[derive(Debug, Default, PartialEq)]
pub struct UnreadFrom {
    pub last_viewed_at: i64,
    pub msg_count: i64,
    pub mention_count: i64,
    pub mention_count_root: i64,
    /// The member's notification settings (ChannelUnreadAt carries them).
    pub notify_props: serde_json::Value,
}

/// Marks `channel_id` unread for the user from the post made at `from` on: seen up to just
/// before it, its live posts and those after it unread, their mentions of the user counted
/// as `count_mentions` counts them. `None` if the user is not a member.
pub fn mark_unread_from(
    c: &Conn,
    channel_id: &str,
    user_id: &str,
    username: &str,
    from: i64,
) -> Result<Option<UnreadFrom>> {
    use crate::model::mention;
    let Some(member) = find_member(c, channel_id, user_id)? else {
        return Ok(None);
    };
    let kind: String = c
        .prepare_cached("SELECT type FROM channels WHERE id = ?1")?
        .query_row([channel_id], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(
        "SELECT user_id, message, root_id, props FROM posts \
         WHERE channel_id = ?1 AND create_at >= ?2 AND delete_at = 0",
    )?;
    let rows = stmt.query_map(params![channel_id, from], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = UnreadFrom {
        last_viewed_at: from - 1,
        notify_props: member.notify_props,
        ..Default::default()
    };
    let mut unread = 0;
    for row in rows {
        let (author, message, root, props) = row?;
        unread += 1;
        let from_webhook = super::json_map(&props)
            .get("from_webhook")
            .and_then(|v| v.as_str())
            == Some("true");
        if author == user_id && !from_webhook {
            continue;
        }
        let written = mention::written(&message);
        if mention::mentions_everyone_by_kind(&kind)
            || written.everyone
            || written.names.iter().any(|n| n == username)
        {
            out.mention_count += 1;
            out.mention_count_root += i64::from(root.is_empty());
        }
    }
    c.prepare_cached(
        "UPDATE channel_members SET last_viewed_at = ?3, \
         msg_count = MAX((SELECT total_msg_count FROM channels WHERE id = ?1) - ?4, 0), \
         mention_count = ?5, mention_count_root = ?6 WHERE channel_id = ?1 AND user_id = ?2",
    )?
    .execute(params![
        channel_id,
        user_id,
        out.last_viewed_at,
        unread,
        out.mention_count,
        out.mention_count_root
    ])?;
    out.msg_count = c
        .prepare_cached(
            "SELECT msg_count FROM channel_members WHERE channel_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![channel_id, user_id], |r| r.get(0))?;
    Ok(Some(out))
}
