//! The API integration tests: one crate, one module per resource, each test starting its own
//! server on an ephemeral port with a temp data dir.

// Helpers outside #[test] functions may unwrap too: a test should fail loudly.
#![allow(clippy::unwrap_used, reason = "test code fails loudly by design")]

mod common;

mod accounts;
mod authz;
mod bots;
mod burst;
mod channels;
mod limits;
mod posts;
mod real_clients_bots;
mod system;
mod teams;
mod tokens;
mod users;
