//! Outgoing webhooks management (mattermost `api4/webhook.go`, the outgoing half), plus Perch's
//! delivery log extension (`…/deliveries`, `…/deliveries/{id}/retry`).

use super::id_param;
use crate::app::Ctx;
use crate::dispatcher;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::outgoing_hook::{Delivery, OutgoingWebhook};
use crate::model::session::Session;
use crate::model::{new_id, new_token, now_ms};
use crate::outgoing::payload;
use crate::permissions;
use crate::store;
use serde_json::{json, Value};

const MANAGE_OWN: &str = "manage_own_outgoing_webhooks";
const MANAGE_OTHERS: &str = "manage_others_outgoing_webhooks";

fn disabled(status: u16) -> ApiError {
    ApiError::new(
        status,
        "api.outgoing_webhook.disabled.app_error",
        "Outgoing webhooks have been disabled by the system admin.",
    )
}

fn hook_not_found() -> ApiError {
    ApiError::not_found(
        "app.webhooks.get_outgoing.app_error",
        "Unable to get the webhook.",
    )
}

fn check_enabled(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.app.config.service.enable_outgoing_webhooks {
        Ok(())
    } else {
        Err(disabled(501))
    }
}

/// The hook as its managers see it: with `token` and the Standard Webhooks `signing_secret`.
fn view(mut h: OutgoingWebhook) -> OutgoingWebhook {
    h.signing_secret = payload::signing_secret(&h.signing_key);
    h
}

/// Loads a live hook the caller may manage: 501 when the feature is off, 404 when unknown or
/// deleted, 403 without `manage_own…` on its team (or `manage_others…` for someone else's).
pub(crate) fn load(ctx: &Ctx, s: &Session, raw: &str) -> Result<OutgoingWebhook, ApiError> {
    let id = id_param(raw, "hook_id")?;
    check_enabled(ctx)?;
    let hook = store::outgoing_hooks::find(ctx.db, id)?
        .filter(|h| h.delete_at == 0)
        .ok_or_else(hook_not_found)?;
    permissions::require_team(ctx.db, s, &hook.team_id, MANAGE_OWN)?;
    if hook.creator_id != s.user_id() {
        permissions::require_team(ctx.db, s, &hook.team_id, MANAGE_OTHERS)?;
    }
    Ok(hook)
}

/// Where a hook bound to a channel may live: `not_public` is the error for a channel that is
/// not public (Mattermost uses a different id on create and update).
fn check_channel(
    ctx: &Ctx,
    hook: &OutgoingWebhook,
    not_public: ApiError,
) -> Result<Channel, ApiError> {
    let ch = store::channels::find(ctx.db, &hook.channel_id)?
        .ok_or_else(super::channels::channel_not_found)?;
    let private_allowed = ch.kind == "P"
        && ctx
            .app
            .config
            .perch
            .enable_outgoing_webhooks_in_private_channels;
    if ch.kind != "O" && !private_allowed {
        return Err(not_public);
    }
    let forbidden = || {
        ApiError::forbidden(
            "api.webhook.create_outgoing.permissions.app_error",
            "Invalid permissions to create outgoing webhook.",
        )
    };
    if ch.team_id != hook.team_id {
        return Err(forbidden());
    }
    // A private channel's hook sends its messages to the creator's receiver: only a member
    // may own one.
    if ch.kind == "P" && store::channels::find_member(ctx.db, &ch.id, &hook.creator_id)?.is_none() {
        return Err(forbidden());
    }
    Ok(ch)
}

fn check_fields(hook: &OutgoingWebhook) -> Result<(), ApiError> {
    hook.check_fields()
        .map_err(|id| ApiError::bad_request(id, "Invalid outgoing webhook."))
}

/// `POST /api/v4/hooks/outgoing`: body = hook fields (`team_id` required).
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let mut hook: OutgoingWebhook = req.json("outgoing_webhook")?;
    if hook.creator_id.is_empty() {
        hook.creator_id = s.user_id().to_string();
    }
    permissions::require_team(ctx.db, s, &hook.team_id, MANAGE_OWN)?;
    if hook.creator_id != s.user_id() {
        permissions::require_team(ctx.db, s, &hook.team_id, MANAGE_OTHERS)?;
        if store::users::find(ctx.db, &hook.creator_id)?.is_none() {
            return Err(ApiError::not_found(
                "app.user.missing_account.const",
                "Unable to find the user.",
            ));
        }
    }
    check_enabled(ctx)?;
    if !hook.channel_id.is_empty() {
        // Mattermost reports a non-public channel with the "disabled" id, as a 403.
        check_channel(ctx, &hook, disabled(403))?;
    } else if hook.trigger_words.is_empty() {
        return Err(ApiError::bad_request(
            "api.webhook.create_outgoing.triggers.app_error",
            "Either trigger_words or channel_id must be set.",
        ));
    }
    let overriding = !hook.id.is_empty();
    let now = now_ms();
    hook.id = new_id();
    hook.token = new_token();
    hook.signing_key = payload::new_signing_key();
    hook.create_at = now;
    hook.update_at = now;
    hook.delete_at = 0;
    let stored = hook.clone();
    ctx.app.store.write(move |c| {
        // Checked inside the write so two concurrent creations cannot both pass.
        let existing = store::outgoing_hooks::list_for_team(c, &stored.team_id)?;
        if existing.iter().any(|e| e.overlaps(&stored)) {
            return Err(ApiError::new(
                500,
                "api.webhook.create_outgoing.intersect.app_error",
                "Outgoing webhooks from the same channel cannot have the same trigger words/callback URLs.",
            ));
        }
        if overriding {
            return Err(ApiError::bad_request(
                "app.webhooks.save_outgoing.override.app_error",
                "You cannot overwrite an existing OutgoingWebhook.",
            ));
        }
        check_fields(&stored)?;
        store::outgoing_hooks::insert(c, &stored)?;
        Ok(())
    })?;
    Ok(Resp::created(&view(hook)))
}

/// `GET /api/v4/hooks/outgoing?channel_id&team_id&page&per_page`: by channel, by team, or
/// everything (system level). Only the caller's own hooks without `manage_others…` there.
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let channel_id = req.query("channel_id").unwrap_or("");
    let team_id = req.query("team_id").unwrap_or("");
    let holds = |perm: &str| -> Result<bool, ApiError> {
        if !channel_id.is_empty() {
            match store::channels::find(ctx.db, channel_id)? {
                Some(ch) => permissions::has_channel(ctx.db, s, &ch, perm),
                None => Ok(permissions::has_system(s, perm)),
            }
        } else if !team_id.is_empty() {
            permissions::has_team(ctx.db, s, team_id, perm)
        } else {
            Ok(permissions::has_system(s, perm))
        }
    };
    if !holds(MANAGE_OWN)? {
        return Err(ApiError::permissions(MANAGE_OWN));
    }
    let creator_id = if holds(MANAGE_OTHERS)? {
        ""
    } else {
        s.user_id()
    };
    check_enabled(ctx)?;
    let (page, per_page) = req.paging();
    let filter = store::outgoing_hooks::ListFilter {
        team_id: if channel_id.is_empty() { team_id } else { "" },
        channel_id,
        creator_id,
    };
    let hooks = store::outgoing_hooks::list_page(ctx.db, &filter, page * per_page, per_page)?;
    let hooks: Vec<OutgoingWebhook> = hooks.into_iter().map(view).collect();
    Ok(Resp::ok(&hooks))
}

/// `GET /api/v4/hooks/outgoing/{hook_id}`
pub fn get(ctx: &Ctx, s: &Session, hid: &str) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&view(load(ctx, s, hid)?)))
}

/// `PUT /api/v4/hooks/outgoing/{hook_id}`: body = the whole hook, `id` matching the path.
/// `creator_id`, `team_id` and the times are kept; an omitted `token` keeps the old one (where
/// Mattermost would store an empty token).
pub fn update(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let id = id_param(hid, "hook_id")?;
    let mut hook: OutgoingWebhook = req.json("outgoing_webhook")?;
    if hook.id != id {
        return Err(ApiError::invalid_body("hook_id"));
    }
    check_enabled(ctx)?;
    let old = store::outgoing_hooks::find(ctx.db, id)?
        .filter(|h| h.delete_at == 0)
        .ok_or_else(hook_not_found)?;
    if hook.team_id.is_empty() {
        hook.team_id = old.team_id.clone();
    }
    if hook.team_id != old.team_id {
        return Err(ApiError::bad_request(
            "api.webhook.team_mismatch.app_error",
            "Unable to update webhook across teams.",
        ));
    }
    permissions::require_team(ctx.db, s, &old.team_id, MANAGE_OWN)?;
    if old.creator_id != s.user_id() {
        permissions::require_team(ctx.db, s, &old.team_id, MANAGE_OTHERS)?;
    }
    hook.creator_id = old.creator_id.clone();
    if !hook.channel_id.is_empty() {
        let not_open = ApiError::forbidden(
            "api.webhook.create_outgoing.not_open.app_error",
            "Outgoing webhooks can only be created for public channels.",
        );
        check_channel(ctx, &hook, not_open)?;
    } else if hook.trigger_words.is_empty() {
        // 500 on update (400 on create), as in Mattermost.
        return Err(ApiError::new(
            500,
            "api.webhook.create_outgoing.triggers.app_error",
            "Either trigger_words or channel_id must be set.",
        ));
    }
    if hook.token.is_empty() {
        hook.token = old.token.clone();
    }
    hook.signing_key = old.signing_key.clone();
    hook.create_at = old.create_at;
    hook.delete_at = old.delete_at;
    hook.update_at = now_ms();
    check_fields(&hook)?;
    let stored = hook.clone();
    ctx.app.store.write(move |c| {
        let existing = store::outgoing_hooks::list_for_team(c, &stored.team_id)?;
        if existing
            .iter()
            .any(|e| e.id != stored.id && e.overlaps(&stored))
        {
            return Err(ApiError::bad_request(
                "api.webhook.update_outgoing.intersect.app_error",
                "Outgoing webhooks from the same channel cannot have the same trigger words/callback URLs.",
            ));
        }
        if store::outgoing_hooks::update(c, &stored)? == 0 {
            return Err(hook_not_found());
        }
        Ok(())
    })?;
    Ok(Resp::ok(&view(hook)))
}

/// `DELETE /api/v4/hooks/outgoing/{hook_id}`: soft delete; its pending deliveries are
/// cancelled when their turn comes.
pub fn delete(ctx: &Ctx, s: &Session, hid: &str) -> Result<Resp, ApiError> {
    let hook = load(ctx, s, hid)?;
    ctx.app
        .store
        .write(move |c| store::outgoing_hooks::delete(c, &hook.id, now_ms()))?;
    Ok(Resp::status_ok())
}

/// `POST /api/v4/hooks/outgoing/{hook_id}/regen_token`: a new `token`, and a new signing key.
pub fn regen_token(ctx: &Ctx, s: &Session, hid: &str) -> Result<Resp, ApiError> {
    let mut hook = load(ctx, s, hid)?;
    hook.token = new_token();
    hook.signing_key = payload::new_signing_key();
    hook.update_at = now_ms();
    let stored = hook.clone();
    ctx.app.store.write(move |c| {
        if store::outgoing_hooks::update(c, &stored)? == 0 {
            return Err(hook_not_found());
        }
        Ok(())
    })?;
    Ok(Resp::ok(&view(hook)))
}

/// A delivery with its attempts, for the delivery log.
fn delivery_json(ctx: &Ctx, d: &Delivery) -> Result<Value, ApiError> {
    let attempts = store::outgoing_hooks::list_attempts(ctx.db, &d.id)?;
    let mut v = serde_json::to_value(d).map_err(ApiError::internal)?;
    v["attempts"] = json!(attempts);
    Ok(v)
}

/// `GET /api/v4/hooks/outgoing/{hook_id}/deliveries?page&per_page` (Perch extension): the
/// hook's deliveries, newest first, each with its attempts (time, URL, status, latency, error,
/// start of the answer).
pub fn list_deliveries(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let hook = load(ctx, s, hid)?;
    let (page, per_page) = req.paging();
    let deliveries =
        store::outgoing_hooks::list_deliveries(ctx.db, &hook.id, page * per_page, per_page)?;
    let out = deliveries
        .iter()
        .map(|d| delivery_json(ctx, d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Resp::ok(&out))
}

/// `POST /api/v4/hooks/outgoing/{hook_id}/deliveries/{delivery_id}/retry` (Perch extension):
/// sends one delivery again (whatever its state), with a fresh round of attempts.
pub fn retry_delivery(ctx: &Ctx, s: &Session, hid: &str, did: &str) -> Result<Resp, ApiError> {
    let hook = load(ctx, s, hid)?;
    let did = id_param(did, "delivery_id")?;
    let delivery = store::outgoing_hooks::find_delivery(ctx.db, did)?
        .filter(|d| d.hook_id == hook.id)
        .ok_or_else(|| {
            ApiError::not_found(
                "app.webhooks.get_outgoing_delivery.app_error",
                "Unable to find the delivery.",
            )
        })?;
    let d = dispatcher::replay(ctx.app, &delivery)?;
    Ok(Resp::ok(&delivery_json(ctx, &d)?))
}
