//! `GET` and `PUT /api/v4/config` (Mattermost `api4/config.go`): the whole configuration for
//! system admins, secrets replaced by Mattermost's `FakeSetting`, and saving it to
//! `config.json`. A saved value whose text is still `FakeSetting` keeps the old secret. Only
//! the settings whose value changed are written, into the file's own text (other keys, also
//! ones Perch does not know, keep their place); Perch applies saved settings at its next start,
//! and `GET` answers with the saved ones meanwhile.

use crate::app::{App, Ctx};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::permissions::require_system;
use serde_json::{Map, Value};

/// What Mattermost sends instead of a secret setting.
pub const FAKE_SETTING: &str = "********************************";

/// The secret settings (those of Mattermost's `Config.Sanitize` that Perch has).
const SECRETS: &[(&str, &str)] = &[
    ("SqlSettings", "DataSource"),
    ("SqlSettings", "AtRestEncryptKey"),
    ("FileSettings", "PublicLinkSalt"),
    ("FileSettings", "AmazonS3SecretAccessKey"),
    ("EmailSettings", "SMTPPassword"),
];

/// The sections of a Mattermost 6.x configuration that Perch has no settings in. The web app's
/// System Console reads `config.<Section>.<Key>` for each, so they are sent as empty objects (a
/// missing section stopped the console with a TypeError); a `PUT` ignores them.
const OTHER_SECTIONS: &[&str] = &[
    "ClientRequirements",
    "ExperimentalAuditSettings",
    "NotificationLogSettings",
    "AnnouncementSettings",
    "ThemeSettings",
    "GitLabSettings",
    "GoogleSettings",
    "Office365Settings",
    "OpenIdSettings",
    "LdapSettings",
    "ComplianceSettings",
    "LocalizationSettings",
    "SamlSettings",
    "NativeAppSettings",
    "ClusterSettings",
    "MetricsSettings",
    "ExperimentalSettings",
    "AnalyticsSettings",
    "ElasticsearchSettings",
    "BleveSettings",
    "DataRetentionSettings",
    "MessageExportSettings",
    "JobSettings",
    "PluginSettings",
    "DisplaySettings",
    "GuestAccountsSettings",
    "ImageProxySettings",
    "CloudSettings",
    "FeatureFlags",
    "ImportSettings",
    "ExportSettings",
];

fn sanitized(config: &Config) -> Value {
    let mut v = serde_json::to_value(config).unwrap_or(Value::Null);
    for (section, key) in SECRETS {
        if let Some(s) = v.get_mut(*section).and_then(|s| s.get_mut(*key)) {
            *s = Value::from(FAKE_SETTING);
        }
    }
    if let Value::Object(m) = &mut v {
        for section in OTHER_SECTIONS {
            m.entry(*section)
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    v
}

fn answer(config: &Config) -> Resp {
    Resp::ok(&sanitized(config)).header("Cache-Control", "no-cache, no-store, must-revalidate")
}

/// `GET /api/v4/config`.
pub fn get(ctx: &Ctx, s: &Session) -> Result<Resp, ApiError> {
    require_system(s, "manage_system")?;
    let saved = lock(ctx.app)?;
    Ok(answer(&saved))
}

/// `GET /api/v4/config/environment`: `{"Section": {"Key": true}}` for each setting an `MM_*`
/// environment variable set (the System Console greys those out).
pub fn environment(ctx: &Ctx, s: &Session) -> Result<Resp, ApiError> {
    require_system(s, "manage_system")?;
    let mut out = Map::new();
    for (section, key) in &ctx.app.config.from_env {
        if let Value::Object(keys) = out
            .entry(section.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            keys.insert(key.clone(), Value::Bool(true));
        }
    }
    Ok(Resp::ok(&out))
}

fn lock(app: &App) -> Result<std::sync::MutexGuard<'_, Config>, ApiError> {
    app.saved_config
        .lock()
        .map_err(|_| ApiError::internal("the saved configuration's lock is poisoned"))
}

/// `PUT /api/v4/config`: the body is a whole configuration (as `GET` gave it).
pub fn update(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let body: Map<String, Value> = req.json("config")?;
    require_system(s, "manage_system")?;
    if ctx.app.config.loaded_from.is_none() {
        return Err(ApiError::new(
            403,
            "api.config.update_config.not_allowed_security.app_error",
            "This server was not started from a config.json, so its settings cannot be saved.",
        ));
    }
    // Writing and syncing the file is slow work: off the HTTP worker.
    crate::app::off_worker(ctx.app, "config-save", move |app| save(app, &body))
}

fn save(app: &App, body: &Map<String, Value>) -> Result<Resp, ApiError> {
    let Some(path) = app.config.loaded_from.clone() else {
        return Err(ApiError::internal("no config path"));
    };
    let mut saved = lock(app)?;
    let current = serde_json::to_value(&*saved).map_err(ApiError::internal)?;
    let mut changes: Vec<(String, String, Value)> = Vec::new();
    let mut next = current.clone();
    for (section, keys) in body {
        let (Some(known), Some(keys)) = (current.get(section), keys.as_object()) else {
            continue; // sections Perch does not have (a whole Mattermost config) are ignored
        };
        for (key, value) in keys {
            let Some(old) = known.get(key) else { continue };
            let secret = SECRETS.iter().any(|(s, k)| s == section && k == key);
            if (secret && value == FAKE_SETTING) || value == old {
                continue;
            }
            changes.push((section.clone(), key.clone(), value.clone()));
            next[section.as_str()][key.as_str()] = value.clone();
        }
    }
    if !saved.service.site_url.is_empty() && next["ServiceSettings"]["SiteURL"] == "" {
        return Err(ApiError::bad_request(
            "api.config.update_config.clear_siteurl.app_error",
            "Site URL cannot be cleared.",
        ));
    }
    // The same checks startup makes (types, ranges, addresses).
    let mut config = Config::from_layers(&next, &[])
        .map_err(|e| ApiError::bad_request("model.config.is_valid.app_error", e.0.clone()))?;
    config.loaded_from = Some(path.clone());
    if !changes.is_empty() {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "{}".into(),
            Err(e) => return Err(ApiError::internal(format!("cannot read the config: {e}"))),
        };
        let refs: Vec<(&str, &str, Value)> = changes
            .iter()
            .map(|(s, k, v)| (s.as_str(), k.as_str(), v.clone()))
            .collect();
        let new_text = crate::config::file::rewrite(&text, &refs)
            .map_err(|e| ApiError::internal(format!("config.json is not a JSON object ({e})")))?;
        crate::config::file::replace_file(&path, &new_text)
            .map_err(|e| ApiError::internal(format!("cannot write the config: {e}")))?;
        let names: Vec<String> = changes.iter().map(|(s, k, _)| format!("{s}.{k}")).collect();
        log::info!(
            "config: saved {} (applied at the next start)",
            names.join(", ")
        );
    }
    *saved = config;
    Ok(answer(&saved))
}
