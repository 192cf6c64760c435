//! The only place with SQL. `Store` is the database: `Store::write`/`write_then` go through
//! the writer thread (`writer.rs`: group commit, the completion threads that run `write_then`
//! continuations, the checkpoint thread), `Store::reader` opens one worker's read-only
//! connection, and `Store::generation` reads the per-table change counters caches watch
//! (`changes.rs`). Store functions take `&Conn`, so the same query runs on a reader or
//! inside a write; a `Conn` runs no SQL outside `store/` (its rusqlite connection is private
//! here). One file per table family holds its SQL.

pub mod actions;
pub mod audience;
pub mod bots;
mod changes;
pub mod channels;
pub mod commands;
pub mod export;
pub mod files;
pub mod hook_threads;
pub mod import;
pub mod incoming_hooks;
pub mod migrate;
pub mod outgoing_hooks;
pub mod posts;
pub mod preferences;
pub mod reactions;
pub mod search;
pub mod sessions;
pub mod status;
pub mod teams;
pub mod tokens;
pub mod users;
mod writer;

use changes::Changes;
use rusqlite::{Connection, OpenFlags};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use writer::Writer;

pub(crate) use changes::unwatched;
pub use changes::Watched;

#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    SchemaTooNew {
        have: i64,
        known: i64,
    },
    /// `perch import` holds the database.
    Importing,
    WriterGone,
    Panicked,
    /// The batch holding this write could not be committed (or begun); nothing of it is on
    /// disk. `code` is SQLite's, when it said one.
    Commit {
        code: Option<rusqlite::ErrorCode>,
        cause: String,
    },
}

/// Why the storage under the database refused a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFailure {
    /// No space left (the file system, or SQLite's page limit).
    Full,
    /// An I/O error, a read-only file system, a file that cannot be opened.
    Unwritable,
}

impl StoreError {
    /// A commit failure, from the error SQLite gave.
    pub fn commit(e: &rusqlite::Error) -> StoreError {
        StoreError::Commit {
            code: e.sqlite_error_code(),
            cause: e.to_string(),
        }
    }

    /// Whether this is the storage failing (rather than a bad statement or a constraint).
    pub fn storage_failure(&self) -> Option<StorageFailure> {
        use rusqlite::ErrorCode as C;
        let code = match self {
            StoreError::Sqlite(e) => e.sqlite_error_code(),
            StoreError::Commit { code, .. } => *code,
            _ => None,
        };
        match code? {
            C::DiskFull => Some(StorageFailure::Full),
            C::SystemIoFailure | C::ReadOnly | C::CannotOpen | C::FileLockingProtocolFailed => {
                Some(StorageFailure::Unwritable)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::SchemaTooNew { have, known } => write!(
                f,
                "the database schema is version {have}, newer than this binary knows ({known}); \
                 run a newer perch or restore a backup"
            ),
            StoreError::Importing => write!(
                f,
                "`perch import` is writing this database; try again when it has finished"
            ),
            StoreError::WriterGone => write!(f, "the database writer has stopped"),
            StoreError::Panicked => write!(f, "a database write panicked"),
            StoreError::Commit { cause, .. } => write!(f, "commit failed: {cause}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl StoreError {
    /// True when the error is a UNIQUE/PRIMARY KEY violation.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database: a writer thread fed through a channel, and a factory for readers.
pub struct Store {
    path: PathBuf,
    writer: Writer,
    synchronous: String,
    changes: Arc<Changes>,
    /// The database's lock file, held shared while the store is open, so `perch import` (which
    /// needs it exclusively) never writes under a running server. `None` if it could not be
    /// created (a read-only directory): then nothing is locked.
    _lock: Option<std::fs::File>,
}

impl Store {
    /// Opens (creating if needed) the database, applies migrations and starts the writer.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                let _ = std::fs::create_dir_all(dir);
            }
        }
        let lock = match import::lock_file(path) {
            Ok(f) => match f.try_lock_shared() {
                Ok(()) => Some(f),
                Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Importing),
                Err(std::fs::TryLockError::Error(e)) => {
                    log::warn!("cannot lock {}: {e}", import::lock_path(path).display());
                    None
                }
            },
            Err(e) => {
                log::warn!("cannot create {}: {e}", import::lock_path(path).display());
                None
            }
        };
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A checkpointed WAL is cut back to this size instead of keeping its largest size
        // (a migration that rewrites a table would otherwise leave a WAL as big as the table).
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::run(&mut conn)?;
        let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let synchronous = match synchronous {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            _ => "EXTRA",
        }
        .to_string();
        let changes = Arc::new(Changes::default());
        changes.watch(&conn);
        let writer = Writer::start(conn, path, changes.clone())?;
        Ok(Store {
            path: path.to_path_buf(),
            writer,
            synchronous,
            changes,
            _lock: lock,
        })
    }

    /// Changes whenever users, sessions, access tokens or bots change (see `Changes`).
    /// Read it *before* reading those rows to cache them.
    pub fn auth_generation(&self) -> u64 {
        Watched::AUTH
            .iter()
            .map(|w| self.generation(*w))
            .fold(0, u64::wrapping_add)
    }

    /// The change counter of one table (see `Changes`). Read it *before* reading the rows to
    /// cache them.
    pub fn generation(&self, w: Watched) -> u64 {
        self.changes.generation(w)
    }

    /// The `PRAGMA synchronous` level in force on the writer.
    pub fn synchronous(&self) -> &str {
        &self.synchronous
    }

    /// A new read-only connection, for one worker thread.
    pub fn reader(&self) -> Result<Reader> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Reader(Conn(conn)))
    }

    /// Runs `f` in the writer thread, inside its own savepoint of a group-committed transaction,
    /// and returns its result once the transaction is durably committed. If `f` fails, only its
    /// own changes are rolled back. Nothing slow (network, password hashing) may run inside `f`.
    pub fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Conn) -> std::result::Result<T, E> + Send + 'static,
    {
        self.writer.write(f)
    }

    /// `write` without waiting: `f` runs in the writer as for `write`, and `then` gets its
    /// result once the transaction is durably committed (or has failed), on a completion
    /// thread, with `data` back. The caller's thread is free at once: an HTTP worker hands the
    /// answer to `then` and serves the next request while the batch commits.
    ///
    /// `f` only borrows `data` because it may run more than once: a batch's `write_then` jobs
    /// run without savepoints, and if one of them fails, the transaction is rolled back and
    /// each runs again in a savepoint of its own (`writer::run_batch`). Only the last run counts.
    pub fn write_then<D, T, E, F, K>(&self, data: D, f: F, then: K)
    where
        D: Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&Conn, &D) -> std::result::Result<T, E> + Send + 'static,
        K: FnOnce(std::result::Result<T, E>, D) + Send + 'static,
    {
        self.writer.write_then(data, f, then)
    }

    /// Waits (at most `limit`) until every `write_then` continuation has run: at shutdown,
    /// after the HTTP workers have stopped, so the answers to accepted writes still go out.
    pub fn settle(&self, limit: std::time::Duration) -> bool {
        self.writer.settle(limit)
    }

    /// Writes a consistent copy of the database to `dest` (`VACUUM INTO`), safe while serving.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        backup(&self.path, dest)
    }
}

/// A database connection as code outside `store/` sees it: what store functions take (a
/// worker's `Reader`, or the connection a write runs on). It runs no SQL of its own outside
/// this module: the rusqlite connection and the methods below are private to `store/`.
pub struct Conn(Connection);

/// The few rusqlite calls store functions make, for `store/` only.
impl Conn {
    fn prepare_cached(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.0.prepare_cached(sql)
    }

    /// For SQL built at run time (an `IN (…)` list of its own length), not worth caching.
    fn prepare(&self, sql: &str) -> rusqlite::Result<rusqlite::Statement<'_>> {
        self.0.prepare(sql)
    }

    fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.0.query_row(sql, params, f)
    }

    fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.0.execute_batch(sql)
    }

    /// A migrated in-memory database, for unit tests.
    /// SQLite's plan for `sql` (one line a step), for tests of which index a query uses.
    #[cfg(test)]
    pub(crate) fn query_plan(&self, sql: &str) -> Vec<String> {
        self.0
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("a query to plan")
            .query_map([], |r| r.get::<_, String>(3))
            .expect("its plan")
            .collect::<rusqlite::Result<_>>()
            .expect("its plan's rows")
    }

    #[cfg(test)]
    pub(crate) fn in_memory() -> Conn {
        let mut c = Connection::open_in_memory().expect("in-memory database");
        migrate::run(&mut c).expect("migrations");
        Conn(c)
    }
}

/// Writes a consistent copy of the database at `db` to `dest` (`VACUUM INTO`, through a
/// read-only connection): safe while a server writes, and it neither migrates nor locks the
/// database, so it also copies one written by another version of Perch (before an upgrade or a
/// downgrade). A database that does not exist is an error, not a new empty one.
pub fn backup(db: &Path, dest: &Path) -> Result<()> {
    let dest = dest.to_string_lossy().to_string();
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute("VACUUM INTO ?1", [dest])?;
    Ok(())
}

/// One worker's read-only connection.
pub struct Reader(Conn);

impl Deref for Reader {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

/// True if the database answers a trivial query.
/// `s` with `%`, `_` and `\` taken literally in a LIKE pattern that says `ESCAPE '\'`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn healthy(c: &Conn) -> bool {
    c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()
}

/// Helpers for mapping JSON text columns.
pub(crate) fn json_map(s: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path for a new database file.
    pub(super) fn tmp() -> PathBuf {
        let p = std::env::temp_dir().join(format!("perch-store-{}", crate::model::new_id()));
        std::fs::create_dir_all(&p).unwrap();
        p.join("t.db")
    }

    #[test]
    fn a_database_newer_than_the_binary_is_refused() {
        let path = tmp();
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        drop(c);
        match Store::open(&path) {
            Err(e @ StoreError::SchemaTooNew { .. }) => assert!(e.to_string().contains("newer")),
            Err(other) => panic!("unexpected {other}"),
            Ok(_) => panic!("opened a too-new database"),
        }
    }

    #[test]
    fn reopening_migrates_nothing_and_backup_works() {
        let path = tmp();
        drop(Store::open(&path).unwrap());
        let st = Store::open(&path).unwrap();
        let v: i64 = st
            .reader()
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, migrate::SCHEMA_VERSION);
        let dest = path.with_file_name("backup.db");
        st.backup(&dest).unwrap();
        assert!(dest.exists());
    }
}
