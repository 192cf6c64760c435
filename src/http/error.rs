//! Rendering an `ApiError` (`crate::error`) as Mattermost's AppError body, and logging it.

use super::Resp;
use crate::error::ApiError;
use serde_json::json;

impl ApiError {
    /// Renders the AppError JSON body with this request's id.
    pub fn to_response(&self, request_id: &str, developer_mode: bool) -> Resp {
        let status = if self.status == 0 { 500 } else { self.status };
        let body = json!({
            "id": self.id.as_ref(),
            "message": self.message,
            "detailed_error": if developer_mode { self.detail.as_str() } else { "" },
            "request_id": request_id,
            "status_code": status,
        });
        let mut resp = Resp::json(status, &body);
        resp.headers.extend(self.headers.iter().cloned());
        resp
    }
}

/// Logs a handler's error: 5xx as errors (with the cause), refusals of access as info.
/// `path` is already fit for the log (`Service::loggable`).
pub fn log(rid: &str, path: &str, e: &ApiError) {
    match e.status {
        500.. => log::error!(
            "[{rid}] {path}: {} ({})",
            e.id,
            e.cause.as_deref().unwrap_or(&e.detail)
        ),
        401 | 403 => log::info!("[{rid}] {path}: {} {}", e.status, e.id),
        _ => log::debug!("[{rid}] {path}: {} {}", e.status, e.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let r = ApiError::session_expired().to_response("rid", false);
        assert_eq!(r.status, 401);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["id"], "api.context.session_expired.app_error");
        assert_eq!(v["request_id"], "rid");
        assert_eq!(v["status_code"], 401);
        assert_eq!(v["detailed_error"], "");
        let r = ApiError::permissions("x").to_response("rid", true);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["detailed_error"], "permission=x");
    }
}
