//! Raw HTTP/1.1 for the benchmark, written by hand so the load generator costs little: requests
//! are prebuilt byte strings, and `Conn` reads one message at a time from a keep-alive stream
//! (status or request line, `Content-Length` or chunked body, `Connection: close`).

use serde_json::Value;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response (or, for the receiver, a request) head larger than this is refused.
const MAX_HEAD: usize = 1 << 20;

/// Builds the bytes of one request. `Content-Length` is sent whenever there is a body (and for
/// every POST/PUT, as servers expect).
pub fn request(
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (k, v) in headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// What to keep of a message beyond its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Headers and body are skipped (the load loop).
    Nothing,
    /// Headers and body are kept only for a non-2xx status (to report the failure).
    OnFailure,
    /// Everything is kept (set-up calls, the receiver).
    All,
}

/// One parsed message. For a request, `status` is 0 and `start_line` holds the request line.
#[derive(Debug, Default)]
pub struct Message {
    pub status: u16,
    pub start_line: String,
    /// The peer will close the connection after this message.
    pub close: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `404 api.context.404.app_error` for a Mattermost error, else `404 <first bytes of the
    /// body>`, for reports.
    pub fn summary(&self) -> String {
        if let Some(id) = self.json()["id"].as_str() {
            return format!("{} {id}", self.status);
        }
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(200).collect();
        format!("{} {}", self.status, body.trim())
    }
}

/// A buffered connection reading one HTTP message at a time.
pub struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// A TCP connection with Nagle off and a read timeout (a hung server shows as an I/O error).
pub fn connect(addr: SocketAddr) -> io::Result<Conn<TcpStream>> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(Conn::new(s))
}

impl<S: Read + Write> Conn<S> {
    pub fn new(stream: S) -> Conn<S> {
        Conn {
            stream,
            buf: vec![0; 16 * 1024],
            start: 0,
            end: 0,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Sends a request and reads its response.
    pub fn roundtrip(&mut self, req: &[u8], keep: Keep) -> io::Result<Message> {
        self.send(req)?;
        self.read_response(keep)
    }

    /// Reads one response (skipping `1xx` interim responses).
    pub fn read_response(&mut self, keep: Keep) -> io::Result<Message> {
        loop {
            let m = self.read_message(true, keep)?;
            if !(100..200).contains(&m.status) {
                return Ok(m);
            }
        }
    }

    /// Reads one request (the receiver side). `Ok(None)` when the peer closed cleanly between
    /// requests.
    pub fn read_request(&mut self) -> io::Result<Option<Message>> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            match self.fill() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        self.read_message(false, Keep::All).map(Some)
    }

    /// Reads more bytes into the buffer; an orderly close is `UnexpectedEof`.
    fn fill(&mut self) -> io::Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() >= MAX_HEAD {
                return Err(invalid("message head too large"));
            } else {
                let n = self.buf.len() * 2;
                self.buf.resize(n, 0);
            }
        }
        let n = loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed by peer",
            ));
        }
        self.end += n;
        Ok(())
    }

    /// Reads up to and including the next CRLF; returns the line without it.
    fn line(&mut self) -> io::Result<String> {
        let mut from = 0;
        loop {
            let window = &self.buf[self.start..self.end];
            if let Some(i) = find(&window[from..], b"\r\n") {
                let line = String::from_utf8_lossy(&window[..from + i]).into_owned();
                self.start += from + i + 2;
                return Ok(line);
            }
            from = window.len().saturating_sub(1);
            self.fill()?;
        }
    }

    /// Consumes `n` body bytes, appending them to `out` when `keep`.
    fn take(&mut self, mut n: usize, keep: bool, out: &mut Vec<u8>) -> io::Result<()> {
        while n > 0 {
            if self.start == self.end {
                self.fill()?;
            }
            let k = n.min(self.end - self.start);
            if keep {
                out.extend_from_slice(&self.buf[self.start..self.start + k]);
            }
            self.start += k;
            n -= k;
        }
        Ok(())
    }

    fn read_message(&mut self, is_response: bool, keep: Keep) -> io::Result<Message> {
        // The head: everything up to the blank line.
        let mut from = 0;
        let head_len = loop {
            let window = &self.buf[self.start..self.end];
            if let Some(i) = find(&window[from..], b"\r\n\r\n") {
                break from + i + 4;
            }
            from = window.len().saturating_sub(3);
            self.fill()?;
        };
        let head = &self.buf[self.start..self.start + head_len - 4];
        let head = std::str::from_utf8(head).map_err(|_| invalid("head is not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let first = lines.next().unwrap_or("");
        let mut parts = first.split(' ');
        let mut msg = Message::default();
        let http10;
        if is_response {
            let version = parts.next().unwrap_or("");
            if !version.starts_with("HTTP/1.") {
                return Err(invalid("not an HTTP/1.x response"));
            }
            http10 = version == "HTTP/1.0";
            msg.status = parts
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| invalid("bad status line"))?;
        } else {
            http10 = first.ends_with("HTTP/1.0");
            msg.start_line = first.to_string();
        }
        let keep_all = match keep {
            Keep::All => true,
            Keep::OnFailure => !msg.is_success(),
            Keep::Nothing => false,
        };
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut conn_header: Option<String> = None;
        for line in lines {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = Some(v.parse().map_err(|_| invalid("bad Content-Length"))?);
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                chunked = v.to_ascii_lowercase().contains("chunked");
            } else if k.eq_ignore_ascii_case("connection") {
                conn_header = Some(v.to_ascii_lowercase());
            }
            if keep_all {
                msg.headers.push((k.trim().to_string(), v.to_string()));
            }
        }
        msg.close = match conn_header.as_deref() {
            Some(c) if c.contains("close") => true,
            Some(c) if c.contains("keep-alive") => false,
            _ => http10,
        };
        self.start += head_len;

        let no_body = is_response && matches!(msg.status, 100..=199 | 204 | 304);
        let mut body = Vec::new();
        if no_body {
            // Nothing follows the head.
        } else if chunked {
            loop {
                let size_line = self.line()?;
                let size = size_line.split(';').next().unwrap_or("").trim();
                let size =
                    usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
                if size == 0 {
                    // Trailers, up to the blank line.
                    while !self.line()?.is_empty() {}
                    break;
                }
                self.take(size, keep_all, &mut body)?;
                if !self.line()?.is_empty() {
                    return Err(invalid("chunk not followed by CRLF"));
                }
            }
        } else if let Some(n) = length {
            self.take(n, keep_all, &mut body)?;
        } else if is_response {
            // No length: the body runs to the end of the connection.
            msg.close = true;
            loop {
                if self.start < self.end {
                    let n = self.end - self.start;
                    self.take(n, keep_all, &mut body)?;
                }
                match self.fill() {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
        }
        msg.body = body;
        Ok(msg)
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// A small keep-alive client for set-up calls (JSON in, JSON out), reconnecting once when a
/// kept connection turns out to be closed.
pub struct Client {
    addr: SocketAddr,
    host: String,
    conn: Option<Conn<TcpStream>>,
    pub token: Option<String>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            host: addr.to_string(),
            conn: None,
            token: None,
        }
    }

    pub fn with_token(addr: SocketAddr, token: &str) -> Client {
        let mut c = Client::new(addr);
        c.token = Some(token.to_string());
        c
    }

    /// Builds a request for `path` with this client's token (for the load generator).
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        if body.is_empty() && method == "GET" {
            headers.retain(|(k, _)| *k != "Content-Type");
        }
        request(method, path, &self.host, &headers, body)
    }

    pub fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Message> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let req = self.request(method, path, &bytes);
        for attempt in 0..2 {
            let conn = match self.conn.as_mut() {
                Some(c) => c,
                None => self.conn.insert(connect(self.addr)?),
            };
            match conn.roundtrip(&req, Keep::All) {
                Ok(m) => {
                    if m.close {
                        self.conn = None;
                    }
                    return Ok(m);
                }
                Err(e) => {
                    self.conn = None;
                    if attempt == 1 {
                        return Err(e);
                    }
                }
            }
        }
        Err(io::Error::other("unreachable"))
    }

    /// Like `call`, but any non-2xx answer becomes an error naming the call.
    pub fn ok(&mut self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let m = self
            .call(method, path, body)
            .map_err(|e| format!("{method} {path}: {e}"))?;
        if !m.is_success() {
            return Err(format!("{method} {path}: {}", m.summary()));
        }
        Ok(m.json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that hands out its input a few bytes at a time and records what is written.
    struct Trickle {
        input: Vec<u8>,
        pos: usize,
        step: usize,
        written: Vec<u8>,
    }

    impl Trickle {
        fn new(input: &[u8], step: usize) -> Trickle {
            Trickle {
                input: input.to_vec(),
                pos: 0,
                step,
                written: Vec::new(),
            }
        }
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.input.len() - self.pos);
            buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    impl Write for Trickle {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    const STREAM: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}\
HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nToken: abc\r\n\r\n4;x=y\r\n{\"id\r\n5\r\n\":1}\n\r\n0\r\nTrailer: t\r\n\r\n\
HTTP/1.1 204 No Content\r\n\r\n\
HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: Close\r\n\r\nnot found\
HTTP/1.0 200 OK\r\n\r\nuntil the end";

    fn read_all(step: usize, keep: Keep) -> Vec<Message> {
        let mut c = Conn::new(Trickle::new(STREAM, step));
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(c.read_response(keep).unwrap());
        }
        // Nothing more: an orderly close is an error for a response reader.
        assert!(c.read_response(keep).is_err());
        out
    }

    #[test]
    fn responses_are_parsed_whatever_the_read_sizes() {
        for step in [1, 2, 3, 7, 64, 100_000] {
            let m = read_all(step, Keep::All);
            assert_eq!(m[0].status, 200);
            assert_eq!(m[0].json()["status"], "OK");
            assert!(!m[0].close);
            assert_eq!(m[1].status, 201, "the 100 Continue is skipped");
            assert_eq!(m[1].header("token"), Some("abc"));
            assert_eq!(m[1].body, b"{\"id\":1}\n");
            assert_eq!(m[2].status, 204);
            assert!(m[2].body.is_empty());
            assert_eq!(m[3].status, 404);
            assert!(m[3].close, "Connection: close is honoured");
            assert_eq!(m[3].summary(), "404 not found");
            assert_eq!(m[4].status, 200);
            assert!(m[4].close, "HTTP/1.0 without a length reads to the end");
            assert_eq!(m[4].body, b"until the end");
        }
    }

    #[test]
    fn only_failures_are_kept_when_asked() {
        let m = read_all(5, Keep::OnFailure);
        assert!(m[0].body.is_empty() && m[0].headers.is_empty());
        assert_eq!(m[3].body, b"not found");
        let m = read_all(5, Keep::Nothing);
        assert!(m.iter().all(|m| m.body.is_empty()));
        assert_eq!(m[3].status, 404);
    }

    #[test]
    fn bad_input_is_an_error_not_a_hang() {
        let mut c = Conn::new(Trickle::new(b"SSH-2.0-OpenSSH\r\n\r\n", 4));
        assert!(c.read_response(Keep::All).is_err());
        let mut c = Conn::new(Trickle::new(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            4,
        ));
        assert!(c.read_response(Keep::All).is_err());
        let mut c = Conn::new(Trickle::new(b"HTTP/1.1 2x0 OK\r\n\r\n", 4));
        assert!(c.read_response(Keep::All).is_err());
    }

    #[test]
    fn requests_are_built_and_read_back() {
        let req = request(
            "POST",
            "/hooks/abc",
            "127.0.0.1:1",
            &[("Content-Type", "application/json")],
            b"{\"text\":\"hi\"}",
        );
        let text = String::from_utf8(req.clone()).unwrap();
        assert!(text.starts_with("POST /hooks/abc HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"));
        assert!(text.contains("Content-Length: 13\r\n\r\n{\"text\":\"hi\"}"));
        let get = String::from_utf8(request("GET", "/x", "h", &[], b"")).unwrap();
        assert!(!get.contains("Content-Length"));

        let mut twice = req.clone();
        twice.extend_from_slice(&req);
        let mut c = Conn::new(Trickle::new(&twice, 3));
        for _ in 0..2 {
            let m = c.read_request().unwrap().unwrap();
            assert_eq!(m.start_line, "POST /hooks/abc HTTP/1.1");
            assert_eq!(m.json()["text"], "hi");
        }
        assert!(c.read_request().unwrap().is_none(), "clean close");
        c.send(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
        assert_eq!(c.get_mut().written, b"HTTP/1.1 200 OK\r\n\r\n");
    }
}
