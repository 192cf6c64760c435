"""mattermostdriver 7.3.2 against Perch: an admin creates a bot and a personal access token
for it, then the bot authenticates with the token (GET users/me).

usage: bot_token.py BASE_URL ADMIN_PASSWORD  -- prints one JSON line on success.
"""

import json
import sys
from urllib.parse import urlparse

from mattermostdriver import Driver
# 7.3.2 has no Driver.bots property; the endpoint class exists.
from mattermostdriver.endpoints.bots import Bots


def main():
    base, password = sys.argv[1], sys.argv[2]
    url = urlparse(base)
    common = {"url": url.hostname, "port": url.port, "scheme": url.scheme, "basepath": "/api/v4"}

    admin = Driver(dict(common, login_id="admin", password=password))
    admin.login()
    bots = Bots(admin.client)
    bot = bots.create_bot(options={
        "username": "py-bot", "display_name": "Py Bot", "description": "made by mattermostdriver",
    })
    token = admin.users.create_user_access_token(bot["user_id"], options={"description": "py"})
    assert len(token["token"]) == 26, token

    as_bot = Driver(dict(common, token=token["token"]))
    me = as_bot.login()  # with a token, login() is GET users/me
    assert me["id"] == bot["user_id"], me
    assert me["is_bot"] is True, me
    listed = [b["username"] for b in bots.get_bots()]
    print(json.dumps({"bot_user_id": bot["user_id"], "me": me["username"], "is_bot": me["is_bot"], "bots": listed}))


if __name__ == "__main__":
    main()
