//! `perch config get|set SECTION.KEY [VALUE]`: reads and changes one setting of `config.json`
//! for admins who script their servers. A new value is checked against the setting's type and
//! against the rules startup applies, then the file is replaced atomically (a temporary file in
//! the same directory, flushed, renamed over the old one). Every other member of the file keeps
//! its place and its text, also keys Perch does not know.

use crate::config::file::{replace_file, rewrite};
use crate::config::Config;
use serde_json::Value;
use std::path::Path;

/// Why a config command failed: the exit status and the message.
#[derive(Debug)]
pub struct Failure(pub u8, pub String);

fn usage(msg: impl Into<String>) -> Failure {
    Failure(2, msg.into())
}

/// Splits `Section.Key`.
fn split_key(key: &str) -> Result<(&str, &str), Failure> {
    key.split_once('.')
        .filter(|(s, k)| !s.is_empty() && !k.is_empty() && !k.contains('.'))
        .ok_or_else(|| {
            usage(format!(
                "{key:?} is not SECTION.KEY (e.g. ServiceSettings.SiteURL)"
            ))
        })
}

/// The built-in default of a known setting.
fn default_of(section: &str, key: &str) -> Option<Value> {
    let defaults = serde_json::to_value(Config::default()).ok()?;
    defaults.get(section)?.get(key).cloned()
}

/// The file's text, or `None` when there is no file yet.
fn read(path: &Path) -> Result<Option<String>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure(1, format!("cannot read {}: {e}", path.display()))),
    }
}

fn parse_file(path: &Path, text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text)
        .map_err(|e| Failure(1, format!("{} is not valid JSON: {e}", path.display())))
}

/// Prints a value as `config get` does: strings as they are, anything else as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `perch config get`.
pub fn get(path: &Path, key: &str) -> Result<String, Failure> {
    let (section, name) = split_key(key)?;
    let file = match read(path)? {
        Some(text) => parse_file(path, &text)?,
        None => Value::Null,
    };
    if let Some(v) = file.get(section).and_then(|s| s.get(name)) {
        return Ok(show(v));
    }
    default_of(section, name)
        .map(|v| show(&v))
        .ok_or_else(|| usage(format!("unknown setting {key}")))
}

/// The value `raw` means for a setting whose default is `default`.
fn parse_value(key: &str, default: &Value, raw: &str) -> Result<Value, Failure> {
    let bad = |what: &str| usage(format!("{key} must be {what}, got {raw:?}"));
    Ok(match default {
        Value::Bool(_) => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("true or false")),
        },
        Value::Number(_) => Value::from(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| bad("a whole number"))?,
        ),
        Value::Array(_) => {
            if raw.trim_start().starts_with('[') {
                let v: Value = serde_json::from_str(raw)
                    .map_err(|_| bad("a JSON list of strings or space-separated words"))?;
                if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                    return Err(bad("a list of strings"));
                }
                v
            } else {
                Value::from(raw.split_whitespace().collect::<Vec<_>>())
            }
        }
        _ => Value::from(raw),
    })
}

/// Settings a running server applies without a restart (it watches `config.json`).
fn applies_live(section: &str, key: &str) -> bool {
    crate::config::LIVE_SETTINGS
        .iter()
        .any(|(s, k)| *s == section && *k == key)
}

/// `perch config set`: returns the line to print.
pub fn set(path: &Path, key: &str, raw: &str) -> Result<String, Failure> {
    let (section, name) = split_key(key)?;
    let default = default_of(section, name).ok_or_else(|| {
        usage(format!(
            "unknown setting {key} (config set changes the settings Perch knows; \
             see the configuration reference in docs/operations.md)"
        ))
    })?;
    let value = parse_value(key, &default, raw)?;
    let text = match read(path)? {
        Some(t) => t,
        None => serde_json::to_string_pretty(&Config::default())
            .map_err(|e| Failure(1, e.to_string()))?,
    };
    // The whole new file must pass startup's checks before anything is written.
    let mut whole = parse_file(path, &text)?;
    let Some(obj) = whole.as_object_mut() else {
        return Err(Failure(
            1,
            format!("{} does not hold a JSON object", path.display()),
        ));
    };
    let sec = obj
        .entry(section.to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(sec) = sec.as_object_mut() else {
        return Err(Failure(
            1,
            format!("{section} in {} is not an object", path.display()),
        ));
    };
    sec.insert(name.to_string(), value.clone());
    Config::from_layers(&whole, &[]).map_err(|e| usage(e.0))?;
    let new_text = rewrite(&text, &[(section, name, value.clone())])
        .map_err(|e| Failure(1, format!("cannot rewrite {}: {e}", path.display())))?;
    replace_file(path, &new_text)
        .map_err(|e| Failure(1, format!("cannot write {}: {e}", path.display())))?;
    let when = if applies_live(section, name) {
        "a running server applies it within seconds"
    } else {
        "restart perch to apply it"
    };
    Ok(format!(
        "{key} = {} (saved in {}; {when})",
        show(&value),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("perch-config-cmd-{}", crate::model::new_id()));
        std::fs::create_dir_all(&d).unwrap();
        d.join("config.json")
    }

    #[test]
    fn set_keeps_order_text_and_unknown_keys() {
        let path = tmp();
        let original = "{\n  \"ZedSettings\": {\"Custom\": [1,  2]},\n  \"ServiceSettings\": {\n    \"SiteURL\": \"http://old\",\n    \"EnableCommands\": true\n  }\n}\n";
        std::fs::write(&path, original).unwrap();
        let out = set(&path, "ServiceSettings.EnableCommands", "false").unwrap();
        assert!(out.contains("restart"), "{out}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\n  \"ZedSettings\": {\"Custom\": [1,  2]},\n  \"ServiceSettings\": {\n    \"SiteURL\": \"http://old\",\n    \"EnableCommands\": false\n  }\n}\n"
        );
        set(&path, "TeamSettings.SiteName", "Ops \"HQ\"").unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["TeamSettings"]["SiteName"], "Ops \"HQ\"");
        assert_eq!(v["ZedSettings"]["Custom"][1], 2);
        assert_eq!(get(&path, "TeamSettings.SiteName").unwrap(), "Ops \"HQ\"");
        assert_eq!(
            get(&path, "ServiceSettings.EnableCommands").unwrap(),
            "false"
        );
        // Not in the file: the default.
        assert_eq!(get(&path, "PerchSettings.HttpWorkers").unwrap(), "4");
        assert_eq!(get(&path, "ZedSettings.Custom").unwrap(), "[1,2]");
    }

    #[test]
    fn bad_values_leave_the_file_untouched() {
        let path = tmp();
        let original = "{\"ServiceSettings\": {\"SiteURL\": \"\"}}";
        std::fs::write(&path, original).unwrap();
        for (key, value) in [
            ("ServiceSettings.EnableCommands", "yes"),
            ("PerchSettings.HttpWorkers", "many"),
            ("PerchSettings.HttpWorkers", "0"),
            ("ServiceSettings.ListenAddress", "nowhere"),
            ("ServiceSettings.NoSuchKey", "1"),
            ("NoDot", "1"),
        ] {
            let e = set(&path, key, value).unwrap_err();
            assert_eq!(e.0, 2, "{key}: {}", e.1);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
        }
        assert_eq!(get(&path, "ServiceSettings.Nope").unwrap_err().0, 2);
    }

    #[test]
    fn lists_and_a_missing_file() {
        let path = tmp();
        set(&path, "TeamSettings.ExperimentalDefaultChannels", "dev ops").unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            v["TeamSettings"]["ExperimentalDefaultChannels"],
            serde_json::json!(["dev", "ops"])
        );
        assert!(
            v["PerchSettings"]["HttpWorkers"].is_i64(),
            "defaults were written"
        );
        set(
            &path,
            "TeamSettings.ExperimentalDefaultChannels",
            "[\"a b\"]",
        )
        .unwrap();
        assert_eq!(
            get(&path, "TeamSettings.ExperimentalDefaultChannels").unwrap(),
            "[\"a b\"]"
        );
    }
}
