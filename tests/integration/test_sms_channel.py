#!/usr/bin/env python3
"""The `sms` channel on a running host (manual clock), against a stand-in for Twilio's
Messages resource (POST /2010-04-01/Accounts/{AccountSid}/Messages.json: form fields
To, From, Body; HTTP Basic with the account SID and auth token; 201 with the message
resource, or Twilio's error object {"code", "message", "more_info", "status"}).

Checked: what the gateway receives (a national number in E.164 with the client's
country, the contact's own country, the step's `to`, the text) and what the message
log keeps of it (the sid, the number, the parts); what is refused before
any request (an invalid or missing number, a text over max_segments); each gateway
answer mapped — 21211 and 401 failed for good with Twilio's code and message, 429
retried after its Retry-After, 500 retried, a gateway that hangs cut off by `timeout`
and retried; the segments in the metrics; the token in no log line and no error; and
`parcours validate` refusing a config without `token`, with a bad url or sender."""
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
import urllib.parse
from pathlib import Path

from cli_harness import check, finish, run
from provider_standins import TwilioStandIn
from service_harness import ADMIN, Host, R, eventually

KEY = "shop-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "tok-" + secrets.token_hex(16)
WRONG_TOKEN = "tok-wrong-" + secrets.token_hex(8)
HANG_SECONDS = 4  # longer than the channel's 1 s timeout
# The address Twilio would call (the host behind a proxy): it signs that URL, and the
# test posts what it signs to the host's own address.
STATUS_URL = "https://hooks.shop.test/v1/clients/shop/channels/sms/status"


gateway = TwilioStandIn(ACCOUNT, TOKEN, HANG_SECONDS)

CLIENT = f"""country = "FR"
require_consent = false
api_keys = ["{KEY}"]

[channels.sms]
plugin = "sms"
url = "{gateway.url}"
account = "{ACCOUNT}"
token = "${{SMS_TOKEN}}"
from = "+33600000000"
timeout = "1s"
max_segments = 3
status_callback = "{STATUS_URL}"
"""
OTHER = f"""country = "FR"
require_consent = false
api_keys = ["{OTHER_KEY}"]

[channels.sms]
plugin = "sms"
url = "{gateway.url}"
account = "{ACCOUNT}"
token = "{WRONG_TOKEN}"
from = "Acme"
"""
SAY = """[entry]
on = "say"
reentry = "always"

[[steps]]
id = "text"
send = "sms"
text = "{{event.text}}"
"""
# A delivery receipt that says the SMS did not arrive: the event names the journey and
# step of the message, which the entry condition checks.
NOT_DELIVERED = """[entry]
on = "sms.undelivered"
when = "event.journey == \\"say\\" and event.step == \\"text\\" and event.error_code == \\"30003\\""

[[steps]]
wait = "1d"
"""
SAY_TO = """[entry]
on = "say.to"
reentry = "always"

[[steps]]
id = "text"
send = "sms"
to = "{{contact.mobile}}"
text = "{{event.text}}"
"""

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    shop = root / "config/clients/shop"
    (shop / "journeys").mkdir(parents=True)
    (root / "config/clients/other/journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text('[server]\nadmin_token = "${PARCOURS_ADMIN_TOKEN}"\n')
    (shop / "client.toml").write_text(CLIENT)
    (shop / "journeys/say.toml").write_text(SAY)
    (shop / "journeys/say-to.toml").write_text(SAY_TO)
    (shop / "journeys/not-delivered.toml").write_text(NOT_DELIVERED)
    (root / "config/clients/other/client.toml").write_text(OTHER)
    (root / "config/clients/other/journeys/say.toml").write_text(SAY)
    os.environ["SMS_TOKEN"] = TOKEN
    os.environ["PARCOURS_ADMIN_TOKEN"] = ADMIN  # for `validate`; the host is given it by Host()

    r = run(["validate", "--config", str(root / "config")])
    check("validate accepts the sms channel's config", r.returncode == 0, r)
    r = run(["plugins", "inspect", "sms"])
    check("plugins inspect shows the settings, the token as a secret, and the `to` parameter",
          r.returncode == 0 and re.search(r"token\s+secret", r.stdout) is not None and "max_segments" in r.stdout
          and "to" in r.stdout, r)

    host = Host(root, ["--clock", "manual", "--now", "2026-12-01T10:00:00Z"])
    events = 0

    def say(contact, text, attributes=None, client="shop", key=KEY, kind="say"):
        global events
        events += 1
        return host.request("POST", f"/v1/clients/{client}/events",
                            {"id": f"e-{events}", "type": kind, "contact": contact,
                             "properties": {"text": text}, "attributes": attributes or {}}, key)

    def messages(contact, client="shop", key=KEY):
        status, body, _ = host.request("GET", f"/v1/clients/{client}/contacts/{contact}", token=key)
        return json.loads(body)["messages"] if status == 200 else []

    def outcome(contact, client="shop", key=KEY, want=("delivered", "failed")):
        """The contact's latest message once it has the wanted status (else its last state).
        A message is `queued` before its first attempt too: only one tried already counts."""
        eventually(lambda: any(m["status"] in want and m.get("attempts", 0) >= 1
                               for m in messages(contact, client, key)[:1]))
        latest = messages(contact, client, key)
        return latest[0] if latest else {}

    def advance(duration):
        status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": duration}, ADMIN)
        check(f"the clock moves on by {duration}", status == 200, R(status, body))

    # --- the message as the gateway receives it -----------------------------------------
    text = "Bonjour Ann, votre panier (2 articles, 89,90 €) : https://shop.example/cart?u=ann&s=1"
    status, body, _ = say("ann", text, {"phone": "06 12 34 56 78", "first_name": "Ann"})
    check("an event starts a journey that sends an SMS", status == 202, R(status, body))
    ann = outcome("ann")
    sent = gateway.received()
    check("the message is delivered, at the first attempt", ann.get("status") == "delivered" and
          ann.get("attempts") == 1 and len(sent) == 1, R(0, f"{ann} {sent}"))
    first = sent[0] if sent else {"form": {}}
    check("the national number was sent in E.164 with the client's country (FR)",
          first["form"].get("To") == "+33612345678", R(0, str(first)))
    check("From is the channel's sender, Body the step's rendered text (a URL with & intact)",
          first["form"].get("From") == "+33600000000" and first["form"].get("Body") == text, R(0, str(first)))
    check("the message log keeps the gateway's sid, the number, the parts and their encoding",
          ann.get("provider_id") == first.get("sid") and ann.get("provider_answer") ==
          {"to": "+33612345678", "segments": 1, "encoding": "GSM-7"}, R(0, f"{ann} {first}"))
    check("the request is form-encoded, asks for JSON, with HTTP Basic as account SID and token",
          first.get("content_type", "").startswith("application/x-www-form-urlencoded") and
          first.get("accept") == "application/json" and first.get("user") == ACCOUNT and
          first.get("password") == TOKEN and set(first["form"]) == {"To", "From", "Body", "StatusCallback"},
          R(0, str(first)))

    say("bea", "Hallo Bea", {"phone": "0470 12 34 56", "country": "BE"})
    bea = outcome("bea")
    check("a contact's own country reads its national number (BE)", bea.get("status") == "delivered" and
          gateway.received()[-1]["form"].get("To") == "+32470123456", R(0, str(gateway.received()[-1:])))

    say("bob", "Hi Bob", {"phone": "06 12 34 56 78", "mobile": "+44 7911 123456"}, kind="say.to")
    bob = outcome("bob")
    check("the step's `to` (a template) overrides the contact's phone", bob.get("status") == "delivered" and
          gateway.received()[-1]["form"].get("To") == "+447911123456", R(0, str(gateway.received()[-1:])))

    emoji = "Votre colis arrive demain 📦 — suivez-le ici : https://shop.example/t/8812"  # 74 UTF-16 units
    say("cid", emoji, {"phone": "+33 7 00 00 00 01"})
    cid = outcome("cid")
    check("a UCS-2 text of two parts goes as one message, recorded as such", cid.get("status") == "delivered" and
          gateway.received()[-1]["form"].get("Body") == emoji and
          cid.get("provider_answer", {}).get("segments") == 2 and
          cid.get("provider_answer", {}).get("encoding") == "UCS-2", R(0, str(cid)))
    metrics = host.request("GET", "/metrics")[1]
    check("the segments of delivered messages are counted per encoding in the metrics",
          'parcours_plugin_sms_segments_total{client="shop",instance="sms",plugin="sms",encoding="GSM-7"} 3'
          in metrics and
          'parcours_plugin_sms_segments_total{client="shop",instance="sms",plugin="sms",encoding="UCS-2"} 2'
          in metrics, R(0, "\n".join(line for line in metrics.splitlines() if "sms" in line)))

    # --- delivery receipts: the gateway's status callbacks -----------------------------------
    callback = first["form"].get("StatusCallback", "")
    check("each message asks for its status at the channel's status_callback, naming the contact and message",
          callback.startswith(STATUS_URL + "?contact=ann&message=") and len(callback) > len(STATUS_URL) + 30,
          R(0, callback))

    def twilio_signature(url, fields, token=TOKEN):
        signed = url + "".join(name + fields[name] for name in sorted(fields))
        return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()

    def receipt(url, fields, signature=None):
        """A status callback as Twilio posts it to `url` (signed for `url` unless told), sent to the host."""
        parts = urllib.parse.urlsplit(url)
        return host.request("POST", parts.path + "?" + parts.query, raw=urllib.parse.urlencode(fields).encode(),
                            content_type="application/x-www-form-urlencoded",
                            headers={"X-Twilio-Signature": signature or twilio_signature(url, fields)})

    def enrollments(contact):
        status, body, _ = host.request("GET", f"/v1/clients/shop/contacts/{contact}", token=KEY)
        return json.loads(body).get("enrollments", []) if status == 200 else []

    undelivered = {"MessageSid": first.get("sid", ""), "MessageStatus": "undelivered", "ErrorCode": "30003",
                   "AccountSid": ACCOUNT, "To": "+33612345678", "From": "+33600000000", "ApiVersion": "2010-04-01"}
    status, body, _ = receipt(callback, undelivered, signature=twilio_signature(callback, undelivered, WRONG_TOKEN))
    check("a receipt signed with another token is refused (403), saying what to check",
          status == 403 and "X-Twilio-Signature" in body and "status_callback" in body, R(status, body))
    status, body, _ = receipt(callback.replace("contact=ann", "contact=bea"), undelivered,
                              signature=twilio_signature(callback, undelivered))
    check("... and so is one whose contact was changed after Twilio signed it", status == 403, R(status, body))
    check("... and neither started a journey", not any(e.get("journey") == "not-delivered" for e in
                                                        enrollments("ann") + enrollments("bea")),
          R(0, str(enrollments("ann"))))
    status, body, _ = receipt(callback, dict(undelivered, MessageStatus="sent"))
    check("a status that is not final (sent) is acknowledged with no event",
          status == 202 and json.loads(body) == {"accepted": 0, "duplicates": 0}, R(status, body))
    status, body, _ = receipt(callback, undelivered)
    check("a signed receipt saying undelivered is stored: one sms.undelivered event for the contact",
          status == 202 and json.loads(body) == {"accepted": 1, "duplicates": 0}, R(status, body))
    check("... with the journey and step of its message, which a journey's entry condition reads",
          eventually(lambda: any(e.get("journey") == "not-delivered" for e in enrollments("ann"))),
          R(0, str(enrollments("ann"))))
    status, body, _ = receipt(callback, undelivered)
    check("Twilio posting it again stores nothing new", status == 202 and json.loads(body)["duplicates"] == 1,
          R(status, body))
    status, body, _ = host.request("POST", "/v1/clients/shop/channels/nope/status", raw=b"MessageSid=SM1",
                                   content_type="application/x-www-form-urlencoded")
    check("a receipt for a channel the client does not have is 404, naming the client's file",
          status == 404 and "clients/shop/client.toml" in body, R(status, body))
    status, body, _ = host.request("POST", "/v1/clients/other/channels/sms/status", raw=b"MessageSid=SM1",
                                   content_type="application/x-www-form-urlencoded")
    check("a receipt for a channel without status_callback is 404, saying so",
          status == 404 and "no status_callback" in body, R(status, body))

    # --- refused before any request ----------------------------------------------------------
    before = len(gateway.received())
    say("eve", "Hello", {"phone": "06 12 34"})
    eve = outcome("eve")
    check("an invalid number fails for good, naming the attribute and why", eve.get("status") == "failed" and
          "contact attribute 'phone' (\"06 12 34\") is not a valid phone number" in eve.get("reason", "") and
          "too short for a FR number" in eve.get("reason", ""), R(0, str(eve)))
    say("nop", "Hello", {"first_name": "Nop"})
    nop = outcome("nop")
    check("a contact without a phone fails for good, saying which attribute is missing",
          nop.get("status") == "failed" and "no `phone` attribute" in nop.get("reason", ""), R(0, str(nop)))
    say("dan", "Hello", {"phone": "06 12 34 56 78", "mobile": None}, kind="say.to")
    dan = outcome("dan")
    check("a `to` that renders empty fails for good, naming the step's `to`",
          dan.get("status") == "failed" and "`to` is empty" in dan.get("reason", ""), R(0, str(dan)))
    say("fay", "x" * 500, {"phone": "06 12 34 56 78"})
    fay = outcome("fay")
    check("a text over max_segments fails for good, with its parts and the setting",
          fay.get("status") == "failed" and "takes 4 SMS parts in GSM-7" in fay.get("reason", "") and
          "max_segments = 3" in fay.get("reason", ""), R(0, str(fay)))
    check("... and none of those reached the gateway", len(gateway.received()) == before,
          R(0, str(gateway.received()[before:])))

    # --- the gateway's answers ---------------------------------------------------------------
    gateway.script.append("21211")
    say("gus", "Hello", {"phone": "06 12 34 56 79"})
    gus = outcome("gus")
    check("400 with Twilio's 21211 fails for good, with its code, message and link", gus.get("status") == "failed"
          and gus.get("attempts") == 1 and "answered 400: error 21211: The 'To' number +33612345679 is not a valid "
          "phone number. (https://www.twilio.com/docs/errors/21211)" in gus.get("reason", ""), R(0, str(gus)))

    before = len(gateway.received())
    gateway.script.append("429")
    say("hal", "Hello", {"phone": "06 12 34 56 80"})
    hal = outcome("hal", want=("queued",))
    check("429 is kept for a retry, after its Retry-After", hal.get("status") == "queued" and
          hal.get("attempts") == 1 and "answered 429: error 20429: Too Many Requests" in hal.get("reason", "") and
          "Retry-After (120 s)" in hal.get("reason", ""), R(0, str(hal)))
    advance("90s")
    time.sleep(0.5)
    check("... not before Retry-After has passed (90 s later: still one request)",
          len(gateway.received()) == before + 1 and outcome("hal", want=("queued",)).get("status") == "queued",
          R(0, str(gateway.received()[before:])))
    advance("40s")
    hal = outcome("hal")
    check("... and sent again once it has (130 s): delivered at the second attempt",
          hal.get("status") == "delivered" and hal.get("attempts") == 2 and len(gateway.received()) == before + 2,
          R(0, str(hal)))

    gateway.script.append("500")
    say("ida", "Hello", {"phone": "06 12 34 56 81"})
    ida = outcome("ida", want=("queued",))
    check("500 is retried", ida.get("status") == "queued" and "answered 500: error 20500" in ida.get("reason", ""),
          R(0, str(ida)))
    advance("31s")
    ida = outcome("ida")
    check("... after the host's back-off (at most 30 s the first time): delivered",
          ida.get("status") == "delivered" and ida.get("attempts") == 2, R(0, str(ida)))

    gateway.script.append("hang")
    started = time.time()
    say("jon", "Hello", {"phone": "06 12 34 56 82"})
    jon = outcome("jon", want=("queued",))
    check("a gateway that does not answer is cut off by `timeout` (1 s) and kept for a retry",
          jon.get("status") == "queued" and "within 1000 ms" in jon.get("reason", "") and
          time.time() - started < HANG_SECONDS, R(0, str(jon)))
    advance("31s")
    jon = outcome("jon")
    check("... and sent again: delivered", jon.get("status") == "delivered" and jon.get("attempts") == 2,
          R(0, str(jon)))

    status, body, _ = say("kim", "Hello", {"phone": "06 12 34 56 83"}, client="other", key=OTHER_KEY)
    kim = outcome("kim", client="other", key=OTHER_KEY)
    check("401 (a wrong token) fails for good, pointing at `account` and `token`",
          kim.get("status") == "failed" and "answered 401: error 20003: Authenticate" in kim.get("reason", "") and
          "`token`" in kim.get("reason", ""), R(0, str(kim)))
    check("... with the alphanumeric sender as From", gateway.received()[-1]["form"].get("From") == "Acme",
          R(0, str(gateway.received()[-1:])))

    status, body, _ = host.request("GET", "/v1/clients/shop/journeys/say", token=KEY)
    step = json.loads(body)["steps"][0] if status == 200 else {}
    check("the journey counts show each message delivered or failed",
          step.get("delivered") == 6 and step.get("failed") == 4, R(status, body))

    reasons = json.dumps([messages(c) for c in ("ann", "eve", "gus", "hal", "jon")] + [messages("kim", "other", OTHER_KEY)])
    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log))
    check("the host logs each failure with its reason",
          re.search(r"contact eve .*failed after 1 attempt\(s\): contact attribute 'phone'", log) is not None and
          re.search(r"contact gus .*error 21211", log) is not None, R(code, log))
    basic = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    check("no token appears in the log or in any message's reason",
          TOKEN not in log and WRONG_TOKEN not in log and basic not in log and TOKEN not in reasons and
          WRONG_TOKEN not in reasons, R(code, log))

    # --- validate refuses a channel that cannot work -------------------------------------------
    def refused(replace, expect, env=None):
        (shop / "client.toml").write_text(replace(CLIENT))
        result = run(["validate", "--config", str(root / "config")], env_extra=env)
        return result, result.returncode == 1 and all(e in result.stderr for e in expect)

    r, ok = refused(lambda c: c.replace('token = "${SMS_TOKEN}"\n', ""),
                    ["client.toml", "missing required setting 'token'"])
    check("validate refuses a channel without `token`, naming the file and the setting", ok, r)
    r, ok = refused(lambda c: c.replace(gateway.url, "127.0.0.1:9001/2010-04-01/Accounts/AC1/Messages.json"),
                    ["client.toml", "setting 'url' must start with https://"])
    check("validate refuses a url without http(s)://", ok, r)
    r, ok = refused(lambda c: c.replace(gateway.url, "ftp://gateway.example/Messages.json"),
                    ["setting 'url' must start with https://"])
    check("validate refuses a url of another scheme", ok, r)
    r, ok = refused(lambda c: c.replace('from = "+33600000000"', 'from = "06 00 00 00 00"'), ["setting 'from'"])
    check("validate refuses a sender that is neither E.164 nor a sender id", ok, r)
    r, ok = refused(lambda c: c.replace("max_segments = 3", "max_segments = 0"), ["max_segments", "between 1 and 255"])
    check("validate refuses max_segments = 0", ok, r)
    r, ok = refused(lambda c: c.replace('timeout = "1s"', 'timeout = "soon"'), ["client.toml", "timeout"])
    check("validate refuses a timeout that is not a duration", ok, r)
    r, ok = refused(lambda c: c, ["setting 'token' is empty"], env={"SMS_TOKEN": ""})
    check("validate refuses an empty token (an environment variable set to nothing)", ok, r)
    r, ok = refused(lambda c: c.replace('from = "+33600000000"', 'from = "Acme Shop Paris"'), ["setting 'from'"])
    check("... and a sender id over 11 characters, without ever printing the token",
          ok and all(TOKEN not in x for x in (r.stdout, r.stderr)), r)
finish()
