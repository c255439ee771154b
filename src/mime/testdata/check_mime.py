#!/usr/bin/env python3
"""Reads what the MIME writer wrote with Python's email package, a second opinion.

Usage: check_mime.py DIR

For every DIR/NAME.eml there is a DIR/NAME.json written by src/mime/python_test.cpp:
  {"subject": str, "from_name": str, "from_address": str, "to_name": str,
   "to_address": str, "text": str, "html": str or null, "headers": {name: value}}
Each message is parsed with BytesParser(policy=email.policy.default); it must have no
defect on the message, on any part or on any header, no encoded word may be longer
than 75 characters or split a UTF-8 character, and its decoded subject, From and
To, text and HTML bodies and the listed headers must equal the expected values (line
ends compared as LF). The wire format is checked too: CRLF only, lines of at most 998
octets, and lines of the fields the writer folds itself (Subject, From, ...) of at
most 78.

Exit status 0 when every message matches; 1 with one line per problem otherwise; 2 for
bad usage.
"""
import base64
import binascii
import email.header
import email.parser
import email.policy
import json
import pathlib
import quopri
import re
import sys


def lf(text):
    return text.replace("\r\n", "\n")


# Fields the writer can always fold within 78 characters; extra headers may hold a
# word (a long URL) that no fold can shorten, and are held to 998 only.
FOLDED_FIELDS = {b"date", b"from", b"to", b"reply-to", b"subject", b"mime-version",
                 b"content-type", b"content-transfer-encoding"}


def wire_problems(raw):
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    stripped = raw.replace(b"\r\n", b"")
    if b"\r" in stripped or b"\n" in stripped:
        problems.append("has a bare CR or LF")
    lines = raw.split(b"\r\n")
    header_end = lines.index(b"") if b"" in lines else len(lines)
    field = b""
    for number, line in enumerate(lines, 1):
        if len(line) > 998:
            problems.append(f"line {number} has {len(line)} octets")
        if number > header_end:
            continue
        if line[:1] not in (b" ", b"\t"):
            field = line.split(b":", 1)[0].lower()
        if field in FOLDED_FIELDS and len(line) > 78:
            problems.append(f"header line {number} has {len(line)} characters: {line[:40]!r}")
    return problems


ENCODED_WORD = re.compile(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")


def encoded_word_problems(message):
    """Each encoded word alone: at most 75 characters and whole UTF-8 characters.

    Python joins adjacent encoded words before decoding, so a character split across
    two words would pass the decoding check above; many clients show it broken.
    """
    problems = []
    for name, value in message.raw_items():
        for match in ENCODED_WORD.finditer(value):
            word, charset, scheme, text = match.group(0), *match.groups()
            if len(word) > 75:
                problems.append(f"{name}: encoded word of {len(word)} characters")
            if charset.lower() != "utf-8":
                problems.append(f"{name}: charset {charset}")
            if scheme in "bB":
                try:
                    data = base64.b64decode(text, validate=True)
                except binascii.Error:
                    problems.append(f"{name}: {word} is not base64")
                    continue
            else:
                data = quopri.decodestring(text.replace("_", " ").encode(), header=True)
            try:
                data.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                problems.append(f"{name}: {word} splits a UTF-8 character")
    return problems


def defects_of(message):
    found = []
    for part in message.walk():
        found += [f"{part.get_content_type()}: {d!r}" for d in part.defects]
        for name, value in part.items():
            found += [f"header {name}: {d!r}" for d in getattr(value, "defects", ())]
    return found


def legacy_display_name(phrase):
    """The display name as the older email.header API decodes it.

    Python before gh-128110 (fixed in 2025) keeps the white space between adjacent
    encoded words of a display name, which RFC 2047 6.2 says to ignore; the older
    API gets that right, so a long encoded name is checked with it instead.
    """
    return str(email.header.make_header(email.header.decode_header(phrase)))


def mailbox_problems(message, field, want_name, want_address):
    header = message[field]
    if header is None:
        return [f"no {field} header"]
    addresses = header.addresses
    if len(addresses) != 1:
        return [f"{field} has {len(addresses)} addresses: {str(header)!r}"]
    got = addresses[0]
    problems = []
    name = got.display_name
    if name != want_name and "=?" in raw_value(message, field):
        raw = raw_value(message, field)
        name = legacy_display_name(raw[: raw.rindex("<")].strip())
    if name != want_name:
        problems.append(f"{field} name {got.display_name!r} != {want_name!r}")
    if got.addr_spec != want_address:
        problems.append(f"{field} address {got.addr_spec!r} != {want_address!r}")
    return problems


def raw_value(message, field):
    """The header's value as written, unfolded."""
    for name, value in message.raw_items():
        if name.lower() == field.lower():
            return value.replace("\r\n", "").replace("\n", "")
    return ""


def body_problems(message, expected):
    problems = []
    want_html = expected["html"]
    want_type = "text/plain" if want_html is None else "multipart/alternative"
    if message.get_content_type() != want_type:
        return [f"content type {message.get_content_type()} != {want_type}"]
    leaves = [message] if want_html is None else list(message.iter_parts())
    kinds = [part.get_content_type() for part in leaves]
    if kinds != (["text/plain"] if want_html is None else ["text/plain", "text/html"]):
        problems.append(f"parts {kinds}")
    for part in leaves:
        if part.get_content_charset() != "utf-8":
            problems.append(f"{part.get_content_type()} charset {part.get_content_charset()}")
        if part["Content-Transfer-Encoding"] != "quoted-printable":
            problems.append(f"{part.get_content_type()} is not quoted-printable")
    for kind, want in (("plain", expected["text"]), ("html", want_html)):
        if want is None:
            continue
        part = message.get_body(preferencelist=(kind,))
        got = part.get_content() if part is not None else None
        if got is None or lf(got) != lf(want):
            problems.append(f"{kind} body {got!r} != {want!r}")
    return problems


def check(eml, expected):
    raw = eml.read_bytes()
    problems = wire_problems(raw)
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    problems += [f"defect: {d}" for d in defects_of(message)]
    problems += encoded_word_problems(message)
    if str(message["Subject"]) != expected["subject"]:
        problems.append(f"subject {str(message['Subject'])!r} != {expected['subject']!r}")
    problems += mailbox_problems(message, "From", expected["from_name"], expected["from_address"])
    problems += mailbox_problems(message, "To", expected["to_name"], expected["to_address"])
    for name, want in expected.get("headers", {}).items():
        if str(message[name]) != want:
            problems.append(f"header {name} {str(message[name])!r} != {want!r}")
    problems += body_problems(message, expected)
    return problems


def check_folder(argv, usage, program, checker, passed):
    """The command line of check_mime.py and check_issue.py: runs `checker(eml, expected)`
    (a list of problems) on every DIR/NAME.eml with its DIR/NAME.json, prints one line
    per problem, and returns the exit status (0 all pass, 1 problems or no messages, 2
    bad usage). `passed` ends the line printed when all pass: "N <passed>"."""
    if len(argv) != 2:
        print(usage, file=sys.stderr)
        return 2
    folder = pathlib.Path(argv[1])
    messages = sorted(folder.glob("*.eml"))
    if not messages:
        print(f"{program}: no .eml files in {folder}")
        return 1
    failed = False
    for eml in messages:
        expected = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
        for problem in checker(eml, expected):
            print(f"{eml.name}: {problem}")
            failed = True
    if not failed:
        print(f"{program}: {len(messages)} {passed}")
    return 1 if failed else 0


def main(argv):
    return check_folder(argv, __doc__, "check_mime", check, "messages read back as written")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
