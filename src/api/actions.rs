//! Interactive messages (mattermost `api4/integration_action.go`): clicking an action,
//! opening and submitting dialogs; and Perch's call log of those calls, read per integration
//! by whoever manages it.

use super::{id_param, user_id_param};
use crate::actions::{click, dialog};
use crate::app::off_worker;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::action::Source;
use crate::model::session::Session;
use crate::permissions;
use crate::store;

/// `POST /api/v4/posts/{post_id}/actions/{action_id}` `{selected_option?, cookie?}`: calls
/// the action's integration and answers `{"status": "OK", "trigger_id": …}`.
pub fn do_action(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    pid: &str,
    aid: &str,
) -> Result<Resp, ApiError> {
    let post_id = id_param(pid, "post_id")?;
    // Mattermost's route only takes `[A-Za-z0-9]+` action ids; others are unknown routes.
    if aid.is_empty() || !aid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::not_found_route(&req.path));
    }
    let click = click::prepare(ctx, s, post_id, aid, &req.body)?;
    // The integration may take up to the outgoing timeout: no worker waits for it.
    off_worker(ctx.app, "action-call", move |app| {
        click.run(app).map(|a| Resp::ok(&a))
    })
}

/// `POST /api/v4/actions/dialogs/open` `{trigger_id, url, dialog}` (no session).
pub fn open_dialog(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    dialog::open(ctx, &req.body)?;
    Ok(Resp::status_ok())
}

/// `POST /api/v4/actions/dialogs/submit`: posts the submission to the dialog's URL and
/// answers with what the integration said (`{}`, `errors`, `error`, or a next `form`).
pub fn submit_dialog(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let submit = dialog::prepare_submit(ctx, s, &req.body)?;
    off_worker(ctx.app, "dialog-call", move |app| {
        submit.run(app).map(|a| Resp::ok(&a))
    })
}

fn calls(ctx: &Ctx, req: &Req, source: Option<&Source>) -> Result<Resp, ApiError> {
    let (page, per_page) = req.paging();
    let rows = store::actions::list_calls(ctx.db, source, page, per_page)?;
    Ok(Resp::ok(&rows))
}

/// `GET /api/v4/hooks/incoming/{hook_id}/actions` (Perch): calls made for the actions of
/// posts the hook made, newest first; for those who may read the hook.
pub fn list_for_incoming(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let hook = super::incoming_hooks::load_managed(ctx, s, hid)?;
    calls(ctx, req, Some(&Source::IncomingHook(hook.id)))
}

/// `GET /api/v4/hooks/outgoing/{hook_id}/actions` (Perch): calls for the actions of the
/// hook's answers.
pub fn list_for_outgoing(ctx: &Ctx, s: &Session, req: &Req, hid: &str) -> Result<Resp, ApiError> {
    let hook = super::outgoing_hooks::load(ctx, s, hid)?;
    calls(ctx, req, Some(&Source::OutgoingHook(hook.id)))
}

/// `GET /api/v4/commands/{command_id}/actions` (Perch): calls for the actions of the
/// command's answers, and for the dialogs it opened.
pub fn list_for_command(ctx: &Ctx, s: &Session, req: &Req, cid: &str) -> Result<Resp, ApiError> {
    let cmd = super::commands::load_managed(ctx, s, cid, false)?;
    calls(ctx, req, Some(&Source::Command(cmd.id)))
}

/// `GET /api/v4/users/{user_id}/actions` (Perch): calls for the actions of posts a user or
/// bot made through the REST API; for the user, a bot's managers, and system admins.
pub fn list_for_user(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if !permissions::can_manage_user_or_bot(ctx.db, s, uid)? {
        return Err(ApiError::permissions("manage_system"));
    }
    calls(ctx, req, Some(&Source::User(uid.to_string())))
}

/// `GET /api/v4/actions/calls` (Perch): every call, newest first; system admins only.
pub fn list_all(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    permissions::require_system(s, "manage_system")?;
    calls(ctx, req, None)
}
