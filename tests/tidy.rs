//! Source hygiene, checked mechanically: module docs, no stray debugging or unwraps, layer
//! boundaries (SQL, HTTP server, HTTP client), migrations in step with the folder, and no file
//! that points outside the repository.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The part of a file outside `#[cfg(test)]` (tests live at the end of our files).
fn non_test(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

/// The server's sources (`src/`), as (path from the root, text).
fn src_files() -> Vec<(String, String)> {
    files_under(&["src"])
}

/// Every program's sources: the server's and the benchmark's (`bench/src/`).
fn program_files() -> Vec<(String, String)> {
    files_under(&["src", "bench/src"])
}

fn files_under(dirs: &[&str]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root().join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root())
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).expect("read"))
        })
        .collect()
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<String> = program_files()
        .into_iter()
        .filter(|(_, t)| !t.trim_start().starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:?}"
    );
}

#[test]
fn no_debugging_leftovers_or_unwraps_outside_tests() {
    let mut bad = Vec::new();
    for (path, text) in program_files() {
        let code = non_test(&text);
        for needle in [".unwrap()", "dbg!(", "todo!(", "unimplemented!("] {
            if code.contains(needle) {
                bad.push(format!("{path}: {needle}"));
            }
        }
        // Command-line programs print; the server library logs.
        let cli =
            path == "src/main.rs" || path.starts_with("src/cli/") || path.starts_with("bench/");
        if !cli && (code.contains("println!(") || code.contains("eprintln!(")) {
            bad.push(format!("{path}: println!"));
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn layer_boundaries_hold() {
    let mut bad = Vec::new();
    for (path, text) in src_files() {
        let code = non_test(&text);
        if code.contains("rusqlite::") && !path.starts_with("src/store/") {
            bad.push(format!("{path}: rusqlite outside store/"));
        }
        if code.contains("tiny_http::") && !path.starts_with("src/http/") {
            bad.push(format!("{path}: tiny_http outside http/"));
        }
        if code.contains("ureq::") && path != "src/outbound.rs" {
            bad.push(format!("{path}: ureq outside outbound.rs"));
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn tests_are_never_ignored() {
    let mut files = Vec::new();
    rust_files(&root().join("tests"), &mut files);
    let this = root().join("tests/tidy.rs");
    let bad: Vec<String> = files
        .iter()
        .filter(|p| **p != this)
        .filter(|p| {
            let t = std::fs::read_to_string(p).unwrap_or_default();
            t.contains("#[ignore") || t.contains("#[should_panic")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn migrations_list_matches_the_folder() {
    let dir = root().join("src/store/migrations");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("migrations dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    on_disk.sort();
    for (i, name) in on_disk.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "gap or bad number at {name}"
        );
    }
    let migrate = std::fs::read_to_string(root().join("src/store/migrate.rs")).expect("migrate.rs");
    let listed: Vec<String> = migrate
        .split("include_str!(\"migrations/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(listed, on_disk, "MIGRATIONS must list every file in order");
}

/// Every text file of the repository (not `.git`, build output, installed clients or runtime
/// data), as (path from the root, text).
fn repository_text_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !matches!(name.as_str(), ".git" | "target" | "node_modules" | "data") {
                    walk(&p, out);
                }
            } else {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root(), &mut paths);
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let rel = p
                .strip_prefix(root())
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, text))
        })
        .collect()
}

#[test]
fn nothing_points_outside_the_repository() {
    // Material kept beside the repository while it was written is not part of it: docs and
    // comments cite Mattermost's documentation or source, or the repository's `docs/spec/`.
    // (Built at run time so that this file does not match itself.)
    let needles: Vec<String> = [
        ["..", "/shared"].concat(),
        ["/work", "/shared"].concat(),
        ["shared", "/spec/"].concat(),
        ["shared", "/perf/"].concat(),
        ["shared", "/fixtures/"].concat(),
        ["DESIGN", ".md"].concat(),
    ]
    .into();
    let mut bad = Vec::new();
    for (path, text) in repository_text_files() {
        for (n, line) in text.lines().enumerate() {
            if let Some(needle) = needles.iter().find(|k| line.contains(k.as_str())) {
                bad.push(format!("{path}:{}: {needle}", n + 1));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "references to files outside the repository: {bad:#?}"
    );
}
