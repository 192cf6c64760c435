//! `api/system.rs`, the common headers, static files, routing odds and ends.

use crate::common::*;
use serde_json::json;

#[test]
fn ping_answers_with_common_headers() {
    let ts = TestServer::start();
    let r = ts.anon().get("/api/v4/system/ping");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.json()["status"], "OK");
    let rid = r.header("X-Request-Id").unwrap();
    assert_eq!(rid.len(), 26);
    let ver = r.header("X-Version-Id").unwrap();
    let parts: Vec<&str> = ver.split('.').collect();
    assert!(parts.len() >= 4, "{ver}");
    let (major, minor): (u32, u32) = (parts[0].parse().unwrap(), parts[1].parse().unwrap());
    assert!(major > 9 || (major == 9 && minor >= 11), "{ver}");
    let r = ts.anon().get("/api/v4/system/ping?get_server_status=true");
    assert_eq!(r.json()["database_status"], "OK");
    // Perch-only fields the benchmark reads.
    assert_eq!(r.json()["perch_synchronous"], "FULL");
    let hash = r.json()["perch_password_hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(hash.starts_with("argon2id m="), "{hash}");
    assert!(ts.anon().get("/api/v4/system/ping").json()["perch_synchronous"].is_null());
}

#[test]
fn client_config_and_license() {
    let ts = TestServer::start();
    let r = ts.anon().get("/api/v4/config/client?format=old");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["MaxPostSize"], "16383");
    assert!(v["Version"].as_str().unwrap().starts_with("10."));
    let r = ts.anon().get("/api/v4/license/client?format=old");
    assert_eq!(r.json()["IsLicensed"], "false");
}

#[test]
fn unknown_routes_are_404_even_without_a_token() {
    let ts = TestServer::start();
    ts.anon()
        .get("/api/v4/nothing/here")
        .assert_error(404, "api.context.404.app_error");
    ts.anon()
        .delete("/api/v4/system/ping")
        .assert_error(404, "api.context.404.app_error");
}

#[test]
fn oversized_bodies_are_413() {
    let ts = TestServer::start();
    let admin = ts.admin();
    let big = vec![b'x'; 400_000];
    admin
        .post_raw("/api/v4/posts", "application/json", &big)
        .assert_error(413, "api.context.request_body_too_large.app_error");
}

#[test]
fn malformed_json_is_400_invalid_body() {
    let ts = TestServer::start();
    let admin = ts.admin();
    admin
        .post_raw("/api/v4/teams", "application/json", b"{not json")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    admin
        .post_raw("/api/v4/posts", "application/json", br#"{"channel_id": 5}"#)
        .assert_error(400, "api.context.invalid_body_param.app_error");
}

#[test]
fn a_trailing_slash_in_the_client_base_url_still_works() {
    // Client4.setUrl("http://host:8065/") requests `//api/v4/...`.
    let ts = TestServer::start();
    let r = ts.anon().get("//api/v4/system/ping");
    assert_eq!(r.status, 200);
}

/// What the web app's System Console needs to open: the whole config with every Mattermost
/// section, the settings the environment fixed, the sysconsole permissions, the upgrade status
/// and the teams list with its count.
#[test]
fn the_system_console_endpoints() {
    let srv = TestServer::start_with(|c| {
        // As `MM_SERVICESETTINGS_SITEURL` would set it.
        c.from_env = vec![("ServiceSettings".into(), "SiteURL".into())];
    });
    let (admin, bob, _tid) = srv.admin_and_bob_on_acme();
    let r = admin.get("/api/v4/config/environment");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"ServiceSettings": {"SiteURL": true}}));
    bob.get("/api/v4/config/environment")
        .assert_error(403, "api.context.permissions.app_error");
    let config = admin.get("/api/v4/config").json();
    for section in ["ExperimentalSettings", "PluginSettings", "ServiceSettings"] {
        assert!(config[section].is_object(), "{section} missing");
    }
    let roles = admin.post(
        "/api/v4/roles/names",
        &json!(["system_admin", "system_user"]),
    );
    let roles = roles.json();
    let perms = |name: &str| -> Vec<String> {
        roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    assert!(perms("system_admin").contains(&"sysconsole_read_user_management_users".into()));
    assert!(perms("system_admin").contains(&"sysconsole_write_environment_web_server".into()));
    assert!(!perms("system_user")
        .iter()
        .any(|p| p.starts_with("sysconsole_")));
    let r = admin.get("/api/v4/upgrade_to_enterprise/status");
    assert_eq!(r.json(), json!({"percentage": 0, "error": null}));
    bob.get("/api/v4/upgrade_to_enterprise/status")
        .assert_error(403, "api.context.permissions.app_error");
    // The console's teams list asks for the count too.
    admin.create_team("second");
    let v = admin
        .get("/api/v4/teams?page=0&per_page=1&include_total_count=true")
        .json();
    assert_eq!(v["total_count"], 2);
    assert_eq!(v["teams"].as_array().unwrap().len(), 1);
    let plain = admin.get("/api/v4/teams?page=1&per_page=1").json();
    assert_eq!(plain.as_array().unwrap().len(), 1);
    assert_ne!(plain[0]["id"], v["teams"][0]["id"]);
}

#[test]
fn access_history_is_empty_and_private() {
    let srv = TestServer::start();
    let (admin, bob, _tid) = srv.admin_and_bob_on_acme();
    for (c, who) in [
        (&bob, bob.id()),
        (&bob, "me".to_string()),
        (&admin, bob.id()),
    ] {
        let r = c.get(&format!("/api/v4/users/{who}/audits?page=0&per_page=200"));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json(), json!([]));
    }
    bob.get(&format!("/api/v4/users/{}/audits", admin.id()))
        .assert_error(403, "api.context.permissions.app_error");
    bob.get("/api/v4/users/nope/audits")
        .assert_error(400, "api.context.invalid_url_param.app_error");
}
