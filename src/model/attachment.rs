//! Message attachments in posts' `props` (`docs/spec/interactive-messages.md` §1): the shape
//! they are saved in, whatever the source (REST, webhooks, command and outgoing-webhook
//! answers, action updates, ephemeral posts) — each attachment re-encoded through the typed
//! attachment model as Mattermost's `PreCommit` does (unknown keys dropped, missing ones filled
//! with their zero values, `null` entries of `fields` and `actions` dropped, an attachment of
//! the wrong shape dropped), every action without an `id` given one, each action's
//! `integration` stamped with its `Source` (`perch_source`) — and what clients see: the same
//! props without any `integration` (`stripped`). No I/O.

use crate::model::action::{Integration, Source};
use crate::model::new_id;
use serde_json::{Map, Value};

/// Normalizes `props.attachments` in place (absent or `null`: nothing to do). Every
/// `integration` is attributed to `source`; one sent from outside is not trusted to carry a
/// source of its own.
pub fn normalize(props: &mut Map<String, Value>, source: &Source) {
    let Some(v) = props.get_mut("attachments") else {
        return;
    };
    if v.is_null() {
        return;
    }
    let kept: Vec<Value> = match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|a| attachment(a, source).ok())
            .collect(),
        _ => Vec::new(),
    };
    // Go's model stores an empty list of attachments as `null`.
    *v = if kept.is_empty() {
        Value::Null
    } else {
        Value::Array(kept)
    };
}

/// Whether any action of the props has an `integration` (what clients must not see).
pub fn has_integration(props: &Map<String, Value>) -> bool {
    actions(props).any(|a| a.get("integration").is_some())
}

/// The action objects of the props' attachments.
pub fn actions(props: &Map<String, Value>) -> impl Iterator<Item = &Map<String, Value>> {
    props
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("actions")?.as_array())
        .flatten()
        .filter_map(Value::as_object)
}

/// Mutable access to each action object of the props' attachments.
pub fn for_each_action(props: &mut Map<String, Value>, mut f: impl FnMut(&mut Map<String, Value>)) {
    let Some(Value::Array(atts)) = props.get_mut("attachments") else {
        return;
    };
    for a in atts {
        if let Some(Value::Array(actions)) = a.get_mut("actions") {
            for action in actions.iter_mut().filter_map(Value::as_object_mut) {
                f(action);
            }
        }
    }
}

/// A copy of the props without any action's `integration`: what clients see.
pub fn stripped(props: &Map<String, Value>) -> Map<String, Value> {
    let mut out = props.clone();
    for_each_action(&mut out, |a| {
        a.remove("integration");
    });
    out
}

type Decoded<T> = Result<T, ()>;

/// A JSON member found as Go's decoder finds it: the exact key, else a case-insensitive one.
fn member<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string(m: &Map<String, Value>, name: &str) -> Decoded<String> {
    match member(m, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(()),
    }
}

fn boolean(m: &Map<String, Value>, name: &str) -> Decoded<bool> {
    match member(m, name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(()),
    }
}

/// One attachment re-encoded (`null` becomes an attachment with every field empty, as Go's
/// decoder makes it); `Err` drops it.
fn attachment(v: &Value, source: &Source) -> Decoded<Value> {
    let empty = Map::new();
    let m = match v {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(()),
    };
    let id = match member(m, "id") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or(())?,
    };
    let fields = match member(m, "fields") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(items)) => Value::Array(
            items
                .iter()
                .filter(|f| !f.is_null())
                .map(field)
                .collect::<Decoded<Vec<_>>>()?,
        ),
        Some(_) => return Err(()),
    };
    let actions = match member(m, "actions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|a| !a.is_null())
            .map(|a| action(a, source))
            .collect::<Decoded<Vec<_>>>()?,
        Some(_) => return Err(()),
    };
    let mut out = Map::new();
    out.insert("id".into(), Value::from(id));
    for key in [
        "fallback",
        "color",
        "pretext",
        "author_name",
        "author_link",
        "author_icon",
        "title",
        "title_link",
        "text",
    ] {
        out.insert(key.into(), Value::String(string(m, key)?));
    }
    out.insert("fields".into(), fields);
    for key in ["image_url", "thumb_url", "footer", "footer_icon"] {
        out.insert(key.into(), Value::String(string(m, key)?));
    }
    out.insert("ts".into(), member(m, "ts").cloned().unwrap_or(Value::Null));
    if !actions.is_empty() {
        out.insert("actions".into(), Value::Array(actions));
    }
    Ok(Value::Object(out))
}

/// A field: `title` a string, `value` any JSON, `short` a boolean or `"true"`/`"false"`.
fn field(v: &Value) -> Decoded<Value> {
    let Value::Object(m) = v else { return Err(()) };
    let short = match member(m, "short") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(()),
    };
    let mut out = Map::new();
    out.insert("title".into(), Value::String(string(m, "title")?));
    out.insert(
        "value".into(),
        member(m, "value").cloned().unwrap_or(Value::Null),
    );
    out.insert("short".into(), Value::Bool(short));
    Ok(Value::Object(out))
}

/// An action (`PostAction`): known keys only, empty ones left out, an `id` made if missing.
fn action(v: &Value, source: &Source) -> Decoded<Value> {
    let Value::Object(m) = v else { return Err(()) };
    let mut out = Map::new();
    let mut put = |key: &str, value: String| {
        if !value.is_empty() {
            out.insert(key.into(), Value::String(value));
        }
    };
    let id = string(m, "id")?;
    put("id", if id.is_empty() { new_id() } else { id });
    for key in [
        "type",
        "name",
        "tooltip",
        "style",
        "data_source",
        "default_option",
        "cookie",
    ] {
        put(key, string(m, key)?);
    }
    if boolean(m, "disabled")? {
        out.insert("disabled".into(), Value::Bool(true));
    }
    match member(m, "options") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let options = items
                .iter()
                .map(|o| match o {
                    Value::Null => Ok(Value::Null),
                    Value::Object(om) => {
                        let mut opt = Map::new();
                        opt.insert("text".into(), Value::String(string(om, "text")?));
                        opt.insert("value".into(), Value::String(string(om, "value")?));
                        Ok(Value::Object(opt))
                    }
                    _ => Err(()),
                })
                .collect::<Decoded<Vec<_>>>()?;
            if !options.is_empty() {
                out.insert("options".into(), Value::Array(options));
            }
        }
        Some(_) => return Err(()),
    }
    match member(m, "integration") {
        None | Some(Value::Null) => {}
        Some(Value::Object(im)) => {
            let context = match member(im, "context") {
                None | Some(Value::Null) => None,
                Some(Value::Object(c)) if c.is_empty() => None,
                Some(Value::Object(c)) => Some(c.clone()),
                Some(_) => return Err(()),
            };
            let integration = Integration {
                url: string(im, "url")?,
                context,
                source: source.encode(),
            };
            out.insert(
                "integration".into(),
                serde_json::to_value(integration).map_err(|_| ())?,
            );
        }
        Some(_) => return Err(()),
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(v: Value, source: &Source) -> Value {
        let mut props = json!({"attachments": v}).as_object().unwrap().clone();
        normalize(&mut props, source);
        props["attachments"].clone()
    }

    #[test]
    fn attachments_take_the_typed_shape() {
        let src = Source::User("u1".into());
        let a = norm(
            json!([
                {"Title": "T", "extra": 1, "fields": [null, {"title": "f", "value": 5, "short": "TRUE"}],
                 "actions": [null, {"name": "Go", "type": "button", "bogus": true,
                   "integration": {"url": "http://x/act", "context": {"k": [1]}, "perch_source": "command:zz"}},
                   {"id": "mine", "type": "select", "options": [{"text": "A", "value": "a"}, null],
                    "integration": {"url": "http://x", "context": {}}}]},
                null,
                {"title": 5},
                "nonsense",
                {"actions": "x"}
            ]),
            &src,
        );
        let a = a.as_array().unwrap();
        assert_eq!(a.len(), 2, "{a:?}");
        let first = &a[0];
        assert_eq!(first["title"], "T");
        assert!(first.get("extra").is_none());
        assert_eq!(first["id"], 0);
        assert_eq!(first["ts"], Value::Null);
        assert_eq!(
            first["fields"],
            json!([{"title": "f", "value": 5, "short": true}])
        );
        let actions = first["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 2);
        let go = &actions[0];
        assert_eq!(go["id"].as_str().unwrap().len(), 26);
        assert!(go.get("bogus").is_none());
        assert_eq!(
            go["integration"],
            json!({"url": "http://x/act", "context": {"k": [1]}, "perch_source": "user:u1"})
        );
        let menu = &actions[1];
        assert_eq!(menu["id"], "mine");
        assert_eq!(menu["options"], json!([{"text": "A", "value": "a"}, null]));
        assert_eq!(
            menu["integration"],
            json!({"url": "http://x", "perch_source": "user:u1"})
        );
        // The `null` attachment became an empty one; it has no actions key.
        assert_eq!(a[1]["text"], "");
        assert_eq!(a[1]["fields"], Value::Null);
        assert!(a[1].get("actions").is_none());
    }

    #[test]
    fn odd_attachment_lists() {
        let src = Source::Unknown;
        assert_eq!(norm(json!([]), &src), Value::Null);
        assert_eq!(norm(json!("x"), &src), Value::Null);
        assert_eq!(norm(json!([{"title": 1}]), &src), Value::Null);
        let mut props = json!({"message": "m", "attachments": null})
            .as_object()
            .unwrap()
            .clone();
        normalize(&mut props, &src);
        assert_eq!(props["attachments"], Value::Null);
        let mut none = json!({"a": 1}).as_object().unwrap().clone();
        normalize(&mut none, &src);
        assert_eq!(none, json!({"a": 1}).as_object().unwrap().clone());
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        let src = Source::IncomingHook("h".into());
        let once = norm(
            json!([{"text": "x", "actions": [{"name": "A", "integration": {"url": "http://x"}}]}]),
            &src,
        );
        assert_eq!(norm(once.clone(), &src), once);
    }

    #[test]
    fn stripping_keeps_everything_else() {
        let src = Source::User("u".into());
        let mut props = json!({"attachments": [{"actions": [{"id": "a", "name": "A", "integration": {"url": "http://x"}}]}], "from_bot": "true"})
            .as_object()
            .unwrap()
            .clone();
        normalize(&mut props, &src);
        assert!(has_integration(&props));
        let s = stripped(&props);
        assert!(!has_integration(&s));
        assert_eq!(s["attachments"][0]["actions"][0]["name"], "A");
        assert_eq!(s["from_bot"], "true");
    }
}
