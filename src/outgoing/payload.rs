//! The callback request body (`docs/spec/outgoing-webhooks.md` §4: JSON or form-encoded) and its
//! Standard Webhooks signature headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! Signing: `webhook-signature` is `v1,` followed by the base64 of
//! HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"), where the key is the hook's own
//! 32 random bytes (not derived from `token`: the token travels in every body, so a key derived
//! from it would be only as secret as the bodies). Managers see the key as the hook's
//! `signing_secret`, `whsec_` + base64(key), the form Standard Webhooks libraries take.
//! `regen_token` replaces both the token and the key.

use crate::form::query_escape;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The callback fields, in Mattermost's JSON order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Payload {
    pub token: String,
    pub team_id: String,
    /// The team's name.
    pub team_domain: String,
    pub channel_id: String,
    /// The channel's URL name, not its display name.
    pub channel_name: String,
    /// The post's `create_at` in milliseconds (seconds in the form encoding).
    pub timestamp: i64,
    pub user_id: String,
    pub user_name: String,
    pub post_id: String,
    pub text: String,
    pub trigger_word: String,
    /// Comma-joined file ids, `""` when none.
    pub file_ids: String,
}

pub const JSON: &str = "application/json";
pub const FORM: &str = "application/x-www-form-urlencoded";

impl Payload {
    /// The body and its content type: JSON, or a form with Go's `url.Values.Encode` output
    /// (keys sorted, `timestamp` in seconds).
    pub fn encode(&self, json: bool) -> (&'static str, Vec<u8>) {
        if json {
            let body = serde_json::to_vec(self).unwrap_or_default();
            return (JSON, body);
        }
        let seconds = (self.timestamp / 1000).to_string();
        let fields: BTreeMap<&str, &str> = [
            ("token", self.token.as_str()),
            ("team_id", &self.team_id),
            ("team_domain", &self.team_domain),
            ("channel_id", &self.channel_id),
            ("channel_name", &self.channel_name),
            ("timestamp", &seconds),
            ("user_id", &self.user_id),
            ("user_name", &self.user_name),
            ("post_id", &self.post_id),
            ("text", &self.text),
            ("trigger_word", &self.trigger_word),
            ("file_ids", &self.file_ids),
        ]
        .into_iter()
        .collect();
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        (FORM, body.into_bytes())
    }
}

/// The `webhook-signature` header value for one attempt.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", base64(&mac.finalize().into_bytes()))
}

/// A new signing key: 32 random bytes, hex-encoded for storage.
pub fn new_signing_key() -> String {
    let mut key = [0u8; 32];
    crate::model::ids::fill_random(&mut key);
    hex::encode(key)
}

/// The stored hex key as bytes (empty if it is not hex, which never happens for keys we made).
pub fn key_bytes(hex: &str) -> Vec<u8> {
    hex::decode(hex).unwrap_or_default()
}

/// The secret a Standard Webhooks receiver is configured with: `whsec_` + base64(key).
pub fn signing_secret(hex: &str) -> String {
    format!("whsec_{}", base64(&key_bytes(hex)))
}

/// Standard base64 (RFC 4648 §4) with padding.
pub fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn standard_webhooks_reference_signature() {
        // The example of the Standard Webhooks specification (secret `whsec_MfKQ…`).
        let secret_b64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let key =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, secret_b64).unwrap();
        let sig = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn keys_round_trip() {
        let k = new_signing_key();
        assert_eq!(k.len(), 64);
        let bytes = key_bytes(&k);
        assert_eq!(bytes.len(), 32);
        assert_eq!(signing_secret(&k), format!("whsec_{}", base64(&bytes)));
        assert_ne!(new_signing_key(), k);
    }

    #[test]
    fn form_is_sorted_and_go_escaped() {
        let p = Payload {
            token: "tok".into(),
            text: "deploy now & then/ü".into(),
            timestamp: 1_700_000_123_456,
            ..Default::default()
        };
        let (ct, body) = p.encode(false);
        assert_eq!(ct, FORM);
        let body = String::from_utf8(body).unwrap();
        assert!(body.starts_with("channel_id=&channel_name=&file_ids=&post_id=&team_domain="));
        assert!(body.contains("&text=deploy+now+%26+then%2F%C3%BC&timestamp=1700000123&token=tok&"));
        let (ct, body) = p.encode(true);
        assert_eq!(ct, JSON);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["timestamp"], 1_700_000_123_456i64);
        assert_eq!(v["file_ids"], "");
    }
}
