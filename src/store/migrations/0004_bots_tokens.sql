-- Perch schema: bots and personal access tokens. The tables exist since version 1; bot
-- listings for one owner (GET /bots without read_others_bots, and disabling every bot of a
-- deactivated owner) need this index.
CREATE INDEX bots_owner ON bots(owner_id);
