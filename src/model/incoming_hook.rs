//! The incoming-webhook object, its field rules, and the delivery-log entry Perch keeps for each
//! call (`incoming-webhooks.md` §1).

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
}

/// Field limits, in bytes as Mattermost counts them.
pub const MAX_DISPLAY_NAME: usize = 64;
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_USERNAME: usize = 64;
pub const MAX_ICON_URL: usize = 1024;

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
}
