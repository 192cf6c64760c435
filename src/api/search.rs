//! Searching a team's posts and files (Mattermost's `searchPostsInTeam` and `searchFiles` in
//! `api4/post.go` and `api4/file.go`): the search box's syntax (`model::search`) over the
//! caller's channels. Recent mentions in the web app are this search for the user's mention
//! keys with `is_or_search`.

use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::direct_channel_name;
use crate::model::file_info::FileInfo;
use crate::model::post::Post;
use crate::model::search::{fts_query, parse, Search};
use crate::model::session::Session;
use crate::permissions;
use crate::store;
use serde::{Deserialize, Serialize};

/// Mattermost's SearchParameter.
#[derive(Deserialize)]
struct Body {
    terms: Option<String>,
    is_or_search: Option<bool>,
    time_zone_offset: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
    include_deleted_channels: Option<bool>,
}

/// A checked request: the parsed search, its paging and scope.
struct Asked {
    search: Search,
    or: bool,
    offset: i64,
    limit: i64,
    include_archived: bool,
}

impl Asked {
    /// Cuts a list read with one row more than the page (`limit + 1`) to the page; true if
    /// there was more.
    fn trim<T>(&self, found: &mut Vec<T>) -> bool {
        let more = found.len() as i64 > self.limit;
        found.truncate(self.limit as usize);
        more
    }

    /// The caller's channels of `tid` (every team's for `None`).
    fn scope<'a>(&self, s: &'a Session, tid: Option<&'a str>) -> store::search::Scope<'a> {
        store::search::Scope {
            user_id: s.user_id(),
            team_id: tid,
            include_archived: self.include_archived,
        }
    }
}

/// The team path parameter, checked: `None` for the all-teams search.
fn team<'a>(ctx: &Ctx, s: &Session, tid: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(tid) = tid else {
        return Ok(None);
    };
    let tid = id_param(tid, "team_id")?;
    permissions::require_team(ctx.db, s, tid, "view_team")?;
    Ok(Some(tid))
}

/// The most words, hashtags and flags one search may have (each is a clause of the SQL; a few
/// thousand overran SQLite's expression depth).
const MAX_TERMS: usize = 100;

/// The farthest a time zone is from UTC, in seconds (a day; real ones stay within 14 hours).
const MAX_TZ_OFFSET: i64 = 86_400;

fn read(req: &Req, what: &str) -> Result<Asked, ApiError> {
    let b: Body = serde_json::from_slice(&req.body).map_err(|e| {
        ApiError::bad_request(
            format!("api.{what}.invalid_body.app_error"),
            "Unable to parse the search request.",
        )
        .with_detail(e.to_string())
    })?;
    let terms = b.terms.unwrap_or_default();
    if terms.is_empty() {
        return Err(ApiError::invalid_param("terms"));
    }
    let page = b.page.unwrap_or(0);
    let per_page = b.per_page.unwrap_or(60);
    if page < 0 || per_page < 0 {
        return Err(ApiError::invalid_param(if page < 0 {
            "page"
        } else {
            "per_page"
        }));
    }
    let limit = per_page.min(200);
    let tz = b.time_zone_offset.unwrap_or(0);
    if tz.abs() > MAX_TZ_OFFSET {
        return Err(ApiError::invalid_param("time_zone_offset"));
    }
    let search = parse(&terms, tz);
    if search.term_count() > MAX_TERMS {
        return Err(ApiError::invalid_param("terms").with_detail(format!(
            "{} words, hashtags and flags; at most {MAX_TERMS}",
            search.term_count()
        )));
    }
    Ok(Asked {
        search,
        or: b.is_or_search.unwrap_or(false),
        offset: page.min(crate::http::request::MAX_PAGE) * limit,
        limit,
        include_archived: b.include_deleted_channels.unwrap_or(false),
    })
}

/// Ids of the `in:` channels (names in the team, `@username` for the caller's direct message
/// with that user) and the `from:` users; a name that matches nothing is left out, so a search
/// limited to unknown names finds nothing (as in Mattermost).
struct Resolved {
    channels: Option<Vec<String>>,
    excluded_channels: Vec<String>,
    users: Option<Vec<String>>,
    excluded_users: Vec<String>,
}

fn resolve(ctx: &Ctx, s: &Session, tid: Option<&str>, q: &Search) -> Result<Resolved, ApiError> {
    let channel_ids = |names: &[String]| -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        for name in names {
            match name.strip_prefix('@') {
                Some(user) => {
                    if let Some(u) = store::users::find_by_username(ctx.db, user)? {
                        let dm = direct_channel_name(s.user_id(), &u.id);
                        out.extend(store::channels::find_by_name(ctx.db, "", &dm)?.map(|c| c.id));
                    }
                }
                None => out.extend(store::search::member_channels_named(
                    ctx.db,
                    s.user_id(),
                    tid,
                    &name.to_lowercase(),
                )?),
            }
        }
        Ok(out)
    };
    let user_ids = |names: &[String]| -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        for name in names {
            out.extend(store::users::find_by_username(ctx.db, name)?.map(|u| u.id));
        }
        Ok(out)
    };
    let some = |names: &[String], ids: Vec<String>| (!names.is_empty()).then_some(ids);
    Ok(Resolved {
        channels: some(&q.in_channels, channel_ids(&q.in_channels)?),
        excluded_channels: channel_ids(&q.excluded_channels)?,
        users: some(&q.from_users, user_ids(&q.from_users)?),
        excluded_users: user_ids(&q.excluded_users)?,
    })
}

fn filter<'a>(q: &'a Search, r: &'a Resolved) -> store::search::Filter<'a> {
    store::search::Filter {
        channels: r.channels.as_deref(),
        excluded_channels: &r.excluded_channels,
        users: r.users.as_deref(),
        excluded_users: &r.excluded_users,
        since: q.since,
        until: q.until,
        excluded_ranges: &q.excluded_ranges,
    }
}

/// Mattermost's PostSearchResults: a PostList (no thread roots) and `matches`, which only its
/// Elasticsearch engine fills.
#[derive(Serialize)]
struct PostResults<'a> {
    order: Vec<&'a str>,
    posts: super::posts::PostsById<'a>,
    next_post_id: &'static str,
    prev_post_id: &'static str,
    has_next: bool,
    first_inaccessible_post_time: i64,
    matches: Option<()>,
}

/// Indexes the posts stored since the janitor's last pass, so the search sees every post.
fn catch_up(ctx: &Ctx) -> Result<(), ApiError> {
    while store::search::has_pending(ctx.db)? {
        let n = ctx
            .app
            .store
            .write(|c| store::search::index_pending(c, store::search::INDEX_BATCH))?;
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// `POST /api/v4/teams/{team_id}/posts/search`, and `POST /api/v4/posts/search` (`tid` `None`)
/// over all the caller's teams.
pub fn posts(ctx: &Ctx, s: &Session, req: &Req, tid: Option<&str>) -> Result<Resp, ApiError> {
    let tid = team(ctx, s, tid)?;
    let a = read(req, "post.search_posts")?;
    let mut found: Vec<Post> = Vec::new();
    let mut has_next = false;
    if !a.search.is_empty() {
        let r = resolve(ctx, s, tid, &a.search)?;
        catch_up(ctx)?;
        let fts = fts_query(&a.search.words, a.or);
        let excluded = fts_query(&a.search.excluded_words, true);
        {
            let terms = store::search::Terms {
                fts: fts.as_deref(),
                hashtags: &a.search.hashtags,
                excluded_fts: excluded.as_deref(),
                excluded_hashtags: &a.search.excluded_hashtags,
                or: a.or,
            };
            found = store::search::posts(
                ctx.db,
                &a.scope(s, tid),
                &terms,
                &filter(&a.search, &r),
                a.offset,
                a.limit + 1,
            )?;
            has_next = a.trim(&mut found);
        }
    }
    super::reactions::attach(ctx, &mut found)?;
    super::posts::with_files(ctx, &mut found)?;
    Ok(Resp::ok(&PostResults {
        order: found.iter().map(|p| p.id.as_str()).collect(),
        posts: super::posts::PostsById(&found, &[]),
        next_post_id: "",
        prev_post_id: "",
        has_next,
        first_inaccessible_post_time: 0,
        matches: None,
    })
    .header("Cache-Control", "no-cache, no-store, must-revalidate"))
}

/// Mattermost's FileInfoList.
#[derive(Serialize)]
struct FileResults<'a> {
    order: Vec<&'a str>,
    file_infos: std::collections::BTreeMap<&'a str, &'a FileInfo>,
    next_file_info_id: &'static str,
    prev_file_info_id: &'static str,
    has_next: bool,
    first_inaccessible_file_time: i64,
}

/// `POST /api/v4/teams/{team_id}/files/search`: files of the caller's channels whose name has
/// the words (`ext:` narrows by extension; the other flags work as in a post search).
pub fn files(ctx: &Ctx, s: &Session, req: &Req, tid: &str) -> Result<Resp, ApiError> {
    let tid = team(ctx, s, Some(tid))?;
    let a = read(req, "file.search_files")?;
    let mut found: Vec<FileInfo> = Vec::new();
    let mut has_next = false;
    if !a.search.is_empty() {
        let r = resolve(ctx, s, tid, &a.search)?;
        // File names are matched as written: quotes, wildcards and `#` are not part of them.
        let names = |words: &[String]| -> Vec<String> {
            words
                .iter()
                .map(|w| w.trim_matches(|c| c == '"' || c == '*').to_string())
                .filter(|w| !w.is_empty())
                .collect()
        };
        let mut words = a.search.words.clone();
        words.extend(a.search.hashtags.iter().cloned());
        found = store::search::files(
            ctx.db,
            &a.scope(s, tid),
            &store::search::FileTerms {
                names: &names(&words),
                excluded_names: &names(&a.search.excluded_words),
                or: a.or,
                extensions: &a.search.extensions,
                excluded_extensions: &a.search.excluded_extensions,
            },
            &filter(&a.search, &r),
            a.offset,
            a.limit + 1,
        )?;
        has_next = a.trim(&mut found);
    }
    Ok(Resp::ok(&FileResults {
        order: found.iter().map(|f| f.id.as_str()).collect(),
        file_infos: found.iter().map(|f| (f.id.as_str(), f)).collect(),
        next_file_info_id: "",
        prev_file_info_id: "",
        has_next,
        first_inaccessible_file_time: 0,
    })
    .header("Cache-Control", "no-cache, no-store, must-revalidate"))
}
