//! Property tests through a real server: generated JSON bodies, path captures and query strings
//! sent to every route of the table, generated and mutated bodies to the webhook endpoints
//! (Slack payloads as JSON, form and multipart; every tool's recorded payloads, mutated), raw
//! request heads over a socket, and WebSocket frames (actions mutated, noise, hand-built frames
//! of any opcode) to a live socket. Invariant: never a 5xx, every error a Mattermost AppError,
//! every answer in bounded time, and the server keeps answering others.
//! The generators are shared with the parser properties (`tests/props/`).

use crate::common::*;
use perch::api::{PUBLIC_ROUTES, ROUTES};
use perch::http::Method;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[path = "../props/corpus.rs"]
mod corpus;
#[path = "../props/gen.rs"]
#[allow(dead_code, reason = "the parser properties use the rest")]
mod gen;

/// The longest a fuzzed request may take (debug build, shared 2-core machine).
const SLOW: Duration = Duration::from_secs(5);

/// A server with something behind every kind of capture.
struct World {
    a: Acme,
    vars: Vec<(&'static str, String)>,
    hook: String,
}

fn world() -> World {
    let a = Acme::with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
        c.perch.login_rate_limit_enable = false;
    });
    let victim = a.ts.user(&a.admin, "victim");
    a.admin.add_to_team(&a.tid, &victim.id());
    let post = a.admin.create_post(&a.dev, "hello");
    // A post with a button whose URL the address rule refuses (nothing leaves the machine).
    let buttons = a.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": a.dev, "message": "b", "props": {"attachments": [{"actions": [
            {"id": "go", "name": "Go", "integration": {"url": "http://127.0.0.1:9/x"}}]}]}}),
    );
    assert_eq!(buttons.status, 201, "{}", buttons.body);
    let hook = a.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": a.dev, "display_name": "fuzz"}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook = id_of(&hook.json());
    let out = a.admin.post(
        "/api/v4/hooks/outgoing",
        &json!({"team_id": a.tid, "channel_id": a.dev, "display_name": "out",
                "trigger_words": ["zz"], "callback_urls": ["http://127.0.0.1:9/x"]}),
    );
    assert_eq!(out.status, 201, "{}", out.body);
    let cmd = a.admin.post(
        "/api/v4/commands",
        &json!({"team_id": a.tid, "trigger": "fz", "url": "http://127.0.0.1:9/c", "method": "P"}),
    );
    assert_eq!(cmd.status, 201, "{}", cmd.body);
    let bot = a
        .admin
        .post("/api/v4/bots", &json!({"username": "fuzzbot"}));
    assert_eq!(bot.status, 201, "{}", bot.body);
    let token = a.admin.post(
        &format!("/api/v4/users/{}/tokens", victim.id()),
        &json!({"description": "t"}),
    );
    assert_eq!(token.status, 200, "{}", token.body);
    let file = a.admin.post_raw(
        &format!("/api/v4/files?channel_id={}&filename=f.txt", a.dev),
        "text/plain",
        b"fuzz",
    );
    assert_eq!(file.status, 201, "{}", file.body);
    let vars = vec![
        ("uid", victim.id()),
        ("tid", a.tid.clone()),
        ("cid", a.dev.clone()),
        ("pid", id_of(&post)),
        ("pid", id_of(&buttons.json())),
        ("hid", hook.clone()),
        ("hid", id_of(&out.json())),
        ("cmd", id_of(&cmd.json())),
        ("bid", bot.json()["user_id"].as_str().unwrap().to_string()),
        ("token_id", id_of(&token.json())),
        ("name", "victim".into()),
        ("name", "acme".into()),
        ("name", "dev".into()),
        ("team", "acme".into()),
        ("ch", "town-square".into()),
        ("category", "display_settings".into()),
        ("did", "abcdefghijklmnopqrstuvwxyz".into()),
        ("emoji", "thumbsup".into()),
        ("cat", format!("favorites_{}_{}", victim.id(), a.tid)),
        ("name", "channel_user".into()),
        // An action that exists on the post with buttons, and one that does not.
        ("aid", "go".into()),
        ("aid", "abcdefghijklmnopqrstuvwxyz".into()),
        ("fid", id_of(&file.json()["file_infos"][0])),
    ];
    World { a, vars, hook }
}

/// One generated call: which route, how to fill its captures, its query and its body.
#[derive(Debug, Clone)]
struct Call {
    route: Index,
    /// Per capture: a real value of that kind, or generated text.
    captures: Vec<(Index, Option<String>)>,
    query: String,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

fn call() -> impl Strategy<Value = Call> {
    (
        any::<Index>(),
        proptest::collection::vec(
            (
                any::<Index>(),
                proptest::option::weighted(0.2, gen::text(4)),
            ),
            3,
        ),
        prop_oneof![3 => Just(String::new()), 1 => gen::text(6)],
        prop_oneof![
            4 => gen::json().prop_map(Body::Json),
            1 => gen::bytes(16).prop_map(Body::Raw),
        ],
    )
        .prop_map(|(route, captures, query, body)| Call {
            route,
            captures,
            query,
            body,
        })
}

/// Percent-encodes everything but unreserved characters (a path segment or query).
fn escape(s: &str) -> String {
    perch::form::query_escape(s)
}

/// A generated query as a client sends it: `&`, `=` and stray `%` kept, what a URL cannot
/// hold escaped.
fn query_text(q: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const SET: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    utf8_percent_encode(q, SET).to_string()
}

/// Asserts the invariant on one answer.
fn check(what: &str, r: &Resp, took: Duration) {
    assert!(r.status < 500, "{what}: {} {}", r.status, r.body);
    assert!(took < SLOW, "{what}: took {took:?}");
    if r.status >= 400 {
        let v: Value = serde_json::from_str(&r.body).unwrap_or_else(|e| {
            panic!("{what}: {} is not an AppError ({e}): {}", r.status, r.body)
        });
        assert_eq!(v["status_code"], r.status, "{what}: {}", r.body);
        assert!(
            v["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{what}: {}",
            r.body
        );
    }
}

#[test]
fn every_route_survives_generated_input() {
    let w = world();
    let routes: Vec<(Method, &str, bool)> = ROUTES
        .iter()
        .map(|(m, p, _)| (*m, *p, true))
        .chain(PUBLIC_ROUTES.iter().map(|(m, p, _)| (*m, *p, false)))
        .collect();
    let anon = w.a.ts.anon();
    let mut runner = proptest::test_runner::TestRunner::new(gen::config(400));
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    runner
        .run(&call(), |c| {
            let (method, pattern, session) = routes[c.route.index(routes.len())];
            let mut captures = c.captures.iter();
            let path: Vec<String> = pattern
                .split('/')
                .map(
                    |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        Some(name) => {
                            let (pick, text) = captures.next().cloned().expect("three per call");
                            match text {
                                Some(t) => escape(&t),
                                None => {
                                    let real: Vec<&String> = w
                                        .vars
                                        .iter()
                                        .filter(|(k, _)| *k == name)
                                        .map(|(_, v)| v)
                                        .collect();
                                    assert!(!real.is_empty(), "no value for {{{name}}}");
                                    real[pick.index(real.len())].clone()
                                }
                            }
                        }
                        None => part.to_string(),
                    },
                )
                .collect();
            let mut url = format!("/api/v4{}", path.join("/"));
            if !c.query.is_empty() {
                url = format!("{url}?{}", query_text(&c.query));
            }
            let body = match &c.body {
                Body::Json(v) => v.to_string().into_bytes(),
                Body::Raw(b) => b.clone(),
            };
            // Oversized bodies are refused before they are read (`tests/api/limits.rs`); the
            // client here cannot send them whole.
            prop_assume!(body.len() < 250_000);
            // Public routes go without a session: a generated logout must not end the admin's.
            let client = if session { &w.a.admin } else { &anon };
            let started = Instant::now();
            let r = client.request(method.as_str(), &url, Some(("application/json", body)), &[]);
            check(&format!("{} {url}", method.as_str()), &r, started.elapsed());
            *statuses.borrow_mut().entry(r.status).or_default() += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let statuses = statuses.into_inner();
    // The generated calls reached handlers (not only the router's refusals), and the admin's
    // session survived them.
    assert!(
        statuses.keys().any(|s| (200..300).contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.get(&400).is_some_and(|n| *n > 20), "{statuses:?}");
    assert_eq!(w.a.admin.get("/api/v4/users/me").status, 200);
    eprintln!("statuses: {statuses:?}");
}

/// A webhook request: to `/hooks/{id}` as Slack JSON, form or multipart, or to
/// `/hooks/{id}/{tool}` with a tool's recorded payload mutated.
#[derive(Debug, Clone)]
enum Hook {
    Slack(Value),
    Form(String),
    Multipart(String, Vec<u8>),
    Tool(Index, Vec<(Index, gen::Change)>),
}

fn hook_call() -> impl Strategy<Value = Hook> {
    let slack = json!({"text": "hello <@bob> <http://x|y>", "username": "u", "attachments":
        [{"fallback": "f", "color": "#ff0000", "text": "t", "fields": [{"title": "a", "value": "b", "short": true}]}]});
    prop_oneof![
        2 => proptest::collection::vec(gen::mutation(), 0..4)
            .prop_map(move |m| Hook::Slack(gen::mutate(&slack, &m))),
        1 => gen::json().prop_map(|v| Hook::Form(format!("payload={}", escape(&v.to_string())))),
        1 => ("[ -~]{0,80}", gen::bytes(12)).prop_map(|(b, body)| Hook::Multipart(b, body)),
        3 => (any::<Index>(), proptest::collection::vec(gen::mutation(), 1..4))
            .prop_map(|(i, m)| Hook::Tool(i, m)),
    ]
}

#[test]
fn webhooks_survive_generated_payloads() {
    let w = world();
    let anon = w.a.ts.anon();
    let before = w.a.admin.channel_posts(&w.a.dev).len();
    let mut runner = proptest::test_runner::TestRunner::new(gen::config(250));
    let created = std::cell::Cell::new(0);
    runner
        .run(&hook_call(), |h| {
            let base = format!("/hooks/{}", w.hook);
            let (path, ctype, body, headers) = match h {
                Hook::Slack(v) => (
                    base,
                    "application/json".to_string(),
                    v.to_string().into_bytes(),
                    vec![],
                ),
                Hook::Form(f) => (
                    base,
                    "application/x-www-form-urlencoded".into(),
                    f.into_bytes(),
                    vec![],
                ),
                Hook::Multipart(b, body) => (
                    base,
                    format!("multipart/form-data; boundary={b}"),
                    body,
                    vec![],
                ),
                Hook::Tool(i, m) => {
                    let all = corpus::fixtures();
                    let f = &all[i.index(all.len())];
                    let body = serde_json::to_vec(&gen::mutate(&f.body, &m)).unwrap();
                    (
                        format!("{base}/{}", f.source),
                        "application/json".into(),
                        body,
                        f.headers.clone(),
                    )
                }
            };
            // Oversized bodies are refused before they are read (`tests/api/limits.rs`); the
            // client here cannot send them whole.
            prop_assume!(body.len() < 250_000);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let started = Instant::now();
            let r = anon.request("POST", &path, Some((&ctype, body)), &headers);
            // The webhook endpoint answers Slack's way: `ok` as text, errors as AppErrors.
            assert!(r.status < 500, "{path}: {} {}", r.status, r.body);
            assert!(
                started.elapsed() < SLOW,
                "{path}: took {:?}",
                started.elapsed()
            );
            if r.status >= 400 {
                check(&path, &r, started.elapsed());
            } else {
                created.set(created.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        created.get() > 20,
        "only {} calls were accepted",
        created.get()
    );
    // Every accepted call wrote its posts whole: the channel still reads back.
    assert!(w.a.admin.channel_posts(&w.a.dev).len() > before);
}

/// A raw request head: a valid one with its parts replaced by generated text.
#[derive(Debug, Clone)]
struct Head {
    method: Option<String>,
    target: Option<String>,
    version: Option<String>,
    extra: Vec<String>,
    length: Option<String>,
    chunked: bool,
    body: Vec<u8>,
}

fn head() -> impl Strategy<Value = Head> {
    let some = |s: BoxedStrategy<String>| proptest::option::weighted(0.25, s);
    (
        some(prop_oneof!["[A-Z]{0,10}", gen::text(3)].boxed()),
        some(prop_oneof![gen::text(6), Just("/api/v4/".repeat(400)), Just("*".into())].boxed()),
        some(
            prop_oneof![
                Just("HTTP/1.0".to_string()),
                Just("HTTP/2.0".into()),
                gen::text(2)
            ]
            .boxed(),
        ),
        proptest::collection::vec(
            prop_oneof![
                gen::text(6),
                gen::text(3).prop_map(|t| format!("X-Fuzz: {t}")),
                Just(format!("X-Long: {}", "a".repeat(20_000))),
                Just("Expect: 100-continue".into()),
                Just("Connection: Upgrade".into()),
                Just("Content-Length: 5".into()),
                Just("Transfer-Encoding: gzip".into()),
            ],
            0..3,
        ),
        some(prop_oneof!["[0-9]{1,20}", Just("-1".into()), gen::text(2)].boxed()),
        any::<bool>(),
        gen::bytes(12),
    )
        .prop_map(
            |(method, target, version, extra, length, chunked, body)| Head {
                method,
                target,
                version,
                extra,
                length,
                chunked,
                body,
            },
        )
}

fn raw_request(h: &Head) -> Vec<u8> {
    let mut out = format!(
        "{} {} {}\r\nHost: x\r\nContent-Type: application/json\r\n",
        h.method.as_deref().unwrap_or("POST"),
        h.target.as_deref().unwrap_or("/api/v4/users/login"),
        h.version.as_deref().unwrap_or("HTTP/1.1"),
    );
    for line in &h.extra {
        out.push_str(line);
        out.push_str("\r\n");
    }
    if h.chunked {
        out.push_str("Transfer-Encoding: chunked\r\n");
    }
    let length = h.length.clone().unwrap_or_else(|| h.body.len().to_string());
    out.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&h.body);
    bytes
}

/// What a raw exchange answered: the status line's code, if any answer came.
fn exchange(addr: &str, request: &[u8]) -> Option<u16> {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(SLOW)).unwrap();
    let _ = s.write_all(request);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let line = text.lines().next()?;
    assert!(line.starts_with("HTTP/1."), "not an HTTP answer: {line:?}");
    line.split(' ').nth(1).and_then(|c| c.parse().ok())
}

#[test]
fn raw_request_heads_get_an_answer_and_the_server_keeps_serving() {
    let ts = TestServer::start_with(|c| c.service.read_timeout = 2);
    let addr = ts.url.trim_start_matches("http://").to_string();
    let anon = ts.anon();
    let mut runner = proptest::test_runner::TestRunner::new(gen::config(250));
    let answered = std::cell::Cell::new(0);
    runner
        .run(&head(), |h| {
            let started = Instant::now();
            let status = exchange(&addr, &raw_request(&h));
            assert!(started.elapsed() < SLOW * 2, "took {:?}", started.elapsed());
            if let Some(code) = status {
                answered.set(answered.get() + 1);
                // 501 (a transfer coding it does not implement) and 505 (an HTTP version it
                // does not speak) are HTTP's own answers to such requests, not failures.
                assert!(code < 500 || code == 501 || code == 505, "{code} for {h:?}");
            }
            assert_eq!(anon.get("/api/v4/system/ping").status, 200);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answered.get() > 100, "only {} answers", answered.get());
}

/// Two requests the generator found, kept as plain tests: stock tiny_http allocated a whole
/// announced body at once when the rest of a body was skipped (a huge `Content-Length`
/// aborted the process), and hung a connection's thread forever on any `HTTP/2.0` request.
#[test]
fn requests_that_once_killed_the_server() {
    let ts = TestServer::start_with(|c| c.service.read_timeout = 2);
    let addr = ts.url.trim_start_matches("http://").to_string();
    let huge =
        b"POST /api/v4/users/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n{";
    assert_eq!(exchange(&addr, huge), Some(413));
    for _ in 0..20 {
        let started = Instant::now();
        let v2 = b"GET /api/v4/system/ping HTTP/2.0\r\nHost: x\r\n\r\n";
        assert_eq!(exchange(&addr, v2), Some(505));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(ts.anon().get("/api/v4/system/ping").status, 200);
}

/// One generated WebSocket frame: an action (real ones, mutated), any text, binary data, or a
/// whole frame built by hand (any opcode, reserved bits, masked or not, fragments).
#[derive(Debug, Clone)]
enum Frame {
    Action(Value),
    Text(String),
    Binary(Vec<u8>),
    Raw {
        head: u8,
        masked: bool,
        payload: Vec<u8>,
    },
}

fn frame() -> impl Strategy<Value = Frame> {
    let actions = [
        json!({"seq": 1, "action": "ping", "data": {}}),
        json!({"seq": 2, "action": "user_typing", "data": {"channel_id": "x", "parent_id": ""}}),
        json!({"seq": 3, "action": "get_statuses", "data": {}}),
        json!({"seq": 4, "action": "get_statuses_by_ids", "data": {"user_ids": ["a", "b"]}}),
        json!({"seq": 5, "action": "authentication_challenge", "data": {"token": "x"}}),
        json!({"seq": 6, "action": "presence", "data": {"channel_id": "x"}}),
        json!({"seq": 7, "action": "custom_x", "data": null}),
    ];
    prop_oneof![
        4 => (proptest::sample::select(actions.to_vec()), proptest::collection::vec(gen::mutation(), 0..3))
            .prop_map(|(a, m)| Frame::Action(gen::mutate(&a, &m))),
        1 => gen::text(12).prop_map(Frame::Text),
        1 => gen::bytes(8).prop_map(Frame::Binary),
        2 => (any::<u8>(), any::<bool>(), gen::bytes(8))
            .prop_map(|(head, masked, payload)| Frame::Raw { head, masked, payload }),
    ]
}

/// A frame's bytes on the wire (RFC 6455 §5.2), length encoded as the payload needs.
fn encode_frame(head: u8, masked: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![head];
    let bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(bit | n as u8),
        n if n <= 0xffff => {
            out.push(bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x1f, 0x2e, 0x3d, 0x4c];
    if masked {
        out.extend_from_slice(&key);
    }
    out.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| if masked { b ^ key[i % 4] } else { *b }),
    );
    out
}

type Socket = tungstenite::WebSocket<std::net::TcpStream>;

fn ws_connect(ts: &TestServer, token: &str) -> Socket {
    use tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/api/v4/websocket",
        ts.url.replacen("http://", "ws://", 1)
    );
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let stream = std::net::TcpStream::connect(ts.url.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(SLOW)).unwrap();
    tungstenite::client(req, stream).unwrap().0
}

/// Sends a ping action after the generated frame and reads until its reply: `true` if it came,
/// `false` if the server closed the socket. Every error reply on the way must be a client's
/// error (`503` is the typing limit; an unknown action is Mattermost's 500, kept).
fn probe(ws: &mut Socket) -> bool {
    use tungstenite::Message;
    let probe = json!({"seq": 999_999, "action": "ping"}).to_string();
    if ws.send(Message::text(probe)).is_err() {
        return false;
    }
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if let Some(code) = v["error"]["status_code"].as_u64() {
                    // Mattermost answers an unknown action with a 500 of its router
                    // (`web_socket_router.go`); clients match on it, so Perch does the same.
                    let unknown = v["error"]["id"] == "api.web_socket_router.bad_action.app_error";
                    assert!(code < 500 || code == 503 || unknown, "{v}");
                }
                if v["seq_reply"] == 999_999 {
                    return true;
                }
            }
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e)) if e.kind() != std::io::ErrorKind::ConnectionReset => {
                assert!(
                    !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ),
                    "the server neither answered nor closed the socket"
                );
                return false;
            }
            Err(_) => return false,
        }
    }
}

#[test]
fn websocket_survives_generated_frames() {
    use tungstenite::Message;
    let a = Acme::new();
    let token = a.admin.token.clone().unwrap();
    let ws = std::cell::RefCell::new(ws_connect(&a.ts, &token));
    let (closed, answered) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut runner = proptest::test_runner::TestRunner::new(gen::config(300));
    runner
        .run(&frame(), |f| {
            let mut ws = ws.borrow_mut();
            let sent = match f {
                Frame::Action(v) => ws.send(Message::text(v.to_string())),
                Frame::Text(t) => ws.send(Message::text(t)),
                Frame::Binary(b) => ws.send(Message::binary(b)),
                Frame::Raw {
                    head,
                    masked,
                    payload,
                } => {
                    let bytes = encode_frame(head, masked, &payload);
                    ws.get_mut()
                        .write_all(&bytes)
                        .map_err(tungstenite::Error::Io)
                }
            };
            if sent.is_ok() && probe(&mut ws) {
                answered.set(answered.get() + 1);
            } else {
                closed.set(closed.get() + 1);
                *ws = ws_connect(&a.ts, &token);
            }
            assert_eq!(a.bob.get("/api/v4/system/ping").status, 200);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // Both outcomes were reached: well-formed frames were answered, broken ones cut off.
    assert!(
        answered.get() > 40 && closed.get() > 40,
        "answered {}, closed {}",
        answered.get(),
        closed.get()
    );
    // A fresh socket still gets events.
    let mut fresh = ws_connect(&a.ts, &token);
    assert!(probe(&mut fresh));
}
