//! The real Python `mattermostdriver` and Node Client4 create and execute a custom command
//! against a reporting command server.

use super::*;

/// A command server for the client scripts: answers in the channel with what it received.
fn reporting_command_server() -> MockReceiver {
    MockReceiver::start(|_, req| {
        let raw = if req.method == "GET" {
            req.url
                .split_once('?')
                .map(|(_, q)| q.to_string())
                .unwrap_or_default()
        } else {
            req.body_str()
        };
        let f = form(&raw);
        let get = |k: &str| {
            f.iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Reply::json(json!({
            "response_type": "in_channel",
            "text": format!("deployed: {} token={} method={}", get("text"), get("token"), req.method),
        }))
    })
}

fn clients_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clients")
}

/// Runs a client script and checks it reported `ok`.
fn run_client_script(program: &std::path::Path, args: &[String]) {
    let stdout = crate::common::scripts::run(program, args, &[], "");
    assert!(stdout.contains("ok"), "stdout: {stdout}");
}

#[test]
fn real_mattermostdriver_creates_and_executes_a_command() {
    let python = clients_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-clients first",
        python.display()
    );
    let f = fx();
    let rx = reporting_command_server();
    let port = f.ts.url.rsplit(':').next().unwrap().to_string();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mmdriver_commands.py");
    run_client_script(
        &python,
        &[
            script.to_string_lossy().into_owned(),
            "http".into(),
            "127.0.0.1".into(),
            port,
            "admin".into(),
            "admin-password".into(),
            f.tid.clone(),
            f.dev.clone(),
            format!("{}/py", rx.url),
        ],
    );
    let req = rx
        .next(20)
        .expect("the driver's command reached the command server");
    assert_eq!(req.method, "POST");
}

#[test]
fn real_client4_creates_and_executes_a_command() {
    let modules = clients_dir().join("node/node_modules");
    assert!(
        modules.join("@mattermost/client").exists(),
        "{} has no @mattermost/client: run scripts/install-clients first",
        modules.display()
    );
    let f = fx();
    let rx = reporting_command_server();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/client4_commands.mjs");
    run_client_script(
        std::path::Path::new("node"),
        &[
            script.to_string_lossy().into_owned(),
            modules.to_string_lossy().into_owned(),
            f.ts.url.clone(),
            "admin".into(),
            "admin-password".into(),
            f.tid.clone(),
            f.dev.clone(),
            format!("{}/node", rx.url),
        ],
    );
    let req = rx
        .next(20)
        .expect("Client4's command reached the command server");
    assert_eq!(req.method, "GET");
}
