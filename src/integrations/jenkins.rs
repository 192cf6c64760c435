//! Jenkins, through the Notification plugin (jenkinsci/notification-plugin, JSON format). No
//! event header and no signature: switches on the body's `build.phase`.
//!
//! One post per build, on the `FINALIZED` phase (result known, artifacts archived, post-build
//! steps done), coloured by `build.status`: SUCCESS green, FAILURE red, UNSTABLE yellow,
//! ABORTED / NOT_BUILT grey. `COMPLETED` carries the same result a moment earlier and is
//! ignored so a build never posts twice; `QUEUED` and `STARTED` are ignored too. The
//! plugin's endpoint "Event" setting must therefore be `all`, `finalized` or `failed`.
//!
//! Event names: `build.<status>` for the post (`build.success`, `build.failure`, …),
//! `build.queued` / `build.started` / `build.completed` for the ignored phases.
//! Thread: `jenkins:{job name}#{build number}`.

use serde_json::Value;

use super::github::plain;
use super::json::{array_at, at, i64_at, parse_body, require_object, require_str, str_at, text_at};
use super::render::{
    code, escape_md, format_duration, link, link_raw, list, ms_to_s, short_sha, DANGER, GOOD,
    NEUTRAL, WARNING,
};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// Jenkins (Notification plugin): a `build.phase` body; no signature, the token fallback.
pub const SOURCE: Source = Source {
    name: "jenkins",
    aliases: &[],
    event_headers: &[],
    marker_headers: &[],
    shape: Some(|v| str_at(v, "build.phase").is_some()),
    agents: &[],
    shadows: &[],
    delivery_id_headers: &[],
    signature: &[Check::Token],
    translate,
};

/// Translates one Notification-plugin request.
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    let build = require_object(&v, "build")?;
    let phase = require_str(build, "phase")?.to_ascii_uppercase();
    match phase.as_str() {
        "FINALIZED" => finalized(&v, build),
        "COMPLETED" => Ok(Outcome::ignored(
            "build.completed",
            "posted on the FINALIZED notification that follows, to avoid a double post",
        )),
        other => Ok(Outcome::ignored(
            format!("build.{}", other.to_ascii_lowercase()),
            "only finished builds are posted",
        )),
    }
}

fn finalized(v: &Value, build: &Value) -> Result<Outcome, TranslateError> {
    let name = require_str(v, "name")?;
    let display = str_at(v, "display_name").unwrap_or(name);
    let number = text_at(build, "number").ok_or_else(|| super::json::missing("build.number"))?;
    let status = str_at(build, "status")
        .unwrap_or("UNKNOWN")
        .to_ascii_uppercase();
    let (word, color) = match status.as_str() {
        "SUCCESS" => ("succeeded", GOOD),
        "FAILURE" => ("failed", DANGER),
        "UNSTABLE" => ("is unstable", WARNING),
        "ABORTED" => ("was aborted", NEUTRAL),
        "NOT_BUILT" => ("was not built", NEUTRAL),
        _ => ("finished", NEUTRAL),
    };
    // Without Jenkins' root URL configured the plugin sends only relative URLs.
    let url = str_at(build, "full_url");
    let label = format!("{display} #{number}");
    let duration = i64_at(build, "duration")
        .filter(|d| *d > 0)
        .map(|ms| format_duration(ms / 1000));
    let culprits: Vec<String> = array_at(build, "scm.culprits")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    let after = duration
        .as_ref()
        .map(|d| format!(" after {d}"))
        .unwrap_or_default();
    let by = list(&culprits)
        .map(|c| format!(" (changes by {c})"))
        .unwrap_or_default();
    let text = format!("Build {} **{word}**{after}{by}", link(&label, url));

    let branch = str_at(build, "scm.branch");
    let commit = str_at(build, "scm.commit").map(|c| code(short_sha(c)));
    let tests = at(build, "test_summary")
        .filter(|t| t.is_object())
        .map(|t| {
            let n = |k: &str| i64_at(t, k).unwrap_or(0);
            let mut s = format!("{} passed", n("passed"));
            if n("failed") > 0 {
                s.push_str(&format!(", {} failed", n("failed")));
            }
            if n("skipped") > 0 {
                s.push_str(&format!(", {} skipped", n("skipped")));
            }
            format!("{s} (of {})", n("total"))
        });
    let failed_tests: Vec<String> = array_at(build, "test_summary.failed_tests")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let failed_tests = if failed_tests.is_empty() {
        None
    } else {
        let mut lines: Vec<String> = failed_tests.iter().take(5).map(|t| code(t)).collect();
        if failed_tests.len() > 5 {
            lines.push(format!("… and {} more", failed_tests.len() - 5));
        }
        Some(lines.join("\n"))
    };
    let parameters = at(build, "parameters").and_then(Value::as_object).map(|m| {
        m.iter()
            .map(|(k, val)| {
                let val = match val {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{}={}", escape_md(k), escape_md(&val))
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let artifacts = at(build, "artifacts").and_then(Value::as_object).map(|m| {
        m.iter()
            .map(|(file, links)| {
                link_raw(
                    &escape_md(file),
                    str_at(links, "archive").or_else(|| str_at(links, "s3")),
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    // The log tail explains a failure best; only shown when the build did not succeed.
    let log = str_at(build, "log")
        .filter(|_| status != "SUCCESS")
        .map(|l| {
            let lines: Vec<&str> = l.trim_end().lines().collect();
            let tail = &lines[lines.len().saturating_sub(10)..];
            format!("```\n{}\n```", tail.join("\n").replace("```", "'''"))
        })
        .unwrap_or_default();

    let att = Attachment::new(plain(&text), color)
        .title(format!("{label}: {status}"), url)
        .text(log)
        .field_opt("Branch", branch.map(code), true)
        .field_opt("Commit", commit, true)
        .field_opt("Duration", duration, true)
        .field_opt("Tests", tests, true)
        .field_opt("Failed tests", failed_tests, false)
        .field_opt("Changes by", list(&culprits), true)
        .field_opt("Parameters", parameters, false)
        .field_opt("Artifacts", artifacts, false)
        .field_opt(
            "Notes",
            str_at(build, "notes").map(super::render::sanitize_md),
            false,
        )
        .footer(format!("Jenkins · {name}"))
        .ts(ms_to_s(i64_at(build, "timestamp")));
    Ok(
        Translated::new(format!("build.{}", status.to_ascii_lowercase()), text)
            .attach(att)
            .thread(format!("jenkins:{name}#{number}"))
            .post(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::render::{DANGER, WARNING};
    use super::super::testutil::{att, field, outcome, post};
    use super::super::Outcome;
    use super::translate;
    use serde_json::Value;

    fn failure_finalized() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/integrations/jenkins/synthesized/build__completed_failure.json"
        );
        let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        v["build"]["phase"] = "FINALIZED".into();
        v
    }

    #[test]
    fn finalized_failure_shows_tests_and_log() {
        let p = post(translate, &[], &failure_finalized());
        assert_eq!(p.event, "build.failure");
        assert_eq!(att(&p, "color"), DANGER);
        assert!(p.text.starts_with("Build [acme-api #42](https://ci.example.com/job/acme-api/42/) **failed** after 1m 13s"), "{}", p.text);
        assert_eq!(
            field(&p, "Tests"),
            Some("117 passed, 2 failed, 1 skipped (of 120)")
        );
        assert_eq!(
            field(&p, "Failed tests"),
            Some("`com.example.FooTest.testBar`\n`com.example.BazTest.testQux`")
        );
        assert_eq!(field(&p, "Parameters"), Some("DEPLOY\\_ENV=staging"));
        assert!(att(&p, "text").starts_with("```\n[ERROR] Tests run: 120"));
        assert_eq!(p.thread_key.as_deref(), Some("jenkins:acme-api#42"));
    }

    #[test]
    fn unstable_and_queued() {
        let mut v = failure_finalized();
        v["build"]["status"] = "UNSTABLE".into();
        assert_eq!(att(&post(translate, &[], &v), "color"), WARNING);
        v["build"]["phase"] = "QUEUED".into();
        assert_eq!(
            outcome(translate, &[], &v),
            Outcome::ignored("build.queued", "only finished builds are posted")
        );
    }
}
