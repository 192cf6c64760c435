//! The incoming-webhook object, its field rules, and the delivery-log entry Perch keeps for each
//! call (`docs/spec/incoming-webhooks.md` §1).

use serde::{Deserialize, Serialize};

/// An incoming webhook. The id is also the secret part of its URL, `/hooks/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncomingHook {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// The owner: posts are authored by this user.
    pub user_id: String,
    /// The default target channel.
    pub channel_id: String,
    /// The channel's team.
    pub team_id: String,
    pub display_name: String,
    pub description: String,
    pub username: String,
    pub icon_url: String,
    /// When true, payloads may only post to `channel_id`.
    pub channel_locked: bool,
    // Perch extensions for hosted integrations (`hooks/integration.rs`); Mattermost clients
    // ignore them.
    /// Shared secret for the sender's signature or token; empty = none. Write-only: it is
    /// serialized as `"has_secret": true|false`, never in full.
    #[serde(rename(serialize = "has_secret"), serialize_with = "serialize_is_set")]
    pub secret: String,
    /// Event filters (`*` wildcards): only matching events post (empty = all)…
    pub event_include: Vec<String>,
    /// …except those matching one of these.
    pub event_exclude: Vec<String>,
    /// A Jinja template turning any JSON payload into the post (empty = none).
    pub template: String,
}

fn serialize_is_set<S: serde::Serializer>(secret: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(!secret.is_empty())
}

/// Field limits, in bytes as Mattermost counts them.
pub const MAX_DISPLAY_NAME: usize = 64;
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_USERNAME: usize = 64;
pub const MAX_ICON_URL: usize = 1024;
/// Longest hook secret (a `whsec_` Standard Webhooks key is about 50 bytes).
pub const MAX_SECRET: usize = 255;
/// Most patterns in one event filter list, and the longest pattern.
pub const MAX_EVENT_PATTERNS: usize = 50;
pub const MAX_EVENT_PATTERN: usize = 128;

impl IncomingHook {
    /// Mattermost's field validation; the error is the i18n id of the first failing field.
    pub fn check_fields(&self) -> Result<(), &'static str> {
        if self.display_name.len() > MAX_DISPLAY_NAME {
            return Err("model.incoming_hook.display_name.app_error");
        }
        if self.description.len() > MAX_DESCRIPTION {
            return Err("model.incoming_hook.description.app_error");
        }
        if self.username.len() > MAX_USERNAME {
            return Err("model.incoming_hook.username.app_error");
        }
        if self.icon_url.len() > MAX_ICON_URL {
            return Err("model.incoming_hook.icon_url.app_error");
        }
        if self.secret.len() > MAX_SECRET || self.secret.chars().any(char::is_control) {
            return Err("model.incoming_hook.secret.app_error");
        }
        for list in [&self.event_include, &self.event_exclude] {
            let bad = |p: &String| {
                p.trim().is_empty()
                    || p.len() > MAX_EVENT_PATTERN
                    || p.chars().any(char::is_control)
            };
            if list.len() > MAX_EVENT_PATTERNS || list.iter().any(bad) {
                return Err("model.incoming_hook.event_filter.app_error");
            }
        }
        Ok(())
    }
}

/// One call to an incoming webhook, as the delivery log keeps it (a Perch extension, listed at
/// `GET /api/v4/hooks/incoming/{id}/deliveries`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The call's request id (its `X-Request-Id`).
    pub id: String,
    pub hook_id: String,
    pub create_at: i64,
    /// The sender's address (honouring `TrustedProxyIPHeader`).
    pub remote_addr: String,
    /// The HTTP status we answered.
    pub status_code: u16,
    /// Why the call failed (the specific error id); empty on success.
    pub error_id: String,
    /// The last post created (or, for a repeat, the post the first call created).
    pub post_id: String,
    pub content_type: String,
    /// Size of the whole body in bytes.
    pub body_size: i64,
    /// The body, cut at the log's size cap (lossy UTF-8).
    pub body: String,
    pub body_truncated: bool,
    pub idempotency_key: String,
    /// True when the call repeated an idempotency key and created nothing.
    pub duplicate: bool,
    /// Hosted integrations: the sending tool (`github`, …, `template`); empty for Slack payloads.
    pub source: String,
    /// Hosted integrations: the event (`pull_request.opened`).
    pub event: String,
    /// Why a successful call posted nothing (`ping`, an unsupported or filtered event).
    pub note: String,
    /// The files the call carried (multipart calls), attached to its last post.
    pub files: Vec<LoggedFile>,
}

/// A file in the delivery log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedFile {
    pub id: String,
    pub name: String,
    pub size: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_limits() {
        let mut h = IncomingHook::default();
        assert!(h.check_fields().is_ok());
        h.display_name = "x".repeat(65);
        assert_eq!(
            h.check_fields(),
            Err("model.incoming_hook.display_name.app_error")
        );
        h.display_name = "é".repeat(32);
        assert!(h.check_fields().is_ok());
        h.description = "x".repeat(501);
        assert_eq!(
            h.check_fields(),
            Err("model.incoming_hook.description.app_error")
        );
        h.description.clear();
        h.icon_url = "x".repeat(1025);
        assert_eq!(
            h.check_fields(),
            Err("model.incoming_hook.icon_url.app_error")
        );
    }

    #[test]
    fn integration_fields_are_checked_and_the_secret_never_serialized() {
        let mut h = IncomingHook {
            secret: "s3cret".into(),
            event_include: vec!["pull_request.*".into()],
            ..Default::default()
        };
        assert!(h.check_fields().is_ok());
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["has_secret"], true);
        assert!(v.get("secret").is_none());
        assert!(!v.to_string().contains("s3cret"));
        h.event_exclude = vec![" ".into()];
        assert_eq!(
            h.check_fields(),
            Err("model.incoming_hook.event_filter.app_error")
        );
        h.event_exclude = vec!["push".into(); MAX_EVENT_PATTERNS + 1];
        assert!(h.check_fields().is_err());
        h.event_exclude.clear();
        h.secret = "x".repeat(MAX_SECRET + 1);
        assert_eq!(
            h.check_fields(),
            Err("model.incoming_hook.secret.app_error")
        );
        h.secret.clear();
        assert_eq!(serde_json::to_value(&h).unwrap()["has_secret"], false);
    }
}
