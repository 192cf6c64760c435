"""Drives Perch's outgoing-webhook API with the real `mattermostdriver` (7.3.2).

Usage: mmdriver_outgoing.py PORT TOKEN TEAM_ID CHANNEL_ID CALLBACK_URL
Creates a hook, lists, gets and updates it, makes a post that fires it, deletes it, lists
again, and prints a JSON report.
"""

import json
import time
import sys

from mattermostdriver import Driver


def main():
    port, token, team_id, channel_id, callback = sys.argv[1:6]
    d = Driver({"url": "127.0.0.1", "port": int(port), "scheme": "http", "token": token})
    d.login()
    created = d.webhooks.create_outgoing_hook({
        "team_id": team_id,
        "display_name": "from mattermostdriver",
        "trigger_words": ["mmdriver"],
        "callback_urls": [callback],
    })
    listed = d.webhooks.list_outgoing_hooks(params={"team_id": team_id, "page": 0, "per_page": 10})
    got = d.webhooks.get_outgoing_hook(created["id"])
    assert got["token"] == created["token"], got
    got["description"] = "updated by the driver"
    updated = d.webhooks.update_outgoing_hook(created["id"], got)
    assert updated["description"] == "updated by the driver", updated
    d.posts.create_post({"channel_id": channel_id, "message": "mmdriver hello"})
    # Delivery is asynchronous, and deleting the hook cancels what is still pending: wait for
    # the delivery (Perch's delivery log) before deleting.
    deadline = time.time() + 20
    while time.time() < deadline:
        log = d.client.get("/hooks/outgoing/%s/deliveries" % created["id"])
        if any(x.get("state") == "delivered" for x in log):
            break
        time.sleep(0.05)
    d.webhooks.delete_outgoing_hook(created["id"])
    after = d.webhooks.list_outgoing_hooks(params={"team_id": team_id})
    print(json.dumps({
        "created": created,
        "listed": len(listed),
        "listed_after_delete": len(after),
    }))


if __name__ == "__main__":
    main()
