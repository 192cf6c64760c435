//! The reads of `perch export`: one read transaction on a read-only connection of its own, so
//! everything comes from one consistent snapshot while a server keeps writing (WAL readers
//! see the database as it was when their transaction began). Posts are streamed channel by
//! channel, never loaded whole.

use super::{migrate, Result, StoreError};
use crate::model::bot::Bot;
use crate::model::channel::{Channel, ChannelMember};
use crate::model::command::Command;
use crate::model::file_info::FileInfo;
use crate::model::incoming_hook::IncomingHook;
use crate::model::outgoing_hook::OutgoingWebhook;
use crate::model::post::Post;
use crate::model::team::Team;
use crate::model::user::User;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A team or channel membership as exported: who, where, with which roles.
#[derive(Debug, Clone)]
pub struct Membership {
    pub scope_id: String,
    pub user_id: String,
    pub roles: String,
}

/// A personal access token: the stored digest, never the secret (Perch does not have it).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub user_id: String,
    pub description: String,
    pub is_active: bool,
    pub token_hash: String,
    pub create_at: i64,
}

/// A read transaction over the whole database.
pub struct Snapshot {
    conn: Connection,
    schema_version: i64,
}

impl Snapshot {
    /// Opens `path` read-only and begins the snapshot. A database written by a newer Perch is
    /// refused (its rows may mean something this binary does not know).
    pub fn open(path: &Path) -> Result<Snapshot> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("BEGIN")?;
        // The first read fixes the snapshot.
        let have: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if have > migrate::SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                have,
                known: migrate::SCHEMA_VERSION,
            });
        }
        Ok(Snapshot {
            conn,
            schema_version: have,
        })
    }

    /// The schema version of the database (older than this binary's until a server or
    /// `Store::open` has upgraded it).
    pub fn schema_version(&self) -> i64 {
        self.schema_version
    }

    /// Live teams, by name.
    pub fn teams(&self) -> Result<Vec<Team>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM teams WHERE delete_at = 0 ORDER BY name",
            super::teams::COLS
        ))?;
        let rows = stmt.query_map([], super::teams::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Public and private channels of live teams, archived ones included, by team and name.
    pub fn team_channels(&self) -> Result<Vec<Channel>> {
        self.channels(
            "type IN ('O', 'P') AND team_id IN (SELECT id FROM teams WHERE delete_at = 0)",
        )
    }

    /// Direct and group channels.
    pub fn direct_channels(&self) -> Result<Vec<Channel>> {
        self.channels("type IN ('D', 'G') AND delete_at = 0")
    }

    fn channels(&self, filter: &str) -> Result<Vec<Channel>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM channels WHERE {filter} ORDER BY team_id, name",
            super::channels::COLS
        ))?;
        let rows = stmt.query_map([], super::channels::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every account, bots included (`User::bot`), by username.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self
            .conn
            .prepare(&super::users::select("ORDER BY u.username"))?;
        let rows = stmt.query_map([], super::users::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn bots(&self) -> Result<Vec<Bot>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{} ORDER BY u.username", super::bots::SELECT))?;
        let rows = stmt.query_map([], super::bots::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Current team memberships.
    pub fn team_members(&self) -> Result<Vec<Membership>> {
        let mut stmt = self.conn.prepare(
            "SELECT team_id, user_id, roles FROM team_members WHERE delete_at = 0 \
             ORDER BY user_id, team_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Membership {
                scope_id: r.get(0)?,
                user_id: r.get(1)?,
                roles: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn channel_members(&self) -> Result<Vec<ChannelMember>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM channel_members ORDER BY user_id, channel_id",
            super::channels::MCOLS
        ))?;
        let rows = stmt.query_map([], super::channels::member_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Preferences of some categories: (user id, category, name, value).
    pub fn preferences(
        &self,
        categories: &[&str],
    ) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT user_id, category, name, value FROM preferences WHERE category = ?1 \
             ORDER BY user_id, name",
        )?;
        let mut out = Vec::new();
        for cat in categories {
            let rows =
                stmt.query_map([cat], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// Calls `f` with each live root post of a channel, oldest first.
    pub fn for_each_root<E: From<StoreError>>(
        &self,
        channel_id: &str,
        mut f: impl FnMut(Post) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM posts WHERE channel_id = ?1 AND root_id = '' AND delete_at = 0 \
                 ORDER BY create_at, id",
                super::posts::COLS
            ))
            .map_err(|e| E::from(e.into()))?;
        let rows = stmt
            .query_map([channel_id], super::posts::from_row)
            .map_err(|e| E::from(e.into()))?;
        for row in rows {
            f(row.map_err(|e| E::from(e.into()))?)?;
        }
        Ok(())
    }

    /// A thread's live replies, oldest first.
    pub fn replies(&self, root_id: &str) -> Result<Vec<Post>> {
        let mut stmt = self.conn.prepare_cached(&replies_sql())?;
        let rows = stmt.query_map([root_id], super::posts::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A post's live files, oldest first.
    pub fn post_files(&self, post_id: &str) -> Result<Vec<FileInfo>> {
        let mut stmt = self.conn.prepare_cached(super::files::LIVE_FOR_POST)?;
        let rows = stmt.query_map([post_id], super::files::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A post's reactions, oldest first: (user id, emoji name, time).
    pub fn reactions(&self, post_id: &str) -> Result<Vec<(String, String, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, emoji_name, create_at FROM reactions WHERE post_id = ?1 \
             ORDER BY create_at, user_id, emoji_name",
        )?;
        let rows = stmt.query_map([post_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn incoming_hooks(&self) -> Result<Vec<IncomingHook>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM incoming_webhooks WHERE delete_at = 0 ORDER BY create_at, id",
            super::incoming_hooks::COLS
        ))?;
        let rows = stmt.query_map([], super::incoming_hooks::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn outgoing_hooks(&self) -> Result<Vec<OutgoingWebhook>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM outgoing_webhooks WHERE delete_at = 0 ORDER BY create_at, id",
            super::outgoing_hooks::COLS
        ))?;
        let rows = stmt.query_map([], super::outgoing_hooks::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn commands(&self) -> Result<Vec<Command>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM commands WHERE delete_at = 0 ORDER BY create_at, id",
            super::commands::COLS
        ))?;
        let rows = stmt.query_map([], super::commands::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn access_tokens(&self) -> Result<Vec<TokenRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT user_id, description, is_active, token_hash, create_at FROM user_access_tokens \
             ORDER BY create_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TokenRow {
                user_id: r.get(0)?,
                description: r.get(1)?,
                is_active: r.get(2)?,
                token_hash: r.get(3)?,
                create_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A thread's replies. `root_id != ''` lets SQLite use the partial index on replies' root_id
/// (without it, every thread read the whole table).
fn replies_sql() -> String {
    format!(
        "SELECT {} FROM posts WHERE root_id = ?1 AND root_id != '' AND delete_at = 0 \
         ORDER BY create_at, id",
        super::posts::COLS
    )
}

#[cfg(test)]
mod tests {
    /// The query plans of the per-post queries of an export and an import: each an index
    /// search, never a scan of the posts table (which made both quadratic).
    #[test]
    fn per_post_queries_use_an_index() {
        let c = super::super::Conn::in_memory();
        let plans = [
            super::replies_sql(),
            super::super::import::RECOUNT_THREAD.to_string(),
            super::super::import::MATCHING_POSTS.to_string(),
        ];
        for sql in plans {
            let literal = sql
                .replace("?1", "'r'")
                .replace("?2", "1")
                .replace("?3", "''")
                .replace("?4", "'m'");
            let plan = c.query_plan(&literal);
            assert!(
                plan.iter()
                    .all(|p| !p.starts_with("SCAN posts") && !p.starts_with("SCAN r")),
                "{sql}: {plan:?}"
            );
        }
    }
}
