//! `api/outgoing_hooks.rs`: creating, validating, updating and deleting outgoing webhooks,
//! their permissions, the disabled setting, archiving a channel, and the real
//! `mattermostdriver` managing them.

use super::*;

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
