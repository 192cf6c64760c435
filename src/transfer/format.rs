//! The lines of Mattermost's bulk-import JSONL (`docs/spec/bulk-import.md`): one struct per
//! line type with Mattermost's field names. Every field is optional on the wire (`null` and an
//! absent key mean the same); a known key with the wrong JSON type fails its line. Absent
//! fields are left out when writing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One line: `{"type": "<kind>", "<kind>": {...}}`. `version` carries its number directly.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Line {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_channel: Option<DirectChannelLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_post: Option<PostLine>,
    /// Custom emoji, permission schemes and roles: accepted and skipped (Perch has neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Value>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct TeamLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_open_invite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChannelLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UserLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<UserTeam>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_props: Option<UserNotifyProps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_status: Option<Value>,
    /// The preference fields (`military_time`, `theme`, …: `USER_PREFERENCES`) and any key
    /// Perch does not know.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// User-line keys that are preferences: (key, category, name). `tutorial_step`'s name is the
/// user's id, and `email_interval` is stored in seconds (`email_interval_seconds`).
pub const USER_PREFERENCES: &[(&str, &str, &str)] = &[
    ("theme", "theme", ""),
    ("military_time", "display_settings", "use_military_time"),
    ("link_previews", "display_settings", "collapse_previews"),
    ("message_display", "display_settings", "message_display"),
    (
        "collapse_consecutive_messages",
        "display_settings",
        "collapse_consecutive_messages",
    ),
    (
        "colorize_usernames",
        "display_settings",
        "colorize_usernames",
    ),
    (
        "channel_display_mode",
        "display_settings",
        "channel_display_mode",
    ),
    ("name_format", "display_settings", "name_format"),
    (
        "feature_enabled_markdown_preview",
        "advanced_settings",
        "feature_enabled_markdown_preview",
    ),
    ("formatting", "advanced_settings", "formatting"),
    (
        "send_on_ctrl_enter",
        "advanced_settings",
        "send_on_ctrl_enter",
    ),
    (
        "code_block_ctrl_enter",
        "advanced_settings",
        "code_block_ctrl_enter",
    ),
    ("sync_drafts", "advanced_settings", "sync_drafts"),
    ("show_join_leave", "advanced_settings", "join_leave"),
    (
        "show_unread_scroll_position",
        "advanced_settings",
        "unread_scroll_position",
    ),
    (
        "show_unread_section",
        "sidebar_settings",
        "show_unread_section",
    ),
    (
        "limit_visible_dms_gms",
        "sidebar_settings",
        "limit_visible_dms_gms",
    ),
    ("email_interval", "notifications", "email_interval"),
];

/// `email_interval` as the file says it → the stored seconds, and back.
pub const EMAIL_INTERVALS: &[(&str, &str)] =
    &[("immediately", "30"), ("fifteen", "900"), ("hour", "3600")];

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UserTeam {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<UserChannel>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UserChannel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_props: Option<ChannelNotifyProps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_count_root: Option<i64>,
    /// Misspelled on the wire, as Mattermost spells it.
    #[serde(
        rename = "urgend_mention_count",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub urgent_mention_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_count_root: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<i64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChannelNotifyProps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_unread: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UserNotifyProps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_sound: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_push_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_keys: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BotLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_at: Option<i64>,
}

/// A root post with its thread: the `post` line (team channel) and the `direct_post` line
/// (direct or group channel, `channel_members` instead of `team`/`channel`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PostLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pinned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Reaction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<Reply>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_followers: Option<Vec<Value>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Reply {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pinned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Reaction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Reaction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_at: Option<i64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Attachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A member of a direct channel in the newer `participants` form (only the name is used).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Participant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct DirectChannelLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<Participant>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorited_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

impl DirectChannelLine {
    /// The member names: `participants` when given (it takes precedence), else `members`.
    pub fn member_names(&self) -> Option<Vec<String>> {
        match &self.participants {
            Some(p) => Some(p.iter().filter_map(|m| m.username.clone()).collect()),
            None => self.members.clone(),
        }
    }
}
