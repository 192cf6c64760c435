//! `commands/builtin.rs`: every built-in command, each checked through the REST API (status,
//! echo, me/shrug/code, join/open/leave, msg/groupmsg, invite/kick, header/purpose/rename,
//! mute, expand/collapse, help/logout), with the status and group-channel endpoints they use.

use super::*;

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
