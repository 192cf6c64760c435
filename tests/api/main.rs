//! The API integration tests: one crate, one module per resource, each test starting its own
//! server on an ephemeral port with a temp data dir.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected values")]

mod common;

mod burst;
mod channels;
mod incoming_hooks;
mod posts;
mod system;
mod teams;
mod users;
