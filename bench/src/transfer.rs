//! The transfer figure: `perch import` of a generated bulk-import file of `--transfer-posts`
//! posts (a tenth of them replies) into an empty data dir, then `perch export` of that data,
//! each timed with its peak RSS (the process's `VmHWM`, read from `/proc` until it exits). The
//! same is done with a tenth of the posts, so the table shows whether memory stays flat as
//! the file grows.

use crate::report::Record;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Users and channels the generated posts are spread over.
const USERS: u64 = 20;
const CHANNELS: u64 = 10;

/// Writes a bulk-import JSONL: a team, its channels, users in all of them, then `posts` posts,
/// one in ten a reply nested in an earlier root's line. Returns its size in bytes.
pub fn generate(path: &Path, posts: u64) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, r#"{{"type":"version","version":1}}"#)?;
    writeln!(
        w,
        r#"{{"type":"team","team":{{"name":"bench","display_name":"Bench","type":"O"}}}}"#
    )?;
    for c in 0..CHANNELS {
        writeln!(
            w,
            r#"{{"type":"channel","channel":{{"team":"bench","name":"channel-{c}","display_name":"Channel {c}","type":"O"}}}}"#
        )?;
    }
    let channels: Vec<String> = (0..CHANNELS)
        .map(|c| format!(r#"{{"name":"channel-{c}","roles":"channel_user"}}"#))
        .collect();
    for u in 0..USERS {
        writeln!(
            w,
            r#"{{"type":"user","user":{{"username":"user{u}","email":"user{u}@example.com","roles":"system_user","teams":[{{"name":"bench","roles":"team_user","channels":[{}]}}]}}}}"#,
            channels.join(",")
        )?;
    }
    let replies = posts / 10;
    let roots = posts - replies;
    // Roots that carry a reply: every k-th, so the replies spread over the whole file.
    let every = (roots / replies.max(1)).max(1);
    let mut written_replies = 0;
    let base: u64 = 1_700_000_000_000;
    for i in 0..roots {
        let at = base + i * 10;
        let (c, u) = (i % CHANNELS, i % USERS);
        let reply = if written_replies < replies && i % every == 0 {
            written_replies += 1;
            format!(
                r#","replies":[{{"user":"user{}","message":"Reply to post {i}: sounds good, shipping it after lunch.","create_at":{}}}]"#,
                (u + 1) % USERS,
                at + 5
            )
        } else {
            String::new()
        };
        writeln!(
            w,
            r#"{{"type":"post","post":{{"team":"bench","channel":"channel-{c}","user":"user{u}","message":"Post {i}: the nightly build finished, 1432 tests passed, artifacts uploaded.","create_at":{at}{reply}}}}}"#
        )?;
    }
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Runs `perch` with `args` to completion; returns (seconds, peak RSS in KiB).
fn timed(perch: &Path, data_dir: &Path, args: &[&str]) -> Result<(f64, u64), String> {
    let t0 = Instant::now();
    let mut child = Command::new(perch)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "WARN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", perch.display()))?;
    let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = t0.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        return Err(format!("perch {}: {status}: {err}", args.join(" ")));
    }
    Ok((secs, peak))
}

/// What a round records: import seconds and peak RSS, export seconds and peak RSS, zip size.
pub const KEYS: [&str; 5] = [
    "import_s",
    "import_peak_rss_kb",
    "export_s",
    "export_peak_rss_kb",
    "zip_mb",
];
/// The same for the round with a tenth of the posts.
pub const SMALL_KEYS: [&str; 5] = [
    "small_import_s",
    "small_import_peak_rss_kb",
    "small_export_s",
    "small_export_peak_rss_kb",
    "small_zip_mb",
];

/// One import and one export of `posts` posts; records them under `keys`.
fn round(
    perch: &Path,
    dir: &Path,
    posts: u64,
    keys: &[&'static str; 5],
    run: usize,
    rec: &mut Record,
) -> Result<(), String> {
    let file = dir.join(format!("bulk-{posts}.jsonl"));
    if !file.exists() {
        let t0 = Instant::now();
        let bytes = generate(&file, posts).map_err(|e| format!("{}: {e}", file.display()))?;
        eprintln!(
            "perch-bench: wrote a {:.0} MB bulk-import file of {posts} posts in {:.1} s",
            bytes as f64 / 1e6,
            t0.elapsed().as_secs_f64()
        );
    }
    let data = dir.join(format!("data-{posts}-{run}"));
    let _ = std::fs::remove_dir_all(&data);
    let (import_s, import_kb) = timed(perch, &data, &["import", file.to_str().unwrap_or("")])?;
    let zip = dir.join(format!("export-{posts}-{run}.zip"));
    let (export_s, export_kb) = timed(
        perch,
        &data,
        &["export", "--to", zip.to_str().unwrap_or("")],
    )?;
    let zip_mb = std::fs::metadata(&zip).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let values = [
        import_s,
        import_kb as f64,
        export_s,
        export_kb as f64,
        zip_mb,
    ];
    for (k, v) in keys.iter().zip(values) {
        rec.put("transfer", run, k, v);
    }
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(&zip);
    Ok(())
}

/// The transfer figure for one run: the full size, then a tenth of it.
pub fn measure(
    perch: &Path,
    dir: &Path,
    posts: u64,
    run: usize,
    rec: &mut Record,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    round(perch, dir, posts, &KEYS, run, rec)?;
    round(perch, dir, (posts / 10).max(10), &SMALL_KEYS, run, rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_file_has_the_posts_asked_for() {
        let dir = std::env::temp_dir().join(format!("perch-bench-gen-{}", crate::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.jsonl");
        generate(&path, 1000).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut roots = 0;
        let mut replies = 0;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["type"] == "post" {
                roots += 1;
                replies += v["post"]["replies"].as_array().map_or(0, Vec::len);
            }
        }
        assert_eq!((roots, replies), (900, 100));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
