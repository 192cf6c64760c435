//! Grafana alerting webhook contact points. No event header: switches on the body's shape
//! and state.
//!
//! - Unified alerting (Grafana 8+; an `alerts` array): the Alertmanager layout plus Grafana's
//!   `title`, per-alert `silenceURL` / `dashboardURL` / `panelURL`, `values` or
//!   `valueString`, `imageURL`. Rendered like [`alertmanager`](super::alertmanager) with the
//!   Grafana headline and links. Event `alert.firing` / `alert.resolved` from `status`.
//!   Thread: `grafana:{groupKey}` (else the first alert's fingerprint).
//! - Legacy dashboard alerting (Grafana ≤ 10; `ruleName` / `evalMatches`): one attachment
//!   with the message, the matched metrics as fields and the panel image. `state`
//!   `alerting` → event `alert.firing` (red), `ok` → `alert.resolved` (green), others
//!   `alert.<state>` (`no_data` yellow; `paused`, `pending` grey).
//!   Thread: `grafana:rule:{ruleId}` (else the rule name).

use serde_json::Value;

use super::alertmanager::{group_post, Style};
use super::github::plain;
use super::json::{array_at, at, i64_at, parse_body, str_at, text_at};
use super::render::{code, escape_md, excerpt, link, link_raw, DANGER, GOOD, NEUTRAL, WARNING};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::{single_line, Attachment};

const GRAFANA: Style = Style {
    product: "Grafana",
    source: "grafana",
};

/// Grafana: unified alerting (an Alertmanager payload with Grafana's keys, so it shadows
/// Alertmanager) and the legacy payload (`evalMatches`, `ruleName`).
pub const SOURCE: Source = Source {
    name: "grafana",
    aliases: &[],
    event_headers: &[],
    marker_headers: &["X-Grafana-Alerting-Signature"],
    shape: Some(|v| {
        let has_alerts = at(v, "alerts").is_some_and(Value::is_array);
        (has_alerts && (at(v, "orgId").is_some() || at(v, "title").is_some()))
            || at(v, "evalMatches").is_some()
            || (str_at(v, "ruleName").is_some() && str_at(v, "state").is_some())
    }),
    agents: &["Grafana"],
    shadows: &["alertmanager"],
    delivery_id_headers: &[],
    signature: &[Check::Grafana, Check::Token],
    translate,
};

/// Translates one Grafana webhook notification.
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    if at(&v, "alerts").is_some_and(Value::is_array) {
        let title = str_at(&v, "title").map(single_line);
        return group_post(&v, &GRAFANA, title.as_deref(), &grafana_extras);
    }
    if at(&v, "ruleName").is_some() || at(&v, "evalMatches").is_some() {
        return legacy(&v);
    }
    Err(TranslateError::BadPayload(
        "neither an `alerts` array (unified alerting) nor `ruleName` (legacy alerting)".to_owned(),
    ))
}

/// Links, values and the image Grafana adds to each alert.
fn grafana_extras(alert: &Value, mut att: Attachment) -> Attachment {
    let links: Vec<String> = [
        ("Silence", "silenceURL"),
        ("Dashboard", "dashboardURL"),
        ("Panel", "panelURL"),
    ]
    .iter()
    .filter_map(|(label, key)| str_at(alert, key).map(|u| link_raw(label, Some(u))))
    .filter(|l| l.starts_with('['))
    .collect();
    if !links.is_empty() {
        let joined = links.join(" · ");
        att.text = if att.text.is_empty() {
            joined
        } else {
            format!("{}\n{joined}", att.text)
        };
    }
    let values = at(alert, "values")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, val)| format!("{}={}", escape_md(k), val))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .or_else(|| str_at(alert, "valueString").map(|s| code(s.trim())));
    att.field_opt("Value", values, false)
        .image(str_at(alert, "imageURL"))
}

fn legacy(v: &Value) -> Result<Outcome, TranslateError> {
    let state = str_at(v, "state")
        .unwrap_or("alerting")
        .to_ascii_lowercase();
    let (event, color) = match state.as_str() {
        "alerting" => ("alert.firing".to_owned(), DANGER),
        "ok" => ("alert.resolved".to_owned(), GOOD),
        "no_data" => ("alert.no_data".to_owned(), WARNING),
        other => (format!("alert.{other}"), NEUTRAL),
    };
    let rule = str_at(v, "ruleName").unwrap_or("Grafana alert");
    let title = str_at(v, "title")
        .map(single_line)
        .unwrap_or_else(|| rule.to_owned());
    let url = str_at(v, "ruleUrl");
    // Grafana's title already names the state (`[Alerting] …`, `[OK] …`).
    let text = format!("**{}**", link(&title, url));
    let mut att = Attachment::new(plain(&text), color)
        .title(rule.to_owned(), url)
        .text(excerpt(str_at(v, "message").unwrap_or(""), 1000))
        .image(str_at(v, "imageUrl"))
        .footer("Grafana");
    for m in array_at(v, "evalMatches").iter().take(10) {
        let metric = str_at(m, "metric").unwrap_or("value");
        let value = text_at(m, "value").unwrap_or_else(|| "—".to_owned());
        att = att.field(metric, escape_md(&value), true);
    }
    let key = match i64_at(v, "ruleId") {
        Some(id) => format!("grafana:rule:{id}"),
        None => format!("grafana:rule:{rule}"),
    };
    Ok(Translated::new(event, text).attach(att).thread(key).post())
}

#[cfg(test)]
mod tests {
    use super::super::render::GOOD;
    use super::super::testutil::{att, field, post};
    use super::translate;
    use serde_json::json;

    #[test]
    fn values_image_and_links_of_newer_grafana() {
        // Grafana 11 sends tab-indented JSON; whitespace does not matter.
        let body = json!({"receiver": "r", "status": "firing", "orgId": 1, "groupKey": "gk",
            "title": "[FIRING:1] CPU (prod)", "state": "alerting", "externalURL": "https://g.example.com/",
            "alerts": [{"status": "firing", "labels": {"alertname": "CPU"},
                        "annotations": {"summary": "CPU high"}, "values": {"A": 97.5, "B": 1},
                        "generatorURL": "https://g.example.com/alerting/grafana/x/view",
                        "dashboardURL": "https://g.example.com/d/abc", "panelURL": "https://g.example.com/d/abc?viewPanel=2",
                        "silenceURL": "", "imageURL": "https://g.example.com/img/1.png"}]});
        let tabbed = serde_json::to_string_pretty(&body)
            .unwrap()
            .replace("  ", "\t");
        let t = super::super::find("grafana").unwrap();
        let out = t(&super::super::Headers(&[]), tabbed.as_bytes()).unwrap();
        let super::super::Outcome::Post(p) = out else {
            panic!("expected a post")
        };
        assert_eq!(p.event, "alert.firing");
        assert_eq!(field(&p, "Value"), Some("A=97.5, B=1"));
        assert_eq!(att(&p, "image_url"), "https://g.example.com/img/1.png");
        assert_eq!(
            att(&p, "text"),
            "[Dashboard](https://g.example.com/d/abc) · [Panel](https://g.example.com/d/abc?viewPanel=2)"
        );
        assert_eq!(p.thread_key.as_deref(), Some("grafana:gk"));
    }

    #[test]
    fn legacy_ok_is_resolved() {
        let p = post(
            translate,
            &[],
            &json!({"ruleId": 3, "ruleName": "Load", "state": "ok", "title": "[OK] Load",
                    "ruleUrl": "http://g/d/1", "evalMatches": []}),
        );
        assert_eq!(p.event, "alert.resolved");
        assert_eq!(att(&p, "color"), GOOD);
        assert_eq!(p.thread_key.as_deref(), Some("grafana:rule:3"));
    }
}
