//! Who receives an event, in Mattermost's order (`docs/spec/websocket.md` §3.2), and the parts of a
//! `posted` event that depend on the channel and the recipient (§3.4).
//!
//! Memberships are read live: a channel's (or team's) members are kept in memory while the
//! membership table's change counter is unchanged, and read again after any change, so an
//! event published after a removal committed never reaches the removed user.

use super::event_loop::Loop;
use crate::store::{self, Watched};
use crate::ws::event::{post_json, Encoded, Event};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Cached entries per kind before the cache starts over.
const MAX_CACHED: usize = 4096;

/// A channel's members: user id → username.
pub type Members = HashMap<String, String>;

/// Channel and team memberships, each with the change counters it was read under.
#[derive(Default)]
pub struct Audience {
    channels: HashMap<String, ((u64, u64), Arc<Members>)>,
    teams: HashMap<String, (u64, Arc<HashSet<String>>)>,
}

impl Loop {
    fn channel_members(&mut self, channel_id: &str) -> Option<Arc<Members>> {
        let st = &self.app.store;
        let generation = (
            st.generation(Watched::ChannelMembers),
            st.generation(Watched::Users),
        );
        if let Some((g, m)) = self.audience.channels.get(channel_id) {
            if *g == generation {
                return Some(m.clone());
            }
        }
        let members = match store::audience::channel_members(&self.db, channel_id) {
            Ok(rows) => Arc::new(rows.into_iter().collect::<Members>()),
            Err(e) => {
                log::error!("websocket: cannot read channel members: {e}");
                return None;
            }
        };
        let cache = &mut self.audience.channels;
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(channel_id.to_string(), (generation, members.clone()));
        Some(members)
    }

    fn team_members(&mut self, team_id: &str) -> Option<Arc<HashSet<String>>> {
        let generation = self.app.store.generation(Watched::TeamMembers);
        if let Some((g, m)) = self.audience.teams.get(team_id) {
            if *g == generation {
                return Some(m.clone());
            }
        }
        let members = match store::audience::team_member_ids(&self.db, team_id) {
            Ok(ids) => Arc::new(ids.into_iter().collect::<HashSet<_>>()),
            Err(e) => {
                log::error!("websocket: cannot read team members: {e}");
                return None;
            }
        };
        let cache = &mut self.audience.teams;
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(team_id.to_string(), (generation, members.clone()));
        Some(members)
    }

    /// Writes an event into the out buffer of every connection that may receive it.
    pub fn deliver(&mut self, event: &Event) {
        let encoded = if event.post.is_some() {
            match self.complete_posted(event) {
                Some(e) => e,
                None => return,
            }
        } else {
            Encoded::new(event, Vec::new())
        };
        let encoded = Arc::new(encoded);
        let b = &event.broadcast;
        // Candidate users, then the per-connection rules.
        let users: Vec<String> = if !b.connection_id.is_empty() {
            match self
                .by_id
                .get(&b.connection_id)
                .and_then(|&i| self.conns[i].as_ref())
            {
                Some(c) => c.user_id().map(str::to_string).into_iter().collect(),
                None => return,
            }
        } else if !b.user_id.is_empty() {
            vec![b.user_id.clone()]
        } else if !b.channel_id.is_empty() {
            let Some(members) = self.channel_members(&b.channel_id) else {
                return;
            };
            self.connected_among(members.keys(), |u| members.contains_key(u))
        } else if !b.team_id.is_empty() {
            let Some(members) = self.team_members(&b.team_id) else {
                return;
            };
            self.connected_among(members.iter(), |u| members.contains(u))
        } else {
            self.by_user.keys().cloned().collect()
        };
        let user_scoped = !b.user_id.is_empty() || !b.connection_id.is_empty();
        let mut targets = Vec::new();
        for user in &users {
            if !user_scoped && b.omit_users.iter().any(|o| o == user) {
                continue;
            }
            for &idx in self.by_user.get(user).map(Vec::as_slice).unwrap_or(&[]) {
                let Some(c) = self.conns[idx].as_ref() else {
                    continue;
                };
                let Some(auth) = c.auth.as_ref() else {
                    continue;
                };
                let skip = (b.sanitized && auth.is_admin)
                    || (b.sensitive && !auth.is_admin)
                    || (!b.connection_id.is_empty() && c.id != b.connection_id)
                    || (!b.omit_connection_id.is_empty() && c.id == b.omit_connection_id)
                    || c.closing.is_some()
                    || (encoded.droppable && c.backlog() > crate::ws::conn::HALF_OUT);
                if !skip {
                    targets.push(idx);
                }
            }
        }
        for idx in targets {
            self.push(idx, &encoded);
        }
    }

    /// The connected users among `members`, walking whichever side is smaller.
    fn connected_among<'a>(
        &self,
        members: impl ExactSizeIterator<Item = &'a String>,
        is_member: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        if members.len() < self.by_user.len() {
            members
                .filter(|u| self.by_user.contains_key(*u))
                .cloned()
                .collect()
        } else {
            self.by_user
                .keys()
                .filter(|u| is_member(u))
                .cloned()
                .collect()
        }
    }

    /// One event into one connection: its socket's buffer, or the parked queue of a
    /// disconnected resumable connection.
    fn push(&mut self, idx: usize, event: &Arc<Encoded>) {
        let Some(c) = self.conn(idx) else { return };
        if c.socket.is_none() {
            if c.parked.len() >= crate::ws::conn::PARKED {
                return self.remove(idx);
            }
            c.parked.push_back(event.clone());
            return;
        }
        if c.push_event(event) {
            self.mark_dirty(idx);
        } else {
            // A client that does not read: cut off (it reconnects and starts afresh).
            log::info!("websocket: closing a connection that stopped reading");
            self.remove(idx);
        }
    }

    /// `posted`'s data: channel name/type/team, sender name, the post as a JSON string, and
    /// who it mentions (each mentioned recipient gets its own `mentions`).
    fn complete_posted(&mut self, event: &Event) -> Option<Encoded> {
        let facts = event.post.as_ref()?;
        let post = &facts.post;
        let (app, db) = (&self.app, &self.db);
        let channel = match app.cached.channel(&app.store, db, &post.channel_id) {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(e) => {
                log::error!("websocket: cannot read a post's channel: {e}");
                return None;
            }
        };
        let author = app
            .cached
            .user(&app.store, db, &post.user_id)
            .ok()
            .flatten();
        let username = author
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let members = self.channel_members(&channel.id)?;
        let prop = |k: &str| post.props.get(k).and_then(Value::as_str).unwrap_or("");
        let from_webhook = prop("from_webhook") == "true";
        let sender_name = if from_webhook
            && !prop("override_username").is_empty()
            && self.app.config.service.enable_post_username_override
            && channel.kind != "D"
        {
            prop("override_username").to_string()
        } else if post.kind.starts_with("system_") {
            "System".to_string()
        } else {
            format!("@{username}")
        };
        let display = match channel.kind.as_str() {
            "D" => format!("@{username}"),
            "G" => {
                let mut names: Vec<&str> = members.values().map(String::as_str).collect();
                names.sort_unstable();
                names.join(", ")
            }
            _ => channel.display_name.clone(),
        };
        let mut data = serde_json::Map::new();
        data.insert("channel_display_name".into(), display.into());
        data.insert("channel_name".into(), channel.name.clone().into());
        data.insert("channel_type".into(), channel.kind.clone().into());
        data.insert("post".into(), post_json(post).into());
        data.insert("sender_name".into(), sender_name.into());
        data.insert("set_online".into(), facts.set_online.into());
        data.insert("team_id".into(), channel.team_id.clone().into());
        if !post.file_ids.is_empty() {
            data.insert("otherFile".into(), "true".into());
        }
        let mentioned = mentions(
            &post.message,
            &channel.kind,
            &post.user_id,
            from_webhook,
            &members,
        );
        let complete = Event {
            name: event.name,
            data,
            broadcast: event.broadcast.clone(),
            post: None,
        };
        Some(Encoded::new(&complete, mentioned))
    }
}

/// Who a post mentions (`model::mention`) among the channel's members. The author never
/// counts, except on webhook posts.
pub fn mentions(
    message: &str,
    kind: &str,
    author: &str,
    from_webhook: bool,
    members: &Members,
) -> Vec<String> {
    let written = crate::model::mention::written(message);
    let mut v: Vec<String> =
        if crate::model::mention::mentions_everyone_by_kind(kind) || written.everyone {
            members
                .keys()
                .filter(|u| u.as_str() != author)
                .cloned()
                .collect()
        } else {
            members
                .iter()
                .filter(|(id, name)| {
                    written.names.contains(name) && (id.as_str() != author || from_webhook)
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Members {
        [("a", "alice"), ("b", "bob"), ("c", "carol")]
            .into_iter()
            .map(|(i, n)| (i.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn mention_rules() {
        let m = members();
        assert_eq!(mentions("hi @bob.", "O", "a", false, &m), vec!["b"]);
        assert_eq!(
            mentions("hi @BOB and @carol,", "O", "a", false, &m),
            vec!["b", "c"]
        );
        assert!(mentions("mail bob@x.org", "O", "a", false, &m).is_empty());
        assert!(mentions("me @alice", "O", "a", false, &m).is_empty());
        assert_eq!(mentions("me @alice", "O", "a", true, &m), vec!["a"]);
        let mut all = mentions("@here look", "P", "a", false, &m);
        all.sort();
        assert_eq!(all, vec!["b", "c"]);
        let mut dm = mentions("no names", "G", "b", false, &m);
        dm.sort();
        assert_eq!(dm, vec!["a", "c"]);
        assert!(mentions("@nobody", "O", "a", false, &m).is_empty());
    }
}
