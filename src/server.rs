//! The composition root: `start` builds the `App`, starts the background threads and the
//! HTTP workers, and wires the workers to the route tables (`Perch`, the `http::Service`):
//! `/api/v4/…` → `api::route`, `/hooks/…` → `hooks::route`, everything else → static files,
//! with the general rate limit in front. `Running` is the handle to a started server.

use crate::app::{App, Ctx};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, Req, Resp};
use crate::janitor::Janitor;
use crate::password::PasswordHasherPool;
use crate::store::{Reader, Store};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// A started server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    server: http::Listener,
    workers: Vec<JoinHandle<()>>,
    /// Outgoing-webhook delivery threads, stopped after the HTTP workers.
    background: Vec<JoinHandle<()>>,
    janitor: Janitor,
    /// `Forward80To443`'s plain listener.
    redirect: Option<http::tls::Redirect>,
}

impl Running {
    /// Connections closed at accept by `MaxConnections`/`MaxConnectionsPerIP`, since start.
    pub fn refused_connections(&self) -> u64 {
        self.server.refused_connections()
    }

    /// `http://127.0.0.1:PORT` (`https://` when serving TLS)
    pub fn url(&self) -> String {
        let scheme = if self.server.tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Where `Forward80To443` redirects from (`None` without it).
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().and_then(|r| r.addr())
    }

    /// Stops accepting, lets in-flight requests finish (their writes commit), joins workers.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.app.shutting_down.store(true, Ordering::SeqCst);
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        self.stop_background();
    }

    /// Once no request can make a post any more: waits for accepted writes to answer, then stops the delivery threads (each finishes
    /// the call in hand; what is still pending stays in the database for the next start) and
    /// the janitor.
    fn stop_background(&mut self) {
        // Writes accepted before the workers stopped still answer (and fan out) first.
        if !self.app.store.settle(std::time::Duration::from_secs(10)) {
            log::warn!("shutdown: some writes did not finish within 10 s");
        }
        if let Some(mut r) = self.redirect.take() {
            r.stop();
        }
        self.app.outgoing.stop();
        self.app.ws.stop();
        self.app.files.stop();
        for t in self.background.drain(..) {
            let _ = t.join();
        }
        self.janitor.stop();
    }

    /// Blocks until the server stops (after `Stopper::stop` from the signal thread).
    pub fn wait(mut self) {
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        self.stop_background();
    }

    /// A handle that announces live configuration changes to the sockets.
    pub fn config_announcer(&self) -> ConfigAnnouncer {
        ConfigAnnouncer {
            app: Arc::downgrade(&self.app),
        }
    }

    /// A handle that stops the server from another thread (signal handling).
    pub fn stopper(&self) -> Stopper {
        Stopper {
            app: self.app.clone(),
            server: self.server.clone(),
            workers: self.workers.len(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.workers.is_empty() || !self.background.is_empty() {
            self.stop();
        }
    }
}

/// Announces, from the thread that applied them, that the running settings changed.
pub struct ConfigAnnouncer {
    /// Weak, so a watcher that outlives the server keeps nothing of it alive.
    app: std::sync::Weak<App>,
}

impl ConfigAnnouncer {
    /// Sends `config_changed` with the client config to every connected socket, as Mattermost
    /// does after any change of its configuration.
    pub fn announce(&self) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        match app.store.reader() {
            Ok(db) => {
                let config = crate::api::client_config(&app, &db);
                app.ws.publish(crate::ws::events::config_changed(config));
            }
            Err(e) => log::warn!("config_changed not sent: {e}"),
        }
    }
}

/// Stops a running server from another thread.
pub struct Stopper {
    app: Arc<App>,
    server: http::Listener,
    workers: usize,
}

impl Stopper {
    pub fn stop(&self) {
        self.app.shutting_down.store(true, Ordering::SeqCst);
        for _ in 0..self.workers {
            self.server.unblock();
        }
    }
}

/// Opens the database, binds the listener and starts the workers. Returns once the server
/// accepts connections.
pub fn start(config: Config) -> Result<Running, StartError> {
    tame_malloc();
    raise_fd_limit();
    let addr = config
        .listen_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let db_path = config.db_path();
    let store = Store::open(&db_path)
        .map_err(|e| StartError(format!("database {}: {e}", db_path.display())))?;
    let forward = config
        .forward_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let tls = http::tls::TlsFiles::load(&config).map_err(StartError)?;
    let server = http::Listener::bind(addr, &config, spool(&config), tls)
        .map_err(|e| StartError(format!("cannot listen on {addr}: {e}")))?;
    let bound = server
        .addr()
        .ok_or_else(|| StartError("listener has no IP address".into()))?;
    let redirect = match forward {
        Some(from) => Some(
            http::tls::Redirect::start(from, bound.port(), &config)
                .map_err(|e| StartError(format!("Forward80To443: cannot listen on {from}: {e}")))?,
        ),
        None => None,
    };
    let site_url = if config.service.site_url.is_empty() {
        let host = if bound.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            bound.ip().to_string()
        };
        let scheme = if server.tls() { "https" } else { "http" };
        format!("{scheme}://{host}:{}", bound.port())
    } else {
        config.service.site_url.trim_end_matches('/').to_string()
    };
    let hasher = PasswordHasherPool::new(
        config.perch.argon2_memory_kib as u32,
        config.perch.argon2_iterations as u32,
        config.perch.argon2_permits,
    );
    let config_hash = crate::auth::digest(&config.redacted());
    let version_id = format!(
        "{}.{}.{}.false",
        crate::MM_VERSION,
        crate::VERSION.replace('.', ""),
        &config_hash[..16]
    );
    let workers = config.perch.http_workers as usize;
    let limits = http::limits::Limits::new(&config);
    let outbound = crate::outbound::Outbound::new(&config);
    let outgoing = crate::queue::DeliveryQueue::new(config.perch.outgoing_queue_size as usize);
    let interactive = crate::interactive::State::open(
        &store,
        config.service.outgoing_integration_requests_timeout,
    )
    .map_err(|e| StartError(format!("database {}: {e}", db_path.display())))?;
    let ws = crate::ws::Hub::new(config.perch.web_socket_max_connections.max(0) as usize)
        .map_err(|e| StartError(format!("cannot set up the WebSocket loop: {e}")))?;
    let webapp = match config.perch.webapp_directory.as_str() {
        "" => None,
        dir => {
            let data_dir = db_path.parent().unwrap_or(std::path::Path::new("."));
            let w = crate::webapp::Webapp::open(std::path::Path::new(dir), data_dir)
                .map_err(StartError)?;
            log::info!("serving the {}", w.describe());
            Some(w)
        }
    };
    let saved_config = std::sync::Mutex::new(config.clone());
    let files = crate::files::Files::new(&config);
    let app = Arc::new_cyclic(|this| App {
        config: Arc::new(config),
        saved_config,
        store,
        hasher,
        sessions: crate::cache::SessionCache::default(),
        version_id,
        site_url,
        limits,
        outbound,
        outgoing,
        echoes: Arc::new(crate::queue::Delayed::new(
            crate::commands::timer::MAX_PENDING_ECHOES,
        )),
        interactive,
        incoming_hooks: crate::cache::HookCache::default(),
        cached: crate::cache::Cached::default(),
        ws,
        webapp,
        files,
        shutting_down: AtomicBool::new(false),
        off_worker: std::sync::atomic::AtomicUsize::new(0),
        this: this.clone(),
    });
    crate::commands::timer::spawn(&app)
        .map_err(|e| StartError(format!("cannot start the commands timer: {e}")))?;
    let janitor = crate::janitor::spawn(app.clone())
        .map_err(|e| StartError(format!("cannot start the janitor thread: {e}")))?;
    // Started first, so they resume deliveries left pending by the previous run.
    let mut background = crate::dispatcher::spawn(&app)
        .map_err(|e| StartError(format!("cannot start outgoing webhook threads: {e}")))?;
    let started = crate::file_jobs::spawn(&app)
        .map(|t| background.push(t))
        .map_err(|e| format!("cannot start the files thread: {e}"))
        .and_then(|()| {
            crate::ws_loop::start(&app).map_err(|e| format!("cannot start the WebSocket loop: {e}"))
        })
        .and_then(|()| {
            http::spawn_workers(Arc::new(Perch(app.clone())), &server, workers)
                .map_err(|e| format!("cannot start worker threads: {e}"))
        });
    let handles = match started {
        Ok(h) => h,
        Err(e) => {
            app.ws.stop();
            app.outgoing.stop();
            app.files.stop();
            for t in background {
                let _ = t.join();
            }
            return Err(StartError(e));
        }
    };
    let running = Running {
        addr: bound,
        app,
        server,
        workers: handles,
        background,
        janitor,
        redirect,
    };
    log::info!("listening on {}", running.url());
    if let Some(from) = running.redirect_addr() {
        log::info!("redirecting http://{from} to HTTPS");
    }
    Ok(running)
}

/// The HTTP workers' view of the server: the route tables behind the general rate limit.
struct Perch(Arc<App>);

impl http::Service for Perch {
    type Local = Reader;

    fn local(&self) -> Result<Reader, String> {
        self.0.store.reader().map_err(|e| e.to_string())
    }

    fn serve(&self, db: &Reader, req: &Req, request_id: &str) -> Resp {
        let ctx = Ctx {
            app: &self.0,
            db,
            request_id,
        };
        dispatch(&ctx, req)
    }

    fn stopping(&self) -> bool {
        self.0.shutting_down.load(Ordering::SeqCst)
    }

    fn config(&self) -> &Config {
        &self.0.config
    }

    fn version_id(&self) -> &str {
        &self.0.version_id
    }

    /// The webhook endpoint answers 400 here in Mattermost (it fails decoding the truncated
    /// body, hence the decode error id); everywhere else it is a 413.
    fn too_large(&self, path: &str) -> ApiError {
        let files = &self.0.config.files;
        if path.starts_with("/hooks/") {
            ApiError::bad_request(
                "web.incoming_webhook.decode.app_error",
                "Request body is too large.",
            )
        } else if path == UPLOADS && !files.enable_file_attachments {
            crate::files::disabled()
        } else if path == UPLOADS {
            // Mattermost checks an upload's Content-Length against MaxFileSize first.
            crate::files::too_large("", files.max_file_size)
        } else {
            ApiError::too_large()
        }
    }

    fn loggable(&self, path: &str) -> String {
        redact_path(path)
    }
}

/// `POST /api/v4/files`, whose bodies are spooled.
const UPLOADS: &str = "/api/v4/files";

/// Room for a multipart form's delimiters, part headers and small fields around its files.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// Which bodies are spooled to disk, and their limits: uploads (`POST /api/v4/files` and
/// profile pictures, up to `MaxFileSize` plus the form around it) and multipart webhook calls (`POST /hooks/{id}`,
/// which may also carry their payload). None while file attachments are off.
fn spool(config: &Config) -> Option<http::Spool> {
    let f = &config.files;
    if !f.enable_file_attachments {
        return None;
    }
    let max = f.max_file_size.max(0) as u64;
    let upload = max + FORM_OVERHEAD;
    let hook = upload + http::body_limit(config);
    let dir = crate::files::Storage::new(config.files_dir()).tmp_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        log::warn!("uploads: cannot create {}: {e}", dir.display());
    }
    Some(http::Spool {
        dir,
        limit: Box::new(move |method, url, content_type| {
            spools(method, url, content_type).map(|is_upload| if is_upload { upload } else { hook })
        }),
    })
}

/// Whether a request's body is spooled: `Some(true)` for an upload, `Some(false)` for a
/// multipart webhook call.
fn spools(method: &str, url: &str, content_type: &str) -> Option<bool> {
    if method != "POST" {
        return None;
    }
    let path = url.split('?').next().unwrap_or("").trim_end_matches('/');
    if path == UPLOADS || path == "/".to_string() + UPLOADS {
        return Some(true);
    }
    // `POST /api/v4/users/{id}/image`: a profile picture, up to `MaxFileSize` too.
    let picture = path
        .strip_prefix("/api/v4/users/")
        .and_then(|rest| rest.strip_suffix("/image"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if picture {
        return Some(true);
    }
    let multipart = crate::form::base_media_type(content_type) == "multipart/form-data";
    let hook = path
        .strip_prefix("/hooks/")
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    (multipart && hook).then_some(false)
}

/// `GET /files/{file_id}/public`: a public link (Mattermost serves it outside `/api/v4`).
fn public_file_id(req: &Req) -> Option<String> {
    if !matches!(req.method, http::Method::Get | http::Method::Head) {
        return None;
    }
    match req.segments_after("/files").as_slice() {
        [id, public] if public == "public" && req.path.starts_with("/files/") => Some(id.clone()),
        _ => None,
    }
}

/// The top-level table, behind the general rate limit; errors become AppError responses.
fn dispatch(ctx: &Ctx, req: &Req) -> Resp {
    let limits = &ctx.app.limits;
    let mut rate_headers = None;
    if let Some(g) = &limits.general {
        let key = rate_key(ctx, req);
        let d = g.check(&key);
        if !d.allowed {
            return d.rejection();
        }
        rate_headers = Some(d);
    }
    let path = req.path.as_str();
    let result = if path == "/api/v4" || path.starts_with("/api/v4/") {
        crate::api::route(ctx, req)
    } else if path.starts_with("/hooks/") {
        crate::hooks::route(ctx, req)
    } else if let Some(id) = public_file_id(req) {
        crate::api::public_file(ctx, req, &id)
    } else {
        crate::static_files::serve(ctx, req)
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            http::error::log(ctx.request_id, &redact_path(&req.path), &e);
            e.to_response(ctx.request_id, ctx.app.config.service.enable_developer)
        }
    };
    // A limiter inside the handler (per user, login) already set its own values; like
    // Mattermost's, they replace the outer limiter's.
    let has_inner = resp
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("X-Ratelimit-Limit"));
    if let (Some(d), false) = (rate_headers, has_inner) {
        resp.headers.extend(d.headers());
    }
    resp
}

/// The general limiter's key, as Mattermost builds it.
fn rate_key(ctx: &Ctx, req: &Req) -> String {
    let l = &ctx.app.limits;
    let mut key = String::new();
    if l.vary_by_user {
        if let Some((t, _)) = crate::auth::token_from(req) {
            key = crate::auth::digest(&t);
        }
    }
    if key.is_empty() && l.vary_by_remote_addr {
        key = req.client_ip(&ctx.app.config.service.trusted_proxy_ip_header);
    }
    if !l.vary_by_header.is_empty() {
        key.push('|');
        key.push_str(
            &req.header(&l.vary_by_header)
                .unwrap_or("")
                .to_ascii_lowercase(),
        );
    }
    key
}

/// Hook ids and command response ids in URLs are credentials: never log them.
fn redact_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("/hooks/") {
        let tail = rest
            .split_once('/')
            .map(|(_, t)| format!("/{t}"))
            .unwrap_or_default();
        if rest.starts_with("commands/") {
            return "/hooks/commands/****".into();
        }
        return format!("/hooks/****{tail}");
    }
    path.to_string()
}

/// argon2 allocates a 19 MiB block per hash. With glibc's dynamic mmap threshold those blocks
/// end up in the heap and are not returned, growing RSS by ~19 MiB per login (measured:
/// 860 MB after 64 logins). Pinning the threshold at 1 MiB keeps them in mmap/munmap.
#[allow(unsafe_code, reason = "one libc call with constant arguments")]
fn tame_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; constant, valid arguments.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Every WebSocket holds a file descriptor for its whole life: the soft limit (often 1024)
/// goes up to the hard one, so `WebSocketMaxConnections` sockets can be open at once.
#[allow(unsafe_code, reason = "two libc calls on a local struct")]
fn raise_fd_limit() {
    #[cfg(target_os = "linux")]
    // SAFETY: getrlimit/setrlimit read and write the `rlimit` struct we own.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_ids_are_redacted() {
        assert_eq!(redact_path("/hooks/abc123"), "/hooks/****");
        assert_eq!(redact_path("/hooks/abc123/github"), "/hooks/****/github");
        assert_eq!(redact_path("/hooks/commands/xyz"), "/hooks/commands/****");
        assert_eq!(redact_path("/api/v4/users/me"), "/api/v4/users/me");
    }
}
