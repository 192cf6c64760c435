//! `hooks/integration.rs` end to end: native payloads of every tool through
//! `POST /hooks/{id}/<tool>` and detected on the plain `POST /hooks/{id}`, signatures (right,
//! wrong, missing), threads per object, delivery-id idempotency, event filters, ping and
//! unsupported events, malformed bodies, templates, the preview endpoint, the hook API's
//! extension fields, and Slack payloads unchanged. Posts are checked through the REST API.

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SECRET: &str = "s3cr3t-Token_42";
const SIGNATURE: &str = "api.webhook.integration.signature.app_error";
const PAYLOAD: &str = "api.webhook.integration.payload.app_error";

/// What these tests do with the shared fixture: a hook on `dev`, its posts and delivery log.
trait Tools {
    fn hook(&self, extra: Value) -> String;
    fn posts(&self) -> Vec<Value>;
    fn post(&self, id: &str) -> Value;
    fn deliveries(&self, hook: &str) -> Vec<Value>;
}

impl Tools for Acme {
    fn hook(&self, extra: Value) -> String {
        let mut body = json!({"channel_id": self.dev, "display_name": "tools"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = self.admin.post("/api/v4/hooks/incoming", &body);
        assert_eq!(r.status, 201, "create hook: {}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }

    fn posts(&self) -> Vec<Value> {
        self.admin.channel_posts(&self.dev)
    }

    fn post(&self, id: &str) -> Value {
        let r = self.admin.get(&format!("/api/v4/posts/{id}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    fn deliveries(&self, hook: &str) -> Vec<Value> {
        let r = self
            .admin
            .get(&format!("/api/v4/hooks/incoming/{hook}/deliveries"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json().as_array().unwrap().clone()
    }
}

/// One fixture: the tool's folder, its name, the body as stored and its headers.
#[derive(Clone)]
struct Fixture {
    tool: String,
    name: String,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    expected: Value,
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrations")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            walk(&path, out);
        } else if name.ends_with(".json")
            && !name.ends_with(".headers.json")
            && !name.ends_with(".expected.json")
        {
            out.push(path);
        }
    }
}

/// Every fixture of `tool`, sorted by path.
fn fixtures(tool: &str) -> Vec<Fixture> {
    let mut files = Vec::new();
    walk(&fixtures_root().join(tool), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no fixtures for {tool}");
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .trim_end_matches(".json")
                .to_string();
            let side = |suffix: &str| {
                let p = path.with_file_name(format!("{stem}.{suffix}.json"));
                serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap()
            };
            let headers = side("headers")
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            Fixture {
                tool: tool.to_string(),
                name: stem.clone(),
                body: std::fs::read(&path).unwrap(),
                headers,
                expected: side("expected"),
            }
        })
        .collect()
}

fn fixture(tool: &str, name: &str) -> Fixture {
    fixtures(tool)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {tool}/{name}"))
}

const TOOLS: &[&str] = &[
    "github",
    "gitlab",
    "gitea",
    "bitbucket",
    "jira",
    "jenkins",
    "redmine",
    "trac",
    "alertmanager",
    "grafana",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac256(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

fn hmac1(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// The headers that carry a tool's signature or token (removed for "missing").
const SIGNATURE_HEADERS: &[&str] = &[
    "X-Hub-Signature-256",
    "X-Hub-Signature",
    "X-Gitlab-Token",
    "X-Gitea-Signature",
    "X-Forgejo-Signature",
    "X-Gogs-Signature",
    "X-Redmine-Signature-256",
    "X-WebHook-Signature",
    "X-Grafana-Alerting-Signature",
    "Authorization",
];

fn without_signature(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !SIGNATURE_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(k)))
        .cloned()
        .collect()
}

/// `headers` with the tool's signature (or token) for `body` under `secret`.
fn signed(
    tool: &str,
    secret: &str,
    body: &[u8],
    headers: &[(String, String)],
) -> Vec<(String, String)> {
    let mut h = without_signature(headers);
    let (name, value) = match tool {
        "github" => (
            "X-Hub-Signature-256",
            format!("sha256={}", hmac256(secret, body)),
        ),
        "gitlab" => ("X-Gitlab-Token", secret.to_string()),
        "gitea" => ("X-Gitea-Signature", hmac256(secret, body)),
        "bitbucket" | "jira" => (
            "X-Hub-Signature",
            format!("sha256={}", hmac256(secret, body)),
        ),
        "redmine" => (
            "X-Redmine-Signature-256",
            format!("sha256={}", hmac256(secret, body)),
        ),
        "trac" => (
            "X-WebHook-Signature",
            format!("sha1={}", hmac1(secret, body)),
        ),
        "grafana" => ("X-Grafana-Alerting-Signature", hmac256(secret, body)),
        // No signature scheme: a bearer token (Alertmanager's `authorization`, Jenkins).
        _ => ("Authorization", format!("Bearer {secret}")),
    };
    h.push((name.to_string(), value));
    h
}

fn send(ts: &TestServer, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ts.anon()
        .request("POST", path, Some(("", body.to_vec())), &pairs)
}

fn with_header(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    h.push((name.to_string(), value.to_string()));
    h
}

/// Checks a created post against a fixture's expected translation: message, type, every
/// expected attachment member, `from_webhook`.
fn assert_post_matches(post: &Value, expected: &Value, what: &str) {
    assert_eq!(post["message"], expected["text"], "{what}: message");
    let want = expected["attachments"].as_array().unwrap();
    let got = post["props"]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(got.len(), want.len(), "{what}: attachments {post}");
    for (g, w) in got.iter().zip(want) {
        for (k, v) in w.as_object().unwrap() {
            assert_eq!(&g[k], v, "{what}: attachment member {k}");
        }
    }
    let kind = if want.is_empty() {
        ""
    } else {
        "slack_attachment"
    };
    assert_eq!(post["type"], kind, "{what}: type");
    assert_eq!(post["props"]["from_webhook"], "true", "{what}");
}

/// Sends one fixture and checks the outcome against its expected file. Returns the post.
fn deliver_expected(
    e: &Acme,
    path: &str,
    f: &Fixture,
    headers: &[(String, String)],
) -> Option<Value> {
    let what = format!("{}/{} via {path}", f.tool, f.name);
    let before = e.posts().len();
    let r = send(&e.ts, path, headers, &f.body);
    assert_eq!(r.status, 200, "{what}: {}", r.body);
    assert_eq!(r.body, "ok", "{what}");
    if f.expected["outcome"] == "ignored" {
        assert!(r.header("X-Post-Id").is_none(), "{what}");
        assert_eq!(e.posts().len(), before, "{what}: nothing posted");
        return None;
    }
    assert_eq!(f.expected["outcome"], "post", "{what}");
    let id = r
        .header("X-Post-Id")
        .unwrap_or_else(|| panic!("{what}: no X-Post-Id"));
    let post = e.post(id);
    assert_post_matches(&post, &f.expected, &what);
    Some(post)
}

/// Checks a post's thread: the first post with a key roots it, later ones reply to it.
fn check_thread(roots: &mut HashMap<String, String>, expected: &Value, post: &Value, what: &str) {
    let Some(key) = expected["thread_key"].as_str() else {
        assert_eq!(post["root_id"], "", "{what}: no thread");
        return;
    };
    match roots.get(key) {
        Some(root) => assert_eq!(post["root_id"], root.as_str(), "{what}: replies in {key}"),
        None => {
            assert_eq!(post["root_id"], "", "{what}: roots {key}");
            roots.insert(key.to_string(), post["id"].as_str().unwrap().to_string());
        }
    }
}

#[test]
fn tool_endpoints_post_every_fixture_and_check_signatures() {
    let e = Acme::new();
    let mut expected_posts = 0;
    for tool in TOOLS {
        let hook = e.hook(json!({"secret": SECRET}));
        let path = format!("/hooks/{hook}/{tool}");
        let mut roots = HashMap::new();
        for f in fixtures(tool) {
            let what = format!("{tool}/{}", f.name);
            let before = e.posts().len();
            // Wrong secret, then no signature at all: 401, nothing created, logged.
            let wrong = signed(tool, "not-the-secret", &f.body, &f.headers);
            send(&e.ts, &path, &wrong, &f.body).assert_error(401, SIGNATURE);
            let missing = without_signature(&f.headers);
            send(&e.ts, &path, &missing, &f.body).assert_error(401, SIGNATURE);
            assert_eq!(
                e.posts().len(),
                before,
                "{what}: refused calls post nothing"
            );
            let log = e.deliveries(&hook);
            assert_eq!(log[0]["status_code"], 401, "{what}");
            assert_eq!(log[0]["error_id"], SIGNATURE, "{what}");
            assert_eq!(log[0]["source"], *tool, "{what}");
            // The right signature posts what the golden file says.
            let good = signed(tool, SECRET, &f.body, &f.headers);
            if let Some(post) = deliver_expected(&e, &path, &f, &good) {
                expected_posts += 1;
                check_thread(&mut roots, &f.expected, &post, &what);
                let log = e.deliveries(&hook);
                assert_eq!(log[0]["post_id"], post["id"], "{what}");
                assert_eq!(log[0]["event"], f.expected["event"], "{what}");
            } else {
                let log = e.deliveries(&hook);
                assert_eq!(log[0]["status_code"], 200, "{what}");
                assert_eq!(log[0]["note"], f.expected["reason"], "{what}");
                assert_eq!(log[0]["event"], f.expected["event"], "{what}");
            }
        }
    }
    // Every tool's fixtures were walked (48 of them post).
    assert!(expected_posts >= 48, "{expected_posts}");
    assert_eq!(e.posts().len(), expected_posts);
}

#[test]
fn tool_endpoints_without_a_secret_need_no_signature() {
    let e = Acme::new();
    let hook = e.hook(json!({}));
    let f = fixture("bitbucket", "pullrequest_created");
    deliver_expected(&e, &format!("/hooks/{hook}/bitbucket"), &f, &f.headers).unwrap();
    // Forgejo is Gitea's translator under its own name.
    let f = fixture("gitea", "push");
    deliver_expected(&e, &format!("/hooks/{hook}/forgejo"), &f, &f.headers).unwrap();
    assert_eq!(e.deliveries(&hook)[0]["source"], "forgejo");
}

/// The aperezdc Trac flavour is `{"text": …}`: a valid Slack payload, posted as one.
fn is_slack_payload(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("text").and_then(Value::as_str).map(|t| !t.is_empty()))
        .unwrap_or(false)
}

#[test]
fn plain_endpoint_detects_every_tool() {
    let e = Acme::new();
    for tool in TOOLS {
        let hook = e.hook(json!({}));
        let path = format!("/hooks/{hook}");
        let mut roots = HashMap::new();
        for f in fixtures(tool) {
            let what = format!("{tool}/{} on the plain endpoint", f.name);
            if is_slack_payload(&f.body) {
                let r = send(&e.ts, &path, &f.headers, &f.body);
                assert_eq!(r.status, 200, "{what}: {}", r.body);
                let post = e.post(r.header("X-Post-Id").unwrap());
                let text: Value = serde_json::from_slice(&f.body).unwrap();
                assert_eq!(post["message"], text["text"], "{what}");
                assert_eq!(e.deliveries(&hook)[0]["source"], "", "{what}: Slack");
                continue;
            }
            if let Some(post) = deliver_expected(&e, &path, &f, &f.headers) {
                check_thread(&mut roots, &f.expected, &post, &what);
            }
            let log = e.deliveries(&hook);
            assert_eq!(log[0]["source"], *tool, "{what}");
            assert_eq!(log[0]["event"], f.expected["event"], "{what}");
        }
    }
}

#[test]
fn plain_endpoint_verifies_the_detected_tools_signature() {
    let e = Acme::new();
    let hook = e.hook(json!({"secret": SECRET}));
    let path = format!("/hooks/{hook}");
    for (tool, name) in [
        ("github", "push"),
        ("jira", "issue_created"),
        ("grafana", "alert__firing"),
    ] {
        let f = fixture(tool, name);
        let bad = signed(tool, "wrong", &f.body, &f.headers);
        send(&e.ts, &path, &bad, &f.body).assert_error(401, SIGNATURE);
        let good = signed(tool, SECRET, &f.body, &f.headers);
        deliver_expected(&e, &path, &f, &good).unwrap();
    }
}

/// A GitHub fixture with its repository and number replaced, and a fresh delivery id.
fn github_about(name: &str, number: u64, delivery: &str) -> (Vec<u8>, Vec<(String, String)>) {
    let f = fixture("github", name);
    let mut v: Value = serde_json::from_slice(&f.body).unwrap();
    v["repository"]["full_name"] = json!("Codertocat/Hello-World");
    v["repository"]["html_url"] = json!("https://github.com/Codertocat/Hello-World");
    for obj in ["pull_request", "issue"] {
        if v.get(obj).is_some() {
            v[obj]["number"] = json!(number);
        }
    }
    if v.get("number").is_some() {
        v["number"] = json!(number);
    }
    let headers = with_header(&f.headers, "X-GitHub-Delivery", delivery);
    (serde_json::to_vec(&v).unwrap(), headers)
}

#[test]
fn pull_request_events_share_one_thread() {
    let e = Acme::new();
    let hook = e.hook(json!({}));
    let path = format!("/hooks/{hook}/github");
    // The fixtures are about different repositories and numbers; align them on PR #2.
    let (opened, h1) = github_about("pull_request__opened", 2, "d-1");
    let (comment, h2) = github_about("issue_comment__created", 2, "d-2");
    let (merged, h3) = github_about("pull_request__merged", 2, "d-3");
    let send_ok = |body: &[u8], h: &[(String, String)]| {
        let r = send(&e.ts, &path, h, body);
        assert_eq!(r.status, 200, "{}", r.body);
        e.post(r.header("X-Post-Id").unwrap())
    };
    let root = send_ok(&opened, &h1);
    assert_eq!(root["root_id"], "");
    assert!(
        root["message"].as_str().unwrap().contains("opened"),
        "{root}"
    );
    let reply = send_ok(&comment, &h2);
    assert_eq!(reply["root_id"], root["id"]);
    let merge = send_ok(&merged, &h3);
    assert_eq!(merge["root_id"], root["id"]);
    assert_eq!(
        merge["props"]["attachments"][0]["color"], "#2EB886",
        "merged is green"
    );
    // Another PR starts its own thread.
    let (other, h4) = github_about("pull_request__opened", 3, "d-4");
    assert_eq!(send_ok(&other, &h4)["root_id"], "");
    // The thread as the API shows it.
    let thread = e.admin.get(&format!(
        "/api/v4/posts/{}/thread",
        root["id"].as_str().unwrap()
    ));
    assert_eq!(thread.status, 200, "{}", thread.body);
    assert_eq!(thread.json()["order"].as_array().unwrap().len(), 3);
    // The root deleted: the next event about #2 starts a new thread, which later ones follow.
    let del = e
        .admin
        .delete(&format!("/api/v4/posts/{}", root["id"].as_str().unwrap()));
    assert_eq!(del.status, 200, "{}", del.body);
    let (closed, h5) = github_about("pull_request__closed", 2, "d-5");
    let new_root = send_ok(&closed, &h5);
    assert_eq!(new_root["root_id"], "");
    let (again, h6) = github_about("issue_comment__created", 2, "d-6");
    assert_eq!(send_ok(&again, &h6)["root_id"], new_root["id"]);
}

#[test]
fn retries_with_one_delivery_id_post_once() {
    let e = Acme::new();
    let hook = e.hook(json!({}));
    let f = fixture("github", "pull_request__opened");
    let first = send(&e.ts, &format!("/hooks/{hook}/github"), &f.headers, &f.body);
    assert_eq!(first.status, 200, "{}", first.body);
    let id = first.header("X-Post-Id").unwrap().to_string();
    // GitHub's redelivery, also when it reaches the plain URL.
    for path in [format!("/hooks/{hook}/github"), format!("/hooks/{hook}")] {
        let again = send(&e.ts, &path, &f.headers, &f.body);
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.header("X-Post-Id"), Some(id.as_str()));
    }
    assert_eq!(e.posts().len(), 1);
    let log = e.deliveries(&hook);
    assert_eq!(log[0]["duplicate"], true);
    assert_eq!(
        log[0]["idempotency_key"],
        "41cb0ad0-3242-534a-b8a9-c45995d2c2d1"
    );
    assert_eq!(log[2]["duplicate"], false);
    // GitLab's event UUID and Bitbucket's request UUID work the same way.
    for (tool, name) in [
        ("gitlab", "push"),
        ("bitbucket", "repo_push"),
        ("jira", "issue_created"),
    ] {
        let f = fixture(tool, name);
        let path = format!("/hooks/{hook}/{tool}");
        let a = send(&e.ts, &path, &f.headers, &f.body);
        let b = send(&e.ts, &path, &f.headers, &f.body);
        assert_eq!((a.status, b.status), (200, 200), "{tool}");
        assert_eq!(a.header("X-Post-Id"), b.header("X-Post-Id"), "{tool}");
    }
    assert_eq!(e.posts().len(), 4);
}

#[test]
fn event_filters_pick_what_posts() {
    let e = Acme::new();
    let hook = e.hook(json!({
        "event_include": ["pull_request.*", "push"],
        "event_exclude": ["pull_request.closed"],
    }));
    let path = format!("/hooks/{hook}/github");
    let mut posted = Vec::new();
    for name in [
        "push",
        "pull_request__opened",
        "pull_request__closed",
        "issues__opened",
    ] {
        let f = fixture("github", name);
        let r = send(&e.ts, &path, &f.headers, &f.body);
        assert_eq!((r.status, r.body.as_str()), (200, "ok"), "{name}");
        if r.header("X-Post-Id").is_some() {
            posted.push(name);
        }
    }
    assert_eq!(posted, ["push", "pull_request__opened"]);
    assert_eq!(e.posts().len(), 2);
    let log = e.deliveries(&hook);
    assert_eq!(log[0]["event"], "issues.opened");
    assert!(
        log[0]["note"].as_str().unwrap().contains("filtered out"),
        "{}",
        log[0]
    );
    assert_eq!(log[0]["post_id"], "");
    assert_eq!(log[1]["event"], "pull_request.closed");
    assert!(log[1]["note"].as_str().unwrap().contains("filtered out"));
    // Filters are changed through the hook API and apply at once.
    let mut h = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(h["event_include"], json!(["pull_request.*", "push"]));
    h["event_include"] = json!([]);
    h["event_exclude"] = json!(["push"]);
    let r = e.admin.put(&format!("/api/v4/hooks/incoming/{hook}"), &h);
    assert_eq!(r.status, 201, "{}", r.body);
    let f = fixture("github", "issues__opened");
    let r = send(
        &e.ts,
        &path,
        &with_header(&f.headers, "X-GitHub-Delivery", "x-1"),
        &f.body,
    );
    assert!(r.header("X-Post-Id").is_some());
    let f = fixture("github", "push");
    let r = send(
        &e.ts,
        &path,
        &with_header(&f.headers, "X-GitHub-Delivery", "x-2"),
        &f.body,
    );
    assert!(r.header("X-Post-Id").is_none());
    assert_eq!(e.posts().len(), 3);
}

#[test]
fn ping_and_unsupported_events_are_acknowledged_and_logged() {
    let e = Acme::new();
    let hook = e.hook(json!({}));
    let f = fixture("github", "ping");
    for path in [format!("/hooks/{hook}/github"), format!("/hooks/{hook}")] {
        let r = send(&e.ts, &path, &f.headers, &f.body);
        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
        assert!(r.header("X-Post-Id").is_none());
    }
    let body = br#"{"action": "created", "deployment": {"id": 1},
        "repository": {"full_name": "o/r"}, "sender": {"login": "alice"}}"#;
    let headers = vec![("X-GitHub-Event".to_string(), "deployment".to_string())];
    let r = send(&e.ts, &format!("/hooks/{hook}/github"), &headers, body);
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert!(e.posts().is_empty());
    let log = e.deliveries(&hook);
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(log[0]["event"], "deployment.created");
    assert!(
        log[0]["note"].as_str().unwrap().contains("deployment"),
        "{}",
        log[0]
    );
    assert_eq!(log[1]["event"], "ping");
    assert_eq!(log[1]["note"], "ping");
    assert_eq!(log[1]["source"], "github");
}

#[test]
fn malformed_payloads_are_400_and_create_nothing() {
    let e = Acme::new();
    let hook = e.hook(json!({}));
    let push = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-GitHub-Event".to_string(), "push".to_string()),
    ];
    let r = send(&e.ts, &format!("/hooks/{hook}/github"), &push, b"{not json");
    r.assert_error(400, PAYLOAD);
    // Valid JSON without what the event needs.
    send(&e.ts, &format!("/hooks/{hook}/github"), &push, b"{}").assert_error(400, PAYLOAD);
    // A GitHub request without its event header.
    send(&e.ts, &format!("/hooks/{hook}/github"), &[], b"{}").assert_error(400, PAYLOAD);
    // On the plain URL, the event header routes it the same way.
    send(&e.ts, &format!("/hooks/{hook}"), &push, b"{not json").assert_error(400, PAYLOAD);
    assert!(e.posts().is_empty());
    let log = e.deliveries(&hook);
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|d| d["status_code"] == 400 && d["error_id"] == PAYLOAD));
    assert!(
        log[0]["note"].as_str().unwrap().contains("JSON"),
        "{}",
        log[0]
    );
    // An unknown tool is not a route; an unknown hook is the Slack path's error.
    let r = send(&e.ts, &format!("/hooks/{hook}/nosuchtool"), &push, b"{}");
    r.assert_error(404, "api.context.404.app_error");
    let r = send(
        &e.ts,
        "/hooks/abcdefghijklmnopqrstuvwxyz/github",
        &push,
        b"{}",
    );
    r.assert_error(400, "web.incoming_webhook.general.app_error");
}

#[test]
fn template_hooks_render_any_json() {
    let e = Acme::new();
    let template = r##"{% if commits %}{"text": {{ (sender.login ~ " pushed " ~ (commits|length) ~ " commits to " ~ repository.full_name)|tojson }},
 "attachments": [{"color": "#2EB886", "title": {{ head_commit.message|tojson }}}],
 "thread_key": {{ ("push:" ~ repository.full_name)|tojson }}}{% endif %}"##;
    let hook = e.hook(json!({"template": template}));
    let f = fixture("github", "push");
    let body: Value = serde_json::from_slice(&f.body).unwrap();
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}/template"),
        &f.headers,
        &f.body,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let post = e.post(r.header("X-Post-Id").unwrap());
    let n = body["commits"].as_array().unwrap().len();
    let expect = format!(
        "{} pushed {n} commits to {}",
        body["sender"]["login"].as_str().unwrap(),
        body["repository"]["full_name"].as_str().unwrap()
    );
    assert_eq!(post["message"], expect.as_str());
    assert_eq!(post["type"], "slack_attachment");
    assert_eq!(
        post["props"]["attachments"][0]["title"],
        body["head_commit"]["message"]
    );
    // The plain URL uses the template for a body that is not a Slack payload, with the
    // template's thread key; the event name (for filters) is the detected tool's.
    let again = with_header(&f.headers, "X-GitHub-Delivery", "t-2");
    let r = send(&e.ts, &format!("/hooks/{hook}"), &again, &f.body);
    let second = e.post(r.header("X-Post-Id").unwrap());
    assert_eq!(second["root_id"], post["id"]);
    let log = e.deliveries(&hook);
    assert_eq!(
        (log[0]["source"].clone(), log[0]["event"].clone()),
        (json!("template"), json!("push"))
    );
    // A payload the template skips: acknowledged, nothing posted.
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}/template"),
        &[],
        br#"{"other": 1}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert_eq!(
        e.deliveries(&hook)[0]["note"],
        "the template rendered nothing"
    );
    // A Slack payload still posts as Slack.
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}"),
        &[],
        br#"{"text": "plain slack"}"#,
    );
    assert_eq!(
        e.post(r.header("X-Post-Id").unwrap())["message"],
        "plain slack"
    );
    // Not JSON: 400.
    send(&e.ts, &format!("/hooks/{hook}/template"), &[], b"<xml/>").assert_error(400, PAYLOAD);
    // A template that fails on this payload: 400 with the template's error id.
    let failing = e.hook(json!({"template": "{{ 1 + sender }}"}));
    let r = send(
        &e.ts,
        &format!("/hooks/{failing}/template"),
        &[],
        br#"{"sender": "x"}"#,
    );
    r.assert_error(400, "api.webhook.integration.template.app_error");
    assert!(e.deliveries(&failing)[0]["note"]
        .as_str()
        .unwrap()
        .contains("template"));
    // No template on the hook.
    let plain = e.hook(json!({}));
    let r = send(&e.ts, &format!("/hooks/{plain}/template"), &[], b"{}");
    r.assert_error(400, "api.webhook.integration.no_template.app_error");
    assert_eq!(e.posts().len(), 3);
}

#[test]
fn broken_templates_are_refused_when_saved() {
    let e = Acme::new();
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "template": "line one\n{{ broken }"}),
    );
    r.assert_error(400, "api.incoming_webhook.template.app_error");
    assert!(
        r.json()["message"].as_str().unwrap().contains("line 2"),
        "{}",
        r.body
    );
    let hook = e.hook(json!({"template": "{{ text }}"}));
    let mut h = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(h["template"], "{{ text }}");
    h["template"] = json!("{% for %}");
    let r = e.admin.put(&format!("/api/v4/hooks/incoming/{hook}"), &h);
    r.assert_error(400, "api.incoming_webhook.template.app_error");
    let h = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(h["template"], "{{ text }}", "unchanged");
    // Event filters are checked too.
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "event_include": ["push", " "]}),
    );
    r.assert_error(400, "model.incoming_hook.event_filter.app_error");
}

#[test]
fn hook_secrets_are_write_only() {
    let e = Acme::new();
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "secret": SECRET}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!r.body.contains(SECRET));
    let h = r.json();
    assert_eq!(h["has_secret"], true);
    assert!(h.get("secret").is_none());
    let id = h["id"].as_str().unwrap().to_string();
    let got = e.admin.get(&format!("/api/v4/hooks/incoming/{id}"));
    assert!(!got.body.contains(SECRET));
    let listed = e.admin.get("/api/v4/hooks/incoming");
    assert!(!listed.body.contains(SECRET));
    // A PUT without `secret` (as Mattermost clients send it) keeps it; "" removes it.
    let mut body = got.json();
    body["display_name"] = json!("renamed");
    let r = e.admin.put(&format!("/api/v4/hooks/incoming/{id}"), &body);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["has_secret"], true);
    let f = fixture("github", "push");
    send(&e.ts, &format!("/hooks/{id}/github"), &f.headers, &f.body).assert_error(401, SIGNATURE);
    body["secret"] = json!("");
    let r = e.admin.put(&format!("/api/v4/hooks/incoming/{id}"), &body);
    assert_eq!(r.json()["has_secret"], false);
    let r = send(&e.ts, &format!("/hooks/{id}/github"), &f.headers, &f.body);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "secret": "x".repeat(256)}),
    );
    r.assert_error(400, "model.incoming_hook.secret.app_error");
}

#[test]
fn slack_payloads_work_as_before_and_need_the_secret_when_set() {
    let e = Acme::new();
    let hook = e.hook(json!({"event_include": ["push"]}));
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}"),
        &[("Content-Type".into(), "application/json".into())],
        br#"{"text": "hello", "attachments": [{"title": "t", "text": "a <https://x.example|link>"}]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let post = e.post(r.header("X-Post-Id").unwrap());
    assert_eq!(post["message"], "hello");
    assert_eq!(post["type"], "slack_attachment");
    // Slack markup is still translated for Slack payloads.
    assert_eq!(
        post["props"]["attachments"][0]["text"],
        "a [link](https://x.example)"
    );
    // Bodies that are neither Slack nor any tool's keep their Slack errors.
    send(&e.ts, &format!("/hooks/{hook}"), &[], b"{broken")
        .assert_error(400, "web.incoming_webhook.decode.app_error");
    send(&e.ts, &format!("/hooks/{hook}"), &[], b"{}")
        .assert_error(400, "web.incoming_webhook.general.app_error");
    // With a secret, a Slack payload carries it as a token.
    let locked = e.hook(json!({"secret": SECRET}));
    let body = br#"{"text": "signed"}"#;
    let r = send(&e.ts, &format!("/hooks/{locked}"), &[], body);
    r.assert_error(401, SIGNATURE);
    let r = send(&e.ts, &format!("/hooks/{locked}?token={SECRET}"), &[], body);
    assert_eq!(r.status, 200, "{}", r.body);
    let bearer = vec![("Authorization".to_string(), format!("Bearer {SECRET}"))];
    let r = send(&e.ts, &format!("/hooks/{locked}"), &bearer, body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(e.posts().len(), 3);
}

#[test]
fn preview_renders_without_posting() {
    let e = Acme::new();
    let hook = e.hook(json!({"display_name": "gh", "event_exclude": ["issues.*"]}));
    let preview = |query: &str, f: &Fixture| {
        let pairs: Vec<(&str, &str)> = f
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        e.admin.request(
            "POST",
            &format!("/api/v4/hooks/incoming/{hook}/preview{query}"),
            Some(("", f.body.clone())),
            &pairs,
        )
    };
    let f = fixture("github", "pull_request__opened");
    for query in ["?source=github", "", "?source=auto"] {
        let r = preview(query, &f);
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["source"], "github");
        assert_eq!(v["outcome"], "post");
        assert_eq!(v["event"], "pull_request.opened");
        assert_eq!(v["thread_key"], f.expected["thread_key"]);
        assert_eq!(v["post"]["channel_id"], e.dev.as_str());
        assert_eq!(v["post"]["root_id"], "");
        assert_post_matches(&v["post"], &f.expected, "preview");
    }
    assert!(e.posts().is_empty(), "a preview posts nothing");
    // Once the PR has a thread, the preview names its root.
    let r = send(&e.ts, &format!("/hooks/{hook}/github"), &f.headers, &f.body);
    let root = r.header("X-Post-Id").unwrap().to_string();
    let comment = fixture("github", "pull_request__closed");
    assert_eq!(
        preview("", &comment).json()["post"]["root_id"],
        root.as_str()
    );
    // Ignored and filtered events, a bad payload, an unknown source.
    let ping = preview("", &fixture("github", "ping")).json();
    assert_eq!(
        (ping["outcome"].clone(), ping["reason"].clone()),
        (json!("ignored"), json!("ping"))
    );
    let issue = preview("", &fixture("github", "issues__opened")).json();
    assert_eq!(issue["outcome"], "filtered");
    let jira = preview("?source=jira", &fixture("jira", "issue_created")).json();
    assert_eq!(jira["event"], "issue_created");
    let mut broken = f.clone();
    broken.body = b"{nope".to_vec();
    preview("?source=github", &broken).assert_error(400, PAYLOAD);
    preview("?source=nosuch", &f).assert_error(400, "api.webhook.integration.source.app_error");
    preview("?source=template", &f)
        .assert_error(400, "api.webhook.integration.no_template.app_error");
    let mut unknown = f.clone();
    unknown.headers.clear();
    unknown.body = br#"{"what": "ever"}"#.to_vec();
    preview("", &unknown).assert_error(400, "api.webhook.integration.source.app_error");
    // Templates preview too.
    let t = e.hook(json!({"template": "{{ sender.login }} did {{ action }}"}));
    let r = e.admin.request(
        "POST",
        &format!("/api/v4/hooks/incoming/{t}/preview?source=template"),
        Some(("application/json", f.body.clone())),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["post"]["message"], "Codertocat did opened");
    assert_eq!(r.json()["post"]["type"], "");
    // Hook managers only.
    let r = e.bob.request(
        "POST",
        &format!("/api/v4/hooks/incoming/{hook}/preview"),
        Some(("application/json", f.body.clone())),
        &[],
    );
    r.assert_error(403, "api.context.permissions.app_error");
    assert_eq!(e.posts().len(), 1);
}

fn form_encode(data: &[u8]) -> String {
    data.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn github_form_bodies_are_read_and_signed_as_sent() {
    let e = Acme::new();
    let hook = e.hook(json!({"secret": SECRET}));
    let f = fixture("github", "release__published");
    let body = format!("payload={}", form_encode(&f.body)).into_bytes();
    let headers = with_header(
        &f.headers,
        "Content-Type",
        "application/x-www-form-urlencoded",
    );
    // Signed over the form body as sent, not over the JSON inside it.
    let wrong = signed("github", SECRET, &f.body, &headers);
    send(&e.ts, &format!("/hooks/{hook}"), &wrong, &body).assert_error(401, SIGNATURE);
    let good = signed("github", SECRET, &body, &headers);
    let form = Fixture { body, ..f };
    let post = deliver_expected(&e, &format!("/hooks/{hook}"), &form, &good).unwrap();
    assert_eq!(post["root_id"], "");
}
