#!/usr/bin/env python3
"""The shape rules of the sources (issue 21): no file over 500 lines, no
function over 80 lines without a reason written above it.

A function counts from its signature's first line to its closing brace. The
reason is a comment line right above the signature (or above its template
line) that starts with "Long because". Lambdas count in the function around
them. The YAML scanner fast_outline.cc may stay whole (one state machine).

Usage: source-shape.py [--list] DIR...   exits 1 and names each breach.
Functions are found by brace depth after comments and literals are taken out:
our clang-format style puts a definition's closing brace in column 0 and never
indents namespaces, so depth 0 outside namespaces is "between functions".
"""
import os
import re
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
WHOLE_FILES = {"fast_outline.cc"}
REASON = re.compile(r"^\s*//.*\bLong because\b")


def strip_code(text):
    """The text with comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and raw_string_starts(text, i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def raw_string_starts(text, i):
    """Whether the R at `i` opens a raw string: alone, or after u8, u, U or L (u8R"(...)")."""
    start = i
    if text[max(0, i - 2):i] == "u8":
        start = i - 2
    elif i > 0 and text[i - 1] in "uUL":
        start = i - 1
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")


def is_function(text):
    """Whether a declaration's text, up to its '{', is a function's signature.

    A '(' before any '=': `int F(int a = 1) {`, not `kTable = {`. Template
    heads and operator names are set aside first (`operator==`, `template <int
    N = 1>`), and a lambda given a name at namespace scope counts
    (`const auto kF = [](int x) {`).
    """
    text = re.sub(r"^template\s*<[^<>]*(<[^<>]*>[^<>]*)*>", "", text.strip())
    text = re.sub(r"operator\s*(\(\)|[^\s(]+)", "operator_", text)
    if re.search(r"=\s*\[[^\]]*\]", text):
        return True
    return "(" in text and ("=" not in text or text.index("(") < text.index("="))


def long_functions(path):
    """(first line, length, signature) of each function over the limit without a reason.

    Scopes are a stack: a brace opens a namespace, a class (or struct, union,
    enum) or a block. A block is a function body when its scope is a namespace
    or a class and the text since the scope's last ';', '{' or '}' has a '('
    before any '=' (so `kTable = {` is data, not a function).
    """
    with open(path, encoding="utf-8") as f:
        raw = f.read().split("\n")
    code = strip_code("\n".join(raw)).split("\n")
    found = []
    scopes = []         # "namespace", "class", "function" or "block"
    pending = []        # (line, text) since the last terminator in the innermost scope
    body_start = {}     # depth of an open function body -> its signature's first line

    def declaration():
        return "".join(text for _, text in pending)

    saved = []          # the pending text around an initializer's braces
    previous = "\n"     # the character before the current one
    for number, line in enumerate(code):
        for ch in line:
            if ch == "{":
                text = declaration().strip()
                outer = scopes[-1] if scopes else "namespace"
                if re.match(r"^(inline\s+)?namespace\b|^extern\s*$", text):
                    kind = "namespace"
                elif outer in ("namespace", "class") and re.search(r"\b(class|struct|union|enum)\b[^()=]*$", text):
                    kind = "class"
                elif outer in ("namespace", "class") and (previous.isalnum() or previous in "_>" or
                                                          text.endswith(("=", ",", "(", "{", "<"))):
                    # An initializer (`x_{x}`, `= {}`, `f({...})`): our style
                    # puts a space before a body's brace, none before these.
                    kind = "init"
                    saved.append(pending)
                elif outer in ("namespace", "class") and is_function(text):
                    kind = "function"
                    first = next((n for n, t in pending if t.strip()), number)
                    body_start[len(scopes)] = first
                else:
                    kind = "block"
                scopes.append(kind)
                pending = []
            elif ch == "}":
                kind = scopes.pop() if scopes else "namespace"
                if kind == "init":
                    pending = saved.pop()
                    pending.append((number, "{}"))
                    previous = ch
                    continue
                if kind == "function":
                    first = body_start.pop(len(scopes))
                    length = number - first + 1
                    if length > MAX_FUNCTION_LINES and not has_reason(raw, first):
                        found.append((first + 1, length, raw[first].strip()[:90]))
                pending = []
            elif ch == ";":
                pending = []
            else:
                if not pending or pending[-1][0] != number:
                    pending.append((number, ""))
                pending[-1] = (number, pending[-1][1] + ch)
            previous = ch
        previous = "\n"
        # access specifiers and preprocessor lines are not part of a declaration
        if re.match(r"^\s*(public|private|protected)\s*:\s*$|^\s*#", line):
            pending = []
    return found


def has_reason(raw, first):
    above = first - 1
    while above >= 0 and raw[above].lstrip().startswith("template"):
        above -= 1
    while above >= 0 and raw[above].lstrip().startswith("//"):
        if REASON.match(raw[above]):
            return True
        above -= 1
    return False


def main(argv):
    list_only = "--list" in argv
    dirs = [a for a in argv[1:] if a != "--list"]
    breaches = []
    for top in dirs:
        for root, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as f:
                    lines = f.read().count("\n")
                if name in WHOLE_FILES:
                    continue
                if lines > MAX_FILE_LINES:
                    breaches.append(f"{path}: {lines} lines (at most {MAX_FILE_LINES}): split it")
                for first, length, signature in long_functions(path):
                    breaches.append(f"{path}:{first}: function of {length} lines (at most {MAX_FUNCTION_LINES} "
                                    f"without a comment above it starting 'Long because'): {signature}")
    for breach in breaches:
        print(breach)
    return 0 if list_only or not breaches else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
