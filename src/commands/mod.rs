//! Slash commands (`docs/spec/slash-commands.md` §3–6): parsing `/trigger text`, resolving it to a
//! custom command of the team or a built-in, turning the `CommandResponse` into posts, and the
//! delayed-response URL (`POST /hooks/commands/{id}`). Everything runs in the calling HTTP
//! worker; only delayed `/echo` posts wait on the `commands-timer` thread.

pub mod builtin;
pub mod custom;
pub mod timer;

use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::model::action::Source;
use crate::model::channel::Channel;
use crate::model::command::{CommandResponse, RESPONSE_EPHEMERAL, RESPONSE_IN_CHANNEL};
use crate::model::now_ms;
use crate::model::post::check_post_type;
use crate::model::post::NewPost;
use crate::model::session::Session;
use crate::posting;
use crate::slack::{self, LinkRule};
use crate::store::{self, Reader};
use serde_json::Value;

/// How long a response URL stays usable, and how often.
pub const RESPONSE_URL_LIFETIME_MS: i64 = 30 * 60 * 1000;
pub const RESPONSE_URL_USES: i64 = 5;

/// Splits `/Trigger the rest` into (`trigger`, `the rest`): the trigger ends at the first
/// whitespace character and is lower-cased without its `/`; the text is everything after that
/// one character (further spaces and newlines are kept).
pub fn parse(command: &str) -> (String, String) {
    let (head, text) = match command.char_indices().find(|(_, c)| c.is_whitespace()) {
        Some((i, c)) => (&command[..i], &command[i + c.len_utf8()..]),
        None => (command, ""),
    };
    let trigger = head.to_lowercase();
    let trigger = trigger.strip_prefix('/').unwrap_or(&trigger).to_string();
    (trigger, text.to_string())
}

/// What `execute` did: a built-in ran; a custom command's call is ready to be made.
pub enum Executed {
    Done(Box<CommandResponse>),
    Calling(Box<CustomCall>),
}

/// A custom command's call and what to do with its answer. Made off the HTTP worker (the
/// command's URL may take up to `OutgoingIntegrationRequestsTimeout` to answer).
pub struct CustomCall {
    prepared: custom::Prepared,
    client_trigger_id: String,
    target: Target,
}

impl CustomCall {
    /// Calls the command's URL, posts what it answered and returns the response.
    pub fn finish(self, app: &App) -> Result<CommandResponse, ApiError> {
        let mut resp = self.prepared.send(app)?;
        resp.trigger_id = self.client_trigger_id;
        let db = app.store.reader()?;
        handle_response(app, &db, &self.target, &mut resp)?;
        Ok(resp)
    }
}

/// Runs `command` in `channel` for the caller: a built-in returns its response after any
/// posts were made; a custom command returns its call, for `CustomCall::finish`. `team_id`
/// is the channel's team, or (DM/GM) the team the client named.
pub fn execute(
    ctx: &Ctx,
    s: &Session,
    channel: &Channel,
    team_id: &str,
    root_id: &str,
    command: &str,
) -> Result<Executed, ApiError> {
    let (trigger, text) = parse(command);
    if !ctx.app.config.service.enable_commands {
        return Err(disabled());
    }
    // Looking up the team's commands needs the team, before built-ins are tried (Mattermost
    // does the same, so a DM without a team_id cannot run built-ins either).
    let team = store::teams::find(ctx.db, team_id)?.ok_or_else(|| {
        ApiError::not_found("app.team.get.find.app_error", "Unable to find the team.")
    })?;
    let target = |username: &str, icon_url: &str, source: Source, owner: &str| Target {
        user_id: s.user_id().to_string(),
        author_is_bot: s.user.is_bot(),
        channel_id: channel.id.clone(),
        root_id: root_id.to_string(),
        username: username.to_string(),
        icon_url: icon_url.to_string(),
        builtin: source == Source::Unknown,
        trigger: trigger.clone(),
        fire_outgoing_hooks: true,
        source,
        command_owner: owner.to_string(),
    };
    if let Some(cmd) = store::commands::find_by_trigger(ctx.db, &team.id, &trigger)? {
        let source = Source::Command(cmd.id.clone());
        let (client_id, trigger_id) = ctx.app.interactive.trigger_ids(s.user_id(), source);
        let call = custom::Call {
            cmd: &cmd,
            team: &team,
            channel,
            root_id,
            trigger: &trigger,
            text: &text,
            trigger_id: &trigger_id,
        };
        return Ok(Executed::Calling(Box::new(CustomCall {
            prepared: custom::prepare(ctx, s, &call)?,
            client_trigger_id: client_id,
            target: target(
                &cmd.username,
                &cmd.icon_url,
                Source::Command(cmd.id.clone()),
                &cmd.creator_id,
            ),
        })));
    }
    if let Some(b) = builtin::find(&trigger) {
        let run = builtin::Run {
            ctx,
            s,
            channel,
            team: &team,
            root_id,
        };
        let mut resp = (b.run)(&run, &text)?;
        handle_response(
            ctx.app,
            ctx.db,
            &target("", "", Source::Unknown, ""),
            &mut resp,
        )?;
        return Ok(Executed::Done(Box::new(resp)));
    }
    let mut shown: String = trigger.chars().take(512).collect();
    if shown.len() < trigger.len() {
        shown.push_str("...");
    }
    Err(ApiError::not_found(
        "api.command.execute_command.not_found.app_error",
        format!(
            "No command with the trigger '{shown}' was found. To send a message that starts \
             with \"/\", begin it with a space."
        ),
    ))
}

/// `501 api.command.disabled.app_error`.
pub fn disabled() -> ApiError {
    ApiError::not_implemented(
        "api.command.disabled.app_error",
        "Slash commands are disabled on this server.",
    )
}

/// Where, as whom and with which overrides a command's responses are posted.
#[derive(Debug, Clone)]
pub struct Target {
    pub user_id: String,
    pub author_is_bot: bool,
    pub channel_id: String,
    pub root_id: String,
    /// The command's configured overrides (custom commands; empty for built-ins).
    pub username: String,
    pub icon_url: String,
    pub builtin: bool,
    /// For the error message.
    pub trigger: String,
    /// In-channel answers to `/commands/execute` fire outgoing webhooks; `response_url`
    /// answers do not (Mattermost's loop prevention).
    pub fire_outgoing_hooks: bool,
    /// The command, for the actions its answers carry (`Unknown` for built-ins).
    pub source: Source,
    /// The custom command's creator, whose (and whose bots') uploads an answer may attach
    /// (`file_ids`); empty for built-ins.
    pub command_owner: String,
}

/// Turns a response (and each of its `extra_responses`, in order) into posts: `in_channel`
/// becomes a real post as the invoking user, ephemeral text is only returned to the caller
/// (there is no WebSocket to push it on), anything else posts nothing. A failed post fails
/// the whole call with `500 create_post_failed`, after the others were tried.
pub fn handle_response(
    app: &App,
    db: &Reader,
    t: &Target,
    resp: &mut CommandResponse,
) -> Result<(), ApiError> {
    let all_types = std::iter::once(&*resp).chain(resp.extra_responses.iter().flatten());
    for r in all_types {
        if r.response_type == RESPONSE_IN_CHANNEL && r.kind.starts_with("system_") {
            return Err(ApiError::invalid_param("post.type"));
        }
    }
    let mut failed = None;
    let mut extras = resp.extra_responses.take();
    for r in std::iter::once(&mut *resp).chain(extras.iter_mut().flatten()) {
        if let Err(e) = post_response(app, db, t, r) {
            log::debug!("command response for /{} not posted: {}", t.trigger, e.id);
            failed = Some(e);
        }
    }
    resp.extra_responses = extras;
    match failed {
        None => Ok(()),
        Some(e) => Err(ApiError::new(
            500,
            "api.command.execute_command.create_post_failed.app_error",
            format!(
                "The command '{}' could not post its response. Please contact your System \
                 Administrator.",
                t.trigger
            ),
        )
        .with_detail(format!("{}: {}", e.id, e.message))),
    }
}

fn post_response(
    app: &App,
    db: &Reader,
    t: &Target,
    r: &mut CommandResponse,
) -> Result<(), ApiError> {
    let username_of = |id: &str| {
        store::users::find(db, id)
            .ok()
            .flatten()
            .map(|u| u.username)
    };
    let mut props = r.props.clone().unwrap_or_default();
    let mut channel_id = t.channel_id.clone();
    if !r.channel_id.is_empty() {
        if store::channels::find_member(db, &r.channel_id, &t.user_id)?.is_none() {
            return Err(ApiError::forbidden(
                "api.command.command_post.forbidden.app_error",
                "The invoking user is not a member of the response's channel.",
            ));
        }
        channel_id = r.channel_id.clone();
    }
    let service = &app.config.service;
    let mut from_webhook = !t.builtin;
    if service.enable_post_username_override {
        let name = if t.username.is_empty() {
            &r.username
        } else {
            &t.username
        };
        if !name.is_empty() {
            props.insert("override_username".into(), Value::from(name.as_str()));
            from_webhook = true;
        }
    }
    if service.enable_post_icon_override {
        let icon = if t.icon_url.is_empty() {
            &r.icon_url
        } else {
            &t.icon_url
        };
        props.insert("override_icon_url".into(), Value::from(icon.as_str()));
        if !icon.is_empty() {
            from_webhook = true;
        }
    }
    if from_webhook {
        props.insert("from_webhook".into(), Value::from("true"));
    }
    if !r.skip_slack_parsing {
        r.text = slack::translate_response_text(&r.text, &username_of, LinkRule::Attachment);
    }
    let in_channel = r.response_type == RESPONSE_IN_CHANNEL;
    let ephemeral = r.response_type.is_empty() || r.response_type == RESPONSE_EPHEMERAL;
    if !in_channel && !ephemeral {
        return Ok(());
    }
    if let Some(a) = r.attachments.as_mut() {
        a.retain(|v| !v.is_null());
        let users = (!r.skip_slack_parsing).then_some(&username_of as slack::UserLookup);
        for a in a.iter_mut() {
            slack::translate_response_attachment(a, users);
        }
    }
    if !in_channel {
        send_ephemeral(app, t, &channel_id, r, props);
        return Ok(());
    }
    let mut kind = r.kind.clone();
    if let Some(a) = r.attachments.as_ref().filter(|a| !a.is_empty()) {
        props.insert("attachments".into(), Value::Array(a.clone()));
        if kind.is_empty() {
            kind = "slack_attachment".into();
        }
    }
    if let Err((id, _)) = check_post_type(&kind) {
        return Err(ApiError::bad_request(id, "Invalid post type."));
    }
    posting::create(
        app,
        db,
        NewPost {
            channel_id,
            user_id: t.user_id.clone(),
            author_is_bot: t.author_is_bot,
            message: r.text.clone(),
            root_id: t.root_id.clone(),
            kind,
            props,
            fire_outgoing_hooks: t.fire_outgoing_hooks,
            source: t.source.clone(),
            file_ids: if t.command_owner.is_empty() {
                Vec::new()
            } else {
                r.file_ids.clone()
            },
            file_creators: crate::files::integration_creators(db, &t.command_owner)?,
            ..Default::default()
        },
    )?;
    Ok(())
}

/// An ephemeral answer goes to the invoking user's sockets only, never into the channel.
fn send_ephemeral(
    app: &App,
    t: &Target,
    channel_id: &str,
    r: &CommandResponse,
    mut props: serde_json::Map<String, Value>,
) {
    let attachments = r.attachments.as_ref().filter(|a| !a.is_empty());
    if r.text.is_empty() && attachments.is_none() {
        return;
    }
    if let Some(a) = attachments {
        props.insert("attachments".into(), Value::Array(a.clone()));
    }
    let now = now_ms();
    let mut post = crate::model::post::Post {
        id: crate::model::new_id(),
        create_at: now,
        update_at: now,
        user_id: t.user_id.clone(),
        channel_id: channel_id.to_string(),
        root_id: t.root_id.clone(),
        message: r.text.clone(),
        kind: "system_ephemeral".into(),
        props,
        ..Default::default()
    };
    let source = match &t.source {
        Source::Unknown => Source::User(t.user_id.clone()),
        s => s.clone(),
    };
    app.interactive.prepare_ephemeral(&mut post, &source);
    app.ws
        .publish(crate::ws::events::ephemeral(&post, &t.user_id));
}

/// Records a response URL for one invocation and returns the id that goes into the URL (only
/// its digest is stored).
pub fn create_response_url(
    app: &App,
    command_id: &str,
    user_id: &str,
    channel_id: &str,
    root_id: &str,
) -> Result<String, ApiError> {
    // The id is the credential in the response URL: fully random.
    let id = crate::model::new_token();
    let hook = store::commands::CommandWebhook {
        id_hash: crate::auth::digest(&id),
        create_at: now_ms(),
        command_id: command_id.to_string(),
        user_id: user_id.to_string(),
        channel_id: channel_id.to_string(),
        root_id: root_id.to_string(),
        use_count: 0,
    };
    app.store
        .write(move |c| store::commands::insert_webhook(c, &hook))?;
    Ok(id)
}

/// A delayed response to a custom command through its response URL (`POST
/// /hooks/commands/{id}`; `body` is a JSON `CommandResponse`, or any other body as its text),
/// posted as the invoking user in the original channel and thread. No session: the id is
/// the secret.
pub fn response_url(ctx: &Ctx, id: &str, media_type: &str, body: &[u8]) -> Result<(), ApiError> {
    let mut resp = CommandResponse::from_body(media_type, body).map_err(|e| {
        ApiError::bad_request(
            "web.command_webhook.parse.app_error",
            "Unable to parse the command response.",
        )
        .with_detail(e)
    })?;
    // Current servers wrap every failure in one outer id with the inner status.
    run_response_url(ctx, id, &mut resp).map_err(|inner| {
        let mut outer = ApiError::new(
            inner.status,
            "web.command_webhook.general.app_error",
            "The command response could not be handled.",
        )
        .with_detail(format!("{}: {}", inner.id, inner.message));
        outer.cause = inner.cause;
        outer
    })
}

fn run_response_url(ctx: &Ctx, id: &str, resp: &mut CommandResponse) -> Result<(), ApiError> {
    let hash = crate::auth::digest(id);
    let since = now_ms() - RESPONSE_URL_LIFETIME_MS;
    let hook = store::commands::find_webhook(ctx.db, &hash, since)?.ok_or_else(|| {
        ApiError::not_found(
            "app.command_webhook.get.missing",
            "The response URL is unknown or has expired.",
        )
    })?;
    let cmd = store::commands::find(ctx.db, &hook.command_id)?.ok_or_else(|| {
        ApiError::bad_request(
            "web.command_webhook.command.app_error",
            "The command of this response URL no longer exists.",
        )
    })?;
    let used = ctx
        .app
        .store
        .write(move |c| store::commands::try_use_webhook(c, &hash, RESPONSE_URL_USES))?;
    if !used {
        return Err(ApiError::bad_request(
            "app.command_webhook.try_use.invalid",
            "The response URL has been used the maximum number of times.",
        ));
    }
    let author_is_bot = store::users::find(ctx.db, &hook.user_id)?.is_some_and(|u| u.is_bot());
    let target = Target {
        user_id: hook.user_id,
        author_is_bot,
        channel_id: hook.channel_id,
        root_id: hook.root_id,
        username: cmd.username,
        icon_url: cmd.icon_url,
        builtin: false,
        trigger: cmd.trigger,
        fire_outgoing_hooks: false,
        source: Source::Command(cmd.id.clone()),
        command_owner: cmd.creator_id,
    };
    handle_response(ctx.app, ctx.db, &target, resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(parse("/Echo hi there"), ("echo".into(), "hi there".into()));
        assert_eq!(
            parse("/echo  two\nlines"),
            ("echo".into(), " two\nlines".into())
        );
        assert_eq!(parse("/away"), ("away".into(), String::new()));
        assert_eq!(parse("/x\ty"), ("x".into(), "y".into()));
        assert_eq!(parse("/x\u{3000}y"), ("x".into(), "y".into()));
    }
}
