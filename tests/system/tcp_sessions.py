#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Create N TCP sessions over gRPC in one process (rtpproxyctl starts a
Python per call): session i listens on LISTEN_ADDR:FIRST_PORT + i x STEP,
forwards from FORWARD_ADDR (port allocated) to DESTINATION. Prints a JSON
summary with the ids; exit status 1 when one was refused.

  tcp_sessions.py SERVER N LISTEN_ADDR FIRST_PORT STEP FORWARD_ADDR DESTINATION [NAME_PREFIX]"""
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


def main():
    server, n = sys.argv[1], int(sys.argv[2])
    listen_addr, first, step = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    forward_addr, dest = sys.argv[6], ctl.endpoint(sys.argv[7])
    prefix = sys.argv[8] if len(sys.argv) > 8 else ""
    stub = rpc.RtpProxyStub(grpc.insecure_channel(server))
    out = {"created": 0, "ids": [], "errors": []}
    t0 = time.time()
    for i in range(n):
        try:
            r = stub.CreateSession(pb.CreateSessionRequest(
                protocol=pb.PROTOCOL_TCP, name="%s%d" % (prefix, i) if prefix else "",
                listen=pb.Endpoint(address=listen_addr, port=first + i * step),
                forward=pb.Endpoint(address=forward_addr, port=0), destination=dest),
                timeout=10)
            out["ids"].append(r.session_id)
        except grpc.RpcError as e:
            out["errors"].append("create %d: %s %s" % (i, e.code().name, e.details()))
            break
    out["created"] = len(out["ids"])
    out["create_s"] = round(time.time() - t0, 3)
    print(json.dumps(out))
    return 0 if not out["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
