#!/usr/bin/env python3
"""Crash safety (issue 3): a worker process that runs journeys with waits and sends
through the real `file` channel is killed with SIGKILL at random moments and started
again, until it finishes on its own; then its store and its outbox files are compared
with those of a run that was never killed. Repeated, each round on a fresh store,
until PARCOURS_CRASH_KILLS kills (default 300) have been made.

What must hold after every round:
- every event stored once and processed (the event log equals the reference's);
- every enrollment where it should be (journey, contact, run, step, status, times);
- contacts' attributes, counters and remaining timers equal to the reference's;
- no message key written twice to an outbox file, no message lost: the files hold
  the same messages as the reference's, and every delivered message's key is there.
"""
import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

worker = os.environ["PARCOURS_CRASH_WORKER"]
kills_wanted = int(os.environ.get("PARCOURS_CRASH_KILLS") or 300)
rng = random.Random(int(os.environ.get("PARCOURS_CRASH_SEED") or 20261122))

CLIENT = """require_consent = false
timezone = "Europe/Paris"
[channels.email]
plugin = "file"
path = "{out}/email.jsonl"
[channels.sms]
plugin = "file"
path = "{out}/sms.jsonl"
"""

ONBOARDING = """[entry]
on = "signup"
[goal]
on = "purchase"
when = "event.total >= 100"
[[steps]]
id = "welcome"
send = "email"
subject = "Welcome {{contact.name}}"
text = "Hello {{contact.name}}"
[[steps]]
wait = "1h"
[[steps]]
id = "route"
branch = [
  { when = "contact.mobile", goto = "sms" },
  { goto = "tips" },
]
[[steps]]
id = "sms"
send = "sms"
text = "Hi {{contact.name}}, your code is {{event.code}}"
goto = "buy"
[[steps]]
id = "tips"
send = "email"
subject = "Three tips"
text = "Tips for {{contact.name}}"
[[steps]]
id = "buy"
wait_for = "purchase"
timeout = "1d"
on_event = "thanks"
on_timeout = "nudge"
[[steps]]
id = "nudge"
send = "email"
subject = "Still thinking, {{contact.name}}?"
text = "Nudge"
goto = "end"
[[steps]]
id = "thanks"
set = { stage = "customer" }
[[steps]]
id = "tell"
emit = "became.customer"
properties = { via = "onboarding" }
[[steps]]
send = "email"
subject = "Thank you {{contact.name}}"
text = "Thanks for {{event.total}}"
"""

LOYALTY = """[entry]
on = "became.customer"
[[steps]]
wait = "2h"
[[steps]]
id = "points"
send = "email"
subject = "Your points, {{contact.name}}"
text = "100 points"
"""

START = 1793613600000  # 2026-11-02T10:00:00Z


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def make_events(contacts=120):
    events = []
    for i in range(contacts):
        t = START + i * 45_000
        events.append({"id": f"s-{i}", "type": "signup", "contact": f"c{i}", "time": iso(t),
                       "properties": {"code": f"K{i:03}"},
                       "attributes": {"name": f"N{i}", "mobile": i % 3 == 0}})
        if i % 4 == 0:
            events.append({"id": f"p-{i}", "type": "purchase", "contact": f"c{i}", "time": iso(t + 3 * 3600_000),
                           "properties": {"total": 50 + 20 * (i % 7)}})
        if i % 10 == 0:  # a repeated id: must be a no-op, in every run
            events.append(dict(events[-1]))
    return events


def make_config(root, events_text):
    out = root / "out"
    (root / "config/clients/shop/journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text(f'[store]\nurl = "sqlite://{root}/store.db"\n')
    (root / "config/clients/shop/client.toml").write_text(CLIENT.format(out=out))
    (root / "config/clients/shop/journeys/onboarding.toml").write_text(ONBOARDING)
    (root / "config/clients/shop/journeys/loyalty.toml").write_text(LOYALTY)
    (root / "events.ndjson").write_text(events_text)
    return root


END = iso(START + 4 * 86400_000)


def command(root):
    return [worker, str(root / "config"), "shop", str(root / "events.ndjson"), END]


def snapshot(root):
    db = sqlite3.connect(root / "store.db")
    q = lambda sql: db.execute(sql).fetchall()
    state = {
        "events": q("SELECT client, id, type, contact, time, properties, processed FROM events ORDER BY client, id"),
        "contacts": q("SELECT client, id, attributes FROM contacts ORDER BY client, id"),
        "enrollments": q("SELECT client, journey, contact, run, step, status, waiting_for, entered_at, updated_at "
                         "FROM enrollments ORDER BY client, journey, contact, run"),
        "timers": q("SELECT client, contact, wake_kind, wake_at FROM enrollments WHERE wake_at IS NOT NULL "
                    "ORDER BY client, contact, wake_kind, wake_at"),
        "messages": q("SELECT client, journey, step, contact, channel, status, created_at, params "
                      "FROM messages ORDER BY client, journey, contact, created_at, step"),
        "counters": q("SELECT client, journey, step, counter, value FROM counters ORDER BY 1, 2, 3, 4"),
    }
    delivered_keys = {row[0] for row in q("SELECT idempotency_key FROM messages WHERE status = 'delivered'")}
    db.close()
    records = []
    for name in ("email.jsonl", "sms.jsonl"):
        path = root / "out" / name
        if path.exists():
            records += [record for record in map(parsed, path.read_text().splitlines()) if record is not None]
    return state, delivered_keys, records


def parsed(line):
    """A recorded message, or None for a line a kill cut short (Linux can stop a write to
    a file between two pages for SIGKILL): the host had no answer for that message, so
    it sends it again, and the file channel records it on a line of its own."""
    try:
        return json.loads(line)
    except ValueError:
        return None


def outbox_content(records):
    return collections.Counter((r["channel"], r["contact"]["id"], json.dumps(r["params"], sort_keys=True))
                               for r in records)


def main():
    events_text = "".join(json.dumps(e) + "\n" for e in make_events())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reference = make_config(tmp / "reference", events_text)
        began = time.monotonic()
        r = subprocess.run(command(reference), capture_output=True, text=True, timeout=300)
        duration = time.monotonic() - began
        if r.returncode != 0 or "done" not in r.stdout:
            print("the reference run failed:", r.returncode, r.stderr)
            return 1
        ref_state, ref_keys, ref_records = snapshot(reference)
        sends = len(ref_records)
        print(f"reference: {len(ref_state['events'])} events, {len(ref_state['enrollments'])} enrollments, "
              f"{sends} messages recorded, in {duration:.2f} s")
        if sends < 200 or not ref_state["enrollments"]:
            print("the reference run did too little to test anything")
            return 1

        kills = rounds = 0
        problems = []
        while kills < kills_wanted:
            rounds += 1
            root = make_config(tmp / f"round-{rounds}", events_text)
            kills_this_round = 0
            while True:
                process = subprocess.Popen(command(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                # Anywhere from start-up (loading plugins, recovery) to the end of a run.
                delay = rng.uniform(0, duration)
                try:
                    out, err = process.communicate(timeout=delay)
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
                    process.communicate()
                    kills += 1
                    kills_this_round += 1
                    continue
                if process.returncode != 0 or "done" not in out:
                    problems.append(f"round {rounds}: the worker failed after {kills_this_round} kills: "
                                    f"exit {process.returncode}: {err}")
                break
            state, keys, records = snapshot(root)
            for table in ref_state:
                if state[table] != ref_state[table]:
                    missing = [row for row in ref_state[table] if row not in state[table]][:3]
                    extra = [row for row in state[table] if row not in ref_state[table]][:3]
                    problems.append(f"round {rounds} ({kills_this_round} kills): table {table} differs; "
                                    f"missing {missing}, extra {extra}")
            key_counts = collections.Counter(r["idempotency_key"] for r in records)
            twice = [k for k, n in key_counts.items() if n > 1]
            if twice:
                problems.append(f"round {rounds}: message keys recorded twice: {twice[:5]}")
            if outbox_content(records) != outbox_content(ref_records):
                diff = outbox_content(records) - outbox_content(ref_records)
                lost = outbox_content(ref_records) - outbox_content(records)
                problems.append(f"round {rounds}: outbox differs: extra {list(diff)[:3]}, lost {list(lost)[:3]}")
            if keys != set(key_counts):
                problems.append(f"round {rounds}: delivered keys and recorded keys differ: "
                                f"{sorted(keys ^ set(key_counts))[:5]}")
            print(f"round {rounds}: {kills_this_round} kills, {len(records)} messages recorded, "
                  f"{'ok' if not problems else 'FAILED'}")
            if problems:
                break

        for problem in problems:
            print("FAIL:", problem)
        print(f"\n{kills} kills in {rounds} rounds: {'no loss, no repeat' if not problems else 'FAILED'}")
        return 1 if problems else 0


sys.exit(main())
