//! Users, login and logout (mattermost `api4/user.go`).

use super::{id_param, user_id_param};
use crate::accounts::{self, Creator};
use crate::app::{App, Ctx};
use crate::auth;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::model::user::{NewUser, User, Viewer};
use crate::model::{new_id, new_token, now_ms};
use crate::permissions;
use crate::store::{self, sessions::SessionRow};
use serde_json::{Map, Value};

/// How `viewer` may see `user`.
pub(crate) fn viewer(ctx: &Ctx, s: &Session, user: &User) -> Viewer {
    if s.user_id() == user.id {
        Viewer::Own
    } else if permissions::has_system(s, "manage_system") {
        Viewer::Admin
    } else {
        Viewer::Other {
            show_email: ctx.app.config.privacy.show_email_address,
            show_full_name: ctx.app.config.privacy.show_full_name,
        }
    }
}

/// Sessions one user may hold, as in Mattermost.
const MAX_SESSIONS: i64 = 500;

fn missing_account() -> ApiError {
    ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
}

/// `POST /api/v4/users`: sign up, or (as a system admin) create an account.
pub fn create(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let nu: NewUser = req.json("user")?;
    let caller = auth::authenticate_optional(ctx, req);
    let cfg = &ctx.app.config;
    let creator = match &caller {
        Some(s) if permissions::has_system(s, "manage_system") => {
            Creator::Admin { make_admin: false }
        }
        _ => {
            if !cfg.email.enable_sign_up_with_email || !cfg.team.enable_user_creation {
                return Err(ApiError::not_implemented(
                    "api.user.create_user.signup_email_disabled.app_error",
                    "User sign-up with email is disabled.",
                ));
            }
            Creator::SignUp
        }
    };
    let u = accounts::create_user(&ctx.app.store, &ctx.app.hasher, cfg, nu, creator)?;
    ctx.app.ws.publish(crate::ws::events::new_user(&u.id));
    Ok(Resp::created(&u.to_json(Viewer::Own)))
}

fn invalid_credentials(app: &App) -> ApiError {
    let e = &app.config.email;
    let id = match (e.enable_sign_in_with_email, e.enable_sign_in_with_username) {
        (true, false) => "api.user.login.invalid_credentials_email",
        (false, true) => "api.user.login.invalid_credentials_username",
        _ => "api.user.login.invalid_credentials_email_username",
    };
    ApiError::unauthorized(id, "Enter a valid email or username and/or password.")
}

/// `POST /api/v4/users/login`: password login. Answers 200 with the session token in the
/// `Token` header; cookies only for the web app (`X-Requested-With: XMLHttpRequest`). Limited
/// per client IP by the login limiter (5/s, burst 10) before anything else happens.
pub fn login(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let Some(l) = &ctx.app.limits.login else {
        return login_checked(ctx, req);
    };
    let d = l.check(&req.client_ip(&ctx.app.config.service.trusted_proxy_ip_header));
    if !d.allowed {
        return Ok(d.rejection());
    }
    super::with_headers(login_checked(ctx, req), d.headers())
}

fn login_checked(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    // Mattermost decodes a map of strings: values of other types are dropped.
    let body: Map<String, Value> = req.json("login")?;
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (login_id, id, password, device_id) = (
        field("login_id"),
        field("id"),
        field("password"),
        field("device_id"),
    );
    if password.is_empty() {
        return Err(ApiError::bad_request(
            "api.user.login.blank_pwd.app_error",
            "Password field must not be blank",
        ));
    }
    let email_cfg = &ctx.app.config.email;
    let user = if !id.is_empty() {
        store::users::find(ctx.db, &id)?
    } else {
        store::users::find_by_login(
            ctx.db,
            login_id.trim(),
            email_cfg.enable_sign_in_with_username,
            email_cfg.enable_sign_in_with_email,
        )?
    };
    let Some(user) = user else {
        return Err(invalid_credentials(ctx.app));
    };
    if user.delete_at != 0 {
        return Err(ApiError::unauthorized(
            "api.user.login.inactive.app_error",
            "Login failed because your account has been deactivated.",
        ));
    }
    if user.is_bot() {
        return Err(ApiError::unauthorized(
            "api.user.login.bot_login_forbidden.app_error",
            "Bot login is forbidden.",
        ));
    }
    let max = ctx.app.config.service.maximum_login_attempts;
    if max > 0 && user.failed_attempts >= max {
        return Err(ApiError::unauthorized(
            "api.user.check_user_login_attempts.too_many.app_error",
            "Your account is locked because of too many failed password attempts. Please reset your password.",
        ));
    }
    // Checking the password takes an argon2 hash (tens of milliseconds, queued behind the
    // hasher's permits): it runs off the HTTP worker, and so does the rest of the login.
    let headers = |name: &str| req.header(name).unwrap_or("").to_string();
    let from = LoginRequest {
        password,
        device_id,
        user_agent: headers("User-Agent"),
        web_app: req.header("X-Requested-With") == Some("XMLHttpRequest"),
        https: req.secure || req.header("X-Forwarded-Proto") == Some("https"),
    };
    crate::app::off_worker(ctx.app, "login", move |app| finish_login(app, user, from))
}

/// What the rest of a login needs from its request.
struct LoginRequest {
    password: String,
    device_id: String,
    user_agent: String,
    /// `X-Requested-With: XMLHttpRequest`: the web app, which gets cookies.
    web_app: bool,
    /// Over HTTPS (served by Perch, or `X-Forwarded-Proto: https` from a proxy): cookies are
    /// `Secure`.
    https: bool,
}

/// Checks the password, then creates the session and answers with its token.
fn finish_login(app: &App, user: User, from: LoginRequest) -> Result<Resp, ApiError> {
    let LoginRequest {
        password,
        device_id,
        user_agent: ua,
        web_app,
        https,
    } = from;
    if user.password_hash.is_empty() || !app.hasher.verify(&password, &user.password_hash) {
        let uid = user.id.clone();
        app.store
            .write(move |c| store::users::increment_failed_attempts(c, &uid))?;
        return Err(invalid_credentials(app));
    }
    let token = new_token();
    let csrf = new_token();
    let now = now_ms();
    let svc = &app.config.service;
    let mobile = !device_id.is_empty()
        || ua.contains("Mobile")
        || ua.contains("Android")
        || ua.contains("iPhone");
    let hours = if mobile {
        svc.session_length_mobile_in_hours
    } else {
        svc.session_length_web_in_hours
    };
    let mut props = Map::new();
    props.insert("csrf".into(), csrf.clone().into());
    props.insert("is_mobile".into(), mobile.to_string().into());
    props.insert("is_oauth".into(), "false".into());
    props.insert("is_saml".into(), "false".into());
    props.insert("is_guest".into(), "false".into());
    props.insert("platform".into(), "".into());
    let row = SessionRow {
        id: new_id(),
        user_id: user.id.clone(),
        create_at: now,
        expires_at: now + hours * 3_600_000,
        last_activity_at: now,
        device_id: device_id.clone(),
        roles: user.roles.clone(),
        props,
    };
    let hash = auth::digest(&token);
    app.store.write(move |c| {
        if !row.device_id.is_empty() {
            store::sessions::delete_for_device(c, &row.user_id, &row.device_id)?;
        }
        store::sessions::insert(c, &row, &hash)?;
        // At most MAX_SESSIONS per user: an integration that logs in on every run must not
        // pile up sessions; the least recently used go.
        store::sessions::delete_least_recent(c, &row.user_id, MAX_SESSIONS)?;
        store::users::update_login(c, &row.user_id, now)
    })?;
    let mut user = user;
    user.failed_attempts = 0;
    let mut resp = Resp::ok(&user.to_json(Viewer::Own)).header("Token", token.clone());
    if web_app {
        let age = hours * 3600;
        // SameSite=Lax: a browser sends none of them with another site's POST (a form aimed
        // at this server), on top of the CSRF check cookie-authenticated writes get.
        let secure = if https {
            "; SameSite=Lax; Secure"
        } else {
            "; SameSite=Lax"
        };
        resp = resp
            .header(
                "Set-Cookie",
                format!("MMAUTHTOKEN={token}; Path=/; Max-Age={age}; HttpOnly{secure}"),
            )
            .header(
                "Set-Cookie",
                format!("MMUSERID={}; Path=/; Max-Age={age}{secure}", user.id),
            )
            .header(
                "Set-Cookie",
                format!("MMCSRF={csrf}; Path=/; Max-Age={age}{secure}"),
            );
    }
    Ok(resp)
}

/// `POST /api/v4/users/logout`: revokes the current session (a personal access token's own
/// record stays valid) and clears the session's cookies, as Mattermost's `RemoveSessionCookie`.
pub fn logout(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    if let Some(s) = auth::authenticate_optional(ctx, req) {
        if s.token_id.is_none() {
            let id = s.id.clone();
            ctx.app
                .store
                .write(move |c| store::sessions::delete(c, &id))?;
        }
    }
    Ok(Resp::status_ok()
        .header("Set-Cookie", "MMAUTHTOKEN=; Path=/; Max-Age=0; HttpOnly")
        .header("Set-Cookie", "MMUSERID=; Path=/; Max-Age=0")
        .header("Set-Cookie", "MMCSRF=; Path=/; Max-Age=0"))
}

/// `GET /api/v4/users/{user_id}` (also `me`).
pub fn get(ctx: &Ctx, s: &Session, raw_id: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw_id)?;
    let user = if id == s.user_id() {
        Some(s.user.clone())
    } else {
        store::users::find(ctx.db, id)?
    };
    let user = user.ok_or_else(missing_account)?;
    Ok(Resp::ok(&user.to_json(viewer(ctx, s, &user))))
}

/// `GET /api/v4/users/username/{username}`
pub fn get_by_username(ctx: &Ctx, s: &Session, name: &str) -> Result<Resp, ApiError> {
    let user = store::users::find_by_username(ctx.db, name)?.ok_or_else(missing_account)?;
    Ok(Resp::ok(&user.to_json(viewer(ctx, s, &user))))
}

/// `POST /api/v4/users/ids`: body `["id", …]`.
pub fn get_by_ids(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let ids: Vec<String> = req.json("user_ids")?;
    if ids.is_empty() || ids.iter().any(|i| !crate::model::is_valid_id(i)) {
        return Err(ApiError::invalid_body("user_ids"));
    }
    let users = store::users::list_by_ids(ctx.db, &ids)?;
    let out: Vec<Value> = users.iter().map(|u| u.to_json(viewer(ctx, s, u))).collect();
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/users?page&per_page&in_team&in_channel`
pub fn list(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let (page, per_page) = req.paging();
    let in_team = req.query("in_team").filter(|v| !v.is_empty());
    let in_channel = req.query("in_channel").filter(|v| !v.is_empty());
    if let Some(t) = in_team {
        id_param(t, "in_team")?;
        permissions::require_team(ctx.db, s, t, "view_team")?;
    }
    if let Some(ch) = in_channel {
        require_readable_channel(ctx, s, ch, "in_channel")?;
    }
    let users = store::users::list(ctx.db, in_team, in_channel, page, per_page)?;
    let out: Vec<Value> = users.iter().map(|u| u.to_json(viewer(ctx, s, u))).collect();
    Ok(Resp::ok(&out))
}

/// A channel a user list is narrowed to: a valid id (`name` in the error), existing (404), and
/// readable by the caller (403).
fn require_readable_channel(ctx: &Ctx, s: &Session, raw: &str, name: &str) -> Result<(), ApiError> {
    id_param(raw, name)?;
    let channel = store::channels::find(ctx.db, raw)?.ok_or_else(|| {
        ApiError::not_found(
            "app.channel.get.existing.app_error",
            "Unable to find the existing channel.",
        )
    })?;
    if !permissions::can_read_channel(ctx, s, &channel)? {
        return Err(ApiError::permissions("read_channel"));
    }
    Ok(())
}

/// `POST /api/v4/users/search` `{term, team_id?, in_channel_id?, not_in_channel_id?,
/// allow_inactive?, limit?}`: users whose username, first or last name or nickname starts with
/// the term (a leading `@` ignored), by username, at most `limit` (100 by default, as in
/// Mattermost; 1000 at most). Deactivated accounts only for system admins who ask for them.
pub fn search(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Body {
        term: String,
        team_id: String,
        in_channel_id: String,
        not_in_channel_id: String,
        allow_inactive: bool,
        limit: i64,
    }
    let b: Body = req.json("term")?;
    let term = b.term.trim().trim_start_matches('@').to_lowercase();
    if term.is_empty() {
        return Err(ApiError::invalid_param("term"));
    }
    if !b.team_id.is_empty() {
        id_param(&b.team_id, "team_id")?;
        permissions::require_team(ctx.db, s, &b.team_id, "view_team")?;
    }
    for (raw, name) in [
        (&b.in_channel_id, "in_channel_id"),
        (&b.not_in_channel_id, "not_in_channel_id"),
    ] {
        if !raw.is_empty() {
            require_readable_channel(ctx, s, raw, name)?;
        }
    }
    let limit = if b.limit <= 0 || b.limit > 1000 {
        100
    } else {
        b.limit
    };
    let q = store::users::Search {
        term: &term,
        team_id: &b.team_id,
        in_channel_id: &b.in_channel_id,
        not_in_channel_id: &b.not_in_channel_id,
        allow_inactive: b.allow_inactive && permissions::has_system(s, "manage_system"),
        limit,
    };
    let users = store::users::search(ctx.db, &q)?;
    let out: Vec<Value> = users.iter().map(|u| u.to_json(viewer(ctx, s, u))).collect();
    Ok(Resp::ok(&out))
}

/// `PUT /api/v4/users/{user_id}/roles`: body `{"roles": "system_user system_admin"}`;
/// needs `manage_roles` (system admins). The last active system admin cannot be demoted.
pub fn update_roles(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw_id)?.to_string();
    let body: Map<String, Value> = req.json("roles")?;
    let roles = body
        .get("roles")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_body("roles"))?;
    if !permissions::is_valid_role_list(roles) {
        return Err(ApiError::invalid_body("roles"));
    }
    permissions::require_system(s, "manage_roles")?;
    // Mattermost answers a missing user with 400 here.
    let Some(target) = store::users::find(ctx.db, &id)? else {
        return Err(ApiError {
            status: 400,
            ..missing_account()
        });
    };
    let names: Vec<&str> = roles.split_whitespace().collect();
    permissions::check_system_roles(&names)?;
    let demotes_admin = target.has_role("system_admin") && !names.contains(&"system_admin");
    let roles = names.join(" ");
    let (who, new_roles) = (id.clone(), roles.clone());
    ctx.app.store.write(move |c| {
        if demotes_admin && store::users::count_active_admins(c)? <= 1 {
            return Err(ApiError::bad_request(
                "app.user.update.lastAdmin.app_error",
                "You cannot remove the system admin role from the last system admin.",
            ));
        }
        store::users::update_roles(c, &id, &roles, now_ms())?;
        store::sessions::update_roles_for_user(c, &id, &roles)?;
        Ok(())
    })?;
    let e = crate::ws::events::user_role_updated(&who, &new_roles);
    ctx.app.ws.publish(e);
    Ok(Resp::status_ok())
}

/// Loads a user another handler acts on, after `can_manage_user` (403 `edit_other_users`).
fn managed_user(ctx: &Ctx, s: &Session, raw_id: &str) -> Result<String, ApiError> {
    let id = user_id_param(s, raw_id)?.to_string();
    if !permissions::can_manage_user(ctx.db, s, &id)? {
        return Err(ApiError::permissions("edit_other_users"));
    }
    Ok(id)
}

/// A session as `GET /users/{id}/sessions` shows it: the token is blanked.
fn session_json(row: &SessionRow) -> Value {
    serde_json::json!({
        "id": row.id,
        "token": "",
        "create_at": row.create_at,
        "expires_at": row.expires_at,
        "last_activity_at": row.last_activity_at,
        "user_id": row.user_id,
        "device_id": row.device_id,
        "roles": row.roles,
        "is_oauth": false,
        "expired_notify": false,
        "props": row.props,
        "team_members": [],
        "local": false,
    })
}

/// `GET /api/v4/users/{user_id}/sessions`: the user's login sessions, newest activity first.
pub fn get_sessions(ctx: &Ctx, s: &Session, raw_id: &str) -> Result<Resp, ApiError> {
    let id = managed_user(ctx, s, raw_id)?;
    let rows = store::sessions::list_for_user(ctx.db, &id)?;
    Ok(Resp::ok(&rows.iter().map(session_json).collect::<Vec<_>>()))
}

/// `POST /api/v4/users/{user_id}/sessions/revoke`: body `{"session_id": "…"}`.
pub fn revoke_session(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = managed_user(ctx, s, raw_id)?;
    let body: Map<String, Value> = req.json("session_id")?;
    let sid = body
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if sid.is_empty() {
        return Err(ApiError::invalid_body("session_id"));
    }
    let Some(row) = store::sessions::find(ctx.db, &sid)? else {
        return Err(ApiError::bad_request(
            "app.session.get.app_error",
            "We encountered an error finding the session.",
        ));
    };
    if row.user_id != id {
        return Err(ApiError::invalid_url_param("user_id"));
    }
    ctx.app
        .store
        .write(move |c| store::sessions::delete(c, &sid))?;
    Ok(Resp::status_ok())
}

/// `POST /api/v4/users/{user_id}/sessions/revoke/all`: every session of the user, the
/// caller's own included.
pub fn revoke_all_sessions(ctx: &Ctx, s: &Session, raw_id: &str) -> Result<Resp, ApiError> {
    let id = managed_user(ctx, s, raw_id)?;
    ctx.app
        .store
        .write(move |c| store::sessions::delete_for_user(c, &id))?;
    Ok(Resp::status_ok())
}

/// Deactivates or reactivates `user` (see `accounts::set_active`).
fn set_active(ctx: &Ctx, user: &User, active: bool) -> Result<(), ApiError> {
    let id = user.id.clone();
    let disable_bots = ctx
        .app
        .config
        .service
        .disable_bots_when_owner_is_deactivated
        && !user.is_bot();
    ctx.app
        .store
        .write(move |c| accounts::set_active(c, &id, active, disable_bots, now_ms()))?;
    let mut after = user.clone();
    after.delete_at = if active { 0 } else { now_ms() };
    let public = after.to_json(crate::model::user::Viewer::Other {
        show_email: false,
        show_full_name: ctx.app.config.privacy.show_full_name,
    });
    ctx.app.ws.publish(crate::ws::events::user_updated(public));
    Ok(())
}

fn deactivation_disabled(id: &str) -> ApiError {
    ApiError::unauthorized(
        "api.user.update_active.not_enable.app_error",
        "You cannot deactivate yourself because this feature is not enabled. Please contact your System Administrator.",
    )
    .with_detail(format!("userId={id}"))
}

/// `DELETE /api/v4/users/{user_id}`: deactivates the account (sessions revoked; with
/// `DisableBotsWhenOwnerIsDeactivated`, its bots disabled). `?permanent=true` is refused:
/// Perch has no `EnableAPIUserDeletion`.
pub fn delete(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = managed_user(ctx, s, raw_id)?;
    if id == s.user_id()
        && !ctx.app.config.team.enable_user_deactivation
        && !permissions::has_system(s, "manage_system")
    {
        return Err(deactivation_disabled(&id));
    }
    let user = store::users::find(ctx.db, &id)?.ok_or_else(missing_account)?;
    if user.has_role("system_admin") {
        permissions::require_system(s, "manage_system")?;
    }
    if req.query_bool("permanent") {
        return Err(ApiError::unauthorized(
            "api.user.delete_user.not_enabled.app_error",
            "Permanent user deletion feature is not enabled. Please contact your System Administrator.",
        ));
    }
    set_active(ctx, &user, false)?;
    Ok(Resp::status_ok())
}

/// `PUT /api/v4/users/{user_id}/active`: body `{"active": bool}`. Needs `manage_system`,
/// except to deactivate yourself (when `TeamSettings.EnableUserDeactivation` is on).
pub fn update_active(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw_id)?.to_string();
    let body: Map<String, Value> = req.json("active")?;
    let active = body
        .get("active")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::invalid_body("active"))?;
    let self_deactivate = !active && id == s.user_id();
    if !self_deactivate && !permissions::has_system(s, "manage_system") {
        return Err(ApiError::forbidden(
            "api.user.update_active.permissions.app_error",
            "You do not have the appropriate permissions.",
        )
        .with_detail(format!("userId={id}")));
    }
    if self_deactivate && !ctx.app.config.team.enable_user_deactivation {
        return Err(deactivation_disabled(&id));
    }
    let user = store::users::find(ctx.db, &id)?.ok_or_else(missing_account)?;
    if user.has_role("system_admin") {
        permissions::require_system(s, "manage_system")?;
    }
    set_active(ctx, &user, active)?;
    Ok(Resp::status_ok())
}

/// `PUT /api/v4/users/{user_id}/password`: body `{"current_password", "new_password"}`. Your
/// own password needs the current one (a wrong one counts as a failed login attempt); an
/// admin (`manage_system`) sets anyone's without it. Either way the failed-attempt count is
/// cleared, which is how a locked account is unlocked.
pub fn update_password(ctx: &Ctx, s: &Session, req: &Req, raw_id: &str) -> Result<Resp, ApiError> {
    let id = user_id_param(s, raw_id)?.to_string();
    let body: Map<String, Value> = req.json("password")?;
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (current, new) = (field("current_password"), field("new_password"));
    let user = store::users::find(ctx.db, &id)?;
    if id == s.user_id() {
        if current.is_empty() {
            return Err(ApiError::invalid_body("current_password"));
        }
        let user = user.ok_or_else(missing_account)?;
        let max = ctx.app.config.service.maximum_login_attempts;
        if max > 0 && user.failed_attempts >= max {
            return Err(ApiError::unauthorized(
                "api.user.check_user_login_attempts.too_many.app_error",
                "Your account is locked because of too many failed password attempts. Please reset your password.",
            ));
        }
        if user.password_hash.is_empty() || !ctx.app.hasher.verify(&current, &user.password_hash) {
            let uid = user.id.clone();
            ctx.app
                .store
                .write(move |c| store::users::increment_failed_attempts(c, &uid))?;
            return Err(ApiError::bad_request(
                "api.user.check_user_password.invalid.app_error",
                "Login failed because of invalid password.",
            ));
        }
    } else {
        let allowed = match &user {
            Some(u) if u.has_role("system_admin") => permissions::has_system(s, "manage_system"),
            Some(_) => {
                permissions::has_system(s, "manage_system")
                    || permissions::has_system(s, "edit_other_users")
            }
            None => false,
        };
        if !allowed {
            return Err(ApiError::forbidden(
                "api.user.update_password.context.app_error",
                "Update password failed because context user_id did not match props user_id.",
            ));
        }
    }
    if let Err(err_id) = crate::model::user::check_password(&new, &ctx.app.config.password) {
        return Err(ApiError::bad_request(
            err_id,
            "Your password does not meet the requirements.",
        ));
    }
    let hash = ctx.app.hasher.hash(&new)?;
    ctx.app
        .store
        .write(move |c| store::users::update_password(c, &id, &hash, now_ms()))?;
    Ok(Resp::status_ok())
}
