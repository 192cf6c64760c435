//! Roles and permissions: Mattermost's default role → permission table, the three scoped
//! checks (system, team, channel) every handler uses, and the checks over other users and
//! bots (`docs/spec/auth.md` §4–6, `docs/spec/security.md` §2). `system_admin` holds every
//! permission.

use crate::app::Ctx;
use crate::error::ApiError;
use crate::model::bot::Bot;
use crate::model::channel::{Channel, ChannelMember};
use crate::model::session::Session;
use crate::store;
use crate::store::Conn as Connection;

/// Default permissions of each role (a fresh install, no schemes). `system_admin` is not
/// listed: it holds every permission, including the bot ones (`create_bot`, `read_bots`,
/// `read_others_bots`, `manage_bots`, `manage_others_bots`, `assign_bot`), `manage_system`,
/// `manage_roles` and `edit_other_users`, which no other default role has.
fn role_permissions(role: &str) -> &'static [&'static str] {
    match role {
        "system_user" => &[
            "list_public_teams",
            "join_public_teams",
            "create_direct_channel",
            "create_group_channel",
            "view_members",
            "create_team",
            "create_custom_group",
            "edit_custom_group",
            "delete_custom_group",
            "restore_custom_group",
            "manage_custom_group_members",
            "create_emojis",
            "delete_emojis",
        ],
        "system_guest" => &["create_direct_channel", "create_group_channel"],
        // Add-on roles an admin grants on top of system_user.
        "system_user_access_token" => &[
            "create_user_access_token",
            "read_user_access_token",
            "revoke_user_access_token",
        ],
        "system_post_all" => &["create_post", "use_channel_mentions"],
        "system_post_all_public" => &["create_post_public", "use_channel_mentions"],
        // system_user_manager, system_manager and system_read_only_admin are accepted role
        // names; their defaults are System Console permissions, which no Perch endpoint checks.
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
        "team_guest" => &["view_team"],
        "team_post_all" => &["create_post", "use_channel_mentions"],
        "team_post_all_public" => &["create_post_public", "use_channel_mentions"],
        "team_admin" => &[
            "remove_user_from_team",
            "manage_team",
            "import_team",
            "manage_team_roles",
            "manage_channel_roles",
            "manage_own_incoming_webhooks",
            "manage_others_incoming_webhooks",
            "manage_own_outgoing_webhooks",
            "manage_others_outgoing_webhooks",
            "manage_own_slash_commands",
            "manage_others_slash_commands",
            "bypass_incoming_webhook_channel_lock",
            "convert_public_channel_to_private",
            "convert_private_channel_to_public",
            "delete_post",
            "delete_others_posts",
            "edit_others_posts",
            "manage_public_channel_members",
            "manage_private_channel_members",
            // Deprecated names (migrated into the manage_own_* set); same holders.
            "manage_incoming_webhooks",
            "manage_outgoing_webhooks",
            "manage_slash_commands",
        ],
        "channel_user" => &[
            "read_channel",
            "read_channel_content",
            "add_reaction",
            "remove_reaction",
            "manage_public_channel_members",
            "upload_file",
            "get_public_link",
            "create_post",
            "use_channel_mentions",
            "use_slash_commands",
            "manage_public_channel_properties",
            "delete_public_channel",
            "manage_private_channel_properties",
            "delete_private_channel",
            "manage_private_channel_members",
            "delete_post",
            "edit_post",
        ],
        "channel_guest" => &[
            "read_channel",
            "read_channel_content",
            "add_reaction",
            "remove_reaction",
            "upload_file",
            "edit_post",
            "create_post",
            "use_channel_mentions",
            "use_slash_commands",
        ],
        "channel_admin" => &["manage_channel_roles", "use_group_mentions"],
        _ => &[],
    }
}

/// The System Console permissions of Mattermost 6.x (`sysconsole_read_*`, `sysconsole_write_*`),
/// all held by `system_admin` only. The web app's console shows a page only to a role holding
/// its read permission (and, with none, loops redirecting to itself).
const SYSCONSOLE: &[&str] = &[
    "sysconsole_read_about_edition_and_license",
    "sysconsole_read_authentication_email",
    "sysconsole_read_authentication_guest_access",
    "sysconsole_read_authentication_ldap",
    "sysconsole_read_authentication_mfa",
    "sysconsole_read_authentication_openid",
    "sysconsole_read_authentication_password",
    "sysconsole_read_authentication_saml",
    "sysconsole_read_authentication_signup",
    "sysconsole_read_billing",
    "sysconsole_read_compliance_compliance_export",
    "sysconsole_read_compliance_compliance_monitoring",
    "sysconsole_read_compliance_custom_terms_of_service",
    "sysconsole_read_compliance_data_retention_policy",
    "sysconsole_read_environment_database",
    "sysconsole_read_environment_developer",
    "sysconsole_read_environment_elasticsearch",
    "sysconsole_read_environment_file_storage",
    "sysconsole_read_environment_high_availability",
    "sysconsole_read_environment_image_proxy",
    "sysconsole_read_environment_logging",
    "sysconsole_read_environment_performance_monitoring",
    "sysconsole_read_environment_push_notification_server",
    "sysconsole_read_environment_rate_limiting",
    "sysconsole_read_environment_session_lengths",
    "sysconsole_read_environment_smtp",
    "sysconsole_read_environment_web_server",
    "sysconsole_read_experimental_bleve",
    "sysconsole_read_experimental_feature_flags",
    "sysconsole_read_experimental_features",
    "sysconsole_read_integrations_bot_accounts",
    "sysconsole_read_integrations_cors",
    "sysconsole_read_integrations_gif",
    "sysconsole_read_integrations_integration_management",
    "sysconsole_read_plugins",
    "sysconsole_read_reporting_server_logs",
    "sysconsole_read_reporting_site_statistics",
    "sysconsole_read_reporting_team_statistics",
    "sysconsole_read_site_announcement_banner",
    "sysconsole_read_site_customization",
    "sysconsole_read_site_emoji",
    "sysconsole_read_site_file_sharing_and_downloads",
    "sysconsole_read_site_localization",
    "sysconsole_read_site_notices",
    "sysconsole_read_site_notifications",
    "sysconsole_read_site_posts",
    "sysconsole_read_site_public_links",
    "sysconsole_read_site_users_and_teams",
    "sysconsole_read_user_management_channels",
    "sysconsole_read_user_management_groups",
    "sysconsole_read_user_management_permissions",
    "sysconsole_read_user_management_system_roles",
    "sysconsole_read_user_management_teams",
    "sysconsole_read_user_management_users",
    "sysconsole_write_about_edition_and_license",
    "sysconsole_write_authentication_email",
    "sysconsole_write_authentication_guest_access",
    "sysconsole_write_authentication_ldap",
    "sysconsole_write_authentication_mfa",
    "sysconsole_write_authentication_openid",
    "sysconsole_write_authentication_password",
    "sysconsole_write_authentication_saml",
    "sysconsole_write_authentication_signup",
    "sysconsole_write_billing",
    "sysconsole_write_compliance_compliance_export",
    "sysconsole_write_compliance_compliance_monitoring",
    "sysconsole_write_compliance_custom_terms_of_service",
    "sysconsole_write_compliance_data_retention_policy",
    "sysconsole_write_environment_database",
    "sysconsole_write_environment_developer",
    "sysconsole_write_environment_elasticsearch",
    "sysconsole_write_environment_file_storage",
    "sysconsole_write_environment_high_availability",
    "sysconsole_write_environment_image_proxy",
    "sysconsole_write_environment_logging",
    "sysconsole_write_environment_performance_monitoring",
    "sysconsole_write_environment_push_notification_server",
    "sysconsole_write_environment_rate_limiting",
    "sysconsole_write_environment_session_lengths",
    "sysconsole_write_environment_smtp",
    "sysconsole_write_environment_web_server",
    "sysconsole_write_experimental_bleve",
    "sysconsole_write_experimental_feature_flags",
    "sysconsole_write_experimental_features",
    "sysconsole_write_integrations_bot_accounts",
    "sysconsole_write_integrations_cors",
    "sysconsole_write_integrations_gif",
    "sysconsole_write_integrations_integration_management",
    "sysconsole_write_plugins",
    "sysconsole_write_reporting_server_logs",
    "sysconsole_write_reporting_site_statistics",
    "sysconsole_write_site_announcement_banner",
    "sysconsole_write_site_customization",
    "sysconsole_write_site_emoji",
    "sysconsole_write_site_file_sharing_and_downloads",
    "sysconsole_write_site_localization",
    "sysconsole_write_site_notices",
    "sysconsole_write_site_notifications",
    "sysconsole_write_site_posts",
    "sysconsole_write_site_public_links",
    "sysconsole_write_site_users_and_teams",
    "sysconsole_write_user_management_channels",
    "sysconsole_write_user_management_groups",
    "sysconsole_write_user_management_permissions",
    "sysconsole_write_user_management_system_roles",
    "sysconsole_write_user_management_teams",
    "sysconsole_write_user_management_users",
];

/// The permissions a known role holds, for `POST /api/v4/roles/names` (`system_admin`: every
/// permission of every other role, plus the ones only it has). `None` for an unknown role.
pub fn permissions_of_role(role: &str) -> Option<Vec<&'static str>> {
    if !is_any_known_role(role) && role != "system_admin" {
        return None;
    }
    if role != "system_admin" {
        return Some(role_permissions(role).to_vec());
    }
    let mut all: Vec<&'static str> = ["system", "team", "channel"]
        .iter()
        .flat_map(|scope| scheme_roles(scope).iter())
        .chain(&[
            "system_user_access_token",
            "system_post_all",
            "system_post_all_public",
        ])
        .flat_map(|r| role_permissions(r).iter().copied())
        .chain([
            "create_bot",
            "read_bots",
            "read_others_bots",
            "manage_bots",
            "manage_others_bots",
            "assign_bot",
            "manage_system",
            "manage_roles",
            "edit_other_users",
        ])
        .chain(SYSCONSOLE.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    Some(all)
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
    let member = store::channels::find_member(db, &channel.id, s.user_id())?;
    granted_in_channel(db, s, channel, perm, member.as_ref())
}

/// `has_channel` with the caller's membership (`member`) already at hand.
fn granted_in_channel(
    db: &Connection,
    s: &Session,
    channel: &Channel,
    perm: &str,
    member: Option<&ChannelMember>,
) -> Result<bool, ApiError> {
    if has_system(s, perm) || member.is_some_and(|m| roles_grant(&m.roles, perm)) {
        return Ok(true);
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
/// Every post list asks, so the membership comes from memory (`cache.rs`).
pub fn can_read_channel(ctx: &Ctx, s: &Session, ch: &Channel) -> Result<bool, ApiError> {
    if s.is_admin()
        || (ctx.app.cached)
            .member(&ctx.app.store, ctx.db, &ch.id, s.user_id())?
            .is_some()
    {
        return Ok(true);
    }
    if ch.kind == "O" {
        return has_team(ctx.db, s, &ch.team_id, "read_public_channel");
    }
    Ok(false)
}

/// Whether the caller may post in a channel: `create_post` there, or `create_post_public`
/// for public channels. Every post asks, so the membership comes from memory (`cache.rs`).
pub fn can_post(ctx: &Ctx, s: &Session, ch: &Channel) -> Result<bool, ApiError> {
    let member = if has_system(s, "create_post") {
        None
    } else {
        ctx.app
            .cached
            .member(&ctx.app.store, ctx.db, &ch.id, s.user_id())?
    };
    if granted_in_channel(ctx.db, s, ch, "create_post", member.as_deref())? {
        return Ok(true);
    }
    if ch.kind == "O" {
        return has_team(ctx.db, s, &ch.team_id, "create_post_public");
    }
    Ok(false)
}

/// `404 store.sql_bot.get.missing.app_error`: no such bot, or the caller may not learn that
/// the account is a bot.
pub fn bot_not_found() -> ApiError {
    ApiError::not_found(
        "store.sql_bot.get.missing.app_error",
        "Unable to find the bot.",
    )
}

/// Whether the caller may read this bot: `read_others_bots`, or its owner with `read_bots`.
pub fn can_read_bot(s: &Session, bot: &Bot) -> bool {
    has_system(s, "read_others_bots") || (bot.owner_id == s.user_id() && has_system(s, "read_bots"))
}

/// Mattermost's "manage check" for changing a bot: the owner needs `manage_bots`, anyone else
/// `manage_others_bots`. A caller who may not even read such bots gets the same 404 as for a
/// missing bot, so bot accounts are not revealed; one who may read them gets 403.
pub fn require_manage_bot(s: &Session, bot: &Bot) -> Result<(), ApiError> {
    let (manage, read) = if bot.owner_id == s.user_id() {
        ("manage_bots", "read_bots")
    } else {
        ("manage_others_bots", "read_others_bots")
    };
    if has_system(s, manage) {
        return Ok(());
    }
    if !has_system(s, read) {
        return Err(bot_not_found());
    }
    Err(ApiError::permissions(manage))
}

/// Whether the caller may act on another user's account (sessions, tokens, deactivation):
/// themself, `manage_system`, or `edit_other_users` over someone who is not a system admin.
pub fn can_manage_user(db: &Connection, s: &Session, user_id: &str) -> Result<bool, ApiError> {
    if user_id.is_empty() {
        return Ok(false);
    }
    if has_system(s, "manage_system") || s.user_id() == user_id {
        return Ok(true);
    }
    if !has_system(s, "edit_other_users") {
        return Ok(false);
    }
    Ok(match store::users::find(db, user_id)? {
        Some(u) => !u.has_role("system_admin"),
        None => false,
    })
}

/// Like `can_manage_user`, but a bot account is judged by the bot manage check instead
/// (so a bot's owner may handle its tokens, and a bot may not handle its own).
pub fn can_manage_user_or_bot(
    db: &Connection,
    s: &Session,
    user_id: &str,
) -> Result<bool, ApiError> {
    if s.is_admin() {
        return Ok(true);
    }
    match store::bots::find(db, user_id)? {
        Some(bot) => Ok(require_manage_bot(s, &bot).is_ok()),
        None => can_manage_user(db, s, user_id),
    }
}

/// Roles that belong to no scheme: an admin may add them explicitly at any level.
fn is_add_on_role(role: &str) -> bool {
    matches!(
        role,
        "system_user_access_token"
            | "system_post_all"
            | "system_post_all_public"
            | "system_user_manager"
            | "system_manager"
            | "system_read_only_admin"
            | "team_post_all"
            | "team_post_all_public"
    )
}

/// The scheme roles of a scope.
fn scheme_roles(scope: &str) -> &'static [&'static str] {
    match scope {
        "system" => &["system_user", "system_admin", "system_guest"],
        "team" => &["team_user", "team_admin", "team_guest"],
        "channel" => &["channel_user", "channel_admin", "channel_guest"],
        _ => &[],
    }
}

/// Valid role names per scope, for role updates.
pub fn is_known_role(scope: &str, role: &str) -> bool {
    scheme_roles(scope).contains(&role) || is_add_on_role(role)
}

fn is_any_known_role(role: &str) -> bool {
    ["system", "team", "channel"]
        .iter()
        .any(|s| scheme_roles(s).contains(&role))
        || is_add_on_role(role)
}

/// Mattermost's `IsValidUserRoles`: every name is 1–64 of `[a-z0-9_]`, and the list is not
/// `system_admin` alone (a guard against dropping `system_user` by mistake).
pub fn is_valid_role_list(roles: &str) -> bool {
    let names: Vec<&str> = roles.split_whitespace().collect();
    let valid_name = |r: &&str| {
        r.len() <= 64
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    names.iter().all(valid_name) && names != ["system_admin"]
}

/// Checks the roles given to a system account (`PUT /users/{id}/roles`). Only system roles
/// and add-on roles are accepted: Mattermost would also take a team or channel role here and
/// then grant its permissions everywhere, which is never what an admin means.
pub fn check_system_roles(roles: &[&str]) -> Result<(), ApiError> {
    match roles.iter().find(|r| !is_known_role("system", r)) {
        Some(r) => Err(ApiError::bad_request(
            "app.role.check_roles_exist.role_not_found",
            "The provided role does not exist.",
        )
        .with_detail(format!("role={r}"))),
        None => Ok(()),
    }
}

/// Checks the roles given to a team or channel member (`scope` is `team` or `channel`):
/// that scope's scheme roles plus add-on roles, never guest and user together.
pub fn check_member_roles(scope: &str, roles: &[&str]) -> Result<(), ApiError> {
    for r in roles {
        if !is_any_known_role(r) {
            return Err(ApiError::bad_request(
                "app.role.get_by_name.app_error",
                "Unable to get role.",
            )
            .with_detail(format!("role={r}")));
        }
        if !is_known_role(scope, r) {
            return Err(ApiError::bad_request(
                format!("api.channel.update_{scope}_member_roles.scheme_role.app_error"),
                "The provided role is managed by a Scheme and therefore cannot be applied directly.",
            )
            .with_detail(format!("role_name={r}")));
        }
    }
    let (user, guest) = (format!("{scope}_user"), format!("{scope}_guest"));
    if roles.contains(&user.as_str()) && roles.contains(&guest.as_str()) {
        let area = if scope == "team" { "team" } else { "channel" };
        return Err(ApiError::bad_request(
            format!("api.{area}.update_{scope}_member_roles.guest_and_user.app_error"),
            "Invalid role update: a member cannot be both a guest and a user.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT_PERMISSIONS: &[&str] = &[
        "create_bot",
        "read_bots",
        "read_others_bots",
        "manage_bots",
        "manage_others_bots",
        "assign_bot",
    ];

    const ALL_ROLES: &[&str] = &[
        "system_user",
        "system_guest",
        "system_user_access_token",
        "system_post_all",
        "system_post_all_public",
        "system_user_manager",
        "system_manager",
        "system_read_only_admin",
        "team_user",
        "team_guest",
        "team_admin",
        "team_post_all",
        "team_post_all_public",
        "channel_user",
        "channel_guest",
        "channel_admin",
    ];

    #[test]
    fn only_system_admin_holds_bot_and_admin_permissions() {
        for role in ALL_ROLES {
            for perm in
                BOT_PERMISSIONS
                    .iter()
                    .chain(&["manage_system", "manage_roles", "edit_other_users"])
            {
                assert!(!roles_grant(role, perm), "{role} must not hold {perm}");
            }
        }
    }

    #[test]
    fn add_on_roles() {
        for perm in [
            "create_user_access_token",
            "read_user_access_token",
            "revoke_user_access_token",
        ] {
            assert!(roles_grant("system_user system_user_access_token", perm));
            assert!(!roles_grant("system_user", perm));
        }
        assert!(roles_grant("system_user system_post_all", "create_post"));
        assert!(roles_grant("system_post_all_public", "create_post_public"));
        assert!(!roles_grant("system_post_all_public", "create_post"));
        assert!(roles_grant(
            "team_user team_admin",
            "manage_own_incoming_webhooks"
        ));
        assert!(!roles_grant("team_user", "manage_own_incoming_webhooks"));
    }

    #[test]
    fn role_list_validation() {
        assert!(is_valid_role_list("system_user system_admin"));
        assert!(is_valid_role_list(""));
        assert!(!is_valid_role_list("system_admin"));
        assert!(!is_valid_role_list("System_user"));
        assert!(check_system_roles(&["system_user", "system_post_all"]).is_ok());
        assert_eq!(
            check_system_roles(&["team_admin"]).unwrap_err().id,
            "app.role.check_roles_exist.role_not_found"
        );
        assert!(check_member_roles("team", &["team_user", "team_admin", "team_post_all"]).is_ok());
        assert_eq!(
            check_member_roles("team", &["nope"]).unwrap_err().id,
            "app.role.get_by_name.app_error"
        );
        assert_eq!(
            check_member_roles("team", &["channel_admin"])
                .unwrap_err()
                .id,
            "api.channel.update_team_member_roles.scheme_role.app_error"
        );
        assert_eq!(
            check_member_roles("channel", &["channel_user", "channel_guest"])
                .unwrap_err()
                .id,
            "api.channel.update_channel_member_roles.guest_and_user.app_error"
        );
    }
}
