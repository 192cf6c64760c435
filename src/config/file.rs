//! Editing `config.json` in place: settings changed by `perch config set` and by
//! `PUT /api/v4/config` are written into the file's own text, every other member (also keys
//! Perch does not know) keeping its place and its text, and the file is replaced atomically.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// A JSON object whose members keep their order and their exact text.
struct Ordered(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push((k, v));
                }
                Ok(Ordered(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// The file's text with each `(section, key, value)` set, every other member kept as it was.
pub fn rewrite(text: &str, changes: &[(&str, &str, Value)]) -> serde_json::Result<String> {
    let top: Ordered = serde_json::from_str(text)?;
    let mut members: Vec<(String, String)> = top
        .0
        .into_iter()
        .map(|(k, v)| (k, v.get().to_string()))
        .collect();
    for (section, key, value) in changes {
        let new_value = serde_json::to_string(value)?;
        let mut found = false;
        for (_, raw) in members.iter_mut().filter(|(k, _)| k == section) {
            let inner: Ordered = serde_json::from_str(raw)?;
            let pretty = raw.contains('\n');
            let mut keys: Vec<(String, String)> = inner
                .0
                .into_iter()
                .map(|(k, v)| (k, v.get().to_string()))
                .collect();
            match keys.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = new_value.clone(),
                None => keys.push((key.to_string(), new_value.clone())),
            }
            *raw = object_text(&keys, pretty, 2);
            found = true;
        }
        if !found {
            members.push((
                section.to_string(),
                object_text(&[(key.to_string(), new_value)], true, 2),
            ));
        }
    }
    Ok(format!("{}\n", object_text(&members, true, 0)))
}

/// An object from members already in JSON text; `indent` is the object's own indentation.
fn object_text(members: &[(String, String)], pretty: bool, indent: usize) -> String {
    let key = |k: &str| Value::from(k).to_string();
    if !pretty {
        let inner: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}:{v}", key(k)))
            .collect();
        return format!("{{{}}}", inner.join(","));
    }
    let pad = " ".repeat(indent + 2);
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{pad}{}: {v}", key(k)))
        .collect();
    format!("{{\n{}\n{}}}", inner.join(",\n"), " ".repeat(indent))
}

/// Replaces `path` atomically with `text`: a new file beside it (owner-only permissions, as
/// the config may hold secrets), flushed to disk, then renamed over the old one.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable once the directory is.
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
