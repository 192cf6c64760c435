//! Post and file search (`POST /teams/{team_id}/posts/search`, `POST /posts/search`,
//! `POST /teams/{team_id}/files/search`): Mattermost's search syntax, only in the searcher's
//! channels, and its errors.

use crate::common::*;
use serde_json::{json, Value};

fn search(c: &Client, tid: &str, terms: &str) -> Vec<String> {
    search_with(c, tid, json!({ "terms": terms }))
}

fn search_with(c: &Client, tid: &str, body: Value) -> Vec<String> {
    let r = c.post(&format!("/api/v4/teams/{tid}/posts/search"), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    messages(&r.json())
}

/// The found posts' messages, in the answer's order.
fn messages(v: &Value) -> Vec<String> {
    v["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            v["posts"][id.as_str().unwrap()]["message"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn words_phrases_wildcards_hashtags_and_exclusions() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let town = admin.get(&format!("/api/v4/teams/{tid}/channels/name/town-square"));
    let ts = id_of(&town.json());
    for m in [
        "the deploy of build 42 failed",
        "the tests are failing again",
        "lunch at noon? #food",
        "release notes for #Release-2 are out",
        "nothing to see here",
        "a wildcard candidate: configuration",
    ] {
        bob.create_post(&ts, m);
    }
    // One word; English stems ("failed" finds "failing"); newest first.
    assert_eq!(
        search(&bob, &tid, "failed"),
        vec![
            "the tests are failing again",
            "the deploy of build 42 failed"
        ]
    );
    // Every word must be there (AND), unless is_or_search.
    assert_eq!(
        search(&bob, &tid, "deploy failed"),
        vec!["the deploy of build 42 failed"]
    );
    assert_eq!(
        search_with(
            &bob,
            &tid,
            json!({"terms": "lunch failed", "is_or_search": true})
        )
        .len(),
        3
    );
    // A phrase keeps its words together and in order.
    assert_eq!(search(&bob, &tid, "\"build 42\"").len(), 1);
    assert!(search(&bob, &tid, "\"42 build\"").is_empty());
    // A trailing * matches a prefix.
    assert_eq!(
        search(&bob, &tid, "config*"),
        vec!["a wildcard candidate: configuration"]
    );
    assert!(search(&bob, &tid, "config").is_empty());
    // Excluded words.
    assert_eq!(
        search(&bob, &tid, "fails -tests"),
        vec!["the deploy of build 42 failed"]
    );
    // Hashtags match the post's hashtags, whatever the case.
    assert_eq!(search(&bob, &tid, "#food"), vec!["lunch at noon? #food"]);
    assert_eq!(search(&bob, &tid, "#release-2").len(), 1);
    assert!(search(&bob, &tid, "#lunch").is_empty());
    // Punctuation around words is not searched for; punctuation alone finds nothing.
    assert_eq!(search(&bob, &tid, "(noon?)").len(), 1);
    assert!(search(&bob, &tid, "*** !!").is_empty());
    // FTS5 syntax in the terms is only text.
    assert!(search(&bob, &tid, "NEAR(deploy failed) OR").is_empty());
    assert_eq!(search(&bob, &tid, "deploy AND failed").len(), 0);
    // Edits are searched as edited, deleted posts not at all.
    let posts = bob.channel_posts(&ts);
    let find = |m: &str| posts.iter().find(|p| p["message"] == m).map(id_of).unwrap();
    let r = bob.put(
        &format!("/api/v4/posts/{}/patch", find("nothing to see here")),
        &json!({"message": "something to see here"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(search(&bob, &tid, "nothing").is_empty());
    assert_eq!(search(&bob, &tid, "something").len(), 1);
    let r = bob.delete(&format!("/api/v4/posts/{}", find("lunch at noon? #food")));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(search(&bob, &tid, "lunch").is_empty());
    assert!(search(&bob, &tid, "#food").is_empty());
}

#[test]
fn only_the_searchers_channels_and_the_flags() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let carol = srv.user(&admin, "carol");
    admin.add_to_team(&tid, &carol.id());
    let secret = id_of(&admin.create_channel(&tid, "secret", "P"));
    let dev = id_of(&admin.create_channel(&tid, "dev", "O"));
    admin.add_to_channel(&dev, &bob.id());
    admin.add_to_channel(&dev, &carol.id());
    admin.create_post(&secret, "the quarterly numbers");
    carol.create_post(&dev, "quarterly planning from carol");
    bob.create_post(&dev, "quarterly planning from bob");
    // A direct message between bob and carol.
    let dm = bob.post("/api/v4/channels/direct", &json!([bob.id(), carol.id()]));
    assert_eq!(dm.status, 201, "{}", dm.body);
    carol.create_post(&id_of(&dm.json()), "quarterly chat in private");
    // Bob never sees the private channel he is not in.
    assert_eq!(search(&bob, &tid, "quarterly").len(), 3);
    assert_eq!(search(&admin, &tid, "quarterly").len(), 3);
    // from: and in: (channel names, @user for a direct message), and their exclusions.
    assert_eq!(
        search(&bob, &tid, "quarterly from:carol"),
        vec!["quarterly chat in private", "quarterly planning from carol"]
    );
    assert_eq!(
        search(&bob, &tid, "quarterly -from:carol"),
        vec!["quarterly planning from bob"]
    );
    assert_eq!(
        search(&bob, &tid, "from:@carol in:dev"),
        vec!["quarterly planning from carol"]
    );
    assert_eq!(
        search(&bob, &tid, "in:@carol"),
        vec!["quarterly chat in private"]
    );
    assert_eq!(search(&bob, &tid, "quarterly -in:dev").len(), 1);
    // A channel the searcher is not in, or a user who does not exist, finds nothing.
    assert!(search(&bob, &tid, "quarterly in:secret").is_empty());
    assert!(search(&bob, &tid, "from:nobody").is_empty());
    // Dates: today is in, tomorrow's posts do not exist yet, yesterday is before all.
    let today = today_utc();
    assert_eq!(
        search(&bob, &tid, &format!("quarterly on:{today}")).len(),
        3
    );
    assert!(search(&bob, &tid, &format!("quarterly after:{today}")).is_empty());
    assert!(search(&bob, &tid, &format!("quarterly before:{today}")).is_empty());
    assert!(search(&bob, &tid, &format!("quarterly -on:{today}")).is_empty());
    // Archived channels only when asked for.
    assert_eq!(admin.delete(&format!("/api/v4/channels/{dev}")).status, 200);
    assert_eq!(search(&bob, &tid, "planning").len(), 0);
    assert_eq!(
        search_with(
            &bob,
            &tid,
            json!({"terms": "planning", "include_deleted_channels": true})
        )
        .len(),
        2
    );
}

/// `YYYY-MM-DD` of now in UTC.
fn today_utc() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    perch::model::rfc3339(ms)[..10].to_string()
}

#[test]
fn paging_and_the_answer_shape() {
    let srv = TestServer::start();
    let (admin, _bob, tid) = srv.admin_and_bob_on_acme();
    let ts = admin.town_square(&tid);
    for i in 0..5 {
        admin.create_post(&ts, &format!("paged message {i}"));
    }
    let r = admin.post(
        &format!("/api/v4/teams/{tid}/posts/search"),
        &json!({"terms": "paged", "page": 0, "per_page": 2}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("cache-control"),
        Some("no-cache, no-store, must-revalidate")
    );
    let v = r.json();
    assert_eq!(messages(&v), vec!["paged message 4", "paged message 3"]);
    assert_eq!(v["has_next"], true);
    assert!(v["matches"].is_null());
    assert_eq!(v["next_post_id"], "");
    let post = &v["posts"][v["order"][0].as_str().unwrap()];
    assert_eq!(post["channel_id"], ts.as_str());
    assert_eq!(post["id"].as_str().unwrap().len(), 26);
    let last = search_with(
        &admin,
        &tid,
        json!({"terms": "paged", "page": 2, "per_page": 2}),
    );
    assert_eq!(last, vec!["paged message 0"]);
}

#[test]
fn recent_mentions_search_every_team() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let other = id_of(&admin.create_team("other"));
    admin.add_to_team(&other, &bob.id());
    for t in [&tid, &other] {
        let ts = admin.town_square(t);
        admin.create_post(&ts, "hey @bob, a question");
    }
    // The web app's recent mentions: the user's mention keys, any of them, every team.
    let r = bob.post(
        "/api/v4/posts/search",
        &json!({"terms": "@bob ", "is_or_search": true}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(messages(&r.json()).len(), 2);
    assert_eq!(search(&bob, &tid, "@bob").len(), 1);
}

#[test]
fn file_search_by_name_and_extension() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let ts = admin.town_square(&tid);
    let secret = id_of(&admin.create_channel(&tid, "secret", "P"));
    let attach = |c: &Client, ch: &str, name: &str| {
        let f = crate::files::upload_one(c, ch, name, b"some bytes");
        let r = c.post(
            "/api/v4/posts",
            &json!({"channel_id": ch, "message": "a file", "file_ids": [f["id"]]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    };
    attach(&bob, &ts, "Quarterly-Report.pdf");
    attach(&bob, &ts, "team_photo.png");
    attach(&admin, &secret, "quarterly-secret.pdf");
    // An upload never posted is not found.
    crate::files::upload_one(&bob, &ts, "quarterly-draft.pdf", b"x");
    let files = |c: &Client, terms: &str| -> Vec<String> {
        let r = c.post(
            &format!("/api/v4/teams/{tid}/files/search"),
            &json!({ "terms": terms }),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        v["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                v["file_infos"][id.as_str().unwrap()]["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(files(&bob, "quarterly"), vec!["Quarterly-Report.pdf"]);
    assert_eq!(files(&admin, "quarterly").len(), 2);
    assert_eq!(files(&bob, "ext:png"), vec!["team_photo.png"]);
    assert_eq!(files(&bob, "photo -ext:pdf"), vec!["team_photo.png"]);
    assert_eq!(files(&bob, "from:bob").len(), 2);
    assert!(files(&bob, "100%_").is_empty());
}

#[test]
fn errors() {
    let srv = TestServer::start();
    let (admin, bob, tid) = srv.admin_and_bob_on_acme();
    let path = format!("/api/v4/teams/{tid}/posts/search");
    bob.post(&path, &json!({}))
        .assert_error(400, "api.context.invalid_param.app_error");
    bob.post(&path, &json!({"terms": ""}))
        .assert_error(400, "api.context.invalid_param.app_error");
    bob.post(&path, &json!({"terms": 5}))
        .assert_error(400, "api.post.search_posts.invalid_body.app_error");
    bob.post(&path, &json!({"terms": "x", "per_page": -1}))
        .assert_error(400, "api.context.invalid_param.app_error");
    bob.post_raw(&path, "application/json", b"{not json")
        .assert_error(400, "api.post.search_posts.invalid_body.app_error");
    bob.post(
        &format!("/api/v4/teams/{tid}/files/search"),
        &json!({"terms": []}),
    )
    .assert_error(400, "api.file.search_files.invalid_body.app_error");
    // Thousands of hashtags or file names overran SQLite's expression depth (a 500): too
    // many terms, or a time zone farther than a day, is a bad parameter.
    let tags: Vec<String> = (0..3000).map(|i| format!("#tag{i}")).collect();
    bob.post(
        &path,
        &json!({"terms": tags.join(" "), "is_or_search": true}),
    )
    .assert_error(400, "api.context.invalid_param.app_error");
    let names: Vec<String> = (0..101).map(|i| format!("n{i}")).collect();
    bob.post(
        &format!("/api/v4/teams/{tid}/files/search"),
        &json!({"terms": names.join(" ")}),
    )
    .assert_error(400, "api.context.invalid_param.app_error");
    let hundred: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
    let r = bob.post(&path, &json!({"terms": hundred.join(" ")}));
    assert_eq!(r.status, 200, "{}", r.body);
    bob.post(
        &path,
        &json!({"terms": "on:2026-12-07", "time_zone_offset": i64::MAX}),
    )
    .assert_error(400, "api.context.invalid_param.app_error");
    // A team the searcher is not in; a bad team id; no session.
    let other = id_of(&admin.create_team("other"));
    bob.post(
        &format!("/api/v4/teams/{other}/posts/search"),
        &json!({"terms": "x"}),
    )
    .assert_error(403, "api.context.permissions.app_error");
    bob.post("/api/v4/teams/nope/posts/search", &json!({"terms": "x"}))
        .assert_error(400, "api.context.invalid_url_param.app_error");
    srv.anon()
        .post(&path, &json!({"terms": "x"}))
        .assert_error(401, "api.context.session_expired.app_error");
}

/// New posts reach the index in the background too (the janitor), not only when a search
/// asks: the high-water mark catches up with the last post without any search.
#[test]
fn the_janitor_indexes_new_posts_without_a_search() {
    let srv = TestServer::start();
    let (admin, _bob, tid) = srv.admin_and_bob_on_acme();
    let ts = admin.town_square(&tid);
    for i in 0..3 {
        admin.create_post(&ts, &format!("background {i}"));
    }
    let db = rusqlite::Connection::open_with_flags(
        srv.dir.0.join("perch.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    eventually(std::time::Duration::from_secs(10), "indexed", || {
        let (hw, top): (i64, i64) = db
            .query_row(
                "SELECT hw, (SELECT max(rowid) FROM posts) FROM posts_fts_state",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (hw >= top).then_some(())
    });
    let n: i64 = db
        .query_row(
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'background'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 3);
}
