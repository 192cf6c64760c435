//! `ApiError`: every way a request can fail. This file is the catalog of the error ids we emit
//! that are shared by many handlers; handler-specific ids are passed to the generic
//! constructors. How an error looks on the wire (Mattermost's AppError body) is `http`'s
//! business (`http/error.rs`); domain code builds errors without knowing HTTP.

use std::borrow::Cow;

/// A failed request. `id` is a Mattermost i18n id; `message` is safe to show.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub id: Cow<'static, str>,
    pub message: String,
    /// Shown only when `ServiceSettings.EnableDeveloper` is on, as in Mattermost.
    pub detail: String,
    /// For 500s: the cause, logged with the request id and never sent. (A boxed `str` keeps
    /// `ApiError` under clippy's `result_large_err` size: every handler returns it.)
    pub cause: Option<Box<str>>,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            id: id.into(),
            message: message.into(),
            detail: String::new(),
            cause: None,
            headers: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn bad_request(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(400, id, message)
    }
    pub fn unauthorized(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(401, id, message)
    }
    pub fn forbidden(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(403, id, message)
    }
    pub fn not_found(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(404, id, message)
    }
    pub fn not_implemented(id: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(501, id, message)
    }

    /// A server-side failure. The cause is logged, the client sees a fixed text.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(500, "app.internal_error", "An internal error occurred.");
        e.cause = Some(cause.to_string().into_boxed_str());
        e
    }

    /// 401: no, unknown, expired or revoked credentials.
    pub fn session_expired() -> Self {
        Self::unauthorized(
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    }

    /// 403: the caller lacks `perm`.
    pub fn permissions(perm: &str) -> Self {
        Self::forbidden(
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        )
        .with_detail(format!("permission={perm}"))
    }

    /// 400: a JSON body that does not parse, or lacks/mistypes field `name`.
    pub fn invalid_body(name: &str) -> Self {
        Self::bad_request(
            "api.context.invalid_body_param.app_error",
            format!("Invalid or missing {name} in request body."),
        )
    }

    /// 400: a bad path or query parameter.
    pub fn invalid_url_param(name: &str) -> Self {
        Self::bad_request(
            "api.context.invalid_url_param.app_error",
            format!("Invalid or missing {name} parameter in request URL."),
        )
    }

    /// 400: a bad value inside an otherwise well-formed body.
    pub fn invalid_param(name: &str) -> Self {
        Self::bad_request(
            "api.context.invalid_param.app_error",
            format!("Invalid {name} parameter."),
        )
    }

    /// 413: the body is larger than `MaximumPayloadSizeBytes`.
    pub fn too_large() -> Self {
        Self::new(
            413,
            "api.context.request_body_too_large.app_error",
            "Request body is too large.",
        )
    }

    /// 404 for an unknown `/api/v4` route.
    pub fn not_found_route(path: &str) -> Self {
        Self::not_found(
            "api.context.404.app_error",
            "Sorry, we could not find the page.",
        )
        .with_detail(format!(
            "There doesn't appear to be an api call for the url='{path}'."
        ))
    }
}

impl From<crate::store::StoreError> for ApiError {
    /// A failing disk is said as such (and nothing of the request was saved); anything else
    /// is an internal error. The cause is logged, not sent.
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StorageFailure;
        let (status, id, message) = match e.storage_failure() {
            None => return ApiError::internal(e),
            Some(StorageFailure::Full) => (
                507,
                "app.store.disk_full.app_error",
                "The server's disk is full: nothing was saved. Try again once space is freed.",
            ),
            Some(StorageFailure::Unwritable) => (
                503,
                "app.store.unwritable.app_error",
                "The server cannot write to its database: nothing was saved. Try again later.",
            ),
        };
        let mut err = ApiError::new(status, id, message);
        err.cause = Some(e.to_string().into_boxed_str());
        err
    }
}
