//! Profile pictures (mattermost `api4/user.go`): `GET /api/v4/users/{user_id}/image` serves
//! the uploaded picture, or a generated default (a PNG: a light head-and-shoulders figure on a
//! colour picked from the user id) for users who never uploaded one; `POST` takes a new one
//! (multipart, part `image`), stored as Mattermost stores it (`users/<id>/profile.png`, a
//! 128×128 PNG cropped to the centre); `DELETE` goes back to the default.

use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::files::images::{self, ProfileError};
use crate::files::multipart::{self, Multipart};
use crate::files::storage::ReceiveError;
use crate::http::{Req, Resp};
use crate::model::now_ms;
use crate::model::session::Session;
use crate::model::user::{User, Viewer};
use crate::permissions;
use crate::store;
use sha2::{Digest, Sha256};

const SIZE: u32 = 128;

fn user_not_found() -> ApiError {
    ApiError::not_found("app.user.missing_account.const", "Unable to find the user.")
}

/// Where a user's uploaded picture lives under `FileSettings.Directory`.
fn picture_path(user_id: &str) -> String {
    format!("users/{user_id}/profile.png")
}

/// `GET /api/v4/users/{user_id}/image`: the uploaded picture, else the default. `default`
/// (`/image/default`) always gives the default.
pub fn get(ctx: &Ctx, _s: &Session, uid: &str, default: bool) -> Result<Resp, ApiError> {
    let uid = id_param(uid, "user_id")?;
    let user = store::users::find(ctx.db, uid)?.ok_or_else(user_not_found)?;
    if !default && user.last_picture_update > 0 {
        match std::fs::read(
            ctx.app
                .files
                .storage
                .abs(&picture_path(uid))
                .map_err(ApiError::internal)?,
        ) {
            Ok(png) => {
                return Ok(Resp::bytes(200, "image/png", png)
                    .header("Cache-Control", "max-age=300, private"))
            }
            Err(e) => log::warn!("profile picture of {uid}: {e}; the default is served"),
        }
    }
    let png = default_picture(uid).map_err(ApiError::internal)?;
    Ok(Resp::bytes(200, "image/png", png).header("Cache-Control", "max-age=300, private"))
}

/// The caller may change `uid`'s picture: their own, or anyone's with `edit_other_users`.
fn check_may_edit(s: &Session, uid: &str) -> Result<(), ApiError> {
    if uid == s.user_id() || permissions::has_system(s, "edit_other_users") {
        Ok(())
    } else {
        Err(ApiError::permissions("edit_other_users"))
    }
}

fn upload_error(id: &'static str, status: u16, message: &str) -> ApiError {
    ApiError::new(status, id, message.to_string())
}

/// `POST /api/v4/users/{user_id}/image`: a multipart form whose `image` part is a PNG, JPEG,
/// GIF or WebP of at most `MaxFileSize` bytes and `MaxImageResolution` pixels. The image is
/// decoded and scaled on a thread of its own, the file placed, then `last_picture_update`
/// written and `user_updated` sent.
pub fn upload(ctx: &Ctx, s: &Session, req: &Req, uid: &str) -> Result<Resp, ApiError> {
    let uid = id_param(uid, "user_id")?.to_string();
    check_may_edit(s, &uid)?;
    let max = ctx.app.config.files.max_file_size.max(0) as u64;
    if req.body_len() > max + FORM_OVERHEAD {
        return Err(too_large());
    }
    let req = req.clone();
    crate::app::off_worker(ctx.app, "upload", move |app| {
        let app = app
            .shared()
            .ok_or_else(|| ApiError::internal("the server is stopping"))?;
        let db = app.store.reader()?;
        let received = receive_image(&app.files, &req, max)?;
        let user =
            store::users::find(&db, &uid)?.ok_or_else(|| ApiError::invalid_url_param("user_id"))?;
        let pixels = app.config.files.max_image_resolution.max(0) as u64;
        let png = images::profile_picture(received.tmp_path(), pixels).map_err(|e| match e {
            ProfileError::NotAnImage => upload_error(
                "api.user.upload_profile_user.decode_config.app_error",
                400,
                "Unable to read the image's format and size.",
            ),
            ProfileError::TooManyPixels => upload_error(
                "api.user.upload_profile_user.check_image_limits.app_error",
                400,
                "The image is larger than the maximum resolution allowed.",
            ),
            ProfileError::Undecodable => upload_error(
                "api.user.upload_profile_user.decode.app_error",
                400,
                "Unable to decode the image.",
            ),
        })?;
        drop(received);
        app.files
            .storage
            .write_small(&picture_path(&user.id), &png)
            .map_err(|e| {
                log::warn!("profile picture of {}: {e}", user.id);
                upload_error(
                    "api.user.upload_profile_user.upload_profile.app_error",
                    500,
                    "Unable to store the profile picture.",
                )
            })?;
        let now = now_ms();
        set_picture_time(&app, user, now, now)?;
        Ok(Resp::status_ok())
    })
}

/// `DELETE /api/v4/users/{user_id}/image`: back to the generated default.
pub fn remove(ctx: &Ctx, s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = id_param(uid, "user_id")?;
    check_may_edit(s, uid)?;
    let user = store::users::find(ctx.db, uid)?.ok_or_else(user_not_found)?;
    let id = user.id.clone();
    set_picture_time(ctx.app, user, 0, now_ms())?;
    // After the commit: the row no longer points to the file, so a failed removal is harmless.
    let path = ctx
        .app
        .files
        .storage
        .abs(&picture_path(&id))
        .map_err(ApiError::internal)?;
    if let Err(e) = std::fs::remove_file(&path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            log::warn!("profile picture of {id}: {e}");
        }
    }
    Ok(Resp::status_ok())
}

/// Writes `last_picture_update` and tells everyone (`user_updated`), so clients fetch the
/// picture again.
fn set_picture_time(
    app: &crate::app::App,
    mut user: User,
    at: i64,
    now: i64,
) -> Result<(), ApiError> {
    let id = user.id.clone();
    let n = app.store.write(move |c| {
        Ok::<_, ApiError>(store::users::set_last_picture_update(c, &id, at, now)?)
    })?;
    if n == 0 {
        return Err(user_not_found());
    }
    user.last_picture_update = at;
    user.update_at = now;
    let public = user.to_json(Viewer::Other {
        show_email: false,
        show_full_name: app.config.privacy.show_full_name,
    });
    app.ws.publish(crate::ws::events::user_updated(public));
    Ok(())
}

/// Room for the form around the image.
const FORM_OVERHEAD: u64 = 64 * 1024;

fn too_large() -> ApiError {
    upload_error(
        "api.user.upload_profile_user.too_large.app_error",
        413,
        "Unable to upload the profile image: the file is too large.",
    )
}

/// The form's first `image` file part, streamed into a temporary file of at most `max` bytes.
fn receive_image(
    files: &crate::files::Files,
    req: &Req,
    max: u64,
) -> Result<crate::files::storage::Received, ApiError> {
    let parse = |why: String| {
        upload_error(
            "api.user.upload_profile_user.parse.app_error",
            400,
            &format!("Unable to parse the multipart form: {why}"),
        )
    };
    let content_type = req.header("Content-Type").unwrap_or("");
    if crate::form::base_media_type(content_type) != "multipart/form-data" {
        return Err(parse("not multipart/form-data".into()));
    }
    let boundary = multipart::boundary(content_type).ok_or_else(|| parse("no boundary".into()))?;
    let body = req.body_reader().map_err(|e| parse(e.to_string()))?;
    let mut mp = Multipart::new(body, &boundary);
    while let Some(head) = mp.next_part().map_err(|e| parse(e.to_string()))? {
        if head.name != "image" || head.filename.is_none() {
            continue;
        }
        return files
            .storage
            .receive(&mut mp.part(), max)
            .map_err(|e| match e {
                ReceiveError::TooLarge => too_large(),
                ReceiveError::Source(e) => parse(e.to_string()),
                ReceiveError::Disk(e) => ApiError::internal(e),
            });
    }
    Err(upload_error(
        "api.user.upload_profile_user.no_file.app_error",
        400,
        "No file under 'image' in request.",
    ))
}

/// The picture for `seed`: the same bytes for the same seed.
fn default_picture(seed: &str) -> std::io::Result<Vec<u8>> {
    let d = Sha256::digest(seed.as_bytes());
    // A saturated, mid-dark background (each channel 40–167), a near-white figure.
    let bg = [40 + d[0] % 128, 40 + d[1] % 128, 40 + d[2] % 128];
    let fg = [235u8, 235, 235];
    let c = SIZE as f32 / 2.0;
    let mut raw = Vec::with_capacity(((SIZE * 3 + 1) * SIZE) as usize);
    for y in 0..SIZE {
        raw.push(0); // filter: none
        for x in 0..SIZE {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let head =
                (fx - c).powi(2) + (fy - SIZE as f32 * 0.4).powi(2) <= (SIZE as f32 * 0.18).powi(2);
            let body = (fx - c).powi(2) / (SIZE as f32 * 0.34).powi(2)
                + (fy - SIZE as f32 * 0.98).powi(2) / (SIZE as f32 * 0.36).powi(2)
                <= 1.0;
            raw.extend_from_slice(if head || body { &fg } else { &bg });
        }
    }
    png_rgb(SIZE, SIZE, &raw)
}

/// A PNG of 8-bit RGB rows (each already prefixed with its filter byte).
fn png_rgb(width: u32, height: u32, rows: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(rows)?;
    let idat = z.finish()?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter set, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_png_per_seed() {
        let a = default_picture("a").unwrap();
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&a[12..16], b"IHDR");
        assert_eq!(a, default_picture("a").unwrap());
        assert_ne!(a, default_picture("b").unwrap());
        // The zlib stream inflates back to every row.
        let idat_len = u32::from_be_bytes([a[33], a[34], a[35], a[36]]) as usize;
        let mut z = flate2::read::ZlibDecoder::new(&a[41..41 + idat_len]);
        let mut rows = Vec::new();
        std::io::Read::read_to_end(&mut z, &mut rows).unwrap();
        assert_eq!(rows.len(), ((SIZE * 3 + 1) * SIZE) as usize);
    }
}
