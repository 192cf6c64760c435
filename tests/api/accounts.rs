//! `api/users.rs`, account management: sessions, deactivation, passwords, roles (system,
//! team member, channel member), and the background cleanup of expired sessions.

use crate::common::*;
use serde_json::{json, Value};

/// Pushes the session behind `token` into the past, as if its lifetime had run out.
pub fn expire_session(ts: &TestServer, token: &str) {
    let hash = perch::auth::digest(token);
    let app = &ts.running.as_ref().unwrap().app;
    let n = app
        .store
        .write(move |c| {
            let row = perch::store::sessions::find_by_token_hash(c, &hash)?
                .expect("a session for this token");
            perch::store::sessions::update_expiry(c, &row.id, 1, 1)?;
            Ok::<_, perch::store::StoreError>(1)
        })
        .unwrap();
    assert_eq!(n, 1);
}

fn sessions(c: &Client, user_id: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v4/users/{user_id}/sessions"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

#[test]
fn get_sessions_lists_the_users_sessions_without_tokens() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let carol = ts.user(&admin, "carol");
    ts.login("bob", "bob-password");
    let list = sessions(&bob, "me");
    assert_eq!(list.len(), 2);
    for s in &list {
        assert_eq!(s["token"], "");
        assert_eq!(s["user_id"], bob.id());
        assert_eq!(s["roles"], "system_user");
        assert_eq!(s["id"].as_str().unwrap().len(), 26);
        assert!(s["expires_at"].as_i64().unwrap() > s["create_at"].as_i64().unwrap());
        assert_eq!(s["props"]["is_oauth"], "false");
    }
    assert_eq!(sessions(&admin, &bob.id()).len(), 2, "admins see anyone's");
    carol
        .get(&format!("/api/v4/users/{}/sessions", bob.id()))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn revoke_session_and_revoke_all() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let bob2 = ts.login("bob", "bob-password");
    let hash2 = perch::auth::digest(bob2.token.as_deref().unwrap());
    let app = &ts.running.as_ref().unwrap().app;
    let db = app.store.reader().unwrap();
    let sid = perch::store::sessions::find_by_token_hash(&db, &hash2)
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/api/v4/users/{}/sessions/revoke", bob.id());
    bob.post(&path, &json!({}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    bob.post(&path, &json!({"session_id": "a".repeat(26)}))
        .assert_error(400, "app.session.get.app_error");
    admin
        .post(
            &format!("/api/v4/users/{}/sessions/revoke", admin.id()),
            &json!({"session_id": sid}),
        )
        .assert_error(400, "api.context.invalid_url_param.app_error");
    let carol = ts.user(&admin, "carol");
    carol
        .post(&path, &json!({"session_id": sid}))
        .assert_error(403, "api.context.permissions.app_error");
    assert_eq!(
        bob.post(&path, &json!({"session_id": sid})).json(),
        json!({"status": "OK"})
    );
    bob2.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    assert_eq!(bob.get("/api/v4/users/me").status, 200);
    // revoke/all: every session, the caller's own included.
    let bob3 = ts.login("bob", "bob-password");
    let all = format!("/api/v4/users/{}/sessions/revoke/all", bob.id());
    carol
        .post(&all, &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    assert_eq!(admin.post(&all, &json!({})).status, 200);
    bob.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    bob3.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    assert_eq!(admin.get("/api/v4/users/me").status, 200);
}

#[test]
fn expired_sessions_are_refused_and_cleaned_up_in_the_background() {
    let ts = TestServer::start_with(|c| c.perch.session_cleanup_interval_seconds = 1);
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let old = ts.login("bob", "bob-password");
    assert_eq!(sessions(&bob, "me").len(), 2);
    expire_session(&ts, old.token.as_deref().unwrap());
    old.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    eventually(
        PATIENCE,
        "the janitor to delete the expired session",
        || (sessions(&bob, "me").len() == 1).then_some(()),
    );
    assert_eq!(bob.get("/api/v4/users/me").status, 200);
}

#[test]
fn janitor_thread_is_named_and_shutdown_joins_it() {
    let ts = TestServer::start();
    assert!(
        thread_names().iter().any(|n| n == "janitor"),
        "a thread named janitor runs"
    );
    // Shutdown joins the janitor: a janitor that ignored it would hang here.
    ts.stop();
}

/// Names of this process's threads (Linux).
fn thread_names() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn deactivate_and_reactivate_users() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let carol = ts.user(&admin, "carol");
    // Others may not; self-deactivation is off by default.
    carol
        .delete(&format!("/api/v4/users/{}", bob.id()))
        .assert_error(403, "api.context.permissions.app_error");
    bob.delete("/api/v4/users/me")
        .assert_error(401, "api.user.update_active.not_enable.app_error");
    bob.put("/api/v4/users/me/active", &json!({"active": false}))
        .assert_error(401, "api.user.update_active.not_enable.app_error");
    carol
        .put(
            &format!("/api/v4/users/{}/active", bob.id()),
            &json!({"active": false}),
        )
        .assert_error(403, "api.user.update_active.permissions.app_error");
    admin
        .put(&format!("/api/v4/users/{}/active", bob.id()), &json!({}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    admin
        .delete(&format!("/api/v4/users/{}?permanent=true", bob.id()))
        .assert_error(401, "api.user.delete_user.not_enabled.app_error");
    admin
        .delete(&format!("/api/v4/users/{}", "a".repeat(26)))
        .assert_error(404, "app.user.missing_account.const");
    // Deactivation: sessions gone, login refused.
    assert_eq!(
        admin.delete(&format!("/api/v4/users/{}", bob.id())).json(),
        json!({"status": "OK"})
    );
    bob.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    assert!(
        admin.get(&format!("/api/v4/users/{}", bob.id())).json()["delete_at"]
            .as_i64()
            .unwrap()
            > 0
    );
    ts.anon()
        .post(
            "/api/v4/users/login",
            &json!({"login_id": "bob", "password": "bob-password"}),
        )
        .assert_error(401, "api.user.login.inactive.app_error");
    // Reactivation.
    assert_eq!(
        admin
            .put(
                &format!("/api/v4/users/{}/active", bob.id()),
                &json!({"active": true})
            )
            .status,
        200
    );
    assert_eq!(
        ts.login("bob", "bob-password")
            .get("/api/v4/users/me")
            .json()["delete_at"],
        0
    );
}

#[test]
fn self_deactivation_when_enabled() {
    let ts = TestServer::start_with(|c| c.team.enable_user_deactivation = true);
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    assert_eq!(
        bob.put("/api/v4/users/me/active", &json!({"active": false}))
            .status,
        200
    );
    bob.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
}

#[test]
fn update_password_own_and_by_admin() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let carol = ts.user(&admin, "carol");
    bob.put(
        "/api/v4/users/me/password",
        &json!({"new_password": "another-one"}),
    )
    .assert_error(400, "api.context.invalid_body_param.app_error");
    bob.put(
        "/api/v4/users/me/password",
        &json!({"current_password": "wrong", "new_password": "another-one"}),
    )
    .assert_error(400, "api.user.check_user_password.invalid.app_error");
    bob.put(
        "/api/v4/users/me/password",
        &json!({"current_password": "bob-password", "new_password": "short"}),
    )
    .assert_error(400, "model.user.is_valid.pwd_min_length.app_error");
    let r = bob.put(
        "/api/v4/users/me/password",
        &json!({"current_password": "bob-password", "new_password": "another-one"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    ts.login("bob", "another-one");
    carol
        .put(
            &format!("/api/v4/users/{}/password", bob.id()),
            &json!({"new_password": "carols-choice"}),
        )
        .assert_error(403, "api.user.update_password.context.app_error");
    assert_eq!(
        admin
            .put(
                &format!("/api/v4/users/{}/password", bob.id()),
                &json!({"new_password": "admins-choice"})
            )
            .status,
        200
    );
    ts.login("bob", "admins-choice");
}

#[test]
fn update_roles_checks() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let path = format!("/api/v4/users/{}/roles", bob.id());
    admin
        .put(&path, &json!({"roles": "System_User"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    admin
        .put(&path, &json!({"roles": "system_admin"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    admin
        .put(&path, &json!({"roles": "system_user team_admin"}))
        .assert_error(400, "app.role.check_roles_exist.role_not_found");
    bob.put(&path, &json!({"roles": "system_user system_post_all"}))
        .assert_error(403, "api.context.permissions.app_error");
    admin
        .put(
            &format!("/api/v4/users/{}/roles", "a".repeat(26)),
            &json!({"roles": "system_user"}),
        )
        .assert_error(400, "app.user.missing_account.const");
    assert_eq!(
        admin
            .put(&path, &json!({"roles": "system_user system_post_all"}))
            .status,
        200
    );
    assert_eq!(
        bob.get("/api/v4/users/me").json()["roles"],
        "system_user system_post_all"
    );
    // The last system admin keeps the role.
    admin
        .put(
            &format!("/api/v4/users/{}/roles", admin.id()),
            &json!({"roles": "system_user"}),
        )
        .assert_error(400, "app.user.update.lastAdmin.app_error");
    assert_eq!(
        admin
            .put(&path, &json!({"roles": "system_user system_admin"}))
            .status,
        200
    );
    assert_eq!(
        admin
            .put(
                &format!("/api/v4/users/{}/roles", admin.id()),
                &json!({"roles": "system_user"})
            )
            .status,
        200
    );
}

#[test]
fn system_post_all_lets_a_user_post_anywhere() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let team = admin.create_team("home");
    let tid = team["id"].as_str().unwrap();
    let private = admin.create_channel(tid, "secret", "P");
    let public = admin.create_channel(tid, "open", "O");
    let post = |c: &str| bob.post("/api/v4/posts", &json!({"channel_id": c, "message": "hi"}));
    post(public["id"].as_str().unwrap()).assert_error(403, "api.context.permissions.app_error");
    admin.put(
        &format!("/api/v4/users/{}/roles", bob.id()),
        &json!({"roles": "system_user system_post_all_public"}),
    );
    assert_eq!(post(public["id"].as_str().unwrap()).status, 201);
    post(private["id"].as_str().unwrap()).assert_error(403, "api.context.permissions.app_error");
    admin.put(
        &format!("/api/v4/users/{}/roles", bob.id()),
        &json!({"roles": "system_user system_post_all"}),
    );
    assert_eq!(post(private["id"].as_str().unwrap()).status, 201);
}

#[test]
fn team_and_channel_member_roles() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let lead = ts.user(&admin, "lead");
    let bob = ts.user(&admin, "bob");
    let team = lead.create_team("crew");
    let tid = team["id"].as_str().unwrap();
    lead.add_to_team(tid, &bob.id());
    let path = format!("/api/v4/teams/{tid}/members/{}/roles", bob.id());
    bob.put(&path, &json!({"roles": "team_user team_admin"}))
        .assert_error(403, "api.context.permissions.app_error");
    lead.put(&path, &json!({"roles": "Team_user"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    lead.put(&path, &json!({"roles": "team_user wizard"}))
        .assert_error(400, "app.role.get_by_name.app_error");
    lead.put(&path, &json!({"roles": "team_user channel_admin"}))
        .assert_error(
            400,
            "api.channel.update_team_member_roles.scheme_role.app_error",
        );
    lead.put(&path, &json!({"roles": "team_user team_guest"}))
        .assert_error(
            400,
            "api.team.update_team_member_roles.guest_and_user.app_error",
        );
    lead.put(
        &format!("/api/v4/teams/{tid}/members/{}/roles", admin.id()),
        &json!({"roles": "team_user"}),
    )
    .assert_error(404, "app.team.get_member.missing.app_error");
    assert_eq!(
        lead.put(&path, &json!({"roles": "team_user team_admin"}))
            .status,
        200
    );
    let m = bob
        .get(&format!("/api/v4/teams/{tid}/members/{}", bob.id()))
        .json();
    assert_eq!(
        (m["scheme_admin"].as_bool(), m["scheme_user"].as_bool()),
        (Some(true), Some(true))
    );
    // Channel member roles: channel admins (the creator) and team admins may change them.
    let ch = lead.create_channel(tid, "ops", "O");
    let cid = ch["id"].as_str().unwrap();
    let carol = ts.user(&admin, "carol");
    lead.add_to_team(tid, &carol.id());
    lead.add_to_channel(cid, &carol.id());
    let cpath = format!("/api/v4/channels/{cid}/members/{}/roles", carol.id());
    carol
        .put(&cpath, &json!({"roles": "channel_user channel_admin"}))
        .assert_error(403, "api.context.permissions.app_error");
    lead.put(&cpath, &json!({"roles": "channel_user team_admin"}))
        .assert_error(
            400,
            "api.channel.update_channel_member_roles.scheme_role.app_error",
        );
    assert_eq!(
        bob.put(&cpath, &json!({"roles": "channel_user channel_admin"}))
            .status,
        200,
        "a team admin"
    );
    let m = carol
        .get(&format!("/api/v4/channels/{cid}/members/me"))
        .json();
    assert_eq!(m["scheme_admin"], true);
}

/// The integration-account recipe of `docs/bots-and-tokens.md`, all over the API, on a server that
/// refuses bot accounts and personal access tokens (the defaults).
#[test]
fn secure_bot_recipe_via_the_api() {
    let ts = TestServer::start();
    let admin = ts.admin();
    assert!(
        !ts.config.service.enable_user_access_tokens
            && !ts.config.service.enable_bot_account_creation
    );
    admin
        .post("/api/v4/bots", &json!({"username": "nope"}))
        .assert_error(403, "api.bot.create_disabled");
    // A bot-like user with an email and a strong password, in a team and a channel.
    let r = admin.post(
        "/api/v4/users",
        &json!({"email": "ci-bot@example.com", "username": "ci-bot", "password": "S3cret-and-long-enough"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let bot_id = r.json()["id"].as_str().unwrap().to_string();
    let team = admin.create_team("home");
    let tid = team["id"].as_str().unwrap();
    let ch = admin.create_channel(tid, "deploys", "O");
    let cid = ch["id"].as_str().unwrap();
    admin.add_to_team(tid, &bot_id);
    admin.add_to_channel(cid, &bot_id);
    // The integration logs in, keeps the Token header, and sends `bearer <token>`.
    let anon = ts.anon();
    let r = anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "ci-bot", "password": "S3cret-and-long-enough"}),
    );
    assert_eq!(r.status, 200);
    let token = r.header("Token").unwrap().to_string();
    let auth = format!("bearer {token}");
    let me = anon.request("GET", "/api/v4/users/me", None, &[("Authorization", &auth)]);
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["id"], bot_id);
    let body = json!({"channel_id": cid, "message": "deploy finished"})
        .to_string()
        .into_bytes();
    let r = anon.request(
        "POST",
        "/api/v4/posts",
        Some(("application/json", body)),
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.json()["props"].get("from_bot").is_none());
    // A personal access token is not an option here.
    let bot = Client::new(&ts.url, Some(token));
    bot.post(
        &format!("/api/v4/users/{bot_id}/tokens"),
        &json!({"description": "x"}),
    )
    .assert_error(403, "api.context.permissions.app_error");
}

fn session_row(ts: &TestServer, token: &str) -> perch::store::sessions::SessionRow {
    let db = ts.running.as_ref().unwrap().app.store.reader().unwrap();
    perch::store::sessions::find_by_token_hash(&db, &perch::auth::digest(token))
        .unwrap()
        .unwrap()
}

fn set_expiry(ts: &TestServer, id: &str, expires_at: i64) {
    let id = id.to_string();
    ts.running
        .as_ref()
        .unwrap()
        .app
        .store
        .write(move |c| perch::store::sessions::update_expiry(c, &id, expires_at, 1))
        .unwrap();
}

#[test]
fn active_sessions_slide_their_expiry() {
    let ts = TestServer::start_with(|c| c.service.session_length_web_in_hours = 1);
    let admin = ts.admin();
    let token = admin.token.clone().unwrap();
    let row = session_row(&ts, &token);
    let hour = 3_600_000;
    assert!((row.expires_at - row.create_at - hour).abs() < 1000);
    // Fresh: no write on every request.
    assert_eq!(admin.get("/api/v4/users/me").status, 200);
    assert_eq!(session_row(&ts, &token).expires_at, row.expires_at);
    // Ten minutes used up (more than the 5-minute step): the next request extends it.
    set_expiry(&ts, &row.id, row.expires_at - 10 * 60_000);
    let before = perch::model::now_ms();
    assert_eq!(admin.get("/api/v4/users/me").status, 200);
    let after = session_row(&ts, &token);
    assert!(
        after.expires_at >= before + hour,
        "{} < {}",
        after.expires_at,
        before + hour
    );
    assert!(after.last_activity_at >= before);
}

#[test]
fn sessions_do_not_slide_when_extension_is_off() {
    let ts = TestServer::start_with(|c| c.service.extend_session_length_with_activity = false);
    let admin = ts.admin();
    let token = admin.token.clone().unwrap();
    let row = session_row(&ts, &token);
    set_expiry(&ts, &row.id, row.expires_at - 86_400_000);
    assert_eq!(admin.get("/api/v4/users/me").status, 200);
    assert_eq!(
        session_row(&ts, &token).expires_at,
        row.expires_at - 86_400_000
    );
}

#[test]
fn least_recent_sessions_beyond_the_cap_are_deleted() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let uid = admin.id();
    let app = &ts.running.as_ref().unwrap().app;
    let deleted = app
        .store
        .write(move |c| {
            for i in 0..5 {
                let row = perch::store::sessions::SessionRow {
                    id: perch::model::new_id(),
                    user_id: uid.clone(),
                    create_at: i,
                    expires_at: i64::MAX,
                    last_activity_at: i,
                    device_id: String::new(),
                    roles: String::new(),
                    props: Default::default(),
                };
                perch::store::sessions::insert(c, &row, &perch::model::new_id())?;
            }
            perch::store::sessions::delete_least_recent(c, &uid, 3)
        })
        .unwrap();
    assert_eq!(
        deleted, 3,
        "6 sessions (the login's and 5 old ones), 3 kept"
    );
    assert_eq!(
        admin.get("/api/v4/users/me").status,
        200,
        "the most recent (the login) stays"
    );
    assert_eq!(sessions(&admin, "me").len(), 3);
}
