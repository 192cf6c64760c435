//! `GET /api/v4/websocket` end to end: a real server, real sockets (tungstenite's client):
//! the upgrade checks, authentication (header, challenge), `hello`, `seq`, events and their
//! audience, client actions, bad input, revocation, slow consumers and resume.

use crate::common::*;
use serde_json::{json, Value};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

/// A test client socket.
pub struct Ws {
    ws: WebSocket<TcpStream>,
    next_seq: i64,
}

fn ws_url(ts: &TestServer, query: &str) -> String {
    format!(
        "{}/api/v4/websocket{query}",
        ts.url.replacen("http://", "ws://", 1)
    )
}

/// Opens a socket; `Err` carries the HTTP status of a refused upgrade.
pub fn open(ts: &TestServer, query: &str, headers: &[(&str, &str)]) -> Result<Ws, u16> {
    let mut req = ws_url(ts, query).into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let addr = ts.url.trim_start_matches("http://").to_string();
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    match tungstenite::client(req, stream) {
        Ok((ws, _)) => Ok(Ws { ws, next_seq: 1 }),
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r))) => {
            Err(r.status().as_u16())
        }
        Err(e) => panic!("handshake: {e}"),
    }
}

/// A socket authenticated by its upgrade request (bearer token); `hello` already read.
pub fn open_as(ts: &TestServer, c: &Client) -> (Ws, Value) {
    let auth = format!("Bearer {}", c.token.as_ref().unwrap());
    let mut ws = open(ts, "", &[("Authorization", &auth)]).unwrap();
    let hello = ws.next().expect("hello");
    assert_eq!(hello["event"], "hello", "{hello}");
    (ws, hello)
}

impl Ws {
    /// The next message (event or reply), or `None` after `wait` without one. Panics if the
    /// server closed the socket.
    pub fn next_within(&mut self, wait: Duration) -> Option<Value> {
        self.ws.get_mut().set_read_timeout(Some(wait)).unwrap();
        loop {
            match self.ws.read() {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(m) => panic!("unexpected message {m:?}"),
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None
                }
                Err(e) => panic!("socket error: {e}"),
            }
        }
    }

    pub fn next(&mut self) -> Option<Value> {
        self.next_within(Duration::from_secs(5))
    }

    /// Reads until an event named `name` (other events are returned too, in order).
    pub fn until(&mut self, name: &str) -> (Value, Vec<Value>) {
        let mut seen = Vec::new();
        loop {
            let m = self
                .next()
                .unwrap_or_else(|| panic!("no {name} event; saw {seen:?}"));
            if m["event"] == name {
                return (m, seen);
            }
            seen.push(m);
        }
    }

    /// The next reply (events before it, such as the user's own `status_change`, skipped).
    pub fn reply(&mut self) -> Value {
        loop {
            let m = self.next().expect("a reply");
            if m.get("event").is_none() {
                return m;
            }
        }
    }

    /// Sends an action; returns its `seq`.
    pub fn send(&mut self, action: &str, data: Value) -> i64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let frame = json!({"seq": seq, "action": action, "data": data});
        self.ws.send(Message::text(frame.to_string())).unwrap();
        seq
    }

    pub fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).unwrap();
    }

    /// Waits for the server to end the connection; returns the close code, if it sent one.
    pub fn closed(&mut self) -> Option<CloseCode> {
        self.ws
            .get_mut()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.ws.read() {
                Ok(Message::Close(f)) => return f.map(|f| f.code),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    panic!("the server did not close the socket")
                }
                Err(_) => return None,
            }
        }
        panic!("the server did not close the socket")
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// A channel `talk` on acme with admin and bob.
fn talk(admin: &Client, bob: &Client, tid: &str, kind: &str) -> String {
    let cid = id(&admin.create_channel(tid, "talk", kind));
    admin.add_to_channel(&cid, &bob.id());
    cid
}

#[test]
fn hello_then_posted_with_the_right_fields_and_consecutive_seqs() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut ws, hello) = open_as(&ts, &admin);
    assert_eq!(hello["seq"], 0);
    let version = admin
        .get("/api/v4/system/ping")
        .header("X-Version-Id")
        .unwrap()
        .to_string();
    assert_eq!(hello["data"]["server_version"], version.as_str());
    assert_eq!(hello["data"]["connection_id"].as_str().unwrap().len(), 26);
    assert_eq!(hello["broadcast"]["user_id"], admin.id().as_str());

    let p = bob.create_post(&cid, "hello @admin");
    let (ev, before) = ws.until("posted");
    // Events come numbered 0, 1, 2…: the user's own `status_change` (online) may come first.
    assert_eq!(ev["seq"], before.len() as i64 + 1, "{before:?}");
    assert!(
        before.iter().all(|e| e["event"] == "status_change"),
        "{before:?}"
    );
    let first = ev["seq"].as_i64().unwrap();
    let d = &ev["data"];
    assert_eq!(d["channel_type"], "O");
    assert_eq!(d["channel_name"], "talk");
    assert_eq!(d["channel_display_name"], "talk");
    assert_eq!(d["sender_name"], "@bob");
    assert_eq!(d["team_id"], tid.as_str());
    assert_eq!(d["set_online"], true);
    assert_eq!(d["mentions"], json!(format!("[\"{}\"]", admin.id())));
    let post: Value = serde_json::from_str(d["post"].as_str().unwrap()).unwrap();
    assert_eq!(post["id"], p["id"]);
    assert_eq!(post["message"], "hello @admin");
    assert_eq!(ev["broadcast"]["channel_id"], cid.as_str());

    // Bob sees his own post, without a mention; the admin's next event is seq 2.
    let (mut bws, _) = open_as(&ts, &bob);
    admin.create_post(&cid, "plain");
    let (ev, _) = ws.until("posted");
    assert_eq!(ev["seq"], first + 1);
    assert!(ev["data"].get("mentions").is_none());
    let (own, before) = bws.until("posted");
    assert_eq!(own["seq"], before.len() as i64 + 1);
    assert_eq!(own["data"]["sender_name"], "@admin");
}

#[test]
fn challenge_authenticates_and_bad_tokens_close() {
    let ts = TestServer::start();
    let admin = ts.admin();
    // Before authenticating, requests get no answer at all.
    let mut ws = open(&ts, "", &[]).unwrap();
    ws.send("ping", Value::Null);
    assert!(ws.next_within(Duration::from_millis(300)).is_none());
    let seq = ws.send("authentication_challenge", json!({"token": admin.token}));
    let hello = ws.next().unwrap();
    assert_eq!(
        (hello["event"].as_str(), hello["seq"].as_i64()),
        (Some("hello"), Some(0))
    );
    assert_eq!(ws.reply(), json!({"status": "OK", "seq_reply": seq}));
    // A second challenge is ignored (no reply); the next request is answered.
    ws.send("authentication_challenge", json!({"token": "whatever"}));
    let ping = ws.send("ping", Value::Null);
    let pong = ws.reply();
    assert_eq!(pong["seq_reply"], ping);
    assert_eq!(pong["data"]["text"], "pong");

    let mut bad = open(&ts, "", &[]).unwrap();
    bad.send("authentication_challenge", json!({"token": "not-a-token"}));
    assert_eq!(bad.closed(), None);
    let mut missing = open(&ts, "", &[]).unwrap();
    missing.send("authentication_challenge", json!({}));
    assert_eq!(missing.closed(), None);
    // A bad token on the upgrade is ignored: the socket starts unauthenticated.
    let mut late = open(&ts, "", &[("Authorization", "Bearer nonsense")]).unwrap();
    late.send("authentication_challenge", json!({"token": admin.token}));
    assert_eq!(late.next().unwrap()["event"], "hello");
}

#[test]
fn upgrade_requests_are_checked_before_the_101() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let base = ts.url.trim_start_matches("http://").to_string();
    let raw = |head: &str| -> String {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect(&base).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    // Lower-case names and values, as Node's built-in WebSocket sends them; compression
    // offered and not taken.
    let ok = raw(&format!(
        "GET /api/v4/websocket/ HTTP/1.1\r\nhost: {base}\r\nconnection: upgrade\r\nupgrade: websocket\r\n\
         sec-websocket-version: 13\r\nsec-websocket-key: {key}\r\n\
         sec-websocket-extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    ));
    assert!(ok.starts_with("HTTP/1.1 101"), "{ok}");
    assert!(ok.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{ok}");
    assert!(
        !ok.to_ascii_lowercase().contains("permessage-deflate"),
        "{ok}"
    );
    let plain = admin.get("/api/v4/websocket");
    plain.assert_error(400, "api.web_socket.connect.upgrade.app_error");
    let v12 = raw(&format!(
        "GET /api/v4/websocket HTTP/1.1\r\nHost: {base}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: {key}\r\n\r\n"
    ));
    assert!(v12.starts_with("HTTP/1.1 400"), "{v12}");
    assert_eq!(
        open(&ts, "", &[("Origin", "http://evil.example")]).err(),
        Some(403)
    );
    assert!(open(&ts, "", &[("Origin", &format!("http://{base}"))]).is_ok());
    assert_eq!(open(&ts, "?access_token=abc", &[]).err(), Some(401));
}

#[test]
fn connections_beyond_the_limit_are_refused_cleanly() {
    let ts = TestServer::start_with(|c| c.perch.web_socket_max_connections = 1);
    let held = open(&ts, "", &[]).unwrap();
    assert_eq!(open(&ts, "", &[]).err(), Some(503));
    // The place comes back once the server has seen the socket go.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match open(&ts, "", &[]) {
            Ok(_) => break,
            Err(503) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(s) => panic!("after the first socket closed: {s}"),
        }
    }
}

#[test]
fn actions_replies_and_bad_frames() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut ws, _) = open_as(&ts, &admin);
    let (mut bws, _) = open_as(&ts, &bob);

    let s = ws.send("no_such_action", json!({}));
    let r = ws.reply();
    assert_eq!(r["status"], "FAIL");
    assert_eq!(r["seq_reply"], s);
    assert_eq!(
        r["error"]["id"],
        "api.web_socket_router.bad_action.app_error"
    );
    assert_eq!(r["error"]["status_code"], 500);
    ws.send_raw(Message::text(r#"{"seq":0,"action":"ping"}"#));
    assert_eq!(
        ws.reply()["error"]["id"],
        "api.web_socket_router.bad_seq.app_error"
    );
    ws.send_raw(Message::text(r#"{"seq":5,"action":""}"#));
    assert_eq!(
        ws.reply()["error"]["id"],
        "api.web_socket_router.no_action.app_error"
    );

    // Connecting set bob online (he is told so once it is stored).
    bws.until("status_change");
    let s = ws.send(
        "get_statuses_by_ids",
        json!({"user_ids": [bob.id(), "x".repeat(26)]}),
    );
    let r = ws.reply();
    assert_eq!(r["seq_reply"], s);
    assert_eq!(r["data"]["xxxxxxxxxxxxxxxxxxxxxxxxxx"], "offline");
    assert_eq!(r["data"][bob.id()], "online");
    ws.send("get_statuses_by_ids", json!({"user_ids": []}));
    assert_eq!(
        ws.reply()["error"]["id"],
        "api.websocket_handler.invalid_param.app_error"
    );
    ws.send("get_statuses", Value::Null);
    assert_eq!(ws.reply()["data"][admin.id()], "online");
    ws.send(
        "user_update_active_status",
        json!({"user_is_active": "yes"}),
    );
    assert_eq!(ws.reply()["status"], "FAIL");

    // Typing goes to the other members only.
    let s = ws.send("user_typing", json!({"channel_id": cid, "parent_id": ""}));
    assert_eq!(ws.reply(), json!({"status": "OK", "seq_reply": s}));
    let (typing, _) = bws.until("typing");
    assert_eq!(
        typing["data"],
        json!({"user_id": admin.id(), "parent_id": ""})
    );
    ws.send("user_typing", json!({"channel_id": "nope"}));
    assert_eq!(ws.reply()["error"]["status_code"], 400);
    // A flood of typing is refused past the per-second budget, without closing anything.
    let mut busy = 0;
    for _ in 0..30 {
        ws.send("user_typing", json!({"channel_id": cid}));
    }
    for _ in 0..30 {
        if ws.reply()["error"]["status_code"] == 503 {
            busy += 1;
        }
    }
    assert!(busy >= 15, "{busy}");
    ws.send("ping", Value::Null);
    assert_eq!(ws.reply()["data"]["text"], "pong");

    // Bad frames close with the right code; other sockets are unaffected.
    let (mut a, _) = open_as(&ts, &admin);
    a.send_raw(Message::text("{not json"));
    assert_eq!(a.closed(), Some(CloseCode::Invalid));
    let (mut b, _) = open_as(&ts, &admin);
    b.send_raw(Message::binary(vec![1, 2, 3]));
    assert_eq!(b.closed(), Some(CloseCode::Unsupported));
    let (mut c, _) = open_as(&ts, &admin);
    c.send_raw(Message::text(format!(
        r#"{{"seq":1,"action":"ping","data":{{"x":"{}"}}}}"#,
        "y".repeat(9000)
    )));
    assert_eq!(c.closed(), Some(CloseCode::Size));
    bob.create_post(&cid, "still here");
    assert_eq!(ws.until("posted").0["data"]["sender_name"], "@bob");
}

#[test]
fn events_reach_only_those_who_may_read_the_channel() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let carol = ts.user(&admin, "carol");
    admin.add_to_team(&tid, &carol.id());
    let private = talk(&admin, &bob, &tid, "P");
    let (mut bws, _) = open_as(&ts, &bob);
    let (mut cws, _) = open_as(&ts, &carol);

    admin.create_post(&private, "secret");
    assert_eq!(bws.until("posted").0["data"]["channel_type"], "P");
    // Carol is in the team but not the channel.
    let dm = id(&admin
        .post("/api/v4/channels/direct", &json!([admin.id(), bob.id()]))
        .json());
    admin.create_post(&dm, "just us");
    let (ev, _) = bws.until("posted");
    assert_eq!(ev["data"]["channel_type"], "D");
    assert_eq!(ev["data"]["channel_display_name"], "@admin");
    assert_eq!(ev["data"]["mentions"], json!(format!("[\"{}\"]", bob.id())));
    // Bob is removed: he hears about it, then nothing from the channel.
    let r = admin.delete(&format!("/api/v4/channels/{private}/members/{}", bob.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    admin.create_post(&private, "after removal");
    let town = id(&admin
        .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
        .json());
    admin.create_post(&town, "marker");
    let (marker, seen) = bws.until("posted");
    assert!(
        marker["data"]["post"].as_str().unwrap().contains("marker"),
        "{marker}"
    );
    assert!(
        seen.iter()
            .all(|e| !e.to_string().contains("after removal")),
        "{seen:?}"
    );
    for e in [&marker].into_iter().chain(seen.iter()) {
        assert_ne!(e["broadcast"]["channel_id"], private.as_str(), "{e}");
    }
    let (marker, seen) = cws.until("posted");
    assert!(
        marker["data"]["post"].as_str().unwrap().contains("marker"),
        "{marker}"
    );
    assert!(seen.iter().all(|e| e["event"] != "posted"), "{seen:?}");
}

#[test]
fn a_revoked_session_has_its_sockets_closed() {
    let ts = TestServer::start();
    let (_admin, bob, _tid) = ts.admin_and_bob_on_acme();
    let (mut ws, _) = open_as(&ts, &bob);
    let r = bob.post("/api/v4/users/logout", &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(ws.closed(), Some(CloseCode::Policy));
}

#[test]
fn unauthenticated_sockets_are_closed_after_five_seconds() {
    let ts = TestServer::start();
    let mut ws = open(&ts, "", &[]).unwrap();
    let started = Instant::now();
    ws.closed();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[test]
fn a_client_that_stops_reading_is_cut_off_without_slowing_the_others() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut stalled, _) = open_as(&ts, &bob);
    let (mut reader, _) = open_as(&ts, &admin);
    let big = "z".repeat(16_000);
    let started = Instant::now();
    let mut received = 0;
    // Enough to fill the kernel's buffers and the server's 1 MiB cap for the stalled socket.
    for _ in 0..900 {
        let r = admin.post("/api/v4/posts", &json!({"channel_id": cid, "message": big}));
        assert_eq!(r.status, 201);
        while let Some(m) = reader.next_within(Duration::from_millis(1)) {
            if m["event"] == "posted" {
                received += 1;
            }
        }
    }
    while received < 900 {
        let m = reader.next().expect("the reading client gets every event");
        if m["event"] == "posted" {
            received += 1;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(60));
    // The stalled client finds its socket closed once it reads again.
    let mut frames = 0;
    loop {
        match stalled.ws.read() {
            Ok(_) => frames += 1,
            Err(_) => break,
        }
        assert!(frames < 900, "the stalled client was never cut off");
    }
}

#[test]
fn a_dropped_connection_resumes_with_its_missed_events() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut ws, hello) = open_as(&ts, &bob);
    let conn = hello["data"]["connection_id"].as_str().unwrap().to_string();
    admin.create_post(&cid, "one");
    admin.create_post(&cid, "two");
    let one = ws.until("posted").0["seq"].as_i64().unwrap();
    assert_eq!(ws.until("posted").0["seq"], one + 1);
    drop(ws);
    std::thread::sleep(Duration::from_millis(300));
    admin.create_post(&cid, "three");
    std::thread::sleep(Duration::from_millis(300));
    let auth = format!("Bearer {}", bob.token.as_ref().unwrap());
    // Resume from "two": it comes again, then "three", same connection, no hello.
    let two = one + 1;
    let query = format!("?connection_id={conn}&sequence_number={two}");
    let mut again = open(&ts, &query, &[("Authorization", &auth)]).unwrap();
    let a = again.next().unwrap();
    assert_eq!(
        (a["event"].as_str(), a["seq"].as_i64()),
        (Some("posted"), Some(two)),
        "{a}"
    );
    assert!(a["data"]["post"].as_str().unwrap().contains("two"));
    // Then what arrived while disconnected ("three", and bob's own status changes), numbered on.
    let (b, between) = again.until("posted");
    assert_eq!(b["seq"], two + 1 + between.len() as i64, "{between:?}");
    assert!(b["data"]["post"].as_str().unwrap().contains("three"));
    drop(again);
    std::thread::sleep(Duration::from_millis(300));
    // A gap: a fresh start under a new id.
    let mut fresh = open(
        &ts,
        &format!("?connection_id={conn}&sequence_number=99"),
        &[("Authorization", &auth)],
    )
    .unwrap();
    let h = fresh.next().unwrap();
    assert_eq!(
        (h["event"].as_str(), h["seq"].as_i64()),
        (Some("hello"), Some(0))
    );
    assert_ne!(h["data"]["connection_id"], conn.as_str());
    // A malformed resume is closed at once, without hello.
    let mut bad = open(
        &ts,
        "?connection_id=nope&sequence_number=1",
        &[("Authorization", &auth)],
    )
    .unwrap();
    assert_eq!(bad.closed(), None);
}

#[test]
fn reactions_typing_ephemeral_and_channel_events_are_delivered() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut bws, _) = open_as(&ts, &bob);
    let p = admin.create_post(&cid, "react");
    bws.until("posted");
    admin.post(
        "/api/v4/reactions",
        &json!({"user_id": admin.id(), "post_id": p["id"], "emoji_name": "tada"}),
    );
    let (ev, _) = bws.until("reaction_added");
    let r: Value = serde_json::from_str(ev["data"]["reaction"].as_str().unwrap()).unwrap();
    assert_eq!(r["emoji_name"], "tada");
    assert_eq!(r["post_id"], p["id"]);
    admin.delete(&format!("/api/v4/users/me/posts/{}/reactions/tada", id(&p)));
    bws.until("reaction_removed");
    admin.put(
        &format!("/api/v4/posts/{}/patch", id(&p)),
        &json!({"message": "edited"}),
    );
    let (ev, _) = bws.until("post_edited");
    assert!(ev["data"]["post"].as_str().unwrap().contains("edited"));
    admin.delete(&format!("/api/v4/posts/{}", id(&p)));
    let (ev, _) = bws.until("post_deleted");
    assert!(ev["data"].get("delete_by").is_none(), "{ev}");
    // An ephemeral answer reaches the one user, over the socket only.
    let r = admin.post(
        "/api/v4/posts/ephemeral",
        &json!({"user_id": bob.id(), "post": {"channel_id": cid, "message": "only you"}}),
    );
    assert_eq!(r.status, 201);
    let (ev, _) = bws.until("ephemeral_message");
    assert!(ev["data"]["post"].as_str().unwrap().contains("only you"));
    let r = bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": cid, "command": "/away"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = bws.until("ephemeral_message");
    let post: Value = serde_json::from_str(ev["data"]["post"].as_str().unwrap()).unwrap();
    assert_eq!(post["type"], "system_ephemeral");
    assert!(admin
        .channel_posts(&cid)
        .iter()
        .all(|p| p["type"] != "system_ephemeral"));
}

#[test]
fn channel_team_and_user_changes_are_announced_to_the_right_users() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let (mut aws, _) = open_as(&ts, &admin);
    let (mut bws, _) = open_as(&ts, &bob);
    let cid = id(&admin.create_channel(&tid, "news", "P"));
    let (ev, _) = aws.until("channel_created");
    assert_eq!(ev["data"]["channel_id"], cid.as_str());
    admin.add_to_channel(&cid, &bob.id());
    let (ev, _) = bws.until("user_added");
    assert_eq!(ev["data"]["user_id"], bob.id().as_str());
    assert_eq!(aws.until("user_added").0["data"]["team_id"], tid.as_str());
    admin.put(
        &format!("/api/v4/channels/{cid}/patch"),
        &json!({"header": "new header"}),
    );
    let (ev, _) = bws.until("channel_updated");
    let ch: Value = serde_json::from_str(ev["data"]["channel"].as_str().unwrap()).unwrap();
    assert_eq!(ch["header"], "new header");
    admin.delete(&format!("/api/v4/channels/{cid}"));
    assert_eq!(
        bws.until("channel_deleted").0["data"]["channel_id"],
        cid.as_str()
    );
    admin.post("/api/v4/channels/direct", &json!([admin.id(), bob.id()]));
    let (ev, _) = bws.until("direct_added");
    assert_eq!(ev["data"]["teammate_id"], bob.id().as_str());
    let carol = ts.user(&admin, "carol");
    assert_eq!(
        bws.until("new_user").0["data"]["user_id"],
        carol.id().as_str()
    );
    let (mut cws, _) = open_as(&ts, &carol);
    admin.add_to_team(&tid, &carol.id());
    assert_eq!(
        cws.until("added_to_team").0["data"]["team_id"],
        tid.as_str()
    );
    let r = admin.delete(&format!("/api/v4/teams/{tid}/members/{}", carol.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        cws.until("leave_team").0["data"]["user_id"],
        carol.id().as_str()
    );
    assert_eq!(
        bws.until("leave_team").0["data"]["user_id"],
        carol.id().as_str()
    );
    let prefs = json!([{"user_id": bob.id(), "category": "display_settings", "name": "use_military_time", "value": "true"}]);
    assert_eq!(bob.put("/api/v4/users/me/preferences", &prefs).status, 200);
    let (ev, _) = bws.until("preferences_changed");
    assert!(ev["data"]["preferences"]
        .as_str()
        .unwrap()
        .contains("use_military_time"));
    let general = id(&admin.create_channel(&tid, "general", "O"));
    admin.add_to_channel(&general, &bob.id());
    let r = admin.put(
        &format!("/api/v4/channels/{general}/members/{}/roles", bob.id()),
        &json!({"roles": "channel_user channel_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = bws.until("channel_member_updated");
    let m: Value = serde_json::from_str(ev["data"]["channelMember"].as_str().unwrap()).unwrap();
    assert_eq!(m["roles"], "channel_user channel_admin");
    let r = admin.put(
        &format!("/api/v4/users/{}/roles", bob.id()),
        &json!({"roles": "system_user system_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        bws.until("user_role_updated").0["data"]["user_id"],
        bob.id().as_str()
    );
}

#[test]
fn posts_from_webhooks_and_commands_are_posted_events_too() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = talk(&admin, &bob, &tid, "O");
    let (mut bws, _) = open_as(&ts, &bob);
    let hook = admin.post("/api/v4/hooks/incoming", &json!({"channel_id": cid}));
    assert_eq!(hook.status, 201, "{}", hook.body);
    let r = ts.anon().post(
        &format!("/hooks/{}", id(&hook.json())),
        &json!({"text": "from a hook"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = bws.until("posted");
    assert!(ev["data"]["post"].as_str().unwrap().contains("from a hook"));
    assert_eq!(ev["data"]["set_online"], false);
    let r = admin.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": cid, "command": "/echo from a command"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = bws.until("posted");
    assert!(ev["data"]["post"]
        .as_str()
        .unwrap()
        .contains("from a command"));
    assert_eq!(ev["data"]["sender_name"], "@admin");
}

/// A reload: the page's socket closes (parked for a resume, the user offline) and the new page
/// opens a new connection, which sets the user online again.
#[test]
fn a_new_connection_after_a_closed_one_is_online_again() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let status = || {
        bob.get(&format!("/api/v4/users/{}/status", bob.id()))
            .json()["status"]
            .clone()
    };
    let (ws, _) = open_as(&ts, &bob);
    eventually(Duration::from_secs(5), "online", || {
        (status() == "online").then_some(())
    });
    drop(ws);
    eventually(Duration::from_secs(5), "offline", || {
        (status() == "offline").then_some(())
    });
    let (_ws, _) = open_as(&ts, &bob);
    eventually(Duration::from_secs(5), "online again", || {
        (status() == "online").then_some(())
    });
}
