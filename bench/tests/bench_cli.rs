//! `perch-bench`'s command line (the benchmark itself is never run by the test suite: nothing
//! timing-based belongs here).

use std::process::Command;

fn bench(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_perch-bench"))
        .args(args)
        .output()
        .expect("run perch-bench");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn help_lists_the_options() {
    let (code, text) = bench(&["--help"]);
    assert_eq!(code, Some(0), "{text}");
    for opt in [
        "--runs",
        "--duration",
        "--concurrency",
        "--posts",
        "--only",
        "--data-dir",
    ] {
        assert!(text.contains(opt), "{opt} missing from:\n{text}");
    }
}

#[test]
fn bad_options_and_a_missing_server_are_reported() {
    let (code, text) = bench(&["--runs", "many"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--runs must be a whole number"), "{text}");
    let (code, text) = bench(&["--perch", "/nonexistent/perch"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("no server binary at /nonexistent/perch"),
        "{text}"
    );
}
