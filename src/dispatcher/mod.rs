//! Durable, at-least-once delivery of outgoing-webhook callbacks: `hook-out-N` worker threads
//! drain the bounded in-memory queue (`queue::DeliveryQueue`, fed after each post commits) and
//! make the calls through `app.outbound`, a `hook-out-scan` thread picks up pending rows from
//! the database (deliveries that did not fit in the queue, retries whose backoff has elapsed,
//! and whatever was pending when the server last stopped), and `response` turns a callback's
//! answer into posts.
//!
//! The database row is the truth; the queue only carries delivery ids. A worker re-reads the
//! row before sending, so an id queued twice is sent once. A call that completes just before a
//! crash, before its result is written, is sent again after the restart (at least once).

pub mod response;

use crate::app::App;
use crate::error::ApiError;
use crate::model::now_ms;
use crate::model::outgoing_hook::{state, Attempt, Delivery};
use crate::outbound::{self, OutboundError};
use crate::outgoing::payload::{self, Payload};
use crate::store::{self, Reader};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How much of a receiver's answer the delivery log keeps.
const SNIPPET_BYTES: usize = 512;
/// A `Retry-After` longer than this is not waited for in full.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Starts the delivery workers and the scanner. They run until `DeliveryQueue::stop`. With
/// `EnableOutgoingWebhooks` off nothing fires and nothing is delivered: no thread is started,
/// and deliveries left pending by an earlier run wait until the feature is back on.
pub fn spawn(app: &Arc<App>) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut handles = Vec::new();
    if !app.config.service.enable_outgoing_webhooks {
        return Ok(handles);
    }
    let workers = app.config.perch.outgoing_workers.max(1);
    for i in 0..=workers {
        let a = app.clone();
        let b = thread::Builder::new();
        let spawned = if i < workers {
            b.name(format!("hook-out-{i}")).spawn(move || worker(&a))
        } else {
            b.name("hook-out-scan".into()).spawn(move || scanner(&a))
        };
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                app.outgoing.stop();
                for h in handles {
                    let _ = h.join();
                }
                return Err(e);
            }
        }
    }
    Ok(handles)
}

fn open_reader(app: &App) -> Option<Reader> {
    match app.store.reader() {
        Ok(db) => Some(db),
        Err(e) => {
            log::error!("outgoing webhooks: cannot open a database reader: {e}");
            None
        }
    }
}

fn worker(app: &App) {
    let Some(db) = open_reader(app) else { return };
    while let Some(id) = app.outgoing.take() {
        if let Err(e) = deliver(app, &db, &id) {
            log::error!(
                "outgoing webhook delivery {id}: {}",
                e.cause.as_deref().unwrap_or(&e.message)
            );
        }
        app.outgoing.finish(&id);
    }
}

fn scanner(app: &App) {
    let Some(db) = open_reader(app) else { return };
    let interval =
        Duration::from_millis(app.config.perch.outgoing_scan_interval_millis.max(10) as u64);
    loop {
        if app.outgoing.stopping() {
            return;
        }
        let now = now_ms();
        let limit = app.outgoing.scan_limit() as i64;
        match store::outgoing_hooks::list_due_delivery_ids(&db, now, limit) {
            Ok(ids) => {
                if ids.len() as i64 >= limit {
                    app.outgoing.more_pending();
                }
                for id in ids {
                    if !app.outgoing.offer(&id) {
                        break;
                    }
                }
            }
            Err(e) => log::error!("outgoing webhooks: scanning pending deliveries: {e}"),
        }
        // Sleep until the next scheduled retry, or the scan interval, whichever comes first.
        let wait = match store::outgoing_hooks::find_next_due_at(&db, now) {
            Ok(Some(at)) => Duration::from_millis((at - now).max(1) as u64).min(interval),
            _ => interval,
        };
        if !app.outgoing.wait_scan(wait) {
            return;
        }
    }
}

/// What an attempt came to.
enum Outcome {
    /// 2xx: done.
    Delivered,
    /// Not worth retrying: another status, a refused address, an invalid URL.
    Final,
    /// Connection error, timeout, 5xx or 429; with the receiver's `Retry-After`, if any.
    Retry(Option<Duration>),
}

fn classify(result: &Result<outbound::Response, OutboundError>) -> Outcome {
    match result {
        Ok(r) if (200..300).contains(&r.status) => Outcome::Delivered,
        Ok(r) if r.status == 429 || r.status >= 500 => {
            Outcome::Retry(r.header("Retry-After").and_then(parse_retry_after))
        }
        Ok(_) => Outcome::Final,
        Err(OutboundError::Timeout) | Err(OutboundError::Connect(_)) => Outcome::Retry(None),
        Err(OutboundError::Blocked(_))
        | Err(OutboundError::InvalidUrl(_))
        | Err(OutboundError::TooLarge) => Outcome::Final,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    let now = now_ms() / 1000;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as seconds since the epoch.
fn parse_http_date(v: &str) -> Option<i64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<Vec<_>>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The wait before attempt `n + 1` after `n` failed attempts: base × 2^(n-1), capped, and at
/// least the receiver's `Retry-After` (itself capped at an hour).
pub fn backoff(app: &App, attempts: i64, retry_after: Option<Duration>) -> Duration {
    let p = &app.config.perch;
    let base = p.outgoing_retry_base_millis.max(1) as u64;
    let cap = p.outgoing_retry_max_millis.max(1) as u64;
    let shift = (attempts - 1).clamp(0, 32) as u32;
    let exp = Duration::from_millis(base.saturating_mul(1u64 << shift).min(cap));
    match retry_after {
        Some(r) => exp.max(r.min(MAX_RETRY_AFTER)),
        None => exp,
    }
}

/// Makes one attempt at a delivery and records it.
fn deliver(app: &App, db: &Reader, id: &str) -> Result<(), ApiError> {
    let started_at = now_ms();
    let Some(mut d) = store::outgoing_hooks::find_delivery(db, id)? else {
        return Ok(());
    };
    // Already done, or a retry not yet due (a stale scan result): nothing to do.
    if d.state != state::PENDING || d.next_attempt_at > started_at + 1000 {
        return Ok(());
    }
    let hook = (app.cached.outgoing_hook(&app.store, db, &d.hook_id)?).filter(|h| h.delete_at == 0);
    let Some(hook) = hook else {
        d.state = state::CANCELLED.into();
        d.update_at = started_at;
        d.last_error = "the hook was deleted".into();
        app.store
            .write(move |c| store::outgoing_hooks::update_delivery(c, &d))?;
        return Ok(());
    };
    let mut fields: Payload = match serde_json::from_str(&d.payload) {
        Ok(p) => p,
        Err(e) => {
            // Never happens for rows we wrote; without this the scan would retry it forever.
            d.state = state::FAILED.into();
            d.update_at = started_at;
            d.last_error = format!("unreadable payload: {e}");
            app.store
                .write(move |c| store::outgoing_hooks::update_delivery(c, &d))?;
            return Ok(());
        }
    };
    fields.token = hook.token.clone();
    let (content_type, body) = fields.encode(hook.is_json());
    let timestamp = started_at / 1000;
    let signature = payload::signature(
        &payload::key_bytes(&hook.signing_key),
        &d.id,
        timestamp,
        &body,
    );
    let request = outbound::Request::post(&d.url, content_type, body)
        .header("Accept", "application/json")
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header("webhook-signature", &signature);
    let clock = Instant::now();
    let result = app.outbound.send(request);
    let latency_ms = clock.elapsed().as_millis() as i64;

    let mut attempt = Attempt {
        delivery_id: d.id.clone(),
        at: started_at,
        url: d.url.clone(),
        latency_ms,
        ..Default::default()
    };
    match &result {
        Ok(r) => {
            attempt.status = i64::from(r.status);
            attempt.response = snippet(&r.body);
        }
        Err(e) => attempt.error = e.to_string(),
    }
    d.attempt_count += 1;
    d.update_at = now_ms();
    d.last_status = attempt.status;
    d.last_error = attempt.error.clone();
    let max = app.config.perch.outgoing_max_attempts.max(1);
    let retry = match classify(&result) {
        Outcome::Delivered => {
            d.state = state::DELIVERED.into();
            false
        }
        Outcome::Final => {
            d.state = state::FAILED.into();
            false
        }
        Outcome::Retry(after) if d.attempt_count < max => {
            d.state = state::PENDING.into();
            d.next_attempt_at =
                d.update_at + backoff(app, d.attempt_count, after).as_millis() as i64;
            true
        }
        Outcome::Retry(_) => {
            d.state = state::FAILED.into();
            if d.last_error.is_empty() {
                d.last_error = format!("HTTP {}", d.last_status);
            }
            d.last_error = format!(
                "{} (gave up after {} attempts)",
                d.last_error, d.attempt_count
            );
            false
        }
    };
    let keep = app.config.perch.outgoing_delivery_log_size.max(1);
    let record = d.clone();
    app.store.write(move |c| {
        if retry {
            store::outgoing_hooks::insert_attempt(c, &attempt, &record)?;
        } else {
            store::outgoing_hooks::finish_attempt(c, &attempt, &record, keep)?;
        }
        Ok::<_, ApiError>(())
    })?;
    if retry {
        log::info!(
            "outgoing webhook {}: attempt {} to a callback failed ({}); retrying at {}",
            hook.id,
            d.attempt_count,
            describe(&result),
            d.next_attempt_at
        );
        app.outgoing.wake_scanner();
        return Ok(());
    }
    if d.state == state::FAILED {
        log::warn!(
            "outgoing webhook {}: callback failed: {}",
            hook.id,
            describe(&result)
        );
    }
    // Mattermost ignores the status and reads the body of whatever answer came back; we do
    // the same for the final answer (retried ones are not read, to avoid duplicate posts).
    if let Ok(r) = result {
        response::handle(app, db, &hook, &fields, &r.body);
    }
    Ok(())
}

fn describe(result: &Result<outbound::Response, OutboundError>) -> String {
    match result {
        Ok(r) => format!("HTTP {}", r.status),
        Err(e) => e.to_string(),
    }
}

fn snippet(body: &[u8]) -> String {
    let end = body.len().min(SNIPPET_BYTES);
    let mut s = String::from_utf8_lossy(&body[..end]).into_owned();
    if body.len() > SNIPPET_BYTES {
        s.push('…');
    }
    s
}

/// Resets a delivery for another round of attempts and queues it (`…/retry`).
pub fn replay(app: &App, delivery: &Delivery) -> Result<Delivery, ApiError> {
    let mut d = delivery.clone();
    let now = now_ms();
    d.state = state::PENDING.into();
    d.attempt_count = 0;
    d.next_attempt_at = now;
    d.update_at = now;
    let stored = d.clone();
    app.store
        .write(move |c| store::outgoing_hooks::update_delivery(c, &stored))?;
    if !app.outgoing.offer(&d.id) {
        app.outgoing.wake_scanner();
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
    }
}
