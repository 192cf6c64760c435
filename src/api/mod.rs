//! Mattermost REST API v4, mounted at `/api/v4`.
//!
//! This file is the route table: every endpoint we serve appears exactly once below, as
//! `(method, pattern, handler)`. `{x}` segments are captures, passed to the handler in order
//! as `p[0]`, `p[1]`… The first matching row wins, so literal segments ("me", "name", "ids")
//! come before captures. The authorization matrix test walks `ROUTES`, so a new endpoint
//! cannot escape authentication.

use crate::app::Ctx;
use crate::auth;
use crate::error::ApiError;
use crate::http::{Method, Method::*, Req, Resp};
use crate::model::session::Session;

mod actions;
mod avatars;
mod bots;
mod categories;
mod channel_browse;
mod channel_privacy;
pub(crate) mod channels;
mod commands;
mod config;
mod files;
mod incoming_hooks;
mod listening;
mod outgoing_hooks;
mod post_marks;
mod posts;
mod preferences;
mod reactions;
mod roles;
mod search;
mod status;
mod system;
mod teams;
mod tokens;
mod user_patch;
mod users;

/// A handler for a route that works without a session.
pub type PublicHandler = fn(&Ctx, &Req, &[&str]) -> Result<Resp, ApiError>;
/// A handler for a route that needs a session.
pub type Handler = fn(&Ctx, &Session, &Req, &[&str]) -> Result<Resp, ApiError>;

/// Endpoints that work without a session.
#[rustfmt::skip]
pub const PUBLIC_ROUTES: &[(Method, &str, PublicHandler)] = &[
    (Get,  "/system/ping",    |c, r, _| system::ping(c, r)),
    (Get,  "/config/client",  |c, r, _| system::client_config(c, r)),
    (Get,  "/license/client", |c, r, _| system::client_license(c, r)),
    (Post, "/users/login",    |c, r, _| users::login(c, r)),
    (Post, "/users/logout",   |c, r, _| users::logout(c, r)),
    (Post, "/users",          |c, r, _| users::create(c, r)),
    (Post, "/actions/dialogs/open", |c, r, _| actions::open_dialog(c, r)),
    (Get,  "/websocket",      |c, r, _| crate::ws_loop::upgrade::route(c, r)),
];

/// Endpoints that need a session.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Handler)] = &[
    // users
    (Get,    "/users",                                |c, s, r, _| users::list(c, s, r)),
    (Post,   "/users/ids",                            |c, s, r, _| users::get_by_ids(c, s, r)),
    (Get,    "/users/stats",                          |c, s, _, _| system::user_stats(c, s)),
    (Get,    "/analytics/old",                        |c, s, _, _| system::analytics(c, s)),
    (Get,    "/upgrade_to_enterprise/status",         |c, s, _, _| system::upgrade_status(c, s)),
    (Post,   "/users/usernames",                      |c, s, r, _| listening::users_by_usernames(c, s, r)),
    (Post,   "/users/search",                         |c, s, r, _| users::search(c, s, r)),
    (Post,   "/users/status/ids",                     |c, s, r, _| listening::statuses_by_ids(c, s, r)),
    (Get,    "/users/tokens",                         |c, s, r, _| tokens::list(c, s, r)),
    (Post,   "/users/tokens/search",                  |c, s, r, _| tokens::search(c, s, r)),
    (Post,   "/users/tokens/revoke",                  |c, s, r, _| tokens::revoke(c, s, r)),
    (Post,   "/users/tokens/disable",                 |c, s, r, _| tokens::disable(c, s, r)),
    (Post,   "/users/tokens/enable",                  |c, s, r, _| tokens::enable(c, s, r)),
    (Get,    "/users/tokens/{token_id}",              |c, s, _, p| tokens::get(c, s, p[0])),
    (Get,    "/users/username/{name}",                |c, s, _, p| users::get_by_username(c, s, p[0])),
    (Get,    "/users/{uid}/teams/{tid}/channels",     |c, s, r, p| channels::list_for_member(c, s, r, p[0], p[1])),
    (Get,    "/users/{uid}/teams/{tid}/channels/members", |c, s, _, p| listening::channel_members_for_user(c, s, p[0], p[1])),
    (Get,    "/users/{uid}/teams/{tid}/channels/categories", |c, s, _, p| categories::list(c, s, p[0], p[1])),
    (Put,    "/users/{uid}/teams/{tid}/channels/categories", |c, s, r, p| categories::update(c, s, r, p[0], p[1], None)),
    (Post,   "/users/{uid}/teams/{tid}/channels/categories", |c, s, _, p| categories::create(c, s, p[0], p[1])),
    (Get,    "/users/{uid}/teams/{tid}/channels/categories/order", |c, s, _, p| categories::order(c, s, p[0], p[1])),
    (Get,    "/users/{uid}/teams/{tid}/channels/categories/{cat}", |c, s, _, p| categories::get(c, s, p[0], p[1], p[2])),
    (Put,    "/users/{uid}/teams/{tid}/channels/categories/{cat}", |c, s, r, p| categories::update(c, s, r, p[0], p[1], Some(p[2]))),
    (Get,    "/users/{uid}/channels/{cid}/posts/unread", |c, s, r, p| posts::list_unread(c, s, r, p[0], p[1])),
    (Get,    "/users/{uid}/posts/flagged",            |c, s, r, p| post_marks::list_saved(c, s, r, p[0])),
    (Get,    "/users/{uid}/image",                    |c, s, _, p| avatars::get(c, s, p[0], false)),
    (Post,   "/users/{uid}/image",                    |c, s, r, p| avatars::upload(c, s, r, p[0])),
    (Delete, "/users/{uid}/image",                    |c, s, _, p| avatars::remove(c, s, p[0])),
    (Get,    "/users/{uid}/image/default",            |c, s, _, p| avatars::get(c, s, p[0], true)),
    (Post,   "/roles/names",                          |c, s, r, _| roles::by_names(c, s, r)),
    (Get,    "/roles/name/{name}",                    |c, s, _, p| roles::by_name(c, s, p[0])),
    (Get,    "/system/notices/{tid}",                 |_, _, _, _| Ok(Resp::ok(&[(); 0]))),
    (Get,    "/users/{uid}/teams/members",            |c, s, _, p| teams::list_members_for_user(c, s, p[0])),
    (Get,    "/users/{uid}/teams/unread",             |c, s, _, p| teams::list_unread_for_user(c, s, p[0])),
    (Get,    "/users/{uid}/teams",                    |c, s, _, p| teams::list_for_user(c, s, p[0])),
    (Put,    "/users/{uid}/patch",                    |c, s, r, p| user_patch::patch(c, s, r, p[0])),
    (Put,    "/users/{uid}/roles",                    |c, s, r, p| users::update_roles(c, s, r, p[0])),
    (Put,    "/users/{uid}/active",                   |c, s, r, p| users::update_active(c, s, r, p[0])),
    (Put,    "/users/{uid}/password",                 |c, s, r, p| users::update_password(c, s, r, p[0])),
    (Post,   "/users/{uid}/tokens",                   |c, s, r, p| tokens::create(c, s, r, p[0])),
    (Get,    "/users/{uid}/tokens",                   |c, s, r, p| tokens::list_for_user(c, s, r, p[0])),
    (Get,    "/users/{uid}/audits",                   |c, s, _, p| system::user_audits(c, s, p[0])),
    (Get,    "/users/{uid}/sessions",                 |c, s, _, p| users::get_sessions(c, s, p[0])),
    (Post,   "/users/{uid}/sessions/revoke",          |c, s, r, p| users::revoke_session(c, s, r, p[0])),
    (Post,   "/users/{uid}/sessions/revoke/all",      |c, s, _, p| users::revoke_all_sessions(c, s, p[0])),
    (Post,   "/users/{uid}/convert_to_bot",           |c, s, _, p| bots::convert_user(c, s, p[0])),
    (Get,    "/users/{uid}/actions",                  |c, s, r, p| actions::list_for_user(c, s, r, p[0])),
    (Get,    "/users/{uid}",                          |c, s, _, p| users::get(c, s, p[0])),
    (Delete, "/users/{uid}",                          |c, s, r, p| users::delete(c, s, r, p[0])),
    (Post,   "/users/{uid}/posts/{pid}/set_unread",   |c, s, _, p| post_marks::set_unread(c, s, p[0], p[1])),
    (Delete, "/users/{uid}/posts/{pid}/reactions/{emoji}", |c, s, _, p| reactions::delete(c, s, p[0], p[1], p[2])),
    // bots
    (Post,   "/bots",                                 |c, s, r, _| bots::create(c, s, r)),
    (Get,    "/bots",                                 |c, s, r, _| bots::list(c, s, r)),
    (Post,   "/bots/{bid}/disable",                   |c, s, _, p| bots::disable(c, s, p[0])),
    (Post,   "/bots/{bid}/enable",                    |c, s, _, p| bots::enable(c, s, p[0])),
    (Post,   "/bots/{bid}/assign/{uid}",              |c, s, _, p| bots::assign(c, s, p[0], p[1])),
    (Post,   "/bots/{bid}/convert_to_user",           |c, s, r, p| bots::convert_to_user(c, s, r, p[0])),
    (Get,    "/bots/{bid}",                           |c, s, r, p| bots::get(c, s, r, p[0])),
    (Put,    "/bots/{bid}",                           |c, s, r, p| bots::patch(c, s, r, p[0])),
    // config (system admins)
    (Get,    "/config",                               |c, s, _, _| config::get(c, s)),
    (Put,    "/config",                               |c, s, r, _| config::update(c, s, r)),
    (Get,    "/config/environment",                   |c, s, _, _| config::environment(c, s)),
    // teams
    (Post,   "/teams",                                |c, s, r, _| teams::create(c, s, r)),
    (Get,    "/teams",                                |c, s, r, _| teams::list(c, s, r)),
    (Get,    "/teams/name/{team}/channels/name/{ch}", |c, s, r, p| channels::get_by_team_name(c, s, r, p[0], p[1])),
    (Get,    "/teams/name/{name}",                    |c, s, _, p| teams::get_by_name(c, s, p[0])),
    (Get,    "/teams/{tid}/channels/name/{name}",     |c, s, r, p| channels::get_by_name(c, s, r, p[0], p[1])),
    (Get,    "/teams/{tid}/channels",                 |c, s, r, p| channels::list_public(c, s, r, p[0])),
    (Post,   "/teams/{tid}/posts/search",             |c, s, r, p| search::posts(c, s, r, Some(p[0]))),
    (Post,   "/teams/{tid}/files/search",             |c, s, r, p| search::files(c, s, r, p[0])),
    (Get,    "/teams/{tid}/channels/deleted",         |c, s, r, p| channel_browse::list_archived(c, s, r, p[0])),
    (Post,   "/teams/{tid}/channels/search",          |c, s, r, p| channel_browse::search_team(c, s, r, p[0])),
    (Post,   "/teams/{tid}/channels/search_archived", |c, s, r, p| channel_browse::search_archived(c, s, r, p[0])),
    (Get,    "/teams/{tid}/stats",                    |c, s, _, p| teams::stats(c, s, p[0])),
    (Get,    "/teams/{tid}/members",                  |c, s, r, p| teams::list_members(c, s, r, p[0])),
    (Post,   "/teams/{tid}/members",                  |c, s, r, p| teams::add_member(c, s, r, p[0])),
    (Post,   "/teams/{tid}/members/ids",              |c, s, r, p| teams::members_by_ids(c, s, r, p[0])),
    (Get,    "/teams/{tid}/members/{uid}",            |c, s, _, p| teams::get_member(c, s, p[0], p[1])),
    (Delete, "/teams/{tid}/members/{uid}",            |c, s, _, p| teams::remove_member(c, s, p[0], p[1])),
    (Put,    "/teams/{tid}/members/{uid}/roles",      |c, s, r, p| teams::update_member_roles(c, s, r, p[0], p[1])),
    (Get,    "/teams/{tid}",                          |c, s, _, p| teams::get(c, s, p[0])),
    (Put,    "/teams/{tid}",                          |c, s, r, p| teams::update(c, s, r, p[0])),
    (Put,    "/teams/{tid}/patch",                    |c, s, r, p| teams::patch(c, s, r, p[0])),
    // channels
    (Post,   "/channels",                             |c, s, r, _| channels::create(c, s, r)),
    (Post,   "/channels/direct",                      |c, s, r, _| channels::create_direct(c, s, r)),
    (Post,   "/channels/group",                       |c, s, r, _| channels::create_group(c, s, r)),
    (Post,   "/channels/group/search",                |c, s, r, _| channel_browse::search_groups(c, s, r)),
    (Post,   "/channels/members/me/view",             |c, s, r, _| listening::view_channel(c, s, r)),
    (Get,    "/channels/{cid}/stats",                 |c, s, _, p| listening::channel_stats(c, s, p[0])),
    (Get,    "/channels/{cid}/posts",                 |c, s, r, p| posts::list_for_channel(c, s, r, p[0])),
    (Get,    "/channels/{cid}/pinned",                |c, s, _, p| post_marks::list_pinned(c, s, p[0])),
    (Get,    "/channels/{cid}/members",               |c, s, r, p| channels::list_members(c, s, r, p[0])),
    (Post,   "/channels/{cid}/members",               |c, s, r, p| channels::add_member(c, s, r, p[0])),
    (Get,    "/channels/{cid}/members/{uid}",         |c, s, _, p| channels::get_member(c, s, p[0], p[1])),
    (Delete, "/channels/{cid}/members/{uid}",         |c, s, _, p| channels::remove_member(c, s, p[0], p[1])),
    (Put,    "/channels/{cid}/members/{uid}/roles",   |c, s, r, p| channels::update_member_roles(c, s, r, p[0], p[1])),
    (Put,    "/channels/{cid}/members/{uid}/notify_props", |c, s, r, p| channel_browse::update_notify_props(c, s, r, p[0], p[1])),
    (Post,   "/channels/{cid}/restore",               |c, s, _, p| channel_browse::restore(c, s, p[0])),
    (Post,   "/channels/{cid}/convert",               |c, s, _, p| channel_privacy::convert(c, s, p[0])),
    (Put,    "/channels/{cid}/privacy",               |c, s, r, p| channel_privacy::update(c, s, r, p[0])),
    (Put,    "/channels/{cid}/patch",                 |c, s, r, p| channels::patch(c, s, r, p[0])),
    (Get,    "/channels/{cid}",                       |c, s, _, p| channels::get(c, s, p[0])),
    (Delete, "/channels/{cid}",                       |c, s, _, p| channels::delete(c, s, p[0])),
    // files
    (Post,   "/files",                                |c, s, r, _| files::upload(c, s, r)),
    (Get,    "/files/{fid}/info",                     |c, s, _, p| files::info(c, s, p[0])),
    (Get,    "/files/{fid}/thumbnail",                |c, s, r, p| files::thumbnail(c, s, r, p[0])),
    (Get,    "/files/{fid}/preview",                  |c, s, r, p| files::preview(c, s, r, p[0])),
    (Get,    "/files/{fid}/link",                     |c, s, _, p| files::link(c, s, p[0])),
    (Get,    "/files/{fid}",                          |c, s, r, p| files::get(c, s, r, p[0])),
    (Get,    "/posts/{pid}/files/info",               |c, s, r, p| files::for_post(c, s, r, p[0])),
    // posts
    (Post,   "/posts",                                |c, s, r, _| posts::create(c, s, r)),
    (Post,   "/posts/ephemeral",                      |c, s, r, _| listening::create_ephemeral(c, s, r)),
    (Post,   "/posts/search",                         |c, s, r, _| search::posts(c, s, r, None)),
    (Post,   "/posts/ids",                            |c, s, r, _| posts::get_by_ids(c, s, r)),
    (Post,   "/posts/ids/reactions",                  |c, s, r, _| reactions::list_bulk(c, s, r)),
    (Get,    "/posts/{pid}/reactions",                |c, s, _, p| reactions::list(c, s, p[0])),
    (Post,   "/posts/{pid}/actions/{aid}",            |c, s, r, p| actions::do_action(c, s, r, p[0], p[1])),
    (Get,    "/posts/{pid}/thread",                   |c, s, _, p| posts::get_thread(c, s, p[0])),
    (Post,   "/posts/{pid}/pin",                      |c, s, _, p| posts::set_pinned(c, s, p[0], true)),
    (Post,   "/posts/{pid}/unpin",                    |c, s, _, p| posts::set_pinned(c, s, p[0], false)),
    (Put,    "/posts/{pid}/patch",                    |c, s, r, p| posts::patch(c, s, r, p[0])),
    (Get,    "/posts/{pid}",                          |c, s, r, p| posts::get(c, s, r, p[0])),
    (Put,    "/posts/{pid}",                          |c, s, r, p| posts::update(c, s, r, p[0])),
    (Delete, "/posts/{pid}",                          |c, s, r, p| posts::delete(c, s, r, p[0])),
    (Post,   "/reactions",                            |c, s, r, _| reactions::save(c, s, r)),
    // interactive dialogs (+ Perch's call log)
    (Post,   "/actions/dialogs/submit",               |c, s, r, _| actions::submit_dialog(c, s, r)),
    (Get,    "/actions/calls",                        |c, s, r, _| actions::list_all(c, s, r)),
    // outgoing webhooks (+ Perch's delivery log)
    (Post,   "/hooks/outgoing",                       |c, s, r, _| outgoing_hooks::create(c, s, r)),
    (Get,    "/hooks/outgoing",                       |c, s, r, _| outgoing_hooks::list(c, s, r)),
    (Get,    "/hooks/outgoing/{hid}/actions",         |c, s, r, p| actions::list_for_outgoing(c, s, r, p[0])),
    (Get,    "/hooks/outgoing/{hid}/deliveries",      |c, s, r, p| outgoing_hooks::list_deliveries(c, s, r, p[0])),
    (Post,   "/hooks/outgoing/{hid}/deliveries/{did}/retry", |c, s, _, p| outgoing_hooks::retry_delivery(c, s, p[0], p[1])),
    (Post,   "/hooks/outgoing/{hid}/regen_token",     |c, s, _, p| outgoing_hooks::regen_token(c, s, p[0])),
    (Get,    "/hooks/outgoing/{hid}",                 |c, s, _, p| outgoing_hooks::get(c, s, p[0])),
    (Put,    "/hooks/outgoing/{hid}",                 |c, s, r, p| outgoing_hooks::update(c, s, r, p[0])),
    (Delete, "/hooks/outgoing/{hid}",                 |c, s, _, p| outgoing_hooks::delete(c, s, p[0])),
    // slash commands, user status and preferences (commands branch)
    (Post,   "/commands",                             |c, s, r, _| commands::create(c, s, r)),
    (Get,    "/commands",                             |c, s, r, _| commands::list(c, s, r)),
    (Post,   "/commands/execute",                     |c, s, r, _| commands::execute(c, s, r)),
    (Get,    "/commands/{cmd}/actions",               |c, s, r, p| actions::list_for_command(c, s, r, p[0])),
    (Put,    "/commands/{cmd}/regen_token",           |c, s, _, p| commands::regen_token(c, s, p[0])),
    (Get,    "/commands/{cmd}",                       |c, s, _, p| commands::get(c, s, p[0])),
    (Put,    "/commands/{cmd}",                       |c, s, r, p| commands::update(c, s, r, p[0])),
    (Delete, "/commands/{cmd}",                       |c, s, _, p| commands::delete(c, s, p[0])),
    (Get,    "/teams/{tid}/commands/autocomplete",    |c, s, _, p| commands::list_autocomplete(c, s, p[0])),
    (Get,    "/teams/{tid}/commands/autocomplete_suggestions", |c, s, r, p| commands::list_suggestions(c, s, r, p[0])),
    (Get,    "/users/{uid}/status",                   |c, s, _, p| status::get(c, s, p[0])),
    (Put,    "/users/{uid}/status",                   |c, s, r, p| status::update(c, s, r, p[0])),
    (Get,    "/users/{uid}/preferences",              |c, s, _, p| preferences::list(c, s, p[0])),
    (Put,    "/users/{uid}/preferences",              |c, s, r, p| preferences::update(c, s, r, p[0])),
    (Post,   "/users/{uid}/preferences/delete",       |c, s, r, p| preferences::delete(c, s, r, p[0])),
    (Get,    "/users/{uid}/preferences/{category}",   |c, s, _, p| preferences::list_category(c, s, p[0], p[1])),
    // incoming webhooks
    (Post,   "/hooks/incoming",                       |c, s, r, _| incoming_hooks::create(c, s, r)),
    (Get,    "/hooks/incoming",                       |c, s, r, _| incoming_hooks::list(c, s, r)),
    (Get,    "/hooks/incoming/{hid}/actions",         |c, s, r, p| actions::list_for_incoming(c, s, r, p[0])),
    (Get,    "/hooks/incoming/{hid}/deliveries",      |c, s, r, p| incoming_hooks::list_deliveries(c, s, r, p[0])),
    (Post,   "/hooks/incoming/{hid}/preview",         |c, s, r, p| incoming_hooks::preview(c, s, r, p[0])),
    (Post,   "/hooks/incoming/{hid}/preview/template", |c, s, r, p| incoming_hooks::preview_draft(c, s, r, p[0])),
    (Get,    "/hooks/incoming/{hid}",                 |c, s, _, p| incoming_hooks::get(c, s, p[0])),
    (Put,    "/hooks/incoming/{hid}",                 |c, s, r, p| incoming_hooks::update(c, s, r, p[0])),
    (Delete, "/hooks/incoming/{hid}",                 |c, s, _, p| incoming_hooks::delete(c, s, p[0])),
];

/// The flat client config (for `config_changed`, announced by `server`).
pub fn client_config(app: &crate::app::App, db: &crate::store::Reader) -> serde_json::Value {
    system::client_config_map(app, db)
}

/// `GET /files/{file_id}/public?h=…`, the one file route outside `/api/v4` (no session).
pub fn public_file(ctx: &Ctx, req: &Req, file_id: &str) -> Result<Resp, ApiError> {
    files::public(ctx, req, file_id)
}

/// Dispatches one `/api/v4/...` request.
pub fn route(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let owned = req.segments_after("/api/v4");
    let seg: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut params = Vec::with_capacity(4);
    for (method, pattern, handler) in PUBLIC_ROUTES {
        if *method == req.method && matches(pattern, &seg, &mut params) {
            return handler(ctx, req, &params);
        }
    }
    for (method, pattern, handler) in ROUTES {
        if *method == req.method && matches(pattern, &seg, &mut params) {
            let s = auth::authenticate(ctx, req)?;
            // With `VaryByUser`, every authenticated request is also charged to its user.
            let limits = &ctx.app.limits;
            let Some(g) = limits.general.as_ref().filter(|_| limits.vary_by_user) else {
                return handler(ctx, &s, req, &params);
            };
            let d = g.check(s.user_id());
            if !d.allowed {
                return Ok(d.rejection());
            }
            return with_headers(handler(ctx, &s, req, &params), d.headers());
        }
    }
    // Mattermost's catch-all answers unknown routes with 404 whatever the credentials.
    Err(ApiError::not_found_route(&req.path))
}

/// Adds headers to a handler's answer, success or error.
pub(crate) fn with_headers(
    result: Result<Resp, ApiError>,
    headers: Vec<(String, String)>,
) -> Result<Resp, ApiError> {
    match result {
        Ok(mut r) => {
            r.headers.extend(headers);
            Ok(r)
        }
        Err(mut e) => {
            e.headers.extend(headers);
            Err(e)
        }
    }
}

/// Matches `pattern` against the segments, collecting captures into `params`.
pub fn matches<'a>(pattern: &str, seg: &[&'a str], params: &mut Vec<&'a str>) -> bool {
    params.clear();
    let mut n = 0;
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let Some(s) = seg.get(n) else { return false };
        if part.starts_with('{') {
            params.push(s);
        } else if part != *s {
            return false;
        }
        n += 1;
    }
    n == seg.len()
}

/// A path user id, where `me` means the caller.
pub(crate) fn user_id_param<'a>(s: &'a Session, raw: &'a str) -> Result<&'a str, ApiError> {
    if raw == "me" {
        return Ok(s.user_id());
    }
    id_param(raw, "user_id")
}

/// A 26-char id from the path, or `400 invalid_url_param` naming it.
pub(crate) fn id_param<'a>(raw: &'a str, name: &str) -> Result<&'a str, ApiError> {
    if crate::model::is_valid_id(raw) {
        Ok(raw)
    } else {
        Err(ApiError::invalid_url_param(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let mut p = Vec::new();
        assert!(matches(
            "/users/{uid}/teams",
            &["users", "me", "teams"],
            &mut p
        ));
        assert_eq!(p, vec!["me"]);
        assert!(!matches("/users/{uid}", &["users", "me", "teams"], &mut p));
        assert!(!matches("/users/{uid}/teams", &["users", "me"], &mut p));
    }

    #[test]
    fn literal_routes_come_before_captures() {
        // Each route must be reachable: no earlier row may match its literal form.
        for (i, (m, pat, _)) in ROUTES.iter().enumerate() {
            let seg: Vec<&str> = pat.split('/').filter(|s| !s.is_empty()).collect();
            let mut p = Vec::new();
            let first = ROUTES
                .iter()
                .position(|(m2, pat2, _)| m2 == m && matches(pat2, &seg, &mut p));
            assert_eq!(first, Some(i), "{pat} is shadowed");
        }
    }
}
