//! Which posts fire which hooks (`outgoing/mod.rs`'s `plan`): trigger words (exact and
//! prefix), channel hooks, private and direct channels, and posts made by slash commands and
//! their `response_url`.

use super::*;

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

#[test]
fn slash_command_posts_fire_hooks_but_response_url_posts_do_not() {
    // `docs/spec/outgoing-webhooks.md` §3: /echo and in_channel command answers fire; response_url
    // posts never do.
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
