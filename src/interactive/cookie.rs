//! Cookies on ephemeral posts' actions. Ephemeral posts are not stored, so each of their
//! actions carries what a click needs (`model::action::Cookie`: the action's type, data
//! source and integration, the post, its channel and thread, the props an update keeps),
//! sealed with AES-256-GCM under a key kept in the database: `base64(nonce ‖ ciphertext)`, as
//! Mattermost sends it. Clients hand it back untouched; no one else can read or alter it.

use crate::model::action::{retained, Cookie, Integration};
use crate::model::attachment;
use crate::model::post::Post;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

/// The length of a GCM nonce.
const NONCE_LEN: usize = 12;

/// Seals and opens cookies with the server's key.
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// The cookie as clients receive it.
    pub fn seal(&self, c: &Cookie) -> String {
        let plain = serde_json::to_vec(c).unwrap_or_default();
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        match self.cipher.encrypt(&nonce, plain.as_slice()) {
            Ok(sealed) => {
                let mut out = nonce.to_vec();
                out.extend_from_slice(&sealed);
                STANDARD.encode(out)
            }
            // Only for plaintexts beyond GCM's 64 GiB limit.
            Err(_) => String::new(),
        }
    }

    /// The cookie a client sent back, or `None` if it is not one of ours (or was altered).
    pub fn open(&self, sealed: &str) -> Option<Cookie> {
        let raw = STANDARD.decode(sealed).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), body).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// Gives every action of an ephemeral post its cookie (the post's actions were normalized,
    /// so each has an id and a stamped integration).
    pub fn add_cookies(&self, post: &mut Post) {
        let (retain_props, remove_props) = retained(&post.props);
        let root_post_id = if post.root_id.is_empty() {
            post.id.clone()
        } else {
            post.root_id.clone()
        };
        let (post_id, channel_id) = (post.id.clone(), post.channel_id.clone());
        attachment::for_each_action(&mut post.props, |a| {
            let text = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let integration = a
                .get("integration")
                .and_then(|i| serde_json::from_value::<Integration>(i.clone()).ok());
            let cookie = Cookie {
                kind: text("type"),
                post_id: post_id.clone(),
                root_post_id: root_post_id.clone(),
                channel_id: channel_id.clone(),
                data_source: text("data_source"),
                integration,
                retain_props: retain_props.clone(),
                remove_props: remove_props.clone(),
            };
            a.insert("cookie".into(), Value::String(self.seal(&cookie)));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::action::Source;
    use serde_json::json;

    #[test]
    fn sealed_cookies_round_trip_and_resist_tampering() {
        let s = Sealer::new(&[3; 32]);
        let c = Cookie {
            kind: "button".into(),
            post_id: "p".into(),
            integration: Some(Integration {
                url: "http://secret.example/act".into(),
                context: None,
                source: "user:u".into(),
            }),
            ..Default::default()
        };
        let sealed = s.seal(&c);
        assert!(!sealed.contains("secret"));
        assert!(!String::from_utf8_lossy(&STANDARD.decode(&sealed).unwrap()).contains("secret"));
        assert_eq!(s.open(&sealed), Some(c.clone()));
        // Two seals of one cookie differ (fresh nonce).
        assert_ne!(s.seal(&c), sealed);
        let mut raw = STANDARD.decode(&sealed).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert_eq!(s.open(&STANDARD.encode(&raw)), None);
        assert_eq!(s.open("AAAA"), None);
        assert_eq!(s.open("not base64"), None);
        assert_eq!(Sealer::new(&[4; 32]).open(&sealed), None);
    }

    #[test]
    fn ephemeral_actions_get_cookies() {
        let s = Sealer::new(&[5; 32]);
        let mut props = json!({"from_webhook": "true", "attachments": [{"actions": [
            {"name": "Go", "type": "select", "data_source": "users", "integration": {"url": "http://x", "context": {"a": 1}}}
        ]}]})
        .as_object()
        .unwrap()
        .clone();
        attachment::normalize(&mut props, &Source::Command("c1".into()));
        let mut post = Post {
            id: "eph".into(),
            channel_id: "ch".into(),
            root_id: "root".into(),
            props,
            ..Default::default()
        };
        s.add_cookies(&mut post);
        let sealed = post.props["attachments"][0]["actions"][0]["cookie"]
            .as_str()
            .unwrap()
            .to_string();
        let c = s.open(&sealed).unwrap();
        assert_eq!(c.kind, "select");
        assert_eq!(c.data_source, "users");
        assert_eq!(
            (c.post_id.as_str(), c.root_post_id.as_str()),
            ("eph", "root")
        );
        assert_eq!(c.channel_id, "ch");
        assert_eq!(c.retain_props["from_webhook"], "true");
        assert_eq!(
            c.remove_props,
            vec!["override_username", "override_icon_url"]
        );
        let i = c.integration.unwrap();
        assert_eq!(i.url, "http://x");
        assert_eq!(i.source, "command:c1");
    }
}
