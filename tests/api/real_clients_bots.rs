//! Real clients against bots and personal access tokens: the Python `mattermostdriver` (7.3.2)
//! and the official `@mattermost/client` Client4 (11.9.0), as installed by
//! `scripts/install-clients`, each create a bot, create a token for it and use the token.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A program from `target/clients`, or a failure that says how to install it.
fn installed(rel: &str) -> PathBuf {
    let p = repo().join("target/clients").join(rel);
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-clients",
        p.display()
    );
    p
}

/// Runs a client script with a deadline; returns its stdout, failing with both streams.
pub fn run_script(program: &Path, args: &[&str], secs: u64) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} {args:?}: {:?}\nstdout: {stdout}\nstderr: {}",
        program.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

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
    let script = repo().join("tests/clients/bot_token.py");
    let out = run_script(
        &python,
        &[script.to_str().unwrap(), &ts.url, "admin-password"],
        60,
    );
    check(&ts, &out, "py-bot");
}

#[test]
fn client4_creates_a_bot_and_uses_its_token() {
    let ts = server();
    let node_dir = installed("node");
    installed("node/node_modules/@mattermost/client");
    let script = repo().join("tests/clients/bot_token.mjs");
    let out = run_script(
        Path::new("node"),
        &[
            script.to_str().unwrap(),
            node_dir.to_str().unwrap(),
            &ts.url,
            "admin-password",
        ],
        60,
    );
    check(&ts, &out, "js-bot");
}
