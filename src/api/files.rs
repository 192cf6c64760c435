//! Files (mattermost `api4/file.go`): upload in both of Mattermost's forms, the bytes, info,
//! thumbnail, preview, public links, and a post's file infos. What is stored and how is
//! `files/`; this file is the HTTP side: parameters, permissions, headers.

use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::files::{self, multipart::Multipart, Incoming, Placed};
use crate::http::{Req, Resp};
use crate::model::file_info::{FileInfo, FileUploadResponse};
use crate::model::now_ms;
use crate::model::session::Session;
use crate::permissions;
use crate::store;
use serde_json::json;
use std::io::{Read, Seek, SeekFrom};

/// Longest text field of an upload form (Mattermost's `maxMultipartFormDataBytes`).
const MAX_FORM_VALUE: usize = 10 * 1024;

/// `404 app.file_info.get.app_error`: no such file, or deleted.
fn file_not_found() -> ApiError {
    ApiError::not_found(
        "app.file_info.get.app_error",
        "Unable to get the file info.",
    )
}

/// `POST /api/v4/files`: a `multipart/form-data` body (`channel_id`, `client_ids`, file
/// parts), or the raw file with `?channel_id=&filename=`. `201 {file_infos, client_ids}`.
pub fn upload(ctx: &Ctx, s: &Session, req: &Req) -> Result<Resp, ApiError> {
    if !ctx.app.config.files.enable_file_attachments {
        return Err(files::disabled());
    }
    if req.body_len() == 0 {
        return Err(files::bad_request("Content-Length should not be 0"));
    }
    // Copying the (spooled) body into the store is disk work: a thread of its own does it,
    // with a database reader of its own.
    let (s, req, rid) = (s.clone(), req.clone(), ctx.request_id.to_string());
    crate::app::off_worker(ctx.app, "upload", move |app| {
        let app = app
            .shared()
            .ok_or_else(|| ApiError::internal("the server is stopping"))?;
        let db = app.store.reader()?;
        let ctx = Ctx {
            app: &app,
            db: &db,
            request_id: &rid,
        };
        let answer = upload_body(&ctx, &s, &req)?;
        Ok(Resp::created(&answer))
    })
}

/// The upload itself, reading the body as a stream.
fn upload_body(ctx: &Ctx, s: &Session, req: &Req) -> Result<FileUploadResponse, ApiError> {
    let content_type = req.header("Content-Type").unwrap_or("");
    let mut body = req
        .body_reader()
        .map_err(|e| files::bad_request(e.to_string()))?;
    if crate::form::base_media_type(content_type) == "multipart/form-data" {
        let boundary = files::multipart::boundary(content_type)
            .ok_or_else(|| files::bad_request("no multipart boundary"))?;
        upload_multipart(ctx, s, req, &mut body, &boundary)
    } else {
        upload_simple(ctx, s, req, &mut body, req.body_len())
    }
}

/// Fails with 403 unless the caller may upload into the channel (it must exist).
fn check_upload(ctx: &Ctx, s: &Session, channel_id: &str) -> Result<(), ApiError> {
    let channel = ctx.app.cached.channel(&ctx.app.store, ctx.db, channel_id)?;
    match channel {
        Some(ch) if permissions::has_channel(ctx.db, s, &ch, "upload_file")? => Ok(()),
        _ => Err(ApiError::permissions("upload_file")),
    }
}

/// The raw form: the body is the file.
fn upload_simple(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    body: &mut dyn Read,
    len: u64,
) -> Result<FileUploadResponse, ApiError> {
    let channel_id = id_param(req.query("channel_id").unwrap_or(""), "channel_id")?;
    let filename = req
        .query("filename")
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::invalid_url_param("filename"))?;
    check_upload(ctx, s, channel_id)?;
    let max = ctx.app.config.files.max_file_size;
    if len > max.max(0) as u64 {
        return Err(files::too_large(filename, max));
    }
    let to = Incoming {
        channel_id,
        creator_id: s.user_id(),
        raw_name: filename,
    };
    // A spooled body is the file itself: the kernel copies it into the store.
    let spooled = req.spooled.as_ref().map(|s| &*s.file);
    let src = match spooled {
        Some(f) => files::Source::File(f),
        None => files::Source::Stream(body),
    };
    let placed = ctx.app.files.receive(to, src, now_ms())?;
    let infos = ctx.app.files.commit(&ctx.app.store, vec![placed])?;
    let client_id = req.query("client_id").filter(|c| !c.is_empty());
    Ok(FileUploadResponse {
        file_infos: infos,
        client_ids: client_id.map(|c| vec![c.to_string()]),
    })
}

/// Why a pass over a multipart body stopped.
enum Stop {
    Failed(ApiError),
    /// A file came before any `channel_id`: find it, then read the body again.
    NeedChannel,
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Stop::Failed(e)
    }
}

fn form_error(e: std::io::Error) -> Stop {
    Stop::Failed(files::bad_request(e.to_string()))
}

/// The multipart form. Parts are handled as they come, files streamed to disk one by one;
/// when a file comes before `channel_id` (Mattermost's "legacy" order), the body is scanned
/// for the channel first and read again.
fn upload_multipart<B: Read + Seek>(
    ctx: &Ctx,
    s: &Session,
    req: &Req,
    body: &mut B,
    boundary: &str,
) -> Result<FileUploadResponse, ApiError> {
    let mut channel_id = req
        .query("channel_id")
        .filter(|c| !c.is_empty())
        .map(String::from);
    loop {
        let mut placed = Vec::new();
        let result = multipart_pass(ctx, s, body, boundary, &channel_id, &mut placed);
        match result {
            Ok((client_ids, expect)) => {
                let infos = ctx.app.files.commit(&ctx.app.store, placed)?;
                return Ok(FileUploadResponse {
                    file_infos: infos,
                    client_ids: Some(if expect { client_ids } else { Vec::new() }),
                });
            }
            Err(stop) => {
                ctx.app.files.discard(&placed);
                match stop {
                    Stop::Failed(e) => return Err(e),
                    Stop::NeedChannel => {
                        body.seek(SeekFrom::Start(0))
                            .map_err(|e| files::bad_request(e.to_string()))?;
                        let found = find_channel_id(body, boundary)?;
                        body.seek(SeekFrom::Start(0))
                            .map_err(|e| files::bad_request(e.to_string()))?;
                        match found {
                            Some(c) => channel_id = Some(c),
                            None => return Err(ApiError::invalid_param("channel_id")),
                        }
                    }
                }
            }
        }
    }
}

/// One pass over the form; files go to `placed`. Returns the client ids and whether they
/// were expected (one per file).
fn multipart_pass(
    ctx: &Ctx,
    s: &Session,
    body: &mut dyn Read,
    boundary: &str,
    known_channel: &Option<String>,
    placed: &mut Vec<Placed>,
) -> Result<(Vec<String>, bool), Stop> {
    let mut mp = Multipart::new(body, boundary);
    let mut channel_id = known_channel.clone();
    let mut client_ids: Vec<String> = Vec::new();
    let mut expect_client_ids = true;
    let now = now_ms();
    while let Some(head) = mp.next_part().map_err(form_error)? {
        if head.name.is_empty() {
            continue;
        }
        let filename = head.filename.filter(|f| !f.is_empty());
        let Some(filename) = filename else {
            let value = mp
                .read_part_limited(MAX_FORM_VALUE)
                .map_err(form_error)?
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "api.file.upload_file.read_form_value.app_error",
                        format!("Unable to read the value of {}.", head.name),
                    )
                })?;
            let value = String::from_utf8_lossy(&value).into_owned();
            match head.name.as_str() {
                "channel_id" => {
                    if channel_id.as_ref().is_some_and(|c| *c != value) {
                        return Err(ApiError::bad_request(
                            "api.file.upload_file.multiple_channel_ids.app_error",
                            "Unable to upload the files: conflicting channel ids.",
                        )
                        .into());
                    }
                    if !value.is_empty() {
                        channel_id = Some(value);
                    }
                }
                "client_ids" => {
                    if !expect_client_ids {
                        return Err(ApiError::invalid_param("client_ids").into());
                    }
                    client_ids.push(value);
                }
                other => return Err(ApiError::invalid_param(other).into()),
            }
            continue;
        };
        // A file part.
        let Some(channel) = channel_id.as_deref() else {
            return Err(Stop::NeedChannel);
        };
        let channel = id_param(channel, "channel_id")?;
        if placed.is_empty() {
            check_upload(ctx, s, channel)?;
            // No client ids before the first file: none are expected later.
            if client_ids.is_empty() {
                expect_client_ids = false;
            }
        }
        if expect_client_ids && placed.len() >= client_ids.len() {
            return Err(ApiError::invalid_param("client_ids").into());
        }
        let to = Incoming {
            channel_id: channel,
            creator_id: s.user_id(),
            raw_name: &filename,
        };
        placed.push(
            ctx.app
                .files
                .receive(to, files::Source::Stream(&mut mp.part()), now)?,
        );
    }
    if expect_client_ids && client_ids.len() != placed.len() {
        return Err(ApiError::bad_request(
            "api.file.upload_file.incorrect_number_of_client_ids.app_error",
            format!(
                "Unable to upload files: {} client ids for {} files.",
                client_ids.len(),
                placed.len()
            ),
        )
        .into());
    }
    Ok((client_ids, expect_client_ids))
}

/// The first `channel_id` field of a form, wherever it is (file contents are skipped).
fn find_channel_id(body: &mut dyn Read, boundary: &str) -> Result<Option<String>, ApiError> {
    let mut mp = Multipart::new(body, boundary);
    let bad = |e: std::io::Error| files::bad_request(e.to_string());
    while let Some(head) = mp.next_part().map_err(bad)? {
        if head.name == "channel_id" && head.filename.as_deref().unwrap_or("").is_empty() {
            let value = mp.read_part_limited(MAX_FORM_VALUE).map_err(bad)?;
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                return Ok(Some(String::from_utf8_lossy(&v).into_owned()));
            }
        }
    }
    Ok(None)
}

/// A live file the caller may read: its uploader, or anyone who may read the channel of the
/// post it is attached to (Mattermost's `SessionHasPermissionToChannelByPost`: 403 otherwise,
/// also while it is attached to no post).
fn readable(ctx: &Ctx, s: &Session, raw: &str) -> Result<FileInfo, ApiError> {
    let id = id_param(raw, "file_id")?;
    let f = store::files::find(ctx.db, id)?.ok_or_else(file_not_found)?;
    if f.creator_id == s.user_id() || can_read_post(ctx, s, &f.post_id)? {
        return Ok(f);
    }
    Err(ApiError::permissions("read_channel"))
}

/// Whether the caller may read the channel of a post (false for no post).
fn can_read_post(ctx: &Ctx, s: &Session, post_id: &str) -> Result<bool, ApiError> {
    if post_id.is_empty() {
        return Ok(false);
    }
    let Some(post) = store::posts::find(ctx.db, post_id)? else {
        return Ok(false);
    };
    let Some(ch) = ctx
        .app
        .cached
        .channel(&ctx.app.store, ctx.db, &post.channel_id)?
    else {
        return Ok(false);
    };
    permissions::can_read_channel(ctx, s, &ch)
}

/// Go's `url.PathEscape`: what a path segment may hold stays, the rest is `%XX`.
fn path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,:;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Streams a stored file with Mattermost's download headers (`web.WriteFileResponse`):
/// `nosniff`, scripts and HTML as `text/plain`, only media inline, no framing; plus a CSP that
/// lets nothing in the file run or load.
fn serve(ctx: &Ctx, rel: &str, name: &str, mime: &str, download: bool) -> Result<Resp, ApiError> {
    serve_from(ctx.app, rel, name, mime, download)
}

/// How long a request for a thumbnail or preview not made yet waits for the image thread.
const DERIVED_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A thumbnail or preview: served at once when made; otherwise (an image uploaded a moment
/// ago, which clients show at once) the request waits for the `files-images` thread on a
/// thread of its own, up to `DERIVED_WAIT`, as Mattermost, which makes them before it answers
/// the upload, would have them.
fn serve_derived(
    ctx: &Ctx,
    rel: &str,
    name: &str,
    mime: &'static str,
    download: bool,
) -> Result<Resp, ApiError> {
    fn made(app: &crate::app::App, rel: &str) -> bool {
        app.files.storage.abs(rel).is_ok_and(|p| p.is_file())
    }
    if made(ctx.app, rel) {
        return serve(ctx, rel, name, mime, download);
    }
    let (rel, name) = (rel.to_string(), name.to_string());
    crate::app::off_worker(ctx.app, "image-wait", move |app| {
        let until = std::time::Instant::now() + DERIVED_WAIT;
        while !made(app, &rel) && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        serve_from(app, &rel, &name, mime, download)
    })
}

fn serve_from(
    app: &crate::app::App,
    rel: &str,
    name: &str,
    mime: &str,
    download: bool,
) -> Result<Resp, ApiError> {
    let file = app.files.storage.open(rel).map_err(|e| {
        ApiError::not_found("api.file.file_reader.app_error", "Unable to read the file.")
            .with_detail(e.to_string())
    })?;
    let len = file
        .metadata()
        .map_err(|e| ApiError::internal(format!("file metadata: {e}")))?
        .len();
    let served = files::mime::served_type(mime);
    let disposition = if download || !files::mime::is_inline_media(served) {
        "attachment"
    } else {
        "inline"
    };
    let escaped = path_escape(name);
    Ok(Resp::stream(200, served, Box::new(file), len)
        .header(
            "Content-Disposition",
            format!("{disposition};filename=\"{escaped}\"; filename*=UTF-8''{escaped}"),
        )
        .header("Cache-Control", "private, max-age=86400")
        .header("X-Frame-Options", "DENY")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'",
        ))
}

fn wants_download(req: &Req) -> bool {
    req.query_bool("download")
}

/// `GET /api/v4/files/{file_id}`: the bytes (`?download=1` forces an attachment).
pub fn get(ctx: &Ctx, s: &Session, req: &Req, fid: &str) -> Result<Resp, ApiError> {
    let f = readable(ctx, s, fid)?;
    serve(ctx, &f.path, &f.name, &f.mime_type, wants_download(req))
}

/// `GET /api/v4/files/{file_id}/info`
pub fn info(ctx: &Ctx, s: &Session, fid: &str) -> Result<Resp, ApiError> {
    let f = readable(ctx, s, fid)?;
    Ok(Resp::ok(&f).header("Cache-Control", "max-age=2592000, private"))
}

/// `GET /api/v4/files/{file_id}/thumbnail`: 400 for files without one; 404 while it is being
/// made (right after the upload) or if it could not be.
pub fn thumbnail(ctx: &Ctx, s: &Session, req: &Req, fid: &str) -> Result<Resp, ApiError> {
    let f = readable(ctx, s, fid)?;
    if f.thumbnail_path.is_empty() {
        return Err(ApiError::bad_request(
            "api.file.get_file_thumbnail.no_thumbnail.app_error",
            "File doesn't have a thumbnail image.",
        )
        .with_detail(format!("file_id={}", f.id)));
    }
    let mime = derived_mime(&f.thumbnail_path);
    serve_derived(ctx, &f.thumbnail_path, &f.name, mime, wants_download(req))
}

/// `GET /api/v4/files/{file_id}/preview`: like the thumbnail.
pub fn preview(ctx: &Ctx, s: &Session, req: &Req, fid: &str) -> Result<Resp, ApiError> {
    let f = readable(ctx, s, fid)?;
    if f.preview_path.is_empty() {
        return Err(ApiError::bad_request(
            "api.file.get_file_preview.no_preview.app_error",
            "File doesn't have a preview image.",
        )
        .with_detail(format!("file_id={}", f.id)));
    }
    let mime = derived_mime(&f.preview_path);
    serve_derived(ctx, &f.preview_path, &f.name, mime, wants_download(req))
}

/// The type of a thumbnail or preview, from its extension.
fn derived_mime(path: &str) -> &'static str {
    if path.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

fn public_links_disabled() -> ApiError {
    ApiError::forbidden(
        "api.file.get_public_link.disabled.app_error",
        "Public links have been disabled.",
    )
}

/// `GET /api/v4/files/{file_id}/link`: `{"link": "<site>/files/<id>/public?h=<hash>"}`, for
/// files attached to a post, when `FileSettings.EnablePublicLink` is on.
pub fn link(ctx: &Ctx, s: &Session, fid: &str) -> Result<Resp, ApiError> {
    if !ctx.app.config.files.enable_public_link {
        return Err(public_links_disabled());
    }
    let f = readable(ctx, s, fid)?;
    if f.post_id.is_empty() {
        return Err(ApiError::bad_request(
            "api.file.get_public_link.no_post.app_error",
            "Unable to get a public link for the file. The file must be attached to a post.",
        )
        .with_detail(format!("file_id={}", f.id)));
    }
    let salt = files::public_link_salt(&ctx.app.config.files, ctx.db)?;
    let hash = files::public_link_hash(&salt, &f.id);
    let link = format!("{}/files/{}/public?h={hash}", ctx.app.site_url, f.id);
    Ok(Resp::ok(&json!({ "link": link })))
}

/// `GET /files/{file_id}/public?h=…`: the bytes, to anyone with the link, while public links
/// are on and the file is live.
pub fn public(ctx: &Ctx, req: &Req, fid: &str) -> Result<Resp, ApiError> {
    if !ctx.app.config.files.enable_public_link {
        return Err(public_links_disabled());
    }
    let id = id_param(fid, "file_id")?;
    let f = store::files::find(ctx.db, id)?.ok_or_else(file_not_found)?;
    let invalid = || {
        ApiError::bad_request(
            "api.file.get_file.public_invalid.app_error",
            "The public link does not appear to be valid.",
        )
    };
    let given = req
        .query("h")
        .filter(|h| !h.is_empty())
        .ok_or_else(invalid)?;
    let salt = files::public_link_salt(&ctx.app.config.files, ctx.db)?;
    let expected = files::public_link_hash(&salt, &f.id);
    if !crate::integrations::signature::ct_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(invalid());
    }
    serve(ctx, &f.path, &f.name, &f.mime_type, false)
}

/// `GET /api/v4/posts/{post_id}/files/info`: the post's live files, oldest first
/// (`include_deleted` for system admins).
pub fn for_post(ctx: &Ctx, s: &Session, req: &Req, pid: &str) -> Result<Resp, ApiError> {
    let id = id_param(pid, "post_id")?;
    if !can_read_post(ctx, s, id)? {
        return Err(ApiError::permissions("read_channel"));
    }
    let include_deleted = req.query_bool("include_deleted");
    if include_deleted {
        permissions::require_system(s, "manage_system")?;
    }
    let infos = store::files::for_post(ctx.db, id, include_deleted)?;
    Ok(Resp::ok(&infos).header("Cache-Control", "max-age=2592000, private"))
}
