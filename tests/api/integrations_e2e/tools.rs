//! `hooks/integration.rs` with the translators of `integrations/`: every tool's fixtures
//! through `POST /hooks/{id}/<tool>` and detected on the plain `POST /hooks/{id}`, signatures
//! (right, wrong, missing; form bodies signed as sent), threads per object, delivery-id
//! idempotency, event filters, ping and unsupported events, malformed bodies, write-only
//! secrets, and Slack payloads unchanged.

use super::*;

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
