//! Wire types with Mattermost's JSON names, plus ids and time. No I/O here.

pub mod action;
pub mod attachment;
pub mod bot;
pub mod channel;
pub mod command;
pub mod dialog;
pub mod ids;
pub mod incoming_hook;
pub mod outgoing_hook;
pub mod post;
pub mod preference;
pub mod session;
pub mod team;
pub mod token;
pub mod user;

pub use ids::{is_valid_id, new_id, new_token};

/// Milliseconds since the Unix epoch, as every Mattermost timestamp is.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
