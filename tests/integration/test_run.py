#!/usr/bin/env python3
"""`parcours run` as a service (CLI.md, HTTP-API.md), on the real binary over HTTP on
127.0.0.1: ingestion and its refusals, tokens, health, metrics, the manual clock
carrying an email to the demo channel, reload (a broken config is refused and the old
one keeps running), SIGHUP, SIGTERM, and a SIGKILL while events stream in."""
import json
import os
import re
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

from cli_harness import check, finish
from service_harness import ADMIN, Host, R, copy_demo_config, eventually

DEMO_KEY = "demo-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


def make_root(tmp):
    root = Path(tmp)
    copy_demo_config(root)
    other = root / "config/clients/other"
    other.mkdir()
    (other / "client.toml").write_text(
        f'api_keys = ["{OTHER_KEY}"]\nrequire_consent = false\n[channels.email]\nplugin = "file"\n'
        'path = "var/outbox/other.jsonl"\n')
    return root


def outbox(root):
    path = root / "var/outbox/demo-email.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


signup = {"id": "e-1", "type": "contact.signed_up", "contact": "ann",
          "attributes": {"first_name": "Ann", "email": "ann@example.test", "consent": {"email": True}}}

with tempfile.TemporaryDirectory() as tmp:
    root = make_root(tmp)
    host = Host(root, ["--clock", "manual", "--now", "2026-11-23T10:00:00Z"])

    status, body, _ = host.request("GET", "/healthz")
    check("/healthz answers 200", status == 200, R(status, body))
    status, body, _ = host.request("GET", "/readyz")
    check("/readyz answers 200 once the store answers", status == 200, R(status, body))

    # Operators tell the threads apart in top -H (docs/operations.md, "Which thread is busy").
    names = set()
    for task in Path(f"/proc/{host.process.pid}/task").iterdir():
        try:
            names.add((task / "comm").read_text().strip())
        except OSError:
            pass  # the thread ended
    check("the host's threads carry their names, the main thread alone keeps the program's",
          {"parcours-work", "parcours-ingest", "parcours-http", "parcours-wal", "parcours-api"} <= names and
          sum(1 for task in Path(f"/proc/{host.process.pid}/task").iterdir()
              if (task / "comm").read_text().strip() == "parcours") == 1, R(0, sorted(names)))

    status, body, _ = host.events(signup)
    check("an event is accepted with 202 and counted", status == 202 and json.loads(body) == {
        "accepted": 1, "duplicates": 0}, R(status, body))
    status, body, _ = host.events(signup)
    check("the same id again is a duplicate, not processed twice",
          status == 202 and json.loads(body) == {"accepted": 0, "duplicates": 1}, R(status, body))
    eventually(lambda: any(m["contact"]["id"] == "ann" for m in outbox(root)))
    welcome = [m for m in outbox(root) if m["contact"]["id"] == "ann"]
    check("the welcome email reached the demo channel at once", len(welcome) == 1 and
          welcome[0]["content"]["subject"] == "Welcome to Demo Shop, Ann", R(status, str(welcome)))

    # --- refusals: each changes nothing -------------------------------------------
    bad = [{"id": "b-0", "type": "contact.signed_up", "contact": "bob"}, {"id": "b-1", "contact": "cid"}]
    status, body, _ = host.events(bad)
    check("a batch with one invalid event is refused with its index", status == 400 and
          "event 1" in body and "'type' is missing" in body, R(status, body))
    status, body, _ = host.events(bad[0])
    check("... and nothing of it was stored", status == 202 and json.loads(body)["accepted"] == 1, R(status, body))
    status, body, _ = host.events(None, raw=b'{"type": "x", "contact": ')
    check("malformed JSON is 400 and says what to send", status == 400 and "not JSON" in body, R(status, body))
    status, body, _ = host.events({"type": 3, "contact": "a"})
    check("a wrong type is 400 naming the field", status == 400 and "'type' must be a string" in body,
          R(status, body))
    status, body, _ = host.events({"type": "x", "contact": "a", "attributes": [1]})
    check("attributes that are not an object are 400", status == 400 and "'attributes'" in body, R(status, body))
    status, body, _ = host.events(None, raw=b"x" * (10 * 1024 * 1024 + 1))
    check("a body over 10 MiB is 413", status == 413 and "body_too_large" in body, R(status, body))
    status, body, _ = host.request("POST", "/v1/clients/nobody/events", signup, DEMO_KEY)
    check("an unknown client is 404", status == 404 and "unknown_client" in body, R(status, body))
    status, body, headers = host.events(signup, token=None)
    check("no token is 401 with WWW-Authenticate", status == 401 and headers.get("WWW-Authenticate") == "Bearer",
          R(status, body))
    status, body, _ = host.events(signup, token=OTHER_KEY)
    check("another client's token is 401", status == 401, R(status, body))
    status, body, _ = host.request("POST", "/v1/clients/other/events", {"type": "x", "contact": "z"}, OTHER_KEY)
    check("... while it opens its own client", status == 202, R(status, body))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "1d"}, DEMO_KEY)
    check("a client key does not open admin routes", status == 401, R(status, body))

    ndjson = b'{"id":"n-1","type":"page.viewed","contact":"ann"}\n\n{"id":"n-2","type":"page.viewed","contact":"ann"}\n'
    status, body, _ = host.events(None, raw=ndjson, content_type="application/x-ndjson")
    check("an NDJSON body is accepted", status == 202 and json.loads(body)["accepted"] == 2, R(status, body))
    status, body, _ = host.events(None, raw=b'{"type":"x","contact":"a"}\nnope\n',
                                  content_type="application/x-ndjson")
    check("a bad NDJSON line is 400 with its line number", status == 400 and "line:2" in body, R(status, body))

    # A slow client that sends half a request holds one connection, not the host.
    slow = socket.create_connection(("127.0.0.1", int(host.url.rsplit(":", 1)[1])))
    slow.sendall(b"POST /v1/clients/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    status, body, _ = host.request("GET", "/healthz")
    check("a slow client does not hold up the others", status == 200, R(status, body))

    # --- the manual clock carries the journey on -----------------------------------
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "2d"}, ADMIN)
    check("POST /v1/admin/clock moves time and runs what fell due", status == 200 and
          json.loads(body)["now"] == "2026-11-25T10:00:00Z" and json.loads(body)["ran"] > 0, R(status, body))
    check("the second email of the series went out two days later",
          len([m for m in outbox(root) if m["contact"]["id"] == "ann"]) == 2, R(0, str(outbox(root))))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "soon"}, ADMIN)
    check("a bad duration is 400", status == 400 and "advance" in body, R(status, body))

    status, body, _ = host.request("GET", "/v1/clients/demo/journeys", token=DEMO_KEY)
    journeys = {j["id"]: j for j in json.loads(body)} if status == 200 else {}
    check("journeys list their counts", journeys.get("welcome", {}).get("counts", {}).get("enrolled") == 2,
          R(status, body))

    # --- contacts ----------------------------------------------------------------------
    status, body, _ = host.request("GET", "/v1/clients/demo/contacts/ann", token=DEMO_KEY)
    ann = json.loads(body) if status == 200 else {}
    welcome_run = [e for e in ann.get("enrollments", []) if e["journey"] == "welcome"]
    check("a contact shows its attributes, where it is in each journey and its messages",
          ann.get("attributes", {}).get("first_name") == "Ann" and welcome_run and
          welcome_run[0]["status"] == "waiting" and "waiting_until" in welcome_run[0] and
          len(ann.get("messages", [])) == 2 and all(m["status"] == "delivered" for m in ann["messages"]),
          R(status, body))
    status, body, _ = host.request("PUT", "/v1/clients/demo/contacts/ann", {"attributes": {"plan": "pro", "email": None}},
                                   DEMO_KEY)
    merged = json.loads(body).get("attributes", {}) if status == 200 else {}
    check("PUT merges attributes (null removes one)", merged.get("plan") == "pro" and "email" not in merged and
          merged.get("first_name") == "Ann", R(status, body))
    status, body, _ = host.request("PUT", "/v1/clients/demo/contacts/ann", {"attrs": {}}, DEMO_KEY)
    check("a PUT without attributes is 400", status == 400 and "attributes" in body, R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/demo/contacts/nobody", token=DEMO_KEY)
    check("an unknown contact is 404", status == 404 and "unknown_contact" in body, R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/other/contacts/ann", token=DEMO_KEY)
    check("a contact of another client is out of a key's reach", status == 401, R(status, body))
    status, body, _ = host.request("DELETE", "/v1/clients/demo/contacts/ann", token=DEMO_KEY)
    check("DELETE erases the contact and ends its enrollments",
          status == 200 and json.loads(body)["enrollments_ended"] >= 1, R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/demo/contacts/ann", token=DEMO_KEY)
    check("... after which nothing is left of it", status == 404, R(status, body))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "3d"}, ADMIN)
    check("... and no timer of it fires later", status == 200 and
          len([m for m in outbox(root) if m["contact"]["id"] == "ann"]) == 2, R(status, body))

    # --- unsubscribe links ---------------------------------------------------------------
    host.events({"id": "e-eve", "type": "contact.signed_up", "contact": "eve",
                 "attributes": {"first_name": "Eve", "consent": {"email": True}}})
    eventually(lambda: any(m["contact"]["id"] == "eve" for m in outbox(root)))
    eve_mail = [m for m in outbox(root) if m["contact"]["id"] == "eve"]
    link = re.search(r"Unsubscribe: (http://localhost:8080/u/([\w.-]+))", eve_mail[0]["content"]["text"]) \
        if eve_mail else None
    check("the email carries a signed unsubscribe link on [server] public_url", link is not None,
          R(0, str(eve_mail)))
    token = link.group(2) if link else "x.y"
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, body, _ = host.request("POST", "/u/" + forged)
    check("a forged unsubscribe token is 404 and records nothing", status == 404 and
          json.loads(host.request("GET", "/v1/clients/demo/contacts/eve", token=DEMO_KEY)[1])["attributes"]["consent"][
              "email"] is True, R(status, body))
    status, body, headers = host.request("GET", "/u/" + token)
    check("GET on the link shows a page with a button, and changes nothing",
          status == 200 and headers.get("Content-Type", "").startswith("text/html") and "<form method=\"post\"" in body
          and "Demo Shop" in body, R(status, body))
    status, body, _ = host.request("POST", "/u/" + token, raw=b"List-Unsubscribe=One-Click",
                                   content_type="application/x-www-form-urlencoded")
    eve = json.loads(host.request("GET", "/v1/clients/demo/contacts/eve", token=DEMO_KEY)[1])
    check("POST (RFC 8058 one-click) withdraws consent for that channel",
          status == 200 and "unsubscribed" in body and eve["attributes"]["consent"]["email"] is False, R(status, body))
    before = len([m for m in outbox(root) if m["contact"]["id"] == "eve"])
    host.request("POST", "/v1/admin/clock", {"advance": "2d"}, ADMIN)
    check("... so the next email of the series is not sent",
          len([m for m in outbox(root) if m["contact"]["id"] == "eve"]) == before, R(0, ""))

    status, body, headers = host.request("GET", "/metrics")
    check("/metrics is Prometheus text with the engine's counts",
          status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4") and
          'parcours_events_ingested_total{client="demo"}' in body and
          'parcours_messages_total{client="demo",channel="email",status="delivered"}' in body and
          "# TYPE parcours_http_request_duration_seconds histogram" in body, R(status, body[:2000]))
    # The process collector's gauges, and the allocator the binary was linked with
    # (jemalloc unless built with -DPARCOURS_JEMALLOC=OFF: ctest says which), read from
    # the host itself.
    figures = {name: float(value) for name, value in
               re.findall(r"^(process_\w+|parcours_memory_\w+_bytes) (\S+)$", body, re.M)}
    rss_now = int(open(f"/proc/{host.process.pid}/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    check("/metrics has the process's own figures: CPU, memory, file descriptors, start time",
          figures.get("process_cpu_seconds_total", 0) > 0 and
          0.5 < figures.get("process_resident_memory_bytes", 0) / rss_now < 2 and
          figures.get("process_open_fds", 0) >= 3 and figures.get("process_max_fds", 0) >= 64 and
          abs(figures.get("process_start_time_seconds", 0) - time.time()) < 600, R(0, figures))
    allocator = re.search(r'^parcours_memory_allocator_info\{allocator="(\w+)",version="([^"]*)"\} 1$', body, re.M)
    linked = os.environ.get("PARCOURS_ALLOCATOR", "jemalloc")
    check(f"... and its allocator's: {linked}, as the binary is linked, holding at least what it hands out",
          allocator is not None and allocator.group(1) == linked and allocator.group(2)[:1].isdigit() and
          0 < figures.get("parcours_memory_allocated_bytes", 0) <= figures.get("parcours_memory_allocator_bytes", 0),
          R(0, (allocator and allocator.groups(), figures)))

    # --- reload ----------------------------------------------------------------------
    journey = root / "config/clients/demo/journeys/welcome.toml"
    good = journey.read_text()
    journey.write_text(good.replace('send = "email"', 'send = "emial"', 1))
    status, body, _ = host.request("POST", "/v1/admin/reload", None, ADMIN)
    check("a reload with a broken journey is refused with its errors",
          status == 400 and "config_invalid" in body and "welcome.toml" in body and "emial" in body,
          R(status, body))
    status, body, _ = host.events({"id": "e-2", "type": "contact.signed_up", "contact": "dan",
                                   "attributes": {"first_name": "Dan", "consent": {"email": True}}})
    check("... and the old config keeps running", status == 202 and
          eventually(lambda: any(m["contact"]["id"] == "dan" for m in outbox(root))), R(status, body))
    journey.write_text(good.replace("Welcome to Demo Shop", "Hello from Demo Shop", 1))
    host.process.send_signal(signal.SIGHUP)
    check("SIGHUP reloads (counted in the metrics)", eventually(
        lambda: 'parcours_config_reloads_total{result="applied"} 1' in host.request("GET", "/metrics")[1]), R(0, ""))
    status, body, _ = host.events({"id": "e-3", "type": "contact.signed_up", "contact": "cid",
                                   "attributes": {"first_name": "Cid", "consent": {"email": True}}})
    eventually(lambda: any(m["contact"]["id"] == "cid" for m in outbox(root)))
    cid = [m for m in outbox(root) if m["contact"]["id"] == "cid"]
    check("SIGHUP applies a valid new config", cid and cid[0]["content"]["subject"].startswith("Hello from"),
          R(status, str(cid)))
    slow.close()

    code, log = host.stop()
    check("SIGTERM stops the host with exit 0", code == 0 and "stopped" in log, R(code, log))

    # --- SIGKILL while events stream in ------------------------------------------------
    # A manual clock at a daytime hour: on the wall clock, the demo client's quiet hours
    # (21:00-08:00 Paris) would rightly hold the emails back when the test runs at night.
    daytime = ["--clock", "manual", "--now", "2026-11-26T10:00:00Z"]
    host = Host(root, daytime)
    answered = []

    def stream():
        for i in range(2000):
            try:
                status, _, _ = host.events({"id": f"k-{i}", "type": "contact.signed_up", "contact": f"k{i}",
                                            "attributes": {"first_name": f"K{i}", "consent": {"email": True}}})
            except Exception:
                return
            if status == 202:
                answered.append(f"k-{i}")

    sender = threading.Thread(target=stream)
    sender.start()
    time.sleep(1.0)
    host.process.send_signal(signal.SIGKILL)
    host.process.wait()
    sender.join()
    host = Host(root, daytime)
    lost = []
    for event_id in answered:
        i = event_id.split("-")[1]
        status, body, _ = host.events({"id": event_id, "type": "contact.signed_up", "contact": f"k{i}"})
        if status != 202 or json.loads(body)["duplicates"] != 1:
            lost.append(event_id)
    check(f"after SIGKILL, every one of the {len(answered)} events answered 202 is stored",
          len(answered) > 10 and not lost, R(0, f"lost {lost[:5]}"))
    wanted = {f"k{e.split('-')[1]}" for e in answered}
    eventually(lambda: wanted <= {m["contact"]["id"] for m in outbox(root)})
    keys = [m["idempotency_key"] for m in outbox(root)]
    welcomed = {m["contact"]["id"] for m in outbox(root)}
    check("no message is in the outbox twice", len(keys) == len(set(keys)), R(0, ""))
    check("every contact answered 202 got its welcome email", wanted <= welcomed, R(0, ""))
    code, log = host.stop()
    check("the restarted host stops cleanly", code == 0, R(code, log))

    # --- [log] format = "json": one JSON object a line, whatever the message holds ------
    toml = root / "config/parcours.toml"
    toml.write_text(toml.read_text().replace('format = "text"', 'format = "json"').replace(
        'level = "info"', 'level = "debug"'))
    (root / "host.log").write_text("")
    host = Host(root, daytime)
    host.request("POST", "/v1/admin/reload", None, ADMIN)
    code, log = host.stop()
    lines = [line for line in log.splitlines() if line.startswith("{")]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append(None)
    check("with [log] format = \"json\" every line after start-up is a JSON object with time, level, message",
          code == 0 and len(parsed) >= 3 and all(p and {"time", "level", "message"} <= set(p) for p in parsed) and
          any("reloaded" in p["message"] for p in parsed if p), R(code, log))

finish()
