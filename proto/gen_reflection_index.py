#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn a FileDescriptorSet (protoc-c --descriptor_set_out --include_imports)
into C tables for gRPC server reflection (lib/api/reflection.c):

  gen_reflection_index.py SET OUT_C OUT_H

- every file: its name, its serialized FileDescriptorProto (the bytes a
  reflection client gets) and its transitive dependencies;
- every fully qualified symbol a client may ask about (messages and enums,
  also nested ones, their fields and values, services, methods) with the file
  that declares it and its kind, sorted for bsearch();
- every service, for list_services.

The wire format is read here with the standard library only, so the build
needs no protobuf Python module and the C side no descriptor.proto bindings.
Field numbers are those of google/protobuf/descriptor.proto."""
import sys

# FileDescriptorSet
SET_FILE = 1
# FileDescriptorProto
FILE_NAME, FILE_PACKAGE, FILE_DEPENDENCY = 1, 2, 3
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
# DescriptorProto
MSG_NAME, MSG_FIELD, MSG_NESTED, MSG_ENUM = 1, 2, 3, 4
# FieldDescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto,
# ServiceDescriptorProto, MethodDescriptorProto: name is field 1
NAME = 1
ENUM_VALUE = 2
SERVICE_METHOD = 2

WIRE_VARINT, WIRE_FIXED64, WIRE_LEN, WIRE_FIXED32 = 0, 1, 2, 5


class WireError(Exception):
    pass


def varint(buf, pos):
    value, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise WireError("varint runs past the end")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def fields(buf):
    """(number, bytes) of every length-delimited field; others skipped."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == WIRE_VARINT:
            _, pos = varint(buf, pos)
        elif wire == WIRE_FIXED64:
            pos += 8
        elif wire == WIRE_FIXED32:
            pos += 4
        elif wire == WIRE_LEN:
            n, pos = varint(buf, pos)
            if pos + n > len(buf):
                raise WireError("field %d runs past the end" % number)
            yield number, buf[pos:pos + n]
            pos += n
        else:
            raise WireError("unsupported wire type %d (field %d)" % (wire, number))
    if pos != len(buf):
        raise WireError("truncated message")


def strings(buf, number):
    return [v.decode() for n, v in fields(buf) if n == number]


def subs(buf, number):
    return [v for n, v in fields(buf) if n == number]


def name_of(buf):
    names = strings(buf, NAME)
    if len(names) != 1:
        raise WireError("a descriptor without exactly one name")
    return names[0]


def enum_symbols(scope, enum):
    """An enum and its values; values live in the enum's enclosing scope."""
    yield "ENUM", scope + name_of(enum)
    for value in subs(enum, ENUM_VALUE):
        yield "ENUM_VALUE", scope + name_of(value)


def message_symbols(scope, msg):
    full = scope + name_of(msg)
    yield "MESSAGE", full
    for field in subs(msg, MSG_FIELD):
        yield "FIELD", full + "." + name_of(field)
    for nested in subs(msg, MSG_NESTED):
        yield from message_symbols(full + ".", nested)
    for enum in subs(msg, MSG_ENUM):
        yield from enum_symbols(full + ".", enum)


def file_symbols(fdp):
    packages = strings(fdp, FILE_PACKAGE)
    scope = packages[0] + "." if packages else ""
    for msg in subs(fdp, FILE_MESSAGE):
        yield from message_symbols(scope, msg)
    for enum in subs(fdp, FILE_ENUM):
        yield from enum_symbols(scope, enum)
    for svc in subs(fdp, FILE_SERVICE):
        service = scope + name_of(svc)
        yield "SERVICE", service
        for method in subs(svc, SERVICE_METHOD):
            yield "METHOD", service + "." + name_of(method)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_bytes(data):
    rows = []
    for i in range(0, len(data), 16):
        rows.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 16]))
    return "\n".join(rows)


def transitive_deps(index, names, deps):
    """Every file index reachable from file index, in first-seen order."""
    seen, order, todo = {index}, [], list(deps[index])
    while todo:
        name = todo.pop(0)
        if name not in names:
            raise WireError("%s imports %s, which is not in the set (--include_imports?)"
                            % (list(names)[index], name))
        i = names[name]
        if i not in seen:
            seen.add(i)
            order.append(i)
            todo.extend(deps[i])
    return order


def build_index(data):
    """(files, closure, symbols, services) of a serialized FileDescriptorSet:
    files are the serialized FileDescriptorProtos, closure[i] the indexes of
    every file file i imports (directly or not, each once, nearest first),
    symbols {name: (file index, kind)}, services their names."""
    files = subs(data, SET_FILE)
    if not files:
        raise WireError("no file descriptors in the set")
    names, deps, symbols, services = {}, [], {}, []
    for i, fdp in enumerate(files):
        names[name_of(fdp)] = i
        deps.append(strings(fdp, FILE_DEPENDENCY))
        for kind, symbol in file_symbols(fdp):
            if symbol in symbols:
                raise WireError("symbol %s declared twice" % symbol)
            symbols[symbol] = (i, kind)
            if kind == "SERVICE":
                services.append(symbol)
    closure = [transitive_deps(i, names, deps) for i in range(len(files))]
    return files, closure, symbols, services


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen_reflection_index.py DESCRIPTOR_SET OUT_C OUT_H")
    src, out_c, out_h = sys.argv[1:]
    with open(src, "rb") as f:
        files, closure, symbols, services = build_index(f.read())

    h = ["/* Generated by proto/gen_reflection_index.py from %s: do not edit. */" %
         src.split("/")[-1],
         "#ifndef RTPP_REFLECTION_INDEX_H",
         "#define RTPP_REFLECTION_INDEX_H",
         "",
         "#include <stddef.h>",
         "#include <stdint.h>",
         "",
         "/* One .proto file this server serves. */",
         "struct rtpp_reflection_file {",
         "\tconst char *name;               /* \"rtpproxy.proto\" */",
         "\tconst uint8_t *descriptor;      /* serialized FileDescriptorProto */",
         "\tsize_t descriptor_len;",
         "\tconst uint16_t *deps;           /* transitive imports (file indexes) */",
         "\tuint16_t ndeps;",
         "};",
         "",
         "enum rtpp_reflection_kind {",
         "\tRTPP_REFLECTION_MESSAGE, RTPP_REFLECTION_FIELD, RTPP_REFLECTION_ENUM,",
         "\tRTPP_REFLECTION_ENUM_VALUE, RTPP_REFLECTION_SERVICE, RTPP_REFLECTION_METHOD,",
         "};",
         "",
         "/* A fully qualified name (\"rtpproxy.RtpProxy.CreateSession\"). */",
         "struct rtpp_reflection_symbol {",
         "\tconst char *name;",
         "\tuint16_t file;                  /* index into rtpp_reflection_files */",
         "\tenum rtpp_reflection_kind kind;",
         "};",
         "",
         "extern const struct rtpp_reflection_file rtpp_reflection_files[];",
         "extern const size_t rtpp_reflection_nfiles;",
         "/* Sorted by strcmp() of name. */",
         "extern const struct rtpp_reflection_symbol rtpp_reflection_symbols[];",
         "extern const size_t rtpp_reflection_nsymbols;",
         "extern const char *const rtpp_reflection_services[];",
         "extern const size_t rtpp_reflection_nservices;",
         "",
         "#endif",
         ""]

    c = ["/* Generated by proto/gen_reflection_index.py from %s: do not edit. */" %
         src.split("/")[-1],
         '#include "%s"' % out_h.split("/")[-1], ""]
    for i, fdp in enumerate(files):
        c.append("static const uint8_t descriptor_%d[] = {\n%s\n};" % (i, c_bytes(fdp)))
        if closure[i]:
            c.append("static const uint16_t deps_%d[] = { %s };" %
                     (i, ", ".join(str(d) for d in closure[i])))
    c.append("")
    c.append("const struct rtpp_reflection_file rtpp_reflection_files[] = {")
    for i, fdp in enumerate(files):
        c.append("\t{ %s, descriptor_%d, sizeof(descriptor_%d), %s, %d }," % (
            c_string(name_of(fdp)), i, i, "deps_%d" % i if closure[i] else "NULL",
            len(closure[i])))
    c.append("};")
    c.append("const size_t rtpp_reflection_nfiles = %d;" % len(files))
    c.append("")
    c.append("const struct rtpp_reflection_symbol rtpp_reflection_symbols[] = {")
    for symbol in sorted(symbols, key=lambda s: s.encode()):
        i, kind = symbols[symbol]
        c.append("\t{ %s, %d, RTPP_REFLECTION_%s }," % (c_string(symbol), i, kind))
    c.append("};")
    c.append("const size_t rtpp_reflection_nsymbols = %d;" % len(symbols))
    c.append("")
    c.append("const char *const rtpp_reflection_services[] = {")
    c.extend("\t%s," % c_string(s) for s in services)
    c.append("};")
    c.append("const size_t rtpp_reflection_nservices = %d;" % len(services))
    c.append("")

    with open(out_h, "w") as f:
        f.write("\n".join(h))
    with open(out_c, "w") as f:
        f.write("\n".join(c))


if __name__ == "__main__":
    try:
        main()
    except WireError as e:
        sys.exit("gen_reflection_index.py: %s: not a valid FileDescriptorSet: %s" %
                 (sys.argv[1], e))
