//! The way out and the way in: `perch export` writes the database as a Mattermost bulk-import
//! zip, `perch import` reads one (made by `mmctl export create`, or by `perch export` on
//! another Perch). The format is Mattermost's (`docs/spec/bulk-import.md`); what it has no line
//! for travels in `perch-integrations.json` beside the JSONL.
//!
//! - `format.rs`: the line types; `validate.rs`: the importer's field rules and error ids;
//!   `archive.rs`: the zip or JSONL container, streamed line by line;
//! - `export.rs`: one snapshot → the archive; `manifest.rs`: the integrations file;
//! - `import.rs`: pass 1 (check every line) and the driver; `apply.rs`: pass 2 (write, one
//!   transaction); `attach.rs`: the posts' attached files; `restore.rs`: the manifest's part
//!   of pass 2.
//!
//! SQL lives in `store/export.rs` and `store/import.rs`.

pub mod apply;
pub mod archive;
mod attach;
pub mod export;
pub mod format;
pub mod import;
pub mod manifest;
pub mod restore;
pub mod validate;
