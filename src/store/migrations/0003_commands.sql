-- Perch schema: slash commands, their response URLs, and the per-user preferences the
-- built-in /expand and /collapse commands write.

-- Custom slash commands (team-scoped). `token` is sent to the command's URL on every call,
-- so it is stored as is (like outgoing-webhook tokens); delete_at > 0 = deleted.
CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    creator_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    trigger_word TEXT NOT NULL,             -- `trigger` (a SQL keyword): lower-cased, unique per team among live rows
    method TEXT NOT NULL,                   -- P or G
    username TEXT NOT NULL DEFAULT '',
    icon_url TEXT NOT NULL DEFAULT '',
    auto_complete INTEGER NOT NULL DEFAULT 0,
    auto_complete_desc TEXT NOT NULL DEFAULT '',
    auto_complete_hint TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    plugin_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX commands_team ON commands(team_id, delete_at);

-- One row per custom-command invocation: the `response_url` (`/hooks/commands/<id>`), usable
-- 5 times within 30 minutes. The id is a bearer secret, so only its SHA-256 digest is stored.
CREATE TABLE command_webhooks (
    id_hash TEXT PRIMARY KEY,
    create_at INTEGER NOT NULL,
    command_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    root_id TEXT NOT NULL DEFAULT '',
    use_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX command_webhooks_create ON command_webhooks(create_at);

-- User preferences (Mattermost's Preferences table): category/name/value per user.
CREATE TABLE preferences (
    user_id TEXT NOT NULL,
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, category, name)
);
