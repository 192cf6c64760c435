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
