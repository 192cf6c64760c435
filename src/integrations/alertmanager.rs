//! Prometheus Alertmanager `webhook_config` receivers (message version 4). No event header:
//! switches on the body's group `status` (`firing` / `resolved`).
//!
//! One post per notification: the text names the group (`commonLabels.alertname`), its state
//! with counts (`[FIRING:2]`, `[RESOLVED]`, or both when a group mixes them) and severity,
//! and links Alertmanager (`externalURL`). Each alert (at most 5, then a count) becomes an
//! attachment coloured by its own status (red firing, green resolved), linked to its
//! `generatorURL`, with its description and labels as fields.
//!
//! Event names: `alert.firing`, `alert.resolved`. Thread: `alertmanager:{groupKey}`, so the
//! resolution (and repeats) of a group reply under its first notification.
//! Grafana's unified alerting payload is a superset; [`grafana`](super::grafana) reuses
//! `group_post`.

use serde_json::Value;

use super::json::{at, parse_body, str_at};
use super::render::{escape_md, excerpt, link, link_raw, DANGER, GOOD};
use super::{Check, Headers, Outcome, Source, TranslateError, Translated};
use crate::slack::Attachment;

/// How many alerts get their own attachment.
const MAX_ALERTS: usize = 5;

/// Prometheus Alertmanager: an `alerts` array with a `groupKey`; the token fallback.
pub const SOURCE: Source = Source {
    name: "alertmanager",
    aliases: &[],
    event_headers: &[],
    marker_headers: &[],
    shape: Some(|v| at(v, "alerts").is_some_and(Value::is_array) && at(v, "groupKey").is_some()),
    agents: &["Alertmanager/"],
    shadows: &[],
    delivery_id_headers: &[],
    signature: &[Check::Token],
    translate,
};

/// Translates one Alertmanager notification.
pub fn translate(_headers: &Headers, body: &[u8]) -> Result<Outcome, TranslateError> {
    let v = parse_body(body)?;
    group_post(&v, &Style::ALERTMANAGER, None, &|_, a| a)
}

/// What differs between Alertmanager and Grafana posts.
pub(crate) struct Style {
    pub product: &'static str,
    pub source: &'static str,
}

impl Style {
    pub(crate) const ALERTMANAGER: Style = Style {
        product: "Alertmanager",
        source: "alertmanager",
    };
}

/// Hook to add product-specific parts to each alert's attachment.
pub(crate) type Extra<'a> = &'a dyn Fn(&Value, Attachment) -> Attachment;

/// The post for one alert-group notification. `title` replaces the generated headline
/// (Grafana sends its own).
pub(crate) fn group_post(
    v: &Value,
    style: &Style,
    title: Option<&str>,
    extra: Extra,
) -> Result<Outcome, TranslateError> {
    let alerts = at(v, "alerts")
        .and_then(Value::as_array)
        .ok_or_else(|| super::json::missing("alerts"))?;
    let group_status = str_at(v, "status").unwrap_or("firing").to_ascii_lowercase();
    let status_of = |a: &Value| {
        str_at(a, "status")
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| group_status.clone())
    };
    let firing = alerts.iter().filter(|a| status_of(a) == "firing").count();
    let resolved = alerts.len() - firing;
    let badge = match (firing, resolved) {
        (0, _) => "[RESOLVED]".to_owned(),
        (f, 0) => format!("[FIRING:{f}]"),
        (f, r) => format!("[FIRING:{f}, RESOLVED:{r}]"),
    };
    let first = alerts.first();
    let name = str_at(v, "commonLabels.alertname")
        .or_else(|| str_at(v, "groupLabels.alertname"))
        .or_else(|| first.and_then(|a| str_at(a, "labels.alertname")))
        .unwrap_or("Alert");
    let external = str_at(v, "externalURL");
    let headline = match title {
        Some(t) => format!("**{}**", link(t, external)),
        None => link(name, external),
    };
    let severity = str_at(v, "commonLabels.severity")
        .map(|s| format!(" ({})", escape_md(s)))
        .unwrap_or_default();
    let summary = str_at(v, "commonAnnotations.summary")
        .map(|s| format!(": {}", escape_md(s)))
        .unwrap_or_default();
    let receiver = str_at(v, "receiver");
    let text = if title.is_some() {
        format!("{headline}{severity}{summary}")
    } else {
        // The badge is our own text: no escaping needed.
        format!("**{badge}** {headline}{severity}{summary}")
    };
    let mut post = Translated::new(format!("alert.{group_status}"), text);
    for alert in alerts.iter().take(MAX_ALERTS) {
        let status = status_of(alert);
        let att = alert_attachment(alert, &status, name, style, receiver);
        post = post.attach(extra(alert, att));
    }
    if alerts.len() > MAX_ALERTS {
        post.text.push_str(&format!(
            "\n… and {} more alerts",
            alerts.len() - MAX_ALERTS
        ));
    }
    if let Some(n) = at(v, "truncatedAlerts")
        .and_then(Value::as_i64)
        .filter(|n| *n > 0)
    {
        post.text.push_str(&format!(
            "\n({n} alerts were truncated by {})",
            style.product
        ));
    }
    let key = str_at(v, "groupKey")
        .map(str::to_owned)
        .or_else(|| {
            first
                .and_then(|a| str_at(a, "fingerprint"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{}/{name}", receiver.unwrap_or("")));
    Ok(post.thread(format!("{}:{key}", style.source)).post())
}

fn alert_attachment(
    alert: &Value,
    status: &str,
    group_name: &str,
    style: &Style,
    receiver: Option<&str>,
) -> Attachment {
    let name = str_at(alert, "labels.alertname").unwrap_or(group_name);
    let summary = str_at(alert, "annotations.summary");
    let title = match summary {
        Some(s) => format!("{name}: {s}"),
        None => name.to_owned(),
    };
    let color = if status == "firing" { DANGER } else { GOOD };
    let description =
        str_at(alert, "annotations.description").or_else(|| str_at(alert, "annotations.message"));
    let fallback = format!("[{}] {title}", status.to_ascii_uppercase());
    let mut att = Attachment::new(fallback, color)
        .title(title, str_at(alert, "generatorURL"))
        .text(excerpt(description.unwrap_or(""), 1000));
    if let Some(labels) = at(alert, "labels").and_then(Value::as_object) {
        for (k, val) in labels {
            if k == "alertname" {
                continue;
            }
            if let Some(s) = val.as_str() {
                att = att.field(k, escape_md(s), true);
            }
        }
    }
    att = att
        .field_opt(
            "Started",
            str_at(alert, "startsAt").and_then(timestamp),
            true,
        )
        .field_opt(
            "Ended",
            str_at(alert, "endsAt")
                .filter(|_| status != "firing")
                .and_then(timestamp),
            true,
        )
        .field_opt(
            "Runbook",
            str_at(alert, "annotations.runbook_url").map(|u| link_raw("runbook", Some(u))),
            true,
        );
    let footer = match receiver {
        Some(r) => format!("{} · {r}", style.product),
        None => style.product.to_owned(),
    };
    att.footer(footer)
}

/// `2020-02-06T00:17:58.432911368Z` → `2020-02-06 00:17:58 UTC`; `None` for Go's zero time
/// (`0001-01-01…`, "no end known").
fn timestamp(ts: &str) -> Option<String> {
    if ts.starts_with("0001-01-01") {
        return None;
    }
    let (date, time) = ts.split_once('T')?;
    let clock: String = time.chars().take(8).collect();
    let zone = if time.ends_with('Z') {
        "UTC".to_owned()
    } else {
        time.get(time.len().saturating_sub(6)..)
            .unwrap_or("")
            .to_owned()
    };
    Some(format!("{date} {clock} {zone}").trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::render::{DANGER, GOOD};
    use super::super::testutil::{att, post};
    use super::translate;
    use serde_json::{json, Value};

    #[test]
    fn older_payloads_without_per_alert_status_use_the_group_status() {
        let p = post(
            translate,
            &[],
            &json!({"receiver": "teams", "status": "firing", "groupKey": "{}:{alertname=\"Up\"}",
                    "commonLabels": {"alertname": "Up", "severity": "page"},
                    "externalURL": "http://am:9093",
                    "alerts": [{"labels": {"alertname": "Up", "instance": "db1"},
                                "annotations": {"summary": "db1 down"},
                                "startsAt": "2024-05-01T10:00:00+02:00", "endsAt": "0001-01-01T00:00:00Z"}]}),
        );
        assert_eq!(p.text, "**[FIRING:1]** [Up](http://am:9093) (page)");
        assert_eq!(att(&p, "color"), DANGER);
        assert_eq!(att(&p, "title"), "Up: db1 down");
        assert_eq!(
            p.thread_key.as_deref(),
            Some("alertmanager:{}:{alertname=\"Up\"}")
        );
        assert_eq!(
            p.attachments[0].fields.as_ref().unwrap()[1].value,
            "2024-05-01 10:00:00 +02:00"
        );
    }

    #[test]
    fn mixed_groups_and_many_alerts() {
        let alerts: Vec<Value> = (0..7)
            .map(|i| {
                json!({"status": if i < 2 { "resolved" } else { "firing" },
                            "labels": {"alertname": "Disk", "host": format!("h{i}")}})
            })
            .collect();
        let p = post(
            translate,
            &[],
            &json!({"status": "firing", "groupKey": "g", "alerts": alerts, "truncatedAlerts": 3}),
        );
        assert!(
            p.text.starts_with("**[FIRING:5, RESOLVED:2]** Disk"),
            "{}",
            p.text
        );
        assert!(p.text.contains("… and 2 more alerts"));
        assert!(p.text.contains("(3 alerts were truncated by Alertmanager)"));
        assert_eq!(p.attachments.len(), 5);
        assert_eq!(p.attachments[0].color, GOOD);
        assert_eq!(p.attachments[2].color, DANGER);
    }
}
