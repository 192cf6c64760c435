//! `Session`: an authenticated caller, as `auth::authenticate` resolves it (a login session or
//! a personal access token, and its user).

use super::user::User;

/// An authenticated caller. Only `authenticate` makes one.
#[derive(Debug, Clone)]
pub struct Session {
    /// The login session's id, or the personal access token's id.
    pub id: String,
    pub user: User,
    /// Set when the caller used a personal access token.
    pub token_id: Option<String>,
    /// True when the token came from the `MMAUTHTOKEN` cookie.
    pub from_cookie: bool,
    pub csrf: String,
}

impl Session {
    pub fn user_id(&self) -> &str {
        &self.user.id
    }
    pub fn is_admin(&self) -> bool {
        self.user.has_role("system_admin")
    }
}
