"""Slash commands with the real Python `mattermostdriver` (7.3.2) against a Perch server.

Usage: mmdriver_commands.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM_ID CHANNEL_ID COMMAND_URL

Creates a custom command pointing at COMMAND_URL (a test server that answers
`deployed: <text> token=<token> method=<method>` in the channel), lists it, edits it,
regenerates its token, executes it and a built-in, checks the error of an unknown trigger,
and deletes it. Exits non-zero with a message on the first mismatch.

The driver builds some command URLs without a `/` (`/commands<id>`, `/teams<id>`, a known
driver bug); this script passes ids with a leading `/` to work around it.
"""

import sys
import traceback

from mattermostdriver import Driver
from mattermostdriver.exceptions import ResourceNotFound


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def main(argv):
    if len(argv) != 9:
        raise Mismatch("usage: mmdriver_commands.py SCHEME HOST PORT LOGIN PASSWORD TEAM_ID CHANNEL_ID URL")
    scheme, host, port, login_id, password, team_id, channel_id, url = argv[1:]
    d = Driver({
        "scheme": scheme,
        "url": host,
        "port": int(port),
        "login_id": login_id,
        "password": password,
        "verify": False,
        "request_timeout": 30,
    })
    me = d.login()
    my_id = me["id"]

    cmd = d.commands.create_command(options={
        "team_id": team_id,
        "trigger": "PyDeploy",
        "method": "P",
        "url": url,
        "display_name": "Deploy",
        "description": "Deploys from Python",
        "auto_complete": True,
        "auto_complete_desc": "deploy something",
        "auto_complete_hint": "[env]",
    })
    check(isinstance(cmd, dict), f"create_command returned {type(cmd).__name__}")
    eq(cmd["trigger"], "pydeploy", "stored trigger")
    eq(len(cmd["token"]), 26, "token length")
    eq(cmd["creator_id"], my_id, "creator_id")
    eq(cmd["method"], "P", "method")
    cmd_id = cmd["id"]

    # Python sends custom_only=True (capitalised).
    custom = d.commands.list_commands_for_team(params={"team_id": team_id, "custom_only": True})
    check(isinstance(custom, list), f"custom list is {type(custom).__name__} (Content-Type not exactly application/json?)")
    mine = [c for c in custom if c["id"] == cmd_id]
    eq(len(mine), 1, "the command in the custom_only list")
    eq(mine[0]["token"], cmd["token"], "custom_only list shows the token")

    everything = d.commands.list_commands_for_team(params={"team_id": team_id, "custom_only": False})
    triggers = {c["trigger"]: c for c in everything}
    check("echo" in triggers, "built-in /echo missing from the full list")
    eq(triggers["pydeploy"]["token"], "", "full list is sanitized")

    auto = d.commands.list_autocomplete_commands("/" + team_id)
    auto_triggers = [c["trigger"] for c in auto]
    check("pydeploy" in auto_triggers and "echo" in auto_triggers, f"autocomplete list: {auto_triggers}")

    edited = dict(cmd)
    edited["description"] = "updated from python"
    updated = d.commands.update_command("/" + cmd_id, options=edited)
    eq(updated["description"], "updated from python", "updated description")
    eq(updated["token"], cmd["token"], "token kept by update")

    regen = d.commands.generate_new_token("/" + cmd_id)
    token = regen["token"]
    check(len(token) == 26 and token != cmd["token"], f"regenerated token {token!r}")

    resp = d.commands.execute_command(options={
        "channel_id": channel_id,
        "command": "/pydeploy staging now",
        "team_id": team_id,
    })
    check(isinstance(resp, dict), f"execute_command returned {type(resp).__name__}")
    want = f"deployed: staging now token={token} method=POST"
    eq(resp["text"], want, "command response text")
    eq(resp["response_type"], "in_channel", "response_type")
    eq(len(resp["trigger_id"]), 26, "trigger_id returned to the client")

    resp = d.commands.execute_command(options={"channel_id": channel_id, "command": "/echo hello from python"})
    eq(resp["text"], "", "/echo answers with an empty response")

    posts = d.posts.get_posts_for_channel(channel_id)
    messages = [p["message"] for p in posts["posts"].values()]
    check(want in messages, f"the in_channel response was not posted: {messages}")
    check("hello from python" in messages, f"/echo did not post: {messages}")
    mine = [p for p in posts["posts"].values() if p["message"] == want]
    eq(mine[0]["user_id"], my_id, "response posted as the caller")
    eq(mine[0]["props"].get("from_webhook"), "true", "from_webhook prop")

    try:
        d.commands.execute_command(options={"channel_id": channel_id, "command": "/no-such-command"})
        raise Mismatch("an unknown trigger did not raise")
    except ResourceNotFound:
        pass

    deleted = d.commands.delete_command("/" + cmd_id)
    eq(deleted, {"status": "OK"}, "delete_command answer")
    try:
        d.commands.execute_command(options={"channel_id": channel_id, "command": "/pydeploy again"})
        raise Mismatch("a deleted command still ran")
    except ResourceNotFound:
        pass

    d.logout()
    print("ok")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        sys.exit(2)
