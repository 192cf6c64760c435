//! Signature checks: whether a call proves it knows the hook's secret, by each source's scheme
//! ([`Check`], listed in its `Source`). Every comparison is constant-time.

use super::{source, Headers};
use crate::form::form_value;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;

/// Why [`verify_signature`] refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// The request carries no signature or credential that could be checked.
    Missing,
    /// It carries one, and none matched the secret.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Missing => f.write_str("webhook signature or token missing"),
            SignatureError::Mismatch => f.write_str("webhook signature or token does not match"),
        }
    }
}

impl std::error::Error for SignatureError {}

/// One way a call can prove it knows the secret. `run` gives `None` when the call carries no
/// such credential, else whether it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `sha256=<hex>` or `sha1=<hex>`: an HMAC of the body in this header.
    Prefixed(&'static str),
    /// As [`Check::Prefixed`], consulted only when the second header is absent (GitHub's
    /// legacy `X-Hub-Signature` next to `X-Hub-Signature-256`).
    PrefixedUnless(&'static str, &'static str),
    /// Bare hex HMAC-SHA256 of the body (a `sha256=` prefix is tolerated); blank is absent.
    BareHex(&'static str),
    /// The header's value is the secret itself (GitLab's `X-Gitlab-Token`).
    Secret(&'static str),
    /// Standard Webhooks: `webhook-signature: v1,<base64>` over `id.timestamp.body`.
    StandardWebhooks,
    /// Grafana's `X-Grafana-Alerting-Signature`, over the body or `<timestamp>:<body>`.
    Grafana,
    /// The token fallback: the `token` query parameter or an `Authorization` header.
    Token,
}

impl Check {
    fn run(self, headers: &Headers, body: &[u8], secret: &str, query: &str) -> Option<bool> {
        let key = secret.as_bytes();
        match self {
            Check::Prefixed(h) => prefixed_hmac(headers.get(h), key, body),
            Check::PrefixedUnless(h, unless) => match headers.get(unless) {
                Some(_) => None,
                None => prefixed_hmac(headers.get(h), key, body),
            },
            Check::BareHex(h) => bare_hex_hmac(headers.get_nonempty(h), key, body),
            Check::Secret(h) => headers.get(h).map(|t| ct_eq(t.as_bytes(), key)),
            Check::StandardWebhooks => standard_webhook(headers, secret, body),
            Check::Grafana => grafana_signature(headers, key, body),
            Check::Token => token_fallback(headers, query, secret),
        }
    }
}

/// Checks that a request was sent by someone who knows the hook's `secret`.
///
/// `query` is the raw query string of the request URL (without `?`), used by the token
/// fallback below. The request passes when any credential it carries matches; it fails with
/// [`SignatureError::Mismatch`] when it carries some and none match, and with
/// [`SignatureError::Missing`] when it carries none. An empty `secret` never matches: callers
/// skip verification for hooks without a secret.
///
/// `scheme` is a source's name or alias (its `Source::signature` lists the checks), or anything
/// else (`slack`, `template`), which gets the token fallback only:
///
/// | source | checked |
/// | --- | --- |
/// | github | `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>` (legacy `X-Hub-Signature: sha1=` only when the former is absent) |
/// | gitlab | `X-Gitlab-Token` equal to the secret; or Standard Webhooks `webhook-signature: v1,<base64>` over `id.timestamp.body` (secret `whsec_<base64 key>`) |
/// | gitea | `X-Gitea-Signature` / `X-Forgejo-Signature` / `X-Gogs-Signature` bare hex, `X-Hub-Signature-256: sha256=`, or the token fallback (Gitea's free-form `Authorization`) |
/// | bitbucket | `X-Hub-Signature: sha256=<hex>` |
/// | jira | `X-Hub-Signature: sha256=<hex>`, or the token fallback (Server cannot sign) |
/// | redmine | `X-Redmine-Signature-256: sha256=<hex>` (native hooks), or the token fallback (plugin) |
/// | trac | `X-WebHook-Signature: sha1=<hex HMAC-SHA1>`, or the token fallback (Basic auth) |
/// | grafana | `X-Grafana-Alerting-Signature: <hex>` over the body, or over `<ts>:<body>` with `<ts>` from any `*Timestamp*` header; or the token fallback |
/// | jenkins, alertmanager, others | the token fallback only |
///
/// The token fallback accepts, compared with the secret: the `token` query parameter;
/// `Authorization: Bearer <secret>`; `Authorization: <secret>` (a free-form header value);
/// `Authorization: Basic` whose password, or whole `user:password`, is the secret.
///
/// No clock is read here, so Grafana's timestamp is not checked for freshness; the caller
/// may do so. Every comparison is constant-time.
pub fn verify_signature(
    scheme: &str,
    headers: &Headers,
    body: &[u8],
    secret: &str,
    query: &str,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let checks = source(scheme).map_or(&[Check::Token][..], |s| s.signature);
    let mut presented = false;
    for check in checks {
        match check.run(headers, body, secret, query) {
            Some(true) => return Ok(()),
            Some(false) => presented = true,
            None => {}
        }
    }
    if presented {
        Err(SignatureError::Mismatch)
    } else {
        Err(SignatureError::Missing)
    }
}

/// Constant-time equality of two byte strings, whatever their lengths: both sides are hashed
/// first, so the comparison time does not depend on where (or whether) they differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let da = Sha256::digest(a);
    let db = Sha256::digest(b);
    let diff = da
        .iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; an empty MAC
    // would simply never match.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `sha256=<hex>` or `sha1=<hex>`: `None` when the header is absent.
fn prefixed_hmac(header: Option<&str>, key: &[u8], body: &[u8]) -> Option<bool> {
    let value = header?.trim();
    let (algo, hex) = value.split_once('=').unwrap_or(("", value));
    let expected = match algo.to_ascii_lowercase().as_str() {
        "sha256" => hmac_sha256(key, &[body]),
        "sha1" => hmac_sha1(key, body),
        _ => return Some(false),
    };
    Some(hex_decode(hex).is_some_and(|given| ct_eq(&given, &expected)))
}

/// Bare lowercase hex HMAC-SHA256 (Gitea, Grafana).
fn bare_hex_hmac(header: Option<&str>, key: &[u8], body: &[u8]) -> Option<bool> {
    let hex = header?.trim();
    let hex = hex.strip_prefix("sha256=").unwrap_or(hex);
    let expected = hmac_sha256(key, &[body]);
    Some(hex_decode(hex).is_some_and(|given| ct_eq(&given, &expected)))
}

fn grafana_signature(headers: &Headers, key: &[u8], body: &[u8]) -> Option<bool> {
    let header = headers.get_nonempty("X-Grafana-Alerting-Signature")?;
    let hex = header.strip_prefix("sha256=").unwrap_or(header);
    let given = hex_decode(hex)?;
    if ct_eq(&given, &hmac_sha256(key, &[body])) {
        return Some(true);
    }
    // The timestamp header's name is configurable in Grafana; try every header that looks
    // like one.
    let matched = headers
        .0
        .iter()
        .filter(|(name, _)| name.to_ascii_lowercase().contains("timestamp"))
        .any(|(_, ts)| {
            let mac = hmac_sha256(key, &[ts.trim().as_bytes(), b":", body]);
            ct_eq(&given, &mac)
        });
    Some(matched)
}

/// GitLab's optional Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64> [v1,<base64> …]`).
fn standard_webhook(headers: &Headers, secret: &str, body: &[u8]) -> Option<bool> {
    let signatures = headers.get_nonempty("webhook-signature")?;
    let id = headers.get("webhook-id").unwrap_or("");
    let ts = headers.get("webhook-timestamp").unwrap_or("");
    let key = match secret.strip_prefix("whsec_") {
        Some(b64) => base64_decode(b64).unwrap_or_default(),
        None => secret.as_bytes().to_vec(),
    };
    let expected = hmac_sha256(
        &key,
        &[id.trim().as_bytes(), b".", ts.trim().as_bytes(), b".", body],
    );
    let matched = signatures.split_whitespace().any(|sig| {
        sig.strip_prefix("v1,")
            .and_then(base64_decode)
            .is_some_and(|given| ct_eq(&given, &expected))
    });
    Some(matched)
}

/// The `token` query parameter or an `Authorization` header compared with the secret.
fn token_fallback(headers: &Headers, query: &str, secret: &str) -> Option<bool> {
    let mut presented = false;
    if let Some(token) = form_value(query.trim_start_matches('?').as_bytes(), "token") {
        presented = true;
        if ct_eq(&token, secret.as_bytes()) {
            return Some(true);
        }
    }
    if let Some(auth) = headers.get_nonempty("Authorization") {
        presented = true;
        if authorization_matches(auth, secret) {
            return Some(true);
        }
    }
    presented.then_some(false)
}

fn authorization_matches(auth: &str, secret: &str) -> bool {
    let secret = secret.as_bytes();
    let (scheme, rest) = auth.split_once(' ').unwrap_or(("", auth));
    let rest = rest.trim();
    // Evaluate every candidate, so timing does not reveal which form was used.
    let whole = ct_eq(auth.as_bytes(), secret);
    let bearer = scheme.eq_ignore_ascii_case("bearer") & ct_eq(rest.as_bytes(), secret);
    let basic = scheme.eq_ignore_ascii_case("basic")
        && base64_decode(rest).is_some_and(|pair| {
            let password = match pair.iter().position(|&b| b == b':') {
                Some(i) => &pair[i + 1..],
                None => &pair[..],
            };
            ct_eq(password, secret) | ct_eq(&pair, secret)
        });
    whole | bearer | basic
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.trim()).ok()
}

/// Standard or URL-safe base64, padding optional (providers and users write either).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    use base64::{alphabet, Engine};
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
    let s = s.trim();
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fixture, hdrs, root};
    use super::*;
    use serde_json::Value;

    const SECRET: &str = "It's a Secret to Everybody";

    fn verify(
        source: &str,
        pairs: &[(&str, &str)],
        body: &[u8],
        secret: &str,
    ) -> Result<(), SignatureError> {
        verify_signature(source, &Headers(&hdrs(pairs)), body, secret, "")
    }

    /// Good signature passes; wrong secret and tampered body mismatch; no header is missing.
    fn check_scheme(source: &str, header: &str, value: &str, file: &str) {
        check_credential(source, header, value, file, true);
    }

    fn check_credential(source: &str, header: &str, value: &str, file: &str, signs_body: bool) {
        let body = fixture(file);
        assert_eq!(
            verify(source, &[(header, value)], &body, SECRET),
            Ok(()),
            "{source} good"
        );
        assert_eq!(
            verify(source, &[(header, value)], &body, "wrong secret"),
            Err(SignatureError::Mismatch),
            "{source} wrong secret"
        );
        if signs_body {
            let mut tampered = body.clone();
            tampered.push(b' ');
            assert_eq!(
                verify(source, &[(header, value)], &tampered, SECRET),
                Err(SignatureError::Mismatch),
                "{source} tampered body"
            );
        }
        assert_eq!(
            verify(
                source,
                &[("Content-Type", "application/json")],
                &body,
                SECRET
            ),
            Err(SignatureError::Missing),
            "{source} missing"
        );
    }

    // The expected MACs below were computed with openssl over the fixture files, e.g.
    // `openssl dgst -sha256 -hmac "$SECRET" -r < github/push.json`.

    #[test]
    fn github_signature() {
        check_scheme(
            "github",
            "X-Hub-Signature-256",
            "sha256=7a1a981aa74f9bc7a646b686d0ca21695f575185bc980d7803d7300495d2d590",
            "github/push.json",
        );
        // Legacy SHA-1 header alone is accepted…
        check_scheme(
            "github",
            "X-Hub-Signature",
            "sha1=4a5e000449616d9730ae6bde19667e4a2a47f1c4",
            "github/ping.json",
        );
        // …but ignored when the SHA-256 one is present (and wrong).
        let body = fixture("github/ping.json");
        let both = [
            (
                "X-Hub-Signature",
                "sha1=4a5e000449616d9730ae6bde19667e4a2a47f1c4",
            ),
            ("X-Hub-Signature-256", "sha256=00"),
        ];
        assert_eq!(
            verify("github", &both, &body, SECRET),
            Err(SignatureError::Mismatch)
        );
        // Upper-case hex is the same MAC.
        let upper = "sha256=0781A4C342E19BA538F4541868124C3FC6DEB4B56AE69A04A38E6CD5C188806A";
        assert_eq!(
            verify("github", &[("x-hub-signature-256", upper)], &body, SECRET),
            Ok(())
        );
    }

    #[test]
    fn gitea_signatures() {
        let hex = "caddbc80c90f000e6ff7189fb1b25f022735aa6afb5c6be01829fbac05cb9bc8";
        check_scheme("gitea", "X-Gitea-Signature", hex, "gitea/push.json");
        check_scheme("forgejo", "X-Forgejo-Signature", hex, "gitea/push.json");
        check_scheme("gitea", "X-Gogs-Signature", hex, "gitea/push.json");
        check_scheme(
            "gitea",
            "X-Hub-Signature-256",
            &format!("sha256={hex}"),
            "gitea/push.json",
        );
        // Gitea sends an empty X-Gitea-Signature when it has no secret: that is "missing".
        let body = fixture("gitea/push.json");
        assert_eq!(
            verify("gitea", &[("X-Gitea-Signature", "")], &body, SECRET),
            Err(SignatureError::Missing)
        );
        // Gitea ≥ 1.19 can send a free-form Authorization header instead.
        assert_eq!(
            verify("gitea", &[("Authorization", SECRET)], &body, SECRET),
            Ok(())
        );
    }

    #[test]
    fn bitbucket_jira_redmine_trac_signatures() {
        check_scheme(
            "bitbucket",
            "X-Hub-Signature",
            "sha256=e9d9ce13d47602fd2c0d0233b9ee1001090363d958a5f93bb0415f7464557420",
            "bitbucket/repo_push.json",
        );
        check_scheme(
            "jira",
            "X-Hub-Signature",
            "sha256=e29ccfff49a3c92e15b8d59ef65a31c76632d09bb75796e1a90f85644f8f7d0c",
            "jira/issue_created.json",
        );
        check_scheme(
            "redmine",
            "X-Redmine-Signature-256",
            "sha256=35af94aa3c32d7eca58e871cc7c05650189d2781ba0dc76d98d8eab4a722a6f0",
            "redmine/synthesized/native__issue_updated.json",
        );
        check_scheme(
            "trac",
            "X-WebHook-Signature",
            "sha1=26d0b02ea1d6cad455ff6acb7db57fda17a3af92",
            "trac/synthesized/ticket__created.json",
        );
    }

    #[test]
    fn trac_empty_key_signature_does_not_block_basic_auth() {
        // The plugin signs with an empty key when Trac has no secret; Basic auth still works.
        let body = fixture("trac/synthesized/ticket__created.json");
        let sidecar = root().join("trac/synthesized/ticket__created.headers.json");
        let sent: serde_json::Map<String, Value> =
            serde_json::from_slice(&std::fs::read(sidecar).unwrap()).unwrap();
        let sig = sent["X-WebHook-Signature"].as_str().unwrap();
        let basic = "Basic dHJhYzpJdCdzIGEgU2VjcmV0IHRvIEV2ZXJ5Ym9keQ=="; // trac:<SECRET>
        assert_eq!(
            verify("trac", &[("X-WebHook-Signature", sig)], &body, SECRET),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                "trac",
                &[("X-WebHook-Signature", sig), ("Authorization", basic)],
                &body,
                SECRET
            ),
            Ok(())
        );
    }

    #[test]
    fn grafana_signature_with_and_without_timestamp() {
        check_scheme(
            "grafana",
            "X-Grafana-Alerting-Signature",
            "556e0f673fd7571ed1ef3841f6879a8afd6615d570bfecda8a28f1d748d60527",
            "grafana/alert__firing.json",
        );
        let body = fixture("grafana/alert__firing.json");
        let with_ts = [
            (
                "X-Grafana-Alerting-Signature",
                "050041460435e5b8e4394e3eaea528d503c3cd820097a12ba674a9161d85cf76",
            ),
            ("X-Grafana-Alerting-Timestamp", "1718000000"),
        ];
        assert_eq!(verify("grafana", &with_ts, &body, SECRET), Ok(()));
        let other_ts = [with_ts[0], ("X-Grafana-Alerting-Timestamp", "1718000001")];
        assert_eq!(
            verify("grafana", &other_ts, &body, SECRET),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn gitlab_token_and_standard_webhooks() {
        let body = fixture("gitlab/push.json");
        // The token is a plain shared secret, not a MAC of the body.
        check_credential(
            "gitlab",
            "X-Gitlab-Token",
            SECRET,
            "gitlab/push.json",
            false,
        );
        assert_eq!(
            verify(
                "gitlab",
                &[("X-Gitlab-Token", "It's a Secret")],
                &body,
                SECRET
            ),
            Err(SignatureError::Mismatch)
        );
        // Standard Webhooks (computed with Python's hmac + base64).
        let key = "whsec_cGVyY2gtc3RhbmRhcmQtd2ViaG9va3Mta2V5IQ==";
        let signed = [
            ("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
            ("webhook-timestamp", "1718000000"),
            (
                "webhook-signature",
                "v1,bm90IHRoaXMgb25l v1,V6yeIzjVe/+i3v0f7v+fHxsglKLbXMsflhp51BGT9lQ=",
            ),
        ];
        assert_eq!(verify("gitlab", &signed, &body, key), Ok(()));
        assert_eq!(
            verify("gitlab", &signed, &body, "whsec_d3Jvbmc="),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn token_fallback_for_sources_without_signatures() {
        let body = fixture("jenkins/synthesized/build__finalized_success.json");
        for source in [
            "jenkins",
            "alertmanager",
            "redmine",
            "jira",
            "grafana",
            "trac",
        ] {
            let h = Headers(&[]);
            let ok = |q: &str| verify_signature(source, &h, &body, SECRET, q);
            assert_eq!(
                ok("token=It%27s+a+Secret+to+Everybody"),
                Ok(()),
                "{source} query"
            );
            assert_eq!(ok("a=1&token=It's%20a%20Secret%20to%20Everybody"), Ok(()));
            assert_eq!(ok("token=nope"), Err(SignatureError::Mismatch), "{source}");
            assert_eq!(ok(""), Err(SignatureError::Missing), "{source}");
            let auth = |v: &str| verify(source, &[("Authorization", v)], &body, SECRET);
            assert_eq!(
                auth("Bearer It's a Secret to Everybody"),
                Ok(()),
                "{source} bearer"
            );
            assert_eq!(
                auth("bearer It's a Secret to Everybody"),
                Ok(()),
                "{source} bearer"
            );
            // Basic jenkins:<SECRET>; the password is compared, the user name is free.
            assert_eq!(
                auth("Basic amVua2luczpJdCdzIGEgU2VjcmV0IHRvIEV2ZXJ5Ym9keQ=="),
                Ok(()),
                "{source} basic"
            );
            assert_eq!(auth("Bearer wrong"), Err(SignatureError::Mismatch));
            assert_eq!(auth("Basic !!!"), Err(SignatureError::Mismatch));
        }
        // Sources with a native scheme do not fall back to tokens.
        let h = Headers(&[]);
        for source in ["github", "bitbucket"] {
            assert_eq!(
                verify_signature(
                    source,
                    &h,
                    &body,
                    SECRET,
                    "token=It's a Secret to Everybody"
                ),
                Err(SignatureError::Missing)
            );
        }
        // An empty secret never verifies.
        assert_eq!(
            verify_signature("jenkins", &h, &body, "", "token="),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn ct_eq_compares_content() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn hex_and_base64_decoding() {
        assert_eq!(hex_decode("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex_decode("0g"), None);
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("a-_="), Some(vec![0x6b, 0xef]));
        assert_eq!(base64_decode("a b"), None);
    }
}
