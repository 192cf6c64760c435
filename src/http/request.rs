//! `Req`: one HTTP request as handlers see it — method, decoded path segments, query, headers
//! and a body that was read eagerly and bounded.

use crate::error::ApiError;
use crate::form::{base_media_type, parse_query, percent_decode};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Other,
}

impl Method {
    pub fn parse(s: &str) -> Method {
        match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }

    /// The method's name on the wire (`OTHER` for anything we do not route).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

/// The largest `page` a list request may ask for (an offset of at most 2·10⁹ rows).
pub const MAX_PAGE: i64 = 10_000_000;

#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The raw path, without the query string.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The body, when it was read into memory (empty when it was spooled).
    pub body: Vec<u8>,
    /// The body, when it was spooled to a temporary file (uploads: `http::spools`).
    pub spooled: Option<Spooled>,
    pub remote: Option<SocketAddr>,
    /// Came over HTTPS served by Perch itself (`ConnectionSecurity: "TLS"`).
    pub secure: bool,
}

/// A request body in an unlinked temporary file (it disappears with its last handle).
#[derive(Debug, Clone)]
pub struct Spooled {
    pub file: Arc<std::fs::File>,
    pub len: u64,
}

/// A body to stream: `Read` and `Seek` (a second pass over a multipart form).
pub trait BodyReader: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> BodyReader for T {}

impl Req {
    /// Builds a request from its parts (the server does this; tests may too).
    pub fn new(method: Method, url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Req {
        let (path, qs) = url.split_once('?').unwrap_or((url, ""));
        // A client configured with a trailing slash asks for `//api/v4/...`; Mattermost
        // redirects (which breaks POSTs), we simply collapse repeated slashes.
        let mut clean = String::with_capacity(path.len());
        for c in path.chars() {
            if !(c == '/' && clean.ends_with('/')) {
                clean.push(c);
            }
        }
        Req {
            method,
            path: clean,
            query: parse_query(qs),
            headers,
            body,
            spooled: None,
            remote: None,
            secure: false,
        }
    }

    /// The body's length, wherever it is.
    pub fn body_len(&self) -> u64 {
        match &self.spooled {
            Some(s) => s.len,
            None => self.body.len() as u64,
        }
    }

    /// A copy with its spooled body read into memory, if it is at most `limit` bytes (callers
    /// that need the bytes themselves: signatures, small forms). `None` if it is longer.
    pub fn with_body_in_memory(&self, limit: u64) -> std::io::Result<Option<Req>> {
        if self.spooled.is_none() {
            return Ok(Some(self.clone()));
        }
        if self.body_len() > limit {
            return Ok(None);
        }
        let mut body = Vec::with_capacity(self.body_len() as usize);
        std::io::Read::read_to_end(&mut self.body_reader()?, &mut body)?;
        let mut copy = self.clone();
        copy.spooled = None;
        copy.body = body;
        Ok(Some(copy))
    }

    /// The first `n` bytes of the body, wherever it is.
    pub fn body_head(&self, n: usize) -> Vec<u8> {
        let mut head = Vec::new();
        if let Ok(r) = self.body_reader() {
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(r, n as u64), &mut head);
        }
        head
    }

    /// The body as a stream from its start, wherever it is (a spooled body is read from its
    /// file, never loaded into memory).
    pub fn body_reader(&self) -> std::io::Result<Box<dyn BodyReader + '_>> {
        match &self.spooled {
            Some(s) => {
                let mut f: &std::fs::File = &s.file;
                std::io::Seek::rewind(&mut f)?;
                Ok(Box::new(f))
            }
            None => Ok(Box::new(std::io::Cursor::new(&self.body[..]))),
        }
    }

    /// Path segments after `prefix`, percent-decoded: "/api/v4/users/me" → ["users", "me"].
    pub fn segments_after(&self, prefix: &str) -> Vec<String> {
        self.path
            .strip_prefix(prefix)
            .unwrap_or("")
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect()
    }

    /// A header value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter (the first occurrence).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter: `true`/`True`/`1` are true (Python sends `True`).
    pub fn query_bool(&self, name: &str) -> bool {
        matches!(self.query(name), Some(v) if v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// Mattermost's paging: `page` default 0, `per_page` default 60, clamped to 200.
    pub fn paging(&self) -> (i64, i64) {
        let page = self
            .query("page")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| *v >= 0);
        let per_page = self
            .query("per_page")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| *v >= 0);
        // A page beyond any real list is capped so `page * per_page` (the SQL offset) cannot
        // overflow (a huge `?page=`, found by the contract test, panicked).
        (
            page.unwrap_or(0).min(MAX_PAGE),
            per_page.unwrap_or(60).min(200),
        )
    }

    /// The media type of the body, lower-cased, without parameters.
    pub fn media_type(&self) -> String {
        self.header("Content-Type")
            .map(base_media_type)
            .unwrap_or_default()
    }

    /// Decodes the body as JSON; any failure is `400 invalid_body_param` naming `what`.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::invalid_body(what).with_detail(e.to_string()))
    }

    /// The client address, as the socket saw it.
    pub fn remote_ip(&self) -> String {
        self.remote.map(|a| a.ip().to_string()).unwrap_or_default()
    }

    /// The client IP: the first address of the first of the `trusted` headers present
    /// (`ServiceSettings.TrustedProxyIPHeader`), else the socket's.
    pub fn client_ip(&self, trusted: &[String]) -> String {
        for h in trusted {
            if let Some(v) = self.header(h) {
                if let Some(first) = v.split(',').next() {
                    let ip = first.trim();
                    if !ip.is_empty() {
                        return ip.to_string();
                    }
                }
            }
        }
        self.remote_ip()
    }
}

/// `Accept-Encoding` names gzip with a non-zero quality.
pub fn accepts_gzip(header: Option<&str>) -> bool {
    header.is_some_and(|h| {
        h.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            let coding = it.next().unwrap_or("");
            let q_zero = it.any(|p| {
                p.strip_prefix("q=")
                    .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_clamps() {
        let r = Req::new(
            Method::Get,
            "/x?page=9223372036854775807&per_page=200",
            vec![],
            vec![],
        );
        let (page, per_page) = r.paging();
        assert!(page.checked_mul(per_page).is_some());
        let r = Req::new(Method::Get, "/x?page=-1&per_page=500", vec![], vec![]);
        assert_eq!(r.paging(), (0, 200));
        let r = Req::new(Method::Get, "/x?per_page=abc", vec![], vec![]);
        assert_eq!(r.paging(), (0, 60));
    }

    #[test]
    fn segments() {
        let r = Req::new(Method::Get, "/api/v4/users/me/?x=1", vec![], vec![]);
        assert_eq!(r.segments_after("/api/v4"), vec!["users", "me"]);
    }
}
