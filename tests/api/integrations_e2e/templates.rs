//! Template hooks (`integrations/template.rs`): any JSON rendered by the hook's template,
//! broken templates refused when saved, and the preview endpoints
//! (`POST /api/v4/hooks/incoming/{id}/preview`, and `…/preview/template` for a template being
//! edited), which post nothing.

use super::*;

#[test]
fn template_hooks_render_any_json() {
    let e = Acme::new();
    let template = r##"{% if commits %}{"text": {{ (sender.login ~ " pushed " ~ (commits|length) ~ " commits to " ~ repository.full_name)|tojson }},
 "attachments": [{"color": "#2EB886", "title": {{ head_commit.message|tojson }}}],
 "thread_key": {{ ("push:" ~ repository.full_name)|tojson }}}{% endif %}"##;
    let hook = e.hook(json!({"template": template}));
    let f = fixture("github", "push");
    let body: Value = serde_json::from_slice(&f.body).unwrap();
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}/template"),
        &f.headers,
        &f.body,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let post = e.post(r.header("X-Post-Id").unwrap());
    let n = body["commits"].as_array().unwrap().len();
    let expect = format!(
        "{} pushed {n} commits to {}",
        body["sender"]["login"].as_str().unwrap(),
        body["repository"]["full_name"].as_str().unwrap()
    );
    assert_eq!(post["message"], expect.as_str());
    assert_eq!(post["type"], "slack_attachment");
    assert_eq!(
        post["props"]["attachments"][0]["title"],
        body["head_commit"]["message"]
    );
    // The plain URL uses the template for a body that is not a Slack payload, with the
    // template's thread key; the event name (for filters) is the detected tool's.
    let again = with_header(&f.headers, "X-GitHub-Delivery", "t-2");
    let r = send(&e.ts, &format!("/hooks/{hook}"), &again, &f.body);
    let second = e.post(r.header("X-Post-Id").unwrap());
    assert_eq!(second["root_id"], post["id"]);
    let log = e.deliveries(&hook);
    assert_eq!(
        (log[0]["source"].clone(), log[0]["event"].clone()),
        (json!("template"), json!("push"))
    );
    // A payload the template skips: acknowledged, nothing posted.
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}/template"),
        &[],
        br#"{"other": 1}"#,
    );
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert_eq!(
        e.deliveries(&hook)[0]["note"],
        "the template rendered nothing"
    );
    // A Slack payload still posts as Slack.
    let r = send(
        &e.ts,
        &format!("/hooks/{hook}"),
        &[],
        br#"{"text": "plain slack"}"#,
    );
    assert_eq!(
        e.post(r.header("X-Post-Id").unwrap())["message"],
        "plain slack"
    );
    // Not JSON: 400.
    send(&e.ts, &format!("/hooks/{hook}/template"), &[], b"<xml/>").assert_error(400, PAYLOAD);
    // A template that fails on this payload: 400 with the template's error id.
    let failing = e.hook(json!({"template": "{{ 1 + sender }}"}));
    let r = send(
        &e.ts,
        &format!("/hooks/{failing}/template"),
        &[],
        br#"{"sender": "x"}"#,
    );
    r.assert_error(400, "api.webhook.integration.template.app_error");
    assert!(e.deliveries(&failing)[0]["note"]
        .as_str()
        .unwrap()
        .contains("template"));
    // No template on the hook.
    let plain = e.hook(json!({}));
    let r = send(&e.ts, &format!("/hooks/{plain}/template"), &[], b"{}");
    r.assert_error(400, "api.webhook.integration.no_template.app_error");
    assert_eq!(e.posts().len(), 3);
}

#[test]
fn broken_templates_are_refused_when_saved() {
    let e = Acme::new();
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "template": "line one\n{{ broken }"}),
    );
    r.assert_error(400, "api.incoming_webhook.template.app_error");
    assert!(
        r.json()["message"].as_str().unwrap().contains("line 2"),
        "{}",
        r.body
    );
    let hook = e.hook(json!({"template": "{{ text }}"}));
    let mut h = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(h["template"], "{{ text }}");
    h["template"] = json!("{% for %}");
    let r = e.admin.put(&format!("/api/v4/hooks/incoming/{hook}"), &h);
    r.assert_error(400, "api.incoming_webhook.template.app_error");
    let h = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(h["template"], "{{ text }}", "unchanged");
    // Event filters are checked too.
    let r = e.admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": e.dev, "event_include": ["push", " "]}),
    );
    r.assert_error(400, "model.incoming_hook.event_filter.app_error");
}

#[test]
fn preview_renders_without_posting() {
    let e = Acme::new();
    let hook = e.hook(json!({"display_name": "gh", "event_exclude": ["issues.*"]}));
    let preview = |query: &str, f: &Fixture| {
        let pairs: Vec<(&str, &str)> = f
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        e.admin.request(
            "POST",
            &format!("/api/v4/hooks/incoming/{hook}/preview{query}"),
            Some(("", f.body.clone())),
            &pairs,
        )
    };
    let f = fixture("github", "pull_request__opened");
    for query in ["?source=github", "", "?source=auto"] {
        let r = preview(query, &f);
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["source"], "github");
        assert_eq!(v["outcome"], "post");
        assert_eq!(v["event"], "pull_request.opened");
        assert_eq!(v["thread_key"], f.expected["thread_key"]);
        assert_eq!(v["post"]["channel_id"], e.dev.as_str());
        assert_eq!(v["post"]["root_id"], "");
        assert_post_matches(&v["post"], &f.expected, "preview");
    }
    assert!(e.posts().is_empty(), "a preview posts nothing");
    // Once the PR has a thread, the preview names its root.
    let r = send(&e.ts, &format!("/hooks/{hook}/github"), &f.headers, &f.body);
    let root = r.header("X-Post-Id").unwrap().to_string();
    let comment = fixture("github", "pull_request__closed");
    assert_eq!(
        preview("", &comment).json()["post"]["root_id"],
        root.as_str()
    );
    // Ignored and filtered events, a bad payload, an unknown source.
    let ping = preview("", &fixture("github", "ping")).json();
    assert_eq!(
        (ping["outcome"].clone(), ping["reason"].clone()),
        (json!("ignored"), json!("ping"))
    );
    let issue = preview("", &fixture("github", "issues__opened")).json();
    assert_eq!(issue["outcome"], "filtered");
    let jira = preview("?source=jira", &fixture("jira", "issue_created")).json();
    assert_eq!(jira["event"], "issue_created");
    let mut broken = f.clone();
    broken.body = b"{nope".to_vec();
    preview("?source=github", &broken).assert_error(400, PAYLOAD);
    preview("?source=nosuch", &f).assert_error(400, "api.webhook.integration.source.app_error");
    preview("?source=template", &f)
        .assert_error(400, "api.webhook.integration.no_template.app_error");
    let mut unknown = f.clone();
    unknown.headers.clear();
    unknown.body = br#"{"what": "ever"}"#.to_vec();
    preview("", &unknown).assert_error(400, "api.webhook.integration.source.app_error");
    // Templates preview too.
    let t = e.hook(json!({"template": "{{ sender.login }} did {{ action }}"}));
    let r = e.admin.request(
        "POST",
        &format!("/api/v4/hooks/incoming/{t}/preview?source=template"),
        Some(("application/json", f.body.clone())),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["post"]["message"], "Codertocat did opened");
    assert_eq!(r.json()["post"]["type"], "");
    // Hook managers only.
    let r = e.bob.request(
        "POST",
        &format!("/api/v4/hooks/incoming/{hook}/preview"),
        Some(("application/json", f.body.clone())),
        &[],
    );
    r.assert_error(403, "api.context.permissions.app_error");
    assert_eq!(e.posts().len(), 1);
}

#[test]
fn a_draft_template_previews_without_being_saved() {
    let e = Acme::new();
    let hook = e.hook(json!({"template": "saved: {{ app }}"}));
    let draft = |c: &Client, template: &str, payload: &str| {
        c.post(
            &format!("/api/v4/hooks/incoming/{hook}/preview/template"),
            &json!({"template": template, "payload": payload}),
        )
    };
    let r = draft(
        &e.admin,
        r#"{"text": {{ (app ~ " failed on " ~ env)|tojson }}, "thread_key": {{ app|tojson }}}"#,
        r#"{"app": "shop", "env": "prod"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["source"], "template");
    assert_eq!(v["outcome"], "post");
    assert_eq!(v["thread_key"], "shop");
    assert_eq!(v["post"]["message"], "shop failed on prod");
    // Nothing saved, nothing posted.
    let saved = e
        .admin
        .get(&format!("/api/v4/hooks/incoming/{hook}"))
        .json();
    assert_eq!(saved["template"], "saved: {{ app }}");
    assert!(e.posts().is_empty());
    // An empty render posts nothing; a broken template is refused as on saving, naming the line;
    // a payload the template cannot read, an empty template and a bad body are errors.
    let quiet = draft(&e.admin, "{% if false %}x{% endif %}", "{}").json();
    assert_eq!(quiet["outcome"], "ignored");
    let broken = draft(&e.admin, "line one\n{% if %}", "{}");
    broken.assert_error(400, "api.incoming_webhook.template.app_error");
    assert!(
        broken.json()["message"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{}",
        broken.body
    );
    draft(&e.admin, "{{ app }}", "{nope").assert_error(400, PAYLOAD);
    draft(&e.admin, "", "{}").assert_error(400, "api.webhook.integration.no_template.app_error");
    e.admin
        .post_raw(
            &format!("/api/v4/hooks/incoming/{hook}/preview/template"),
            "application/json",
            b"{\"template\": 1}",
        )
        .assert_error(400, "api.context.invalid_body_param.app_error");
    // Hook managers only.
    draft(&e.bob, "{{ app }}", "{}").assert_error(403, "api.context.permissions.app_error");
}
