//! Reactions and the other REST calls listening bots make (posts/ephemeral, users/usernames,
//! users/status/ids, channels/members/me/view, a user's channel members, channel stats).

use crate::common::*;
use serde_json::{json, Value};

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("no {k} in {v}"))
        .to_string()
}

#[test]
fn reactions_round_trip_with_permissions_and_metadata() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let carol = ts.user(&admin, "carol");
    let ch = admin.create_channel(&tid, "talk", "O");
    let cid = s(&ch, "id");
    admin.add_to_channel(&cid, &bob.id());
    let post = admin.create_post(&cid, "react to me");
    let pid = s(&post, "id");

    let r = bob.post(
        "/api/v4/reactions",
        &json!({"user_id": bob.id(), "post_id": pid, "emoji_name": "+1"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["emoji_name"], "+1");
    assert_eq!(saved["channel_id"], cid.as_str());
    assert_eq!(saved["delete_at"], 0);
    // Saving it again is harmless and returns the same reaction.
    let again = bob.post(
        "/api/v4/reactions",
        &json!({"user_id": bob.id(), "post_id": pid, "emoji_name": "+1"}),
    );
    assert_eq!(again.json()["create_at"], saved["create_at"]);

    // For someone else: 403; bad emoji: 400; a non-member of the channel: 403.
    bob.post(
        "/api/v4/reactions",
        &json!({"user_id": admin.id(), "post_id": pid, "emoji_name": "x"}),
    )
    .assert_error(403, "api.reaction.save_reaction.user_id.app_error");
    bob.post(
        "/api/v4/reactions",
        &json!({"user_id": bob.id(), "post_id": pid, "emoji_name": "no spaces"}),
    )
    .assert_error(400, "model.reaction.is_valid.emoji_name.app_error");
    bob.post(
        "/api/v4/reactions",
        &json!({"user_id": bob.id(), "post_id": "nope", "emoji_name": "x"}),
    )
    .assert_error(400, "api.reaction.save_reaction.invalid.app_error");
    carol
        .post(
            "/api/v4/reactions",
            &json!({"user_id": carol.id(), "post_id": pid, "emoji_name": "x"}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    bob.post_raw("/api/v4/reactions", "application/json", b"{")
        .assert_error(400, "api.context.invalid_param.app_error");

    let list = bob.get(&format!("/api/v4/posts/{pid}/reactions")).json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let got = bob.get(&format!("/api/v4/posts/{pid}")).json();
    assert_eq!(got["metadata"]["reactions"][0]["emoji_name"], "+1");
    let page = bob.get(&format!("/api/v4/channels/{cid}/posts")).json();
    assert_eq!(
        page["posts"][&pid]["metadata"]["reactions"][0]["user_id"],
        bob.id().as_str()
    );
    let other = admin.create_post(&cid, "no reactions");
    let bulk = bob
        .post(
            "/api/v4/posts/ids/reactions",
            &json!([pid, s(&other, "id")]),
        )
        .json();
    assert_eq!(bulk[&pid].as_array().unwrap().len(), 1);
    assert_eq!(bulk[s(&other, "id")], json!([]));

    // Removing someone else's reaction needs remove_others_reactions.
    carol
        .delete(&format!(
            "/api/v4/users/{}/posts/{pid}/reactions/+1",
            bob.id()
        ))
        .assert_error(403, "api.context.permissions.app_error");
    let r = bob.delete(&format!("/api/v4/users/me/posts/{pid}/reactions/+1"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "OK");
    assert_eq!(
        bob.get(&format!("/api/v4/posts/{pid}/reactions")).json(),
        json!([])
    );
    assert!(bob.get(&format!("/api/v4/posts/{pid}")).json()["metadata"]
        .get("reactions")
        .is_none());
}

#[test]
fn ephemeral_posts_need_the_permission_and_are_not_stored() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = s(&admin.create_channel(&tid, "eph", "O"), "id");
    let body = json!({"user_id": bob.id(), "post": {"channel_id": cid, "message": "psst"}});
    bob.post("/api/v4/posts/ephemeral", &body)
        .assert_error(403, "api.context.permissions.app_error");
    let r = admin.post("/api/v4/posts/ephemeral", &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let p = r.json();
    assert_eq!(p["type"], "system_ephemeral");
    assert_eq!(p["message"], "psst");
    assert_eq!(p["user_id"], admin.id().as_str());
    assert_eq!(
        admin.get(&format!("/api/v4/posts/{}", s(&p, "id"))).status,
        404
    );
    admin
        .post("/api/v4/posts/ephemeral", &json!({"user_id": bob.id()}))
        .assert_error(400, "api.context.invalid_param.app_error");
}

#[test]
fn users_by_usernames_statuses_by_ids_view_members_and_stats() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let users = bob
        .post(
            "/api/v4/users/usernames",
            &json!(["admin", "@bob", "ghost"]),
        )
        .json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["admin", "bob"]);
    assert!(users[0].get("password").is_none());

    let unknown = "a".repeat(26);
    let st = bob
        .post("/api/v4/users/status/ids", &json!([admin.id(), unknown]))
        .json();
    assert_eq!(st.as_array().unwrap().len(), 2);
    assert_eq!(st[1]["status"], "offline");
    bob.post("/api/v4/users/status/ids", &json!(["bad"]))
        .assert_error(400, "api.context.invalid_body_param.app_error");

    let cid = s(&admin.create_channel(&tid, "viewed", "O"), "id");
    admin.add_to_channel(&cid, &bob.id());
    admin.create_post(&cid, "one");
    let r = bob.post(
        "/api/v4/channels/members/me/view",
        &json!({"channel_id": cid, "prev_channel_id": ""}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "OK");
    assert!(v["last_viewed_at_times"][&cid].as_i64().unwrap() > 0);
    let m = bob
        .get(&format!("/api/v4/channels/{cid}/members/me"))
        .json();
    assert_eq!(m["msg_count"], 1);
    // A channel the caller is not in is passed over (the web app views a channel it has
    // just left): nothing marked, no membership made.
    let private = s(&admin.create_channel(&tid, "closed", "P"), "id");
    let r = bob.post(
        "/api/v4/channels/members/me/view",
        &json!({"channel_id": private, "prev_channel_id": cid}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let times = r.json()["last_viewed_at_times"].clone();
    assert!(times.get(&private).is_none(), "{times}");
    assert!(times[&cid].as_i64().unwrap() > 0, "{times}");
    bob.get(&format!("/api/v4/channels/{private}/members/me"))
        .assert_error(403, "api.context.permissions.app_error");

    let members = bob
        .get(&format!("/api/v4/users/me/teams/{tid}/channels/members"))
        .json();
    let ids: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["channel_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&cid.as_str()), "{members}");
    assert!(!ids.contains(&private.as_str()));
    bob.get(&format!(
        "/api/v4/users/{}/teams/{tid}/channels/members",
        admin.id()
    ))
    .assert_error(403, "api.context.permissions.app_error");
    let tm = bob.get("/api/v4/users/me/teams/members").json();
    assert_eq!(tm[0]["team_id"], tid.as_str());

    let stats = bob.get(&format!("/api/v4/channels/{cid}/stats")).json();
    assert_eq!(stats["channel_id"], cid.as_str());
    assert_eq!(stats["member_count"], 2);
    bob.get(&format!("/api/v4/channels/{private}/stats"))
        .assert_error(403, "api.context.permissions.app_error");
}
