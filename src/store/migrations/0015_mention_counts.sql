-- Perch schema, version 15: each channel member's unread mentions (Mattermost's
-- ChannelMember.MentionCount and MentionCountRoot), counted as posts are stored and cleared
-- when the member views the channel. Before this, badges came only from live events and were
-- lost on a reload.

ALTER TABLE channel_members ADD COLUMN mention_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel_members ADD COLUMN mention_count_root INTEGER NOT NULL DEFAULT 0;
