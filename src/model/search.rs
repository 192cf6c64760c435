//! Mattermost's search syntax (`model/search_params.go`): the words, "quoted phrases",
//! `wildcards*`, `#hashtags`, `-excluded` words and the `from:`, `in:`/`channel:`, `on:`,
//! `before:`, `after:` and `ext:` flags (each may be excluded with a leading `-`) of a post or
//! file search box, turned into what the store matches.

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// A parsed search.
#[derive(Debug, Default, PartialEq)]
pub struct Search {
    /// Plain words and phrases, punctuation trimmed as Mattermost trims it. A phrase keeps its
    /// quotes; a trailing `*` asks for a prefix match.
    pub words: Vec<String>,
    pub excluded_words: Vec<String>,
    /// `#hashtags`, matched against the post's hashtags.
    pub hashtags: Vec<String>,
    pub excluded_hashtags: Vec<String>,
    /// `in:`/`channel:` values (a channel name, or `@username` for a direct message).
    pub in_channels: Vec<String>,
    pub excluded_channels: Vec<String>,
    /// `from:` usernames, without any leading `@`.
    pub from_users: Vec<String>,
    pub excluded_users: Vec<String>,
    /// `ext:` file extensions, lower case, without a dot.
    pub extensions: Vec<String>,
    pub excluded_extensions: Vec<String>,
    /// `create_at` bounds, inclusive, in ms: from `on:`, `after:` and `before:`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// `create_at` ranges to leave out: from `-on:`, `-after:` and `-before:`.
    pub excluded_ranges: Vec<(i64, i64)>,
}

impl Search {
    /// How many words, hashtags and flags were asked for (each one a clause of the query).
    pub fn term_count(&self) -> usize {
        [
            &self.words,
            &self.excluded_words,
            &self.hashtags,
            &self.excluded_hashtags,
            &self.in_channels,
            &self.excluded_channels,
            &self.from_users,
            &self.excluded_users,
            &self.extensions,
            &self.excluded_extensions,
        ]
        .iter()
        .map(|l| l.len())
        .sum::<usize>()
            + self.excluded_ranges.len()
    }

    /// True when nothing at all was asked for (Mattermost then answers an empty list).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.excluded_words.is_empty()
            && self.hashtags.is_empty()
            && self.excluded_hashtags.is_empty()
            && self.in_channels.is_empty()
            && self.excluded_channels.is_empty()
            && self.from_users.is_empty()
            && self.excluded_users.is_empty()
            && self.extensions.is_empty()
            && self.excluded_extensions.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.excluded_ranges.is_empty()
    }
}

const FLAGS: [&str; 7] = ["from", "channel", "in", "before", "after", "on", "ext"];

/// Parses a search box's text. `tz_offset` is the searcher's offset from UTC in seconds (east
/// positive, as the web app sends `time_zone_offset`): dates are days in that zone.
pub fn parse(text: &str, tz_offset: i64) -> Search {
    let mut s = Search::default();
    let words = split_words(text);
    let mut skip = false;
    for (i, word) in words.iter().enumerate() {
        if skip {
            skip = false;
            continue;
        }
        if let Some(colon) = word.find(':') {
            let (name, exclude) = match word.strip_prefix('-') {
                Some(rest) => (&rest[..colon - 1], true),
                None => (&word[..colon], false),
            };
            if let Some(flag) = FLAGS.iter().find(|f| f.eq_ignore_ascii_case(name)) {
                let value = &word[colon + 1..];
                let value = if !value.is_empty() {
                    Some(value)
                } else if let Some(next) = words.get(i + 1) {
                    skip = true;
                    Some(next.as_str())
                } else {
                    None
                };
                if let Some(v) = value {
                    s.add_flag(flag, v, exclude, tz_offset);
                    continue;
                }
            }
        }
        let exclude = word.starts_with('-');
        let trimmed = trim_punctuation(word);
        if trimmed.is_empty() {
            continue;
        }
        // Extra leading pound signs collapse to one.
        let trimmed = if trimmed.starts_with("##") {
            format!("#{}", trimmed.trim_start_matches('#'))
        } else {
            trimmed.to_string()
        };
        match (is_hashtag(&trimmed), exclude) {
            (true, false) => s.hashtags.push(trimmed.to_lowercase()),
            (true, true) => s.excluded_hashtags.push(trimmed.to_lowercase()),
            (false, false) if has_word_chars(&trimmed) => s.words.push(trimmed),
            (false, true) if has_word_chars(&trimmed) => s.excluded_words.push(trimmed),
            _ => {}
        }
    }
    s
}

impl Search {
    fn add_flag(&mut self, flag: &str, value: &str, exclude: bool, tz_offset: i64) {
        let list = match (flag, exclude) {
            ("in" | "channel", false) => Some(&mut self.in_channels),
            ("in" | "channel", true) => Some(&mut self.excluded_channels),
            ("from", false) => Some(&mut self.from_users),
            ("from", true) => Some(&mut self.excluded_users),
            ("ext", false) => Some(&mut self.extensions),
            ("ext", true) => Some(&mut self.excluded_extensions),
            _ => None,
        };
        if let Some(v) = list {
            v.push(match flag {
                "from" => value.trim_start_matches('@').to_lowercase(),
                "ext" => value.trim_start_matches('.').to_lowercase(),
                _ => value.to_string(),
            });
            return;
        }
        // A date Mattermost cannot read is ignored (it falls back the same way for on:/before:).
        let Some(start) = day_start(value, tz_offset) else {
            return;
        };
        let (lo, hi) = match flag {
            "on" => (start, start + DAY_MS - 1),
            "after" => (start + DAY_MS, i64::MAX),
            _ => (i64::MIN, start - 1), // before
        };
        if exclude {
            self.excluded_ranges.push((lo, hi));
        } else {
            if lo != i64::MIN {
                self.since = Some(self.since.map_or(lo, |s| s.max(lo)));
            }
            if hi != i64::MAX {
                self.until = Some(self.until.map_or(hi, |u| u.min(hi)));
            }
        }
    }
}

/// Words separated by white space, a "quoted phrase" (with a `-` just before it) kept whole.
fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut open = false;
    for (i, c) in text.char_indices() {
        if c != '"' {
            continue;
        }
        if open {
            out.push(text[start..=i].to_string());
            start = i + 1;
            open = false;
        } else {
            let begin = if i > 0 && text.as_bytes()[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            out.extend(text[start..begin].split_whitespace().map(str::to_string));
            start = begin;
            open = true;
        }
    }
    out.extend(text[start..].split_whitespace().map(str::to_string));
    out
}

/// Mattermost's trim: leading characters other than letters, digits, `#` and `"`, and trailing
/// ones other than letters, digits, `*` and `"`.
fn trim_punctuation(word: &str) -> &str {
    word.trim_start_matches(|c: char| !(c.is_alphanumeric() || c == '#' || c == '"'))
        .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '*' || c == '"'))
}

fn has_word_chars(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// Mattermost's valid hashtag: `#`, a letter, then at least one more of letters, digits, `-`, `_` or `.`, ending in a
/// letter or digit.
fn is_hashtag(w: &str) -> bool {
    let Some(rest) = w.strip_prefix('#') else {
        return false;
    };
    let mut chars = rest.chars();
    rest.chars().count() >= 2
        && chars.next().is_some_and(char::is_alphabetic)
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
        && rest.chars().last().is_some_and(char::is_alphanumeric)
}

/// The first millisecond of `YYYY-M-D` in the zone `tz_offset` seconds east of UTC.
fn day_start(date: &str, tz_offset: i64) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1..=9999).contains(&y) {
        return None;
    }
    Some((days_from_civil(y, m, d) * DAY_MS).saturating_sub(tz_offset.saturating_mul(1000)))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An FTS5 query for the words: each one a quoted string (so punctuation inside is only a
/// token break), a phrase kept together, `*` a prefix match; joined with AND or OR. `None`
/// when no word has anything to match.
pub fn fts_query(words: &[String], or: bool) -> Option<String> {
    let parts: Vec<String> = words
        .iter()
        .filter_map(|w| {
            let (body, prefix) = match w.strip_suffix('*') {
                Some(b) => (b, true),
                None => (w.as_str(), false),
            };
            let body = body.trim_matches('"');
            if !has_word_chars(body) {
                return None;
            }
            let quoted = format!("\"{}\"", body.replace('"', "\"\""));
            Some(if prefix { quoted + "*" } else { quoted })
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(if or { " OR " } else { " AND " }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_exclusions() {
        let s = parse(r#"deploy "build failed" -flaky -"not this" @bob, wild*"#, 0);
        assert_eq!(s.words, vec!["deploy", "\"build failed\"", "bob", "wild*"]);
        assert_eq!(s.excluded_words, vec!["flaky", "\"not this\""]);
        assert_eq!(
            fts_query(&s.words, false).unwrap(),
            r#""deploy" AND "build failed" AND "bob" AND "wild"*"#
        );
        assert_eq!(
            fts_query(&s.words, true).unwrap().matches(" OR ").count(),
            3
        );
    }

    #[test]
    fn flags() {
        let s = parse(
            "from:@Bob in:dev -in:random -from: carol channel: ops ext:.PNG x",
            0,
        );
        assert_eq!(s.from_users, vec!["bob"]);
        assert_eq!(s.excluded_users, vec!["carol"]);
        assert_eq!(s.in_channels, vec!["dev", "ops"]);
        assert_eq!(s.excluded_channels, vec!["random"]);
        assert_eq!(s.extensions, vec!["png"]);
        assert_eq!(s.words, vec!["x"]);
        // An unknown flag is a word, and so is a flag with nothing after it.
        let s = parse("foo:bar from:", 0);
        assert_eq!(s.words, vec!["foo:bar", "from"]);
        assert!(s.from_users.is_empty());
    }

    #[test]
    fn hashtags() {
        let s = parse("#Release ##deploy -#old #1 #a-", 0);
        assert_eq!(s.hashtags, vec!["#release", "#deploy"]);
        assert_eq!(s.excluded_hashtags, vec!["#old"]);
        // Not hashtags, so plain words: a digit first; one letter (the dash is trimmed).
        assert_eq!(s.words, vec!["#1", "#a"]);
    }

    #[test]
    fn dates_in_the_searchers_zone() {
        // 2026-12-07 00:00 UTC = 1796601600000 ms.
        let day = 1_796_601_600_000;
        let s = parse("on:2026-12-07", 0);
        assert_eq!((s.since, s.until), (Some(day), Some(day + DAY_MS - 1)));
        // Two hours east of UTC: the day starts two hours earlier.
        let s = parse("on:2026-12-7", 7200);
        assert_eq!(s.since, Some(day - 7_200_000));
        let s = parse("after:2026-12-07 before:2026-12-10", 0);
        assert_eq!(s.since, Some(day + DAY_MS));
        assert_eq!(s.until, Some(day + 3 * DAY_MS - 1));
        let s = parse("-on:2026-12-07 on:2026-13-01", 0);
        assert_eq!(s.excluded_ranges, vec![(day, day + DAY_MS - 1)]);
        assert_eq!(s.since, None);
    }

    #[test]
    fn far_time_zones_do_not_overflow() {
        let s = parse("on:2026-12-07", i64::MAX);
        assert!(s.since.is_some());
    }

    #[test]
    fn nothing_to_match() {
        assert!(parse("  *** !! ", 0).is_empty());
        assert_eq!(fts_query(&["\"!!\"".into()], false), None);
    }
}
