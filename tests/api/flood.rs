//! Connection floods: `PerchSettings.MaxConnectionsPerIP` keeps one address from taking every
//! connection (each holds a thread while it is read), `MaxConnections` bounds them all; a
//! connection beyond a limit is closed at once, and others (another address) are still served.
//! The slow-sender side (a client trickling a request) is in `stall.rs`.

use crate::common::*;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

/// A connection to `port` from the loopback address `from` (127.0.0.0/8 is all this machine).
#[allow(unsafe_code, reason = "bind before connect needs the socket calls")]
fn connect_from(from: Ipv4Addr, port: u16) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let sin = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor this function owns until it is wrapped.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let local = sin(from, 0);
        if libc::bind(fd, (&raw const local).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let remote = sin(Ipv4Addr::LOCALHOST, port);
        if libc::connect(fd, (&raw const remote).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

/// A ping on a new connection from `from`: `Some(status)` or `None` if the server closed it
/// without an answer.
fn ping_from(from: Ipv4Addr, port: u16) -> Option<u16> {
    let mut s = connect_from(from, port).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ =
        s.write_all(b"GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split(' ').nth(1).and_then(|c| c.parse().ok())
}

fn port(ts: &TestServer) -> u16 {
    ts.url.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn one_address_cannot_take_every_connection() {
    let ts = TestServer::start_with(|c| {
        c.perch.max_connections_per_ip = 20;
        c.perch.max_connections = 35;
    });
    let port = port(&ts);
    let (a, b, c) = (
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(127, 0, 0, 2),
        Ipv4Addr::new(127, 0, 0, 3),
    );
    // Twenty idle connections from one address: a flood's, or a slowloris'.
    let idle: Vec<TcpStream> = (0..20).map(|_| connect_from(a, port).unwrap()).collect();
    // Let the server accept them all.
    eventually(PATIENCE, "20 accepted", || {
        (ping_from(a, port).is_none()).then_some(())
    });
    let refused = ts.running.as_ref().unwrap().refused_connections();
    assert!(refused >= 1);
    assert_eq!(
        ping_from(a, port),
        None,
        "a 21st connection from the same address"
    );
    // Another address is served.
    assert_eq!(ping_from(b, port), Some(200));
    // All connections: 20 from a, 15 from b fill MaxConnections; c is refused too.
    let more: Vec<TcpStream> = (0..15).map(|_| connect_from(b, port).unwrap()).collect();
    eventually(PATIENCE, "35 accepted", || {
        (ping_from(c, port).is_none()).then_some(())
    });
    assert!(ts.running.as_ref().unwrap().refused_connections() > refused);
    // Closing them frees their places.
    drop(idle);
    drop(more);
    let started = Instant::now();
    eventually(PATIENCE, "a served again", || {
        (ping_from(a, port) == Some(200)).then_some(())
    });
    assert_eq!(ping_from(c, port), Some(200));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
