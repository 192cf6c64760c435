//! Interactive dialogs. `open`: an integration hands back a trigger id with a dialog; Perch
//! checks the trigger id (signed, for one user, short-lived) and sends that user an
//! `open_dialog` event. The dialog's problems (Mattermost's validation) are logged and shown
//! in the call log, not refused, as in Mattermost. `submit`: the user's client sends the filled
//! form; Perch checks the caller may read the channel and view the team, and `Submit::run`
//! (off the HTTP workers) posts it to the dialog's URL and relays the integration's answer
//! (field `errors`, a general `error`, or a follow-up `form`).

use super::call::{self, integration_error};
use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::model::action::Source;
use crate::model::dialog::{DialogSubmission, OpenDialog, OpenedDialog, SubmitAnswer};
use crate::model::session::Session;
use crate::permissions;
use crate::store;
use crate::ws::{Broadcast, Event};
use serde_json::json;

/// `POST /api/v4/actions/dialogs/open` (no session: the trigger id is the credential).
pub fn open(ctx: &Ctx, raw: &[u8]) -> Result<(), ApiError> {
    let body: OpenDialog = serde_json::from_slice(raw)
        .map_err(|e| ApiError::invalid_body("dialog").with_detail(e.to_string()))?;
    if body.url.is_empty() {
        return Err(ApiError::invalid_body("url"));
    }
    let app = ctx.app;
    let (client_id, user_id, source) = app.interactive.verify_trigger(&body.trigger_id)?;
    let problems = body.dialog.problems();
    if !problems.is_empty() {
        log::warn!(
            "[{}] interactive dialog {:?} is invalid (opened anyway): {}",
            ctx.request_id,
            body.dialog.callback_id,
            problems.join("; ")
        );
    }
    let opened = OpenedDialog {
        trigger_id: &client_id,
        url: &body.url,
        dialog: &body.dialog,
    };
    let dialog = serde_json::to_string(&opened).map_err(ApiError::internal)?;
    app.ws.publish(Event::new(
        "open_dialog",
        json!({ "dialog": dialog }),
        Broadcast::to_user(&user_id),
    ));
    app.interactive
        .dialog_opened(&user_id, &body.url, source.clone());
    let attempt = call::Attempt {
        status: 200,
        body: Vec::new(),
        latency_ms: 0,
        failure: None,
    };
    let mut row = call::log_row("dialog_open", &source, &user_id, &body.url, &attempt);
    row.note = problems.join("; ");
    call::record(app, row);
    Ok(())
}

/// A submission checked on the worker, ready for the dialog's URL.
pub struct Submit {
    request_id: String,
    url: String,
    body: Vec<u8>,
    source: Source,
    user_id: String,
    channel_id: String,
}

/// `POST /api/v4/actions/dialogs/submit`: the checks, in Mattermost's order.
pub fn prepare_submit(ctx: &Ctx, s: &Session, raw: &[u8]) -> Result<Submit, ApiError> {
    let mut sub: DialogSubmission = serde_json::from_slice(raw)
        .map_err(|e| ApiError::invalid_body("dialog").with_detail(e.to_string()))?;
    if sub.url.is_empty() {
        return Err(ApiError::invalid_body("url"));
    }
    sub.user_id = s.user_id().to_string();
    let channel = store::channels::find(ctx.db, &sub.channel_id)?.ok_or_else(|| {
        ApiError::not_found(
            "app.channel.get.existing.app_error",
            "Unable to find the existing channel.",
        )
    })?;
    if !permissions::has_channel(ctx.db, s, &channel, "read_channel_content")? {
        return Err(ApiError::permissions("read_channel_content"));
    }
    // A submission names its team; an empty one never passes (as in Mattermost).
    if sub.team_id.is_empty() || !permissions::has_team(ctx.db, s, &sub.team_id, "view_team")? {
        return Err(ApiError::permissions("view_team"));
    }
    let url = std::mem::take(&mut sub.url);
    if sub.kind != "refresh" {
        sub.kind = "dialog_submission".into();
    }
    let body = serde_json::to_vec(&sub).map_err(ApiError::internal)?;
    Ok(Submit {
        request_id: ctx.request_id.to_string(),
        source: ctx.app.interactive.dialog_source(s.user_id(), &url),
        url,
        body,
        user_id: s.user_id().to_string(),
        channel_id: channel.id,
    })
}

impl Submit {
    /// Posts the submission and relays the integration's answer.
    pub fn run(self, app: &App) -> Result<SubmitAnswer, ApiError> {
        let attempt = call::post_json(app, &self.url, self.body);
        let mut row = call::log_row(
            "dialog_submit",
            &self.source,
            &self.user_id,
            &self.url,
            &attempt,
        );
        row.channel_id = self.channel_id;
        let answer = match &attempt.failure {
            Some(why) => Err(integration_error(why.clone())),
            None => decode(&attempt.body),
        };
        match answer {
            Ok(a) => {
                call::record(app, row);
                Ok(a)
            }
            Err(e) => {
                log::info!(
                    "[{}] dialog submission to the integration: {} {}",
                    self.request_id,
                    e.id,
                    e.detail
                );
                row.error_id = e.id.to_string();
                if row.error.is_empty() {
                    row.error = e.detail.clone();
                }
                call::record(app, row);
                Err(e)
            }
        }
    }
}

/// The integration's answer: empty is `{}`; JSON that does not decode is a 500, an answer of
/// the wrong kind a 400 (Mattermost's ids). A follow-up form's own problems are only logged.
fn decode(body: &[u8]) -> Result<SubmitAnswer, ApiError> {
    if body.is_empty() {
        return Ok(SubmitAnswer::default());
    }
    let a: SubmitAnswer = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            500,
            "app.submit_interactive_dialog.decode_json_error",
            "Unable to decode the integration's answer to the dialog.",
        )
        .with_detail(e.to_string())
    })?;
    a.check().map_err(|why| {
        ApiError::bad_request(
            "app.submit_interactive_dialog.invalid_response",
            "The integration's answer to the dialog is invalid.",
        )
        .with_detail(why)
    })?;
    if let Some(problems) = a.form.as_ref().map(|f| f.problems()) {
        if !problems.is_empty() {
            log::warn!("follow-up dialog form is invalid: {}", problems.join("; "));
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(serde_json::to_string(&decode(b"").unwrap()).unwrap(), "{}");
        let a = decode(br#"{"errors": {"name": "taken"}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"errors":{"name":"taken"}}"#
        );
        assert_eq!(
            decode(b"<html>").unwrap_err().id,
            "app.submit_interactive_dialog.decode_json_error"
        );
        assert_eq!(decode(br#"{"errors": {"a": 1}}"#).unwrap_err().status, 500);
        assert_eq!(
            decode(br#"{"type": "bogus"}"#).unwrap_err().id,
            "app.submit_interactive_dialog.invalid_response"
        );
    }
}
