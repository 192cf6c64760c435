//! GitLab webhooks. Switches on the body's `object_kind` (falling back to the `X-Gitlab-Event`
//! header, e.g. `Merge Request Hook`), refined by `object_attributes.action` / `.status`.
//!
//! Posted: `push` (commits, new and deleted branches), `tag_push`, `merge_request` (open,
//! close, reopen, merge, approved, unapproved, and update when it brings new commits),
//! `issue` (open, close, reopen; confidential issues alike), `note` (comments on merge
//! requests, issues, commits, snippets), `pipeline` (success, failed, canceled), `build` (job
//! hook: success, failed, canceled), `release` (create, update, delete), `deployment`
//! (success, failed, canceled), `wiki_page`. Anything else is ignored.
//!
//! Event names: `push`, `tag_push`, `merge_request.<action>`, `issue.<action>`,
//! `note.<merge_request|issue|commit|snippet>`, `pipeline.<status>`, `build.<status>`,
//! `release.<action>`, `deployment.<status>`, `wiki_page.<action>`.
//! Threads: `gitlab:{group/project}!{iid}` for a merge request and its notes,
//! `gitlab:{group/project}#{iid}` for an issue and its notes, and
//! `gitlab:{group/project}:pipeline:{id}` for a pipeline.

use serde_json::Value;

use super::github::plain;
use super::json::{array_at, at, i64_at, parse_body, require_object, str_at, strings_in, text_at};
use super::render::{
    bold, code, commit_list, escape_md, excerpt, first_line, format_duration, is_zero_sha, link,
    link_raw, list, plural, short_sha, split_ref, CommitLine, DANGER, GOOD, NEUTRAL,
};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// GitLab: `X-Gitlab-Event` (or its token header), or an `object_kind` body.
pub const SOURCE: Source = Source {
    name: "gitlab",
    aliases: &[],
    event_headers: &["X-Gitlab-Event"],
    marker_headers: &["X-Gitlab-Token"],
    shape: Some(|v| str_at(v, "object_kind").is_some()),
    agents: &["GitLab/"],
    shadows: &[],
    // Idempotency-Key is per delivery and stable across retries (newer GitLab); the event
    // UUID is shared by all hooks fired for one event, which is still fine per hook.
    delivery_id_headers: &["Idempotency-Key", "X-Gitlab-Event-UUID"],
    signature: &[Check::Secret("X-Gitlab-Token"), Check::StandardWebhooks],
    translate,
};

/// Translates one GitLab webhook.
pub fn translate(headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    let kind = match str_at(&v, "object_kind") {
        Some(k) => k.to_owned(),
        None => headers
            .get("X-Gitlab-Event")
            .and_then(kind_from_header)
            .ok_or_else(|| super::json::missing("object_kind"))?
            .to_owned(),
    };
    let c = Ctx::new(&v);
    match kind.as_str() {
        "push" => push(&c, false),
        "tag_push" => push(&c, true),
        "merge_request" => merge_request(&c),
        "issue" => issue(&c),
        "note" => note(&c),
        "pipeline" => pipeline(&c),
        "build" => job(&c),
        "release" => release(&c),
        "deployment" => deployment(&c),
        "wiki_page" => wiki_page(&c),
        other => Ok(Outcome::not_posted(other, "GitLab event", other)),
    }
}

fn kind_from_header(h: &str) -> Option<&'static str> {
    Some(match h.trim() {
        "Push Hook" => "push",
        "Tag Push Hook" => "tag_push",
        "Merge Request Hook" => "merge_request",
        "Issue Hook" | "Confidential Issue Hook" => "issue",
        "Note Hook" | "Confidential Note Hook" => "note",
        "Pipeline Hook" => "pipeline",
        "Job Hook" | "Build Hook" => "build",
        "Release Hook" => "release",
        "Deployment Hook" => "deployment",
        "Wiki Page Hook" => "wiki_page",
        _ => return None,
    })
}

/// The project and the acting user, which most GitLab events carry.
struct Ctx<'a> {
    v: &'a Value,
    project: String,
    project_url: Option<String>,
    actor: Option<&'a str>,
    actor_name: Option<&'a str>,
    actor_icon: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    fn new(v: &'a Value) -> Self {
        let project = str_at(v, "project.path_with_namespace")
            .or_else(|| str_at(v, "project_name"))
            .or_else(|| str_at(v, "project.name"))
            .or_else(|| str_at(v, "repository.name"))
            .unwrap_or("project")
            .to_owned();
        let project_url = str_at(v, "project.web_url")
            .or_else(|| str_at(v, "project.homepage"))
            .or_else(|| str_at(v, "repository.homepage"))
            .map(|u| u.trim_end_matches('/').to_owned());
        // Push and tag events use flat user_* keys; the others a `user` object.
        let actor = str_at(v, "user.username")
            .or_else(|| str_at(v, "user_username"))
            .or_else(|| str_at(v, "user.name"))
            .or_else(|| str_at(v, "user_name"));
        Ctx {
            v,
            project,
            project_url,
            actor,
            actor_name: str_at(v, "user.name").or_else(|| str_at(v, "user_name")),
            actor_icon: str_at(v, "user.avatar_url").or_else(|| str_at(v, "user_avatar")),
        }
    }

    fn project_link(&self) -> String {
        link(&self.project, self.project_url.as_deref())
    }

    fn who(&self) -> String {
        bold(self.actor.unwrap_or("someone"))
    }

    /// `{project_url}/-/{path}`.
    fn url(&self, path: &str) -> Option<String> {
        self.project_url.as_ref().map(|u| format!("{u}/-/{path}"))
    }

    fn attachment(&self, fallback: &str, color: &str) -> Attachment {
        let mut a = Attachment::new(fallback, color).footer(format!("GitLab · {}", self.project));
        if let Some(name) = self.actor_name.or(self.actor) {
            a = a.author(name, None, self.actor_icon);
        }
        a
    }

    fn thread(&self, sigil: char, iid: &str) -> String {
        format!("gitlab:{}{sigil}{iid}", self.project)
    }
}

fn push(c: &Ctx, tag_event: bool) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let git_ref = str_at(v, "ref").ok_or_else(|| super::json::missing("ref"))?;
    let (kind, name) = split_ref(git_ref);
    let kind = if tag_event { "tag" } else { kind };
    let event = if tag_event { "tag_push" } else { "push" };
    let created = is_zero_sha(str_at(v, "before"));
    let deleted = is_zero_sha(str_at(v, "after"));
    let ref_url = if kind == "tag" {
        c.url(&format!("tags/{name}"))
    } else {
        c.url(&format!("tree/{name}"))
    };
    let ref_md = link_raw(&code(name), ref_url.as_deref());
    let commits: Vec<CommitLine> = array_at(v, "commits")
        .iter()
        .map(|x| CommitLine {
            id: text_at(x, "id").unwrap_or_default(),
            url: str_at(x, "url").map(str::to_owned),
            message: str_at(x, "message").unwrap_or("").to_owned(),
            author: str_at(x, "author.name").map(str::to_owned),
        })
        .collect();
    // GitLab lists at most 20 commits; the count is the real total.
    let total = i64_at(v, "total_commits_count")
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(commits.len());
    let who = c.who();
    let project = c.project_link();
    let (text, title, link_to, body) = if deleted {
        (
            format!("{who} deleted {kind} {} in {project}", code(name)),
            format!(
                "{} {name} deleted",
                if kind == "tag" { "Tag" } else { "Branch" }
            ),
            None,
            String::new(),
        )
    } else if kind == "tag" {
        let head = commits
            .iter()
            .find(|x| Some(x.id.as_str()) == str_at(v, "checkout_sha"));
        let mut body = String::new();
        if let Some(msg) = str_at(v, "message") {
            body.push_str(&excerpt(msg, 500));
            body.push_str("\n\n");
        }
        if let Some(h) = head.or(commits.first()) {
            body.push_str(&commit_list(std::slice::from_ref(h), 1));
        }
        (
            format!("{who} pushed tag {ref_md} to {project}"),
            format!("Tag {name}"),
            ref_url.clone(),
            body.trim().to_owned(),
        )
    } else {
        let text = match (created, total) {
            (true, 0) => format!("{who} created branch {ref_md} in {project}"),
            (true, n) => format!(
                "{who} created branch {ref_md} in {project} with {}",
                plural(n, "commit")
            ),
            (false, n) => format!(
                "{who} pushed {} to {ref_md} in {project}",
                plural(n, "commit")
            ),
        };
        let compare = match (str_at(v, "before"), str_at(v, "after")) {
            (Some(b), Some(a)) if !created => c.url(&format!("compare/{b}...{a}")),
            _ => ref_url.clone(),
        };
        (
            text,
            format!("[{}:{name}] {}", c.project, plural(total, "new commit")),
            compare,
            commit_list(&commits, total),
        )
    };
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(title, link_to.as_deref())
        .text(body);
    Ok(Translated::new(event, text).attach(att).post())
}

fn merge_request(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let mr = require_object(v, "object_attributes")?;
    let iid = text_at(mr, "iid").ok_or_else(|| super::json::missing("object_attributes.iid"))?;
    let action = str_at(mr, "action").unwrap_or("");
    let (verb, color, details) = match action {
        "open" => ("opened", NEUTRAL, true),
        "reopen" => ("reopened", NEUTRAL, false),
        "close" => ("closed", NEUTRAL, false),
        "merge" => ("merged", GOOD, false),
        "approved" => ("approved", GOOD, false),
        "unapproved" => ("unapproved", NEUTRAL, false),
        "update" if at(mr, "oldrev").is_some() => ("pushed new commits to", NEUTRAL, false),
        _ => {
            return Ok(Outcome::not_posted(
                format!("merge_request.{action}"),
                "merge request action",
                action,
            ))
        }
    };
    let url = str_at(mr, "url");
    let title = str_at(mr, "title").unwrap_or("");
    let text = format!(
        "{} {verb} merge request {} in {}",
        c.who(),
        link(&format!("!{iid}"), url),
        c.project_link()
    );
    let branches = match (str_at(mr, "source_branch"), str_at(mr, "target_branch")) {
        (Some(s), Some(t)) => Some(format!("{} → {}", code(s), code(t))),
        _ => None,
    };
    let mut att = c
        .attachment(&plain(&text), color)
        .title(format!("!{iid} {title}"), url)
        .field_opt("Branch", branches, false);
    if details {
        let assignees = list(&strings_in(v, "assignees", "username"));
        att = att
            .text(excerpt(str_at(mr, "description").unwrap_or(""), 500))
            .field_opt("Assignees", assignees, true)
            .field_opt("Labels", labels(v, mr), true);
        if matches!(
            at(mr, "draft").or_else(|| at(mr, "work_in_progress")),
            Some(Value::Bool(true))
        ) {
            att = att.field("Draft", "yes", true);
        }
    }
    Ok(Translated::new(format!("merge_request.{action}"), text)
        .attach(att)
        .thread(c.thread('!', &iid))
        .post())
}

fn labels(v: &Value, attrs: &Value) -> Option<String> {
    let top = strings_in(v, "labels", "title");
    if top.is_empty() {
        list(&strings_in(attrs, "labels", "title"))
    } else {
        list(&top)
    }
}

fn issue(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let issue = require_object(v, "object_attributes")?;
    let iid = text_at(issue, "iid").ok_or_else(|| super::json::missing("object_attributes.iid"))?;
    let action = str_at(issue, "action").unwrap_or("");
    let (verb, color, details) = match action {
        "open" => ("opened", NEUTRAL, true),
        "reopen" => ("reopened", NEUTRAL, false),
        "close" => ("closed", GOOD, false),
        _ => {
            return Ok(Outcome::not_posted(
                format!("issue.{action}"),
                "issue action",
                action,
            ))
        }
    };
    let confidential = matches!(at(issue, "confidential"), Some(Value::Bool(true)));
    let what = if confidential {
        "confidential issue"
    } else {
        "issue"
    };
    let url = str_at(issue, "url");
    let title = str_at(issue, "title").unwrap_or("");
    let text = format!(
        "{} {verb} {what} {} in {}",
        c.who(),
        link(&format!("#{iid}"), url),
        c.project_link()
    );
    let mut att = c
        .attachment(&plain(&text), color)
        .title(format!("#{iid} {title}"), url);
    if details {
        let assignees = list(&strings_in(v, "assignees", "username"));
        att = att
            .text(excerpt(str_at(issue, "description").unwrap_or(""), 500))
            .field_opt("Assignees", assignees, true)
            .field_opt("Labels", labels(v, issue), true);
    }
    Ok(Translated::new(format!("issue.{action}"), text)
        .attach(att)
        .thread(c.thread('#', &iid))
        .post())
}

fn note(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let n = require_object(v, "object_attributes")?;
    let noteable = str_at(n, "noteable_type").unwrap_or("");
    let url = str_at(n, "url");
    let (kind, target, title, thread) = match noteable {
        "MergeRequest" => {
            let iid = text_at(v, "merge_request.iid").unwrap_or_default();
            let title = str_at(v, "merge_request.title").unwrap_or("");
            (
                "merge_request",
                format!("merge request !{iid} {title}"),
                format!("!{iid} {title}"),
                Some(c.thread('!', &iid)),
            )
        }
        "Issue" => {
            let iid = text_at(v, "issue.iid").unwrap_or_default();
            let title = str_at(v, "issue.title").unwrap_or("");
            (
                "issue",
                format!("issue #{iid} {title}"),
                format!("#{iid} {title}"),
                Some(c.thread('#', &iid)),
            )
        }
        "Commit" => {
            let sha = str_at(v, "commit.id").unwrap_or("");
            let msg = first_line(str_at(v, "commit.message").unwrap_or(""));
            (
                "commit",
                format!("commit {}", short_sha(sha)),
                format!("{} {msg}", short_sha(sha)),
                None,
            )
        }
        "Snippet" => {
            let id = text_at(v, "snippet.id").unwrap_or_default();
            let title = str_at(v, "snippet.title").unwrap_or("");
            (
                "snippet",
                format!("snippet ${id} {title}"),
                format!("${id} {title}"),
                None,
            )
        }
        other => {
            return Ok(Outcome::ignored(
                "note",
                format!("comments on `{other}` are not posted"),
            ))
        }
    };
    let text = format!(
        "{} commented on {} in {}",
        c.who(),
        link(target.trim(), url),
        c.project_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Re: {}", title.trim()), url)
        .text(excerpt(str_at(n, "note").unwrap_or(""), 1000));
    let mut t = Translated::new(format!("note.{kind}"), text).attach(att);
    if let Some(key) = thread {
        t = t.thread(key);
    }
    Ok(t.post())
}

/// Word and colour of a pipeline/job/deployment status; `None` for states not posted.
fn ci_status(status: &str) -> Option<(&'static str, &'static str)> {
    Some(match status {
        "success" => ("succeeded", GOOD),
        "failed" => ("failed", DANGER),
        "canceled" | "cancelled" => ("was canceled", NEUTRAL),
        _ => return None,
    })
}

fn pipeline(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let p = require_object(v, "object_attributes")?;
    let status = str_at(p, "status").unwrap_or("");
    let Some((word, color)) = ci_status(status) else {
        return Ok(Outcome::not_posted_but(
            format!("pipeline.{status}"),
            "pipeline status",
            status,
            "only finished pipelines",
        ));
    };
    let id = text_at(p, "id").ok_or_else(|| super::json::missing("object_attributes.id"))?;
    // Pipeline URLs only exist in newer payloads.
    let url = str_at(p, "url")
        .map(str::to_owned)
        .or_else(|| c.url(&format!("pipelines/{id}")));
    let git_ref = str_at(p, "ref");
    let on_ref = git_ref
        .map(|r| {
            let path = if matches!(at(p, "tag"), Some(Value::Bool(true))) {
                "tags"
            } else {
                "tree"
            };
            format!(
                " for {}",
                link_raw(&code(r), c.url(&format!("{path}/{r}")).as_deref())
            )
        })
        .unwrap_or_default();
    let by = c
        .actor
        .map(|a| format!(" (triggered by {})", bold(a)))
        .unwrap_or_default();
    let text = format!(
        "Pipeline {} **{word}**{on_ref} in {}{by}",
        link(&format!("#{id}"), url.as_deref()),
        c.project_link()
    );
    let failed: Vec<String> = array_at(v, "builds")
        .iter()
        .filter(|b| str_at(b, "status") == Some("failed"))
        .filter_map(|b| {
            let name = str_at(b, "name")?;
            Some(match str_at(b, "stage") {
                Some(stage) => format!("{name} ({stage})"),
                None => name.to_owned(),
            })
        })
        .collect();
    let commit = str_at(v, "commit.id")
        .or_else(|| str_at(p, "sha"))
        .map(|sha| {
            let linked = link_raw(
                &code(short_sha(sha)),
                str_at(v, "commit.url")
                    .map(str::to_owned)
                    .or_else(|| c.url(&format!("commit/{sha}")))
                    .as_deref(),
            );
            match str_at(v, "commit.message") {
                Some(m) => format!("{linked} {}", escape_md(first_line(m))),
                None => linked,
            }
        });
    let att = c
        .attachment(&plain(&text), color)
        .title(format!("Pipeline #{id} {word}"), url.as_deref())
        .field_opt("Ref", git_ref.map(code), true)
        .field_opt("Duration", i64_at(p, "duration").map(format_duration), true)
        .field_opt("Commit", commit, false)
        .field_opt("Failed jobs", list(&failed), false);
    Ok(Translated::new(format!("pipeline.{status}"), text)
        .attach(att)
        .thread(format!("gitlab:{}:pipeline:{id}", c.project))
        .post())
}

fn job(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let status = str_at(v, "build_status").unwrap_or("");
    let Some((word, color)) = ci_status(status) else {
        return Ok(Outcome::not_posted_but(
            format!("build.{status}"),
            "job status",
            status,
            "only finished jobs",
        ));
    };
    let name = str_at(v, "build_name").unwrap_or("job");
    let id = text_at(v, "build_id");
    let url = id.as_ref().and_then(|id| c.url(&format!("jobs/{id}")));
    let stage = str_at(v, "build_stage")
        .map(|s| format!(" in stage {}", code(s)))
        .unwrap_or_default();
    let on_ref = str_at(v, "ref")
        .map(|r| format!(" for {}", code(r)))
        .unwrap_or_default();
    let text = format!(
        "Job {}{stage} **{word}**{on_ref} in {}",
        link(name, url.as_deref()),
        c.project_link()
    );
    let att = c
        .attachment(&plain(&text), color)
        .title(
            match &id {
                Some(id) => format!("{name} #{id} {word}"),
                None => format!("{name} {word}"),
            },
            url.as_deref(),
        )
        .field_opt(
            "Duration",
            at(v, "build_duration")
                .and_then(Value::as_f64)
                .map(|d| format_duration(d as i64)),
            true,
        )
        .field_opt("Commit", str_at(v, "sha").map(|s| code(short_sha(s))), true)
        .field_opt(
            "Failure reason",
            str_at(v, "build_failure_reason")
                .filter(|_| status == "failed")
                .map(escape_md),
            true,
        );
    let mut t = Translated::new(format!("build.{status}"), text).attach(att);
    if let Some(pid) = text_at(v, "pipeline_id") {
        t = t.thread(format!("gitlab:{}:pipeline:{pid}", c.project));
    }
    Ok(t.post())
}

fn release(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let action = str_at(v, "action").unwrap_or("create");
    let verb = match action {
        "create" => "published",
        "update" => "updated",
        "delete" => "deleted",
        other => {
            return Ok(Outcome::not_posted(
                format!("release.{other}"),
                "release action",
                other,
            ))
        }
    };
    let tag = str_at(v, "tag").unwrap_or("");
    let name = str_at(v, "name").unwrap_or(tag);
    let url = str_at(v, "url").filter(|_| action != "delete");
    // Release hooks carry no user.
    let text = format!("Release {} {verb} in {}", link(name, url), c.project_link());
    let tag_md = link_raw(&code(tag), c.url(&format!("tags/{tag}")).as_deref());
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(format!("Release {name}"), url)
        .text(excerpt(str_at(v, "description").unwrap_or(""), 1000))
        .field("Tag", tag_md, true)
        .field_opt(
            "Commit",
            str_at(v, "commit.id")
                .map(|sha| link_raw(&code(short_sha(sha)), str_at(v, "commit.url"))),
            true,
        );
    Ok(Translated::new(format!("release.{action}"), text)
        .attach(att)
        .post())
}

fn deployment(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let status = str_at(v, "status").unwrap_or("");
    let Some((word, color)) = ci_status(status) else {
        return Ok(Outcome::not_posted_but(
            format!("deployment.{status}"),
            "deployment status",
            status,
            "only finished deployments",
        ));
    };
    let env = str_at(v, "environment").unwrap_or("an environment");
    let url = str_at(v, "deployable_url");
    let text = format!(
        "Deployment to {} **{word}** in {}{}",
        bold(env),
        c.project_link(),
        c.actor
            .map(|a| format!(" (by {})", bold(a)))
            .unwrap_or_default()
    );
    let att = c
        .attachment(&plain(&text), color)
        .title(format!("Deploy to {env}"), url)
        .field_opt("Ref", str_at(v, "ref").map(code), true)
        .field_opt(
            "Commit",
            str_at(v, "short_sha").map(|s| link_raw(&code(s), str_at(v, "commit_url"))),
            true,
        )
        .field_opt(
            "Environment URL",
            str_at(v, "environment_external_url").map(|u| link(u, Some(u))),
            false,
        );
    Ok(Translated::new(format!("deployment.{status}"), text)
        .attach(att)
        .post())
}

fn wiki_page(c: &Ctx) -> Result<Outcome, TranslateError> {
    let v = c.v;
    let w = require_object(v, "object_attributes")?;
    let action = str_at(w, "action").unwrap_or("update");
    let verb = match action {
        "create" => "created",
        "delete" => "deleted",
        _ => "edited",
    };
    let title = str_at(w, "title").unwrap_or("a page");
    let url = str_at(w, "url").filter(|_| action != "delete");
    let text = format!(
        "{} {verb} wiki page {} in {}",
        c.who(),
        link(title, url),
        c.project_link()
    );
    let att = c
        .attachment(&plain(&text), NEUTRAL)
        .title(title.to_owned(), url)
        .text(excerpt(str_at(w, "message").unwrap_or(""), 500));
    Ok(Translated::new(format!("wiki_page.{action}"), text)
        .attach(att)
        .post())
}

#[cfg(test)]
mod tests {
    use super::super::render::DANGER;
    use super::super::testutil::{att, field, outcome, post};
    use super::super::Outcome;
    use super::translate;
    use serde_json::{json, Value};

    fn project() -> Value {
        json!({"path_with_namespace": "g/p", "web_url": "https://gitlab.example.com/g/p"})
    }

    #[test]
    fn notes_thread_with_their_merge_request_or_issue() {
        let mr = post(
            translate,
            &[],
            &json!({"object_kind": "merge_request", "user": {"username": "bob"}, "project": project(),
                    "object_attributes": {"iid": 5, "title": "Fix", "action": "open", "url": "https://gitlab.example.com/g/p/-/merge_requests/5"}}),
        );
        let note = post(
            translate,
            &[("X-Gitlab-Event", "Note Hook")],
            &json!({"object_kind": "note", "user": {"username": "carol"}, "project": project(),
                    "object_attributes": {"note": "Looks good", "noteable_type": "MergeRequest",
                      "url": "https://gitlab.example.com/g/p/-/merge_requests/5#note_1"},
                    "merge_request": {"iid": 5, "title": "Fix"}}),
        );
        assert_eq!(mr.thread_key.as_deref(), Some("gitlab:g/p!5"));
        assert_eq!(note.thread_key, mr.thread_key);
        assert_eq!(note.event, "note.merge_request");
        assert_eq!(att(&note, "text"), "Looks good");
        let issue_note = post(
            translate,
            &[],
            &json!({"object_kind": "note", "user": {"username": "carol"}, "project": project(),
                    "object_attributes": {"note": "+1", "noteable_type": "Issue"},
                    "issue": {"iid": 5, "title": "Bug"}}),
        );
        assert_eq!(issue_note.thread_key.as_deref(), Some("gitlab:g/p#5"));
    }

    #[test]
    fn job_hooks_and_unfinished_pipelines() {
        let job = post(
            translate,
            &[("X-Gitlab-Event", "Job Hook")],
            &json!({"object_kind": "build", "build_id": 99, "build_name": "rspec", "build_stage": "test",
                    "build_status": "failed", "build_duration": 61.5, "ref": "main", "sha": "0123456789ab",
                    "pipeline_id": 12, "build_failure_reason": "script_failure",
                    "project_name": "G / P", "project": project(), "user": {"username": "bob"}}),
        );
        assert_eq!(job.event, "build.failed");
        assert_eq!(att(&job, "color"), DANGER);
        assert_eq!(
            att(&job, "title_link"),
            "https://gitlab.example.com/g/p/-/jobs/99"
        );
        assert_eq!(field(&job, "Duration"), Some("1m 1s"));
        assert_eq!(job.thread_key.as_deref(), Some("gitlab:g/p:pipeline:12"));
        let running = outcome(
            translate,
            &[],
            &json!({"object_kind": "pipeline", "project": project(),
                    "object_attributes": {"id": 12, "status": "running"}}),
        );
        assert!(matches!(running, Outcome::Ignored { .. }));
    }

    #[test]
    fn merge_request_updates_post_only_new_commits() {
        let base = |attrs: Value| {
            json!({"object_kind": "merge_request", "user": {"username": "bob"}, "project": project(),
                   "object_attributes": attrs})
        };
        let edit = outcome(translate, &[], &base(json!({"iid": 1, "action": "update"})));
        assert!(matches!(edit, Outcome::Ignored { .. }));
        let pushed = post(
            translate,
            &[],
            &base(json!({"iid": 1, "action": "update", "oldrev": "abc"})),
        );
        assert!(pushed.text.contains("pushed new commits to merge request"));
    }

    #[test]
    fn header_names_the_event_when_object_kind_is_missing() {
        let p = post(
            translate,
            &[("X-Gitlab-Event", "Push Hook")],
            &json!({"ref": "refs/heads/dev", "user_username": "bob", "project": project(),
                    "before": "0000000000000000000000000000000000000000", "after": "abc",
                    "commits": [], "total_commits_count": 0}),
        );
        assert!(p.text.contains("created branch"), "{}", p.text);
    }
}
