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

/// A map of strings, as Mattermost's `StringMap`: a value of another type fails decoding.
pub type StringMap = std::collections::BTreeMap<String, String>;

/// A user patch (`PUT /users/{id}/patch`, `POST /bots/{id}/convert_to_user`): only the given
/// fields change (`null` is absent). `password` is never applied by `User::patched`: it proves
/// who asks for a new e-mail address (or is a converted bot's new password).
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
    pub props: Option<StringMap>,
    pub notify_props: Option<StringMap>,
    pub timezone: Option<StringMap>,
    /// Mattermost's shared-channel origin: decoded (so its type is checked), never applied.
    pub remote_id: Option<String>,
}

impl UserPatch {
    /// A patch from a decoded body, as Go's decoder reads one: an object, or `null` for an
    /// empty patch. Anything else (serde would also read an array field by field) is refused.
    pub fn from_json(v: Value) -> Result<UserPatch, String> {
        match v {
            Value::Null => Ok(UserPatch::default()),
            Value::Object(_) => serde_json::from_value(v).map_err(|e| e.to_string()),
            other => Err(format!("a user patch is an object, not {other}")),
        }
    }
}

fn to_map(m: StringMap) -> Map<String, Value> {
    m.into_iter().map(|(k, v)| (k, Value::String(v))).collect()
}

/// The field of a user that fails Mattermost's checks (`model.user.is_valid.<field>.app_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidField(pub &'static str);

impl InvalidField {
    pub fn id(self) -> String {
        format!("model.user.is_valid.{}.app_error", self.0)
    }

    pub fn message(self) -> &'static str {
        match self.0 {
            "username" => {
                "A username starts with a letter and has 1 to 64 lowercase letters, digits and \
                 '.', '-' or '_'; some names are reserved."
            }
            "email" => "Invalid email.",
            "nickname" => "A nickname has at most 64 characters.",
            "position" => "A position has at most 128 characters.",
            "first_name" => "A first name has at most 64 characters.",
            "last_name" => "A last name has at most 64 characters.",
            "locale" => "Invalid locale.",
            "timezone_limit" => "The timezone is too long.",
            _ => "Invalid user.",
        }
    }
}

/// Mattermost's limits on a user's fields (`model/user.go`).
const EMAIL_MAX_BYTES: usize = 128;
const NICKNAME_MAX_RUNES: usize = 64;
const POSITION_MAX_RUNES: usize = 128;
const NAME_MAX_RUNES: usize = 64;
const TIMEZONE_MAX_RUNES: usize = 256;
const ROLES_MAX_BYTES: usize = 256;

impl User {
    /// This user after `patch`, as Mattermost's `User.Patch`, `PreUpdate`, `IsValid` and user
    /// store `Update` leave it: names cleaned of blocked Unicode, username and e-mail lower
    /// case, empty `notify_props` back to the defaults, blank mention keys dropped (and the old
    /// username's when it changes), `email_verified` cleared by a new address, `update_at` =
    /// `now`. `Err` names the first invalid field.
    pub fn patched(&self, p: UserPatch, now: i64) -> Result<User, InvalidField> {
        let mut u = self.clone();
        let set = |field: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        set(&mut u.username, p.username);
        set(&mut u.nickname, p.nickname);
        set(&mut u.first_name, p.first_name);
        set(&mut u.last_name, p.last_name);
        set(&mut u.position, p.position);
        set(&mut u.email, p.email);
        set(&mut u.locale, p.locale);
        if let Some(m) = p.props {
            u.props = to_map(m);
        }
        if let Some(m) = p.notify_props {
            u.notify_props = to_map(m);
        }
        if let Some(m) = p.timezone {
            u.timezone = to_map(m);
        }
        u.username = sanitize_unicode(&u.username).to_lowercase();
        u.first_name = sanitize_unicode(&u.first_name);
        u.last_name = sanitize_unicode(&u.last_name);
        u.nickname = sanitize_unicode(&u.nickname);
        u.email = u.email.to_lowercase();
        u.update_at = now;
        if u.notify_props.is_empty() {
            u.notify_props = default_notify_props();
        } else if let Some(Value::String(keys)) = u.notify_props.get("mention_keys") {
            let kept: Vec<String> = keys
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_lowercase)
                .collect();
            u.notify_props
                .insert("mention_keys".into(), kept.join(",").into());
        }
        u.check_valid().map_err(InvalidField)?;
        if u.email != self.email {
            u.email_verified = false;
        }
        if u.username != self.username {
            u.drop_mention_key(&self.username);
        }
        Ok(u)
    }

    /// Mattermost's `IsValid` on the fields a patch reaches: the name of the first bad one.
    fn check_valid(&self) -> Result<(), &'static str> {
        let runes = |s: &str| s.chars().count();
        if !is_valid_username(&self.username) {
            return Err("username");
        }
        if self.email.len() > EMAIL_MAX_BYTES || !is_valid_email(&self.email) {
            return Err("email");
        }
        if runes(&self.nickname) > NICKNAME_MAX_RUNES {
            return Err("nickname");
        }
        if runes(&self.position) > POSITION_MAX_RUNES {
            return Err("position");
        }
        if runes(&self.first_name) > NAME_MAX_RUNES {
            return Err("first_name");
        }
        if runes(&self.last_name) > NAME_MAX_RUNES {
            return Err("last_name");
        }
        if !is_valid_locale(&self.locale) {
            return Err("locale");
        }
        if !self.timezone.is_empty()
            && runes(&Value::Object(self.timezone.clone()).to_string()) > TIMEZONE_MAX_RUNES
        {
            return Err("timezone_limit");
        }
        if self.roles.len() > ROLES_MAX_BYTES {
            return Err("roles_limit");
        }
        Ok(())
    }

    /// Mattermost's `UpdateMentionKeysFromUsername`: the old username (with or without `@`) leaves
    /// the mention keys; what remains is stored behind a leading comma, as Mattermost stores it.
    fn drop_mention_key(&mut self, old: &str) {
        let at_old = format!("@{old}");
        let keys = match self.notify_props.get("mention_keys") {
            Some(Value::String(k)) => k.clone(),
            _ => String::new(),
        };
        let kept: Vec<&str> = keys
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty() && *k != old && *k != at_old)
            .collect();
        let value = if kept.is_empty() {
            String::new()
        } else {
            format!(",{}", kept.join(","))
        };
        self.notify_props
            .insert("mention_keys".into(), value.into());
    }
}

/// Mattermost's `SanitizeUnicode`: drops the characters the W3C lists as unsuitable for markup
/// (deprecated format characters, line and paragraph separators, BIDI embeddings, the byte
/// order mark, interlinear annotations, musical formatting and language tags).
pub fn sanitize_unicode(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(
                *c as u32,
                0x0340..=0x0341
                    | 0x17A3
                    | 0x17D3
                    | 0x2028..=0x2029
                    | 0x202A..=0x202E
                    | 0x206A..=0x206F
                    | 0xFEFF
                    | 0xFFF9..=0xFFFC
                    | 0x1D173..=0x1D17A
                    | 0xE0000..=0xE007F
            )
        })
        .collect()
}

/// Mattermost's `IsValidLocale`: empty, or at most 5 bytes that parse as a language tag. The
/// tag's shape is checked (a 2–3 letter language, then optionally a 2-letter or 3-digit region
/// after `-` or `_`); Go's parser also knows which codes exist.
pub fn is_valid_locale(locale: &str) -> bool {
    if locale.is_empty() {
        return true;
    }
    if locale.len() > 5 {
        return false;
    }
    let (lang, region) = match locale.split_once(['-', '_']) {
        Some((l, r)) => (l, Some(r)),
        None => (locale, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| {
        (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
            || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
    });
    lang_ok && region_ok
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

    fn alice() -> User {
        User {
            id: "x".into(),
            username: "alice".into(),
            email: "alice@example.com".into(),
            email_verified: true,
            locale: "en".into(),
            roles: "system_user".into(),
            notify_props: default_notify_props(),
            timezone: default_timezone(),
            ..Default::default()
        }
    }

    fn patch(v: Value) -> UserPatch {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let u = alice();
        let p = patch(serde_json::json!({
            "nickname": "Al\u{202e}", "first_name": "\u{feff}Alice", "position": null,
            "timezone": {"useAutomaticTimezone": "false", "manualTimezone": "Europe/Paris"},
            "password": "ignored"
        }));
        let after = u.patched(p, 7).unwrap();
        assert_eq!(after.nickname, "Al");
        assert_eq!(after.first_name, "Alice");
        assert_eq!(after.username, "alice");
        assert_eq!(after.email, "alice@example.com");
        assert!(after.email_verified);
        assert_eq!(after.update_at, 7);
        assert_eq!(after.timezone["manualTimezone"], "Europe/Paris");
        assert_eq!(after.timezone.get("automaticTimezone"), None);
        assert_eq!(after.notify_props, u.notify_props);
    }

    #[test]
    fn a_patch_normalizes_like_mattermost() {
        let mut u = alice();
        u.notify_props
            .insert("mention_keys".into(), "alice,@alice,Al,,x".into());
        let p = patch(serde_json::json!({"username": "Alicia", "email": "Alicia@Example.com"}));
        let after = u.patched(p, 1).unwrap();
        assert_eq!(after.username, "alicia");
        assert_eq!(after.email, "alicia@example.com");
        assert!(!after.email_verified);
        assert_eq!(after.notify_props["mention_keys"], ",al,x");
        let empty = u
            .patched(patch(serde_json::json!({"notify_props": {}})), 1)
            .unwrap();
        assert_eq!(empty.notify_props, default_notify_props());
    }

    #[test]
    fn a_patch_is_checked_field_by_field() {
        let u = alice();
        let bad = |v: Value| u.patched(patch(v), 1).unwrap_err().id();
        let id = |f: &str| format!("model.user.is_valid.{f}.app_error");
        assert_eq!(
            bad(serde_json::json!({"username": "9lives"})),
            id("username")
        );
        assert_eq!(bad(serde_json::json!({"email": "nope"})), id("email"));
        assert_eq!(
            bad(serde_json::json!({"nickname": "n".repeat(65)})),
            id("nickname")
        );
        assert_eq!(
            bad(serde_json::json!({"position": "p".repeat(129)})),
            id("position")
        );
        assert_eq!(
            bad(serde_json::json!({"first_name": "é".repeat(65)})),
            id("first_name")
        );
        assert_eq!(
            bad(serde_json::json!({"last_name": "l".repeat(65)})),
            id("last_name")
        );
        assert_eq!(bad(serde_json::json!({"locale": "english"})), id("locale"));
        let tz = serde_json::json!({"timezone": {"manualTimezone": "z".repeat(256)}});
        assert_eq!(bad(tz), id("timezone_limit"));
        assert!(u
            .patched(patch(serde_json::json!({"first_name": "é".repeat(64)})), 1)
            .is_ok());
        let decode = |v: Value| UserPatch::from_json(v).map(|p| p.nickname);
        assert_eq!(decode(Value::Null), Ok(None));
        assert_eq!(
            decode(serde_json::json!({"nickname": "n", "x": 1})),
            Ok(Some("n".into()))
        );
        for bad in [
            serde_json::json!([]),
            serde_json::json!("x"),
            serde_json::json!({"nickname": 5}),
            serde_json::json!({"props": {"a": 1}}),
            serde_json::json!({"timezone": []}),
        ] {
            assert!(decode(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn locales() {
        for ok in ["", "en", "pt-BR", "zh_CN", "fil", "es-419"] {
            assert_eq!(is_valid_locale(ok), ok.len() <= 5, "{ok}");
        }
        for bad in ["e", "en-", "english", "12", "en-U", "en-USA"] {
            assert!(!is_valid_locale(bad), "{bad}");
        }
    }
}
