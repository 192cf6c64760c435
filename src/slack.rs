//! Slack compatibility for webhook payloads: the markup translation (`<!here>`, `<@user>`,
//! `<url|label>`, `&amp;`) and message attachments (decoding, normalizing, translating their
//! text fields) — `docs/spec/incoming-webhooks.md` §5 and §6. Slash-command and outgoing-webhook
//! responses use the same translator in its `Dialect::Response` flavour.
//!
//! Everything here is pure: user lookups come in as a function, so it is tested without a
//! database.

use serde::Serialize;
use serde_json::{Map, Value};

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

/// A Slack message attachment, normalized as Mattermost stores it in `props.attachments`:
/// every field present, in Mattermost's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub fallback: String,
    pub color: String,
    pub pretext: String,
    pub author_name: String,
    pub author_link: String,
    pub author_icon: String,
    pub title: String,
    pub title_link: String,
    pub text: String,
    /// `null` when the payload had none.
    pub fields: Option<Vec<Field>>,
    pub image_url: String,
    pub thumb_url: String,
    pub footer: String,
    pub footer_icon: String,
    /// A string or a number, stored as sent; `null` when absent.
    pub ts: Value,
    /// Interactive buttons and menus, passed through with an `id` on each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Value>,
}

/// One attachment field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Field {
    pub title: String,
    /// Any JSON value in the payload, turned into text.
    pub value: String,
    pub short: bool,
}

/// Decodes a payload's `attachments` value: `null` entries are dropped, a wrong JSON type
/// anywhere is an error (Mattermost answers such payloads with a decode error).
pub fn parse_attachments(v: &Value) -> Result<Vec<Attachment>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .filter(|i| !i.is_null())
            .map(|i| match i {
                Value::Object(m) => parse_attachment(m),
                _ => Err("attachments: each attachment must be an object".to_string()),
            })
            .collect(),
        _ => Err("attachments: expected an array".to_string()),
    }
}

/// Decodes one attachment object.
pub fn parse_attachment(m: &Map<String, Value>) -> Result<Attachment, String> {
    let s = |name: &str| string_field(m, name);
    let id = match get_field(m, "id") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| "attachments.id: expected an integer".to_string())?,
    };
    let fields = match get_field(m, "fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter(|i| !i.is_null())
                .map(parse_field)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("attachments.fields: expected an array".to_string()),
    };
    let actions = match get_field(m, "actions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|i| !i.is_null())
            .map(parse_action)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err("attachments.actions: expected an array".to_string()),
    };
    Ok(Attachment {
        id,
        fallback: s("fallback")?,
        color: s("color")?,
        pretext: s("pretext")?,
        author_name: s("author_name")?,
        author_link: s("author_link")?,
        author_icon: s("author_icon")?,
        title: s("title")?,
        title_link: s("title_link")?,
        text: s("text")?,
        fields,
        image_url: s("image_url")?,
        thumb_url: s("thumb_url")?,
        footer: s("footer")?,
        footer_icon: s("footer_icon")?,
        ts: get_field(m, "ts").cloned().unwrap_or(Value::Null),
        actions,
    })
}

fn parse_field(v: &Value) -> Result<Field, String> {
    let Value::Object(m) = v else {
        return Err("attachments.fields: each field must be an object".to_string());
    };
    let short = match get_field(m, "short") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(other) => return Err(format!("attachments.fields.short: not a boolean: {other}")),
    };
    Ok(Field {
        title: string_field(m, "title")?,
        value: get_field(m, "value").map(value_text).unwrap_or_default(),
        short,
    })
}

/// An interactive action, kept as sent but given an id when it has none (Mattermost generates
/// them so that clicks can name the action).
fn parse_action(v: &Value) -> Result<Value, String> {
    let Value::Object(m) = v else {
        return Err("attachments.actions: each action must be an object".to_string());
    };
    let mut m = m.clone();
    let has_id = matches!(m.get("id"), Some(Value::String(s)) if !s.is_empty());
    if !has_id {
        m.insert("id".into(), Value::from(crate::model::new_id()));
    }
    Ok(Value::Object(m))
}

/// A JSON object member, matched exactly or else case-insensitively (as Go's decoder does).
fn get_field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A string member: absent or `null` is `""`, another JSON type is an error.
pub(crate) fn string_field(m: &Map<String, Value>, name: &str) -> Result<String, String> {
    match get_field(m, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{name}: expected a string")),
    }
}

/// A member looked up like Go's decoder does, for the payload decoder.
pub(crate) fn member<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    get_field(m, name)
}

/// Text for an attachment field value of any JSON type: strings as they are, numbers and
/// booleans as written, `null` as nothing, arrays and objects in Go's `%v` style
/// (`[a b]`, `map[k:v]`) as Mattermost shows them.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_text).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", m.get(*k).map(go_text).unwrap_or_default()))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Nested values inside `%v` output show `null` as Go's `<nil>`.
fn go_text(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        other => value_text(other),
    }
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
    fn attachments_are_normalized() {
        let v = json!([null, {
            "title": "T", "text": "x", "ts": 123, "mrkdwn_in": ["text"],
            "fields": [null, {"title": "n", "value": 5, "short": "TRUE"},
                       {"title": "f", "value": 1.5}, {"value": true, "short": false},
                       {"value": {"b": 1, "a": [1, null]}}],
            "actions": [{"name": "Go", "integration": {"url": "http://x"}}, {"id": "keep", "name": "k"}]
        }, {"Color": "good"}]);
        let a = parse_attachments(&v).unwrap();
        assert_eq!(a.len(), 2);
        let f = a[0].fields.as_ref().unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!((f[0].value.as_str(), f[0].short), ("5", true));
        assert_eq!(f[1].value, "1.5");
        assert_eq!(f[2].value, "true");
        assert_eq!(f[3].value, "map[a:[1 <nil>] b:1]");
        assert_eq!(a[0].ts, json!(123));
        assert_eq!(a[0].actions[0]["id"].as_str().unwrap().len(), 26);
        assert_eq!(a[0].actions[1]["id"], "keep");
        assert_eq!(a[1].color, "good");
        let stored = serde_json::to_value(&a[1]).unwrap();
        assert_eq!(stored["fields"], Value::Null);
        assert_eq!(stored["ts"], Value::Null);
        assert_eq!(stored["pretext"], "");
        assert!(stored.get("actions").is_none());
        assert!(stored.get("mrkdwn_in").is_none());
        assert!(parse_attachments(&json!([])).unwrap().is_empty());
    }

    #[test]
    fn attachment_type_errors() {
        for bad in [
            json!({}),
            json!([1]),
            json!([{"color": 5}]),
            json!([{"id": 1.5}]),
            json!([{"fields": {}}]),
            json!([{"fields": [{"short": "maybe"}]}]),
            json!([{"fields": [{"title": 3}]}]),
            json!([{"actions": ["x"]}]),
        ] {
            assert!(parse_attachments(&bad).is_err(), "{bad}");
        }
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
