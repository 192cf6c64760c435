//! The websocket figure's rows: memory and threads per socket, fan-out latency, CPU per
//! frame, the posting path's wait, and the incoming webhook with listeners (`websocket.rs`).

use crate::opts::Opts;
use crate::report::{self, ms, num, with_range, Record, Row, Target};

/// One row from one recorded key (median with range over runs), with an optional target.
fn row(
    rec: &Record,
    key: &'static str,
    title: &str,
    fmt: &dyn Fn(f64) -> String,
    target: Option<Target>,
    how: &str,
) -> Row {
    let Some(s) = rec.stat("websocket", key) else {
        let why = rec
            .not_measured
            .get("websocket")
            .cloned()
            .unwrap_or_else(|| "not measured (--ws-max, or the figure failed)".into());
        return Row::not_measured(key, title, &why, how);
    };
    let mut r = Row {
        key,
        figure: title.into(),
        result: with_range(&s, fmt),
        how: how.into(),
        ..Default::default()
    };
    r.json.insert("value".into(), report::stat_json(Some(s)));
    if let Some(t) = target {
        r.target(t, Some(s.median));
    }
    r
}

pub fn rows(o: &Opts, rec: &Record) -> Vec<Row> {
    if !o.selected("websocket") {
        return Vec::new();
    }
    let kb = |v: f64| format!("{} KB", num(v));
    let us = |v: f64| format!("{} µs", num(v));
    let count = |v: f64| num(v);
    let ratio = |v: f64| format!("{v:.2}×");
    let open = "sockets of one channel member, authenticated by their upgrade request, opened \
                64 at a time; ΔRSS after they are idle, ÷ sockets";
    let fan = "20 posts one at a time; each from just before its POST to its `posted` frame's \
               arrival on every socket (client on the same 2 cores)";
    let mut out = vec![
        row(rec, "rss_per_socket_kb_1k", "WebSocket: RSS per idle socket (1,000)", &kb, Some(Target::MaxKb(8.0)), open),
        row(rec, "rss_per_socket_kb_10k", "WebSocket: RSS per idle socket (10,000)", &kb, Some(Target::MaxKb(8.0)), open),
        row(rec, "threads_0", "WebSocket: server threads, no socket", &count, None, "/proc/PID/status"),
        row(rec, "threads_1k", "WebSocket: server threads, 1,000 sockets", &count, None, "must equal the no-socket count"),
        row(rec, "threads_10k", "WebSocket: server threads, 10,000 sockets", &count, None, "must equal the no-socket count"),
        row(rec, "p50_ms_1k", "WebSocket: post → posted p50 (1,000)", &ms, None, fan),
        row(rec, "p99_ms_1k", "WebSocket: post → posted p99 (1,000)", &ms, Some(Target::MaxMs(30.0)), fan),
        row(rec, "p50_ms_10k", "WebSocket: post → posted p50 (10,000)", &ms, None, fan),
        row(rec, "p99_ms_10k", "WebSocket: post → posted p99 (10,000)", &ms, Some(Target::MaxMs(210.0)), fan),
        row(rec, "cpu_us_per_frame_1k", "WebSocket: server CPU per frame (1,000)", &us, Some(Target::MaxUs(20.0)), "server threads' run time over the 20 fan-outs ÷ frames delivered"),
        row(rec, "cpu_us_per_frame_10k", "WebSocket: server CPU per frame (10,000)", &us, Some(Target::MaxUs(20.0)), "server threads' run time over the 20 fan-outs ÷ frames delivered"),
        row(rec, "publish_p99_ms", "WebSocket: posting thread's hand-over of an event, p99", &ms, Some(Target::MaxMs(1.0)), "`Hub::publish` calls since the server started (incoming webhook figure included), p99 as the upper bound of its power-of-two bucket (perch_websocket_publish_p99_us in the server status): what posting waits for the fan-out"),
        row(rec, "publish_max_ms", "WebSocket: posting thread's hand-over of an event, max", &ms, None, "the same calls' longest (bucket bound); on a loaded machine a preempted thread shows here"),
        row(rec, "post_wait_ms_1k", "WebSocket: POST slower with 1,000 listeners", &ms, None, "median POST time during the fan-outs − median with no socket open: the fan-out's CPU use on the shared cores, not a wait"),
        row(rec, "post_wait_ms_10k", "WebSocket: POST slower with 10,000 listeners", &ms, None, "median POST time during the fan-outs − median with no socket open: the fan-out's CPU use on the shared cores, not a wait"),
        row(rec, "lost_frames_10k", "WebSocket: frames lost (10,000)", &count, Some(Target::Zero), "posted frames that never arrived within 10 s"),
        row(rec, "open_s_10k", "WebSocket: time to open 10,000 sockets", &|v| format!("{} s", num(v)), None, "connect + upgrade + hello, 64 in flight"),
        row(rec, "incoming_100_ratio", "WebSocket: incoming webhook with 100 listeners", &ratio, Some(Target::MinShare(0.8)), "the incoming figure's load with 100 sockets on the hook's channel, ÷ the same run's incoming req/s"),
    ];
    // Threads must not grow with sockets.
    if let (Some(a), Some(b)) = (
        rec.stat("websocket", "threads_0"),
        rec.stat("websocket", "threads_10k"),
    ) {
        let mut r = Row {
            key: "threads_added_10k",
            figure: "WebSocket: threads added by 10,000 sockets".into(),
            result: num(b.median - a.median),
            how: "threads at 10,000 sockets − threads with none".into(),
            ..Default::default()
        };
        r.json
            .insert("value".into(), serde_json::json!(b.median - a.median));
        r.target(Target::AtMost(0.0), Some(b.median - a.median));
        out.push(r);
    }
    out
}
