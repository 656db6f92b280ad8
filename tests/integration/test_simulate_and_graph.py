#!/usr/bin/env python3
"""`parcours simulate` and `parcours graph` (CLI.md) on the real binary: their output
formats, and every refusal — bad options, an unknown client or journey, events that
are not valid — with a clear message and the right exit code."""
import json
import os
import re
import subprocess
import tempfile

from cli_harness import check, run, source_dir, finish

media = os.path.join(source_dir, "examples", "media", "config")
shop = os.path.join(source_dir, "examples", "e-commerce", "config")
events = os.path.join(source_dir, "examples", "media", "events.ndjson")

# --- simulate -------------------------------------------------------------------
r = run(["simulate", "--config", media, "--client", "newsroom", "--events", events, "--format", "json"])
lines = [json.loads(line) for line in r.stdout.splitlines()] if r.returncode == 0 else []
check("simulate --format json prints one object a line with CLI.md's fields",
      lines and all(set(line) >= {"time", "contact", "journey", "step", "action", "detail"} for line in lines) and
      all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line["time"]) for line in lines), r)
check("simulate's timeline is in time order", [l["time"] for l in lines] == sorted(l["time"] for l in lines), r)
check("a repeated event id is processed once",
      sum(1 for l in lines if l["action"] == "enter" and l["contact"] == "ann") == 1, r)

r = run(["simulate", "--config", media, "--client", "newsroom", "--events", events, "--until", "1d"])
check("--until bounds the simulation",
      r.returncode == 0 and re.search(r"^2026-11-02T", r.stdout, re.M) and
      not re.search(r"^2026-11-0[3-9]T", r.stdout, re.M), r)

r = run(["simulate", "--config", media, "--client", "newsrom", "--events", events])
check("an unknown client is exit 1 with a suggestion",
      r.returncode == 1 and "no client 'newsrom' (did you mean 'newsroom'?)" in r.stderr, r)

r = run(["simulate", "--config", media, "--events", events])
check("simulate without --client is a usage error", r.returncode == 2 and "client" in r.stderr, r)

r = run(["simulate", "--config", media, "--client", "newsroom", "--events", events, "--format", "yaml"])
check("an unknown --format is a usage error", r.returncode == 2 and "text or json" in r.stderr, r)

r = run(["simulate", "--config", media, "--client", "newsroom", "--events", events, "--until", "3 days"])
check("a bad --until is a usage error that says why", r.returncode == 2 and "--until" in r.stderr, r)

r = run(["simulate", "--config", media, "--client", "newsroom", "--events", "/nonexistent/events.ndjson"])
check("a missing events file is exit 1 naming it", r.returncode == 1 and "/nonexistent/events.ndjson" in r.stderr, r)

bad_events = {
    "no type": ('{"id":"1","contact":"ann"}', "'type' is missing"),
    "no contact": ('{"id":"1","type":"x"}', "'contact' is missing"),
    "a time that does not parse": ('{"type":"x","contact":"a","time":"yesterday"}', "'time' must be an RFC 3339 time"),
    "attributes not an object": ('{"type":"x","contact":"a","attributes":[1]}', "'attributes' must be an object"),
    "properties not an object": ('{"type":"x","contact":"a","properties":"p"}', "'properties' must be an object"),
    "a line that is not JSON": ('{"type":', "not a JSON object"),
    "an unknown field": ('{"type":"x","contact":"a","propertes":{}}', "unknown field 'propertes'"),
}
with tempfile.TemporaryDirectory() as tmp:
    for name, (line, message) in bad_events.items():
        path = os.path.join(tmp, "events.ndjson")
        with open(path, "w") as f:
            f.write('{"type":"newsletter.subscribed","contact":"ok"}\n' + line + "\n")
        r = run(["simulate", "--config", media, "--client", "newsroom", "--events", path])
        check("an event with " + name + " is refused with file:line and nothing runs",
              r.returncode == 1 and (path + ":2: ") in r.stderr and message in r.stderr and r.stdout == "", r)
    empty = os.path.join(tmp, "empty.ndjson")
    open(empty, "w").close()
    r = run(["simulate", "--config", media, "--client", "newsroom", "--events", empty])
    check("an events file with no event is exit 1", r.returncode == 1 and "holds no event" in r.stderr, r)

# --- graph ----------------------------------------------------------------------
r = run(["graph", "--config", shop, "--client", "shop", "--journey", "abandoned-cart"])
check("graph prints Mermaid by default, with every step and labelled edges",
      r.returncode == 0 and "flowchart TD" in r.stdout and "wait for order.completed" in r.stdout and
      '-->|"timeout"|' in r.stdout and '-->|"order.completed"|' in r.stdout and
      "goal: order.completed" in r.stdout and r.stdout.count("send ") >= 3, r)

r = run(["graph", "--config", shop, "--client", "shop", "--journey", "abandoned-cart", "--format", "dot"])
check("graph --format dot prints a Graphviz digraph",
      r.returncode == 0 and r.stdout.startswith('digraph "abandoned-cart" {') and r.stdout.rstrip().endswith("}") and
      "shape=diamond" in r.stdout and 'label="contact.consent.sms and exists(contact.phone)"' in r.stdout, r)

# Graphviz itself reads every example journey's DOT (scripts/install-deps installs it).
for example in sorted(os.listdir(os.path.join(source_dir, "examples"))):
    config = os.path.join(source_dir, "examples", example, "config")
    if not os.path.isdir(os.path.join(config, "clients")):
        continue
    for client in os.listdir(os.path.join(config, "clients")):
        for journey in os.listdir(os.path.join(config, "clients", client, "journeys")):
            r = run(["graph", "--config", config, "--client", client, "--journey", journey[:-5], "--format", "dot"])
            rendered = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True)
            check("Graphviz renders {}/{} without a complaint".format(example, journey),
                  r.returncode == 0 and rendered.returncode == 0 and rendered.stderr == "" and
                  "<svg" in rendered.stdout, rendered if r.returncode == 0 else r)
            r = run(["graph", "--config", config, "--client", client, "--journey", journey[:-5]])
            check("the Mermaid of {}/{} never uses `end` as a node id".format(example, journey),
                  r.returncode == 0 and not re.search(r"^\s*end\b|--> end\b|\| end\b", r.stdout, re.M), r)

r = run(["graph", "--config", shop, "--client", "shop", "--journey", "abandonned-cart"])
check("an unknown journey is exit 1 with a suggestion",
      r.returncode == 1 and "did you mean 'abandoned-cart'?" in r.stderr, r)

r = run(["graph", "--config", shop, "--client", "shop", "--journey", "abandoned-cart", "--format", "png"])
check("an unknown graph format is a usage error", r.returncode == 2 and "mermaid or dot" in r.stderr, r)

finish()
