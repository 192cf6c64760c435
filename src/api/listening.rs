//! The REST calls bots and clients that listen on the WebSocket make beside it (mattermost
//! `api4/post.go`, `user.go`, `status.go`, `channel.go`): ephemeral posts, users by
//! username, statuses by id, marking a channel viewed, a user's channel memberships in a
//! team, and a channel's member count.

use super::channels::{channel_not_found, load_readable};
use super::{id_param, user_id_param};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::post::Post;
use crate::model::session::Session;
use crate::model::{is_valid_id, new_id, now_ms};
use crate::permissions;
use crate::store;
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
struct EphemeralBody {
    #[serde(default)]
    user_id: String,
    post: Option<EphemeralPost>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EphemeralPost {
    channel_id: String,
    message: String,
    root_id: String,
    props: Map<String, Value>,
}

/// `POST /api/v4/posts/ephemeral` `{user_id, post}`: a post only `user_id` sees, sent over
/// the WebSocket and never stored. 201 + the post.
pub fn create_ephemeral(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let body: EphemeralBody = req
        .json("body")
        .map_err(|_| ApiError::invalid_param("body"))?;
    if body.user_id.is_empty() {
        return Err(ApiError::invalid_param("user_id"));
    }
    let Some(p) = body.post else {
        return Err(ApiError::invalid_param("post"));
    };
    permissions::require_system(s, "create_post_ephemeral")?;
    if !is_valid_id(&body.user_id) || !is_valid_id(&p.channel_id) {
        return Err(ApiError::invalid_param("post"));
    }
    let now = now_ms();
    let mut post = Post {
        id: new_id(),
        create_at: now,
        update_at: now,
        user_id: s.user_id().to_string(),
        channel_id: p.channel_id,
        root_id: p.root_id,
        message: p.message,
        kind: "system_ephemeral".into(),
        props: p.props,
        ..Default::default()
    };
    // Its actions get ids and sealed cookies (the post is not stored to look them up later).
    let source = crate::model::action::Source::User(s.user_id().to_string());
    ctx.app.interactive.prepare_ephemeral(&mut post, &source);
    ctx.app
        .ws
        .publish(crate::ws::events::ephemeral(&post, &body.user_id));
    Ok(Resp::created(&post))
}

/// `POST /api/v4/users/usernames` `["name", …]`: the users found (unknown names left out).
pub fn users_by_usernames(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let names: Vec<String> = req.json("usernames")?;
    if names.is_empty() || names.len() > 1000 {
        return Err(ApiError::invalid_body("usernames"));
    }
    let mut out = Vec::new();
    for name in &names {
        let name = name.trim_start_matches('@').to_lowercase();
        if let Some(u) = store::users::find_by_username(ctx.db, &name)? {
            if !out.iter().any(|v: &Value| v["id"] == u.id.as_str()) {
                out.push(u.to_json(super::users::viewer(ctx, s, &u)));
            }
        }
    }
    Ok(Resp::ok(&out))
}

/// `POST /api/v4/users/status/ids` `["user_id", …]`: a status for every id (`offline` when
/// none is known).
pub fn statuses_by_ids(ctx: &Ctx, _s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let ids: Vec<String> = req.json("user_ids")?;
    if ids.is_empty() || ids.len() > 1000 || ids.iter().any(|i| !is_valid_id(i)) {
        return Err(ApiError::invalid_body("user_ids"));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        out.push(super::status::status_json(
            store::status::find(ctx.db, id)?,
            id,
        ));
    }
    Ok(Resp::ok(&out))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ViewBody {
    channel_id: String,
    prev_channel_id: String,
}

/// `POST /api/v4/channels/members/me/view` `{channel_id, prev_channel_id}`: marks the
/// channel read for the caller; `last_viewed_at_times` says when. A channel the caller is not
/// a member of is passed over, as Mattermost does (the web app views a channel it has just
/// left).
pub fn view_channel(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let body: ViewBody = req.json("channel_view")?;
    let now = now_ms();
    let mut times = Map::new();
    for id in [&body.channel_id, &body.prev_channel_id] {
        if id.is_empty() {
            continue;
        }
        if !is_valid_id(id) {
            return Err(ApiError::invalid_body("channel_view"));
        }
        if store::channels::find_member(ctx.db, id, s.user_id())?.is_some() {
            times.insert(id.clone(), now.into());
        }
    }
    let (uid, ids) = (
        s.user_id().to_string(),
        times.keys().cloned().collect::<Vec<_>>(),
    );
    let marked = ids.clone();
    ctx.app.store.write(move |c| {
        marked
            .iter()
            .try_for_each(|id| store::channels::mark_viewed(c, id, &uid, now))
    })?;
    if times.contains_key(&body.channel_id) {
        let e = crate::ws::events::channel_viewed(s.user_id(), &body.channel_id);
        ctx.app.ws.publish(e);
    }
    Ok(Resp::ok(
        &json!({"status": "OK", "last_viewed_at_times": times}),
    ))
}

/// `GET /api/v4/users/{user_id}/teams/{team_id}/channels/members`: the user's channel
/// memberships in a team (their own, or any user's for `manage_system`).
pub fn channel_members_for_user(
    ctx: &Ctx,
    s: &Session,
    uid: &str,
    tid: &str,
) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    let tid = id_param(tid, "team_id")?;
    if uid != s.user_id() {
        permissions::require_system(s, "manage_system")?;
    }
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    let mut out = Vec::new();
    for ch in store::channels::list_for_member(ctx.db, uid, tid, true)? {
        if let Some(m) = store::channels::find_member(ctx.db, &ch.id, uid)? {
            out.push(m);
        }
    }
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/channels/{channel_id}/stats`: member count (no guests, pins or files are
/// counted separately in Perch: zero).
pub fn channel_stats(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    let ch = load_readable(ctx, s, cid).map_err(|e| {
        if e.status == 404 {
            channel_not_found()
        } else {
            e
        }
    })?;
    let members = store::audience::channel_members(ctx.db, &ch.id)?.len();
    Ok(Resp::ok(&json!({
        "channel_id": ch.id,
        "member_count": members,
        "guest_count": 0,
        "pinnedpost_count": store::posts::count_pinned(ctx.db, &ch.id)?,
        "files_count": 0,
    })))
}
