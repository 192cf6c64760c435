//! `api/incoming_hooks.rs` and `hooks/incoming.rs`: incoming-webhook management and the public
//! `POST /hooks/{id}` endpoint — encodings, payload fields, Slack translation, attachments,
//! splitting, every error, idempotency, the delivery log, the hook cache, concurrency.

use crate::common::*;
use serde_json::{json, Value};

fn create_hook(c: &Client, body: Value) -> Value {
    let r = c.post("/api/v4/hooks/incoming", &body);
    assert_eq!(r.status, 201, "create hook: {}", r.body);
    r.json()
}

fn send(ts: &TestServer, hook: &str, content_type: &str, body: &[u8]) -> Resp {
    ts.anon()
        .post_raw(&format!("/hooks/{hook}"), content_type, body)
}

fn send_json(ts: &TestServer, hook: &str, v: &Value) -> Resp {
    send(ts, hook, "application/json", v.to_string().as_bytes())
}

/// A successful call: 200, `ok`, text/plain; returns the post named by `X-Post-Id`.
fn sent_post(c: &Client, r: &Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "ok");
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    let id = r.header("X-Post-Id").expect("X-Post-Id");
    let p = c.get(&format!("/api/v4/posts/{id}"));
    assert_eq!(p.status, 200, "{}", p.body);
    p.json()
}

/// A webhook error: status, Mattermost's outer id, and the specific reason (in
/// `detailed_error`, which tests see because `EnableDeveloper` is on).
fn assert_hook_error(r: &Resp, status: u16, outer: &str, reason: &str) {
    r.assert_error(status, outer);
    let detail = r.json()["detailed_error"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with(reason),
        "detail {detail:?} should name {reason}"
    );
}

const GENERAL: &str = "web.incoming_webhook.general.app_error";
const DECODE: &str = "web.incoming_webhook.decode.app_error";

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn make_team_admin(admin: &Client, tid: &str, uid: &str) {
    let r = admin.put(
        &format!("/api/v4/teams/{tid}/members/{uid}/roles"),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

// ---------------------------------------------------------------------------------------------
// Management API
// ---------------------------------------------------------------------------------------------

#[test]
fn create_hook_returns_201_with_every_field() {
    let e = Acme::new();
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "CI", "description": "builds",
               "username": "ci-bot", "icon_url": "https://x/i.png"}),
    );
    assert_eq!(h["id"].as_str().unwrap().len(), 26);
    assert_eq!(h["channel_id"], e.dev.as_str());
    assert_eq!(h["team_id"], e.tid.as_str());
    assert_eq!(h["user_id"], e.admin.id().as_str());
    assert_eq!(h["display_name"], "CI");
    assert_eq!(h["description"], "builds");
    assert_eq!(h["channel_locked"], false);
    assert_eq!(h["delete_at"], 0);
    assert!(h["create_at"].as_i64().unwrap() > 0);
    // Overrides are off by default: username and icon are dropped, not refused.
    assert_eq!(h["username"], "");
    assert_eq!(h["icon_url"], "");
    let got = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{}", id_of(&h)))
        .json();
    assert_eq!(got, h);
}

#[test]
fn create_hook_keeps_overrides_when_config_allows() {
    let e = Acme::with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    });
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "username": "ci-bot", "icon_url": "https://x/i.png", "channel_locked": true}),
    );
    assert_eq!(h["username"], "ci-bot");
    assert_eq!(h["icon_url"], "https://x/i.png");
    assert_eq!(h["channel_locked"], true);
    e.admin
        .post(
            "/api/v4/hooks/incoming",
            &json!({"channel_id": e.dev, "username": "Bad Name"}),
        )
        .assert_error(400, "api.incoming_webhook.invalid_username.app_error");
    e.admin
        .post(
            "/api/v4/hooks/incoming",
            &json!({"channel_id": e.dev, "icon_url": "x".repeat(1025)}),
        )
        .assert_error(400, "model.incoming_hook.icon_url.app_error");
}

#[test]
fn create_hook_validation_errors() {
    let e = Acme::new();
    let a = &e.admin;
    a.post_raw("/api/v4/hooks/incoming", "application/json", b"{nope")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    a.post("/api/v4/hooks/incoming", &json!({"channel_id": 5}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    a.post("/api/v4/hooks/incoming", &json!({}))
        .assert_error(404, "app.channel.get.existing.app_error");
    a.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": "q".repeat(26)}),
    )
    .assert_error(404, "app.channel.get.existing.app_error");
    a.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "id": "x".repeat(26)}),
    )
    .assert_error(400, "app.webhooks.save_incoming.existing.app_error");
    a.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "display_name": "x".repeat(65)}),
    )
    .assert_error(400, "model.incoming_hook.display_name.app_error");
    a.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "description": "x".repeat(501)}),
    )
    .assert_error(400, "model.incoming_hook.description.app_error");
    // Usernames are only validated when they are kept (overrides on).
    assert_eq!(
        a.post(
            "/api/v4/hooks/incoming",
            &json!({"channel_id": e.dev, "username": "Bad Name"})
        )
        .status,
        201
    );
}

#[test]
fn create_hook_permissions_plain_user_403_team_admin_ok() {
    let e = Acme::new();
    let bob = &e.bob;
    bob.post("/api/v4/hooks/incoming", &json!({"channel_id": e.dev}))
        .assert_error(403, "api.context.permissions.app_error");
    make_team_admin(&e.admin, &e.tid, &bob.id());
    let h = create_hook(bob, json!({"channel_id": e.dev}));
    assert_eq!(h["user_id"], bob.id().as_str());
    // Team admins hold bypass_incoming_webhook_channel_lock: unlocked unless asked.
    assert_eq!(h["channel_locked"], false);
    // A private channel the team admin cannot read.
    let secret = e.admin.create_channel(&e.tid, "secret", "P");
    bob.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": id_of(&secret)}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    // For another user: needs manage_others (team admins have it) and an existing user.
    let h = create_hook(bob, json!({"channel_id": e.dev, "user_id": e.admin.id()}));
    assert_eq!(h["user_id"], e.admin.id().as_str());
    bob.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "user_id": "u".repeat(26)}),
    )
    .assert_error(404, "app.user.missing_account.const");
    // Not on the team at all.
    let carol = e.ts.user(&e.admin, "carol");
    carol
        .post("/api/v4/hooks/incoming", &json!({"channel_id": e.dev}))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn list_hooks_by_team_with_paging_and_total_count() {
    let e = Acme::new();
    let ids: Vec<String> = (0..3)
        .map(|i| {
            id_of(&create_hook(
                &e.admin,
                json!({"channel_id": e.dev, "display_name": format!("h{i}")}),
            ))
        })
        .collect();
    let r = e
        .admin
        .get(&format!("/api/v4/hooks/incoming?team_id={}", e.tid));
    assert_eq!(r.status, 200);
    let got: Vec<String> = r.json().as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(got, ids);
    let r = e.admin.get(&format!(
        "/api/v4/hooks/incoming?team_id={}&page=1&per_page=2",
        e.tid
    ));
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    assert_eq!(id_of(&r.json()[0]), ids[2]);
    let r = e.admin.get(&format!(
        "/api/v4/hooks/incoming?team_id={}&page=0&per_page=2&include_total_count=true",
        e.tid
    ));
    let v = r.json();
    assert_eq!(v["total_count"], 3);
    assert_eq!(v["incoming_webhooks"].as_array().unwrap().len(), 2);
    // System admins may list every team's hooks.
    assert_eq!(
        e.admin
            .get("/api/v4/hooks/incoming")
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Deleted hooks are left out.
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/hooks/incoming/{}", ids[0]))
            .status,
        200
    );
    let r = e.admin.get(&format!(
        "/api/v4/hooks/incoming?team_id={}&include_total_count=true",
        e.tid
    ));
    assert_eq!(r.json()["total_count"], 2);
    e.admin
        .get("/api/v4/hooks/incoming?team_id=bad")
        .assert_error(400, "api.context.invalid_url_param.app_error");
}

#[test]
fn list_hooks_permissions() {
    let e = Acme::new();
    create_hook(&e.admin, json!({"channel_id": e.dev}));
    e.bob
        .get(&format!("/api/v4/hooks/incoming?team_id={}", e.tid))
        .assert_error(403, "api.context.permissions.app_error");
    make_team_admin(&e.admin, &e.tid, &e.bob.id());
    // Team admins see the team's hooks (manage_others), but must name the team.
    let r = e
        .bob
        .get(&format!("/api/v4/hooks/incoming?team_id={}", e.tid));
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    e.bob
        .get("/api/v4/hooks/incoming")
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn get_update_delete_hook() {
    let e = Acme::new();
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "old"}),
    );
    let hid = id_of(&h);
    let path = format!("/api/v4/hooks/incoming/{hid}");
    e.admin
        .get("/api/v4/hooks/incoming/bad")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    e.admin
        .get(&format!("/api/v4/hooks/incoming/{}", "z".repeat(26)))
        .assert_error(404, "app.webhooks.get_incoming.app_error");
    e.bob
        .get(&path)
        .assert_error(403, "api.context.permissions.app_error");

    let mut body = h.clone();
    body["display_name"] = json!("new");
    body["channel_id"] = json!(e.town);
    body["description"] = json!("d");
    body["user_id"] = json!("ignored");
    let r = e.admin.put(&path, &body);
    // Mattermost's server answers 201 on update (its API reference says 200).
    assert_eq!(r.status, 201, "{}", r.body);
    let u = r.json();
    assert_eq!(u["display_name"], "new");
    assert_eq!(u["channel_id"], e.town.as_str());
    assert_eq!(u["user_id"], e.admin.id().as_str());
    assert_eq!(u["create_at"], h["create_at"]);
    assert!(u["update_at"].as_i64() >= h["update_at"].as_i64());
    assert_eq!(e.admin.get(&path).json()["display_name"], "new");

    let mut wrong = body.clone();
    wrong["id"] = json!("y".repeat(26));
    e.admin
        .put(&path, &wrong)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut other_team = body.clone();
    other_team["team_id"] = json!("t".repeat(26));
    e.admin
        .put(&path, &other_team)
        .assert_error(400, "api.webhook.team_mismatch.app_error");
    let t2 = e.admin.create_team("other");
    let foreign = e
        .admin
        .get(&format!(
            "/api/v4/teams/{}/channels/name/town-square",
            id_of(&t2)
        ))
        .json();
    let mut moved = body.clone();
    moved["channel_id"] = json!(id_of(&foreign));
    e.admin
        .put(&path, &moved)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut long = body.clone();
    long["display_name"] = json!("x".repeat(65));
    e.admin
        .put(&path, &long)
        .assert_error(400, "model.incoming_hook.display_name.app_error");
    e.bob
        .put(&path, &body)
        .assert_error(403, "api.context.permissions.app_error");

    e.bob
        .delete(&path)
        .assert_error(403, "api.context.permissions.app_error");
    let r = e.admin.delete(&path);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "OK"}));
    e.admin
        .get(&path)
        .assert_error(404, "app.webhooks.get_incoming.app_error");
    e.admin
        .delete(&path)
        .assert_error(404, "app.webhooks.get_incoming.app_error");
}

#[test]
fn team_admin_manages_others_hooks_and_owner_manages_own() {
    let e = Acme::new();
    make_team_admin(&e.admin, &e.tid, &e.bob.id());
    let mine = create_hook(&e.bob, json!({"channel_id": e.dev}));
    let admins = create_hook(&e.admin, json!({"channel_id": e.dev}));
    assert_eq!(
        e.bob
            .get(&format!("/api/v4/hooks/incoming/{}", id_of(&admins)))
            .status,
        200
    );
    assert_eq!(
        e.bob
            .get(&format!("/api/v4/hooks/incoming/{}", id_of(&mine)))
            .status,
        200
    );
    // Demoted, bob can no longer manage anything on the team.
    let r = e.admin.put(
        &format!("/api/v4/teams/{}/members/{}/roles", e.tid, e.bob.id()),
        &json!({"roles": "team_user"}),
    );
    assert_eq!(r.status, 200);
    e.bob
        .get(&format!("/api/v4/hooks/incoming/{}", id_of(&mine)))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn disabled_incoming_webhooks_answer_501() {
    let e = Acme::with(|c| c.service.enable_incoming_webhooks = false);
    // Permission checks come first.
    e.bob
        .post("/api/v4/hooks/incoming", &json!({"channel_id": e.dev}))
        .assert_error(403, "api.context.permissions.app_error");
    e.admin
        .post("/api/v4/hooks/incoming", &json!({"channel_id": e.dev}))
        .assert_error(501, "api.incoming_webhook.disabled.app_error");
    e.admin
        .get(&format!("/api/v4/hooks/incoming?team_id={}", e.tid))
        .assert_error(501, "api.incoming_webhook.disabled.app_error");
    e.admin
        .get(&format!("/api/v4/hooks/incoming/{}", "h".repeat(26)))
        .assert_error(501, "api.incoming_webhook.disabled.app_error");
    let r = send_json(&e.ts, &"h".repeat(26), &json!({"text": "x"}));
    assert_hook_error(&r, 501, GENERAL, "web.incoming_webhook.disabled.app_error");
}

#[test]
fn archiving_a_channel_deletes_its_hooks() {
    let e = Acme::new();
    let h = create_hook(&e.admin, json!({"channel_id": e.dev}));
    let other = create_hook(&e.admin, json!({"channel_id": e.town}));
    let hid = id_of(&h);
    // Warm the cache, then archive.
    sent_post(
        &e.admin,
        &send_json(&e.ts, &hid, &json!({"text": "before"})),
    );
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/channels/{}", e.dev))
            .status,
        200
    );
    e.admin
        .get(&format!("/api/v4/hooks/incoming/{hid}"))
        .assert_error(404, "app.webhooks.get_incoming.app_error");
    let r = send_json(&e.ts, &hid, &json!({"text": "after"}));
    assert_hook_error(&r, 400, GENERAL, "web.incoming_webhook.invalid.app_error");
    assert_eq!(
        e.admin
            .get(&format!("/api/v4/hooks/incoming/{}", id_of(&other)))
            .status,
        200
    );
}

// ---------------------------------------------------------------------------------------------
// POST /hooks/{id}: encodings
// ---------------------------------------------------------------------------------------------

#[test]
fn post_hook_plain_json_fixture_with_overrides() {
    let e = Acme::with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    });
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "Deploys"}),
    );
    let r = send(
        &e.ts,
        &id_of(&h),
        "application/json",
        &fixture("plain_text.json"),
    );
    let p = sent_post(&e.admin, &r);
    // "channel": "town-square" moves the post (the hook is unlocked).
    assert_eq!(p["channel_id"], e.town.as_str());
    assert_eq!(p["user_id"], e.admin.id().as_str());
    assert_eq!(
        p["message"],
        "Deploy of *acme-api* `v1.4.2` to production finished :tada:\nChangelog: \
         [v1.4.1...v1.4.2](https://git.example.com/acme/api/compare/v1.4.1...v1.4.2) (ping @here)"
    );
    assert_eq!(p["type"], "");
    assert_eq!(p["root_id"], "");
    assert_eq!(
        p["props"],
        json!({"from_webhook": "true", "webhook_display_name": "Deploys",
               "override_username": "deploy-bot", "override_icon_emoji": ":rocket:"})
    );
}

#[test]
fn post_hook_accepts_every_encoding() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let body = br#"{"text": "hello"}"#;
    for ct in [
        "application/json",
        "application/json;charset=utf-8",
        "APPLICATION/JSON; charset=\"UTF-8\"",
        "",
        "text/plain",
    ] {
        let p = sent_post(&e.admin, &send(&e.ts, &hid, ct, body));
        assert_eq!(p["message"], "hello", "content type {ct:?}");
    }
    // Form-encoded `payload=` (the exact fixture body).
    let p = sent_post(
        &e.admin,
        &send(
            &e.ts,
            &hid,
            "application/x-www-form-urlencoded",
            &fixture("form_encoded_payload.txt"),
        ),
    );
    let decoded: Value =
        serde_json::from_slice(&fixture("form_encoded_payload.decoded.json")).unwrap();
    assert_eq!(p["message"], decoded["text"]);
    // The form's payload may come from the query string.
    let q = format!("payload={}", "%7B%22text%22%3A%22from+query%22%7D");
    let r = e.ts.anon().post_raw(
        &format!("/hooks/{hid}?{q}"),
        "application/x-www-form-urlencoded",
        b"",
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "from query");
    // Multipart with a `payload` field.
    let mp = |fields: &[(&str, &str)]| {
        let mut b = String::new();
        for (k, v) in fields {
            b.push_str(&format!(
                "--BOUND\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        b.push_str("--BOUND--\r\n");
        b.into_bytes()
    };
    let ct = "multipart/form-data; boundary=BOUND";
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("payload", r#"{"text": "multi\npart"}"#)]),
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "multi\npart");
    // Multipart with Mattermost's form field names.
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("text", "fields"), ("channelname", "town-square")]),
    );
    let p = sent_post(&e.admin, &r);
    assert_eq!(
        (p["message"].as_str(), p["channel_id"].as_str()),
        (Some("fields"), Some(e.town.as_str()))
    );
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("text", "x"), ("attachments", "[]")]),
    );
    assert_hook_error(&r, 400, DECODE, "model.incoming_hook.parse_data.app_error");
    // Raw newlines and tabs inside JSON strings are tolerated, as Slack and Mattermost do.
    let r = send(
        &e.ts,
        &hid,
        "application/json",
        b"{\"text\": \"line 1\nline\t2\"}",
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "line 1\nline\t2");
    // matterhook sends `"text": null` with attachments.
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": null, "attachments": [{"text": "a"}]}),
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "");
}

#[test]
fn post_hook_decoding_errors() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let before = e.admin.channel_posts(&e.dev).len();
    let cases: &[(&str, &[u8], &str, &str)] = &[
        (
            "application/",
            b"{}",
            "web.incoming_webhook.media_type.app_error",
            "web.incoming_webhook.media_type.app_error",
        ),
        (
            "application/x-www-form-urlencoded",
            b"payload=%zz",
            "web.incoming_webhook.parse_form.app_error",
            "web.incoming_webhook.parse_form.app_error",
        ),
        (
            "application/x-www-form-urlencoded",
            b"other=1",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "multipart/form-data",
            b"--x\r\n",
            "web.incoming_webhook.parse_multipart.app_error",
            "web.incoming_webhook.parse_multipart.app_error",
        ),
        (
            "multipart/form-data; boundary=x",
            b"garbage",
            "web.incoming_webhook.parse_multipart.app_error",
            "web.incoming_webhook.parse_multipart.app_error",
        ),
        (
            "application/json",
            b"{\"text\": ",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            b"{\"text\": 5}",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            b"[\"text\"]",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            br#"{"text": "x", "attachments": [{"fields": [{"short": "maybe"}]}]}"#,
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            br#"{"text": "x", "attachments": {"text": "x"}}"#,
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "",
            b"payload={\"text\": \"x\"}",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
    ];
    for (ct, body, outer, reason) in cases {
        let r = send(&e.ts, &hid, ct, body);
        assert_eq!(
            r.status,
            400,
            "{ct} {:?}: {}",
            String::from_utf8_lossy(body),
            r.body
        );
        assert_hook_error(&r, 400, outer, reason);
    }
    assert_eq!(e.admin.channel_posts(&e.dev).len(), before);
}

#[test]
fn post_hook_body_over_the_limit_is_400() {
    let e = Acme::with(|c| c.service.maximum_payload_size_bytes = 1000);
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let r = send_json(&e.ts, &hid, &json!({"text": "x".repeat(2000)}));
    r.assert_error(400, DECODE);
}

// ---------------------------------------------------------------------------------------------
// POST /hooks/{id}: errors
// ---------------------------------------------------------------------------------------------

#[test]
fn post_hook_errors_have_mattermost_status_and_ids() {
    let e = Acme::new();
    let h = create_hook(&e.admin, json!({"channel_id": e.dev}));
    let hid = id_of(&h);
    let unknown = "u".repeat(26);
    let general =
        |r: Resp, status: u16, reason: &str| assert_hook_error(&r, status, GENERAL, reason);

    general(
        send_json(&e.ts, &unknown, &json!({"text": "x"})),
        400,
        "web.incoming_webhook.invalid.app_error",
    );
    general(
        send_json(&e.ts, "short", &json!({"text": "x"})),
        400,
        "web.incoming_webhook.invalid.app_error",
    );
    // The empty-message check comes before the hook lookup.
    general(
        send_json(&e.ts, &unknown, &json!({})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": ""})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"attachments": []})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"attachments": [null]})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "@nobody"})),
        400,
        "web.incoming_webhook.user.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "#nowhere"})),
        404,
        "web.incoming_webhook.channel.app_error",
    );
    let old = e.admin.create_channel(&e.tid, "old", "O");
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/channels/{}", id_of(&old)))
            .status,
        200
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "old"})),
        404,
        "web.incoming_webhook.channel.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "type": "system_join_channel"}),
        ),
        400,
        "api.context.invalid_param.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "type": "weird"})),
        500,
        "api.post.create_webhook_post.creating.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "priority": {"requested_ack": true}}),
        ),
        400,
        "api.context.invalid_param.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "root_id": "r".repeat(26)}),
        ),
        400,
        "api.post.create_post.root_id.app_error",
    );

    // Locked hooks cannot move; private channels need the owner's membership.
    let locked = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "channel_locked": true}),
    ));
    general(
        send_json(
            &e.ts,
            &locked,
            &json!({"text": "x", "channel": "town-square"}),
        ),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    );
    general(
        send_json(&e.ts, &locked, &json!({"text": "x", "channel": "@bob"})),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    );
    assert_eq!(
        send_json(&e.ts, &locked, &json!({"text": "x", "channel": "dev"})).status,
        200
    );
    e.admin.create_channel(&e.tid, "secret", "P");
    let bobs = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "user_id": e.bob.id()}),
    ));
    general(
        send_json(&e.ts, &bobs, &json!({"text": "x", "channel": "secret"})),
        403,
        "web.incoming_webhook.permissions.app_error",
    );
    // The hook's owner needs no membership of a public channel.
    assert_eq!(
        send_json(&e.ts, &bobs, &json!({"text": "x", "channel": "dev"})).status,
        200
    );

    // Other methods and deeper paths are not webhook endpoints.
    assert_eq!(e.ts.anon().get(&format!("/hooks/{hid}")).status, 404);
    // (`/hooks/{id}/github` and the other tools are `integrations_e2e.rs`'s.)
    for path in [
        format!("/hooks/{hid}/nosuchtool"),
        format!("/hooks/{hid}/github/x"),
    ] {
        let r = e.ts.anon().post_raw(&path, "application/json", b"{}");
        r.assert_error(404, "api.context.404.app_error");
    }
    // A failed call created nothing.
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 2);
    assert_eq!(e.admin.channel_posts(&e.town).len(), 0);
}

// ---------------------------------------------------------------------------------------------
// POST /hooks/{id}: payload fields
// ---------------------------------------------------------------------------------------------

#[test]
fn post_hook_props_and_overrides_off_by_default() {
    let e = Acme::new();
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "Hook"}),
    );
    let r = send_json(
        &e.ts,
        &id_of(&h),
        &json!({"text": "x", "username": "u", "icon_url": "https://i", "icon_emoji": ":e:",
                "props": {"card": "**md**", "from_webhook": "no", "override_username": "z",
                          "override_icon_url": "z", "attachments": [{"text": "dropped"}],
                          "webhook_display_name": "spoof", "n": {"k": [1]}}}),
    );
    let p = sent_post(&e.admin, &r);
    assert_eq!(
        p["props"],
        json!({"from_webhook": "true", "webhook_display_name": "Hook", "card": "**md**", "n": {"k": [1]}})
    );
    assert_eq!(p["type"], "");
}

#[test]
fn post_hook_overrides_when_enabled() {
    let e = Acme::with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    });
    let plain = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let p = sent_post(&e.admin, &send_json(&e.ts, &plain, &json!({"text": "x"})));
    // Without any name the post still shows an override: the literal "webhook".
    assert_eq!(p["props"]["override_username"], "webhook");
    assert!(p["props"].get("override_icon_url").is_none());
    let styled = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "username": "hookname", "icon_url": "https://hook/icon"}),
    ));
    let p = sent_post(&e.admin, &send_json(&e.ts, &styled, &json!({"text": "x"})));
    assert_eq!(p["props"]["override_username"], "hookname");
    assert_eq!(p["props"]["override_icon_url"], "https://hook/icon");
    let p = sent_post(
        &e.admin,
        &send_json(
            &e.ts,
            &styled,
            &json!({"text": "x", "username": "payload", "icon_url": "https://p", "icon_emoji": "tada"}),
        ),
    );
    assert_eq!(p["props"]["override_username"], "payload");
    assert_eq!(p["props"]["override_icon_url"], "https://p");
    assert_eq!(p["props"]["override_icon_emoji"], "tada");
}

#[test]
fn post_hook_channel_names_and_direct_messages() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let in_channel = |channel: &str| {
        let p = sent_post(
            &e.admin,
            &send_json(&e.ts, &hid, &json!({"text": channel, "channel": channel})),
        );
        p["channel_id"].as_str().unwrap().to_string()
    };
    assert_eq!(in_channel("town-square"), e.town);
    assert_eq!(in_channel("#town-square"), e.town);
    assert_eq!(in_channel("dev"), e.dev);
    // `@user`: the direct channel between the hook's owner and that user, created if needed.
    let dm = in_channel("@bob");
    let ch = e.admin.get(&format!("/api/v4/channels/{dm}")).json();
    assert_eq!(ch["type"], "D");
    let mut pair = [e.admin.id(), e.bob.id()];
    pair.sort();
    assert_eq!(ch["name"], format!("{}__{}", pair[0], pair[1]));
    assert_eq!(e.bob.channel_posts(&dm).len(), 1);
    assert_eq!(in_channel("@bob"), dm);
    // A DM channel's name works too, as does the owner's own name (self-DM).
    assert_eq!(in_channel(ch["name"].as_str().unwrap()), dm);
    let own = in_channel("@admin");
    assert_ne!(own, dm);
    assert_eq!(
        e.admin.get(&format!("/api/v4/channels/{own}")).json()["name"],
        format!("{0}__{0}", e.admin.id())
    );
    // A call refused after the channel was resolved creates no direct channel either.
    let carol = e.ts.user(&e.admin, "carol");
    let root = e.admin.create_post(&e.dev, "root");
    for bad in [
        json!({"text": "x", "channel": "@carol", "root_id": root["id"]}),
        json!({"text": "x", "channel": "@carol", "type": "weird"}),
    ] {
        assert!(send_json(&e.ts, &hid, &bad).status >= 400);
    }
    let theirs = e.admin.get(&format!(
        "/api/v4/users/{}/teams/{}/channels",
        carol.id(),
        e.tid
    ));
    assert_eq!(theirs.json(), json!([]));
}

#[test]
fn post_hook_attachments_fixture() {
    let e = Acme::new();
    let alice = e.ts.user(&e.admin, "alice");
    let hid = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "CI"}),
    ));
    let r = send(
        &e.ts,
        &hid,
        "application/json",
        &fixture("attachments_fields_colors.json"),
    );
    let p = sent_post(&e.admin, &r);
    assert_eq!(p["type"], "slack_attachment");
    assert_eq!(
        p["message"],
        "Nightly build report for [acme-api](https://ci.example.com/job/acme-api/)"
    );
    let a = p["props"]["attachments"].as_array().unwrap();
    assert_eq!(a.len(), 3);
    let first = &a[0];
    assert_eq!(first["color"], "good");
    assert_eq!(first["author_name"], "alice");
    assert_eq!(
        first["title_link"],
        "https://ci.example.com/job/acme-api/43/"
    );
    assert_eq!(first["ts"], 1718003600);
    assert_eq!(first["id"], 0);
    assert_eq!(first["image_url"], "");
    assert!(first.get("mrkdwn_in").is_none());
    assert_eq!(
        first["fields"][0],
        json!({"title": "Branch", "value": "main", "short": true})
    );
    assert_eq!(
        first["fields"][2]["value"],
        "[0a1b2c3](https://git.example.com/acme/api/commit/0a1b2c3) Fix login quoting"
    );
    assert_eq!(first["fields"][2]["short"], false);
    assert_eq!(a[1]["color"], "#D00000");
    assert_eq!(
        a[1]["thumb_url"],
        "https://ci.example.com/job/acme-web/17/thumb.png"
    );
    assert_eq!(
        a[1]["text"],
        "Failed tests:\n• LoginTest.testQuotes\n• CartTest.testTotals"
    );
    assert_eq!(a[2]["fields"], Value::Null);
    assert_eq!(a[2]["ts"], Value::Null);
    // `<@alice>` names an existing user: it becomes a mention; the bare `&` stays.
    assert_eq!(
        a[2]["text"],
        "Coverage dropped from 81.2% to 79.8% & needs a look @alice"
    );
    assert_eq!(alice.id().len(), 26);
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["props"]["webhook_display_name"], "CI");
}

#[test]
fn post_hook_slack_markup_is_translated() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let bob = e.bob.id();
    let text = format!(
        "<!channel> <!here> <!everyone> <@{bob}> <@U0NOTHERE> <https://x.io/a?b=1&amp;c=2|docs> \
         <https://plain.io> 1 &lt; 2 &amp;&amp; 3 &gt; 2"
    );
    let p = sent_post(
        &e.admin,
        &send_json(
            &e.ts,
            &hid,
            &json!({"text": text, "attachments": [
                {"pretext": "<!here> pre", "title": "<@bob> &amp; title", "text": "<https://t|multi\nline>",
                 "fields": [{"title": "F", "value": "<!channel> <https://v|V>"}, {"title": "N", "value": 42}],
                 "actions": [{"name": "Approve", "integration": {"url": "http://localhost/x"}}]}
            ]}),
        ),
    );
    assert_eq!(
        p["message"],
        "@channel @here @all @bob <@U0NOTHERE> [docs](https://x.io/a?b=1&c=2) <https://plain.io> 1 < 2 && 3 > 2"
    );
    let a = &p["props"]["attachments"][0];
    assert_eq!(a["pretext"], "@here pre");
    assert_eq!(a["title"], "@bob & title");
    assert_eq!(a["text"], "[multi\nline](https://t)");
    assert_eq!(a["fields"][0]["value"], "@channel [V](https://v)");
    assert_eq!(a["fields"][1]["value"], "42");
    assert_eq!(a["actions"][0]["id"].as_str().unwrap().len(), 26);
}

#[test]
fn post_hook_splits_long_text_with_attachments_on_the_last_post() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let text = format!("{}{}{}", "a".repeat(16383), "é".repeat(16383), "tail");
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": text, "attachments": [{"text": "att"}], "props": {"k": "v"}}),
    );
    let last = sent_post(&e.admin, &r);
    let posts = e.admin.channel_posts(&e.dev);
    assert_eq!(posts.len(), 3);
    // Newest first: the last part carries the attachments and is the X-Post-Id.
    assert_eq!(posts[0]["id"], last["id"]);
    assert_eq!(posts[0]["message"], "tail");
    assert_eq!(posts[1]["message"].as_str().unwrap(), "é".repeat(16383));
    assert_eq!(posts[2]["message"].as_str().unwrap(), "a".repeat(16383));
    assert_eq!(posts[0]["props"]["attachments"][0]["text"], "att");
    for p in &posts[1..] {
        assert!(p["props"].get("attachments").is_none());
    }
    for p in &posts {
        assert_eq!(p["type"], "slack_attachment");
        assert_eq!(p["props"]["k"], "v");
        assert_eq!(p["props"]["from_webhook"], "true");
    }
    assert!(posts[2]["create_at"].as_i64() < posts[1]["create_at"].as_i64());
}

#[test]
fn post_hook_large_attachments_get_posts_of_their_own() {
    let e = Acme::with(|c| c.service.maximum_payload_size_bytes = 4_000_000);
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let big = "b".repeat(500_000);
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": "t", "attachments": [{"text": big}, {"text": big}, {"text": "small"}]}),
    );
    sent_post(&e.admin, &r);
    let posts = e.admin.channel_posts(&e.dev);
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1]["message"], "t");
    assert_eq!(
        posts[1]["props"]["attachments"].as_array().unwrap().len(),
        1
    );
    assert_eq!(posts[0]["message"], "");
    assert_eq!(
        posts[0]["props"]["attachments"].as_array().unwrap().len(),
        2
    );
    // User props over the limit are refused.
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": "t", "props": {"blob": "p".repeat(800_000)}}),
    );
    assert_hook_error(
        &r,
        400,
        GENERAL,
        "web.incoming_webhook.split_props_length.app_error",
    );
}

#[test]
fn post_hook_root_id_replies_in_the_thread() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let root = sent_post(
        &e.admin,
        &send_json(&e.ts, &hid, &json!({"text": "build started"})),
    );
    let root_id = root["id"].as_str().unwrap();
    let reply = sent_post(
        &e.admin,
        &send_json(&e.ts, &hid, &json!({"text": "passed", "root_id": root_id})),
    );
    assert_eq!(reply["root_id"], root_id);
    // Threading on a reply's id (what X-Post-Id gave back) lands in the same thread.
    let again = sent_post(
        &e.admin,
        &send_json(
            &e.ts,
            &hid,
            &json!({"text": "deployed", "root_id": reply["id"]}),
        ),
    );
    assert_eq!(again["root_id"], root_id);
    assert_eq!(
        e.admin.get(&format!("/api/v4/posts/{root_id}")).json()["reply_count"],
        2
    );
    // A root in another channel is refused.
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": "x", "root_id": root_id, "channel": "town-square"}),
    );
    assert_hook_error(
        &r,
        400,
        GENERAL,
        "api.post.create_post.channel_root_id.app_error",
    );
}

#[test]
fn post_hook_type_and_priority() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let p = sent_post(
        &e.admin,
        &send_json(&e.ts, &hid, &json!({"text": "x", "type": "custom_poll"})),
    );
    assert_eq!(p["type"], "custom_poll");
    // Attachments force slack_attachment.
    let p = sent_post(
        &e.admin,
        &send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "type": "custom_poll", "attachments": [{"text": "a"}]}),
        ),
    );
    assert_eq!(p["type"], "slack_attachment");
    let p = sent_post(
        &e.admin,
        &send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "priority": {"priority": "urgent", "requested_ack": true}}),
        ),
    );
    let app = &e.ts.running.as_ref().unwrap().app;
    let db = app.store.reader().unwrap();
    let stored =
        perch::store::incoming_hooks::find_priority(&db, p["id"].as_str().unwrap()).unwrap();
    assert_eq!(stored, Some(("urgent".to_string(), true, false)));
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": "x", "priority": {"priority": "whenever"}}),
    );
    assert_hook_error(&r, 400, GENERAL, "api.context.invalid_param.app_error");
}

// ---------------------------------------------------------------------------------------------
// Idempotency, delivery log, cache, concurrency
// ---------------------------------------------------------------------------------------------

fn send_with_key(ts: &TestServer, hook: &str, key: &str, v: &Value) -> Resp {
    ts.anon().request(
        "POST",
        &format!("/hooks/{hook}"),
        Some(("application/json", v.to_string().into_bytes())),
        &[("Idempotency-Key", key)],
    )
}

#[test]
fn post_hook_idempotency_key_creates_one_post() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let other = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let first = send_with_key(&e.ts, &hid, "delivery-1", &json!({"text": "once"}));
    let post = sent_post(&e.admin, &first);
    let again = send_with_key(&e.ts, &hid, "delivery-1", &json!({"text": "once"}));
    assert_eq!(again.status, 200);
    assert_eq!(again.body, "ok");
    assert_eq!(again.header("X-Post-Id"), first.header("X-Post-Id"));
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 1);
    // Keys are per hook; a new key posts again.
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &other, "delivery-1", &json!({"text": "other hook"})),
    );
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &hid, "delivery-2", &json!({"text": "twice"})),
    );
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 3);
    // A failed call is not remembered: the sender's retry goes through.
    let r = send_with_key(
        &e.ts,
        &hid,
        "delivery-3",
        &json!({"text": "x", "channel": "nowhere"}),
    );
    assert_eq!(r.status, 404);
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &hid, "delivery-3", &json!({"text": "fixed"})),
    );
    let log = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hid}/deliveries"))
        .json();
    let repeat = log
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["duplicate"] == true)
        .unwrap();
    assert_eq!(repeat["post_id"], post["id"]);
    assert_eq!(repeat["idempotency_key"], "delivery-1");
    let r = send_with_key(&e.ts, &hid, &"k".repeat(256), &json!({"text": "x"}));
    assert_hook_error(
        &r,
        400,
        GENERAL,
        "perch.incoming_webhook.idempotency_key.app_error",
    );
}

#[test]
fn post_hook_concurrent_repeats_of_one_key_create_one_post() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let url = e.ts.url.clone();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (url, hid) = (url.clone(), hid.clone());
            std::thread::spawn(move || {
                let c = Client::new(&url, None);
                let r = c.request(
                    "POST",
                    &format!("/hooks/{hid}"),
                    Some(("application/json", br#"{"text": "race"}"#.to_vec())),
                    &[("Idempotency-Key", "same")],
                );
                assert_eq!(r.status, 200, "{}", r.body);
                r.header("X-Post-Id").unwrap().to_string()
            })
        })
        .collect();
    let ids: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 1);
}

#[test]
fn list_deliveries_records_every_call() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let path = format!("/api/v4/hooks/incoming/{hid}/deliveries");
    let ok = send_json(&e.ts, &hid, &json!({"text": "logged"}));
    let post_id = ok.header("X-Post-Id").unwrap().to_string();
    let bad = send(&e.ts, &hid, "application/json", b"{broken");
    let empty = send_json(&e.ts, &hid, &json!({"text": ""}));
    assert_eq!((bad.status, empty.status), (400, 400));
    let big = format!("{{\"text\": \"{}\"}}", "z".repeat(10_000));
    assert_eq!(
        send(&e.ts, &hid, "application/json", big.as_bytes()).status,
        200
    );
    let log = e.admin.get(&path).json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    // Newest first.
    assert_eq!(log[0]["body_size"], big.len());
    assert_eq!(log[0]["body_truncated"], true);
    assert_eq!(log[0]["body"].as_str().unwrap().len(), 4096);
    assert_eq!(log[1]["status_code"], 400);
    assert_eq!(log[1]["error_id"], "web.incoming_webhook.text.app_error");
    assert_eq!(
        log[2]["error_id"],
        "model.incoming_hook.parse_data.app_error"
    );
    assert_eq!(log[2]["body"], "{broken");
    let first = &log[3];
    assert_eq!(first["status_code"], 200);
    assert_eq!(first["error_id"], "");
    assert_eq!(first["post_id"], post_id.as_str());
    assert_eq!(first["id"].as_str(), ok.header("X-Request-Id"));
    assert_eq!(first["remote_addr"], "127.0.0.1");
    assert_eq!(first["content_type"], "application/json");
    assert_eq!(first["body"], r#"{"text":"logged"}"#);
    assert_eq!(first["hook_id"], hid.as_str());
    assert!(first["create_at"].as_i64().unwrap() > 0);
    // Paging, and hook managers only.
    assert_eq!(
        e.admin.get(&format!("{path}?per_page=1&page=1")).json()[0]["status_code"],
        400
    );
    e.bob
        .get(&path)
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn delivery_log_is_capped_per_hook() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    for i in 0..105 {
        // Failures are logged too and are cheaper to make than posts.
        let r = send_json(
            &e.ts,
            &hid,
            &json!({"text": i.to_string(), "channel": "nowhere"}),
        );
        assert_eq!(r.status, 404);
    }
    let log = e
        .admin
        .get(&format!(
            "/api/v4/hooks/incoming/{hid}/deliveries?per_page=200"
        ))
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 100);
    assert_eq!(log[0]["body"], r#"{"channel":"nowhere","text":"104"}"#);
    assert_eq!(log[99]["body"], r#"{"channel":"nowhere","text":"5"}"#);
    // Older rows are dropped from the database too (every 256th insert trims).
    for i in 105..262 {
        send_json(
            &e.ts,
            &hid,
            &json!({"text": i.to_string(), "channel": "nowhere"}),
        );
    }
    let db = e.ts.running.as_ref().unwrap().app.store.reader().unwrap();
    let rows: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM incoming_webhook_deliveries",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!((100..=110).contains(&rows), "{rows} rows kept");
}

#[test]
fn delivery_logs_of_hooks_called_in_turn_are_each_capped() {
    // Two hooks called strictly in turn: each log is trimmed by its own count of rows.
    let e = Acme::new();
    let hids = [
        id_of(&create_hook(&e.admin, json!({"channel_id": e.dev}))),
        id_of(&create_hook(&e.admin, json!({"channel_id": e.dev}))),
    ];
    for i in 0..262 {
        for hid in &hids {
            let r = send_json(
                &e.ts,
                hid,
                &json!({"text": i.to_string(), "channel": "nowhere"}),
            );
            assert_eq!(r.status, 404);
        }
    }
    let db = e.ts.running.as_ref().unwrap().app.store.reader().unwrap();
    for hid in &hids {
        let rows: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM incoming_webhook_deliveries WHERE hook_id = ?1",
                [hid],
                |r| r.get(0),
            )
            .unwrap();
        assert!((100..=110).contains(&rows), "{rows} rows kept for {hid}");
    }
}

#[test]
fn post_hook_cache_follows_updates_and_deletes() {
    let e = Acme::new();
    let h = create_hook(&e.admin, json!({"channel_id": e.dev}));
    let hid = id_of(&h);
    let p = sent_post(&e.admin, &send_json(&e.ts, &hid, &json!({"text": "one"})));
    assert_eq!(p["channel_id"], e.dev.as_str());
    let mut moved = h.clone();
    moved["channel_id"] = json!(e.town);
    moved["display_name"] = json!("renamed");
    assert_eq!(
        e.admin
            .put(&format!("/api/v4/hooks/incoming/{hid}"), &moved)
            .status,
        201
    );
    let p = sent_post(&e.admin, &send_json(&e.ts, &hid, &json!({"text": "two"})));
    assert_eq!(p["channel_id"], e.town.as_str());
    assert_eq!(p["props"]["webhook_display_name"], "renamed");
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/hooks/incoming/{hid}"))
            .status,
        200
    );
    let r = send_json(&e.ts, &hid, &json!({"text": "three"}));
    assert_hook_error(&r, 400, GENERAL, "web.incoming_webhook.invalid.app_error");
}

#[test]
fn post_hook_concurrent_senders_all_succeed() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let (url, hid) = (e.ts.url.clone(), hid.clone());
            std::thread::spawn(move || {
                let c = Client::new(&url, None);
                (0..10)
                    .map(|i| {
                        let body = json!({"text": format!("t{t} m{i}")})
                            .to_string()
                            .into_bytes();
                        let r = c.post_raw(&format!("/hooks/{hid}"), "application/json", &body);
                        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
                        r.header("X-Post-Id").unwrap().to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 160);
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 160);
    let ch = e.admin.get(&format!("/api/v4/channels/{}", e.dev)).json();
    assert_eq!(ch["total_msg_count"], 160);
    let log = e
        .admin
        .get(&format!(
            "/api/v4/hooks/incoming/{hid}/deliveries?per_page=200"
        ))
        .json();
    assert_eq!(log.as_array().unwrap().len(), 100);
}

#[test]
fn deliver_sees_membership_and_archive_changes_at_once() {
    // The hot path keeps channels, owners and memberships in memory: a change must count
    // from the very next call.
    let e = Acme::new();
    let secret = id_of(&e.admin.create_channel(&e.tid, "secret", "P"));
    e.admin.add_to_channel(&secret, &e.bob.id());
    let h = create_hook(
        &e.admin,
        json!({"channel_id": secret, "user_id": e.bob.id()}),
    );
    let hook = id_of(&h);
    let post = sent_post(&e.admin, &send_json(&e.ts, &hook, &json!({"text": "one"})));
    assert_eq!(post["user_id"], e.bob.id().as_str());
    let r = e
        .admin
        .delete(&format!("/api/v4/channels/{secret}/members/{}", e.bob.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send_json(&e.ts, &hook, &json!({"text": "two"}));
    assert_hook_error(
        &r,
        403,
        GENERAL,
        "web.incoming_webhook.permissions.app_error",
    );
    e.admin.add_to_channel(&secret, &e.bob.id());
    sent_post(
        &e.admin,
        &send_json(&e.ts, &hook, &json!({"text": "three"})),
    );
    // Archiving the channel: the next call finds no hook.
    assert_eq!(
        e.admin.delete(&format!("/api/v4/channels/{secret}")).status,
        200
    );
    let r = send_json(&e.ts, &hook, &json!({"text": "six"}));
    assert_hook_error(&r, 400, GENERAL, "web.incoming_webhook.invalid.app_error");
    let texts: Vec<String> = e
        .admin
        .channel_posts(&secret)
        .iter()
        .map(|p| p["message"].as_str().unwrap_or("").to_string())
        .filter(|m| !m.is_empty())
        .collect();
    assert_eq!(texts, ["three", "one"]);
}
