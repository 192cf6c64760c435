//! Teams and team membership (mattermost `api4/team.go`).

use super::{id_param, user_id_param};
use crate::accounts;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::model::team::{check_team_name, Team};
use crate::model::{new_id, now_ms};
use crate::permissions;
use crate::store;
use serde::Deserialize;
use serde_json::{Map, Value};

fn team_not_found() -> ApiError {
    ApiError::not_found(
        "app.team.get.find.app_error",
        "We couldn't find the existing team.",
    )
}

/// The team as the caller may see it: `email` needs `manage_team`, `invite_id` `invite_user`.
pub(crate) fn team_json(ctx: &Ctx, s: &Session, t: &Team) -> Result<Value, ApiError> {
    let mut t = t.clone();
    if !permissions::has_team(ctx.db, s, &t.id, "manage_team")? {
        t.email = String::new();
    }
    if !permissions::has_team(ctx.db, s, &t.id, "invite_user")? {
        t.invite_id = String::new();
    }
    serde_json::to_value(&t).map_err(ApiError::internal)
}

/// Loads a team the caller may view, or 404/403 as Mattermost answers.
pub(crate) fn visible_team(ctx: &Ctx, s: &Session, t: Option<Team>) -> Result<Team, ApiError> {
    let t = t
        .filter(|t| t.delete_at == 0 || permissions::has_system(s, "manage_system"))
        .ok_or_else(team_not_found)?;
    let public = t.allow_open_invite && t.kind == "O";
    if permissions::has_team(ctx.db, s, &t.id, "view_team")?
        || (public && permissions::has_system(s, "list_public_teams"))
    {
        return Ok(t);
    }
    Err(ApiError::permissions("view_team"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewTeam {
    name: String,
    display_name: String,
    #[serde(rename = "type")]
    kind: String,
    description: String,
    company_name: String,
    allowed_domains: String,
    allow_open_invite: bool,
}

/// `POST /api/v4/teams`: creates a team with `town-square` and `off-topic`; the creator
/// becomes `team_user team_admin`.
pub fn create(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let nt: NewTeam = req.json("team")?;
    if !permissions::has_system(s, "create_team") {
        return Err(ApiError::forbidden(
            "api.team.is_team_creation_allowed.disabled.app_error",
            "Team creation has been disabled. Please ask your System Administrator for details.",
        ));
    }
    let name = nt.name.trim().to_string();
    if let Err(id) = check_team_name(&name) {
        return Err(ApiError::bad_request(id, "Invalid team name."));
    }
    let dn = nt.display_name.trim().to_string();
    if dn.is_empty() || dn.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "model.team.is_valid.name.app_error",
            "Invalid display name.",
        ));
    }
    let kind = if nt.kind.is_empty() {
        "O".to_string()
    } else {
        nt.kind
    };
    if kind != "O" && kind != "I" {
        return Err(ApiError::bad_request(
            "model.team.is_valid.type.app_error",
            "Invalid type.",
        ));
    }
    if nt.description.chars().count() > 255 {
        return Err(ApiError::bad_request(
            "model.team.is_valid.description.app_error",
            "Invalid description.",
        ));
    }
    let now = now_ms();
    let team = Team {
        id: new_id(),
        create_at: now,
        update_at: now,
        display_name: dn,
        name,
        description: nt.description,
        email: s.user.email.clone(),
        kind,
        company_name: nt.company_name,
        allowed_domains: nt.allowed_domains,
        invite_id: crate::model::new_token(),
        allow_open_invite: nt.allow_open_invite,
        ..Default::default()
    };
    let t = team.clone();
    let uid = s.user_id().to_string();
    ctx.app.store.write(move |c| {
        if store::teams::find_by_name(c, &t.name)?.is_some() {
            return Err(ApiError::bad_request(
                "store.sql_team.save_team.existing.app_error",
                "A team with that name already exists.",
            ));
        }
        accounts::insert_team(c, &t)?;
        store::teams::upsert_member(c, &t.id, &uid, "team_user team_admin")?;
        accounts::join_team(c, &t.id, &uid, "team_user team_admin", &[])?;
        Ok(())
    })?;
    Ok(Resp::created(&team_json(ctx, s, &team)?))
}

/// `GET /api/v4/teams/{team_id}`
pub fn get(ctx: &Ctx, s: &Session, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let t = visible_team(ctx, s, store::teams::find(ctx.db, tid)?)?;
    Ok(Resp::ok(&team_json(ctx, s, &t)?))
}

/// `GET /api/v4/teams/name/{name}`
pub fn get_by_name(ctx: &Ctx, s: &Session, name: &str) -> Result<Resp, ApiError> {
    let t = store::teams::find_by_name(ctx.db, name)?.ok_or_else(|| {
        ApiError::not_found(
            "app.team.get_by_name.missing.app_error",
            "Unable to find the existing team.",
        )
    })?;
    let t = visible_team(ctx, s, Some(t))?;
    Ok(Resp::ok(&team_json(ctx, s, &t)?))
}

/// `GET /api/v4/teams`: every team for admins; otherwise open teams and the caller's teams.
/// With `include_total_count=true`, Mattermost's TeamsWithCount `{teams, total_count}` (the
/// System Console's teams list asks for it).
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let (page, per_page) = req.paging();
    // Teams are few: the visible ones are filtered first, then paged, so pages and the count
    // agree.
    let all = store::teams::list(ctx.db, 0, i64::MAX)?;
    let mut visible = Vec::new();
    for t in all {
        let public = t.allow_open_invite && t.kind == "O";
        if permissions::has_system(s, "manage_system")
            || public
            || store::teams::find_member(ctx.db, &t.id, s.user_id())?.is_some()
        {
            visible.push(t);
        }
    }
    let total = visible.len();
    let out = visible
        .iter()
        .skip((page * per_page) as usize)
        .take(per_page as usize)
        .map(|t| team_json(ctx, s, t))
        .collect::<Result<Vec<_>, _>>()?;
    if req.query_bool("include_total_count") {
        return Ok(Resp::ok(
            &serde_json::json!({"teams": out, "total_count": total}),
        ));
    }
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/users/{user_id}/teams`
pub fn list_for_user(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if uid != s.user_id() && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::permissions("manage_system"));
    }
    let teams = store::teams::list_for_user(ctx.db, uid)?;
    let out = teams
        .iter()
        .map(|t| team_json(ctx, s, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/teams/{team_id}/members`
pub fn list_members(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::teams::list_members(
        ctx.db, tid, page, per_page,
    )?))
}

/// `GET /api/v4/teams/{team_id}/members/{user_id}`
pub fn get_member(ctx: &Ctx, s: &Session, tid: &str, uid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let uid = user_id_param(s, uid)?;
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    let m = store::teams::find_member(ctx.db, tid, uid)?.ok_or_else(|| {
        ApiError::not_found(
            "app.team.get_member.missing.app_error",
            "No team member found for that user ID and team ID.",
        )
    })?;
    Ok(Resp::ok(&m))
}

/// `POST /api/v4/teams/{team_id}/members`: body `{"team_id", "user_id"}`.
pub fn add_member(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?.to_string();
    let body: Map<String, Value> = req.json("team_member")?;
    let get = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if get("team_id") != tid {
        return Err(ApiError::invalid_body("team_id"));
    }
    let uid = get("user_id");
    if !crate::model::is_valid_id(&uid) {
        return Err(ApiError::invalid_body("user_id"));
    }
    let team = store::teams::find(ctx.db, &tid)?
        .filter(|t| t.delete_at == 0)
        .ok_or_else(team_not_found)?;
    if uid == s.user_id() {
        let perm = if team.allow_open_invite {
            "join_public_teams"
        } else {
            "join_private_teams"
        };
        if !permissions::has_system(s, perm)
            && !permissions::has_team(ctx.db, s, &tid, "add_user_to_team")?
        {
            return Err(ApiError::permissions(perm));
        }
    } else {
        permissions::require_team(ctx.db, s, &tid, "add_user_to_team")?;
    }
    let user = store::users::find(ctx.db, &uid)?.ok_or_else(|| {
        ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
    })?;
    if user.delete_at != 0 {
        return Err(ApiError::bad_request(
            "app.team.join_user_to_team.deactivated.app_error",
            "The user is deactivated.",
        ));
    }
    let max = ctx.app.config.team.max_users_per_team;
    let defaults = ctx.app.config.team.experimental_default_channels.clone();
    let (t2, u2) = (tid.clone(), uid.clone());
    ctx.app.store.write(move |c| {
        let already = store::teams::find_member(c, &t2, &u2)?.is_some();
        if !already && max > 0 && store::teams::count_members(c, &t2)? >= max {
            return Err(ApiError::bad_request(
                "app.team.join_user_to_team.max_accounts.app_error",
                "This team has reached the maximum number of allowed accounts.",
            ));
        }
        accounts::join_team(c, &t2, &u2, "team_user", &defaults)?;
        Ok(())
    })?;
    let m = store::teams::find_member(ctx.db, &tid, &uid)?
        .ok_or_else(|| ApiError::internal("member vanished"))?;
    let added = crate::ws::events::added_to_team(&tid, &uid);
    ctx.app.ws.publish(added);
    Ok(Resp::created(&m))
}

/// `DELETE /api/v4/teams/{team_id}/members/{user_id}`: leave, or remove someone
/// (`remove_user_from_team`). Also leaves the team's channels.
pub fn remove_member(ctx: &Ctx, s: &Session, tid: &str, uid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?.to_string();
    let uid = user_id_param(s, uid)?.to_string();
    if uid != s.user_id() {
        permissions::require_team(ctx.db, s, &tid, "remove_user_from_team")?;
    }
    let (team, user) = (tid.clone(), uid.clone());
    let n = ctx.app.store.write(move |c| {
        let n = store::teams::delete_member(c, &tid, &uid, now_ms())?;
        store::channels::delete_member_in_team(c, &tid, &uid)?;
        Ok::<_, ApiError>(n)
    })?;
    if n == 0 {
        return Err(ApiError::not_found(
            "app.team.get_member.missing.app_error",
            "No team member found.",
        ));
    }
    for e in crate::ws::events::leave_team(&team, &user) {
        ctx.app.ws.publish(e);
    }
    Ok(Resp::status_ok())
}

/// `PUT /api/v4/teams/{team_id}/members/{user_id}/roles`: body `{"roles": "team_user team_admin"}`;
/// needs `manage_team_roles` (team and system admins).
pub fn update_member_roles(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    tid: &str,
    uid: &str,
) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?.to_string();
    let uid = user_id_param(s, uid)?.to_string();
    let body: Map<String, Value> = req.json("team_member_roles")?;
    let roles = body
        .get("roles")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_body("team_member_roles"))?;
    if !permissions::is_valid_role_list(roles) {
        return Err(ApiError::invalid_body("team_member_roles"));
    }
    permissions::require_team(ctx.db, s, &tid, "manage_team_roles")?;
    let missing = || {
        ApiError::not_found(
            "app.team.get_member.missing.app_error",
            "No team member found for that user ID and team ID.",
        )
    };
    if store::teams::find_member(ctx.db, &tid, &uid)?.is_none() {
        return Err(missing());
    }
    let names: Vec<&str> = roles.split_whitespace().collect();
    permissions::check_member_roles("team", &names)?;
    let roles = names.join(" ");
    ctx.app.store.write(move |c| {
        if store::teams::find_member(c, &tid, &uid)?.is_none() {
            return Err(missing());
        }
        store::teams::upsert_member(c, &tid, &uid, &roles)?;
        Ok(())
    })?;
    Ok(Resp::status_ok())
}

/// `GET /api/v4/users/{user_id}/teams/members`: the user's team memberships.
pub fn list_members_for_user(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if uid != s.user_id() && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::permissions("manage_system"));
    }
    let mut out = Vec::new();
    for t in store::teams::list_for_user(ctx.db, uid)? {
        if let Some(m) = store::teams::find_member(ctx.db, &t.id, uid)? {
            out.push(m);
        }
    }
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/users/{user_id}/teams/unread`: per-team unread messages and mentions (the
/// web app's team sidebar badges). Perch keeps no per-thread counts: those are zero.
pub fn list_unread_for_user(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = user_id_param(s, uid)?;
    if uid != s.user_id() && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::permissions("manage_system"));
    }
    let out: Vec<Value> = store::teams::unread_for_user(ctx.db, uid)?
        .iter()
        .map(|u| {
            serde_json::json!({
                "team_id": u.team_id,
                "msg_count": u.msg_count,
                "mention_count": u.mention_count,
                "mention_count_root": u.mention_count_root,
                "msg_count_root": 0,
                "thread_count": 0,
                "thread_mention_count": 0,
                "thread_urgent_mention_count": 0,
            })
        })
        .collect();
    Ok(Resp::ok(&out))
}

/// `PUT /api/v4/teams/{team_id}/patch`'s body: only the fields given change.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TeamPatch {
    display_name: Option<String>,
    description: Option<String>,
    company_name: Option<String>,
    allowed_domains: Option<String>,
    allow_open_invite: Option<bool>,
}

/// `PUT /api/v4/teams/{team_id}`'s body: a whole team, absent fields being empty.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TeamBody {
    id: String,
    display_name: String,
    description: String,
    company_name: String,
    allowed_domains: String,
    allow_open_invite: bool,
}

/// `PUT /api/v4/teams/{team_id}`: the whole team in the body, whose `id` must be the path's;
/// Mattermost copies its display name, description, company name, allowed domains and
/// open-invite flag onto the stored team. Needs `manage_team`.
pub fn update(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let body: TeamBody = req.json("team")?;
    if body.id != tid {
        return Err(ApiError::invalid_body("id"));
    }
    permissions::require_team(ctx.db, s, tid, "manage_team")?;
    let patch = TeamPatch {
        display_name: Some(body.display_name),
        description: Some(body.description),
        company_name: Some(body.company_name),
        allowed_domains: Some(body.allowed_domains),
        allow_open_invite: Some(body.allow_open_invite),
    };
    apply(ctx, s, tid, patch, false)
}

/// `PUT /api/v4/teams/{team_id}/patch`: changes only the fields given; turning
/// `allow_open_invite` off regenerates the invite id. Needs `manage_team`.
pub fn patch(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let patch: TeamPatch = req.json("team")?;
    permissions::require_team(ctx.db, s, tid, "manage_team")?;
    apply(ctx, s, tid, patch, true)
}

/// Checks the changed team as Mattermost's `Team.IsValid` does, writes it and tells its
/// members (`update_team`) after the commit.
fn apply(
    ctx: &Ctx,
    s: &Session,
    tid: &str,
    p: TeamPatch,
    closing_regenerates: bool,
) -> Result<Resp, ApiError> {
    let mut t = store::teams::find(ctx.db, tid)?
        .filter(|t| t.delete_at == 0)
        .ok_or_else(team_not_found)?;
    let closing = p.allow_open_invite == Some(false);
    if let Some(v) = p.display_name {
        t.display_name = v;
    }
    if let Some(v) = p.description {
        t.description = v;
    }
    if let Some(v) = p.company_name {
        t.company_name = v;
    }
    if let Some(v) = p.allowed_domains {
        t.allowed_domains = v;
    }
    if let Some(v) = p.allow_open_invite {
        t.allow_open_invite = v;
    }
    if closing && closing_regenerates {
        t.invite_id = new_id();
    }
    check_team(&t)?;
    t.update_at = now_ms();
    let t2 = t.clone();
    let n = ctx
        .app
        .store
        .write(move |c| Ok::<_, ApiError>(store::teams::update(c, &t2)?))?;
    if n == 0 {
        return Err(team_not_found());
    }
    let mut sanitized = t.clone();
    sanitized.email = String::new();
    sanitized.invite_id = String::new();
    ctx.app
        .ws
        .publish(crate::ws::events::update_team(&sanitized, &t.id));
    Ok(Resp::ok(&team_json(ctx, s, &t)?))
}

/// The limits of Mattermost's `Team.IsValid` on the fields an update can change (runes for
/// the display name, bytes for the rest).
fn check_team(t: &Team) -> Result<(), ApiError> {
    let bad = |id: &'static str, what: &str| Err(ApiError::bad_request(id, what.to_string()));
    let dn = t.display_name.chars().count();
    if dn == 0 || dn > 64 {
        return bad(
            "model.team.is_valid.name.app_error",
            "Invalid display name.",
        );
    }
    if t.description.len() > 255 {
        return bad(
            "model.team.is_valid.description.app_error",
            "Invalid description.",
        );
    }
    if t.company_name.len() > 64 {
        return bad(
            "model.team.is_valid.company.app_error",
            "Invalid company name.",
        );
    }
    if t.allowed_domains.len() > 500 {
        return bad(
            "model.team.is_valid.domains.app_error",
            "Invalid allowed domains.",
        );
    }
    Ok(())
}

/// `POST /api/v4/teams/{team_id}/members/ids`: body `["user_id", …]` (1 to 1000 ids); the
/// team's current members among them (`view_team`).
pub fn members_by_ids(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let ids: Vec<String> = req.json("user_ids")?;
    if ids.is_empty() || ids.len() > 1000 {
        return Err(ApiError::invalid_param("user_ids"));
    }
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    Ok(Resp::ok(&store::teams::list_members_by_ids(
        ctx.db, tid, &ids,
    )?))
}

/// `GET /api/v4/teams/{team_id}/stats`: `{team_id, total_member_count, active_member_count}`
/// (`view_team`); active members are those whose account is not deactivated.
pub fn stats(ctx: &Ctx, s: &Session, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    let (total, active) = store::teams::member_counts(ctx.db, tid)?;
    Ok(Resp::ok(&serde_json::json!({
        "team_id": tid,
        "total_member_count": total,
        "active_member_count": active,
    })))
}
