//! Admin commands that work on the database directly (also while a server runs):
//! `user create`, `team add-member`, `channel add-member`, `backup`.

use super::Command;
use crate::accounts::{self, Creator};
use crate::config::Config;
use crate::model::user::NewUser;
use crate::password::PasswordHasherPool;
use crate::store::{self, Store};

/// Runs an admin command against the database; returns what to print.
pub fn run_admin(config: &Config, command: Command) -> Result<String, String> {
    if let Command::Backup { dest } = &command {
        // Without opening a `Store`: no migration, so any version's database can be copied.
        store::backup(&config.db_path(), dest).map_err(|e| e.to_string())?;
        return Ok(format!("wrote a backup to {}", dest.display()));
    }
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
        Command::UserPassword { username, password } => {
            if let Err(id) = crate::model::user::check_password(&password, &config.password) {
                return Err(format!("{id}: the password does not meet PasswordSettings"));
            }
            let hasher = PasswordHasherPool::new(
                config.perch.argon2_memory_kib as u32,
                config.perch.argon2_iterations as u32,
                1,
            );
            let hash = hasher
                .hash(&password)
                .map_err(|e| format!("{}: {}", e.id, e.message))?;
            let name = username.trim().to_lowercase();
            let n = name.clone();
            st.write(move |c| {
                let user = store::users::find_by_username(c, &n)?
                    .filter(|u| !u.is_bot())
                    .ok_or_else(|| format!("no user named {n}"))?;
                store::users::update_password(c, &user.id, &hash, crate::model::now_ms())?;
                // A locked account (too many wrong passwords) is unlocked by a new password.
                store::users::update_failed_attempts(c, &user.id, 0)?;
                Ok::<_, String>(())
            })?;
            Ok(format!("set the password of {name}"))
        }
        _ => Err("not an admin command".into()),
    }
}

impl From<store::StoreError> for String {
    fn from(e: store::StoreError) -> String {
        e.to_string()
    }
}
