//! Real clients against bots and personal access tokens: the Python `mattermostdriver` (7.3.2)
//! and the official `@mattermost/client` Client4 (11.9.0), as installed by
//! `scripts/install-clients`, each create a bot, create a token for it and use the token.

use crate::common::scripts::{installed, run, script};
use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// A server where bots and tokens may be created, with its admin (password `admin-password`).
fn server() -> TestServer {
    let ts = crate::bots::bot_server();
    ts.admin();
    ts
}

fn check(ts: &TestServer, out: &str, username: &str) {
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["me"], username);
    assert_eq!(v["is_bot"], true);
    assert_eq!(v["bots"], serde_json::json!([username]));
    let admin = ts.login("admin", "admin-password");
    let u = admin
        .get(&format!(
            "/api/v4/users/{}",
            v["bot_user_id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(u["is_bot"], true);
    assert_eq!(u["email"], format!("{username}@localhost"));
}

#[test]
fn mattermostdriver_creates_a_bot_and_uses_its_token() {
    let ts = server();
    let python = installed("venv/bin/python");
    let args = [
        script("bot_token.py"),
        ts.url.clone(),
        "admin-password".into(),
    ];
    let out = run(&python, &args, &[], "");
    check(&ts, &out, "py-bot");
}

#[test]
fn client4_creates_a_bot_and_uses_its_token() {
    let ts = server();
    let node_dir = installed("node");
    installed("node/node_modules/@mattermost/client");
    let args = [
        script("bot_token.mjs"),
        node_dir.display().to_string(),
        ts.url.clone(),
        "admin-password".into(),
    ];
    let out = run(Path::new("node"), &args, &[], "");
    check(&ts, &out, "js-bot");
}
