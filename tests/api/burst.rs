//! Regression test for the vendored tiny_http fix (vendor/README.md): a burst of keep-alive
//! connections must all be answered, not starve behind the pool's minimum threads.

use crate::common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn thirty_two_concurrent_keep_alive_clients_are_all_answered() {
    let ts = TestServer::start_with(|c| c.perch.http_workers = 8);
    let addr = ts.url.trim_start_matches("http://").to_string();
    // Open all connections first, then send one request on each, keeping them open.
    let mut conns: Vec<TcpStream> = (0..32)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    for c in &mut conns {
        c.write_all(
            b"GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut answered = 0;
    for c in &conns {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        c.set_read_timeout(Some(left)).unwrap();
        let mut reader = BufReader::new(c);
        let mut status = String::new();
        if reader.read_line(&mut status).is_ok() && status.starts_with("HTTP/1.1 200") {
            answered += 1;
            // Drain the rest so the connection stays usable.
            let mut buf = [0u8; 1024];
            let _ = reader.read(&mut buf);
        }
    }
    assert_eq!(
        answered, 32,
        "only {answered} of 32 keep-alive connections were answered within 1 s"
    );
}

/// Regression test for the second vendored tiny_http change: a connection has one request in
/// flight at a time. A client that pipelines requests for large answers and never reads them
/// could otherwise hold every HTTP worker (one blocked writing, the rest waiting to write
/// after it), and nobody else would be served.
#[test]
fn a_client_that_never_reads_holds_at_most_one_worker() {
    let ts = TestServer::start_with(|c| c.perch.http_workers = 2);
    let admin = ts.admin();
    let team = admin.create_team("big");
    let channel = admin.create_channel(team["id"].as_str().unwrap(), "big", "O");
    let cid = channel["id"].as_str().unwrap().to_string();
    let long = "x".repeat(16_000);
    for _ in 0..20 {
        admin.create_post(&cid, &long);
    }
    // About 330 KB per answer; 100 of them are far more than the socket buffers hold.
    let addr = ts.url.trim_start_matches("http://").to_string();
    let mut greedy = TcpStream::connect(&addr).unwrap();
    let token = admin.token.clone().unwrap();
    let one = format!(
        "GET /api/v4/channels/{cid}/posts?per_page=60 HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    greedy.write_all(one.repeat(100).as_bytes()).unwrap();
    // Give the server time to answer (and block on) as much as it will.
    std::thread::sleep(Duration::from_millis(500));
    let mut other = TcpStream::connect(&addr).unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    other
        .write_all(b"GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut status = String::new();
    let read = BufReader::new(&other).read_line(&mut status);
    assert!(
        read.is_ok() && status.starts_with("HTTP/1.1 200"),
        "another client was not served while one never read its answers: {read:?} {status:?}"
    );
    drop(greedy);
}

#[test]
fn pipelined_requests_are_all_answered_in_order() {
    let ts = TestServer::start();
    let addr = ts.url.trim_start_matches("http://").to_string();
    let mut c = TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // A 404, a ping and another 404, written at once; the answers come back in that order.
    c.write_all(
        b"GET /api/v4/nope HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /api/v4/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut all = String::new();
    BufReader::new(&c).read_to_string(&mut all).unwrap();
    let statuses: Vec<&str> = all.lines().filter(|l| l.starts_with("HTTP/1.1 ")).collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 404 Not Found",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found"
        ]
    );
}
