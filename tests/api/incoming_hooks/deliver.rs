//! `hooks/incoming.rs`'s `deliver`: every error with Mattermost's status and id, idempotency
//! keys, the delivery log and its cap, the hook cache, concurrent senders, and membership or
//! archive changes seen at once.

use super::*;

#[test]
fn post_hook_errors_have_mattermost_status_and_ids() {
    let e = Acme::new();
    let h = create_hook(&e.admin, json!({"channel_id": e.dev}));
    let hid = id_of(&h);
    let unknown = "u".repeat(26);
    let general =
        |r: Resp, status: u16, reason: &str| assert_hook_error(&r, status, GENERAL, reason);

    general(
        send_json(&e.ts, &unknown, &json!({"text": "x"})),
        400,
        "web.incoming_webhook.invalid.app_error",
    );
    general(
        send_json(&e.ts, "short", &json!({"text": "x"})),
        400,
        "web.incoming_webhook.invalid.app_error",
    );
    // The empty-message check comes before the hook lookup.
    general(
        send_json(&e.ts, &unknown, &json!({})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": ""})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"attachments": []})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"attachments": [null]})),
        400,
        "web.incoming_webhook.text.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "@nobody"})),
        400,
        "web.incoming_webhook.user.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "#nowhere"})),
        404,
        "web.incoming_webhook.channel.app_error",
    );
    let old = e.admin.create_channel(&e.tid, "old", "O");
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/channels/{}", id_of(&old)))
            .status,
        200
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "channel": "old"})),
        404,
        "web.incoming_webhook.channel.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "type": "system_join_channel"}),
        ),
        400,
        "api.context.invalid_param.app_error",
    );
    general(
        send_json(&e.ts, &hid, &json!({"text": "x", "type": "weird"})),
        500,
        "api.post.create_webhook_post.creating.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "priority": {"requested_ack": true}}),
        ),
        400,
        "api.context.invalid_param.app_error",
    );
    general(
        send_json(
            &e.ts,
            &hid,
            &json!({"text": "x", "root_id": "r".repeat(26)}),
        ),
        400,
        "api.post.create_post.root_id.app_error",
    );

    // Locked hooks cannot move; private channels need the owner's membership.
    let locked = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "channel_locked": true}),
    ));
    general(
        send_json(
            &e.ts,
            &locked,
            &json!({"text": "x", "channel": "town-square"}),
        ),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    );
    general(
        send_json(&e.ts, &locked, &json!({"text": "x", "channel": "@bob"})),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    );
    assert_eq!(
        send_json(&e.ts, &locked, &json!({"text": "x", "channel": "dev"})).status,
        200
    );
    e.admin.create_channel(&e.tid, "secret", "P");
    let bobs = id_of(&create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "user_id": e.bob.id()}),
    ));
    general(
        send_json(&e.ts, &bobs, &json!({"text": "x", "channel": "secret"})),
        403,
        "web.incoming_webhook.permissions.app_error",
    );
    // The hook's owner needs no membership of a public channel.
    assert_eq!(
        send_json(&e.ts, &bobs, &json!({"text": "x", "channel": "dev"})).status,
        200
    );

    // Other methods and deeper paths are not webhook endpoints.
    assert_eq!(e.ts.anon().get(&format!("/hooks/{hid}")).status, 404);
    // (`/hooks/{id}/github` and the other tools are `integrations_e2e.rs`'s.)
    for path in [
        format!("/hooks/{hid}/nosuchtool"),
        format!("/hooks/{hid}/github/x"),
    ] {
        let r = e.ts.anon().post_raw(&path, "application/json", b"{}");
        r.assert_error(404, "api.context.404.app_error");
    }
    // A failed call created nothing.
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 2);
    assert_eq!(e.admin.channel_posts(&e.town).len(), 0);
}

fn send_with_key(ts: &TestServer, hook: &str, key: &str, v: &Value) -> Resp {
    ts.anon().request(
        "POST",
        &format!("/hooks/{hook}"),
        Some(("application/json", v.to_string().into_bytes())),
        &[("Idempotency-Key", key)],
    )
}

#[test]
fn post_hook_idempotency_key_creates_one_post() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let other = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let first = send_with_key(&e.ts, &hid, "delivery-1", &json!({"text": "once"}));
    let post = sent_post(&e.admin, &first);
    let again = send_with_key(&e.ts, &hid, "delivery-1", &json!({"text": "once"}));
    assert_eq!(again.status, 200);
    assert_eq!(again.body, "ok");
    assert_eq!(again.header("X-Post-Id"), first.header("X-Post-Id"));
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 1);
    // Keys are per hook; a new key posts again.
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &other, "delivery-1", &json!({"text": "other hook"})),
    );
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &hid, "delivery-2", &json!({"text": "twice"})),
    );
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 3);
    // A failed call is not remembered: the sender's retry goes through.
    let r = send_with_key(
        &e.ts,
        &hid,
        "delivery-3",
        &json!({"text": "x", "channel": "nowhere"}),
    );
    assert_eq!(r.status, 404);
    sent_post(
        &e.admin,
        &send_with_key(&e.ts, &hid, "delivery-3", &json!({"text": "fixed"})),
    );
    let log = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hid}/deliveries"))
        .json();
    let repeat = log
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["duplicate"] == true)
        .unwrap();
    assert_eq!(repeat["post_id"], post["id"]);
    assert_eq!(repeat["idempotency_key"], "delivery-1");
    let r = send_with_key(&e.ts, &hid, &"k".repeat(256), &json!({"text": "x"}));
    assert_hook_error(
        &r,
        400,
        GENERAL,
        "perch.incoming_webhook.idempotency_key.app_error",
    );
}

#[test]
fn post_hook_concurrent_repeats_of_one_key_create_one_post() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let url = e.ts.url.clone();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (url, hid) = (url.clone(), hid.clone());
            std::thread::spawn(move || {
                let c = Client::new(&url, None);
                let r = c.request(
                    "POST",
                    &format!("/hooks/{hid}"),
                    Some(("application/json", br#"{"text": "race"}"#.to_vec())),
                    &[("Idempotency-Key", "same")],
                );
                assert_eq!(r.status, 200, "{}", r.body);
                r.header("X-Post-Id").unwrap().to_string()
            })
        })
        .collect();
    let ids: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 1);
}

#[test]
fn list_deliveries_records_every_call() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let path = format!("/api/v4/hooks/incoming/{hid}/deliveries");
    let ok = send_json(&e.ts, &hid, &json!({"text": "logged"}));
    let post_id = ok.header("X-Post-Id").unwrap().to_string();
    let bad = send(&e.ts, &hid, "application/json", b"{broken");
    let empty = send_json(&e.ts, &hid, &json!({"text": ""}));
    assert_eq!((bad.status, empty.status), (400, 400));
    let big = format!("{{\"text\": \"{}\"}}", "z".repeat(10_000));
    assert_eq!(
        send(&e.ts, &hid, "application/json", big.as_bytes()).status,
        200
    );
    let log = e.admin.get(&path).json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    // Newest first.
    assert_eq!(log[0]["body_size"], big.len());
    assert_eq!(log[0]["body_truncated"], true);
    assert_eq!(log[0]["body"].as_str().unwrap().len(), 4096);
    assert_eq!(log[1]["status_code"], 400);
    assert_eq!(log[1]["error_id"], "web.incoming_webhook.text.app_error");
    assert_eq!(
        log[2]["error_id"],
        "model.incoming_hook.parse_data.app_error"
    );
    assert_eq!(log[2]["body"], "{broken");
    let first = &log[3];
    assert_eq!(first["status_code"], 200);
    assert_eq!(first["error_id"], "");
    assert_eq!(first["post_id"], post_id.as_str());
    assert_eq!(first["id"].as_str(), ok.header("X-Request-Id"));
    assert_eq!(first["remote_addr"], "127.0.0.1");
    assert_eq!(first["content_type"], "application/json");
    assert_eq!(first["body"], r#"{"text":"logged"}"#);
    assert_eq!(first["hook_id"], hid.as_str());
    assert!(first["create_at"].as_i64().unwrap() > 0);
    // Paging, and hook managers only.
    assert_eq!(
        e.admin.get(&format!("{path}?per_page=1&page=1")).json()[0]["status_code"],
        400
    );
    e.bob
        .get(&path)
        .assert_error(403, "api.context.permissions.app_error");
}

#[test]
fn delivery_log_is_capped_per_hook() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    for i in 0..105 {
        // Failures are logged too and are cheaper to make than posts.
        let r = send_json(
            &e.ts,
            &hid,
            &json!({"text": i.to_string(), "channel": "nowhere"}),
        );
        assert_eq!(r.status, 404);
    }
    let log = e
        .admin
        .get(&format!(
            "/api/v4/hooks/incoming/{hid}/deliveries?per_page=200"
        ))
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 100);
    assert_eq!(log[0]["body"], r#"{"channel":"nowhere","text":"104"}"#);
    assert_eq!(log[99]["body"], r#"{"channel":"nowhere","text":"5"}"#);
    // Older rows are dropped from the database too (every 256th insert trims).
    for i in 105..262 {
        send_json(
            &e.ts,
            &hid,
            &json!({"text": i.to_string(), "channel": "nowhere"}),
        );
    }
    let db = raw_db(&e.ts);
    let rows: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM incoming_webhook_deliveries",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!((100..=110).contains(&rows), "{rows} rows kept");
}

#[test]
fn delivery_logs_of_hooks_called_in_turn_are_each_capped() {
    // Two hooks called strictly in turn: each log is trimmed by its own count of rows.
    let e = Acme::new();
    let hids = [
        id_of(&create_hook(&e.admin, json!({"channel_id": e.dev}))),
        id_of(&create_hook(&e.admin, json!({"channel_id": e.dev}))),
    ];
    for i in 0..262 {
        for hid in &hids {
            let r = send_json(
                &e.ts,
                hid,
                &json!({"text": i.to_string(), "channel": "nowhere"}),
            );
            assert_eq!(r.status, 404);
        }
    }
    let db = raw_db(&e.ts);
    for hid in &hids {
        let rows: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM incoming_webhook_deliveries WHERE hook_id = ?1",
                [hid],
                |r| r.get(0),
            )
            .unwrap();
        assert!((100..=110).contains(&rows), "{rows} rows kept for {hid}");
    }
}

#[test]
fn post_hook_cache_follows_updates_and_deletes() {
    let e = Acme::new();
    let h = create_hook(&e.admin, json!({"channel_id": e.dev}));
    let hid = id_of(&h);
    let p = sent_post(&e.admin, &send_json(&e.ts, &hid, &json!({"text": "one"})));
    assert_eq!(p["channel_id"], e.dev.as_str());
    let mut moved = h.clone();
    moved["channel_id"] = json!(e.town);
    moved["display_name"] = json!("renamed");
    assert_eq!(
        e.admin
            .put(&format!("/api/v4/hooks/incoming/{hid}"), &moved)
            .status,
        201
    );
    let p = sent_post(&e.admin, &send_json(&e.ts, &hid, &json!({"text": "two"})));
    assert_eq!(p["channel_id"], e.town.as_str());
    assert_eq!(p["props"]["webhook_display_name"], "renamed");
    assert_eq!(
        e.admin
            .delete(&format!("/api/v4/hooks/incoming/{hid}"))
            .status,
        200
    );
    let r = send_json(&e.ts, &hid, &json!({"text": "three"}));
    assert_hook_error(&r, 400, GENERAL, "web.incoming_webhook.invalid.app_error");
}

#[test]
fn post_hook_concurrent_senders_all_succeed() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let (url, hid) = (e.ts.url.clone(), hid.clone());
            std::thread::spawn(move || {
                let c = Client::new(&url, None);
                (0..10)
                    .map(|i| {
                        let body = json!({"text": format!("t{t} m{i}")})
                            .to_string()
                            .into_bytes();
                        let r = c.post_raw(&format!("/hooks/{hid}"), "application/json", &body);
                        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
                        r.header("X-Post-Id").unwrap().to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 160);
    assert_eq!(e.admin.channel_posts(&e.dev).len(), 160);
    let ch = e.admin.get(&format!("/api/v4/channels/{}", e.dev)).json();
    assert_eq!(ch["total_msg_count"], 160);
    let log = e
        .admin
        .get(&format!(
            "/api/v4/hooks/incoming/{hid}/deliveries?per_page=200"
        ))
        .json();
    assert_eq!(log.as_array().unwrap().len(), 100);
}

#[test]
fn deliver_sees_membership_and_archive_changes_at_once() {
    // The hot path keeps channels, owners and memberships in memory: a change must count
    // from the very next call.
    let e = Acme::new();
    let secret = id_of(&e.admin.create_channel(&e.tid, "secret", "P"));
    e.admin.add_to_channel(&secret, &e.bob.id());
    let h = create_hook(
        &e.admin,
        json!({"channel_id": secret, "user_id": e.bob.id()}),
    );
    let hook = id_of(&h);
    let post = sent_post(&e.admin, &send_json(&e.ts, &hook, &json!({"text": "one"})));
    assert_eq!(post["user_id"], e.bob.id().as_str());
    let r = e
        .admin
        .delete(&format!("/api/v4/channels/{secret}/members/{}", e.bob.id()));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send_json(&e.ts, &hook, &json!({"text": "two"}));
    assert_hook_error(
        &r,
        403,
        GENERAL,
        "web.incoming_webhook.permissions.app_error",
    );
    e.admin.add_to_channel(&secret, &e.bob.id());
    sent_post(
        &e.admin,
        &send_json(&e.ts, &hook, &json!({"text": "three"})),
    );
    // Archiving the channel: the next call finds no hook.
    assert_eq!(
        e.admin.delete(&format!("/api/v4/channels/{secret}")).status,
        200
    );
    let r = send_json(&e.ts, &hook, &json!({"text": "six"}));
    assert_hook_error(&r, 400, GENERAL, "web.incoming_webhook.invalid.app_error");
    // The hook's posts, besides the archive's system message.
    let texts: Vec<String> = e
        .admin
        .channel_posts(&secret)
        .iter()
        .filter(|p| p["type"] == "")
        .map(|p| p["message"].as_str().unwrap_or("").to_string())
        .filter(|m| !m.is_empty())
        .collect();
    assert_eq!(texts, ["three", "one"]);
}

/// A read-only SQLite connection of the test's own to the server's database, for counting
/// rows no endpoint shows (the server's `store::Reader` runs no SQL outside `store/`).
fn raw_db(ts: &TestServer) -> rusqlite::Connection {
    let path = ts.running.as_ref().unwrap().app.config.db_path();
    rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap()
}
