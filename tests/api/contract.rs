//! The OpenAPI contract: Schemathesis (pinned, `scripts/install-clients`) generates requests
//! from Mattermost's own OpenAPI description of Perch's surface (`docs/spec/openapi-subset.yaml`)
//! and sends them to a real server, checking `not_a_server_error`, `status_code_conformance`,
//! `content_type_conformance` and `response_schema_conformance`. A server error or a wrong
//! content type always fails; any other finding must be in `KNOWN`, which says per finding why
//! Perch answers that way (Mattermost itself does, the description is wrong, or a route is
//! missing), and every entry of `KNOWN` must still be found (a fixed one is removed).

use crate::common::scripts::{installed, repo};
use crate::common::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;

/// (operation, check, detail) → why.
const KNOWN: &[(&str, &str, &str, &str)] = &[
    (
        "GET /api/v4/channels/{channel_id}",
        "ST103 Undocumented status code",
        "400",
        "Mattermost answers a malformed id with 400 api.context.invalid_url_param.app_error \
      (c.RequireChannelId); the description lists only 200, 401, 403, 404.",
    ),
    (
        "POST /api/v4/hooks/incoming",
        "ST103 Undocumented status code",
        "404",
        "An unknown channel_id is 404 app.channel.get.existing.app_error in Mattermost too \
      (GetChannel's error keeps its status).",
    ),
    (
        "POST /api/v4/users/login",
        "ST103 Undocumented status code",
        "401",
        "Wrong credentials are 401 api.user.login.invalid_credentials_email_username in \
      Mattermost; the description lists 201, 400, 403.",
    ),
    (
        "POST /api/v4/users/logout",
        "ST103 Undocumented status code",
        "200",
        "Mattermost answers a logout 200 {\"status\":\"OK\"}; the description says 201.",
    ),
];

/// Findings that are Mattermost's behaviour too but turn up only in some runs: whether the
/// generated request reaches the handler depends on whether an earlier generated call (a logout,
/// a deactivation) has already ended the run's session. (operation, check, detail) → why.
const SOMETIMES: &[(&str, &str, &str, &str)] = &[
    (
        "POST /api/v4/channels/{channel_id}/members",
        "ST103 Undocumented status code",
        "404",
        "An unknown user or channel is 404, as in Mattermost; the description lists 201, 400, \
      401, 403.",
    ),
    (
        "GET /api/v4/teams",
        "ST108 Response violates schema",
        "policy_id",
        "Mattermost's Team.PolicyID is a *string, sent as null for a team without a retention \
      policy; the description says string.",
    ),
    (
        "GET /api/v4/teams/{team_id}",
        "ST108 Response violates schema",
        "policy_id",
        "As above: policy_id is null without a retention policy, as in Mattermost.",
    ),
    (
        "GET /api/v4/channels/{channel_id}/posts",
        "ST103 Undocumented status code",
        "414",
        "A request line over the server's limit is refused with 414 URI Too Long before any \
      handler runs; the description cannot list it.",
    ),
    (
        "GET /api/v4/teams/{team_id}/channels/name/{channel_name}",
        "ST103 Undocumented status code",
        "400",
        "A malformed team id is 400 api.context.invalid_url_param.app_error, as Mattermost's \
      c.RequireTeamId answers; the description lists only 200, 401, 403, 404.",
    ),
    (
        "GET /api/v4/teams",
        "ST108 Response violates schema",
        "",
        "With include_total_count=true Mattermost answers TeamsWithCount {teams, total_count}; \
      the description says an array whatever the parameter. (Schemathesis reports one failure \
      per operation: this one or policy_id above.)",
    ),
];

/// Findings that may turn up on any operation, depending on whether the generated data reached a
/// real row: (check, detail) → why.
const ANYWHERE: &[(&str, &str, &str)] = &[
    (
        "ST108 Response violates schema",
        "policy_id",
        "Every team in an answer has policy_id null without a retention policy, as in \
         Mattermost; whether an operation such as GET /users/{user_id}/teams reaches a real team \
         depends on the generated ids.",
    ),
    (
        "ST108 Response violates schema",
        "useAutomaticTimezone",
        "Mattermost's timezone is a map of strings: useAutomaticTimezone is \"true\", not a \
         boolean; clients expect the string. Any operation answering a real user shows it.",
    ),
];

/// The findings of a Schemathesis run, from its text report: (operation, check, detail), the
/// detail being the status received or the schema property at fault.
fn findings(out: &str) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    let (mut op, mut check) = (String::new(), String::new());
    for line in out.lines() {
        let t = line.trim();
        if t.starts_with("___") && t.ends_with("___") {
            op = t.trim_matches('_').trim().to_string();
        } else if let Some(c) = t.strip_prefix("- ST") {
            check = format!("ST{c}");
            if !check.starts_with("ST103") && !check.starts_with("ST108") {
                found.insert((op.clone(), check.clone(), String::new()));
            }
        } else if let Some(status) = t.strip_prefix("Received: ") {
            if check.starts_with("ST103") {
                found.insert((op.clone(), check.clone(), status.to_string()));
            }
        } else if let Some(at) = t.strip_prefix("Schema at ") {
            if check.starts_with("ST108") {
                let prop = at
                    .trim_end_matches(':')
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                found.insert((op.clone(), check.clone(), prop));
            }
        }
    }
    found
}

#[test]
fn the_openapi_description_holds_against_a_real_server() {
    let st = installed("schemathesis/bin/schemathesis");
    let a = Acme::with(|c| {
        c.service.enable_user_access_tokens = true;
        c.service.enable_bot_account_creation = true;
        c.perch.login_rate_limit_enable = false;
    });
    // A personal access token: generated logouts end sessions, not tokens.
    let r = a.admin.post(
        &format!("/api/v4/users/{}/tokens", a.admin.id()),
        &json!({"description": "contract"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let spec = repo().join("docs/spec/openapi-subset.yaml");
    // Schemathesis keeps a cache in its working directory: a temporary one, not the repository.
    let cwd = a.ts.dir.0.join("schemathesis");
    std::fs::create_dir_all(&cwd).unwrap();
    let out = Command::new(&st)
        .current_dir(&cwd)
        .args(["run", spec.to_str().unwrap(), "--url", &a.ts.url])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["-n", "10", "--generation-deterministic", "--phases", "examples,coverage,fuzzing"])
        .args(["--no-color", "--workers", "2", "--request-timeout", "10"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("SUMMARY"),
        "schemathesis did not run:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = findings(&text);
    let known: BTreeSet<(String, String, String)> = KNOWN
        .iter()
        .map(|(o, c, d, _)| (o.to_string(), c.to_string(), d.to_string()))
        .collect();
    let new: Vec<_> = found
        .difference(&known)
        .filter(|(_, c, d)| !ANYWHERE.iter().any(|(ac, ad, _)| c == ac && d == ad))
        .filter(|(o, c, d)| {
            !SOMETIMES
                .iter()
                .any(|(so, sc, sd, _)| o == so && c == sc && d == sd)
        })
        .collect();
    let gone: Vec<_> = known.difference(&found).collect();
    let summary = text.split("SUMMARY").nth(1).unwrap_or("");
    assert!(new.is_empty(), "new findings {new:#?}\n{summary}");
    assert!(
        gone.is_empty(),
        "no longer found (remove from KNOWN): {gone:#?}\n{summary}"
    );
    // Every operation of the description was exercised.
    assert!(text.contains("Tested: 77"), "{summary}");
}
