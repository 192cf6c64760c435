//! User preferences (mattermost `api4/preference.go`); the built-in `/expand` and `/collapse`
//! commands write `display_settings`/`collapse_previews` here.

use super::user_id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::preference::Preference;
use crate::model::session::Session;
use crate::permissions;
use crate::store;

/// A user's own preferences, or anyone's for `edit_other_users`.
fn check_access(s: &Session, uid: &str) -> Result<(), ApiError> {
    if uid == s.user_id() || permissions::has_system(s, "edit_other_users") {
        Ok(())
    } else {
        Err(ApiError::permissions("edit_other_users"))
    }
}

/// `GET /api/v4/users/{user_id}/preferences`
pub fn list(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    check_access(s, uid)?;
    Ok(Resp::ok(&store::preferences::list_for_user(
        ctx.db, uid, None,
    )?))
}

/// `GET /api/v4/users/{user_id}/preferences/{category}`: 404 when the category is empty.
pub fn list_category(ctx: &Ctx, s: &Session, uid: &str, category: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    check_access(s, uid)?;
    let prefs = store::preferences::list_for_user(ctx.db, uid, Some(category))?;
    if prefs.is_empty() {
        return Err(ApiError::not_found(
            "api.preference.preferences_category.get.app_error",
            "Unable to find preferences for this category.",
        ));
    }
    Ok(Resp::ok(&prefs))
}

/// `PUT /api/v4/users/{user_id}/preferences`: body `[{user_id, category, name, value}, …]`.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?.to_string();
    check_access(s, &uid)?;
    let prefs: Vec<Preference> = req.json("preferences")?;
    if prefs.is_empty() || prefs.len() > 100 {
        return Err(ApiError::invalid_body("preferences"));
    }
    for p in &prefs {
        if p.user_id != uid {
            return Err(ApiError::permissions("edit_other_users"));
        }
        if let Err(id) = p.check() {
            return Err(ApiError::bad_request(id, "Invalid preference."));
        }
    }
    let changed = serde_json::to_value(&prefs).map_err(ApiError::internal)?;
    ctx.app.store.write(move |c| {
        for p in &prefs {
            store::preferences::upsert(c, p)?;
        }
        Ok::<_, ApiError>(())
    })?;
    let e = crate::ws::events::preferences_changed(&uid, &changed);
    ctx.app.ws.publish(e);
    Ok(Resp::status_ok())
}

/// `POST /api/v4/users/{user_id}/preferences/delete`: body `[{user_id, category, name}, …]`
/// (values ignored); each must be the path user's (403 otherwise, nothing deleted). The
/// web app unsaves a post this way. `preferences_deleted` tells the user's connections.
pub fn delete(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?.to_string();
    check_access(s, &uid)?;
    let prefs: Vec<Preference> = req.json("preferences")?;
    if prefs.len() > 100 {
        return Err(ApiError::invalid_body("preferences"));
    }
    if prefs.iter().any(|p| p.user_id != uid) {
        return Err(ApiError::forbidden(
            "api.preference.delete_preferences.delete.app_error",
            "Unable to delete user preferences.",
        ));
    }
    let deleted = serde_json::to_value(&prefs).map_err(ApiError::internal)?;
    ctx.app.store.write(move |c| {
        for p in &prefs {
            store::preferences::delete(c, &p.user_id, &p.category, &p.name)?;
        }
        Ok::<_, ApiError>(())
    })?;
    ctx.app
        .ws
        .publish(crate::ws::events::preferences_deleted(&uid, &deleted));
    Ok(Resp::status_ok())
}
