#!/usr/bin/env python3
"""The `schedule` trigger on a running host with a manual clock: a daily 09:00 in the
client's time zone (Europe/Paris) fires exactly once per occurrence and never before,
through a journey to the `file` channel; a restart inside the catch-up window fires
the occurrence again and the host drops it as a duplicate; a missed occurrence is
caught up; an audience (a csv source) gives one event per row, and `anniversary` only
today's birthdays, 29 February on the 28th. Also `parcours plugins inspect schedule`."""
import json
import tempfile
import time
from pathlib import Path

from cli_harness import check, finish, run
from service_harness import ADMIN, Host, R, eventually

KEY = "paris-key-0123456789abcdef"
CLIENT = """timezone = "Europe/Paris"
require_consent = false
api_keys = ["paris-key-0123456789abcdef"]

[channels.email]
plugin = "file"
path = "var/outbox/email.jsonl"

[sources.members]
plugin = "csv"
path = "data/members.csv"
key = "contact"

[sources.vip]
plugin = "csv"
path = "data/vip.csv"
key = "contact"

[triggers.vip]                   # one row's contact id is too long for the host
plugin = "schedule"
cron = "0 9 * * *"
emit = "vip.morning"
audience = "vip"

[sources.gone]                   # its file never exists: the audience cannot be listed
plugin = "csv"
path = "data/gone.csv"
key = "contact"

[triggers.typo]
plugin = "schedule"
cron = "0 9 * * *"
emit = "vip.morning"
audience = "gone"

[triggers.morning]
plugin = "schedule"
cron = "0 9 * * *"
emit = "digest.due"
contact = "ops"

[triggers.birthdays]
plugin = "schedule"
cron = "0 9 * * *"
emit = "customer.birthday"
audience = "members"
anniversary = "birthday"

[triggers.newsletter]
plugin = "schedule"
cron = "0 10 * * MON"
emit = "newsletter.due"
audience = "members"
timezone = "America/New_York"
"""
MEMBERS = """contact,first_name,birthday
ann,Ann,1990-12-01
bob,Bob,1985-12-02T06:00:00Z
cat,Cat,1992-02-29
dan,Dan,n/a
eve,Eve,
"""


def journey(event, subject):
    return f'[entry]\non = "{event}"\nreentry = "always"\n[[steps]]\nsend = "email"\nsubject = "{subject}"\ntext = "x"\n'


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    (root / "config/clients/paris/journeys").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data/members.csv").write_text(MEMBERS)
    (root / "data/vip.csv").write_text("contact,level\n" + "v" * 300 + ",gold\nvic,silver\n")
    (root / "config/parcours.toml").write_text('[server]\nadmin_token = "${PARCOURS_ADMIN_TOKEN}"\n')
    (root / "config/clients/paris/client.toml").write_text(CLIENT)
    journeys = root / "config/clients/paris/journeys"
    (journeys / "digest.toml").write_text(journey("digest.due", "Digest {{event.scheduled_for}}"))
    (journeys / "birthday.toml").write_text(journey("customer.birthday", "Happy birthday {{event.first_name}}"))
    (journeys / "newsletter.toml").write_text(journey("newsletter.due", "News for {{event.first_name}}"))
    outbox = root / "var/outbox/email.jsonl"

    def sent(prefix):
        lines = outbox.read_text().splitlines() if outbox.exists() else []
        return [m["content"]["subject"] for m in map(json.loads, lines) if m["content"]["subject"].startswith(prefix)]

    def advance(amount):
        status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": amount}, ADMIN)
        assert status == 200, body
        time.sleep(1.0)  # the trigger looks at the clock every 250 ms

    def metric(name, labels):
        for line in host.request("GET", "/metrics")[1].splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return None

    # 2026-12-01T07:00:00Z is 08:00 in Paris: the morning digest is an hour away.
    host = Host(root, ["--clock", "manual", "--now", "2026-12-01T07:00:00Z"])
    started = "paris/morning (plugin schedule): '0 9 * * *' in Europe/Paris, emitting 'digest.due' for contact 'ops'; " \
              "next occurrence 2026-12-01T09:00:00+01:00 (catch-up window 1h)"
    check("the triggers start with the host, in the client's time zone (from the host's context); if not, "
          "`parcours run` does not start trigger plugins at boot (host::Service::start)",
          eventually(lambda: started in (root / "host.log").read_text(), timeout=5),
          R(0, (root / "host.log").read_text()))
    if started not in (root / "host.log").read_text():
        host.stop()
        finish()  # every check below would fail for the same reason
    time.sleep(1.0)
    check("nothing fires at start when no occurrence fell in the catch-up window", sent("") == [], R(0, str(sent(""))))
    advance("59m")
    check("nothing fires at 08:59 Paris time", sent("Digest") == [], R(0, str(sent(""))))
    advance("2m")
    check("the 09:00 Paris occurrence (08:00 UTC) fires once, with its local time",
          eventually(lambda: sent("Digest") == ["Digest 2026-12-01T09:00:00+01:00"]), R(0, str(sent(""))))
    status, body, _ = host.request("POST", "/v1/clients/paris/events", {
        "id": "schedule:morning:2026-12-01T08:00:00Z", "type": "digest.due", "contact": "ops"}, KEY)
    check("the event id is schedule:<trigger>:<occurrence in UTC>: the same id again is a duplicate",
          status == 202 and json.loads(body) == {"accepted": 0, "duplicates": 1}, R(status, body))
    check("the birthday audience fired Ann only (born 1 December)",
          eventually(lambda: sent("Happy") == ["Happy birthday Ann"]), R(0, str(sent(""))))
    time.sleep(0.5)
    check("... and nothing else, and still exactly one digest",
          sent("Digest") == ["Digest 2026-12-01T09:00:00+01:00"] and sent("Happy") == ["Happy birthday Ann"],
          R(0, str(sent(""))))
    check("an audience that cannot be listed is reported at start and counted as a failure at its occurrence, "
          "while the other triggers fire", "audience 'gone' cannot be listed now" in (root / "host.log").read_text()
          and eventually(lambda: metric("parcours_plugin_schedule_failures_total",
                                        {"instance": "typo", "reason": "audience"}) == 1),
          R(0, (root / "host.log").read_text()[-3000:]))
    check("an event the host refuses (a contact id over 256 characters) is logged and counted; the row after it fires",
          eventually(lambda: metric("parcours_plugin_schedule_failures_total", {"instance": "vip", "reason": "emit"}) == 1)
          and "must be at most 256 printable characters" in (root / "host.log").read_text() and
          host.request("GET", "/v1/clients/paris/contacts/vic", token=KEY)[0] == 200,
          R(0, (root / "host.log").read_text()[-3000:]))
    log = (root / "host.log").read_text()
    check("Dan's birthday 'n/a' is logged as skipped, naming the column; Eve's empty one is only counted",
          "contact 'dan' has no date in column 'birthday'" in log and "contact 'eve'" not in log and
          "emitted 'customer.birthday' for 1 of 5 rows of 'members' (2 not today's anniversary, 1 without a date), "
          "1 skipped" in log, R(0, log[-3000:]))

    advance("1d")
    check("a day later: the next digest, and Bob's birthday (a date-time's date as written)",
          eventually(lambda: sent("Digest")[-1:] == ["Digest 2026-12-02T09:00:00+01:00"]) and
          len(sent("Digest")) == 2 and eventually(lambda: sent("Happy") == ["Happy birthday Ann", "Happy birthday Bob"]),
          R(0, str(sent(""))))
    advance("3d")
    # The three events are emitted in order; their messages are sent by up to
    # `concurrency` senders at once, so the outbox's order is not theirs.
    check("three days at once: three digests, one per day",
          eventually(lambda: len(sent("Digest")) == 5) and sorted(sent("Digest")[2:]) == [
              "Digest 2026-12-03T09:00:00+01:00", "Digest 2026-12-04T09:00:00+01:00",
              "Digest 2026-12-05T09:00:00+01:00"], R(0, str(sent(""))))
    check("the occurrence counter is exported", metric("parcours_plugin_schedule_occurrences_total",
                                                        {"instance": "morning"}) == 5, R(0, host.request("GET", "/metrics")[1]))
    # Monday 7 December, 10:00 in New York is 15:00 UTC: every member gets the newsletter.
    advance("2d6h30m")  # 2026-12-07T14:31:00Z
    check("the newsletter (its own time zone) has not fired at 09:31 New York time", sent("News") == [],
          R(0, str(sent(""))))
    advance("31m")
    check("Monday 10:00 New York: one newsletter per row of the audience",
          eventually(lambda: sorted(sent("News")) == ["News for Ann", "News for Bob", "News for Cat", "News for Dan", "News for Eve"]),
          R(0, str(sent(""))))
    advance("17h9m")  # 2026-12-08T08:11:00Z, 09:11 in Paris
    check("the digests of 6, 7 and 8 December fired", eventually(lambda: len(sent("Digest")) == 8), R(0, str(sent(""))))
    code, log = host.stop()
    check("the host stops cleanly with its triggers running", code == 0, R(code, log[-2000:]))

    # Restart at 09:40 Paris on 8 December: the 09:00 occurrence is within the 1 h
    # catch-up window, fires again, and the host's ingest drops it as a duplicate.
    host = Host(root, ["--clock", "manual", "--now", "2026-12-08T08:40:00Z"])
    check("after a restart inside the catch-up window, the occurrence fires again as a duplicate event",
          eventually(lambda: (metric("parcours_event_duplicates_total", {"client": "paris"}) or 0) >= 1),
          R(0, host.request("GET", "/metrics")[1]))
    time.sleep(0.5)
    check("... and nothing is sent twice",
          len(sent("Digest")) == 8 and len(sent("Happy")) == 2 and len(sent("News")) == 5, R(0, str(sent(""))))
    host.stop()

    # Down from 9 December 08:00 to 09:50 Paris: the missed 09:00 digest is caught up.
    host = Host(root, ["--clock", "manual", "--now", "2026-12-09T08:50:00Z"])
    check("a missed occurrence within the catch-up window fires at start",
          eventually(lambda: sent("Digest")[-1:] == ["Digest 2026-12-09T09:00:00+01:00"]) and
          len(sent("Digest")) == 9, R(0, str(sent(""))))
    # To 28 February 2027 (a common year): Cat, born 29 February, is celebrated.
    advance("80d")  # 2027-02-27T08:50:00Z
    check("no birthday between 3 December and 27 February", len(sent("Happy")) == 2, R(0, str(sent(""))))
    advance("1d")
    check("29 February birthdays fire on 28 February in a common year",
          eventually(lambda: sent("Happy")[2:] == ["Happy birthday Cat"]), R(0, str(sent(""))))
    check("one digest per day of the 81 days, none twice",
          eventually(lambda: len(sent("Digest")) == 90) and len(set(sent("Digest"))) == 90,
          R(0, str(len(sent("Digest")))))
    host.stop()

    result = run(["plugins", "inspect", "schedule", "--config", str(root / "config")],
                 env_extra={"PARCOURS_ADMIN_TOKEN": ADMIN})
    check("`parcours plugins inspect schedule` lists every setting",
          result.returncode == 0 and all(s in result.stdout for s in
                                         ("cron", "emit", "contact", "audience", "anniversary", "timezone", "catch_up")),
          result)

finish()
