//! Roles and permissions: Mattermost's default role → permission table and the three scoped
//! checks (system, team, channel) every handler uses. `system_admin` holds every permission.

use crate::auth::Session;
use crate::http::ApiError;
use crate::model::channel::Channel;
use crate::store;
use rusqlite::Connection;

/// Default permissions of each role (a fresh install, no schemes).
fn role_permissions(role: &str) -> &'static [&'static str] {
    match role {
        "system_user" => &[
            "create_team",
            "list_public_teams",
            "join_public_teams",
            "create_direct_channel",
            "create_group_channel",
            "view_members",
            "create_emojis",
            "list_private_teams",
        ],
        "system_user_access_token" => &[
            "create_user_access_token",
            "read_user_access_token",
            "revoke_user_access_token",
        ],
        "system_post_all" => &["create_post", "use_channel_mentions"],
        "system_post_all_public" => &["create_post_public", "use_channel_mentions"],
        "team_user" => &[
            "list_team_channels",
            "join_public_channels",
            "read_public_channel",
            "view_team",
            "create_public_channel",
            "create_private_channel",
            "invite_user",
            "add_user_to_team",
        ],
        "team_post_all" => &["create_post", "use_channel_mentions"],
        "team_post_all_public" => &["create_post_public", "use_channel_mentions"],
        "team_admin" => &[
            "edit_others_posts",
            "remove_user_from_team",
            "manage_team",
            "import_team",
            "manage_team_roles",
            "manage_channel_roles",
            "manage_others_incoming_webhooks",
            "manage_others_outgoing_webhooks",
            "manage_slash_commands",
            "manage_others_slash_commands",
            "manage_incoming_webhooks",
            "manage_outgoing_webhooks",
            "manage_own_incoming_webhooks",
            "manage_own_outgoing_webhooks",
            "manage_own_slash_commands",
            "bypass_incoming_webhook_channel_lock",
            "delete_post",
            "delete_others_posts",
            "manage_public_channel_members",
            "manage_private_channel_members",
            "convert_public_channel_to_private",
            "convert_private_channel_to_public",
        ],
        "channel_user" => &[
            "read_channel",
            "read_channel_content",
            "add_reaction",
            "remove_reaction",
            "manage_public_channel_members",
            "manage_private_channel_members",
            "upload_file",
            "get_public_link",
            "create_post",
            "use_channel_mentions",
            "use_slash_commands",
            "manage_public_channel_properties",
            "manage_private_channel_properties",
            "delete_public_channel",
            "delete_private_channel",
            "edit_post",
            "delete_post",
        ],
        "channel_admin" => &["manage_channel_roles", "use_group_mentions"],
        _ => &[],
    }
}

fn roles_grant(roles: &str, perm: &str) -> bool {
    roles
        .split_whitespace()
        .any(|r| role_permissions(r).contains(&perm))
}

/// System scope: the caller's system roles.
pub fn has_system(s: &Session, perm: &str) -> bool {
    s.is_admin() || roles_grant(&s.user.roles, perm)
}

/// Team scope: system roles, then the caller's team-member roles.
pub fn has_team(db: &Connection, s: &Session, team_id: &str, perm: &str) -> Result<bool, ApiError> {
    if has_system(s, perm) {
        return Ok(true);
    }
    Ok(match store::teams::find_member(db, team_id, s.user_id())? {
        Some(m) => roles_grant(&m.roles, perm),
        None => false,
    })
}

/// Channel scope: system roles, channel-member roles, then team-member roles of its team.
pub fn has_channel(
    db: &Connection,
    s: &Session,
    channel: &Channel,
    perm: &str,
) -> Result<bool, ApiError> {
    if has_system(s, perm) {
        return Ok(true);
    }
    if let Some(m) = store::channels::find_member(db, &channel.id, s.user_id())? {
        if roles_grant(&m.roles, perm) {
            return Ok(true);
        }
    }
    if !channel.team_id.is_empty() {
        return has_team(db, s, &channel.team_id, perm);
    }
    Ok(false)
}

/// Fails with 403 unless the caller holds `perm` at system level.
pub fn require_system(s: &Session, perm: &str) -> Result<(), ApiError> {
    if has_system(s, perm) {
        Ok(())
    } else {
        Err(ApiError::permissions(perm))
    }
}

pub fn require_team(
    db: &Connection,
    s: &Session,
    team_id: &str,
    perm: &str,
) -> Result<(), ApiError> {
    if has_team(db, s, team_id, perm)? {
        Ok(())
    } else {
        Err(ApiError::permissions(perm))
    }
}

pub fn require_channel(
    db: &Connection,
    s: &Session,
    ch: &Channel,
    perm: &str,
) -> Result<(), ApiError> {
    if has_channel(db, s, ch, perm)? {
        Ok(())
    } else {
        Err(ApiError::permissions(perm))
    }
}

/// Whether the caller may read a channel: a member, or (public channel) a member of its team,
/// or a system admin.
pub fn can_read_channel(db: &Connection, s: &Session, ch: &Channel) -> Result<bool, ApiError> {
    if s.is_admin() || store::channels::find_member(db, &ch.id, s.user_id())?.is_some() {
        return Ok(true);
    }
    if ch.kind == "O" {
        return has_team(db, s, &ch.team_id, "read_public_channel");
    }
    Ok(false)
}

/// Whether the caller may post in a channel: `create_post` there, or `create_post_public`
/// for public channels.
pub fn can_post(db: &Connection, s: &Session, ch: &Channel) -> Result<bool, ApiError> {
    if has_channel(db, s, ch, "create_post")? {
        return Ok(true);
    }
    if ch.kind == "O" {
        return has_team(db, s, &ch.team_id, "create_post_public");
    }
    Ok(false)
}

/// Valid role names per scope, for role updates.
pub fn is_known_role(scope: &str, role: &str) -> bool {
    let known: &[&str] = match scope {
        "system" => &[
            "system_user",
            "system_admin",
            "system_guest",
            "system_user_access_token",
            "system_post_all",
            "system_post_all_public",
            "system_user_manager",
            "system_manager",
            "system_read_only_admin",
        ],
        "team" => &[
            "team_user",
            "team_admin",
            "team_guest",
            "team_post_all",
            "team_post_all_public",
        ],
        "channel" => &["channel_user", "channel_admin", "channel_guest"],
        _ => &[],
    };
    known.contains(&role)
}
