//! `perch test-server` as an integration's CI runs it: start the binary, read its one JSON
//! line, use every credential in it against the real API, stop it with SIGTERM (or SIGINT) and
//! find its temporary data directory gone.

#![allow(clippy::unwrap_used, reason = "test code fails loudly by design")]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Started {
    child: Child,
    line: Value,
    took: Duration,
    /// The rest of stdout, read until the process exits.
    rest: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Started {
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_perch"))
        .arg("test-server")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let rest = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let _ = tx.send(first);
        lines.map_while(Result::ok).collect()
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let took = t0.elapsed();
    let line: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    Started {
        child,
        line,
        took,
        rest: Some(rest),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, `Token` header, JSON body)
fn call(
    method: &str,
    url: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> (u16, Option<String>, Value) {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = auth {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    let result = match body {
        Some(v) => agent().run(
            b.header("Content-Type", "application/json")
                .body(v.to_string())
                .unwrap(),
        ),
        None => agent().run(b.body(()).unwrap()),
    };
    let mut resp = result.unwrap();
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
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} missing in {v}"))
}

#[allow(
    unsafe_code,
    reason = "sending a signal to the child this test started"
)]
fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) with the pid of our own child process and a valid signal number.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

/// Sends `sig` and waits (at most 10 s) for a successful exit.
fn stop(mut started: Started, sig: i32) {
    signal(&started.child, sig);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = started.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            // Anything more on stdout would break a CI script that reads one line.
            let rest = started.rest.take().unwrap().join().unwrap();
            assert!(rest.is_empty(), "more than one line on stdout: {rest:?}");
            return;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_credential_in_the_line_works_and_sigterm_cleans_up() {
    let started = start();
    let v = started.line.clone();
    eprintln!("test-server printed its line after {:?}", started.took);
    let url = s(&v, "/url");
    let data_dir = std::path::PathBuf::from(s(&v, "/data_dir"));
    assert!(data_dir.join("perch.db").exists());

    // The admin's password logs in; the session and the admin token are both the admin.
    let (status, session, body) = call(
        "POST",
        &format!("{url}/api/v4/users/login"),
        None,
        Some(&json!({"login_id": s(&v, "/admin/username"), "password": s(&v, "/admin/password")})),
    );
    assert_eq!(status, 200, "{body}");
    for token in [session.unwrap().as_str(), s(&v, "/admin/token")] {
        let (status, _, me) = call("GET", &format!("{url}/api/v4/users/me"), Some(token), None);
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["username"], v["admin"]["username"]);
        assert!(s(&me, "/roles").contains("system_admin"), "{me}");
    }
    let admin = s(&v, "/admin/token");

    // The team and the channel are what the line says.
    let (status, _, team) = call(
        "GET",
        &format!("{url}/api/v4/teams/{}", s(&v, "/team/id")),
        Some(admin),
        None,
    );
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["name"], v["team"]["name"]);
    let channel_id = s(&v, "/channel/id");
    let (status, _, channel) = call(
        "GET",
        &format!("{url}/api/v4/channels/{channel_id}"),
        Some(admin),
        None,
    );
    assert_eq!(status, 200, "{channel}");
    assert_eq!(channel["name"], v["channel"]["name"]);
    assert_eq!(channel["team_id"], v["team"]["id"]);

    // The bot's token is the bot, and it may post in the channel.
    let bot = s(&v, "/bot/token");
    let (status, _, me) = call("GET", &format!("{url}/api/v4/users/me"), Some(bot), None);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], v["bot"]["user_id"]);
    assert_eq!(me["username"], v["bot"]["username"]);
    assert_eq!(me["is_bot"], true);
    let (status, _, post) = call(
        "POST",
        &format!("{url}/api/v4/posts"),
        Some(bot),
        Some(&json!({"channel_id": channel_id, "message": "bot says hi"})),
    );
    assert_eq!(status, 201, "{post}");

    // The incoming webhook posts into the channel.
    let (status, _, body) = call(
        "POST",
        s(&v, "/incoming_webhook/url"),
        None,
        Some(&json!({"text": "hook says hi"})),
    );
    assert_eq!(status, 200, "{body}");
    assert!(s(&v, "/incoming_webhook/url").ends_with(s(&v, "/incoming_webhook/id")));
    let (_, _, posts) = call(
        "GET",
        &format!("{url}/api/v4/channels/{channel_id}/posts"),
        Some(admin),
        None,
    );
    let messages: Vec<&str> = posts["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| s(&posts, &format!("/posts/{}/message", id.as_str().unwrap())))
        .collect();
    assert!(messages.contains(&"bot says hi"), "{messages:?}");
    assert!(messages.contains(&"hook says hi"), "{messages:?}");

    stop(started, libc::SIGTERM);
    assert!(!data_dir.exists(), "{} was left behind", data_dir.display());
}

#[test]
fn sigint_also_stops_it_and_removes_the_data() {
    let started = start();
    let data_dir = std::path::PathBuf::from(s(&started.line, "/data_dir"));
    assert!(data_dir.exists());
    stop(started, libc::SIGINT);
    assert!(!data_dir.exists());
}

#[test]
fn listen_picks_the_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_perch"))
        .args(["test-server", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ListenAddress"));
}
