-- Perch schema, version 8: finished outgoing deliveries indexed on their own, so pruning a
-- hook's delivery log walks only the rows it keeps. Walking the (hook_id, create_at) index
-- also stepped over every pending delivery, and under a backlog that made each prune cost as
-- much as the backlog: the writer saturated and deliveries fell behind.

CREATE INDEX outgoing_deliveries_finished ON outgoing_deliveries(hook_id, create_at)
    WHERE state != 'pending';
