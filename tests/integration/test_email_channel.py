#!/usr/bin/env python3
"""The `email` channel against a real SMTP server (Debian's python3-aiosmtpd) on
127.0.0.1, with STARTTLS required and AUTH: each message is parsed back with Python's
`email` package (structure, headers, decoded text); the open pixel, a tracked link and
the one-click unsubscribe are followed against the running host and become events a
journey reacts to; forged tokens get 404 and record nothing; a 451 is retried, a 550
fails for good with the server's text, a server that is down is retried; connections
are reused; smtps:// with the certificate checked (trusted through ca_file, untrusted
without it, accepted with tls_verify = false); a refused AUTH is retried; file://
writes .eml files; bad settings are refused by `validate`."""
import email
import email.policy
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import urllib.parse
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cli_harness import check, finish, run, source_dir
from service_harness import ADMIN, Host, R, eventually, free_port

PASSWORD = "s3cret-smtp-pass-4242"
KEY = "shop-key-0123456789abcdef"
PUBLIC = "http://parcours.test"


class Recorder:
    """What the server received, and how it answers: 451 once for busy@, 550 for nobody@."""

    def __init__(self):
        self.messages, self.sessions, self.deferred = [], [], set()
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if all(s is not session for s in self.sessions):
                self.sessions.append(session)  # kept alive, so identity means one connection
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"
        if address.startswith("busy@") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                  session.authenticated))
        return "250 2.0.0 Ok: queued as Q%d" % len(self.messages)

    def parsed(self):
        with self.lock:
            return [email.message_from_bytes(m[2], policy=email.policy.default) for m in self.messages]


def authenticator(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd itself answers a refusal (535); with its default (True) it
    # expects the authenticator to have answered, and says nothing.
    return AuthResult(success=isinstance(auth_data, LoginPassword) and auth_data.login == b"acme" and
                      auth_data.password == PASSWORD.encode(), handled=False)


def certificate(folder):
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context, cert


def client_toml(smtp_port, down_port, hang_port, cert, smtps_port):
    return f"""name = "Acme Boutique"
api_keys = ["{KEY}"]
require_consent = true

[channels.email]
plugin = "email"
url = "smtp://127.0.0.1:{smtp_port}"
from = "Acme Boutique <hello@acme.test>"
reply_to = "help@acme.test"
username = "acme"
password = "${{SMTP_PASSWORD}}"
starttls = "required"
ca_file = "{cert}"
concurrency = 4

[channels.down]
plugin = "email"
url = "smtp://127.0.0.1:{down_port}"
from = "hello@acme.test"
timeout = "3s"

[channels.hangs]
plugin = "email"
url = "smtp://127.0.0.1:{hang_port}"
from = "hello@acme.test"
timeout = "2s"

[channels.smtps]
plugin = "email"
url = "smtps://127.0.0.1:{smtps_port}"
from = "hello@acme.test"
ca_file = "{cert}"

[channels.untrusted]
plugin = "email"
url = "smtps://127.0.0.1:{smtps_port}"
from = "hello@acme.test"

[channels.noverify]
plugin = "email"
url = "smtps://127.0.0.1:{smtps_port}"
from = "hello@acme.test"
tls_verify = false

[channels.badpass]
plugin = "email"
url = "smtp://127.0.0.1:{smtp_port}"
from = "hello@acme.test"
username = "acme"
password = "wrong-password"
starttls = "required"
ca_file = "{cert}"

[channels.eml]
plugin = "email"
url = "file://var/eml"
from = "hello@acme.test"
tracking = false

[channels.log]
plugin = "file"
path = "var/log.jsonl"
"""


WELCOME = """[entry]
on = "signup"
reentry = "always"
[[steps]]
id = "welcome"
send = "email"
subject = "{{contact.first_name}}, Noël approche"
html = '''<html><body><h1>Bonjour {{contact.first_name}}</h1>
<p>Voici <a href="https://shop.test/noel?utm=mail&amp;x=1">nos idées</a> et
<a href='https://shop.test/cart'>votre panier</a>, <a href="mailto:help@acme.test">écrivez-nous</a>,
<a href="https://shop.test/private" data-no-track>privé</a>.</p>
<p><a href="{{links.unsubscribe}}">Se désabonner</a></p></body></html>'''
"""
ON_CLICK = """[entry]
on = "email.clicked"
reentry = "always"
[[steps]]
send = "log"
transactional = true
text = "clicked {{event.url}} in {{event.journey}}/{{event.step}}"
"""
ON_OPEN = """[entry]
on = "email.opened"
[[steps]]
send = "log"
transactional = true
text = "opened {{event.message}}"
"""


def ping(channel):
    """A journey that sends one message on `channel` when a `ping-<channel>` event comes."""
    return f'[entry]\non = "ping-{channel}"\n[[steps]]\nsend = "{channel}"\ntransactional = true\n' \
           'subject = "x"\ntext = "x"\n'


TO_EML = """[entry]
on = "receipt"
[[steps]]
send = "eml"
transactional = true
subject = "Reçu n°{{event.number}}"
html = "<p>Merci <a href='https://shop.test/o'>pour votre commande</a></p>"
"""


def local(url, host):
    """A link as mailed (public_url) pointed at the host under test."""
    assert url.startswith(PUBLIC), url
    return host.url + url[len(PUBLIC):]


def get(url, method="GET", body=None, headers=None):
    """One request, redirects not followed."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    connection.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body,
                       headers=headers or {})
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


def step_counts(host, journey, step):
    status, body, _ = host.request("GET", "/v1/clients/shop/journeys/" + journey, token=KEY)
    for item in json.loads(body).get("steps", []) if status == 200 else []:
        if item["step"] == step:
            return item
    return {}


def contact(host, contact_id):
    status, body, _ = host.request("GET", "/v1/clients/shop/contacts/" + contact_id, token=KEY)
    return json.loads(body) if status == 200 else {}


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    tls, cert = certificate(root)
    recorder = Recorder()
    smtp_port, down_port = free_port(), free_port()
    # A server that accepts connections and never says a word.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    hang_port = silent.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port, tls_context=tls, require_starttls=True,
                            authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller.start()
    # The same server over TLS from the first byte (smtps://, port 465's way).
    smtps_recorder, smtps_port = Recorder(), free_port()
    smtps = Controller(smtps_recorder, hostname="127.0.0.1", port=smtps_port, ssl_context=tls)
    smtps.start()

    (root / "config/clients/shop/journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text(
        f'[server]\npublic_url = "{PUBLIC}"\nadmin_token = "${{PARCOURS_ADMIN_TOKEN}}"\n')
    (root / "config/clients/shop/client.toml").write_text(client_toml(smtp_port, down_port, hang_port, cert, smtps_port))
    for name, text in {"welcome": WELCOME, "on-click": ON_CLICK, "on-open": ON_OPEN, "to-down": ping("down"), "to-hangs": ping("hangs"),
                       "to-eml": TO_EML, "to-smtps": ping("smtps"), "to-untrusted": ping("untrusted"),
                       "to-noverify": ping("noverify"), "to-badpass": ping("badpass")}.items():
        (root / f"config/clients/shop/journeys/{name}.toml").write_text(text)
    os.environ["SMTP_PASSWORD"] = PASSWORD
    host = Host(root, ["--clock", "manual", "--now", "2026-12-02T10:00:00Z"])

    def signup(contact_id, address, first_name="Zoé"):
        return host.events({"type": "signup", "contact": contact_id,
                            "attributes": {"email": address, "first_name": first_name, "consent": {"email": True}}},
                           token=KEY, client="shop")

    status, body, _ = signup("zoe", "zoe@example.test")
    check("a sign-up is accepted", status == 202, R(status, body))
    check("the SMTP server receives the message, over STARTTLS with AUTH",
          eventually(lambda: len(recorder.messages) == 1) and recorder.messages[0][3] and
          recorder.messages[0][0].strip("<>") == "hello@acme.test" and recorder.messages[0][1] == ["zoe@example.test"],
          R(0, repr(recorder.messages[:1])))
    mail = recorder.parsed()[0]
    check("Subject is RFC 2047 encoded and decodes to the UTF-8 text",
          mail["Subject"] == "Zoé, Noël approche" and "=?UTF-8?" in recorder.messages[0][2].decode(),
          R(0, str(mail["Subject"])))
    check("From, To (with the contact's name), Reply-To, Message-ID, Date",
          mail["From"] == "Acme Boutique <hello@acme.test>" and mail["To"] == "Zoé <zoe@example.test>" and
          mail["Reply-To"] == "help@acme.test" and mail["Message-ID"].endswith("@acme.test>") and
          mail["Date"].datetime.isoformat() == "2026-12-02T10:00:00+00:00", R(0, str(mail)))
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    check("List-Unsubscribe (the host's /u/ link) and List-Unsubscribe-Post: One-Click (RFC 8058)",
          unsubscribe.startswith(PUBLIC + "/u/") and
          mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", R(0, str(mail)))
    parts = [part.get_content_type() for part in mail.iter_parts()]
    check("multipart/alternative with a text part derived from the HTML, then the HTML",
          mail.get_content_type() == "multipart/alternative" and parts == ["text/plain", "text/html"], R(0, parts))
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    check("the text part reads as the HTML does, decoded from quoted-printable",
          "Bonjour Zoé" in text and "nos idées (" + PUBLIC + "/t/c/" in text, R(0, text))
    tracked = [a for a in html.split('"') + html.split("'") if a.startswith(PUBLIC + "/t/")]
    clicks = sorted({a for a in tracked if "/t/c/" in a})
    pixels = [a for a in tracked if "/t/o/" in a]
    check("http(s) links go through /t/c/ (2); mailto:, data-no-track and the unsubscribe link stay; one pixel",
          len(clicks) == 2 and len(set(pixels)) == 1 and "mailto:help@acme.test" in html and
          "https://shop.test/private" in html and unsubscribe in html and "https://shop.test/cart" not in html,
          R(0, html))

    # --- the open pixel -------------------------------------------------------------
    status, headers, body = get(local(pixels[0], host))
    check("the open pixel answers a 1x1 GIF, not cached",
          status == 200 and headers.get("Content-Type") == "image/gif" and body[:6] == b"GIF89a" and
          "no-store" in headers.get("Cache-Control", ""), R(status, repr(headers)))
    get(local(pixels[0], host))
    log = root / "var/log.jsonl"
    logged = lambda: [json.loads(line)["content"]["text"] for line in log.read_text().splitlines()] if log.exists() else []
    check("an open becomes one email.opened event (a second load is the same open), which a journey reacts to",
          eventually(lambda: sum(t.startswith("opened ") for t in logged()) == 1) and
          eventually(lambda: step_counts(host, "welcome", "welcome").get("opened") == 1), R(0, repr(logged())))

    # --- clicks -----------------------------------------------------------------------
    status, headers, _ = get(local(clicks[0], host))
    destinations = {"https://shop.test/noel?utm=mail&x=1", "https://shop.test/cart"}
    first_destination = headers.get("Location")
    check("a tracked link redirects (302) to the address it had, entities decoded",
          status == 302 and first_destination in destinations, R(status, repr(headers)))
    get(local(clicks[0], host))
    get(local(clicks[1], host))
    check("each link's first click is an email.clicked event with the url, the journey and the step",
          eventually(lambda: sorted(t for t in logged() if t.startswith("clicked")) ==
                     sorted("clicked " + d + " in welcome/welcome" for d in destinations)), R(0, repr(logged())))
    check("the step counts the message clicked once, opened once",
          step_counts(host, "welcome", "welcome").get("clicked") == 1 and
          step_counts(host, "welcome", "welcome").get("opened") == 1, R(0, repr(step_counts(host, "welcome", "welcome"))))

    # --- forged tokens ------------------------------------------------------------------
    token = clicks[0].rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    swapped = clicks[0].replace("/t/c/", "/t/o/")
    events_before = len(logged())
    for url in (host.url + "/t/c/" + forged, host.url + "/t/o/" + forged, local(swapped, host), host.url + "/t/c/x"):
        status, _, _ = get(url)
        check("a forged or altered tracking token gets 404: " + url[len(host.url):][:20], status == 404, R(status, url))
    check("... and records nothing", len(logged()) == events_before and
          step_counts(host, "welcome", "welcome").get("clicked") == 1, R(0, repr(logged())))

    # --- one-click unsubscribe (RFC 8058) ---------------------------------------------
    status, _, body = get(local(unsubscribe, host), "POST", b"List-Unsubscribe=One-Click",
                          {"Content-Type": "application/x-www-form-urlencoded"})
    check("the one-click POST unsubscribes", status == 200, R(status, body))
    check("... the contact's email consent is now false",
          eventually(lambda: contact(host, "zoe").get("attributes", {}).get("consent", {}).get("email") is False),
          R(0, repr(contact(host, "zoe"))))
    host.events({"type": "signup", "contact": "zoe"}, token=KEY, client="shop")  # signs up again, consent untouched
    host.request("POST", "/v1/admin/clock", {"advance": "1m"}, ADMIN)
    check("... so the next marketing email is suppressed, not sent",
          eventually(lambda: step_counts(host, "welcome", "welcome").get("suppressed") == 1) and
          len(recorder.messages) == 1, R(0, repr(step_counts(host, "welcome", "welcome"))))

    # --- SMTP refusals -----------------------------------------------------------------
    signup("nobody", "nobody@example.test", "No")
    check("a 550 fails the message for good, with the server's text",
          eventually(lambda: any(m["status"] == "failed" and "550 5.1.1" in m.get("reason", "") and
                                 "User unknown" in m.get("reason", "") for m in contact(host, "nobody").get("messages", []))),
          R(0, repr(contact(host, "nobody"))))
    signup("busy", "busy@example.test", "Bea")
    check("a 451 is retried later, its reason recorded",
          eventually(lambda: any(m["status"] == "queued" and "451 4.7.1" in m.get("reason", "")
                                 for m in contact(host, "busy").get("messages", []))),
          R(0, repr(contact(host, "busy"))))
    clock = host.request("POST", "/v1/admin/clock", {"advance": "2m"}, ADMIN)
    check("... and delivered at the next attempt",
          eventually(lambda: any(m["status"] == "delivered" for m in contact(host, "busy").get("messages", []))) and
          any(m[1] == ["busy@example.test"] for m in recorder.messages),
          R(0, repr(clock) + repr(contact(host, "busy"))))

    # --- pooled connections -------------------------------------------------------------
    sessions_before = len(recorder.sessions)
    for i in range(12):
        signup(f"p{i}", f"p{i}@example.test", f"P{i}")
    check("12 more messages are all received",
          eventually(lambda: len([m for m in recorder.messages if m[1][0].startswith("p")]) == 12),
          R(0, str(len(recorder.messages))))
    new_sessions = len(recorder.sessions) - sessions_before
    check("... over at most 4 new connections (concurrency 4): SMTP connections are reused",
          new_sessions <= 4, R(0, f"{new_sessions} new connections for 12 messages"))
    delivered = [m for m in contact(host, "p0").get("messages", []) if m["status"] == "delivered"]
    check("the message log records the provider's id and answer",
          delivered and delivered[0].get("provider_id", "").endswith("@acme.test") and
          "250 2.0.0 Ok: queued as" in json.dumps(delivered[0].get("provider_answer", {})), R(0, repr(delivered)))

    # --- a server that is down ---------------------------------------------------------
    host.events({"type": "ping-down", "contact": "zoe"}, token=KEY, client="shop")
    check("a server that is down: the message is retried, the reason says so",
          eventually(lambda: any(m["channel"] == "down" and m["status"] == "queued" and
                                 "cannot reach the SMTP server" in m.get("reason", "")
                                 for m in contact(host, "zoe").get("messages", []))),
          R(0, repr(contact(host, "zoe"))))

    # --- a server that hangs ------------------------------------------------------------
    host.events({"type": "ping-hangs", "contact": "zoe"}, token=KEY, client="shop")
    check("a server that never answers is cut off by the timeout (2 s) and the message retried",
          eventually(lambda: any(m["channel"] == "hangs" and m["status"] == "queued" and
                                 "did not answer within 2000 ms" in m.get("reason", "")
                                 for m in contact(host, "zoe").get("messages", []))),
          R(0, repr(contact(host, "zoe"))))

    # --- smtps://, certificates, a wrong password ---------------------------------------
    def reason_of(channel):
        found = [m for m in contact(host, "zoe").get("messages", []) if m["channel"] == channel]
        return found[0] if found else {}

    def ping_and_check(channel, what, outcome, reason="", received=None):
        """Sends one message on `channel`; checks its status, its reason, and how many the
        smtps:// server has received by then."""
        host.events({"type": "ping-" + channel, "contact": "zoe"}, token=KEY, client="shop")
        check(what, eventually(lambda: reason_of(channel).get("status") == outcome and
                               reason in reason_of(channel).get("reason", "")) and
              (received is None or len(smtps_recorder.messages) == received), R(0, repr(reason_of(channel))))

    ping_and_check("smtps", "smtps:// (TLS from the first byte), the certificate checked against ca_file: delivered",
                   "delivered", received=1)
    ping_and_check("untrusted", "a certificate no trusted CA signed: not sent, retried, and the reason says why",
                   "queued", "certificate is not trusted", received=1)
    ping_and_check("noverify", "... the same server with tls_verify = false: delivered", "delivered", received=2)
    ping_and_check("badpass", "AUTH refused: retried (an operator fixes the password), the reason names the settings",
                   "queued", "authentication failed: 535")
    check("... and never the password", "'password'" in reason_of("badpass").get("reason", "") and
          "wrong-password" not in json.dumps(reason_of("badpass")), R(0, repr(reason_of("badpass"))))

    # --- file:// ----------------------------------------------------------------------
    host.events({"type": "receipt", "contact": "zoe", "properties": {"number": 42}}, token=KEY, client="shop")
    eml = root / "var/eml"
    check("file:// writes one .eml a message", eventually(lambda: eml.exists() and len(list(eml.glob("*.eml"))) == 1),
          R(0, repr(list(eml.glob("*")) if eml.exists() else [])))
    saved = email.message_from_bytes(next(eml.glob("*.eml")).read_bytes(), policy=email.policy.default)
    check("... a complete message: decoded subject, no unsubscribe header on a transactional one, no tracking",
          saved["Subject"] == "Reçu n°42" and saved["List-Unsubscribe"] is None and
          "https://shop.test/o" in saved.get_body(("html",)).get_content() and
          "/t/o/" not in saved.get_body(("html",)).get_content(), R(0, str(saved)))

    code, log_text = host.stop()
    check("the SMTP password never appears in the host's log", PASSWORD not in log_text, R(code, log_text))
    controller.stop()
    smtps.stop()

    # --- settings refused by validate ----------------------------------------------------
    for setting, value, expected in [
            ("url", '"imap://127.0.0.1:1"', "must start with smtp://, smtps:// or file://"),
            ("from", '"not an address"', "setting 'from'"),
            ("starttls", '"maybe"', "setting 'starttls'"),
            ("username", '"acme-only"', "without 'password'"),
            ("connections", "0", "setting 'connections' must be between 1 and 64")]:
        bad = root / ("bad-" + setting)
        (bad / "clients/shop/journeys").mkdir(parents=True)
        (bad / "parcours.toml").write_text("")
        table = '[channels.email]\nplugin = "email"\nurl = "smtp://127.0.0.1:25"\nfrom = "a@b.test"\n'
        table = "\n".join(line for line in table.splitlines() if not line.startswith(setting + " ")) + "\n"
        (bad / "clients/shop/client.toml").write_text(table + f"{setting} = {value}\n")
        result = run(["validate", "--config", str(bad)])
        check(f"validate refuses {setting} = {value}, naming the file and the setting",
              result.returncode == 1 and "client.toml" in result.stderr and expected in result.stderr, result)

    # --- the README's run, on the shipped demo config: .eml files ------------------------
    demo = root / "demo"
    shutil.copytree(Path(source_dir) / "config", demo / "config")
    host = Host(demo, ["--clock", "manual", "--now", "2026-12-02T10:00:00Z"])
    host.events({"type": "cart.updated", "contact": "ann",
                 "properties": {"total": 89.9, "items": 2, "cart_url": "https://shop.example/cart/ann"},
                 "attributes": {"first_name": "Ann", "email": "ann@example.test", "consent": {"email": True}}})
    host.request("POST", "/v1/admin/clock", {"advance": "1h"}, ADMIN)
    folder = demo / "var/outbox/email"
    emls = lambda: list(folder.glob("*.eml")) if folder.exists() else []
    check("the demo config writes the README's cart reminder as an .eml file", eventually(lambda: len(emls()) == 1),
          R(0, repr(emls())))
    reminder = email.message_from_bytes(emls()[0].read_bytes(), policy=email.policy.default)
    check("... from the demo shop to Ann, with the reminder's text and an unsubscribe header",
          reminder["Subject"] == "Ann, your cart is waiting" and reminder["To"] == "Ann <ann@example.test>" and
          "https://shop.example/cart/ann" in reminder.get_body(("plain",)).get_content() and
          reminder["List-Unsubscribe"].startswith("<http://localhost:8080/u/"), R(0, str(reminder)))
    host.stop()

finish()
