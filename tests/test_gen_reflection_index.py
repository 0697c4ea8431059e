#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""proto/gen_reflection_index.py on a descriptor set with imports, which the
server's own files do not have: top.proto imports mid.proto, which imports
base.proto. Checks the dependency closure, the symbol kinds (nested types,
enum values in the enum's enclosing scope) and the emitted C tables.

  test_gen_reflection_index.py PROTOC_C GENERATOR DATA_DIR"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

PROTOC_C, GENERATOR, DATA_DIR = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("gen", GENERATOR)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)


class GeneratorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.set_path = os.path.join(cls.tmp.name, "t.desc")
        # Only top.proto is named: --include_imports must bring the others.
        subprocess.run([PROTOC_C, "--proto_path=" + DATA_DIR, "--include_imports",
                        "--descriptor_set_out=" + cls.set_path, "top.proto"], check=True)
        with open(cls.set_path, "rb") as f:
            cls.files, cls.closure, cls.symbols, cls.services = gen.build_index(f.read())
        cls.names = [gen.name_of(f) for f in cls.files]

    def test_transitive_closure(self):
        top, mid, base = (self.names.index(n) for n in ("top.proto", "mid.proto", "base.proto"))
        self.assertEqual(self.closure[top], [mid, base])
        self.assertEqual(self.closure[mid], [base])
        self.assertEqual(self.closure[base], [])

    def test_symbols(self):
        want = {
            "t.Draw": ("top.proto", "SERVICE"),
            "t.Draw.Stroke": ("top.proto", "METHOD"),
            "t.mid.Line": ("mid.proto", "MESSAGE"),
            "t.mid.Line.a": ("mid.proto", "FIELD"),
            "t.base.Color": ("base.proto", "ENUM"),
            "t.base.COLOR_RED": ("base.proto", "ENUM_VALUE"),
            "t.base.Point.Inner": ("base.proto", "MESSAGE"),
            "t.base.Point.Inner.Kind": ("base.proto", "ENUM"),
            "t.base.Point.Inner.KIND_ZERO": ("base.proto", "ENUM_VALUE"),
            "t.base.Point.Inner.kind": ("base.proto", "FIELD"),
        }
        for symbol, (file, kind) in want.items():
            self.assertIn(symbol, self.symbols)
            i, k = self.symbols[symbol]
            self.assertEqual((self.names[i], k), (file, kind), symbol)
        self.assertNotIn("t.base.Point.Inner.Kind.KIND_ZERO", self.symbols)
        self.assertEqual(self.services, ["t.Draw"])

    def test_c_tables(self):
        out_c = os.path.join(self.tmp.name, "idx.c")
        out_h = os.path.join(self.tmp.name, "idx.h")
        subprocess.run([sys.executable, GENERATOR, self.set_path, out_c, out_h], check=True)
        c = open(out_c).read()
        top = self.names.index("top.proto")
        deps = ", ".join(str(d) for d in self.closure[top])
        self.assertIn("static const uint16_t deps_%d[] = { %s };" % (top, deps), c)
        self.assertIn('{ "top.proto", descriptor_%d, sizeof(descriptor_%d), deps_%d, 2 },'
                      % (top, top, top), c)
        # Sorted as strcmp() sorts, for bsearch().
        listed = [line.split('"')[1] for line in c.splitlines()
                  if line.startswith('\t{ "') and "RTPP_REFLECTION_" in line]
        self.assertEqual(listed, sorted(listed, key=str.encode))
        self.assertEqual(len(listed), len(self.symbols))

    def test_not_a_descriptor_set(self):
        with self.assertRaises(gen.WireError):
            gen.build_index(b"\x0a\x7f\x01")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
