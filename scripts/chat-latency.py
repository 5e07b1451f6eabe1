#!/usr/bin/env python3
"""Measures a chat's end-to-end latency: a line typed into one client until another prints it.

Usage: scripts/chat-latency.py BIN_DIR PREFIX [LINES]

Starts PREFIX-server and two PREFIX-clients (alice types, bob reads) in a throwaway room
under the temporary directory, types LINES lines (default 200) into alice at random
moments (an idle room: 20 to 120 ms apart, so that bob is idle too), and prints the
median, 99th percentile and worst delay until bob printed each one. The server is stopped
with SIGINT at the end, so it removes its IPC objects. Step 4 polls, so this shows the
cost of its poll interval; step 7 measures the same with futex wake-ups.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def wait_for(stream, text, limit):
    """Reads lines from `stream` until one contains `text`; fails after `limit` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        line = stream.readline()
        if not line:
            raise RuntimeError(f"stream ended before {text!r}")
        if text in line:
            return time.monotonic()
    raise RuntimeError(f"{text!r} did not appear within {limit} s")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    bin_dir, prefix = sys.argv[1], sys.argv[2]
    lines = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    server_bin = os.path.join(bin_dir, f"{prefix}-server")
    client_bin = os.path.join(bin_dir, f"{prefix}-client")
    rng = random.Random(4)
    with tempfile.TemporaryDirectory(prefix="ipc-course-latency-") as room:
        server = subprocess.Popen(
            [server_bin, "--room", room], stderr=subprocess.PIPE, text=True
        )
        clients = []
        try:
            wait_for(server.stderr, "serving room", 10)
            bob = subprocess.Popen(
                [client_bin, "--room", room, "--name", "bob"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, bufsize=1,
            )
            clients.append(bob)
            wait_for(bob.stdout, "* bob joined", 10)
            alice = subprocess.Popen(
                [client_bin, "--room", room, "--name", "alice"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                text=True, bufsize=1,
            )
            clients.append(alice)
            wait_for(bob.stdout, "* alice joined", 10)
            delays = []
            for i in range(lines):
                time.sleep(rng.uniform(0.02, 0.12))
                typed = time.monotonic()
                alice.stdin.write(f"ping {i}\n")
                alice.stdin.flush()
                seen = wait_for(bob.stdout, f"<alice> ping {i}", 10)
                delays.append((seen - typed) * 1000)
            delays.sort()
            print(
                f"{prefix}: {lines} lines typed into one client, printed by another: "
                f"p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms, "
                f"max {delays[-1]:.1f} ms"
            )
        finally:
            for client in clients:
                client.kill()
                client.wait()
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
