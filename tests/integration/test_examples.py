"""`parcours simulate` on every scenario of examples/ (one folder each: config/,
events.ndjson, expected-timeline.ndjson). The timeline must match line for line:
each line is one action (enter, send, wait, branch, ..., suppressed) with its time,
so a change in timing, order, content or suppression shows as a diff here.

PARCOURS_UPDATE_EXPECTED=1 writes the current timelines as the expectations (then
read every changed line before committing them).
"""
import difflib
import os
import subprocess
import sys
from pathlib import Path

binary = os.environ["PARCOURS_BIN"]
examples = Path(os.environ["PARCOURS_SOURCE_DIR"]) / "examples"
update = os.environ.get("PARCOURS_UPDATE_EXPECTED") == "1"

failures = []
count = 0
for example in sorted(p for p in examples.iterdir() if (p / "events.ndjson").exists()):
    count += 1
    clients = sorted(p.name for p in (example / "config" / "clients").iterdir() if p.is_dir())
    if len(clients) != 1:
        failures.append((example.name, [f"expected one client in config/clients, found {clients}"]))
        continue
    command = [binary, "simulate", "--config", str(example / "config"), "--client", clients[0],
               "--events", str(example / "events.ndjson"), "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    expected_file = example / "expected-timeline.ndjson"
    if update and result.returncode == 0:
        expected_file.write_text(result.stdout)
    expected = expected_file.read_text() if expected_file.exists() else ""
    problems = []
    if result.returncode != 0:
        problems.append(f"exit code {result.returncode}: {result.stderr}")
    if result.stdout != expected:
        diff = difflib.unified_diff(expected.splitlines(), result.stdout.splitlines(), "expected", "got", lineterm="")
        problems.append("timeline differs:\n" + "\n".join(diff))
    print(("ok: " if not problems else "FAIL: ") + example.name)
    if problems:
        failures.append((example.name, problems))

for name, problems in failures:
    print(f"\n== {name}")
    for problem in problems:
        print(problem)
print(f"\n{count - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures or count == 0 else 0)
