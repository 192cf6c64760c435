//! The real Python `mattermostdriver` plays a user and an integration: it posts a button,
//! clicks it, opens a dialog with the trigger id and submits it.

use super::*;
use crate::common::scripts::run_python;

#[test]
fn mattermostdriver_clicks_a_button_opens_a_dialog_and_submits_it() {
    let fx = fx();
    let mut ws = socket(&fx.ts, &fx.admin);
    let port = fx.ts.url.rsplit(':').next().unwrap().to_string();
    let out = run_python(
        "mmdriver_actions.py",
        &[
            "http",
            "127.0.0.1",
            &port,
            "admin",
            "admin-password",
            &fx.tid,
            &fx.dev,
        ],
        "",
    );
    assert!(out.contains("ok"), "{out}");
    let (ev, _) = ws.until("open_dialog");
    let d: Value = serde_json::from_str(ev["data"]["dialog"].as_str().unwrap()).unwrap();
    assert_eq!(d["dialog"]["title"], "Why?");
    let (_, eph) = post_event(&mut ws, "ephemeral_message");
    assert_eq!(eph["message"], "Thanks");
    let log = call_log(
        &fx.admin,
        &format!("/api/v4/users/{}/actions", fx.admin.id()),
    );
    let kinds: Vec<&str> = log.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["dialog_submit", "action", "dialog_open"]);
}
