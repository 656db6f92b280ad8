"""The data-source plugins (csv, sql, http-json) through the real `parcours` binary:
`plugins list` finds them as sources, `plugins inspect` lists every setting each
declares (the one table their READMEs copy), and `--format json` gives the same
declaration to tools. `parcours validate` on bad [sources.x] tables is covered by the
validate_cases folders source-settings-refused and sources-valid."""
import json
import os
import re

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

finish()
