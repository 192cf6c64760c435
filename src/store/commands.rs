//! Slash commands and their response URLs (`command_webhooks`).

use super::Conn;
use super::{optional, Result};
use crate::model::command::Command;
use rusqlite::{params, Row};

pub(super) const COLS: &str = "id, token, create_at, update_at, delete_at, creator_id, team_id, trigger_word, \
    method, username, icon_url, auto_complete, auto_complete_desc, auto_complete_hint, display_name, \
    description, url, plugin_id";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<Command> {
    Ok(Command {
        id: r.get(0)?,
        token: r.get(1)?,
        create_at: r.get(2)?,
        update_at: r.get(3)?,
        delete_at: r.get(4)?,
        creator_id: r.get(5)?,
        team_id: r.get(6)?,
        trigger: r.get(7)?,
        method: r.get(8)?,
        username: r.get(9)?,
        icon_url: r.get(10)?,
        auto_complete: r.get(11)?,
        auto_complete_desc: r.get(12)?,
        auto_complete_hint: r.get(13)?,
        display_name: r.get(14)?,
        description: r.get(15)?,
        url: r.get(16)?,
        plugin_id: r.get(17)?,
    })
}

pub fn insert(c: &Conn, cmd: &Command) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO commands ({COLS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))?
    .execute(params![
        cmd.id,
        cmd.token,
        cmd.create_at,
        cmd.update_at,
        cmd.delete_at,
        cmd.creator_id,
        cmd.team_id,
        cmd.trigger,
        cmd.method,
        cmd.username,
        cmd.icon_url,
        cmd.auto_complete,
        cmd.auto_complete_desc,
        cmd.auto_complete_hint,
        cmd.display_name,
        cmd.description,
        cmd.url,
        cmd.plugin_id
    ])?;
    Ok(())
}

/// A live (not deleted) command by id.
pub fn find(c: &Conn, id: &str) -> Result<Option<Command>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM commands WHERE id = ?1 AND delete_at = 0"
        ))?
        .query_row([id], from_row),
    )
}

/// A team's live command with this (lower-case) trigger.
pub fn find_by_trigger(c: &Conn, team_id: &str, trigger: &str) -> Result<Option<Command>> {
    optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM commands WHERE team_id = ?1 AND trigger_word = ?2 AND delete_at = 0 \
             ORDER BY create_at LIMIT 1"
        ))?
        .query_row(params![team_id, trigger], from_row),
    )
}

/// A team's live commands, oldest first.
pub fn list_for_team(c: &Conn, team_id: &str) -> Result<Vec<Command>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLS} FROM commands WHERE team_id = ?1 AND delete_at = 0 ORDER BY create_at, id"
    ))?;
    let rows = stmt.query_map([team_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Rewrites the editable fields of a command.
pub fn update(c: &Conn, cmd: &Command) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE commands SET update_at = ?2, trigger_word = ?3, method = ?4, username = ?5, \
         icon_url = ?6, auto_complete = ?7, auto_complete_desc = ?8, auto_complete_hint = ?9, \
         display_name = ?10, description = ?11, url = ?12 WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![
        cmd.id,
        cmd.update_at,
        cmd.trigger,
        cmd.method,
        cmd.username,
        cmd.icon_url,
        cmd.auto_complete,
        cmd.auto_complete_desc,
        cmd.auto_complete_hint,
        cmd.display_name,
        cmd.description,
        cmd.url
    ])?)
}

pub fn update_token(c: &Conn, id: &str, token: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE commands SET token = ?2, update_at = ?3 WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![id, token, now])?)
}

/// Soft-deletes a command.
pub fn update_delete_at(c: &Conn, id: &str, now: i64) -> Result<usize> {
    Ok(c.prepare_cached(
        "UPDATE commands SET delete_at = ?2, update_at = ?2 WHERE id = ?1 AND delete_at = 0",
    )?
    .execute(params![id, now])?)
}

/// A response URL record. `id_hash` is the SHA-256 digest of the id in the URL.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandWebhook {
    pub id_hash: String,
    pub create_at: i64,
    pub command_id: String,
    pub user_id: String,
    pub channel_id: String,
    pub root_id: String,
    pub use_count: i64,
}

pub fn insert_webhook(c: &Conn, h: &CommandWebhook) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO command_webhooks (id_hash, create_at, command_id, user_id, channel_id, root_id, use_count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        h.id_hash,
        h.create_at,
        h.command_id,
        h.user_id,
        h.channel_id,
        h.root_id,
        h.use_count
    ])?;
    Ok(())
}

/// A response URL created after `since` (older ones have expired).
pub fn find_webhook(c: &Conn, id_hash: &str, since: i64) -> Result<Option<CommandWebhook>> {
    optional(
        c.prepare_cached(
            "SELECT id_hash, create_at, command_id, user_id, channel_id, root_id, use_count \
             FROM command_webhooks WHERE id_hash = ?1 AND create_at > ?2",
        )?
        .query_row(params![id_hash, since], |r| {
            Ok(CommandWebhook {
                id_hash: r.get(0)?,
                create_at: r.get(1)?,
                command_id: r.get(2)?,
                user_id: r.get(3)?,
                channel_id: r.get(4)?,
                root_id: r.get(5)?,
                use_count: r.get(6)?,
            })
        }),
    )
}

/// Counts one use of a response URL unless it was used `limit` times already; returns
/// whether the use was granted.
pub fn try_use_webhook(c: &Conn, id_hash: &str, limit: i64) -> Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE command_webhooks SET use_count = use_count + 1 WHERE id_hash = ?1 AND use_count < ?2",
    )?
    .execute(params![id_hash, limit])?
        == 1)
}

/// Removes response URLs created at or before `before`; returns how many.
pub fn delete_expired_webhooks(c: &Conn, before: i64) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM command_webhooks WHERE create_at <= ?1")?
            .execute([before])?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Conn {
        Conn::in_memory()
    }

    #[test]
    fn webhooks_expire_and_count_uses() {
        let c = db();
        let h = CommandWebhook {
            id_hash: "h".into(),
            create_at: 1000,
            command_id: "c".into(),
            user_id: "u".into(),
            channel_id: "ch".into(),
            root_id: String::new(),
            use_count: 0,
        };
        insert_webhook(&c, &h).unwrap();
        assert_eq!(find_webhook(&c, "h", 999).unwrap(), Some(h.clone()));
        assert_eq!(find_webhook(&c, "h", 1000).unwrap(), None);
        for _ in 0..2 {
            assert!(try_use_webhook(&c, "h", 2).unwrap());
        }
        assert!(!try_use_webhook(&c, "h", 2).unwrap());
        assert_eq!(delete_expired_webhooks(&c, 999).unwrap(), 0);
        assert_eq!(delete_expired_webhooks(&c, 1000).unwrap(), 1);
        assert_eq!(find_webhook(&c, "h", 0).unwrap(), None);
    }

    #[test]
    fn commands_round_trip_and_soft_delete() {
        let c = db();
        let cmd = Command {
            id: "i".into(),
            token: "t".into(),
            create_at: 1,
            update_at: 1,
            team_id: "team".into(),
            trigger: "deploy".into(),
            method: "P".into(),
            url: "http://x".into(),
            auto_complete: true,
            ..Default::default()
        };
        insert(&c, &cmd).unwrap();
        assert_eq!(find(&c, "i").unwrap(), Some(cmd.clone()));
        assert_eq!(
            find_by_trigger(&c, "team", "deploy").unwrap(),
            Some(cmd.clone())
        );
        assert_eq!(update_delete_at(&c, "i", 5).unwrap(), 1);
        assert_eq!(find(&c, "i").unwrap(), None);
        assert!(list_for_team(&c, "team").unwrap().is_empty());
    }
}
