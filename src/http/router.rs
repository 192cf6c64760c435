//! The top-level table: `/api/v4/…` → `api::route`, `/hooks/…` → webhook endpoints, everything
//! else → static files. Also where errors become responses and the general rate limit applies.

use super::{static_files, Method, Req, Resp};
use crate::app::Ctx;
use crate::error::ApiError;

pub fn dispatch(ctx: &Ctx, req: &Req) -> Resp {
    let limits = &ctx.app.limits;
    let mut rate_headers = None;
    if let Some(g) = &limits.general {
        let key = rate_key(ctx, req);
        let d = g.check(&key);
        if !d.allowed {
            return d.rejection();
        }
        rate_headers = Some(d);
    }
    let path = req.path.as_str();
    let result = if path == "/api/v4" || path.starts_with("/api/v4/") {
        crate::api::route(ctx, req)
    } else if path.starts_with("/hooks/") {
        hooks(ctx, req)
    } else {
        static_files::serve(ctx, req)
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            log_error(ctx, req, &e);
            e.to_response(ctx.request_id, ctx.app.config.service.enable_developer)
        }
    };
    // A limiter inside the handler (per user, login) already set its own values; like
    // Mattermost's, they replace the outer limiter's.
    let has_inner = resp
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("X-Ratelimit-Limit"));
    if let (Some(d), false) = (rate_headers, has_inner) {
        resp.headers.extend(d.headers());
    }
    resp
}

/// `/hooks/{id}` and `/hooks/{id}/{source}` (incoming webhooks, native payloads of other tools)
/// and `/hooks/commands/{id}` (slash-command response URLs).
/// Literal rows go above the `[id, _]` catch-all.
fn hooks(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let seg = req.segments_after("/hooks");
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (req.method, seg.as_slice()) {
        (Method::Post, ["commands", id]) => crate::commands::response_url(ctx, req, id),
        (Method::Post, [id]) if is_hook_id(id) => crate::hooks::incoming::handle(ctx, req, id),
        // A tool's native payload (`/hooks/{id}/github`, …, `/hooks/{id}/template`).
        (Method::Post, [id, source]) if is_hook_id(id) => {
            crate::hooks::integration::handle_named(ctx, req, id, source)
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

/// The general limiter's key, as Mattermost builds it.
fn rate_key(ctx: &Ctx, req: &Req) -> String {
    let l = &ctx.app.limits;
    let mut key = String::new();
    if l.vary_by_user {
        if let Some((t, _)) = crate::auth::token_from(req) {
            key = crate::auth::digest(&t);
        }
    }
    if key.is_empty() && l.vary_by_remote_addr {
        key = client_ip(ctx, req);
    }
    if !l.vary_by_header.is_empty() {
        key.push('|');
        key.push_str(
            &req.header(&l.vary_by_header)
                .unwrap_or("")
                .to_ascii_lowercase(),
        );
    }
    key
}

/// The client IP, honouring `ServiceSettings.TrustedProxyIPHeader`.
pub fn client_ip(ctx: &Ctx, req: &Req) -> String {
    for h in &ctx.app.config.service.trusted_proxy_ip_header {
        if let Some(v) = req.header(h) {
            if let Some(first) = v.split(',').next() {
                let ip = first.trim();
                if !ip.is_empty() {
                    return ip.to_string();
                }
            }
        }
    }
    req.remote_ip()
}

fn log_error(ctx: &Ctx, req: &Req, e: &ApiError) {
    log_error_at(ctx.request_id, &req.path, e);
}

/// Logs a handler's error: 5xx as errors (with the cause), refusals of access as info.
pub fn log_error_at(rid: &str, path: &str, e: &ApiError) {
    let path = super::redact_path(path);
    match e.status {
        500.. => log::error!(
            "[{rid}] {path}: {} ({})",
            e.id,
            e.cause.as_deref().unwrap_or(&e.detail)
        ),
        401 | 403 => log::info!("[{rid}] {path}: {} {}", e.status, e.id),
        _ => log::debug!("[{rid}] {path}: {} {}", e.status, e.id),
    }
}

/// Answers `405`-free: Mattermost gives the catch-all 404 for a known path with another method.
pub fn method_is_read(m: Method) -> bool {
    matches!(m, Method::Get | Method::Head)
}
