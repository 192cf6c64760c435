//! `hooks/incoming.rs`'s `handle` (and `hooks/multipart.rs`): every encoding a call to
//! `POST /hooks/{id}` may use, every way decoding fails, and the body limit.

use super::*;

#[test]
fn post_hook_plain_json_fixture_with_overrides() {
    let e = Acme::with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    });
    let h = create_hook(
        &e.admin,
        json!({"channel_id": e.dev, "display_name": "Deploys"}),
    );
    let r = send(
        &e.ts,
        &id_of(&h),
        "application/json",
        &fixture("plain_text.json"),
    );
    let p = sent_post(&e.admin, &r);
    // "channel": "town-square" moves the post (the hook is unlocked).
    assert_eq!(p["channel_id"], e.town.as_str());
    assert_eq!(p["user_id"], e.admin.id().as_str());
    assert_eq!(
        p["message"],
        "Deploy of *acme-api* `v1.4.2` to production finished :tada:\nChangelog: \
         [v1.4.1...v1.4.2](https://git.example.com/acme/api/compare/v1.4.1...v1.4.2) (ping @here)"
    );
    assert_eq!(p["type"], "");
    assert_eq!(p["root_id"], "");
    assert_eq!(
        p["props"],
        json!({"from_webhook": "true", "webhook_display_name": "Deploys",
               "override_username": "deploy-bot", "override_icon_emoji": ":rocket:"})
    );
}

#[test]
fn post_hook_accepts_every_encoding() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let body = br#"{"text": "hello"}"#;
    for ct in [
        "application/json",
        "application/json;charset=utf-8",
        "APPLICATION/JSON; charset=\"UTF-8\"",
        "",
        "text/plain",
    ] {
        let p = sent_post(&e.admin, &send(&e.ts, &hid, ct, body));
        assert_eq!(p["message"], "hello", "content type {ct:?}");
    }
    // Form-encoded `payload=` (the exact fixture body).
    let p = sent_post(
        &e.admin,
        &send(
            &e.ts,
            &hid,
            "application/x-www-form-urlencoded",
            &fixture("form_encoded_payload.txt"),
        ),
    );
    let decoded: Value =
        serde_json::from_slice(&fixture("form_encoded_payload.decoded.json")).unwrap();
    assert_eq!(p["message"], decoded["text"]);
    // The form's payload may come from the query string.
    let q = format!("payload={}", "%7B%22text%22%3A%22from+query%22%7D");
    let r = e.ts.anon().post_raw(
        &format!("/hooks/{hid}?{q}"),
        "application/x-www-form-urlencoded",
        b"",
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "from query");
    // Multipart with a `payload` field.
    let mp = |fields: &[(&str, &str)]| {
        let mut b = String::new();
        for (k, v) in fields {
            b.push_str(&format!(
                "--BOUND\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        b.push_str("--BOUND--\r\n");
        b.into_bytes()
    };
    let ct = "multipart/form-data; boundary=BOUND";
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("payload", r#"{"text": "multi\npart"}"#)]),
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "multi\npart");
    // Multipart with Mattermost's form field names.
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("text", "fields"), ("channelname", "town-square")]),
    );
    let p = sent_post(&e.admin, &r);
    assert_eq!(
        (p["message"].as_str(), p["channel_id"].as_str()),
        (Some("fields"), Some(e.town.as_str()))
    );
    let r = send(
        &e.ts,
        &hid,
        ct,
        &mp(&[("text", "x"), ("attachments", "[]")]),
    );
    assert_hook_error(&r, 400, DECODE, "model.incoming_hook.parse_data.app_error");
    // Raw newlines and tabs inside JSON strings are tolerated, as Slack and Mattermost do.
    let r = send(
        &e.ts,
        &hid,
        "application/json",
        b"{\"text\": \"line 1\nline\t2\"}",
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "line 1\nline\t2");
    // matterhook sends `"text": null` with attachments.
    let r = send_json(
        &e.ts,
        &hid,
        &json!({"text": null, "attachments": [{"text": "a"}]}),
    );
    assert_eq!(sent_post(&e.admin, &r)["message"], "");
}

#[test]
fn post_hook_decoding_errors() {
    let e = Acme::new();
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let before = e.admin.channel_posts(&e.dev).len();
    let cases: &[(&str, &[u8], &str, &str)] = &[
        (
            "application/",
            b"{}",
            "web.incoming_webhook.media_type.app_error",
            "web.incoming_webhook.media_type.app_error",
        ),
        (
            "application/x-www-form-urlencoded",
            b"payload=%zz",
            "web.incoming_webhook.parse_form.app_error",
            "web.incoming_webhook.parse_form.app_error",
        ),
        (
            "application/x-www-form-urlencoded",
            b"other=1",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "multipart/form-data",
            b"--x\r\n",
            "web.incoming_webhook.parse_multipart.app_error",
            "web.incoming_webhook.parse_multipart.app_error",
        ),
        (
            "multipart/form-data; boundary=x",
            b"garbage",
            "web.incoming_webhook.parse_multipart.app_error",
            "web.incoming_webhook.parse_multipart.app_error",
        ),
        (
            "application/json",
            b"{\"text\": ",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            b"{\"text\": 5}",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            b"[\"text\"]",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            br#"{"text": "x", "attachments": [{"fields": [{"short": "maybe"}]}]}"#,
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "application/json",
            br#"{"text": "x", "attachments": {"text": "x"}}"#,
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
        (
            "",
            b"payload={\"text\": \"x\"}",
            DECODE,
            "model.incoming_hook.parse_data.app_error",
        ),
    ];
    for (ct, body, outer, reason) in cases {
        let r = send(&e.ts, &hid, ct, body);
        assert_eq!(
            r.status,
            400,
            "{ct} {:?}: {}",
            String::from_utf8_lossy(body),
            r.body
        );
        assert_hook_error(&r, 400, outer, reason);
    }
    assert_eq!(e.admin.channel_posts(&e.dev).len(), before);
}

#[test]
fn post_hook_body_over_the_limit_is_400() {
    let e = Acme::with(|c| c.service.maximum_payload_size_bytes = 1000);
    let hid = id_of(&create_hook(&e.admin, json!({"channel_id": e.dev})));
    let r = send_json(&e.ts, &hid, &json!({"text": "x".repeat(2000)}));
    r.assert_error(400, DECODE);
}
