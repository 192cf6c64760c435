//! No client can hold an HTTP worker: requests carrying `Connection: Upgrade`, bodies that are
//! announced and never sent, and answers that are never read are waited on by the connection's
//! own thread (the vendored tiny_http's `ServerOptions`), so ping, webhooks and logins from
//! everyone else are still answered.

use crate::common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Far more hostile connections than the server has workers.
const HOSTILE: usize = 12;
/// The default `HttpWorkers`.
const WORKERS: i64 = 4;
/// "Still answered" means within this (a held worker would hold its request for minutes).
const PROMPT: Duration = Duration::from_secs(2);

fn addr(ts: &TestServer) -> String {
    ts.url.trim_start_matches("http://").to_string()
}

/// Sends one raw request on a new connection and returns its status line, read within `PROMPT`.
fn status_line(addr: &str, request: &str) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(PROMPT)).unwrap();
    let started = Instant::now();
    c.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    let _ = BufReader::new(&c).read_line(&mut line);
    assert!(
        started.elapsed() < PROMPT,
        "no answer within {PROMPT:?} to {:?}",
        request.lines().next()
    );
    line
}

/// A webhook URL path and an admin's credentials on a fresh server.
fn fixture(ts: &TestServer) -> String {
    let (admin, _bob, tid) = ts.admin_and_bob_on_acme();
    let ch = admin.create_channel(&tid, "alerts", "O");
    let hook = admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": ch["id"], "display_name": "h"}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    format!("/hooks/{}", hook.json()["id"].as_str().unwrap())
}

/// Ping, a webhook call and a login are all answered promptly, each on a new connection.
fn everyone_else_is_served(addr: &str, hook: &str) {
    let ping = status_line(
        addr,
        "GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(ping.starts_with("HTTP/1.1 200"), "ping: {ping}");
    let body = r#"{"text":"still here"}"#;
    let webhook = status_line(
        addr,
        &format!(
            "POST {hook} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(webhook.starts_with("HTTP/1.1 200"), "webhook: {webhook}");
    let body = r#"{"login_id":"bob","password":"bob-password"}"#;
    let login = status_line(
        addr,
        &format!(
            "POST /api/v4/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "login: {login}");
}

#[test]
fn upgrade_requests_are_answered_and_hold_no_worker() {
    let ts = TestServer::start_with(|c| c.perch.http_workers = WORKERS);
    let hook = fixture(&ts);
    let addr = addr(&ts);
    // More upgrade requests than workers, on paths that do not upgrade, left open.
    let mut held = Vec::new();
    for i in 0..HOSTILE {
        let path = if i % 2 == 0 {
            "/api/v4/system/ping"
        } else {
            "/api/v4/nothing-here"
        };
        let mut c = TcpStream::connect(&addr).unwrap();
        c.write_all(
            format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        held.push((path, c));
    }
    everyone_else_is_served(&addr, &hook);
    // Each upgrade request got the route's normal answer, then the connection closed.
    for (path, c) in &mut held {
        c.set_read_timeout(Some(PROMPT)).unwrap();
        let mut all = Vec::new();
        c.read_to_end(&mut all).expect("answered and closed");
        let text = String::from_utf8_lossy(&all);
        if *path == "/api/v4/system/ping" {
            assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        } else {
            assert!(text.starts_with("HTTP/1.1 404"), "{text}");
            assert!(text.contains("\"status_code\":404"), "{text}");
        }
    }
}

#[test]
fn bodies_announced_and_never_sent_hold_no_worker() {
    let ts = TestServer::start_with(|c| c.perch.http_workers = WORKERS);
    let hook = fixture(&ts);
    let addr = addr(&ts);
    let mut held = Vec::new();
    for i in 0..HOSTILE {
        // A few announce a small body, most one bigger than stock tiny_http buffers itself.
        let announced = if i % 4 == 0 { 200 } else { 100_000 };
        let mut c = TcpStream::connect(&addr).unwrap();
        c.write_all(
            format!(
                "POST {hook} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: {announced}\r\n\r\n{{\"text\":"
            )
            .as_bytes(),
        )
        .unwrap();
        held.push(c);
    }
    everyone_else_is_served(&addr, &hook);
    drop(held);
}

#[test]
fn answers_that_are_never_read_hold_no_worker() {
    let ts = TestServer::start_with(|c| c.perch.http_workers = WORKERS);
    let hook = fixture(&ts);
    let admin = ts.login("admin", "admin-password");
    let tid = admin.get("/api/v4/teams/name/acme").json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cid = admin.create_channel(&tid, "big", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let long = "x".repeat(16_000);
    for _ in 0..40 {
        admin.create_post(&cid, &long);
    }
    let addr = addr(&ts);
    let token = admin.token.clone().unwrap();
    let one = format!(
        "GET /api/v4/channels/{cid}/posts?per_page=60 HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    // Each asks for ~650 KB answers, pipelined, and never reads: far more than the socket
    // buffers hold, so whoever writes them blocks.
    let held: Vec<TcpStream> = (0..WORKERS as usize + 2)
        .map(|_| {
            let mut c = TcpStream::connect(&addr).unwrap();
            c.write_all(one.repeat(100).as_bytes()).unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    everyone_else_is_served(&addr, &hook);
    drop(held);
}

#[test]
fn a_body_that_stops_arriving_times_out_with_408() {
    let ts = TestServer::start_with(|c| c.service.read_timeout = 1);
    let hook = fixture(&ts);
    let mut c = TcpStream::connect(addr(&ts)).unwrap();
    c.write_all(
        format!(
            "POST {hook} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: 50000\r\n\r\n{{\"text\":"
        )
        .as_bytes(),
    )
    .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("answered and closed");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // No post was made from the partial body.
    let admin = ts.login("admin", "admin-password");
    let tid = admin.get("/api/v4/teams/name/acme").json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ch = admin.get(&format!("/api/v4/teams/{tid}/channels/name/alerts"));
    let posts = admin.channel_posts(ch.json()["id"].as_str().unwrap());
    assert!(
        posts.iter().all(|p| p["props"]["from_webhook"] != "true"),
        "{posts:?}"
    );
}

#[test]
fn an_oversized_body_is_refused_unread_and_the_connection_closes() {
    let ts = TestServer::start();
    let addr = addr(&ts);
    let mut c = TcpStream::connect(&addr).unwrap();
    // Announced far beyond MaximumPayloadSizeBytes and never sent: answered at once.
    c.write_all(
        b"POST /api/v4/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 50000000\r\n\r\n{",
    )
    .unwrap();
    c.set_read_timeout(Some(PROMPT)).unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("answered and closed");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"status_code\":413"), "{text}");
}
