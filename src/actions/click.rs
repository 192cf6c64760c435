//! `POST /api/v4/posts/{post_id}/actions/{action_id}`: a user clicks a button or picks a menu
//! entry. `prepare` runs on the HTTP worker (reads only: the cookie or the stored post, the
//! checks, the request for the integration, a trigger id); `Click::run` runs off the workers
//! (`http::off_worker`): it calls the integration, then writes the post's `update` and the
//! call-log row in one write — a failed update writes only the log row, and sends no
//! ephemeral answer — and after the commit publishes `post_edited` and the ephemeral answer.

use super::call::{self, integration_error};
use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::model::action::{
    find_action, retained, ActionAnswer, ActionRequest, ActionResponse, DoAction, PostUpdate,
    Source,
};
use crate::model::attachment;
use crate::model::channel::Channel;
use crate::model::post::{hashtags, Post, MAX_MESSAGE_RUNES};
use crate::model::session::Session;
use crate::model::{new_id, now_ms};
use crate::permissions;
use crate::posting;
use crate::slack::{self, LinkRule};
use crate::store;
use serde_json::{Map, Value};

/// A click checked on the worker, ready for the integration.
pub struct Click {
    request_id: String,
    source: Source,
    url: String,
    body: Vec<u8>,
    user_id: String,
    post_id: String,
    action_id: String,
    channel_id: String,
    root_id: String,
    /// The post is stored (not an ephemeral one known from its cookie), so `update` applies.
    stored: bool,
    /// The retained props the post has, copied onto the ephemeral answer.
    retain: Map<String, Value>,
    client_trigger_id: String,
}

fn post_not_found() -> ApiError {
    ApiError::not_found("app.post.get.app_error", "Unable to get the post.")
}

fn channel_not_found() -> ApiError {
    ApiError::not_found(
        "app.channel.get.existing.app_error",
        "Unable to find the existing channel.",
    )
}

fn denied() -> ApiError {
    ApiError::permissions("read_channel_content")
}

/// What the click acts on: the stored post, or the ephemeral post its cookie describes.
struct Target {
    channel: Channel,
    kind: String,
    data_source: String,
    url: String,
    context: Option<Map<String, Value>>,
    source: Source,
    root_id: String,
    retain: Map<String, Value>,
    stored: bool,
}

/// Checks a click by the caller and builds the integration's request. `post_id` is a valid
/// id; `action_id` matched the route's `[A-Za-z0-9]+`.
pub fn prepare(
    ctx: &Ctx,
    s: &Session,
    post_id: &str,
    action_id: &str,
    body: &[u8],
) -> Result<Click, ApiError> {
    let req = DoAction::from_body(body);
    let can_read = |ch: &Channel| permissions::has_channel(ctx.db, s, ch, "read_channel_content");
    let cookie = if req.cookie.is_empty() {
        None
    } else {
        let c = (ctx.app.interactive.cookies.open(&req.cookie))
            .ok_or_else(|| integration_error("the cookie cannot be read"))?;
        let ch = store::channels::find(ctx.db, &c.channel_id)?.ok_or_else(channel_not_found)?;
        if !can_read(&ch)? {
            return Err(denied());
        }
        Some((c, ch))
    };
    let post = store::posts::find(ctx.db, post_id)?;
    let post_channel = match &post {
        Some(p) => store::channels::find(ctx.db, &p.channel_id)?,
        None => None,
    };
    let target = match (post, cookie) {
        (Some(p), _) if p.delete_at == 0 => {
            // A stored post: any cookie is ignored, and the post's own channel decides (with a
            // cookie, Mattermost checks only the cookie's channel; Perch checks both).
            let channel = post_channel.ok_or_else(|| {
                ApiError::new(
                    500,
                    "app.channel.get_for_post.app_error",
                    "Unable to get the channel of the post.",
                )
            })?;
            if !can_read(&channel)? {
                return Err(denied());
            }
            let action = find_action(&p.props, action_id)
                .filter(|a| a.integration.is_some())
                .ok_or_else(|| {
                    ApiError::not_found(
                        "api.post.do_action.action_id.app_error",
                        "Unable to find the action.",
                    )
                })?;
            let integration = action.integration.unwrap_or_default();
            Target {
                channel,
                kind: action.kind,
                data_source: action.data_source,
                url: integration.url,
                context: integration.context,
                source: Source::decode(&integration.source),
                root_id: if p.root_id.is_empty() {
                    p.id.clone()
                } else {
                    p.root_id.clone()
                },
                retain: retained(&p.props).0,
                stored: true,
            }
        }
        (_, None) => {
            // Unknown (or deleted) post: whoever may not read its channel learns nothing.
            let allowed = match &post_channel {
                Some(ch) => can_read(ch)?,
                None => permissions::has_system(s, "read_channel_content"),
            };
            return Err(if allowed { post_not_found() } else { denied() });
        }
        (_, Some((c, channel))) => {
            let Some(integration) = c.integration else {
                return Err(integration_error("no integration in the action cookie"));
            };
            if c.post_id != post_id {
                return Err(integration_error("the cookie belongs to another post"));
            }
            Target {
                channel,
                kind: c.kind,
                data_source: c.data_source,
                url: integration.url,
                context: integration.context,
                source: Source::decode(&integration.source),
                root_id: c.root_post_id,
                retain: c.retain_props,
                stored: false,
            }
        }
    };
    let (team_id, team_domain) = if target.channel.team_id.is_empty() {
        (String::new(), String::new())
    } else {
        let team = store::teams::find(ctx.db, &target.channel.team_id)?.ok_or_else(|| {
            ApiError::not_found("app.team.get.find.app_error", "Unable to find the team.")
        })?;
        (team.id, team.name)
    };
    let mut context = target.context;
    let mut data_source = String::new();
    if target.kind == "select" && !req.selected_option.is_empty() {
        context
            .get_or_insert_with(Map::new)
            .insert("selected_option".into(), Value::String(req.selected_option));
        data_source = target.data_source;
    }
    let (client_trigger_id, trigger_id) = ctx
        .app
        .interactive
        .trigger_ids(s.user_id(), target.source.clone());
    let request = ActionRequest {
        user_id: s.user_id().to_string(),
        user_name: s.user.username.clone(),
        channel_id: target.channel.id.clone(),
        channel_name: target.channel.name.clone(),
        team_id,
        team_domain,
        post_id: post_id.to_string(),
        trigger_id,
        kind: target.kind,
        data_source,
        context,
    };
    let body = serde_json::to_vec(&request).map_err(ApiError::internal)?;
    Ok(Click {
        request_id: ctx.request_id.to_string(),
        source: target.source,
        url: target.url,
        body,
        user_id: s.user_id().to_string(),
        post_id: post_id.to_string(),
        action_id: action_id.to_string(),
        channel_id: target.channel.id,
        root_id: target.root_id,
        stored: target.stored,
        retain: target.retain,
        client_trigger_id,
    })
}

impl Click {
    /// Calls the integration and applies its answer; the API's answer.
    pub fn run(self, app: &App) -> Result<ActionAnswer, ApiError> {
        let attempt = call::post_json(app, &self.url, self.body);
        let mut row = call::log_row("action", &self.source, &self.user_id, &self.url, &attempt);
        row.channel_id = self.channel_id.clone();
        row.post_id = self.post_id.clone();
        row.action_id = self.action_id.clone();
        let (rid, aid) = (&self.request_id, &self.action_id);
        let decoded = match &attempt.failure {
            Some(why) => Err(integration_error(why.clone())),
            None if attempt.body.is_empty() => Ok(ActionResponse::default()),
            None => serde_json::from_slice::<ActionResponse>(&attempt.body)
                .map_err(|e| integration_error(format!("unreadable answer: {e}"))),
        };
        let answer = match decoded {
            Ok(a) => a,
            Err(e) => {
                log::info!("[{rid}] action {aid}: {}", e.detail);
                row.error_id = e.id.to_string();
                row.error = e.detail.clone();
                call::record(app, row);
                return Err(e);
            }
        };
        let update = answer.update.map(|u| Update {
            post_id: self.post_id.clone(),
            stored: self.stored,
            source: self.source.clone(),
            update: u,
        });
        let updated = app.store.write(move |c| {
            let updated = match update {
                Some(u) => u.apply(c).map(Some),
                None => Ok(None),
            };
            if let Err(e) = &updated {
                row.error_id = e.id.to_string();
                row.error = e.message.clone();
            }
            store::actions::insert_call(c, &row)?;
            Ok::<_, ApiError>(updated)
        })??;
        if let Some(p) = &updated {
            app.ws.publish(crate::ws::events::post_edited(p));
        }
        if !answer.ephemeral_text.is_empty() {
            let message = if answer.skip_slack_parsing {
                answer.ephemeral_text
            } else {
                slack::links(&answer.ephemeral_text, LinkRule::TopLevel)
            };
            let now = now_ms();
            let post = Post {
                id: new_id(),
                create_at: now,
                update_at: now,
                user_id: self.user_id.clone(),
                channel_id: self.channel_id,
                root_id: self.root_id,
                message,
                kind: "system_ephemeral".into(),
                props: self.retain,
                ..Default::default()
            };
            app.ws
                .publish(crate::ws::events::ephemeral(&post, &self.user_id));
        }
        Ok(ActionAnswer {
            status: "OK",
            trigger_id: self.client_trigger_id,
        })
    }
}

/// An answer's `update`, applied inside the write.
struct Update {
    post_id: String,
    stored: bool,
    source: Source,
    update: PostUpdate,
}

impl Update {
    /// Rewrites the stored post as Mattermost's post-action update does: the message is
    /// replaced (an update without one blanks it), `props` (when given) replace the old ones
    /// except the retained keys — and `from_bot`, which says who wrote the post — while pinning,
    /// reactions, files, author, channel, thread and type stay. Checks everything before it
    /// writes.
    fn apply(self, c: &store::Conn) -> Result<Post, ApiError> {
        if !self.stored {
            // An ephemeral post has no row to update.
            return Err(post_not_found());
        }
        let mut post = store::posts::find(c, &self.post_id)?
            .filter(|p| p.delete_at == 0)
            .ok_or_else(post_not_found)?;
        let archived =
            store::channels::find(c, &post.channel_id)?.is_none_or(|ch| ch.delete_at != 0);
        if archived {
            return Err(ApiError::bad_request(
                "api.post.update_post.can_not_update_post_in_deleted.error",
                "Can not update a post in a deleted channel.",
            ));
        }
        if post.kind.starts_with("system_") {
            return Err(ApiError::bad_request(
                "api.post.update_post.system_message.app_error",
                "Unable to update system message.",
            ));
        }
        let u = self.update;
        let len = u.message.chars().count();
        if len > MAX_MESSAGE_RUNES {
            return Err(posting::message_too_long(len));
        }
        let now = now_ms();
        if u.message != post.message {
            post.edit_at = now;
            post.hashtags = hashtags(&u.message);
            post.message = u.message;
        }
        if let Some(mut props) = u.props {
            attachment::normalize(&mut props, &self.source);
            let (retain, remove) = retained(&post.props);
            for k in remove {
                props.remove(&k);
            }
            props.extend(retain);
            if let Some(v) = post.props.get("from_bot") {
                props.insert("from_bot".into(), v.clone());
            }
            post.props = props;
        }
        post.update_at = now;
        store::posts::update(c, &post)?;
        Ok(post)
    }
}
