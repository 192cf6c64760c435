//! The container of a bulk-import file: a zip with one `.jsonl` at its root and attached files
//! under `data/` (what Mattermost's import job reads), or a bare `.jsonl` (accepted by
//! `perch import` for convenience). Lines are read with Mattermost's 16 MiB line limit, one at
//! a time, never the whole file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The longest line Mattermost's importer reads.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// The manifest of what the JSONL has no line for (`manifest.rs`).
pub const MANIFEST: &str = "perch-integrations.json";
/// The JSONL's name in the archives Perch writes.
pub const JSONL: &str = "import.jsonl";

/// True when `path`, resolved under `data/` as the importer does (a leading `/` is dropped),
/// stays inside it.
pub fn is_safe_path(path: &str) -> bool {
    let p = path.trim_start_matches('/');
    !p.is_empty() && !p.contains('\\') && !p.contains('\0') && p.split('/').all(|part| part != "..")
}

/// Where the lines come from.
pub enum Source {
    Jsonl(PathBuf),
    Zip {
        path: PathBuf,
        /// The root `.jsonl` entry.
        jsonl: String,
        has_manifest: bool,
        /// The names of the entries under `data/`.
        files: std::collections::HashSet<String>,
    },
}

impl Source {
    /// Looks at `path`: a zip (by its signature) must hold exactly one root `.jsonl` (the
    /// first counts, as in Mattermost); anything else is read as JSONL.
    pub fn open(path: &Path) -> Result<Source, String> {
        let mut f = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut magic = [0u8; 4];
        let n = f.read(&mut magic).map_err(|e| e.to_string())?;
        if n < 4 || magic != *b"PK\x03\x04" {
            return Ok(Source::Jsonl(path.to_path_buf()));
        }
        let zip = open_zip(path)?;
        let mut jsonl = None;
        let mut has_manifest = false;
        let mut files = std::collections::HashSet::new();
        for name in zip.file_names() {
            let name =
                name.map_err(|e| format!("{} is not a readable zip: {e}", path.display()))?;
            if name.contains("..") {
                return Err(format!(
                    "import_process.worker.do_job.open_file: the zip entry {name:?} leaves the archive"
                ));
            }
            if jsonl.is_none() && !name.contains('/') && name.ends_with(".jsonl") {
                jsonl = Some(name.to_string());
            }
            has_manifest |= name == MANIFEST;
            if name.starts_with("data/") {
                files.insert(name.to_string());
            }
        }
        let jsonl = jsonl.ok_or_else(|| {
            "import_process.worker.do_job.missing_jsonl: the zip has no .jsonl file at its root"
                .to_string()
        })?;
        Ok(Source::Zip {
            path: path.to_path_buf(),
            jsonl,
            has_manifest,
            files,
        })
    }

    /// Runs `f` over a fresh reader of the lines (each pass of the import reads the file
    /// again). The error of `f` comes back as is; opening errors as `open_error(message)`.
    pub fn with_lines<T, E>(
        &self,
        open_error: impl FnOnce(String) -> E,
        f: impl FnOnce(&mut Lines<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            Source::Jsonl(p) => match File::open(p) {
                Ok(file) => f(&mut Lines::new(Box::new(file))),
                Err(e) => Err(open_error(format!("cannot open {}: {e}", p.display()))),
            },
            Source::Zip { path, jsonl, .. } => {
                let mut archive = match open_zip(path) {
                    Ok(a) => a,
                    Err(e) => return Err(open_error(e)),
                };
                let entry = match archive.by_name(jsonl) {
                    Ok(e) => e,
                    Err(e) => return Err(open_error(format!("{jsonl}: {e}"))),
                };
                let mut lines = Lines::new(Box::new(entry));
                let result = f(&mut lines);
                drop(lines);
                result
            }
        }
    }

    /// The manifest's text, when the zip has one.
    pub fn manifest(&self) -> Result<Option<String>, String> {
        match self {
            Source::Zip {
                path,
                has_manifest: true,
                ..
            } => {
                let mut archive = open_zip(path)?;
                let mut entry = archive
                    .by_name(MANIFEST)
                    .map_err(|e| format!("{MANIFEST}: {e}"))?;
                let mut text = String::new();
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| format!("{MANIFEST}: {e}"))?;
                Ok(Some(text))
            }
            _ => Ok(None),
        }
    }

    /// The zip itself, to read attached files from (`None` for a bare JSONL).
    pub fn archive(&self) -> Result<Option<zip::ZipArchive<File>>, String> {
        match self {
            Source::Zip { path, .. } => open_zip(path).map(Some),
            Source::Jsonl(_) => Ok(None),
        }
    }

    /// Whether a file the JSONL names (`data/<path>`) is in the archive.
    pub fn has_file(&self, path: &str) -> bool {
        match self {
            Source::Zip { files, .. } => {
                files.contains(&format!("data/{}", path.trim_start_matches('/')))
            }
            Source::Jsonl(_) => false,
        }
    }
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<File>, String> {
    let f = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    zip::ZipArchive::new(f).map_err(|e| format!("{} is not a readable zip: {e}", path.display()))
}

/// Numbered lines of the JSONL.
pub struct Lines<'a> {
    reader: BufReader<Box<dyn Read + 'a>>,
    buf: Vec<u8>,
    number: usize,
}

/// One line as read: its number (from 1) and its bytes without the line end.
pub enum Next<'a> {
    Line(usize, &'a [u8]),
    /// Longer than `MAX_LINE`: Mattermost stops reading there.
    TooLong(usize),
    End,
}

impl<'a> Lines<'a> {
    fn new(inner: Box<dyn Read + 'a>) -> Lines<'a> {
        Lines {
            reader: BufReader::with_capacity(256 * 1024, inner),
            buf: Vec::new(),
            number: 0,
        }
    }

    pub fn next_line(&mut self) -> std::io::Result<Next<'_>> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(Next::End);
        }
        self.number += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE {
            return Ok(Next::TooLong(self.number));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Next::Line(self.number, &self.buf))
    }
}

/// A zip being written: entries one after another, each streamed.
pub struct Writer {
    zip: zip::ZipWriter<File>,
}

impl Writer {
    pub fn create(path: &Path) -> std::io::Result<Writer> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // The archive holds password hashes and integration secrets.
            opts.mode(0o600);
        }
        Ok(Writer {
            zip: zip::ZipWriter::new(opts.open(path)?),
        })
    }

    /// Starts an entry; what is written next goes into it (deflated, fast level).
    pub fn start(&mut self, name: &str) -> std::io::Result<&mut dyn Write> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true)
            .unix_permissions(0o600);
        self.zip
            .start_file(name, options)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(&mut self.zip)
    }

    /// Writes the central directory and flushes the file to disk.
    pub fn finish(self) -> std::io::Result<()> {
        let f = self
            .zip
            .finish()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        f.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_data() {
        assert!(is_safe_path("files/report.pdf"));
        assert!(is_safe_path("/files/report.pdf"));
        assert!(!is_safe_path("../x"));
        assert!(!is_safe_path("files/../../x"));
        assert!(!is_safe_path(""));
        assert!(!is_safe_path("a\\..\\b"));
    }
}
