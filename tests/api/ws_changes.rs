//! Team settings and channel privacy through real HTTP, with what real sockets hear of them:
//! `update_team` to the team's members, `channel_updated` to the channel's members and
//! `channel_converted` to its team, and nothing to a socket whose user is outside.

use crate::common::*;
use crate::websocket::{open_as, Ws};
use serde_json::{json, Value};

/// The events a socket receives until (and including) the first one named `name`; panics if
/// none comes.
fn names_until(ws: &mut Ws, name: &str) -> Vec<String> {
    let (last, before) = ws.until(name);
    before
        .iter()
        .chain(std::iter::once(&last))
        .map(|e| e["event"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Proves that `ws` heard none of `names` so far: a new user (an event everyone gets) is
/// created, and every event before its `new_user` is checked.
fn heard_none(ts: &TestServer, admin: &Client, ws: &mut Ws, names: &[&str], marker: &str) {
    ts.user(admin, marker);
    let heard = names_until(ws, "new_user");
    for n in names {
        assert!(
            !heard.iter().any(|h| h == n),
            "{n} reached an outsider: {heard:?}"
        );
    }
}

fn decode(v: &Value) -> Value {
    serde_json::from_str(v.as_str().expect("a JSON string")).unwrap()
}

#[test]
fn team_update_and_patch_follow_mattermost_and_tell_only_the_members() {
    let a = Acme::new();
    let carol = a.ts.user(&a.admin, "carol");
    let (mut bws, _) = open_as(&a.ts, &a.bob);
    let (mut cws, _) = open_as(&a.ts, &carol);
    let patch = format!("/api/v4/teams/{}/patch", a.tid);
    let put = format!("/api/v4/teams/{}", a.tid);

    // A plain member may not; bad bodies and ids are Mattermost's 400s.
    a.bob
        .put(&patch, &json!({"display_name": "Mine"}))
        .assert_error(403, "api.context.permissions.app_error");
    a.admin
        .request(
            "PUT",
            &patch,
            Some(("application/json", b"{".to_vec())),
            &[],
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    a.admin
        .put(&patch, &json!({"display_name": ""}))
        .assert_error(400, "model.team.is_valid.name.app_error");
    a.admin
        .put(&patch, &json!({"description": "d".repeat(256)}))
        .assert_error(400, "model.team.is_valid.description.app_error");
    a.admin
        .put(&patch, &json!({"company_name": "c".repeat(65)}))
        .assert_error(400, "model.team.is_valid.company.app_error");
    a.admin
        .put("/api/v4/teams/nope/patch", &json!({}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    a.admin
        .put(
            &format!("/api/v4/teams/{}/patch", "a".repeat(26)),
            &json!({}),
        )
        .assert_error(404, "app.team.get.find.app_error");
    a.admin
        .put(&put, &json!({"id": a.bob.id(), "display_name": "X"}))
        .assert_error(400, "api.context.invalid_body_param.app_error");

    // A patch changes only what it names; the name stays.
    let before = a.admin.get(&put).json();
    let r = a.admin.put(
        &patch,
        &json!({"display_name": "Acme Corp", "company_name": "Acme Inc."}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    assert_eq!(t["display_name"], "Acme Corp");
    assert_eq!(t["company_name"], "Acme Inc.");
    assert_eq!(t["name"], before["name"]);
    assert_eq!(t["description"], before["description"]);
    assert_eq!(t["invite_id"], before["invite_id"], "open invite unchanged");
    assert!(t["update_at"].as_i64() > before["update_at"].as_i64());
    assert_eq!(a.bob.get(&put).json()["display_name"], "Acme Corp");

    // Members hear it, sanitized; the outsider does not.
    let (ev, _) = bws.until("update_team");
    assert_eq!(ev["broadcast"]["team_id"], a.tid.as_str());
    let sent = decode(&ev["data"]["team"]);
    assert_eq!(sent["id"], a.tid.as_str());
    assert_eq!(sent["display_name"], "Acme Corp");
    assert_eq!(sent["email"], "", "the team's email is not broadcast");
    assert_eq!(sent["invite_id"], "", "the invite id is not broadcast");
    heard_none(&a.ts, &a.admin, &mut cws, &["update_team"], "marker1");

    // Closing open invites makes a new invite id.
    let r = a.admin.put(&patch, &json!({"allow_open_invite": false}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["allow_open_invite"], false);
    assert_ne!(r.json()["invite_id"], before["invite_id"]);
    let (ev, _) = bws.until("update_team");
    assert_eq!(decode(&ev["data"]["team"])["allow_open_invite"], false);

    // A PUT copies the whole body's editable fields (absent ones become empty).
    let r = a.admin.put(
        &put,
        &json!({"id": a.tid, "display_name": "Acme", "description": "Rockets",
                "allow_open_invite": true, "name": "renamed", "type": "I"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    assert_eq!(t["description"], "Rockets");
    assert_eq!(t["company_name"], "", "absent from the body");
    assert_eq!(t["allow_open_invite"], true);
    assert_eq!(t["name"], before["name"], "a PUT does not rename");
    assert_eq!(t["type"], before["type"], "nor change the type");
    let (ev, _) = bws.until("update_team");
    assert_eq!(decode(&ev["data"]["team"])["description"], "Rockets");
    heard_none(&a.ts, &a.admin, &mut cws, &["update_team"], "marker2");
    // Durable: a fresh read has it.
    assert_eq!(a.admin.get(&put).json()["description"], "Rockets");
}

#[test]
fn channel_privacy_converts_with_mattermosts_checks_and_events() {
    let a = Acme::new().bob_joins_dev();
    let carol = a.ts.user(&a.admin, "carol");
    let dave = a.ts.user(&a.admin, "dave");
    a.admin.add_to_team(&a.tid, &dave.id());
    let (mut bws, _) = open_as(&a.ts, &a.bob);
    let (mut cws, _) = open_as(&a.ts, &carol);
    let (mut dws, _) = open_as(&a.ts, &dave);
    let convert = format!("/api/v4/channels/{}/convert", a.dev);
    let privacy = format!("/api/v4/channels/{}/privacy", a.dev);

    a.bob
        .post(&convert, &json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    a.admin
        .post(&format!("/api/v4/channels/{}/convert", a.town), &json!({}))
        .assert_error(
            400,
            "api.channel.convert_channel_to_private.default_channel_error",
        );
    a.admin
        .post(
            &format!("/api/v4/channels/{}/convert", "b".repeat(26)),
            &json!({}),
        )
        .assert_error(404, "app.channel.get.existing.app_error");
    assert_eq!(dave.get(&format!("/api/v4/channels/{}", a.dev)).status, 200);

    // Public → private: the members hear channel_updated, the team channel_converted.
    let r = a.admin.post(&convert, &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["type"], "P");
    let (ev, _) = bws.until("channel_updated");
    assert_eq!(decode(&ev["data"]["channel"])["type"], "P");
    // The system message Mattermost posts, by the one who converted it.
    let (ev, _) = bws.until("posted");
    let post = decode(&ev["data"]["post"]);
    assert_eq!(post["type"], "system_change_chan_privacy");
    assert_eq!(post["user_id"], a.admin.id().as_str());
    assert_eq!(
        post["message"],
        "This channel has been converted to a Private Channel."
    );
    assert_eq!(post["props"]["username"], "admin");
    let (ev, _) = bws.until("channel_converted");
    assert_eq!(ev["data"]["channel_id"], a.dev.as_str());
    assert_eq!(ev["broadcast"]["team_id"], a.tid.as_str());
    let stored = a.admin.channel_posts(&a.dev);
    assert!(
        stored
            .iter()
            .any(|p| p["type"] == "system_change_chan_privacy" && p["id"] == post["id"]),
        "{stored:?}"
    );
    // Dave is on the team but not in the channel: he hears the conversion only, and can no
    // longer read the channel.
    let heard = names_until(&mut dws, "channel_converted");
    assert!(
        !heard
            .iter()
            .any(|h| h == "channel_updated" || h == "posted"),
        "{heard:?}"
    );
    assert_eq!(
        a.admin.get(&format!("/api/v4/channels/{}", a.dev)).json()["type"],
        "P"
    );
    dave.get(&format!("/api/v4/channels/{}", a.dev))
        .assert_error(403, "api.context.permissions.app_error");
    heard_none(
        &a.ts,
        &a.admin,
        &mut cws,
        &["channel_updated", "channel_converted"],
        "marker1",
    );
    a.admin.post(&convert, &json!({})).assert_error(
        400,
        "api.channel.convert_channel_to_private.private_channel_error",
    );

    // The newer route, both ways, each with its permission.
    for body in [json!({"privacy": "X"}), json!({}), json!({"privacy": 1})] {
        a.admin
            .put(&privacy, &body)
            .assert_error(400, "api.context.invalid_body_param.app_error");
    }
    a.bob
        .put(&privacy, &json!({"privacy": "O"}))
        .assert_error(403, "api.context.permissions.app_error");
    let r = a.admin.put(&privacy, &json!({"privacy": "O"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["type"], "O");
    assert_eq!(
        decode(&bws.until("channel_updated").0["data"]["channel"])["type"],
        "O"
    );
    assert_eq!(
        decode(&bws.until("posted").0["data"]["post"])["message"],
        "This channel has been converted to a Public Channel and can be joined by any team member."
    );
    assert_eq!(
        bws.until("channel_converted").0["data"]["channel_id"],
        a.dev.as_str()
    );
    assert_eq!(dave.get(&format!("/api/v4/channels/{}", a.dev)).status, 200);
    let r = a.admin.put(&privacy, &json!({"privacy": "P"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["type"], "P");
    a.admin
        .put(
            &format!("/api/v4/channels/{}/privacy", a.town),
            &json!({"privacy": "P"}),
        )
        .assert_error(
            400,
            "api.channel.update_channel_privacy.default_channel_error",
        );
    let dm = a
        .admin
        .post(
            "/api/v4/channels/direct",
            &json!([a.admin.id(), a.bob.id()]),
        )
        .json();
    a.admin
        .put(
            &format!("/api/v4/channels/{}/privacy", id_of(&dm)),
            &json!({"privacy": "P"}),
        )
        .assert_error(400, "api.channel.update_channel.typechange.app_error");
    // An archived channel keeps its type (it takes no post).
    let old = id_of(&a.admin.create_channel(&a.tid, "old", "O"));
    assert_eq!(
        a.admin.delete(&format!("/api/v4/channels/{old}")).status,
        200
    );
    a.admin
        .post(&format!("/api/v4/channels/{old}/convert"), &json!({}))
        .assert_error(400, "api.channel.update_channel.deleted.app_error");
    assert_eq!(
        a.admin.get(&format!("/api/v4/channels/{old}")).json()["type"],
        "O"
    );
    heard_none(
        &a.ts,
        &a.admin,
        &mut cws,
        &["channel_updated", "channel_converted", "posted"],
        "marker2",
    );
}
