#!/usr/bin/env python3
"""An integrator's plugin, built out of tree against the *installed* SDK, loads into
the *installed* host beside the host's own plugins, and a non-plugin .so dropped in
the same folder is reported by name, with why, without failing the command.

Steps: `cmake --install` the build into a temporary prefix; configure and build
examples/custom-channel against it (CMAKE_PREFIX_PATH=<prefix>, Ninja); drop the
resulting .so and a non-plugin .so into a folder; point a config's
`[plugins] paths` at it; run <prefix>/bin/parcours plugins list / inspect. Running
the installed binary proves that it finds its own plugins (the `file` plugin in
<prefix>/lib/parcours/plugins) from its own location.

Environment (set by parcours_add_integration_test): PARCOURS_BUILD_DIR,
PARCOURS_SOURCE_DIR, PARCOURS_TEST_PLUGIN_DIR. PARCOURS_KEEP_TMP=1 keeps the
temporary folder for a post-mortem.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run(command, expect_code=0, **kwargs):
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if expect_code is not None and result.returncode != expect_code:
        fail("exit code {} (expected {}) from {}\n--- stdout\n{}\n--- stderr\n{}".format(
            result.returncode, expect_code, " ".join(command), result.stdout, result.stderr))
    return result


def require_env(name):
    value = os.environ.get(name)
    if not value:
        fail(name + " is not set: run this test through ctest")
    return value


def non_plugin_library():
    """A real shared library that is not a Parcours plugin: libz, else a fixture."""
    for pattern in ("/usr/lib/*/libz.so.1", "/lib/*/libz.so.1", "/usr/lib/libz.so.1"):
        for path in sorted(glob.glob(pattern)):
            return os.path.realpath(path), "libz.so"
    fixture = os.path.join(require_env("PARCOURS_TEST_PLUGIN_DIR"), "not-a-plugin", "not-a-plugin.so")
    if os.path.isfile(fixture):
        return fixture, "not-a-plugin.so"
    fail("found neither libz.so.1 nor the not-a-plugin fixture")


def main():
    build_dir = require_env("PARCOURS_BUILD_DIR")
    source_dir = require_env("PARCOURS_SOURCE_DIR")
    tmp = tempfile.mkdtemp(prefix="parcours-out-of-tree-")
    try:
        check(build_dir, source_dir, tmp)
    finally:
        if os.environ.get("PARCOURS_KEEP_TMP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("OK: out-of-tree plugin built against the installed SDK and listed by the installed host")


def check(build_dir, source_dir, tmp):
    prefix = os.path.join(tmp, "prefix")
    run(["cmake", "--install", build_dir, "--prefix", prefix])
    for path in ("bin/parcours", "include/parcours/plugin.h", "include/parcours/sdk.hpp",
                 "lib/cmake/ParcoursSDK/ParcoursSDKConfig.cmake",
                 "lib/cmake/ParcoursSDK/ParcoursSDKConfigVersion.cmake",
                 "lib/parcours/plugins/parcours-file.so"):
        if not os.path.exists(os.path.join(prefix, path)):
            fail("the install has no " + path)
    parcours = os.path.join(prefix, "bin", "parcours")

    # Out of tree: a clean environment must not see the Parcours build tree.
    example_build = os.path.join(tmp, "example-build")
    run(["cmake", "-S", os.path.join(source_dir, "examples", "custom-channel"), "-B", example_build,
         "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", example_build, "-j2"])
    plugin = os.path.join(example_build, "parcours-console.so")
    if not os.path.isfile(plugin):
        fail("the example did not produce " + plugin)

    drop = os.path.join(tmp, "drop-in")
    os.makedirs(drop)
    shutil.copy(plugin, drop)
    library, library_name = non_plugin_library()
    shutil.copy(library, os.path.join(drop, library_name))

    config = os.path.join(tmp, "config")
    os.makedirs(config)
    with open(os.path.join(config, "parcours.toml"), "w") as out:
        out.write('[plugins]\npaths = [{}]\n'.format(json.dumps(drop)))

    # The text listing.
    listing = run([parcours, "plugins", "list", "--config", config], cwd=tmp).stdout
    print(listing)
    rows = {line.split()[0]: line.split() for line in listing.splitlines() if line.strip()}
    if "console" not in rows:
        fail("the example plugin 'console' is not listed:\n" + listing)
    # Built against this tree's SDK: the ABI the host speaks (`parcours version` says it).
    abi = re.search(r"plugin ABI (\d+\.\d+)", subprocess.run([parcours, "version"], capture_output=True,
                                                            text=True).stdout).group(1)
    if rows["console"][1:4] != ["channel", "1.0.0", abi]:
        fail("console is listed as {} (expected kind channel, version 1.0.0, ABI {})".format(rows["console"], abi))
    if "file" not in rows:
        fail("the installed host's own 'file' plugin is not listed:\n" + listing)
    refused_line = "{}: not a Parcours plugin: it does not export parcours_plugin_entry".format(
        os.path.join(drop, library_name))
    if refused_line not in listing.splitlines():
        fail("the non-plugin library is not reported as '{}':\n{}".format(refused_line, listing))

    # The JSON listing says where each plugin came from.
    listed = json.loads(run([parcours, "plugins", "list", "--config", config, "--format", "json"]).stdout)
    files = {p["id"]: p["file"] for p in listed["plugins"]}
    if os.path.dirname(files.get("console", "")) != drop:
        fail("console should come from {}: {}".format(drop, files))
    builtin = os.path.join(prefix, "lib", "parcours", "plugins")
    if os.path.normpath(os.path.dirname(files.get("file", ""))) != builtin:
        fail("file should come from the install's own folder {}: {}".format(builtin, files))
    if [r["file"] for r in listed["refused"]] != [os.path.join(drop, library_name)]:
        fail("refused should be exactly the non-plugin library: {}".format(listed["refused"]))

    # inspect, by id and by path, reads the declaration without creating anything.
    for target in ("console", plugin):
        shown = run([parcours, "plugins", "inspect", target, "--config", config]).stdout
        for expected in ("Prints each message as one line", "max_text", "int", "200", '"[console]"', "duration",
                         "params:", "tag"):
            if expected not in shown:
                fail("inspect {} does not show {!r}:\n{}".format(target, expected, shown))

    missing = run([parcours, "plugins", "inspect", "consol", "--config", config], expect_code=1)
    if "did you mean 'console'" not in missing.stderr:
        fail("inspect of an unknown id should suggest 'console':\n" + missing.stderr)


if __name__ == "__main__":
    main()
