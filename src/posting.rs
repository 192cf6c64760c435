//! The one path every post takes — REST `POST /posts`, incoming webhooks, slash-command and
//! outgoing-webhook responses: validation, the durable write, then what happens after commit.

use crate::app::App;
use crate::error::ApiError;
use crate::model::action::Source;
use crate::model::channel::Channel;
use crate::model::file_info::FileInfo;
use crate::model::outgoing_hook::Delivery;
use crate::model::post::{hashtags, NewPost, Post, MAX_MESSAGE_RUNES};
use crate::model::{new_id, now_ms};
use crate::outgoing;
use crate::store::{self, Reader};
use serde_json::Value;

/// Checks the target channel and thread root of a post; returns the channel.
pub fn check_target(db: &Reader, channel_id: &str, root_id: &str) -> Result<Channel, ApiError> {
    let Some(channel) = store::channels::find(db, channel_id)? else {
        return Err(ApiError::invalid_param("post.channel_id"));
    };
    check_not_archived(&channel)?;
    check_root(db, &channel, root_id)?;
    Ok(channel)
}

/// Refuses a post into an archived channel.
fn check_not_archived(channel: &Channel) -> Result<(), ApiError> {
    if channel.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.post.create_post.can_not_post_to_deleted.error",
            "Can not post to deleted channel.",
        ));
    }
    Ok(())
}

/// Checks a thread root for a post in `channel`: it exists, lives in that channel and is
/// itself a root. An empty `root_id` (not a reply) passes.
pub fn check_root(db: &Reader, channel: &Channel, root_id: &str) -> Result<(), ApiError> {
    if root_id.is_empty() {
        return Ok(());
    }
    let root = store::posts::find(db, root_id)?;
    match root {
        Some(r) if r.delete_at == 0 => {
            if r.channel_id != channel.id {
                return Err(ApiError::bad_request(
                    "api.post.create_post.channel_root_id.app_error",
                    "Invalid ChannelId for RootId parameter.",
                ));
            }
            if !r.root_id.is_empty() {
                return Err(ApiError::invalid_param("root_id"));
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "api.post.create_post.root_id.app_error",
                "Invalid RootId parameter.",
            ))
        }
    }
    Ok(())
}

/// Builds the stored post from a request (id, times, hashtags, server props).
fn build(p: NewPost) -> Post {
    let now = now_ms();
    let at = p.create_at.filter(|t| *t > 0).unwrap_or(now);
    let mut props = p.props;
    let source = match p.source {
        Source::Unknown => Source::User(p.user_id.clone()),
        s => s,
    };
    crate::model::attachment::normalize(&mut props, &source);
    props.remove("add_channel_member");
    props.remove("force_notification");
    if p.author_is_bot {
        props.insert("from_bot".into(), Value::from("true"));
    }
    let mut post = Post {
        id: new_id(),
        create_at: at,
        update_at: at,
        user_id: p.user_id,
        channel_id: p.channel_id,
        root_id: p.root_id,
        hashtags: hashtags(&p.message),
        message: p.message,
        kind: p.kind,
        props,
        file_ids: p.file_ids,
        pending_post_id: p.pending_post_id,
        ..Default::default()
    };
    post.add_embeds();
    post
}

/// Validates, stores durably and fans out one post. The message must already be within the
/// limit (REST rejects longer ones; webhook paths split first with `split_message`).
pub fn create(app: &App, db: &Reader, p: NewPost) -> Result<Post, ApiError> {
    let channel = check_target(db, &p.channel_id, &p.root_id)?;
    create_checked(app, db, &channel, p)
}

fn create_checked(app: &App, db: &Reader, channel: &Channel, p: NewPost) -> Result<Post, ApiError> {
    let w = build_checked(app, db, channel, p)?;
    let written = app.store.write(move |c| {
        w.store(c)?;
        Ok::<_, ApiError>(w)
    })?;
    Ok(written.fan_out(app))
}

/// A post durably stored (by `create` or `create_in_then`), whose fan-out has not run yet.
pub struct Committed {
    post: Post,
    deliveries: Vec<Delivery>,
    set_online: bool,
    /// The files it attaches, and who may have uploaded them.
    files: Vec<FileInfo>,
    file_creators: Vec<String>,
}

impl Committed {
    /// The write: the post, its files' attachment and the outgoing-webhook deliveries it
    /// fires, in one transaction. A file attached elsewhere since the checks fails it.
    fn store(&self, c: &store::Conn) -> Result<(), ApiError> {
        store::posts::insert(c, &self.post)?;
        if !self.files.is_empty() {
            let creators: Vec<&str> = self.file_creators.iter().map(String::as_str).collect();
            crate::files::attach_in_write(
                c,
                &self.post.id,
                &self.post.channel_id,
                &self.post.file_ids,
                &creators,
                self.post.create_at,
            )?;
        }
        Ok(store::outgoing_hooks::insert_deliveries(
            c,
            &self.deliveries,
        )?)
    }

    /// Runs what follows the commit (as `create` does) and gives the post back, with its
    /// files in `metadata.files`.
    pub fn fan_out(self, app: &App) -> Post {
        let mut post = self.post;
        if !self.files.is_empty() {
            let files: Vec<FileInfo> = self
                .files
                .into_iter()
                .map(|mut f| {
                    f.post_id.clone_from(&post.id);
                    f.update_at = post.create_at;
                    f
                })
                .collect();
            set_files_metadata(&mut post, &files);
        }
        after_commit(app, &post, &self.deliveries, self.set_online);
        post
    }
}

/// Puts a post's files into `metadata.files`, as Mattermost's `PreparePostForClient` does.
pub fn set_files_metadata(post: &mut Post, files: &[FileInfo]) {
    if files.is_empty() {
        post.metadata.remove("files");
    } else {
        post.metadata.insert(
            "files".into(),
            serde_json::to_value(files).unwrap_or(Value::Null),
        );
    }
}

/// `create` for a caller that already loaded `channel` (the one `p.channel_id` names, e.g. to
/// authorize the post), without waiting for the commit: the checks run now (an `Err` refuses
/// the post and nothing is written); `then` gets the durably stored post, or the write's error, on a
/// completion thread (`Store::write_then`) and must call `Committed::fan_out`.
pub fn create_in_then(
    app: &App,
    db: &Reader,
    channel: &Channel,
    p: NewPost,
    then: impl FnOnce(Result<Committed, ApiError>) + Send + 'static,
) -> Result<(), ApiError> {
    if channel.id != p.channel_id {
        return Err(ApiError::invalid_param("post.channel_id"));
    }
    check_not_archived(channel)?;
    check_root(db, channel, &p.root_id)?;
    let w = build_checked(app, db, channel, p)?;
    app.store
        .write_then(w, |c, w| w.store(c), |written, w| then(written.map(|()| w)));
    Ok(())
}

/// A post that is part of another change (a channel's privacy and the system message saying
/// so): `with` runs in the same write, before the post, so both commit or neither. The caller
/// runs `Committed::fan_out` once it has announced its own change.
pub fn create_with(
    app: &App,
    db: &Reader,
    channel: &Channel,
    p: NewPost,
    with: impl FnOnce(&store::Conn) -> Result<(), ApiError> + Send + 'static,
) -> Result<Committed, ApiError> {
    if channel.id != p.channel_id {
        return Err(ApiError::invalid_param("post.channel_id"));
    }
    check_not_archived(channel)?;
    let w = build_checked(app, db, channel, p)?;
    app.store.write(move |c| {
        with(c)?;
        w.store(c)?;
        Ok::<_, ApiError>(w)
    })
}

/// `create_with` for several posts in the channel (consecutive `create_at` values keep them in
/// order): the change and every post in one write, all or none.
pub fn create_all_with(
    app: &App,
    db: &Reader,
    channel: &Channel,
    posts: Vec<NewPost>,
    with: impl FnOnce(&store::Conn) -> Result<(), ApiError> + Send + 'static,
) -> Result<Vec<Committed>, ApiError> {
    check_not_archived(channel)?;
    let base = now_ms();
    let mut built = Vec::with_capacity(posts.len());
    for (i, mut p) in posts.into_iter().enumerate() {
        if channel.id != p.channel_id {
            return Err(ApiError::invalid_param("post.channel_id"));
        }
        p.create_at = Some(base + i as i64);
        built.push(build_checked(app, db, channel, p)?);
    }
    app.store.write(move |c| {
        with(c)?;
        for w in &built {
            w.store(c)?;
        }
        Ok::<_, ApiError>(built)
    })
}

/// The length check, the stored post, the files it attaches and the outgoing-webhook
/// deliveries it fires. Which hooks fire is decided before the write, and their deliveries
/// are stored in the same transaction as the post, so a crash cannot lose them.
fn build_checked(
    app: &App,
    db: &Reader,
    channel: &Channel,
    mut p: NewPost,
) -> Result<Committed, ApiError> {
    if p.message.chars().count() > MAX_MESSAGE_RUNES {
        return Err(message_too_long(p.message.chars().count()));
    }
    let (files, file_creators) = attachable_files(db, channel, &mut p)?;
    let set_online = p.fire_outgoing_hooks;
    let fire = p.fire_outgoing_hooks;
    let post = build(p);
    let deliveries = if fire {
        outgoing::plan(app, db, channel, &post)?
    } else {
        Vec::new()
    };
    Ok(Committed {
        post,
        deliveries,
        set_online,
        files,
        file_creators,
    })
}

/// Which of a new post's `file_ids` it may attach (`files::attachable`); the others leave its
/// `file_ids`. Returns their infos and who may have uploaded them.
fn attachable_files(
    db: &Reader,
    channel: &Channel,
    p: &mut NewPost,
) -> Result<(Vec<FileInfo>, Vec<String>), ApiError> {
    if p.file_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut creators = std::mem::take(&mut p.file_creators);
    if creators.is_empty() {
        creators.push(p.user_id.clone());
    }
    let refs: Vec<&str> = creators.iter().map(String::as_str).collect();
    let files = crate::files::attachable(db, &p.file_ids, &channel.id, &refs)?;
    p.file_ids = files.iter().map(|f| f.id.clone()).collect();
    Ok((files, creators))
}

/// Stores several posts in one transaction (a split webhook message): all or none.
pub fn create_many(app: &App, db: &Reader, posts: Vec<NewPost>) -> Result<Vec<Post>, ApiError> {
    let Some(first) = posts.first() else {
        return Ok(Vec::new());
    };
    let channel = check_target(db, &first.channel_id, &first.root_id)?;
    let base = now_ms();
    let mut built = Vec::with_capacity(posts.len());
    for (i, mut p) in posts.into_iter().enumerate() {
        // Consecutive create_at values keep the parts in order.
        p.create_at = Some(base + i as i64);
        built.push(build_checked(app, db, &channel, p)?);
    }
    // The posts go through the write and come back for the fan-out.
    let built = app.store.write(move |c| {
        for w in &built {
            w.store(c)?;
        }
        Ok::<_, ApiError>(built)
    })?;
    Ok(built.into_iter().map(|w| w.fan_out(app)).collect())
}

/// Runs after the post is durably committed: its outgoing-webhook deliveries go to the
/// delivery workers (never blocking; a full queue leaves them to the periodic scan) and its
/// `posted` event to the WebSocket hub (a queue push).
fn after_commit(app: &App, post: &Post, deliveries: &[Delivery], set_online: bool) {
    app.outgoing.offer_all(deliveries);
    app.ws
        .publish(crate::ws::Event::posted(post.clone(), set_online));
}

/// Checks and builds the parts of one message for `channel` (loaded and authorized by the
/// caller) without storing them, for callers that store posts inside a larger write: the
/// incoming-webhook path records its delivery log in the same transaction. Store the result
/// with `insert_all` inside that write, then call `after_commit_integration`.
pub fn prepare(db: &Reader, channel: &Channel, posts: Vec<NewPost>) -> Result<Vec<Post>, ApiError> {
    check_not_archived(channel)?;
    let mut checked: Vec<&str> = Vec::new();
    for p in &posts {
        if p.message.chars().count() > MAX_MESSAGE_RUNES {
            return Err(message_too_long(p.message.chars().count()));
        }
        if !checked.contains(&p.root_id.as_str()) {
            check_root(db, channel, &p.root_id)?;
            checked.push(&p.root_id);
        }
    }
    let base = now_ms();
    Ok(posts
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            // Consecutive create_at values keep the parts in order.
            p.create_at = Some(base + i as i64);
            build(p)
        })
        .collect())
}

/// Inserts posts built by `prepare` (inside a write).
pub fn insert_all(c: &store::Conn, posts: &[Post]) -> Result<(), store::StoreError> {
    posts.iter().try_for_each(|p| store::posts::insert(c, p))
}

/// Runs after posts created by an integration are committed (incoming webhooks). It is
/// `after_commit` minus outgoing webhooks: Mattermost creates these posts with triggering
/// off, which is its loop prevention.
pub fn after_commit_integration(app: &App, _channel: &Channel, posts: &[Post]) {
    for p in posts {
        app.ws.publish(crate::ws::Event::posted(p.clone(), false));
    }
}

pub fn message_too_long(len: usize) -> ApiError {
    ApiError::bad_request(
        "model.post.is_valid.message_length.app_error",
        format!(
            "Message length is {len} characters, more than the maximum of {MAX_MESSAGE_RUNES}."
        ),
    )
}

/// Splits a long message into parts of at most `MAX_MESSAGE_RUNES`, as Mattermost's webhook
/// path does (incoming webhooks, outgoing-webhook and command responses).
pub fn split_message(message: &str) -> Vec<String> {
    split_at_runes(message, MAX_MESSAGE_RUNES)
}

/// Cuts a message into pieces of at most `max` runes: hard cuts, no word or line awareness,
/// as Mattermost does (`docs/spec/incoming-webhooks.md` §4.6). An empty message is one empty piece.
pub fn split_at_runes(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let cut = rest
            .char_indices()
            .nth(max)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        parts.push(rest[..cut].to_string());
        rest = &rest[cut..];
    }
    parts.push(rest.to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_everything_and_respects_the_limit() {
        let long = "word ".repeat(10_000);
        let parts = split_message(&long);
        assert!(parts.len() >= 4);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE_RUNES));
        assert_eq!(parts.concat(), long);
        let nospace = "x".repeat(MAX_MESSAGE_RUNES + 5);
        let parts = split_message(&nospace);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].len(), 5);
        assert_eq!(split_message("short"), vec!["short"]);
    }
}
