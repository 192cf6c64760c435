//! A temporary directory for one test, removed on drop. Shared by every test crate: the API
//! tests use it through `common`, the process-level tests (`tests/cli.rs`, `tests/process.rs`,
//! `tests/install.rs`) include this file with `#[path]`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new directory under the system's temp dir, unique to this process and call; removed
/// (with everything in it) when dropped, also when the test panics.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("perch-test-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create a temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
