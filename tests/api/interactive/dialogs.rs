//! Interactive dialogs: trigger ids from slash commands and clicks, `dialogs/open` (the
//! `open_dialog` event to that user only), trigger ids that expire or name another user, and
//! `dialogs/submit` with the integration's answers.

use super::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

fn deploy_dialog(url: &str) -> Value {
    json!({
        "url": url,
        "dialog": {
            "callback_id": "deploy-1",
            "title": "Deploy",
            "introduction_text": "Where to?",
            "elements": [
                {"display_name": "Environment", "name": "env", "type": "select",
                 "options": [{"text": "Staging", "value": "staging"}, {"text": "Prod", "value": "prod"}]},
                {"display_name": "Reason", "name": "why", "type": "textarea", "max_length": 500},
                {"display_name": "Notify", "name": "notify", "type": "bool", "optional": true},
                {"display_name": "Owner", "name": "owner", "type": "select", "data_source": "users"},
                {"display_name": "Mode", "name": "mode", "type": "radio",
                 "options": [{"text": "Fast", "value": "fast"}], "default": "fast"}
            ],
            "submit_label": "Go",
            "notify_on_cancel": true,
            "state": "opaque-state"
        }
    })
}

fn open(ts: &TestServer, body: &Value) -> Resp {
    ts.anon().post("/api/v4/actions/dialogs/open", body)
}

fn submit(c: &Client, body: &Value) -> Resp {
    c.post("/api/v4/actions/dialogs/submit", body)
}

/// The dialog of an `open_dialog` event.
fn opened(ws: &mut Ws) -> (Value, Value) {
    let (ev, _) = ws.until("open_dialog");
    let d: Value = serde_json::from_str(ev["data"]["dialog"].as_str().unwrap()).unwrap();
    (ev, d)
}

#[test]
fn a_command_opens_a_dialog_for_its_user_and_submissions_reach_the_integration() {
    let fx = fx();
    let perch = fx.ts.url.clone();
    let (opened_tx, opened_rx) = mpsc::channel();
    let opened_tx = Mutex::new(opened_tx);
    let submits = AtomicUsize::new(0);
    let recv = MockReceiver::start(move |_, rec| match rec.url.as_str() {
        "/cmd" => {
            // The integration opens its dialog with the command's trigger id, then answers.
            let trigger = field(&form(rec), "trigger_id");
            let mut body = deploy_dialog(&format!("http://{}/submit", rec.header("Host").unwrap()));
            body["trigger_id"] = json!(trigger);
            let r = Client::new(&perch, None).post("/api/v4/actions/dialogs/open", &body);
            let _ = opened_tx.lock().unwrap().send((r.status, r.body));
            Reply::json(json!({}))
        }
        _ => match submits.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(json!({"errors": {"why": "Say why", "env": "Pick one"}})),
            _ => Reply::text(200, ""),
        },
    });
    let cmd = command(&fx.admin, &fx.tid, "deploy", &format!("{}/cmd", recv.url));
    let mut bob_ws = socket(&fx.ts, &fx.bob);
    let mut admin_ws = socket(&fx.ts, &fx.admin);
    let r = exec(&fx.bob, &fx.dev, "/deploy");
    assert_eq!(r.status, 200, "{}", r.body);
    let client_trigger = r.json()["trigger_id"].as_str().unwrap().to_string();
    assert_eq!(client_trigger.len(), 26);
    assert_eq!(recv.next(5).expect("the command was called").url, "/cmd");
    let (status, body) = opened_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"status": "OK"})
    );

    let (ev, d) = opened(&mut bob_ws);
    assert_eq!(ev["broadcast"]["user_id"], fx.bob.id().as_str());
    assert_eq!(d["trigger_id"], client_trigger.as_str());
    assert!(d["url"].as_str().unwrap().ends_with("/submit"), "{d}");
    assert_eq!(d["dialog"]["title"], "Deploy");
    assert_eq!(d["dialog"]["callback_id"], "deploy-1");
    assert_eq!(d["dialog"]["state"], "opaque-state");
    assert_eq!(d["dialog"]["notify_on_cancel"], true);
    let els = d["dialog"]["elements"].as_array().unwrap();
    assert_eq!(els.len(), 5);
    assert_eq!(
        els[0]["options"][1],
        json!({"text": "Prod", "value": "prod"})
    );
    assert_eq!(els[3]["data_source"], "users");
    no_event(&mut admin_ws, "open_dialog", Duration::from_millis(500));

    let url = d["url"].as_str().unwrap().to_string();
    let sub = json!({"url": url, "callback_id": "deploy-1", "state": "opaque-state",
        "channel_id": fx.dev, "team_id": fx.tid, "user_id": "someone-else",
        "submission": {"env": null, "why": "", "notify": true, "n": 3}, "cancelled": false});
    let r = submit(&fx.bob, &sub);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"errors": {"why": "Say why", "env": "Pick one"}})
    );
    let (rec, got) = next_call(&recv);
    assert_eq!(rec.url, "/submit");
    assert_eq!(rec.header("Content-Type"), Some("application/json"));
    assert_eq!(
        got,
        json!({"type": "dialog_submission", "callback_id": "deploy-1", "state": "opaque-state",
               "user_id": fx.bob.id(), "channel_id": fx.dev, "team_id": fx.tid,
               "submission": {"env": null, "why": "", "notify": true, "n": 3}, "cancelled": false})
    );
    let r = submit(&fx.bob, &sub);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({}));

    let log = call_log(
        &fx.admin,
        &format!("/api/v4/commands/{}/actions", id_of(&cmd)),
    );
    let kinds: Vec<&str> = log.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["dialog_submit", "dialog_submit", "dialog_open"]);
    assert_eq!(log[2]["note"], "");
    assert_eq!(log[2]["user_id"], fx.bob.id().as_str());
    assert!(log[1]["response"].as_str().unwrap().contains("Say why"));
}

/// The receiver of a command that only records its trigger ids.
fn trigger_recorder() -> (MockReceiver, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let recv = MockReceiver::start(move |_, rec| {
        if rec.url == "/cmd" {
            s.lock().unwrap().push(field(&form(rec), "trigger_id"));
        }
        Reply::json(json!({}))
    });
    (recv, seen)
}

#[test]
fn trigger_ids_expire_name_their_user_and_may_be_reused_until_then() {
    let fx = fx_with(|c| c.service.outgoing_integration_requests_timeout = 1);
    let (recv, seen) = trigger_recorder();
    command(&fx.admin, &fx.tid, "form", &format!("{}/cmd", recv.url));
    let mut bob_ws = socket(&fx.ts, &fx.bob);
    let mut admin_ws = socket(&fx.ts, &fx.admin);
    assert_eq!(exec(&fx.bob, &fx.dev, "/form").status, 200);
    let trigger = seen.lock().unwrap()[0].clone();
    let mut body = deploy_dialog(&format!("{}/submit", recv.url));
    body["trigger_id"] = json!(trigger);
    // Reusable within its lifetime (no one-time check).
    assert_eq!(open(&fx.ts, &body).status, 200);
    assert_eq!(open(&fx.ts, &body).status, 200);
    opened(&mut bob_ws);
    opened(&mut bob_ws);
    // The same trigger id made out to the admin: the signature no longer holds.
    let decoded = String::from_utf8(STANDARD.decode(&trigger).unwrap()).unwrap();
    let forged = STANDARD.encode(decoded.replacen(&fx.bob.id(), &fx.admin.id(), 1));
    let mut f = body.clone();
    f["trigger_id"] = json!(forged);
    open(&fx.ts, &f).assert_error(
        400,
        "interactive_message.decode_trigger_id.verify_signature_failed",
    );
    no_event(&mut admin_ws, "open_dialog", Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(1100));
    open(&fx.ts, &body).assert_error(400, "interactive_message.decode_trigger_id.expired");
    no_event(&mut bob_ws, "open_dialog", Duration::from_millis(300));

    for (bad, id) in [
        (
            "%%%",
            "interactive_message.decode_trigger_id.base64_decode_failed",
        ),
        (
            &STANDARD.encode("only:three:parts") as &str,
            "interactive_message.decode_trigger_id.missing_data",
        ),
    ] {
        let mut b = body.clone();
        b["trigger_id"] = json!(bad);
        open(&fx.ts, &b).assert_error(400, id);
    }
    let mut no_url = body.clone();
    no_url["url"] = json!("");
    open(&fx.ts, &no_url).assert_error(400, "api.context.invalid_body_param.app_error");
    fx.ts
        .anon()
        .post_raw("/api/v4/actions/dialogs/open", "application/json", b"{nope")
        .assert_error(400, "api.context.invalid_body_param.app_error");
}

#[test]
fn a_click_hands_the_integration_a_trigger_id_for_a_dialog() {
    let fx = fx();
    let perch = fx.ts.url.clone();
    let recv = MockReceiver::start(move |_, rec| {
        let call: Value = serde_json::from_slice(&rec.body).unwrap();
        // An oversized title and an unknown element type: Mattermost opens it anyway.
        let body = json!({"trigger_id": call["trigger_id"], "url": "http://127.0.0.1:9/x",
            "dialog": {"title": "A title far longer than twenty-four bytes",
                       "elements": [{"display_name": "X", "name": "x", "type": "slider"}]}});
        let r = Client::new(&perch, None).post("/api/v4/actions/dialogs/open", &body);
        assert_eq!(r.status, 200, "{}", r.body);
        Reply::json(json!({}))
    });
    let hook = incoming_hook(&fx.admin, &fx.dev);
    let post = hook_post(
        &fx.ts,
        &fx.bob,
        &hook,
        &json!({"attachments": [attachment(vec![button("ask", "Ask", &recv.url, json!({}))])]}),
    );
    let mut ws = socket(&fx.ts, &fx.bob);
    let client_trigger = click_ok(&fx.bob, &id_of(&post), "ask", json!({}));
    let (_, d) = opened(&mut ws);
    assert_eq!(d["trigger_id"], client_trigger.as_str());
    assert_eq!(d["dialog"]["elements"][0]["type"], "slider");
    let log = call_log(&fx.admin, &format!("/api/v4/hooks/incoming/{hook}/actions"));
    let open_row = log.iter().find(|r| r["kind"] == "dialog_open").unwrap();
    let note = open_row["note"].as_str().unwrap();
    assert!(note.contains("title") && note.contains("slider"), "{note}");
}

#[test]
fn submissions_are_checked_and_answers_relayed() {
    let fx = fx();
    let recv = MockReceiver::start(|_, rec| match rec.url.as_str() {
        "/garbage" => Reply::text(200, "<html>"),
        "/bogus" => Reply::json(json!({"type": "bogus"})),
        "/fails" => Reply::text(503, "down"),
        "/next" => Reply::json(json!({"type": "form", "form": {"title": "Step 2",
            "elements": [{"display_name": "Why", "name": "why", "type": "text"}]}})),
        _ => Reply::json(json!({"error": "Not now"})),
    });
    let body = |path: &str| {
        json!({"url": format!("{}{path}", recv.url), "callback_id": "c", "state": "s",
               "channel_id": fx.dev, "team_id": fx.tid, "submission": {"a": "b"}})
    };
    let mut b = body("/x");
    b["url"] = json!("");
    submit(&fx.bob, &b).assert_error(400, "api.context.invalid_body_param.app_error");
    fx.bob
        .post_raw("/api/v4/actions/dialogs/submit", "application/json", b"[]")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let mut b = body("/x");
    b["channel_id"] = json!("");
    submit(&fx.bob, &b).assert_error(404, "app.channel.get.existing.app_error");
    let private = id_of(&fx.admin.create_channel(&fx.tid, "ops", "P"));
    let mut b = body("/x");
    b["channel_id"] = json!(private);
    submit(&fx.bob, &b).assert_error(403, "api.context.permissions.app_error");
    // An empty team fails even for a system admin; a team of others fails for bob.
    for (c, team) in [(&fx.admin, ""), (&fx.bob, "abcdefghijklmnopqrstuvwxyz")] {
        let mut b = body("/x");
        b["team_id"] = json!(team);
        let r = submit(c, &b);
        assert_error_detail(&r, 403, "api.context.permissions.app_error", "view_team");
    }
    no_call(&recv);

    let r = submit(&fx.bob, &body("/x"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"error": "Not now"}));
    let (_, got) = next_call(&recv);
    assert_eq!(got["type"], "dialog_submission");
    assert!(got.get("url").is_none());
    // A refresh (newer multi-step forms) keeps its type.
    let mut b = body("/x");
    b["type"] = json!("refresh");
    assert_eq!(submit(&fx.bob, &b).status, 200);
    assert_eq!(next_call(&recv).1["type"], "refresh");
    let r = submit(&fx.bob, &body("/next"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["form"]["title"], "Step 2");
    next_call(&recv);
    submit(&fx.bob, &body("/garbage"))
        .assert_error(500, "app.submit_interactive_dialog.decode_json_error");
    submit(&fx.bob, &body("/bogus"))
        .assert_error(400, "app.submit_interactive_dialog.invalid_response");
    let r = submit(&fx.bob, &body("/fails"));
    assert_error_detail(
        &r,
        400,
        "api.post.do_action.action_integration.app_error",
        "status=503",
    );
    // Submissions without a recorded open are logged for system admins.
    let all = call_log(&fx.admin, "/api/v4/actions/calls");
    assert!(all.len() >= 6, "{all:?}");
    assert!(all
        .iter()
        .all(|r| r["kind"] == "dialog_submit" && r["source_kind"] == ""));
    assert_eq!(
        all[0]["error_id"],
        "api.post.do_action.action_integration.app_error"
    );
}
