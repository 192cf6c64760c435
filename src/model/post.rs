//! The post object and PostList (`docs/spec/teams-channels-posts.md` §3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Maximum message length in runes (Unicode scalar values).
pub const MAX_MESSAGE_RUNES: usize = 16383;

/// What a caller wants posted (`posting::create` and friends store it as a `Post`). The
/// author has already been authorized.
#[derive(Debug, Clone, Default)]
pub struct NewPost {
    pub channel_id: String,
    pub user_id: String,
    pub author_is_bot: bool,
    pub message: String,
    pub root_id: String,
    pub kind: String,
    pub props: Map<String, Value>,
    /// Uploaded files to attach: only live, unattached files uploaded to this channel by one
    /// of `file_creators` are attached; the others are left out of the post, as in
    /// Mattermost.
    pub file_ids: Vec<String>,
    /// Who may have uploaded the files (empty: the author). An integration's answer may
    /// attach what its owner's bots uploaded.
    pub file_creators: Vec<String>,
    pub pending_post_id: String,
    /// Honoured only for callers with `manage_system` (checked by the caller).
    pub create_at: Option<i64>,
    /// Whether the post may fire outgoing webhooks: true for what people and bots post (REST,
    /// `/echo`, in-channel command responses), false (the default) for posts made by incoming
    /// webhooks, outgoing-webhook responses and `response_url` calls — the loop prevention.
    pub fire_outgoing_hooks: bool,
    /// Which integration made the post, to attribute its actions' calls (`actions`);
    /// `Unknown` means its author (REST posts, built-in commands).
    pub source: crate::model::action::Source,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub edit_at: i64,
    pub delete_at: i64,
    pub is_pinned: bool,
    pub user_id: String,
    pub channel_id: String,
    pub root_id: String,
    pub original_id: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Serialized without any action's `integration` (`serialize_props`).
    #[serde(serialize_with = "serialize_props")]
    pub props: Map<String, Value>,
    pub hashtags: String,
    pub file_ids: Vec<String>,
    pub pending_post_id: String,
    pub reply_count: i64,
    pub last_reply_at: i64,
    pub participants: Option<Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
}

impl Post {
    /// `metadata.embeds` as Mattermost computes it for clients: a post whose props carry Slack
    /// attachments gets `[{"type":"message_attachment"}]` (the official web app draws
    /// `props.attachments` only then).
    pub fn add_embeds(&mut self) {
        let has = self
            .props
            .get("attachments")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if has {
            self.metadata.insert(
                "embeds".into(),
                serde_json::json!([{"type": "message_attachment"}]),
            );
        } else {
            self.metadata.remove("embeds");
        }
    }
}

/// A post's props as clients see them: an action's `integration` (its URL and context) stays
/// on the server, whatever the path (REST answers, WebSocket events, previews), as in
/// Mattermost's post encoding. Props without one are written as they are.
fn serialize_props<S: serde::Serializer>(
    props: &Map<String, Value>,
    s: S,
) -> Result<S::Ok, S::Error> {
    if super::attachment::has_integration(props) {
        super::attachment::stripped(props).serialize(s)
    } else {
        props.serialize(s)
    }
}

/// Post types a client may create (besides `custom_*`).
const ALLOWED_TYPES: &[&str] = &[
    "",
    "slack_attachment",
    "me",
    "reminder",
    "add_bot_teams_channels",
];

/// Checks a client-supplied post type; returns the Mattermost error id on failure.
pub fn check_post_type(kind: &str) -> Result<(), (&'static str, &'static str)> {
    if kind.starts_with("system_") {
        return Err(("api.context.invalid_param.app_error", "post.type"));
    }
    if ALLOWED_TYPES.contains(&kind) || kind.starts_with("custom_") {
        return Ok(());
    }
    Err(("model.post.is_valid.type.app_error", "type"))
}

/// Space-separated `#hashtags` in a message, as Mattermost computes them.
pub fn hashtags(message: &str) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for word in message.split_whitespace() {
        let w = word.trim_end_matches(|c: char| ".,;:!?".contains(c));
        if w.len() > 3
            && w.starts_with('#')
            && w[1..].chars().next().is_some_and(|c| c.is_alphabetic())
            && w[1..]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
            && !tags.contains(&w)
        {
            tags.push(w);
        }
    }
    tags.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert!(check_post_type("").is_ok());
        assert!(check_post_type("custom_x").is_ok());
        assert!(check_post_type("system_join_channel").is_err());
        assert_eq!(
            check_post_type("weird").unwrap_err().0,
            "model.post.is_valid.type.app_error"
        );
    }

    #[test]
    fn tags() {
        assert_eq!(
            hashtags("hello #world and #rust-lang. #a"),
            "#world #rust-lang"
        );
    }
}
