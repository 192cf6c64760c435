-- Outgoing webhooks, and Perch's durable delivery of their callbacks with a delivery log.

CREATE TABLE outgoing_webhooks (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    creator_id TEXT NOT NULL,
    channel_id TEXT NOT NULL DEFAULT '',
    team_id TEXT NOT NULL,
    trigger_words TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    trigger_when INTEGER NOT NULL DEFAULT 0,
    callback_urls TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    icon_url TEXT NOT NULL DEFAULT '',
    signing_key TEXT NOT NULL                  -- 32 random bytes, hex (Standard Webhooks key)
);
-- Every post in a public channel looks up its team's live hooks.
CREATE INDEX outgoing_webhooks_team ON outgoing_webhooks(team_id) WHERE delete_at = 0;
CREATE INDEX outgoing_webhooks_channel ON outgoing_webhooks(channel_id) WHERE channel_id != '';

-- One row per (hook, post, callback URL), inserted in the same transaction as the post.
CREATE TABLE outgoing_deliveries (
    id TEXT PRIMARY KEY,                       -- also the Standard Webhooks `webhook-id`
    hook_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,                     -- callback fields except the token, JSON
    state TEXT NOT NULL,                       -- pending, delivered, failed, cancelled
    attempt_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outgoing_deliveries_due ON outgoing_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX outgoing_deliveries_hook ON outgoing_deliveries(hook_id, create_at);

-- The delivery log: one row per attempt.
CREATE TABLE outgoing_delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES outgoing_deliveries(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    url TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    latency_ms INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outgoing_delivery_attempts_delivery ON outgoing_delivery_attempts(delivery_id, at);
