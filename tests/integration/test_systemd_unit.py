#!/usr/bin/env python3
"""examples/systemd/parcours.service is a unit systemd accepts (systemd-analyze verify,
with the binary pointed at this build), and it keeps what operators rely on: a
dedicated user, restart on failure, reload by SIGHUP, validation before start, and the
sandbox with only the state folder writable."""
import os
import subprocess
import tempfile
from pathlib import Path

from cli_harness import binary, check, finish, source_dir

unit = (Path(source_dir) / "examples/systemd/parcours.service").read_text()
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "parcours.service"
    path.write_text(unit.replace("/usr/local/bin/parcours", binary))
    r = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    check("systemd-analyze verify accepts the unit, without a warning", r.returncode == 0 and r.stderr == "", r)

settings = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in unit.splitlines()
            if "=" in line and not line.startswith("#")}


class R:
    returncode, stdout, stderr = 1, unit, ""


for key, value in {"User": "parcours", "Restart": "on-failure", "ExecReload": "/bin/kill -HUP $MAINPID",
                   "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/parcours", "NoNewPrivileges": "yes",
                   "WorkingDirectory": "/var/lib/parcours", "KillSignal": "SIGTERM"}.items():
    check(f"the unit sets {key}={value}", settings.get(key) == value, R)
check("the unit validates the config before starting", "parcours validate" in settings.get("ExecStartPre", ""), R)
check("the unit runs the host", settings.get("ExecStart", "").endswith("parcours run --config /etc/parcours"), R)
finish()
