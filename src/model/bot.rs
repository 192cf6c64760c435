//! The bot object and bot patch (`docs/spec/auth.md` §6), and the bot field rules.

use serde::{Deserialize, Serialize};

/// A bot as Mattermost sends it. `username` and `display_name` live on the bot's user row.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bot {
    pub user_id: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub owner_id: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_icon_update: i64,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// The body of `POST /bots` and `PUT /bots/{id}`: every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BotPatch {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
}

impl Bot {
    /// Applies a patch (the username is lower-cased, as user names are).
    pub fn patch(&mut self, p: &BotPatch) {
        if let Some(u) = &p.username {
            self.username = u.trim().to_lowercase();
        }
        if let Some(d) = &p.display_name {
            self.display_name = d.clone();
        }
        if let Some(d) = &p.description {
            self.description = d.clone();
        }
    }

    /// The email of a bot's user row: `<username>@localhost`.
    pub fn email(&self) -> String {
        format!("{}@localhost", self.username)
    }

    /// Mattermost's bot validation; returns the error id on failure. The display-name id
    /// really is `user_id` in Mattermost.
    pub fn check(&self) -> Result<(), &'static str> {
        if !super::user::is_valid_username(&self.username) {
            return Err("model.bot.is_valid.username.app_error");
        }
        if self.display_name.chars().count() > 64 {
            return Err("model.bot.is_valid.user_id.app_error");
        }
        if self.description.chars().count() > 1024 {
            return Err("model.bot.is_valid.description.app_error");
        }
        if self.owner_id.is_empty() || self.owner_id.len() > 190 {
            return Err("model.bot.is_valid.creator_id.app_error");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_json() {
        let mut b = Bot {
            owner_id: "o".into(),
            ..Default::default()
        };
        b.patch(&BotPatch {
            username: Some(" CI-Bot ".into()),
            ..Default::default()
        });
        assert_eq!(b.username, "ci-bot");
        assert_eq!(b.email(), "ci-bot@localhost");
        assert!(b.check().is_ok());
        b.display_name = "x".repeat(65);
        assert_eq!(b.check(), Err("model.bot.is_valid.user_id.app_error"));
        b.display_name.clear();
        b.description = "x".repeat(1025);
        assert_eq!(b.check(), Err("model.bot.is_valid.description.app_error"));
        b.description.clear();
        b.username = "all".into();
        assert_eq!(b.check(), Err("model.bot.is_valid.username.app_error"));
        let v = serde_json::to_value(&b).unwrap();
        assert!(v.get("display_name").is_none() && v.get("last_icon_update").is_none());
        assert_eq!(v["delete_at"], 0);
    }
}
