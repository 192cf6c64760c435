//! Bot accounts (mattermost `api4/bot.go`, plus `convertUserToBot` from `api4/user.go`;
//! `docs/spec/auth.md` §6). A bot is a user row plus a bot row with the same id; it authenticates
//! only with personal access tokens. By default only system admins hold the bot permissions, and
//! bots are hidden (404) from callers who may not read them.

use super::{id_param, user_id_param, users::viewer};
use crate::accounts;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::bot::{Bot, BotPatch};
use crate::model::post::NewPost;
use crate::model::session::Session;
use crate::model::user::{self, UserPatch};
use crate::model::{new_id, now_ms};
use crate::permissions::{self, bot_not_found};
use crate::posting;
use crate::store::{self, bots::BotFilter};

/// What a new bot tells its owner in their direct channel.
const ADD_ME_MESSAGE: &str =
    "Add me to the teams and channels I should work in: like any account, \
    I can only read and post where I am a member.";

/// A bot by path id, disabled ones included (404 if there is none).
fn load(ctx: &Ctx, raw: &str) -> Result<Bot, ApiError> {
    let id = id_param(raw, "bot_user_id")?;
    store::bots::find(ctx.db, id)?.ok_or_else(bot_not_found)
}

fn invalid_bot(id: &'static str) -> ApiError {
    ApiError::bad_request(id, "Invalid bot.")
}

/// `POST /api/v4/bots`: body `{"username", "display_name", "description"}`. Needs
/// `create_bot` and `ServiceSettings.EnableBotAccountCreation`; the caller becomes the owner
/// and gets a direct message from the new bot (type `add_bot_teams_channels`).
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let patch: BotPatch = req.json("bot")?;
    permissions::require_system(s, "create_bot")?;
    if s.user.is_bot() {
        return Err(ApiError::permissions("create_bot"));
    }
    if !ctx.app.config.service.enable_bot_account_creation {
        return Err(ApiError::forbidden(
            "api.bot.create_disabled",
            "Bot creation has been disabled.",
        ));
    }
    let now = now_ms();
    let mut bot = Bot {
        user_id: new_id(),
        owner_id: s.user_id().to_string(),
        create_at: now,
        update_at: now,
        ..Default::default()
    };
    bot.patch(&patch);
    bot.check().map_err(invalid_bot)?;
    let user = accounts::bot_user(&bot);
    let stored = bot.clone();
    let channel = ctx.app.store.write(move |c| {
        accounts::ensure_unique(c, &user.username, &user.email, &user.id)?;
        store::users::insert(c, &user)?;
        store::bots::insert(c, &stored)?;
        crate::channels::ensure_direct(c, &stored.user_id, &stored.owner_id)
    })?;
    posting::create(
        ctx.app,
        ctx.db,
        NewPost {
            channel_id: channel.id,
            user_id: bot.user_id.clone(),
            author_is_bot: true,
            message: ADD_ME_MESSAGE.into(),
            kind: "add_bot_teams_channels".into(),
            ..Default::default()
        },
    )?;
    Ok(Resp::created(&bot))
}

/// `GET /api/v4/bots?page&per_page&include_deleted&only_orphaned`: every bot with
/// `read_others_bots`, the caller's own with `read_bots`.
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let owner_id = if permissions::has_system(s, "read_others_bots") {
        None
    } else if permissions::has_system(s, "read_bots") {
        Some(s.user_id())
    } else {
        return Err(ApiError::permissions("read_bots"));
    };
    let filter = BotFilter {
        owner_id,
        include_deleted: req.query_bool("include_deleted"),
        only_orphaned: req.query_bool("only_orphaned"),
    };
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::bots::list(
        ctx.db, &filter, page, per_page,
    )?))
}

/// `GET /api/v4/bots/{bot_user_id}?include_deleted`: 404 (not 403) for a caller who may not
/// read it, so the bot's existence is not revealed.
pub fn get(ctx: &Ctx, s: &Session, req: &Req, raw: &str) -> Result<Resp, ApiError> {
    let bot = load(ctx, raw)?;
    if bot.delete_at != 0 && !req.query_bool("include_deleted") {
        return Err(bot_not_found());
    }
    if !permissions::can_read_bot(s, &bot) {
        return Err(bot_not_found());
    }
    Ok(Resp::ok(&bot))
}

/// `PUT /api/v4/bots/{bot_user_id}`: body = patch (`username`, `display_name`,
/// `description`); the user row follows (username, `<username>@localhost`, first name).
pub fn patch(ctx: &Ctx, s: &Session, req: &Req, raw: &str) -> Result<Resp, ApiError> {
    let patch: BotPatch = req.json("bot")?;
    let mut bot = load(ctx, raw)?;
    permissions::require_manage_bot(s, &bot)?;
    bot.patch(&patch);
    bot.check().map_err(invalid_bot)?;
    bot.update_at = now_ms();
    let stored = bot.clone();
    ctx.app.store.write(move |c| {
        let Some(mut u) = store::users::find(c, &stored.user_id)? else {
            return Err(bot_not_found());
        };
        u.username = stored.username.clone();
        u.email = stored.email();
        u.first_name = stored.display_name.clone();
        u.update_at = stored.update_at;
        accounts::ensure_unique(c, &u.username, &u.email, &u.id)?;
        store::users::update_profile(c, &u)?;
        store::bots::update(c, &stored)?;
        Ok(())
    })?;
    Ok(Resp::ok(&bot))
}

fn set_active(ctx: &Ctx, s: &Session, raw: &str, active: bool) -> Result<Resp, ApiError> {
    let bot = load(ctx, raw)?;
    permissions::require_manage_bot(s, &bot)?;
    let id = bot.user_id.clone();
    let bot = ctx.app.store.write(move |c| {
        accounts::set_bot_active(c, &id, active, now_ms())?;
        store::bots::find(c, &id)?.ok_or_else(bot_not_found)
    })?;
    Ok(Resp::ok(&bot))
}

/// `POST /api/v4/bots/{bot_user_id}/disable`: the bot user is deactivated and its sessions
/// revoked; its access tokens stay stored but stop working until it is enabled again.
pub fn disable(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    set_active(ctx, s, raw, false)
}

/// `POST /api/v4/bots/{bot_user_id}/enable`
pub fn enable(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    set_active(ctx, s, raw, true)
}

/// `POST /api/v4/bots/{bot_user_id}/assign/{user_id}`: gives the bot a new owner, who may not
/// be a bot.
pub fn assign(ctx: &Ctx, s: &Session, raw: &str, raw_user: &str) -> Result<Resp, ApiError> {
    let mut bot = load(ctx, raw)?;
    let owner = id_param(raw_user, "user_id")?.to_string();
    permissions::require_manage_bot(s, &bot)?;
    if store::users::find(ctx.db, &owner)?.is_some_and(|u| u.is_bot()) {
        return Err(ApiError::permissions("assign_bot"));
    }
    bot.owner_id = owner;
    bot.update_at = now_ms();
    let stored = bot.clone();
    ctx.app
        .store
        .write(move |c| store::bots::update(c, &stored))?;
    Ok(Resp::ok(&bot))
}

/// `POST /api/v4/bots/{bot_user_id}/convert_to_user?set_system_admin`: body = user patch,
/// `password` required. The bot row goes; the account becomes a normal user (`manage_system`).
pub fn convert_to_user(ctx: &Ctx, s: &Session, req: &Req, raw: &str) -> Result<Resp, ApiError> {
    let bot = load(ctx, raw)?;
    if bot.delete_at != 0 {
        return Err(bot_not_found());
    }
    let patch = UserPatch::from_json(req.json("userPatch")?)
        .map_err(|e| ApiError::invalid_body("userPatch").with_detail(e))?;
    let password = patch.password.clone().unwrap_or_default();
    if password.is_empty() {
        return Err(ApiError::invalid_body("userPatch"));
    }
    permissions::require_system(s, "manage_system")?;
    let now = now_ms();
    let u = store::users::find(ctx.db, &bot.user_id)?.ok_or_else(bot_not_found)?;
    let mut u = u
        .patched(patch, now)
        .map_err(|f| ApiError::bad_request(f.id(), f.message()))?;
    if let Err(id) = user::check_password(&password, &ctx.app.config.password) {
        return Err(ApiError::bad_request(
            id,
            "Your password does not meet the requirements.",
        ));
    }
    if req.query_bool("set_system_admin") && !u.has_role("system_admin") {
        u.roles = format!("{} system_admin", u.roles).trim().to_string();
    }
    u.password_hash = ctx.app.hasher.hash(&password)?;
    u.last_password_update = now;
    u.bot = None;
    let stored = u.clone();
    ctx.app.store.write(move |c| {
        accounts::ensure_unique(c, &stored.username, &stored.email, &stored.id)?;
        store::users::update_profile(c, &stored)?;
        store::users::update_password(c, &stored.id, &stored.password_hash, now)?;
        store::users::update_roles(c, &stored.id, &stored.roles, now)?;
        store::bots::delete(c, &stored.id)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(Resp::ok(&u.to_json(viewer(ctx, s, &u))))
}

/// `POST /api/v4/users/{user_id}/convert_to_bot`: the user becomes a bot it owns itself
/// (`manage_system`); all its sessions are revoked. Answers 200 with the bot.
pub fn convert_user(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw)?.to_string();
    let u = store::users::find(ctx.db, &id)?.ok_or_else(|| {
        ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
    })?;
    permissions::require_system(s, "manage_system")?;
    if u.is_bot() {
        // Mattermost fails the insert of the second bot row (a 500 with this id).
        return Err(ApiError::bad_request(
            "app.bot.createbot.internal_error",
            "The account is already a bot.",
        ));
    }
    let now = now_ms();
    let bot = Bot {
        user_id: u.id.clone(),
        username: u.username.clone(),
        display_name: u.first_name.clone(),
        owner_id: u.id.clone(),
        create_at: now,
        update_at: now,
        ..Default::default()
    };
    let stored = bot.clone();
    ctx.app.store.write(move |c| {
        store::bots::insert(c, &stored)?;
        store::sessions::delete_for_user(c, &stored.user_id)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(Resp::ok(&bot))
}
