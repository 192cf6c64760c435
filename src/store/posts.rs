//! Posts, threads and channel post lists.

use super::Conn;
use super::{json_map, optional, Result};
use crate::model::post::Post;
use rusqlite::{params, Row};

/// The columns `from_row` reads, in its order (a macro, so each statement is one literal and
/// nothing is formatted per call).
macro_rules! cols {
    () => {
        "id, create_at, update_at, edit_at, delete_at, is_pinned, user_id, channel_id, root_id, \
         original_id, message, type, props, hashtags, file_ids, pending_post_id, reply_count, \
         last_reply_at"
    };
}

/// The columns `from_row` reads, for queries written elsewhere in `store/`.
pub(super) const COLS: &str = cols!();

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Post> {
    let mut post = Post {
        id: r.get(0)?,
        create_at: r.get(1)?,
        update_at: r.get(2)?,
        edit_at: r.get(3)?,
        delete_at: r.get(4)?,
        is_pinned: r.get(5)?,
        user_id: r.get(6)?,
        channel_id: r.get(7)?,
        root_id: r.get(8)?,
        original_id: r.get(9)?,
        message: r.get(10)?,
        kind: r.get(11)?,
        props: json_map(&r.get::<_, String>(12)?),
        hashtags: r.get(13)?,
        file_ids: serde_json::from_str(&r.get::<_, String>(14)?).unwrap_or_default(),
        pending_post_id: r.get(15)?,
        reply_count: r.get(16)?,
        last_reply_at: r.get(17)?,
        ..Default::default()
    };
    post.add_embeds();
    Ok(post)
}

/// Inserts a post and keeps the channel counters and the thread root's reply count current.
pub fn insert(c: &Conn, p: &Post) -> Result<()> {
    c.prepare_cached(concat!("INSERT INTO posts (", cols!(), ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"))?
    .execute(params![
        p.id,
        p.create_at,
        p.update_at,
        p.edit_at,
        p.delete_at,
        p.is_pinned,
        p.user_id,
        p.channel_id,
        p.root_id,
        p.original_id,
        p.message,
        p.kind,
        serde_json::to_string(&p.props).unwrap_or_else(|_| "{}".into()),
        p.hashtags,
        file_ids_json(&p.file_ids),
        p.pending_post_id,
        p.reply_count,
        p.last_reply_at
    ])?;
    if !p.root_id.is_empty() {
        c.prepare_cached(
            "UPDATE posts SET reply_count = reply_count + 1, last_reply_at = ?2 WHERE id = ?1",
        )?
        .execute(params![p.root_id, p.create_at])?;
    }
    super::channels::bump_for_post(c, &p.channel_id, p.create_at, p.root_id.is_empty())?;
    super::channels::count_mentions(c, p)
}

/// `file_ids` as stored: a JSON array (most posts have none: no allocation then).
fn file_ids_json(ids: &[String]) -> std::borrow::Cow<'static, str> {
    if ids.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(ids)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

pub fn find(c: &Conn, id: &str) -> Result<Option<Post>> {
    optional(
        c.prepare_cached(concat!("SELECT ", cols!(), " FROM posts WHERE id = ?1"))?
            .query_row([id], from_row),
    )
}

/// A recent post by the same user with the same `pending_post_id` (client retry de-duplication).
pub fn find_pending(c: &Conn, user_id: &str, pending_id: &str, since: i64) -> Result<Option<Post>> {
    optional(
        c.prepare_cached(concat!(
            "SELECT ",
            cols!(),
            " FROM posts WHERE user_id = ?1 AND pending_post_id = ?2 AND create_at > ?3 LIMIT 1"
        ))?
        .query_row(params![user_id, pending_id, since], from_row),
    )
}

/// A page of a channel's posts, newest first.
pub fn list_for_channel(c: &Conn, channel_id: &str, offset: i64, limit: i64) -> Result<Vec<Post>> {
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM posts WHERE channel_id = ?1 AND delete_at = 0 \
         ORDER BY create_at DESC, id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![channel_id, limit, offset], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Posts created strictly before (`older = true`) or after a given time, nearest first.
pub fn list_around(
    c: &Conn,
    channel_id: &str,
    at: i64,
    older: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<Post>> {
    let sql = if older {
        concat!("SELECT ", cols!(), " FROM posts WHERE channel_id = ?1 AND delete_at = 0 AND create_at < ?2 ORDER BY create_at DESC, id DESC LIMIT ?3 OFFSET ?4")
    } else {
        concat!("SELECT ", cols!(), " FROM posts WHERE channel_id = ?1 AND delete_at = 0 AND create_at > ?2 ORDER BY create_at ASC, id ASC LIMIT ?3 OFFSET ?4")
    };
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(params![channel_id, at, limit, offset], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every post changed after `since` (created, edited or deleted), at most 1000.
pub fn list_since(c: &Conn, channel_id: &str, since: i64) -> Result<Vec<Post>> {
    // Changed after `since`: never-changed posts (update_at = create_at) made after it, off
    // the channel index, and changed ones off the partial update_at index (migration 7).
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM posts WHERE channel_id = ?1 AND create_at > ?2 AND update_at = create_at \
         UNION ALL SELECT ",
        cols!(),
        " FROM posts WHERE channel_id = ?1 AND update_at > ?2 AND update_at != create_at \
         ORDER BY create_at DESC LIMIT 1000"
    ))?;
    let rows = stmt.query_map(params![channel_id, since], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Which rows are a thread (`?1` its root). `root_id != ''` lets SQLite use the partial index
/// on replies' root_id beside the primary key; without it, every thread read scanned the whole
/// table (about 0.1 s per call at a million posts).
macro_rules! thread_rows {
    () => {
        "(id = ?1 OR (root_id = ?1 AND root_id != '')) AND delete_at = 0"
    };
}

/// The root and every live reply of a thread, oldest first.
pub fn list_thread(c: &Conn, root_id: &str) -> Result<Vec<Post>> {
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM posts WHERE ",
        thread_rows!(),
        " ORDER BY create_at ASC"
    ))?;
    let rows = stmt.query_map([root_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Writes back message, props, pinned state, file ids and times.
pub fn update(c: &Conn, p: &Post) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE posts SET message = ?2, props = ?3, is_pinned = ?4, file_ids = ?5, update_at = ?6, \
         edit_at = ?7, hashtags = ?8 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        p.message,
        serde_json::to_string(&p.props).unwrap_or_else(|_| "{}".into()),
        p.is_pinned,
        file_ids_json(&p.file_ids),
        p.update_at,
        p.edit_at,
        p.hashtags
    ])?)
}

/// Soft-deletes a post and, if it is a root, its replies.
pub fn delete(c: &Conn, id: &str, now: i64) -> Result<usize> {
    let n = c
        .prepare_cached(concat!(
            "UPDATE posts SET delete_at = ?2, update_at = ?2 WHERE ",
            thread_rows!()
        ))?
        .execute(params![id, now])?;
    Ok(n)
}

/// Pinned live posts in a channel.
pub fn count_pinned(c: &Conn, channel_id: &str) -> Result<i64> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM posts INDEXED BY posts_pinned \
         WHERE channel_id = ?1 AND is_pinned = 1 AND delete_at = 0",
    )?
    .query_row([channel_id], |r| r.get(0))?)
}

/// A channel's pinned live posts, oldest first (Mattermost's order; clients reverse it).
pub fn list_pinned(c: &Conn, channel_id: &str) -> Result<Vec<Post>> {
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM posts INDEXED BY posts_pinned WHERE channel_id = ?1 AND is_pinned = 1 \
         AND delete_at = 0 ORDER BY create_at ASC, id ASC"
    ))?;
    let rows = stmt.query_map([channel_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Which of a user's saved posts to list: all, one team's (with the user's direct and group
/// messages), or one channel's.
pub enum SavedIn<'a> {
    All,
    Team(&'a str),
    Channel(&'a str),
}

/// A page of the live posts a user saved (`flagged_post` preferences) in channels they are
/// still a member of, newest first.
pub fn list_saved(
    c: &Conn,
    user_id: &str,
    scope: SavedIn,
    offset: i64,
    limit: i64,
) -> Result<Vec<Post>> {
    let (team, channel) = match scope {
        SavedIn::All => ("", ""),
        SavedIn::Team(t) => (t, ""),
        SavedIn::Channel(ch) => ("", ch),
    };
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM posts WHERE id IN (SELECT name FROM preferences \
         WHERE user_id = ?1 AND category = 'flagged_post') AND delete_at = 0 \
         AND channel_id IN (SELECT m.channel_id FROM channel_members m \
           JOIN channels ch ON ch.id = m.channel_id WHERE m.user_id = ?1 \
           AND (?2 = '' OR ch.team_id = ?2 OR ch.team_id = '')) \
         AND (?3 = '' OR channel_id = ?3) \
         ORDER BY create_at DESC, id DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt.query_map(params![user_id, team, channel, limit, offset], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    /// A channel's pinned posts are read off their partial index (migration 14), not by
    /// walking the channel's posts (the planner, left alone, walked the channel's index for
    /// the list's order; `list_pinned` and `count_pinned` name the index).
    #[test]
    fn pinned_queries_use_their_index() {
        let c = super::Conn::in_memory();
        for sql in [
            "SELECT id FROM posts INDEXED BY posts_pinned WHERE channel_id = 'c' \
             AND is_pinned = 1 AND delete_at = 0 ORDER BY create_at ASC, id ASC",
            "SELECT COUNT(*) FROM posts INDEXED BY posts_pinned WHERE channel_id = 'c' \
             AND is_pinned = 1 AND delete_at = 0",
        ] {
            let plan = c.query_plan(sql);
            assert!(
                plan.iter().any(|p| p.contains("posts_pinned")),
                "{sql}: {plan:?}"
            );
        }
    }

    /// Reading or deleting a thread searches two indexes (the primary key and replies' root_id),
    /// never the whole table.
    #[test]
    fn thread_queries_use_indexes() {
        let c = super::Conn::in_memory();
        let where_clause = thread_rows!().replace("?1", "'r'");
        for sql in [
            format!("SELECT id FROM posts WHERE {where_clause} ORDER BY create_at ASC"),
            format!("UPDATE posts SET delete_at = 1 WHERE {where_clause}"),
        ] {
            let plan = c.query_plan(&sql);
            assert!(
                plan.iter().all(|p| !p.starts_with("SCAN posts")),
                "{sql}: {plan:?}"
            );
            assert!(plan.iter().any(|p| p.contains("posts_root")), "{plan:?}");
        }
    }
}
