//! The websocket figure: N sockets (of the poster, a member of the posts channel, each
//! authenticated by its upgrade request) at 1,000 and 10,000: the server's RSS per idle socket
//! and its threads; then 20 posts, one at a time, each timed from just before its
//! `POST /api/v4/posts` to the arrival of its `posted` frame on every socket (p50/p99/max over
//! all frames), the server CPU per delivered frame (`/proc/PID/task/*/schedstat` over the 20
//! fan-outs), and how much longer the POST itself took than with no socket open (the posting
//! path's wait for the fan-out). Last, the incoming-webhook load with 100 sockets listening
//! to the hook's channel, as a ratio to the run's incoming figure.

use crate::fleet::Fleet;
use crate::http;
use crate::opts::Opts;
use crate::report::{Record, Sample};
use crate::server::Server;
use crate::setup::{Prepared, POST_MESSAGE, SLACK_PAYLOAD};
use serde_json::json;
use std::thread;
use std::time::{Duration, Instant};

/// Broadcasts per step.
const BROADCASTS: u64 = 20;
/// The socket counts, and the keys their figures are recorded under.
const STEPS: [(usize, [&str; 9]); 2] = [
    (
        1_000,
        [
            "rss_per_socket_kb_1k",
            "threads_1k",
            "p50_ms_1k",
            "p99_ms_1k",
            "max_ms_1k",
            "cpu_us_per_frame_1k",
            "post_wait_ms_1k",
            "lost_frames_1k",
            "open_s_1k",
        ],
    ),
    (
        10_000,
        [
            "rss_per_socket_kb_10k",
            "threads_10k",
            "p50_ms_10k",
            "p99_ms_10k",
            "max_ms_10k",
            "cpu_us_per_frame_10k",
            "post_wait_ms_10k",
            "lost_frames_10k",
            "open_s_10k",
        ],
    ),
];

/// Sum of the server's threads' run time, in ns.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    dir.flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn pct(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    Some(v[i.min(v.len() - 1)])
}

/// One timed post: (its wall time in ms, ok).
fn post(c: &mut http::Client, channel: &str, message: &str) -> (f64, bool) {
    let t = Instant::now();
    let body = json!({"channel_id": channel, "message": message});
    let ok = c
        .call("POST", "/api/v4/posts", Some(&body))
        .is_ok_and(|m| m.is_success());
    (t.elapsed().as_secs_f64() * 1000.0, ok)
}

pub fn figure(o: &Opts, srv: &Server, prep: &Prepared, run: usize, rec: &mut Record) {
    let mut s = Sample::new();
    let channel = prep.state.posts_channel.clone();
    let mut c = http::Client::with_token(srv.addr, &prep.poster_token);
    // The POST's own time with no socket open.
    let mut base: Vec<f64> = (0..BROADCASTS)
        .map(|_| post(&mut c, &channel, POST_MESSAGE).0)
        .collect();
    let base_p50 = pct(&mut base, 50.0).unwrap_or(0.0);
    // Threads of the server's HTTP pool left from earlier figures end after 5 s idle.
    thread::sleep(Duration::from_millis(6000));
    s.insert("threads_0", srv.memory().threads as f64);
    for (step, (n, keys)) in STEPS.iter().enumerate() {
        if *n > o.ws_max {
            continue;
        }
        thread::sleep(Duration::from_millis(500));
        let before = srv.memory();
        let opened = Instant::now();
        let fleet = match Fleet::open(srv.addr, &prep.poster_token, *n, Duration::from_secs(120)) {
            Ok(f) => f,
            Err(e) => {
                rec.failures += 1;
                rec.note_failure("websocket", Some(&e));
                return rec.add("websocket", run, s);
            }
        };
        s.insert(keys[8], opened.elapsed().as_secs_f64());
        // The connections' HTTP threads go back to the server's pool, whose idle threads end
        // after 5 s: idle means after that.
        thread::sleep(Duration::from_millis(6000));
        let after = srv.memory();
        s.insert(
            keys[0],
            (after.rss_kb as f64 - before.rss_kb as f64) / *n as f64,
        );
        s.insert(keys[1], after.threads as f64);
        let cpu0 = cpu_ns(srv.pid);
        let (mut lat, mut waits, mut lost) = (Vec::new(), Vec::new(), 0usize);
        for i in 0..BROADCASTS {
            let marker = step as u64 * 1000 + i;
            let t0 = Instant::now();
            let (ms, ok) = post(
                &mut c,
                &channel,
                &format!("wsbench-{marker} {POST_MESSAGE}"),
            );
            rec.requests += 1;
            if !ok {
                rec.failures += 1;
                rec.note_failure("websocket", Some("a broadcast post failed"));
                continue;
            }
            waits.push(ms);
            while fleet.count(marker) < *n && t0.elapsed() < Duration::from_secs(10) {
                thread::sleep(Duration::from_micros(200));
            }
            let arrived = fleet.take(marker);
            lost += n - arrived.len().min(*n);
            lat.extend(
                arrived
                    .iter()
                    .map(|a| a.duration_since(t0).as_secs_f64() * 1000.0),
            );
            thread::sleep(Duration::from_millis(50));
        }
        let cpu = cpu_ns(srv.pid).saturating_sub(cpu0) as f64;
        if !lat.is_empty() {
            s.insert(keys[5], cpu / 1000.0 / lat.len() as f64);
        }
        for (k, p) in [(keys[2], 50.0), (keys[3], 99.0), (keys[4], 100.0)] {
            if let Some(v) = pct(&mut lat, p) {
                s.insert(k, v);
            }
        }
        if let Some(w) = pct(&mut waits, 50.0) {
            s.insert(keys[6], (w - base_p50).max(0.0));
        }
        s.insert(keys[7], (lost + fleet.failed()) as f64);
        if lost > 0 {
            rec.failures += lost as u64;
            rec.note_failure("websocket", Some(&format!("{lost} frames never arrived")));
        }
        drop(fleet);
    }
    incoming_with_listeners(o, srv, prep, run, rec, &mut s);
    let status = http::Client::new(srv.addr)
        .ok("GET", "/api/v4/system/ping?get_server_status=true", None)
        .unwrap_or_default();
    if let Some(us) = status["perch_websocket_publish_max_us"].as_f64() {
        s.insert("publish_max_ms", us / 1000.0);
    }
    if let Some(us) = status["perch_websocket_publish_p99_us"].as_f64() {
        s.insert("publish_p99_ms", us / 1000.0);
    }
    rec.add("websocket", run, s);
}

/// The incoming-webhook load with 100 sockets listening to the hook's channel, as a ratio
/// to the same run's incoming figure.
fn incoming_with_listeners(
    o: &Opts,
    srv: &Server,
    prep: &Prepared,
    run: usize,
    rec: &mut Record,
    s: &mut Sample,
) {
    let Ok(id) = &prep.incoming else { return };
    thread::sleep(Duration::from_millis(500));
    let fleet = match Fleet::open(srv.addr, &prep.poster_token, 100, Duration::from_secs(30)) {
        Ok(f) => f,
        Err(e) => return rec.note_failure("websocket", Some(&e)),
    };
    fleet.set_timing(false);
    let req = http::request(
        "POST",
        &format!("/hooks/{id}"),
        &srv.addr.to_string(),
        &[("Content-Type", "application/json")],
        SLACK_PAYLOAD.as_bytes(),
    );
    let (out, sample) = crate::figures::measure(srv, o, req);
    crate::figures::account(rec, "websocket", &out);
    drop(fleet);
    let rps = out.rps();
    s.insert("incoming_100_rps", rps);
    if let Some(p99) = sample.get("p99_ms") {
        s.insert("incoming_100_p99_ms", *p99);
    }
    if let Some(base) = rec.get("incoming", run, "rps").filter(|b| *b > 0.0) {
        s.insert("incoming_100_ratio", rps / base);
    }
}
