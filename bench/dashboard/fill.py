"""The dashboard benchmark's data directory (SQLite): a large delivery queue, millions
of stored exposures over the experiments of bench/dashboard/templates, some opens, a
few devices and an audit directory, stored as the service stores them.

The server makes the files (its migrations) and, from real hook calls, the audit
records and a few exposures; then, with the server stopped, the bulk is inserted in
large transactions (a server would take hours to write it a call at a time):

- the queue (`delivery.sqlite`): JOBS jobs in the `job` table, where a job stays until
  it is delivered (a delivered job is deleted and counted in `finished`): most of
  them ready (a provider's backlog, their retries due in a week, so the server's
  workers leave them alone), some leased by two other instances, a fifth dead with their
  providers' reasons; over apns, fcm and webhook; and the delivered and gone counts of
  the jobs sent before (tens of millions);
- the experiments (`experiments.sqlite`): EXPOSURES exposed receivers' pushes over three
  experiments, each receiver 10 pushes a day apart, a quarter of them opening 4: the
  push rows (a conversation-unit push holds its conversation's receivers), receivers'
  rows, counted opens and the per-variant counters, as `SQLiteExperimentStore` keeps
  them; the bandit's weight history;
- no `ANALYZE`: the service never runs it, so its query plans are those of a database
  without statistics;
- devices: 10,000 clients with one device each, and `client-42` with three.
"""
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import time

DAY = 86_400
PUSHES_PER_RECEIVER = 10
# (experiment, variants, receivers per push row, share of the exposures)
EXPERIMENTS = [
    ("greeting-wave", ["plain", "wave"], 10, 0.5),
    ("team-sound", ["default-sound", "chime", "silent"], 1, 0.3),
    ("news-short", ["long", "short"], 50, 0.2),
]
PROVIDERS = ["apns", "apns", "apns", "apns", "apns", "fcm", "fcm", "fcm", "webhook", "webhook"]
DEAD_REASONS = {
    "apns": [(400, "BadDeviceToken"), (413, "PayloadTooLarge"), (403, "TopicDisallowed")],
    "fcm": [(400, "INVALID_ARGUMENT: the registration token is not a valid FCM registration token"), (403, "SENDER_ID_MISMATCH")],
    "webhook": [(500, "gave up after 8 attempts: HTTP 500"), (None, "gave up after 8 attempts: connection refused")],
}
RETRY_REASONS = [(503, "HTTP 503: service unavailable"), (429, "HTTP 429: too many requests"), (None, "timed out after 10 s")]
FINISHED = [("apns", "delivered", 42_000_000), ("apns", "deviceGone", 180_000), ("fcm", "delivered", 26_000_000),
            ("fcm", "deviceGone", 95_000), ("webhook", "delivered", 9_500_000)]
PAYLOAD = json.dumps({"alert": "Tom: the release notes are out, have a look before the meeting…", "sound": "default",
                      "badge": "Increment", "_pc": {"id": "00000000-0000-0000-0000-000000000000", "x": "greeting-wave", "v": "plain"}},
                     separators=(",", ":"), ensure_ascii=False)


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hook_calls(port, calls, secrets):
    """Real hook calls (keep-alive): the audit records, and a few exposures and jobs."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "X-LC-Id": secrets["LEANCLOUD_APP_ID"],
               "X-LC-Key": secrets["LEANCLOUD_APP_KEY"], "X-LC-Hook-Key": secrets["LEANCLOUD_APP_HOOK_KEY"]}
    for i in range(calls):
        conversation = ["room-%d", "team-%d", "news-%d", "chat-%d"][i % 4] % (i % 97)
        peers = [f"user-{(i * 7 + j) % 5000}" for j in range(1 + i % 12)]
        body = {"fromPeer": f"sender-{i % 50}", "convId": conversation, "offlinePeers": peers,
                "content": json.dumps({"_lctype": -1, "_lctext": f"message {i}: are we still on for lunch?"}),
                "timestamp": int(time.time() * 1000), "mentionAll": False,
                "mentionOfflinePeers": peers[:1] if i % 5 == 0 else []}
        connection.request("POST", "/1.1/functions/_receiversOffline", body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"hook call {i} answered {response.status}")
    connection.close()


def admin(port, token, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    text = response.read()
    connection.close()
    if response.status >= 300:
        raise SystemExit(f"{method} {path} answered {response.status}: {text[:200]!r}")


class SQLiteSink:
    """Rows into a SQLite file, in one transaction per `with`."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -1000000")

    def __enter__(self):
        self.db.execute("BEGIN")
        return self

    def __exit__(self, kind, *_):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def copy(self, table, columns, rows):
        self.db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def execute(self, sql):
        self.db.execute(sql)

    def close(self):
        self.db.close()


class PostgresSink:
    """Rows into a PostgreSQL database with `COPY … FROM STDIN` (psql), a statement each."""

    def __init__(self, url):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *_):
        pass

    @staticmethod
    def field(value):
        if value is None:
            return "\\N"
        text = repr(value) if isinstance(value, float) else str(value)
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")

    def copy(self, table, columns, rows):
        psql = subprocess.Popen(["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"COPY {table} ({', '.join(columns)}) FROM STDIN"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        batch = []
        for row in rows:
            batch.append("\t".join(self.field(v) for v in row))
            if len(batch) == 10_000:
                psql.stdin.write(("\n".join(batch) + "\n").encode())
                batch = []
        if batch:
            psql.stdin.write(("\n".join(batch) + "\n").encode())
        psql.stdin.close()
        if psql.wait() != 0:
            raise SystemExit(f"COPY {table} failed")

    def execute(self, sql):
        subprocess.run(["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, stdout=subprocess.DEVNULL)

    def close(self):
        pass


JOB_COLUMNS = ["push_id", "hook_call_id", "receiver", "conversation", "template", "payload", "badge", "provider", "token", "platform",
               "apns_environment", "topic", "state", "attempts", "queued_at", "due_at", "lease_token", "last_status", "last_reason",
               "dead_at", "leased_by"]


def fill_queue(sink, jobs, now_ms, say):
    rng = random.Random(14)
    started = time.time()

    def rows():
        for i in range(jobs):
            provider = PROVIDERS[rng.randrange(len(PROVIDERS))]
            queued = now_ms - (jobs - i) * 100
            receiver = f"user-{rng.randrange(200_000)}"
            token = "%064x" % rng.getrandbits(256) if provider == "apns" else f"{provider}-token-{rng.getrandbits(64):016x}"
            apns = provider == "apns"
            leased_by = lease = reason = status = dead_at = None
            attempts = 0
            if i % 1000 == 999:
                holder = "bench-other" if i % 2000 == 999 else "bench-third"
                state, due, lease, leased_by, attempts = "leased", now_ms + 7 * DAY * 1000, uuid(rng), holder, 1
            elif i % 5 == 1:
                status, reason = DEAD_REASONS[provider][i % len(DEAD_REASONS[provider])]
                state, due, attempts, dead_at = "dead", None, 1 + i % 8, queued + 60_000
            else:
                state, due = "ready", now_ms + 7 * DAY * 1000 + i
                if i % 3 == 0:
                    status, reason = RETRY_REASONS[i % len(RETRY_REASONS)]
                    attempts = 1 + i % 4
            yield (uuid(rng), f"call-{i // 20:08d}", receiver, f"room-{i % 5000}", "greeting", PAYLOAD, 1 + i % 30, provider, token,
                   "ios" if provider != "fcm" else "android", "production" if apns else None, "com.example.chat" if apns else None,
                   state, attempts, queued, due, lease, status, reason, dead_at, leased_by)

    with sink:
        sink.copy("job", JOB_COLUMNS, rows())
        sink.copy("finished", ["provider", "outcome", "count"], FINISHED)
        sink.copy("instance", ["id", "started_at", "last_seen_at", "workers"],
                  [(holder, now_ms - DAY * 1000, now_ms, 64) for holder in ("bench-other", "bench-third")])
        sink.copy("device", ["provider", "token", "client_id", "platform", "locale", "apns_environment", "topic", "created_at", "last_seen_at"],
                  (("apns", "%064x" % rng.getrandbits(256), f"client-{n}", "ios", "en", "production", "com.example.chat", now_ms - n, now_ms - n)
                   for n in range(10_000)))
    say(f"  queue: {jobs} jobs in {time.time() - started:.0f} s")


def fill_experiments(sink, exposures, now, say):
    rng = random.Random(15)
    start = now - PUSHES_PER_RECEIVER * DAY
    for experiment, variants, group, share in EXPERIMENTS:
        started = time.time()
        receivers = int(exposures * share) // PUSHES_PER_RECEIVER // group * group
        groups = receivers // group
        pushes = []  # (push id, time) of each group's first 4 pushes, for the opens
        latest = []  # each group's last push id
        with sink:
            def push_rows():
                for k in range(PUSHES_PER_RECEIVER):
                    for g in range(groups):
                        push_id = uuid(rng)
                        t = start + k * DAY + g % DAY
                        if k < 4:
                            pushes.append((push_id, t))
                        if k == PUSHES_PER_RECEIVER - 1:
                            latest.append(push_id)
                        members = "\n".join(f"member-{g * group + j}" for j in range(group))
                        unit = f"room-{g}" if group > 1 else None
                        yield (push_id, experiment, variants[g % len(variants)], "exposed", float(t), members, group, unit)

            sink.copy("experiment_push", ["push_id", "experiment", "variant", "status", "time", "receivers", "receiver_count", "conversation_unit"],
                      push_rows())

            def receiver_rows():
                for r in range(receivers):
                    g = r // group
                    yield (experiment, f"member-{r}", variants[g % len(variants)], PUSHES_PER_RECEIVER, 4 if r % 4 == 0 else 0,
                           latest[g], float(start + (PUSHES_PER_RECEIVER - 1) * DAY + g % DAY))

            sink.copy("experiment_receiver", ["experiment", "receiver", "variant", "pushes", "opens", "latest_push_id", "latest_time"],
                      receiver_rows())

            def open_rows():
                for k in range(4):
                    for r in range(0, receivers, 4):
                        g = r // group
                        push_id, t = pushes[k * groups + g]
                        yield push_id, f"member-{r}", float(t), variants[g % len(variants)]

            opens = list(open_rows())
            sink.copy("experiment_event", ["push_id", "receiver", "time", "outcome"], ((p, r, t + 3600, "counted") for p, r, t, _ in opens))
            sink.copy("experiment_open", ["experiment", "push_time", "push_id", "receiver", "variant"], ((experiment, t, p, r, v) for p, r, t, v in opens))
            # The bulk receivers' counters added to what the server's own calls counted.
            sink.execute(f"""
                INSERT INTO experiment_arm (experiment, variant, pushes, receivers, opens, openers)
                SELECT experiment, variant, sum(pushes), count(*), sum(opens), sum(CASE WHEN opens > 0 THEN 1 ELSE 0 END)
                FROM experiment_receiver WHERE experiment = '{experiment}' AND receiver LIKE 'member-%' GROUP BY experiment, variant
                ON CONFLICT (experiment, variant) DO UPDATE SET pushes = experiment_arm.pushes + excluded.pushes,
                    receivers = experiment_arm.receivers + excluded.receivers, opens = experiment_arm.opens + excluded.opens,
                    openers = experiment_arm.openers + excluded.openers""")
        say(f"  {experiment}: {receivers * PUSHES_PER_RECEIVER} exposures ({receivers} receivers, {len(opens)} opens) in {time.time() - started:.0f} s")
    with sink:
        # The bandit's weights, every 10 minutes over the experiment's days.
        weights = []
        for step in range(PUSHES_PER_RECEIVER * 144):
            short = min(0.9, 0.5 + step / 4000)
            weights.append(("news-short", float(start + step * 600),
                            json.dumps({"long": round(1 - short, 4), "short": round(short, 4)}, sort_keys=True, separators=(",", ":"))))
        sink.copy("experiment_weights", ["experiment", "time", "weights"], weights)


def fill(binary, templates, data, port, jobs, exposures, calls, admin_token, secrets, say, database_url=None):
    """Makes `data` (and the database at `database_url`, empty) from nothing; the caller
    removes an old one first."""
    os.makedirs(data)
    env = {**os.environ, **secrets, "LEANCLOUD_APP_PORT": str(port), "PUSHCOMPOSE_HOST": "127.0.0.1", "LOG_LEVEL": "warning",
           "PUSHCOMPOSE_ADMIN_TOKEN": admin_token, "PUSHCOMPOSE_AUDIT_TEXT": "full"}
    if database_url:
        env["PUSHCOMPOSE_DATABASE_URL"] = database_url
    process = subprocess.Popen([binary, "serve", "--templates", templates, "--data", data], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, process)
        started = time.time()
        admin(port, admin_token, "PUT", "/v1/clients/client-42", {"name": "Client 42", "locale": "en"})
        for provider, token in [("webhook", "client-42-laptop"), ("webhook", "client-42-tablet"), ("webhook", "client-42-phone")]:
            admin(port, admin_token, "POST", "/v1/clients/client-42/devices", {"provider": provider, "token": token, "platform": "ios"})
        hook_calls(port, calls, secrets)
        say(f"  {calls} hook calls (audit records) in {time.time() - started:.0f} s")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    now = time.time()
    if database_url:
        sink = PostgresSink(database_url)
        fill_queue(sink, jobs, int(now * 1000), say)
        fill_experiments(sink, exposures, now, say)
        # As autovacuum would after such a load.
        sink.execute("VACUUM ANALYZE")
        return
    sink = SQLiteSink(os.path.join(data, "delivery.sqlite"))
    fill_queue(sink, jobs, int(now * 1000), say)
    sink.close()
    sink = SQLiteSink(os.path.join(data, "experiments.sqlite"))
    fill_experiments(sink, exposures, now, say)
    sink.close()


def wait_healthy(port, process, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"pushcompose serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"pushcompose serve did not answer on port {port} within {timeout} s")
