//! Preparing the server through its own API: accounts, a team, channels, webhooks, and the
//! channel seeded with posts for the read figure. What was made is kept in
//! `<data dir>/bench-state.json`, so a kept data directory is reused (and seeding resumed).

use crate::http::Client;
use crate::load::{self, Spec, Stop};
use crate::receiver::Receiver;
use crate::server::Server;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const ADMIN: &str = "bench-admin";
pub const POSTER: &str = "bench-poster";
pub const PASSWORD: &str = "bench-Password-1";

/// The incoming-webhook payload: a Slack message of about 100 bytes with a `<url|label>` link.
pub const SLACK_PAYLOAD: &str = r#"{"text":"Deploy of perch 1.4.2 finished in 41 s, all checks green. <https://ci.example.com/r/4242|Log>"}"#;
/// The message of a created post (about the same size as the webhook text).
pub const POST_MESSAGE: &str =
    "Deploy of perch 1.4.2 finished in 41 s, all checks green. See https://ci.example.com/r/4242";
/// The outgoing hook's trigger word; posts starting with it fire the hook.
pub const TRIGGER: &str = "bench";

/// What the bench made on the server, persisted between invocations.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BenchState {
    pub poster_id: String,
    pub team_id: String,
    pub posts_channel: String,
    pub hooks_channel: String,
    pub big_channel: String,
    pub incoming_hook: Option<String>,
    pub outgoing_hook: Option<String>,
    pub out_channel: Option<String>,
    /// Posts in `big_channel`.
    pub seeded: u64,
    /// Wall time spent seeding them (summed over invocations if resumed).
    pub seed_seconds: f64,
    pub seed_failures: u64,
    /// Database bytes in use before the first seeded post.
    pub bytes_before_seed: Option<u64>,
    pub bytes_per_post: Option<f64>,
}

/// The result of preparation.
pub struct Prepared {
    pub state: BenchState,
    pub poster_token: String,
    /// The incoming hook id, or why there is none.
    pub incoming: Result<String, String>,
    /// The outgoing hook's channel, or why there is no hook.
    pub outgoing: Result<String, String>,
    /// Seeding done in this invocation: (posts, seconds, failures).
    pub seeded_now: Option<(u64, f64, u64)>,
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("bench-state.json")
}

fn load_state(dir: &Path) -> Option<BenchState> {
    let text = std::fs::read_to_string(state_path(dir)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn save_state(dir: &Path, s: &BenchState) -> Result<(), String> {
    let text = serde_json::to_string_pretty(s).map_err(|e| e.to_string())?;
    std::fs::write(state_path(dir), text).map_err(|e| format!("write bench state: {e}"))
}

/// Logs in and returns the session token from the `Token` header.
pub fn login(c: &mut Client, user: &str) -> Result<String, String> {
    let m = c
        .call(
            "POST",
            "/api/v4/users/login",
            Some(&json!({"login_id": user, "password": PASSWORD})),
        )
        .map_err(|e| format!("login {user}: {e}"))?;
    if m.status != 200 {
        return Err(format!("login {user}: {}", m.summary()));
    }
    m.header("Token")
        .map(str::to_string)
        .ok_or_else(|| format!("login {user}: no Token header"))
}

/// The request bytes of one login (for the login figure).
pub fn login_request(addr: std::net::SocketAddr) -> Vec<u8> {
    let body = json!({"login_id": ADMIN, "password": PASSWORD}).to_string();
    crate::http::request(
        "POST",
        "/api/v4/users/login",
        &addr.to_string(),
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

fn id_of(v: &Value, what: &str) -> Result<String, String> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what}: no id in {v}"))
}

fn create_channel(poster: &mut Client, team: &str, name: &str) -> Result<String, String> {
    let v = poster.ok(
        "POST",
        "/api/v4/channels",
        Some(&json!({"team_id": team, "name": name, "display_name": name, "type": "O"})),
    )?;
    id_of(&v, "create channel")
}

fn fresh_state(admin: &mut Client, srv: &Server) -> Result<BenchState, String> {
    let user = |name: &str| json!({"email": format!("{name}@example.com"), "username": name, "password": PASSWORD});
    // The first account of a new server is its system admin.
    admin.ok("POST", "/api/v4/users", Some(&user(ADMIN)))?;
    admin.token = Some(login(admin, ADMIN)?);
    let poster_id = id_of(
        &admin.ok("POST", "/api/v4/users", Some(&user(POSTER)))?,
        "create user",
    )?;
    let team = admin.ok(
        "POST",
        "/api/v4/teams",
        Some(&json!({"name": "bench", "display_name": "Bench", "type": "O"})),
    )?;
    let team_id = id_of(&team, "create team")?;
    admin.ok(
        "POST",
        &format!("/api/v4/teams/{team_id}/members"),
        Some(&json!({"team_id": team_id, "user_id": poster_id})),
    )?;
    let mut poster = Client::new(srv.addr);
    poster.token = Some(login(&mut poster, POSTER)?);
    Ok(BenchState {
        posts_channel: create_channel(&mut poster, &team_id, "bench-posts")?,
        hooks_channel: create_channel(&mut poster, &team_id, "bench-hooks")?,
        big_channel: create_channel(&mut poster, &team_id, "bench-big")?,
        poster_id,
        team_id,
        ..Default::default()
    })
}

/// Creates (or finds) everything the figures need, and seeds the big channel up to `posts`.
pub fn prepare(
    srv: &Server,
    dir: &Path,
    receiver: &Receiver,
    posts: u64,
    seed_concurrency: usize,
    db_bytes: &dyn Fn() -> Option<u64>,
) -> Result<Prepared, String> {
    let mut admin = Client::new(srv.addr);
    let mut state = match load_state(dir) {
        Some(s) => {
            admin.token = Some(login(&mut admin, ADMIN)?);
            s
        }
        None => {
            let s = fresh_state(&mut admin, srv)?;
            save_state(dir, &s)?;
            s
        }
    };
    let mut poster = Client::new(srv.addr);
    let poster_token = login(&mut poster, POSTER)?;
    poster.token = Some(poster_token.clone());

    let incoming = incoming_hook(&mut admin, &mut state, srv.addr);
    let outgoing = outgoing_hook(&mut admin, &mut poster, &mut state, receiver);
    save_state(dir, &state)?;

    let mut seeded_now = None;
    if state.seeded < posts {
        if state.seeded == 0 {
            state.bytes_before_seed = db_bytes();
        }
        let n = posts - state.seeded;
        eprintln!("seeding {n} posts into one channel ({seed_concurrency} connections)…");
        let body = json!({"channel_id": state.big_channel, "message": POST_MESSAGE}).to_string();
        let out = load::run(&Spec {
            addr: srv.addr,
            requests: vec![Arc::new(poster.request(
                "POST",
                "/api/v4/posts",
                body.as_bytes(),
            ))],
            concurrency: seed_concurrency,
            stop: Stop::Count(n),
        });
        state.seeded += out.ok_total;
        state.seed_seconds += out.seconds;
        state.seed_failures += out.failures;
        if let (Some(before), Some(after)) = (state.bytes_before_seed, db_bytes()) {
            if state.seeded > 0 {
                state.bytes_per_post =
                    Some(after.saturating_sub(before) as f64 / state.seeded as f64);
            }
        }
        save_state(dir, &state)?;
        seeded_now = Some((out.ok_total, out.seconds, out.failures));
        if out.ok_total < n {
            return Err(format!(
                "seeding stopped after {} of {n} posts: {}",
                out.ok_total,
                out.failure_text()
            ));
        }
    }
    Ok(Prepared {
        state,
        poster_token,
        incoming,
        outgoing,
        seeded_now,
    })
}

/// Makes sure an incoming hook exists and answers; `Err` says why the figure cannot run.
fn incoming_hook(
    admin: &mut Client,
    state: &mut BenchState,
    addr: std::net::SocketAddr,
) -> Result<String, String> {
    let id = match &state.incoming_hook {
        Some(id) => id.clone(),
        None => {
            let m = admin
                .call(
                    "POST",
                    "/api/v4/hooks/incoming",
                    Some(&json!({"channel_id": state.hooks_channel, "display_name": "bench"})),
                )
                .map_err(|e| format!("POST /api/v4/hooks/incoming: {e}"))?;
            if !m.is_success() {
                return Err(format!(
                    "incoming webhooks are not available: POST /api/v4/hooks/incoming answered {}",
                    m.summary()
                ));
            }
            let id = id_of(&m.json(), "create incoming hook")?;
            state.incoming_hook = Some(id.clone());
            id
        }
    };
    let payload: Value = serde_json::from_str(SLACK_PAYLOAD).unwrap_or(Value::Null);
    let mut anon = Client::new(addr);
    let m = anon
        .call("POST", &format!("/hooks/{id}"), Some(&payload))
        .map_err(|e| format!("POST /hooks/…: {e}"))?;
    if !m.is_success() {
        return Err(format!(
            "incoming webhooks are not available: POST /hooks/… answered {}",
            m.summary()
        ));
    }
    Ok(id)
}

/// Makes a fresh outgoing hook (in a fresh channel) pointing at this invocation's receiver and
/// checks that a triggering post is delivered; `Err` says why the figure cannot run.
fn outgoing_hook(
    admin: &mut Client,
    poster: &mut Client,
    state: &mut BenchState,
    receiver: &Receiver,
) -> Result<String, String> {
    if let Some(old) = state.outgoing_hook.take() {
        // Best effort: the previous invocation's receiver is gone.
        let _ = admin.call("DELETE", &format!("/api/v4/hooks/outgoing/{old}"), None);
    }
    let suffix = crate::short_id();
    let channel = create_channel(poster, &state.team_id, &format!("bench-out-{suffix}"))?;
    state.out_channel = Some(channel.clone());
    let m = admin
        .call(
            "POST",
            "/api/v4/hooks/outgoing",
            Some(&json!({
                "team_id": state.team_id,
                "channel_id": channel,
                "display_name": "bench",
                "trigger_words": [TRIGGER],
                "trigger_when": 0,
                "callback_urls": [receiver.url()],
                "content_type": "application/json",
            })),
        )
        .map_err(|e| format!("POST /api/v4/hooks/outgoing: {e}"))?;
    if !m.is_success() {
        return Err(format!(
            "outgoing webhooks are not available: POST /api/v4/hooks/outgoing answered {}",
            m.summary()
        ));
    }
    state.outgoing_hook = Some(id_of(&m.json(), "create outgoing hook")?);
    receiver.take();
    poster.ok(
        "POST",
        "/api/v4/posts",
        Some(&json!({"channel_id": channel, "message": format!("{TRIGGER} probe")})),
    )?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while receiver.count() == 0 {
        if Instant::now() > deadline {
            return Err(
                "outgoing webhooks are not delivered: a triggering post brought no callback \
                 within 5 s"
                    .into(),
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    receiver.take();
    Ok(channel)
}
