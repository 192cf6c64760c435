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
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "INFO")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
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
        Api {
            base: base.into(),
            token: None,
            agent,
        }
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
        let token = r
            .headers()
            .get("Token")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.body_mut().read_to_string().unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (r.status().as_u16(), v, token)
    }

    /// Creates the first account (a system admin) and logs it in.
    fn admin(base: &str) -> Api {
        let mut api = Api::new(base);
        let user =
            json!({"email": "a@example.com", "username": "admin", "password": "admin-password"});
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
        let path = format!(
            "/api/v4/teams/{}/channels/name/town-square",
            team["id"].as_str().unwrap()
        );
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
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let (mut child, base) = start(tmp.path(), full);
    let api = Api::admin(&base);
    let channel = api.channel();
    for i in 0..50 {
        assert_eq!(api.post(&channel, &format!("post {i}")).0, 201);
    }
    let (status, bad, _) = api.call(
        "POST",
        "/api/v4/posts",
        Some(&json!({"channel_id": "nope"})),
    );
    assert_eq!(status, 400, "{bad}");
    let (status, posts, _) = api.call("GET", &format!("/api/v4/channels/{channel}/posts"), None);
    assert_eq!(status, 200);
    assert_eq!(posts["order"].as_array().unwrap().len(), 50);
    stop(&mut child);
}

/// A tmpfs of `size` mounted on a new directory, unmounted on drop; `None` when this process
/// may not mount (not root).
struct SmallDisk(TempDir);

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = TempDir::new();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }

    /// Fills what is left with a file, until the file system says it is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_fails_writes_clearly_reads_go_on_and_writes_resume_by_themselves() {
    if !nix_root() {
        eprintln!("skipped: mounting a small tmpfs needs root (CI runs as root)");
        return;
    }
    let disk = SmallDisk::mount("8m").expect("mount a tmpfs as root");
    let data = disk.0.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The log on the same full disk, as a new user's `perch 2>perch.log` on one SD card.
    let log_path = disk.0.path().join("perch.log");
    let (mut child, base) = start(&data, std::fs::File::create(&log_path).unwrap());
    let api = Api::admin(&base);
    let channel = api.channel();
    let mut acknowledged = 0;
    for i in 0..20 {
        assert_eq!(api.post(&channel, &format!("before {i}")).0, 201);
        acknowledged += 1;
    }

    let hook = json!({"channel_id": channel, "display_name": "h"});
    let (status, hook, _) = api.call("POST", "/api/v4/hooks/incoming", Some(&hook));
    assert_eq!(status, 201, "{hook}");
    let hook_path = format!("/hooks/{}", hook["id"].as_str().unwrap());

    let filler = disk.fill();
    // A webhook call while full: the sender is told, with the same status.
    let call = json!({"text": "x".repeat(3000)});
    let (status, body, _) = Api::new(&base).call("POST", &hook_path, Some(&call));
    if status == 200 {
        acknowledged += 1;
    } else {
        assert_eq!(
            (status, &body["id"]),
            (507, &json!("web.incoming_webhook.general.app_error")),
            "{body}"
        );
    }
    let mut failed = 0;
    for i in 0..40 {
        let (status, body) = api.post(&channel, &format!("while full {i} {}", "x".repeat(2000)));
        match status {
            201 => acknowledged += 1,
            s => {
                assert_eq!(body["id"], "app.store.disk_full.app_error", "{body}");
                assert!((500..600).contains(&s), "{s} {body}");
                assert_eq!(body["status_code"], s, "{body}");
                assert!(
                    body["id"].as_str().is_some_and(|id| !id.is_empty()),
                    "{body}"
                );
                failed += 1;
            }
        }
    }
    assert!(failed > 0, "no write failed on a full disk");
    eprintln!("while full: {failed} of 40 posts refused");
    // Reads go on.
    let (status, posts, _) = api.call(
        "GET",
        &format!("/api/v4/channels/{channel}/posts?per_page=200"),
        None,
    );
    assert_eq!(status, 200, "{posts}");
    assert_eq!(api.call("GET", "/api/v4/users/me", None).0, 200);

    // Space comes back: writes resume without a restart.
    std::fs::remove_file(filler).unwrap();
    let mut resumed = false;
    for i in 0..20 {
        if api.post(&channel, &format!("after {i}")).0 == 201 {
            acknowledged += 1;
            resumed = true;
        } else {
            assert!(!resumed, "a write failed after writes had resumed");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(resumed, "writes did not resume once space was back");
    let (_, posts, _) = api.call(
        "GET",
        &format!("/api/v4/channels/{channel}/posts?per_page=200"),
        None,
    );
    // Every acknowledged post is there (plus the team's join messages, if any).
    let messages: Vec<&str> = posts["posts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|p| p["type"] == "")
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), acknowledged, "{messages:?}");
    stop(&mut child);

    let db = rusqlite::Connection::open(data.join("perch.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let log = std::fs::read_to_string(&log_path).unwrap();
    eprintln!(
        "LOG {}",
        log.lines()
            .filter(|l| !l.contains(" INFO "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        log.contains("full"),
        "the log says nothing about the full disk"
    );
}

fn nix_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    #[allow(unsafe_code, reason = "one libc call")]
    let uid = unsafe { libc::geteuid() };
    uid == 0
}
