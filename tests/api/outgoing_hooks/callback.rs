//! The callback request (`outgoing/payload.rs`): every field in JSON and in form encoding,
//! every URL of a hook, and the Standard Webhooks signature checked by the real
//! `standardwebhooks` package.

use super::*;

#[test]
fn callback_json_carries_every_field() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["build"], "callback_urls": [format!("{}/cb?x=1", rx.url)],
               "content_type": "application/json"}),
    );
    let post = w.admin.create_post(&w.dev, "build it & ship ü");
    let got = rx.next(20).expect("callback");
    assert_eq!(got.method, "POST");
    assert_eq!(got.url, "/cb?x=1");
    assert_eq!(got.header("Content-Type"), Some("application/json"));
    assert_eq!(got.header("Accept"), Some("application/json"));
    assert_eq!(got.header("User-Agent"), Some("Mattermost-Bot/1.1"));
    assert!(got.header("Authorization").is_none());
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 12, "{v}");
    assert_eq!(v["token"], h["token"]);
    assert_eq!(v["team_id"], w.tid.as_str());
    assert_eq!(v["team_domain"], "acme");
    assert_eq!(v["channel_id"], w.dev.as_str());
    assert_eq!(v["channel_name"], "dev");
    assert_eq!(v["timestamp"], post["create_at"]);
    assert!(v["timestamp"].is_i64());
    assert_eq!(v["user_id"], w.admin.id().as_str());
    assert_eq!(v["user_name"], "admin");
    assert_eq!(v["post_id"], post["id"]);
    assert_eq!(v["text"], "build it & ship ü");
    assert_eq!(v["trigger_word"], "build");
    assert_eq!(v["file_ids"], "");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(got.header("webhook-id"), d["id"].as_str());
    assert_eq!(d["state"], "delivered");
}

#[test]
fn callback_form_carries_every_field_with_seconds() {
    let w = world();
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["build"], "callback_urls": [rx.url],
               "content_type": "text/plain"}),
    );
    let post = w.admin.create_post(&w.dev, "build a+b = c&d");
    let got = rx.next(20).expect("callback");
    assert_eq!(
        got.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = got.body_str();
    let keys: Vec<&str> = body
        .split('&')
        .map(|kv| kv.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "channel_id",
            "channel_name",
            "file_ids",
            "post_id",
            "team_domain",
            "team_id",
            "text",
            "timestamp",
            "token",
            "trigger_word",
            "user_id",
            "user_name"
        ],
        "form keys are sorted like Go's url.Values"
    );
    assert!(body.contains("text=build+a%2Bb+%3D+c%26d"), "{body}");
    let f = form(&got.body);
    assert_eq!(f["token"], h["token"].as_str().unwrap());
    assert_eq!(f["team_id"], w.tid);
    assert_eq!(f["team_domain"], "acme");
    assert_eq!(f["channel_id"], w.dev);
    assert_eq!(f["channel_name"], "dev");
    assert_eq!(
        f["timestamp"],
        (post["create_at"].as_i64().unwrap() / 1000).to_string()
    );
    assert_eq!(f["user_id"], w.admin.id());
    assert_eq!(f["user_name"], "admin");
    assert_eq!(f["post_id"], post["id"].as_str().unwrap());
    assert_eq!(f["text"], "build a+b = c&d");
    assert_eq!(f["trigger_word"], "build");
    assert_eq!(f["file_ids"], "");
}

#[test]
fn callback_goes_to_every_url_of_the_hook() {
    let w = world();
    let (a, b) = (ok_receiver(), ok_receiver());
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["x"], "callback_urls": [a.url, b.url]}),
    );
    w.admin.create_post(&w.dev, "x");
    assert!(a.next(20).is_some());
    assert!(b.next(20).is_some());
    assert_eq!(deliveries(&w.admin, &id_of(&h)).len(), 2);
}

#[test]
fn signature_is_verified_by_the_standardwebhooks_package() {
    let w = world();
    let rx = ok_receiver();
    let mut secrets = Vec::new();
    for (word, ctype) in [("j", "application/json"), ("f", "")] {
        let h = create_hook(
            &w.admin,
            json!({"team_id": w.tid, "trigger_words": [word], "callback_urls": [rx.url],
                   "content_type": ctype}),
        );
        secrets.push(h["signing_secret"].as_str().unwrap().to_string());
        w.admin.create_post(&w.dev, &format!("{word} signed ü"));
    }
    for _ in 0..2 {
        let got = rx.next(20).expect("callback");
        let is_json = got.header("Content-Type") == Some("application/json");
        let secret = if is_json { &secrets[0] } else { &secrets[1] };
        let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now - ts).abs() < 60, "timestamp in seconds: {ts}");
        assert!(got.header("webhook-signature").unwrap().starts_with("v1,"));
        let input = json!({
            "secret": secret,
            "headers": {
                "webhook-id": got.header("webhook-id").unwrap(),
                "webhook-timestamp": got.header("webhook-timestamp").unwrap(),
                "webhook-signature": got.header("webhook-signature").unwrap(),
            },
            "body": got.body_str(),
            "other_secret": if is_json { &secrets[1] } else { &secrets[0] },
        });
        let out = run_python("verify_standard_webhook.py", &[], &input.to_string());
        assert_eq!(out.trim(), "verified", "{out}");
    }
}
