#!/usr/bin/env python3
"""The welcome-journey benchmark of issue #5, end to end, bounded in count and time:
`POST` sign-ups (NDJSON batches over one keep-alive connection) → `wait = "1s"` → an
email over SMTP to ../shared/tools/smtp-sink.py on 127.0.0.1, through `parcours run`
with the email plugin. Prints, in one run on this machine:

  1. the baseline: the email plugin's SMTP transport alone (parcours_smtp_bench) into
     the same sink, no engine in front — messages/s;
  2. the journey: completed journeys/s (sign-ups / time from the first POST to the
     sink's last message, the 1 s wait included) and the same without the wait, the
     host's peak RSS (VmHWM), and the ratio of the journey's rate to the baseline.

Usage: tests/bench/email_journey_bench.py [BUILD_DIR ...] [--journeys N] [--batch B]
       [--concurrency C] [--connections K] [--posters P] [--rounds R] [--sink PATH]
       (default: build, 50000, 1000, 16, 8, 1, 1)

The channel has 8 SMTP connections and 16 messages in flight. The plugin drives up to
four connections on one thread, and the counting sink spends less a message the more
connections have data when it wakes: with the same code, 8 connections and 16 in flight
were ahead of 4 and 8 in 17 of 20 interleaved rounds (docs/PERFORMANCE.md, "Seventh
day"). With a thread per connection, as before, 8 were no faster than 4 ("Sixth day").

The sign-ups go over one keep-alive connection, a batch at a time; `--posters 2` posts
over two at once. That fills more of the first second (32 % of the machine idle there
instead of 43 %) but did not move the rate: after it, the run is bound by the CPU.

With two or more build folders (e.g. one of main and one of a change) each round runs
them one after the other, and the end prints each one's median: this machine is a shared
VM whose speed drifts by up to a factor of two within an hour, so only runs interleaved
in one session compare two versions. Each run also prints the host's CPU a journey over
the sink's CPU a message: the sink does the same work for every build, so this ratio
moves with the host's code far less than with the machine's speed of the minute. And
the share of the machine left idle, from /proc/stat, in the first second (only
sign-ups arrive) and after it, when timers fire and both cores should be busy: idle
there is time the pipeline waited on itself rather than on the CPU.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

here = Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("builds", nargs="*", default=["build"])
parser.add_argument("--rounds", type=int, default=1, help="runs of every build, interleaved")
parser.add_argument("--journeys", type=int, default=50000)
parser.add_argument("--batch", type=int, default=1000)
parser.add_argument("--concurrency", type=int, default=16, help="the channel's concurrency: messages in flight")
parser.add_argument("--connections", type=int, default=8, help="the email plugin's SMTP connections")
parser.add_argument("--posters", type=int, default=1,
                    help="keep-alive connections posting sign-ups at once, each one batch at a time")
parser.add_argument("--baseline-messages", type=int, default=20000)
parser.add_argument("--sink", default=str(here.parent.parent.parent / "shared/tools/smtp-sink.py"))
parser.add_argument("--timeout", type=float, default=300)
args = parser.parse_args()
builds = [Path(build).resolve() for build in args.builds]
for build in builds:
    for needed in (build / "bin/parcours", build / "tests/bench/parcours_smtp_bench", Path(args.sink)):
        if not needed.exists():
            sys.exit(f"{needed} is missing (build: ninja -C {build} parcours email parcours_smtp_bench)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(folder, name):
    port, status = free_port(), folder / (name + ".json")
    process = subprocess.Popen(["/usr/bin/python3", args.sink, "--port", str(port), "--status", str(status),
                                "--max-seconds", str(args.timeout + 60)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port, status
        except OSError:
            time.sleep(0.05)
    sys.exit("the SMTP sink did not start")


def sink_status(status):
    try:
        return json.loads(status.read_text())
    except (OSError, ValueError):
        return {"count": 0}


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_thread(pid):
    """CPU seconds of each of the process's threads, summed by thread name (the host
    names its threads: parcours-work, parcours-ingest, parcours-http, email-smtp, ...)."""
    by_name = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return by_name


def machine_times():
    """(idle, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; steal included in the total


def idle_share(samples, start, end):
    """The machine's idle share between two times, from (time, idle, total) samples."""
    inside = [sample for sample in samples if start <= sample[0] <= end]
    if len(inside) < 2 or inside[-1][2] == inside[0][2]:
        return float("nan")
    return (inside[-1][1] - inside[0][1]) / (inside[-1][2] - inside[0][2])


def load():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
print(f"machine: {os.cpu_count()} cores, {cpu}; {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
print(f"load average at the start: {load()}")

def run(build):
    """One measurement of `build`: the transport alone, then the journey. Returns its figures."""
    parcours = build / "bin/parcours"
    smtp_bench = build / "tests/bench/parcours_smtp_bench"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # --- 1. the baseline: the transport alone ----------------------------------------------
        sink, port, status = start_sink(work, "baseline")
        baseline = subprocess.run([str(smtp_bench), "--url", f"smtp://127.0.0.1:{port}", "--messages",
                                   str(args.baseline_messages), "--threads", str(args.concurrency),
                                   "--connections", str(args.connections)],
                                  capture_output=True, text=True, check=True).stdout.strip()
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        baseline_rate = float(next(part for part in baseline.split(", ") if part.endswith("messages/s")).split()[0])
        print("baseline " + baseline)

        # --- 2. the journey -------------------------------------------------------------------
        sink, port, status = start_sink(work, "journey")
        config = work / "config/clients/shop"
        (config / "journeys").mkdir(parents=True)
        (work / "config/parcours.toml").write_text('[log]\nlevel = "warn"\n')
        (config / "client.toml").write_text(
            'require_consent = false\napi_keys = ["bench-key-0123456789abcdef"]\n'
            f'[channels.email]\nplugin = "email"\nurl = "smtp://127.0.0.1:{port}"\nfrom = "Shop <hello@shop.test>"\n'
            f'starttls = "off"\nconcurrency = {args.concurrency}\nconnections = {args.connections}\n')
        (config / "journeys/welcome.toml").write_text(
            '[entry]\non = "signup"\n[[steps]]\nwait = "1s"\n[[steps]]\nsend = "email"\n'
            'subject = "Welcome, {{contact.first_name}}"\n'
            'html = "<p>Hello {{contact.first_name}}, welcome to <a href=\\"https://shop.test\\">the shop</a>.</p>"\n')
        listen = free_port()
        log = open(work / "host.log", "w")
        host = subprocess.Popen([str(parcours), "run", "--config", str(work / "config"), "--listen",
                                 f"127.0.0.1:{listen}"], cwd=work, stdout=subprocess.DEVNULL, stderr=log)
        print(f"host pid {host.pid}, sink pid {sink.pid}", flush=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

        # The sign-ups are written before the clock starts, as a load generator's fixed
        # bodies are: the harness shares the machine under test, and encoding them on the
        # way (about 4 µs of Python a sign-up) took CPU from the host it measures.
        bodies = ["\n".join(json.dumps({"type": "signup", "contact": f"c{i}", "attributes": {
            "first_name": f"C{i}", "email": f"c{i}@example.test"}}) for i in
            range(first, min(first + args.batch, args.journeys))).encode()
            for first in range(0, args.journeys, args.batch)]
        connections = [http.client.HTTPConnection("127.0.0.1", listen, timeout=60) for _ in range(args.posters)]
        for connection in connections:
            connection.connect()
        next_body = iter(bodies)
        take = threading.Lock()
        refusals = []

        def post_all(connection):
            """Posts bodies over one keep-alive connection until none is left."""
            while True:
                with take:
                    body = next(next_body, None)
                if body is None:
                    return
                connection.request("POST", "/v1/clients/shop/events", body=body, headers={
                    "Authorization": "Bearer bench-key-0123456789abcdef", "Content-Type": "application/x-ndjson"})
                answer = connection.getresponse()
                answer.read()
                if answer.status != 202:
                    refusals.append(answer.status)
                    return

        posters = [threading.Thread(target=post_all, args=(connection,)) for connection in connections]
        started = time.time()
        times = [(started, *machine_times())]
        for poster in posters:
            poster.start()
        while any(poster.is_alive() for poster in posters):
            time.sleep(0.05)
            times.append((time.time(), *machine_times()))
        if refusals:
            sys.exit(f"POST answered {refusals[0]}")
        posted = time.time()
        while sink_status(status)["count"] < args.journeys and time.time() - started < args.timeout:
            time.sleep(0.1)
            times.append((time.time(), *machine_times()))
        rss = next(int(line.split()[1]) for line in open(f"/proc/{host.pid}/status") if line.startswith("VmHWM"))
        host_cpu, sink_cpu = cpu_seconds(host.pid), cpu_seconds(sink.pid)
        threads = cpu_by_thread(host.pid)
        host.send_signal(signal.SIGTERM)
        host.wait()
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        final = sink_status(status)
        done = final["count"]
        elapsed = (final["last_ts"] or started) - started
        rate = done / elapsed if elapsed > 0 else 0
        rate_after_wait = done / max(elapsed - 1.0, 1e-9)
        print(f"journey: {done}/{args.journeys} emails received ({final.get('unique_rcpt')} distinct recipients), "
              f"sign-ups posted in {posted - started:.2f} s (batches of {args.batch}, {args.posters} connection(s)), last email {elapsed:.2f} s "
              f"after the first POST")
        print(f"journey: {rate:,.0f} completed journeys/s ({rate_after_wait:,.0f}/s without the 1 s wait); "
              f"peak RSS {rss / 1024:.1f} MB; {rate / baseline_rate:.0%} of the transport alone")
        print(f"CPU: the host {host_cpu:.1f} s ({host_cpu / max(done, 1) * 1e6:.0f} µs a journey), the sink "
              f"{sink_cpu:.1f} s ({sink_cpu / max(done, 1) * 1e6:.0f} µs a message), over {elapsed:.1f} s on "
              f"{os.cpu_count()} cores; host/sink {host_cpu / max(sink_cpu, 1e-9):.2f}")
        # After the first second both cores should be busy (docs/PERFORMANCE.md, "What bounds
        # a run"): idle there is time the pipeline waited on itself, not on the CPU.
        idle_after = idle_share(times, started + 1, final["last_ts"] or started)
        print(f"machine idle: {idle_share(times, started, started + 1):.0%} in the first second, "
              f"{idle_after:.0%} after it")
        print("CPU by thread (µs a journey): " + ", ".join(
            f"{name} {seconds / max(done, 1) * 1e6:.0f}" for name, seconds in
            sorted(threads.items(), key=lambda item: -item[1]) if seconds > 0))
        print(f"load average at the end: {load()}")
        if done < args.journeys:
            print("host log:\n" + (work / "host.log").read_text()[-3000:])
            sys.exit(1)
        return {"rate": rate, "host_us": host_cpu / done * 1e6, "sink_us": sink_cpu / done * 1e6, "rss_mb": rss / 1024,
                "idle_after": idle_after,
                "transport": baseline_rate, "host_per_sink": host_cpu / max(sink_cpu, 1e-9)}


results = {build: [] for build in builds}
for round_number in range(1, args.rounds + 1):
    for build in builds:
        if len(builds) > 1 or args.rounds > 1:
            print(f"--- round {round_number}/{args.rounds}: {build}", flush=True)
        results[build].append(run(build))
if len(builds) > 1 or args.rounds > 1:
    print(f"--- medians of {args.rounds} round(s), each round running every build in turn")
    for build, runs in results.items():
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        spread = f"{min(run['rate'] for run in runs):,.0f}–{max(run['rate'] for run in runs):,.0f}"
        print(f"{build}: {median['rate']:,.0f} completed journeys/s ({spread}), host {median['host_us']:.0f} µs and "
              f"sink {median['sink_us']:.0f} µs a journey (host/sink {median['host_per_sink']:.2f}), peak RSS "
              f"{median['rss_mb']:.1f} MB, machine idle after the first second {median['idle_after']:.0%}, transport "
              f"alone {median['transport']:,.0f} messages/s")
