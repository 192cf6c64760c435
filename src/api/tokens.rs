//! Personal access tokens (mattermost `api4/user.go`, the `*UserAccessToken*` handlers;
//! `docs/spec/auth.md` §5). The secret appears once, in the creation response; only its SHA-256
//! digest is stored. A token works as `Authorization: Bearer|Token <secret>` on every endpoint.

use super::user_id_param;
use crate::app::Ctx;
use crate::auth;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::model::token::{UserAccessToken, MAX_DESCRIPTION_LEN};
use crate::model::{new_id, new_token, now_ms};
use crate::permissions;
use crate::store;
use serde_json::{Map, Value};

fn token_not_found() -> ApiError {
    ApiError::not_found(
        "app.user_access_token.get_by_user.app_error",
        "Unable to get user access tokens by user.",
    )
}

/// 403 unless the caller may handle `user_id`'s tokens: themself, an admin over a non-admin,
/// or (for a bot) whoever may manage that bot.
fn require_user_or_bot(ctx: &Ctx, s: &Session, user_id: &str) -> Result<(), ApiError> {
    if permissions::can_manage_user_or_bot(ctx.db, s, user_id)? {
        Ok(())
    } else {
        Err(ApiError::permissions("edit_other_users"))
    }
}

/// `POST /api/v4/users/{user_id}/tokens`: body `{"description"}`. Answers 200 (not 201, as
/// Mattermost does) with the token including its secret. Needs `create_user_access_token`;
/// with `EnableUserAccessTokens` off only bots' tokens can be created.
pub fn create(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, raw_id)?.to_string();
    let target = store::users::find(ctx.db, &uid)?.ok_or_else(|| {
        ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
    })?;
    let body: Map<String, Value> = req.json("user_access_token")?;
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if description.is_empty() {
        return Err(ApiError::invalid_body("description"));
    }
    permissions::require_system(s, "create_user_access_token")?;
    require_user_or_bot(ctx, s, &uid)?;
    if target.has_role("system_admin") {
        permissions::require_system(s, "manage_system")?;
    }
    if !ctx.app.config.service.enable_user_access_tokens && !target.is_bot() {
        return Err(ApiError::not_implemented(
            "app.user_access_token.disabled",
            "Personal access tokens are disabled on this server. Please contact your system administrator for details.",
        ));
    }
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(ApiError::bad_request(
            "model.user_access_token.is_valid.description.app_error",
            "Invalid description, must be 255 or less characters.",
        ));
    }
    let secret = new_token();
    let token = UserAccessToken {
        id: new_id(),
        token: String::new(),
        user_id: uid,
        description,
        is_active: true,
    };
    let (stored, hash) = (token.clone(), auth::digest(&secret));
    ctx.app
        .store
        .write(move |c| store::tokens::insert(c, &stored, &hash, now_ms()))?;
    Ok(Resp::ok(&UserAccessToken {
        token: secret,
        ..token
    }))
}

/// `GET /api/v4/users/{user_id}/tokens?page&per_page`: the user's tokens, without secrets.
pub fn list_for_user(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, raw_id)?;
    permissions::require_system(s, "read_user_access_token")?;
    require_user_or_bot(ctx, s, uid)?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::tokens::list_for_user(
        ctx.db, uid, page, per_page,
    )?))
}

/// `GET /api/v4/users/tokens?page&per_page`: every token (`manage_system`).
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    permissions::require_system(s, "manage_system")?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::tokens::list(ctx.db, page, per_page)?))
}

/// `POST /api/v4/users/tokens/search`: body `{"term"}`; tokens whose id, user id or
/// username starts with the term (`manage_system`).
pub fn search(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    permissions::require_system(s, "manage_system")?;
    let body: Map<String, Value> = req.json("user_access_token_search")?;
    let term = body.get("term").and_then(Value::as_str).unwrap_or("");
    if term.is_empty() {
        return Err(ApiError::invalid_body("term"));
    }
    Ok(Resp::ok(&store::tokens::search(ctx.db, term)?))
}

/// `GET /api/v4/users/tokens/{token_id}`
pub fn get(ctx: &Ctx, s: &Session, raw_id: &str) -> Result<Resp, ApiError> {
    let id = super::id_param(raw_id, "token_id")?;
    permissions::require_system(s, "read_user_access_token")?;
    let token = store::tokens::find(ctx.db, id)?.ok_or_else(token_not_found)?;
    require_user_or_bot(ctx, s, &token.user_id)?;
    Ok(Resp::ok(&token))
}

/// The token named by a `{"token_id"}` body, after the permission `perm` and the user/bot check.
fn body_token(ctx: &Ctx, s: &Session, req: &Req, perm: &str) -> Result<UserAccessToken, ApiError> {
    let body: Map<String, Value> = req.json("token_id")?;
    let id = body.get("token_id").and_then(Value::as_str).unwrap_or("");
    if id.is_empty() {
        return Err(ApiError::invalid_body("token_id"));
    }
    permissions::require_system(s, perm)?;
    let token = store::tokens::find(ctx.db, id)?.ok_or_else(token_not_found)?;
    require_user_or_bot(ctx, s, &token.user_id)?;
    Ok(token)
}

/// `POST /api/v4/users/tokens/revoke`: body `{"token_id"}`; the token is deleted.
pub fn revoke(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let token = body_token(ctx, s, req, "revoke_user_access_token")?;
    ctx.app
        .store
        .write(move |c| store::tokens::delete(c, &token.id))?;
    Ok(Resp::status_ok())
}

/// `POST /api/v4/users/tokens/disable`: body `{"token_id"}`; the token stops working.
pub fn disable(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let token = body_token(ctx, s, req, "revoke_user_access_token")?;
    ctx.app
        .store
        .write(move |c| store::tokens::update_active(c, &token.id, false))?;
    Ok(Resp::status_ok())
}

/// `POST /api/v4/users/tokens/enable`: body `{"token_id"}`. Needs `create_user_access_token`,
/// as creating one does.
pub fn enable(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let token = body_token(ctx, s, req, "create_user_access_token")?;
    ctx.app
        .store
        .write(move |c| store::tokens::update_active(c, &token.id, true))?;
    Ok(Resp::status_ok())
}
