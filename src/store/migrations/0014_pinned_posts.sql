-- Perch schema, version 14: pinned posts found without reading a channel's other posts. The
-- web app asks for a channel's pinned count each time it opens the channel, and lists them
-- from the channel header.

CREATE INDEX posts_pinned ON posts(channel_id, create_at) WHERE is_pinned = 1;
