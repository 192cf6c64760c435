//! The request-side parsers: query strings and forms, media types, multipart bodies, the
//! incoming-webhook body decoder (JSON, form, multipart), Slack markup and attachments, and
//! slash-command lines.

use crate::budget::bounded;
use crate::gen::{bytes, config, json, text};
use perch::hooks::decode::{decode, decode_json, media_type};
use perch::hooks::multipart;
use perch::http::{Method, Req};
use perch::slack;
use proptest::prelude::*;

/// A user lookup that knows one user, as the server's would.
fn users(r: &str) -> Option<String> {
    (r == "U123" || r == "bob").then(|| "bob".to_string())
}

/// A multipart body built from parts, then possibly cut or corrupted.
fn multipart_body() -> impl Strategy<Value = (String, Vec<u8>)> {
    let part = (
        prop_oneof![
            Just("text".to_string()),
            Just("payload".to_string()),
            text(3)
        ],
        any::<bool>(),
        text(12),
    );
    (
        "[A-Za-z0-9'()+_,./:=?-]{1,70}",
        proptest::collection::vec(part, 0..5),
        any::<bool>(),
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(boundary, parts, cut, at)| {
            let mut body = Vec::new();
            for (name, file, value) in parts {
                body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                let file = if file { "; filename=\"f.txt\"" } else { "" };
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n")
                        .as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            if cut {
                body.truncate(at.index(body.len() + 1));
            }
            (boundary, body)
        })
}

/// Content types a webhook sender might send, well-formed or not.
fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("application/json".to_string()),
        Just("application/x-www-form-urlencoded".to_string()),
        Just("multipart/form-data; boundary=b".to_string()),
        text(4).prop_map(|t| format!("multipart/form-data; boundary={t}")),
        text(6),
    ]
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn queries_and_forms(raw in bytes(24)) {
        let s = String::from_utf8_lossy(&raw).into_owned();
        bounded("query", raw.len(), 16, || {
            let _ = perch::form::parse_query(&s);
            let _ = perch::form::parse_form_strict(&raw);
            let _ = perch::form::percent_decode(&s);
            let _ = perch::form::form_decode_bytes(&raw);
            let _ = perch::form::form_value(&raw, "payload");
            let _ = perch::form::base_media_type(&s);
            let _ = media_type(&s);
            let _ = multipart::boundary(&s);
        });
    }

    #[test]
    fn request_targets(url in text(16), method in "[A-Z]{0,8}") {
        bounded("url", url.len(), 16, || {
            let req = Req::new(Method::parse(&method), &url, vec![], vec![]);
            let _ = req.segments_after("/api/v4");
            let _ = req.paging();
            let _ = req.query_bool("x");
        });
    }

    #[test]
    fn multipart_bodies((boundary, body) in multipart_body(), noise in bytes(8)) {
        bounded("multipart", body.len(), 16, || {
            if let Ok(form) = multipart::read_form(&mut &body[..], &boundary, body.len()) {
                for f in form.fields {
                    prop_assert!(f.value.len() <= body.len());
                }
            }
            let _ = multipart::read_form(&mut &noise[..], &boundary, 1 << 20);
            Ok(())
        })?;
    }

    #[test]
    fn webhook_bodies(ctype in content_type(), body in bytes(24), query in text(4)) {
        let req = Req::new(
            Method::Post,
            &format!("/hooks/x?{query}"),
            vec![("Content-Type".into(), ctype)],
            body.clone(),
        );
        bounded("decode", body.len(), 32, || {
            let _ = decode(&req, 300_512);
            let _ = decode_json(&body);
        });
    }

    #[test]
    fn webhook_json(v in json()) {
        let body = v.to_string().into_bytes();
        bounded("decode_json", body.len(), 32, || decode_json(&body).map(|_| ()).ok());
    }

    #[test]
    fn slack_markup(t in text(40)) {
        bounded("slack markup", t.len(), 32, || {
            let out = slack::translate_text(&t, &users);
            // The translation only rewrites markup: it never grows text by more than the
            // mentions' names.
            assert!(out.len() <= t.len() * 4 + 16, "{} → {}", t.len(), out.len());
            let _ = slack::translate_response_text(&t, &users, slack::LinkRule::Attachment);
            let _ = slack::unescape_entities(&t);
        });
    }

    #[test]
    fn slack_attachments(v in json()) {
        let len = v.to_string().len();
        bounded("attachments", len, 64, || {
            if let Ok(mut list) = slack::parse_attachments(&v) {
                for a in &mut list {
                    slack::translate_attachment(a, &users);
                }
            }
            let mut raw = v.clone();
            slack::translate_response_attachment(&mut raw, Some(&users));
            let _ = slack::value_text(&v);
        });
    }

    #[test]
    fn slash_command_lines(line in text(24)) {
        bounded("command line", line.len(), 16, || {
            let (trigger, rest) = perch::commands::parse(&line);
            assert!(trigger.len() <= line.len() * 3 && rest.len() <= line.len());
        });
    }
}
