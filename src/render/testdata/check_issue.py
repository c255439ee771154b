#!/usr/bin/env python3
"""Reads rendered issues with Python's email package: check_mime.py's checks, plus
what each body must and must not contain.

Usage: check_issue.py DIR

For every DIR/NAME.eml there is a DIR/NAME.json as check_mime.py describes, with
optional lists "text_has", "html_has", "text_lacks", "html_lacks" of strings that the
decoded text or HTML body must (or must not) contain, "no_headers" (names that must
be absent), and "max_body_line" (octets of the longest encoded body line).

Exit status 0 when every message passes; 1 with one line per problem; 2 for bad usage.
"""
import email.parser
import email.policy
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent.parent / "mime" / "testdata"))
import check_mime  # noqa: E402


def content_problems(raw, expected):
    problems = []
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    bodies = {}
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        bodies[kind] = check_mime.lf(part.get_content()) if part is not None else ""
    for key, kind, present in (("text_has", "plain", True), ("html_has", "html", True),
                               ("text_lacks", "plain", False), ("html_lacks", "html", False)):
        for needle in expected.get(key, []):
            if (needle in bodies[kind]) != present:
                verb = "lacks" if present else "has"
                problems.append(f"{kind} body {verb} {needle!r}")
    for name in expected.get("no_headers", []):
        if message[name] is not None:
            problems.append(f"has a {name} header: {message[name]!r}")
    limit = expected.get("max_body_line")
    if limit:
        body = raw[raw.index(b"\r\n\r\n") + 4:]
        longest = max(len(line) for line in body.split(b"\r\n"))
        if longest > limit:
            problems.append(f"a body line has {longest} octets (limit {limit})")
    return problems


def check(eml, expected):
    return check_mime.check(eml, expected) + content_problems(eml.read_bytes(), expected)


def main(argv):
    return check_mime.check_folder(argv, __doc__, "check_issue", check,
                                   "issues read back as meant")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
