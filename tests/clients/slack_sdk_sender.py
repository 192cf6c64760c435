"""Posts to a Perch incoming webhook with the real `slack_sdk` WebhookClient (3.48.0).

Usage: slack_sdk_sender.py BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME

Sends plain text with Slack markup, text with attachments (a dict and a slack_sdk Attachment
model), overrides, non-ASCII text and a channel override through send_dict, a direct message to
@DM_USERNAME, blocks (which Mattermost ignores) and a retry with the same Idempotency-Key (Perch
answers it like the first call and posts once); each must answer 200 `ok` with an X-Post-Id
header. Then three failing calls (unknown hook, unknown channel, empty text) must come back as
responses with the right status, not as exceptions. Prints `post <id>` for every successful
send. The Rust test (tests/api/real_senders.rs) checks the posts through the REST API. Exits non-zero
with a message on the first mismatch.
"""

import json
import sys
import traceback

from slack_sdk.models.attachments import Attachment, AttachmentField
from slack_sdk.webhook import WebhookClient

GENERAL = "web.incoming_webhook.general.app_error"


class Mismatch(Exception):
    pass


def eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def sent(response, what):
    """A successful send: 200, body `ok`, text/plain, and the id of the post in X-Post-Id
    (returned)."""
    eq(response.status_code, 200, f"{what}: status (body {response.body!r})")
    eq(response.body, "ok", f"{what}: body")
    eq(response.headers.get("Content-Type"), "text/plain", f"{what}: Content-Type")
    post_id = response.headers.get("X-Post-Id") or ""
    eq(len(post_id), 26, f"{what}: X-Post-Id {post_id!r} length")
    print(f"post {post_id}", flush=True)
    return post_id


def refused(response, status, what):
    """A failed send comes back as a response (slack_sdk does not raise on 4xx)."""
    eq(response.status_code, status, f"{what}: status (body {response.body!r})")
    try:
        err = json.loads(response.body)
    except ValueError as e:
        raise Mismatch(f"{what}: error body is not JSON ({e}): {response.body!r}") from e
    eq(err.get("id"), GENERAL, f"{what}: error id")
    eq(err.get("status_code"), status, f"{what}: error status_code")


def main(argv):
    if len(argv) != 5:
        raise Mismatch("usage: slack_sdk_sender.py BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME")
    _, base_url, hook_id, other_channel, dm_username = argv
    client = WebhookClient(f"{base_url}/hooks/{hook_id}")

    sent(
        client.send(
            text="Deploy <https://deploy.example.com/runs/42?env=prod&amp;v=2|run #42> finished"
            " &amp; verified: 3 &lt; 5 &gt; 1 <!here>"
        ),
        "plain text",
    )

    failed_build = {
        "fallback": "Build 7 failed &amp; rolled back",
        "color": "danger",
        "pretext": "<!channel> heads up",
        "author_name": "CI &amp; CD",
        "author_link": "https://ci.example.com",
        "title": "Build 7",
        "title_link": "https://ci.example.com/7",
        "text": "Step <https://ci.example.com/7/log|compile> failed:\n`cargo build` &gt; exit 101",
        "fields": [
            {"title": "Branch", "value": "main", "short": True},
            {"title": "Commit", "value": "<https://git.example.com/c/abc|abc123>", "short": False},
        ],
        "footer": "ci &amp; more",
        "ts": 1700000000,
    }
    coverage = Attachment(
        fallback="coverage 91%",
        color="#36a64f",
        title="Coverage",
        text="Coverage <https://cov.example.com|report>",
        fields=[AttachmentField(title="Lines", value="91%", short=True)],
        footer="ci",
    )
    sent(
        client.send(
            text="Build 7 failed on <https://ci.example.com/7|main>",
            attachments=[failed_build, coverage],
        ),
        "text with attachments",
    )

    sent(
        client.send_dict(
            {
                "text": "Released v1.2 to *staging* — déployé ✅",
                "username": "deploy-bot",
                "icon_url": "https://cdn.example.com/deploy.png",
                "channel": other_channel,
            }
        ),
        "send_dict with overrides and channel",
    )

    sent(
        client.send_dict({"text": "A direct note &amp; nothing more", "channel": f"@{dm_username}"}),
        "send_dict to @user",
    )

    sent(
        client.send(
            text="Blocks are ignored, the text stays",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*not shown*"}}],
            unfurl_links=False,
            unfurl_media=False,
        ),
        "text with blocks",
    )

    # A retried send with the same Idempotency-Key creates one post and answers like the first.
    retry = {"Idempotency-Key": "release-1.2-notice"}
    first = sent(client.send(text="Retried once, posted once", headers=retry), "first try")
    again = sent(client.send(text="Retried once, posted once", headers=retry), "retry")
    eq(again, first, "X-Post-Id of the retry")

    unknown = WebhookClient(f"{base_url}/hooks/{'x' * 26}")
    refused(unknown.send(text="to nowhere"), 400, "unknown hook")
    refused(
        client.send_dict({"text": "lost", "channel": "no-such-channel"}),
        404,
        "unknown channel",
    )
    refused(client.send(text=""), 400, "empty text")

    print("slack_sdk_sender: ok", flush=True)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Mismatch as e:
        print(f"slack_sdk_sender: MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - any exception is a failure of the run
        print("slack_sdk_sender: EXCEPTION:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(2)
