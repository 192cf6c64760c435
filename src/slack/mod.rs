//! Slack compatibility for webhook payloads: the markup translation (`<!here>`, `<@user>`,
//! `<url|label>`, `&amp;`) and message attachments (`attachment.rs`: the one `Attachment` type,
//! decoded from payloads or built by translators; here, translating their text fields) —
//! `docs/spec/incoming-webhooks.md` §5 and §6. Slash-command and outgoing-webhook
//! responses use the same translator in its `Dialect::Response` flavour.
//!
//! Everything here is pure: user lookups come in as a function, so it is tested without a
//! database.

mod attachment;

pub use attachment::{
    member, parse_attachment, parse_attachments, safe_url, single_line, string_field, value_text,
    Attachment, Field,
};

use serde_json::Value;

/// Looks a Slack user reference up: a user id or a username in, the username out.
pub type UserLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The translation of a top-level message: announcements and user references become
/// Mattermost mentions, `<url|label>` becomes a Markdown link (Mattermost's stricter rule for
/// top-level text: neither part may span lines), then Slack's three HTML entities are
/// unescaped.
pub fn translate_text(text: &str, users: UserLookup) -> String {
    unescape_entities(&links(
        &expand_mentions(text, users, Dialect::Webhook),
        LinkRule::TopLevel,
    ))
}

/// Translates the text fields of one attachment (§6.2): mentions in `pretext`, `text`,
/// `title` and field values; links in `text`, `pretext` and field values (the looser rule,
/// which allows newlines); entities in every human-readable text field.
pub fn translate_attachment(a: &mut Attachment, users: UserLookup) {
    let mentions = |s: &str| expand_mentions(s, users, Dialect::Webhook);
    let full = |s: &str| unescape_entities(&links(&mentions(s), LinkRule::Attachment));
    a.pretext = full(&a.pretext);
    a.text = full(&a.text);
    a.title = unescape_entities(&mentions(&a.title));
    a.fallback = unescape_entities(&a.fallback);
    a.author_name = unescape_entities(&a.author_name);
    a.footer = unescape_entities(&a.footer);
    for f in a.fields.iter_mut().flatten() {
        f.title = unescape_entities(&f.title);
        f.value = full(&f.value);
    }
}

/// Which Slack mention forms are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Incoming webhooks, with Perch's extensions: `<!everyone>` too, a `|label` after any
    /// mention, user references of `[a-zA-Z0-9.-_]` (the lookup may take usernames).
    Webhook,
    /// Command and outgoing-webhook responses, exactly as Mattermost: `<!channel>`, `<!here>`,
    /// `<!all>` and `<@ID>` with `ID` of `[a-zA-Z0-9]+`, no labels.
    Response,
}

/// `<!channel>` → `@channel`, `<!here>` → `@here`, `<!all>` (and, in the webhook dialect,
/// `<!everyone>`) → `@all`, and `<@ref>` → `@username` when `users` knows `ref` (the webhook
/// dialect also allows a `|label` after each). Anything else in angle brackets
/// (`<!subteam^…>`, `<!date^…>`, unknown users) is kept.
pub fn expand_mentions(text: &str, users: UserLookup, dialect: Dialect) -> String {
    if !text.contains("<!") && !text.contains("<@") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match mention_at(tail, users, dialect) {
            Some((replacement, used)) => {
                out.push_str(&replacement);
                rest = &tail[used..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `tail` (which starts with `<`) opens a Slack mention, its translation and length.
fn mention_at(tail: &str, users: UserLookup, dialect: Dialect) -> Option<(String, usize)> {
    let kind = tail[1..].chars().next()?;
    if kind != '!' && kind != '@' {
        return None;
    }
    let end = tail.find('>')?;
    let inner = &tail[2..end];
    if inner.contains(['<', '\n']) {
        return None;
    }
    let name = match dialect {
        Dialect::Webhook => inner.split('|').next().unwrap_or(inner),
        Dialect::Response => inner,
    };
    let replacement = if kind == '!' {
        match name {
            "channel" => "@channel".to_string(),
            "here" => "@here".to_string(),
            "all" => "@all".to_string(),
            "everyone" if dialect == Dialect::Webhook => "@all".to_string(),
            _ => return None,
        }
    } else {
        let extra = match dialect {
            Dialect::Webhook => ".-_",
            Dialect::Response => "",
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
        if !valid {
            return None;
        }
        format!("@{}", users(name)?)
    };
    Some((replacement, end + 1))
}

/// Which of Mattermost's two `<url|label>` patterns applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRule {
    /// `<([^\n<|>]+)\|([^|\n>]+)>`: top-level text of webhook posts.
    TopLevel,
    /// `<([^<|]+)\|([^>]+)>`: attachments and command responses (parts may span lines).
    Attachment,
}

/// Converts Slack links `<url|label>` to Markdown `[label](url)`; `<url>` alone is kept
/// (clients autolink it).
pub fn links(text: &str, rule: LinkRule) -> String {
    if !text.contains('<') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match link_at(tail, rule) {
            Some((url, label, used)) => {
                out.push('[');
                out.push_str(label);
                out.push_str("](");
                out.push_str(url);
                out.push(')');
                rest = &tail[used..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `tail` (which starts with `<`) is a link under `rule`: (url, label, length).
fn link_at(tail: &str, rule: LinkRule) -> Option<(&str, &str, usize)> {
    let body = &tail[1..];
    let bar = body.find(|c: char| {
        c == '|' || c == '<' || (rule == LinkRule::TopLevel && (c == '\n' || c == '>'))
    })?;
    if bar == 0 || !body[bar..].starts_with('|') {
        return None;
    }
    let url = &body[..bar];
    let after = &body[bar + 1..];
    let close = after
        .find(|c: char| c == '>' || (rule == LinkRule::TopLevel && (c == '|' || c == '\n')))?;
    if close == 0 || !after[close..].starts_with('>') {
        return None;
    }
    let label = &after[..close];
    Some((url, label, 1 + bar + 1 + close + 1))
}

/// The translation of a command or outgoing-webhook response's text (`Dialect::Response`
/// mentions, then links under `rule`); entities stay as sent, as in Mattermost.
pub fn translate_response_text(text: &str, users: UserLookup, rule: LinkRule) -> String {
    links(&expand_mentions(text, users, Dialect::Response), rule)
}

/// §6.2 on a response's attachment object as sent: mentions (`Dialect::Response`; skipped
/// when `users` is `None`) in `pretext`, `text`, `title` and string field values; links (the
/// attachment rule) always in `pretext`, `text` and string field values; no entity unescaping.
pub fn translate_response_attachment(a: &mut Value, users: Option<UserLookup>) {
    let translate = |s: &mut String, link: bool| {
        if let Some(users) = users {
            *s = expand_mentions(s, users, Dialect::Response);
        }
        if link {
            *s = links(s, LinkRule::Attachment);
        }
    };
    let Some(obj) = a.as_object_mut() else {
        return;
    };
    for key in ["pretext", "text", "title"] {
        if let Some(Value::String(s)) = obj.get_mut(key) {
            translate(s, key != "title");
        }
    }
    if let Some(Value::Array(fields)) = obj.get_mut("fields") {
        for f in fields {
            if let Some(Value::String(v)) = f.get_mut("value") {
                translate(v, true);
            }
        }
    }
}

/// `&amp;` → `&`, `&lt;` → `<`, `&gt;` → `>`, in one pass (so `&amp;lt;` becomes `&lt;`).
/// Slack senders escape these three characters; we store what they meant.
pub fn unescape_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (ch, used) = if tail.starts_with("&amp;") {
            ('&', 5)
        } else if tail.starts_with("&lt;") {
            ('<', 4)
        } else if tail.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(ch);
        rest = &tail[used..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn users(r: &str) -> Option<String> {
        match r {
            "abcdefghijklmnopqrstuvwxyz" => Some("alice".into()),
            "bob" => Some("bob".into()),
            _ => None,
        }
    }

    fn t(s: &str) -> String {
        translate_text(s, &users)
    }

    #[test]
    fn announcements() {
        assert_eq!(t("<!channel> deploy"), "@channel deploy");
        assert_eq!(t("ping <!here>!"), "ping @here!");
        assert_eq!(t("<!all> and <!everyone>"), "@all and @all");
        assert_eq!(t("<!here|here> x"), "@here x");
        assert_eq!(t("<!subteam^S123> <!date^1>"), "<!subteam^S123> <!date^1>");
        // With a label, the link rule then applies, as in Mattermost.
        assert_eq!(t("<!subteam^S123|team>"), "[team](!subteam^S123)");
        assert_eq!(t("<!nothing>"), "<!nothing>");
    }

    #[test]
    fn user_references() {
        assert_eq!(t("hi <@abcdefghijklmnopqrstuvwxyz>"), "hi @alice");
        assert_eq!(t("hi <@bob>, <@bob|Bob B>"), "hi @bob, @bob");
        // Unknown references stay; with a label, the link rule then applies, as in Mattermost.
        assert_eq!(t("hi <@U024BE7LH>"), "hi <@U024BE7LH>");
        assert_eq!(t("hi <@U024BE7LH|x>"), "hi [x](@U024BE7LH)");
    }

    #[test]
    fn top_level_links() {
        assert_eq!(
            t("see <https://x.io/a?b=1|the docs>."),
            "see [the docs](https://x.io/a?b=1)."
        );
        assert_eq!(t("<https://x.io>"), "<https://x.io>");
        assert_eq!(t("<a|b> <c|d>"), "[b](a) [d](c)");
        assert_eq!(t("<#C123|general>"), "[general](#C123)");
        // Neither part may span lines at top level; the label may not contain a pipe.
        assert_eq!(t("<https://x\n|y>"), "<https://x\n|y>");
        assert_eq!(t("<https://x|y\nz>"), "<https://x|y\nz>");
        assert_eq!(t("<https://x|a|b>"), "<https://x|a|b>");
        assert_eq!(t("a < b <https://x|y>"), "a < b [y](https://x)");
        assert_eq!(t("<|y> <x|>"), "<|y> <x|>");
    }

    #[test]
    fn attachment_links_may_span_lines() {
        assert_eq!(
            links("<https://x|line\nbreak>", LinkRule::Attachment),
            "[line\nbreak](https://x)"
        );
        assert_eq!(
            links("<https://x|a|b>", LinkRule::Attachment),
            "[a|b](https://x)"
        );
        assert_eq!(links("<a> <b|c>", LinkRule::Attachment), "<a> [c](b)");
    }

    #[test]
    fn entities_are_unescaped_once_and_last() {
        assert_eq!(t("a &amp; b &lt;tag&gt;"), "a & b <tag>");
        assert_eq!(t("&amp;lt; stays an entity"), "&lt; stays an entity");
        assert_eq!(t("&lt;https://x|y&gt;"), "<https://x|y>");
        assert_eq!(t("AT&T & co &copy;"), "AT&T & co &copy;");
        assert_eq!(t("<https://x?a=1&amp;b=2|q>"), "[q](https://x?a=1&b=2)");
        assert_eq!(t("héllo ☃ &gt;"), "héllo ☃ >");
    }

    #[test]
    fn attachment_text_fields_are_translated() {
        let mut a = parse_attachments(&json!([{
            "fallback": "a &amp; b", "pretext": "<!here> <https://p|P>",
            "title": "<@bob> <https://t|T>", "text": "<https://x|multi\nline> &lt;3",
            "author_name": "&gt;me", "footer": "f &amp; g",
            "fields": [{"title": "&lt;t&gt;", "value": "<!channel> <https://v|V>"}]
        }]))
        .unwrap()
        .remove(0);
        translate_attachment(&mut a, &users);
        assert_eq!(a.fallback, "a & b");
        assert_eq!(a.pretext, "@here [P](https://p)");
        // Titles get mentions but no link conversion (Mattermost's rule).
        assert_eq!(a.title, "@bob <https://t|T>");
        assert_eq!(a.text, "[multi\nline](https://x) <3");
        assert_eq!(a.author_name, ">me");
        assert_eq!(a.footer, "f & g");
        let f = &a.fields.as_ref().unwrap()[0];
        assert_eq!(f.title, "<t>");
        assert_eq!(f.value, "@channel [V](https://v)");
    }

    // The response dialect (slash-command and outgoing-webhook answers).

    fn ids(id: &str) -> Option<String> {
        (id == "abc").then(|| "alice".to_string())
    }

    #[test]
    fn response_announcements_and_mentions() {
        let m = |s: &str| expand_mentions(s, &ids, Dialect::Response);
        assert_eq!(
            m("<!channel> <!here> <!all> <!everyone>"),
            "@channel @here @all <!everyone>"
        );
        assert_eq!(
            m("hi <@abc>, <@U999> <@abc|x> <@"),
            "hi @alice, <@U999> <@abc|x> <@"
        );
        let none = |_: &str| None;
        assert_eq!(
            expand_mentions(
                "<!channel> <!here> <!all> <@abc> <@> <@x",
                &none,
                Dialect::Response
            ),
            "@channel @here @all <@abc> <@> <@x"
        );
        assert_eq!(m("<!here|h> <@a.b>"), "<!here|h> <@a.b>");
    }

    #[test]
    fn response_text_keeps_entities() {
        assert_eq!(
            translate_response_text("<!here> &amp; <u|l\nm>", &ids, LinkRule::Attachment),
            "@here &amp; [l\nm](u)"
        );
        assert_eq!(
            translate_response_text("<@abc> <u|l\nm> <é|ü>", &ids, LinkRule::TopLevel),
            "@alice <u|l\nm> [ü](é)"
        );
        let a = LinkRule::Attachment;
        assert_eq!(
            links("see <http://x.y/a|the docs> and <http://z>", a),
            "see [the docs](http://x.y/a) and <http://z>"
        );
        assert_eq!(links("a < b <u|l\nm>", a), "a < b [l\nm](u)");
        assert_eq!(links("<|x> <u|> <<u|v>", a), "<|x> <u|> <[v](u)");
        assert_eq!(links("<é|ü> <", a), "[ü](é) <");
    }

    #[test]
    fn response_attachment_fields() {
        let mut a =
            json!({"text": "<!here> <u|l>", "title": "<u|l>", "fields": [{"value": "<@abc>"}, 5]});
        translate_response_attachment(&mut a, Some(&ids));
        assert_eq!(a["text"], "@here [l](u)");
        assert_eq!(a["title"], "<u|l>");
        assert_eq!(a["fields"][0]["value"], "@alice");
        let mut a = json!({"text": "<!here> <u|l> &amp;"});
        translate_response_attachment(&mut a, None);
        assert_eq!(a["text"], "<!here> [l](u) &amp;");
    }
}
