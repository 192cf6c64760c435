//! The user preference object (`{user_id, category, name, value}`), as Mattermost's
//! `/users/{id}/preferences` endpoints carry it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Preference {
    pub user_id: String,
    pub category: String,
    pub name: String,
    pub value: String,
}

impl Preference {
    /// Mattermost's `Preference.IsValid`; returns the error id.
    pub fn check(&self) -> Result<(), &'static str> {
        if !super::is_valid_id(&self.user_id) {
            return Err("model.preference.is_valid.id.app_error");
        }
        if self.category.is_empty() || self.category.chars().count() > 32 {
            return Err("model.preference.is_valid.category.app_error");
        }
        if self.name.chars().count() > 32 {
            return Err("model.preference.is_valid.name.app_error");
        }
        if self.value.chars().count() > 2000 {
            return Err("model.preference.is_valid.value.app_error");
        }
        Ok(())
    }
}
