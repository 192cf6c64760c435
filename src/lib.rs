//! Perch: a single-binary server speaking Mattermost's REST API v4 for integrations.
//!
//! `start(config)` is the whole server: the binary calls it once, tests call it many times
//! in one process (there is no global state).

#![recursion_limit = "256"]

pub mod accounts;
pub mod actions;
pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod channels;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dispatcher;
pub mod error;
pub mod file_jobs;
pub mod files;
pub mod form;
pub mod hooks;
pub mod http;
pub mod integrations;
pub mod interactive;
pub mod janitor;
pub mod logging;
pub mod model;
pub mod outbound;
pub mod outgoing;
pub mod password;
pub mod permissions;
pub mod posting;
pub mod queue;
pub mod server;
pub mod slack;
pub mod static_files;
pub mod store;
pub mod transfer;
pub mod webapp;
pub mod ws;
pub mod ws_loop;

pub use config::Config;
pub use server::{start, ConfigAnnouncer, Running, StartError};

/// The Perch release, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Mattermost server version we present to clients (`X-Version-Id`, client config).
/// The mobile app refuses servers below 9.11.0; we implement the 10.x API surface.
pub const MM_VERSION: &str = "10.11.0";
