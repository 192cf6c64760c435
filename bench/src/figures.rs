//! One run of the load figures: a fresh server on the prepared data, its idle footprint, then
//! one function per figure (`ping`, `incoming`, `posts`, `outgoing`, `read`, `login`), each
//! driving the load generator against the server and recording what it measured (`upload.rs`:
//! one 100 MB file), then the extra cold starts. What a figure measures under load is `measure`'s `Sample`.

use crate::collect_log;
use crate::http;
use crate::load::{self, Spec, Stop};
use crate::opts::{Opts, FIGURES, SLOW};
use crate::receiver::{Deliveries, Receiver};
use crate::report::{Record, Sample};
use crate::server::{self, CpuWindow, Launch, Server};
use crate::setup::{self, Prepared};
use serde_json::{json, Value};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What every figure of one run works with.
struct Run<'a> {
    o: &'a Opts,
    srv: &'a Server,
    prep: &'a Prepared,
    receiver: &'a Receiver,
    /// The run's index (0-based), under which its samples are recorded.
    run: usize,
    /// A client with the poster's token (a channel member, not an admin).
    poster: http::Client,
}

/// One run: a fresh server, its footprint and status, every selected figure, then
/// `--cold-starts` more starts for the start-to-first-200 median.
pub fn one_run(
    o: &Opts,
    launch: &Launch,
    prep: &Prepared,
    receiver: &Receiver,
    run: usize,
    rec: &mut Record,
) -> Result<(), String> {
    let srv = Server::start(launch)?;
    footprint(&srv, run, rec);
    status(&srv, rec);
    let r = Run {
        o,
        srv: &srv,
        prep,
        receiver,
        run,
        poster: http::Client::with_token(srv.addr, &prep.poster_token),
    };
    for fig in FIGURES {
        if !o.selected(fig) {
            rec.skip(fig, "not selected (--only)");
            continue;
        }
        match fig {
            "ping" => ping(&r, rec),
            "incoming" => incoming(&r, rec),
            "posts" => posts(&r, rec),
            "outgoing" => outgoing(&r, rec),
            "read" => read(&r, rec),
            "login" => login(&r, rec),
            "websocket" => crate::websocket::figure(o, &srv, prep, run, rec),
            "upload" => crate::upload::upload(
                &srv,
                &launch.data_dir,
                &prep.poster_token,
                &prep.state.posts_channel,
                run,
                rec,
            ),
            _ => {}
        }
    }
    collect_log(rec, &srv);
    srv.stop();
    if o.selected(SLOW) {
        crate::slow::figure(o, launch, prep, run, rec)?;
    } else {
        rec.skip(SLOW, "not selected (--only)");
    }
    for _ in 0..o.cold_starts {
        let s = Server::start(launch)?;
        rec.cold_ms.push(s.first_200.as_secs_f64() * 1000.0);
        collect_log(rec, &s);
        s.stop();
    }
    Ok(())
}

/// The fresh server's start to first 200, and its RSS once idle for a second.
fn footprint(srv: &Server, run: usize, rec: &mut Record) {
    rec.cold_ms.push(srv.first_200.as_secs_f64() * 1000.0);
    thread::sleep(Duration::from_secs(1));
    rec.put("footprint", run, "idle_rss_kb", srv.memory().rss_kb as f64);
    rec.put(
        "footprint",
        run,
        "first_200_ms",
        srv.first_200.as_secs_f64() * 1000.0,
    );
}

/// The durability level and argon2 parameters the server reports.
fn status(srv: &Server, rec: &mut Record) {
    let status = http::Client::new(srv.addr)
        .ok("GET", "/api/v4/system/ping?get_server_status=true", None)
        .unwrap_or(Value::Null);
    if let Some(s) = status["perch_synchronous"].as_str() {
        rec.durability = Some(s.to_string());
    }
    if let Some(s) = status["perch_password_hash"].as_str() {
        rec.password_hash = Some(s.to_string());
    }
}

/// The ceiling: `GET /api/v4/system/ping`, which does no work.
fn ping(r: &Run, rec: &mut Record) {
    let host = r.srv.addr.to_string();
    let req = http::request("GET", "/api/v4/system/ping", &host, &[], b"");
    let (out, s) = measure(r.srv, r.o, req);
    account(rec, "ping", &out);
    rec.add("ping", r.run, s);
}

/// A Slack-style JSON payload to an incoming webhook.
fn incoming(r: &Run, rec: &mut Record) {
    let id = match &r.prep.incoming {
        Err(why) => return rec.skip("incoming", why),
        Ok(id) => id,
    };
    let req = http::request(
        "POST",
        &format!("/hooks/{id}"),
        &r.srv.addr.to_string(),
        &[("Content-Type", "application/json")],
        setup::SLACK_PAYLOAD.as_bytes(),
    );
    let (out, s) = measure(r.srv, r.o, req);
    account(rec, "incoming", &out);
    rec.add("incoming", r.run, s);
}

/// `POST /api/v4/posts` with a session token.
fn posts(r: &Run, rec: &mut Record) {
    let body = json!({"channel_id": r.prep.state.posts_channel, "message": setup::POST_MESSAGE})
        .to_string()
        .into_bytes();
    let req = r.poster.request("POST", "/api/v4/posts", &body);
    let (out, s) = measure(r.srv, r.o, req);
    account(rec, "posts", &out);
    rec.add("posts", r.run, s);
}

/// The newest page of the channel seeded with `--posts` posts.
fn read(r: &Run, rec: &mut Record) {
    if r.prep.state.seeded == 0 {
        return rec.skip("read", "no posts were seeded");
    }
    let path = format!(
        "/api/v4/channels/{}/posts?per_page=60",
        r.prep.state.big_channel
    );
    let (out, s) = measure(r.srv, r.o, r.poster.request("GET", &path, b""));
    account(rec, "read", &out);
    rec.add("read", r.run, s);
}

/// `--logins` sequential logins (RSS before and after: argon2's memory must not stay), then
/// logins under load.
fn login(r: &Run, rec: &mut Record) {
    let (srv, run) = (r.srv, r.run);
    let before = srv.memory();
    rec.put(
        "footprint",
        run,
        "rss_before_logins_kb",
        before.rss_kb as f64,
    );
    let mut c = http::Client::new(srv.addr);
    for _ in 0..r.o.logins {
        rec.requests += 1;
        if let Err(e) = setup::login(&mut c, setup::ADMIN) {
            rec.failures += 1;
            rec.note_failure("login", Some(&e));
        }
    }
    let mem = srv.memory();
    rec.put("footprint", run, "rss_after_logins_kb", mem.rss_kb as f64);
    let (out, s) = measure(srv, r.o, setup::login_request(srv.addr));
    account(rec, "login", &out);
    rec.add("login", run, s);
}

/// The outgoing figure. First every connection sends triggering posts (deliveries/s end to
/// end, lag); then half the connections send triggering posts and half plain posts to the same
/// channel, side by side, so the p99 that firing a hook adds to its POST is measured under the
/// very same load (a separate run at saturation would compare two different loads: each
/// triggering post also brings a delivery, its call and its outcome to the same two cores).
fn outgoing(r: &Run, rec: &mut Record) {
    let channel = match &r.prep.outgoing {
        Err(why) => return rec.skip("outgoing", why),
        Ok(channel) => channel,
    };
    let (o, srv, receiver, run) = (r.o, r.srv, r.receiver, r.run);
    receiver.take();
    let t0 = Instant::now();
    let post = |message: String| {
        let body = json!({"channel_id": channel, "message": message}).to_string();
        r.poster.request("POST", "/api/v4/posts", body.as_bytes())
    };
    let triggering = post(format!("{} {}", setup::TRIGGER, setup::POST_MESSAGE));
    let plain = post(setup::POST_MESSAGE.to_string());

    let (out, mut s) = measure(srv, o, triggering.clone());
    account(rec, "outgoing", &out);
    let mut expected = out.ok_total;
    let load_end = Instant::now();
    let d = wait_for_deliveries(receiver, expected, load_end);
    s.insert("deliveries", d.count as f64);
    s.insert("duplicates", d.duplicates as f64);
    let mut undelivered = expected.saturating_sub(d.count);
    if let Some(last) = d.last {
        let span = last.duration_since(t0).as_secs_f64();
        if span > 0.0 {
            s.insert("deliveries_per_s", d.count as f64 / span);
        }
        s.insert(
            "drain_s",
            last.saturating_duration_since(load_end).as_secs_f64(),
        );
    }
    if let Some(p) = load::percentile(&d.lags_ms, 50.0) {
        s.insert("lag_p50_ms", p as f64);
    }
    if let Some(p) = load::percentile(&d.lags_ms, 99.0) {
        s.insert("lag_p99_ms", p as f64);
    }
    if let (Some(p99), Some(base)) = (s.get("p99_ms").copied(), rec.get("posts", run, "p99_ms")) {
        s.insert("vs_posts_p99_ms", p99 - base);
    }

    // Side by side: triggering and plain posts under one load.
    let (mixed, _) = measure_mix(srv, o, vec![triggering, plain]);
    account(rec, "outgoing", &mixed);
    s.insert(
        "failures",
        s.get("failures").copied().unwrap_or(0.0) + mixed.failures as f64,
    );
    if let [trig, plain] = &mixed.by_request[..] {
        expected += trig.ok_total;
        let d = wait_for_deliveries(receiver, trig.ok_total, Instant::now());
        undelivered += trig.ok_total.saturating_sub(d.count);
        s.insert(
            "deliveries",
            s.get("deliveries").copied().unwrap_or(0.0) + d.count as f64,
        );
        s.insert(
            "duplicates",
            s.get("duplicates").copied().unwrap_or(0.0) + d.duplicates as f64,
        );
        if let (Some(t), Some(p)) = (trig.percentile_ms(99.0), plain.percentile_ms(99.0)) {
            s.insert("mixed_triggering_p99_ms", t);
            s.insert("mixed_plain_p99_ms", p);
            s.insert("added_p99_ms", t - p);
        }
        if let (Some(t), Some(p)) = (trig.percentile_ms(50.0), plain.percentile_ms(50.0)) {
            s.insert("mixed_triggering_p50_ms", t);
            s.insert("mixed_plain_p50_ms", p);
        }
    }
    s.insert("triggering_posts", expected as f64);
    s.insert("undelivered", undelivered as f64);
    if undelivered > 0 {
        rec.failures += undelivered;
        rec.note_failure(
            "outgoing",
            Some(&format!(
                "{undelivered} of {expected} triggering posts were not delivered"
            )),
        );
    }
    rec.add("outgoing", run, s);
}

/// Waits until `expected` deliveries arrived, or nothing new came for 5 s (30 s at most after
/// `load_end`), and takes what the receiver saw.
fn wait_for_deliveries(receiver: &Receiver, expected: u64, load_end: Instant) -> Deliveries {
    let (mut seen, mut progress) = (receiver.count(), Instant::now());
    while seen < expected
        && progress.elapsed() < Duration::from_secs(5)
        && load_end.elapsed() < Duration::from_secs(30)
    {
        thread::sleep(Duration::from_millis(20));
        let now = receiver.count();
        if now > seen {
            seen = now;
            progress = Instant::now();
        }
    }
    receiver.take()
}

/// One load figure: reset the peak RSS, run the load, read CPU and memory.
pub fn measure(srv: &Server, o: &Opts, request: Vec<u8>) -> (load::Outcome, Sample) {
    measure_mix(srv, o, vec![request])
}

/// `measure` with several requests sent side by side (connection `i` sends `requests[i % n]`).
fn measure_mix(srv: &Server, o: &Opts, requests: Vec<Vec<u8>>) -> (load::Outcome, Sample) {
    let peak_reset = srv.reset_peak().is_ok();
    let window = CpuWindow::open(srv);
    let out = load::run(&Spec {
        addr: srv.addr,
        requests: requests.into_iter().map(Arc::new).collect(),
        concurrency: o.concurrency,
        stop: Stop::Time {
            warmup: o.warmup,
            measure: o.duration,
        },
    });
    let cpu = window.close(srv);
    let mem = srv.memory();
    let served = out.ok_total + out.failures;
    let mut s = Sample::new();
    s.insert("rps", out.rps());
    if let Some(p) = out.percentile_ms(50.0) {
        s.insert("p50_ms", p);
    }
    if let Some(p) = out.percentile_ms(99.0) {
        s.insert("p99_ms", p);
    }
    if let Some(p) = out.percentile_ms(100.0) {
        s.insert("max_ms", p);
    }
    s.insert("measured", out.measured as f64);
    s.insert("requests", served as f64);
    s.insert("failures", out.failures as f64);
    s.insert("reconnects", out.reconnects as f64);
    if served > 0 {
        let us = cpu.server_ticks as f64 / server::ticks_per_second() * 1e6 / served as f64;
        s.insert("cpu_us_per_req", us);
    }
    s.insert("server_cores", cpu.server_cores);
    s.insert("bench_cores", cpu.bench_cores);
    s.insert("other_cores", cpu.other_cores);
    if peak_reset {
        s.insert("peak_rss_kb", mem.hwm_kb as f64);
    }
    s.insert("rss_kb", mem.rss_kb as f64);
    s.insert("threads", mem.threads as f64);
    (out, s)
}

/// Adds a figure's requests and failures to the invocation's totals.
pub fn account(rec: &mut Record, fig: &'static str, out: &load::Outcome) {
    rec.requests += out.ok_total + out.failures;
    rec.failures += out.failures;
    if out.failures > 0 {
        rec.note_failure(fig, Some(&out.failure_text()));
    }
}
