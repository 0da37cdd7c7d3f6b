#!/usr/bin/env python3
"""scripts/source-shape.py on small sources of known shape, then on src/.

The rules (issue 21): no file in src/ over 500 lines, no function over 80
lines without a comment above it starting "Long because".
"""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "source-shape.py")


def body(lines):
    return "".join(f"  int v{i} = {i};\n" for i in range(lines))


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


class SourceShapeTest(unittest.TestCase):
    def shape_of(self, files):
        with tempfile.TemporaryDirectory() as folder:
            for name, text in files.items():
                with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                    f.write(text)
            result = run(folder)
            return result.returncode, result.stdout.replace(folder + os.sep, "")

    def test_a_function_of_81_lines_is_named_with_its_first_line(self):
        code, out = self.shape_of({"a.cc": "namespace x {\n\nint Long() {\n" + body(79) + "}\n\n}  // namespace x\n"})
        self.assertEqual(code, 1)
        self.assertIn("a.cc:3: function of 81 lines", out)

    def test_80_lines_pass(self):
        code, out = self.shape_of({"a.cc": "int Fits() {\n" + body(78) + "}\n"})
        self.assertEqual((code, out), (0, ""))

    def test_a_reason_above_the_signature_lets_it_be_long(self):
        code, out = self.shape_of({"a.cc": "// One state machine.\n// Long because the states read as one table.\n"
                                           "template <typename T>\nint Long(T) {\n" + body(100) + "}\n"})
        self.assertEqual((code, out), (0, ""))

    def test_member_functions_count_not_the_class_around_them(self):
        members = "".join(f"  int F{i}() {{\n{body(20)}  }}\n" for i in range(10))
        code, out = self.shape_of({"a.h": "class Big {\n public:\n" + members + "};\n"})
        self.assertEqual((code, out), (0, ""))
        code, out = self.shape_of({"a.h": "struct S {\n  void Run() const {\n" + body(85) + "  }\n};\n"})
        self.assertEqual(code, 1)
        self.assertIn("a.h:2: function of 87 lines", out)

    def test_braces_in_strings_and_comments_do_not_count(self):
        text = 'int F() {\n  const char* s = "}}}";\n  // }\n  char c = \'}\';\n' + body(90) + "}\n"
        code, out = self.shape_of({"a.cc": text})
        self.assertIn("a.cc:1: function of 95 lines", out)

    def test_every_shape_of_definition_is_found(self):
        shapes = {
            "operator.cc": "bool operator==(const A& a, const A& b) {\n",
            "assign.h": "struct A {\n  A& operator=(const A& other) {\n",
            "ctor.cc": "Foo::Foo(int x) : y_(x), x_{x} {\n",
            "default_argument.cc": "void Say(int code, std::string hint = {}) {\n",
            "template_default.cc": "template <typename T = int>\nT Zero() {\n",
            "lambda.cc": "const auto kCheck = [](int x) {\n",
            "trailing.cc": "auto Make() -> decltype(Thing{}) {\n",
            "signature.cc": "int Long(int a,\n         int b) {\n",
            "raw_string.cc": 'const char* kText = u8R"({{{)";\nint F() {\n',
        }
        for name, opening in shapes.items():
            with self.subTest(name):
                closing = "  }\n};\n" if name == "assign.h" else ("};\n" if name == "lambda.cc" else "}\n")
                code, out = self.shape_of({name: opening + body(90) + closing})
                self.assertEqual(code, 1, out)
                self.assertIn(": function of 9", out)

    def test_a_table_is_data_not_a_function(self):
        code, out = self.shape_of({"a.cc": "const int kTable[] = {\n" + "".join(f"  {i},\n" for i in range(200)) + "};\n"})
        self.assertEqual((code, out), (0, ""))

    def test_a_file_over_500_lines(self):
        code, out = self.shape_of({"a.cc": "// line\n" * 501, "fast_outline.cc": "// line\n" * 900})
        self.assertEqual(code, 1)
        self.assertEqual(out, "a.cc: 501 lines (at most 500): split it\n")

    def test_src_keeps_the_rules(self):
        result = run(os.path.join(ROOT, "src"))
        self.assertEqual(result.returncode, 0, result.stdout)


if __name__ == "__main__":
    unittest.main()
