-- Perch schema, version 13: full-text search of posts (Mattermost's POST
-- /teams/{team_id}/posts/search). An external-content FTS5 index over posts.message, kept by
-- triggers: inserts add, message edits replace, row deletes remove. Soft deletes (delete_at)
-- leave the entry; searches skip deleted posts. `porter` stems English words as Mattermost's
-- PostgreSQL search does ("deploys" finds "deploy"); `unicode61` folds case and diacritics.
-- `columnsize = 0`: no per-post size row (only bm25 ranking reads it, and results are ordered
-- by time), one write less per post.

CREATE VIRTUAL TABLE posts_fts USING fts5(
    message,
    content = 'posts',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2',
    columnsize = 0
);

CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, message) VALUES (new.rowid, new.message);
END;

CREATE TRIGGER posts_fts_update AFTER UPDATE OF message ON posts
WHEN old.message IS NOT new.message BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
    INSERT INTO posts_fts (rowid, message) VALUES (new.rowid, new.message);
END;

CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
END;

INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
