#!/usr/bin/env python3
"""The dashboard of `parcours run` (`/` and `/dashboard/{client}/{journey}`), seen by
Debian's headless Chromium: a host on a manual clock gets sign-ups, an A/B test's
visitors and orders; Chromium loads the pages with the admin token as the Basic-auth
password, and the DOM it built must hold the journey drawn as SVG (a node per step, with
its counts) and the count tables, agreeing with what happened. Also: 401 without the
token, escaped names, nothing on the page pointing outside the host, and a screenshot
saved under the build tree."""
import atexit
import base64
import json
import os
import re
import subprocess
import tempfile
import urllib.error
import urllib.request
import zlib
from html.parser import HTMLParser
from pathlib import Path

from cli_harness import check, finish
from service_harness import ADMIN, Host, R, copy_demo_config, eventually

CHROMIUM = "/usr/bin/chromium"
DEMO_KEY = "demo-key-0123456789abcdef"

# An A/B test whose name needs escaping: half get the offer now, half a day later; both
# then stay in the journey for a while, so that an order converts them.
PROMO = '''id = "promo"
name = "Spring <promo> & \\"friends\\""
[entry]
on = "promo.viewed"
[goal]
on = "order.completed"
[[steps]]
id = "pick"
split = [{ weight = 50, goto = "offer-now" }, { weight = 50, goto = "later" }]
[[steps]]
id = "offer-now"
send = "email"
subject = "Spring offer"
text = "Hello {{contact.first_name}}, 10% off this week."
[[steps]]
id = "window"
wait = "3d"
goto = "end"
[[steps]]
id = "later"
wait = "1d"
[[steps]]
id = "offer-late"
send = "email"
subject = "Spring offer, still on"
text = "Hello {{contact.first_name}}, 10% off until Sunday."
[[steps]]
wait = "2d"
'''


# --- a small DOM, enough to find elements by id and attributes and read their text -----
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def lines(self):  # the texts of an SVG node, one per <text>
        return [e.text() for e in self.all(lambda e: e.tag == "text")]

    def all(self, predicate):
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if predicate(child):
                    found.append(child)
                found.extend(child.all(predicate))
        return found

    def by_id(self, id_):
        found = self.all(lambda e: e.attrs.get("id") == id_)
        return found[0] if found else None


class Dom(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def counters(row):
    """{"entered": 3, ...} from a table row's data-counter cells."""
    out = {}
    for cell in row.all(lambda e: e.tag == "td" and "data-counter" in e.attrs):
        value = cell.text().strip()
        out[cell.attrs["data-counter"]] = int(value) if value.lstrip("-").isdigit() else value
    return out


def step_rows(dom):
    return {row.attrs["data-step"]: counters(row)
            for row in dom.root.all(lambda e: e.tag == "tr" and "data-step" in e.attrs and "data-arm" not in e.attrs)}


def arm_rows(dom):
    return {(row.attrs["data-step"], int(row.attrs["data-arm"])): counters(row)
            for row in dom.root.all(lambda e: e.tag == "tr" and "data-arm" in e.attrs)}


def note(lines, name):
    """The number after `name` in an SVG node's lines ("entered 3", "queued 1 · delivered 1")."""
    for line in lines:
        found = re.search(r"\b" + name + r" (\d+)", line)
        if found:
            return int(found.group(1))
    return None


# --- HTTP and Chromium ------------------------------------------------------------------
def get(url, password=None, user="ops"):
    request = urllib.request.Request(url)
    if password is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def chromium(profile, *args):
    home = profile / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"))
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", "--user-data-dir=" + str(profile / "chromium"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def with_credentials(url, password):
    return url.replace("http://", "http://ops:" + password + "@", 1)


def external_urls(html, own):
    return sorted({u for u in re.findall(r"(?i)https?://[^\s\"'<>)]+", html) if not u.lower().startswith(own.lower())})


def png_facts(path):
    """(width, height, distinct byte values of the image data): a blank page has few."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    idat, at = b"", 8
    while at < len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def make_root(tmp):
    root = Path(tmp)
    copy_demo_config(root)
    (root / "config/clients/demo/journeys/promo.toml").write_text(PROMO)
    return root


def visitor(i):
    return {"type": "promo.viewed", "contact": f"v{i}",
            "attributes": {"first_name": f"V{i}", "email": f"v{i}@example.test", "consent": {"email": True}}}


def outbox(root):
    path = root / "var/outbox/demo-email.jsonl"
    return path.read_text().splitlines() if path.exists() else []


if not os.access(CHROMIUM, os.X_OK):
    check("Debian's chromium is installed (scripts/install-deps installs it)", False, R(0, CHROMIUM + " is missing"))
    finish()

build_dir = Path(os.environ.get("PARCOURS_BUILD_DIR", "."))
shots = build_dir / "tests" / "dashboard"
shots.mkdir(parents=True, exist_ok=True)

with tempfile.TemporaryDirectory() as tmp:
    root = make_root(tmp)
    host = Host(root, ["--clock", "manual", "--now", "2026-11-23T10:00:00Z"])
    # A check that raises must not leave the host running after the test.
    atexit.register(lambda: host.process.poll() is None and host.process.kill())
    profile = root / "browser"

    # --- what happens: three sign-ups (one without consent), 16 visitors of the A/B test,
    # 5 of whom order ----
    for name in ("ann", "bob", "cid"):
        status, body, _ = host.events({"type": "contact.signed_up", "contact": name, "attributes": {
            "first_name": name.title(), "email": name + "@example.test", "consent": {"email": name != "cid"}}})
        check("a sign-up is accepted", status == 202, R(status, body))
    status, body, _ = host.events([visitor(i) for i in range(16)])
    check("16 visitors enter the A/B test", status == 202 and '"accepted":16' in body, R(status, body))
    status, body, _ = host.events([{"type": "order.completed", "contact": f"v{i}"} for i in range(5)])
    check("five of them order (their goal)", status == 202, R(status, body))

    def sent():  # every message queued so far has been decided, and those sent delivered
        status, html, _ = get(host.url + "/dashboard/demo/promo", password=ADMIN)
        rows = step_rows(Dom(html)) if status == 200 else {}
        return rows and all(row["queued"] == row["sent"] + row["suppressed"] and row["sent"] == row["delivered"]
                            for row in rows.values() if "queued" in row)
    check("the welcome emails and the offers of arm 1 go out", eventually(sent) and len(outbox(root)) >= 3,
          R(0, "\n".join(outbox(root))))

    # --- access ------------------------------------------------------------------------------
    status, body, headers = get(host.url + "/")
    check("without credentials the dashboard is 401 with a Basic challenge",
          status == 401 and headers.get("WWW-Authenticate") == 'Basic realm="parcours"', R(status, body))
    status, body, headers = get(host.url + "/dashboard/demo/promo", password="wrong")
    check("a wrong password is 401 too", status == 401 and "Welcome series" not in body, R(status, body))
    status, body, _ = get(host.url + "/dashboard/demo/promo", password=ADMIN[:-1])
    check("... and so is the admin token cut short", status == 401, R(status, body))
    status, body, headers = get(host.url + "/", password=ADMIN, user="anyone")
    check("the admin token as the password opens it, whatever the user name",
          status == 200 and headers.get("Content-Type", "").startswith("text/html") and "Welcome series" in body,
          R(status, body))
    check("the page tells the browser to load nothing from anywhere",
          "default-src 'none'" in headers.get("Content-Security-Policy", ""), R(status, str(headers)))
    status, body, _ = get(host.url + "/dashboard/demo/nope", password=ADMIN)
    check("an unknown journey is 404", status == 404 and "nope" in body, R(status, body))
    status, body, _ = get(host.url + "/dashboard/nobody/promo", password=ADMIN)
    check("an unknown client is 404", status == 404, R(status, body))
    status, body, _ = host.request("GET", "/v1/nothing-here")
    check("other unknown paths keep the API's JSON 404", status == 404 and '"not_found"' in body, R(status, body))

    # --- the journey page, as Chromium builds it --------------------------------------------
    page_url = host.url + "/dashboard/demo/promo"
    status, served, _ = get(page_url, password=ADMIN)
    check("the journey page is served", status == 200, R(status, served))
    result = chromium(profile, "--dump-dom", with_credentials(page_url, ADMIN))
    dom_text = result.stdout
    check("Chromium loads the journey page with the token in the URL",
          result.returncode == 0 and "<svg" in dom_text, result)
    dom = Dom(dom_text)

    svg = dom.root.all(lambda e: e.tag == "svg")
    check("the journey is drawn as one inline SVG", len(svg) == 1, R(0, dom_text[:2000]))
    for step in ("pick", "offer-now", "later", "offer-late"):
        node = dom.root.by_id("step-" + step)
        check(f"the drawing has a node for step {step}, labelled with its id",
              node is not None and node.attrs.get("class") == "node" and step in node.lines(), R(0, dom_text[:3000]))
    for end in ("entry", "goal", "end"):
        check(f"... and one for the journey's {end}", dom.root.by_id("journey-" + end) is not None, R(0, ""))

    steps = step_rows(dom)
    arms = arm_rows(dom)
    took = {arm: arms.get(("pick", arm), {}).get("entered") for arm in (1, 2)}
    converted = {arm: arms.get(("pick", arm), {}).get("converted") for arm in (1, 2)}
    check("the split's arms share the 16 visitors between them, both taken",
          None not in took.values() and took[1] + took[2] == 16 and min(took.values()) > 0, R(0, str(arms)))
    check("each arm counts the conversions of those who took it: 5 in all",
          None not in converted.values() and converted[1] + converted[2] == 5, R(0, str(arms)))
    check("an arm's conversion rate is converted / took",
          arms.get(("pick", 1), {}).get("rate") == f"{100 * converted[1] / took[1]:.1f}%", R(0, str(arms)))
    check("the step table: everyone entered the split, arm 1 the offer now, arm 2 waits a day",
          steps.get("pick", {}).get("entered") == 16 and steps.get("offer-now", {}).get("entered") == took[1] and
          steps.get("later", {}).get("entered") == took[2] and
          steps.get("later", {}).get("waiting") == took[2] - converted[2] and
          steps.get("window", {}).get("waiting") == took[1] - converted[1], R(0, str(steps)))
    offer_now = steps.get("offer-now", {})
    check("the sends of arm 1 are queued, sent and delivered, none failed or suppressed",
          offer_now.get("queued") == took[1] and offer_now.get("sent") == took[1] and
          offer_now.get("delivered") == took[1] and offer_now.get("failed") == 0 and
          offer_now.get("suppressed") == 0 and offer_now.get("suppressed:consent") == 0 and
          offer_now.get("suppressed:pressure") == 0, R(0, str(steps)))
    now_lines = dom.root.by_id("step-offer-now").lines() if dom.root.by_id("step-offer-now") else []
    later_lines = dom.root.by_id("step-later").lines() if dom.root.by_id("step-later") else []
    check("the drawing writes the same counts in the steps' boxes",
          note(now_lines, "entered") == took[1] and note(now_lines, "queued") == took[1] and
          note(now_lines, "sent") == took[1] and note(now_lines, "delivered") == took[1] and
          note(now_lines, "failed") == 0 and note(now_lines, "suppressed") == 0 and
          note(later_lines, "waiting") == took[2] - converted[2], R(0, str(now_lines + later_lines)))
    goal_lines = dom.root.by_id("journey-goal").lines() if dom.root.by_id("journey-goal") else []
    check("the goal's node counts the conversions", note(goal_lines, "converted") == 5, R(0, str(goal_lines)))
    cards = {name: (dom.root.by_id("count-" + name).text() if dom.root.by_id("count-" + name) else "")
             for name in ("enrolled", "active", "converted")}
    check("the headline counts: 16 enrolled, 5 converted, 11 still in the journey",
          cards["enrolled"].startswith("16") and cards["converted"].startswith("5") and
          cards["active"].startswith("11"), R(0, str(cards)))
    status, body, _ = host.request("GET", "/v1/clients/demo/journeys", token=DEMO_KEY)
    api = {j["id"]: j["counts"] for j in json.loads(body)} if status == 200 else {}
    check("... which is what the journeys API says",
          api.get("promo", {}).get("enrolled") == 16 and api["promo"].get("active") == 11, R(status, body))

    title = dom.root.all(lambda e: e.tag == "h1")
    check("a name with markup in it is shown as text, in the page and in the drawing",
          title and title[0].text().startswith('Spring <promo> & "friends"') and
          not dom.root.all(lambda e: e.tag == "promo") and "&lt;promo&gt;" in served and
          any("<promo>" in line for line in svg[0].lines()) if svg else False, R(0, served[:3000]))
    check("no script, no stylesheet or image to fetch",
          "<script" not in served.lower() and "<link" not in served.lower() and " src=" not in served.lower(),
          R(0, served[:3000]))
    check("nothing on the page names a URL outside the host (served HTML and Chromium's DOM)",
          external_urls(served, host.url) == [] and external_urls(dom_text, host.url) == [],
          R(0, str(external_urls(served, host.url) + external_urls(dom_text, host.url))))

    # --- a day later: arm 2's offer ----------------------------------------------------------
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": "1d"}, ADMIN)
    check("a day passes on the manual clock", status == 200, R(status, body))
    status, served, _ = get(page_url, password=ADMIN)
    steps = step_rows(Dom(served))
    check("then nobody waits at `later`, and arm 2's visitors who did not order get the late offer",
          steps.get("later", {}).get("waiting") == 0 and
          steps.get("offer-late", {}).get("entered") == took[2] - converted[2], R(0, str(steps)))

    # --- the overview -------------------------------------------------------------------
    status, overview, _ = get(host.url + "/", password=ADMIN)
    rows = {row.attrs["data-journey"]: counters(row)
            for row in Dom(overview).root.all(lambda e: e.tag == "tr" and "data-journey" in e.attrs)}
    check("the overview lists the client's journeys with their headline counts",
          rows.get("welcome", {}).get("enrolled") == 3 and rows.get("welcome", {}).get("active") == 3 and
          rows.get("promo", {}).get("enrolled") == 16 and rows.get("promo", {}).get("converted") == 5 and
          rows.get("abandoned-cart", {}).get("enrolled") == 0, R(0, str(rows)))
    check("... each linking to its page", 'href="/dashboard/demo/promo"' in overview, R(0, overview[:2000]))
    result = chromium(profile, "--dump-dom", with_credentials(host.url + "/dashboard/demo/welcome", ADMIN))
    welcome = step_rows(Dom(result.stdout))
    check("the welcome journey: three emails queued, two sent and delivered, the third suppressed for want "
          "of consent; all three waiting at the unnamed second step",
          welcome.get("welcome-1", {}) == {"entered": 3, "queued": 3, "sent": 2, "delivered": 2, "failed": 0,
                                           "suppressed": 1, "suppressed:consent": 1, "suppressed:pressure": 0,
                                           "opened": 0, "clicked": 0} and
          welcome.get("step 2", {}).get("waiting") == 3 and Dom(result.stdout).root.by_id("step-step-2") is not None,
          R(0, str(welcome)))
    welcome_lines = Dom(result.stdout).root.by_id("step-welcome-1").lines() \
        if Dom(result.stdout).root.by_id("step-welcome-1") else []
    check("... and its box in the drawing says the same",
          (note(welcome_lines, "queued"), note(welcome_lines, "sent"), note(welcome_lines, "delivered"),
           note(welcome_lines, "suppressed")) == (3, 2, 2, 1), R(0, str(welcome_lines)))
    status, body, _ = host.request("GET", "/v1/clients/demo/journeys/welcome", token=DEMO_KEY)
    api_step = {s["step"]: s for s in json.loads(body)["steps"]}.get("welcome-1", {}) if status == 200 else {}
    check("... and so does GET /v1/clients/demo/journeys/welcome",
          (api_step.get("queued"), api_step.get("sent"), api_step.get("delivered"), api_step.get("suppressed"),
           api_step.get("suppressed_by")) == (3, 2, 2, 1, {"consent": 1, "pressure": 0}), R(status, body))

    # --- screenshots ----------------------------------------------------------------------------
    for name, url in (("journey", page_url), ("overview", host.url + "/")):
        shot = shots / (name + ".png")
        if shot.exists():
            shot.unlink()
        result = chromium(profile, "--screenshot=" + str(shot), "--window-size=1280,900",
                          with_credentials(url, ADMIN))
        facts = png_facts(shot) if shot.exists() else None
        print(f"screenshot of the {name} page: {shot}")
        check(f"Chromium saves a 1280×900 screenshot of the {name} page with something drawn on it",
              result.returncode == 0 and facts is not None and facts[:2] == (1280, 900) and facts[2] > 50 and
              shot.stat().st_size > 20_000, result)

    code, log = host.stop()
    check("the host stops cleanly, and Graphviz had nothing to complain about",
          code == 0 and "graphviz" not in log, R(code, log[-3000:]))

finish()
