//! The slow-clients figure: ping and the incoming webhook measured on a server of their own,
//! alone, then while 2,000 other connections each send their request head one byte a second
//! (slowloris) and never finish it, then alone again once those are closed. Each such connection holds one server thread while
//! it is read (nothing else: no worker, no database reader), so what is measured is what 2,000
//! waiting threads cost the clients that do send requests.
//!
//! The slow connections all come from 127.0.0.1, so this server runs with the connection caps
//! raised (`MaxConnections` 4000, `MaxConnectionsPerIP` 0): with the defaults, one address gets
//! 200 of them in and 2,000 from ten addresses fill `MaxConnections`, after which new
//! connections are refused (the caps protect the server's memory, not other clients' access).

use crate::figures::{account, measure};
use crate::http;
use crate::opts::{Opts, SLOW};
use crate::report::{
    self, mb, mb_from_kb, ms, num, thousands, with_range, Record, Row, Sample, Target,
};
use crate::server::{Launch, Server};
use crate::setup::{self, Prepared};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Slow connections held open during the second measurement.
pub const SLOW_CONNECTIONS: usize = 2000;

/// What each slow connection sends, a byte a second (60 s would not finish the head).
const HEAD: &[u8] = b"POST /hooks/slowslowslowslowslowslowslo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n{}";

/// Connections that trickle their request head, from one thread.
struct Trickle {
    stop: Arc<AtomicBool>,
    open: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Trickle {
    /// Opens `n` connections to `addr` (each sends its first byte at once), then sends every
    /// connection its next byte once a second until stopped. A connection the server closes
    /// (a write fails) is dropped and no longer counted in `open`.
    fn start(addr: SocketAddr, n: usize) -> Result<Trickle, String> {
        let mut socks = Vec::with_capacity(n);
        for i in 0..n {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
                .map_err(|e| format!("slow connection {i}: {e}"))?;
            let _ = s.set_nodelay(true);
            let _ = s.write_all(&HEAD[..1]);
            socks.push(Some(s));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(AtomicUsize::new(n));
        let (stopping, counted) = (stop.clone(), open.clone());
        let thread = thread::Builder::new()
            .name("slow-clients".into())
            .spawn(move || {
                let mut at = 1;
                let mut tick = Instant::now();
                while !stopping.load(Ordering::Relaxed) {
                    tick += Duration::from_secs(1);
                    while Instant::now() < tick && !stopping.load(Ordering::Relaxed) {
                        thread::sleep(Duration::from_millis(50));
                    }
                    let byte = &HEAD[at.min(HEAD.len() - 2)..][..1];
                    at += 1;
                    for slot in socks.iter_mut() {
                        if let Some(s) = slot {
                            if s.write_all(byte).is_err() {
                                *slot = None;
                                counted.fetch_sub(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            })
            .map_err(|e| format!("slow-clients thread: {e}"))?;
        Ok(Trickle {
            stop,
            open,
            thread: Some(thread),
        })
    }

    fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The figure (`--only slow`): its own server on the prepared data, caps raised.
pub fn figure(
    o: &Opts,
    launch: &Launch,
    prep: &Prepared,
    run: usize,
    rec: &mut Record,
) -> Result<(), String> {
    let id = match &prep.incoming {
        Err(why) => {
            rec.skip("slow", why);
            return Ok(());
        }
        Ok(id) => id,
    };
    let mut launch = launch.clone();
    for (k, v) in [
        ("MM_PERCHSETTINGS_MAXCONNECTIONS", "4000"),
        ("MM_PERCHSETTINGS_MAXCONNECTIONSPERIP", "0"),
    ] {
        launch.env.push((k.into(), v.into()));
    }
    let srv = Server::start(&launch)?;
    let host = srv.addr.to_string();
    let ping = http::request("GET", "/api/v4/system/ping", &host, &[], b"");
    let hook = http::request(
        "POST",
        &format!("/hooks/{id}"),
        &host,
        &[("Content-Type", "application/json")],
        setup::SLACK_PAYLOAD.as_bytes(),
    );
    let mut s = Sample::new();
    // Ping, then the webhook; their figures under `keys`.
    let both = |s: &mut Sample, rec: &mut Record, keys: [&'static str; 7]| {
        let (out, p) = measure(&srv, o, ping.clone());
        account(rec, "slow", &out);
        let (out, h) = measure(&srv, o, hook.clone());
        account(rec, "slow", &out);
        let values = [
            p.get("rps"),
            p.get("p50_ms"),
            p.get("p99_ms"),
            h.get("rps"),
            h.get("p99_ms"),
            h.get("threads"),
            h.get("rss_kb"),
        ];
        for (key, value) in keys.into_iter().zip(values) {
            if let Some(v) = value {
                s.insert(key, *v);
            }
        }
    };
    // A fresh server's first webhook load runs slower than later ones (caches, the database
    // file and WAL growing into place): one unmeasured pass first, so "before" is warm.
    let (out, _) = measure(&srv, o, hook.clone());
    account(rec, "slow", &out);
    both(
        &mut s,
        rec,
        [
            "ping_rps_before",
            "ping_p50_ms_before",
            "ping_p99_ms_before",
            "incoming_rps_before",
            "incoming_p99_ms_before",
            "threads_before",
            "rss_kb_before",
        ],
    );
    let opened = Instant::now();
    let trickle = match Trickle::start(srv.addr, SLOW_CONNECTIONS) {
        Ok(t) => t,
        Err(e) => {
            srv.stop();
            return Err(e);
        }
    };
    // Until the server holds a thread for (nearly) every slow connection.
    let base = s.get("threads_before").copied().unwrap_or(0.0);
    while (srv.memory().threads as f64) < base + SLOW_CONNECTIONS as f64 * 0.98
        && opened.elapsed() < Duration::from_secs(15)
    {
        thread::sleep(Duration::from_millis(100));
    }
    s.insert("open_s", opened.elapsed().as_secs_f64());
    both(
        &mut s,
        rec,
        [
            "ping_rps_slow",
            "ping_p50_ms_slow",
            "ping_p99_ms_slow",
            "incoming_rps_slow",
            "incoming_p99_ms_slow",
            "threads_slow",
            "rss_kb_slow",
        ],
    );
    s.insert("slow_open_at_end", trickle.open() as f64);
    drop(trickle);
    // Alone again once they are closed: "alone" is the mean of before and after, so a drift
    // over the figure (the database growing, the machine's other load) is not counted as the
    // slow connections' cost.
    let closed = Instant::now();
    while (srv.memory().threads as f64) > base + 20.0 && closed.elapsed() < Duration::from_secs(15)
    {
        thread::sleep(Duration::from_millis(100));
    }
    both(
        &mut s,
        rec,
        [
            "ping_rps_after",
            "ping_p50_ms_after",
            "ping_p99_ms_after",
            "incoming_rps_after",
            "incoming_p99_ms_after",
            "threads_after",
            "rss_kb_after",
        ],
    );
    srv.stop();
    for fig in ["ping_rps", "ping_p99_ms", "incoming_rps"] {
        let (Some(a), Some(b)) = (
            s.get(format!("{fig}_before").as_str()).copied(),
            s.get(format!("{fig}_after").as_str()).copied(),
        ) else {
            continue;
        };
        let key = match fig {
            "ping_rps" => "ping_rps_alone",
            "ping_p99_ms" => "ping_p99_ms_alone",
            _ => "incoming_rps_alone",
        };
        s.insert(key, (a + b) / 2.0);
    }
    if let (Some(a), Some(b)) = (s.get("incoming_rps_alone"), s.get("incoming_rps_slow")) {
        s.insert("incoming_ratio", b / a);
    }
    if let (Some(a), Some(b)) = (s.get("ping_rps_alone"), s.get("ping_rps_slow")) {
        s.insert("ping_ratio", b / a);
    }
    rec.add("slow", run, s);
    Ok(())
}

/// The figure's rows (`rows.rs` puts them after the other load figures).
pub fn rows(o: &Opts, rec: &Record) -> Vec<Row> {
    if !o.selected(SLOW) {
        return Vec::new();
    }
    let how = format!(
        "{SLOW_CONNECTIONS} connections from 127.0.0.1 each sending a request head one byte a \
         second (never finished), on a server of its own with MaxConnections 4000 and \
         MaxConnectionsPerIP 0; {}",
        o.how_load()
    );
    let row = |key: &'static str, title: &str, fmt: &dyn Fn(f64) -> String, t: Option<Target>| {
        let Some(s) = rec.stat("slow", key) else {
            let why = rec.not_measured.get("slow").cloned();
            let why = why.unwrap_or_else(|| "the figure failed".into());
            return Row::not_measured(key, title, &why, &how);
        };
        let mut r = Row {
            key,
            figure: title.into(),
            result: with_range(&s, fmt),
            how: how.clone(),
            ..Default::default()
        };
        r.json.insert("value".into(), report::stat_json(Some(s)));
        if let Some(t) = t {
            r.target(t, Some(s.median));
        }
        r
    };
    let rps = |v: f64| format!("{} req/s", thousands(v));
    let ratio = |v: f64| format!("{v:.2}×");
    let mb_kb = |v: f64| mb(mb_from_kb(v));
    vec![
        row(
            "incoming_rps_alone",
            "slow clients: incoming webhook alone",
            &rps,
            None,
        ),
        row(
            "incoming_rps_slow",
            "slow clients: incoming webhook with 2,000 slow connections",
            &rps,
            None,
        ),
        row(
            "incoming_ratio",
            "slow clients: incoming webhook, with ÷ alone",
            &ratio,
            Some(Target::MinShare(0.8)),
        ),
        row(
            "ping_p99_ms_alone",
            "slow clients: ping p99 alone",
            &ms,
            None,
        ),
        row(
            "ping_p99_ms_slow",
            "slow clients: ping p99 with 2,000 slow connections",
            &ms,
            Some(Target::MaxMs(20.0)),
        ),
        row(
            "ping_ratio",
            "slow clients: ping req/s, with ÷ alone",
            &ratio,
            None,
        ),
        row(
            "threads_slow",
            "slow clients: server threads with them",
            &num,
            None,
        ),
        row(
            "rss_kb_slow",
            "slow clients: server RSS with them",
            &mb_kb,
            None,
        ),
        row(
            "slow_open_at_end",
            "slow clients: slow connections still open at the end",
            &num,
            None,
        ),
    ]
}
