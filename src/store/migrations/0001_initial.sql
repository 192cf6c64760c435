-- Perch schema, version 1: accounts, sessions, teams, channels, posts.
-- Ids are Mattermost's 26-char ids; times are ms since the epoch; delete_at > 0 = soft-deleted.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    username TEXT NOT NULL UNIQUE,          -- stored lower-case
    email TEXT NOT NULL UNIQUE,             -- stored lower-case
    password_hash TEXT NOT NULL DEFAULT '', -- argon2id PHC string; '' for bots
    auth_service TEXT NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    nickname TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    roles TEXT NOT NULL DEFAULT 'system_user',
    locale TEXT NOT NULL DEFAULT 'en',
    props TEXT NOT NULL DEFAULT '{}',
    notify_props TEXT NOT NULL DEFAULT '{}',
    timezone TEXT NOT NULL DEFAULT '{}',
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_login INTEGER NOT NULL DEFAULT 0,
    last_password_update INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL DEFAULT 0
);

-- A bot is a user row plus this row (same id). Present here because every user object
-- shows is_bot/bot_description.
CREATE TABLE bots (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    display_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    owner_id TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0
);

-- Sessions from password login. Only a SHA-256 digest of the token is stored.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    create_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    device_id TEXT NOT NULL DEFAULT '',
    roles TEXT NOT NULL DEFAULT '',
    props TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Personal access tokens. Only a SHA-256 digest of the secret is stored.
CREATE TABLE user_access_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    description TEXT NOT NULL DEFAULT '',
    is_active INTEGER NOT NULL DEFAULT 1,
    create_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX user_access_tokens_user ON user_access_tokens(user_id);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    display_name TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'O',
    company_name TEXT NOT NULL DEFAULT '',
    allowed_domains TEXT NOT NULL DEFAULT '',
    invite_id TEXT NOT NULL DEFAULT '',
    allow_open_invite INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    roles TEXT NOT NULL DEFAULT 'team_user', -- e.g. 'team_user team_admin'
    delete_at INTEGER NOT NULL DEFAULT 0,   -- > 0: left or removed
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    team_id TEXT NOT NULL DEFAULT '',       -- '' for direct and group channels
    type TEXT NOT NULL,                     -- O, P, D, G
    display_name TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    header TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    last_post_at INTEGER NOT NULL DEFAULT 0,
    last_root_post_at INTEGER NOT NULL DEFAULT 0,
    total_msg_count INTEGER NOT NULL DEFAULT 0,
    total_msg_count_root INTEGER NOT NULL DEFAULT 0,
    creator_id TEXT NOT NULL DEFAULT '',
    UNIQUE (team_id, name)
);

CREATE TABLE channel_members (
    channel_id TEXT NOT NULL REFERENCES channels(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    roles TEXT NOT NULL DEFAULT 'channel_user',
    last_viewed_at INTEGER NOT NULL DEFAULT 0,
    msg_count INTEGER NOT NULL DEFAULT 0,
    notify_props TEXT NOT NULL DEFAULT '{}',
    last_update_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members(user_id);

CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    edit_at INTEGER NOT NULL DEFAULT 0,
    delete_at INTEGER NOT NULL DEFAULT 0,
    is_pinned INTEGER NOT NULL DEFAULT 0,
    user_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    root_id TEXT NOT NULL DEFAULT '',
    original_id TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    props TEXT NOT NULL DEFAULT '{}',
    hashtags TEXT NOT NULL DEFAULT '',
    file_ids TEXT NOT NULL DEFAULT '[]',
    pending_post_id TEXT NOT NULL DEFAULT '',
    reply_count INTEGER NOT NULL DEFAULT 0, -- kept on root posts, updated with each reply
    last_reply_at INTEGER NOT NULL DEFAULT 0
);
-- Channel pages newest-first; `since` reads by update_at; threads by root.
CREATE INDEX posts_channel_create ON posts(channel_id, create_at);
CREATE INDEX posts_channel_update ON posts(channel_id, update_at);
CREATE INDEX posts_root ON posts(root_id) WHERE root_id != '';

-- User presence for /away, /online, /dnd and GET /users/{id}/status.
CREATE TABLE status (
    user_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL DEFAULT 0
);
