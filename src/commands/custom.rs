//! Custom commands (`docs/spec/slash-commands.md` §4): the request sent to the command's URL
//! through `outbound` (POST form or GET query, `Authorization: Token …`, the configured timeout and
//! the internal-address rule) and how its answer becomes a `CommandResponse` or an error.

use crate::app::{App, Ctx};
use crate::error::ApiError;
use crate::form::form_encode;
use crate::model::channel::Channel;
use crate::model::command::{Command, CommandResponse, METHOD_GET};
use crate::model::session::Session;
use crate::model::team::Team;
use crate::outbound::Request;
use crate::store::{self, Reader};

/// One invocation of a custom command.
pub struct Call<'a> {
    pub cmd: &'a Command,
    pub team: &'a Team,
    pub channel: &'a Channel,
    pub root_id: &'a str,
    pub trigger: &'a str,
    pub text: &'a str,
    pub trigger_id: &'a str,
}

/// A command call ready to go out: `prepare` made it, `Prepared::send` makes the call.
pub struct Prepared {
    req: Request,
    trigger: String,
    request_id: String,
}

/// Creates the invocation's response URL and builds the request to the command's URL.
/// Nothing here runs inside a database write.
pub fn prepare(ctx: &Ctx, s: &Session, c: &Call) -> Result<Prepared, ApiError> {
    if ctx.app.site_url.is_empty() {
        return Err(ApiError::bad_request(
            "api.command.execute_command.site_url_required.app_error",
            "ServiceSettings.SiteURL must be set for custom slash commands.",
        ));
    }
    let hook_id =
        super::create_response_url(ctx.app, &c.cmd.id, s.user_id(), &c.channel.id, c.root_id)?;
    let mut params: Vec<(&str, String)> = vec![
        ("token", c.cmd.token.clone()),
        ("team_id", c.cmd.team_id.clone()),
        ("team_domain", c.team.name.clone()),
        ("channel_id", c.channel.id.clone()),
        ("channel_name", c.channel.name.clone()),
        ("user_id", s.user_id().to_string()),
        ("user_name", s.user.username.clone()),
        ("command", format!("/{}", c.trigger)),
        ("text", c.text.to_string()),
        ("trigger_id", c.trigger_id.to_string()),
        ("root_id", c.root_id.to_string()),
        (
            "response_url",
            format!("{}/hooks/commands/{hook_id}", ctx.app.site_url),
        ),
    ];
    for (name, id) in user_mentions(ctx.db, c.text, &c.team.id)? {
        params.push(("user_mentions", name));
        params.push(("user_mentions_ids", id));
    }
    for (name, id) in channel_mentions(ctx.db, c.text, &c.team.id)? {
        params.push(("channel_mentions", name));
        params.push(("channel_mentions_ids", id));
    }
    let encoded = encode(params);
    let req = if c.cmd.method == METHOD_GET {
        Request::get(&with_query(&c.cmd.url, &encoded))
    } else {
        Request::post(
            &c.cmd.url,
            "application/x-www-form-urlencoded",
            encoded.into_bytes(),
        )
    };
    let mut req = req.header("Accept", "application/json");
    if !c.cmd.token.is_empty() {
        req = req.header("Authorization", &format!("Token {}", c.cmd.token));
    }
    Ok(Prepared {
        req,
        trigger: c.trigger.to_string(),
        request_id: ctx.request_id.to_string(),
    })
}

impl Prepared {
    /// Calls the command's URL (up to the configured timeout) and parses the answer.
    pub fn send(self, app: &App) -> Result<CommandResponse, ApiError> {
        let (rid, trigger) = (&self.request_id, self.trigger.as_str());
        let resp = app.outbound.send(self.req).map_err(|e| {
            log::warn!("[{rid}] slash command /{trigger}: {e}");
            failed(trigger).with_detail(e.to_string())
        })?;
        if resp.status != 200 {
            log::info!("[{rid}] slash command /{trigger} answered {}", resp.status);
            return Err(ApiError::new(
                500,
                "api.command.execute_command.failed_resp.app_error",
                format!(
                    "The command '{trigger}' answered with status {}.",
                    resp.status
                ),
            )
            .with_detail(String::from_utf8_lossy(&resp.body).into_owned()));
        }
        CommandResponse::from_body(&resp.media_type(), &resp.body).map_err(|e| {
            log::info!("[{rid}] slash command /{trigger}: bad JSON: {e}");
            failed(trigger).with_detail(e)
        })
    }
}

/// `500 api.command.execute_command.failed.app_error`: unreachable, too slow, refused by the
/// address rule, or an unreadable answer.
fn failed(trigger: &str) -> ApiError {
    ApiError::new(
        500,
        "api.command.execute_command.failed.app_error",
        format!("The command '{trigger}' failed."),
    )
}

/// Form encoding with keys sorted (stable, so repeated keys keep their order), as Go's
/// `url.Values.Encode` writes it.
fn encode(mut params: Vec<(&str, String)>) -> String {
    params.sort_by(|a, b| a.0.cmp(b.0));
    params
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends `query` to any query string the URL already has (before a `#fragment`).
fn with_query(url: &str, query: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut out = format!("{base}{sep}{query}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `@name` tokens (`\B@[[:alnum:]][[:alnum:].\-_:]*`), lower-cased, first occurrence order.
fn at_names(text: &str, sigil: char, more: fn(char) -> bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == sigil
            && (i == 0 || !word(chars[i - 1]))
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && more(chars[j]) {
            j += 1;
        }
        let name: String = chars[i + 1..j].iter().collect::<String>().to_lowercase();
        if !out.contains(&name) {
            out.push(name);
        }
        i = j;
    }
    out
}

/// (username, user id) of each `@mention` naming a member of the team; trailing `.`, `-` and
/// `_` are dropped one by one until a name matches.
fn user_mentions(
    db: &Reader,
    text: &str,
    team_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for name in at_names(text, '@', |c| c.is_alphanumeric() || ".-_:".contains(c)) {
        let mut candidate = name.as_str();
        loop {
            if let Some(u) = store::users::find_by_username(db, candidate)? {
                if store::teams::find_member(db, team_id, &u.id)?.is_some() {
                    out.push((candidate.to_string(), u.id));
                }
                break;
            }
            match candidate.strip_suffix(['.', '-', '_']) {
                Some(shorter) if shorter.len() > 1 => candidate = shorter,
                _ => break,
            }
        }
    }
    Ok(out)
}

/// (name, channel id) of each `~channel` naming a public channel of the team.
fn channel_mentions(
    db: &Reader,
    text: &str,
    team_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for name in at_names(text, '~', |c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        if let Some(ch) = store::channels::find_by_name(db, team_id, &name)? {
            if ch.team_id == team_id && ch.kind == "O" && ch.delete_at == 0 {
                out.push((name, ch.id));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_appending() {
        assert_eq!(with_query("http://h/p", "a=1"), "http://h/p?a=1");
        assert_eq!(with_query("http://h/p?x=2", "a=1"), "http://h/p?x=2&a=1");
        assert_eq!(with_query("http://h/p?", "a=1"), "http://h/p?a=1");
        assert_eq!(with_query("http://h/p#f", "a=1"), "http://h/p?a=1#f");
    }

    #[test]
    fn encoding_sorts_keys_stably() {
        let p = vec![
            ("text", "a b".to_string()),
            ("m", "2".to_string()),
            ("command", "/x".to_string()),
            ("m", "1".to_string()),
        ];
        assert_eq!(encode(p), "command=%2Fx&m=2&m=1&text=a%20b");
    }

    #[test]
    fn mention_tokens() {
        let user = |c: char| c.is_alphanumeric() || ".-_:".contains(c);
        assert_eq!(
            at_names("hi @Bob, mail@x.y @carol. @bob @-no", '@', user),
            vec![
                "bob,".trim_end_matches(',').to_string(),
                "carol.".to_string()
            ]
        );
        let ch = |c: char| c.is_ascii_alphanumeric() || "-_".contains(c);
        assert_eq!(at_names("see ~town-square!", '~', ch), vec!["town-square"]);
    }
}
