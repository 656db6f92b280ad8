"""Shared by the integration tests that run `parcours run`: start the host on a config
folder with an admin token and a free port, talk HTTP to it, stop it with a signal."""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from cli_harness import binary, source_dir

ADMIN = "admin-token-for-tests"


class Host:
    def __init__(self, root, extra=()):
        self.root = root
        self.log = open(root / "host.log", "a+")
        self.log.seek(0, os.SEEK_END)
        start = self.log.tell()  # this run's lines only: the log is shared by restarts
        env = dict(os.environ, PARCOURS_ADMIN_TOKEN=ADMIN)
        env.pop("PARCOURS_CONFIG", None)
        self.process = subprocess.Popen(
            [binary, "run", "--config", str(root / "config"), "--listen", "127.0.0.1:0", *extra],
            cwd=root, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        # A check that raises must not leave a host running after the test.
        atexit.register(lambda: self.process.poll() is None and self.process.kill())
        self.url = None
        deadline = time.time() + 20
        while time.time() < deadline and self.url is None and self.process.poll() is None:
            self.log.seek(start)
            found = re.search(r"listening on (http://[\d.:]+)", self.log.read())
            self.url = found.group(1) if found else None
            time.sleep(0.05)
        if self.url is None:
            self.log.seek(0)
            raise RuntimeError("the host did not start: " + self.log.read())

    def request(self, method, path, body=None, token=None, content_type="application/json", raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if data is not None:
            request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def events(self, body, token="demo-key-0123456789abcdef", client="demo", **kwargs):
        return self.request("POST", "/v1/clients/" + client + "/events", body, token, **kwargs)

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.log.seek(0)
            raise RuntimeError("the host did not stop within 30 s of the signal; its log:\n" + self.log.read())
        self.log.seek(0)
        return code, self.log.read()


def copy_demo_config(root):
    """The shipped config/ as root/config, with the demo's email channel — the email
    plugin writing .eml files — pointed at the `file` recorder instead: these tests read
    what the host sent as JSON lines. (test_email_channel.py runs the demo as shipped.)"""
    from pathlib import Path
    shutil.copytree(Path(source_dir) / "config", root / "config")
    client = root / "config/clients/demo/client.toml"
    text = client.read_text()
    start = text.index("[channels.email]")
    end = text.index("\n[", start + 1)
    client.write_text(text[:start] + '[channels.email]\nplugin = "file"\npath = "var/outbox/demo-email.jsonl"\n' +
                      text[end:])


def free_port():
    """A TCP port nobody listens on now, for a server a test starts (SMTP, a stand-in)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class R:  # what check() prints on failure
    def __init__(self, status, body):
        self.returncode, self.stdout, self.stderr = status, body, ""


def eventually(predicate, timeout=15):
    """Messages are sent by the host's work thread, just after the request that queued
    them: wait for the outcome rather than assume a timing."""
    deadline = time.time() + timeout
    while not predicate() and time.time() < deadline:
        time.sleep(0.05)
    return predicate()


