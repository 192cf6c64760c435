//! `LogSettings` with the real binary: the file log (JSON lines, one access line per request,
//! no secrets in it), and settings a running server takes from `config.json` when it changes
//! (`perch config set`), or reports as needing a restart.

#![allow(clippy::unwrap_used, reason = "test code fails loudly by design")]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_perch");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn call(
    url: &str,
    method: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = auth {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = match body {
        Some(v) => agent().run(b.body(v.to_string()).unwrap()),
        None => agent().run(b.body(()).unwrap()),
    }
    .unwrap();
    let token = resp
        .headers()
        .get("Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        token,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn perch(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("MM_CONFIG")
        .env_remove("MM_LOGSETTINGS_CONSOLELEVEL")
        .output()
        .unwrap()
}

/// Waits (at most 10 s) until `f` holds.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn file_log_in_json_without_secrets_and_live_level_changes() {
    let tmp = TempDir::new();
    let dir = tmp.path().to_path_buf();
    let logs = dir.join("logs");
    std::fs::write(
        dir.join("config.json"),
        json!({
            "ServiceSettings": {"ListenAddress": "127.0.0.1:0"},
            "LogSettings": {"EnableFile": true, "FileLocation": logs, "FileLevel": "INFO",
                            "FileJson": true, "ConsoleLevel": "WARN"},
            "PerchSettings": {"Argon2MemoryKiB": 64, "Argon2Iterations": 1},
        })
        .to_string(),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&dir)
        .env_remove("MM_CONFIG")
        .env_remove("MM_LOGSETTINGS_CONSOLELEVEL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);
    let console = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = console.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let api = |p: &str| format!("{url}/api/v4{p}");

    let password = "a-secret-password-77";
    let (status, _, _) = call(
        &api("/users"),
        "POST",
        None,
        Some(json!({"email": "a@example.com", "username": "alice", "password": password})),
    );
    assert_eq!(status, 201);
    let (status, token, _) = call(
        &api("/users/login"),
        "POST",
        None,
        Some(json!({"login_id": "alice", "password": password})),
    );
    assert_eq!(status, 200);
    let token = token.unwrap();
    let (_, _, team) = call(
        &api("/teams"),
        "POST",
        Some(&token),
        Some(json!({"name": "home", "display_name": "Home", "type": "O"})),
    );
    let tid = team["id"].as_str().unwrap();
    let (_, _, ch) = call(
        &api(&format!("/teams/{tid}/channels/name/town-square")),
        "GET",
        Some(&token),
        None,
    );
    let (status, _, hook) = call(
        &api("/hooks/incoming"),
        "POST",
        Some(&token),
        Some(json!({"channel_id": ch["id"]})),
    );
    assert_eq!(status, 201, "{hook}");
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let (status, _, _) = call(
        &format!("{url}/hooks/{hook_id}"),
        "POST",
        None,
        Some(json!({"text": "hello"})),
    );
    assert_eq!(status, 200);

    let file = logs.join("perch.log");
    let read = || std::fs::read_to_string(&file).unwrap_or_default();
    eventually("the access lines in the file", || {
        let t = read();
        // The webhook call's own line (its id masked), not the hook's creation.
        t.contains("/users/login") && t.contains("/hooks/****")
    });
    let text = read();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        for k in ["timestamp", "level", "msg", "caller"] {
            assert!(v.get(k).is_some(), "{k} missing: {line}");
        }
    }
    assert!(text.contains("/hooks/****"), "{text}");
    for secret in [password, token.as_str(), hook_id.as_str()] {
        assert!(!text.contains(secret), "a secret in the log: {secret}");
    }
    assert!(
        !console.lock().unwrap().contains("/users/login"),
        "the console is at WARN"
    );

    // A live setting: the file stops taking info lines within seconds of `config set`.
    let out = perch(&dir, &["config", "set", "LogSettings.FileLevel", "WARN"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("applies it within seconds"));
    eventually("the change applied", || {
        console
            .lock()
            .unwrap()
            .contains("applied LogSettings.FileLevel")
            || read().contains("applied LogSettings.FileLevel")
    });
    std::thread::sleep(Duration::from_millis(200));
    let before = read().lines().count();
    for _ in 0..5 {
        call(&api("/system/ping"), "GET", None, None);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        read().lines().count(),
        before,
        "info lines after FileLevel = WARN"
    );

    // A setting that needs a restart says so (at warn level: in the file too).
    let out = perch(
        &dir,
        &[
            "config",
            "set",
            "ServiceSettings.SiteURL",
            "https://chat.example.com",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("restart perch"));
    eventually("the restart warning", || {
        read().contains("restart perch to apply ServiceSettings.SiteURL")
    });
}

/// A socket on the real binary, authenticated by its upgrade request; `hello` read.
fn socket(url: &str, token: &str) -> tungstenite::WebSocket<std::net::TcpStream> {
    use tungstenite::client::IntoClientRequest;
    let addr = url.trim_start_matches("http://");
    let mut req = format!("ws://{addr}/api/v4/websocket")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let (mut ws, _) = tungstenite::client(req, stream).unwrap();
    assert_eq!(next_event(&mut ws)["event"], "hello");
    ws
}

/// The next event (pings skipped); panics after the read timeout.
fn next_event(ws: &mut tungstenite::WebSocket<std::net::TcpStream>) -> Value {
    loop {
        match ws.read().unwrap() {
            tungstenite::Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_) => continue,
            m => panic!("unexpected message {m:?}"),
        }
    }
}

/// Reads events until one named `name` (at most 15 s between events).
fn until(ws: &mut tungstenite::WebSocket<std::net::TcpStream>, name: &str) -> Value {
    loop {
        let e = next_event(ws);
        if e["event"] == name {
            return e;
        }
    }
}

#[test]
fn a_live_config_change_is_announced_to_every_socket() {
    let tmp = TempDir::new();
    let dir = tmp.path().to_path_buf();
    std::fs::write(
        dir.join("config.json"),
        json!({
            "ServiceSettings": {"ListenAddress": "127.0.0.1:0"},
            "TeamSettings": {"SiteName": "Live Site", "EnableOpenServer": true},
            "LogSettings": {"ConsoleLevel": "WARN"},
            "PerchSettings": {"Argon2MemoryKiB": 64, "Argon2Iterations": 1},
        })
        .to_string(),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&dir)
        .env_remove("MM_CONFIG")
        .env_remove("MM_LOGSETTINGS_CONSOLELEVEL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _server = Server(child);
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let api = |p: &str| format!("{url}/api/v4{p}");
    let mut tokens = Vec::new();
    for name in ["alice", "bob"] {
        let password = "a-secret-password-77";
        let (status, _, _) = call(
            &api("/users"),
            "POST",
            None,
            Some(
                json!({"email": format!("{name}@example.com"), "username": name, "password": password}),
            ),
        );
        assert_eq!(status, 201);
        let (status, token, _) = call(
            &api("/users/login"),
            "POST",
            None,
            Some(json!({"login_id": name, "password": password})),
        );
        assert_eq!(status, 200);
        tokens.push(token.unwrap());
    }
    let mut sockets: Vec<_> = tokens.iter().map(|t| socket(&url, t)).collect();

    let out = perch(
        &dir,
        &["config", "set", "LogSettings.ConsoleLevel", "ERROR"],
    );
    assert!(out.status.success(), "{out:?}");
    // Every user's socket hears it, with the client config as `GET /config/client` gives it.
    let (_, _, client) = call(&api("/config/client?format=old"), "GET", None, None);
    for ws in &mut sockets {
        let e = until(ws, "config_changed");
        let config = &e["data"]["config"];
        assert!(config.is_object(), "{e}");
        assert_eq!(config["SiteName"], "Live Site");
        assert_eq!(config, &client, "the same map as /config/client");
        assert_eq!(e["broadcast"]["user_id"], "");
        assert_eq!(e["broadcast"]["team_id"], "");
    }
}
