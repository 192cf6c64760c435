//! Sidebar categories (mattermost `api4/channel_category.go`): each user's three default
//! categories per team — Favorites, Channels, Direct Messages — computed from the user's
//! channels. A channel is a favourite when the user's `favorite_channel` preference for it is
//! `"true"` (the preference Mattermost kept favourites in before categories), so moving a
//! channel into or out of Favorites is a preference change. Custom categories are not kept:
//! creating one answers 501.

use super::{id_param, user_id_param};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::preference::Preference;
use crate::model::session::Session;
use crate::{permissions, store};
use serde::{Deserialize, Serialize};

const FAVORITE: &str = "favorite_channel";

#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default)]
pub struct Category {
    id: String,
    user_id: String,
    team_id: String,
    #[serde(rename = "type")]
    kind: String,
    display_name: String,
    sorting: String,
    channel_ids: Vec<String>,
    muted: bool,
    collapsed: bool,
    sort_order: i64,
}

#[derive(Serialize)]
struct Categories {
    categories: Vec<Category>,
    order: Vec<String>,
}

const KINDS: [(&str, &str); 3] = [
    ("favorites", "Favorites"),
    ("channels", "Channels"),
    ("direct_messages", "Direct Messages"),
];

/// The caller's own categories in a team they belong to.
fn check(ctx: &Ctx, s: &Session, uid: &str, tid: &str) -> Result<(String, String), ApiError> {
    let uid = user_id_param(s, uid)?.to_string();
    if uid != s.user_id() {
        return Err(ApiError::permissions("edit_other_users"));
    }
    let tid = id_param(tid, "team_id")?.to_string();
    permissions::require_team(ctx.db, s, &tid, "view_team")?;
    Ok((uid, tid))
}

fn compute(ctx: &Ctx, uid: &str, tid: &str) -> Result<Vec<Category>, ApiError> {
    let favorites: Vec<String> = store::preferences::list_for_user(ctx.db, uid, Some(FAVORITE))?
        .into_iter()
        .filter(|p| p.value == "true")
        .map(|p| p.name)
        .collect();
    let mut cats: Vec<Category> = KINDS
        .iter()
        .enumerate()
        .map(|(i, (kind, name))| Category {
            id: format!("{kind}_{uid}_{tid}"),
            user_id: uid.to_string(),
            team_id: tid.to_string(),
            kind: kind.to_string(),
            display_name: name.to_string(),
            sorting: String::new(),
            sort_order: i as i64 * 10,
            ..Category::default()
        })
        .collect();
    // Archived channels the user is still in keep their place, as in Mattermost (the app
    // shows one while it is open).
    for ch in store::channels::list_for_member(ctx.db, uid, tid, true)? {
        let slot = if favorites.contains(&ch.id) {
            0
        } else if ch.kind == "D" || ch.kind == "G" {
            2
        } else {
            1
        };
        cats[slot].channel_ids.push(ch.id);
    }
    Ok(cats)
}

fn answer(cats: Vec<Category>) -> Resp {
    let order = cats.iter().map(|c| c.id.clone()).collect();
    Resp::ok(&Categories {
        categories: cats,
        order,
    })
}

/// `GET /api/v4/users/{user_id}/teams/{team_id}/channels/categories`.
pub fn list(ctx: &Ctx, s: &Session, uid: &str, tid: &str) -> Result<Resp, ApiError> {
    let (uid, tid) = check(ctx, s, uid, tid)?;
    Ok(answer(compute(ctx, &uid, &tid)?))
}

/// `GET …/channels/categories/order`.
pub fn order(ctx: &Ctx, s: &Session, uid: &str, tid: &str) -> Result<Resp, ApiError> {
    let (uid, tid) = check(ctx, s, uid, tid)?;
    let ids: Vec<String> = compute(ctx, &uid, &tid)?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(Resp::ok(&ids))
}

/// `GET …/channels/categories/{category_id}`.
pub fn get(ctx: &Ctx, s: &Session, uid: &str, tid: &str, cat: &str) -> Result<Resp, ApiError> {
    let (uid, tid) = check(ctx, s, uid, tid)?;
    compute(ctx, &uid, &tid)?
        .into_iter()
        .find(|c| c.id == cat)
        .map(|c| Resp::ok(&c))
        .ok_or_else(not_found)
}

/// `POST …/channels/categories`: custom categories are not kept.
pub fn create(ctx: &Ctx, s: &Session, uid: &str, tid: &str) -> Result<Resp, ApiError> {
    check(ctx, s, uid, tid)?;
    Err(ApiError::new(
        501,
        "api.channel.create_category.not_supported",
        "Custom sidebar categories are not supported by this server.",
    ))
}

/// `PUT …/channels/categories` (a list) and `PUT …/channels/categories/{id}` (one): a channel
/// listed in Favorites becomes a favourite, one listed elsewhere stops being one; channels the
/// user is not a member of are ignored. Answers the updated categories (a list, or the one).
pub fn update(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    uid: &str,
    tid: &str,
    one: Option<&str>,
) -> Result<Resp, ApiError> {
    let (uid, tid) = check(ctx, s, uid, tid)?;
    let mut sent: Vec<Category> = match one {
        Some(_) => vec![req.json("category")?],
        None => req.json("categories")?,
    };
    let current = compute(ctx, &uid, &tid)?;
    let mut prefs = Vec::new();
    for c in &mut sent {
        let Some(known) = current.iter().find(|k| k.id == c.id) else {
            return Err(not_found());
        };
        if one.is_some_and(|id| id != c.id) {
            return Err(ApiError::invalid_body("category"));
        }
        // Channels the user is not in are left out, as Mattermost does (the web app may send
        // a channel it has just left); an archived channel they are still in stays.
        let mut kept = Vec::with_capacity(c.channel_ids.len());
        for id in std::mem::take(&mut c.channel_ids) {
            if current.iter().any(|k| k.channel_ids.contains(&id))
                || member_in_team(ctx, &uid, &tid, &id)?
            {
                kept.push(id);
            }
        }
        c.channel_ids = kept;
        let favorite = known.kind == "favorites";
        for id in &c.channel_ids {
            prefs.push(Preference {
                user_id: uid.clone(),
                category: FAVORITE.into(),
                name: id.clone(),
                value: favorite.to_string(),
            });
        }
        // Leaving Favorites without being listed elsewhere in this call.
        if favorite {
            for id in known
                .channel_ids
                .iter()
                .filter(|id| !c.channel_ids.contains(id))
            {
                prefs.push(Preference {
                    user_id: uid.clone(),
                    category: FAVORITE.into(),
                    name: id.clone(),
                    value: "false".into(),
                });
            }
        }
    }
    if !prefs.is_empty() {
        let changed = serde_json::to_value(&prefs).map_err(ApiError::internal)?;
        ctx.app.store.write(move |c| {
            for p in &prefs {
                store::preferences::upsert(c, p)?;
            }
            Ok::<_, ApiError>(())
        })?;
        ctx.app
            .ws
            .publish(crate::ws::events::preferences_changed(&uid, &changed));
    }
    let after = compute(ctx, &uid, &tid)?;
    match one {
        Some(id) => after
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| Resp::ok(&c))
            .ok_or_else(not_found),
        None => {
            let ids: Vec<&String> = sent.iter().map(|c| &c.id).collect();
            let list: Vec<Category> = after.into_iter().filter(|c| ids.contains(&&c.id)).collect();
            Ok(Resp::ok(&list))
        }
    }
}

/// Whether the user is a member of the channel and the channel is in the team (or a direct
/// or group channel), archived or not.
fn member_in_team(ctx: &Ctx, uid: &str, tid: &str, channel_id: &str) -> Result<bool, ApiError> {
    if !crate::model::is_valid_id(channel_id)
        || store::channels::find_member(ctx.db, channel_id, uid)?.is_none()
    {
        return Ok(false);
    }
    Ok(store::channels::find(ctx.db, channel_id)?
        .is_some_and(|ch| ch.team_id == tid || ch.team_id.is_empty()))
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "app.channel.sidebar_categories.app_error",
        "Unable to get the sidebar category.",
    )
}
