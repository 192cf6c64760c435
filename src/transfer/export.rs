//! `perch export`: the database as a zip Mattermost's bulk import accepts line for line
//! (`docs/spec/bulk-import.md` §7): `import.jsonl` in the importer's order (version, teams,
//! channels, users with their memberships, bots, posts with their threads, direct channels,
//! their posts), and `perch-integrations.json` beside it. Everything is read from one snapshot,
//! so a running server may keep writing; posts are streamed channel by channel. Every line is
//! checked with the importer's rules before it is written: what would be refused is left out
//! and reported, never written and never dropped silently.

use super::archive::{Writer, JSONL, MANIFEST};
use super::attach;
use super::format::*;
use super::manifest;
use super::validate;
use crate::model::channel::Channel;
use crate::model::post::Post;
use crate::model::user::User;
use crate::store::export::{Membership, Snapshot};
use crate::store::{Store, StoreError};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::Path;

/// What an export wrote, and what it left out.
#[derive(Debug, Default)]
pub struct Summary {
    pub teams: usize,
    pub channels: usize,
    pub users: usize,
    pub bots: usize,
    pub posts: usize,
    pub replies: usize,
    pub direct_channels: usize,
    pub direct_posts: usize,
    pub hooks_and_commands: usize,
    /// Attached files written under `data/`.
    pub attachments: usize,
    pub warnings: Vec<String>,
    /// The attached files to copy into the zip, as paths under the file store.
    pub(super) files: Vec<String>,
}

/// Why an export failed.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure(format!("database: {e}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(format!("writing the archive: {e}"))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure(format!("writing the archive: {e}"))
    }
}

/// What the target Mattermost understands.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Bots as `bot` lines (Mattermost 10.2 and later stop at nothing else); off: bots are
    /// written as ordinary user lines, which older importers take (the accounts become users).
    pub bot_lines: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { bot_lines: true }
    }
}

impl Options {
    /// For a target Mattermost version `major.minor`: `bot` lines from 10.2 on.
    pub fn for_mattermost(major: u32, minor: u32) -> Options {
        Options {
            bot_lines: (major, minor) >= (10, 2),
        }
    }
}

/// Writes the export of the database at `db`, with the attached files found under `files`
/// (`FileSettings.Directory`), to `to` (first under a temporary name beside it, renamed when
/// complete, so `to` is never a partial archive).
pub fn export(db: &Path, files: &Path, to: &Path, opts: Options) -> Result<Summary, Failure> {
    if !db.exists() {
        return Err(Failure(format!("there is no database at {}", db.display())));
    }
    let mut snap = Snapshot::open(db)?;
    if snap.schema_version() < crate::store::migrate::SCHEMA_VERSION {
        // Not started since an upgrade: bring the schema up first, as a server would.
        drop(snap);
        drop(Store::open(db)?);
        snap = Snapshot::open(db)?;
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.zip".into());
    let partial = to.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let mut zip = Writer::create(&partial)?;
        let summary = write_all(&snap, files, &mut zip, opts)?;
        zip.finish()?;
        std::fs::rename(&partial, to)?;
        Ok(summary)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Names by id, and what was left out, shared by the line writers.
pub(super) struct Names {
    pub(super) users: HashMap<String, String>,
    /// Users (and bots) whose line could not be written: their posts are left out too.
    pub(super) skipped_users: HashSet<String>,
    pub(super) teams: HashMap<String, String>,
    /// Team channel id → (team name, channel name), for the channels that were written.
    pub(super) channels: HashMap<String, (String, String)>,
    /// Per post id, who saved it (`flagged_post` preferences).
    pub(super) flagged: HashMap<String, Vec<String>>,
}

impl Names {
    pub(super) fn user(&self, id: &str) -> Option<&str> {
        if self.skipped_users.contains(id) {
            return None;
        }
        self.users.get(id).map(String::as_str)
    }
}

fn write_line(out: &mut dyn Write, line: &Line) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn write_all(
    snap: &Snapshot,
    files: &Path,
    zip: &mut Writer,
    opts: Options,
) -> Result<Summary, Failure> {
    let mut sum = Summary::default();
    let users = snap.users()?;
    let mut names = Names {
        users: users
            .iter()
            .map(|u| (u.id.clone(), u.username.clone()))
            .collect(),
        skipped_users: HashSet::new(),
        teams: HashMap::new(),
        channels: HashMap::new(),
        flagged: HashMap::new(),
    };
    for (user_id, _, post_id, value) in snap.preferences(&["flagged_post"])? {
        if value == "true" {
            if let Some(name) = names.users.get(&user_id) {
                names.flagged.entry(post_id).or_default().push(name.clone());
            }
        }
    }
    let team_channels = snap.team_channels()?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, zip.start(JSONL)?);
    let now = crate::model::now_ms();
    write_line(
        &mut out,
        &Line {
            kind: "version".into(),
            version: Some(1),
            info: Some(serde_json::json!({
                "generator": "perch",
                "version": format!("{} (Mattermost API {})", crate::VERSION, crate::MM_VERSION),
                "created": crate::model::rfc3339(now),
            })),
            ..Default::default()
        },
    )?;
    for t in snap.teams()? {
        let line = TeamLine {
            name: Some(t.name.clone()),
            display_name: Some(t.display_name.clone()),
            kind: Some(t.kind.clone()),
            description: some(&t.description),
            allow_open_invite: Some(t.allow_open_invite),
            scheme: None,
        };
        if let Err(p) = validate::team(&line) {
            sum.warnings
                .push(format!("team {}: {p}: left out with its channels", t.name));
            continue;
        }
        write_line(
            &mut out,
            &Line {
                kind: "team".into(),
                team: Some(line),
                ..Default::default()
            },
        )?;
        names.teams.insert(t.id, t.name);
        sum.teams += 1;
    }
    for c in &team_channels {
        let Some(team) = names.teams.get(&c.team_id).cloned() else {
            continue;
        };
        let line = ChannelLine {
            team: Some(team.clone()),
            name: Some(c.name.clone()),
            display_name: Some(if c.display_name.is_empty() {
                c.name.clone()
            } else {
                c.display_name.clone()
            }),
            kind: Some(c.kind.clone()),
            header: Some(c.header.clone()),
            purpose: Some(c.purpose.clone()),
            scheme: None,
            deleted_at: (c.delete_at > 0).then_some(c.delete_at),
        };
        if let Err(p) = validate::channel(&line) {
            sum.warnings.push(format!(
                "channel {team}/{}: {p}: left out with its posts",
                c.name
            ));
            continue;
        }
        write_line(
            &mut out,
            &Line {
                kind: "channel".into(),
                channel: Some(line),
                ..Default::default()
            },
        )?;
        names.channels.insert(c.id.clone(), (team, c.name.clone()));
        sum.channels += 1;
    }
    let members = Members::load(snap)?;
    // Without `bot` lines, bots are ordinary users (with their memberships) to the target.
    for u in users.iter().filter(|u| !u.is_bot() || !opts.bot_lines) {
        let mut line = user_line(u, &names, &members);
        line.profile_image = attach::profile_image(files, u, &mut sum);
        if let Err(p) = validate::user(&line) {
            sum.warnings.push(format!(
                "user {}: {p}: Mattermost would refuse it, so it and its posts are left out",
                u.username
            ));
            names.skipped_users.insert(u.id.clone());
            continue;
        }
        write_line(
            &mut out,
            &Line {
                kind: "user".into(),
                user: Some(line),
                ..Default::default()
            },
        )?;
        sum.users += 1;
    }
    let bots = if opts.bot_lines {
        snap.bots()?
    } else {
        Vec::new()
    };
    for b in &bots {
        let owner = names
            .users
            .get(&b.owner_id)
            .cloned()
            .unwrap_or_else(|| b.owner_id.clone());
        let line = BotLine {
            username: Some(b.username.clone()),
            owner: Some(owner),
            display_name: some(&b.display_name),
            description: some(&b.description),
            profile_image: None,
            delete_at: (b.delete_at > 0).then_some(b.delete_at),
        };
        if let Err(p) = validate::bot(&line) {
            sum.warnings.push(format!(
                "bot {}: {p}: Mattermost would refuse it, so it and its posts are left out",
                b.username
            ));
            names.skipped_users.insert(b.user_id.clone());
            continue;
        }
        write_line(
            &mut out,
            &Line {
                kind: "bot".into(),
                bot: Some(line),
                ..Default::default()
            },
        )?;
        sum.bots += 1;
    }
    let mut left_out = 0usize;
    for c in &team_channels {
        let Some((team, channel)) = names.channels.get(&c.id).cloned() else {
            continue;
        };
        let target = Target::Team { team, channel };
        left_out += write_posts(snap, &names, c, &target, files, &mut out, &mut sum)?;
    }
    let directs = direct_channels(snap, &names, &members, &mut sum)?;
    for (c, member_names) in &directs {
        let line = DirectChannelLine {
            members: Some(member_names.clone()),
            favorited_by: members.favorited_by(&c.id, &names),
            header: some(&c.header),
            ..Default::default()
        };
        if let Err(p) = validate::direct_channel(&line) {
            sum.warnings
                .push(format!("a direct channel: {p}: left out"));
            continue;
        }
        write_line(
            &mut out,
            &Line {
                kind: "direct_channel".into(),
                direct_channel: Some(line),
                ..Default::default()
            },
        )?;
        sum.direct_channels += 1;
    }
    for (c, member_names) in &directs {
        let target = Target::Direct(member_names.clone());
        left_out += write_posts(snap, &names, c, &target, files, &mut out, &mut sum)?;
    }
    if left_out > 0 {
        sum.warnings.push(format!(
            "{left_out} posts or replies by users that were left out are not in the file"
        ));
    }
    out.flush()?;
    drop(out);
    attach::copy_files(files, zip, &mut sum)?;
    let manifest = manifest::build(snap, &names, &members, &bots, &users, now, &mut sum)?;
    let m = zip.start(MANIFEST)?;
    serde_json::to_writer_pretty(&mut *m, &manifest)?;
    m.write_all(b"\n")?;
    if !sum.warnings.is_empty() {
        let w = zip.start("warnings.txt")?;
        for line in &sum.warnings {
            writeln!(w, "{line}")?;
        }
    }
    Ok(sum)
}

/// Memberships and the preferences that belong to them, grouped for the user lines.
pub(super) struct Members {
    pub(super) teams: HashMap<String, Vec<Membership>>,
    pub(super) channels: HashMap<String, Vec<crate::model::channel::ChannelMember>>,
    /// Members of every channel, by channel id (direct channels need them).
    by_channel: HashMap<String, Vec<String>>,
    /// (user id, channel id) marked favorite.
    favorites: HashSet<(String, String)>,
    /// Per user: (category, name, value) of the preferences a user line carries.
    prefs: HashMap<String, Vec<(String, String, String)>>,
}

impl Members {
    fn load(snap: &Snapshot) -> Result<Members, Failure> {
        let mut teams: HashMap<String, Vec<Membership>> = HashMap::new();
        for m in snap.team_members()? {
            teams.entry(m.user_id.clone()).or_default().push(m);
        }
        let mut channels: HashMap<String, Vec<_>> = HashMap::new();
        let mut by_channel: HashMap<String, Vec<String>> = HashMap::new();
        for m in snap.channel_members()? {
            by_channel
                .entry(m.channel_id.clone())
                .or_default()
                .push(m.user_id.clone());
            channels.entry(m.user_id.clone()).or_default().push(m);
        }
        let favorites = snap
            .preferences(&["favorite_channel"])?
            .into_iter()
            .filter(|(_, _, _, v)| v == "true")
            .map(|(u, _, c, _)| (u, c))
            .collect();
        let mut cats: Vec<&str> = USER_PREFERENCES.iter().map(|(_, c, _)| *c).collect();
        cats.push("tutorial_step");
        cats.sort_unstable();
        cats.dedup();
        let mut prefs: HashMap<String, Vec<_>> = HashMap::new();
        for (u, c, n, v) in snap.preferences(&cats)? {
            prefs.entry(u).or_default().push((c, n, v));
        }
        Ok(Members {
            teams,
            channels,
            by_channel,
            favorites,
            prefs,
        })
    }

    fn favorited_by(&self, channel_id: &str, names: &Names) -> Option<Vec<String>> {
        let who: Vec<String> = self
            .by_channel
            .get(channel_id)
            .into_iter()
            .flatten()
            .filter(|u| {
                self.favorites
                    .contains(&((*u).clone(), channel_id.to_string()))
            })
            .filter_map(|u| names.user(u).map(str::to_string))
            .collect();
        (!who.is_empty()).then_some(who)
    }
}

/// A value from a fixed set, or nothing.
fn one_of(v: Option<&Value>, allowed: &[&str]) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| allowed.contains(s))
        .map(str::to_string)
}

fn user_line(u: &User, names: &Names, members: &Members) -> UserLine {
    let n = &u.notify_props;
    let bools = ["true", "false"];
    let levels = ["all", "mention", "none"];
    let notify = UserNotifyProps {
        desktop: one_of(n.get("desktop"), &levels),
        desktop_sound: one_of(n.get("desktop_sound"), &bools),
        email: one_of(n.get("email"), &bools),
        mobile: one_of(n.get("push"), &levels),
        mobile_push_status: one_of(n.get("push_status"), &["online", "away", "offline"]),
        channel: one_of(n.get("channel"), &bools),
        comments: one_of(n.get("comments"), &["any", "root", "never"]),
        mention_keys: n
            .get("mention_keys")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    let mut channels_by_team: HashMap<&str, Vec<UserChannel>> = HashMap::new();
    let team_of: HashMap<&str, &str> = names
        .channels
        .iter()
        .map(|(id, (team, _))| (id.as_str(), team.as_str()))
        .collect();
    for m in members.channels.get(&u.id).into_iter().flatten() {
        let (Some(team), Some((_, channel))) = (
            team_of.get(m.channel_id.as_str()),
            names.channels.get(&m.channel_id),
        ) else {
            continue;
        };
        let np = &m.notify_props;
        let props = ChannelNotifyProps {
            desktop: one_of(np.get("desktop"), &["default", "all", "mention", "none"]),
            mobile: one_of(np.get("push"), &["default", "all", "mention", "none"]),
            mark_unread: one_of(np.get("mark_unread"), &["all", "mention"]),
        };
        let favorite = members
            .favorites
            .contains(&(u.id.clone(), m.channel_id.clone()));
        channels_by_team.entry(team).or_default().push(UserChannel {
            name: Some(channel.clone()),
            roles: Some(m.roles.clone()),
            notify_props: Some(props),
            favorite: favorite.then_some(true),
            last_viewed_at: (m.last_viewed_at > 0).then_some(m.last_viewed_at),
            ..Default::default()
        });
    }
    let mut team_prefs: HashMap<&str, String> = HashMap::new();
    let mut other = std::collections::BTreeMap::new();
    for (cat, name, value) in members.prefs.get(&u.id).into_iter().flatten() {
        if cat == "theme" && !name.is_empty() {
            team_prefs.insert(name.as_str(), value.clone());
            continue;
        }
        if cat == "tutorial_step" {
            if name == &u.id {
                other.insert("tutorial_step".to_string(), Value::from(value.clone()));
            }
            continue;
        }
        let Some((key, _, _)) = USER_PREFERENCES
            .iter()
            .find(|(_, c, n)| c == cat && n == name)
        else {
            continue;
        };
        let value = if *key == "email_interval" {
            match EMAIL_INTERVALS.iter().find(|(_, secs)| secs == value) {
                Some((word, _)) => word.to_string(),
                None => continue,
            }
        } else {
            value.clone()
        };
        other.insert(key.to_string(), Value::from(value));
    }
    let teams: Vec<UserTeam> = members
        .teams
        .get(&u.id)
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let team = names.teams.get(&m.scope_id)?;
            Some(UserTeam {
                name: Some(team.clone()),
                roles: Some(m.roles.clone()),
                theme: team_prefs.get(m.scope_id.as_str()).cloned(),
                channels: channels_by_team.remove(team.as_str()),
            })
        })
        .collect();
    UserLine {
        username: Some(u.username.clone()),
        email: Some(u.email.clone()),
        auth_service: None,
        auth_data: None,
        password: None,
        nickname: Some(u.nickname.clone()),
        first_name: Some(u.first_name.clone()),
        last_name: Some(u.last_name.clone()),
        position: Some(u.position.clone()),
        roles: Some(u.roles.clone()),
        locale: Some(if u.locale.is_empty() {
            "en".into()
        } else {
            u.locale.clone()
        }),
        delete_at: (u.delete_at > 0).then_some(u.delete_at),
        profile_image: None,
        teams: Some(teams),
        notify_props: Some(notify),
        custom_status: None,
        other,
    }
}

/// The direct and group channels that can be written, with their members' names (a
/// self-conversation lists its user twice, as Mattermost's importer wants).
fn direct_channels(
    snap: &Snapshot,
    names: &Names,
    members: &Members,
    sum: &mut Summary,
) -> Result<Vec<(Channel, Vec<String>)>, Failure> {
    let mut out = Vec::new();
    let mut left_out = 0;
    for c in snap.direct_channels()? {
        let ids = members.by_channel.get(&c.id).cloned().unwrap_or_default();
        let member_names: Option<Vec<String>> = ids
            .iter()
            .map(|id| names.user(id).map(str::to_string))
            .collect();
        let Some(mut member_names) = member_names else {
            left_out += 1;
            continue;
        };
        if c.kind == "D" && member_names.len() == 1 {
            member_names.push(member_names[0].clone());
        }
        member_names.sort();
        out.push((c, member_names));
    }
    if left_out > 0 {
        sum.warnings.push(format!(
            "{left_out} direct or group channels with a member that was left out are not in the file"
        ));
    }
    Ok(out)
}

/// Where a channel's posts go: a `post` line (team, channel) or a `direct_post` line.
enum Target {
    Team { team: String, channel: String },
    Direct(Vec<String>),
}

/// The identity Mattermost's importer gives a post (time and message within its channel or
/// thread): a time is moved on by a millisecond until it is unique, so two posts never merge.
struct Unique(BTreeSet<(i64, u64)>);

impl Unique {
    fn new() -> Unique {
        Unique(BTreeSet::new())
    }

    /// The time to write for a post made at `at` (never before `floor`).
    fn take(&mut self, at: i64, floor: i64, message: &str) -> i64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        message.hash(&mut h);
        let h = h.finish();
        let mut at = at.max(floor);
        // Keys older than the current time can no longer collide (times only move on).
        while self.0.first().is_some_and(|(t, _)| *t < at) {
            self.0.pop_first();
        }
        while self.0.contains(&(at, h)) {
            at += 1;
        }
        self.0.insert((at, h));
        at
    }
}

/// Writes a channel's root posts with their threads; returns how many posts were left out.
fn write_posts(
    snap: &Snapshot,
    names: &Names,
    channel: &Channel,
    target: &Target,
    files: &Path,
    out: &mut dyn Write,
    sum: &mut Summary,
) -> Result<usize, Failure> {
    let mut roots = Unique::new();
    let mut left_out = 0;
    snap.for_each_root(&channel.id, |root: Post| -> Result<(), Failure> {
        let Some(author) = names.user(&root.user_id) else {
            left_out += 1 + root.reply_count.max(0) as usize;
            return Ok(());
        };
        let at = roots.take(root.create_at, 1, &root.message);
        let mut thread = Unique::new();
        let mut replies = Vec::new();
        let mut attached = Vec::new();
        for r in snap.replies(&root.id)? {
            let Some(user) = names.user(&r.user_id) else {
                left_out += 1;
                continue;
            };
            let r_at = thread.take(r.create_at, at, &r.message);
            let r_reactions = reactions(snap, names, &r.id, r_at)?;
            replies.push(Reply {
                user: Some(user.to_string()),
                kind: Some(r.kind.clone()),
                message: Some(r.message.clone()),
                props: props(&r.props),
                create_at: Some(r_at),
                edit_at: (r.edit_at > 0).then_some(r.edit_at),
                is_pinned: r.is_pinned.then_some(true),
                flagged_by: flagged(names, &r.id, target),
                reactions: r_reactions,
                attachments: attach::attachments(snap, files, &r, &mut attached, sum)?,
            });
        }
        let (team, channel_name, channel_members) = match target {
            Target::Team { team, channel } => (Some(team.clone()), Some(channel.clone()), None),
            Target::Direct(m) => (None, None, Some(m.clone())),
        };
        let n_replies = replies.len();
        let line = PostLine {
            team,
            channel: channel_name,
            channel_members,
            user: Some(author.to_string()),
            kind: Some(root.kind.clone()),
            message: Some(root.message.clone()),
            props: props(&root.props),
            create_at: Some(at),
            edit_at: (root.edit_at > 0).then_some(root.edit_at),
            is_pinned: root.is_pinned.then_some(true),
            flagged_by: flagged(names, &root.id, target),
            reactions: reactions(snap, names, &root.id, at)?,
            replies: (!replies.is_empty()).then_some(replies),
            attachments: attach::attachments(snap, files, &root, &mut attached, sum)?,
            thread_followers: None,
        };
        let direct = matches!(target, Target::Direct(_));
        if let Err(p) = validate::post(&line, direct) {
            sum.warnings.push(format!(
                "post {} in channel {}: {p}: left out",
                root.id, channel.id
            ));
            left_out += 1 + n_replies;
            return Ok(());
        }
        let kind = if direct { "direct_post" } else { "post" };
        let mut l = Line {
            kind: kind.into(),
            ..Default::default()
        };
        if direct {
            l.direct_post = Some(line);
            sum.direct_posts += 1;
        } else {
            l.post = Some(line);
            sum.posts += 1;
        }
        sum.replies += n_replies;
        sum.attachments += attached.len();
        sum.files.append(&mut attached);
        write_line(out, &l)
    })?;
    Ok(left_out)
}

/// A post's reactions by users that are in the file, never older than the post as written
/// (`at`): Mattermost's importer refuses a reaction older than its post.
fn reactions(
    snap: &Snapshot,
    names: &Names,
    post_id: &str,
    at: i64,
) -> Result<Option<Vec<Reaction>>, Failure> {
    let list: Vec<Reaction> = snap
        .reactions(post_id)?
        .into_iter()
        .filter_map(|(user_id, emoji, created)| {
            Some(Reaction {
                user: Some(names.user(&user_id)?.to_string()),
                emoji_name: Some(emoji),
                create_at: Some(created.max(at)),
            })
        })
        .collect();
    Ok((!list.is_empty()).then_some(list))
}

fn props(p: &Map<String, Value>) -> Option<Map<String, Value>> {
    (!p.is_empty()).then(|| p.clone())
}

/// Who saved a post; in a direct channel only its members may appear.
fn flagged(names: &Names, post_id: &str, target: &Target) -> Option<Vec<String>> {
    let who: Vec<String> = names
        .flagged
        .get(post_id)?
        .iter()
        .filter(|u| match target {
            Target::Direct(members) => members.contains(u),
            Target::Team { .. } => true,
        })
        .cloned()
        .collect();
    (!who.is_empty()).then_some(who)
}
