//! Slash commands: management and execution (mattermost `api4/command.go`,
//! `docs/spec/slash-commands.md` §2–3). Running a command lives in `crate::commands`.

use super::channels::channel_not_found;
use super::id_param;
use crate::app::Ctx;
use crate::commands::{self, builtin, Executed};
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::command::{Command, CommandArgs};
use crate::model::session::Session;
use crate::model::{is_valid_id, new_id, new_token, now_ms};
use crate::permissions;
use crate::store;
use serde_json::{json, Value};

const MANAGE_OWN: &str = "manage_own_slash_commands";
const MANAGE_OTHERS: &str = "manage_others_slash_commands";

/// `404 store.sql_command.save.get.app_error`: Mattermost answers every failed lookup of a
/// command this way, so callers without rights cannot tell whether it exists.
fn command_not_found() -> ApiError {
    ApiError::not_found(
        "store.sql_command.save.get.app_error",
        "Unable to get the command.",
    )
}

fn duplicate_trigger() -> ApiError {
    ApiError::bad_request(
        "api.command.duplicate_trigger.app_error",
        "This trigger word is already in use. Please choose another word.",
    )
}

fn invalid(id: &'static str) -> ApiError {
    ApiError::bad_request(id, "Invalid command.")
}

/// Refuses a trigger that another live command of the team or a built-in already uses.
fn check_trigger_free(
    c: &store::Conn,
    team_id: &str,
    trigger: &str,
    own_id: &str,
) -> Result<(), ApiError> {
    if builtin::find(trigger).is_some() {
        return Err(duplicate_trigger());
    }
    match store::commands::find_by_trigger(c, team_id, trigger)? {
        Some(existing) if existing.id != own_id => Err(duplicate_trigger()),
        _ => Ok(()),
    }
}

/// `POST /api/v4/commands`: creates a custom command for a team. The trigger is stored
/// lower-cased and must be free (built-ins included).
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let mut cmd: Command = req.json("command")?;
    permissions::require_team(ctx.db, s, &cmd.team_id, MANAGE_OWN)?;
    if !cmd.creator_id.is_empty() && cmd.creator_id != s.user_id() {
        permissions::require_team(ctx.db, s, &cmd.team_id, MANAGE_OTHERS)?;
        if store::users::find(ctx.db, &cmd.creator_id)?.is_none() {
            return Err(ApiError::not_found(
                "app.user.missing_account.const",
                "Unable to find the user.",
            ));
        }
    } else {
        cmd.creator_id = s.user_id().to_string();
    }
    if !ctx.app.config.service.enable_commands {
        return Err(commands::disabled());
    }
    // Quirk kept from Mattermost: a client-chosen id fails inside the store with a 500.
    if !cmd.id.is_empty() {
        return Err(ApiError::new(
            500,
            "app.command.createcommand.internal_error",
            "Unable to save the command.",
        )
        .with_detail("the id is assigned by the server"));
    }
    cmd.trigger = cmd.trigger.to_lowercase();
    cmd.id = new_id();
    if cmd.token.is_empty() {
        cmd.token = new_token();
    }
    cmd.create_at = now_ms();
    cmd.update_at = cmd.create_at;
    cmd.delete_at = 0;
    let c2 = cmd.clone();
    ctx.app.store.write(move |c| {
        check_trigger_free(c, &c2.team_id, &c2.trigger, &c2.id)?;
        c2.check().map_err(invalid)?;
        store::commands::insert(c, &c2)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(Resp::created(&cmd))
}

/// `GET /api/v4/commands?team_id=…&custom_only=…`: with `custom_only`, the team's custom
/// commands in full; otherwise the built-ins plus the team's commands, sanitized (callers who
/// may not manage commands get the autocomplete list instead).
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let team_id = req.query("team_id").unwrap_or("");
    if team_id.is_empty() {
        return Err(ApiError::invalid_body("team_id"));
    }
    permissions::require_team(ctx.db, s, team_id, "view_team")?;
    let manage_own = permissions::has_team(ctx.db, s, team_id, MANAGE_OWN)?;
    let manage_others = permissions::has_team(ctx.db, s, team_id, MANAGE_OTHERS)?;
    let visible = |c: &Command| manage_others || c.creator_id == s.user_id();
    if req.query_bool("custom_only") {
        if !manage_own {
            return Err(ApiError::permissions(MANAGE_OWN));
        }
        if !ctx.app.config.service.enable_commands {
            return Err(commands::disabled());
        }
        let mine: Vec<Command> = store::commands::list_for_team(ctx.db, team_id)?
            .into_iter()
            .filter(visible)
            .collect();
        return Ok(Resp::ok(&mine));
    }
    if !manage_own {
        return Ok(Resp::ok(&autocomplete_list(ctx, team_id)?));
    }
    let mut out = builtin::commands();
    if ctx.app.config.service.enable_commands {
        out.extend(
            store::commands::list_for_team(ctx.db, team_id)?
                .into_iter()
                .filter(visible)
                .map(Command::sanitized),
        );
    }
    Ok(Resp::ok(&out))
}

/// The autocomplete list: the team's custom commands that asked for it, then the built-ins;
/// the first command with a trigger wins; all sanitized.
fn autocomplete_list(ctx: &Ctx, team_id: &str) -> Result<Vec<Command>, ApiError> {
    let mut out: Vec<Command> = Vec::new();
    if ctx.app.config.service.enable_commands {
        out.extend(
            store::commands::list_for_team(ctx.db, team_id)?
                .into_iter()
                .filter(|c| c.auto_complete)
                .map(Command::sanitized),
        );
    }
    for b in builtin::commands() {
        if !out.iter().any(|c| c.trigger == b.trigger) {
            out.push(b);
        }
    }
    Ok(out)
}

/// `GET /api/v4/teams/{team_id}/commands/autocomplete`
pub fn list_autocomplete(ctx: &Ctx, s: &Session, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    Ok(Resp::ok(&autocomplete_list(ctx, tid)?))
}

/// `GET /api/v4/teams/{team_id}/commands/autocomplete_suggestions?user_input=…`: while the
/// trigger is being typed (no space yet), every autocomplete command whose trigger starts with
/// it, as Mattermost's `GetSuggestions` answers for commands (the official web app builds its
/// `/` list from this). Arguments have no suggestions here (no command describes them).
pub fn list_suggestions(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let input = req.query("user_input").unwrap_or("");
    if input.is_empty() {
        return Err(ApiError::invalid_body("user_input"));
    }
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    let typed = input.strip_prefix('/').unwrap_or(input).to_lowercase();
    if typed.contains(' ') {
        return Ok(Resp::ok(&Vec::<Value>::new()));
    }
    let list: Vec<Value> = autocomplete_list(ctx, tid)?
        .into_iter()
        .filter(|c| c.trigger.starts_with(&typed))
        .map(|c| {
            json!({
                "Complete": c.trigger,
                "Suggestion": c.trigger,
                "Hint": c.auto_complete_hint,
                "Description": c.auto_complete_desc,
                "IconData": "",
            })
        })
        .collect();
    Ok(Resp::ok(&list))
}

/// Loads a command the caller may manage: every failure is the same 404, except that
/// someone else's command without `manage_others_slash_commands` is a 403 when `strict`.
pub(crate) fn load_managed(
    ctx: &Ctx,
    s: &Session,
    raw: &str,
    strict: bool,
) -> Result<Command, ApiError> {
    if !is_valid_id(raw) {
        return Err(ApiError::invalid_url_param("command_id"));
    }
    if !ctx.app.config.service.enable_commands {
        return Err(command_not_found());
    }
    let cmd = store::commands::find(ctx.db, raw)?.ok_or_else(command_not_found)?;
    if !strict && !permissions::has_team(ctx.db, s, &cmd.team_id, "view_team")? {
        return Err(command_not_found());
    }
    if !permissions::has_team(ctx.db, s, &cmd.team_id, MANAGE_OWN)? {
        return Err(command_not_found());
    }
    if cmd.creator_id != s.user_id()
        && !permissions::has_team(ctx.db, s, &cmd.team_id, MANAGE_OTHERS)?
    {
        return Err(if strict {
            ApiError::permissions(MANAGE_OTHERS)
        } else {
            command_not_found()
        });
    }
    Ok(cmd)
}

/// `GET /api/v4/commands/{command_id}`: the full command (with its token).
pub fn get(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&load_managed(ctx, s, raw, false)?))
}

/// `PUT /api/v4/commands/{command_id}`: replaces the editable fields; id, token, creator,
/// team and times are kept.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, raw: &str) -> Result<Resp, ApiError> {
    let id = id_param(raw, "command_id")?;
    let body: Command = req.json("command")?;
    if body.id != id {
        return Err(ApiError::invalid_body("command"));
    }
    if !ctx.app.config.service.enable_commands {
        return Err(command_not_found());
    }
    let old = store::commands::find(ctx.db, id)?.ok_or_else(command_not_found)?;
    if !permissions::has_team(ctx.db, s, &old.team_id, MANAGE_OWN)? {
        return Err(command_not_found());
    }
    if body.team_id != old.team_id {
        return Err(ApiError::bad_request(
            "api.command.team_mismatch.app_error",
            "The command cannot be moved to another team this way.",
        ));
    }
    if old.creator_id != s.user_id()
        && !permissions::has_team(ctx.db, s, &old.team_id, MANAGE_OTHERS)?
    {
        return Err(ApiError::permissions(MANAGE_OTHERS));
    }
    let cmd = Command {
        id: old.id,
        token: old.token,
        create_at: old.create_at,
        update_at: now_ms(),
        delete_at: old.delete_at,
        creator_id: old.creator_id,
        team_id: old.team_id,
        plugin_id: old.plugin_id,
        trigger: body.trigger.to_lowercase(),
        ..body
    };
    let c2 = cmd.clone();
    ctx.app.store.write(move |c| {
        check_trigger_free(c, &c2.team_id, &c2.trigger, &c2.id)?;
        c2.check().map_err(invalid)?;
        if store::commands::update(c, &c2)? == 0 {
            return Err(command_not_found());
        }
        Ok(())
    })?;
    Ok(Resp::ok(&cmd))
}

/// `DELETE /api/v4/commands/{command_id}`: soft delete; its response URLs stop working.
pub fn delete(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    let cmd = load_managed(ctx, s, raw, true)?;
    ctx.app
        .store
        .write(move |c| store::commands::update_delete_at(c, &cmd.id, now_ms()))?;
    Ok(Resp::status_ok())
}

/// `PUT /api/v4/commands/{command_id}/regen_token`: `{"token": "<new>"}`.
pub fn regen_token(ctx: &Ctx, s: &Session, raw: &str) -> Result<Resp, ApiError> {
    let cmd = load_managed(ctx, s, raw, true)?;
    let token = new_token();
    let t2 = token.clone();
    ctx.app
        .store
        .write(move |c| store::commands::update_token(c, &cmd.id, &t2, now_ms()))?;
    Ok(Resp::ok(&json!({ "token": token })))
}

fn bad_start() -> ApiError {
    ApiError::bad_request(
        "api.command.execute_command.start.app_error",
        "No command trigger found.",
    )
}

/// `POST /api/v4/commands/execute`: `{channel_id, command, team_id?, root_id?}`. Runs a
/// custom command of the channel's team or a built-in; answers with the `CommandResponse`
/// after its posts were made.
pub fn execute(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let args: CommandArgs = req.json("command_args")?;
    if args.command.len() <= 1 || !args.command.starts_with('/') || !is_valid_id(&args.channel_id) {
        return Err(bad_start());
    }
    let Some(channel) = store::channels::find(ctx.db, &args.channel_id)? else {
        // Mattermost checks the permission first, which fails for a missing channel.
        if permissions::has_system(s, "create_post") {
            return Err(channel_not_found());
        }
        return Err(ApiError::permissions("create_post"));
    };
    if !permissions::can_post(ctx, s, &channel)? {
        return Err(ApiError::permissions("create_post"));
    }
    if channel.delete_at != 0 {
        return Err(ApiError::bad_request(
            "api.command.execute_command.deleted.error",
            "Commands cannot be run in an archived channel.",
        ));
    }
    let team_id = if channel.is_direct() {
        if is_restricted_dm(ctx, s, &channel)? {
            return Err(ApiError::bad_request(
                "api.command.execute_command.restricted_dm.error",
                "Commands cannot be run in this direct message channel.",
            ));
        }
        // The team comes from the client; it must be one of the caller's.
        let member = store::teams::find_member(ctx.db, &args.team_id, s.user_id())?.is_some();
        if !member && !permissions::has_system(s, "manage_system") {
            return Err(ApiError::permissions("use_slash_commands"));
        }
        args.team_id.clone()
    } else {
        // Commands of another team cannot be run against this channel.
        channel.team_id.clone()
    };
    let root_id = if args.root_id.is_empty() {
        &args.parent_id
    } else {
        &args.root_id
    };
    match commands::execute(ctx, s, &channel, &team_id, root_id, &args.command)? {
        Executed::Done(resp) => Ok(Resp::ok(&resp.for_client())),
        // The command's URL may take up to the outgoing timeout: no worker waits for it.
        Executed::Calling(call) => crate::app::off_worker(ctx.app, "command-call", move |app| {
            call.finish(app).map(|r| Resp::ok(&r.for_client()))
        }),
    }
}

/// With `TeamSettings.RestrictDirectMessage = "team"`, a DM whose two members share no team.
fn is_restricted_dm(
    ctx: &Ctx,
    s: &Session,
    ch: &crate::model::channel::Channel,
) -> Result<bool, ApiError> {
    if ch.kind != "D" || ctx.app.config.team.restrict_direct_message != "team" {
        return Ok(false);
    }
    let other = ch
        .name
        .split("__")
        .find(|id| *id != s.user_id())
        .unwrap_or(s.user_id());
    let mine = store::teams::list_for_user(ctx.db, s.user_id())?;
    let theirs = store::teams::list_for_user(ctx.db, other)?;
    Ok(!mine.iter().any(|t| theirs.iter().any(|o| o.id == t.id)))
}
