#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A generic gRPC client that knows nothing of rtpproxy's .proto files:

  reflection_client.py ADDR

For each of grpc.reflection.v1 and v1alpha, over one ServerReflectionInfo
stream (a request is sent only after the previous answer arrived, as
interactive tools do): list the services; fetch the file declaring
rtpproxy.RtpProxy and build message classes from it in a fresh descriptor
pool; call rtpproxy.RtpProxy/ListSessions with those classes; also ask for
a method, a nested enum, a file by name and an unknown symbol. Prints one
JSON object {"v1": {...}, "v1alpha": {...}} of what it saw.

The reflection messages are generated at start by grpc_tools.protoc from
Debian's grpc-proto (/usr/share/grpc-proto), not from this project's proto/.
Needs Debian's python3-grpcio, python3-grpc-tools and grpc-proto."""
import importlib.util
import json
import os
import queue
import shutil
import sys
import tempfile

import grpc
from grpc_tools import protoc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

GRPC_PROTO = os.environ.get("RTPP_GRPC_PROTO_DIR", "/usr/share/grpc-proto")
VERSIONS = ("v1", "v1alpha")
TIMEOUT = 10


def reflection_messages(version, out):
    """The module protoc generates from grpc/reflection/VERSION/reflection.proto.

    It is loaded by path under its own name: its package path (grpc.*)
    would collide with grpcio's own `grpc` package."""
    rel = "grpc/reflection/%s/reflection.proto" % version
    if not os.path.exists(os.path.join(GRPC_PROTO, rel)):
        sys.exit("reflection_client: %s/%s missing (apt-get install grpc-proto)" % (GRPC_PROTO, rel))
    if protoc.main(["protoc", "-I" + GRPC_PROTO, "--python_out=" + out, rel]) != 0:
        sys.exit("reflection_client: protoc failed on %s" % rel)
    path = os.path.join(out, rel.replace(".proto", "_pb2.py"))
    spec = importlib.util.spec_from_file_location("reflection_%s_pb2" % version, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Conversation:
    """One ServerReflectionInfo call, one request at a time."""

    def __init__(self, channel, version, pb):
        self.pb = pb
        self.requests = queue.Queue()
        call = channel.stream_stream(
            "/grpc.reflection.%s.ServerReflection/ServerReflectionInfo" % version,
            request_serializer=pb.ServerReflectionRequest.SerializeToString,
            response_deserializer=pb.ServerReflectionResponse.FromString)
        self.responses = call(iter(self.requests.get, None), timeout=TIMEOUT)

    def ask(self, **field):
        self.requests.put(self.pb.ServerReflectionRequest(host="", **field))
        return next(self.responses)

    def close(self):
        """Half-close; the server then ends the call with OK."""
        self.requests.put(None)
        rest = list(self.responses)
        return rest, self.responses.code().name


def files_of(response):
    if response.WhichOneof("message_response") != "file_descriptor_response":
        raise RuntimeError("expected files, got %s" % response)
    return [descriptor_pb2.FileDescriptorProto.FromString(b)
            for b in response.file_descriptor_response.file_descriptor_proto]


def pool_of(files):
    """A fresh pool with the files, each after the files it imports."""
    pool, added, todo = descriptor_pool.DescriptorPool(), set(), list(files)
    while todo:
        ready = [f for f in todo if all(d in added for d in f.dependency)]
        if not ready:
            raise RuntimeError("imports missing from the answer: %s" %
                               sorted({d for f in todo for d in f.dependency} - added))
        for f in ready:
            pool.Add(f)
            added.add(f.name)
            todo.remove(f)
    return pool


def message_class(pool, full_name):
    desc = pool.FindMessageTypeByName(full_name)
    if hasattr(message_factory, "GetMessageClass"):   # protobuf >= 4.22
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def error_of(response):
    if response.WhichOneof("message_response") != "error_response":
        return None
    return {"code": response.error_response.error_code,
            "message": response.error_response.error_message}


def explore(channel, version, pb):
    seen = {}
    talk = Conversation(channel, version, pb)

    r = talk.ask(list_services="")
    seen["services"] = sorted(s.name for s in r.list_services_response.service)

    files = files_of(talk.ask(file_containing_symbol="rtpproxy.RtpProxy"))
    seen["symbol_file"] = files[0].name
    pool = pool_of(files)
    service = pool.FindServiceByName("rtpproxy.RtpProxy")
    seen["methods"] = [m.name for m in service.methods]

    # A real call with classes built only from what reflection said.
    method = service.methods_by_name["ListSessions"]
    request_cls = message_class(pool, method.input_type.full_name)
    response_cls = message_class(pool, method.output_type.full_name)
    list_sessions = channel.unary_unary(
        "/%s/%s" % (service.full_name, method.name),
        request_serializer=request_cls.SerializeToString,
        response_deserializer=response_cls.FromString)
    reply = list_sessions(request_cls(page_size=10), timeout=TIMEOUT)
    seen["list_sessions"] = {"total": reply.total_sessions,
                             "names": [s.name for s in reply.sessions],
                             "request_type": method.input_type.full_name}

    seen["method_file"] = files_of(talk.ask(
        file_containing_symbol="rtpproxy.RtpProxy.CreateSession"))[0].name
    seen["nested_enum_file"] = files_of(talk.ask(
        file_containing_symbol="grpc.health.v1.HealthCheckResponse.ServingStatus"))[0].name
    seen["by_name_file"] = files_of(talk.ask(file_by_filename="health.proto"))[0].name
    seen["own_file"] = files_of(talk.ask(
        file_containing_symbol="grpc.reflection.%s.ServerReflection" % version))[0].name
    seen["unknown_symbol"] = error_of(talk.ask(file_containing_symbol="rtpproxy.NoSuchThing"))
    seen["unknown_file"] = error_of(talk.ask(file_by_filename="no/such.proto"))
    rest, status = talk.close()
    seen["after_half_close"] = {"responses": len(rest), "status": status}
    return seen


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: reflection_client.py ADDR")
    out = tempfile.mkdtemp(prefix="rtpp-reflection-")
    try:
        modules = {v: reflection_messages(v, out) for v in VERSIONS}
        channel = grpc.insecure_channel(sys.argv[1])
        result = {}
        for v in VERSIONS:
            try:
                result[v] = explore(channel, v, modules[v])
            except grpc.RpcError as e:
                result[v] = {"rpc_error": "%s: %s" % (e.code().name, e.details())}
            except (RuntimeError, KeyError, StopIteration) as e:
                result[v] = {"client_error": "%s: %s" % (type(e).__name__, e)}
        channel.close()
    finally:
        shutil.rmtree(out, True)
    print(json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
