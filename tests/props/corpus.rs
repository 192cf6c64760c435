//! The real payloads the generators start from: every request recorded under
//! `tests/fixtures/integrations/<source>/`, with its headers.

use perch::integrations::names;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// One recorded request: its source, headers and JSON body.
pub struct Fixture {
    pub source: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

pub fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrations");
        let mut out = Vec::new();
        for source in names() {
            let mut stack = vec![root.join(source)];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let Some(stem) = name.strip_suffix(".json") else {
                        continue;
                    };
                    if stem.ends_with(".headers") || stem.ends_with(".expected") {
                        continue;
                    }
                    let read = |p: &Path| -> Value {
                        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
                    };
                    let headers = read(&path.with_file_name(format!("{stem}.headers.json")));
                    let headers = headers
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect();
                    out.push(Fixture {
                        source,
                        headers,
                        body: read(&path),
                    });
                }
            }
        }
        assert!(out.len() >= 40, "only {} fixtures found", out.len());
        out
    })
}
