//! The log sink, as Mattermost's `LogSettings` describe it: the console (stderr; stdout carries
//! only the `listening on` line and command output) and, with `EnableFile`,
//! `<FileLocation>/perch.log`, each with its own level and a text or JSON form. The file is
//! rotated by size (`PerchSettings.LogFileMaxSizeMB`, keeping `LogFileMaxBackups` older files),
//! so a small disk never fills with logs. Levels and forms can change while the server runs
//! (`Logger::configure` again).
//!
//! A line that cannot be written (a full disk, a closed pipe) is dropped and counted; the next
//! line that can be written says how many were lost. Logging never panics and never stops the
//! server (`eprintln!` panics when stderr fails, and a panic on the database writer thread
//! stopped every write). Each line is one write, so a line cut short by a full disk is at worst
//! a stub, and a fresh line follows it.
//!
//! Nothing secret is passed to the log by the server (tokens and hook ids are redacted where
//! they are logged); this module adds only the time, level and module.

use crate::config::LogSettings;
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The log file's name inside `FileLocation`.
pub const FILE_NAME: &str = "perch.log";

/// A level name from the config (`DEBUG`, `INFO`, `WARN`, `ERROR`; anything else: INFO).
pub fn level(name: &str) -> LevelFilter {
    match name.to_ascii_uppercase().as_str() {
        "DEBUG" => LevelFilter::Debug,
        "WARN" => LevelFilter::Warn,
        "ERROR" => LevelFilter::Error,
        _ => LevelFilter::Info,
    }
}

fn from_usize(n: usize) -> LevelFilter {
    match n {
        0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// One line, text (`2026-01-02T03:04:05.678Z INFO  [perch::http] message`) or Mattermost's
/// JSON (`{"timestamp", "level", "msg", "caller"}`).
fn format_line(json: bool, at: &str, level: Level, target: &str, msg: &str) -> String {
    if json {
        let v = serde_json::json!({
            "timestamp": at,
            "level": level.as_str().to_ascii_lowercase(),
            "msg": msg,
            "caller": target,
        });
        format!("{v}\n")
    } else {
        format!("{at} {level:<5} [{target}] {msg}\n")
    }
}

/// A destination that drops and counts what it cannot write (`lost`), and says so with the
/// next line it can write.
struct Out<W> {
    w: W,
    lost: u64,
}

impl<W: Write> Out<W> {
    /// Writes `line` (one write, after the notice of lost lines if any); false if it failed.
    fn write_line(&mut self, json: bool, at: &str, line: &str) -> bool {
        let mut text = String::new();
        if self.lost > 0 {
            let msg = format!(
                "{} log lines were lost (the log could not be written)",
                self.lost
            );
            // A failed write may have left a stub: start a fresh line.
            text.push('\n');
            text.push_str(&format_line(json, at, Level::Warn, "perch::logging", &msg));
        }
        text.push_str(line);
        match self
            .w
            .write_all(text.as_bytes())
            .and_then(|_| self.w.flush())
        {
            Ok(()) => {
                self.lost = 0;
                true
            }
            Err(_) => {
                self.lost += 1;
                false
            }
        }
    }
}

/// The log file and its rotation.
struct FileSink {
    path: PathBuf,
    out: Out<MaybeFile>,
    size: u64,
    max_bytes: u64,
    backups: usize,
}

/// The open log file, if any: a rotation that could not reopen it leaves `None`, which fails
/// every write (counted) until a reopen works.
struct MaybeFile(Option<File>);

impl Write for MaybeFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.0 {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the log file is not open")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.0 {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl FileSink {
    fn open(dir: &Path, max_bytes: u64, backups: usize) -> std::io::Result<FileSink> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(FileSink {
            path,
            out: Out {
                w: MaybeFile(Some(file)),
                lost: 0,
            },
            size,
            max_bytes: max_bytes.max(1024),
            backups,
        })
    }

    /// `perch.log` → `perch.log.1` → … → `perch.log.<backups>` (the oldest is deleted), then
    /// a new `perch.log`.
    fn rotate(&mut self) -> std::io::Result<()> {
        self.out.w = MaybeFile(None);
        let numbered = |n: usize| PathBuf::from(format!("{}.{n}", self.path.display()));
        if self.backups == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let _ = std::fs::remove_file(numbered(self.backups));
            for n in (1..self.backups).rev() {
                let from = numbered(n);
                if from.exists() {
                    std::fs::rename(&from, numbered(n + 1))?;
                }
            }
            std::fs::rename(&self.path, numbered(1))?;
        }
        self.out.w = MaybeFile(Some(open_append(&self.path)?));
        self.size = 0;
        Ok(())
    }

    fn write(&mut self, json: bool, at: &str, line: &str) {
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            // A rotation that fails keeps appending to what is open (or counts lost lines).
            let _ = self.rotate();
        }
        if self.out.w.0.is_none() {
            self.out.w = MaybeFile(open_append(&self.path).ok());
        }
        if self.out.write_line(json, at, line) {
            self.size = self
                .out
                .w
                .0
                .as_ref()
                .and_then(|f| f.metadata().ok())
                .map_or(self.size + line.len() as u64, |m| m.len());
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o640);
    }
    opts.open(path)
}

/// The process's logger. Everything can change while it runs: it starts on the console only
/// (at the level the environment asks for, so config problems are seen), and `configure` then
/// applies `LogSettings`, again whenever a running server sees `config.json` change.
pub struct Logger {
    console: Mutex<Out<Box<dyn Write + Send>>>,
    console_level: AtomicUsize,
    console_json: AtomicBool,
    file: Mutex<Option<FileSink>>,
    file_level: AtomicUsize,
    file_json: AtomicBool,
    /// Lines lost because a lock was poisoned (never expected; counted, not panicked on).
    unlocked: AtomicU64,
}

impl Logger {
    /// A logger writing text to `console` at `level` (stderr in the binary).
    pub fn new(console: Box<dyn Write + Send>, level_name: &str) -> Logger {
        Logger {
            console: Mutex::new(Out {
                w: console,
                lost: 0,
            }),
            console_level: AtomicUsize::new(level(level_name) as usize),
            console_json: AtomicBool::new(false),
            file: Mutex::new(None),
            file_level: AtomicUsize::new(LevelFilter::Off as usize),
            file_json: AtomicBool::new(true),
            unlocked: AtomicU64::new(0),
        }
    }

    /// A console-only logger on stderr at `level`.
    pub fn console(level_name: &str) -> Logger {
        Logger::new(Box::new(std::io::stderr()), level_name)
    }

    /// Installs `logger` as the process's logger (once; later calls change nothing).
    pub fn install(logger: Arc<Logger>) {
        let max = logger.max_level();
        // The `log` crate keeps a `&'static` logger: this one box lives as long as the process.
        if log::set_logger(Box::leak(Box::new(Shared(logger)))).is_ok() {
            log::set_max_level(max);
        }
    }

    /// Applies `LogSettings` (and the rotation settings): levels and forms at once; the file is
    /// opened the first time `EnableFile` is on (a change of `FileLocation` needs a restart). A
    /// file that cannot be opened is reported on the console and skipped.
    pub fn configure(&self, s: &LogSettings, max_file_mb: i64, backups: i64) {
        let console = if s.enable_console {
            level(&s.console_level)
        } else {
            LevelFilter::Off
        };
        self.console_level.store(console as usize, Ordering::SeqCst);
        self.console_json.store(s.console_json, Ordering::SeqCst);
        self.file_json.store(s.file_json, Ordering::SeqCst);
        let file_level = if s.enable_file {
            level(&s.file_level)
        } else {
            LevelFilter::Off
        };
        if s.enable_file {
            let dir = if s.file_location.is_empty() {
                PathBuf::from("logs")
            } else {
                PathBuf::from(&s.file_location)
            };
            if let Ok(mut file) = self.file.lock() {
                if file.is_none() {
                    let max = (max_file_mb.max(1) as u64) << 20;
                    match FileSink::open(&dir, max, backups.max(0) as usize) {
                        Ok(f) => *file = Some(f),
                        Err(e) => log::warn!(
                            "cannot open the log file in {}: {e}; logging to the console only",
                            dir.display()
                        ),
                    }
                }
            }
        }
        self.file_level.store(file_level as usize, Ordering::SeqCst);
        log::set_max_level(self.max_level());
    }

    /// The log file in use, if any.
    pub fn file_path(&self) -> Option<PathBuf> {
        self.file
            .lock()
            .ok()
            .and_then(|f| f.as_ref().map(|f| f.path.clone()))
    }

    /// Lines the console could not take since the last one it could.
    pub fn lost(&self) -> u64 {
        self.console.lock().map_or(0, |c| c.lost) + self.unlocked.load(Ordering::Relaxed)
    }

    fn max_level(&self) -> LevelFilter {
        let console = from_usize(self.console_level.load(Ordering::SeqCst));
        let file = from_usize(self.file_level.load(Ordering::SeqCst));
        console.max(file)
    }

    /// Writes one record to every destination whose level takes it.
    pub fn line(&self, level: Level, target: &str, args: &std::fmt::Arguments) {
        let at = crate::model::rfc3339(crate::model::now_ms());
        let msg = args.to_string();
        if level <= from_usize(self.console_level.load(Ordering::Relaxed)) {
            let json = self.console_json.load(Ordering::Relaxed);
            let line = format_line(json, &at, level, target, &msg);
            match self.console.lock() {
                Ok(mut c) => {
                    c.write_line(json, &at, &line);
                }
                Err(_) => {
                    self.unlocked.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if level <= from_usize(self.file_level.load(Ordering::Relaxed)) {
            let json = self.file_json.load(Ordering::Relaxed);
            let line = format_line(json, &at, level, target, &msg);
            if let Ok(mut f) = self.file.lock() {
                if let Some(f) = f.as_mut() {
                    f.write(json, &at, &line);
                }
            }
        }
    }
}

/// The installed form: the `log` crate keeps a `&'static` to it, the caller an `Arc` to
/// reconfigure it.
struct Shared(Arc<Logger>);

impl Log for Shared {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= self.0.max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            self.0.line(record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {
        if let Ok(mut c) = self.0.console.lock() {
            let _ = c.w.flush();
        }
        if let Ok(mut f) = self.0.file.lock() {
            if let Some(f) = f.as_mut() {
                let _ = f.out.w.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path, json: bool) -> LogSettings {
        LogSettings {
            enable_console: false,
            enable_file: true,
            file_location: dir.to_string_lossy().into_owned(),
            file_level: "INFO".into(),
            file_json: json,
            ..Default::default()
        }
    }

    fn tmp() -> PathBuf {
        std::env::temp_dir().join(format!("perch-log-{}", crate::model::new_id()))
    }

    #[test]
    fn the_file_rotates_by_size_and_keeps_its_backups() {
        let dir = tmp();
        let logger = Logger::console("ERROR");
        logger.configure(&settings(&dir, true), 1, 2);
        let big = "x".repeat(300 * 1024);
        for i in 0..12 {
            logger.line(Level::Info, "perch::test", &format_args!("{i} {big}"));
        }
        logger.line(Level::Debug, "perch::test", &format_args!("not logged"));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["perch.log", "perch.log.1", "perch.log.2"]);
        for n in &names {
            let text = std::fs::read_to_string(dir.join(n)).unwrap();
            assert!(text.len() as u64 <= 1 << 20, "{n}: {}", text.len());
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(v["level"], "info");
                assert_eq!(v["caller"], "perch::test");
                assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
            }
        }
        let newest = std::fs::read_to_string(dir.join("perch.log")).unwrap();
        assert!(
            newest.contains("\"msg\":\"11 "),
            "the newest line is in perch.log"
        );
        assert!(!newest.contains("not logged"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn levels_change_while_running_and_text_is_one_line() {
        let dir = tmp();
        let logger = Logger::console("ERROR");
        logger.configure(&settings(&dir, false), 10, 1);
        logger.line(Level::Debug, "perch::test", &format_args!("hidden"));
        let mut s = settings(&dir, false);
        s.file_level = "DEBUG".into();
        logger.configure(&s, 10, 1);
        logger.line(Level::Debug, "perch::test", &format_args!("shown"));
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        assert!(!text.contains("hidden"));
        assert!(text.contains("DEBUG [perch::test] shown"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A writer that fails while `full` is set (as stderr on a full disk does).
    struct Disk {
        full: Arc<AtomicBool>,
        text: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Disk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.full.load(Ordering::SeqCst) {
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
            self.text.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_sink_drops_lines_and_says_so_once_it_works_again() {
        let full = Arc::new(AtomicBool::new(true));
        let text = Arc::new(Mutex::new(Vec::new()));
        let logger = Logger::new(
            Box::new(Disk {
                full: full.clone(),
                text: text.clone(),
            }),
            "INFO",
        );
        for _ in 0..3 {
            logger.line(Level::Info, "t", &format_args!("lost"));
        }
        assert_eq!(logger.lost(), 3);
        full.store(false, Ordering::SeqCst);
        logger.line(Level::Error, "t", &format_args!("back"));
        assert_eq!(logger.lost(), 0);
        let text = String::from_utf8(text.lock().unwrap().clone()).unwrap();
        // A fresh line first (the failed write may have left a stub), then the count.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "");
        assert!(lines[1].ends_with(
            "WARN  [perch::logging] 3 log lines were lost (the log could not be written)"
        ));
        assert!(lines[2].ends_with("ERROR [t] back"), "{}", lines[2]);
    }
}
