//! Unread mentions kept on the server: a channel member's `mention_count`, the team's unread
//! counts, their clearing on view, so badges survive a reload (the web app reads them from
//! `GET /users/me/teams/{team_id}/channels/members` and `GET /users/me/teams/unread`).

use crate::common::*;
use serde_json::{json, Value};

fn member(c: &Client, channel_id: &str) -> Value {
    let r = c.get(&format!("/api/v4/channels/{channel_id}/members/{}", c.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn team_unread(c: &Client, team_id: &str) -> Value {
    let r = c.get("/api/v4/users/me/teams/unread");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team_id"] == team_id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn mentions_are_counted_per_member_and_per_team_and_cleared_on_view() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let carol = srv.user(&admin, "carol");
    admin.add_to_team(&tid, &carol.id());
    let dev = id_of(&admin.create_channel(&tid, "dev", "O"));
    admin.add_to_channel(&dev, &bob.id());
    admin.add_to_channel(&dev, &carol.id());
    for c in [&admin, &bob, &carol] {
        let r = c.post(
            "/api/v4/channels/members/me/view",
            &json!({"channel_id": dev}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // A mention of bob, a message naming nobody, a reply mentioning carol (bob. with a dot).
    let root = admin.create_post(&dev, "hey @bob. can you look?");
    admin.create_post(&dev, "no one in particular");
    let r = admin.post(
        "/api/v4/posts",
        &json!({"channel_id": dev, "message": "and @Carol too", "root_id": id_of(&root)}),
    );
    assert_eq!(r.status, 201);
    let b = member(&bob, &dev);
    assert_eq!(
        (b["mention_count"].clone(), b["mention_count_root"].clone()),
        (json!(1), json!(1))
    );
    let c = member(&carol, &dev);
    assert_eq!(
        (c["mention_count"].clone(), c["mention_count_root"].clone()),
        (json!(1), json!(0))
    );
    // The author is never counted; an e-mail address is no mention.
    admin.create_post(&dev, "mail admin@example.com, @admin");
    assert_eq!(member(&admin, &dev)["mention_count"], 0);
    assert_eq!(member(&bob, &dev)["mention_count"], 1);

    // @channel counts for everyone else.
    bob.create_post(&dev, "@channel standup in 5");
    assert_eq!(member(&admin, &dev)["mention_count"], 1);
    assert_eq!(member(&carol, &dev)["mention_count"], 2);
    assert_eq!(member(&bob, &dev)["mention_count"], 1);

    // The team's unread counts: carol has not seen 5 posts and has 2 mentions.
    let t = team_unread(&carol, &tid);
    assert_eq!(t["mention_count"], 2, "{t}");
    assert_eq!(t["msg_count"], 5, "{t}");
    // The same members list the web app reads after a reload.
    let list = carol
        .get(&format!("/api/v4/users/me/teams/{tid}/channels/members"))
        .json();
    let in_dev = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel_id"] == dev.as_str())
        .unwrap()
        .clone();
    assert_eq!(in_dev["mention_count"], 2);

    // Viewing clears them.
    let r = carol.post(
        "/api/v4/channels/members/me/view",
        &json!({"channel_id": dev}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(member(&carol, &dev)["mention_count"], 0);
    let t = team_unread(&carol, &tid);
    assert_eq!(
        (t["mention_count"].clone(), t["msg_count"].clone()),
        (json!(0), json!(0))
    );
}

#[test]
fn direct_messages_and_webhook_posts_mention() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let dm = bob.post("/api/v4/channels/direct", &json!([bob.id(), admin.id()]));
    assert_eq!(dm.status, 201, "{}", dm.body);
    let dm = id_of(&dm.json());
    bob.create_post(&dm, "no at sign needed");
    bob.create_post(&dm, "still one more");
    assert_eq!(member(&admin, &dm)["mention_count"], 2);
    assert_eq!(member(&bob, &dm)["mention_count"], 0);

    // A webhook posting as the admin who made it still mentions that admin.
    let ts = admin.town_square(&tid);
    let hook = admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": ts, "display_name": "ci"}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    let r = srv.anon().post(
        &format!("/hooks/{}", id_of(&hook.json())),
        &json!({"text": "build broke, @admin and @bob"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(member(&admin, &ts)["mention_count"], 1);
    assert_eq!(member(&bob, &ts)["mention_count"], 1);
}

/// "Mark as Unread" on a post: the channel is unread from that post on, its mentions counted
/// again, the user told on their sockets.
#[test]
fn mark_as_unread_from_a_post() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let dev = id_of(&admin.create_channel(&tid, "dev", "O"));
    admin.add_to_channel(&dev, &bob.id());
    let first = admin.create_post(&dev, "first, for @bob");
    admin.create_post(&dev, "second");
    bob.create_post(&dev, "bob's own, @bob");
    let r = bob.post(
        "/api/v4/channels/members/me/view",
        &json!({"channel_id": dev}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(member(&bob, &dev)["mention_count"], 0);
    let (mut ws, _) = crate::websocket::open_as(&srv, &bob);

    let r = bob.post(
        &format!("/api/v4/users/me/posts/{}/set_unread", id_of(&first)),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["channel_id"], dev.as_str());
    assert_eq!(v["team_id"], tid.as_str());
    assert_eq!(v["user_id"], bob.id());
    // Three posts unread (his own among them), one mention (his own does not count).
    assert_eq!(v["mention_count"], 1, "{v}");
    assert_eq!(
        v["last_viewed_at"],
        first["create_at"].as_i64().unwrap() - 1
    );
    let m = member(&bob, &dev);
    assert_eq!(m["mention_count"], 1);
    assert_eq!(m["msg_count"], v["msg_count"]);
    let total = admin.get(&format!("/api/v4/channels/{dev}")).json()["total_msg_count"]
        .as_i64()
        .unwrap();
    assert_eq!(v["msg_count"].as_i64().unwrap(), total - 3);
    let (e, _) = ws.until("post_unread");
    assert_eq!(e["data"]["post_id"], first["id"]);
    assert_eq!(e["data"]["mention_count"], 1);
    assert_eq!(team_unread(&bob, &tid)["mention_count"], 1);

    // Someone else's unread state is not bob's to set; a bad id; no session.
    bob.post(
        &format!(
            "/api/v4/users/{}/posts/{}/set_unread",
            admin.id(),
            id_of(&first)
        ),
        &json!({}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    bob.post("/api/v4/users/me/posts/nope/set_unread", &json!({}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    bob.post(
        &format!("/api/v4/users/me/posts/{}/set_unread", "x".repeat(26)),
        &json!({}),
    )
    .assert_error(404, "app.post.get.app_error");
}
