//! `api/users.rs`: sign-up, login, sessions, user reads.

use crate::common::*;
use serde_json::json;

#[test]
fn first_user_becomes_admin_and_open_signup_is_off() {
    let ts = TestServer::start();
    let anon = ts.anon();
    let r = anon.post(
        "/api/v4/users",
        &json!({"email": "First@Example.com", "username": "First", "password": "passw0rd!"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let u = r.json();
    assert_eq!(u["roles"], "system_admin system_user");
    assert_eq!(u["username"], "first");
    assert_eq!(u["email"], "first@example.com");
    assert!(u.get("password").is_none());
    assert_eq!(u["id"].as_str().unwrap().len(), 26);
    anon.post(
        "/api/v4/users",
        &json!({"email": "b@example.com", "username": "second", "password": "passw0rd!"}),
    )
    .assert_error(403, "api.user.create_user.no_open_server");
}

#[test]
fn open_server_signup_gets_system_user() {
    let ts = TestServer::start_with(|c| c.team.enable_open_server = true);
    ts.admin();
    let r = ts.anon().post(
        "/api/v4/users",
        &json!({"email": "b@example.com", "username": "bob", "password": "passw0rd!"}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["roles"], "system_user");
}

#[test]
fn create_user_validation() {
    let ts = TestServer::start();
    let admin = ts.admin();
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "x@example.com", "username": "all", "password": "passw0rd!"}),
        )
        .assert_error(400, "model.user.is_valid.username.app_error");
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "nope", "username": "bob", "password": "passw0rd!"}),
        )
        .assert_error(400, "model.user.is_valid.email.app_error");
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "b@example.com", "username": "bob", "password": "short"}),
        )
        .assert_error(400, "model.user.is_valid.pwd_min_length.app_error");
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "b@example.com", "username": "admin", "password": "passw0rd!"}),
        )
        .assert_error(400, "app.user.save.username_exists.app_error");
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "ADMIN@example.com", "username": "bob", "password": "passw0rd!"}),
        )
        .assert_error(400, "app.user.save.email_exists.app_error");
    admin
        .post(
            "/api/v4/users",
            &json!({"email": "b@example.com", "username": 7, "password": "passw0rd!"}),
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // roles in the body are ignored
    let r = admin.post("/api/v4/users", &json!({"email": "c@example.com", "username": "carol", "password": "passw0rd!", "roles": "system_admin"}));
    assert_eq!(r.json()["roles"], "system_user");
}

#[test]
fn login_by_username_or_email_returns_token_header_and_no_cookies() {
    let ts = TestServer::start();
    ts.admin();
    let anon = ts.anon();
    for login_id in ["admin", "ADMIN@example.com"] {
        let r = anon.post(
            "/api/v4/users/login",
            &json!({"login_id": login_id, "password": "admin-password", "token": null}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("Token").unwrap().len(), 26);
        assert!(r.header("Set-Cookie").is_none());
        assert_eq!(r.json()["username"], "admin");
        assert!(r.json().get("password").is_none());
    }
    let token = anon
        .post(
            "/api/v4/users/login",
            &json!({"login_id": "admin", "password": "admin-password"}),
        )
        .header("Token")
        .unwrap()
        .to_string();
    for scheme in ["Bearer", "bearer", "BEARER", "Token", "token"] {
        let r = anon.request(
            "GET",
            "/api/v4/users/me",
            None,
            &[("Authorization", &format!("{scheme} {token}"))],
        );
        assert_eq!(r.status, 200, "{scheme}: {}", r.body);
        assert_eq!(r.json()["username"], "admin");
    }
}

#[test]
fn login_from_the_web_app_sets_cookies_and_cookie_auth_checks_csrf() {
    let ts = TestServer::start();
    ts.admin();
    let anon = ts.anon();
    let r = anon.request(
        "POST",
        "/api/v4/users/login",
        Some((
            "application/json",
            br#"{"login_id":"admin","password":"admin-password"}"#.to_vec(),
        )),
        &[("X-Requested-With", "XMLHttpRequest")],
    );
    assert_eq!(r.status, 200);
    let cookies: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    let token = r.header("Token").unwrap();
    assert!(cookies
        .iter()
        .any(|c| c.starts_with(&format!("MMAUTHTOKEN={token}")) && c.contains("HttpOnly")));
    assert!(
        cookies.iter().all(|c| c.contains("; SameSite=Lax")),
        "{cookies:?}"
    );
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("MMUSERID=")));
    let csrf = cookies.iter().find(|c| c.starts_with("MMCSRF=")).unwrap();
    let csrf = csrf
        .trim_start_matches("MMCSRF=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let cookie = format!("MMAUTHTOKEN={token}");
    // GET with the cookie works.
    assert_eq!(
        anon.request("GET", "/api/v4/users/me", None, &[("Cookie", &cookie)])
            .status,
        200
    );
    // A non-GET with the cookie but without CSRF proof is refused.
    let body = Some((
        "application/json",
        br#"{"name":"tt","display_name":"T","type":"O"}"#.to_vec(),
    ));
    anon.request(
        "POST",
        "/api/v4/teams",
        body.clone(),
        &[("Cookie", &cookie)],
    )
    .assert_error(401, "api.context.session_expired.app_error");
    let r = anon.request(
        "POST",
        "/api/v4/teams",
        body,
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Logs the admin in as the web app does; returns (the session cookie, the CSRF token, the
/// cookies as set).
fn web_login(ts: &TestServer, extra: &[(&str, &str)]) -> (String, String, Vec<String>) {
    let mut headers = vec![("X-Requested-With", "XMLHttpRequest")];
    headers.extend_from_slice(extra);
    let r = ts.anon().request(
        "POST",
        "/api/v4/users/login",
        Some((
            "application/json",
            br#"{"login_id":"admin","password":"admin-password"}"#.to_vec(),
        )),
        &headers,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let cookies: Vec<String> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.clone())
        .collect();
    let value = |name: &str| {
        cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_string()
    };
    (
        format!("MMAUTHTOKEN={}", value("MMAUTHTOKEN")),
        value("MMCSRF"),
        cookies,
    )
}

#[test]
fn a_cross_site_form_post_is_refused() {
    let ts = TestServer::start();
    ts.admin();
    let (cookie, csrf, _) = web_login(&ts, &[]);
    let anon = ts.anon();
    // What a browser sends for another site's auto-submitted form, if it sent the cookie at
    // all (SameSite=Lax keeps it from doing so): the cookie, a form body, a foreign Origin, no
    // X-Requested-With and no X-CSRF-Token.
    let form = Some((
        "application/x-www-form-urlencoded",
        b"name=evil&display_name=Evil&type=O".to_vec(),
    ));
    let foreign = [
        ("Cookie", cookie.as_str()),
        ("Origin", "https://evil.example"),
    ];
    for (method, path) in [
        ("POST", "/api/v4/teams"),
        ("PUT", "/api/v4/users/me/password"),
        ("DELETE", "/api/v4/users/me"),
        ("POST", "/api/v4/users/me/tokens"),
    ] {
        anon.request(method, path, form.clone(), &foreign)
            .assert_error(401, "api.context.session_expired.app_error");
    }
    // A guessed token is no better.
    let mut guessed = foreign.to_vec();
    guessed.push(("X-CSRF-Token", "0123456789abcdefghijklmnop"));
    anon.request("POST", "/api/v4/teams", form.clone(), &guessed)
        .assert_error(401, "api.context.session_expired.app_error");
    // Nothing was written, and the session still works for the page itself.
    let me = anon.request(
        "GET",
        "/api/v4/users/me/teams",
        None,
        &[("Cookie", &cookie)],
    );
    assert_eq!(me.status, 200);
    assert_eq!(me.json().as_array().unwrap().len(), 0, "{}", me.body);
    let mut own = foreign.to_vec();
    own[1] = ("X-CSRF-Token", csrf.as_str());
    let body = Some((
        "application/json",
        br#"{"name":"mine","display_name":"M","type":"O"}"#.to_vec(),
    ));
    assert_eq!(
        anon.request("POST", "/api/v4/teams", body, &own).status,
        201
    );
}

#[test]
fn strict_csrf_enforcement_needs_the_token_and_https_cookies_are_secure() {
    let ts = TestServer::start_with(|c| c.service.experimental_strict_csrf_enforcement = true);
    ts.admin();
    let (cookie, csrf, cookies) = web_login(&ts, &[("X-Forwarded-Proto", "https")]);
    assert!(
        cookies.iter().all(|c| c.contains("; SameSite=Lax; Secure")),
        "{cookies:?}"
    );
    let anon = ts.anon();
    let body = Some((
        "application/json",
        br#"{"name":"t1","display_name":"T","type":"O"}"#.to_vec(),
    ));
    // X-Requested-With alone (which any page's script can set) is not enough in strict mode.
    anon.request(
        "POST",
        "/api/v4/teams",
        body.clone(),
        &[("Cookie", &cookie), ("X-Requested-With", "XMLHttpRequest")],
    )
    .assert_error(401, "api.context.session_expired.app_error");
    let r = anon.request(
        "POST",
        "/api/v4/teams",
        body,
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn login_failures() {
    let ts = TestServer::start();
    ts.admin();
    let anon = ts.anon();
    anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "admin", "password": ""}),
    )
    .assert_error(400, "api.user.login.blank_pwd.app_error");
    anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "admin", "password": "wrong"}),
    )
    .assert_error(401, "api.user.login.invalid_credentials_email_username");
    anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "nobody", "password": "wrong"}),
    )
    .assert_error(401, "api.user.login.invalid_credentials_email_username");
    // Non-string values are dropped, as Mattermost's map[string]string decoding does.
    anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "admin", "password": 12345}),
    )
    .assert_error(400, "api.user.login.blank_pwd.app_error");
    anon.post_raw("/api/v4/users/login", "application/json", b"[1,2]")
        .assert_error(400, "api.context.invalid_body_param.app_error");
}

#[test]
fn wrong_passwords_lock_the_account() {
    let ts = TestServer::start_with(|c| {
        c.service.maximum_login_attempts = 3;
        c.perch.login_rate_limit_enable = false;
    });
    let admin = ts.admin();
    ts.user(&admin, "bob");
    let anon = ts.anon();
    for _ in 0..3 {
        anon.post(
            "/api/v4/users/login",
            &json!({"login_id": "bob", "password": "nope"}),
        )
        .assert_error(401, "api.user.login.invalid_credentials_email_username");
    }
    // Locked: even the right password is refused.
    anon.post(
        "/api/v4/users/login",
        &json!({"login_id": "bob", "password": "bob-password"}),
    )
    .assert_error(401, "api.user.check_user_login_attempts.too_many.app_error");
}

#[test]
fn logout_revokes_the_session() {
    let ts = TestServer::start();
    let admin = ts.admin();
    assert_eq!(admin.get("/api/v4/users/me").status, 200);
    let r = admin.post("/api/v4/users/logout", &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "OK"}));
    admin
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
}

#[test]
fn bad_tokens_are_401() {
    let ts = TestServer::start();
    ts.admin();
    ts.anon()
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    Client::new(&ts.url, Some("x".repeat(26)))
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    ts.anon()
        .get("/api/v4/users/me?access_token=abc")
        .assert_error(401, "api.context.token_provided.app_error");
}

#[test]
fn get_users_by_id_username_ids_and_list() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let r = bob.get(&format!("/api/v4/users/{}", admin.id()));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["username"], "admin");
    assert!(
        v.get("notify_props").is_none(),
        "others do not see notify_props"
    );
    let r = bob.get("/api/v4/users/username/admin");
    assert_eq!(r.json()["id"], admin.id());
    bob.get("/api/v4/users/username/ghost")
        .assert_error(404, "app.user.missing_account.const");
    bob.get(&format!("/api/v4/users/{}", "a".repeat(26)))
        .assert_error(404, "app.user.missing_account.const");
    bob.get("/api/v4/users/bad-id")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    let r = bob.post("/api/v4/users/ids", &json!([admin.id(), bob.id()]));
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let r = bob.get("/api/v4/users?per_page=1&page=1");
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["username"], "bob");
}

#[test]
fn get_body_on_get_is_ignored() {
    // mattermostdriver sends `{}` with Content-Type JSON on every GET.
    let ts = TestServer::start();
    let admin = ts.admin();
    let r = admin.request(
        "GET",
        "/api/v4/users/me",
        Some(("application/json", b"{}".to_vec())),
        &[],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn system_admin_can_change_roles() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    bob.put(
        &format!("/api/v4/users/{}/roles", admin.id()),
        &json!({"roles": "system_user"}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    admin
        .put(
            &format!("/api/v4/users/{}/roles", bob.id()),
            &json!({"roles": "system_user nonsense"}),
        )
        .assert_error(400, "app.role.check_roles_exist.role_not_found");
    let r = admin.put(
        &format!("/api/v4/users/{}/roles", bob.id()),
        &json!({"roles": "system_user system_admin"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        bob.get("/api/v4/users/me").json()["roles"],
        "system_user system_admin"
    );
}

#[test]
fn users_search_by_the_start_of_a_name() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let bobby = ts.user(&admin, "bobby");
    let r = admin.post(
        "/api/v4/users",
        &json!({"email": "carol@example.com", "username": "carol", "password": "carol-password",
                "first_name": "Zelda"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let carol = ts.login("carol", "carol-password");
    let team = admin.create_team("home");
    let tid = team["id"].as_str().unwrap().to_string();
    admin.add_to_team(&tid, &bob.id());
    let ch = admin.create_channel(&tid, "town", "O");
    let cid = ch["id"].as_str().unwrap().to_string();
    admin.add_to_channel(&cid, &bob.id());
    let names = |c: &Client, body: serde_json::Value| -> Vec<String> {
        let r = c.post("/api/v4/users/search", &body);
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&carol, json!({"term": "bo"})), ["bob", "bobby"]);
    assert_eq!(names(&carol, json!({"term": "@BOBB"})), ["bobby"]);
    assert_eq!(names(&bob, json!({"term": "zel"})), ["carol"]);
    assert_eq!(names(&bob, json!({"term": "b%"})), Vec::<String>::new());
    assert_eq!(names(&bob, json!({"term": "bo", "team_id": tid})), ["bob"]);
    assert_eq!(
        names(&bob, json!({"term": "bo", "in_channel_id": cid})),
        ["bob"]
    );
    assert_eq!(
        names(&bob, json!({"term": "bo", "not_in_channel_id": cid})),
        ["bobby"]
    );
    assert_eq!(names(&bob, json!({"term": "b", "limit": 1})), ["bob"]);
    // Deactivated accounts only for an admin who asks.
    let r = admin.delete(&format!("/api/v4/users/{}", bobby.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        names(&bob, json!({"term": "bo", "allow_inactive": true})),
        ["bob"]
    );
    assert_eq!(
        names(&admin, json!({"term": "bo", "allow_inactive": true})),
        ["bob", "bobby"]
    );
    // Mattermost's refusals.
    carol
        .post("/api/v4/users/search", &json!({"term": " "}))
        .assert_error(400, "api.context.invalid_param.app_error");
    carol
        .post(
            "/api/v4/users/search",
            &json!({"term": "b", "team_id": tid}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    carol
        .post(
            "/api/v4/users/search",
            &json!({"term": "b", "not_in_channel_id": cid}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    ts.anon()
        .post("/api/v4/users/search", &json!({"term": "b"}))
        .assert_error(401, "api.context.session_expired.app_error");
}
