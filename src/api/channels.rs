//! Channels and channel membership (mattermost `api4/channel.go`).

use super::{id_param, user_id_param};
use crate::accounts;
use crate::app::Ctx;
use crate::channels;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::{check_channel_name, Channel};
use crate::model::post::NewPost;
use crate::model::session::Session;
use crate::model::{new_id, now_ms};
use crate::permissions;
use crate::store;
use crate::ws;
use serde::Deserialize;
use serde_json::{Map, Value};

pub(crate) fn channel_not_found() -> ApiError {
    ApiError::not_found(
        "app.channel.get.existing.app_error",
        "Unable to find the existing channel.",
    )
}

/// Loads a channel by path id, or 400/404.
pub(crate) fn load(ctx: &Ctx, raw: &str) -> Result<Channel, ApiError> {
    let id = id_param(raw, "channel_id")?;
    store::channels::find(ctx.db, id)?.ok_or_else(channel_not_found)
}

/// Loads a channel the caller may read (403 otherwise).
pub(crate) fn load_readable(ctx: &Ctx, s: &Session, raw: &str) -> Result<Channel, ApiError> {
    let ch = load(ctx, raw)?;
    if !permissions::can_read_channel(ctx, s, &ch)? {
        return Err(ApiError::permissions("read_channel"));
    }
    Ok(ch)
}

/// `load_readable` for callers that only check the channel (its post counters may be behind:
/// it comes from memory, `cache.rs`), such as post lists.
pub(crate) fn check_readable(
    ctx: &Ctx,
    s: &Session,
    raw: &str,
) -> Result<std::sync::Arc<Channel>, ApiError> {
    let id = id_param(raw, "channel_id")?;
    let ch = (ctx.app.cached.channel(&ctx.app.store, ctx.db, id)?).ok_or_else(channel_not_found)?;
    if !permissions::can_read_channel(ctx, s, &ch)? {
        return Err(ApiError::permissions("read_channel"));
    }
    Ok(ch)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewChannel {
    team_id: String,
    name: String,
    display_name: String,
    #[serde(rename = "type")]
    kind: String,
    purpose: String,
    header: String,
}

/// `POST /api/v4/channels`: a public (`O`) or private (`P`) channel; the creator becomes
/// `channel_user channel_admin`.
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let nc: NewChannel = req.json("channel")?;
    if nc.team_id.is_empty() {
        return Err(ApiError::invalid_body("team_id"));
    }
    if nc.display_name.trim().is_empty() {
        return Err(ApiError::invalid_body("display_name"));
    }
    let perm = match nc.kind.as_str() {
        "O" => "create_public_channel",
        "P" => "create_private_channel",
        "D" | "G" => {
            return Err(ApiError::bad_request(
                "api.channel.create_channel.direct_channel.app_error",
                "Must use createDirectChannel API service for direct message channel creation.",
            ))
        }
        _ => {
            return Err(ApiError::bad_request(
                "model.channel.is_valid.type.app_error",
                "Invalid type.",
            ))
        }
    };
    permissions::require_team(ctx.db, s, &nc.team_id, perm)?;
    if store::teams::find(ctx.db, &nc.team_id)?.is_none_or(|t| t.delete_at != 0) {
        return Err(ApiError::not_found(
            "app.team.get.find.app_error",
            "We couldn't find the existing team.",
        ));
    }
    if let Err(id) = check_channel_name(&nc.name) {
        return Err(ApiError::bad_request(id, "Invalid channel name."));
    }
    if nc.display_name.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "model.channel.is_valid.display_name.app_error",
            "Invalid display name.",
        ));
    }
    if nc.header.chars().count() > 1024 {
        return Err(ApiError::bad_request(
            "model.channel.is_valid.header.app_error",
            "Invalid header.",
        ));
    }
    if nc.purpose.chars().count() > 250 {
        return Err(ApiError::bad_request(
            "model.channel.is_valid.purpose.app_error",
            "Invalid purpose.",
        ));
    }
    let now = now_ms();
    let ch = Channel {
        id: new_id(),
        create_at: now,
        update_at: now,
        team_id: nc.team_id,
        kind: nc.kind,
        display_name: nc.display_name.trim().to_string(),
        name: nc.name,
        header: nc.header,
        purpose: nc.purpose,
        creator_id: s.user_id().to_string(),
        ..Default::default()
    };
    let c2 = ch.clone();
    let max = ctx.app.config.team.max_channels_per_team;
    ctx.app.store.write(move |c| {
        if let Some(existing) = store::channels::find_by_name(c, &c2.team_id, &c2.name)? {
            if existing.team_id == c2.team_id {
                return Err(if existing.delete_at != 0 {
                    ApiError::bad_request(
                        "store.sql_channel.save.archived_channel.app_error",
                        "A channel with that name was archived.",
                    )
                } else {
                    ApiError::bad_request(
                        "store.sql_channel.save_channel.exists.app_error",
                        "A channel with that name already exists on the same team.",
                    )
                });
            }
        }
        if max > 0 && store::channels::count_in_team(c, &c2.team_id)? >= max {
            return Err(ApiError::bad_request(
                "api.channel.create_channel.max_channel_limit.app_error",
                "Cannot create more channels in this team.",
            ));
        }
        store::channels::insert(c, &c2)?;
        accounts::join_channel(c, &c2.id, &c2.creator_id, "channel_user channel_admin")?;
        Ok(())
    })?;
    ctx.app
        .ws
        .publish(ws::events::channel_created(&ch, s.user_id()));
    Ok(Resp::created(&ch))
}

/// `POST /api/v4/channels/direct`: body `["user_id_1", "user_id_2"]`.
pub fn create_direct(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let ids: Vec<String> = req.json("user_ids")?;
    let (a, b) = match ids.as_slice() {
        [a] => (a.clone(), a.clone()),
        [a, b] => (a.clone(), b.clone()),
        _ => return Err(ApiError::invalid_body("user_ids")),
    };
    if !crate::model::is_valid_id(&a) || !crate::model::is_valid_id(&b) {
        return Err(ApiError::invalid_body("user_ids"));
    }
    if a != s.user_id() && b != s.user_id() {
        permissions::require_system(s, "manage_system")?;
    }
    permissions::require_system(s, "create_direct_channel")?;
    for id in [&a, &b] {
        if store::users::find(ctx.db, id)?.is_none() {
            return Err(ApiError::bad_request(
                "api.channel.create_direct_channel.invalid_user.app_error",
                "Invalid user ID for direct channel creation.",
            ));
        }
    }
    let before = now_ms();
    let (creator, teammate) = (a.clone(), b.clone());
    let ch = ctx
        .app
        .store
        .write(move |c| channels::ensure_direct(c, &a, &b))?;
    if ch.create_at >= before {
        let e = ws::events::direct_added(&ch.id, &creator, &teammate);
        ctx.app.ws.publish(e);
    }
    Ok(Resp::created(&ch))
}

/// `POST /api/v4/channels/group`: body `["user_id", …]`; the caller is added. A group has
/// 3–8 members; an existing group of the same people is returned.
pub fn create_group(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let mut ids: Vec<String> = req.json("user_ids")?;
    if ids.is_empty() {
        return Err(ApiError::invalid_body("user_ids"));
    }
    if ids.iter().any(|id| !crate::model::is_valid_id(id)) {
        return Err(ApiError::invalid_body("user_id"));
    }
    ids.push(s.user_id().to_string());
    ids.sort();
    ids.dedup();
    permissions::require_system(s, "create_group_channel")?;
    if ids.len() < 3 || ids.len() > 8 {
        return Err(ApiError::bad_request(
            "api.channel.create_group.bad_size.app_error",
            "Group message channels must contain at least 3 and no more than 8 users.",
        ));
    }
    let users = store::users::list_by_ids(ctx.db, &ids)?;
    if users.len() != ids.len() {
        return Err(ApiError::bad_request(
            "api.channel.create_group.bad_user.app_error",
            "One of the provided users does not exist.",
        ));
    }
    let creator = s.user_id().to_string();
    let before = now_ms();
    let ch = ctx
        .app
        .store
        .write(move |c| channels::ensure_group(c, &creator, &users))?;
    if ch.create_at >= before {
        for e in ws::events::group_added(&ch.id, &ids) {
            ctx.app.ws.publish(e);
        }
    }
    Ok(Resp::created(&ch))
}

/// `GET /api/v4/channels/{channel_id}`
pub fn get(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&load_readable(ctx, s, cid)?))
}

fn by_name(ctx: &Ctx, s: &Session, req: &Req, team_id: &str, name: &str) -> Result<Resp, ApiError> {
    let missing = || {
        ApiError::not_found(
            "app.channel.get_by_name.missing.app_error",
            "Channel does not exist.",
        )
    };
    let ch = store::channels::find_by_name(ctx.db, team_id, name)?.ok_or_else(missing)?;
    if ch.delete_at != 0 && !req.query_bool("include_deleted") {
        return Err(missing());
    }
    let member = store::channels::find_member(ctx.db, &ch.id, s.user_id())?.is_some();
    if member || permissions::has_system(s, "manage_system") {
        return Ok(Resp::ok(&ch));
    }
    if ch.kind == "O" {
        permissions::require_team(ctx.db, s, team_id, "read_public_channel")?;
        return Ok(Resp::ok(&ch));
    }
    if ch.kind == "P" && permissions::has_team(ctx.db, s, team_id, "manage_team")? {
        return Ok(Resp::ok(&ch));
    }
    // Private channels and DMs of others: existence is hidden.
    Err(missing())
}

/// `GET /api/v4/teams/{team_id}/channels/name/{channel_name}`
pub fn get_by_name(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    tid: &str,
    name: &str,
) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    by_name(ctx, s, req, tid, name)
}

/// `GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}`
pub fn get_by_team_name(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    tname: &str,
    name: &str,
) -> Result<Resp, ApiError> {
    let team = store::teams::find_by_name(ctx.db, tname)?.ok_or_else(|| {
        ApiError::not_found(
            "app.team.get_by_name.missing.app_error",
            "Unable to find the existing team.",
        )
    })?;
    by_name(ctx, s, req, &team.id, name)
}

/// `GET /api/v4/teams/{team_id}/channels`: the team's public channels.
pub fn list_public(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "list_team_channels")?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::channels::list_public(
        ctx.db, tid, page, per_page,
    )?))
}

/// `GET /api/v4/users/{user_id}/teams/{team_id}/channels?include_deleted`: the user's channels
/// in a team (the archived ones they are still in when asked, as the web app always does).
pub fn list_for_member(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    uid: &str,
    tid: &str,
) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    let tid = id_param(tid, "team_id")?;
    if uid != s.user_id() && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::permissions("manage_system"));
    }
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    Ok(Resp::ok(&store::channels::list_for_member(
        ctx.db,
        uid,
        tid,
        req.query_bool("include_deleted"),
    )?))
}

/// `GET /api/v4/channels/{channel_id}/members`
pub fn list_members(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    let ch = load_readable(ctx, s, cid)?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::channels::list_members(
        ctx.db, &ch.id, page, per_page,
    )?))
}

/// `GET /api/v4/channels/{channel_id}/members/{user_id}`
pub fn get_member(ctx: &Ctx, s: &Session, cid: &str, uid: &str) -> Result<Resp, ApiError> {
    let ch = load_readable(ctx, s, cid)?;
    let uid = user_id_param(s, uid)?;
    let m = store::channels::find_member(ctx.db, &ch.id, uid)?.ok_or_else(|| {
        ApiError::not_found(
            "app.channel.get_member.missing.app_error",
            "No channel member found for that user ID and channel ID.",
        )
    })?;
    Ok(Resp::ok(&m))
}

/// `POST /api/v4/channels/{channel_id}/members`: body `{"user_id"}` or `{"user_ids": […]}`.
/// Joining a public channel is this call with your own id.
pub fn add_member(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    let ch = load(ctx, cid)?;
    let body: Map<String, Value> = req.json("channel_member")?;
    let single = body
        .get("user_id")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    let ids: Vec<String> = match (single, body.get("user_ids")) {
        (Some(u), _) => vec![u.to_string()],
        (None, Some(Value::Array(a))) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => return Err(ApiError::invalid_body("user_id")),
    };
    if ids.is_empty() || ids.iter().any(|i| !crate::model::is_valid_id(i)) {
        return Err(ApiError::invalid_body("user_id"));
    }
    for uid in &ids {
        channels::check_can_add(ctx.db, s, &ch, uid)?;
    }
    let chid = ch.id.clone();
    let members = ctx.app.store.write(move |c| {
        ids.iter()
            .map(|u| accounts::join_channel(c, &chid, u, "channel_user"))
            .collect::<Result<Vec<_>, _>>()
    })?;
    for m in &members {
        for e in ws::events::user_added(&ch, &m.user_id) {
            ctx.app.ws.publish(e);
        }
    }
    if single.is_some() {
        if let Some(m) = members.first() {
            return Ok(Resp::created(m));
        }
    }
    Ok(Resp::created(&members))
}

/// `DELETE /api/v4/channels/{channel_id}/members/{user_id}`: leave or remove.
pub fn remove_member(ctx: &Ctx, s: &Session, cid: &str, uid: &str) -> Result<Resp, ApiError> {
    let ch = load(ctx, cid)?;
    let uid = user_id_param(s, uid)?.to_string();
    if ch.name == "town-square" && !ch.team_id.is_empty() {
        return Err(ApiError::bad_request(
            "api.channel.remove.default.app_error",
            "Unable to remove user from the default channel.",
        ));
    }
    if ch.is_direct() {
        return Err(ApiError::bad_request(
            "api.channel.remove_user_from_channel.direct.app_error",
            "Can not remove user from a direct channel.",
        ));
    }
    if uid != s.user_id() {
        let perm = if ch.kind == "O" {
            "manage_public_channel_members"
        } else {
            "manage_private_channel_members"
        };
        permissions::require_channel(ctx.db, s, &ch, perm)?;
    }
    let (chid, removed) = (ch.id.clone(), uid.clone());
    let n = ctx
        .app
        .store
        .write(move |c| store::channels::delete_member(c, &chid, &uid))?;
    if n == 0 {
        return Err(ApiError::not_found(
            "app.channel.get_member.missing.app_error",
            "No channel member found.",
        ));
    }
    for e in ws::events::user_removed(&ch.id, &removed, s.user_id()) {
        ctx.app.ws.publish(e);
    }
    Ok(Resp::status_ok())
}

/// `PUT /api/v4/channels/{channel_id}/members/{user_id}/roles`: body `{"roles": "…"}`;
/// needs `manage_channel_roles` (channel, team and system admins).
pub fn update_member_roles(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    cid: &str,
    uid: &str,
) -> Result<Resp, ApiError> {
    let ch = load(ctx, cid)?;
    let uid = user_id_param(s, uid)?.to_string();
    let body: Map<String, Value> = req.json("channel_member_roles")?;
    let roles = body
        .get("roles")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_body("channel_member_roles"))?;
    if !permissions::is_valid_role_list(roles) {
        return Err(ApiError::invalid_body("channel_member_roles"));
    }
    permissions::require_channel(ctx.db, s, &ch, "manage_channel_roles")?;
    let missing = || {
        ApiError::not_found(
            "app.channel.get_member.missing.app_error",
            "No channel member found.",
        )
    };
    if store::channels::find_member(ctx.db, &ch.id, &uid)?.is_none() {
        return Err(missing());
    }
    let names: Vec<&str> = roles.split_whitespace().collect();
    permissions::check_member_roles("channel", &names)?;
    let roles = names.join(" ");
    let chid = ch.id.clone();
    let member = ctx.app.store.write(move |c| {
        let Some(mut m) = store::channels::find_member(c, &chid, &uid)? else {
            return Err(missing());
        };
        m.roles = roles;
        m.last_update_at = now_ms();
        store::channels::upsert_member(c, &m)?;
        Ok(m)
    })?;
    ctx.app
        .ws
        .publish(ws::events::channel_member_updated(&member));
    Ok(Resp::status_ok())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelPatch {
    display_name: Option<String>,
    name: Option<String>,
    header: Option<String>,
    purpose: Option<String>,
}

/// `PUT /api/v4/channels/{channel_id}/patch`: the given fields change; a changed display
/// name, header or purpose is told in the channel by the caller's system message, as
/// Mattermost's (`system_displayname_change`, `system_header_change`, `system_purpose_change`,
/// with the old and new values in `props`), written with the change (none in an archived
/// channel, which takes no posts).
pub fn patch(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    let mut ch = load(ctx, cid)?;
    let before = ch.clone();
    let p: ChannelPatch = req.json("channel")?;
    let perm = if ch.kind == "P" {
        "manage_private_channel_properties"
    } else {
        "manage_public_channel_properties"
    };
    if ch.is_direct() {
        if store::channels::find_member(ctx.db, &ch.id, s.user_id())?.is_none() {
            return Err(ApiError::permissions(perm));
        }
    } else {
        permissions::require_channel(ctx.db, s, &ch, perm)?;
    }
    if let Some(v) = p.display_name {
        if v.trim().is_empty() || v.chars().count() > 64 {
            return Err(ApiError::bad_request(
                "model.channel.is_valid.display_name.app_error",
                "Invalid display name.",
            ));
        }
        ch.display_name = v;
    }
    if let Some(v) = p.name {
        if let Err(id) = check_channel_name(&v) {
            return Err(ApiError::bad_request(id, "Invalid channel name."));
        }
        ch.name = v;
    }
    if let Some(v) = p.header {
        if v.chars().count() > 1024 {
            return Err(ApiError::bad_request(
                "model.channel.is_valid.header.app_error",
                "Invalid header.",
            ));
        }
        ch.header = v;
    }
    if let Some(v) = p.purpose {
        if v.chars().count() > 250 {
            return Err(ApiError::bad_request(
                "model.channel.is_valid.purpose.app_error",
                "Invalid purpose.",
            ));
        }
        ch.purpose = v;
    }
    ch.update_at = now_ms();
    let c2 = ch.clone();
    let update = move |c: &store::Conn| {
        store::channels::update(c, &c2).map_err(|e| {
            if e.is_conflict() {
                ApiError::bad_request(
                    "store.sql_channel.update.exists.app_error",
                    "A channel with that name already exists.",
                )
            } else {
                ApiError::from(e)
            }
        })?;
        Ok(())
    };
    let notes = if ch.delete_at == 0 {
        change_notes(s, &before, &ch)
    } else {
        Vec::new()
    };
    let written = if notes.is_empty() {
        ctx.app.store.write(update)?;
        Vec::new()
    } else {
        crate::posting::create_all_with(ctx.app, ctx.db, &ch, notes, update)?
    };
    ctx.app.ws.publish(ws::events::channel_updated(&ch));
    for w in written {
        w.fan_out(ctx.app);
    }
    Ok(Resp::ok(&ch))
}

/// The system messages Mattermost posts for a patch: one per changed display name, header
/// and purpose, by the caller, with the old and new values in `props`.
fn change_notes(s: &Session, old: &Channel, new: &Channel) -> Vec<NewPost> {
    let who = s.user.username.as_str();
    let changes = [
        (
            "system_displayname_change",
            "displayname",
            "display name",
            &old.display_name,
            &new.display_name,
        ),
        (
            "system_header_change",
            "header",
            "header",
            &old.header,
            &new.header,
        ),
        (
            "system_purpose_change",
            "purpose",
            "purpose",
            &old.purpose,
            &new.purpose,
        ),
    ];
    let mut notes = Vec::new();
    for (kind, prop, what, was, now) in changes {
        if was == now {
            continue;
        }
        let message = if was.is_empty() {
            format!("{who} updated the channel {what} to: {now}")
        } else if now.is_empty() {
            format!("{who} removed the channel {what} (was: {was})")
        } else {
            format!("{who} updated the channel {what} from: {was} to: {now}")
        };
        let mut note = system_note(s, &new.id, kind, message);
        note.props
            .insert(format!("old_{prop}"), Value::from(was.as_str()));
        note.props
            .insert(format!("new_{prop}"), Value::from(now.as_str()));
        notes.push(note);
    }
    notes
}

/// A system message the caller's change writes in a channel (Mattermost's channel notes:
/// archived, unarchived, renamed, privacy changed), with the caller's `username` in its props.
pub(super) fn system_note(s: &Session, channel_id: &str, kind: &str, message: String) -> NewPost {
    let mut props = Map::new();
    props.insert("username".into(), Value::from(s.user.username.clone()));
    NewPost {
        channel_id: channel_id.to_string(),
        user_id: s.user_id().to_string(),
        author_is_bot: s.user.is_bot(),
        message,
        kind: kind.into(),
        props,
        ..Default::default()
    }
}

/// `DELETE /api/v4/channels/{channel_id}`: archive. The channel's webhooks are deleted; the
/// caller's `system_channel_deleted` note is its last post.
pub fn delete(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    let ch = load(ctx, cid)?;
    if ch.is_direct() {
        return Err(ApiError::bad_request(
            "api.channel.delete_channel.type.invalid",
            "Direct and group channels cannot be archived.",
        ));
    }
    if ch.name == "town-square" {
        return Err(ApiError::bad_request(
            "api.channel.delete_channel.cannot.app_error",
            "Unable to delete the default channel.",
        ));
    }
    if ch.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.channel.delete_channel.deleted.app_error",
            "The channel has been archived or deleted.",
        ));
    }
    let perm = if ch.kind == "P" {
        "delete_private_channel"
    } else {
        "delete_public_channel"
    };
    permissions::require_channel(ctx.db, s, &ch, perm)?;
    let (chid, at) = (ch.id.clone(), now_ms());
    // Mattermost's "… archived the channel." note goes in first, by the caller.
    let note = system_note(
        s,
        &ch.id,
        "system_channel_deleted",
        format!("{} archived the channel.", s.user.username),
    );
    let written = crate::posting::create_with(ctx.app, ctx.db, &ch, note, move |c| {
        // Archived meanwhile by another request: no second note.
        if store::channels::find(c, &chid)?.is_none_or(|x| x.delete_at != 0) {
            return Err(ApiError::bad_request(
                "api.channel.delete_channel.deleted.app_error",
                "The channel has been archived or deleted.",
            ));
        }
        store::channels::update_delete_at(c, &chid, at)?;
        on_archive(c, &chid)
    })?;
    ctx.app.incoming_hooks.forget_channel(&ch.id);
    written.fan_out(ctx.app);
    ctx.app.ws.publish(ws::events::channel_deleted(&ch, at));
    Ok(Resp::status_ok())
}

/// What else goes when a channel is archived (inside the same write): its webhooks.
fn on_archive(c: &store::Conn, channel_id: &str) -> Result<(), ApiError> {
    store::outgoing_hooks::delete_for_channel(c, channel_id, now_ms())?;
    store::incoming_hooks::delete_for_channel(c, channel_id, now_ms())?;
    Ok(())
}
