//! Posts, threads and channel post lists (mattermost `api4/post.go`).

use super::channels::{check_readable, load};
use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::now_ms;
use crate::model::post::NewPost;
use crate::model::post::{check_post_type, hashtags, Post, MAX_MESSAGE_RUNES};
use crate::model::session::Session;
use crate::permissions;
use crate::posting;
use crate::store;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostBody {
    id: String,
    channel_id: String,
    message: String,
    root_id: String,
    #[serde(rename = "type")]
    kind: String,
    props: Option<Map<String, Value>>,
    file_ids: Option<Vec<String>>,
    pending_post_id: String,
    create_at: i64,
    is_pinned: Option<bool>,
}

fn post_not_found() -> ApiError {
    ApiError::not_found("app.post.get.app_error", "Unable to get the post.")
}

/// `POST /api/v4/posts`: creates a post as the caller. Messages over the limit are refused
/// (only webhook and command paths split them).
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let b: PostBody = req.json("post")?;
    if !crate::model::is_valid_id(&b.channel_id) {
        return Err(ApiError::invalid_body("channel_id"));
    }
    if let Err((id, name)) = check_post_type(&b.kind) {
        return Err(if id == "api.context.invalid_param.app_error" {
            ApiError::invalid_param(name)
        } else {
            ApiError::bad_request(id, "Invalid type.")
        });
    }
    let channel = ctx
        .app
        .cached
        .channel(&ctx.app.store, ctx.db, &b.channel_id)?
        .ok_or_else(|| ApiError::invalid_param("post.channel_id"))?;
    if !permissions::can_post(ctx, s, &channel)? {
        return Err(ApiError::permissions("create_post"));
    }
    let len = b.message.chars().count();
    if len > MAX_MESSAGE_RUNES {
        return Err(posting::message_too_long(len));
    }
    if !b.pending_post_id.is_empty() {
        if let Some(p) =
            store::posts::find_pending(ctx.db, s.user_id(), &b.pending_post_id, now_ms() - 30_000)?
        {
            return Ok(Resp::created(&p));
        }
    }
    let mut file_ids = b.file_ids.unwrap_or_default();
    file_ids.dedup();
    if !file_ids.is_empty() {
        check_file_ids(ctx, s, &channel, &file_ids)?;
    }
    let create_at =
        (b.create_at > 0 && permissions::has_system(s, "manage_system")).then_some(b.create_at);
    // The answer is sent once the post is durable, by the write's continuation; this worker
    // goes on to the next request meanwhile.
    let (resp, answer) = Resp::later();
    let app = ctx.app.clone();
    posting::create_in_then(
        ctx.app,
        ctx.db,
        &channel,
        NewPost {
            channel_id: b.channel_id,
            user_id: s.user_id().to_string(),
            author_is_bot: s.user.is_bot(),
            message: b.message,
            root_id: b.root_id,
            kind: b.kind,
            props: b.props.unwrap_or_default(),
            file_ids,
            file_creators: Vec::new(),
            pending_post_id: b.pending_post_id,
            create_at,
            fire_outgoing_hooks: true,
            ..Default::default()
        },
        move |stored| answer.complete(move || Ok(Resp::created(&stored?.fan_out(&app)))),
    )?;
    Ok(resp)
}

/// A post's `file_ids`: at most 300 characters as JSON (Mattermost's post validation), and
/// the caller needs `upload_file` in the channel to attach files.
fn check_file_ids(
    ctx: &Ctx,
    s: &Session,
    channel: &Channel,
    file_ids: &[String],
) -> Result<(), ApiError> {
    if serde_json::to_string(file_ids).map_or(0, |j| j.chars().count()) > 300 {
        return Err(ApiError::bad_request(
            "model.post.is_valid.file_ids.app_error",
            "Invalid file ids.",
        ));
    }
    permissions::require_channel(ctx.db, s, channel, "upload_file")
}

/// Fills `metadata.files` of the posts that have files (computed on read, as in Mattermost).
pub(super) fn with_files(ctx: &Ctx, posts: &mut [Post]) -> Result<(), ApiError> {
    for p in posts.iter_mut().filter(|p| !p.file_ids.is_empty()) {
        let files = store::files::for_post(ctx.db, &p.id, false)?;
        posting::set_files_metadata(p, &files);
    }
    Ok(())
}

fn readable_post(
    ctx: &Ctx,
    s: &Session,
    raw: &str,
    include_deleted: bool,
) -> Result<Post, ApiError> {
    let id = id_param(raw, "post_id")?;
    let p = store::posts::find(ctx.db, id)?.ok_or_else(post_not_found)?;
    if p.delete_at != 0 && !include_deleted {
        return Err(post_not_found());
    }
    check_readable(ctx, s, &p.channel_id)?;
    Ok(p)
}

/// `GET /api/v4/posts/{post_id}`
pub fn get(ctx: &Ctx, s: &Session, req: &Req, pid: &str) -> Result<Resp, ApiError> {
    let include_deleted = req.query_bool("include_deleted");
    if include_deleted {
        permissions::require_system(s, "manage_system")?;
    }
    let mut post = readable_post(ctx, s, pid, include_deleted)?;
    super::reactions::attach(ctx, std::slice::from_mut(&mut post))?;
    with_files(ctx, std::slice::from_mut(&mut post))?;
    Ok(Resp::ok(&post))
}

/// `POST /api/v4/posts/ids`: body `["post_id", …]`; posts the caller cannot read are left out.
pub fn get_by_ids(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let ids: Vec<String> = req.json("post_ids")?;
    if ids.is_empty() || ids.len() > 1000 {
        return Err(ApiError::invalid_body("post_ids"));
    }
    let mut out = Vec::new();
    for id in &ids {
        if let Ok(p) = readable_post(ctx, s, id, false) {
            out.push(p);
        }
    }
    super::reactions::attach(ctx, &mut out)?;
    with_files(ctx, &mut out)?;
    Ok(Resp::ok(&out))
}

/// Mattermost's PostList: `order` newest first, `posts` by id.
/// Mattermost's PostList, serialized straight from the posts: building a `Value` tree first
/// cost about 40 % of the read-channel request's CPU (measured with `scripts/bench`).
#[derive(Serialize)]
struct PostList<'a> {
    order: Vec<&'a str>,
    posts: PostsById<'a>,
    next_post_id: String,
    prev_post_id: String,
    has_next: bool,
    first_inaccessible_post_time: i64,
}

/// `{"<id>": post, ...}` for the listed posts, then the extra ones (thread roots), each once.
pub(super) struct PostsById<'a>(pub(super) &'a [Post], pub(super) &'a [Post]);

impl Serialize for PostsById<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut seen: Vec<&str> = Vec::with_capacity(self.0.len() + self.1.len());
        let mut m = s.serialize_map(None)?;
        for p in self.0.iter().chain(self.1) {
            if !seen.contains(&p.id.as_str()) {
                seen.push(&p.id);
                m.serialize_entry(&p.id, p)?;
            }
        }
        m.end()
    }
}

pub(super) fn post_list(order_posts: Vec<Post>, extra: Vec<Post>) -> Resp {
    Resp::ok(&PostList {
        order: order_posts.iter().map(|p| p.id.as_str()).collect(),
        posts: PostsById(&order_posts, &extra),
        next_post_id: String::new(),
        prev_post_id: String::new(),
        has_next: false,
        first_inaccessible_post_time: 0,
    })
}

/// `GET /api/v4/users/{user_id}/channels/{channel_id}/posts/unread`: the page the web app opens a
/// channel on — up to `limit_before` posts the user has seen (at or before the member's
/// `last_viewed_at`) and up to `limit_after` newer ones, newest first, with `prev_post_id` and
/// `next_post_id` naming the posts just outside the page (empty at either end of the channel).
pub fn list_unread(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    uid: &str,
    cid: &str,
) -> Result<Resp, ApiError> {
    if super::user_id_param(s, uid)? != s.user_id() {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let ch = check_readable(ctx, s, cid)?;
    let limit = |name: &str| -> Result<i64, ApiError> {
        match req.query(name).filter(|v| !v.is_empty()) {
            None => Ok(60),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=200).contains(n))
                .ok_or_else(|| ApiError::invalid_url_param(name)),
        }
    };
    let (before, after) = (limit("limit_before")?, limit("limit_after")?);
    let viewed = store::channels::find_member(ctx.db, &ch.id, s.user_id())?
        .map(|m| m.last_viewed_at)
        .unwrap_or(0);
    // Newer than what was seen, oldest first (at most `after`), then the seen ones.
    let newer = store::posts::list_around(ctx.db, &ch.id, viewed, false, 0, after + 1)?;
    let older = store::posts::list_around(ctx.db, &ch.id, viewed + 1, true, 0, before + 1)?;
    let next = newer
        .get(after as usize)
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let prev = older
        .get(before as usize)
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let mut posts: Vec<Post> = newer.into_iter().take(after as usize).collect();
    posts.reverse();
    posts.extend(older.into_iter().take(before as usize));
    super::reactions::attach(ctx, &mut posts)?;
    with_files(ctx, &mut posts)?;
    let mut extra: Vec<Post> = Vec::new();
    for p in &posts {
        if !p.root_id.is_empty()
            && !posts.iter().any(|q| q.id == p.root_id)
            && !extra.iter().any(|q| q.id == p.root_id)
        {
            if let Some(root) = store::posts::find(ctx.db, &p.root_id)? {
                extra.push(root);
            }
        }
    }
    with_files(ctx, &mut extra)?;
    Ok(Resp::ok(&PostList {
        order: posts.iter().map(|p| p.id.as_str()).collect(),
        posts: PostsById(&posts, &extra),
        next_post_id: next,
        prev_post_id: prev,
        has_next: false,
        first_inaccessible_post_time: 0,
    }))
}

/// `GET /api/v4/channels/{channel_id}/posts`: `since` > `after` > `before` > plain paging.
pub fn list_for_channel(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    let ch = check_readable(ctx, s, cid)?;
    let (page, per_page) = req.paging();
    let posts = if let Some(since) = req.query("since").filter(|v| !v.is_empty()) {
        let since: i64 = since
            .parse()
            .map_err(|_| ApiError::invalid_url_param("since"))?;
        store::posts::list_since(ctx.db, &ch.id, since)?
    } else if let Some(after) = req.query("after").filter(|v| !v.is_empty()) {
        let anchor = anchor(ctx, &ch.id, after, "after")?;
        let mut v =
            store::posts::list_around(ctx.db, &ch.id, anchor, false, page * per_page, per_page)?;
        v.reverse();
        v
    } else if let Some(before) = req.query("before").filter(|v| !v.is_empty()) {
        let anchor = anchor(ctx, &ch.id, before, "before")?;
        store::posts::list_around(ctx.db, &ch.id, anchor, true, page * per_page, per_page)?
    } else {
        store::posts::list_for_channel(ctx.db, &ch.id, page * per_page, per_page)?
    };
    let mut posts = posts;
    super::reactions::attach(ctx, &mut posts)?;
    with_files(ctx, &mut posts)?;
    let mut extra = Vec::new();
    if !req.query_bool("skipFetchThreads") {
        for p in &posts {
            if !p.root_id.is_empty()
                && !posts.iter().any(|q| q.id == p.root_id)
                && !extra.iter().any(|q: &Post| q.id == p.root_id)
            {
                if let Some(mut root) = store::posts::find(ctx.db, &p.root_id)? {
                    with_files(ctx, std::slice::from_mut(&mut root))?;
                    extra.push(root);
                }
            }
        }
    }
    Ok(post_list(posts, extra))
}

fn anchor(ctx: &Ctx, channel_id: &str, raw: &str, name: &str) -> Result<i64, ApiError> {
    let id = id_param(raw, name)?;
    match store::posts::find(ctx.db, id)? {
        Some(p) if p.channel_id == channel_id => Ok(p.create_at),
        _ => Err(ApiError::invalid_url_param(name)),
    }
}

/// `GET /api/v4/posts/{post_id}/thread`: the root and all replies.
pub fn get_thread(ctx: &Ctx, s: &Session, pid: &str) -> Result<Resp, ApiError> {
    let p = readable_post(ctx, s, pid, false)?;
    let root = if p.root_id.is_empty() {
        p.id.clone()
    } else {
        p.root_id.clone()
    };
    let mut posts = store::posts::list_thread(ctx.db, &root)?;
    posts.reverse();
    super::reactions::attach(ctx, &mut posts)?;
    with_files(ctx, &mut posts)?;
    Ok(post_list(posts, Vec::new()))
}

/// Loads a post the caller may edit (`edit_post` own, `edit_others_posts` others).
fn editable(ctx: &Ctx, s: &Session, pid: &str) -> Result<Post, ApiError> {
    let id = id_param(pid, "post_id")?;
    let p = store::posts::find(ctx.db, id)?
        .filter(|p| p.delete_at == 0)
        .ok_or_else(post_not_found)?;
    let ch = load(ctx, &p.channel_id)?;
    let perm = if p.user_id == s.user_id() {
        "edit_post"
    } else {
        "edit_others_posts"
    };
    permissions::require_channel(ctx.db, s, &ch, perm)?;
    if ch.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.post.update_post.can_not_update_post_in_deleted.error",
            "Can not update a post in a deleted channel.",
        ));
    }
    if p.kind.starts_with("system_") {
        return Err(ApiError::bad_request(
            "api.post.update_post.system_message.app_error",
            "Unable to update system message.",
        ));
    }
    let limit = ctx.app.config.service.post_edit_time_limit;
    if limit >= 0
        && now_ms() - p.create_at > limit * 1000
        && !permissions::has_system(s, "manage_system")
    {
        return Err(ApiError::bad_request(
            "api.post.update_post.permissions_time_limit.app_error",
            "Post edit is only allowed for a limited time.",
        ));
    }
    Ok(p)
}

fn save_edit(
    ctx: &Ctx,
    s: &Session,
    mut p: Post,
    message: Option<String>,
    props: Option<Map<String, Value>>,
    pinned: Option<bool>,
    files: Option<Vec<String>>,
) -> Result<Post, ApiError> {
    let now = now_ms();
    if let Some(m) = message {
        let len = m.chars().count();
        if len > MAX_MESSAGE_RUNES {
            return Err(posting::message_too_long(len));
        }
        if m != p.message {
            p.edit_at = now;
        }
        p.hashtags = hashtags(&m);
        p.message = m;
    }
    if let Some(mut props) = props {
        // Attachments take their saved shape; the editor supplied any action URLs in them.
        let editor = crate::model::action::Source::User(s.user_id().to_string());
        crate::model::attachment::normalize(&mut props, &editor);
        // Server-set props survive client edits.
        for k in [
            "from_webhook",
            "from_bot",
            "override_username",
            "override_icon_url",
            "webhook_display_name",
        ] {
            if let Some(v) = p.props.get(k) {
                props.insert(k.to_string(), v.clone());
            }
        }
        p.props = props;
    }
    if let Some(b) = pinned {
        p.is_pinned = b;
    }
    let change = match files {
        Some(f) => edit_files(ctx, s, &mut p, f)?,
        None => FilesEdit::default(),
    };
    p.update_at = now;
    let stored = p.clone();
    ctx.app.store.write(move |c| {
        store::posts::update(c, &stored)?;
        let author = [stored.user_id.as_str()];
        crate::files::attach_in_write(
            c,
            &stored.id,
            &stored.channel_id,
            &change.added,
            &author,
            now,
        )?;
        store::files::delete_from_post(c, &stored.id, &change.removed, now)?;
        Ok::<_, ApiError>(())
    })?;
    with_files(ctx, std::slice::from_mut(&mut p))?;
    ctx.app.ws.publish(crate::ws::events::post_edited(&p));
    Ok(p)
}

/// What an edit does to a post's files.
#[derive(Default)]
struct FilesEdit {
    /// Newly attached (the author's unattached uploads to the channel).
    added: Vec<String>,
    /// Dropped from the post: soft-deleted, no longer served.
    removed: Vec<String>,
}

/// Applies an edit's `file_ids` to `p`: files it keeps stay, new ones are attached under the
/// rules of a new post (and the editor needs `upload_file`), the others are removed.
fn edit_files(
    ctx: &Ctx,
    s: &Session,
    p: &mut Post,
    requested: Vec<String>,
) -> Result<FilesEdit, ApiError> {
    let new: Vec<String> = requested
        .iter()
        .filter(|id| !p.file_ids.contains(id))
        .cloned()
        .collect();
    let mut added = Vec::new();
    if !new.is_empty() {
        let ch = load(ctx, &p.channel_id)?;
        check_file_ids(ctx, s, &ch, &requested)?;
        let attachable = crate::files::attachable(ctx.db, &new, &p.channel_id, &[&p.user_id])?;
        added = attachable.into_iter().map(|f| f.id).collect();
    }
    let removed = p
        .file_ids
        .iter()
        .filter(|id| !requested.contains(id))
        .cloned()
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for id in requested {
        if (p.file_ids.contains(&id) || added.contains(&id)) && !ids.contains(&id) {
            ids.push(id);
        }
    }
    p.file_ids = ids;
    Ok(FilesEdit { added, removed })
}

/// `PUT /api/v4/posts/{post_id}/patch`: only the given fields change.
pub fn patch(ctx: &Ctx, s: &Session, req: &Req, pid: &str) -> Result<Resp, ApiError> {
    let b: PostBody = req.json("post")?;
    let raw: Map<String, Value> = req.json("post")?;
    let p = editable(ctx, s, pid)?;
    let message = raw.contains_key("message").then_some(b.message);
    let p = save_edit(ctx, s, p, message, b.props, b.is_pinned, b.file_ids)?;
    Ok(Resp::ok(&p))
}

/// `PUT /api/v4/posts/{post_id}`: body is the whole post, whose `id` must match the path.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, pid: &str) -> Result<Resp, ApiError> {
    let b: PostBody = req.json("post")?;
    if b.id != pid {
        return Err(ApiError::invalid_body("id"));
    }
    let p = editable(ctx, s, pid)?;
    let p = save_edit(ctx, s, p, Some(b.message), b.props, b.is_pinned, b.file_ids)?;
    Ok(Resp::ok(&p))
}

/// `POST /api/v4/posts/{post_id}/pin` and `/unpin`: anyone who may read the channel pins or
/// unpins (Mattermost's `saveIsPinnedPost`: `read_channel`, an unknown post is a 403 like a
/// post in a channel the caller cannot read; a deleted post 404; a post of an archived channel
/// 400, a system message 400). The post's `update_at` moves (not `edit_at`), `post_edited`
/// tells the channel; `{"status":"OK"}`.
pub fn set_pinned(ctx: &Ctx, s: &Session, pid: &str, pinned: bool) -> Result<Resp, ApiError> {
    let id = id_param(pid, "post_id")?;
    let unreadable = || ApiError::permissions("read_channel");
    let p = store::posts::find(ctx.db, id)?.ok_or_else(unreadable)?;
    let ch = load(ctx, &p.channel_id).map_err(|_| unreadable())?;
    if !permissions::can_read_channel(ctx, s, &ch)? {
        return Err(unreadable());
    }
    if p.delete_at != 0 {
        return Err(post_not_found());
    }
    if ch.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.post.patch_post.can_not_update_post_in_deleted.error",
            "Can not update a post in an archived channel.",
        ));
    }
    if p.kind.starts_with("system_") {
        return Err(ApiError::bad_request(
            "api.post.update_post.system_message.app_error",
            "Unable to update system message.",
        ));
    }
    save_edit(ctx, s, p, None, None, Some(pinned), None)?;
    Ok(Resp::status_ok())
}

/// `DELETE /api/v4/posts/{post_id}`: soft delete (a root takes its replies with it).
pub fn delete(ctx: &Ctx, s: &Session, req: &Req, pid: &str) -> Result<Resp, ApiError> {
    let id = id_param(pid, "post_id")?.to_string();
    let p = store::posts::find(ctx.db, &id)?
        .filter(|p| p.delete_at == 0)
        .ok_or_else(post_not_found)?;
    let ch = load(ctx, &p.channel_id)?;
    let perm = if p.user_id == s.user_id() {
        "delete_post"
    } else {
        "delete_others_posts"
    };
    permissions::require_channel(ctx.db, s, &ch, perm)?;
    if req.query_bool("permanent") {
        if !ctx.app.config.service.enable_api_post_deletion {
            return Err(ApiError::not_implemented(
                "api.post.delete_post.not_enabled.app_error",
                "Permanent post deletion is disabled.",
            ));
        }
        permissions::require_system(s, "manage_system")?;
    }
    // The post's files (and its replies') stop being served with it.
    let now = now_ms();
    ctx.app.store.write(move |c| {
        store::files::delete_for_thread(c, &id, now)?;
        store::posts::delete(c, &id, now)
    })?;
    let mut gone = p;
    gone.delete_at = now;
    gone.update_at = now;
    for e in crate::ws::events::post_deleted(&gone, s.user_id()) {
        ctx.app.ws.publish(e);
    }
    Ok(Resp::status_ok())
}
