"""Core chat flow with the real Python `mattermostdriver` (7.3.2) against a Perch server.

Usage: mmdriver_core.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM_NAME CHANNEL_NAME

Logs in, reads the caller, patches its profile, reads the team and the channel by name, posts (plain, with props, a
reply), reads the channel's posts and the thread, checks the driver's exceptions for a 404 and
a wrong password, and logs out. Exits non-zero with a message on the first mismatch.
"""

import sys
import time
import traceback

from mattermostdriver import Driver
from mattermostdriver.exceptions import NoAccessTokenProvided, ResourceNotFound


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def past(post):
    """Waits until the wall clock has left the post's millisecond, so the next post gets a later
    create_at (posts in the same millisecond have no defined order, in Mattermost too)."""
    while time.time() * 1000 <= post["create_at"]:
        time.sleep(0.001)


def driver(scheme, host, port, login_id, password):
    return Driver({
        "scheme": scheme,
        "url": host,
        "port": port,
        "login_id": login_id,
        "password": password,
        "verify": False,
        "request_timeout": 30,
    })


def main(argv):
    if len(argv) != 8:
        raise Mismatch("usage: mmdriver_core.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM CHANNEL")
    scheme, host, port, login_id, password, team_name, channel_name = argv[1:]
    port = int(port)

    d = driver(scheme, host, port, login_id, password)
    me_login = d.login()
    check(isinstance(me_login, dict), f"login returned {type(me_login).__name__}, not a dict")
    check(d.client.token, "login left the driver without a token (missing Token header or status != 200)")
    eq(len(d.client.token), 26, "token length")
    check("password" not in me_login, "login returned the password field")
    eq(d.client.username, login_id, "driver username after login")
    user_id = me_login["id"]
    eq(d.client.userid, user_id, "driver userid after login")

    me = d.users.get_user("me")
    check(isinstance(me, dict), f"users.get_user('me') returned {type(me).__name__} (Content-Type not exactly application/json?)")
    eq(me["id"], user_id, "users/me id")
    eq(me["username"], login_id, "users/me username")
    check("system_user" in me["roles"].split(), f"users/me roles {me['roles']!r}")

    by_name = d.users.get_user_by_username(login_id)
    eq(by_name["id"], user_id, "get_user_by_username id")

    patched = d.users.patch_user(user_id, {"nickname": "Driven", "position": "Tester"})
    eq((patched["nickname"], patched["position"]), ("Driven", "Tester"), "patch_user fields")
    eq(patched["username"], login_id, "patch_user kept the username")
    check(patched["update_at"] > me["update_at"], "patch_user did not move update_at")
    eq(d.users.get_user("me")["nickname"], "Driven", "users/me nickname after patch_user")

    team = d.teams.get_team_by_name(team_name)
    check(isinstance(team, dict), "get_team_by_name did not return JSON")
    eq(team["name"], team_name, "team name")
    team_id = team["id"]
    eq(len(team_id), 26, "team id length")

    ch = d.channels.get_channel_by_name(team_id, channel_name)
    eq(ch["name"], channel_name, "channel name")
    eq(ch["team_id"], team_id, "channel team_id")
    channel_id = ch["id"]
    ch2 = d.channels.get_channel_by_name_and_team_name(team_name, channel_name)
    eq(ch2["id"], channel_id, "channel by team name id")
    town = d.channels.get_channel_by_name(team_id, "town-square")
    eq(town["name"], "town-square", "town-square name")

    p1 = d.posts.create_post({"channel_id": channel_id, "message": "hello from mattermostdriver"})
    eq(p1["channel_id"], channel_id, "post channel_id")
    eq(p1["user_id"], user_id, "post user_id")
    eq(p1["message"], "hello from mattermostdriver", "post message")
    eq(p1["root_id"], "", "post root_id")
    eq(len(p1["id"]), 26, "post id length")

    past(p1)
    p2 = d.posts.create_post({
        "channel_id": channel_id,
        "message": "with props",
        "props": {"from_bot": "true", "custom": {"n": 1}},
    })
    eq(p2["props"].get("custom"), {"n": 1}, "post props")

    past(p2)
    reply = d.posts.create_post({"channel_id": channel_id, "message": "a reply", "root_id": p1["id"]})
    eq(reply["root_id"], p1["id"], "reply root_id")

    listing = d.posts.get_posts_for_channel(channel_id, params={"per_page": 10, "page": 0})
    check(isinstance(listing, dict), "get_posts_for_channel did not return JSON")
    order = listing["order"]
    eq(order[:3], [reply["id"], p2["id"], p1["id"]], "channel post order (newest first)")
    eq(listing["posts"][p1["id"]]["message"], "hello from mattermostdriver", "listed post message")
    eq(listing["posts"][reply["id"]]["root_id"], p1["id"], "listed reply root_id")
    check("next_post_id" in listing and "prev_post_id" in listing, "PostList lacks next/prev_post_id")

    paged = d.posts.get_posts_for_channel(channel_id, params={"per_page": 1, "page": 1})
    eq(paged["order"], [p2["id"]], "per_page=1 page=1 order")

    thread = d.posts.get_thread(p1["id"])
    check(isinstance(thread, dict), "get_thread did not return JSON")
    eq(sorted(thread["order"]), sorted([p1["id"], reply["id"]]), "thread order ids")
    check(p2["id"] not in thread["posts"], "thread contains an unrelated post")
    eq(thread["posts"][reply["id"]]["message"], "a reply", "thread reply message")

    one = d.posts.get_post(reply["id"])
    eq(one["id"], reply["id"], "get_post id")

    patched = d.posts.patch_post(p2["id"], {"message": "with props, edited"})
    eq(patched["message"], "with props, edited", "patch_post message")
    check(patched["edit_at"] > 0, "patch_post left edit_at at 0")
    eq(d.posts.delete_post(p2["id"]), {"status": "OK"}, "delete_post result")
    after = d.posts.get_posts_for_channel(channel_id)
    check(p2["id"] not in after["order"], "a deleted post is still listed")
    eq(after["order"][:2], [reply["id"], p1["id"]], "order after delete")

    # Logging in by e-mail works too (a second session for the same user).
    by_email = driver(scheme, host, port, me["email"], password)
    eq(by_email.login()["id"], user_id, "login by e-mail id")
    eq(by_email.users.get_user("me")["id"], user_id, "users/me after e-mail login")

    try:
        d.teams.get_team_by_name("no-such-team")
        raise Mismatch("get_team_by_name of an unknown team did not raise")
    except ResourceNotFound:
        pass

    try:
        d.channels.get_channel_by_name(team_id, "no-such-channel")
        raise Mismatch("get_channel_by_name of an unknown channel did not raise")
    except ResourceNotFound:
        pass

    bad = driver(scheme, host, port, login_id, password + "-wrong")
    try:
        bad.login()
        raise Mismatch("login with a wrong password did not raise")
    except NoAccessTokenProvided:
        pass
    eq(bad.client.token, "", "token after a failed login")

    token = d.client.token
    out = d.logout()
    eq(out, {"status": "OK"}, "logout result")
    eq(d.client.token, "", "driver token after logout")

    # The old token is revoked: reusing it must give the driver's 401 exception.
    stale = driver(scheme, host, port, login_id, password)
    stale.client.token = token
    try:
        stale.users.get_user("me")
        raise Mismatch("a revoked token still works after logout")
    except NoAccessTokenProvided:
        pass

    print("mmdriver_core: ok")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Mismatch as e:
        print(f"mmdriver_core: MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - any exception is a failure of the run
        print("mmdriver_core: EXCEPTION:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(2)
