//! Files from integrations (a Perch extension): a `multipart/form-data` call to an incoming
//! webhook with the Slack payload in a `payload` part (or its fields as parts) and file parts
//! posts with the files attached (`curl -F` itself is one of the senders); outgoing-webhook and
//! slash-command answers attach what the integration's bot uploaded (`file_ids`).

use crate::common::{Acme, Client, MockReceiver, Reply, TestServer};
use crate::files::{multipart, upload_one};
use serde_json::{json, Value};
use std::time::Duration;

fn create_hook(c: &Client, channel_id: &str) -> String {
    let r = c.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": channel_id, "display_name": "nightly"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn send(ts: &TestServer, hook: &str, parts: &[(&str, Option<&str>, &[u8])]) -> crate::common::Resp {
    let (ct, body) = multipart(parts);
    ts.anon().post_raw(&format!("/hooks/{hook}"), &ct, &body)
}

/// The post a call created (its `X-Post-Id`), as bob reads it.
fn post_of(e: &Acme, r: &crate::common::Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.header("X-Post-Id").expect("X-Post-Id");
    let p = e.bob.get(&format!("/api/v4/posts/{id}"));
    assert_eq!(p.status, 200, "{}", p.body);
    p.json()
}

fn stored_files(ts: &TestServer) -> usize {
    fn walk(d: &std::path::Path) -> usize {
        std::fs::read_dir(d)
            .map(|es| {
                es.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            walk(&p)
                        } else {
                            usize::from(!p.to_string_lossy().contains(".perch-tmp"))
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&ts.dir.0.join("data"))
}

#[test]
fn curl_dash_f_posts_the_report_with_its_file() {
    let e = Acme::new();
    let hook = create_hook(&e.admin, &e.dev);
    let dir = crate::common::TempDir::new();
    let report = dir.0.join("report.html");
    let html = b"<html><body><h1>Nightly</h1><script>alert(1)</script></body></html>\n";
    std::fs::write(&report, html).unwrap();
    // The README's line, as it is.
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "-i",
            "-F",
            r#"payload={"text":"nightly report"}"#,
            "-F",
            &format!("files=@{}", report.display()),
            &format!("{}/hooks/{hook}", e.ts.url),
        ])
        .output()
        .expect("curl runs");
    let answer = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    let post_id = answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("X-Post-Id: ")
                .or_else(|| l.strip_prefix("x-post-id: "))
        })
        .expect("X-Post-Id")
        .trim()
        .to_string();
    let post = e.bob.get(&format!("/api/v4/posts/{post_id}")).json();
    assert_eq!(post["message"], "nightly report");
    assert_eq!(post["props"]["from_webhook"], "true");
    let files = post["metadata"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(post["file_ids"], json!([files[0]["id"]]));
    assert_eq!(files[0]["name"], "report.html");
    assert_eq!(files[0]["user_id"], e.admin.id());
    assert_eq!(files[0]["post_id"], post_id);
    // Any member of the channel downloads it, byte for byte, as an inert attachment.
    let (status, headers, body) = e.bob.get_bytes(&format!(
        "/api/v4/files/{}",
        files[0]["id"].as_str().unwrap()
    ));
    assert_eq!(status, 200);
    assert_eq!(body, html);
    let ct = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
        .unwrap();
    assert_eq!(ct.1, "text/plain");
    // The delivery log records the file.
    let log = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}/deliveries"));
    assert_eq!(log.status, 200, "{}", log.body);
    let row = &log.json()[0];
    assert_eq!(row["status_code"], 200);
    assert_eq!(row["post_id"], post_id);
    assert_eq!(row["files"][0]["name"], "report.html");
    assert_eq!(row["files"][0]["size"], html.len());
    assert_eq!(row["files"][0]["id"], files[0]["id"]);
}

#[test]
fn fields_as_parts_several_files_and_no_text() {
    let e = Acme::new();
    let hook = create_hook(&e.admin, &e.dev);
    // Slack fields as parts, file parts before and after them.
    let r = send(
        &e.ts,
        &hook,
        &[
            ("log", Some("build.log"), b"line 1\nline 2\n"),
            ("text", None, b"build **42** failed"),
            ("metrics", Some("metrics.csv"), b"a,b\n1,2\n"),
        ],
    );
    let post = post_of(&e, &r);
    assert_eq!(post["message"], "build **42** failed");
    let names: Vec<&str> = post["metadata"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["build.log", "metrics.csv"]);
    // Files alone make a post.
    let r = send(&e.ts, &hook, &[("files", Some("only.txt"), b"just a file")]);
    let post = post_of(&e, &r);
    assert_eq!(post["message"], "");
    assert_eq!(post["file_ids"].as_array().unwrap().len(), 1);
    // A long message is split; the files go with its last part.
    let long = "x".repeat(20_000);
    let payload = json!({ "text": long }).to_string();
    let r = send(
        &e.ts,
        &hook,
        &[
            ("payload", None, payload.as_bytes()),
            ("files", Some("a.txt"), b"a"),
        ],
    );
    let last = post_of(&e, &r);
    assert_eq!(last["file_ids"].as_array().unwrap().len(), 1);
    let posts = e.bob.channel_posts(&e.dev);
    let first_part = posts
        .iter()
        .find(|p| p["message"].as_str().unwrap().len() == 16383)
        .unwrap();
    assert_eq!(first_part["file_ids"], json!([]));
}

#[test]
fn hook_limits_apply_and_refused_calls_store_nothing() {
    let e = Acme::with(|c| c.files.max_file_size = 4096);
    let hook = create_hook(&e.admin, &e.dev);
    let payload = br#"{"text":"x"}"#;
    // Eleven files: one more than a post carries.
    let names: Vec<String> = (0..11).map(|i| format!("f{i}.txt")).collect();
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("payload", None, payload)];
    for n in &names {
        parts.push(("files", Some(n.as_str()), b"x"));
    }
    send(&e.ts, &hook, &parts).assert_error(400, "web.incoming_webhook.general.app_error");
    // A file over MaxFileSize.
    let big = vec![b'z'; 4097];
    send(
        &e.ts,
        &hook,
        &[
            ("payload", None, payload),
            ("files", Some("ok.txt"), b"fine"),
            ("files", Some("big.bin"), &big),
        ],
    )
    .assert_error(413, "api.file.upload_file.too_large_detailed.app_error");
    // A path for a name.
    send(
        &e.ts,
        &hook,
        &[("payload", None, payload), ("files", Some("../.."), b"x")],
    )
    .assert_error(400, "api.file.upload_file.invalid_name.app_error");
    assert_eq!(stored_files(&e.ts), 0, "refused calls left files behind");
    assert!(e.bob.channel_posts(&e.dev).is_empty());
    // The log shows the refusals, with their reasons.
    let log = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}/deliveries"))
        .json();
    let reasons: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "api.file.upload_file.invalid_name.app_error",
            "api.file.upload_file.too_large_detailed.app_error",
            "perch.incoming_webhook.too_many_files.app_error"
        ]
    );
    // With attachments off, a call with files is refused, one without is not.
    let e = Acme::with(|c| c.files.enable_file_attachments = false);
    let hook = create_hook(&e.admin, &e.dev);
    send(
        &e.ts,
        &hook,
        &[("payload", None, payload), ("files", Some("a.txt"), b"x")],
    )
    .assert_error(403, "api.file.attachments.disabled.app_error");
    let r = send(&e.ts, &hook, &[("payload", None, payload)]);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn a_large_file_streams_through_a_webhook() {
    let e = Acme::with(|c| c.files.max_file_size = 8 << 20);
    let hook = create_hook(&e.admin, &e.dev);
    let big: Vec<u8> = (0..(5 << 20)).map(|i: u32| (i % 253) as u8).collect();
    let r = send(
        &e.ts,
        &hook,
        &[
            ("payload", None, br#"{"text":"dump"}"#),
            ("files", Some("dump.bin"), &big),
        ],
    );
    let post = post_of(&e, &r);
    let fid = post["file_ids"][0].as_str().unwrap();
    let (status, _, body) = e.bob.get_bytes(&format!("/api/v4/files/{fid}"));
    assert_eq!(status, 200);
    assert!(body == big, "the file came back different");
    // The log keeps the body's start and its true size.
    let log = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}/deliveries"))
        .json();
    assert!(log[0]["body_size"].as_u64().unwrap() > 5 << 20);
    assert_eq!(log[0]["body_truncated"], true);
}

/// A bot owned by the admin, in the team and `dev`, with a token: how an integration uploads.
fn reporter_bot(e: &Acme) -> (String, Client) {
    let r = e
        .admin
        .post("/api/v4/bots", &json!({"username": "reporter"}));
    assert_eq!(r.status, 201, "{}", r.body);
    let bot_id = r.json()["user_id"].as_str().unwrap().to_string();
    e.admin.add_to_team(&e.tid, &bot_id);
    e.admin.add_to_channel(&e.dev, &bot_id);
    let t = e.admin.post(
        &format!("/api/v4/users/{bot_id}/tokens"),
        &json!({"description": "uploads"}),
    );
    assert_eq!(t.status, 200, "{}", t.body);
    let token = t.json()["token"].as_str().unwrap().to_string();
    (bot_id, Client::new(&e.ts.url, Some(token)))
}

fn integrations_world() -> Acme {
    Acme::with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
        c.service.allowed_untrusted_internal_connections = "127.0.0.0/8".into();
    })
}

#[test]
fn outgoing_webhook_answers_attach_what_the_integrations_bot_uploaded() {
    let e = integrations_world();
    let (_bot_id, bot) = reporter_bot(&e);
    e.admin.add_to_channel(&e.dev, &e.bob.id());
    let chart = upload_one(&bot, &e.dev, "chart.png", b"\x89PNG not really");
    let foreign = upload_one(&e.bob, &e.dev, "bobs.txt", b"bob's");
    let ids = json!([chart["id"], foreign["id"]]);
    let receiver = MockReceiver::start(move |_, _| {
        Reply::json(json!({"text": "here is the chart", "file_ids": ids}))
    });
    let r = e.admin.post(
        "/api/v4/hooks/outgoing",
        &json!({"team_id": e.tid, "channel_id": e.dev, "trigger_words": ["chart"],
                "callback_urls": [receiver.url]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    e.bob.create_post(&e.dev, "chart please");
    let answer = crate::common::eventually(Duration::from_secs(20), "the answer post", || {
        e.bob
            .channel_posts(&e.dev)
            .into_iter()
            .find(|p| p["message"] == "here is the chart")
    });
    // The bot's file is attached; bob's own upload is not the integration's to attach.
    assert_eq!(answer["file_ids"], json!([chart["id"]]));
    assert_eq!(answer["metadata"]["files"][0]["name"], "chart.png");
    assert_eq!(answer["user_id"], e.admin.id());
    let fid = chart["id"].as_str().unwrap();
    assert_eq!(e.bob.get_bytes(&format!("/api/v4/files/{fid}")).0, 200);
    let info = e.bob.get(&format!(
        "/api/v4/files/{}/info",
        foreign["id"].as_str().unwrap()
    ));
    assert!(info.json().get("post_id").is_none());
}

#[test]
fn slash_command_answers_attach_what_the_integrations_bot_uploaded() {
    let e = integrations_world();
    let (_bot_id, bot) = reporter_bot(&e);
    let report = upload_one(&bot, &e.dev, "weekly.pdf", b"%PDF-1.4 weekly");
    let fid = report["id"].clone();
    let receiver = MockReceiver::start(move |_, _| {
        Reply::json(
            json!({"response_type": "in_channel", "text": "weekly report", "file_ids": [fid]}),
        )
    });
    let r = e.admin.post(
        "/api/v4/commands",
        &json!({"team_id": e.tid, "trigger": "weekly", "url": receiver.url, "method": "P"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    e.admin.add_to_channel(&e.dev, &e.bob.id());
    let r = e.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": e.dev, "command": "/weekly"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let post = crate::common::eventually(Duration::from_secs(20), "the command's post", || {
        e.bob
            .channel_posts(&e.dev)
            .into_iter()
            .find(|p| p["message"] == "weekly report")
    });
    assert_eq!(post["file_ids"], json!([report["id"]]));
    assert_eq!(post["user_id"], e.bob.id());
    assert_eq!(post["metadata"]["files"][0]["name"], "weekly.pdf");
}
