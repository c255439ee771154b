"""Helpers for the reader sign-up tests (test_signup.py): solving the ALTCHA robot
check the way the widget does, posting sign-ups, reading the confirmation emails out
of the outbox Maildir, and reading pages. Standard library only.

The server answers a sign-up once it is recorded with its emails queued in the
database (the mail queue); a background sender writes them into the outbox a moment
later. So every helper that reads the outbox first waits until the queue holds no
email that is due (wait_for_mail_queue): then the outbox is complete, and a test that
expects no email is not fooled by one still on its way.

Wire formats are those documented in src/robot/altcha.hpp; link tokens are those of
src/links/token.hpp.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import html
import html.parser
import json
import pathlib
import re
import struct
import time
import urllib.parse
import uuid

import backend
from conftest import DOMAIN, get, request, subscriber

API = "/api/v1/public/subscriptions"
CHALLENGE = "/api/v1/public/challenge"

# Cheap robot checks, so that solving one in Python takes milliseconds.
FAST_ROBOT = {
    "BROADSHEET_ROBOT_V1_MAX_NUMBER": "1000",
    "BROADSHEET_ROBOT_V2_COST": "10",
    "BROADSHEET_ROBOT_V2_PREFIX_DIGITS": "1",
}

# The default texts of src/config/config.cpp, as a reader reads them.
MSG_SUCCESS = ("Thank you for subscribing! Please check your inbox to confirm your "
               "subscription.")
MSG_INVALID_EMAIL = "That email address doesn't look right. Please re-enter it."
MSG_NO_NEWSLETTER = "Please select at least one newsletter."
MSG_UNKNOWN_NEWSLETTER = "That newsletter is not available. Please choose another one."
MSG_ROBOT = "Please verify that you are not a robot by ticking the box."
MSG_RATE_LIMITED = "Too many attempts. Please wait a few minutes and try again."


def new_address(tag: str = "reader") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@{DOMAIN}"


# --- the robot check ----------------------------------------------------------------


def b64json(obj) -> str:
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def unb64json(payload: str):
    return json.loads(base64.b64decode(payload))


def fetch_challenge(base, version: str | None = None) -> dict:
    path = CHALLENGE if version is None else f"{CHALLENGE}?v={version}"
    r = get(base, path)
    assert r.status == 200, r
    return r.json()


def solve_v1_number(challenge: dict) -> int:
    salt, target = challenge["salt"], challenge["challenge"]
    for n in range(challenge["maxnumber"] + 1):
        if hashlib.sha256((salt + str(n)).encode()).hexdigest() == target:
            return n
    raise AssertionError(f"no number in [0, {challenge['maxnumber']}] solves {challenge}")


def v1_payload(challenge: dict, number: int, took: int = 42) -> str:
    return b64json({"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
                    "number": number, "salt": challenge["salt"],
                    "signature": challenge["signature"], "took": took})


def solve_v1(challenge: dict) -> str:
    return v1_payload(challenge, solve_v1_number(challenge))


def v2_key(parameters: dict, counter: int) -> str:
    assert parameters["algorithm"] == "PBKDF2/SHA-256", parameters
    password = bytes.fromhex(parameters["nonce"]) + struct.pack(">I", counter)
    key = hashlib.pbkdf2_hmac("sha256", password, bytes.fromhex(parameters["salt"]),
                              parameters["cost"], parameters["keyLength"])
    return key.hex()


def v2_solutions(challenge: dict, start: int = 0):
    """Yields (counter, derived key hex) of every counter from `start` that solves it."""
    p = challenge["parameters"]
    for counter in range(start, start + 100_000):
        key = v2_key(p, counter)
        if key.startswith(p["keyPrefix"]):
            yield counter, key
    raise AssertionError(f"no counter found for {challenge}")


def v2_payload(challenge: dict, counter: int, key: str, took: int = 42) -> str:
    return b64json({"challenge": {"parameters": challenge["parameters"],
                                  "signature": challenge["signature"]},
                    "solution": {"counter": counter, "derivedKey": key, "time": took}})


def solve_v2(challenge: dict) -> str:
    counter, key = next(v2_solutions(challenge))
    return v2_payload(challenge, counter, key)


def solve(challenge: dict) -> str:
    return solve_v2(challenge) if "parameters" in challenge else solve_v1(challenge)


def robot(base, version: str | None = None) -> str:
    """A fresh, solved robot check payload from the server `base`, of `version` (None:
    the server's configured one)."""
    return solve(fetch_challenge(base, version))


# --- posting --------------------------------------------------------------------------


def post_json(base, obj=None, *, raw: bytes | None = None,
              content_type: str | None = "application/json", path: str = API):
    body = raw if raw is not None else json.dumps(obj).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    return request(base, "POST", path, body=body, headers=headers)


def sign_up(base, address: str, newsletters=("morning-briefing",), *, altcha: str | None = "",
            version: str | None = None, **extra):
    """POSTs a JSON sign-up; altcha="" solves a fresh robot check of `version` (None:
    the configured one) first, None leaves the field out."""
    body = {"email": address, "newsletters": list(newsletters)}
    if altcha == "":
        body["altcha"] = robot(base, version)
    elif altcha is not None:
        body["altcha"] = altcha
    body.update(extra)
    return post_json(base, body)


def form_body(fields) -> bytes:
    return urllib.parse.urlencode(list(fields)).encode()


def post_form(base, path: str, fields=(), *, raw: bytes | None = None,
              content_type: str | None = "application/x-www-form-urlencoded",
              headers: dict | None = None):
    h = {"Content-Type": content_type} if content_type else {}
    h.update(headers or {})
    return request(base, "POST", path, body=raw if raw is not None else form_body(fields),
                   headers=h)


def error_codes(reply) -> list[tuple[str, str]]:
    return sorted((e["field"], e["code"]) for e in reply.json()["errors"])


# --- the outbox -----------------------------------------------------------------------


def pending_mail(data) -> int:
    """Emails of the mail queue that are due and not yet sent (nor given up)."""
    return db_rows(data, "SELECT count(*) FROM mail_queue WHERE next_attempt_at IS NOT NULL "
                         "AND next_attempt_at <= ?", (int(time.time()),))[0][0]


def wait_for_mail_queue(data, timeout: float = 10) -> None:
    """Waits until the server has sent every email that is due (see the module's doc);
    fails the test when some are still waiting after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (left := pending_mail(data)) != 0:
        assert time.monotonic() < deadline, f"{left} queued email(s) not sent within {timeout} s"
        time.sleep(0.01)


def outbox_files(data) -> list[pathlib.Path]:
    """The messages in the outbox once the mail queue is drained, oldest first."""
    wait_for_mail_queue(data)
    root = pathlib.Path(data) / "outbox"
    files = [p for d in ("new", "cur") if (root / d).is_dir() for p in (root / d).iterdir()
             if p.is_file()]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def parse_message(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def messages_to(data, address: str) -> list[email.message.EmailMessage]:
    """Every message of the outbox delivered to `address` (by its Delivered-To line),
    oldest first."""
    out = []
    for p in outbox_files(data):
        msg = parse_message(p.read_bytes())
        if str(msg.get("Delivered-To", "")).strip().lower() == address.lower():
            out.append(msg)
    return out


def text_of(msg, subtype="plain") -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content()


def links(msg) -> dict[str, str]:
    """The paths of the confirm, preferences and unsubscribe links of a confirmation
    email: {"confirm": "/confirm/T", "preferences": "/p/T", "unsubscribe": "/u/T"}."""
    text = text_of(msg)
    out = {}
    m = re.search(r"(https?://\S+/confirm/[A-Za-z0-9_-]+)", text)
    assert m, f"no confirm link in the text part:\n{text}"
    out["confirm"] = urllib.parse.urlsplit(m.group(1)).path
    m = re.search(r"(https?://\S+/p/[A-Za-z0-9_-]+)", text)
    assert m, f"no preferences link in the text part:\n{text}"
    out["preferences"] = urllib.parse.urlsplit(m.group(1)).path
    lu = str(msg["List-Unsubscribe"] or "")
    m = re.fullmatch(r"\s*<(https?://[^>]+)>\s*", lu)
    assert m, f"List-Unsubscribe is not one <URL>: {lu!r}"
    out["unsubscribe"] = urllib.parse.urlsplit(m.group(1)).path
    out["unsubscribe_url"] = m.group(1)
    return out


def confirmation(data, address: str) -> email.message.EmailMessage:
    """The one newest confirmation email for `address`."""
    msgs = messages_to(data, address)
    assert msgs, f"no email to {address} in the outbox"
    return msgs[-1]


# --- the store, through the CLI and SQLite --------------------------------------------


def statuses(data, address: str) -> dict[str, str] | None:
    """{newsletter slug: subscription status} of `address`, None when unknown."""
    s = subscriber(data, address)
    if s is None:
        return None
    return {sub["newsletter"]: sub["status"] for sub in s["subscriptions"]}


def db_rows(data, sql: str, params=()) -> list[tuple]:
    """The rows of one SQL statement on the data folder's database, SQLite or PostgreSQL
    (backend.sql: `?` placeholders, SQL both dialects share); a write is committed at once."""
    return backend.sql(data, sql, params)


# --- link tokens (src/links/token.hpp) ---------------------------------------------------


def decode_token(token: str) -> dict:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) == 42, len(raw)
    version, purpose, subscriber_id, newsletter_id, expires = struct.unpack(">BBQQQ", raw[:26])
    return {"version": version, "purpose": purpose, "subscriber": subscriber_id,
            "newsletter": newsletter_id, "expires": expires}


def link_key(data) -> bytes:
    """The data folder's link key as the server uses it: the hex text of its first line."""
    return (pathlib.Path(data) / "secrets" / "hmac.key").read_text().splitlines()[0].encode()


def sign_token(key: bytes, purpose: int, subscriber_id: int, newsletter_id: int,
               expires: int) -> str:
    body = struct.pack(">BBQQQ", 1, purpose, subscriber_id, newsletter_id, expires)
    tag = hmac.new(key, body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(body + tag).decode().rstrip("=")


def tamper(token: str, index: int = -1) -> str:
    chars = list(token)
    chars[index] = "A" if chars[index] != "A" else "B"
    return "".join(chars)


# --- pages ------------------------------------------------------------------------------


class Page(html.parser.HTMLParser):
    """The parts of an HTML page the tests look at: forms, inputs, buttons, and the
    visible text (entities decoded)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.inputs: list[dict] = []
        self.buttons: list[dict] = []
        self._text: list[str] = []
        self._skip = 0
        self.feed(source)
        self.close()
        self.text = re.sub(r"\s+", " ", " ".join(self._text)).strip()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append(a)
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "button":
            self.buttons.append(a)
        elif tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)

    def checkboxes(self, name: str) -> dict[str, bool]:
        return {i.get("value", ""): "checked" in i for i in self.inputs
                if i.get("type") == "checkbox" and i.get("name") == name}

    def value_of(self, name: str) -> str | None:
        for i in self.inputs:
            if i.get("name") == name and i.get("type") != "checkbox":
                return i.get("value", "")
        return None


def page(reply) -> Page:
    assert reply.headers.get("content-type", "").startswith("text/html"), reply
    return Page(reply.text)


def wait_for_next_second():
    """Sleeps to just after the next whole second (server clocks count seconds)."""
    time.sleep(1.0 - (time.time() % 1.0) + 0.02)
