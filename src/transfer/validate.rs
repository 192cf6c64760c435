//! The field rules of Mattermost's bulk importer (`docs/spec/bulk-import.md` §3), line by line,
//! with its error ids. `perch import` checks every line with them before it writes anything,
//! and `perch export` checks every line it writes, so a file Perch makes is one Mattermost's
//! importer accepts. References between lines (a channel's team, a post's author) are checked
//! by the importer, which knows what came before.

use super::format::{BotLine, ChannelLine, DirectChannelLine, PostLine, Reply, TeamLine, UserLine};
use super::format::{Reaction, UserNotifyProps, EMAIL_INTERVALS};
use crate::model::post::MAX_MESSAGE_RUNES;
use crate::model::user::is_valid_username;
use serde_json::Value;

/// Why a line is refused: Mattermost's error id and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub id: String,
    pub detail: String,
}

impl Problem {
    pub fn new(id: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem {
            id: id.into(),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id, self.detail)
    }
}

type Check = Result<(), Problem>;

/// The largest `props` Mattermost stores, in runes of its JSON form.
pub const MAX_PROPS_RUNES: usize = 800_000;
/// Files per post.
pub const MAX_ATTACHMENTS: usize = 10;

fn runes(s: &str) -> usize {
    s.chars().count()
}

fn fail(id: &str, detail: impl Into<String>) -> Check {
    Err(Problem::new(id, detail))
}

/// A required string: present and not empty.
fn required<'a>(v: &'a Option<String>, id: &str, what: &str) -> Result<&'a str, Problem> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Problem::new(id, format!("{what} is missing"))),
    }
}

/// Team names: `^[a-z0-9]+([a-z\-0-9]+|(__)?)[a-z0-9]+$` after lower-casing.
fn is_team_name(name: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let plain = name.len() >= 2
        && name.chars().all(|c| alnum(c) || c == '-')
        && name.starts_with(alnum)
        && name.ends_with(alnum);
    let double = match name.split_once("__") {
        Some((a, b)) => {
            !a.is_empty() && !b.is_empty() && a.chars().all(alnum) && b.chars().all(alnum)
        }
        None => false,
    };
    plain || double
}

/// Words a team name may not start with.
const RESERVED_TEAM_WORDS: &[&str] = &[
    "admin",
    "api",
    "channel",
    "claim",
    "error",
    "files",
    "help",
    "landing",
    "login",
    "mfa",
    "oauth",
    "plug",
    "plugins",
    "post",
    "signup",
    "boards",
    "playbooks",
];

pub fn team(t: &TeamLine) -> Check {
    const P: &str = "app.import.validate_team_import_data.";
    let id = |s: &str| format!("{P}{s}.error");
    let name = required(&t.name, &id("name_missing"), "name")?.to_lowercase();
    if name.len() > 64 {
        return fail(&id("name_length"), format!("{name:?} is longer than 64"));
    }
    if RESERVED_TEAM_WORDS.iter().any(|w| name.starts_with(w)) {
        return fail(
            &id("name_reserved"),
            format!("{name:?} starts with a reserved word"),
        );
    }
    if !is_team_name(&name) {
        return fail(
            &id("name_characters"),
            format!("{name:?} has invalid characters"),
        );
    }
    let dn = required(&t.display_name, &id("display_name_missing"), "display_name")?;
    if runes(dn) > 64 {
        return fail(&id("display_name_length"), "display_name is longer than 64");
    }
    match required(&t.kind, &id("type_missing"), "type")? {
        "O" | "I" => {}
        other => return fail(&id("type_invalid"), format!("type {other:?} is not O or I")),
    }
    if t.description.as_deref().is_some_and(|d| d.len() > 255) {
        return fail(&id("description_length"), "description is longer than 255");
    }
    Ok(())
}

/// Channel names: `^[a-z0-9]+([a-z\-\_0-9]+|(__)?)[a-z0-9]*$` after lower-casing, and not the
/// shape of a direct or group channel's name.
fn check_channel_name(name: &str) -> Check {
    const P: &str = "app.import.validate_channel_import_data.";
    if name.len() > 64 {
        return fail(
            &format!("{P}name_length.error"),
            format!("{name:?} is longer than 64"),
        );
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !(name.starts_with(alnum) && name.chars().all(|c| alnum(c) || c == '-' || c == '_')) {
        return fail(
            &format!("{P}name_characters.error"),
            format!("{name:?} has invalid characters"),
        );
    }
    if crate::model::channel::check_channel_name(name)
        == Err("model.channel.is_valid.name.app_error")
    {
        return fail(
            "model.channel.is_valid.name.app_error",
            format!("{name:?} looks like a direct or group channel's name"),
        );
    }
    Ok(())
}

pub fn channel(c: &ChannelLine) -> Check {
    const P: &str = "app.import.validate_channel_import_data.";
    let id = |s: &str| format!("{P}{s}.error");
    required(&c.team, &id("team_missing"), "team")?;
    let name = required(&c.name, &id("name_missing"), "name")?.to_lowercase();
    check_channel_name(&name)?;
    if c.display_name.as_deref().is_some_and(|d| runes(d) > 64) {
        return fail(&id("display_name_length"), "display_name is longer than 64");
    }
    match required(&c.kind, &id("type_missing"), "type")? {
        "O" | "P" => {}
        other => return fail(&id("type_invalid"), format!("type {other:?} is not O or P")),
    }
    if c.header.as_deref().is_some_and(|h| runes(h) > 1024) {
        return fail(&id("header_length"), "header is longer than 1024");
    }
    if c.purpose.as_deref().is_some_and(|p| runes(p) > 250) {
        return fail(&id("purpose_length"), "purpose is longer than 250");
    }
    Ok(())
}

/// Mattermost's `IsValidUserRoles` (also used for team and channel member roles).
fn valid_roles(roles: &str) -> bool {
    roles.len() <= 256 && crate::permissions::is_valid_role_list(roles)
}

const AUTH_SERVICES: &[&str] = &[
    "",
    "email",
    "gitlab",
    "saml",
    "ldap",
    "google",
    "office365",
    "openid",
];

pub fn user(u: &UserLine) -> Check {
    const P: &str = "app.import.validate_user_import_data.";
    let id = |s: &str| format!("{P}{s}.error");
    let name = required(&u.username, &id("username_missing"), "username")?.to_lowercase();
    if !is_valid_username(&name) {
        return fail(
            &id("username_invalid"),
            format!("{name:?} is not a valid username"),
        );
    }
    let email = required(&u.email, &id("email_missing"), "email")?;
    if email.len() > 128 {
        return fail(&id("email_length"), "email is longer than 128");
    }
    if !crate::model::user::is_valid_email(&email.to_lowercase()) {
        return fail(
            "model.user.is_valid.email.app_error",
            format!("{email:?} is not an email address"),
        );
    }
    let service = u.auth_service.as_deref().unwrap_or("");
    let data = u.auth_data.as_deref().unwrap_or("");
    if !AUTH_SERVICES.contains(&service) {
        return fail(
            "app.import.validate_user_teams_import_data.invalid_auth_service.error",
            format!("auth_service {service:?} is unknown"),
        );
    }
    if service.is_empty() != data.is_empty() {
        return fail(
            &id("auth_data_and_service_dependency"),
            "auth_service and auth_data go together",
        );
    }
    if data.len() > 128 {
        return fail(&id("auth_data_length"), "auth_data is longer than 128");
    }
    if let Some(pw) = &u.password {
        if !data.is_empty() {
            return fail(
                &id("auth_data_and_password"),
                "auth_data and password exclude each other",
            );
        }
        if pw.is_empty() || pw.len() > 72 {
            return fail(&id("password_length"), "password must be 1 to 72 bytes");
        }
    }
    for (field, max, suffix) in [
        (&u.nickname, 64, "nickname_length"),
        (&u.first_name, 64, "first_name_length"),
        (&u.last_name, 64, "last_name_length"),
        (&u.position, 128, "position_length"),
    ] {
        if field.as_deref().is_some_and(|s| runes(s) > max) {
            return fail(&id(suffix), format!("longer than {max}"));
        }
    }
    let roles = u.roles.as_deref().unwrap_or("system_user");
    if !valid_roles(roles) {
        return fail(
            &id("roles_invalid"),
            format!("roles {roles:?} are not valid"),
        );
    }
    if u.locale.as_deref().is_some_and(|l| l.len() > 5) {
        return fail(
            "model.user.is_valid.locale.app_error",
            "locale is longer than 5",
        );
    }
    if let Some(path) = &u.profile_image {
        if !super::archive::is_safe_path(path) {
            return fail(&id("invalid_image_path"), format!("{path:?} leaves data/"));
        }
    }
    if let Some(n) = &u.notify_props {
        notify_props(n)?;
    }
    preferences(u)?;
    let guest = roles.split_whitespace().any(|r| r == "system_guest");
    for t in u.teams.iter().flatten() {
        user_team(t, guest)?;
    }
    Ok(())
}

fn user_team(t: &super::format::UserTeam, guest: bool) -> Check {
    const P: &str = "app.import.validate_user_teams_import_data.";
    required(&t.name, &format!("{P}team_name_missing.error"), "team name")?;
    let roles = t.roles.as_deref().unwrap_or("team_user");
    if !valid_roles(roles) {
        return fail(
            &format!("{P}invalid_roles.error"),
            format!("roles {roles:?}"),
        );
    }
    let team_guest = roles.split_whitespace().any(|r| r == "team_guest");
    if guest && !team_guest {
        return fail(
            "app.import.validate_user_import_data.system_guest_missing_team_guest_roles.error",
            "a guest needs team_guest in every team",
        );
    }
    if !guest && team_guest {
        return fail(
            "app.import.validate_user_import_data.team_guest_missing_system_guest_role.error",
            "team_guest needs system_guest",
        );
    }
    if let Some(theme) = &t.theme {
        let ok = serde_json::from_str::<Value>(theme).is_ok_and(|v| v.is_object());
        if !ok {
            return fail(
                &format!("{P}invalid_team_theme.error"),
                "theme is not a JSON object",
            );
        }
    }
    for c in t.channels.iter().flatten() {
        const C: &str = "app.import.validate_user_channels_import_data.";
        required(
            &c.name,
            &format!("{C}channel_name_missing.error"),
            "channel name",
        )?;
        let roles = c.roles.as_deref().unwrap_or("channel_user");
        if !valid_roles(roles) {
            return fail(
                &format!("{C}invalid_roles.error"),
                format!("roles {roles:?}"),
            );
        }
        let channel_guest = roles.split_whitespace().any(|r| r == "channel_guest");
        if guest && !channel_guest {
            return fail(
                "app.import.validate_user_import_data.system_guest_missing_channel_guest_roles.error",
                "a guest needs channel_guest in every channel",
            );
        }
        if !guest && channel_guest {
            return fail(
                "app.import.validate_user_import_data.channel_guest_missing_system_guest_role.error",
                "channel_guest needs system_guest",
            );
        }
        if let Some(n) = &c.notify_props {
            let levels = ["default", "all", "mention", "none"];
            for (v, suffix) in [(&n.desktop, "desktop"), (&n.mobile, "mobile")] {
                if v.as_deref().is_some_and(|v| !levels.contains(&v)) {
                    return fail(
                        &format!("{C}invalid_notify_props_{suffix}.error"),
                        format!("{suffix} must be one of {levels:?}"),
                    );
                }
            }
            if n.mark_unread
                .as_deref()
                .is_some_and(|v| v != "all" && v != "mention")
            {
                return fail(
                    &format!("{C}invalid_notify_props_mark_unread.error"),
                    "mark_unread must be all or mention",
                );
            }
        }
    }
    Ok(())
}

fn notify_props(n: &UserNotifyProps) -> Check {
    const P: &str = "app.import.validate_user_import_data.notify_props_";
    let bools = ["true", "false"];
    let levels = ["all", "mention", "none"];
    let checks: [(&Option<String>, &[&str], &str); 7] = [
        (&n.desktop, &levels, "desktop_invalid"),
        (&n.desktop_sound, &bools, "desktop_sound_invalid"),
        (&n.email, &bools, "email_invalid"),
        (&n.mobile, &levels, "mobile_invalid"),
        (
            &n.mobile_push_status,
            &["online", "away", "offline"],
            "mobile_push_status_invalid",
        ),
        (&n.channel, &bools, "channel_trigger_invalid"),
        (
            &n.comments,
            &["any", "root", "never"],
            "comments_trigger_invalid",
        ),
    ];
    for (value, allowed, suffix) in checks {
        if let Some(v) = value.as_deref() {
            if !allowed.contains(&v) {
                return fail(
                    &format!("{P}{suffix}.error"),
                    format!("{v:?} is not one of {allowed:?}"),
                );
            }
        }
    }
    Ok(())
}

/// The preference fields of a user line: strings, and the four Mattermost checks.
fn preferences(u: &UserLine) -> Check {
    const P: &str = "app.import.validate_user_import_data.";
    for (key, _, _) in super::format::USER_PREFERENCES {
        let Some(v) = u.other.get(*key) else {
            continue;
        };
        if v.is_null() {
            continue;
        }
        let Some(s) = v.as_str() else {
            return fail(
                "app.import.bulk_import.json_decode.error",
                format!("{key} must be a string"),
            );
        };
        let boolean = match *key {
            "feature_enabled_markdown_preview" => Some("advanced_props_feature_markdown_preview"),
            "formatting" => Some("advanced_props_formatting"),
            "show_unread_section" => Some("advanced_props_show_unread_section"),
            _ => None,
        };
        if let Some(suffix) = boolean {
            if s != "true" && s != "false" {
                return fail(
                    &format!("{P}{suffix}.error"),
                    format!("{key} must be \"true\" or \"false\""),
                );
            }
        }
        if *key == "email_interval" && !EMAIL_INTERVALS.iter().any(|(k, _)| *k == s) {
            return fail(
                &format!("{P}advanced_props_email_interval.error"),
                "email_interval must be immediately, fifteen or hour",
            );
        }
    }
    Ok(())
}

pub fn bot(b: &BotLine) -> Check {
    const P: &str = "app.import.validate_user_import_data.";
    let name = required(
        &b.username,
        &format!("{P}username_missing.error"),
        "username",
    )?;
    if !is_valid_username(&name.to_lowercase()) {
        return fail(
            &format!("{P}username_invalid.error"),
            format!("{name:?} is not a valid username"),
        );
    }
    let owner = required(
        &b.owner,
        "app.import.validate_bot_import_data.owner_missing.error",
        "owner",
    )?;
    let owner_ok = owner.len() <= 64
        && owner
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b".-_".contains(&c));
    if !owner_ok {
        return fail(
            &format!("{P}username_invalid.error"),
            format!("owner {owner:?} is not a valid username"),
        );
    }
    if b.display_name.as_deref().is_some_and(|d| runes(d) > 64) {
        return fail(
            &format!("{P}first_name_length.error"),
            "display_name is longer than 64",
        );
    }
    if b.description.as_deref().is_some_and(|d| runes(d) > 1024) {
        return fail(
            "model.bot.is_valid.description.app_error",
            "description is longer than 1024",
        );
    }
    Ok(())
}

/// Post types the importer takes: what a client may create, and system messages.
fn check_type(kind: Option<&str>) -> Check {
    let kind = kind.unwrap_or("");
    if kind.starts_with("system_") || crate::model::post::check_post_type(kind).is_ok() {
        return Ok(());
    }
    fail(
        "model.post.is_valid.type.app_error",
        format!("post type {kind:?} is not allowed"),
    )
}

fn props_size(props: &Option<serde_json::Map<String, Value>>) -> Check {
    if let Some(p) = props {
        let text = serde_json::to_string(p).unwrap_or_default();
        if text.len() > MAX_PROPS_RUNES && runes(&text) > MAX_PROPS_RUNES {
            return fail(
                "app.import.validate_post_import_data.props_too_large.error",
                "props are larger than 800000 characters",
            );
        }
    }
    Ok(())
}

fn attachments(list: &Option<Vec<super::format::Attachment>>) -> Check {
    let list = list.as_deref().unwrap_or(&[]);
    if list.len() > MAX_ATTACHMENTS {
        return fail(
            "model.post.is_valid.file_ids.app_error",
            "more than 10 attachments",
        );
    }
    for a in list {
        match a.path.as_deref() {
            Some(p) if !p.is_empty() && super::archive::is_safe_path(p) => {}
            other => {
                return fail(
                    "app.import.validate_attachment_import_data.invalid_path.error",
                    format!("attachment path {other:?} is missing or leaves data/"),
                )
            }
        }
    }
    Ok(())
}

/// Emoji names as reactions store them.
fn is_emoji_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'_')
}

fn reactions(list: &Option<Vec<Reaction>>, parent_at: i64) -> Check {
    const P: &str = "app.import.validate_reaction_import_data.";
    for r in list.iter().flatten() {
        required(&r.user, &format!("{P}user_missing.error"), "user")?;
        let name = required(
            &r.emoji_name,
            &format!("{P}emoji_name_missing.error"),
            "emoji_name",
        )?;
        if runes(name) > 64 {
            return fail(
                &format!("{P}emoji_name_length.error"),
                "emoji_name is longer than 64",
            );
        }
        if !is_emoji_name(name) {
            return fail(
                "model.reaction.is_valid.emoji_name.app_error",
                format!("{name:?}"),
            );
        }
        let at = r.create_at.ok_or_else(|| {
            Problem::new(
                format!("{P}create_at_missing.error"),
                "create_at is missing",
            )
        })?;
        if at == 0 {
            return fail(&format!("{P}create_at_zero.error"), "create_at is 0");
        }
        if at < parent_at {
            return fail(
                &format!("{P}create_at_before_parent.error"),
                "a reaction is older than its post",
            );
        }
    }
    Ok(())
}

fn reply(r: &Reply) -> Check {
    const P: &str = "app.import.validate_reply_import_data.";
    required(&r.user, &format!("{P}user_missing.error"), "user")?;
    let message = r
        .message
        .as_deref()
        .ok_or_else(|| Problem::new(format!("{P}message_missing.error"), "message is missing"))?;
    if runes(message) > MAX_MESSAGE_RUNES {
        return fail(
            &format!("{P}message_length.error"),
            "message is longer than 16383",
        );
    }
    let at = r.create_at.ok_or_else(|| {
        Problem::new(
            format!("{P}create_at_missing.error"),
            "create_at is missing",
        )
    })?;
    if at == 0 {
        return fail(&format!("{P}create_at_zero.error"), "create_at is 0");
    }
    check_type(r.kind.as_deref())?;
    props_size(&r.props)?;
    attachments(&r.attachments)?;
    reactions(&r.reactions, at)
}

/// A `post` line (`direct = false`) or a `direct_post` line.
pub fn post(p: &PostLine, direct: bool) -> Check {
    let prefix = if direct {
        "app.import.validate_direct_post_import_data."
    } else {
        "app.import.validate_post_import_data."
    };
    let id = |s: &str| format!("{prefix}{s}.error");
    if direct {
        let members = p.channel_members.as_deref().unwrap_or(&[]);
        if members.is_empty() {
            return fail(
                &id("channel_members_required"),
                "channel_members is missing",
            );
        }
        if members.len() < 2 {
            return fail(
                &id("channel_members_too_few"),
                "fewer than 2 channel_members",
            );
        }
        if members.len() > 8 {
            return fail(
                &id("channel_members_too_many"),
                "more than 8 channel_members",
            );
        }
        for f in p.flagged_by.iter().flatten() {
            if !members.iter().any(|m| m.eq_ignore_ascii_case(f)) {
                return fail(&id("unknown_flagger"), format!("{f:?} is not a member"));
            }
        }
    } else {
        required(&p.team, &id("team_missing"), "team")?;
        required(&p.channel, &id("channel_missing"), "channel")?;
    }
    required(&p.user, &id("user_missing"), "user")?;
    let message = p
        .message
        .as_deref()
        .ok_or_else(|| Problem::new(id("message_missing"), "message is missing"))?;
    if runes(message) > MAX_MESSAGE_RUNES {
        return fail(&id("message_length"), "message is longer than 16383");
    }
    let at = p
        .create_at
        .ok_or_else(|| Problem::new(id("create_at_missing"), "create_at is missing"))?;
    if at == 0 {
        return fail(&id("create_at_zero"), "create_at is 0");
    }
    check_type(p.kind.as_deref())?;
    props_size(&p.props)?;
    attachments(&p.attachments)?;
    reactions(&p.reactions, at)?;
    for f in p.thread_followers.iter().flatten() {
        if f.get("user")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return fail(
                "app.import.validate_thread_follower_data.user_missing.error",
                "a thread follower has no user",
            );
        }
    }
    for r in p.replies.iter().flatten() {
        reply(r)?;
    }
    Ok(())
}

/// A `direct_channel` line. `Ok(false)`: the line is skipped (too few or too many members is
/// not fatal in Mattermost either).
pub fn direct_channel(d: &DirectChannelLine) -> Result<bool, Problem> {
    const P: &str = "app.import.validate_direct_channel_import_data.";
    let Some(members) = d.member_names() else {
        return Err(Problem::new(
            format!("{P}members_required.error"),
            "members is missing",
        ));
    };
    if members.len() < 2 || members.len() > 8 {
        return Ok(false);
    }
    for f in d.favorited_by.iter().flatten() {
        if !members.iter().any(|m| m.eq_ignore_ascii_case(f)) {
            return Err(Problem::new(
                format!("{P}unknown_favoriter.error"),
                format!("{f:?} is not a member"),
            ));
        }
    }
    if d.header.as_deref().is_some_and(|h| runes(h) > 1024) {
        return Err(Problem::new(
            format!("{P}header_length.error"),
            "header is longer than 1024",
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team_named(name: &str) -> TeamLine {
        TeamLine {
            name: Some(name.into()),
            display_name: Some("T".into()),
            kind: Some("O".into()),
            ..Default::default()
        }
    }

    fn err_id(r: Check) -> String {
        r.unwrap_err().id
    }

    #[test]
    fn team_rules() {
        assert!(team(&team_named("acme")).is_ok());
        assert!(team(&team_named("a-b-c")).is_ok());
        assert!(team(&team_named("ab__cd")).is_ok());
        let t = |n: &str| err_id(team(&team_named(n)));
        assert!(t("a").ends_with("name_characters.error"));
        assert!(t("-ab").ends_with("name_characters.error"));
        assert!(t("a_b").ends_with("name_characters.error"));
        assert!(t("api-team").ends_with("name_reserved.error"));
        assert!(t(&"a".repeat(65)).ends_with("name_length.error"));
        let mut x = team_named("acme");
        x.kind = Some("P".into());
        assert_eq!(
            err_id(team(&x)),
            "app.import.validate_team_import_data.type_invalid.error"
        );
        x.kind = None;
        assert!(err_id(team(&x)).ends_with("type_missing.error"));
    }

    #[test]
    fn channel_rules() {
        let c = |n: &str| ChannelLine {
            team: Some("acme".into()),
            name: Some(n.into()),
            kind: Some("O".into()),
            ..Default::default()
        };
        assert!(channel(&c("town-square")).is_ok());
        assert!(channel(&c("a_")).is_ok());
        assert!(err_id(channel(&c("_a"))).ends_with("name_characters.error"));
        let gm = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            err_id(channel(&c(gm))),
            "model.channel.is_valid.name.app_error"
        );
        let mut x = c("ok");
        x.kind = Some("D".into());
        assert!(err_id(channel(&x)).ends_with("type_invalid.error"));
        x.kind = Some("P".into());
        x.purpose = Some("p".repeat(251));
        assert!(err_id(channel(&x)).ends_with("purpose_length.error"));
    }

    #[test]
    fn user_rules() {
        let ok = UserLine {
            username: Some("Alice".into()),
            email: Some("alice@example.com".into()),
            roles: Some("system_admin system_user".into()),
            ..Default::default()
        };
        assert!(user(&ok).is_ok(), "names are lower-cased first");
        let mut u = ok.clone();
        u.roles = Some("system_admin".into());
        assert!(err_id(user(&u)).ends_with("roles_invalid.error"));
        let mut u = ok.clone();
        u.username = Some("all".into());
        assert!(err_id(user(&u)).ends_with("username_invalid.error"));
        let mut u = ok.clone();
        u.auth_service = Some("gitlab".into());
        assert!(err_id(user(&u)).ends_with("auth_data_and_service_dependency.error"));
        let mut u = ok.clone();
        u.notify_props = Some(UserNotifyProps {
            comments: Some("sometimes".into()),
            ..Default::default()
        });
        assert!(err_id(user(&u)).ends_with("notify_props_comments_trigger_invalid.error"));
        let mut u = ok.clone();
        u.other.insert("formatting".into(), Value::from("True"));
        assert!(err_id(user(&u)).ends_with("advanced_props_formatting.error"));
        let mut u = ok;
        u.roles = Some("system_guest".into());
        u.teams = Some(vec![super::super::format::UserTeam {
            name: Some("acme".into()),
            roles: Some("team_user".into()),
            ..Default::default()
        }]);
        assert!(err_id(user(&u)).ends_with("system_guest_missing_team_guest_roles.error"));
    }

    #[test]
    fn post_rules() {
        let ok = PostLine {
            team: Some("acme".into()),
            channel: Some("town-square".into()),
            user: Some("alice".into()),
            message: Some(String::new()),
            create_at: Some(5),
            ..Default::default()
        };
        assert!(post(&ok, false).is_ok(), "an empty message is a message");
        let mut p = ok.clone();
        p.create_at = Some(0);
        assert_eq!(
            err_id(post(&p, false)),
            "app.import.validate_post_import_data.create_at_zero.error"
        );
        let mut p = ok.clone();
        p.message = Some("x".repeat(MAX_MESSAGE_RUNES + 1));
        assert!(err_id(post(&p, false)).ends_with("message_length.error"));
        let mut p = ok.clone();
        p.reactions = Some(vec![Reaction {
            user: Some("bob".into()),
            emoji_name: Some("+1".into()),
            create_at: Some(4),
        }]);
        assert!(err_id(post(&p, false)).ends_with("create_at_before_parent.error"));
        let mut p = ok.clone();
        p.attachments = Some(vec![super::super::format::Attachment {
            path: Some("../etc/passwd".into()),
        }]);
        assert!(err_id(post(&p, false)).ends_with("invalid_path.error"));
        let mut p = ok.clone();
        p.kind = Some("system_join_channel".into());
        assert!(post(&p, false).is_ok());
        p.kind = Some("weird".into());
        assert_eq!(
            err_id(post(&p, false)),
            "model.post.is_valid.type.app_error"
        );
        let mut d = ok;
        d.team = None;
        d.channel = None;
        d.channel_members = Some(vec!["alice".into()]);
        assert!(err_id(post(&d, true)).ends_with("channel_members_too_few.error"));
        d.channel_members = Some(vec!["alice".into(), "bob".into()]);
        d.flagged_by = Some(vec!["carol".into()]);
        assert!(err_id(post(&d, true)).ends_with("unknown_flagger.error"));
    }
}
