//! The call log: one row per call, attributed to the integration that supplied the URL, and
//! readable by that integration's managers only.

use super::*;

#[test]
fn each_integrations_calls_are_shown_to_its_managers() {
    let fx = fx();
    let recv = integration(json!({}));
    let hook = incoming_hook(&fx.admin, &fx.dev);
    let post = hook_post(
        &fx.ts,
        &fx.bob,
        &hook,
        &json!({"attachments": [attachment(vec![button("go", "Go", &recv.url, json!({}))])]}),
    );
    let own = fx.bob.post(
        "/api/v4/posts",
        &json!({"channel_id": fx.dev, "message": "mine", "props": {"attachments": [
            attachment(vec![button("go", "Go", &recv.url, json!({}))])]}}),
    );
    assert_eq!(own.status, 201, "{}", own.body);
    for _ in 0..3 {
        click_ok(&fx.bob, &id_of(&post), "go", json!({}));
    }
    click_ok(&fx.admin, &id_of(&own.json()), "go", json!({}));

    let rows = call_log(&fx.admin, &format!("/api/v4/hooks/incoming/{hook}/actions"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["user_id"] == fx.bob.id().as_str()));
    assert!(rows
        .windows(2)
        .all(|w| w[0]["create_at"].as_i64() >= w[1]["create_at"].as_i64()));
    let page = call_log(
        &fx.admin,
        &format!("/api/v4/hooks/incoming/{hook}/actions?page=1&per_page=2"),
    );
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], rows[2]["id"]);
    // Bob clicked, but the hook is the admin's.
    fx.bob
        .get(&format!("/api/v4/hooks/incoming/{hook}/actions"))
        .assert_error(403, "api.context.permissions.app_error");
    // His own post's button is his to read; not someone else's, and not everyone's.
    let mine = call_log(&fx.bob, "/api/v4/users/me/actions");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["user_id"], fx.admin.id().as_str());
    assert_eq!(mine[0]["source_kind"], "user");
    fx.bob
        .get(&format!("/api/v4/users/{}/actions", fx.admin.id()))
        .assert_error(403, "api.context.permissions.app_error");
    fx.bob
        .get("/api/v4/actions/calls")
        .assert_error(403, "api.context.permissions.app_error");
    assert_eq!(call_log(&fx.admin, "/api/v4/actions/calls").len(), 4);
}

#[test]
fn the_log_keeps_the_newest_rows_of_each_source() {
    let fx = fx();
    let recv = integration(json!({}));
    let hook = incoming_hook(&fx.admin, &fx.dev);
    let post = hook_post(
        &fx.ts,
        &fx.bob,
        &hook,
        &json!({"attachments": [attachment(vec![button("go", "Go", &recv.url, json!({}))])]}),
    );
    let pid = id_of(&post);
    let keep = perch::store::actions::KEEP_PER_SOURCE as usize;
    // Rows written straight into the log, then real clicks on top.
    let app = fx.ts.running.as_ref().unwrap().app.clone();
    let source = perch::model::action::Source::IncomingHook(hook.clone());
    app.store
        .write(move |c| {
            for i in 0..keep + 40 {
                let row = perch::model::action::Call {
                    id: format!("old{i:023}"),
                    create_at: i as i64,
                    kind: "action".into(),
                    source_kind: source.kind().into(),
                    source_id: source.id().into(),
                    ..Default::default()
                };
                perch::store::actions::insert_call(c, &row)?;
            }
            Ok::<_, perch::store::StoreError>(())
        })
        .unwrap();
    for _ in 0..20 {
        click_ok(&fx.bob, &pid, "go", json!({}));
    }
    let mut total = 0;
    for page in 0.. {
        let rows = call_log(
            &fx.admin,
            &format!("/api/v4/hooks/incoming/{hook}/actions?per_page=200&page={page}"),
        );
        if rows.is_empty() {
            break;
        }
        total += rows.len();
    }
    // 560 rows were written; the newest `keep` (and at most the trim slack more) remain.
    assert!(total >= keep && total <= keep + 60, "{total}");
    let newest = call_log(
        &fx.admin,
        &format!("/api/v4/hooks/incoming/{hook}/actions?per_page=20"),
    );
    assert!(newest.iter().all(|r| r["post_id"] == pid.as_str()));
}
