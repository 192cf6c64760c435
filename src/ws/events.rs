//! The events write paths publish after their write committed, with Mattermost's `data` and
//! audience for each (`docs/spec/websocket.md` §3.3). Nested objects travel as JSON strings where
//! Mattermost sends them so.

use super::event::{post_json, Broadcast, Event};
use crate::model::channel::Channel;
use crate::model::post::Post;
use serde_json::{json, Value};

fn string(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `post_edited`: the post after the edit, to the channel.
pub fn post_edited(post: &Post) -> Event {
    Event::new(
        "post_edited",
        json!({"post": post_json(post)}),
        Broadcast::to_channel(&post.channel_id),
    )
}

/// `post_deleted`: two copies to the channel, the admins' one naming who deleted it.
pub fn post_deleted(post: &Post, deleted_by: &str) -> [Event; 2] {
    let mut plain = Broadcast::to_channel(&post.channel_id);
    plain.sanitized = true;
    let mut admin = Broadcast::to_channel(&post.channel_id);
    admin.sensitive = true;
    [
        Event::new("post_deleted", json!({"post": post_json(post)}), plain),
        Event::new(
            "post_deleted",
            json!({"post": post_json(post), "delete_by": deleted_by}),
            admin,
        ),
    ]
}

/// `post_unread`: the user marked a channel unread from a post (to that user).
pub fn post_unread(
    team_id: &str,
    channel_id: &str,
    user_id: &str,
    post_id: &str,
    counts: Value,
) -> Event {
    let mut data = json!({"team_id": team_id, "channel_id": channel_id, "post_id": post_id});
    if let (Some(d), Value::Object(c)) = (data.as_object_mut(), counts) {
        d.extend(c);
    }
    let mut b = Broadcast::to_user(user_id);
    b.channel_id = channel_id.to_string();
    Event::new("post_unread", data, b)
}

/// `ephemeral_message`: a post only one user sees (command answers, system notices).
pub fn ephemeral(post: &Post, user_id: &str) -> Event {
    let mut b = Broadcast::to_user(user_id);
    b.channel_id = post.channel_id.clone();
    Event::new("ephemeral_message", json!({"post": post_json(post)}), b)
}

/// `reaction_added` / `reaction_removed`, to the post's channel.
pub fn reaction(name: &'static str, reaction: &Value, channel_id: &str) -> Event {
    Event::new(
        name,
        json!({"reaction": reaction.to_string()}),
        Broadcast::to_channel(channel_id),
    )
}

/// `channel_created`: only its creator is told.
pub fn channel_created(channel: &Channel, creator: &str) -> Event {
    Event::new(
        "channel_created",
        json!({"channel_id": channel.id, "team_id": channel.team_id}),
        Broadcast::to_user(creator),
    )
}

/// `channel_updated`: the channel, to its members.
pub fn channel_updated(channel: &Channel) -> Event {
    Event::new(
        "channel_updated",
        json!({"channel": string(channel)}),
        Broadcast::to_channel(&channel.id),
    )
}

/// `channel_converted` (public → private), to the team.
pub fn channel_converted(channel: &Channel) -> Event {
    Event::new(
        "channel_converted",
        json!({"channel_id": channel.id}),
        Broadcast::to_team(&channel.team_id),
    )
}

/// `channel_deleted` (archived): a public channel's team hears it, a private channel's
/// members only.
pub fn channel_deleted(channel: &Channel, delete_at: i64) -> Event {
    let b = if channel.kind == "O" {
        Broadcast::to_team(&channel.team_id)
    } else {
        Broadcast::to_channel(&channel.id)
    };
    Event::new(
        "channel_deleted",
        json!({"channel_id": channel.id, "delete_at": delete_at}),
        b,
    )
}

/// `channel_restored`: an archived channel is back, to its team.
pub fn channel_restored(channel: &Channel) -> Event {
    Event::new(
        "channel_restored",
        json!({"channel_id": channel.id}),
        Broadcast::to_team(&channel.team_id),
    )
}

/// `user_added` to a channel: its members, and the added user.
pub fn user_added(channel: &Channel, user_id: &str) -> [Event; 2] {
    let data = json!({"user_id": user_id, "team_id": channel.team_id});
    let mut to_user = Broadcast::to_channel(&channel.id);
    to_user.user_id = user_id.into();
    [
        Event::new(
            "user_added",
            data.clone(),
            Broadcast::to_channel(&channel.id).omit(user_id),
        ),
        Event::new("user_added", data, to_user),
    ]
}

/// `user_removed` from a channel: the remaining members, and the removed user.
pub fn user_removed(channel_id: &str, user_id: &str, remover: &str) -> [Event; 2] {
    [
        Event::new(
            "user_removed",
            json!({"user_id": user_id, "remover_id": remover}),
            Broadcast::to_channel(channel_id),
        ),
        Event::new(
            "user_removed",
            json!({"channel_id": channel_id, "remover_id": remover}),
            Broadcast::to_user(user_id),
        ),
    ]
}

/// `direct_added`: a new direct channel, to both members.
pub fn direct_added(channel_id: &str, creator: &str, teammate: &str) -> Event {
    Event::new(
        "direct_added",
        json!({"creator_id": creator, "teammate_id": teammate}),
        Broadcast::to_channel(channel_id),
    )
}

/// `group_added`: one event per member of a new group channel.
pub fn group_added(channel_id: &str, members: &[String]) -> Vec<Event> {
    let ids = string(&members);
    members
        .iter()
        .map(|m| {
            let mut b = Broadcast::to_user(m);
            b.channel_id = channel_id.into();
            Event::new("group_added", json!({"teammate_ids": ids}), b)
        })
        .collect()
}

/// `added_to_team`: only the added user.
pub fn added_to_team(team_id: &str, user_id: &str) -> Event {
    Event::new(
        "added_to_team",
        json!({"team_id": team_id, "user_id": user_id}),
        Broadcast::to_user(user_id),
    )
}

/// `leave_team`: the team's other members, and the user who left.
pub fn leave_team(team_id: &str, user_id: &str) -> [Event; 2] {
    let data = json!({"team_id": team_id, "user_id": user_id});
    [
        Event::new(
            "leave_team",
            data.clone(),
            Broadcast::to_team(team_id).omit(user_id),
        ),
        Event::new("leave_team", data, Broadcast::to_user(user_id)),
    ]
}

/// `new_user`: everyone connected.
pub fn new_user(user_id: &str) -> Event {
    Event::new("new_user", json!({"user_id": user_id}), Broadcast::to_all())
}

/// `user_updated`: the sanitized user object (not a string), to everyone.
pub fn user_updated(user: Value) -> Event {
    Event::new("user_updated", json!({"user": user}), Broadcast::to_all())
}

/// `user_updated` as Mattermost's `sendUpdatedUserEvent` sends a changed profile: a copy for
/// connections with `manage_system` (`contains_sensitive_data`) and one for everyone else
/// (`contains_sanitized_data`).
pub fn user_updated_pair(for_admins: Value, for_others: Value) -> [Event; 2] {
    let admins = Broadcast {
        sensitive: true,
        ..Broadcast::to_all()
    };
    let others = Broadcast {
        sanitized: true,
        ..Broadcast::to_all()
    };
    [
        Event::new("user_updated", json!({"user": for_admins}), admins),
        Event::new("user_updated", json!({"user": for_others}), others),
    ]
}

/// `user_role_updated`: the user whose system roles changed.
pub fn user_role_updated(user_id: &str, roles: &str) -> Event {
    Event::new(
        "user_role_updated",
        json!({"user_id": user_id, "roles": roles}),
        Broadcast::to_user(user_id),
    )
}

/// `preferences_changed`: the user's own connections.
pub fn preferences_changed(user_id: &str, preferences: &Value) -> Event {
    Event::new(
        "preferences_changed",
        json!({"preferences": preferences.to_string()}),
        Broadcast::to_user(user_id),
    )
}

/// `preferences_deleted`: the deleted preferences (a JSON string), to that user.
pub fn preferences_deleted(user_id: &str, preferences: &Value) -> Event {
    Event::new(
        "preferences_deleted",
        json!({"preferences": preferences.to_string()}),
        Broadcast::to_user(user_id),
    )
}

/// `channel_member_updated`: the membership (JSON string), to that member.
pub fn channel_member_updated(member: &crate::model::channel::ChannelMember) -> Event {
    Event::new(
        "channel_member_updated",
        json!({"channelMember": string(member)}),
        Broadcast::to_user(&member.user_id),
    )
}

/// `channel_viewed`: the user's own connections.
pub fn channel_viewed(user_id: &str, channel_id: &str) -> Event {
    Event::new(
        "channel_viewed",
        json!({"channel_id": channel_id}),
        Broadcast::to_user(user_id),
    )
}

/// `update_team`: the team object as a JSON string, to its members.
pub fn update_team(team: &impl serde::Serialize, team_id: &str) -> Event {
    Event::new(
        "update_team",
        json!({"team": string(team)}),
        Broadcast::to_team(team_id),
    )
}

/// `config_changed`: the flat client config (an object, not a string), to every connection.
pub fn config_changed(config: Value) -> Event {
    Event::new(
        "config_changed",
        json!({"config": config}),
        Broadcast::to_all(),
    )
}
