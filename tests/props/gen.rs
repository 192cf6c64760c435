//! Input generators: text made of the characters and fragments the parsers treat specially,
//! arbitrary JSON, and mutations of real payloads (a subtree replaced, removed or retyped).

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

/// The proptest configuration every property uses: `cases` by default (or
/// `PERCH_FUZZ_CASES`), drawn from a fixed seed (or `PERCH_FUZZ_SEED`), no files written.
pub fn config(cases: u32) -> proptest::test_runner::Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    proptest::test_runner::Config {
        cases: env("PERCH_FUZZ_CASES").map_or(cases, |c| c as u32),
        rng_seed: proptest::test_runner::RngSeed::Fixed(
            env("PERCH_FUZZ_SEED").unwrap_or(0x9e5c_4a11),
        ),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..proptest::test_runner::Config::default()
    }
}

/// Fragments that mean something to one of the parsers, mixed with arbitrary strings.
const FRAGMENTS: &[&str] = &[
    "<",
    ">",
    "|",
    "<!here>",
    "<!channel|x>",
    "<!everyone>",
    "<@",
    "<@U123|bob>",
    "<@bob>",
    "<http://a|b>",
    "<mailto:x@y|",
    "&amp;",
    "&lt;",
    "&gt;",
    "&",
    "&#",
    "\n",
    "\r\n",
    "\t",
    "%",
    "%zz",
    "%41",
    "%",
    "+",
    "=",
    "&=",
    ";",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "--",
    "--b",
    "\r\n\r\n",
    "Content-Disposition: form-data; name=\"text\"",
    "filename=\"x\"",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "é",
    "𝄞",
    "\u{0}",
    "\u{202e}",
    "\u{feff}",
    "null",
    "true",
    "1e999",
    "-0",
    "18446744073709551616",
    "9223372036854775807",
    "page=",
    "per_page=",
    "/",
    "//",
    "..",
    "@",
    "#",
    "*",
];

/// Text built from `FRAGMENTS` and arbitrary strings, up to `max` pieces.
pub fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => any::<String>(),
            1 => "[a-z0-9 _.-]{0,12}",
        ],
        0..max,
    )
    .prop_map(|parts| parts.concat())
}

/// Bytes: valid text as above, raw noise, or text with a few bytes flipped.
pub fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        text(max).prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..max * 4),
        (
            text(max),
            proptest::collection::vec((any::<Index>(), any::<u8>()), 1..4)
        )
            .prop_map(|(t, flips)| {
                let mut b = t.into_bytes();
                if !b.is_empty() {
                    for (i, v) in flips {
                        let at = i.index(b.len());
                        b[at] = v;
                    }
                }
                b
            }),
    ]
}

/// A JSON scalar, strings drawn from `text`.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text(8).prop_map(Value::String),
        Just(Value::String("x".repeat(40_000))),
    ]
}

/// Arbitrary JSON, at most four levels deep.
pub fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Object keys: ones real payloads use, or arbitrary.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "text", "channel", "username", "icon_url", "attachments", "props", "type", "fields",
            "title", "value", "short", "actions", "id", "name", "user_id", "channel_id",
            "team_id", "message", "root_id", "payload", "object_kind", "alerts", "webhookEvent",
            "email", "password", "login_id", "display_name", "purpose", "header", "trigger",
            "url", "method", "callback_urls", "trigger_words", "content_type", "description",
            "roles", "active", "token", "token_id", "user_ids", "category", "auto_complete",
            "per_page", "page", "since", "create_at", "update_at", "delete_at", "is_pinned",
            "file_ids", "metadata", "scheme_admin", "owner_id", "template", "secret",
        ][..]).prop_map(str::to_string),
        1 => text(3),
    ]
}

/// One change to a JSON document, made at the node an index picks (in walking order).
#[derive(Debug, Clone)]
pub enum Change {
    Replace(Value),
    Remove,
    /// The node's JSON text, as a string.
    Stringify,
    /// A huge array or string in its place.
    Inflate,
}

pub fn mutation() -> impl Strategy<Value = (Index, Change)> {
    let change = prop_oneof![
        4 => json().prop_map(Change::Replace),
        2 => Just(Change::Remove),
        2 => Just(Change::Stringify),
        1 => Just(Change::Inflate),
    ];
    (any::<Index>(), change)
}

/// Applies `mutations` to a copy of `doc`.
pub fn mutate(doc: &Value, mutations: &[(Index, Change)]) -> Value {
    let mut doc = doc.clone();
    for (i, change) in mutations {
        let mut target = i.index(count_nodes(&doc));
        visit(&mut doc, &mut target, change);
    }
    doc
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(o) => o.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Walks to the `target`-th node (counting down) and changes it; `true` once done.
fn visit(v: &mut Value, target: &mut usize, op: &Change) -> bool {
    if *target == 0 {
        *v = match op {
            Change::Replace(new) => new.clone(),
            Change::Remove => Value::Null,
            Change::Stringify => Value::String(v.to_string()),
            // About 40 KB more, so a few of them stay under the server's body limit.
            Change::Inflate => match v {
                Value::Array(a) if !a.is_empty() => {
                    let each = a.iter().map(|e| e.to_string().len() + 1).sum::<usize>() / a.len();
                    let n = (40_000 / each.max(1)).clamp(a.len(), 5_000);
                    Value::Array(a.iter().cycle().take(n).cloned().collect())
                }
                _ => Value::String("é".repeat(20_000)),
            },
        };
        return true;
    }
    *target -= 1;
    match v {
        Value::Array(items) => {
            for (k, item) in items.iter_mut().enumerate() {
                if *target == 0 && matches!(op, Change::Remove) {
                    items.remove(k);
                    return true;
                }
                if visit(item, target, op) {
                    return true;
                }
            }
            false
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if *target == 0 && matches!(op, Change::Remove) {
                    map.remove(&k);
                    return true;
                }
                if let Some(child) = map.get_mut(&k) {
                    if visit(child, target, op) {
                        return true;
                    }
                }
            }
            false
        }
        _ => false,
    }
}

#[test]
fn mutations_reach_every_node() {
    let doc = serde_json::json!({"a": [1, {"b": 2}], "c": "d"});
    assert_eq!(count_nodes(&doc), 6);
    for i in 0..6 {
        let (mut target, mut copy) = (i, doc.clone());
        assert!(
            visit(&mut copy, &mut target, &Change::Stringify),
            "node {i}"
        );
        assert_ne!(copy, doc, "node {i}");
    }
    let (mut target, mut copy) = (3, doc.clone());
    visit(&mut copy, &mut target, &Change::Remove);
    assert_eq!(copy, serde_json::json!({"a": [1], "c": "d"}));
}
