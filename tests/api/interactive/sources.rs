//! Actions from every kind of post: incoming webhooks, bots' REST posts, slash-command and
//! outgoing-webhook answers, ephemeral posts (with their cookies); ids are generated, the
//! integration never reaches a client, and each click calls back the right URL.

use super::*;
use crate::bots::{create_bot, create_token, token_client};

#[test]
fn webhook_buttons_call_back_update_the_post_and_answer_the_clicker_alone() {
    let fx = fx();
    let recv = integration(json!({
        "update": {"message": "Deployed by @bob", "props": {}},
        "ephemeral_text": "You approved <http://ci.example/42|build 42>."
    }));
    let hook = incoming_hook(&fx.admin, &fx.town);
    let url = format!("{}/approve", recv.url);
    let payload = json!({
        "text": "Deploy to production?",
        "username": "ci-bot",
        "attachments": [attachment(vec![
            button("", "Approve", &url, json!({"env": "zone-blue", "build": 42, "tags": ["a"]})),
            button("reject", "Reject", &url, json!({"env": "zone-blue"})),
        ])]
    });
    let post = hook_post(&fx.ts, &fx.bob, &hook, &payload);
    let pid = id_of(&post);
    let approve = action_id(&post, "Approve");
    assert_eq!(approve.len(), 26, "a generated id");
    assert_eq!(
        action_id(&post, "Reject"),
        "reject",
        "an integration's id is kept"
    );
    // Readers see the buttons but never where they call or with what.
    for body in [
        fx.bob.get(&format!("/api/v4/posts/{pid}")).body,
        fx.bob
            .get(&format!("/api/v4/channels/{}/posts", fx.town))
            .body,
        fx.bob.get(&format!("/api/v4/posts/{pid}/thread")).body,
    ] {
        assert!(body.contains("Approve"), "{body}");
        assert!(!body.contains("integration"), "{body}");
        assert!(!body.contains(&recv.url), "{body}");
        assert!(!body.contains("zone-blue"), "{body}");
    }

    let mut bob_ws = socket(&fx.ts, &fx.bob);
    let mut admin_ws = socket(&fx.ts, &fx.admin);
    let client_trigger = click_ok(&fx.bob, &pid, &approve, json!({"selected_option": ""}));

    let (rec, call) = next_call(&recv);
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.url, "/approve");
    assert_eq!(rec.header("Content-Type"), Some("application/json"));
    assert_eq!(rec.header("Accept"), Some("application/json"));
    assert_eq!(rec.header("User-Agent"), Some("Mattermost-Bot/1.1"));
    assert!(rec.header("Authorization").is_none());
    assert_eq!(call["user_id"], fx.bob.id().as_str());
    assert_eq!(call["user_name"], "bob");
    assert_eq!(call["channel_id"], fx.town.as_str());
    assert_eq!(call["channel_name"], "town-square");
    assert_eq!(call["team_id"], fx.tid.as_str());
    assert_eq!(call["team_domain"], "acme");
    assert_eq!(call["post_id"], pid.as_str());
    assert_eq!(call["type"], "");
    assert_eq!(call["data_source"], "");
    assert_eq!(
        call["context"],
        json!({"env": "zone-blue", "build": 42, "tags": ["a"]})
    );
    // The integration's trigger id is the signed form of the client's.
    let trigger = call["trigger_id"].as_str().unwrap();
    let decoded = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, trigger).unwrap(),
    )
    .unwrap();
    let parts: Vec<&str> = decoded.split(':').collect();
    assert_eq!(parts.len(), 4, "{decoded}");
    assert_eq!(parts[0], client_trigger);
    assert_eq!(parts[1], fx.bob.id());
    assert_eq!(call.as_object().unwrap().len(), 11, "{call}");

    // `"props": {}` removed the buttons; the webhook's own props stayed.
    let after = get_post(&fx.bob, &pid);
    assert_eq!(after["message"], "Deployed by @bob");
    assert!(after["edit_at"].as_i64().unwrap() > 0);
    assert!(after["props"].get("attachments").is_none(), "{after}");
    assert_eq!(after["props"]["from_webhook"], "true");
    assert_eq!(after["props"]["override_username"], "ci-bot");

    let (ev, edited) = post_event(&mut bob_ws, "post_edited");
    assert_eq!(ev["broadcast"]["channel_id"], fx.town.as_str());
    assert_eq!(edited["message"], "Deployed by @bob");
    let (ev, eph) = post_event(&mut bob_ws, "ephemeral_message");
    assert_eq!(ev["broadcast"]["user_id"], fx.bob.id().as_str());
    assert_eq!(
        eph["message"],
        "You approved [build 42](http://ci.example/42)."
    );
    assert_eq!(eph["type"], "system_ephemeral");
    assert_eq!(eph["user_id"], fx.bob.id().as_str());
    assert_eq!(eph["channel_id"], fx.town.as_str());
    assert_eq!(eph["root_id"], pid.as_str());
    assert_eq!(eph["props"]["override_username"], "ci-bot");
    // The admin reads the channel too: the edit reaches them, the ephemeral answer does not.
    post_event(&mut admin_ws, "post_edited");
    no_event(
        &mut admin_ws,
        "ephemeral_message",
        Duration::from_millis(500),
    );

    let log = call_log(&fx.admin, &format!("/api/v4/hooks/incoming/{hook}/actions"));
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["kind"], "action");
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(log[0]["error_id"], "");
    assert_eq!(log[0]["post_id"], pid.as_str());
    assert_eq!(log[0]["action_id"], approve.as_str());
    assert_eq!(log[0]["url"], url.as_str());
}

#[test]
fn a_bots_menus_send_the_choice_and_an_update_without_props_keeps_them() {
    let fx = fx_with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
    });
    let recv = integration(json!({"update": {"message": "Triaged", "props": null}}));
    let bot = create_bot(&fx.admin, "triage");
    let bot_id = bot["user_id"].as_str().unwrap().to_string();
    fx.admin.add_to_team(&fx.tid, &bot_id);
    fx.admin.add_to_channel(&fx.dev, &bot_id);
    let (_, secret) = create_token(&fx.admin, &bot_id);
    let bot_client = token_client(&fx.ts, &secret);
    let url = format!("{}/triage", recv.url);
    let r = bot_client.post(
        "/api/v4/posts",
        &json!({"channel_id": fx.dev, "message": "New issue #12", "props": {"attachments": [
            {"text": "Assign it", "actions": [
                {"id": "severity", "name": "Severity", "type": "select", "default_option": "low",
                 "options": [{"text": "Low", "value": "low"}, {"text": "High", "value": "high"}],
                 "integration": {"url": url, "context": {"issue": 12}}},
                {"id": "owner", "name": "Owner", "type": "select", "data_source": "users",
                 "integration": {"url": url}},
                {"id": "where", "name": "Channel", "type": "select", "data_source": "channels",
                 "integration": {"url": url}},
                {"id": "ping", "name": "Ping", "type": "button", "integration": {"url": url}}
            ]}
        ]}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let post = r.json();
    assert!(!r.body.contains("integration"), "{}", r.body);
    assert_eq!(post["props"]["from_bot"], "true");
    let pid = id_of(&post);
    let menu = &actions_of(&post)[0];
    assert_eq!(menu["options"][1], json!({"text": "High", "value": "high"}));
    assert_eq!(menu["default_option"], "low");

    click_ok(
        &fx.bob,
        &pid,
        "severity",
        json!({"selected_option": "high"}),
    );
    let (_, call) = next_call(&recv);
    assert_eq!(call["type"], "select");
    assert_eq!(call["data_source"], "");
    assert_eq!(
        call["context"],
        json!({"issue": 12, "selected_option": "high"})
    );

    click_ok(
        &fx.bob,
        &pid,
        "owner",
        json!({"selected_option": fx.admin.id()}),
    );
    let (_, call) = next_call(&recv);
    assert_eq!(call["data_source"], "users");
    assert_eq!(call["context"], json!({"selected_option": fx.admin.id()}));

    click_ok(&fx.bob, &pid, "where", json!({"selected_option": fx.town}));
    let (_, call) = next_call(&recv);
    assert_eq!(call["data_source"], "channels");

    // A menu opened but nothing chosen, and a button: no selected_option, no context added.
    click_ok(&fx.bob, &pid, "owner", json!({"selected_option": ""}));
    let (_, call) = next_call(&recv);
    assert_eq!(call["data_source"], "");
    assert!(call.get("context").is_none(), "{call}");
    // mattermostdriver sends `{}`; an undecodable body counts as empty, as in Mattermost.
    let r = fx.bob.post_raw(
        &format!("/api/v4/posts/{pid}/actions/ping"),
        "application/json",
        b"not json",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, call) = next_call(&recv);
    assert_eq!(call["type"], "button");

    // `"props": null` kept the menus; the message changed.
    let after = get_post(&fx.bob, &pid);
    assert_eq!(after["message"], "Triaged");
    assert_eq!(actions_of(&after).len(), 4);
    assert_eq!(after["props"]["from_bot"], "true");
    let log = call_log(&fx.admin, &format!("/api/v4/users/{bot_id}/actions"));
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|r| r["source_kind"] == "user"));
}

#[test]
fn slash_command_answers_carry_buttons_in_channel_and_ephemerally() {
    let fx = fx();
    let ephemeral = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ephemeral.clone();
    let recv = MockReceiver::start(move |_, rec| {
        let act = rec.url.replace("/cmd", "/act");
        if rec.url.starts_with("/cmd") {
            let kind = if flag.load(std::sync::atomic::Ordering::SeqCst) {
                "ephemeral"
            } else {
                "in_channel"
            };
            let act_url = format!("http://{}{}", rec.header("Host").unwrap(), act);
            Reply::json(json!({"response_type": kind, "text": "Pick one",
                "attachments": [{"text": "Environment", "actions": [
                    {"name": "Staging", "integration": {"url": act_url, "context": {"env": "staging"}}}]}]}))
        } else if rec.url == "/act-update" {
            Reply::json(json!({"update": {"message": "x"}, "ephemeral_text": "not sent"}))
        } else {
            Reply::json(json!({"ephemeral_text": "Deploying to staging"}))
        }
    });
    let cmd = command(&fx.admin, &fx.tid, "deploy", &format!("{}/cmd", recv.url));
    let r = exec(&fx.bob, &fx.dev, "/deploy now");
    assert_eq!(r.status, 200, "{}", r.body);
    // The answer to the client that ran it keeps the buttons, never their URL or context.
    assert_eq!(r.json()["attachments"][0]["actions"][0]["name"], "Staging");
    assert!(!r.body.contains("integration"), "{}", r.body);
    assert!(!r.body.contains("/act"), "{}", r.body);
    recv.next(5).expect("the command was called");
    let post = fx.bob.channel_posts(&fx.dev)[0].clone();
    assert_eq!(post["message"], "Pick one");
    assert_eq!(post["props"]["from_webhook"], "true");
    let pid = id_of(&post);
    click_ok(&fx.bob, &pid, &action_id(&post, "Staging"), json!({}));
    let (rec, call) = next_call(&recv);
    assert_eq!(rec.url, "/act");
    assert_eq!(call["context"], json!({"env": "staging"}));
    let log = call_log(
        &fx.admin,
        &format!("/api/v4/commands/{}/actions", id_of(&cmd)),
    );
    assert_eq!(log.len(), 1, "{log:?}");

    // The same answer, ephemeral: the buttons come with sealed cookies and no integration.
    ephemeral.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut ws = socket(&fx.ts, &fx.bob);
    let r = exec(&fx.bob, &fx.dev, "/deploy again");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("integration"), "{}", r.body);
    recv.next(5).expect("the command was called");
    let (ev, eph) = post_event(&mut ws, "ephemeral_message");
    assert!(!ev.to_string().contains("integration"), "{ev}");
    assert!(!ev.to_string().contains("staging\""), "{ev}");
    let action = &actions_of(&eph)[0];
    let cookie = action["cookie"].as_str().expect("a cookie").to_string();
    let eph_id = id_of(&eph);
    let aid = action["id"].as_str().unwrap().to_string();
    click_ok(&fx.bob, &eph_id, &aid, json!({"cookie": cookie}));
    let (rec, call) = next_call(&recv);
    assert_eq!(rec.url, "/act");
    assert_eq!(call["post_id"], eph_id.as_str());
    assert_eq!(call["context"], json!({"env": "staging"}));
    let (_, answer) = post_event(&mut ws, "ephemeral_message");
    assert_eq!(answer["message"], "Deploying to staging");
    assert_eq!(answer["root_id"], eph_id.as_str());
    // Without its cookie the server cannot know the ephemeral post (to a plain user, an
    // unknown post is one they may not read).
    click(&fx.bob, &eph_id, &aid, json!({})).assert_error(403, "api.context.permissions.app_error");
    no_call(&recv);
    assert_eq!(
        call_log(
            &fx.admin,
            &format!("/api/v4/commands/{}/actions", id_of(&cmd))
        )
        .len(),
        2
    );
}

#[test]
fn an_ephemeral_post_cannot_be_updated_and_then_nothing_else_happens() {
    let fx = fx();
    let recv = integration(json!({"update": {"message": "x"}, "ephemeral_text": "not sent"}));
    let r = fx.admin.post(
        "/api/v4/posts/ephemeral",
        &json!({"user_id": fx.bob.id(), "post": {"channel_id": fx.dev, "message": "Choose",
            "props": {"attachments": [attachment(vec![button("go", "Go", &recv.url, json!({"k": "secret-value"}))])]}}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!r.body.contains("integration"), "{}", r.body);
    assert!(!r.body.contains("secret-value"), "{}", r.body);
    let eph = r.json();
    let cookie = actions_of(&eph)[0]["cookie"].as_str().unwrap().to_string();
    let mut ws = socket(&fx.ts, &fx.bob);
    let r = click(&fx.bob, &id_of(&eph), "go", json!({"cookie": cookie}));
    r.assert_error(404, "app.post.get.app_error");
    let (_, call) = next_call(&recv);
    assert_eq!(call["context"], json!({"k": "secret-value"}));
    no_event(&mut ws, "ephemeral_message", Duration::from_millis(500));
    let log = call_log(
        &fx.admin,
        &format!("/api/v4/users/{}/actions", fx.admin.id()),
    );
    assert_eq!(log[0]["error_id"], "app.post.get.app_error");
}

#[test]
fn cookies_are_checked() {
    let fx = fx();
    let recv = integration(json!({}));
    let secret = id_of(&fx.admin.create_channel(&fx.tid, "secret", "P"));
    let send = |channel: &str| {
        let r = fx.admin.post(
            "/api/v4/posts/ephemeral",
            &json!({"user_id": fx.bob.id(), "post": {"channel_id": channel, "message": "m",
                "props": {"attachments": [attachment(vec![button("go", "Go", &recv.url, json!({}))])]}}}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let v = r.json();
        (
            id_of(&v),
            actions_of(&v)[0]["cookie"].as_str().unwrap().to_string(),
        )
    };
    let (pid, cookie) = send(&fx.dev);
    // Altered, or another post's: refused before any call.
    let mut raw =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &cookie).unwrap();
    raw[20] ^= 1;
    let tampered = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw);
    click(&fx.bob, &pid, "go", json!({"cookie": tampered}))
        .assert_error(400, "api.post.do_action.action_integration.app_error");
    click(&fx.bob, &pid, "go", json!({"cookie": "garbage"}))
        .assert_error(400, "api.post.do_action.action_integration.app_error");
    let (other, _) = send(&fx.dev);
    click(&fx.bob, &other, "go", json!({"cookie": cookie}))
        .assert_error(400, "api.post.do_action.action_integration.app_error");
    // A cookie for a channel the clicker cannot read.
    let (spid, scookie) = send(&secret);
    click(&fx.bob, &spid, "go", json!({"cookie": scookie}))
        .assert_error(403, "api.context.permissions.app_error");
    no_call(&recv);
    click_ok(&fx.bob, &pid, "go", json!({"cookie": cookie}));
    next_call(&recv);
}

#[test]
fn outgoing_webhook_answers_carry_buttons() {
    let fx = fx();
    let recv = MockReceiver::start(|_, rec| {
        if rec.url == "/hook" {
            let act = format!("http://{}/act", rec.header("Host").unwrap());
            Reply::json(json!({"text": "Build failed", "attachments": [
                {"actions": [{"id": "retry", "name": "Retry", "integration": {"url": act, "context": {"job": 7}}}]}]}))
        } else {
            Reply::json(json!({"update": {"message": "Retrying", "props": {}}}))
        }
    });
    let r = fx.admin.post(
        "/api/v4/hooks/outgoing",
        &json!({"team_id": fx.tid, "channel_id": fx.dev, "display_name": "ci",
                "trigger_words": ["build"], "callback_urls": [format!("{}/hook", recv.url)]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = id_of(&r.json());
    fx.bob.create_post(&fx.dev, "build please");
    recv.next(10).expect("the outgoing hook fired");
    let post = eventually(PATIENCE, "the hook's answer", || {
        fx.bob
            .channel_posts(&fx.dev)
            .into_iter()
            .find(|p| p["message"] == "Build failed")
    });
    assert!(!post.to_string().contains("integration"));
    click_ok(&fx.bob, &id_of(&post), "retry", json!({}));
    let (rec, call) = next_call(&recv);
    assert_eq!(rec.url, "/act");
    assert_eq!(call["context"], json!({"job": 7}));
    assert_eq!(get_post(&fx.bob, &id_of(&post))["message"], "Retrying");
    let log = call_log(&fx.admin, &format!("/api/v4/hooks/outgoing/{hook}/actions"));
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["source_kind"], "outgoing_hook");
}

#[test]
fn rest_attachments_are_saved_in_mattermosts_shape() {
    let fx = fx();
    let r = fx.bob.post(
        "/api/v4/posts",
        &json!({"channel_id": fx.dev, "message": "m", "props": {"attachments": [
            {"Title": "T", "made_up": 1, "fields": [null, {"title": "n", "value": 5, "short": "true"}],
             "actions": [null, {"name": "Go", "style": "primary", "bogus": 1, "integration": {"url": "http://x.example/a", "context": {}}}]},
            {"title": 5},
            null
        ]}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let post = r.json();
    let atts = post["props"]["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 2, "{post}");
    let a = &atts[0];
    assert_eq!(a["title"], "T");
    assert!(a.get("made_up").is_none());
    assert_eq!(a["pretext"], "");
    assert_eq!(
        a["fields"],
        json!([{"title": "n", "value": 5, "short": true}])
    );
    let go = &a["actions"].as_array().unwrap()[0];
    assert_eq!(go["name"], "Go");
    assert_eq!(go["style"], "primary");
    assert_eq!(go["id"].as_str().unwrap().len(), 26);
    assert!(go.get("bogus").is_none());
    assert!(go.get("integration").is_none());
    // The same shape on every read.
    assert_eq!(get_post(&fx.bob, &id_of(&post))["props"], post["props"]);
    // An edit's new actions get ids too.
    let pid = id_of(&post);
    let r = fx.bob.put(
        &format!("/api/v4/posts/{pid}/patch"),
        &json!({"props": {"attachments": [{"actions": [{"name": "New", "integration": {"url": "http://x.example/b"}}]}]}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let edited = r.json();
    assert_eq!(action_id(&edited, "New").len(), 26);
    assert!(!r.body.contains("integration"));
}
