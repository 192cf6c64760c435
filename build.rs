//! Build metadata for `perch version` and the client config: the git commit and the build date
//! (UTC), taken from the environment when set (release pipelines), else from git and the clock.
//!
//! Also compiles the web client in: every file under `static/` becomes an entry of
//! `$OUT_DIR/static_assets.rs` with its bytes, a gzip copy made here (so no request compresses
//! anything) and an ETag from its SHA-256 (`static_files.rs` serves them).

use flate2::{write::GzEncoder, Compression};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let hash = std::env::var("PERCH_BUILD_HASH").ok().or_else(|| {
        Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    });
    let date = std::env::var("PERCH_BUILD_DATE").ok().or_else(|| {
        Command::new("date")
            .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    });
    println!(
        "cargo:rustc-env=PERCH_BUILD_HASH={}",
        hash.unwrap_or_else(|| "unknown".into())
    );
    println!(
        "cargo:rustc-env=PERCH_BUILD_DATE={}",
        date.unwrap_or_else(|| "unknown".into())
    );
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-env-changed=PERCH_BUILD_HASH");
    println!("cargo:rerun-if-env-changed=PERCH_BUILD_DATE");
    static_assets();
}

/// The content type of a file the client is made of (anything else is refused: an unknown
/// kind of file in `static/` stops the build rather than being served as something it is not).
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "json" => "application/json",
        other => panic!("static/: no content type for .{other} ({})", path.display()),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            out.push(p);
        }
    }
}

fn static_assets() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = root.join("static");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=static");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut table = String::from("&[\n");
    for (i, file) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", file.display());
        let bytes = std::fs::read(file).expect("a static file");
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let gz_path = out.join(format!("static-{i}.gz"));
        std::fs::write(&gz_path, &gz).expect("write the gzip copy");
        let digest = Sha256::digest(&bytes);
        let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let rel = file
            .strip_prefix(&dir)
            .expect("under static/")
            .to_string_lossy()
            .replace('\\', "/");
        table.push_str(&format!(
            "    Asset {{ path: {:?}, content_type: {:?}, body: include_bytes!({:?}), gzip: include_bytes!({:?}), etag: \"\\\"{etag}\\\"\" }},\n",
            format!("/{rel}"),
            content_type(file),
            file.display().to_string(),
            gz_path.display().to_string(),
        ));
    }
    table.push(']');
    std::fs::write(out.join("static_assets.rs"), table).expect("write static_assets.rs");
}
