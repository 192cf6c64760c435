//! The built-in slash commands (`docs/spec/slash-commands.md` §7): one table of (trigger,
//! description, hint, function), from which autocomplete lists and `/help` are generated. Failures
//! a user can fix are ephemeral messages, as Mattermost answers them; only database failures are
//! errors.

use crate::app::Ctx;
use crate::channels::{check_can_add, ensure_direct, ensure_group};
use crate::error::ApiError;
use crate::model::channel::Channel;
use crate::model::command::{Command, CommandResponse};
use crate::model::now_ms;
use crate::model::post::NewPost;
use crate::model::preference::Preference;
use crate::model::session::Session;
use crate::model::team::Team;
use crate::model::user::{Status, User};
use crate::permissions;
use crate::posting;
use crate::{accounts, store};
use serde_json::{Map, Value};
use std::time::Duration;

/// What a built-in runs with.
pub struct Run<'a> {
    pub ctx: &'a Ctx<'a>,
    pub s: &'a Session,
    pub channel: &'a Channel,
    /// The channel's team (or, in a DM/GM, the team the client named).
    pub team: &'a Team,
    pub root_id: &'a str,
}

type RunFn = fn(&Run, &str) -> Result<CommandResponse, ApiError>;

/// One built-in command.
pub struct Builtin {
    pub trigger: &'static str,
    pub description: &'static str,
    pub hint: &'static str,
    pub run: RunFn,
}

/// Every built-in, by trigger. Custom commands may not take these triggers.
#[rustfmt::skip]
pub const BUILTINS: &[Builtin] = &[
    Builtin { trigger: "away",       description: "Set your status to away",                            hint: "",                              run: away },
    Builtin { trigger: "code",       description: "Post text as a code block",                          hint: "[text]",                        run: code },
    Builtin { trigger: "collapse",   description: "Collapse image previews by default",                 hint: "",                              run: collapse },
    Builtin { trigger: "dnd",        description: "Set your status to Do Not Disturb",                  hint: "",                              run: dnd },
    Builtin { trigger: "echo",       description: "Post a message as yourself, optionally later",       hint: "'message' [delay in seconds]",  run: echo },
    Builtin { trigger: "expand",     description: "Expand image previews by default",                   hint: "",                              run: expand },
    Builtin { trigger: "groupmsg",   description: "Send a group message to several users",              hint: "@[username1],@[username2] 'message'", run: groupmsg },
    Builtin { trigger: "header",     description: "Set the channel header",                             hint: "[text]",                        run: header },
    Builtin { trigger: "help",       description: "List the slash commands and where to find help",    hint: "",                              run: help },
    Builtin { trigger: "invite",     description: "Add users to this or other channels",                hint: "@[username] ~[channel]",        run: invite },
    Builtin { trigger: "join",       description: "Join a channel of this team",                        hint: "~[channel]",                    run: join },
    Builtin { trigger: "kick",       description: "Remove a member from this channel",                  hint: "@[username]",                   run: kick },
    Builtin { trigger: "leave",      description: "Leave this channel",                                 hint: "",                              run: leave },
    Builtin { trigger: "logout",     description: "Log out",                                            hint: "",                              run: logout },
    Builtin { trigger: "marketplace", description: "Open the plugin marketplace",                       hint: "",                              run: client_only },
    Builtin { trigger: "me",         description: "Post an action, in italics",                         hint: "[message]",                     run: me },
    Builtin { trigger: "msg",        description: "Send a direct message to a user",                    hint: "@[username] 'message'",         run: msg },
    Builtin { trigger: "mute",       description: "Mute or unmute this channel or the one named",       hint: "~[channel]",                    run: mute },
    Builtin { trigger: "offline",    description: "Set your status to offline",                         hint: "",                              run: offline },
    Builtin { trigger: "online",     description: "Set your status to online",                          hint: "",                              run: online },
    Builtin { trigger: "open",       description: "Open a channel of this team",                        hint: "~[channel]",                    run: join },
    Builtin { trigger: "purpose",    description: "Set the channel purpose",                            hint: "[text]",                        run: purpose },
    Builtin { trigger: "remove",     description: "Remove a member from this channel",                  hint: "@[username]",                   run: kick },
    Builtin { trigger: "rename",     description: "Rename this channel",                                hint: "[text]",                        run: rename },
    Builtin { trigger: "search",     description: "Search messages",                                    hint: "[text]",                        run: client_only },
    Builtin { trigger: "settings",   description: "Open the settings",                                  hint: "",                              run: client_only },
    Builtin { trigger: "shortcuts",  description: "Show the keyboard shortcuts",                        hint: "",                              run: client_only },
    Builtin { trigger: "shrug",      description: "Add a shrug to your message",                        hint: "[message]",                     run: shrug },
];

/// The built-in with this (lower-case) trigger.
pub fn find(trigger: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.trigger == trigger)
}

/// The built-ins as command objects, for listings and autocomplete.
pub fn commands() -> Vec<Command> {
    BUILTINS
        .iter()
        .map(|b| Command {
            trigger: b.trigger.into(),
            auto_complete: true,
            auto_complete_desc: b.description.into(),
            auto_complete_hint: b.hint.into(),
            display_name: b.trigger.into(),
            ..Default::default()
        })
        .collect()
}

fn ephemeral(text: impl Into<String>) -> Result<CommandResponse, ApiError> {
    Ok(CommandResponse::ephemeral(text))
}

fn done() -> Result<CommandResponse, ApiError> {
    Ok(CommandResponse::default())
}

impl Run<'_> {
    fn user_id(&self) -> &str {
        self.s.user_id()
    }

    /// `<SiteURL>/<team>/channels/<name>`
    fn channel_url(&self, team_name: &str, channel_name: &str) -> String {
        format!(
            "{}/{team_name}/channels/{channel_name}",
            self.ctx.app.site_url
        )
    }

    /// A live user by username (a leading `@` is ignored).
    fn user_named(&self, name: &str) -> Result<Option<User>, ApiError> {
        let name = name.trim().trim_start_matches('@').to_lowercase();
        if name.is_empty() {
            return Ok(None);
        }
        Ok(store::users::find_by_username(self.ctx.db, &name)?.filter(|u| u.delete_at == 0))
    }

    /// A channel of the current team by name (a leading `~` is ignored).
    fn channel_named(&self, name: &str) -> Result<Option<Channel>, ApiError> {
        let name = name.trim().trim_start_matches('~').to_lowercase();
        if name.is_empty() {
            return Ok(None);
        }
        Ok(
            store::channels::find_by_name(self.ctx.db, &self.team.id, &name)?
                .filter(|c| c.team_id == self.team.id),
        )
    }

    fn post(&self, channel_id: &str, root_id: &str, message: &str) -> Result<(), ApiError> {
        posting::create(
            self.ctx.app,
            self.ctx.db,
            self.new_post(channel_id, root_id, message),
        )
        .map(|_| ())
    }

    fn new_post(&self, channel_id: &str, root_id: &str, message: &str) -> NewPost {
        NewPost {
            channel_id: channel_id.to_string(),
            user_id: self.user_id().to_string(),
            author_is_bot: self.s.user.is_bot(),
            message: message.to_string(),
            root_id: root_id.to_string(),
            // /me, /shrug, /echo… post as the user and fire outgoing webhooks.
            fire_outgoing_hooks: true,
            ..Default::default()
        }
    }

    fn set_status(&self, status: &str) -> Result<(), ApiError> {
        let st = Status {
            user_id: self.user_id().to_string(),
            status: status.to_string(),
            manual: true,
            last_activity_at: now_ms(),
        };
        self.ctx
            .app
            .store
            .write(move |c| store::status::upsert(c, &st))?;
        Ok(())
    }

    fn set_preference(&self, category: &str, name: &str, value: &str) -> Result<(), ApiError> {
        let p = Preference {
            user_id: self.user_id().to_string(),
            category: category.into(),
            name: name.into(),
            value: value.into(),
        };
        self.ctx
            .app
            .store
            .write(move |c| store::preferences::upsert(c, &p))?;
        Ok(())
    }

    fn save_channel(&self, ch: Channel) -> Result<(), ApiError> {
        self.ctx
            .app
            .store
            .write(move |c| store::channels::update(c, &ch))?;
        Ok(())
    }

    /// Whether the caller may edit the channel's properties (DM/GM: any member).
    fn may_edit_properties(&self, ch: &Channel) -> Result<bool, ApiError> {
        if ch.is_direct() {
            return Ok(
                store::channels::find_member(self.ctx.db, &ch.id, self.user_id())?.is_some(),
            );
        }
        let perm = if ch.kind == "P" {
            "manage_private_channel_properties"
        } else {
            "manage_public_channel_properties"
        };
        permissions::has_channel(self.ctx.db, self.s, ch, perm)
    }
}

fn away(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_status("away")?;
    ephemeral("You are now away.")
}

fn online(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_status("online")?;
    ephemeral("You are now online.")
}

fn offline(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_status("offline")?;
    ephemeral("You are now offline.")
}

fn dnd(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_status("dnd")?;
    ephemeral(
        "Do Not Disturb is on: desktop and push notifications are paused until you change your status.",
    )
}

/// `/echo "text" [delay]` or `/echo text [delay]`.
fn echo(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if message.is_empty() {
        return ephemeral("Give /echo a message to post.");
    }
    let (text, delay) = parse_echo(message);
    if delay > 10_000 {
        return ephemeral("The delay must be 10000 seconds or less.");
    }
    let post = r.new_post(&r.channel.id, r.root_id, &text);
    if delay <= 0 {
        // Mattermost posts from a goroutine and answers at once; a failure is only logged.
        if let Err(e) = posting::create(r.ctx.app, r.ctx.db, post) {
            log::info!("[{}] /echo not posted: {}", r.ctx.request_id, e.id);
        }
        return done();
    }
    let delay = Duration::from_secs(delay.unsigned_abs());
    if !r.ctx.app.echoes.schedule(delay, post) {
        return ephemeral("Too many delayed messages are waiting; try again later.");
    }
    done()
}

/// Splits the `/echo` argument into its text and delay (seconds, 0 when absent).
fn parse_echo(message: &str) -> (String, i64) {
    if let (true, Some(end)) = (message.starts_with('"'), message.rfind('"')) {
        if end > 1 {
            let delay = message[end..]
                .trim_matches(|c| c == ' ' || c == '"')
                .parse()
                .unwrap_or(0);
            return (message[1..end].to_string(), delay);
        }
    }
    if let Some(idx) = message.rfind(' ') {
        if let Ok(d) = message[idx..].trim_matches(' ').parse::<i64>() {
            return (message[..idx].to_string(), d);
        }
    }
    (message.to_string(), 0)
}

fn me(_: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let mut props = Map::new();
    props.insert("message".into(), Value::from(message));
    Ok(CommandResponse {
        kind: "me".into(),
        props: Some(props),
        ..CommandResponse::in_channel(format!("*{message}*"))
    })
}

fn shrug(_: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let shrug = r"¯\\\_(ツ)\_/¯";
    Ok(CommandResponse::in_channel(if message.is_empty() {
        shrug.to_string()
    } else {
        format!("{message} {shrug}")
    }))
}

fn code(_: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if message.is_empty() {
        return ephemeral("Give /code the text to show.");
    }
    Ok(CommandResponse {
        skip_slack_parsing: true,
        ..CommandResponse::in_channel(format!(
            "    {}",
            message.split('\n').collect::<Vec<_>>().join("\n    ")
        ))
    })
}

/// `/join ~channel` and `/open ~channel`.
fn join(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let Some(ch) = r.channel_named(message)? else {
        return ephemeral("No channel by that name was found.");
    };
    let allowed = match ch.kind.as_str() {
        "O" => permissions::has_channel(r.ctx.db, r.s, &ch, "join_public_channels")?,
        "P" => permissions::has_channel(r.ctx.db, r.s, &ch, "read_channel")?,
        _ => false,
    };
    let in_team = store::teams::find_member(r.ctx.db, &ch.team_id, r.user_id())?.is_some();
    if !allowed || ch.delete_at != 0 || !in_team {
        return ephemeral("You could not join that channel.");
    }
    let (chid, uid) = (ch.id.clone(), r.user_id().to_string());
    r.ctx
        .app
        .store
        .write(move |c| accounts::join_channel(c, &chid, &uid, "channel_user"))?;
    Ok(CommandResponse::goto(r.channel_url(&r.team.name, &ch.name)))
}

fn leave(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    let ch = r.channel;
    if ch.kind == "D" {
        return ephemeral("You cannot leave a direct message channel.");
    }
    if ch.name == "town-square" && !ch.team_id.is_empty() {
        return ephemeral("You cannot leave the default channel town-square.");
    }
    if ch.kind == "P" && store::channels::list_members(r.ctx.db, &ch.id, 0, 2)?.len() < 2 {
        return ephemeral("You are the last member of this private channel; archive it instead.");
    }
    let (chid, uid) = (ch.id.clone(), r.user_id().to_string());
    r.ctx
        .app
        .store
        .write(move |c| store::channels::delete_member(c, &chid, &uid))?;
    if store::teams::find_member(r.ctx.db, &r.team.id, r.user_id())?.is_none() {
        return Ok(CommandResponse::goto(format!("{}/", r.ctx.app.site_url)));
    }
    Ok(CommandResponse::goto(
        r.channel_url(&r.team.name, "town-square"),
    ))
}

/// `/msg @user [text]`: opens (creating if needed) the DM, posts the text, goes there.
fn msg(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let (name, text) = message.split_once(' ').unwrap_or((message, ""));
    let other = match r.user_named(name)? {
        Some(u) if u.id != r.user_id() => u,
        _ => return ephemeral("No other user by that name was found."),
    };
    let dm_name = crate::model::channel::direct_channel_name(r.user_id(), &other.id);
    let existing =
        store::channels::find_by_name(r.ctx.db, "", &dm_name)?.filter(|c| c.team_id.is_empty());
    let dm = match existing {
        Some(dm) => dm,
        None => {
            if !permissions::has_system(r.s, "create_direct_channel") {
                return ephemeral("You may not send direct messages to this user.");
            }
            let (a, b) = (r.user_id().to_string(), other.id.clone());
            r.ctx.app.store.write(move |c| ensure_direct(c, &a, &b))?
        }
    };
    if !text.is_empty() && r.post(&dm.id, "", text).is_err() {
        return ephemeral("The message could not be sent.");
    }
    Ok(CommandResponse {
        response_type: "ephemeral".into(),
        ..CommandResponse::goto(r.channel_url(&r.team.name, &dm.name))
    })
}

/// Splits `@a, @b message` into the usernames and the message.
fn parse_groupmsg(message: &str) -> (Vec<String>, String) {
    let mut users = Vec::new();
    let parts: Vec<&str> = message.split(',').collect();
    for (i, part) in parts.iter().enumerate() {
        let clean = part.trim().trim_start_matches('@');
        let mut words = clean.split_whitespace();
        let Some(first) = words.next() else { continue };
        users.push(first.to_lowercase());
        if words.next().is_some() {
            // The message is everything after this user's name.
            let rest = parts[i..].join(",");
            let rest = rest.trim().trim_start_matches('@');
            let text = rest.strip_prefix(first).unwrap_or(rest).trim();
            return (users, text.to_string());
        }
    }
    (users, String::new())
}

/// `/groupmsg @a,@b [text]`: a group message with 3–8 people including the caller; with one
/// other person it is `/msg`.
fn groupmsg(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let (names, text) = parse_groupmsg(message);
    let mut users = vec![r.s.user.clone()];
    let mut unknown = Vec::new();
    for name in &names {
        match r.user_named(name)? {
            Some(u) => {
                if !users.iter().any(|x| x.id == u.id) {
                    users.push(u);
                }
            }
            None => unknown.push(format!("@{name}")),
        }
    }
    if !unknown.is_empty() {
        return ephemeral(format!("Unknown users: {}.", unknown.join(", ")));
    }
    if users.len() == 2 {
        return msg(r, format!("{} {text}", users[1].username).trim_end());
    }
    if users.len() < 3 {
        return ephemeral("A group message needs at least two other users.");
    }
    if users.len() > 8 {
        return ephemeral("A group message can have at most 8 members, you included.");
    }
    if !permissions::has_system(r.s, "create_group_channel") {
        return ephemeral("You may not create group messages.");
    }
    let creator = r.user_id().to_string();
    let gm = r
        .ctx
        .app
        .store
        .write(move |c| ensure_group(c, &creator, &users))?;
    if !text.is_empty() && r.post(&gm.id, "", &text).is_err() {
        return ephemeral("The message could not be sent.");
    }
    Ok(CommandResponse {
        response_type: "ephemeral".into(),
        ..CommandResponse::goto(r.channel_url(&r.team.name, &gm.name))
    })
}

/// `/invite @user… [~channel…]`: adds each user to each named channel (or this one) and
/// reports one line per pair.
fn invite(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let words: Vec<&str> = message.split_whitespace().collect();
    let names: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('~'))
        .collect();
    let channel_names: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.starts_with('~'))
        .collect();
    if names.is_empty() {
        return ephemeral("Name the users to invite: /invite @user [~channel].");
    }
    let mut lines = Vec::new();
    let mut channels = Vec::new();
    if channel_names.is_empty() {
        channels.push(r.channel.clone());
    }
    for name in &channel_names {
        match r.channel_named(name)? {
            Some(ch) => channels.push(ch),
            None => lines.push(format!("Could not find the channel {name}.")),
        }
    }
    for ch in &channels {
        let shown = if ch.display_name.is_empty() {
            ch.name.clone()
        } else {
            ch.display_name.clone()
        };
        for name in &names {
            let Some(u) = r.user_named(name)? else {
                lines.push(format!("Could not find the user {name}."));
                continue;
            };
            if ch.is_direct() {
                lines.push("You cannot add someone to a direct or group message.".into());
                continue;
            }
            if store::channels::find_member(r.ctx.db, &ch.id, &u.id)?.is_some() {
                lines.push(format!("@{} is already in {shown}.", u.username));
                continue;
            }
            if let Err(e) = check_can_add(r.ctx.db, r.s, ch, &u.id) {
                lines.push(match e.status {
                    403 => format!("You may not add @{} to {shown}.", u.username),
                    404 => format!(
                        "@{} is not a member of the {} team.",
                        u.username, r.team.display_name
                    ),
                    _ => format!(
                        "@{} could not be added to {shown}: {}",
                        u.username, e.message
                    ),
                });
                continue;
            }
            let (chid, uid) = (ch.id.clone(), u.id.clone());
            r.ctx
                .app
                .store
                .write(move |c| accounts::join_channel(c, &chid, &uid, "channel_user"))?;
            lines.push(format!("@{} added to {shown}.", u.username));
        }
    }
    ephemeral(lines.join("\n"))
}

/// `/kick @user` and `/remove @user`.
fn kick(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if message.trim().is_empty() {
        return ephemeral("Name the member to remove: /kick @user.");
    }
    let ch = r.channel;
    if ch.is_direct() {
        return ephemeral("You cannot remove someone from a direct or group message.");
    }
    let perm = if ch.kind == "P" {
        "manage_private_channel_members"
    } else {
        "manage_public_channel_members"
    };
    if !permissions::has_channel(r.ctx.db, r.s, ch, perm)? {
        return ephemeral("You may not remove members from this channel.");
    }
    let name = message.split_whitespace().next().unwrap_or("");
    let Some(u) = r.user_named(name)? else {
        return ephemeral("No user by that name was found.");
    };
    if store::channels::find_member(r.ctx.db, &ch.id, &u.id)?.is_none() {
        return ephemeral(format!("@{} is not a member of this channel.", u.username));
    }
    if ch.name == "town-square" {
        return ephemeral("Nobody can be removed from the default channel.");
    }
    let (chid, uid) = (ch.id.clone(), u.id.clone());
    r.ctx
        .app
        .store
        .write(move |c| store::channels::delete_member(c, &chid, &uid))?;
    done()
}

fn header(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if !r.may_edit_properties(r.channel)? {
        return ephemeral("You may not change this channel's header.");
    }
    if message.is_empty() {
        return ephemeral("Give /header the new header text.");
    }
    if message.chars().count() > 1024 {
        return ephemeral("The header is longer than 1024 characters.");
    }
    let mut ch = r.channel.clone();
    ch.header = message.to_string();
    ch.update_at = now_ms();
    r.save_channel(ch)?;
    done()
}

fn purpose(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if r.channel.is_direct() {
        return ephemeral("Direct and group messages have no purpose; use /header instead.");
    }
    if !r.may_edit_properties(r.channel)? {
        return ephemeral("You may not change this channel's purpose.");
    }
    if message.is_empty() {
        return ephemeral("Give /purpose the new purpose text.");
    }
    if message.chars().count() > 250 {
        return ephemeral("The purpose is longer than 250 characters.");
    }
    let mut ch = r.channel.clone();
    ch.purpose = message.to_string();
    ch.update_at = now_ms();
    r.save_channel(ch)?;
    done()
}

fn rename(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    if r.channel.is_direct() {
        return ephemeral("Direct and group messages cannot be renamed.");
    }
    if !r.may_edit_properties(r.channel)? {
        return ephemeral("You may not rename this channel.");
    }
    if message.is_empty() {
        return ephemeral("Give /rename the new channel name.");
    }
    if message.chars().count() > 64 {
        return ephemeral("Channel names must be 64 characters or fewer.");
    }
    let mut ch = r.channel.clone();
    ch.display_name = message.to_string();
    ch.update_at = now_ms();
    r.save_channel(ch)?;
    done()
}

/// `/mute [~channel]`: toggles the membership's `mark_unread` between `all` and `mention`.
fn mute(r: &Run, message: &str) -> Result<CommandResponse, ApiError> {
    let first = message.split(' ').next().unwrap_or("");
    let ch = if first.trim().is_empty() {
        r.channel.clone()
    } else {
        match r.channel_named(first)? {
            Some(ch) => ch,
            None => return ephemeral(format!("Could not find the channel {first}.")),
        }
    };
    let Some(member) = store::channels::find_member(r.ctx.db, &ch.id, r.user_id())? else {
        return ephemeral(format!(
            "You are not a member of {}, so it cannot be muted.",
            ch.name
        ));
    };
    let mut props = match member.notify_props {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let muted = props.get("mark_unread").and_then(Value::as_str) != Some("mention");
    let value = if muted { "mention" } else { "all" };
    props.insert("mark_unread".into(), Value::from(value));
    let (chid, uid, props) = (ch.id.clone(), r.user_id().to_string(), Value::Object(props));
    r.ctx.app.store.write(move |c| {
        store::channels::update_member_notify_props(c, &chid, &uid, &props, now_ms())
    })?;
    let name = if ch.is_direct() {
        "this conversation".to_string()
    } else {
        ch.display_name.clone()
    };
    ephemeral(if muted {
        format!("{name} is muted: you will not be notified of its messages until you unmute it.")
    } else {
        format!("{name} is no longer muted.")
    })
}

fn expand(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_preference("display_settings", "collapse_previews", "false")?;
    ephemeral("Image previews now expand by default.")
}

fn collapse(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    r.set_preference("display_settings", "collapse_previews", "true")?;
    ephemeral("Image previews now collapse by default.")
}

/// `/help`: the built-in commands and the configured help link.
fn help(r: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    let mut text = String::from("Built-in slash commands:\n\n");
    for b in BUILTINS {
        let hint = if b.hint.is_empty() {
            String::new()
        } else {
            format!(" {}", b.hint)
        };
        text.push_str(&format!("- `/{}{hint}`: {}\n", b.trigger, b.description));
    }
    text.push_str(&format!(
        "\nMore help: {}",
        r.ctx.app.config.support.help_link
    ));
    ephemeral(text)
}

/// The client logs out; the server only points it at the login page.
fn logout(_: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    Ok(CommandResponse::goto("/login"))
}

/// Commands the official apps handle themselves.
fn client_only(_: &Run, _: &str) -> Result<CommandResponse, ApiError> {
    ephemeral("This command is not supported on this device.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        let triggers: Vec<&str> = BUILTINS.iter().map(|b| b.trigger).collect();
        let mut sorted = triggers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(triggers, sorted);
        assert_eq!(commands().len(), BUILTINS.len());
        assert!(BUILTINS
            .iter()
            .all(|b| crate::model::command::is_valid_trigger(b.trigger)));
    }

    #[test]
    fn echo_arguments() {
        assert_eq!(parse_echo("hello"), ("hello".into(), 0));
        assert_eq!(parse_echo("hello world 5"), ("hello world".into(), 5));
        assert_eq!(parse_echo("\"hi there\" 3"), ("hi there".into(), 3));
        assert_eq!(parse_echo("\"quoted\""), ("quoted".into(), 0));
        assert_eq!(parse_echo("a b"), ("a b".into(), 0));
    }

    #[test]
    fn groupmsg_arguments() {
        assert_eq!(
            parse_groupmsg("@a,@b hello there"),
            (vec!["a".into(), "b".into()], "hello there".into())
        );
        assert_eq!(
            parse_groupmsg("@A, @b, c"),
            (vec!["a".into(), "b".into(), "c".into()], String::new())
        );
    }
}
