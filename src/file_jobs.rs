//! The `files-images` thread: the thumbnails, previews and mini previews of uploaded images,
//! made off the request path (from the queue `Files` feeds after each commit, and from the
//! database for those left pending, e.g. by a restart), and the hourly sweep of orphaned files.
//! Above `App` (it holds only a weak reference to it, so it ends with the server).

use crate::app::App;
use crate::files::images;
use crate::model::file_info::FileInfo;
use crate::store;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the image thread looks for pending images left in the database.
const IMAGE_SCAN_EVERY: Duration = Duration::from_secs(60);
/// How often orphans are swept, and how old an orphan must be to go.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const SWEEP_GRACE: Duration = Duration::from_secs(3600);

/// Starts the thread; it ends after `Files::stop` (or when the app is gone).
pub fn spawn(app: &Arc<App>) -> std::io::Result<JoinHandle<()>> {
    let rx = app.files.take_queue();
    let weak = Arc::downgrade(app);
    thread::Builder::new()
        .name("files-images".into())
        .spawn(move || {
            if let Some(rx) = rx {
                image_loop(&weak, &rx);
            }
        })
}

/// The image thread: jobs from uploads, a database scan for pending images at start and every
/// `IMAGE_SCAN_EVERY`, and the orphan sweep every `SWEEP_EVERY`.
fn image_loop(app: &Weak<App>, rx: &Receiver<FileInfo>) {
    let mut last_scan = Instant::now();
    let mut last_sweep: Option<Instant> = None;
    let mut scan = true;
    loop {
        if scan {
            let Some(app) = app.upgrade() else { return };
            scan_pending(&app);
            if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
                sweep(&app);
                last_sweep = Some(Instant::now());
            }
            last_scan = Instant::now();
            scan = false;
        }
        let wait = IMAGE_SCAN_EVERY.saturating_sub(last_scan.elapsed());
        match rx.recv_timeout(wait) {
            Ok(job) => {
                let Some(app) = app.upgrade() else { return };
                make_images(&app, &job);
            }
            Err(RecvTimeoutError::Timeout) => scan = true,
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Makes the images of files the database still lists as pending.
fn scan_pending(app: &App) {
    let pending = app
        .store
        .reader()
        .and_then(|db| store::files::images_pending(&db, 100));
    match pending {
        Ok(files) => {
            for f in files {
                if app.shutting_down.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                make_images(app, &f);
            }
        }
        Err(e) => log::warn!("files: cannot list pending images: {e}"),
    }
}

/// Makes and stores one file's thumbnail, preview and mini preview, then records it. A file
/// that cannot be decoded loses its preview flag; either way it is no longer pending.
fn make_images(app: &App, f: &FileInfo) {
    let storage = &app.files.storage;
    let made = storage
        .abs(&f.path)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            images::make(
                &p,
                &f.mime_type,
                app.config.files.max_image_resolution.max(0) as u64,
            )
        });
    let (mini, ok) = match made {
        Ok(m) => {
            let written = storage
                .write_small(&f.thumbnail_path, &m.thumbnail)
                .and_then(|()| storage.write_small(&f.preview_path, &m.preview));
            match written {
                Ok(()) => (m.mini_preview, true),
                Err(e) => {
                    log::warn!("files: cannot write the images of {}: {e}", f.id);
                    (None, false)
                }
            }
        }
        Err(why) => {
            log::info!("files: no preview for {}: {why}", f.id);
            (None, false)
        }
    };
    let id = f.id.clone();
    let done = app
        .store
        .write(move |c| store::files::images_done(c, &id, mini.as_deref(), ok));
    if let Err(e) = done {
        log::warn!("files: cannot record the images of {}: {e}", f.id);
    }
}

/// Removes orphaned files (no row) and stale temporary files older than `SWEEP_GRACE`.
fn sweep(app: &App) {
    let db = match app.store.reader() {
        Ok(db) => db,
        Err(e) => {
            log::warn!("files: sweep: {e}");
            return;
        }
    };
    let mut has_row =
        |id: &str| store::files::exists(&db, id).map_err(|e| std::io::Error::other(e.to_string()));
    match app.files.storage.sweep(SWEEP_GRACE, &mut has_row) {
        Ok(0) => {}
        Ok(n) => log::info!("files: swept {n} orphaned files"),
        Err(e) => log::warn!("files: sweep: {e}"),
    }
}
