//! Hosted integrations end to end (`hooks/integration.rs`): `tools.rs` (native payloads of
//! every tool, signatures, threads, idempotency, filters, errors, secrets), `templates.rs`
//! (template hooks and the preview). Posts are checked through the REST API. Here: the
//! fixtures (`tests/fixtures/integrations/`), signing, sending and checking helpers they share.

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod templates;
mod tools;

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
