"""The data-source plugins (csv, sql, http-json) through the real `parcours` binary:
`plugins list` finds them as sources, `plugins inspect` lists every setting each
declares (the one table their READMEs copy), `--format json` gives the same
declaration to tools, and under `parcours simulate` a journey branches on and renders
`data.<source>.*` from a CSV file and a SQLite query from the very first event. `parcours validate` on bad [sources.x] tables is covered by the
validate_cases folders source-settings-refused and sources-valid."""
import json
import os
import re
import sqlite3
import tempfile
from pathlib import Path

from cli_harness import check, finish, run

declared = {
    "csv": ["path", "key", "refresh", "delimiter"],
    "sql": ["url", "query", "key", "refresh", "timeout"],
    "http-json": ["url", "headers", "rows", "key", "refresh", "timeout"],
}
readme_dir = {"csv": "csv", "sql": "sql", "http-json": "http-json"}

r = run(["plugins", "list"])
for plugin in declared:
    check(f"plugins list shows {plugin} as a source",
          r.returncode == 0 and re.search(rf"^{re.escape(plugin)}\s+source\s", r.stdout, re.M), r)

for plugin, names in declared.items():
    r = run(["plugins", "inspect", plugin])
    check(f"plugins inspect {plugin} lists every setting",
          r.returncode == 0 and all(re.search(rf"^\s*{name}\b", r.stdout, re.M) for name in names), r)
    r = run(["plugins", "inspect", plugin, "--format", "json"])
    try:
        descriptor = json.loads(r.stdout)
    except ValueError:
        descriptor = {}
    settings = {s.get("name"): s for s in descriptor.get("settings", [])}
    check(f"plugins inspect {plugin} --format json declares the settings in order, kind source",
          r.returncode == 0 and list(settings) == names and descriptor.get("kind") == "source", r)
    check(f"{plugin}: key is required", settings.get("key", {}).get("required") is True, r)

    # The README's settings table is the declaration: same names, same order.
    readme = open(os.path.join(os.environ["PARCOURS_SOURCE_DIR"], "plugins", readme_dir[plugin], "README.md")).read()
    table = re.findall(r"^\| `([a-z_]+)` \| (\w+) \| (yes|no) \|", readme, re.M)
    check(f"{plugin}/README.md lists the declared settings with their types",
          [name for name, _, _ in table] == names and
          all(settings[name]["type"] == kind and settings[name]["required"] == (req == "yes")
              for name, kind, req in table if name in settings), r)

r = run(["plugins", "inspect", "sql", "--format", "json"])
check("sql's url is a secret", any(s["name"] == "url" and s["type"] == "secret"
                                   for s in json.loads(r.stdout or "{}").get("settings", [])), r)

# End to end: a journey reads data.bookings (csv) and data.crm (sql on SQLite) in a
# branch and in a subject; a contact no source knows takes the default path.
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    client = root / "config" / "clients" / "acme"
    (client / "journeys").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "config" / "parcours.toml").write_text('[store]\nurl = "sqlite://var/e2e.db"\n')
    (client / "client.toml").write_text("""name = "Acme"
timezone = "Europe/Paris"
require_consent = false

[channels.email]
plugin = "file"
path = "out/email.jsonl"

[sources.bookings]
plugin = "csv"
path = "data/bookings.csv"
key = "contact"

[sources.crm]
plugin = "sql"
url = "sqlite://data/crm.db"
query = "SELECT id, tier FROM customers"
key = "id"
""")
    (client / "journeys" / "stay.toml").write_text("""id = "stay"
[entry]
on = "booking.confirmed"

[[steps]]
branch = [{ when = "data.bookings.nights >= 7", goto = "long" }, { goto = "short" }]

[[steps]]
id = "long"
send = "email"
subject = "{{data.bookings.nights}} nights in {{data.bookings.city}}, {{data.crm.tier}}"
text = "long"
goto = "end"

[[steps]]
id = "short"
send = "email"
subject = "short stay, zip {{data.bookings.zip}}"
text = "short"
""")
    (root / "data" / "bookings.csv").write_text('contact,nights,city,zip\nann,9,"Nice, FR",06000\nbob,2,Lyon,06100\n')
    db = sqlite3.connect(root / "data" / "crm.db")
    db.executescript("CREATE TABLE customers (id TEXT, tier TEXT); INSERT INTO customers VALUES ('ann', 'gold');")
    db.commit()
    db.close()
    events = root / "events.ndjson"
    events.write_text("".join(json.dumps({"id": f"e-{c}", "type": "booking.confirmed", "contact": c,
                                          "time": "2026-11-10T05:00:00Z", "attributes": {"email": f"{c}@x.test"}}) + "\n"
                              for c in ("ann", "bob", "cy")))
    r = run(["simulate", "--config", "config", "--client", "acme", "--events", str(events), "--format", "json"],
            cwd=tmp)
    sends = {}
    for line in r.stdout.splitlines():
        entry = json.loads(line)
        if entry.get("action") == "send" or entry.get("kind") == "send":
            sends[entry.get("contact")] = json.dumps(entry)
    check("simulate: data.bookings and data.crm decide the branch and fill the subject from the first event",
          r.returncode == 0 and "9 nights in Nice, FR, gold" in sends.get("ann", ""), r)
    check("simulate: a code like 06100 stays text, leading zero included",
          "short stay, zip 06100" in sends.get("bob", ""), r)
    check("simulate: a contact no source knows takes the default branch, with empty data",
          "short stay, zip " in sends.get("cy", "") and "zip 0" not in sends.get("cy", ""), r)

finish()
