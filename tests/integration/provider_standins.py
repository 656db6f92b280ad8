"""Stand-ins of the providers' HTTP APIs, shaped as their public documentation describes
them, for the channel tests (test_sms_channel.py, test_facebook_ads_channel.py) and the
examples run live (test_examples_live.py). Each serves on 127.0.0.1, port 0, on its own
threads, and keeps what it received."""
import base64
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"\+[1-9]\d{1,14}")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def send_json(handler, status, body, headers=None, content_type="application/json; charset=utf-8"):
    """Answers the request `handler` holds with `body` as JSON."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def twilio_error(code, message, status):
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class TwilioStandIn:
    """Twilio's Messages resource as its documentation describes it. `script` holds the
    answers to give to the next requests instead of the normal one: "21211", "429",
    "500" or "hang"."""

    def __init__(self, account, token, hang_seconds=4):
        self.account, self.token, self.hang_seconds = account, token, hang_seconds
        self.requests = []
        self.script = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=None):
                send_json(self, status, body, headers)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                found = re.fullmatch(r"/2010-04-01/Accounts/(AC\w+)/Messages\.json", self.path)
                if not found:
                    return self.reply(404, twilio_error(20404, f"The requested resource {self.path} was not found",
                                                        404))
                user, _, password = "", "", ""
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
                with gateway.lock:
                    gateway.requests.append({"path": self.path, "user": user, "password": password, "form": form,
                                             "content_type": self.headers.get("Content-Type", ""),
                                             "accept": self.headers.get("Accept", "")})
                    answer = gateway.script.pop(0) if gateway.script else None
                if user != found.group(1) or password != gateway.token:
                    return self.reply(401, twilio_error(20003, "Authenticate", 401),
                                      {"WWW-Authenticate": 'Basic realm="Twilio API"'})
                if answer == "hang":
                    time.sleep(gateway.hang_seconds)
                    return  # no answer at all: the connection just closes
                if answer == "429":
                    return self.reply(429, twilio_error(20429, "Too Many Requests", 429), {"Retry-After": "120"})
                if answer == "500":
                    return self.reply(500, twilio_error(20500, "Internal Server Error", 500))
                to = form.get("To", "")
                if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    return self.reply(400, twilio_error(20001, "Content-Type must be form-encoded", 400))
                if not to:
                    return self.reply(400, twilio_error(21604, "A 'To' phone number is required.", 400))
                if not form.get("From"):
                    return self.reply(400, twilio_error(21603, "A 'From' phone number is required.", 400))
                if not form.get("Body"):
                    return self.reply(400, twilio_error(21602, "Message body is required.", 400))
                if answer == "21211" or not E164.fullmatch(to):
                    return self.reply(400, twilio_error(21211, f"The 'To' number {to} is not a valid phone number.",
                                                        400))
                sid = "SM" + secrets.token_hex(16)
                with gateway.lock:
                    gateway.requests[-1]["sid"] = sid
                now = formatdate(usegmt=True).replace("GMT", "+0000")
                self.reply(201, {
                    "sid": sid, "account_sid": found.group(1), "to": to, "from": form["From"], "body": form["Body"],
                    "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                    "num_segments": "1", "num_media": "0", "price": None, "price_unit": "USD",
                    "error_code": None, "error_message": None, "date_created": now, "date_updated": now,
                    "date_sent": None, "messaging_service_sid": None,
                    "uri": f"/2010-04-01/Accounts/{found.group(1)}/Messages/{sid}.json"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01/Accounts/{account}/Messages.json"

    def received(self):
        with self.lock:
            return list(self.requests)


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def graph_error(code, message, subcode=None, error_type="OAuthException"):
    error = {"message": message, "type": error_type, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class GraphStandIn:
    """The two Graph API edges the channel uses, and the errors Meta documents. Scenarios
    by audience id: 2002 answers 190 (the token expired), 3003 a rate limit (17, then
    80003 with X-Business-Use-Case-Usage) before accepting, 4004 hangs, and an audience
    it does not know answers 100/33."""

    def __init__(self, token, audiences=("1001", "2002", "3003", "4004"), pixel="5550001"):
        self.token, self.audiences, self.pixel = token, set(audiences), pixel
        self.lock = threading.Lock()
        self.requests = []  # (method, path, params)
        self.refusals = []  # why a request broke the documented shape
        self.rate_limited = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                stand_in.handle(self)

            def do_DELETE(self):
                stand_in.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/v19.0" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def calls(self, method=None, path=None):
        with self.lock:
            return [r for r in self.requests if (method is None or r[0] == method) and (path is None or r[1] == path)]

    def handle(self, request):
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode()
        path, _, query = request.path.partition("?")
        # Graph reads parameters from the query string or the form body.
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body).items()})
        with self.lock:
            self.requests.append((request.command, path, params))

        def answer(status, payload, headers=None):
            send_json(request, status, payload, headers, "application/json")

        if "access_token" in query:
            self.refusals.append("the access token travelled in the URL")
        if params.get("access_token") != self.token:
            return answer(400, graph_error(190, "Invalid OAuth access token - Cannot parse access token"))
        match = re.fullmatch(r"/v19\.0/(\d+)/(users|events)", path)
        if not match:
            return answer(400, graph_error(100, "Unknown path components: " + path, error_type="GraphMethodException"))
        node, edge = match.groups()
        if edge == "events":
            return self.events(node, params, answer)
        if request.command not in ("POST", "DELETE"):
            return answer(400, graph_error(100, "Unsupported method"))
        if node == "4004":
            time.sleep(6)  # longer than the channel's timeout
            return answer(200, {})
        if node not in self.audiences:
            return answer(400, graph_error(
                100, "Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing "
                     "permissions, or does not support this operation." % node, 33, "GraphMethodException"))
        if node == "2002":
            return answer(400, graph_error(190, "Error validating access token: Session has expired on Sunday, "
                                                "22-Nov-26 10:00:00 PST.", 463))
        if node == "3003":
            with self.lock:
                self.rate_limited += 1
                attempt = self.rate_limited
            if attempt == 1:
                return answer(400, graph_error(17, "User request limit reached", 2446079))
            if attempt == 2:
                usage = {"1234": [{"type": "custom_audience", "call_count": 100, "total_cputime": 10,
                                   "total_time": 12, "estimated_time_to_regain_access": 20}]}
                return answer(400, graph_error(80003, "There have been too many calls to this ad-account. Wait a "
                                                      "bit and try again.", 2446079),
                              {"X-Business-Use-Case-Usage": json.dumps(usage)})
        try:
            payload = json.loads(params["payload"])
            schema, data = payload["schema"], payload["data"]
        except (KeyError, ValueError, TypeError):
            self.refusals.append("no JSON payload with schema and data")
            return answer(400, graph_error(100, "(#100) The parameter payload is required"))
        if not schema or any(s not in ("EMAIL", "PHONE") for s in schema) or len(set(schema)) != len(schema):
            self.refusals.append("schema %r" % schema)
            return answer(400, graph_error(100, "Invalid parameter: schema"))
        if not 1 <= len(data) <= 10000:
            self.refusals.append("%d rows" % len(data))
            return answer(400, graph_error(100, "Invalid parameter: too many users"))
        for row in data:
            if len(row) != len(schema) or not any(row) or any(v and not HEX64.match(v) for v in row):
                self.refusals.append("row %r" % row)
                return answer(400, graph_error(100, "Invalid parameter: data"))
        return answer(200, {"audience_id": node, "session_id": str(7000 + len(self.requests)),
                            "num_received": len(data), "num_invalid_entries": 0, "invalid_entry_samples": {}})

    def events(self, pixel, params, answer):
        if pixel != self.pixel:
            return answer(400, graph_error(100, "Object with ID '%s' does not exist" % pixel, 33, "GraphMethodException"))
        try:
            events = json.loads(params["data"])
        except (KeyError, ValueError):
            return answer(400, graph_error(100, "(#100) The parameter data is required"))
        for event in events:
            user_data = event.get("user_data", {})
            hashes = user_data.get("em", []) + user_data.get("ph", [])
            if (not event.get("event_name") or not isinstance(event.get("event_time"), int) or
                    event.get("action_source") != "system_generated" or not hashes or
                    not all(HEX64.match(h) for h in hashes)):
                self.refusals.append("event %r" % event)
                return answer(400, graph_error(100, "Invalid parameter: event"))
        return answer(200, {"events_received": len(events), "messages": [], "fbtrace_id": "AqNrRq4RKmx"})
