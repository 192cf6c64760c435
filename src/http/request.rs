//! `Req`: one HTTP request as handlers see it — method, decoded path segments, query, headers
//! and a body that was read eagerly and bounded.

use crate::error::ApiError;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

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

#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The raw path, without the query string.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub remote: Option<SocketAddr>,
}

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
            remote: None,
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
        (page.unwrap_or(0), per_page.unwrap_or(60).min(200))
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
}

/// Splits and percent-decodes an `a=1&b=2` string (also used for form bodies).
pub fn parse_query(qs: &str) -> Vec<(String, String)> {
    qs.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

/// The media type of a `Content-Type` value: lower-cased, without parameters (not checked).
pub fn base_media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Percent-decoding for form values, where `+` means a space.
pub fn form_decode(s: &str) -> String {
    String::from_utf8_lossy(&decode(s.as_bytes(), true)).into_owned()
}

/// Percent-decoding; invalid escapes are kept as they are, invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&decode(s.as_bytes(), false)).into_owned()
}

/// Form-style percent-decoding of raw bytes: `%XX` escapes and `+` for space; malformed
/// escapes are kept as they are.
pub fn form_decode_bytes(s: &[u8]) -> Vec<u8> {
    decode(s, true)
}

fn decode(s: &[u8], plus_is_space: bool) -> Vec<u8> {
    let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                if let (Some(h), Some(l)) = (hex(s.get(i + 1)), hex(s.get(i + 2))) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Percent-encodes a string for a form body or query (unreserved characters pass, a space is
/// `%20`).
pub fn form_encode(s: &str) -> String {
    encode(s, false)
}

/// Go's `url.QueryEscape`: unreserved characters stay, a space becomes `+`, the rest `%XX`.
pub fn query_escape(s: &str) -> String {
    encode(s, true)
}

fn encode(s: &str, space_as_plus: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("bad%zz%"), "bad%zz%");
        assert_eq!(form_decode("a+b%21"), "a b!");
        assert_eq!(form_decode(&form_encode("x y&z=1/é")), "x y&z=1/é");
        assert_eq!(form_decode(&query_escape("x y+&z=1/é")), "x y+&z=1/é");
        assert_eq!(query_escape("a b+c"), "a+b%2Bc");
    }

    #[test]
    fn byte_decoding_edge_cases() {
        assert_eq!(form_decode_bytes(b"a+b%20c"), b"a b c");
        assert_eq!(form_decode_bytes(b"100%"), b"100%");
        assert_eq!(form_decode_bytes(b"%zz%4"), b"%zz%4");
        assert_eq!(form_decode_bytes(b"%C3%A9"), "é".as_bytes());
    }

    #[test]
    fn paging_defaults_and_clamps() {
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
