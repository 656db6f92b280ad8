#!/usr/bin/env python3
"""The `popup` channel and the host's popup routes on a running host (manual clock): a
journey queues a popup when a cart is viewed; GET /v1/clients/{client}/popups/{contact}
lists it with CORS for the client's allowed_origins only (an other origin gets 403, the
preflight 204 or 403); POST .../seen and .../clicked become `popup.seen` and
`popup.clicked` events that journeys react to (one waits for the click); a host killed
with SIGKILL keeps the queued popups; expired ones are not listed; /popup.js is served.
`parcours validate` refuses bad settings, origins and parameters, naming them.

Then Debian's headless Chromium, driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: no extra package), loads a page from another port of
127.0.0.1 (so CORS is real) that embeds /popup.js: the modal appears in the DOM as an
accessible dialog, a real mouse click on its call to action reaches the host as
`popup.clicked` and the browser follows the link; an exit-intent popup appears only
when the pointer leaves the page through the top, and Escape closes it."""
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cli_harness import check, finish, run, source_dir
from service_harness import ADMIN, Host, R, eventually

CHROMIUM = "/usr/bin/chromium"
KEY = "shop-key-0123456789abcdef"
START = "2026-12-01T10:00:00Z"

CLIENT = """require_consent = false
allowed_origins = ["{origin}", "https://www.shop.test"]
api_keys = ["{key}"]

[channels.popup]
plugin = "popup"
path = "var/popups.db"
expiry = "2d"
timeout = "1s"

[channels.log]
plugin = "file"
path = "var/outbox/log.jsonl"
"""

# A viewed cart queues a popup, then waits for its click.
OFFER = """[entry]
on = "cart.viewed"
reentry = "always"
[[steps]]
send = "popup"
subject = "Still thinking, {{contact.first_name}}?"
html = "<p>Your cart is waiting: <strong>10% off</strong> today.</p>"
cta_text = "Back to my cart"
cta_url = "{{event.cart_url}}"
[[steps]]
wait_for = "popup.clicked"
timeout = "3d"
on_timeout = "end"
[[steps]]
send = "log"
text = "clicked {{event.popup}} on {{event.channel}}, going to {{event.url}}"
"""

# Leaving a product page queues an exit-intent popup that lasts an hour.
EXIT = """[entry]
on = "product.viewed"
reentry = "always"
[[steps]]
send = "popup"
subject = "Before you go"
text = "Free delivery on your first order."
cta_text = "See the offer"
cta_url = "/offers/delivery"
exit_intent = true
expires = "1h"
"""

# Every popup seen is recorded in the log channel.
SEEN = """[entry]
on = "popup.seen"
reentry = "always"
[[steps]]
send = "log"
text = "seen {{event.popup}} of {{event.journey}} step {{event.step}}"
"""


def write_config(root, origin, client=CLIENT, journeys=None):
    shutil.rmtree(root / "config", ignore_errors=True)
    (root / "config/clients/shop/journeys").mkdir(parents=True)
    (root / "config/parcours.toml").write_text('[server]\nadmin_token = "${PARCOURS_ADMIN_TOKEN}"\n')
    (root / "config/clients/shop/client.toml").write_text(client.format(origin=origin, key=KEY))
    journeys = {"offer": OFFER, "exit": EXIT, "seen": SEEN} if journeys is None else journeys
    for name, text in journeys.items():
        (root / f"config/clients/shop/journeys/{name}.toml").write_text(text)


def validate(root):
    return run(["validate", "--config", str(root / "config")], cwd=root, env_extra={"PARCOURS_ADMIN_TOKEN": ADMIN})


def log_lines(root):
    path = root / "var/outbox/log.jsonl"
    return [json.loads(line)["content"]["text"] for line in path.read_text().splitlines()] if path.exists() else []


def header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


# --- the page the browser loads: another origin than the host's ---------------------

class Page(BaseHTTPRequestHandler):
    host_url = None
    visits = []

    def do_GET(self):
        Page.visits.append(self.path)
        contact = self.path.split("contact=")[1] if "contact=" in self.path else "carl"
        body = ("<!doctype html><html lang=en><head><meta charset=utf-8><title>Shop</title></head>"
                "<body style='margin:0;height:2000px'><h1>Shop</h1><a id=elsewhere href='#top'>top</a>"
                f"<script src='{Page.host_url}/popup.js' data-client='shop' data-contact='{contact}' async></script>"
                "</body></html>") if self.path.startswith("/shop") else "<!doctype html><title>Cart</title><p>cart"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# --- Chromium through the DevTools protocol over a pipe ------------------------------

class Browser:
    """Headless Chromium with --remote-debugging-pipe: commands are JSON messages ended
    by a NUL byte, written to its fd 3; answers and events come back on its fd 4."""

    def __init__(self, profile):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def plumb():
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        home = profile / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                   XDG_CACHE_HOME=str(home / ".cache"))
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1000,800", "--remote-debugging-pipe", "--user-data-dir=" + str(profile / "chromium"),
             "about:blank"],
            preexec_fn=plumb, close_fds=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            for answer in self.read(deadline - time.time()):
                if answer.get("id") == self.next_id:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer.get("result", {})
                self.events.append(answer)
        raise RuntimeError(f"Chromium did not answer {method} within {timeout} s")

    def read(self, timeout):
        ready, _, _ = select.select([self.from_browser], [], [], max(0.0, timeout))
        if not ready:
            return []
        chunk = os.read(self.from_browser, 1 << 20)
        if not chunk:
            raise RuntimeError("Chromium closed its DevTools pipe")
        self.buffer += chunk
        *messages, self.buffer = self.buffer.split(b"\0")
        return [json.loads(message) for message in messages if message]

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
                if value:
                    return value
            except RuntimeError:
                pass  # the page is between two documents
            time.sleep(0.1)
        return None

    def mouse(self, kind, x, y, **extra):
        self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, **extra})

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, button="left", clickCount=1)
        self.mouse("mouseReleased", x, y, button="left", clickCount=1)

    def key(self, name, code):
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": name, "code": code,
                                                 "windowsVirtualKeyCode": 27 if name == "Escape" else 0})

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.to_browser, self.from_browser):
            os.close(fd)


# The modal as the page has it: the dialog's attributes, what has the focus, the CTA's
# place on screen.
MODAL = """(() => {
  const overlay = document.querySelector('[data-parcours-popup]');
  if (!overlay) return null;
  const dialog = overlay.querySelector('[role=dialog]');
  const title = document.getElementById(dialog.getAttribute('aria-labelledby') || '');
  const cta = dialog.querySelector('[data-parcours-cta]');
  const rect = cta ? cta.getBoundingClientRect() : null;
  return {popup: overlay.getAttribute('data-parcours-popup'), modal: dialog.getAttribute('aria-modal'),
          title: title ? title.textContent : null, html: dialog.innerHTML,
          focused: document.activeElement === cta ? 'cta' : document.activeElement.tagName,
          cta: cta ? {text: cta.textContent, href: cta.getAttribute('href'),
                      x: rect.left + rect.width / 2, y: rect.top + rect.height / 2} : null,
          close: !!dialog.querySelector('button[aria-label=Close]')};
})()"""


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    Page.host_url = None
    page_server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{page_server.server_address[1]}"

    # --- validate: what is refused, and that checking creates no file ---------------
    write_config(root, origin)
    result = validate(root)
    check("the config validates", result.returncode == 0, result)
    check("... and validating created no popup file", not (root / "var/popups.db").exists(), result)

    bad_origin = CLIENT.replace('"https://www.shop.test"', '"www.shop.test/path"')
    write_config(root, origin, client=bad_origin)
    result = validate(root)
    check("an allowed_origins entry that is not an origin is refused, naming the file and the key",
          result.returncode == 1 and "client.toml" in result.stderr and "allowed_origins" in result.stderr and
          "www.shop.test/path" in result.stderr, result)

    bad_settings = CLIENT.replace('expiry = "2d"', 'expiry = "soon"')
    write_config(root, origin, client=bad_settings)
    result = validate(root)
    check("an expiry that is not a duration is refused, naming the setting",
          result.returncode == 1 and "expiry" in result.stderr, result)

    (root / "blocker").write_text("a file, where the popup file's folder should be")
    write_config(root, origin, client=CLIENT.replace('path = "var/popups.db"', 'path = "blocker/popups.db"'))
    result = validate(root)
    check("a popup file that can never be created (its folder is a file) is refused, naming the path",
          result.returncode == 1 and "blocker" in result.stderr and "channel 'popup'" in result.stderr, result)

    for name, step, expected in [
            ("a javascript: call to action", 'cta_text = "Go"\ncta_url = "javascript:alert(1)"', "cta_url"),
            ("a call to action without its words", 'cta_url = "https://www.shop.test/"', "cta_text"),
            ("a misspelt parameter", "exit_inten = true", "exit_intent"),
            ("an expiry that is not a duration", 'expires = "tomorrow"', "expires")]:
        journey = '[entry]\non = "x"\n[[steps]]\nsend = "popup"\ntext = "hi"\n' + step + "\n"
        write_config(root, origin, journeys={"bad": journey})
        result = validate(root)
        check(f"{name} in a send step is refused at the step, naming '{expected}'",
              result.returncode == 1 and "bad.toml" in result.stderr and expected in result.stderr, result)

    # --- the routes on a running host ------------------------------------------------
    write_config(root, origin)
    host = Host(root, ["--clock", "manual", "--now", START])
    Page.host_url = host.url
    allowed = {"Origin": origin}

    def popups(contact, headers=allowed):
        return host.request("GET", f"/v1/clients/shop/popups/{contact}", headers=headers)

    def action(contact, popup, what, headers=allowed, method="POST"):
        return host.request(method, f"/v1/clients/shop/popups/{contact}/{popup}/{what}", headers=headers)

    def contact_messages(contact):
        status, body, _ = host.request("GET", f"/v1/clients/shop/contacts/{contact}", token=KEY)
        return json.loads(body).get("messages", []) if status == 200 else []

    status, body, _ = host.events({"type": "cart.viewed", "contact": "ann",
                                   "properties": {"cart_url": "https://www.shop.test/cart?u=ann&x=1"},
                                   "attributes": {"first_name": "Zoé <3"}}, token=KEY, client="shop")
    check("a cart view is accepted", status == 202, R(status, body))
    check("... and its popup is delivered to the popup channel",
          eventually(lambda: any(m.get("status") == "delivered" for m in contact_messages("ann"))),
          R(0, str(contact_messages("ann"))))

    status, body, headers = popups("ann")
    listed = json.loads(body).get("popups", []) if status == 200 else []
    check("GET lists the contact's popup for an allowed origin, with CORS for that origin only",
          status == 200 and len(listed) == 1 and header(headers, "Access-Control-Allow-Origin") == origin and
          "Origin" in (header(headers, "Vary") or "") and header(headers, "Cache-Control") == "no-store",
          R(status, f"{body} {headers}"))
    popup = listed[0] if listed else {}
    check("the popup holds the rendered title (escaped by the page, not the host), HTML, call to action, expiry",
          popup.get("title") == "Still thinking, Zoé <3?" and
          popup.get("html") == "<p>Your cart is waiting: <strong>10% off</strong> today.</p>" and
          popup.get("cta") == {"text": "Back to my cart", "url": "https://www.shop.test/cart?u=ann&x=1"} and
          popup.get("exit_intent") is False and popup.get("expires") == "2026-12-03T10:00:00Z" and
          popup.get("channel") == "popup" and str(popup.get("id", "")).startswith("p-"), R(status, body))

    status, body, headers = popups("ann", headers={"Origin": "https://evil.test"})
    check("another origin is refused (403) with no CORS header, and the popups are not in the answer",
          status == 403 and header(headers, "Access-Control-Allow-Origin") is None and "origin_not_allowed" in body
          and "Still thinking" not in body, R(status, f"{body} {headers}"))
    status, body, headers = popups("ann", headers={"Origin": "https://WWW.shop.test"})
    check("origins compare without regard to case (the second allowed origin)",
          status == 200 and header(headers, "Access-Control-Allow-Origin") == "https://WWW.shop.test",
          R(status, f"{body} {headers}"))
    status, body, headers = popups("ann", headers={})
    check("a request without Origin (not from a page) is answered without CORS headers",
          status == 200 and len(json.loads(body)["popups"]) == 1 and
          header(headers, "Access-Control-Allow-Origin") is None, R(status, f"{body} {headers}"))

    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    status, body, headers = action("ann", popup.get("id"), "clicked", headers=preflight, method="OPTIONS")
    check("the preflight of a POST from an allowed origin is 204 with methods, headers and max-age",
          status == 204 and header(headers, "Access-Control-Allow-Origin") == origin and
          "POST" in header(headers, "Access-Control-Allow-Methods") and
          header(headers, "Access-Control-Allow-Headers") == "Content-Type" and
          int(header(headers, "Access-Control-Max-Age") or 0) > 0, R(status, f"{body} {headers}"))
    status, body, headers = host.request("OPTIONS", "/v1/clients/shop/popups/ann",
                                         headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    check("... and of the GET", status == 204 and "GET" in header(headers, "Access-Control-Allow-Methods"),
          R(status, f"{body} {headers}"))
    status, body, headers = host.request("OPTIONS", "/v1/clients/shop/popups/ann",
                                         headers={"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method":
                                                  "GET"})
    check("a preflight from another origin (another port) is 403, without CORS headers",
          status == 403 and header(headers, "Access-Control-Allow-Origin") is None, R(status, f"{body} {headers}"))

    status, body, _ = host.request("GET", "/v1/clients/nobody/popups/ann", headers=allowed)
    check("an unknown client is 404", status == 404 and "unknown_client" in body, R(status, body))
    status, body, _ = host.request("DELETE", "/v1/clients/shop/popups/ann", headers=allowed)
    check("another method on the list is 405", status == 405, R(status, body))
    status, body, _ = action("ann", popup.get("id"), "seen", method="GET")
    check("GET on an action is 405", status == 405, R(status, body))
    status, body, _ = action("ann", "p-000000000000000000000000", "seen")
    check("marking an unknown popup is 404", status == 404 and "unknown_popup" in body, R(status, body))
    status, body, _ = action("bob", popup.get("id"), "clicked")
    check("marking another contact's popup is 404", status == 404, R(status, body))
    status, body, _ = action("ann", popup.get("id"), "liked")
    check("an action other than seen or clicked is 404", status == 404, R(status, body))
    status, body, _ = action("ann", popup.get("id"), "seen", headers={"Origin": "https://evil.test"})
    check("another origin cannot mark a popup (403)", status == 403, R(status, body))
    check("... so it is still listed", len(json.loads(popups("ann")[1])["popups"]) == 1, R(0, popups("ann")[1]))

    status, body, headers = action("ann", popup.get("id"), "seen")
    check("POST seen is 202: one popup.seen event stored for the client, with CORS",
          status == 202 and json.loads(body) == {"accepted": 1, "duplicates": 0} and
          header(headers, "Access-Control-Allow-Origin") == origin, R(status, body))
    check("... which a journey reacts to, told the journey and step that queued the popup",
          eventually(lambda: f"seen {popup.get('id')} of offer step step 1" in log_lines(root)),
          R(0, str(log_lines(root))))
    status, body, _ = action("ann", popup.get("id"), "seen")
    check("a second seen is a duplicate of the same event", status == 202 and json.loads(body)["duplicates"] == 1,
          R(status, body))
    check("a seen popup is no longer listed", json.loads(popups("ann")[1])["popups"] == [], R(0, popups("ann")[1]))

    status, body, _ = host.request("GET", "/v1/clients/shop/contacts/ann", token=KEY)
    check("the journey waits for popup.clicked", status == 200 and
          any(e.get("waiting_for") == "popup.clicked" for e in json.loads(body).get("enrollments", [])),
          R(status, body))
    status, body, _ = action("ann", popup.get("id"), "clicked")
    check("POST clicked is 202 with one popup.clicked event", status == 202 and json.loads(body)["accepted"] == 1,
          R(status, body))
    expected = f"clicked {popup.get('id')} on popup, going to https://www.shop.test/cart?u=ann&x=1"
    check("... which the waiting journey receives, with the popup, channel and url",
          eventually(lambda: expected in log_lines(root)), R(0, str(log_lines(root)) + " expected " + expected))
    status, body, _ = host.request("GET", "/v1/clients/shop/journeys/offer", token=KEY)
    sent_step = {s["step"]: s for s in json.loads(body)["steps"]}.get("step 1", {}) if status == 200 else {}
    check("the popup's send step counts it opened (seen) once and clicked once, as an email's",
          (sent_step.get("delivered"), sent_step.get("opened"), sent_step.get("clicked")) == (1, 1, 1),
          R(status, body))

    # --- /popup.js --------------------------------------------------------------------
    status, body, headers = host.request("GET", "/popup.js")
    script = (Path(source_dir) / "core/api/assets/popup.js").read_text()
    check("GET /popup.js serves core/api/assets/popup.js as JavaScript, cacheable",
          status == 200 and body == script and header(headers, "Content-Type") == "text/javascript; charset=utf-8"
          and "max-age=" in (header(headers, "Cache-Control") or ""), R(status, str(headers)))
    status, body, _ = host.request("POST", "/popup.js", body={})
    check("POST /popup.js is 405", status == 405, R(status, body))

    # --- kept across a SIGKILL; expiry on the host clock --------------------------------
    host.events([{"type": "cart.viewed", "contact": "bob", "properties": {"cart_url": "https://www.shop.test/b"}},
                 {"type": "product.viewed", "contact": "bob"}], token=KEY, client="shop")
    check("two popups are queued for bob (an offer, an exit-intent one)",
          eventually(lambda: len(json.loads(popups("bob")[1])["popups"]) == 2), R(0, popups("bob")[1]))
    # Queued at the same instant by two sends running side by side: in either order.
    before = sorted(json.loads(popups("bob")[1])["popups"], key=lambda p: p.get("exit_intent"))
    check("the exit-intent popup says so, with its own one-hour expiry and a path as its call to action",
          before[1].get("exit_intent") is True and before[1].get("expires") == "2026-12-01T11:00:00Z" and
          before[1].get("text") == "Free delivery on your first order." and
          before[1].get("cta") == {"text": "See the offer", "url": "/offers/delivery"}, R(0, str(before)))
    host.process.send_signal(signal.SIGKILL)
    host.process.wait()
    host = Host(root, ["--clock", "manual", "--now", "2026-12-01T10:30:00Z"])
    Page.host_url = host.url
    after = json.loads(popups("bob")[1])["popups"]
    check("after SIGKILL and a restart, bob's popups are still there, with the same ids",
          sorted(p["id"] for p in after) == sorted(p["id"] for p in before), R(0, f"{before} / {after}"))
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "31m"}, ADMIN)
    check("the manual clock moves", status == 200, R(status, body))
    after = json.loads(popups("bob")[1])["popups"]
    check("past its one-hour expiry (host clock), the exit-intent popup is no longer listed",
          [p["id"] for p in after] == [before[0]["id"]], R(0, str(after)))
    host.request("POST", "/v1/admin/clock", {"advance": "2d"}, ADMIN)
    check("past two days (the channel's expiry), neither is", json.loads(popups("bob")[1])["popups"] == [],
          R(0, popups("bob")[1]))
    status, body, _ = action("bob", before[0]["id"], "clicked")
    check("a click on an expired popup left open on a page is still recorded", status == 202, R(status, body))

    # --- the file locked by another process past `timeout`: retried, then delivered ---
    lock = sqlite3.connect(root / "var/popups.db", isolation_level=None, timeout=0)
    lock.execute("BEGIN EXCLUSIVE")
    host.events({"type": "cart.viewed", "contact": "erin", "properties": {"cart_url": "https://www.shop.test/e"}},
                token=KEY, client="shop")
    check("a send that finds the popup file locked for longer than `timeout` is retried, saying why",
          eventually(lambda: any(m.get("status") == "queued" and m.get("attempts", 0) >= 1 and
                                 "locked" in m.get("reason", "") for m in contact_messages("erin"))),
          R(0, str(contact_messages("erin"))))
    lock.execute("ROLLBACK")
    lock.close()
    host.request("POST", "/v1/admin/clock", {"advance": "1m"}, ADMIN)
    check("... and delivered once the lock is gone",
          eventually(lambda: any(m.get("status") == "delivered" for m in contact_messages("erin"))) and
          len(json.loads(popups("erin")[1])["popups"]) == 1, R(0, str(contact_messages("erin"))))

    # --- in Chromium ----------------------------------------------------------------
    if not os.access(CHROMIUM, os.X_OK):
        check("Debian's chromium is installed (scripts/install-deps installs it)", False,
              R(0, CHROMIUM + " is missing"))
        finish()
    host.events([{"type": "cart.viewed", "contact": "carl", "properties": {"cart_url": origin + "/cart/carl"}},
                 {"type": "product.viewed", "contact": "dana"}], token=KEY, client="shop")
    check("popups are queued for carl and dana",
          eventually(lambda: len(json.loads(popups("carl")[1])["popups"]) == 1 and
                     len(json.loads(popups("dana")[1])["popups"]) == 1), R(0, popups("carl")[1]))
    carl_popup = json.loads(popups("carl")[1])["popups"][0]["id"]
    dana_popup = json.loads(popups("dana")[1])["popups"][0]["id"]

    browser = Browser(root / "profile")
    try:
        browser.open(origin + "/shop?contact=carl")
        modal = browser.wait_for(MODAL)
        if modal is None:
            print("the page's console and errors:", [e for e in browser.events if e.get("method") in (
                "Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")])
            print("the page:", browser.evaluate("document.documentElement.outerHTML"))
        check("Chromium shows carl's popup as a modal dialog from a page of another origin",
              modal is not None and modal["popup"] == carl_popup and modal["modal"] == "true" and
              modal["title"] == "Still thinking, ?" and "<strong>10% off</strong>" in modal["html"] and
              modal["close"], R(0, str(modal)))
        check("... with the focus on its call to action",
              modal is not None and modal["focused"] == "cta" and modal["cta"]["text"] == "Back to my cart" and
              modal["cta"]["href"] == origin + "/cart/carl", R(0, str(modal)))
        check("... and reported it seen (the seen journey logged it)",
              eventually(lambda: f"seen {carl_popup} of offer step step 1" in log_lines(root)), R(0, str(log_lines(root))))
        if modal is not None:
            browser.click(modal["cta"]["x"], modal["cta"]["y"])
        check("a real click on the call to action reaches the host as popup.clicked (the waiting journey logs it)",
              eventually(lambda: any(line.startswith(f"clicked {carl_popup} on popup, going to {origin}/cart/carl")
                                     for line in log_lines(root))), R(0, str(log_lines(root))))
        check("... and the browser follows the call to action",
              eventually(lambda: "/cart/carl" in Page.visits) and
              browser.wait_for("location.pathname === '/cart/carl'") is True, R(0, str(Page.visits)))

        browser.send("Page.navigate", {"url": origin + "/shop?contact=dana"})
        ready = browser.wait_for("document.readyState === 'complete' && !!window.Parcours && "
                                 "location.search === '?contact=dana'")
        time.sleep(1.0)  # the list has been fetched by now; an exit-intent popup must still wait
        check("an exit-intent popup is not shown while the pointer stays on the page",
              ready and browser.evaluate(MODAL) is None, R(0, str(browser.evaluate(MODAL))))
        browser.mouse("mouseMoved", 500, 300)
        browser.mouse("mouseMoved", 500, 400)
        check("... nor when the pointer moves about inside", browser.evaluate(MODAL) is None, R(0, ""))
        # The pointer leaves through the top of the window (towards the address bar).
        browser.mouse("mouseMoved", 500, 5)
        browser.mouse("mouseMoved", 500, -20)
        modal = browser.wait_for(MODAL, timeout=5)
        check("when the pointer leaves the page through the top, the exit-intent popup is shown",
              modal is not None and modal["popup"] == dana_popup and modal["title"] == "Before you go",
              R(0, str(modal)))
        check("... and reported seen", eventually(lambda: f"seen {dana_popup} of exit step step 1" in log_lines(root)),
              R(0, str(log_lines(root))))
        browser.key("Escape", "Escape")
        check("Escape closes it", browser.wait_for(f"!document.querySelector('[data-parcours-popup]')", 5) is True,
              R(0, str(browser.evaluate(MODAL))))
        check("... without recording a click", not any(line.startswith(f"clicked {dana_popup}")
                                                      for line in log_lines(root)), R(0, str(log_lines(root))))
        check("reloading the page shows nothing: both popups are seen",
              browser.send("Page.reload") is not None and
              browser.wait_for("document.readyState === 'complete' && !!window.Parcours") and
              (time.sleep(1.0) or True) and browser.evaluate("window.Parcours.popup.show()") is False and
              browser.evaluate(MODAL) is None, R(0, ""))
    finally:
        browser.close()

    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log[-2000:]))
    page_server.shutdown()

finish()
