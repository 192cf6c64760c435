//! The table's rows, built from what the runs recorded: one function per figure (its title,
//! its result text, its JSON fields, its target), plus the footprint, durability and failure
//! rows.

use crate::opts::Opts;
use crate::report::{
    self, mb, mb_from_kb, ms, num, stat, thousands, with_range, Record, Row, Stat, Target,
};
use crate::server;
use crate::setup::{self, Prepared};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Every row of the table, in order.
pub fn rows(o: &Opts, rec: &Record, prep: &Prepared) -> Vec<Row> {
    let mut rows = vec![
        ping_row(o, rec),
        incoming_row(o, rec),
        posts_row(o, rec, prep),
        read_row(o, rec, prep),
        seeding_row(o, rec, prep),
        outgoing_row(o, rec),
        login_row(o, rec),
        upload_row(rec),
    ];
    rows.extend(crate::ws_rows::rows(o, rec));
    rows.extend(crate::slow::rows(o, rec));
    rows.extend(transfer_rows(o, rec));
    rows.extend(footprint_rows(o, rec, prep));
    rows.push(durability_row(rec));
    rows.push(failed_row(rec));
    rows
}

/// The row of a load figure: throughput, ratio to ping, latencies, CPU, peak RSS, failures.
fn figure_row(rec: &Record, key: &'static str, title: &str, how: String) -> Row {
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
}

/// A footprint row: one value with its range, and a target if it has one.
fn footprint_row(
    key: &'static str,
    title: &str,
    value: Option<Stat>,
    fmt: &dyn Fn(f64) -> String,
    target: Option<Target>,
    how: String,
    missing: &str,
) -> Row {
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
}

/// The ping ceiling, to which the other load figures are compared.
fn ping_row(o: &Opts, rec: &Record) -> Row {
    let load_how = o.how_load();
    let mut ping = figure_row(
        rec,
        "ping",
        "ping ceiling",
        format!("GET /api/v4/system/ping; {load_how}"),
    );
    if rec.samples.contains_key("ping") {
        ping.ratio = "1.00".into();
    }
    ping
}

/// The incoming webhook: at least 0.4× the ping ceiling.
fn incoming_row(o: &Opts, rec: &Record) -> Row {
    let load_how = o.how_load();
    let mut incoming = figure_row(
        rec,
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
    incoming
}

/// Creating a post: at least 0.3× the ping ceiling.
fn posts_row(o: &Opts, rec: &Record, prep: &Prepared) -> Row {
    let load_how = o.how_load();
    let post_body = json!({"channel_id": prep.state.posts_channel, "message": setup::POST_MESSAGE})
        .to_string()
        .len();
    let mut posts = figure_row(
        rec,
        "posts",
        "create post",
        format!(
            "POST /api/v4/posts, Authorization: Bearer <session token> of a channel member (not an admin), {post_body}-byte body; {load_how}"
        ),
    );
    posts.target(Target::MinRatio(0.3), rec.ratio("posts").map(|s| s.median));
    posts
}

/// Reading the newest page of the big channel: p99 at most 10 ms.
fn read_row(o: &Opts, rec: &Record, prep: &Prepared) -> Row {
    let load_how = o.how_load();
    let posts_n = thousands(prep.state.seeded as f64);
    let mut read = figure_row(
        rec,
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
    read
}

/// Seeding the big channel (once per data directory).
fn seeding_row(o: &Opts, rec: &Record, prep: &Prepared) -> Row {
    let posts_n = thousands(prep.state.seeded as f64);
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
        r
    } else {
        let why = rec
            .not_measured
            .get("read")
            .cloned()
            .unwrap_or_else(|| "no posts were seeded".into());
        Row::not_measured("seeding", "seeding", &why, &seed_how)
    }
}

/// Outgoing webhooks: deliveries/s, and the p99 that firing a hook adds to its post.
fn outgoing_row(o: &Opts, rec: &Record) -> Row {
    let load_how = o.how_load();
    let out_how = format!(
        "POST /api/v4/posts whose first word is the trigger word of an outgoing hook (JSON) calling a receiver inside the bench; {load_how}; then up to 30 s for every delivery. Result: deliveries ÷ (last delivery − load start); p50/p99 are the triggering POSTs'; lag = arrival − post create_at. Then a second load of the same length where half the connections send triggering posts and half plain posts to the same channel: added p99 = triggering p99 − plain p99 of that load (both under the same load; \"vs create post\" = the first load's p99 − the create post figure's, a different load: each triggering post also brings its delivery's call and outcome to the same cores)"
    );
    let mut outgoing = figure_row(rec, "outgoing", "outgoing webhooks", out_how);
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
    outgoing
}

/// Logins under load (argon2 bound).
fn login_row(o: &Opts, rec: &Record) -> Row {
    let load_how = o.how_load();
    let hash = rec
        .password_hash
        .clone()
        .unwrap_or_else(|| "argon2 parameters not reported by the server".into());
    let mut login = figure_row(
        rec,
        "login",
        "login",
        format!(
            "POST /api/v4/users/login (username + password) with {hash}; login rate limiter off for the bench; {load_how}"
        ),
    );
    login.json.insert("argon2".into(), json!(hash));
    login
}

/// One 100 MB upload and its download: throughput against the disk, and the RSS growth.
fn upload_row(rec: &Record) -> Row {
    let how = format!(
        "POST /api/v4/files (raw body) of {} MiB, then GET of it, one connection each; the \
         disk figure writes the same bytes to a file beside the database and fsyncs it; RSS \
         sampled every 5 ms, growth over the RSS just before",
        crate::upload::SIZE >> 20
    );
    let up = rec.stat("upload", "upload_mb_s");
    let Some(up) = up else {
        let why = rec
            .not_measured
            .get("upload")
            .map(String::as_str)
            .unwrap_or("no run completed");
        return Row::not_measured("upload", "upload 100 MB", why, &how);
    };
    let disk = rec.stat("upload", "disk_mb_s");
    let ratio = rec.stat("upload", "ratio_to_disk");
    let growth = rec
        .stat("upload", "rss_growth_kb")
        .map(|s| scale(s, mb_from_kb(1.0)));
    let down = rec.stat("upload", "download_mb_s");
    let down_growth = rec
        .stat("upload", "download_rss_growth_kb")
        .map(|s| scale(s, mb_from_kb(1.0)));
    let mbs = |x: f64| format!("{x:.0} MB/s");
    let mut r = Row {
        key: "upload",
        figure: "upload 100 MB".into(),
        result: format!(
            "{} ({} disk write {}); RSS +{}; download {}, RSS +{}",
            with_range(&up, mbs),
            ratio.map_or("?".into(), |s| with_range(&s, |x| format!("{x:.2}×"))),
            disk.map_or("?".into(), |s| with_range(&s, mbs)),
            growth.map_or("?".into(), |s| with_range(&s, mb)),
            down.map_or("?".into(), |s| with_range(&s, mbs)),
            down_growth.map_or("?".into(), |s| with_range(&s, mb)),
        ),
        how,
        failed: thousands(rec.sum("upload", "failures")),
        ..Default::default()
    };
    r.json
        .insert("upload_mb_s".into(), report::stat_json(Some(up)));
    r.json.insert("disk_mb_s".into(), report::stat_json(disk));
    r.json
        .insert("ratio_to_disk".into(), report::stat_json(ratio));
    r.json
        .insert("rss_growth_mb".into(), report::stat_json(growth));
    r.json
        .insert("download_mb_s".into(), report::stat_json(down));
    r.json.insert(
        "download_rss_growth_mb".into(),
        report::stat_json(down_growth),
    );
    r.target(Target::MaxMb(8.0), growth.map(|s| s.median));
    r
}

/// Memory, binary size, start time and database size.
fn footprint_rows(o: &Opts, rec: &Record, prep: &Prepared) -> Vec<Row> {
    let mut rows = Vec::new();
    let posts_n = thousands(prep.state.seeded as f64);
    let kb_mb = |s: Option<report::Stat>| s.map(|s| scale(s, mb_from_kb(1.0)));
    let mbs = |x: f64| mb(x);
    rows.push(footprint_row(
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
    rows.push(footprint_row(
        "peak_rss_webhook",
        "peak RSS under webhook load",
        kb_mb(rec.stat("incoming", "peak_rss_kb")),
        &mbs,
        Some(Target::MaxMb(30.0)),
        "VmHWM over the incoming webhook figure (reset through /proc/PID/clear_refs just before it)".into(),
        &incoming_missing,
    ));
    rows.push(footprint_row(
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
    let mut logins_row = footprint_row(
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
    rows.push(footprint_row(
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
    rows.push(footprint_row(
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
    rows.push(footprint_row(
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

    rows
}

/// The durability level in force (`synchronous = FULL`).
fn durability_row(rec: &Record) -> Row {
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
            r
        }
        None => Row::not_measured(
            "durability",
            "durability",
            "the server does not report its synchronous level",
            &how,
        ),
    }
}

/// Every failed request of the invocation: the target is none.
fn failed_row(rec: &Record) -> Row {
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
    total
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

/// `+0.12 ms` / `-0.05 ms`.
fn signed_ms(v: f64) -> String {
    if v < 0.0 {
        format!("-{}", ms(-v))
    } else {
        format!("+{}", ms(v))
    }
}

/// `perch import` and `perch export` of the generated file: time (target: under a minute),
/// posts per second, and peak RSS beside the peak with a tenth of the posts (flat memory).
fn transfer_rows(o: &Opts, rec: &Record) -> Vec<Row> {
    let posts_n = thousands(o.transfer_posts as f64);
    let small_n = thousands((o.transfer_posts / 10).max(10) as f64);
    let how = |what: &str| {
        format!(
            "perch {what} of a generated bulk-import file ({posts_n} posts in 10 channels by 20 users, \
             one in ten a reply), release binary, server stopped; peak RSS = VmHWM, beside the \
             same with {small_n} posts"
        )
    };
    let mut rows = Vec::new();
    for (what, secs, peak, small_peak) in [
        (
            "import",
            "import_s",
            "import_peak_rss_kb",
            "small_import_peak_rss_kb",
        ),
        (
            "export",
            "export_s",
            "export_peak_rss_kb",
            "small_export_peak_rss_kb",
        ),
    ] {
        let key: &'static str = if what == "import" { "import" } else { "export" };
        let title = format!("{what} {posts_n} posts");
        let Some(s) = rec.stat("transfer", secs) else {
            let why = rec
                .not_measured
                .get("transfer")
                .cloned()
                .unwrap_or_else(|| "not run".into());
            rows.push(Row::not_measured(key, &title, &why, &how(what)));
            continue;
        };
        let rate = o.transfer_posts as f64 / s.median.max(1e-9);
        let mut r = Row {
            key,
            figure: title,
            result: format!("{} s ({} posts/s)", with_range(&s, num), thousands(rate)),
            how: how(what),
            ..Default::default()
        };
        let peak_mb = rec.stat("transfer", peak).map(|p| mb_from_kb(p.median));
        let small_mb = rec
            .stat("transfer", small_peak)
            .map(|p| mb_from_kb(p.median));
        if let (Some(p), Some(q)) = (peak_mb, small_mb) {
            r.peak = format!("{} ({} with {small_n})", mb(p), mb(q));
        }
        r.json.insert("seconds".into(), report::stat_json(Some(s)));
        r.json.insert("posts_per_second".into(), json!(rate));
        r.json.insert("peak_rss_mb".into(), json!(peak_mb));
        r.json.insert("peak_rss_mb_tenth".into(), json!(small_mb));
        if what == "export" {
            let zip = rec.stat("transfer", "zip_mb").map(|z| z.median);
            r.json.insert("zip_mb".into(), json!(zip));
        }
        r.target(Target::MaxMs(60_000.0), Some(s.median * 1000.0));
        rows.push(r);
    }
    rows
}
