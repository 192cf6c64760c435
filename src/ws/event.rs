//! A WebSocket event as the write paths publish it (`Event`: name, `data`, `broadcast`) and
//! as the event loop writes it (`Encoded`: the JSON envelope serialized once, with the
//! per-connection `seq` appended per socket, `docs/spec/websocket.md` §3.1).

use crate::model::post::Post;
use serde_json::{json, Map, Value};

/// Mattermost's `broadcast`: who receives an event (`docs/spec/websocket.md` §3.2), sent to clients
/// verbatim.
#[derive(Debug, Clone, Default)]
pub struct Broadcast {
    pub omit_users: Vec<String>,
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub connection_id: String,
    pub omit_connection_id: String,
    /// The copy meant for users without `manage_system`.
    pub sanitized: bool,
    /// The copy meant for users with `manage_system`.
    pub sensitive: bool,
}

impl Broadcast {
    pub fn to_user(user_id: &str) -> Broadcast {
        Broadcast {
            user_id: user_id.into(),
            ..Default::default()
        }
    }

    pub fn to_channel(channel_id: &str) -> Broadcast {
        Broadcast {
            channel_id: channel_id.into(),
            ..Default::default()
        }
    }

    pub fn to_team(team_id: &str) -> Broadcast {
        Broadcast {
            team_id: team_id.into(),
            ..Default::default()
        }
    }

    /// Everyone connected.
    pub fn to_all() -> Broadcast {
        Broadcast::default()
    }

    pub fn omit(mut self, user_id: &str) -> Broadcast {
        self.omit_users.push(user_id.into());
        self
    }

    fn to_json(&self) -> Value {
        let omit = if self.omit_users.is_empty() {
            Value::Null
        } else {
            Value::Object(
                self.omit_users
                    .iter()
                    .map(|u| (u.clone(), Value::Bool(true)))
                    .collect(),
            )
        };
        let mut b = json!({
            "omit_users": omit,
            "user_id": self.user_id,
            "channel_id": self.channel_id,
            "team_id": self.team_id,
            "connection_id": self.connection_id,
            "omit_connection_id": self.omit_connection_id,
        });
        if self.sanitized {
            b["contains_sanitized_data"] = Value::Bool(true);
        }
        if self.sensitive {
            b["contains_sensitive_data"] = Value::Bool(true);
        }
        b
    }
}

/// What a `posted` event needs beyond the post, filled in by the event loop from its caches
/// (channel name and type, sender name, per-recipient `mentions`): the posting path only hands
/// the post over.
#[derive(Debug, Clone)]
pub struct PostFacts {
    pub post: Post,
    /// `false` for posts made by integrations (webhooks, command and callback answers).
    pub set_online: bool,
}

/// One event, published by a write path after its write committed (`Hub::publish`).
#[derive(Debug, Clone)]
pub struct Event {
    pub name: &'static str,
    pub data: Map<String, Value>,
    pub broadcast: Broadcast,
    /// Set on `posted` until the loop completes `data`.
    pub(crate) post: Option<Box<PostFacts>>,
}

impl Event {
    pub fn new(name: &'static str, data: Value, broadcast: Broadcast) -> Event {
        let data = match data {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        Event {
            name,
            data,
            broadcast,
            post: None,
        }
    }

    /// `posted` for a post durably stored in its channel.
    pub fn posted(post: Post, set_online: bool) -> Event {
        let broadcast = Broadcast::to_channel(&post.channel_id);
        Event {
            name: "posted",
            data: Map::new(),
            broadcast,
            post: Some(Box::new(PostFacts { post, set_online })),
        }
    }

    /// Events a connection with a long backlog may miss (Mattermost drops them when the
    /// connection's queue is half full): they describe a passing state.
    pub fn is_droppable(&self) -> bool {
        matches!(
            self.name,
            "typing" | "status_change" | "multiple_channels_viewed"
        )
    }
}

/// A post as events carry it: a JSON string of the REST form, with every attachment action's
/// `integration` (its URL and context: the integration's secret side) removed.
pub fn post_json(post: &Post) -> String {
    let mut v = serde_json::to_value(post).unwrap_or(Value::Null);
    if let Some(atts) = v
        .get_mut("props")
        .and_then(|p| p.get_mut("attachments"))
        .and_then(Value::as_array_mut)
    {
        for att in atts {
            if let Some(actions) = att.get_mut("actions").and_then(Value::as_array_mut) {
                for a in actions {
                    if let Some(a) = a.as_object_mut() {
                        a.remove("integration");
                    }
                }
            }
        }
    }
    v.to_string()
}

/// An event serialized once for every connection: `head` + (a recipient's own `mentions`) +
/// `body` + the connection's `seq` + `}`.
#[derive(Debug)]
pub struct Encoded {
    pub name: &'static str,
    head: Vec<u8>,
    body: Vec<u8>,
    /// The users this `posted` event mentions (each gets `mentions: "[\"<own id>\"]"`).
    pub mentioned: Vec<String>,
    pub droppable: bool,
}

impl Encoded {
    /// Serializes a complete event (the loop has filled in a `posted`'s data).
    pub fn new(event: &Event, mentioned: Vec<String>) -> Encoded {
        let name = serde_json::to_string(event.name).unwrap_or_default();
        let head = format!("{{\"event\":{name},\"data\":{{").into_bytes();
        let data = Value::Object(event.data.clone()).to_string();
        // `data` without its opening brace: `"k":v,…}` or `}`.
        let mut body = data.as_bytes()[1..].to_vec();
        body.extend_from_slice(b",\"broadcast\":");
        body.extend_from_slice(event.broadcast.to_json().to_string().as_bytes());
        body.extend_from_slice(b",\"seq\":");
        Encoded {
            name: event.name,
            head,
            body,
            mentioned,
            droppable: event.is_droppable(),
        }
    }

    /// The `"mentions":…` member (and its comma) for one mentioned recipient.
    pub fn mention_field(&self, user_id: &str) -> Option<Vec<u8>> {
        if !self.mentioned.iter().any(|u| u == user_id) {
            return None;
        }
        let list = Value::String(format!("[\"{user_id}\"]")).to_string();
        let comma = if self.body.first() == Some(&b'}') {
            ""
        } else {
            ","
        };
        Some(format!("\"mentions\":{list}{comma}").into_bytes())
    }

    /// The text payload for one connection, as slices (no allocation per socket but the
    /// sequence number).
    pub fn parts<'a>(&'a self, mention: Option<&'a [u8]>, seq: &'a [u8]) -> [&'a [u8]; 5] {
        [&self.head, mention.unwrap_or(&[]), &self.body, seq, b"}"]
    }

    /// The whole payload as a string (tests, replay checks).
    pub fn render(&self, user_id: &str, seq: i64) -> String {
        let mention = self.mention_field(user_id);
        let seq = seq.to_string();
        let parts = self.parts(mention.as_deref(), seq.as_bytes());
        String::from_utf8_lossy(&parts.concat()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_one_json_object_with_seq_and_per_recipient_mentions() {
        let ev = Event::new(
            "typing",
            json!({"user_id": "u1", "parent_id": ""}),
            Broadcast::to_channel("c1").omit("u1"),
        );
        let enc = Encoded::new(&ev, vec!["u2".into()]);
        let v: Value = serde_json::from_str(&enc.render("u3", 7)).unwrap();
        assert_eq!(v["event"], "typing");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["data"]["user_id"], "u1");
        assert!(v["data"].get("mentions").is_none());
        assert_eq!(v["broadcast"]["omit_users"]["u1"], true);
        assert_eq!(v["broadcast"]["channel_id"], "c1");
        assert!(v["broadcast"].get("contains_sanitized_data").is_none());
        let v: Value = serde_json::from_str(&enc.render("u2", 0)).unwrap();
        assert_eq!(v["data"]["mentions"], "[\"u2\"]");
        assert_eq!(v["seq"], 0);
        // Empty data still yields valid JSON, with and without a mention.
        let ev = Event::new("hello", json!({}), Broadcast::to_user("u2"));
        let enc = Encoded::new(&ev, vec!["u2".into()]);
        let v: Value = serde_json::from_str(&enc.render("u2", 1)).unwrap();
        assert_eq!(v["data"]["mentions"], "[\"u2\"]");
        assert_eq!(v["broadcast"]["omit_users"], Value::Null);
        let v: Value = serde_json::from_str(&enc.render("u9", 1)).unwrap();
        assert_eq!(v["data"], json!({}));
    }

    #[test]
    fn posts_lose_their_actions_integration() {
        let mut p = Post {
            id: "p".into(),
            ..Default::default()
        };
        p.props.insert(
            "attachments".into(),
            json!([{"actions": [{"name": "a", "integration": {"url": "http://secret"}}]}]),
        );
        let s = post_json(&p);
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("\"name\":\"a\""));
    }
}
