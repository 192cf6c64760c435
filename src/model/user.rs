//! The user object (`docs/spec/auth.md` §3.1) and its sanitization rules (§3.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user row as stored. `password_hash` never leaves the server.
#[derive(Debug, Clone, Default)]
pub struct User {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub username: String,
    pub password_hash: String,
    pub auth_service: String,
    pub email: String,
    pub email_verified: bool,
    pub nickname: String,
    pub first_name: String,
    pub last_name: String,
    pub position: String,
    pub roles: String,
    pub locale: String,
    pub props: Map<String, Value>,
    pub notify_props: Map<String, Value>,
    pub timezone: Map<String, Value>,
    pub failed_attempts: i64,
    pub last_login: i64,
    pub last_password_update: i64,
    pub last_activity_at: i64,
    /// When the profile picture was uploaded (0: the generated default).
    pub last_picture_update: i64,
    /// Set when a bot row exists for this user.
    pub bot: Option<BotInfo>,
}

/// The part of a bot row that shows on its user object.
#[derive(Debug, Clone, Default)]
pub struct BotInfo {
    pub description: String,
    pub owner_id: String,
}

/// Who is looking at a user, which decides what is blanked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The user themself.
    Own,
    /// A system admin looking at someone else.
    Admin,
    /// Anyone else.
    Other {
        show_email: bool,
        show_full_name: bool,
    },
}

impl User {
    pub fn is_bot(&self) -> bool {
        self.bot.is_some()
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.split_whitespace().any(|r| r == role)
    }

    /// The JSON Mattermost sends for this user, sanitized for `viewer`.
    pub fn to_json(&self, viewer: Viewer) -> Value {
        let mut m = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put(&mut m, "id", self.id.clone().into());
        if self.create_at != 0 {
            put(&mut m, "create_at", self.create_at.into());
        }
        if self.update_at != 0 {
            put(&mut m, "update_at", self.update_at.into());
        }
        put(&mut m, "delete_at", self.delete_at.into());
        put(&mut m, "username", self.username.clone().into());
        let other = matches!(viewer, Viewer::Other { .. });
        put(
            &mut m,
            "auth_service",
            if other {
                ""
            } else {
                self.auth_service.as_str()
            }
            .into(),
        );
        let email = match viewer {
            Viewer::Other {
                show_email: false, ..
            } => String::new(),
            _ => self.email.clone(),
        };
        put(&mut m, "email", email.into());
        if viewer == Viewer::Own && self.email_verified {
            put(&mut m, "email_verified", true.into());
        }
        put(&mut m, "nickname", self.nickname.clone().into());
        let (first, last) = match viewer {
            Viewer::Other {
                show_full_name: false,
                ..
            } => (String::new(), String::new()),
            _ => (self.first_name.clone(), self.last_name.clone()),
        };
        put(&mut m, "first_name", first.into());
        put(&mut m, "last_name", last.into());
        put(&mut m, "position", self.position.clone().into());
        put(&mut m, "roles", self.roles.clone().into());
        if !self.props.is_empty() {
            put(&mut m, "props", Value::Object(self.props.clone()));
        }
        if !other && !self.notify_props.is_empty() {
            put(
                &mut m,
                "notify_props",
                Value::Object(self.notify_props.clone()),
            );
        }
        if viewer == Viewer::Own && self.last_password_update != 0 {
            put(
                &mut m,
                "last_password_update",
                self.last_password_update.into(),
            );
        }
        if !other && self.failed_attempts != 0 {
            put(&mut m, "failed_attempts", self.failed_attempts.into());
        }
        put(&mut m, "locale", self.locale.clone().into());
        put(&mut m, "timezone", Value::Object(self.timezone.clone()));
        if self.last_activity_at != 0 {
            put(&mut m, "last_activity_at", self.last_activity_at.into());
        }
        if self.last_picture_update != 0 {
            put(
                &mut m,
                "last_picture_update",
                self.last_picture_update.into(),
            );
        }
        if let Some(bot) = &self.bot {
            put(&mut m, "is_bot", true.into());
            if !bot.description.is_empty() {
                put(&mut m, "bot_description", bot.description.clone().into());
            }
        }
        put(&mut m, "disable_welcome_email", false.into());
        Value::Object(m)
    }
}

/// The body of `POST /users` (fields a client may set).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub nickname: String,
    pub first_name: String,
    pub last_name: String,
    pub position: String,
    pub locale: String,
    pub props: Option<Map<String, Value>>,
    pub notify_props: Option<Map<String, Value>>,
}

/// Mattermost's default `notify_props` for a new user.
pub fn default_notify_props() -> Map<String, Value> {
    let pairs = [
        ("email", "true"),
        ("push", "mention"),
        ("desktop", "mention"),
        ("desktop_sound", "true"),
        ("mention_keys", ""),
        ("channel", "true"),
        ("push_status", "online"),
        ("comments", "never"),
        ("first_name", "false"),
        ("desktop_threads", "all"),
        ("email_threads", "all"),
        ("push_threads", "all"),
    ];
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect()
}

/// Mattermost's default timezone object.
pub fn default_timezone() -> Map<String, Value> {
    let pairs = [
        ("useAutomaticTimezone", "true"),
        ("automaticTimezone", ""),
        ("manualTimezone", ""),
    ];
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect()
}

/// Usernames Mattermost reserves.
const RESERVED_USERNAMES: &[&str] = &["all", "channel", "matterbot", "system", "here"];

/// Mattermost's username rule: 1–64 of `[a-z0-9.-_]`, starting with a letter, not reserved.
pub fn is_valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
        && !RESERVED_USERNAMES.contains(&name)
}

/// A plain `local@domain` check, as Mattermost's `IsValidEmail` (no display-name part).
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > 128 || email.contains(' ') || email.contains('<') {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    }
}

/// A user's status (`GET /users/{id}/status`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub user_id: String,
    pub status: String,
    pub manual: bool,
    pub last_activity_at: i64,
}

/// Mattermost's password rules; the error id names every failed rule, e.g.
/// `model.user.is_valid.pwd_lowercase_number.app_error`.
pub fn check_password(pw: &str, s: &crate::config::PasswordSettings) -> Result<(), String> {
    if pw.len() > 72 {
        return Err("model.user.is_valid.pwd_max_length.app_error".into());
    }
    let mut id = String::from("model.user.is_valid.pwd");
    let mut failed = (pw.chars().count() as i64) < s.minimum_length;
    if s.lowercase {
        id.push_str("_lowercase");
        failed |= !pw.chars().any(|c| c.is_lowercase());
    }
    if s.uppercase {
        id.push_str("_uppercase");
        failed |= !pw.chars().any(|c| c.is_uppercase());
    }
    if s.number {
        id.push_str("_number");
        failed |= !pw.chars().any(|c| c.is_ascii_digit());
    }
    if s.symbol {
        id.push_str("_symbol");
        failed |= !pw.chars().any(|c| c.is_ascii_punctuation() || c == ' ');
    }
    if !failed {
        return Ok(());
    }
    if id.len() == "model.user.is_valid.pwd".len() {
        id.push_str("_min_length");
    }
    id.push_str(".app_error");
    Err(id)
}

/// A user patch (`PUT /users/{id}/patch`, `POST /bots/{id}/convert_to_user`): only the given
/// fields change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserPatch {
    pub username: Option<String>,
    pub password: Option<String>,
    pub nickname: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub props: Option<Map<String, Value>>,
    pub notify_props: Option<Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(is_valid_username("alice"));
        assert!(is_valid_username("a.b-c_d9"));
        assert!(!is_valid_username("Alice"));
        assert!(!is_valid_username("9lives"));
        assert!(!is_valid_username("all"));
        assert!(!is_valid_username(&"a".repeat(65)));
    }

    #[test]
    fn emails() {
        assert!(is_valid_email("a@b.c"));
        assert!(!is_valid_email("Alice <a@b.c>"));
        assert!(!is_valid_email("nope"));
    }

    #[test]
    fn sanitization_hides_for_others() {
        let u = User {
            id: "x".into(),
            email: "a@b.c".into(),
            first_name: "A".into(),
            notify_props: default_notify_props(),
            failed_attempts: 2,
            ..Default::default()
        };
        let own = u.to_json(Viewer::Own);
        assert_eq!(own["email"], "a@b.c");
        assert!(own.get("notify_props").is_some());
        assert!(own.get("password").is_none());
        let other = u.to_json(Viewer::Other {
            show_email: false,
            show_full_name: false,
        });
        assert_eq!(other["email"], "");
        assert_eq!(other["first_name"], "");
        assert!(other.get("notify_props").is_none());
        assert!(other.get("failed_attempts").is_none());
    }
}
