//! Test helpers: a real server on an ephemeral port with a temp data dir (`TestServer`), the
//! shared fixture (`Acme`: admin, bob, team acme, its channels), an HTTP client (`Client`), a
//! real local HTTP receiver for outgoing calls (`MockReceiver`), the poller for what happens
//! asynchronously (`eventually`) and temp dirs (`TempDir`).

#![allow(dead_code, reason = "each test file uses a different subset")]

mod fixture;
pub mod scripts;
mod temp;

pub use fixture::Acme;
pub use temp::TempDir;

use perch::{Config, Running};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a test waits for something that happens asynchronously (a delivery, a delayed
/// post, a background cleanup): generous, because test machines are slow and shared.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Polls `f` every 20 ms until it returns `Some`, and returns that; fails the test, naming
/// `what`, if `timeout` passes first.
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `id` field of an entity's JSON.
pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// A running Perch server for one test.
pub struct TestServer {
    pub running: Option<Running>,
    pub url: String,
    pub dir: TempDir,
    pub config: Config,
    /// The DER certificate its clients trust, when it serves HTTPS (`tls.rs`).
    pub root: Option<Vec<u8>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        Self::start_with(|_| {})
    }

    /// Starts with a config adjusted by `f` (after `Config::for_tests`).
    pub fn start_with(f: impl FnOnce(&mut Config)) -> TestServer {
        let dir = TempDir::new();
        let mut config = Config::for_tests(&dir.0);
        f(&mut config);
        Self::start_in(dir, config)
    }

    /// Starts on an existing data dir (restart tests).
    pub fn start_in(dir: TempDir, config: Config) -> TestServer {
        let running = perch::start(config.clone()).expect("server starts");
        let url = running.url();
        TestServer {
            running: Some(running),
            url,
            dir,
            config,
            root: None,
        }
    }

    /// Stops the server, keeping the data dir; returns (dir, config) for a restart.
    pub fn stop(mut self) -> (TempDir, Config) {
        if let Some(r) = self.running.take() {
            r.shutdown();
        }
        let dir = std::mem::replace(&mut self.dir, TempDir(PathBuf::new()));
        (dir, self.config.clone())
    }

    pub fn anon(&self) -> Client {
        self.client(None)
    }

    /// A client with `token`, trusting the server's certificate when it serves HTTPS.
    pub fn client(&self, token: Option<String>) -> Client {
        Client::with_roots(&self.url, token, self.root.as_deref())
    }

    /// The first account (a system admin), logged in.
    pub fn admin(&self) -> Client {
        let c = self.anon();
        let r = c.post("/api/v4/users", &json!({"email": "admin@example.com", "username": "admin", "password": "admin-password"}));
        assert!(
            r.status == 201 || r.status == 400,
            "create admin: {} {}",
            r.status,
            r.body
        );
        self.login("admin", "admin-password")
    }

    pub fn login(&self, login_id: &str, password: &str) -> Client {
        let c = self.anon();
        let r = c.post(
            "/api/v4/users/login",
            &json!({"login_id": login_id, "password": password}),
        );
        assert_eq!(r.status, 200, "login {login_id}: {}", r.body);
        let token = r.header("Token").expect("Token header").to_string();
        let mut c = self.client(Some(token));
        c.user = r.json();
        c
    }

    /// Creates a plain user through the admin and logs them in (password `<name>-password`).
    pub fn user(&self, admin: &Client, name: &str) -> Client {
        let r = admin.post(
            "/api/v4/users",
            &json!({"email": format!("{name}@example.com"), "username": name, "password": format!("{name}-password")}),
        );
        assert_eq!(r.status, 201, "create {name}: {}", r.body);
        self.login(name, &format!("{name}-password"))
    }

    /// The usual cast: the admin, and a plain user `bob` on a new team `acme`. Returns the
    /// admin, bob and the team id.
    pub fn admin_and_bob_on_acme(&self) -> (Client, Client, String) {
        let admin = self.admin();
        let bob = self.user(&admin, "bob");
        let tid = admin.create_team("acme")["id"]
            .as_str()
            .unwrap()
            .to_string();
        admin.add_to_team(&tid, &bob.id());
        (admin, bob, tid)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown();
        }
    }
}

/// A response, fully read.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Asserts a Mattermost AppError with this status and id.
    pub fn assert_error(&self, status: u16, id: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        let v = self.json();
        assert_eq!(v["id"], id, "body: {}", self.body);
        assert_eq!(v["status_code"], status);
        assert!(v.get("message").is_some() && v.get("detailed_error").is_some());
        assert_eq!(v["request_id"].as_str(), self.header("X-Request-Id"));
    }
}

/// An HTTP client with an optional bearer token.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    pub user: Value,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Client {
        Self::with_roots(base, token, None)
    }

    /// A client that trusts only the DER certificate `root` (an HTTPS test server's), or the
    /// usual roots.
    pub fn with_roots(base: &str, token: Option<String>, root: Option<&[u8]>) -> Client {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)));
        if let Some(root) = root {
            let cert = ureq::tls::Certificate::from_der(root).to_owned();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                    .build(),
            );
        }
        let config = config.build();
        Client {
            base: base.to_string(),
            token,
            user: Value::Null,
            agent: config.into(),
        }
    }

    pub fn id(&self) -> String {
        self.user["id"].as_str().unwrap_or_default().to_string()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{}", self.base, path);
        let mut b = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = &self.token {
            b = b.header("Authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let result = match body {
            Some((ctype, bytes)) => {
                if !ctype.is_empty() {
                    b = b.header("Content-Type", ctype);
                }
                self.agent.run(b.body(bytes).unwrap())
            }
            None => self.agent.run(b.body(()).unwrap()),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None, &[])
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, None, &[])
    }
    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.request(
            "POST",
            path,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }
    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.request(
            "PUT",
            path,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }
    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> Resp {
        self.request("POST", path, Some((content_type, body.to_vec())), &[])
    }

    /// A GET whose body is kept as bytes (file downloads): status, headers, body.
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let url = format!("{}{}", self.base, path);
        let mut b = ureq::http::Request::builder().method("GET").uri(&url);
        if let Some(t) = &self.token {
            b = b.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = self
            .agent
            .run(b.body(()).unwrap())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap_or_default();
        (resp.status().as_u16(), headers, body)
    }

    /// Creates a team (open invite) and returns its JSON.
    pub fn create_team(&self, name: &str) -> Value {
        let r = self.post(
            "/api/v4/teams",
            &json!({"name": name, "display_name": name, "type": "O", "allow_open_invite": true}),
        );
        assert_eq!(r.status, 201, "create team: {}", r.body);
        r.json()
    }

    /// Creates a channel and returns its JSON.
    pub fn create_channel(&self, team_id: &str, name: &str, kind: &str) -> Value {
        let r = self.post(
            "/api/v4/channels",
            &json!({"team_id": team_id, "name": name, "display_name": name, "type": kind}),
        );
        assert_eq!(r.status, 201, "create channel: {}", r.body);
        r.json()
    }

    pub fn add_to_team(&self, team_id: &str, user_id: &str) {
        let r = self.post(
            &format!("/api/v4/teams/{team_id}/members"),
            &json!({"team_id": team_id, "user_id": user_id}),
        );
        assert_eq!(r.status, 201, "add to team: {}", r.body);
    }

    pub fn add_to_channel(&self, channel_id: &str, user_id: &str) {
        let r = self.post(
            &format!("/api/v4/channels/{channel_id}/members"),
            &json!({"user_id": user_id}),
        );
        assert_eq!(r.status, 201, "add to channel: {}", r.body);
    }

    pub fn create_post(&self, channel_id: &str, message: &str) -> Value {
        let r = self.post(
            "/api/v4/posts",
            &json!({"channel_id": channel_id, "message": message}),
        );
        assert_eq!(r.status, 201, "create post: {}", r.body);
        r.json()
    }

    /// The posts of a channel, newest first.
    /// The id of a team's Town Square.
    pub fn town_square(&self, team_id: &str) -> String {
        let r = self.get(&format!(
            "/api/v4/teams/{team_id}/channels/name/town-square"
        ));
        assert_eq!(r.status, 200, "{}", r.body);
        id_of(&r.json())
    }

    pub fn channel_posts(&self, channel_id: &str) -> Vec<Value> {
        let r = self.get(&format!("/api/v4/channels/{channel_id}/posts?per_page=200"));
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        v["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| v["posts"][id.as_str().unwrap()].clone())
            .collect()
    }
}

/// One request a `MockReceiver` saw.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What a receiver answers: status, content type, body (and an optional delay).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub delay: Duration,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(v: Value) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json".into(),
            body: v.to_string(),
            delay: Duration::ZERO,
            headers: vec![],
        }
    }
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain".into(),
            body: body.into(),
            delay: Duration::ZERO,
            headers: vec![],
        }
    }
}

/// A real HTTP server on 127.0.0.1:0 inside the test: records every request and answers with
/// `reply(n, &request)` (n counts from 0).
pub struct MockReceiver {
    pub url: String,
    pub rx: mpsc::Receiver<Received>,
    server: Arc<tiny_http::Server>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl MockReceiver {
    pub fn start(reply: impl Fn(usize, &Received) -> Reply + Send + 'static) -> MockReceiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let (tx, rx) = mpsc::channel();
        let s2 = server.clone();
        let handle = std::thread::spawn(move || {
            let mut n = 0;
            while let Ok(mut req) = s2.recv() {
                let mut body = Vec::new();
                let _ = std::io::Read::read_to_end(req.as_reader(), &mut body);
                let rec = Received {
                    method: req.method().as_str().to_string(),
                    url: req.url().to_string(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_string(),
                                h.value.as_str().to_string(),
                            )
                        })
                        .collect(),
                    body,
                };
                let r = reply(n, &rec);
                n += 1;
                let _ = tx.send(rec);
                if !r.delay.is_zero() {
                    std::thread::sleep(r.delay);
                }
                let mut resp = tiny_http::Response::from_string(r.body).with_status_code(r.status);
                resp.add_header(
                    tiny_http::Header::from_bytes("Content-Type", r.content_type.as_bytes())
                        .unwrap(),
                );
                for (k, v) in &r.headers {
                    resp.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                    );
                }
                let _ = req.respond(resp);
            }
        });
        MockReceiver {
            url: format!("http://127.0.0.1:{port}"),
            rx,
            server,
            handle: Some(handle),
        }
    }

    /// Waits up to `secs` for the next request.
    pub fn next(&self, secs: u64) -> Option<Received> {
        self.rx.recv_timeout(Duration::from_secs(secs)).ok()
    }
}

impl Drop for MockReceiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
