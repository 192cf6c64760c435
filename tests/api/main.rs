//! The API integration tests: one crate, one module per resource, each test starting its own
//! server on an ephemeral port with a temp data dir.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected values")]

mod common;

mod accounts;
mod authz;
mod avatars;
mod bots;
mod burst;
mod channel_browse;
mod channels;
mod commands;
mod contract;
mod files;
mod flood;
mod fuzz;
mod hook_files;
mod incoming_hooks;
mod integrations_e2e;
mod interactive;
mod limits;
mod outgoing_hooks;
mod pins_saves;
mod posts;
mod reactions;
mod real_clients;
mod real_clients_bots;
mod real_clients_ws;
mod real_senders;
mod search;
mod stall;
mod system;
mod teams;
mod tls;
mod tokens;
mod transfer;
mod transfer_attachments;
mod transfer_files;
mod unreads;
mod user_patch;
mod users;
mod web;
mod webapp;
mod websocket;
mod ws_changes;
