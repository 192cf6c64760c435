//! Interactive messages end to end, one file per part of the source: `sources.rs` (actions
//! from every kind of post, `actions/attachments.rs` and `cookie.rs`), `click.rs`
//! (`actions/click.rs`: what the integration receives, answers and every failure),
//! `dialogs.rs` (`actions/dialog.rs` and `trigger.rs`), `log.rs` (the call log and who may
//! read it), `real_clients.rs` (mattermostdriver as user and integration). A real local
//! receiver plays the integration; the WebSocket is a real socket. Here: the helpers they
//! share.

use crate::common::*;
use crate::websocket::{open_as, Ws};
use serde_json::{json, Value};
use std::time::Duration;

mod click;
mod dialogs;
mod log;
mod real_clients;
mod sources;

/// A server whose outgoing calls may reach 127.0.0.1 (the receivers of these tests), with a
/// 2 s integration timeout.
fn server_with(f: impl FnOnce(&mut perch::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.1".into();
        c.service.outgoing_integration_requests_timeout = 2;
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
        f(c);
    })
}

/// The shared fixture on `server_with(f)`, with bob in `dev` too.
fn fx_with(f: impl FnOnce(&mut perch::Config)) -> Acme {
    Acme::on(server_with(f)).bob_joins_dev()
}

fn fx() -> Acme {
    fx_with(|_| {})
}

/// A button calling `url` with `context`.
fn button(id: &str, name: &str, url: &str, context: Value) -> Value {
    let mut b = json!({"name": name, "integration": {"url": url, "context": context}});
    if !id.is_empty() {
        b["id"] = json!(id);
    }
    b
}

/// A message attachment holding `actions`.
fn attachment(actions: Vec<Value>) -> Value {
    json!({"text": "Deploy to production?", "color": "#3AA3E3", "actions": actions})
}

/// A post's first attachment's actions.
fn actions_of(post: &Value) -> Vec<Value> {
    post["props"]["attachments"][0]["actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no actions in {post}"))
        .clone()
}

/// The id of the action named `name` in a post.
fn action_id(post: &Value, name: &str) -> String {
    actions_of(post)
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no action {name} in {post}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Clicks an action (`body` as the client sends it).
fn click(c: &Client, post_id: &str, action_id: &str, body: Value) -> Resp {
    c.post(
        &format!("/api/v4/posts/{post_id}/actions/{action_id}"),
        &body,
    )
}

/// A click that must succeed: returns the client trigger id.
fn click_ok(c: &Client, post_id: &str, action_id: &str, body: Value) -> String {
    let r = click(c, post_id, action_id, body);
    assert_eq!(r.status, 200, "click: {}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "OK", "{v}");
    let t = v["trigger_id"].as_str().unwrap().to_string();
    assert_eq!(t.len(), 26, "{v}");
    t
}

fn get_post(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/api/v4/posts/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// A receiver answering every call with `reply`.
fn integration(reply: Value) -> MockReceiver {
    MockReceiver::start(move |_, _| Reply::json(reply.clone()))
}

/// The JSON body of the next call a receiver got.
fn next_call(r: &MockReceiver) -> (Received, Value) {
    let rec = r.next(10).expect("the integration was called");
    let v: Value = serde_json::from_slice(&rec.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", rec.body_str()));
    (rec, v)
}

/// Nothing more reaches the receiver for a moment.
fn no_call(r: &MockReceiver) {
    assert!(
        r.rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "the integration was called"
    );
}

/// An error answer with `status`, `id` and (tests run with `EnableDeveloper`) a
/// `detailed_error` containing `detail`.
fn assert_error_detail(r: &Resp, status: u16, id: &str, detail: &str) {
    r.assert_error(status, id);
    let d = r.json()["detailed_error"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(d.contains(detail), "detail {d:?} should contain {detail:?}");
}

/// Opens `c`'s socket (the `hello` read).
fn socket(ts: &TestServer, c: &Client) -> Ws {
    open_as(ts, c).0
}

/// The next event named `name` on a socket, its `data.post` decoded.
fn post_event(ws: &mut Ws, name: &str) -> (Value, Value) {
    let (ev, _) = ws.until(name);
    let post: Value = serde_json::from_str(ev["data"]["post"].as_str().unwrap()).unwrap();
    (ev, post)
}

/// No event named `name` arrives on the socket within `wait`.
fn no_event(ws: &mut Ws, name: &str, wait: Duration) {
    let deadline = std::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match ws.next_within(left) {
            Some(ev) => assert_ne!(ev["event"], name, "unexpected {ev}"),
            None => return,
        }
    }
}

/// An incoming webhook into `channel`, made by `c`; returns its id.
fn incoming_hook(c: &Client, channel: &str) -> String {
    let r = c.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": channel, "display_name": "deploys"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    id_of(&r.json())
}

/// Sends a webhook payload; returns the post it made.
fn hook_post(ts: &TestServer, reader: &Client, hook: &str, payload: &Value) -> Value {
    let r = ts.anon().post(&format!("/hooks/{hook}"), payload);
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.header("X-Post-Id").expect("X-Post-Id").to_string();
    get_post(reader, &id)
}

/// A custom slash command on the team, calling `url`.
fn command(c: &Client, tid: &str, trigger: &str, url: &str) -> Value {
    let r = c.post(
        "/api/v4/commands",
        &json!({"team_id": tid, "trigger": trigger, "url": url, "method": "P"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

fn exec(c: &Client, channel: &str, command: &str) -> Resp {
    c.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": channel, "command": command}),
    )
}

/// The form fields of a slash command's call.
fn form(rec: &Received) -> Vec<(String, String)> {
    perch::form::parse_query(&rec.body_str())
}

fn field(f: &[(String, String)], k: &str) -> String {
    f.iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no {k} in {f:?}"))
}

/// The call log rows at `path` (as seen by `c`).
fn call_log(c: &Client, path: &str) -> Vec<Value> {
    let r = c.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json().as_array().unwrap().clone()
}
