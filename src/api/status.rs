//! User status (mattermost `api4/status.go`): `online`, `away`, `offline`, `dnd`, as set by the
//! built-in `/away`, `/online`, `/offline` and `/dnd` commands or by clients.

use super::user_id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::now_ms;
use crate::model::session::Session;
use crate::model::user::Status;
use crate::permissions;
use crate::store;
use serde::Deserialize;
use serde_json::{json, Value};

/// The statuses a user may set.
pub const STATUSES: &[&str] = &["online", "away", "offline", "dnd"];

/// A status on the wire; users without a row are `offline`.
pub(crate) fn status_json(st: Option<Status>, user_id: &str) -> Value {
    let st = st.unwrap_or_else(|| Status {
        user_id: user_id.to_string(),
        status: "offline".into(),
        manual: false,
        last_activity_at: 0,
    });
    json!({
        "user_id": st.user_id,
        "status": st.status,
        "manual": st.manual,
        "last_activity_at": st.last_activity_at,
        "dnd_end_time": 0,
        "prev_status": "",
    })
}

/// `GET /api/v4/users/{user_id}/status`
pub fn get(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    let st = store::status::find(ctx.db, uid)?;
    Ok(Resp::ok(&status_json(st, uid)))
}

#[derive(Deserialize)]
struct StatusBody {
    user_id: String,
    status: String,
}

/// `PUT /api/v4/users/{user_id}/status`: body `{"user_id", "status"}`; a status set this way
/// is manual. Answers with the new status.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?.to_string();
    let body: StatusBody = req.json("status")?;
    if body.user_id != uid {
        return Err(ApiError::invalid_body("user_id"));
    }
    if uid != s.user_id() && !permissions::has_system(s, "edit_other_users") {
        return Err(ApiError::permissions("edit_other_users"));
    }
    if !STATUSES.contains(&body.status.as_str()) {
        return Err(ApiError::invalid_body("status"));
    }
    let st = Status {
        user_id: uid.clone(),
        status: body.status,
        manual: true,
        last_activity_at: now_ms(),
    };
    let stored = st.clone();
    ctx.app
        .store
        .write(move |c| store::status::upsert(c, &stored))?;
    Ok(Resp::ok(&status_json(Some(st), &uid)))
}
