//! Redmine webhooks, in both formats found in the wild. No event header.
//!
//! - The `redmine_webhook` plugin (suer/redmine_webhook): switches on `payload.action`,
//!   `opened` (issue created) or `updated` (edited, commented, changed by a commit). Event
//!   names `issue.opened` / `issue.updated`.
//! - Native webhooks (Redmine 7): switches on the body's `type`, `<model>.<action>`. Posted:
//!   `issue.created`, `issue.updated`, `issue.deleted`; other models are ignored. Native
//!   payloads carry no URL, and a translator knows no base URL, so these posts have no link.
//!
//! Thread: `redmine:issue:{id}` (issue ids are global in a Redmine instance).

use serde_json::Value;

use super::github::plain;
use super::json::{array_at, at, parse_body, require_object, str_at, text_at};
use super::render::{bold, escape_md, excerpt, link, GOOD, NEUTRAL};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// Models of native Redmine webhooks.
const NATIVE_MODELS: &[&str] = &["issue", "wiki_page", "time_entry", "news", "version"];

/// Whether `type` is a native Redmine webhook type (`issue.updated`, …).
pub(crate) fn is_native_type(kind: &str) -> bool {
    kind.split_once('.').is_some_and(|(model, action)| {
        NATIVE_MODELS.contains(&model) && matches!(action, "created" | "updated" | "deleted")
    })
}

/// Redmine: native hooks (signed) and the plugin's payloads (the token fallback).
pub const SOURCE: Source = Source {
    name: "redmine",
    aliases: &[],
    event_headers: &[],
    marker_headers: &["X-Redmine-Signature-256"],
    shape: Some(|v| {
        (str_at(v, "payload.action").is_some() && at(v, "payload.issue").is_some())
            || (str_at(v, "type").is_some_and(is_native_type)
                && at(v, "data").is_some_and(Value::is_object))
    }),
    agents: &[],
    shadows: &[],
    delivery_id_headers: &[],
    signature: &[Check::Prefixed("X-Redmine-Signature-256"), Check::Token],
    translate,
};

/// Translates one Redmine webhook (plugin or native format).
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    if let Some(payload) = at(&v, "payload").filter(|p| p.is_object()) {
        return plugin(payload);
    }
    match str_at(&v, "type") {
        Some(kind) if is_native_type(kind) => native(&v, kind),
        Some(kind) => Ok(Outcome::not_posted(kind, "Redmine event", kind)),
        None => Err(TranslateError::BadPayload(
            "neither a `payload` object (plugin) nor a `type` (native webhook)".to_owned(),
        )),
    }
}

/// `firstname lastname`, falling back to `login`, or a native user's `name`.
fn user_name(u: &Value) -> Option<String> {
    if let Some(name) = str_at(u, "name") {
        return Some(name.to_owned());
    }
    let full = [str_at(u, "firstname"), str_at(u, "lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if full.is_empty() {
        str_at(u, "login").map(str::to_owned)
    } else {
        Some(full)
    }
}

fn plugin(p: &Value) -> Result<Outcome, TranslateError> {
    let issue = require_object(p, "issue")?;
    let action = str_at(p, "action").unwrap_or("updated");
    // `not yet implemented` is what the plugin sends for updates made by a changeset.
    let url = str_at(p, "url").filter(|u| u.starts_with("http"));
    let (verb, actor, journal) = match action {
        "opened" => ("opened", at(issue, "author").and_then(user_name), None),
        "updated" => {
            let journal = at(p, "journal").filter(|j| j.is_object());
            let actor = journal
                .and_then(|j| at(j, "author"))
                .and_then(user_name)
                .or_else(|| at(issue, "author").and_then(user_name));
            ("updated", actor, journal)
        }
        other => {
            return Ok(Outcome::not_posted(
                format!("issue.{other}"),
                "Redmine plugin action",
                other,
            ))
        }
    };
    let post = IssuePost {
        event: format!("issue.{action}"),
        verb,
        actor,
        url,
        issue,
        journal,
        assignee_key: "assignee",
        details: action == "opened",
        closed: at(issue, "closed_on").is_some_and(|c| !c.is_null()),
    };
    Ok(post.build())
}

fn native(v: &Value, kind: &str) -> Result<Outcome, TranslateError> {
    let (model, action) = kind.split_once('.').unwrap_or((kind, ""));
    if model != "issue" {
        return Ok(Outcome::ignored(
            kind,
            format!("Redmine `{model}` events are not posted"),
        ));
    }
    let issue = require_object(v, "data.issue")?;
    let journal = at(v, "data.journal").filter(|j| j.is_object());
    let actor = journal
        .and_then(|j| at(j, "user"))
        .and_then(user_name)
        .or_else(|| at(issue, "author").and_then(user_name));
    let verb = match action {
        "created" => "created",
        "deleted" => "deleted",
        _ => "updated",
    };
    let post = IssuePost {
        event: kind.to_owned(),
        verb,
        actor,
        url: None,
        issue,
        journal,
        assignee_key: "assigned_to",
        details: action == "created",
        closed: matches!(at(issue, "status.is_closed"), Some(Value::Bool(true)))
            || at(issue, "closed_on").is_some_and(|c| !c.is_null()),
    };
    Ok(post.build())
}

struct IssuePost<'a> {
    event: String,
    verb: &'static str,
    actor: Option<String>,
    url: Option<&'a str>,
    issue: &'a Value,
    journal: Option<&'a Value>,
    assignee_key: &'static str,
    details: bool,
    closed: bool,
}

impl IssuePost<'_> {
    fn build(self) -> Outcome {
        let issue = self.issue;
        let id = text_at(issue, "id").unwrap_or_else(|| "?".to_owned());
        let subject = str_at(issue, "subject").unwrap_or("");
        let tracker = str_at(issue, "tracker.name").unwrap_or("issue");
        let project = str_at(issue, "project.name");
        let who = self.actor.as_deref().unwrap_or("Someone");
        let in_project = project
            .map(|p| format!(" in {}", bold(p)))
            .unwrap_or_default();
        let text = format!(
            "{} {} {} {}{in_project}",
            bold(who),
            self.verb,
            escape_md(&tracker.to_lowercase()),
            link(&format!("#{id} {subject}"), self.url),
        );
        let color = if self.closed { GOOD } else { NEUTRAL };
        let assignee = at(issue, self.assignee_key).and_then(user_name);
        let mut att = Attachment::new(plain(&text), color)
            .author(who, None, None)
            .title(format!("{tracker} #{id}: {subject}"), self.url)
            .field_opt("Status", str_at(issue, "status.name").map(escape_md), true)
            .field_opt(
                "Priority",
                str_at(issue, "priority.name").map(escape_md),
                true,
            )
            .field_opt("Assignee", assignee.as_deref().map(escape_md), true)
            .footer(format!("Redmine · {}", project.unwrap_or("")));
        if self.details {
            att = att.text(excerpt(str_at(issue, "description").unwrap_or(""), 500));
        } else if let Some(j) = self.journal {
            let mut body = excerpt(str_at(j, "notes").unwrap_or(""), 1000);
            let changes = detail_lines(issue, j);
            if !changes.is_empty() {
                if !body.is_empty() {
                    body.push_str("\n\n");
                }
                body.push_str(&changes.join("\n"));
            }
            att = att.text(body);
        }
        Translated::new(self.event, text)
            .attach(att)
            .thread(format!("redmine:issue:{id}"))
            .post()
    }
}

/// Journal details as `- Field: old → new`. Redmine sends ids for attributes; for the ones
/// the issue object names (status, assignee, priority, tracker) the new value is shown by name.
fn detail_lines(issue: &Value, journal: &Value) -> Vec<String> {
    array_at(journal, "details")
        .iter()
        .take(8)
        .filter_map(|d| {
            let key = str_at(d, "prop_key")?;
            let (label, named) = match key {
                "status_id" => ("Status", str_at(issue, "status.name")),
                "assigned_to_id" => (
                    "Assignee",
                    str_at(issue, "assigned_to.name").or_else(|| str_at(issue, "assignee.login")),
                ),
                "priority_id" => ("Priority", str_at(issue, "priority.name")),
                "tracker_id" => ("Tracker", str_at(issue, "tracker.name")),
                "subject" => ("Subject", None),
                "done_ratio" => ("% Done", None),
                "due_date" => ("Due date", None),
                other => (other, None),
            };
            let new = named
                .map(str::to_owned)
                .or_else(|| text_at(d, "value"))
                .unwrap_or_else(|| "—".to_owned());
            let line = match (named, text_at(d, "old_value")) {
                // An old id next to a new name would mislead; show the new value only.
                (Some(_), _) | (None, None) => {
                    format!("- {}: → {}", escape_md(label), escape_md(&new))
                }
                (None, Some(old)) => format!(
                    "- {}: {} → {}",
                    escape_md(label),
                    escape_md(&old),
                    escape_md(&new)
                ),
            };
            Some(line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::render::GOOD;
    use super::super::testutil::{att, field, outcome, post};
    use super::super::Outcome;
    use super::translate;
    use serde_json::json;

    #[test]
    fn plugin_update_closing_an_issue_is_green() {
        let p = post(
            translate,
            &[],
            &json!({"payload": {"action": "updated", "url": "https://redmine.example.com/issues/5",
                "issue": {"id": 5, "subject": "Crash", "closed_on": "2024-01-01T00:00:00Z",
                          "tracker": {"name": "Bug"}, "status": {"name": "Closed"},
                          "project": {"name": "Core"}, "author": {"firstname": "A", "lastname": "B"}},
                "journal": {"notes": "Done", "author": {"login": "carl"},
                            "details": [{"property": "attr", "prop_key": "status_id", "old_value": "1", "value": "5"},
                                        {"property": "attr", "prop_key": "done_ratio", "old_value": "0", "value": "100"}]}}}),
        );
        assert_eq!(att(&p, "color"), GOOD);
        assert!(
            p.text.starts_with(
                "**carl** updated bug [#5 Crash](https://redmine.example.com/issues/5)"
            ),
            "{}",
            p.text
        );
        assert_eq!(
            att(&p, "text"),
            "Done\n\n- Status: → Closed\n- % Done: 0 → 100"
        );
        assert_eq!(field(&p, "Status"), Some("Closed"));
    }

    #[test]
    fn changeset_updates_have_no_link_and_other_native_models_are_ignored() {
        let p = post(
            translate,
            &[],
            &json!({"payload": {"action": "updated", "url": "not yet implemented",
                "issue": {"id": 6, "subject": "S"}, "journal": {"notes": "Applied in changeset r42."}}}),
        );
        assert!(!p.text.contains("]("), "{}", p.text);
        let wiki = outcome(
            translate,
            &[],
            &json!({"type": "wiki_page.created", "data": {}}),
        );
        assert!(matches!(wiki, Outcome::Ignored { .. }));
    }
}
