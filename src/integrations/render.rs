//! What translators write: attachment colours, Markdown (escaped, links, lists, excerpts),
//! commit lists, durations and the small text helpers around them.

use crate::slack::{safe_url, single_line};

/// Success, merged, resolved.
pub const GOOD: &str = "#2EB886";
/// Failure, firing alert.
pub const DANGER: &str = "#D00000";
/// Unstable build, changes requested, no data.
pub const WARNING: &str = "#DAA038";
/// Anything else: opened, commented, pushed, in progress.
pub const NEUTRAL: &str = "#A0A0A0";

/// Escapes a plain string for inline Markdown (names, titles, branch names) and defuses
/// @-mentions, so a pull request titled `@channel *boom*` shows as typed and notifies nobody.
/// Only characters that can start inline markup are escaped, to keep the raw text readable
/// where clients show it unrendered (notifications). Block markup (`# `, `> `) cannot start
/// inside the one-line positions these strings are used in.
pub fn escape_md(s: &str) -> String {
    let s = single_line(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '<' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    defuse_mentions(&out)
}

/// Keeps Markdown from a provider (PR bodies, comments) but defuses @-mentions: people on the
/// provider are not the people in this chat, and `@all` in a comment must not page a channel.
pub fn sanitize_md(s: &str) -> String {
    defuse_mentions(s.trim())
}

/// Inserts a zero-width space after `@` when a name follows, which stops mention parsing
/// while looking the same.
fn defuse_mentions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '@'
            && chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        {
            out.push('\u{200B}');
        }
    }
    out
}

/// `**name**`, escaped.
pub fn bold(s: &str) -> String {
    format!("**{}**", escape_md(s))
}

/// `` `code` `` for short identifiers (branches, tags, hashes); backticks are replaced.
pub fn code(s: &str) -> String {
    format!("`{}`", single_line(s).replace('`', "'"))
}

/// A Markdown link with an escaped label; just the label when the URL is missing or not
/// http(s).
pub fn link(label: &str, url: Option<&str>) -> String {
    match url.and_then(safe_url) {
        Some(u) => format!("[{}]({})", escape_md(label), u),
        None => escape_md(label),
    }
}

/// Like [`link`], but the label is already Markdown (e.g. a [`code`] span).
pub fn link_raw(label_md: &str, url: Option<&str>) -> String {
    match url.and_then(safe_url) {
        Some(u) => format!("[{label_md}]({u})"),
        None => label_md.to_owned(),
    }
}

/// The first line, trimmed.
pub fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("").trim()
}

/// At most `max` characters, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_owned(),
    }
}

/// Provider Markdown for an attachment body: mentions defused, at most `max` characters.
pub fn excerpt(s: &str, max: usize) -> String {
    sanitize_md(&truncate(&s.replace("\r\n", "\n"), max))
}

/// The first 7 characters of a commit hash.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// `1h 2m`, `3m 12s`, `14s`.
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, min, sec) => format!("{min}m {sec}s"),
        (h, min, _) => format!("{h}h {min}m"),
    }
}

/// `1 commit`, `3 commits`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Comma-separated, escaped list; `None` when empty.
pub fn list(items: &[String]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    Some(
        items
            .iter()
            .map(|s| escape_md(s))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// How many commits a push lists before "… and N more".
pub const MAX_COMMITS: usize = 5;

/// One commit line of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitLine {
    pub id: String,
    pub url: Option<String>,
    pub message: String,
    pub author: Option<String>,
}

/// A Markdown list of at most [`MAX_COMMITS`] commits, then `… and N more` where N counts
/// up to `total` (which may exceed `commits.len()` when the provider capped its list).
pub fn commit_list(commits: &[CommitLine], total: usize) -> String {
    let mut lines: Vec<String> = commits
        .iter()
        .take(MAX_COMMITS)
        .map(|c| {
            let sha = link_raw(&code(short_sha(&c.id)), c.url.as_deref());
            let msg = escape_md(&truncate(first_line(&c.message), 100));
            match &c.author {
                Some(a) => format!("- {sha} {msg} — {}", escape_md(a)),
                None => format!("- {sha} {msg}"),
            }
        })
        .collect();
    let shown = lines.len();
    let total = total.max(commits.len());
    if total > shown {
        lines.push(format!("- … and {} more", total - shown));
    }
    lines.join("\n")
}

/// `refs/heads/main` → (`"branch"`, `"main"`); `refs/tags/v1` → (`"tag"`, `"v1"`).
pub fn split_ref(r: &str) -> (&'static str, &str) {
    if let Some(tag) = r.strip_prefix("refs/tags/") {
        ("tag", tag)
    } else if let Some(branch) = r.strip_prefix("refs/heads/") {
        ("branch", branch)
    } else {
        ("branch", r)
    }
}

/// A 40-zero (or all-zero) git hash, meaning "no commit" in push payloads.
pub fn is_zero_sha(sha: Option<&str>) -> bool {
    sha.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b == b'0'))
}

/// Unix seconds from epoch milliseconds.
pub fn ms_to_s(ms: Option<i64>) -> Option<i64> {
    ms.map(|m| m / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_helpers() {
        assert_eq!(
            escape_md("a *b* [c](d) @channel"),
            "a \\*b\\* \\[c\\](d) @\u{200B}channel"
        );
        assert_eq!(escape_md("line1\nline2"), "line1 line2");
        assert_eq!(sanitize_md("**keep** @all"), "**keep** @\u{200B}all");
        assert_eq!(sanitize_md("mail a@b.c"), "mail a@\u{200B}b.c");
        assert_eq!(link("x", Some("javascript:alert(1)")), "x");
        assert_eq!(
            link("x", Some("https://e.com/a b(c)")),
            "[x](https://e.com/a%20b%28c%29)"
        );
        assert_eq!(link("x", None), "x");
        assert_eq!(code("a`b"), "`a'b`");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("héllo wörld", 5), "héllo…");
        assert_eq!(first_line("\n first \nsecond"), "first");
        assert_eq!(format_duration(14), "14s");
        assert_eq!(format_duration(73), "1m 13s");
        assert_eq!(format_duration(3725), "1h 2m");
        assert_eq!(short_sha("abc"), "abc");
        assert!(is_zero_sha(Some(
            "0000000000000000000000000000000000000000"
        )));
        assert!(!is_zero_sha(Some("")));
    }

    #[test]
    fn commit_lists_are_capped() {
        let commits: Vec<CommitLine> = (0..7)
            .map(|i| CommitLine {
                id: format!("{i}234567890"),
                url: Some(format!("https://e.com/c/{i}")),
                message: format!("commit {i}\n\nbody"),
                author: Some("dev".to_owned()),
            })
            .collect();
        let list = commit_list(&commits, 30);
        assert_eq!(list.lines().count(), MAX_COMMITS + 1);
        assert!(list.starts_with("- [`0234567`](https://e.com/c/0) commit 0 — dev"));
        assert!(list.ends_with("- … and 25 more"));
        assert_eq!(commit_list(&commits[..2], 2).lines().count(), 2);
    }
}
