//! What a payload's fields become (`hooks/incoming.rs`'s `deliver`, `hooks/slack.rs`):
//! props and overrides, channel names and direct messages, attachments, Slack markup,
//! splitting long text, threads, post type and priority.

use super::*;

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
