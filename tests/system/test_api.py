"""The bearer-token JSON API (/api/v1) driven the way an editor's tool drives it: tokens
made with `broadsheet user add` and `token create|list|revoke`, issues written, sent,
paused, resumed and cancelled over HTTP against a real server sending into Postfix's
smtp-sink, the errors a careless client meets, and the OpenAPI document checked
against the routing table in src/app/routes.cpp."""

from __future__ import annotations

import collections
import hashlib
import json
import re
import secrets
import time

import pytest

from conftest import (REPO, assert_fails, assert_ok, copy_data_folder, data_args, parse_responses,
                      raw_exchange, request, run, start_server, wait_for)
from send_helpers import ISSUE_MARKDOWN, add_newsletter, make_audience, parse_message, sink_factory  # noqa: F401

NEWSLETTER = "morning-briefing"
PASSWORD = "correct horse battery"
TOKEN_SHAPE = re.compile(r"bs_[A-Za-z0-9_-]{43}")


# --- an editor's desk: a newsletter, one user and one token ------------------------------


class Desk:
    def __init__(self, data, token: str):
        self.data = data
        self.token = token


def add_user(data, name, password=PASSWORD, *extra):
    return run("user", "add", name, *extra, *data_args(data), input=password + "\n")


def create_token(data, label, *extra) -> str:
    cp = assert_ok(run("token", "create", "--name", label, *extra, *data_args(data)))
    return cp.stdout.strip()


def tokens(data) -> list[dict]:
    return json.loads(assert_ok(run("token", "list", "--json", *data_args(data))).stdout)


@pytest.fixture(scope="module")
def _desk_template(_templates, tmp_path_factory) -> Desk:
    """Made once: init, a newsletter, the user "editor" and a token. A copy of the
    folder carries the token's hash, so the same secret works in every copy."""
    data = tmp_path_factory.mktemp("desk") / "data"
    copy_data_folder(_templates["init"], data)
    add_newsletter(data)
    assert_ok(add_user(data, "editor"))
    return Desk(data, create_token(data, "newsroom CMS"))


@pytest.fixture
def desk(_desk_template, tmp_path) -> Desk:
    data = tmp_path / "data"
    copy_data_folder(_desk_template.data, data)
    return Desk(data, _desk_template.token)


class Api:
    """An editor's tool: JSON in and out, with its bearer token."""

    def __init__(self, server, token: str | None):
        self.server = server
        self.token = token

    def call(self, method, path, body=None, content_type="application/json", headers=None):
        h = {}
        if self.token is not None:
            h["Authorization"] = f"Bearer {self.token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        if body is not None and content_type:
            h["Content-Type"] = content_type
        h.update(headers or {})
        return request(self.server, method, path, body=body, headers=h)

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def issue(self, issue_id) -> dict:
        r = self.get(f"/api/v1/issues/{issue_id}")
        assert r.status == 200, r
        return r.json()

    def create(self, subject="Wednesday: the news", newsletter=NEWSLETTER, **fields) -> dict:
        body = {"newsletter": newsletter, "subject": subject, "body_markdown": ISSUE_MARKDOWN,
                **fields}
        r = self.post("/api/v1/issues", body)
        assert r.status == 201, r
        return r.json()

    def issue_count(self) -> int:
        r = self.get("/api/v1/issues?limit=100")
        assert r.status == 200, r
        return len(r.json()["issues"])


def assert_error(reply, status: int, code: str, *fragments: str) -> dict:
    """A JSON error: the status, {"error":{"code","message"}}, and each fragment in
    the message (case-insensitive). Returns the error object."""
    assert reply.status == status, reply
    assert reply.headers.get("content-type", "").startswith("application/json"), reply
    err = reply.json()["error"]
    assert err["code"] == code, reply
    assert isinstance(err["message"], str) and err["message"], reply
    for f in fragments:
        assert f.lower() in err["message"].lower(), f"{f!r} not in {err['message']!r}"
    return err


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def sent_count(api, issue_id) -> int:
    return api.issue(issue_id)["deliveries"]["sent"]


def settled_sent(api, issue_id, quiet: float = 0.6) -> int:
    """The sent count once it has stopped changing for `quiet` seconds (what was in
    flight when a send was paused or cancelled finishes)."""
    last = [sent_count(api, issue_id), time.monotonic()]

    def still():
        now = sent_count(api, issue_id)
        if now != last[0]:
            last[:] = [now, time.monotonic()]
            return None
        return time.monotonic() - last[1] >= quiet

    wait_for(still, timeout=10, what="the sent count to settle")
    return last[0]


# --- 1. tokens ---------------------------------------------------------------------------


def test_no_token_is_refused_with_a_bearer_challenge(desk, server_factory):
    server = server_factory(desk.data)
    r = Api(server, None).get("/api/v1/newsletters")
    assert_error(r, 401, "unauthorized", "token")
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert "error=" not in challenge  # RFC 6750: no error code when nothing was sent


def test_a_stranger_is_refused_before_the_body_is_read(desk, server_factory):
    """The token is checked once the header is in: a client without one announcing
    5 MB gets its 401 at once, without the server waiting for (or reading) the body."""
    server = server_factory(desk.data)
    head = (b"POST /api/v1/issues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000000\r\n\r\n")
    started = time.monotonic()
    raw = raw_exchange(server.port, head + b"{", timeout=10)
    assert time.monotonic() - started < 5
    (reply,) = parse_responses(raw)
    assert reply.status == 401, reply
    assert reply.json()["error"]["code"] == "unauthorized"


BAD_TOKENS = {
    "not a token": "nonsense",
    "one character short": "bs_" + "A" * 42,
    "not base64url": "bs_" + "A" * 42 + "+",
    "well formed but unknown": "bs_" + secrets.token_urlsafe(32),
}


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_bad_token_is_refused_as_invalid(desk, server_factory, token):
    server = server_factory(desk.data)
    r = Api(server, token).get("/api/v1/newsletters")
    assert_error(r, 401, "unauthorized")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert token not in r.text  # the secret is not echoed back


def test_a_good_token_works_and_is_seen_as_used_but_never_shown(desk, server_factory):
    unused = create_token(desk.data, "spare")
    server = server_factory(desk.data)
    assert all(t["last_used_at"] is None for t in tokens(desk.data))
    # The scheme is case-insensitive (RFC 7235).
    r = request(server, "GET", "/api/v1/newsletters",
                headers={"Authorization": f"bearer {desk.token}"})
    assert r.status == 200, r
    assert [n["slug"] for n in r.json()["newsletters"]] == [NEWSLETTER]
    listed = {t["name"]: t for t in tokens(desk.data)}
    assert listed["newsroom CMS"]["last_used_at"] is not None
    assert listed["newsroom CMS"]["user"] == "editor"
    assert listed["spare"]["last_used_at"] is None
    for args in (("--json",), ()):
        out = assert_ok(run("token", "list", *args, *data_args(desk.data))).stdout
        for secret in (desk.token, unused):
            assert secret not in out
            assert hashlib.sha256(secret.encode()).hexdigest() not in out
        assert "bs_" not in out


def test_a_token_revoked_while_the_server_runs_stops_at_once(desk, server_factory):
    other = create_token(desk.data, "backup tool")
    server = server_factory(desk.data)
    api = Api(server, desk.token)
    assert api.get("/api/v1/issues").status == 200
    (victim,) = [t for t in tokens(desk.data) if t["name"] == "newsroom CMS"]
    assert victim["revoked_at"] is None
    assert_ok(run("token", "revoke", victim["id"], *data_args(desk.data)))
    r = api.get("/api/v1/issues")
    assert_error(r, 401, "unauthorized")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    # The same answer as a token never known: nothing tells a leaked token was once real.
    unknown = Api(server, "bs_" + secrets.token_urlsafe(32)).get("/api/v1/issues")
    assert (r.status, r.body) == (unknown.status, unknown.body)
    assert_error(api.post("/api/v1/issues", {"newsletter": NEWSLETTER, "subject": "x",
                                             "body_markdown": "x"}), 401, "unauthorized")
    assert Api(server, other).get("/api/v1/issues").status == 200
    (after,) = [t for t in tokens(desk.data) if t["id"] == victim["id"]]
    assert after["revoked_at"] is not None


def test_token_create_prints_the_secret_alone_and_needs_user_when_there_are_two(data):
    assert_ok(add_user(data, "alice"))
    cp = assert_ok(run("token", "create", "--name", "alice's script", *data_args(data)))
    assert TOKEN_SHAPE.fullmatch(cp.stdout.rstrip("\n")) and cp.stdout.endswith("\n"), cp.stdout
    assert cp.stdout.count("\n") == 1
    assert cp.stdout.strip() not in cp.stderr
    assert_ok(add_user(data, "bob", PASSWORD, "--role", "admin"))
    before = tokens(data)
    assert_fails(run("token", "create", "--name", "whose?", *data_args(data)), "--user")
    assert tokens(data) == before
    bobs = create_token(data, "bob's script", "--user", "bob")
    assert TOKEN_SHAPE.fullmatch(bobs) and bobs != cp.stdout.strip()
    assert {t["name"]: t["user"] for t in tokens(data)} == {"alice's script": "alice",
                                                             "bob's script": "bob"}


def test_user_add_refuses_a_short_password_and_a_taken_name(data):
    def users():
        return json.loads(assert_ok(run("user", "list", "--json", *data_args(data))).stdout)

    assert_fails(add_user(data, "carol", "x" * 11), "12")
    assert users() == []
    assert_ok(add_user(data, "carol", "x" * 12))
    assert_fails(add_user(data, "carol", PASSWORD, "--role", "admin"), "carol")
    assert [(u["username"], u["role"]) for u in users()] == [("carol", "editor")]


# --- 2. the editor's whole path ----------------------------------------------------------


def test_an_editor_writes_sends_and_follows_an_issue(desk, tmp_path, sink_factory, server_factory):
    readers = make_audience(desk.data, tmp_path, 30)
    sink = sink_factory()
    api = Api(server_factory(desk.data, env=sink.env()), desk.token)
    r = api.post("/api/v1/issues", {"newsletter": NEWSLETTER, "subject": "Grüße: the news",
                                    "preheader": "Today in brief",
                                    "body_markdown": ISSUE_MARKDOWN},
                 content_type="application/json; charset=utf-8")
    assert r.status == 201, r
    draft = r.json()
    assert r.headers["location"] == f"/api/v1/issues/{draft['id']}"
    assert draft["status"] == "draft" and draft["newsletter"] == NEWSLETTER
    assert draft["deliveries"]["total"] == 0
    assert api.get(r.headers["location"]).json() == draft
    listed = api.get(f"/api/v1/issues?newsletter={NEWSLETTER}&status=draft").json()["issues"]
    assert [i["id"] for i in listed] == [draft["id"]]
    assert "body_markdown" not in listed[0]

    r = api.post(f"/api/v1/issues/{draft['id']}/send")
    assert r.status == 202, r
    started = r.json()
    assert started["queued_now"] == len(readers) and started["resumed"] is False
    assert started["status"] == "sending" and started["deliveries"]["total"] == len(readers)

    final = wait_for(lambda: (i := api.issue(draft["id"]))["status"] == "sent" and i,
                     timeout=30, what="the issue to be sent")
    assert {k: final["deliveries"][k] for k in ("queued", "sent", "deferred", "failed", "total")} \
        == {"queued": 0, "sent": 30, "deferred": 0, "failed": 0, "total": 30}
    assert collections.Counter(sink.recipients()) == collections.Counter(readers)
    for raw in sink.messages():
        msg = parse_message(raw)
        assert msg["Subject"] == "Grüße: the news"
        assert msg["X-Broadsheet-Delivery"].startswith(f"{draft['id']}.")
        assert len(msg.get_all("To")) == 1
    assert sorted(parse_message(m)["To"].addresses[0].addr_spec for m in sink.messages()) \
        == sorted(readers)
    cli = show(desk.data, draft["id"])
    assert cli["deliveries"] == final["deliveries"]
    assert cli == final  # the API answers the same shape as `issue show --json`

    # A sent issue cannot be steered or sent again.
    iid = draft["id"]
    assert_error(api.post(f"/api/v1/issues/{iid}/pause"), 409, "conflict", f"issue {iid}", "sent")
    assert_error(api.post(f"/api/v1/issues/{iid}/send"), 409, "conflict", "sent", "cannot be sent")
    assert_error(api.post(f"/api/v1/issues/{iid}/cancel"), 409, "conflict", "sent")
    assert api.issue(iid) == final


# --- 3. pause, resume and cancel on a slowed send -----------------------------------------


def slowed_server(desk, tmp_path, sink_factory, server_factory, readers=200):
    audience = make_audience(desk.data, tmp_path, readers)
    sink = sink_factory()
    # 20 messages a second keep 200 readers busy for about ten seconds.
    server = server_factory(desk.data, env=sink.env(BROADSHEET_SEND_RATE="20"))
    return audience, sink, Api(server, desk.token)


def test_pause_holds_a_send_and_resume_finishes_it_once_each(desk, tmp_path, sink_factory,
                                                             server_factory):
    readers, sink, api = slowed_server(desk, tmp_path, sink_factory, server_factory)
    iid = api.create()["id"]
    assert_error(api.post(f"/api/v1/issues/{iid}/pause"), 409, "conflict", "draft")
    r = api.post(f"/api/v1/issues/{iid}/send")
    assert r.status == 202 and r.json()["queued_now"] == 200, r
    again = api.post(f"/api/v1/issues/{iid}/send")
    assert again.status == 202, again
    assert again.json()["resumed"] is True and again.json()["queued_now"] == 0
    assert_error(api.post(f"/api/v1/issues/{iid}/resume"), 409, "conflict", "already sending")
    wait_for(lambda: sent_count(api, iid) > 0, timeout=10, what="the first deliveries")

    r = api.post(f"/api/v1/issues/{iid}/pause")
    assert r.status == 200 and r.json()["status"] == "paused", r
    held = settled_sent(api, iid)
    assert 0 < held < 200
    time.sleep(1.5)  # 30 messages' worth at the send rate
    now = api.issue(iid)
    assert now["status"] == "paused" and now["deliveries"]["sent"] == held
    assert len(sink.recipients()) == held
    assert_error(api.post(f"/api/v1/issues/{iid}/send"), 409, "conflict", "paused", "resume")

    r = api.post(f"/api/v1/issues/{iid}/resume")
    assert r.status == 200 and r.json()["status"] == "sending", r
    final = wait_for(lambda: (i := api.issue(iid))["status"] == "sent" and i, timeout=30,
                     what="the resumed send to finish")
    assert final["deliveries"]["sent"] == 200 and final["deliveries"]["queued"] == 0
    assert collections.Counter(sink.recipients()) == collections.Counter(readers)


def test_cancel_stops_a_send_and_the_rest_is_never_sent(desk, tmp_path, sink_factory,
                                                        server_factory):
    readers, sink, api = slowed_server(desk, tmp_path, sink_factory, server_factory)
    iid = api.create()["id"]
    assert api.post(f"/api/v1/issues/{iid}/send").status == 202
    wait_for(lambda: sent_count(api, iid) > 0, timeout=10, what="the first deliveries")
    r = api.post(f"/api/v1/issues/{iid}/cancel")
    assert r.status == 200 and r.json()["status"] == "cancelled", r
    sent = settled_sent(api, iid)
    time.sleep(1.5)
    final = api.issue(iid)
    d = final["deliveries"]
    assert final["status"] == "cancelled" and final["finished_at"] is not None
    assert d["sent"] == sent and 0 < sent < 200
    assert d["queued"] > 0 and d["sent"] + d["queued"] + d["deferred"] + d["failed"] == 200
    got = collections.Counter(sink.recipients())
    assert sum(got.values()) == sent and set(got.values()) == {1} and set(got) <= set(readers)
    for action in ("send", "pause", "resume", "cancel"):
        assert_error(api.post(f"/api/v1/issues/{iid}/{action}"), 409, "conflict", "cancelled")
    assert api.issue(iid) == final


# --- 4. input errors ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_api(_desk_template, tmp_path_factory):
    """One server for the many refused requests (each only reads, or is refused)."""
    root = tmp_path_factory.mktemp("inputs")
    data = root / "data"
    copy_data_folder(_desk_template.data, data)
    server = start_server(data, root)
    yield Api(server, _desk_template.token)
    code, _ = server.terminate()
    assert code == 0, server.log()[-2000:]


def good_issue(**change) -> dict:
    body = {"newsletter": NEWSLETTER, "subject": "Thursday", "body_markdown": "Hello {{name}}"}
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


BAD_CREATES = [
    # id, body, content type, status, code, fragment of the message
    ("text/plain", json.dumps(good_issue()).encode(), "text/plain", 415,
     "unsupported_media_type", "application/json"),
    ("no content type", json.dumps(good_issue()).encode(), None, 415,
     "unsupported_media_type", ""),
    ("form", b"subject=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""),
    ("broken JSON", b'{"subject": "x"', "application/json", 400, "invalid_json", "JSON"),
    ("empty body", b"", "application/json", 400, "invalid_json", ""),
    ("array", b"[]", "application/json", 400, "invalid_json", "object"),
    ("string", b'"x"', "application/json", 400, "invalid_json", "object"),
    ("null", b"null", "application/json", 400, "invalid_json", ""),
    ("trailing garbage", json.dumps(good_issue()).encode() + b" x", "application/json", 400,
     "invalid_json", ""),
    ("bad UTF-8", b'{"newsletter":"morning-briefing","subject":"\xff","body_markdown":"x"}',
     "application/json", 400, "invalid_json", "UTF-8"),
    ("unknown field", good_issue(author="Ann"), "application/json", 400, "invalid_field",
     "author"),
    ("missing subject", good_issue(subject=None), "application/json", 400, "invalid_field",
     "subject"),
    ("missing body", good_issue(body_markdown=None), "application/json", 400, "invalid_field",
     "body_markdown"),
    ("missing newsletter", good_issue(newsletter=None), "application/json", 400,
     "invalid_field", "newsletter"),
    ("empty subject", good_issue(subject=""), "application/json", 400, "invalid_field", "subject"),
    ("subject not a string", good_issue(subject=7), "application/json", 400, "invalid_field",
     "subject"),
    ("subject with CR LF", good_issue(subject="Hi\r\nBcc: all@example.org"), "application/json",
     400, "invalid_field", "subject"),
    ("blank subject", good_issue(subject="   "), "application/json", 400, "invalid_field",
     "subject"),
    ("subject with U+2028", good_issue(subject="two\u2028lines"), "application/json", 400,
     "invalid_field", "subject"),
    ("subject with U+0085", good_issue(subject="two\u0085lines"), "application/json", 400,
     "invalid_field", "subject"),
    ("subject with LF", good_issue(subject="two\nlines"), "application/json", 400,
     "invalid_field", "subject"),
    ("subject of 251 bytes", good_issue(subject="s" * 251), "application/json", 400,
     "invalid_field", "subject"),
    ("subject of 252 bytes in 126 letters", good_issue(subject="é" * 126), "application/json",
     400, "invalid_field", "subject"),
    ("preheader with a tab", good_issue(preheader="a\tb"), "application/json", 400,
     "invalid_field", "preheader"),
    ("preheader of 301 bytes", good_issue(preheader="p" * 301), "application/json", 400,
     "invalid_field", "preheader"),
    ("body with NUL", good_issue(body_markdown="Hello\u0000world"), "application/json", 400,
     "invalid_field", "NUL"),
    ("body over 1 MiB", good_issue(body_markdown="b" * (1024 * 1024 + 1)), "application/json",
     400, "invalid_field", "body_markdown"),
    ("unknown newsletter", good_issue(newsletter="no-such-paper"), "application/json", 400,
     "invalid_field", "no-such-paper"),
]


@pytest.mark.parametrize("body, content_type, status, code, fragment",
                         [c[1:] for c in BAD_CREATES], ids=[c[0] for c in BAD_CREATES])
def test_a_refused_create_says_why_and_leaves_nothing(shared_api, body, content_type, status,
                                                      code, fragment):
    before = shared_api.issue_count()
    r = shared_api.post("/api/v1/issues", body, content_type=content_type)
    assert_error(r, status, code, fragment)
    assert shared_api.issue_count() == before


@pytest.mark.parametrize("change", [
    {"subject": "s" * 250},
    {"subject": "é" * 125},
    {"body_markdown": "b" * (1024 * 1024)},
    {"preheader": "p" * 300},
], ids=["subject of 250 bytes", "subject of 125 two-byte letters", "body of 1 MiB",
        "preheader of 300 bytes"])
def test_the_largest_allowed_fields_are_accepted(shared_api, change):
    before = shared_api.issue_count()
    r = shared_api.post("/api/v1/issues", good_issue(**change))
    assert r.status == 201, r
    created = shared_api.issue(r.json()["id"])
    for k, v in change.items():
        assert created[k] == v
    assert shared_api.issue_count() == before + 1


@pytest.mark.parametrize("query, fragment", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"),
    ("limit=", "limit"), ("status=bogus", "status"), ("status=SENT", "status"),
    ("newsletter=no-such-paper", "no-such-paper"),
])
def test_a_bad_list_query_is_refused(shared_api, query, fragment):
    assert_error(shared_api.get(f"/api/v1/issues?{query}"), 400, "invalid_field", fragment)


def test_list_limits_within_range_are_honoured(shared_api):
    for _ in range(2 - shared_api.issue_count()):
        shared_api.create()
    assert len(shared_api.get("/api/v1/issues?limit=1").json()["issues"]) == 1
    assert shared_api.get("/api/v1/issues?limit=100").status == 200
    everything = shared_api.get("/api/v1/issues").json()["issues"]
    ids = [i["id"] for i in everything]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert shared_api.get("/api/v1/issues?status=sent").json() == {"issues": []}


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/issues/abc"), ("GET", "/api/v1/issues/99999"), ("GET", "/api/v1/issues/0"),
    ("GET", "/api/v1/issues/-1"), ("GET", "/api/v1/issues/01"),
    ("GET", "/api/v1/issues/99999999999999999999"),
    ("POST", "/api/v1/issues/99999/send"), ("POST", "/api/v1/issues/99999/pause"),
    ("POST", "/api/v1/issues/99999/resume"), ("POST", "/api/v1/issues/abc/cancel"),
    ("GET", "/api/v1/nothing-here"),
])
def test_no_such_issue_is_404(shared_api, method, path):
    assert_error(shared_api.call(method, path), 404, "not_found")


# Error answers quote what the client sent, cut short at a character boundary and
# with what cannot be shown replaced, so the JSON is valid UTF-8 whatever came in.
@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/v1/issues", {"a" * 63 + "é": 1}),
    ("POST", "/api/v1/issues", good_issue(newsletter="n" * 63 + "é")),
    ("GET", "/api/v1/issues/%FF", None),
    ("GET", "/api/v1/issues?newsletter=%FF", None),
], ids=["unknown field", "unknown newsletter", "issue id", "newsletter query"])
def test_an_error_answer_is_valid_utf8(shared_api, method, path, body):
    r = shared_api.call(method, path, body)
    assert 400 <= r.status < 500, r
    r.body.decode("utf-8")  # UnicodeDecodeError fails the test


def test_a_password_needs_12_characters_not_12_bytes(data):
    assert_fails(add_user(data, "dora", "é" * 6), "12")


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/api/v1/issues/1/send", "POST"),
    ("GET", "/api/v1/issues/1/cancel", "POST"),
    ("PUT", "/api/v1/issues/1", "GET"),
    ("DELETE", "/api/v1/issues", "GET"),
    ("DELETE", "/api/v1/newsletters", "GET"),
])
def test_a_wrong_method_is_405_with_allow(shared_api, method, path, allowed):
    r = shared_api.call(method, path)
    assert r.status == 405, r
    assert r.json()["error"]["code"] == "method_not_allowed"
    assert allowed in [m.strip() for m in r.headers["allow"].split(",")]


@pytest.mark.parametrize("path, length", [
    ("/api/v1/issues", 6 * 1024 * 1024 + 4096 + 1),  # the create route's own limit
    ("/api/v1/issues/1/send", 1024 * 1024 + 1),  # [http] api_body_limit
])
def test_a_body_over_the_limit_is_413_before_it_is_read(shared_api, path, length):
    before = shared_api.issue_count()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {shared_api.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    (reply,) = parse_responses(raw_exchange(shared_api.server.port, head + b'{"subject":'))
    assert reply.status == 413, reply
    assert reply.json()["error"]["code"] == "payload_too_large"
    assert shared_api.issue_count() == before


# --- 5. the OpenAPI document against the routing table -----------------------------------


ROUTE_ROW = re.compile(r'\{\s*Method::(\w+),\s*"([^"]+)",\s*Permission::(\w+)')


def routing_table() -> list[tuple[str, str, str]]:
    """(method, pattern, permission) of every row of src/app/routes.cpp."""
    source = (REPO / "src" / "app" / "routes.cpp").read_text()
    # Method::delete_ is DELETE (delete is a C++ keyword).
    rows = [(m.rstrip("_"), p, perm) for m, p, perm in ROUTE_ROW.findall(source)]
    assert len(rows) > 20, "the routing table was not found in src/app/routes.cpp"
    return rows


def test_openapi_describes_exactly_the_token_routes(desk, server_factory):
    server = server_factory(desk.data)
    r = request(server, "GET", "/api/v1/openapi.json")  # public: no token
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc == json.loads((REPO / "web" / "api" / "openapi.json").read_text())
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"]), doc["openapi"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearer": []}]

    table = routing_table()
    token_routes = {(m, p) for m, p, perm in table if perm.startswith("api_")}
    access = {(m, p): perm.removeprefix("api_") for m, p, perm in table if perm.startswith("api_")}
    assert token_routes and all(p.startswith("/api/v1/") for _, p in token_routes)
    public_api = {(m, p) for m, p, perm in table if perm == "public_access"}
    described, open_ops = set(), set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            key = (method, path)
            described.add(key)
            if op.get("security") == []:
                open_ops.add(key)
            else:
                assert "401" in op["responses"], f"{key} needs a token but lists no 401"
                assert "403" in op["responses"], f"{key} needs a role but lists no 403"
                assert op.get("x-access") == access.get(key), (
                    f"{key}: x-access {op.get('x-access')}, the table says {access.get(key)}")
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), key
    assert described - open_ops == token_routes, (
        f"needs a token but not described: {sorted(token_routes - described)}; "
        f"described but not a token route: {sorted(described - open_ops - token_routes)}")
    assert open_ops <= public_api and ("get", "/api/v1/openapi.json") in open_ops

    # And the server agrees with the table: every token route refuses a call without one.
    for method, path in sorted(token_routes):
        reply = request(server, method.upper(),
                        path.replace("{id}", "1").replace("{email}", "ann@example.com")
                        .replace("{slug}", "morning").replace("{name}", "1.M1P1Q1.host")
                        .replace("{username}", "ann"),
                        body=b"{}" if method == "post" else None,
                        headers={"Content-Type": "application/json"})
        assert_error(reply, 401, "unauthorized")
        assert reply.headers["www-authenticate"].startswith("Bearer ")
