//! The only place that makes HTTP requests (ureq): outgoing webhooks, slash commands and
//! everything later go through `Outbound::send`. It applies Mattermost's
//! `AllowedUntrustedInternalConnections` rule in the resolver — resolve, check every address,
//! connect only to the checked addresses (so DNS cannot change between check and connect),
//! again at every redirect hop — plus connect and total timeouts, a cap on response bytes and
//! a `User-Agent`.

use crate::config::Config;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Mattermost reads at most 1 MiB of an integration's response.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Whatever the configuration says, no outgoing call takes longer than this.
pub const HARD_TIMEOUT: Duration = Duration::from_secs(30);
/// Mattermost's outgoing User-Agent; some receivers look for it.
pub const USER_AGENT: &str = "Mattermost-Bot/1.1";
/// Idle keep-alive connections kept per receiver host (see `Outbound::new`).
const IDLE_PER_HOST: usize = 32;

/// Why an outgoing request did not produce a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// The URL is not an absolute http(s) URL.
    InvalidUrl(String),
    /// Every address of the host is internal and not allowed by the admin.
    Blocked(String),
    Timeout,
    /// Connection refused, DNS failure, TLS failure, protocol error…
    Connect(String),
    /// The response was larger than `MAX_RESPONSE_BYTES`.
    TooLarge,
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutboundError::InvalidUrl(u) => write!(f, "invalid URL: {u}"),
            OutboundError::Blocked(why) => write!(
                f,
                "address forbidden, you may need to add the host or CIDR to \
                 ServiceSettings.AllowedUntrustedInternalConnections: {why}"
            ),
            OutboundError::Timeout => write!(f, "timed out"),
            OutboundError::Connect(e) => write!(f, "request failed: {e}"),
            OutboundError::TooLarge => write!(f, "response larger than {MAX_RESPONSE_BYTES} bytes"),
        }
    }
}

impl std::error::Error for OutboundError {}

/// One outgoing request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Overrides the configured timeout (still capped at `HARD_TIMEOUT`).
    pub timeout: Option<Duration>,
}

impl Request {
    pub fn post(url: &str, content_type: &str, body: Vec<u8>) -> Request {
        Request {
            method: "POST",
            url: url.to_string(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            timeout: None,
        }
    }
    pub fn get(url: &str) -> Request {
        Request {
            method: "GET",
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Request {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

/// A response, read in full (bounded).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The media type, lower-cased, without parameters.
    pub fn media_type(&self) -> String {
        self.header("Content-Type")
            .map(crate::form::base_media_type)
            .unwrap_or_default()
    }
}

/// The shared HTTP client.
pub struct Outbound {
    agent: ureq::Agent,
    timeout: Duration,
}

impl Outbound {
    pub fn new(config: &Config) -> Outbound {
        let guard = Arc::new(Guard::new(
            &config.service.allowed_untrusted_internal_connections,
            own_addresses(),
        ));
        let timeout =
            Duration::from_secs(config.service.outgoing_integration_requests_timeout.max(1) as u64)
                .min(HARD_TIMEOUT);
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(config.service.enable_insecure_outgoing_connections)
            .build();
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(10)
            .proxy(None)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(Duration::from_secs(3)))
            // Every delivery worker keeps its connection to a busy receiver (ureq keeps 3 per
            // host by default; the others reconnected for each callback).
            .max_idle_connections_per_host(IDLE_PER_HOST)
            .max_idle_connections(4 * IDLE_PER_HOST)
            .timeout_global(Some(timeout))
            .tls_config(tls)
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            DefaultConnector::default(),
            GuardedResolver { guard },
        );
        Outbound { agent, timeout }
    }

    /// The configured per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request and reads the response (at most `MAX_RESPONSE_BYTES`).
    pub fn send(&self, req: Request) -> Result<Response, OutboundError> {
        let uri: ureq::http::Uri = req
            .url
            .parse()
            .map_err(|_| OutboundError::InvalidUrl(req.url.clone()))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => return Err(OutboundError::InvalidUrl(req.url.clone())),
        }
        if uri.host().is_none_or(|h| h.is_empty() || h.contains('%')) {
            return Err(OutboundError::InvalidUrl(req.url.clone()));
        }
        let mut b = ureq::http::Request::builder().method(req.method).uri(uri);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let http_req = b
            .body(req.body)
            .map_err(|e| OutboundError::InvalidUrl(e.to_string()))?;
        let timeout = req.timeout.unwrap_or(self.timeout).min(HARD_TIMEOUT);
        let started = Instant::now();
        let result = self
            .agent
            .configure_request(http_req)
            .timeout_global(Some(timeout))
            .build();
        let mut resp = self.agent.run(result).map_err(map_error)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(map_error)?;
        Ok(Response {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

fn map_error(e: ureq::Error) -> OutboundError {
    match e {
        ureq::Error::Timeout(_) => OutboundError::Timeout,
        ureq::Error::BodyExceedsLimit(_) => OutboundError::TooLarge,
        ureq::Error::BadUri(u) => OutboundError::InvalidUrl(u),
        ureq::Error::Other(inner) => match inner.downcast::<Blocked>() {
            Ok(b) => OutboundError::Blocked(b.0),
            Err(other) => OutboundError::Connect(other.to_string()),
        },
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => OutboundError::Timeout,
        other => OutboundError::Connect(other.to_string()),
    }
}

/// The resolver error that marks a refused host.
#[derive(Debug)]
struct Blocked(String);

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Blocked {}

/// Resolves with the system resolver, then keeps only the addresses the guard allows. ureq
/// connects to exactly the addresses returned here, and resolves again for every redirect.
#[derive(Debug)]
struct GuardedResolver {
    guard: Arc<Guard>,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        // An address needs no lookup (ureq's resolver would start a thread for it).
        let resolved = match host.parse::<IpAddr>() {
            Ok(ip) => {
                let https = uri.scheme_str() == Some("https");
                let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
                let mut one = self.empty();
                one.push(SocketAddr::new(ip, port));
                one
            }
            Err(_) => DefaultResolver::default().resolve(uri, config, timeout)?,
        };
        if self.guard.host_allowed(&host) {
            return Ok(resolved);
        }
        let mut out = self.empty();
        let mut reasons = Vec::new();
        for addr in resolved.iter() {
            match self.guard.check_ip(addr.ip()) {
                Ok(()) => out.push(*addr),
                Err(why) => reasons.push(format!("{} ({why})", addr.ip())),
            }
        }
        if out.is_empty() {
            return Err(ureq::Error::Other(Box::new(Blocked(format!(
                "{host}: {}",
                reasons.join(", ")
            )))));
        }
        Ok(out)
    }
}

/// `AllowedUntrustedInternalConnections` and this machine's own addresses.
#[derive(Debug, Default)]
pub struct Guard {
    hosts: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
    own: Vec<IpAddr>,
}

impl Guard {
    /// Entries are split on whitespace and commas; each is a host name / literal IP (matched
    /// exactly against the URL's host) or a CIDR.
    pub fn new(setting: &str, own: Vec<IpAddr>) -> Guard {
        let mut g = Guard {
            own,
            ..Default::default()
        };
        for entry in setting
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|e| !e.is_empty())
        {
            match parse_cidr(entry) {
                Some(net) => g.nets.push(net),
                None => g.hosts.push(entry.to_ascii_lowercase()),
            }
        }
        g
    }

    pub fn host_allowed(&self, host: &str) -> bool {
        let h = host.to_ascii_lowercase();
        self.hosts.contains(&h)
    }

    /// Ok if the address may be dialled.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), &'static str> {
        let ip = normalize(ip);
        let reason = if is_reserved(ip) {
            "reserved range"
        } else if self.own.iter().any(|o| normalize(*o) == ip) {
            "an address of this server"
        } else {
            return Ok(());
        };
        if self.nets.iter().any(|(net, bits)| in_net(ip, *net, *bits)) {
            return Ok(());
        }
        Err(reason)
    }
}

fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((normalize(ip), bits))
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Mattermost's reserved ranges (`docs/spec/security.md` §1.3).
const RESERVED: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "0.0.0.0/8",
    "169.254.0.0/16",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "192.88.99.0/24",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "255.255.255.255/32",
    "100.64.0.0/10",
    "::/128",
    "::1/128",
    "100::/64",
    "2001::/23",
    "2001:2::/48",
    "2001:db8::/32",
    "2001::/32",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "2002::/16",
    "64:ff9b::/96",
    "2001:10::/28",
    "2001:20::/28",
];

pub fn is_reserved(ip: IpAddr) -> bool {
    let ip = normalize(ip);
    RESERVED
        .iter()
        .filter_map(|c| parse_cidr(c))
        .any(|(net, bits)| in_net(ip, net, bits))
}

/// The addresses of this machine's network interfaces.
#[allow(unsafe_code, reason = "getifaddrs has no safe std API")]
fn own_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    #[cfg(unix)]
    // SAFETY: getifaddrs fills a linked list we only read and then free with freeifaddrs;
    // sockaddr pointers are checked for null and read according to their family.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut cur = list;
        while !cur.is_null() {
            let sa = (*cur).ifa_addr;
            if !sa.is_null() {
                match i32::from((*sa).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(sa as *const libc::sockaddr_in);
                        out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                            sin.sin_addr.s_addr,
                        ))));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(sa as *const libc::sockaddr_in6);
                        out.push(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
                    }
                    _ => {}
                }
            }
            cur = (*cur).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    out
}

/// For tests and diagnostics: the socket addresses a URL's host resolves to.
pub fn resolve_for_test(host: &str, port: u16) -> Vec<SocketAddr> {
    use std::net::ToSocketAddrs;
    (host, port)
        .to_socket_addrs()
        .map(|a| a.collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(is_reserved(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_reserved(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn guard_rules() {
        let own: IpAddr = "93.184.216.34".parse().unwrap();
        let g = Guard::new("localhost, 192.168.0.0/16 my-ci.lan", vec![own]);
        assert!(g.host_allowed("localhost"));
        assert!(g.host_allowed("MY-CI.lan"));
        assert!(!g.host_allowed("127.0.0.1"));
        assert!(g.check_ip("192.168.4.5".parse().unwrap()).is_ok());
        assert_eq!(
            g.check_ip("10.0.0.1".parse().unwrap()),
            Err("reserved range")
        );
        assert_eq!(g.check_ip(own), Err("an address of this server"));
        assert!(g.check_ip("8.8.8.8".parse().unwrap()).is_ok());
        let g = Guard::new("", vec![]);
        assert!(g.check_ip("127.0.0.1".parse().unwrap()).is_err());
        let g = Guard::new("127.0.0.0/8", vec![]);
        assert!(g.check_ip("127.0.0.1".parse().unwrap()).is_ok());
    }

    #[test]
    fn own_addresses_include_loopback() {
        assert!(own_addresses().iter().any(|a| a.is_loopback()));
    }

    fn outbound(allowed: &str) -> Outbound {
        let mut c = Config::default();
        c.service.allowed_untrusted_internal_connections = allowed.into();
        c.service.outgoing_integration_requests_timeout = 2;
        Outbound::new(&c)
    }

    #[test]
    fn blocks_loopback_by_default_and_allows_when_listed() {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let handle = std::thread::spawn(move || {
            if let Ok(req) = server.recv() {
                let ua = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("User-Agent"))
                    .map(|h| h.value.to_string());
                let _ = req.respond(tiny_http::Response::from_string(ua.unwrap_or_default()));
            }
        });
        let url = format!("http://127.0.0.1:{port}/x");
        let err = outbound("").send(Request::get(&url)).unwrap_err();
        assert!(matches!(err, OutboundError::Blocked(_)), "{err:?}");
        let err = outbound("")
            .send(Request::get(&format!("http://localhost:{port}/x")))
            .unwrap_err();
        assert!(matches!(err, OutboundError::Blocked(_)), "{err:?}");
        let resp = outbound("127.0.0.1/32").send(Request::get(&url)).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(String::from_utf8_lossy(&resp.body), USER_AGENT);
        handle.join().unwrap();
    }

    #[test]
    fn invalid_urls_and_timeouts() {
        let o = outbound("127.0.0.1");
        assert!(matches!(
            o.send(Request::get("ftp://x/")),
            Err(OutboundError::InvalidUrl(_))
        ));
        assert!(matches!(
            o.send(Request::get("not a url")),
            Err(OutboundError::InvalidUrl(_))
        ));
        // A server that accepts and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let started = Instant::now();
        let mut r = Request::get(&format!("http://127.0.0.1:{port}/"));
        r.timeout = Some(Duration::from_millis(500));
        assert_eq!(o.send(r).unwrap_err(), OutboundError::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(listener);
    }

    #[test]
    fn redirects_are_rechecked() {
        // Allowed host redirects to a loopback address that is not allowed.
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let handle = std::thread::spawn(move || {
            if let Ok(req) = server.recv() {
                let resp = tiny_http::Response::empty(302).with_header(
                    tiny_http::Header::from_bytes(
                        "Location",
                        format!("http://localhost:{port}/next"),
                    )
                    .unwrap(),
                );
                let _ = req.respond(resp);
            }
        });
        let err = outbound("127.0.0.1")
            .send(Request::get(&format!("http://127.0.0.1:{port}/")))
            .unwrap_err();
        assert!(matches!(err, OutboundError::Blocked(_)), "{err:?}");
        handle.join().unwrap();
    }
}
