-- Perch schema, version 11: uploaded files (Mattermost's FileInfo table). The bytes live under
-- FileSettings.Directory as Mattermost's local driver lays them out; a row is written only
-- after its file is fsynced in its final place, so no row ever points to a missing file.

CREATE TABLE file_info (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL,
    post_id TEXT NOT NULL DEFAULT '',       -- '' while unattached
    channel_id TEXT NOT NULL,               -- the channel uploaded to (then the post's)
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    delete_at INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL,                     -- relative to FileSettings.Directory
    thumbnail_path TEXT NOT NULL DEFAULT '',
    preview_path TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,                     -- the base name the client sent
    extension TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    mime_type TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    has_preview_image INTEGER NOT NULL DEFAULT 0,
    mini_preview BLOB,
    -- 1 while the thumbnail and preview are still to be made (off the request path).
    images_pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX file_info_post ON file_info(post_id) WHERE post_id != '';
CREATE INDEX file_info_images_pending ON file_info(create_at) WHERE images_pending = 1;

-- Server-wide values that must survive restarts: the public-link salt (Mattermost keeps it in
-- config.json as FileSettings.PublicLinkSalt; a non-empty config value still wins).
CREATE TABLE systems (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO systems (name, value) VALUES ('PublicLinkSalt', lower(hex(randomblob(16))));

-- The incoming-webhook delivery log records the files a call carried: a JSON array of
-- {"id", "name", "size"}.
ALTER TABLE incoming_webhook_deliveries ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
