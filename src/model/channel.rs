//! Channel and channel-member objects (`docs/spec/teams-channels-posts.md` §2).

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub team_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
    pub name: String,
    pub header: String,
    pub purpose: String,
    pub last_post_at: i64,
    pub last_root_post_at: i64,
    pub total_msg_count: i64,
    pub total_msg_count_root: i64,
    pub extra_update_at: i64,
    pub creator_id: String,
    pub scheme_id: Option<String>,
    pub props: Option<Value>,
    pub group_constrained: Option<bool>,
    pub shared: Option<bool>,
    pub policy_id: Option<String>,
}

impl Channel {
    pub fn is_direct(&self) -> bool {
        self.kind == "D" || self.kind == "G"
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChannelMember {
    pub channel_id: String,
    pub user_id: String,
    pub roles: String,
    pub last_viewed_at: i64,
    pub msg_count: i64,
    pub mention_count: i64,
    pub mention_count_root: i64,
    pub urgent_mention_count: i64,
    pub msg_count_root: i64,
    pub notify_props: Value,
    pub last_update_at: i64,
    pub scheme_guest: bool,
    pub scheme_user: bool,
    pub scheme_admin: bool,
    pub explicit_roles: String,
}

impl ChannelMember {
    pub fn new(channel_id: &str, user_id: &str, roles: &str, notify_props: Value) -> Self {
        let has = |r: &str| roles.split_whitespace().any(|x| x == r);
        let explicit: Vec<&str> = roles
            .split_whitespace()
            .filter(|r| !["channel_user", "channel_admin", "channel_guest"].contains(r))
            .collect();
        ChannelMember {
            channel_id: channel_id.to_string(),
            user_id: user_id.to_string(),
            roles: roles.to_string(),
            notify_props,
            scheme_guest: has("channel_guest"),
            scheme_user: has("channel_user"),
            scheme_admin: has("channel_admin"),
            explicit_roles: explicit.join(" "),
            ..Default::default()
        }
    }
}

/// Default notify props of a channel membership.
pub fn default_member_notify_props() -> Value {
    serde_json::json!({
        "desktop": "default", "email": "default", "ignore_channel_mentions": "default",
        "mark_unread": "all", "push": "default"
    })
}

/// Validates a channel name; returns the Mattermost error id on failure.
pub fn check_channel_name(name: &str) -> Result<(), &'static str> {
    let b = name.as_bytes();
    let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || b.len() > 64 || !ok(b[0]) {
        return Err("model.channel.is_valid.1_or_more.app_error");
    }
    if !b.iter().all(|&c| ok(c) || c == b'-' || c == b'_') {
        return Err("model.channel.is_valid.1_or_more.app_error");
    }
    let looks_like_dm = name.len() == 54 && name.as_bytes()[26..28] == *b"__";
    let hex40 = name.len() == 40 && name.bytes().all(|c| c.is_ascii_hexdigit());
    if looks_like_dm || hex40 {
        return Err("model.channel.is_valid.name.app_error");
    }
    Ok(())
}

/// The name of the direct channel between two users: the two ids sorted, joined by `__`.
pub fn direct_channel_name(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}__{b}")
    } else {
        format!("{b}__{a}")
    }
}
