//! Slash commands, one file per part of the source: `manage.rs` (`api/commands.rs`: the
//! management API), `custom.rs` (`commands/custom.rs`: executing custom commands against a real
//! local command server, and their `response_url`), `builtin.rs` (`commands/builtin.rs`), and
//! `real_clients.rs` (the real Python and Node clients). Here: the helpers they share.

use crate::common::*;
use perch::form::parse_query;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

mod builtin;
mod custom;
mod manage;
mod real_clients;

/// A server whose outgoing calls may reach 127.0.0.1 (the command servers of these tests).
fn server() -> TestServer {
    server_with(|_| {})
}

fn server_with(f: impl FnOnce(&mut perch::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.1".into();
        c.service.outgoing_integration_requests_timeout = 2;
        f(c);
    })
}

/// The shared fixture on `server()`, with bob in `dev` too.
fn fx() -> Acme {
    fx_on(server())
}

fn fx_on(ts: TestServer) -> Acme {
    Acme::on(ts).bob_joins_dev()
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// Creates a custom command and returns it.
fn create_cmd(c: &Client, tid: &str, trigger: &str, url: &str, method: &str) -> Value {
    let r = c.post(
        "/api/v4/commands",
        &json!({"team_id": tid, "trigger": trigger, "url": url, "method": method,
                "display_name": "Deploy", "description": "Deploys things",
                "auto_complete": true, "auto_complete_desc": "deploy it", "auto_complete_hint": "[env]"}),
    );
    assert_eq!(r.status, 201, "create command: {}", r.body);
    r.json()
}

fn exec(c: &Client, channel_id: &str, command: &str) -> Resp {
    c.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": channel_id, "command": command}),
    )
}

/// Executes and expects a 200, returning the CommandResponse.
fn run(c: &Client, channel_id: &str, command: &str) -> Value {
    let r = exec(c, channel_id, command);
    assert_eq!(r.status, 200, "{command}: {}", r.body);
    r.json()
}

/// The decoded form fields of a request body or query string.
fn form(raw: &str) -> Vec<(String, String)> {
    parse_query(raw)
}

fn field(f: &[(String, String)], k: &str) -> String {
    let v: Vec<&String> = f.iter().filter(|(a, _)| a == k).map(|(_, v)| v).collect();
    assert_eq!(v.len(), 1, "field {k} in {f:?}");
    v[0].clone()
}

fn all(f: &[(String, String)], k: &str) -> Vec<String> {
    f.iter()
        .filter(|(a, _)| a == k)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The newest post of a channel with this message, if any.
fn find_post(c: &Client, channel_id: &str, message: &str) -> Option<Value> {
    c.channel_posts(channel_id)
        .into_iter()
        .find(|p| p["message"] == message)
}

const COMMAND_RESPONSE_KEYS: &[&str] = &[
    "response_type",
    "text",
    "username",
    "channel_id",
    "icon_url",
    "type",
    "props",
    "goto_location",
    "trigger_id",
    "skip_slack_parsing",
    "attachments",
    "extra_responses",
];
