//! Who a message mentions, as Perch counts mentions (the `mentions` of a `posted` event and a
//! channel member's `mention_count`): in a direct or group message every other member; elsewhere
//! the `@username`s, and everyone for `@channel`, `@all` and `@here`.

/// The mentions written in a message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// `@channel`, `@all` or `@here`.
    pub everyone: bool,
    /// Each `@word`, lower case, with the variants that drop trailing `.`, `-` or `_` (so
    /// `@bob.` names bob), in order of appearance.
    pub names: Vec<String>,
}

/// Parses the `@` mentions of `message` (an `@` after a letter or digit, as in an e-mail
/// address, is none).
pub fn written(message: &str) -> Written {
    let mut out = Written::default();
    for (i, _) in message.match_indices('@') {
        if message[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let rest = &message[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .unwrap_or(rest.len());
        let mut word = rest[..end].to_ascii_lowercase();
        loop {
            if matches!(word.as_str(), "channel" | "all" | "here") {
                out.everyone = true;
                break;
            }
            if !word.is_empty() && !out.names.contains(&word) {
                out.names.push(word.clone());
            }
            match word.pop() {
                Some('.' | '-' | '_') if !word.is_empty() => {}
                _ => break,
            }
        }
    }
    out
}

/// Whether a post in a channel of `kind` mentions every other member whatever it says.
pub fn mentions_everyone_by_kind(kind: &str) -> bool {
    kind == "D" || kind == "G"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_everyone() {
        let w = written("hi @Bob. and @carol_, mail me at x@y.z");
        assert!(!w.everyone);
        assert_eq!(w.names, vec!["bob.", "bob", "carol_", "carol"]);
        assert!(written("ping @here please").everyone);
        assert!(written("@all").everyone);
        assert_eq!(written("@ alone").names, Vec::<String>::new());
    }
}
