//! `api/outgoing_hooks.rs` and `outgoing/`: the management API, which posts fire which hooks,
//! the callback request (both encodings, Standard Webhooks signature), answers becoming posts,
//! loop prevention, the internal-address rule, retries, restarts and the delivery log — all
//! against a real local receiver, plus the real `mattermostdriver` and `standardwebhooks`.

use crate::common::scripts::run_python;
use crate::common::*;
use perch::form::parse_query;
use perch::Config;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The shared fixture on a server whose outgoing calls may reach 127.0.0.0/8, with fast
/// retries; `f` adjusts the configuration further.
fn world_with(f: impl FnOnce(&mut Config)) -> Acme {
    Acme::with(|c| {
        c.service.allowed_untrusted_internal_connections = "127.0.0.0/8".into();
        c.perch.outgoing_retry_base_millis = 100;
        c.perch.outgoing_retry_max_millis = 400;
        c.perch.outgoing_scan_interval_millis = 100;
        f(c);
    })
}

fn world() -> Acme {
    world_with(|_| {})
}

fn create_hook(c: &Client, body: Value) -> Value {
    let r = c.post("/api/v4/hooks/outgoing", &body);
    assert_eq!(r.status, 201, "create hook: {}", r.body);
    r.json()
}

fn deliveries(c: &Client, hook_id: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v4/hooks/outgoing/{hook_id}/deliveries"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

/// How long these tests wait for a delivery or its answer (retries take a while).
const DELIVERY: Duration = Duration::from_secs(20);

/// Waits until the hook's newest delivery is no longer pending; returns it.
fn settled(c: &Client, hook_id: &str) -> Value {
    eventually(DELIVERY, "a settled delivery", || {
        deliveries(c, hook_id)
            .into_iter()
            .next()
            .filter(|d| d["state"] != "pending")
    })
}

fn ok_receiver() -> MockReceiver {
    MockReceiver::start(|_, _| Reply::text(200, ""))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    parse_query(std::str::from_utf8(body).unwrap())
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------- management API

#[test]
fn create_outgoing_hook_returns_the_full_object() {
    let w = world();
    let h = create_hook(
        &w.admin,
        json!({
            "team_id": w.tid, "channel_id": w.dev, "display_name": "Deployer",
            "description": "ships it", "trigger_words": ["deploy", "ship"], "trigger_when": 1,
            "callback_urls": ["http://example.com/hook"], "content_type": "application/json",
            "username": "deploybot", "icon_url": "http://example.com/i.png"
        }),
    );
    assert_eq!(h["id"].as_str().unwrap().len(), 26);
    assert_eq!(h["token"].as_str().unwrap().len(), 26);
    assert_ne!(h["token"], h["id"]);
    assert_eq!(h["creator_id"], w.admin.id().as_str());
    assert_eq!(h["team_id"], w.tid.as_str());
    assert_eq!(h["channel_id"], w.dev.as_str());
    assert_eq!(h["trigger_words"], json!(["deploy", "ship"]));
    assert_eq!(h["trigger_when"], 1);
    assert_eq!(h["callback_urls"], json!(["http://example.com/hook"]));
    assert_eq!(h["display_name"], "Deployer");
    assert_eq!(h["description"], "ships it");
    assert_eq!(h["content_type"], "application/json");
    assert_eq!(h["username"], "deploybot");
    assert_eq!(h["icon_url"], "http://example.com/i.png");
    assert!(h["create_at"].as_i64().unwrap() > 0);
    assert_eq!(h["create_at"], h["update_at"]);
    assert_eq!(h["delete_at"], 0);
    assert!(h["signing_secret"].as_str().unwrap().starts_with("whsec_"));
    let id = id_of(&h);
    let got = w.admin.get(&format!("/api/v4/hooks/outgoing/{id}"));
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), h);
    // Listing: by team, by channel, everything; with paging.
    let h2 = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["other"], "callback_urls": ["http://example.com/2"]}),
    );
    assert_eq!(h2["content_type"], "");
    assert_eq!(h2["channel_id"], "");
    let ids = |path: &str| -> Vec<String> {
        let r = w.admin.get(path);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json().as_array().unwrap().iter().map(id_of).collect()
    };
    let both = vec![id.clone(), id_of(&h2)];
    assert_eq!(
        ids(&format!("/api/v4/hooks/outgoing?team_id={}", w.tid)),
        both
    );
    assert_eq!(ids("/api/v4/hooks/outgoing"), both);
    assert_eq!(
        ids(&format!("/api/v4/hooks/outgoing?channel_id={}", w.dev)),
        vec![id.clone()]
    );
    assert_eq!(
        ids(&format!(
            "/api/v4/hooks/outgoing?team_id={}&page=1&per_page=1",
            w.tid
        )),
        vec![id_of(&h2)]
    );
}

#[test]
fn create_outgoing_hook_validation_follows_mattermost() {
    let w = world();
    let other_team = id_of(&w.admin.create_team("other"));
    let foreign = id_of(&w.admin.create_channel(&other_team, "foreign", "O"));
    let private = id_of(&w.admin.create_channel(&w.tid, "secret", "P"));
    let base = json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": ["http://example.com/x"]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let post = |b: Value| w.admin.post("/api/v4/hooks/outgoing", &b);
    w.admin
        .post_raw("/api/v4/hooks/outgoing", "application/json", b"{nope")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    post(with("trigger_words", json!("go")))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    post(with("trigger_words", json!([])))
        .assert_error(400, "api.webhook.create_outgoing.triggers.app_error");
    post(with("trigger_words", Value::Null))
        .assert_error(400, "api.webhook.create_outgoing.triggers.app_error");
    post(with("trigger_words", json!(["go", ""])))
        .assert_error(400, "model.outgoing_hook.is_valid.trigger_words.app_error");
    post(with("trigger_words", json!(["x".repeat(1100)])))
        .assert_error(400, "model.outgoing_hook.is_valid.words.app_error");
    post(with("trigger_when", json!(2)))
        .assert_error(400, "model.outgoing_hook.is_valid.content_type.app_error");
    post(with("callback_urls", json!([])))
        .assert_error(400, "model.outgoing_hook.is_valid.callback.app_error");
    for bad in [
        "ftp://example.com",
        "example.com/x",
        "http://",
        "http://a b",
    ] {
        post(with("callback_urls", json!([bad])))
            .assert_error(400, "model.outgoing_hook.is_valid.url.app_error");
    }
    post(with("display_name", json!("d".repeat(65))))
        .assert_error(400, "model.outgoing_hook.is_valid.display_name.app_error");
    post(with("description", json!("d".repeat(501))))
        .assert_error(400, "model.outgoing_hook.is_valid.description.app_error");
    post(with("username", json!("u".repeat(65))))
        .assert_error(400, "model.outgoing_hook.is_valid.username.app_error");
    post(with("icon_url", json!("i".repeat(1025))))
        .assert_error(400, "model.outgoing_hook.is_valid.icon_url.app_error");
    post(with("id", json!("a".repeat(26))))
        .assert_error(400, "app.webhooks.save_outgoing.override.app_error");
    post(with("channel_id", json!(private)))
        .assert_error(403, "api.outgoing_webhook.disabled.app_error");
    post(with("channel_id", json!(foreign)))
        .assert_error(403, "api.webhook.create_outgoing.permissions.app_error");
    post(with("channel_id", json!("z".repeat(26))))
        .assert_error(404, "app.channel.get.existing.app_error");
    post(with("creator_id", json!("z".repeat(26))))
        .assert_error(404, "app.user.missing_account.const");
    // A negative trigger_when is accepted (and never matches).
    assert_eq!(
        post(with("trigger_when", json!(-1))).json()["trigger_when"],
        -1
    );
    // Same channel, a shared trigger word and a shared URL: refused with a 500.
    let first = with("trigger_words", json!(["alpha", "beta"]));
    assert_eq!(post(first.clone()).status, 201);
    post(with("trigger_words", json!(["beta"])))
        .assert_error(500, "api.webhook.create_outgoing.intersect.app_error");
    // A different URL, or a different channel, is fine.
    let mut b = with("trigger_words", json!(["beta"]));
    b["callback_urls"] = json!(["http://example.com/y"]);
    assert_eq!(post(b).status, 201);
    let mut b = with("trigger_words", json!(["beta"]));
    b["channel_id"] = json!(w.dev);
    assert_eq!(post(b).status, 201);
}

#[test]
fn create_outgoing_hook_needs_team_permissions() {
    let w = world();
    let bob = &w.bob;
    let body = json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": ["http://example.com/x"]});
    bob.post("/api/v4/hooks/outgoing", &body)
        .assert_error(403, "api.context.permissions.app_error");
    bob.get(&format!("/api/v4/hooks/outgoing?team_id={}", w.tid))
        .assert_error(403, "api.context.permissions.app_error");
    bob.get("/api/v4/hooks/outgoing")
        .assert_error(403, "api.context.permissions.app_error");
    let admins_hook = create_hook(&w.admin, body.clone());
    bob.get(&format!("/api/v4/hooks/outgoing/{}", id_of(&admins_hook)))
        .assert_error(403, "api.context.permissions.app_error");
    // A team admin may manage their own and others' hooks in that team.
    let r = w.admin.put(
        &format!("/api/v4/teams/{}/members/{}/roles", w.tid, bob.id()),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut b = body.clone();
    b["trigger_words"] = json!(["bobs"]);
    let bobs = create_hook(bob, b);
    assert_eq!(bobs["creator_id"], bob.id().as_str());
    let r = bob.get(&format!("/api/v4/hooks/outgoing?team_id={}", w.tid));
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    assert_eq!(
        bob.get(&format!("/api/v4/hooks/outgoing/{}", id_of(&admins_hook)))
            .status,
        200
    );
    // ...but not at system level.
    bob.get("/api/v4/hooks/outgoing")
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn outgoing_hooks_disabled_is_501_and_nothing_fires() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let (dir, mut config) = w.ts.stop();
    config.service.enable_outgoing_webhooks = false;
    let ts = TestServer::start_in(dir, config);
    let admin = ts.login("admin", "admin-password");
    let id = id_of(&h);
    admin
        .post(
            "/api/v4/hooks/outgoing",
            &json!({"team_id": w.tid, "trigger_words": ["x"], "callback_urls": ["http://e.com"]}),
        )
        .assert_error(501, "api.outgoing_webhook.disabled.app_error");
    for path in [
        format!("/api/v4/hooks/outgoing/{id}"),
        format!("/api/v4/hooks/outgoing?team_id={}", w.tid),
        format!("/api/v4/hooks/outgoing/{id}/deliveries"),
    ] {
        admin
            .get(&path)
            .assert_error(501, "api.outgoing_webhook.disabled.app_error");
    }
    admin
        .delete(&format!("/api/v4/hooks/outgoing/{id}"))
        .assert_error(501, "api.outgoing_webhook.disabled.app_error");
    admin.create_post(&w.dev, "go now");
    assert!(rx.next(1).is_none(), "a disabled feature fired a hook");
}

#[test]
fn update_outgoing_hook_keeps_identity_and_checks_rules() {
    let w = world();
    let private = id_of(&w.admin.create_channel(&w.tid, "secret", "P"));
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["a"], "callback_urls": ["http://example.com/1"]}),
    );
    let other = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["b"], "callback_urls": ["http://example.com/2"]}),
    );
    let id = id_of(&h);
    let path = format!("/api/v4/hooks/outgoing/{id}");
    let mut body = h.clone();
    body["id"] = json!(id_of(&other));
    w.admin
        .put(&path, &body)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut body = h.clone();
    body["team_id"] = json!("t".repeat(26));
    w.admin
        .put(&path, &body)
        .assert_error(400, "api.webhook.team_mismatch.app_error");
    let mut body = h.clone();
    body["trigger_words"] = json!([]);
    w.admin
        .put(&path, &body)
        .assert_error(500, "api.webhook.create_outgoing.triggers.app_error");
    let mut body = h.clone();
    body["channel_id"] = json!(private);
    w.admin
        .put(&path, &body)
        .assert_error(403, "api.webhook.create_outgoing.not_open.app_error");
    let mut body = h.clone();
    body["trigger_words"] = json!(["b"]);
    body["callback_urls"] = json!(["http://example.com/2"]);
    w.admin
        .put(&path, &body)
        .assert_error(400, "api.webhook.update_outgoing.intersect.app_error");
    // A client sending a partial object: team_id and token omitted are kept; creator,
    // create_at and delete_at cannot be changed.
    let r = w.admin.put(
        &path,
        &json!({"id": id, "trigger_words": ["c"], "trigger_when": 1,
                "callback_urls": ["http://example.com/3"], "display_name": "renamed",
                "creator_id": "x".repeat(26), "create_at": 5}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    assert_eq!(u["token"], h["token"]);
    assert_eq!(u["team_id"], w.tid.as_str());
    assert_eq!(u["creator_id"], h["creator_id"]);
    assert_eq!(u["create_at"], h["create_at"]);
    assert_eq!(u["display_name"], "renamed");
    assert_eq!(u["trigger_words"], json!(["c"]));
    assert_eq!(u["signing_secret"], h["signing_secret"]);
    assert!(u["update_at"].as_i64() >= h["update_at"].as_i64());
    assert_eq!(w.admin.get(&path).json(), u);
}

#[test]
fn delete_and_regen_token_of_outgoing_hook() {
    let w = world();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["a"], "callback_urls": ["http://example.com/1"]}),
    );
    let id = id_of(&h);
    let r = w.admin.post(
        &format!("/api/v4/hooks/outgoing/{id}/regen_token"),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let g = r.json();
    assert_eq!(g["token"].as_str().unwrap().len(), 26);
    assert_ne!(g["token"], h["token"]);
    assert_ne!(g["signing_secret"], h["signing_secret"]);
    assert_eq!(
        w.admin.get(&format!("/api/v4/hooks/outgoing/{id}")).json(),
        g
    );
    let r = w.admin.delete(&format!("/api/v4/hooks/outgoing/{id}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "OK"}));
    w.admin
        .get(&format!("/api/v4/hooks/outgoing/{id}"))
        .assert_error(404, "app.webhooks.get_outgoing.app_error");
    w.admin
        .delete(&format!("/api/v4/hooks/outgoing/{id}"))
        .assert_error(404, "app.webhooks.get_outgoing.app_error");
    w.admin
        .get("/api/v4/hooks/outgoing/nope")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    let r = w
        .admin
        .get(&format!("/api/v4/hooks/outgoing?team_id={}", w.tid));
    assert_eq!(r.json(), json!([]));
}

#[test]
fn archiving_a_channel_deletes_its_outgoing_hooks() {
    let w = world();
    let ch = id_of(&w.admin.create_channel(&w.tid, "doomed", "O"));
    let bound = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": ch, "callback_urls": ["http://example.com/1"]}),
    );
    let team_wide = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["x"], "callback_urls": ["http://example.com/1"]}),
    );
    assert_eq!(
        w.admin.delete(&format!("/api/v4/channels/{ch}")).status,
        200
    );
    w.admin
        .get(&format!("/api/v4/hooks/outgoing/{}", id_of(&bound)))
        .assert_error(404, "app.webhooks.get_outgoing.app_error");
    assert_eq!(
        w.admin
            .get(&format!("/api/v4/hooks/outgoing/{}", id_of(&team_wide)))
            .status,
        200
    );
}

// ---------------------------------------------------------------- which posts fire

#[test]
fn fire_exact_trigger_is_the_case_sensitive_first_word() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["deploy", "ship"], "trigger_when": 0,
               "callback_urls": [rx.url], "content_type": "application/json"}),
    );
    for msg in [
        "Deploy now",
        "please deploy",
        "deployment",
        "",
        "  ",
        "deploy\u{2003}", // matches: an em space is whitespace
    ] {
        w.admin.post(
            "/api/v4/posts",
            &json!({"channel_id": w.dev, "message": msg}),
        );
    }
    let got = rx.next(20).expect("the matching post fires");
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(v["trigger_word"], "deploy");
    assert_eq!(v["text"], "deploy\u{2003}");
    w.admin.create_post(&w.dev, "\n ship it");
    let v: Value = serde_json::from_slice(&rx.next(20).unwrap().body).unwrap();
    assert_eq!(v["trigger_word"], "ship");
    // Deliveries are recorded with the post itself: exactly the two matches exist.
    assert_eq!(deliveries(&w.admin, &id_of(&h)).len(), 2);
}

#[test]
fn fire_starts_with_trigger_reports_the_first_matching_word() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["dep", "deploy"], "trigger_when": 1,
               "callback_urls": [rx.url], "content_type": "application/json"}),
    );
    for msg in ["xdeploy", "Deploying", "run deploy", "with space"] {
        w.admin.create_post(&w.dev, msg);
    }
    assert!(deliveries(&w.admin, &id_of(&h)).is_empty());
    w.admin.create_post(&w.dev, "deploying the thing");
    let v: Value = serde_json::from_slice(&rx.next(20).unwrap().body).unwrap();
    assert_eq!(v["trigger_word"], "dep");
    assert_eq!(v["text"], "deploying the thing");
    // A trigger word containing a space never matches.
    let spaced = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["with space"], "trigger_when": 1,
               "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "with space");
    assert!(deliveries(&w.admin, &id_of(&spaced)).is_empty());
}

#[test]
fn fire_channel_hook_without_triggers_on_every_post_of_its_channel() {
    let w = world();
    let rx = ok_receiver();
    let other = id_of(&w.admin.create_channel(&w.tid, "other", "O"));
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": w.dev, "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    // A trigger-word hook bound to the channel only fires there.
    let bound = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": other, "trigger_words": ["hey"],
               "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&other, "anything at all");
    let root = w.admin.create_post(&w.dev, "anything at all");
    // Replies fire too.
    w.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": w.dev, "message": "", "root_id": root["id"]}),
    );
    w.admin.create_post(&w.dev, "hey there");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let v: Value = serde_json::from_slice(&rx.next(20).unwrap().body).unwrap();
        assert_eq!(v["trigger_word"], "");
        assert_eq!(v["channel_id"], w.dev.as_str());
        seen.push(v["text"].as_str().unwrap().to_string());
    }
    seen.sort();
    assert_eq!(seen, vec!["", "anything at all", "hey there"]);
    assert_eq!(deliveries(&w.admin, &id_of(&h)).len(), 3);
    assert!(deliveries(&w.admin, &id_of(&bound)).is_empty());
}

#[test]
fn fire_never_in_private_or_direct_channels_by_default() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let private = id_of(&w.admin.create_channel(&w.tid, "secret", "P"));
    w.admin.create_post(&private, "go private");
    let bob = &w.bob;
    let r = w
        .admin
        .post("/api/v4/channels/direct", &json!([w.admin.id(), bob.id()]));
    w.admin.create_post(&id_of(&r.json()), "go direct");
    assert!(deliveries(&w.admin, &id_of(&h)).is_empty());
    assert!(rx.next(1).is_none());
}

#[test]
fn fire_in_private_channel_when_perch_setting_allows_for_members() {
    let w = world_with(|c| c.perch.enable_outgoing_webhooks_in_private_channels = true);
    let rx = ok_receiver();
    let private = id_of(&w.admin.create_channel(&w.tid, "secret", "P"));
    let team_wide = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let bound = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": private, "trigger_words": ["go"],
               "callback_urls": [rx.url], "content_type": "application/json"}),
    );
    // A creator who is not a member of the private channel cannot bind a hook to it.
    let bob = &w.bob;
    w.admin
        .post(
            "/api/v4/hooks/outgoing",
            &json!({"team_id": w.tid, "channel_id": private, "creator_id": bob.id(),
                    "trigger_words": ["x"], "callback_urls": [rx.url]}),
        )
        .assert_error(403, "api.webhook.create_outgoing.permissions.app_error");
    w.admin.create_post(&private, "go private");
    let v: Value = serde_json::from_slice(&rx.next(20).unwrap().body).unwrap();
    assert_eq!(v["channel_name"], "secret");
    assert_eq!(deliveries(&w.admin, &id_of(&bound)).len(), 1);
    assert!(deliveries(&w.admin, &id_of(&team_wide)).is_empty());
}

// ---------------------------------------------------------------- the callback request

#[test]
fn callback_json_carries_every_field() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["build"], "callback_urls": [format!("{}/cb?x=1", rx.url)],
               "content_type": "application/json"}),
    );
    let post = w.admin.create_post(&w.dev, "build it & ship ü");
    let got = rx.next(20).expect("callback");
    assert_eq!(got.method, "POST");
    assert_eq!(got.url, "/cb?x=1");
    assert_eq!(got.header("Content-Type"), Some("application/json"));
    assert_eq!(got.header("Accept"), Some("application/json"));
    assert_eq!(got.header("User-Agent"), Some("Mattermost-Bot/1.1"));
    assert!(got.header("Authorization").is_none());
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 12, "{v}");
    assert_eq!(v["token"], h["token"]);
    assert_eq!(v["team_id"], w.tid.as_str());
    assert_eq!(v["team_domain"], "acme");
    assert_eq!(v["channel_id"], w.dev.as_str());
    assert_eq!(v["channel_name"], "dev");
    assert_eq!(v["timestamp"], post["create_at"]);
    assert!(v["timestamp"].is_i64());
    assert_eq!(v["user_id"], w.admin.id().as_str());
    assert_eq!(v["user_name"], "admin");
    assert_eq!(v["post_id"], post["id"]);
    assert_eq!(v["text"], "build it & ship ü");
    assert_eq!(v["trigger_word"], "build");
    assert_eq!(v["file_ids"], "");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(got.header("webhook-id"), d["id"].as_str());
    assert_eq!(d["state"], "delivered");
}

#[test]
fn callback_form_carries_every_field_with_seconds() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["build"], "callback_urls": [rx.url],
               "content_type": "text/plain"}),
    );
    let post = w.admin.create_post(&w.dev, "build a+b = c&d");
    let got = rx.next(20).expect("callback");
    assert_eq!(
        got.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = got.body_str();
    let keys: Vec<&str> = body
        .split('&')
        .map(|kv| kv.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "channel_id",
            "channel_name",
            "file_ids",
            "post_id",
            "team_domain",
            "team_id",
            "text",
            "timestamp",
            "token",
            "trigger_word",
            "user_id",
            "user_name"
        ],
        "form keys are sorted like Go's url.Values"
    );
    assert!(body.contains("text=build+a%2Bb+%3D+c%26d"), "{body}");
    let f = form(&got.body);
    assert_eq!(f["token"], h["token"].as_str().unwrap());
    assert_eq!(f["team_id"], w.tid);
    assert_eq!(f["team_domain"], "acme");
    assert_eq!(f["channel_id"], w.dev);
    assert_eq!(f["channel_name"], "dev");
    assert_eq!(
        f["timestamp"],
        (post["create_at"].as_i64().unwrap() / 1000).to_string()
    );
    assert_eq!(f["user_id"], w.admin.id());
    assert_eq!(f["user_name"], "admin");
    assert_eq!(f["post_id"], post["id"].as_str().unwrap());
    assert_eq!(f["text"], "build a+b = c&d");
    assert_eq!(f["trigger_word"], "build");
    assert_eq!(f["file_ids"], "");
}

#[test]
fn callback_goes_to_every_url_of_the_hook() {
    let w = world();
    let (a, b) = (ok_receiver(), ok_receiver());
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["x"], "callback_urls": [a.url, b.url]}),
    );
    w.admin.create_post(&w.dev, "x");
    assert!(a.next(20).is_some());
    assert!(b.next(20).is_some());
    assert_eq!(deliveries(&w.admin, &id_of(&h)).len(), 2);
}

// ---------------------------------------------------------------- the answer

#[test]
fn answer_with_text_becomes_a_post_from_the_hook() {
    let w = world_with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    });
    let rx = MockReceiver::start(|n, _| {
        Reply::json(match n {
            0 => {
                json!({"text": "pong <!channel> <http://x.io|docs>", "props": {"k": 1, "from_webhook": "no", "override_username": "evil"}})
            }
            _ => json!({"text": "threaded", "response_type": "comment", "username": "answerer",
                        "icon_url": "http://i/a.png", "type": "custom_x"}),
        })
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["ping"], "callback_urls": [rx.url],
               "display_name": "Pinger", "username": "hookname", "icon_url": "http://i/h.png"}),
    );
    w.admin.create_post(&w.dev, "ping one");
    let p = eventually(DELIVERY, "the answer post", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"].as_str().unwrap_or("").starts_with("pong"))
    });
    assert_eq!(p["message"], "pong @channel [docs](http://x.io)");
    assert_eq!(p["user_id"], h["creator_id"]);
    assert_eq!(p["root_id"], "");
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["props"]["webhook_display_name"], "Pinger");
    assert_eq!(p["props"]["override_username"], "hookname");
    assert_eq!(p["props"]["override_icon_url"], "http://i/h.png");
    assert_eq!(p["props"]["k"], 1);
    let second = w.admin.create_post(&w.dev, "ping two");
    let r = eventually(DELIVERY, "the threaded answer", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"] == "threaded")
    });
    assert_eq!(r["root_id"], second["id"]);
    assert_eq!(r["type"], "custom_x");
    assert_eq!(r["props"]["override_username"], "answerer");
    assert_eq!(r["props"]["override_icon_url"], "http://i/a.png");
}

#[test]
fn answer_with_attachments_and_long_text_is_split() {
    let w = world();
    let long = "word ".repeat(4000); // 20000 chars: two posts
    let body = json!({"text": long, "attachments": [null, {"text": "<!here> see <http://a|b>", "fields": [{"title": "n", "value": 5, "short": "true"}]}]});
    let rx = MockReceiver::start(move |_, _| Reply::json(body.clone()));
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["long"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "long please");
    let posts = eventually(DELIVERY, "two answer posts", || {
        let ps: Vec<Value> = w
            .admin
            .channel_posts(&w.dev)
            .into_iter()
            .filter(|p| p["props"]["from_webhook"] == "true")
            .collect();
        (ps.len() == 2).then_some(ps)
    });
    // Newest first: the last part carries the attachments.
    let (last, first) = (&posts[0], &posts[1]);
    assert_eq!(
        format!(
            "{}{}",
            first["message"].as_str().unwrap(),
            last["message"].as_str().unwrap()
        ),
        long
    );
    assert!(first["props"].get("attachments").is_none());
    let att = &last["props"]["attachments"];
    assert_eq!(att.as_array().unwrap().len(), 1);
    assert_eq!(att[0]["text"], "@here see [b](http://a)");
    assert_eq!(att[0]["fields"][0]["value"], "5");
    assert_eq!(att[0]["fields"][0]["short"], true);
    assert_eq!(last["type"], "slack_attachment");
}

#[test]
fn answer_that_is_not_json_or_has_no_text_posts_nothing() {
    let w = world_with(|c| c.perch.outgoing_workers = 1);
    let rx = MockReceiver::start(|n, _| match n {
        0 => Reply::text(200, "ok, thanks"),
        1 => Reply::json(json!({"username": "no text"})),
        2 => Reply::text(200, ""),
        3 => Reply::json(json!({"text": null})),
        _ => Reply::json(json!({"text": "the only one"})),
    });
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["q"], "callback_urls": [rx.url]}),
    );
    // One worker: the answers are handled in order, so once the last one is posted the
    // earlier ones have been handled too.
    for i in 0..5 {
        w.admin.create_post(&w.dev, &format!("q {i}"));
    }
    eventually(DELIVERY, "the last answer", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"] == "the only one")
    });
    let answers = w
        .admin
        .channel_posts(&w.dev)
        .into_iter()
        .filter(|p| p["props"]["from_webhook"] == "true")
        .count();
    assert_eq!(answers, 1);
}

#[test]
fn answer_posts_never_fire_hooks_again() {
    let w = world();
    // The answer starts with the trigger word: it would loop without the prevention.
    let rx = MockReceiver::start(|_, _| Reply::json(json!({"text": "ping back"})));
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["ping"], "callback_urls": [rx.url]}),
    );
    let channel_hook = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": w.dev, "callback_urls": ["http://127.0.0.1:9/"]}),
    );
    w.admin.create_post(&w.dev, "ping");
    eventually(DELIVERY, "the answer post", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"] == "ping back")
    });
    assert_eq!(deliveries(&w.admin, &id_of(&h)).len(), 1);
    assert_eq!(deliveries(&w.admin, &id_of(&channel_hook)).len(), 1);
    assert!(rx.next(0).is_some());
    assert!(rx.next(1).is_none());
}

#[test]
fn api_post_carrying_webhook_props_still_fires() {
    // Loop prevention is the post path creating webhook posts with firing off, not a check on
    // `from_webhook`/`from_bot` (outgoing-webhooks.md §3): a bot or user posting through the
    // REST API fires hooks whatever props it sends.
    let w = world();
    let rx = ok_receiver();
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": w.dev, "message": "go",
                "props": {"from_bot": "true", "from_webhook": "true"}}),
    );
    assert!(rx.next(20).is_some());
}

#[test]
fn delivery_log_keeps_the_newest_finished_deliveries() {
    let w = world_with(|c| {
        c.perch.outgoing_delivery_log_size = 2;
        c.perch.outgoing_workers = 1;
    });
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    let hid = id_of(&h);
    let mut posts = Vec::new();
    for i in 0..4 {
        posts.push(w.admin.create_post(&w.dev, &format!("go {i}")));
    }
    for _ in 0..4 {
        rx.next(20).expect("a delivery");
    }
    let kept = eventually(DELIVERY, "the log pruned to 2", || {
        let ds = deliveries(&w.admin, &hid);
        (ds.len() == 2 && ds.iter().all(|d| d["state"] == "delivered")).then_some(ds)
    });
    assert_eq!(kept[0]["post_id"], posts[3]["id"]);
    assert_eq!(kept[1]["post_id"], posts[2]["id"]);
    assert_eq!(kept[0]["attempts"].as_array().unwrap().len(), 1);
    let page = w.admin.get(&format!(
        "/api/v4/hooks/outgoing/{hid}/deliveries?page=1&per_page=1"
    ));
    assert_eq!(page.json()[0]["post_id"], posts[2]["id"]);
}

// ---------------------------------------------------------------- safety and durability

#[test]
fn internal_address_is_refused_unless_allowed() {
    let w = world_with(|c| c.service.allowed_untrusted_internal_connections = String::new());
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 1, "a refused address is not retried");
    let a = &d["attempts"][0];
    assert_eq!(a["status"], 0);
    assert!(
        a["error"]
            .as_str()
            .unwrap()
            .contains("AllowedUntrustedInternalConnections"),
        "{a}"
    );
    assert!(rx.next(1).is_none(), "a refused address was called");
    // Allowed by exact host.
    let w = world_with(|c| c.service.allowed_untrusted_internal_connections = "127.0.0.1".into());
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    assert!(rx.next(20).is_some());
    assert_eq!(settled(&w.admin, &id_of(&h))["state"], "delivered");
}

#[test]
fn failing_receiver_is_retried_until_it_answers() {
    let w = world();
    let rx = MockReceiver::start(|n, _| {
        if n < 2 {
            Reply::text(503, "busy")
        } else {
            Reply::text(200, "fine")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    let bodies: Vec<String> = (0..3)
        .map(|_| rx.next(20).expect("an attempt").body_str())
        .collect();
    assert_eq!(bodies[0], bodies[2], "every attempt sends the same payload");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempt_count"], 3);
    let statuses: Vec<i64> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    let a = &d["attempts"][0];
    assert_eq!(a["url"], rx.url.as_str());
    assert_eq!(a["response"], "busy");
    assert!(a["latency_ms"].as_i64().unwrap() >= 0);
    assert!(a["at"].as_i64().unwrap() > 0);
    assert!(rx.next(1).is_none(), "delivered once");
}

#[test]
fn retries_honour_retry_after_and_stop_at_the_limit() {
    let w = world_with(|c| c.perch.outgoing_max_attempts = 2);
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::text(429, "slow down");
        r.headers.push(("Retry-After".into(), "1".into()));
        r
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    rx.next(20).expect("first attempt");
    let t0 = Instant::now();
    rx.next(20).expect("second attempt");
    // The configured backoff is 100 ms; Retry-After asked for a second.
    assert!(
        t0.elapsed() >= Duration::from_millis(800),
        "{:?}",
        t0.elapsed()
    );
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 2);
    assert!(d["last_error"].as_str().unwrap().contains("gave up"), "{d}");
    assert!(rx.next(1).is_none());
}

#[test]
fn client_errors_are_final_and_can_be_replayed() {
    let w = world();
    let rx = MockReceiver::start(|n, _| {
        if n == 0 {
            Reply::text(404, "no such thing")
        } else {
            Reply::text(200, "")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let hid = id_of(&h);
    w.admin.create_post(&w.dev, "go");
    let d = settled(&w.admin, &hid);
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 1);
    assert_eq!(d["last_status"], 404);
    rx.next(20).expect("first attempt");
    let did = id_of(&d);
    let r = w.admin.post(
        &format!("/api/v4/hooks/outgoing/{hid}/deliveries/{did}/retry"),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "pending");
    let again = rx.next(20).expect("the replay");
    assert_eq!(again.header("webhook-id"), Some(did.as_str()));
    let d = settled(&w.admin, &hid);
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2);
    w.admin
        .post(
            &format!(
                "/api/v4/hooks/outgoing/{hid}/deliveries/{}/retry",
                "q".repeat(26)
            ),
            &json!({}),
        )
        .assert_error(404, "app.webhooks.get_outgoing_delivery.app_error");
}

#[test]
fn pending_deliveries_survive_a_restart() {
    let w = world_with(|c| {
        c.perch.outgoing_retry_base_millis = 1500;
        c.perch.outgoing_retry_max_millis = 1500;
    });
    let rx = MockReceiver::start(|n, _| {
        if n == 0 {
            Reply::text(502, "down")
        } else {
            Reply::text(200, "")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    let post = w.admin.create_post(&w.dev, "go survive");
    let first = rx.next(20).expect("first attempt");
    // Stop while the retry is pending (1.5 s away), start again on the same data.
    let (dir, config) = w.ts.stop();
    let ts = TestServer::start_in(dir, config);
    let second = rx.next(20).expect("the delivery after the restart");
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    let v: Value = serde_json::from_slice(&second.body).unwrap();
    assert_eq!(v["post_id"], post["id"]);
    let admin = ts.login("admin", "admin-password");
    let d = settled(&admin, &id_of(&h));
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempt_count"], 2);
}

#[test]
fn create_post_does_not_wait_for_a_slow_receiver() {
    let w = world();
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::json(json!({"text": "late answer"}));
        r.delay = Duration::from_secs(3);
        r
    });
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["slow"], "callback_urls": [rx.url]}),
    );
    let t0 = Instant::now();
    w.admin.create_post(&w.dev, "slow please");
    assert!(
        t0.elapsed() < Duration::from_millis(2500),
        "POST /posts took {:?}",
        t0.elapsed()
    );
    assert!(rx.next(20).is_some());
    eventually(DELIVERY, "the late answer", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"] == "late answer")
    });
}

#[test]
fn full_queue_leaves_deliveries_to_the_scan() {
    let w = world_with(|c| {
        c.perch.outgoing_workers = 1;
        c.perch.outgoing_queue_size = 1;
        c.perch.outgoing_scan_interval_millis = 200;
    });
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::text(200, "");
        r.delay = Duration::from_millis(100);
        r
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["n"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    for i in 0..6 {
        w.admin.create_post(&w.dev, &format!("n {i}"));
    }
    let mut texts: Vec<String> = (0..6)
        .map(|_| {
            let v: Value = serde_json::from_slice(&rx.next(20).expect("a delivery").body).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect();
    texts.sort();
    assert_eq!(texts, (0..6).map(|i| format!("n {i}")).collect::<Vec<_>>());
    eventually(DELIVERY, "all delivered", || {
        deliveries(&w.admin, &id_of(&h))
            .iter()
            .all(|d| d["state"] == "delivered")
            .then_some(())
    });
    assert!(rx.next(1).is_none(), "each delivery is made once");
}

#[test]
fn deleted_hook_cancels_its_pending_deliveries() {
    let w = world_with(|c| {
        c.perch.outgoing_retry_base_millis = 1000;
        c.perch.outgoing_retry_max_millis = 1000;
    });
    let rx = MockReceiver::start(|_, _| Reply::text(500, ""));
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let hid = id_of(&h);
    w.admin.create_post(&w.dev, "go");
    rx.next(20).expect("first attempt");
    let d = eventually(DELIVERY, "the failed first attempt", || {
        deliveries(&w.admin, &hid)
            .into_iter()
            .next()
            .filter(|d| d["attempt_count"] == 1)
    });
    assert_eq!(d["state"], "pending");
    assert_eq!(
        w.admin
            .delete(&format!("/api/v4/hooks/outgoing/{hid}"))
            .status,
        200
    );
    assert!(rx.next(3).is_none(), "a deleted hook was called");
}

// ---------------------------------------------------------------- real clients

#[test]
fn signature_is_verified_by_the_standardwebhooks_package() {
    let w = world();
    let rx = ok_receiver();
    let mut secrets = Vec::new();
    for (word, ctype) in [("j", "application/json"), ("f", "")] {
        let h = create_hook(
            &w.admin,
            json!({"team_id": w.tid, "trigger_words": [word], "callback_urls": [rx.url],
                   "content_type": ctype}),
        );
        secrets.push(h["signing_secret"].as_str().unwrap().to_string());
        w.admin.create_post(&w.dev, &format!("{word} signed ü"));
    }
    for _ in 0..2 {
        let got = rx.next(20).expect("callback");
        let is_json = got.header("Content-Type") == Some("application/json");
        let secret = if is_json { &secrets[0] } else { &secrets[1] };
        let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now - ts).abs() < 60, "timestamp in seconds: {ts}");
        assert!(got.header("webhook-signature").unwrap().starts_with("v1,"));
        let input = json!({
            "secret": secret,
            "headers": {
                "webhook-id": got.header("webhook-id").unwrap(),
                "webhook-timestamp": got.header("webhook-timestamp").unwrap(),
                "webhook-signature": got.header("webhook-signature").unwrap(),
            },
            "body": got.body_str(),
            "other_secret": if is_json { &secrets[1] } else { &secrets[0] },
        });
        let out = run_python("verify_standard_webhook.py", &[], &input.to_string());
        assert_eq!(out.trim(), "verified", "{out}");
    }
}

#[test]
fn mattermostdriver_creates_lists_and_deletes_outgoing_hooks() {
    let w = world();
    let rx = ok_receiver();
    let port = w.ts.url.rsplit(':').next().unwrap().to_string();
    let token = w.admin.token.clone().unwrap();
    let out = run_python(
        "mmdriver_outgoing.py",
        &[&port, &token, &w.tid, &w.dev, &rx.url],
        "",
    );
    let report: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(report["created"]["trigger_words"], json!(["mmdriver"]));
    assert_eq!(report["listed"], 1);
    assert_eq!(report["listed_after_delete"], 0);
    // The hook the driver created fired before it was deleted.
    let got = rx.next(20).expect("the driver-created hook fired");
    assert_eq!(form(&got.body)["trigger_word"], "mmdriver");
}

#[test]
fn slash_command_posts_fire_hooks_but_response_url_posts_do_not() {
    // Spec §3: /echo and in_channel command answers fire; response_url posts never do.
    let w = world();
    let rx = MockReceiver::start(|_, _| Reply::text(200, ""));
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "channel_id": w.dev, "display_name": "h", "trigger_words": ["deploy"], "callback_urls": [format!("{}/hook", rx.url)]}),
    );
    let r = w.admin.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": w.dev, "team_id": w.tid, "command": "/echo deploy now"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let got = rx.next(20).expect("the /echo post fired the hook");
    assert!(
        got.body_str().contains("trigger_word=deploy"),
        "{}",
        got.body_str()
    );
    // A command whose delayed answer (via response_url) starts with the trigger word.
    let cmd_rx = MockReceiver::start(|_, _| {
        Reply::json(json!({"response_type": "ephemeral", "text": "working"}))
    });
    let cmd = w.admin.post(
        "/api/v4/commands",
        &json!({"team_id": w.tid, "trigger": "later", "method": "P", "url": format!("{}/cmd", cmd_rx.url)}),
    );
    assert_eq!(cmd.status, 201, "{}", cmd.body);
    let r = w.admin.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": w.dev, "team_id": w.tid, "command": "/later"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let call = cmd_rx.next(20).expect("command called");
    let form: HashMap<String, String> = parse_query(&call.body_str()).into_iter().collect();
    let url = form["response_url"].clone();
    let path = url
        .split_once("/hooks/")
        .map(|(_, p)| format!("/hooks/{p}"))
        .unwrap();
    let r = w.ts.anon().post(
        &path,
        &json!({"response_type": "in_channel", "text": "deploy finished"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(w
        .admin
        .channel_posts(&w.dev)
        .iter()
        .any(|p| p["message"] == "deploy finished"));
    assert!(
        rx.next(2).is_none(),
        "a response_url post fired an outgoing hook"
    );
}

#[test]
fn a_backlog_beyond_the_queue_is_delivered_without_waiting_for_the_scan_interval() {
    // Two deliveries fit in memory; the rest wait in the database. The scanner must refill the
    // queue as soon as it runs low, not at its (here: one minute) interval.
    let w = world_with(|c| {
        c.perch.outgoing_queue_size = 2;
        c.perch.outgoing_workers = 1;
        c.perch.outgoing_scan_interval_millis = 60_000;
    });
    // A slow receiver, so the posts outrun the deliveries and the queue overflows.
    let rx = MockReceiver::start(|_, _| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        Reply::text(200, "")
    });
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    for i in 0..12 {
        w.admin.create_post(&w.dev, &format!("go {i}"));
    }
    for i in 0..12 {
        assert!(rx.next(10).is_some(), "delivery {i} did not arrive");
    }
}
