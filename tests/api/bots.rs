//! `api/bots.rs`: bot accounts, their user rows, the owner DM, disable/enable, conversions.

use crate::common::*;
use serde_json::{json, Value};

/// A server with bot creation and personal access tokens on.
pub fn bot_server() -> TestServer {
    TestServer::start_with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
    })
}

/// Creates a bot as `owner` and returns its JSON.
pub fn create_bot(owner: &Client, username: &str) -> Value {
    let r = owner.post(
        "/api/v4/bots",
        &json!({"username": username, "display_name": "The Bot", "description": "does things"}),
    );
    assert_eq!(r.status, 201, "create bot: {}", r.body);
    r.json()
}

/// Creates a personal access token for `user_id`; returns (token id, secret).
pub fn create_token(client: &Client, user_id: &str) -> (String, String) {
    let r = client.post(
        &format!("/api/v4/users/{user_id}/tokens"),
        &json!({"description": "ci"}),
    );
    assert_eq!(r.status, 200, "create token: {}", r.body);
    let v = r.json();
    (
        v["id"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

/// A client authenticated with a personal access token.
pub fn token_client(ts: &TestServer, secret: &str) -> Client {
    let mut c = Client::new(&ts.url, Some(secret.to_string()));
    c.user = c.get("/api/v4/users/me").json();
    c
}

#[test]
fn create_bot_makes_a_bot_user_and_greets_the_owner() {
    let ts = bot_server();
    let admin = ts.admin();
    let r = admin.post(
        "/api/v4/bots",
        &json!({"username": "CI-Bot", "display_name": "CI", "description": "builds"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let bot = r.json();
    assert_eq!(bot["username"], "ci-bot");
    assert_eq!(bot["display_name"], "CI");
    assert_eq!(bot["description"], "builds");
    assert_eq!(bot["owner_id"], admin.id());
    assert_eq!(bot["delete_at"], 0);
    assert!(bot["create_at"].as_i64().unwrap() > 0);
    let id = bot["user_id"].as_str().unwrap();
    // The user row.
    let u = admin.get(&format!("/api/v4/users/{id}")).json();
    assert_eq!(u["is_bot"], true);
    assert_eq!(u["bot_description"], "builds");
    assert_eq!(u["email"], "ci-bot@localhost");
    assert_eq!(u["first_name"], "CI");
    assert_eq!(u["roles"], "system_user");
    // The DM from the bot to its owner.
    let r = admin.post("/api/v4/channels/direct", &json!([admin.id(), id]));
    let dm = r.json();
    let posts = admin.channel_posts(dm["id"].as_str().unwrap());
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["type"], "add_bot_teams_channels");
    assert_eq!(posts[0]["user_id"], id);
    assert_eq!(posts[0]["props"]["from_bot"], "true");
}

#[test]
fn create_bot_gates_and_validation() {
    let ts = TestServer::start();
    let admin = ts.admin();
    admin
        .post("/api/v4/bots", &json!({"username": "b1"}))
        .assert_error(403, "api.bot.create_disabled");
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    bob.post("/api/v4/bots", &json!({"username": "b1"}))
        .assert_error(403, "api.context.permissions.app_error");
    admin
        .post("/api/v4/bots", &json!({"username": "all"}))
        .assert_error(400, "model.bot.is_valid.username.app_error");
    admin
        .post(
            "/api/v4/bots",
            &json!({"username": "b1", "display_name": "x".repeat(65)}),
        )
        .assert_error(400, "model.bot.is_valid.user_id.app_error");
    admin
        .post(
            "/api/v4/bots",
            &json!({"username": "b1", "description": "x".repeat(1025)}),
        )
        .assert_error(400, "model.bot.is_valid.description.app_error");
    admin
        .post("/api/v4/bots", &json!({"username": "bob"}))
        .assert_error(400, "app.user.save.username_exists.app_error");
    admin
        .post_raw("/api/v4/bots", "application/json", b"[")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // A bot may not create bots, even with every permission.
    let bot = create_bot(&admin, "maker");
    let id = bot["user_id"].as_str().unwrap();
    admin.put(
        &format!("/api/v4/users/{id}/roles"),
        &json!({"roles": "system_user system_admin"}),
    );
    let (_, secret) = create_token(&admin, id);
    token_client(&ts, &secret)
        .post("/api/v4/bots", &json!({"username": "b2"}))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn bots_cannot_log_in_with_a_password() {
    let ts = bot_server();
    let admin = ts.admin();
    create_bot(&admin, "nopw");
    ts.anon()
        .post(
            "/api/v4/users/login",
            &json!({"login_id": "nopw", "password": "anything-at-all"}),
        )
        .assert_error(401, "api.user.login.bot_login_forbidden.app_error");
}

#[test]
fn bot_posts_carry_from_bot() {
    let ts = bot_server();
    let admin = ts.admin();
    let team = admin.create_team("home");
    let ch = admin.create_channel(team["id"].as_str().unwrap(), "builds", "O");
    let bot = create_bot(&admin, "poster");
    let id = bot["user_id"].as_str().unwrap();
    admin.add_to_team(team["id"].as_str().unwrap(), id);
    admin.add_to_channel(ch["id"].as_str().unwrap(), id);
    let (_, secret) = create_token(&admin, id);
    let botc = token_client(&ts, &secret);
    let p = botc.create_post(ch["id"].as_str().unwrap(), "build green");
    assert_eq!(p["props"]["from_bot"], "true");
    assert_eq!(p["user_id"], id);
}

#[test]
fn get_and_list_bots() {
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let b1 = create_bot(&admin, "one");
    let b2 = create_bot(&admin, "two");
    let id1 = b1["user_id"].as_str().unwrap();
    let r = admin.get(&format!("/api/v4/bots/{id1}"));
    assert_eq!(r.json(), b1);
    // Without read permissions the bot does not exist, and the list is forbidden.
    bob.get(&format!("/api/v4/bots/{id1}"))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
    bob.get("/api/v4/bots")
        .assert_error(403, "api.context.permissions.app_error");
    admin
        .get(&format!("/api/v4/bots/{}", bob.id()))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
    admin
        .get("/api/v4/bots/nope")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    let list = admin.get("/api/v4/bots").json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["username"], "one");
    let page = admin.get("/api/v4/bots?per_page=1&page=1").json();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["username"], "two");
    // Disabled bots need include_deleted.
    admin.post(&format!("/api/v4/bots/{id1}/disable"), &json!({}));
    assert_eq!(
        admin.get("/api/v4/bots").json().as_array().unwrap().len(),
        1
    );
    assert_eq!(
        admin
            .get("/api/v4/bots?include_deleted=true")
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    admin
        .get(&format!("/api/v4/bots/{id1}"))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
    assert_eq!(
        admin
            .get(&format!("/api/v4/bots/{id1}?include_deleted=true"))
            .status,
        200
    );
    // Orphaned: the owner is gone (deactivated).
    let carol = ts.user(&admin, "carol");
    let id2 = b2["user_id"].as_str().unwrap();
    let r = admin.post(
        &format!("/api/v4/bots/{id2}/assign/{}", carol.id()),
        &json!({}),
    );
    assert_eq!(r.json()["owner_id"], carol.id());
    assert_eq!(
        admin.get("/api/v4/bots?only_orphaned=true").json(),
        json!([])
    );
    let r = admin.put(
        &format!("/api/v4/users/{}/active", carol.id()),
        &json!({"active": false}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let orphans = admin
        .get("/api/v4/bots?only_orphaned=true&include_deleted=true")
        .json();
    assert_eq!(orphans.as_array().unwrap().len(), 1);
    assert_eq!(orphans[0]["user_id"], id2);
}

#[test]
fn patch_bot_updates_the_user_row() {
    let ts = bot_server();
    let admin = ts.admin();
    let bot = create_bot(&admin, "old");
    let id = bot["user_id"].as_str().unwrap();
    let r = admin.put(
        &format!("/api/v4/bots/{id}"),
        &json!({"username": "new", "display_name": "New", "description": "d2"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let b = r.json();
    assert_eq!(
        (
            b["username"].as_str(),
            b["display_name"].as_str(),
            b["description"].as_str()
        ),
        (Some("new"), Some("New"), Some("d2"))
    );
    let u = admin.get(&format!("/api/v4/users/{id}")).json();
    assert_eq!(u["username"], "new");
    assert_eq!(u["email"], "new@localhost");
    assert_eq!(u["first_name"], "New");
    assert_eq!(admin.get(&format!("/api/v4/bots/{id}")).json(), b);
    admin
        .put(&format!("/api/v4/bots/{id}"), &json!({"username": "admin"}))
        .assert_error(400, "app.user.save.username_exists.app_error");
    admin
        .put(&format!("/api/v4/bots/{id}"), &json!({"username": "x y"}))
        .assert_error(400, "model.bot.is_valid.username.app_error");
}

#[test]
fn manage_check_hides_bots_from_those_who_cannot_read_them() {
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let bot = create_bot(&admin, "hidden");
    let id = bot["user_id"].as_str().unwrap();
    for path in ["disable", "enable"] {
        bob.post(&format!("/api/v4/bots/{id}/{path}"), &json!({}))
            .assert_error(404, "store.sql_bot.get.missing.app_error");
    }
    bob.put(&format!("/api/v4/bots/{id}"), &json!({"description": "x"}))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
    bob.post(
        &format!("/api/v4/bots/{id}/assign/{}", bob.id()),
        &json!({}),
    )
    .assert_error(404, "store.sql_bot.get.missing.app_error");
    // Assigning to a bot is refused.
    let other = create_bot(&admin, "other");
    admin
        .post(
            &format!(
                "/api/v4/bots/{id}/assign/{}",
                other["user_id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    // Even its owner, without read_bots (only system admins hold it), does not see the bot.
    let r = admin.post(
        &format!("/api/v4/bots/{id}/assign/{}", bob.id()),
        &json!({}),
    );
    assert_eq!(r.status, 200);
    bob.post(&format!("/api/v4/bots/{id}/disable"), &json!({}))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
}

#[test]
fn disabling_a_bot_revokes_its_access_until_enabled() {
    let ts = bot_server();
    let admin = ts.admin();
    let bot = create_bot(&admin, "switch");
    let id = bot["user_id"].as_str().unwrap();
    let (_, secret) = create_token(&admin, id);
    let botc = Client::new(&ts.url, Some(secret.clone()));
    assert_eq!(botc.get("/api/v4/users/me").status, 200);
    let r = admin.post(&format!("/api/v4/bots/{id}/disable"), &json!({}));
    assert_eq!(r.status, 200);
    assert!(r.json()["delete_at"].as_i64().unwrap() > 0);
    assert!(
        admin.get(&format!("/api/v4/users/{id}")).json()["delete_at"]
            .as_i64()
            .unwrap()
            > 0
    );
    botc.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    let r = admin.post(&format!("/api/v4/bots/{id}/enable"), &json!({}));
    assert_eq!(r.json()["delete_at"], 0);
    assert_eq!(
        admin.get(&format!("/api/v4/users/{id}")).json()["delete_at"],
        0
    );
    assert_eq!(
        botc.get("/api/v4/users/me").status,
        200,
        "the same token works again"
    );
}

#[test]
fn deactivating_the_owner_disables_their_bots() {
    let ts = bot_server();
    let admin = ts.admin();
    let owner = ts.user(&admin, "owner");
    admin.put(
        &format!("/api/v4/users/{}/roles", owner.id()),
        &json!({"roles": "system_user system_admin"}),
    );
    let bot = create_bot(&owner, "owned");
    let id = bot["user_id"].as_str().unwrap();
    let kept = create_bot(&admin, "kept");
    let (_, secret) = create_token(&admin, id);
    admin.put(
        &format!("/api/v4/users/{}/roles", owner.id()),
        &json!({"roles": "system_user"}),
    );
    let r = admin.delete(&format!("/api/v4/users/{}", owner.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    owner
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    assert!(
        admin
            .get(&format!("/api/v4/bots/{id}?include_deleted=true"))
            .json()["delete_at"]
            .as_i64()
            .unwrap()
            > 0
    );
    Client::new(&ts.url, Some(secret))
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    let kept = admin.get(&format!(
        "/api/v4/bots/{}",
        kept["user_id"].as_str().unwrap()
    ));
    assert_eq!(kept.json()["delete_at"], 0, "other owners' bots stay");
}

#[test]
fn owner_deactivation_keeps_bots_when_the_setting_is_off() {
    let ts = TestServer::start_with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.disable_bots_when_owner_is_deactivated = false;
    });
    let admin = ts.admin();
    let owner = ts.user(&admin, "owner");
    let bot = create_bot(&admin, "stays");
    let id = bot["user_id"].as_str().unwrap();
    admin.post(
        &format!("/api/v4/bots/{id}/assign/{}", owner.id()),
        &json!({}),
    );
    assert_eq!(
        admin
            .delete(&format!("/api/v4/users/{}", owner.id()))
            .status,
        200
    );
    assert_eq!(
        admin.get(&format!("/api/v4/bots/{id}")).json()["delete_at"],
        0
    );
}

#[test]
fn convert_bot_to_user_and_back() {
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let bot = create_bot(&admin, "shifty");
    let id = bot["user_id"].as_str().unwrap();
    let path = format!("/api/v4/bots/{id}/convert_to_user");
    admin
        .post(&path, &json!({"email": "s@example.com"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    bob.post(&path, &json!({"password": "new-password"}))
        .assert_error(403, "api.context.permissions.app_error");
    let r = admin.post(
        &format!("{path}?set_system_admin=true"),
        &json!({"password": "new-password", "email": "S@Example.com"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    assert_eq!(u["email"], "s@example.com");
    assert!(u.get("is_bot").is_none());
    assert_eq!(u["roles"], "system_user system_admin");
    admin
        .get(&format!("/api/v4/bots/{id}"))
        .assert_error(404, "store.sql_bot.get.missing.app_error");
    // Now a person: password login works.
    let me = ts.login("shifty", "new-password");
    assert_eq!(me.id(), id);
    // And back: sessions are revoked, the bot owns itself.
    let path = format!("/api/v4/users/{id}/convert_to_bot");
    bob.post(&path, &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    let r = admin.post(&path, &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let b = r.json();
    assert_eq!(b["user_id"], id);
    assert_eq!(b["owner_id"], id);
    me.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    admin
        .post(&path, &json!({}))
        .assert_error(400, "app.bot.createbot.internal_error");
    admin
        .post(
            &format!("/api/v4/users/{}/convert_to_bot", "a".repeat(26)),
            &json!({}),
        )
        .assert_error(404, "app.user.missing_account.const");
}
