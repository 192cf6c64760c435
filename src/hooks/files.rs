//! Perch's extension to incoming webhooks: a multipart call's file parts. Such a call is
//! delivered on a thread of its own (files go to disk, no work for an HTTP worker): its file
//! parts are streamed into the store as the hook's owner once every check has passed
//! (`receive`, from `plan`), and the posts, the files' rows and the log row are then written
//! in one transaction, the files attached to the last post. Files whose rows are not written
//! are removed again.

use super::call::{self, Call, Delivered, Rejection};
use super::call::{FILES_DISABLED, PARSE_MULTIPART, TOO_MANY_FILES};
use super::decode::Payload;
use super::multipart;
use super::plan::{self, Planned};
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::{Req, Resp};
use crate::model::channel::Channel;
use crate::model::file_info::FileInfo;
use crate::model::incoming_hook::{IncomingHook, LoggedFile};
use crate::model::now_ms;
use crate::posting;
use crate::store::StoreError;
use std::sync::Arc;

/// Files per webhook call: as many as a post may carry.
pub const MAX_FILES_PER_CALL: usize = crate::files::MAX_POST_FILES;

/// Delivers a Slack call that carries files, off the worker.
pub(super) fn deliver_off_worker(
    ctx: &Ctx,
    req: &Req,
    hook: Arc<IncomingHook>,
    payload: Payload,
) -> Result<Resp, ApiError> {
    let (req, rid) = (req.clone(), ctx.request_id.to_string());
    crate::app::off_worker(ctx.app, "hook-files", move |app| {
        let app = app
            .shared()
            .ok_or_else(|| ApiError::internal("the server is stopping"))?;
        let db = app.store.reader()?;
        let ctx = Ctx {
            app: &app,
            db: &db,
            request_id: &rid,
        };
        let body = call::logged_body(&req);
        let call = super::endpoint::slack_call(&ctx, &req, &body);
        let delivered = deliver(&ctx, &hook, payload, &call).inspect_err(|r| {
            call::record_failure(&ctx, &hook.id, &call, r);
        })?;
        Ok(Resp::text(200, "ok").header("X-Post-Id", delivered.post_id()))
    })
}

/// Plans the delivery (which receives the files) and writes it, waiting for the commit.
fn deliver(
    ctx: &Ctx,
    hook: &IncomingHook,
    payload: Payload,
    call: &Call,
) -> Result<Delivered, Rejection> {
    let (write, channel) = match plan::plan(ctx, hook, payload, call)? {
        Planned::Done(delivered) => return Ok(delivered),
        Planned::Write(write, channel) => (write, channel),
    };
    let files = write.files.clone();
    let written = ctx.app.store.write(move |c| {
        let delivered = write.commit(c)?;
        Ok::<_, StoreError>((delivered, write))
    });
    let (delivered, mut write) = match written {
        Ok(w) => w,
        Err(e) => {
            ctx.app.files.discard_infos(&files);
            return Err(e.into());
        }
    };
    if delivered.created() {
        // The `posted` event shows the files, as a read of the post would.
        if let Some(last) = write.posts.last_mut() {
            posting::set_files_metadata(last, &write.files);
        }
        posting::after_commit_integration(ctx.app, &channel, &write.posts);
        ctx.app.files.after_commit(&write.files);
    } else {
        ctx.app.files.discard_infos(&files);
    }
    Ok(delivered)
}

/// A file as the delivery log shows it.
pub(super) fn logged(f: &FileInfo) -> LoggedFile {
    LoggedFile {
        id: f.id.clone(),
        name: f.name.clone(),
        size: f.size,
    }
}

/// Streams a call's file parts into the store, as the hook's owner, in `channel`. Nothing is
/// left behind when one of them is refused.
pub(super) fn receive(
    ctx: &Ctx,
    hook: &IncomingHook,
    channel: &Channel,
    count: usize,
    call: &Call,
) -> Result<Vec<FileInfo>, Rejection> {
    if !ctx.app.config.files.enable_file_attachments {
        let e = crate::files::disabled();
        return Err(Rejection::new(
            403,
            FILES_DISABLED,
            FILES_DISABLED,
            &e.message,
        ));
    }
    if count > MAX_FILES_PER_CALL {
        return Err(Rejection::general(
            400,
            TOO_MANY_FILES,
            &format!("A webhook call may carry at most {MAX_FILES_PER_CALL} files."),
        ));
    }
    let Some(req) = call.form else {
        return Err(Rejection::internal("a call with files but no form"));
    };
    let content_type = req.header("Content-Type").unwrap_or("");
    let boundary = multipart::boundary(content_type)
        .ok_or_else(|| Rejection::internal("a call with files but no boundary"))?;
    let mut body = req.body_reader().map_err(Rejection::internal)?;
    let mut mp = crate::files::multipart::Multipart::new(&mut body, &boundary);
    let mut placed = Vec::new();
    let now = now_ms();
    let result = (|| {
        while let Some(head) = mp
            .next_part()
            .map_err(|e| file_rejection(crate::files::bad_request(e.to_string())))?
        {
            let Some(name) = head.filename.filter(|f| !f.is_empty()) else {
                continue;
            };
            let to = crate::files::Incoming {
                channel_id: &channel.id,
                creator_id: &hook.user_id,
                raw_name: &name,
            };
            let p = ctx
                .app
                .files
                .receive(to, crate::files::Source::Stream(&mut mp.part()), now)
                .map_err(file_rejection)?;
            placed.push(p);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(placed.into_iter().map(|p| p.info).collect()),
        Err(r) => {
            ctx.app.files.discard(&placed);
            Err(r)
        }
    }
}

/// A file refused while a call is received, with the file API's error id.
fn file_rejection(e: ApiError) -> Rejection {
    if e.status >= 500 {
        return Rejection::internal(e.cause.as_deref().unwrap_or(&e.message));
    }
    let id: &'static str = match &*e.id {
        "api.file.upload_file.too_large_detailed.app_error" => {
            "api.file.upload_file.too_large_detailed.app_error"
        }
        "api.file.upload_file.invalid_name.app_error" => {
            "api.file.upload_file.invalid_name.app_error"
        }
        "api.file.upload_file.large_image_detailed.app_error" => {
            "api.file.upload_file.large_image_detailed.app_error"
        }
        _ => PARSE_MULTIPART,
    };
    let mut r = Rejection::new(e.status, id, id, &e.message);
    r.cause = (!e.detail.is_empty()).then(|| e.detail.clone());
    r
}
