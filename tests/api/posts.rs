//! `api/posts.rs`: create, read, threads, paging, edit, delete.

use crate::common::*;
use serde_json::json;

/// The shared fixture with bob in `dev`: (server, admin, bob, team, dev).
fn setup() -> (TestServer, Client, Client, String, String) {
    let f = Acme::new().bob_joins_dev();
    (f.ts, f.admin, f.bob, f.tid, f.dev)
}

#[test]
fn create_and_get_post_with_props_and_thread() {
    let (_ts, admin, bob, _tid, cid) = setup();
    let r = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "hello #rust", "props": {"k": {"n": 1}}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let p = r.json();
    assert_eq!(p["id"].as_str().unwrap().len(), 26);
    assert_eq!(p["user_id"], bob.id().as_str());
    assert_eq!(p["props"]["k"]["n"], 1);
    assert_eq!(p["hashtags"], "#rust");
    assert!(p["create_at"].as_i64().unwrap() > 1_600_000_000_000);
    let root = p["id"].as_str().unwrap();
    let reply = admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "re", "root_id": root}),
        )
        .json();
    assert_eq!(reply["root_id"], root);
    // Replies to replies are refused.
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "x", "root_id": reply["id"]}),
        )
        .assert_error(400, "api.context.invalid_param.app_error");
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "x", "root_id": "z".repeat(26)}),
        )
        .assert_error(400, "api.post.create_post.root_id.app_error");
    let got = bob.get(&format!("/api/v4/posts/{root}")).json();
    assert_eq!(got["message"], "hello #rust");
    assert_eq!(got["reply_count"], 1);
    let thread = bob
        .get(&format!(
            "/api/v4/posts/{}/thread",
            reply["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(thread["order"].as_array().unwrap().len(), 2);
    assert!(thread["posts"].get(root).is_some());
}

#[test]
fn post_permissions_and_validation() {
    let (ts, admin, _bob, tid, cid) = setup();
    let carol = ts.user(&admin, "carol");
    carol
        .post("/api/v4/posts", &json!({"channel_id": cid, "message": "x"}))
        .assert_error(403, "api.context.permissions.app_error");
    admin.add_to_team(&tid, &carol.id());
    // On the team but not in the channel: still no create_post.
    carol
        .post("/api/v4/posts", &json!({"channel_id": cid, "message": "x"}))
        .assert_error(403, "api.context.permissions.app_error");
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": "q".repeat(26), "message": "x"}),
        )
        .assert_error(400, "api.context.invalid_param.app_error");
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "x", "type": "system_join_channel"}),
        )
        .assert_error(400, "api.context.invalid_param.app_error");
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "x", "type": "weird"}),
        )
        .assert_error(400, "model.post.is_valid.type.app_error");
    admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "x".repeat(16384)}),
        )
        .assert_error(400, "model.post.is_valid.message_length.app_error");
    assert_eq!(
        admin
            .post(
                "/api/v4/posts",
                &json!({"channel_id": cid, "message": "é".repeat(16383)})
            )
            .status,
        201
    );
    assert_eq!(
        admin
            .post(
                "/api/v4/posts",
                &json!({"channel_id": cid, "message": "c", "type": "custom_x"})
            )
            .status,
        201
    );
}

#[test]
fn channel_posts_paging_since_before_after() {
    let (_ts, admin, _bob, _tid, cid) = setup();
    let ids: Vec<String> = (0..5)
        .map(|i| {
            admin.create_post(&cid, &format!("m{i}"))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let v = admin
        .get(&format!("/api/v4/channels/{cid}/posts?page=0&per_page=2"))
        .json();
    let order: Vec<&str> = v["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(order, vec![ids[4].as_str(), ids[3].as_str()]);
    let v = admin
        .get(&format!("/api/v4/channels/{cid}/posts?page=1&per_page=2"))
        .json();
    assert_eq!(v["order"][0], ids[2].as_str());
    let v = admin
        .get(&format!(
            "/api/v4/channels/{cid}/posts?before={}&per_page=2",
            ids[2]
        ))
        .json();
    assert_eq!(v["order"], json!([ids[1], ids[0]]));
    let v = admin
        .get(&format!(
            "/api/v4/channels/{cid}/posts?after={}&per_page=2",
            ids[2]
        ))
        .json();
    assert_eq!(v["order"], json!([ids[4], ids[3]]));
    let third = admin.get(&format!("/api/v4/posts/{}", ids[2])).json();
    let since = third["create_at"].as_i64().unwrap();
    let v = admin
        .get(&format!("/api/v4/channels/{cid}/posts?since={since}"))
        .json();
    assert_eq!(v["order"].as_array().unwrap().len(), 2);
    admin
        .get(&format!("/api/v4/channels/{cid}/posts?before=nonsense"))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    // Client4's and the Python driver's extra parameters are ignored.
    let r = admin.get(&format!("/api/v4/channels/{cid}/posts?page=0&per_page=60&skipFetchThreads=false&collapsedThreads=False&collapsedThreadsExtended=false"));
    assert_eq!(r.json()["order"].as_array().unwrap().len(), 5);
}

#[test]
fn edit_patch_and_delete() {
    let (_ts, admin, bob, _tid, cid) = setup();
    let p = bob.create_post(&cid, "first");
    let pid = p["id"].as_str().unwrap();
    let r = bob.put(
        &format!("/api/v4/posts/{pid}/patch"),
        &json!({"message": "second", "is_pinned": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["message"], "second");
    assert_eq!(v["is_pinned"], true);
    assert!(v["edit_at"].as_i64().unwrap() > 0);
    let mut full = v.clone();
    full["message"] = json!("third");
    assert_eq!(
        bob.put(&format!("/api/v4/posts/{pid}"), &full).json()["message"],
        "third"
    );
    let mut wrong = full.clone();
    wrong["id"] = json!("x");
    bob.put(&format!("/api/v4/posts/{pid}"), &wrong)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Bob cannot delete the admin's post; the admin can delete Bob's.
    let ap = admin.create_post(&cid, "admin's");
    bob.delete(&format!("/api/v4/posts/{}", ap["id"].as_str().unwrap()))
        .assert_error(403, "api.context.permissions.app_error");
    let reply = admin
        .post(
            "/api/v4/posts",
            &json!({"channel_id": cid, "message": "r", "root_id": pid}),
        )
        .json();
    assert_eq!(
        admin.delete(&format!("/api/v4/posts/{pid}")).json()["status"],
        "OK"
    );
    bob.get(&format!("/api/v4/posts/{pid}"))
        .assert_error(404, "app.post.get.app_error");
    bob.get(&format!("/api/v4/posts/{}", reply["id"].as_str().unwrap()))
        .assert_error(404, "app.post.get.app_error");
}

#[test]
fn pending_post_id_deduplicates_retries() {
    let (_ts, admin, _bob, _tid, cid) = setup();
    let body = json!({"channel_id": cid, "message": "once", "pending_post_id": "abc:123"});
    let a = admin.post("/api/v4/posts", &body).json();
    let b = admin.post("/api/v4/posts", &body).json();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(admin.channel_posts(&cid).len(), 1);
}

#[test]
fn concurrent_posts_are_all_stored() {
    let (_ts, admin, _bob, _tid, cid) = setup();
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let c = admin.clone();
            let cid = cid.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    c.create_post(&cid, &format!("t{t} m{i}"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(admin.channel_posts(&cid).len(), 160);
    let ch = admin.get(&format!("/api/v4/channels/{cid}")).json();
    assert_eq!(ch["total_msg_count"], 160);
}

#[test]
fn create_and_list_see_membership_and_archive_changes_at_once() {
    // Channels and memberships come from memory on these paths: a change counts from the very
    // next post.
    let (_ts, admin, bob, tid, _cid) = setup();
    let secret = admin.create_channel(&tid, "secret", "P")["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin.add_to_channel(&secret, &bob.id());
    let body = json!({"channel_id": secret, "message": "one"});
    assert_eq!(bob.post("/api/v4/posts", &body).status, 201);
    let r = admin.delete(&format!("/api/v4/channels/{secret}/members/{}", bob.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    bob.post("/api/v4/posts", &body)
        .assert_error(403, "api.context.permissions.app_error");
    bob.get(&format!("/api/v4/channels/{secret}/posts"))
        .assert_error(403, "api.context.permissions.app_error");
    admin.add_to_channel(&secret, &bob.id());
    assert_eq!(
        bob.get(&format!("/api/v4/channels/{secret}/posts")).status,
        200
    );
    assert_eq!(bob.post("/api/v4/posts", &body).status, 201);
    assert_eq!(
        admin.delete(&format!("/api/v4/channels/{secret}")).status,
        200
    );
    bob.post("/api/v4/posts", &body)
        .assert_error(400, "api.post.create_post.can_not_post_to_deleted.error");
}
