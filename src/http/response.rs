//! `Resp`: what a handler returns. The server adds the common headers in `http::mod`.

use serde::Serialize;

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// JSON with `Content-Type: application/json` exactly (clients compare the whole string)
    /// and a trailing newline, as Go's json.Encoder writes.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Resp {
        let mut body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        body.push(b'\n');
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }

    pub fn ok<T: Serialize + ?Sized>(value: &T) -> Resp {
        Self::json(200, value)
    }

    pub fn created<T: Serialize + ?Sized>(value: &T) -> Resp {
        Self::json(201, value)
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
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}
