//! Build metadata for `perch version` and the client config: the git commit and the build date
//! (UTC), taken from the environment when set (release pipelines), else from git and the clock.

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
}
