//! The command line: `perch [serve]`, `perch version`, and admin commands that work on the
//! database directly (also while a server runs): `user create`, `team add-member`,
//! `channel add-member`, `backup`.

use crate::accounts::{self, Creator};
use crate::auth::PasswordHasherPool;
use crate::config::Config;
use crate::model::user::NewUser;
use crate::store::{self, Store};
use std::path::PathBuf;

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    Serve,
    Version,
    UserCreate {
        email: String,
        username: String,
        password: String,
        system_admin: bool,
    },
    TeamAddMember {
        team: String,
        user: String,
    },
    ChannelAddMember {
        team: String,
        channel: String,
        user: String,
    },
    Backup {
        dest: PathBuf,
    },
}

/// Parsed arguments.
#[derive(Debug)]
pub struct Args {
    pub command: Command,
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
}

pub const USAGE: &str = "usage: perch [--config PATH] [--data-dir DIR] [--listen ADDR] [COMMAND]

commands:
  serve (default)                       run the server
  version                               print version, build and schema version
  user create --email E --username U --password P [--system-admin]
  team add-member --team NAME --user USERNAME
  channel add-member --team NAME --channel NAME --user USERNAME
  backup --to FILE                      consistent copy of the database";

pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut rest: Vec<String> = Vec::new();
    let (mut config, mut data_dir, mut listen) = (None, None, None);
    let mut opts: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let take = |i: &mut usize| -> Result<String, String> {
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--config" | "-c" => config = Some(PathBuf::from(take(&mut i)?)),
            "--data-dir" => data_dir = Some(PathBuf::from(take(&mut i)?)),
            "--listen" => listen = Some(take(&mut i)?),
            "-version" | "--version" | "-V" => rest.push("version".into()),
            "--system-admin" => opts.push(("--system-admin".into(), None)),
            s if s.starts_with("--") => {
                let v = take(&mut i)?;
                opts.push((s.to_string(), Some(v)));
            }
            _ => rest.push(a.clone()),
        }
        i += 1;
    }
    let opt = |name: &str| -> Result<String, String> {
        opts.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
            .ok_or_else(|| format!("missing {name}"))
    };
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["version"] => Command::Version,
        ["user", "create"] => Command::UserCreate {
            email: opt("--email")?,
            username: opt("--username")?,
            password: opt("--password")?,
            system_admin: opts.iter().any(|(k, _)| k == "--system-admin"),
        },
        ["team", "add-member"] => Command::TeamAddMember {
            team: opt("--team")?,
            user: opt("--user")?,
        },
        ["channel", "add-member"] => Command::ChannelAddMember {
            team: opt("--team")?,
            channel: opt("--channel")?,
            user: opt("--user")?,
        },
        ["backup"] => Command::Backup {
            dest: PathBuf::from(opt("--to")?),
        },
        _ => return Err(format!("unknown command: {}", rest.join(" "))),
    };
    Ok(Args {
        command,
        config,
        data_dir,
        listen,
    })
}

/// Resolves the config file (`--config`, `MM_CONFIG`, `<data dir>/config.json`), loads it and
/// applies `--data-dir`/`--listen`.
pub fn load_config(args: &Args, env: &[(String, String)]) -> Result<Config, String> {
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("data"));
    let path = args
        .config
        .clone()
        .or_else(|| {
            env.iter()
                .find(|(k, _)| k == "MM_CONFIG")
                .map(|(_, v)| PathBuf::from(v))
        })
        .unwrap_or_else(|| data_dir.join("config.json"));
    let mut config = Config::load(&path, env).map_err(|e| e.to_string())?;
    let ds_from_env = env.iter().any(|(k, _)| k == "MM_SQLSETTINGS_DATASOURCE");
    if args.data_dir.is_some()
        && !ds_from_env
        && config.sql.data_source == crate::config::SqlSettings::default().data_source
    {
        config.sql.data_source = data_dir.join("perch.db").to_string_lossy().into_owned();
    }
    if let Some(l) = &args.listen {
        config.service.listen_address = l.clone();
        config.listen_addr().map_err(|e| e.to_string())?;
    }
    Ok(config)
}

/// The `version` output (Mattermost's five lines, plus the schema version).
pub fn version_text() -> String {
    format!(
        "Version: {}\nBuild Number: {}\nBuild Date: {}\nBuild Hash: {}\nBuild Enterprise Ready: false\nPerch Version: {}\nDB Version: {}\n",
        crate::MM_VERSION,
        crate::VERSION,
        option_env!("PERCH_BUILD_DATE").unwrap_or("unknown"),
        option_env!("PERCH_BUILD_HASH").unwrap_or("unknown"),
        crate::VERSION,
        store::migrate::SCHEMA_VERSION,
    )
}

/// Runs an admin command against the database; returns what to print.
pub fn run_admin(config: &Config, command: Command) -> Result<String, String> {
    let st = Store::open(&config.db_path()).map_err(|e| e.to_string())?;
    match command {
        Command::UserCreate {
            email,
            username,
            password,
            system_admin,
        } => {
            let hasher = PasswordHasherPool::new(
                config.perch.argon2_memory_kib as u32,
                config.perch.argon2_iterations as u32,
                1,
            );
            let nu = NewUser {
                email,
                username,
                password,
                ..Default::default()
            };
            let u = accounts::create_user(
                &st,
                &hasher,
                config,
                nu,
                Creator::Admin {
                    make_admin: system_admin,
                },
            )
            .map_err(|e| format!("{}: {}", e.id, e.message))?;
            Ok(format!(
                "created user {} ({}) with roles \"{}\"",
                u.username, u.id, u.roles
            ))
        }
        Command::TeamAddMember { team, user } => {
            let (t, u) = (team.clone(), user.clone());
            st.write(move |c| {
                let team = store::teams::find_by_name(c, &t)?
                    .ok_or_else(|| format!("no team named {t}"))?;
                let user = store::users::find_by_username(c, &u)?
                    .ok_or_else(|| format!("no user named {u}"))?;
                accounts::join_team(c, &team.id, &user.id, "team_user", &[])?;
                Ok::<_, String>(())
            })?;
            Ok(format!("added {user} to team {team}"))
        }
        Command::ChannelAddMember {
            team,
            channel,
            user,
        } => {
            let (t, ch, u) = (team.clone(), channel.clone(), user.clone());
            st.write(move |c| {
                let team = store::teams::find_by_name(c, &t)?
                    .ok_or_else(|| format!("no team named {t}"))?;
                let chan = store::channels::find_by_name(c, &team.id, &ch)?
                    .filter(|x| x.team_id == team.id)
                    .ok_or_else(|| format!("no channel named {ch} in {t}"))?;
                let user = store::users::find_by_username(c, &u)?
                    .ok_or_else(|| format!("no user named {u}"))?;
                if store::teams::find_member(c, &team.id, &user.id)?.is_none() {
                    accounts::join_team(c, &team.id, &user.id, "team_user", &[])?;
                }
                accounts::join_channel(c, &chan.id, &user.id, "channel_user")?;
                Ok::<_, String>(())
            })?;
            Ok(format!("added {user} to channel {channel} of team {team}"))
        }
        Command::Backup { dest } => {
            st.backup(&dest).map_err(|e| e.to_string())?;
            Ok(format!("wrote a backup to {}", dest.display()))
        }
        Command::Serve | Command::Version => Err("not an admin command".into()),
    }
}

impl From<store::StoreError> for String {
    fn from(e: store::StoreError) -> String {
        e.to_string()
    }
}
