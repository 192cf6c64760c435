//! `api/incoming_hooks.rs`: creating, listing, getting, updating and deleting incoming
//! webhooks, with their permissions, the disabled setting, and archiving a channel.

use super::*;

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
