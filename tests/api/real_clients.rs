//! Real-client tests: the Python `mattermostdriver` and the Node `@mattermost/client` Client4
//! (pinned, installed by `scripts/install-clients` into target/clients/) run the scripts in
//! tests/clients/ as child processes against a real server.

use crate::common::{Client, TestServer};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_installed(path: &Path, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is not installed ({} is missing): run scripts/install-clients in {}",
        path.display(),
        repo().display()
    );
    path.to_path_buf()
}

fn python() -> PathBuf {
    require_installed(
        &repo().join("target/clients/venv/bin/python"),
        "the Python client venv",
    )
}

fn node_modules() -> PathBuf {
    let dir = repo().join("target/clients/node/node_modules");
    require_installed(
        &dir.join("@mattermost/client/package.json"),
        "@mattermost/client",
    );
    dir
}

fn script(name: &str) -> String {
    repo()
        .join("tests/clients")
        .join(name)
        .display()
        .to_string()
}

/// Runs `program args…` to completion (killed after `SCRIPT_TIMEOUT`) and asserts it exits 0,
/// showing its stdout and stderr otherwise.
fn run_client_script(program: &Path, args: &[String], envs: &[(&str, String)]) {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start {} ({e}): install it and run scripts/install-clients",
            program.display()
        )
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    let shown = format!(
        "{} {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        program.display(),
        args.join(" ")
    );
    match status {
        None => panic!("timed out after {SCRIPT_TIMEOUT:?}: {shown}"),
        Some(s) => assert!(s.success(), "exited with {s}: {shown}"),
    }
}

/// The fixtures both scripts expect: team `alpha` with channel `general-talk`. Returns the
/// login id and password to run as: the admin, or a plain member `carol` of both.
fn fixtures(ts: &TestServer, as_admin: bool) -> (String, String) {
    let admin: Client = ts.admin();
    let team = admin.create_team("alpha");
    let team_id = team["id"].as_str().unwrap();
    let channel = admin.create_channel(team_id, "general-talk", "O");
    if as_admin {
        return ("admin".into(), "admin-password".into());
    }
    let carol = ts.user(&admin, "carol");
    admin.add_to_team(team_id, &carol.id());
    admin.add_to_channel(channel["id"].as_str().unwrap(), &carol.id());
    ("carol".into(), "carol-password".into())
}

fn run_mattermostdriver(as_admin: bool) {
    let python = python();
    let ts = TestServer::start();
    let (login, password) = fixtures(&ts, as_admin);
    let port = ts.url.rsplit(':').next().unwrap().to_string();
    let args = [
        script("mmdriver_core.py"),
        "http".into(),
        "127.0.0.1".into(),
        port,
        login,
        password,
        "alpha".into(),
        "general-talk".into(),
    ];
    run_client_script(&python, &args, &[("PYTHONDONTWRITEBYTECODE", "1".into())]);
}

fn run_client4(as_admin: bool) {
    let modules = node_modules();
    let ts = TestServer::start();
    let (login, password) = fixtures(&ts, as_admin);
    let args = [
        script("client4_core.mjs"),
        modules.display().to_string(),
        ts.url.clone(),
        login,
        password,
        "alpha".into(),
        "general-talk".into(),
    ];
    run_client_script(
        Path::new("node"),
        &args,
        &[("NODE_PATH", modules.display().to_string())],
    );
}

#[test]
fn mattermostdriver_core_flow_as_admin() {
    run_mattermostdriver(true);
}

#[test]
fn mattermostdriver_core_flow_as_member() {
    run_mattermostdriver(false);
}

#[test]
fn client4_core_flow_as_admin() {
    run_client4(true);
}

#[test]
fn client4_core_flow_as_member() {
    run_client4(false);
}
