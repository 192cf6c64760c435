//! `perch-integrations.json`: what Mattermost's bulk import has no line for, beside the JSONL
//! in the zip. Incoming and outgoing webhooks, slash commands, bots' memberships and state,
//! personal access tokens (as their SHA-256 digests) and password hashes (argon2id). Every
//! reference is by name (team, channel, username), since ids change between servers; hook and
//! command ids and secrets are kept, so `perch import` on another Perch restores every URL and
//! token as it was. (Recreating them in Mattermost: `docs/export-import.md`.) `build` makes it
//! from an export's snapshot.

use super::export::{Failure, Members, Names, Summary};
use crate::model::user::User;
use crate::store::export::Snapshot;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub generator: String,
    pub created: String,
    pub about: String,
    pub bots: Vec<BotEntry>,
    pub incoming_webhooks: Vec<IncomingEntry>,
    pub outgoing_webhooks: Vec<OutgoingEntry>,
    pub slash_commands: Vec<CommandEntry>,
    pub access_tokens: Vec<TokenEntry>,
    pub password_hashes: Vec<PasswordEntry>,
}

pub const ABOUT: &str = "Perch's integrations and credentials, which Mattermost's bulk import \
has no line for. `perch import` restores them on another Perch (URLs and tokens unchanged); to \
recreate them on Mattermost, see docs/export-import.md in Perch. Secrets: keep this file private.";

/// A bot's team and channel memberships and whether it is disabled (the `bot` line has
/// neither).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BotEntry {
    pub username: String,
    pub disabled: bool,
    pub teams: Vec<TeamMembership>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamMembership {
    pub name: String,
    pub roles: String,
    pub channels: Vec<ChannelMembership>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelMembership {
    pub name: String,
    pub roles: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IncomingEntry {
    /// The secret part of the hook's URL, `/hooks/<id>`.
    pub id: String,
    /// When it was made on the old server (lists are ordered by it).
    pub create_at: i64,
    pub team: String,
    pub channel: String,
    pub owner: String,
    pub display_name: String,
    pub description: String,
    pub username: String,
    pub icon_url: String,
    pub channel_locked: bool,
    pub secret: String,
    pub event_include: Vec<String>,
    pub event_exclude: Vec<String>,
    pub template: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OutgoingEntry {
    pub id: String,
    /// When it was made on the old server (lists are ordered by it).
    pub create_at: i64,
    pub team: String,
    /// Empty: every public channel of the team.
    pub channel: String,
    pub creator: String,
    pub display_name: String,
    pub description: String,
    pub trigger_words: Vec<String>,
    pub trigger_when: i64,
    pub callback_urls: Vec<String>,
    pub content_type: String,
    pub username: String,
    pub icon_url: String,
    pub token: String,
    /// The Standard Webhooks signing key (hex).
    pub signing_key: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandEntry {
    pub id: String,
    /// When it was made on the old server (lists are ordered by it).
    pub create_at: i64,
    pub team: String,
    pub creator: String,
    pub trigger: String,
    pub method: String,
    pub url: String,
    pub username: String,
    pub icon_url: String,
    pub auto_complete: bool,
    pub auto_complete_desc: String,
    pub auto_complete_hint: String,
    pub display_name: String,
    pub description: String,
    pub token: String,
}

/// A personal access token. Perch stores only the token's SHA-256 digest, so the digest is
/// what travels: the token keeps working on another Perch; on Mattermost it cannot be used.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenEntry {
    pub username: String,
    pub description: String,
    pub is_active: bool,
    pub token_sha256: String,
    pub create_at: i64,
}

/// A password hash (argon2id, PHC format). Mattermost cannot check these.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordEntry {
    pub username: String,
    pub argon2id: String,
}

/// The manifest: what the JSONL has no line for.
pub(super) fn build(
    snap: &Snapshot,
    names: &Names,
    members: &Members,
    bots: &[crate::model::bot::Bot],
    users: &[User],
    now: i64,
    sum: &mut Summary,
) -> Result<Manifest, Failure> {
    let user = |id: &str| names.user(id).map(str::to_string);
    let channel = |id: &str| names.channels.get(id).cloned();
    let mut m = Manifest {
        generator: format!("perch {}", crate::VERSION),
        created: crate::model::rfc3339(now),
        about: ABOUT.into(),
        ..Default::default()
    };
    for b in bots {
        let Some(username) = user(&b.user_id) else {
            continue;
        };
        let teams = members
            .teams
            .get(&b.user_id)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let team = names.teams.get(&t.scope_id)?;
                let channels = members
                    .channels
                    .get(&b.user_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|cm| {
                        let (ct, cn) = names.channels.get(&cm.channel_id)?;
                        (ct == team).then(|| ChannelMembership {
                            name: cn.clone(),
                            roles: cm.roles.clone(),
                        })
                    })
                    .collect();
                Some(TeamMembership {
                    name: team.clone(),
                    roles: t.roles.clone(),
                    channels,
                })
            })
            .collect();
        m.bots.push(BotEntry {
            username,
            disabled: b.delete_at > 0,
            teams,
        });
    }
    for h in snap.incoming_hooks()? {
        let (Some((team, channel)), Some(owner)) = (channel(&h.channel_id), user(&h.user_id))
        else {
            sum.warnings.push(format!(
                "incoming webhook {:?}: its channel or owner was left out, so it is too",
                h.display_name
            ));
            continue;
        };
        m.incoming_webhooks.push(IncomingEntry {
            id: h.id,
            create_at: h.create_at,
            team,
            channel,
            owner,
            display_name: h.display_name,
            description: h.description,
            username: h.username,
            icon_url: h.icon_url,
            channel_locked: h.channel_locked,
            secret: h.secret,
            event_include: h.event_include,
            event_exclude: h.event_exclude,
            template: h.template,
        });
    }
    for h in snap.outgoing_hooks()? {
        let team = names.teams.get(&h.team_id).cloned();
        let ch = if h.channel_id.is_empty() {
            Some(String::new())
        } else {
            channel(&h.channel_id).map(|(_, c)| c)
        };
        let (Some(team), Some(ch), Some(creator)) = (team, ch, user(&h.creator_id)) else {
            sum.warnings.push(format!(
                "outgoing webhook {:?}: its team, channel or creator was left out, so it is too",
                h.display_name
            ));
            continue;
        };
        m.outgoing_webhooks.push(OutgoingEntry {
            id: h.id,
            create_at: h.create_at,
            team,
            channel: ch,
            creator,
            display_name: h.display_name,
            description: h.description,
            trigger_words: h.trigger_words,
            trigger_when: h.trigger_when,
            callback_urls: h.callback_urls,
            content_type: h.content_type,
            username: h.username,
            icon_url: h.icon_url,
            token: h.token,
            signing_key: h.signing_key,
        });
    }
    for c in snap.commands()? {
        let (Some(team), Some(creator)) =
            (names.teams.get(&c.team_id).cloned(), user(&c.creator_id))
        else {
            sum.warnings.push(format!(
                "slash command /{}: its team or creator was left out, so it is too",
                c.trigger
            ));
            continue;
        };
        m.slash_commands.push(CommandEntry {
            id: c.id,
            create_at: c.create_at,
            team,
            creator,
            trigger: c.trigger,
            method: c.method,
            url: c.url,
            username: c.username,
            icon_url: c.icon_url,
            auto_complete: c.auto_complete,
            auto_complete_desc: c.auto_complete_desc,
            auto_complete_hint: c.auto_complete_hint,
            display_name: c.display_name,
            description: c.description,
            token: c.token,
        });
    }
    for t in snap.access_tokens()? {
        if let Some(username) = user(&t.user_id) {
            m.access_tokens.push(TokenEntry {
                username,
                description: t.description,
                is_active: t.is_active,
                token_sha256: t.token_hash,
                create_at: t.create_at,
            });
        }
    }
    for u in users {
        if !u.password_hash.is_empty() && !u.is_bot() && names.user(&u.id).is_some() {
            m.password_hashes.push(PasswordEntry {
                username: u.username.clone(),
                argon2id: u.password_hash.clone(),
            });
        }
    }
    sum.hooks_and_commands =
        m.incoming_webhooks.len() + m.outgoing_webhooks.len() + m.slash_commands.len();
    Ok(m)
}
