#!/usr/bin/env python3
"""The `webhook` trigger on a running host: a platform's own payload, signed with
HMAC-SHA256, mapped to an event with JSON Pointers, stored once per payload id, and
every refusal — bad or missing signature, a payload without the mapped contact, not
JSON, an unknown hook — answered with its status and nothing stored."""
import base64
import hashlib
import hmac
import json
import subprocess
import tempfile
from pathlib import Path

from cli_harness import binary, check, finish
from service_harness import Host, R, eventually

SECRET = "shpss_0123456789"
CLIENT = f"""require_consent = false
api_keys = ["shop-key-0123456789abcdef"]
[channels.email]
plugin = "file"
path = "var/outbox/email.jsonl"

[triggers.orders]
plugin = "webhook"
type = "order.created"
contact = "/customer/id"
id = "/id"
properties = ["total=/total_price", "currency=/currency"]
attributes = ["email=/customer/email", "first_name=/customer/first_name"]
secret = "{SECRET}"
signature_header = "X-Shop-Hmac-Sha256"
signature_encoding = "base64"

[triggers.github-style]
plugin = "webhook"
type = "/action"
contact = "/sender/login"
secret = "{SECRET}"
signature_header = "X-Hub-Signature-256"
"""
JOURNEY = """[entry]
on = "order.created"
[[steps]]
send = "email"
subject = "Thanks {{contact.first_name}}"
text = "Your order of {{event.total}} {{event.currency}}"
"""


def sign(body, encoding="base64"):
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode() if encoding == "base64" else digest.hex()


def order(order_id, customer="4242", total="89.90"):
    return json.dumps({"id": order_id, "total_price": total, "currency": "EUR",
                       "customer": {"id": int(customer) if customer.isdigit() else customer,
                                    "email": "ann@example.test", "first_name": "Ann"}}).encode()


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    (root / "config/clients/shop/journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text("")
    (root / "config/clients/shop/client.toml").write_text(CLIENT)
    (root / "config/clients/shop/journeys/thanks.toml").write_text(JOURNEY)
    host = Host(root)
    outbox = root / "var/outbox/email.jsonl"
    sent = lambda: [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []

    def hook(body, headers, name="orders"):
        return host.request("POST", "/v1/clients/shop/hooks/" + name, raw=body, headers=headers)

    body = order(1001)
    status, answer, _ = hook(body, {"X-Shop-Hmac-Sha256": sign(body)})
    check("a signed payload is mapped to an event and stored (202)",
          status == 202 and json.loads(answer) == {"accepted": 1, "duplicates": 0}, R(status, answer))
    check("... which starts the journey, with the mapped contact, properties and attributes",
          eventually(lambda: len(sent()) == 1) and sent()[0]["contact"]["id"] == "4242" and
          sent()[0]["content"]["subject"] == "Thanks Ann" and sent()[0]["content"]["text"] == "Your order of 89.90 EUR",
          R(status, str(sent())))
    status, answer, _ = hook(body, {"X-Shop-Hmac-Sha256": sign(body)})
    check("the platform's retry of the same payload id is a duplicate",
          status == 202 and json.loads(answer) == {"accepted": 0, "duplicates": 1}, R(status, answer))

    other = order(1002, customer="77")
    for name, headers in {"a wrong signature": {"X-Shop-Hmac-Sha256": sign(body)},
                          "no signature": {},
                          "a signature by another secret": {"X-Shop-Hmac-Sha256": base64.b64encode(
                              hmac.new(b"guess", other, hashlib.sha256).digest()).decode()}}.items():
        status, answer, _ = hook(other, headers)
        check(f"{name} is refused with 401, naming the header", status == 401 and "X-Shop-Hmac-Sha256".lower() in answer,
              R(status, answer))
    tampered = other.replace(b"89.90", b"0.01")
    status, answer, _ = hook(tampered, {"X-Shop-Hmac-Sha256": sign(other)})
    check("a body altered after signing is refused", status == 401, R(status, answer))

    no_contact = json.dumps({"id": 1003, "customer": {}}).encode()
    status, answer, _ = hook(no_contact, {"X-Shop-Hmac-Sha256": sign(no_contact)})
    check("a payload without the mapped contact is 422, naming the pointer",
          status == 422 and "/customer/id" in answer, R(status, answer))
    not_json = b"<order/>"
    status, answer, _ = hook(not_json, {"X-Shop-Hmac-Sha256": sign(not_json)})
    check("a body that is not JSON is 400", status == 400, R(status, answer))
    batch = json.dumps([json.loads(order(2001, "1")), {"id": 2002, "customer": {}}]).encode()
    status, answer, _ = hook(batch, {"X-Shop-Hmac-Sha256": sign(batch)})
    check("an array with one unmappable element is refused whole, with its index",
          status == 422 and "element 1" in answer, R(status, answer))
    status, answer, _ = host.request("GET", "/v1/clients/shop/contacts/1", token="shop-key-0123456789abcdef")
    check("... and nothing of it was stored", status == 404, R(status, answer))
    status, answer, _ = hook(body, {}, name="nope")
    check("an unknown hook is 404", status == 404 and "unknown_hook" in answer, R(status, answer))
    status, answer, _ = host.request("GET", "/v1/clients/shop/hooks/orders")
    check("a GET on a hook is 405", status == 405, R(status, answer))

    gh = json.dumps({"action": "starred", "sender": {"login": "octo"}}).encode()
    status, answer, _ = hook(gh, {"X-Hub-Signature-256": "sha256=" + sign(gh, "hex")}, name="github-style")
    check("the type read from the payload, and a GitHub-style sha256=<hex> signature",
          status == 202 and json.loads(answer)["accepted"] == 1, R(status, answer))
    check("ingested events count in the metrics", 'parcours_events_ingested_total{client="shop"} 2' in
          host.request("GET", "/metrics")[1], R(0, ""))
    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log))

    # A mapping that cannot work is refused by validate, naming the setting.
    client = root / "config/clients/shop/client.toml"
    client.write_text(CLIENT.replace('contact = "/customer/id"', 'contact = "customer.id"', 1))
    r = subprocess.run([binary, "validate", "--config", str(root / "config")], capture_output=True, text=True)
    check("validate refuses a contact that is not a JSON Pointer, naming the trigger and setting",
          r.returncode == 1 and "trigger 'orders'" in r.stderr and "'contact' must be a JSON Pointer" in r.stderr, r)
finish()
