//! Bitbucket Cloud webhooks. Switches on the `X-Event-Key` header (`repo:push`,
//! `pullrequest:fulfilled`, …).
//!
//! Posted: `repo:push` (one attachment per changed ref: commits, new and deleted branches and
//! tags), `repo:fork`, `repo:commit_status_created` / `_updated` (in progress, successful,
//! failed, stopped), `pullrequest:created`, `:updated`, `:approved`, `:unapproved`,
//! `:changes_request_created`, `:fulfilled` (merged), `:rejected` (declined),
//! `:comment_created`, `issue:created`, `issue:updated`, `issue:comment_created`.
//! Anything else (including Bitbucket Server's `pr:*` / `repo:refs_changed`) is ignored.
//!
//! Event names are the event keys as sent. Threads: `bitbucket:{workspace/repo}#{id}` for a
//! pull request and its comments, `bitbucket:{workspace/repo}:issue:{id}` for an issue, and
//! `bitbucket:{workspace/repo}:status:{commit}:{key}` for one build's status updates, so the
//! final result replies to the "in progress" post.

use serde_json::Value;

use super::github::plain;
use super::json::{
    array_at, at, bool_at, parse_body, require_object, require_str, str_at, text_at,
};
use super::render::{
    bold, code, commit_list, escape_md, excerpt, link, link_raw, list, plural, short_sha,
    CommitLine, DANGER, GOOD, NEUTRAL, WARNING,
};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// Bitbucket Cloud: `X-Event-Key`; signed with `X-Hub-Signature`.
pub const SOURCE: Source = Source {
    name: "bitbucket",
    aliases: &[],
    event_headers: &["X-Event-Key"],
    marker_headers: &[],
    shape: None,
    agents: &["Bitbucket-Webhooks/"],
    shadows: &[],
    delivery_id_headers: &["X-Request-UUID"],
    signature: &[Check::Prefixed("X-Hub-Signature")],
    translate,
};

/// Translates one Bitbucket Cloud webhook.
pub fn translate(headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let event = headers
        .get("X-Event-Key")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| TranslateError::BadPayload("missing X-Event-Key header".to_owned()))?;
    let v = parse_body(body)?;
    let c = Ctx::new(&v)?;
    match event {
        "repo:push" => push(&c),
        "repo:fork" => fork(&c),
        "repo:commit_status_created" | "repo:commit_status_updated" => commit_status(&c, event),
        "pullrequest:comment_created" => pr_comment(&c),
        "issue:created" | "issue:updated" => issue(&c, event),
        "issue:comment_created" => issue_comment(&c),
        e if e.starts_with("pullrequest:") => pull_request(&c, e),
        other => Ok(Outcome::not_posted(other, "Bitbucket event", other)),
    }
}

struct Ctx<'a> {
    v: &'a Value,
    repo: &'a str,
    repo_url: Option<&'a str>,
    actor: &'a str,
    actor_url: Option<&'a str>,
    actor_icon: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    fn new(v: &'a Value) -> Result<Self, TranslateError> {
        Ok(Ctx {
            v,
            repo: require_str(v, "repository.full_name")?,
            repo_url: str_at(v, "repository.links.html.href"),
            actor: person(v, "actor").unwrap_or("someone"),
            actor_url: str_at(v, "actor.links.html.href"),
            actor_icon: str_at(v, "actor.links.avatar.href"),
        })
    }

    fn repo_link(&self) -> String {
        link(self.repo, self.repo_url)
    }

    fn attachment(&self, fallback: &str, color: &str) -> Attachment {
        Attachment::new(fallback, color)
            .author(self.actor, self.actor_url, self.actor_icon)
            .footer(format!("Bitbucket · {}", self.repo))
    }

    fn url(&self, path: &str) -> Option<String> {
        self.repo_url
            .map(|u| format!("{}/{path}", u.trim_end_matches('/')))
    }
}

/// A Bitbucket user's display name (accounts have no stable username any more).
fn person<'v>(v: &'v Value, path: &str) -> Option<&'v str> {
    let user = if path.is_empty() {
        Some(v)
    } else {
        at(v, path)
    }?;
    str_at(user, "display_name")
        .or_else(|| str_at(user, "nickname"))
        .or_else(|| str_at(user, "username"))
}

fn push(c: &Ctx) -> Result<Outcome, TranslateError> {
    let changes = array_at(c.v, "push.changes");
    if changes.is_empty() {
        return Ok(Outcome::ignored("repo:push", "push without ref changes"));
    }
    let mut attachments = Vec::new();
    let mut lines = Vec::new();
    for change in changes {
        let (line, att) = push_change(c, change);
        lines.push(line);
        attachments.push(att);
    }
    let text = if lines.len() == 1 {
        lines.remove(0)
    } else {
        format!(
            "{} pushed to {} in {}",
            bold(c.actor),
            plural(lines.len(), "ref"),
            c.repo_link()
        )
    };
    let mut t = Translated::new("repo:push", text);
    for a in attachments {
        t = t.attach(a);
    }
    Ok(t.post())
}

fn push_change(c: &Ctx, change: &Value) -> (String, Attachment) {
    let new = at(change, "new").filter(|x| x.is_object());
    let old = at(change, "old").filter(|x| x.is_object());
    let side = new.or(old);
    let kind = side.and_then(|s| str_at(s, "type")).unwrap_or("branch");
    let name = side.and_then(|s| str_at(s, "name")).unwrap_or("?");
    let ref_url = new
        .and_then(|n| str_at(n, "links.html.href"))
        .map(str::to_owned)
        .or_else(|| {
            let path = if kind == "tag" { "src/" } else { "branch/" };
            c.url(&format!("{path}{name}"))
        });
    let ref_md = link_raw(&code(name), ref_url.as_deref());
    let commits: Vec<CommitLine> = array_at(change, "commits")
        .iter()
        .map(|x| CommitLine {
            id: text_at(x, "hash").unwrap_or_default(),
            url: str_at(x, "links.html.href").map(str::to_owned),
            message: str_at(x, "message").unwrap_or("").to_owned(),
            author: person(x, "author.user")
                .or_else(|| str_at(x, "author.raw").map(author_name))
                .map(str::to_owned),
        })
        .collect();
    let who = bold(c.actor);
    let repo = c.repo_link();
    let created = bool_at(change, "created") || old.is_none();
    let deleted = bool_at(change, "closed") || new.is_none();
    let (text, title, title_link, body) = if deleted {
        (
            format!("{who} deleted {kind} {} in {repo}", code(name)),
            format!("{} {name} deleted", capital(kind)),
            None,
            String::new(),
        )
    } else if kind == "tag" || (created && commits.is_empty()) {
        let target = new.and_then(|n| at(n, "target"));
        let body = target
            .map(|t| {
                commit_list(
                    &[CommitLine {
                        id: text_at(t, "hash").unwrap_or_default(),
                        url: str_at(t, "links.html.href").map(str::to_owned),
                        message: str_at(t, "message").unwrap_or("").to_owned(),
                        author: person(t, "author.user").map(str::to_owned),
                    }],
                    1,
                )
            })
            .unwrap_or_default();
        (
            format!("{who} created {kind} {ref_md} in {repo}"),
            format!("{} {name}", capital(kind)),
            ref_url.clone(),
            body,
        )
    } else {
        // Bitbucket sends at most 5 commits per change and flags the rest as `truncated`.
        let total = if bool_at(change, "truncated") {
            commits.len() + 1
        } else {
            commits.len()
        };
        let count = if bool_at(change, "truncated") {
            format!("{}+ commits", commits.len())
        } else {
            plural(commits.len(), "commit")
        };
        let verb = if bool_at(change, "forced") {
            "force-pushed"
        } else {
            "pushed"
        };
        let mut body = commit_list(&commits, commits.len());
        if total > commits.len() {
            body.push_str("\n- … and more");
        }
        (
            format!("{who} {verb} {count} to {ref_md} in {repo}"),
            format!("[{}:{name}] {count}", c.repo),
            str_at(change, "links.html.href")
                .map(str::to_owned)
                .or(ref_url.clone()),
            body,
        )
    };
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(title, title_link.as_deref())
        .text(body);
    (text, att)
}

/// `Jane Doe <jane@example.com>` → `Jane Doe`.
fn author_name(raw: &str) -> &str {
    raw.split('<').next().unwrap_or(raw).trim()
}

fn capital(kind: &str) -> &'static str {
    if kind == "tag" {
        "Tag"
    } else {
        "Branch"
    }
}

fn fork(c: &Ctx) -> Result<Outcome, TranslateError> {
    let name = str_at(c.v, "fork.full_name").unwrap_or("a fork");
    let url = str_at(c.v, "fork.links.html.href");
    let text = format!(
        "{} forked {} to {}",
        bold(c.actor),
        c.repo_link(),
        link(name, url)
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(name.to_owned(), url);
    Ok(Translated::new("repo:fork", text).attach(att).post())
}

fn commit_status(c: &Ctx, event: &str) -> Result<Outcome, TranslateError> {
    let s = require_object(c.v, "commit_status")?;
    let state = str_at(s, "state").unwrap_or("");
    let (word, label, color) = match state {
        "SUCCESSFUL" => ("succeeded", "successful", GOOD),
        "FAILED" => ("failed", "failed", DANGER),
        "INPROGRESS" => ("is in progress", "in progress", NEUTRAL),
        "STOPPED" => ("was stopped", "stopped", WARNING),
        _ => ("changed", "changed", NEUTRAL),
    };
    let name = str_at(s, "name")
        .or_else(|| str_at(s, "key"))
        .unwrap_or("Build");
    let url = str_at(s, "url");
    let sha = str_at(s, "commit.hash");
    let commit_md = sha.map(|h| {
        link_raw(
            &code(short_sha(h)),
            str_at(s, "commit.links.html.href")
                .map(str::to_owned)
                .or_else(|| c.url(&format!("commits/{h}")))
                .as_deref(),
        )
    });
    let on = match (&commit_md, str_at(s, "refname")) {
        (Some(cm), Some(r)) => format!(" for {cm} on {}", code(r)),
        (Some(cm), None) => format!(" for {cm}"),
        (None, Some(r)) => format!(" on {}", code(r)),
        (None, None) => String::new(),
    };
    let text = format!("{} **{word}**{on} in {}", link(name, url), c.repo_link());
    let commit_field = commit_md.map(|cm| match str_at(s, "commit.message") {
        Some(m) => format!("{cm} {}", escape_md(super::render::first_line(m))),
        None => cm,
    });
    let author =
        person(s, "commit.author.user").or_else(|| str_at(s, "commit.author.raw").map(author_name));
    let att = Attachment::new(plain(&text), color)
        .title(format!("{name}: {label}"), url)
        .text(escape_md(str_at(s, "description").unwrap_or("")))
        .field_opt("Commit", commit_field, false)
        .field_opt("Author", author.map(escape_md), true)
        .field_opt("Branch", str_at(s, "refname").map(code), true)
        .footer(format!("Bitbucket · {}", c.repo));
    let mut t = Translated::new(event, text).attach(att);
    if let (Some(h), Some(key)) = (sha, text_at(s, "key")) {
        t = t.thread(format!("bitbucket:{}:status:{h}:{key}", c.repo));
    }
    Ok(t.post())
}

fn pull_request(c: &Ctx, event: &str) -> Result<Outcome, TranslateError> {
    let pr = require_object(c.v, "pullrequest")?;
    let id = text_at(pr, "id").ok_or_else(|| super::json::missing("pullrequest.id"))?;
    let (verb, color, details) = match event {
        "pullrequest:created" => ("opened", NEUTRAL, true),
        "pullrequest:updated" => ("updated", NEUTRAL, false),
        "pullrequest:approved" => ("approved", GOOD, false),
        "pullrequest:unapproved" => ("removed their approval from", NEUTRAL, false),
        "pullrequest:changes_request_created" => ("requested changes on", WARNING, false),
        "pullrequest:fulfilled" => ("merged", GOOD, false),
        "pullrequest:rejected" => ("declined", NEUTRAL, false),
        other => return Ok(Outcome::not_posted(other, "Bitbucket event", other)),
    };
    let url = str_at(pr, "links.html.href");
    let title = str_at(pr, "title").unwrap_or("");
    let text = format!(
        "{} {verb} pull request {} in {}",
        bold(c.actor),
        link(&format!("#{id}"), url),
        c.repo_link()
    );
    let branches = match (
        str_at(pr, "source.branch.name"),
        str_at(pr, "destination.branch.name"),
    ) {
        (Some(s), Some(d)) => Some(format!("{} → {}", code(s), code(d))),
        _ => None,
    };
    let mut att = c
        .attachment(&plain(&text), color)
        .title(format!("#{id} {title}"), url)
        .field_opt("Branch", branches, false);
    if details {
        let reviewers: Vec<String> = array_at(pr, "reviewers")
            .iter()
            .filter_map(|r| person(r, ""))
            .map(str::to_owned)
            .collect();
        att = att
            .text(excerpt(str_at(pr, "description").unwrap_or(""), 500))
            .field_opt("Reviewers", list(&reviewers), true);
    }
    if event == "pullrequest:rejected" {
        att = att.field_opt("Reason", str_at(pr, "reason").map(escape_md), false);
    }
    if event == "pullrequest:fulfilled" {
        att = att.field_opt(
            "Merge commit",
            str_at(pr, "merge_commit.hash").map(|h| {
                link_raw(
                    &code(short_sha(h)),
                    str_at(pr, "merge_commit.links.html.href"),
                )
            }),
            true,
        );
    }
    Ok(Translated::new(event, text)
        .attach(att)
        .thread(format!("bitbucket:{}#{id}", c.repo))
        .post())
}

fn pr_comment(c: &Ctx) -> Result<Outcome, TranslateError> {
    let pr = require_object(c.v, "pullrequest")?;
    let id = text_at(pr, "id").ok_or_else(|| super::json::missing("pullrequest.id"))?;
    let title = str_at(pr, "title").unwrap_or("");
    let url = str_at(c.v, "comment.links.html.href").or_else(|| str_at(pr, "links.html.href"));
    let author = person(c.v, "comment.user").unwrap_or(c.actor);
    let text = format!(
        "{} commented on pull request {} in {}",
        bold(author),
        link(&format!("#{id} {title}"), url),
        c.repo_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Re: #{id} {title}"), url)
        .text(excerpt(
            str_at(c.v, "comment.content.raw").unwrap_or(""),
            1000,
        ))
        .field_opt("File", str_at(c.v, "comment.inline.path").map(code), false);
    Ok(Translated::new("pullrequest:comment_created", text)
        .attach(att)
        .thread(format!("bitbucket:{}#{id}", c.repo))
        .post())
}

fn issue(c: &Ctx, event: &str) -> Result<Outcome, TranslateError> {
    let issue = require_object(c.v, "issue")?;
    let id = text_at(issue, "id").ok_or_else(|| super::json::missing("issue.id"))?;
    let title = str_at(issue, "title").unwrap_or("");
    let url = str_at(issue, "links.html.href");
    let state = str_at(issue, "state").unwrap_or("");
    let created = event == "issue:created";
    let verb = if created { "created" } else { "updated" };
    let text = format!(
        "{} {verb} issue {} in {}",
        bold(c.actor),
        link(&format!("#{id}"), url),
        c.repo_link()
    );
    let color = if matches!(state, "resolved" | "closed") {
        GOOD
    } else {
        NEUTRAL
    };
    let mut att = c
        .attachment(&plain(&text), color)
        .title(format!("#{id} {title}"), url)
        .field("State", escape_md(state), true)
        .field_opt("Kind", str_at(issue, "kind").map(escape_md), true)
        .field_opt("Priority", str_at(issue, "priority").map(escape_md), true)
        .field_opt("Assignee", person(issue, "assignee").map(escape_md), true);
    if created {
        att = att.text(excerpt(str_at(issue, "content.raw").unwrap_or(""), 500));
    } else {
        let changed: Vec<String> = at(c.v, "changes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(field, ch)| {
                        let old = text_at(ch, "old").unwrap_or_else(|| "—".to_owned());
                        let new = text_at(ch, "new").unwrap_or_else(|| "—".to_owned());
                        format!(
                            "- {}: {} → {}",
                            escape_md(field),
                            escape_md(&old),
                            escape_md(&new)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        att = att.text(changed.join("\n"));
        if let Some(comment) = str_at(c.v, "comment.content.raw") {
            att.text = format!("{}\n\n{}", excerpt(comment, 1000), att.text)
                .trim()
                .to_owned();
        }
    }
    Ok(Translated::new(event, text)
        .attach(att)
        .thread(format!("bitbucket:{}:issue:{id}", c.repo))
        .post())
}

fn issue_comment(c: &Ctx) -> Result<Outcome, TranslateError> {
    let issue = require_object(c.v, "issue")?;
    let id = text_at(issue, "id").ok_or_else(|| super::json::missing("issue.id"))?;
    let title = str_at(issue, "title").unwrap_or("");
    let url = str_at(c.v, "comment.links.html.href").or_else(|| str_at(issue, "links.html.href"));
    let text = format!(
        "{} commented on issue {} in {}",
        bold(c.actor),
        link(&format!("#{id} {title}"), url),
        c.repo_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Re: #{id} {title}"), url)
        .text(excerpt(
            str_at(c.v, "comment.content.raw").unwrap_or(""),
            1000,
        ));
    Ok(Translated::new("issue:comment_created", text)
        .attach(att)
        .thread(format!("bitbucket:{}:issue:{id}", c.repo))
        .post())
}

#[cfg(test)]
mod tests {
    use super::super::render::DANGER;
    use super::super::testutil::{att, field, post};
    use super::translate;
    use serde_json::{json, Value};

    fn with(extra: Value) -> Value {
        let mut v = json!({"repository": {"full_name": "w/r", "links": {"html": {"href": "https://bitbucket.org/w/r"}}},
                           "actor": {"display_name": "Eve"}});
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        v
    }

    #[test]
    fn pull_request_comments_thread_with_the_pull_request() {
        let pr = json!({"id": 9, "title": "Feat", "links": {"html": {"href": "https://bitbucket.org/w/r/pull-requests/9"}}});
        let p = post(
            translate,
            &[("X-Event-Key", "pullrequest:comment_created")],
            &with(
                json!({"pullrequest": pr, "comment": {"content": {"raw": "Nice **work**"},
                "user": {"display_name": "Finn"},
                "links": {"html": {"href": "https://bitbucket.org/w/r/pull-requests/9/_/diff#comment-1"}}}}),
            ),
        );
        assert_eq!(p.thread_key.as_deref(), Some("bitbucket:w/r#9"));
        assert!(
            p.text.starts_with("**Finn** commented on pull request"),
            "{}",
            p.text
        );
        assert_eq!(att(&p, "text"), "Nice **work**");
    }

    #[test]
    fn failed_build_status_is_red() {
        let p = post(
            translate,
            &[("X-Event-Key", "repo:commit_status_updated")],
            &with(
                json!({"commit_status": {"state": "FAILED", "name": "CI", "key": "k",
                "url": "https://ci.example.com/1", "refname": "main", "commit": {"hash": "0123456789"}}}),
            ),
        );
        assert_eq!(att(&p, "color"), DANGER);
        assert_eq!(
            p.thread_key.as_deref(),
            Some("bitbucket:w/r:status:0123456789:k")
        );
    }

    #[test]
    fn issues_and_truncated_pushes() {
        let p = post(
            translate,
            &[("X-Event-Key", "issue:created")],
            &with(
                json!({"issue": {"id": 3, "title": "Crash", "state": "new", "kind": "bug",
                "priority": "major", "content": {"raw": "It crashes"},
                "links": {"html": {"href": "https://bitbucket.org/w/r/issues/3"}}}}),
            ),
        );
        assert_eq!(field(&p, "Kind"), Some("bug"));
        assert_eq!(p.thread_key.as_deref(), Some("bitbucket:w/r:issue:3"));
        let commits: Vec<Value> = (0..5)
            .map(|i| json!({"hash": format!("{i}aaaaaaaa"), "message": "m", "author": {"raw": "A <a@x>"}}))
            .collect();
        let push = post(
            translate,
            &[("X-Event-Key", "repo:push")],
            &with(
                json!({"push": {"changes": [{"new": {"type": "branch", "name": "main"},
                "old": {"type": "branch", "name": "main"}, "truncated": true, "commits": commits}]}}),
            ),
        );
        assert!(push.text.contains("pushed 5+ commits"), "{}", push.text);
        assert!(att(&push, "text").ends_with("- … and more"));
        assert!(att(&push, "text").contains("m — A"));
    }
}
