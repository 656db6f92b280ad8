#!/usr/bin/env python3
"""data.<source>.* end to end, through the real binary and the real csv plugin:
`simulate` branches and renders on a source's row (a contact the source does not know
takes the fallback); under `run`, a rewritten file shows at the next message, a
deleted one leaves the last good rows in use while the failure is counted in
/metrics; `validate` refuses data.<name> naming no source of the client, at its column."""
import os
import json
import re
import tempfile
from pathlib import Path

from cli_harness import check, finish, run
from service_harness import Host, R, eventually

KEY = "hotel-key-0123456789abcdef"
CLIENT = """timezone = "Europe/Paris"
require_consent = false
api_keys = ["hotel-key-0123456789abcdef"]

[channels.email]
plugin = "file"
path = "var/outbox/email.jsonl"

[sources.bookings]
plugin = "csv"
path = "data/bookings.csv"
key = "contact"
refresh = "1s"
"""
JOURNEY = """id = "stay"
[entry]
on = "booking.confirmed"
reentry = "always"
[[steps]]
id = "length"
branch = [{ when = "data.bookings.nights >= 7", goto = "long" }, { goto = "short" }]
[[steps]]
id = "long"
send = "email"
subject = "Your {{data.bookings.nights}} nights in {{data.bookings.city}}"
text = "long"
goto = "end"
[[steps]]
id = "short"
send = "email"
subject = "{{#data.bookings}}A short stay in {{city}}{{/data.bookings}}{{^data.bookings}}Welcome{{/data.bookings}}"
text = "short"
"""


def make_root():
    root = Path(tempfile.mkdtemp(prefix="parcours-data-"))
    client = root / "config" / "clients" / "hotel"
    (client / "journeys").mkdir(parents=True)
    (root / "config" / "parcours.toml").write_text("")
    (client / "client.toml").write_text(CLIENT)
    (client / "journeys" / "stay.toml").write_text(JOURNEY)
    (root / "data").mkdir()
    (root / "data" / "bookings.csv").write_text("contact,city,nights\nann,Lyon,7\nbob,Nice,2\n")
    return root


def booking(event_id, contact):
    return {"id": event_id, "type": "booking.confirmed", "contact": contact}


# simulate: the source's rows decide the branch and fill the template.
root = make_root()
(root / "events.ndjson").write_text("".join(
    json.dumps(dict(booking(str(i), c), time="2026-12-01T10:00:00Z")) + "\n"
    for i, c in enumerate(["ann", "bob", "cat"])))
r = run(["simulate", "--config", "config", "--client", "hotel", "--events", "events.ndjson", "--format", "json"],
        cwd=root)
sends = [json.loads(line) for line in r.stdout.splitlines() if '"action":"send"' in line]
subjects = {s["contact"]: (s["step"], s["detail"].get("subject")) for s in sends}
check("simulate: a branch and a template read data.bookings (long stay, short stay, unknown contact)",
      r.returncode == 0 and subjects == {"ann": ("long", "Your 7 nights in Lyon"),
                                         "bob": ("short", "A short stay in Nice"),
                                         "cat": ("short", "Welcome")}, r)

# run: a rewritten file shows at the next message; a deleted one keeps the last rows.
root = make_root()
host = Host(root)
outbox = root / "var" / "outbox" / "email.jsonl"


def subjects_sent():
    if not outbox.exists():
        return []
    return [json.loads(line)["content"]["subject"] for line in outbox.read_text().splitlines() if line.strip()]


status, body, _ = host.events(booking("r1", "ann"), token=KEY, client="hotel")
check("run: the event is accepted", status == 202, R(status, body))
check("run: the first message reads the source", eventually(lambda: subjects_sent() == ["Your 7 nights in Lyon"]),
      R(0, str(subjects_sent())))

bookings = root / "data" / "bookings.csv"
replacement = root / "data" / "bookings.new"
replacement.write_text("contact,city,nights\nann,Annecy,3\n")
os.replace(replacement, bookings)  # as an export job would: never a half-written file
os.utime(bookings, (1, 1))          # a different mtime even within the same second


def after(event_id, expected):
    status, body, _ = host.events(booking(event_id, "ann"), token=KEY, client="hotel")
    return status == 202 and eventually(lambda: subjects_sent()[-1:] == [expected], timeout=3)


check("run: the rewritten file is read again and the next message shows it",
      eventually(lambda: after("r2-" + str(len(subjects_sent())), "A short stay in Annecy"), timeout=20),
      R(0, str(subjects_sent())))

bookings.unlink()
status, metrics, _ = host.request("GET", "/metrics")
failures = lambda: re.search(  # noqa: E731
    r'^parcours_plugin_source_refresh_failures_total\{client="hotel",instance="bookings",plugin="csv",'
    r'source="bookings"\} ([1-9]\d*)', host.request("GET", "/metrics")[1], re.M)
check("run: a deleted file is a refresh failure, counted in /metrics with the host's labels",
      eventually(lambda: failures() is not None), R(0, host.request("GET", "/metrics")[1][-3000:]))
check("run: the last good rows stay in use after the failure",
      after("r3", "A short stay in Annecy"), R(0, str(subjects_sent())))
code, log = host.stop()
check("run: the host stops cleanly", code == 0, R(code, log))
check("run: the failure is logged with the file and what is still served",
      re.search(r"hotel/bookings \(plugin csv\): refresh of .*bookings.csv failed: .*still serving the 1 rows", log),
      R(code, log))

# validate: data.<name> must be one of the client's sources.
root = make_root()
journey = root / "config" / "clients" / "hotel" / "journeys" / "stay.toml"
journey.write_text(JOURNEY.replace("data.bookings.nights >= 7", "data.booking.nights >= 7"))
r = run(["validate", "--config", "config"], cwd=root)
check("validate: an unknown source is refused at its column with a suggestion",
      r.returncode == 1 and re.search(r"stay\.toml:7:21: in expression: client 'hotel' has no data source 'booking' "
                                      r"\(did you mean 'bookings'\?\)", r.stderr + r.stdout), r)

finish()
