#!/usr/bin/env python3
"""The issue's fault test "a slow client holding a connection", on the real binary with
the HTTP limits of parcours.toml's [server] table set short: a client that connects and
sends nothing is closed after idle_timeout; a client trickling a request byte by byte is
cut off request_timeout after its first byte — although it never pauses as long as
idle_timeout — and meanwhile other clients are served as usual. Also: max_body and
max_header from the config."""
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

from cli_harness import check, finish, source_dir
from service_harness import Host, R

IDLE, REQUEST = 1.0, 4.0  # seconds, as set below
LIMITS = 'idle_timeout = "1s"\nrequest_timeout = "4s"\nmax_body = "2KiB"\nmax_header = "2KiB"\n'
KEY = "demo-key-0123456789abcdef"


def make_root(tmp):
    root = Path(tmp)
    shutil.copytree(Path(source_dir) / "config", root / "config")
    toml = root / "config/parcours.toml"
    toml.write_text(toml.read_text().replace("[server]\n", "[server]\n" + LIMITS, 1))
    return root


def closed_by_server(sock, deadline):
    """Seconds until the server closes `sock` (reads return nothing or fail), or None."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < deadline:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - started
    return None


with tempfile.TemporaryDirectory() as tmp:
    root = make_root(tmp)
    host = Host(root, ["--clock", "manual", "--now", "2026-11-23T10:00:00Z"])
    port = int(host.url.rsplit(":", 1)[1])

    # --- idle: connects, sends nothing ----------------------------------------------
    idle = socket.create_connection(("127.0.0.1", port))
    after = closed_by_server(idle, 20)
    check(f"a client that sends nothing is closed after idle_timeout ({IDLE:.0f} s), not request_timeout",
          after is not None and IDLE * 0.9 <= after < REQUEST - 0.5, R(0, f"closed after {after}"))
    idle.close()

    # --- keep-alive: one request answered, then nothing -----------------------------------
    kept = socket.create_connection(("127.0.0.1", port))
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    kept.settimeout(10)
    answer = kept.recv(4096)
    after = closed_by_server(kept, 20)
    check("a keep-alive connection is answered, then closed after idle_timeout without a new request",
          answer.startswith(b"HTTP/1.1 200") and after is not None and after < REQUEST - 0.5,
          R(0, f"{answer[:40]!r}, closed after {after}"))
    kept.close()

    # --- a trickle: a byte every 0.2 s, far more often than idle_timeout ----------------
    body = b'{"type":"page.viewed","contact":"slow"}'
    request = (b"POST /v1/clients/demo/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() +
               b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" +
               body)
    trickle = {"cut_after": None, "sent": 0, "answer": b""}

    def trickler():
        sock = socket.create_connection(("127.0.0.1", port))
        started = time.monotonic()
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                trickle["sent"] += 1
                time.sleep(0.2)
                sock.setblocking(False)
                try:
                    data = sock.recv(4096)
                    trickle["answer"] += data
                    if data == b"" or data.startswith(b"HTTP/1.1 408"):
                        trickle["cut_after"] = time.monotonic() - started
                        return
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
        except OSError:
            trickle["cut_after"] = time.monotonic() - started
        finally:
            sock.close()

    thread = threading.Thread(target=trickler)
    thread.start()
    # Meanwhile, the others: a keep-alive connection and fresh ones, each answered.
    served, slowest = 0, 0.0
    other = socket.create_connection(("127.0.0.1", port))
    other.settimeout(10)
    while thread.is_alive() and served < 400:
        started = time.monotonic()
        other.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = other.recv(4096)
        status, _, _ = host.request("GET", "/healthz")
        slowest = max(slowest, time.monotonic() - started)
        if reply.startswith(b"HTTP/1.1 200") and status == 200:
            served += 1
        time.sleep(0.05)
    other.close()
    thread.join(timeout=60)
    check("a client trickling its request byte by byte is cut off request_timeout after its first byte",
          trickle["cut_after"] is not None and REQUEST * 0.9 <= trickle["cut_after"] < REQUEST + 6 and
          trickle["sent"] < len(request), R(0, str(trickle)))
    check("... its request is not taken: nothing of it was stored",
          host.request("GET", "/v1/clients/demo/contacts/slow", token=KEY)[0] == 404, R(0, ""))
    check("meanwhile other clients are served (keep-alive and new connections), none held up until it is cut",
          served >= 5 and slowest < REQUEST, R(0, f"{served} served, slowest pair {slowest:.2f} s"))

    # --- the size limits come from the config too ---------------------------------------
    status, body_text, _ = host.events(None, raw=b"[" + b" " * 2048 + b"]")
    check("max_body = \"2KiB\": a larger body is 413", status == 413 and "body_too_large" in body_text,
          R(status, body_text))
    status, body_text, _ = host.events([{"type": "page.viewed", "contact": "ann"}])
    check("... a smaller one is taken", status == 202, R(status, body_text))
    status, body_text, _ = host.request("GET", "/healthz", headers={"X-Padding": "x" * 3000})
    check("max_header = \"2KiB\": larger headers are 431", status == 431, R(status, body_text))

    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log[-2000:]))

finish()
