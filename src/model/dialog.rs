//! Interactive dialogs' wire types (`docs/spec/interactive-messages.md` §5): the dialog and
//! its elements with Mattermost's validation rules, the open request and the `open_dialog`
//! event's payload, a submission and the integration's answer. No I/O.

use super::action::{nullable, ActionOption};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An interactive dialog (a form the client shows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    #[serde(default, deserialize_with = "nullable")]
    pub callback_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    #[serde(default, deserialize_with = "nullable")]
    pub introduction_text: String,
    #[serde(default, deserialize_with = "nullable")]
    pub icon_url: String,
    /// `null` when the integration sent none (as Mattermost relays it).
    #[serde(default)]
    pub elements: Option<Vec<DialogElement>>,
    #[serde(default, deserialize_with = "nullable")]
    pub submit_label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub notify_on_cancel: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub source_url: String,
}

/// One field of a dialog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DialogElement {
    #[serde(default, deserialize_with = "nullable")]
    pub display_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub subtype: String,
    #[serde(default, deserialize_with = "nullable")]
    pub default: String,
    #[serde(default, deserialize_with = "nullable")]
    pub placeholder: String,
    #[serde(default, deserialize_with = "nullable")]
    pub help_text: String,
    #[serde(default, deserialize_with = "nullable")]
    pub optional: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub min_length: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub max_length: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub data_source: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub data_source_url: String,
    /// `null` entries are kept (Mattermost relays them).
    #[serde(default)]
    pub options: Option<Vec<Option<ActionOption>>>,
    #[serde(default, deserialize_with = "nullable")]
    pub multiselect: bool,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_false"
    )]
    pub refresh: bool,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub min_date: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub max_date: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_zero"
    )]
    pub time_interval: i64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// `POST /api/v4/actions/dialogs/open`'s body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OpenDialog {
    #[serde(default, deserialize_with = "nullable")]
    pub trigger_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub dialog: Dialog,
}

/// The `open_dialog` event's `dialog`: the client trigger id, the URL and the dialog.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedDialog<'a> {
    pub trigger_id: &'a str,
    pub url: &'a str,
    pub dialog: &'a Dialog,
}

/// A dialog submission: the client's body for `POST /api/v4/actions/dialogs/submit`, and (with
/// `url` emptied, `type` and `user_id` set by the server) what the integration receives.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DialogSubmission {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub callback_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
    #[serde(default, deserialize_with = "nullable")]
    pub user_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub channel_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub team_id: String,
    #[serde(default)]
    pub submission: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "nullable")]
    pub cancelled: bool,
}

/// An integration's answer to a submission, relayed to the client with empty fields left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubmitAnswer {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub error: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub errors: BTreeMap<String, String>,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Dialog>,
}

impl SubmitAnswer {
    /// Mattermost's `SubmitDialogResponse.IsValid`, without the form's own checks (those are
    /// only logged): an answer with errors is valid; otherwise `type` is one of `""`, `ok`,
    /// `navigate` (without `form`) or `form` (with one).
    pub fn check(&self) -> Result<(), String> {
        if !self.error.is_empty() || !self.errors.is_empty() {
            return Ok(());
        }
        match self.kind.as_str() {
            "" | "ok" | "navigate" if self.form.is_some() => {
                Err(format!("form must be absent for type {:?}", self.kind))
            }
            "" | "ok" | "navigate" => Ok(()),
            "form" if self.form.is_none() => Err("form is required for type \"form\"".into()),
            "form" => Ok(()),
            other => Err(format!(
                "invalid type {other:?}: must be empty, ok, form or navigate"
            )),
        }
    }
}

/// Dialog limits (bytes, as Mattermost counts them).
pub const DIALOG_TITLE_MAX: usize = 24;
pub const ELEMENT_DISPLAY_NAME_MAX: usize = 24;
pub const ELEMENT_NAME_MAX: usize = 300;
pub const ELEMENT_HELP_TEXT_MAX: usize = 150;
pub const ELEMENT_TEXT_MAX: usize = 150;
pub const ELEMENT_TEXTAREA_MAX: usize = 3000;
pub const ELEMENT_SELECT_MAX: usize = 3000;
pub const ELEMENT_BOOL_MAX: usize = 150;

const TEXT_SUBTYPES: [&str; 7] = ["", "text", "email", "number", "tel", "url", "password"];

impl Dialog {
    /// What Mattermost's validator would say about the dialog (empty when valid). It only
    /// logs them (a dialog with problems is still opened), and so does Perch, which also shows
    /// them in the call log.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.title.is_empty() || self.title.len() > DIALOG_TITLE_MAX {
            out.push(format!(
                "title must be 1 to {DIALOG_TITLE_MAX} bytes, got {}",
                self.title.len()
            ));
        }
        if !self.icon_url.is_empty() && !is_http_url(&self.icon_url) {
            out.push("icon_url must be an http(s) URL".to_string());
        }
        let mut seen: Vec<&str> = Vec::new();
        for e in self.elements.iter().flatten() {
            if seen.contains(&e.name.as_str()) {
                out.push(format!("duplicate element name {:?}", e.name));
            }
            seen.push(&e.name);
            for p in e.problems() {
                out.push(format!("element {:?}: {p}", e.name));
            }
        }
        out
    }
}

impl DialogElement {
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut max = |what: &str, value: &str, limit: usize| {
            if value.len() > limit {
                out.push(format!(
                    "{what} longer than {limit} bytes ({})",
                    value.len()
                ));
            }
        };
        max("display_name", &self.display_name, ELEMENT_DISPLAY_NAME_MAX);
        max("name", &self.name, ELEMENT_NAME_MAX);
        max("help_text", &self.help_text, ELEMENT_HELP_TEXT_MAX);
        // (default limit, placeholder limit) by type; radio has neither.
        let limits = match self.kind.as_str() {
            "text" | "date" | "datetime" => Some((Some(ELEMENT_TEXT_MAX), ELEMENT_TEXT_MAX)),
            "textarea" => Some((Some(ELEMENT_TEXTAREA_MAX), ELEMENT_TEXTAREA_MAX)),
            "select" => Some((Some(ELEMENT_SELECT_MAX), ELEMENT_SELECT_MAX)),
            "bool" => Some((None, ELEMENT_BOOL_MAX)),
            _ => None,
        };
        if let Some((default, placeholder)) = limits {
            if let Some(limit) = default {
                max("default", &self.default, limit);
            }
            max("placeholder", &self.placeholder, placeholder);
        }
        if self.display_name.is_empty() {
            out.push("display_name is required".into());
        }
        if self.name.is_empty() {
            out.push("name is required".into());
        }
        if self.min_length < 0 {
            out.push(format!("min_length is negative ({})", self.min_length));
        }
        if self.min_length > self.max_length {
            out.push(format!(
                "min_length {} is more than max_length {}",
                self.min_length, self.max_length
            ));
        }
        if self.multiselect && self.kind != "select" {
            out.push("multiselect is only for select elements".into());
        }
        let options: Vec<&ActionOption> = self.options.iter().flatten().flatten().collect();
        let in_options = |v: &str| v.is_empty() || options.iter().any(|o| o.value == v);
        match self.kind.as_str() {
            "text" | "textarea" => {
                if !TEXT_SUBTYPES.contains(&self.subtype.as_str()) {
                    out.push(format!("unknown subtype {:?}", self.subtype));
                }
            }
            "select" => match self.data_source.as_str() {
                "" if self.multiselect => {
                    let all = self.default.split(',').map(str::trim).all(&in_options);
                    if !all {
                        out.push(format!(
                            "default {:?} is not among the options",
                            self.default
                        ));
                    }
                }
                "" if !in_options(&self.default) => {
                    out.push(format!(
                        "default {:?} is not among the options",
                        self.default
                    ));
                }
                "" | "users" | "channels" => {}
                "dynamic" => {
                    if self.data_source_url.is_empty() {
                        out.push("a dynamic select needs data_source_url".into());
                    }
                    if !options.is_empty() {
                        out.push("a dynamic select has no static options".into());
                    }
                }
                other => out.push(format!(
                    "unknown data_source {other:?} (users, channels or dynamic)"
                )),
            },
            "bool" => {
                if !["", "true", "false"].contains(&self.default.as_str()) {
                    out.push(format!("default {:?} is not true or false", self.default));
                }
            }
            "radio" => {
                if !in_options(&self.default) {
                    out.push(format!(
                        "default {:?} is not among the options",
                        self.default
                    ));
                }
            }
            "date" | "datetime" => {}
            other => out.push(format!("unknown type {other:?}")),
        }
        out
    }
}

/// An absolute http(s) URL with a host.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn submit_answers_are_checked() {
        let ok = |v: Value| serde_json::from_value::<SubmitAnswer>(v).unwrap().check();
        assert!(ok(json!({})).is_ok());
        assert!(ok(json!({"type": "ok"})).is_ok());
        assert!(ok(json!({"errors": {"a": "bad"}, "type": "weird"})).is_ok());
        assert!(ok(json!({"type": "weird"})).is_err());
        assert!(ok(json!({"type": "form"})).is_err());
        assert!(ok(json!({"type": "form", "form": {"title": "t"}})).is_ok());
        assert!(ok(json!({"type": "ok", "form": {"title": "t"}})).is_err());
        let a: SubmitAnswer = serde_json::from_value(json!({"errors": {}})).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "{}");
    }

    #[test]
    fn dialog_problems() {
        let d: Dialog = serde_json::from_value(json!({
            "title": "A title that is much too long for it",
            "icon_url": "ftp://x",
            "elements": [
                {"display_name": "Name", "name": "n", "type": "text", "subtype": "weird", "max_length": 10},
                {"display_name": "Name", "name": "n", "type": "select", "default": "z", "options": [{"text": "A", "value": "a"}, null]},
                {"display_name": "", "name": "b", "type": "bool", "default": "yes"},
                {"display_name": "R", "name": "r", "type": "radio", "options": [{"text": "A", "value": "a"}], "default": "a"},
                {"display_name": "S", "name": "s", "type": "select", "data_source": "users"},
                {"display_name": "T", "name": "t", "type": "textarea", "default": "x".repeat(3001)},
                {"display_name": "M", "name": "m", "type": "text", "multiselect": true, "min_length": 5, "max_length": 2},
                {"display_name": "U", "name": "u", "type": "slider"}
            ]
        }))
        .unwrap();
        let p = d.problems();
        let has = |s: &str| p.iter().any(|x| x.contains(s));
        assert!(has("title must be"), "{p:?}");
        assert!(has("icon_url"));
        assert!(has("unknown subtype"));
        assert!(has("duplicate element name \"n\""));
        assert!(has("default \"z\" is not among the options"));
        assert!(has("display_name is required"));
        assert!(has("default \"yes\" is not true or false"));
        assert!(has("element \"t\": default longer than 3000"));
        assert!(has("multiselect is only for select"));
        assert!(has("min_length 5 is more than max_length 2"));
        assert!(has("unknown type \"slider\""));
        assert!(!p.iter().any(|x| x.starts_with("element \"r\"")));
        assert!(!p.iter().any(|x| x.starts_with("element \"s\"")));
        let fine: Dialog = serde_json::from_value(json!({"title": "Deploy", "elements": [
            {"display_name": "Env", "name": "env", "type": "select", "options": [{"text": "Prod", "value": "prod"}], "default": "prod"},
            {"display_name": "Why", "name": "why", "type": "textarea", "max_length": 300}
        ]}))
        .unwrap();
        assert_eq!(fine.problems(), Vec::<String>::new());
    }

    #[test]
    fn dialogs_keep_their_shape() {
        let d: Dialog = serde_json::from_value(json!({"title": null, "elements": null})).unwrap();
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["elements"], Value::Null);
        assert_eq!(v["title"], "");
        assert!(v.get("source_url").is_none());
        assert!(serde_json::from_value::<Dialog>(json!({"title": 5})).is_err());
    }
}
