//! Decoding a Slack payload (`docs/spec/incoming-webhooks.md` §3.1): JSON with or without a
//! Content-Type, a form's `payload=`, or multipart fields, into the one `Payload` every
//! source ends as.

use super::call::{Rejection, MEDIA_TYPE, PARSE_FORM, PARSE_MULTIPART};
use super::multipart;
use crate::http::Req;
use crate::slack::{self, Attachment};
use serde_json::{Map, Value};

/// A decoded incoming-webhook payload (Mattermost's `IncomingWebhookRequest`), however it
/// arrived.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub text: String,
    /// `""` (the hook's channel), a channel name with or without `#`, `@username` (the direct
    /// channel between the hook's owner and that user) or a DM/GM channel name.
    pub channel: String,
    pub username: String,
    pub icon_url: String,
    pub icon_emoji: String,
    /// Top-level attachments, decoded and normalized (`slack::parse_attachments`).
    pub attachments: Vec<Attachment>,
    pub props: Map<String, Value>,
    /// Post type: `""` or `custom_…` (forced to `slack_attachment` with attachments).
    pub kind: String,
    /// Perch extension: reply in this thread (a reply's id means its thread).
    pub root_id: String,
    pub priority: Option<Priority>,
    /// For senders whose text is Markdown already: no Slack markup translation.
    pub skip_slack_parsing: bool,
    /// Perch extension: the file names of a multipart call's file parts, attached to its
    /// (last) post.
    pub files: Vec<String>,
}

/// A payload's `priority` object; `priority` itself is required when the object is present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Priority {
    pub priority: Option<String>,
    pub requested_ack: bool,
    pub persistent_notifications: bool,
}

/// Decodes the request body by its media type; a multipart form's text fields may hold at most
/// `field_limit` bytes.
pub fn decode(req: &Req, field_limit: usize) -> Result<Payload, Rejection> {
    let content_type = req.header("Content-Type").unwrap_or("").trim();
    let media = if content_type.is_empty() {
        String::new()
    } else {
        media_type(content_type).ok_or_else(|| {
            Rejection::new(
                400,
                MEDIA_TYPE,
                MEDIA_TYPE,
                "Unable to parse the Content-Type of the webhook request.",
            )
        })?
    };
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            let form = crate::form::parse_form_strict(&req.body).ok_or_else(|| {
                Rejection::new(
                    400,
                    PARSE_FORM,
                    PARSE_FORM,
                    "Unable to parse the webhook form.",
                )
            })?;
            let payload = form
                .iter()
                .find(|(k, _)| k == "payload")
                .map(|(_, v)| v.as_str())
                .or_else(|| req.query("payload"))
                .unwrap_or("");
            decode_json(payload.as_bytes())
        }
        "multipart/form-data" => {
            let bad = |why: String| {
                let mut r = Rejection::new(
                    400,
                    PARSE_MULTIPART,
                    PARSE_MULTIPART,
                    "Unable to parse the multipart webhook request.",
                );
                r.cause = Some(why);
                r
            };
            let boundary =
                multipart::boundary(content_type).ok_or_else(|| bad("no boundary".into()))?;
            let mut body = req.body_reader().map_err(|e| bad(e.to_string()))?;
            let form = multipart::read_form(&mut body, &boundary, field_limit).map_err(bad)?;
            let mut payload = decode_fields(&form.fields)?;
            payload.files = form.files;
            Ok(payload)
        }
        _ => decode_json(&req.body),
    }
}

/// A media type as Go's `mime.ParseMediaType` reads it: `type/subtype` (or a bare token),
/// lower-cased; parameters are not checked. `None` when it does not parse.
pub fn media_type(value: &str) -> Option<String> {
    let base = crate::form::base_media_type(value);
    let (main, sub) = match base.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (base.as_str(), None),
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    (token(main) && sub.is_none_or(token)).then_some(base.clone())
}

/// Multipart form fields mapped onto the payload. Mattermost matches its Go field names
/// case-insensitively (`text`, `username`, `iconurl`, `channelname`, `iconemoji`, `type`) and
/// refuses other names; Perch also takes the JSON names (`icon_url`, `channel`, `icon_emoji`)
/// and a `payload` field holding the JSON payload, as form bodies have.
fn decode_fields(fields: &[multipart::FormField]) -> Result<Payload, Rejection> {
    if let Some(f) = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("payload"))
    {
        return decode_json(f.value.as_bytes());
    }
    let mut p = Payload::default();
    let mut seen: Vec<String> = Vec::new();
    for f in fields {
        let name = f.name.to_ascii_lowercase();
        if seen.contains(&name) {
            continue; // the first value of a repeated field counts
        }
        let slot = match name.as_str() {
            "text" => &mut p.text,
            "username" => &mut p.username,
            "iconurl" | "icon_url" => &mut p.icon_url,
            "channelname" | "channel" => &mut p.channel,
            "iconemoji" | "icon_emoji" => &mut p.icon_emoji,
            "type" => &mut p.kind,
            _ => {
                return Err(Rejection::decode(format!(
                    "unknown form field {:?}",
                    f.name
                )))
            }
        };
        *slot = f.value.clone();
        seen.push(name);
    }
    Ok(p)
}

/// Decodes a JSON payload. Like Mattermost, a body that fails to parse is retried with raw
/// newlines and tabs inside its strings escaped (Slack tolerates them); like Go's decoder, only
/// the first JSON value counts.
pub fn decode_json(body: &[u8]) -> Result<Payload, Rejection> {
    let first = |b: &[u8]| {
        serde_json::Deserializer::from_slice(b)
            .into_iter::<Value>()
            .next()
            .unwrap_or_else(|| Err(serde::de::Error::custom("empty body")))
    };
    let value = match first(body) {
        Ok(v) => v,
        Err(e) => match escape_controls_in_strings(body) {
            Some(fixed) => first(&fixed).map_err(Rejection::decode)?,
            None => return Err(Rejection::decode(e)),
        },
    };
    payload_from_json(&value).map_err(Rejection::decode)
}

/// Escapes raw control characters inside JSON string literals; `None` when there are none.
fn escape_controls_in_strings(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            } else if b < 0x20 {
                changed = true;
                match b {
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                }
                continue;
            }
        } else if b == b'"' {
            in_string = true;
        }
        out.push(b);
    }
    changed.then_some(out)
}

/// Maps a decoded JSON value onto the payload, with Go's rules: keys match case-insensitively,
/// `null` leaves a field empty, a wrong type is an error, unknown keys are ignored.
pub fn payload_from_json(v: &Value) -> Result<Payload, String> {
    let empty = Map::new();
    let m = match v {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err("the payload must be a JSON object".into()),
    };
    let s = |name: &str| slack::string_field(m, name);
    let props = match slack::member(m, "props") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err("props: expected an object".into()),
    };
    let priority = match slack::member(m, "priority") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => {
            let flag = |name: &str| match slack::member(p, name) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("priority.{name}: expected a boolean")),
            };
            let priority = match slack::member(p, "priority") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("priority.priority: expected a string".into()),
            };
            Some(Priority {
                priority,
                requested_ack: flag("requested_ack")?,
                persistent_notifications: flag("persistent_notifications")?,
            })
        }
        Some(_) => return Err("priority: expected an object".into()),
    };
    Ok(Payload {
        text: s("text")?,
        channel: s("channel")?,
        username: s("username")?,
        icon_url: s("icon_url")?,
        icon_emoji: s("icon_emoji")?,
        attachments: slack::parse_attachments(
            slack::member(m, "attachments").unwrap_or(&Value::Null),
        )?,
        props,
        kind: s("type")?,
        root_id: s("root_id")?,
        priority,
        skip_slack_parsing: false,
        files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_parse_like_go() {
        assert_eq!(
            media_type("application/json;charset=utf-8").as_deref(),
            Some("application/json")
        );
        assert_eq!(
            media_type(" Application/JSON ; charset=\"x\"").as_deref(),
            Some("application/json")
        );
        assert_eq!(media_type("json").as_deref(), Some("json"));
        for bad in [
            "application/",
            "/json",
            "application/json x",
            "a/b/c",
            "@@",
            ";",
        ] {
            assert_eq!(media_type(bad), None, "{bad}");
        }
    }

    #[test]
    fn raw_newlines_in_strings_are_tolerated() {
        let p = decode_json(b"{\"text\": \"line one\nline\ttwo\"}").unwrap();
        assert_eq!(p.text, "line one\nline\ttwo");
        let fixed = escape_controls_in_strings(b"{\n\"a\": \"x\ny\"\n}").unwrap();
        assert_eq!(fixed, b"{\n\"a\": \"x\\ny\"\n}");
        assert!(decode_json(b"{\"text\": 5}").is_err());
        assert!(decode_json(b"").is_err());
        assert!(decode_json(b"[1]").is_err());
        // Only the first JSON value counts, as with Go's decoder.
        assert_eq!(
            decode_json(b"{\"text\": \"a\"} trailing").unwrap().text,
            "a"
        );
    }

    #[test]
    fn json_fields_follow_go_rules() {
        let p = decode_json(
            br#"{"TEXT": "t", "text": null, "Icon_URL": "i", "channel": null,
            "props": {"card": "c"}, "priority": {"priority": "urgent", "requested_ack": true},
            "attachments": [null], "unknown": [1]}"#,
        )
        .unwrap();
        // The exact key wins over a case-insensitive one.
        assert_eq!(p.text, "");
        assert_eq!(p.icon_url, "i");
        assert_eq!(p.props["card"], "c");
        assert_eq!(
            p.priority.as_ref().unwrap().priority.as_deref(),
            Some("urgent")
        );
        assert!(p.priority.unwrap().requested_ack);
        assert!(p.attachments.is_empty());
        assert!(decode_json(br#"{"priority": {"requested_ack": "yes"}}"#).is_err());
        assert!(decode_json(br#"{"props": []}"#).is_err());
    }
}
