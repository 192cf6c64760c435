//! Attached files both ways. An export names each post's live files in its `attachments` (the
//! path each has in the file store, under `data/` in the zip, as Mattermost's own exports lay
//! them out) and copies them into the zip after the JSONL.
//!
//! An import takes them as Mattermost's importer does: each `attachments[].path`
//! of a post or reply is read from the zip's `data/` folder and stored as if the post's author
//! had uploaded it to the post's channel at the post's time; the file's row is written in the
//! import's transaction and the post lists it in `file_ids`. A file missing from the zip or
//! refused (too large, a bad name, an image over the resolution limit) is left out and
//! reported, the post is still imported. A post that has files already keeps them, so a second
//! run adds none. Files stored by an import that does not commit are removed again.
//!
//! Profile pictures go the same way: a user's uploaded picture (`users/<id>/profile.png` in the
//! store) is the user line's `profile_image`, and an import makes it the user's picture.

use super::archive::{Source, Writer};
use super::export::{Failure, Summary};
use super::format::Attachment;
use super::import::Report;
use super::validate::Problem;
use crate::config::Config;
use crate::files::{self, Files, Incoming};
use crate::model::file_info::FileInfo;
use crate::model::post::Post;
use crate::store::export::Snapshot;
use crate::store::{self, import as sql, Conn};
use std::fs::File;
use std::path::Path;

/// The post a list of attachments belongs to.
pub(super) struct Owner<'a> {
    pub id: &'a str,
    pub channel_id: &'a str,
    pub user_id: &'a str,
    pub create_at: i64,
}

/// Where an import's files come from and go to.
pub(super) struct Attacher {
    archive: Option<zip::ZipArchive<File>>,
    files: Files,
    dry_run: bool,
    /// Files this import stored (removed again when it does not commit).
    placed: Vec<FileInfo>,
    /// Profile pictures this import stored (likewise).
    pictures: Vec<String>,
    max_size: u64,
    max_pixels: u64,
}

impl Attacher {
    pub(super) fn new(source: &Source, config: &Config, dry_run: bool) -> Result<Attacher, String> {
        Ok(Attacher {
            archive: source.archive()?,
            files: Files::new(config),
            dry_run,
            placed: Vec::new(),
            pictures: Vec::new(),
            max_size: config.files.max_file_size.max(0) as u64,
            max_pixels: config.files.max_image_resolution.max(0) as u64,
        })
    }

    /// Gives a user the profile picture a `profile_image` names (under `data/` in the zip),
    /// made a 128-pixel PNG as an upload from the profile settings is. A user who has a picture
    /// keeps it (so a second run changes nothing); one missing from the zip or that is no
    /// image is left out and reported.
    pub(super) fn picture(
        &mut self,
        c: &Conn,
        user: &crate::model::user::User,
        path: &str,
        now: i64,
        report: &mut Report,
    ) -> Result<(), Problem> {
        if user.last_picture_update > 0 {
            report.note("profile images kept: the user has a picture already");
            return Ok(());
        }
        let Some(archive) = self.archive.as_mut() else {
            report.note("profile images skipped: a bare JSONL carries no files");
            return Ok(());
        };
        let Ok(mut entry) = archive.by_name(&format!("data/{}", path.trim_start_matches('/')))
        else {
            report.note("profile images missing from the zip: left out");
            return Ok(());
        };
        if self.dry_run {
            report.pictures += 1;
            return Ok(());
        }
        let storage = &self.files.storage;
        let png = match storage.receive(&mut entry, self.max_size) {
            Ok(received) => files::images::profile_picture(received.tmp_path(), self.max_pixels),
            Err(_) => {
                report.note("profile images too large or unreadable: left out");
                return Ok(());
            }
        };
        let Ok(png) = png else {
            report.note("profile images that are no image Perch reads: left out");
            return Ok(());
        };
        let rel = format!("users/{}/profile.png", user.id);
        storage.write_small(&rel, &png).map_err(|e| {
            Problem::new(
                "app.import.import_user.save_profile_image.error",
                format!("storing {rel}: {e}"),
            )
        })?;
        self.pictures.push(rel);
        store::users::set_last_picture_update(c, &user.id, now, now).map_err(db)?;
        report.pictures += 1;
        Ok(())
    }

    /// Stores the files of one post and attaches them to it.
    pub(super) fn attach(
        &mut self,
        c: &Conn,
        post: &Owner,
        list: Option<&[Attachment]>,
        report: &mut Report,
    ) -> Result<(), Problem> {
        let list = match list {
            Some(l) if !l.is_empty() => l,
            _ => return Ok(()),
        };
        let have = store::files::for_post(c, post.id, false).map_err(db)?;
        if !have.is_empty() {
            report.note_n(
                "attached files kept: the post has its files already",
                list.len(),
            );
            return Ok(());
        }
        let Some(archive) = self.archive.as_mut() else {
            report.note_n(
                "attached files skipped: a bare JSONL carries no files",
                list.len(),
            );
            return Ok(());
        };
        let mut ids = Vec::new();
        for a in list {
            let path = a.path.as_deref().unwrap_or("").trim_start_matches('/');
            let Ok(mut entry) = archive.by_name(&format!("data/{path}")) else {
                report.note("attached files missing from the zip: left out");
                continue;
            };
            if self.dry_run {
                report.files += 1;
                continue;
            }
            let to = Incoming {
                channel_id: post.channel_id,
                creator_id: post.user_id,
                raw_name: path,
            };
            let mut info =
                match self
                    .files
                    .receive(to, files::Source::Stream(&mut entry), post.create_at)
                {
                    Ok(placed) => placed.info,
                    Err(e) if e.status < 500 => {
                        report.note(format!("attached files refused ({}): left out", e.id));
                        continue;
                    }
                    Err(e) => {
                        return Err(Problem::new(
                            "app.import.attachment.file_upload.error",
                            format!(
                                "storing {path}: {}",
                                e.cause.as_deref().unwrap_or(&e.message)
                            ),
                        ))
                    }
                };
            info.post_id = post.id.to_string();
            self.placed.push(info.clone());
            store::files::insert(c, &info, !info.thumbnail_path.is_empty()).map_err(db)?;
            ids.push(info.id);
            report.files += 1;
        }
        if !ids.is_empty() {
            sql::set_file_ids(c, post.id, &ids).map_err(db)?;
        }
        Ok(())
    }

    /// Removes the files this import stored: its transaction did not commit.
    pub(super) fn discard(&self) {
        self.files.discard_infos(&self.placed);
        for rel in &self.pictures {
            self.files.storage.remove_dir_of(rel);
        }
    }
}

/// A post's live files that are in the store, as `attachments` (their paths under `data/`,
/// which are where they are in the store, as in Mattermost's own export); each is added to
/// `attached`. One missing from the store is left out with a warning.
pub(super) fn attachments(
    snap: &Snapshot,
    files: &Path,
    post: &Post,
    attached: &mut Vec<String>,
    sum: &mut Summary,
) -> Result<Option<Vec<Attachment>>, Failure> {
    if post.file_ids.is_empty() {
        return Ok(None);
    }
    let mut list = Vec::new();
    for f in snap.post_files(&post.id)? {
        if !crate::transfer::archive::is_safe_path(&f.path) || !files.join(&f.path).is_file() {
            sum.warnings.push(format!(
                "file {} ({}) of post {}: not in the file store: left out",
                f.id, f.name, post.id
            ));
            continue;
        }
        attached.push(f.path.clone());
        list.push(Attachment { path: Some(f.path) });
    }
    Ok((!list.is_empty()).then_some(list))
}

/// The user's profile picture, if they uploaded one and it is in the store, as a
/// `profile_image` path (added to the files the zip carries).
pub(super) fn profile_image(
    files: &Path,
    user: &crate::model::user::User,
    sum: &mut Summary,
) -> Option<String> {
    if user.last_picture_update <= 0 {
        return None;
    }
    let path = format!("users/{}/profile.png", user.id);
    if !files.join(&path).is_file() {
        sum.warnings.push(format!(
            "profile picture of {}: not in the file store: left out",
            user.username
        ));
        return None;
    }
    sum.files.push(path.clone());
    Some(path)
}

/// Copies the attached files into the zip under `data/`, after the JSONL. A file that
/// cannot be read any more is reported (the importer leaves such an attachment out).
pub(super) fn copy_files(files: &Path, zip: &mut Writer, sum: &mut Summary) -> Result<(), Failure> {
    for path in std::mem::take(&mut sum.files) {
        let mut f = match std::fs::File::open(files.join(&path)) {
            Ok(f) => f,
            Err(e) => {
                sum.warnings
                    .push(format!("file {path}: cannot be read ({e}): not in the zip"));
                continue;
            }
        };
        let w = zip.start(&format!("data/{path}"))?;
        std::io::copy(&mut f, w)?;
    }
    Ok(())
}

fn db(e: store::StoreError) -> Problem {
    Problem::new("app.import.bulk_import.db.error", format!("database: {e}"))
}
