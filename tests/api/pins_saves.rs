//! Pinned and saved posts through real HTTP: pinning and unpinning (who may, what it does to
//! the post, `post_edited` on a real socket, Mattermost's 400/403/404), a channel's pinned
//! list, and a user's saved (`flagged_post`) posts with their scopes, paging and the channels
//! they may no longer read; unsaving through `preferences/delete`.

use crate::common::*;
use crate::websocket::open_as;
use serde_json::{json, Value};

fn decode(v: &Value) -> Value {
    serde_json::from_str(v.as_str().expect("a JSON string")).unwrap()
}

/// The ids of a PostList, in its order.
fn order(list: &Value) -> Vec<String> {
    serde_json::from_value(list["order"].clone()).unwrap()
}

fn pinned(c: &Client, channel: &str) -> Value {
    let r = c.get(&format!("/api/v4/channels/{channel}/pinned"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Pauses so the next post has a later `create_at` (the lists order by it).
fn tick() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

#[test]
fn anyone_who_reads_the_channel_pins_and_the_pinned_list_follows() {
    let a = Acme::new().bob_joins_dev();
    let first = id_of(&a.admin.create_post(&a.dev, "the first"));
    tick();
    let second = id_of(&a.admin.create_post(&a.dev, "the second"));
    tick();
    let by_bob = a.bob.create_post(&a.dev, "bob's own");
    let by_bob = id_of(&by_bob);
    let reply = a.bob.post(
        "/api/v4/posts",
        &json!({"channel_id": a.dev, "message": "a reply", "root_id": first}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = id_of(&reply.json());
    let (mut ws, _) = open_as(&a.ts, &a.admin);

    // bob pins admin's post: Mattermost's status answer, the post changed but not edited,
    // and the channel hears post_edited with the pinned post.
    let r = a
        .bob
        .post(&format!("/api/v4/posts/{first}/pin"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"status": "OK"}));
    let (ev, _) = ws.until("post_edited");
    let post = decode(&ev["data"]["post"]);
    assert_eq!(post["id"], first.as_str());
    assert_eq!(post["is_pinned"], true);
    let got = a.bob.get(&format!("/api/v4/posts/{first}")).json();
    assert_eq!(got["is_pinned"], true);
    assert_eq!(got["edit_at"], 0);
    assert!(
        got["update_at"].as_i64() > got["create_at"].as_i64(),
        "{got}"
    );
    for id in [&by_bob, &reply] {
        let r = a.admin.post(&format!("/api/v4/posts/{id}/pin"), &json!({}));
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // The list: oldest first as Mattermost orders it, a PostList with reactions in metadata.
    let r = a.bob.post(
        "/api/v4/reactions",
        &json!({"user_id": a.bob.id(), "post_id": first, "emoji_name": "tada"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let list = pinned(&a.bob, &a.dev);
    assert_eq!(
        order(&list),
        vec![first.clone(), by_bob.clone(), reply.clone()]
    );
    assert_eq!(list["posts"].as_object().unwrap().len(), 3);
    assert_eq!(list["posts"][&first]["message"], "the first");
    assert_eq!(
        list["posts"][&first]["metadata"]["reactions"][0]["emoji_name"],
        "tada"
    );
    assert_eq!(list["next_post_id"], "");
    assert_eq!(list["prev_post_id"], "");
    let stats = a
        .bob
        .get(&format!("/api/v4/channels/{}/stats", a.dev))
        .json();
    assert_eq!(stats["pinnedpost_count"], 3);

    // Unpinned and deleted posts leave the list; pinning twice is harmless.
    let r = a
        .bob
        .post(&format!("/api/v4/posts/{by_bob}/unpin"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        a.bob.get(&format!("/api/v4/posts/{by_bob}")).json()["is_pinned"],
        false
    );
    let r = a
        .bob
        .post(&format!("/api/v4/posts/{first}/pin"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(a.bob.delete(&format!("/api/v4/posts/{reply}")).status, 200);
    assert_eq!(order(&pinned(&a.bob, &a.dev)), vec![first.clone()]);
    assert_eq!(
        a.bob
            .get(&format!("/api/v4/channels/{}/stats", a.dev))
            .json()["pinnedpost_count"],
        1
    );
    // A deleted post: 404, as Mattermost's GetSinglePost.
    a.bob
        .post(&format!("/api/v4/posts/{reply}/pin"), &json!({}))
        .assert_error(404, "app.post.get.app_error");
    // Nothing else moved: the second post was never pinned.
    assert_eq!(
        a.bob.get(&format!("/api/v4/posts/{second}")).json()["is_pinned"],
        false
    );
}

#[test]
fn pinning_refuses_what_mattermost_refuses() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    a.admin.add_to_team(&a.tid, &carol.id());
    let secret = id_of(&a.admin.create_channel(&a.tid, "secret", "P"));
    a.admin.add_to_channel(&secret, &a.bob.id());
    let hidden = id_of(&a.admin.create_post(&secret, "for members"));

    // Not a post id, an unknown post, a channel the caller cannot read.
    a.bob
        .post("/api/v4/posts/junk/pin", &json!({}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    a.bob
        .post(&format!("/api/v4/posts/{}/pin", "a".repeat(26)), &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    for path in [
        format!("/api/v4/posts/{hidden}/pin"),
        format!("/api/v4/posts/{hidden}/unpin"),
    ] {
        carol
            .post(&path, &json!({}))
            .assert_error(403, "api.context.permissions.app_error");
    }
    carol
        .get(&format!("/api/v4/channels/{secret}/pinned"))
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .get("/api/v4/channels/junk/pinned")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    a.bob
        .get(&format!("/api/v4/channels/{}/pinned", "b".repeat(26)))
        .assert_error(404, "app.channel.get.existing.app_error");
    a.ts.anon()
        .get(&format!("/api/v4/channels/{secret}/pinned"))
        .assert_error(401, "api.context.session_expired.app_error");
    assert_eq!(
        a.admin.get(&format!("/api/v4/posts/{hidden}")).json()["is_pinned"],
        false
    );

    // A system message cannot be pinned (Mattermost's UpdatePost refuses it).
    let r = a.admin.put(
        &format!("/api/v4/channels/{secret}/privacy"),
        &json!({"privacy": "O"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let system = a
        .admin
        .channel_posts(&secret)
        .into_iter()
        .find(|p| p["type"] == "system_change_chan_privacy")
        .expect("the privacy message");
    a.bob
        .post(&format!("/api/v4/posts/{}/pin", id_of(&system)), &json!({}))
        .assert_error(400, "api.post.update_post.system_message.app_error");

    // An archived channel's posts keep their pins: still listed, no longer changed (400, as
    // Mattermost's PatchPost).
    let old = id_of(&a.admin.create_channel(&a.tid, "old", "O"));
    let kept = id_of(&a.admin.create_post(&old, "kept"));
    let r = a
        .admin
        .post(&format!("/api/v4/posts/{kept}/pin"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        a.admin.delete(&format!("/api/v4/channels/{old}")).status,
        200
    );
    for path in [
        format!("/api/v4/posts/{kept}/unpin"),
        format!("/api/v4/posts/{kept}/pin"),
    ] {
        a.admin.post(&path, &json!({})).assert_error(
            400,
            "api.post.patch_post.can_not_update_post_in_deleted.error",
        );
    }
    assert_eq!(order(&pinned(&a.admin, &old)), vec![kept.clone()]);
    assert_eq!(
        a.admin.get(&format!("/api/v4/posts/{kept}")).json()["is_pinned"],
        true
    );
}

/// Saves a post for `c` the way the web app does: a `flagged_post` preference.
fn save(c: &Client, post: &str) {
    let r = c.put(
        "/api/v4/users/me/preferences",
        &json!([{"user_id": c.id(), "category": "flagged_post", "name": post, "value": "true"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

fn saved(c: &Client, query: &str) -> Vec<String> {
    let r = c.get(&format!("/api/v4/users/me/posts/flagged{query}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    let ids = order(&list);
    for id in &ids {
        assert_eq!(list["posts"][id]["id"], id.as_str(), "{list}");
    }
    ids
}

#[test]
fn saved_posts_are_the_live_ones_the_user_still_reads_newest_first() {
    let a = Acme::new().bob_joins_dev();
    let carol = a.ts.user(&a.admin, "carol");
    let in_town = id_of(&a.admin.create_post(&a.town, "in town square"));
    tick();
    let in_dev = id_of(&a.admin.create_post(&a.dev, "in dev"));
    tick();
    let dm = a
        .bob
        .post("/api/v4/channels/direct", &json!([a.bob.id(), carol.id()]));
    assert_eq!(dm.status, 201, "{}", dm.body);
    let in_dm = id_of(&carol.create_post(&id_of(&dm.json()), "in a direct message"));
    tick();
    let doomed = id_of(&a.admin.create_post(&a.dev, "to be deleted"));
    // Another team: bob is in it, then leaves its channel.
    let other = id_of(&a.admin.create_team("other"));
    a.admin.add_to_team(&other, &a.bob.id());
    let elsewhere = id_of(&a.admin.create_channel(&other, "elsewhere", "O"));
    a.admin.add_to_channel(&elsewhere, &a.bob.id());
    tick();
    let far = id_of(&a.admin.create_post(&elsewhere, "far away"));
    for p in [&in_town, &in_dev, &in_dm, &doomed, &far] {
        save(&a.bob, p);
    }
    // A save of a post that never existed is just a preference.
    save(&a.bob, &"c".repeat(26));
    assert!(saved(&carol, "").is_empty());

    // Newest first, everywhere; paging.
    assert_eq!(
        saved(&a.bob, ""),
        vec![
            far.clone(),
            doomed.clone(),
            in_dm.clone(),
            in_dev.clone(),
            in_town.clone()
        ]
    );
    assert_eq!(
        saved(&a.bob, "?page=1&per_page=2"),
        vec![in_dm.clone(), in_dev.clone()]
    );
    assert!(saved(&a.bob, "?page=3&per_page=2").is_empty());
    // One team's, with the direct messages; one channel's.
    assert_eq!(
        saved(&a.bob, &format!("?team_id={}", a.tid)),
        vec![
            doomed.clone(),
            in_dm.clone(),
            in_dev.clone(),
            in_town.clone()
        ]
    );
    assert_eq!(
        saved(&a.bob, &format!("?team_id={other}")),
        vec![far.clone(), in_dm.clone()]
    );
    assert_eq!(
        saved(&a.bob, &format!("?channel_id={}&team_id={other}", a.dev)),
        vec![doomed.clone(), in_dev.clone()]
    );

    // Deleted posts and channels bob has left drop out; the saves stay his preferences.
    assert_eq!(
        a.admin.delete(&format!("/api/v4/posts/{doomed}")).status,
        200
    );
    assert_eq!(
        a.bob
            .delete(&format!("/api/v4/channels/{elsewhere}/members/me"))
            .status,
        200
    );
    assert_eq!(
        saved(&a.bob, ""),
        vec![in_dm.clone(), in_dev.clone(), in_town.clone()]
    );
    let prefs = a
        .bob
        .get("/api/v4/users/me/preferences/flagged_post")
        .json();
    assert_eq!(prefs.as_array().unwrap().len(), 6, "{prefs}");

    // The posts carry their metadata, like every post list.
    let r = a.admin.post(
        "/api/v4/reactions",
        &json!({"user_id": a.admin.id(), "post_id": in_dev, "emoji_name": "eyes"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let list = a.bob.get("/api/v4/users/me/posts/flagged").json();
    assert_eq!(
        list["posts"][&in_dev]["metadata"]["reactions"][0]["emoji_name"],
        "eyes"
    );

    // Another user's saves: not bob's to read; an admin's to read.
    a.bob
        .get(&format!("/api/v4/users/{}/posts/flagged", carol.id()))
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .get("/api/v4/users/junk/posts/flagged")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    let r = a
        .admin
        .get(&format!("/api/v4/users/{}/posts/flagged", a.bob.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(order(&r.json()).len(), 3);
}

#[test]
fn unsaving_deletes_the_preference_and_tells_the_user() {
    let a = Acme::new();
    let post = id_of(&a.admin.create_post(&a.town, "keep this"));
    save(&a.bob, &post);
    assert_eq!(saved(&a.bob, ""), vec![post.clone()]);
    let (mut ws, _) = open_as(&a.ts, &a.bob);
    let body = json!([{"user_id": a.bob.id(), "category": "flagged_post", "name": post}]);

    // Only one's own preferences, and only under one's own path.
    a.bob
        .post(
            "/api/v4/users/me/preferences/delete",
            &json!([{"user_id": a.admin.id(), "category": "flagged_post", "name": post}]),
        )
        .assert_error(403, "api.preference.delete_preferences.delete.app_error");
    a.bob
        .post(
            &format!("/api/v4/users/{}/preferences/delete", a.admin.id()),
            &body,
        )
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .request(
            "POST",
            "/api/v4/users/me/preferences/delete",
            Some(("application/json", b"{\"not\": \"a list\"}".to_vec())),
            &[],
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    assert_eq!(saved(&a.bob, ""), vec![post.clone()]);

    let r = a.bob.post("/api/v4/users/me/preferences/delete", &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"status": "OK"}));
    let (ev, _) = ws.until("preferences_deleted");
    let gone = decode(&ev["data"]["preferences"]);
    assert_eq!(gone[0]["name"], post.as_str());
    assert!(saved(&a.bob, "").is_empty());
    a.bob
        .get("/api/v4/users/me/preferences/flagged_post")
        .assert_error(404, "api.preference.preferences_category.get.app_error");
    // Deleting what is not there is no error.
    let r = a.bob.post("/api/v4/users/me/preferences/delete", &body);
    assert_eq!(r.status, 200, "{}", r.body);
}
