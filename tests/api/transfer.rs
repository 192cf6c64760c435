//! `perch export` and `perch import` end to end, with the real binary: a server seeded through
//! the API is exported while it runs, the file is checked against the bulk-import rules
//! (`docs/spec/bulk-import.md`), imported into a fresh data directory, and the new server is
//! compared with the old one through the REST API. Broken files and the sample in Mattermost's
//! export style are in `transfer_files.rs`.

use crate::common::{Client, TempDir, TestServer};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `--data-dir dir`.
pub fn perch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perch"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("MM_CONFIG")
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "WARN")
        .output()
        .unwrap()
}

pub fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The `import.jsonl` of an export zip.
pub fn jsonl_of(zip: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name("import.jsonl")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Checks a JSONL against the rules of `docs/spec/bulk-import.md` that a file as a whole must
/// keep (the field rules of each line are `perch::transfer::validate`'s): the version line
/// first, one block per line type in the importer's order, lower-case names, every reference
/// to an earlier line, posts unique by (channel, time, message) and replies by (root, time,
/// message), replies and reactions never older than their post, no blank or over-long lines.
pub fn check_bulk_rules(text: &str) {
    use perch::transfer::format::Line;
    use perch::transfer::validate;
    const ORDER: &[&str] = &[
        "version",
        "team",
        "channel",
        "user",
        "bot",
        "post",
        "direct_channel",
        "direct_post",
    ];
    assert!(text.ends_with('\n') && !text.starts_with('\u{feff}'));
    let (mut teams, mut channels, mut users) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut roots = BTreeSet::new();
    let mut last_rank = 0;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        assert!(!raw.is_empty(), "line {n} is empty");
        assert!(raw.len() <= 16 << 20, "line {n} is over 16 MiB");
        let line: Line = serde_json::from_str(raw).unwrap_or_else(|e| panic!("line {n}: {e}"));
        let rank = ORDER
            .iter()
            .position(|k| *k == line.kind)
            .unwrap_or_else(|| panic!("line {n}: type {}", line.kind));
        assert!(
            rank >= last_rank,
            "line {n}: {} after a later type",
            line.kind
        );
        assert_eq!(
            rank == 0,
            n == 1,
            "line {n}: the version line is the first and only"
        );
        last_rank = rank;
        let lower = |s: &Option<String>| {
            let s = s.clone().unwrap();
            assert_eq!(s, s.to_lowercase(), "line {n}: {s} is not lower-case");
            s
        };
        match line.kind.as_str() {
            "version" => assert_eq!(line.version, Some(1)),
            "team" => {
                let t = line.team.unwrap();
                validate::team(&t).unwrap_or_else(|p| panic!("line {n}: {p}"));
                assert!(teams.insert(lower(&t.name)), "line {n}: team twice");
            }
            "channel" => {
                let c = line.channel.unwrap();
                validate::channel(&c).unwrap_or_else(|p| panic!("line {n}: {p}"));
                assert!(teams.contains(&lower(&c.team)), "line {n}: unknown team");
                assert!(
                    channels.insert((lower(&c.team), lower(&c.name))),
                    "line {n}: channel twice"
                );
            }
            "user" => {
                let u = line.user.unwrap();
                validate::user(&u).unwrap_or_else(|p| panic!("line {n}: {p}"));
                assert!(u.password.is_none(), "line {n}: a password in the file");
                for t in u.teams.iter().flatten() {
                    let team = lower(&t.name);
                    assert!(teams.contains(&team), "line {n}: unknown team {team}");
                    for c in t.channels.iter().flatten() {
                        assert!(
                            channels.contains(&(team.clone(), lower(&c.name))),
                            "line {n}: unknown channel"
                        );
                    }
                }
                assert!(users.insert(lower(&u.username)), "line {n}: user twice");
            }
            "bot" => {
                let b = line.bot.unwrap();
                validate::bot(&b).unwrap_or_else(|p| panic!("line {n}: {p}"));
                assert!(users.insert(lower(&b.username)), "line {n}: bot twice");
            }
            "direct_channel" => {
                let d = line.direct_channel.unwrap();
                assert!(validate::direct_channel(&d).unwrap(), "line {n}");
                for m in d.members.iter().flatten() {
                    assert!(users.contains(m), "line {n}: unknown member {m}");
                }
            }
            "post" | "direct_post" => {
                let direct = line.kind == "direct_post";
                let p = if direct {
                    line.direct_post.unwrap()
                } else {
                    line.post.unwrap()
                };
                validate::post(&p, direct).unwrap_or_else(|e| panic!("line {n}: {e}"));
                let place = if direct {
                    let mut m = p.channel_members.clone().unwrap();
                    m.sort();
                    m.join(",")
                } else {
                    let key = (lower(&p.team), lower(&p.channel));
                    assert!(channels.contains(&key), "line {n}: unknown channel");
                    format!("{}/{}", key.0, key.1)
                };
                let at = p.create_at.unwrap();
                let message = p.message.clone().unwrap();
                assert!(
                    roots.insert((place.clone(), at, message.clone())),
                    "line {n}: a second post with the same channel, time and message"
                );
                let mut named = vec![lower(&p.user)];
                named.extend(p.flagged_by.clone().unwrap_or_default());
                let mut thread = BTreeSet::new();
                for r in p.replies.iter().flatten() {
                    let r_at = r.create_at.unwrap();
                    assert!(r_at >= at, "line {n}: a reply older than its root");
                    assert!(
                        thread.insert((r_at, r.message.clone().unwrap())),
                        "line {n}: two replies with the same time and message"
                    );
                    named.push(lower(&r.user));
                }
                for r in p.reactions.iter().flatten() {
                    assert!(
                        r.create_at.unwrap() >= at,
                        "line {n}: a reaction older than its post"
                    );
                }
                for a in p.attachments.iter().flatten() {
                    assert!(!a.path.clone().unwrap().starts_with("data/"), "line {n}");
                }
                for u in named {
                    assert!(users.contains(&u), "line {n}: unknown user {u}");
                }
            }
            other => panic!("line {n}: {other}"),
        }
    }
}

/// Everything a client can see of a server, with ids replaced by names (ids change in an
/// import), sorted. Channels the admin has left are named in `archived`.
pub fn world(admin: &Client, archived: &[(&str, &str)]) -> Value {
    let users: Vec<Value> = admin
        .get("/api/v4/users?per_page=200")
        .json()
        .as_array()
        .unwrap()
        .clone();
    let name_of: HashMap<String, String> = users
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().into(),
                u["username"].as_str().unwrap().into(),
            )
        })
        .collect();
    let uname = |id: &Value| {
        name_of
            .get(id.as_str().unwrap_or(""))
            .cloned()
            .unwrap_or_default()
    };
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let mut accounts = BTreeMap::new();
    for u in &users {
        let mut keep = json!({});
        for k in [
            "email",
            "first_name",
            "last_name",
            "nickname",
            "position",
            "roles",
            "locale",
            "is_bot",
        ] {
            keep[k] = u[k].clone();
        }
        keep["deactivated"] = json!(u["delete_at"].as_i64().unwrap_or(0) > 0);
        accounts.insert(u["username"].as_str().unwrap().to_string(), keep);
    }
    out.insert("users".into(), json!(accounts));
    let bots: Vec<Value> = admin
        .get("/api/v4/bots?include_deleted=true&per_page=200")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            json!({"username": b["username"], "display_name": b["display_name"],
                   "description": b["description"], "owner": uname(&b["owner_id"]),
                   "disabled": b["delete_at"].as_i64().unwrap_or(0) > 0})
        })
        .collect();
    out.insert("bots".into(), json!(bots));
    let me = admin.id();
    let mut teams = BTreeMap::new();
    let mut channel_names: HashMap<String, String> = HashMap::new();
    let mut directs = BTreeMap::new();
    for t in admin.get("/api/v4/teams").json().as_array().unwrap() {
        let tid = t["id"].as_str().unwrap();
        let tname = t["name"].as_str().unwrap().to_string();
        let members: BTreeMap<String, Value> = admin
            .get(&format!("/api/v4/teams/{tid}/members?per_page=200"))
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (uname(&m["user_id"]), m["roles"].clone()))
            .collect();
        let mut list: Vec<Value> = admin
            .get(&format!("/api/v4/users/{me}/teams/{tid}/channels"))
            .json()
            .as_array()
            .unwrap()
            .clone();
        for (team, ch) in archived.iter().filter(|(team, _)| *team == tname) {
            let r = admin.get(&format!(
                "/api/v4/teams/name/{team}/channels/name/{ch}?include_deleted=true"
            ));
            assert_eq!(r.status, 200, "{}", r.body);
            list.push(r.json());
        }
        let mut channels = BTreeMap::new();
        for c in list {
            let cid = c["id"].as_str().unwrap().to_string();
            let members: BTreeMap<String, Value> = admin
                .get(&format!("/api/v4/channels/{cid}/members?per_page=200"))
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|m| (uname(&m["user_id"]), m["roles"].clone()))
                .collect();
            let posts = posts_of(admin, &cid, &uname);
            let kind = c["type"].as_str().unwrap();
            if kind == "D" || kind == "G" {
                let key: Vec<String> = members.keys().cloned().collect();
                directs.insert(
                    key.join(","),
                    json!({"type": kind, "header": c["header"], "posts": posts}),
                );
                continue;
            }
            channel_names.insert(
                cid.clone(),
                format!("{tname}/{}", c["name"].as_str().unwrap()),
            );
            channels.insert(
                c["name"].as_str().unwrap().to_string(),
                json!({"type": kind, "display_name": c["display_name"], "header": c["header"],
                       "purpose": c["purpose"], "archived": c["delete_at"].as_i64().unwrap_or(0) > 0,
                       "members": members, "posts": posts}),
            );
        }
        teams.insert(
            tname.clone(),
            json!({"display_name": t["display_name"], "type": t["type"], "description": t["description"],
                   "allow_open_invite": t["allow_open_invite"], "members": members, "channels": channels}),
        );
        let commands: Vec<Value> = admin
            .get(&format!("/api/v4/commands?team_id={tid}&custom_only=true"))
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!({"id": c["id"], "token": c["token"], "trigger": c["trigger"], "url": c["url"],
                       "method": c["method"], "creator": uname(&c["creator_id"]),
                       "description": c["description"]})
            })
            .collect();
        out.insert(format!("commands of {tname}"), json!(commands));
    }
    out.insert("teams".into(), json!(teams));
    out.insert("direct channels".into(), json!(directs));
    let channel = |id: &Value| {
        channel_names
            .get(id.as_str().unwrap_or(""))
            .cloned()
            .unwrap_or_default()
    };
    let incoming: Vec<Value> = admin
        .get("/api/v4/hooks/incoming?per_page=200")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            json!({"id": h["id"], "channel": channel(&h["channel_id"]), "owner": uname(&h["user_id"]),
                   "display_name": h["display_name"], "has_secret": h["has_secret"],
                   "channel_locked": h["channel_locked"]})
        })
        .collect();
    out.insert("incoming webhooks".into(), json!(incoming));
    let outgoing: Vec<Value> = admin
        .get("/api/v4/hooks/outgoing?per_page=200")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            json!({"id": h["id"], "token": h["token"], "channel": channel(&h["channel_id"]),
                   "creator": uname(&h["creator_id"]), "trigger_words": h["trigger_words"],
                   "callback_urls": h["callback_urls"], "signing_secret": h["signing_secret"]})
        })
        .collect();
    out.insert("outgoing webhooks".into(), json!(outgoing));
    let mut saved = BTreeMap::new();
    for (id, name) in &name_of {
        let r = admin.get(&format!("/api/v4/users/{id}/preferences/flagged_post"));
        if r.status == 200 {
            let n = r.json().as_array().map_or(0, Vec::len);
            saved.insert(name.clone(), n);
        }
    }
    out.insert("saved posts per user".into(), json!(saved));
    json!(out)
}

/// A channel's posts, oldest first, with authors and thread roots by name and message.
fn posts_of(admin: &Client, cid: &str, uname: &dyn Fn(&Value) -> String) -> Value {
    let list = admin.channel_posts(cid);
    let message: HashMap<String, String> = list
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().into(),
                p["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut posts: Vec<Value> = list
        .iter()
        .map(|p| {
            let root = p["root_id"].as_str().unwrap_or("");
            let mut reactions: Vec<(String, String)> = p["metadata"]["reactions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|r| {
                            (
                                uname(&r["user_id"]),
                                r["emoji_name"].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            reactions.sort();
            json!({"user": uname(&p["user_id"]), "message": p["message"], "type": p["type"],
                   "reactions": reactions,
                   "create_at": p["create_at"], "edit_at": p["edit_at"],
                   "is_pinned": p["is_pinned"], "props": p["props"],
                   "root": message.get(root).cloned().unwrap_or_default(),
                   "reply_count": p["reply_count"]})
        })
        .collect();
    posts.sort_by_key(|p| {
        (
            p["create_at"].as_i64(),
            p["message"].as_str().map(String::from),
        )
    });
    json!(posts)
}

fn user_id(admin: &Client, name: &str) -> String {
    admin.get(&format!("/api/v4/users/username/{name}")).json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn channel_id(admin: &Client, team: &str, name: &str) -> String {
    let r = admin.get(&format!(
        "/api/v4/teams/name/{team}/channels/name/{name}?include_deleted=true"
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// What the round trip carries: two teams, public, private and archived channels, users (one
/// deactivated), a bot with a token and memberships, threads, a pinned and an edited post,
/// saved posts, direct, group and self conversations, webhooks and a slash command.
fn seed(s: &TestServer) -> (Client, HashMap<&'static str, String>) {
    let admin = s.admin();
    let mut ids = HashMap::new();
    let bob = s.user(&admin, "bob");
    let carol = s.user(&admin, "carol");
    let dave = s.user(&admin, "dave");
    let acme = admin.create_team("acme")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin.post(
        "/api/v4/teams",
        &json!({"name": "beta", "display_name": "Beta Lab", "type": "I", "description": "Experiments"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let beta = r.json()["id"].as_str().unwrap().to_string();
    for (team, user) in [
        (&acme, &bob),
        (&acme, &carol),
        (&acme, &dave),
        (&beta, &bob),
    ] {
        admin.add_to_team(team, &user.id());
    }
    let talk = admin.create_channel(&acme, "general-talk", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin.put(
        &format!("/api/v4/channels/{talk}/patch"),
        &json!({"header": "Say **hi**", "purpose": "Everyday talk"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = admin.create_channel(&acme, "secret", "P")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lab = admin.create_channel(&beta, "lab", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let old = admin.create_channel(&beta, "old-stuff", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (ch, user) in [
        (&talk, &bob),
        (&talk, &carol),
        (&talk, &dave),
        (&secret, &bob),
        (&lab, &bob),
    ] {
        admin.add_to_channel(ch, &user.id());
    }
    let r = admin.put(
        &format!("/api/v4/channels/{secret}/members/{}/roles", bob.id()),
        &json!({"roles": "channel_user channel_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.put(
        &format!("/api/v4/teams/{acme}/members/{}/roles", carol.id()),
        &json!({"roles": "team_user team_admin"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let root = admin.create_post(&talk, "Release 2.3 goes out today #release");
    let root_id = root["id"].as_str().unwrap().to_string();
    for (c, m) in [
        (&bob, "Does it include the migration?"),
        (&carol, "Yes, it runs on startup."),
    ] {
        let r = c.post(
            "/api/v4/posts",
            &json!({"channel_id": talk, "message": m, "root_id": root_id}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for (c, emoji) in [(&bob, "+1"), (&carol, "+1"), (&carol, "tada")] {
        let r = c.post(
            "/api/v4/reactions",
            &json!({"user_id": c.id(), "post_id": root_id, "emoji_name": emoji}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = admin.put(
        &format!("/api/v4/posts/{root_id}/patch"),
        &json!({"is_pinned": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let edited = bob.create_post(&talk, "Typo here");
    let r = bob.put(
        &format!("/api/v4/posts/{}/patch", edited["id"].as_str().unwrap()),
        &json!({"message": "No typo here"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = bob.put(
        &format!("/api/v4/users/{}/preferences", bob.id()),
        &json!([{"user_id": bob.id(), "category": "flagged_post", "name": root_id, "value": "true"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    dave.create_post(&talk, "Dave was here");
    bob.create_post(&secret, "Only for the inner circle");
    bob.create_post(&lab, "Lab notes: day 1");
    admin.create_post(&old, "Before the archive");
    let r = admin.delete(&format!("/api/v4/channels/{old}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let gone = admin.create_post(&talk, "This one gets deleted");
    let r = admin.delete(&format!("/api/v4/posts/{}", gone["id"].as_str().unwrap()));
    assert_eq!(r.status, 200, "{}", r.body);

    // Direct, group and self conversations.
    let r = admin.post("/api/v4/channels/direct", &json!([admin.id(), bob.id()]));
    assert_eq!(r.status, 201, "{}", r.body);
    let dm = r.json()["id"].as_str().unwrap().to_string();
    let dm_root = bob.create_post(&dm, "Can you review my PR?");
    let r = admin.post(
        "/api/v4/posts",
        &json!({"channel_id": dm, "message": "After lunch.", "root_id": dm_root["id"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.post(
        "/api/v4/reactions",
        &json!({"user_id": admin.id(), "post_id": r.json()["id"], "emoji_name": "thumbsup"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post("/api/v4/channels/group", &json!([bob.id(), carol.id()]));
    assert_eq!(r.status, 201, "{}", r.body);
    carol.create_post(r.json()["id"].as_str().unwrap(), "Group hello");
    let r = admin.post("/api/v4/channels/direct", &json!([admin.id(), admin.id()]));
    assert_eq!(r.status, 201, "{}", r.body);
    admin.create_post(r.json()["id"].as_str().unwrap(), "Note to self");

    // A bot with a token, in the team and a channel, posting.
    let r = admin.post(
        "/api/v4/bots",
        &json!({"username": "deploybot", "display_name": "Deploy Bot", "description": "Ships it"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let bot_id = r.json()["user_id"].as_str().unwrap().to_string();
    admin.add_to_team(&acme, &bot_id);
    admin.add_to_channel(&talk, &bot_id);
    let r = admin.post(
        &format!("/api/v4/users/{bot_id}/tokens"),
        &json!({"description": "ci"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let bot_token = r.json()["token"].as_str().unwrap().to_string();
    Client::new(&s.url, Some(bot_token.clone())).create_post(&talk, "Deployed 2.3");
    let r = admin.post(
        "/api/v4/bots",
        &json!({"username": "oldbot", "display_name": "Old Bot"}),
    );
    let old_bot = r.json()["user_id"].as_str().unwrap().to_string();
    assert_eq!(
        admin
            .post(&format!("/api/v4/bots/{old_bot}/disable"), &json!({}))
            .status,
        200
    );

    // Integrations.
    let r = admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": talk, "display_name": "CI"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.json()["id"].as_str().unwrap().to_string();
    let r = admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": secret, "display_name": "GitHub", "secret": "s3cret-for-hmac",
                "event_include": ["push"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s.anon().post(
        &format!("/hooks/{hook}"),
        &json!({"text": "Build #42 passed"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post(
        "/api/v4/hooks/outgoing",
        &json!({"team_id": acme, "channel_id": talk, "display_name": "Echo",
                "trigger_words": ["#echo"], "callback_urls": ["http://127.0.0.1:9/echo"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.post(
        "/api/v4/commands",
        &json!({"team_id": acme, "trigger": "weather", "url": "http://127.0.0.1:9/weather",
                "method": "P", "description": "Forecast"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);

    // Deactivated last, after everything else it did.
    let r = admin.put(
        &format!("/api/v4/users/{}/active", dave.id()),
        &json!({"active": false}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    ids.insert("hook", hook);
    ids.insert("bot_token", bot_token);
    (admin, ids)
}

fn bot_friendly(c: &mut perch::Config) {
    c.service.enable_bot_account_creation = true;
    c.service.enable_user_access_tokens = true;
}

#[test]
fn round_trip_through_export_and_import_keeps_everything() {
    let a = TestServer::start_with(bot_friendly);
    let (admin_a, ids) = seed(&a);
    let archived = [("beta", "old-stuff")];
    let before = world(&admin_a, &archived);
    assert!(
        before.to_string().contains("\"tada\""),
        "reactions are compared"
    );

    // Export while the server runs.
    let out_dir = TempDir::new();
    let zip = out_dir.0.join("export.zip");
    let text = ok(&perch(&a.dir.0, &["export", "--to", zip.to_str().unwrap()]));
    assert!(text.contains("3 users") || text.contains("users"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&zip).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the zip holds secrets: {mode:o}");
    }
    let jsonl = jsonl_of(&zip);
    check_bulk_rules(&jsonl);
    assert!(
        !jsonl.contains("This one gets deleted"),
        "deleted posts stay out"
    );
    assert!(!jsonl.contains("argon2"), "no password hash in the JSONL");

    // Import into a fresh data directory, twice (the second run changes nothing).
    let fresh = TempDir::new();
    let report = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(report.contains("imported"), "{report}");
    assert!(
        !report.contains("no password"),
        "every password came along: {report}"
    );
    let again = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(again.contains("posts: 0 created"), "{again}");
    for line in again.lines().filter(|l| l.contains(" created")) {
        assert!(
            line.contains(": 0 created"),
            "the second run created something: {again}"
        );
    }
    let mut config = perch::Config::for_tests(&fresh.0);
    bot_friendly(&mut config);
    let b = TestServer::start_in(fresh, config);
    let admin_b = b.login("admin", "admin-password");
    let after = world(&admin_b, &archived);
    if before != after {
        panic!(
            "the imported server differs:\nbefore: {}\nafter: {}",
            serde_json::to_string_pretty(&before).unwrap(),
            serde_json::to_string_pretty(&after).unwrap()
        );
    }
    // Passwords, the bot's token and the webhook URL work on the new server.
    b.login("bob", "bob-password");
    b.login("carol", "carol-password");
    let r = b.anon().post(
        "/api/v4/users/login",
        &json!({"login_id": "dave", "password": "dave-password"}),
    );
    assert_eq!(
        r.status, 401,
        "a deactivated account stays deactivated: {}",
        r.body
    );
    let bot = Client::new(&b.url, Some(ids["bot_token"].clone()));
    let me = bot.get("/api/v4/users/me");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["username"], "deploybot");
    let r = b.anon().post(
        &format!("/hooks/{}", ids["hook"]),
        &json!({"text": "still here"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let talk = channel_id(&admin_b, "acme", "general-talk");
    assert!(admin_b
        .channel_posts(&talk)
        .iter()
        .any(|p| p["message"] == "still here"));
    // The channel's counters were recounted.
    let ch = admin_b.get(&format!("/api/v4/channels/{talk}")).json();
    assert!(ch["total_msg_count"].as_i64().unwrap() >= 8, "{ch}");
    assert_eq!(user_id(&admin_b, "bob").len(), 26);
}

#[test]
fn export_is_consistent_while_posts_keep_coming() {
    let a = TestServer::start();
    let admin = a.admin();
    let team = admin.create_team("busy")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ch = admin.create_channel(&team, "firehose", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, token, stop) = (a.url.clone(), admin.token.clone(), stop.clone());
        std::thread::spawn(move || {
            let c = Client::new(&url, token);
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let root = c.create_post(&ch, &format!("root {n}"));
                let r = c.post(
                    "/api/v4/posts",
                    &json!({"channel_id": ch, "message": format!("reply {n}"), "root_id": root["id"]}),
                );
                assert_eq!(r.status, 201);
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = TempDir::new();
    let mut exports = Vec::new();
    for i in 0..3 {
        let zip = out.0.join(format!("busy-{i}.zip"));
        ok(&perch(&a.dir.0, &["export", "--to", zip.to_str().unwrap()]));
        exports.push(zip);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert!(written > 0);
    for zip in exports {
        let text = jsonl_of(&zip);
        check_bulk_rules(&text);
        // A snapshot: a root is in the file with its reply, or not at all (a reply whose root
        // came after the snapshot cannot be in it, and no root lost a committed reply).
        for line in text.lines().filter(|l| l.contains("\"root ")) {
            let v: Value = serde_json::from_str(line).unwrap();
            let replies = v["post"]["replies"].as_array().map_or(0, Vec::len);
            let n = v["post"]["message"]
                .as_str()
                .unwrap()
                .trim_start_matches("root ");
            assert!(replies <= 1, "{line}");
            if replies == 1 {
                assert_eq!(v["post"]["replies"][0]["message"], format!("reply {n}"));
            }
        }
    }
}

#[test]
fn import_refuses_a_database_a_server_has_open() {
    let a = TestServer::start();
    a.admin();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bulk-import/mattermost-export.jsonl");
    let out = perch(&a.dir.0, &["import", sample.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stop the server"), "{err}");
}

#[test]
fn an_account_mattermost_would_refuse_is_reported_and_left_out_with_its_posts() {
    let a = TestServer::start();
    let admin = a.admin();
    let bob = a.user(&admin, "bob");
    let team = admin.create_team("acme")["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin.add_to_team(&team, &bob.id());
    let town = channel_id(&admin, "acme", "town-square");
    bob.create_post(&town, "bob was here");
    admin.create_post(&town, "admin was here");
    // Data an older release let through: an address Mattermost's importer refuses.
    let db = rusqlite::Connection::open(a.dir.0.join("perch.db")).unwrap();
    db.execute(
        "UPDATE users SET email = 'bob-at-nowhere' WHERE username = 'bob'",
        [],
    )
    .unwrap();
    let out = TempDir::new();
    let zip = out.0.join("e.zip");
    let text = ok(&perch(&a.dir.0, &["export", "--to", zip.to_str().unwrap()]));
    assert!(
        text.contains("user bob: model.user.is_valid.email.app_error"),
        "reported on the terminal: {text}"
    );
    assert!(
        text.contains("1 posts or replies by users that were left out"),
        "{text}"
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut warnings = String::new();
    archive
        .by_name("warnings.txt")
        .unwrap()
        .read_to_string(&mut warnings)
        .unwrap();
    assert!(warnings.contains("user bob"), "{warnings}");
    let jsonl = jsonl_of(&zip);
    check_bulk_rules(&jsonl);
    assert!(
        !jsonl.contains("\"bob\"") && !jsonl.contains("bob was here"),
        "{jsonl}"
    );
    assert!(jsonl.contains("admin was here"));
}

#[test]
fn for_a_mattermost_before_10_2_bots_are_written_as_users() {
    let a = TestServer::start_with(bot_friendly);
    let admin = a.admin();
    let team = admin.create_team("acme")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin.post(
        "/api/v4/bots",
        &json!({"username": "deploybot", "display_name": "Deploy Bot"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let bot_id = r.json()["user_id"].as_str().unwrap().to_string();
    admin.add_to_team(&team, &bot_id);
    let r = admin.post(
        &format!("/api/v4/users/{bot_id}/tokens"),
        &json!({"description": "ci"}),
    );
    let bot = Client::new(
        &a.url,
        Some(r.json()["token"].as_str().unwrap().to_string()),
    );
    bot.create_post(&channel_id(&admin, "acme", "town-square"), "Deployed");
    let out = TempDir::new();
    let bad = perch(
        &a.dir.0,
        &["export", "--to", "x.zip", "--mattermost-version", "nine"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let zip = out.0.join("old.zip");
    ok(&perch(
        &a.dir.0,
        &[
            "export",
            "--to",
            zip.to_str().unwrap(),
            "--mattermost-version",
            "9.11.4",
        ],
    ));
    let jsonl = jsonl_of(&zip);
    check_bulk_rules(&jsonl);
    assert!(!jsonl.contains("\"type\":\"bot\""), "{jsonl}");
    let user = jsonl
        .lines()
        .find(|l| l.contains("\"username\":\"deploybot\""))
        .unwrap();
    assert!(
        user.contains("deploybot@localhost") && user.contains("\"acme\""),
        "{user}"
    );
    // That file imports, the bot's posts with it (the account is an ordinary user there).
    let fresh = TempDir::new();
    ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    let config = perch::Config::for_tests(&fresh.0);
    let b = TestServer::start_in(fresh, config);
    let admin_b = b.login("admin", "admin-password");
    let r = admin_b.get("/api/v4/users/username/deploybot");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().get("is_bot").is_none(), "{}", r.body);
    let posts = admin_b.channel_posts(&channel_id(&admin_b, "acme", "town-square"));
    let deployed = posts.iter().find(|p| p["message"] == "Deployed").unwrap();
    assert_eq!(deployed["user_id"], r.json()["id"]);
}
