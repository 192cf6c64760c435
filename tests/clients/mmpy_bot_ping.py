"""mmpy_bot 2.2.1 end to end against Perch: a real bot (bot account, personal access token)
with a `listen_to("^ping")` plugin answers `pong` in the thread and reacts, when a user posts
`ping` in a channel the bot is in.

usage: mmpy_bot_ping.py BASE_URL BOT_TOKEN USER_TOKEN CHANNEL_ID BOT_USER_ID
The bot runs in a child process; this process is the user. Prints one JSON line on success.
"""

import json
import multiprocessing
import sys
import time
from urllib.parse import urlparse

import httpx


def run_bot(base, token):
    from mmpy_bot import Bot, Plugin, Settings, listen_to

    class Ping(Plugin):
        @listen_to("^ping")
        async def ping(self, message):
            self.driver.reply_to(message, "pong")
            self.driver.react_to(message, "white_check_mark")

    url = urlparse(base)
    bot = Bot(
        settings=Settings(
            MATTERMOST_URL=f"{url.scheme}://{url.hostname}",
            MATTERMOST_PORT=url.port,
            BOT_TOKEN=token,
            BOT_TEAM="alpha",
            SSL_VERIFY=False,
        ),
        plugins=[Ping()],
    )
    bot.run()


def main():
    base, bot_token, user_token, channel_id, bot_id = sys.argv[1:6]
    child = multiprocessing.Process(target=run_bot, args=(base, bot_token), daemon=True)
    child.start()
    api = httpx.Client(base_url=f"{base}/api/v4", headers={"Authorization": f"Bearer {user_token}"})
    try:
        # The bot connects and authenticates on its socket; until then posts go unheard, so
        # post `ping` again every few seconds until the bot answers (at most 40 s).
        deadline = time.time() + 40
        answered = None
        while time.time() < deadline and answered is None:
            post = api.post("/posts", json={"channel_id": channel_id, "message": "ping"}).json()
            until = time.time() + 4
            while time.time() < until:
                thread = api.get(f"/posts/{post['id']}/thread").json()
                replies = [p for p in thread["posts"].values() if p["id"] != post["id"]]
                pong = [p for p in replies if p["user_id"] == bot_id and p["message"] == "pong"]
                reactions = api.get(f"/posts/{post['id']}/reactions").json()
                mine = [r for r in reactions if r["user_id"] == bot_id]
                if pong and mine:
                    answered = (post, pong[0], mine[0])
                    break
                time.sleep(0.2)
        if answered is None:
            print("the bot never answered ping", file=sys.stderr)
            sys.exit(1)
        post, pong, reaction = answered
        assert pong["root_id"] == post["id"], pong
        assert reaction["emoji_name"] == "white_check_mark", reaction
        print(json.dumps({"pong": pong["id"], "root": pong["root_id"], "reaction": reaction["emoji_name"]}))
    finally:
        child.terminate()
        child.join(5)


if __name__ == "__main__":
    main()
