//! GitHub webhooks. Switches on the `X-GitHub-Event` header, refined by the body's `action`.
//!
//! Posted: `push` (branch pushes with their commits, branch/tag creation and deletion),
//! `pull_request` (opened, reopened, closed, merged, ready_for_review, converted_to_draft,
//! synchronize, assigned, review_requested), `pull_request_review` (submitted),
//! `pull_request_review_comment` (created), `issues` (opened, closed, reopened, assigned),
//! `issue_comment` (created), `release` (published), `workflow_run` / `workflow_job` /
//! `check_run` (completed), `status` (final states), `fork`, `star` (created).
//! Ignored: `ping`, `create` and `delete` (the `push` GitHub sends alongside reports the same
//! ref change), other actions and events.
//!
//! Event names are `<X-GitHub-Event>.<action>`, except: `push`; a merged pull request is
//! `pull_request.merged` (GitHub says `closed` + `merged: true`); CI events carry their result,
//! e.g. `workflow_run.failure`, `status.success`.
//! Issues and pull requests share GitHub's number space, so both (and their comments and
//! reviews) thread under `github:{owner/repo}#{number}`.
//!
//! Gitea sends GitHub-shaped bodies; [`gitea`](super::gitea) reuses this module through
//! `Forge`.

use serde_json::Value;

use super::json::{
    array_at, at, bool_at, i64_at, parse_body, require_object, require_str, str_at, strings_in,
    text_at,
};
use super::render::{
    bold, code, commit_list, escape_md, excerpt, first_line, is_zero_sha, link, link_raw, list,
    plural, short_sha, split_ref, CommitLine, DANGER, GOOD, NEUTRAL, WARNING,
};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// What differs between GitHub-shaped forges.
pub(crate) struct Forge {
    /// Source name, also the thread-key prefix.
    pub source: &'static str,
    /// Display name for footers.
    pub name: &'static str,
    /// Body key of a push's compare URL.
    pub compare_key: &'static str,
    /// Path below the repository URL to a branch.
    pub branch_path: &'static str,
    /// Path below the repository URL to a tag.
    pub tag_path: &'static str,
    /// Path below the repository URL to a commit.
    pub commit_path: &'static str,
}

pub(crate) const GITHUB: Forge = Forge {
    source: "github",
    name: "GitHub",
    compare_key: "compare",
    branch_path: "tree/",
    tag_path: "releases/tag/",
    commit_path: "commit/",
};

/// GitHub: its event header names the event; signed with `X-Hub-Signature-256`.
pub const SOURCE: Source = Source {
    name: "github",
    aliases: &[],
    event_headers: &["X-GitHub-Event"],
    marker_headers: &[],
    shape: None,
    agents: &["GitHub-Hookshot/"],
    shadows: &[],
    delivery_id_headers: &["X-GitHub-Delivery"],
    signature: &[
        Check::Prefixed("X-Hub-Signature-256"),
        Check::PrefixedUnless("X-Hub-Signature", "X-Hub-Signature-256"),
    ],
    translate,
};

/// Translates one GitHub webhook.
pub fn translate(headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let event = headers
        .get("X-GitHub-Event")
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| TranslateError::BadPayload("missing X-GitHub-Event header".to_owned()))?;
    let v = parse_body(body)?;
    match event {
        "ping" => Ok(Outcome::ignored("ping", "ping")),
        "create" | "delete" => Ok(Outcome::ignored(
            with_action(event, &v),
            "ref creation and deletion are reported by the push event",
        )),
        _ => translate_event(&GITHUB, event, &v),
    }
}

fn with_action(event: &str, v: &Value) -> String {
    match str_at(v, "action") {
        Some(a) => format!("{event}.{a}"),
        None => event.to_owned(),
    }
}

/// The events GitHub and Gitea share.
pub(crate) fn translate_event(
    forge: &Forge,
    event: &str,
    v: &Value,
) -> Result<Outcome, TranslateError> {
    let c = Ctx::new(forge, v)?;
    match event {
        "push" => push(&c),
        "pull_request" => pull_request(&c),
        "pull_request_review" => review(&c),
        "pull_request_review_comment" => review_comment(&c),
        "issues" => issues(&c),
        "issue_comment" => issue_comment(&c),
        "release" => release(&c),
        "workflow_run" => workflow_run(&c),
        "workflow_job" => workflow_job(&c),
        "check_run" => check_run(&c),
        "status" => status(&c),
        "fork" => fork(&c),
        "star" => star(&c),
        _ => Ok(Outcome::not_posted(
            with_action(event, v),
            &format!("{} event", forge.name),
            event,
        )),
    }
}

/// What every event of a GitHub-shaped forge has: the repository and the sender.
pub(crate) struct Ctx<'a> {
    pub forge: &'a Forge,
    pub v: &'a Value,
    pub repo: &'a str,
    pub repo_url: Option<&'a str>,
    pub actor: &'a str,
    pub actor_url: Option<&'a str>,
    pub actor_icon: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(forge: &'a Forge, v: &'a Value) -> Result<Self, TranslateError> {
        let repo = require_str(v, "repository.full_name")?;
        let actor = str_at(v, "sender.login")
            .or_else(|| str_at(v, "sender.username"))
            .or_else(|| str_at(v, "pusher.name"))
            .unwrap_or("someone");
        Ok(Ctx {
            forge,
            v,
            repo,
            repo_url: str_at(v, "repository.html_url"),
            actor,
            actor_url: str_at(v, "sender.html_url"),
            actor_icon: str_at(v, "sender.avatar_url"),
        })
    }

    pub(crate) fn repo_link(&self) -> String {
        link(self.repo, self.repo_url)
    }

    pub(crate) fn footer(&self) -> String {
        format!("{} · {}", self.forge.name, self.repo)
    }

    /// `{repo_url}/{path}{name}`.
    pub(crate) fn url_below(&self, path: &str, name: &str) -> Option<String> {
        self.repo_url
            .map(|u| format!("{}/{path}{name}", u.trim_end_matches('/')))
    }

    pub(crate) fn thread(&self, number: &str) -> String {
        format!("{}:{}#{number}", self.forge.source, self.repo)
    }

    /// An attachment with this event's sender as author and the repository as footer.
    pub(crate) fn attachment(&self, fallback: &str, color: &str) -> Attachment {
        Attachment::new(fallback, color)
            .author(self.actor, self.actor_url, self.actor_icon)
            .footer(self.footer())
    }
}

fn push(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let git_ref = require_str(v, "ref")?;
    let (kind, name) = split_ref(git_ref);
    let commits: Vec<CommitLine> = array_at(v, "commits")
        .iter()
        .map(|x| CommitLine {
            id: text_at(x, "id").unwrap_or_default(),
            url: str_at(x, "url").map(str::to_owned),
            message: str_at(x, "message").unwrap_or("").to_owned(),
            author: str_at(x, "author.name")
                .or_else(|| str_at(x, "author.username"))
                .map(str::to_owned),
        })
        .collect();
    let total = i64_at(v, "total_commits")
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(commits.len());
    let created = bool_at(v, "created") || is_zero_sha(str_at(v, "before"));
    let deleted = bool_at(v, "deleted") || is_zero_sha(str_at(v, "after"));
    let forced = bool_at(v, "forced");
    let path = if kind == "tag" {
        c.forge.tag_path
    } else {
        c.forge.branch_path
    };
    let ref_url = c.url_below(path, name);
    let ref_md = link_raw(&code(name), ref_url.as_deref());
    let compare = str_at(v, c.forge.compare_key);
    let who = bold(c.actor);
    let repo = c.repo_link();

    let (text, title, title_link, body) = if deleted {
        (
            format!("{who} deleted {kind} {} in {repo}", code(name)),
            format!("{} {name} deleted", capitalize(kind)),
            None,
            String::new(),
        )
    } else if kind == "tag" {
        let head = at(v, "head_commit").filter(|h| h.is_object());
        let body = head
            .map(|h| {
                commit_list(
                    &[CommitLine {
                        id: text_at(h, "id").unwrap_or_default(),
                        url: str_at(h, "url").map(str::to_owned),
                        message: str_at(h, "message").unwrap_or("").to_owned(),
                        author: str_at(h, "author.name").map(str::to_owned),
                    }],
                    1,
                )
            })
            .unwrap_or_default();
        (
            format!("{who} pushed tag {ref_md} to {repo}"),
            format!("Tag {name}"),
            ref_url.clone(),
            body,
        )
    } else {
        let verb = if forced { "force-pushed" } else { "pushed" };
        let text = match (created, total) {
            (true, 0) => format!("{who} created branch {ref_md} in {repo}"),
            (true, n) => format!(
                "{who} created branch {ref_md} in {repo} with {}",
                plural(n, "commit")
            ),
            (false, 0) => format!("{who} {verb} to {ref_md} in {repo}"),
            (false, n) => format!("{who} {verb} {} to {ref_md} in {repo}", plural(n, "commit")),
        };
        let title = format!("[{}:{name}] {}", c.repo, plural(total, "new commit"));
        (
            text,
            title,
            compare.map(str::to_owned).or(ref_url.clone()),
            commit_list(&commits, total),
        )
    };
    let fallback = plain(&text);
    let att = c
        .attachment(&fallback, NEUTRAL)
        .title(title, title_link.as_deref())
        .text(body);
    Ok(Translated::new("push", text).attach(att).post())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Markdown-ish text to a plain fallback: drops link targets, emphasis and escapes.
pub(crate) fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut chars = md.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '*' | '`' | '[' | '\u{200B}' => {}
            ']' if chars.peek() == Some(&'(') => {
                // Skip the link target.
                let mut depth = 0;
                for n in chars.by_ref() {
                    match n {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            ']' => {}
            _ => out.push(ch),
        }
    }
    out
}

/// `#12 Title` for attachment titles.
fn numbered(number: &str, title: &str) -> String {
    format!("#{number} {title}")
}

/// Labels of an issue or pull request object.
fn labels(obj: &Value) -> Option<String> {
    list(&strings_in(obj, "labels", "name"))
}

fn logins(obj: &Value, path: &str) -> Option<String> {
    list(&strings_in(obj, path, "login"))
}

fn pull_request(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let pr = require_object(v, "pull_request")?;
    let number = text_at(v, "number")
        .or_else(|| text_at(pr, "number"))
        .ok_or_else(|| super::json::missing("number"))?;
    let action = str_at(v, "action").unwrap_or("");
    let merged = bool_at(pr, "merged");
    let title = str_at(pr, "title").unwrap_or("");
    let url = str_at(pr, "html_url");
    let mut who = (c.actor, c.actor_url, c.actor_icon);
    let mut suffix = String::new();
    let (event_action, verb, color, show_body) = match action {
        "opened" => ("opened", "opened", NEUTRAL, true),
        "reopened" => ("reopened", "reopened", NEUTRAL, false),
        "closed" if merged => {
            if let Some(login) = str_at(pr, "merged_by.login") {
                let url = str_at(pr, "merged_by.html_url");
                who = (login, url, str_at(pr, "merged_by.avatar_url"));
            }
            ("merged", "merged", GOOD, false)
        }
        "closed" => ("closed", "closed", NEUTRAL, false),
        "ready_for_review" => (
            "ready_for_review",
            "marked as ready for review",
            NEUTRAL,
            true,
        ),
        "converted_to_draft" => ("converted_to_draft", "converted to draft", NEUTRAL, false),
        "synchronize" | "synchronized" => (action, "pushed new commits to", NEUTRAL, false),
        "assigned" => {
            let who = str_at(v, "assignee.login").unwrap_or("someone");
            suffix = format!(" to {}", bold(who));
            ("assigned", "assigned", NEUTRAL, false)
        }
        "review_requested" => {
            let who = str_at(v, "requested_reviewer.login")
                .or_else(|| str_at(v, "requested_team.name"))
                .unwrap_or("someone");
            suffix = format!(" from {}", bold(who));
            ("review_requested", "requested a review on", NEUTRAL, false)
        }
        _ => {
            return Ok(Outcome::not_posted(
                format!("pull_request.{action}"),
                "pull request action",
                action,
            ))
        }
    };
    let text = format!(
        "{} {verb} pull request {} in {}{suffix}",
        bold(who.0),
        link(&format!("#{number}"), url),
        c.repo_link()
    );
    let branches = match (str_at(pr, "head.ref"), str_at(pr, "base.ref")) {
        (Some(h), Some(b)) => Some(format!("{} → {}", code(h), code(b))),
        _ => None,
    };
    let changes = match (i64_at(pr, "additions"), i64_at(pr, "deletions")) {
        (Some(a), Some(d)) if event_action == "opened" || event_action == "merged" => {
            let files = i64_at(pr, "changed_files").unwrap_or(0);
            Some(format!(
                "+{a} −{d} in {}",
                plural(usize::try_from(files).unwrap_or(0), "file")
            ))
        }
        _ => None,
    };
    let mut att = Attachment::new(plain(&text), color)
        .author(who.0, who.1, who.2)
        .title(numbered(&number, title), url)
        .field_opt("Branch", branches, false)
        .footer(c.footer());
    if show_body {
        att = att.text(excerpt(str_at(pr, "body").unwrap_or(""), 500));
    }
    if event_action == "opened" || event_action == "ready_for_review" {
        att = att
            .field_opt("Assignees", logins(pr, "assignees"), true)
            .field_opt("Reviewers", logins(pr, "requested_reviewers"), true)
            .field_opt("Labels", labels(pr), true);
    }
    att = att.field_opt("Changes", changes, true);
    if bool_at(pr, "draft") {
        att = att.field("Draft", "yes", true);
    }
    Ok(
        Translated::new(format!("pull_request.{event_action}"), text)
            .attach(att)
            .thread(c.thread(&number))
            .post(),
    )
}

fn review(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "submitted" {
        return Ok(Outcome::not_posted(
            format!("pull_request_review.{action}"),
            "review action",
            action,
        ));
    }
    let pr = require_object(v, "pull_request")?;
    let number =
        text_at(pr, "number").ok_or_else(|| super::json::missing("pull_request.number"))?;
    let state = str_at(v, "review.state").unwrap_or("commented");
    let (verb, color) = match state.to_ascii_lowercase().as_str() {
        "approved" => ("approved", GOOD),
        "changes_requested" => ("requested changes on", WARNING),
        _ => ("reviewed", NEUTRAL),
    };
    let url = str_at(v, "review.html_url").or_else(|| str_at(pr, "html_url"));
    let title = str_at(pr, "title").unwrap_or("");
    let text = format!(
        "{} {verb} pull request {} in {}",
        bold(c.actor),
        link(&numbered(&number, title), url),
        c.repo_link()
    );
    let att = c
        .attachment(&plain(&text), color)
        .title(format!("Review of #{number} {title}"), url)
        .text(excerpt(str_at(v, "review.body").unwrap_or(""), 1000));
    Ok(Translated::new("pull_request_review.submitted", text)
        .attach(att)
        .thread(c.thread(&number))
        .post())
}

fn review_comment(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "created" {
        return Ok(Outcome::not_posted(
            format!("pull_request_review_comment.{action}"),
            "review comment action",
            action,
        ));
    }
    let pr = require_object(v, "pull_request")?;
    let number =
        text_at(pr, "number").ok_or_else(|| super::json::missing("pull_request.number"))?;
    let title = str_at(pr, "title").unwrap_or("");
    let url = str_at(v, "comment.html_url");
    let text = format!(
        "{} commented on pull request {} in {}",
        bold(c.actor),
        link(&numbered(&number, title), url),
        c.repo_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Re: #{number} {title}"), url)
        .text(excerpt(str_at(v, "comment.body").unwrap_or(""), 1000))
        .field_opt("File", str_at(v, "comment.path").map(code), false);
    Ok(Translated::new("pull_request_review_comment.created", text)
        .attach(att)
        .thread(c.thread(&number))
        .post())
}

fn issues(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let issue = require_object(v, "issue")?;
    let number = text_at(issue, "number").ok_or_else(|| super::json::missing("issue.number"))?;
    let action = str_at(v, "action").unwrap_or("");
    let mut suffix = String::new();
    let (verb, color, show_body) = match action {
        "opened" => ("opened", NEUTRAL, true),
        "reopened" => ("reopened", NEUTRAL, false),
        "closed" => {
            let not_planned = str_at(issue, "state_reason") == Some("not_planned");
            ("closed", if not_planned { NEUTRAL } else { GOOD }, false)
        }
        "assigned" => {
            let who = str_at(v, "assignee.login").unwrap_or("someone");
            suffix = format!(" to {}", bold(who));
            ("assigned", NEUTRAL, false)
        }
        _ => {
            return Ok(Outcome::not_posted(
                format!("issues.{action}"),
                "issue action",
                action,
            ))
        }
    };
    let url = str_at(issue, "html_url");
    let title = str_at(issue, "title").unwrap_or("");
    let text = format!(
        "{} {verb} issue {} in {}{suffix}",
        bold(c.actor),
        link(&format!("#{number}"), url),
        c.repo_link()
    );
    let mut att = c
        .attachment(&plain(&text), color)
        .title(numbered(&number, title), url);
    if show_body {
        att = att
            .text(excerpt(str_at(issue, "body").unwrap_or(""), 500))
            .field_opt("Assignees", logins(issue, "assignees"), true)
            .field_opt("Labels", labels(issue), true)
            .field_opt(
                "Milestone",
                str_at(issue, "milestone.title").map(escape_md),
                true,
            );
    }
    Ok(Translated::new(format!("issues.{action}"), text)
        .attach(att)
        .thread(c.thread(&number))
        .post())
}

fn issue_comment(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "created" {
        return Ok(Outcome::not_posted(
            format!("issue_comment.{action}"),
            "comment action",
            action,
        ));
    }
    let issue = require_object(v, "issue")?;
    let number = text_at(issue, "number").ok_or_else(|| super::json::missing("issue.number"))?;
    let is_pull = at(issue, "pull_request").is_some_and(Value::is_object) || bool_at(v, "is_pull");
    let what = if is_pull { "pull request" } else { "issue" };
    let title = str_at(issue, "title").unwrap_or("");
    let url = str_at(v, "comment.html_url").or_else(|| str_at(issue, "html_url"));
    let text = format!(
        "{} commented on {what} {} in {}",
        bold(c.actor),
        link(&numbered(&number, title), url),
        c.repo_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Re: #{number} {title}"), url)
        .text(excerpt(str_at(v, "comment.body").unwrap_or(""), 1000));
    Ok(Translated::new("issue_comment.created", text)
        .attach(att)
        .thread(c.thread(&number))
        .post())
}

fn release(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "published" {
        return Ok(Outcome::not_posted_but(
            format!("release.{action}"),
            "release action",
            action,
            "only `published`",
        ));
    }
    let rel = require_object(v, "release")?;
    let tag = str_at(rel, "tag_name").unwrap_or("");
    let name = str_at(rel, "name").unwrap_or(tag);
    let url = str_at(rel, "html_url");
    let kind = if bool_at(rel, "prerelease") {
        "pre-release"
    } else {
        "release"
    };
    let author = str_at(rel, "author.login").unwrap_or(c.actor);
    let text = format!(
        "{} published {kind} {} in {}",
        bold(author),
        link(name, url),
        c.repo_link()
    );
    let tag_link = link_raw(&code(tag), c.url_below(c.forge.tag_path, tag).as_deref());
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("{} {name}", capitalize(kind)), url)
        .text(excerpt(str_at(rel, "body").unwrap_or(""), 1000))
        .field("Tag", tag_link, true);
    Ok(Translated::new("release.published", text)
        .attach(att)
        .post())
}

/// Result word and colour of a GitHub conclusion / state.
fn conclusion(c: &str) -> (&'static str, &'static str) {
    match c {
        "success" => ("succeeded", GOOD),
        "failure" => ("failed", DANGER),
        "error" => ("errored", DANGER),
        "timed_out" => ("timed out", DANGER),
        "startup_failure" => ("failed to start", DANGER),
        "cancelled" => ("was cancelled", NEUTRAL),
        "skipped" => ("was skipped", NEUTRAL),
        "action_required" => ("requires action", WARNING),
        "stale" => ("went stale", NEUTRAL),
        _ => ("completed", NEUTRAL),
    }
}

fn commit_field(c: &Ctx, sha: Option<&str>, message: Option<&str>) -> Option<String> {
    let sha = sha?;
    let linked = link_raw(
        &code(short_sha(sha)),
        c.url_below(c.forge.commit_path, sha).as_deref(),
    );
    Some(match message {
        Some(m) => format!("{linked} {}", escape_md(first_line(m))),
        None => linked,
    })
}

fn workflow_run(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "completed" {
        return Ok(Outcome::ignored(
            format!("workflow_run.{action}"),
            "only completed workflow runs are posted",
        ));
    }
    let run = require_object(v, "workflow_run")?;
    let result = str_at(run, "conclusion").unwrap_or("neutral");
    let (word, color) = conclusion(result);
    let name = str_at(run, "name")
        .or_else(|| str_at(v, "workflow.name"))
        .unwrap_or("workflow");
    let number = text_at(run, "run_number").unwrap_or_default();
    let label = if number.is_empty() {
        name.to_owned()
    } else {
        format!("{name} #{number}")
    };
    let url = str_at(run, "html_url");
    let branch = str_at(run, "head_branch");
    let on_branch = branch
        .map(|b| {
            format!(
                " on {}",
                link_raw(&code(b), c.url_below(c.forge.branch_path, b).as_deref())
            )
        })
        .unwrap_or_default();
    let actor = str_at(run, "triggering_actor.login")
        .or_else(|| str_at(run, "actor.login"))
        .unwrap_or(c.actor);
    let text = format!(
        "Workflow {} **{word}**{on_branch} in {} (triggered by {})",
        link(&label, url),
        c.repo_link(),
        bold(actor)
    );
    let title = match str_at(run, "display_title") {
        Some(t) => format!("{label}: {t}"),
        None => label.clone(),
    };
    let att = c
        .attachment(&plain(&text), color)
        .title(title, url)
        .field_opt("Branch", branch.map(code), true)
        .field_opt("Event", str_at(run, "event").map(code), true)
        .field_opt(
            "Commit",
            commit_field(
                c,
                str_at(run, "head_sha"),
                str_at(run, "head_commit.message"),
            ),
            false,
        );
    Ok(Translated::new(format!("workflow_run.{result}"), text)
        .attach(att)
        .post())
}

fn workflow_job(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "completed" {
        return Ok(Outcome::ignored(
            format!("workflow_job.{action}"),
            "only completed workflow jobs are posted",
        ));
    }
    let job = require_object(v, "workflow_job")?;
    let result = str_at(job, "conclusion").unwrap_or("neutral");
    let (word, color) = conclusion(result);
    let name = str_at(job, "name").unwrap_or("job");
    let url = str_at(job, "html_url");
    let workflow = str_at(job, "workflow_name")
        .map(|w| format!(" of workflow {}", bold(w)))
        .unwrap_or_default();
    let branch = str_at(job, "head_branch");
    let on_branch = branch
        .map(|b| format!(" on {}", code(b)))
        .unwrap_or_default();
    let text = format!(
        "Job {}{workflow} **{word}**{on_branch} in {}",
        link(name, url),
        c.repo_link()
    );
    let failed_steps: Vec<String> = array_at(job, "steps")
        .iter()
        .filter(|s| matches!(str_at(s, "conclusion"), Some("failure" | "timed_out")))
        .filter_map(|s| str_at(s, "name").map(str::to_owned))
        .collect();
    let att = c
        .attachment(&plain(&text), color)
        .title(
            match str_at(job, "workflow_name") {
                Some(w) => format!("{w} / {name}"),
                None => name.to_owned(),
            },
            url,
        )
        .field_opt("Branch", branch.map(code), true)
        .field_opt("Runner", str_at(job, "runner_name").map(escape_md), true)
        .field_opt("Failed steps", list(&failed_steps), false)
        .field_opt(
            "Commit",
            commit_field(c, str_at(job, "head_sha"), None),
            true,
        );
    Ok(Translated::new(format!("workflow_job.{result}"), text)
        .attach(att)
        .post())
}

fn check_run(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "completed" {
        return Ok(Outcome::ignored(
            format!("check_run.{action}"),
            "only completed check runs are posted",
        ));
    }
    let run = require_object(v, "check_run")?;
    let result = str_at(run, "conclusion").unwrap_or("neutral");
    let (word, color) = conclusion(result);
    let name = str_at(run, "name").unwrap_or("check");
    let url = str_at(run, "html_url").or_else(|| str_at(run, "details_url"));
    let text = format!("Check {} **{word}** in {}", link(name, url), c.repo_link());
    let att = c
        .attachment(&plain(&text), color)
        .title(str_at(run, "output.title").unwrap_or(name).to_owned(), url)
        .text(excerpt(str_at(run, "output.summary").unwrap_or(""), 500))
        .field_opt(
            "Branch",
            str_at(run, "check_suite.head_branch").map(code),
            true,
        )
        .field_opt(
            "Commit",
            commit_field(c, str_at(run, "head_sha"), None),
            true,
        );
    Ok(Translated::new(format!("check_run.{result}"), text)
        .attach(att)
        .post())
}

fn status(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let state = require_str(v, "state")?;
    if state == "pending" {
        return Ok(Outcome::ignored(
            "status.pending",
            "pending commit statuses are not posted",
        ));
    }
    let (word, color) = conclusion(state);
    let context = str_at(v, "context").unwrap_or("status");
    let url = str_at(v, "target_url");
    let sha = str_at(v, "sha");
    let text = format!(
        "{} **{word}** for {} in {}",
        link(context, url),
        commit_field(c, sha, None).unwrap_or_default(),
        c.repo_link()
    );
    let branches = list(&strings_in(v, "branches", "name"));
    let att = Attachment::new(plain(&text), color)
        .title(context.to_owned(), url)
        .text(escape_md(str_at(v, "description").unwrap_or("")))
        .field_opt("Branches", branches, true)
        .field_opt(
            "Commit",
            commit_field(c, sha, str_at(v, "commit.commit.message")),
            false,
        )
        .footer(c.footer());
    Ok(Translated::new(format!("status.{state}"), text)
        .attach(att)
        .post())
}

fn fork(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let fork = require_object(v, "forkee")?;
    let name = str_at(fork, "full_name").unwrap_or("a fork");
    let url = str_at(fork, "html_url");
    let text = format!(
        "{} forked {} to {}",
        bold(c.actor),
        c.repo_link(),
        link(name, url)
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(name.to_owned(), url);
    Ok(Translated::new("fork", text).attach(att).post())
}

fn star(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("");
    if action != "created" {
        return Ok(Outcome::ignored(
            format!("star.{action}"),
            "only new stars are posted",
        ));
    }
    let stars = text_at(v, "repository.stargazers_count");
    let text = format!("{} starred {}", bold(c.actor), c.repo_link());
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(c.repo.to_owned(), c.repo_url)
        .field_opt("Stars", stars, true);
    Ok(Translated::new("star.created", text).attach(att).post())
}

#[cfg(test)]
mod tests {
    use super::super::render::{DANGER, GOOD, NEUTRAL};
    use super::super::testutil::{att, field, outcome, post};
    use super::super::{Outcome, TranslateError};
    use super::translate;
    use serde_json::{json, Value};

    fn repo() -> Value {
        json!({"full_name": "o/r", "html_url": "https://github.com/o/r"})
    }

    fn sender() -> Value {
        json!({"login": "alice", "html_url": "https://github.com/alice"})
    }

    #[test]
    fn comment_on_pull_request_threads_with_the_pull_request() {
        let pr = post(
            translate,
            &[("X-GitHub-Event", "pull_request")],
            &json!({"action": "opened", "number": 7, "repository": repo(), "sender": sender(),
                    "pull_request": {"number": 7, "title": "T", "html_url": "https://github.com/o/r/pull/7"}}),
        );
        let comment = post(
            translate,
            &[("X-GitHub-Event", "issue_comment")],
            &json!({"action": "created", "repository": repo(), "sender": sender(),
                    "issue": {"number": 7, "title": "T", "pull_request": {"url": "x"}},
                    "comment": {"body": "LGTM @all", "html_url": "https://github.com/o/r/pull/7#c1"}}),
        );
        assert_eq!(pr.thread_key.as_deref(), Some("github:o/r#7"));
        assert_eq!(comment.thread_key, pr.thread_key);
        assert!(
            comment.text.contains("commented on pull request"),
            "{}",
            comment.text
        );
        assert_eq!(att(&comment, "text"), "LGTM @\u{200B}all");
    }

    #[test]
    fn workflow_job_failure_is_red_with_failed_steps() {
        let p = post(
            translate,
            &[("X-GitHub-Event", "workflow_job")],
            &json!({"action": "completed", "repository": repo(), "sender": sender(),
                    "workflow_job": {"name": "test", "workflow_name": "CI", "conclusion": "failure",
                      "html_url": "https://github.com/o/r/actions/runs/1/job/2", "head_branch": "main",
                      "steps": [{"name": "Checkout", "conclusion": "success"},
                                {"name": "Run tests", "conclusion": "failure"}]}}),
        );
        assert_eq!(p.event, "workflow_job.failure");
        assert_eq!(att(&p, "color"), DANGER);
        assert_eq!(field(&p, "Failed steps"), Some("Run tests"));
        assert!(p.text.contains("**failed**"), "{}", p.text);
        let queued = outcome(
            translate,
            &[("X-GitHub-Event", "workflow_job")],
            &json!({"action": "queued", "repository": repo(), "workflow_job": {}}),
        );
        assert!(matches!(queued, Outcome::Ignored { .. }));
    }

    #[test]
    fn pushes_of_tags_and_deletions_and_many_commits() {
        let h = [("X-GitHub-Event", "push")];
        let tag = post(
            translate,
            &h,
            &json!({"ref": "refs/tags/v1.2", "created": true, "repository": repo(), "sender": sender(),
                    "commits": [], "head_commit": {"id": "abcdef1234", "message": "Release"}}),
        );
        assert!(tag
            .text
            .contains("pushed tag [`v1.2`](https://github.com/o/r/releases/tag/v1.2)"));
        let deleted = post(
            translate,
            &h,
            &json!({"ref": "refs/heads/old", "deleted": true, "repository": repo(), "sender": sender(),
                    "after": "0000000000000000000000000000000000000000", "commits": []}),
        );
        assert!(
            deleted.text.contains("deleted branch `old`"),
            "{}",
            deleted.text
        );
        let commits: Vec<Value> = (0..9)
            .map(|i| json!({"id": format!("{i}000000aaaa"), "message": format!("c{i}"), "author": {"name": "a"}}))
            .collect();
        let big = post(
            translate,
            &h,
            &json!({"ref": "refs/heads/main", "forced": true, "repository": repo(), "sender": sender(),
                    "commits": commits, "compare": "https://github.com/o/r/compare/a...b"}),
        );
        assert!(big.text.contains("force-pushed 9 commits"), "{}", big.text);
        assert!(att(&big, "text").ends_with("- … and 4 more"));
        assert_eq!(
            att(&big, "title_link"),
            "https://github.com/o/r/compare/a...b"
        );
    }

    #[test]
    fn reviews_and_uninteresting_actions() {
        let p = post(
            translate,
            &[("X-GitHub-Event", "pull_request_review")],
            &json!({"action": "submitted", "repository": repo(), "sender": sender(),
                    "review": {"state": "approved", "body": "", "html_url": "https://github.com/o/r/pull/3#r"},
                    "pull_request": {"number": 3, "title": "T"}}),
        );
        assert_eq!(att(&p, "color"), GOOD);
        assert_eq!(p.thread_key.as_deref(), Some("github:o/r#3"));
        let labeled = outcome(
            translate,
            &[("X-GitHub-Event", "pull_request")],
            &json!({"action": "labeled", "number": 3, "repository": repo(), "pull_request": {}}),
        );
        assert_eq!(
            labeled,
            Outcome::ignored(
                "pull_request.labeled",
                "pull request action `labeled` is not posted"
            )
        );
        let closed = post(
            translate,
            &[("X-GitHub-Event", "issues")],
            &json!({"action": "closed", "repository": repo(), "sender": sender(),
                    "issue": {"number": 4, "title": "Bug", "state_reason": "not_planned"}}),
        );
        assert_eq!(att(&closed, "color"), NEUTRAL);
    }

    #[test]
    fn missing_event_header_or_repository_is_a_bad_payload() {
        let body = br#"{"action": "opened"}"#;
        assert!(matches!(
            translate(&super::super::Headers(&[]), body),
            Err(TranslateError::BadPayload(_))
        ));
        let h = vec![("X-GitHub-Event".to_owned(), "issues".to_owned())];
        assert!(matches!(
            translate(&super::super::Headers(&h), body),
            Err(TranslateError::BadPayload(_))
        ));
    }
}
