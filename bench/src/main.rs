//! `perch-bench`: the whole-process benchmark (issue 8). Starts the release `perch` on a temp
//! data dir, prepares accounts, channels and hooks through the API, drives each figure with
//! the built-in load generator (keep-alive HTTP/1.1, fixed concurrency, fixed duration), and
//! prints one Markdown table; the same figures go to `target/bench/latest.json`.
//!
//! Throughput is shown as a ratio to the ping ceiling measured in the same run, because
//! absolute figures on a shared machine are noise. See README "Performance".

mod http;
mod load;
mod receiver;
mod report;
mod server;
mod setup;

use load::{Spec, Stop};
use receiver::{Deliveries, Receiver};
use report::{mb, mb_from_kb, ms, num, stat, thousands, with_range, Record, Row, Sample, Target};
use serde_json::{json, Value};
use server::{CpuWindow, Launch, Server};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: perch-bench [OPTIONS]

Benchmarks a release build of perch on this machine and prints one table (Markdown);
the same figures are written as JSON. Normally run through scripts/bench, which builds first.

Options:
  --runs N             run every figure N times, interleaved; report medians (min–max) [1]
  --duration SECS      measured seconds per load figure [5]
  --warmup SECS        unmeasured seconds before each load figure [0.5]
  --concurrency N      keep-alive connections of the load generator [32]
  --posts N            posts seeded into the channel of the read figure [1000000]
  --seed-concurrency N connections used for seeding [64]
  --cold-starts N      extra cold starts per run, for the start-to-first-200 median [5]
  --logins N           sequential logins before the \"RSS after logins\" figure [100]
  --only LIST          load figures to run, comma-separated, from:
                       ping,incoming,posts,outgoing,read,login [all]
  --perch PATH         the server binary [the `perch` next to this binary]
  --data-dir DIR       keep the server's data here and reuse it next time (seeding is
                       resumed, not repeated) [a temp dir, deleted afterwards]
  --env KEY=VALUE      extra environment for the server, e.g. MM_PERCHSETTINGS_HTTPWORKERS=16
                       (repeatable)
  --out PATH           JSON output [target/bench/latest.json]
  -h, --help           this text

Exit status: 0 when every request succeeded, 3 when some failed, 1 when the run could not
be completed, 2 for bad options.";

/// The load figures, in the order each run measures them.
const FIGURES: [&str; 6] = ["ping", "incoming", "posts", "outgoing", "read", "login"];

#[derive(Debug, Clone)]
struct Opts {
    runs: usize,
    duration: Duration,
    warmup: Duration,
    concurrency: usize,
    posts: u64,
    seed_concurrency: usize,
    cold_starts: usize,
    logins: u64,
    only: Option<Vec<String>>,
    perch: PathBuf,
    data_dir: Option<PathBuf>,
    env: Vec<(String, String)>,
    out: PathBuf,
}

impl Opts {
    fn selected(&self, fig: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|l| l.iter().any(|f| f == fig))
    }

    fn how_load(&self) -> String {
        format!(
            "{} keep-alive connections, closed loop, {} s measured after {} s warm-up",
            self.concurrency,
            num(self.duration.as_secs_f64()),
            num(self.warmup.as_secs_f64())
        )
    }
}

fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut o = Opts {
        runs: 1,
        duration: Duration::from_secs(5),
        warmup: Duration::from_millis(500),
        concurrency: 32,
        posts: 1_000_000,
        seed_concurrency: 64,
        cold_starts: 5,
        logins: 100,
        only: None,
        perch: here.with_file_name("perch"),
        data_dir: None,
        env: Vec::new(),
        out: PathBuf::from("target/bench/latest.json"),
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| -> Result<f64, String> {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{what} must be a non-negative number, got {value:?}"))
        };
        let count = |what: &str| -> Result<u64, String> {
            value
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{what} must be a whole number, got {value:?}"))
        };
        match flag {
            "--runs" => o.runs = count(flag)?.max(1) as usize,
            "--duration" => o.duration = Duration::from_secs_f64(number(flag)?.max(0.1)),
            "--warmup" => o.warmup = Duration::from_secs_f64(number(flag)?),
            "--concurrency" => o.concurrency = count(flag)?.max(1) as usize,
            "--posts" => o.posts = count(flag)?,
            "--seed-concurrency" => o.seed_concurrency = count(flag)?.max(1) as usize,
            "--cold-starts" => o.cold_starts = count(flag)? as usize,
            "--logins" => o.logins = count(flag)?,
            "--only" => {
                let list: Vec<String> = value.split(',').map(|s| s.trim().to_string()).collect();
                if let Some(bad) = list.iter().find(|f| !FIGURES.contains(&f.as_str())) {
                    return Err(format!("--only: unknown figure {bad:?}"));
                }
                o.only = Some(list);
            }
            "--perch" => o.perch = PathBuf::from(value),
            "--data-dir" => o.data_dir = Some(PathBuf::from(value)),
            "--env" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--env wants KEY=VALUE, got {value:?}"))?;
                o.env.push((k.to_string(), v.to_string()));
            }
            "--out" => o.out = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}")),
        }
        i += 2;
    }
    Ok(Some(o))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("perch-bench: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match bench(&opts) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(3),
        Err(e) => {
            eprintln!("perch-bench: {e}");
            ExitCode::from(1)
        }
    }
}

/// A short random suffix (for temp dirs and channel names).
pub fn short_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", std::process::id(), nanos)
}

/// Runs everything; returns the number of failed requests.
fn bench(o: &Opts) -> Result<u64, String> {
    if !o.perch.exists() {
        return Err(format!(
            "no server binary at {} (build it with `cargo build --release`, or pass --perch)",
            o.perch.display()
        ));
    }
    let started = Instant::now();
    let load_start = loadavg();
    let receiver = Receiver::start().map_err(|e| format!("receiver: {e}"))?;
    let (dir, temporary) = match &o.data_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("perch-bench-{}", short_id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut env = vec![
        // The receiver of the outgoing figure listens on 127.0.0.1.
        (
            "MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS".to_string(),
            "127.0.0.1".to_string(),
        ),
        // The login figure logs in far faster than the per-IP login limiter allows.
        (
            "MM_PERCHSETTINGS_LOGINRATELIMITENABLE".to_string(),
            "false".to_string(),
        ),
    ];
    env.extend(o.env.iter().cloned());
    let launch = Launch {
        binary: o.perch.clone(),
        data_dir: dir.clone(),
        env,
    };
    let result = bench_in(o, &launch, &receiver, started, load_start);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn bench_in(
    o: &Opts,
    launch: &Launch,
    receiver: &Receiver,
    started: Instant,
    load_start: String,
) -> Result<u64, String> {
    let db = launch.data_dir.join("perch.db");
    let mut rec = Record::default();

    eprintln!(
        "perch-bench: preparing (data in {})",
        launch.data_dir.display()
    );
    let srv = Server::start(launch)?;
    let want_posts = if o.selected("read") { o.posts } else { 0 };
    let db_bytes = || server::db_bytes_in_use(&db).ok();
    let prep = setup::prepare(
        &srv,
        &launch.data_dir,
        receiver,
        want_posts,
        o.seed_concurrency,
        &db_bytes,
    );
    let prep = match prep {
        Ok(p) => p,
        Err(e) => {
            let problems = srv.problems();
            srv.stop();
            return Err(format!(
                "preparation failed: {e}; server said: {problems:?}"
            ));
        }
    };
    collect_log(&mut rec, &srv);
    srv.stop();
    if let Some((n, secs, failed)) = prep.seeded_now {
        rec.requests += n + failed;
        rec.failures += failed;
        eprintln!(
            "perch-bench: seeded {} posts in {:.1} s ({}/s, {failed} failed)",
            thousands(n as f64),
            secs,
            thousands(n as f64 / secs.max(1e-9))
        );
    }

    for run in 0..o.runs {
        eprintln!("perch-bench: run {}/{}", run + 1, o.runs);
        one_run(o, launch, &prep, receiver, run, &mut rec)?;
    }

    let rows = rows(o, &rec, &prep);
    let load_end = loadavg();
    let conditions = conditions(&rec);
    let header = header(o, &launch.env, &load_start);
    let failed_total = rec.failures;

    println!("{header}\n");
    print!("{}", report::table(&rows));
    println!("\n{conditions}");
    println!("load average at start: {load_start}; at end: {load_end}");
    if !rec.log_problems.is_empty() {
        println!("last server warnings/errors: {:?}", rec.log_problems);
    }

    let doc = json!({
        "format": 1,
        "date": utc_now(),
        "perch": perch_version(&o.perch),
        "git": git_describe(),
        "machine": {
            "cpus": thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "cpu_model": cpu_model(),
            "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
            "loadavg_start": load_start,
            "loadavg_end": load_end,
        },
        "settings": {
            "runs": o.runs,
            "duration_s": o.duration.as_secs_f64(),
            "warmup_s": o.warmup.as_secs_f64(),
            "concurrency": o.concurrency,
            "posts": o.posts,
            "seed_concurrency": o.seed_concurrency,
            "cold_starts_per_run": o.cold_starts,
            "logins": o.logins,
            "load_generator": "perch-bench built-in: one thread and one keep-alive HTTP/1.1 connection per concurrent client, closed loop, on the same machine",
            "only": o.only,
            "server_env": launch.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "command": std::env::args().collect::<Vec<_>>().join(" "),
        },
        "conditions": conditions,
        "figures": report::rows_json(&rows),
        "samples": rec.samples.iter().map(|(fig, runs)| {
            (fig.to_string(), Value::Array(runs.iter().map(|(run, s)| {
                let mut m: serde_json::Map<String, Value> =
                    s.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
                m.insert("run".into(), json!(run + 1));
                Value::Object(m)
            }).collect()))
        }).collect::<serde_json::Map<String, Value>>(),
        "cold_start_ms": rec.cold_ms,
        "requests": rec.requests,
        "failed_requests": rec.failures,
        "failure_notes": rec.failure_notes.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "server_log": {
            "lines": rec.log_lines,
            "warnings": rec.log_warnings,
            "errors": rec.log_errors,
            "last_problems": rec.log_problems,
        },
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    if let Some(parent) = o.out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(&o.out, text + "\n").map_err(|e| format!("{}: {e}", o.out.display()))?;
    eprintln!(
        "perch-bench: wrote {} ({:.0} s in all)",
        o.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(failed_total)
}

fn collect_log(rec: &mut Record, srv: &Server) {
    use std::sync::atomic::Ordering::Relaxed;
    rec.log_lines += srv.log.lines.load(Relaxed);
    rec.log_warnings += srv.log.warnings.load(Relaxed);
    rec.log_errors += srv.log.errors.load(Relaxed);
    for p in srv.problems() {
        if rec.log_problems.len() < 10 {
            rec.log_problems.push(p);
        }
    }
}

/// One load figure: reset the peak RSS, run the load, read CPU and memory.
fn measure(srv: &Server, o: &Opts, request: Vec<u8>) -> (load::Outcome, Sample) {
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

fn account(rec: &mut Record, fig: &'static str, out: &load::Outcome) {
    rec.requests += out.ok_total + out.failures;
    rec.failures += out.failures;
    if out.failures > 0 {
        rec.note_failure(fig, Some(&out.failure_text()));
    }
}

fn one_run(
    o: &Opts,
    launch: &Launch,
    prep: &setup::Prepared,
    receiver: &Receiver,
    run: usize,
    rec: &mut Record,
) -> Result<(), String> {
    let srv = Server::start(launch)?;
    rec.cold_ms.push(srv.first_200.as_secs_f64() * 1000.0);
    thread::sleep(Duration::from_secs(1));
    rec.put("footprint", run, "idle_rss_kb", srv.memory().rss_kb as f64);
    rec.put(
        "footprint",
        run,
        "first_200_ms",
        srv.first_200.as_secs_f64() * 1000.0,
    );

    let status = http::Client::new(srv.addr)
        .ok("GET", "/api/v4/system/ping?get_server_status=true", None)
        .unwrap_or(Value::Null);
    if let Some(s) = status["perch_synchronous"].as_str() {
        rec.durability = Some(s.to_string());
    }
    if let Some(s) = status["perch_password_hash"].as_str() {
        rec.password_hash = Some(s.to_string());
    }

    let host = srv.addr.to_string();
    let poster = http::Client::with_token(srv.addr, &prep.poster_token);
    let json_post = |channel: &str, message: &str| {
        json!({"channel_id": channel, "message": message})
            .to_string()
            .into_bytes()
    };
    for fig in FIGURES {
        if !o.selected(fig) {
            rec.skip(fig, "not selected (--only)");
            continue;
        }
        match fig {
            "ping" => {
                let req = http::request("GET", "/api/v4/system/ping", &host, &[], b"");
                let (out, s) = measure(&srv, o, req);
                account(rec, fig, &out);
                rec.add(fig, run, s);
            }
            "incoming" => match &prep.incoming {
                Err(why) => rec.skip(fig, why),
                Ok(id) => {
                    let req = http::request(
                        "POST",
                        &format!("/hooks/{id}"),
                        &host,
                        &[("Content-Type", "application/json")],
                        setup::SLACK_PAYLOAD.as_bytes(),
                    );
                    let (out, s) = measure(&srv, o, req);
                    account(rec, fig, &out);
                    rec.add(fig, run, s);
                }
            },
            "posts" => {
                let body = json_post(&prep.state.posts_channel, setup::POST_MESSAGE);
                let (out, s) = measure(&srv, o, poster.request("POST", "/api/v4/posts", &body));
                account(rec, fig, &out);
                rec.add(fig, run, s);
            }
            "outgoing" => match &prep.outgoing {
                Err(why) => rec.skip(fig, why),
                Ok(channel) => outgoing(o, &srv, &poster, channel, receiver, run, rec),
            },
            "read" => {
                if prep.state.seeded == 0 {
                    rec.skip(fig, "no posts were seeded");
                    continue;
                }
                let path = format!(
                    "/api/v4/channels/{}/posts?per_page=60",
                    prep.state.big_channel
                );
                let (out, s) = measure(&srv, o, poster.request("GET", &path, b""));
                account(rec, fig, &out);
                rec.add(fig, run, s);
            }
            "login" => {
                let before = srv.memory();
                rec.put(
                    "footprint",
                    run,
                    "rss_before_logins_kb",
                    before.rss_kb as f64,
                );
                let mut c = http::Client::new(srv.addr);
                for _ in 0..o.logins {
                    rec.requests += 1;
                    if let Err(e) = setup::login(&mut c, setup::ADMIN) {
                        rec.failures += 1;
                        rec.note_failure(fig, Some(&e));
                    }
                }
                let mem = srv.memory();
                rec.put("footprint", run, "rss_after_logins_kb", mem.rss_kb as f64);
                let (out, s) = measure(&srv, o, setup::login_request(srv.addr));
                account(rec, fig, &out);
                rec.add(fig, run, s);
            }
            _ => {}
        }
    }
    collect_log(rec, &srv);
    srv.stop();
    for _ in 0..o.cold_starts {
        let s = Server::start(launch)?;
        rec.cold_ms.push(s.first_200.as_secs_f64() * 1000.0);
        collect_log(rec, &s);
        s.stop();
    }
    Ok(())
}

/// The outgoing figure. First every connection sends triggering posts (deliveries/s end to
/// end, lag); then half the connections send triggering posts and half plain posts to the same
/// channel, side by side, so the p99 that firing a hook adds to its POST is measured under the
/// very same load (a separate run at saturation would compare two different loads: each
/// triggering post also brings a delivery, its call and its outcome to the same two cores).
fn outgoing(
    o: &Opts,
    srv: &Server,
    poster: &http::Client,
    channel: &str,
    receiver: &Receiver,
    run: usize,
    rec: &mut Record,
) {
    receiver.take();
    let t0 = Instant::now();
    let post = |message: String| {
        let body = json!({"channel_id": channel, "message": message}).to_string();
        poster.request("POST", "/api/v4/posts", body.as_bytes())
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

/// `+0.12 ms` / `-0.05 ms`.
fn signed_ms(v: f64) -> String {
    if v < 0.0 {
        format!("-{}", ms(-v))
    } else {
        format!("+{}", ms(v))
    }
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

/// Builds the table rows from what was recorded.
fn rows(o: &Opts, rec: &Record, prep: &setup::Prepared) -> Vec<Row> {
    let mut rows = Vec::new();
    let load_how = o.how_load();
    let posts_n = thousands(prep.state.seeded as f64);
    let figure_row = |key: &'static str, title: &str, how: String| -> Row {
        if let Some(why) = rec.not_measured.get(key) {
            if !rec.samples.contains_key(key) {
                return Row::not_measured(key, title, why, &how);
            }
        }
        let mut r = Row {
            key,
            figure: title.into(),
            how,
            ..Default::default()
        };
        let rps = rec.stat(key, "rps");
        let ratio = rec.ratio(key);
        let p50 = rec.stat(key, "p50_ms");
        let p99 = rec.stat(key, "p99_ms");
        let cpu = rec.stat(key, "cpu_us_per_req");
        let peak = rec.stat(key, "peak_rss_kb");
        let failed = rec.sum(key, "failures");
        if let Some(s) = &rps {
            r.result = format!("{} req/s", with_range(s, thousands));
        }
        if let Some(s) = &p50 {
            r.p50 = ms(s.median);
        }
        if let Some(s) = &p99 {
            r.p99 = ms(s.median);
        }
        if let Some(s) = &ratio {
            r.ratio = with_range(s, report::ratio);
        }
        if let Some(s) = &cpu {
            r.cpu = num(s.median);
        }
        if let Some(s) = &peak {
            r.peak = mb(mb_from_kb(s.median));
        }
        r.failed = thousands(failed);
        r.json.insert("req_per_s".into(), report::stat_json(rps));
        r.json
            .insert("ratio_to_ping".into(), report::stat_json(ratio));
        r.json.insert("p50_ms".into(), report::stat_json(p50));
        r.json.insert("p99_ms".into(), report::stat_json(p99));
        r.json
            .insert("server_cpu_us_per_req".into(), report::stat_json(cpu));
        r.json.insert(
            "peak_rss_mb".into(),
            report::stat_json(peak.map(|s| scale(s, mb_from_kb(1.0)))),
        );
        r.json.insert("failed".into(), json!(failed));
        r
    };

    let mut ping = figure_row(
        "ping",
        "ping ceiling",
        format!("GET /api/v4/system/ping; {load_how}"),
    );
    if rec.samples.contains_key("ping") {
        ping.ratio = "1.00".into();
    }
    rows.push(ping);

    let mut incoming = figure_row(
        "incoming",
        "incoming webhook",
        format!(
            "POST /hooks/{{id}} with a {}-byte Slack JSON payload (text with a <url|label> link); {load_how}",
            setup::SLACK_PAYLOAD.len()
        ),
    );
    incoming.target(
        Target::MinRatio(0.4),
        rec.ratio("incoming").map(|s| s.median),
    );
    rows.push(incoming);

    let post_body = json!({"channel_id": prep.state.posts_channel, "message": setup::POST_MESSAGE})
        .to_string()
        .len();
    let mut posts = figure_row(
        "posts",
        "create post",
        format!(
            "POST /api/v4/posts, Authorization: Bearer <session token> of a channel member (not an admin), {post_body}-byte body; {load_how}"
        ),
    );
    posts.target(Target::MinRatio(0.3), rec.ratio("posts").map(|s| s.median));
    rows.push(posts);

    let mut read = figure_row(
        "read",
        &format!("read channel ({posts_n} posts)"),
        format!(
            "GET /api/v4/channels/{{id}}/posts?per_page=60 (newest page) on a channel holding {posts_n} posts, as a member; {load_how}"
        ),
    );
    read.target(
        Target::MaxMs(10.0),
        rec.stat("read", "p99_ms").map(|s| s.median),
    );
    rows.push(read);

    // Seeding.
    let seed_how = format!(
        "POST /api/v4/posts into one channel, {} connections, closed loop, until {posts_n} succeeded; once per data dir",
        o.seed_concurrency
    );
    if prep.state.seeded > 0 && prep.state.seed_seconds > 0.0 {
        let rate = prep.state.seeded as f64 / prep.state.seed_seconds;
        let reused = if prep.seeded_now.is_none() {
            " (reused from an earlier invocation)"
        } else {
            ""
        };
        let mut r = Row {
            key: "seeding",
            figure: format!("seeding {posts_n} posts"),
            result: format!(
                "{:.0} s ({} posts/s){reused}",
                prep.state.seed_seconds,
                thousands(rate)
            ),
            failed: thousands(prep.state.seed_failures as f64),
            how: seed_how,
            ..Default::default()
        };
        r.json
            .insert("seconds".into(), json!(prep.state.seed_seconds));
        r.json.insert("posts".into(), json!(prep.state.seeded));
        r.json.insert("posts_per_s".into(), json!(rate));
        r.json
            .insert("reused".into(), json!(prep.seeded_now.is_none()));
        rows.push(r);
    } else {
        let why = rec
            .not_measured
            .get("read")
            .cloned()
            .unwrap_or_else(|| "no posts were seeded".into());
        rows.push(Row::not_measured("seeding", "seeding", &why, &seed_how));
    }

    // Outgoing webhooks.
    let out_how = format!(
        "POST /api/v4/posts whose first word is the trigger word of an outgoing hook (JSON) calling a receiver inside the bench; {load_how}; then up to 30 s for every delivery. Result: deliveries ÷ (last delivery − load start); p50/p99 are the triggering POSTs'; lag = arrival − post create_at. Then a second load of the same length where half the connections send triggering posts and half plain posts to the same channel: added p99 = triggering p99 − plain p99 of that load (both under the same load; \"vs create post\" = the first load's p99 − the create post figure's, a different load: each triggering post also brings its delivery's call and outcome to the same cores)"
    );
    let mut outgoing = figure_row("outgoing", "outgoing webhooks", out_how);
    if rec.samples.contains_key("outgoing") {
        let del = rec.stat("outgoing", "deliveries_per_s");
        let added = rec.stat("outgoing", "added_p99_ms");
        let vs_posts = rec.stat("outgoing", "vs_posts_p99_ms");
        let lag99 = rec.stat("outgoing", "lag_p99_ms");
        let undelivered = rec.sum("outgoing", "undelivered");
        let triggered = rec.sum("outgoing", "triggering_posts");
        let mut text = match &del {
            Some(s) => format!("{} deliveries/s", with_range(s, thousands)),
            None => "no deliveries".into(),
        };
        if let Some(a) = &added {
            text.push_str(&format!(
                "; {} p99 on the POST (side by side with plain posts)",
                signed_ms(a.median)
            ));
        }
        if let Some(v) = &vs_posts {
            text.push_str(&format!("; {} vs create post", signed_ms(v.median)));
        }
        if let Some(l) = &lag99 {
            text.push_str(&format!("; lag p99 {}", ms(l.median)));
        }
        if undelivered > 0.0 {
            text.push_str(&format!(
                "; {} of {} not delivered",
                thousands(undelivered),
                thousands(triggered)
            ));
        } else {
            text.push_str(&format!("; all {} delivered", thousands(triggered)));
        }
        outgoing.failed = thousands(rec.sum("outgoing", "failures") + undelivered);
        outgoing.result = text;
        outgoing
            .json
            .insert("deliveries_per_s".into(), report::stat_json(del));
        outgoing
            .json
            .insert("added_p99_ms".into(), report::stat_json(added));
        outgoing
            .json
            .insert("vs_posts_p99_ms".into(), report::stat_json(vs_posts));
        for key in [
            "mixed_triggering_p50_ms",
            "mixed_plain_p50_ms",
            "mixed_triggering_p99_ms",
            "mixed_plain_p99_ms",
        ] {
            outgoing
                .json
                .insert(key.into(), report::stat_json(rec.stat("outgoing", key)));
        }
        outgoing
            .json
            .insert("lag_p99_ms".into(), report::stat_json(lag99));
        outgoing.json.insert(
            "lag_p50_ms".into(),
            report::stat_json(rec.stat("outgoing", "lag_p50_ms")),
        );
        outgoing
            .json
            .insert("undelivered".into(), json!(undelivered));
        outgoing.target(Target::MaxMs(1.0), added.map(|s| s.median));
        outgoing.target = format!("added p99 ≈ 0: {}", outgoing.target);
    }
    rows.push(outgoing);

    let hash = rec
        .password_hash
        .clone()
        .unwrap_or_else(|| "argon2 parameters not reported by the server".into());
    let mut login = figure_row(
        "login",
        "login",
        format!(
            "POST /api/v4/users/login (username + password) with {hash}; login rate limiter off for the bench; {load_how}"
        ),
    );
    login.json.insert("argon2".into(), json!(hash));
    rows.push(login);

    // Footprint.
    let foot = |key: &'static str,
                title: &str,
                value: Option<report::Stat>,
                fmt: &dyn Fn(f64) -> String,
                target: Option<Target>,
                how: String,
                missing: &str| {
        let Some(s) = value else {
            return Row::not_measured(key, title, missing, &how);
        };
        let mut r = Row {
            key,
            figure: title.into(),
            result: with_range(&s, fmt),
            how,
            ..Default::default()
        };
        r.json.insert("value".into(), report::stat_json(Some(s)));
        if let Some(t) = target {
            r.target(t, Some(s.median));
        }
        r
    };
    let kb_mb = |s: Option<report::Stat>| s.map(|s| scale(s, mb_from_kb(1.0)));
    let mbs = |x: f64| mb(x);
    rows.push(foot(
        "idle_rss",
        "idle RSS",
        kb_mb(rec.stat("footprint", "idle_rss_kb")),
        &mbs,
        Some(Target::MaxMb(10.0)),
        "VmRSS 1 s after the first 200 of a fresh process (existing database)".into(),
        "no run completed",
    ));
    let incoming_missing = rec
        .not_measured
        .get("incoming")
        .cloned()
        .unwrap_or_else(|| "the incoming webhook figure did not run".into());
    rows.push(foot(
        "peak_rss_webhook",
        "peak RSS under webhook load",
        kb_mb(rec.stat("incoming", "peak_rss_kb")),
        &mbs,
        Some(Target::MaxMb(30.0)),
        "VmHWM over the incoming webhook figure (reset through /proc/PID/clear_refs just before it)".into(),
        &incoming_missing,
    ));
    rows.push(foot(
        "rss_with_posts",
        &format!("RSS with {posts_n} posts"),
        kb_mb(rec.stat("read", "rss_kb")),
        &mbs,
        None,
        "VmRSS right after the read channel figure".into(),
        "the read channel figure did not run",
    ));
    let grown: Vec<f64> = rec
        .samples
        .get("footprint")
        .map(|runs| {
            runs.values()
                .filter_map(|s| {
                    Some(s.get("rss_after_logins_kb")? - s.get("rss_before_logins_kb")?)
                })
                .collect()
        })
        .unwrap_or_default();
    let grown = stat(&grown).map(|g| mb_from_kb(g.median));
    let mut logins_row = foot(
        "rss_after_logins",
        &format!("RSS after {} logins", o.logins),
        kb_mb(rec.stat("footprint", "rss_after_logins_kb")),
        &mbs,
        None,
        format!(
            "VmRSS after {} sequential logins on one connection (before the login figure); growth = after − before the logins",
            o.logins
        ),
        "the login figure did not run",
    );
    if let Some(g) = grown {
        // No "-0.0": a growth within ±50 kB is nothing.
        let g = if g.abs() < 0.05 { 0.0 } else { g };
        logins_row
            .result
            .push_str(&format!("; {g:+.1} MB over the logins"));
        logins_row.json.insert("growth_mb".into(), json!(g));
    }
    rows.push(logins_row);
    let size = server::file_size(&o.perch).map(|b| b as f64 / 1e6);
    rows.push(foot(
        "binary_size",
        "stripped release binary",
        size.and_then(|v| stat(&[v])),
        &mbs,
        Some(Target::MaxMb(10.0)),
        format!(
            "size of {} (profile.release: strip = true, lto = true, codegen-units = 1)",
            relative(&o.perch).display()
        ),
        "binary not found",
    ));
    let cold = stat(&rec.cold_ms);
    rows.push(foot(
        "first_200",
        "start to first 200",
        cold,
        &|x| ms(x),
        Some(Target::MaxMs(100.0)),
        format!(
            "spawn → first 200 on GET /api/v4/system/ping (port from the server's stdout), existing database; median of {} cold starts",
            rec.cold_ms.len()
        ),
        "no cold start completed",
    ));
    rows.push(foot(
        "db_bytes_per_post",
        "database bytes per post",
        prep.state.bytes_per_post.and_then(|b| stat(&[b])),
        &|x| format!("{x:.0} B"),
        None,
        format!(
            "(pages in use after seeding − before) × page size ÷ {posts_n} posts, with the {}-character message above",
            setup::POST_MESSAGE.chars().count()
        ),
        "no posts were seeded",
    ));

    // Durability.
    let how = "perch_synchronous in GET /api/v4/system/ping?get_server_status=true".to_string();
    match &rec.durability {
        Some(level) => {
            let mut r = Row {
                key: "durability",
                figure: "durability".into(),
                result: format!("synchronous = {level}"),
                how,
                ..Default::default()
            };
            r.json.insert("synchronous".into(), json!(level));
            r.target(Target::Full, Some(if level == "FULL" { 1.0 } else { 0.0 }));
            rows.push(r);
        }
        None => rows.push(Row::not_measured(
            "durability",
            "durability",
            "the server does not report its synchronous level",
            &how,
        )),
    }

    let mut total = Row {
        key: "failed_requests",
        figure: "failed requests".into(),
        result: format!(
            "{} of {}",
            thousands(rec.failures as f64),
            thousands(rec.requests as f64)
        ),
        failed: thousands(rec.failures as f64),
        how: "every non-2xx answer, I/O error and undelivered outgoing webhook of the whole invocation (set-up, seeding, figures)".into(),
        ..Default::default()
    };
    total.json.insert("requests".into(), json!(rec.requests));
    total.json.insert("failed".into(), json!(rec.failures));
    total.target(Target::Zero, Some(rec.failures as f64));
    rows.push(total);
    rows
}

/// `path` relative to the working directory when it is below it.
fn relative(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

fn scale(s: report::Stat, k: f64) -> report::Stat {
    report::Stat {
        median: s.median * k,
        min: s.min * k,
        max: s.max * k,
        n: s.n,
    }
}

fn header(o: &Opts, env: &[(String, String)], load_start: &str) -> String {
    let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "perch-bench {date} · {perch} · {git} · {cpus} CPUs ({model}) · load average at start {load_start}\n\
         {runs} run(s), figures interleaved, medians (min–max); {conc} connections, {dur} s per figure after {warm} s warm-up\n\
         server: default configuration plus {env}; its access log (a line per request at INFO) is read and discarded by the bench",
        env = env.join(" "),
        date = utc_now(),
        perch = perch_version(&o.perch),
        git = git_describe(),
        cpus = thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        model = cpu_model(),
        runs = o.runs,
        conc = o.concurrency,
        dur = num(o.duration.as_secs_f64()),
        warm = num(o.warmup.as_secs_f64()),
    )
}

/// A sentence on how busy the machine was during the load figures.
fn conditions(rec: &Record) -> String {
    let all = |key: &str| -> Vec<f64> {
        rec.samples
            .iter()
            .filter(|(fig, _)| **fig != "footprint")
            .flat_map(|(_, runs)| runs.values().filter_map(|s| s.get(key).copied()))
            .collect()
    };
    let describe = |key: &str| match stat(&all(key)) {
        Some(s) => format!("{:.2} (min {:.2}, max {:.2})", s.median, s.min, s.max),
        None => "?".into(),
    };
    format!(
        "CPU during the load figures, in cores (median over figures): server {}, load generator {}, \
         other processes {}. Server log: {} lines, {} warnings, {} errors.",
        describe("server_cores"),
        describe("bench_cores"),
        describe("other_cores"),
        rec.log_lines,
        rec.log_warnings,
        rec.log_errors
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into())
}

fn perch_version(bin: &Path) -> String {
    std::process::Command::new(bin)
        .arg("version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Perch Version:"))
                .map(|v| format!("perch {}", v.trim()))
        })
        .unwrap_or_else(|| "perch (version unknown)".into())
}

fn git_describe() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "--short", "HEAD"]) {
        Some(h) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("git {h}+changes")
            } else {
                format!("git {h}")
            }
        }
        None => "git unknown".into(),
    }
}

/// `2026-11-29T04:10:00Z`
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options_parse_and_bad_ones_are_refused() {
        let o = parse(&args(
            "--runs 3 --duration 2.5 --only ping,posts --posts 1_000 --env A=b=c",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.runs, 3);
        assert_eq!(o.duration, Duration::from_millis(2500));
        assert_eq!(o.posts, 1000);
        assert!(o.selected("posts") && !o.selected("read"));
        assert_eq!(o.env, vec![("A".to_string(), "b=c".to_string())]);
        assert!(parse(&args("--help")).unwrap().is_none());
        assert!(parse(&args("--only nope")).is_err());
        assert!(parse(&args("--runs")).is_err());
        assert!(parse(&args("--frobnicate 1")).is_err());
        assert!(parse(&args("--duration -1")).is_err());
    }

    #[test]
    fn the_date_is_iso_8601_utc() {
        let d = utc_now();
        assert_eq!(d.len(), 20);
        assert!(d.starts_with("20") && d.ends_with('Z'));
    }
}
