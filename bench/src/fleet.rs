//! A fleet of WebSocket clients for the websocket figure: one thread and one `mio` poll hold
//! every socket (10,000 of them cost the bench no thread each). Sockets are opened with at
//! most 64 handshakes in flight (a listen backlog of 128 drops SYNs beyond that), each
//! authenticated by its upgrade request, and count as open once their `hello` arrived. Then
//! every `posted` frame carrying a `wsbench-N` marker is timestamped on arrival.
//!
//! Server frames are unmasked and small: parsing them by hand (header, 16/64-bit length) is
//! all a receiver needs; the bench never sends a frame.

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const IN_FLIGHT: usize = 64;

/// What the fleet thread reports.
#[derive(Default)]
struct Shared {
    open: AtomicUsize,
    failed: AtomicUsize,
    stop: AtomicBool,
    /// Off: `posted` frames are read and dropped unexamined (a load with listeners).
    timing: AtomicBool,
    arrivals: Mutex<HashMap<u64, Vec<Instant>>>,
}

pub struct Fleet {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

enum State {
    Connecting,
    Upgrading,
    Open,
}

struct Sock {
    stream: TcpStream,
    state: State,
    buf: Vec<u8>,
}

impl Fleet {
    /// Opens `n` sockets to `/api/v4/websocket` with `token`; returns once every `hello`
    /// arrived (or `Err` after `limit`).
    pub fn open(addr: SocketAddr, token: &str, n: usize, limit: Duration) -> Result<Fleet, String> {
        let shared = Arc::new(Shared::default());
        shared.timing.store(true, Ordering::SeqCst);
        let s2 = shared.clone();
        let request = format!(
            "GET /api/v4/websocket HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        let thread = std::thread::Builder::new()
            .name("ws-fleet".into())
            .spawn(move || {
                if let Err(e) = run(addr, request.into_bytes(), n, &s2) {
                    eprintln!("perch-bench: websocket fleet: {e}");
                    s2.failed.fetch_add(1, Ordering::SeqCst);
                }
            })
            .map_err(|e| e.to_string())?;
        let fleet = Fleet {
            shared,
            thread: Some(thread),
        };
        let started = Instant::now();
        while fleet.shared.open.load(Ordering::SeqCst) < n {
            if fleet.shared.failed.load(Ordering::SeqCst) > 0 {
                return Err(format!(
                    "{} of {n} sockets failed to open",
                    fleet.shared.failed.load(Ordering::SeqCst)
                ));
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "only {} of {n} sockets opened in {limit:?}",
                    fleet.shared.open.load(Ordering::SeqCst)
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(fleet)
    }

    /// How many sockets have received the `posted` frame with `marker`.
    pub fn count(&self, marker: u64) -> usize {
        let a = self
            .shared
            .arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        a.get(&marker).map_or(0, Vec::len)
    }

    /// The arrival times of `marker`'s frames.
    pub fn take(&self, marker: u64) -> Vec<Instant> {
        let mut a = self
            .shared
            .arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        a.remove(&marker).unwrap_or_default()
    }

    /// Whether `posted` frames are timestamped (on by default).
    pub fn set_timing(&self, on: bool) {
        self.shared.timing.store(on, Ordering::SeqCst);
    }

    /// Sockets that broke after opening.
    pub fn failed(&self) -> usize {
        self.shared.failed.load(Ordering::SeqCst)
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(addr: SocketAddr, request: Vec<u8>, n: usize, shared: &Shared) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut socks: Vec<Sock> = Vec::with_capacity(n);
    let mut upgrading = 0usize;
    let mut local: Vec<(u64, Instant)> = Vec::new();
    while !shared.stop.load(Ordering::Relaxed) {
        while socks.len() < n && upgrading < IN_FLIGHT {
            let mut stream = TcpStream::connect(addr)?;
            let _ = stream.set_nodelay(true);
            poll.registry().register(
                &mut stream,
                Token(socks.len()),
                Interest::READABLE | Interest::WRITABLE,
            )?;
            socks.push(Sock {
                stream,
                state: State::Connecting,
                buf: Vec::new(),
            });
            upgrading += 1;
        }
        poll.poll(&mut events, Some(Duration::from_millis(20)))?;
        for ev in events.iter() {
            let i = ev.token().0;
            let s = &mut socks[i];
            if matches!(s.state, State::Connecting) && ev.is_writable() {
                if s.stream.peer_addr().is_err() {
                    continue; // not connected yet
                }
                s.stream.write_all(&request)?;
                s.state = State::Upgrading;
            }
            if ev.is_readable() || ev.is_read_closed() {
                let before = matches!(s.state, State::Open);
                if !read(s, shared, &mut local)? {
                    shared.failed.fetch_add(1, Ordering::SeqCst);
                }
                if !before && matches!(s.state, State::Open) {
                    upgrading -= 1;
                }
            }
        }
        if !local.is_empty() {
            let mut a = shared.arrivals.lock().unwrap_or_else(|e| e.into_inner());
            for (m, t) in local.drain(..) {
                a.entry(m).or_default().push(t);
            }
        }
    }
    Ok(())
}

/// Reads what is there; `false` when the socket broke.
fn read(s: &mut Sock, shared: &Shared, arrivals: &mut Vec<(u64, Instant)>) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match s.stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(k) => s.buf.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
    let now = Instant::now();
    if matches!(s.state, State::Upgrading) {
        let Some(end) = s.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Ok(true);
        };
        if !s.buf.starts_with(b"HTTP/1.1 101") {
            return Ok(false);
        }
        s.buf.drain(..end + 4);
        s.state = State::Open;
        s.buf.shrink_to(4096);
    }
    let mut at = 0;
    // Perch writes `event` first: a prefix test tells frames apart without scanning them (the
    // bench must cost far less per frame than the server).
    while let Some((payload, used)) = frame(&s.buf[at..]) {
        let posted = payload.starts_with(b"{\"event\":\"posted\"");
        if posted && shared.timing.load(Ordering::Relaxed) {
            if let Some(m) = marker(payload) {
                arrivals.push((m, now));
            }
        } else if !posted && payload.starts_with(b"{\"event\":\"hello\"") {
            shared.open.fetch_add(1, Ordering::SeqCst);
        }
        at += used;
    }
    s.buf.drain(..at);
    Ok(true)
}

/// One complete unmasked frame at the start of `b`: (payload, bytes used).
fn frame(b: &[u8]) -> Option<(&[u8], usize)> {
    if b.len() < 2 {
        return None;
    }
    let (len, head) = match b[1] & 0x7f {
        126 => (u16::from_be_bytes([*b.get(2)?, *b.get(3)?]) as usize, 4),
        127 => {
            let bytes: [u8; 8] = b.get(2..10)?.try_into().ok()?;
            (u64::from_be_bytes(bytes) as usize, 10)
        }
        l => (l as usize, 2),
    };
    let payload = b.get(head..head + len)?;
    Some((payload, head + len))
}

/// The N of `wsbench-N` in a `posted` frame (the marker opens the post's message).
fn marker(payload: &[u8]) -> Option<u64> {
    let at = payload.windows(8).position(|w| w == b"wsbench-")? + 8;
    let digits: Vec<u8> = payload[at..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_markers() {
        let text =
            br#"{"event":"posted","data":{"post":"{\"message\":\"x wsbench-42 y\"}"},"seq":3}"#;
        let mut b = vec![0x81, text.len() as u8];
        b.extend_from_slice(text);
        let (p, used) = frame(&b).unwrap();
        assert_eq!(used, b.len());
        assert_eq!(marker(p), Some(42));
        assert!(frame(&b[..b.len() - 1]).is_none());
        let long = vec![b'a'; 300];
        let mut b = vec![0x81, 126, 1, 44];
        b.extend_from_slice(&long);
        assert_eq!(frame(&b).unwrap().0.len(), 300);
    }
}
