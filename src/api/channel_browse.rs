//! Finding channels and living with them (mattermost `api4/channel.go`): searching a team's
//! channels and its archived ones, the archived list, searching one's group messages by
//! member, restoring an archived channel, and a member's notification settings (mute).

use super::channels::{channel_not_found, load};
use super::{id_param, user_id_param};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::now_ms;
use crate::model::session::Session;
use crate::permissions;
use crate::posting;
use crate::store;
use crate::ws;
use serde::Deserialize;
use serde_json::{Map, Value};

/// At most this many channels answer a team search (Mattermost's limit).
const SEARCH_LIMIT: usize = 100;
/// At most this many group channels answer a group search (`ChannelSearchDefaultLimit`).
const GROUP_SEARCH_LIMIT: usize = 50;

/// The body of the channel searches; Mattermost's `ChannelSearch` has more fields, which
/// these routes ignore.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelSearch {
    term: String,
}

/// The words of a search term, lower case.
fn words(term: &str) -> Vec<String> {
    term.split_whitespace().map(str::to_lowercase).collect()
}

/// Whether every word starts the channel's name, display name or purpose, or one of their
/// words (split at anything not a letter or digit): `dev` finds "Dev Ops", `ops` too.
fn channel_matches(ch: &Channel, words: &[String]) -> bool {
    let texts = [
        ch.name.to_lowercase(),
        ch.display_name.to_lowercase(),
        ch.purpose.to_lowercase(),
    ];
    words.iter().all(|w| {
        texts.iter().any(|t| {
            t.starts_with(w.as_str())
                || t.split(|c: char| !c.is_alphanumeric())
                    .any(|part| part.starts_with(w.as_str()))
        })
    })
}

/// The search's candidates for a caller who may list the team's channels; who may not (a
/// guest) searches only the channels they are a member of, and a non-member of the team is
/// told the membership is missing (404), as in Mattermost.
fn searchable(
    ctx: &Ctx,
    s: &Session,
    tid: &str,
    listed: impl FnOnce() -> Result<Vec<Channel>, ApiError>,
) -> Result<Vec<Channel>, ApiError> {
    if permissions::has_team(ctx.db, s, tid, "list_team_channels")? {
        return listed();
    }
    if store::teams::find_member(ctx.db, tid, s.user_id())?.is_none() {
        return Err(ApiError::not_found(
            "app.team.get_member.missing.app_error",
            "No team member found for that user ID and team ID.",
        ));
    }
    let mine = store::channels::list_for_member(ctx.db, s.user_id(), tid, false)?;
    Ok(mine.into_iter().filter(|c| c.team_id == tid).collect())
}

fn search_in(found: Vec<Channel>, term: &str) -> Resp {
    let w = words(term);
    let hits: Vec<Channel> = found
        .into_iter()
        .filter(|c| channel_matches(c, &w))
        .take(SEARCH_LIMIT)
        .collect();
    Resp::ok(&hits)
}

/// `POST /api/v4/teams/{team_id}/channels/search` `{term}`: the team's public channels (and,
/// with `ExperimentalViewArchivedChannels`, its archived public ones, as Mattermost does) whose
/// name, display name or purpose has a word starting with each word of the term, by display
/// name, at most 100. An empty term lists them all.
pub fn search_team(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let b: ChannelSearch = req.json("channel_search")?;
    let archived = ctx.app.config.team.experimental_view_archived_channels;
    let found = searchable(ctx, s, tid, || {
        Ok(store::channels::list_public_all(ctx.db, tid, archived)?)
    })?;
    Ok(search_in(found, &b.term))
}

/// `POST /api/v4/teams/{team_id}/channels/search_archived` `{term}`: the same search among the
/// team's archived channels the caller may see (public ones, private ones they belong to).
pub fn search_archived(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    let b: ChannelSearch = req.json("channel_search")?;
    let found = searchable(ctx, s, tid, || {
        Ok(store::channels::list_archived(
            ctx.db,
            tid,
            s.user_id(),
            0,
            -1,
        )?)
    })?;
    let found = found.into_iter().filter(|c| c.delete_at != 0).collect();
    Ok(search_in(found, &b.term))
}

/// `GET /api/v4/teams/{team_id}/channels/deleted?page&per_page`: a page of the team's
/// archived channels the caller may see (public ones, and private ones they are a member of),
/// by display name. Mattermost asks no team permission here; Perch asks `list_team_channels`,
/// as for the team's public channels.
pub fn list_archived(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "list_team_channels")?;
    let (page, per_page) = req.paging();
    Ok(Resp::ok(&store::channels::list_archived(
        ctx.db,
        tid,
        s.user_id(),
        page * per_page,
        per_page,
    )?))
}

/// `POST /api/v4/channels/group/search` `{term}`: the caller's group messages whose members'
/// usernames (joined by ", ") contain every word of the term, at most 50; an empty term finds
/// none (Mattermost's `SearchGroupChannels`).
pub fn search_groups(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    let b: ChannelSearch = req.json("channel_search")?;
    let w = words(&b.term);
    if w.is_empty() {
        return Ok(Resp::ok(&[(); 0]));
    }
    let groups = store::channels::list_groups_with_usernames(ctx.db, s.user_id())?;
    let hits: Vec<Channel> = groups
        .into_iter()
        .filter(|(_, names)| w.iter().all(|word| names.contains(word.as_str())))
        .map(|(c, _)| c)
        .take(GROUP_SEARCH_LIMIT)
        .collect();
    Ok(Resp::ok(&hits))
}

/// `POST /api/v4/channels/{channel_id}/restore`: unarchives a channel (`manage_team` on its
/// team; 400 when it is not archived). Mattermost's system message (`system_channel_restored`,
/// by the caller) is written with it; `channel_restored` tells the team. 200 + the channel.
/// The webhooks deleted with the archive stay deleted.
pub fn restore(ctx: &Ctx, s: &Session, cid: &str) -> Result<Resp, ApiError> {
    let mut ch = load(ctx, cid)?;
    permissions::require_team(ctx.db, s, &ch.team_id, "manage_team")?;
    if ch.delete_at == 0 {
        return Err(ApiError::bad_request(
            "api.channel.restore_channel.restored.app_error",
            "Unable to unarchive channel. The channel is not archived.",
        ));
    }
    ch.delete_at = 0;
    ch.update_at = now_ms();
    let post = super::channels::system_note(
        s,
        &ch.id,
        "system_channel_restored",
        format!("{} unarchived the channel.", s.user.username),
    );
    let (id, at) = (ch.id.clone(), ch.update_at);
    let written = posting::create_with(ctx.app, ctx.db, &ch, post, move |c| {
        if store::channels::restore(c, &id, at)? == 0 {
            return Err(ApiError::bad_request(
                "api.channel.restore_channel.restored.app_error",
                "Unable to unarchive channel. The channel is not archived.",
            ));
        }
        Ok(())
    })?;
    ctx.app.ws.publish(ws::events::channel_restored(&ch));
    written.fan_out(ctx.app);
    Ok(Resp::ok(&ch))
}

/// The notify props a member may set, each with its allowed values and the error id a bad
/// value gets (Mattermost's `ChannelMember.IsValid`).
const NOTIFY_PROPS: &[(&str, &[&str], &str)] = &[
    (
        "desktop",
        &["default", "all", "mention", "none"],
        "model.channel_member.is_valid.notify_level.app_error",
    ),
    (
        "push",
        &["default", "all", "mention", "none"],
        "model.channel_member.is_valid.push_level.app_error",
    ),
    (
        "email",
        &["default", "true", "false"],
        "model.channel_member.is_valid.email_value.app_error",
    ),
    (
        "mark_unread",
        &["all", "mention"],
        "model.channel_member.is_valid.unread_level.app_error",
    ),
    (
        "ignore_channel_mentions",
        &["default", "off", "on"],
        "model.channel_member.is_valid.ignore_channel_mentions_value.app_error",
    ),
];

/// `PUT /api/v4/channels/{channel_id}/members/{user_id}/notify_props`: body a map of strings;
/// the known keys given (`desktop`, `push`, `email`, `mark_unread`: `mention` mutes,
/// `ignore_channel_mentions`) replace the member's, the others stay. One's own, or anyone's with
/// `edit_other_users`; 404 for a non-member; `channel_member_updated` to the member.
pub fn update_notify_props(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    cid: &str,
    uid: &str,
) -> Result<Resp, ApiError> {
    let cid = id_param(cid, "channel_id")?.to_string();
    let uid = user_id_param(s, uid)?.to_string();
    let body: Map<String, Value> = req
        .json("notify_props")
        .map_err(|_| ApiError::invalid_param("notify_props"))?;
    if uid != s.user_id() && !permissions::has_system(s, "edit_other_users") {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let mut changes = Map::new();
    for (key, allowed, error_id) in NOTIFY_PROPS {
        match body.get(*key) {
            None => {}
            Some(Value::String(v)) if allowed.contains(&v.as_str()) => {
                changes.insert((*key).to_string(), Value::from(v.clone()));
            }
            Some(_) => return Err(ApiError::bad_request(*error_id, "Invalid notify props.")),
        }
    }
    if store::channels::find(ctx.db, &cid)?.is_none() {
        return Err(channel_not_found());
    }
    let missing = || {
        ApiError::not_found(
            "app.channel.get_member.missing.app_error",
            "No channel member found for that user ID and channel ID.",
        )
    };
    let member = ctx.app.store.write(move |c| {
        let Some(m) = store::channels::find_member(c, &cid, &uid)? else {
            return Err(missing());
        };
        let mut props = match m.notify_props {
            Value::Object(p) => p,
            _ => Map::new(),
        };
        props.extend(changes);
        store::channels::set_member_notify_props(c, &cid, &uid, &Value::Object(props), now_ms())?
            .ok_or_else(missing)
    })?;
    ctx.app
        .ws
        .publish(ws::events::channel_member_updated(&member));
    Ok(Resp::status_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_matches_word_starts_of_name_display_name_and_purpose() {
        let ch = Channel {
            name: "dev-ops".into(),
            display_name: "Dev Ops Team".into(),
            purpose: "Deploys and (on-call) pages".into(),
            ..Default::default()
        };
        let m = |t: &str| channel_matches(&ch, &words(t));
        assert!(m("dev"));
        assert!(m("OPS"));
        assert!(m("team dev"));
        assert!(m("call"));
        assert!(m(""));
        assert!(!m("evops"));
        assert!(!m("dev nothing"));
    }
}
