//! File names → extension and MIME type (Mattermost's `model.NewInfo`: Go's
//! `mime.TypeByExtension` over the lower-cased extension), and how a type is served: which
//! types may be shown inline, which are rewritten to `text/plain` (`web.WriteFileResponse`).

/// Go's built-in table, then the common entries of a system `mime.types`. Unknown → `""`.
const TYPES: &[(&str, &str)] = &[
    ("avif", "image/avif"),
    ("css", "text/css; charset=utf-8"),
    ("gif", "image/gif"),
    ("htm", "text/html; charset=utf-8"),
    ("html", "text/html; charset=utf-8"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("js", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("svg", "image/svg+xml"),
    ("wasm", "application/wasm"),
    ("webp", "image/webp"),
    ("xml", "text/xml; charset=utf-8"),
    // From a system mime.types.
    ("7z", "application/x-7z-compressed"),
    ("avi", "video/x-msvideo"),
    ("bmp", "image/bmp"),
    ("bz2", "application/x-bzip2"),
    ("conf", "text/plain"),
    ("csv", "text/csv"),
    ("deb", "application/vnd.debian.binary-package"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("eml", "message/rfc822"),
    ("flac", "audio/flac"),
    ("gz", "application/gzip"),
    ("heic", "image/heic"),
    ("ico", "image/vnd.microsoft.icon"),
    ("ics", "text/calendar"),
    ("jar", "application/java-archive"),
    ("log", "text/plain"),
    ("m4a", "audio/mp4"),
    ("md", "text/markdown"),
    ("mkv", "video/x-matroska"),
    ("mov", "video/quicktime"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
    ("mpeg", "video/mpeg"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("oga", "audio/ogg"),
    ("ogg", "audio/ogg"),
    ("ogv", "video/ogg"),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("rtf", "application/rtf"),
    ("sh", "application/x-sh"),
    ("tar", "application/x-tar"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("tsv", "text/tab-separated-values"),
    ("txt", "text/plain"),
    ("wav", "audio/x-wav"),
    ("webm", "video/webm"),
    ("xhtml", "application/xhtml+xml"),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("zip", "application/zip"),
];

/// The extension Mattermost records: the lower-cased text after the last `.` (none for a name
/// without one; a leading-dot name like `.bashrc` has the extension `bashrc`, as in Go).
pub fn extension(name: &str) -> String {
    match name.rfind('.') {
        Some(i) => name[i + 1..].to_lowercase(),
        None => String::new(),
    }
}

/// The MIME type for an extension (without the dot), `""` when unknown.
pub fn type_for(extension: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(e, _)| *e == extension)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

/// Types a browser would run as a page or script if it opened them: Mattermost serves them as
/// `text/plain` (and as attachments, like everything that is not media).
const UNSAFE: &[&str] = &[
    "application/javascript",
    "application/ecmascript",
    "text/javascript",
    "text/ecmascript",
    "application/x-javascript",
    "text/html",
    // Perch: XHTML is HTML.
    "application/xhtml+xml",
];

/// Types shown inline (images, audio, video); everything else is an attachment.
const MEDIA: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/bmp",
    "image/gif",
    "image/tiff",
    "image/webp",
    "video/avi",
    "video/mpeg",
    "video/mp4",
    "audio/mpeg",
    "audio/wav",
];

/// The `Content-Type` a stored file is served with.
pub fn served_type(mime: &str) -> &str {
    if mime.is_empty() {
        "application/octet-stream"
    } else if UNSAFE.iter().any(|u| mime.starts_with(u)) {
        "text/plain"
    } else {
        mime
    }
}

/// Whether a served type may be shown inline (unless a download is asked for).
pub fn is_inline_media(served: &str) -> bool {
    MEDIA.iter().any(|m| served.starts_with(m))
}

/// Whether a type is one of the images Perch makes thumbnails and previews for.
pub fn is_previewable_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_serving() {
        assert_eq!(extension("Report.HTML"), "html");
        assert_eq!(extension("noext"), "");
        assert_eq!(extension("archive.tar.gz"), "gz");
        assert_eq!(type_for("html"), "text/html; charset=utf-8");
        assert_eq!(type_for("nope"), "");
        assert_eq!(served_type("text/html; charset=utf-8"), "text/plain");
        assert_eq!(served_type(""), "application/octet-stream");
        assert_eq!(served_type("image/svg+xml"), "image/svg+xml");
        assert!(!is_inline_media("image/svg+xml"));
        assert!(!is_inline_media("text/plain"));
        assert!(is_inline_media("image/png"));
        assert!(TYPES.windows(1).all(|w| !w[0].0.contains('.')));
    }
}
