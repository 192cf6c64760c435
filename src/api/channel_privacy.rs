//! A channel's privacy (mattermost `api4/channel.go`: `convertChannelToPrivate`,
//! `updateChannelPrivacy`): public to private and back, with the permission for the
//! direction, `town-square` kept public, the system message in the channel written with the
//! change, and `channel_updated` to the channel's members, `posted`, then `channel_converted`
//! to its team after the commit.

use super::channels::load;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::now_ms;
use crate::model::session::Session;
use crate::permissions;
use crate::posting;
use crate::store;
use crate::ws;
use serde_json::{Map, Value};

/// `POST /api/v4/channels/{channel_id}/convert`: the older route, public to private only.
pub fn convert(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    let ch = load(ctx, cid)?;
    permissions::require_channel(ctx.db, s, &ch, "convert_public_channel_to_private")?;
    if ch.kind == "P" {
        return Err(ApiError::bad_request(
            "api.channel.convert_channel_to_private.private_channel_error",
            "The channel requested to convert is already a private channel.",
        ));
    }
    if ch.name == "town-square" {
        return Err(ApiError::bad_request(
            "api.channel.convert_channel_to_private.default_channel_error",
            "This default channel cannot be converted into a private channel.",
        ));
    }
    set(ctx, s, ch, "P")
}

/// `PUT /api/v4/channels/{channel_id}/privacy`, body `{"privacy": "O"|"P"}`: needs
/// `convert_public_channel_to_private` to make it private, `convert_private_channel_to_public`
/// to make it public.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    super::id_param(cid, "channel_id")?;
    let body: Map<String, Value> = req.json("privacy").unwrap_or_default();
    let kind = match body.get("privacy").and_then(Value::as_str) {
        Some(k @ ("O" | "P")) => k,
        _ => return Err(ApiError::invalid_body("privacy")),
    };
    let ch = load(ctx, cid)?;
    let perm = if kind == "O" {
        "convert_private_channel_to_public"
    } else {
        "convert_public_channel_to_private"
    };
    permissions::require_channel(ctx.db, s, &ch, perm)?;
    if ch.name == "town-square" && kind == "P" {
        return Err(ApiError::bad_request(
            "api.channel.update_channel_privacy.default_channel_error",
            "The default channel cannot be made private.",
        ));
    }
    set(ctx, s, ch, kind)
}

/// Writes the new type together with the system message Mattermost posts about it (by the
/// caller, `system_change_chan_privacy`), then announces both. Direct and group channels have
/// no privacy to change; an archived channel takes no post, so it is refused.
fn set(ctx: &Ctx, s: &Session, mut ch: Channel, kind: &str) -> Result<Resp, ApiError> {
    if ch.is_direct() {
        return Err(ApiError::bad_request(
            "api.channel.update_channel.typechange.app_error",
            "The type of a direct or group channel cannot be changed.",
        ));
    }
    if ch.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.channel.update_channel.deleted.app_error",
            "The channel has been archived or deleted.",
        ));
    }
    ch.kind = kind.to_string();
    ch.update_at = now_ms();
    let message = if kind == "P" {
        "This channel has been converted to a Private Channel."
    } else {
        "This channel has been converted to a Public Channel and can be joined by any team member."
    };
    let post =
        super::channels::system_note(s, &ch.id, "system_change_chan_privacy", message.into());
    let (id, k, at) = (ch.id.clone(), ch.kind.clone(), ch.update_at);
    let written = posting::create_with(ctx.app, ctx.db, &ch, post, move |c| {
        store::channels::update_type(c, &id, &k, at)?;
        Ok(())
    })?;
    ctx.app.ws.publish(ws::events::channel_updated(&ch));
    written.fan_out(ctx.app);
    ctx.app.ws.publish(ws::events::channel_converted(&ch));
    Ok(Resp::ok(&ch))
}
