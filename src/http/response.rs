//! `Resp`: what a handler returns. The server adds the common headers in `http::mod`.
//! A handler whose answer waits on a durable write returns `Resp::later()`'s placeholder and
//! completes the `Answer` from the write's continuation (`Store::write_then`).

use crate::error::ApiError;
use serde::Serialize;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Set on `Resp::later()`'s placeholder: the real answer comes through this.
    pub later: Option<Later>,
    /// Set by `Resp::switch_protocols`: after the `101`, the socket goes here.
    pub upgrade: Option<Upgrade>,
    /// A body streamed from a reader (a stored file) instead of `body`.
    pub stream: Option<Stream>,
}

/// A response body read as it is sent, of a known length.
pub struct Stream {
    pub reader: Box<dyn std::io::Read + Send>,
    pub len: u64,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stream({} bytes)", self.len)
    }
}

/// The new owner of a connection after a `101 Switching Protocols`: it receives the blocking
/// connection on the connection's own thread (not an HTTP worker) and must return promptly.
pub struct Upgrade {
    /// The protocol named in the `Upgrade` header (`websocket`).
    pub protocol: String,
    pub then: Box<dyn FnOnce(Upgraded) + Send>,
}

/// A connection after its `101`: the blocking socket and, over HTTPS, the TLS session whose
/// records it carries (the new owner encrypts and decrypts with it).
pub struct Upgraded {
    pub socket: std::net::TcpStream,
    pub tls: Option<rustls::ServerConnection>,
}

impl std::fmt::Debug for Upgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Upgrade({})", self.protocol)
    }
}

/// The final step of a deferred answer: builds the response.
pub type Finish = Box<dyn FnOnce() -> Result<Resp, ApiError> + Send>;
/// Where a deferred answer goes: the HTTP layer's sink, which writes it to the client.
pub type Sink = Box<dyn FnOnce(Finish) + Send>;

/// A deferred answer's rendezvous: the handler's continuation and the HTTP layer's sink may
/// arrive in either order; whichever comes second runs the sink.
#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    Ready(Finish),
    Waiting(Sink),
    Used,
}

/// The HTTP layer's end of a deferred answer (in the placeholder `Resp`).
#[derive(Default)]
pub struct Later(Arc<Mutex<Slot>>);

/// The handler's end of a deferred answer. Dropped without `complete` (a continuation that
/// never ran), it answers `500` so no client waits forever.
pub struct Answer(Option<Arc<Mutex<Slot>>>);

impl std::fmt::Debug for Later {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Later")
    }
}

fn meet(slot: &Mutex<Slot>, arrive: impl FnOnce(Slot) -> (Slot, Option<(Sink, Finish)>)) {
    let ready = {
        let mut guard = match slot.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (next, ready) = arrive(std::mem::take(&mut *guard));
        *guard = next;
        ready
    };
    if let Some((sink, finish)) = ready {
        sink(finish);
    }
}

impl Later {
    /// Installs the sink; runs it now if the answer is already there.
    pub fn on_ready(self, sink: Sink) {
        meet(&self.0, |s| match s {
            Slot::Ready(finish) => (Slot::Used, Some((sink, finish))),
            _ => (Slot::Waiting(sink), None),
        });
    }
}

impl Answer {
    /// Delivers the answer; `finish` runs where the sink is (a completion thread, or the
    /// worker when it installs the sink after the write has already finished).
    pub fn complete(mut self, finish: impl FnOnce() -> Result<Resp, ApiError> + Send + 'static) {
        if let Some(slot) = self.0.take() {
            deliver(&slot, Box::new(finish));
        }
    }
}

fn deliver(slot: &Mutex<Slot>, finish: Finish) {
    meet(slot, |s| match s {
        Slot::Waiting(sink) => (Slot::Used, Some((sink, finish))),
        _ => (Slot::Ready(finish), None),
    });
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            deliver(
                &slot,
                Box::new(|| Err(ApiError::internal("the answer to a write was lost"))),
            );
        }
    }
}

impl Resp {
    /// A placeholder for an answer that comes later, and the handle that delivers it.
    pub fn later() -> (Resp, Answer) {
        let slot = Arc::new(Mutex::new(Slot::Empty));
        let resp = Resp {
            later: Some(Later(slot.clone())),
            ..Default::default()
        };
        (resp, Answer(Some(slot)))
    }

    /// JSON with `Content-Type: application/json` exactly (clients compare the whole string)
    /// and a trailing newline, as Go's json.Encoder writes.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Resp {
        let mut body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        body.push(b'\n');
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
            ..Default::default()
        }
    }

    pub fn ok<T: Serialize + ?Sized>(value: &T) -> Resp {
        Self::json(200, value)
    }

    pub fn created<T: Serialize + ?Sized>(value: &T) -> Resp {
        Self::json(201, value)
    }

    /// `101 Switching Protocols` to `protocol` with `headers` (the server adds `Upgrade` and
    /// `Connection`); once it is written, `then` gets the socket.
    pub fn switch_protocols(
        protocol: &str,
        headers: Vec<(String, String)>,
        then: Box<dyn FnOnce(Upgraded) + Send>,
    ) -> Resp {
        Resp {
            status: 101,
            headers,
            upgrade: Some(Upgrade {
                protocol: protocol.to_string(),
                then,
            }),
            ..Resp::default()
        }
    }

    /// `200 {"status":"OK"}`, Mattermost's answer for delete, revoke, logout and friends.
    pub fn status_ok() -> Resp {
        Self::json(200, &serde_json::json!({"status": "OK"}))
    }

    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.into(),
            ..Default::default()
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            ..Default::default()
        }
    }

    /// A body streamed from `reader` (`len` bytes), with `content_type`.
    pub fn stream(
        status: u16,
        content_type: &str,
        reader: Box<dyn std::io::Read + Send>,
        len: u64,
    ) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            stream: Some(Stream { reader, len }),
            ..Default::default()
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A sink that reports the finished answer's status.
    fn sink(tx: mpsc::Sender<u16>) -> Sink {
        Box::new(move |finish: Finish| {
            let status = match finish() {
                Ok(r) => r.status,
                Err(e) => e.status,
            };
            tx.send(status).unwrap();
        })
    }

    #[test]
    fn a_deferred_answer_meets_its_sink_in_either_order() {
        let (tx, rx) = mpsc::channel();
        // The answer first, then the sink.
        let (resp, answer) = Resp::later();
        answer.complete(|| Ok(Resp::text(201, "a")));
        resp.later.unwrap().on_ready(sink(tx.clone()));
        assert_eq!(rx.try_recv(), Ok(201));
        // The sink first, then the answer (from another thread).
        let (resp, answer) = Resp::later();
        resp.later.unwrap().on_ready(sink(tx.clone()));
        assert!(rx.try_recv().is_err());
        std::thread::spawn(move || answer.complete(|| Ok(Resp::text(200, "b"))))
            .join()
            .unwrap();
        assert_eq!(rx.try_recv(), Ok(200));
        // An answer dropped unanswered still answers: 500.
        let (resp, answer) = Resp::later();
        resp.later.unwrap().on_ready(sink(tx));
        drop(answer);
        assert_eq!(rx.try_recv(), Ok(500));
    }
}
