//! `perch serve` (the default command): start the server, print `listening on URL` as the
//! first line on stdout, watch `config.json` (the settings in `config::LIVE_SETTINGS` are applied
//! at once and announced to the sockets with `config_changed`, the others are reported as
//! needing a restart), and stop cleanly on SIGTERM/SIGINT.

use super::signals;
use crate::config::{Config, LIVE_SETTINGS};
use crate::logging::Logger;
use crate::ConfigAnnouncer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often `config.json` is looked at.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Runs the server until a stop signal; returns the exit status.
pub fn run(
    config: Config,
    config_path: PathBuf,
    env: Vec<(String, String)>,
    logger: Arc<Logger>,
) -> u8 {
    signals::block_stop_signals();
    log::info!("effective config: {}", config.redacted());
    let running = match crate::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("perch: {e}");
            return 1;
        }
    };
    // Scripts and tests read the real port from this first stdout line.
    println!("listening on {}", running.url());
    let stopper = running.stopper();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            signals::wait_for_stop_signal();
            log::info!("stopping: finishing in-flight requests");
            stopper.stop();
        });
    if let Err(e) = spawned {
        eprintln!("perch: cannot start the signal thread: {e}");
        running.shutdown();
        return 1;
    }
    let announcer = running.config_announcer();
    let watcher = std::thread::Builder::new()
        .name("config-watch".into())
        .spawn(move || watch(&config_path, &env, &logger, &announcer));
    if let Err(e) = watcher {
        log::warn!("config.json is not watched: {e}");
    }
    running.wait();
    log::info!("stopped");
    0
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The file's settings (defaults, file, environment), as JSON, or why they are unusable.
fn read(path: &Path, env: &[(String, String)]) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let c = Config::from_layers(&v, env).map_err(|e| e.0)?;
    serde_json::to_value(c).map_err(|e| e.to_string())
}

/// Every `Section.Key` whose value differs between `a` and `b`.
fn changed(a: &Value, b: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return out;
    };
    for (section, keys) in b {
        let Some(keys) = keys.as_object() else {
            continue;
        };
        for (key, value) in keys {
            if a.get(section).and_then(|s| s.get(key)) != Some(value) {
                out.push((section.clone(), key.clone()));
            }
        }
    }
    out
}

/// Watches `config.json` for the life of the process: applies what can change while running,
/// says what needs a restart, and keeps the running settings when the file is invalid.
fn watch(path: &Path, env: &[(String, String)], logger: &Logger, announcer: &ConfigAnnouncer) {
    let mut seen = modified(path);
    let mut last = read(path, env).ok();
    loop {
        std::thread::sleep(WATCH_EVERY);
        let now = modified(path);
        if now == seen {
            continue;
        }
        seen = now;
        let next = match read(path, env) {
            Ok(v) => v,
            Err(e) => {
                log::warn!(
                    "{} changed but cannot be used ({e}); the running settings stay",
                    path.display()
                );
                continue;
            }
        };
        let diff = last.as_ref().map(|l| changed(l, &next)).unwrap_or_default();
        let (live, restart): (Vec<_>, Vec<_>) = diff
            .iter()
            .partition(|(s, k)| LIVE_SETTINGS.iter().any(|(ls, lk)| ls == s && lk == k));
        if let Ok(c) = serde_json::from_value::<Config>(next.clone()) {
            if !live.is_empty() {
                // Said before it is applied, so it reaches the logs at their old levels.
                let names: Vec<String> = live.iter().map(|(s, k)| format!("{s}.{k}")).collect();
                log::info!("{} changed: applied {}", path.display(), names.join(", "));
                logger.configure(
                    &c.log,
                    c.perch.log_file_max_size_mb,
                    c.perch.log_file_max_backups,
                );
                announcer.announce();
            }
        }
        if !restart.is_empty() {
            let names: Vec<String> = restart.iter().map(|(s, k)| format!("{s}.{k}")).collect();
            log::warn!(
                "{} changed: restart perch to apply {}",
                path.display(),
                names.join(", ")
            );
        }
        last = Some(next);
    }
}
