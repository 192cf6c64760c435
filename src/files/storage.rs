//! The local file store, laid out as Mattermost's local driver does under
//! `FileSettings.Directory`: `YYYYMMDD/teams/noteam/channels/<channel>/users/<user>/<file id>/
//! <name>`, with `<stem>_thumb.<jpg|png>` and `<stem>_preview.<jpg|png>` beside it.
//!
//! Writes are crash-safe: bytes stream into a temporary file under `.perch-tmp/`, which is
//! fsynced, renamed into place, and its directory fsynced. Only then may a row point to it.
//! A crash before the row commits leaves a file without a row: `sweep` removes those (and
//! stale temporary files) once they are older than a grace period.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Mattermost's team segment for uploads through the REST API.
pub const NO_TEAM: &str = "noteam";
/// Where files are written before they are renamed into place.
const TMP_DIR: &str = ".perch-tmp";
/// Bytes copied per read/write.
const CHUNK: usize = 256 * 1024;

/// Why a file could not be received.
#[derive(Debug)]
pub enum ReceiveError {
    /// More than the allowed bytes arrived (the temporary file is already gone).
    TooLarge,
    /// Reading the source failed (a malformed multipart body, a client that went away).
    Source(io::Error),
    /// Writing to disk failed.
    Disk(io::Error),
}

/// A file written to a temporary place, fsynced, waiting for `place`.
#[derive(Debug)]
pub struct Received {
    tmp: PathBuf,
    pub size: u64,
}

impl Drop for Received {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

impl Received {
    /// The temporary file, to look into before it is placed (image dimensions).
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(root: PathBuf) -> Storage {
        Storage { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where temporary files go (uploads being received, spooled request bodies): inside the
    /// root, so a received file is renamed into place on the same file system.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join(TMP_DIR)
    }

    /// The directory of a file: `YYYYMMDD/teams/noteam/channels/<c>/users/<u>/<id>/`. The
    /// ids are 26 alphanumerics (checked by callers), so no segment can climb out.
    pub fn dir_for(day: &str, channel_id: &str, user_id: &str, file_id: &str) -> String {
        format!("{day}/teams/{NO_TEAM}/channels/{channel_id}/users/{user_id}/{file_id}/")
    }

    /// The absolute path of a stored relative path, refusing anything that could leave the
    /// root (absolute paths, `..`, empty segments).
    pub fn abs(&self, rel: &str) -> io::Result<PathBuf> {
        let ok = !rel.is_empty()
            && !rel.starts_with('/')
            && rel
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\0'));
        if !ok {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a stored file path",
            ));
        }
        Ok(self.root.join(rel))
    }

    /// Streams `src` into a new temporary file: at most `limit` bytes (one more is
    /// `TooLarge`), fsynced before it returns.
    pub fn receive(&self, src: &mut dyn Read, limit: u64) -> Result<Received, ReceiveError> {
        let dir = self.root.join(TMP_DIR);
        fs::create_dir_all(&dir).map_err(ReceiveError::Disk)?;
        let received = Received {
            tmp: dir.join(crate::model::new_token()),
            size: 0,
        };
        let mut out = File::create(&received.tmp).map_err(ReceiveError::Disk)?;
        let mut received = received;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReceiveError::Source(e)),
            };
            received.size += n as u64;
            if received.size > limit {
                return Err(ReceiveError::TooLarge);
            }
            out.write_all(&buf[..n]).map_err(ReceiveError::Disk)?;
        }
        out.sync_all().map_err(ReceiveError::Disk)?;
        Ok(received)
    }

    /// `receive` from a file (a spooled request body, read from its current position): the
    /// kernel copies the bytes (`copy_file_range`), which is much cheaper than a read/write
    /// loop through user space.
    pub fn receive_file(&self, src: &File, limit: u64) -> Result<Received, ReceiveError> {
        let dir = self.root.join(TMP_DIR);
        fs::create_dir_all(&dir).map_err(ReceiveError::Disk)?;
        let mut received = Received {
            tmp: dir.join(crate::model::new_token()),
            size: 0,
        };
        let mut out = File::create(&received.tmp).map_err(ReceiveError::Disk)?;
        let mut bounded = src.take(limit.saturating_add(1));
        received.size = std::io::copy(&mut bounded, &mut out).map_err(ReceiveError::Disk)?;
        if received.size > limit {
            return Err(ReceiveError::TooLarge);
        }
        out.sync_all().map_err(ReceiveError::Disk)?;
        Ok(received)
    }

    /// Moves a received file to `rel` (creating its directories) and makes the rename
    /// durable. Afterwards the file is in place even if the process dies.
    pub fn place(&self, mut received: Received, rel: &str) -> io::Result<()> {
        let dest = self.abs(rel)?;
        let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&parent)?;
        fs::rename(&received.tmp, &dest)?;
        received.tmp = PathBuf::new();
        sync_dir(&parent)
    }

    /// Writes a small file (a thumbnail) the same crash-safe way.
    pub fn write_small(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let received = self
            .receive(&mut &bytes[..], u64::MAX)
            .map_err(|e| match e {
                ReceiveError::Disk(e) | ReceiveError::Source(e) => e,
                ReceiveError::TooLarge => io::Error::other("too large"),
            })?;
        self.place(received, rel)
    }

    /// Opens a stored file for reading.
    pub fn open(&self, rel: &str) -> io::Result<File> {
        File::open(self.abs(rel)?)
    }

    /// Removes a stored file's directory (its file, thumbnail and preview); for a file whose
    /// row could not be written.
    pub fn remove_dir_of(&self, rel: &str) {
        if let Ok(path) = self.abs(rel) {
            if let Some(dir) = path.parent() {
                let _ = fs::remove_dir_all(dir);
            }
        }
    }

    /// Removes what no row points to and is older than `grace`: stale temporary files, and
    /// file directories (`…/users/<u>/<file id>/`) whose id `has_row` does not know. Returns
    /// how many were removed.
    pub fn sweep(
        &self,
        grace: Duration,
        has_row: &mut dyn FnMut(&str) -> io::Result<bool>,
    ) -> io::Result<usize> {
        let cutoff = SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let old = |p: &Path| {
            fs::symlink_metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff)
        };
        let mut removed = 0;
        if let Ok(entries) = fs::read_dir(self.root.join(TMP_DIR)) {
            for e in entries.flatten() {
                if old(&e.path()) && fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        let Ok(days) = fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for day in days.flatten() {
            let name = day.file_name();
            let name = name.to_string_lossy();
            if name.len() != 8 || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            // day/teams/<t>/channels/<c>/users/<u>/<file id>
            for file_dir in dirs_at(
                &day.path(),
                &["teams", "*", "channels", "*", "users", "*", "*"],
            ) {
                let id = file_dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !crate::model::is_valid_id(&id) || !old(&file_dir) {
                    continue;
                }
                if !has_row(&id)? && fs::remove_dir_all(&file_dir).is_ok() {
                    log::info!(
                        "files: removed {} (no row points to it)",
                        file_dir.display()
                    );
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// The directories reached from `base` by following `pattern` (`*` = every subdirectory).
fn dirs_at(base: &Path, pattern: &[&str]) -> Vec<PathBuf> {
    let mut level = vec![base.to_path_buf()];
    for seg in pattern {
        let mut next = Vec::new();
        for dir in &level {
            if *seg == "*" {
                if let Ok(entries) = fs::read_dir(dir) {
                    next.extend(
                        entries
                            .flatten()
                            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                            .map(|e| e.path()),
                    );
                }
            } else {
                let p = dir.join(seg);
                if p.is_dir() {
                    next.push(p);
                }
            }
        }
        level = next;
    }
    level
}

/// fsyncs a directory, so a rename or a new entry in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The day segment of a new file's path, `YYYYMMDD` (UTC) for a time in ms.
pub fn day_of(ms: i64) -> String {
    crate::model::rfc3339(ms)[..10].replace('-', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp_storage() -> Storage {
        let dir = std::env::temp_dir().join(format!("perch-storage-{}", crate::model::new_id()));
        Storage::new(dir)
    }

    #[test]
    fn days() {
        assert_eq!(day_of(0), "19700101");
        assert_eq!(day_of(951_782_400_000), "20000229");
        assert_eq!(day_of(1_767_225_599_999), "20251231");
    }

    #[test]
    fn paths_cannot_leave_the_root() {
        let s = tmp_storage();
        assert!(s.abs("a/b.txt").is_ok());
        for bad in ["", "/etc/passwd", "a/../../x", "a//b", "./a", "a/.", "a\0b"] {
            assert!(s.abs(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn receive_place_and_limits() {
        let s = tmp_storage();
        let data = vec![7u8; 600_000];
        let r = s.receive(&mut &data[..], 600_000).unwrap();
        assert_eq!(r.size, 600_000);
        let tmp = r.tmp_path().to_path_buf();
        s.place(r, "20250101/x/f.bin").unwrap();
        assert!(!tmp.exists());
        let mut back = Vec::new();
        s.open("20250101/x/f.bin")
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        // One byte over the limit: refused, and nothing is left behind.
        assert!(matches!(
            s.receive(&mut &data[..], 599_999),
            Err(ReceiveError::TooLarge)
        ));
        // A dropped (never placed) file is removed.
        drop(s.receive(&mut &data[..10], 100).unwrap());
        assert_eq!(fs::read_dir(s.root().join(TMP_DIR)).unwrap().count(), 0);
    }

    #[test]
    fn sweep_removes_only_old_orphans() {
        let s = tmp_storage();
        let known = crate::model::new_id();
        let orphan = crate::model::new_id();
        for id in [&known, &orphan] {
            let rel = format!(
                "{}a.txt",
                Storage::dir_for("20250101", &"c".repeat(26), &"u".repeat(26), id)
            );
            s.write_small(&rel, b"x").unwrap();
        }
        let mut ask = |id: &str| Ok(id == known);
        // Too young: nothing goes.
        assert_eq!(s.sweep(Duration::from_secs(3600), &mut ask).unwrap(), 0);
        assert_eq!(s.sweep(Duration::ZERO, &mut ask).unwrap(), 1);
        let base = s
            .root()
            .join("20250101/teams/noteam/channels")
            .join("c".repeat(26))
            .join("users")
            .join("u".repeat(26));
        assert!(base.join(&known).exists());
        assert!(!base.join(&orphan).exists());
    }
}
