//! Planning a delivery: every step from a decoded `Payload` to its one write, in
//! Mattermost's order — the checks, the idempotency key, the Slack translation, overrides,
//! channel resolution, permission checks, splitting (and packing attachments under the props
//! limit) — then `DeliveryWrite`, which commits the posts, the delivery-log row, the
//! idempotency key, a provider thread's root and the posts' priority together. A refusal
//! writes nothing.

use super::call::{disabled, invalid_hook, Call, Delivered, Rejection};
use super::call::{CHANNEL_MISSING, CREATING, INVALID_PARAM, LOCKED, NO_CHANNEL, NO_PERMISSION};
use super::call::{IDEMPOTENCY_WINDOW_MS, LOG_ROWS_PER_HOOK, NO_TEXT, NO_USER, PROPS_TOO_LONG};
use super::decode::{Payload, Priority};
use crate::app::Ctx;
use crate::model::action::Source;
use crate::model::channel::{direct_channel_name, Channel};
use crate::model::file_info::FileInfo;
use crate::model::incoming_hook::{Delivery, IncomingHook};
use crate::model::now_ms;
use crate::model::post::{check_post_type, NewPost, Post};
use crate::model::user::User;
use crate::posting;
use crate::slack::{self, Attachment};
use crate::store::{self, StoreError};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Mattermost's limit on a webhook post's props JSON, in runes (the post limit is 800000; the
/// difference leaves room for server-added props).
pub const MAX_PROPS_RUNES: usize = 760_000;

pub(super) fn check_not_empty(p: &Payload) -> Result<(), Rejection> {
    if p.text.is_empty() && p.attachments.is_empty() && p.files.is_empty() {
        return Err(Rejection::general(400, NO_TEXT, "No text specified."));
    }
    Ok(())
}

/// What the channel resolution found.
enum Target {
    Channel(Arc<Channel>),
    /// The direct channel between the hook's owner and this user does not exist yet.
    NewDirect(String),
}

/// What `plan` decided.
pub(super) enum Planned {
    /// Nothing (more) to write: a repeated idempotency key, already logged.
    Done(Delivered),
    /// The write that makes the delivery, into this channel.
    Write(Box<DeliveryWrite>, Arc<Channel>),
}

/// Everything a delivery writes in one transaction: its posts, a provider thread's root, the
/// posts' priority, the log row and the idempotency key.
pub(super) struct DeliveryWrite {
    pub(super) posts: Vec<Post>,
    /// The log row (also of a failed write, with its error filled in).
    pub(super) row: Delivery,
    hook_id: String,
    key: Option<String>,
    thread_key: Option<String>,
    priority: Option<Priority>,
    /// The call's files (already in place), attached to its last post.
    pub(super) files: Vec<FileInfo>,
}

impl DeliveryWrite {
    /// Runs inside the writer (possibly more than once, see `Store::write_then`); gives back
    /// what was delivered.
    pub(super) fn commit(&self, c: &store::Conn) -> Result<Delivered, StoreError> {
        let DeliveryWrite {
            posts,
            row,
            hook_id,
            key,
            thread_key,
            priority,
            files,
        } = self;
        let now = now_ms();
        let since = now - IDEMPOTENCY_WINDOW_MS;
        if let Some(key) = key {
            // The authority against two concurrent calls with one key: only the first
            // commits posts.
            if let Some(first) = store::incoming_hooks::find_idempotent(c, hook_id, key, since)? {
                let mut row = row.clone();
                row.post_id = first.clone();
                row.duplicate = true;
                store::incoming_hooks::insert_delivery(c, &row, LOG_ROWS_PER_HOOK)?;
                return Ok(Delivered::Repeated(first));
            }
        }
        posting::insert_all(c, posts)?;
        for f in files {
            store::files::insert(c, f, !f.thumbnail_path.is_empty())?;
        }
        // Perch: the first post about a provider object roots its thread (`translate.rs`).
        if let (Some(tk), Some(first)) = (thread_key, posts.first()) {
            if first.root_id.is_empty() {
                store::hook_threads::insert_root(
                    c,
                    hook_id,
                    tk,
                    &first.id,
                    &first.channel_id,
                    now,
                )?;
            }
        }
        if let Some(p) = priority {
            for post in posts.iter().filter(|p| p.root_id.is_empty()) {
                store::incoming_hooks::insert_priority(
                    c,
                    &post.id,
                    &post.channel_id,
                    p.priority.as_deref().unwrap_or(""),
                    p.requested_ack,
                    p.persistent_notifications,
                )?;
            }
        }
        store::incoming_hooks::insert_delivery(c, row, LOG_ROWS_PER_HOOK)?;
        if let Some(key) = key {
            store::incoming_hooks::insert_idempotent(c, hook_id, key, &row.post_id, now, since)?;
        }
        let last = posts.last().map(|p| p.id.clone()).unwrap_or_default();
        Ok(Delivered::Created(last))
    }
}

/// Every step of a delivery up to its write: the checks (in Mattermost's order), the Slack
/// translation, overrides, channel resolution and splitting. A refusal writes nothing.
pub(super) fn plan(
    ctx: &Ctx,
    hook: &IncomingHook,
    payload: Payload,
    call: &Call,
) -> Result<Planned, Rejection> {
    let cfg = &ctx.app.config.service;
    if !cfg.enable_incoming_webhooks {
        return Err(disabled());
    }
    check_not_empty(&payload)?;
    if let Some(key) = &call.idempotency_key {
        let since = now_ms() - IDEMPOTENCY_WINDOW_MS;
        if let Some(post_id) = store::incoming_hooks::find_idempotent(ctx.db, &hook.id, key, since)?
        {
            return record_repeat(ctx, hook, call, post_id).map(Planned::Done);
        }
    }
    let Payload {
        mut text,
        channel,
        username,
        icon_url,
        icon_emoji,
        mut attachments,
        props: user_props,
        kind,
        root_id,
        priority,
        skip_slack_parsing,
        files,
    } = payload;

    // Props: the caller's, minus the keys only the server may set (§4.4).
    let mut props = user_props;
    for reserved in [
        "override_icon_url",
        "override_username",
        "from_webhook",
        "attachments",
    ] {
        props.remove(reserved);
    }
    props.insert(
        "webhook_display_name".into(),
        Value::from(hook.display_name.clone()),
    );
    props.insert("from_webhook".into(), Value::from("true"));

    if !skip_slack_parsing {
        let lookup = |r: &str| user_reference(ctx, r);
        text = slack::translate_text(&text, &lookup);
        for a in &mut attachments {
            slack::translate_attachment(a, &lookup);
        }
    }
    let kind = if attachments.is_empty() {
        kind
    } else {
        "slack_attachment".to_string()
    };

    let target = resolve_channel(ctx, hook, &channel)?;
    let channel_id = match &target {
        Target::Channel(ch) => ch.id.as_str(),
        Target::NewDirect(_) => "",
    };
    if hook.channel_locked && channel_id != hook.channel_id {
        return Err(Rejection::general(
            403,
            LOCKED,
            "This webhook is not permitted to post to the requested channel.",
        ));
    }
    let owner = (ctx.app.cached.user(&ctx.app.store, ctx.db, &hook.user_id)?)
        .ok_or_else(|| Rejection::general(403, NO_USER, "The webhook's owner no longer exists."))?;
    if let Target::Channel(ch) = &target {
        if ch.kind != "O" && !can_read(ctx, &owner, ch)? {
            return Err(Rejection::general(
                403,
                NO_PERMISSION,
                "The webhook's owner cannot post in this channel.",
            ));
        }
    }

    // Overrides (§4.3): only where the configuration allows them.
    let username = if username.is_empty() {
        hook.username.clone()
    } else {
        username
    };
    let icon_url = if icon_url.is_empty() {
        hook.icon_url.clone()
    } else {
        icon_url
    };
    if cfg.enable_post_username_override {
        let shown = if username.is_empty() {
            "webhook".to_string()
        } else {
            username
        };
        props.insert("override_username".into(), Value::from(shown));
    }
    if cfg.enable_post_icon_override {
        if !icon_url.is_empty() {
            props.insert("override_icon_url".into(), Value::from(icon_url));
        }
        if !icon_emoji.is_empty() {
            props.insert("override_icon_emoji".into(), Value::from(icon_emoji));
        }
    }

    if let Err((id, name)) = check_post_type(&kind) {
        return Err(if id == INVALID_PARAM {
            Rejection::general(400, INVALID_PARAM, &format!("Invalid {name} parameter."))
        } else {
            Rejection::general(500, CREATING, "Unable to create the post: invalid type.")
        });
    }
    if let Some(p) = &priority {
        let valid = matches!(p.priority.as_deref(), Some("" | "important" | "urgent"));
        if !valid {
            return Err(Rejection::general(
                400,
                INVALID_PARAM,
                "Invalid webhook.priority.priority parameter.",
            ));
        }
    }

    let root_id = thread_root(ctx, &root_id)?;
    let groups = pack_attachments(&props, attachments)?;
    if matches!(target, Target::NewDirect(_)) && !root_id.is_empty() {
        // No thread can live in a channel that does not exist yet.
        return Err(Rejection::general(
            400,
            "api.post.create_post.channel_root_id.app_error",
            "Invalid ChannelId for RootId parameter.",
        ));
    }
    let channel = match target {
        Target::Channel(ch) => ch,
        // The first post to `@user` creates the direct channel: its own write, after every
        // check that could refuse the call.
        Target::NewDirect(other) => {
            let owner_id = hook.user_id.clone();
            ctx.app
                .store
                .write(move |c| crate::channels::ensure_direct(c, &owner_id, &other))
                .map(Arc::new)
                .map_err(|e| Rejection::internal(e.message))?
        }
    };

    let mut chunks = posting::split_message(&text);
    // Attachment groups after the first get posts of their own, with no text.
    chunks.extend(std::iter::repeat_n(
        String::new(),
        groups.len().saturating_sub(1),
    ));
    let first_attached = chunks.len() - groups.len().max(1);
    let last = chunks.len() - 1;
    let mut groups = groups.into_iter();
    let mut props = Some(props);
    let new_posts: Vec<NewPost> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, message)| {
            // The last part takes the props; earlier parts (of a split message) get copies.
            let mut props = if i == last {
                props.take().unwrap_or_default()
            } else {
                props.clone().unwrap_or_default()
            };
            if i >= first_attached {
                if let Some(g) = groups.next() {
                    props.insert(
                        "attachments".into(),
                        serde_json::to_value(g).unwrap_or(Value::Null),
                    );
                }
            }
            NewPost {
                channel_id: channel.id.clone(),
                user_id: hook.user_id.clone(),
                author_is_bot: owner.is_bot(),
                message,
                root_id: root_id.clone(),
                kind: kind.clone(),
                props,
                source: Source::IncomingHook(hook.id.clone()),
                ..Default::default()
            }
        })
        .collect();

    let posts = posting::prepare(ctx.db, &channel, new_posts).map_err(|e| {
        if e.status == 400 && e.id.starts_with("api.post.create_post.") {
            Rejection::general(400, e.id.to_string(), &e.message)
        } else {
            let cause = e
                .cause
                .map(String::from)
                .unwrap_or_else(|| format!("{}: {}", e.id, e.message));
            Rejection::internal(cause)
        }
    })?;

    let mut posts = posts;
    // Perch: the call's files, streamed into the store now that nothing else can refuse it,
    // are attached to its last post.
    let mut files = if files.is_empty() {
        Vec::new()
    } else {
        super::files::receive(ctx, hook, &channel, files.len(), call)?
    };
    let last = posts.last_mut().map(|p| {
        p.file_ids = files.iter().map(|f| f.id.clone()).collect();
        p.id.clone()
    });
    let mut row = call.log_entry(&hook.id, 200, "", &last.unwrap_or_default());
    for f in &mut files {
        f.post_id.clone_from(&row.post_id);
    }
    row.files = files.iter().map(super::files::logged).collect();
    let write = DeliveryWrite {
        row,
        posts,
        hook_id: hook.id.clone(),
        key: call.idempotency_key.clone(),
        thread_key: call.integration.as_ref().and_then(|m| m.thread_key.clone()),
        priority,
        files,
    };
    Ok(Planned::Write(Box::new(write), channel))
}

/// A repeated idempotency key: log the call, create nothing, answer as the first call did.
fn record_repeat(
    ctx: &Ctx,
    hook: &IncomingHook,
    call: &Call,
    post_id: String,
) -> Result<Delivered, Rejection> {
    let mut row = call.log_entry(&hook.id, 200, "", &post_id);
    row.duplicate = true;
    ctx.app
        .store
        .write(move |c| store::incoming_hooks::insert_delivery(c, &row, LOG_ROWS_PER_HOOK))?;
    Ok(Delivered::Repeated(post_id))
}

/// `<@ref>` in Slack text: a user id, or (Perch leniency) a username.
fn user_reference(ctx: &Ctx, r: &str) -> Option<String> {
    let by_id = if crate::model::is_valid_id(r) {
        store::users::find(ctx.db, r).ok().flatten()
    } else {
        None
    };
    let user = by_id.or_else(|| store::users::find_by_username(ctx.db, r).ok().flatten())?;
    Some(user.username)
}

/// Finds the channel a payload asks for (§4 step 7).
fn resolve_channel(ctx: &Ctx, hook: &IncomingHook, requested: &str) -> Result<Target, Rejection> {
    if requested.is_empty() {
        let cached = ctx
            .app
            .cached
            .channel(&ctx.app.store, ctx.db, &hook.channel_id)?;
        let ch = cached.ok_or_else(|| {
            Rejection::general(404, CHANNEL_MISSING, "Unable to find the existing channel.")
        })?;
        if ch.delete_at != 0 {
            // Archiving deletes the channel's hooks in the same write; a copy cached just
            // before must not post.
            ctx.app.incoming_hooks.forget(&hook.id);
            return Err(invalid_hook());
        }
        return Ok(Target::Channel(ch));
    }
    if let Some(name) = requested.strip_prefix('@') {
        let user = store::users::find_by_username(ctx.db, name)?
            .ok_or_else(|| Rejection::general(400, NO_USER, "Couldn't find the user."))?;
        let dm = direct_channel_name(&hook.user_id, &user.id);
        return Ok(match store::channels::find_by_name(ctx.db, "", &dm)? {
            Some(ch) if ch.team_id.is_empty() => Target::Channel(Arc::new(ch)),
            _ => Target::NewDirect(user.id),
        });
    }
    let name = requested.strip_prefix('#').unwrap_or(requested);
    match store::channels::find_by_name(ctx.db, &hook.team_id, name)? {
        Some(ch) if ch.delete_at == 0 => Ok(Target::Channel(Arc::new(ch))),
        _ => Err(Rejection::general(
            404,
            NO_CHANNEL,
            "Couldn't find the channel.",
        )),
    }
}

/// Whether the hook's owner may read a non-public channel (`read_channel_content`): a member,
/// or a system admin.
fn can_read(ctx: &Ctx, owner: &User, ch: &Channel) -> Result<bool, StoreError> {
    Ok(owner.has_role("system_admin")
        || (ctx.app.cached)
            .member(&ctx.app.store, ctx.db, &ch.id, &owner.id)?
            .is_some())
}

/// The thread a payload's `root_id` names: the post itself, or the root of the thread a reply
/// belongs to (so a sender may thread on any id it got back in `X-Post-Id`).
fn thread_root(ctx: &Ctx, root_id: &str) -> Result<String, Rejection> {
    if root_id.is_empty() {
        return Ok(String::new());
    }
    let bad = || {
        Rejection::general(
            400,
            "api.post.create_post.root_id.app_error",
            "Invalid RootId parameter.",
        )
    };
    if !crate::model::is_valid_id(root_id) {
        return Err(bad());
    }
    match store::posts::find(ctx.db, root_id)? {
        Some(p) if p.delete_at == 0 => Ok(if p.root_id.is_empty() {
            p.id
        } else {
            p.root_id
        }),
        _ => Err(bad()),
    }
}

/// Distributes attachments over posts so that no post's props JSON exceeds the limit (§4.6):
/// they go on the last text post while they fit, then on posts of their own; one that cannot
/// fit alone has its `text` shortened. Returns one group per post (empty when there are none).
fn pack_attachments(
    props: &Map<String, Value>,
    attachments: Vec<Attachment>,
) -> Result<Vec<Vec<Attachment>>, Rejection> {
    let too_long = || {
        Rejection::general(
            400,
            PROPS_TOO_LONG,
            "The props of the webhook post are too long.",
        )
    };
    let base = json_runes(props);
    if base > MAX_PROPS_RUNES {
        return Err(too_long());
    }
    if attachments.is_empty() {
        return Ok(Vec::new());
    }
    // `,"attachments":[…]` around the list.
    let empty = base + r#","attachments":[]"#.len();
    let mut groups: Vec<Vec<Attachment>> = vec![Vec::new()];
    let mut size = empty;
    for mut a in attachments {
        let mut len = json_runes(&a) + 1;
        if size + len > MAX_PROPS_RUNES && groups.last().is_some_and(|g| !g.is_empty()) {
            groups.push(Vec::new());
            size = empty;
        }
        if size + len > MAX_PROPS_RUNES {
            let over = size + len - MAX_PROPS_RUNES;
            let keep = a.text.chars().count().saturating_sub(over);
            a.text = a.text.chars().take(keep).collect();
            len = json_runes(&a) + 1;
            if keep == 0 || size + len > MAX_PROPS_RUNES {
                return Err(too_long());
            }
        }
        size += len;
        if let Some(g) = groups.last_mut() {
            g.push(a);
        }
    }
    Ok(groups)
}

/// The length in runes of `v` as JSON, counted as it is serialized (no copy, no text built).
fn json_runes<T: serde::Serialize + ?Sized>(v: &T) -> usize {
    struct Runes(usize);
    impl std::io::Write for Runes {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            // Every byte but a UTF-8 continuation byte starts a rune.
            self.0 += b.iter().filter(|&&c| c & 0xC0 != 0x80).count();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Runes(0);
    let _ = serde_json::to_writer(&mut n, v);
    n.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_is_a_hard_cut_on_runes() {
        let text = format!("{}{}", "é".repeat(5), "x".repeat(3));
        assert_eq!(posting::split_at_runes(&text, 4), vec!["éééé", "éxxx"]);
        assert_eq!(posting::split_at_runes("", 4), vec![""]);
        assert_eq!(posting::split_at_runes("abcd", 4), vec!["abcd"]);
    }

    #[test]
    fn json_runes_counts_the_serialized_text() {
        let v =
            serde_json::json!({"a": "héllo \"wörld\" ✓ 🐦", "n": [1, 2.5, null], "t": "\n\u{1}"});
        assert_eq!(json_runes(&v), v.to_string().chars().count());
        let m = v.as_object().unwrap();
        assert_eq!(json_runes(m), v.to_string().chars().count());
    }

    #[test]
    fn attachments_are_packed_under_the_props_limit() {
        let props = Map::new();
        let big = |n: usize| Attachment {
            text: "x".repeat(n),
            ..Default::default()
        };
        let groups = pack_attachments(&props, vec![big(10), big(20)]).unwrap();
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), vec![2]);
        let groups = pack_attachments(&props, vec![big(500_000), big(500_000), big(5)]).unwrap();
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 2]);
        let groups = pack_attachments(&props, vec![big(900_000)]).unwrap();
        assert!(groups[0][0].text.len() < MAX_PROPS_RUNES);
        let no_text = Attachment {
            title: "t".repeat(800_000),
            ..Default::default()
        };
        assert!(pack_attachments(&props, vec![no_text]).is_err());
    }
}
