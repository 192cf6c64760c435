//! Emoji reactions (mattermost `api4/reaction.go`): add, list, remove, bulk list; each change
//! is announced on the WebSocket (`reaction_added` / `reaction_removed`) after it committed.
//! Posts carry their reactions in `metadata.reactions` (`attach`).

use super::{id_param, user_id_param};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::post::Post;
use crate::model::session::Session;
use crate::model::{is_valid_id, now_ms};
use crate::permissions;
use crate::store::{self, reactions::Reaction};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Mattermost's `EmojiNameMaxLength`.
const MAX_EMOJI_NAME: usize = 64;

fn valid_emoji_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_EMOJI_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'_'))
}

/// The live post and its channel, if the caller holds `perm` there; a missing post is the
/// same permission error (Mattermost checks the permission through the post).
fn post_with_permission(
    ctx: &Ctx,
    s: &Session,
    post_id: &str,
    perm: &str,
) -> Result<(Post, Channel), ApiError> {
    let found = store::posts::find(ctx.db, post_id)?.filter(|p| p.delete_at == 0);
    let Some(post) = found else {
        return Err(ApiError::permissions(perm));
    };
    let Some(channel) = store::channels::find(ctx.db, &post.channel_id)? else {
        return Err(ApiError::permissions(perm));
    };
    permissions::require_channel(ctx.db, s, &channel, perm)?;
    Ok((post, channel))
}

#[derive(Deserialize)]
struct NewReaction {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    post_id: String,
    #[serde(default)]
    emoji_name: String,
}

/// `POST /api/v4/reactions` `{user_id, post_id, emoji_name}`: 200 + the reaction.
pub fn save(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let r: NewReaction = req
        .json("reaction")
        .map_err(|_| ApiError::invalid_param("reaction"))?;
    if !is_valid_id(&r.user_id)
        || !is_valid_id(&r.post_id)
        || r.emoji_name.is_empty()
        || r.emoji_name.len() > MAX_EMOJI_NAME
    {
        return Err(ApiError::bad_request(
            "api.reaction.save_reaction.invalid.app_error",
            "Reaction is not valid.",
        ));
    }
    if r.user_id != s.user_id() {
        return Err(ApiError::forbidden(
            "api.reaction.save_reaction.user_id.app_error",
            "You cannot save reaction for the other user.",
        ));
    }
    let (post, channel) = post_with_permission(ctx, s, &r.post_id, "add_reaction")?;
    if !valid_emoji_name(&r.emoji_name) {
        return Err(ApiError::bad_request(
            "model.reaction.is_valid.emoji_name.app_error",
            "Invalid emoji name.",
        ));
    }
    if channel.delete_at != 0 {
        return Err(ApiError::forbidden(
            "api.reaction.save.archived_channel.app_error",
            "You cannot react to posts in an archived channel.",
        ));
    }
    let now = now_ms();
    let reaction = Reaction {
        user_id: r.user_id,
        post_id: post.id,
        emoji_name: r.emoji_name,
        create_at: now,
        update_at: now,
        delete_at: 0,
        remote_id: String::new(),
        channel_id: channel.id.clone(),
    };
    let (saved, added) = ctx
        .app
        .store
        .write(move |c| store::reactions::insert(c, &reaction))?;
    if added {
        publish(ctx, "reaction_added", &saved);
    }
    Ok(Resp::ok(&saved))
}

fn publish(ctx: &Ctx, name: &'static str, r: &Reaction) {
    let v = serde_json::to_value(r).unwrap_or(Value::Null);
    ctx.app
        .ws
        .publish(crate::ws::events::reaction(name, &v, &r.channel_id));
}

/// `GET /api/v4/posts/{post_id}/reactions`
pub fn list(ctx: &Ctx, s: &Session, pid: &str) -> Result<Resp, ApiError> {
    let pid = id_param(pid, "post_id")?;
    let (post, _) = post_with_permission(ctx, s, pid, "read_channel_content")?;
    Ok(Resp::ok(&store::reactions::for_post(ctx.db, &post.id)?))
}

/// `DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}`
pub fn delete(ctx: &Ctx, s: &Session, uid: &str, pid: &str, emoji: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?.to_string();
    let pid = id_param(pid, "post_id")?;
    if !valid_emoji_name(emoji) {
        return Err(ApiError::invalid_url_param("emoji_name"));
    }
    let (post, channel) = post_with_permission(ctx, s, pid, "remove_reaction")?;
    if uid != s.user_id() {
        permissions::require_system(s, "remove_others_reactions")?;
    }
    if channel.delete_at != 0 {
        return Err(ApiError::forbidden(
            "api.reaction.delete.archived_channel.app_error",
            "You cannot remove a reaction in an archived channel.",
        ));
    }
    let emoji = emoji.to_string();
    let removed = ctx
        .app
        .store
        .write(move |c| store::reactions::delete(c, &post.id, &uid, &emoji))?;
    if let Some(r) = removed {
        publish(ctx, "reaction_removed", &r);
    }
    Ok(Resp::status_ok())
}

/// `POST /api/v4/posts/ids/reactions` `["post_id", …]`: `{post_id: [reaction, …]}`, every
/// asked post present.
pub fn list_bulk(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let ids: Vec<String> = serde_json::from_slice(&req.body).map_err(|e| {
        ApiError::bad_request("api.payload.parse.error", "Could not parse the payload.")
            .with_detail(e.to_string())
    })?;
    if ids.len() > 1000 {
        return Err(ApiError::invalid_body("post_ids"));
    }
    let mut out: BTreeMap<String, Vec<Reaction>> = BTreeMap::new();
    for id in ids {
        if !is_valid_id(&id) {
            return Err(ApiError::permissions("read_channel_content"));
        }
        post_with_permission(ctx, s, &id, "read_channel_content")?;
        let list = store::reactions::for_post(ctx.db, &id)?;
        out.insert(id, list);
    }
    Ok(Resp::ok(&out))
}

/// Puts each post's reactions into its `metadata.reactions` (posts without any are left
/// alone).
pub fn attach(ctx: &Ctx, posts: &mut [Post]) -> Result<(), ApiError> {
    for p in posts {
        let list = store::reactions::for_post(ctx.db, &p.id)?;
        if !list.is_empty() {
            let v = serde_json::to_value(&list).map_err(ApiError::internal)?;
            p.metadata.insert("reactions".into(), v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::valid_emoji_name;

    #[test]
    fn emoji_names() {
        assert!(valid_emoji_name("+1"));
        assert!(valid_emoji_name("white_check_mark"));
        assert!(!valid_emoji_name(""));
        assert!(!valid_emoji_name("a b"));
        assert!(!valid_emoji_name(&"x".repeat(65)));
    }
}
