//! The text side of a `multipart/form-data` webhook call: its form fields (read through the
//! streaming reader, `files::multipart`) and the names of its file parts, whose contents are
//! skipped here and stored later (`files.rs`, once the call is accepted).

use crate::files::multipart::Multipart;
use std::io::Read;

pub use crate::files::multipart::boundary;

/// One text field of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

/// A form's text fields and the file names of its file parts, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<FormField>,
    pub files: Vec<String>,
}

/// Reads a form: text fields (parts without a file name) up to `limit` bytes in all, file parts
/// by name only. Any structural problem, or fields longer than `limit`, is an error.
pub fn read_form(body: &mut dyn Read, boundary: &str, limit: usize) -> Result<Form, String> {
    let mut mp = Multipart::new(body, boundary);
    let mut form = Form::default();
    let mut left = limit;
    while let Some(head) = mp.next_part().map_err(|e| e.to_string())? {
        match head.filename.filter(|f| !f.is_empty()) {
            Some(name) => form.files.push(name),
            None => {
                let value = mp
                    .read_part_limited(left)
                    .map_err(|e| e.to_string())?
                    .ok_or("the form's fields are too long")?;
                left -= value.len();
                form.fields.push(FormField {
                    name: head.name,
                    value: String::from_utf8_lossy(&value).into_owned(),
                });
            }
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &[u8], boundary: &str) -> Result<Form, String> {
        read_form(&mut &body[..], boundary, 1 << 20)
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
            f.fields,
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
        assert_eq!(f.files, ["x.txt"]);
        // Fields beyond the limit are refused.
        assert!(read_form(&mut body.as_bytes(), "XyZ", 10).is_err());
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
        assert_eq!(parse(b"--b--\r\n", "b").unwrap(), Form::default());
    }
}
