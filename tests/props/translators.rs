//! Every built-in translator on its real payloads (`tests/fixtures/integrations/`) mutated, and
//! on noise; source detection, delivery ids and signature checks on the same requests; user
//! templates built from Jinja fragments, rendered against mutated payloads.

use crate::budget::bounded;
use crate::corpus::{fixtures, Fixture};
use crate::gen::{bytes, config, json, mutate, mutation, text};
use perch::integrations::{self, template, Headers};
use proptest::prelude::*;
use proptest::sample::Index;

/// Runs one request through everything a hosted integration does with it before posting.
fn exercise(source: &str, headers: &[(String, String)], body: &[u8]) {
    let h = Headers(headers);
    bounded(source, body.len(), 64, || {
        let _ = integrations::detect(&h, body);
        let _ = integrations::delivery_id(source, &h);
        let _ = integrations::verify_signature(source, &h, body, "s3cret", "token=s3cret");
        let translate = integrations::find(source).unwrap();
        if let Ok(integrations::Outcome::Post(t)) = translate(&h, body) {
            let _ = integrations::event_allowed(&["*".into()], &[], &t.event);
        }
    });
}

/// Header lists: a fixture's, with values replaced by generated text.
fn headers_of(f: &Fixture, changes: &[(Index, String)]) -> Vec<(String, String)> {
    let mut headers = f.headers.clone();
    for (i, v) in changes {
        if !headers.is_empty() {
            let k = i.index(headers.len());
            headers[k].1 = v.clone();
        }
    }
    headers
}

/// Template source built from Jinja fragments over the payloads' shape, including loops and
/// expressions that try to run long or grow large (fuel and the output cap stop them).
fn template_source() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(&[
            "{{ payload }}", "{{ object_kind }}", "{{ alerts[0].labels }}", "{{ x.y.z }}",
            "{{ payload | tojson }}", "{{ (alerts | length) * 2 }}", "{{ text | upper }}",
            "{% for a in alerts %}{{ a.status }}{% endfor %}", "{% if action %}A{% else %}B{% endif %}",
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "{{ 'ab' * 100000000 }}", "{{ range(100000000) | list }}", "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
            "{% set x = payload %}{{ x }}", "{{ 1 / 0 }}", "{{ undefined.attr }}", "{\"text\": \"{{ text }}\"}",
            "{{", "}}", "{%", "%}", "{% for %}", "{# c #}", "{% raw %}",
        ][..]).prop_map(str::to_string),
        1 => text(4),
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn translators_on_mutated_payloads(
        pick in any::<Index>(),
        changes in proptest::collection::vec(mutation(), 1..5),
        header_changes in proptest::collection::vec((any::<Index>(), text(4)), 0..2),
    ) {
        let f = &fixtures()[pick.index(fixtures().len())];
        let body = serde_json::to_vec(&mutate(&f.body, &changes)).unwrap();
        exercise(f.source, &headers_of(f, &header_changes), &body);
    }

    #[test]
    fn translators_on_noise(pick in any::<Index>(), body in bytes(24)) {
        let f = &fixtures()[pick.index(fixtures().len())];
        exercise(f.source, &f.headers, &body);
    }

    #[test]
    fn translators_on_any_json(pick in any::<Index>(), v in json()) {
        let f = &fixtures()[pick.index(fixtures().len())];
        exercise(f.source, &f.headers, &serde_json::to_vec(&v).unwrap());
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn templates(
        source in template_source(),
        pick in any::<Index>(),
        changes in proptest::collection::vec(mutation(), 0..3),
    ) {
        let f = &fixtures()[pick.index(fixtures().len())];
        let payload = mutate(&f.body, &changes);
        let len = source.len() + payload.to_string().len();
        bounded("template", len, 64, || {
            if template::check(&source).is_ok() {
                let _ = template::render(&source, &payload);
            }
        });
    }
}

#[test]
fn templates_that_run_long_or_grow_large_are_stopped() {
    for t in [
        "{{ 'ab' * 100000000 }}",
        "{{ range(100000000) | list }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    ] {
        let r = bounded("template", t.len(), 0, || {
            template::render(t, &serde_json::json!({}))
        });
        assert!(r.is_err(), "{t} rendered");
    }
}
