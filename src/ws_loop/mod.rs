//! The `ws-loop` thread behind `ws::Hub` (`docs/spec/websocket.md`): one `mio` event loop owns
//! every upgraded socket, reads client frames (tungstenite), answers actions, pings, enforces the
//! timeouts, and writes events, each socket once per batch.
//!
//! - `upgrade.rs`: the HTTP side (handshake checks, Origin, auth, the connection limit).
//! - `event_loop.rs`: sockets, timers, the queue; `deliver.rs`: who gets an event;
//!   `actions.rs`: client requests and their replies.

mod actions;
mod deliver;
mod event_loop;
pub mod upgrade;

use crate::app::App;
use std::sync::Arc;

/// Starts the event loop thread on `app.ws`.
pub fn start(app: &Arc<App>) -> std::io::Result<()> {
    let loop_app = app.clone();
    app.ws
        .start(move |shared, poll| event_loop::run(loop_app, shared, poll))
}
