//! The web client: how its files are served (paths, security headers, ETag revalidation,
//! precompressed gzip, the size budget), `GET/PUT /api/v4/config`, and the client itself in
//! headless Chromium (`tests/clients/web_client.mjs`, puppeteer-core) against a real server.

use crate::common::scripts::{repo, run_node};
use crate::common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// One raw request, so the exact bytes on the wire can be checked (no client decompression).
fn raw_get(url: &str, path: &str, headers: &str) -> (String, Vec<u8>) {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).to_ascii_lowercase();
    (head, all[split + 4..].to_vec())
}

#[test]
fn the_client_is_served_under_perch_and_at_every_page_path() {
    let ts = TestServer::start();
    let c = ts.anon();
    for path in [
        "/",
        "/perch",
        "/perch/",
        "/perch/acme/channels/town-square",
        "/acme/channels/town-square",
        "/perch/acme/messages/@bob.smith",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
        assert!(r.body.contains("/perch/js/main.js"), "{path}: {}", r.body);
        let csp = r.header("Content-Security-Policy").unwrap();
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script_src.trim(), "script-src 'self'", "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
        assert!(r.header("Referrer-Policy").is_some());
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    }
    let js = c.get("/perch/js/main.js");
    assert_eq!(js.status, 200);
    assert!(js
        .header("Content-Type")
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(
        js.body,
        std::fs::read_to_string(repo().join("static/js/main.js")).unwrap()
    );
    assert!(c
        .get("/perch/app.css")
        .header("Content-Type")
        .unwrap()
        .starts_with("text/css"));
    // A missing file is a 404, not the page; the API and hooks keep their own answers.
    for path in [
        "/perch/nope.js",
        "/perch/js/nope.js",
        "/static/app.js",
        "/x/y.css",
    ] {
        c.get(path).assert_error(404, "api.context.404.app_error");
    }
    c.get("/api/v4/nothing")
        .assert_error(404, "api.context.404.app_error");
    c.post("/perch/", &json!({}))
        .assert_error(404, "api.context.404.app_error");
    let r = c.get("/README.md");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Quick start"));
}

#[test]
fn files_are_revalidated_by_etag_and_sent_gzipped() {
    let ts = TestServer::start();
    let c = ts.anon();
    let first = c.get("/perch/js/markdown.js");
    let etag = first.header("ETag").unwrap().to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(first.header("Cache-Control"), Some("no-cache"));
    let again = c.request(
        "GET",
        "/perch/js/markdown.js",
        None,
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = c.request(
        "GET",
        "/perch/js/markdown.js",
        None,
        &[("If-None-Match", "\"stale\"")],
    );
    assert_eq!(other.status, 200);

    let plain = std::fs::read(repo().join("static/js/markdown.js")).unwrap();
    let (head, body) = raw_get(
        &ts.url,
        "/perch/js/markdown.js",
        "Accept-Encoding: gzip, br\r\n",
    );
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("vary: accept-encoding"), "{head}");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(
        body.len() * 2 < plain.len(),
        "{} vs {}",
        body.len(),
        plain.len()
    );
    let (head, body) = raw_get(&ts.url, "/perch/js/markdown.js", "");
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(body, plain);
    let (head, _) = raw_get(
        &ts.url,
        "/perch/js/markdown.js",
        "Accept-Encoding: gzip;q=0\r\n",
    );
    assert!(!head.contains("content-encoding"), "{head}");
}

/// The budget: all of the client's HTML, JS and CSS together ≤ 150 KB gzipped.
#[test]
fn the_client_fits_its_size_budget() {
    let total: usize = perch::static_files::ASSETS
        .iter()
        .filter(|a| {
            a.content_type.starts_with("text/html")
                || a.content_type.starts_with("text/javascript")
                || a.content_type.starts_with("text/css")
        })
        .map(|a| a.gzip.len())
        .sum();
    assert!(total > 5_000, "the client is compiled in ({total} bytes)");
    assert!(total <= 150 * 1024, "{total} bytes gzipped");
}

fn config_server() -> TestServer {
    let dir = TempDir::new();
    let file = dir.0.join("config.json");
    std::fs::write(
        &file,
        "{\n  \"Custom\": {\"Kept\": [1, 2]},\n  \"ServiceSettings\": {\n    \"SiteURL\": \"http://chat.example.com\"\n  }\n}\n",
    )
    .unwrap();
    let mut config = perch::Config::for_tests(&dir.0);
    config.service.site_url = "http://chat.example.com".into();
    config.loaded_from = Some(file);
    TestServer::start_in(dir, config)
}

#[test]
fn config_is_for_admins_and_secrets_are_redacted() {
    let ts = config_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    bob.get("/api/v4/config")
        .assert_error(403, "api.context.permissions.app_error");
    bob.put("/api/v4/config", &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    ts.anon()
        .get("/api/v4/config")
        .assert_error(401, "api.context.session_expired.app_error");
    let r = admin.get("/api/v4/config");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Cache-Control"),
        Some("no-cache, no-store, must-revalidate")
    );
    let v = r.json();
    assert_eq!(
        v["SqlSettings"]["DataSource"],
        "********************************"
    );
    // The database's path is nowhere (FileSettings.Directory, shown as Mattermost shows it,
    // is in the same temporary directory).
    assert!(!r.body.contains(&ts.config.sql.data_source), "{}", r.body);
    assert_eq!(v["ServiceSettings"]["SiteURL"], "http://chat.example.com");
    assert_eq!(v["ServiceSettings"]["EnableIncomingWebhooks"], true);
}

#[test]
fn saving_the_config_writes_only_what_changed_into_the_file() {
    let ts = config_server();
    let admin = ts.admin();
    let file = ts.config.loaded_from.clone().unwrap();
    let mut v: Value = admin.get("/api/v4/config").json();
    v["ServiceSettings"]["EnableCommands"] = json!(false);
    v["ServiceSettings"]["AllowedUntrustedInternalConnections"] = json!("10.0.0.0/8 ci.lan");
    v["RateLimitSettings"]["PerSec"] = json!(25);
    v["PluginSettings"] = json!({"Enable": true}); // a Mattermost section Perch lacks: ignored
    let r = admin.put("/api/v4/config", &v);
    assert_eq!(r.status, 200, "{}", r.body);
    let back = r.json();
    assert_eq!(back["ServiceSettings"]["EnableCommands"], false);
    assert_eq!(
        back["SqlSettings"]["DataSource"],
        "********************************"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["Custom"]["Kept"], json!([1, 2]), "{text}");
    assert!(
        text.contains("{\"Kept\": [1, 2]}"),
        "other members keep their text: {text}"
    );
    assert_eq!(saved["ServiceSettings"]["EnableCommands"], false);
    assert_eq!(
        saved["ServiceSettings"]["SiteURL"],
        "http://chat.example.com"
    );
    assert_eq!(
        saved["ServiceSettings"]["AllowedUntrustedInternalConnections"],
        "10.0.0.0/8 ci.lan"
    );
    assert_eq!(saved["RateLimitSettings"]["PerSec"], 25);
    // The redacted secret was not written back, nor anything unchanged.
    assert!(saved.get("SqlSettings").is_none(), "{text}");
    assert!(saved.get("PluginSettings").is_none(), "{text}");
    assert!(
        saved["ServiceSettings"]
            .get("EnableIncomingWebhooks")
            .is_none(),
        "{text}"
    );
    // GET answers with the saved settings (applied at the next start).
    let now = admin.get("/api/v4/config").json();
    assert_eq!(now["RateLimitSettings"]["PerSec"], 25);
    // The saved file starts a server with those settings.
    let loaded = perch::Config::load(&file, &[]).unwrap();
    assert!(!loaded.service.enable_commands);
}

#[test]
fn bad_configs_are_refused_and_leave_the_file_alone() {
    let ts = config_server();
    let admin = ts.admin();
    let file = ts.config.loaded_from.clone().unwrap();
    let before = std::fs::read_to_string(&file).unwrap();
    let base: Value = admin.get("/api/v4/config").json();
    let mut wrong_type = base.clone();
    wrong_type["ServiceSettings"]["EnableCommands"] = json!("yes");
    let r = admin.put("/api/v4/config", &wrong_type);
    r.assert_error(400, "model.config.is_valid.app_error");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("EnableCommands"));
    let mut out_of_range = base.clone();
    out_of_range["PerchSettings"]["HttpWorkers"] = json!(0);
    admin
        .put("/api/v4/config", &out_of_range)
        .assert_error(400, "model.config.is_valid.app_error");
    let mut cleared = base.clone();
    cleared["ServiceSettings"]["SiteURL"] = json!("");
    admin
        .put("/api/v4/config", &cleared)
        .assert_error(400, "api.config.update_config.clear_siteurl.app_error");
    admin
        .post_raw("/api/v4/config", "application/json", b"[1]")
        .assert_error(404, "api.context.404.app_error");
    admin
        .request(
            "PUT",
            "/api/v4/config",
            Some(("application/json", b"{nope".to_vec())),
            &[],
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // A server configured in code has no file to save to.
    let plain = TestServer::start();
    let admin = plain.admin();
    let v = admin.get("/api/v4/config").json();
    admin.put("/api/v4/config", &v).assert_error(
        403,
        "api.config.update_config.not_allowed_security.app_error",
    );
}

#[test]
fn the_client_first_account_flag() {
    let ts = TestServer::start();
    let flag = |ts: &TestServer| {
        ts.anon().get("/api/v4/config/client?format=old").json()["NoAccounts"].clone()
    };
    assert_eq!(flag(&ts), "true");
    let _admin = ts.admin();
    assert_eq!(flag(&ts), "false");
}

/// The server as a process of its own on a fixed port (so the test can restart it for real).
fn spawn_perch(dir: &std::path::Path, port: u16) -> std::process::Child {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_perch"))
        .args(["--data-dir", &dir.display().to_string()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("MM_SERVICESETTINGS_ENABLEPOSTUSERNAMEOVERRIDE", "true")
        .env("MM_SERVICESETTINGS_ENABLEPOSTICONOVERRIDE", "true")
        .env("MM_PERCHSETTINGS_LOGINRATELIMITENABLE", "false")
        .env("MM_PERCHSETTINGS_ARGON2MEMORYKIB", "64")
        .env("MM_PERCHSETTINGS_ARGON2ITERATIONS", "1")
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "WARN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn perch");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    child
}

/// The whole client in headless Chromium: first account, sign-in, reading, posting, live typing
/// and posts from another user's browser, a webhook's attachment, hostile strings inert, slash
/// commands and an ephemeral answer, threads, editing, channel switching, phone width, the
/// server restarting under the page, no console errors. Screenshots land in target/web-shots/.
#[test]
fn the_web_client_in_a_real_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium package (.ci/run does) or set CHROMIUM"
    );
    let data = TempDir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = spawn_perch(&data.0, port);
    let shots = repo().join("target/web-shots");
    let control = TempDir::new();
    let (url, shots_arg, ctl) = (
        format!("http://127.0.0.1:{port}"),
        shots.display().to_string(),
        control.0.display().to_string(),
    );
    let script = std::thread::spawn(move || {
        run_node(
            "web_client.mjs",
            "puppeteer-core",
            &[&url, &shots_arg, &ctl],
        )
    });
    while !script.is_finished() {
        if control.0.join("restart").exists() && !control.0.join("restarted").exists() {
            server.kill().unwrap();
            server.wait().unwrap();
            server = spawn_perch(&data.0, port);
            std::fs::write(control.0.join("restarted"), "").unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let result = script.join();
    let _ = server.kill();
    let _ = server.wait();
    let out = result.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(out.contains("all checks passed"), "{out}");
    assert!(control.0.join("restarted").exists(), "the restart step ran");
}

/// Interactive messages and emoji in headless Chromium (`tests/clients/web_interactive.mjs`):
/// buttons and menus (static, users, channels) posted by a webhook are clicked and picked, a
/// real integration in the script answers with updates (seen live) and ephemeral answers, a
/// failing one's error is shown; a slash command opens a dialog by its trigger id that is
/// filled, refused with field errors, submitted and cancelled; its ephemeral button works by
/// its cookie; shortcodes render as emoji. Screenshots land in target/web-shots/.
#[test]
fn interactive_messages_and_emoji_in_a_real_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium package (.ci/run does) or set CHROMIUM"
    );
    let ts = TestServer::start_with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.1".into();
        c.service.outgoing_integration_requests_timeout = 5;
        c.service.enable_post_username_override = true;
        c.perch.login_rate_limit_enable = false;
    });
    let shots = repo().join("target/web-shots").display().to_string();
    let out = run_node("web_interactive.mjs", "puppeteer-core", &[&ts.url, &shots]);
    assert!(out.contains("all checks passed"), "{out}");
}

/// Files in headless Chromium (`tests/clients/web_files.mjs`): the composer's file chooser
/// uploads an image and a text file, the post shows the thumbnail and both files as download
/// links with their sizes, the thumbnail opens the preview, a webhook's file arrives live.
/// Screenshots land in target/web-shots/.
#[test]
fn files_in_the_web_client_in_a_real_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium package (.ci/run does) or set CHROMIUM"
    );
    let ts = TestServer::start_with(|c| c.perch.login_rate_limit_enable = false);
    let shots = repo().join("target/web-shots").display().to_string();
    let out = run_node("web_files.mjs", "puppeteer-core", &[&ts.url, &shots]);
    assert!(out.contains("all checks passed"), "{out}");
}

/// Every module main.js loads at start (its static imports, transitively) is named in
/// index.html's `modulepreload` links, so the browser fetches them all at once instead of one
/// level of imports after another (first paint).
#[test]
fn index_preloads_every_module_loaded_at_start() {
    let js = repo().join("static/js");
    let html = std::fs::read_to_string(repo().join("static/index.html")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec!["main.js".to_string()];
    while let Some(name) = todo.pop() {
        let text = std::fs::read_to_string(js.join(&name)).unwrap();
        for line in text.lines().filter(|l| l.starts_with("import ")) {
            let Some(dep) = line.split("from './").nth(1) else {
                continue;
            };
            let dep = dep.split('\'').next().unwrap().to_string();
            if seen.insert(dep.clone()) {
                todo.push(dep);
            }
        }
    }
    assert!(seen.len() > 5, "{seen:?}");
    for dep in &seen {
        assert!(
            html.contains(&format!(
                "<link rel=\"modulepreload\" href=\"/perch/js/{dep}\">"
            )),
            "index.html does not preload {dep}"
        );
    }
}
