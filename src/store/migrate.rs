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
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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
    Ok(())
}
