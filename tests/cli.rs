//! The real `perch` binary: `version`, a bad config value, an unusable TLS key, and the
//! secure-bot recipe driven from the command line (`user create`, `team add-member`,
//! `channel add-member`) against a server started from the binary, which stops cleanly on
//! SIGTERM.

#![allow(clippy::unwrap_used, reason = "test code fails loudly by design")]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_perch");

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

/// Runs `perch --data-dir <dir> <args>` to completion.
fn perch(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("MM_CONFIG")
        .output()
        .unwrap()
}

fn assert_ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A server started from the binary; SIGTERM and a clean exit are checked on `stop`.
struct Server {
    child: Option<Child>,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("MM_CONFIG")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let first = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        let server = Server {
            child: Some(child),
            url: url.clone().unwrap_or_default(),
        };
        assert!(
            url.as_deref()
                .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
            "first stdout line: {first:?}; log: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        server
    }

    /// SIGTERM, then the process must exit successfully within 10 s.
    fn stop(mut self) {
        let mut child = self.child.take().unwrap();
        sigterm(&child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "exit status after SIGTERM: {status:?}");
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[allow(unsafe_code, reason = "sending SIGTERM to the child this test started")]
fn sigterm(child: &Child) {
    // SAFETY: kill(2) with the pid of our own child process and a valid signal number.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(base: &str) -> Http {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Http {
            agent,
            base: base.to_string(),
        }
    }

    /// (status, headers we care about, JSON body)
    fn call(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Option<String>, Value) {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(a) = auth {
            b = b.header("Authorization", a);
        }
        let result = match body {
            Some(v) => self.agent.run(
                b.header("Content-Type", "application/json")
                    .body(v.to_string())
                    .unwrap(),
            ),
            None => self.agent.run(b.body(()).unwrap()),
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
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// Logs in exactly as the recipe says: keep the `Token` header.
    fn login(&self, login_id: &str, password: &str) -> String {
        let (status, token, body) = self.call(
            "POST",
            "/api/v4/users/login",
            None,
            Some(&json!({"login_id": login_id, "password": password})),
        );
        assert_eq!(status, 200, "login {login_id}: {body}");
        token.expect("Token header")
    }
}

#[test]
fn version_prints_the_versions_and_schema() {
    let out = Command::new(BIN).arg("version").output().unwrap();
    let text = assert_ok(&out);
    assert!(
        text.starts_with(&format!("Version: {}\n", perch::MM_VERSION)),
        "{text}"
    );
    assert!(
        text.contains(&format!("Build Number: {}\n", perch::VERSION)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "DB Version: {}\n",
            perch::store::migrate::SCHEMA_VERSION
        )),
        "{text}"
    );
    assert_eq!(
        assert_ok(&Command::new(BIN).arg("--version").output().unwrap()),
        text
    );
}

/// A folder laid out like a web app's `client/`: `root.html` and a chunk carrying `hash` as
/// the bundle's build hash.
fn fake_webapp(dir: &Path, hash: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("root.html"),
        "<!doctype html><title>Mattermost</title>",
    )
    .unwrap();
    std::fs::write(
        dir.join("404.f54d316f2c862976c027.js"),
        format!("x(this.props.webappBuildHash||\"{hash}\\n\"),y"),
    )
    .unwrap();
}

#[test]
fn version_and_the_start_log_name_the_web_app_found() {
    const V632: &str = "ce2e40dc318df72466a66f8314ac83c6183478c3";
    let tmp = TempDir::new();
    let data = tmp.path().join("data");
    // Not set: no line, and `version` writes no config.json.
    let text = assert_ok(&perch(&data, &["version"]));
    assert!(!text.contains("Web App"), "{text}");
    assert!(!data.join("config.json").exists());

    let client = tmp.path().join("mattermost/client");
    fake_webapp(&client, V632);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("config.json"),
        json!({"PerchSettings": {"WebappDirectory": tmp.path().join("mattermost")}}).to_string(),
    )
    .unwrap();
    let text = assert_ok(&perch(&data, &["version"]));
    assert!(
        text.ends_with(&format!(
            "Web App: 6.3.2 (build {V632}) from {}\n",
            client.display()
        )),
        "{text}"
    );
    // The server says the same when it starts.
    let server = Server::start(&data);
    let log = std::fs::read_to_string(data.join("server.log")).unwrap();
    assert!(
        log.contains(&format!(
            "serving the Mattermost web app 6.3.2 (build {V632}) from {}",
            client.display()
        )),
        "{log}"
    );
    server.stop();

    // A build Perch does not know, and a folder with no app, through the environment.
    let other = tmp.path().join("other");
    fake_webapp(&other, "0123456789abcdef");
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .arg("version")
        .env_remove("MM_CONFIG")
        .env("MM_PERCHSETTINGS_WEBAPPDIRECTORY", &other)
        .output()
        .unwrap();
    let text = assert_ok(&out);
    assert!(
        text.contains("Web App: of an unknown version (build 0123456789abcdef) from"),
        "{text}"
    );
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .arg("version")
        .env_remove("MM_CONFIG")
        .env("MM_PERCHSETTINGS_WEBAPPDIRECTORY", tmp.path())
        .output()
        .unwrap();
    let text = assert_ok(&out);
    assert!(text.contains("Web App: none found ("), "{text}");
    assert!(text.contains("no root.html there"), "{text}");
}

#[test]
fn a_bad_config_value_stops_startup_naming_the_key() {
    let dir = TempDir::new();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"ServiceSettings": {"EnableCommands": "yes"}}"#,
    )
    .unwrap();
    let out = perch(dir.path(), &["--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ServiceSettings.EnableCommands"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
    // The same from the environment.
    let dir = TempDir::new();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .env("MM_SERVICESETTINGS_MAXIMUMLOGINATTEMPTS", "lots")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MaximumLoginAttempts"));
}

#[test]
fn an_unusable_tls_key_stops_startup_naming_the_file() {
    let dir = TempDir::new();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.path().join("cert.pem"), made.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nnope\n",
    )
    .unwrap();
    // Relative paths are from the working directory.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--data-dir", ".", "--listen", "127.0.0.1:0"])
        .env_remove("MM_CONFIG")
        .env("MM_SERVICESETTINGS_CONNECTIONSECURITY", "TLS")
        .env("MM_SERVICESETTINGS_TLSCERTFILE", "cert.pem")
        .env("MM_SERVICESETTINGS_TLSKEYFILE", "key.pem")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("TLSKeyFile \"key.pem\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
    // A missing file is named the same way.
    std::fs::remove_file(dir.path().join("cert.pem")).unwrap();
    // `config set` refuses TLS before both files are set.
    let out = perch(
        dir.path(),
        &["config", "set", "ServiceSettings.ConnectionSecurity", "TLS"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs TLSCertFile and TLSKeyFile"), "{err}");
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--data-dir", ".", "--listen", "127.0.0.1:0"])
        .env_remove("MM_CONFIG")
        .env("MM_SERVICESETTINGS_CONNECTIONSECURITY", "TLS")
        .env("MM_SERVICESETTINGS_TLSCERTFILE", "cert.pem")
        .env("MM_SERVICESETTINGS_TLSKEYFILE", "key.pem")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("TLSCertFile \"cert.pem\""), "{err}");
}

/// The integration-account recipe of `docs/bots-and-tokens.md`, with the accounts made by the
/// command line.
#[test]
fn secure_bot_recipe_with_the_command_line() {
    let dir = TempDir::new();
    let out = perch(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "admin@example.com",
            "--username",
            "admin",
            "--password",
            "admin-password",
            "--system-admin",
        ],
    );
    assert!(assert_ok(&out).contains("system_admin"));
    let out = perch(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "ci-bot@example.com",
            "--username",
            "ci-bot",
            "--password",
            "S3cret-and-long-enough",
        ],
    );
    assert!(assert_ok(&out).contains("created user ci-bot"));

    let server = Server::start(dir.path());
    let http = Http::new(&server.url);
    let admin = format!("Bearer {}", http.login("admin", "admin-password"));
    let (status, _, team) = http.call(
        "POST",
        "/api/v4/teams",
        Some(&admin),
        Some(&json!({"name": "home", "display_name": "Home", "type": "O"})),
    );
    assert_eq!(status, 201, "{team}");
    // Membership from the command line, while the server runs.
    assert_ok(&perch(
        dir.path(),
        &["team", "add-member", "--team", "home", "--user", "ci-bot"],
    ));
    assert_ok(&perch(
        dir.path(),
        &[
            "channel",
            "add-member",
            "--team",
            "home",
            "--channel",
            "town-square",
            "--user",
            "ci-bot",
        ],
    ));

    // The integration: log in, keep the Token header, call the API with `bearer <token>`.
    let token = http.login("ci-bot", "S3cret-and-long-enough");
    let auth = format!("bearer {token}");
    let (status, _, me) = http.call("GET", "/api/v4/users/me", Some(&auth), None);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "ci-bot");
    assert!(
        me.get("is_bot").is_none(),
        "a bot-like user, not a bot account"
    );
    let (status, _, ch) = http.call(
        "GET",
        "/api/v4/teams/name/home/channels/name/town-square",
        Some(&auth),
        None,
    );
    assert_eq!(status, 200, "{ch}");
    let cid = ch["id"].as_str().unwrap();
    let (status, _, post) = http.call(
        "POST",
        "/api/v4/posts",
        Some(&auth),
        Some(&json!({"channel_id": cid, "message": "deploy finished"})),
    );
    assert_eq!(status, 201, "{post}");
    let (_, _, posts) = http.call(
        "GET",
        &format!("/api/v4/channels/{cid}/posts"),
        Some(&admin),
        None,
    );
    let pid = post["id"].as_str().unwrap();
    assert_eq!(posts["posts"][pid]["message"], "deploy finished");
    server.stop();
}

#[test]
fn help_exits_0_and_usage_errors_exit_2() {
    for args in [&["--help"][..], &["help"], &["-h"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        let text = assert_ok(&out);
        assert!(text.starts_with("usage: perch"), "{args:?}: {text}");
        assert!(
            text.contains("test-server") && text.contains("config set"),
            "{text}"
        );
    }
    for args in [
        &["help", "user", "create"][..],
        &["user", "create", "--help"],
    ] {
        let text = assert_ok(&Command::new(BIN).args(args).output().unwrap());
        assert!(
            text.starts_with("usage: perch user create"),
            "{args:?}: {text}"
        );
        assert!(text.contains("--system-admin"), "{text}");
    }
    for args in [
        &["frobnicate"][..],
        &["--frobnicate"],
        &["help", "frobnicate"],
        &["backup", "--to", "x", "--system-admin"],
        &["config", "get"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("usage: perch"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn config_get_and_set_from_the_command_line() {
    let dir = TempDir::new();
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        "{\n  \"PluginSettings\": {\"Enable\": true},\n  \"ServiceSettings\": {\"SiteURL\": \"\"}\n}\n",
    )
    .unwrap();
    let out = perch(
        dir.path(),
        &[
            "config",
            "set",
            "ServiceSettings.SiteURL",
            "https://chat.example.com",
        ],
    );
    assert!(assert_ok(&out).contains("ServiceSettings.SiteURL = https://chat.example.com"));
    let out = perch(dir.path(), &["config", "get", "ServiceSettings.SiteURL"]);
    assert_eq!(assert_ok(&out), "https://chat.example.com\n");
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(
        before.contains("\"PluginSettings\": {\"Enable\": true}"),
        "{before}"
    );
    // A bad value: exit 2, a message naming the key, the file untouched.
    let out = perch(
        dir.path(),
        &["config", "set", "PerchSettings.HttpWorkers", "lots"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PerchSettings.HttpWorkers"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    let out = perch(dir.path(), &["config", "get", "Nope.Nothing"]);
    assert_eq!(out.status.code(), Some(2));
    // The server starts with the file `config set` wrote and uses the value.
    let server = Server::start(dir.path());
    let http = Http::new(&server.url);
    let (status, _, cfg) = http.call("GET", "/api/v4/config/client?format=old", None, None);
    assert_eq!(status, 200, "{cfg}");
    assert_eq!(cfg["SiteURL"], "https://chat.example.com");
    server.stop();
}
