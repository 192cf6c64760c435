//! `perch import` with files written by hand: a sample in the style of Mattermost's own export
//! (`mmctl export create`), as a bare JSONL and as a zip, and broken files, which must be
//! refused with every problem's line number and leave the database as it was.

use crate::common::{TempDir, TestServer};
use crate::transfer::{ok, perch};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bulk-import/mattermost-export.jsonl")
}

/// Writes a zip of (name, bytes) entries.
fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

fn start(dir: TempDir) -> TestServer {
    let config = perch::Config::for_tests(&dir.0);
    TestServer::start_in(dir, config)
}

#[test]
fn a_mattermost_style_export_imports_and_imports_again_without_duplicates() {
    let dir = TempDir::new();
    let dry = ok(&perch(
        &dir.0,
        &["import", sample().to_str().unwrap(), "--dry-run"],
    ));
    assert!(dry.contains("nothing was written"), "{dry}");
    let first = ok(&perch(&dir.0, &["import", sample().to_str().unwrap()]));
    assert!(first.contains("posts: 6 created, 0 updated"), "{first}");
    assert!(first.contains("reactions: 2 added"), "{first}");
    assert!(
        first.contains("3 accounts have no password") && first.contains("perch user password"),
        "the output says how to set passwords: {first}"
    );
    let second = ok(&perch(&dir.0, &["import", sample().to_str().unwrap()]));
    assert!(second.contains("posts: 0 created, 6 updated"), "{second}");
    assert!(second.contains("replies: 0 created, 4 updated"), "{second}");
    assert!(
        !second.contains("reactions:"),
        "no reaction twice: {second}"
    );

    // The way the output says, while the server runs.
    let s = start(dir);
    ok(&perch(
        &s.dir.0,
        &[
            "user",
            "password",
            "--username",
            "nancy",
            "--password",
            "new-password-1",
        ],
    ));
    let nancy = s.login("nancy", "new-password-1");
    assert!(nancy.user["roles"]
        .as_str()
        .unwrap()
        .contains("system_admin"));
    assert_eq!(nancy.user["first_name"], "Nancy");
    let r = s.anon().post(
        "/api/v4/users/login",
        &json!({"login_id": "andrew", "password": "anything-at-all"}),
    );
    assert_eq!(r.status, 401, "no password, no login: {}", r.body);

    let team = nancy.get("/api/v4/teams/name/northwind").json();
    assert_eq!(team["display_name"], "Northwind Traders");
    let tid = team["id"].as_str().unwrap();
    let me = nancy
        .get(&format!("/api/v4/teams/{tid}/members/{}", nancy.id()))
        .json();
    assert!(me["roles"].as_str().unwrap().contains("team_admin"), "{me}");
    let shipping = nancy
        .get("/api/v4/teams/name/northwind/channels/name/shipping")
        .json();
    assert_eq!(shipping["header"], "Parcels and pallets");
    let sid = shipping["id"].as_str().unwrap();
    let member = nancy
        .get(&format!("/api/v4/channels/{sid}/members/{}", nancy.id()))
        .json();
    assert!(
        member["roles"].as_str().unwrap().contains("channel_admin"),
        "{member}"
    );
    let posts = nancy.channel_posts(sid);
    assert_eq!(posts.len(), 4, "2 roots and 2 replies: {posts:?}");
    let root = posts
        .iter()
        .find(|p| p["message"] == "Order 10248 left the dock.")
        .unwrap();
    assert_eq!(root["is_pinned"], true);
    assert_eq!(root["reply_count"], 2);
    let reactions = nancy.get(&format!(
        "/api/v4/posts/{}/reactions",
        root["id"].as_str().unwrap()
    ));
    assert_eq!(reactions.status, 200, "{}", reactions.body);
    let reactions = reactions.json();
    assert_eq!(reactions.as_array().unwrap().len(), 1, "{reactions}");
    assert_eq!(reactions[0]["emoji_name"], "white_check_mark");
    assert_eq!(reactions[0]["create_at"], 1772400010000_i64);
    let bot_post = posts
        .iter()
        .find(|p| p["type"] == "slack_attachment")
        .unwrap();
    assert_eq!(bot_post["props"]["attachments"][0]["title"], "Order 10248");
    let shipbot = nancy.get("/api/v4/users/username/shipbot").json();
    assert_eq!(shipbot["is_bot"], true);
    assert_eq!(bot_post["user_id"], shipbot["id"]);
    let andrew = nancy.get("/api/v4/users/username/andrew").json();
    assert_eq!(andrew["locale"], "de");
    let aid = andrew["id"].as_str().unwrap();
    let flagged = nancy
        .get(&format!("/api/v4/users/{aid}/preferences/flagged_post"))
        .json();
    assert_eq!(flagged[0]["name"], root["id"], "{flagged}");
    let janet = nancy.get("/api/v4/users/username/janet").json();
    assert!(
        janet["delete_at"].as_i64().unwrap() > 0,
        "deactivated in the file"
    );

    // Identical posts in one millisecond stay two posts; a system message is kept as one.
    let ts = nancy
        .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
        .json();
    let town = nancy.channel_posts(ts["id"].as_str().unwrap());
    let same = town
        .iter()
        .filter(|p| p["message"] == "Same second, same text.")
        .count();
    assert_eq!(same, 2, "{town:?}");
    assert!(town.iter().any(|p| p["type"] == "system_join_channel"));
    assert_eq!(ts["header"], "Welcome!");

    // The archived channel, with its history; a reply older than its root moved to its time.
    let old =
        nancy.get("/api/v4/teams/name/lab/channels/name/old-experiments?include_deleted=true");
    assert_eq!(old.status, 200, "{}", old.body);
    let old = old.json();
    assert!(old["delete_at"].as_i64().unwrap() > 0);
    let history = nancy.channel_posts(old["id"].as_str().unwrap());
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["create_at"], history[1]["create_at"]);

    // Direct, group and self conversations.
    let dm = nancy
        .post("/api/v4/channels/direct", &json!([nancy.id(), aid]))
        .json();
    assert_eq!(dm["header"], "Andrew and Nancy");
    let dm_posts = nancy.channel_posts(dm["id"].as_str().unwrap());
    assert_eq!(dm_posts.len(), 2, "{dm_posts:?}");
    let me_dm = nancy
        .post("/api/v4/channels/direct", &json!([nancy.id(), nancy.id()]))
        .json();
    let notes = nancy.channel_posts(me_dm["id"].as_str().unwrap());
    assert_eq!(notes[0]["message"], "Note to self: renew the certificate.");
    let calls = nancy.get("/api/v4/users/username/calls").json();
    let bot = nancy
        .get(&format!("/api/v4/bots/{}", calls["id"].as_str().unwrap()))
        .json();
    assert_eq!(
        bot["owner_id"], "com.mattermost.calls",
        "a plugin owner is kept as it is"
    );
    let prefs = nancy
        .get(&format!("/api/v4/users/{}/preferences", nancy.id()))
        .json();
    let pref = |cat: &str, name: &str| {
        prefs
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["category"] == cat && p["name"] == name)
            .map(|p| p["value"].clone())
    };
    assert_eq!(
        pref("display_settings", "use_military_time"),
        Some(json!("true"))
    );
    assert_eq!(pref("notifications", "email_interval"), Some(json!("3600")));
    assert_eq!(pref("favorite_channel", sid), Some(json!("true")));
}

#[test]
fn the_same_sample_in_a_zip_with_files() {
    let dir = TempDir::new();
    let zip = dir.0.join("mm.zip");
    let mut text = std::fs::read_to_string(sample()).unwrap();
    text = text.replace(
        r#""message":"Order 10248 left the dock.","props":{}"#,
        r#""message":"Order 10248 left the dock.","props":{},"attachments":[{"path":"files/manifest.pdf"}]"#,
    );
    write_zip(
        &zip,
        &[
            ("data.jsonl", text.as_bytes()),
            ("data/files/manifest.pdf", b"%PDF-1.4"),
            ("warnings.txt", b"nothing"),
        ],
    );
    let data = TempDir::new();
    let out = ok(&perch(&data.0, &["import", zip.to_str().unwrap()]));
    assert!(out.contains("posts: 6 created"), "{out}");
    assert!(out.contains("attached files: 1 stored"), "{out}");
}

/// Imports `text` into `dir` and returns stderr, asserting the exit status 1.
fn refused(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = perch(dir, &["import", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: {err}");
    assert!(out.stdout.is_empty(), "{name}");
    err
}

const V: &str = r#"{"type":"version","version":1}"#;
const TEAM: &str =
    r#"{"type":"team","team":{"name":"northwind","display_name":"Northwind","type":"O"}}"#;

#[test]
fn broken_files_name_every_problem_by_line_and_import_nothing() {
    let dir = TempDir::new();
    let lines = [
        V,
        TEAM,
        r#"{"type":"webhook","webhook":{}}"#,
        r#"{"type":"user","user":{"username":"x1","email":42}}"#,
        "",
        r#"{"type":"channel","channel":{"team":"nowhere","name":"c1","type":"O"}}"#,
        r#"{"type":"post","post":{"team":"northwind","channel":"town-square","user":"ghost","message":"hi","create_at":5}}"#,
        r#"{"type":"post","post":{"team":"northwind","channel":"town-square","user":"x","message":"hi","create_at":0}}"#,
        r#"{"type":"post"}"#,
        r#"{"type":"user","user":{"username":"carl","email":"carl@example.com","roles":"system_admin"}}"#,
        r#"{"type":"team","team":{"name":"api-team","display_name":"A","type":"O"}}"#,
        r#"{"type":"user","user":{"username":"dora","email":"dora@example.com","teams":[{"name":"northwind","channels":[{"name":"missing"}]}]}}"#,
        r#"{"type":"user","user":{"username":"emil","email":"emil@example.com"}}"#,
        r#"{"type":"post","post":{"team":"northwind","channel":"town-square","user":"emil","message":"hi","create_at":9,"reactions":[{"user":"emil","emoji_name":"+1","create_at":8}]}}"#,
        r#"{"type":"version","version":1}"#,
    ];
    let err = refused(&dir.0, "broken.jsonl", &(lines.join("\n") + "\n"));
    for (line, id) in [
        (3, "app.import.import_line.unknown_line_type.error"),
        (4, "app.import.bulk_import.json_decode.error"),
        (5, "app.import.bulk_import.json_decode.error"),
        (6, "app.import.import_channel.team_not_found.error"),
        (
            7,
            "app.import.get_users_by_username.some_users_not_found.error",
        ),
        (
            8,
            "app.import.validate_post_import_data.create_at_zero.error",
        ),
        (9, "app.import.import_line.null_post.error"),
        (
            10,
            "app.import.validate_user_import_data.roles_invalid.error",
        ),
        (
            11,
            "app.import.validate_team_import_data.name_reserved.error",
        ),
        (
            12,
            "app.import.import_user_channels.channel_not_found.error",
        ),
        (
            14,
            "app.import.validate_reaction_import_data.create_at_before_parent.error",
        ),
        (15, "app.import.import_line.unknown_line_type.error"),
    ] {
        assert!(
            err.contains(&format!("line {line}: {id}")),
            "line {line} {id} in:\n{err}"
        );
    }
    assert!(err.contains("12 problems; nothing was imported"), "{err}");
    assert!(
        !err.contains("line 2:") && !err.contains("line 13:"),
        "{err}"
    );

    for (name, text, expect) in [
        (
            "no-version.jsonl",
            format!("{TEAM}\n"),
            "line 1: app.import.process_import_data_file_version_line.invalid_version.error",
        ),
        (
            "v2.jsonl",
            "{\"type\":\"version\",\"version\":2}\n".to_string(),
            "line 1: app.import.bulk_import.unsupported_version.error",
        ),
        (
            "float.jsonl",
            "{\"type\":\"version\",\"version\":1.0}\n".to_string(),
            "line 1: app.import.bulk_import.json_decode.error",
        ),
        (
            "empty.jsonl",
            String::new(),
            "line 1: app.import.process_import_data_file_version_line.invalid_version.error",
        ),
        (
            "long.jsonl",
            format!(
                "{V}\n{{\"type\":\"team\",\"team\":{{\"name\":\"x{}\"}}}}\n",
                "y".repeat(17 << 20)
            ),
            "line 2: app.import.bulk_import.file_scan.error",
        ),
    ] {
        let err = refused(&dir.0, name, &text);
        assert!(err.contains(expect), "{name}: {err}");
    }
    let zip = dir.0.join("nojsonl.zip");
    write_zip(&zip, &[("data/import.jsonl", V.as_bytes())]);
    let out = perch(&dir.0, &["import", zip.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing_jsonl"));

    // Nothing of any of them was written: the valid sample still creates everything.
    let out = ok(&perch(&dir.0, &["import", sample().to_str().unwrap()]));
    assert!(out.contains("teams: 2 created, 0 updated"), "{out}");
}

#[test]
fn a_failure_while_writing_rolls_everything_back() {
    // Every line is valid, but the manifest names an owner no line created: the whole import,
    // JSONL included, is rolled back.
    let dir = TempDir::new();
    let zip = dir.0.join("bad-manifest.zip");
    let text = std::fs::read_to_string(sample()).unwrap();
    let manifest = json!({"incoming_webhooks": [{"id": "abcdefghijklmnopqrstuvwxyz", "team": "northwind",
        "channel": "shipping", "owner": "ghost", "display_name": "CI"}]});
    write_zip(
        &zip,
        &[
            ("import.jsonl", text.as_bytes()),
            ("perch-integrations.json", manifest.to_string().as_bytes()),
        ],
    );
    let out = perch(&dir.0, &["import", zip.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("perch-integrations.json: app.import.get_users_by_username.some_users_not_found.error: incoming_webhooks[0]"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    let s = start(dir);
    let admin = s.admin();
    let teams: Vec<Value> = admin
        .get("/api/v4/teams")
        .json()
        .as_array()
        .unwrap()
        .clone();
    assert!(teams.is_empty(), "nothing was imported: {teams:?}");
    let r = admin.get("/api/v4/users/username/nancy");
    assert_eq!(r.status, 404, "{}", r.body);
}
