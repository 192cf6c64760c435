//! `perch import`: a Mattermost bulk-import file (zip or JSONL) into the database, all or
//! nothing. Two passes over the file, each streaming it line by line:
//!
//! 1. **Check** (`Checker`): every line against the importer's rules (`validate.rs`) and
//!    against what came before it (a channel's team, a post's author…, defined on an earlier
//!    line or already in the database), collecting every problem with its line number.
//!    Passwords given in the file are hashed here, outside the transaction.
//! 2. **Apply** (`apply.rs`), only if nothing was wrong: one transaction over the whole file
//!    and the manifest, committed at the end, or rolled back at the first error (and always
//!    after `--dry-run`, which therefore checks everything a real run would).
//!
//! Names are the identity, as in Mattermost's importer: a second run updates what the first
//! created and creates nothing twice.

use super::apply::Applier;
use super::archive::{Next, Source};
use super::attach::Attacher;
use super::format::{Line, PostLine, UserLine};
use super::manifest::Manifest;
use super::validate::{self, Problem};
use crate::config::Config;
use crate::password::PasswordHasherPool;
use crate::store::{self, import::ImportDb, Conn};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Problems reported in full; beyond this only counted.
const MAX_REPORTED: usize = 200;

/// A problem and where it is: a JSONL line (from 1), or 0 for the manifest.
#[derive(Debug, Clone)]
pub struct LineProblem {
    pub line: usize,
    pub problem: Problem,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", super::archive::MANIFEST, self.problem)
        } else {
            write!(f, "line {}: {}", self.line, self.problem)
        }
    }
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum Failure {
    /// The file breaks the rules: the first problems, and how many there are in all.
    Invalid(Vec<LineProblem>, usize),
    /// Writing failed at this line; everything was rolled back.
    Apply(LineProblem),
    /// The file or the database could not be used.
    Other(String),
}

/// Created and updated objects of one kind.
#[derive(Debug, Default, Clone, Copy)]
pub struct Count {
    pub created: usize,
    pub updated: usize,
}

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Default)]
pub struct Report {
    pub dry_run: bool,
    pub lines: usize,
    pub teams: Count,
    pub channels: Count,
    pub users: Count,
    pub bots: Count,
    pub posts: Count,
    pub replies: Count,
    pub direct_channels: Count,
    pub direct_posts: Count,
    /// Reactions added (a second run adds none).
    pub reactions: usize,
    /// Attached files stored (with `--dry-run`: found in the zip).
    pub files: usize,
    /// Profile pictures stored (with `--dry-run`: found in the zip).
    pub pictures: usize,
    /// Hooks, commands, tokens and password hashes restored from the manifest.
    pub manifest_items: usize,
    /// Imported accounts that have no password: they cannot log in until one is set.
    pub without_password: Vec<String>,
    /// What was skipped or changed, and why (counted per reason).
    pub notes: std::collections::BTreeMap<String, usize>,
}

impl Report {
    pub fn note(&mut self, what: impl Into<String>) {
        self.note_n(what, 1);
    }

    pub fn note_n(&mut self, what: impl Into<String>, n: usize) {
        if n > 0 {
            *self.notes.entry(what.into()).or_default() += n;
        }
    }
}

/// Imports `path` into the database `config` names.
pub fn run(config: &Config, path: &Path, dry_run: bool) -> Result<Report, Failure> {
    let source = Source::open(path).map_err(Failure::Other)?;
    let db = ImportDb::open(&config.db_path()).map_err(|e| Failure::Other(e.to_string()))?;
    let hasher = PasswordHasherPool::new(
        config.perch.argon2_memory_kib as u32,
        config.perch.argon2_iterations as u32,
        1,
    );
    let manifest: Option<Manifest> = match source.manifest().map_err(Failure::Other)? {
        Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
            Failure::Invalid(
                vec![LineProblem {
                    line: 0,
                    problem: Problem::new(
                        "app.import.bulk_import.json_decode.error",
                        e.to_string(),
                    ),
                }],
                1,
            )
        })?),
        None => None,
    };
    let mut check = Checker::new(db.conn(), config, &hasher);
    source.with_lines(Failure::Other, |lines| loop {
        match lines.next_line() {
            Ok(Next::Line(n, bytes)) => check.line(n, bytes),
            Ok(Next::TooLong(n)) => {
                check.problem(
                    n,
                    Problem::new(
                        "app.import.bulk_import.file_scan.error",
                        "the line is longer than 16 MiB",
                    ),
                );
                return Ok(());
            }
            Ok(Next::End) => return Ok(()),
            Err(e) => return Err(Failure::Other(format!("reading the file: {e}"))),
        }
    })?;
    if check.lines == 0 {
        check.problem(
            1,
            Problem::new(
                "app.import.process_import_data_file_version_line.invalid_version.error",
                "the file is empty",
            ),
        );
    }
    if check.total_problems > 0 {
        return Err(Failure::Invalid(check.problems, check.total_problems));
    }
    let mut report = std::mem::take(&mut check.report);
    report.dry_run = dry_run;
    report.lines = check.lines;
    let hashes = std::mem::take(&mut check.hashes);
    drop(check);
    let mut attacher = Attacher::new(&source, config, dry_run).map_err(Failure::Other)?;
    db.begin()
        .map_err(|e| Failure::Other(format!("database: {e}")))?;
    let applied = (|| {
        let mut apply = Applier::new(db.conn(), hashes, &mut report, &mut attacher)
            .map_err(|e| Failure::Other(format!("database: {e}")))?;
        source.with_lines(Failure::Other, |lines| loop {
            match lines.next_line() {
                Ok(Next::Line(n, bytes)) => {
                    apply
                        .line(bytes)
                        .map_err(|problem| Failure::Apply(LineProblem { line: n, problem }))?;
                }
                Ok(_) => return Ok(()),
                Err(e) => return Err(Failure::Other(format!("reading the file: {e}"))),
            }
        })?;
        if let Some(m) = &manifest {
            apply
                .manifest(m)
                .map_err(|problem| Failure::Apply(LineProblem { line: 0, problem }))?;
        }
        apply
            .finish()
            .map_err(|e| Failure::Other(format!("database: {e}")))
    })();
    match applied {
        Ok(()) if !dry_run => db.commit().map_err(|e| {
            attacher.discard();
            Failure::Other(format!("database: {e}"))
        })?,
        Ok(()) => db
            .rollback()
            .map_err(|e| Failure::Other(format!("database: {e}")))?,
        Err(e) => {
            let _ = db.rollback();
            attacher.discard();
            return Err(e);
        }
    }
    Ok(report)
}

/// Pass 1: the rules, and what each line refers to.
struct Checker<'a> {
    c: &'a Conn,
    config: &'a Config,
    hasher: &'a PasswordHasherPool,
    lines: usize,
    problems: Vec<LineProblem>,
    total_problems: usize,
    report: Report,
    /// Names defined by earlier lines.
    teams: HashSet<String>,
    channels: HashSet<(String, String)>,
    users: HashSet<String>,
    bots: HashSet<String>,
    /// Email → username of the user lines so far.
    emails: HashMap<String, String>,
    /// What the database has (looked up once per name).
    db_teams: HashMap<String, Option<String>>,
    db_channels: HashMap<(String, String), bool>,
    db_users: HashMap<String, Option<bool>>,
    /// Password hashes for the user lines that carry a password, by username.
    hashes: HashMap<String, String>,
}

/// The error of a lookup is reported as a problem of the line.
fn db_problem(e: store::StoreError) -> Problem {
    Problem::new("app.import.bulk_import.db.error", format!("database: {e}"))
}

impl<'a> Checker<'a> {
    fn new(c: &'a Conn, config: &'a Config, hasher: &'a PasswordHasherPool) -> Checker<'a> {
        Checker {
            c,
            config,
            hasher,
            lines: 0,
            problems: Vec::new(),
            total_problems: 0,
            report: Report::default(),
            teams: HashSet::new(),
            channels: HashSet::new(),
            users: HashSet::new(),
            bots: HashSet::new(),
            emails: HashMap::new(),
            db_teams: HashMap::new(),
            db_channels: HashMap::new(),
            db_users: HashMap::new(),
            hashes: HashMap::new(),
        }
    }

    fn problem(&mut self, line: usize, problem: Problem) {
        self.total_problems += 1;
        if self.problems.len() < MAX_REPORTED {
            self.problems.push(LineProblem { line, problem });
        }
    }

    fn line(&mut self, n: usize, bytes: &[u8]) {
        self.lines = n;
        if let Err(p) = self.check(n, bytes) {
            self.problem(n, p);
        }
    }

    fn check(&mut self, n: usize, bytes: &[u8]) -> Result<(), Problem> {
        let decode = |e: serde_json::Error| {
            Problem::new("app.import.bulk_import.json_decode.error", e.to_string())
        };
        if bytes.is_empty() {
            return Err(Problem::new(
                "app.import.bulk_import.json_decode.error",
                "an empty line",
            ));
        }
        let line: Line = serde_json::from_slice(bytes).map_err(decode)?;
        if n == 1 {
            if line.kind != "version" || line.version.is_none() {
                return Err(Problem::new(
                    "app.import.process_import_data_file_version_line.invalid_version.error",
                    "the first line must be {\"type\":\"version\",\"version\":1}",
                ));
            }
            if line.version != Some(1) {
                return Err(Problem::new(
                    "app.import.bulk_import.unsupported_version.error",
                    format!("version {:?} is not 1", line.version),
                ));
            }
            return Ok(());
        }
        let null = |kind: &str| {
            Problem::new(
                format!("app.import.import_line.null_{kind}.error"),
                format!("the {kind} line has no {kind} object"),
            )
        };
        match line.kind.as_str() {
            "team" => {
                let t = line.team.ok_or_else(|| null("team"))?;
                validate::team(&t)?;
                let name = lower(&t.name);
                // A new team comes with these two channels (an existing one has them already).
                for ch in ["town-square", "off-topic"] {
                    self.channels.insert((name.clone(), ch.to_string()));
                }
                self.teams.insert(name);
            }
            "channel" => {
                let ch = line.channel.ok_or_else(|| null("channel"))?;
                validate::channel(&ch)?;
                let team = lower(&ch.team);
                if !self.team_known(&team)? {
                    return Err(Problem::new(
                        "app.import.import_channel.team_not_found.error",
                        format!("team {team:?} is neither on an earlier line nor on this server"),
                    ));
                }
                self.channels.insert((team, lower(&ch.name)));
            }
            "user" => {
                let u = line.user.ok_or_else(|| null("user"))?;
                self.user(&u)?;
            }
            "bot" => {
                let b = line.bot.ok_or_else(|| null("bot"))?;
                validate::bot(&b)?;
                let name = lower(&b.username);
                if self.users.contains(&name) || self.db_user(&name)? == Some(false) {
                    return Err(Problem::new(
                        "app.user.save.username_exists.app_error",
                        format!("{name:?} is a user, not a bot"),
                    ));
                }
                self.bots.insert(name);
            }
            "post" => {
                let p = line.post.ok_or_else(|| null("post"))?;
                validate::post(&p, false)?;
                let (team, channel) = (lower(&p.team), lower(&p.channel));
                if !self.team_known(&team)? {
                    return Err(some_teams_not_found(&team));
                }
                if !self.channel_known(&team, &channel)? {
                    return Err(Problem::new(
                        "app.import.import_post.channel_not_found.error",
                        format!("channel {team}/{channel} is neither on an earlier line nor on this server"),
                    ));
                }
                self.post_users(&p)?;
                self.notes_for(&p);
            }
            "direct_post" => {
                let p = line.direct_post.ok_or_else(|| null("direct_post"))?;
                validate::post(&p, true)?;
                self.post_users(&p)?;
                self.notes_for(&p);
            }
            "direct_channel" => {
                let d = line.direct_channel.ok_or_else(|| null("direct_channel"))?;
                if !validate::direct_channel(&d)? {
                    self.report
                        .note("direct channels with fewer than 2 or more than 8 members skipped");
                    return Ok(());
                }
                let names = d.member_names().unwrap_or_default();
                for u in names.iter().chain(d.favorited_by.iter().flatten()) {
                    self.user_known(u)?;
                }
            }
            "emoji" => {
                line.emoji.ok_or_else(|| null("emoji"))?;
                self.report
                    .note("custom emoji skipped (Perch has no custom emoji)");
            }
            "scheme" | "role" => self
                .report
                .note("permission schemes and roles skipped (Perch uses Mattermost's defaults)"),
            "version" => {
                return Err(Problem::new(
                    "app.import.import_line.unknown_line_type.error",
                    "a version line after line 1",
                ))
            }
            other => {
                return Err(Problem::new(
                    "app.import.import_line.unknown_line_type.error",
                    format!("unknown line type {other:?}"),
                ))
            }
        }
        Ok(())
    }

    fn user(&mut self, u: &UserLine) -> Result<(), Problem> {
        validate::user(u)?;
        let name = lower(&u.username);
        if self.bots.contains(&name) || self.db_user(&name)? == Some(true) {
            return Err(Problem::new(
                "app.user.save.username_exists.app_error",
                format!("{name:?} is a bot"),
            ));
        }
        let email = lower(&u.email);
        match self.emails.get(&email) {
            Some(other) if *other != name => {
                return Err(Problem::new(
                    "app.user.save.email_exists.app_error",
                    format!("{email:?} is also the email of {other:?} on an earlier line"),
                ))
            }
            _ => {}
        }
        let owner = store::users::find_by_email(self.c, &email).map_err(db_problem)?;
        if let Some(owner) = owner.filter(|o| o.username != name) {
            // Only a conflict if that account keeps its email (an earlier line may change it).
            if !self.users.contains(&owner.username) {
                return Err(Problem::new(
                    "app.user.save.email_exists.app_error",
                    format!("{email:?} belongs to {:?} on this server", owner.username),
                ));
            }
        }
        for t in u.teams.iter().flatten() {
            let team = lower(&t.name);
            if !self.team_known(&team)? {
                return Err(some_teams_not_found(&team));
            }
            for ch in t.channels.iter().flatten() {
                let channel = lower(&ch.name);
                if !self.channel_known(&team, &channel)? {
                    return Err(Problem::new(
                        "app.import.import_user_channels.channel_not_found.error",
                        format!("channel {team}/{channel} is neither on an earlier line nor on this server"),
                    ));
                }
            }
        }
        if let Some(pw) = &u.password {
            crate::model::user::check_password(pw, &self.config.password)
                .map_err(|id| Problem::new(id, "the password does not meet PasswordSettings"))?;
            let hash = self
                .hasher
                .hash(pw)
                .map_err(|e| Problem::new(e.id.to_string(), e.message))?;
            self.hashes.insert(name.clone(), hash);
        }
        if u.auth_service.as_deref().is_some_and(|s| !s.is_empty()) {
            self.report.note(
                "single sign-on bindings (auth_service) dropped: those users get local accounts",
            );
        }
        self.emails.insert(email, name.clone());
        self.users.insert(name);
        Ok(())
    }

    /// The authors, reactors, savers and members a post line names must exist.
    fn post_users(&mut self, p: &PostLine) -> Result<(), Problem> {
        let mut names: Vec<&String> = Vec::new();
        names.extend(p.user.iter());
        names.extend(p.channel_members.iter().flatten());
        names.extend(p.flagged_by.iter().flatten());
        names.extend(p.reactions.iter().flatten().filter_map(|r| r.user.as_ref()));
        for r in p.replies.iter().flatten() {
            names.extend(r.user.iter());
            names.extend(r.flagged_by.iter().flatten());
            names.extend(r.reactions.iter().flatten().filter_map(|x| x.user.as_ref()));
        }
        for n in names {
            self.user_known(n)?;
        }
        Ok(())
    }

    /// What the import will leave out of a post line (reported, not fatal).
    fn notes_for(&mut self, p: &PostLine) {
        let replies = p.replies.as_deref().unwrap_or(&[]);
        if p.thread_followers.as_ref().is_some_and(|f| !f.is_empty()) {
            self.report
                .note("thread followers skipped (Perch keeps no thread memberships)");
        }
        let at = p.create_at.unwrap_or(0);
        for r in replies {
            if r.create_at.unwrap_or(at) < at {
                self.report
                    .note("replies older than their thread's root moved to the root's time");
            }
        }
    }

    fn team_known(&mut self, team: &str) -> Result<bool, Problem> {
        if self.teams.contains(team) {
            return Ok(true);
        }
        Ok(self.db_team(team)?.is_some())
    }

    fn db_team(&mut self, team: &str) -> Result<Option<String>, Problem> {
        if let Some(v) = self.db_teams.get(team) {
            return Ok(v.clone());
        }
        let id = store::teams::find_by_name(self.c, team)
            .map_err(db_problem)?
            .filter(|t| t.delete_at == 0)
            .map(|t| t.id);
        self.db_teams.insert(team.to_string(), id.clone());
        Ok(id)
    }

    fn channel_known(&mut self, team: &str, channel: &str) -> Result<bool, Problem> {
        let key = (team.to_string(), channel.to_string());
        if self.channels.contains(&key) {
            return Ok(true);
        }
        if let Some(v) = self.db_channels.get(&key) {
            return Ok(*v);
        }
        let found = match self.db_team(team)? {
            Some(team_id) => store::channels::find_by_name(self.c, &team_id, channel)
                .map_err(db_problem)?
                .is_some_and(|ch| ch.team_id == team_id),
            None => false,
        };
        self.db_channels.insert(key, found);
        Ok(found)
    }

    /// `Some(is_bot)` for an account in the database.
    fn db_user(&mut self, name: &str) -> Result<Option<bool>, Problem> {
        if let Some(v) = self.db_users.get(name) {
            return Ok(*v);
        }
        let v = store::users::find_by_username(self.c, name)
            .map_err(db_problem)?
            .map(|u| u.is_bot());
        self.db_users.insert(name.to_string(), v);
        Ok(v)
    }

    fn user_known(&mut self, name: &str) -> Result<(), Problem> {
        let name = name.to_lowercase();
        if self.users.contains(&name) || self.bots.contains(&name) || self.db_user(&name)?.is_some()
        {
            return Ok(());
        }
        Err(Problem::new(
            "app.import.get_users_by_username.some_users_not_found.error",
            format!("user {name:?} is neither on an earlier line nor on this server"),
        ))
    }
}

fn some_teams_not_found(team: &str) -> Problem {
    Problem::new(
        "app.import.get_teams_by_names.some_teams_not_found.error",
        format!("team {team:?} is neither on an earlier line nor on this server"),
    )
}

/// A name from the file as stored: lower-case (absent: empty; the validators refuse that).
pub(super) fn lower(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").to_lowercase()
}
