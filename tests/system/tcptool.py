#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP traffic generator and checker for the rtpproxy system tests (TCP sessions).

Standard library only. Three sub-commands:

  server  listen on an endpoint and accept up to N connections, each served
          by its own thread: read everything until EOF while sending --send
          bytes, then half-close (or hold, or reset, as asked); verify and
          hash what arrived; print a JSON summary of every connection.
  client  open N connections (at most --parallel at a time), each sending
          --send bytes, half-closing, and reading until EOF while it sends;
          verify and hash what comes back; print a JSON summary with each
          connection and the aggregate MB/s and connections per second.
  probe   connect once and wait: was the connection refused, reset, closed,
          left open, did it time out?

Both directions carry a pattern that depends only on the byte offset i in
the connection's stream, so any prefix of it can be verified:

  client -> server   byte i = (i * 131 + 1) & 0xff
  server -> client   byte i = (i * 131 + 7) & 0xff

Each connection ends in one of: "eof" (both directions closed in order),
"reset" (the peer reset it: ECONNRESET, or EPIPE or ENOTCONN after one), "reset_sent"
(this side reset it, --reset-after), "refused" (ECONNREFUSED), "timeout"
(--timeout, or ETIMEDOUT) or "error" (another errno, named in "errno").

Endpoints are written "203.0.113.1:20000" or "[2001:db8:a::1]:20002".
MB is 10^6 bytes. Every loop is bounded by a count and by a time limit.
"""

import argparse
import errno
import fcntl
import hashlib
import json
import os
import resource
import select
import socket
import struct
import sys
import threading
import time

# The endpoint syntax is rtptool's: one parser for both tools.
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from rtptool import format_endpoint, parse_endpoint  # noqa: E402

CLIENT_PATTERN = 1   # byte i of what a client sends = (i * 131 + CLIENT_PATTERN) & 0xff
SERVER_PATTERN = 7   # byte i of what a server sends = (i * 131 + SERVER_PATTERN) & 0xff
SEND_CHUNK = 256 << 10      # bytes handed to one send()
MAX_READ_CHUNK = 1 << 20    # bytes asked of one recv()
MAX_BYTES = 1 << 40         # per connection and direction, hard ceiling
MAX_CONNECTIONS = 100000    # per run, hard ceiling
MAX_PARALLEL = 2000         # threads with a connection at once, hard ceiling
MAX_TIME = 600.0            # seconds, hard ceiling for any loop
POLL_SLICE = 0.2            # seconds; no wait is longer than this
DRAIN_WAIT = 5.0            # seconds to let the send queue empty before a reset

SIOCOUTQ = 0x5411           # unsent + unacknowledged bytes in the send queue
IP_BIND_ADDRESS_NO_PORT = 24
ENDS = ("eof", "reset", "reset_sent", "refused", "timeout", "error")


def make_pattern(constant):
    """The stream pattern, long enough to slice any send or read chunk from any offset."""
    period = bytes(((i * 131 + constant) & 0xFF) for i in range(256))
    return period * ((max(SEND_CHUNK, MAX_READ_CHUNK) >> 8) + 1)


PATTERNS = {CLIENT_PATTERN: make_pattern(CLIENT_PATTERN),
            SERVER_PATTERN: make_pattern(SERVER_PATTERN)}


def parse_source(text):
    """'ADDR', '[ADDR6]', 'ADDR:PORT' or '[ADDR6]:PORT' -> (family, host, port or 0)."""
    bare = text.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            return fam, socket.inet_ntop(fam, socket.inet_pton(fam, bare)), 0
        except OSError:
            continue
    return parse_endpoint(text)


def sockaddr(fam, host, port):
    """The address tuple socket calls want for this family."""
    if fam == socket.AF_INET6:
        return (host, port, 0, 0)
    return (host, port)


def sockaddr_to_text(fam, addr):
    """A socket call's address tuple -> endpoint text."""
    return format_endpoint(fam, addr[0].split("%")[0], addr[1])


def end_of(exc):
    """How an OSError ends a connection: (end, errno name)."""
    if isinstance(exc, socket.timeout) and exc.errno is None:
        return "timeout", None
    name = errno.errorcode.get(exc.errno, str(exc.errno))
    # ENOTCONN: shutdown() on a connection the peer reset before anything was sent.
    if exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN):
        return "reset", name
    if exc.errno == errno.ECONNREFUSED:
        return "refused", name
    if exc.errno == errno.ETIMEDOUT:
        return "timeout", name
    return "error", name


def reset(sock):
    """Close with SO_LINGER 0: the kernel sends a RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def unsent(sock):
    """Bytes still in the socket's send queue (not yet acknowledged)."""
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), SIOCOUTQ, b"\0\0\0\0"))[0]


def raise_nofile(needed):
    """Raise the soft limit on open files to cover `needed` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def new_record(ident):
    """The per-connection record every sub-command fills in."""
    return {"id": ident, "local": None, "peer": None, "connected": False, "end": None,
            "errno": None, "sent": 0, "received": 0, "sent_sha256": None,
            "received_sha256": None, "pattern_ok": True, "first_bad_offset": None,
            "connect_ms": None, "elapsed_s": None, "mbps": None}


class Transfer:
    """Both directions of one connected, non-blocking socket, until it ends.

    Sends `send_bytes` of `send_pattern` while reading and verifying the
    peer's `recv_pattern` until EOF; then half-closes (`shutdown`) or only
    stops sending. Options: `reset_after_send` resets once everything was
    sent and the send queue drained; `reset_after_recv` resets once that many
    bytes arrived; `read_delay` sleeps after each read of `read_chunk` bytes
    (a slow reader); `send_after_eof` sends nothing before the peer's EOF;
    `read_after_fin` reads nothing before this side's own half-close.
    """

    def __init__(self, sock, deadline, send_bytes, send_pattern, recv_pattern, *,
                 shutdown=True, reset_after_send=False, reset_after_recv=None,
                 read_delay=0.0, read_chunk=65536, send_after_eof=False,
                 read_after_fin=False):
        self.sock = sock
        self.deadline = deadline
        self.send_bytes = send_bytes
        self.send_block = PATTERNS[send_pattern]
        self.recv_block = PATTERNS[recv_pattern]
        self.shutdown = shutdown
        self.reset_after_send = reset_after_send
        self.reset_after_recv = reset_after_recv
        self.read_delay = read_delay
        self.read_chunk = read_chunk
        self.send_after_eof = send_after_eof
        self.read_after_fin = read_after_fin
        self.buf = bytearray(read_chunk)
        self.view = memoryview(self.buf)
        self.sent_hash = hashlib.sha256()
        self.recv_hash = hashlib.sha256()
        self.eof = False          # the peer's FIN was read
        self.fin_sent = False     # our SHUT_WR is done
        self.closed = False       # the socket is closed (by a reset)
        self.drain_until = None   # reset_after_send: when to stop waiting for the queue

    def run(self, rec):
        """Move bytes until the connection ends; fill rec's counters, hashes and end."""
        try:
            rec["end"] = self._loop(rec)
        except OSError as e:
            rec["end"], rec["errno"] = end_of(e)
        rec["sent_sha256"] = self.sent_hash.hexdigest()
        rec["received_sha256"] = self.recv_hash.hexdigest()
        if not self.closed:
            self.sock.close()

    def _loop(self, rec):
        """The event loop proper; returns the end, raises OSError on a socket error."""
        poller = select.poll()
        poller.register(self.sock, 0)
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                return "timeout"
            all_sent = rec["sent"] >= self.send_bytes
            if all_sent and self.reset_after_send:
                if self.drain_until is None:
                    self.drain_until = now + DRAIN_WAIT
                if unsent(self.sock) == 0 or now >= self.drain_until:
                    reset(self.sock)
                    self.closed = True
                    return "reset_sent"
            elif all_sent and self.shutdown and not self.fin_sent:
                self.sock.shutdown(socket.SHUT_WR)
                self.fin_sent = True
            want_read = not self.eof and (all_sent or not self.read_after_fin)
            want_write = not all_sent and (self.eof or not self.send_after_eof)
            if not want_read and not want_write and not self.reset_after_send:
                return "eof"
            mask = (select.POLLIN if want_read else 0) | (select.POLLOUT if want_write else 0)
            poller.modify(self.sock, mask)
            wait = min(POLL_SLICE, self.deadline - now)
            if self.drain_until is not None:
                wait = min(wait, 0.01)
            events = poller.poll(max(1, int(wait * 1000)))
            if not events:
                continue
            got = events[0][1]
            if got & select.POLLERR:  # a reset, an ICMP error: end with its errno
                err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
            if got & select.POLLOUT and want_write:
                self._send(rec)
            if got & (select.POLLIN | select.POLLHUP | select.POLLERR) and want_read:
                if self._recv(rec):
                    reset(self.sock)
                    self.closed = True
                    return "reset_sent"

    def _send(self, rec):
        """One send() of the pattern from the current offset."""
        off = rec["sent"] & 0xFF
        size = min(SEND_CHUNK, self.send_bytes - rec["sent"])
        try:
            n = self.sock.send(memoryview(self.send_block)[off:off + size])
        except BlockingIOError:
            return
        self.sent_hash.update(memoryview(self.send_block)[off:off + n])
        rec["sent"] += n

    def _recv(self, rec):
        """One recv(): count, hash, verify, maybe sleep. True when it is time to reset."""
        size = self.read_chunk
        if self.reset_after_recv is not None:
            size = min(size, self.reset_after_recv - rec["received"])
        try:
            n = self.sock.recv_into(self.buf, size)
        except BlockingIOError:
            return False
        if n == 0:
            self.eof = True
            return False
        data = self.view[:n]
        self.recv_hash.update(data)
        off = rec["received"]
        if rec["pattern_ok"] and not self.recv_block.startswith(data, off & 0xFF):
            rec["pattern_ok"] = False
            want = self.recv_block[(off & 0xFF):(off & 0xFF) + n]
            rec["first_bad_offset"] = off + next(i for i in range(n) if data[i] != want[i])
        rec["received"] += n
        if self.reset_after_recv is not None and rec["received"] >= self.reset_after_recv:
            return True
        if self.read_delay > 0:
            time.sleep(max(0.0, min(self.read_delay, self.deadline - time.monotonic())))
        return False


def judge(rec, expect_end, expect_sent, expect_received):
    """Set rec["ok"]; return why it is not ok (a list of strings).

    What was sent is checked only when the connection ended in order (eof,
    reset_sent): a reset or a timeout that cut it short is reason enough.
    """
    why = []
    if rec["end"] != expect_end:
        why.append("ended %s%s, expected %s" % (
            rec["end"], " (%s)" % rec["errno"] if rec["errno"] else "", expect_end))
    if expect_sent is not None and rec["end"] in ("eof", "reset_sent") and \
            rec["sent"] != expect_sent:
        why.append("sent %d bytes, expected %d" % (rec["sent"], expect_sent))
    if expect_received is not None and rec["received"] != expect_received:
        why.append("received %d bytes, expected %d" % (rec["received"], expect_received))
    if not rec["pattern_ok"]:
        why.append("received bytes differ from the pattern at offset %d"
                   % rec["first_bad_offset"])
    rec["ok"] = not why
    return ["connection %d: %s" % (rec["id"], w) for w in why]


def totals(records):
    """Counts over all connection records: bytes each way, ends, how many were ok."""
    ends = {}
    for r in records:
        ends[r["end"]] = ends.get(r["end"], 0) + 1
    return {"bytes_sent": sum(r["sent"] for r in records),
            "bytes_received": sum(r["received"] for r in records),
            "connected": sum(1 for r in records if r["connected"]),
            "ok_connections": sum(1 for r in records if r.get("ok")),
            "ends": ends}


def finish_timing(rec, started):
    """Elapsed seconds and MB/s (both directions) of one connection."""
    elapsed = time.monotonic() - started
    rec["elapsed_s"] = round(elapsed, 4)
    rec["mbps"] = round((rec["sent"] + rec["received"]) / elapsed / 1e6, 2) if elapsed else None


def emit(result, args):
    """The JSON result: one line on stdout (unless --quiet), and in --output if given."""
    out = json.dumps(result, indent=2 if args.pretty else None)
    if args.output:
        with open(args.output + ".tmp", "w") as f:
            f.write(out + "\n")
        os.rename(args.output + ".tmp", args.output)
    if not args.quiet:
        print(out, flush=True)
    return 0 if result["ok"] else 1


def write_ready(path):
    """Create the --ready-file (our PID) atomically."""
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(path + ".tmp", path)


def check_counts(args):
    """Validate the options every sub-command with connections shares."""
    if not 0 < args.connections <= MAX_CONNECTIONS:
        raise ValueError("--connections must be 1..%d" % MAX_CONNECTIONS)
    for name in ("send", "expect", "reset_after"):
        value = getattr(args, name, None)
        if value is not None and not 0 <= value <= MAX_BYTES:
            raise ValueError("--%s must be 0..%d" % (name.replace("_", "-"), MAX_BYTES))


# ---------------------------------------------------------------- server

def serve_one(sock, rec, args, deadline):
    """One accepted connection, in its own thread."""
    started = time.monotonic()
    sock.setblocking(False)
    Transfer(sock, deadline, args.send, SERVER_PATTERN, CLIENT_PATTERN,
             shutdown=not args.no_shutdown, reset_after_recv=args.reset_after,
             read_delay=args.read_delay_ms / 1000.0, read_chunk=args.read_chunk,
             send_after_eof=args.reply_after_eof).run(rec)
    finish_timing(rec, started)


def cmd_server(args):
    """Accept --connections connections, serve each in a thread, report all of them."""
    check_counts(args)
    if not 0 < args.read_chunk <= MAX_READ_CHUNK:
        raise ValueError("--read-chunk must be 1..%d" % MAX_READ_CHUNK)
    if args.reset_after == 0:
        raise ValueError("--reset-after must be at least 1 for a server")
    fam, host, port = parse_endpoint(args.bind)
    expect_src = parse_source(args.expect_src) if args.expect_src else None
    raise_nofile(args.connections + 64)
    deadline = time.monotonic() + min(args.timeout, MAX_TIME)
    lsock = socket.socket(fam, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    lsock.bind(sockaddr(fam, host, port))
    lsock.listen(min(max(args.connections, 128), 4096))
    lsock.setblocking(False)
    bound = sockaddr_to_text(fam, lsock.getsockname())
    if args.ready_file:
        write_ready(args.ready_file)
    records, threads, errors = [], [], []
    poller = select.poll()
    poller.register(lsock, select.POLLIN)
    while len(records) < args.connections:
        now = time.monotonic()
        if now >= deadline:
            errors.insert(0, "accepted %d of %d connections before the timeout"
                             % (len(records), args.connections))
            break
        if not poller.poll(max(1, int(min(POLL_SLICE, deadline - now) * 1000))):
            continue
        try:
            sock, addr = lsock.accept()
        except (BlockingIOError, ConnectionAbortedError):
            continue
        except OSError as e:  # EMFILE and the like: note it, let the time limit end it
            if len(errors) < args.max_errors:
                errors.append("accept: %s" % e)
            time.sleep(0.01)
            continue
        rec = new_record(len(records))
        rec["connected"] = True
        rec["local"] = sockaddr_to_text(fam, sock.getsockname())
        rec["peer"] = sockaddr_to_text(fam, addr)
        if expect_src is not None:
            rec["src_ok"] = addr[0].split("%")[0] == expect_src[1] and \
                expect_src[2] in (0, addr[1])
        records.append(rec)
        t = threading.Thread(target=serve_one, args=(sock, rec, args, deadline), daemon=True)
        t.start()
        threads.append(t)
    lsock.close()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1.0)
    expect_end = "reset_sent" if args.reset_after is not None else args.expect_end
    for rec in records:
        if rec["end"] is None:
            rec["end"] = "timeout"
        errors += judge(rec, expect_end, None if args.reset_after is not None else args.send,
                        args.reset_after if args.reset_after is not None else args.expect)
        if rec.get("src_ok") is False:
            rec["ok"] = False
            errors.append("connection %d: from %s, expected %s" % (
                rec["id"], rec["peer"], format_endpoint(*expect_src) if expect_src[2]
                else expect_src[1]))
    result = {"cmd": "server", "bind": bound, "expected_connections": args.connections,
              "accepted": len(records)}
    result.update(totals(records))
    result["ok"] = not errors and len(records) == args.connections
    result["errors"] = errors[:args.max_errors]
    if not args.brief:
        result["connections"] = records
    return emit(result, args)


# ---------------------------------------------------------------- client

def connect(rec, fam, dst, src, deadline):
    """A connected non-blocking socket, or None with rec["end"] set."""
    sock = socket.socket(fam, socket.SOCK_STREAM)
    if src is not None:
        if src[2] == 0:
            sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind(sockaddr(fam, src[1], src[2]))
    started = time.monotonic()
    sock.settimeout(max(0.001, deadline - started))
    try:
        sock.connect(dst)
    except OSError as e:
        rec["end"], rec["errno"] = end_of(e)
        sock.close()
        return None
    finally:
        rec["connect_ms"] = round((time.monotonic() - started) * 1000, 3)
    rec["connected"] = True
    rec["local"] = sockaddr_to_text(fam, sock.getsockname())
    try:
        rec["peer"] = sockaddr_to_text(fam, sock.getpeername())
    except OSError as e:
        # Reset between the handshake and now (a proxy refusing who connected).
        rec["end"], rec["errno"] = end_of(e)
        sock.close()
        return None
    sock.setblocking(False)
    return sock


def client_one(rec, args, fam, dst, src, deadline):
    """One client connection: connect, send, half-close (or reset), read to EOF."""
    started = time.monotonic()
    try:
        sock = connect(rec, fam, dst, src, deadline)
    except OSError as e:  # the bind
        rec["end"], rec["errno"] = end_of(e)
        sock = None
    if sock is not None:
        send = args.send if args.reset_after is None else args.reset_after
        Transfer(sock, deadline, send, CLIENT_PATTERN, SERVER_PATTERN,
                 reset_after_send=args.reset_after is not None,
                 read_after_fin=args.half_close).run(rec)
    finish_timing(rec, started)


def cmd_client(args):
    """Run --connections connections, --parallel at a time, and report them."""
    check_counts(args)
    if args.reset_after is not None and args.reset_after > args.send:
        raise ValueError("--reset-after must not exceed --send")
    fam, host, port = parse_endpoint(args.dst)
    dst = sockaddr(fam, host, port)
    src = parse_source(args.src) if args.src else None
    if src is not None and src[0] != fam:
        raise ValueError("--src and --dst are of different families")
    parallel = min(args.parallel or args.connections, args.connections, MAX_PARALLEL)
    raise_nofile(parallel + 64)
    threading.stack_size(512 << 10)
    records = [new_record(i) for i in range(args.connections)]
    next_id = iter(range(args.connections))
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + min(args.timeout, MAX_TIME)

    def worker():
        """Take the next connection number until there is none (or time is up)."""
        while True:
            with lock:
                i = next(next_id, None)
            if i is None:
                return
            now = time.monotonic()
            due = start + i * args.stagger_ms / 1000.0
            if due > now:
                time.sleep(max(0.0, min(due, deadline) - now))
            if time.monotonic() >= deadline:
                records[i]["end"] = "timeout"
                continue
            # --port-step: connection i goes to its own port (one session each).
            to = dst if not args.port_step else sockaddr(fam, host, port + i * args.port_step)
            client_one(records[i], args, fam, to, src, deadline)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1.0)
    elapsed = time.monotonic() - start
    expect_end = "reset_sent" if args.reset_after is not None else args.expect_end
    sent = args.send if args.reset_after is None else args.reset_after
    errors = []
    for rec in records:
        if rec["end"] is None:
            rec["end"] = "timeout"
        errors += judge(rec, expect_end, sent, args.expect)
    result = {"cmd": "client", "dst": format_endpoint(fam, host, port),
              "connections_requested": args.connections, "parallel": parallel}
    result.update(totals(records))
    connect_ms = [r["connect_ms"] for r in records if r["connected"]]
    result.update({
        "elapsed_s": round(elapsed, 4),
        "mbps": round((result["bytes_sent"] + result["bytes_received"]) / elapsed / 1e6, 2),
        "tx_mbps": round(result["bytes_sent"] / elapsed / 1e6, 2),
        "rx_mbps": round(result["bytes_received"] / elapsed / 1e6, 2),
        "connections_per_s": round(result["ok_connections"] / elapsed, 1),
        "connect_ms_avg": round(sum(connect_ms) / len(connect_ms), 3) if connect_ms else None,
        "connect_ms_max": max(connect_ms) if connect_ms else None,
    })
    result["ok"] = not errors
    result["errors"] = errors[:args.max_errors]
    if not args.brief:
        result["connections"] = records
    return emit(result, args)


# ---------------------------------------------------------------- probe

def cmd_probe(args):
    """Connect once; report refused / timeout / reset / eof / data / open."""
    fam, host, port = parse_endpoint(args.dst)
    src = parse_source(args.src) if args.src else None
    if src is not None and src[0] != fam:
        raise ValueError("--src and --dst are of different families")
    start = time.monotonic()
    deadline = start + min(args.timeout, MAX_TIME)
    rec = new_record(0)
    sock = connect(rec, fam, sockaddr(fam, host, port), src, deadline)
    result = {"cmd": "probe", "dst": format_endpoint(fam, host, port), "src": rec["local"],
              "result": rec["end"], "errno": rec["errno"], "connect_ms": rec["connect_ms"],
              "bytes": 0}
    if sock is not None:
        result["result"] = "open"
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        while time.monotonic() < deadline and result["result"] == "open":
            wait = min(POLL_SLICE, deadline - time.monotonic())
            if not poller.poll(max(1, int(wait * 1000))):
                continue
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                result["result"], result["errno"] = end_of(e)
                break
            result["bytes"] = len(data)
            result["result"] = "data" if data else "eof"
        sock.close()
    result["waited_s"] = round(time.monotonic() - start, 3)
    result["ok"] = args.expect is None or result["result"] == args.expect
    return emit(result, args)


# ---------------------------------------------------------------- main

def main(argv=None):
    """Parse the command line and run one sub-command."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def output_opts(sp):
        """The JSON result options every sub-command has."""
        sp.add_argument("--output", help="also write the JSON result here")
        sp.add_argument("--pretty", action="store_true", help="indented JSON")
        sp.add_argument("--quiet", action="store_true", help="nothing on stdout")

    def transfer_opts(sp, timeout):
        """Options of the sub-commands that move data."""
        sp.add_argument("--connections", type=int, default=1,
                        help="connections (default 1)")
        sp.add_argument("--send", type=int, default=0, metavar="BYTES",
                        help="bytes each connection sends (default 0)")
        sp.add_argument("--expect", type=int, metavar="BYTES",
                        help="bytes each connection must receive (default: not checked)")
        sp.add_argument("--expect-end", choices=ENDS, default="eof",
                        help="how each connection must end (default eof; with "
                             "--reset-after always reset_sent)")
        sp.add_argument("--timeout", type=float, default=timeout,
                        help="seconds, hard limit for the whole run (default %g)" % timeout)
        sp.add_argument("--brief", action="store_true",
                        help="leave the per-connection records out of the JSON")
        sp.add_argument("--max-errors", type=int, default=20,
                        help="error messages kept in the JSON (default 20)")
        output_opts(sp)

    sp = sub.add_parser("server", help="accept connections, send and verify both ways")
    sp.add_argument("--bind", required=True, help="ADDR:PORT or [ADDR6]:PORT to listen on")
    sp.add_argument("--read-delay-ms", type=float, default=0.0,
                    help="sleep this long after each read (a slow reader)")
    sp.add_argument("--read-chunk", type=int, default=65536, metavar="BYTES",
                    help="bytes per read (default 65536)")
    sp.add_argument("--reset-after", type=int, metavar="BYTES",
                    help="reset (SO_LINGER 0) once this many bytes arrived")
    sp.add_argument("--no-shutdown", action="store_true",
                    help="no half-close after sending: close only after the client's EOF")
    sp.add_argument("--reply-after-eof", action="store_true",
                    help="send nothing before the client's EOF (its half-close) arrived")
    sp.add_argument("--expect-src", metavar="ADDR[:PORT]",
                    help="every connection must come from this address (and port)")
    sp.add_argument("--ready-file", help="create this file once listening")
    transfer_opts(sp, 60.0)
    sp.set_defaults(func=cmd_server)

    sp = sub.add_parser("client", help="open connections, send and verify both ways")
    sp.add_argument("--dst", required=True, help="ADDR:PORT or [ADDR6]:PORT")
    sp.add_argument("--src", metavar="ADDR[:PORT]", help="bind to this address (and port)")
    sp.add_argument("--parallel", type=int, default=0,
                    help="connections open at once (default: all of them)")
    sp.add_argument("--port-step", type=int, default=0, metavar="N",
                    help="connection i connects to --dst's port + i x N (a TCP session "
                    "of the proxy takes one connection: one session per connection)")
    sp.add_argument("--stagger-ms", type=float, default=0.0,
                    help="start connection i no earlier than i x this after the first")
    sp.add_argument("--reset-after", type=int, metavar="BYTES",
                    help="send only this many bytes (<= --send), let them drain, then reset")
    sp.add_argument("--half-close", action="store_true",
                    help="read nothing before having sent everything and half-closed")
    transfer_opts(sp, 60.0)
    sp.set_defaults(func=cmd_client)

    sp = sub.add_parser("probe", help="connect once: refused, reset, eof, open?")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--src", metavar="ADDR[:PORT]")
    sp.add_argument("--timeout", type=float, default=2.0,
                    help="seconds for the connect and the wait together (default 2)")
    sp.add_argument("--expect", choices=("refused", "reset", "eof", "data", "open",
                                         "timeout", "error"),
                    help="exit 1 unless the result is this")
    output_opts(sp)
    sp.set_defaults(func=cmd_probe)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as e:
        print("tcptool %s: %s" % (args.cmd, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
