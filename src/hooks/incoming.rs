//! `POST /hooks/{hook_id}`: Slack-compatible incoming webhooks, as Mattermost accepts them
//! (`docs/spec/incoming-webhooks.md` §3–§7), plus Perch's idempotency keys and delivery log.
//!
//! Two halves. `handle` is the HTTP endpoint: it decodes the body (JSON with or without a
//! Content-Type, form `payload=`, multipart) into a [`Payload`] and finds the hook. `deliver`
//! takes an already-decoded payload and does the rest — overrides, Slack translation, channel
//! resolution, permission checks, splitting, and one durable write holding the posts, the
//! delivery-log row and the idempotency key — so other front ends (provider translators) reuse
//! it unchanged.

use super::multipart;
use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::action::Source;
use crate::model::channel::{direct_channel_name, Channel};
use crate::model::incoming_hook::{Delivery, IncomingHook, LoggedFile};
use crate::model::now_ms;
use crate::model::post::NewPost;
use crate::model::post::{check_post_type, Post};
use crate::model::user::User;
use crate::posting;
use crate::slack::{self, Attachment};
use crate::store::{self, StoreError};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Delivery-log rows kept per hook (the newest).
pub const LOG_ROWS_PER_HOOK: i64 = 100;
/// Bytes of each request body kept in the delivery log.
pub const LOG_BODY_BYTES: usize = 4096;
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// Mattermost's limit on a webhook post's props JSON, in runes (the post limit is 800000; the
/// difference leaves room for server-added props).
pub const MAX_PROPS_RUNES: usize = 760_000;

// Mattermost's outer error ids (the HTTP `id`); the specific reason goes to `detailed_error`.
const GENERAL: &str = "web.incoming_webhook.general.app_error";
const DECODE: &str = "web.incoming_webhook.decode.app_error";
const MEDIA_TYPE: &str = "web.incoming_webhook.media_type.app_error";
const PARSE_FORM: &str = "web.incoming_webhook.parse_form.app_error";
const PARSE_MULTIPART: &str = "web.incoming_webhook.parse_multipart.app_error";

// Specific reasons (Mattermost's inner ids, which older servers returned as the `id`).
const DISABLED: &str = "web.incoming_webhook.disabled.app_error";
const NO_TEXT: &str = "web.incoming_webhook.text.app_error";
const INVALID_HOOK: &str = "web.incoming_webhook.invalid.app_error";
const NO_USER: &str = "web.incoming_webhook.user.app_error";
const NO_CHANNEL: &str = "web.incoming_webhook.channel.app_error";
const LOCKED: &str = "web.incoming_webhook.channel_locked.app_error";
const NO_PERMISSION: &str = "web.incoming_webhook.permissions.app_error";
const PROPS_TOO_LONG: &str = "web.incoming_webhook.split_props_length.app_error";
const CREATING: &str = "api.post.create_webhook_post.creating.app_error";
const PARSE_DATA: &str = "model.incoming_hook.parse_data.app_error";
const INVALID_PARAM: &str = "api.context.invalid_param.app_error";
const CHANNEL_MISSING: &str = "app.channel.get.existing.app_error";
const BAD_KEY: &str = "perch.incoming_webhook.idempotency_key.app_error";
const TOO_MANY_FILES: &str = "perch.incoming_webhook.too_many_files.app_error";
const FILES_DISABLED: &str = "api.file.attachments.disabled.app_error";

/// A decoded incoming-webhook payload (Mattermost's `IncomingWebhookRequest`), however it
/// arrived.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub text: String,
    /// `""` (the hook's channel), a channel name with or without `#`, `@username` (the direct
    /// channel between the hook's owner and that user) or a DM/GM channel name.
    pub channel: String,
    pub username: String,
    pub icon_url: String,
    pub icon_emoji: String,
    /// Top-level attachments, decoded and normalized (`slack::parse_attachments`).
    pub attachments: Vec<Attachment>,
    pub props: Map<String, Value>,
    /// Post type: `""` or `custom_…` (forced to `slack_attachment` with attachments).
    pub kind: String,
    /// Perch extension: reply in this thread (a reply's id means its thread).
    pub root_id: String,
    pub priority: Option<Priority>,
    /// For senders whose text is Markdown already: no Slack markup translation.
    pub skip_slack_parsing: bool,
    /// Perch extension: the file names of a multipart call's file parts, attached to its
    /// (last) post.
    pub files: Vec<String>,
}

/// A payload's `priority` object; `priority` itself is required when the object is present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Priority {
    pub priority: Option<String>,
    pub requested_ack: bool,
    pub persistent_notifications: bool,
}

/// One call, apart from its payload: what idempotency and the delivery log need.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub request_id: &'a str,
    pub remote_addr: String,
    pub content_type: &'a str,
    /// The body, or its start when it is spooled (the log keeps only its start anyway).
    pub body: &'a [u8],
    /// The whole body's length.
    pub body_size: u64,
    /// The request whose multipart form holds the call's file parts.
    pub form: Option<&'a Req>,
    /// The `Idempotency-Key` header, or a sender's delivery id.
    pub idempotency_key: Option<String>,
    /// A tool's native payload (`integration.rs`): source, event, thread; `None` for Slack.
    pub integration: Option<super::integration::Meta>,
}

impl Call<'_> {
    /// The delivery-log row for this call.
    pub(crate) fn log_entry(
        &self,
        hook_id: &str,
        status: u16,
        error_id: &str,
        post_id: &str,
    ) -> Delivery {
        let cut = self.body.len().min(LOG_BODY_BYTES);
        let meta = self.integration.clone().unwrap_or_default();
        Delivery {
            id: self.request_id.to_string(),
            hook_id: hook_id.to_string(),
            create_at: now_ms(),
            remote_addr: self.remote_addr.clone(),
            status_code: status,
            error_id: error_id.to_string(),
            post_id: post_id.to_string(),
            content_type: self.content_type.chars().take(255).collect(),
            body_size: self.body_size as i64,
            body: String::from_utf8_lossy(&self.body[..cut]).into_owned(),
            body_truncated: (cut as u64) < self.body_size,
            idempotency_key: self.idempotency_key.clone().unwrap_or_default(),
            duplicate: false,
            source: meta.source,
            event: meta.event,
            note: meta.note,
            files: Vec::new(),
        }
    }
}

/// What a successful call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Posts created: the last one's id.
    Created(String),
    /// The idempotency key was seen in the last 24 hours: nothing created; the first call's
    /// last post.
    Repeated(String),
}

impl Delivered {
    /// Whether this call created posts (a repeated key created none).
    pub fn created(&self) -> bool {
        matches!(self, Delivered::Created(last) if !last.is_empty())
    }

    /// The id to answer in `X-Post-Id`: the last post created (or created by the first call).
    pub fn post_id(&self) -> &str {
        match self {
            Delivered::Created(last) => last,
            Delivered::Repeated(id) => id,
        }
    }
}

/// A failed call: the error the sender sees and the specific reason. Like current Mattermost
/// servers, the HTTP `id` is the outer `web.incoming_webhook.*` id and the status is the
/// reason's; the reason (the id older servers sent) is in `detailed_error` when
/// `EnableDeveloper` is on, and always in the delivery log.
#[derive(Debug)]
pub struct Rejection {
    pub status: u16,
    pub outer: &'static str,
    pub reason: Cow<'static, str>,
    pub message: String,
    /// For 500s: the internal cause, logged and never sent.
    pub cause: Option<String>,
}

impl Rejection {
    fn new(
        status: u16,
        outer: &'static str,
        reason: impl Into<Cow<'static, str>>,
        msg: &str,
    ) -> Self {
        Rejection {
            status,
            outer,
            reason: reason.into(),
            message: msg.to_string(),
            cause: None,
        }
    }

    fn general(status: u16, reason: impl Into<Cow<'static, str>>, msg: &str) -> Self {
        Self::new(status, GENERAL, reason, msg)
    }

    fn decode(detail: impl std::fmt::Display) -> Self {
        let mut r = Self::new(
            400,
            DECODE,
            PARSE_DATA,
            "Unable to decode the webhook payload.",
        );
        r.cause = Some(detail.to_string());
        r
    }

    fn internal(cause: impl std::fmt::Display) -> Self {
        let mut r = Self::general(500, CREATING, "Unable to create the post.");
        r.cause = Some(cause.to_string());
        r
    }
}

impl From<StoreError> for Rejection {
    /// A failing disk keeps the status the API gives it (507, 503); the rest is a 500.
    fn from(e: StoreError) -> Self {
        use crate::store::StorageFailure;
        let status = match e.storage_failure() {
            Some(StorageFailure::Full) => Some(507),
            Some(StorageFailure::Unwritable) => Some(503),
            None => None,
        };
        let mut r = Rejection::internal(e);
        if let Some(status) = status {
            r.status = status;
        }
        r
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let detail = match &r.cause {
            Some(c) if r.status < 500 => format!("{}: {c}", r.reason),
            _ => r.reason.to_string(),
        };
        let mut e = ApiError::new(r.status, r.outer, r.message).with_detail(detail);
        e.cause = r.cause.map(String::into_boxed_str);
        e
    }
}

/// `POST /hooks/{hook_id}`: answers `200 ok` (`text/plain`) with `X-Post-Id`, the last post
/// created.
pub fn handle(ctx: &Ctx, req: &Req, hook_id: &str) -> Result<Resp, ApiError> {
    // A multipart call is spooled to disk (it may carry files); one that fits the in-memory
    // limit is read back into memory and handled like any other body.
    let small;
    let req = if req.spooled.is_some() {
        let limit = crate::http::body_limit(&ctx.app.config);
        match req.with_body_in_memory(limit) {
            Ok(Some(r)) => {
                small = r;
                &small
            }
            Ok(None) => req,
            Err(e) => return Err(ApiError::internal(format!("reading a spooled body: {e}"))),
        }
    } else {
        req
    };
    // Perch: a provider's event header (`X-GitHub-Event`, …) marks a tool's native payload.
    if super::integration::has_event_header(req) {
        return super::integration::handle_detected(ctx, req, hook_id);
    }
    let head;
    let body: &[u8] = if req.spooled.is_some() {
        head = req.body_head(LOG_BODY_BYTES);
        &head
    } else {
        &req.body
    };
    let call = call_for(ctx, req, body);
    match accept(ctx, req, hook_id, &call) {
        Ok((hook, payload)) => {
            // Perch: a hook with a secret refuses unauthenticated Slack payloads too.
            super::integration::check_slack_secret(ctx, req, &hook, &call)?;
            // Perch: files go to disk, which is no work for an HTTP worker.
            if !payload.files.is_empty() {
                return deliver_with_files(ctx, req, hook, payload);
            }
            match plan(ctx, &hook, payload, &call) {
                Err(r) => {
                    record_failure(ctx, &hook.id, &call, &r);
                    Err(r.into())
                }
                Ok(Planned::Done(delivered)) => Ok(answer_ok(&delivered)),
                Ok(Planned::Write(write, channel)) => Ok(deliver_later(ctx, write, channel)),
            }
        }
        Err(r) => {
            // Perch: a body that is no Slack payload may be another tool's (`integration.rs`).
            if is_body_rejection(&r) {
                if let Some(answer) = super::integration::handle_fallback(ctx, req, hook_id) {
                    return answer;
                }
            }
            // A live hook logs every call, also those that failed before it was looked up.
            if r.reason != INVALID_HOOK {
                if let Ok(Some(hook)) = ctx.app.incoming_hooks.get(ctx.db, hook_id) {
                    record_failure(ctx, &hook.id, &call, &r);
                }
            }
            Err(r.into())
        }
    }
}

/// A Slack call's metadata.
fn call_for<'a>(ctx: &Ctx<'a>, req: &'a Req, body: &'a [u8]) -> Call<'a> {
    Call {
        request_id: ctx.request_id,
        remote_addr: req.client_ip(&ctx.app.config.service.trusted_proxy_ip_header),
        content_type: req.header("Content-Type").unwrap_or(""),
        body,
        body_size: req.body_len(),
        form: Some(req),
        idempotency_key: req
            .header("Idempotency-Key")
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(String::from),
        integration: None,
    }
}

/// Delivers a call that carries files, on a thread of its own: the files are streamed from
/// the body into the store, then the posts, the files' rows and the log row are written in one
/// transaction.
fn deliver_with_files(
    ctx: &Ctx,
    req: &Req,
    hook: Arc<IncomingHook>,
    payload: Payload,
) -> Result<Resp, ApiError> {
    let (req, rid) = (req.clone(), ctx.request_id.to_string());
    crate::app::off_worker(ctx.app, "hook-files", move |app| {
        let app = app
            .shared()
            .ok_or_else(|| ApiError::internal("the server is stopping"))?;
        let db = app.store.reader()?;
        let ctx = Ctx {
            app: &app,
            db: &db,
            request_id: &rid,
        };
        let head;
        let body: &[u8] = if req.spooled.is_some() {
            head = req.body_head(LOG_BODY_BYTES);
            &head
        } else {
            &req.body
        };
        let call = call_for(&ctx, &req, body);
        let delivered = deliver(&ctx, &hook, payload, &call)?;
        Ok(answer_ok(&delivered))
    })
}

/// The success answer: `200 ok` (`text/plain`) and `X-Post-Id`.
fn answer_ok(delivered: &Delivered) -> Resp {
    Resp::text(200, "ok").header("X-Post-Id", delivered.post_id())
}

/// Submits a planned delivery's write and answers from its continuation, once the posts and
/// the log row are durable; the worker serves other requests meanwhile.
fn deliver_later(ctx: &Ctx, write: Box<DeliveryWrite>, channel: Arc<Channel>) -> Resp {
    let (resp, answer) = Resp::later();
    let rid = ctx.request_id.to_string();
    let app = ctx.app.clone();
    ctx.app.store.write_then(
        write,
        |c, w| w.commit(c),
        move |written, write| {
            answer.complete(move || match written {
                Ok(delivered) => {
                    if delivered.created() {
                        posting::after_commit_integration(&app, &channel, &write.posts);
                    }
                    Ok(answer_ok(&delivered))
                }
                Err(e) => {
                    let r = Rejection::from(e);
                    let mut row = write.row;
                    row.status_code = r.status;
                    row.error_id = r.reason.to_string();
                    row.post_id.clear();
                    record_row(&app, row, &rid);
                    Err(r.into())
                }
            })
        },
    );
    resp
}

/// Whether Slack decoding refused the body itself (not the switch, the key or the hook).
fn is_body_rejection(r: &Rejection) -> bool {
    r.reason == NO_TEXT || [DECODE, MEDIA_TYPE, PARSE_FORM, PARSE_MULTIPART].contains(&r.outer)
}

/// The endpoint's own steps, in Mattermost's order: the feature switch, body decoding, the
/// empty-message check (before the lookup, so an unknown hook with an empty body reports the
/// empty body), then the hook.
fn accept(
    ctx: &Ctx,
    req: &Req,
    hook_id: &str,
    call: &Call,
) -> Result<(std::sync::Arc<IncomingHook>, Payload), Rejection> {
    if !ctx.app.config.service.enable_incoming_webhooks {
        return Err(disabled());
    }
    if call
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.len() > MAX_IDEMPOTENCY_KEY)
    {
        return Err(Rejection::general(
            400,
            BAD_KEY,
            "Idempotency-Key is longer than 255 bytes.",
        ));
    }
    let payload = decode(req, crate::http::body_limit(&ctx.app.config) as usize)?;
    check_not_empty(&payload)?;
    let hook = ctx
        .app
        .incoming_hooks
        .get(ctx.db, hook_id)?
        .ok_or_else(invalid_hook)?;
    Ok((hook, payload))
}

fn disabled() -> Rejection {
    Rejection::general(
        501,
        DISABLED,
        "Incoming webhooks have been disabled by the system admin.",
    )
}

fn invalid_hook() -> Rejection {
    Rejection::general(400, INVALID_HOOK, "Invalid webhook.")
}

fn check_not_empty(p: &Payload) -> Result<(), Rejection> {
    if p.text.is_empty() && p.attachments.is_empty() && p.files.is_empty() {
        return Err(Rejection::general(400, NO_TEXT, "No text specified."));
    }
    Ok(())
}

/// Posts a decoded payload through `hook`, records the call in the hook's delivery log (in the
/// same write as the posts; a failure gets its own small write) and honours the call's
/// idempotency key.
pub fn deliver(
    ctx: &Ctx,
    hook: &IncomingHook,
    payload: Payload,
    call: &Call,
) -> Result<Delivered, Rejection> {
    let result = deliver_inner(ctx, hook, payload, call);
    if let Err(r) = &result {
        record_failure(ctx, &hook.id, call, r);
    }
    result
}

/// Appends a failed call to the hook's delivery log (`record_row`).
pub fn record_failure(ctx: &Ctx, hook_id: &str, call: &Call, r: &Rejection) {
    let row = call.log_entry(hook_id, r.status, &r.reason, "");
    record_row(ctx.app, row, ctx.request_id);
}

/// Appends a row to a hook's delivery log, before the call is answered (so the log shows a
/// failure as soon as its sender sees it). Losing a log row must not change the answer, so a
/// failed write is only logged.
fn record_row(app: &App, row: Delivery, request_id: &str) {
    let written = app
        .store
        .write(move |c| store::incoming_hooks::insert_delivery(c, &row, LOG_ROWS_PER_HOOK));
    if let Err(e) = written {
        log::warn!("[{request_id}] cannot record a failed webhook delivery: {e}");
    }
}

/// What the channel resolution found.
enum Target {
    Channel(Arc<Channel>),
    /// The direct channel between the hook's owner and this user does not exist yet.
    NewDirect(String),
}

fn deliver_inner(
    ctx: &Ctx,
    hook: &IncomingHook,
    payload: Payload,
    call: &Call,
) -> Result<Delivered, Rejection> {
    match plan(ctx, hook, payload, call)? {
        Planned::Done(delivered) => Ok(delivered),
        Planned::Write(write, channel) => {
            // The call's files are in place; if no row is written for them, they go.
            let files = write.files.clone();
            let written = ctx.app.store.write(move |c| {
                let delivered = write.commit(c)?;
                Ok::<_, StoreError>((delivered, write))
            });
            let (delivered, mut write) = match written {
                Ok(w) => w,
                Err(e) => {
                    ctx.app.files.discard_infos(&files);
                    return Err(e.into());
                }
            };
            if delivered.created() {
                // The `posted` event shows the files, as a read of the post would.
                if let Some(last) = write.posts.last_mut() {
                    posting::set_files_metadata(last, &write.files);
                }
                posting::after_commit_integration(ctx.app, &channel, &write.posts);
                ctx.app.files.after_commit(&write.files);
            } else {
                ctx.app.files.discard_infos(&files);
            }
            Ok(delivered)
        }
    }
}

/// What `plan` decided.
enum Planned {
    /// Nothing (more) to write: a repeated idempotency key, already logged.
    Done(Delivered),
    /// The write that makes the delivery, into this channel.
    Write(Box<DeliveryWrite>, Arc<Channel>),
}

/// Everything a delivery writes in one transaction: its posts, a provider thread's root, the
/// posts' priority, the log row and the idempotency key.
struct DeliveryWrite {
    posts: Vec<Post>,
    /// The log row (also of a failed write, with its error filled in).
    row: Delivery,
    hook_id: String,
    key: Option<String>,
    thread_key: Option<String>,
    priority: Option<Priority>,
    /// The call's files (already in place), attached to its last post.
    files: Vec<crate::model::file_info::FileInfo>,
}

impl DeliveryWrite {
    /// Runs inside the writer (possibly more than once, see `Store::write_then`); gives back
    /// what was delivered.
    fn commit(&self, c: &store::Conn) -> Result<Delivered, StoreError> {
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
        // Perch: the first post about a provider object roots its thread (`integration.rs`).
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
fn plan(
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
    let files = if files.is_empty() {
        Vec::new()
    } else {
        receive_files(ctx, hook, &channel, files.len(), call)?
    };
    let mut row = None;
    if let Some(p) = posts.last_mut() {
        p.file_ids = files.iter().map(|f| f.id.clone()).collect();
        row = Some(call.log_entry(&hook.id, 200, "", &p.id));
    }
    let mut files = files;
    let mut row = row.unwrap_or_else(|| call.log_entry(&hook.id, 200, "", ""));
    for f in &mut files {
        f.post_id.clone_from(&row.post_id);
    }
    row.files = files
        .iter()
        .map(|f| LoggedFile {
            id: f.id.clone(),
            name: f.name.clone(),
            size: f.size,
        })
        .collect();
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

/// Files per webhook call: as many as a post may carry.
pub const MAX_FILES_PER_CALL: usize = crate::files::MAX_POST_FILES;

/// Streams a call's file parts into the store, as the hook's owner, in `channel`. Nothing is
/// left behind when one of them is refused.
fn receive_files(
    ctx: &Ctx,
    hook: &IncomingHook,
    channel: &Channel,
    count: usize,
    call: &Call,
) -> Result<Vec<crate::model::file_info::FileInfo>, Rejection> {
    if !ctx.app.config.files.enable_file_attachments {
        let e = crate::files::disabled();
        return Err(Rejection::new(
            403,
            FILES_DISABLED,
            FILES_DISABLED,
            &e.message,
        ));
    }
    if count > MAX_FILES_PER_CALL {
        return Err(Rejection::general(
            400,
            TOO_MANY_FILES,
            &format!("A webhook call may carry at most {MAX_FILES_PER_CALL} files."),
        ));
    }
    let Some(req) = call.form else {
        return Err(Rejection::internal("a call with files but no form"));
    };
    let content_type = req.header("Content-Type").unwrap_or("");
    let boundary = multipart::boundary(content_type)
        .ok_or_else(|| Rejection::internal("a call with files but no boundary"))?;
    let mut body = req.body_reader().map_err(Rejection::internal)?;
    let mut mp = crate::files::multipart::Multipart::new(&mut body, &boundary);
    let mut placed = Vec::new();
    let now = now_ms();
    let result = (|| {
        while let Some(head) = mp
            .next_part()
            .map_err(|e| file_rejection(crate::files::bad_request(e.to_string())))?
        {
            let Some(name) = head.filename.filter(|f| !f.is_empty()) else {
                continue;
            };
            let to = crate::files::Incoming {
                channel_id: &channel.id,
                creator_id: &hook.user_id,
                raw_name: &name,
            };
            let p = ctx
                .app
                .files
                .receive(to, crate::files::Source::Stream(&mut mp.part()), now)
                .map_err(file_rejection)?;
            placed.push(p);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(placed.into_iter().map(|p| p.info).collect()),
        Err(r) => {
            ctx.app.files.discard(&placed);
            Err(r)
        }
    }
}

/// A file refused while a call is received, with the file API's error id.
fn file_rejection(e: ApiError) -> Rejection {
    if e.status >= 500 {
        return Rejection::internal(e.cause.as_deref().unwrap_or(&e.message));
    }
    let id: &'static str = match &*e.id {
        "api.file.upload_file.too_large_detailed.app_error" => {
            "api.file.upload_file.too_large_detailed.app_error"
        }
        "api.file.upload_file.invalid_name.app_error" => {
            "api.file.upload_file.invalid_name.app_error"
        }
        "api.file.upload_file.large_image_detailed.app_error" => {
            "api.file.upload_file.large_image_detailed.app_error"
        }
        _ => PARSE_MULTIPART,
    };
    let mut r = Rejection::new(e.status, id, id, &e.message);
    r.cause = (!e.detail.is_empty()).then(|| e.detail.clone());
    r
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

// ---------------------------------------------------------------------------------------------
// Body decoding (§3.1)
// ---------------------------------------------------------------------------------------------

/// Decodes the request body by its media type; a multipart form's text fields may hold at most
/// `field_limit` bytes.
pub fn decode(req: &Req, field_limit: usize) -> Result<Payload, Rejection> {
    let content_type = req.header("Content-Type").unwrap_or("").trim();
    let media = if content_type.is_empty() {
        String::new()
    } else {
        media_type(content_type).ok_or_else(|| {
            Rejection::new(
                400,
                MEDIA_TYPE,
                MEDIA_TYPE,
                "Unable to parse the Content-Type of the webhook request.",
            )
        })?
    };
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            let form = crate::form::parse_form_strict(&req.body).ok_or_else(|| {
                Rejection::new(
                    400,
                    PARSE_FORM,
                    PARSE_FORM,
                    "Unable to parse the webhook form.",
                )
            })?;
            let payload = form
                .iter()
                .find(|(k, _)| k == "payload")
                .map(|(_, v)| v.as_str())
                .or_else(|| req.query("payload"))
                .unwrap_or("");
            decode_json(payload.as_bytes())
        }
        "multipart/form-data" => {
            let bad = |why: String| {
                let mut r = Rejection::new(
                    400,
                    PARSE_MULTIPART,
                    PARSE_MULTIPART,
                    "Unable to parse the multipart webhook request.",
                );
                r.cause = Some(why);
                r
            };
            let boundary =
                multipart::boundary(content_type).ok_or_else(|| bad("no boundary".into()))?;
            let mut body = req.body_reader().map_err(|e| bad(e.to_string()))?;
            let form = multipart::read_form(&mut body, &boundary, field_limit).map_err(bad)?;
            let mut payload = decode_fields(&form.fields)?;
            payload.files = form.files;
            Ok(payload)
        }
        _ => decode_json(&req.body),
    }
}

/// A media type as Go's `mime.ParseMediaType` reads it: `type/subtype` (or a bare token),
/// lower-cased; parameters are not checked. `None` when it does not parse.
pub fn media_type(value: &str) -> Option<String> {
    let base = crate::form::base_media_type(value);
    let (main, sub) = match base.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (base.as_str(), None),
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    (token(main) && sub.is_none_or(token)).then_some(base.clone())
}

/// Multipart form fields mapped onto the payload. Mattermost matches its Go field names
/// case-insensitively (`text`, `username`, `iconurl`, `channelname`, `iconemoji`, `type`) and
/// refuses other names; Perch also takes the JSON names (`icon_url`, `channel`, `icon_emoji`)
/// and a `payload` field holding the JSON payload, as form bodies have.
fn decode_fields(fields: &[multipart::FormField]) -> Result<Payload, Rejection> {
    if let Some(f) = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("payload"))
    {
        return decode_json(f.value.as_bytes());
    }
    let mut p = Payload::default();
    let mut seen: Vec<String> = Vec::new();
    for f in fields {
        let name = f.name.to_ascii_lowercase();
        if seen.contains(&name) {
            continue; // the first value of a repeated field counts
        }
        let slot = match name.as_str() {
            "text" => &mut p.text,
            "username" => &mut p.username,
            "iconurl" | "icon_url" => &mut p.icon_url,
            "channelname" | "channel" => &mut p.channel,
            "iconemoji" | "icon_emoji" => &mut p.icon_emoji,
            "type" => &mut p.kind,
            _ => {
                return Err(Rejection::decode(format!(
                    "unknown form field {:?}",
                    f.name
                )))
            }
        };
        *slot = f.value.clone();
        seen.push(name);
    }
    Ok(p)
}

/// Decodes a JSON payload. Like Mattermost, a body that fails to parse is retried with raw
/// newlines and tabs inside its strings escaped (Slack tolerates them); like Go's decoder, only
/// the first JSON value counts.
pub fn decode_json(body: &[u8]) -> Result<Payload, Rejection> {
    let first = |b: &[u8]| {
        serde_json::Deserializer::from_slice(b)
            .into_iter::<Value>()
            .next()
            .unwrap_or_else(|| Err(serde::de::Error::custom("empty body")))
    };
    let value = match first(body) {
        Ok(v) => v,
        Err(e) => match escape_controls_in_strings(body) {
            Some(fixed) => first(&fixed).map_err(Rejection::decode)?,
            None => return Err(Rejection::decode(e)),
        },
    };
    payload_from_json(&value).map_err(Rejection::decode)
}

/// Escapes raw control characters inside JSON string literals; `None` when there are none.
fn escape_controls_in_strings(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            } else if b < 0x20 {
                changed = true;
                match b {
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                }
                continue;
            }
        } else if b == b'"' {
            in_string = true;
        }
        out.push(b);
    }
    changed.then_some(out)
}

/// Maps a decoded JSON value onto the payload, with Go's rules: keys match case-insensitively,
/// `null` leaves a field empty, a wrong type is an error, unknown keys are ignored.
pub fn payload_from_json(v: &Value) -> Result<Payload, String> {
    let empty = Map::new();
    let m = match v {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err("the payload must be a JSON object".into()),
    };
    let s = |name: &str| slack::string_field(m, name);
    let props = match slack::member(m, "props") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err("props: expected an object".into()),
    };
    let priority = match slack::member(m, "priority") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => {
            let flag = |name: &str| match slack::member(p, name) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("priority.{name}: expected a boolean")),
            };
            let priority = match slack::member(p, "priority") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("priority.priority: expected a string".into()),
            };
            Some(Priority {
                priority,
                requested_ack: flag("requested_ack")?,
                persistent_notifications: flag("persistent_notifications")?,
            })
        }
        Some(_) => return Err("priority: expected an object".into()),
    };
    Ok(Payload {
        text: s("text")?,
        channel: s("channel")?,
        username: s("username")?,
        icon_url: s("icon_url")?,
        icon_emoji: s("icon_emoji")?,
        attachments: slack::parse_attachments(
            slack::member(m, "attachments").unwrap_or(&Value::Null),
        )?,
        props,
        kind: s("type")?,
        root_id: s("root_id")?,
        priority,
        skip_slack_parsing: false,
        files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_parse_like_go() {
        assert_eq!(
            media_type("application/json;charset=utf-8").as_deref(),
            Some("application/json")
        );
        assert_eq!(
            media_type(" Application/JSON ; charset=\"x\"").as_deref(),
            Some("application/json")
        );
        assert_eq!(media_type("json").as_deref(), Some("json"));
        for bad in [
            "application/",
            "/json",
            "application/json x",
            "a/b/c",
            "@@",
            ";",
        ] {
            assert_eq!(media_type(bad), None, "{bad}");
        }
    }

    #[test]
    fn raw_newlines_in_strings_are_tolerated() {
        let p = decode_json(b"{\"text\": \"line one\nline\ttwo\"}").unwrap();
        assert_eq!(p.text, "line one\nline\ttwo");
        let fixed = escape_controls_in_strings(b"{\n\"a\": \"x\ny\"\n}").unwrap();
        assert_eq!(fixed, b"{\n\"a\": \"x\\ny\"\n}");
        assert!(decode_json(b"{\"text\": 5}").is_err());
        assert!(decode_json(b"").is_err());
        assert!(decode_json(b"[1]").is_err());
        // Only the first JSON value counts, as with Go's decoder.
        assert_eq!(
            decode_json(b"{\"text\": \"a\"} trailing").unwrap().text,
            "a"
        );
    }

    #[test]
    fn json_fields_follow_go_rules() {
        let p = decode_json(
            br#"{"TEXT": "t", "text": null, "Icon_URL": "i", "channel": null,
            "props": {"card": "c"}, "priority": {"priority": "urgent", "requested_ack": true},
            "attachments": [null], "unknown": [1]}"#,
        )
        .unwrap();
        // The exact key wins over a case-insensitive one.
        assert_eq!(p.text, "");
        assert_eq!(p.icon_url, "i");
        assert_eq!(p.props["card"], "c");
        assert_eq!(
            p.priority.as_ref().unwrap().priority.as_deref(),
            Some("urgent")
        );
        assert!(p.priority.unwrap().requested_ack);
        assert!(p.attachments.is_empty());
        assert!(decode_json(br#"{"priority": {"requested_ack": "yes"}}"#).is_err());
        assert!(decode_json(br#"{"props": []}"#).is_err());
    }

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
