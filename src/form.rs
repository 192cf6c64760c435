//! The text codecs of the web that are not the server: `application/x-www-form-urlencoded`
//! bodies and query strings (decoding and encoding, over the `form_urlencoded` and
//! `percent-encoding` crates), percent-decoded path segments, and the media type of a
//! `Content-Type` value. Used by `http` (queries, paths), `hooks` (form bodies),
//! `integrations` (GitHub's `payload=` bodies, `?token=`), `outgoing` and `commands` (form
//! bodies they send). No I/O.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// What stays as it is when encoding: RFC 3986's unreserved characters (`A-Za-z0-9-._~`), as
/// Go's `url.QueryEscape` has them.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Splits and decodes an `a=1&b=2` string (a query, or a form body read leniently): `+` is a
/// space, malformed `%` escapes are kept as they are, invalid UTF-8 is replaced.
pub fn parse_query(qs: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(qs.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A form body decoded strictly, as Go's `url.ParseQuery` does: a malformed `%` escape or a
/// `;` in a key is an error (`None`).
pub fn parse_form_strict(body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        if k.contains(&b';') || !escapes_are_whole(k) || !escapes_are_whole(v) {
            return None;
        }
        let text = |s: &[u8]| String::from_utf8_lossy(&form_decode_bytes(s)).into_owned();
        out.push((text(k), text(v)));
    }
    Some(out)
}

/// Whether every `%` in `s` is followed by two hex digits.
fn escapes_are_whole(s: &[u8]) -> bool {
    s.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || s.get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Percent-decoding of a path segment (`+` stays a `+`); malformed escapes are kept as they
/// are, invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Form-style decoding of raw bytes: `%XX` escapes and `+` for a space; malformed escapes
/// are kept as they are.
pub fn form_decode_bytes(s: &[u8]) -> Vec<u8> {
    if !s.contains(&b'+') {
        return percent_encoding::percent_decode(s).collect();
    }
    let spaced: Vec<u8> = s
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaced).collect()
}

/// The first value of `name` in an `application/x-www-form-urlencoded` string, decoded.
pub fn form_value(form: &[u8], name: &str) -> Option<Vec<u8>> {
    form.split(|&c| c == b'&').find_map(|pair| {
        let (k, v) = match pair.iter().position(|&c| c == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        (form_decode_bytes(k) == name.as_bytes()).then(|| form_decode_bytes(v))
    })
}

/// Percent-encodes a string for a form body or query: unreserved characters pass, a space
/// is `%20`.
pub fn form_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Go's `url.QueryEscape`: unreserved characters stay, a space becomes `+`, the rest `%XX`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for chunk in percent_encoding::utf8_percent_encode(s, UNRESERVED) {
        out.push_str(if chunk == "%20" { "+" } else { chunk });
    }
    out
}

/// The media type of a `Content-Type` value: lower-cased, without parameters (not checked).
pub fn base_media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_decode(s: &str) -> String {
        String::from_utf8_lossy(&form_decode_bytes(s.as_bytes())).into_owned()
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("bad%zz%"), "bad%zz%");
        assert_eq!(form_decode("a+b%21"), "a b!");
        assert_eq!(form_decode(&form_encode("x y&z=1/é")), "x y&z=1/é");
        assert_eq!(form_decode(&query_escape("x y+&z=1/é")), "x y+&z=1/é");
        assert_eq!(query_escape("a b+c"), "a+b%2Bc");
        assert_eq!(query_escape("*~"), "%2A~");
        assert_eq!(form_encode("a b+c"), "a%20b%2Bc");
    }

    #[test]
    fn queries() {
        assert_eq!(
            parse_query("a=1&&b=x+y%21&c&d=%zz"),
            [("a", "1"), ("b", "x y!"), ("c", ""), ("d", "%zz")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn byte_decoding_edge_cases() {
        assert_eq!(form_decode_bytes(b"a+b%20c"), b"a b c");
        assert_eq!(form_decode_bytes(b"100%"), b"100%");
        assert_eq!(form_decode_bytes(b"%zz%4"), b"%zz%4");
        assert_eq!(form_decode_bytes(b"%C3%A9"), "é".as_bytes());
        assert_eq!(form_value(b"a=1&b=2", "b"), Some(b"2".to_vec()));
        assert_eq!(form_value(b"a=1&b", "b"), Some(Vec::new()));
        assert_eq!(form_value(b"a=1", "b"), None);
        assert_eq!(
            form_value(b"t%6Fken=a%2Bb+c", "token"),
            Some(b"a+b c".to_vec())
        );
    }

    #[test]
    fn strict_form_decoding() {
        assert_eq!(
            parse_form_strict(b"payload=%7B%22a%22%3A+1%7D&x").unwrap(),
            vec![
                ("payload".to_string(), "{\"a\": 1}".to_string()),
                ("x".to_string(), String::new())
            ]
        );
        assert!(parse_form_strict(b"payload=%zz").is_none());
        assert!(parse_form_strict(b"payload=%4").is_none());
        assert!(parse_form_strict(b"a;b=1").is_none());
        assert_eq!(parse_form_strict(b"a=1;2").unwrap()[0].1, "1;2");
    }
}
