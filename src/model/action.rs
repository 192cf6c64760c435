//! Interactive messages' wire types (`docs/spec/interactive-messages.md`): an action's
//! `integration` (and which integration supplied it), the request Perch sends when an action is
//! clicked and the integration's answer, the `cookie` on ephemeral posts' actions, and the
//! call log's row. Dialogs are in `dialog.rs`. No I/O.
//!
//! Go's decoder leaves a field alone when the JSON has `null` for it; the string, number and
//! boolean fields below do the same (`nullable`), so integrations that send `null` work.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// `null` reads as the type's default (as in Go), any other wrong type is an error.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Which integration supplied an action's URL, for the call log (`actions::log`): recorded
/// when the post is saved, never shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    /// Not known (a dialog submitted without a recorded open).
    #[default]
    Unknown,
    IncomingHook(String),
    OutgoingHook(String),
    Command(String),
    /// A person or bot that posted through the REST API (or `POST /posts/ephemeral`).
    User(String),
}

impl Source {
    /// The kind as the log stores it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Unknown => "",
            Source::IncomingHook(_) => "incoming_hook",
            Source::OutgoingHook(_) => "outgoing_hook",
            Source::Command(_) => "command",
            Source::User(_) => "user",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Source::Unknown => "",
            Source::IncomingHook(id)
            | Source::OutgoingHook(id)
            | Source::Command(id)
            | Source::User(id) => id,
        }
    }

    pub fn from_parts(kind: &str, id: &str) -> Source {
        let id = id.to_string();
        match kind {
            _ if id.is_empty() => Source::Unknown,
            "incoming_hook" => Source::IncomingHook(id),
            "outgoing_hook" => Source::OutgoingHook(id),
            "command" => Source::Command(id),
            "user" => Source::User(id),
            _ => Source::Unknown,
        }
    }

    /// `kind:id`, the form stored inside an action's `integration` (empty when unknown).
    pub fn encode(&self) -> String {
        match self {
            Source::Unknown => String::new(),
            s => format!("{}:{}", s.kind(), s.id()),
        }
    }

    pub fn decode(s: &str) -> Source {
        match s.split_once(':') {
            Some((kind, id)) => Source::from_parts(kind, id),
            None => Source::Unknown,
        }
    }
}

/// An action's `integration` as stored: Mattermost's `url` and `context`, and Perch's record
/// of who supplied them (`perch_source`). Only the server reads it: every post serialized for a
/// client leaves the whole object out, and a cookie carries it sealed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    #[serde(
        default,
        rename = "perch_source",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
}

/// What an action click needs of a stored action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredAction {
    pub id: String,
    pub kind: String,
    pub data_source: String,
    pub integration: Option<Integration>,
}

impl StoredAction {
    /// Reads a normalized action object (as `actions::attachments` stored it).
    pub fn from_value(v: &Value) -> Option<StoredAction> {
        let m = v.as_object()?;
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let integration = m
            .get("integration")
            .filter(|i| !i.is_null())
            .and_then(|i| serde_json::from_value::<Integration>(i.clone()).ok());
        Some(StoredAction {
            id: s("id"),
            kind: s("type"),
            data_source: s("data_source"),
            integration,
        })
    }
}

/// The first action with `id` across a post's attachments (ids are not checked for uniqueness,
/// as in Mattermost).
pub fn find_action(props: &Map<String, Value>, id: &str) -> Option<StoredAction> {
    props
        .get("attachments")?
        .as_array()?
        .iter()
        .filter_map(|a| a.get("actions")?.as_array())
        .flatten()
        .filter(|a| a.get("id").and_then(Value::as_str) == Some(id))
        .find_map(StoredAction::from_value)
}

/// The props an action's answer may not take away or give (`PostActionRetainPropKeys`).
pub const RETAINED_PROPS: [&str; 3] = ["from_webhook", "override_username", "override_icon_url"];

/// The retained props a post has (`retain`) and those it lacks (`remove`).
pub fn retained(props: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut retain = Map::new();
    let mut remove = Vec::new();
    for k in RETAINED_PROPS {
        match props.get(k) {
            Some(v) => {
                retain.insert(k.to_string(), v.clone());
            }
            None => remove.push(k.to_string()),
        }
    }
    (retain, remove)
}

/// `POST /api/v4/posts/{post_id}/actions/{action_id}`'s body. Mattermost ignores a body it
/// cannot decode, so callers decode leniently (`DoAction::from_body`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DoAction {
    #[serde(default, deserialize_with = "nullable")]
    pub selected_option: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cookie: String,
}

impl DoAction {
    pub fn from_body(body: &[u8]) -> DoAction {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// The request an integration receives when its action is clicked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActionRequest {
    pub user_id: String,
    pub user_name: String,
    pub channel_id: String,
    pub channel_name: String,
    pub team_id: String,
    pub team_domain: String,
    pub post_id: String,
    pub trigger_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data_source: String,
    /// Left out when the action has none and nothing was added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
}

/// An integration's answer to a click. A body that does not decode into it (wrong types,
/// `"update": "x"`) fails the click.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionResponse {
    #[serde(default)]
    pub update: Option<PostUpdate>,
    #[serde(default, deserialize_with = "nullable")]
    pub ephemeral_text: String,
    #[serde(default, deserialize_with = "nullable")]
    pub skip_slack_parsing: bool,
}

/// The post object of an answer's `update`: the fields a post has, with their types (the
/// ones Perch uses are `message` and `props`; the rest are read so a wrong type fails as it
/// does in Mattermost, and otherwise ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostUpdate {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub message: String,
    /// `None` when absent or `null`: the post keeps its props.
    #[serde(default)]
    pub props: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "nullable")]
    pub create_at: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub update_at: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub edit_at: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub delete_at: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub is_pinned: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub has_reactions: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub user_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub channel_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub root_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub original_id: String,
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub hashtags: String,
    #[serde(default, deserialize_with = "nullable")]
    pub file_ids: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub pending_post_id: String,
}

/// `POST /api/v4/posts/{post_id}/actions/{action_id}`'s answer.
#[derive(Debug, Clone, Serialize)]
pub struct ActionAnswer {
    pub status: &'static str,
    pub trigger_id: String,
}

/// What a cookie seals (`PostActionCookie`): an ephemeral post's action, which the server
/// cannot look up later because ephemeral posts are not stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cookie {
    #[serde(
        rename = "type",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub post_id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub root_post_id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel_id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub data_source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Map::is_empty"
    )]
    pub retain_props: Map<String, Value>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub remove_props: Vec<String>,
}

/// A menu entry (`PostActionOptions`), in actions and dialog selects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionOption {
    #[serde(default, deserialize_with = "nullable")]
    pub text: String,
    #[serde(default, deserialize_with = "nullable")]
    pub value: String,
}

/// One row of the call log: a call Perch made to an integration for an action click or a
/// dialog submission, or a dialog opened (Perch's addition, read through the `…/actions`
/// routes by the integration's managers).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Call {
    pub id: String,
    pub create_at: i64,
    /// `action`, `dialog_open` or `dialog_submit`.
    pub kind: String,
    pub source_kind: String,
    pub source_id: String,
    pub user_id: String,
    pub channel_id: String,
    pub post_id: String,
    pub action_id: String,
    pub url: String,
    /// The integration's HTTP status (0 when it did not answer); for `dialog_open`, what the
    /// integration was answered.
    pub status_code: i64,
    pub latency_ms: i64,
    /// The error id the user (or opener) was answered; empty on success.
    pub error_id: String,
    pub error: String,
    /// The start of the integration's answer.
    pub response: String,
    /// For `dialog_open`: the dialog's validation problems.
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_round_trip() {
        for s in [
            Source::IncomingHook("a".into()),
            Source::OutgoingHook("b".into()),
            Source::Command("c".into()),
            Source::User("d".into()),
        ] {
            assert_eq!(Source::decode(&s.encode()), s);
        }
        assert_eq!(Source::decode(""), Source::Unknown);
        assert_eq!(Source::decode("weird:x"), Source::Unknown);
        assert_eq!(Source::decode("user:"), Source::Unknown);
    }

    #[test]
    fn first_action_with_the_id_wins() {
        let props = json!({"attachments": [
            {"actions": [{"id": "a1", "type": "button", "integration": {"url": "http://x/1", "context": {"k": 1}}}]},
            {"actions": [{"id": "a1", "integration": {"url": "http://x/2"}}, {"id": "m", "type": "select", "data_source": "users"}]}
        ]});
        let props = props.as_object().unwrap();
        let a = find_action(props, "a1").unwrap();
        assert_eq!(a.kind, "button");
        let i = a.integration.unwrap();
        assert_eq!(i.url, "http://x/1");
        assert_eq!(i.context.unwrap()["k"], 1);
        let m = find_action(props, "m").unwrap();
        assert_eq!(
            (m.kind.as_str(), m.data_source.as_str()),
            ("select", "users")
        );
        assert!(m.integration.is_none());
        assert!(find_action(props, "nope").is_none());
    }

    #[test]
    fn answers_decode_like_go() {
        let r: ActionResponse = serde_json::from_str(
            r#"{"update": {"message": "done", "props": {}}, "ephemeral_text": null, "goto_location": "x"}"#,
        )
        .unwrap();
        let u = r.update.unwrap();
        assert_eq!(u.message, "done");
        assert!(u.props.unwrap().is_empty());
        assert_eq!(r.ephemeral_text, "");
        let r: ActionResponse = serde_json::from_str(r#"{"update": {"props": null}}"#).unwrap();
        assert!(r.update.unwrap().props.is_none());
        assert!(serde_json::from_str::<ActionResponse>(r#"{"update": "x"}"#).is_err());
        assert!(serde_json::from_str::<ActionResponse>(r#"{"ephemeral_text": 5}"#).is_err());
        assert!(serde_json::from_str::<ActionResponse>(r#"{"update": {"message": 5}}"#).is_err());
    }

    #[test]
    fn requests_leave_out_an_absent_context() {
        let r = ActionRequest::default();
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("context").is_none());
        assert_eq!(v["type"], "");
        assert_eq!(v.as_object().unwrap().len(), 10);
    }
}
