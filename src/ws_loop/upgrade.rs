//! The HTTP side of `GET /api/v4/websocket` (`docs/spec/websocket.md` §1.1): the RFC 6455 handshake
//! checks (header names and values compared case-insensitively), the Origin rule, the token
//! (cookie `MMAUTHTOKEN`, `Authorization: Bearer|Token`; a bad one is ignored, a token in
//! `?access_token=` is refused with 401), the connection limit and the resume parameters.
//! Everything that can fail does so here, before the `101`; what comes after the `101` is
//! the loop's (`Hub::adopt`).

use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp, Upgraded};
use crate::ws::{Adopt, Resume};

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn has_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

fn bad_upgrade(why: &str) -> ApiError {
    ApiError::bad_request(
        "api.web_socket.connect.upgrade.app_error",
        format!("Failed to upgrade websocket connection: {why}"),
    )
}

/// `GET /api/v4/websocket`: checks the upgrade request and answers `101`, after which the
/// HTTP layer hands the socket to the event loop (on the connection's thread, at once).
pub fn route(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    if !has_token(req.header("Connection"), "upgrade") {
        return Err(bad_upgrade(
            "the 'Connection' header must include 'upgrade'",
        ));
    }
    if !has_token(req.header("Upgrade"), "websocket") {
        return Err(bad_upgrade("the 'Upgrade' header must be 'websocket'"));
    }
    if req.header("Sec-WebSocket-Version").map(str::trim) != Some("13") {
        return Err(bad_upgrade("unsupported 'Sec-WebSocket-Version' (13 is)"));
    }
    let key = req.header("Sec-WebSocket-Key").map(str::trim).unwrap_or("");
    if key.is_empty() {
        return Err(bad_upgrade("the 'Sec-WebSocket-Key' header is missing"));
    }
    check_origin(ctx, req)?;
    let auth = match crate::auth::token_from(req) {
        // A bad token on the upgrade is not an error: the socket starts unauthenticated.
        Some((token, _)) => {
            crate::auth::session_for_token(ctx, &token)?.map(|s| super::actions::authed(&s))
        }
        None if req.query("access_token").is_some_and(|t| !t.is_empty()) => {
            return Err(ApiError::unauthorized(
                "api.context.token_provided.app_error",
                "Session is not OAuth but token was provided in the query string.",
            ))
        }
        None => None,
    };
    let resume = match (&auth, req.query("connection_id").filter(|c| !c.is_empty())) {
        (Some(_), Some(id)) => {
            let seq = req
                .query("sequence_number")
                .and_then(|s| s.parse::<i64>().ok());
            match seq {
                Some(seq) if crate::model::is_valid_id(id) => Resume::From {
                    id: id.to_string(),
                    seq,
                },
                _ => Resume::Invalid,
            }
        }
        _ => Resume::Fresh,
    };
    let Some(app) = ctx.app.shared() else {
        return Err(ApiError::internal("the server is stopping"));
    };
    let Some(permit) = ctx.app.ws.admit() else {
        return Err(ApiError::new(
            503,
            "api.web_socket.connect.too_many.app_error",
            "Too many WebSocket connections.",
        ));
    };
    // The server adds `Upgrade` and `Connection`; no `Sec-WebSocket-Extensions`: no
    // compression is negotiated.
    let headers = vec![(
        "Sec-WebSocket-Accept".to_string(),
        tungstenite::handshake::derive_accept_key(key.as_bytes()),
    )];
    let then = Box::new(move |up: Upgraded| {
        app.ws.adopt(Adopt {
            stream: up.socket,
            tls: up.tls,
            permit,
            auth,
            resume,
        })
    });
    Ok(Resp::switch_protocols("websocket", headers, then))
}

/// Mattermost's Origin rule: no `Origin` passes (bots send none); with `AllowCorsFrom` empty
/// the origin's host must be the request's `Host`; otherwise it must be listed (or `*`) or be
/// the site URL.
fn check_origin(ctx: &Ctx, req: &Req) -> Result<(), ApiError> {
    let Some(origin) = req.header("Origin").map(str::trim) else {
        return Ok(());
    };
    let allowed = &ctx.app.config.service.allow_cors_from;
    let ok = if allowed.trim().is_empty() {
        let host = origin.split_once("://").map_or(origin, |(_, h)| h);
        let host = host.split('/').next().unwrap_or("");
        req.header("Host")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case(host))
    } else {
        allowed
            .split_whitespace()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
            || origin.eq_ignore_ascii_case(&ctx.app.site_url)
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "api.web_socket.connect.origin.app_error",
            "The request's Origin is not allowed.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::has_token;

    #[test]
    fn header_tokens_are_case_insensitive_lists() {
        assert!(has_token(Some("keep-alive, Upgrade"), "upgrade"));
        assert!(has_token(Some("upgrade"), "upgrade"));
        assert!(has_token(Some("WebSocket"), "websocket"));
        assert!(!has_token(Some("keep-alive"), "upgrade"));
        assert!(!has_token(None, "upgrade"));
    }
}
