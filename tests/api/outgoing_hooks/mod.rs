//! Outgoing webhooks against a real local receiver, one file per part of the source:
//! `manage.rs` (`api/outgoing_hooks.rs`), `fire.rs` (which posts fire), `callback.rs` (the
//! request), `answer.rs` (the receiver's answer), `dispatcher.rs` (deliveries, retries,
//! restarts, the queue). Here: the helpers they share.

use crate::common::scripts::run_python;
use crate::common::*;
use perch::form::parse_query;
use perch::Config;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

mod answer;
mod callback;
mod dispatcher;
mod fire;
mod manage;

/// The shared fixture on a server whose outgoing calls may reach 127.0.0.0/8, with fast
/// retries; `f` adjusts the configuration further.
fn world_with(f: impl FnOnce(&mut Config)) -> Acme {
    Acme::with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.0/8".into();
        c.perch.outgoing_retry_base_millis = 100;
        c.perch.outgoing_retry_max_millis = 400;
        c.perch.outgoing_scan_interval_millis = 100;
        f(c);
    })
}

fn world() -> Acme {
    world_with(|_| {})
}

fn create_hook(c: &Client, body: Value) -> Value {
    let r = c.post("/api/v4/hooks/outgoing", &body);
    assert_eq!(r.status, 201, "create hook: {}", r.body);
    r.json()
}

fn deliveries(c: &Client, hook_id: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v4/hooks/outgoing/{hook_id}/deliveries"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

/// How long these tests wait for a delivery or its answer (retries take a while).
const DELIVERY: Duration = Duration::from_secs(20);

/// Waits until the hook's newest delivery is no longer pending; returns it.
fn settled(c: &Client, hook_id: &str) -> Value {
    eventually(DELIVERY, "a settled delivery", || {
        deliveries(c, hook_id)
            .into_iter()
            .next()
            .filter(|d| d["state"] != "pending")
    })
}

fn ok_receiver() -> MockReceiver {
    MockReceiver::start(|_, _| Reply::text(200, ""))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    parse_query(std::str::from_utf8(body).unwrap())
        .into_iter()
        .collect()
}
