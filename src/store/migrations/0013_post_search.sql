-- Perch schema, version 13: full-text search of posts (Mattermost's POST
-- /teams/{team_id}/posts/search). An external-content FTS5 index over posts.message. `porter`
-- stems English words as Mattermost's PostgreSQL search does ("deploys" finds "deploy");
-- `unicode61` folds case and diacritics; `columnsize = 0` keeps no per-post size row (only bm25
-- ranking reads it, and results are ordered by time).
--
-- New posts are indexed off the path of the request that stores them: the janitor thread
-- indexes every post above `posts_fts_state.hw` (the highest rowid indexed) in batches, and a
-- search first does the same, so it always sees every stored post. Indexing in the write of
-- each post cost a tenth to a third of the incoming-webhook throughput. Edits and deletes of
-- indexed posts keep the index current through the triggers below; a post not yet indexed is
-- indexed as it is by then. Existing posts are indexed the same way after the upgrade.

CREATE VIRTUAL TABLE posts_fts USING fts5(
    message,
    content = 'posts',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2',
    columnsize = 0
);

CREATE TABLE posts_fts_state (hw INTEGER NOT NULL);
INSERT INTO posts_fts_state (hw) VALUES (0);

CREATE TRIGGER posts_fts_update AFTER UPDATE OF message ON posts
WHEN old.message IS NOT new.message AND old.rowid <= (SELECT hw FROM posts_fts_state) BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
    INSERT INTO posts_fts (rowid, message) VALUES (new.rowid, new.message);
END;

CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts
WHEN old.rowid <= (SELECT hw FROM posts_fts_state) BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
    -- The highest rowid may be given again to the next post: index from below it.
    UPDATE posts_fts_state SET hw = old.rowid - 1
    WHERE old.rowid > (SELECT coalesce(max(rowid), 0) FROM posts);
END;
