//! `api/commands.rs`: creating, listing, getting, updating and deleting custom slash
//! commands, token regeneration, and the autocomplete list (custom and built-in).

use super::*;

#[test]
fn create_command_returns_201_with_token_and_lowercased_trigger() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "DeployIt", "http://example.com/x", "P");
    assert_eq!(c["trigger"], "deployit");
    assert_eq!(s(&c["id"]).len(), 26);
    assert_eq!(s(&c["token"]).len(), 26);
    assert_eq!(c["creator_id"], f.admin.id().as_str());
    assert_eq!(c["team_id"], f.tid.as_str());
    assert_eq!(c["method"], "P");
    assert_eq!(c["auto_complete"], true);
    assert_eq!(c["auto_complete_hint"], "[env]");
    assert_eq!(c["delete_at"], 0);
    assert!(c["create_at"].as_i64().unwrap() > 0);
    assert_eq!(c["create_at"], c["update_at"]);
    // The admin may create a command on behalf of another user.
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "forbob", "url": "http://e.com", "method": "G", "creator_id": f.bob.id()}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["creator_id"], f.bob.id().as_str());
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "ghost", "url": "http://e.com", "method": "G", "creator_id": "x".repeat(26)}),
    );
    r.assert_error(404, "app.user.missing_account.const");
}

#[test]
fn create_command_validation_errors() {
    let f = fx();
    let post = |body: Value| f.admin.post("/api/v4/commands", &body);
    let base =
        json!({"team_id": f.tid, "trigger": "ok", "url": "http://example.com", "method": "P"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (k, v, id) in [
        (
            "trigger",
            json!(""),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("/slash"),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("two words"),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "trigger",
            json!("x".repeat(129)),
            "model.command.is_valid.trigger.app_error",
        ),
        (
            "method",
            json!("X"),
            "model.command.is_valid.method.app_error",
        ),
        (
            "method",
            json!(""),
            "model.command.is_valid.method.app_error",
        ),
        ("url", json!(""), "model.command.is_valid.url.app_error"),
        (
            "url",
            json!("ftp://example.com"),
            "model.command.is_valid.url_http.app_error",
        ),
        (
            "url",
            json!(format!("http://e.com/{}", "x".repeat(1024))),
            "model.command.is_valid.url.app_error",
        ),
        (
            "display_name",
            json!("d".repeat(65)),
            "model.command.is_valid.display_name.app_error",
        ),
        (
            "description",
            json!("d".repeat(129)),
            "model.command.is_valid.description.app_error",
        ),
    ] {
        post(with(k, v)).assert_error(400, id);
    }
    post(with("team_id", json!(""))).assert_error(400, "model.command.is_valid.team_id.app_error");
    // Bad JSON, and a field of the wrong type.
    f.admin
        .post_raw("/api/v4/commands", "application/json", b"{nope")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    post(with("auto_complete", json!("yes")))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Quirk: a client-supplied id is a 500.
    post(with("id", json!("a".repeat(26))))
        .assert_error(500, "app.command.createcommand.internal_error");
    // Triggers are unique per team, case-insensitively, and built-ins are reserved.
    assert_eq!(post(base.clone()).status, 201);
    post(with("trigger", json!("OK"))).assert_error(400, "api.command.duplicate_trigger.app_error");
    for builtin in ["echo", "join", "away", "Shrug", "settings"] {
        post(with("trigger", json!(builtin)))
            .assert_error(400, "api.command.duplicate_trigger.app_error");
    }
    // The same trigger is fine in another team.
    let other = s(&f.admin.create_team("other")["id"]);
    assert_eq!(post(with("team_id", json!(other))).status, 201);
}

#[test]
fn create_command_needs_manage_own_slash_commands() {
    let f = fx();
    let r = f.bob.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "mine", "url": "http://e.com", "method": "P"}),
    );
    r.assert_error(403, "api.context.permissions.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("manage_own_slash_commands"));
    // A team admin may.
    let r = f.admin.put(
        &format!("/api/v4/teams/{}/members/{}/roles", f.tid, f.bob.id()),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let c = create_cmd(&f.bob, &f.tid, "mine", "http://e.com", "P");
    assert_eq!(c["creator_id"], f.bob.id().as_str());
}

#[test]
fn create_command_disabled_is_501() {
    let f = fx_on(server_with(|c| c.service.enable_commands = false));
    f.admin
        .post(
            "/api/v4/commands",
            &json!({"team_id": f.tid, "trigger": "x", "url": "http://e.com", "method": "P"}),
        )
        .assert_error(501, "api.command.disabled.app_error");
    f.admin
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=true",
            f.tid
        ))
        .assert_error(501, "api.command.disabled.app_error");
    // Listing without custom_only still answers (built-ins only).
    let list = f
        .admin
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["trigger"] == "echo"));
    // Executing anything, built-ins included, is refused.
    exec(&f.admin, &f.town, "/echo hi").assert_error(501, "api.command.disabled.app_error");
}

#[test]
fn list_commands_custom_only_full_or_sanitized_with_builtins() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com/hook", "P");
    let quiet = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "quiet", "url": "http://e.com", "method": "G", "auto_complete": false}),
    );
    assert_eq!(quiet.status, 201);
    f.admin
        .get("/api/v4/commands")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Python sends booleans as `True`.
    let r = f.admin.get(&format!(
        "/api/v4/commands?team_id={}&custom_only=True",
        f.tid
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], c);
    assert_eq!(list[0]["token"], c["token"]);
    // Without custom_only: built-ins and the team's commands, sanitized.
    let list = f
        .admin
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=false",
            f.tid
        ))
        .json();
    let list = list.as_array().unwrap();
    let deploy = list.iter().find(|x| x["trigger"] == "deploy").unwrap();
    for k in [
        "token",
        "creator_id",
        "method",
        "url",
        "username",
        "icon_url",
    ] {
        assert_eq!(deploy[k], "", "{k} not blanked");
    }
    assert!(list.iter().any(|x| x["trigger"] == "quiet"));
    let echo = list.iter().find(|x| x["trigger"] == "echo").unwrap();
    assert_eq!(echo["auto_complete"], true);
    assert!(!s(&echo["auto_complete_desc"]).is_empty());
    // A plain member gets the autocomplete list: no `quiet`, nothing secret.
    let list = f
        .bob
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .json();
    let list = list.as_array().unwrap();
    assert!(list
        .iter()
        .any(|x| x["trigger"] == "deploy" && x["token"] == ""));
    assert!(!list.iter().any(|x| x["trigger"] == "quiet"));
    f.bob
        .get(&format!(
            "/api/v4/commands?team_id={}&custom_only=true",
            f.tid
        ))
        .assert_error(403, "api.context.permissions.app_error");
    // Not in the team: no view_team.
    let carol = f.ts.user(&f.admin, "carol");
    carol
        .get(&format!("/api/v4/commands?team_id={}", f.tid))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn get_command_hides_existence_with_404() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    let id = s(&c["id"]);
    let r = f.admin.get(&format!("/api/v4/commands/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), c);
    f.bob
        .get(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    f.admin
        .get(&format!("/api/v4/commands/{}", "z".repeat(26)))
        .assert_error(404, "store.sql_command.save.get.app_error");
    f.admin
        .get("/api/v4/commands/short")
        .assert_error(400, "api.context.invalid_url_param.app_error");
}

#[test]
fn update_command_keeps_identity_and_checks_rules() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    create_cmd(&f.admin, &f.tid, "taken", "http://e.com", "P");
    let id = s(&c["id"]);
    let path = format!("/api/v4/commands/{id}");
    let mut body = c.clone();
    body["trigger"] = json!("Ship");
    body["method"] = json!("G");
    body["url"] = json!("https://e.com/ship");
    body["description"] = json!("ships");
    body["token"] = json!("t".repeat(26));
    body["creator_id"] = json!(f.bob.id());
    body["create_at"] = json!(1);
    let r = f.admin.put(&path, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let u = r.json();
    assert_eq!(u["trigger"], "ship");
    assert_eq!(u["method"], "G");
    assert_eq!(u["description"], "ships");
    assert_eq!(u["token"], c["token"]);
    assert_eq!(u["creator_id"], c["creator_id"]);
    assert_eq!(u["create_at"], c["create_at"]);
    assert_eq!(f.admin.get(&path).json(), u);
    // Errors.
    let mut wrong_id = u.clone();
    wrong_id["id"] = json!("y".repeat(26));
    f.admin
        .put(&path, &wrong_id)
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut other_team = u.clone();
    other_team["team_id"] = json!("y".repeat(26));
    f.admin
        .put(&path, &other_team)
        .assert_error(400, "api.command.team_mismatch.app_error");
    let mut dup = u.clone();
    dup["trigger"] = json!("taken");
    f.admin
        .put(&path, &dup)
        .assert_error(400, "api.command.duplicate_trigger.app_error");
    dup["trigger"] = json!("help");
    f.admin
        .put(&path, &dup)
        .assert_error(400, "api.command.duplicate_trigger.app_error");
    let mut bad = u.clone();
    bad["method"] = json!("Z");
    f.admin
        .put(&path, &bad)
        .assert_error(400, "model.command.is_valid.method.app_error");
    f.bob
        .put(&path, &u)
        .assert_error(404, "store.sql_command.save.get.app_error");
}

#[test]
fn delete_and_regen_token() {
    let f = fx();
    let c = create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    let id = s(&c["id"]);
    f.bob
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}))
        .assert_error(404, "store.sql_command.save.get.app_error");
    let r = f
        .admin
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let token = s(&r.json()["token"]);
    assert_eq!(token.len(), 26);
    assert_ne!(token, s(&c["token"]));
    assert_eq!(
        f.admin.get(&format!("/api/v4/commands/{id}")).json()["token"],
        token.as_str()
    );
    f.bob
        .delete(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    let r = f.admin.delete(&format!("/api/v4/commands/{id}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "OK"}));
    f.admin
        .get(&format!("/api/v4/commands/{id}"))
        .assert_error(404, "store.sql_command.save.get.app_error");
    // The trigger is free again.
    create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
}

#[test]
fn list_autocomplete_has_builtins_and_autocomplete_customs() {
    let f = fx();
    create_cmd(&f.admin, &f.tid, "deploy", "http://e.com", "P");
    f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "hidden", "url": "http://e.com", "method": "P"}),
    );
    let r = f
        .bob
        .get(&format!("/api/v4/teams/{}/commands/autocomplete", f.tid));
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    let list = list.as_array().unwrap();
    let deploy = list.iter().find(|c| c["trigger"] == "deploy").unwrap();
    assert_eq!(deploy["token"], "");
    assert_eq!(deploy["url"], "");
    assert_eq!(deploy["auto_complete_desc"], "deploy it");
    assert!(!list.iter().any(|c| c["trigger"] == "hidden"));
    for t in [
        "away",
        "code",
        "collapse",
        "dnd",
        "echo",
        "expand",
        "groupmsg",
        "header",
        "help",
        "invite",
        "join",
        "kick",
        "leave",
        "logout",
        "me",
        "msg",
        "mute",
        "offline",
        "online",
        "open",
        "purpose",
        "remove",
        "rename",
        "search",
        "settings",
        "shortcuts",
        "shrug",
    ] {
        let b = list
            .iter()
            .find(|c| c["trigger"] == t)
            .unwrap_or_else(|| panic!("/{t} missing"));
        assert_eq!(b["auto_complete"], true);
        assert!(
            !s(&b["auto_complete_desc"]).is_empty(),
            "/{t} has no description"
        );
    }
    let echo = list.iter().find(|c| c["trigger"] == "echo").unwrap();
    assert!(s(&echo["auto_complete_hint"]).contains("delay"));
    let carol = f.ts.user(&f.admin, "carol");
    carol
        .get(&format!("/api/v4/teams/{}/commands/autocomplete", f.tid))
        .assert_error(403, "api.context.permissions.app_error");
    // Suggestions while a trigger is typed, in Mattermost's shape; none once it has a space.
    let suggest = |input: &str| {
        let r = f.bob.get(&format!(
            "/api/v4/teams/{}/commands/autocomplete_suggestions?user_input={input}",
            f.tid
        ));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let ec = suggest("/ec");
    assert_eq!(
        ec,
        json!([{"Complete": "echo", "Suggestion": "echo", "Hint": echo["auto_complete_hint"],
                "Description": echo["auto_complete_desc"], "IconData": ""}])
    );
    assert_eq!(suggest("/EC"), ec);
    let all = suggest("/");
    assert_eq!(all.as_array().unwrap().len(), list.len(), "{all}");
    assert_eq!(suggest("/echo%20hi"), json!([]));
    assert_eq!(suggest("/zzz"), json!([]));
    carol
        .get(&format!(
            "/api/v4/teams/{}/commands/autocomplete_suggestions?user_input=/ec",
            f.tid
        ))
        .assert_error(403, "api.context.permissions.app_error");
}
