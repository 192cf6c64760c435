"""Interactive messages with the real Python `mattermostdriver` (7.3.2) against a Perch server.

Usage: mmdriver_actions.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM_ID CHANNEL_ID

Plays both sides: an integration (a small HTTP server on 127.0.0.1) and a user. Posts a
button through the REST API (with `null` attachment strings, as mmpy_bot sends them),
clicks it with `posts.perform_post_action`; the integration, called by Perch, opens a dialog
with the trigger id through `IntegrationActions.open_dialog` and answers with an update and an
ephemeral text; then submits the dialog with `IntegrationActions.submit_dialog` and reads the
integration's field errors back. Exits non-zero with a message on the first mismatch; prints
`ok` at the end.
"""

import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mattermostdriver import Driver
from mattermostdriver.endpoints.integration_actions import IntegrationActions


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def main(argv):
    if len(argv) != 8:
        raise Mismatch("usage: mmdriver_actions.py SCHEME HOST PORT LOGIN PASSWORD TEAM_ID CHANNEL_ID")
    scheme, host, port, login_id, password, team_id, channel_id = argv[1:]
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
    actions = IntegrationActions(d.client)
    calls = []
    opened = []

    class Integration(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            calls.append((self.path, body))
            if self.path == "/act":
                opened.append(actions.open_dialog({
                    "trigger_id": body["trigger_id"],
                    "url": base + "/submit",
                    "dialog": {"callback_id": "why", "title": "Why?", "elements": [
                        {"display_name": "Reason", "name": "reason", "type": "text"}]},
                }))
                reply = {"update": {"message": "Approved", "props": {}}, "ephemeral_text": "Thanks"}
            else:
                reply = {"errors": {"reason": "Too short"}}
            out = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Integration)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    post = d.posts.create_post(options={
        "channel_id": channel_id,
        "message": "Deploy?",
        "props": {"attachments": [{"pretext": None, "text": "build 7", "actions": [
            {"id": "approve", "name": "Approve",
             "integration": {"url": base + "/act", "context": {"build": 7}}}]}]},
    })
    check("integration" not in json.dumps(post), f"the post shows its integration: {post}")
    eq(post["props"]["attachments"][0]["pretext"], "", "null pretext")

    r = d.posts.perform_post_action(post["id"], "approve")
    eq(r["status"], "OK", "click status")
    eq(len(r["trigger_id"]), 26, "client trigger id")
    eq(len(calls), 1, "integration calls")
    path, call = calls[0]
    eq(path, "/act", "action URL")
    eq(call["user_id"], me["id"], "user_id")
    eq(call["post_id"], post["id"], "post_id")
    eq(call["context"], {"build": 7}, "context")
    eq(opened, [{"status": "OK"}], "open_dialog answer")
    after = d.posts.get_post(post["id"])
    eq(after["message"], "Approved", "updated message")
    check("attachments" not in after["props"], f"buttons removed: {after['props']}")

    r = actions.submit_dialog({
        "url": base + "/submit", "callback_id": "why", "state": "",
        "channel_id": channel_id, "team_id": team_id,
        "submission": {"reason": "x"}, "cancelled": False,
    })
    eq(r, {"errors": {"reason": "Too short"}}, "submit answer")
    path, sub = calls[1]
    eq(path, "/submit", "dialog URL")
    eq(sub["type"], "dialog_submission", "submission type")
    eq(sub["user_id"], me["id"], "submission user")
    eq(sub["submission"], {"reason": "x"}, "submission")
    server.shutdown()
    print("ok")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
