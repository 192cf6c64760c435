//! `FileInfo`: one uploaded file as Mattermost describes it (`model/file_info.go`), and the
//! upload answer `FileUploadResponse`. The storage paths are kept but never serialized.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FileInfo {
    pub id: String,
    /// The uploader (`CreatorId` in Go, `user_id` on the wire).
    #[serde(rename = "user_id")]
    pub creator_id: String,
    /// The post it is attached to; omitted while unattached.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub post_id: String,
    pub channel_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    /// Relative to `FileSettings.Directory`; never sent.
    #[serde(skip)]
    pub path: String,
    #[serde(skip)]
    pub thumbnail_path: String,
    #[serde(skip)]
    pub preview_path: String,
    pub name: String,
    pub extension: String,
    pub size: i64,
    pub mime_type: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub width: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub height: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub has_preview_image: bool,
    /// A 16×16 JPEG, base64 on the wire (Go's `*[]byte`); `null` until made.
    #[serde(serialize_with = "base64_or_null")]
    pub mini_preview: Option<Vec<u8>>,
    /// Shared-channel origin; always `""` here.
    pub remote_id: String,
    pub archived: bool,
}

/// `POST /api/v4/files`' answer. `client_ids` is `null` for a raw upload without one.
#[derive(Debug, Serialize)]
pub struct FileUploadResponse {
    pub file_infos: Vec<FileInfo>,
    pub client_ids: Option<Vec<String>>,
}

impl FileInfo {
    pub fn is_image(&self) -> bool {
        self.mime_type.starts_with("image")
    }

    pub fn is_svg(&self) -> bool {
        self.mime_type == "image/svg+xml"
    }
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

fn base64_or_null<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    match v {
        Some(bytes) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => s.serialize_none(),
    }
}

/// URL-safe base64 without padding (Go's `base64.RawURLEncoding`), as public-link hashes are.
pub fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let mut f = FileInfo {
            id: "f".repeat(26),
            name: "a.png".into(),
            ..Default::default()
        };
        let v = serde_json::to_value(&f).unwrap();
        assert!(v.get("post_id").is_none());
        assert!(v.get("width").is_none());
        assert!(v.get("path").is_none());
        assert_eq!(v["mini_preview"], serde_json::Value::Null);
        f.mini_preview = Some(b"hello!?".to_vec());
        f.post_id = "p".repeat(26);
        f.width = 3;
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["mini_preview"], "aGVsbG8hPw==");
        assert_eq!(v["width"], 3);
        assert_eq!(v["user_id"], "");
        assert_eq!(base64_url(&[0xfb, 0xff]), "-_8");
    }
}
