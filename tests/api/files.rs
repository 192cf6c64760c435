//! Files: `POST /api/v4/files` in both forms, downloads and their headers, thumbnails,
//! permissions, limits, path tricks, public links, posts with files, deletion, restarts.

use crate::common::{id_of, Client, TestServer};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A `multipart/form-data` body: `(name, Some(filename), bytes)` for files, `None` for fields.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "perchTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn upload(c: &Client, parts: &[(&str, Option<&str>, &[u8])]) -> crate::common::Resp {
    let (ct, body) = multipart(parts);
    c.post_raw("/api/v4/files", &ct, &body)
}

/// Uploads one file into a channel and returns its info.
pub fn upload_one(c: &Client, channel_id: &str, name: &str, bytes: &[u8]) -> Value {
    let r = upload(
        c,
        &[
            ("channel_id", None, channel_id.as_bytes()),
            ("files", Some(name), bytes),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["file_infos"][0].clone()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Bytes that are not text, so a lossy round trip would show.
fn binary(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A PNG of `w`×`h`.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// The admin, bob (a member of channel `town`) and the channel id.
fn setup(ts: &TestServer) -> (Client, Client, String) {
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let ch = admin.create_channel(&tid, "town", "O");
    let cid = ch["id"].as_str().unwrap().to_string();
    admin.add_to_channel(&cid, &bob.id());
    (admin, bob, cid)
}

#[test]
fn multipart_upload_round_trips_the_bytes_with_mattermost_fields() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let a = binary(150_000);
    let b = b"hello, files\n".to_vec();
    let r = upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("client_ids", None, b"c-1"),
            ("client_ids", None, b"c-2"),
            ("files", Some("data.bin"), &a),
            ("files", Some("Notes.TXT"), &b),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["client_ids"], json!(["c-1", "c-2"]));
    let infos = v["file_infos"].as_array().unwrap();
    assert_eq!(infos.len(), 2);
    let f = &infos[1];
    assert_eq!(f["name"], "Notes.TXT");
    assert_eq!(f["extension"], "txt");
    assert_eq!(f["mime_type"], "text/plain");
    assert_eq!(f["size"], b.len());
    assert_eq!(f["user_id"], bob.id());
    assert_eq!(f["channel_id"], cid);
    assert_eq!(f["delete_at"], 0);
    assert_eq!(f["mini_preview"], Value::Null);
    assert!(f.get("post_id").is_none() && f.get("path").is_none());
    assert_eq!(f["id"].as_str().unwrap().len(), 26);
    // The bytes come back as they went in, binary included.
    for (info, bytes) in [(&infos[0], &a), (&infos[1], &b)] {
        let id = info["id"].as_str().unwrap();
        let (status, headers, body) = bob.get_bytes(&format!("/api/v4/files/{id}"));
        assert_eq!(status, 200);
        assert_eq!(&body, bytes);
        assert_eq!(header(&headers, "X-Content-Type-Options"), Some("nosniff"));
        assert!(header(&headers, "Content-Disposition")
            .unwrap()
            .starts_with("attachment;filename="));
        assert!(header(&headers, "Content-Security-Policy")
            .unwrap()
            .contains("default-src 'none'"));
        let r = bob.get(&format!("/api/v4/files/{id}/info"));
        assert_eq!(r.status, 200);
        assert_eq!(&r.json(), info);
    }
    // The bytes are where Mattermost's local driver puts them.
    let day = ts.dir.0.join("data");
    let found = walk(&day)
        .into_iter()
        .find(|p| p.ends_with("Notes.TXT"))
        .expect("stored file");
    let rel = found
        .strip_prefix(&day)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let segs: Vec<&str> = rel.split('/').collect();
    assert_eq!(segs.len(), 9, "{rel}");
    assert!(segs[0].len() == 8 && segs[0].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(segs[1..4], ["teams", "noteam", "channels"]);
    assert_eq!(segs[4], cid);
    assert_eq!(segs[5], "users");
    assert_eq!(segs[6], bob.id());
    assert_eq!(segs[7], infos[1]["id"].as_str().unwrap());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn files_before_the_channel_id_and_raw_uploads_work_too() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    // Legacy order: the file part first, channel_id after it.
    let r = upload(
        &bob,
        &[
            ("files", Some("first.txt"), b"one"),
            ("channel_id", None, cid.as_bytes()),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["file_infos"][0]["name"], "first.txt");
    assert_eq!(v["client_ids"], json!([]));
    // The raw form: the body is the file.
    let r = bob.post_raw(
        &format!("/api/v4/files?channel_id={cid}&filename=raw%20report.csv&client_id=x1"),
        "text/csv",
        b"a,b\n1,2\n",
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["client_ids"], json!(["x1"]));
    let f = &v["file_infos"][0];
    assert_eq!(f["name"], "raw report.csv");
    assert_eq!(f["mime_type"], "text/csv");
    let (_, headers, body) = bob.get_bytes(&format!(
        "/api/v4/files/{}?download=1",
        f["id"].as_str().unwrap()
    ));
    assert_eq!(body, b"a,b\n1,2\n");
    assert_eq!(
        header(&headers, "Content-Disposition"),
        Some("attachment;filename=\"raw%20report.csv\"; filename*=UTF-8''raw%20report.csv")
    );
    // Raw upload without its parameters.
    bob.post_raw(
        &format!("/api/v4/files?channel_id={cid}"),
        "text/plain",
        b"x",
    )
    .assert_error(400, "api.context.invalid_url_param.app_error");
    bob.post_raw("/api/v4/files?filename=a.txt", "text/plain", b"x")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    // No channel at all in a form.
    upload(&bob, &[("files", Some("a.txt"), b"x")])
        .assert_error(400, "api.context.invalid_param.app_error");
    // Two different channels, an unknown field, a wrong number of client ids, an empty body.
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("channel_id", None, b"abcdefghijklmnopqrstuvwxyz"),
        ],
    )
    .assert_error(400, "api.file.upload_file.multiple_channel_ids.app_error");
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("colour", None, b"red"),
        ],
    )
    .assert_error(400, "api.context.invalid_param.app_error");
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("client_ids", None, b"1"),
            ("client_ids", None, b"2"),
            ("files", Some("a.txt"), b"x"),
        ],
    )
    .assert_error(
        400,
        "api.file.upload_file.incorrect_number_of_client_ids.app_error",
    );
    bob.post_raw("/api/v4/files", "multipart/form-data; boundary=x", b"")
        .assert_error(400, "api.file.upload_file.read_request.app_error");
    // A body cut in the middle of a part.
    let (ct, body) = multipart(&[
        ("channel_id", None, cid.as_bytes()),
        ("files", Some("a.txt"), b"abc"),
    ]);
    bob.post_raw("/api/v4/files", &ct, &body[..body.len() - 20])
        .assert_error(400, "api.file.upload_file.read_request.app_error");
    // Nothing was stored by the failed calls: only the two good files exist.
    let stored = walk(&ts.dir.0.join("data"))
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains(".perch-tmp"))
        .count();
    assert_eq!(stored, 2);
}

#[test]
fn uploads_need_the_channel_and_reads_need_the_post() {
    let ts = TestServer::start();
    let (admin, bob, cid) = setup(&ts);
    let carol = ts.user(&admin, "carol");
    // carol is in no channel: 403 for the channel, and for one that does not exist.
    upload(
        &carol,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("files", Some("a.txt"), b"x"),
        ],
    )
    .assert_error(403, "api.context.permissions.app_error");
    carol
        .post_raw(
            "/api/v4/files?channel_id=abcdefghijklmnopqrstuvwxyz&filename=a.txt",
            "text/plain",
            b"x",
        )
        .assert_error(403, "api.context.permissions.app_error");
    // bob's unattached file: only bob reads it.
    let f = upload_one(&bob, &cid, "secret.txt", b"s3cret");
    let id = f["id"].as_str().unwrap();
    for path in ["", "/info", "/thumbnail", "/preview"] {
        carol
            .get(&format!("/api/v4/files/{id}{path}"))
            .assert_error(403, "api.context.permissions.app_error");
    }
    assert_eq!(admin.get(&format!("/api/v4/files/{id}/info")).status, 403);
    // Unknown and malformed ids.
    bob.get("/api/v4/files/abcdefghijklmnopqrstuvwxyz")
        .assert_error(404, "app.file_info.get.app_error");
    bob.get("/api/v4/files/nope/info")
        .assert_error(400, "api.context.invalid_url_param.app_error");
    // No thumbnail for text.
    bob.get(&format!("/api/v4/files/{id}/thumbnail"))
        .assert_error(400, "api.file.get_file_thumbnail.no_thumbnail.app_error");
    bob.get(&format!("/api/v4/files/{id}/preview"))
        .assert_error(400, "api.file.get_file_preview.no_preview.app_error");
    // No session at all.
    assert_eq!(ts.anon().get(&format!("/api/v4/files/{id}")).status, 401);
}

#[test]
fn attachments_can_be_switched_off_and_size_is_limited() {
    let ts = TestServer::start_with(|c| c.files.enable_file_attachments = false);
    let (_admin, bob, cid) = setup(&ts);
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("files", Some("a.txt"), b"x"),
        ],
    )
    .assert_error(403, "api.file.attachments.disabled.app_error");
    drop(ts);

    let ts = TestServer::start_with(|c| c.files.max_file_size = 1000);
    let (_admin, bob, cid) = setup(&ts);
    let ok = upload_one(&bob, &cid, "fits.bin", &binary(1000));
    assert_eq!(ok["size"], 1000);
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("files", Some("big.bin"), &binary(1001)),
        ],
    )
    .assert_error(413, "api.file.upload_file.too_large_detailed.app_error");
    bob.post_raw(
        &format!("/api/v4/files?channel_id={cid}&filename=big.bin"),
        "application/octet-stream",
        &binary(1001),
    )
    .assert_error(413, "api.file.upload_file.too_large_detailed.app_error");
    // The refused bytes left nothing behind, not even a temporary file.
    let left: Vec<_> = walk(&ts.dir.0.join("data"))
        .into_iter()
        .filter(|p| !p.ends_with("fits.bin"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn names_are_base_names_and_never_paths() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let f = upload_one(&bob, &cid, "../../../../etc/passwd", b"root:x:0:0");
    assert_eq!(f["name"], "passwd");
    let f = upload_one(&bob, &cid, "dir/sub/evil\".txt", b"q");
    assert_eq!(f["name"], "evil\".txt");
    let (_, headers, body) = bob.get_bytes(&format!("/api/v4/files/{}", f["id"].as_str().unwrap()));
    assert_eq!(body, b"q");
    // The quote cannot end the header's filename early.
    assert!(header(&headers, "Content-Disposition")
        .unwrap()
        .contains("filename=\"evil%22.txt\""));
    for bad in ["..", ".", "a/.."] {
        upload(
            &bob,
            &[
                ("channel_id", None, cid.as_bytes()),
                ("files", Some(bad), b"x"),
            ],
        )
        .assert_error(400, "api.file.upload_file.invalid_name.app_error");
    }
    let r = bob.post_raw(
        &format!("/api/v4/files?channel_id={cid}&filename=%2e%2e%2f%2e%2e%2fx.txt"),
        "text/plain",
        b"x",
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["file_infos"][0]["name"], "x.txt");
    // Everything stayed under the data directory.
    let data = ts.dir.0.join("data");
    let outside: Vec<_> = walk(&ts.dir.0)
        .into_iter()
        .filter(|p| !p.starts_with(&data) && !p.to_string_lossy().contains("perch.db"))
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
}

#[test]
fn active_content_is_served_as_inert_attachments() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let html = upload_one(&bob, &cid, "report.html", b"<script>alert(1)</script>");
    assert_eq!(html["mime_type"], "text/html; charset=utf-8");
    let svg = upload_one(
        &bob,
        &cid,
        "logo.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    );
    let xml = upload_one(&bob, &cid, "feed.xml", b"<?xml version='1.0'?><a/>");
    let js = upload_one(&bob, &cid, "app.js", b"alert(1)");
    for (f, served) in [
        (&html, "text/plain"),
        (&svg, "image/svg+xml"),
        (&xml, "text/xml; charset=utf-8"),
        (&js, "text/plain"),
    ] {
        let (status, headers, _) =
            bob.get_bytes(&format!("/api/v4/files/{}", f["id"].as_str().unwrap()));
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "Content-Type"),
            Some(served),
            "{}",
            f["name"]
        );
        assert!(header(&headers, "Content-Disposition")
            .unwrap()
            .starts_with("attachment;"));
        assert_eq!(header(&headers, "X-Content-Type-Options"), Some("nosniff"));
        let csp = header(&headers, "Content-Security-Policy").unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("sandbox"),
            "{csp}"
        );
        assert_eq!(header(&headers, "X-Frame-Options"), Some("DENY"));
    }
    // Media is inline unless a download is asked for.
    let img = upload_one(&bob, &cid, "pic.png", &png(4, 4));
    let id = img["id"].as_str().unwrap();
    let (_, headers, _) = bob.get_bytes(&format!("/api/v4/files/{id}"));
    assert_eq!(header(&headers, "Content-Type"), Some("image/png"));
    assert!(header(&headers, "Content-Disposition")
        .unwrap()
        .starts_with("inline;"));
    let (_, headers, _) = bob.get_bytes(&format!("/api/v4/files/{id}?download=1"));
    assert!(header(&headers, "Content-Disposition")
        .unwrap()
        .starts_with("attachment;"));
}

/// Polls until `f` is true (the image thread works in the background).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Clients show an image's thumbnail right after the upload: asked for before the image
/// thread made it, it waits for it instead of answering 404.
#[test]
fn a_thumbnail_asked_for_at_once_waits_for_the_image_thread() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let f = upload_one(&bob, &cid, "big.png", &png(1500, 1000));
    let id = f["id"].as_str().unwrap();
    let (status, headers, body) = bob.get_bytes(&format!("/api/v4/files/{id}/thumbnail"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "Content-Type"), Some("image/png"));
    let thumb = image::load_from_memory(&body).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (150, 100));
    let (status, _, _) = bob.get_bytes(&format!("/api/v4/files/{id}/preview"));
    assert_eq!(status, 200);
}

#[test]
fn images_get_dimensions_at_once_and_thumbnails_soon_after() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let f = upload_one(&bob, &cid, "wide.png", &png(600, 200));
    assert_eq!(f["width"], 600);
    assert_eq!(f["height"], 200);
    assert_eq!(f["has_preview_image"], true);
    let id = f["id"].as_str().unwrap().to_string();
    eventually("the mini preview", || {
        !bob.get(&format!("/api/v4/files/{id}/info")).json()["mini_preview"].is_null()
    });
    let (status, headers, body) = bob.get_bytes(&format!("/api/v4/files/{id}/thumbnail"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "Content-Type"), Some("image/png"));
    let thumb = image::load_from_memory(&body).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (300, 100));
    let (status, _, body) = bob.get_bytes(&format!("/api/v4/files/{id}/preview"));
    assert_eq!(status, 200);
    let preview = image::load_from_memory(&body).unwrap();
    assert_eq!((preview.width(), preview.height()), (600, 200));
    // An image over MaxImageResolution is refused whole.
    drop(ts);
    let ts = TestServer::start_with(|c| c.files.max_image_resolution = 10_000);
    let (_admin, bob, cid) = setup(&ts);
    upload(
        &bob,
        &[
            ("channel_id", None, cid.as_bytes()),
            ("files", Some("big.png"), &png(101, 100)),
        ],
    )
    .assert_error(400, "api.file.upload_file.large_image_detailed.app_error");
    // A file named .png that is no PNG is stored as it is, without a preview.
    let f = upload_one(&bob, &cid, "fake.png", b"not an image");
    assert!(f.get("has_preview_image").is_none() && f.get("width").is_none());
    bob.get(&format!(
        "/api/v4/files/{}/thumbnail",
        f["id"].as_str().unwrap()
    ))
    .assert_error(400, "api.file.get_file_thumbnail.no_thumbnail.app_error");
}

#[test]
fn posts_attach_only_the_authors_unattached_files_of_their_channel() {
    let ts = TestServer::start();
    let (admin, bob, cid) = setup(&ts);
    let tid = admin.get(&format!("/api/v4/channels/{cid}")).json()["team_id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = admin.create_channel(&tid, "elsewhere", "O")["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin.add_to_channel(&other, &bob.id());
    let mine = upload_one(&bob, &cid, "mine.txt", b"mine");
    let wrong_channel = upload_one(&bob, &other, "there.txt", b"there");
    let admins = upload_one(&admin, &cid, "admins.txt", b"admin's");
    let ids = |fs: &[&Value]| -> Vec<String> {
        fs.iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let r = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "three files", "file_ids": ids(&[&mine, &wrong_channel, &admins])}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let post = r.json();
    let pid = post["id"].as_str().unwrap();
    // Only bob's own file of this channel is attached; the others are left out.
    assert_eq!(post["file_ids"], json!(ids(&[&mine])));
    let meta = post["metadata"]["files"].as_array().unwrap();
    assert_eq!(meta.len(), 1);
    assert_eq!(meta[0]["id"], mine["id"]);
    assert_eq!(meta[0]["post_id"], pid);
    // The same file cannot go to a second post.
    let r = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "again", "file_ids": ids(&[&mine])}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["file_ids"], json!([]));
    assert!(r.json()["metadata"].get("files").is_none());
    // Reads show the files: the post, the channel's list, the post's file infos.
    let got = bob.get(&format!("/api/v4/posts/{pid}")).json();
    assert_eq!(got["metadata"]["files"][0]["name"], "mine.txt");
    let list = bob.get(&format!("/api/v4/channels/{cid}/posts")).json();
    assert_eq!(list["posts"][pid]["metadata"]["files"][0]["id"], mine["id"]);
    let infos = bob.get(&format!("/api/v4/posts/{pid}/files/info"));
    assert_eq!(infos.status, 200);
    assert_eq!(infos.json().as_array().unwrap().len(), 1);
    assert_eq!(infos.json()[0]["post_id"], pid);
    // Once attached, whoever reads the channel reads the file: carol is on the team (the
    // channel is public), dave is not.
    let carol = ts.user(&admin, "carol");
    admin.add_to_team(&tid, &carol.id());
    let dave = ts.user(&admin, "dave");
    let fid = mine["id"].as_str().unwrap();
    let (status, _, body) = carol.get_bytes(&format!("/api/v4/files/{fid}"));
    assert_eq!((status, body.as_slice()), (200, &b"mine"[..]));
    dave.get(&format!("/api/v4/files/{fid}"))
        .assert_error(403, "api.context.permissions.app_error");
    dave.get(&format!("/api/v4/posts/{pid}/files/info"))
        .assert_error(403, "api.context.permissions.app_error");
    // Too many ids for a post.
    let many: Vec<String> = (0..12)
        .map(|i| format!("abcdefghijklmnopqrstuvwx{i:02}"))
        .collect();
    bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "x", "file_ids": many}),
    )
    .assert_error(400, "model.post.is_valid.file_ids.app_error");
}

#[test]
fn deleting_a_post_or_dropping_a_file_stops_serving_it() {
    let ts = TestServer::start();
    let (admin, bob, cid) = setup(&ts);
    let a = upload_one(&bob, &cid, "a.txt", b"a");
    let b = upload_one(&bob, &cid, "b.txt", b"b");
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let post = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "two", "file_ids": [aid, bid]}),
    );
    let pid = post.json()["id"].as_str().unwrap().to_string();
    // A reply with a file: the root's deletion takes it too.
    let c = upload_one(&bob, &cid, "c.txt", b"c");
    let cfid = c["id"].as_str().unwrap();
    let reply = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "re", "root_id": pid, "file_ids": [cfid]}),
    );
    assert_eq!(reply.status, 201);
    // An edit that drops b: b is no longer served, a still is.
    let r = bob.put(
        &format!("/api/v4/posts/{pid}/patch"),
        &json!({"file_ids": [aid]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["file_ids"], json!([aid]));
    assert_eq!(r.json()["metadata"]["files"].as_array().unwrap().len(), 1);
    bob.get(&format!("/api/v4/files/{bid}"))
        .assert_error(404, "app.file_info.get.app_error");
    assert_eq!(bob.get(&format!("/api/v4/files/{aid}")).status, 200);
    // Deleting the root: every file of the thread goes.
    assert_eq!(bob.delete(&format!("/api/v4/posts/{pid}")).status, 200);
    for id in [aid, cfid] {
        bob.get(&format!("/api/v4/files/{id}"))
            .assert_error(404, "app.file_info.get.app_error");
        bob.get(&format!("/api/v4/files/{id}/info"))
            .assert_error(404, "app.file_info.get.app_error");
    }
    // An admin still sees the rows with include_deleted.
    let infos = admin.get(&format!(
        "/api/v4/posts/{pid}/files/info?include_deleted=true"
    ));
    assert_eq!(infos.status, 200, "{}", infos.body);
    assert!(infos
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["delete_at"] != 0));
    bob.get(&format!(
        "/api/v4/posts/{pid}/files/info?include_deleted=true"
    ))
    .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn public_links_only_when_enabled_and_only_with_the_right_hash() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let f = upload_one(&bob, &cid, "shared.txt", b"for everyone");
    let fid = f["id"].as_str().unwrap().to_string();
    bob.get(&format!("/api/v4/files/{fid}/link"))
        .assert_error(403, "api.file.get_public_link.disabled.app_error");
    ts.anon()
        .get(&format!("/files/{fid}/public?h=x"))
        .assert_error(403, "api.file.get_public_link.disabled.app_error");
    let (dir, mut config) = ts.stop();
    config.files.enable_public_link = true;
    let ts = TestServer::start_in(dir, config);
    let bob = ts.login("bob", "bob-password");
    bob.get(&format!("/api/v4/files/{fid}/link"))
        .assert_error(400, "api.file.get_public_link.no_post.app_error");
    let r = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "see file", "file_ids": [fid]}),
    );
    assert_eq!(r.status, 201);
    let link = bob.get(&format!("/api/v4/files/{fid}/link"));
    assert_eq!(link.status, 200, "{}", link.body);
    let link = link.json()["link"].as_str().unwrap().to_string();
    let path = link.strip_prefix(&ts.url).expect("link on the site URL");
    assert!(path.starts_with(&format!("/files/{fid}/public?h=")));
    let (status, _, body) = ts.anon().get_bytes(path);
    assert_eq!((status, body.as_slice()), (200, &b"for everyone"[..]));
    // The hash is stable across restarts (the salt is stored), and checked.
    let (dir, config) = ts.stop();
    let ts = TestServer::start_in(dir, config);
    assert_eq!(ts.anon().get_bytes(path).0, 200);
    ts.anon()
        .get(&format!("/files/{fid}/public?h=AAAA"))
        .assert_error(400, "api.file.get_file.public_invalid.app_error");
    ts.anon()
        .get(&format!("/files/{fid}/public"))
        .assert_error(400, "api.file.get_file.public_invalid.app_error");
}

#[test]
fn files_and_their_posts_survive_a_restart() {
    let ts = TestServer::start();
    let (_admin, bob, cid) = setup(&ts);
    let bytes = binary(200_000);
    let f = upload_one(&bob, &cid, "keep.bin", &bytes);
    let img = upload_one(&bob, &cid, "keep.png", &png(300, 300));
    let fid = f["id"].as_str().unwrap().to_string();
    let iid = img["id"].as_str().unwrap().to_string();
    let r = bob.post(
        "/api/v4/posts",
        &json!({"channel_id": cid, "message": "kept", "file_ids": [fid, iid]}),
    );
    let pid = r.json()["id"].as_str().unwrap().to_string();
    let (dir, config) = ts.stop();
    let ts = TestServer::start_in(dir, config);
    let bob = ts.login("bob", "bob-password");
    let (status, _, body) = bob.get_bytes(&format!("/api/v4/files/{fid}"));
    assert_eq!(status, 200);
    assert_eq!(body, bytes);
    let post = bob.get(&format!("/api/v4/posts/{pid}")).json();
    assert_eq!(post["metadata"]["files"].as_array().unwrap().len(), 2);
    // The image's thumbnail is made, before or after the restart.
    eventually("the thumbnail after a restart", || {
        bob.get_bytes(&format!("/api/v4/files/{iid}/thumbnail")).0 == 200
    });
}

#[test]
fn large_uploads_are_spooled_not_refused_and_bodies_past_the_limit_are() {
    let ts = TestServer::start_with(|c| c.files.max_file_size = 8 << 20);
    let (_admin, bob, cid) = setup(&ts);
    // 6 MiB: far beyond MaximumPayloadSizeBytes, which bounds bodies held in memory.
    let big = binary(6 << 20);
    let f = upload_one(&bob, &cid, "big.bin", &big);
    assert_eq!(f["size"], 6 << 20);
    let (status, _, body) = bob.get_bytes(&format!("/api/v4/files/{}", f["id"].as_str().unwrap()));
    assert_eq!(status, 200);
    assert!(body == big, "the 6 MiB file came back different");
    let r = bob.post_raw(
        &format!("/api/v4/files?channel_id={cid}&filename=raw.bin"),
        "application/octet-stream",
        &big,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // A body announced beyond MaxFileSize (and the form's room) is refused unread; other
    // routes keep their in-memory limit.
    let answer = announce(
        &ts,
        &bob,
        &format!("/api/v4/files?channel_id={cid}&filename=h.bin"),
        9 << 20,
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("api.file.upload_file.too_large_detailed.app_error"),
        "{answer}"
    );
    let answer = announce(&ts, &bob, "/api/v4/posts", 1 << 20);
    assert!(
        answer.contains("api.context.request_body_too_large.app_error"),
        "{answer}"
    );
}

/// Sends only a request's head announcing `len` body bytes, and reads the answer.
fn announce(ts: &TestServer, c: &Client, path: &str, len: usize) -> String {
    use std::io::{Read, Write};
    let addr = ts.url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let token = c.token.as_deref().unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// The fixture the client scripts expect: team `alpha`, channel `general-talk`, and carol (a
/// plain member of both); returns the server and the digests the server stored, by name.
fn client_fixture() -> TestServer {
    let ts = TestServer::start();
    let admin = ts.admin();
    let team = admin.create_team("alpha");
    let tid = team["id"].as_str().unwrap();
    let ch = admin.create_channel(tid, "general-talk", "O");
    let carol = ts.user(&admin, "carol");
    admin.add_to_team(tid, &carol.id());
    admin.add_to_channel(ch["id"].as_str().unwrap(), &carol.id());
    ts
}

/// The files of the post a client script made, hashed from the server's side.
fn server_digests(ts: &TestServer, out: &str) -> (Value, Value) {
    use sha2::{Digest, Sha256};
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    let carol = ts.login("carol", "carol-password");
    let post_id = v["post_id"].as_str().unwrap();
    let infos = carol
        .get(&format!("/api/v4/posts/{post_id}/files/info"))
        .json();
    let mut mine = serde_json::Map::new();
    for f in infos.as_array().unwrap() {
        let (_, _, body) = carol.get_bytes(&format!("/api/v4/files/{}", f["id"].as_str().unwrap()));
        let hex: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        mine.insert(f["name"].as_str().unwrap().to_string(), Value::from(hex));
    }
    (v["digests"].clone(), Value::Object(mine))
}

#[test]
fn mattermostdriver_uploads_posts_and_downloads_files() {
    let ts = client_fixture();
    let port = ts.url.rsplit(':').next().unwrap().to_string();
    let args = [
        "http",
        "127.0.0.1",
        &port,
        "carol",
        "carol-password",
        "alpha",
        "general-talk",
    ];
    let out = crate::common::scripts::run_python("mmdriver_files.py", &args, "");
    let (theirs, ours) = server_digests(&ts, &out);
    assert_eq!(theirs, ours);
    assert_eq!(ours.as_object().unwrap().len(), 2);
}

#[test]
fn client4_uploads_posts_and_downloads_files() {
    let ts = client_fixture();
    let args = [
        ts.url.as_str(),
        "carol",
        "carol-password",
        "alpha",
        "general-talk",
    ];
    let out = crate::common::scripts::run_node("client4_files.mjs", "@mattermost/client", &args);
    let (theirs, ours) = server_digests(&ts, &out);
    assert_eq!(theirs, ours);
    assert_eq!(ours.as_object().unwrap().len(), 2);
}

/// Every way a client reads posts carries `metadata.files` for a post with files (the web app
/// opens a channel on the unread page and drew no picture after a reload without it).
#[test]
fn every_post_list_carries_the_files_metadata() {
    let srv = TestServer::start();
    let (admin, _bob, tid) = srv.admin_and_bob_on_acme();
    let ts = admin.town_square(&tid);
    let f = upload_one(&admin, &ts, "notes.txt", b"some notes");
    let r = admin.post(
        "/api/v4/posts",
        &json!({"channel_id": ts, "message": "with searchable notes", "file_ids": [f["id"]]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let pid = id_of(&r.json());
    let reply = admin.post(
        "/api/v4/posts",
        &json!({"channel_id": ts, "message": "a reply", "root_id": pid}),
    );
    assert_eq!(reply.status, 201);
    let has_files = |post: &Value, how: &str| {
        assert_eq!(post["metadata"]["files"][0]["id"], f["id"], "{how}: {post}");
    };
    has_files(&admin.get(&format!("/api/v4/posts/{pid}")).json(), "get");
    let lists = [
        (
            "channel",
            admin.get(&format!("/api/v4/channels/{ts}/posts")).json(),
        ),
        (
            "thread",
            admin.get(&format!("/api/v4/posts/{pid}/thread")).json(),
        ),
        (
            "unread",
            admin
                .get(&format!("/api/v4/users/me/channels/{ts}/posts/unread"))
                .json(),
        ),
        (
            "search",
            admin
                .post(
                    &format!("/api/v4/teams/{tid}/posts/search"),
                    &json!({"terms": "searchable"}),
                )
                .json(),
        ),
    ];
    for (how, list) in &lists {
        has_files(&list["posts"][pid.as_str()], how);
    }
    let by_ids = admin.post("/api/v4/posts/ids", &json!([pid])).json();
    has_files(&by_ids[0], "ids");
}
