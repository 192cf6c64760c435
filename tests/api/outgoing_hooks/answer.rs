//! A receiver's answer (`outgoing/response.rs`): text and attachments become posts from the
//! hook (split when long), other answers post nothing, and answer posts never fire hooks.

use super::*;

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
    // `from_webhook`/`from_bot` (`docs/spec/outgoing-webhooks.md` §3): a bot or user posting
    // through the REST API fires hooks whatever props it sends.
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
