//! How a callback's answer becomes a post (`docs/spec/outgoing-webhooks.md` §5): JSON with `text`
//! or `attachments` is posted in the triggering post's channel (as a thread reply for
//! `response_type: "comment"`), authored by the hook's creator and marked `from_webhook`, like an
//! incoming-webhook post; anything else posts nothing. Response posts never fire outgoing
//! webhooks themselves (loop prevention).

use crate::app::App;
use crate::model::action::Source;
use crate::model::new_id;
use crate::model::outgoing_hook::OutgoingWebhook;
use crate::model::post::check_post_type;
use crate::model::post::NewPost;
use crate::outgoing::payload::Payload;
use crate::posting;
use crate::slack::{self, LinkRule};
use crate::store;
use crate::store::{Conn, Reader};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The answer's fields; unknown keys are ignored, `null` counts as absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Answer {
    text: Option<String>,
    username: Option<String>,
    icon_url: Option<String>,
    props: Option<Map<String, Value>>,
    attachments: Option<Vec<Value>>,
    #[serde(rename = "type")]
    kind: Option<String>,
    response_type: Option<String>,
    /// Perch extension: files the integration uploaded (as the hook's creator or one of the
    /// creator's bots) to attach to the answer's (last) post.
    file_ids: Option<Vec<String>>,
}

/// Posts what the answer asks for; failures are only logged, as in Mattermost.
pub fn handle(app: &App, db: &Reader, hook: &OutgoingWebhook, trigger: &Payload, body: &[u8]) {
    let posts = match build(app, db, hook, trigger, body) {
        Ok(p) => p,
        Err(why) => {
            log::info!("outgoing webhook {}: answer not posted: {why}", hook.id);
            return;
        }
    };
    if posts.is_empty() {
        return;
    }
    if let Err(e) = posting::create_many(app, db, posts) {
        log::warn!(
            "outgoing webhook {}: could not post the answer: {} {}",
            hook.id,
            e.id,
            e.cause.as_deref().unwrap_or(&e.message)
        );
    }
}

/// The posts an answer asks for (none for an empty body or JSON without `text` and
/// `attachments`), or why it cannot be posted.
fn build(
    app: &App,
    db: &Conn,
    hook: &OutgoingWebhook,
    trigger: &Payload,
    body: &[u8],
) -> Result<Vec<NewPost>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let answer: Answer =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let attachments: Vec<Value> = answer
        .attachments
        .unwrap_or_default()
        .into_iter()
        .filter(Value::is_object)
        .collect();
    // A `text` key, even `""`, makes a post (code-derived Mattermost behaviour); so do files.
    let has_files = answer.file_ids.as_ref().is_some_and(|f| !f.is_empty());
    if answer.text.is_none() && attachments.is_empty() && !has_files {
        return Ok(Vec::new());
    }
    let mut kind = answer.kind.unwrap_or_default();
    check_post_type(&kind).map_err(|(id, _)| format!("post type {kind:?}: {id}"))?;

    let mut props = Map::new();
    for (k, v) in answer.props.unwrap_or_default() {
        if !matches!(
            k.as_str(),
            "override_icon_url" | "override_username" | "from_webhook" | "attachments"
        ) {
            props.insert(k, v);
        }
    }
    props.insert("webhook_display_name".into(), json!(hook.display_name));
    props.insert("from_webhook".into(), json!("true"));
    let service = &app.config.service;
    let non_empty = |s: Option<String>| s.filter(|v| !v.is_empty());
    if service.enable_post_username_override {
        let name = non_empty(answer.username)
            .or_else(|| non_empty(Some(hook.username.clone())))
            .unwrap_or_else(|| "webhook".into());
        props.insert("override_username".into(), json!(name));
    }
    if service.enable_post_icon_override {
        if let Some(icon) =
            non_empty(answer.icon_url).or_else(|| non_empty(Some(hook.icon_url.clone())))
        {
            props.insert("override_icon_url".into(), json!(icon));
        }
    }
    let users = |id: &str| {
        store::users::find(db, id)
            .ok()
            .flatten()
            .map(|u| u.username)
    };
    let text = slack::translate_response_text(
        &answer.text.unwrap_or_default(),
        &users,
        LinkRule::TopLevel,
    );
    let attachments: Vec<Value> = attachments
        .into_iter()
        .map(|mut a| {
            slack::translate_response_attachment(&mut a, Some(&users));
            attachment(a)
        })
        .collect();
    if !attachments.is_empty() && kind.is_empty() {
        kind = "slack_attachment".into();
    }
    let root_id = if answer.response_type.as_deref() == Some("comment") {
        trigger.post_id.clone()
    } else {
        String::new()
    };
    let author = store::users::find(db, &hook.creator_id)
        .map_err(|e| e.to_string())?
        .ok_or("the hook's creator no longer exists")?;
    let parts = posting::split_message(&text);
    let last = parts.len().saturating_sub(1);
    let file_ids = answer.file_ids.unwrap_or_default();
    let file_creators = if file_ids.is_empty() {
        Vec::new()
    } else {
        crate::files::integration_creators(db, &hook.creator_id).map_err(|e| e.message)?
    };
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, message)| {
            let mut props = props.clone();
            if i == last && !attachments.is_empty() {
                props.insert("attachments".into(), Value::Array(attachments.clone()));
            }
            NewPost {
                channel_id: trigger.channel_id.clone(),
                user_id: author.id.clone(),
                author_is_bot: author.is_bot(),
                message,
                root_id: root_id.clone(),
                kind: kind.clone(),
                props,
                fire_outgoing_hooks: false,
                source: Source::OutgoingHook(hook.id.clone()),
                file_ids: if i == last {
                    file_ids.clone()
                } else {
                    Vec::new()
                },
                file_creators: file_creators.clone(),
                ..Default::default()
            }
        })
        .collect())
}

/// One attachment normalized as Mattermost stores it (`docs/spec/incoming-webhooks.md` §6.3): every
/// field present, `fields[].value` as strings, action ids filled in (the Slack text is translated
/// before).
fn attachment(a: Value) -> Value {
    let get = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let fields: Vec<Value> = a
        .get("fields")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter(|f| f.is_object())
                .map(|f| {
                    let value = match f.get("value") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    };
                    let short = match f.get("short") {
                        Some(Value::Bool(b)) => *b,
                        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                        _ => false,
                    };
                    json!({
                        "title": f.get("title").and_then(Value::as_str).unwrap_or(""),
                        "value": value,
                        "short": short,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({
        "id": a.get("id").and_then(Value::as_i64).unwrap_or(0),
        "fallback": get("fallback"),
        "color": get("color"),
        "pretext": get("pretext"),
        "author_name": get("author_name"),
        "author_link": get("author_link"),
        "author_icon": get("author_icon"),
        "title": get("title"),
        "title_link": get("title_link"),
        "text": get("text"),
        "fields": if fields.is_empty() { Value::Null } else { Value::Array(fields) },
        "image_url": get("image_url"),
        "thumb_url": get("thumb_url"),
        "footer": get("footer"),
        "footer_icon": get("footer_icon"),
        "ts": a.get("ts").cloned().unwrap_or(Value::Null),
    });
    let actions: Vec<Value> = a
        .get("actions")
        .and_then(Value::as_array)
        .map(|acts| {
            acts.iter()
                .filter(|x| x.is_object())
                .cloned()
                .map(|mut x| {
                    if x.get("id").and_then(Value::as_str).unwrap_or("").is_empty() {
                        x["id"] = json!(new_id());
                    }
                    x
                })
                .collect()
        })
        .unwrap_or_default();
    if !actions.is_empty() {
        out["actions"] = Value::Array(actions);
    }
    out
}
