//! Failing storage, tried as an operator meets it, on the real binary: a log that cannot be
//! written (stderr on `/dev/full`), a full disk under both the database and the log (a
//! small tmpfs the test mounts; needs root, as CI runs), and `kill -9` under load (posts, webhook
//! calls, outgoing deliveries, uploads) and during an import, again and
//! again. Writes fail with a clear 5xx and are
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
        // A connection error (the server was killed) is a status 0 for the crash loop.
        let Ok(mut r) = r else {
            return (0, Value::Null, None);
        };
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

    /// A raw upload (`POST /api/v4/files?channel_id=&filename=`).
    fn upload(&self, channel: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
        let b = ureq::http::Request::builder()
            .method("POST")
            .uri(format!(
                "{}/api/v4/files?channel_id={channel}&filename={name}",
                self.base
            ))
            .header(
                "Authorization",
                format!("Bearer {}", self.token.as_ref().unwrap()),
            )
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec())
            .unwrap();
        let Ok(mut r) = self.agent.run(b) else {
            return (0, Value::Null);
        };
        let text = r.body_mut().read_to_string().unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (r.status().as_u16(), v)
    }

    /// A body's bytes (a file download).
    fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let b = ureq::http::Request::builder()
            .uri(format!("{}{path}", self.base))
            .header(
                "Authorization",
                format!("Bearer {}", self.token.as_ref().unwrap()),
            )
            .body(())
            .unwrap();
        let mut r = self.agent.run(b).unwrap();
        let bytes = r.body_mut().read_to_vec().unwrap_or_default();
        (r.status().as_u16(), bytes)
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
    // The refusals were logged; on a disk this full their lines may themselves not fit, and then
    // the first line written once space is back says how many were lost.
    assert!(
        log.contains("full") || log.contains("log lines were lost"),
        "the log says nothing about the full disk"
    );
}

fn nix_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    #[allow(unsafe_code, reason = "one libc call")]
    let uid = unsafe { libc::geteuid() };
    uid == 0
}

/// A receiver for outgoing-webhook calls on 127.0.0.1: records the `post_id` of every call.
fn receiver() -> (
    String,
    std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/out", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then the body by its Content-Length.
            let body = loop {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        break Some(body.to_string());
                    }
                }
            };
            if let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
                if let Some(id) = v["post_id"].as_str() {
                    record.lock().unwrap().insert(id.to_string());
                }
            }
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    (url, seen)
}

#[test]
fn kill_9_under_load_loses_nothing_acknowledged() {
    use std::sync::{Arc, Mutex};
    /// When each round's server is killed, after its load started (ms).
    const KILL_AFTER: [u64; 4] = [150, 420, 260, 610];
    let tmp = TempDir::new();
    let (out_url, delivered) = receiver();
    let start_here = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_perch"))
            .args([
                "--data-dir",
                tmp.path().to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .env("MM_LOGSETTINGS_CONSOLELEVEL", "ERROR")
            .env(
                "MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS",
                "127.0.0.1",
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_string();
        (child, base)
    };
    let (mut child, base) = start_here();
    let api = Api::admin(&base);
    let token = api.token.clone().unwrap();
    let channel = api.channel();
    let (_, ch, _) = api.call("GET", &format!("/api/v4/channels/{channel}"), None);
    let hook = json!({"team_id": ch["team_id"], "channel_id": channel, "display_name": "o",
                      "trigger_words": ["zz"], "callback_urls": [out_url], "content_type": "application/json"});
    let (status, hook, _) = api.call("POST", "/api/v4/hooks/outgoing", Some(&hook));
    assert_eq!(status, 201, "{hook}");
    let (status, incoming, _) = api.call(
        "POST",
        "/api/v4/hooks/incoming",
        Some(&json!({"channel_id": channel, "display_name": "i"})),
    );
    assert_eq!(status, 201, "{incoming}");
    let hook_path = format!("/hooks/{}", incoming["id"].as_str().unwrap());

    // Acknowledged: post ids (API, triggering posts), webhook messages and uploads (id, bytes).
    let uploaded = Arc::new(Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    let posted = Arc::new(Mutex::new(Vec::<String>::new()));
    let triggered = Arc::new(Mutex::new(Vec::<String>::new()));
    let hooked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut base = base;
    for (round, delay) in KILL_AFTER.iter().enumerate() {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut load = Vec::new();
        for kind in 0..4 {
            let (base, token, channel, hook_path) = (
                base.clone(),
                token.clone(),
                channel.clone(),
                hook_path.clone(),
            );
            let (posted, triggered, hooked, uploaded, stop) = (
                posted.clone(),
                triggered.clone(),
                hooked.clone(),
                uploaded.clone(),
                stop.clone(),
            );
            load.push(std::thread::spawn(move || {
                let mut api = Api::new(&base);
                api.token = Some(token);
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    n += 1;
                    let text = format!("r{round} k{kind} n{n}");
                    // 40-200 KiB of bytes that differ per upload.
                    let bytes: Vec<u8> = (0..40_960 * (1 + n % 5))
                        .map(|i| (i * 31 + n * 7 + round * 13) as u8)
                        .collect();
                    let sent = match kind {
                        0 => api.post(&channel, &text),
                        1 => api.post(&channel, &format!("zz {text}")),
                        3 => api.upload(&channel, &format!("r{round}-n{n}.bin"), &bytes),
                        _ => {
                            let call = json!({"text": text});
                            let (s, v, _) = api.call("POST", &hook_path, Some(&call));
                            (if s == 200 { 201 } else { s }, v)
                        }
                    };
                    match sent {
                        (201, v) => match kind {
                            0 => posted
                                .lock()
                                .unwrap()
                                .push(v["id"].as_str().unwrap().to_string()),
                            1 => triggered
                                .lock()
                                .unwrap()
                                .push(v["id"].as_str().unwrap().to_string()),
                            3 => uploaded.lock().unwrap().push((
                                v["file_infos"][0]["id"].as_str().unwrap().to_string(),
                                bytes,
                            )),
                            _ => hooked.lock().unwrap().push(text),
                        },
                        // The server is gone (killed): this round's load ends.
                        (0, _) => return,
                        (s, v) => panic!("{s} {v}"),
                    }
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(*delay));
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in load {
            t.join().unwrap();
        }
        (child, base) = start_here();
    }

    // After the last restart: every acknowledged post is there, every triggering post was
    // delivered (at least once), and the database is whole.
    let mut api = Api::new(&base);
    api.token = Some(token);
    let posted = posted.lock().unwrap().clone();
    let triggered = triggered.lock().unwrap().clone();
    let hooked = hooked.lock().unwrap().clone();
    let uploaded = uploaded.lock().unwrap().clone();
    assert!(posted.len() > 20 && triggered.len() > 20 && hooked.len() > 20);
    assert!(uploaded.len() > 4, "{} uploads", uploaded.len());
    for (id, bytes) in &uploaded {
        let (status, got) = api.bytes(&format!("/api/v4/files/{id}"));
        assert_eq!(status, 200, "acknowledged upload {id} lost");
        assert!(got == *bytes, "upload {id} came back different");
    }
    for id in posted.iter().chain(&triggered) {
        let (status, v, _) = api.call("GET", &format!("/api/v4/posts/{id}"), None);
        assert_eq!(status, 200, "acknowledged post {id} lost: {v}");
    }
    let mut messages = std::collections::HashSet::new();
    for page in 0.. {
        let (_, v, _) = api.call(
            "GET",
            &format!("/api/v4/channels/{channel}/posts?page={page}&per_page=200"),
            None,
        );
        let order = v["order"].as_array().unwrap();
        if order.is_empty() {
            break;
        }
        for p in v["posts"].as_object().unwrap().values() {
            messages.insert(p["message"].as_str().unwrap().to_string());
        }
    }
    for text in &hooked {
        assert!(
            messages.contains(text),
            "acknowledged webhook post {text:?} lost"
        );
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let missing = triggered
            .iter()
            .filter(|id| !delivered.lock().unwrap().contains(*id))
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{missing} triggering posts never delivered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "crash loop: {} kills; acknowledged and found: {} API posts, {} triggering posts (all delivered), {} webhook posts, {} uploads (bytes equal)",
        KILL_AFTER.len(), posted.len(), triggered.len(), hooked.len(), uploaded.len()
    );
    stop(&mut child);
    let db = rusqlite::Connection::open(tmp.path().join("perch.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // No file row without its file (an orphan file without a row is allowed: the sweep's).
    let mut stmt = db.prepare("SELECT id, path FROM file_info").unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() >= uploaded.len());
    for (id, path) in rows {
        assert!(
            tmp.path().join(&path).is_file(),
            "file row {id} has no file at {path}"
        );
    }
}

#[test]
fn kill_9_during_an_import_leaves_all_or_nothing() {
    /// When each import is killed, after it started (ms).
    const KILL_AFTER: [u64; 3] = [120, 350, 700];
    const POSTS: usize = 30_000;
    let tmp = TempDir::new();
    let data = tmp.path().join("data");
    // A file big enough that each kill lands while the import runs: a team, a channel, a user
    // and POSTS posts.
    let file = tmp.path().join("in.jsonl");
    let mut text = String::new();
    for l in [
        json!({"type": "version", "version": 1}),
        json!({"type": "team", "team": {"name": "t1", "display_name": "T1", "type": "O"}}),
        json!({"type": "channel", "channel": {"team": "t1", "name": "c1", "display_name": "C1", "type": "O"}}),
        json!({"type": "user", "user": {"username": "ann", "email": "ann@example.com",
            "teams": [{"name": "t1", "channels": [{"name": "c1"}]}]}}),
    ] {
        text.push_str(&format!("{l}\n"));
    }
    for i in 0..POSTS {
        let post = json!({"type": "post", "post": {"team": "t1", "channel": "c1", "user": "ann",
            "message": format!("post {i} of the import"), "create_at": 1_700_000_000_000i64 + i as i64}});
        text.push_str(&format!("{post}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let import = || {
        Command::new(env!("CARGO_BIN_EXE_perch"))
            .args(["--data-dir", data.to_str().unwrap(), "import"])
            .arg(&file)
            .env("MM_LOGSETTINGS_CONSOLELEVEL", "ERROR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let counts = || -> (i64, i64) {
        let db = rusqlite::Connection::open(data.join("perch.db")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let users = db
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .unwrap_or(0);
        let posts = db
            .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
            .unwrap_or(0);
        (users, posts)
    };
    let mut killed_midway = 0;
    for delay in KILL_AFTER {
        let mut child = import();
        std::thread::sleep(Duration::from_millis(delay));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        if !finished {
            killed_midway += 1;
        }
        if data.join("perch.db").exists() {
            let (users, posts) = counts();
            assert!(
                (users, posts) == (0, 0) || (users == 1 && posts == POSTS as i64),
                "a killed import left {users} users and {posts} posts"
            );
        }
    }
    // Then the import runs whole (the killed ones left no lock behind), and a second run
    // creates nothing.
    let out = import().wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counts(), (1, POSTS as i64));
    let again = import().wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&again.stdout);
    assert!(report.contains("posts: 0 created"), "{report}");
    assert_eq!(counts(), (1, POSTS as i64));
    eprintln!(
        "import crash loop: {} kills ({killed_midway} while it ran), the database empty or whole after each; {POSTS} posts after the last run",
        KILL_AFTER.len()
    );
    assert!(killed_midway >= 1, "no kill landed while an import ran");
}
