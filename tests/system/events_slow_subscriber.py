#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two StreamSessionEvents subscribers at once, one never reading, must not
stall the other, nor the unary calls. Uses Debian's python3-grpcio with the
messages rtpproxyctl generates from proto/ (a gRPC stack we did not write).

  events_slow_subscriber.py SERVER PAIRS LISTEN_ADDR FORWARD_ADDR DESTINATION
                            [--hold N] [--batch N] [--soak S] [--p99-ms MS] [--budget S]

Each party has its own channel and TCP connection, as separate clients would:
  S1 (slow)   StreamSessionEvents with STATS_UPDATE every 100 ms (the
              smallest interval the server takes), never read until the end;
              HTTP/2 flow control backs its stream up into the server. Its
              channel keeps HTTP/2's default 64 KB stream window: with BDP
              probing (grpcio's default) the client's transport grows the
              window and buffers megabytes of unread messages (measured: 50,000
              events, 5 MB, unread and none lost), so the back-up would need
              minutes of events to reach the server.
  S2 (reader) StreamSessionEvents with STATS_UPDATE every 100 ms too, read
              by a thread, on a channel with grpcio's defaults.
  unary       HOLD sessions kept for the whole run (so that statistics never
              stop), then PAIRS CreateSession (ports allocated) and
              DestroySession, BATCH created then destroyed at a time; each
              call timed. Then SOAK seconds of statistics alone.
Then S1 reads what it was sent. HOLD may exceed the server's per-stream
queue (1024 messages): a statistics round goes out as the subscriber reads
(lib/api/events.c), so a reader loses nothing however many sessions live.
Checks:
  * every unary call succeeded and their p99 is under --p99-ms;
  * S2 got CREATED then CLOSED of every churned session, exactly once each,
    with sequence numbers 1, 2, 3... and no OVERFLOW (reported if any), and
    statistics of every held session;
  * S1, once it reads, finds an OVERFLOW event with dropped_events > 0, its
    sequence numbers still 1, 2, 3... (an OVERFLOW takes the place of what
    was lost), and the event after the OVERFLOW is a whole event again;
  * the server still answers its health check with SERVING.
Prints one JSON line; exit 0 when every check held, 1 when one failed (its
"failures" say which), 2 on usage errors."""
import argparse
import importlib.machinery
import json
import os
import sys
import threading
import time

import grpc

here = os.path.dirname(os.path.realpath(__file__))
ctl = importlib.machinery.SourceFileLoader(
    "rtpproxyctl", os.path.join(here, "..", "..", "usertools", "rtpproxyctl")).load_module()
pb, rpc, hpb, hrpc = ctl.pb, ctl.rpc, ctl.hpb, ctl.hrpc

CREATED, CLOSED, OVERFLOW = pb.EVENT_TYPE_CREATED, pb.EVENT_TYPE_CLOSED, pb.EVENT_TYPE_OVERFLOW
STATS_INTERVAL_MS = 100
LIFECYCLE = {CREATED, pb.EVENT_TYPE_STATE_CHANGED, CLOSED}


def own_channel(server, fixed_window=False):
    # grpcio shares one connection between channels to the same target unless
    # told otherwise; separate subscribers are separate clients here.
    options = [("grpc.use_local_subchannel_pool", 1)]
    if fixed_window:
        options += [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 65535)]
    return grpc.insecure_channel(server, options=options)


class Reader(threading.Thread):
    """Reads a stream to its end, keeping (type, session, sequence, dropped)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.events, self.end = stream, [], None
        self.lock = threading.Lock()

    def run(self):
        try:
            for ev in self.stream:
                with self.lock:
                    self.events.append((ev.type, ev.session_id, ev.sequence, ev.dropped_events))
        except grpc.RpcError as e:
            self.end = e.code().name

    def snapshot(self):
        with self.lock:
            return list(self.events)


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def sequence_problem(events):
    """None when sequences run 1, 2, 3...; else where they first do not."""
    for i, ev in enumerate(events):
        if ev[2] != i + 1:
            return "event %d has sequence %d, want %d" % (i, ev[2], i + 1)
    return None


def lifecycle_problems(events, ids):
    """Sessions in ids whose events are not exactly CREATED ... CLOSED."""
    by_session = {}
    for ev in events:
        if ev[0] in LIFECYCLE:
            by_session.setdefault(ev[1], []).append(ev[0])
    bad = []
    for sid in ids:
        types = by_session.get(sid, [])
        if (types.count(CREATED) != 1 or types.count(CLOSED) != 1 or types[0] != CREATED or
                types[-1] != CLOSED):
            bad.append("session %d: %s" % (sid, [ctl.EVENT[t] for t in types]))
    return bad


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("server")
    p.add_argument("pairs", type=int)
    p.add_argument("listen_addr")
    p.add_argument("forward_addr")
    p.add_argument("destination", type=ctl.endpoint)
    p.add_argument("--hold", type=int, default=200, help="sessions kept during the whole run")
    p.add_argument("--batch", type=int, default=500, help="churned sessions live at once")
    p.add_argument("--soak", type=float, default=2.0, help="seconds of statistics after the churn")
    p.add_argument("--p99-ms", type=float, default=500.0)
    p.add_argument("--budget", type=float, default=40.0, help="seconds for the whole run")
    args = p.parse_args()
    t_start = time.monotonic()
    failures, out = [], {"pairs": args.pairs, "hold": args.hold}

    def call(fn, request):
        t0 = time.monotonic()
        try:
            return fn(request, timeout=10), (time.monotonic() - t0) * 1000
        except grpc.RpcError as e:
            failures.append("%s: %s %s" % (type(request).__name__, e.code().name, e.details()))
            return None, (time.monotonic() - t0) * 1000

    def create(stub):
        return call(stub.CreateSession, pb.CreateSessionRequest(
            listen=pb.Endpoint(address=args.listen_addr, port=0),
            forward=pb.Endpoint(address=args.forward_addr, port=0),
            destination=args.destination))

    slow_channel = own_channel(args.server, fixed_window=True)
    reader_channel, unary_channel = own_channel(args.server), own_channel(args.server)
    slow = rpc.RtpProxyStub(slow_channel).StreamSessionEvents(
        pb.StreamSessionEventsRequest(stats_interval_ms=STATS_INTERVAL_MS), timeout=args.budget + 20)
    reader = Reader(rpc.RtpProxyStub(reader_channel).StreamSessionEvents(
        pb.StreamSessionEventsRequest(stats_interval_ms=STATS_INTERVAL_MS),
        timeout=args.budget + 20))
    reader.start()
    stub = rpc.RtpProxyStub(unary_channel)
    time.sleep(0.5)  # both subscriptions reach the server before the first event

    held = []
    for _ in range(args.hold):
        r, _ms = create(stub)
        if r is not None:
            held.append(r.session_id)
    # S2 saw them all: it was subscribed before the churn began.
    if not wait_until(lambda: sum(ev[0] == CREATED for ev in reader.snapshot()) >= len(held), 5):
        failures.append("S2 did not see CREATED of the %d held sessions within 5 s" % len(held))

    latencies, churned = [], []
    t_churn = time.monotonic()
    while len(churned) < args.pairs and time.monotonic() - t_start < args.budget / 2:
        batch = []
        for _ in range(min(args.batch, args.pairs - len(churned))):
            r, ms = create(stub)
            latencies.append(ms)
            if r is None:
                break
            batch.append(r.session_id)
        for sid in batch:
            r, ms = call(stub.DestroySession, pb.DestroySessionRequest(session_id=sid))
            latencies.append(ms)
        churned += batch
        if len(batch) < args.batch and len(churned) < args.pairs:
            break  # a create failed: already in failures
    out["churn_s"] = round(time.monotonic() - t_churn, 2)
    out["churned"] = len(churned)
    if len(churned) != args.pairs:
        failures.append("only %d of %d sessions created" % (len(churned), args.pairs))
    latencies.sort()
    out["unary_calls"] = len(latencies)
    out["unary_ms"] = {"p50": round(percentile(latencies, 0.50), 2),
                       "p99": round(percentile(latencies, 0.99), 2),
                       "max": round(latencies[-1], 2)} if latencies else None
    if latencies and percentile(latencies, 0.99) >= args.p99_ms:
        failures.append("unary p99 %.1f ms >= %.0f ms" % (percentile(latencies, 0.99), args.p99_ms))

    time.sleep(args.soak)  # statistics of the held sessions only: S1 backs up further

    # S2: every churned session's CREATED and CLOSED, in order, nothing lost.
    closed = set(churned)
    wait_until(lambda: closed <= {ev[1] for ev in reader.snapshot() if ev[0] == CLOSED}, 10)
    s2 = reader.snapshot()
    s2_overflows = [ev for ev in s2 if ev[0] == OVERFLOW]
    out["s2"] = {"events": len(s2), "overflow_events": len(s2_overflows),
                 "dropped_events": sum(ev[3] for ev in s2_overflows), "ended": reader.end}
    if s2_overflows:
        failures.append("S2 (reading) got %d OVERFLOW events, %d events lost" % (
            len(s2_overflows), out["s2"]["dropped_events"]))
    problem = sequence_problem(s2)
    if problem:
        failures.append("S2 sequence: " + problem)
    bad = lifecycle_problems(s2, churned)
    if bad:
        failures.append("S2 lifecycle wrong for %d sessions, first: %s" % (len(bad), bad[0]))
    stats_seen = {ev[1] for ev in s2 if ev[0] == pb.EVENT_TYPE_STATS_UPDATE}
    out["s2"]["stats_updates"] = sum(ev[0] == pb.EVENT_TYPE_STATS_UPDATE for ev in s2)
    missing = [sid for sid in held if sid not in stats_seen]
    if missing:
        failures.append("S2 got no statistics of %d of the %d held sessions" % (
            len(missing), len(held)))

    # S1 reads at last: its backlog, then OVERFLOW as soon as it had room
    # again (the held sessions' next statistics), then whole events again.
    s1, first_overflow, s1_bytes, t_read = [], None, 0, time.monotonic()
    try:
        for ev in slow:
            if ev.type == OVERFLOW and first_overflow is None:
                first_overflow = len(s1)
            if first_overflow is None:
                s1_bytes += ev.ByteSize()
            s1.append((ev.type, ev.session_id, ev.sequence, ev.dropped_events, ev.HasField("status")))
            if first_overflow is not None and len(s1) > first_overflow + 1:
                break  # the OVERFLOW and the event after it
            if time.monotonic() - t_read > 15 or len(s1) > 1000000:
                break
    except grpc.RpcError as e:
        out["s1_ended"] = e.code().name
    slow.cancel()
    overflows = [e for e in s1 if e[0] == OVERFLOW]
    out["s1"] = {"events_read": len(s1), "read_s": round(time.monotonic() - t_read, 2),
                 "bytes_before_overflow": s1_bytes, "overflow_events": len(overflows),
                 "by_type": {ctl.EVENT[t]: sum(e[0] == t for e in s1) for t in {e[0] for e in s1}},
                 "first_overflow": {"sequence": s1[first_overflow][2],
                                    "dropped_events": s1[first_overflow][3]}
                 if first_overflow is not None else None}
    if first_overflow is None:
        failures.append("S1 (never read) saw no OVERFLOW in %d events" % len(s1))
    elif any(e[3] == 0 for e in overflows):
        failures.append("S1 got an OVERFLOW with dropped_events 0")
    else:
        after = s1[first_overflow + 1] if first_overflow + 1 < len(s1) else None
        if after is None or after[0] == OVERFLOW or not after[4]:
            failures.append("S1: the event after the OVERFLOW is not a whole event: %s" % (after,))
    problem = sequence_problem(s1)
    if problem:
        failures.append("S1 sequence: " + problem)

    r, _ms = call(hrpc.HealthStub(unary_channel).Check, hpb.HealthCheckRequest(service=""))
    out["health"] = hpb.HealthCheckResponse.ServingStatus.Name(r.status) if r else None
    if out["health"] != "SERVING":
        failures.append("health after the run: %s" % out["health"])
    for sid in held:
        call(stub.DestroySession, pb.DestroySessionRequest(session_id=sid))
    reader.stream.cancel()
    reader.join(5)
    out["elapsed_s"] = round(time.monotonic() - t_start, 2)
    out["failures"] = failures[:10]
    out["ok"] = not failures
    print(json.dumps(out), flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
