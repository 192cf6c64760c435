//! `PUT /api/v4/users/{user_id}/patch` (also `me`): a user's profile fields (mattermost
//! `api4/user.go` `patchUser`, `docs/spec/auth.md` §3.3). Absent fields stay as they are; the
//! answer is the updated user, and every socket hears `user_updated`.

use super::user_id_param;
use crate::accounts;
use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::now_ms;
use crate::model::session::Session;
use crate::model::user::{User, UserPatch, Viewer};
use crate::permissions;
use crate::store;

/// Yourself, or anyone with `edit_other_users` (a system admin's account only with
/// `manage_system`). Changing your own e-mail address needs your `password` in the patch,
/// checked off the HTTP worker.
pub fn patch(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw_id)?.to_string();
    let patch = UserPatch::from_json(req.json("user")?)
        .map_err(|e| ApiError::invalid_body("user").with_detail(e))?;
    let own = id == s.user_id();
    if !own && !permissions::has_system(s, "edit_other_users") {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let Some(target) = store::users::find(ctx.db, &id)? else {
        return Err(ApiError::invalid_body("user_id"));
    };
    if target.has_role("system_admin") && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::permissions("manage_system"));
    }
    let new_email = patch.email.as_ref().is_some_and(|e| *e != target.email);
    if !(own && new_email) {
        return finish(ctx.app, id, patch, false);
    }
    let Some(password) = patch.password.clone() else {
        return Err(ApiError::invalid_body("password"));
    };
    crate::app::off_worker(ctx.app, "user-patch", move |app| {
        double_check_password(app, &target, &password)?;
        finish(app, id, patch, true)
    })
}

/// Mattermost's `DoubleCheckPassword`: a locked account is refused, a wrong password counts
/// as a failed attempt (both 401).
fn double_check_password(app: &App, user: &User, password: &str) -> Result<(), ApiError> {
    let max = app.config.service.maximum_login_attempts;
    if max > 0 && user.failed_attempts >= max {
        return Err(ApiError::unauthorized(
            "api.user.check_user_login_attempts.too_many.app_error",
            "Your account is locked because of too many failed password attempts. Please reset your password.",
        ));
    }
    if user.password_hash.is_empty() || !app.hasher.verify(password, &user.password_hash) {
        let uid = user.id.clone();
        app.store
            .write(move |c| store::users::increment_failed_attempts(c, &uid))?;
        return Err(ApiError::unauthorized(
            "api.user.check_user_password.invalid.app_error",
            "Login failed because of invalid password.",
        ));
    }
    Ok(())
}

/// Writes the patch (a checked password also clears the failed attempts), tells the sockets
/// and answers with the user, unsanitized but for its secrets, as Mattermost does.
fn finish(app: &App, id: String, patch: UserPatch, checked: bool) -> Result<Resp, ApiError> {
    let now = now_ms();
    let user = app.store.write(move |c| {
        if checked {
            store::users::update_failed_attempts(c, &id, 0)?;
        }
        accounts::patch_user(c, &id, patch, now)
    })?;
    let mut for_admins = user.to_json(Viewer::Admin);
    if let Some(m) = for_admins.as_object_mut() {
        // Mattermost's `SanitizeProfile` empties these for the admins' copy too.
        m.remove("notify_props");
        m.remove("failed_attempts");
    }
    let privacy = &app.config.privacy;
    let for_others = user.to_json(Viewer::Other {
        show_email: privacy.show_email_address,
        show_full_name: privacy.show_full_name,
    });
    for e in crate::ws::events::user_updated_pair(for_admins, for_others) {
        app.ws.publish(e);
    }
    Ok(Resp::ok(&user.to_json(Viewer::Own)))
}
