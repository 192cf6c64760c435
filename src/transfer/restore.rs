//! The manifest half of an import (`perch-integrations.json`, written by `perch export`): the
//! password hashes, access tokens, bots' memberships and state, incoming and outgoing webhooks
//! and slash commands of another Perch, restored with their ids and secrets, so every hook URL,
//! command token and access token keeps working. Runs inside the import's transaction, after
//! the JSONL; a problem names the entry (`incoming_webhooks[2]: …`) and rolls everything back.

use super::apply::Applier;
use super::manifest::Manifest;
use super::validate::Problem;
use crate::accounts;
use crate::model::channel::default_member_notify_props;
use crate::model::command::Command;
use crate::model::incoming_hook::IncomingHook;
use crate::model::outgoing_hook::OutgoingWebhook;
use crate::store::{self, import as sql, StoreError};

fn db(e: StoreError) -> Problem {
    Problem::new("app.import.bulk_import.db.error", format!("database: {e}"))
}

/// Prefixes a problem with the entry it is about.
fn at(what: &str, i: usize) -> impl Fn(Problem) -> Problem + '_ {
    move |p| Problem::new(p.id, format!("{what}[{i}]: {}", p.detail))
}

/// The entry's own creation time, or now when it has none.
fn made(create_at: i64, now: i64) -> i64 {
    if create_at > 0 {
        create_at
    } else {
        now
    }
}

fn invalid(id: &str, detail: impl Into<String>) -> Problem {
    Problem::new(id, detail)
}

pub(super) fn restore(a: &mut Applier, m: &Manifest) -> Result<(), Problem> {
    let now = a.now();
    let mut items = 0;
    for (i, p) in m.password_hashes.iter().enumerate() {
        let ctx = at("password_hashes", i);
        let name = p.username.to_lowercase();
        let uid = a.resolve_user(&name).map_err(&ctx)?;
        if !p.argon2id.starts_with("$argon2") {
            return Err(ctx(invalid(
                "app.import.bulk_import.json_decode.error",
                "argon2id is not an argon2 PHC string",
            )));
        }
        let user = store::users::find(a.conn(), &uid)
            .map_err(db)
            .map_err(&ctx)?;
        // A password set on this server since is kept.
        let has_own = user.is_some_and(|u| !u.password_hash.is_empty()) && !a.was_created(&name);
        if !has_own {
            sql::set_password_hash(a.conn(), &uid, &p.argon2id, now)
                .map_err(db)
                .map_err(&ctx)?;
            a.report().without_password.retain(|u| *u != name);
            items += 1;
        }
    }
    for (i, t) in m.access_tokens.iter().enumerate() {
        let ctx = at("access_tokens", i);
        let uid = a.resolve_user(&t.username).map_err(&ctx)?;
        if t.token_sha256.len() != 64 || !t.token_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ctx(invalid(
                "app.import.bulk_import.json_decode.error",
                "token_sha256 is not a SHA-256 digest",
            )));
        }
        sql::insert_token_hash(
            a.conn(),
            &uid,
            &t.description,
            t.is_active,
            &t.token_sha256,
            t.create_at,
        )
        .map_err(db)
        .map_err(&ctx)?;
        items += 1;
    }
    for (i, b) in m.bots.iter().enumerate() {
        let ctx = at("bots", i);
        let uid = a.resolve_user(&b.username).map_err(&ctx)?;
        let bot = store::bots::find(a.conn(), &uid)
            .map_err(db)
            .map_err(&ctx)?
            .ok_or_else(|| {
                ctx(invalid(
                    "app.bot.get.app_error",
                    format!("{:?} is not a bot", b.username),
                ))
            })?;
        if b.disabled != (bot.delete_at > 0) {
            accounts::set_bot_active(a.conn(), &uid, !b.disabled, now)
                .map_err(db)
                .map_err(&ctx)?;
        }
        for t in &b.teams {
            let team_id = a.resolve_team(&t.name).map_err(&ctx)?;
            let roles = if t.roles.is_empty() {
                "team_user"
            } else {
                &t.roles
            };
            store::teams::upsert_member(a.conn(), &team_id, &uid, roles)
                .map_err(db)
                .map_err(&ctx)?;
            for ch in &t.channels {
                let channel_id = a.resolve_channel(&t.name, &ch.name).map_err(&ctx)?;
                let props = sql::channel_member_notify_props(a.conn(), &channel_id, &uid)
                    .map_err(db)
                    .map_err(&ctx)?
                    .unwrap_or_else(|| default_member_notify_props().to_string());
                let roles = if ch.roles.is_empty() {
                    "channel_user"
                } else {
                    &ch.roles
                };
                sql::upsert_channel_member(
                    a.conn(),
                    &channel_id,
                    &uid,
                    roles,
                    &props,
                    None,
                    None,
                    now,
                )
                .map_err(db)
                .map_err(&ctx)?;
            }
        }
        items += 1;
    }
    for (i, h) in m.incoming_webhooks.iter().enumerate() {
        let ctx = at("incoming_webhooks", i);
        if !crate::model::is_valid_id(&h.id) {
            return Err(ctx(invalid(
                "model.incoming_hook.id.app_error",
                "id is not a 26-character id",
            )));
        }
        let hook = IncomingHook {
            id: h.id.clone(),
            create_at: made(h.create_at, now),
            update_at: now,
            delete_at: 0,
            user_id: a.resolve_user(&h.owner).map_err(&ctx)?,
            channel_id: a.resolve_channel(&h.team, &h.channel).map_err(&ctx)?,
            team_id: a.resolve_team(&h.team).map_err(&ctx)?,
            display_name: h.display_name.clone(),
            description: h.description.clone(),
            username: h.username.clone(),
            icon_url: h.icon_url.clone(),
            channel_locked: h.channel_locked,
            secret: h.secret.clone(),
            event_include: h.event_include.clone(),
            event_exclude: h.event_exclude.clone(),
            template: h.template.clone(),
        };
        hook.check_fields()
            .map_err(|id| ctx(invalid(id, "a field is out of bounds")))?;
        match store::incoming_hooks::find(a.conn(), &hook.id)
            .map_err(db)
            .map_err(&ctx)?
        {
            Some(old) if old.delete_at == 0 => {
                store::incoming_hooks::update(a.conn(), &hook)
                    .map_err(db)
                    .map_err(&ctx)?;
            }
            Some(_) => {
                return Err(ctx(invalid(
                    "app.webhooks.save_incoming.existing.app_error",
                    "a deleted hook on this server has this id",
                )))
            }
            None => store::incoming_hooks::insert(a.conn(), &hook)
                .map_err(db)
                .map_err(&ctx)?,
        }
        items += 1;
    }
    for (i, h) in m.outgoing_webhooks.iter().enumerate() {
        let ctx = at("outgoing_webhooks", i);
        if !crate::model::is_valid_id(&h.id) || h.token.is_empty() {
            return Err(ctx(invalid(
                "model.outgoing_hook.is_valid.id.app_error",
                "id or token is missing",
            )));
        }
        let channel_id = if h.channel.is_empty() {
            String::new()
        } else {
            a.resolve_channel(&h.team, &h.channel).map_err(&ctx)?
        };
        let hook = OutgoingWebhook {
            id: h.id.clone(),
            token: h.token.clone(),
            create_at: made(h.create_at, now),
            update_at: now,
            delete_at: 0,
            creator_id: a.resolve_user(&h.creator).map_err(&ctx)?,
            channel_id,
            team_id: a.resolve_team(&h.team).map_err(&ctx)?,
            trigger_words: h.trigger_words.clone(),
            trigger_when: h.trigger_when,
            callback_urls: h.callback_urls.clone(),
            display_name: h.display_name.clone(),
            description: h.description.clone(),
            content_type: h.content_type.clone(),
            username: h.username.clone(),
            icon_url: h.icon_url.clone(),
            signing_secret: String::new(),
            signing_key: if h.signing_key.is_empty() {
                crate::outgoing::payload::new_signing_key()
            } else {
                h.signing_key.clone()
            },
        };
        hook.check_fields()
            .map_err(|id| ctx(invalid(id, "a field is out of bounds")))?;
        match store::outgoing_hooks::find(a.conn(), &hook.id)
            .map_err(db)
            .map_err(&ctx)?
        {
            Some(old) if old.delete_at == 0 => {
                store::outgoing_hooks::update(a.conn(), &hook)
                    .map_err(db)
                    .map_err(&ctx)?;
            }
            Some(_) => {
                return Err(ctx(invalid(
                    "app.webhooks.save_outgoing.override.app_error",
                    "a deleted hook on this server has this id",
                )))
            }
            None => store::outgoing_hooks::insert(a.conn(), &hook)
                .map_err(db)
                .map_err(&ctx)?,
        }
        items += 1;
    }
    for (i, c) in m.slash_commands.iter().enumerate() {
        let ctx = at("slash_commands", i);
        if !crate::model::is_valid_id(&c.id) || c.token.is_empty() {
            return Err(ctx(invalid(
                "model.command.is_valid.id.app_error",
                "id or token is missing",
            )));
        }
        let team_id = a.resolve_team(&c.team).map_err(&ctx)?;
        let cmd = Command {
            id: c.id.clone(),
            token: c.token.clone(),
            create_at: made(c.create_at, now),
            update_at: now,
            delete_at: 0,
            creator_id: a.resolve_user(&c.creator).map_err(&ctx)?,
            team_id: team_id.clone(),
            trigger: c.trigger.to_lowercase(),
            method: c.method.clone(),
            username: c.username.clone(),
            icon_url: c.icon_url.clone(),
            auto_complete: c.auto_complete,
            auto_complete_desc: c.auto_complete_desc.clone(),
            auto_complete_hint: c.auto_complete_hint.clone(),
            display_name: c.display_name.clone(),
            description: c.description.clone(),
            url: c.url.clone(),
            plugin_id: String::new(),
        };
        cmd.check()
            .map_err(|id| ctx(invalid(id, "a field is out of bounds")))?;
        if sql::trigger_taken(a.conn(), &team_id, &cmd.trigger, &cmd.id)
            .map_err(db)
            .map_err(&ctx)?
        {
            return Err(ctx(invalid(
                "api.command.duplicate_trigger.app_error",
                format!("another command of the team uses /{}", cmd.trigger),
            )));
        }
        match store::commands::find(a.conn(), &cmd.id)
            .map_err(db)
            .map_err(&ctx)?
        {
            Some(old) if old.delete_at == 0 => {
                store::commands::update(a.conn(), &cmd)
                    .map_err(db)
                    .map_err(&ctx)?;
                store::commands::update_token(a.conn(), &cmd.id, &cmd.token, now)
                    .map_err(db)
                    .map_err(&ctx)?;
            }
            Some(_) => {
                return Err(ctx(invalid(
                    "api.command.duplicate_trigger.app_error",
                    "a deleted command on this server has this id",
                )))
            }
            None => store::commands::insert(a.conn(), &cmd)
                .map_err(db)
                .map_err(&ctx)?,
        }
        items += 1;
    }
    a.report().manifest_items += items;
    Ok(())
}
