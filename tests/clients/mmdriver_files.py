"""Files with the real Python `mattermostdriver` (7.3.2) against a Perch server.

Usage: mmdriver_files.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM_NAME CHANNEL_NAME

Uploads a binary file and a PNG with `files.upload_file`, posts them with
`posts.create_post(file_ids=...)`, reads them back (`files.get_file`, `get_file_metadata`,
`posts.get_file_info_for_post`, the PNG's thumbnail once it is made) and compares SHA-256
digests. Prints one JSON line (the post id and the digests) for the test to check; exits
non-zero with a message on the first mismatch.
"""

import hashlib
import json
import os
import struct
import sys
import time
import traceback
import zlib

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


def png(width, height):
    """A real RGB PNG, made with the standard library only."""
    raw = b"".join(b"\x00" + b"".join(bytes((x % 256, y % 256, 90)) for x in range(width))
                   for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(argv):
    if len(argv) != 8:
        raise Mismatch("usage: mmdriver_files.py SCHEME HOST PORT LOGIN_ID PASSWORD TEAM CHANNEL")
    scheme, host, port, login_id, password, team_name, channel_name = argv[1:]
    d = Driver({"scheme": scheme, "url": host, "port": int(port), "login_id": login_id,
                "password": password, "verify": False, "request_timeout": 30})
    me = d.login()
    team = d.teams.get_team_by_name(team_name)
    channel = d.channels.get_channel_by_name(team["id"], channel_name)

    data = os.urandom(700_000) + b"\r\n--not-a-boundary\r\n" + os.urandom(1000)
    image = png(320, 200)
    digests = {"report.bin": hashlib.sha256(data).hexdigest(),
               "chart.png": hashlib.sha256(image).hexdigest()}

    up = d.files.upload_file(channel["id"], {"files": ("report.bin", data)})
    check(isinstance(up, dict), f"upload_file returned {type(up).__name__}")
    eq(len(up["file_infos"]), 1, "file_infos")
    info = up["file_infos"][0]
    eq(info["name"], "report.bin", "name")
    eq(info["size"], len(data), "size")
    eq(info["user_id"], me["id"], "user_id")
    eq(info["channel_id"], channel["id"], "channel_id")
    img = d.files.upload_file(channel["id"], {"files": ("chart.png", image, "image/png")})["file_infos"][0]
    eq((img["width"], img["height"], img["has_preview_image"]), (320, 200, True), "image info")

    post = d.posts.create_post({"channel_id": channel["id"], "message": "files from a script",
                                "file_ids": [info["id"], img["id"]]})
    eq(post["file_ids"], [info["id"], img["id"]], "post file_ids")
    eq([f["name"] for f in post["metadata"]["files"]], ["report.bin", "chart.png"], "metadata.files")

    got = {}
    for f in (info, img):
        body = d.files.get_file(f["id"])
        check(hasattr(body, "content"), "get_file did not return the raw response")
        got[f["name"]] = hashlib.sha256(body.content).hexdigest()
        meta = d.files.get_file_metadata(f["id"])
        eq(meta["post_id"], post["id"], "get_file_metadata post_id")
    eq(got, digests, "downloaded digests")
    listed = d.posts.get_file_info_for_post(post["id"])
    eq(sorted(f["id"] for f in listed), sorted([info["id"], img["id"]]), "get_file_info_for_post")

    deadline = time.time() + 20
    while True:
        try:
            thumb = d.files.get_file_thumbnail(img["id"])
        except ResourceNotFound:
            thumb = None  # not made yet
        if thumb is not None and thumb.content.startswith(b"\x89PNG"):
            break
        check(time.time() < deadline, "no thumbnail within 20 s")
        time.sleep(0.1)

    d.logout()
    print(json.dumps({"post_id": post["id"], "digests": got}))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        sys.exit(2)
