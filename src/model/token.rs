//! The personal access token object (`docs/spec/auth.md` §5).

use serde::Serialize;

/// A personal access token as Mattermost sends it. `token` (the secret) is present only in
/// the creation response; Perch stores nothing but its SHA-256 digest.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UserAccessToken {
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    pub user_id: String,
    pub description: String,
    pub is_active: bool,
}

/// Longest description Mattermost accepts.
pub const MAX_DESCRIPTION_LEN: usize = 255;
