//! Trac, through trac-webhook-plugin. No event header.
//!
//! - travisghansen flavour (structured): switches on the body's `realm` + `action`. Ticket
//!   realm: `created`, `changed` (or the new status when the plugin reports status changes by
//!   name, e.g. `closed`, `reopened`, `assigned`), `deleted`, `attachment added` /
//!   `attachment deleted`. Wiki realm: `created`, `changed`, `deleted`, `renamed`,
//!   `version deleted`, `comment modified`. Event names are `<realm>.<action>` with spaces
//!   turned into `_` (`ticket.created`, `ticket.attachment_added`, `wiki.changed`).
//! - aperezdc flavour (`mucs`, `jids`, `text`, `url`): the text is already a chat line and is
//!   posted as it is, with a link. Event `ticket.<verb>` taken from its `(<verb> by …)` part.
//!
//! Thread: `trac:{ticket or page URL}` (`resource_url`, or `url` in the aperezdc flavour), so
//! both flavours thread a ticket the same way.

use serde_json::Value;

use super::github::plain;
use super::json::{at, parse_body, require_object, str_at, text_at};
use super::render::{bold, escape_md, excerpt, link, sanitize_md, GOOD, NEUTRAL};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::{single_line, Attachment};

/// Trac: the TracWebHook plugin (`realm`) or its XMPP-style payload (`mucs`, `jids`).
pub const SOURCE: Source = Source {
    name: "trac",
    aliases: &[],
    event_headers: &[],
    marker_headers: &["X-WebHook-Signature"],
    shape: Some(|v| {
        (str_at(v, "realm").is_some() && str_at(v, "action").is_some())
            || (at(v, "mucs").is_some() && at(v, "jids").is_some() && str_at(v, "text").is_some())
    }),
    agents: &[],
    shadows: &[],
    delivery_id_headers: &[],
    signature: &[Check::Prefixed("X-WebHook-Signature"), Check::Token],
    translate,
};

/// Translates one trac-webhook-plugin request.
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    if at(&v, "realm").is_none() && str_at(&v, "text").is_some() {
        return pre_rendered(&v);
    }
    let realm = str_at(&v, "realm").ok_or_else(|| super::json::missing("realm"))?;
    let action = str_at(&v, "action").unwrap_or("changed");
    let event = format!("{realm}.{}", action.replace(' ', "_"));
    match realm {
        "ticket" => ticket(&v, action, event),
        "wiki" => wiki(&v, action, event),
        other => Ok(Outcome::not_posted(event, "Trac realm", other)),
    }
}

/// The logged-in user who made the change.
fn actor(v: &Value) -> String {
    str_at(v, "user.name")
        .or_else(|| str_at(v, "user.username"))
        .or_else(|| str_at(v, "data.author"))
        .unwrap_or("Someone")
        .to_owned()
}

fn project_suffix(v: &Value) -> String {
    str_at(v, "project.name")
        .map(|p| format!(" in {}", link(p, str_at(v, "project.base_url"))))
        .unwrap_or_default()
}

fn footer(v: &Value) -> String {
    format!("Trac · {}", str_at(v, "project.name").unwrap_or(""))
}

fn ticket(v: &Value, action: &str, event: String) -> Result<Outcome, TranslateError> {
    let t = require_object(v, "data.ticket")?;
    let id = text_at(t, "id").ok_or_else(|| super::json::missing("data.ticket.id"))?;
    let summary = str_at(t, "summary").unwrap_or("");
    let kind = str_at(t, "type").unwrap_or("ticket");
    let url = str_at(v, "resource_url");
    let who = actor(v);
    let status = str_at(t, "status").unwrap_or("");
    let resolution = str_at(t, "resolution");
    let old_values = at(v, "data.old_values").and_then(Value::as_object);
    let status_changed = old_values.is_some_and(|o| o.contains_key("status"));
    let linked = link(&format!("#{id} {summary}"), url);
    let mut suffix = String::new();
    let (verb, details) = match action {
        "created" => (format!("created {}", escape_md(kind)), true),
        "deleted" => (format!("deleted {}", escape_md(kind)), false),
        "attachment added" => {
            let file = str_at(v, "data.attachment.filename").unwrap_or("a file");
            (format!("attached {} to", bold(file)), false)
        }
        "attachment deleted" => {
            let file = str_at(v, "data.attachment.filename").unwrap_or("a file");
            (format!("removed attachment {} from", bold(file)), false)
        }
        _ if status == "closed" && status_changed => {
            if let Some(r) = resolution {
                suffix = format!(" as {}", bold(r));
            }
            (format!("closed {}", escape_md(kind)), false)
        }
        "changed" => (format!("updated {}", escape_md(kind)), false),
        // The plugin's "intelligent" mode names the new status instead of `changed`.
        other => (format!("{} {}", escape_md(other), escape_md(kind)), false),
    };
    let text = format!(
        "{} {verb} {linked}{suffix}{}",
        bold(&who),
        project_suffix(v)
    );
    let color = if status == "closed" { GOOD } else { NEUTRAL };
    let mut att = Attachment::new(plain(&text), color)
        .author(&who, None, None)
        .title(
            format!("#{id} {summary}"),
            if action == "deleted" { None } else { url },
        )
        .footer(footer(v));
    if details {
        att = att
            .text(excerpt(str_at(t, "description").unwrap_or(""), 500))
            .field_opt("Type", str_at(t, "type").map(escape_md), true)
            .field_opt("Priority", str_at(t, "priority").map(escape_md), true)
            .field_opt("Component", str_at(t, "component").map(escape_md), true)
            .field_opt("Milestone", str_at(t, "milestone").map(escape_md), true)
            .field_opt("Owner", str_at(t, "owner").map(escape_md), true)
            .field_opt("Reporter", str_at(t, "reporter").map(escape_md), true);
    } else {
        let mut body = excerpt(str_at(v, "data.comment").unwrap_or(""), 1000);
        if let Some(old) = old_values {
            let changes: Vec<String> = old
                .iter()
                .filter(|(field, _)| !matches!(field.as_str(), "changetime" | "time"))
                .take(8)
                .map(|(field, before)| {
                    let before = before.as_str().unwrap_or("");
                    let after = text_at(t, field).unwrap_or_default();
                    let show = |s: &str| {
                        if s.is_empty() {
                            "—".to_owned()
                        } else {
                            escape_md(&super::render::truncate(s, 80))
                        }
                    };
                    format!(
                        "- {}: {} → {}",
                        escape_md(field),
                        show(before),
                        show(&after)
                    )
                })
                .collect();
            if !changes.is_empty() {
                if !body.is_empty() {
                    body.push_str("\n\n");
                }
                body.push_str(&changes.join("\n"));
            }
        }
        att = att
            .text(body)
            .field_opt(
                "Status",
                Some(status).filter(|s| !s.is_empty()).map(escape_md),
                true,
            )
            .field_opt("Resolution", resolution.map(escape_md), true)
            .field_opt("Owner", str_at(t, "owner").map(escape_md), true);
    }
    let mut post = Translated::new(event, text).attach(att);
    if let Some(u) = url {
        post = post.thread(format!("trac:{u}"));
    }
    Ok(post.post())
}

fn wiki(v: &Value, action: &str, event: String) -> Result<Outcome, TranslateError> {
    let page = require_object(v, "data.page")?;
    let name = str_at(page, "name").unwrap_or("a page");
    let url = str_at(v, "resource_url").filter(|_| action != "deleted");
    let verb = match action {
        "created" => "created",
        "changed" => "edited",
        "deleted" => "deleted",
        "renamed" => "renamed",
        "version deleted" => "deleted a version of",
        "comment modified" => "changed the edit comment of",
        other => other,
    };
    let who = actor(v);
    let text = format!(
        "{} {} wiki page {}{}",
        bold(&who),
        escape_md(verb),
        link(name, url),
        project_suffix(v)
    );
    let att = Attachment::new(plain(&text), NEUTRAL)
        .author(&who, None, None)
        .title(name.to_owned(), url)
        .text(excerpt(str_at(page, "comment").unwrap_or(""), 500))
        .field_opt("Version", text_at(page, "version"), true)
        .footer(footer(v));
    let mut post = Translated::new(event, text).attach(att);
    if let Some(u) = str_at(v, "resource_url") {
        post = post.thread(format!("trac:{u}"));
    }
    Ok(post.post())
}

/// The aperezdc flavour: `{"mucs": [...], "jids": [...], "text": "...", "url": "..."}`. The
/// line reads `[Project] type #id - summary (verb by @user) details…`: the part before the
/// parenthesis becomes the linked title, the parenthesis the action, the rest the body.
fn pre_rendered(v: &Value) -> Result<Outcome, TranslateError> {
    let line = single_line(str_at(v, "text").unwrap_or(""));
    let url = str_at(v, "url");
    let (title, action, rest) = match line.find(" (") {
        Some(open) => match line[open..].find(')') {
            Some(close) => (
                &line[..open],
                &line[open + 2..open + close],
                line[open + close + 1..].trim(),
            ),
            None => (line.as_str(), "", ""),
        },
        None => (line.as_str(), "", ""),
    };
    let verb = action
        .split_once(" by ")
        .map(|(verb, _)| verb.trim())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
        .unwrap_or("changed");
    let text = if action.is_empty() {
        link(title, url)
    } else {
        format!("{} ({})", link(title, url), escape_md(action))
    };
    let color = if verb == "closed" { GOOD } else { NEUTRAL };
    let att = Attachment::new(line.as_str(), color)
        .title(title.to_owned(), url)
        .text(sanitize_md(rest))
        .footer("Trac");
    let mut post = Translated::new(format!("ticket.{verb}"), text).attach(att);
    if let Some(u) = url {
        post = post.thread(format!("trac:{u}"));
    }
    Ok(post.post())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{att, post};
    use super::translate;
    use serde_json::json;

    #[test]
    fn wiki_changes_and_attachments() {
        let project = json!({"name": "Acme", "base_url": "https://trac.example.com/acme"});
        let w = post(
            translate,
            &[],
            &json!({"realm": "wiki", "action": "changed", "project": project,
                    "resource_url": "https://trac.example.com/acme/wiki/Start",
                    "user": {"name": "Ida"}, "data": {"page": {"name": "Start", "version": 4, "comment": "typo"}}}),
        );
        assert_eq!(w.event, "wiki.changed");
        assert!(
            w.text.starts_with(
                "**Ida** edited wiki page [Start](https://trac.example.com/acme/wiki/Start)"
            ),
            "{}",
            w.text
        );
        let a = post(
            translate,
            &[],
            &json!({"realm": "ticket", "action": "attachment added", "project": project,
                    "resource_url": "https://trac.example.com/acme/ticket/9", "user": {"username": "joe"},
                    "data": {"ticket": {"id": 9, "summary": "S", "status": "new"},
                             "attachment": {"filename": "log.txt"}}}),
        );
        assert_eq!(a.event, "ticket.attachment_added");
        assert!(
            a.text.contains("attached **log.txt** to [#9 S]"),
            "{}",
            a.text
        );
        let reopened = post(
            translate,
            &[],
            &json!({"realm": "ticket", "action": "reopened", "user": {"name": "Kim"},
                    "data": {"ticket": {"id": 9, "summary": "S", "status": "reopened", "type": "defect"},
                             "old_values": {"status": "closed"}}}),
        );
        assert!(
            reopened.text.starts_with("**Kim** reopened defect #9 S"),
            "{}",
            reopened.text
        );
        assert_eq!(att(&reopened, "text"), "- status: closed → reopened");
    }
}
