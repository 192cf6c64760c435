//! Slack markup in command responses (`incoming-webhooks.md` §5–6): `<!channel>`-style
//! announcements, `<@USERID>` mentions and `<url|label>` links. Kept in this one file so it can
//! be swapped for a shared translator once one exists; nothing here touches the database
//! except through the `username` lookup the caller passes in.

use serde_json::Value;

/// Announcements and user mentions: `<!channel>` → `@channel`, `<!here>` → `@here`,
/// `<!all>` → `@all`, `<@ID>` → `@username` when `username(ID)` knows the id.
pub fn translate(text: &str, username: &dyn Fn(&str) -> Option<String>) -> String {
    let text = text
        .replace("<!channel>", "@channel")
        .replace("<!here>", "@here")
        .replace("<!all>", "@all");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<@") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let id_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let closes = after[id_len..].starts_with('>');
        match (id_len > 0 && closes)
            .then(|| username(&after[..id_len]))
            .flatten()
        {
            Some(name) => {
                out.push('@');
                out.push_str(&name);
                rest = &after[id_len + 1..];
            }
            None => {
                out.push_str("<@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `<url|label>` → `[label](url)` (Go regex `<([^<\|]+)\|([^>]+)>`: the label may span lines).
pub fn links_to_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        match link_at(after) {
            Some((url, label, used)) => {
                out.push_str(&rest[..i]);
                out.push('[');
                out.push_str(label);
                out.push_str("](");
                out.push_str(url);
                out.push(')');
                rest = &after[used..];
            }
            None => {
                out.push_str(&rest[..=i]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Matches `url|label>` at the start of `s`; returns both parts and the bytes consumed.
fn link_at(s: &str) -> Option<(&str, &str, usize)> {
    let bar = s.find(['|', '<'])?;
    if bar == 0 || !s[bar..].starts_with('|') {
        return None;
    }
    let tail = &s[bar + 1..];
    let gt = tail.find('>')?;
    if gt == 0 {
        return None;
    }
    Some((&s[..bar], &tail[..gt], bar + 1 + gt + 1))
}

/// Attachments: mention translation (unless `skip`) on `pretext`, `text`, `title` and field
/// values; link conversion always on `pretext`, `text` and string field values.
pub fn process_attachments(
    attachments: &mut [Value],
    skip: bool,
    username: &dyn Fn(&str) -> Option<String>,
) {
    for a in attachments.iter_mut() {
        let Some(obj) = a.as_object_mut() else {
            continue;
        };
        for key in ["pretext", "text", "title"] {
            if let Some(Value::String(s)) = obj.get_mut(key) {
                if !skip {
                    *s = translate(s, username);
                }
                if key != "title" {
                    *s = links_to_markdown(s);
                }
            }
        }
        if let Some(Value::Array(fields)) = obj.get_mut("fields") {
            for f in fields {
                if let Some(Value::String(v)) = f.get_mut("value") {
                    if !skip {
                        *v = translate(v, username);
                    }
                    *v = links_to_markdown(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(id: &str) -> Option<String> {
        (id == "abc").then(|| "alice".to_string())
    }

    #[test]
    fn announcements_and_mentions() {
        assert_eq!(
            translate("<!channel> <!here> <!all> <!everyone>", &names),
            "@channel @here @all <!everyone>"
        );
        assert_eq!(
            translate("hi <@abc>, <@U999> <@abc|x> <@", &names),
            "hi @alice, <@U999> <@abc|x> <@"
        );
    }

    #[test]
    fn links() {
        assert_eq!(
            links_to_markdown("see <http://x.y/a|the docs> and <http://z>"),
            "see [the docs](http://x.y/a) and <http://z>"
        );
        assert_eq!(links_to_markdown("a < b <u|l\nm>"), "a < b [l\nm](u)");
        assert_eq!(links_to_markdown("<|x> <u|> <<u|v>"), "<|x> <u|> <[v](u)");
    }

    #[test]
    fn attachment_fields() {
        let mut a = vec![
            json!({"text": "<!here> <u|l>", "title": "<u|l>", "fields": [{"value": "<@abc>"}]}),
        ];
        process_attachments(&mut a, false, &names);
        assert_eq!(a[0]["text"], "@here [l](u)");
        assert_eq!(a[0]["title"], "<u|l>");
        assert_eq!(a[0]["fields"][0]["value"], "@alice");
        let mut a = vec![json!({"text": "<!here> <u|l>"})];
        process_attachments(&mut a, true, &names);
        assert_eq!(a[0]["text"], "<!here> [l](u)");
    }
}
