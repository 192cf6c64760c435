//! Channel rules shared by the API, slash commands and webhooks: the direct and group
//! channels found or created inside a write, and who may add a user to a channel.

use crate::accounts;
use crate::error::ApiError;
use crate::model::channel::{direct_channel_name, Channel};
use crate::model::new_id;
use crate::model::now_ms;
use crate::model::session::Session;
use crate::permissions;
use crate::store::{self, Conn};

/// Finds or creates the direct channel between two users (inside a write).
pub fn ensure_direct(c: &Conn, a: &str, b: &str) -> Result<Channel, ApiError> {
    let name = direct_channel_name(a, b);
    if let Some(ch) = store::channels::find_by_name(c, "", &name)? {
        if ch.team_id.is_empty() {
            return Ok(ch);
        }
    }
    let now = now_ms();
    let ch = Channel {
        id: new_id(),
        create_at: now,
        update_at: now,
        kind: "D".into(),
        name,
        creator_id: a.to_string(),
        ..Default::default()
    };
    store::channels::insert(c, &ch)?;
    accounts::join_channel(c, &ch.id, a, "channel_user")?;
    if a != b {
        accounts::join_channel(c, &ch.id, b, "channel_user")?;
    }
    Ok(ch)
}

/// The name of a group channel: a digest of its sorted member ids. Mattermost uses the SHA-1
/// hex of the concatenated ids; we use the first 40 hex digits of SHA-256 (same shape, and no
/// client computes it).
pub fn group_channel_name(sorted_ids: &[String]) -> String {
    let mut name = crate::auth::digest(&sorted_ids.concat());
    name.truncate(40);
    name
}

/// Finds or creates the group channel of exactly these users (inside a write).
pub fn ensure_group(
    c: &Conn,
    creator_id: &str,
    users: &[crate::model::user::User],
) -> Result<Channel, ApiError> {
    let mut ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids.dedup();
    let name = group_channel_name(&ids);
    if let Some(ch) = store::channels::find_by_name(c, "", &name)? {
        if ch.team_id.is_empty() {
            return Ok(ch);
        }
    }
    let mut names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let now = now_ms();
    let ch = Channel {
        id: new_id(),
        create_at: now,
        update_at: now,
        kind: "G".into(),
        name,
        display_name: names.join(", "),
        creator_id: creator_id.to_string(),
        ..Default::default()
    };
    store::channels::insert(c, &ch)?;
    for id in &ids {
        accounts::join_channel(c, &ch.id, id, "channel_user")?;
    }
    Ok(ch)
}

/// Checks that the caller may add `uid` to `ch` (join or invite).
pub fn check_can_add(db: &Conn, s: &Session, ch: &Channel, uid: &str) -> Result<(), ApiError> {
    if ch.is_direct() {
        return Err(ApiError::bad_request(
            "api.channel.add_user_to_channel.type.app_error",
            "Can not add user to this channel type.",
        ));
    }
    // Someone already in an archived channel is answered with their membership, as in
    // Mattermost (the web app "joins" an archived channel it opens from the browse list).
    if ch.delete_at != 0 && store::channels::find_member(db, &ch.id, uid)?.is_none() {
        return Err(ApiError::bad_request(
            "api.channel.add_user.to.channel.failed.deleted.app_error",
            "The channel has been archived or deleted.",
        ));
    }
    if ch.kind == "O" {
        if uid == s.user_id() {
            if !permissions::has_team(db, s, &ch.team_id, "join_public_channels")?
                && !permissions::has_channel(db, s, ch, "manage_public_channel_members")?
            {
                return Err(ApiError::permissions("join_public_channels"));
            }
        } else {
            permissions::require_channel(db, s, ch, "manage_public_channel_members")?;
        }
    } else {
        permissions::require_channel(db, s, ch, "manage_private_channel_members")?;
    }
    if store::teams::find_member(db, &ch.team_id, uid)?.is_none() {
        return Err(ApiError::not_found(
            "app.team.get_member.missing.app_error",
            "No team member found for that user ID and team ID.",
        ));
    }
    Ok(())
}
