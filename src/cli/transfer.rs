//! `perch export` and `perch import`: run `transfer::export`/`transfer::import` and say what
//! they did in a form an admin (or a script) can act on.

use crate::config::Config;
use crate::transfer::{export, import};
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

/// `perch export --to FILE`: the summary to print, or why it failed.
pub fn export(config: &Config, to: &Path, opts: export::Options) -> Result<String, String> {
    let t0 = Instant::now();
    let s = export::export(&config.db_path(), &config.files_dir(), to, opts).map_err(|e| e.0)?;
    let mut out = format!(
        "wrote {} in {:.1} s: {} teams, {} channels, {} users, {} bots, {} posts with {} replies, \
         {} direct channels with {} posts, {} attached files; {} webhooks and slash commands in {}\n",
        to.display(),
        t0.elapsed().as_secs_f64(),
        s.teams,
        s.channels,
        s.users,
        s.bots,
        s.posts,
        s.replies,
        s.direct_channels,
        s.direct_posts,
        s.attachments,
        s.hooks_and_commands,
        crate::transfer::archive::MANIFEST,
    );
    if !s.warnings.is_empty() {
        let _ = writeln!(out, "left out (also in warnings.txt in the zip):");
        for w in &s.warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out.push_str("the zip holds password hashes and integration secrets: keep it private");
    Ok(out)
}

fn count(out: &mut String, what: &str, c: import::Count) {
    if c.created + c.updated > 0 {
        let _ = writeln!(
            out,
            "  {what}: {} created, {} updated",
            c.created, c.updated
        );
    }
}

/// `perch import FILE [--dry-run]`: (exit status, stdout, stderr).
pub fn import(config: &Config, path: &Path, dry_run: bool) -> (u8, String, String) {
    let t0 = Instant::now();
    match import::run(config, path, dry_run) {
        Ok(r) => {
            let mut out = if dry_run {
                format!(
                    "dry run of {} ({} lines, {:.1} s): every line is valid; nothing was written. \
                     A real import would do this:\n",
                    path.display(),
                    r.lines,
                    t0.elapsed().as_secs_f64()
                )
            } else {
                format!(
                    "imported {} ({} lines) in {:.1} s:\n",
                    path.display(),
                    r.lines,
                    t0.elapsed().as_secs_f64()
                )
            };
            count(&mut out, "teams", r.teams);
            count(&mut out, "channels", r.channels);
            count(&mut out, "users", r.users);
            count(&mut out, "bots", r.bots);
            count(&mut out, "posts", r.posts);
            count(&mut out, "replies", r.replies);
            count(&mut out, "direct channels", r.direct_channels);
            count(&mut out, "direct posts", r.direct_posts);
            if r.reactions > 0 {
                let _ = writeln!(out, "  reactions: {} added", r.reactions);
            }
            if r.files > 0 {
                let _ = writeln!(out, "  attached files: {} stored", r.files);
            }
            if r.pictures > 0 {
                let _ = writeln!(out, "  profile pictures: {} stored", r.pictures);
            }
            if r.manifest_items > 0 {
                let _ = writeln!(
                    out,
                    "  {} webhooks, slash commands, bots' memberships, tokens and passwords from {}",
                    r.manifest_items,
                    crate::transfer::archive::MANIFEST
                );
            }
            for (what, n) in &r.notes {
                let _ = writeln!(out, "  note: {n} × {what}");
            }
            if !r.without_password.is_empty() {
                let _ = writeln!(
                    out,
                    "{} accounts have no password and cannot log in until one is set: {}\n\
                     set one with: perch user password --username NAME --password 'NEW PASSWORD'\n\
                     (or, as an admin: PUT /api/v4/users/{{user_id}}/password {{\"new_password\": \"…\"}})",
                    r.without_password.len(),
                    r.without_password.join(", ")
                );
            }
            (0, out.trim_end().to_string(), String::new())
        }
        Err(import::Failure::Invalid(problems, total)) => {
            let mut err = format!(
                "{} has {total} problem{}; nothing was imported:\n",
                path.display(),
                if total == 1 { "" } else { "s" }
            );
            for p in &problems {
                let _ = writeln!(err, "  {p}");
            }
            if total > problems.len() {
                let _ = writeln!(err, "  … and {} more", total - problems.len());
            }
            (1, String::new(), err.trim_end().to_string())
        }
        Err(import::Failure::Apply(p)) => (
            1,
            String::new(),
            format!("{p}\nnothing was imported (the transaction was rolled back)"),
        ),
        Err(import::Failure::Other(e)) => (1, String::new(), e),
    }
}
