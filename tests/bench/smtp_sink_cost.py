#!/usr/bin/env python3
"""What one message costs the shared counting sink (../shared/tools/smtp-sink.py), in
CPU, depending on how the client talks: one command per round trip as libcurl does
(MAIL, RCPT, DATA, the data: four exchanges a message), with RFC 2920 PIPELINING
(MAIL+RCPT+DATA in one write, then the data: two), or streamed (the data and the next
message's envelope in one write: one). The welcome-journey benchmark runs
the sink on the same 2 cores as the host, so its cost per message bounds what the whole
pipeline can reach: at C µs a message, the sink alone needs C/1e6 of a core per
message/s. Raw sockets on 127.0.0.1, one connection, bounded in count.

Then the same streamed messages over several connections at once, each answered as
soon as its replies are in (one epoll loop, as a sender would): the more connections
have data ready when the sink wakes, the fewer of its wake-ups a message costs.

Usage: tests/bench/smtp_sink_cost.py [--messages N] [--sink PATH] [--connections 1,4,8]
"""
import argparse
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

here = Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("--messages", type=int, default=20000)
parser.add_argument("--sink", default=str(here.parent.parent.parent / "shared/tools/smtp-sink.py"))
parser.add_argument("--connections", default="1,4,8",
                    help="streamed over this many connections at once (comma-separated counts)")
args = parser.parse_args()

BODY = (b"From: <hello@bench.test>\r\nTo: <ann@example.test>\r\nSubject: Welcome\r\n\r\n" + b"x" * 600 + b"\r\n.\r\n")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.replies(1)  # greeting
        self.sock.sendall(b"EHLO bench\r\n")
        self.replies(1)

    def replies(self, count):
        """Reads `count` complete replies (multi-line ones count once)."""
        got = 0
        while got < count:
            while b"\r\n" not in self.buffer:
                self.buffer += self.sock.recv(65536)
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            if line[3:4] != b"-":
                got += 1

    def one_by_one(self, i):
        for command in (b"MAIL FROM:<hello@bench.test>\r\n", b"RCPT TO:<c%d@example.test>\r\n" % i, b"DATA\r\n"):
            self.sock.sendall(command)
            self.replies(1)
        self.sock.sendall(BODY)
        self.replies(1)

    def pipelined(self, i):
        self.sock.sendall(b"MAIL FROM:<hello@bench.test>\r\nRCPT TO:<c%d@example.test>\r\nDATA\r\n" % i)
        self.replies(3)
        self.sock.sendall(BODY)
        self.replies(1)

    def streamed(self, i):
        """RFC 2920 also lets the data open the next group: one write and one read a message."""
        envelope = b"MAIL FROM:<hello@bench.test>\r\nRCPT TO:<c%d@example.test>\r\nDATA\r\n"
        if i == 0:
            self.sock.sendall(envelope % i)
            self.replies(3)
        last = i + 1 == args.messages
        self.sock.sendall(BODY + (b"" if last else envelope % (i + 1)))
        self.replies(1 if last else 4)


def start_sink():
    port = 20000 + os.getpid() % 20000
    status = Path(f"/tmp/smtp-sink-cost-{os.getpid()}.json")
    sink = subprocess.Popen(["/usr/bin/python3", args.sink, "--port", str(port), "--status", str(status),
                             "--max-seconds", "300"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            return sink, status, Client(port), port
        except OSError:
            time.sleep(0.05)
    sink.terminate()
    sys.exit("the sink did not start")


def stop_sink(sink, status):
    sink.terminate()
    sink.wait()
    status.unlink(missing_ok=True)


def measure(mode):
    sink, status, client, _ = start_sink()
    try:
        before, started = cpu_seconds(sink.pid), time.time()
        for i in range(args.messages):
            getattr(client, mode)(i)
        elapsed, spent = time.time() - started, cpu_seconds(sink.pid) - before
        print(f"{mode:10}: {args.messages} messages in {elapsed:.2f} s ({args.messages / elapsed:,.0f}/s on one "
              f"connection); the sink spent {spent:.2f} s of CPU: {spent / args.messages * 1e6:.0f} µs a message, "
              f"so at most {args.messages / spent:,.0f} messages/s per core of sink")
    finally:
        stop_sink(sink, status)


def measure_connections(count):
    """Streamed messages over `count` connections, each sent its next message as soon as
    its four replies are in."""
    sink, status, first, port = start_sink()
    try:
        clients = [first] + [Client(port) for _ in range(count - 1)]
        envelope = b"MAIL FROM:<hello@bench.test>\r\nRCPT TO:<c%d@example.test>\r\nDATA\r\n"
        for number, client in enumerate(clients):
            client.sock.sendall(envelope % number)
            client.replies(3)
        by_fd = {client.sock.fileno(): client for client in clients}
        waiting = {client.sock.fileno(): 0 for client in clients}  # replies seen of the four
        poll = select.epoll()
        for fd in by_fd:
            poll.register(fd, select.EPOLLIN)
        per_connection = args.messages // count
        sent = {fd: 1 for fd in by_fd}
        before, started = cpu_seconds(sink.pid), time.time()
        for fd, client in by_fd.items():
            client.sock.sendall(BODY + envelope % fd)
        answered = 0
        while answered < per_connection * count:
            for fd, _ in poll.poll():
                client = by_fd[fd]
                client.buffer += client.sock.recv(65536)
                waiting[fd] += client.buffer.count(b"\r\n")
                client.buffer = client.buffer[client.buffer.rfind(b"\r\n") + 2:]
                if waiting[fd] < 4:
                    continue
                waiting[fd] -= 4
                answered += 1
                if sent[fd] < per_connection:
                    sent[fd] += 1
                    client.sock.sendall(BODY + envelope % answered)
        elapsed, spent = time.time() - started, cpu_seconds(sink.pid) - before
        messages = per_connection * count
        print(f"streamed over {count} connection(s): {messages / elapsed:,.0f} messages/s; the sink spent "
              f"{spent / messages * 1e6:.0f} µs a message")
        poll.close()
    finally:
        stop_sink(sink, status)


print(f"machine: {os.cpu_count()} cores; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
measure("one_by_one")
measure("pipelined")
measure("streamed")
for count in (int(part) for part in args.connections.split(",")):
    measure_connections(count)
