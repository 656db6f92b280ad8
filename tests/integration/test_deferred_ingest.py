#!/usr/bin/env python3
"""Deferred ingestion (host/ingest_queue.hpp) on the real binary: with
`[server] ingest_backlog = 0` every batch is stored first and applied just after by the
work thread. The answer is the same 202 with the same counts; the events are applied
in the order they came (a sign-up and its purchase in one batch: the purchase meets the
goal of the journey the sign-up entered); a repeated id is still a duplicate; the
metrics count what was deferred; and events answered 202 but not yet applied when the
host is killed are applied at the next start."""
import json
import shutil
import signal
import tempfile
from pathlib import Path

from cli_harness import check, finish, source_dir
from service_harness import ADMIN, Host, R, eventually

KEY = "shop-key-0123456789abcdef"

CLIENT = f'''api_keys = ["{KEY}"]
timezone = "UTC"
require_consent = false
[channels.email]
plugin = "file"
path = "var/outbox/email.jsonl"
'''

WELCOME = '''[entry]
on = "signed_up"
[goal]
on = "order.completed"
[[steps]]
wait = "1d"
[[steps]]
send = "email"
text = "Welcome"
'''


def make_root(tmp):
    root = Path(tmp)
    (root / "config/clients/shop/journeys").mkdir(parents=True)
    toml = (Path(source_dir) / "config/parcours.toml").read_text()
    toml = toml.replace("[server]\n", "[server]\ningest_backlog = 0\n", 1)
    (root / "config/parcours.toml").write_text(toml)
    (root / "config/clients/shop/client.toml").write_text(CLIENT)
    (root / "config/clients/shop/journeys/welcome.toml").write_text(WELCOME)
    return root


def status_of(host, contact):
    status, body, _ = host.request("GET", f"/v1/clients/shop/contacts/{contact}", token=KEY)
    if status != 200:
        return None
    enrollments = json.loads(body)["enrollments"]
    return enrollments[0]["status"] if enrollments else "none"


def metric(host, name):
    text = host.request("GET", "/metrics")[1]
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


with tempfile.TemporaryDirectory() as tmp:
    root = make_root(tmp)
    check("the config with ingest_backlog = 0 is valid",
          "ingest_backlog = 0" in (root / "config/parcours.toml").read_text(), R(0, ""))
    daytime = ["--clock", "manual", "--now", "2026-11-26T10:00:00Z"]
    host = Host(root, daytime)
    batch = "\n".join(json.dumps(e) for e in [
        {"id": "a1", "type": "signed_up", "contact": "ann"},
        {"id": "a2", "type": "order.completed", "contact": "ann"},
        {"id": "b1", "type": "signed_up", "contact": "bob"},
    ])
    status, body, _ = host.request("POST", "/v1/clients/shop/events", token=KEY, raw=batch.encode(),
                                   content_type="application/x-ndjson")
    check("a deferred batch is answered 202 with its counts", status == 202 and json.loads(body) ==
          {"accepted": 3, "duplicates": 0}, R(status, body))
    check("... and applied just after, in order: ann's purchase meets the goal her sign-up entered",
          eventually(lambda: status_of(host, "ann") == "converted" and status_of(host, "bob") == "waiting"),
          R(0, f"ann {status_of(host, 'ann')}, bob {status_of(host, 'bob')}"))
    status, body, _ = host.events({"id": "b1", "type": "signed_up", "contact": "bob"}, token=KEY, client="shop")
    check("a repeated id is still a duplicate", status == 202 and json.loads(body)["duplicates"] == 1,
          R(status, body))
    check("the metrics count the deferred events, and none is left pending",
          metric(host, "parcours_events_deferred_total") == 3 and
          eventually(lambda: metric(host, "parcours_events_pending") == 0), R(0, host.request("GET", "/metrics")[1]))

    # The clock moved right after a deferred purchase: the purchase is applied first, so
    # eve converts and her welcome (due after a day) is never sent; fay's is.
    for contact in ("eve", "fay"):
        host.events({"id": f"{contact}-1", "type": "signed_up", "contact": contact}, token=KEY, client="shop")
    eventually(lambda: status_of(host, "eve") == "waiting" and status_of(host, "fay") == "waiting")
    host.events({"id": "eve-2", "type": "order.completed", "contact": "eve"}, token=KEY, client="shop")
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "2d"}, ADMIN)
    outbox = root / "var/outbox/email.jsonl"
    sent = [json.loads(line)["contact"]["id"] for line in outbox.read_text().splitlines()] if outbox.exists() else []
    check("moving the clock applies deferred events before the timers they would change",
          status == 200 and status_of(host, "eve") == "converted" and "eve" not in sent and "fay" in sent,
          R(status, f"{body} sent {sent} eve {status_of(host, 'eve')}"))

    # Killed at once after the 202: the events are in the store, applied at the next start.
    events = [{"id": f"k{i}", "type": "signed_up", "contact": f"k{i}"} for i in range(200)]
    status, body, _ = host.request("POST", "/v1/clients/shop/events", events, KEY)
    host.process.send_signal(signal.SIGKILL)
    host.process.wait()
    check("a batch of 200 is answered 202 before the kill", status == 202 and json.loads(body)["accepted"] == 200,
          R(status, body))
    host = Host(root, daytime)
    check("after the restart every one of the 200 is applied",
          eventually(lambda: all(status_of(host, f"k{i}") == "waiting" for i in (0, 99, 199))) and
          json.loads(host.request("GET", "/v1/clients/shop/journeys", token=KEY)[1])[0]["counts"]["enrolled"] == 204,
          R(0, host.request("GET", "/v1/clients/shop/journeys", token=KEY)[1]))
    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log))

finish()
