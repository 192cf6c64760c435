//! The official Mattermost web app, served from the unpacked `client/` folder named by
//! `PerchSettings.WebappDirectory` (never shipped with Perch): `/static/<path>` from the folder,
//! long-cached, and `root.html` for every other page path (`/`, `/login`,
//! `/<team>/channels/<name>`). Compressible files are gzipped once, on first request, into
//! `webapp-cache/` beside the database, so no request compresses.

use crate::http::{Method, Req, Resp};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Cache headers Mattermost's server sends for the app's files and for its page.
const STATIC_CACHE: &str = "max-age=31556926, public";
const PAGE_CACHE: &str = "no-cache, max-age=31556926, public";

/// An unpacked web app folder.
pub struct Webapp {
    dir: PathBuf,
    root_html: Vec<u8>,
    /// The bundle's build hash (the app's own About dialog shows it).
    build: String,
    /// Where gzipped copies are kept.
    cache: PathBuf,
}

impl Webapp {
    /// Opens `dir` (a `client/` folder, or a folder holding one); `data_dir` holds the cache.
    pub fn open(dir: &Path, data_dir: &Path) -> Result<Webapp, String> {
        let dir = locate(dir)?;
        let root_html = std::fs::read(dir.join("root.html"))
            .map_err(|e| format!("{}: {e}", dir.join("root.html").display()))?;
        let build = find_build_hash(&dir).unwrap_or_else(|| "unknown".into());
        let cache = data_dir.join("webapp-cache");
        std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
        Ok(Webapp {
            dir,
            root_html,
            build,
            cache,
        })
    }

    /// One line for the log: which app, and where from.
    pub fn describe(&self) -> String {
        format!("Mattermost web app {}", identify(&self.dir, &self.build))
    }

    /// The answer for a path the API, hooks and Perch's own client (`/perch/`) do not own;
    /// `None` for a method other than GET/HEAD.
    pub fn serve(&self, req: &Req) -> Option<Resp> {
        if req.method != Method::Get && req.method != Method::Head {
            return None;
        }
        let path = req.path.as_str();
        if let Some(rel) = path.strip_prefix("/static/") {
            return Some(self.file(req, rel));
        }
        if path.starts_with("/plugins/") {
            return Some(not_found());
        }
        Some(
            Resp::bytes(200, "text/html; charset=utf-8", self.root_html.clone())
                .header("Cache-Control", PAGE_CACHE),
        )
    }

    fn file(&self, req: &Req, rel: &str) -> Resp {
        let Some(full) = safe_join(&self.dir, rel).filter(|p| p.is_file()) else {
            return not_found();
        };
        let ctype = content_type(rel);
        let gzipped = compressible(ctype)
            && crate::http::request::accepts_gzip(req.header("Accept-Encoding"))
            && full.metadata().is_ok_and(|m| m.len() > 1024);
        let resp = if gzipped {
            match self.gzipped(&full).and_then(|p| std::fs::read(p).ok()) {
                Some(gz) => Resp::bytes(200, ctype, gz).header("Content-Encoding", "gzip"),
                None => read_plain(&full, ctype),
            }
        } else {
            read_plain(&full, ctype)
        };
        resp.header("Cache-Control", STATIC_CACHE)
            .header("Vary", "Accept-Encoding")
    }

    /// The gzipped copy of `full`, made once (named by the file's path, size and time, so a
    /// replaced app gets new copies).
    fn gzipped(&self, full: &Path) -> Option<PathBuf> {
        use std::io::Write;
        let meta = full.metadata().ok()?;
        let stamp = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let key = Sha256::digest(format!("{}|{}|{stamp}", full.display(), meta.len()));
        let out = self.cache.join(format!("{}.gz", hex::encode(&key[..16])));
        if out.is_file() {
            return Some(out);
        }
        let bytes = std::fs::read(full).ok()?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).ok()?;
        let gz = gz.finish().ok()?;
        // Written aside, then renamed: a concurrent request never reads half a file.
        let tmp = self.cache.join(format!(
            ".{}.{:?}",
            hex::encode(&key[..16]),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, &gz).ok()?;
        std::fs::rename(&tmp, &out).ok()?;
        Some(out)
    }
}

fn read_plain(full: &Path, ctype: &str) -> Resp {
    match std::fs::read(full) {
        Ok(bytes) => Resp::bytes(200, ctype, bytes),
        Err(_) => not_found(),
    }
}

fn not_found() -> Resp {
    Resp::json(
        404,
        &serde_json::json!({
            "id": "api.context.404.app_error",
            "message": "Sorry, we could not find the page.",
            "detailed_error": "",
            "request_id": "",
            "status_code": 404,
        }),
    )
}

/// `rel` under `dir`, if it is plain names only: no `..`, nothing hidden, no backslashes.
fn safe_join(dir: &Path, rel: &str) -> Option<PathBuf> {
    let ok = !rel.is_empty()
        && rel.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@' | b'+')
                })
        });
    ok.then(|| dir.join(rel))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "application/javascript",
        "mjs" => "application/javascript",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "eot" => "application/vnd.ms-fontobject",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

fn compressible(ctype: &str) -> bool {
    ctype.starts_with("text/")
        || ctype == "application/javascript"
        || ctype == "application/json"
        || ctype == "image/svg+xml"
}

/// The `client/` folder `dir` names (itself, or the `client/` inside it).
fn locate(dir: &Path) -> Result<PathBuf, String> {
    if dir.join("root.html").is_file() {
        Ok(dir.to_path_buf())
    } else if dir.join("client/root.html").is_file() {
        Ok(dir.join("client"))
    } else {
        Err(format!(
            "PerchSettings.WebappDirectory {}: no root.html there (expected an unpacked \
             Mattermost client/ folder)",
            dir.display()
        ))
    }
}

/// Upstream release commits (the bundle's build hash) and the web app versions they are, for
/// the releases Perch has been tried with (`docs/official-webapp.md`). The bundle itself holds
/// no version number, only that hash.
const KNOWN_BUILDS: &[(&str, &str)] = &[("ce2e40dc318df72466a66f8314ac83c6183478c3", "6.3.2")];

/// "6.3.2 (build ce2e40dc…) from /srv/client", or, for a build not in `KNOWN_BUILDS`, "of an
/// unknown version (build …) from …".
fn identify(dir: &Path, build: &str) -> String {
    let version = KNOWN_BUILDS
        .iter()
        .find(|(hash, _)| *hash == build)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| "of an unknown version".into());
    format!("{version} (build {build}) from {}", dir.display())
}

/// Which web app `dir` holds, for `perch version`: read from the folder only (nothing is
/// written, no cache made).
pub fn describe_folder(dir: &Path) -> Result<String, String> {
    let dir = locate(dir)?;
    let build = find_build_hash(&dir).unwrap_or_else(|| "unknown".into());
    Ok(identify(&dir, &build))
}

/// The build hash the bundle carries (`webappBuildHash||"<hash>"` in one of its chunks).
fn find_build_hash(dir: &Path) -> Option<String> {
    const NEEDLE: &[u8] = b"webappBuildHash||\"";
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        if let Some(i) = bytes.windows(NEEDLE.len()).position(|w| w == NEEDLE) {
            let rest = &bytes[i + NEEDLE.len()..];
            let hash: String = rest
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .map(|&b| b as char)
                .collect();
            if !hash.is_empty() {
                return Some(hash);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        let d = Path::new("/srv/client");
        assert!(safe_join(d, "main.abc.js").is_some());
        assert!(safe_join(d, "files/fonts/open_sans-v18-latin-ext_latin-regular.woff2").is_some());
        assert!(safe_join(d, "../etc/passwd").is_none());
        assert!(safe_join(d, "a/../../x").is_none());
        assert!(safe_join(d, ".hidden").is_none());
        assert!(safe_join(d, "a//b").is_none());
        assert!(safe_join(d, "a\\b").is_none());
        assert!(safe_join(d, "").is_none());
    }

    #[test]
    fn known_builds_name_their_version() {
        let d = Path::new("/srv/client");
        assert_eq!(
            identify(d, "ce2e40dc318df72466a66f8314ac83c6183478c3"),
            "6.3.2 (build ce2e40dc318df72466a66f8314ac83c6183478c3) from /srv/client"
        );
        assert_eq!(
            identify(d, "abc123"),
            "of an unknown version (build abc123) from /srv/client"
        );
    }
}
