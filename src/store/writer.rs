//! The writer thread and what runs around it. Every write is a job sent to `db-writer`, which
//! runs all queued jobs inside one `BEGIN IMMEDIATE … COMMIT` (group commit: one fsync per
//! batch), then answers each caller: a blocked `Store::write` caller directly, a
//! `Store::write_then` continuation on a completion thread (`db-done-N`). `db-checkpoint`
//! copies the WAL into the database file after commits, off the writer's path.

use super::changes::Changes;
use super::Conn;
use super::{channels, Result, StoreError};
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread;

/// How many queued writes one transaction (one fsync) may cover.
const MAX_BATCH: usize = 256;

/// Called once the batch holding a job has committed (true) or failed (false).
type Done = Box<dyn FnOnce(std::result::Result<(), StoreError>) + Send>;
/// A queued write.
type Job = Box<dyn Task>;
/// A completion bound to its batch's outcome, run by a completion thread.
type Completion = Box<dyn FnOnce() + Send>;

/// A write as the writer sees it. `run` does its SQL inside the batch's transaction (panics
/// caught) and says whether it succeeded; a `rerunnable` one may be run again after its
/// changes were rolled back, and only its last run counts. `finish` turns the last run's
/// result into the caller's completion, which gets the batch's outcome.
trait Task: Send {
    fn run(&mut self, conn: &Conn) -> bool;
    fn rerunnable(&self) -> bool;
    /// The completion, and whether it is a continuation for the completion threads
    /// (`write_then`) rather than a hand-over to a blocked caller (`write`).
    fn finish(self: Box<Self>) -> (Done, bool);
}

/// Runs `f`, turning a panic into `StoreError::Panicked`.
fn guarded<T, E: From<StoreError>>(
    f: impl FnOnce() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(E::from(StoreError::Panicked)))
}

/// The caller's answer: the job's result if the batch committed, else the batch's error
/// (also for a job that never ran).
fn answer<T, E: From<StoreError>>(
    commit: std::result::Result<(), StoreError>,
    result: Option<std::result::Result<T, E>>,
) -> std::result::Result<T, E> {
    match (commit, result) {
        (Ok(()), Some(r)) => r,
        (Ok(()), None) => Err(E::from(StoreError::WriterGone)),
        (Err(e), _) => Err(E::from(e)),
    }
}

/// `Store::write`'s job: runs once, its caller waits on a channel.
struct Once<T, E, F> {
    f: Option<F>,
    result: Option<std::result::Result<T, E>>,
    reply: mpsc::SyncSender<std::result::Result<T, E>>,
}

impl<T, E, F> Task for Once<T, E, F>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&Conn) -> std::result::Result<T, E> + Send + 'static,
{
    fn run(&mut self, conn: &Conn) -> bool {
        let r = match self.f.take() {
            Some(f) => guarded(|| f(conn)),
            None => Err(E::from(StoreError::Panicked)),
        };
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn rerunnable(&self) -> bool {
        false
    }

    fn finish(self: Box<Self>) -> (Done, bool) {
        let Once { result, reply, .. } = *self;
        let done: Done = Box::new(move |commit| {
            let _ = reply.send(answer(commit, result));
        });
        (done, false)
    }
}

/// `Store::write_then`'s job: `f` borrows `data` and may run again; `then` gets the result
/// and `data` back.
struct Again<D, T, E, F, K> {
    data: D,
    f: F,
    result: Option<std::result::Result<T, E>>,
    then: K,
    settled: Settled,
}

impl<D, T, E, F, K> Task for Again<D, T, E, F, K>
where
    D: Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: Fn(&Conn, &D) -> std::result::Result<T, E> + Send + 'static,
    K: FnOnce(std::result::Result<T, E>, D) + Send + 'static,
{
    fn run(&mut self, conn: &Conn) -> bool {
        let r = guarded(|| (self.f)(conn, &self.data));
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn rerunnable(&self) -> bool {
        true
    }

    fn finish(self: Box<Self>) -> (Done, bool) {
        let Again {
            data,
            result,
            then,
            settled,
            ..
        } = *self;
        let done: Done = Box::new(move |commit| {
            let _settled = settled;
            then(answer(commit, result), data);
        });
        (done, true)
    }
}

/// How many threads run `write_then` continuations (answering HTTP requests, mostly).
const COMPLETION_THREADS: usize = 2;

/// The sending end of the writer thread, and the count of continuations not yet run.
pub(super) struct Writer {
    tx: SyncSender<Job>,
    /// `write_then` calls whose continuation has not finished yet (see `settle`).
    unsettled: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the writer on `conn` (migrated, with the change counters' hook installed), the
    /// completion threads, and the checkpoint thread on a connection of its own to `path`.
    pub(super) fn start(conn: Connection, path: &Path, changes: Arc<Changes>) -> Result<Writer> {
        // Checkpoints (copying the WAL into the database file, and its fsync) run on their own
        // thread, off the writer's path; the writer checkpoints itself only as a fallback, if
        // the WAL ever reaches this many pages.
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        let commits = Arc::new(AtomicU64::new(0));
        let (writer_alive, alive_rx) = mpsc::channel::<()>();
        let checkpoint_conn = Connection::open(path)?;
        checkpoint_conn.busy_timeout(std::time::Duration::from_millis(100))?;
        let seen = commits.clone();
        thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpoint_conn, &seen, &alive_rx))
            .map_err(|_| StoreError::WriterGone)?;
        let (tx, rx) = mpsc::sync_channel::<Job>(4096);
        let (done_tx, done_rx) = mpsc::channel::<Vec<Completion>>();
        let done_rx = Arc::new(std::sync::Mutex::new(done_rx));
        for i in 0..COMPLETION_THREADS {
            let done_rx = done_rx.clone();
            thread::Builder::new()
                .name(format!("db-done-{i}"))
                .spawn(move || completion_loop(&done_rx))
                .map_err(|_| StoreError::WriterGone)?;
        }
        thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                let _alive = writer_alive;
                writer_loop(Conn(conn), rx, &changes, &done_tx, &commits)
            })
            .map_err(|_| StoreError::WriterGone)?;
        Ok(Writer {
            tx,
            unsettled: Arc::new(AtomicU64::new(0)),
        })
    }

    /// See `Store::write`.
    pub(super) fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Conn) -> std::result::Result<T, E> + Send + 'static,
    {
        let (reply, reply_rx) = mpsc::sync_channel::<std::result::Result<T, E>>(1);
        let job = Box::new(Once {
            f: Some(f),
            result: None,
            reply,
        });
        self.tx
            .send(job)
            .map_err(|_| E::from(StoreError::WriterGone))?;
        reply_rx
            .recv()
            .map_err(|_| E::from(StoreError::WriterGone))?
    }

    /// See `Store::write_then`.
    pub(super) fn write_then<D, T, E, F, K>(&self, data: D, f: F, then: K)
    where
        D: Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&Conn, &D) -> std::result::Result<T, E> + Send + 'static,
        K: FnOnce(std::result::Result<T, E>, D) + Send + 'static,
    {
        self.unsettled.fetch_add(1, Ordering::SeqCst);
        let job = Box::new(Again {
            data,
            f,
            result: None,
            then,
            settled: Settled(self.unsettled.clone()),
        });
        if let Err(mpsc::SendError(job)) = self.tx.send(job) {
            (job.finish().0)(Err(StoreError::WriterGone));
        }
    }

    /// See `Store::settle`.
    pub(super) fn settle(&self, limit: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + limit;
        while self.unsettled.load(Ordering::SeqCst) > 0 {
            if std::time::Instant::now() >= until {
                return false;
            }
            thread::sleep(std::time::Duration::from_millis(2));
        }
        true
    }
}

/// Counts a `write_then` continuation as finished however it ends (see `Store::settle`).
struct Settled(Arc<AtomicU64>);

impl Drop for Settled {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn writer_loop(
    conn: Conn,
    rx: Receiver<Job>,
    changes: &Changes,
    completions: &mpsc::Sender<Vec<Completion>>,
    commits: &AtomicU64,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match run(&conn, "BEGIN IMMEDIATE") {
            Ok(()) => {
                let (dones, began) = run_batch(&conn, batch);
                // Without `began`, the failed restart was logged and nothing is open.
                let commit = if began {
                    run(&conn, "COMMIT").map_err(|e| StoreError::commit(&e))
                } else {
                    Err(StoreError::Commit {
                        code: None,
                        cause: "the transaction could not be restarted".into(),
                    })
                };
                changes.committed();
                commits.fetch_add(1, Ordering::Relaxed);
                if let (true, Err(e)) = (began, &commit) {
                    log::error!("db-writer: {e}");
                    let _ = conn.execute_batch("ROLLBACK");
                }
                finish_batch(dones, commit.err(), completions);
            }
            Err(e) => {
                log::error!("db-writer: cannot begin a transaction: {e}");
                // Run nothing; every caller is told, continuations on the completion threads.
                let dones = batch.into_iter().map(|job| job.finish()).collect();
                finish_batch(dones, Some(StoreError::commit(&e)), completions);
            }
        }
    }
}

/// Runs a batch's jobs inside the open transaction so that a failing job leaves no trace and
/// the others still commit; returns their completions, and false if the transaction could
/// not be restarted (then nothing may be committed).
///
/// The `write_then` jobs run first, with no savepoint: a savepoint copies every page it
/// touches, which cost more than the jobs' own inserts. They are concurrent requests, none
/// answered yet, so running them before the batch's `write` jobs is as valid an order as any.
/// If one of them fails, the whole transaction is rolled back and every job runs again, each
/// in a savepoint of its own (they may run more than once; only their last run counts). The
/// `write` jobs always run in their own savepoints.
fn run_batch(conn: &Conn, batch: Vec<Job>) -> (Vec<(Done, bool)>, bool) {
    let (mut again, mut once): (Vec<Job>, Vec<Job>) =
        batch.into_iter().partition(|j| j.rerunnable());
    let mut began = true;
    // Their posts' channel counters are written once per channel at the end (a failure of
    // that write counts as a failed job).
    let fast = channels::defer_bumps(conn, || again.iter_mut().all(|j| j.run(conn)))
        .unwrap_or_else(|e| {
            log::error!("db-writer: channel counters: {e}");
            false
        });
    if !fast {
        began = run(conn, "ROLLBACK")
            .and_then(|()| run(conn, "BEGIN IMMEDIATE"))
            .map_err(|e| log::error!("db-writer: cannot restart a transaction: {e}"))
            .is_ok();
        if began {
            again.iter_mut().for_each(|job| run_alone(conn, job));
        }
    }
    if began {
        once.iter_mut().for_each(|job| run_alone(conn, job));
    }
    let dones = again
        .into_iter()
        .chain(once)
        .map(|job| job.finish())
        .collect();
    (dones, began)
}

/// Runs one job in its own savepoint.
fn run_alone(conn: &Conn, job: &mut Job) {
    let sp_ok = run(conn, "SAVEPOINT job").is_ok();
    let ok = job.run(conn);
    if sp_ok {
        if !ok {
            end_savepoint(conn, "ROLLBACK TO job");
        }
        end_savepoint(conn, "RELEASE job");
    }
}

fn end_savepoint(conn: &Conn, sql: &str) {
    if let Err(e) = run(conn, sql) {
        log::error!("db-writer: {sql} failed: {e}");
    }
}

/// Tells a batch's callers how it ended (`failed`: why it was not committed): blocked
/// callers here, continuations (`write_then`) on the completion threads.
fn finish_batch(
    dones: Vec<(Done, bool)>,
    failed: Option<StoreError>,
    completions: &mpsc::Sender<Vec<Completion>>,
) {
    let (code, cause) = match &failed {
        Some(StoreError::Commit { code, cause }) => (*code, cause.clone()),
        Some(other) => (None, other.to_string()),
        None => (None, String::new()),
    };
    let outcome = || match failed {
        None => Ok(()),
        Some(_) => Err(StoreError::Commit {
            code,
            cause: cause.clone(),
        }),
    };
    let mut later = Vec::new();
    for (done, is_later) in dones {
        let result = outcome();
        if is_later {
            later.push(Box::new(move || done(result)) as Completion);
        } else {
            done(result);
        }
    }
    hand_over(later, completions);
}

/// The WAL size (pages) at which the writer checkpoints by itself: only if `db-checkpoint`
/// falls behind (SQLite's default, used before, is 1000).
const WRITER_CHECKPOINT_PAGES: i64 = 10_000;
/// How often `db-checkpoint` looks for new commits.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Copies committed WAL frames into the database file (a PASSIVE checkpoint: it never blocks
/// the writer or readers) whenever there were commits since the last look. Ends with the
/// writer thread.
fn checkpoint_loop(conn: &Connection, commits: &AtomicU64, writer_alive: &Receiver<()>) {
    let mut done = 0;
    loop {
        match writer_alive.recv_timeout(CHECKPOINT_EVERY) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let now = commits.load(Ordering::Relaxed);
        if now == done {
            continue;
        }
        done = now;
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            log::warn!("db-checkpoint: {e}");
        }
    }
}

/// Gives a batch's continuations to the completion threads, split between them so both
/// cores answer. Runs them here only if those threads are gone.
fn hand_over(mut later: Vec<Completion>, completions: &mpsc::Sender<Vec<Completion>>) {
    let share = later.len().div_ceil(COMPLETION_THREADS).max(1);
    while !later.is_empty() {
        let rest = later.split_off(share.min(later.len()));
        if let Err(mpsc::SendError(orphans)) = completions.send(later) {
            orphans.into_iter().for_each(run_completion);
        }
        later = rest;
    }
}

fn completion_loop(rx: &std::sync::Mutex<Receiver<Vec<Completion>>>) {
    loop {
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match next {
            Ok(batch) => batch.into_iter().for_each(run_completion),
            Err(_) => return,
        }
    }
}

/// A continuation that panics is logged; the thread goes on.
fn run_completion(c: Completion) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(c)).is_err() {
        log::error!("db-done: a write's continuation panicked");
    }
}

/// Runs one transaction-control statement, prepared once (the writer runs several per job).
fn run(conn: &Conn, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::super::tests::tmp;
    use super::super::{channels, Store, StoreError};
    use rusqlite::Connection;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc;
    use std::thread;

    /// A new store (and its file) holding one table `t` made by `ddl`.
    fn store_with(ddl: &'static str) -> (PathBuf, Store) {
        let path = tmp();
        let st = Store::open(&path).unwrap();
        st.write(move |c| {
            c.execute_batch(ddl)?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        (path, st)
    }

    /// Holds the writer busy until the returned sender sends (or is dropped), so the jobs
    /// queued meanwhile land in one batch; join the handle after releasing it.
    fn hold_writer(st: &std::sync::Arc<Store>) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
        let (hold_tx, hold_rx) = mpsc::channel::<()>();
        let st = st.clone();
        let holder = thread::spawn(move || {
            st.write(move |_| {
                hold_rx.recv().ok();
                Ok::<_, StoreError>(())
            })
            .unwrap()
        });
        thread::sleep(std::time::Duration::from_millis(50));
        (hold_tx, holder)
    }

    /// Rows in table `t`, through a fresh reader.
    fn rows(st: &Store) -> i64 {
        st.reader()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_failing_write_rolls_back_only_itself() {
        let (_, st) = store_with("CREATE TABLE t (x INTEGER UNIQUE)");
        let oks: Vec<bool> = (0..20)
            .map(|i| {
                st.write(move |c| {
                    c.0.execute("INSERT INTO t (x) VALUES (?1)", [i % 10])?;
                    Ok::<_, StoreError>(())
                })
                .is_ok()
            })
            .collect();
        assert_eq!(oks.iter().filter(|ok| **ok).count(), 10);
        let n = rows(&st);
        assert_eq!(n, 10);
        assert_eq!(st.synchronous(), "FULL");
    }

    #[test]
    fn concurrent_writers_are_batched_and_all_answered() {
        let (_, st) = store_with("CREATE TABLE t (x INTEGER)");
        let st = std::sync::Arc::new(st);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let st = st.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        st.write(move |c| {
                            c.0.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
                            Ok::<_, StoreError>(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let n = rows(&st);
        assert_eq!(n, 400);
    }

    #[test]
    fn a_failing_deferred_job_leaves_no_trace_and_the_others_commit_once() {
        let (_path, st) = store_with("CREATE TABLE t (x INTEGER UNIQUE)");
        let st = std::sync::Arc::new(st);
        // Hold the writer so the ten jobs below queue up and land in one batch.
        let (hold_tx, holder) = hold_writer(&st);
        let runs: std::sync::Arc<Vec<AtomicU64>> =
            std::sync::Arc::new((0..10).map(|_| AtomicU64::new(0)).collect());
        let (tx, rx) = mpsc::channel();
        for i in 0..10u64 {
            let (tx, runs) = (tx.clone(), runs.clone());
            st.write_then(
                i,
                move |c, &i| {
                    runs[i as usize].fetch_add(1, Ordering::SeqCst);
                    c.0.execute("INSERT INTO t (x) VALUES (?1)", [100 + i])?;
                    // Job 5's second insert collides with job 0's row: its first must go too.
                    let x = if i == 5 { 0 } else { i };
                    c.0.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                    Ok::<_, StoreError>(i)
                },
                move |r, i| tx.send((i, r.is_ok())).unwrap(),
            );
        }
        hold_tx.send(()).unwrap();
        holder.join().unwrap();
        assert!(st.settle(std::time::Duration::from_secs(10)));
        drop(tx);
        let mut answers: Vec<(u64, bool)> = rx.iter().collect();
        answers.sort();
        let expected: Vec<(u64, bool)> = (0..10).map(|i| (i, i != 5)).collect();
        assert_eq!(answers, expected);
        let c = st.reader().unwrap();
        let xs: Vec<i64> = c
            .prepare_cached("SELECT x FROM t ORDER BY x")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|x| x.unwrap())
            .collect();
        let want: Vec<i64> = [
            0, 1, 2, 3, 4, 6, 7, 8, 9, 100, 101, 102, 103, 104, 106, 107, 108, 109,
        ]
        .to_vec();
        assert_eq!(xs, want);
        // The jobs ran up to the failure, were rolled back, and each ran again alone.
        let counts: Vec<u64> = runs.iter().map(|n| n.load(Ordering::SeqCst)).collect();
        assert_eq!(counts, [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
    }

    #[test]
    fn channel_counters_of_a_batch_are_written_once_and_right() {
        let st = std::sync::Arc::new(Store::open(&tmp()).unwrap());
        st.write(|c| {
            c.execute_batch(
                "INSERT INTO channels (id, create_at, update_at, type, name) \
                 VALUES ('a', 0, 0, 'O', 'a'), ('b', 0, 0, 'O', 'b')",
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let counters = |id: &str| -> (i64, i64, i64, i64) {
            st.reader()
                .unwrap()
                .query_row(
                    "SELECT total_msg_count, total_msg_count_root, last_post_at, \
                     last_root_post_at FROM channels WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap()
        };
        // (channel, create_at, root?, fails after counting?)
        let round = |posts: Vec<(&'static str, i64, bool, bool)>| {
            let (hold_tx, holder) = hold_writer(&st);
            for post in posts {
                st.write_then(
                    post,
                    |c, &(ch, at, root, fail)| {
                        channels::bump_for_post(c, ch, at, root)?;
                        if fail {
                            return Err(StoreError::Panicked);
                        }
                        Ok::<_, StoreError>(())
                    },
                    |_, _| {},
                );
            }
            // A plain write in the same batch sees the counters of the posts before it.
            let seen = {
                let st = st.clone();
                thread::spawn(move || {
                    st.write(|c| {
                        Ok::<_, StoreError>(c.query_row(
                            "SELECT total_msg_count FROM channels WHERE id = 'a'",
                            [],
                            |r| r.get::<_, i64>(0),
                        )?)
                    })
                    .unwrap()
                })
            };
            thread::sleep(std::time::Duration::from_millis(50));
            hold_tx.send(()).unwrap();
            holder.join().unwrap();
            assert!(st.settle(std::time::Duration::from_secs(10)));
            seen.join().unwrap()
        };
        // All succeed: one UPDATE per channel at the end of the batch.
        let seen = round(vec![
            ("a", 10, true, false),
            ("a", 30, false, false),
            ("b", 20, true, false),
            ("b", 5, false, false),
        ]);
        assert_eq!(seen, 2);
        assert_eq!(counters("a"), (2, 1, 30, 10));
        assert_eq!(counters("b"), (2, 1, 20, 20));
        // One fails: it counts nothing, the others count once.
        let seen = round(vec![
            ("a", 40, true, false),
            ("a", 90, true, true),
            ("b", 60, false, false),
        ]);
        assert_eq!(seen, 3);
        assert_eq!(counters("a"), (3, 2, 40, 40));
        assert_eq!(counters("b"), (3, 1, 60, 20));
    }

    #[test]
    fn write_then_answers_after_the_commit_and_settles() {
        let (path, st) = store_with("CREATE TABLE t (x INTEGER UNIQUE)");
        let st = std::sync::Arc::new(st);
        let (tx, rx) = mpsc::channel();
        for i in 0..40 {
            let (tx, reader_path) = (tx.clone(), path.clone());
            // Every tenth write collides with an earlier one and must fail alone.
            let x = if i % 10 == 9 { i - 1 } else { i };
            st.write_then(
                x,
                |c, x| {
                    c.0.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                    Ok::<_, StoreError>(*x)
                },
                move |r, _| {
                    // Already visible to a new reader when the continuation runs.
                    let seen = r.as_ref().ok().map(|x| {
                        let c = Connection::open(&reader_path).unwrap();
                        c.query_row("SELECT COUNT(*) FROM t WHERE x = ?1", [x], |r| {
                            r.get::<_, i64>(0)
                        })
                        .unwrap()
                    });
                    tx.send((r.is_ok(), seen)).unwrap();
                },
            );
        }
        assert!(st.settle(std::time::Duration::from_secs(10)));
        drop(tx);
        let answers: Vec<(bool, Option<i64>)> = rx.iter().collect();
        assert_eq!(answers.len(), 40);
        assert_eq!(answers.iter().filter(|(ok, _)| !ok).count(), 4);
        assert!(answers
            .iter()
            .filter(|(ok, _)| *ok)
            .all(|(_, seen)| *seen == Some(1)));
        let n = rows(&st);
        assert_eq!(n, 36);
    }

    #[test]
    fn commits_reach_the_database_file_without_the_writer_checkpointing() {
        let (path, st) = store_with("CREATE TABLE t (x BLOB)");
        let before = std::fs::metadata(&path).unwrap().len();
        // 2 MB: far below the writer's own checkpoint threshold (10,000 pages).
        for _ in 0..64 {
            st.write(|c| {
                c.0.execute("INSERT INTO t (x) VALUES (zeroblob(32768))", [])?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        }
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().len() < before + 2_000_000 {
            assert!(
                std::time::Instant::now() < until,
                "db-checkpoint never copied the WAL into the database file"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn a_panicking_continuation_does_not_stop_the_others() {
        let st = Store::open(&tmp()).unwrap();
        st.write_then((), |_, _| Ok::<_, StoreError>(()), |_, _| panic!("boom"));
        let (tx, rx) = mpsc::channel();
        for _ in 0..4 {
            let tx = tx.clone();
            st.write_then(
                (),
                |_, _| Ok::<_, StoreError>(()),
                move |r, _| tx.send(r.is_ok()).unwrap(),
            );
        }
        assert!(st.settle(std::time::Duration::from_secs(10)));
        drop(tx);
        assert_eq!(rx.iter().filter(|ok| *ok).count(), 4);
    }

    #[test]
    fn a_panicking_write_is_reported_and_the_writer_survives() {
        let st = Store::open(&tmp()).unwrap();
        let r: std::result::Result<(), StoreError> = st.write(|_| panic!("boom"));
        assert!(matches!(r, Err(StoreError::Panicked)));
        assert!(st.write(|_| Ok::<_, StoreError>(())).is_ok());
    }
}
