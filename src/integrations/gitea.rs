//! Gitea and Forgejo (and mostly Gogs) webhooks. Switches on `X-Gitea-Event` (or
//! `X-Forgejo-Event`, `X-Gogs-Event`), refined by the body's `action`; never on the
//! `X-GitHub-Event` copy these forges also send.
//!
//! The bodies are GitHub-shaped, so `push`, `pull_request`, `issues`, `issue_comment` (and
//! `pull_request_comment`), `release` (published) and `fork` go through
//! [`github`] with Gitea's URL layout (`compare_url`, `/src/branch/…`,
//! `/src/tag/…`). Gitea-only: `create` / `delete` of a branch or tag (posted, unlike on
//! GitHub, because Gitea users subscribe to them separately), and the review events
//! `pull_request_approved`, `pull_request_rejected` and `pull_request_comment` (a review
//! comment when the body has a `review`, else a conversation comment).
//! A hook subscribed to both `push` and `create` gets two posts for a new tag; exclude
//! `create.*` in the hook's filter if that is unwanted.
//!
//! Event names follow GitHub's (`pull_request.opened`, `pull_request.merged`, `push`,
//! `create.tag`, `pull_request_review.approved`). Threads: `gitea:{owner/repo}#{number}` for
//! issues and pull requests (one number space, as on GitHub).

use serde_json::Value;

use super::github::{self, Ctx, Forge};
use super::json::{parse_body, require_object, require_str, str_at, text_at};
use super::render::{bold, code, excerpt, link, link_raw, GOOD, NEUTRAL, WARNING};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};

const GITEA: Forge = Forge {
    source: "gitea",
    name: "Gitea",
    compare_key: "compare_url",
    branch_path: "src/branch/",
    tag_path: "src/tag/",
    commit_path: "commit/",
};

/// Gitea and Forgejo (and Gogs' headers): they also send `X-GitHub-Event`, so their own
/// headers win over GitHub's.
pub const SOURCE: Source = Source {
    name: "gitea",
    aliases: &["forgejo"],
    event_headers: &["X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"],
    marker_headers: &[],
    shape: None,
    agents: &[],
    shadows: &["github"],
    delivery_id_headers: &["X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery"],
    signature: &[
        Check::BareHex("X-Gitea-Signature"),
        Check::BareHex("X-Forgejo-Signature"),
        Check::BareHex("X-Gogs-Signature"),
        Check::Prefixed("X-Hub-Signature-256"),
        // Gitea's free-form `Authorization` header.
        Check::Token,
    ],
    translate,
};

/// Translates one Gitea / Forgejo webhook.
pub fn translate(headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let event = ["X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"]
        .iter()
        .find_map(|h| headers.get(h).map(str::trim).filter(|e| !e.is_empty()))
        .ok_or_else(|| TranslateError::BadPayload("missing X-Gitea-Event header".to_owned()))?;
    let v = parse_body(body)?;
    match event {
        "create" | "delete" => create_delete(event, &v),
        "pull_request_approved" | "pull_request_rejected" => review(event, &v),
        "pull_request_comment" => {
            if at_review(&v) {
                review(event, &v)
            } else {
                github::translate_event(&GITEA, "issue_comment", &v)
            }
        }
        _ => github::translate_event(&GITEA, event, &v),
    }
}

fn at_review(v: &Value) -> bool {
    super::json::at(v, "review").is_some_and(Value::is_object)
        && super::json::at(v, "comment").is_none()
}

fn create_delete(event: &str, v: &Value) -> Result<Outcome, TranslateError> {
    let c = Ctx::new(&GITEA, v)?;
    let name = require_str(v, "ref")?;
    let name = name
        .strip_prefix("refs/tags/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name);
    let kind = if str_at(v, "ref_type") == Some("tag") {
        "tag"
    } else {
        "branch"
    };
    let path = if kind == "tag" {
        GITEA.tag_path
    } else {
        GITEA.branch_path
    };
    let (verb, ref_md, url) = if event == "create" {
        let url = c.url_below(path, name);
        ("created", link_raw(&code(name), url.as_deref()), url)
    } else {
        ("deleted", code(name), None)
    };
    let text = format!(
        "{} {verb} {kind} {ref_md} in {}",
        bold(c.actor),
        c.repo_link()
    );
    let mut att = c.attachment(&github::plain(&text), NEUTRAL).title(
        format!("{} {name} {verb}", capitalize(kind)),
        url.as_deref(),
    );
    if let Some(sha) = str_at(v, "sha") {
        let commit = link_raw(
            &code(super::render::short_sha(sha)),
            c.url_below(GITEA.commit_path, sha).as_deref(),
        );
        att = att.field("Commit", commit, true);
    }
    Ok(Translated::new(format!("{event}.{kind}"), text)
        .attach(att)
        .post())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `pull_request_approved` / `_rejected` / review comments: the body is a pull request event
/// with `action: reviewed` and a `review { type, content }`.
fn review(event: &str, v: &Value) -> Result<Outcome, TranslateError> {
    let c = Ctx::new(&GITEA, v)?;
    let pr = require_object(v, "pull_request")?;
    let number = text_at(v, "number")
        .or_else(|| text_at(pr, "number"))
        .ok_or_else(|| super::json::missing("number"))?;
    let (verb, state, color) = match event {
        "pull_request_approved" => ("approved", "approved", GOOD),
        "pull_request_rejected" => ("requested changes on", "changes_requested", WARNING),
        _ => ("reviewed", "commented", NEUTRAL),
    };
    let title = str_at(pr, "title").unwrap_or("");
    let url = str_at(pr, "html_url");
    let text = format!(
        "{} {verb} pull request {} in {}",
        bold(c.actor),
        link(&format!("#{number} {title}"), url),
        c.repo_link()
    );
    let att = c
        .attachment(&github::plain(&text), color)
        .title(format!("Review of #{number} {title}"), url)
        .text(excerpt(str_at(v, "review.content").unwrap_or(""), 1000));
    Ok(
        Translated::new(format!("pull_request_review.{state}"), text)
            .attach(att)
            .thread(c.thread(&number))
            .post(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::render::GOOD;
    use super::super::testutil::{att, post};
    use super::translate;
    use serde_json::{json, Value};

    fn base() -> Value {
        json!({"repository": {"full_name": "o/r", "html_url": "https://git.example.com/o/r"},
               "sender": {"login": "dan", "avatar_url": "https://git.example.com/avatar/1"}})
    }

    fn with(extra: Value) -> Value {
        let mut v = base();
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        v
    }

    #[test]
    fn release_and_branch_deletion() {
        let p = post(
            translate,
            &[("X-Gitea-Event", "release")],
            &with(
                json!({"action": "published", "release": {"tag_name": "v2", "name": "Two",
                "html_url": "https://git.example.com/o/r/releases/tag/v2", "author": {"login": "dan"}}}),
            ),
        );
        assert!(p.text.contains("published release [Two]"), "{}", p.text);
        assert_eq!(
            p.attachments[0].fields.as_ref().unwrap()[0].value,
            "[`v2`](https://git.example.com/o/r/src/tag/v2)"
        );
        let d = post(
            translate,
            &[("X-Forgejo-Event", "delete")],
            &with(json!({"ref": "feature", "ref_type": "branch"})),
        );
        assert_eq!(d.event, "delete.branch");
        assert!(d.text.contains("deleted branch `feature`"), "{}", d.text);
    }

    #[test]
    fn reviews_and_pull_request_comments() {
        let pr = json!({"number": 4, "title": "Feat", "html_url": "https://git.example.com/o/r/pulls/4"});
        let approved = post(
            translate,
            &[("X-Gitea-Event", "pull_request_approved")],
            &with(
                json!({"action": "reviewed", "number": 4, "pull_request": pr,
                         "review": {"type": "pull_request_review_approved", "content": "ship it"}}),
            ),
        );
        assert_eq!(att(&approved, "color"), GOOD);
        assert_eq!(approved.thread_key.as_deref(), Some("gitea:o/r#4"));
        let comment = post(
            translate,
            &[("X-Gitea-Event", "issue_comment")],
            &with(json!({"action": "created", "is_pull": true,
                         "issue": {"number": 4, "title": "Feat", "pull_request": null},
                         "comment": {"body": "nice", "html_url": "https://git.example.com/o/r/pulls/4#c"}})),
        );
        assert!(
            comment.text.contains("commented on pull request"),
            "{}",
            comment.text
        );
        assert_eq!(comment.thread_key, approved.thread_key);
    }
}
