//! Jira (Cloud and Server/Data Center) webhooks. No event header: switches on the body's
//! `webhookEvent`, refined by `issue_event_type_name` for issue updates.
//!
//! Posted: `jira:issue_created`; `jira:issue_updated` when assigned, transitioned (status
//! change: `issue_generic`, `issue_resolved`, `issue_closed`, `issue_reopened`,
//! `issue_work_started` / `_stopped`), commented (`issue_commented`) or edited
//! (`issue_updated`, listing the changed fields); `jira:issue_deleted`; `comment_created`.
//! Ignored: comment edits and deletions, and every non-issue event (sprints, boards, …).
//!
//! Jira can send both `comment_created` and `jira:issue_updated`/`issue_commented` for one
//! comment. Both are posted (a hook may be subscribed to only one of them); a hook that gets
//! both can exclude one by filter. Event names drop the `jira:` prefix and append the update
//! type without its `issue_` prefix: `issue_created`, `issue_updated.assigned`,
//! `issue_updated.generic`, `issue_updated.commented`, `issue_deleted`, `comment_created`.
//! Thread: `jira:{ISSUE-KEY}`. Links: Jira sends none, so `<base>/browse/<KEY>` is built from
//! `issue.self` (everything before `/rest/`).

use serde_json::Value;

use super::github::plain;
use super::json::{array_at, i64_at, parse_body, require_object, require_str, str_at, text_at};
use super::render::{bold, escape_md, excerpt, link, list, ms_to_s, GOOD, NEUTRAL};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// Jira: a `webhookEvent` body; Cloud signs with `X-Hub-Signature`, Server cannot sign.
pub const SOURCE: Source = Source {
    name: "jira",
    aliases: &[],
    event_headers: &[],
    marker_headers: &["X-Atlassian-Webhook-Identifier"],
    shape: Some(|v| str_at(v, "webhookEvent").is_some()),
    agents: &[],
    shadows: &[],
    delivery_id_headers: &["X-Atlassian-Webhook-Identifier"],
    signature: &[Check::Prefixed("X-Hub-Signature"), Check::Token],
    translate,
};

/// Translates one Jira webhook.
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    let webhook_event = require_str(&v, "webhookEvent")?;
    let name = webhook_event.strip_prefix("jira:").unwrap_or(webhook_event);
    match name {
        "issue_created" => issue_event(&v, Kind::Created),
        "issue_deleted" => issue_event(&v, Kind::Deleted),
        "issue_updated" => {
            let sub = str_at(&v, "issue_event_type_name").unwrap_or("issue_updated");
            let short = sub.strip_prefix("issue_").unwrap_or(sub);
            let event = format!("issue_updated.{short}");
            match short {
                "commented" => comment(&v, event),
                "comment_edited" | "comment_deleted" => Ok(Outcome::ignored(
                    event,
                    "comment edits and deletions are not posted",
                )),
                "assigned" => issue_event(&v, Kind::Assigned(event)),
                _ => issue_event(&v, Kind::Updated(event)),
            }
        }
        "comment_created" => comment(&v, "comment_created".to_owned()),
        other => Ok(Outcome::not_posted(other, "Jira event", webhook_event)),
    }
}

enum Kind {
    Created,
    Deleted,
    Assigned(String),
    Updated(String),
}

/// The parts of `issue` every post uses.
struct Issue<'a> {
    key: &'a str,
    summary: &'a str,
    url: Option<String>,
    project: Option<&'a str>,
    project_url: Option<String>,
    fields: &'a Value,
}

impl<'a> Issue<'a> {
    fn new(v: &'a Value) -> Result<Self, TranslateError> {
        let issue = require_object(v, "issue")?;
        let key = require_str(issue, "key")?;
        let base = str_at(issue, "self").and_then(|s| s.find("/rest/").map(|i| s[..i].to_owned()));
        let project_key = str_at(issue, "fields.project.key");
        Ok(Issue {
            key,
            summary: str_at(issue, "fields.summary").unwrap_or(""),
            url: base.as_ref().map(|b| format!("{b}/browse/{key}")),
            project: str_at(issue, "fields.project.name").or(project_key),
            project_url: base
                .as_ref()
                .zip(project_key)
                .map(|(b, k)| format!("{b}/browse/{k}")),
            fields: super::json::at(issue, "fields").unwrap_or(&Value::Null),
        })
    }

    fn title(&self) -> String {
        format!("{}: {}", self.key, self.summary)
    }

    fn in_project(&self) -> String {
        match self.project {
            Some(p) => format!(" in {}", link(p, self.project_url.as_deref())),
            None => String::new(),
        }
    }

    fn field(&self, path: &str) -> Option<String> {
        str_at(self.fields, path).map(escape_md)
    }

    fn is_done(&self) -> bool {
        super::json::at(self.fields, "resolution").is_some_and(Value::is_object)
            || str_at(self.fields, "status.statusCategory.key") == Some("done")
    }
}

fn actor(v: &Value) -> &str {
    str_at(v, "user.displayName")
        .or_else(|| str_at(v, "user.name"))
        .unwrap_or("Someone")
}

fn actor_icon(v: &Value) -> Option<&str> {
    str_at(v, "user.avatarUrls.48x48")
}

fn issue_event(v: &Value, kind: Kind) -> Result<Outcome, TranslateError> {
    let issue = Issue::new(v)?;
    let who = actor(v);
    let issue_type = str_at(issue.fields, "issuetype.name").unwrap_or("issue");
    let linked = link(issue.key, issue.url.as_deref());
    let changes = changelog(v);
    let plain_update = matches!(kind, Kind::Updated(_));
    let status_change = array_at(v, "changelog.items")
        .iter()
        .find(|i| str_at(i, "field").is_some_and(|f| f.eq_ignore_ascii_case("status")));
    let (event, text, color, details) = match kind {
        Kind::Created => (
            "issue_created".to_owned(),
            format!(
                "{} created {} {linked}{}",
                bold(who),
                escape_md(&issue_type.to_lowercase()),
                issue.in_project()
            ),
            NEUTRAL,
            true,
        ),
        Kind::Deleted => (
            "issue_deleted".to_owned(),
            format!(
                "{} deleted {} {}{}",
                bold(who),
                escape_md(&issue_type.to_lowercase()),
                bold(issue.key),
                issue.in_project()
            ),
            NEUTRAL,
            false,
        ),
        Kind::Assigned(event) => {
            let to = str_at(issue.fields, "assignee.displayName")
                .map(bold)
                .unwrap_or_else(|| "nobody".to_owned());
            (
                event,
                format!(
                    "{} assigned {linked} to {to}{}",
                    bold(who),
                    issue.in_project()
                ),
                NEUTRAL,
                false,
            )
        }
        Kind::Updated(event) => {
            let text = match status_change {
                Some(sc) => format!(
                    "{} changed the status of {linked} from {} to {}{}",
                    bold(who),
                    bold(str_at(sc, "fromString").unwrap_or("none")),
                    bold(str_at(sc, "toString").unwrap_or("none")),
                    issue.in_project()
                ),
                None => format!("{} updated {linked}{}", bold(who), issue.in_project()),
            };
            let color = if status_change.is_some() && issue.is_done() {
                GOOD
            } else {
                NEUTRAL
            };
            (event, text, color, false)
        }
    };
    let deleted = event == "issue_deleted";
    let mut att = Attachment::new(plain(&text), color)
        .author(who, None, actor_icon(v))
        .title(
            issue.title(),
            if deleted { None } else { issue.url.as_deref() },
        )
        .footer(format!("Jira · {}", issue.project.unwrap_or(issue.key)))
        .ts(ms_to_s(i64_at(v, "timestamp")));
    if details {
        att = att
            .text(wiki_to_md(
                str_at(issue.fields, "description").unwrap_or(""),
                500,
            ))
            .field_opt("Type", issue.field("issuetype.name"), true)
            .field_opt("Priority", issue.field("priority.name"), true)
            .field_opt("Status", issue.field("status.name"), true)
            .field(
                "Assignee",
                issue
                    .field("assignee.displayName")
                    .unwrap_or_else(|| "Unassigned".to_owned()),
                true,
            )
            .field_opt("Reporter", issue.field("reporter.displayName"), true)
            .field_opt("Labels", labels(issue.fields), true);
    } else if !deleted {
        att = att
            .field_opt("Status", issue.field("status.name"), true)
            .field_opt("Resolution", issue.field("resolution.name"), true)
            .field_opt("Assignee", issue.field("assignee.displayName"), true);
        if plain_update && status_change.is_none() && !changes.is_empty() {
            att = att.text(changes.join("\n"));
        }
    }
    Ok(Translated::new(event, text)
        .attach(att)
        .thread(format!("jira:{}", issue.key))
        .post())
}

fn labels(fields: &Value) -> Option<String> {
    let items: Vec<String> = array_at(fields, "labels")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    list(&items)
}

/// `- field: from → to` lines for the changelog (at most 5; long values cut).
fn changelog(v: &Value) -> Vec<String> {
    let items = array_at(v, "changelog.items");
    let mut lines: Vec<String> = items
        .iter()
        .take(5)
        .filter_map(|i| {
            let field = str_at(i, "field")?;
            let from = text_at(i, "fromString").unwrap_or_else(|| "—".to_owned());
            let to = text_at(i, "toString").unwrap_or_else(|| "—".to_owned());
            Some(format!(
                "- {}: {} → {}",
                escape_md(field),
                escape_md(&super::render::truncate(&from, 80)),
                escape_md(&super::render::truncate(&to, 80))
            ))
        })
        .collect();
    if items.len() > 5 {
        lines.push(format!("- … and {} more", items.len() - 5));
    }
    lines
}

fn comment(v: &Value, event: String) -> Result<Outcome, TranslateError> {
    let issue = Issue::new(v)?;
    // `comment_*` events have no top-level user; the comment's author is the actor.
    let who = str_at(v, "comment.author.displayName")
        .or_else(|| str_at(v, "comment.author.name"))
        .unwrap_or_else(|| actor(v));
    let comment_url = match (&issue.url, text_at(v, "comment.id")) {
        (Some(u), Some(id)) => Some(format!("{u}?focusedCommentId={id}")),
        (u, _) => u.clone(),
    };
    let text = format!(
        "{} commented on {}{}",
        bold(who),
        link(&issue.title(), comment_url.as_deref()),
        issue.in_project()
    );
    let att = Attachment::new(plain(&text), NEUTRAL)
        .author(who, None, str_at(v, "comment.author.avatarUrls.48x48"))
        .title(format!("Re: {}", issue.title()), comment_url.as_deref())
        .text(wiki_to_md(str_at(v, "comment.body").unwrap_or(""), 1000))
        .footer(format!("Jira · {}", issue.project.unwrap_or(issue.key)))
        .ts(ms_to_s(i64_at(v, "timestamp")));
    Ok(Translated::new(event, text)
        .attach(att)
        .thread(format!("jira:{}", issue.key))
        .post())
}

/// Light Jira wiki markup → Markdown: `[label|url]` links, `{code}` / `{noformat}` blocks and
/// `{{monospace}}`. Other markup is left as typed; mentions are defused.
fn wiki_to_md(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['[', '{']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match wiki_token(tail) {
            Some((markdown, consumed)) => {
                out.push_str(&markdown);
                rest = &tail[consumed..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    excerpt(&out, max)
}

/// The Markdown for the wiki construct at the start of `tail`, and how many bytes it spans.
fn wiki_token(tail: &str) -> Option<(String, usize)> {
    if let Some(after) = tail.strip_prefix("{{") {
        let end = after.find("}}")?;
        return Some((format!("`{}`", &after[..end]), end + 4));
    }
    if tail.starts_with("{code") || tail.starts_with("{noformat") {
        let close = tail.find('}')?;
        return Some(("\n```\n".to_owned(), close + 1));
    }
    let after = tail.strip_prefix('[')?;
    let end = after.find(']')?;
    let (label, url) = after[..end].split_once('|')?;
    let is_web = url.starts_with("http://") || url.starts_with("https://");
    is_web.then(|| (format!("[{label}]({url})"), end + 2))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{att, outcome, post};
    use super::super::Outcome;
    use super::{translate, wiki_to_md};
    use serde_json::json;

    fn issue() -> serde_json::Value {
        json!({"key": "OPS-7", "self": "https://jira.example.com/ctx/rest/api/2/issue/100",
               "fields": {"summary": "Disk full", "project": {"key": "OPS", "name": "Operations"},
                          "status": {"name": "Open"}, "issuetype": {"name": "Bug"}}})
    }

    #[test]
    fn server_issue_commented_posts_the_comment() {
        let p = post(
            translate,
            &[],
            &json!({"webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_commented",
                    "user": {"displayName": "Admin"}, "issue": issue(),
                    "comment": {"id": "10500", "body": "See [the runbook|https://wiki.example.com/rb] and {{df -h}}",
                                "author": {"displayName": "Grace"}}}),
        );
        assert_eq!(p.event, "issue_updated.commented");
        assert!(p.text.starts_with("**Grace** commented on [OPS-7: Disk full](https://jira.example.com/ctx/browse/OPS-7?focusedCommentId=10500)"), "{}", p.text);
        assert_eq!(
            att(&p, "text"),
            "See [the runbook](https://wiki.example.com/rb) and `df -h`"
        );
        assert_eq!(p.thread_key.as_deref(), Some("jira:OPS-7"));
    }

    #[test]
    fn field_edits_list_the_changes_and_comment_edits_are_ignored() {
        let p = post(
            translate,
            &[],
            &json!({"webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_updated",
                    "user": {"displayName": "Admin"}, "issue": issue(),
                    "changelog": {"items": [{"field": "priority", "fromString": "Low", "toString": "High"}]}}),
        );
        assert_eq!(att(&p, "text"), "- priority: Low → High");
        let ignored = outcome(
            translate,
            &[],
            &json!({"webhookEvent": "comment_updated", "issue": issue()}),
        );
        assert!(matches!(ignored, Outcome::Ignored { .. }));
    }

    #[test]
    fn wiki_markup_conversion() {
        assert_eq!(wiki_to_md("{code:java}x = 1{code}", 100), "```\nx = 1\n```");
        assert_eq!(
            wiki_to_md("[not a link] [x|ftp://y]", 100),
            "[not a link] [x|ftp://y]"
        );
    }
}
