//! Uploaded files' rows (`file_info`) and server-wide values (`systems`).

use super::Conn;
use super::{optional, Result};
use crate::model::file_info::FileInfo;
use rusqlite::{params, Row};

macro_rules! cols {
    () => {
        "id, creator_id, post_id, channel_id, create_at, update_at, delete_at, path, \
         thumbnail_path, preview_path, name, extension, size, mime_type, width, height, \
         has_preview_image, mini_preview"
    };
}

/// The columns `from_row` reads, for queries written elsewhere in `store/`.
pub(super) const COLS: &str = cols!();

pub(super) fn from_row(r: &Row) -> rusqlite::Result<FileInfo> {
    Ok(FileInfo {
        id: r.get(0)?,
        creator_id: r.get(1)?,
        post_id: r.get(2)?,
        channel_id: r.get(3)?,
        create_at: r.get(4)?,
        update_at: r.get(5)?,
        delete_at: r.get(6)?,
        path: r.get(7)?,
        thumbnail_path: r.get(8)?,
        preview_path: r.get(9)?,
        name: r.get(10)?,
        extension: r.get(11)?,
        size: r.get(12)?,
        mime_type: r.get(13)?,
        width: r.get(14)?,
        height: r.get(15)?,
        has_preview_image: r.get(16)?,
        mini_preview: r.get(17)?,
        remote_id: String::new(),
        archived: false,
    })
}

/// Inserts a new file's row; `images_pending` marks an image whose thumbnail and preview are
/// still to be made.
pub fn insert(c: &Conn, f: &FileInfo, images_pending: bool) -> Result<()> {
    c.prepare_cached(concat!(
        "INSERT INTO file_info (",
        cols!(),
        ", images_pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
         ?15, ?16, ?17, ?18, ?19)"
    ))?
    .execute(params![
        f.id,
        f.creator_id,
        f.post_id,
        f.channel_id,
        f.create_at,
        f.update_at,
        f.delete_at,
        f.path,
        f.thumbnail_path,
        f.preview_path,
        f.name,
        f.extension,
        f.size,
        f.mime_type,
        f.width,
        f.height,
        f.has_preview_image,
        f.mini_preview,
        images_pending
    ])?;
    Ok(())
}

/// A live (not deleted) file.
pub fn find(c: &Conn, id: &str) -> Result<Option<FileInfo>> {
    optional(
        c.prepare_cached(concat!(
            "SELECT ",
            cols!(),
            " FROM file_info WHERE id = ?1 AND delete_at = 0"
        ))?
        .query_row([id], from_row),
    )
}

/// Whether a row exists for this id, deleted or not (the orphan sweep's question).
pub fn exists(c: &Conn, id: &str) -> Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM file_info WHERE id = ?1")?
        .exists([id])?)
}

/// The files of a post, oldest first (`include_deleted` for admins).
/// A post's live files, oldest first.
pub(super) const LIVE_FOR_POST: &str = concat!(
    "SELECT ",
    cols!(),
    " FROM file_info WHERE post_id = ?1 AND delete_at = 0 ORDER BY create_at, id"
);

pub fn for_post(c: &Conn, post_id: &str, include_deleted: bool) -> Result<Vec<FileInfo>> {
    let sql = if include_deleted {
        concat!(
            "SELECT ",
            cols!(),
            " FROM file_info WHERE post_id = ?1 ORDER BY create_at, id"
        )
    } else {
        LIVE_FOR_POST
    };
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map([post_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Live files by id (any order; unknown ids are left out).
pub fn by_ids(c: &Conn, ids: &[String]) -> Result<Vec<FileInfo>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(f) = find(c, id)? {
            out.push(f);
        }
    }
    Ok(out)
}

/// Attaches a file to a post if it is `creator`'s, unattached, live and in `channel_id`;
/// false if it is not (another user's, already attached, deleted, or uploaded elsewhere).
pub fn attach(
    c: &Conn,
    id: &str,
    post_id: &str,
    channel_id: &str,
    creators: &[&str],
    now: i64,
) -> Result<bool> {
    let mut stmt = c.prepare_cached(
        "UPDATE file_info SET post_id = ?2, update_at = ?4 WHERE id = ?1 AND post_id = '' \
         AND delete_at = 0 AND channel_id = ?3 AND creator_id = ?5",
    )?;
    for creator in creators {
        if stmt.execute(params![id, post_id, channel_id, now, creator])? == 1 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Soft-deletes the files of a post and of its replies (a deleted root takes its thread).
pub fn delete_for_thread(c: &Conn, post_id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE file_info SET delete_at = ?2, update_at = ?2 WHERE delete_at = 0 AND post_id IN \
         (SELECT id FROM posts WHERE id = ?1 OR root_id = ?1)",
    )?
    .execute(params![post_id, now])?)
}

/// Soft-deletes some files of one post (an edit that dropped them).
pub fn delete_from_post(c: &Conn, post_id: &str, ids: &[String], now: i64) -> Result<()> {
    let mut stmt = c.prepare_cached(
        "UPDATE file_info SET delete_at = ?3, update_at = ?3 WHERE id = ?1 AND post_id = ?2",
    )?;
    for id in ids {
        stmt.execute(params![id, post_id, now])?;
    }
    Ok(())
}

/// Files whose thumbnail and preview are still to be made, oldest first.
pub fn images_pending(c: &Conn, limit: i64) -> Result<Vec<FileInfo>> {
    let mut stmt = c.prepare_cached(concat!(
        "SELECT ",
        cols!(),
        " FROM file_info WHERE images_pending = 1 ORDER BY create_at LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records that a file's images are done (with its mini preview, if one was made), or that
/// they cannot be made (`has_preview_image` off).
pub fn images_done(
    c: &Conn,
    id: &str,
    mini_preview: Option<&[u8]>,
    has_preview: bool,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE file_info SET images_pending = 0, mini_preview = ?2, \
         has_preview_image = has_preview_image AND ?3 WHERE id = ?1",
    )?
    .execute(params![id, mini_preview, has_preview])?;
    Ok(())
}

/// A server-wide value (`systems`).
pub fn system_value(c: &Conn, name: &str) -> Result<Option<String>> {
    optional(
        c.prepare_cached("SELECT value FROM systems WHERE name = ?1")?
            .query_row([name], |r| r.get(0)),
    )
}
