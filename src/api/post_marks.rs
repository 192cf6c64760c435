//! The posts people mark (mattermost `api4/channel.go` getPinnedPosts, `api4/post.go`
//! getFlaggedPostsForUser): a channel's pinned posts, and the posts a user saved. A save is
//! the user's preference `flagged_post`/<post id> (written through the preferences routes).
//! Pinning itself is `posts::set_pinned`.

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
