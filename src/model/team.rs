//! Team and team-member objects (`docs/spec/teams-channels-posts.md` §1).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub display_name: String,
    pub name: String,
    pub description: String,
    pub email: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub company_name: String,
    pub allowed_domains: String,
    pub invite_id: String,
    pub allow_open_invite: bool,
    pub scheme_id: Option<String>,
    pub group_constrained: Option<bool>,
    pub policy_id: Option<String>,
    pub cloud_limits_archived: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TeamMember {
    pub team_id: String,
    pub user_id: String,
    pub roles: String,
    pub delete_at: i64,
    pub scheme_guest: bool,
    pub scheme_user: bool,
    pub scheme_admin: bool,
    pub explicit_roles: String,
}

impl TeamMember {
    /// Builds the wire form from the stored explicit roles (`team_user`, `team_admin`, extras).
    pub fn new(team_id: &str, user_id: &str, roles: &str, delete_at: i64) -> TeamMember {
        let has = |r: &str| roles.split_whitespace().any(|x| x == r);
        let explicit: Vec<&str> = roles
            .split_whitespace()
            .filter(|r| *r != "team_user" && *r != "team_admin" && *r != "team_guest")
            .collect();
        TeamMember {
            team_id: team_id.to_string(),
            user_id: user_id.to_string(),
            roles: roles.to_string(),
            delete_at,
            scheme_guest: has("team_guest"),
            scheme_user: has("team_user"),
            scheme_admin: has("team_admin"),
            explicit_roles: explicit.join(" "),
        }
    }
}

/// Names a team may not start with (a prefix test, as Mattermost does).
const RESERVED_TEAM_PREFIXES: &[&str] = &[
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

/// Validates a team URL name; returns the Mattermost error id on failure.
pub fn check_team_name(name: &str) -> Result<(), &'static str> {
    if name.len() > 64 {
        return Err("model.team.is_valid.url.app_error");
    }
    let b = name.as_bytes();
    let ok_char = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = b.len() >= 2
        && ok_char(b[0])
        && ok_char(b[b.len() - 1])
        && b.iter().all(|&c| ok_char(c) || c == b'-' || c == b'_')
        && (!name.contains('_') || name.contains("__"));
    if !valid {
        return Err("model.team.is_valid.characters.app_error");
    }
    if RESERVED_TEAM_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return Err("model.team.is_valid.reserved.app_error");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names() {
        assert!(check_team_name("acme").is_ok());
        assert!(check_team_name("my-team2").is_ok());
        assert_eq!(
            check_team_name("a"),
            Err("model.team.is_valid.characters.app_error")
        );
        assert_eq!(
            check_team_name("Acme"),
            Err("model.team.is_valid.characters.app_error")
        );
        assert_eq!(
            check_team_name("posters"),
            Err("model.team.is_valid.reserved.app_error")
        );
    }
}
