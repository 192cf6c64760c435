//! One WebSocket connection as the event loop holds it: the non-blocking socket, tungstenite's
//! reader (which also answers pings and closes), the outgoing bytes, the per-connection `seq`
//! and, for connections that may be resumed, the replay ring (`docs/spec/websocket.md` §4).
//!
//! Every byte to the client goes through `Io::out`, ours: tungstenite's own frames (pongs,
//! close replies) are "written" into it, and events are framed straight into it with
//! tungstenite's `FrameHeader`, without a copy per socket. The loop writes `out` to the
//! socket once per batch of events, and a client that stops reading is cut off when `out`
//! would pass `MAX_OUT`.
//!
//! Over HTTPS (wss) the socket carries TLS records: `Io` holds the rustls session, decrypts
//! what it reads and hands `out` to rustls (whose own buffer is bounded, 64 KiB) as the socket
//! takes the encrypted records, still without blocking.

use super::event::Encoded;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Instant;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, FrameHeader};
use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};

/// Bytes waiting for one client, at most; past that the client is a slow consumer and its
/// socket is closed (the server's memory stays bounded whatever clients do).
pub const MAX_OUT: usize = 1 << 20;
/// A backlog past this drops the events that only describe a passing state (`typing`,
/// `status_change`), as Mattermost does when a connection's queue is half full.
pub const HALF_OUT: usize = MAX_OUT / 2;
/// Largest client message (Mattermost's `SocketMaxMessageSizeKb`: 8 KiB).
pub const MAX_MESSAGE: usize = 8 * 1024;
/// Events kept per resumable connection for replay (Mattermost's dead queue).
pub const RING: usize = 128;
/// Events kept for a disconnected connection awaiting its resume.
pub const PARKED: usize = 256;

/// The tungstenite configuration: a 4 KiB read buffer (the default 128 KiB would cost that
/// much per socket), eager writes into `Io::out`, and Mattermost's read limit.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_OUT)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// The socket as tungstenite sees it: reads come from the socket, writes land in `out`.
pub struct Io {
    pub sock: mio::net::TcpStream,
    /// The TLS session of a wss connection.
    tls: Option<Box<rustls::ServerConnection>>,
    out: Vec<u8>,
    /// Bytes of `out` already written to the socket.
    sent: usize,
}

impl Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(tls) = self.tls.as_deref_mut() else {
            return self.sock.read(buf);
        };
        loop {
            match tls.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // Plaintext, the peer's close_notify (0), or its end without one (an error).
                other => return other,
            }
            // Nothing decrypted is waiting: take in what the socket has (`WouldBlock` when
            // nothing, as for a plain socket).
            let eof = tls.read_tls(&mut self.sock)? == 0;
            tls.process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if eof {
                return match tls.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                    other => other,
                };
            }
        }
    }
}

impl Write for Io {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Io {
    /// Bytes not yet written to the socket.
    pub fn pending(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Whether anything waits to be written: bytes of `out`, or TLS records (a reply rustls
    /// made while reading).
    pub fn has_output(&self) -> bool {
        self.pending() > 0 || self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// Writes what the socket takes. `Ok(true)`: everything is out.
    fn write_out(&mut self) -> io::Result<bool> {
        if self.tls.is_some() {
            return self.write_out_tls();
        }
        while self.sent < self.out.len() {
            match self.sock.write(&self.out[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Keep the unwritten tail at the front once most of `out` has gone.
                    if self.sent > self.out.len() / 2 {
                        self.out.drain(..self.sent);
                        self.sent = 0;
                    }
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // Given back once written: an idle socket holds no out buffer.
        self.out = Vec::new();
        self.sent = 0;
        Ok(true)
    }

    /// `write_out` over TLS: `out` goes into rustls as far as its bounded buffer takes it, its
    /// records go to the socket, until both are empty or the socket is full.
    fn write_out_tls(&mut self) -> io::Result<bool> {
        let Some(tls) = self.tls.as_deref_mut() else {
            return Ok(true);
        };
        loop {
            if self.sent < self.out.len() {
                self.sent += tls.writer().write(&self.out[self.sent..])?;
            }
            if !tls.wants_write() {
                break;
            }
            match tls.write_tls(&mut self.sock) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if self.sent > self.out.len() / 2 {
                        self.out.drain(..self.sent);
                        self.sent = 0;
                    }
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out = Vec::new();
        self.sent = 0;
        Ok(true)
    }
}

/// The caller behind an authenticated connection: ids only (a socket must stay small).
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: String,
    /// The login session's id, or the personal access token's id (`token`).
    pub credential: String,
    pub token: bool,
    pub is_admin: bool,
}

/// An event written to a resumable connection, for replay.
pub struct Sent {
    pub seq: i64,
    pub event: Arc<Encoded>,
}

pub struct Conn {
    /// Mattermost's `connection_id` (26 chars).
    pub id: String,
    /// `None` while disconnected and kept for a resume.
    pub socket: Option<WebSocket<Io>>,
    pub auth: Option<Authed>,
    /// The next event's `seq`.
    pub seq: i64,
    /// Authenticated by the upgrade request itself: such a connection may be resumed, so it
    /// keeps its last events (`ring`) and, once disconnected, what arrives (`parked`).
    pub resumable: bool,
    pub ring: VecDeque<Sent>,
    pub parked: VecDeque<Arc<Encoded>>,
    pub opened: Instant,
    /// Last frame from the client (any frame counts as liveness).
    pub heard: Instant,
    pub pinged: Instant,
    /// Since when the client has left bytes unread (its out buffer not emptied).
    pub stalled: Option<Instant>,
    /// A close frame was sent: no more events; the socket goes once it is written.
    pub closing: Option<Instant>,
    /// `user_typing` requests in the current second, for flood control.
    pub typing: (Instant, u32),
    /// Whether the socket is on the loop's list of sockets with bytes to write.
    pub dirty: bool,
    /// The socket's place under the connection limit (dropped with the socket).
    pub permit: Option<super::Permit>,
    /// Since when a resumable connection has been without a socket.
    pub parked_at: Option<Instant>,
}

/// Why a connection is being closed (the close frame's code), or `None` to drop it at once.
pub type CloseWith = Option<(CloseCode, &'static str)>;

impl Conn {
    pub fn new(
        id: String,
        sock: mio::net::TcpStream,
        tls: Option<rustls::ServerConnection>,
        auth: Option<Authed>,
    ) -> Conn {
        let now = Instant::now();
        let io = Io {
            sock,
            tls: tls.map(Box::new),
            out: Vec::new(),
            sent: 0,
        };
        Conn {
            id,
            socket: Some(WebSocket::from_raw_socket(io, Role::Server, Some(config()))),
            resumable: auth.is_some(),
            auth,
            seq: 0,
            ring: VecDeque::new(),
            parked: VecDeque::new(),
            opened: now,
            heard: now,
            pinged: now,
            stalled: None,
            closing: None,
            typing: (now, 0),
            dirty: false,
            permit: None,
            parked_at: None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        self.auth.as_ref().map(|a| a.user_id.as_str())
    }

    pub fn io(&mut self) -> Option<&mut Io> {
        self.socket.as_mut().map(|s| s.get_mut())
    }

    /// Bytes waiting for this client.
    pub fn backlog(&self) -> usize {
        self.socket.as_ref().map_or(0, |s| s.get_ref().pending())
    }

    /// Frames one text message into the out buffer. `false`: the client is not reading (the
    /// buffer would pass `MAX_OUT`) and must be dropped.
    pub fn push_text(&mut self, parts: &[&[u8]]) -> bool {
        let Some(io) = self.io() else { return true };
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if io.pending() + len + 14 > MAX_OUT {
            return false;
        }
        let header = FrameHeader {
            opcode: OpCode::Data(Data::Text),
            ..FrameHeader::default()
        };
        // Writing into a Vec cannot fail.
        let _ = header.format(len as u64, &mut io.out);
        for p in parts {
            io.out.extend_from_slice(p);
        }
        true
    }

    /// Writes an event with this connection's next `seq`; remembers it for replay when the
    /// connection is resumable. `false`: slow consumer.
    pub fn push_event(&mut self, event: &Arc<Encoded>) -> bool {
        let seq = self.seq;
        if !self.push_encoded(event, seq) {
            return false;
        }
        self.seq += 1;
        if self.resumable {
            if self.ring.len() == RING {
                self.ring.pop_front();
            }
            self.ring.push_back(Sent {
                seq,
                event: event.clone(),
            });
        }
        true
    }

    /// Writes an event with a given `seq` (also a replay).
    pub fn push_encoded(&mut self, event: &Encoded, seq: i64) -> bool {
        let user = self.user_id().unwrap_or("");
        let mention = event.mention_field(user);
        let seq = seq.to_string();
        let parts = event.parts(mention.as_deref(), seq.as_bytes());
        self.push_text(&parts)
    }

    /// Sends a ping frame (empty payload), as Mattermost does every minute.
    pub fn ping(&mut self) {
        if let Some(ws) = self.socket.as_mut() {
            let _ = ws.write(tungstenite::Message::Ping(Default::default()));
            self.pinged = Instant::now();
        }
    }

    /// Queues a close frame; the socket is dropped once it has been written.
    pub fn close(&mut self, code: CloseCode, reason: &'static str) {
        if self.closing.is_some() {
            return;
        }
        self.closing = Some(Instant::now());
        if let Some(ws) = self.socket.as_mut() {
            let _ = ws.close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }));
        }
    }

    /// Writes the out buffer. `Err`: the socket is broken. `Ok(true)`: all written.
    pub fn flush(&mut self) -> io::Result<bool> {
        let Some(io) = self.io() else { return Ok(true) };
        let done = io.write_out()?;
        self.stalled = match (done, self.stalled) {
            (true, _) => None,
            (false, None) => Some(Instant::now()),
            (false, s) => s,
        };
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::event::{Broadcast, Event};
    use serde_json::json;

    /// A loopback pair: our side as a mio stream, the client's as a blocking tungstenite
    /// client socket (no handshake: frames only).
    fn pair() -> (Conn, WebSocket<std::net::TcpStream>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (server, _) = l.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let conn = Conn::new(
            "c".repeat(26),
            mio::net::TcpStream::from_std(server),
            None,
            None,
        );
        let client = WebSocket::from_raw_socket(client, Role::Client, None);
        (conn, client)
    }

    #[test]
    fn events_are_framed_with_consecutive_seqs_and_a_stalled_client_is_cut_off() {
        let (mut conn, mut client) = pair();
        let ev = Arc::new(Encoded::new(
            &Event::new("x", json!({"a": 1}), Broadcast::to_all()),
            vec![],
        ));
        assert!(conn.push_event(&ev));
        assert!(conn.push_event(&ev));
        assert!(conn.flush().unwrap());
        for want in 0..2 {
            let msg = client.read().unwrap();
            let v: serde_json::Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
            assert_eq!(v["seq"], want);
            assert_eq!(v["data"]["a"], 1);
        }
        // The client stops reading: the kernel buffers fill, then `out`, then the cap.
        let big = Arc::new(Encoded::new(
            &Event::new("x", json!({"pad": "y".repeat(60_000)}), Broadcast::to_all()),
            vec![],
        ));
        let mut pushed = 0;
        while conn.push_event(&big) {
            pushed += 1;
            let _ = conn.flush().unwrap();
            assert!(pushed < 10_000, "never capped");
        }
        assert!(conn.backlog() + 60_100 > MAX_OUT);
        assert!(conn.stalled.is_some());
    }
}
