//! The only place that knows tiny_http: worker threads, bounded body reading, panic recovery,
//! the common response headers, and the access log. What a request means is not known here:
//! the workers hand each one to a `Service`, which the composition root (`server.rs`) wires to
//! the route tables. `http` names no route, no handler and no `App`.

pub mod error;
pub mod limits;
pub mod request;
pub mod response;
pub mod tls;

use crate::error::ApiError;
pub use request::{Method, Req};
pub use response::{Resp, Upgraded};

use crate::config::Config;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// The bound listening socket.
#[derive(Clone)]
pub struct Listener {
    server: Arc<tiny_http::Server>,
    tls: bool,
}

impl Listener {
    /// Binds `addr`, serving HTTPS with `tls`. Each connection's own thread does the TLS
    /// handshake, reads request bodies (bounded by `MaximumPayloadSizeBytes`, or spooled to a
    /// file as `spool` says) and writes answers, with the configured timeouts, so an HTTP worker
    /// never waits on a client (the patched tiny_http's `ServerOptions`).
    pub fn bind(
        addr: std::net::SocketAddr,
        config: &Config,
        spool: Option<Spool>,
        tls: Option<tls::TlsFiles>,
    ) -> Result<Listener, String> {
        let secs = |s: i64| Some(std::time::Duration::from_secs(s.max(1) as u64));
        let limit = body_limit(config);
        let options = tiny_http::ServerOptions {
            read_timeout: secs(config.service.read_timeout),
            write_timeout: secs(config.service.write_timeout),
            body: Box::new(move |r| {
                let spooled = spool.as_ref().and_then(|s| {
                    let content_type = r
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Content-Type"))
                        .map_or("", |h| h.value.as_str());
                    let limit = (s.limit)(r.method().as_str(), r.url(), content_type)?;
                    Some((s.dir.clone(), limit))
                });
                match spooled {
                    Some((dir, limit)) => tiny_http::BodyPlan::Spool { dir, limit },
                    None => tiny_http::BodyPlan::Memory { limit },
                }
            }),
            max_connections: config.perch.max_connections.max(0) as usize,
            max_connections_per_ip: config.perch.max_connections_per_ip.max(0) as usize,
        };
        let secure = tls.is_some();
        let server = match tls {
            None => tiny_http::Server::http_with(addr, options),
            Some(files) => {
                let ssl = tiny_http::SslConfig {
                    certificate: files.certificate,
                    private_key: files.private_key,
                };
                tiny_http::Server::https_with(addr, ssl, options)
            }
        };
        server
            .map(|s| Listener {
                server: Arc::new(s),
                tls: secure,
            })
            .map_err(|e| e.to_string())
    }

    /// The real address (also when bound to port 0).
    pub fn addr(&self) -> Option<std::net::SocketAddr> {
        self.server.server_addr().to_ip()
    }

    /// Whether this listener serves HTTPS.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// Connections closed at accept because `MaxConnections` or `MaxConnectionsPerIP` was
    /// reached, since start.
    pub fn refused_connections(&self) -> u64 {
        self.server.refused_connections()
    }

    /// Wakes one worker blocked in `recv` (used once per worker at shutdown).
    pub fn unblock(&self) {
        self.server.unblock();
    }
}

/// Which request bodies go to a file instead of memory (uploads), decided by the composition
/// root: `limit(method, url, content type)` is the most such a body may be, `None` for bodies
/// read into memory as usual.
pub struct Spool {
    /// Where the unlinked temporary files are made.
    pub dir: std::path::PathBuf,
    #[allow(clippy::type_complexity, reason = "one predicate, named by the field")]
    pub limit: Box<dyn Fn(&str, &str, &str) -> Option<u64> + Send + Sync>,
}

/// The application behind the workers, implemented by the composition root (`server.rs`).
pub trait Service: Send + Sync + 'static {
    /// What one worker keeps between requests (its database reader), made on its first one.
    type Local;
    fn local(&self) -> Result<Self::Local, String>;
    /// Answers one request: a response, or `Resp::later()`'s placeholder when the answer
    /// waits on a write.
    fn serve(&self, local: &Self::Local, req: &Req, request_id: &str) -> Resp;
    /// True once the server shuts down: the workers stop taking requests.
    fn stopping(&self) -> bool;
    /// The settings the workers apply themselves (body and URL limits, developer mode).
    fn config(&self) -> &Config;
    /// `X-Version-Id`.
    fn version_id(&self) -> &str;
    /// The error for a body over `MaximumPayloadSizeBytes` at `path`.
    fn too_large(&self, _path: &str) -> ApiError {
        ApiError::too_large()
    }
    /// `path` as it may be logged (credentials in URLs masked).
    fn loggable(&self, path: &str) -> String {
        path.to_string()
    }
}

/// Starts `n` named worker threads serving `app`.
pub fn spawn_workers<S: Service>(
    app: Arc<S>,
    listener: &Listener,
    n: usize,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..n)
        .map(|i| {
            let app = app.clone();
            let server = listener.server.clone();
            thread::Builder::new()
                .name(format!("http-{i}"))
                .spawn(move || worker(&app, &server))
        })
        .collect()
}

fn worker<S: Service>(app: &Arc<S>, server: &tiny_http::Server) {
    // The read connection is opened on the first request this worker serves: an idle server
    // keeps only the connections it has needed (each costs memory).
    let mut db: Option<S::Local> = None;
    loop {
        if app.stopping() {
            return;
        }
        let raw = match server.recv() {
            Ok(r) => r,
            Err(e) => {
                // Stopping unblocks every worker's accept: not an error.
                if app.stopping() {
                    return;
                }
                log::error!("accept failed: {e}");
                continue;
            }
        };
        if db.is_none() {
            match app.local() {
                Ok(r) => db = Some(r),
                Err(e) => log::error!("cannot open a database reader: {e}"),
            }
        }
        match &db {
            Some(db) => handle(app, db, raw),
            None => {
                let rid = crate::model::new_id();
                let method = Method::parse(raw.method().as_str());
                let resp = ApiError::internal("no database reader").to_response(&rid, false);
                respond(app, raw, resp, &rid, method);
            }
        }
    }
}

fn handle<S: Service>(app: &Arc<S>, db: &S::Local, mut raw: tiny_http::Request) {
    let started = Instant::now();
    let rid = crate::model::new_id();
    let method = Method::parse(raw.method().as_str());
    let url = raw.url().to_string();
    let headers: Vec<(String, String)> = raw
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_string(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    // The connection's thread has read the body into memory or spooled it to a file
    // (`Listener::bind`): this is a copy out of memory, or the file's handle, never a wait on
    // the client.
    let spooled = raw.take_spooled();
    let mut body = Vec::new();
    let read = if spooled.is_some() {
        Ok(0)
    } else {
        let expected = raw
            .body_length()
            .unwrap_or(0)
            .min(body_limit(app.config()) as usize);
        body.reserve(expected);
        std::io::Read::read_to_end(raw.as_reader(), &mut body)
    };
    let truncated = raw.body_truncated();
    let mut req = Req::new(method, &url, headers, body);
    req.spooled = spooled.map(|(file, len)| request::Spooled {
        file: Arc::new(file),
        len,
    });
    req.remote = raw.remote_addr().copied();
    req.secure = raw.secure();

    let mut resp = if read.is_err() {
        ApiError::bad_request(
            "api.context.invalid_body_param.app_error",
            "Could not read the request body.",
        )
        .to_response(&rid, app.config().service.enable_developer)
    } else if url.len() as i64 > app.config().service.maximum_url_length {
        ApiError::new(
            414,
            "basic_security_check.url.too_long_error",
            "URL is too long.",
        )
        .to_response(&rid, app.config().service.enable_developer)
    } else if truncated {
        app.too_large(&req.path)
            .to_response(&rid, app.config().service.enable_developer)
    } else {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| app.serve(db, &req, &rid))) {
            Ok(r) => r,
            Err(_) => {
                log::error!("[{rid}] handler panicked");
                ApiError::internal("panic").to_response(&rid, false)
            }
        }
    };
    match resp.later.take() {
        None if resp.upgrade.is_some() => upgrade(app, raw, resp, &rid, &req.path, started),
        None => finish(app, raw, resp, &rid, method, &req.path, started),
        // The answer waits on a write (`Store::write_then`): this worker moves on, and the
        // write's continuation answers. Headers set on the placeholder (the rate limiter's)
        // are kept.
        Some(later) => {
            let app = app.clone();
            let path = req.path.clone();
            let outer = std::mem::take(&mut resp.headers);
            later.on_ready(Box::new(move |build: response::Finish| {
                let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(build));
                let developer = app.config().service.enable_developer;
                let mut resp = match built {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => {
                        error::log(&rid, &app.loggable(&path), &e);
                        e.to_response(&rid, developer)
                    }
                    Err(_) => {
                        log::error!("[{rid}] handler panicked");
                        ApiError::internal("panic").to_response(&rid, false)
                    }
                };
                for (k, v) in outer {
                    if !resp.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&k)) {
                        resp.headers.push((k, v));
                    }
                }
                finish(&app, raw, resp, &rid, method, &path, started);
            }));
        }
    }
}

/// The most a request body may be (beyond it: 413, or 400 on the webhook endpoint).
pub fn body_limit(config: &Config) -> u64 {
    config.service.maximum_payload_size_bytes.max(0) as u64 + 512
}

/// Answers `101` and hands the socket to the upgrade's owner (on the connection's thread).
fn upgrade<S: Service>(
    app: &Arc<S>,
    raw: tiny_http::Request,
    mut resp: Resp,
    rid: &str,
    path: &str,
    t: Instant,
) {
    let Some(up) = resp.upgrade.take() else {
        return;
    };
    let mut out = tiny_http::Response::empty(101);
    let mut add = |k: &str, v: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            out.add_header(h);
        }
    };
    for (k, v) in &resp.headers {
        add(k, v);
    }
    add("X-Request-Id", rid);
    add("X-Version-Id", app.version_id());
    let then = up.then;
    let handed: Box<dyn FnOnce(tiny_http::Upgraded) + Send> = Box::new(move |u| {
        then(Upgraded {
            socket: u.socket,
            tls: u.tls,
        })
    });
    if let Err(e) = raw.upgrade_socket(&up.protocol, out, handed) {
        log::warn!("[{rid}] upgrade failed: {e}");
    }
    log::info!(
        "[{rid}] GET {} -> 101 in {}µs",
        app.loggable(path),
        t.elapsed().as_micros()
    );
}

/// Writes the answer and the access-log line.
fn finish<S: Service>(
    app: &Arc<S>,
    raw: tiny_http::Request,
    resp: Resp,
    rid: &str,
    method: Method,
    path: &str,
    started: Instant,
) {
    let status = resp.status;
    respond(app, raw, resp, rid, method);
    log::info!(
        "[{rid}] {:?} {} -> {status} in {}µs",
        method,
        app.loggable(path),
        started.elapsed().as_micros()
    );
}

fn respond<S: Service>(
    app: &Arc<S>,
    raw: tiny_http::Request,
    mut resp: Resp,
    rid: &str,
    method: Method,
) {
    let stream = resp.stream.take();
    let mut out = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    let mut add = |k: &str, v: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            out.add_header(h);
        }
    };
    for (k, v) in &resp.headers {
        add(k, v);
    }
    add("X-Request-Id", rid);
    add("X-Version-Id", app.version_id());
    add("X-Content-Type-Options", "nosniff");
    add("Referrer-Policy", "no-referrer");
    let service = &app.config().service;
    if service.tls_strict_transport {
        let max_age = service.tls_strict_transport_max_age;
        add("Strict-Transport-Security", &format!("max-age={max_age}"));
    }
    if method == Method::Get {
        add("Expires", "0");
    }
    // A file is streamed from disk by the connection's thread, never loaded into memory.
    let sent = match stream {
        Some(s) => {
            let head = tiny_http::Response::new(
                out.status_code(),
                out.headers().to_vec(),
                std::io::empty(),
                None,
                None,
            );
            raw.respond_streamed(head, s.reader, s.len)
        }
        None => raw.respond(out),
    };
    if let Err(e) = sent {
        log::debug!("[{rid}] client went away: {e}");
    }
}
