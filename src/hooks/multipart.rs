//! A small `multipart/form-data` reader (RFC 7578): enough to take the text fields out of a
//! webhook body. File parts are skipped; nothing is spooled to disk because the whole body is
//! already in memory and bounded by `MaximumPayloadSizeBytes`.

/// One text field of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type value.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        (!v.is_empty() && v.len() <= 70).then(|| v.to_string())
    })
}

/// Splits a body into its form fields (parts without a `filename`). Any structural problem — no
/// opening delimiter, a part without a header block or a `name`, no closing delimiter — is an
/// error.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<FormField>, String> {
    let delim = format!("--{boundary}").into_bytes();
    let Some(first) = find(body, &delim, 0) else {
        return Err("no opening boundary".into());
    };
    // Everything before the first delimiter is preamble.
    let mut pos = first + delim.len();
    let mut fields = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(fields);
        }
        // The rest of the delimiter line (optional whitespace), then CRLF.
        pos = line_end(body, pos).ok_or("boundary line without CRLF")?;
        let next = find_delimiter(body, &delim, pos).ok_or("no closing boundary")?;
        // The part's content ends before the CRLF that precedes the next delimiter.
        let part = &body[pos..next];
        let (name, is_file, value) = parse_part(part)?;
        if !is_file {
            fields.push(FormField {
                name,
                value: String::from_utf8_lossy(value).into_owned(),
            });
        }
        pos = next + 2 + delim.len();
    }
}

/// Headers and content of one part: (field name, whether it is a file, content).
fn parse_part(part: &[u8]) -> Result<(String, bool, &[u8]), String> {
    let split = find(part, b"\r\n\r\n", 0);
    let (head, content) = match split {
        Some(i) => (&part[..i], &part[i + 4..]),
        // A part with no headers at all starts with the blank line.
        None if part.starts_with(b"\r\n") => (&part[..0], &part[2..]),
        None => return Err("part without a header block".into()),
    };
    let head = String::from_utf8_lossy(head);
    let disposition = head
        .split("\r\n")
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then_some(v)
        })
        .ok_or("part without Content-Disposition")?;
    let mut name = None;
    let mut is_file = false;
    for param in disposition.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v.to_string()),
            "filename" => is_file = true,
            _ => {}
        }
    }
    let name = name.ok_or("part without a name")?;
    Ok((name, is_file, content))
}

/// The index just past the CRLF ending the line that starts at `pos` (transport padding
/// before it is allowed).
fn line_end(body: &[u8], pos: usize) -> Option<usize> {
    let i = find(body, b"\r\n", pos)?;
    body[pos..i]
        .iter()
        .all(|b| *b == b' ' || *b == b'\t')
        .then_some(i + 2)
}

/// The index of the CRLF before the next delimiter line at or after `from`.
fn find_delimiter(body: &[u8], delim: &[u8], from: usize) -> Option<usize> {
    let mut needle = b"\r\n".to_vec();
    needle.extend_from_slice(delim);
    find(body, &needle, from)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("multipart/form-data;boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn fields_and_files() {
        let body = "preamble\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"payload\"\r\n\r\n\
            {\"text\": \"a\r\nb\"}\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\
            Content-Type: text/plain\r\n\r\n\
            file body\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"empty\"\r\n\r\n\
            \r\n--XyZ--\r\n";
        let f = parse(body.as_bytes(), "XyZ").unwrap();
        assert_eq!(
            f,
            vec![
                FormField {
                    name: "payload".into(),
                    value: "{\"text\": \"a\r\nb\"}".into()
                },
                FormField {
                    name: "empty".into(),
                    value: String::new()
                },
            ]
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse(b"no delimiter at all", "b").is_err());
        assert!(parse(
            b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv",
            "b"
        )
        .is_err());
        assert!(parse(b"--b\r\nX: y\r\n\r\nv\r\n--b--", "b").is_err());
        assert!(parse(
            b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--",
            "b"
        )
        .is_err());
        assert_eq!(parse(b"--b--\r\n", "b").unwrap(), vec![]);
    }
}
