//! Built-in webhook translators: turn a third-party tool's webhook request into the post it
//! should produce.
//!
//! Each provider file exports one [`Source`] descriptor (name, aliases, the headers and body
//! shape that identify it, its delivery-id headers, its signature scheme, its translator);
//! [`REGISTRY`] lists them, and [`detect`], [`delivery_id`] and [`verify_signature`] read it.
//! The shared pieces have files of their own: `signature.rs` (signature checks), `json.rs`
//! (body decoding and JSON access), `render.rs` (Markdown, colours, commit lists), and
//! `template.rs` (hooks' own minijinja templates).
//!
//! Everything here is a pure function of the request: no I/O, no clock, no randomness. The
//! server looks the hook up, calls [`verify_signature`] when the hook has a secret, picks the
//! translator with [`find`] (or [`detect`] for "auto" hooks), applies [`event_allowed`] to
//! [`Translated::event`] and creates the post.

pub mod alertmanager;
pub mod bitbucket;
pub mod gitea;
pub mod github;
pub mod gitlab;
pub mod grafana;
pub mod jenkins;
pub mod jira;
pub mod json;
pub mod redmine;
pub mod render;
pub mod signature;
pub mod template;
pub mod trac;

pub use signature::{verify_signature, Check, SignatureError};

use crate::slack::Attachment;
use json::parse_body;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Shared types
// ---------------------------------------------------------------------------------------------

/// Request headers as received; lookup is case-insensitive.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a>(pub &'a [(String, String)]);

impl<'a> Headers<'a> {
    /// The first header called `name` (ASCII case-insensitive), if any.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first header called `name` whose value is not blank.
    fn get_nonempty(&self, name: &str) -> Option<&'a str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// The post a webhook should produce.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translated {
    /// Event name used by hook filters, e.g. `pull_request.opened`, `push`, `alert.firing`.
    pub event: String,
    /// Post message (Markdown).
    pub text: String,
    /// Slack attachments (see `docs/spec/incoming-webhooks.md` §6).
    pub attachments: Vec<Attachment>,
    /// Later events about the same object (PR, issue, alert group, build) reply in the thread
    /// started by the first post with this key, e.g. `github:owner/repo#12`.
    pub thread_key: Option<String>,
    /// Display-name override; built-in translators leave it to the hook's configuration.
    pub username: Option<String>,
    /// Avatar override; built-in translators leave it to the hook's configuration.
    pub icon_url: Option<String>,
}

impl Translated {
    /// A post with `text` and nothing else.
    pub fn new(event: impl Into<String>, text: impl Into<String>) -> Self {
        Translated {
            event: event.into(),
            text: text.into(),
            attachments: Vec::new(),
            thread_key: None,
            username: None,
            icon_url: None,
        }
    }

    /// Appends one attachment.
    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// Sets the thread key.
    pub fn thread(mut self, key: impl Into<String>) -> Self {
        self.thread_key = Some(key.into());
        self
    }

    /// Wraps the post into [`Outcome::Post`].
    pub fn post(self) -> Outcome {
        Outcome::Post(self)
    }
}

/// What a translator decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Create this post.
    Post(Translated),
    /// Deliberately no post (GitHub `ping`, a Jenkins build that has not finished, an event we
    /// do not render). The request is still answered with success.
    Ignored { event: String, reason: String },
}

impl Outcome {
    /// Shorthand for [`Outcome::Ignored`].
    pub fn ignored(event: impl Into<String>, reason: impl Into<String>) -> Self {
        Outcome::Ignored {
            event: event.into(),
            reason: reason.into(),
        }
    }

    /// An event the translator does not render: ``<what> `<value>` is not posted``.
    pub fn not_posted(event: impl Into<String>, what: &str, value: &str) -> Self {
        Self::ignored(event, format!("{what} `{value}` is not posted"))
    }

    /// [`Outcome::not_posted`] with what is posted instead:
    /// ``<what> `<value>` is not posted (<only>)``.
    pub fn not_posted_but(event: impl Into<String>, what: &str, value: &str, only: &str) -> Self {
        Self::ignored(event, format!("{what} `{value}` is not posted ({only})"))
    }
}

/// Why a request could not be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranslateError {
    /// Not JSON (or not a JSON object), or a field the event cannot do without is missing.
    BadPayload(String),
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TranslateError::BadPayload(msg) => write!(f, "bad webhook payload: {msg}"),
        }
    }
}

impl std::error::Error for TranslateError {}

/// A translator: one provider's webhook request in, the post (or a reason for none) out.
pub type Translator = fn(&Headers, &[u8]) -> Result<Outcome, TranslateError>;

// ---------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------

/// One built-in source: how its calls are recognized, how they prove the hook's secret, how
/// its deliveries are named, and its translator. Each provider file exports one (`SOURCE`).
pub struct Source {
    /// Its name in `/hooks/{id}/{name}`, the delivery log and thread keys.
    pub name: &'static str,
    /// Other names for it in the URL (`forgejo` for Gitea).
    pub aliases: &'static [&'static str],
    /// Headers naming the event: any of them marks a call to the plain `/hooks/{id}` as this
    /// tool's native payload, whatever its body.
    pub event_headers: &'static [&'static str],
    /// Other headers only this tool sends (with the event headers, [`detect`]'s first clue).
    pub marker_headers: &'static [&'static str],
    /// Whether a JSON body has this tool's shape ([`detect`]'s second clue).
    pub shape: Option<fn(&Value) -> bool>,
    /// `User-Agent` prefixes ([`detect`]'s last clue).
    pub agents: &'static [&'static str],
    /// Sources whose headers or body this one sends too (Gitea sends `X-GitHub-Event`;
    /// Grafana's alerts are Alertmanager's and more): when both fit, this one is meant.
    pub shadows: &'static [&'static str],
    /// Headers with the provider's id of a delivery, stable across redeliveries (the first
    /// present wins).
    pub delivery_id_headers: &'static [&'static str],
    /// How its calls prove they know the secret ([`verify_signature`]; one passing check
    /// suffices).
    pub signature: &'static [Check],
    pub translate: Translator,
}

/// Every built-in source, in the order the hook UI lists them.
pub static REGISTRY: &[&Source] = &[
    &github::SOURCE,
    &gitlab::SOURCE,
    &gitea::SOURCE,
    &bitbucket::SOURCE,
    &jira::SOURCE,
    &jenkins::SOURCE,
    &redmine::SOURCE,
    &trac::SOURCE,
    &alertmanager::SOURCE,
    &grafana::SOURCE,
];

/// The source called `name` or with that alias (exact, as the registry spells it).
pub fn source(name: &str) -> Option<&'static Source> {
    REGISTRY
        .iter()
        .copied()
        .find(|s| s.name == name || s.aliases.contains(&name))
}

/// A source's name or alias as the registry spells it, matched ASCII case-insensitively
/// (a URL's `/hooks/{id}/GitHub`).
pub fn spelled(name: &str) -> Option<&'static str> {
    REGISTRY
        .iter()
        .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
        .find(|n| n.eq_ignore_ascii_case(name))
}

/// The translator for `name` (a source's name or alias).
pub fn find(name: &str) -> Option<Translator> {
    source(name).map(|s| s.translate)
}

/// Every source's name, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|s| s.name)
}

/// Whether the request carries a tool's event header (`X-GitHub-Event`, …).
pub fn has_event_header(headers: &Headers) -> bool {
    REGISTRY
        .iter()
        .flat_map(|s| s.event_headers)
        .any(|h| headers.get(h).is_some())
}

/// Guesses the source of a webhook that is not a Slack payload, first from its headers, then
/// from the body's shape, then from its `User-Agent`. `None` when nothing fits.
pub fn detect(headers: &Headers, body: &[u8]) -> Option<&'static str> {
    let by_header = first_unshadowed(|s| {
        s.event_headers
            .iter()
            .chain(s.marker_headers)
            .any(|h| headers.get(h).is_some())
    });
    if by_header.is_some() {
        return by_header;
    }
    if let Ok(v) = parse_body(body) {
        let by_shape = first_unshadowed(|s| s.shape.is_some_and(|fits| fits(&v)));
        if by_shape.is_some() {
            return by_shape;
        }
    }
    let agent = headers.get("User-Agent").unwrap_or("");
    first_unshadowed(|s| s.agents.iter().any(|prefix| agent.starts_with(prefix)))
}

/// The first source (in registry order) that fits, unless another that fits shadows it.
fn first_unshadowed(fits: impl Fn(&Source) -> bool) -> Option<&'static str> {
    let hits: Vec<&Source> = REGISTRY.iter().copied().filter(|s| fits(s)).collect();
    hits.iter()
        .find(|s| !hits.iter().any(|o| o.shadows.contains(&s.name)))
        .map(|s| s.name)
}

/// The provider's id for this delivery (stable across redeliveries), for de-duplication.
pub fn delivery_id(source_name: &str, headers: &Headers) -> Option<String> {
    source(source_name)?
        .delivery_id_headers
        .iter()
        .find_map(|n| headers.get_nonempty(n))
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Event filters
// ---------------------------------------------------------------------------------------------

/// Whether `event` matches a filter pattern in which `*` stands for any run of characters
/// (including none, and including `.` and `:`). ASCII case-insensitive; surrounding blanks in
/// the pattern are ignored. `"pull_request.*"` matches `"pull_request.opened"`, `"*"` matches
/// everything, `"push"` only `"push"`.
pub fn event_matches(filter_pattern: &str, event: &str) -> bool {
    let p = filter_pattern.trim().as_bytes();
    let e = event.as_bytes();
    // Classic greedy wildcard match with one backtrack point: linear in practice, never
    // exponential.
    let (mut pi, mut ei) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ei < e.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ei));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&e[ei]) {
            pi += 1;
            ei += 1;
        } else if let Some((sp, se)) = star {
            pi = sp + 1;
            ei = se + 1;
            star = Some((sp, se + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Include/exclude filtering: an empty `include` list lets every event in; an event matching
/// any `exclude` pattern is dropped.
pub fn event_allowed(include: &[String], exclude: &[String], event: &str) -> bool {
    let included = include.is_empty() || include.iter().any(|p| event_matches(p, event));
    included && !exclude.iter().any(|p| event_matches(p, event))
}

/// Helpers for the translators' unit tests.
#[cfg(test)]
pub(crate) mod testutil {
    use super::{Headers, Outcome, Translated, Translator};
    use serde_json::Value;
    use std::path::{Path, PathBuf};

    /// `tests/fixtures/integrations/`.
    pub(crate) fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrations")
    }

    /// A fixture's bytes, by its path under [`root`].
    pub(crate) fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(root().join(rel)).unwrap()
    }

    /// Owned header pairs.
    pub(crate) fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Runs `t` on `body` with `headers`; panics unless it posts.
    pub(crate) fn post(t: Translator, headers: &[(&str, &str)], body: &Value) -> Translated {
        match outcome(t, headers, body) {
            Outcome::Post(p) => p,
            other => panic!("expected a post, got {other:?}"),
        }
    }

    /// Runs `t` on `body` with `headers`; panics on errors.
    pub(crate) fn outcome(t: Translator, headers: &[(&str, &str)], body: &Value) -> Outcome {
        let h: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        t(&Headers(&h), body.to_string().as_bytes()).unwrap()
    }

    /// The first attachment's `key` as a string.
    pub(crate) fn att(p: &Translated, key: &str) -> String {
        let v = serde_json::to_value(&p.attachments[0]).unwrap();
        v[key].as_str().unwrap_or("").to_owned()
    }

    /// The first attachment's field titled `title`.
    pub(crate) fn field<'a>(p: &'a Translated, title: &str) -> Option<&'a str> {
        p.attachments[0]
            .fields
            .as_ref()?
            .iter()
            .find(|f| f.title == title)
            .map(|f| f.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::{fixture, hdrs, root};
    use super::*;
    use serde_json::json;

    #[test]
    fn event_patterns() {
        assert!(event_matches("pull_request.*", "pull_request.opened"));
        assert!(event_matches("push", "push"));
        assert!(!event_matches("push", "push.tag"));
        assert!(!event_matches("push", "pull_request.opened"));
        assert!(event_matches("*", "anything:at.all"));
        assert!(event_matches("*", ""));
        assert!(event_matches("pullrequest:*", "pullrequest:fulfilled"));
        assert!(event_matches("*.failure", "workflow_run.failure"));
        assert!(event_matches("issue_updated.*ed", "issue_updated.assigned"));
        assert!(event_matches("a*b*c", "aXbYbZc"));
        assert!(!event_matches("a*b*c", "aXbYbZ"));
        assert!(event_matches(
            "  Pull_Request.Opened ",
            "pull_request.opened"
        ));
        assert!(!event_matches("", "push"));
        // Pathological patterns stay fast.
        let long = "a".repeat(2000);
        assert!(!event_matches(&"*a".repeat(50), &format!("{long}b")));
    }

    #[test]
    fn include_and_exclude_filters() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(event_allowed(&[], &[], "push"));
        assert!(event_allowed(
            &s(&["push", "pull_request.*"]),
            &[],
            "pull_request.merged"
        ));
        assert!(!event_allowed(&s(&["push"]), &[], "issues.opened"));
        assert!(!event_allowed(
            &[],
            &s(&["*.success"]),
            "workflow_run.success"
        ));
        assert!(!event_allowed(
            &s(&["pull_request.*"]),
            &s(&["pull_request.synchronize"]),
            "pull_request.synchronize"
        ));
        assert!(event_allowed(
            &s(&["pull_request.*"]),
            &s(&["pull_request.synchronize"]),
            "pull_request.opened"
        ));
    }

    /// Every fixture folder, with its sidecar headers, is detected as its own source.
    #[test]
    fn detect_every_fixture() {
        let mut seen = 0;
        for source in names() {
            let mut stack = vec![root().join(source)];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    if !name.ends_with(".json")
                        || name.ends_with(".headers.json")
                        || name.ends_with(".expected.json")
                    {
                        continue;
                    }
                    let sidecar = path.with_file_name(name.replace(".json", ".headers.json"));
                    let map: serde_json::Map<String, Value> =
                        serde_json::from_slice(&std::fs::read(&sidecar).unwrap()).unwrap();
                    let headers: Vec<(String, String)> = map
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect();
                    let body = std::fs::read(&path).unwrap();
                    assert_eq!(detect(&Headers(&headers), &body), Some(source), "{name}");
                    // Sources without event headers are recognised from the body alone.
                    if !matches!(source, "github" | "gitea" | "bitbucket") {
                        assert_eq!(
                            detect(&Headers(&[]), &body),
                            Some(source),
                            "{name} by shape"
                        );
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen >= 40, "only {seen} fixtures seen");
    }

    #[test]
    fn detect_prefers_gitea_over_github_headers() {
        let body = fixture("gitea/push.json");
        let h = hdrs(&[("X-GitHub-Event", "push"), ("X-Gitea-Event", "push")]);
        assert_eq!(detect(&Headers(&h), &body), Some("gitea"));
        let h = hdrs(&[("X-GitHub-Event", "push"), ("X-Forgejo-Event", "push")]);
        assert_eq!(detect(&Headers(&h), &body), Some("gitea"));
        assert_eq!(detect(&Headers(&[]), b"not json"), None);
        assert_eq!(detect(&Headers(&[]), br#"{"text": "hello"}"#), None);
    }

    #[test]
    fn delivery_ids() {
        let h = hdrs(&[
            ("x-github-delivery", "gh-1"),
            ("X-Gitea-Delivery", "gt-1"),
            ("X-Gitlab-Event-UUID", "gl-1"),
            ("X-Request-UUID", "bb-1"),
            ("X-Atlassian-Webhook-Identifier", "ji-1"),
        ]);
        let h = Headers(&h);
        assert_eq!(delivery_id("github", &h).as_deref(), Some("gh-1"));
        assert_eq!(delivery_id("gitea", &h).as_deref(), Some("gt-1"));
        assert_eq!(delivery_id("forgejo", &h).as_deref(), Some("gt-1"));
        assert_eq!(delivery_id("gitlab", &h).as_deref(), Some("gl-1"));
        assert_eq!(delivery_id("bitbucket", &h).as_deref(), Some("bb-1"));
        assert_eq!(delivery_id("jira", &h).as_deref(), Some("ji-1"));
        assert_eq!(delivery_id("jenkins", &h), None);
        let forgejo = hdrs(&[("X-Forgejo-Delivery", "fj-1")]);
        assert_eq!(
            delivery_id("gitea", &Headers(&forgejo)).as_deref(),
            Some("fj-1")
        );
        let idem = hdrs(&[("Idempotency-Key", "k-1"), ("X-Gitlab-Event-UUID", "gl-1")]);
        assert_eq!(
            delivery_id("gitlab", &Headers(&idem)).as_deref(),
            Some("k-1")
        );
    }

    fn form_encode(s: &[u8]) -> String {
        crate::form::query_escape(std::str::from_utf8(s).unwrap())
    }

    #[test]
    fn form_encoded_payload_is_decoded() {
        // `tests/fixtures/slack/form_encoded_payload.txt` without its `icon_emoji`.
        let body = b"payload=%7B%22text%22%3A+%22Backup+of+db-01+completed+in+4m12s+%28size+12.4+GB%29+%26+verified+%3Awhite_check_mark%3A%22%2C+%22username%22%3A+%22backup-bot%22%7D";
        let v = parse_body(body).unwrap();
        assert_eq!(
            v["text"],
            "Backup of db-01 completed in 4m12s (size 12.4 GB) & verified :white_check_mark:"
        );
        assert_eq!(v["username"], "backup-bot");
        // A GitHub form-encoded delivery translates exactly like its JSON twin.
        let json_body = fixture("github/pull_request__opened.json");
        let form_body = format!("payload={}", form_encode(&json_body));
        let h = hdrs(&[("X-GitHub-Event", "pull_request")]);
        let a = github::translate(&Headers(&h), &json_body).unwrap();
        let b = github::translate(&Headers(&h), form_body.as_bytes()).unwrap();
        assert_eq!(a, b);
        // Also when `payload` is not the first field, and for Gitea.
        let gitea_body = fixture("gitea/push.json");
        let form = format!("x=1&payload={}", form_encode(&gitea_body));
        let h = hdrs(&[("X-Gitea-Event", "push")]);
        assert_eq!(
            gitea::translate(&Headers(&h), form.as_bytes()).unwrap(),
            gitea::translate(&Headers(&h), &gitea_body).unwrap()
        );
    }

    #[test]
    fn bad_payloads_are_errors_for_every_translator() {
        let h = hdrs(&[
            ("X-GitHub-Event", "push"),
            ("X-Gitea-Event", "push"),
            ("X-Event-Key", "repo:push"),
            ("X-Gitlab-Event", "Push Hook"),
        ]);
        for source in names() {
            let t = find(source).unwrap();
            for body in [&b"not json"[..], b"[1,2]", b"", b"payload=%7Bnope"] {
                assert!(
                    matches!(t(&Headers(&h), body), Err(TranslateError::BadPayload(_))),
                    "{source} accepted {:?}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }

    #[test]
    fn unknown_events_are_ignored_not_errors() {
        let repo = json!({"repository": {"full_name": "o/r"}, "actor": {"display_name": "x"}});
        let body = repo.to_string();
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], String);
        let cases: [Case; 6] = [
            ("github", &[("X-GitHub-Event", "gollum")], body.clone()),
            ("github", &[("X-GitHub-Event", "create")], body.clone()),
            ("gitea", &[("X-Gitea-Event", "wiki")], body.clone()),
            (
                "bitbucket",
                &[("X-Event-Key", "repo:updated")],
                body.clone(),
            ),
            ("gitlab", &[], json!({"object_kind": "emoji"}).to_string()),
            (
                "jira",
                &[],
                json!({"webhookEvent": "sprint_started"}).to_string(),
            ),
        ];
        for (source, pairs, body) in cases {
            let t = find(source).unwrap();
            let out = t(&Headers(&hdrs(pairs)), body.as_bytes()).unwrap();
            assert!(matches!(out, Outcome::Ignored { .. }), "{source}: {out:?}");
        }
    }

    #[test]
    fn find_knows_every_source_and_the_forgejo_alias() {
        for s in names() {
            assert!(find(s).is_some(), "{s}");
        }
        assert!(find("forgejo").is_some());
        assert!(find("slack").is_none());
    }
}
