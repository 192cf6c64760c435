"""Verifies a Perch outgoing-webhook callback with the independent `standardwebhooks` package.

Reads {"secret", "other_secret", "headers", "body"} as JSON on stdin. Prints "verified" when the
signature checks out with `secret` and is rejected with `other_secret` and with a tampered body;
exits non-zero otherwise.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def rejected(secret, body, headers):
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return True
    return False


def main():
    msg = json.load(sys.stdin)
    headers, body = msg["headers"], msg["body"]
    Webhook(msg["secret"]).verify(body.encode(), headers, json_parse=False)
    if not rejected(msg["other_secret"], body, headers):
        sys.exit("a different secret was accepted")
    if not rejected(msg["secret"], body + " ", headers):
        sys.exit("a tampered body was accepted")
    print("verified")


if __name__ == "__main__":
    main()
