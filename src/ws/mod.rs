//! Real-time events over `GET /api/v4/websocket` (`docs/spec/websocket.md`).
//!
//! One `mio` event loop thread (`ws-loop`) owns every upgraded socket: it reads client
//! frames (tungstenite), answers actions, pings, enforces the timeouts, and writes events.
//! Write paths call `Hub::publish` after their write committed: that pushes the event onto
//! the loop's queue and wakes the loop, so the posting thread never waits for the fan-out.
//! The loop works out each event's audience from live memberships (a channel's members are
//! cached while the membership table is unchanged), numbers it per connection (`seq`), and
//! writes each socket once per batch of events. Threads do not grow with sockets.
//!
//! This module is what the rest of the server sees, below `App` (which holds the `Hub`): the
//! hub's queue (`Hub::publish`, `admit`, `adopt`), `conn.rs` (one connection's framing and
//! buffers), `event.rs` (the event and its encoding) and `events.rs` (builders the write paths
//! use). The loop itself, its audience rules, the client actions and the HTTP upgrade are
//! `ws_loop`'s, above `App`.

pub mod conn;
pub mod event;
pub mod events;

pub use event::{Broadcast, Event};

use conn::Authed;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Queued hand-overs beyond which events are dropped (the loop is stuck or far behind; a
/// posting thread must never wait and memory must stay bounded).
const MAX_QUEUE: usize = 100_000;

/// The poll token of the hub's waker (sockets use the other tokens).
pub const WAKER: mio::Token = mio::Token(usize::MAX);

/// What the hub hands to the loop.
pub enum Msg {
    Adopt(Box<Adopt>),
    Event(Arc<Event>),
    Stop,
}

/// An upgraded socket for the loop to take over.
pub struct Adopt {
    pub stream: std::net::TcpStream,
    /// Over HTTPS (wss), the TLS session the socket's bytes go through.
    pub tls: Option<rustls::ServerConnection>,
    pub permit: Permit,
    /// Authenticated by the upgrade request (cookie or header).
    pub auth: Option<Authed>,
    pub resume: Resume,
}

/// The upgrade request's resume parameters (`docs/spec/websocket.md` §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    Fresh,
    /// `connection_id` not an id, or `sequence_number` not an integer: closed at once.
    Invalid,
    From {
        id: String,
        seq: i64,
    },
}

/// One admitted socket, counted against `WebSocketMaxConnections` until dropped.
pub struct Permit(Arc<Shared>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The hub's side shared with the loop: the queue, its waker, the socket count.
pub struct Shared {
    queue: Mutex<Vec<Msg>>,
    waker: mio::Waker,
    open: AtomicUsize,
    limit: usize,
    stopped: AtomicBool,
    dropped: AtomicUsize,
    /// `publish` calls by duration: bucket `i` counts calls of less than 2^i ns (what the
    /// posting path waits for the hub).
    publish_ns: [AtomicU64; 40],
}

impl Shared {
    fn send(&self, msg: Msg) -> bool {
        let was_empty = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if q.len() >= MAX_QUEUE && !matches!(msg, Msg::Stop) {
                drop(q);
                if self
                    .dropped
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(10_000)
                {
                    log::warn!("websocket: the event loop is behind; events dropped");
                }
                return false;
            }
            q.push(msg);
            q.len() == 1
        };
        // One wake per batch: the loop takes the whole queue when it wakes.
        if was_empty {
            if let Err(e) = self.waker.wake() {
                log::error!("websocket: cannot wake the event loop: {e}");
            }
        }
        true
    }

    pub(crate) fn take(&self) -> Vec<Msg> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The WebSocket side of the server (`App::ws`).
pub struct Hub {
    shared: Arc<Shared>,
    poll: Mutex<Option<mio::Poll>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Hub {
    /// The loop's poller and waker; the thread starts with `start`.
    pub fn new(limit: usize) -> std::io::Result<Hub> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER)?;
        Ok(Hub {
            shared: Arc::new(Shared {
                queue: Mutex::new(Vec::new()),
                waker,
                open: AtomicUsize::new(0),
                limit,
                stopped: AtomicBool::new(false),
                dropped: AtomicUsize::new(0),
                publish_ns: std::array::from_fn(|_| AtomicU64::new(0)),
            }),
            poll: Mutex::new(Some(poll)),
            thread: Mutex::new(None),
        })
    }

    /// Starts the `ws-loop` thread running `run` on the hub's queue and poller (once).
    pub fn start(
        &self,
        run: impl FnOnce(Arc<Shared>, mio::Poll) + Send + 'static,
    ) -> std::io::Result<()> {
        let Some(poll) = self.poll.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return Ok(());
        };
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name("ws-loop".into())
            .spawn(move || run(shared, poll))?;
        *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok(())
    }

    /// Closes every socket (close code 1001) and ends the loop thread.
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared.send(Msg::Stop);
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// Hands an event to the loop. Never blocks: a queue push and, for the first event of a
    /// batch, one wake-up.
    pub fn publish(&self, event: Event) {
        if self.shared.stopped.load(Ordering::Relaxed) {
            return;
        }
        let started = std::time::Instant::now();
        self.shared.send(Msg::Event(Arc::new(event)));
        let ns = started.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        let bucket = (64 - ns.leading_zeros() as usize).min(39);
        self.shared.publish_ns[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// How long `publish` calls took since the server started, in µs: the `q` quantile
    /// (0..=1), as the upper bound of its power-of-two bucket (the benchmark's measure of
    /// what posting waits for the fan-out).
    pub fn publish_quantile_us(&self, q: f64) -> f64 {
        let counts: Vec<u64> = (self.shared.publish_ns.iter())
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let want = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= want && total > 0 {
                return (1u64 << i) as f64 / 1000.0;
            }
        }
        0.0
    }

    /// Reserves a socket under the connection limit; `None` when the server is full.
    pub fn admit(&self) -> Option<Permit> {
        let s = &self.shared;
        if s.stopped.load(Ordering::SeqCst) {
            return None;
        }
        if s.open.fetch_add(1, Ordering::SeqCst) >= s.limit {
            s.open.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Permit(s.clone()))
    }

    /// Gives an upgraded socket (the 101 already written) to the loop. Returns at once.
    pub fn adopt(&self, adopt: Adopt) {
        self.shared.send(Msg::Adopt(Box::new(adopt)));
    }

    /// Sockets open now (admitted and not yet dropped).
    pub fn open_sockets(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }
}
