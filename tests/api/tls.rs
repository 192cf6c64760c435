//! HTTPS served by Perch itself (`ServiceSettings.ConnectionSecurity: "TLS"`), with a
//! self-signed certificate made for each test and clients that trust only it: the API, an
//! incoming webhook, a file up and down and the WebSocket (wss) over TLS, `Secure` cookies,
//! plain HTTP sent to the TLS port, the connection bounds, the `Forward80To443` redirect, and
//! certificate or key files that cannot be used.

use crate::common::*;
use perch::Config;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// Writes a fresh self-signed certificate for `localhost` and `127.0.0.1` and its key into
/// `dir` (`cert.pem`, `key.pem`); returns the certificate (DER).
fn self_signed(dir: &Path) -> Vec<u8> {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    std::fs::write(dir.join("cert.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).unwrap();
    made.cert.der().to_vec()
}

fn tls_config(dir: &Path) -> Config {
    let mut config = Config::for_tests(dir);
    config.service.connection_security = "TLS".into();
    config.service.tls_cert_file = dir.join("cert.pem").to_string_lossy().into_owned();
    config.service.tls_key_file = dir.join("key.pem").to_string_lossy().into_owned();
    config
}

/// A server serving HTTPS with a certificate its test clients trust.
fn tls_server(f: impl FnOnce(&mut Config)) -> TestServer {
    let dir = TempDir::new();
    let root = self_signed(&dir.0);
    let mut config = tls_config(&dir.0);
    f(&mut config);
    let mut ts = TestServer::start_in(dir, config);
    ts.root = Some(root);
    ts
}

type Wss = WebSocket<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>;

/// A WebSocket over TLS (wss), authenticated by its upgrade request; `hello` already read.
fn wss(ts: &TestServer, token: &str) -> (Wss, Value) {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(ts.root.clone().unwrap()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let addr = ts.url.trim_start_matches("https://");
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = addr.rsplit(':').next().unwrap();
    let mut req = format!("wss://localhost:{port}/api/v4/websocket")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tungstenite::client(req, rustls::StreamOwned::new(tls, tcp))
        .unwrap_or_else(|e| panic!("wss handshake: {e}"));
    let hello = next_event(&mut ws);
    assert_eq!(hello["event"], "hello", "{hello}");
    (ws, hello)
}

/// The next text message as JSON (pings skipped); panics after 10 s without one.
fn next_event(ws: &mut Wss) -> Value {
    loop {
        match ws.read().unwrap_or_else(|e| panic!("wss read: {e}")) {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            m => panic!("unexpected message {m:?}"),
        }
    }
}

#[test]
fn https_serves_the_api_webhooks_and_wss() {
    let acme = Acme::on(tls_server(|_| {}));
    let ts = &acme.ts;
    assert!(ts.url.starts_with("https://127.0.0.1:"), "{}", ts.url);

    // The web app's login over HTTPS gets `Secure` cookies (no proxy header involved).
    let r = ts.anon().request(
        "POST",
        "/api/v4/users/login",
        Some((
            "application/json",
            json!({"login_id": "bob", "password": "bob-password"})
                .to_string()
                .into_bytes(),
        )),
        &[("X-Requested-With", "XMLHttpRequest")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let cookies: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Set-Cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("MMAUTHTOKEN=")));
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );

    // A socket over TLS sees posts made over TLS, by the API and by a webhook.
    let (mut ws, _) = wss(ts, acme.bob.token.as_deref().unwrap());
    acme.bob.create_post(&acme.town, "over https");
    let hook = acme.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": acme.town, "display_name": "tls"}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook_id = id_of(&hook.json());
    let r = ts.anon().post(
        &format!("/hooks/{hook_id}"),
        &json!({"text": "a hook over https"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Large events, more than rustls buffers at once, arrive whole and in order.
    let big = "x".repeat(15_000);
    for i in 0..8 {
        let r = ts.anon().post(
            &format!("/hooks/{hook_id}"),
            &json!({"text": format!("{i} {big}")}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let mut messages = Vec::new();
    while messages.len() < 10 {
        let ev = next_event(&mut ws);
        if ev["event"] == "posted" {
            let post: Value = serde_json::from_str(ev["data"]["post"].as_str().unwrap()).unwrap();
            messages.push(post["message"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(messages[0], "over https");
    assert_eq!(messages[1], "a hook over https");
    for (i, m) in messages[2..].iter().enumerate() {
        assert_eq!(*m, format!("{i} {big}"));
    }
    // The socket's own requests are answered over TLS too.
    ws.send(Message::text(
        json!({"seq": 1, "action": "get_statuses"}).to_string(),
    ))
    .unwrap();
    let reply = loop {
        let v = next_event(&mut ws);
        if v.get("seq_reply").is_some() {
            break v;
        }
    };
    assert_eq!(reply["status"], "OK", "{reply}");
    let posts = acme.bob.channel_posts(&acme.town);
    assert!(posts.iter().any(|p| p["message"] == "a hook over https"));
}

#[test]
fn plain_http_to_the_tls_port_fails_cleanly() {
    let ts = tls_server(|_| {});
    let addr = ts.url.trim_start_matches("https://").to_string();
    // A client that connects and never starts the handshake holds only its own connection.
    let _silent = TcpStream::connect(&addr).unwrap();
    for _ in 0..20 {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let started = Instant::now();
        s.write_all(b"GET /api/v4/system/ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut back = Vec::new();
        let _ = s.read_to_end(&mut back); // EOF, or a reset after the alert
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the connection was not closed"
        );
        assert!(!back.starts_with(b"HTTP/"), "answered in plain text");
        // At most a TLS alert record.
        assert!(back.is_empty() || back[0] == 0x15, "{back:?}");
    }
    let r = ts.anon().get("/api/v4/system/ping");
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn forward_80_redirects_every_request_to_https() {
    let ts = tls_server(|c| {
        c.service.forward_80_to_443 = true;
        c.perch.forward_80_listen_address = "127.0.0.1:0".into();
    });
    let from = ts.running.as_ref().unwrap().redirect_addr().unwrap();
    let port = ts.url.rsplit(':').next().unwrap().to_string();
    let plain = Client::new(&format!("http://{from}"), None);
    for (method, path) in [
        ("GET", "/api/v4/system/ping?get_server_status=true"),
        ("POST", "/hooks/abc"),
        ("GET", "/"),
    ] {
        let body = (method == "POST").then(|| ("application/json", b"{}".to_vec()));
        let r = plain.request(method, path, body, &[("Host", "chat.example.com:80")]);
        assert_eq!(r.status, 301, "{method} {path}");
        assert_eq!(
            r.header("Location"),
            Some(format!("https://chat.example.com:{port}{path}").as_str())
        );
    }
    // A Host that would change the target is refused.
    let r = plain.request("GET", "/", None, &[("Host", "evil.com/x")]);
    assert_eq!(r.status, 400);
    assert_eq!(ts.anon().get("/api/v4/system/ping").status, 200);
}

#[test]
fn unusable_certificate_or_key_files_stop_startup_naming_the_file() {
    let dir = TempDir::new();
    self_signed(&dir.0);
    let start_err = |config: Config| match perch::start(config) {
        Ok(_) => panic!("started"),
        Err(e) => e.to_string(),
    };
    let mut c = tls_config(&dir.0);
    c.service.tls_cert_file = dir.0.join("missing.pem").to_string_lossy().into_owned();
    let e = start_err(c);
    assert!(
        e.contains("TLSCertFile") && e.contains("missing.pem"),
        "{e}"
    );
    std::fs::write(dir.0.join("garbage.pem"), "not a key").unwrap();
    let mut c = tls_config(&dir.0);
    c.service.tls_key_file = dir.0.join("garbage.pem").to_string_lossy().into_owned();
    let e = start_err(c);
    assert!(e.contains("TLSKeyFile") && e.contains("garbage.pem"), "{e}");
    let mut c = tls_config(&dir.0);
    c.service.tls_cert_file = dir.0.join("key.pem").to_string_lossy().into_owned();
    let e = start_err(c);
    assert!(e.contains("TLSCertFile") && e.contains("key.pem"), "{e}");
    // A key that is not the certificate's.
    let other = TempDir::new();
    self_signed(&other.0);
    let mut c = tls_config(&dir.0);
    c.service.tls_key_file = other.0.join("key.pem").to_string_lossy().into_owned();
    let e = start_err(c);
    assert!(
        e.contains("does not fit") && e.contains("TLSKeyFile"),
        "{e}"
    );
    // TLS without files, and the redirect without TLS, are configuration errors.
    let mut c = tls_config(&dir.0);
    c.service.tls_key_file.clear();
    assert!(start_err(c).contains("TLSKeyFile"));
    let mut c = Config::for_tests(&dir.0);
    c.service.forward_80_to_443 = true;
    assert!(start_err(c).contains("Forward80To443"));
}

#[test]
fn tls_connections_keep_the_bounds_of_plain_ones() {
    let ts = tls_server(|c| c.perch.max_connections_per_ip = 4);
    let admin = ts.admin();
    // A body beyond the limit is not read, the 413 still reaches the client (lingering
    // close over TLS), and the next connection is served.
    let big = vec![b'x'; 400_000];
    admin
        .post_raw("/api/v4/posts", "application/json", &big)
        .assert_error(413, "api.context.request_body_too_large.app_error");
    // A body that fits is read whole on the connection's thread.
    let team = admin.create_team("tls");
    let town = admin.get(&format!(
        "/api/v4/teams/{}/channels/name/town-square",
        team["id"].as_str().unwrap()
    ));
    let town = id_of(&town.json());
    let long = "y".repeat(16_000);
    let post = admin.create_post(&town, &long);
    assert_eq!(post["message"].as_str().unwrap().len(), 16_000);
    // An upload (spooled to a file on the connection's thread) and its download (a streamed
    // answer) over TLS, byte for byte.
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let info = crate::files::upload_one(&admin, &town, "big.bin", &bytes);
    let (status, _, body) = admin.get_bytes(&format!("/api/v4/files/{}", id_of(&info)));
    assert_eq!(status, 200);
    assert!(body == bytes, "the download differs ({} bytes)", body.len());
    // The per-address cap counts TLS connections, handshake or not; closing frees them.
    let running = ts.running.as_ref().unwrap();
    let before = running.refused_connections();
    let idle: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect(ts.url.trim_start_matches("https://")).unwrap())
        .collect();
    eventually(PATIENCE, "connections refused beyond the cap", || {
        (running.refused_connections() >= before + 2).then_some(())
    });
    drop(idle);
    eventually(
        PATIENCE,
        "a ping once the idle connections are closed",
        || {
            let c = ts.anon();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                c.get("/api/v4/system/ping").status
            }))
            .ok()
            .filter(|&s| s == 200)
        },
    );
}

#[test]
fn strict_transport_security_when_asked() {
    let ts = tls_server(|c| {
        c.service.tls_strict_transport = true;
        c.service.tls_strict_transport_max_age = 600;
    });
    let r = ts.anon().get("/api/v4/system/ping");
    assert_eq!(r.header("Strict-Transport-Security"), Some("max-age=600"));
    let r = ts.anon().get("/api/v4/users/me");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("Strict-Transport-Security"), Some("max-age=600"));
    // Off by default, as in Mattermost.
    let ts = tls_server(|_| {});
    let r = ts.anon().get("/api/v4/system/ping");
    assert_eq!(r.header("Strict-Transport-Security"), None);
}
