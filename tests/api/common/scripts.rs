//! Running the real third-party clients (installed, pinned, by `scripts/install-clients` into
//! target/clients/) on the scripts in tests/clients/. A missing client is a failure that says
//! how to install it — never a silent pass.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No client script may run longer than this.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under target/clients/, asserted to exist.
pub fn installed(rel: &str) -> PathBuf {
    let p = repo().join("target/clients").join(rel);
    assert!(
        p.exists(),
        "{} is not installed: run scripts/install-clients in {}",
        p.display(),
        repo().display()
    );
    p
}

/// The venv's Python.
pub fn python() -> PathBuf {
    installed("venv/bin/python")
}

/// The Node project's node_modules (with `package`, e.g. `@mattermost/client`, in it).
pub fn node_modules(package: &str) -> PathBuf {
    installed(&format!("node/node_modules/{package}/package.json"));
    installed("node/node_modules")
}

/// The absolute path of `tests/clients/<name>`.
pub fn script(name: &str) -> String {
    repo()
        .join("tests/clients")
        .join(name)
        .display()
        .to_string()
}

/// Runs `program args…` with `stdin` (killed after `SCRIPT_TIMEOUT`), asserts it exits 0 and
/// returns its stdout; a failure shows both streams.
pub fn run(program: &Path, args: &[String], envs: &[(&str, String)], stdin: &str) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env("PYTHONDONTWRITEBYTECODE", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start {} ({e}): run scripts/install-clients",
            program.display()
        )
    });
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    let shown = format!(
        "{} {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        program.display(),
        args.join(" ")
    );
    match status {
        None => panic!("timed out after {SCRIPT_TIMEOUT:?}: {shown}"),
        Some(s) => assert!(s.success(), "exited with {s}: {shown}"),
    }
    stdout
}

/// `python tests/clients/<name> args…`
pub fn run_python(name: &str, args: &[&str], stdin: &str) -> String {
    let mut all = vec![script(name)];
    all.extend(args.iter().map(|a| a.to_string()));
    run(&python(), &all, &[], stdin)
}

/// `node tests/clients/<name> <node_modules> args…` (the scripts load the packages from the
/// directory given first; NODE_PATH points there too).
pub fn run_node(name: &str, package: &str, args: &[&str]) -> String {
    let modules = node_modules(package).display().to_string();
    let mut all = vec![script(name), modules.clone()];
    all.extend(args.iter().map(|a| a.to_string()));
    run(Path::new("node"), &all, &[("NODE_PATH", modules)], "")
}
