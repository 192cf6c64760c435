//! Translating a tool's call into the one `Payload`: the built-in translator of
//! `crate::integrations` for `/hooks/{id}/{tool}` and tools detected on `/hooks/{id}` (GitHub,
//! GitLab, Gitea/Forgejo, Bitbucket, Jira, Jenkins, Redmine, Trac, Alertmanager, Grafana), or
//! the hook's template; then the hook's event filters and the thread of the object the event
//! is about. Ignored and filtered events post nothing and leave a delivery-log row saying why;
//! a malformed payload is a 400. Also the preview of a payload
//! (`POST /api/v4/hooks/incoming/{id}/preview`), which walks the same steps without posting.

use super::call::{rejection, Call, Meta, Rejection};
use super::decode::Payload;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::integrations::template::{self, TemplateError};
use crate::integrations::{self, Headers, Outcome, SignatureError, Translated};
use crate::model::incoming_hook::IncomingHook;
use crate::store;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

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

/// Idempotency keys and thread keys longer than this are replaced by their SHA-256.
const MAX_KEY: usize = 255;

/// How a call becomes a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
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

/// How `/hooks/{id}/{name}` becomes a post: `template`, or a built-in tool.
pub(super) fn via_named(name: &str) -> Option<Via> {
    if name.eq_ignore_ascii_case("template") {
        return Some(Via::Template);
    }
    tool_name(name).map(Via::Tool)
}

/// The template when the hook has one, else the tool detected from headers and body.
pub(super) fn choose(hook: &IncomingHook, headers: &Headers, body: &[u8]) -> Option<Via> {
    if !hook.template.is_empty() {
        return Some(Via::Template);
    }
    integrations::detect(headers, body).map(Via::Tool)
}

/// The incoming-webhook call for a tool's request: its idempotency key is the
/// `Idempotency-Key` header, else the tool's delivery id (`X-GitHub-Delivery`, …).
pub(super) fn call_for<'a>(req: &'a Req, ctx: &'a Ctx, via: Via, tool: Option<&str>) -> Call<'a> {
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

/// What a tool's call comes to before planning: a payload, or an event not posted.
#[allow(
    clippy::large_enum_variant,
    reason = "moved once per call; boxing would cost an allocation"
)]
pub(super) enum Read {
    Post(Payload),
    Ignored { event: String, why: String },
}

/// Translates the call (or renders the hook's template), names its event in `call`, applies
/// the hook's event filters and finds the thread the post belongs in.
pub(super) fn read(
    ctx: &Ctx,
    req: &Req,
    hook: &IncomingHook,
    via: Via,
    tool: Option<&'static str>,
    call: &mut Call,
) -> Result<Read, Rejection> {
    let headers = Headers(&req.headers);
    let translated = match translate(hook, via, tool, &headers, &req.body)? {
        Outcome::Post(t) => t,
        Outcome::Ignored { event, reason } => return Ok(Read::Ignored { event, why: reason }),
    };
    let event = translated.event.clone();
    if let Some(m) = call.integration.as_mut() {
        m.event.clone_from(&event);
    }
    if !integrations::event_allowed(&hook.event_include, &hook.event_exclude, &event) {
        let why =
            format!("event {event} is filtered out by the hook's event_include/event_exclude");
        return Ok(Read::Ignored { event, why });
    }
    let mut payload = to_payload(&translated);
    if payload.text.trim().is_empty() && payload.attachments.is_empty() {
        let why = "nothing to post".into();
        return Ok(Read::Ignored { event, why });
    }
    if let Some(key) = translated.thread_key.as_deref().filter(|k| !k.is_empty()) {
        let key = bounded_key(key);
        payload.root_id = live_root(ctx, hook, &key)?;
        if let Some(m) = call.integration.as_mut() {
            m.thread_key = Some(key);
        }
    }
    Ok(Read::Post(payload))
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

pub(super) fn signature_rejection(e: SignatureError) -> Rejection {
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
pub(super) fn token_query(req: &Req) -> String {
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
    preview_of(ctx, hook, &req.headers, &req.body, source)
}

/// `preview` of the sample `body` sent with `headers`.
pub fn preview_of(
    ctx: &Ctx,
    hook: &IncomingHook,
    headers: &[(String, String)],
    body: &[u8],
    source: Option<&str>,
) -> Result<Resp, ApiError> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie")
        })
        .cloned()
        .collect();
    let headers = Headers(&headers);
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
