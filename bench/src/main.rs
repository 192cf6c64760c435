//! `perch-bench`: the whole-process benchmark (`docs/performance.md`). Starts the release `perch`
//! on a temp data dir, prepares accounts, channels and hooks through the API, drives each figure
//! with the built-in load generator (keep-alive HTTP/1.1, fixed concurrency, fixed duration), and
//! prints one Markdown table; the same figures go to `target/bench/latest.json`.
//!
//! Throughput is shown as a ratio to the ping ceiling measured in the same run, because
//! absolute figures on a shared machine are noise. See docs/performance.md.
//!
//! The parts: `opts` (command line), `setup` (accounts, hooks, seeding), `figures` (one run,
//! a function per figure), `load` and `http` (the load generator), `receiver` (outgoing
//! webhooks' target), `server` (the server process and `/proc`), `report` (statistics and the
//! table's format), `rows` (a row per figure), `output` (what is printed and written),
//! `machine` (the machine, binary and commit a report names), `transfer` (`perch import` and
//! `perch export` of a generated bulk-import file), `slow` (ping and webhooks beside 2,000
//! slowloris connections).

mod figures;
mod fleet;
mod http;
mod load;
mod machine;
mod opts;
mod output;
mod receiver;
mod report;
mod rows;
mod server;
mod setup;
mod slow;
mod transfer;
mod upload;
mod websocket;
mod ws_rows;

use machine::loadavg;
use opts::{parse, Opts, USAGE};
use receiver::Receiver;
use report::{thousands, Record};
use server::{Launch, Server};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

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

/// Prepares the data (accounts, hooks, seeded posts), then measures every run and reports.
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
        figures::one_run(o, launch, &prep, receiver, run, &mut rec)?;
        if o.selected(opts::TRANSFER) {
            eprintln!(
                "perch-bench: import and export of {} posts",
                thousands(o.transfer_posts as f64)
            );
            let dir = launch.data_dir.join("transfer");
            transfer::measure(&o.perch, &dir, o.transfer_posts, run, &mut rec)?;
        }
    }
    if !o.selected(opts::TRANSFER) {
        rec.skip(opts::TRANSFER, "not selected (--only)");
    }
    let rows = rows::rows(o, &rec, &prep);
    output::publish(o, launch, &rec, &rows, started, &load_start)?;
    Ok(rec.failures)
}

/// Adds a server's log counts and its last problems to the record.
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
