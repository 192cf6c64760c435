//! The real binary as an operator runs it: first stdout line, a second start on the same data
//! (nothing migrated twice), and a clean stop on SIGTERM. (`version` and bad configs: cli.rs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[path = "api/common/temp.rs"]
mod temp;
use temp::TempDir;

fn http(addr: &str, req: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

fn start(
    dir: &std::path::Path,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perch"))
        .args([
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("MM_LOGSETTINGS_CONSOLELEVEL", "INFO")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn perch");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    (child, url, stderr)
}

#[allow(unsafe_code, reason = "sending SIGTERM to our child")]
fn sigterm(pid: u32) {
    // SAFETY: kill with a valid pid and signal number has no memory effects.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
}

#[test]
fn starts_reports_its_port_and_stops_cleanly_on_sigterm() {
    let tmp = TempDir::new();
    let dir = tmp.path();
    let (mut child, addr, stderr) = start(dir);
    let resp = http(
        &addr,
        "GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let body = r#"{"email":"a@example.com","username":"alice","password":"long-enough-1"}"#;
    let resp = http(
        &addr,
        &format!("POST /api/v4/users HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
    );
    assert!(resp.starts_with("HTTP/1.1 201"), "{resp}");
    assert!(dir.join("config.json").exists());
    sigterm(child.id());
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit status {status:?}");
    let log: Vec<String> = stderr.lines().map_while(Result::ok).collect();
    assert!(log.iter().any(|l| l.contains("stopped")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("schema upgraded to version")));

    // Second start on the same data: nothing to migrate, the account is still there.
    let (mut child, addr, stderr) = start(dir);
    let body = r#"{"login_id":"alice","password":"long-enough-1"}"#;
    let resp = http(
        &addr,
        &format!("POST /api/v4/users/login HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    sigterm(child.id());
    assert!(child.wait().expect("wait").success());
    let log: Vec<String> = stderr.lines().map_while(Result::ok).collect();
    assert!(
        !log.iter().any(|l| l.contains("schema upgraded")),
        "migrated again: {log:?}"
    );
}
