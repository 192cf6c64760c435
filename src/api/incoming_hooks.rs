//! Incoming-webhook management (mattermost `api4/webhook.go`, incoming half;
//! `docs/spec/incoming-webhooks.md` §2, `docs/spec/security.md` §2), plus Perch's delivery log of
//! each hook and its hosted-integration fields (`secret`, `event_include`, `event_exclude`,
//! `template`) and payload preview.

use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::incoming_hook::IncomingHook;
use crate::model::now_ms;
use crate::model::session::Session;
use crate::model::user::is_valid_username;
use crate::permissions;
use crate::store;
use serde::Deserialize;
use serde_json::json;

const MANAGE_OWN: &str = "manage_own_incoming_webhooks";
const MANAGE_OTHERS: &str = "manage_others_incoming_webhooks";
const BYPASS_LOCK: &str = "bypass_incoming_webhook_channel_lock";
const READ_CONTENT: &str = "read_channel_content";

/// 501 when `ServiceSettings.EnableIncomingWebhooks` is off.
fn require_enabled(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.app.config.service.enable_incoming_webhooks {
        return Ok(());
    }
    Err(ApiError::not_implemented(
        "api.incoming_webhook.disabled.app_error",
        "Incoming webhooks have been disabled by the system admin.",
    ))
}

fn hook_not_found() -> ApiError {
    ApiError::not_found(
        "app.webhooks.get_incoming.app_error",
        "Unable to get the webhook.",
    )
}

fn channel_not_found() -> ApiError {
    ApiError::not_found(
        "app.channel.get.existing.app_error",
        "Unable to find the existing channel.",
    )
}

/// Whether the caller may read a non-public channel's content (a member, or a holder of
/// `read_channel_content` through a role). Public channels need no check.
fn can_read_content(ctx: &Ctx, s: &Session, ch: &Channel) -> Result<bool, ApiError> {
    Ok(ch.kind == "O" || permissions::has_channel(ctx.db, s, ch, READ_CONTENT)?)
}

/// The body of create and update. Unknown fields are ignored; a wrong type is a 400.
#[derive(Deserialize, Default)]
#[serde(default)]
struct HookBody {
    id: String,
    channel_id: String,
    team_id: String,
    user_id: String,
    display_name: String,
    description: String,
    username: String,
    icon_url: String,
    channel_locked: bool,
    // Perch extensions (hosted integrations, `hooks/integration.rs`). Absent (or `null`)
    // keeps the stored value on update, so a client that drops unknown fields keeps them.
    /// Write-only; `""` removes it.
    secret: Option<String>,
    event_include: Option<Vec<String>>,
    event_exclude: Option<Vec<String>>,
    /// `""` removes it.
    template: Option<String>,
}

/// Field validation shared by create and update: lengths, then the username rule, then the
/// template's syntax.
fn check_fields(h: &IncomingHook) -> Result<(), ApiError> {
    if let Err(id) = h.check_fields() {
        let message = match id {
            "model.incoming_hook.secret.app_error" => {
                "Invalid secret: at most 255 bytes, no control characters."
            }
            "model.incoming_hook.event_filter.app_error" => {
                "Invalid event filter: at most 50 non-blank patterns of at most 128 characters."
            }
            _ => "Invalid incoming webhook field.",
        };
        return Err(ApiError::bad_request(id, message));
    }
    if !h.username.is_empty() && !is_valid_username(&h.username) {
        return Err(ApiError::bad_request(
            "api.incoming_webhook.invalid_username.app_error",
            "Invalid username.",
        ));
    }
    if !h.template.is_empty() {
        if let Err(e) = crate::integrations::template::check(&h.template) {
            return Err(ApiError::bad_request(
                "api.incoming_webhook.template.app_error",
                format!("Invalid template: {e}"),
            ));
        }
    }
    Ok(())
}

/// `POST /api/v4/hooks/incoming`: creates a hook on a channel, owned by the caller or (with
/// `manage_others_incoming_webhooks`) by `user_id`. Answers 201.
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let b: HookBody = req.json("incoming_webhook")?;
    let ch = if crate::model::is_valid_id(&b.channel_id) {
        store::channels::find(ctx.db, &b.channel_id)?
    } else {
        None
    };
    let ch = ch.ok_or_else(channel_not_found)?;
    permissions::require_team(ctx.db, s, &ch.team_id, MANAGE_OWN)?;
    if !can_read_content(ctx, s, &ch)? {
        return Err(ApiError::permissions(READ_CONTENT));
    }
    let mut owner = s.user_id().to_string();
    if !b.user_id.is_empty() && b.user_id != owner {
        permissions::require_team(ctx.db, s, &ch.team_id, MANAGE_OTHERS)?;
        let exists = crate::model::is_valid_id(&b.user_id)
            && store::users::find(ctx.db, &b.user_id)?.is_some();
        if !exists {
            return Err(ApiError::not_found(
                "app.user.missing_account.const",
                "Unable to find the user.",
            ));
        }
        owner = b.user_id;
    }
    let locked = b.channel_locked || !permissions::has_team(ctx.db, s, &ch.team_id, BYPASS_LOCK)?;
    require_enabled(ctx)?;
    let cfg = &ctx.app.config.service;
    // Overrides the configuration forbids are dropped, not refused (Mattermost does the same).
    let username = if cfg.enable_post_username_override {
        b.username
    } else {
        String::new()
    };
    let icon_url = if cfg.enable_post_icon_override {
        b.icon_url
    } else {
        String::new()
    };
    if !b.id.is_empty() {
        return Err(ApiError::bad_request(
            "app.webhooks.save_incoming.existing.app_error",
            "You cannot overwrite an existing IncomingWebhook.",
        ));
    }
    let now = now_ms();
    let hook = IncomingHook {
        // The id is the credential in the URL /hooks/{id}: fully random.
        id: crate::model::new_token(),
        create_at: now,
        update_at: now,
        delete_at: 0,
        user_id: owner,
        channel_id: ch.id.clone(),
        team_id: ch.team_id.clone(),
        display_name: b.display_name,
        description: b.description,
        username,
        icon_url,
        channel_locked: locked,
        secret: b.secret.unwrap_or_default(),
        event_include: b.event_include.unwrap_or_default(),
        event_exclude: b.event_exclude.unwrap_or_default(),
        template: b.template.unwrap_or_default(),
    };
    check_fields(&hook)?;
    let stored = hook.clone();
    ctx.app
        .store
        .write(move |c| store::incoming_hooks::insert(c, &stored))?;
    Ok(Resp::created(&hook))
}

/// `GET /api/v4/hooks/incoming`: the hooks of `team_id` (or of every team, which needs the
/// permission at system level) that the caller may manage, oldest first. With
/// `include_total_count=true`: `{"incoming_webhooks": [...], "total_count": N}`.
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let team_id = match req.query("team_id").filter(|t| !t.is_empty()) {
        Some(t) => Some(id_param(t, "team_id")?),
        None => None,
    };
    let (may_own, may_others) = match team_id {
        Some(t) => (
            permissions::has_team(ctx.db, s, t, MANAGE_OWN)?,
            permissions::has_team(ctx.db, s, t, MANAGE_OTHERS)?,
        ),
        None => (
            permissions::has_system(s, MANAGE_OWN),
            permissions::has_system(s, MANAGE_OTHERS),
        ),
    };
    if !may_own {
        return Err(ApiError::permissions(MANAGE_OWN));
    }
    require_enabled(ctx)?;
    let only_user = (!may_others).then(|| s.user_id());
    let (page, per_page) = req.paging();
    let hooks = store::incoming_hooks::list(ctx.db, team_id, only_user, page, per_page)?;
    if req.query_bool("include_total_count") {
        let total = store::incoming_hooks::count(ctx.db, team_id, only_user)?;
        return Ok(Resp::ok(
            &json!({"incoming_webhooks": hooks, "total_count": total}),
        ));
    }
    Ok(Resp::ok(&hooks))
}

/// Loads a hook the caller may manage (`GET`/`DELETE` rules): 404 when unknown or deleted,
/// 403 without `manage_own_incoming_webhooks` on its team, read access to a non-public
/// channel, or (another user's hook) `manage_others_incoming_webhooks`.
pub(crate) fn load_managed(ctx: &Ctx, s: &Session, raw: &str) -> Result<IncomingHook, ApiError> {
    let id = id_param(raw, "hook_id")?;
    require_enabled(ctx)?;
    let hook = store::incoming_hooks::find_live(ctx.db, id)?.ok_or_else(hook_not_found)?;
    let ch = store::channels::find(ctx.db, &hook.channel_id)?.ok_or_else(channel_not_found)?;
    if !permissions::has_team(ctx.db, s, &hook.team_id, MANAGE_OWN)?
        || !can_read_content(ctx, s, &ch)?
    {
        return Err(ApiError::permissions(MANAGE_OWN));
    }
    if hook.user_id != s.user_id() {
        permissions::require_team(ctx.db, s, &hook.team_id, MANAGE_OTHERS)?;
    }
    Ok(hook)
}

/// `GET /api/v4/hooks/incoming/{hook_id}`
pub fn get(ctx: &Ctx, s: &Session, hid: &str) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&load_managed(ctx, s, hid)?))
}

/// `PUT /api/v4/hooks/incoming/{hook_id}`: replaces the editable fields (`channel_id`,
/// `display_name`, `description`, `username`, `icon_url`, `channel_locked`, and Perch's
/// `secret`, `event_include`, `event_exclude`, `template` when present). Answers **201**,
/// as Mattermost's server does (its API reference says 200).
pub fn update(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let id = id_param(hid, "hook_id")?;
    let b: HookBody = req.json("incoming_webhook")?;
    if b.id != id {
        return Err(ApiError::invalid_body("hook_id"));
    }
    require_enabled(ctx)?;
    let old = store::incoming_hooks::find_live(ctx.db, id)?.ok_or_else(hook_not_found)?;
    if !b.team_id.is_empty() && b.team_id != old.team_id {
        return Err(ApiError::bad_request(
            "api.webhook.team_mismatch.app_error",
            "Unable to update the webhook across teams.",
        ));
    }
    let ch = if crate::model::is_valid_id(&b.channel_id) {
        store::channels::find(ctx.db, &b.channel_id)?
    } else {
        None
    };
    let ch = match ch {
        Some(ch) if ch.team_id == old.team_id && ch.delete_at == 0 => ch,
        _ => return Err(ApiError::invalid_body("channel_id")),
    };
    permissions::require_team(ctx.db, s, &ch.team_id, MANAGE_OWN)?;
    if old.user_id != s.user_id() {
        permissions::require_team(ctx.db, s, &ch.team_id, MANAGE_OTHERS)?;
    }
    if !can_read_content(ctx, s, &ch)? {
        return Err(ApiError::permissions(READ_CONTENT));
    }
    let locked = b.channel_locked || !permissions::has_team(ctx.db, s, &ch.team_id, BYPASS_LOCK)?;
    let cfg = &ctx.app.config.service;
    let hook = IncomingHook {
        channel_id: ch.id,
        display_name: b.display_name,
        description: b.description,
        // Overrides the configuration forbids keep their stored values.
        username: if cfg.enable_post_username_override {
            b.username
        } else {
            old.username.clone()
        },
        icon_url: if cfg.enable_post_icon_override {
            b.icon_url
        } else {
            old.icon_url.clone()
        },
        channel_locked: locked,
        update_at: now_ms(),
        secret: b.secret.unwrap_or_else(|| old.secret.clone()),
        event_include: b.event_include.unwrap_or_else(|| old.event_include.clone()),
        event_exclude: b.event_exclude.unwrap_or_else(|| old.event_exclude.clone()),
        template: b.template.unwrap_or_else(|| old.template.clone()),
        ..old
    };
    check_fields(&hook)?;
    let stored = hook.clone();
    let n = ctx
        .app
        .store
        .write(move |c| store::incoming_hooks::update(c, &stored))?;
    ctx.app.incoming_hooks.forget(&hook.id);
    if n == 0 {
        return Err(hook_not_found());
    }
    Ok(Resp::created(&hook))
}

/// `DELETE /api/v4/hooks/incoming/{hook_id}`
pub fn delete(ctx: &Ctx, s: &Session, hid: &str) -> Result<Resp, ApiError> {
    let hook = load_managed(ctx, s, hid)?;
    let id = hook.id.clone();
    ctx.app
        .store
        .write(move |c| store::incoming_hooks::delete(c, &id, now_ms()))?;
    ctx.app.incoming_hooks.forget(&hook.id);
    Ok(Resp::status_ok())
}

/// `GET /api/v4/hooks/incoming/{hook_id}/deliveries` (Perch extension): the hook's recent
/// calls, newest first — time, source address, status, error id, created post, body (cut at
/// 4 KiB). Same permissions as reading the hook.
pub fn list_deliveries(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let hook = load_managed(ctx, s, hid)?;
    let (page, per_page) = req.paging();
    let keep = crate::hooks::call::LOG_ROWS_PER_HOOK;
    Ok(Resp::ok(&store::incoming_hooks::list_deliveries(
        ctx.db, &hook.id, page, per_page, keep,
    )?))
}

/// `POST /api/v4/hooks/incoming/{hook_id}/preview?source=<tool>|template|auto` (Perch
/// extension): renders the sample payload in the body through the hook's translator or
/// template, with the request's own headers as the sample's (`X-GitHub-Event: push`), and
/// answers what would be posted — `{"source", "event", "outcome": "post"|"ignored"|"filtered",
/// "reason", "thread_key", "post": {channel_id, user_id, root_id, message, type, props}}` —
/// without posting. Same permissions as reading the hook; signatures are not checked.
pub fn preview(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let hook = load_managed(ctx, s, hid)?;
    crate::hooks::translate::preview(ctx, &hook, req, req.query("source"))
}

/// A template being edited and the sample to try it on.
#[derive(Deserialize)]
struct Draft {
    template: String,
    payload: String,
}

/// `POST /api/v4/hooks/incoming/{hook_id}/preview/template` (Perch extension): the preview of
/// `{"template": …, "payload": "<the sample, as text>"}` through that template instead of the
/// hook's saved one, which is left alone (the web client's live preview while editing). The
/// template is checked as on saving; the request's headers stand in for the sample's.
pub fn preview_draft(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let mut hook = load_managed(ctx, s, hid)?;
    let draft: Draft = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::invalid_body("template").with_detail(e.to_string()))?;
    hook.template = draft.template;
    check_fields(&hook)?;
    crate::hooks::translate::preview_of(
        ctx,
        &hook,
        &req.headers,
        draft.payload.as_bytes(),
        Some("template"),
    )
}
