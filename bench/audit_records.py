#!/usr/bin/env python3
"""Writes realistic sealed audit files (schema 1) for the audit benchmarks: hook
decisions (600-1500 bytes: groups, receivers, payloads, the call's input) and delivery
events (queued, attempt, delivered: about 250 bytes), one hook to three delivery
events, each stream's records sealed into its hash chain exactly as the server seals
them, rotated by day and size, the rotated files gzip-compressed (as the server leaves
them: all but each stream's newest), and the key in DATA/audit.key.

A known receiver and push id are planted a few times (a hook naming the receiver in a
group and queueing its push, and that push's delivery events) so that a search has
something to find; they are printed at the end, as one JSON object on stdout.

    bench/audit_records.py --dir DATA [--bytes 1G] [--key TEXT] [--streams 1]
        [--receivers-seen 5] [--file-bytes 64M] [--compress rotated|all|none]
        [--days 3] [--start 2026-11-01]

Files go to DATA/audit/, named audit-[<stream>-]YYYY-MM-DD[.N].jsonl[.gz]; with more
than one stream, the streams are node-1_3000, node-2_3000, ... (instances as PostgreSQL
mode names them). Verify them with `pushcompose audit verify --data DATA`.
"""
import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import os
import random
import sys
import zlib

CHAIN_LABEL = b"pushcompose audit chain 1"
GENESIS = "0" * 64
DEFAULT_KEY = "bench-audit-key-0123456789abcdef"
NEEDLE_RECEIVER = "receiver-needle-7f3a"
NEEDLE_PUSH = "push-needle-7f3a"


def size(text):
    """`512M`, `1G`, `300000`: bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


class Chain:
    """Seals records as AuditChain does: the record without its final `}`, then
    `,"prev":"<hex>`; mac = HMAC-SHA256(derived key, those bytes, up to the last hex digit
    of prev); then `","mac":"<hex>"}`. The derived key is HMAC-SHA256(audit key, label)."""

    def __init__(self, audit_key):
        self.derived = hmac.digest(audit_key, CHAIN_LABEL, "sha256")
        self.prev = GENESIS

    def seal(self, record):
        assert record.endswith(b"}")
        head = record[:-1] + b',"prev":"' + self.prev.encode()
        mac = hmac.digest(self.derived, head, "sha256").hex()
        self.prev = mac
        return head + b'","mac":"' + mac.encode() + b'"}\n'


def compress(path, level):
    """path → path.gz, as the server's rotation does (then the plain file is removed)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15 + 16)
    with open(path, "rb") as source, open(path + ".gz.tmp", "wb") as target:
        while True:
            chunk = source.read(1 << 22)
            if not chunk:
                break
            target.write(compressor.compress(chunk))
        target.write(compressor.flush())
    os.rename(path + ".gz.tmp", path + ".gz")
    os.remove(path)


class Stream:
    """One writer: its chain and its files, rotated by day and size."""

    def __init__(self, name, directory, key, file_bytes, pool, compress_mode, level):
        self.name = name
        self.directory = directory
        self.chain = Chain(key)
        self.file_bytes = file_bytes
        self.pool = pool
        self.compress_mode = compress_mode
        self.level = level
        self.day = None
        self.sequence = 0
        self.handle = None
        self.path = None
        self.size = 0
        self.files = []
        self.pending = []

    def file_name(self):
        name = "audit-" + (self.name + "-" if self.name else "") + self.day
        if self.sequence:
            name += ".%d" % self.sequence
        return name + ".jsonl"

    def write(self, time, record):
        day = time[:10]
        line = self.chain.seal(record)
        if self.handle is None or day != self.day or (self.size > 0 and self.size + len(line) > self.file_bytes):
            self.rotate(day)
        self.handle.write(line)
        self.size += len(line)
        return len(line)

    def rotate(self, day):
        if self.handle is not None:
            self.finish(compressing=self.compress_mode != "none")
        self.sequence = self.sequence + 1 if day == self.day else 0
        self.day = day
        self.path = os.path.join(self.directory, self.file_name())
        self.handle = open(self.path, "wb", buffering=1 << 20)
        self.size = 0
        self.files.append(self.path)

    def finish(self, compressing):
        self.handle.close()
        self.handle = None
        if compressing:
            self.pending.append(self.pool.submit(compress, self.path, self.level))
            self.files[-1] += ".gz"

    def close(self):
        if self.handle is not None:
            self.finish(compressing=self.compress_mode == "all")
        for future in self.pending:
            future.result()


class Records:
    """Hook decisions and their delivery events, as the server writes them."""

    words = ("lunch", "meeting", "tomorrow", "photo", "ok", "see", "you", "at", "the", "office",
             "thanks", "great", "done", "call", "me", "later", "where", "are", "you", "now", "🙂", "好的", "明天见")

    def __init__(self, rng):
        self.rng = rng
        self.call_number = 0
        self.push_number = 0
        self.job_number = 0
        self.cache = {}

    def text(self, low, high):
        goal, words, length = self.rng.randint(low, high), [], 0
        while length < goal:
            word = self.rng.choice(self.words)
            words.append(word)
            length += len(word) + 1
        return " ".join(words)

    # Hooks are made from a few thousand shapes (receivers, text, groups, input), each
    # made once; a call gets its own time, call id and push ids.
    shapes = 4093

    def hook(self, time, needle=False):
        self.call_number += 1
        call = "call-%012x" % (self.call_number * 2654435761 % (1 << 48))
        if needle:
            shape = self.shape(needle=True)
        else:
            index = self.call_number % self.shapes
            shape = self.cache.get(index)
            if shape is None:
                shape = self.cache[index] = self.shape(needle=False)
        template, conversation, custom = shape
        pushes = [NEEDLE_PUSH if needle else self.push_id() for _ in custom]
        line = template.replace(b"@TIME@", time.encode()).replace(b"@CALL@", call.encode())
        for push in pushes:
            line = line.replace(b"@PUSH@", push.encode(), 1)
        return call, conversation, list(zip(custom, pushes)), line

    def shape(self, needle):
        rng = self.rng
        conversation = "conv-%06d" % rng.randrange(200000)
        sender = "user-%07d" % rng.randrange(5000000)
        receivers = ["user-%07d" % rng.randrange(5000000) for _ in range(rng.randint(1, 8))]
        if needle:
            receivers[0] = NEEDLE_RECEIVER
        text = self.text(10, 120)
        locale = rng.choice(("en", "en", "zh-Hans", "de", "fr"))
        payload = json.dumps({"alert": "Tom: " + text[:60], "sound": "default", "badge": "Increment"},
                             ensure_ascii=False, separators=(",", ":"))
        answered = receivers[1:] or receivers
        custom = receivers[:1]
        groups = [
            {"template": "default", "locale": locale, "force": False, "receivers": answered, "answered": True, "payload": payload},
        ]
        if len(receivers) > 1:
            groups.append({"template": "default", "locale": "en", "force": False, "receivers": custom, "answered": False,
                           "payload": payload})
        record = {
            "time": "@TIME@", "v": 1, "kind": "hook", "function": "_receiversOffline", "call": "@CALL@",
            "conversation": conversation, "sender": sender, "receivers": len(receivers), "messageKind": "text",
            "text": text, "template": "default", "groups": groups,
            "answer": {"pushMessage": payload, "offlinePeers": answered},
            "coalesced": [], "custom": [{"receiver": r, "group": len(groups) - 1, "push": "@PUSH@"} for r in custom],
            "undeliverable": [], "excluded": [], "mutedUnforced": [], "muted": [], "renderFailures": [],
            "micros": rng.randint(40, 900),
        }
        if rng.random() < 0.5:
            record["input"] = {
                "hook": {"fromPeer": sender, "convId": conversation, "offlinePeers": receivers,
                         "content": json.dumps({"_lctext": text, "_lctype": -1}, ensure_ascii=False),
                         "timestamp": 1790000000000 + rng.randrange(1 << 30), "mentionAll": False, "mentionOfflinePeers": []},
                "clients": {sender: {"name": "Tom", "locale": "en", "custom": False}},
                "conversation": {"name": "Lunch club", "system": False},
            }
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(), conversation, custom

    def push_id(self):
        self.push_number += 1
        return "push-%012x" % (self.push_number * 40503 % (1 << 48))

    def job(self):
        self.job_number += 1
        return self.job_number

    def delivery(self, time, kind, call, receiver, push, conversation, job):
        head = ('{"time":"%s","v":1,"kind":"%s","call":"%s","push":"%s","receiver":"%s","conversation":"%s",'
                '"job":%d,"provider":"apns","device":"…%08x"' % (time, kind, call, push, receiver, conversation,
                                                                  job, job * 2654435761 % (1 << 32)))
        if kind == "queued":
            tail = ',"badge":%d}' % (job % 20 + 1)
        elif kind == "attempt":
            tail = ',"attempt":1,"outcome":"delivered","status":200,"millis":%d}' % (job * 7919 % 380 + 20)
        else:
            tail = "}"
        return (head + tail).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="data directory: files go to DIR/audit/, the key to DIR/audit.key")
    parser.add_argument("--bytes", default="1G", help="total size before compression (1G, 512M, …)")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the audit key (text)")
    parser.add_argument("--streams", type=int, default=1, help="writers (1: the single instance's stream)")
    parser.add_argument("--receivers-seen", type=int, default=5,
                        help="hook calls that name the planted receiver (and queue the planted push)")
    parser.add_argument("--file-bytes", default="64M", help="rotation size")
    parser.add_argument("--compress", choices=("rotated", "all", "none"), default="rotated")
    parser.add_argument("--level", type=int, default=6, help="gzip level")
    parser.add_argument("--days", type=float, default=3, help="days the records span")
    parser.add_argument("--start", default="2026-11-01", help="the first record's day (UTC)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    total = size(args.bytes)
    audit = os.path.join(args.dir, "audit")
    os.makedirs(audit, exist_ok=True)
    with open(os.path.join(args.dir, "audit.key"), "w") as key_file:
        key_file.write(args.key + "\n")
    os.chmod(os.path.join(args.dir, "audit.key"), 0o600)
    key = args.key.encode()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    names = [""] if args.streams <= 1 else ["node-%d_3000" % (i + 1) for i in range(args.streams)]
    streams = [Stream(name, audit, key, size(args.file_bytes), pool, args.compress, args.level) for name in names]
    rng = random.Random(args.seed)
    records = Records(rng)

    # About 480 bytes a record on average: spread the time so the set spans `days`.
    estimated = max(1, total // 480)
    step_ms = max(1, int(args.days * 86_400_000 / estimated))
    start = datetime.datetime.fromisoformat(args.start).replace(tzinfo=datetime.timezone.utc)
    now_ms = 0
    planted = []
    written = 0
    records_written = 0
    calls = 0

    days = {}

    def stamp(ms):
        day, ms = divmod(ms, 86_400_000)
        if day not in days:
            days[day] = (start + datetime.timedelta(days=day)).strftime("%Y-%m-%d")
        seconds, milli = divmod(ms, 1000)
        minutes, second = divmod(seconds, 60)
        return "%sT%02d:%02d:%02d.%03dZ" % (days[day], minutes // 60, minutes % 60, second, milli)

    while written < total:
        stream = streams[calls % len(streams)]
        # Planted evenly through the set: at (i + ½) / n of the bytes.
        needle = len(planted) < args.receivers_seen and written >= total * (2 * len(planted) + 1) // (2 * args.receivers_seen)
        calls += 1
        now_ms += step_ms
        time = stamp(now_ms)
        call, conversation, custom, line = records.hook(time, needle=needle)
        written += stream.write(time, line)
        records_written += 1
        if needle:
            planted.append({"call": call, "time": time, "file": stream.file_name()})
        for receiver, push in custom:
            job = records.job()
            for kind in ("queued", "attempt", "delivered"):
                now_ms += step_ms
                time = stamp(now_ms)
                written += stream.write(time, records.delivery(time, kind, call, receiver, push, conversation, job))
                records_written += 1

    for stream in streams:
        stream.close()
    pool.shutdown()
    files = [path for stream in streams for path in stream.files]
    on_disk = sum(os.path.getsize(path) for path in files)
    print(json.dumps({
        "directory": audit, "key": args.key, "streams": names, "files": len(files),
        "bytes": written, "bytesOnDisk": on_disk, "records": records_written,
        "receiver": NEEDLE_RECEIVER, "push": NEEDLE_PUSH, "planted": planted,
    }, indent=1))


if __name__ == "__main__":
    sys.exit(main())
