//! Slash-command wire types (`docs/spec/slash-commands.md` §1, §3, §5): the command object, the
//! arguments of an execution, the `CommandResponse`, and the command's validation rules.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A custom slash command as stored and sent (field names are Mattermost's).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Command {
    pub id: String,
    pub token: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub creator_id: String,
    pub team_id: String,
    pub trigger: String,
    pub method: String,
    pub username: String,
    pub icon_url: String,
    pub auto_complete: bool,
    pub auto_complete_desc: String,
    pub auto_complete_hint: String,
    pub display_name: String,
    pub description: String,
    pub url: String,
    pub plugin_id: String,
}

/// `method` values.
pub const METHOD_POST: &str = "P";
pub const METHOD_GET: &str = "G";

impl Command {
    /// The form shown in autocomplete lists and non-custom listings: secrets and the
    /// integration's address blanked.
    pub fn sanitized(mut self) -> Command {
        self.token.clear();
        self.creator_id.clear();
        self.method.clear();
        self.url.clear();
        self.username.clear();
        self.icon_url.clear();
        self
    }

    /// Mattermost's `Command.IsValid` for a command about to be stored; returns the error id.
    pub fn check(&self) -> Result<(), &'static str> {
        if !super::is_valid_id(&self.id) {
            return Err("model.command.is_valid.id.app_error");
        }
        if self.token.len() != 26 {
            return Err("model.command.is_valid.token.app_error");
        }
        if self.create_at == 0 {
            return Err("model.command.is_valid.create_at.app_error");
        }
        if self.update_at == 0 {
            return Err("model.command.is_valid.update_at.app_error");
        }
        if !super::is_valid_id(&self.creator_id) {
            return Err("model.command.is_valid.user_id.app_error");
        }
        if !super::is_valid_id(&self.team_id) {
            return Err("model.command.is_valid.team_id.app_error");
        }
        if !is_valid_trigger(&self.trigger) {
            return Err("model.command.is_valid.trigger.app_error");
        }
        if self.url.is_empty() || self.url.len() > 1024 {
            return Err("model.command.is_valid.url.app_error");
        }
        if !is_http_url(&self.url) {
            return Err("model.command.is_valid.url_http.app_error");
        }
        if self.method != METHOD_POST && self.method != METHOD_GET {
            return Err("model.command.is_valid.method.app_error");
        }
        if self.display_name.chars().count() > 64 {
            return Err("model.command.is_valid.display_name.app_error");
        }
        if self.description.chars().count() > 128 {
            return Err("model.command.is_valid.description.app_error");
        }
        Ok(())
    }
}

/// 1–128 characters of `[A-Za-z0-9_./-]`, not starting with `/`.
pub fn is_valid_trigger(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with('/')
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
}

/// `http://` or `https://` followed by a non-empty host.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    !host.is_empty()
}

/// The body of `POST /commands/execute`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CommandArgs {
    pub channel_id: String,
    pub team_id: String,
    pub root_id: String,
    pub parent_id: String,
    pub command: String,
}

/// What a command answers. Every field is always serialized; absent lists and maps are
/// `null`, as Go writes nil values.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CommandResponse {
    pub response_type: String,
    pub text: String,
    pub username: String,
    pub channel_id: String,
    pub icon_url: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub props: Option<Map<String, Value>>,
    pub goto_location: String,
    pub trigger_id: String,
    pub skip_slack_parsing: bool,
    pub attachments: Option<Vec<Value>>,
    pub extra_responses: Option<Vec<CommandResponse>>,
    /// Perch extension: files the command's integration uploaded (as its owner or one of the
    /// owner's bots) to attach to an `in_channel` post. Not serialized when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_ids: Vec<String>,
}

pub const RESPONSE_IN_CHANNEL: &str = "in_channel";
pub const RESPONSE_EPHEMERAL: &str = "ephemeral";

impl CommandResponse {
    /// The answer as the client that ran the command gets it: no action's `integration` (its
    /// URL and context stay on the server, as in the posts the answer made), in the
    /// attachments, the props' attachments or the extra responses.
    pub fn for_client(mut self) -> CommandResponse {
        if let Some(list) = self.attachments.take() {
            let mut props = Map::new();
            props.insert("attachments".into(), Value::Array(list));
            super::attachment::for_each_action(&mut props, |a| {
                a.remove("integration");
            });
            if let Some(Value::Array(list)) = props.remove("attachments") {
                self.attachments = Some(list);
            }
        }
        if let Some(props) = self.props.as_mut() {
            super::attachment::for_each_action(props, |a| {
                a.remove("integration");
            });
        }
        self.extra_responses = self
            .extra_responses
            .map(|list| list.into_iter().map(CommandResponse::for_client).collect());
        self
    }

    /// An ephemeral message to the caller.
    pub fn ephemeral(text: impl Into<String>) -> CommandResponse {
        CommandResponse {
            response_type: RESPONSE_EPHEMERAL.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// A post in the channel, as the caller.
    pub fn in_channel(text: impl Into<String>) -> CommandResponse {
        CommandResponse {
            response_type: RESPONSE_IN_CHANNEL.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// Only a location for the client to open.
    pub fn goto(location: impl Into<String>) -> CommandResponse {
        CommandResponse {
            goto_location: location.into(),
            ..Default::default()
        }
    }

    /// Parses an integration's answer by its media type: JSON is a `CommandResponse`,
    /// anything else is the text of one. Attachment field values become strings.
    pub fn from_body(media_type: &str, body: &[u8]) -> Result<CommandResponse, String> {
        let mut r = if media_type == "application/json" {
            serde_json::from_slice::<CommandResponse>(body).map_err(|e| e.to_string())?
        } else {
            CommandResponse {
                text: String::from_utf8_lossy(body).into_owned(),
                ..Default::default()
            }
        };
        r.stringify_field_values();
        Ok(r)
    }

    fn stringify_field_values(&mut self) {
        for a in self.attachments.iter_mut().flatten() {
            stringify_fields(a);
        }
        for extra in self.extra_responses.iter_mut().flatten() {
            extra.stringify_field_values();
        }
    }
}

/// Attachment `fields[].value`s that are not strings (numbers, booleans) become strings.
pub fn stringify_fields(attachment: &mut Value) {
    let Some(fields) = attachment.get_mut("fields").and_then(Value::as_array_mut) else {
        return;
    };
    for f in fields {
        if let Some(v) = f.get_mut("value") {
            match v {
                Value::String(_) | Value::Null => {}
                other => *other = Value::String(other.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn triggers() {
        assert!(is_valid_trigger("deploy"));
        assert!(is_valid_trigger("a.b_c-d/e"));
        assert!(!is_valid_trigger(""));
        assert!(!is_valid_trigger("/x"));
        assert!(!is_valid_trigger("with space"));
        assert!(!is_valid_trigger("émoji"));
        assert!(!is_valid_trigger(&"x".repeat(129)));
    }

    #[test]
    fn urls() {
        assert!(is_http_url("http://example.com/x"));
        assert!(is_http_url("HTTPS://u:p@h:1/"));
        assert!(is_http_url("http://[::1]:8080/"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("http://"));
        assert!(!is_http_url("http:///path"));
    }

    #[test]
    fn response_bodies() {
        let r = CommandResponse::from_body("text/html", b"<b>hi</b>").unwrap();
        assert_eq!(r.text, "<b>hi</b>");
        let r = CommandResponse::from_body(
            "application/json",
            br#"{"text":"x","attachments":[{"fields":[{"value":5},{"value":true},{"value":"s"}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            r.attachments.unwrap()[0]["fields"],
            json!([{"value":"5"},{"value":"true"},{"value":"s"}])
        );
        assert!(CommandResponse::from_body("application/json", b"<html>").is_err());
        let v = serde_json::to_value(CommandResponse::default()).unwrap();
        assert_eq!(v["attachments"], Value::Null);
        assert_eq!(v["extra_responses"], Value::Null);
        assert_eq!(v["type"], "");
    }
}
