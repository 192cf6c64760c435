//! The official Mattermost web app on Perch (`PerchSettings.WebappDirectory`): how its folder is
//! served, the endpoints it needs (roles, sidebar categories, the unread page, avatars), and the
//! unmodified app itself driven in headless Chromium.

use crate::common::scripts::{repo, run_node};
use crate::common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The web app build the browser test uses (never part of the repository): the file named by
/// `PERCH_WEBAPP_TARBALL`, else the one in the `shared/webapp/` folder kept beside the checkout.
fn tarball() -> PathBuf {
    if let Ok(p) = std::env::var("PERCH_WEBAPP_TARBALL") {
        return PathBuf::from(p);
    }
    let beside = repo().parent().map(Path::to_path_buf).unwrap_or_default();
    beside
        .join("shared")
        .join("webapp")
        .join("mattermost-webapp-6.3.2-dist.tar.gz")
}

/// A tiny stand-in `client/` folder for the serving tests: they check Perch's behaviour, not
/// the app's.
fn small_client(dir: &Path) -> PathBuf {
    let client = dir.join("client");
    std::fs::create_dir_all(client.join("files")).unwrap();
    std::fs::write(
        client.join("root.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let js = format!(
        "var a={{webappBuildHash||\"0123abcd\"}};{}",
        "x".repeat(4000)
    );
    std::fs::write(client.join("main.1234.js"), js).unwrap();
    std::fs::write(client.join("files/font.woff2"), [0u8, 1, 2, 3]).unwrap();
    client
}

/// A GET by hand (the test client decompresses and reads text; this one must not).
fn raw_get(url: &str, path: &str, accept_gzip: bool) -> (u16, Vec<(String, String)>, Vec<u8>) {
    raw_get_as(url, path, accept_gzip, None)
}

fn raw_get_as(
    url: &str,
    path: &str,
    accept_gzip: bool,
    token: Option<&str>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    let mut enc = if accept_gzip {
        "Accept-Encoding: gzip\r\n".to_string()
    } else {
        String::new()
    };
    if let Some(t) = token {
        enc.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{enc}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    let mut lines = head.lines();
    let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    (status, headers, all[split + 4..].to_vec())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn the_app_folder_is_served_at_the_root_and_perch_s_client_under_perch() {
    let dir = TempDir::new();
    let client = small_client(&dir.0);
    let ts = TestServer::start_with(|c| c.perch.webapp_directory = client.display().to_string());
    // Pages: root.html, not cached for good.
    for page in ["/", "/login", "/acme/channels/town-square", "/select_team"] {
        let (status, h, body) = raw_get(&ts.url, page, false);
        assert_eq!(status, 200, "{page}");
        assert_eq!(body, b"<!doctype html><title>app</title>", "{page}");
        assert_eq!(
            header(&h, "cache-control"),
            Some("no-cache, max-age=31556926, public")
        );
        assert!(header(&h, "content-type").unwrap().starts_with("text/html"));
    }
    // Files: long-cached, the right types, gzipped once when asked.
    let (status, h, body) = raw_get(&ts.url, "/static/main.1234.js", false);
    assert_eq!(status, 200);
    assert_eq!(
        header(&h, "cache-control"),
        Some("max-age=31556926, public")
    );
    assert_eq!(header(&h, "content-type"), Some("application/javascript"));
    assert_eq!(header(&h, "x-content-type-options"), Some("nosniff"));
    let (_, hz, gz) = raw_get(&ts.url, "/static/main.1234.js", true);
    assert_eq!(header(&hz, "content-encoding"), Some("gzip"));
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(plain, body);
    assert!(gz.len() < body.len() / 4);
    let (_, hf, _) = raw_get(&ts.url, "/static/files/font.woff2", true);
    assert_eq!(header(&hf, "content-type"), Some("font/woff2"));
    assert_eq!(header(&hf, "content-encoding"), None);
    // Nothing outside the folder, nothing missing served as a page.
    for bad in [
        "/static/../root.html",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/.hidden",
        "/static/nope.js",
    ] {
        let (status, _, _) = raw_get(&ts.url, bad, false);
        assert_eq!(status, 404, "{bad}");
    }
    // The API stays JSON; Perch's own client stays reachable.
    let (status, h, _) = raw_get(&ts.url, "/api/v4/nothing", false);
    assert_eq!(status, 404);
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    let (status, _, body) = raw_get(&ts.url, "/perch/", false);
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&body).contains("<title>app</title>"));
}

#[test]
fn a_folder_without_root_html_stops_the_start_with_a_clear_message() {
    let dir = TempDir::new();
    let mut config = perch::Config::for_tests(&dir.0);
    config.perch.webapp_directory = dir.0.display().to_string();
    let err = perch::start(config).err().expect("refused");
    assert!(err.to_string().contains("root.html"), "{err}");
}

#[test]
fn roles_by_name_carry_what_the_app_checks() {
    let a = Acme::new();
    let r = a.bob.post(
        "/api/v4/roles/names",
        &json!(["channel_user", "team_user", "system_user", "no_such_role"]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let roles = r.json();
    let roles = roles.as_array().unwrap();
    assert_eq!(roles.len(), 3);
    let perms = |name: &str| -> Vec<String> {
        let role = roles.iter().find(|r| r["name"] == name).unwrap();
        assert_eq!(role["id"].as_str().unwrap().len(), 26);
        assert_eq!(role["built_in"], true);
        serde_json::from_value(role["permissions"].clone()).unwrap()
    };
    for (role, perm) in [
        ("channel_user", "create_post"),
        ("channel_user", "read_channel"),
        ("team_user", "view_team"),
        ("team_user", "list_team_channels"),
        ("team_user", "join_public_channels"),
        ("system_user", "create_direct_channel"),
        ("system_user", "view_members"),
    ] {
        assert!(perms(role).contains(&perm.to_string()), "{role} {perm}");
    }
    a.bob
        .post("/api/v4/roles/names", &json!(["Bad Name!"]))
        .assert_error(400, "api.role.get_roles_by_name.invalid_role_name");
    a.bob
        .post("/api/v4/roles/names", &json!("channel_user"))
        .assert_error(400, "api.context.invalid_body_param.app_error");
    a.ts.anon()
        .post("/api/v4/roles/names", &json!(["channel_user"]))
        .assert_error(401, "api.context.session_expired.app_error");
    let one = a.bob.get("/api/v4/roles/name/team_admin");
    assert_eq!(one.status, 200);
    assert!(one.json()["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("manage_team")));
}

#[test]
fn sidebar_categories_follow_favorites() {
    let a = Acme::new().bob_joins_dev();
    let carol = a.ts.user(&a.admin, "carol");
    a.admin.add_to_team(&a.tid, &carol.id());
    let dm = a
        .bob
        .post("/api/v4/channels/direct", &json!([a.bob.id(), carol.id()]));
    assert_eq!(dm.status, 201, "{}", dm.body);
    let dm = id_of(&dm.json());
    let path = format!("/api/v4/users/me/teams/{}/channels/categories", a.tid);
    let get = || {
        let r = a.bob.get(&path);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let cats = get();
    let kinds: Vec<&str> = cats["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["favorites", "channels", "direct_messages"]);
    assert_eq!(cats["order"].as_array().unwrap().len(), 3);
    let ids = |cats: &Value, i: usize| -> Vec<String> {
        serde_json::from_value(cats["categories"][i]["channel_ids"].clone()).unwrap()
    };
    assert!(ids(&cats, 0).is_empty());
    assert!(ids(&cats, 1).contains(&a.dev) && ids(&cats, 1).contains(&a.town));
    assert_eq!(ids(&cats, 2), vec![dm.clone()]);
    // Moving dev into Favorites.
    let mut fav = cats["categories"][0].clone();
    fav["channel_ids"] = json!([a.dev]);
    let r = a
        .bob
        .put(&format!("{path}/{}", fav["id"].as_str().unwrap()), &fav);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["channel_ids"], json!([a.dev]));
    let cats = get();
    assert_eq!(ids(&cats, 0), vec![a.dev.clone()]);
    assert!(!ids(&cats, 1).contains(&a.dev));
    // A channel bob is not in is left out (as Mattermost does: the app may send one it has
    // just left), and becomes no favourite of his; others' categories are not his to read.
    let secret = id_of(&a.admin.create_channel(&a.tid, "secret", "P"));
    fav["channel_ids"] = json!([secret, a.dev]);
    let r = a
        .bob
        .put(&format!("{path}/{}", fav["id"].as_str().unwrap()), &fav);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["channel_ids"], json!([a.dev]));
    let prefs = a
        .bob
        .get("/api/v4/users/me/preferences/favorite_channel")
        .json();
    assert!(!prefs.to_string().contains(&secret), "{prefs}");
    a.bob
        .get(&format!(
            "/api/v4/users/{}/teams/{}/channels/categories",
            a.admin.id(),
            a.tid
        ))
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn the_unread_page_centres_on_what_the_user_last_saw() {
    let a = Acme::new();
    let seen: Vec<String> = (0..5)
        .map(|i| id_of(&a.admin.create_post(&a.town, &format!("seen {i}"))))
        .collect();
    let view = a.bob.post(
        "/api/v4/channels/members/me/view",
        &json!({"channel_id": a.town}),
    );
    assert_eq!(view.status, 200, "{}", view.body);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let unseen: Vec<String> = (0..3)
        .map(|i| id_of(&a.admin.create_post(&a.town, &format!("new {i}"))))
        .collect();
    let path = |before: u32, after: u32| {
        format!(
            "/api/v4/users/{}/channels/{}/posts/unread?limit_before={before}&limit_after={after}",
            a.bob.id(),
            a.town
        )
    };
    let r = a.bob.get(&path(2, 2));
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    let order: Vec<String> = serde_json::from_value(list["order"].clone()).unwrap();
    // Newest first: the two oldest unseen posts, then the two newest seen ones.
    assert_eq!(
        order,
        vec![
            unseen[1].clone(),
            unseen[0].clone(),
            seen[4].clone(),
            seen[3].clone()
        ]
    );
    assert_eq!(list["next_post_id"], json!(unseen[2]));
    assert_eq!(list["prev_post_id"], json!(seen[2]));
    // Wide enough: both ends of the channel.
    let all = a.bob.get(&path(60, 60)).json();
    assert_eq!(all["next_post_id"], "");
    assert_eq!(all["prev_post_id"], "");
    a.bob
        .get(&format!(
            "/api/v4/users/{}/channels/{}/posts/unread",
            a.admin.id(),
            a.town
        ))
        .assert_error(403, "api.context.permissions.app_error");
    a.bob
        .get(&format!(
            "/api/v4/users/me/channels/{}/posts/unread?limit_after=x",
            a.town
        ))
        .assert_error(400, "api.context.invalid_url_param.app_error");
}

#[test]
fn attachments_are_announced_in_metadata_embeds_and_avatars_are_pngs() {
    let a = Acme::new();
    let r = a.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": a.town, "message": "", "props": {"attachments": [{"text": "hi"}]}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json()["metadata"]["embeds"],
        json!([{"type": "message_attachment"}])
    );
    let got = a.bob.get(&format!("/api/v4/posts/{}", id_of(&r.json())));
    assert_eq!(
        got.json()["metadata"]["embeds"],
        json!([{"type": "message_attachment"}])
    );
    let plain = a.admin.create_post(&a.town, "no attachments");
    assert!(plain["metadata"]["embeds"].is_null(), "{plain}");
    // Avatars.
    let token = a.bob.token.clone().unwrap();
    let (status, h, body) = raw_get_as(
        &a.ts.url,
        &format!("/api/v4/users/{}/image", a.admin.id()),
        false,
        Some(&token),
    );
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), Some("image/png"));
    assert!(body.starts_with(b"\x89PNG\r\n\x1a\n"));
    a.bob
        .get("/api/v4/users/aaaaaaaaaaaaaaaaaaaaaaaaaa/image")
        .assert_error(404, "app.user.missing_account.const");
}

/// The unmodified official web app 6.3.2 in headless Chromium: log in, land on Town Square,
/// read a webhook post's attachment, post, see a REST post arrive live, /echo, a thread reply,
/// a reaction from the emoji picker, a picture uploaded and posted, an interactive button
/// clicked, `dev` marked unread by a mention and read on opening, a post edited and deleted, a
/// public channel created, a direct message sent, a post pinned and saved and seen in the Pinned
/// and Saved panels, a group message written, reload, log out; no uncaught exceptions or
/// console errors. Skipped (with a message) where
/// the app's tarball is not beside the repository.
#[test]
fn the_official_web_app_in_a_real_browser() {
    let tar = tarball();
    if !tar.exists() {
        eprintln!(
            "skipped: {} is absent (the official web app is never part of this repository)",
            tar.display()
        );
        return;
    }
    let dir = TempDir::new();
    let st = std::process::Command::new("tar")
        .args([
            "xzf",
            &tar.display().to_string(),
            "-C",
            &dir.0.display().to_string(),
        ])
        .status()
        .expect("tar");
    assert!(st.success());
    let client = dir.0.join("client");
    let a = Acme::with(|c| {
        c.perch.webapp_directory = client.display().to_string();
        c.service.enable_incoming_webhooks = true;
        // The button's integration is a receiver on this machine.
        c.service.allowed_untrusted_internal_connections = "127.0.0.1".into();
    });
    // carol, for the group message.
    let carol = a.ts.user(&a.admin, "carol");
    a.admin.add_to_team(&a.tid, &carol.id());
    let integration = MockReceiver::start(|_, _| {
        Reply::json(json!({"update": {"message": "Deployed by the button"},
                           "ephemeral_text": "You clicked Deploy"}))
    });
    let r = a.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": a.town, "message": "Ready to ship", "props": {"attachments": [{
            "text": "Version 1.2.3", "actions": [{"id": "deploy", "name": "Deploy",
            "integration": {"url": format!("{}/deploy", integration.url)}}]}]}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // The picture the browser uploads: a gradient, so a wrong decoding would show.
    let picture = dir.0.join("gradient.png");
    image::RgbImage::from_fn(160, 120, |x, y| {
        image::Rgb([(x * 3 % 256) as u8, (y * 2) as u8, 160])
    })
    .save(&picture)
    .unwrap();
    let hook = a.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": a.town, "display_name": "ci"}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    let r = a.ts.anon().post(
        &format!("/hooks/{}", id_of(&hook.json())),
        &json!({"text": "build finished", "attachments": [{"color": "#36a64f", "title": "Build 42",
            "title_link": "https://ci.example.com/42", "text": "All *green*",
            "fields": [{"title": "Branch", "value": "main", "short": true}]}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let shots = repo().join("target/webapp-shots").display().to_string();
    let out = run_node(
        "official_webapp.mjs",
        "puppeteer-core",
        &[&a.ts.url, &shots, &picture.display().to_string()],
    );
    assert!(out.contains("all checks passed"), "{out}");
    // The click reached the integration, with the post and the clicker.
    let call = integration.next(5).expect("the button's call");
    let body: Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(body["user_id"], a.admin.id().as_str(), "{body}");
}
