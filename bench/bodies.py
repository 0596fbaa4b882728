#!/usr/bin/env python3
"""Writes the hook bodies the benchmarks send, as JSON: a realistic mix, and bodies
for the cost-growth tables. Usage: bodies.py OUT_DIR"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def typed(kind, text=None, **extra):
    content = {"_lctype": kind}
    if text is not None:
        content["_lctext"] = text
    content.update(extra)
    return json.dumps(content, ensure_ascii=False)


def body(sender, conv, peers, content, mentioned=(), mention_all=False):
    return {
        "fromPeer": sender, "convId": conv, "offlinePeers": list(peers), "content": content,
        "timestamp": 1700000000000, "mentionAll": mention_all, "mentionOfflinePeers": list(mentioned),
    }


def peers(n, prefix="user"):
    return [f"{prefix}-{i}" for i in range(n)]


long_text = ("今天的会议改到下午三点，请大家准时参加 👨‍👩‍👧 🇯🇵 👍🏽 " * 12).strip()
mix = [
    ("1:1 text", body("Tom", "conv-tom-jerry", ["Jerry"], typed(-1, "Holy crap!"))),
    ("1:1 plain", body("Tom", "conv-tom-jerry", ["Jerry"], "see you at 5")),
    ("group 3, 1 mention", body("Tom", "group-3", peers(3), typed(-1, "lunch?"), mentioned=["user-1"])),
    ("group 12, 1 mention", body("Tom", "group-12", peers(12), typed(-1, "standup in 5"), mentioned=["user-4"])),
    ("group 50, 1 mention", body("Tom", "group-50", peers(50), typed(-1, "release is out"), mentioned=["user-7"])),
    ("group 30, @all", body("Tom", "group-30", peers(30), typed(-1, "fire drill"), mention_all=True)),
    ("image", body("Tom", "conv-tom-jerry", ["Jerry"], typed(-2, _lcfile={"url": "https://example.com/a.png"}))),
    ("audio", body("Tom", "group-3", peers(3), typed(-3, _lcfile={"url": "https://example.com/a.aac"}))),
    ("location", body("Tom", "conv-tom-jerry", ["Jerry"], typed(-5, _lcloc={"latitude": 1.0, "longitude": 2.0}))),
    ("file", body("Tom", "conv-tom-jerry", ["Jerry"], typed(-6, _lcfile={"url": "https://example.com/a.pdf"}))),
    ("recalled", body("Tom", "conv-tom-jerry", ["Jerry"], typed(-127))),
    ("app type 7", body("Tom", "conv-tom-jerry", ["Jerry"], typed(7, "red packet", _lcattrs={"amount": 8}))),
    ("support conv", body("Ann", "support-1", ["agent-1", "agent-2"], typed(-1, "my order is late"))),
    ("long CJK+emoji", body("Tom", "group-12", peers(12), typed(-1, long_text), mentioned=["user-2"])),
]
with open(os.path.join(out, "mix.json"), "w") as f:
    json.dump([{"name": n, "body": b} for n, b in mix], f, ensure_ascii=False)

growth = [(f"{n} receivers", body("Tom", "group-big", peers(n), typed(-1, "hello everyone"), mentioned=["user-0"]))
          for n in (1, 10, 100, 1000, 10000)]
with open(os.path.join(out, "growth.json"), "w") as f:
    json.dump([{"name": n, "body": b} for n, b in growth], f, ensure_ascii=False)

# One file per growth body, for wrk.
for n, b in growth:
    with open(os.path.join(out, f"receivers-{len(b['offlinePeers'])}.json"), "w") as f:
        json.dump(b, f, ensure_ascii=False)
