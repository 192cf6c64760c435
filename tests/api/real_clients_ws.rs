//! Real clients on the WebSocket: mattermostdriver 7.3.2's `init_websocket`, an mmpy_bot 2.2.1
//! bot end to end (ping → pong in the thread and a reaction), and `@mattermost/client`'s
//! `WebSocketClient` under Node's built-in WebSocket.

use crate::bots::{create_bot, create_token};
use crate::common::scripts::{run_node, run_python};
use crate::common::TestServer;
use serde_json::Value;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn with_tokens() -> TestServer {
    TestServer::start_with(|c| {
        c.service.enable_bot_account_creation = true;
        c.service.enable_user_access_tokens = true;
    })
}

#[test]
fn mattermostdriver_init_websocket_gets_hello_and_posted() {
    let ts = with_tokens();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = id(&admin.create_channel(&tid, "listen", "O"));
    admin.add_to_channel(&cid, &bob.id());
    // The listener authenticates by challenge with a personal access token.
    let (_, pat) = create_token(&admin, &bob.id());
    let out = run_python(
        "mmdriver_ws.py",
        &[&ts.url, &pat, admin.token.as_deref().unwrap(), &cid],
        "",
    );
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["me"], "bob");
    assert!(v["seq"].as_i64().unwrap() >= 1);
}

#[test]
fn an_mmpy_bot_answers_ping_with_pong_and_a_reaction() {
    let ts = with_tokens();
    let admin = ts.admin();
    let team = admin.create_team("alpha");
    let tid = id(&team);
    let cid = id(&admin.create_channel(&tid, "bots", "O"));
    let bot = create_bot(&admin, "pingbot");
    let bot_id = bot["user_id"].as_str().unwrap().to_string();
    admin.add_to_team(&tid, &bot_id);
    admin.add_to_channel(&cid, &bot_id);
    let (_, token) = create_token(&admin, &bot_id);
    let out = run_python(
        "mmpy_bot_ping.py",
        &[
            &ts.url,
            &token,
            admin.token.as_deref().unwrap(),
            &cid,
            &bot_id,
        ],
        "",
    );
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap()).unwrap();
    assert_eq!(v["reaction"], "white_check_mark");
}

#[test]
fn mattermost_client_websocket_gets_hello_posted_typing_and_reactions() {
    let ts = TestServer::start();
    let (admin, bob, tid) = ts.admin_and_bob_on_acme();
    let cid = id(&admin.create_channel(&tid, "node", "O"));
    admin.add_to_channel(&cid, &bob.id());
    let out = run_node(
        "client4_ws.mjs",
        "@mattermost/client",
        &[
            &ts.url,
            admin.token.as_deref().unwrap(),
            bob.token.as_deref().unwrap(),
            &cid,
        ],
    );
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap()).unwrap();
    let events: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for e in ["hello", "posted", "typing", "reaction_added"] {
        assert!(events.contains(&e), "{events:?}");
    }
}
