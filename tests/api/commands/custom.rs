//! `commands/custom.rs` and `commands/mod.rs`: executing a custom command against a real local
//! command server (both methods, every field sent, every kind of answer and error, the
//! timeout, the internal-address rule, no HTTP worker held), and its delayed responses
//! through `response_url` (`POST /hooks/commands/{id}`).

use super::*;

/// A command server answering every call with `reply`.
fn receiver(reply: Reply) -> MockReceiver {
    MockReceiver::start(move |_, _| reply.clone())
}

#[test]
fn execute_custom_post_sends_every_field_and_the_token() {
    let f = fx();
    let carol = f.ts.user(&f.admin, "carol");
    let _ = carol; // exists but is not in the team: not a mention
    let rx = receiver(Reply::json(json!({"text": "pong"})));
    let c = create_cmd(&f.admin, &f.tid, "Ping", &format!("{}/cmd", rx.url), "P");
    let r = run(
        &f.admin,
        &f.dev,
        "/PING  hello @bob. @carol ~off-topic ~dev @nobody",
    );
    let req = rx.next(20).expect("the command server was called");
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "/cmd");
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("Accept"), Some("application/json"));
    assert_eq!(req.header("User-Agent"), Some("Mattermost-Bot/1.1"));
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {}", s(&c["token"])).as_str())
    );
    let b = form(&req.body_str());
    assert_eq!(field(&b, "channel_id"), f.dev);
    assert_eq!(field(&b, "channel_name"), "dev");
    assert_eq!(field(&b, "command"), "/ping");
    assert_eq!(field(&b, "team_domain"), "acme");
    assert_eq!(field(&b, "team_id"), f.tid);
    assert_eq!(
        field(&b, "text"),
        " hello @bob. @carol ~off-topic ~dev @nobody"
    );
    assert_eq!(field(&b, "token"), s(&c["token"]));
    assert_eq!(field(&b, "user_id"), f.admin.id());
    assert_eq!(field(&b, "user_name"), "admin");
    assert_eq!(field(&b, "root_id"), "");
    let url = field(&b, "response_url");
    assert!(
        url.starts_with(&format!("{}/hooks/commands/", f.ts.url)),
        "{url}"
    );
    assert!(!field(&b, "trigger_id").is_empty());
    assert_eq!(all(&b, "user_mentions"), vec!["bob"]);
    assert_eq!(all(&b, "user_mentions_ids"), vec![f.bob.id()]);
    let mut chans = all(&b, "channel_mentions");
    chans.sort();
    assert_eq!(chans, vec!["dev", "off-topic"]);
    assert_eq!(all(&b, "channel_mentions_ids").len(), 2);
    // Keys are sorted, as Go's url.Values encodes them.
    let keys: Vec<&String> = b.iter().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The answer is ephemeral: returned, not stored.
    assert_eq!(r["text"], "pong");
    assert_eq!(r["response_type"], "");
    assert_eq!(s(&r["trigger_id"]).len(), 26);
    for k in COMMAND_RESPONSE_KEYS {
        assert!(r.get(k).is_some(), "{k} missing from {r}");
    }
    assert!(find_post(&f.admin, &f.dev, "pong").is_none());
}

#[test]
fn execute_custom_get_appends_the_query_and_sends_no_body() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "ephemeral", "text": "ok"}),
    ));
    let c = create_cmd(
        &f.admin,
        &f.tid,
        "look",
        &format!("{}/q?fixed=1", rx.url),
        "G",
    );
    let r = run(&f.bob, &f.town, "/look up");
    assert_eq!(r["text"], "ok");
    let req = rx.next(20).unwrap();
    assert_eq!(req.method, "GET");
    assert!(req.body.is_empty());
    let (path, query) = req.url.split_once('?').unwrap();
    assert_eq!(path, "/q");
    assert!(query.starts_with("fixed=1&"), "{query}");
    let q = form(query);
    assert_eq!(field(&q, "fixed"), "1");
    assert_eq!(field(&q, "text"), "up");
    assert_eq!(field(&q, "user_name"), "bob");
    assert_eq!(field(&q, "channel_name"), "town-square");
    assert_eq!(field(&q, "token"), s(&c["token"]));
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {}", s(&c["token"])).as_str())
    );
}

#[test]
fn execute_in_channel_posts_as_the_caller_in_the_thread() {
    let f = fx();
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel",
        "text": "<!channel> see <http://x.example/a|the doc>",
        "props": {"k": "v"},
    })));
    create_cmd(&f.admin, &f.tid, "say", &rx.url, "P");
    let r = run(&f.bob, &f.dev, "/say it");
    assert_eq!(r["text"], "@channel see [the doc](http://x.example/a)");
    let p = find_post(&f.bob, &f.dev, "@channel see [the doc](http://x.example/a)")
        .expect("the response was posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert_eq!(p["root_id"], "");
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["props"]["k"], "v");
    // Overrides are off by default.
    assert!(p["props"].get("override_username").is_none());
    // In a thread.
    let root = f.bob.create_post(&f.dev, "root");
    let root_id = s(&root["id"]);
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": f.dev, "command": "/say again", "team_id": f.tid, "root_id": root_id}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let first = form(&rx.next(20).unwrap().body_str());
    assert_eq!(field(&first, "root_id"), "");
    let second = form(&rx.next(20).unwrap().body_str());
    assert_eq!(field(&second, "root_id"), root_id);
    let thread = f.bob.get(&format!("/api/v4/posts/{root_id}/thread")).json();
    let replies: Vec<&Value> = thread["posts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|p| p["root_id"] == root_id.as_str())
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["user_id"], f.bob.id().as_str());
}

#[test]
fn execute_overrides_follow_config_and_the_command_wins() {
    let f = fx_on(server_with(|c| {
        c.service.enable_post_username_override = true;
        c.service.enable_post_icon_override = true;
    }));
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel", "text": "hi",
        "username": "from-response", "icon_url": "http://icons/resp.png",
    })));
    let r = f.admin.post(
        "/api/v4/commands",
        &json!({"team_id": f.tid, "trigger": "named", "url": rx.url, "method": "P",
                "username": "from-command"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    run(&f.bob, &f.dev, "/named");
    let p = find_post(&f.bob, &f.dev, "hi").unwrap();
    assert_eq!(p["props"]["override_username"], "from-command");
    assert_eq!(p["props"]["override_icon_url"], "http://icons/resp.png");
    assert_eq!(p["props"]["from_webhook"], "true");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    // Without command overrides the response's apply.
    create_cmd(&f.admin, &f.tid, "plain", &rx.url, "P");
    let dev2 = s(&f.admin.create_channel(&f.tid, "dev2", "O")["id"]);
    run(&f.admin, &dev2, "/plain");
    let p = find_post(&f.admin, &dev2, "hi").unwrap();
    assert_eq!(p["props"]["override_username"], "from-response");
    // A built-in in_channel post gets the icon prop but no from_webhook.
    run(&f.admin, &dev2, "/shrug");
    let p = find_post(&f.admin, &dev2, r"¯\\\_(ツ)\_/¯").unwrap();
    assert_eq!(p["props"]["override_icon_url"], "");
    assert!(p["props"].get("from_webhook").is_none());
}

#[test]
fn execute_goto_location_extra_responses_and_attachments() {
    let f = fx();
    let rx = receiver(Reply::json(json!({
        "response_type": "in_channel",
        "text": "main",
        "goto_location": "https://example.com/somewhere",
        "attachments": [{"text": "<http://a.example|A> <!here>", "fields": [{"title": "n", "value": 5, "short": true}]}],
        "extra_responses": [
            {"response_type": "in_channel", "text": "extra one"},
            {"response_type": "ephemeral", "text": "only for you"},
            {"response_type": "in_channel", "text": "<!here> raw <u|l>", "skip_slack_parsing": true, "type": "custom_kind"},
        ],
    })));
    create_cmd(&f.admin, &f.tid, "multi", &rx.url, "P");
    let r = run(&f.bob, &f.dev, "/multi");
    assert_eq!(r["goto_location"], "https://example.com/somewhere");
    assert_eq!(r["extra_responses"].as_array().unwrap().len(), 3);
    let main = find_post(&f.bob, &f.dev, "main").unwrap();
    assert_eq!(main["type"], "slack_attachment");
    let att = &main["props"]["attachments"][0];
    assert_eq!(att["text"], "[A](http://a.example) @here");
    assert_eq!(att["fields"][0]["value"], "5");
    let one = find_post(&f.bob, &f.dev, "extra one").unwrap();
    assert!(one["create_at"].as_i64() >= main["create_at"].as_i64());
    assert!(find_post(&f.bob, &f.dev, "only for you").is_none());
    let raw = find_post(&f.bob, &f.dev, "<!here> raw <u|l>").unwrap();
    assert_eq!(raw["type"], "custom_kind");
}

#[test]
fn execute_response_channel_id_needs_membership() {
    let f = fx();
    let other = s(&f.admin.create_channel(&f.tid, "elsewhere", "O")["id"]);
    let target = other.clone();
    let rx = MockReceiver::start(move |_, _| {
        Reply::json(json!({"response_type": "in_channel", "text": "moved", "channel_id": target}))
    });
    create_cmd(&f.admin, &f.tid, "move", &rx.url, "P");
    run(&f.admin, &f.dev, "/move");
    assert!(find_post(&f.admin, &other, "moved").is_some());
    assert!(find_post(&f.admin, &f.dev, "moved").is_none());
    // bob is not in `elsewhere`.
    exec(&f.bob, &f.dev, "/move").assert_error(
        500,
        "api.command.execute_command.create_post_failed.app_error",
    );
}

#[test]
fn execute_response_with_system_type_is_400() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "in_channel", "text": "x", "type": "system_join_channel"}),
    ));
    create_cmd(&f.admin, &f.tid, "sys", &rx.url, "P");
    exec(&f.admin, &f.dev, "/sys").assert_error(400, "api.context.invalid_param.app_error");
    assert!(find_post(&f.admin, &f.dev, "x").is_none());
}

#[test]
fn execute_in_channel_text_over_the_limit_is_500() {
    let f = fx();
    let rx = receiver(Reply::json(
        json!({"response_type": "in_channel", "text": "x".repeat(16_384)}),
    ));
    create_cmd(&f.admin, &f.tid, "long", &rx.url, "P");
    exec(&f.admin, &f.dev, "/long").assert_error(
        500,
        "api.command.execute_command.create_post_failed.app_error",
    );
}

#[test]
fn execute_plain_text_and_html_answers_become_ephemeral_text() {
    let f = fx();
    let plain = receiver(Reply::text(200, "just text"));
    create_cmd(&f.admin, &f.tid, "plain", &plain.url, "P");
    let r = run(&f.admin, &f.dev, "/plain");
    assert_eq!(r["text"], "just text");
    assert_eq!(r["response_type"], "");
    let mut html = Reply::text(200, "<html><body>Login</body></html>");
    html.content_type = "text/html; charset=utf-8".into();
    let web = receiver(html);
    create_cmd(&f.admin, &f.tid, "web", &web.url, "P");
    let r = run(&f.admin, &f.dev, "/web");
    assert_eq!(r["text"], "<html><body>Login</body></html>");
    assert!(find_post(&f.admin, &f.dev, "just text").is_none());
}

#[test]
fn execute_garbage_json_or_error_status_is_500() {
    let f = fx();
    let mut garbage = Reply::text(200, "{not json");
    garbage.content_type = "application/json; charset=utf-8".into();
    let rx = receiver(garbage);
    create_cmd(&f.admin, &f.tid, "bad", &rx.url, "P");
    let r = exec(&f.admin, &f.dev, "/bad");
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    let rx2 = receiver(Reply::text(503, "down for maintenance"));
    create_cmd(&f.admin, &f.tid, "sick", &rx2.url, "P");
    let r = exec(&f.admin, &f.dev, "/sick");
    r.assert_error(500, "api.command.execute_command.failed_resp.app_error");
    // The integration's body is only in detailed_error (developer mode in tests).
    assert_eq!(r.json()["detailed_error"], "down for maintenance");
    assert!(!r.body.contains("sqlite"));
}

#[test]
fn execute_slow_command_times_out_quickly() {
    let f = fx_on(server_with(|c| {
        c.service.outgoing_integration_requests_timeout = 1
    }));
    let mut slow = Reply::json(json!({"text": "too late"}));
    slow.delay = Duration::from_secs(3);
    let rx = receiver(slow);
    create_cmd(&f.admin, &f.tid, "slow", &rx.url, "P");
    let started = Instant::now();
    let r = exec(&f.admin, &f.dev, "/slow");
    let took = started.elapsed();
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert!(rx.next(20).is_some());
}

#[test]
fn execute_blocked_or_unreachable_url_is_500() {
    // Default AllowedUntrustedInternalConnections: loopback is refused, nothing is sent.
    let f = fx_on(TestServer::start());
    let rx = receiver(Reply::json(json!({"text": "should not happen"})));
    create_cmd(&f.admin, &f.tid, "local", &rx.url, "P");
    let r = exec(&f.admin, &f.dev, "/local");
    r.assert_error(500, "api.command.execute_command.failed.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("AllowedUntrustedInternalConnections"));
    assert!(rx.rx.recv_timeout(Duration::from_millis(300)).is_err());
    // A port nobody listens on.
    let f = fx();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    create_cmd(
        &f.admin,
        &f.tid,
        "down",
        &format!("http://127.0.0.1:{closed}/"),
        "P",
    );
    exec(&f.admin, &f.dev, "/down")
        .assert_error(500, "api.command.execute_command.failed.app_error");
}

#[test]
fn execute_request_errors() {
    let f = fx();
    for cmd in ["", "/", "echo hi"] {
        exec(&f.admin, &f.dev, cmd)
            .assert_error(400, "api.command.execute_command.start.app_error");
    }
    exec(&f.admin, "nope", "/echo hi")
        .assert_error(400, "api.command.execute_command.start.app_error");
    f.admin
        .post_raw("/api/v4/commands/execute", "application/json", b"[1]")
        .assert_error(400, "api.context.invalid_body_param.app_error");
    let missing = "q".repeat(26);
    exec(&f.admin, &missing, "/echo hi").assert_error(404, "app.channel.get.existing.app_error");
    exec(&f.bob, &missing, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    // A private channel bob is not in.
    let private = s(&f.admin.create_channel(&f.tid, "secret", "P")["id"]);
    exec(&f.bob, &private, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    let r = exec(&f.admin, &f.dev, &format!("/{}", "n".repeat(600)));
    r.assert_error(404, "api.command.execute_command.not_found.app_error");
    // Archived channel.
    let old = s(&f.admin.create_channel(&f.tid, "old", "O")["id"]);
    assert_eq!(
        f.admin.delete(&format!("/api/v4/channels/{old}")).status,
        200
    );
    exec(&f.admin, &old, "/echo hi").assert_error(400, "api.command.execute_command.deleted.error");
    // In a DM the team comes from the request and must be one of the caller's.
    let dm = f
        .admin
        .post(
            "/api/v4/channels/direct",
            &json!([f.admin.id(), f.bob.id()]),
        )
        .json();
    let dm = s(&dm["id"]);
    exec(&f.bob, &dm, "/echo hi").assert_error(403, "api.context.permissions.app_error");
    exec(&f.admin, &dm, "/echo hi").assert_error(404, "app.team.get.find.app_error");
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": dm, "command": "/echo in the dm", "team_id": f.tid}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(find_post(&f.bob, &dm, "in the dm").is_some());
}

#[test]
fn execute_custom_commands_of_another_team_do_not_apply() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "x"})));
    let other = s(&f.admin.create_team("other")["id"]);
    create_cmd(&f.admin, &other, "elsewhere", &rx.url, "P");
    // Even when the body names the other team, a channel's own team is used.
    f.admin
        .post(
            "/api/v4/commands/execute",
            &json!({"channel_id": f.dev, "command": "/elsewhere", "team_id": other}),
        )
        .assert_error(404, "api.command.execute_command.not_found.app_error");
    assert!(rx.rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn execute_uses_the_regenerated_token_and_forgets_deleted_commands() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "x"})));
    let c = create_cmd(&f.admin, &f.tid, "tok", &rx.url, "P");
    let id = s(&c["id"]);
    let token = s(&f
        .admin
        .put(&format!("/api/v4/commands/{id}/regen_token"), &json!({}))
        .json()["token"]);
    run(&f.admin, &f.dev, "/tok");
    let req = rx.next(20).unwrap();
    assert_eq!(field(&form(&req.body_str()), "token"), token);
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Token {token}").as_str())
    );
    f.admin.delete(&format!("/api/v4/commands/{id}"));
    exec(&f.admin, &f.dev, "/tok")
        .assert_error(404, "api.command.execute_command.not_found.app_error");
}

/// Runs `/later` (bob, in dev, optionally in a thread) and returns the response URL sent to
/// the command server.
fn response_url(f: &Acme, rx: &MockReceiver, root_id: &str) -> String {
    let r = f.bob.post(
        "/api/v4/commands/execute",
        &json!({"channel_id": f.dev, "command": "/later", "root_id": root_id}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    field(&form(&rx.next(20).unwrap().body_str()), "response_url")
}

fn post_to(url: &str, content_type: &str, body: &str) -> Resp {
    Client::new("", None).post_raw(url, content_type, body.as_bytes())
}

#[test]
fn response_url_posts_json_or_text_five_times() {
    let f = fx();
    let rx = receiver(Reply::json(json!({"text": "working on it"})));
    create_cmd(&f.admin, &f.tid, "later", &rx.url, "P");
    let root = s(&f.bob.create_post(&f.dev, "thread root")["id"]);
    let url = response_url(&f, &rx, &root);
    let r = post_to(
        &url,
        "application/json",
        &json!({"response_type": "in_channel", "text": "done <!here>"}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "ok");
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    let p = find_post(&f.bob, &f.dev, "done @here").expect("delayed response posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert_eq!(p["root_id"], root.as_str());
    assert_eq!(p["props"]["from_webhook"], "true");
    // Plain text is an ephemeral message: accepted, not stored.
    let r = post_to(&url, "text/plain", "just for bob");
    assert_eq!(r.status, 200);
    assert!(find_post(&f.bob, &f.dev, "just for bob").is_none());
    // Bad JSON is refused without using up the URL.
    post_to(&url, "application/json", "{oops")
        .assert_error(400, "web.command_webhook.parse.app_error");
    for i in 3..=5 {
        let r = post_to(
            &url,
            "application/json",
            &json!({"response_type": "in_channel", "text": format!("update {i}")}).to_string(),
        );
        assert_eq!(r.status, 200, "use {i}: {}", r.body);
    }
    assert!(find_post(&f.bob, &f.dev, "update 5").is_some());
    let r = post_to(
        &url,
        "application/json",
        &json!({"response_type": "in_channel", "text": "sixth"}).to_string(),
    );
    r.assert_error(400, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("app.command_webhook.try_use.invalid"));
    assert!(find_post(&f.bob, &f.dev, "sixth").is_none());
}

#[test]
fn response_url_unknown_or_deleted_command() {
    let f = fx();
    let rx = receiver(Reply::json(json!({})));
    let c = create_cmd(&f.admin, &f.tid, "later", &rx.url, "P");
    let url = response_url(&f, &rx, "");
    let r = post_to(
        &format!("{}/hooks/commands/{}", f.ts.url, "u".repeat(26)),
        "text/plain",
        "x",
    );
    r.assert_error(404, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("app.command_webhook.get.missing"));
    f.admin.delete(&format!("/api/v4/commands/{}", s(&c["id"])));
    let r = post_to(&url, "text/plain", "x");
    r.assert_error(400, "web.command_webhook.general.app_error");
    assert!(r.json()["detailed_error"]
        .as_str()
        .unwrap()
        .contains("web.command_webhook.command.app_error"));
    // Other methods and paths under /hooks/commands are not found.
    Client::new(&f.ts.url, None)
        .get(&url.replace(&f.ts.url, ""))
        .assert_error(404, "api.context.404.app_error");
}

#[test]
fn a_slow_command_url_holds_no_http_worker() {
    // One HTTP worker: were the command's call made on it, nothing else could be served until
    // the command answered, and this test would hang (the command answers only afterwards).
    let f = fx_on(server_with(|c| c.perch.http_workers = 1));
    let (arrived_tx, arrived_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (arrived_tx, release_rx) = (
        std::sync::Mutex::new(arrived_tx),
        std::sync::Mutex::new(release_rx),
    );
    let rx = MockReceiver::start(move |_, _| {
        arrived_tx.lock().unwrap().send(()).unwrap();
        let _ = release_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(20));
        Reply::json(json!({"response_type": "in_channel", "text": "late answer"}))
    });
    create_cmd(&f.admin, &f.tid, "slow", &rx.url, "P");
    let (bob, dev) = (f.bob.clone(), f.dev.clone());
    let caller = std::thread::spawn(move || run(&bob, &dev, "/slow"));
    arrived_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the command URL was called");
    // The call is outstanding; the only worker still serves.
    assert_eq!(f.admin.get("/api/v4/system/ping").status, 200);
    f.admin.create_post(&f.dev, "meanwhile");
    release_tx.send(()).unwrap();
    let r = caller.join().unwrap();
    assert_eq!(r["text"], "late answer");
    let p = find_post(&f.bob, &f.dev, "late answer").expect("the response was posted");
    assert_eq!(p["user_id"], f.bob.id().as_str());
    assert!(find_post(&f.bob, &f.dev, "meanwhile").is_some());
}
