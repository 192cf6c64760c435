//! The release tarball (`scripts/package`) and `install.sh` as an admin automates them: a fresh
//! install from the unpacked tarball into a prefix, an upgrade with a new build (config.json and
//! the database untouched, a backup kept, the new build reporting itself, the schema upgraded on
//! its first start), an upgrade with a broken binary and one with a binary older than the
//! database (both refused, the old binary still in place and serving, a non-zero exit), and a
//! binary refusing a database written by a newer schema.

#![allow(clippy::unwrap_used, reason = "test code fails loudly by design")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_perch");

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(script: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(script)
        .args(args)
        .output()
        .unwrap()
}

fn sha256(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).unwrap();
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).unwrap();
    // Not cryptographic here: any change of the bytes shows.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&bytes, &mut h);
    std::hash::Hasher::finish(&h).to_le_bytes().to_vec()
}

/// The installed binary, with the installed config: `perch …`.
fn installed(prefix: &Path, args: &[&str]) -> Output {
    Command::new(prefix.join("bin/perch"))
        .arg("--config")
        .arg(prefix.join("config/config.json"))
        .args(args)
        .env_remove("MM_CONFIG")
        .output()
        .unwrap()
}

/// Starts the installed server on a free port; returns its first stdout line and its stderr,
/// after a SIGTERM.
fn start_and_stop(prefix: &Path) -> (String, String) {
    let mut child = Command::new(prefix.join("bin/perch"))
        .arg("--config")
        .arg(prefix.join("config/config.json"))
        .args(["--listen", "127.0.0.1:0"])
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "INFO")
        .env_remove("MM_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    sigterm(child.id());
    let out = child.wait_with_output().unwrap();
    (line, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[allow(unsafe_code, reason = "sending SIGTERM to our child")]
fn sigterm(pid: u32) {
    // SAFETY: kill(2) with our child's pid and a valid signal number.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
}

fn user_version(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// A shell script standing in for another build of perch: it answers `version` with its own
/// build and hands everything else to the real binary.
fn other_build(dir: &Path, build: &str) -> PathBuf {
    let path = dir.join(format!("perch-{build}"));
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nif [ \"$1\" = version ]; then printf 'Version: 10.11.0\\nBuild Hash: {build}\\n'; exit 0; fi\nexec '{BIN}' \"$@\"\n"
        ),
    )
    .unwrap();
    make_executable(&path);
    path
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn package_install_upgrade_rollback_and_downgrade_protection() {
    let work_dir = TempDir::new();
    let work = work_dir.path().to_path_buf();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The tarball, from the test's binary (building a release here would take minutes).
    let out = Command::new("bash")
        .arg(root.join("scripts/package"))
        .args(["--binary", BIN, "--out", work.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let tarball = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let name = tarball.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("perch-{}-linux-", env!("CARGO_PKG_VERSION")))
            && name.ends_with(".tar.gz"),
        "{name}"
    );
    let unpacked = work.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let top = unpacked.join("perch");
    for f in [
        "bin/perch",
        "config/config.json",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "install.sh",
    ] {
        assert!(top.join(f).exists(), "{f} missing from the tarball");
    }
    let defaults: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(top.join("config/config.json")).unwrap())
            .unwrap();
    assert_eq!(defaults["ServiceSettings"]["ListenAddress"], ":8065");
    assert!(
        defaults["PerchSettings"]["HttpWorkers"].is_i64(),
        "every default is there"
    );

    // A fresh install from the unpacked tarball, with an older build's stand-in, on a database
    // left at the previous schema version (as the previous release wrote it).
    let prefix = work.join("opt-perch");
    let p = prefix.to_str().unwrap();
    let old = other_build(&work, "old-build");
    let out = run(
        &top.join("install.sh"),
        &["--prefix", p, "--binary", old.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("fresh install"));
    for d in ["bin/perch", "config/config.json", "data", "logs", "backups"] {
        assert!(prefix.join(d).exists(), "{d} missing");
    }
    let config = prefix.join("config/config.json");
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(cfg["LogSettings"]["EnableFile"], true);
    assert_eq!(
        cfg["LogSettings"]["FileLocation"],
        prefix.join("logs").to_str().unwrap()
    );
    // The database as the previous release left it: its schema, and an account.
    let db = prefix.join("data/perch.db");
    let previous = perch::store::migrate::SCHEMA_VERSION - 1;
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        perch::store::migrate::run_to(&mut c, previous).unwrap();
        c.execute(
            "INSERT INTO users (id, create_at, update_at, username, email) \
             VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaa', 1, 1, 'alice', 'a@example.com')",
            [],
        )
        .unwrap();
    }
    assert_eq!(user_version(&db), previous);
    // The admin edits the config.
    let out = installed(
        &prefix,
        &["config", "set", "TeamSettings.SiteName", "Edited"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let (config_before, db_before) = (sha256(&config), sha256(&db));

    // Upgrade to the real build.
    let out = run(&top.join("install.sh"), &["--prefix", p, "--binary", BIN]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("upgraded"), "{}", text(&out));
    assert_eq!(sha256(&config), config_before, "config.json changed");
    assert_eq!(sha256(&db), db_before, "the installer changed the database");
    let backups: Vec<PathBuf> = std::fs::read_dir(prefix.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    for f in ["config.json", "perch.db", "perch.bin"] {
        assert!(backups[0].join(f).exists(), "backup without {f}");
    }
    let version = String::from_utf8_lossy(&installed(&prefix, &["version"]).stdout).into_owned();
    let real = String::from_utf8_lossy(&Command::new(BIN).arg("version").output().unwrap().stdout)
        .into_owned();
    assert_eq!(version, real, "bin/perch is the new build");
    assert!(!version.contains("old-build"));
    // Its first start upgrades the schema; the account and the edit survived.
    assert_eq!(user_version(&db), previous);
    let (line, log) = start_and_stop(&prefix);
    assert!(
        line.starts_with("listening on http://127.0.0.1:"),
        "{line}\n{log}"
    );
    assert!(
        log.contains(&format!("schema upgraded to version {}", previous + 1)),
        "{log}"
    );
    assert_eq!(user_version(&db), perch::store::migrate::SCHEMA_VERSION);
    let again = installed(
        &prefix,
        &[
            "user",
            "create",
            "--email",
            "a@example.com",
            "--username",
            "alice",
            "--password",
            "long-enough-1",
        ],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("username_exists"));
    assert_eq!(
        String::from_utf8_lossy(
            &installed(&prefix, &["config", "get", "TeamSettings.SiteName"]).stdout
        ),
        "Edited\n"
    );

    // A broken binary: refused, nothing replaced, the old one still serves.
    let broken = work.join("perch-broken");
    std::fs::write(&broken, "#!/bin/sh\n[ \"$1\" = version ] && { echo 'Version: 10.11.0'; exit 0; }\necho 'segfault' >&2; exit 139\n").unwrap();
    make_executable(&broken);
    let db_before = sha256(&db);
    let out = run(
        &top.join("install.sh"),
        &["--prefix", p, "--binary", broken.to_str().unwrap()],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("does not start"), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&installed(&prefix, &["version"]).stdout),
        real
    );
    assert_eq!(sha256(&db), db_before);
    let (line, log) = start_and_stop(&prefix);
    assert!(
        line.starts_with("listening on"),
        "the old binary still serves: {line}\n{log}"
    );

    // Downgrade protection: a database written by a newer schema is refused by this binary,
    // at start and by the installer.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(
            None,
            "user_version",
            perch::store::migrate::SCHEMA_VERSION + 1,
        )
        .unwrap();
    }
    let (line, log) = start_and_stop(&prefix);
    assert!(line.is_empty(), "started on a newer schema: {line}");
    assert!(log.contains("newer than this binary knows"), "{log}");
    let out = run(&top.join("install.sh"), &["--prefix", p, "--binary", BIN]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("newer than this binary knows"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
}
