//! The public webhook endpoints under `/hooks/` (no session: the id in the URL is the
//! credential): incoming webhooks (`incoming.rs`, with the Slack translation of `crate::slack`),
//! other tools' native payloads (`integration.rs`) and a multipart reader (`multipart.rs`).
//! Hooks are found through `cache::HookCache`, which keeps the hot path free of a database
//! read.

pub mod incoming;
pub mod integration;
pub mod multipart;

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
        (Method::Post, [id]) if is_hook_id(id) => incoming::handle(ctx, req, id),
        // A tool's native payload (`/hooks/{id}/github`, …, `/hooks/{id}/template`).
        (Method::Post, [id, source]) if is_hook_id(id) => {
            integration::handle_named(ctx, req, id, source)
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
