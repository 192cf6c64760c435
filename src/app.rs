//! `App`, the state every handler shares, and `Ctx`, what a handler gets for one request.
//! Built by `server::start`; domain code (`posting`, `permissions`, `commands`, …) takes
//! them, so everything `App` holds comes from modules below this one.

use crate::config::Config;
use crate::error::ApiError;
use crate::http::Resp;
use crate::password::PasswordHasherPool;
use crate::store::{Reader, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

/// Everything handlers share. Built once per server; no globals, so tests run many servers.
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub hasher: PasswordHasherPool,
    /// Resolved sessions and access tokens (invalidated through the store's auth generation).
    pub sessions: crate::cache::SessionCache,
    /// `X-Version-Id`: `<mattermost version>.<build>.<config hash>.<licensed>`.
    pub version_id: String,
    /// The base URL clients reach us at (SiteURL, or derived from the bound address).
    pub site_url: String,
    pub limits: crate::http::limits::Limits,
    /// The only HTTP client (outgoing webhooks, slash commands), with the internal-address rule.
    pub outbound: crate::outbound::Outbound,
    /// The outgoing-webhook delivery queue, fed after each post commits.
    pub outgoing: crate::queue::DeliveryQueue,
    /// Delayed `/echo` posts, fired by the `commands-timer` thread.
    pub echoes: Arc<crate::queue::Delayed<crate::model::post::NewPost>>,
    /// Interactive messages: the keys that sign trigger ids and seal cookies, and which
    /// integration recent trigger ids and opened dialogs belong to.
    pub interactive: crate::interactive::State,
    /// Live incoming webhooks by id: `POST /hooks/{id}` finds its hook without a database read.
    pub incoming_hooks: crate::cache::HookCache,
    /// Rows every post reads (channel, author, membership, outgoing hooks), kept in memory.
    pub cached: crate::cache::Cached,
    /// The WebSocket hub: its event loop owns every upgraded socket (`ws`).
    pub ws: crate::ws::Hub,
    /// The official Mattermost web app, when `PerchSettings.WebappDirectory` names one.
    pub webapp: Option<crate::webapp::Webapp>,
    /// Uploaded files: storage, the image queue.
    pub files: crate::files::Files,
    pub shutting_down: AtomicBool,
    /// The settings as `PUT /api/v4/config` last saved them (the running ones until then;
    /// a restart applies them). The lock also keeps two saves from interleaving.
    pub saved_config: std::sync::Mutex<Config>,
    /// Threads running slow work for requests (`off_worker`).
    pub off_worker: std::sync::atomic::AtomicUsize,
    /// The app itself, for work that outlives a request's borrow (`App::shared`).
    pub(crate) this: std::sync::Weak<App>,
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
    /// An `Arc`, so work that outlives the request (a write's continuation) can keep it.
    pub app: &'a Arc<App>,
    pub db: &'a Reader,
    pub request_id: &'a str,
}

/// Slow work (an outside URL, password hashing) running on threads of its own, per server;
/// beyond this, it runs on the worker that received the request.
const MAX_OFF_WORKER: usize = 64;

/// Runs `work` on a thread of its own and answers the request from there, so slow work holds
/// no HTTP worker (with few workers, a handful of slow calls would otherwise stall the server).
/// Returns the placeholder answer to give back to the router.
pub fn off_worker(
    app: &App,
    name: &str,
    work: impl FnOnce(&App) -> Result<Resp, ApiError> + Send + 'static,
) -> Result<Resp, ApiError> {
    /// One thread counted in `App::off_worker`, until it ends (also by a panic).
    struct Counted(Arc<App>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.off_worker.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let Some(shared) = app.shared() else {
        return work(app);
    };
    if shared.off_worker.fetch_add(1, Ordering::SeqCst) >= MAX_OFF_WORKER {
        drop(Counted(shared));
        return work(app);
    }
    let counted = Counted(shared);
    let (resp, answer) = Resp::later();
    let spawned = thread::Builder::new().name(name.into()).spawn(move || {
        let done = work(&counted.0);
        drop(counted);
        answer.complete(move || done);
    });
    if let Err(e) = spawned {
        // The work, its answer and the count went with the failed spawn.
        return Err(ApiError::internal(format!("cannot start a thread: {e}")));
    }
    Ok(resp)
}
