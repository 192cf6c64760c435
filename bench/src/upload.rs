//! The upload figure: one 100 MB file through `POST /api/v4/files` (the raw form) while the
//! server's RSS is sampled every 5 ms, against writing the same bytes to a file on the same
//! disk (write, then fsync) — what an upload cannot beat. Then the file is downloaded once,
//! its RSS sampled the same way. Recorded: MB/s of each, the upload's ratio to the disk, and
//! the RSS growth over the idle RSS before each transfer.

use crate::http::{self, Keep};
use crate::report::Record;
use crate::server::{self, Server};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The file's size: 100 MiB.
pub const SIZE: usize = 100 << 20;

/// The figure; failures are noted, not fatal.
pub fn upload(
    srv: &Server,
    data_dir: &Path,
    token: &str,
    channel: &str,
    run: usize,
    rec: &mut Record,
) {
    // Bytes that do not compress and contain no multipart-looking runs.
    let body: Vec<u8> = (0..SIZE as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let disk = match disk_write(data_dir, &body) {
        Ok(s) => s,
        Err(e) => {
            rec.note_failure("upload", Some(&format!("disk write: {e}")));
            return;
        }
    };
    let host = srv.addr.to_string();
    let auth = format!("Bearer {token}");
    let path = format!("/api/v4/files?channel_id={channel}&filename=bench-{run}.bin");
    let head = http::request(
        "POST",
        &path,
        &host,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/octet-stream"),
        ],
        b"",
    );
    // `request` announced an empty body: announce the real one.
    let head = String::from_utf8_lossy(&head).replace(
        "Content-Length: 0\r\n",
        &format!("Content-Length: {}\r\n", body.len()),
    );
    let before = srv.memory().rss_kb;
    let sampler = Sampler::start(srv.pid);
    let started = Instant::now();
    let sent = send_upload(srv, head.as_bytes(), &body);
    let elapsed = started.elapsed();
    let peak = sampler.stop();
    let file_id = match sent {
        Ok(id) => id,
        Err(e) => {
            rec.note_failure("upload", Some(&e));
            return;
        }
    };
    let mb = SIZE as f64 / 1e6;
    let up = mb / elapsed.as_secs_f64();
    rec.put("upload", run, "upload_mb_s", up);
    rec.put("upload", run, "disk_mb_s", disk);
    rec.put("upload", run, "ratio_to_disk", up / disk);
    rec.put(
        "upload",
        run,
        "rss_growth_kb",
        peak.saturating_sub(before) as f64,
    );
    rec.put("upload", run, "failures", 0.0);

    // The download, streamed back.
    thread::sleep(Duration::from_millis(200));
    let before = srv.memory().rss_kb;
    let sampler = Sampler::start(srv.pid);
    let started = Instant::now();
    let got = download(srv, &host, &auth, &file_id);
    let elapsed = started.elapsed();
    let peak = sampler.stop();
    match got {
        Ok(n) if n == SIZE as u64 => {
            rec.put("upload", run, "download_mb_s", mb / elapsed.as_secs_f64());
            rec.put(
                "upload",
                run,
                "download_rss_growth_kb",
                peak.saturating_sub(before) as f64,
            );
        }
        Ok(n) => rec.note_failure("upload", Some(&format!("download: {n} bytes"))),
        Err(e) => rec.note_failure("upload", Some(&format!("download: {e}"))),
    }
}

/// MB/s of writing `body` to a new file in `dir` and fsyncing it, in the chunks an upload uses.
fn disk_write(dir: &Path, body: &[u8]) -> std::io::Result<f64> {
    let path = dir.join("bench-disk-write.bin");
    let started = Instant::now();
    let mut f = std::fs::File::create(&path)?;
    for chunk in body.chunks(256 * 1024) {
        f.write_all(chunk)?;
    }
    f.sync_all()?;
    let secs = started.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(body.len() as f64 / 1e6 / secs)
}

/// Sends the request and returns the new file's id.
fn send_upload(srv: &Server, head: &[u8], body: &[u8]) -> Result<String, String> {
    let mut conn = http::connect(srv.addr).map_err(|e| e.to_string())?;
    conn.send(head).map_err(|e| e.to_string())?;
    for chunk in body.chunks(1 << 20) {
        conn.send(chunk).map_err(|e| e.to_string())?;
    }
    let answer = conn.read_response(Keep::All).map_err(|e| e.to_string())?;
    if answer.status != 201 {
        return Err(format!("upload: {}", answer.summary()));
    }
    answer.json()["file_infos"][0]["id"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| "upload: no file id".into())
}

/// Downloads the file and returns how many body bytes came (read and dropped as they come).
fn download(srv: &Server, host: &str, auth: &str, id: &str) -> std::io::Result<u64> {
    let mut s = std::net::TcpStream::connect(srv.addr)?;
    write!(
        s,
        "GET /api/v4/files/{id} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let mut head_end = None;
    let mut head = Vec::new();
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match head_end {
            Some(_) => total += n as u64,
            None => {
                head.extend_from_slice(&buf[..n]);
                if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                    head_end = Some(i + 4);
                    total += (head.len() - i - 4) as u64;
                }
            }
        }
    }
    Ok(total)
}

/// Samples a process's RSS every 5 ms on a thread of its own; `stop` gives the highest seen.
struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    handle: thread::JoinHandle<()>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak.clone());
        let handle = thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(server::memory(pid).rss_kb, Ordering::Relaxed);
                thread::sleep(Duration::from_millis(5));
            }
        });
        Sampler { stop, peak, handle }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.handle.join();
        self.peak.load(Ordering::Relaxed)
    }
}
