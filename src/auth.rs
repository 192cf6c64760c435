//! Who is calling: the token a request carries, token digests, and `authenticate`, the only
//! way to obtain a `Session` (`model::session`). Resolved callers are kept in
//! `cache::SessionCache`; passwords are hashed by `password.rs`.

use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::Req;
use crate::model::now_ms;
use crate::model::session::Session;
use crate::store;
use sha2::{Digest, Sha256};

/// SHA-256 hex digest of a secret: what we store instead of the secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The token a request carries, in Mattermost's order: cookie, `Authorization: Bearer`,
/// `Authorization: Token`. Returns the token and whether it came from the cookie.
pub fn token_from(req: &Req) -> Option<(String, bool)> {
    if let Some(cookies) = req.header("Cookie") {
        for part in cookies.split(';') {
            if let Some(v) = part.trim().strip_prefix("MMAUTHTOKEN=") {
                if !v.is_empty() {
                    return Some((truncate(v), true));
                }
            }
        }
    }
    let auth = req.header("Authorization")?.trim();
    let lower = auth.get(..7).map(|p| p.to_ascii_lowercase());
    if lower.as_deref() == Some("bearer ") {
        return Some((truncate(auth[7..].trim()), false));
    }
    if auth.get(..6).map(|p| p.to_ascii_lowercase()).as_deref() == Some("token ") {
        return Some((truncate(auth[6..].trim()), false));
    }
    None
}

fn truncate(t: &str) -> String {
    t.chars().take(50).collect()
}

/// Resolves the caller or fails with `401 api.context.session_expired.app_error`.
/// Also applies the CSRF rule to cookie-authenticated non-GET requests.
pub fn authenticate(ctx: &Ctx, req: &Req) -> Result<Session, ApiError> {
    if req.query("access_token").is_some() && req.header("Authorization").is_none() {
        return Err(ApiError::unauthorized(
            "api.context.token_provided.app_error",
            "Session is not OAuth but token was provided in the query string.",
        ));
    }
    let Some((token, from_cookie)) = token_from(req) else {
        return Err(ApiError::session_expired());
    };
    let session = resolve(ctx, &token, from_cookie)?.ok_or_else(ApiError::session_expired)?;
    if from_cookie && req.method != crate::http::Method::Get {
        let header_ok =
            !session.csrf.is_empty() && req.header("X-CSRF-Token") == Some(session.csrf.as_str());
        let xhr = req.header("X-Requested-With") == Some("XMLHttpRequest")
            && !ctx.app.config.service.experimental_strict_csrf_enforcement;
        if !header_ok && !xhr {
            return Err(ApiError::session_expired());
        }
    }
    Ok(session)
}

/// Like `authenticate`, but a missing or bad token yields `None` (routes that work without one).
pub fn authenticate_optional(ctx: &Ctx, req: &Req) -> Option<Session> {
    let (token, from_cookie) = token_from(req)?;
    resolve(ctx, &token, from_cookie).ok().flatten()
}

/// The caller behind a bare token (a session token or a personal access token), as a request
/// carrying it would be: for the WebSocket's `authentication_challenge`.
pub fn session_for_token(ctx: &Ctx, token: &str) -> Result<Option<Session>, ApiError> {
    resolve(ctx, &truncate(token), false)
}

/// Sliding expiry (`ExtendSessionLengthWithActivity`, on by default): an active session's
/// expiry moves to now + its length, at most about once per max(5 min, min(1 % of the
/// length, 1 day)), so a busy session costs one small write a few times a day, not one per
/// request.
fn extend_if_due(ctx: &Ctx, row: &store::sessions::SessionRow, now: i64) -> Result<(), ApiError> {
    let svc = &ctx.app.config.service;
    if !svc.extend_session_length_with_activity || row.expires_at == 0 {
        return Ok(());
    }
    let mobile = row.props.get("is_mobile").and_then(|v| v.as_str()) == Some("true");
    let hours = if mobile {
        svc.session_length_mobile_in_hours
    } else {
        svc.session_length_web_in_hours
    };
    let length = hours * 3_600_000;
    let every = (length / 100).clamp(300_000, 86_400_000);
    if now + length - row.expires_at < every {
        return Ok(());
    }
    let id = row.id.clone();
    ctx.app
        .store
        .write(move |c| store::sessions::update_expiry(c, &id, now + length, now))?;
    Ok(())
}

fn resolve(ctx: &Ctx, token: &str, from_cookie: bool) -> Result<Option<Session>, ApiError> {
    let hash = digest(token);
    let now = now_ms();
    // Read the generation before the rows, so a write racing with this read makes the entry
    // stale rather than wrong.
    let generation = ctx.app.store.auth_generation();
    if let Some((row, mut session)) = ctx.app.sessions.get(&hash, generation) {
        if let Some(row) = &row {
            if row.expires_at != 0 && row.expires_at < now {
                return Ok(None);
            }
            extend_if_due(ctx, row, now)?;
        }
        session.from_cookie = from_cookie;
        return Ok(Some(session));
    }
    let found = resolve_from_db(ctx, &hash, now, from_cookie)?;
    if let Some((row, session)) = &found {
        ctx.app.sessions.put(hash, generation, row.clone(), session);
    }
    Ok(found.map(|(_, s)| s))
}

fn resolve_from_db(
    ctx: &Ctx,
    hash: &str,
    now: i64,
    from_cookie: bool,
) -> Result<Option<(Option<store::sessions::SessionRow>, Session)>, ApiError> {
    if let Some(row) = store::sessions::find_by_token_hash(ctx.db, hash)? {
        if row.expires_at != 0 && row.expires_at < now {
            return Ok(None);
        }
        let Some(user) = store::users::find(ctx.db, &row.user_id)? else {
            return Ok(None);
        };
        if user.delete_at != 0 {
            return Ok(None);
        }
        extend_if_due(ctx, &row, now)?;
        let csrf = row
            .props
            .get("csrf")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let session = Session {
            id: row.id.clone(),
            user,
            token_id: None,
            from_cookie,
            csrf,
        };
        return Ok(Some((Some(row), session)));
    }
    // Not a session: maybe a personal access token.
    let Some(tok) = store::tokens::find_by_hash(ctx.db, hash)? else {
        return Ok(None);
    };
    if !tok.is_active {
        return Ok(None);
    }
    let Some(user) = store::users::find(ctx.db, &tok.user_id)? else {
        return Ok(None);
    };
    if user.delete_at != 0 {
        return Ok(None);
    }
    if !ctx.app.config.service.enable_user_access_tokens && !user.is_bot() {
        return Ok(None);
    }
    let session = Session {
        id: tok.id.clone(),
        user,
        token_id: Some(tok.id),
        from_cookie,
        csrf: String::new(),
    };
    Ok(Some((None, session)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn req(headers: &[(&str, &str)]) -> Req {
        Req::new(
            Method::Get,
            "/api/v4/users/me",
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            vec![],
        )
    }

    #[test]
    fn token_sources_and_order() {
        assert_eq!(
            token_from(&req(&[("Authorization", "Bearer abc")])),
            Some(("abc".into(), false))
        );
        assert_eq!(
            token_from(&req(&[("Authorization", "BEARER abc")])),
            Some(("abc".into(), false))
        );
        assert_eq!(
            token_from(&req(&[("authorization", "token abc")])),
            Some(("abc".into(), false))
        );
        assert_eq!(
            token_from(&req(&[
                ("Authorization", "Bearer abc"),
                ("Cookie", "a=b; MMAUTHTOKEN=zzz")
            ])),
            Some(("zzz".into(), true))
        );
        assert_eq!(token_from(&req(&[("Authorization", "Basic abc")])), None);
    }
}
