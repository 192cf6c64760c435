//! Post and file search (Mattermost's `SearchPostsForUser` and `SearchFileInfos`): posts through
//! the `posts_fts` full-text index (schema 13; `index_pending` brings new posts into it),
//! hashtags through the posts' `hashtags` column, file names with LIKE; always only in the
//! searcher's channels of one team (and their direct and group messages), newest first.

use super::Conn;
use super::Result;
use crate::model::file_info::FileInfo;
use crate::model::post::Post;
use rusqlite::types::Value;

/// Whose channels a search looks in.
pub struct Scope<'a> {
    pub user_id: &'a str,
    /// `None`: every team of the user's (the all-teams search recent mentions use).
    pub team_id: Option<&'a str>,
    /// Archived channels too (the web app's `include_deleted_channels`).
    pub include_archived: bool,
}

/// What a search matches, resolved to ids by the caller. Empty lists do not filter; `channels`
/// and `users` are `None` when not asked for (`Some(&[])` then matches nothing).
#[derive(Default)]
pub struct Filter<'a> {
    pub channels: Option<&'a [String]>,
    pub excluded_channels: &'a [String],
    pub users: Option<&'a [String]>,
    pub excluded_users: &'a [String],
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub excluded_ranges: &'a [(i64, i64)],
}

/// The words of a post search: an FTS5 query and hashtags (`#tag`, lower case). A post matches
/// the words or the hashtags (Mattermost runs the two searches and merges them); `or` joins
/// hashtags with OR instead of AND, as it joins the words.
#[derive(Default)]
pub struct Terms<'a> {
    pub fts: Option<&'a str>,
    pub hashtags: &'a [String],
    pub excluded_fts: Option<&'a str>,
    pub excluded_hashtags: &'a [String],
    pub or: bool,
}

/// A WHERE clause being built, with its parameters.
struct Sql {
    text: String,
    args: Vec<Value>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn arg(&mut self, v: impl Into<Value>) {
        self.args.push(v.into());
        self.text.push('?');
    }

    /// ` AND col [NOT] IN (?, …)`
    fn in_list(&mut self, col: &str, not: bool, ids: &[String]) {
        self.push(&format!(" AND {col} {}IN (", if not { "NOT " } else { "" }));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.arg(id.clone());
        }
        self.push(")");
    }

    /// The scope and filter, on a table aliased `t` with `channel_id`, `create_at` and a user
    /// column.
    fn scope_and_filter(&mut self, scope: &Scope, f: &Filter, user_col: &str) {
        self.push(
            " AND t.channel_id IN (SELECT c.id FROM channels c JOIN channel_members m \
             ON m.channel_id = c.id AND m.user_id = ",
        );
        self.arg(scope.user_id.to_string());
        self.push(" WHERE 1");
        if let Some(team) = scope.team_id {
            self.push(" AND (c.team_id = ");
            self.arg(team.to_string());
            self.push(" OR c.team_id = '')");
        }
        if !scope.include_archived {
            self.push(" AND c.delete_at = 0");
        }
        self.push(")");
        if let Some(ids) = f.channels {
            self.in_list("t.channel_id", false, ids);
        }
        if !f.excluded_channels.is_empty() {
            self.in_list("t.channel_id", true, f.excluded_channels);
        }
        if let Some(ids) = f.users {
            self.in_list(&format!("t.{user_col}"), false, ids);
        }
        if !f.excluded_users.is_empty() {
            self.in_list(&format!("t.{user_col}"), true, f.excluded_users);
        }
        if let Some(s) = f.since {
            self.push(" AND t.create_at >= ");
            self.arg(s);
        }
        if let Some(u) = f.until {
            self.push(" AND t.create_at <= ");
            self.arg(u);
        }
        for &(lo, hi) in f.excluded_ranges {
            self.push(" AND t.create_at NOT BETWEEN ");
            self.arg(lo);
            self.push(" AND ");
            self.arg(hi);
        }
    }

    /// Runs the query, newest first (`t.create_at`, then `t.id`): `limit` rows from `offset`.
    fn newest<T>(
        mut self,
        c: &Conn,
        offset: i64,
        limit: i64,
        from_row: fn(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.push(" ORDER BY t.create_at DESC, t.id DESC LIMIT ");
        self.arg(limit);
        self.push(" OFFSET ");
        self.arg(offset);
        let mut stmt = c.prepare(&self.text)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(self.args), from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// `(tag1 AND|OR tag2 …)` against the space-separated `hashtags` column.
    fn hashtags(&mut self, tags: &[String], or: bool) {
        self.push("(");
        for (i, tag) in tags.iter().enumerate() {
            if i > 0 {
                self.push(if or { " OR " } else { " AND " });
            }
            self.push("instr(' ' || lower(t.hashtags) || ' ', ");
            self.arg(format!(" {tag} "));
            self.push(") > 0");
        }
        self.push(")");
    }
}

/// Posts indexed per batch (one write each): about a tenth of a second of the writer.
pub const INDEX_BATCH: i64 = 5000;

/// Indexes up to `limit` posts not yet in `posts_fts` (those above the high-water rowid), in
/// rowid order; returns how many. Run inside a write.
pub fn index_pending(c: &Conn, limit: i64) -> Result<usize> {
    let hw: i64 = c
        .prepare_cached("SELECT hw FROM posts_fts_state")?
        .query_row([], |r| r.get(0))?;
    let top: Option<i64> = c
        .prepare_cached(
            "SELECT max(rowid) FROM (SELECT rowid FROM posts WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)",
        )?
        .query_row(rusqlite::params![hw, limit], |r| r.get(0))?;
    let Some(top) = top else {
        return Ok(0);
    };
    let n = c
        .prepare_cached(
            "INSERT INTO posts_fts (rowid, message) \
             SELECT rowid, message FROM posts WHERE rowid > ?1 AND rowid <= ?2",
        )?
        .execute(rusqlite::params![hw, top])?;
    c.prepare_cached("UPDATE posts_fts_state SET hw = ?1")?
        .execute([top])?;
    Ok(n)
}

/// Whether some post is not indexed yet (a cheap check before asking for a write).
pub fn has_pending(c: &Conn) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM posts WHERE rowid > (SELECT hw FROM posts_fts_state))",
    )?
    .query_row([], |r| r.get(0))?)
}

/// The ids of the user's channels called `name` (in `team_id` when given).
pub fn member_channels_named(
    c: &Conn,
    user_id: &str,
    team_id: Option<&str>,
    name: &str,
) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT c.id FROM channels c JOIN channel_members m ON m.channel_id = c.id \
         WHERE m.user_id = ?1 AND c.name = ?2 AND (?3 IS NULL OR c.team_id = ?3)",
    )?;
    let rows = stmt.query_map(rusqlite::params![user_id, name, team_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Posts matching `terms` and `f` in `scope`, newest first: `limit` of them from `offset`.
/// System messages and deleted posts are never found.
pub fn posts(
    c: &Conn,
    scope: &Scope,
    terms: &Terms,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Post>> {
    let mut q =
        Sql::new(&format!(
        "SELECT {} FROM posts t WHERE t.delete_at = 0 AND t.type NOT LIKE 'system\\_%' ESCAPE '\\'",
        super::posts::COLS.replace(", ", ", t.").replacen("id", "t.id", 1)
    ));
    let has_tags = !terms.hashtags.is_empty();
    if terms.fts.is_some() || has_tags {
        q.push(" AND (");
        if let Some(fts) = terms.fts {
            q.push("t.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ");
            q.arg(fts.to_string());
            q.push(")");
            if has_tags {
                q.push(" OR ");
            }
        }
        if has_tags {
            q.hashtags(terms.hashtags, terms.or);
        }
        q.push(")");
    }
    if let Some(fts) = terms.excluded_fts {
        q.push(" AND t.rowid NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ");
        q.arg(fts.to_string());
        q.push(")");
    }
    if !terms.excluded_hashtags.is_empty() {
        q.push(" AND NOT ");
        q.hashtags(terms.excluded_hashtags, true);
    }
    q.scope_and_filter(scope, f, "user_id");
    q.newest(c, offset, limit, super::posts::from_row)
}

/// The words of a file search: parts of file names and extensions (lower case, no dot).
pub struct FileTerms<'a> {
    pub names: &'a [String],
    pub excluded_names: &'a [String],
    /// Any of `names` rather than all.
    pub or: bool,
    pub extensions: &'a [String],
    pub excluded_extensions: &'a [String],
}

/// Files attached to live posts, matching `t` and `f` in `scope`, newest first.
pub fn files(
    c: &Conn,
    scope: &Scope,
    t: &FileTerms,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> Result<Vec<FileInfo>> {
    let cols = super::files::COLS
        .replace(", ", ", t.")
        .replacen("id", "t.id", 1);
    let mut q = Sql::new(&format!(
        "SELECT {cols} FROM file_info t JOIN posts p ON p.id = t.post_id \
         WHERE t.delete_at = 0 AND t.post_id != '' AND p.delete_at = 0"
    ));
    let like = |q: &mut Sql, name: &str| {
        q.push("t.name LIKE ");
        q.arg(format!("%{}%", super::escape_like(name)));
        q.push(" ESCAPE '\\'");
    };
    if !t.names.is_empty() {
        q.push(" AND (");
        for (i, n) in t.names.iter().enumerate() {
            if i > 0 {
                q.push(if t.or { " OR " } else { " AND " });
            }
            like(&mut q, n);
        }
        q.push(")");
    }
    for n in t.excluded_names {
        q.push(" AND NOT ");
        like(&mut q, n);
    }
    if !t.extensions.is_empty() {
        q.in_list("lower(t.extension)", false, t.extensions);
    }
    if !t.excluded_extensions.is_empty() {
        q.in_list("lower(t.extension)", true, t.excluded_extensions);
    }
    q.scope_and_filter(scope, f, "creator_id");
    q.newest(c, offset, limit, super::files::from_row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::post::Post;

    fn post(id: &str, message: &str) -> Post {
        Post {
            id: id.repeat(26)[..26].to_string(),
            channel_id: "c".repeat(26),
            user_id: "u".repeat(26),
            message: message.into(),
            create_at: 1,
            update_at: 1,
            ..Default::default()
        }
    }

    fn found(c: &Conn, word: &str) -> i64 {
        c.0.query_row(
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1",
            [format!("\"{word}\"")],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn pending_posts_are_indexed_as_they_are_then_kept_current() {
        let c = Conn::in_memory();
        crate::store::posts::insert(&c, &post("a", "alpha one")).unwrap();
        crate::store::posts::insert(&c, &post("b", "bravo two")).unwrap();
        // Not indexed on insert; an edit before indexing is indexed as edited.
        assert_eq!(found(&c, "alpha"), 0);
        c.0.execute(
            "UPDATE posts SET message = 'bravo three' WHERE id LIKE 'b%'",
            [],
        )
        .unwrap();
        assert!(has_pending(&c).unwrap());
        assert_eq!(index_pending(&c, 1).unwrap(), 1);
        assert_eq!(index_pending(&c, 10).unwrap(), 1);
        assert_eq!(index_pending(&c, 10).unwrap(), 0);
        assert!(!has_pending(&c).unwrap());
        assert_eq!(
            (found(&c, "alpha"), found(&c, "two"), found(&c, "three")),
            (1, 0, 1)
        );
        // Indexed posts follow edits and deletes.
        c.0.execute(
            "UPDATE posts SET message = 'alpha four' WHERE id LIKE 'a%'",
            [],
        )
        .unwrap();
        assert_eq!((found(&c, "one"), found(&c, "four")), (0, 1));
        c.0.execute("DELETE FROM posts WHERE id LIKE 'b%'", [])
            .unwrap();
        assert_eq!(found(&c, "three"), 0);
        // The last post's rowid may come back: the next post under it is still indexed.
        crate::store::posts::insert(&c, &post("d", "delta five")).unwrap();
        assert_eq!(index_pending(&c, 10).unwrap(), 1);
        assert_eq!(found(&c, "delta"), 1);
        let ok: String =
            c.0.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
        assert_eq!(ok, "ok");
        c.0.execute(
            "INSERT INTO posts_fts (posts_fts) VALUES ('integrity-check')",
            [],
        )
        .unwrap();
    }
}
