//! Trigger ids: the credential an integration gets with a slash command or an action click
//! and hands back to open a dialog for that user. Mattermost's shape is kept —
//! `base64("<client id>:<user id>:<millis>:" + base64(signature))`, four `:`-separated parts
//! once decoded — signed with HMAC-SHA256 under a per-process key instead of ECDSA (only the
//! server that made a trigger id checks it). The user is inside the signed part, so a trigger id
//! opens dialogs for its user only; it expires after `OutgoingIntegrationRequestsTimeout`
//! seconds and may be used any number of times until then.

use crate::error::ApiError;
use crate::model::new_id;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8; 32]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts any key length"),
    }
}

/// A fresh (client id, trigger id) pair for `user_id` at `now_ms`. The client id is what the
/// client is answered; the trigger id goes to the integration.
pub fn sign(key: &[u8; 32], user_id: &str, now_ms: i64) -> (String, String) {
    let client_id = new_id();
    let data = format!("{client_id}:{user_id}:{now_ms}:");
    let mut m = mac(key);
    m.update(data.as_bytes());
    let sig = STANDARD.encode(m.finalize().into_bytes());
    (client_id, STANDARD.encode(format!("{data}{sig}")))
}

fn refused(id: &'static str, message: &str) -> ApiError {
    ApiError::bad_request(id, message)
}

/// Checks a trigger id at `now_ms`; returns (client id, user id). The errors are
/// Mattermost's, in its order: not base64, not four parts, expired, signature not base64,
/// signature of the wrong shape, signature not ours.
pub fn verify(
    key: &[u8; 32],
    trigger_id: &str,
    now_ms: i64,
    lifetime_ms: i64,
) -> Result<(String, String), ApiError> {
    let decoded = STANDARD.decode(trigger_id).map_err(|_| {
        refused(
            "interactive_message.decode_trigger_id.base64_decode_failed",
            "Failed to decode base64 for trigger ID for interactive dialog.",
        )
    })?;
    let text = String::from_utf8_lossy(&decoded);
    let parts: Vec<&str> = text.split(':').collect();
    let [client_id, user_id, millis, signature] = parts[..] else {
        return Err(refused(
            "interactive_message.decode_trigger_id.missing_data",
            "Trigger ID missing required data for interactive dialog.",
        ));
    };
    // As in Mattermost, an unreadable time counts as the epoch: expired.
    let at: i64 = millis.parse().unwrap_or(0);
    if now_ms - at > lifetime_ms {
        return Err(refused(
            "interactive_message.decode_trigger_id.expired",
            &format!(
                "Trigger ID for interactive dialog is expired. Maximum TTL is {}ms.",
                lifetime_ms
            ),
        ));
    }
    let sig = STANDARD.decode(signature).map_err(|_| {
        refused(
            "interactive_message.decode_trigger_id.base64_decode_failed_signature",
            "Failed to decode base64 for signature of trigger ID for interactive dialog.",
        )
    })?;
    if sig.len() != 32 {
        return Err(refused(
            "interactive_message.decode_trigger_id.signature_decode_failed",
            "Failed to decode signature of trigger ID for interactive dialog.",
        ));
    }
    let mut m = mac(key);
    m.update(format!("{client_id}:{user_id}:{millis}:").as_bytes());
    m.verify_slice(&sig).map_err(|_| {
        refused(
            "interactive_message.decode_trigger_id.verify_signature_failed",
            "Signature verification failed of trigger ID for interactive dialog.",
        )
    })?;
    Ok((client_id.to_string(), user_id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn err(t: &str, now: i64) -> String {
        verify(&KEY, t, now, 30_000).unwrap_err().id.to_string()
    }

    #[test]
    fn round_trip_and_lifetime() {
        let (client, t) = sign(&KEY, "user1", 1_000_000);
        assert_eq!(client.len(), 26);
        assert!(!t.contains(' '));
        let decoded = String::from_utf8(STANDARD.decode(&t).unwrap()).unwrap();
        assert_eq!(decoded.split(':').count(), 4);
        assert_eq!(
            verify(&KEY, &t, 1_029_999, 30_000).unwrap(),
            (client.clone(), "user1".to_string())
        );
        // Reusable until it expires.
        assert!(verify(&KEY, &t, 1_030_000, 30_000).is_ok());
        assert_eq!(
            err(&t, 1_030_001),
            "interactive_message.decode_trigger_id.expired"
        );
    }

    #[test]
    fn tampering_is_refused_in_mattermost_order() {
        let (client, t) = sign(&KEY, "alice", 5_000);
        assert_eq!(
            err("not base64!", 5_000),
            "interactive_message.decode_trigger_id.base64_decode_failed"
        );
        assert_eq!(
            err(&STANDARD.encode("a:b:c"), 5_000),
            "interactive_message.decode_trigger_id.missing_data"
        );
        assert_eq!(
            err(&STANDARD.encode("a:b:xyz:c"), 100_000),
            "interactive_message.decode_trigger_id.expired"
        );
        assert_eq!(
            err(&STANDARD.encode("a:b:5000:!!"), 5_000),
            "interactive_message.decode_trigger_id.base64_decode_failed_signature"
        );
        assert_eq!(
            err(&STANDARD.encode("a:b:5000:AAAA"), 5_000),
            "interactive_message.decode_trigger_id.signature_decode_failed"
        );
        // Another user's id with alice's signature.
        let decoded = String::from_utf8(STANDARD.decode(&t).unwrap()).unwrap();
        let forged = STANDARD.encode(decoded.replacen(":alice:", ":bob:", 1));
        assert_eq!(
            err(&forged, 5_000),
            "interactive_message.decode_trigger_id.verify_signature_failed"
        );
        // Another server's key.
        assert_eq!(
            verify(&[8; 32], &t, 5_000, 30_000).unwrap_err().id,
            "interactive_message.decode_trigger_id.verify_signature_failed"
        );
        assert_eq!(verify(&KEY, &t, 5_000, 30_000).unwrap().0, client);
    }
}
