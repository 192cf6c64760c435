-- Perch schema, version 6: hosted integrations on incoming webhooks — native payloads of
-- GitHub, GitLab, Jira … (`src/hooks/integration.rs`): the hook's secret, event filters and
-- template; what each call was (source, event, why nothing was posted); and one thread per
-- provider object (pull request, issue, alert group).

-- Shared secret for the sender's signature or token; empty = not checked. Kept in clear:
-- HMAC verification needs the key itself. Never returned by the API (`has_secret`).
ALTER TABLE incoming_webhooks ADD COLUMN secret TEXT NOT NULL DEFAULT '';
-- Event filters: JSON arrays of patterns with `*` wildcards (`pull_request.*`).
ALTER TABLE incoming_webhooks ADD COLUMN event_include TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incoming_webhooks ADD COLUMN event_exclude TEXT NOT NULL DEFAULT '[]';
-- A user-written Jinja template (minijinja) that turns any JSON payload into the post.
ALTER TABLE incoming_webhooks ADD COLUMN template TEXT NOT NULL DEFAULT '';

-- The delivery log says which tool sent a call, which event it was, and, when nothing was
-- posted on purpose (ping, an unsupported or filtered event), why. Empty for Slack payloads.
ALTER TABLE incoming_webhook_deliveries ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_webhook_deliveries ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_webhook_deliveries ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- Threads per provider object: the first post about a thread key (`github:owner/repo#12`)
-- is the root later events reply to. Written in the same transaction as that post. No FK to
-- posts: a deleted root is detected on read (and replaced by the next root post).
CREATE TABLE incoming_webhook_threads (
    hook_id TEXT NOT NULL,
    thread_key TEXT NOT NULL,               -- at most 255 bytes (longer keys are hashed)
    root_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,               -- the root's channel; another channel means a new thread
    create_at INTEGER NOT NULL,
    PRIMARY KEY (hook_id, thread_key)
) WITHOUT ROWID;
CREATE INDEX incoming_webhook_threads_age ON incoming_webhook_threads(hook_id, create_at);
