//! A streaming `multipart/form-data` reader (RFC 7578) over any `Read`: parts come one at a
//! time, their content is read through a fixed buffer, so a 100 MB file part never sits in
//! memory. Used by `POST /api/v4/files` and by incoming webhooks (text fields and file parts).
//!
//! The reader keeps a 64 KiB window of the body. While inside a part it hands out every byte
//! that cannot be the start of the next delimiter (`CRLF--boundary`) and keeps the rest, so
//! a delimiter split across two reads is still found.

use std::io::{self, Read};

/// Bytes of the body held at once.
const WINDOW: usize = 64 * 1024;
/// Longest header block of one part (Content-Disposition, Content-Type, …).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest boundary RFC 2046 allows.
const MAX_BOUNDARY: usize = 70;

/// The `boundary` parameter of a `multipart/form-data` Content-Type value.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = unquote(v.trim());
        (!v.is_empty() && v.len() <= MAX_BOUNDARY).then_some(v)
    })
}

/// What a part's headers say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartHead {
    /// The form field name (`name=`).
    pub name: String,
    /// The file name as the client sent it (`filename=` or `filename*=`), when the part is a
    /// file. Not a path: callers take its base name.
    pub filename: Option<String>,
    pub content_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter.
    Preamble,
    /// Just after a delimiter: the rest of its line, then headers or the closing `--`.
    AtDelimiter,
    /// Inside a part's content.
    InPart,
    Done,
}

/// A multipart body being read. Call `next_part`, then read the part's content with
/// `read_part` (or `part`); unread content is skipped by the next `next_part`.
pub struct Multipart<R> {
    src: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    /// `\r\n--` + boundary: every delimiter, the first included (a virtual CRLF is put
    /// before the body, so a body starting with the delimiter needs no special case).
    delim: Vec<u8>,
    state: State,
}

impl<R: Read> Multipart<R> {
    pub fn new(src: R, boundary: &str) -> Multipart<R> {
        let mut buf = vec![0u8; WINDOW].into_boxed_slice();
        buf[..2].copy_from_slice(b"\r\n");
        Multipart {
            src,
            buf,
            start: 0,
            end: 2,
            eof: false,
            delim: [b"\r\n--", boundary.as_bytes()].concat(),
            state: State::Preamble,
        }
    }

    /// Moves to the next part, skipping what is left of the current one (and the preamble).
    /// `None` after the closing delimiter.
    pub fn next_part(&mut self) -> io::Result<Option<PartHead>> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Preamble | State::InPart => {
                    // Discard content up to the delimiter.
                    let mut sink = [0u8; 8192];
                    while self.read_content(&mut sink)? > 0 {}
                }
                State::AtDelimiter => return self.after_delimiter(),
            }
        }
    }

    /// Reads the current part's content; 0 at its end.
    pub fn read_part(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.state != State::InPart {
            return Ok(0);
        }
        self.read_content(out)
    }

    /// Reads content (of a part, or the preamble) up to the next delimiter.
    fn read_content(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let window = &self.buf[self.start..self.end];
            match find(window, &self.delim) {
                Some(0) => {
                    self.start += self.delim.len();
                    self.state = State::AtDelimiter;
                    return Ok(0);
                }
                Some(at) => return Ok(self.take(at, out)),
                None => {
                    // Everything but a tail that could begin a delimiter is content.
                    let safe = window.len().saturating_sub(self.delim.len() - 1);
                    if safe > 0 {
                        return Ok(self.take(safe, out));
                    }
                    if self.eof {
                        return Err(malformed("the body ends inside a part"));
                    }
                    self.fill()?;
                }
            }
        }
    }

    /// The current part's content, up to `limit` bytes; `None` if it is longer.
    pub fn read_part_limited(&mut self, limit: usize) -> io::Result<Option<Vec<u8>>> {
        let mut value = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.read_part(&mut chunk)?;
            if n == 0 {
                return Ok(Some(value));
            }
            if value.len() + n > limit {
                return Ok(None);
            }
            value.extend_from_slice(&chunk[..n]);
        }
    }

    /// The current part's content as a `Read`.
    pub fn part(&mut self) -> Part<'_, R> {
        Part(self)
    }

    /// Copies up to `n` window bytes to `out`.
    fn take(&mut self, n: usize, out: &mut [u8]) -> usize {
        let n = n.min(out.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        n
    }

    /// Moves the unread bytes to the front and reads more after them.
    fn fill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        while self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    // One successful read is enough progress.
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ensures `n` unread bytes are buffered (fewer only at the end of the body).
    fn want(&mut self, n: usize) -> io::Result<()> {
        while self.end - self.start < n && !self.eof {
            self.fill()?;
        }
        Ok(())
    }

    /// After a delimiter: `--` ends the body; otherwise optional blanks, CRLF, the part's
    /// header block and its blank line.
    fn after_delimiter(&mut self) -> io::Result<Option<PartHead>> {
        self.want(2)?;
        if self.buf[self.start..self.end].starts_with(b"--") {
            self.state = State::Done;
            return Ok(None);
        }
        // Transport padding, then the line end.
        loop {
            self.want(2)?;
            let w = &self.buf[self.start..self.end];
            if w.starts_with(b"\r\n") {
                self.start += 2;
                break;
            }
            match w.first() {
                Some(b' ' | b'\t') => self.start += 1,
                _ => return Err(malformed("a delimiter line without CRLF")),
            }
        }
        // The header block ends with an empty line; a part without headers starts with it.
        let head_len = loop {
            let w = &self.buf[self.start..self.end];
            if w.starts_with(b"\r\n") {
                break 0;
            }
            if let Some(i) = find(w, b"\r\n\r\n") {
                break i + 2;
            }
            if w.len() >= MAX_HEADER_BYTES {
                return Err(malformed("a part's headers are too long"));
            }
            if self.eof {
                return Err(malformed("the body ends inside a part's headers"));
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[self.start..self.start + head_len]);
        let part = parse_head(&head)?;
        self.start += head_len + 2;
        self.state = State::InPart;
        Ok(Some(part))
    }
}

/// A part's content as a `Read` (ends at the part's end).
pub struct Part<'a, R>(&'a mut Multipart<R>);

impl<R: Read> Read for Part<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read_part(out)
    }
}

fn malformed(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}

/// Parses a part's header lines; `Content-Disposition: form-data` with a `name` is required.
fn parse_head(head: &str) -> io::Result<PartHead> {
    let mut part = PartHead::default();
    let mut disposition = None;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once(':') else {
            return Err(malformed("a part header without a colon"));
        };
        let k = k.trim();
        if k.eq_ignore_ascii_case("content-disposition") {
            disposition = Some(v.trim().to_string());
        } else if k.eq_ignore_ascii_case("content-type") {
            part.content_type = v.trim().to_string();
        }
    }
    let disposition = disposition.ok_or_else(|| malformed("a part without Content-Disposition"))?;
    let mut params = split_params(&disposition).into_iter();
    match params.next() {
        Some((kind, None)) if kind.eq_ignore_ascii_case("form-data") => {}
        _ => return Err(malformed("a part that is not form-data")),
    }
    let mut name = None;
    let mut extended = None;
    for (k, v) in params {
        let v = v.unwrap_or_default();
        match k.to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => part.filename = Some(v),
            "filename*" => extended = decode_ext_value(&v),
            _ => {}
        }
    }
    // RFC 6266: the extended form wins when both are given.
    if extended.is_some() {
        part.filename = extended;
    }
    part.name = name.ok_or_else(|| malformed("a part without a name"))?;
    Ok(part)
}

/// `form-data; name="a;b"; filename=x` → [("form-data", None), ("name", "a;b"), …]: splits
/// on semicolons outside quoted strings and unquotes values.
fn split_params(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut pieces = Vec::new();
    for c in s.chars() {
        if quoted {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
        } else if c == ';' {
            pieces.push(std::mem::take(&mut cur));
        } else {
            if c == '"' {
                quoted = true;
            }
            cur.push(c);
        }
    }
    pieces.push(cur);
    for p in pieces {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        match p.split_once('=') {
            Some((k, v)) => out.push((k.trim().to_string(), Some(unquote(v.trim())))),
            None => out.push((p.to_string(), None)),
        }
    }
    out
}

/// A quoted-string's content (backslash escapes resolved), or the token as it is.
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// RFC 5987 `UTF-8''percent%20encoded` (other charsets are not decoded).
fn decode_ext_value(v: &str) -> Option<String> {
    let (charset, rest) = v.split_once('\'')?;
    let (_, value) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    Some(crate::form::percent_decode(value))
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while from + needle.len() <= hay.len() {
        let i = from
            + hay[from..=hay.len() - needle.len()]
                .iter()
                .position(|&b| b == first)?;
        if hay[i + 1..i + needle.len()] == *rest {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `n` bytes per call, to split delimiters across reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Every part as (head, content), read through reads of `step` bytes.
    fn parts(body: &[u8], boundary: &str, step: usize) -> io::Result<Vec<(PartHead, Vec<u8>)>> {
        let mut m = Multipart::new(Trickle(body, step), boundary);
        let mut out = Vec::new();
        while let Some(head) = m.next_part()? {
            let mut content = Vec::new();
            m.part().read_to_end(&mut content)?;
            out.push((head, content));
        }
        Ok(out)
    }

    fn sample() -> Vec<u8> {
        let mut body = b"preamble\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"payload\"\r\n\r\n\
            {\"text\": \"a\r\nb --XyZ\"}\r\n\
            --XyZ  \r\n\
            Content-Disposition: form-data; name=\"files\"; filename=\"../../etc/x;y.txt\"\r\n\
            Content-Type: text/plain\r\n\r\n"
            .to_vec();
        // Binary content with CRs and near-delimiters inside.
        for i in 0..200_000u32 {
            body.push((i % 251) as u8);
            if i % 9973 == 0 {
                body.extend_from_slice(b"\r\n--XyY\r\n--Xy");
            }
        }
        body.extend_from_slice(
            b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\
              \r\n--XyZ--\r\nepilogue",
        );
        body
    }

    #[test]
    fn parts_are_found_whatever_the_read_sizes() {
        let body = sample();
        let whole = parts(&body, "XyZ", usize::MAX).unwrap();
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0].0.name, "payload");
        assert_eq!(whole[0].0.filename, None);
        assert_eq!(whole[0].1, b"{\"text\": \"a\r\nb --XyZ\"}");
        assert_eq!(whole[1].0.filename.as_deref(), Some("../../etc/x;y.txt"));
        assert_eq!(whole[1].0.content_type, "text/plain");
        assert!(whole[1].1.len() > 200_000);
        assert_eq!(whole[2].1, b"");
        for step in [1, 2, 3, 7, 13, 4096, 65_536] {
            assert_eq!(parts(&body, "XyZ", step).unwrap(), whole, "step {step}");
        }
    }

    #[test]
    fn unread_parts_are_skipped() {
        let body = sample();
        let mut m = Multipart::new(&body[..], "XyZ");
        let names: Vec<String> = std::iter::from_fn(|| m.next_part().unwrap())
            .map(|h| h.name)
            .collect();
        assert_eq!(names, ["payload", "files", "empty"]);
    }

    #[test]
    fn limited_reads_refuse_long_values() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n0123456789\r\n--b--";
        let mut m = Multipart::new(&body[..], "b");
        m.next_part().unwrap();
        assert_eq!(m.read_part_limited(9).unwrap(), None);
        let mut m = Multipart::new(&body[..], "b");
        m.next_part().unwrap();
        assert_eq!(
            m.read_part_limited(10).unwrap().as_deref(),
            Some(&b"0123456789"[..])
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        let bad = |body: &[u8]| parts(body, "b", 5).is_err();
        assert!(bad(b"no delimiter at all"));
        assert!(bad(
            b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv"
        ));
        assert!(bad(b"--b\r\nX: y\r\n\r\nv\r\n--b--"));
        assert!(bad(
            b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--"
        ));
        assert!(bad(
            b"--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nv\r\n--b--"
        ));
        assert!(bad(b"--bjunk\r\n"));
        assert!(bad(&[b"--b\r\nA: ".as_slice(), &[b'x'; 20_000]].concat()));
        assert_eq!(parts(b"--b--\r\n", "b", 1).unwrap(), vec![]);
    }

    #[test]
    fn quoted_and_extended_names() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"f\\\"x\"; \
                    filename=\"a.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n\r\nz\r\n--b--";
        let p = parts(body.as_bytes(), "b", 3).unwrap();
        assert_eq!(p[0].0.name, "f\"x");
        assert_eq!(p[0].0.filename.as_deref(), Some("résumé.pdf"));
    }

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
        assert_eq!(
            boundary(&format!("multipart/form-data; boundary={}", "x".repeat(71))),
            None
        );
    }
}
