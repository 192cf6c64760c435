-- Emoji reactions on posts (Mattermost's Reactions table). A removed reaction is deleted.
CREATE TABLE reactions (
    post_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    emoji_name TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    update_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id, emoji_name)
) WITHOUT ROWID;
