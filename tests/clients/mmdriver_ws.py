"""mattermostdriver 7.3.2's `Driver.init_websocket` against Perch: the listener logs in with a
personal access token (so the socket authenticates by `authentication_challenge`), receives
`hello` (seq 0), then `posted` for a post another user makes.

usage: mmdriver_ws.py BASE_URL LISTENER_TOKEN POSTER_TOKEN CHANNEL_ID
Prints one JSON line on success; exits non-zero on the first mismatch.
"""

import asyncio
import json
import queue
import sys
import threading
from urllib.parse import urlparse

from mattermostdriver import Driver


def main():
    base, listener_token, poster_token, channel_id = sys.argv[1:5]
    url = urlparse(base)
    common = {"url": url.hostname, "port": url.port, "scheme": url.scheme, "basepath": "/api/v4"}
    listener = Driver(dict(common, token=listener_token))
    me = listener.login()
    poster = Driver(dict(common, token=poster_token))
    poster.login()

    messages = queue.Queue()

    async def handler(message):
        messages.put(message)

    def listen():
        asyncio.set_event_loop(asyncio.new_event_loop())
        listener.init_websocket(handler)

    threading.Thread(target=listen, daemon=True).start()

    def next_json(what):
        try:
            return json.loads(messages.get(timeout=10))
        except queue.Empty:
            print(f"no message while waiting for {what}", file=sys.stderr)
            sys.exit(1)

    # `hello` with seq 0 is the driver's proof of authentication; the OK reply may come after.
    while True:
        m = next_json("hello")
        if m.get("event") == "hello":
            break
    assert m["seq"] == 0, m
    created = poster.posts.create_post({"channel_id": channel_id, "message": "hi from a driver"})
    while True:
        m = next_json("posted")
        if m.get("event") == "posted":
            break
    post = json.loads(m["data"]["post"])
    assert post["id"] == created["id"], (post, created)
    assert m["data"]["sender_name"].startswith("@"), m
    assert m["seq"] >= 1, m
    print(json.dumps({"me": me["username"], "posted": post["id"], "seq": m["seq"]}))


if __name__ == "__main__":
    main()
