//! Property tests of the parsers that see outside bytes, called directly: form and query
//! decoding, multipart bodies, media types, the incoming-webhook body decoder, Slack markup and
//! attachments, every built-in translator (on mutated real payloads and on noise), source
//! detection and signature checks, templates, slash-command lines.
//!
//! Invariant for every input: no panic, and bounded time and memory (`bounded`, measured by
//! the counting allocator in `budget.rs`). Cases are drawn from a fixed seed, so a run is
//! reproducible; `scripts/fuzz` runs the same properties with a fresh seed and many more cases
//! (`PERCH_FUZZ_SEED`, `PERCH_FUZZ_CASES`). The same properties through a real server are in
//! `tests/api/fuzz.rs`.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected values")]

mod budget;
mod corpus;
mod gen;
mod parsers;
mod translators;
