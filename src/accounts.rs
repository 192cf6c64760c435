//! Account creation and membership changes shared by the REST API and the command line
//! (`perch user create`, `perch team add-member`, `perch channel add-member`), and the account
//! side of bots: their user rows, enabling and disabling, deactivation of their owners; and a
//! user patch's write.

use crate::config::Config;
use crate::error::ApiError;
use crate::model::bot::Bot;
use crate::model::channel::{default_member_notify_props, Channel, ChannelMember};
use crate::model::team::Team;
use crate::model::user::{self, NewUser, User, UserPatch};
use crate::model::{new_id, now_ms};
use crate::password::PasswordHasherPool;
use crate::store::{self, Store, StoreError};

/// Who creates the account, which decides the role and the gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creator {
    /// A system admin (or the CLI): no sign-up gates.
    Admin { make_admin: bool },
    /// Anyone else: sign-up gates apply; the very first account becomes system admin.
    SignUp,
}

/// Validates, hashes (outside the write) and stores a new account.
pub fn create_user(
    store: &Store,
    hasher: &PasswordHasherPool,
    config: &Config,
    mut nu: NewUser,
    creator: Creator,
) -> Result<User, ApiError> {
    nu.username = nu.username.trim().to_lowercase();
    if nu.username.is_empty() {
        nu.username = format!("a{}", new_id());
    }
    nu.email = nu.email.trim().to_lowercase();
    if !user::is_valid_username(&nu.username) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.username.app_error",
            "Invalid username.",
        ));
    }
    if !user::is_valid_email(&nu.email) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.email.app_error",
            "Invalid email.",
        ));
    }
    let too_long = |s: &str, n: usize| s.chars().count() > n;
    if too_long(&nu.nickname, 64) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.nickname.app_error",
            "Invalid nickname.",
        ));
    }
    if too_long(&nu.first_name, 64) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.first_name.app_error",
            "Invalid first name.",
        ));
    }
    if too_long(&nu.last_name, 64) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.last_name.app_error",
            "Invalid last name.",
        ));
    }
    if too_long(&nu.position, 128) {
        return Err(ApiError::bad_request(
            "model.user.is_valid.position.app_error",
            "Invalid position.",
        ));
    }
    if let Err(id) = user::check_password(&nu.password, &config.password) {
        return Err(ApiError::bad_request(
            id,
            "Your password does not meet the requirements.",
        ));
    }
    let hash = hasher.hash(&nu.password)?;
    let now = now_ms();
    let locale = if nu.locale.is_empty() || nu.locale.len() > 5 {
        "en".to_string()
    } else {
        nu.locale.clone()
    };
    let mut notify = user::default_notify_props();
    if let Some(n) = nu.notify_props.take() {
        notify.extend(n);
    }
    let u = User {
        id: new_id(),
        create_at: now,
        update_at: now,
        username: nu.username,
        password_hash: hash,
        email: nu.email,
        nickname: nu.nickname,
        first_name: nu.first_name,
        last_name: nu.last_name,
        position: nu.position,
        roles: "system_user".into(),
        locale,
        props: nu.props.unwrap_or_default(),
        notify_props: notify,
        timezone: user::default_timezone(),
        last_password_update: now,
        ..Default::default()
    };
    let open_server = config.team.enable_open_server;
    store.write(move |c| {
        let mut u = u;
        let first = store::users::count_humans(c)? == 0;
        match creator {
            Creator::Admin { make_admin } => {
                if make_admin || first {
                    u.roles = "system_admin system_user".into();
                }
            }
            Creator::SignUp => {
                if first {
                    u.roles = "system_admin system_user".into();
                } else if !open_server {
                    return Err(ApiError::forbidden(
                        "api.user.create_user.no_open_server",
                        "This server does not allow open signups. Please speak with your Administrator to receive an invitation.",
                    ));
                }
            }
        }
        ensure_unique(c, &u.username, &u.email, &u.id)?;
        store::users::insert(c, &u)?;
        Ok(u)
    })
}

/// Inserts a new team with its default channels, `town-square` and `off-topic` (public,
/// created at the team's time), inside a write.
pub fn insert_team(c: &store::Conn, t: &Team) -> Result<(), StoreError> {
    store::teams::insert(c, t)?;
    for (name, display) in [("town-square", "Town Square"), ("off-topic", "Off-Topic")] {
        let ch = Channel {
            id: new_id(),
            create_at: t.create_at,
            update_at: t.create_at,
            team_id: t.id.clone(),
            kind: "O".into(),
            display_name: display.into(),
            name: name.into(),
            ..Default::default()
        };
        store::channels::insert(c, &ch)?;
    }
    Ok(())
}

/// Adds a user to a team (and its default channels) inside a write. Idempotent.
pub fn join_team(
    c: &store::Conn,
    team_id: &str,
    user_id: &str,
    roles: &str,
    default_channels: &[String],
) -> Result<(), StoreError> {
    let existing = store::teams::find_member(c, team_id, user_id)?;
    let roles = existing
        .map(|m| m.roles)
        .unwrap_or_else(|| roles.to_string());
    store::teams::upsert_member(c, team_id, user_id, &roles)?;
    let mut names = vec!["town-square".to_string(), "off-topic".to_string()];
    names.extend(default_channels.iter().cloned());
    for name in names {
        if let Some(ch) = store::channels::find_by_name(c, team_id, &name)? {
            if ch.delete_at == 0 && ch.team_id == team_id {
                join_channel(c, &ch.id, user_id, "channel_user")?;
            }
        }
    }
    Ok(())
}

/// Adds a channel membership inside a write unless it exists.
pub fn join_channel(
    c: &store::Conn,
    channel_id: &str,
    user_id: &str,
    roles: &str,
) -> Result<ChannelMember, StoreError> {
    if let Some(m) = store::channels::find_member(c, channel_id, user_id)? {
        return Ok(m);
    }
    let mut m = ChannelMember::new(channel_id, user_id, roles, default_member_notify_props());
    m.last_update_at = now_ms();
    store::channels::upsert_member(c, &m)?;
    Ok(m)
}

/// Deactivates (`active = false`) or reactivates a user inside a write. Deactivation revokes
/// every session of the user and, when `disable_owned_bots` (`DisableBotsWhenOwnerIsDeactivated`)
/// is on, disables every bot the user owns.
pub fn set_active(
    c: &store::Conn,
    user_id: &str,
    active: bool,
    disable_owned_bots: bool,
    now: i64,
) -> Result<(), StoreError> {
    store::users::update_delete_at(c, user_id, if active { 0 } else { now }, now)?;
    if !active {
        store::sessions::delete_for_user(c, user_id)?;
        if disable_owned_bots {
            for bot_id in store::bots::list_active_ids_for_owner(c, user_id)? {
                set_bot_active(c, &bot_id, false, now)?;
            }
        }
    }
    Ok(())
}

/// Disables or enables a bot inside a write: the bot row and its user row together. A disabled
/// bot's sessions are revoked; its access tokens stay stored but stop working (token
/// authentication refuses deactivated users) until the bot is enabled again.
pub fn set_bot_active(
    c: &store::Conn,
    bot_id: &str,
    active: bool,
    now: i64,
) -> Result<(), StoreError> {
    let delete_at = if active { 0 } else { now };
    store::bots::update_delete_at(c, bot_id, delete_at, now)?;
    store::users::update_delete_at(c, bot_id, delete_at, now)?;
    if !active {
        store::sessions::delete_for_user(c, bot_id)?;
    }
    Ok(())
}

/// The user row behind a bot: `<username>@localhost`, the display name as first name,
/// `system_user`, and no password (bots cannot log in with one).
pub fn bot_user(bot: &Bot) -> User {
    User {
        id: bot.user_id.clone(),
        create_at: bot.create_at,
        update_at: bot.update_at,
        username: bot.username.clone(),
        email: bot.email(),
        first_name: bot.display_name.clone(),
        roles: "system_user".into(),
        locale: "en".into(),
        notify_props: user::default_notify_props(),
        timezone: user::default_timezone(),
        ..Default::default()
    }
}

/// Inside a write: the stored user `id` after `patch` (`User::patched`), written back when it
/// is valid and its username and e-mail address belong to no one else. Reading the row here,
/// not before the write, keeps a concurrent change to other fields.
pub fn patch_user(c: &store::Conn, id: &str, patch: UserPatch, now: i64) -> Result<User, ApiError> {
    let Some(old) = store::users::find(c, id)? else {
        return Err(ApiError::not_found(
            "app.user.missing_account.const",
            "Unable to find the user.",
        ));
    };
    let u = old
        .patched(patch, now)
        .map_err(|f| ApiError::bad_request(f.id(), f.message()))?;
    ensure_unique(c, &u.username, &u.email, &u.id)?;
    store::users::update_profile(c, &u)?;
    Ok(u)
}

/// Inside a write: fails with Mattermost's 400s when `username` or `email` belongs to an
/// account other than `except_id`.
pub fn ensure_unique(
    c: &store::Conn,
    username: &str,
    email: &str,
    except_id: &str,
) -> Result<(), ApiError> {
    if store::users::find_by_username(c, username)?.is_some_and(|u| u.id != except_id) {
        return Err(ApiError::bad_request(
            "app.user.save.username_exists.app_error",
            "An account with that username already exists.",
        ));
    }
    if store::users::find_by_email(c, email)?.is_some_and(|u| u.id != except_id) {
        return Err(ApiError::bad_request(
            "app.user.save.email_exists.app_error",
            "An account with that email already exists.",
        ));
    }
    Ok(())
}
