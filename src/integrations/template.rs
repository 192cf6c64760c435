//! User-defined message templates for hooks (Jinja syntax, rendered with minijinja).
//!
//! The template sees the payload's top-level keys as variables (`{{ repository.full_name }}`)
//! and the whole payload as `payload` (unless the payload has its own top-level `payload`
//! key, as Redmine's plugin does; then `payload` is that key, as written in the JSON).
//! Missing keys render as empty and can be chained (`{{ a.b.c }}` is empty when `a` is
//! missing), so one template survives payload variations.
//!
//! Output: when the rendered text is a JSON object it is read as a Slack payload
//! (`text`, `attachments`, `username`, `icon_url`, and our `thread_key`); otherwise the
//! rendered text is the post message. A rendering that is empty (only blanks) yields an
//! empty [`Translated`], which callers treat as "nothing to post", so a template can skip
//! events with `{% if … %}`.
//!
//! Sandboxing: no loader (no `include`/`import` of other files), no functions beyond
//! minijinja's built-ins, and bounds: a template is at most [`MAX_TEMPLATE_BYTES`], a render
//! may execute at most [`FUEL`] instructions and write at most [`MAX_OUTPUT_BYTES`] (writing
//! stops at the cap). Known gap: fuel counts instructions, not bytes, so a handful of string
//! concatenations can still build a large string in memory before the output cap applies;
//! hook templates are written by people trusted to manage integrations.

use std::fmt;
use std::io;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

use super::Translated;

/// Largest accepted template source.
pub const MAX_TEMPLATE_BYTES: usize = 32 * 1024;
/// Largest rendered output.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;
/// Instruction budget per render: ample for loops over a few hundred items, small enough to
/// stop a runaway loop in milliseconds.
pub const FUEL: u64 = 200_000;
/// Nesting limit for macros and blocks (minijinja's default is 500).
const RECURSION_LIMIT: usize = 64;

/// Why a template was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// The template (or its output) exceeds a size limit.
    TooLarge(String),
    /// The template does not parse; the message names the line.
    Syntax(String),
    /// Rendering failed (bad filter use, fuel exhausted, output cap, bad JSON payload shape).
    Render(String),
    /// The rendered attachments are not Slack attachments (a field of the wrong JSON type).
    Attachments(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::TooLarge(m) => write!(f, "template too large: {m}"),
            TemplateError::Syntax(m) => write!(f, "template syntax error: {m}"),
            TemplateError::Render(m) => write!(f, "template render error: {m}"),
            TemplateError::Attachments(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TemplateError {}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env
}

fn describe(e: &minijinja::Error) -> String {
    let mut msg = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    if let Some(line) = e.line() {
        msg.push_str(&format!(" (line {line})"));
    }
    msg
}

fn check_size(template: &str) -> Result<(), TemplateError> {
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::TooLarge(format!(
            "{} bytes, the limit is {MAX_TEMPLATE_BYTES}",
            template.len()
        )));
    }
    Ok(())
}

/// Validates a template when a hook is saved: size and syntax.
pub fn check(template: &str) -> Result<(), TemplateError> {
    check_size(template)?;
    let env = environment();
    env.template_from_str(template)
        .map(|_| ())
        .map_err(|e| TemplateError::Syntax(describe(&e)))
}

/// Renders `template` against `payload` into a post. The post's `event` is `template`; the
/// caller knows the real event from the translator or [`detect`](super::detect).
pub fn render(template: &str, payload: &Value) -> Result<Translated, TemplateError> {
    check_size(template)?;
    let env = environment();
    let tmpl = env
        .template_from_str(template)
        .map_err(|e| TemplateError::Syntax(describe(&e)))?;
    let mut ctx = match payload {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    if !ctx.contains_key("payload") {
        ctx.insert("payload".to_owned(), payload.clone());
    }
    let mut out = CappedWriter::default();
    if let Err(e) = tmpl.render_captured_to(Value::Object(ctx), &mut out) {
        if out.overflowed {
            return Err(TemplateError::TooLarge(format!(
                "output exceeds {MAX_OUTPUT_BYTES} bytes"
            )));
        }
        return Err(TemplateError::Render(describe(&e)));
    }
    let rendered = String::from_utf8_lossy(&out.buf).into_owned();
    interpret(rendered)
}

/// Reads the rendered text as a Slack payload when it is a JSON object.
fn interpret(rendered: String) -> Result<Translated, TemplateError> {
    let trimmed = rendered.trim();
    let object = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(map)) if trimmed.starts_with('{') => map,
        _ => return Ok(Translated::new("template", trimmed)),
    };
    let text = |k: &str| {
        object
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let attachments: Vec<Value> = match object.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter(|a| !a.is_null()).cloned().collect(),
        Some(_) => {
            return Err(TemplateError::Render(
                "`attachments` in the rendered JSON must be an array".to_owned(),
            ))
        }
    };
    if attachments.iter().any(|a| !a.is_object()) {
        return Err(TemplateError::Render(
            "every attachment in the rendered JSON must be an object".to_owned(),
        ));
    }
    let attachments = crate::slack::parse_attachments(&Value::Array(attachments))
        .map_err(TemplateError::Attachments)?;
    let mut t = Translated::new("template", text("text").unwrap_or_default());
    t.attachments = attachments;
    t.username = text("username");
    t.icon_url = text("icon_url");
    t.thread_key = text("thread_key");
    Ok(t)
}

/// Collects output and refuses to grow past [`MAX_OUTPUT_BYTES`], which aborts the render.
#[derive(Default)]
struct CappedWriter {
    buf: Vec<u8>,
    overflowed: bool,
}

impl io::Write for CappedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > MAX_OUTPUT_BYTES {
            self.overflowed = true;
            return Err(io::Error::other("template output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::Attachment;
    use serde_json::json;

    fn payload() -> Value {
        json!({
            "repository": {"full_name": "octo/hello"},
            "sender": {"login": "alice"},
            "commits": [{"id": "abc"}, {"id": "def"}],
        })
    }

    #[test]
    fn renders_plain_text() {
        let t = render(
            "{{ sender.login }} pushed {{ commits|length }} commits to {{ repository.full_name }}",
            &payload(),
        )
        .unwrap();
        assert_eq!(t.text, "alice pushed 2 commits to octo/hello");
        assert_eq!(t.event, "template");
        assert!(t.attachments.is_empty());
    }

    #[test]
    fn whole_payload_and_missing_keys() {
        let t = render(
            "{{ payload.sender.login }}|{{ nope.deeper.still }}|",
            &payload(),
        )
        .unwrap();
        assert_eq!(t.text, "alice||");
        // A payload with its own `payload` key keeps it (Redmine's plugin format).
        let redmine = json!({"payload": {"action": "opened"}});
        assert_eq!(
            render("{{ payload.action }}", &redmine).unwrap().text,
            "opened"
        );
    }

    #[test]
    fn json_output_is_a_slack_payload() {
        let src = r##"{"text": {{ ("New push by " ~ sender.login)|tojson }},
            "username": "bot", "thread_key": "k1",
            "attachments": [{"color": "#2EB886", "title": {{ repository.full_name|tojson }}}]}"##;
        let t = render(src, &payload()).unwrap();
        assert_eq!(t.text, "New push by alice");
        assert_eq!(t.username.as_deref(), Some("bot"));
        assert_eq!(t.thread_key.as_deref(), Some("k1"));
        assert_eq!(
            t.attachments,
            vec![Attachment {
                color: "#2EB886".into(),
                title: "octo/hello".into(),
                ..Attachment::default()
            }]
        );
        // Not an object, or not valid JSON: taken as text.
        assert_eq!(render("[1, 2]", &payload()).unwrap().text, "[1, 2]");
        assert_eq!(render("{not json}", &payload()).unwrap().text, "{not json}");
        let bad = render(r#"{"attachments": "x"}"#, &payload());
        assert!(matches!(bad, Err(TemplateError::Render(_))), "{bad:?}");
    }

    #[test]
    fn empty_rendering_means_nothing_to_post() {
        let t = render(
            "{% if sender.login == 'bob' %}hi{% endif %}\n  ",
            &payload(),
        )
        .unwrap();
        assert!(t.text.is_empty() && t.attachments.is_empty());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = check("line one\n{{ broken }\n").unwrap_err();
        match &err {
            TemplateError::Syntax(msg) => assert!(msg.contains("line 2"), "{msg}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            render("{% for %}", &payload()),
            Err(TemplateError::Syntax(_))
        ));
        assert_eq!(check("{{ a }}"), Ok(()));
    }

    #[test]
    fn render_errors_are_reported() {
        let err = render("\n{{ 1 + 'a' }}", &payload()).unwrap_err();
        match &err {
            TemplateError::Render(msg) => assert!(msg.contains("line 2"), "{msg}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn runaway_loops_run_out_of_fuel() {
        let src = "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}";
        let err = render(src, &payload()).unwrap_err();
        match &err {
            TemplateError::Render(msg) => assert!(msg.contains("fuel"), "{msg}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn recursion_is_bounded() {
        let src = "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}";
        assert!(matches!(
            render(src, &payload()),
            Err(TemplateError::Render(_))
        ));
    }

    #[test]
    fn output_is_capped() {
        let src = "{% for i in range(100) %}{{ 'x' * 1000 }}{% endfor %}";
        let err = render(src, &payload()).unwrap_err();
        assert!(matches!(err, TemplateError::TooLarge(_)), "{err:?}");
        // Just under the cap is fine.
        let ok = render("{{ 'y' * 65000 }}", &payload()).unwrap();
        assert_eq!(ok.text.len(), 65000);
    }

    #[test]
    fn templates_are_size_limited_and_cannot_load_files() {
        let big = "a".repeat(MAX_TEMPLATE_BYTES + 1);
        assert!(matches!(check(&big), Err(TemplateError::TooLarge(_))));
        assert!(matches!(
            render(&big, &payload()),
            Err(TemplateError::TooLarge(_))
        ));
        let err = render("{% include '/etc/passwd' %}", &payload()).unwrap_err();
        assert!(matches!(err, TemplateError::Render(_)), "{err:?}");
    }
}
