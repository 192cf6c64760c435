//! `perch test-server`: a throwaway server for an integration's CI. It starts on a fresh
//! temporary data directory, seeds an admin, a team, a channel, a bot with an access token and
//! an incoming webhook, prints them as one JSON line on stdout, and deletes the directory when
//! SIGTERM or SIGINT stops it.

use super::signals;
use super::Args;
use crate::accounts::{self, Creator};
use crate::app::App;
use crate::config::Config;
use crate::error::ApiError;
use crate::model::bot::Bot;
use crate::model::incoming_hook::IncomingHook;
use crate::model::team::Team;
use crate::model::token::UserAccessToken;
use crate::model::user::NewUser;
use crate::model::{new_id, new_token, now_ms};
use crate::store;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary data directory, removed when dropped (also when seeding fails).
struct TempData(PathBuf);

impl Drop for TempData {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            log::warn!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// The test server's configuration: everything on the temporary directory, a loopback address
/// unless `--listen` says otherwise, cheap password hashing (the passwords are throwaway), and
/// the features an integration's tests want on: access tokens, bot creation, overrides, and
/// outgoing calls to this machine (where a CI job runs its receiver).
fn config(dir: &Path, listen: Option<&str>) -> Config {
    let mut c = Config::default();
    c.service.listen_address = listen.unwrap_or("127.0.0.1:0").to_string();
    c.sql.data_source = dir.join("perch.db").to_string_lossy().into_owned();
    c.files.directory = dir.to_string_lossy().into_owned();
    c.service.enable_user_access_tokens = true;
    c.service.enable_bot_account_creation = true;
    c.service.enable_post_username_override = true;
    c.service.enable_post_icon_override = true;
    c.service.allowed_untrusted_internal_connections = "127.0.0.0/8 ::1 localhost".into();
    c.perch.argon2_memory_kib = 64;
    c.perch.argon2_iterations = 1;
    c.perch.http_workers = 2;
    c.perch.outgoing_workers = 2;
    c.log.console_level = "WARN".into();
    c
}

/// Runs the command; returns the process exit status.
pub fn run(args: &Args) -> u8 {
    // Before any thread starts, so every thread inherits the mask.
    signals::block_stop_signals();
    let dir = std::env::temp_dir().join(format!("perch-test-server-{}", new_token()));
    if let Err(e) = create_private_dir(&dir) {
        eprintln!("perch: cannot create {}: {e}", dir.display());
        return 1;
    }
    let data = TempData(dir);
    let config = config(&data.0, args.listen.as_deref());
    if let Err(e) = config.listen_addr() {
        eprintln!("perch: {e}");
        return 2;
    }
    let running = match crate::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("perch: {e}");
            return 1;
        }
    };
    let seeded = match seed(&running.app, &running.app.site_url) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "perch: seeding the test server failed: {}: {}",
                e.id, e.message
            );
            return 1;
        }
    };
    let mut line = seeded;
    line["data_dir"] = Value::from(data.0.to_string_lossy().into_owned());
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    drop(out);
    signals::wait_for_stop_signal();
    running.shutdown();
    drop(data);
    0
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir(dir)
    }
}

/// Creates the seed through the running server's own store (so its caches see every row) and
/// returns the JSON line.
fn seed(app: &App, url: &str) -> Result<Value, ApiError> {
    let password = format!("Pw-{}", new_token());
    let admin = accounts::create_user(
        &app.store,
        &app.hasher,
        &app.config,
        NewUser {
            username: "admin".into(),
            email: "admin@example.com".into(),
            password: password.clone(),
            first_name: "Test".into(),
            last_name: "Admin".into(),
            ..Default::default()
        },
        Creator::Admin { make_admin: true },
    )?;
    let now = now_ms();
    let team = Team {
        id: new_id(),
        create_at: now,
        update_at: now,
        display_name: "Test Team".into(),
        name: "test".into(),
        email: admin.email.clone(),
        kind: "O".into(),
        invite_id: new_token(),
        ..Default::default()
    };
    let bot = Bot {
        user_id: new_id(),
        username: "test-bot".into(),
        display_name: "Test Bot".into(),
        description: "Seeded by perch test-server".into(),
        owner_id: admin.id.clone(),
        create_at: now,
        update_at: now,
        ..Default::default()
    };
    let (admin_token, bot_token) = (new_token(), new_token());
    let hook_id = new_token();
    let (t, b, admin_id) = (team.clone(), bot.clone(), admin.id.clone());
    let (at, bt, hid) = (admin_token.clone(), bot_token.clone(), hook_id.clone());
    let channel = app.store.write(move |c| {
        accounts::insert_team(c, &t)?;
        accounts::join_team(c, &t.id, &admin_id, "team_user team_admin", &[])?;
        let bot_user = accounts::bot_user(&b);
        accounts::ensure_unique(c, &bot_user.username, &bot_user.email, &bot_user.id)?;
        store::users::insert(c, &bot_user)?;
        store::bots::insert(c, &b)?;
        accounts::join_team(c, &t.id, &b.user_id, "team_user", &[])?;
        let channel = store::channels::find_by_name(c, &t.id, "town-square")?
            .ok_or_else(|| ApiError::internal("the team has no town-square"))?;
        for (user, secret, what) in [(&admin_id, &at, "admin"), (&b.user_id, &bt, "bot")] {
            let token = UserAccessToken {
                id: new_id(),
                token: String::new(),
                user_id: user.clone(),
                description: format!("perch test-server ({what})"),
                is_active: true,
            };
            store::tokens::insert(c, &token, &crate::auth::digest(secret), now)?;
        }
        store::incoming_hooks::insert(
            c,
            &IncomingHook {
                id: hid,
                create_at: now,
                update_at: now,
                user_id: admin_id.clone(),
                channel_id: channel.id.clone(),
                team_id: t.id.clone(),
                display_name: "Test webhook".into(),
                ..Default::default()
            },
        )?;
        Ok::<_, ApiError>(channel)
    })?;
    Ok(json!({
        "url": url,
        "admin": {"username": admin.username, "password": password, "token": admin_token},
        "team": {"id": team.id, "name": team.name},
        "channel": {"id": channel.id, "name": channel.name},
        "bot": {"user_id": bot.user_id, "username": bot.username, "token": bot_token},
        "incoming_webhook": {"id": hook_id, "url": format!("{url}/hooks/{hook_id}")},
    }))
}
