//! Configuration: Mattermost's `config.json` section and key names for every setting we share,
//! Perch's own keys under `PerchSettings`. Layers, later winning: built-in defaults, the file,
//! `MM_<SECTION>_<KEY>` environment variables, CLI flags. A known key with a value of the wrong
//! type stops startup naming the key; unknown keys are warned about once and ignored.

pub mod file;
mod listen;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(rename = "ServiceSettings")]
    pub service: ServiceSettings,
    #[serde(rename = "TeamSettings")]
    pub team: TeamSettings,
    #[serde(rename = "EmailSettings")]
    pub email: EmailSettings,
    #[serde(rename = "PasswordSettings")]
    pub password: PasswordSettings,
    #[serde(rename = "PrivacySettings")]
    pub privacy: PrivacySettings,
    #[serde(rename = "RateLimitSettings")]
    pub rate_limit: RateLimitSettings,
    #[serde(rename = "SqlSettings")]
    pub sql: SqlSettings,
    #[serde(rename = "LogSettings")]
    pub log: LogSettings,
    #[serde(rename = "SupportSettings")]
    pub support: SupportSettings,
    #[serde(rename = "FileSettings")]
    pub files: FileSettings,
    #[serde(rename = "PerchSettings")]
    pub perch: PerchSettings,
    /// The `config.json` this was loaded from (`PUT /api/v4/config` writes there); `None` for
    /// a server configured in code (tests), whose settings the API cannot change.
    #[serde(skip)]
    pub loaded_from: Option<PathBuf>,
    /// The settings an `MM_*` environment variable set, as (section, key): the System Console
    /// shows them as not editable (`GET /api/v4/config/environment`).
    #[serde(skip)]
    pub from_env: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ServiceSettings {
    /// Public base URL; needed for slash-command `response_url`s. Empty: derived from the
    /// listen address.
    #[serde(rename = "SiteURL")]
    pub site_url: String,
    /// Where to listen, Mattermost style (`:8065` means every interface).
    pub listen_address: String,
    /// Wrong passwords in a row before an account is locked (admin reset needed).
    pub maximum_login_attempts: i64,
    pub enable_incoming_webhooks: bool,
    pub enable_outgoing_webhooks: bool,
    pub enable_commands: bool,
    /// Seconds an outgoing webhook or slash command may take (capped at 30).
    pub outgoing_integration_requests_timeout: i64,
    pub enable_post_username_override: bool,
    pub enable_post_icon_override: bool,
    pub enable_user_access_tokens: bool,
    pub enable_bot_account_creation: bool,
    pub disable_bots_when_owner_is_deactivated: bool,
    /// Hosts and CIDRs outgoing calls may reach although they are internal
    /// (e.g. `"127.0.0.1 localhost 192.168.0.0/16"`).
    pub allowed_untrusted_internal_connections: String,
    pub enable_insecure_outgoing_connections: bool,
    /// When on, error bodies carry `detailed_error`.
    pub enable_developer: bool,
    pub session_length_web_in_hours: i64,
    pub session_length_mobile_in_hours: i64,
    pub extend_session_length_with_activity: bool,
    pub maximum_payload_size_bytes: i64,
    /// Seconds each read from a client may wait (also a keep-alive connection's wait for its
    /// next request). The connection's own thread waits, never an HTTP worker.
    pub read_timeout: i64,
    /// Seconds each write to a client may wait (an answer the client does not read).
    pub write_timeout: i64,
    #[serde(rename = "MaximumURLLength")]
    pub maximum_url_length: i64,
    /// Seconds after which a post may no longer be edited; -1 = never.
    pub post_edit_time_limit: i64,
    #[serde(rename = "EnableAPIPostDeletion")]
    pub enable_api_post_deletion: bool,
    /// Accepted for compatibility with old configs and ignored, as in Mattermost (role
    /// permissions replaced it).
    pub enable_only_admin_integrations: bool,
    #[serde(rename = "TrustedProxyIPHeader")]
    pub trusted_proxy_ip_header: Vec<String>,
    #[serde(rename = "ExperimentalStrictCSRFEnforcement")]
    pub experimental_strict_csrf_enforcement: bool,
    /// Origins (space-separated, `*` for any) allowed to open the WebSocket besides the
    /// site itself; empty: an `Origin` must match the request's `Host`.
    pub allow_cors_from: String,
    /// `"TLS"`: serve HTTPS (and wss) with `TLSCertFile` and `TLSKeyFile`; `""`: plain HTTP.
    pub connection_security: String,
    /// PEM files: the certificate chain, and its private key (PKCS#8, RSA or EC, not
    /// encrypted). A relative path is from the working directory, as in Mattermost.
    #[serde(rename = "TLSCertFile")]
    pub tls_cert_file: String,
    #[serde(rename = "TLSKeyFile")]
    pub tls_key_file: String,
    /// With TLS: also listen on port 80 (`PerchSettings.Forward80ListenAddress`) and answer
    /// every request there with a redirect to the same URL over HTTPS.
    #[serde(rename = "Forward80To443")]
    pub forward_80_to_443: bool,
    /// Every answer carries `Strict-Transport-Security: max-age=<TLSStrictTransportMaxAge>`.
    #[serde(rename = "TLSStrictTransport")]
    pub tls_strict_transport: bool,
    #[serde(rename = "TLSStrictTransportMaxAge")]
    pub tls_strict_transport_max_age: i64,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            site_url: String::new(),
            listen_address: ":8065".into(),
            maximum_login_attempts: 10,
            enable_incoming_webhooks: true,
            enable_outgoing_webhooks: true,
            enable_commands: true,
            outgoing_integration_requests_timeout: 30,
            enable_post_username_override: false,
            enable_post_icon_override: false,
            enable_user_access_tokens: false,
            enable_bot_account_creation: false,
            disable_bots_when_owner_is_deactivated: true,
            allowed_untrusted_internal_connections: String::new(),
            enable_insecure_outgoing_connections: false,
            enable_developer: false,
            session_length_web_in_hours: 720,
            session_length_mobile_in_hours: 720,
            extend_session_length_with_activity: true,
            maximum_payload_size_bytes: 300_000,
            read_timeout: 300,
            write_timeout: 300,
            maximum_url_length: 2048,
            post_edit_time_limit: -1,
            enable_api_post_deletion: false,
            enable_only_admin_integrations: true,
            trusted_proxy_ip_header: Vec::new(),
            experimental_strict_csrf_enforcement: false,
            allow_cors_from: String::new(),
            connection_security: String::new(),
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            forward_80_to_443: false,
            tls_strict_transport: false,
            tls_strict_transport_max_age: 63_072_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TeamSettings {
    pub site_name: String,
    pub max_users_per_team: i64,
    pub enable_user_creation: bool,
    /// Anyone may sign up (the first account may always be created).
    pub enable_open_server: bool,
    pub max_channels_per_team: i64,
    pub restrict_direct_message: String,
    pub experimental_default_channels: Vec<String>,
    /// Users may deactivate their own account (admins always may deactivate others).
    pub enable_user_deactivation: bool,
    /// Archived channels stay readable and findable (Mattermost 6's default: on); off, the
    /// web app hides them and channel searches leave them out.
    pub experimental_view_archived_channels: bool,
}

impl Default for TeamSettings {
    fn default() -> Self {
        TeamSettings {
            site_name: "Perch".into(),
            max_users_per_team: 50,
            enable_user_creation: true,
            enable_open_server: false,
            max_channels_per_team: 2000,
            restrict_direct_message: "any".into(),
            experimental_default_channels: Vec::new(),
            enable_user_deactivation: false,
            experimental_view_archived_channels: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct EmailSettings {
    pub enable_sign_up_with_email: bool,
    pub enable_sign_in_with_email: bool,
    pub enable_sign_in_with_username: bool,
    pub require_email_verification: bool,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enable_sign_up_with_email: true,
            enable_sign_in_with_email: true,
            enable_sign_in_with_username: true,
            require_email_verification: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PasswordSettings {
    pub minimum_length: i64,
    pub lowercase: bool,
    pub uppercase: bool,
    pub number: bool,
    pub symbol: bool,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            minimum_length: 8,
            lowercase: false,
            uppercase: false,
            number: false,
            symbol: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PrivacySettings {
    pub show_email_address: bool,
    pub show_full_name: bool,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            show_email_address: true,
            show_full_name: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RateLimitSettings {
    pub enable: bool,
    pub per_sec: i64,
    pub max_burst: i64,
    pub memory_store_size: i64,
    pub vary_by_remote_addr: bool,
    pub vary_by_user: bool,
    pub vary_by_header: String,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            enable: false,
            per_sec: 10,
            max_burst: 100,
            memory_store_size: 10000,
            vary_by_remote_addr: true,
            vary_by_user: false,
            vary_by_header: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SqlSettings {
    /// Always `sqlite3` for Perch (not a Mattermost value).
    pub driver_name: String,
    /// The SQLite file. Relative paths are relative to the working directory.
    pub data_source: String,
}

impl Default for SqlSettings {
    fn default() -> Self {
        SqlSettings {
            driver_name: "sqlite3".into(),
            data_source: "data/perch.db".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LogSettings {
    /// Log to stderr.
    pub enable_console: bool,
    /// `DEBUG`, `INFO`, `WARN` or `ERROR`.
    pub console_level: String,
    /// One JSON object per line on the console (Mattermost's default is true; Perch's is text).
    pub console_json: bool,
    /// Also log to `<FileLocation>/perch.log`, rotated by size (`PerchSettings.LogFile…`).
    pub enable_file: bool,
    pub file_level: String,
    pub file_json: bool,
    /// The directory of the log file; empty: `logs` in the working directory.
    pub file_location: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            enable_console: true,
            console_level: "INFO".into(),
            console_json: false,
            enable_file: false,
            file_level: "INFO".into(),
            file_json: true,
            file_location: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SupportSettings {
    /// Where `/help` sends users; point it at your own documentation.
    pub help_link: String,
}

impl Default for SupportSettings {
    fn default() -> Self {
        SupportSettings {
            help_link: "https://mattermost.com/pl/help/".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct FileSettings {
    /// Off: `POST /api/v4/files` answers 403 and webhooks refuse file parts.
    pub enable_file_attachments: bool,
    /// Lets users make public links (`GET /api/v4/files/{id}/link`, `GET /files/{id}/public`).
    pub enable_public_link: bool,
    /// Salt of public-link hashes. Empty: a random salt made when the database was created.
    pub public_link_salt: String,
    /// Largest file accepted, in bytes (Mattermost's default: 100 MiB).
    pub max_file_size: i64,
    /// Largest image accepted, in pixels (width × height); thumbnails are decoded within it.
    pub max_image_resolution: i64,
    /// Only `local` (files on this machine's disk).
    pub driver_name: String,
    /// Where files are stored, laid out as Mattermost's local driver does. Relative paths are
    /// relative to the working directory, like `SqlSettings.DataSource`.
    pub directory: String,
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            enable_file_attachments: true,
            enable_public_link: false,
            public_link_salt: String::new(),
            max_file_size: 104_857_600,
            max_image_resolution: 33_177_600,
            driver_name: "local".into(),
            directory: "./data/".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PerchSettings {
    /// HTTP worker threads. No worker waits on slow work: a post's or webhook's commit
    /// (`Store::write_then`), a slash command's URL and a login's password hash are finished on
    /// other threads, so workers only do CPU work, and on a 2-core box 4 are enough: fewer
    /// threads taking turns give reads a better p99 (docs/performance.md).
    pub http_workers: i64,
    /// Threads delivering outgoing-webhook callbacks (`hook-out-N`). Each waits for one
    /// receiver at a time, so this is how many slow receivers can be waited on at once.
    pub outgoing_workers: i64,
    /// Deliveries handed to the workers in memory. When full, new deliveries simply stay
    /// pending in the database and the periodic scan picks them up: a post never waits.
    pub outgoing_queue_size: i64,
    /// Attempts per callback before it is marked failed (connection errors, timeouts, 5xx and
    /// 429 are retried; other 4xx answers and refused addresses are final).
    pub outgoing_max_attempts: i64,
    /// Backoff before the 2nd attempt; it doubles for each further one, up to
    /// `OutgoingRetryMaxMillis`. A receiver's `Retry-After` is honoured when longer.
    pub outgoing_retry_base_millis: i64,
    pub outgoing_retry_max_millis: i64,
    /// How often pending deliveries are looked for in the database (those that did not fit in
    /// the queue, or were pending when the server stopped). Retries are scheduled exactly.
    pub outgoing_scan_interval_millis: i64,
    /// Finished deliveries kept per hook in the delivery log (older ones are pruned).
    pub outgoing_delivery_log_size: i64,
    /// Lets an outgoing webhook bound to a private channel fire there, when its creator is a
    /// member (Mattermost only ever fires in public channels). Off by default.
    pub enable_outgoing_webhooks_in_private_channels: bool,
    /// argon2id cost. The defaults are OWASP's (19 MiB, 2 passes): ~14 ms per login here.
    #[serde(rename = "Argon2MemoryKiB")]
    pub argon2_memory_kib: i64,
    pub argon2_iterations: i64,
    /// Concurrent password hashes allowed (each holds `Argon2MemoryKiB` of memory).
    pub argon2_permits: i64,
    /// Serve `static/` from this directory instead of the copy inside the binary (development).
    pub static_dir: String,
    /// An unpacked official Mattermost web app (`client/` of a release): served at `/` and
    /// `/static/`, with Perch's own client under `/perch/`. Empty: Perch's client everywhere.
    pub webapp_directory: String,
    /// The login rate limiter (per client IP) is on by default even when the general limiter
    /// is off, because small installs face password guessing first.
    pub login_rate_limit_enable: bool,
    /// Connections open at once (0: no limit). Each open connection holds a thread while it
    /// is read; beyond the limit a new connection is closed at once.
    pub max_connections: i64,
    /// Connections open at once from one IP address (0: no limit): one host cannot take all
    /// of `MaxConnections`. Behind a reverse proxy every client shares the proxy's address:
    /// raise it there, or set 0.
    #[serde(rename = "MaxConnectionsPerIP")]
    pub max_connections_per_ip: i64,
    /// How often the `janitor` thread deletes expired sessions (and how soon after start).
    pub session_cleanup_interval_seconds: i64,
    /// Open WebSocket connections allowed; an upgrade beyond is refused with 503. Each idle
    /// socket costs a few KiB and one file descriptor.
    pub web_socket_max_connections: i64,
    /// The log file (`LogSettings.EnableFile`) is rotated when it would grow past this…
    #[serde(rename = "LogFileMaxSizeMB")]
    pub log_file_max_size_mb: i64,
    /// …keeping this many older files (`perch.log.1` the newest): at most
    /// `LogFileMaxSizeMB × (LogFileMaxBackups + 1)` of logs on disk.
    pub log_file_max_backups: i64,
    /// Where `ServiceSettings.Forward80To443` listens; empty: port 80 on `ListenAddress`'s host.
    #[serde(rename = "Forward80ListenAddress")]
    pub forward_80_listen_address: String,
}

impl Default for PerchSettings {
    fn default() -> Self {
        PerchSettings {
            http_workers: 4,
            outgoing_workers: 4,
            outgoing_queue_size: 1024,
            outgoing_max_attempts: 8,
            outgoing_retry_base_millis: 10_000,
            outgoing_retry_max_millis: 3_600_000,
            outgoing_scan_interval_millis: 5_000,
            outgoing_delivery_log_size: 200,
            enable_outgoing_webhooks_in_private_channels: false,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_permits: 2,
            static_dir: String::new(),
            webapp_directory: String::new(),
            login_rate_limit_enable: true,
            max_connections: 2000,
            max_connections_per_ip: 200,
            session_cleanup_interval_seconds: 3600,
            web_socket_max_connections: 10_000,
            log_file_max_size_mb: 10,
            log_file_max_backups: 3,
            forward_80_listen_address: String::new(),
        }
    }
}

/// Settings a running server applies without a restart: it watches `config.json` and takes
/// these from it when the file changes (`perch config set` says which need a restart).
pub const LIVE_SETTINGS: &[(&str, &str)] = &[
    ("LogSettings", "EnableConsole"),
    ("LogSettings", "ConsoleLevel"),
    ("LogSettings", "ConsoleJson"),
    ("LogSettings", "EnableFile"),
    ("LogSettings", "FileLevel"),
    ("LogSettings", "FileJson"),
];

/// A configuration problem that stops startup.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Loads `path` (writing defaults there first if it does not exist), then applies the
    /// `MM_*` environment overrides from `env`.
    pub fn load(path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let file_value = if path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            serde_json::from_str::<Value>(&text)
                .map_err(|e| ConfigError(format!("{} is not valid JSON: {e}", path.display())))?
        } else {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let defaults = serde_json::to_string_pretty(&Config::default())
                .map_err(|e| ConfigError(e.to_string()))?;
            write_private(path, &defaults)
                .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
            log::info!("wrote a default configuration to {}", path.display());
            Value::Object(Map::new())
        };
        Self::from_layers(&file_value, env)
    }

    /// Defaults, then `file`, then environment overrides.
    pub fn from_layers(file: &Value, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let defaults =
            serde_json::to_value(Config::default()).map_err(|e| ConfigError(e.to_string()))?;
        let Value::Object(mut merged) = defaults.clone() else {
            return Err(ConfigError("defaults are not an object".into()));
        };
        let Some(file) = file.as_object() else {
            return Err(ConfigError("the file must hold a JSON object".into()));
        };
        let mut unknown = Vec::new();
        let mut from_env = Vec::new();
        for (section, keys) in file {
            let Some(Value::Object(target)) = merged.get_mut(section) else {
                unknown.push(section.clone());
                continue;
            };
            let Some(keys) = keys.as_object() else {
                return Err(ConfigError(format!("{section} must be an object")));
            };
            for (key, value) in keys {
                match target.get(key) {
                    Some(default) => {
                        check_type(section, key, default, value)?;
                        target.insert(key.clone(), value.clone());
                    }
                    None => unknown.push(format!("{section}.{key}")),
                }
            }
        }
        if !unknown.is_empty() {
            log::warn!("config: ignoring unknown keys: {}", unknown.join(", "));
        }
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix("MM_") else {
                continue;
            };
            if let Some((section, key, default)) = find_env_key(&merged, rest) {
                let value = parse_env(&section, &key, &default, raw)?;
                if let Some(Value::Object(target)) = merged.get_mut(&section) {
                    target.insert(key.clone(), value);
                }
                from_env.push((section, key));
            }
        }
        let mut config: Config = serde_json::from_value(Value::Object(merged))
            .map_err(|e| ConfigError(e.to_string()))?;
        config.from_env = from_env;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        self.forward_addr()?;
        if self.perch.http_workers < 1 || self.perch.http_workers > 1024 {
            return Err(ConfigError(
                "PerchSettings.HttpWorkers must be between 1 and 1024".into(),
            ));
        }
        let p = &self.perch;
        if p.outgoing_workers < 1
            || p.outgoing_workers > 256
            || p.outgoing_queue_size < 1
            || p.outgoing_max_attempts < 1
            || p.outgoing_retry_base_millis < 1
            || p.outgoing_retry_max_millis < p.outgoing_retry_base_millis
            || p.outgoing_scan_interval_millis < 10
            || p.outgoing_delivery_log_size < 1
        {
            return Err(ConfigError(
                "PerchSettings: OutgoingWorkers must be between 1 and 256; OutgoingQueueSize, \
                 OutgoingMaxAttempts, OutgoingRetryBaseMillis and OutgoingDeliveryLogSize ≥ 1; \
                 OutgoingRetryMaxMillis ≥ OutgoingRetryBaseMillis; OutgoingScanIntervalMillis ≥ 10"
                    .into(),
            ));
        }
        if self.perch.argon2_memory_kib < 8
            || self.perch.argon2_iterations < 1
            || self.perch.argon2_permits < 1
        {
            return Err(ConfigError(
                "PerchSettings.Argon2MemoryKiB must be ≥ 8, Argon2Iterations and Argon2Permits ≥ 1"
                    .into(),
            ));
        }
        for (key, value) in [
            ("ConsoleLevel", &self.log.console_level),
            ("FileLevel", &self.log.file_level),
        ] {
            if !["DEBUG", "INFO", "WARN", "ERROR"].contains(&value.to_uppercase().as_str()) {
                return Err(ConfigError(format!(
                    "LogSettings.{key} must be one of DEBUG, INFO, WARN, ERROR"
                )));
            }
        }
        if self.perch.log_file_max_size_mb < 1
            || !(0..=100).contains(&self.perch.log_file_max_backups)
        {
            return Err(ConfigError(
                "PerchSettings.LogFileMaxSizeMB must be ≥ 1 and LogFileMaxBackups between 0 and 100"
                    .into(),
            ));
        }
        let r = &self.rate_limit;
        if r.per_sec < 1 || r.max_burst < 0 || r.memory_store_size < 1 {
            return Err(ConfigError(
                "RateLimitSettings.PerSec and MemoryStoreSize must be ≥ 1, MaxBurst ≥ 0".into(),
            ));
        }
        if self.perch.session_cleanup_interval_seconds < 1 {
            return Err(ConfigError(
                "PerchSettings.SessionCleanupIntervalSeconds must be ≥ 1".into(),
            ));
        }
        if self.service.read_timeout < 1 || self.service.write_timeout < 1 {
            return Err(ConfigError(
                "ServiceSettings.ReadTimeout and WriteTimeout must be ≥ 1 (seconds)".into(),
            ));
        }
        let f = &self.files;
        if f.driver_name != "local" || f.max_file_size < 1 || f.max_image_resolution < 1 {
            return Err(ConfigError(
                "FileSettings: DriverName must be \"local\"; MaxFileSize and \
                 MaxImageResolution must be ≥ 1"
                    .into(),
            ));
        }
        if self.service.maximum_payload_size_bytes < 1024 {
            return Err(ConfigError(
                "ServiceSettings.MaximumPayloadSizeBytes must be ≥ 1024".into(),
            ));
        }
        Ok(())
    }

    /// The SQLite file path.
    pub fn db_path(&self) -> PathBuf {
        let ds = self.sql.data_source.trim_start_matches("file:");
        PathBuf::from(ds)
    }

    /// `FileSettings.Directory` as a path.
    pub fn files_dir(&self) -> PathBuf {
        PathBuf::from(&self.files.directory)
    }

    /// A configuration for tests: a temp dir, port 0, cheap argon2, developer errors on.
    pub fn for_tests(dir: &Path) -> Config {
        let mut c = Config::default();
        c.service.listen_address = "127.0.0.1:0".into();
        c.service.enable_developer = true;
        c.sql.data_source = dir.join("perch.db").to_string_lossy().into_owned();
        c.files.directory = dir.join("data").to_string_lossy().into_owned();
        c.perch.http_workers = 8;
        c.perch.outgoing_workers = 2;
        c.perch.argon2_memory_kib = 64;
        c.perch.argon2_iterations = 1;
        c.log.console_level = "WARN".into();
        c
    }

    /// The effective config as JSON with secrets blanked, for the startup log.
    pub fn redacted(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(s) = v.pointer_mut("/SqlSettings/DataSource") {
            if s.as_str().is_some_and(|s| s.contains('@')) {
                *s = Value::from("***");
            }
        }
        if let Some(s) = v.pointer_mut("/FileSettings/PublicLinkSalt") {
            if s.as_str().is_some_and(|s| !s.is_empty()) {
                *s = Value::from("***");
            }
        }
        v.to_string()
    }
}

fn check_type(section: &str, key: &str, default: &Value, value: &Value) -> Result<(), ConfigError> {
    let ok = match default {
        Value::Bool(_) => value.is_boolean(),
        Value::Number(_) => value.is_i64(),
        Value::String(_) => value.is_string(),
        Value::Array(_) => value
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_string())),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{section}.{key} must be {}, got {value}",
            kind(default)
        )))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a whole number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list of strings",
        _ => "a value",
    }
}

/// Matches `SECTION_KEY` (upper-case, as Mattermost's env names are) against known keys.
fn find_env_key(merged: &Map<String, Value>, rest: &str) -> Option<(String, String, Value)> {
    for (section, keys) in merged {
        let prefix = format!("{}_", section.to_uppercase());
        let Some(key_part) = rest.strip_prefix(&prefix) else {
            continue;
        };
        let keys = keys.as_object()?;
        for (key, default) in keys {
            if key.to_uppercase() == key_part {
                return Some((section.clone(), key.clone(), default.clone()));
            }
        }
    }
    None
}

fn parse_env(section: &str, key: &str, default: &Value, raw: &str) -> Result<Value, ConfigError> {
    let bad = || {
        ConfigError(format!(
            "MM_{}_{} ({section}.{key}) must be {}, got {raw:?}",
            section.to_uppercase(),
            key.to_uppercase(),
            kind(default)
        ))
    };
    Ok(match default {
        Value::Bool(_) => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(bad()),
        },
        Value::Number(_) => Value::from(raw.trim().parse::<i64>().map_err(|_| bad())?),
        Value::Array(_) => {
            Value::from(raw.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>())
        }
        _ => Value::from(raw),
    })
}

/// Writes a file readable only by its owner (it may hold secrets).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_then_env() {
        let file = json!({"ServiceSettings": {"SiteURL": "http://x", "EnableCommands": false}, "Nope": {}});
        let env = vec![
            (
                "MM_SERVICESETTINGS_LISTENADDRESS".to_string(),
                "127.0.0.1:0".to_string(),
            ),
            (
                "MM_TEAMSETTINGS_MAXUSERSPERTEAM".to_string(),
                "7".to_string(),
            ),
        ];
        let c = Config::from_layers(&file, &env).unwrap();
        assert_eq!(c.service.site_url, "http://x");
        assert!(!c.service.enable_commands);
        assert_eq!(c.service.listen_address, "127.0.0.1:0");
        assert_eq!(c.team.max_users_per_team, 7);
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::from_layers(&json!({"ServiceSettings": {"EnableCommands": "yes"}}), &[])
            .unwrap_err();
        assert!(e.0.contains("ServiceSettings.EnableCommands"), "{}", e.0);
        let env = vec![(
            "MM_SERVICESETTINGS_MAXIMUMLOGINATTEMPTS".to_string(),
            "lots".to_string(),
        )];
        let e = Config::from_layers(&json!({}), &env).unwrap_err();
        assert!(e.0.contains("MaximumLoginAttempts"), "{}", e.0);
        let e = Config::from_layers(
            &json!({"ServiceSettings": {"ListenAddress": "nowhere"}}),
            &[],
        )
        .unwrap_err();
        assert!(e.0.contains("ListenAddress"), "{}", e.0);
        let e = Config::from_layers(&json!({"RateLimitSettings": {"PerSec": 0}}), &[]).unwrap_err();
        assert!(e.0.contains("RateLimitSettings.PerSec"), "{}", e.0);
        let e = Config::from_layers(
            &json!({"PerchSettings": {"SessionCleanupIntervalSeconds": 0}}),
            &[],
        )
        .unwrap_err();
        assert!(e.0.contains("SessionCleanupIntervalSeconds"), "{}", e.0);
    }

    #[test]
    fn mattermost_names() {
        let v = serde_json::to_value(Config::default()).unwrap();
        assert!(v["ServiceSettings"].get("SiteURL").is_some());
        assert!(v["ServiceSettings"].get("EnableAPIPostDeletion").is_some());
        assert_eq!(v["ServiceSettings"]["ListenAddress"], ":8065");
    }
}
