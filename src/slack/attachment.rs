//! The one Slack attachment type: `Attachment`, as Mattermost stores it in
//! `props.attachments`. Payloads' attachments are decoded into it (`parse_attachments`, with
//! Mattermost's type rules); translators build theirs with its builder methods, which keep
//! titles on one line and links to http(s).

use serde::Serialize;
use serde_json::{Map, Value};

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
pub fn string_field(m: &Map<String, Value>, name: &str) -> Result<String, String> {
    match get_field(m, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{name}: expected a string")),
    }
}

/// A member looked up like Go's decoder does, for the payload decoder.
pub fn member<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
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

/// Builders for translators (`integrations/`): empty parts stay empty, as in a decoded payload
/// that left them out.
impl Attachment {
    /// An attachment with a plain-text `fallback` (shown in notifications) and a colour.
    pub fn new(fallback: impl Into<String>, color: &str) -> Self {
        Attachment {
            fallback: fallback.into(),
            color: color.to_owned(),
            ..Attachment::default()
        }
    }

    /// Title and its link (the link may be absent).
    pub fn title(mut self, title: impl Into<String>, link: Option<&str>) -> Self {
        self.title = single_line(&title.into());
        self.title_link = safe_url(link.unwrap_or("")).unwrap_or_default();
        self
    }

    /// Author line: name, profile link and avatar (links may be absent).
    pub fn author(mut self, name: &str, link: Option<&str>, icon: Option<&str>) -> Self {
        self.author_name = single_line(name);
        self.author_link = safe_url(link.unwrap_or("")).unwrap_or_default();
        self.author_icon = safe_url(icon.unwrap_or("")).unwrap_or_default();
        self
    }

    /// Markdown body.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Markdown shown above the attachment.
    pub fn pretext(mut self, text: impl Into<String>) -> Self {
        self.pretext = text.into();
        self
    }

    /// A field; blank values are skipped. `short` fields sit two to a row.
    pub fn field(mut self, title: &str, value: impl Into<String>, short: bool) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.fields.get_or_insert_with(Vec::new).push(Field {
                title: title.to_owned(),
                value,
                short,
            });
        }
        self
    }

    /// A field from an optional value.
    pub fn field_opt(self, title: &str, value: Option<String>, short: bool) -> Self {
        match value {
            Some(v) => self.field(title, v, short),
            None => self,
        }
    }

    /// Image shown below the body.
    pub fn image(mut self, url: Option<&str>) -> Self {
        self.image_url = safe_url(url.unwrap_or("")).unwrap_or_default();
        self
    }

    /// Footer line (plain text), usually the repository or project.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = single_line(&footer.into());
        self
    }

    /// Timestamp in Unix seconds.
    pub fn ts(mut self, seconds: Option<i64>) -> Self {
        self.ts = seconds.map_or(Value::Null, Value::from);
        self
    }
}

/// An http(s) URL made safe inside `(...)` of a Markdown link; `None` for other schemes.
pub fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Newlines and runs of blanks collapsed to one space.
pub fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn built_attachments_are_what_their_json_decodes_to() {
        let built = Attachment::new("fb", "#fff")
            .title("a\n title", Some("https://x/(y)"))
            .author("me", Some("javascript:alert(1)"), None)
            .field("empty", " ", true)
            .field("n", "1", true)
            .ts(Some(7));
        let json = json!([{
            "fallback": "fb", "color": "#fff", "title": "a title",
            "title_link": "https://x/%28y%29", "author_name": "me",
            "fields": [{"title": "n", "value": "1", "short": true}], "ts": 7
        }]);
        assert_eq!(parse_attachments(&json).unwrap(), vec![built]);
        let bare = parse_attachments(&json!([{"fallback": "f", "color": "c"}])).unwrap();
        assert_eq!(bare, vec![Attachment::new("f", "c")]);
    }
}
