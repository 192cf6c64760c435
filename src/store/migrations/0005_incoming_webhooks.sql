-- Perch schema, version 2: incoming webhooks, their delivery log and idempotency keys, and
-- post priority (set by webhook payloads).

CREATE TABLE incoming_webhooks (
    id TEXT PRIMARY KEY,                    -- also the secret part of the URL /hooks/{id}
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    user_id TEXT NOT NULL,                  -- owner, author of the posts
    channel_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    icon_url TEXT NOT NULL DEFAULT '',
    channel_locked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incoming_webhooks_team ON incoming_webhooks(team_id, create_at);
CREATE INDEX incoming_webhooks_channel ON incoming_webhooks(channel_id);

-- One row per call to a hook (Perch extension), newest kept, capped per hook by the server.
CREATE TABLE incoming_webhook_deliveries (
    seq INTEGER PRIMARY KEY,                -- insertion order
    hook_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    remote_addr TEXT NOT NULL DEFAULT '',
    status_code INTEGER NOT NULL,
    error_id TEXT NOT NULL DEFAULT '',
    post_id TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    body_size INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT '',          -- cut at the server's cap
    body_truncated INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL DEFAULT '',
    duplicate INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incoming_webhook_deliveries_hook ON incoming_webhook_deliveries(hook_id, seq);

-- Idempotency keys of successful calls: a repeat within 24 h creates nothing.
CREATE TABLE incoming_webhook_idempotency (
    hook_id TEXT NOT NULL,
    key TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    post_id TEXT NOT NULL,                  -- the last post the first call created
    PRIMARY KEY (hook_id, key)
) WITHOUT ROWID;
CREATE INDEX incoming_webhook_idempotency_age ON incoming_webhook_idempotency(hook_id, create_at);

-- Mattermost's PostsPriority: a post's priority metadata (`metadata.priority`).
CREATE TABLE posts_priority (
    post_id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT '',      -- '', 'important', 'urgent'
    requested_ack INTEGER NOT NULL DEFAULT 0,
    persistent_notifications INTEGER NOT NULL DEFAULT 0
);
