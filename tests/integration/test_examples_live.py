#!/usr/bin/env python3
"""The multi-channel examples run for real: examples/e-commerce (email + sms) and
examples/predictive-multichannel (facebook-ads + popup + email) through `parcours run`
on a manual clock, their events replayed over HTTP at their times, every channel the
real plugin against a server on 127.0.0.1 — aiosmtpd for SMTP, the Twilio and Graph API
stand-ins (provider_standins.py), the popup plugin's own queue. What the providers
receive must be what `parcours simulate` predicts in each example's
expected-timeline.ndjson: the same sends, per contact and channel."""
import collections
import json
import os
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from cli_harness import check, finish, source_dir
from provider_standins import GraphStandIn, TwilioStandIn
from service_harness import ADMIN, Host, R, free_port

KEY = "live-key-0123456789abcdef"
ACCOUNT = "AC" + "0123456789abcdef" * 2
SMS_TOKEN = "sms-token-for-the-live-examples"
FB_TOKEN = "EAAB-live-examples-token"
AUDIENCE = "1001"


class Mailbox:
    def __init__(self):
        self.lock, self.received = threading.Lock(), []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 2.0.0 Ok: queued"

    def recipients(self):
        with self.lock:
            return collections.Counter(self.received)


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def expected_sends(example):
    """(contact, channel) → how many sends `simulate` predicts."""
    sends = collections.Counter()
    for line in (example / "expected-timeline.ndjson").read_text().splitlines():
        action = json.loads(line)
        if action["action"] == "send":
            sends[(action["contact"], action["channel"])] += 1
    return sends


def delivered(host, client, contacts):
    """(contact, channel) → messages delivered, from the contacts' message logs."""
    out, answers = collections.Counter(), {}
    for contact in contacts:
        status, body, _ = host.request("GET", f"/v1/clients/{client}/contacts/{contact}", token=KEY)
        for message in json.loads(body).get("messages", []) if status == 200 else []:
            if message["status"] == "delivered":
                out[(contact, message["channel"])] += 1
                answers[(contact, message["channel"])] = message
    return out, answers


def run_example(name, env, root):
    example = Path(source_dir) / "examples" / name
    config = root / name / "config"
    shutil.copytree(example / "config", config)
    (client,) = [p.name for p in (config / "clients").iterdir()]
    client_toml = config / "clients" / client / "client.toml"
    client_toml.write_text(f'api_keys = ["{KEY}"]\n' + client_toml.read_text())
    (config / "parcours.toml").write_text('[server]\nadmin_token = "${PARCOURS_ADMIN_TOKEN}"\n')
    events = sorted((json.loads(line) for line in (example / "events.ndjson").read_text().splitlines() if line),
                    key=lambda e: parse_time(e["time"]))
    os.environ.update(env)
    host = Host(root / name, ["--clock", "manual", "--now", events[0]["time"]])
    now = parse_time(events[0]["time"])
    for event in events:
        at = parse_time(event["time"])
        if at > now:
            host.request("POST", "/v1/admin/clock", {"advance": f"{int(at - now)}s"}, ADMIN)
            now = at
        status, body, _ = host.events(event, token=KEY, client=client)
        check(f"{name}: event {event['id']} accepted", status == 202, R(status, body))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "40d"}, ADMIN)
    check(f"{name}: the clock runs the rest of the journeys", status == 200, R(status, body))
    contacts = sorted({e["contact"] for e in events})
    expected = expected_sends(example)
    got, answers = delivered(host, client, contacts)
    check(f"{name}: every send `simulate` predicts was delivered by its real channel, and nothing else",
          got == expected, R(0, f"expected {dict(expected)}\ndelivered {dict(got)}"))
    return host, client, expected, answers


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    twilio = TwilioStandIn(ACCOUNT, SMS_TOKEN)
    graph = GraphStandIn(FB_TOKEN, audiences=[AUDIENCE])

    # --- e-commerce: email + sms ---------------------------------------------------------
    host, client, expected, answers = run_example("e-commerce", {
        "SHOP_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "SHOP_SMS_URL": twilio.url,
        "SHOP_SMS_ACCOUNT": ACCOUNT, "SHOP_SMS_TOKEN": SMS_TOKEN}, root)
    emails = sum(n for (contact, channel), n in expected.items() if channel == "email")
    texts = [r for r in twilio.received() if r.get("sid")]
    check("e-commerce: the SMTP server received the shop's emails",
          sum(n for address, n in mailbox.recipients().items() if address.endswith("@example.test")) == emails,
          R(0, repr(mailbox.recipients())))
    check("e-commerce: the gateway received the SMS, to E.164 numbers, with the cart's link",
          len(texts) == sum(n for (c, ch), n in expected.items() if ch == "sms") and
          all(t["form"]["To"].startswith("+33") and "https://shop.example/cart/" in t["form"]["Body"] for t in texts),
          R(0, repr(twilio.received())))
    sms_answers = [m for (c, ch), m in answers.items() if ch == "sms"]
    check("e-commerce: the message log keeps the gateway's sid and the segments",
          sms_answers and all(m.get("provider_id", "").startswith("SM") and
                              m.get("provider_answer", {}).get("segments") == 1 for m in sms_answers),
          R(0, repr(sms_answers)))
    host.stop()
    mailbox.received.clear()

    # --- predictive multi-channel: facebook-ads + popup + email ---------------------------
    host, client, expected, answers = run_example("predictive-multichannel", {
        "ELECTRO_GRAPH_URL": graph.url, "ELECTRO_FB_TOKEN": FB_TOKEN, "ELECTRO_TV_AUDIENCE": AUDIENCE,
        "ELECTRO_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"}, root)
    adds, removes = graph.calls("POST", f"/v19.0/{AUDIENCE}/users"), graph.calls("DELETE", f"/v19.0/{AUDIENCE}/users")
    rows = lambda calls: sum(len(json.loads(params["payload"])["data"]) for _, _, params in calls)
    # (Batching is test_facebook_ads_channel.py's: here the two sign-ups come one by one.)
    check("predictive: the audience got its adds and its removes (DELETE), hashed as Meta documents",
          rows(adds) == 2 and rows(removes) == 2 and not graph.refusals,
          R(0, repr(graph.calls()) + repr(graph.refusals)))
    check("predictive: the SMTP server received the coupon and review emails",
          sum(mailbox.recipients().values()) == sum(n for (c, ch), n in expected.items() if ch == "email"),
          R(0, repr(mailbox.recipients())))
    popups = [m for (c, ch), m in answers.items() if ch == "popup"]
    check("predictive: the popups were queued by the popup plugin (its id in the message log)",
          len(popups) == 2 and all(m.get("provider_id") for m in popups), R(0, repr(popups)))
    host.stop()
    smtp.stop()

finish()
