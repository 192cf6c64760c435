//! Clicking: who may, unknown posts and actions, and every way the integration can fail —
//! each answered with Mattermost's error, nothing applied, nothing sent, and logged.

use super::*;
use std::time::Instant;

/// A webhook post in `channel` with one button (`go`) calling `url`; returns (post, hook).
fn button_post(fx: &Acme, channel: &str, url: &str) -> (String, String) {
    let hook = incoming_hook(&fx.admin, channel);
    let post = hook_post(
        &fx.ts,
        &fx.admin,
        &hook,
        &json!({"text": "Ship it?", "attachments": [attachment(vec![button("go", "Go", url, json!({"n": 1}))])]}),
    );
    (id_of(&post), hook)
}

#[test]
fn only_those_who_read_the_channel_may_click() {
    let fx = fx();
    let recv = integration(json!({}));
    let (pid, _) = button_post(&fx, &fx.dev, &recv.url);
    let carol = fx.ts.user(&fx.admin, "carol");
    fx.admin.add_to_team(&fx.tid, &carol.id());
    // carol may read the public channel's posts, but only members may click (read_channel_content).
    assert_eq!(carol.get(&format!("/api/v4/posts/{pid}")).status, 200);
    click(&carol, &pid, "go", json!({})).assert_error(403, "api.context.permissions.app_error");
    let private = id_of(&fx.admin.create_channel(&fx.tid, "ops", "P"));
    let (secret_pid, _) = button_post(&fx, &private, &recv.url);
    click(&fx.bob, &secret_pid, "go", json!({}))
        .assert_error(403, "api.context.permissions.app_error");
    no_call(&recv);
    click_ok(&fx.bob, &pid, "go", json!({}));
    next_call(&recv);
}

#[test]
fn unknown_posts_and_actions() {
    let fx = fx();
    let recv = integration(json!({}));
    let (pid, _) = button_post(&fx, &fx.dev, &recv.url);
    click(&fx.bob, "nope", "go", json!({}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    // An unknown post: a plain user cannot tell it from one they may not read.
    let unknown = "abcdefghijklmnopqrstuvwxyz";
    click(&fx.bob, unknown, "go", json!({})).assert_error(403, "api.context.permissions.app_error");
    click(&fx.admin, unknown, "go", json!({})).assert_error(404, "app.post.get.app_error");
    click(&fx.bob, &pid, "nosuchaction", json!({}))
        .assert_error(404, "api.post.do_action.action_id.app_error");
    // Ids outside [A-Za-z0-9] are kept but cannot be routed, as in Mattermost.
    let r = fx.bob.post(
        "/api/v4/posts",
        &json!({"channel_id": fx.dev, "message": "m", "props": {"attachments": [{"actions": [
            {"id": "my-action", "name": "Dash", "integration": {"url": recv.url}},
            {"id": "plain", "name": "No integration"}
        ]}]}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let p = r.json();
    assert_eq!(action_id(&p, "Dash"), "my-action");
    click(&fx.bob, &id_of(&p), "my-action", json!({}))
        .assert_error(404, "api.context.404.app_error");
    click(&fx.bob, &id_of(&p), "plain", json!({}))
        .assert_error(404, "api.post.do_action.action_id.app_error");
    // A deleted post.
    assert_eq!(fx.admin.delete(&format!("/api/v4/posts/{pid}")).status, 200);
    click(&fx.bob, &pid, "go", json!({})).assert_error(404, "app.post.get.app_error");
    no_call(&recv);
}

/// Clicks `url`'s button and expects the integration error with `detail`; checks that the
/// post did not change and the clicker got no ephemeral answer.
fn failing_click(fx: &Acme, ws: &mut Ws, url: &str, detail: &str) -> Value {
    let (pid, hook) = button_post(fx, &fx.dev, url);
    let before = get_post(&fx.bob, &pid);
    let r = click(&fx.bob, &pid, "go", json!({}));
    assert_error_detail(
        &r,
        400,
        "api.post.do_action.action_integration.app_error",
        detail,
    );
    assert_eq!(get_post(&fx.bob, &pid), before);
    no_event(ws, "ephemeral_message", Duration::from_millis(300));
    let log = call_log(&fx.admin, &format!("/api/v4/hooks/incoming/{hook}/actions"));
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0]["error_id"],
        "api.post.do_action.action_integration.app_error"
    );
    log[0].clone()
}

#[test]
fn integration_failures_are_reported_and_change_nothing() {
    let fx = fx();
    let mut ws = socket(&fx.ts, &fx.bob);
    let answer = json!({"update": {"message": "changed", "props": {}}, "ephemeral_text": "hi"});
    let recv = MockReceiver::start(move |_, rec| match rec.url.as_str() {
        "/slow" => Reply {
            delay: Duration::from_secs(3),
            ..Reply::json(answer.clone())
        },
        "/garbage" => Reply::text(200, "<html>oops</html>"),
        "/blank" => Reply::text(200, "  "),
        "/error" => Reply::text(500, "boom"),
        "/created" => Reply {
            status: 201,
            ..Reply::json(answer.clone())
        },
        "/wrong-type" => Reply::json(json!({"update": "x"})),
        "/huge" => Reply::text(200, &"x".repeat(2 << 20)),
        _ => Reply::json(answer.clone()),
    });
    let down = {
        let gone = MockReceiver::start(|_, _| Reply::json(json!({})));
        gone.url.clone()
    };
    let row = failing_click(&fx, &mut ws, &format!("{down}/act"), "request failed");
    assert_eq!(row["status_code"], 0);
    let started = Instant::now();
    let row = failing_click(&fx, &mut ws, &format!("{}/slow", recv.url), "timed out");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(row["latency_ms"].as_i64().unwrap() >= 1900, "{row}");
    let row = failing_click(
        &fx,
        &mut ws,
        &format!("{}/garbage", recv.url),
        "unreadable answer",
    );
    assert_eq!(row["status_code"], 200);
    assert_eq!(row["response"], "<html>oops</html>");
    failing_click(
        &fx,
        &mut ws,
        &format!("{}/blank", recv.url),
        "unreadable answer",
    );
    let row = failing_click(&fx, &mut ws, &format!("{}/error", recv.url), "status=500");
    assert_eq!(row["status_code"], 500);
    assert_eq!(row["response"], "boom");
    failing_click(&fx, &mut ws, &format!("{}/created", recv.url), "status=201");
    failing_click(
        &fx,
        &mut ws,
        &format!("{}/wrong-type", recv.url),
        "unreadable answer",
    );
    failing_click(&fx, &mut ws, &format!("{}/huge", recv.url), "larger than");
    // The same receiver answering well: everything applies.
    let (pid, _) = button_post(&fx, &fx.dev, &format!("{}/fine", recv.url));
    click_ok(&fx.bob, &pid, "go", json!({}));
    assert_eq!(get_post(&fx.bob, &pid)["message"], "changed");
    let (_, eph) = post_event(&mut ws, "ephemeral_message");
    assert_eq!(eph["message"], "hi");
}

#[test]
fn internal_addresses_are_refused_unless_allowed() {
    let fx = fx_with(|c| c.service.allowed_untrusted_internal_connections = String::new());
    let recv = integration(json!({"update": {"message": "changed"}}));
    let mut ws = socket(&fx.ts, &fx.bob);
    let row = failing_click(
        &fx,
        &mut ws,
        &recv.url,
        "AllowedUntrustedInternalConnections",
    );
    assert_eq!(row["status_code"], 0);
    no_call(&recv);
    // Plugin URLs are Mattermost plugins' (in-process there); Perch has none.
    failing_click(&fx, &mut ws, "/plugins/com.example/act", "plugin");
}

#[test]
fn updates_that_cannot_apply_send_nothing_else() {
    let fx = fx();
    let recv = MockReceiver::start(|_, rec| {
        if rec.url == "/long" {
            Reply::json(json!({"update": {"message": "x".repeat(16_384)}, "ephemeral_text": "no"}))
        } else {
            Reply::json(json!({"update": {"message": "archived?"}, "ephemeral_text": "no"}))
        }
    });
    let mut ws = socket(&fx.ts, &fx.bob);
    let (long_pid, hook) = button_post(&fx, &fx.dev, &format!("{}/long", recv.url));
    let r = click(&fx.bob, &long_pid, "go", json!({}));
    r.assert_error(400, "model.post.is_valid.message_length.app_error");
    next_call(&recv);
    assert_eq!(get_post(&fx.bob, &long_pid)["message"], "Ship it?");
    no_event(&mut ws, "ephemeral_message", Duration::from_millis(300));
    let log = call_log(&fx.admin, &format!("/api/v4/hooks/incoming/{hook}/actions"));
    assert_eq!(log[0]["status_code"], 200);
    assert_eq!(
        log[0]["error_id"],
        "model.post.is_valid.message_length.app_error"
    );

    let (pid, _) = button_post(&fx, &fx.dev, &format!("{}/archive", recv.url));
    assert_eq!(
        fx.admin
            .delete(&format!("/api/v4/channels/{}", fx.dev))
            .status,
        200
    );
    let r = click(&fx.bob, &pid, "go", json!({}));
    r.assert_error(
        400,
        "api.post.update_post.can_not_update_post_in_deleted.error",
    );
    next_call(&recv);
    assert_eq!(get_post(&fx.bob, &pid)["message"], "Ship it?");
    no_event(&mut ws, "ephemeral_message", Duration::from_millis(300));
}

#[test]
fn slow_integrations_hold_no_http_worker() {
    let fx = fx_with(|c| c.perch.http_workers = 2);
    // The receiver answers one call at a time: four take 1.6 s, within the 2 s timeout.
    let recv = MockReceiver::start(|_, _| Reply {
        delay: Duration::from_millis(400),
        ..Reply::json(json!({}))
    });
    let (pid, _) = button_post(&fx, &fx.dev, &recv.url);
    let clicks: Vec<_> = (0..4)
        .map(|_| {
            let bob = fx.bob.clone();
            let pid = pid.clone();
            std::thread::spawn(move || click(&bob, &pid, "go", json!({})).status)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(150));
    // Four calls in flight, two workers: the server still answers at once.
    let started = Instant::now();
    assert_eq!(fx.bob.get("/api/v4/users/me").status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    for c in clicks {
        assert_eq!(c.join().unwrap(), 200);
    }
}
