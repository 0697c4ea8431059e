#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for systemd's side of sd_notify(3), for hosts without systemd
as PID 1 (build and CI machines).

It binds the AF_UNIX datagram socket that NOTIFY_SOCKET names and judges the
messages as systemd would for a unit with Type=notify, NotifyAccess=main and
WatchdogSec=WATCHDOG_USEC:

- only datagrams whose sender (SCM_CREDENTIALS) is the main PID count
  (NotifyAccess=main); others are counted as refused;
- the watchdog is armed by READY=1 ("the watchdog is activated when the
  start-up is completed", systemd.service(5)); each WATCHDOG=1 re-arms it
  for WATCHDOG_USEC; when WATCHDOG_USEC passes without one, the watchdog has
  fired: systemd would now send WatchdogSignal= and restart the service.
  The stand-in records the expiry (and keeps listening, so that a test sees
  the pings resume); STOPPING=1 disarms it;
- STATUS= lines are kept in order.

Every message and event goes to --events as one JSON line the moment it
happens; --on-ready runs a command the moment READY=1 arrives (a sender of
media, to show that READY=1 means forwarding works); the summary (JSON) goes
to --summary when the main PID exits, --duration passes, or SIGTERM.

usage: notify_standin.py --socket PATH --watchdog-usec N --main-pid-file F
                         [--duration S] [--events F] [--summary F]
                         [--on-ready CMD]
"""

import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

SCM_CREDENTIALS = getattr(socket, "SCM_CREDENTIALS", 2)
SO_PASSCRED = getattr(socket, "SO_PASSCRED", 16)
CRED = struct.Struct("iII")  # struct ucred: pid, uid, gid


def parse_message(data):
    """KEY=VALUE lines, as sd_notify sends them (a value may hold '=')."""
    fields = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        key, sep, value = line.partition("=")
        fields[key] = value if sep else None
    return fields


class StandIn:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.wall0 = time.time()
        self.main_pid = None
        self.events = open(args.events, "a") if args.events else None
        self.ready_at = None
        self.stopping_at = None
        self.deadline = None  # monotonic time the watchdog fires, None: not armed
        self.last_ping = None
        self.pings = []
        self.expiries = []
        self.statuses = []
        self.refused = 0
        self.messages = 0
        self.on_ready_pid = None
        self.main_exited_at = None

    def now(self):
        return time.monotonic() - self.t0

    def emit(self, **event):
        event["t"] = round(self.now(), 6)
        event["wall"] = round(self.wall0 + event["t"], 6)
        if self.events:
            self.events.write(json.dumps(event) + "\n")
            self.events.flush()

    def read_main_pid(self):
        if self.main_pid is None and self.args.main_pid_file:
            try:
                with open(self.args.main_pid_file) as f:
                    text = f.read().strip()
                if text:
                    self.main_pid = int(text)
            except (OSError, ValueError):
                pass
        return self.main_pid

    def main_alive(self):
        pid = self.read_main_pid()
        if pid is None:
            return True  # not started yet
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state not in ("Z", "X")
        except (OSError, IndexError):
            return False

    def handle(self, data, pid):
        main = self.read_main_pid()
        if main is not None and pid != main:
            self.refused += 1
            self.emit(event="refused", pid=pid, text=data.decode("utf-8", "replace"))
            return
        self.messages += 1
        fields = parse_message(data)
        self.emit(event="message", pid=pid, fields=fields)
        t = self.now()
        if "STATUS" in fields:
            self.statuses.append({"t": round(t, 6), "status": fields["STATUS"]})
        if fields.get("READY") == "1" and self.ready_at is None:
            self.ready_at = t
            if self.args.watchdog_usec > 0:
                self.deadline = t + self.args.watchdog_usec / 1e6
            if self.args.on_ready:
                p = subprocess.Popen(self.args.on_ready, shell=True, stdin=subprocess.DEVNULL)
                self.on_ready_pid = p.pid
                self.emit(event="on_ready_started", pid=p.pid)
        if fields.get("WATCHDOG") == "1":
            self.pings.append(round(t, 6))
            self.last_ping = t
            if self.ready_at is not None and self.stopping_at is None and self.args.watchdog_usec > 0:
                self.deadline = t + self.args.watchdog_usec / 1e6
        if fields.get("STOPPING") == "1" and self.stopping_at is None:
            self.stopping_at = t
            self.deadline = None

    def check_watchdog(self):
        t = self.now()
        if self.deadline is not None and t >= self.deadline:
            since = t - (self.last_ping if self.last_ping is not None else self.ready_at)
            self.expiries.append({"t": round(t, 6), "wall": round(self.wall0 + t, 6),
                                  "since_last_ping": round(since, 6)})
            self.emit(event="watchdog_expired", since_last_ping=round(since, 6))
            # systemd would kill and restart here; the stand-in re-arms only
            # on the next WATCHDOG=1.
            self.deadline = None

    def summary(self):
        gaps = [round(b - a, 6) for a, b in zip(self.pings, self.pings[1:])]
        return {
            "main_pid": self.main_pid,
            "messages": self.messages,
            "refused": self.refused,
            "ready_at": self.ready_at,
            "wall0": self.wall0,
            "pings": self.pings,
            "max_ping_gap": max(gaps) if gaps else None,
            "expiries": self.expiries,
            "statuses": self.statuses,
            "stopping_at": self.stopping_at,
            "main_exited_at": self.main_exited_at,
            "watchdog_usec": self.args.watchdog_usec,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--watchdog-usec", type=int, default=0)
    ap.add_argument("--main-pid-file", help="file that will hold the service's main PID")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds at most")
    ap.add_argument("--events")
    ap.add_argument("--summary")
    ap.add_argument("--on-ready", help="shell command to start the moment READY=1 arrives")
    args = ap.parse_args()

    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
    sock.bind(args.socket)
    sock.settimeout(0.01)
    stand_in = StandIn(args)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    stand_in.emit(event="listening", socket=args.socket)
    deadline = time.monotonic() + args.duration
    try:
        while not stop and time.monotonic() < deadline:
            try:
                data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(CRED.size))
            except socket.timeout:
                data = None
            if data is not None:
                pid = None
                for level, kind, cdata in anc:
                    if level == socket.SOL_SOCKET and kind == SCM_CREDENTIALS:
                        pid = CRED.unpack(cdata[:CRED.size])[0]
                stand_in.handle(data, pid)
            stand_in.check_watchdog()
            if stand_in.main_exited_at is None and not stand_in.main_alive():
                stand_in.main_exited_at = round(stand_in.now(), 6)
                stand_in.emit(event="main_exited")
                # What it sent just before exiting is still queued: read it.
                deadline = min(deadline, time.monotonic() + 0.2)
    finally:
        sock.close()
        try:
            os.unlink(args.socket)
        except OSError:
            pass
    s = stand_in.summary()
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(s, f)
    else:
        json.dump(s, sys.stdout)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
