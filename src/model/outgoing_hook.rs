//! The outgoing webhook object (`docs/spec/outgoing-webhooks.md` §1) with Mattermost's field rules,
//! and the delivery records Perch keeps for each callback (an extension: durable delivery and its
//! log).

use serde::{Deserialize, Deserializer, Serialize};

/// `trigger_when`: the first word equals a trigger word.
pub const TRIGGER_EXACT: i64 = 0;
/// `trigger_when`: the first word starts with a trigger word.
pub const TRIGGER_STARTS_WITH: i64 = 1;

/// An outgoing webhook as stored and as sent to the people who may manage it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OutgoingWebhook {
    pub id: String,
    /// Sent in every callback body so the receiver can check the source (26 chars).
    pub token: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// Owner; response posts are authored by this user.
    pub creator_id: String,
    /// Optional; if set, a public channel of `team_id` (or, with
    /// `PerchSettings.EnableOutgoingWebhooksInPrivateChannels`, a private one).
    pub channel_id: String,
    pub team_id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub trigger_words: Vec<String>,
    pub trigger_when: i64,
    #[serde(rename = "callback_urls", deserialize_with = "null_as_default")]
    pub callback_urls: Vec<String>,
    pub display_name: String,
    pub description: String,
    /// Exactly `application/json` → JSON callbacks; anything else → form-encoded.
    pub content_type: String,
    pub username: String,
    pub icon_url: String,
    /// Perch extension: the Standard Webhooks secret (`whsec_` + base64 of the signing key)
    /// the receiver verifies `webhook-signature` with. Output only; ignored on input.
    #[serde(skip_deserializing)]
    pub signing_secret: String,
    /// The raw signing key (32 random bytes, hex). Never serialized.
    #[serde(skip)]
    pub signing_key: String,
}

/// Go decodes `null` into an empty slice; serde would refuse it.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl OutgoingWebhook {
    /// Whether the callbacks are JSON (else form-encoded).
    pub fn is_json(&self) -> bool {
        self.content_type == "application/json"
    }

    /// The trigger word this hook matches for a message's first word, by Mattermost's rules:
    /// `Some("")` for a channel hook without trigger words, the first matching trigger word
    /// (list order, case-sensitive) otherwise, `None` when it does not fire.
    pub fn matches(&self, channel_id: &str, first_word: &str) -> Option<String> {
        if self.channel_id != channel_id && !self.channel_id.is_empty() {
            return None;
        }
        if self.channel_id == channel_id && self.trigger_words.is_empty() {
            return Some(String::new());
        }
        if first_word.is_empty() {
            return None;
        }
        let hit = match self.trigger_when {
            TRIGGER_EXACT => self.trigger_words.iter().find(|w| *w == first_word),
            TRIGGER_STARTS_WITH => self
                .trigger_words
                .iter()
                .find(|w| first_word.starts_with(w.as_str())),
            // Negative values are accepted by validation and never match (as in Mattermost).
            _ => None,
        };
        hit.cloned()
    }

    /// Mattermost's `OutgoingWebhook.IsValid` field rules (ids, lengths, URLs), as the error id
    /// to report. Lengths are in bytes, as Go's `len`.
    pub fn check_fields(&self) -> Result<(), &'static str> {
        if self.token.len() != 26 {
            return Err("model.outgoing_hook.is_valid.token.app_error");
        }
        if !super::is_valid_id(&self.creator_id) {
            return Err("model.outgoing_hook.is_valid.user_id.app_error");
        }
        if !self.channel_id.is_empty() && !super::is_valid_id(&self.channel_id) {
            return Err("model.outgoing_hook.is_valid.channel_id.app_error");
        }
        if !super::is_valid_id(&self.team_id) {
            return Err("model.outgoing_hook.is_valid.team_id.app_error");
        }
        if go_list(&self.trigger_words).len() > 1024 {
            return Err("model.outgoing_hook.is_valid.words.app_error");
        }
        if self.trigger_words.iter().any(String::is_empty) {
            return Err("model.outgoing_hook.is_valid.trigger_words.app_error");
        }
        if self.callback_urls.is_empty() || go_list(&self.callback_urls).len() > 1024 {
            return Err("model.outgoing_hook.is_valid.callback.app_error");
        }
        if !self.callback_urls.iter().all(|u| is_valid_http_url(u)) {
            return Err("model.outgoing_hook.is_valid.url.app_error");
        }
        if self.display_name.len() > 64 {
            return Err("model.outgoing_hook.is_valid.display_name.app_error");
        }
        if self.description.len() > 500 {
            return Err("model.outgoing_hook.is_valid.description.app_error");
        }
        if self.content_type.len() > 128 {
            return Err("model.outgoing_hook.is_valid.content_type.app_error");
        }
        // Mattermost reports an out-of-range trigger_when with the content type's id.
        if self.trigger_when > 1 {
            return Err("model.outgoing_hook.is_valid.content_type.app_error");
        }
        if self.username.len() > 64 {
            return Err("model.outgoing_hook.is_valid.username.app_error");
        }
        if self.icon_url.len() > 1024 {
            return Err("model.outgoing_hook.is_valid.icon_url.app_error");
        }
        Ok(())
    }

    /// Whether this hook and `other` overlap: same channel, a shared trigger word and a
    /// shared callback URL (Mattermost refuses a second such hook).
    pub fn overlaps(&self, other: &OutgoingWebhook) -> bool {
        self.channel_id == other.channel_id
            && self
                .trigger_words
                .iter()
                .any(|w| other.trigger_words.contains(w))
            && self
                .callback_urls
                .iter()
                .any(|u| other.callback_urls.contains(u))
    }
}

/// Go's `fmt.Sprintf("%s", []string{...})`: `[a b c]`.
fn go_list(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

/// Mattermost's `IsValidHTTPURL`: `http://` or `https://`, then a non-empty host, and nothing
/// a request URI may not contain.
pub fn is_valid_http_url(url: &str) -> bool {
    let rest = match url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    {
        Some(r) => r,
        None => return false,
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_once(']')
            .map_or("", |(h, _)| h.trim_start_matches('['))
    } else {
        host.split(':').next().unwrap_or("")
    };
    !host.is_empty()
}

/// Where a delivery stands.
pub mod state {
    /// Waiting for its first or next attempt.
    pub const PENDING: &str = "pending";
    /// The receiver answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// Final failure: a 4xx other than 429, a refused address, or attempts exhausted.
    pub const FAILED: &str = "failed";
    /// The hook was deleted before the delivery could be made.
    pub const CANCELLED: &str = "cancelled";
}

/// One callback to make: a (hook, post, URL) triple, recorded in the same transaction as the
/// post so that a restart does not lose it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivery {
    pub id: String,
    pub hook_id: String,
    pub post_id: String,
    pub url: String,
    /// The callback fields except `token` (added at send time from the hook), as JSON with
    /// `timestamp` in milliseconds.
    #[serde(skip)]
    pub payload: String,
    pub state: String,
    /// Attempts made so far.
    pub attempt_count: i64,
    pub next_attempt_at: i64,
    pub create_at: i64,
    pub update_at: i64,
    /// HTTP status of the last attempt (0 when there was no response).
    pub last_status: i64,
    pub last_error: String,
}

/// One attempt at a delivery, for the delivery log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attempt {
    #[serde(skip)]
    pub delivery_id: String,
    /// When the attempt started (ms).
    pub at: i64,
    pub url: String,
    /// HTTP status (0 when there was no response).
    pub status: i64,
    pub latency_ms: i64,
    pub error: String,
    /// The first bytes of the response body.
    pub response: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(words: &[&str], when: i64, channel: &str) -> OutgoingWebhook {
        OutgoingWebhook {
            trigger_words: words.iter().map(|w| w.to_string()).collect(),
            trigger_when: when,
            channel_id: channel.into(),
            ..Default::default()
        }
    }

    #[test]
    fn trigger_rules() {
        let h = hook(&["build", "deploy"], TRIGGER_EXACT, "");
        assert_eq!(h.matches("c1", "deploy"), Some("deploy".into()));
        assert_eq!(h.matches("c1", "Deploy"), None);
        assert_eq!(h.matches("c1", "deploying"), None);
        assert_eq!(h.matches("c1", ""), None);
        let h = hook(&["dep", "deploy"], TRIGGER_STARTS_WITH, "");
        assert_eq!(h.matches("c1", "deploying"), Some("dep".into()));
        assert_eq!(h.matches("c1", "xdeploy"), None);
        let h = hook(&[], TRIGGER_EXACT, "c1");
        assert_eq!(h.matches("c1", ""), Some(String::new()));
        assert_eq!(h.matches("c2", "x"), None);
        let h = hook(&["x"], -1, "");
        assert_eq!(h.matches("c1", "x"), None);
        let h = hook(&["x"], TRIGGER_EXACT, "c1");
        assert_eq!(h.matches("c1", "y"), None);
        assert_eq!(h.matches("c2", "x"), None);
    }

    #[test]
    fn urls() {
        assert!(is_valid_http_url("http://example.com"));
        assert!(is_valid_http_url("https://u:p@example.com:8080/x?y#z"));
        assert!(is_valid_http_url("http://[::1]:80/"));
        assert!(!is_valid_http_url("ftp://example.com"));
        assert!(!is_valid_http_url("http://"));
        assert!(!is_valid_http_url("http:///path"));
        assert!(!is_valid_http_url("http://exa mple.com"));
        assert!(!is_valid_http_url("example.com"));
    }

    #[test]
    fn lists_render_like_go() {
        assert_eq!(go_list(&["a".into(), "b".into()]), "[a b]");
        assert_eq!(go_list(&[]), "[]");
    }
}
