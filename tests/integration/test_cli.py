#!/usr/bin/env python3
"""The `parcours` command's contract (CLI.md): help lists only commands that work,
exit codes are 0 / 1 (the user's input is wrong) / 2 (usage), --config falls back to
$PARCOURS_CONFIG then ./config, and the demo config in config/ is valid.
"""
import os
import re
import shutil
import tempfile

from cli_harness import check, run, source_dir, finish

r = run(["version"])
check("version prints the version and the plugin ABI",
      r.returncode == 0 and re.fullmatch(r"parcours \d+\.\d+\.\d+ \(plugin ABI 1\.\d+\)\n", r.stdout), r)

r = run(["--help"])
commands = re.findall(r"^  (\w+)", r.stdout, re.M)
check("--help lists exactly the commands that work", r.returncode == 0 and
      sorted(set(commands)) == ["graph", "plugins", "run", "simulate", "validate", "version"], r)

r = run([])
check("no command is a usage error (exit 2)", r.returncode == 2 and "Usage:" in r.stderr, r)

r = run(["validat"])
check("an unknown command is exit 2 with a suggestion",
      r.returncode == 2 and "unknown command 'validat' (did you mean 'validate'?)" in r.stderr, r)

r = run(["validate", "--frobnicate"])
check("an unknown option is exit 2", r.returncode == 2 and "frobnicate" in r.stderr, r)

for command in (["validate"], ["plugins", "list"], ["plugins", "inspect"], ["simulate"], ["graph"], ["run"]):
    r = run(command + ["--help"])
    check(" ".join(command) + " --help exits 0 with its usage", r.returncode == 0 and "Usage: parcours" in r.stdout, r)

demo = os.path.join(source_dir, "config")
r = run(["validate", "--config", demo], cwd=tempfile.gettempdir())
check("the demo config is valid", r.returncode == 0 and "is valid: 1 client, 2 journeys" in r.stdout and
      r.stderr == "", r)

with tempfile.TemporaryDirectory() as tmp:
    # --config falls back to $PARCOURS_CONFIG, then to ./config.
    r = run(["validate"], cwd=tmp, env_extra={"PARCOURS_CONFIG": demo}, drop_env=())
    check("$PARCOURS_CONFIG is the default config", r.returncode == 0 and demo in r.stdout, r)
    shutil.copytree(demo, os.path.join(tmp, "config"))
    r = run(["validate"], cwd=tmp)
    check("./config is the default after that", r.returncode == 0 and "config config is valid" in r.stdout, r)
    r = run(["validate", "--config", os.path.join(tmp, "nowhere")])
    check("a folder without parcours.toml is exit 1 with what to do",
          r.returncode == 1 and "no parcours.toml here" in r.stderr and "--config DIR" in r.stderr, r)
    r = run(["validate", "--config", os.path.join(tmp, "config")], cwd=tmp)
    check("validate creates nothing (plugins are created but must not act)",
          r.returncode == 0 and not os.path.exists(os.path.join(tmp, "var")), r)

r = run(["plugins", "list", "--config", demo])
check("plugins list shows the file plugin", r.returncode == 0 and re.search(r"^file\s+channel\s", r.stdout, re.M), r)

r = run(["plugins", "inspect", "fil", "--config", demo])
check("plugins inspect of an unknown id is exit 1 with a suggestion",
      r.returncode == 1 and "did you mean 'file'" in r.stderr, r)

finish()
