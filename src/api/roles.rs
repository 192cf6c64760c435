//! Roles as objects (mattermost `api4/role.go`): the built-in roles of a fresh install with their
//! permission lists, from `permissions.rs`. Clients (the official web app) read them to decide
//! what to show: without `channel_user`'s `create_post` it shows no message box.

use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::session::Session;
use crate::permissions;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// At most this many names per call (Mattermost's limit).
const MAX_NAMES: usize = 100;

#[derive(Serialize)]
struct Role {
    id: String,
    name: String,
    display_name: String,
    description: String,
    create_at: i64,
    update_at: i64,
    delete_at: i64,
    permissions: Vec<&'static str>,
    scheme_managed: bool,
    built_in: bool,
}

/// A stable 26-character id per role name, in Mattermost's id alphabet.
fn role_id(name: &str) -> String {
    const ALPHABET: &[u8] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    let d = Sha256::digest(format!("perch-role:{name}"));
    d.iter()
        .take(26)
        .map(|b| ALPHABET[(*b as usize) % 32] as char)
        .collect()
}

fn role(name: &str) -> Option<Role> {
    let permissions = permissions::permissions_of_role(name)?;
    let scheme_managed = ["system_", "team_", "channel_"]
        .iter()
        .any(|p| name.starts_with(p))
        && ["user", "admin", "guest"]
            .iter()
            .any(|s| name.ends_with(&format!("_{s}")));
    Some(Role {
        id: role_id(name),
        name: name.to_string(),
        display_name: format!("authentication.roles.{name}.name"),
        description: format!("authentication.roles.{name}.description"),
        create_at: 0,
        update_at: 0,
        delete_at: 0,
        permissions,
        scheme_managed,
        built_in: true,
    })
}

/// A role name as Mattermost validates it: 1–64 of `[a-z0-9_]`.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `POST /api/v4/roles/names`: the known roles among the names given (unknown ones are left
/// out); a malformed name is a 400.
pub fn by_names(_ctx: &Ctx, _s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let names: Vec<String> = req.json("rolenames")?;
    if names.is_empty() || names.len() > MAX_NAMES {
        return Err(ApiError::invalid_body("rolenames"));
    }
    let mut out = Vec::new();
    for name in &names {
        if !valid_name(name) {
            return Err(ApiError::bad_request(
                "api.role.get_roles_by_name.invalid_role_name",
                format!("Invalid role name: {name}"),
            ));
        }
        if let Some(r) = role(name) {
            if !out.iter().any(|o: &Role| o.name == r.name) {
                out.push(r);
            }
        }
    }
    Ok(Resp::ok(&out))
}

/// `GET /api/v4/roles/name/{name}`.
pub fn by_name(_ctx: &Ctx, _s: &Session, name: &str) -> Result<Resp, ApiError> {
    role(name).map(|r| Resp::ok(&r)).ok_or_else(|| {
        ApiError::not_found(
            "store.sql_role.get_by_name.app_error",
            "Unable to get role.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_valid() {
        assert_eq!(role_id("channel_user"), role_id("channel_user"));
        assert_ne!(role_id("channel_user"), role_id("team_user"));
        assert!(crate::model::is_valid_id(&role_id("system_admin")));
    }

    #[test]
    fn the_roles_the_web_app_needs_carry_their_permissions() {
        let cu = role("channel_user").unwrap();
        assert!(cu.permissions.contains(&"create_post"));
        assert!(cu.permissions.contains(&"read_channel"));
        let tu = role("team_user").unwrap();
        for p in ["view_team", "list_team_channels", "join_public_channels"] {
            assert!(tu.permissions.contains(&p), "{p}");
        }
        let su = role("system_user").unwrap();
        assert!(su.permissions.contains(&"create_direct_channel"));
        let sa = role("system_admin").unwrap();
        assert!(sa.permissions.contains(&"manage_system"));
        assert!(sa.permissions.contains(&"create_post"));
        assert!(role("nobody_role").is_none());
    }
}
