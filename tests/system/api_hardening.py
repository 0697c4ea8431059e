#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""What a hostile or careless API client does, over real gRPC (Debian's
python3-grpcio with the messages rtpproxyctl generates from proto/, a strict
proto3 client: it refuses to decode a string that is not UTF-8).

  api_hardening.py streams SERVER LISTEN_ADDR FORWARD_ADDR DESTINATION --max N
      N StreamSessionEvents subscribers (each its own connection) get every
      event; one more stream, and one more Health Watch, are refused with
      RESOURCE_EXHAUSTED naming api.max_streams while the N keep receiving;
      once one of them is cancelled a new subscriber gets in, and the one
      after it is refused again. (issue 9, defect 6)
  bad-name SERVER LISTEN FORWARD DESTINATION
      CreateSession whose name is not UTF-8 (raw bytes on the wire: the
      protobuf classes cannot even build such a request) is refused with
      INVALID_ARGUMENT naming the field and creates nothing; a real UTF-8
      name sent the same way is taken and comes back whole; ListSessions
      and an event stream that was open all along still decode. (defect 7)
  hold SERVER N LISTEN_ADDR FORWARD_ADDR DESTINATION
      create N sessions (ports allocated) and leave them there.
  list-nomatch SERVER --sessions T --capacity C [--seconds S] [--max-ms MS]
      ListSessions with a filter nothing matches (state ERROR) on a table of
      T sessions with room for C: every page is empty and answered within
      MS; the first has a next_page_token, and paging ends after exactly
      ceil(C / 4096) pages (one call looks at 4096 slots, proto/); repeated
      for S seconds. Then an unfiltered listing pages through all T, each
      once. (defect 9)

Each prints one JSON line; exit 0 when every check held, 1 when one failed
("failures" says which), 2 on usage errors. Every wait is bounded."""
import argparse
import importlib.machinery
import json
import math
import os
import sys
import threading
import time

import grpc

here = os.path.dirname(os.path.realpath(__file__))
ctl = importlib.machinery.SourceFileLoader(
    "rtpproxyctl", os.path.join(here, "..", "..", "usertools", "rtpproxyctl")).load_module()
pb, rpc, hpb, hrpc = ctl.pb, ctl.rpc, ctl.hpb, ctl.hrpc

CREATED = pb.EVENT_TYPE_CREATED
LIST_SCAN_SLOTS = 4096  # proto/rtpproxy.proto, ListSessionsResponse.next_page_token
STREAM_LIMIT_S = 90     # no stream outlives this, whatever happens


def own_channel(server):
    # One connection per channel, as separate clients would have.
    return grpc.insecure_channel(server, options=[("grpc.use_local_subchannel_pool", 1)])


class Reader(threading.Thread):
    """Reads one streaming call to its end: the events, then how it ended."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.events, self.end, self.details = stream, [], None, None
        self.lock = threading.Lock()
        self.start()

    def run(self):
        try:
            for ev in self.stream:
                with self.lock:
                    self.events.append(ev)
        except grpc.RpcError as e:
            self.details = e.details()
            self.end = e.code().name
        else:
            self.end = "OK"

    def saw(self, event_type, sid):
        with self.lock:
            return any(getattr(ev, "type", None) == event_type and ev.session_id == sid
                       for ev in self.events)


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def subscribe(server):
    channel = own_channel(server)
    return Reader(rpc.RtpProxyStub(channel).StreamSessionEvents(
        pb.StreamSessionEventsRequest(), timeout=STREAM_LIMIT_S)), channel


class Api:
    def __init__(self, args):
        self.args, self.failures = args, []
        self.channel = own_channel(args.server)
        self.stub = rpc.RtpProxyStub(self.channel)
        self.created = []

    def fail(self, text):
        self.failures.append(text)

    def create(self, **extra):
        try:
            r = self.stub.CreateSession(pb.CreateSessionRequest(
                listen=pb.Endpoint(address=self.args.listen_addr, port=0),
                forward=pb.Endpoint(address=self.args.forward_addr, port=0),
                destination=self.args.destination, **extra), timeout=10)
        except grpc.RpcError as e:
            self.fail("CreateSession: %s %s" % (e.code().name, e.details()))
            return None
        self.created.append(r.session_id)
        return r.session_id

    def cleanup(self):
        for sid in self.created:
            try:
                self.stub.DestroySession(pb.DestroySessionRequest(session_id=sid), timeout=10)
            except grpc.RpcError:
                pass

    def health(self):
        try:
            r = hrpc.HealthStub(self.channel).Check(hpb.HealthCheckRequest(service=""), timeout=10)
            return hpb.HealthCheckResponse.ServingStatus.Name(r.status)
        except grpc.RpcError as e:
            return e.code().name

    def report(self, out):
        out["failures"] = self.failures[:10]
        out["ok"] = not self.failures
        print(json.dumps(out), flush=True)
        return 0 if not self.failures else 1


# ---------------------------------------------------------------- streams

def cmd_streams(args):
    api, out = Api(args), {"max": args.max}
    readers = [subscribe(args.server) for _ in range(args.max)]
    time.sleep(0.5)  # the subscriptions reach the server before the first event

    def all_saw(rs, sid, seconds=5):
        return wait_until(lambda: all(r.saw(CREATED, sid) for r, _ in rs), seconds)

    # Every subscriber is counted once it sees an event; a subscription
    # still on its way would miss the first one, so try a few times.
    for attempt in range(3):
        sid = api.create()
        if sid is not None and all_saw(readers, sid, 3):
            break
    else:
        api.fail("the %d subscribers did not all see CREATED: ended %s" % (
            args.max, [r.end for r, _ in readers]))
        return api.report(out)

    def refused(reader, what):
        # A refusal comes at once, before any event: no session is created meanwhile.
        if not wait_until(lambda: reader.end is not None, 5):
            api.fail("%s beyond %s %d was not refused within 5 s" % (what, args.setting, args.max))
            return None
        if reader.end != "RESOURCE_EXHAUSTED" or args.setting not in (reader.details or ""):
            api.fail("%s beyond the limit ended %s (%s), want RESOURCE_EXHAUSTED naming "
                     "%s" % (what, reader.end, reader.details, args.setting))
        return reader.details

    extra, _ch = subscribe(args.server)
    out["refusal"] = refused(extra, "stream %d" % (args.max + 1))
    watch_channel = own_channel(args.server)
    watch = Reader(hrpc.HealthStub(watch_channel).Watch(hpb.HealthCheckRequest(service=""),
                                                        timeout=STREAM_LIMIT_S))
    if args.setting == "api.max_streams":
        refused(watch, "a Health Watch")
    else:
        # The event streams' own bound is reached, not the total: a Watch gets in.
        if not wait_until(lambda: len(watch.events) > 0, 5) or watch.end is not None:
            api.fail("a Health Watch beside %d event streams (%s %d) did not get in: %s %s" % (
                args.max, args.setting, args.max, watch.end, watch.details))
        out["watch"] = len(watch.events)

    # The N keep receiving.
    sid = api.create()
    if sid is None or not all_saw(readers, sid):
        api.fail("after the refusals not every subscriber saw CREATED of %s: ended %s" % (
            sid, [r.end for r, _ in readers]))

    # One ends; its place is free again (the server learns of the cancel
    # from the RST_STREAM: a few tries, bounded).
    readers[0][0].stream.cancel()
    wait_until(lambda: readers[0][0].end is not None, 5)
    got_in = None
    for attempt in range(10):
        new, ch = subscribe(args.server)
        # A refusal comes at once; a stream still open after that was let in.
        if wait_until(lambda: new.end is not None, 0.5):
            if new.end != "RESOURCE_EXHAUSTED":
                break
            time.sleep(0.3)
            continue
        for _ in range(3):  # its first event: once the subscription is in place
            sid = api.create()
            if sid is not None and wait_until(lambda: new.saw(CREATED, sid), 3):
                got_in = attempt + 1
                readers[0] = (new, ch)
                break
        break
    out["reopened_after_tries"] = got_in
    if got_in is None:
        api.fail("no new subscriber got in after one of %d was cancelled (last: %s %s)" % (
            args.max, new.end, new.details))
    else:
        # Its place was taken once: the next is refused again.
        again, _ch2 = subscribe(args.server)
        refused(again, "stream %d after the reopening" % (args.max + 1))
        sid = api.create()
        if sid is None or not all_saw(readers, sid):
            api.fail("at the end not every subscriber saw CREATED of %s: ended %s" % (
                sid, [r.end for r, _ in readers]))
    out["health"] = api.health()
    if out["health"] != "SERVING":
        api.fail("health: %s" % out["health"])
    out["events_per_subscriber"] = [len(r.events) for r, _ in readers]
    for r, _ in readers:
        r.stream.cancel()
    watch.stream.cancel()
    api.cleanup()
    return api.report(out)


# ---------------------------------------------------------------- bad-name

def raw_create(channel, request, name):
    """CreateSession with request's bytes and a name field of raw bytes."""
    body = request.SerializeToString()
    body += bytes([6 << 3 | 2, len(name)]) + name  # field 6 (name), length-delimited
    call = channel.unary_unary("/rtpproxy.RtpProxy/CreateSession", request_serializer=None,
                               response_deserializer=pb.CreateSessionResponse.FromString)
    return call(body, timeout=10)


def cmd_bad_name(args):
    api, out = Api(args), {"refusals": {}}
    events, _ch = subscribe(args.server)
    time.sleep(0.5)
    before = api.stub.ListSessions(pb.ListSessionsRequest(page_size=1000), timeout=10)
    request = pb.CreateSessionRequest(listen=args.listen, forward=args.forward,
                                      destination=args.destination)
    # Invalid lead byte, a sequence cut short, an encoded surrogate, an overlong "/".
    for name in (b"\xff\xfe", b"caf\xc3", b"x\xed\xa0\x80", b"ok\xc0\xaf"):
        key = name.hex()
        try:
            r = raw_create(api.channel, request, name)
            api.created.append(r.session_id)
            api.fail("name %s was accepted: session %d" % (key, r.session_id))
            out["refusals"][key] = "accepted"
        except grpc.RpcError as e:
            out["refusals"][key] = "%s %s" % (e.code().name, e.details())
            if e.code() != grpc.StatusCode.INVALID_ARGUMENT or not e.details().startswith("name: "):
                api.fail("name %s: %s %s, want INVALID_ARGUMENT naming the field" % (
                    key, e.code().name, e.details()))
    # The same raw path with real UTF-8: taken, and it comes back whole.
    try:
        good = raw_create(api.channel, request, "café".encode())
        api.created.append(good.session_id)
    except grpc.RpcError as e:
        api.fail("the UTF-8 name café was refused: %s %s" % (e.code().name, e.details()))
        good = None
    try:
        after = api.stub.ListSessions(pb.ListSessionsRequest(page_size=1000), timeout=10)
        out["listed"] = sorted(s.name for s in after.sessions)
        want = sorted([s.name for s in before.sessions] + (["café"] if good else []))
        if out["listed"] != want:
            api.fail("ListSessions: %s, want %s" % (out["listed"], want))
    except grpc.RpcError as e:
        api.fail("ListSessions failed for a strict client: %s %s" % (e.code().name, e.details()))
    if good is not None:
        if not wait_until(lambda: events.saw(CREATED, good.session_id) or events.end, 5):
            api.fail("the event stream did not see CREATED of the café session")
        st = api.stub.GetSessionStatus(pb.GetSessionStatusRequest(session_id=good.session_id),
                                       timeout=10)
        if st.name != "café":
            api.fail("GetSessionStatus name %r" % st.name)
    with events.lock:
        out["events"] = [(ctl.EVENT[ev.type], ev.session_id) for ev in events.events]
    if events.end is not None:
        api.fail("the event stream ended: %s %s" % (events.end, events.details))
    if good is not None and [e for e in out["events"] if e[1] != good.session_id]:
        api.fail("events of other sessions than the café one: %s" % out["events"])
    events.stream.cancel()
    api.cleanup()
    return api.report(out)


# ---------------------------------------------------------------- hold, list-nomatch

def cmd_hold(args):
    api, out = Api(args), {}
    t0 = time.monotonic()
    for _ in range(args.n):
        if api.create() is None:
            break
    out["created"] = len(api.created)
    out["create_s"] = round(time.monotonic() - t0, 2)
    if len(api.created) != args.n:
        api.fail("created %d of %d" % (len(api.created), args.n))
    return api.report(out)


def cmd_list_nomatch(args):
    api, out = Api(args), {}
    want_pages = math.ceil(args.capacity / LIST_SCAN_SLOTS)
    latencies, rounds, first = [], 0, None
    t_end = time.monotonic() + args.seconds
    while True:
        token, pages = "", 0
        while pages <= want_pages + 10:
            t0 = time.monotonic()
            try:
                r = api.stub.ListSessions(pb.ListSessionsRequest(
                    state=pb.SESSION_STATE_ERROR, page_size=100, page_token=token), timeout=10)
            except grpc.RpcError as e:
                api.fail("ListSessions: %s %s" % (e.code().name, e.details()))
                break
            latencies.append((time.monotonic() - t0) * 1000)
            pages += 1
            if first is None:
                first = {"sessions": len(r.sessions), "next_page_token": r.next_page_token,
                         "total_sessions": r.total_sessions}
            if r.sessions:
                api.fail("a filter that matches nothing returned %d sessions" % len(r.sessions))
            token = r.next_page_token
            if not token:
                break
        rounds += 1
        if pages != want_pages:
            api.fail("round %d: paging took %d pages (%s), want %d for %d slots" % (
                rounds, pages, "ended" if not token else "still going", want_pages,
                args.capacity))
        if api.failures or time.monotonic() >= t_end or rounds >= 10000:
            break
    out["first_page"] = first
    out["rounds"], out["pages_per_round"] = rounds, want_pages
    latencies.sort()
    out["ms"] = {"p50": round(latencies[len(latencies) // 2], 2),
                 "max": round(latencies[-1], 2)} if latencies else None
    if first is None or first["sessions"] or not first["next_page_token"] or \
            first["total_sessions"] != args.sessions:
        api.fail("first page: %s, want no session, a next_page_token and total_sessions %d" % (
            first, args.sessions))
    if latencies and latencies[-1] > args.max_ms:
        api.fail("a page took %.1f ms, more than %d" % (latencies[-1], args.max_ms))
    # Unfiltered: every session once, through pages that may come back short.
    token, seen, pages = "", [], 0
    while pages < want_pages + args.sessions // 1000 + 10:
        r = api.stub.ListSessions(pb.ListSessionsRequest(page_size=1000, page_token=token),
                                  timeout=10)
        pages += 1
        seen += [s.session_id for s in r.sessions]
        token = r.next_page_token
        if not token:
            break
    out["unfiltered"] = {"pages": pages, "listed": len(seen), "distinct": len(set(seen))}
    if token or len(seen) != args.sessions or len(set(seen)) != len(seen):
        api.fail("unfiltered listing: %s%s, want %d sessions once each" % (
            out["unfiltered"], " (did not end)" if token else "", args.sessions))
    return api.report(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    sp = sub.add_parser("streams")
    for a in ("server", "listen_addr", "forward_addr"):
        sp.add_argument(a)
    sp.add_argument("destination", type=ctl.endpoint)
    sp.add_argument("--max", type=int, required=True, help="the proxy's bound on event streams")
    sp.add_argument("--setting", default="api.max_streams",
                    help="the key of that bound (a refusal names it): api.max_streams, the "
                    "total, or api.max_event_streams, theirs alone (a Health Watch then gets in)")
    sp.set_defaults(func=cmd_streams)

    sp = sub.add_parser("bad-name")
    sp.add_argument("server")
    for a in ("listen", "forward", "destination"):
        sp.add_argument(a, type=ctl.endpoint)
    sp.set_defaults(func=cmd_bad_name)

    sp = sub.add_parser("hold")
    sp.add_argument("server")
    sp.add_argument("n", type=int)
    sp.add_argument("listen_addr")
    sp.add_argument("forward_addr")
    sp.add_argument("destination", type=ctl.endpoint)
    sp.set_defaults(func=cmd_hold)

    sp = sub.add_parser("list-nomatch")
    sp.add_argument("server")
    sp.add_argument("--sessions", type=int, required=True, help="sessions in the table")
    sp.add_argument("--capacity", type=int, required=True, help="dataplane.max_sessions")
    sp.add_argument("--seconds", type=float, default=0, help="keep listing this long")
    sp.add_argument("--max-ms", type=int, default=250, help="slowest page allowed")
    sp.set_defaults(func=cmd_list_nomatch)

    args = p.parse_args()
    if args.cmd == "streams" and not 1 <= args.max <= 50:
        p.error("--max must be 1..50")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
