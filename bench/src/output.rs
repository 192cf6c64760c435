//! What one invocation prints and writes: a header (date, binary, commit, machine, settings),
//! the table, the conditions the figures were measured under, and the same figures with every
//! run's raw samples as JSON (`--out`, `target/bench/latest.json` by default).

use crate::machine::{cpu_model, git_describe, loadavg, perch_version, utc_now};
use crate::opts::Opts;
use crate::report::{self, num, stat, Record, Row};
use crate::server::Launch;
use serde_json::{json, Value};
use std::thread;
use std::time::Instant;

/// Prints the table (stdout) and writes the JSON document (`o.out`).
pub fn publish(
    o: &Opts,
    launch: &Launch,
    rec: &Record,
    rows: &[Row],
    started: Instant,
    load_start: &str,
) -> Result<(), String> {
    let load_end = loadavg();
    let conditions = conditions(rec);
    let header = header(o, &launch.env, load_start);
    println!("{header}\n");
    print!("{}", report::table(rows));
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
        "figures": report::rows_json(rows),
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
    Ok(())
}

/// The lines above the table.
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
