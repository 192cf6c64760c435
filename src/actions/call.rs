//! The call Perch makes to an integration for a click or a dialog submission: a JSON POST
//! through `outbound` (the `AllowedUntrustedInternalConnections` rule, the configured
//! timeout, 1 MiB at most read back), and the call-log row that records it.

use crate::app::App;
use crate::error::ApiError;
use crate::model::action::{Call, Source};
use crate::model::{new_id, now_ms};
use crate::outbound::Request;

/// How much of an integration's answer the log keeps.
const LOGGED_RESPONSE_BYTES: usize = 2048;

/// What came of one call.
pub struct Attempt {
    /// The HTTP status; 0 when there was no answer.
    pub status: u16,
    pub body: Vec<u8>,
    pub latency_ms: i64,
    /// Why the call failed (no answer, or a status other than 200); `None` on a 200.
    pub failure: Option<String>,
}

/// POSTs `body` (JSON) to `url`. A URL relative to the server (`/plugins/…`) would be a
/// plugin's in Mattermost; Perch has no plugins and fails the call.
pub fn post_json(app: &App, url: &str, body: Vec<u8>) -> Attempt {
    let cleaned = url.trim_start_matches('/');
    if cleaned.starts_with("plugins/") {
        return Attempt {
            status: 0,
            body: Vec::new(),
            latency_ms: 0,
            failure: Some("plugin URLs are not supported: Perch has no plugins".into()),
        };
    }
    let started = std::time::Instant::now();
    let req = Request::post(url, "application/json", body).header("Accept", "application/json");
    match app.outbound.send(req) {
        Ok(resp) => Attempt {
            status: resp.status,
            latency_ms: resp.elapsed.as_millis() as i64,
            failure: (resp.status != 200).then(|| format!("status={}", resp.status)),
            body: resp.body,
        },
        Err(e) => Attempt {
            status: 0,
            body: Vec::new(),
            latency_ms: started.elapsed().as_millis() as i64,
            failure: Some(e.to_string()),
        },
    }
}

/// `400 api.post.do_action.action_integration.app_error`: the integration could not be
/// reached, refused, timed out, answered other than 200, or answered something unreadable.
pub fn integration_error(detail: impl Into<String>) -> ApiError {
    ApiError::bad_request(
        "api.post.do_action.action_integration.app_error",
        "Unable to complete the action: the integration failed.",
    )
    .with_detail(detail)
}

/// The log row of an attempt (the caller fills in the ids and the outcome).
pub fn log_row(kind: &str, source: &Source, user_id: &str, url: &str, a: &Attempt) -> Call {
    let mut end = a.body.len().min(LOGGED_RESPONSE_BYTES);
    let text = loop {
        match std::str::from_utf8(&a.body[..end]) {
            Ok(t) => break t.to_string(),
            Err(e) if e.error_len().is_none() => end = e.valid_up_to(),
            Err(_) => break String::from_utf8_lossy(&a.body[..end]).into_owned(),
        }
    };
    Call {
        id: new_id(),
        create_at: now_ms(),
        kind: kind.to_string(),
        source_kind: source.kind().to_string(),
        source_id: source.id().to_string(),
        user_id: user_id.to_string(),
        url: url.to_string(),
        status_code: i64::from(a.status),
        latency_ms: a.latency_ms,
        error: a.failure.clone().unwrap_or_default(),
        response: text,
        ..Default::default()
    }
}

/// Writes a log row on its own (a failed call has nothing else to write). A log that cannot
/// be written is logged, never the caller's error.
pub fn record(app: &App, row: Call) {
    if let Err(e) = app
        .store
        .write(move |c| crate::store::actions::insert_call(c, &row))
    {
        log::warn!("action call not logged: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_answers_are_cut_on_a_character_boundary() {
        let body = "é".repeat(LOGGED_RESPONSE_BYTES);
        let a = Attempt {
            status: 200,
            body: body.into_bytes(),
            latency_ms: 3,
            failure: None,
        };
        let row = log_row("action", &Source::User("u".into()), "u", "http://x", &a);
        assert_eq!(row.response.len(), LOGGED_RESPONSE_BYTES);
        assert!(row.response.chars().all(|c| c == 'é'));
        assert_eq!((row.source_kind.as_str(), row.status_code), ("user", 200));
    }
}
