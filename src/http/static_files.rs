//! Web assets from `static/`, compiled into the binary; `PerchSettings.StaticDir` serves them
//! from disk instead (front-end work without rebuilding).

use super::{Method, Req, Resp};
use crate::app::Ctx;
use crate::error::ApiError;

/// (path, content type, bytes)
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../static/index.html"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/style.css"),
    ),
    (
        "/README.md",
        "text/plain; charset=utf-8",
        include_bytes!("../../README.md"),
    ),
];

pub fn serve(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    if req.method != Method::Get && req.method != Method::Head {
        return Err(ApiError::not_found(
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        ));
    }
    let path = match req.path.as_str() {
        "/" | "" => "/index.html",
        "/README" => "/README.md",
        p => p.strip_prefix("/static").unwrap_or(p),
    };
    let Some((name, ctype, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == path) else {
        return Err(ApiError::not_found(
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        ));
    };
    let dir = &ctx.app.config.perch.static_dir;
    let body = if dir.is_empty() {
        bytes.to_vec()
    } else {
        std::fs::read(std::path::Path::new(dir).join(name.trim_start_matches('/')))
            .unwrap_or_else(|_| bytes.to_vec())
    };
    let body = if *name == "/index.html" {
        String::from_utf8_lossy(&body)
            .replace("{{VERSION}}", crate::VERSION)
            .into_bytes()
    } else {
        body
    };
    Ok(Resp::bytes(200, ctype, body).header("Cache-Control", "no-cache"))
}
