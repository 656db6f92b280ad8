#!/usr/bin/env python3
"""The `facebook-ads` channel on a running host, against a stand-in of the Graph API
written from Meta's documentation: the Custom Audience users edge (POST adds, DELETE
removes; `payload` = {"schema": [...], "data": [[sha256, ...], ...]}, answered
{"audience_id", "session_id", "num_received", "num_invalid_entries",
"invalid_entry_samples"}), the Conversions API events edge (`data` = [server events],
answered {"events_received", "messages", "fbtrace_id"}), and Graph API errors
({"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}).

Checked: 30 contacts signing up at once reach Meta in far fewer requests than
contacts, every identifier hashed from its normalised form; remove uses DELETE; a
conversion goes to the pixel with the host's clock as event_time; an invalid token
(190) and an unknown audience (100/33) fail for good with Meta's message; rate limits
(17, then 80003) and a Graph API that hangs are retried; the access token is in no
log line and no message; `parcours validate` refuses a bad `action` and a missing
access_token, naming the file."""
import calendar
import json
import os
import subprocess
import tempfile
from pathlib import Path

from cli_harness import binary, check, finish
from provider_standins import GraphStandIn, sha256
from service_harness import ADMIN, Host, R, eventually

TOKEN = "EAAB-test-token-7f3a9c1e5d"
KEY = "ads-key-0123456789abcdef"
PIXEL = "5550001"
KNOWN_AUDIENCES = {"1001", "2002", "3003", "4004"}


def rows(calls):
    return [row for _, _, params in calls for row in json.loads(params["payload"])["data"]]


CLIENT = """api_keys = ["{key}"]
require_consent = false
country = "FR"

[channels.ads]
plugin = "facebook-ads"
graph_url = "{url}"
access_token = "${{FB_TOKEN}}"
audience = "1001"
pixel_id = "{pixel}"
batch_window = "1s"
timeout = "2s"
concurrency = 100
"""

JOURNEYS = {
    "audience-add": 'name = "Sign-ups into the audience"\n[entry]\non = "signed_up"\n'
                    '[[steps]]\nsend = "ads"\n',
    "audience-remove": '[entry]\non = "unsubscribed"\n[[steps]]\nsend = "ads"\naction = "remove"\n',
    "purchase": '[entry]\non = "order.completed"\n[[steps]]\nsend = "ads"\nevent_name = "Purchase"\n'
                'value = "{{event.total}}"\ncurrency = "eur"\norder_id = "{{event.order}}"\n',
    "expired": '[entry]\non = "expired.test"\n[[steps]]\nsend = "ads"\naudience = "2002"\n',
    "limited": '[entry]\non = "limited.test"\n[[steps]]\nsend = "ads"\naudience = "3003"\n',
    "hanging": '[entry]\non = "hang.test"\n[[steps]]\nsend = "ads"\naudience = "4004"\n',
    "unknown": '[entry]\non = "unknown.test"\n[[steps]]\nsend = "ads"\naudience = "{{contact.audience}}"\n',
}


def write_config(root, url):
    client = root / "config/clients/shop"
    (client / "journeys").mkdir(parents=True, exist_ok=True)
    (root / "config/parcours.toml").write_text('[server]\nadmin_token = "${PARCOURS_ADMIN_TOKEN}"\n'
                                              '[log]\nlevel = "debug"\n')
    (client / "client.toml").write_text(CLIENT.format(key=KEY, url=url, pixel=PIXEL))
    for name, text in JOURNEYS.items():
        (client / "journeys" / (name + ".toml")).write_text('id = "%s"\n%s' % (name, text))
    return client


def contact(n):
    attributes = {"email": "  User%d@Example.TEST " % n, "first_name": "U%d" % n}
    if n % 3 == 0:
        # Every other one in national form: read in the client's country (FR), as the
        # sms channel reads it, so Meta still gets the country code.
        attributes["phone"] = ("+33 6 12 34 56 %02d" if n % 2 else "06 12 34 56 %02d") % n
    return {"id": "s-%d" % n, "type": "signed_up", "contact": "c-%d" % n, "attributes": attributes}


def messages(host, who):
    status, body, _ = host.request("GET", "/v1/clients/shop/contacts/" + who, token=KEY)
    return json.loads(body).get("messages", []) if status == 200 else []


def message_of(host, who, journey):
    found = [m for m in messages(host, who) if m["journey"] == journey]
    return found[0] if found else {}


os.environ["FB_TOKEN"] = TOKEN
os.environ["PARCOURS_ADMIN_TOKEN"] = ADMIN  # for validate; Host sets it for run
graph = GraphStandIn(TOKEN, KNOWN_AUDIENCES, PIXEL)
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    client_dir = write_config(root, graph.url)
    r = subprocess.run([binary, "validate", "--config", str(root / "config")], capture_output=True, text=True)
    check("the config with the facebook-ads channel validates", r.returncode == 0, r)

    host = Host(root, ["--clock", "manual", "--now", "2026-11-23T10:00:00Z"])

    # --- 30 sign-ups at once: batched into few requests ------------------------------
    status, body, _ = host.events([contact(n) for n in range(30)], token=KEY, client="shop")
    check("30 sign-ups are accepted", status == 202 and json.loads(body)["accepted"] == 30, R(status, body))
    adds = lambda: graph.calls("POST", "/v19.0/1001/users")
    eventually(lambda: len(rows(adds())) >= 30, timeout=30)
    sent_rows = rows(adds())
    check("every contact reached the audience, in fewer requests than contacts (%d requests for 30)" % len(adds()),
          len(sent_rows) == 30 and len(adds()) < 30, R(len(adds()), str(graph.refusals)))
    check("... a handful of requests at most, not one per contact", len(adds()) <= 5, R(len(adds()), ""))
    payloads = [json.loads(p["payload"]) for _, _, p in adds()]
    expected = {(sha256("user%d@example.test" % n), sha256("336123456%02d" % n) if n % 3 == 0 else "")
                for n in range(30)}
    got = set()
    for payload in payloads:
        for row in payload["data"]:
            values = dict(zip(payload["schema"], row))
            got.add((values.get("EMAIL", ""), values.get("PHONE", "")))
    check("each row holds the SHA-256 of the trimmed, lower-cased email and of the phone's digits with its country "
          "code (national numbers read in the client's country)", got == expected, R(0, "missing %s" % sorted(expected - got)[:2]))
    check("the stand-in found every request in Meta's documented shape", not graph.refusals,
          R(0, str(graph.refusals)))
    check("the access token travelled in the body, never in the URL",
          all("access_token" not in path for _, path, _ in graph.calls()), R(0, ""))
    check("every contact's message is delivered, once",
          eventually(lambda: all(message_of(host, "c-%d" % n, "audience-add").get("status") == "delivered"
                                 for n in range(30))), R(0, str(messages(host, "c-0"))))

    # --- remove: DELETE on the same edge ----------------------------------------------
    status, body, _ = host.events([{"type": "unsubscribed", "contact": "c-%d" % n} for n in (1, 2, 3)],
                                  token=KEY, client="shop")
    deletes = lambda: graph.calls("DELETE", "/v19.0/1001/users")
    check("removing contacts is a DELETE of the users edge, with their hashes",
          eventually(lambda: len(rows(deletes())) == 3) and
          {row[0] for row in rows(deletes())} == {sha256("user%d@example.test" % n) for n in (1, 2, 3)} and
          len(deletes()) <= 2, R(len(deletes()), str(rows(deletes()))))

    # --- a conversion to the Conversions API --------------------------------------------
    host.events({"type": "order.completed", "contact": "c-4", "properties": {"total": 42.5, "order": "o-42"}},
                token=KEY, client="shop")
    events_calls = lambda: graph.calls("POST", "/v19.0/%s/events" % PIXEL)
    eventually(lambda: len(events_calls()) == 1)
    sent_events = json.loads(events_calls()[0][2]["data"]) if events_calls() else [{}]
    check("event_name forwards a conversion to the pixel, timed by the host's clock, with hashed user data",
          len(sent_events) == 1 and sent_events[0].get("event_name") == "Purchase" and
          sent_events[0].get("event_time") == calendar.timegm((2026, 11, 23, 10, 0, 0)) and
          sent_events[0].get("user_data", {}).get("em") == [sha256("user4@example.test")] and
          sent_events[0].get("event_id"), R(0, str(sent_events)))
    check("... and its custom_data: the value rendered from the event, the currency upper-cased, the order id",
          sent_events[0].get("custom_data") == {"value": 42.5, "currency": "EUR", "order_id": "o-42"},
          R(0, str(sent_events)))
    check("... and the message is delivered",
          eventually(lambda: message_of(host, "c-4", "purchase").get("status") == "delivered"),
          R(0, str(messages(host, "c-4"))))

    # --- errors ---------------------------------------------------------------------------
    host.events({"type": "order.completed", "contact": "c-3", "properties": {"total": "n/a", "order": "o-43"}},
                token=KEY, client="shop")
    eventually(lambda: message_of(host, "c-3", "purchase").get("status") == "failed")
    bad_value = message_of(host, "c-3", "purchase")
    check("a conversion whose value renders as no number fails for good before any request, saying why",
          bad_value.get("status") == "failed" and bad_value.get("attempts") == 1 and
          "'value' must be a number" in bad_value.get("reason", "") and "\"n/a\"" in bad_value.get("reason", "") and
          len(events_calls()) == 1, R(0, str(bad_value)))

    host.events({"type": "expired.test", "contact": "c-5"}, token=KEY, client="shop")
    eventually(lambda: message_of(host, "c-5", "expired").get("status") == "failed")
    expired = message_of(host, "c-5", "expired")
    check("an expired token (190) fails for good at once, with Meta's code and message and what to do",
          expired.get("status") == "failed" and expired.get("attempts") == 1 and
          "190/463" in expired.get("reason", "") and "Session has expired" in expired.get("reason", "") and
          "access_token" in expired.get("reason", ""), R(0, str(expired)))

    host.events({"type": "unknown.test", "contact": "c-6", "attributes": {"audience": "999"}}, token=KEY,
                client="shop")
    eventually(lambda: message_of(host, "c-6", "unknown").get("status") == "failed")
    unknown = message_of(host, "c-6", "unknown")
    check("an unknown audience (100/33) fails for good, naming the parameter to check",
          unknown.get("status") == "failed" and "100/33" in unknown.get("reason", "") and
          "'audience'" in unknown.get("reason", ""), R(0, str(unknown)))

    host.events({"type": "limited.test", "contact": "c-7"}, token=KEY, client="shop")
    eventually(lambda: message_of(host, "c-7", "limited").get("reason"))
    limited = message_of(host, "c-7", "limited")
    check("a rate limit (17) is retried later, not failed", limited.get("status") == "queued" and
          "User request limit reached" in limited.get("reason", ""), R(0, str(limited)))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "10m"}, ADMIN)
    check("the manual clock moves", status == 200, R(status, body))
    eventually(lambda: "80003" in message_of(host, "c-7", "limited").get("reason", ""))
    limited = message_of(host, "c-7", "limited")
    check("... and the Business Use Case limit (80003) too, waiting the estimated_time_to_regain_access",
          limited.get("status") == "queued" and "retried in 20 min" in limited.get("reason", ""), R(0, str(limited)))
    # The second attempt ran at 10:05 (5 min after the first), so it is due at 10:25.
    host.request("POST", "/v1/admin/clock", {"advance": "10m"}, ADMIN)
    check("... not sooner: at 10:20 it has not been sent again", graph.rate_limited == 2,
          R(graph.rate_limited, ""))
    host.request("POST", "/v1/admin/clock", {"advance": "2h"}, ADMIN)
    check("... and once the limit is lifted, it is delivered on its third attempt",
          eventually(lambda: message_of(host, "c-7", "limited").get("status") == "delivered") and
          message_of(host, "c-7", "limited").get("attempts") == 3, R(0, str(message_of(host, "c-7", "limited"))))

    host.events({"type": "hang.test", "contact": "c-8"}, token=KEY, client="shop")
    eventually(lambda: message_of(host, "c-8", "hanging").get("reason"), timeout=20)
    hanging = message_of(host, "c-8", "hanging")
    check("a Graph API that hangs is cut off by the timeout and retried", hanging.get("status") == "queued" and
          "no answer" in hanging.get("reason", "") and "timeout" in hanging.get("reason", ""), R(0, str(hanging)))

    every_message = json.dumps([messages(host, "c-%d" % n) for n in range(30)])
    check("the access token appears in no message of the message log", TOKEN not in every_message, R(0, ""))
    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log[-2000:]))
    check("the host logged the batches (debug) and the failures", "in one request" in log and "190/463" in log,
          R(0, log[-2000:]))
    check("the access token appears nowhere in the host's log", TOKEN not in log, R(0, ""))

    # --- validate: refusals naming the file ---------------------------------------------------
    def refused_with(path, text):
        """validate on the config with `path` holding `text`, the file then restored."""
        good = path.read_text()
        path.write_text(text)
        try:
            return subprocess.run([binary, "validate", "--config", str(root / "config")], capture_output=True,
                                  text=True)
        finally:
            path.write_text(good)

    journey = client_dir / "journeys/audience-remove.toml"
    r = refused_with(journey, journey.read_text().replace('action = "remove"', 'action = "delete"'))
    check("validate refuses an action other than add/remove, naming the journey file",
          r.returncode == 1 and "audience-remove.toml" in r.stderr and "'action' must be \"add\" or \"remove\"" in
          r.stderr, r)
    purchase = client_dir / "journeys/purchase.toml"
    r = refused_with(purchase, purchase.read_text().replace('value = "{{event.total}}"', 'value = "12 EUR"'))
    check("validate refuses a conversion value that is not a number, naming the journey file",
          r.returncode == 1 and "purchase.toml" in r.stderr and "'value' must be a number" in r.stderr, r)
    r = refused_with(purchase, purchase.read_text().replace('currency = "eur"\n', ""))
    check("... and a value without its currency", r.returncode == 1 and "purchase.toml" in r.stderr and
          "'value' needs a 'currency'" in r.stderr, r)
    r = refused_with(purchase, purchase.read_text().replace('event_name = "Purchase"\n', ""))
    check("... and a value on a step that reports no conversion", r.returncode == 1 and "purchase.toml" in r.stderr
          and "give the step an 'event_name'" in r.stderr, r)

    client = client_dir / "client.toml"
    r = refused_with(client, client.read_text().replace('access_token = "${FB_TOKEN}"\n', ""))
    check("validate refuses a channel without access_token, naming client.toml and the setting",
          r.returncode == 1 and "client.toml" in r.stderr and "access_token" in r.stderr, r)
    r = refused_with(client, client.read_text().replace("concurrency = 100", "concurrency = 100\nmax_batch = 20000"))
    check("validate refuses a max_batch above Meta's 10,000", r.returncode == 1 and "max_batch" in r.stderr, r)
    check("... and no validate output shows the token", TOKEN not in r.stdout + r.stderr, r)
finish()
