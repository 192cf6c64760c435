//! `POST /hooks/{hook_id}` and `POST /hooks/{hook_id}/{source}`: one straight line that each
//! request walks once — identify the source (and the hook) → verify the hook's secret →
//! decode or translate into one `Payload` → plan → write → answer. Every refusal on the way
//! leaves a delivery-log row once the hook is known.

use super::call::{self, Call, Delivered, Meta, Rejection};
use super::call::{BAD_KEY, DECODE, INVALID_HOOK, MAX_IDEMPOTENCY_KEY, MEDIA_TYPE, NO_TEXT};
use super::call::{PARSE_FORM, PARSE_MULTIPART};
use super::decode::{self, Payload};
use super::files;
use super::plan::{self, DeliveryWrite, Planned};
use super::translate::{self, Read, Via};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::integrations::{self, Headers};
use crate::model::channel::Channel;
use crate::model::incoming_hook::IncomingHook;
use crate::posting;
use std::sync::Arc;

/// Where a call's post comes from.
#[allow(
    clippy::large_enum_variant,
    reason = "moved once per call; boxing would cost an allocation on the hot path"
)]
enum Source {
    /// A Slack payload, already decoded (telling it apart meant decoding it).
    Slack(Payload),
    /// A tool's native payload, or any JSON for the hook's template. `tool` is the tool whose
    /// signature scheme and delivery id apply: the URL's, or for a template the one the
    /// request looks like (so GitHub can sign calls to a template hook).
    Tool {
        via: Via,
        tool: Option<&'static str>,
    },
}

/// A call whose hook and source are known.
struct Identified<'a> {
    hook: Arc<IncomingHook>,
    source: Source,
    call: Call<'a>,
}

/// The endpoint. `named` is the `{source}` of `/hooks/{hook_id}/{source}`.
pub fn handle(ctx: &Ctx, req: &Req, hook_id: &str, named: Option<&str>) -> Result<Resp, ApiError> {
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
    let body = call::logged_body(req);
    let Identified {
        hook,
        source,
        mut call,
    } = identify(ctx, req, &body, hook_id, named)?;
    verify(ctx, req, &hook, &source, &call)?;
    let payload = match source {
        // Perch: files go to disk, which is no work for an HTTP worker.
        Source::Slack(payload) if !payload.files.is_empty() => {
            return files::deliver_off_worker(ctx, req, hook, payload);
        }
        Source::Slack(payload) => payload,
        Source::Tool { via, tool } => {
            match translate::read(ctx, req, &hook, via, tool, &mut call) {
                Ok(Read::Post(payload)) => payload,
                Ok(Read::Ignored { event, why }) => {
                    return Ok(call::ignored(ctx, &hook, call, event, why))
                }
                Err(r) => return Err(call::refuse(ctx, &hook, call, r)),
            }
        }
    };
    match plan::plan(ctx, &hook, payload, &call) {
        Ok(Planned::Done(delivered)) => Ok(answer_ok(&delivered)),
        Ok(Planned::Write(write, channel)) => Ok(deliver_later(ctx, write, channel)),
        Err(r) => {
            call::record_failure(ctx, &hook.id, &call, &r);
            Err(r.into())
        }
    }
}

/// The hook and where the call's post comes from: the URL's tool or template; a tool's event
/// header (`X-GitHub-Event`, …); else a Slack payload, or — when the body is no Slack payload
/// — a tool detected from it, or the hook's template.
fn identify<'a>(
    ctx: &'a Ctx,
    req: &'a Req,
    body: &'a [u8],
    hook_id: &str,
    named: Option<&str>,
) -> Result<Identified<'a>, ApiError> {
    let headers = Headers(&req.headers);
    if let Some(name) = named {
        let via = translate::via_named(name).ok_or_else(|| {
            ApiError::not_found(
                "api.context.404.app_error",
                "This webhook URL has no such sender type.",
            )
        })?;
        let hook = lookup(ctx, hook_id)?;
        if via == Via::Template && hook.template.is_empty() {
            let call = translate::call_for(req, ctx, via, None);
            let r = call::rejection(
                400,
                translate::NO_TEMPLATE,
                "This webhook has no template; set `template` on the hook first.",
                None,
            );
            return Err(call::refuse(ctx, &hook, call, r));
        }
        return Ok(tool_call(ctx, req, hook, via));
    }
    if integrations::has_event_header(&headers) {
        let hook = lookup(ctx, hook_id)?;
        return match translate::choose(&hook, &headers, &req.body) {
            Some(via) => Ok(tool_call(ctx, req, hook, via)),
            // Unreachable with an event header (each one names a tool); answer like a bad body.
            None => {
                let call = translate::call_for(req, ctx, Via::Template, None);
                let r = call::rejection(
                    400,
                    translate::PAYLOAD,
                    "Unable to tell which tool sent this.",
                    None,
                );
                Err(call::refuse(ctx, &hook, call, r))
            }
        };
    }
    let call = slack_call(ctx, req, body);
    match accept(ctx, req, hook_id, &call) {
        Ok((hook, payload)) => Ok(Identified {
            hook,
            source: Source::Slack(payload),
            call,
        }),
        Err(r) => {
            // A body that is no Slack payload may be another tool's.
            if is_body_rejection(&r) {
                let hook = ctx.app.incoming_hooks.get(ctx.db, hook_id).ok().flatten();
                if let Some(hook) = hook {
                    if let Some(via) = translate::choose(&hook, &headers, &req.body) {
                        return Ok(tool_call(ctx, req, hook, via));
                    }
                }
            }
            // A live hook logs every call, also those that failed before it was looked up.
            if r.reason != INVALID_HOOK {
                if let Ok(Some(hook)) = ctx.app.incoming_hooks.get(ctx.db, hook_id) {
                    call::record_failure(ctx, &hook.id, &call, &r);
                }
            }
            Err(r.into())
        }
    }
}

/// A Slack payload's call: its idempotency key is the `Idempotency-Key` header. `body` is the
/// request's body, or its start when it is spooled.
pub(super) fn slack_call<'a>(ctx: &'a Ctx, req: &'a Req, body: &'a [u8]) -> Call<'a> {
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

/// A tool's (or template's) call.
fn tool_call<'a>(ctx: &'a Ctx, req: &'a Req, hook: Arc<IncomingHook>, via: Via) -> Identified<'a> {
    let tool = match via {
        Via::Tool(t) => Some(t),
        Via::Template => integrations::detect(&Headers(&req.headers), &req.body),
    };
    Identified {
        call: translate::call_for(req, ctx, via, tool),
        hook,
        source: Source::Tool { via, tool },
    }
}

/// The Slack path's own steps, in Mattermost's order: the feature switch, the key, body
/// decoding, the empty-message check (before the lookup, so an unknown hook with an empty
/// body reports the empty body), then the hook.
fn accept(
    ctx: &Ctx,
    req: &Req,
    hook_id: &str,
    call: &Call,
) -> Result<(Arc<IncomingHook>, Payload), Rejection> {
    if !ctx.app.config.service.enable_incoming_webhooks {
        return Err(call::disabled());
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
    let payload = decode::decode(req, crate::http::body_limit(&ctx.app.config) as usize)?;
    plan::check_not_empty(&payload)?;
    let hook = ctx
        .app
        .incoming_hooks
        .get(ctx.db, hook_id)?
        .ok_or_else(call::invalid_hook)?;
    Ok((hook, payload))
}

/// Whether Slack decoding refused the body itself (not the switch, the key or the hook).
fn is_body_rejection(r: &Rejection) -> bool {
    r.reason == NO_TEXT || [DECODE, MEDIA_TYPE, PARSE_FORM, PARSE_MULTIPART].contains(&r.outer)
}

/// The live hook of a tool's call, after the feature switch; errors as the Slack path gives
/// them (not logged: they come before the hook is known).
fn lookup(ctx: &Ctx, hook_id: &str) -> Result<Arc<IncomingHook>, ApiError> {
    if !ctx.app.config.service.enable_incoming_webhooks {
        return Err(call::disabled().into());
    }
    let hook = ctx.app.incoming_hooks.get(ctx.db, hook_id)?;
    hook.ok_or_else(|| call::invalid_hook().into())
}

/// The hook's secret, checked before the payload is translated: a tool's signature scheme, or
/// for a Slack payload `?token=<secret>` or `Authorization: Bearer <secret>`. A refusal is
/// the same 401 for both.
fn verify(
    ctx: &Ctx,
    req: &Req,
    hook: &IncomingHook,
    source: &Source,
    call: &Call,
) -> Result<(), ApiError> {
    if hook.secret.is_empty() {
        return Ok(());
    }
    let scheme = match source {
        Source::Slack(_) => "slack",
        Source::Tool { tool, .. } => tool.unwrap_or("template"),
    };
    let headers = Headers(&req.headers);
    let query = translate::token_query(req);
    let checked = integrations::verify_signature(scheme, &headers, &req.body, &hook.secret, &query);
    let Err(e) = checked else {
        return Ok(());
    };
    let mut call = call.clone();
    if matches!(source, Source::Slack(_)) {
        call.integration = Some(Meta {
            source: "slack".into(),
            ..Meta::default()
        });
    }
    Err(call::refuse(
        ctx,
        hook,
        call,
        translate::signature_rejection(e),
    ))
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
                    call::record_row(&app, row, &rid);
                    Err(r.into())
                }
            })
        },
    );
    resp
}
