//! `PUT /api/v4/users/{id}/patch` (and `me`) through real HTTP and real sockets: only the named
//! fields change, what reads users sees the new values (login, lookups, search, mentions), your
//! own new e-mail needs your password, Mattermost's refusals leave the row as it was, and
//! `user_updated` reaches admins and everyone else in their own copies.

use crate::common::*;
use crate::websocket::{open_as, Ws};
use serde_json::{json, Value};

const ME: &str = "/api/v4/users/me/patch";

fn patch_path(id: &str) -> String {
    format!("/api/v4/users/{id}/patch")
}

fn raw_put(c: &Client, path: &str, body: &str) -> Resp {
    c.request(
        "PUT",
        path,
        Some(("application/json", body.as_bytes().to_vec())),
        &[],
    )
}

/// The events `ws` hears until a new user's `new_user` (a marker everyone gets).
fn events_until_marker(ts: &TestServer, admin: &Client, ws: &mut Ws, marker: &str) -> Vec<Value> {
    ts.user(admin, marker);
    let (last, mut before) = ws.until("new_user");
    before.push(last);
    before
}

#[test]
fn a_patch_changes_the_named_fields_and_nothing_else() {
    let a = Acme::new();
    let before = a.bob.get("/api/v4/users/me").json();
    let r = a.bob.put(
        ME,
        &json!({
            "nickname": "Bobby", "first_name": "Bob", "last_name": "Builder",
            "position": "Engineer", "locale": "fr", "props": {"pronouns": "he/him"},
            "notify_props": {"email": "false", "push": "all", "mention_keys": "Builder,,Fixer"},
            "timezone": {"useAutomaticTimezone": "false", "automaticTimezone": "",
                         "manualTimezone": "Europe/Paris"},
            "password": "not-a-new-password", "roles": "system_admin", "id": "x",
            "remote_id": "ignored"
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    for (k, v) in [
        ("nickname", "Bobby"),
        ("first_name", "Bob"),
        ("last_name", "Builder"),
        ("position", "Engineer"),
        ("locale", "fr"),
        ("username", "bob"),
        ("email", "bob@example.com"),
        ("roles", "system_user"),
    ] {
        assert_eq!(u[k], v, "{k} in {u}");
    }
    assert_eq!(u["id"], before["id"]);
    assert_eq!(u["create_at"], before["create_at"]);
    assert!(u["update_at"].as_i64().unwrap() > before["update_at"].as_i64().unwrap());
    assert_eq!(u["props"], json!({"pronouns": "he/him"}));
    // notify_props are replaced whole; blank mention keys go, the rest lower case.
    assert_eq!(
        u["notify_props"],
        json!({"email": "false", "push": "all", "mention_keys": "builder,fixer"})
    );
    assert_eq!(u["timezone"]["manualTimezone"], "Europe/Paris");
    assert_eq!(u["timezone"]["useAutomaticTimezone"], "false");
    assert!(u.get("password").is_none() && u.get("remote_id").is_none());
    // Durable, and what GET answers.
    assert_eq!(a.bob.get("/api/v4/users/me").json(), u);
    // The password in a patch is not a new password.
    a.ts.login("bob", "bob-password");
    a.ts.anon()
        .post(
            "/api/v4/users/login",
            &json!({"login_id": "bob", "password": "not-a-new-password"}),
        )
        .assert_error(401, "api.user.login.invalid_credentials_email_username");

    // Absent (or null) fields stay; an empty string clears.
    let r = a.bob.put(
        ME,
        &json!({"position": "Lead", "nickname": null, "last_name": ""}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["position"], "Lead");
    assert_eq!(v["nickname"], "Bobby");
    assert_eq!(v["last_name"], "");
    assert_eq!(
        (&v["timezone"], &v["notify_props"]),
        (&u["timezone"], &u["notify_props"])
    );
    // `null` and `{}` are empty patches: only update_at moves. Empty notify_props are the
    // defaults again.
    for body in ["null", "{}"] {
        let r = raw_put(&a.bob, ME, body);
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        assert_eq!(r.json()["position"], "Lead");
    }
    let r = a.bob.put(ME, &json!({"notify_props": {}}));
    assert_eq!(r.json()["notify_props"]["desktop"], "mention", "{}", r.body);

    // Others see the new names: by id, and in a search by nickname.
    let seen = a.admin.get(&format!("/api/v4/users/{}", a.bob.id())).json();
    assert_eq!(
        (seen["first_name"].as_str(), seen["nickname"].as_str()),
        (Some("Bob"), Some("Bobby"))
    );
    let found = a
        .admin
        .post("/api/v4/users/search", &json!({"term": "bobb"}))
        .json();
    assert_eq!(found[0]["id"], a.bob.id().as_str(), "{found}");
}

#[test]
fn a_new_username_is_what_login_lookups_search_and_mentions_use() {
    let a = Acme::new();
    let bob = a.bob.id();
    let (mut bws, _) = open_as(&a.ts, &a.bob);
    let r = a.bob.put(
        ME,
        &json!({"username": "Robert", "notify_props": {"mention_keys": "bob,@bob,builder"}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Lower case; the old name leaves the mention keys, as Mattermost writes them.
    assert_eq!(r.json()["username"], "robert");
    assert_eq!(r.json()["notify_props"]["mention_keys"], ",builder");
    let r = a.bob.put(ME, &json!({"username": "rob"}));
    assert_eq!(r.json()["username"], "rob");
    let r = a.bob.put(ME, &json!({"username": "robert"}));
    assert_eq!(r.json()["username"], "robert");

    assert_eq!(a.ts.login("robert", "bob-password").id(), bob);
    a.admin
        .get("/api/v4/users/username/bob")
        .assert_error(404, "app.user.missing_account.const");
    assert_eq!(
        a.admin.get("/api/v4/users/username/robert").json()["id"],
        bob.as_str()
    );
    let found = a
        .admin
        .post("/api/v4/users/search", &json!({"term": "@rober"}))
        .json();
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    // Its account name is taken now; the old one is free.
    let carol = a.ts.user(&a.admin, "carol");
    carol
        .put(ME, &json!({"username": "robert"}))
        .assert_error(400, "app.user.save.username_exists.app_error");
    assert_eq!(carol.put(ME, &json!({"username": "bob"})).status, 200);

    // `@robert` mentions bob at once; `@bob` is carol now.
    a.admin.create_post(&a.town, "hi @robert");
    let (ev, _) = bws.until("posted");
    assert_eq!(ev["data"]["mentions"], json!([bob]).to_string(), "{ev}");
    a.admin.create_post(&a.town, "hi @bob");
    let (ev, _) = bws.until("posted");
    assert!(ev["data"].get("mentions").is_none(), "{ev}");
}

#[test]
fn refusals_are_mattermosts_and_change_nothing() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    let bob = a.bob.id();
    let before = a.admin.get(&format!("/api/v4/users/{bob}")).json();

    a.ts.anon()
        .put(&patch_path(&bob), &json!({"nickname": "x"}))
        .assert_error(401, "api.context.session_expired.app_error");
    a.bob
        .put("/api/v4/users/junk/patch", &json!({}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    // Bodies Go's decoder refuses: not JSON, not an object, a field of the wrong type.
    for body in [
        "garbage",
        "",
        "[]",
        "\"x\"",
        r#"{"nickname": 5}"#,
        r#"{"username": ["bob"]}"#,
        r#"{"props": {"a": 1}}"#,
        r#"{"notify_props": {"email": true}}"#,
        r#"{"timezone": "Europe/Paris"}"#,
    ] {
        let r = raw_put(&a.bob, ME, body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.body);
        r.assert_error(400, "api.context.invalid_body_param.app_error");
    }
    // Another's account needs edit_other_users, even one that does not exist.
    for target in [a.admin.id(), carol.id(), "a".repeat(26)] {
        a.bob
            .put(&patch_path(&target), &json!({"nickname": "mine"}))
            .assert_error(403, "api.context.permissions.app_error");
    }
    a.admin
        .put(&patch_path(&"a".repeat(26)), &json!({"nickname": "x"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // The model's checks, field by field.
    let invalid = |field: &str, value: Value| {
        let id = format!("model.user.is_valid.{field}.app_error");
        let key = field.trim_end_matches("_limit");
        a.bob.put(ME, &json!({ key: value })).assert_error(400, &id);
    };
    for name in ["9lives", "all", "bob smith", "", &"a".repeat(65)] {
        invalid("username", json!(name));
    }
    invalid("nickname", json!("n".repeat(65)));
    invalid("first_name", json!("f".repeat(65)));
    invalid("last_name", json!("l".repeat(65)));
    invalid("position", json!("p".repeat(129)));
    invalid("locale", json!("english"));
    invalid("timezone_limit", json!({"manualTimezone": "z".repeat(256)}));
    for email in ["nope", "Bob <b@example.com>", ""] {
        a.admin
            .put(&patch_path(&bob), &json!({"email": email}))
            .assert_error(400, "model.user.is_valid.email.app_error");
    }
    // Names and addresses that belong to someone else.
    a.bob
        .put(ME, &json!({"username": "Carol"}))
        .assert_error(400, "app.user.save.username_exists.app_error");
    a.admin
        .put(&patch_path(&bob), &json!({"email": "CAROL@example.com"}))
        .assert_error(400, "app.user.save.email_exists.app_error");
    // 64 runes fit, whatever their bytes.
    let r = a.bob.put(ME, &json!({"first_name": "é".repeat(64)}));
    assert_eq!(r.status, 200, "{}", r.body);
    a.bob.put(ME, &json!({"first_name": ""}));

    let after = a.admin.get(&format!("/api/v4/users/{bob}")).json();
    for k in [
        "username",
        "email",
        "nickname",
        "last_name",
        "position",
        "locale",
        "timezone",
    ] {
        assert_eq!(after[k], before[k], "{k}");
    }
}

#[test]
fn your_own_new_email_needs_your_password() {
    let a = Acme::with(|c| c.service.maximum_login_attempts = 3);
    let bob = a.bob.id();
    let admin_view = || a.admin.get(&format!("/api/v4/users/{bob}")).json();

    // The web app sends the whole user on every save: an unchanged address needs nothing.
    let r = a
        .bob
        .put(ME, &json!({"email": "bob@example.com", "nickname": "b"}));
    assert_eq!(r.status, 200, "{}", r.body);
    a.bob
        .put(ME, &json!({"email": "robert@example.com"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    a.bob
        .put(
            ME,
            &json!({"email": "robert@example.com", "password": "wrong"}),
        )
        .assert_error(401, "api.user.check_user_password.invalid.app_error");
    assert_eq!(admin_view()["failed_attempts"], 1);
    assert_eq!(admin_view()["email"], "bob@example.com");
    // The right password: the address changes (lower case) and the failures are forgiven.
    let r = a.bob.put(
        ME,
        &json!({"email": "Robert@Example.com", "password": "bob-password"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["email"], "robert@example.com");
    assert!(admin_view().get("failed_attempts").is_none());
    a.ts.login("robert@example.com", "bob-password");

    // An admin changes someone else's without a password.
    let r = a
        .admin
        .put(&patch_path(&bob), &json!({"email": "bob@example.com"}));
    assert_eq!(r.status, 200, "{}", r.body);

    // A locked account is refused even with the right password.
    for _ in 0..3 {
        a.bob
            .put(ME, &json!({"email": "x@example.com", "password": "wrong"}))
            .assert_error(401, "api.user.check_user_password.invalid.app_error");
    }
    a.bob
        .put(
            ME,
            &json!({"email": "x@example.com", "password": "bob-password"}),
        )
        .assert_error(401, "api.user.check_user_login_attempts.too_many.app_error");
    assert_eq!(admin_view()["email"], "bob@example.com");
}

#[test]
fn an_admin_patches_anyone_and_every_socket_hears_its_own_copy() {
    let a = Acme::with(|c| c.privacy.show_email_address = false);
    let carol = a.ts.user(&a.admin, "carol");
    let bob = a.bob.id();
    let (mut aws, _) = open_as(&a.ts, &a.admin);
    let (mut cws, _) = open_as(&a.ts, &carol);
    let (mut bws, _) = open_as(&a.ts, &a.bob);

    let r = a.admin.put(
        &patch_path(&bob),
        &json!({"first_name": "Robert", "position": "Builder"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    // The answer is the whole user but its secrets, as Mattermost's.
    assert_eq!(u["email"], "bob@example.com");
    assert!(u["notify_props"].is_object() && u.get("password").is_none());

    let heard = events_until_marker(&a.ts, &a.admin, &mut aws, "marker1");
    let copies: Vec<&Value> = heard
        .iter()
        .filter(|e| e["event"] == "user_updated")
        .collect();
    assert_eq!(copies.len(), 1, "{heard:?}");
    let admins = copies[0];
    assert_eq!(admins["broadcast"]["contains_sensitive_data"], true);
    let user = &admins["data"]["user"];
    assert_eq!(
        (user["id"].as_str(), user["email"].as_str()),
        (Some(bob.as_str()), Some("bob@example.com"))
    );
    assert_eq!(user["first_name"], "Robert");
    assert_eq!(user["update_at"], u["update_at"]);
    assert!(user.get("notify_props").is_none() && user.get("password").is_none());

    for (i, ws) in [&mut cws, &mut bws].into_iter().enumerate() {
        let heard = events_until_marker(&a.ts, &a.admin, ws, &format!("marker{}", i + 2));
        let copies: Vec<&Value> = heard
            .iter()
            .filter(|e| e["event"] == "user_updated")
            .collect();
        assert_eq!(copies.len(), 1, "{heard:?}");
        assert_eq!(copies[0]["broadcast"]["contains_sanitized_data"], true);
        let user = &copies[0]["data"]["user"];
        assert_eq!(user["id"], bob.as_str());
        assert_eq!(user["position"], "Builder");
        assert_eq!(user["first_name"], "Robert");
        // ShowEmailAddress is off: not even bob's own socket gets the address in the event.
        assert_eq!(user["email"], "");
        assert!(user.get("notify_props").is_none());
    }

    // A refused patch tells no one.
    a.bob
        .put(ME, &json!({"username": "carol"}))
        .assert_error(400, "app.user.save.username_exists.app_error");
    let heard = events_until_marker(&a.ts, &a.admin, &mut cws, "marker9");
    assert!(
        !heard.iter().any(|e| e["event"] == "user_updated"),
        "{heard:?}"
    );
}

#[test]
fn the_web_apps_saves_send_the_whole_user_and_work() {
    // The official web app (6.3) saves every Profile and Display setting by sending the user it
    // holds, with the one field changed, to `PUT /users/me/patch`; an e-mail change adds
    // `password`.
    let a = Acme::new();
    let mut user = a.bob.get("/api/v4/users/me").json();
    user["first_name"] = json!("Bob");
    user["last_name"] = json!("Builder");
    let r = a.bob.put(ME, &user);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut user = r.json();
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Bob"), Some("Builder"))
    );
    user["timezone"] = json!({"useAutomaticTimezone": "true", "automaticTimezone": "Europe/Berlin", "manualTimezone": ""});
    user["locale"] = json!("de");
    let r = a.bob.put(ME, &user);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut user = r.json();
    assert_eq!(user["timezone"]["automaticTimezone"], "Europe/Berlin");
    user["email"] = json!("builder@example.com");
    user["password"] = json!("wrong");
    a.bob
        .put(ME, &user)
        .assert_error(401, "api.user.check_user_password.invalid.app_error");
    user["password"] = json!("bob-password");
    let r = a.bob.put(ME, &user);
    assert_eq!(r.status, 200, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["email"], "builder@example.com");
    assert_eq!(saved["locale"], "de");
    assert_eq!(saved["roles"], "system_user");
}
