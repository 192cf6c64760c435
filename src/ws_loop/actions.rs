//! Client requests over the socket and their replies (`docs/spec/websocket.md` §1.3, §5): the
//! `authentication_challenge`, `ping`, `user_typing`, statuses, and the status a connection
//! gives its user (online while connected, offline after the last socket goes).

use super::event_loop::Loop;
use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::model::session::Session;
use crate::model::user::Status;
use crate::model::{is_valid_id, now_ms};
use crate::store::{self, Reader};
use crate::ws::conn::Authed;
use crate::ws::event::{Broadcast, Event};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::CloseCode;

/// `user_typing` requests one connection may make per second; more are refused (503).
const TYPING_PER_SECOND: u32 = 10;

#[derive(Deserialize)]
struct Request {
    seq: i64,
    #[serde(default)]
    action: String,
    #[serde(default)]
    data: Option<Map<String, Value>>,
}

/// A reply's outcome: `data` (omitted when empty) or an error.
type Outcome = Result<Option<Value>, ApiError>;

impl Loop {
    /// One text frame from the client.
    pub fn on_text(&mut self, idx: usize, text: &str) {
        let Ok(req) = serde_json::from_str::<Request>(text) else {
            // Mattermost's read loop ends on a frame it cannot decode.
            if let Some(c) = self.conn(idx) {
                c.close(CloseCode::Invalid, "invalid JSON request");
            }
            return;
        };
        let data = req.data.unwrap_or_default();
        let outcome = if req.action.is_empty() {
            Err(ApiError::bad_request(
                "api.web_socket_router.no_action.app_error",
                "No websocket action.",
            ))
        } else if req.seq <= 0 {
            Err(ApiError::bad_request(
                "api.web_socket_router.bad_seq.app_error",
                "Invalid sequence for WebSocket message.",
            ))
        } else if req.action == "authentication_challenge" {
            return self.challenge(idx, req.seq, &data);
        } else if req.action == "presence" {
            Ok(None)
        } else if self.conns[idx].as_ref().is_none_or(|c| c.auth.is_none()) {
            // Mattermost routes this error through its hub, which drops messages for
            // connections that never registered: an unauthenticated client hears nothing.
            return;
        } else if req.action.starts_with("custom_") {
            return; // plugins' actions; there are no plugins
        } else {
            self.action(idx, &req.action, &data)
        };
        self.reply(idx, req.seq, outcome);
    }

    /// Writes `{"status":"OK"|"FAIL","seq_reply":n,…}` (nothing for unauthenticated sockets).
    fn reply(&mut self, idx: usize, seq: i64, outcome: Outcome) {
        let Some(c) = self.conn(idx) else { return };
        if c.auth.is_none() {
            return;
        }
        let mut r = Map::new();
        match outcome {
            Ok(data) => {
                r.insert("status".into(), "OK".into());
                r.insert("seq_reply".into(), seq.into());
                if let Some(d) = data.filter(|d| d.as_object().is_none_or(|o| !o.is_empty())) {
                    r.insert("data".into(), d);
                }
            }
            Err(e) => {
                r.insert("status".into(), "FAIL".into());
                r.insert("seq_reply".into(), seq.into());
                r.insert(
                    "error".into(),
                    json!({"id": e.id.as_ref(), "message": e.message, "detailed_error": "",
                           "status_code": e.status}),
                );
            }
        }
        let text = Value::Object(r).to_string();
        if c.push_text(&[text.as_bytes()]) {
            self.mark_dirty(idx);
        } else {
            self.remove(idx);
        }
    }

    /// `authentication_challenge` (§1.3): ignored once authenticated; a missing or bad token
    /// drops the connection without a reply; success sends `hello` and then the OK reply.
    fn challenge(&mut self, idx: usize, seq: i64, data: &Map<String, Value>) {
        if self.conns[idx].as_ref().is_none_or(|c| c.auth.is_some()) {
            return;
        }
        let Some(token) = data.get("token").and_then(Value::as_str) else {
            return self.remove(idx);
        };
        let ctx = Ctx {
            app: &self.app,
            db: &self.db,
            request_id: "",
        };
        let session = match crate::auth::session_for_token(&ctx, token) {
            Ok(Some(s)) => s,
            Ok(None) => return self.remove(idx),
            Err(e) => {
                log::error!("websocket: cannot check a token: {e:?}");
                return self.remove(idx);
            }
        };
        if let Some(c) = self.conn(idx) {
            c.auth = Some(authed(&session));
        }
        self.authenticated(idx);
        self.reply(idx, seq, Ok(None));
    }

    fn action(&mut self, idx: usize, action: &str, data: &Map<String, Value>) -> Outcome {
        match action {
            "ping" => Ok(Some(json!({
                "text": "pong",
                "version": crate::MM_VERSION,
                "server_time": now_ms(),
                "node_id": "",
            }))),
            "user_typing" => self.typing(idx, data),
            "get_statuses" => Ok(Some(Value::Object(statuses(&self.db, None)?))),
            "get_statuses_by_ids" => {
                let ids: Vec<&str> = match data.get("user_ids").and_then(Value::as_array) {
                    Some(a) if !a.is_empty() => a.iter().filter_map(Value::as_str).collect(),
                    _ => return Err(invalid("user_ids")),
                };
                Ok(Some(Value::Object(statuses(&self.db, Some(&ids))?)))
            }
            "user_update_active_status" => match data.get("user_is_active") {
                Some(Value::Bool(_)) => Ok(None),
                _ => Err(invalid("user_is_active")),
            },
            "posted_notify_ack" => Ok(None),
            _ => Err(ApiError::new(
                500,
                "api.web_socket_router.bad_action.app_error",
                "Unknown WebSocket action.",
            )),
        }
    }

    /// `user_typing`: the caller must be able to post in the channel; publishes `typing` to
    /// the channel's other members.
    fn typing(&mut self, idx: usize, data: &Map<String, Value>) -> Outcome {
        let channel_id = data.get("channel_id").and_then(Value::as_str).unwrap_or("");
        if !is_valid_id(channel_id) {
            return Err(invalid("channel_id"));
        }
        let parent_id = data.get("parent_id").and_then(Value::as_str).unwrap_or("");
        let Some(c) = self.conn(idx) else {
            return Ok(None);
        };
        let now = Instant::now();
        if now - c.typing.0 >= Duration::from_secs(1) {
            c.typing = (now, 0);
        }
        c.typing.1 += 1;
        if c.typing.1 > TYPING_PER_SECOND {
            return Err(ApiError::new(
                503,
                "api.websocket_handler.server_busy.app_error",
                "Server is busy, non-critical events are being dropped.",
            ));
        }
        let Some(auth) = c.auth.clone() else {
            return Ok(None);
        };
        let (app, db) = (&self.app, &self.db);
        let Some(session) = session_of(app, db, &auth)? else {
            return Err(invalid("channel_id"));
        };
        let Some(channel) = app.cached.channel(&app.store, db, channel_id)? else {
            return Err(invalid("channel_id"));
        };
        let ctx = Ctx {
            app,
            db,
            request_id: "",
        };
        if channel.delete_at != 0 || !crate::permissions::can_post(&ctx, &session, &channel)? {
            return Err(invalid("channel_id"));
        }
        let event = Event::new(
            "typing",
            json!({"user_id": auth.user_id, "parent_id": parent_id}),
            Broadcast::to_channel(channel_id).omit(&auth.user_id),
        );
        self.deliver(&event);
        Ok(None)
    }
}

/// What a connection keeps of its session.
pub fn authed(s: &Session) -> Authed {
    Authed {
        user_id: s.user.id.clone(),
        credential: s.id.clone(),
        token: s.token_id.is_some(),
        is_admin: s.is_admin(),
    }
}

/// A session for permission checks, rebuilt from the connection's ids (`None`: the user is
/// gone).
fn session_of(app: &App, db: &Reader, a: &Authed) -> Result<Option<Session>, ApiError> {
    let Some(user) = app.cached.user(&app.store, db, &a.user_id)? else {
        return Ok(None);
    };
    Ok(Some(Session {
        id: a.credential.clone(),
        user: (*user).clone(),
        token_id: a.token.then(|| a.credential.clone()),
        from_cookie: false,
        csrf: String::new(),
    }))
}

fn invalid(name: &str) -> ApiError {
    ApiError::bad_request(
        "api.websocket_handler.invalid_param.app_error",
        format!("Invalid {name} parameter."),
    )
}

/// `user_id → status`: of the given users (unknown ones `offline`), or of every user who is
/// not offline.
fn statuses(db: &Reader, ids: Option<&[&str]>) -> Result<Map<String, Value>, ApiError> {
    let rows = store::audience::statuses(db, ids)?;
    let mut m: Map<String, Value> = ids
        .unwrap_or(&[])
        .iter()
        .map(|id| (id.to_string(), Value::from("offline")))
        .collect();
    for (user, status) in rows {
        m.insert(user, status.into());
    }
    Ok(m)
}

/// Sets a user's automatic status as their connections come and go (a manual status, set by
/// the user, stays), without waiting for the write; `status_change` goes to that user after
/// the commit.
pub fn set_status(app: &App, db: &Reader, user_id: &str, status: &str) {
    let current = match store::status::find(db, user_id) {
        Ok(c) => c,
        Err(e) => return log::error!("websocket: cannot read a status: {e}"),
    };
    if current
        .as_ref()
        .is_some_and(|c| c.manual || c.status == status)
    {
        return;
    }
    let Some(app) = app.shared() else { return };
    let row = Status {
        user_id: user_id.to_string(),
        status: status.to_string(),
        manual: false,
        last_activity_at: now_ms(),
    };
    let app2 = app.clone();
    app.store
        .write_then(row, store::status::upsert, move |done, row| {
            if done.is_ok() {
                app2.ws.publish(Event::new(
                    "status_change",
                    json!({"status": row.status, "user_id": row.user_id}),
                    Broadcast::to_user(&row.user_id),
                ));
            }
        });
}
