-- Interactive messages: the log of action and dialog calls, and server secrets.

-- One row per call Perch made to an integration for an action click or a dialog submission,
-- and per dialog opened (no call: `status_code` is what the opener was answered, `note` the
-- dialog's validation problems). Attributed to the integration that supplied the URL
-- (`source_kind`: incoming_hook, outgoing_hook, command, user; '' when unknown), whose
-- managers may read it. Trimmed to the newest rows per source.
CREATE TABLE action_calls (
    seq INTEGER PRIMARY KEY,                -- insertion order
    id TEXT NOT NULL,
    create_at INTEGER NOT NULL,
    kind TEXT NOT NULL,                     -- action, dialog_open, dialog_submit
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    user_id TEXT NOT NULL,                  -- who clicked, submitted, or had a dialog opened
    channel_id TEXT NOT NULL DEFAULT '',
    post_id TEXT NOT NULL DEFAULT '',
    action_id TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    status_code INTEGER NOT NULL DEFAULT 0, -- the integration's HTTP status (0: no answer)
    latency_ms INTEGER NOT NULL DEFAULT 0,
    error_id TEXT NOT NULL DEFAULT '',      -- the error the user was answered ('' on success)
    error TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT '',      -- the start of the integration's answer
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX action_calls_source ON action_calls(source_kind, source_id, seq);

-- Keys the server generates once and keeps across restarts (the action cookie key).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
