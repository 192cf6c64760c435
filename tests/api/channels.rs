//! `api/channels.rs`: channels, direct channels, membership, archiving.

use crate::common::*;
use serde_json::json;

fn setup() -> (TestServer, Client, Client, String) {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    (ts, admin, bob, tid)
}

#[test]
fn create_public_and_private_channels() {
    let (_ts, admin, bob, tid) = setup();
    let ch = bob.create_channel(&tid, "general-chat", "O");
    assert_eq!(ch["type"], "O");
    assert_eq!(ch["team_id"], tid.as_str());
    assert_eq!(ch["creator_id"], bob.id().as_str());
    let m = bob
        .get(&format!(
            "/api/v4/channels/{}/members/me",
            ch["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(m["roles"], "channel_user channel_admin");
    let p = bob.create_channel(&tid, "hidden", "P");
    // The admin of the system sees it; a non-member without manage_team gets 404 by name.
    let carol = {
        let c = _ts.user(&admin, "carol");
        admin.add_to_team(&tid, &c.id());
        c
    };
    carol
        .get(&format!("/api/v4/teams/{tid}/channels/name/hidden"))
        .assert_error(404, "app.channel.get_by_name.missing.app_error");
    carol
        .get(&format!("/api/v4/channels/{}", p["id"].as_str().unwrap()))
        .assert_error(403, "api.context.permissions.app_error");
    assert_eq!(
        carol
            .get(&format!("/api/v4/teams/{tid}/channels/name/general-chat"))
            .status,
        200
    );
    assert_eq!(
        carol
            .get("/api/v4/teams/name/acme/channels/name/general-chat?include_deleted=false")
            .status,
        200
    );
    // Public listing has town-square, off-topic, general-chat but not hidden.
    let list = carol.get(&format!("/api/v4/teams/{tid}/channels")).json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"general-chat") && !names.contains(&"hidden"),
        "{names:?}"
    );
    // My channels in the team: bob has town-square, off-topic, general-chat, hidden.
    let mine = bob
        .get(&format!("/api/v4/users/me/teams/{tid}/channels"))
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 4);
}

#[test]
fn channel_validation() {
    let (_ts, _admin, bob, tid) = setup();
    bob.post(
        "/api/v4/channels",
        &json!({"team_id": tid, "name": "Bad Name", "display_name": "x", "type": "O"}),
    )
    .assert_error(400, "model.channel.is_valid.1_or_more.app_error");
    bob.post(
        "/api/v4/channels",
        &json!({"team_id": tid, "name": "dm", "display_name": "x", "type": "D"}),
    )
    .assert_error(400, "api.channel.create_channel.direct_channel.app_error");
    bob.post(
        "/api/v4/channels",
        &json!({"name": "x", "display_name": "x", "type": "O"}),
    )
    .assert_error(400, "api.context.invalid_body_param.app_error");
    bob.create_channel(&tid, "dup", "O");
    bob.post(
        "/api/v4/channels",
        &json!({"team_id": tid, "name": "dup", "display_name": "x", "type": "O"}),
    )
    .assert_error(400, "store.sql_channel.save_channel.exists.app_error");
    bob.get(&format!("/api/v4/channels/{}", "c".repeat(26)))
        .assert_error(404, "app.channel.get.existing.app_error");
}

#[test]
fn direct_channels() {
    let (_ts, admin, bob, _tid) = setup();
    let r = bob.post("/api/v4/channels/direct", &json!([bob.id(), admin.id()]));
    assert_eq!(r.status, 201, "{}", r.body);
    let dm = r.json();
    assert_eq!(dm["type"], "D");
    assert_eq!(dm["team_id"], "");
    let mut ids = [bob.id(), admin.id()];
    ids.sort();
    assert_eq!(dm["name"], format!("{}__{}", ids[0], ids[1]));
    // Same channel again.
    let again = admin
        .post("/api/v4/channels/direct", &json!([admin.id(), bob.id()]))
        .json();
    assert_eq!(again["id"], dm["id"]);
    bob.create_post(dm["id"].as_str().unwrap(), "hi");
    let carol = _ts.user(&admin, "carol");
    carol
        .post("/api/v4/channels/direct", &json!([bob.id(), admin.id()]))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn join_add_remove_and_archive() {
    let (ts, admin, bob, tid) = setup();
    let ch = admin.create_channel(&tid, "news", "O");
    let cid = ch["id"].as_str().unwrap();
    // Join = add yourself.
    let r = bob.post(
        &format!("/api/v4/channels/{cid}/members"),
        &json!({"user_id": bob.id()}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["user_id"], bob.id().as_str());
    assert_eq!(
        bob.get(&format!("/api/v4/channels/{cid}/members"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Someone not on the team cannot be added.
    let carol = ts.user(&admin, "carol");
    admin
        .post(
            &format!("/api/v4/channels/{cid}/members"),
            &json!({"user_id": carol.id()}),
        )
        .assert_error(404, "app.team.get_member.missing.app_error");
    // Leave, and town-square cannot be left.
    assert_eq!(
        bob.delete(&format!("/api/v4/channels/{cid}/members/{}", bob.id()))
            .status,
        200
    );
    let square = bob
        .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
        .json();
    bob.delete(&format!(
        "/api/v4/channels/{}/members/{}",
        square["id"].as_str().unwrap(),
        bob.id()
    ))
    .assert_error(400, "api.channel.remove.default.app_error");
    // Archive; posting there is refused.
    admin
        .delete(&format!(
            "/api/v4/channels/{}",
            square["id"].as_str().unwrap()
        ))
        .assert_error(400, "api.channel.delete_channel.cannot.app_error");
    assert_eq!(
        admin.delete(&format!("/api/v4/channels/{cid}")).json()["status"],
        "OK"
    );
    admin
        .post("/api/v4/posts", &json!({"channel_id": cid, "message": "x"}))
        .assert_error(400, "api.post.create_post.can_not_post_to_deleted.error");
    admin
        .get(&format!("/api/v4/teams/{tid}/channels/name/news"))
        .assert_error(404, "app.channel.get_by_name.missing.app_error");
    assert_eq!(
        admin
            .get(&format!(
                "/api/v4/teams/{tid}/channels/name/news?include_deleted=true"
            ))
            .status,
        200
    );
}

#[test]
fn patch_channel_header() {
    let (_ts, admin, bob, tid) = setup();
    let ch = admin.create_channel(&tid, "news", "O");
    let cid = ch["id"].as_str().unwrap();
    bob.put(
        &format!("/api/v4/channels/{cid}/patch"),
        &json!({"header": "x"}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    let r = admin.put(
        &format!("/api/v4/channels/{cid}/patch"),
        &json!({"header": "New header", "purpose": "p"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["header"], "New header");
    assert_eq!(
        admin.get(&format!("/api/v4/channels/{cid}")).json()["purpose"],
        "p"
    );
}

#[test]
fn creating_a_channel_in_a_missing_team_is_404() {
    let (_ts, admin, _bob, _tid) = setup();
    admin
        .post(
            "/api/v4/channels",
            &json!({"team_id": "t".repeat(26), "name": "x1", "display_name": "x", "type": "O"}),
        )
        .assert_error(404, "app.team.get.find.app_error");
}
