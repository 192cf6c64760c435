//! The authorization matrix, generated from the route table (`perch::api::ROUTES`).
//!
//! Every session-required route is called with no token and with each kind of dead
//! credential (expired, revoked, a revoked or disabled bot's token, a deactivated user's
//! token, garbage): each must answer `401 api.context.session_expired.app_error`. A new row in
//! the route table is covered the moment it exists. Then `EXPECT` says, for the routes where a
//! permission decides, what a plain user without it gets (403, or 404 where Mattermost hides
//! existence) and that the right user succeeds; every row of it must name a real route.

use crate::accounts::expire_session;
use crate::bots::{create_bot, create_token};
use crate::common::*;
use perch::api::{PUBLIC_ROUTES, ROUTES};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The fixture: users, a team, channels, posts, bots and tokens to aim the routes at, and
/// clients holding dead credentials.
struct World {
    /// Keeps the server running while the world is in use.
    _ts: TestServer,
    admin: Client,
    bob: Client,
    vars: HashMap<&'static str, String>,
    dead: Vec<(&'static str, Client)>,
}

fn id(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("no {k} in {v}"))
        .to_string()
}

fn world() -> World {
    let ts = TestServer::start_with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
        c.perch.login_rate_limit_enable = false;
    });
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let carol = ts.user(&admin, "carol");
    let mut vars: HashMap<&'static str, String> = HashMap::new();
    for name in ["dave", "victim1", "victim2", "victim3"] {
        vars.insert(name, ts.user(&admin, name).id());
    }
    let team = admin.create_team("home");
    let tid = id(&team, "id");
    for u in [bob.id(), carol.id()] {
        admin.add_to_team(&tid, &u);
    }
    let public = admin.create_channel(&tid, "pub", "O");
    let private = admin.create_channel(&tid, "priv", "P");
    let doomed = admin.create_channel(&tid, "doomed", "P");
    admin.add_to_channel(&id(&public, "id"), &bob.id());
    let post = admin.create_post(&id(&public, "id"), "hello");
    let secret_post = admin.create_post(&id(&private, "id"), "secret");
    let bot1 = create_bot(&admin, "bot1");
    let bot2 = create_bot(&admin, "bot2");
    let (t_bob, _) = create_token(&admin, &bob.id());
    let carol_hash = perch::auth::digest(carol.token.as_deref().unwrap());
    let reader = ts.running.as_ref().unwrap().app.store.reader().unwrap();
    let carol_session = perch::store::sessions::find_by_token_hash(&reader, &carol_hash)
        .unwrap()
        .unwrap()
        .id;
    vars.insert("admin", admin.id());
    vars.insert("bob", bob.id());
    vars.insert("carol", carol.id());
    vars.insert("carol_session", carol_session);
    vars.insert("tid", tid);
    vars.insert("team_name", "home".into());
    vars.insert("cid", id(&public, "id"));
    vars.insert("priv", id(&private, "id"));
    vars.insert("doomed", id(&doomed, "id"));
    vars.insert("pid", id(&post, "id"));
    vars.insert("secret_pid", id(&secret_post, "id"));
    vars.insert("bot1", id(&bot1, "user_id"));
    vars.insert("bot2", id(&bot2, "user_id"));
    vars.insert("t_bob", t_bob);

    // Dead credentials, one of each kind.
    let mut dead = vec![
        ("no token", ts.anon()),
        ("garbage token", Client::new(&ts.url, Some("x".repeat(26)))),
    ];
    let expired = ts.user(&admin, "expired");
    expire_session(&ts, expired.token.as_deref().unwrap());
    dead.push(("expired session", expired));
    let gone = ts.user(&admin, "gone");
    assert_eq!(gone.post("/api/v4/users/logout", &json!({})).status, 200);
    dead.push(("revoked session", gone));
    let (revoked_id, revoked) = create_token(&admin, &vars["dave"]);
    assert_eq!(
        admin
            .post(
                "/api/v4/users/tokens/revoke",
                &json!({"token_id": revoked_id})
            )
            .status,
        200
    );
    dead.push(("revoked token", Client::new(&ts.url, Some(revoked))));
    let (disabled_id, disabled) = create_token(&admin, &vars["dave"]);
    assert_eq!(
        admin
            .post(
                "/api/v4/users/tokens/disable",
                &json!({"token_id": disabled_id})
            )
            .status,
        200
    );
    dead.push(("disabled token", Client::new(&ts.url, Some(disabled))));
    let off = create_bot(&admin, "off");
    let (_, off_secret) = create_token(&admin, &id(&off, "user_id"));
    assert_eq!(
        Client::new(&ts.url, Some(off_secret.clone()))
            .get("/api/v4/users/me")
            .status,
        200
    );
    assert_eq!(
        admin
            .post(
                &format!("/api/v4/bots/{}/disable", id(&off, "user_id")),
                &json!({})
            )
            .status,
        200
    );
    dead.push((
        "disabled bot's token",
        Client::new(&ts.url, Some(off_secret)),
    ));
    let quitter = ts.user(&admin, "quitter");
    let (_, q_secret) = create_token(&admin, &quitter.id());
    assert_eq!(
        admin
            .delete(&format!("/api/v4/users/{}", quitter.id()))
            .status,
        200
    );
    dead.push((
        "deactivated user's token",
        Client::new(&ts.url, Some(q_secret)),
    ));
    dead.push(("deactivated user's session", quitter));
    World {
        _ts: ts,
        admin,
        bob,
        vars,
        dead,
    }
}

/// A value for a route capture, by its name (any non-empty value routes; real ones make the
/// 401 mean "refused before the handler" rather than "not found").
fn capture_value<'a>(w: &'a World, name: &str) -> &'a str {
    let key = match name {
        "uid" => "bob",
        "tid" => "tid",
        "cid" => "cid",
        "pid" => "pid",
        "bid" => "bot1",
        "token_id" => "t_bob",
        "team" => "team_name",
        _ => "",
    };
    w.vars
        .get(key)
        .map(String::as_str)
        .unwrap_or("abcdefghijklmnopqrstuvwxyz")
}

/// The pattern with every `{capture}` replaced.
fn fill_pattern(w: &World, pattern: &str) -> String {
    pattern
        .split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => capture_value(w, name).to_string(),
                None => part.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn call(c: &Client, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let body = match (method, body) {
        (_, Some(b)) => Some(("application/json", b.to_string().into_bytes())),
        ("POST" | "PUT", None) => Some(("application/json", b"{}".to_vec())),
        _ => None,
    };
    c.request(method, &format!("/api/v4{path}"), body, &[])
}

#[test]
fn every_session_route_refuses_missing_and_dead_credentials() {
    let w = world();
    let mut failures = Vec::new();
    for (method, pattern, _) in ROUTES {
        let path = fill_pattern(&w, pattern);
        for (what, client) in &w.dead {
            let r = call(client, method.as_str(), &path, None);
            let ok = r.status == 401 && r.json()["id"] == "api.context.session_expired.app_error";
            if !ok {
                failures.push(format!(
                    "{} {pattern} with {what}: {} {}",
                    method.as_str(),
                    r.status,
                    r.body.trim()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "routes that did not answer 401:\n{}",
        failures.join("\n")
    );
    // Public routes ignore a bad token instead.
    for (method, pattern, _) in PUBLIC_ROUTES {
        let r = call(&w.dead[1].1, method.as_str(), pattern, None);
        assert!(
            r.status != 401 || r.json()["id"] != "api.context.session_expired.app_error",
            "{pattern}: {}",
            r.body
        );
    }
    // The live credentials of the fixture do work.
    assert_eq!(w.admin.get("/api/v4/users/me").status, 200);
    assert_eq!(w.bob.get("/api/v4/users/me").status, 200);
}

/// One row: the route (must be in `ROUTES`), a concrete path and body with `{var}`s from the
/// fixture, what the plain user gets (status, error id), and the status the right user (a
/// system admin, who holds every permission) gets.
struct Case {
    method: &'static str,
    pattern: &'static str,
    path: &'static str,
    body: Option<Value>,
    plain: (u16, &'static str),
    right: u16,
}

const PERMS: &str = "api.context.permissions.app_error";
const NO_BOT: &str = "store.sql_bot.get.missing.app_error";

fn case(
    method: &'static str,
    pattern: &'static str,
    path: &'static str,
    body: Option<Value>,
    plain: (u16, &'static str),
    right: u16,
) -> Case {
    Case {
        method,
        pattern,
        path,
        body,
        plain,
        right,
    }
}

/// The expectations, in the order they run (later rows may depend on earlier ones' effects).
fn expectations() -> Vec<Case> {
    let p403 = (403, PERMS);
    vec![
        // bots
        case(
            "POST",
            "/bots",
            "/bots",
            Some(json!({"username": "newbot"})),
            p403,
            201,
        ),
        case("GET", "/bots", "/bots", None, p403, 200),
        case("GET", "/config", "/config", None, p403, 200),
        case(
            "GET",
            "/bots/{bid}",
            "/bots/{bot1}",
            None,
            (404, NO_BOT),
            200,
        ),
        case(
            "PUT",
            "/bots/{bid}",
            "/bots/{bot1}",
            Some(json!({"description": "d"})),
            (404, NO_BOT),
            200,
        ),
        case(
            "POST",
            "/bots/{bid}/disable",
            "/bots/{bot1}/disable",
            None,
            (404, NO_BOT),
            200,
        ),
        case(
            "POST",
            "/bots/{bid}/enable",
            "/bots/{bot1}/enable",
            None,
            (404, NO_BOT),
            200,
        ),
        case(
            "POST",
            "/bots/{bid}/assign/{uid}",
            "/bots/{bot1}/assign/{admin}",
            None,
            (404, NO_BOT),
            200,
        ),
        case(
            "POST",
            "/bots/{bid}/convert_to_user",
            "/bots/{bot2}/convert_to_user",
            Some(json!({"password": "a-long-password"})),
            p403,
            200,
        ),
        case(
            "POST",
            "/users/{uid}/convert_to_bot",
            "/users/{victim1}/convert_to_bot",
            None,
            p403,
            200,
        ),
        // personal access tokens
        case(
            "POST",
            "/users/{uid}/tokens",
            "/users/{bob}/tokens",
            Some(json!({"description": "d"})),
            p403,
            200,
        ),
        case(
            "GET",
            "/users/{uid}/tokens",
            "/users/{bob}/tokens",
            None,
            p403,
            200,
        ),
        case("GET", "/users/tokens", "/users/tokens", None, p403, 200),
        case(
            "POST",
            "/users/tokens/search",
            "/users/tokens/search",
            Some(json!({"term": "b"})),
            p403,
            200,
        ),
        case(
            "GET",
            "/users/tokens/{token_id}",
            "/users/tokens/{t_bob}",
            None,
            p403,
            200,
        ),
        case(
            "POST",
            "/users/tokens/disable",
            "/users/tokens/disable",
            Some(json!({"token_id": "{t_bob}"})),
            p403,
            200,
        ),
        case(
            "POST",
            "/users/tokens/enable",
            "/users/tokens/enable",
            Some(json!({"token_id": "{t_bob}"})),
            p403,
            200,
        ),
        case(
            "POST",
            "/users/tokens/revoke",
            "/users/tokens/revoke",
            Some(json!({"token_id": "{t_bob}"})),
            p403,
            200,
        ),
        // users: roles, activation, passwords, sessions
        case(
            "PUT",
            "/users/{uid}/roles",
            "/users/{dave}/roles",
            Some(json!({"roles": "system_user"})),
            p403,
            200,
        ),
        case(
            "PUT",
            "/users/{uid}/active",
            "/users/{victim2}/active",
            Some(json!({"active": false})),
            (403, "api.user.update_active.permissions.app_error"),
            200,
        ),
        case(
            "DELETE",
            "/users/{uid}",
            "/users/{victim3}",
            None,
            p403,
            200,
        ),
        case(
            "PUT",
            "/users/{uid}/patch",
            "/users/{carol}/patch",
            Some(json!({"nickname": "patched"})),
            p403,
            200,
        ),
        case(
            "PUT",
            "/users/{uid}/password",
            "/users/{dave}/password",
            Some(json!({"new_password": "a-long-password"})),
            (403, "api.user.update_password.context.app_error"),
            200,
        ),
        case(
            "GET",
            "/users/{uid}/sessions",
            "/users/{carol}/sessions",
            None,
            p403,
            200,
        ),
        case(
            "POST",
            "/users/{uid}/sessions/revoke",
            "/users/{carol}/sessions/revoke",
            Some(json!({"session_id": "{carol_session}"})),
            p403,
            200,
        ),
        case(
            "POST",
            "/users/{uid}/sessions/revoke/all",
            "/users/{carol}/sessions/revoke/all",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/users/{uid}/teams",
            "/users/{carol}/teams",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/users/{uid}/teams/{tid}/channels",
            "/users/{carol}/teams/{tid}/channels",
            None,
            p403,
            200,
        ),
        // team and channel membership roles
        case(
            "PUT",
            "/teams/{tid}/members/{uid}/roles",
            "/teams/{tid}/members/{bob}/roles",
            Some(json!({"roles": "team_user"})),
            p403,
            200,
        ),
        case(
            "PUT",
            "/channels/{cid}/members/{uid}/roles",
            "/channels/{cid}/members/{bob}/roles",
            Some(json!({"roles": "channel_user"})),
            p403,
            200,
        ),
        case(
            "DELETE",
            "/teams/{tid}/members/{uid}",
            "/teams/{tid}/members/{carol}",
            None,
            p403,
            200,
        ),
        // channels and posts the plain user may not read or change
        case(
            "GET",
            "/channels/{cid}",
            "/channels/{priv}",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/channels/{cid}/posts",
            "/channels/{priv}/posts",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/channels/{cid}/members",
            "/channels/{priv}/members",
            None,
            p403,
            200,
        ),
        case(
            "PUT",
            "/channels/{cid}/patch",
            "/channels/{priv}/patch",
            Some(json!({"header": "h"})),
            p403,
            200,
        ),
        case(
            "DELETE",
            "/channels/{cid}",
            "/channels/{doomed}",
            None,
            p403,
            200,
        ),
        // restoring needs manage_team (after the row above archived `doomed`)
        case(
            "POST",
            "/channels/{cid}/restore",
            "/channels/{doomed}/restore",
            None,
            p403,
            200,
        ),
        // pins: whoever reads the channel; saves and notify props: one's own
        case(
            "POST",
            "/posts/{pid}/pin",
            "/posts/{secret_pid}/pin",
            None,
            p403,
            200,
        ),
        case(
            "POST",
            "/posts/{pid}/unpin",
            "/posts/{secret_pid}/unpin",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/channels/{cid}/pinned",
            "/channels/{priv}/pinned",
            None,
            p403,
            200,
        ),
        case(
            "GET",
            "/users/{uid}/posts/flagged",
            "/users/{admin}/posts/flagged",
            None,
            p403,
            200,
        ),
        case(
            "POST",
            "/users/{uid}/preferences/delete",
            "/users/{admin}/preferences/delete",
            Some(json!([])),
            p403,
            200,
        ),
        case(
            "PUT",
            "/channels/{cid}/members/{uid}/notify_props",
            "/channels/{cid}/members/{admin}/notify_props",
            Some(json!({"mark_unread": "all"})),
            p403,
            200,
        ),
        case(
            "POST",
            "/channels/direct",
            "/channels/direct",
            Some(json!(["{carol}", "{dave}"])),
            p403,
            201,
        ),
        case(
            "POST",
            "/posts",
            "/posts",
            Some(json!({"channel_id": "{priv}", "message": "m"})),
            p403,
            201,
        ),
        case(
            "GET",
            "/posts/{pid}",
            "/posts/{secret_pid}",
            None,
            p403,
            200,
        ),
        case(
            "PUT",
            "/posts/{pid}/patch",
            "/posts/{pid}/patch",
            Some(json!({"message": "edited"})),
            p403,
            200,
        ),
        case(
            "PUT",
            "/posts/{pid}",
            "/posts/{pid}",
            Some(json!({"id": "{pid}", "message": "edited again"})),
            p403,
            200,
        ),
        case("DELETE", "/posts/{pid}", "/posts/{pid}", None, p403, 200),
        // interactive messages: clicking needs read access to the channel's content; the call
        // log is its integration's managers'
        case(
            "POST",
            "/posts/{pid}/actions/{aid}",
            "/posts/{secret_pid}/actions/go",
            Some(json!({})),
            p403,
            404,
        ),
        case(
            "GET",
            "/users/{uid}/actions",
            "/users/{carol}/actions",
            None,
            p403,
            200,
        ),
        case("GET", "/actions/calls", "/actions/calls", None, p403, 200),
        // profile pictures: one's own, or anyone's with edit_other_users (the admin's JSON
        // body is no form: past the permission check, a 400)
        case(
            "POST",
            "/users/{uid}/image",
            "/users/{admin}/image",
            None,
            p403,
            400,
        ),
        case(
            "DELETE",
            "/users/{uid}/image",
            "/users/{admin}/image",
            None,
            p403,
            200,
        ),
        // team settings need manage_team (team admins)
        case(
            "PUT",
            "/teams/{tid}",
            "/teams/{tid}",
            Some(json!({"id": "{tid}", "display_name": "Home", "description": "d"})),
            p403,
            200,
        ),
        case(
            "PUT",
            "/teams/{tid}/patch",
            "/teams/{tid}/patch",
            Some(json!({"description": "patched"})),
            p403,
            200,
        ),
        // a channel's privacy: the permission of the direction (last: `pub` ends up public
        // again)
        case(
            "POST",
            "/channels/{cid}/convert",
            "/channels/{cid}/convert",
            None,
            p403,
            200,
        ),
        case(
            "PUT",
            "/channels/{cid}/privacy",
            "/channels/{cid}/privacy",
            Some(json!({"privacy": "O"})),
            p403,
            200,
        ),
    ]
}

fn fill(w: &World, s: &str) -> String {
    let mut out = s.to_string();
    for (k, v) in &w.vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    assert!(!out.contains('{'), "unknown placeholder in {s}");
    out
}

fn fill_value(w: &World, v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(fill(w, s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill_value(w, x)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), fill_value(w, x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn plain_users_are_refused_and_the_right_users_succeed() {
    let w = world();
    let cases = expectations();
    let mut failures = Vec::new();
    for c in &cases {
        let known = ROUTES
            .iter()
            .any(|(m, p, _)| m.as_str() == c.method && *p == c.pattern);
        assert!(
            known,
            "EXPECT row {} {} is not in the route table",
            c.method, c.pattern
        );
        let path = fill(&w, c.path);
        let body = c.body.as_ref().map(|b| fill_value(&w, b));
        let r = call(&w.bob, c.method, &path, body.as_ref());
        let got_id = serde_json::from_str::<Value>(&r.body)
            .ok()
            .map(|v| v["id"].clone());
        if r.status != c.plain.0 || got_id != Some(Value::from(c.plain.1)) {
            failures.push(format!(
                "plain {} {}: want {} {}, got {} {}",
                c.method,
                c.pattern,
                c.plain.0,
                c.plain.1,
                r.status,
                r.body.trim()
            ));
        }
        let r = call(&w.admin, c.method, &path, body.as_ref());
        if r.status != c.right {
            failures.push(format!(
                "admin {} {}: want {}, got {} {}",
                c.method,
                c.pattern,
                c.right,
                r.status,
                r.body.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "authorization mismatches:\n{}",
        failures.join("\n")
    );
    // The bot, token, role and user-management routes all have a row.
    for (m, p, _) in ROUTES {
        let sensitive = [
            "/bots",
            "/users/tokens",
            "/sessions",
            "/convert_to",
            "/active",
            "/password",
        ]
        .iter()
        .any(|s| p.contains(s))
            // Role changes (reading roles by name is open to every signed-in user).
            || p.ends_with("/roles")
            || (p.starts_with("/users/{uid}/tokens"))
            || *p == "/users/{uid}/patch"
            || (*m == perch::http::Method::Delete && *p == "/users/{uid}");
        if sensitive {
            assert!(
                cases
                    .iter()
                    .any(|c| c.method == m.as_str() && c.pattern == *p),
                "{} {p} needs a row in the authorization expectations",
                m.as_str()
            );
        }
    }
}
