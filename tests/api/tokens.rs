//! `api/tokens.rs`: personal access tokens.

use crate::bots::{bot_server, create_bot, create_token, token_client};
use crate::common::*;
use serde_json::json;

#[test]
fn create_token_shows_the_secret_once_and_it_works_everywhere() {
    let ts = bot_server();
    let admin = ts.admin();
    let r = admin.post(
        &format!("/api/v4/users/{}/tokens", admin.id()),
        &json!({"description": "laptop"}),
    );
    assert_eq!(r.status, 200, "Mattermost answers 200 here: {}", r.body);
    let t = r.json();
    let secret = t["token"].as_str().unwrap();
    assert_eq!(secret.len(), 26);
    assert_eq!(t["user_id"], admin.id());
    assert_eq!(t["description"], "laptop");
    assert_eq!(t["is_active"], true);
    let id = t["id"].as_str().unwrap();
    // Never again: not in the list, not in a get.
    let list = admin
        .get(&format!("/api/v4/users/{}/tokens", admin.id()))
        .json();
    assert_eq!(
        list,
        json!([{"id": id, "user_id": admin.id(), "description": "laptop", "is_active": true}])
    );
    assert!(admin
        .get(&format!("/api/v4/users/tokens/{id}"))
        .json()
        .get("token")
        .is_none());
    // Bearer and Token, any case, on any endpoint.
    for scheme in ["Bearer", "bearer", "Token", "TOKEN"] {
        let r = ts.anon().request(
            "GET",
            "/api/v4/users/me",
            None,
            &[("Authorization", &format!("{scheme} {secret}"))],
        );
        assert_eq!(r.status, 200, "{scheme}");
        assert_eq!(r.json()["id"], admin.id());
    }
    let tc = Client::new(&ts.url, Some(secret.to_string()));
    assert_eq!(tc.create_team("viatoken")["name"], "viatoken");
    // Logging out with a token keeps the token working.
    assert_eq!(tc.post("/api/v4/users/logout", &json!({})).status, 200);
    assert_eq!(tc.get("/api/v4/users/me").status, 200);
}

#[test]
fn secrets_are_stored_only_as_digests() {
    let ts = bot_server();
    let admin = ts.admin();
    let (_, secret) = create_token(&admin, &admin.id());
    let login_token = admin.token.clone().unwrap();
    let db = std::fs::read(ts.dir.0.join("perch.db")).unwrap();
    let wal = std::fs::read(ts.dir.0.join("perch.db-wal")).unwrap_or_default();
    for s in [&secret, &login_token] {
        let hay = |b: &[u8]| b.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(!hay(&db) && !hay(&wal), "a secret is stored in clear");
    }
}

#[test]
fn create_token_rules() {
    let ts = TestServer::start_with(|c| c.service.enable_bot_account_creation = true);
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let path = format!("/api/v4/users/{}/tokens", bob.id());
    // Setting off: people's tokens are refused (501), bots' still work.
    admin
        .post(&path, &json!({"description": "x"}))
        .assert_error(501, "app.user_access_token.disabled");
    let bot = create_bot(&admin, "worker");
    let (_, secret) = create_token(&admin, bot["user_id"].as_str().unwrap());
    assert_eq!(token_client(&ts, &secret).user["username"], "worker");

    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let path = format!("/api/v4/users/{}/tokens", bob.id());
    admin
        .post(&path, &json!({"description": ""}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    admin
        .post(&path, &json!({"description": "x".repeat(256)}))
        .assert_error(
            400,
            "model.user_access_token.is_valid.description.app_error",
        );
    admin
        .post(
            &format!("/api/v4/users/{}/tokens", "a".repeat(26)),
            &json!({"description": "x"}),
        )
        .assert_error(404, "app.user.missing_account.const");
    // A plain user lacks create_user_access_token, even for themself.
    bob.post(&path, &json!({"description": "x"}))
        .assert_error(403, "api.context.permissions.app_error");
    // system_user_access_token grants it for yourself, not for others.
    let r = admin.put(
        &format!("/api/v4/users/{}/roles", bob.id()),
        &json!({"roles": "system_user system_user_access_token"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (tid, secret) = create_token(&bob, "me");
    assert_eq!(token_client(&ts, &secret).id(), bob.id());
    bob.post(
        &format!("/api/v4/users/{}/tokens", admin.id()),
        &json!({"description": "x"}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    // ... and lets the holder list, read, disable, enable and revoke their own.
    assert_eq!(
        bob.get("/api/v4/users/me/tokens")
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(bob.get(&format!("/api/v4/users/tokens/{tid}")).status, 200);
    for action in ["disable", "enable", "revoke"] {
        let r = bob.post(
            &format!("/api/v4/users/tokens/{action}"),
            &json!({"token_id": tid}),
        );
        assert_eq!(r.json(), json!({"status": "OK"}), "{action}");
    }
    // A bot cannot handle its own tokens (it does not manage itself).
    let bot = create_bot(&admin, "selfish");
    let bid = bot["user_id"].as_str().unwrap();
    admin.put(
        &format!("/api/v4/users/{bid}/roles"),
        &json!({"roles": "system_user system_user_access_token"}),
    );
    let (_, secret) = create_token(&admin, bid);
    token_client(&ts, &secret)
        .post(
            &format!("/api/v4/users/{bid}/tokens"),
            &json!({"description": "x"}),
        )
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn disable_enable_and_revoke_tokens() {
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let (id, secret) = create_token(&admin, &bob.id());
    let tc = Client::new(&ts.url, Some(secret));
    assert_eq!(tc.get("/api/v4/users/me").json()["id"], bob.id());
    let act = |a: &str| {
        admin.post(
            &format!("/api/v4/users/tokens/{a}"),
            &json!({"token_id": id}),
        )
    };
    assert_eq!(act("disable").status, 200);
    assert_eq!(
        admin.get(&format!("/api/v4/users/tokens/{id}")).json()["is_active"],
        false
    );
    tc.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    assert_eq!(act("enable").status, 200);
    assert_eq!(tc.get("/api/v4/users/me").status, 200);
    assert_eq!(act("revoke").status, 200);
    tc.get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
    admin
        .get(&format!("/api/v4/users/tokens/{id}"))
        .assert_error(404, "app.user_access_token.get_by_user.app_error");
    act("enable").assert_error(404, "app.user_access_token.get_by_user.app_error");
    admin
        .post("/api/v4/users/tokens/revoke", &json!({}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Plain users may not touch tokens at all.
    let (id2, _) = create_token(&admin, &bob.id());
    for a in ["revoke", "disable", "enable"] {
        bob.post(
            &format!("/api/v4/users/tokens/{a}"),
            &json!({"token_id": id2}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    }
    // A deactivated owner's token stops working.
    let (_, secret) = create_token(&admin, &bob.id());
    assert_eq!(
        admin.delete(&format!("/api/v4/users/{}", bob.id())).status,
        200
    );
    Client::new(&ts.url, Some(secret))
        .get("/api/v4/users/me")
        .assert_error(401, "api.context.session_expired.app_error");
}

#[test]
fn list_and_search_all_tokens_needs_manage_system() {
    let ts = bot_server();
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let (a, _) = create_token(&admin, &admin.id());
    let (b, _) = create_token(&admin, &bob.id());
    let all = admin.get("/api/v4/users/tokens").json();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![a.as_str(), b.as_str()]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t.get("token").is_none()));
    assert_eq!(
        admin.get("/api/v4/users/tokens?per_page=1&page=1").json()[0]["id"],
        b
    );
    let found = admin
        .post("/api/v4/users/tokens/search", &json!({"term": "bo"}))
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], b);
    let found = admin
        .post("/api/v4/users/tokens/search", &json!({"term": &a[..5]}))
        .json();
    assert_eq!(found[0]["id"], a);
    assert_eq!(
        admin
            .post("/api/v4/users/tokens/search", &json!({"term": "%"}))
            .json(),
        json!([])
    );
    admin
        .post("/api/v4/users/tokens/search", &json!({"term": ""}))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    bob.get("/api/v4/users/tokens")
        .assert_error(403, "api.context.permissions.app_error");
    bob.post("/api/v4/users/tokens/search", &json!({"term": "a"}))
        .assert_error(403, "api.context.permissions.app_error");
    bob.get(&format!("/api/v4/users/{}/tokens", bob.id()))
        .assert_error(403, "api.context.permissions.app_error");
}
