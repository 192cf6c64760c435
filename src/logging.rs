//! The log sink: one line per record on stderr, `2026-01-02T03:04:05.678Z INFO  [target] text`.
//!
//! A log line that cannot be written (a full disk under a redirected stderr, a closed pipe) is
//! dropped and counted; the next line that can be written says how many were lost. Logging
//! never panics and never stops the server (`eprintln!`, which the logger used before, panics
//! when stderr fails, and a panic on the database writer thread stopped every write).

use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A logger over any writer (stderr in the binary, a failing writer in tests).
pub struct Sink<W: Write + Send> {
    out: Mutex<W>,
    lost: AtomicU64,
}

impl<W: Write + Send> Sink<W> {
    pub fn new(out: W) -> Sink<W> {
        Sink {
            out: Mutex::new(out),
            lost: AtomicU64::new(0),
        }
    }

    /// Lines dropped since the last line that could be written.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Writes one line; on failure counts it instead.
    pub fn line(&self, level: Level, target: &str, args: &std::fmt::Arguments) {
        let Ok(mut out) = self.out.lock() else {
            self.lost.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let now = timestamp(std::time::SystemTime::now());
        let lost = self.lost.load(Ordering::Relaxed);
        // One write per line, so a line cut short by a full disk is at worst a stub. After a
        // failure, a fresh line starts the next write.
        let mut text = String::new();
        if lost > 0 {
            text = format!("\n{now} WARN  [perch::logging] {lost} log lines were lost (the log could not be written)\n");
        }
        text.push_str(&format!("{now} {level:<5} [{target}] {args}\n"));
        let written = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        match written {
            Ok(()) => {
                self.lost.fetch_sub(lost, Ordering::Relaxed);
            }
            Err(_) => {
                self.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl<W: Write + Send> Log for Sink<W> {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            self.line(record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {
        if let Ok(mut out) = self.out.lock() {
            let _ = out.flush();
        }
    }
}

/// Installs the stderr sink at `level` (once per process; later calls only change the level).
pub fn init(level: LevelFilter) {
    // Leaked once: the logger lives as long as the process.
    let _ = log::set_logger(Box::leak(Box::new(Sink::new(std::io::stderr()))));
    log::set_max_level(level);
}

/// `2026-01-02T03:04:05.678Z` (UTC, milliseconds).
fn timestamp(t: std::time::SystemTime) -> String {
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1_000 % 60,
        in_day % 1_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// A writer that fails while `full` is set (as stderr on a full disk does).
    struct Disk {
        full: bool,
        text: Vec<u8>,
    }

    impl Write for Disk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.full {
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
            self.text.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_sink_drops_lines_and_says_so_once_it_works_again() {
        let sink = Sink::new(Disk {
            full: true,
            text: Vec::new(),
        });
        for _ in 0..3 {
            sink.line(Level::Info, "t", &format_args!("lost"));
        }
        assert_eq!(sink.lost(), 3);
        sink.out.lock().unwrap().full = false;
        sink.line(Level::Error, "t", &format_args!("back"));
        assert_eq!(sink.lost(), 0);
        let text = String::from_utf8(sink.out.lock().unwrap().text.clone()).unwrap();
        // A fresh line first (the failed write may have left a stub), then the count.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "");
        let lines = &lines[1..];
        assert!(lines[0].ends_with(
            "WARN  [perch::logging] 3 log lines were lost (the log could not be written)"
        ));
        assert!(lines[1].ends_with("ERROR [t] back"), "{}", lines[1]);
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_999); // leap year, Feb 29
        assert_eq!(timestamp(t), "2024-02-29T23:59:59.999Z");
        let t = UNIX_EPOCH + Duration::from_millis(951_782_400_000);
        assert_eq!(timestamp(t), "2000-02-29T00:00:00.000Z");
    }
}
