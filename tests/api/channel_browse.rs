//! Finding and living with channels through real HTTP, as the official web app's screens use
//! them: searching a team's channels and its archived ones, the archived list, restoring a
//! channel, searching group messages by member, a member's notification settings (mute), and
//! the team stats and member lookups of the add-members dialog.

use crate::common::*;
use crate::websocket::open_as;
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

fn search(c: &Client, path: &str, term: &str) -> Vec<String> {
    let r = c.post(path, &json!({"term": term}));
    assert_eq!(r.status, 200, "{}", r.body);
    names(&r.json())
}

fn channel(c: &Client, tid: &str, name: &str, display: &str, purpose: &str, kind: &str) -> String {
    let r = c.post(
        "/api/v4/channels",
        &json!({"team_id": tid, "name": name, "display_name": display, "purpose": purpose,
                "type": kind}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    id_of(&r.json())
}

#[test]
fn channel_searches_find_word_starts_and_archived_channels_as_mattermost() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    channel(&a.admin, &a.tid, "dev-ops", "Dev Ops", "on-call pages", "O");
    let market = channel(&a.admin, &a.tid, "market", "Marketing", "", "O");
    channel(&a.admin, &a.tid, "secret-dev", "Secret Dev", "", "P");
    let vault = channel(&a.admin, &a.tid, "vault", "Vault", "", "P");
    let mine = channel(&a.admin, &a.tid, "mine", "Mine", "", "P");
    a.admin.add_to_channel(&mine, &a.bob.id());
    let path = format!("/api/v4/teams/{}/channels/search", a.tid);

    // Public channels only, by display name; any word's start of name, display name or
    // purpose; every word must match.
    assert_eq!(search(&a.bob, &path, "dev"), vec!["dev", "dev-ops"]);
    assert_eq!(search(&a.bob, &path, "OPS"), vec!["dev-ops"]);
    assert_eq!(search(&a.bob, &path, "call"), vec!["dev-ops"]);
    assert_eq!(search(&a.bob, &path, "dev pages"), vec!["dev-ops"]);
    assert!(search(&a.bob, &path, "evops").is_empty());
    assert_eq!(
        search(&a.bob, &path, ""),
        vec!["dev", "dev-ops", "market", "off-topic", "town-square"]
    );

    // Archived public channels stay findable (ExperimentalViewArchivedChannels, on), and are
    // what the archived search and list find, with the private ones bob is in.
    for ch in [&market, &vault, &mine] {
        assert_eq!(
            a.admin.delete(&format!("/api/v4/channels/{ch}")).status,
            200
        );
    }
    let r = a.bob.post(&path, &json!({"term": "mark"}));
    assert!(r.json()[0]["delete_at"].as_i64().unwrap() > 0, "{}", r.body);
    let archived = format!("/api/v4/teams/{}/channels/search_archived", a.tid);
    assert_eq!(search(&a.bob, &archived, "mar"), vec!["market"]);
    assert_eq!(search(&a.bob, &archived, ""), vec!["market", "mine"]);
    assert!(search(&a.bob, &archived, "dev").is_empty());
    assert_eq!(search(&a.admin, &archived, "v"), vec!["vault"]);
    let deleted = |c: &Client, q: &str| {
        let r = c.get(&format!("/api/v4/teams/{}/channels/deleted{q}", a.tid));
        assert_eq!(r.status, 200, "{}", r.body);
        names(&r.json())
    };
    assert_eq!(deleted(&a.bob, ""), vec!["market", "mine"]);
    assert_eq!(deleted(&a.bob, "?page=1&per_page=1"), vec!["mine"]);
    assert_eq!(deleted(&a.admin, ""), vec!["market", "mine", "vault"]);

    // Outside the team: Mattermost's 404 for the searches, 403 for the list; bad bodies 400.
    for p in [&path, &archived] {
        carol
            .post(p, &json!({"term": "dev"}))
            .assert_error(404, "app.team.get_member.missing.app_error");
        a.bob
            .request("POST", p, Some(("application/json", b"[1]".to_vec())), &[])
            .assert_error(400, "api.context.invalid_body_param.app_error");
    }
    carol
        .get(&format!("/api/v4/teams/{}/channels/deleted", a.tid))
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .post("/api/v4/teams/junk/channels/search", &json!({"term": "x"}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
}

#[test]
fn without_archived_channels_in_view_the_search_leaves_them_out() {
    let a = Acme::with(|c| c.team.experimental_view_archived_channels = false);
    let old = channel(&a.admin, &a.tid, "old-news", "Old News", "", "O");
    assert_eq!(
        a.admin.delete(&format!("/api/v4/channels/{old}")).status,
        200
    );
    let path = format!("/api/v4/teams/{}/channels/search", a.tid);
    assert!(search(&a.bob, &path, "old").is_empty());
    let config = a.bob.get("/api/v4/config/client?format=old").json();
    assert_eq!(config["ExperimentalViewArchivedChannels"], "false");
}

#[test]
fn restoring_a_channel_needs_manage_team_and_says_so_in_the_channel() {
    let a = Acme::new().bob_joins_dev();
    let (mut ws, _) = open_as(&a.ts, &a.bob);
    let restore = format!("/api/v4/channels/{}/restore", a.dev);
    a.admin
        .post(&restore, &json!({}))
        .assert_error(400, "api.channel.restore_channel.restored.app_error");
    assert_eq!(
        a.admin
            .delete(&format!("/api/v4/channels/{}", a.dev))
            .status,
        200
    );
    a.bob
        .post(&restore, &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .post(
            &format!("/api/v4/channels/{}/restore", "d".repeat(26)),
            &json!({}),
        )
        .assert_error(404, "app.channel.get.existing.app_error");

    let r = a.admin.post(&restore, &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"], a.dev.as_str());
    assert_eq!(r.json()["delete_at"], 0);
    let (ev, _) = ws.until("channel_restored");
    assert_eq!(ev["data"]["channel_id"], a.dev.as_str());
    assert_eq!(ev["broadcast"]["team_id"], a.tid.as_str());
    let got = a.bob.get(&format!("/api/v4/channels/{}", a.dev)).json();
    assert_eq!(got["delete_at"], 0);
    // The archive's note, then the restore's, by the admin, as Mattermost writes them.
    let notes = a.bob.channel_posts(&a.dev);
    assert_eq!(notes[0]["type"], "system_channel_restored", "{notes:?}");
    assert_eq!(notes[0]["message"], "admin unarchived the channel.");
    assert_eq!(notes[0]["props"]["username"], "admin");
    assert_eq!(notes[1]["type"], "system_channel_deleted", "{notes:?}");
    assert_eq!(notes[1]["message"], "admin archived the channel.");
    assert_eq!(notes[1]["user_id"], a.admin.id().as_str());
    // Posting works again; archiving again works too.
    a.bob.create_post(&a.dev, "back in business");
    assert_eq!(
        a.admin
            .delete(&format!("/api/v4/channels/{}", a.dev))
            .status,
        200
    );
}

#[test]
fn group_messages_are_found_by_their_members_usernames() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    let dave = a.ts.user(&a.admin, "dave");
    let gm = a
        .admin
        .post("/api/v4/channels/group", &json!([a.bob.id(), carol.id()]));
    assert_eq!(gm.status, 201, "{}", gm.body);
    let gm = id_of(&gm.json());
    let other = a
        .admin
        .post("/api/v4/channels/group", &json!([carol.id(), dave.id()]));
    assert_eq!(other.status, 201, "{}", other.body);
    let other = id_of(&other.json());
    let find = |c: &Client, term: &str| -> Vec<String> {
        let r = c.post("/api/v4/channels/group/search", &json!({"term": term}));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["type"], "G");
                id_of(c)
            })
            .collect()
    };
    assert_eq!(find(&a.bob, "car"), vec![gm.clone()]);
    assert_eq!(find(&a.bob, "ROL adm"), vec![gm.clone()]);
    assert!(find(&a.bob, "dave").is_empty());
    assert!(find(&a.bob, "").is_empty());
    let mut both = find(&a.admin, "carol");
    both.sort();
    let mut want = vec![gm.clone(), other.clone()];
    want.sort();
    assert_eq!(both, want);
    assert_eq!(find(&dave, "carol"), vec![other]);
    a.bob
        .request(
            "POST",
            "/api/v4/channels/group/search",
            Some(("application/json", b"nope".to_vec())),
            &[],
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
}

#[test]
fn a_member_mutes_a_channel_through_its_notify_props() {
    let a = Acme::new().bob_joins_dev();
    let carol = a.ts.user(&a.admin, "carol");
    let (mut ws, _) = open_as(&a.ts, &a.bob);
    let path = format!(
        "/api/v4/channels/{}/members/{}/notify_props",
        a.dev,
        a.bob.id()
    );
    let r = a.bob.put(
        &path,
        &json!({"mark_unread": "mention", "desktop": "none", "user_id": a.bob.id(),
                "channel_id": a.dev, "unknown": "ignored"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"status": "OK"}));
    let (ev, _) = ws.until("channel_member_updated");
    let member: Value =
        serde_json::from_str(ev["data"]["channelMember"].as_str().unwrap()).unwrap();
    assert_eq!(member["notify_props"]["mark_unread"], "mention");
    let got = a
        .bob
        .get(&format!("/api/v4/channels/{}/members/me", a.dev))
        .json();
    let props = &got["notify_props"];
    assert_eq!(props["mark_unread"], "mention");
    assert_eq!(props["desktop"], "none");
    assert_eq!(props["push"], "default", "{props}");
    assert!(props.get("unknown").is_none());
    // Unmute; bad values are Mattermost's 400s and change nothing.
    let r = a.bob.put(&path, &json!({"mark_unread": "all"}));
    assert_eq!(r.status, 200, "{}", r.body);
    for (body, id) in [
        (
            json!({"mark_unread": "never"}),
            "model.channel_member.is_valid.unread_level.app_error",
        ),
        (
            json!({"desktop": "loud"}),
            "model.channel_member.is_valid.notify_level.app_error",
        ),
        (
            json!({"push": 1}),
            "model.channel_member.is_valid.push_level.app_error",
        ),
        (
            json!({"email": "yes"}),
            "model.channel_member.is_valid.email_value.app_error",
        ),
        (
            json!({"ignore_channel_mentions": "x"}),
            "model.channel_member.is_valid.ignore_channel_mentions_value.app_error",
        ),
    ] {
        a.bob.put(&path, &body).assert_error(400, id);
    }
    a.bob
        .request(
            "PUT",
            &path,
            Some(("application/json", b"[]".to_vec())),
            &[],
        )
        .assert_error(400, "api.context.invalid_param.app_error");
    let got = a
        .bob
        .get(&format!("/api/v4/channels/{}/members/me", a.dev))
        .json();
    assert_eq!(got["notify_props"]["mark_unread"], "all");
    assert_eq!(got["notify_props"]["desktop"], "none");

    // Someone else's: not bob's to change; a non-member: 404.
    a.bob
        .put(
            &format!(
                "/api/v4/channels/{}/members/{}/notify_props",
                a.dev,
                a.admin.id()
            ),
            &json!({"mark_unread": "mention"}),
        )
        .assert_error(403, "api.context.permissions.app_error");
    carol
        .put(
            &format!("/api/v4/channels/{}/members/me/notify_props", a.dev),
            &json!({"mark_unread": "mention"}),
        )
        .assert_error(404, "app.channel.get_member.missing.app_error");
    a.bob
        .put(
            &format!(
                "/api/v4/channels/{}/members/me/notify_props",
                "e".repeat(26)
            ),
            &json!({"mark_unread": "mention"}),
        )
        .assert_error(404, "app.channel.get.existing.app_error");
}

#[test]
fn team_stats_and_members_by_ids_for_the_add_members_dialog() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    let dave = a.ts.user(&a.admin, "dave");
    a.admin.add_to_team(&a.tid, &dave.id());
    let stats = |c: &Client| {
        let r = c.get(&format!("/api/v4/teams/{}/stats", a.tid));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    assert_eq!(
        stats(&a.bob),
        json!({"team_id": a.tid, "total_member_count": 3, "active_member_count": 3})
    );
    assert_eq!(
        a.admin
            .delete(&format!("/api/v4/users/{}", dave.id()))
            .status,
        200
    );
    let s = stats(&a.bob);
    assert_eq!(s["total_member_count"], 3);
    assert_eq!(s["active_member_count"], 2);
    carol
        .get(&format!("/api/v4/teams/{}/stats", a.tid))
        .assert_error(403, "api.context.permissions.app_error");

    let path = format!("/api/v4/teams/{}/members/ids", a.tid);
    let r = a
        .bob
        .post(&path, &json!([a.admin.id(), carol.id(), a.bob.id()]));
    assert_eq!(r.status, 200, "{}", r.body);
    let mut got: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["team_id"], a.tid.as_str());
            m["user_id"].as_str().unwrap().to_string()
        })
        .collect();
    got.sort();
    let mut want = vec![a.admin.id(), a.bob.id()];
    want.sort();
    assert_eq!(got, want);
    a.bob
        .post(&path, &json!([]))
        .assert_error(400, "api.context.invalid_param.app_error");
    carol
        .post(&path, &json!([a.bob.id()]))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn a_patch_tells_the_channel_what_changed_in_system_messages() {
    let a = Acme::new().bob_joins_dev();
    let (mut ws, _) = open_as(&a.ts, &a.bob);
    let path = format!("/api/v4/channels/{}/patch", a.dev);
    let r = a.admin.put(
        &path,
        &json!({"display_name": "Developers", "header": "build status", "purpose": "code"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = ws.until("posted");
    let first: Value = serde_json::from_str(ev["data"]["post"].as_str().unwrap()).unwrap();
    assert_eq!(first["type"], "system_displayname_change");
    let posts = a.bob.channel_posts(&a.dev);
    let kinds: Vec<&str> = posts.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "system_purpose_change",
            "system_header_change",
            "system_displayname_change"
        ]
    );
    assert_eq!(
        posts[2]["message"],
        "admin updated the channel display name from: dev to: Developers"
    );
    assert_eq!(posts[2]["props"]["old_displayname"], "dev");
    assert_eq!(posts[2]["props"]["new_displayname"], "Developers");
    assert_eq!(
        posts[1]["message"],
        "admin updated the channel header to: build status"
    );
    assert_eq!(posts[1]["props"]["new_header"], "build status");
    assert_eq!(posts[1]["props"]["old_header"], "");
    assert_eq!(posts[0]["props"]["username"], "admin");
    assert_eq!(posts[0]["user_id"], a.admin.id().as_str());

    // Only what changed is told; a removed header says what it was.
    let r = a
        .admin
        .put(&path, &json!({"header": "", "purpose": "code"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let posts = a.bob.channel_posts(&a.dev);
    assert_eq!(posts.len(), 4);
    assert_eq!(posts[0]["type"], "system_header_change");
    assert_eq!(
        posts[0]["message"],
        "admin removed the channel header (was: build status)"
    );
    // An archived channel takes the change without a message.
    assert_eq!(
        a.admin
            .delete(&format!("/api/v4/channels/{}", a.dev))
            .status,
        200
    );
    let r = a.admin.put(&path, &json!({"purpose": "old code"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["purpose"], "old code");
    let posts = a.bob.channel_posts(&a.dev);
    assert_eq!(posts[0]["type"], "system_channel_deleted");
}

#[test]
fn an_archived_channel_stays_among_its_members_channels_for_the_app_to_open() {
    let a = Acme::new().bob_joins_dev();
    let carol = a.ts.user(&a.admin, "carol");
    a.admin.add_to_team(&a.tid, &carol.id());
    assert_eq!(
        a.admin
            .delete(&format!("/api/v4/channels/{}", a.dev))
            .status,
        200
    );
    let mine = |q: &str| -> Vec<String> {
        let r = a
            .bob
            .get(&format!("/api/v4/users/me/teams/{}/channels{q}", a.tid));
        assert_eq!(r.status, 200, "{}", r.body);
        names(&r.json())
    };
    assert!(!mine("").contains(&"dev".to_string()));
    assert!(mine("?include_deleted=true").contains(&"dev".to_string()));
    let members = a
        .bob
        .get(&format!(
            "/api/v4/users/me/teams/{}/channels/members",
            a.tid
        ))
        .json();
    assert!(members.to_string().contains(&a.dev), "{members}");
    let cats = a
        .bob
        .get(&format!(
            "/api/v4/users/me/teams/{}/channels/categories",
            a.tid
        ))
        .json();
    assert!(cats["categories"][1]["channel_ids"]
        .to_string()
        .contains(&a.dev));
    // "Joining" it again, as the app does when it opens it from the archived list: the
    // membership, as Mattermost answers; someone not in it cannot join an archived channel.
    let path = format!("/api/v4/channels/{}/members", a.dev);
    let r = a.bob.post(&path, &json!({"user_id": a.bob.id()}));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["user_id"], a.bob.id().as_str());
    carol
        .post(&path, &json!({"user_id": carol.id()}))
        .assert_error(
            400,
            "api.channel.add_user.to.channel.failed.deleted.app_error",
        );
}
