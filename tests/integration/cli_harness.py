"""Shared by the integration tests that run the `parcours` binary: run it with a
controlled environment, record named checks, and exit with the result."""
import os
import subprocess
import sys

binary = os.environ["PARCOURS_BIN"]
source_dir = os.environ["PARCOURS_SOURCE_DIR"]
failures = []
passed = 0


def run(args, cwd=None, env_extra=None, drop_env=("PARCOURS_CONFIG",), timeout=60):
    env = {k: v for k, v in os.environ.items() if k not in drop_env}
    env.update(env_extra or {})
    return subprocess.run([binary] + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def check(name, condition, result):
    global passed
    if condition:
        passed += 1
        print("ok: " + name)
    else:
        failures.append(name)
        print("FAIL: {}\n  exit {}\n  stdout: {}\n  stderr: {}".format(name, result.returncode, result.stdout,
                                                                      result.stderr))


def finish():
    print("\n{} passed, {} failed".format(passed, len(failures)))
    sys.exit(1 if failures else 0)
