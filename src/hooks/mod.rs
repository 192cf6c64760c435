//! The public webhook endpoints under `/hooks/` (no session: the id in the URL is the
//! credential), Slack-compatible incoming webhooks as Mattermost accepts them
//! (`docs/spec/incoming-webhooks.md` §3–§7) plus other tools' native payloads, Perch's
//! idempotency keys and delivery log.
//!
//! A call to `POST /hooks/{id}` (or `/hooks/{id}/{tool}`) walks one line, in `endpoint.rs`:
//! identify the source and the hook → verify the hook's secret → decode (`decode.rs`, a Slack
//! payload) or translate (`translate.rs`, a tool's or the hook's template) into one `Payload`
//! → plan (`plan.rs`: checks, Slack translation, channel, splitting) → one write (posts,
//! delivery-log row, idempotency key, thread root) → the answer, from the write's
//! continuation. `call.rs` holds what every step shares: the call, its refusals and its log
//! rows; `multipart.rs` reads multipart bodies; `files.rs` takes a multipart call's file parts
//! (Perch's extension), delivered off the worker. Hooks are found through `cache::HookCache`,
//! which keeps the hot path free of a database read.

pub mod call;
pub mod decode;
mod endpoint;
mod files;
pub mod multipart;
pub mod plan;
pub mod translate;

use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Method, Req, Resp};

/// `/hooks/{id}` and `/hooks/{id}/{source}` (incoming webhooks, native payloads of other tools)
/// and `/hooks/commands/{id}` (slash-command response URLs).
/// Literal rows go above the `[id, _]` catch-all.
pub fn route(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let seg = req.segments_after("/hooks");
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method, seg.as_slice()) {
        (Method::Post, ["commands", id]) => {
            crate::commands::response_url(ctx, id, &req.media_type(), &req.body)?;
            Ok(Resp::text(200, "ok"))
        }
        (Method::Post, [id]) if is_hook_id(id) => endpoint::handle(ctx, req, id, None),
        // A tool's native payload (`/hooks/{id}/github`, …, `/hooks/{id}/template`).
        (Method::Post, [id, source]) if is_hook_id(id) => {
            endpoint::handle(ctx, req, id, Some(source))
        }
        _ => Err(ApiError::not_found(
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        )),
    }
}

/// Mattermost's route pattern for hook ids, `[A-Za-z0-9]+`.
fn is_hook_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}
