//! Outgoing webhooks, what the post path needs of them: which hooks a new post fires (`plan`,
//! computed before the post's write so the deliveries are stored in the same transaction) and
//! the callback request with its Standard Webhooks signature (`payload`). The threads that
//! deliver and retry, and what becomes of a callback's answer, are `dispatcher`'s.

pub mod payload;

use crate::app::App;
use crate::error::ApiError;
use crate::model::channel::Channel;
use crate::model::outgoing_hook::{state, Delivery, OutgoingWebhook};
use crate::model::post::Post;
use crate::model::{new_id, now_ms};
use crate::store;
use crate::store::Conn;
use payload::Payload;

/// The deliveries a new post causes (`docs/spec/outgoing-webhooks.md` §3). Read-only: the caller
/// inserts the rows in the same write as the post. Only posts that may fire hooks get here (the
/// post path passes posts made by webhooks and their responses with firing off: loop prevention).
pub fn plan(
    app: &App,
    db: &Conn,
    channel: &Channel,
    post: &Post,
) -> Result<Vec<Delivery>, ApiError> {
    let config = &app.config;
    if !config.service.enable_outgoing_webhooks || post.kind == "burn_on_read" {
        return Ok(Vec::new());
    }
    let private = channel.kind == "P";
    let allowed = channel.kind == "O"
        || (private && config.perch.enable_outgoing_webhooks_in_private_channels);
    if !allowed || channel.team_id.is_empty() {
        return Ok(Vec::new());
    }
    // Every post asks: the team's hooks come from memory (`cache.rs`).
    let hooks = app
        .cached
        .team_outgoing_hooks(&app.store, db, &channel.team_id)?;
    if hooks.is_empty() {
        return Ok(Vec::new());
    }
    let first_word = post.message.split_whitespace().next().unwrap_or("");
    let mut fired: Vec<(&OutgoingWebhook, String)> = Vec::new();
    for hook in hooks.iter() {
        let Some(word) = hook.matches(&channel.id, first_word) else {
            continue;
        };
        // In a private channel only hooks bound to it fire, and only while their creator is
        // a member (the callback would otherwise leak what the creator cannot read).
        if private
            && (hook.channel_id != channel.id
                || store::channels::find_member(db, &channel.id, &hook.creator_id)?.is_none())
        {
            continue;
        }
        fired.push((hook, word));
    }
    if fired.is_empty() {
        return Ok(Vec::new());
    }
    let team_name = (app.cached.team(&app.store, db, &channel.team_id)?)
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let user_name = (app.cached.user(&app.store, db, &post.user_id)?)
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let now = now_ms();
    let mut out = Vec::new();
    for (hook, trigger_word) in fired {
        // The token is added at send time from the hook, so a regenerated token applies to
        // deliveries still pending.
        let fields = Payload {
            token: String::new(),
            team_id: channel.team_id.clone(),
            team_domain: team_name.clone(),
            channel_id: channel.id.clone(),
            channel_name: channel.name.clone(),
            timestamp: post.create_at,
            user_id: post.user_id.clone(),
            user_name: user_name.clone(),
            post_id: post.id.clone(),
            text: post.message.clone(),
            trigger_word,
            file_ids: post.file_ids.join(","),
        };
        let payload = serde_json::to_string(&fields).map_err(ApiError::internal)?;
        for url in &hook.callback_urls {
            out.push(Delivery {
                id: new_id(),
                hook_id: hook.id.clone(),
                post_id: post.id.clone(),
                url: url.clone(),
                payload: payload.clone(),
                state: state::PENDING.into(),
                next_attempt_at: now,
                create_at: now,
                update_at: now,
                ..Default::default()
            });
        }
    }
    Ok(out)
}
