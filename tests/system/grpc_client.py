#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A gRPC client for the system tests, on Debian's python3-grpcio with stubs
generated from proto/rtpproxy.proto at test time (a client this project did
not write). Prints one JSON object per call; errors as {"code", "details"}.

  grpc_client.py STUBS_DIR ADDR create LISTEN FORWARD DESTINATION [NAME]
  grpc_client.py STUBS_DIR ADDR status ID | destroy ID | list [PAGE_SIZE]
  grpc_client.py STUBS_DIR ADDR events OUT_FILE SECONDS [MAX_EVENTS]
  grpc_client.py STUBS_DIR ADDR health [SERVICE]    (grpc.health.v1.Health/Check)
Endpoints are ADDRESS:PORT (IPv4 only here)."""
import json
import sys
import time

import grpc

sys.path.insert(0, sys.argv[1])
import rtpproxy_pb2 as pb  # noqa: E402
import rtpproxy_pb2_grpc as rpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402

STATES = {v: k for k, v in pb.SessionState.items()}
EVENTS = {v: k for k, v in pb.EventType.items()}


def endpoint(text):
    host, port = text.rsplit(":", 1)
    return pb.Endpoint(address=host, port=int(port))


def status_json(s):
    flow = lambda f: {"rx": f.packets_received, "tx": f.packets_sent,
                      "rx_bytes": f.bytes_received, "tx_bytes": f.bytes_sent}
    return {"id": s.session_id, "name": s.name, "state": STATES[s.state],
            "listen": "%s:%d" % (s.listen.address, s.listen.port),
            "forward": "%s:%d" % (s.forward.address, s.forward.port),
            "destination": "%s:%d" % (s.destination.address, s.destination.port),
            "a_to_b": flow(s.a_to_b), "rtcp_a_to_b": flow(s.rtcp_a_to_b)}


def main():
    stub = rpc.RtpProxyStub(grpc.insecure_channel(sys.argv[2]))
    cmd, args = sys.argv[3], sys.argv[4:]
    try:
        if cmd == "create":
            r = stub.CreateSession(pb.CreateSessionRequest(
                listen=endpoint(args[0]), forward=endpoint(args[1]),
                destination=endpoint(args[2]), name=args[3] if len(args) > 3 else ""),
                timeout=5)
            out = {"id": r.session_id}
        elif cmd == "status":
            out = status_json(stub.GetSessionStatus(
                pb.GetSessionStatusRequest(session_id=int(args[0])), timeout=5))
        elif cmd == "destroy":
            r = stub.DestroySession(pb.DestroySessionRequest(session_id=int(args[0])), timeout=5)
            out = status_json(r.final_status)
        elif cmd == "list":
            r = stub.ListSessions(pb.ListSessionsRequest(
                page_size=int(args[0]) if args else 0), timeout=5)
            out = {"ids": [s.session_id for s in r.sessions], "next": r.next_page_token,
                   "total": r.total_sessions}
        elif cmd == "health":
            h = health_pb2_grpc.HealthStub(grpc.insecure_channel(sys.argv[2]))
            r = h.Check(health_pb2.HealthCheckRequest(service=args[0] if args else ""), timeout=5)
            out = {"status": health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)}
        elif cmd == "events":
            out_file, seconds = args[0], float(args[1])
            limit = int(args[2]) if len(args) > 2 else 1000
            got = []
            stream = stub.StreamSessionEvents(pb.StreamSessionEventsRequest(), timeout=seconds)
            try:
                for ev in stream:
                    got.append({"type": EVENTS[ev.type], "id": ev.session_id,
                                "seq": ev.sequence, "state": STATES[ev.status.state]})
                    with open(out_file, "w") as f:  # what arrived so far, for the test
                        json.dump(got, f)
                    if len(got) >= limit:
                        stream.cancel()
                        break
            except grpc.RpcError as e:
                if e.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                    raise
            out = {"events": got}
        else:
            raise SystemExit("unknown command " + cmd)
    except grpc.RpcError as e:
        out = {"code": e.code().name, "details": e.details()}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
