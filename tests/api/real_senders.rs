//! Real third-party senders against `POST /hooks/{id}`: the Python `slack_sdk` WebhookClient
//! (3.48.0), the Node `@slack/webhook` IncomingWebhook (8.0.2) and the Python `matterhook` (0.3),
//! pinned and installed by `scripts/install-clients` into target/clients/, run the scripts
//! tests/clients/*_sender.* against a real server; each test then checks through the REST API
//! that exactly the expected posts exist, with the exact message, type, props and channel.

use crate::common::scripts;
use crate::common::{id_of, Client, TestServer};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
const DISPLAY_NAME: &str = "Real senders";
const HOOK_ICON: &str = "https://cdn.example.com/hook.png";

// ---------------------------------------------------------------------------------------------
// Running the scripts
// ---------------------------------------------------------------------------------------------

fn run_python(name: &str, args: Vec<String>) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    scripts::run_python(name, &args, "")
}

fn run_node(name: &str, args: Vec<String>) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    scripts::run_node(name, "@slack/webhook", &args)
}

// ---------------------------------------------------------------------------------------------
// Fixtures and expectations
// ---------------------------------------------------------------------------------------------

/// Which post overrides the server allows (`EnablePostUsernameOverride`,
/// `EnablePostIconOverride`).
#[derive(Clone, Copy)]
struct Overrides {
    username: bool,
    icon: bool,
}

const BOTH: Overrides = Overrides {
    username: true,
    icon: true,
};
const NONE: Overrides = Overrides {
    username: false,
    icon: false,
};

/// A server with team `relay`, the hook's channel `builds`, a second channel `releases` (for
/// `channel` overrides), a user `dana` (for `@dana`), and an incoming hook owned by the admin.
struct Env {
    ts: TestServer,
    admin: Client,
    dana: Client,
    overrides: Overrides,
    hook_id: String,
    /// The hook's stored username and icon (empty when the config discarded them).
    hook_username: String,
    hook_icon: String,
    builds: String,
    releases: String,
    town: String,
    /// Post ids that existed before the sender ran (system messages).
    before: HashSet<String>,
}

const OTHER_CHANNEL: &str = "releases";

fn env(overrides: Overrides, hook_username: &str, hook_icon: &str) -> Env {
    let ts = TestServer::start_with(|c| {
        c.service.enable_post_username_override = overrides.username;
        c.service.enable_post_icon_override = overrides.icon;
    });
    let admin = ts.admin();
    let dana = ts.user(&admin, "dana");
    let team = admin.create_team("relay");
    let tid = team["id"].as_str().unwrap().to_string();
    admin.add_to_team(&tid, &dana.id());
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let builds = id(admin.create_channel(&tid, "builds", "O"));
    let releases = id(admin.create_channel(&tid, OTHER_CHANNEL, "O"));
    let town = id(admin
        .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
        .json());
    let r = admin.post(
        "/api/v4/hooks/incoming",
        &json!({"channel_id": builds, "display_name": DISPLAY_NAME,
                "username": hook_username, "icon_url": hook_icon}),
    );
    assert_eq!(r.status, 201, "create hook: {}", r.body);
    let hook = r.json();
    assert_eq!(hook["channel_locked"], false, "{hook}");
    let kept = |field: &str, on: bool, given: &str| {
        let want = if on { given } else { "" };
        assert_eq!(
            hook[field], want,
            "hook {field} with the override gate {on}"
        );
        want.to_string()
    };
    let hook_username = kept("username", overrides.username, hook_username);
    let hook_icon = kept("icon_url", overrides.icon, hook_icon);
    let mut before = HashSet::new();
    for ch in [&builds, &releases, &town] {
        before.extend(admin.channel_posts(ch).iter().map(id_of));
    }
    Env {
        hook_id: id(hook),
        ts,
        admin,
        dana,
        overrides,
        hook_username,
        hook_icon,
        builds,
        releases,
        town,
        before,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum To {
    /// The hook's own channel.
    Hook,
    /// The `releases` channel, by a `channel` override.
    Other,
    /// The direct channel between the hook's owner (the admin) and `dana`.
    Dana,
}

/// One post a sender should have created.
struct Expect {
    to: To,
    message: &'static str,
    username: Option<&'static str>,
    icon_url: Option<&'static str>,
    icon_emoji: Option<&'static str>,
    attachments: Option<Value>,
}

/// A plain post in `to` with no payload overrides.
fn plain(to: To, message: &'static str) -> Expect {
    Expect {
        to,
        message,
        username: None,
        icon_url: None,
        icon_emoji: None,
        attachments: None,
    }
}

fn with_attachments(to: To, message: &'static str, attachments: Value) -> Expect {
    Expect {
        attachments: Some(attachments),
        ..plain(to, message)
    }
}

/// An attachment as the server stores it: every field present (`docs/spec/incoming-webhooks.md`
/// §6.3), with `set` over the defaults.
fn attachment(set: Value) -> Value {
    let mut a = json!({
        "id": 0, "fallback": "", "color": "", "pretext": "", "author_name": "",
        "author_link": "", "author_icon": "", "title": "", "title_link": "", "text": "",
        "fields": null, "image_url": "", "thumb_url": "", "footer": "", "footer_icon": "",
        "ts": null
    });
    for (k, v) in set.as_object().unwrap() {
        assert!(a.get(k).is_some(), "not an attachment field: {k}");
        a[k] = v.clone();
    }
    a
}

impl Env {
    fn base(&self) -> String {
        self.ts.url.clone()
    }

    /// The props a post must carry exactly (§4.1, §4.3).
    fn props(&self, e: &Expect) -> Value {
        let mut p = Map::new();
        p.insert("from_webhook".into(), json!("true"));
        p.insert("webhook_display_name".into(), json!(DISPLAY_NAME));
        if let Some(a) = &e.attachments {
            p.insert("attachments".into(), a.clone());
        }
        let or_hook = |payload: Option<&str>, hook: &str| {
            payload
                .map(String::from)
                .or_else(|| (!hook.is_empty()).then(|| hook.to_string()))
        };
        if self.overrides.username {
            let shown = or_hook(e.username, &self.hook_username).unwrap_or("webhook".into());
            p.insert("override_username".into(), json!(shown));
        }
        if self.overrides.icon {
            if let Some(url) = or_hook(e.icon_url, &self.hook_icon) {
                p.insert("override_icon_url".into(), json!(url));
            }
            if let Some(emoji) = e.icon_emoji {
                p.insert("override_icon_emoji".into(), json!(emoji));
            }
        }
        Value::Object(p)
    }

    /// The direct channel between the admin and dana (fetched, or created empty when no
    /// sender made it).
    fn dana_dm(&self) -> String {
        let r = self.admin.post(
            "/api/v4/channels/direct",
            &json!([self.admin.id(), self.dana.id()]),
        );
        assert!(r.status == 200 || r.status == 201, "direct: {}", r.body);
        id_of(&r.json())
    }

    /// Asserts that exactly `expected` were created (no other post in any channel involved)
    /// and that each has the exact message, type, props, author and channel. Returns the ids
    /// of the new posts.
    fn check_posts(&self, expected: &[Expect]) -> HashSet<String> {
        let dm = self.dana_dm();
        let channels = [
            (Some(To::Hook), &self.builds),
            (Some(To::Other), &self.releases),
            (Some(To::Dana), &dm),
            (None, &self.town),
        ];
        let mut all = HashSet::new();
        for (to, channel_id) in channels {
            let mut got: Vec<Value> = self
                .admin
                .channel_posts(channel_id)
                .into_iter()
                .filter(|p| !self.before.contains(&id_of(p)))
                .collect();
            let mut want: Vec<&Expect> = expected.iter().filter(|e| Some(e.to) == to).collect();
            got.sort_by(|a, b| a["message"].as_str().cmp(&b["message"].as_str()));
            want.sort_by_key(|e| e.message);
            let got_messages: Vec<&str> =
                got.iter().map(|p| p["message"].as_str().unwrap()).collect();
            let want_messages: Vec<&str> = want.iter().map(|e| e.message).collect();
            assert_eq!(
                got_messages, want_messages,
                "the new posts in {to:?} (channel {channel_id})"
            );
            for (post, e) in got.iter().zip(want) {
                let what = format!("post {:?} in {to:?}", e.message);
                assert_eq!(post["channel_id"], channel_id.as_str(), "{what}");
                assert_eq!(post["user_id"], self.admin.id().as_str(), "{what}: author");
                assert_eq!(post["root_id"], "", "{what}");
                let kind = if e.attachments.is_some() {
                    "slack_attachment"
                } else {
                    ""
                };
                assert_eq!(post["type"], kind, "{what}: type");
                assert_json_eq(&post["props"], &self.props(e), &format!("{what}: props"));
                // The single-post read agrees with the channel listing.
                let one = self.admin.get(&format!("/api/v4/posts/{}", id_of(post)));
                assert_eq!(one.status, 200, "{}", one.body);
                assert_eq!(
                    one.json()["props"],
                    post["props"],
                    "{what}: GET /posts/{{id}}"
                );
                all.insert(id_of(post));
            }
        }
        all
    }
}

/// Asserts two JSON values are equal, showing both pretty-printed when they are not.
fn assert_json_eq(got: &Value, want: &Value, what: &str) {
    if got != want {
        panic!(
            "{what}: got\n{}\nwant\n{}",
            serde_json::to_string_pretty(got).unwrap(),
            serde_json::to_string_pretty(want).unwrap()
        );
    }
}

/// The post ids a script printed as `post <id>` lines.
fn printed_post_ids(stdout: &str) -> HashSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("post "))
        .map(String::from)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// slack_sdk WebhookClient
// ---------------------------------------------------------------------------------------------

fn slack_sdk_expected() -> Vec<Expect> {
    vec![
        plain(
            To::Hook,
            "Deploy [run #42](https://deploy.example.com/runs/42?env=prod&v=2) finished & verified: 3 < 5 > 1 @here",
        ),
        with_attachments(
            To::Hook,
            "Build 7 failed on [main](https://ci.example.com/7)",
            json!([
                attachment(json!({
                    "fallback": "Build 7 failed & rolled back",
                    "color": "danger",
                    "pretext": "@channel heads up",
                    "author_name": "CI & CD",
                    "author_link": "https://ci.example.com",
                    "title": "Build 7",
                    "title_link": "https://ci.example.com/7",
                    "text": "Step [compile](https://ci.example.com/7/log) failed:\n`cargo build` > exit 101",
                    "fields": [
                        {"title": "Branch", "value": "main", "short": true},
                        {"title": "Commit", "value": "[abc123](https://git.example.com/c/abc)", "short": false}
                    ],
                    "footer": "ci & more",
                    "ts": 1_700_000_000
                })),
                attachment(json!({
                    "fallback": "coverage 91%",
                    "color": "#36a64f",
                    "title": "Coverage",
                    "text": "Coverage [report](https://cov.example.com)",
                    "fields": [{"title": "Lines", "value": "91%", "short": true}],
                    "footer": "ci"
                }))
            ]),
        ),
        Expect {
            username: Some("deploy-bot"),
            icon_url: Some("https://cdn.example.com/deploy.png"),
            ..plain(To::Other, "Released v1.2 to *staging* — déployé ✅")
        },
        plain(To::Dana, "A direct note & nothing more"),
        plain(To::Hook, "Blocks are ignored, the text stays"),
        plain(To::Hook, "Retried once, posted once"),
    ]
}

fn run_slack_sdk(overrides: Overrides) {
    let e = env(overrides, "ci-hook", HOOK_ICON);
    let out = run_python(
        "slack_sdk_sender.py",
        vec![
            e.base(),
            e.hook_id.clone(),
            OTHER_CHANNEL.into(),
            "dana".into(),
        ],
    );
    let created = e.check_posts(&slack_sdk_expected());
    assert_eq!(
        printed_post_ids(&out),
        created,
        "X-Post-Id of each send vs the posts created"
    );
}

#[test]
fn slack_sdk_sender_posts_with_overrides() {
    run_slack_sdk(BOTH);
}

#[test]
fn slack_sdk_sender_posts_without_overrides() {
    run_slack_sdk(NONE);
}

// ---------------------------------------------------------------------------------------------
// @slack/webhook IncomingWebhook
// ---------------------------------------------------------------------------------------------

fn slack_webhook_expected() -> Vec<Expect> {
    vec![
        plain(
            To::Hook,
            "Ping @dana: please review <PR 12> at [#12](https://git.example.com/pr/12)",
        ),
        Expect {
            username: Some("nightly-bot"),
            icon_emoji: Some(":rocket:"),
            ..with_attachments(
                To::Other,
                "Nightly report",
                json!([attachment(json!({
                    "color": "good",
                    "author_name": "nightly",
                    "author_icon": "https://cdn.example.com/n.png",
                    "title": "Results & timings",
                    "text": "All [42 suites](https://r.example.com) passed",
                    "fields": [
                        {"title": "Passed", "value": "42", "short": true},
                        {"title": "Flaky", "value": "false", "short": true}
                    ],
                    "image_url": "https://cdn.example.com/chart.png",
                    "thumb_url": "https://cdn.example.com/t.png",
                    "footer": "nightly",
                    "footer_icon": "https://cdn.example.com/f.png",
                    "ts": "1700000000.000100"
                }))]),
            )
        },
        with_attachments(
            To::Hook,
            "",
            json!([attachment(json!({
                "fallback": "only an attachment",
                "color": "warning",
                "text": "no top-level text"
            }))]),
        ),
        Expect {
            username: Some("default-bot"),
            icon_url: Some("https://cdn.example.com/default.png"),
            ..plain(To::Hook, "Sent with the constructor defaults")
        },
        plain(To::Dana, "A direct message: 日本語 ✓"),
        plain(To::Hook, "Slack-only fields are ignored"),
    ]
}

fn run_slack_webhook(overrides: Overrides) {
    // A hook with no username or icon of its own: with the username override on, posts
    // without a payload username show the literal `webhook`.
    let e = env(overrides, "", "");
    run_node(
        "slack_webhook_sender.mjs",
        vec![
            e.base(),
            e.hook_id.clone(),
            OTHER_CHANNEL.into(),
            "dana".into(),
            e.dana.id(),
        ],
    );
    e.check_posts(&slack_webhook_expected());
}

#[test]
fn slack_webhook_sender_posts_with_overrides() {
    run_slack_webhook(BOTH);
}

#[test]
fn slack_webhook_sender_posts_without_overrides() {
    run_slack_webhook(NONE);
}

// ---------------------------------------------------------------------------------------------
// matterhook
// ---------------------------------------------------------------------------------------------

fn matterhook_expected() -> Vec<Expect> {
    vec![
        plain(
            To::Hook,
            "Plain **markdown** with a [link](https://example.com) & [a Slack link](https://x.example.com)",
        ),
        Expect {
            username: Some("matterhook-bot"),
            icon_url: Some("https://cdn.example.com/mh.png"),
            ..plain(To::Other, "Overrides on the call")
        },
        with_attachments(
            To::Hook,
            "",
            json!([attachment(json!({
                "fallback": "Disk 91% full",
                "color": "#ff0000",
                "pretext": "Disk alert",
                "title": "db1",
                "title_link": "https://mon.example.com/db1",
                "text": "Host [db1](https://mon.example.com/db1) at 91%",
                "fields": [{"title": "Mount", "value": "/var", "short": true}]
            }))]),
        ),
        with_attachments(
            To::Hook,
            "Text and a dict attachment",
            json!([attachment(json!({"text": "raw <dict>", "color": "good"}))]),
        ),
        plain(To::Dana, "Direct message"),
        Expect {
            username: Some("defaults-bot"),
            ..plain(To::Other, "Instance defaults")
        },
    ]
}

fn run_matterhook(overrides: Overrides) {
    // A hook with an icon but no username of its own.
    let e = env(overrides, "", HOOK_ICON);
    run_python(
        "matterhook_sender.py",
        vec![
            e.base(),
            e.hook_id.clone(),
            OTHER_CHANNEL.into(),
            "dana".into(),
        ],
    );
    e.check_posts(&matterhook_expected());
}

#[test]
fn matterhook_sender_posts_with_username_override_only() {
    run_matterhook(Overrides {
        username: true,
        icon: false,
    });
}

#[test]
fn matterhook_sender_posts_with_icon_override_only() {
    run_matterhook(Overrides {
        username: false,
        icon: true,
    });
}
