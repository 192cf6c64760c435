//! Deliveries (`outgoing/dispatcher.rs`): the delivery log, the internal-address rule,
//! retries (with `Retry-After`, and their limit), final client errors and replay, restarts,
//! a slow receiver, a full queue and a backlog left to the scanner, and deleted hooks.

use super::*;

#[test]
fn delivery_log_keeps_the_newest_finished_deliveries() {
    let w = world_with(|c| {
        c.perch.outgoing_delivery_log_size = 2;
        c.perch.outgoing_workers = 1;
    });
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    let hid = id_of(&h);
    let mut posts = Vec::new();
    for i in 0..4 {
        posts.push(w.admin.create_post(&w.dev, &format!("go {i}")));
    }
    for _ in 0..4 {
        rx.next(20).expect("a delivery");
    }
    let kept = eventually(DELIVERY, "the log pruned to 2", || {
        let ds = deliveries(&w.admin, &hid);
        (ds.len() == 2 && ds.iter().all(|d| d["state"] == "delivered")).then_some(ds)
    });
    assert_eq!(kept[0]["post_id"], posts[3]["id"]);
    assert_eq!(kept[1]["post_id"], posts[2]["id"]);
    assert_eq!(kept[0]["attempts"].as_array().unwrap().len(), 1);
    let page = w.admin.get(&format!(
        "/api/v4/hooks/outgoing/{hid}/deliveries?page=1&per_page=1"
    ));
    assert_eq!(page.json()[0]["post_id"], posts[2]["id"]);
}

#[test]
fn internal_address_is_refused_unless_allowed() {
    let w = world_with(|c| c.service.allowed_untrusted_internal_connections = String::new());
    let rx = ok_receiver();
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 1, "a refused address is not retried");
    let a = &d["attempts"][0];
    assert_eq!(a["status"], 0);
    assert!(
        a["error"]
            .as_str()
            .unwrap()
            .contains("AllowedUntrustedInternalConnections"),
        "{a}"
    );
    assert!(rx.next(1).is_none(), "a refused address was called");
    // Allowed by exact host.
    let w = world_with(|c| c.service.allowed_untrusted_internal_connections = "127.0.0.1".into());
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    assert!(rx.next(20).is_some());
    assert_eq!(settled(&w.admin, &id_of(&h))["state"], "delivered");
}

#[test]
fn failing_receiver_is_retried_until_it_answers() {
    let w = world();
    let rx = MockReceiver::start(|n, _| {
        if n < 2 {
            Reply::text(503, "busy")
        } else {
            Reply::text(200, "fine")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    let bodies: Vec<String> = (0..3)
        .map(|_| rx.next(20).expect("an attempt").body_str())
        .collect();
    assert_eq!(bodies[0], bodies[2], "every attempt sends the same payload");
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempt_count"], 3);
    let statuses: Vec<i64> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    let a = &d["attempts"][0];
    assert_eq!(a["url"], rx.url.as_str());
    assert_eq!(a["response"], "busy");
    assert!(a["latency_ms"].as_i64().unwrap() >= 0);
    assert!(a["at"].as_i64().unwrap() > 0);
    assert!(rx.next(1).is_none(), "delivered once");
}

#[test]
fn retries_honour_retry_after_and_stop_at_the_limit() {
    let w = world_with(|c| c.perch.outgoing_max_attempts = 2);
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::text(429, "slow down");
        r.headers.push(("Retry-After".into(), "1".into()));
        r
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    w.admin.create_post(&w.dev, "go");
    rx.next(20).expect("first attempt");
    let t0 = Instant::now();
    rx.next(20).expect("second attempt");
    // The configured backoff is 100 ms; Retry-After asked for a second.
    assert!(
        t0.elapsed() >= Duration::from_millis(800),
        "{:?}",
        t0.elapsed()
    );
    let d = settled(&w.admin, &id_of(&h));
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 2);
    assert!(d["last_error"].as_str().unwrap().contains("gave up"), "{d}");
    assert!(rx.next(1).is_none());
}

#[test]
fn client_errors_are_final_and_can_be_replayed() {
    let w = world();
    let rx = MockReceiver::start(|n, _| {
        if n == 0 {
            Reply::text(404, "no such thing")
        } else {
            Reply::text(200, "")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let hid = id_of(&h);
    w.admin.create_post(&w.dev, "go");
    let d = settled(&w.admin, &hid);
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempt_count"], 1);
    assert_eq!(d["last_status"], 404);
    rx.next(20).expect("first attempt");
    let did = id_of(&d);
    let r = w.admin.post(
        &format!("/api/v4/hooks/outgoing/{hid}/deliveries/{did}/retry"),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "pending");
    let again = rx.next(20).expect("the replay");
    assert_eq!(again.header("webhook-id"), Some(did.as_str()));
    let d = settled(&w.admin, &hid);
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2);
    w.admin
        .post(
            &format!(
                "/api/v4/hooks/outgoing/{hid}/deliveries/{}/retry",
                "q".repeat(26)
            ),
            &json!({}),
        )
        .assert_error(404, "app.webhooks.get_outgoing_delivery.app_error");
}

#[test]
fn pending_deliveries_survive_a_restart() {
    let w = world_with(|c| {
        c.perch.outgoing_retry_base_millis = 1500;
        c.perch.outgoing_retry_max_millis = 1500;
    });
    let rx = MockReceiver::start(|n, _| {
        if n == 0 {
            Reply::text(502, "down")
        } else {
            Reply::text(200, "")
        }
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    let post = w.admin.create_post(&w.dev, "go survive");
    let first = rx.next(20).expect("first attempt");
    // Stop while the retry is pending (1.5 s away), start again on the same data.
    let (dir, config) = w.ts.stop();
    let ts = TestServer::start_in(dir, config);
    let second = rx.next(20).expect("the delivery after the restart");
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    let v: Value = serde_json::from_slice(&second.body).unwrap();
    assert_eq!(v["post_id"], post["id"]);
    let admin = ts.login("admin", "admin-password");
    let d = settled(&admin, &id_of(&h));
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempt_count"], 2);
}

#[test]
fn create_post_does_not_wait_for_a_slow_receiver() {
    let w = world();
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::json(json!({"text": "late answer"}));
        r.delay = Duration::from_secs(3);
        r
    });
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["slow"], "callback_urls": [rx.url]}),
    );
    let t0 = Instant::now();
    w.admin.create_post(&w.dev, "slow please");
    assert!(
        t0.elapsed() < Duration::from_millis(2500),
        "POST /posts took {:?}",
        t0.elapsed()
    );
    assert!(rx.next(20).is_some());
    eventually(DELIVERY, "the late answer", || {
        w.admin
            .channel_posts(&w.dev)
            .into_iter()
            .find(|p| p["message"] == "late answer")
    });
}

#[test]
fn full_queue_leaves_deliveries_to_the_scan() {
    let w = world_with(|c| {
        c.perch.outgoing_workers = 1;
        c.perch.outgoing_queue_size = 1;
        c.perch.outgoing_scan_interval_millis = 200;
    });
    let rx = MockReceiver::start(|_, _| {
        let mut r = Reply::text(200, "");
        r.delay = Duration::from_millis(100);
        r
    });
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["n"], "callback_urls": [rx.url],
               "content_type": "application/json"}),
    );
    for i in 0..6 {
        w.admin.create_post(&w.dev, &format!("n {i}"));
    }
    let mut texts: Vec<String> = (0..6)
        .map(|_| {
            let v: Value = serde_json::from_slice(&rx.next(20).expect("a delivery").body).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect();
    texts.sort();
    assert_eq!(texts, (0..6).map(|i| format!("n {i}")).collect::<Vec<_>>());
    eventually(DELIVERY, "all delivered", || {
        deliveries(&w.admin, &id_of(&h))
            .iter()
            .all(|d| d["state"] == "delivered")
            .then_some(())
    });
    assert!(rx.next(1).is_none(), "each delivery is made once");
}

#[test]
fn deleted_hook_cancels_its_pending_deliveries() {
    let w = world_with(|c| {
        c.perch.outgoing_retry_base_millis = 1000;
        c.perch.outgoing_retry_max_millis = 1000;
    });
    let rx = MockReceiver::start(|_, _| Reply::text(500, ""));
    let h = create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    let hid = id_of(&h);
    w.admin.create_post(&w.dev, "go");
    rx.next(20).expect("first attempt");
    let d = eventually(DELIVERY, "the failed first attempt", || {
        deliveries(&w.admin, &hid)
            .into_iter()
            .next()
            .filter(|d| d["attempt_count"] == 1)
    });
    assert_eq!(d["state"], "pending");
    assert_eq!(
        w.admin
            .delete(&format!("/api/v4/hooks/outgoing/{hid}"))
            .status,
        200
    );
    assert!(rx.next(3).is_none(), "a deleted hook was called");
}

#[test]
fn a_backlog_beyond_the_queue_is_delivered_without_waiting_for_the_scan_interval() {
    // Two deliveries fit in memory; the rest wait in the database. The scanner must refill the
    // queue as soon as it runs low, not at its (here: one minute) interval.
    let w = world_with(|c| {
        c.perch.outgoing_queue_size = 2;
        c.perch.outgoing_workers = 1;
        c.perch.outgoing_scan_interval_millis = 60_000;
    });
    // A slow receiver, so the posts outrun the deliveries and the queue overflows.
    let rx = MockReceiver::start(|_, _| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        Reply::text(200, "")
    });
    create_hook(
        &w.admin,
        json!({"team_id": w.tid, "trigger_words": ["go"], "callback_urls": [rx.url]}),
    );
    for i in 0..12 {
        w.admin.create_post(&w.dev, &format!("go {i}"));
    }
    for i in 0..12 {
        assert!(rx.next(10).is_some(), "delivery {i} did not arrive");
    }
}
