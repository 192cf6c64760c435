//! `api/commands.rs` and `commands/`: managing custom slash commands, executing them against a
//! real local command server, delayed responses through `response_url`, the built-in commands
//! (each checked through the REST API), and the real Python and Node clients.

use crate::common::*;
use perch::form::parse_query;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A server whose outgoing calls may reach 127.0.0.1 (the command servers of these tests).
fn server() -> TestServer {
    server_with(|_| {})
}

fn server_with(f: impl FnOnce(&mut perch::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.1".into();
        c.service.outgoing_integration_requests_timeout = 2;
        f(c);
    })
}

/// The shared fixture on `server()`, with bob in `dev` too.
fn fx() -> Acme {
    fx_on(server())
}

fn fx_on(ts: TestServer) -> Acme {
    Acme::on(ts).bob_joins_dev()
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// Creates a custom command and returns it.
fn create_cmd(c: &Client, tid: &str, trigger: &str, url: &str, method: &str) -> Value {
    let r = c.post(
        "/api/v4/commands",
        &json!({"team_id": tid, "trigger": trigger, "url": url, "method": method,
                "display_name": "Deploy", "description": "Deploys things",
                "auto_complete": true, "auto_complete_desc": "deploy it", "auto_complete_hint": "[env]"}),
    );
    assert_eq!(r.status, 201, "create command: {}", r.body);
    r.json()
}

fn exec(c: &Client, channel_id: &str, command: &str) -> Resp {
    c.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": channel_id, "command": command}),
    )
}

/// Executes and expects a 200, returning the CommandResponse.
fn run(c: &Client, channel_id: &str, command: &str) -> Value {
    let r = exec(c, channel_id, command);
    assert_eq!(r.status, 200, "{command}: {}", r.body);
    r.json()
}

/// The decoded form fields of a request body or query string.
fn form(raw: &str) -> Vec<(String, String)> {
    parse_query(raw)
}

fn field(f: &[(String, String)], k: &str) -> String {
    let v: Vec<&String> = f.iter().filter(|(a, _)| a == k).map(|(_, v)| v).collect();
    assert_eq!(v.len(), 1, "field {k} in {f:?}");
    v[0].clone()
}

fn all(f: &[(String, String)], k: &str) -> Vec<String> {
    f.iter()
        .filter(|(a, _)| a == k)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The newest post of a channel with this message, if any.
fn find_post(c: &Client, channel_id: &str, message: &str) -> Option<Value> {
    c.channel_posts(channel_id)
        .into_iter()
        .find(|p| p["message"] == message)
}

const COMMAND_RESPONSE_KEYS: &[&str] = &[
    "response_type",
    "text",
    "username",
    "channel_id",
    "icon_url",
    "type",
    "props",
    "goto_location",
    "trigger_id",
    "skip_slack_parsing",
    "attachments",
    "extra_responses",
];

// ---------------------------------------------------------------------------------------
// Management

#[test]
fn create_command_returns_201_with_token_and_lowercased_trigger() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "DeployIt", "http://example.com/x", "P");
    assert_eq!(c["trigger"], "deployit");
    assert_eq!(s(&c["id"]).len(), 26);
    assert_eq!(s(&c["token"]).len(), 26);
    assert_eq!(c["creator_id"], f.admin.id().as_str());
    assert_eq!(c["team_id"], f.tid.as_str());
    assert_eq!(c["method"], "P");
    assert_eq!(c["auto_complete"], true);
    assert_eq!(c["auto_complete_hint"], "[env]");
    assert_eq!(c["delete_at"], 0);
    assert!(c["create_at"].as_i64().unwrap() > 0);
    assert_eq!(c["create_at"], c["update_at"]);
    // The admin may create a command on behalf of another user.
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "forbob", "url": "http://e.com", "method": "G", "creator_id": f.bob.id()}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["creator_id"], f.bob.id().as_str());
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "ghost", "url": "http://e.com", "method": "G", "creator_id": "x".repeat(26)}),
    );
    r.assert_error(404, "app.user.missing_account.const");
}

#[test]
fn create_command_validation_errors() {
    let f = fx();
    let post = |body: Value| f.admin.post("/api/v4/commands", &body);
    let base =
        json!({"team_id": f.tid, "trigger": "ok", "url": "http://example.com", "method": "P"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (k, v, id) in [
        (
            "trigger",
            json!(""),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("/slash"),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("two words"),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("x".repeat(129)),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "method",
            json!("X"),
            "model.command.is_valid.method.app_error",
        ),
        (
            "method",
            json!(""),
            "model.command.is_valid.method.app_error",
        ),
        ("url", json!(""), "model.command.is_valid.url.app_error"),
        (
            "url",
            json!("ftp://example.com"),
            "model.command.is_valid.url_http.app_error",
        ),
        (
            "url",
            json!(format!("http://e.com/{}", "x".repeat(1024))),
            "model.command.is_valid.url.app_error",
        ),
        (
            "display_name",
            json!("d".repeat(65)),
            "model.command.is_valid.display_name.app_error",
        ),
        (
            "description",
            json!("d".repeat(129)),
            "model.command.is_valid.description.app_error",
        ),
    ] {
        post(with(k, v)).assert_error(400, id);
    }
    post(with("team_id", json!(""))).assert_error(400, "model.command.is_valid.team_id.app_error");
    // Bad JSON, and a field of the wrong type.
    f.admin
        .post_raw("/api/v4/commands", "application/json", b"{nope")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    post(with("auto_complete", json!("yes")))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Quirk: a client-supplied id is a 500.
    post(with("id", json!("a".repeat(26))))
        .assert_error(500, "app.command.createcommand.internal_error");
    // Triggers are unique per team, case-insensitively, and built-ins are reserved.
    assert_eq!(post(base.clone()).status, 201);
    post(with("trigger", json!("OK"))).assert_error(400, "api.command.duplicate_trigger.app_error");
    for builtin in ["echo", "join", "away", "Shrug", "settings"] {
        post(with("trigger", json!(builtin)))
            .assert_error(400, "api.command.duplicate_trigger.app_error");
    }
    // The same trigger is fine in another team.
    let other = s(&f.admin.create_team("other")["id"]);
    assert_eq!(post(with("team_id", json!(other))).status, 201);
}

#[test]
fn create_command_needs_manage_own_slash_commands() {
    let f = fx();
    let r = f.bob.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "mine", "url": "http://e.com", "method": "P"}),
    );
    r.assert_error(403, "api.context.permissions.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("manage_own_slash_commands"));
    // A team admin may.
    let r = f.admin.put(
        &format!("/api/v4/teams/{}/members/{}/roles", f.tid, f.bob.id()),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let c = create_cmd(&f.bob, &f.tid, "mine", "http://e.com", "P");
    assert_eq!(c["creator_id"], f.bob.id().as_str());
}

#[test]
fn create_command_disabled_is_501() {
    let f = fx_on(server_with(|c| c.service.enable_commands = false));
    f.admin
        .post(
            "/api/v4/commands",
            &json!({"team_id": f.tid, "trigger": "x", "url": "http://e.com", "method": "P"}),
        )
        .assert_error(501, "api.command.disabled.app_error");
    f.admin
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=true",
            f.tid
        ))
        .assert_error(501, "api.command.disabled.app_error");
    // Listing without custom_only still answers (built-ins only).
    let list = f
        .admin
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["trigger"] == "echo"));
    // Executing anything, built-ins included, is refused.
    exec(&f.admin, &f.town, "/echo hi").assert_error(501, "api.command.disabled.app_error");
}

#[test]
fn list_commands_custom_only_full_or_sanitized_with_builtins() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com/hook", "P");
    let quiet = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "quiet", "url": "http://e.com", "method": "G", "auto_complete": false}),
    );
    assert_eq!(quiet.status, 201);
    f.admin
        .get("/api/v4/commands")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Python sends booleans as `True`.
    let r = f.admin.get(&format!(
        "/api/v4/commands?team_id={}&custom_only=True",
        f.tid
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], c);
    assert_eq!(list[0]["token"], c["token"]);
    // Without custom_only: built-ins and the team's commands, sanitized.
    let list = f
        .admin
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=false",
            f.tid
        ))
        .json();
    let list = list.as_array().unwrap();
    let deploy = list.iter().find(|x| x["trigger"] == "deploy").unwrap();
    for k in [
        "token",
        "creator_id",
        "method",
        "url",
        "username",
        "icon_url",
    ] {
        assert_eq!(deploy[k], "", "{k} not blanked");
    }
    assert!(list.iter().any(|x| x["trigger"] == "quiet"));
    let echo = list.iter().find(|x| x["trigger"] == "echo").unwrap();
    assert_eq!(echo["auto_complete"], true);
    assert!(!s(&echo["auto_complete_desc"]).is_empty());
    // A plain member gets the autocomplete list: no `quiet`, nothing secret.
    let list = f
        .bob
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .json();
    let list = list.as_array().unwrap();
    assert!(list
        .iter()
        .any(|x| x["trigger"] == "deploy" && x["token"] == ""));
    assert!(!list.iter().any(|x| x["trigger"] == "quiet"));
    f.bob
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=true",
            f.tid
        ))
        .assert_error(403, "api.context.permissions.app_error");
    // Not in the team: no view_team.
    let carol = f.ts.user(&f.admin, "carol");
    carol
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn get_command_hides_existence_with_404() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    let id = s(&c["id"]);
    let r = f.admin.get(&format!("/api/v4/commands/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), c);
    f.bob
        .get(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    f.admin
        .get(&format!("/api/v4/commands/{}", "z".repeat(26)))
        .assert_error(404, "store.sql_command.save.get.app_error");
    f.admin
        .get("/api/v4/commands/short")
        .assert_error(400, "api.context.invalid_url_param.app_error");
}

#[test]
fn update_command_keeps_identity_and_checks_rules() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    create_cmd(&f.admin, &f.tid, "taken", "http://e.com", "P");
    let id = s(&c["id"]);
    let path = format!("/api/v4/commands/{id}");
    let mut body = c.clone();
    body["trigger"] = json!("Ship");
    body["method"] = json!("G");
    body["url"] = json!("https://e.com/ship");
    body["description"] = json!("ships");
    body["token"] = json!("t".repeat(26));
    body["creator_id"] = json!(f.bob.id());
    body["create_at"] = json!(1);
    let r = f.admin.put(&path, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    assert_eq!(u["trigger"], "ship");
    assert_eq!(u["method"], "G");
    assert_eq!(u["description"], "ships");
    assert_eq!(u["token"], c["token"]);
    assert_eq!(u["creator_id"], c["creator_id"]);
    assert_eq!(u["create_at"], c["create_at"]);
    assert_eq!(f.admin.get(&path).json(), u);
    // Errors.
    let mut wrong_id = u.clone();
    wrong_id["id"] = json!("y".repeat(26));
    f.admin
        .put(&path, &wrong_id)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut other_team = u.clone();
    other_team["team_id"] = json!("y".repeat(26));
    f.admin
        .put(&path, &other_team)
        .assert_error(400, "api.command.team_mismatch.app_error");
    let mut dup = u.clone();
    dup["trigger"] = json!("taken");
    f.admin
        .put(&path, &dup)
        .assert_error(400, "api.command.duplicate_trigger.app_error");
    dup["trigger"] = json!("help");
    f.admin
        .put(&path, &dup)
        .assert_error(400, "api.command.duplicate_trigger.app_error");
    let mut bad = u.clone();
    bad["method"] = json!("Z");
    f.admin
        .put(&path, &bad)
        .assert_error(400, "model.command.is_valid.method.app_error");
    f.bob
        .put(&path, &u)
        .assert_error(404, "store.sql_command.save.get.app_error");
}

#[test]
fn delete_and_regen_token() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    let id = s(&c["id"]);
    f.bob
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}))
        .assert_error(404, "store.sql_command.save.get.app_error");
    let r = f
        .admin
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let token = s(&r.json()["token"]);
    assert_eq!(token.len(), 26);
    assert_ne!(token, s(&c["token"]));
    assert_eq!(
        f.admin.get(&format!("/api/v4/commands/{id}")).json()["token"],
        token.as_str()
    );
    f.bob
        .delete(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    let r = f.admin.delete(&format!("/api/v4/commands/{id}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "OK"}));
    f.admin
        .get(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    // The trigger is free again.
    create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
}

#[test]
fn list_autocomplete_has_builtins_and_autocomplete_customs() {
    let f = fx();
    create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "hidden", "url": "http://e.com", "method": "P"}),
    );
    let r = f
        .bob
        .get(&format!("/api/v4/teams/{}/commands/autocomplete", f.tid));
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    let list = list.as_array().unwrap();
    let deploy = list.iter().find(|c| c["trigger"] == "deploy").unwrap();
    assert_eq!(deploy["token"], "");
    assert_eq!(deploy["url"], "");
    assert_eq!(deploy["auto_complete_desc"], "deploy it");
    assert!(!list.iter().any(|c| c["trigger"] == "hidden"));
    for t in [
        "away",
        "code",
        "collapse",
        "dnd",
        "echo",
        "expand",
        "groupmsg",
        "header",
        "help",
        "invite",
        "join",
        "kick",
        "leave",
        "logout",
        "me",
        "msg",
        "mute",
        "offline",
        "online",
        "open",
        "purpose",
        "remove",
        "rename",
        "search",
        "settings",
        "shortcuts",
        "shrug",
    ] {
        let b = list
            .iter()
            .find(|c| c["trigger"] == t)
            .unwrap_or_else(|| panic!("/{t} missing"));
        assert_eq!(b["auto_complete"], true);
        assert!(
            !s(&b["auto_complete_desc"]).is_empty(),
            "/{t} has no description"
        );
    }
    let echo = list.iter().find(|c| c["trigger"] == "echo").unwrap();
    assert!(s(&echo["auto_complete_hint"]).contains("delay"));
    let carol = f.ts.user(&f.admin, "carol");
    carol
        .get(&format!("/api/v4/teams/{}/commands/autocomplete", f.tid))
        .assert_error(403, "api.context.permissions.app_error");
    let r = f.bob.get(&format!(
        "/api/v4/teams/{}/commands/autocomplete_suggestions?user_input=/de",
        f.tid
    ));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([]));
}

// ---------------------------------------------------------------------------------------
// Executing custom commands

/// A command server answering every call with `reply`.
fn receiver(reply: Reply) -> MockReceiver {
    MockReceiver::start(move |_, _| reply.clone())
}

#[test]
fn execute_custom_post_sends_every_field_and_the_token() {
    let f = fx();
    let carol = f.ts.user(&f.admin, "carol");
    let _ = carol; // exists but is not in the team: not a mention
    let rx = receiver(Reply::json(json!({"text": "pong"})));
    let c = create_cmd(&f.admin, &f.tid, "Ping", &format!("{}/cmd", rx.url), "P");
    let r = run(
        &f.admin,
        &f.dev,
        "/PING  hello @bob. @carol ~off-topic ~dev @nobody",
    );
    let req = rx.next(20).expect("the command server was called");
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "/cmd");
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("Accept"), Some("application/json"));
    assert_eq!(req.header("User-Agent"), Some("Mattermost-Bot/1.1"));
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {}", s(&c["token"])).as_str())
    );
    let b = form(&req.body_str());
    assert_eq!(field(&b, "channel_id"), f.dev);
    assert_eq!(field(&b, "channel_name"), "dev");
    assert_eq!(field(&b, "command"), "/ping");
    assert_eq!(field(&b, "team_domain"), "acme");
    assert_eq!(field(&b, "team_id"), f.tid);
    assert_eq!(
        field(&b, "text"),
        " hello @bob. @carol ~off-topic ~dev @nobody"
    );
    assert_eq!(field(&b, "token"), s(&c["token"]));
    assert_eq!(field(&b, "user_id"), f.admin.id());
    assert_eq!(field(&b, "user_name"), "admin");
    assert_eq!(field(&b, "root_id"), "");
    let url = field(&b, "response_url");
    assert!(
        url.starts_with(&format!("{}/hooks/commands/", f.ts.url)),
        "{url}"
    );
    assert!(!field(&b, "trigger_id").is_empty());
    assert_eq!(all(&b, "user_mentions"), vec!["bob"]);
    assert_eq!(all(&b, "user_mentions_ids"), vec![f.bob.id()]);
    let mut chans = all(&b, "channel_mentions");
    chans.sort();
    assert_eq!(chans, vec!["dev", "off-topic"]);
    assert_eq!(all(&b, "channel_mentions_ids").len(), 2);
    // Keys are sorted, as Go's url.Values encodes them.
    let keys: Vec<&String> = b.iter().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The answer is ephemeral: returned, not stored.
    assert_eq!(r["text"], "pong");
    assert_eq!(r["response_type"], "");
    assert_eq!(s(&r["trigger_id"]).len(), 26);
    for k in COMMAND_RESPONSE_KEYS {
        assert!(r.get(k).is_some(), "{k} missing from {r}");
    }
    assert!(find_post(&f.admin, &f.dev, "pong").is_none());
}

#[test]
fn execute_custom_get_appends_the_query_and_sends_no_body() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "ephemeral", "text": "ok"}),
    ));
    let c = create_cmd(
        &f.admin,
        &f.tid,
        "look",
        &format!("{}/q?fixed=1", rx.url),
        "G",
    );
    let r = run(&f.bob, &f.town, "/look up");
    assert_eq!(r["text"], "ok");
    let req = rx.next(20).unwrap();
    assert_eq!(req.method, "GET");
    assert!(req.body.is_empty());
    let (path, query) = req.url.split_once('?').unwrap();
    assert_eq!(path, "/q");
    assert!(query.starts_with("fixed=1&"), "{query}");
    let q = form(query);
    assert_eq!(field(&q, "fixed"), "1");
    assert_eq!(field(&q, "text"), "up");
    assert_eq!(field(&q, "user_name"), "bob");
    assert_eq!(field(&q, "channel_name"), "town-square");
    assert_eq!(field(&q, "token"), s(&c["token"]));
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {}", s(&c["token"])).as_str())
    );
}

#[test]
fn execute_in_channel_posts_as_the_caller_in_the_thread() {
    let f = fx();
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel",
        "text": "<!channel> see <http://x.example/a|the doc>",
        "props": {"k": "v"},
    })));
    create_cmd(&f.admin, &f.tid, "say", &rx.url, "P");
    let r = run(&f.bob, &f.dev, "/say it");
    assert_eq!(r["text"], "@channel see [the doc](http://x.example/a)");
    let p = find_post(&f.bob, &f.dev, "@channel see [the doc](http://x.example/a)")
        .expect("the response was posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert_eq!(p["root_id"], "");
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["props"]["k"], "v");
    // Overrides are off by default.
    assert!(p["props"].get("override_username").is_none());
    // In a thread.
    let root = f.bob.create_post(&f.dev, "root");
    let root_id = s(&root["id"]);
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": f.dev, "command": "/say again", "team_id": f.tid, "root_id": root_id}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let first = form(&rx.next(20).unwrap().body_str());
    assert_eq!(field(&first, "root_id"), "");
    let second = form(&rx.next(20).unwrap().body_str());
    assert_eq!(field(&second, "root_id"), root_id);
    let thread = f.bob.get(&format!("/api/v4/posts/{root_id}/thread")).json();
    let replies: Vec<&Value> = thread["posts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|p| p["root_id"] == root_id.as_str())
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["user_id"], f.bob.id().as_str());
}

#[test]
fn execute_overrides_follow_config_and_the_command_wins() {
    let f = fx_on(server_with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    }));
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel", "text": "hi",
        "username": "from-response", "icon_url": "http://icons/resp.png",
    })));
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "named", "url": rx.url, "method": "P",
                "username": "from-command"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    run(&f.bob, &f.dev, "/named");
    let p = find_post(&f.bob, &f.dev, "hi").unwrap();
    assert_eq!(p["props"]["override_username"], "from-command");
    assert_eq!(p["props"]["override_icon_url"], "http://icons/resp.png");
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    // Without command overrides the response's apply.
    create_cmd(&f.admin, &f.tid, "plain", &rx.url, "P");
    let dev2 = s(&f.admin.create_channel(&f.tid, "dev2", "O")["id"]);
    run(&f.admin, &dev2, "/plain");
    let p = find_post(&f.admin, &dev2, "hi").unwrap();
    assert_eq!(p["props"]["override_username"], "from-response");
    // A built-in in_channel post gets the icon prop but no from_webhook.
    run(&f.admin, &dev2, "/shrug");
    let p = find_post(&f.admin, &dev2, r"¯\\\_(ツ)\_/¯").unwrap();
    assert_eq!(p["props"]["override_icon_url"], "");
    assert!(p["props"].get("from_webhook").is_none());
}

#[test]
fn execute_goto_location_extra_responses_and_attachments() {
    let f = fx();
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel",
        "text": "main",
        "goto_location": "https://example.com/somewhere",
        "attachments": [{"text": "<http://a.example|A> <!here>", "fields": [{"title": "n", "value": 5, "short": true}]}],
        "extra_responses": [
            {"response_type": "in_channel", "text": "extra one"},
            {"response_type": "ephemeral", "text": "only for you"},
            {"response_type": "in_channel", "text": "<!here> raw <u|l>", "skip_slack_parsing": true, "type": "custom_kind"},
        ],
    })));
    create_cmd(&f.admin, &f.tid, "multi", &rx.url, "P");
    let r = run(&f.bob, &f.dev, "/multi");
    assert_eq!(r["goto_location"], "https://example.com/somewhere");
    assert_eq!(r["extra_responses"].as_array().unwrap().len(), 3);
    let main = find_post(&f.bob, &f.dev, "main").unwrap();
    assert_eq!(main["type"], "slack_attachment");
    let att = &main["props"]["attachments"][0];
    assert_eq!(att["text"], "[A](http://a.example) @here");
    assert_eq!(att["fields"][0]["value"], "5");
    let one = find_post(&f.bob, &f.dev, "extra one").unwrap();
    assert!(one["create_at"].as_i64() >= main["create_at"].as_i64());
    assert!(find_post(&f.bob, &f.dev, "only for you").is_none());
    let raw = find_post(&f.bob, &f.dev, "<!here> raw <u|l>").unwrap();
    assert_eq!(raw["type"], "custom_kind");
}

#[test]
fn execute_response_channel_id_needs_membership() {
    let f = fx();
    let other = s(&f.admin.create_channel(&f.tid, "elsewhere", "O")["id"]);
    let target = other.clone();
    let rx = MockReceiver::start(move |_, _| {
        Reply::json(json!({"response_type": "in_channel", "text": "moved", "channel_id": target}))
    });
    create_cmd(&f.admin, &f.tid, "move", &rx.url, "P");
    run(&f.admin, &f.dev, "/move");
    assert!(find_post(&f.admin, &other, "moved").is_some());
    assert!(find_post(&f.admin, &f.dev, "moved").is_none());
    // bob is not in `elsewhere`.
    exec(&f.bob, &f.dev, "/move").assert_error(
        500,
        "api.command.execute_command.create_post_failed.app_error",
    );
}

#[test]
fn execute_response_with_system_type_is_400() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "in_channel", "text": "x", "type": "system_join_channel"}),
    ));
    create_cmd(&f.admin, &f.tid, "sys", &rx.url, "P");
    exec(&f.admin, &f.dev, "/sys").assert_error(400, "api.context.invalid_param.app_error");
    assert!(find_post(&f.admin, &f.dev, "x").is_none());
}

#[test]
fn execute_in_channel_text_over_the_limit_is_500() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "in_channel", "text": "x".repeat(16_384)}),
    ));
    create_cmd(&f.admin, &f.tid, "long", &rx.url, "P");
    exec(&f.admin, &f.dev, "/long").assert_error(
        500,
        "api.command.execute_command.create_post_failed.app_error",
    );
}

#[test]
fn execute_plain_text_and_html_answers_become_ephemeral_text() {
    let f = fx();
    let plain = receiver(Reply::text(200, "just text"));
    create_cmd(&f.admin, &f.tid, "plain", &plain.url, "P");
    let r = run(&f.admin, &f.dev, "/plain");
    assert_eq!(r["text"], "just text");
    assert_eq!(r["response_type"], "");
    let mut html = Reply::text(200, "<html><body>Login</body></html>");
    html.content_type = "text/html; charset=utf-8".into();
    let web = receiver(html);
    create_cmd(&f.admin, &f.tid, "web", &web.url, "P");
    let r = run(&f.admin, &f.dev, "/web");
    assert_eq!(r["text"], "<html><body>Login</body></html>");
    assert!(find_post(&f.admin, &f.dev, "just text").is_none());
}

#[test]
fn execute_garbage_json_or_error_status_is_500() {
    let f = fx();
    let mut garbage = Reply::text(200, "{not json");
    garbage.content_type = "application/json; charset=utf-8".into();
    let rx = receiver(garbage);
    create_cmd(&f.admin, &f.tid, "bad", &rx.url, "P");
    let r = exec(&f.admin, &f.dev, "/bad");
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    let rx2 = receiver(Reply::text(503, "down for maintenance"));
    create_cmd(&f.admin, &f.tid, "sick", &rx2.url, "P");
    let r = exec(&f.admin, &f.dev, "/sick");
    r.assert_error(500, "api.command.execute_command.failed_resp.app_error");
    // The integration's body is only in detailed_error (developer mode in tests).
    assert_eq!(r.json()["detailed_error"], "down for maintenance");
    assert!(!r.body.contains("sqlite"));
}

#[test]
fn execute_slow_command_times_out_quickly() {
    let f = fx_on(server_with(|c| {
        c.service.outgoing_integration_requests_timeout = 1
    }));
    let mut slow = Reply::json(json!({"text": "too late"}));
    slow.delay = Duration::from_secs(3);
    let rx = receiver(slow);
    create_cmd(&f.admin, &f.tid, "slow", &rx.url, "P");
    let started = Instant::now();
    let r = exec(&f.admin, &f.dev, "/slow");
    let took = started.elapsed();
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert!(rx.next(20).is_some());
}

#[test]
fn execute_blocked_or_unreachable_url_is_500() {
    // Default AllowedUntrustedInternalConnections: loopback is refused, nothing is sent.
    let f = fx_on(TestServer::start());
    let rx = receiver(Reply::json(json!({"text": "should not happen"})));
    create_cmd(&f.admin, &f.tid, "local", &rx.url, "P");
    let r = exec(&f.admin, &f.dev, "/local");
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("AllowedUntrustedInternalConnections"));
    assert!(rx.rx.recv_timeout(Duration::from_millis(300)).is_err());
    // A port nobody listens on.
    let f = fx();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    create_cmd(
        &f.admin,
        &f.tid,
        "down",
        &format!("http://127.0.0.1:{closed}/"),
        "P",
    );
    exec(&f.admin, &f.dev, "/down")
        .assert_error(500, "api.command.execute_command.failed.app_error");
}

#[test]
fn execute_request_errors() {
    let f = fx();
    for cmd in ["", "/", "echo hi"] {
        exec(&f.admin, &f.dev, cmd)
            .assert_error(400, "api.command.execute_command.start.app_error");
    }
    exec(&f.admin, "nope", "/echo hi")
        .assert_error(400, "api.command.execute_command.start.app_error");
    f.admin
        .post_raw("/api/v4/commands/execute", "application/json", b"[1]")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let missing = "q".repeat(26);
    exec(&f.admin, &missing, "/echo hi").assert_error(404, "app.channel.get.existing.app_error");
    exec(&f.bob, &missing, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    // A private channel bob is not in.
    let private = s(&f.admin.create_channel(&f.tid, "secret", "P")["id"]);
    exec(&f.bob, &private, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    let r = exec(&f.admin, &f.dev, &format!("/{}", "n".repeat(600)));
    r.assert_error(404, "api.command.execute_command.not_found.app_error");
    // Archived channel.
    let old = s(&f.admin.create_channel(&f.tid, "old", "O")["id"]);
    assert_eq!(
        f.admin.delete(&format!("/api/v4/channels/{old}")).status,
        200
    );
    exec(&f.admin, &old, "/echo hi").assert_error(400, "api.command.execute_command.deleted.error");
    // In a DM the team comes from the request and must be one of the caller's.
    let dm = f
        .admin
        .post(
            "/api/v4/channels/direct",
            &json!([f.admin.id(), f.bob.id()]),
        )
        .json();
    let dm = s(&dm["id"]);
    exec(&f.bob, &dm, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    exec(&f.admin, &dm, "/echo hi").assert_error(404, "app.team.get.find.app_error");
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": dm, "command": "/echo in the dm", "team_id": f.tid}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(find_post(&f.bob, &dm, "in the dm").is_some());
}

#[test]
fn execute_custom_commands_of_another_team_do_not_apply() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "x"})));
    let other = s(&f.admin.create_team("other")["id"]);
    create_cmd(&f.admin, &other, "elsewhere", &rx.url, "P");
    // Even when the body names the other team, a channel's own team is used.
    f.admin
        .post(
            "/api/v4/commands/execute",
            &json!({"channel_id": f.dev, "command": "/elsewhere", "team_id": other}),
        )
        .assert_error(404, "api.command.execute_command.not_found.app_error");
    assert!(rx.rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn execute_uses_the_regenerated_token_and_forgets_deleted_commands() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "x"})));
    let c = create_cmd(&f.admin, &f.tid, "tok", &rx.url, "P");
    let id = s(&c["id"]);
    let token = s(&f
        .admin
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}))
        .json()["token"]);
    run(&f.admin, &f.dev, "/tok");
    let req = rx.next(20).unwrap();
    assert_eq!(field(&form(&req.body_str()), "token"), token);
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {token}").as_str())
    );
    f.admin.delete(&format!("/api/v4/commands/{id}"));
    exec(&f.admin, &f.dev, "/tok")
        .assert_error(404, "api.command.execute_command.not_found.app_error");
}

// ---------------------------------------------------------------------------------------
// Delayed responses (response_url)

/// Runs `/later` (bob, in dev, optionally in a thread) and returns the response URL sent to
/// the command server.
fn response_url(f: &Acme, rx: &MockReceiver, root_id: &str) -> String {
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": f.dev, "command": "/later", "root_id": root_id}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    field(&form(&rx.next(20).unwrap().body_str()), "response_url")
}

fn post_to(url: &str, content_type: &str, body: &str) -> Resp {
    Client::new("", None).post_raw(url, content_type, body.as_bytes())
}

#[test]
fn response_url_posts_json_or_text_five_times() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "working on it"})));
    create_cmd(&f.admin, &f.tid, "later", &rx.url, "P");
    let root = s(&f.bob.create_post(&f.dev, "thread root")["id"]);
    let url = response_url(&f, &rx, &root);
    let r = post_to(
        &url,
        "application/json",
        &json!({"response_type": "in_channel", "text": "done <!here>"}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "ok");
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    let p = find_post(&f.bob, &f.dev, "done @here").expect("delayed response posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert_eq!(p["root_id"], root.as_str());
    assert_eq!(p["props"]["from_webhook"], "true");
    // Plain text is an ephemeral message: accepted, not stored.
    let r = post_to(&url, "text/plain", "just for bob");
    assert_eq!(r.status, 200);
    assert!(find_post(&f.bob, &f.dev, "just for bob").is_none());
    // Bad JSON is refused without using up the URL.
    post_to(&url, "application/json", "{oops")
        .assert_error(400, "web.command_webhook.parse.app_error");
    for i in 3..=5 {
        let r = post_to(
            &url,
            "application/json",
            &json!({"response_type": "in_channel", "text": format!("update {i}")}).to_string(),
        );
        assert_eq!(r.status, 200, "use {i}: {}", r.body);
    }
    assert!(find_post(&f.bob, &f.dev, "update 5").is_some());
    let r = post_to(
        &url,
        "application/json",
        &json!({"response_type": "in_channel", "text": "sixth"}).to_string(),
    );
    r.assert_error(400, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("app.command_webhook.try_use.invalid"));
    assert!(find_post(&f.bob, &f.dev, "sixth").is_none());
}

#[test]
fn response_url_unknown_or_deleted_command() {
    let f = fx();
    let rx = receiver(Reply::json(json!({})));
    let c = create_cmd(&f.admin, &f.tid, "later", &rx.url, "P");
    let url = response_url(&f, &rx, "");
    let r = post_to(
        &format!("{}/hooks/commands/{}", f.ts.url, "u".repeat(26)),
        "text/plain",
        "x",
    );
    r.assert_error(404, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("app.command_webhook.get.missing"));
    f.admin.delete(&format!("/api/v4/commands/{}", s(&c["id"])));
    let r = post_to(&url, "text/plain", "x");
    r.assert_error(400, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("web.command_webhook.command.app_error"));
    // Other methods and paths under /hooks/commands are not found.
    Client::new(&f.ts.url, None)
        .get(&url.replace(&f.ts.url, ""))
        .assert_error(404, "api.context.404.app_error");
}

// ---------------------------------------------------------------------------------------
// Built-in commands

fn status_of(c: &Client, uid: &str) -> Value {
    let r = c.get(&format!("/api/v4/users/{uid}/status"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[test]
fn builtin_status_commands_set_the_status() {
    let f = fx();
    assert_eq!(status_of(&f.bob, "me")["status"], "offline");
    for (cmd, want) in [
        ("/away", "away"),
        ("/dnd", "dnd"),
        ("/offline", "offline"),
        ("/online", "online"),
    ] {
        let r = run(&f.bob, &f.town, cmd);
        assert_eq!(r["response_type"], "ephemeral");
        assert!(!s(&r["text"]).is_empty());
        assert_eq!(r["trigger_id"], "");
        for k in COMMAND_RESPONSE_KEYS {
            assert!(r.get(k).is_some(), "{k} missing");
        }
        let st = status_of(&f.admin, &f.bob.id());
        assert_eq!(st["status"], want, "after {cmd}");
        assert_eq!(st["manual"], true);
        assert_eq!(st["user_id"], f.bob.id().as_str());
    }
    // Nothing was posted.
    assert!(f.bob.channel_posts(&f.town).is_empty());
}

#[test]
fn user_status_api() {
    let f = fx();
    let me = f.bob.id();
    let path = format!("/api/v4/users/{me}/status");
    let r = f.bob.put(&path, &json!({"user_id": me, "status": "away"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "away");
    assert_eq!(status_of(&f.bob, &me)["status"], "away");
    f.bob
        .put(&path, &json!({"user_id": me, "status": "napping"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    f.bob
        .put(&path, &json!({"user_id": f.admin.id(), "status": "away"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    f.bob
        .put(
            &format!("/api/v4/users/{}/status", f.admin.id()),
            &json!({"user_id": f.admin.id(), "status": "away"}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    let r = f.admin.put(&path, &json!({"user_id": me, "status": "dnd"}));
    assert_eq!(r.status, 200);
    assert_eq!(status_of(&f.bob, "me")["status"], "dnd");
}

#[test]
fn builtin_echo_posts_now_or_later_and_is_bounded() {
    let f = fx();
    let r = run(&f.bob, &f.dev, "/echo hello there");
    assert_eq!(r["text"], "");
    assert_eq!(r["response_type"], "");
    let p = find_post(&f.bob, &f.dev, "hello there").expect("echo posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert!(p["props"].get("from_webhook").is_none());
    // The delayed echo answers at once and posts later, from the timer thread.
    let started = Instant::now();
    run(&f.bob, &f.dev, "/echo \"see you soon\" 2");
    assert!(started.elapsed() < Duration::from_millis(1500));
    let early = find_post(&f.bob, &f.dev, "see you soon");
    if started.elapsed() < Duration::from_millis(1800) {
        assert!(early.is_none(), "posted before its delay");
    }
    let p = eventually(PATIENCE, "the delayed echo", || {
        find_post(&f.bob, &f.dev, "see you soon")
    });
    assert_eq!(p["user_id"], f.bob.id().as_str());
    let r = run(&f.bob, &f.dev, "/echo");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(!s(&r["text"]).is_empty());
    let r = run(&f.bob, &f.dev, "/echo too late 10001");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(find_post(&f.bob, &f.dev, "too late").is_none());
    // At most 100 echoes wait at once.
    for i in 0..100 {
        let r = run(&f.bob, &f.dev, &format!("/echo \"wait {i}\" 10000"));
        assert_eq!(r["text"], "", "echo {i}");
    }
    let r = run(&f.bob, &f.dev, "/echo \"one more\" 10000");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(!s(&r["text"]).is_empty());
}

#[test]
fn builtin_me_shrug_code_post_in_channel() {
    let f = fx();
    let r = run(&f.bob, &f.dev, "/me waves");
    assert_eq!(r["response_type"], "in_channel");
    let p = find_post(&f.bob, &f.dev, "*waves*").unwrap();
    assert_eq!(p["type"], "me");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    run(&f.bob, &f.dev, "/shrug oh well");
    assert!(find_post(&f.bob, &f.dev, r"oh well ¯\\\_(ツ)\_/¯").is_some());
    run(&f.bob, &f.dev, "/code fn main() {\n    <!here>\n}");
    assert!(find_post(&f.bob, &f.dev, "    fn main() {\n        <!here>\n    }").is_some());
    let r = run(&f.bob, &f.dev, "/code");
    assert_eq!(r["response_type"], "ephemeral");
    // In a thread.
    let root = s(&f.bob.create_post(&f.dev, "root")["id"]);
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": f.dev, "command": "/me replies", "root_id": root}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        find_post(&f.bob, &f.dev, "*replies*").unwrap()["root_id"],
        root.as_str()
    );
}

fn is_member(c: &Client, channel_id: &str, uid: &str) -> bool {
    c.get(&format!("/api/v4/channels/{channel_id}/members/{uid}"))
        .status
        == 200
}

#[test]
fn builtin_join_open_and_leave() {
    let f = fx();
    let news = s(&f.admin.create_channel(&f.tid, "news", "O")["id"]);
    let r = run(&f.bob, &f.town, "/join ~news");
    assert_eq!(
        r["goto_location"],
        format!("{}/acme/channels/news", f.ts.url).as_str()
    );
    assert!(is_member(&f.admin, &news, &f.bob.id()));
    let r = run(&f.bob, &news, "/leave");
    assert_eq!(
        r["goto_location"],
        format!("{}/acme/channels/town-square", f.ts.url).as_str()
    );
    assert!(!is_member(&f.admin, &news, &f.bob.id()));
    run(&f.bob, &f.town, "/open news");
    assert!(is_member(&f.admin, &news, &f.bob.id()));
    let r = run(&f.bob, &f.town, "/join ~nowhere");
    assert_eq!(r["response_type"], "ephemeral");
    assert_eq!(r["goto_location"], "");
    let secret = s(&f.admin.create_channel(&f.tid, "secret", "P")["id"]);
    let r = run(&f.bob, &f.town, "/join ~secret");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(!is_member(&f.admin, &secret, &f.bob.id()));
    let r = run(&f.bob, &f.town, "/leave");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(is_member(&f.admin, &f.town, &f.bob.id()));
}

#[test]
fn builtin_msg_and_groupmsg() {
    let f = fx();
    let carol = f.ts.user(&f.admin, "carol");
    f.admin.add_to_team(&f.tid, &carol.id());
    let r = run(&f.admin, &f.town, "/msg @bob hi bob");
    let goto = s(&r["goto_location"]);
    let mut ids = [f.admin.id(), f.bob.id()];
    ids.sort();
    assert_eq!(
        goto,
        format!("{}/acme/channels/{}__{}", f.ts.url, ids[0], ids[1])
    );
    let channels = f
        .bob
        .get(&format!("/api/v4/users/me/teams/{}/channels", f.tid))
        .json();
    let dm = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "D")
        .expect("the DM exists")
        .clone();
    let p = find_post(&f.bob, &s(&dm["id"]), "hi bob").unwrap();
    assert_eq!(p["user_id"], f.admin.id().as_str());
    for bad in ["/msg @nobody hi", "/msg @admin hi", "/msg"] {
        let r = run(&f.admin, &f.town, bad);
        assert_eq!(r["response_type"], "ephemeral", "{bad}");
        assert!(!s(&r["text"]).is_empty(), "{bad}");
    }
    // A group message with bob and carol.
    let r = run(&f.admin, &f.town, "/groupmsg @bob,@carol hello all");
    assert!(s(&r["goto_location"]).starts_with(&format!("{}/acme/channels/", f.ts.url)));
    let channels = carol_channels(&f, &carol)
        .into_iter()
        .filter(|c| c["type"] == "G")
        .collect::<Vec<_>>();
    assert_eq!(channels.len(), 1);
    let gm = s(&channels[0]["id"]);
    let members = carol.get(&format!("/api/v4/channels/{gm}/members")).json();
    assert_eq!(members.as_array().unwrap().len(), 3);
    assert!(find_post(&carol, &gm, "hello all").is_some());
    assert_eq!(channels[0]["display_name"], "admin, bob, carol");
    // The same people again: the same channel.
    run(&f.admin, &f.town, "/groupmsg @carol, @bob again");
    assert!(find_post(&carol, &gm, "again").is_some());
    // With one other user it is /msg.
    let r = run(&f.admin, &f.town, "/groupmsg @carol just us");
    assert!(s(&r["goto_location"]).contains("__"));
    let r = run(&f.admin, &f.town, "/groupmsg @bob,@ghost hi");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(s(&r["text"]).contains("ghost"));
}

/// The channels `carol` is in on team acme.
fn carol_channels(f: &Acme, carol: &Client) -> Vec<Value> {
    carol
        .get(&format!("/api/v4/users/me/teams/{}/channels", f.tid))
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn create_group_channel_api() {
    let f = fx();
    let carol = f.ts.user(&f.admin, "carol");
    let r = f
        .bob
        .post("/api/v4/channels/group", &json!([f.admin.id(), carol.id()]));
    assert_eq!(r.status, 201, "{}", r.body);
    let gm = r.json();
    assert_eq!(gm["type"], "G");
    assert_eq!(gm["team_id"], "");
    assert_eq!(s(&gm["name"]).len(), 40);
    let again = f
        .admin
        .post("/api/v4/channels/group", &json!([f.bob.id(), carol.id()]))
        .json();
    assert_eq!(again["id"], gm["id"]);
    f.bob
        .post("/api/v4/channels/group", &json!([f.admin.id()]))
        .assert_error(400, "api.channel.create_group.bad_size.app_error");
    f.bob
        .post(
            "/api/v4/channels/group",
            &json!([f.admin.id(), "x".repeat(26)]),
        )
        .assert_error(400, "api.channel.create_group.bad_user.app_error");
}

#[test]
fn builtin_invite_and_kick() {
    let f = fx();
    let carol = f.ts.user(&f.admin, "carol");
    f.admin.add_to_team(&f.tid, &carol.id());
    let secret = s(&f.admin.create_channel(&f.tid, "secret", "P")["id"]);
    let news = s(&f.admin.create_channel(&f.tid, "news", "O")["id"]);
    let r = run(&f.admin, &f.town, "/invite @bob @carol ~secret ~news");
    let text = s(&r["text"]);
    assert_eq!(r["response_type"], "ephemeral");
    assert_eq!(text.lines().count(), 4, "{text}");
    for ch in [&secret, &news] {
        assert!(is_member(&f.admin, ch, &f.bob.id()));
        assert!(is_member(&f.admin, ch, &carol.id()));
    }
    let r = run(&f.admin, &f.town, "/invite @bob ~secret");
    assert!(s(&r["text"]).contains("already"));
    // Into the current channel; someone outside the team cannot be added.
    let dave = f.ts.user(&f.admin, "dave");
    let r = run(&f.admin, &f.dev, "/invite @dave");
    assert!(!is_member(&f.admin, &f.dev, &dave.id()));
    assert!(s(&r["text"]).contains("dave"));
    let r = run(&f.admin, &f.dev, "/invite");
    assert_eq!(r["response_type"], "ephemeral");
    // Kick (any member of a channel may remove members by default).
    let r = run(&f.bob, &secret, "/kick @carol");
    assert_eq!(r["text"], "");
    assert!(!is_member(&f.admin, &secret, &carol.id()));
    run(&f.admin, &news, "/remove bob");
    assert!(!is_member(&f.admin, &news, &f.bob.id()));
    let r = run(&f.admin, &news, "/kick @bob");
    assert!(s(&r["text"]).contains("not a member"));
    let r = run(&f.admin, &f.town, "/kick @bob");
    assert_eq!(r["response_type"], "ephemeral");
    assert!(is_member(&f.admin, &f.town, &f.bob.id()));
}

#[test]
fn builtin_header_purpose_rename() {
    let f = fx();
    let path = format!("/api/v4/channels/{}", f.dev);
    assert_eq!(run(&f.bob, &f.dev, "/header New *header*")["text"], "");
    assert_eq!(f.bob.get(&path).json()["header"], "New *header*");
    run(&f.bob, &f.dev, "/purpose Talk about dev");
    assert_eq!(f.bob.get(&path).json()["purpose"], "Talk about dev");
    run(&f.bob, &f.dev, "/rename Development");
    assert_eq!(f.bob.get(&path).json()["display_name"], "Development");
    let r = run(&f.bob, &f.dev, &format!("/rename {}", "x".repeat(65)));
    assert_eq!(r["response_type"], "ephemeral");
    assert_eq!(f.bob.get(&path).json()["display_name"], "Development");
    for empty in ["/header", "/purpose", "/rename"] {
        assert_eq!(run(&f.bob, &f.dev, empty)["response_type"], "ephemeral");
    }
    // In a DM: the header works for members, purpose and rename do not.
    let dm = s(&f
        .bob
        .post(
            "/api/v4/channels/direct",
            &json!([f.bob.id(), f.admin.id()]),
        )
        .json()["id"]);
    let cmd = |c: &str| {
        let r = f.bob.post(
            "/api/v4/commands/execute",
            &json!({"channel_id": dm, "command": c, "team_id": f.tid}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    cmd("/header dm header");
    assert_eq!(
        f.bob.get(&format!("/api/v4/channels/{dm}")).json()["header"],
        "dm header"
    );
    assert_eq!(cmd("/purpose nope")["response_type"], "ephemeral");
    assert_eq!(cmd("/rename nope")["response_type"], "ephemeral");
    assert_eq!(
        f.bob.get(&format!("/api/v4/channels/{dm}")).json()["purpose"],
        ""
    );
}

#[test]
fn builtin_mute_toggles_mark_unread() {
    let f = fx();
    let member = |cid: &str| {
        f.bob
            .get(&format!("/api/v4/channels/{cid}/members/me"))
            .json()["notify_props"]["mark_unread"]
            .clone()
    };
    assert_eq!(member(&f.dev), "all");
    let r = run(&f.bob, &f.dev, "/mute");
    assert_eq!(r["response_type"], "ephemeral");
    assert_eq!(member(&f.dev), "mention");
    run(&f.bob, &f.dev, "/mute");
    assert_eq!(member(&f.dev), "all");
    run(&f.bob, &f.dev, "/mute ~town-square");
    assert_eq!(member(&f.town), "mention");
    assert_eq!(member(&f.dev), "all");
    let r = run(&f.bob, &f.dev, "/mute ~nowhere");
    assert!(s(&r["text"]).contains("nowhere"));
}

#[test]
fn builtin_expand_collapse_save_the_preference() {
    let f = fx();
    f.bob
        .get("/api/v4/users/me/preferences/display_settings")
        .assert_error(404, "api.preference.preferences_category.get.app_error");
    run(&f.bob, &f.dev, "/collapse");
    let prefs = f
        .bob
        .get("/api/v4/users/me/preferences/display_settings")
        .json();
    assert_eq!(
        prefs,
        json!([{"user_id": f.bob.id(), "category": "display_settings", "name": "collapse_previews", "value": "true"}])
    );
    let r = run(&f.bob, &f.dev, "/expand");
    assert_eq!(r["response_type"], "ephemeral");
    let prefs = f
        .bob
        .get(&format!("/api/v4/users/{}/preferences", f.bob.id()))
        .json();
    assert_eq!(prefs[0]["value"], "false");
    // The preferences API itself.
    let r = f.bob.put(
        "/api/v4/users/me/preferences",
        &json!([{"user_id": f.bob.id(), "category": "display_settings", "name": "collapse_previews", "value": "true"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        f.bob.get("/api/v4/users/me/preferences").json()[0]["value"],
        "true"
    );
    f.bob
        .put(
            "/api/v4/users/me/preferences",
            &json!([{"user_id": f.admin.id(), "category": "x", "name": "y", "value": "z"}]),
        )
        .assert_error(403, "api.context.permissions.app_error");
    f.bob
        .get(&format!("/api/v4/users/{}/preferences", f.admin.id()))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn builtin_help_logout_and_client_only_commands() {
    let f = fx_on(server_with(|c| {
        c.support.help_link = "https://help.example.com/perch".into()
    }));
    let r = run(&f.bob, &f.dev, "/help");
    assert_eq!(r["response_type"], "ephemeral");
    let text = s(&r["text"]);
    assert!(text.contains("https://help.example.com/perch"), "{text}");
    for t in ["/echo", "/join", "/msg", "/away"] {
        assert!(text.contains(t), "{t} missing from help");
    }
    let r = run(&f.bob, &f.dev, "/logout");
    assert_eq!(r["goto_location"], "/login");
    assert_eq!(r["text"], "");
    // The session is untouched: the client logs out.
    assert_eq!(f.bob.get("/api/v4/users/me").status, 200);
    for t in ["/settings", "/search foo", "/shortcuts"] {
        let r = run(&f.bob, &f.dev, t);
        assert_eq!(r["response_type"], "ephemeral");
        assert!(s(&r["text"]).contains("not supported"), "{t}");
    }
    assert!(f.bob.channel_posts(&f.dev).is_empty());
}

#[test]
fn builtin_trigger_is_case_insensitive_and_text_keeps_spaces() {
    let f = fx();
    run(&f.bob, &f.dev, "/ECHO  two spaces");
    assert!(find_post(&f.bob, &f.dev, " two spaces").is_some());
}

// ---------------------------------------------------------------------------------------
// Real clients: the Python mattermostdriver and Client4 create and execute a command.

/// A command server for the client scripts: answers in the channel with what it received.
fn reporting_command_server() -> MockReceiver {
    MockReceiver::start(|_, req| {
        let raw = if req.method == "GET" {
            req.url
                .split_once('?')
                .map(|(_, q)| q.to_string())
                .unwrap_or_default()
        } else {
            req.body_str()
        };
        let f = form(&raw);
        let get = |k: &str| {
            f.iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Reply::json(json!({
            "response_type": "in_channel",
            "text": format!("deployed: {} token={} method={}", get("text"), get("token"), req.method),
        }))
    })
}

fn clients_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/clients")
}

/// Runs a client script and checks it reported `ok`.
fn run_client_script(program: &std::path::Path, args: &[String]) {
    let stdout = crate::common::scripts::run(program, args, &[], "");
    assert!(stdout.contains("ok"), "stdout: {stdout}");
}

#[test]
fn real_mattermostdriver_creates_and_executes_a_command() {
    let python = clients_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-clients first",
        python.display()
    );
    let f = fx();
    let rx = reporting_command_server();
    let port = f.ts.url.rsplit(':').next().unwrap().to_string();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mmdriver_commands.py");
    run_client_script(
        &python,
        &[
            script.to_string_lossy().into_owned(),
            "http".into(),
            "127.0.0.1".into(),
            port,
            "admin".into(),
            "admin-password".into(),
            f.tid.clone(),
            f.dev.clone(),
            format!("{}/py", rx.url),
        ],
    );
    let req = rx
        .next(20)
        .expect("the driver's command reached the command server");
    assert_eq!(req.method, "POST");
}

#[test]
fn real_client4_creates_and_executes_a_command() {
    let modules = clients_dir().join("node/node_modules");
    assert!(
        modules.join("@mattermost/client").exists(),
        "{} has no @mattermost/client: run scripts/install-clients first",
        modules.display()
    );
    let f = fx();
    let rx = reporting_command_server();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/client4_commands.mjs");
    run_client_script(
        std::path::Path::new("node"),
        &[
            script.to_string_lossy().into_owned(),
            modules.to_string_lossy().into_owned(),
            f.ts.url.clone(),
            "admin".into(),
            "admin-password".into(),
            f.tid.clone(),
            f.dev.clone(),
            format!("{}/node", rx.url),
        ],
    );
    let req = rx
        .next(20)
        .expect("Client4's command reached the command server");
    assert_eq!(req.method, "GET");
}

#[test]
fn a_slow_command_url_holds_no_http_worker() {
    // One HTTP worker: were the command's call made on it, nothing else could be served until
    // the command answered, and this test would hang (the command answers only afterwards).
    let f = fx_on(server_with(|c| c.perch.http_workers = 1));
    let (arrived_tx, arrived_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (arrived_tx, release_rx) = (
        std::sync::Mutex::new(arrived_tx),
        std::sync::Mutex::new(release_rx),
    );
    let rx = MockReceiver::start(move |_, _| {
        arrived_tx.lock().unwrap().send(()).unwrap();
        let _ = release_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(20));
        Reply::json(json!({"response_type": "in_channel", "text": "late answer"}))
    });
    create_cmd(&f.admin, &f.tid, "slow", &rx.url, "P");
    let (bob, dev) = (f.bob.clone(), f.dev.clone());
    let caller = std::thread::spawn(move || run(&bob, &dev, "/slow"));
    arrived_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the command URL was called");
    // The call is outstanding; the only worker still serves.
    assert_eq!(f.admin.get("/api/v4/system/ping").status, 200);
    f.admin.create_post(&f.dev, "meanwhile");
    release_tx.send(()).unwrap();
    let r = caller.join().unwrap();
    assert_eq!(r["text"], "late answer");
    let p = find_post(&f.bob, &f.dev, "late answer").expect("the response was posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert!(find_post(&f.bob, &f.dev, "meanwhile").is_some());
}
