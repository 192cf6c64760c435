"""Posts to a Perch incoming webhook with the real `matterhook` (0.3).

Usage: matterhook_sender.py BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME

matterhook only counts status 200 as success (anything else raises its HTTPError), so every
send below returning is the check that Perch answered exactly 200. Sends Markdown with a Slack
link, every per-call override (channel, icon_url, username), attachments without text (`text`
is JSON null), text with a plain-dict attachment, a message to @DM_USERNAME and one through the
Webhook's own defaults; then two failing calls (unknown hook, null text without attachments)
must raise matterhook's HTTPError with Mattermost's error body. The Rust test
(tests/api/real_senders.rs) checks the posts through the REST API. Exits non-zero with a
message on the first mismatch.
"""

import json
import sys
import traceback

from matterhook import Attachment, Webhook
from matterhook.incoming import HTTPError

GENERAL = "web.incoming_webhook.general.app_error"


class Mismatch(Exception):
    pass


def eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def refused(send, status, what):
    try:
        send()
    except HTTPError as e:
        try:
            err = json.loads(str(e))
        except ValueError as je:
            raise Mismatch(f"{what}: error body is not JSON ({je}): {e}") from je
        eq(err.get("id"), GENERAL, f"{what}: error id")
        eq(err.get("status_code"), status, f"{what}: error status_code")
        return
    raise Mismatch(f"{what}: the send did not raise HTTPError")


def main(argv):
    if len(argv) != 5:
        raise Mismatch("usage: matterhook_sender.py BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME")
    _, base_url, hook_id, other_channel, dm_username = argv
    hook = Webhook(base_url, hook_id)

    hook.send("Plain **markdown** with a [link](https://example.com) & <https://x.example.com|a Slack link>")

    hook.send(
        "Overrides on the call",
        channel=other_channel,
        icon_url="https://cdn.example.com/mh.png",
        username="matterhook-bot",
    )

    disk = Attachment(
        fallback="Disk 91% full",
        color="#ff0000",
        pretext="Disk alert",
        text="Host <https://mon.example.com/db1|db1> at 91%",
        title="db1",
        title_link="https://mon.example.com/db1",
        fields=[{"title": "Mount", "value": "/var", "short": True}],
    )
    hook.send(None, attachments=[disk.payload])

    hook.send("Text and a dict attachment", attachments=[{"text": "raw &lt;dict&gt;", "color": "good"}])

    hook.send("Direct message", channel=f"@{dm_username}")

    Webhook(base_url, hook_id, channel=f"#{other_channel}", username="defaults-bot").send("Instance defaults")

    refused(lambda: Webhook(base_url, "x" * 26).send("to nowhere"), 400, "unknown hook")
    refused(lambda: hook.send(None), 400, "null text without attachments")

    print("matterhook_sender: ok", flush=True)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Mismatch as e:
        print(f"matterhook_sender: MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - any exception is a failure of the run
        print("matterhook_sender: EXCEPTION:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(2)
