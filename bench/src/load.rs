//! The load generator: a fixed number of threads, each with its own keep-alive connection,
//! sending one prebuilt request after another (closed loop) for a fixed time or until a number
//! of requests has succeeded. Every non-2xx answer and every I/O error is a failure. A run may
//! mix several prebuilt requests (connection `i` sends request `i % n`); latencies are then also
//! kept per request, so two kinds of request can be compared under the very same load.

use crate::http::{self, Keep};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// When a load run ends.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// Run `warmup` (not measured) then `measure`.
    Time { warmup: Duration, measure: Duration },
    /// Run until this many requests have succeeded (failed ones are retried).
    Count(u64),
}

/// One load run's input.
pub struct Spec {
    pub addr: SocketAddr,
    /// The requests to send; connection `i` sends `requests[i % len]` (one or more).
    pub requests: Vec<Arc<Vec<u8>>>,
    pub concurrency: usize,
    pub stop: Stop,
}

/// What a load run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Successful requests that started and finished inside the measured window
    /// (for `Stop::Count`: all successful requests).
    pub measured: u64,
    /// The measured window in seconds (for `Stop::Count`: the whole run).
    pub seconds: f64,
    /// Every successful request, warm-up and stragglers included.
    pub ok_total: u64,
    /// Every failed request (non-2xx or I/O error), warm-up included.
    pub failures: u64,
    pub io_errors: u64,
    /// Count of each non-2xx status.
    pub statuses: BTreeMap<u16, u64>,
    /// Connections the server closed that had to be reopened.
    pub reconnects: u64,
    /// The first failure, described.
    pub first_failure: Option<String>,
    /// Latencies of the measured successful requests, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Per entry of `Spec::requests`: its successful requests (warm-up included) and its
    /// measured latencies (sorted).
    pub by_request: Vec<PerRequest>,
}

/// What one of a run's requests got (see `Outcome::by_request`).
#[derive(Debug, Default, Clone)]
pub struct PerRequest {
    pub ok_total: u64,
    pub latencies_us: Vec<u32>,
}

impl PerRequest {
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        percentile(&self.latencies_us, p).map(|us| us as f64 / 1000.0)
    }
}

impl Outcome {
    pub fn rps(&self) -> f64 {
        if self.seconds > 0.0 {
            self.measured as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank), if anything was measured.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        percentile(&self.latencies_us, p).map(|us| us as f64 / 1000.0)
    }

    /// `0 failed` or `12 failed (503×10, I/O×2; first: …)`.
    pub fn failure_text(&self) -> String {
        if self.failures == 0 {
            return "0 failed".into();
        }
        let mut kinds: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        if self.io_errors > 0 {
            kinds.push(format!("I/O×{}", self.io_errors));
        }
        format!(
            "{} failed ({}; first: {})",
            self.failures,
            kinds.join(", "),
            self.first_failure.as_deref().unwrap_or("?")
        )
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[derive(Default)]
struct Local {
    measured: u64,
    ok_total: u64,
    failures: u64,
    io_errors: u64,
    statuses: BTreeMap<u16, u64>,
    reconnects: u64,
    first_failure: Option<String>,
    latencies_us: Vec<u32>,
}

struct Shared {
    /// `Stop::Count`: successes still to obtain.
    remaining: AtomicI64,
    /// Set when a count-bounded run fails too often to be worth continuing.
    abort: AtomicBool,
    failure_budget: u64,
}

/// Runs the load and returns what it measured. Blocks for the whole run.
pub fn run(spec: &Spec) -> Outcome {
    let shared = Arc::new(Shared {
        remaining: AtomicI64::new(match spec.stop {
            Stop::Count(n) => n as i64,
            Stop::Time { .. } => 0,
        }),
        abort: AtomicBool::new(false),
        failure_budget: match spec.stop {
            Stop::Count(n) => (n / 10).max(1000),
            Stop::Time { .. } => u64::MAX,
        },
    });
    let begin = Instant::now();
    let kinds = spec.requests.len().max(1);
    let handles: Vec<_> = (0..spec.concurrency.max(1))
        .map(|i| {
            let shared = shared.clone();
            let request = spec.requests.get(i % kinds).cloned().unwrap_or_default();
            let (addr, stop) = (spec.addr, spec.stop);
            thread::Builder::new()
                .name(format!("load-{i}"))
                .spawn(move || worker(addr, &request, stop, begin, &shared))
        })
        .collect();
    let mut out = Outcome {
        by_request: vec![PerRequest::default(); kinds],
        ..Outcome::default()
    };
    for (i, h) in handles.into_iter().enumerate() {
        let local = match h {
            Ok(h) => h.join().unwrap_or_default(),
            Err(e) => {
                out.failures += 1;
                out.first_failure.get_or_insert(format!("spawn: {e}"));
                continue;
            }
        };
        out.measured += local.measured;
        out.ok_total += local.ok_total;
        out.failures += local.failures;
        out.io_errors += local.io_errors;
        out.reconnects += local.reconnects;
        for (s, n) in local.statuses {
            *out.statuses.entry(s).or_default() += n;
        }
        if out.first_failure.is_none() {
            out.first_failure = local.first_failure;
        }
        let mine = &mut out.by_request[i % kinds];
        mine.ok_total += local.ok_total;
        mine.latencies_us.extend_from_slice(&local.latencies_us);
        out.latencies_us.extend(local.latencies_us);
    }
    out.latencies_us.sort_unstable();
    for r in &mut out.by_request {
        r.latencies_us.sort_unstable();
    }
    out.seconds = match spec.stop {
        Stop::Time { measure, .. } => measure.as_secs_f64(),
        Stop::Count(_) => begin.elapsed().as_secs_f64(),
    };
    out
}

fn worker(addr: SocketAddr, request: &[u8], stop: Stop, begin: Instant, shared: &Shared) -> Local {
    let mut l = Local::default();
    let (from, until) = match stop {
        Stop::Time { warmup, measure } => (begin + warmup, Some(begin + warmup + measure)),
        Stop::Count(_) => (begin, None),
    };
    let mut conn = None;
    let mut opened = 0u64;
    loop {
        let started = Instant::now();
        match until {
            Some(end) if started >= end => break,
            Some(_) => {}
            None => {
                if shared.abort.load(Ordering::Relaxed) {
                    break;
                }
                if shared.remaining.fetch_sub(1, Ordering::SeqCst) <= 0 {
                    // Give the slot back: a request still in flight elsewhere may fail and
                    // re-open it, and then someone must still be there to take it.
                    shared.remaining.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match http::connect(addr) {
                Ok(c) => {
                    opened += 1;
                    conn.insert(c)
                }
                Err(e) => {
                    fail(
                        &mut l,
                        shared,
                        until.is_none(),
                        format!("connect: {e}"),
                        None,
                    );
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            },
        };
        match c.roundtrip(request, Keep::OnFailure) {
            Ok(m) => {
                let done = Instant::now();
                if m.close {
                    conn = None;
                }
                if m.is_success() {
                    l.ok_total += 1;
                    if started >= from && until.is_none_or(|end| done <= end) {
                        l.measured += 1;
                        let us = done.duration_since(started).as_micros();
                        l.latencies_us.push(us.min(u32::MAX as u128) as u32);
                    }
                } else {
                    fail(&mut l, shared, until.is_none(), m.summary(), Some(m.status));
                }
            }
            Err(e) => {
                conn = None;
                fail(&mut l, shared, until.is_none(), format!("I/O: {e}"), None);
            }
        }
    }
    l.reconnects = opened.saturating_sub(1);
    l
}

fn fail(l: &mut Local, shared: &Shared, counted: bool, what: String, status: Option<u16>) {
    l.failures += 1;
    match status {
        Some(s) => *l.statuses.entry(s).or_default() += 1,
        None => l.io_errors += 1,
    }
    if l.first_failure.is_none() {
        l.first_failure = Some(what);
    }
    if counted {
        // The request did not succeed: it is owed again.
        shared.remaining.fetch_add(1, Ordering::Relaxed);
        if l.failures > shared.failure_budget {
            shared.abort.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::sync::atomic::AtomicU64;

    /// A canned server: every 5th request gets a 500, every 7th response closes the connection.
    fn canned_server() -> (SocketAddr, Arc<AtomicU64>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(AtomicU64::new(0));
        let counter = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let counter = counter.clone();
                thread::spawn(move || {
                    let mut c = http::Conn::new(stream);
                    while let Ok(Some(_)) = c.read_request() {
                        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                        let status = if n.is_multiple_of(5) {
                            "500 Oops"
                        } else {
                            "200 OK"
                        };
                        let close = n.is_multiple_of(7);
                        let body = if close { "bye" } else { "ok" };
                        let resp = format!(
                            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{}\r\n{body}",
                            body.len(),
                            if close { "Connection: close\r\n" } else { "" }
                        );
                        if c.get_mut().write_all(resp.as_bytes()).is_err() || close {
                            break;
                        }
                    }
                });
            }
        });
        (addr, seen)
    }

    #[test]
    fn a_counted_run_gets_exactly_its_successes_and_reports_failures() {
        let (addr, seen) = canned_server();
        let request = Arc::new(http::request("GET", "/", "x", &[], b""));
        let out = run(&Spec {
            addr,
            requests: vec![request],
            concurrency: 3,
            stop: Stop::Count(200),
        });
        let total = seen.load(Ordering::SeqCst);
        assert_eq!(out.ok_total, 200);
        assert_eq!(out.measured, 200);
        // Requests in flight when the count is reached are answered but not counted, so the
        // server may have seen up to `concurrency` more than the client recorded.
        let counted = out.ok_total + out.failures;
        assert!(
            counted <= total && total <= counted + 3,
            "{counted} vs {total}"
        );
        assert!(
            out.failures.abs_diff(total / 5) <= 3,
            "{} vs {}",
            out.failures,
            total / 5
        );
        assert_eq!(out.statuses.get(&500).copied(), Some(out.failures));
        assert_eq!(
            out.io_errors, 0,
            "closed connections are reopened, not errors"
        );
        assert!(out.reconnects >= total / 7 - 3, "{out:?}");
        assert_eq!(out.latencies_us.len(), 200);
        assert!(out.latencies_us.windows(2).all(|w| w[0] <= w[1]));
        assert!(out.failure_text().contains("500×"));
        assert!(out.first_failure.unwrap().starts_with("500"));
    }

    #[test]
    fn a_mixed_run_keeps_each_requests_figures_apart() {
        // A server that answers `/slow` after 2 ms, `/missing` with 404 and anything else at once.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                thread::spawn(move || {
                    let mut c = http::Conn::new(stream);
                    while let Ok(Some(m)) = c.read_request() {
                        let status = if m.start_line.contains("/missing") {
                            "404 Not Found"
                        } else {
                            if m.start_line.contains("/slow") {
                                thread::sleep(Duration::from_millis(2));
                            }
                            "200 OK"
                        };
                        let resp = format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\nok");
                        if c.get_mut().write_all(resp.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let get = |path: &str| Arc::new(http::request("GET", path, "x", &[], b""));
        let out = run(&Spec {
            addr,
            requests: vec![get("/fast"), get("/slow"), get("/missing")],
            concurrency: 6,
            stop: Stop::Time {
                warmup: Duration::ZERO,
                measure: Duration::from_millis(300),
            },
        });
        let [fast, slow, missing] = &out.by_request[..] else {
            panic!("{out:?}")
        };
        assert!(fast.ok_total > 0 && slow.ok_total > 0, "{out:?}");
        assert_eq!(missing.ok_total, 0);
        assert!(missing.latencies_us.is_empty());
        assert_eq!(out.statuses.get(&404).copied(), Some(out.failures));
        assert_eq!(out.ok_total, fast.ok_total + slow.ok_total);
        assert_eq!(
            out.latencies_us.len(),
            fast.latencies_us.len() + slow.latencies_us.len()
        );
        assert!(slow.percentile_ms(50.0).unwrap() >= 2.0);
        assert!(fast.percentile_ms(50.0).unwrap() < slow.percentile_ms(50.0).unwrap());
    }

    #[test]
    fn a_refused_connection_is_a_failure() {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let out = run(&Spec {
            addr,
            requests: vec![Arc::new(http::request("GET", "/", "x", &[], b""))],
            concurrency: 1,
            stop: Stop::Time {
                warmup: Duration::ZERO,
                measure: Duration::from_millis(50),
            },
        });
        assert!(out.failures >= 1 && out.io_errors == out.failures);
        assert_eq!(out.measured, 0);
        assert!(out.failure_text().contains("connect"));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
