//! The server under test as a child process: start it on a port-0 listener, time the first
//! 200, drain its log, stop it with SIGTERM; what `/proc` says about it (RSS, peak RSS, CPU
//! time) and about the rest of the machine; and how much of its database file is in use.

use crate::http::{self, Keep};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How to start the server.
#[derive(Clone)]
pub struct Launch {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    /// Extra environment (`MM_*` overrides).
    pub env: Vec<(String, String)>,
}

/// What the server's log said, counted while it is drained.
#[derive(Default)]
pub struct LogStats {
    pub lines: AtomicU64,
    pub warnings: AtomicU64,
    pub errors: AtomicU64,
    /// The last few WARN/ERROR lines (and stderr lines), for the report.
    pub last_problems: Mutex<VecDeque<String>>,
}

impl LogStats {
    fn note(&self, line: &str) {
        self.lines.fetch_add(1, Ordering::Relaxed);
        let level = line.split_whitespace().nth(1).unwrap_or("");
        let problem = match level {
            "ERROR" => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                true
            }
            "WARN" => {
                self.warnings.fetch_add(1, Ordering::Relaxed);
                true
            }
            _ => false,
        };
        if problem {
            let mut q = self.last_problems.lock().unwrap_or_else(|e| e.into_inner());
            if q.len() == 5 {
                q.pop_front();
            }
            q.push_back(line.chars().take(300).collect());
        }
    }
}

/// A running server.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// From spawn to the first `200` on `GET /api/v4/system/ping`.
    pub first_200: Duration,
    pub log: Arc<LogStats>,
}

impl Server {
    /// Spawns the server and returns once it has answered a ping with 200.
    pub fn start(launch: &Launch) -> Result<Server, String> {
        let spawned = Instant::now();
        let mut child = Command::new(&launch.binary)
            .arg("--data-dir")
            .arg(&launch.data_dir)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", launch.binary.display()))?;
        let pid = child.id();
        let log = Arc::new(LogStats::default());
        let (addr_tx, addr_rx) = mpsc::channel::<SocketAddr>();
        if let Some(out) = child.stdout.take() {
            let log = log.clone();
            let _ = thread::Builder::new()
                .name("server-stdout".into())
                .spawn(move || drain_stdout(out, &log, addr_tx));
        }
        if let Some(err) = child.stderr.take() {
            let log = log.clone();
            let _ = thread::Builder::new()
                .name("server-stderr".into())
                .spawn(move || {
                    for line in BufReader::new(err).lines().map_while(Result::ok) {
                        let mut q = log.last_problems.lock().unwrap_or_else(|e| e.into_inner());
                        if q.len() == 5 {
                            q.pop_front();
                        }
                        q.push_back(format!("stderr: {line}"));
                    }
                });
        }
        let deadline = spawned + Duration::from_secs(20);
        let addr = loop {
            match addr_rx.recv_timeout(Duration::from_millis(20)) {
                Ok(a) => break a,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(failed_start(&mut child, &log, "its stdout closed"))
                }
            }
            if let Ok(Some(st)) = child.try_wait() {
                return Err(failed_start(&mut child, &log, &format!("it exited ({st})")));
            }
            if Instant::now() > deadline {
                return Err(failed_start(
                    &mut child,
                    &log,
                    "no `listening on` line in 20 s",
                ));
            }
        };
        let ping = http::request("GET", "/api/v4/system/ping", &addr.to_string(), &[], b"");
        let first_200 = loop {
            let ok = http::connect(addr)
                .and_then(|mut c| c.roundtrip(&ping, Keep::Nothing))
                .map(|m| m.status == 200)
                .unwrap_or(false);
            if ok {
                break spawned.elapsed();
            }
            if Instant::now() > deadline {
                return Err(failed_start(&mut child, &log, "no 200 on ping in 20 s"));
            }
            thread::sleep(Duration::from_micros(200));
        };
        Ok(Server {
            child,
            pid,
            addr,
            first_200,
            log,
        })
    }

    /// SIGTERM, then up to 10 s for a clean exit, then SIGKILL.
    pub fn stop(mut self) {
        terminate(self.pid);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn memory(&self) -> Memory {
        memory(self.pid)
    }

    /// Resets the peak RSS (`VmHWM`) to the current RSS, so the next peak is one figure's.
    pub fn reset_peak(&self) -> Result<(), String> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5")
            .map_err(|e| format!("cannot reset VmHWM: {e}"))
    }

    /// The server's CPU time so far (user + system), in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        process_ticks(&format!("/proc/{}/stat", self.pid))
    }

    /// The last WARN/ERROR lines the server logged.
    pub fn problems(&self) -> Vec<String> {
        let q = self
            .log
            .last_problems
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        q.iter().cloned().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn failed_start(child: &mut Child, log: &LogStats, why: &str) -> String {
    let _ = child.kill();
    let _ = child.wait();
    thread::sleep(Duration::from_millis(50));
    let q = log.last_problems.lock().unwrap_or_else(|e| e.into_inner());
    let tail: Vec<&str> = q.iter().map(String::as_str).collect();
    format!("the server did not start: {why}; last lines: {tail:?}")
}

/// Reads the server's stdout: the first `listening on http://HOST:PORT` gives the address;
/// then every line is counted (and WARN/ERROR lines kept) until the pipe closes.
fn drain_stdout(out: impl Read, log: &LogStats, addr_tx: mpsc::Sender<SocketAddr>) {
    let mut reader = BufReader::with_capacity(1 << 16, out);
    let mut line = Vec::with_capacity(256);
    let mut sent = false;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if !sent {
            if let Some(addr) = listening_addr(&text) {
                let _ = addr_tx.send(addr);
                sent = true;
            }
        }
        log.note(text.trim_end());
    }
}

/// The address in a `listening on http://127.0.0.1:PORT` line (the log line's prefix is ignored).
pub fn listening_addr(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    rest.split_whitespace()
        .next()?
        .trim_end_matches('/')
        .parse()
        .ok()
}

/// Memory figures from `/proc/PID/status`, in KiB.
#[derive(Debug, Default, Clone, Copy)]
pub struct Memory {
    pub rss_kb: u64,
    pub hwm_kb: u64,
    pub threads: u64,
}

pub fn memory(pid: u32) -> Memory {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    parse_status(&text)
}

fn parse_status(text: &str) -> Memory {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kb: field("VmRSS:"),
        hwm_kb: field("VmHWM:"),
        threads: field("Threads:"),
    }
}

/// utime + stime from a `/proc/…/stat` file, in clock ticks.
pub fn process_ticks(path: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    parse_stat_ticks(&text)
}

fn parse_stat_ticks(text: &str) -> u64 {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let Some((_, rest)) = text.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// The bench process's own CPU time, in clock ticks.
pub fn own_ticks() -> u64 {
    process_ticks("/proc/self/stat")
}

/// (busy, total) clock ticks of the whole machine, from `/proc/stat`.
pub fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    (busy, busy + get(3) + get(4))
}

/// Clock ticks per second.
#[allow(unsafe_code, reason = "sysconf has no safe std wrapper")]
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant system value; no memory is touched.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

#[allow(unsafe_code, reason = "sending a signal has no safe std API")]
fn terminate(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) on our own child's pid; it has not been reaped yet (we own the Child).
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

/// The size of a file, if it exists.
pub fn file_size(p: &Path) -> Option<u64> {
    std::fs::metadata(p).ok().map(|m| m.len())
}

/// Bytes of database pages in use, `(page_count - freelist_count) * page_size`, read through a
/// new read-only connection (so pages still in the WAL count): the bytes-per-post figure. Safe
/// while the server is running on the file.
pub fn db_bytes_in_use(path: &Path) -> Result<u64, String> {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let get = |pragma: &str| {
        c.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get::<_, i64>(0))
            .map_err(|e| format!("PRAGMA {pragma}: {e}"))
    };
    let (pages, free, size) = (
        get("page_count")?,
        get("freelist_count")?,
        get("page_size")?,
    );
    Ok(((pages - free).max(0) * size) as u64)
}

/// A CPU-time window over one figure: the server's, the bench's and everyone else's.
pub struct CpuWindow {
    started: Instant,
    server: u64,
    own: u64,
    machine: (u64, u64),
}

/// CPU use over a window, in cores (1.0 = one core busy for the whole window).
#[derive(Debug, Default, Clone, Copy)]
pub struct CpuUse {
    pub server_ticks: u64,
    pub server_cores: f64,
    pub bench_cores: f64,
    pub other_cores: f64,
}

impl CpuWindow {
    pub fn open(server: &Server) -> CpuWindow {
        CpuWindow {
            started: Instant::now(),
            server: server.cpu_ticks(),
            own: own_ticks(),
            machine: machine_ticks(),
        }
    }

    pub fn close(&self, server: &Server) -> CpuUse {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let hz = ticks_per_second();
        let server_ticks = server.cpu_ticks().saturating_sub(self.server);
        let own = own_ticks().saturating_sub(self.own);
        let (busy, _) = machine_ticks();
        let busy = busy.saturating_sub(self.machine.0);
        let cores = |t: u64| t as f64 / hz / secs;
        CpuUse {
            server_ticks,
            server_cores: cores(server_ticks),
            bench_cores: cores(own),
            other_cores: cores(busy.saturating_sub(server_ticks + own)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_address() {
        assert_eq!(
            listening_addr("listening on http://127.0.0.1:40123"),
            Some("127.0.0.1:40123".parse().unwrap())
        );
        assert_eq!(
            listening_addr(
                "2026-01-01T00:00:00Z INFO  [perch::app] listening on http://127.0.0.1:8/"
            ),
            Some("127.0.0.1:8".parse().unwrap())
        );
        assert_eq!(listening_addr("effective config: {}"), None);
    }

    #[test]
    fn proc_files_are_parsed() {
        let m =
            parse_status("Name:\tperch\nVmHWM:\t   15000 kB\nVmRSS:\t    9000 kB\nThreads:\t40\n");
        assert_eq!((m.rss_kb, m.hwm_kb, m.threads), (9000, 15000, 40));
        let stat = "123 (perch (x) y) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 40";
        assert_eq!(parse_stat_ticks(stat), 300);
        assert!(own_ticks() < u64::MAX);
    }

    #[test]
    fn database_bytes_count_pages_still_in_the_wal() {
        let dir = std::env::temp_dir().join(format!("perch-bench-db-{}", crate::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        let before = db_bytes_in_use(&path).unwrap();
        writer
            .execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100000))")
            .unwrap();
        // Not checkpointed: the new pages are only in the WAL, and still count.
        let after = db_bytes_in_use(&path).unwrap();
        assert!(after >= before + 100_000, "{before} -> {after}");
        drop(writer);
        assert!(db_bytes_in_use(&dir.join("missing.db")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
