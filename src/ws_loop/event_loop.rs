//! The `ws-loop` thread: one `mio::Poll` over every upgraded socket (edge-triggered), the
//! hub's queue (adopted sockets, events), and a once-a-second tick for the timers:
//! unauthenticated sockets are closed after 5 s, silent ones after 100 s, a ping frame goes
//! out every 60 s, a client that leaves bytes unread for 30 s is dropped, and credentials
//! are re-checked after any change to sessions, tokens or users (a revoked session's sockets
//! are closed).
//!
//! Each turn: read the sockets that are readable (at most `READS_PER_TURN` messages each, so
//! one chatty client cannot starve the others), take the whole queue, deliver its events
//! into the sockets' out buffers, then write every socket that has bytes once.

use super::deliver::Audience;
use crate::app::App;
use crate::store::Reader;
use crate::ws::conn::{Authed, Conn};
use crate::ws::event::{Broadcast, Encoded, Event};
use crate::ws::{Adopt, Msg, Resume, Shared, WAKER};
use mio::{Interest, Token};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::error::ProtocolError;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Error as WsError, Message};

const READS_PER_TURN: usize = 64;
/// Sockets are written at most this often: an event after a quiet spell goes out at once,
/// while under a stream of events (a webhook flood) each socket gets one `write` per gap
/// carrying every event since, instead of one per event.
const FLUSH_GAP: Duration = Duration::from_millis(5);
const TICK: Duration = Duration::from_secs(1);
pub const AUTH_DEADLINE: Duration = Duration::from_secs(5);
const PING_EVERY: Duration = Duration::from_secs(60);
const SILENCE_LIMIT: Duration = Duration::from_secs(100);
const WRITE_DEADLINE: Duration = Duration::from_secs(30);
const CLOSE_GRACE: Duration = Duration::from_secs(2);
const PARK_LIMIT: Duration = Duration::from_secs(300);
const SWEEP_MIN: Duration = Duration::from_secs(1);
const SWEEP_MAX: Duration = Duration::from_secs(60);

pub struct Loop {
    pub app: Arc<App>,
    pub db: Reader,
    registry: mio::Registry,
    pub conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    /// Authenticated connections (live or parked) by user.
    pub by_user: HashMap<String, Vec<usize>>,
    /// Connections by `connection_id`.
    pub by_id: HashMap<String, usize>,
    dirty: Vec<usize>,
    unread: Vec<usize>,
    pub audience: Audience,
    hostname: Option<String>,
    last_tick: Instant,
    last_sweep: Instant,
    swept: u64,
}

pub fn run(app: Arc<App>, shared: Arc<Shared>, mut poll: mio::Poll) {
    let (db, registry) = match (app.store.reader(), poll.registry().try_clone()) {
        (Ok(db), Ok(r)) => (db, r),
        (Err(e), _) => return log::error!("websocket loop: no database reader: {e}"),
        (_, Err(e)) => return log::error!("websocket loop: {e}"),
    };
    let now = Instant::now();
    let swept = app.store.auth_generation();
    let mut lp = Loop {
        app,
        db,
        registry,
        conns: Vec::new(),
        free: Vec::new(),
        by_user: HashMap::new(),
        by_id: HashMap::new(),
        dirty: Vec::new(),
        unread: Vec::new(),
        audience: Audience::default(),
        hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty()),
        last_tick: now,
        last_sweep: now,
        swept,
    };
    let mut events = mio::Events::with_capacity(1024);
    let mut flushed = Instant::now();
    loop {
        let timeout = if !lp.unread.is_empty() {
            Duration::ZERO
        } else if !lp.dirty.is_empty() {
            FLUSH_GAP.saturating_sub(flushed.elapsed())
        } else {
            TICK.saturating_sub(lp.last_tick.elapsed())
        };
        if let Err(e) = poll.poll(&mut events, Some(timeout)) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                log::error!("websocket loop: poll failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
            continue;
        }
        for ev in events.iter() {
            if ev.token() == WAKER {
                continue;
            }
            let idx = ev.token().0;
            if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                lp.read(idx);
            }
            if ev.is_writable() {
                lp.mark_dirty(idx);
            }
        }
        for idx in std::mem::take(&mut lp.unread) {
            lp.read(idx);
        }
        for msg in shared.take() {
            match msg {
                Msg::Stop => return lp.shutdown(),
                Msg::Adopt(a) => guarded("adopting a socket", || lp.adopt(*a)),
                Msg::Event(e) => guarded("delivering an event", || lp.deliver(&e)),
            }
        }
        if lp.last_tick.elapsed() >= TICK {
            lp.last_tick = Instant::now();
            guarded("the timers", || lp.tick());
        }
        if !lp.dirty.is_empty() && flushed.elapsed() >= FLUSH_GAP {
            guarded("writing sockets", || lp.flush());
            flushed = Instant::now();
        }
    }
}

/// Runs one step of the loop; a panic is logged and the loop goes on (one event or socket is
/// lost, never all of them).
fn guarded(what: &str, f: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
        log::error!("websocket: {what} panicked");
    }
}

impl Loop {
    pub fn conn(&mut self, idx: usize) -> Option<&mut Conn> {
        self.conns.get_mut(idx).and_then(Option::as_mut)
    }

    pub fn mark_dirty(&mut self, idx: usize) {
        if let Some(c) = self.conn(idx) {
            if !c.dirty && c.socket.is_some() {
                c.dirty = true;
                self.dirty.push(idx);
            }
        }
    }

    fn slot(&mut self) -> usize {
        self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        })
    }

    fn register(&mut self, idx: usize) -> bool {
        let registry = &self.registry;
        let Some(io) = self.conns[idx].as_mut().and_then(|c| c.io()) else {
            return false;
        };
        match registry.register(
            &mut io.sock,
            Token(idx),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            Ok(()) => true,
            Err(e) => {
                log::warn!("websocket: cannot register a socket: {e}");
                false
            }
        }
    }

    /// Takes over an upgraded socket: a resume, or a fresh connection (with `hello` when the
    /// upgrade was authenticated).
    fn adopt(&mut self, a: Adopt) {
        let Adopt {
            stream,
            tls,
            permit,
            auth,
            resume,
        } = a;
        if resume == Resume::Invalid {
            return; // dropping the stream closes it, as Mattermost does (no hello)
        }
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        let _ = stream.set_nodelay(true);
        let sock = mio::net::TcpStream::from_std(stream);
        if let (Some(auth), Resume::From { id, seq }) = (&auth, &resume) {
            let parked = self.by_id.get(id).copied().filter(|&i| {
                self.conns[i].as_ref().is_some_and(|c| {
                    c.socket.is_none() && c.user_id() == Some(auth.user_id.as_str())
                })
            });
            if let Some(idx) = parked {
                return self.resume(idx, sock, tls, permit, auth.clone(), *seq);
            }
        }
        let idx = self.slot();
        let mut conn = Conn::new(crate::model::new_id(), sock, tls, auth);
        conn.permit = Some(permit);
        self.by_id.insert(conn.id.clone(), idx);
        self.conns[idx] = Some(conn);
        if !self.register(idx) {
            return self.remove(idx);
        }
        if self.conns[idx].as_ref().is_some_and(|c| c.auth.is_some()) {
            self.authenticated(idx);
        }
    }

    /// A resumable connection comes back (`docs/spec/websocket.md` §4.2, case 3).
    fn resume(
        &mut self,
        idx: usize,
        sock: mio::net::TcpStream,
        tls: Option<rustls::ServerConnection>,
        permit: crate::ws::Permit,
        auth: Authed,
        from: i64,
    ) {
        let Some(conn) = self.conn(idx) else { return };
        let fresh = Conn::new(conn.id.clone(), sock, tls, Some(auth));
        conn.socket = fresh.socket;
        conn.auth = fresh.auth;
        conn.permit = Some(permit);
        conn.parked_at = None;
        conn.heard = Instant::now();
        conn.pinged = conn.heard;
        if !self.register(idx) {
            return self.remove(idx);
        }
        let Some(conn) = self.conn(idx) else { return };
        let mut ok = true;
        if let Some(start) = conn.ring.iter().position(|s| s.seq == from) {
            let replay: Vec<_> = conn
                .ring
                .iter()
                .skip(start)
                .map(|s| (s.seq, s.event.clone()))
                .collect();
            for (seq, ev) in replay {
                ok &= conn.push_encoded(&ev, seq);
            }
        } else if from != conn.seq {
            // A gap: start over under a new id, with `hello`.
            conn.ring.clear();
            conn.seq = 0;
            let old = std::mem::replace(&mut conn.id, crate::model::new_id());
            let new = conn.id.clone();
            self.by_id.remove(&old);
            self.by_id.insert(new, idx);
            self.send_hello(idx);
        }
        let Some(conn) = self.conn(idx) else { return };
        for ev in std::mem::take(&mut conn.parked) {
            ok &= conn.push_event(&ev);
        }
        let user = conn.user_id().map(str::to_string);
        if !ok {
            return self.remove(idx);
        }
        self.mark_dirty(idx);
        if let Some(user) = user {
            super::actions::set_status(&self.app, &self.db, &user, "online");
        }
    }

    /// A connection just authenticated: indexed under its user, `hello` (seq 0), user online.
    pub fn authenticated(&mut self, idx: usize) {
        let Some(user) = self.conns[idx]
            .as_ref()
            .and_then(|c| c.user_id())
            .map(str::to_string)
        else {
            return;
        };
        // Online unless another of the user's connections still has its socket: a parked one
        // (a closed tab, a reload) left the user offline and does not count.
        let first = !self.by_user.get(&user).is_some_and(|l| {
            l.iter()
                .any(|&i| self.conns[i].as_ref().is_some_and(|c| c.socket.is_some()))
        });
        self.by_user.entry(user.clone()).or_default().push(idx);
        self.send_hello(idx);
        if first {
            super::actions::set_status(&self.app, &self.db, &user, "online");
        }
    }

    fn send_hello(&mut self, idx: usize) {
        let version = self.app.version_id.clone();
        let hostname = self.hostname.clone();
        let Some(conn) = self.conn(idx) else { return };
        let Some(user) = conn.user_id() else { return };
        let mut data = serde_json::json!({
            "connection_id": conn.id,
            "server_version": version,
        });
        if let Some(h) = hostname {
            data["server_hostname"] = h.into();
        }
        let hello = Event::new("hello", data, Broadcast::to_user(user));
        let hello = Arc::new(Encoded::new(&hello, Vec::new()));
        if conn.push_event(&hello) {
            self.mark_dirty(idx);
        } else {
            self.remove(idx);
        }
    }

    /// Reads what the client sent (tungstenite queues pong and close replies into `out`).
    /// `read_once`, with a panic in it (a library's assertion on hostile bytes) costing only
    /// this connection, never the loop.
    fn read(&mut self, idx: usize) {
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_once(idx)));
        if done.is_err() {
            log::error!("websocket: reading a socket panicked; it is dropped");
            self.remove(idx);
        }
    }

    fn read_once(&mut self, idx: usize) {
        for _ in 0..READS_PER_TURN {
            let Some(conn) = self.conn(idx) else { return };
            // Once we have sent a close frame (often after a broken frame) nothing more is
            // read: the socket goes when the close is written, or after `CLOSE_GRACE`.
            if conn.closing.is_some() {
                return;
            }
            let Some(ws) = conn.socket.as_mut() else {
                return;
            };
            let msg = ws.read();
            if conn
                .socket
                .as_ref()
                .is_some_and(|s| s.get_ref().has_output())
            {
                self.mark_dirty(idx);
            }
            let Some(conn) = self.conn(idx) else { return };
            match msg {
                Ok(m) => {
                    conn.heard = Instant::now();
                    match m {
                        Message::Text(t) => self.on_text(idx, t.as_str()),
                        Message::Binary(_) => {
                            conn.close(CloseCode::Unsupported, "binary frames are not supported")
                        }
                        _ => {} // ping (answered by tungstenite), pong, close (reply queued)
                    }
                }
                Err(WsError::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    // The peer closed (our close reply, if any, is in `out`).
                    let _ = conn.flush();
                    return self.gone(idx, conn_closing(self.conns[idx].as_ref()));
                }
                // The client went away without a close frame (a dropped connection).
                Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => {
                    return self.gone(idx, false)
                }
                Err(WsError::Capacity(_)) => conn.close(CloseCode::Size, "message too big"),
                Err(WsError::Utf8(_)) => conn.close(CloseCode::Invalid, "invalid UTF-8"),
                Err(WsError::Protocol(_)) => conn.close(CloseCode::Protocol, "protocol error"),
                Err(_) => return self.gone(idx, false),
            }
            if self.conns[idx].as_ref().is_none_or(|c| c.closing.is_some()) {
                self.mark_dirty(idx);
                return;
            }
        }
        // More may be waiting: continue next turn (edge-triggered: no new event will come).
        self.unread.push(idx);
    }

    /// The socket is finished. A resumable connection that the client dropped (not one we
    /// closed) is parked for a resume; anything else is removed.
    pub fn gone(&mut self, idx: usize, we_closed: bool) {
        let park = !we_closed
            && self.conns[idx]
                .as_ref()
                .is_some_and(|c| c.resumable && c.auth.is_some());
        if !park {
            return self.remove(idx);
        }
        let registry = &self.registry;
        let Some(conn) = self.conns[idx].as_mut() else {
            return;
        };
        if let Some(io) = conn.io() {
            let _ = registry.deregister(&mut io.sock);
        }
        conn.socket = None;
        conn.permit = None;
        conn.parked_at = Some(Instant::now());
        conn.dirty = false;
        let user = conn.user_id().map(str::to_string);
        if let Some(user) = user {
            self.went_offline_if_last(&user);
        }
    }

    /// Forgets a connection (and closes its socket).
    pub fn remove(&mut self, idx: usize) {
        let Some(mut conn) = self.conns.get_mut(idx).and_then(Option::take) else {
            return;
        };
        if let Some(io) = conn.io() {
            let _ = self.registry.deregister(&mut io.sock);
        }
        self.free.push(idx);
        if self.by_id.get(&conn.id) == Some(&idx) {
            self.by_id.remove(&conn.id);
        }
        let Some(user) = conn.user_id() else { return };
        if let Some(list) = self.by_user.get_mut(user) {
            list.retain(|&i| i != idx);
            if list.is_empty() {
                self.by_user.remove(user);
            }
        }
        let user = user.to_string();
        drop(conn);
        self.went_offline_if_last(&user);
    }

    /// Marks the user offline when none of their connections has a socket any more.
    fn went_offline_if_last(&mut self, user: &str) {
        let live = self.by_user.get(user).is_some_and(|l| {
            l.iter()
                .any(|&i| self.conns[i].as_ref().is_some_and(|c| c.socket.is_some()))
        });
        if !live
            && !self
                .app
                .shutting_down
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            super::actions::set_status(&self.app, &self.db, user, "offline");
        }
    }

    /// Writes every socket with pending bytes; drops broken ones and finished closes.
    fn flush(&mut self) {
        for idx in std::mem::take(&mut self.dirty) {
            let Some(conn) = self.conn(idx) else { continue };
            conn.dirty = false;
            match conn.flush() {
                Ok(true) if conn.closing.is_some() => self.remove(idx),
                Ok(_) => {}
                Err(_) => {
                    let closing = conn.closing.is_some();
                    self.gone(idx, closing);
                }
            }
        }
    }

    fn tick(&mut self) {
        let now = Instant::now();
        self.last_tick = now;
        let mut drop_now = Vec::new();
        let mut ping = Vec::new();
        for (idx, c) in self.conns.iter_mut().enumerate() {
            let Some(c) = c else { continue };
            if let Some(at) = c.parked_at {
                if now - at > PARK_LIMIT {
                    drop_now.push(idx);
                }
                continue;
            }
            if let Some(at) = c.closing {
                if now - at > CLOSE_GRACE {
                    drop_now.push(idx);
                }
            } else if c.auth.is_none() && now - c.opened >= AUTH_DEADLINE {
                c.close(CloseCode::Policy, "not authenticated");
                ping.push(idx);
            } else if now - c.heard > SILENCE_LIMIT
                || c.stalled.is_some_and(|s| now - s > WRITE_DEADLINE)
            {
                drop_now.push(idx);
            } else if now - c.pinged >= PING_EVERY {
                c.ping();
                ping.push(idx);
            }
        }
        for idx in drop_now {
            self.remove(idx);
        }
        for idx in ping {
            self.mark_dirty(idx);
        }
        self.sweep_if_due();
    }

    /// Closes the sockets whose session or token is no longer valid (logout, revocation,
    /// expiry, deactivation): checked after any change to the credential tables, at most once
    /// a second, and once a minute for expiries.
    fn sweep_if_due(&mut self) {
        let generation = self.app.store.auth_generation();
        let since = self.last_sweep.elapsed();
        if !(generation != self.swept && since >= SWEEP_MIN || since >= SWEEP_MAX) {
            return;
        }
        self.last_sweep = Instant::now();
        self.swept = generation;
        let mut sessions: Vec<&str> = Vec::new();
        let mut tokens: Vec<&str> = Vec::new();
        for a in self.conns.iter().flatten().filter_map(|c| c.auth.as_ref()) {
            if a.token {
                tokens.push(&a.credential);
            } else {
                sessions.push(&a.credential);
            }
        }
        if sessions.is_empty() && tokens.is_empty() {
            return;
        }
        let now = crate::model::now_ms();
        let live =
            crate::store::audience::live_sessions(&self.db, &sessions, now).and_then(|mut s| {
                s.extend(crate::store::audience::live_tokens(&self.db, &tokens)?);
                Ok(s)
            });
        let live = match live {
            Ok(l) => l,
            Err(e) => return log::error!("websocket: cannot check sessions: {e}"),
        };
        let dead: Vec<usize> = (self.conns.iter().enumerate())
            .filter_map(|(i, c)| Some((i, c.as_ref()?.auth.as_ref()?)))
            .filter(|(_, a)| !live.contains(&a.credential))
            .map(|(i, _)| i)
            .collect();
        for idx in dead {
            match self.conn(idx) {
                Some(c) if c.socket.is_some() => {
                    c.close(CloseCode::Policy, "session expired");
                    self.mark_dirty(idx);
                }
                _ => self.remove(idx),
            }
        }
    }

    /// Server shutdown: a close frame (1001) to every socket, one last write, then drop all.
    fn shutdown(&mut self) {
        for idx in 0..self.conns.len() {
            if let Some(c) = self.conn(idx) {
                c.close(CloseCode::Away, "server shutting down");
                let _ = c.flush();
            }
        }
        self.conns.clear();
        self.by_user.clear();
        self.by_id.clear();
    }
}

fn conn_closing(c: Option<&Conn>) -> bool {
    c.is_some_and(|c| c.closing.is_some())
}
