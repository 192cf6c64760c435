//! Uploaded files: receiving them (streamed to disk, never held in memory), their rows,
//! attaching them to posts, the image queue, and public-link hashes. The HTTP side is
//! `api/files.rs` (and `hooks/files.rs` for files sent to a webhook); the SQL is
//! `store/files.rs`; the `files-images` thread that makes thumbnails and previews off the
//! request path and sweeps orphans is `file_jobs.rs` (above `App`, which holds `Files`).
//!
//! A file becomes visible in two steps: `receive` streams it to a temporary file, fsyncs it and
//! renames it into its final place (`Placed`), then `commit` writes the rows in one
//! transaction. A crash in between leaves a file nobody points to, which the sweep removes.

pub mod images;
pub mod mime;
pub mod multipart;
pub mod storage;

use crate::config::{Config, FileSettings};
use crate::error::ApiError;
use crate::model::file_info::FileInfo;
use crate::model::new_id;
use crate::store::{self, Reader, Store};
use std::io::Read;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Mutex;
pub use storage::Storage;

/// Image jobs waiting in memory; beyond this they wait in the database (`images_pending`).
const IMAGE_QUEUE: usize = 256;

/// The file service in `App`: the store, the settings, the image queue.
pub struct Files {
    pub storage: Storage,
    pub settings: FileSettings,
    images: Mutex<Option<SyncSender<FileInfo>>>,
    queue: Mutex<Option<Receiver<FileInfo>>>,
}

impl Files {
    pub fn new(config: &Config) -> Files {
        let (tx, rx) = mpsc::sync_channel(IMAGE_QUEUE);
        Files {
            storage: Storage::new(config.files_dir()),
            settings: config.files.clone(),
            images: Mutex::new(Some(tx)),
            queue: Mutex::new(Some(rx)),
        }
    }

    /// The image queue's receiving end, for the `files-images` thread (once).
    pub fn take_queue(&self) -> Option<Receiver<FileInfo>> {
        lock(&self.queue).take()
    }

    /// Ends the image thread once its current job is done.
    pub fn stop(&self) {
        lock(&self.images).take();
    }

    /// What follows the commit of new file rows (in any write): their images are handed to
    /// the image thread (never blocking: a full queue leaves them to its next database scan).
    pub fn after_commit(&self, infos: &[FileInfo]) {
        let guard = lock(&self.images);
        let Some(tx) = guard.as_ref() else { return };
        for f in infos.iter().filter(|f| !f.thumbnail_path.is_empty()) {
            if let Err(TrySendError::Full(_)) = tx.try_send(f.clone()) {
                log::debug!("files: image queue full, {} waits for the scan", f.id);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A file in its final place whose row is not written yet.
#[derive(Debug)]
pub struct Placed {
    pub info: FileInfo,
}

/// Where a file's bytes come from.
pub enum Source<'a> {
    /// A stream (a multipart part).
    Stream(&'a mut dyn Read),
    /// A whole file (a raw upload's spooled body, positioned at its start).
    File(&'a std::fs::File),
}

/// Who uploads what, where.
pub struct Incoming<'a> {
    pub channel_id: &'a str,
    pub creator_id: &'a str,
    /// The name as the client sent it (only its base name is kept).
    pub raw_name: &'a str,
}

/// `403 api.file.attachments.disabled.app_error`: `FileSettings.EnableFileAttachments` is off.
pub fn disabled() -> ApiError {
    ApiError::forbidden(
        "api.file.attachments.disabled.app_error",
        "File attachments have been disabled on this server.",
    )
}

/// `413 api.file.upload_file.too_large_detailed.app_error`.
pub fn too_large(name: &str, limit: i64) -> ApiError {
    let what = if name.is_empty() {
        "the file".to_string()
    } else {
        format!("file {name}")
    };
    ApiError::new(
        413,
        "api.file.upload_file.too_large_detailed.app_error",
        format!("Unable to upload {what}. {limit} bytes is the maximum size of a file."),
    )
}

/// `400 api.file.upload_file.read_request.app_error`.
pub fn bad_request(detail: impl Into<String>) -> ApiError {
    ApiError::bad_request(
        "api.file.upload_file.read_request.app_error",
        "Unable to read the file upload request.",
    )
    .with_detail(detail)
}

/// The base name of a client's file name, as Go's `filepath.Base` takes it (the text after the
/// last `/`); names that are no file name (`.`, `..`, empty, too long for a file system, with
/// NUL) are refused.
pub fn base_name(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or("");
    if base.is_empty() || base == "." || base == ".." || base.contains('\0') || base.len() > 255 {
        return Err(ApiError::bad_request(
            "api.file.upload_file.invalid_name.app_error",
            "Invalid file name.",
        )
        .with_detail(format!("name={raw:?}")));
    }
    Ok(base.to_string())
}

impl Files {
    /// Streams one file into storage: at most `FileSettings.MaxFileSize` bytes, fsynced and in its
    /// final place when this returns. Images are probed (dimensions only; the resolution limit
    /// applies). The row is written later, by `commit`.
    pub fn receive(&self, to: Incoming, src: Source, now: i64) -> Result<Placed, ApiError> {
        let cfg = &self.settings;
        let name = base_name(to.raw_name)?;
        let limit = cfg.max_file_size.max(0) as u64;
        let storage = &self.storage;
        let received = match src {
            Source::Stream(r) => storage.receive(r, limit),
            Source::File(f) => storage.receive_file(f, limit),
        }
        .map_err(|e| match e {
            storage::ReceiveError::TooLarge => too_large(&name, cfg.max_file_size),
            storage::ReceiveError::Source(e) => bad_request(e.to_string()),
            storage::ReceiveError::Disk(e) => ApiError::internal(format!("writing a file: {e}")),
        })?;
        let extension = mime::extension(&name);
        let mime_type = mime::type_for(&extension).to_string();
        let id = new_id();
        let dir = Storage::dir_for(&storage::day_of(now), to.channel_id, to.creator_id, &id);
        let mut info = FileInfo {
            id,
            creator_id: to.creator_id.to_string(),
            channel_id: to.channel_id.to_string(),
            create_at: now,
            update_at: now,
            path: format!("{dir}{name}"),
            size: received.size as i64,
            name,
            extension,
            mime_type,
            ..Default::default()
        };
        if mime::is_previewable_image(&info.mime_type) {
            if let Some(p) = images::probe(received.tmp_path(), &info.mime_type) {
                info.width = i64::from(p.width);
                info.height = i64::from(p.height);
                if info.width * info.height > cfg.max_image_resolution {
                    return Err(ApiError::bad_request(
                        "api.file.upload_file.large_image_detailed.app_error",
                        format!(
                            "{} dimensions ({} by {} pixels) exceed the limits.",
                            info.name, info.width, info.height
                        ),
                    ));
                }
                // Animated or not, GIFs get no preview flag (as in Mattermost); their images are
                // still made, for mobile clients.
                info.has_preview_image = info.mime_type != "image/gif";
                let stem = info.name.rsplit_once('.').map_or(&*info.name, |(s, _)| s);
                let ext = images::derived_extension(&info.mime_type);
                info.thumbnail_path = format!("{dir}{stem}_thumb.{ext}");
                info.preview_path = format!("{dir}{stem}_preview.{ext}");
            }
        }
        self.storage
            .place(received, &info.path)
            .map_err(|e| ApiError::internal(format!("placing a file: {e}")))?;
        Ok(Placed { info })
    }

    /// Removes placed files whose rows will not be written.
    pub fn discard(&self, placed: &[Placed]) {
        for p in placed {
            self.storage.remove_dir_of(&p.info.path);
        }
    }

    /// Removes stored files (by their infos) whose rows were not written.
    pub fn discard_infos(&self, infos: &[FileInfo]) {
        for f in infos {
            self.storage.remove_dir_of(&f.path);
        }
    }

    /// Writes the rows of placed files in one transaction and queues their images. On failure the
    /// files are removed again.
    pub fn commit(&self, store: &Store, placed: Vec<Placed>) -> Result<Vec<FileInfo>, ApiError> {
        let infos: Vec<FileInfo> = placed.iter().map(|p| p.info.clone()).collect();
        let written = store.write(move |c| {
            for f in &infos {
                store::files::insert(c, f, !f.thumbnail_path.is_empty())?;
            }
            Ok::<_, ApiError>(infos)
        });
        match written {
            Ok(infos) => {
                self.after_commit(&infos);
                Ok(infos)
            }
            Err(e) => {
                self.discard(&placed);
                Err(e)
            }
        }
    }
}

/// Attaches files to a new post inside its write: each must be one of `creators`' files,
/// unattached and uploaded to the post's channel (the checks were made before the write;
/// this re-checks them atomically). A file attached elsewhere meanwhile fails the write
/// (`400 api.context.invalid_param.app_error`, `file_ids`).
pub fn attach_in_write(
    c: &store::Conn,
    post_id: &str,
    channel_id: &str,
    file_ids: &[String],
    creators: &[&str],
    now: i64,
) -> Result<(), ApiError> {
    for id in file_ids {
        if !store::files::attach(c, id, post_id, channel_id, creators, now)? {
            return Err(ApiError::invalid_param("file_ids")
                .with_detail(format!("file {id} was attached to another post meanwhile")));
        }
    }
    Ok(())
}

/// The files among `ids` that a post by one of `creators` in `channel_id` may attach: live,
/// unattached, uploaded to that channel by one of them (others are left out, as Mattermost
/// leaves them out of the post). Order kept, duplicates dropped, at most `MAX_POST_FILES`.
pub fn attachable(
    db: &store::Conn,
    ids: &[String],
    channel_id: &str,
    creators: &[&str],
) -> Result<Vec<FileInfo>, ApiError> {
    let mut out: Vec<FileInfo> = Vec::new();
    for id in ids {
        if out.len() == MAX_POST_FILES || out.iter().any(|f| &f.id == id) {
            continue;
        }
        if !crate::model::is_valid_id(id) {
            continue;
        }
        if let Some(f) = store::files::find(db, id)? {
            if f.post_id.is_empty()
                && f.channel_id == channel_id
                && creators.contains(&f.creator_id.as_str())
            {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// Whose uploads an integration's answer may attach: the integration's owner (who created the
/// outgoing webhook or slash command) and the owner's active bots, which is how integrations
/// usually upload (`POST /api/v4/files` with a bot token). Empty for no owner.
pub fn integration_creators(db: &store::Conn, owner_id: &str) -> Result<Vec<String>, ApiError> {
    if owner_id.is_empty() {
        return Ok(Vec::new());
    }
    let mut creators = vec![owner_id.to_string()];
    creators.extend(store::bots::list_active_ids_for_owner(db, owner_id)?);
    Ok(creators)
}

/// Files per post: Mattermost keeps `file_ids` under 300 characters, which is 10 ids.
pub const MAX_POST_FILES: usize = 10;

/// A public link's `h`: SHA-256 of the salt then the file id, URL-safe base64 without padding
/// (Mattermost's `GeneratePublicLinkHash`).
pub fn public_link_hash(salt: &str, file_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(file_id.as_bytes());
    crate::model::file_info::base64_url(&h.finalize())
}

/// The salt for public links: `FileSettings.PublicLinkSalt`, else the one made for this
/// database at its creation.
pub fn public_link_salt(settings: &FileSettings, db: &Reader) -> Result<String, ApiError> {
    if !settings.public_link_salt.is_empty() {
        return Ok(settings.public_link_salt.clone());
    }
    store::files::system_value(db, "PublicLinkSalt")?
        .ok_or_else(|| ApiError::internal("no public link salt"))
}
