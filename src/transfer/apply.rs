//! Pass 2 of `perch import`: each checked line written inside the import's transaction, found
//! by name (teams, channels, users, bots) or by channel, time and message (posts) and updated,
//! or created. Then the manifest (`perch-integrations.json`), and the counters of the threads
//! and channels that got posts.

use super::attach::{Attacher, Owner};
use super::format::*;
use super::import::{lower, Count, Report};
use super::manifest::Manifest;
use super::validate::Problem;
use crate::accounts;
use crate::model::bot::Bot;
use crate::model::channel::{default_member_notify_props, Channel};
use crate::model::post::{hashtags, Post};
use crate::model::preference::Preference;
use crate::model::team::Team;
use crate::model::user::{default_notify_props, default_timezone, User};
use crate::model::{new_id, new_token, now_ms};
use crate::store::{self, import as sql, Conn, StoreError};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// A database error while applying a line.
fn db(e: StoreError) -> Problem {
    Problem::new("app.import.bulk_import.db.error", format!("database: {e}"))
}

fn api(e: crate::error::ApiError) -> Problem {
    Problem::new(e.id.to_string(), e.message)
}

pub(super) struct Applier<'a> {
    c: &'a Conn,
    report: &'a mut Report,
    attacher: &'a mut Attacher,
    now: i64,
    hashes: HashMap<String, String>,
    team_ids: HashMap<String, String>,
    channel_ids: HashMap<(String, String), String>,
    user_ids: HashMap<String, String>,
    direct_ids: HashMap<Vec<String>, String>,
    /// Users this import created (the manifest's password hashes go only to them and to
    /// accounts without a password).
    created_users: HashSet<String>,
    touched_channels: HashSet<String>,
    /// The largest post id before the import: a post with a larger id was made by this import
    /// (ids are time-ordered), unless the clock disagrees (`record_inserts`).
    marker: String,
    record_inserts: bool,
}

impl<'a> Applier<'a> {
    pub(super) fn new(
        c: &'a Conn,
        hashes: HashMap<String, String>,
        report: &'a mut Report,
        attacher: &'a mut Attacher,
    ) -> Result<Applier<'a>, StoreError> {
        let marker = sql::max_post_id(c)?;
        // If an existing id is not older than a fresh one, ids cannot tell old from new: then
        // every post this import makes is recorded as taken too.
        let record_inserts = marker >= new_id();
        Ok(Applier {
            c,
            report,
            attacher,
            now: now_ms(),
            hashes,
            team_ids: HashMap::new(),
            channel_ids: HashMap::new(),
            user_ids: HashMap::new(),
            direct_ids: HashMap::new(),
            created_users: HashSet::new(),
            touched_channels: HashSet::new(),
            marker,
            record_inserts,
        })
    }

    pub(super) fn line(&mut self, bytes: &[u8]) -> Result<(), Problem> {
        let line: Line = serde_json::from_slice(bytes)
            .map_err(|e| Problem::new("app.import.bulk_import.json_decode.error", e.to_string()))?;
        match line.kind.as_str() {
            "team" => self.team(line.team.unwrap_or_default()),
            "channel" => self.channel(line.channel.unwrap_or_default()),
            "user" => self.user(line.user.unwrap_or_default()),
            "bot" => self.bot(line.bot.unwrap_or_default()),
            "post" => self.post(line.post.unwrap_or_default(), false),
            "direct_post" => self.post(line.direct_post.unwrap_or_default(), true),
            "direct_channel" => self.direct_channel(line.direct_channel.unwrap_or_default()),
            // version, emoji, scheme, role: checked in pass 1, nothing to write.
            _ => Ok(()),
        }
    }

    fn team(&mut self, t: TeamLine) -> Result<(), Problem> {
        let name = lower(&t.name);
        let display = t.display_name.clone().unwrap_or_default();
        let kind = t.kind.clone().unwrap_or_else(|| "O".into());
        match store::teams::find_by_name(self.c, &name).map_err(db)? {
            Some(existing) => {
                sql::update_team(
                    self.c,
                    &existing.id,
                    &display,
                    &kind,
                    t.description.as_deref(),
                    t.allow_open_invite,
                    self.now,
                )
                .map_err(db)?;
                self.team_ids.insert(name, existing.id);
                self.report.teams.updated += 1;
            }
            None => {
                let team = Team {
                    id: new_id(),
                    create_at: self.now,
                    update_at: self.now,
                    display_name: display,
                    name: name.clone(),
                    description: t.description.unwrap_or_default(),
                    kind,
                    invite_id: new_token(),
                    allow_open_invite: t.allow_open_invite.unwrap_or(false),
                    ..Default::default()
                };
                accounts::insert_team(self.c, &team).map_err(db)?;
                self.team_ids.insert(name, team.id);
                self.report.teams.created += 1;
            }
        }
        Ok(())
    }

    fn team_id(&mut self, name: &str) -> Result<String, Problem> {
        if let Some(id) = self.team_ids.get(name) {
            return Ok(id.clone());
        }
        let team = store::teams::find_by_name(self.c, name)
            .map_err(db)?
            .ok_or_else(|| {
                Problem::new(
                    "app.import.get_teams_by_names.some_teams_not_found.error",
                    format!("no team {name:?}"),
                )
            })?;
        self.team_ids.insert(name.to_string(), team.id.clone());
        Ok(team.id)
    }

    fn channel(&mut self, ch: ChannelLine) -> Result<(), Problem> {
        let team = lower(&ch.team);
        let team_id = self.team_id(&team)?;
        let name = lower(&ch.name);
        let display = match ch.display_name.as_deref() {
            Some(d) if !d.is_empty() => d.to_string(),
            _ => name.clone(),
        };
        let kind = ch.kind.clone().unwrap_or_else(|| "O".into());
        let existing = store::channels::find_by_name(self.c, &team_id, &name)
            .map_err(db)?
            .filter(|c| c.team_id == team_id);
        let id = match existing {
            Some(e) => {
                sql::update_channel(
                    self.c,
                    &e.id,
                    &display,
                    &kind,
                    ch.header.as_deref(),
                    ch.purpose.as_deref(),
                    self.now,
                )
                .map_err(db)?;
                self.report.channels.updated += 1;
                e.id
            }
            None => {
                let c = Channel {
                    id: new_id(),
                    create_at: self.now,
                    update_at: self.now,
                    team_id: team_id.clone(),
                    kind,
                    display_name: display,
                    name: name.clone(),
                    header: ch.header.unwrap_or_default(),
                    purpose: ch.purpose.unwrap_or_default(),
                    ..Default::default()
                };
                store::channels::insert(self.c, &c).map_err(db)?;
                self.report.channels.created += 1;
                c.id
            }
        };
        if let Some(at) = ch.deleted_at.filter(|at| *at > 0) {
            sql::archive_channel(self.c, &id, at).map_err(db)?;
        }
        self.channel_ids.insert((team, name), id);
        Ok(())
    }

    fn channel_id(&mut self, team: &str, name: &str) -> Result<String, Problem> {
        let key = (team.to_string(), name.to_string());
        if let Some(id) = self.channel_ids.get(&key) {
            return Ok(id.clone());
        }
        let team_id = self.team_id(team)?;
        let ch = store::channels::find_by_name(self.c, &team_id, name)
            .map_err(db)?
            .filter(|c| c.team_id == team_id)
            .ok_or_else(|| {
                Problem::new(
                    "app.import.import_post.channel_not_found.error",
                    format!("no channel {team}/{name}"),
                )
            })?;
        self.channel_ids.insert(key, ch.id.clone());
        Ok(ch.id)
    }

    fn user_id(&mut self, name: &str) -> Result<String, Problem> {
        let name = name.to_lowercase();
        if let Some(id) = self.user_ids.get(&name) {
            return Ok(id.clone());
        }
        let u = store::users::find_by_username(self.c, &name)
            .map_err(db)?
            .ok_or_else(|| {
                Problem::new(
                    "app.import.get_users_by_username.some_users_not_found.error",
                    format!("no user {name:?}"),
                )
            })?;
        self.user_ids.insert(name, u.id.clone());
        Ok(u.id)
    }

    fn user(&mut self, u: UserLine) -> Result<(), Problem> {
        let name = lower(&u.username);
        let email = lower(&u.email);
        let existing = store::users::find_by_username(self.c, &name).map_err(db)?;
        let mut notify = match &existing {
            Some(e) => e.notify_props.clone(),
            None => default_notify_props(),
        };
        if let Some(n) = &u.notify_props {
            for (key, value) in [
                ("desktop", &n.desktop),
                ("desktop_sound", &n.desktop_sound),
                ("email", &n.email),
                ("push", &n.mobile),
                ("push_status", &n.mobile_push_status),
                ("channel", &n.channel),
                ("comments", &n.comments),
                ("mention_keys", &n.mention_keys),
            ] {
                if let Some(v) = value {
                    notify.insert(key.into(), Value::from(v.clone()));
                }
            }
        }
        let id = match existing {
            Some(mut existing) => {
                if existing.is_bot() {
                    return Err(Problem::new(
                        "app.user.save.username_exists.app_error",
                        format!("{name:?} is a bot"),
                    ));
                }
                if existing.email != email {
                    accounts::ensure_unique(self.c, &name, &email, &existing.id).map_err(api)?;
                    existing.email = email;
                }
                let keep = |field: &mut String, v: &Option<String>| {
                    if let Some(v) = v {
                        *field = v.clone();
                    }
                };
                keep(&mut existing.nickname, &u.nickname);
                keep(&mut existing.first_name, &u.first_name);
                keep(&mut existing.last_name, &u.last_name);
                keep(&mut existing.position, &u.position);
                keep(&mut existing.locale, &u.locale);
                existing.notify_props = notify;
                existing.update_at = self.now;
                store::users::update_profile(self.c, &existing).map_err(db)?;
                if let Some(hash) = self.hashes.remove(&name) {
                    store::users::update_password(self.c, &existing.id, &hash, self.now)
                        .map_err(db)?;
                    existing.password_hash = hash;
                }
                if let Some(roles) = u.roles.as_deref().filter(|r| *r != existing.roles) {
                    sql::set_user_roles(self.c, &existing.id, roles, self.now).map_err(db)?;
                }
                self.report.users.updated += 1;
                if existing.password_hash.is_empty() {
                    self.report.without_password.push(name.clone());
                }
                existing.id
            }
            None => {
                let hash = self.hashes.remove(&name).unwrap_or_default();
                let user = User {
                    id: new_id(),
                    create_at: self.now,
                    update_at: self.now,
                    delete_at: u.delete_at.filter(|d| *d > 0).unwrap_or(0),
                    username: name.clone(),
                    last_password_update: if hash.is_empty() { 0 } else { self.now },
                    password_hash: hash,
                    email,
                    email_verified: true,
                    nickname: u.nickname.clone().unwrap_or_default(),
                    first_name: u.first_name.clone().unwrap_or_default(),
                    last_name: u.last_name.clone().unwrap_or_default(),
                    position: u.position.clone().unwrap_or_default(),
                    roles: u.roles.clone().unwrap_or_else(|| "system_user".into()),
                    locale: u.locale.clone().unwrap_or_else(|| "en".into()),
                    notify_props: notify,
                    timezone: default_timezone(),
                    ..Default::default()
                };
                accounts::ensure_unique(self.c, &user.username, &user.email, &user.id)
                    .map_err(api)?;
                store::users::insert(self.c, &user).map_err(db)?;
                if user.password_hash.is_empty() {
                    self.report.without_password.push(name.clone());
                }
                self.created_users.insert(name.clone());
                self.report.users.created += 1;
                user.id
            }
        };
        self.user_ids.insert(name.clone(), id.clone());
        let guest = u
            .roles
            .as_deref()
            .is_some_and(|r| r.split_whitespace().any(|x| x == "system_guest"));
        for t in u.teams.iter().flatten() {
            self.membership(&id, t, guest)?;
        }
        for (key, category, pref_name) in USER_PREFERENCES {
            let Some(v) = u.other.get(*key).and_then(Value::as_str) else {
                continue;
            };
            let value = if *key == "email_interval" {
                match EMAIL_INTERVALS.iter().find(|(word, _)| *word == v) {
                    Some((_, secs)) => secs.to_string(),
                    None => continue,
                }
            } else {
                v.to_string()
            };
            self.preference(&id, category, pref_name, &value)?;
        }
        if let Some(step) = u.other.get("tutorial_step").and_then(Value::as_str) {
            self.preference(&id, "tutorial_step", &id, step)?;
        }
        if let Some(path) = u.profile_image.as_deref() {
            let user = store::users::find(self.c, &id)
                .map_err(db)?
                .ok_or_else(|| Problem::new("app.import.import_user.save.error", "user gone"))?;
            self.attacher
                .picture(self.c, &user, path, self.now, self.report)?;
        }
        Ok(())
    }

    fn preference(
        &self,
        user_id: &str,
        category: &str,
        name: &str,
        value: &str,
    ) -> Result<(), Problem> {
        store::preferences::upsert(
            self.c,
            &Preference {
                user_id: user_id.to_string(),
                category: category.to_string(),
                name: name.to_string(),
                value: value.to_string(),
            },
        )
        .map_err(db)
    }

    /// A user's membership of a team and of the channels listed under it. Like Mattermost,
    /// joining a team also joins `town-square` (not for guests).
    fn membership(&mut self, user_id: &str, t: &UserTeam, guest: bool) -> Result<(), Problem> {
        let team = lower(&t.name);
        let team_id = self.team_id(&team)?;
        let roles = t.roles.as_deref().unwrap_or("team_user");
        store::teams::upsert_member(self.c, &team_id, user_id, roles).map_err(db)?;
        if !guest {
            if let Some(ts) = store::channels::find_by_name(self.c, &team_id, "town-square")
                .map_err(db)?
                .filter(|c| c.team_id == team_id && c.delete_at == 0)
            {
                accounts::join_channel(self.c, &ts.id, user_id, "channel_user").map_err(db)?;
            }
        }
        if let Some(theme) = &t.theme {
            self.preference(user_id, "theme", &team_id, theme)?;
        }
        for ch in t.channels.iter().flatten() {
            let channel_id = self.channel_id(&team, &lower(&ch.name))?;
            let stored =
                sql::channel_member_notify_props(self.c, &channel_id, user_id).map_err(db)?;
            let mut props = stored
                .and_then(|s| serde_json::from_str::<Map<String, Value>>(&s).ok())
                .unwrap_or_else(|| match default_member_notify_props() {
                    Value::Object(m) => m,
                    _ => Map::new(),
                });
            if let Some(n) = &ch.notify_props {
                for (key, value) in [
                    ("desktop", &n.desktop),
                    ("push", &n.mobile),
                    ("mark_unread", &n.mark_unread),
                ] {
                    if let Some(v) = value {
                        props.insert(key.into(), Value::from(v.clone()));
                    }
                }
            }
            let msg_count = ch.msg_count.filter(|_| ch.msg_count_root.is_some());
            sql::upsert_channel_member(
                self.c,
                &channel_id,
                user_id,
                ch.roles.as_deref().unwrap_or("channel_user"),
                &Value::Object(props).to_string(),
                ch.last_viewed_at,
                msg_count,
                self.now,
            )
            .map_err(db)?;
            if ch.favorite == Some(true) {
                self.preference(user_id, "favorite_channel", &channel_id, "true")?;
            }
        }
        Ok(())
    }

    fn bot(&mut self, b: BotLine) -> Result<(), Problem> {
        let name = lower(&b.username);
        let owner_name = b.owner.clone().unwrap_or_default();
        // An owner that is no user (a plugin's id) is kept as it is, as Mattermost does.
        let owner =
            match store::users::find_by_username(self.c, &owner_name.to_lowercase()).map_err(db)? {
                Some(u) => u.id,
                None => owner_name,
            };
        let display = b.display_name.clone().unwrap_or_default();
        let description = b.description.clone().unwrap_or_default();
        let id = match store::users::find_by_username(self.c, &name).map_err(db)? {
            Some(u) if u.is_bot() => {
                let mut bot = store::bots::find(self.c, &u.id)
                    .map_err(db)?
                    .ok_or_else(|| {
                        Problem::new("app.bot.get.app_error", "the bot row is missing")
                    })?;
                bot.display_name = display.clone();
                bot.description = description;
                bot.owner_id = owner;
                bot.update_at = self.now;
                store::bots::update(self.c, &bot).map_err(db)?;
                sql::set_first_name(self.c, &u.id, &display, self.now).map_err(db)?;
                self.report.bots.updated += 1;
                u.id
            }
            Some(_) => {
                return Err(Problem::new(
                    "app.user.save.username_exists.app_error",
                    format!("{name:?} is a user, not a bot"),
                ))
            }
            None => {
                let bot = Bot {
                    user_id: new_id(),
                    username: name.clone(),
                    display_name: display,
                    description,
                    owner_id: owner,
                    create_at: self.now,
                    update_at: self.now,
                    ..Default::default()
                };
                let user = accounts::bot_user(&bot);
                accounts::ensure_unique(self.c, &user.username, &user.email, &user.id)
                    .map_err(api)?;
                store::users::insert(self.c, &user).map_err(db)?;
                store::bots::insert(self.c, &bot).map_err(db)?;
                self.report.bots.created += 1;
                bot.user_id
            }
        };
        self.user_ids.insert(name, id);
        Ok(())
    }

    /// The direct or group channel of these members (created if missing).
    fn direct_id(&mut self, members: &[String]) -> Result<(String, bool), Problem> {
        let mut key: Vec<String> = members.iter().map(|m| m.to_lowercase()).collect();
        key.sort();
        if let Some(id) = self.direct_ids.get(&key) {
            return Ok((id.clone(), false));
        }
        let mut users = Vec::new();
        for name in &key {
            let id = self.user_id(name)?;
            users.push(
                store::users::find(self.c, &id)
                    .map_err(db)?
                    .ok_or_else(|| {
                        Problem::new(
                            "app.import.get_users_by_username.some_users_not_found.error",
                            name.clone(),
                        )
                    })?,
            );
        }
        users.dedup_by(|a, b| a.id == b.id);
        let ch = match users.as_slice() {
            [a] => crate::channels::ensure_direct(self.c, &a.id, &a.id),
            [a, b] => crate::channels::ensure_direct(self.c, &a.id, &b.id),
            _ => crate::channels::ensure_group(self.c, &users[0].id, &users),
        }
        .map_err(api)?;
        let created = ch.create_at >= self.now;
        if created {
            self.report.direct_channels.created += 1;
        }
        self.direct_ids.insert(key, ch.id.clone());
        Ok((ch.id, created))
    }

    fn direct_channel(&mut self, d: DirectChannelLine) -> Result<(), Problem> {
        let members = d.member_names().unwrap_or_default();
        if members.len() < 2 || members.len() > 8 {
            return Ok(());
        }
        let (id, created) = self.direct_id(&members)?;
        if !created {
            self.report.direct_channels.updated += 1;
        }
        if let Some(h) = &d.header {
            sql::set_header(self.c, &id, h, self.now).map_err(db)?;
        }
        for f in d.favorited_by.iter().flatten() {
            let uid = self.user_id(f)?;
            self.preference(&uid, "favorite_channel", &id, "true")?;
        }
        Ok(())
    }

    /// The post a line means: an existing one with its identity that no earlier line of this
    /// import took, if any.
    fn find_post(
        &self,
        channel_id: &str,
        root_id: &str,
        at: i64,
        message: &str,
    ) -> Result<Option<String>, Problem> {
        for id in sql::matching_posts(self.c, channel_id, root_id, at, message).map_err(db)? {
            let made_now = !self.record_inserts && id > self.marker;
            if made_now || sql::is_claimed(self.c, &id).map_err(db)? {
                continue;
            }
            return Ok(Some(id));
        }
        Ok(None)
    }

    /// Writes one post (root or reply); returns its id.
    fn put_post(
        &mut self,
        mut p: Post,
        count: fn(&mut Report) -> &mut Count,
    ) -> Result<String, Problem> {
        match self.find_post(&p.channel_id, &p.root_id, p.create_at, &p.message)? {
            Some(id) => {
                p.id = id;
                sql::update_post(self.c, &p).map_err(db)?;
                sql::claim(self.c, &p.id).map_err(db)?;
                count(self.report).updated += 1;
            }
            None => {
                p.id = new_id();
                sql::insert_post(self.c, &p).map_err(db)?;
                if self.record_inserts {
                    sql::claim(self.c, &p.id).map_err(db)?;
                }
                count(self.report).created += 1;
            }
        }
        Ok(p.id)
    }

    fn post(&mut self, line: PostLine, direct: bool) -> Result<(), Problem> {
        let channel_id = if direct {
            self.direct_id(line.channel_members.as_deref().unwrap_or(&[]))?
                .0
        } else {
            self.channel_id(&lower(&line.team), &lower(&line.channel))?
        };
        let at = line.create_at.unwrap_or(0);
        let message = line.message.unwrap_or_default();
        let root = Post {
            create_at: at,
            update_at: at,
            edit_at: line.edit_at.unwrap_or(0),
            is_pinned: line.is_pinned.unwrap_or(false),
            user_id: self.user_id(line.user.as_deref().unwrap_or(""))?,
            channel_id: channel_id.clone(),
            hashtags: hashtags(&message),
            message,
            kind: line.kind.unwrap_or_default(),
            props: line.props.unwrap_or_default(),
            ..Default::default()
        };
        let count: fn(&mut Report) -> &mut Count = if direct {
            |r| &mut r.direct_posts
        } else {
            |r| &mut r.posts
        };
        let author = root.user_id.clone();
        let root_id = self.put_post(root, count)?;
        let owner = Owner {
            id: &root_id,
            channel_id: &channel_id,
            user_id: &author,
            create_at: at,
        };
        self.attacher
            .attach(self.c, &owner, line.attachments.as_deref(), self.report)?;
        self.flag(&root_id, line.flagged_by.as_deref())?;
        self.react(&root_id, &channel_id, line.reactions.as_deref())?;
        let replies = line.replies.unwrap_or_default();
        for r in &replies {
            let r_at = r.create_at.unwrap_or(at).max(at);
            let message = r.message.clone().unwrap_or_default();
            let reply = Post {
                create_at: r_at,
                update_at: r_at,
                edit_at: r.edit_at.unwrap_or(0),
                is_pinned: r.is_pinned.unwrap_or(false),
                user_id: self.user_id(r.user.as_deref().unwrap_or(""))?,
                channel_id: channel_id.clone(),
                root_id: root_id.clone(),
                hashtags: hashtags(&message),
                message,
                kind: r.kind.clone().unwrap_or_default(),
                props: r.props.clone().unwrap_or_default(),
                ..Default::default()
            };
            let author = reply.user_id.clone();
            let id = self.put_post(reply, |r| &mut r.replies)?;
            let owner = Owner {
                id: &id,
                channel_id: &channel_id,
                user_id: &author,
                create_at: r_at,
            };
            self.attacher
                .attach(self.c, &owner, r.attachments.as_deref(), self.report)?;
            self.flag(&id, r.flagged_by.as_deref())?;
            self.react(&id, &channel_id, r.reactions.as_deref())?;
        }
        if !replies.is_empty() {
            sql::recount_thread(self.c, &root_id).map_err(db)?;
        }
        if !self.touched_channels.contains(&channel_id) {
            self.touched_channels.insert(channel_id);
        }
        Ok(())
    }

    /// `flagged_by`: each user saves the post.
    fn flag(&mut self, post_id: &str, who: Option<&[String]>) -> Result<(), Problem> {
        for name in who.unwrap_or(&[]) {
            let uid = self.user_id(name)?;
            self.preference(&uid, "flagged_post", post_id, "true")?;
        }
        Ok(())
    }

    /// `reactions`: each kept once (a second run finds them and changes nothing).
    fn react(
        &mut self,
        post_id: &str,
        channel_id: &str,
        list: Option<&[Reaction]>,
    ) -> Result<(), Problem> {
        for r in list.unwrap_or(&[]) {
            let at = r.create_at.unwrap_or(self.now);
            let reaction = crate::store::reactions::Reaction {
                user_id: self.user_id(r.user.as_deref().unwrap_or(""))?,
                post_id: post_id.to_string(),
                emoji_name: r.emoji_name.clone().unwrap_or_default(),
                create_at: at,
                update_at: at,
                delete_at: 0,
                remote_id: String::new(),
                channel_id: channel_id.to_string(),
            };
            let (_, added) = store::reactions::insert(self.c, &reaction).map_err(db)?;
            if added {
                self.report.reactions += 1;
            }
        }
        Ok(())
    }

    /// The manifest: bots' memberships and state, hooks, commands, tokens, password hashes.
    pub(super) fn manifest(&mut self, m: &Manifest) -> Result<(), Problem> {
        super::restore::restore(self, m)
    }

    /// The counters of every channel that got posts.
    pub(super) fn finish(&mut self) -> Result<(), StoreError> {
        for id in &self.touched_channels {
            sql::recount_channel(self.c, id)?;
        }
        Ok(())
    }

    // For `restore.rs`.
    pub(super) fn conn(&self) -> &Conn {
        self.c
    }
    pub(super) fn now(&self) -> i64 {
        self.now
    }
    pub(super) fn report(&mut self) -> &mut Report {
        self.report
    }
    pub(super) fn was_created(&self, username: &str) -> bool {
        self.created_users.contains(username)
    }
    pub(super) fn resolve_user(&mut self, name: &str) -> Result<String, Problem> {
        self.user_id(name)
    }
    pub(super) fn resolve_team(&mut self, name: &str) -> Result<String, Problem> {
        self.team_id(&name.to_lowercase())
    }
    pub(super) fn resolve_channel(&mut self, team: &str, name: &str) -> Result<String, Problem> {
        self.channel_id(&team.to_lowercase(), &name.to_lowercase())
    }
}
