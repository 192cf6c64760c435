-- Perch schema, version 7: posts stored in id order (WITHOUT ROWID). Ids are time-ordered, so
-- new posts append at the end; the separate id index goes (one b-tree fewer per post), and the
-- channel indexes carry the id, so a page ordered by (create_at, id) needs no sort step.

CREATE TABLE posts_by_id (
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
    reply_count INTEGER NOT NULL DEFAULT 0,
    last_reply_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO posts_by_id (id, create_at, update_at, edit_at, delete_at, is_pinned, user_id,
    channel_id, root_id, original_id, message, type, props, hashtags, file_ids,
    pending_post_id, reply_count, last_reply_at)
SELECT id, create_at, update_at, edit_at, delete_at, is_pinned, user_id,
    channel_id, root_id, original_id, message, type, props, hashtags, file_ids,
    pending_post_id, reply_count, last_reply_at
FROM posts ORDER BY id;

DROP TABLE posts;
ALTER TABLE posts_by_id RENAME TO posts;

CREATE INDEX posts_channel_create ON posts(channel_id, create_at);
CREATE INDEX posts_channel_update ON posts(channel_id, update_at);
CREATE INDEX posts_root ON posts(root_id) WHERE root_id != '';
