#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Create N sessions over gRPC (ports allocated by the proxy), list them all
in pages, destroy them all; print a JSON summary. Uses rtpproxyctl's message
classes (generated from proto/ by Debian's grpc-tools).

  bulk_sessions.py SERVER N LISTEN_ADDR FORWARD_ADDR DESTINATION"""
import importlib.machinery
import json
import os
import sys
import time

import grpc

here = os.path.dirname(os.path.realpath(__file__))
ctl = importlib.machinery.SourceFileLoader(
    "rtpproxyctl", os.path.join(here, "..", "..", "usertools", "rtpproxyctl")).load_module()
pb, rpc = ctl.pb, ctl.rpc

server, n = sys.argv[1], int(sys.argv[2])
listen_addr, forward_addr, dest = sys.argv[3], sys.argv[4], ctl.endpoint(sys.argv[5])
stub = rpc.RtpProxyStub(grpc.insecure_channel(server))
out = {"created": 0, "listed": 0, "pages": 0, "destroyed": 0, "errors": []}
ids, ports = [], set()
t0 = time.time()
for i in range(n):
    try:
        r = stub.CreateSession(pb.CreateSessionRequest(
            listen=pb.Endpoint(address=listen_addr, port=0),
            forward=pb.Endpoint(address=forward_addr, port=0), destination=dest), timeout=10)
        ids.append(r.session_id)
        ports.add((r.listen.port, r.forward.port))
    except grpc.RpcError as e:
        out["errors"].append("create %d: %s %s" % (i, e.code().name, e.details()))
        break
out["created"] = len(ids)
out["distinct_port_pairs"] = len(ports)
out["create_s"] = round(time.time() - t0, 2)
token, seen = "", set()
while True:
    r = stub.ListSessions(pb.ListSessionsRequest(page_size=1000, page_token=token), timeout=10)
    out["pages"] += 1
    seen.update(s.session_id for s in r.sessions)
    out["listed"] += len(r.sessions)
    token = r.next_page_token
    if not token or out["pages"] > 100:
        break
out["listed_all_created"] = set(ids) <= seen
for sid in ids:
    try:
        stub.DestroySession(pb.DestroySessionRequest(session_id=sid), timeout=10)
        out["destroyed"] += 1
    except grpc.RpcError as e:
        out["errors"].append("destroy %d: %s %s" % (sid, e.code().name, e.details()))
print(json.dumps(out))
