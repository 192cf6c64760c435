//! System endpoints clients call at start-up (mattermost `api4/system.go`, `config.go`,
//! `license.go`): ping, the client config and the client license.

use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::post::MAX_MESSAGE_RUNES;
use crate::model::session::Session;
use crate::store;
use crate::store::Reader;
use serde_json::{json, Value};

/// `GET /api/v4/system/ping`: liveness, with the fields the mobile and desktop apps read.
pub fn ping(ctx: &Ctx, req: &Req) -> Result<Resp, ApiError> {
    let mut body = json!({
        "status": "OK",
        "AndroidLatestVersion": "",
        "AndroidMinVersion": "",
        "IosLatestVersion": "",
        "IosMinVersion": "",
        "ActiveSearchBackend": "database",
    });
    if req.query_bool("get_server_status") {
        let db_ok = crate::store::healthy(ctx.db);
        let status = if db_ok { "OK" } else { "UNHEALTHY" };
        body["database_status"] = Value::from(status);
        body["filestore_status"] = Value::from("OK");
        // Perch-only, for operators and the benchmark: the durability in force and the cost
        // of a password check.
        body["perch_synchronous"] = Value::from(ctx.app.store.synchronous());
        body["perch_password_hash"] = Value::from(ctx.app.hasher.describe());
        body["perch_websocket_sockets"] = Value::from(ctx.app.ws.open_sockets());
        let ws = &ctx.app.ws;
        body["perch_websocket_publish_p99_us"] = Value::from(ws.publish_quantile_us(0.99));
        body["perch_websocket_publish_max_us"] = Value::from(ws.publish_quantile_us(1.0));
        if !db_ok {
            return Ok(Resp::json(500, &body));
        }
    }
    Ok(Resp::ok(&body))
}

/// `GET /api/v4/config/client?format=old`: the subset of settings clients read, all strings.
pub fn client_config(ctx: &Ctx, _req: &Req) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&client_config_map(ctx.app, ctx.db)))
}

/// The flat client config, as `GET /api/v4/config/client?format=old` answers it and
/// `config_changed` carries it.
pub(crate) fn client_config_map(app: &App, db: &Reader) -> Value {
    let c = &app.config;
    let b = |v: bool| if v { "true" } else { "false" };
    json!({
        "Version": crate::MM_VERSION,
        "BuildNumber": crate::VERSION,
        "BuildDate": option_env!("PERCH_BUILD_DATE").unwrap_or(""),
        "BuildHash": option_env!("PERCH_BUILD_HASH").unwrap_or(""),
        "BuildHashEnterprise": "none",
        "BuildEnterpriseReady": "false",
        "SiteURL": app.site_url,
        "SiteName": c.team.site_name,
        "DiagnosticsEnabled": "false",
        "TelemetryId": "",
        "EnableSignUpWithEmail": b(c.email.enable_sign_up_with_email),
        "EnableSignInWithEmail": b(c.email.enable_sign_in_with_email),
        "EnableSignInWithUsername": b(c.email.enable_sign_in_with_username),
        "EnableOpenServer": b(c.team.enable_open_server),
        "EnableUserCreation": b(c.team.enable_user_creation),
        "EnableIncomingWebhooks": b(c.service.enable_incoming_webhooks),
        "EnableOutgoingWebhooks": b(c.service.enable_outgoing_webhooks),
        "EnableCommands": b(c.service.enable_commands),
        "EnablePostUsernameOverride": b(c.service.enable_post_username_override),
        "EnablePostIconOverride": b(c.service.enable_post_icon_override),
        "EnableUserAccessTokens": b(c.service.enable_user_access_tokens),
        "EnableBotAccountCreation": b(c.service.enable_bot_account_creation),
        "EnableMultifactorAuthentication": "false",
        "EnforceMultifactorAuthentication": "false",
        "PasswordMinimumLength": c.password.minimum_length.to_string(),
        "PasswordRequireLowercase": b(c.password.lowercase),
        "PasswordRequireUppercase": b(c.password.uppercase),
        "PasswordRequireNumber": b(c.password.number),
        "PasswordRequireSymbol": b(c.password.symbol),
        "ShowEmailAddress": b(c.privacy.show_email_address),
        "ShowFullName": b(c.privacy.show_full_name),
        "RestrictDirectMessage": c.team.restrict_direct_message,
        "ExperimentalViewArchivedChannels": b(c.team.experimental_view_archived_channels),
        "TeammateNameDisplay": "username",
        "MaxPostSize": MAX_MESSAGE_RUNES.to_string(),
        "MaxFileSize": c.files.max_file_size.to_string(),
        "EnableFileAttachments": b(c.files.enable_file_attachments),
        "EnablePublicLink": b(c.files.enable_public_link),
        "EnableMobileFileUpload": b(c.files.enable_file_attachments),
        "EnableMobileFileDownload": "true",
        "ExtendSessionLengthWithActivity": b(c.service.extend_session_length_with_activity),
        "PostEditTimeLimit": c.service.post_edit_time_limit.to_string(),
        "ExperimentalEnableHardenedMode": "false",
        "FeatureFlagCollapsedThreads": "false",
        "CollapsedThreads": "disabled",
        "WebsocketURL": "",
        "EnableCustomEmoji": "false",
        // Reactions work (the built-in emoji): the apps show their picker only with this.
        "EnableEmojiPicker": "true",
        "EnableLinkPreviews": "false",
        "DefaultClientLocale": "en",
        "AvailableLocales": "",
        "IsDefaultMarketplace": "false",
        // A fresh server: the web client offers to create the first (admin) account.
        "NoAccounts": b(crate::store::users::count_humans(db).unwrap_or(1) == 0),
    })
}

/// `GET /api/v4/users/stats`: how many users (bots not counted), for any signed-in user.
pub fn user_stats(ctx: &Ctx, _s: &Session) -> Result<Resp, ApiError> {
    let n = store::users::count_humans(ctx.db)?;
    Ok(Resp::ok(&json!({"total_users_count": n})))
}

/// `GET /api/v4/analytics/old`: Perch keeps no site analytics; admins get an empty list, as a
/// server with analytics off answers.
pub fn analytics(_ctx: &Ctx, s: &Session) -> Result<Resp, ApiError> {
    crate::permissions::require_system(s, "manage_system")?;
    Ok(Resp::ok(&json!([])))
}

/// `GET /api/v4/upgrade_to_enterprise/status`: Perch is never being upgraded (the System
/// Console's About page asks; Perch moves to Mattermost by `perch export` instead).
pub fn upgrade_status(_ctx: &Ctx, s: &Session) -> Result<Resp, ApiError> {
    crate::permissions::require_system(s, "manage_system")?;
    Ok(Resp::ok(&json!({"percentage": 0, "error": null})))
}

/// `GET /api/v4/users/{user_id}/audits`: Perch keeps no audit trail, so a user's access
/// history (the web app's Security settings) is an empty list; the caller must be the user or
/// manage them.
pub fn user_audits(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = super::user_id_param(s, uid)?;
    if !crate::permissions::can_manage_user(ctx.db, s, uid)? {
        return Err(ApiError::permissions("edit_other_users"));
    }
    Ok(Resp::ok(&json!([])))
}

/// `GET /api/v4/license/client?format=old`: Perch is unlicensed (team edition).
pub fn client_license(_ctx: &Ctx, _req: &Req) -> Result<Resp, ApiError> {
    Ok(Resp::ok(&json!({"IsLicensed": "false"})))
}
