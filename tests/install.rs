//! `install.sh`: a fresh install into a prefix, then an upgrade that keeps config.json and the
//! data, with a backup of both.

use std::process::Command;

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh"))
        .args(args)
        .output()
        .expect("run install.sh");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `perch user create` for the same account, with the installed binary and config.
fn create_alice(prefix: &std::path::Path, config: &std::path::Path) -> std::process::Output {
    Command::new(prefix.join("bin/perch"))
        .args([
            "--config",
            config.to_str().expect("utf-8"),
            "user",
            "create",
        ])
        .args([
            "--email",
            "a@example.com",
            "--username",
            "alice",
            "--password",
            "long-enough-1",
        ])
        .output()
        .expect("user create")
}

#[test]
fn install_then_upgrade_keeps_config_and_data() {
    let dir = TempDir::new();
    let prefix = dir.path();
    let p = prefix.to_str().expect("utf-8 path");
    let bin = env!("CARGO_BIN_EXE_perch");
    let (ok, out) = run(&["--prefix", p, "--binary", bin]);
    assert!(ok, "{out}");
    for d in ["bin/perch", "config/config.json", "data", "logs"] {
        assert!(prefix.join(d).exists(), "{d} missing: {out}");
    }
    // The admin edits the config; some data exists.
    let config = prefix.join("config/config.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("config")).expect("json");
    v["TeamSettings"] = serde_json::json!({"SiteName": "Edited"});
    std::fs::write(&config, v.to_string()).expect("write config");
    let created = create_alice(prefix, &config);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let (ok, out) = run(&["--prefix", p, "--binary", bin]);
    assert!(ok, "{out}");
    assert!(out.contains("upgraded"), "{out}");
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("config")).expect("json");
    assert_eq!(
        after["TeamSettings"]["SiteName"], "Edited",
        "config.json was overwritten"
    );
    let backups: Vec<_> = std::fs::read_dir(prefix.join("backups"))
        .expect("backups")
        .collect();
    assert_eq!(backups.len(), 1);
    let b = backups[0].as_ref().expect("entry").path();
    assert!(b.join("config.json").exists() && b.join("perch.db").exists());
    // The account survived: creating it again conflicts.
    let again = create_alice(prefix, &config);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("username_exists"));
}
