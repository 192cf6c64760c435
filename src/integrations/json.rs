//! Reading a webhook body: JSON (or a form body carrying it in `payload=`), and access to
//! values by dotted path for the translators.

use super::TranslateError;
use crate::form::form_value;
use serde_json::Value;

/// Parses a webhook body: JSON, or a form body whose `payload` field holds the JSON (GitHub's
/// and Gitea's `application/x-www-form-urlencoded` content type). The result must be an object.
pub fn parse_body(body: &[u8]) -> Result<Value, TranslateError> {
    let trimmed = trim_ascii_start(body);
    let decoded;
    let json: &[u8] = if trimmed.starts_with(b"payload=") || is_form_with_payload(trimmed) {
        decoded = form_value(trimmed, "payload").unwrap_or_default();
        &decoded
    } else {
        trimmed
    };
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| TranslateError::BadPayload(format!("body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(TranslateError::BadPayload(
            "body is not a JSON object".to_owned(),
        ));
    }
    Ok(value)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// A form body that carries `payload=` after other fields (`a=1&payload=…`).
fn is_form_with_payload(b: &[u8]) -> bool {
    !b.starts_with(b"{") && b.windows(9).any(|w| w == b"&payload=")
}

/// The value at a dotted path (`"pull_request.user.login"`; numeric segments index arrays).
pub fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |cur, seg| match cur {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A non-blank string at `path`.
pub fn str_at<'v>(v: &'v Value, path: &str) -> Option<&'v str> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A string, number or boolean at `path`, as text; `None` for blanks, null, arrays, objects.
pub fn text_at(v: &Value, path: &str) -> Option<String> {
    match at(v, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer at `path` (also accepts integral strings).
pub fn i64_at(v: &Value, path: &str) -> Option<i64> {
    match at(v, path)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `true` only for a JSON `true` at `path`.
pub fn bool_at(v: &Value, path: &str) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `path`, or an empty slice.
pub fn array_at<'v>(v: &'v Value, path: &str) -> &'v [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A non-blank string at `path`, or a [`TranslateError::BadPayload`] naming it.
pub fn require_str<'v>(v: &'v Value, path: &str) -> Result<&'v str, TranslateError> {
    str_at(v, path).ok_or_else(|| missing(path))
}

/// An object at `path`, or a [`TranslateError::BadPayload`] naming it.
pub fn require_object<'v>(v: &'v Value, path: &str) -> Result<&'v Value, TranslateError> {
    at(v, path)
        .filter(|x| x.is_object())
        .ok_or_else(|| missing(path))
}

/// The error for a missing required field.
pub fn missing(path: &str) -> TranslateError {
    TranslateError::BadPayload(format!("missing field `{path}`"))
}

/// The strings found at `path` inside each element of the array at `array_path`.
pub fn strings_in(v: &Value, array_path: &str, path: &str) -> Vec<String> {
    array_at(v, array_path)
        .iter()
        .filter_map(|item| text_at(item, path))
        .collect()
}
