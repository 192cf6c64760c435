//! `App` (shared state), startup wiring, and `Running`, the handle to a started server.

use crate::auth::PasswordHasherPool;
use crate::config::Config;
use crate::janitor::Janitor;
use crate::store::{Reader, Store};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Everything handlers share. Built once per server; no globals, so tests run many servers.
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub hasher: PasswordHasherPool,
    /// Resolved sessions and access tokens (invalidated through the store's auth generation).
    pub sessions: crate::auth::SessionCache,
    /// `X-Version-Id`: `<mattermost version>.<build>.<config hash>.<licensed>`.
    pub version_id: String,
    /// The base URL clients reach us at (SiteURL, or derived from the bound address).
    pub site_url: String,
    pub limits: crate::http::limits::Limits,
    /// The only HTTP client (outgoing webhooks, slash commands), with the internal-address rule.
    pub outbound: crate::outbound::Outbound,
    /// The outgoing-webhook delivery queue, fed after each post commits.
    pub outgoing: crate::outgoing::Dispatcher,
    /// Slash-command state: pending delayed echoes, the trigger-id key.
    pub commands: crate::commands::State,
    /// Live incoming webhooks by id: `POST /hooks/{id}` finds its hook without a database read.
    pub incoming_hooks: crate::hooks::HookCache,
    /// Rows every post reads (channel, author, membership, outgoing hooks), kept in memory.
    pub cached: crate::cache::Cached,
    /// The WebSocket hub: its event loop owns every upgraded socket (`ws`).
    pub ws: crate::ws::Hub,
    pub shutting_down: AtomicBool,
    /// The settings as `PUT /api/v4/config` last saved them (the running ones until then;
    /// a restart applies them). The lock also keeps two saves from interleaving.
    pub saved_config: std::sync::Mutex<Config>,
    /// Threads running slow work for requests (`http::off_worker`).
    pub off_worker: std::sync::atomic::AtomicUsize,
    /// The app itself, for work that outlives a request's borrow (`App::shared`).
    this: std::sync::Weak<App>,
}

impl App {
    /// The app as an `Arc`, for a thread that finishes a request's work after its worker
    /// moved on (a slash command's call). `None` only while the app is being dropped.
    pub fn shared(&self) -> Option<Arc<App>> {
        self.this.upgrade()
    }
}

/// Everything a handler may use, built by the worker for one request.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub db: &'a Reader,
    pub request_id: &'a str,
}

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
    server: crate::http::Listener,
    workers: Vec<JoinHandle<()>>,
    /// Outgoing-webhook delivery threads, stopped after the HTTP workers.
    background: Vec<JoinHandle<()>>,
    janitor: Janitor,
}

impl Running {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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
        self.app.outgoing.stop();
        self.app.ws.stop();
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

/// Stops a running server from another thread.
pub struct Stopper {
    app: Arc<App>,
    server: crate::http::Listener,
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
    let addr = config
        .listen_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let db_path = config.db_path();
    let store = Store::open(&db_path)
        .map_err(|e| StartError(format!("database {}: {e}", db_path.display())))?;
    let server = crate::http::Listener::bind(addr, &config)
        .map_err(|e| StartError(format!("cannot listen on {addr}: {e}")))?;
    let bound = server
        .addr()
        .ok_or_else(|| StartError("listener has no IP address".into()))?;
    let site_url = if config.service.site_url.is_empty() {
        let host = if bound.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            bound.ip().to_string()
        };
        format!("http://{host}:{}", bound.port())
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
    let limits = crate::http::limits::Limits::new(&config);
    let outbound = crate::outbound::Outbound::new(&config);
    let outgoing = crate::outgoing::Dispatcher::new(config.perch.outgoing_queue_size as usize);
    let ws = crate::ws::Hub::new(config.perch.web_socket_max_connections.max(0) as usize)
        .map_err(|e| StartError(format!("cannot set up the WebSocket loop: {e}")))?;
    let saved_config = std::sync::Mutex::new(config.clone());
    let app = Arc::new_cyclic(|this| App {
        config: Arc::new(config),
        saved_config,
        store,
        hasher,
        sessions: crate::auth::SessionCache::default(),
        version_id,
        site_url,
        limits,
        outbound,
        outgoing,
        commands: crate::commands::State::new(),
        incoming_hooks: crate::hooks::HookCache::default(),
        cached: crate::cache::Cached::default(),
        ws,
        shutting_down: AtomicBool::new(false),
        off_worker: std::sync::atomic::AtomicUsize::new(0),
        this: this.clone(),
    });
    crate::commands::timer::spawn(&app)
        .map_err(|e| StartError(format!("cannot start the commands timer: {e}")))?;
    let janitor = crate::janitor::spawn(app.clone())
        .map_err(|e| StartError(format!("cannot start the janitor thread: {e}")))?;
    // Started first, so they resume deliveries left pending by the previous run.
    let background = crate::outgoing::dispatcher::spawn(&app)
        .map_err(|e| StartError(format!("cannot start outgoing webhook threads: {e}")))?;
    let started = crate::ws::Hub::start(&app)
        .map_err(|e| format!("cannot start the WebSocket loop: {e}"))
        .and_then(|()| {
            crate::http::spawn_workers(app.clone(), &server, workers)
                .map_err(|e| format!("cannot start worker threads: {e}"))
        });
    let handles = match started {
        Ok(h) => h,
        Err(e) => {
            app.ws.stop();
            app.outgoing.stop();
            for t in background {
                let _ = t.join();
            }
            return Err(StartError(e));
        }
    };
    log::info!("listening on http://{bound}");
    Ok(Running {
        addr: bound,
        app,
        server,
        workers: handles,
        background,
        janitor,
    })
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
