#!/usr/bin/env python3
"""`parcours run` on the wall clock, killed with SIGKILL while journeys wait and send,
and started again on the same store, round after round: every sign-up still gets its
email exactly once.

This is the path tests/crash/ cannot take (its worker runs on a manual clock, for
repeatable timelines): on the wall clock a message sent after a `wait` is decided in
the timer's own transaction and handed to its channel after that commit (docs/engine.md,
"Decided at the step"), and answers are recorded in later transactions. A kill can
fall between any two of these. The `file` channel records a message once per
idempotency key, as a provider honouring keys would, so a message sent again after a
restart must not show twice, and none may be missing.
"""
import json
import random
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

from cli_harness import check, finish
from service_harness import Host, R, eventually

KEY = "kill-key-0123456789abcdef"
ROUNDS = 8
PER_ROUND = 1000  # sign-ups posted each round, in batches of 250
rng = random.Random(20261202)


def write_config(root):
    client = root / "config/clients/shop"
    (client / "journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text("")
    (client / "client.toml").write_text(
        f'require_consent = false\napi_keys = ["{KEY}"]\n'
        '[channels.email]\nplugin = "file"\npath = "var/outbox/email.jsonl"\n')
    (client / "journeys/welcome.toml").write_text(
        '[entry]\non = "signup"\n[[steps]]\nwait = "1s"\n[[steps]]\nsend = "email"\n'
        'text = "Welcome, {{contact.first_name}}"\n')


def outbox(root):
    path = root / "var/outbox/email.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def post(host, first, count):
    events = [{"id": f"e-{i}", "type": "signup", "contact": f"c{i}", "attributes": {"first_name": f"C{i}"}}
              for i in range(first, first + count)]
    body = "\n".join(json.dumps(event) for event in events).encode()
    return host.request("POST", "/v1/clients/shop/events", None, KEY, content_type="application/x-ndjson", raw=body)


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    write_config(root)
    posted = 0
    kills = []
    for round_number in range(ROUNDS):
        host = Host(root)
        for first in range(posted, posted + PER_ROUND, 250):
            status, body, _ = post(host, first, 250)
            check(f"round {round_number + 1}: a batch of sign-ups is accepted", status == 202, R(status, body))
        posted += PER_ROUND
        # Killed about when this round's waits end and their emails go out.
        time.sleep(rng.uniform(0.85, 1.3))
        host.process.kill()
        host.process.wait()
        with sqlite3.connect(root / "var/parcours.db") as db:
            left = dict(db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())
        kills.append((len(outbox(root)) - (posted - PER_ROUND), left.get("sent", 0), left.get("queued", 0)))

    # (this round's emails in the file, messages left `sent`, left `queued`) at each kill:
    # a kill that left some of its round's emails unwritten, or messages `sent` without
    # their answer recorded, fell inside the window this test is about.
    check(f"some kills fell while emails were going out: {kills}",
          any(0 < written < PER_ROUND or sent > 0 for written, sent, _ in kills), R(0, str(kills)))

    host = Host(root)
    eventually(lambda: len({m["contact"]["id"] for m in outbox(root)}) >= posted, timeout=60)
    messages = outbox(root)
    keys = [m["idempotency_key"] for m in messages]
    contacts = sorted({m["contact"]["id"] for m in messages})
    check(f"every one of the {posted} sign-ups got its email", contacts == sorted(f"c{i}" for i in range(posted)),
          R(0, f"{len(contacts)} contacts"))
    check("no email was recorded twice", len(keys) == len(set(keys)) == posted, R(0, f"{len(keys)} lines"))
    check("each email is the journey's, rendered for its contact",
          all(m["content"]["text"] == "Welcome, C" + m["contact"]["id"][1:] for m in messages), R(0, str(messages[:2])))

    def statuses():
        with sqlite3.connect(root / "var/parcours.db") as db:
            return dict(db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())

    eventually(lambda: statuses() == {"delivered": posted})
    check("the store holds each message once, delivered: none left sent or queued",
          statuses() == {"delivered": posted}, R(0, str(statuses())))
    code, log = host.stop(signal.SIGTERM)
    check("the host stops cleanly after all that", code == 0, R(code, log[-2000:]))

finish()
