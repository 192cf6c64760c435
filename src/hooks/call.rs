//! One call to `/hooks/…` apart from its payload: what idempotency and the delivery log need
//! (`Call`), what it delivered (`Delivered`), how it is refused (`Rejection`, with
//! Mattermost's error ids), and the delivery-log rows every outcome leaves (`record_failure`,
//! `ignored`, `refuse`).

use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::incoming_hook::{Delivery, IncomingHook};
use crate::model::now_ms;
use crate::store::{self, StoreError};
use std::borrow::Cow;

/// Delivery-log rows kept per hook (the newest).
pub const LOG_ROWS_PER_HOOK: i64 = 100;
/// Bytes of each request body kept in the delivery log.
pub const LOG_BODY_BYTES: usize = 4096;
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
// Mattermost's outer error ids (the HTTP `id`); the specific reason goes to `detailed_error`.
pub(super) const GENERAL: &str = "web.incoming_webhook.general.app_error";
pub(super) const DECODE: &str = "web.incoming_webhook.decode.app_error";
pub(super) const MEDIA_TYPE: &str = "web.incoming_webhook.media_type.app_error";
pub(super) const PARSE_FORM: &str = "web.incoming_webhook.parse_form.app_error";
pub(super) const PARSE_MULTIPART: &str = "web.incoming_webhook.parse_multipart.app_error";

// Specific reasons (Mattermost's inner ids, which older servers returned as the `id`).
pub(super) const DISABLED: &str = "web.incoming_webhook.disabled.app_error";
pub(super) const NO_TEXT: &str = "web.incoming_webhook.text.app_error";
pub(super) const INVALID_HOOK: &str = "web.incoming_webhook.invalid.app_error";
pub(super) const NO_USER: &str = "web.incoming_webhook.user.app_error";
pub(super) const NO_CHANNEL: &str = "web.incoming_webhook.channel.app_error";
pub(super) const LOCKED: &str = "web.incoming_webhook.channel_locked.app_error";
pub(super) const NO_PERMISSION: &str = "web.incoming_webhook.permissions.app_error";
pub(super) const PROPS_TOO_LONG: &str = "web.incoming_webhook.split_props_length.app_error";
pub(super) const CREATING: &str = "api.post.create_webhook_post.creating.app_error";
pub(super) const PARSE_DATA: &str = "model.incoming_hook.parse_data.app_error";
pub(super) const INVALID_PARAM: &str = "api.context.invalid_param.app_error";
pub(super) const CHANNEL_MISSING: &str = "app.channel.get.existing.app_error";
pub(super) const BAD_KEY: &str = "perch.incoming_webhook.idempotency_key.app_error";
pub(super) const TOO_MANY_FILES: &str = "perch.incoming_webhook.too_many_files.app_error";
pub(super) const FILES_DISABLED: &str = "api.file.attachments.disabled.app_error";

/// What a tool's call adds to an incoming-webhook call: the delivery log's source, event and
/// note, and the thread key whose root the new post becomes.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub source: String,
    pub event: String,
    pub note: String,
    pub thread_key: Option<String>,
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
    /// A tool's native payload (`translate.rs`): source, event, thread; `None` for Slack.
    pub integration: Option<Meta>,
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
    pub(super) fn new(
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

    pub(super) fn general(status: u16, reason: impl Into<Cow<'static, str>>, msg: &str) -> Self {
        Self::new(status, GENERAL, reason, msg)
    }

    pub(super) fn decode(detail: impl std::fmt::Display) -> Self {
        let mut r = Self::new(
            400,
            DECODE,
            PARSE_DATA,
            "Unable to decode the webhook payload.",
        );
        r.cause = Some(detail.to_string());
        r
    }

    pub(super) fn internal(cause: impl std::fmt::Display) -> Self {
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

pub(super) fn disabled() -> Rejection {
    Rejection::general(
        501,
        DISABLED,
        "Incoming webhooks have been disabled by the system admin.",
    )
}

pub(super) fn invalid_hook() -> Rejection {
    Rejection::general(400, INVALID_HOOK, "Invalid webhook.")
}

/// The body a call's log row keeps: the request's body, or the start of it when it is spooled
/// (the log keeps only `LOG_BODY_BYTES` anyway).
pub(super) fn logged_body(req: &Req) -> Cow<'_, [u8]> {
    if req.spooled.is_some() {
        Cow::Owned(req.body_head(LOG_BODY_BYTES))
    } else {
        Cow::Borrowed(&req.body[..])
    }
}

/// Appends a failed call to the hook's delivery log (`record_row`).
pub fn record_failure(ctx: &Ctx, hook_id: &str, call: &Call, r: &Rejection) {
    let row = call.log_entry(hook_id, r.status, &r.reason, "");
    record_row(ctx.app, row, ctx.request_id);
}

/// Appends a row to a hook's delivery log, before the call is answered (so the log shows a
/// failure as soon as its sender sees it). Losing a log row must not change the answer, so a
/// failed write is only logged.
pub(super) fn record_row(app: &App, row: Delivery, request_id: &str) {
    let written = app
        .store
        .write(move |c| store::incoming_hooks::insert_delivery(c, &row, LOG_ROWS_PER_HOOK));
    if let Err(e) = written {
        log::warn!("[{request_id}] cannot record a failed webhook delivery: {e}");
    }
}

/// An event deliberately not posted: `200 ok`, and a delivery-log row saying why.
pub(super) fn ignored(
    ctx: &Ctx,
    hook: &IncomingHook,
    mut call: Call,
    event: String,
    why: String,
) -> Resp {
    if let Some(m) = call.integration.as_mut() {
        m.event = event;
        m.note = why;
    }
    let row = call.log_entry(&hook.id, 200, "", "");
    let written = ctx
        .app
        .store
        .write(move |c| store::incoming_hooks::insert_delivery(c, &row, LOG_ROWS_PER_HOOK));
    if let Err(e) = written {
        log::warn!(
            "[{}] cannot record an ignored webhook call: {e}",
            ctx.request_id
        );
    }
    Resp::text(200, "ok")
}

/// Logs a refused call (a tool's with the reason's detail as its note) and turns it into the
/// answer.
pub(super) fn refuse(ctx: &Ctx, hook: &IncomingHook, mut call: Call, r: Rejection) -> ApiError {
    if let Some(m) = call.integration.as_mut() {
        m.note = r.cause.clone().unwrap_or_else(|| r.message.clone());
    }
    record_failure(ctx, &hook.id, &call, &r);
    r.into()
}

/// A refusal whose outer id is its reason (the integration ids).
pub(super) fn rejection(
    status: u16,
    id: &'static str,
    message: &str,
    cause: Option<String>,
) -> Rejection {
    Rejection {
        status,
        outer: id,
        reason: id.into(),
        message: message.to_string(),
        cause,
    }
}
