"""`parcours validate` on every folder of validate_cases/ (Telegraf-style data-driven
cases): each holds a config/ directory, the exact stderr expected (expected_stderr)
and optionally the exit code (expected_exit, default 1). Each case runs in a copy of
its folder, so a case can never change the source tree, and with an environment
where PARCOURS_TEST_UNSET_VARIABLE is unset.

Set PARCOURS_UPDATE_EXPECTED=1 to write the current output as the expectation
(then read every changed line before committing it).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

binary = os.environ["PARCOURS_BIN"]
cases_dir = Path(__file__).parent / "validate_cases"
plugin_dir = os.environ.get("PARCOURS_TEST_PLUGIN_DIR", "")
update = os.environ.get("PARCOURS_UPDATE_EXPECTED") == "1"

failures = []
count = 0
for case in sorted(p for p in cases_dir.iterdir() if p.is_dir()):
    count += 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / case.name
        shutil.copytree(case, work)
        # Cases that load test plugins name their folder as @TEST_PLUGIN_DIR@.
        for toml in work.rglob("*.toml"):
            text = toml.read_text()
            if "@TEST_PLUGIN_DIR@" in text:
                toml.write_text(text.replace("@TEST_PLUGIN_DIR@", plugin_dir))
        env = {k: v for k, v in os.environ.items() if k not in ("PARCOURS_TEST_UNSET_VARIABLE", "PARCOURS_CONFIG")}
        result = subprocess.run([binary, "validate", "--config", "config"], cwd=work, env=env,
                                capture_output=True, text=True, timeout=60)
        # Paths of the build tree differ between machines; expectations name them symbolically.
        stderr = result.stderr.replace(plugin_dir, "@TEST_PLUGIN_DIR@") if plugin_dir else result.stderr
        expected_exit = int((case / "expected_exit").read_text()) if (case / "expected_exit").exists() else 1
        expected_file = case / "expected_stderr"
        if update:
            expected_file.write_text(stderr)
        expected = expected_file.read_text() if expected_file.exists() else "<no expected_stderr file>"
        problems = []
        if result.returncode != expected_exit:
            problems.append(f"exit code {result.returncode}, expected {expected_exit}")
        if stderr != expected:
            problems.append("stderr differs:\n--- expected\n" + expected + "--- got\n" + stderr)
        if expected_exit == 0 and "is valid" not in result.stdout:
            problems.append("stdout does not say the config is valid: " + result.stdout)
        status = "ok" if not problems else "FAIL"
        print(f"{status}: {case.name}")
        if problems:
            failures.append((case.name, problems))

for name, problems in failures:
    print(f"\n== {name}")
    for problem in problems:
        print(problem)
print(f"\n{count - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures or count == 0 else 0)
