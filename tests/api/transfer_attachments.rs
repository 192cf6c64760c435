//! Attached files through `perch export` and `perch import`, with the real binary: files
//! uploaded through the API travel in the zip under `data/` (the path the JSONL names), come
//! back on a fresh server byte for byte on the same posts, are not stored twice by a second
//! run, are left out (and reported) when the zip lacks them, and a dry run stores none.

use crate::common::{Acme, Client, TempDir, TestServer};
use crate::transfer::{check_bulk_rules, jsonl_of, ok, perch};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// A PNG of `w`×`h`.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn upload(c: &Client, channel_id: &str, name: &str, bytes: &[u8]) -> String {
    let r = c.post_raw(
        &format!("/api/v4/files?channel_id={channel_id}&filename={name}"),
        "application/octet-stream",
        bytes,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["file_infos"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every post of the channel with files: message → (file name → bytes), read through the API.
fn files_by_message(c: &Client, channel_id: &str) -> BTreeMap<String, BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    for p in c.channel_posts(channel_id) {
        let id = p["id"].as_str().unwrap();
        let infos = c.get(&format!("/api/v4/posts/{id}/files/info"));
        assert_eq!(infos.status, 200, "{}", infos.body);
        let infos: Vec<Value> = serde_json::from_str(&infos.body).unwrap();
        let ids = p["file_ids"].as_array().cloned().unwrap_or_default();
        assert_eq!(ids.len(), infos.len(), "file_ids and the files agree: {p}");
        if infos.is_empty() {
            continue;
        }
        let mut files = BTreeMap::new();
        for f in infos {
            let (status, _, bytes) =
                c.get_bytes(&format!("/api/v4/files/{}", f["id"].as_str().unwrap()));
            assert_eq!(status, 200);
            assert_eq!(f["size"].as_u64().unwrap() as usize, bytes.len());
            files.insert(f["name"].as_str().unwrap().to_string(), bytes);
        }
        out.insert(p["message"].as_str().unwrap().to_string(), files);
    }
    out
}

/// The zip's entries other than the JSONL: name → bytes.
fn entries(zip: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        out.insert(e.name().unwrap().to_string(), bytes);
    }
    out
}

/// Files in a data directory's file store (not the database, its journal, or the logs).
fn stored_files(dir: &Path) -> usize {
    fn walk(p: &Path, n: &mut usize) {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, n);
            } else if path.components().any(|c| c.as_os_str() == "channels") {
                *n += 1;
            }
        }
    }
    let mut n = 0;
    walk(dir, &mut n);
    n
}

/// A server whose file store is its data directory, as `perch --data-dir` has it (the CLI
/// runs below must find the same files).
fn start(dir: TempDir) -> TestServer {
    let mut config = perch::Config::for_tests(&dir.0);
    config.files.directory = dir.0.to_string_lossy().into_owned();
    TestServer::start_in(dir, config)
}

#[test]
fn attached_files_travel_through_export_and_import() {
    let a = Acme::on(start(TempDir::new()));
    a.admin.add_to_channel(&a.dev, &a.bob.id());
    let report_bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let picture = png(64, 48);
    let f1 = upload(&a.admin, &a.dev, "report.bin", &report_bytes);
    let f2 = upload(&a.admin, &a.dev, "chart.png", &picture);
    let root = a.admin.post(
        "/api/v4/posts",
        &json!({"channel_id": a.dev, "message": "nightly report", "file_ids": [f1, f2]}),
    );
    assert_eq!(root.status, 201, "{}", root.body);
    let root_id = root.json()["id"].as_str().unwrap().to_string();
    let f3 = upload(&a.bob, &a.dev, "notes.txt", b"bob's notes\n");
    let reply = a.bob.post(
        "/api/v4/posts",
        &json!({"channel_id": a.dev, "root_id": root_id, "message": "my notes", "file_ids": [f3]}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let before = files_by_message(&a.admin, &a.dev);
    assert_eq!(before.len(), 2, "{:?}", before.keys());

    // Export while the server runs: the JSONL names the files, the zip holds them under data/.
    let out = TempDir::new();
    let zip = out.0.join("export.zip");
    let text = ok(&perch(
        &a.ts.dir.0,
        &["export", "--to", zip.to_str().unwrap()],
    ));
    assert!(text.contains("3 attached files"), "{text}");
    let jsonl = jsonl_of(&zip);
    check_bulk_rules(&jsonl);
    let zipped = entries(&zip);
    let mut paths = Vec::new();
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(post) = v.get("post") else { continue };
        let mut lists = vec![&post["attachments"]];
        for r in post["replies"].as_array().into_iter().flatten() {
            lists.push(&r["attachments"]);
        }
        for a in lists.into_iter().filter_map(Value::as_array).flatten() {
            let path = a["path"].as_str().unwrap();
            assert!(
                !path.starts_with("data/"),
                "the JSONL path is under data/: {path}"
            );
            let bytes = zipped
                .get(&format!("data/{path}"))
                .unwrap_or_else(|| panic!("{path} is not in the zip: {:?}", zipped.keys()));
            let name = path.rsplit('/').next().unwrap();
            assert_eq!(
                bytes,
                &before[if name == "notes.txt" {
                    "my notes"
                } else {
                    "nightly report"
                }][name]
            );
            paths.push(path.to_string());
        }
    }
    assert_eq!(paths.len(), 3, "{jsonl}");

    // A dry run stores nothing; a real import stores every file on its post.
    let fresh = TempDir::new();
    let dry = ok(&perch(
        &fresh.0,
        &["import", "--dry-run", zip.to_str().unwrap()],
    ));
    assert!(dry.contains("attached files: 3"), "{dry}");
    assert_eq!(stored_files(&fresh.0), 0, "a dry run stored files");
    let report = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(report.contains("attached files: 3 stored"), "{report}");
    let stored = stored_files(&fresh.0);
    assert!(stored >= 3, "{stored} files in the store");
    // A second run keeps them and stores none.
    let again = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(!again.contains("attached files: "), "{again}");
    assert!(again.contains("the post has its files already"), "{again}");
    assert_eq!(
        stored_files(&fresh.0),
        stored,
        "the second run stored files again"
    );

    let b = start(fresh);
    let admin_b = b.login("admin", "admin-password");
    let dev = admin_b
        .get("/api/v4/teams/name/acme/channels/name/dev")
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let after = files_by_message(&admin_b, &dev);
    assert_eq!(before, after, "the files differ after the import");
    // The picture gets its thumbnail on the new server too.
    let chart = admin_b
        .channel_posts(&dev)
        .into_iter()
        .find(|p| p["message"] == "nightly report")
        .unwrap();
    let infos = admin_b.get(&format!(
        "/api/v4/posts/{}/files/info",
        chart["id"].as_str().unwrap()
    ));
    let infos: Vec<Value> = serde_json::from_str(&infos.body).unwrap();
    let png_info = infos.iter().find(|f| f["name"] == "chart.png").unwrap();
    assert_eq!(
        (png_info["width"].as_i64(), png_info["height"].as_i64()),
        (Some(64), Some(48))
    );
    let thumb = format!(
        "/api/v4/files/{}/thumbnail",
        png_info["id"].as_str().unwrap()
    );
    crate::common::eventually(
        std::time::Duration::from_secs(20),
        "the imported picture's thumbnail",
        || (admin_b.get_bytes(&thumb).0 == 200).then_some(()),
    );
}

#[test]
fn a_file_missing_from_the_zip_is_left_out_and_its_post_imported() {
    let dir = TempDir::new();
    let zip = dir.0.join("in.zip");
    let lines = [
        json!({"type": "version", "version": 1}),
        json!({"type": "team", "team": {"name": "t1", "display_name": "T1", "type": "O"}}),
        json!({"type": "channel", "channel": {"team": "t1", "name": "c1", "display_name": "C1", "type": "O"}}),
        json!({"type": "user", "user": {"username": "ann", "email": "ann@example.com", "password": "ann-password-1",
            "teams": [{"name": "t1", "channels": [{"name": "c1"}]}]}}),
        json!({"type": "post", "post": {"team": "t1", "channel": "c1", "user": "ann", "message": "with a file",
            "create_at": 1_700_000_000_000i64, "attachments": [{"path": "files/here.txt"}, {"path": "files/gone.txt"}]}}),
    ];
    let jsonl: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    z.start_file("import.jsonl", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(jsonl.as_bytes()).unwrap();
    z.start_file(
        "data/files/here.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(b"present").unwrap();
    z.finish().unwrap();

    let data = TempDir::new();
    let report = ok(&perch(&data.0, &["import", zip.to_str().unwrap()]));
    assert!(report.contains("attached files: 1 stored"), "{report}");
    assert!(
        report.contains("1 × attached files missing from the zip"),
        "{report}"
    );
    let s = start(data);
    let ann = s.login("ann", "ann-password-1");
    let c1 = ann.get("/api/v4/teams/name/t1/channels/name/c1").json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = files_by_message(&ann, &c1);
    assert_eq!(got["with a file"].keys().collect::<Vec<_>>(), ["here.txt"]);
    assert_eq!(got["with a file"]["here.txt"], b"present");
}

/// The pixels of a PNG.
fn pixels(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = image::load_from_memory(png).unwrap().to_rgba8();
    (img.width(), img.height(), img.into_raw())
}

#[test]
fn profile_pictures_travel_through_export_and_import() {
    let a = Acme::on(start(TempDir::new()));
    let (ct, body) = crate::files::multipart(&[("image", Some("me.png"), &png(200, 150))]);
    let r = a
        .bob
        .post_raw(&format!("/api/v4/users/{}/image", a.bob.id()), &ct, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, _, bob_picture) = a
        .bob
        .get_bytes(&format!("/api/v4/users/{}/image", a.bob.id()));

    let out = TempDir::new();
    let zip = out.0.join("export.zip");
    ok(&perch(
        &a.ts.dir.0,
        &["export", "--to", zip.to_str().unwrap()],
    ));
    let jsonl = jsonl_of(&zip);
    check_bulk_rules(&jsonl);
    let users: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v.get("user").cloned())
        .collect();
    let bob = users.iter().find(|u| u["username"] == "bob").unwrap();
    let path = bob["profile_image"].as_str().unwrap();
    assert_eq!(entries(&zip)[&format!("data/{path}")], bob_picture);
    // The admin has no picture of their own: none is exported.
    let admin = users.iter().find(|u| u["username"] == "admin").unwrap();
    assert!(admin.get("profile_image").is_none(), "{admin}");

    let fresh = TempDir::new();
    let dry = ok(&perch(
        &fresh.0,
        &["import", "--dry-run", zip.to_str().unwrap()],
    ));
    assert!(dry.contains("profile pictures: 1"), "{dry}");
    let report = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(report.contains("profile pictures: 1 stored"), "{report}");
    let again = ok(&perch(&fresh.0, &["import", zip.to_str().unwrap()]));
    assert!(!again.contains("profile pictures: "), "{again}");
    assert!(again.contains("the user has a picture already"), "{again}");

    let b = start(fresh);
    let admin_b = b.login("admin", "admin-password");
    let bob_b = admin_b.get("/api/v4/users/username/bob").json();
    assert!(
        bob_b["last_picture_update"].as_i64().unwrap() > 0,
        "{bob_b}"
    );
    let (status, _, imported) = admin_b.get_bytes(&format!(
        "/api/v4/users/{}/image",
        bob_b["id"].as_str().unwrap()
    ));
    assert_eq!(status, 200);
    assert_eq!(pixels(&imported), pixels(&bob_picture));
}
