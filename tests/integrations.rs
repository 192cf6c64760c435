//! Golden tests for the built-in webhook translators.
//!
//! Walks `tests/fixtures/integrations/<source>/` (sub-folders included). For every payload
//! `<name>.json` there must be `<name>.headers.json` (the request headers to send, as a JSON
//! object) and `<name>.expected.json` (the translated outcome). The folder name is the source
//! passed to `perch::integrations::find`. With `UPDATE_EXPECT=1` the expected files are
//! rewritten instead of compared; review the diff before keeping them.

use std::fs;
use std::path::{Path, PathBuf};

use perch::integrations::{find, names, Headers, Outcome};
use serde_json::{json, Value};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrations")
}

/// Payload files under `dir`, sorted: every `.json` that is not a sidecar.
fn payloads(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("read {}: {e}", d.display()))
                .path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                stack.push(path.clone());
            } else if name.ends_with(".json")
                && !name.ends_with(".headers.json")
                && !name.ends_with(".expected.json")
            {
                out.push(path.clone());
            }
        }
    }
    out.sort();
    out
}

fn sidecar(payload: &Path, suffix: &str) -> PathBuf {
    let name = payload
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .trim_end_matches(".json");
    payload.with_file_name(format!("{name}.{suffix}.json"))
}

fn read_headers(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let map = value
        .as_object()
        .ok_or_else(|| format!("{}: not a JSON object", path.display()))?;
    Ok(map
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect())
}

/// Attachments with their empty members (`""`, `null`, a zero `id`) left out, so the expected
/// files show what each translator set.
fn compact(attachments: &[perch::slack::Attachment]) -> Value {
    let mut v = serde_json::to_value(attachments).unwrap_or_default();
    for a in v.as_array_mut().into_iter().flatten() {
        if let Some(m) = a.as_object_mut() {
            m.retain(|k, x| !(x.is_null() || *x == "" || (k == "id" && *x == 0)));
        }
    }
    v
}

fn outcome_json(result: Result<Outcome, perch::integrations::TranslateError>) -> Value {
    match result {
        Ok(Outcome::Post(t)) => {
            let mut v = json!({
                "outcome": "post",
                "event": t.event,
                "text": t.text,
                "attachments": compact(&t.attachments),
                "thread_key": t.thread_key,
            });
            if let Some(u) = t.username {
                v["username"] = json!(u);
            }
            if let Some(i) = t.icon_url {
                v["icon_url"] = json!(i);
            }
            v
        }
        Ok(Outcome::Ignored { event, reason }) => {
            json!({ "outcome": "ignored", "event": event, "reason": reason })
        }
        Err(e) => json!({ "outcome": "error", "error": e.to_string() }),
    }
}

#[test]
fn golden_translations() {
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let root = fixtures_root();
    let mut failures = Vec::new();
    let mut checked = 0;
    for source in names() {
        let translator = find(source).unwrap_or_else(|| panic!("no translator for {source}"));
        let files = payloads(&root.join(source));
        assert!(!files.is_empty(), "no fixtures for {source}");
        for payload in files {
            let shown = payload.strip_prefix(&root).unwrap_or(&payload).display();
            let headers = match read_headers(&sidecar(&payload, "headers")) {
                Ok(h) => h,
                Err(e) => {
                    failures.push(format!("{shown}: headers sidecar: {e}"));
                    continue;
                }
            };
            let body = fs::read(&payload).unwrap_or_else(|e| panic!("{shown}: {e}"));
            let actual = outcome_json(translator(&Headers(&headers), &body));
            let expected_path = sidecar(&payload, "expected");
            checked += 1;
            if update {
                let mut text = serde_json::to_string_pretty(&actual).unwrap_or_default();
                text.push('\n');
                fs::write(&expected_path, text).unwrap_or_else(|e| panic!("{shown}: {e}"));
                continue;
            }
            let expected: Value = match fs::read_to_string(&expected_path) {
                Ok(text) => match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        failures.push(format!("{shown}: expected file is not JSON: {e}"));
                        continue;
                    }
                },
                Err(_) => {
                    failures.push(format!(
                        "{shown}: no expected file (run with UPDATE_EXPECT=1 and review)"
                    ));
                    continue;
                }
            };
            if expected != actual {
                failures.push(format!(
                    "{shown}: translation differs\n--- expected\n{}\n+++ actual\n{}",
                    serde_json::to_string_pretty(&expected).unwrap_or_default(),
                    serde_json::to_string_pretty(&actual).unwrap_or_default()
                ));
            }
        }
    }
    assert!(checked > 0, "no fixtures found under {}", root.display());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_expected_file_has_a_payload() {
    let root = fixtures_root();
    let mut orphans = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stem = [".expected.json", ".headers.json"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix));
            if stem.is_some_and(|stem| !path.with_file_name(format!("{stem}.json")).exists()) {
                orphans.push(path.display().to_string());
            }
        }
    }
    assert!(orphans.is_empty(), "sidecars without payload: {orphans:?}");
}
