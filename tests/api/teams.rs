//! `api/teams.rs`: teams and team membership.

use crate::common::*;
use serde_json::json;

#[test]
fn create_team_makes_default_channels_and_admin_membership() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let t = admin.create_team("acme");
    assert_eq!(t["name"], "acme");
    assert_eq!(t["type"], "O");
    let tid = t["id"].as_str().unwrap();
    for name in ["town-square", "off-topic"] {
        let r = admin.get(&format!("/api/v4/teams/{tid}/channels/name/{name}"));
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let ch = r.json();
        let r = admin.get(&format!(
            "/api/v4/channels/{}/members/me",
            ch["id"].as_str().unwrap()
        ));
        assert_eq!(r.status, 200);
    }
    let m = admin.get(&format!("/api/v4/teams/{tid}/members/me")).json();
    assert_eq!(m["roles"], "team_user team_admin");
    assert_eq!(m["scheme_admin"], true);
    assert_eq!(
        admin
            .get("/api/v4/users/me/teams")
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(admin.get("/api/v4/teams/name/acme").json()["id"], tid);
    assert_eq!(
        admin.get(&format!("/api/v4/teams/{tid}")).json()["name"],
        "acme"
    );
    assert_eq!(
        admin.get("/api/v4/teams").json().as_array().unwrap().len(),
        1
    );
}

#[test]
fn team_validation() {
    let ts = TestServer::start();
    let admin = ts.admin();
    admin
        .post(
            "/api/v4/teams",
            &json!({"name": "a", "display_name": "A", "type": "O"}),
        )
        .assert_error(400, "model.team.is_valid.characters.app_error");
    admin
        .post(
            "/api/v4/teams",
            &json!({"name": "apix", "display_name": "A", "type": "O"}),
        )
        .assert_error(400, "model.team.is_valid.reserved.app_error");
    admin
        .post(
            "/api/v4/teams",
            &json!({"name": "okay", "display_name": "", "type": "O"}),
        )
        .assert_error(400, "model.team.is_valid.name.app_error");
    admin
        .post(
            "/api/v4/teams",
            &json!({"name": "okay", "display_name": "A", "type": "X"}),
        )
        .assert_error(400, "model.team.is_valid.type.app_error");
    admin.create_team("okay");
    admin
        .post(
            "/api/v4/teams",
            &json!({"name": "okay", "display_name": "A", "type": "O"}),
        )
        .assert_error(400, "store.sql_team.save_team.existing.app_error");
    admin
        .get("/api/v4/teams/name/nothere")
        .assert_error(404, "app.team.get_by_name.missing.app_error");
    admin
        .get(&format!("/api/v4/teams/{}", "b".repeat(26)))
        .assert_error(404, "app.team.get.find.app_error");
}

#[test]
fn members_add_list_remove() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let t = admin.create_team("acme");
    let tid = t["id"].as_str().unwrap();
    // Bob may not see an invite-only team he is not in.
    let r = admin.post(
        "/api/v4/teams",
        &json!({"name": "secret", "display_name": "S", "type": "I"}),
    );
    let secret = r.json()["id"].as_str().unwrap().to_string();
    bob.get(&format!("/api/v4/teams/{secret}"))
        .assert_error(403, "api.context.permissions.app_error");
    // Wrong body team_id.
    admin
        .post(
            &format!("/api/v4/teams/{tid}/members"),
            &json!({"team_id": secret, "user_id": bob.id()}),
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let r = admin.post(
        &format!("/api/v4/teams/{tid}/members"),
        &json!({"team_id": tid, "user_id": bob.id()}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["roles"], "team_user");
    // Joining puts bob in the default channels.
    let ts_ch = bob
        .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
        .json();
    assert_eq!(
        bob.get(&format!(
            "/api/v4/channels/{}/members/me",
            ts_ch["id"].as_str().unwrap()
        ))
        .status,
        200
    );
    assert_eq!(
        bob.get(&format!("/api/v4/teams/{tid}/members"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Bob cannot remove the admin, but can leave.
    bob.delete(&format!("/api/v4/teams/{tid}/members/{}", admin.id()))
        .assert_error(403, "api.context.permissions.app_error");
    assert_eq!(
        bob.delete(&format!("/api/v4/teams/{tid}/members/{}", bob.id()))
            .json()["status"],
        "OK"
    );
    assert_eq!(
        admin
            .get(&format!("/api/v4/teams/{tid}/members"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn team_is_full() {
    let ts = TestServer::start_with(|c| c.team.max_users_per_team = 1);
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let tid = admin.create_team("acme")["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .post(
            &format!("/api/v4/teams/{tid}/members"),
            &json!({"team_id": tid, "user_id": bob.id()}),
        )
        .assert_error(400, "app.team.join_user_to_team.max_accounts.app_error");
}
