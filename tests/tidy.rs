//! Source hygiene, checked mechanically: module docs, no stray debugging or unwraps, layer
//! boundaries (SQL, HTTP server, HTTP client), the module graph (no cycle between top-level
//! modules, and the layering rules of ARCHITECTURE.md), migrations in step with the folder,
//! and no file that points outside the repository.

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

/// The longest a source file may be, its unit tests (the `#[cfg(test)]` module at its end)
/// not counted. Translators (a provider's `Source` and its events) are excepted: each is one
/// provider's whole vocabulary, read top to bottom.
const MAX_FILE_LINES: usize = 800;

#[test]
fn no_source_file_is_over_the_limit() {
    let mut long = Vec::new();
    for (path, text) in program_files() {
        let translator =
            path.starts_with("src/integrations/") && text.contains("pub const SOURCE: Source");
        let lines = non_test(&text).lines().count();
        if lines > MAX_FILE_LINES && !translator {
            long.push(format!("{path}: {lines} lines"));
        }
    }
    assert!(long.is_empty(), "split these along their seams: {long:?}");
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

// ---------------------------------------------------------------------------------------------
// The module graph (ARCHITECTURE.md, "Layers"): dependencies between top-level modules run one
// way, and the handlers and the composition root sit on top.
// ---------------------------------------------------------------------------------------------

use std::collections::{BTreeMap, BTreeSet};

/// The top-level modules, as `src/lib.rs` declares them.
fn top_level_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("lib.rs");
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').trim().to_string())
        .collect()
}

/// Code without comments (doc comments name modules in prose) and without tests.
fn code_only(text: &str) -> String {
    non_test(text)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| match l.find(" // ") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment of every item of a `{…}` group (nested groups skipped).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && (c.is_ascii_alphabetic() || c == '_') && depth == 0 => {
                heads.push(ident_at(&group[i..]).to_string());
                start = false;
            }
            c if !c.is_whitespace() => start = false,
            _ => {}
        }
    }
    heads
}

/// The top-level modules a file names: `crate::x…`, `use crate::{x, y::z}` and `super::…`
/// paths that climb to the crate root. `module` is the file's module path under `src/`.
fn named_modules(code: &str, module: &[String], tops: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |name: &str| {
        if tops.contains(name) {
            out.insert(name.to_string());
        }
    };
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // another identifier ending in `crate` (`$crate::` counts: it is ours)
        }
        let rest = &code[i + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => group_heads(group).iter().for_each(|h| add(h)),
            None => add(ident_at(rest)),
        }
    }
    for (i, _) in code.match_indices("super::") {
        if i > 0 && code[..i].ends_with("super::") {
            continue; // counted from the first `super::` of the chain
        }
        let mut rest = &code[i..];
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            up += 1;
            rest = r;
        }
        if up >= module.len() {
            match rest.strip_prefix('{') {
                Some(group) => group_heads(group).iter().for_each(|h| add(h)),
                None => add(ident_at(rest)),
            }
        }
    }
    out
}

/// For every top-level module, the other top-level modules its code names, with one file
/// that names each (for the messages).
fn module_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let tops = top_level_modules();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, text) in src_files() {
        let rel = path.trim_start_matches("src/").trim_end_matches(".rs");
        let mut module: Vec<String> = rel.split('/').map(str::to_string).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let Some(top) = module.first().filter(|t| tops.contains(*t)).cloned() else {
            continue; // lib.rs, main.rs
        };
        let edges = graph.entry(top.clone()).or_default();
        for named in named_modules(&code_only(&text), &module, &tops) {
            if named != top {
                edges.entry(named).or_insert_with(|| path.clone());
            }
        }
    }
    graph
}

#[test]
fn the_module_graph_reader_sees_every_form_of_path() {
    let tops: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(String::from).into();
    let code = "use crate::{a::X, b, c::{self, Y}};\nlet z = crate::d::f();\nmycrate::e::g();";
    let found = named_modules(code, &["x".to_string()], &tops);
    assert_eq!(found, ["a", "b", "c", "d"].map(String::from).into());
    let nested = ["x".to_string(), "y".to_string()];
    assert!(named_modules("use super::e;", &nested, &tops).is_empty());
    assert_eq!(
        named_modules("use super::super::e::Z;", &nested, &tops),
        ["e".to_string()].into()
    );
    assert!(code_only("// crate::a\n/// crate::b\nfn f() {}")
        .find("crate::")
        .is_none());
}

#[test]
fn top_level_modules_depend_on_each_other_without_cycles() {
    let graph = module_graph();
    // Depth-first search; a back edge is a cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flat_map(|e| e.keys()) {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut done, &mut Vec::new()) {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} -> {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            panic!(
                "a cycle between top-level modules:\n  {}",
                steps.join("\n  ")
            );
        }
    }
}

#[test]
fn layering_rules_hold() {
    let graph = module_graph();
    let names = |m: &str, other: &str| graph.get(m).and_then(|e| e.get(other)).cloned();
    let mut bad = BTreeSet::new();
    // `http/` knows no route, no handler and no `App`: it serves an `http::Service`.
    for (other, file) in graph.get("http").into_iter().flatten() {
        if !["config", "error", "form", "model"].contains(&other.as_str()) {
            bad.insert(format!("http names {other} ({file})"));
        }
    }
    // Domain code knows nothing about HTTP or the API (`posting.rs` knows nothing about HTTP).
    let domain = [
        "accounts",
        "actions",
        "cache",
        "channels",
        "commands",
        "dispatcher",
        "integrations",
        "interactive",
        "outgoing",
        "permissions",
        "posting",
        "queue",
        "slack",
        "store",
        "model",
    ];
    for m in domain {
        for other in ["http", "api", "hooks", "server", "static_files", "ws_loop"] {
            if let Some(file) = names(m, other) {
                bad.insert(format!("{m} names {other} ({file})"));
            }
        }
    }
    // The handlers and the composition root sit on top: `api` is named only by `server`,
    // `hooks` by `server` and `api`.
    for (m, edges) in &graph {
        if m != "server" {
            if let Some(file) = edges.get("api") {
                bad.insert(format!("{m} names api ({file})"));
            }
            if m != "api" && edges.contains_key("hooks") {
                bad.insert(format!("{m} names hooks ({})", edges["hooks"]));
            }
        }
        if let Some(file) = edges.get("server") {
            bad.insert(format!("{m} names server ({file})"));
        }
    }
    // `integrations/` is pure: it names no state, no database, no I/O.
    for other in ["app", "store", "outbound", "http"] {
        if let Some(file) = names("integrations", other) {
            bad.insert(format!("integrations names {other} ({file})"));
        }
    }
    // SQL and wire types stay at the bottom.
    for (other, file) in graph.get("store").into_iter().flatten() {
        if other != "model" {
            bad.insert(format!("store names {other} ({file})"));
        }
    }
    for (other, file) in graph.get("model").into_iter().flatten() {
        if other != "config" {
            bad.insert(format!("model names {other} ({file})"));
        }
    }
    let bad: Vec<String> = bad.into_iter().collect();
    assert!(bad.is_empty(), "layering broken:\n  {}", bad.join("\n  "));
}
