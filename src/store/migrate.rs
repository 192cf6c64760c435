//! Schema migrations, applied in order and versioned by `PRAGMA user_version`.
//! Append only: never edit a file that has shipped.

use super::{Result, StoreError};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_outgoing_webhooks.sql"),
    include_str!("migrations/0003_commands.sql"),
    include_str!("migrations/0004_bots_tokens.sql"),
    include_str!("migrations/0005_incoming_webhooks.sql"),
    include_str!("migrations/0006_integrations.sql"),
    include_str!("migrations/0007_post_indexes.sql"),
    include_str!("migrations/0008_outgoing_finished_index.sql"),
    include_str!("migrations/0009_reactions.sql"),
    include_str!("migrations/0010_actions.sql"),
    include_str!("migrations/0011_files.sql"),
    include_str!("migrations/0012_profile_pictures.sql"),
    include_str!("migrations/0013_post_search.sql"),
    include_str!("migrations/0014_pinned_posts.sql"),
    include_str!("migrations/0015_mention_counts.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations up to `version` only: a database as the Perch of that schema left it
/// (upgrade tests start from one).
pub fn run_to(conn: &mut Connection, version: i64) -> Result<()> {
    let have: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (n, sql) in (1..).zip(MIGRATIONS).skip(have.max(0) as usize) {
        if n > version {
            break;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn run(conn: &mut Connection) -> Result<()> {
    let have: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if have > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            have,
            known: SCHEMA_VERSION,
        });
    }
    for (n, sql) in (1..).zip(MIGRATIONS).skip(have as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
        log::info!("database schema upgraded to version {n}");
    }
    if have < SCHEMA_VERSION && have > 0 {
        // Fold the rewritten pages into the database now and cut the WAL back.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_queries_use_the_version_7_indexes() {
        let dir = std::env::temp_dir().join(format!("perch-migrate-{}", crate::model::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = Connection::open(dir.join("perch.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        // A database as version 6 left it, with two posts in a channel.
        for (n, sql) in (1..).zip(&MIGRATIONS[..6]) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", n).unwrap();
        }
        for (id, at) in [("b", 2), ("a", 1)] {
            conn.execute(
                "INSERT INTO posts (id, create_at, update_at, user_id, channel_id, message) \
                 VALUES (?1, ?2, ?2, 'u', 'c', 'hi')",
                rusqlite::params![id, at],
            )
            .unwrap();
        }
        run(&mut conn).unwrap();
        let conn = crate::store::Conn(conn);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let page: Vec<String> = crate::store::posts::list_for_channel(&conn, "c", 0, 60)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(page, ["b", "a"]);
        // The newest-first page reads straight off the index: no sort step.
        let plan = conn.query_plan(
            "SELECT id FROM posts WHERE channel_id = 'c' AND delete_at = 0 \
                 ORDER BY create_at DESC, id DESC LIMIT 60",
        );
        assert!(plan.iter().all(|p| !p.contains("TEMP B-TREE")), "{plan:?}");
        // "Changed since": new posts and edited ones, both found through an index.
        conn.0
            .execute(
                "UPDATE posts SET message = 'edited', update_at = 9 WHERE id = 'a'",
                [],
            )
            .unwrap();
        let since = |t: i64| -> Vec<String> {
            crate::store::posts::list_since(&conn, "c", t)
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        assert_eq!(since(0), ["b", "a"]);
        assert_eq!(since(1), ["b", "a"]);
        assert_eq!(since(2), ["a"]);
        assert_eq!(since(9), Vec::<String>::new());
        let plan = conn.query_plan(
            "SELECT id FROM posts WHERE channel_id = 'c' AND create_at > 1 \
                 AND update_at = create_at UNION ALL SELECT id FROM posts WHERE channel_id = 'c' \
                 AND update_at > 1 AND update_at != create_at",
        );
        assert!(
            plan.iter().filter(|p| p.contains("USING INDEX")).count() == 2,
            "{plan:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
