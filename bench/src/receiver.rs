//! The outgoing-webhook receiver: a tiny HTTP server inside the bench that answers every
//! request with an empty 200 (so no response post is made), counts deliveries, and records
//! each one's lag from the post's `timestamp` to its arrival.

use crate::http::Conn;
use std::collections::HashSet;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Default)]
struct State {
    deliveries: u64,
    /// Deliveries of a post already delivered (retries that were not needed).
    duplicates: u64,
    post_ids: HashSet<String>,
    /// Arrival time minus the post's `create_at`, in milliseconds.
    lags_ms: Vec<u32>,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// What the receiver saw since the last `take`.
#[derive(Debug, Default)]
pub struct Deliveries {
    pub count: u64,
    pub duplicates: u64,
    pub lags_ms: Vec<u32>,
    pub last: Option<Instant>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    pub fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        thread::Builder::new()
            .name("receiver".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let state = shared.clone();
                    let _ = thread::Builder::new()
                        .name("receiver-conn".into())
                        .spawn(move || serve(stream, &state));
                }
            })?;
        Ok(Receiver { addr, state })
    }

    pub fn url(&self) -> String {
        format!("http://{}/outgoing", self.addr)
    }

    /// How many deliveries arrived so far (since the last `take`).
    pub fn count(&self) -> u64 {
        self.lock().deliveries
    }

    /// Returns what arrived and starts counting afresh.
    pub fn take(&self) -> Deliveries {
        let mut s = self.lock();
        let taken = std::mem::take(&mut *s);
        let mut lags = taken.lags_ms;
        lags.sort_unstable();
        Deliveries {
            count: taken.deliveries,
            duplicates: taken.duplicates,
            lags_ms: lags,
            last: taken.last,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn serve(stream: std::net::TcpStream, state: &Mutex<State>) {
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream);
    while let Ok(Some(req)) = conn.read_request() {
        let now = Instant::now();
        let wall_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let body = req.json();
        {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            s.deliveries += 1;
            s.first.get_or_insert(now);
            s.last = Some(now);
            if let Some(ts) = body["timestamp"].as_i64() {
                s.lags_ms
                    .push((wall_ms - ts).clamp(0, u32::MAX as i64) as u32);
            }
            if let Some(id) = body["post_id"].as_str() {
                if !s.post_ids.insert(id.to_string()) {
                    s.duplicates += 1;
                }
            }
        }
        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        if conn.get_mut().write_all(reply).is_err() || req.close {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{self, Keep};

    #[test]
    fn deliveries_are_counted_and_answered_empty() {
        let r = Receiver::start().unwrap();
        let mut c = http::connect(r.addr).unwrap();
        let body = br#"{"post_id":"p1","timestamp":1,"text":"bench"}"#;
        let req = http::request("POST", "/outgoing", "x", &[], body);
        for _ in 0..2 {
            let m = c.roundtrip(&req, Keep::All).unwrap();
            assert_eq!(m.status, 200);
            assert!(m.body.is_empty());
        }
        assert_eq!(r.count(), 2);
        let d = r.take();
        assert_eq!((d.count, d.duplicates, d.lags_ms.len()), (2, 1, 2));
        assert!(d.last.is_some());
        assert_eq!(r.count(), 0);
    }
}
