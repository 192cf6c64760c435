//! The posts people mark (mattermost `api4/channel.go` getPinnedPosts, `api4/post.go`
//! getFlaggedPostsForUser): a channel's pinned posts, and the posts a user saved. A save is
//! the user's preference `flagged_post`/<post id> (written through the preferences routes).
//! Pinning itself is `posts::set_pinned`. And "Mark as Unread" (`api4/post.go` setPostUnread).

use super::channels::check_readable;
use super::posts::{post_list, with_files};
use super::user_id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::permissions;
use crate::store;
use crate::store::posts::SavedIn;

/// `GET /api/v4/channels/{channel_id}/pinned`: the channel's pinned live posts as a PostList,
/// oldest first as Mattermost orders them (the web app reverses the order to draw the newest
/// on top), with reactions and files in their metadata.
pub fn list_pinned(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    let ch = check_readable(ctx, s, cid)?;
    let mut posts = store::posts::list_pinned(ctx.db, &ch.id)?;
    super::reactions::attach(ctx, &mut posts)?;
    with_files(ctx, &mut posts)?;
    Ok(post_list(posts, Vec::new()))
}

/// `GET /api/v4/users/{user_id}/posts/flagged?channel_id=&team_id=&page=&per_page=`: the
/// posts the user saved, newest first, a page at a time; only live posts in channels the user
/// is still a member of (and may read), of one channel, of one team (with the user's direct
/// and group messages), or everywhere. Another user's saves need `edit_other_users`.
pub fn list_saved(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if uid != s.user_id() && !permissions::has_system(s, "edit_other_users") {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let param = |name| req.query(name).filter(|v| !v.is_empty());
    let scope = match (param("channel_id"), param("team_id")) {
        (Some(ch), _) => SavedIn::Channel(ch),
        (None, Some(team)) => SavedIn::Team(team),
        (None, None) => SavedIn::All,
    };
    let (page, per_page) = req.paging();
    let saved = store::posts::list_saved(ctx.db, uid, scope, page * per_page, per_page)?;
    // Membership was checked in the query; reading is the caller's right, as in Mattermost
    // (an admin reading another user's saves sees what the admin may read).
    let mut posts = Vec::with_capacity(saved.len());
    for p in saved {
        let readable = match ctx
            .app
            .cached
            .channel(&ctx.app.store, ctx.db, &p.channel_id)?
        {
            Some(ch) => permissions::can_read_channel(ctx, s, &ch)?,
            None => false,
        };
        if readable {
            posts.push(p);
        }
    }
    super::reactions::attach(ctx, &mut posts)?;
    with_files(ctx, &mut posts)?;
    Ok(post_list(posts, Vec::new()))
}

/// `POST /api/v4/users/{user_id}/posts/{post_id}/set_unread`: the channel is unread for the
/// user from this post on (seen up to just before it; its mentions counted again), answered
/// with Mattermost's ChannelUnreadAt and told to the user's other sessions by `post_unread`.
pub fn set_unread(ctx: &Ctx, s: &Session, uid: &str, pid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if uid != s.user_id() && !permissions::can_manage_user(ctx.db, s, uid)? {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let pid = super::id_param(pid, "post_id")?;
    let post = store::posts::find(ctx.db, pid)?
        .filter(|p| p.delete_at == 0)
        .ok_or_else(|| ApiError::not_found("app.post.get.app_error", "Unable to get the post."))?;
    let ch = check_readable(ctx, s, &post.channel_id)?;
    let user =
        store::users::find(ctx.db, uid)?.ok_or_else(|| ApiError::invalid_url_param("user_id"))?;
    let (cid, at, user_id) = (ch.id.clone(), post.create_at, uid.to_string());
    let counts = ctx
        .app
        .store
        .write(move |c| store::channels::mark_unread_from(c, &cid, &user_id, &user.username, at))?;
    let Some(u) = counts else {
        return Err(ApiError::bad_request(
            "app.channel.get_member.missing.app_error",
            "No channel member found for that user ID and channel ID.",
        ));
    };
    let counts = serde_json::json!({
        "msg_count": u.msg_count,
        "mention_count": u.mention_count,
        "mention_count_root": u.mention_count_root,
        "msg_count_root": 0,
        "last_viewed_at": u.last_viewed_at,
    });
    ctx.app.ws.publish(crate::ws::events::post_unread(
        &ch.team_id,
        &ch.id,
        uid,
        &post.id,
        counts.clone(),
    ));
    let mut out = serde_json::json!({
        "team_id": ch.team_id,
        "channel_id": ch.id,
        "user_id": uid,
        "urgent_mention_count": 0,
        "notify_props": u.notify_props,
    });
    if let (Some(o), serde_json::Value::Object(c)) = (out.as_object_mut(), counts) {
        o.extend(c);
    }
    Ok(Resp::ok(&out))
}
