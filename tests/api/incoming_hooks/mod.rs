//! Incoming webhooks, one file per part of the source: `manage.rs` (`api/incoming_hooks.rs`),
//! `decode.rs` (decoding a call's body), `payload.rs` (what its fields become, Slack
//! translation), `deliver.rs` (errors, idempotency, the delivery log, cache, concurrency).
//! Here: the helpers they share.

use crate::common::*;
use serde_json::{json, Value};

mod decode;
mod deliver;
mod manage;
mod payload;

fn create_hook(c: &Client, body: Value) -> Value {
    let r = c.post("/api/v4/hooks/incoming", &body);
    assert_eq!(r.status, 201, "create hook: {}", r.body);
    r.json()
}

fn send(ts: &TestServer, hook: &str, content_type: &str, body: &[u8]) -> Resp {
    ts.anon()
        .post_raw(&format!("/hooks/{hook}"), content_type, body)
}

fn send_json(ts: &TestServer, hook: &str, v: &Value) -> Resp {
    send(ts, hook, "application/json", v.to_string().as_bytes())
}

/// A successful call: 200, `ok`, text/plain; returns the post named by `X-Post-Id`.
fn sent_post(c: &Client, r: &Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "ok");
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    let id = r.header("X-Post-Id").expect("X-Post-Id");
    let p = c.get(&format!("/api/v4/posts/{id}"));
    assert_eq!(p.status, 200, "{}", p.body);
    p.json()
}

/// A webhook error: status, Mattermost's outer id, and the specific reason (in
/// `detailed_error`, which tests see because `EnableDeveloper` is on).
fn assert_hook_error(r: &Resp, status: u16, outer: &str, reason: &str) {
    r.assert_error(status, outer);
    let detail = r.json()["detailed_error"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with(reason),
        "detail {detail:?} should name {reason}"
    );
}

const GENERAL: &str = "web.incoming_webhook.general.app_error";
const DECODE: &str = "web.incoming_webhook.decode.app_error";

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn make_team_admin(admin: &Client, tid: &str, uid: &str) {
    let r = admin.put(
        &format!("/api/v4/teams/{tid}/members/{uid}/roles"),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}
