//! Hosted integrations, the network-facing half: `POST /hooks/{id}/{source}` (GitHub, GitLab,
//! Gitea/Forgejo, Bitbucket, Jira, Jenkins, Redmine, Trac, Alertmanager, Grafana, `template`)
//! and native payloads detected on the plain `POST /hooks/{id}`; the preview of a payload.
//!
//! One path for every tool: look the hook up; verify the hook's secret (signature or token)
//! **before** reading the payload; translate with the pure translator of
//! `crate::integrations` (or render the hook's template); apply the hook's event filters; find
//! the thread of the object the event is about; then hand a Slack-style [`Payload`] to
//! `incoming::deliver`, which does overrides, channel checks, splitting, idempotency (keyed by
//! the tool's delivery id) and the one durable write — posts, delivery-log row and the new
//! thread root together. Ignored and filtered events answer `200 ok`, post nothing and leave a
//! delivery-log row saying why; a bad signature is a 401, a malformed payload a 400; a failure
//! never becomes a 500 unless the store fails.

use super::incoming::{self, Call, Payload, Rejection};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::integrations::template::{self, TemplateError};
use crate::integrations::{self, Headers, Outcome, SignatureError, Translated};
use crate::model::incoming_hook::IncomingHook;
use crate::store;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// 401: the hook has a secret and the call's signature or token is missing or wrong.
pub const SIGNATURE: &str = "api.webhook.integration.signature.app_error";
/// 400: the body is not a readable event of the tool.
pub const PAYLOAD: &str = "api.webhook.integration.payload.app_error";
/// 400: the hook's template failed on this payload (or produced an unusable post).
pub const TEMPLATE: &str = "api.webhook.integration.template.app_error";
/// 400: `/hooks/{id}/template` on a hook without a template.
pub const NO_TEMPLATE: &str = "api.webhook.integration.no_template.app_error";
/// 400 (preview): unknown `source`, or a payload whose tool cannot be told.
pub const SOURCE: &str = "api.webhook.integration.source.app_error";

// incoming.rs's ids for the switch and an unknown hook, so both paths answer alike.
const GENERAL: &str = "web.incoming_webhook.general.app_error";
const DISABLED: &str = "web.incoming_webhook.disabled.app_error";
const INVALID_HOOK: &str = "web.incoming_webhook.invalid.app_error";

/// Idempotency keys and thread keys longer than this are replaced by their SHA-256.
const MAX_KEY: usize = 255;

/// What a tool's call adds to an incoming-webhook call: the delivery log's source, event and
/// note, and the thread key whose root the new post becomes.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub source: String,
    pub event: String,
    pub note: String,
    pub thread_key: Option<String>,
}

/// How a call becomes a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// A built-in translator (`github`, …; `forgejo` is Gitea's).
    Tool(&'static str),
    /// The hook's template.
    Template,
}

impl Via {
    fn name(self) -> &'static str {
        match self {
            Via::Tool(t) => t,
            Via::Template => "template",
        }
    }
}

/// The built-in tool called `name` (ASCII case-insensitive).
fn tool_name(name: &str) -> Option<&'static str> {
    integrations::spelled(name)
}

/// Whether the request carries a tool's event header (`X-GitHub-Event`, …): tools without one
/// (Jira, Jenkins, Alertmanager, …) are detected only when their body is not a Slack payload.
pub fn has_event_header(req: &Req) -> bool {
    integrations::has_event_header(&Headers(&req.headers))
}

/// `POST /hooks/{hook_id}/{source}`: a tool's native payload, or (`template`) any JSON payload
/// rendered through the hook's template. Answers `200 ok` with `X-Post-Id` when it posted,
/// `200 ok` without when the event is ignored or filtered out.
pub fn handle_named(ctx: &Ctx, req: &Req, hook_id: &str, source: &str) -> Result<Resp, ApiError> {
    let via = if source.eq_ignore_ascii_case("template") {
        Via::Template
    } else {
        match tool_name(source) {
            Some(t) => Via::Tool(t),
            None => {
                return Err(ApiError::not_found(
                    "api.context.404.app_error",
                    "This webhook URL has no such sender type.",
                ))
            }
        }
    };
    let hook = lookup(ctx, hook_id)?;
    if via == Via::Template && hook.template.is_empty() {
        let call = call_for(req, ctx, via, None);
        let r = rejection(
            400,
            NO_TEMPLATE,
            "This webhook has no template; set `template` on the hook first.",
            None,
        );
        return Err(refuse(ctx, &hook, call, r));
    }
    run(ctx, req, &hook, via)
}

/// The plain `POST /hooks/{hook_id}` with a tool's event header: the hook's template when it
/// has one, else the tool the headers name.
pub fn handle_detected(ctx: &Ctx, req: &Req, hook_id: &str) -> Result<Resp, ApiError> {
    let hook = lookup(ctx, hook_id)?;
    match choose(&hook, &Headers(&req.headers), &req.body) {
        Some(via) => run(ctx, req, &hook, via),
        // Unreachable with an event header (each one names a tool); answer like a bad body.
        None => {
            let call = call_for(req, ctx, Via::Template, None);
            let r = rejection(400, PAYLOAD, "Unable to tell which tool sent this.", None);
            Err(refuse(ctx, &hook, call, r))
        }
    }
}

/// The plain `POST /hooks/{hook_id}` with a body the Slack decoder refused: a detected tool's
/// payload, or any JSON for a hook with a template. `None` when neither applies (then the
/// Slack error stands, exactly as without integrations).
pub fn handle_fallback(ctx: &Ctx, req: &Req, hook_id: &str) -> Option<Result<Resp, ApiError>> {
    let hook = ctx.app.incoming_hooks.get(ctx.db, hook_id).ok().flatten()?;
    let via = choose(&hook, &Headers(&req.headers), &req.body)?;
    Some(run(ctx, req, &hook, via))
}

/// A hook with a secret refuses Slack payloads that do not carry it (`?token=<secret>`, or
/// `Authorization: Bearer <secret>`), with the same 401 as a bad signature.
pub fn check_slack_secret(
    ctx: &Ctx,
    req: &Req,
    hook: &IncomingHook,
    call: &Call,
) -> Result<(), ApiError> {
    if hook.secret.is_empty() {
        return Ok(());
    }
    let headers = Headers(&req.headers);
    let checked = integrations::verify_signature(
        "slack",
        &headers,
        &req.body,
        &hook.secret,
        &token_query(req),
    );
    match checked {
        Ok(()) => Ok(()),
        Err(e) => {
            let mut call = call.clone();
            call.integration = Some(Meta {
                source: "slack".into(),
                ..Meta::default()
            });
            Err(refuse(ctx, hook, call, signature_rejection(e)))
        }
    }
}

/// The template when the hook has one, else the tool detected from headers and body.
fn choose(hook: &IncomingHook, headers: &Headers, body: &[u8]) -> Option<Via> {
    if !hook.template.is_empty() {
        return Some(Via::Template);
    }
    integrations::detect(headers, body).map(Via::Tool)
}

/// The live hook, after the feature switch; errors as the Slack path gives them.
fn lookup(ctx: &Ctx, hook_id: &str) -> Result<Arc<IncomingHook>, ApiError> {
    if !ctx.app.config.service.enable_incoming_webhooks {
        let r = rejection(
            501,
            GENERAL,
            "Incoming webhooks have been disabled by the system admin.",
            None,
        );
        return Err(Rejection {
            reason: DISABLED.into(),
            ..r
        }
        .into());
    }
    let hook = ctx.app.incoming_hooks.get(ctx.db, hook_id)?;
    hook.ok_or_else(|| {
        Rejection {
            reason: INVALID_HOOK.into(),
            ..rejection(400, GENERAL, "Invalid webhook.", None)
        }
        .into()
    })
}

/// The incoming-webhook call for a tool's request: its idempotency key is the
/// `Idempotency-Key` header, else the tool's delivery id (`X-GitHub-Delivery`, …).
fn call_for<'a>(req: &'a Req, ctx: &'a Ctx, via: Via, tool: Option<&str>) -> Call<'a> {
    let headers = Headers(&req.headers);
    let key = req
        .header("Idempotency-Key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .or_else(|| tool.and_then(|t| integrations::delivery_id(t, &headers)))
        .map(|k| bounded_key(&k));
    Call {
        request_id: ctx.request_id,
        remote_addr: req.client_ip(&ctx.app.config.service.trusted_proxy_ip_header),
        content_type: req.header("Content-Type").unwrap_or(""),
        body: &req.body,
        body_size: req.body.len() as u64,
        form: None,
        idempotency_key: key,
        integration: Some(Meta {
            source: via.name().into(),
            ..Meta::default()
        }),
    }
}

/// One tool call, from signature check to post.
fn run(ctx: &Ctx, req: &Req, hook: &IncomingHook, via: Via) -> Result<Resp, ApiError> {
    let headers = Headers(&req.headers);
    // Whose signature scheme and delivery id apply: the URL's tool; for a template, the tool
    // the request looks like (so GitHub can sign calls to a template hook).
    let tool = match via {
        Via::Tool(t) => Some(t),
        Via::Template => integrations::detect(&headers, &req.body),
    };
    let mut call = call_for(req, ctx, via, tool);
    if !hook.secret.is_empty() {
        let scheme = tool.unwrap_or("template");
        let query = token_query(req);
        let checked =
            integrations::verify_signature(scheme, &headers, &req.body, &hook.secret, &query);
        if let Err(e) = checked {
            return Err(refuse(ctx, hook, call, signature_rejection(e)));
        }
    }
    let translated = match translate(hook, via, tool, &headers, &req.body) {
        Ok(Outcome::Post(t)) => t,
        Ok(Outcome::Ignored { event, reason }) => return ignored(ctx, hook, call, event, reason),
        Err(r) => return Err(refuse(ctx, hook, call, r)),
    };
    let event = translated.event.clone();
    if let Some(m) = call.integration.as_mut() {
        m.event.clone_from(&event);
    }
    if !integrations::event_allowed(&hook.event_include, &hook.event_exclude, &event) {
        let why =
            format!("event {event} is filtered out by the hook's event_include/event_exclude");
        return ignored(ctx, hook, call, event, why);
    }
    let mut payload = to_payload(&translated);
    if payload.text.trim().is_empty() && payload.attachments.is_empty() {
        return ignored(ctx, hook, call, event, "nothing to post".into());
    }
    if let Some(key) = translated.thread_key.as_deref().filter(|k| !k.is_empty()) {
        let key = bounded_key(key);
        payload.root_id = match live_root(ctx, hook, &key) {
            Ok(root) => root,
            Err(r) => return Err(refuse(ctx, hook, call, r)),
        };
        if let Some(m) = call.integration.as_mut() {
            m.thread_key = Some(key);
        }
    }
    // `deliver` logs its own failures.
    let delivered = incoming::deliver(ctx, hook, payload, &call)?;
    Ok(Resp::text(200, "ok").header("X-Post-Id", delivered.post_id()))
}

/// The translator's (or template's) outcome. A template's event is the one the detected
/// tool's translator names (for event filters), else `template`; a template that renders
/// nothing ignores the event.
fn translate(
    hook: &IncomingHook,
    via: Via,
    tool: Option<&'static str>,
    headers: &Headers,
    body: &[u8],
) -> Result<Outcome, Rejection> {
    match via {
        Via::Tool(name) => {
            let Some(translator) = integrations::find(name) else {
                return Err(payload_rejection(name, "no translator"));
            };
            translator(headers, body).map_err(|e| payload_rejection(name, e))
        }
        Via::Template => {
            let value =
                integrations::json::parse_body(body).map_err(|e| payload_rejection("JSON", e))?;
            let mut t = template::render(&hook.template, &value).map_err(|e| match e {
                TemplateError::Attachments(detail) => rejection(
                    400,
                    TEMPLATE,
                    "The webhook's template produced unusable attachments.",
                    Some(detail),
                ),
                e => rejection(
                    400,
                    TEMPLATE,
                    "The webhook's template failed on this payload.",
                    Some(e.to_string()),
                ),
            })?;
            t.event = tool
                .and_then(integrations::find)
                .and_then(|f| f(headers, body).ok())
                .map(|o| match o {
                    Outcome::Post(p) => p.event,
                    Outcome::Ignored { event, .. } => event,
                })
                .unwrap_or_else(|| "template".into());
            if t.text.trim().is_empty() && t.attachments.is_empty() {
                return Ok(Outcome::ignored(t.event, "the template rendered nothing"));
            }
            Ok(Outcome::Post(t))
        }
    }
}

/// The translated post as a Slack payload. Translators write Markdown with mentions defused,
/// and templates write what their author wants, so neither goes through Slack markup
/// translation (which would turn a title's `<!channel>` into a mention).
fn to_payload(t: &Translated) -> Payload {
    Payload {
        text: t.text.clone(),
        username: t.username.clone().unwrap_or_default(),
        icon_url: t.icon_url.clone().unwrap_or_default(),
        attachments: t.attachments.clone(),
        skip_slack_parsing: true,
        ..Payload::default()
    }
}

/// The root of the thread for `key` when it is still a live root post in the hook's
/// channel; else `""` (a new thread starts, and its post replaces the mapping).
fn live_root(ctx: &Ctx, hook: &IncomingHook, key: &str) -> Result<String, Rejection> {
    let Some(root) = store::hook_threads::find_root(ctx.db, &hook.id, key)? else {
        return Ok(String::new());
    };
    Ok(match store::posts::find(ctx.db, &root)? {
        Some(p) if p.delete_at == 0 && p.root_id.is_empty() && p.channel_id == hook.channel_id => {
            p.id
        }
        _ => String::new(),
    })
}

/// An event deliberately not posted: `200 ok`, and a delivery-log row saying why.
fn ignored(
    ctx: &Ctx,
    hook: &IncomingHook,
    mut call: Call,
    event: String,
    why: String,
) -> Result<Resp, ApiError> {
    if let Some(m) = call.integration.as_mut() {
        m.event = event;
        m.note = why;
    }
    let row = call.log_entry(&hook.id, 200, "", "");
    let written = ctx.app.store.write(move |c| {
        store::incoming_hooks::insert_delivery(c, &row, incoming::LOG_ROWS_PER_HOOK)
    });
    if let Err(e) = written {
        log::warn!(
            "[{}] cannot record an ignored webhook call: {e}",
            ctx.request_id
        );
    }
    Ok(Resp::text(200, "ok"))
}

/// Logs a refused call (with the reason's detail as its note) and turns it into the answer.
fn refuse(ctx: &Ctx, hook: &IncomingHook, mut call: Call, r: Rejection) -> ApiError {
    if let Some(m) = call.integration.as_mut() {
        m.note = r.cause.clone().unwrap_or_else(|| r.message.clone());
    }
    incoming::record_failure(ctx, &hook.id, &call, &r);
    r.into()
}

fn rejection(status: u16, id: &'static str, message: &str, cause: Option<String>) -> Rejection {
    Rejection {
        status,
        outer: id,
        reason: id.into(),
        message: message.to_string(),
        cause,
    }
}

fn signature_rejection(e: SignatureError) -> Rejection {
    let message = match e {
        SignatureError::Missing => {
            "This webhook has a secret, and the request carries no signature or token."
        }
        SignatureError::Mismatch => "The webhook signature or token does not match the secret.",
    };
    rejection(401, SIGNATURE, message, Some(e.to_string()))
}

fn payload_rejection(source: &str, e: impl std::fmt::Display) -> Rejection {
    rejection(
        400,
        PAYLOAD,
        &format!("Unable to read the webhook payload as a {source} event."),
        Some(e.to_string()),
    )
}

/// A key that fits the idempotency and thread tables: itself, or `sha256:<hex>` when long.
fn bounded_key(key: &str) -> String {
    if key.len() <= MAX_KEY {
        return key.to_string();
    }
    format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// The request's `token` query parameter as a query string for `verify_signature` (the
/// request keeps only the decoded query).
fn token_query(req: &Req) -> String {
    let Some(token) = req.query("token") else {
        return String::new();
    };
    format!("token={}", crate::form::form_encode(token))
}

/// The preview of a sample payload (`POST /api/v4/hooks/incoming/{id}/preview`): what the
/// hook would do with it, without posting. `source` is a tool, `template`, or absent/`auto`
/// (as the plain endpoint decides: the hook's template, else detection). The sample's
/// headers are the preview request's own (minus `Authorization` and `Cookie`), so
/// `X-GitHub-Event: push` is sent as is. Signatures are not checked.
pub fn preview(
    ctx: &Ctx,
    hook: &IncomingHook,
    req: &Req,
    source: Option<&str>,
) -> Result<Resp, ApiError> {
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie")
        })
        .cloned()
        .collect();
    let headers = Headers(&headers);
    let body = &req.body;
    let source = source
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("auto"));
    let via = match source {
        Some(s) if s.eq_ignore_ascii_case("template") => Via::Template,
        Some(s) => Via::Tool(tool_name(s).ok_or_else(|| {
            ApiError::bad_request(
                SOURCE,
                format!(
                    "Unknown source {s:?}: use template or one of {}.",
                    integrations::names().collect::<Vec<_>>().join(", ")
                ),
            )
        })?),
        None => choose(hook, &headers, body).ok_or_else(|| {
            ApiError::bad_request(
                SOURCE,
                "Unable to tell which tool sent this payload: name it with ?source=.",
            )
        })?,
    };
    if via == Via::Template && hook.template.is_empty() {
        return Err(ApiError::bad_request(
            NO_TEMPLATE,
            "This webhook has no template; set `template` on the hook first.",
        ));
    }
    let tool = match via {
        Via::Tool(t) => Some(t),
        Via::Template => integrations::detect(&headers, body),
    };
    let outcome = translate(hook, via, tool, &headers, body).map_err(preview_error)?;
    let mut out = json!({ "source": via.name() });
    let t = match outcome {
        Outcome::Ignored { event, reason } => {
            out["event"] = json!(event);
            out["outcome"] = json!("ignored");
            out["reason"] = json!(reason);
            return Ok(Resp::ok(&out));
        }
        Outcome::Post(t) => t,
    };
    out["event"] = json!(t.event);
    if !integrations::event_allowed(&hook.event_include, &hook.event_exclude, &t.event) {
        out["outcome"] = json!("filtered");
        out["reason"] = json!(format!(
            "event {} is filtered out by the hook's event_include/event_exclude",
            t.event
        ));
        return Ok(Resp::ok(&out));
    }
    let payload = to_payload(&t);
    if payload.text.trim().is_empty() && payload.attachments.is_empty() {
        out["outcome"] = json!("ignored");
        out["reason"] = json!("nothing to post");
        return Ok(Resp::ok(&out));
    }
    let key = t
        .thread_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(bounded_key);
    let root_id = match &key {
        Some(k) => live_root(ctx, hook, k).map_err(preview_error)?,
        None => String::new(),
    };
    out["outcome"] = json!("post");
    out["thread_key"] = json!(key);
    out["post"] = would_be_post(ctx, hook, &payload, &root_id);
    Ok(Resp::ok(&out))
}

/// A refusal as the preview's answer: the same status and id, the cause in the message (the
/// caller manages the hook and is debugging exactly this).
fn preview_error(r: Rejection) -> ApiError {
    let message = match &r.cause {
        Some(c) if r.status < 500 => format!("{} {c}", r.message),
        _ => r.message.clone(),
    };
    let mut e: ApiError = r.into();
    e.message = message;
    e
}

/// The post `deliver` would create from `p` (before splitting of very long messages).
fn would_be_post(ctx: &Ctx, hook: &IncomingHook, p: &Payload, root_id: &str) -> Value {
    let cfg = &ctx.app.config.service;
    let mut props = Map::new();
    props.insert("from_webhook".into(), json!("true"));
    props.insert("webhook_display_name".into(), json!(hook.display_name));
    if cfg.enable_post_username_override {
        let name = [&p.username, &hook.username]
            .into_iter()
            .find(|u| !u.is_empty())
            .map_or("webhook", |u| u.as_str());
        props.insert("override_username".into(), json!(name));
    }
    if cfg.enable_post_icon_override {
        if let Some(icon) = [&p.icon_url, &hook.icon_url]
            .into_iter()
            .find(|u| !u.is_empty())
        {
            props.insert("override_icon_url".into(), json!(icon));
        }
    }
    let kind = if p.attachments.is_empty() {
        ""
    } else {
        props.insert("attachments".into(), json!(p.attachments));
        "slack_attachment"
    };
    json!({
        "channel_id": hook.channel_id,
        "user_id": hook.user_id,
        "root_id": root_id,
        "message": p.text,
        "type": kind,
        "props": props,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_hashed() {
        assert_eq!(bounded_key("github:o/r#1"), "github:o/r#1");
        let long = "k".repeat(MAX_KEY + 1);
        let bounded = bounded_key(&long);
        assert!(bounded.starts_with("sha256:") && bounded.len() == 7 + 64);
        assert_eq!(bounded, bounded_key(&long));
    }

    #[test]
    fn tool_names_and_aliases() {
        assert_eq!(tool_name("GitHub"), Some("github"));
        assert_eq!(tool_name("forgejo"), Some("forgejo"));
        assert_eq!(tool_name("template"), None);
        assert_eq!(tool_name("slack"), None);
    }

    #[test]
    fn the_token_is_requoted_for_verification() {
        let req = Req::new(
            crate::http::Method::Post,
            "/hooks/x?token=a%2Bb+c%26d",
            Vec::new(),
            Vec::new(),
        );
        let q = token_query(&req);
        assert_eq!(
            crate::form::form_value(q.as_bytes(), "token").as_deref(),
            Some(&b"a+b c&d"[..])
        );
    }
}
