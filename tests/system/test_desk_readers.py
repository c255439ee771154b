"""Readers, segments and exports in the token API (issue 14 items 4 and 7), driven as the
desk and an audience manager's tools drive them against a real server: search, filters
and cursor paging, a reader's record, add (409 suppressed, 409 conflict), edit,
unsubscribe, block and erase (GDPR), segments with counts, a CSV export of a filter, and
an issue sent to a segment into smtp-sink reaching exactly the segment. Every answer is
checked against web/api/openapi.json (openapi_check.py)."""

from __future__ import annotations

import collections
import csv
import io
import json
import urllib.parse

import pytest

from backend import database_bytes
from conftest import (DOMAIN, assert_fails, assert_ok, copy_data_folder, data_args, run, wait_for,
                      write_csv)
from openapi_check import check_answer
from send_helpers import add_newsletter, sink_factory  # noqa: F401
from test_api import PASSWORD, Api, add_user, assert_error, create_token

NEWSLETTER = "morning-briefing"


class Desk:
    def __init__(self, data, token: str):
        self.data = data
        self.token = token


@pytest.fixture(scope="module")
def _readers_template(_templates, tmp_path_factory) -> Desk:
    """Made once: a newsletter, 12 readers imported from a Mailchimp-shaped file with a
    Country column (kept as a reader attribute), a user and a token."""
    data = tmp_path_factory.mktemp("readers") / "data"
    copy_data_folder(_templates["init"], data)
    add_newsletter(data)
    rows = ["Email Address,First Name,Last Name,Country,tz"]
    for i in range(12):
        country = "FR" if i % 3 == 0 else "UK"
        zone = "Europe/Paris" if country == "FR" else "Europe/London"
        rows.append(f"reader{i:02}@{DOMAIN},Reader,N{i:02},{country},{zone}")
    path = write_csv(tmp_path_factory.mktemp("csv") / "readers.csv", "\n".join(rows) + "\n")
    assert_ok(run("import", str(path), "--newsletter", NEWSLETTER, "--confirmed", *data_args(data)))
    # An admin's token: the segment test also writes and sends an issue (content).
    assert_ok(add_user(data, "chief", PASSWORD, "--role", "admin"))
    token = create_token(data, "desk tool", "--user", "chief")
    assert_ok(add_user(data, "aud", PASSWORD, "--role", "audience"))
    assert_ok(add_user(data, "ed", PASSWORD, "--role", "editor"))
    assert_ok(add_user(data, "view", PASSWORD, "--role", "viewer"))
    desk = Desk(data, token)
    desk.roles = {role: create_token(data, f"{role} tool", "--user", user)
                  for role, user in (("audience", "aud"), ("editor", "ed"), ("viewer", "view"))}
    return desk


@pytest.fixture
def desk(_readers_template, tmp_path) -> Desk:
    data = tmp_path / "data"
    copy_data_folder(_readers_template.data, data)
    desk = Desk(data, _readers_template.token)
    desk.roles = _readers_template.roles
    return desk


class ReadersApi(Api):
    """Every answer checked against the OpenAPI document."""

    def call(self, method, path, body=None, **kw):
        reply = super().call(method, path, body, **kw)
        check_answer(reply, method, self.route_of(path))
        return reply

    @staticmethod
    def route_of(path: str) -> str:
        parts = path.split("?")[0].split("/")
        return "/".join("{id}" if p.isdigit() else p for p in parts)

    def patch(self, path, body):
        return self.call("PATCH", path, body)

    def delete(self, path):
        return self.call("DELETE", path)


@pytest.fixture
def api(desk, server_factory) -> ReadersApi:
    return ReadersApi(server_factory(desk.data), desk.token)


def q(**params) -> str:
    return urllib.parse.urlencode(params)


def test_search_filters_and_cursor_pages(api):
    r = api.get("/api/v1/readers?" + q(q="READER0"))
    assert r.status == 200, r
    assert [x["email"] for x in r.json()["readers"]] == [f"reader0{i}@{DOMAIN}" for i in range(10)]
    # A name prefix, any case: "Reader N11" is the name the two columns made.
    found = api.get("/api/v1/readers?" + q(q="reader n11")).json()["readers"]
    assert [x["email"] for x in found] == [f"reader11@{DOMAIN}"]

    french = api.get("/api/v1/readers?" + q(**{"attr.Country": "FR", "newsletter": NEWSLETTER,
                                                "status": "confirmed"})).json()["readers"]
    assert [x["email"] for x in french] == [f"reader{i:02}@{DOMAIN}" for i in (0, 3, 6, 9)]
    paris = api.get("/api/v1/readers?" + q(zone="Europe/Paris")).json()["readers"]
    assert {x["email"] for x in paris} == {x["email"] for x in french}
    assert api.get("/api/v1/readers?" + q(signed_up_from="2099-01-01")).json()["readers"] == []

    # Pages of 5: every reader once, in id order, the last page without a cursor.
    seen, cursor = [], None
    while True:
        r = api.get("/api/v1/readers?" + q(limit=5, **({"cursor": cursor} if cursor else {})))
        page = r.json()
        seen += [x["id"] for x in page["readers"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 12 and seen == sorted(set(seen))


@pytest.mark.parametrize("query, fragment", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("status=gone", "status"),
    ("newsletter=nope", "no newsletter"), ("zone=Mars/Olympus", "unknown time zone"),
    ("signed_up_from=yesterday", "signed_up_from"), ("cursor=xyz", "cursor"),
    ("q=" + "a" * 201, "q"),
])
def test_a_bad_reader_query_is_refused(api, query, fragment):
    assert_error(api.get("/api/v1/readers?" + query), 400, "invalid_field", fragment)


def test_add_a_reader_and_the_two_409s(api):
    r = api.post("/api/v1/readers", {"email": f"New.Reader@{DOMAIN}", "name": "New Reader",
                                     "timezone": "Europe/Rome", "newsletters": [NEWSLETTER],
                                     "confirmed": True, "attributes": {"plan": "paid"}})
    assert r.status == 201, r
    record = r.json()
    assert record["email"] == f"New.Reader@{DOMAIN}"
    assert record["attributes"] == {"plan": "paid"}
    assert [(s["newsletter"], s["status"]) for s in record["subscriptions"]] == \
        [(NEWSLETTER, "confirmed")]
    assert any(e["action"] == "subscriber.add" for e in record["audit"])
    # The same mailbox in another case is the same reader.
    assert_error(api.post("/api/v1/readers", {"email": f"new.reader@{DOMAIN}"}), 409, "conflict")
    r = api.post("/api/v1/suppressions", {"email": f"bounced@{DOMAIN}"})
    assert r.status == 201, r
    assert_error(api.post("/api/v1/readers", {"email": f"bounced@{DOMAIN}"}), 409,
                 "suppressed", "suppression list")
    assert_error(api.post("/api/v1/readers", {"email": f"x@{DOMAIN}", "newsletters": ["nope"]}),
                 400, "invalid_field", "no newsletter")
    assert_error(api.post("/api/v1/readers", {"email": "not an address"}), 400, "invalid_field")
    assert_error(api.post("/api/v1/readers", {"email": f"y@{DOMAIN}", "colour": "red"}), 400,
                 "invalid_field", "colour")


def reader_id(api, email) -> int:
    found = api.get("/api/v1/readers?" + q(q=email)).json()["readers"]
    assert len(found) == 1, found
    return found[0]["id"]


def test_edit_unsubscribe_block_and_erase(api, desk):
    rid = reader_id(api, f"reader03@{DOMAIN}")
    r = api.patch(f"/api/v1/readers/{rid}", {"name": "Renamed", "attributes": {"Country": "DE"},
                                             "timezone": "Europe/Berlin"})
    assert r.status == 200, r
    assert (r.json()["name"], r.json()["attributes"], r.json()["timezone"]) == \
        ("Renamed", {"Country": "DE"}, "Europe/Berlin")
    assert_error(api.patch(f"/api/v1/readers/{rid}", {"timezone": "Nowhere/Land"}), 400,
                 "invalid_field", "time zone")
    r = api.post(f"/api/v1/readers/{rid}/unsubscribe", {"newsletter": NEWSLETTER})
    assert r.status == 200, r
    assert [s["status"] for s in r.json()["subscriptions"]] == ["unsubscribed"]
    r = api.post(f"/api/v1/readers/{rid}/block")
    assert r.status == 200 and r.json()["status"] == "blocked", r

    r = api.delete(f"/api/v1/readers/{rid}")
    assert r.status == 200 and r.json() == {"id": rid, "erased": True}, r
    assert_error(api.get(f"/api/v1/readers/{rid}"), 404, "not_found")
    assert_error(api.delete(f"/api/v1/readers/{rid}"), 404, "not_found")
    assert api.get("/api/v1/readers?" + q(q=f"reader03@{DOMAIN}")).json()["readers"] == []
    # Gone from the database file for good, but for a hash among the suppressions.
    raw = database_bytes(desk.data)
    assert f"reader03@{DOMAIN}".encode() not in raw and b"Renamed" not in raw
    assert_error(api.post("/api/v1/readers", {"email": f"reader03@{DOMAIN}"}), 409, "suppressed")


def test_subscriber_erase_on_the_command_line(desk):
    cp = assert_ok(run("subscriber", "erase", f"READER04@{DOMAIN}", *data_args(desk.data)))
    assert "erased subscriber" in cp.stdout and "kept:" in cp.stdout
    cp = run("subscriber", "show", f"reader04@{DOMAIN}", *data_args(desk.data))
    assert cp.returncode != 0


def csv_rows(reply) -> list[dict]:
    assert reply.headers["content-type"].startswith("text/csv"), reply
    return list(csv.DictReader(io.StringIO(reply.text)))


def test_export_of_a_filter(api):
    r = api.get("/api/v1/exports?" + q(**{"attr.Country": "FR"}))
    assert r.status == 200, r
    rows = csv_rows(r)
    assert [row["email"] for row in rows] == [f"reader{i:02}@{DOMAIN}" for i in (0, 3, 6, 9)]
    assert rows[0]["timezone"] == "Europe/Paris" and rows[0]["status"] == "active"
    assert "x-next-cursor" not in r.headers
    assert_error(api.get("/api/v1/exports?status=gone"), 400, "invalid_field")


def test_segments_with_counts(api):
    r = api.post("/api/v1/segments", {"name": "France", "newsletter": NEWSLETTER,
                                      "attributes": {"Country": "FR"}})
    assert r.status == 201, r
    seg = r.json()
    assert (seg["count"], seg["newsletter"], seg["attributes"]) == (4, NEWSLETTER, {"Country": "FR"})
    assert_error(api.post("/api/v1/segments", {"name": "France"}), 409, "conflict")
    assert_error(api.post("/api/v1/segments", {"name": "x", "status": "maybe"}), 400,
                 "invalid_field", "status")
    assert_error(api.post("/api/v1/segments", {"newsletter": NEWSLETTER}), 400, "invalid_field",
                 "name")
    r = api.patch(f"/api/v1/segments/{seg['id']}", {"zone": "Europe/London", "attributes": None})
    assert r.status == 200 and r.json()["count"] == 8, r
    listed = api.get("/api/v1/segments").json()["segments"]
    assert [(g["name"], g["count"]) for g in listed] == [("France", 8)]
    r = api.delete(f"/api/v1/segments/{seg['id']}")
    assert r.status == 200 and r.json() == {"id": seg["id"], "removed": True}, r
    assert_error(api.get(f"/api/v1/segments/{seg['id']}"), 404, "not_found")


def test_an_issue_sent_to_a_segment_reaches_exactly_the_segment(desk, sink_factory,
                                                                 server_factory):
    # The CLI's segment, chosen through the API's send.
    assert_ok(run("segment", "add", "france", "--newsletter", NEWSLETTER, "--attribute",
                  "Country=FR", *data_args(desk.data)))
    listed = assert_ok(run("segment", "list", *data_args(desk.data))).stdout
    assert "france" in listed and " 4 " in listed
    # One of the segment's readers is suppressed and one unsubscribed: neither gets it.
    assert_ok(run("suppression", "add", f"reader06@{DOMAIN}", *data_args(desk.data)))
    assert_ok(run("subscriber", "update", f"reader09@{DOMAIN}", "--unsubscribe", NEWSLETTER,
                  *data_args(desk.data)))
    sink = sink_factory()
    api = ReadersApi(server_factory(desk.data, env=sink.env()), desk.token)
    issue = api.create()
    assert_error(api.post(f"/api/v1/issues/{issue['id']}/send", {"segment": "nope"}), 404,
                 "not_found", "segment")
    r = api.post(f"/api/v1/issues/{issue['id']}/send", {"segment": "france"})
    assert r.status == 202, r
    assert r.json()["queued_now"] == 2 and r.json()["segment"] == "france"
    wait_for(lambda: api.issue(issue["id"])["status"] == "sent", timeout=30,
             what="the segment's issue to be sent")
    assert collections.Counter(sink.recipients()) == \
        collections.Counter([f"reader00@{DOMAIN}", f"reader03@{DOMAIN}"])
    assert_error(api.delete(f"/api/v1/segments/{api.get('/api/v1/segments').json()['segments'][0]['id']}"),
                 409, "in_use")
    shown = json.loads(assert_ok(run("issue", "show", str(issue["id"]), "--json",
                                     *data_args(desk.data))).stdout)
    assert shown["segment"] == "france"


def test_an_import_with_bad_rows_and_its_error_report(api):
    rows = ["Mail,Full Name,Zone,Country",
            f"imp1@{DOMAIN},Imp One,Europe/Paris,FR",
            "not-an-address,Bad One,,",
            f"imp2@{DOMAIN},Imp Two,Mars/Olympus,UK",
            f"imp3@{DOMAIN},Imp Three,,DE,extra",
            f"imp4@{DOMAIN},Imp Four,,DE"]
    body = ("\n".join(rows) + "\n").encode()
    path = "/api/v1/imports?" + q(**{"newsletter": NEWSLETTER, "confirmed": "true",
                                     "map.email": "Mail", "map.timezone": "Zone"})
    r = api.call("POST", path, body, content_type="text/csv")
    assert r.status == 202, r
    started = r.json()
    assert r.headers["location"] == started["url"] == f"/api/v1/imports/{started['id']}"
    job = wait_for(lambda: (j := api.get(started["url"]).json())["status"] in ("done", "failed")
                   and j, timeout=30, what="the import to finish")
    assert job["status"] == "done", job
    assert job["progress"] == 1 and job["rejected"] == 3
    report = job["report"]
    assert (report["rows"], report["imported"], report["rejected"], report["new_readers"]) == \
        (5, 2, 3, 2)
    uses = {c["header"]: c["use"] for c in report["columns"]}
    assert uses["email"] == "email" and uses["Country"] == "attribute"
    r = api.get(job["errors_url"])
    assert r.status == 200 and r.headers["content-type"].startswith("text/csv"), r
    errors = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(e["line"]) for e in errors] == [3, 4, 5]
    assert "time zone" in errors[1]["reason"] and "fields" in errors[2]["reason"]
    found = api.get("/api/v1/readers?" + q(**{"attr.Country": "DE"})).json()["readers"]
    assert [x["email"] for x in found] == [f"imp4@{DOMAIN}"]


@pytest.mark.parametrize("path, body, content_type, status, code", [
    ("/api/v1/imports?newsletter=" + NEWSLETTER, b"email\na@example.net\n", "application/json",
     415, "unsupported_media_type"),
    ("/api/v1/imports", b"email\na@example.net\n", "text/csv", 400, "invalid_field"),
    ("/api/v1/imports?newsletter=nope", b"email\na@example.net\n", "text/csv", 400,
     "invalid_field"),
    ("/api/v1/imports?newsletter=" + NEWSLETTER + "&map.colour=x", b"email\n", "text/csv", 400,
     "invalid_field"),
    ("/api/v1/imports?newsletter=" + NEWSLETTER, b"", "text/csv", 400, "invalid_field"),
])
def test_a_bad_import_is_refused(api, path, body, content_type, status, code):
    assert_error(api.call("POST", path, body, content_type=content_type), status, code)


def test_an_import_without_an_email_column_fails_and_says_why(api):
    r = api.call("POST", "/api/v1/imports?newsletter=" + NEWSLETTER,
                 b"who,where\nann,home\n", content_type="text/csv")
    assert r.status == 202, r
    job = wait_for(lambda: (j := api.get(r.json()["url"]).json())["status"] in ("done", "failed")
                   and j, timeout=30, what="the import to finish")
    assert job["status"] == "failed" and "email" in job["error"], job
    assert_error(api.get("/api/v1/imports/999"), 404, "not_found")


def test_roles_an_audience_manager_changes_readers_others_only_read(desk, server_factory):
    server = server_factory(desk.data)
    audience, editor, viewer = (ReadersApi(server, desk.roles[r]) for r in ("audience", "editor",
                                                                         "viewer"))
    rid = reader_id(viewer, f"reader01@{DOMAIN}")
    for api in (editor, viewer):
        assert api.get(f"/api/v1/readers/{rid}").status == 200
        assert api.get("/api/v1/segments").status == 200
        assert_error(api.patch(f"/api/v1/readers/{rid}", {"name": "x"}), 403, "forbidden")
        assert_error(api.delete(f"/api/v1/readers/{rid}"), 403, "forbidden")
        assert_error(api.post("/api/v1/segments", {"name": "x"}), 403, "forbidden")
        assert_error(api.get("/api/v1/exports"), 403, "forbidden")
        assert_error(api.call("POST", "/api/v1/imports?newsletter=" + NEWSLETTER, b"email\n",
                              content_type="text/csv"), 403, "forbidden")
    r = audience.patch(f"/api/v1/readers/{rid}", {"name": "By the audience desk"})
    assert r.status == 200 and r.json()["name"] == "By the audience desk", r
    assert audience.get("/api/v1/exports").status == 200


def test_an_issue_names_its_segment_when_made_and_changed(api, desk):
    """"segment" in POST /api/v1/issues and PATCH /api/v1/issues/{id} (issue 14 item 4):
    a refused segment makes no issue; null sends to the whole newsletter again."""
    assert api.post("/api/v1/segments", {"name": "France", "newsletter": NEWSLETTER,
                                         "attributes": {"Country": "FR"}}).status == 201
    assert api.post("/api/v1/segments", {"name": "Anyone"}).status == 201
    draft = {"newsletter": NEWSLETTER, "subject": "Bonjour", "body_markdown": "Hi"}
    before = len(api.get("/api/v1/issues").json()["issues"])
    assert_error(api.post("/api/v1/issues", {**draft, "segment": "nope"}), 400, "invalid_field",
                 "no segment named \"nope\"")
    assert_error(api.post("/api/v1/issues", {**draft, "segment": 3}), 400, "invalid_field",
                 "segment")
    assert len(api.get("/api/v1/issues").json()["issues"]) == before
    r = api.post("/api/v1/issues", {**draft, "segment": "France"})
    assert r.status == 201 and r.json()["segment"] == "France", r
    issue_id = r.json()["id"]
    r = api.patch(f"/api/v1/issues/{issue_id}", {"segment": "Anyone", "subject": "Salut"})
    assert r.status == 200 and (r.json()["segment"], r.json()["subject"]) == ("Anyone", "Salut"), r
    assert_error(api.patch(f"/api/v1/issues/{issue_id}", {"segment": "nope"}), 404, "not_found",
                 "segment")
    r = api.patch(f"/api/v1/issues/{issue_id}", {"segment": None})
    assert r.status == 200 and r.json()["segment"] is None, r
    shown = json.loads(assert_ok(run("issue", "show", str(issue_id), "--json",
                                     *data_args(desk.data))).stdout)
    assert shown["segment"] is None


def test_issue_create_and_update_take_a_segment(desk, tmp_path):
    """`issue create --segment` and `issue update --segment` (\"\": the whole newsletter)."""
    args = data_args(desk.data)
    assert_ok(run("segment", "add", "france", "--newsletter", NEWSLETTER, "--attribute",
                  "Country=FR", *args))
    body = tmp_path / "body.md"
    body.write_text("Hi\n")
    base = ["issue", "create", "--newsletter", NEWSLETTER, "--subject", "S", "--body-file",
            str(body)]
    listed = assert_ok(run("issue", "list", "--json", *args)).stdout
    assert_fails(run(*base, "--segment", "nope", *args), 'no segment named "nope"')
    assert assert_ok(run("issue", "list", "--json", *args)).stdout == listed
    issue_id = assert_ok(run(*base, "--segment", "france", *args)).stdout.strip()
    shown = json.loads(assert_ok(run("issue", "show", issue_id, "--json", *args)).stdout)
    assert shown["segment"] == "france"
    assert_ok(run("issue", "update", issue_id, "--segment", "", *args))
    shown = json.loads(assert_ok(run("issue", "show", issue_id, "--json", *args)).stdout)
    assert shown["segment"] is None
    assert_ok(run("issue", "update", issue_id, "--segment", "france", *args))
    shown = json.loads(assert_ok(run("issue", "show", issue_id, "--json", *args)).stdout)
    assert shown["segment"] == "france"
