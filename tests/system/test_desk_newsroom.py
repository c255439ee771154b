"""Issue 14 items 3, 5, 6 and their part of item 7: the newsroom's token API, driven as
the desk (or an editor's tool) drives it against a real server: newsletters created and
changed with every field of the CLI, a draft of an edition, the email previewed as a
reader gets it (saved issues and unsaved Markdown), the delivery report of a send into
a real relay with failures and their replies, test sends never counted, the relay test
against smtp-sink and against an aiosmtpd relay without STARTTLS, DKIM records with the
live DNS check, and the outbox viewer. Every answer is checked against the OpenAPI
document's required fields (web/api/openapi.json), errors against its error shape."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

import pytest

from conftest import REPO, assert_ok, copy_data_folder, data_args, run, wait_for
from dns_responder import TXT, DnsResponder, txt_rdata
from send_helpers import ISSUE_MARKDOWN, add_newsletter, make_audience, sink_factory  # noqa: F401
from test_api import Api, assert_error, create_token
from test_day_one_relay import AioRelay, relay_env

NEWSLETTER = "morning-briefing"
PASSWORD = "correct horse battery"
DOC = json.loads((REPO / "web" / "api" / "openapi.json").read_text())


# --- the OpenAPI document as a checker ---------------------------------------------------


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        node = DOC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list,
         "null": type(None), "number": (int, float)}


def conforms(value, schema: dict, where="$"):
    """The value has every required field of `schema`, of the declared types, all the
    way down (allOf, $ref, arrays, objects)."""
    schema = resolve(schema)
    for part in schema.get("allOf", []):
        conforms(value, part, where)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(value, TYPES[k]) and not (k == "integer" and isinstance(value, bool))
                 for k in kinds)
        assert ok, f"{where}: {value!r} is not {kinds}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: required field {name!r} is missing"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                conforms(value[name], sub, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conforms(item, schema["items"], f"{where}[{i}]")


def answer(reply, method: str, path: str, status: int):
    """The reply has `status` and, when JSON, the shape the document gives it."""
    assert reply.status == status, reply
    op = DOC["paths"][path][method]
    response = op["responses"][str(status)]
    if "$ref" in response:
        response = resolve(response)
    content = response["content"]
    if "application/json" in content:
        body = reply.json()
        conforms(body, content["application/json"]["schema"])
        return body
    (kind,) = content.keys()
    assert reply.headers["content-type"].startswith(kind), reply
    return reply.text


def refused(reply, method, path, status, code, *fragments):
    answer(reply, method, path, status)
    return assert_error(reply, status, code, *fragments)


# --- a newsroom: a newsletter, an editor and a token -------------------------------------


class Newsroom:
    def __init__(self, data, token, admin_token):
        self.data = data
        self.token = token              # the editor's: content and read
        self.admin_token = admin_token  # the chief's: settings too


@pytest.fixture(scope="module")
def _newsroom_template(_templates, tmp_path_factory):
    data = tmp_path_factory.mktemp("newsroom") / "data"
    copy_data_folder(_templates["init"], data)
    add_newsletter(data)
    assert_ok(run("user", "add", "editor", *data_args(data), input=PASSWORD + "\n"))
    assert_ok(run("user", "add", "chief", "--role", "admin", *data_args(data),
                  input=PASSWORD + "\n"))
    assert_ok(run("user", "add", "reader", "--role", "viewer", *data_args(data),
                  input=PASSWORD + "\n"))
    return Newsroom(data, create_token(data, "desk", "--user", "editor"),
                    create_token(data, "settings", "--user", "chief"))


@pytest.fixture
def newsroom(_newsroom_template, tmp_path):
    data = tmp_path / "data"
    copy_data_folder(_newsroom_template.data, data)
    return Newsroom(data, _newsroom_template.token, _newsroom_template.admin_token)


@pytest.fixture
def api(newsroom, server_factory):
    return Api(server_factory(newsroom.data), newsroom.token)


def cli_newsletter(data, slug) -> dict:
    return json.loads(assert_ok(run("newsletter", "show", slug, "--json", *data_args(data))).stdout)


# --- 1. newsletters ----------------------------------------------------------------------


def test_a_newsletter_is_created_with_every_field_and_shows_its_next_editions(api, newsroom):
    body = {"slug": "evening-edition", "name": "Evening Edition",
            "description": "The day, in the evening.", "schedule": "mon-fri 18:00 local",
            "from": "Evening Desk <evening@mail.broadsheet-test.net>", "opt_in": "single",
            "public": False, "welcome_subject": "Welcome", "welcome_body": "Hello.\n\nThanks.",
            "default_timezone": "Europe/Paris", "draft_from_feeds": True, "draft_items": 7,
            "draft_sections": ["World", "Business"], "draft_lead": "2h", "on_cutoff": "send"}
    made = answer(api.post("/api/v1/newsletters", body), "post", "/api/v1/newsletters", 201)
    assert made["slug"] == "evening-edition" and made["public"] is False
    assert made["from_name"] == "Evening Desk" and made["opt_in"] == "single"
    assert made["default_timezone"] == "Europe/Paris" and made["welcome_body"] == "Hello.\n\nThanks."
    assert made["drafts"] == {"from_feeds": True, "items": 7, "sections": ["World", "Business"],
                              "lead_seconds": 7200, "on_cutoff": "send"}
    assert len(made["next_editions"]) == 5
    # The CLI sees what the API made: one store, one set of rules.
    shown = cli_newsletter(newsroom.data, "evening-edition")
    assert shown["schedule"] == "mon-fri 18:00 local" and shown["drafts"]["items"] == 7
    got = answer(api.get("/api/v1/newsletters/evening-edition"), "get",
                 "/api/v1/newsletters/{slug}", 200)
    assert got["next_editions"] == made["next_editions"]


def test_a_newsletter_changes_field_by_field(api, newsroom):
    path = f"/api/v1/newsletters/{NEWSLETTER}"
    r = api.call("PATCH", path, {"schedule": "sat 08:00 UTC", "name": "Weekend Briefing"})
    changed = answer(r, "patch", "/api/v1/newsletters/{slug}", 200)
    assert changed["name"] == "Weekend Briefing" and changed["schedule"] == "sat 08:00 UTC"
    assert len(changed["next_editions"]) == 5
    assert all(e > "1970" for e in changed["next_editions"])
    r = api.call("PATCH", path, {"default_timezone": None, "draft_lead": 600, "public": False})
    changed = answer(r, "patch", "/api/v1/newsletters/{slug}", 200)
    assert changed["default_timezone"] is None and changed["drafts"]["lead_seconds"] == 600
    assert changed["public"] is False
    r = api.call("PATCH", path, {"schedule": "manual"})
    assert answer(r, "patch", "/api/v1/newsletters/{slug}", 200)["next_editions"] == []
    assert cli_newsletter(newsroom.data, NEWSLETTER)["name"] == "Weekend Briefing"


BAD_NEWSLETTERS = {
    "no slug": ({"name": "X"}, "\"slug\" is required"),
    "bad slug": ({"slug": "Not A Slug", "name": "X"}, "\"slug\""),
    "no name": ({"slug": "x"}, "\"name\" is required"),
    "empty name": ({"slug": "x", "name": ""}, "must not be empty"),
    "bad schedule": ({"slug": "x", "name": "X", "schedule": "someday"}, "\"schedule\""),
    "bad sender": ({"slug": "x", "name": "X", "from": "not an address"}, "\"from\""),
    "bad opt-in": ({"slug": "x", "name": "X", "opt_in": "triple"}, "double or single"),
    "bad zone": ({"slug": "x", "name": "X", "default_timezone": "Mars/Base"}, "unknown time zone"),
    "too many items": ({"slug": "x", "name": "X", "draft_items": 51}, "draft_items"),
    "a comma in a section": ({"slug": "x", "name": "X", "draft_sections": ["a,b"]}, "without commas"),
    "bad lead": ({"slug": "x", "name": "X", "draft_lead": "1y"}, "\"draft_lead\""),
    "bad cutoff": ({"slug": "x", "name": "X", "on_cutoff": "maybe"}, "neither send nor hold"),
    "wrong type": ({"slug": "x", "name": "X", "public": "yes"}, "true or false"),
    "unknown field": ({"slug": "x", "name": "X", "colour": "red"}, "unknown field \"colour\""),
    "drafting a manual newsletter": ({"slug": "x", "name": "X", "draft_from_feeds": True},
                                     "manual schedule"),
    "a name on two lines": ({"slug": "x", "name": "A\nB"}, "\"name\""),
}


@pytest.mark.parametrize("case", sorted(BAD_NEWSLETTERS))
def test_a_bad_newsletter_is_refused_naming_the_field(api, case):
    body, fragment = BAD_NEWSLETTERS[case]
    refused(api.post("/api/v1/newsletters", body), "post", "/api/v1/newsletters", 400,
            "invalid_field", fragment)


def test_a_viewer_reads_newsletters_and_previews_but_changes_nothing(newsroom, api):
    viewer = Api(api.server, create_token(newsroom.data, "viewer", "--user", "reader"))
    answer(viewer.get(f"/api/v1/newsletters/{NEWSLETTER}"), "get", "/api/v1/newsletters/{slug}", 200)
    refused(viewer.call("PATCH", f"/api/v1/newsletters/{NEWSLETTER}", {"name": "X"}), "patch",
            "/api/v1/newsletters/{slug}", 403, "forbidden")
    refused(viewer.post("/api/v1/newsletters", {"slug": "x", "name": "X"}), "post",
            "/api/v1/newsletters", 403, "forbidden")
    refused(viewer.post("/api/v1/preview", {"newsletter": NEWSLETTER, "body_markdown": "x"}),
            "post", "/api/v1/preview", 403, "forbidden")
    refused(viewer.get("/api/v1/settings/dkim"), "get", "/api/v1/settings/dkim", 403, "forbidden")


def test_newsletter_errors_not_found_taken_and_not_json(api):
    refused(api.get("/api/v1/newsletters/no-such"), "get", "/api/v1/newsletters/{slug}", 404,
            "not_found", "no-such")
    refused(api.call("PATCH", "/api/v1/newsletters/no-such", {"name": "Y"}), "patch",
            "/api/v1/newsletters/{slug}", 404, "not_found")
    refused(api.post("/api/v1/newsletters", {"slug": NEWSLETTER, "name": "Again"}), "post",
            "/api/v1/newsletters", 409, "conflict", "taken")
    refused(api.post("/api/v1/newsletters", b"slug=x", content_type="application/x-www-form-urlencoded"),
            "post", "/api/v1/newsletters", 415, "unsupported_media_type")
    refused(api.post("/api/v1/newsletters", b"[1,2]"), "post", "/api/v1/newsletters", 400,
            "invalid_json")


def test_a_draft_of_an_edition_is_refused_as_the_cli_refuses_it(api):
    path = f"/api/v1/newsletters/{NEWSLETTER}/draft"
    doc = "/api/v1/newsletters/{slug}/draft"
    refused(api.post(path, {"edition": "2026-13-01"}), "post", doc, 422, "invalid_edition")
    refused(api.post(path, {"edition": "2030-01-07"}), "post", doc, 422, "invalid_edition",
            "manual")
    refused(api.post(path, {}), "post", doc, 400, "invalid_field", "edition")
    refused(api.post("/api/v1/newsletters/no-such/draft", {"edition": "2030-01-07"}), "post", doc,
            404, "not_found")
    # A recurring newsletter without feeds: nothing to draft from.
    assert api.call("PATCH", f"/api/v1/newsletters/{NEWSLETTER}",
                    {"schedule": "mon-sun 06:00 UTC"}).status == 200
    refused(api.post(path, {"edition": "2030-01-07"}), "post", doc, 422, "no_articles")


# --- 2. previews -------------------------------------------------------------------------


def test_an_issue_is_previewed_as_the_reader_gets_it(api, newsroom, tmp_path):
    make_audience(newsroom.data, tmp_path, 1)  # reader0@…, "Reader 0"
    issue = api.create(sponsor="Brought to you by **Acme**.")
    doc = "/api/v1/issues/{id}/preview"
    sample = answer(api.get(f"/api/v1/issues/{issue['id']}/preview"), "get", doc, 200)
    assert sample["to"] == "reader@example.com" and sample["name"] == "Sam Reader"
    assert "Good morning, Sam Reader" in sample["html"]
    assert "Good morning, Sam Reader" in sample["text"]
    assert "Acme" in sample["html"] and sample["sponsor"] == "Brought to you by **Acme**."
    assert "name" in sample["merge_fields"] and "unsubscribe_url" in sample["merge_fields"]
    assert "/u/" in sample["html"]  # the links as sent
    to = "reader0@mail.broadsheet-test.net"
    chosen = answer(api.get(f"/api/v1/issues/{issue['id']}/preview?to={urllib.parse.quote(to)}"),
                    "get", doc, 200)
    assert chosen["to"] == to and "Good morning, Reader 0" in chosen["html"]
    refused(api.get(f"/api/v1/issues/{issue['id']}/preview?to=not-an-address"), "get", doc, 400,
            "invalid_field", "\"to\"")
    refused(api.get("/api/v1/issues/999/preview"), "get", doc, 404, "not_found")


def test_unsaved_markdown_is_previewed_and_nothing_is_stored(api):
    before = api.issue_count()
    body = {"newsletter": NEWSLETTER, "subject": "Draft", "body_markdown": "# Hi {{name}}\n\nText."}
    shown = answer(api.post("/api/v1/preview", body), "post", "/api/v1/preview", 200)
    assert shown["issue"] is None and "Hi Sam Reader" in shown["html"]
    assert "Hi Sam Reader" in shown["text"] and shown["sponsor"] is None
    assert api.issue_count() == before
    refused(api.post("/api/v1/preview", {**body, "body_markdown": "Hi {{nmae}}"}), "post",
            "/api/v1/preview", 422, "invalid_merge_field", "nmae")
    refused(api.post("/api/v1/preview", {"newsletter": NEWSLETTER}), "post", "/api/v1/preview",
            400, "invalid_field", "body_markdown")
    refused(api.post("/api/v1/preview", {**body, "newsletter": "no-such"}), "post",
            "/api/v1/preview", 400, "invalid_field", "no-such")
    refused(api.post("/api/v1/preview", {**body, "body_markdown": "x" * (1024 * 1024 + 1)}),
            "post", "/api/v1/preview", 400, "invalid_field", "body_markdown")


# --- 2. the delivery report, and test sends never counted -------------------------------


def test_the_report_counts_a_send_over_time_and_lists_failures_with_replies(
        newsroom, tmp_path, server_factory):
    readers = make_audience(newsroom.data, tmp_path, 5)
    refused_ones = readers[1:3]
    relay = AioRelay(tmp_path / "relay", *[f for r in refused_ones for f in ("--reject-rcpt", r)])
    try:
        server = server_factory(newsroom.data, env=relay_env(relay.port, tls="none"))
        api = Api(server, newsroom.token)
        issue = api.create()
        # A test send first: marked as a test, never in the report.
        r = api.post(f"/api/v1/issues/{issue['id']}/test", {"to": ["editor@example.com"]})
        assert r.status == 200, r
        assert api.post(f"/api/v1/issues/{issue['id']}/send").status == 202
        wait_for(lambda: api.issue(issue["id"])["status"] == "sent", timeout=60,
                 what="the issue to be sent")
        doc = "/api/v1/issues/{id}/report"
        report = answer(api.get(f"/api/v1/issues/{issue['id']}/report"), "get", doc, 200)
        assert report["deliveries"]["sent"] == 3 and report["deliveries"]["failed"] == 2
        assert sum(b["sent"] for b in report["timeline"]) == 3  # not the test send
        assert sum(b["failed"] for b in report["timeline"]) == 2
        assert report["bucket_seconds"] == 60
        hourly = answer(api.get(f"/api/v1/issues/{issue['id']}/report?bucket=3600"), "get", doc, 200)
        assert hourly["bucket_seconds"] == 3600
        refused(api.get(f"/api/v1/issues/{issue['id']}/report?bucket=5"), "get", doc, 400,
                "invalid_field", "bucket")

        doc = "/api/v1/issues/{id}/failures"
        page = answer(api.get(f"/api/v1/issues/{issue['id']}/failures?limit=1"), "get", doc, 200)
        assert len(page["failures"]) == 1 and page["next_after"] is not None
        rest = answer(api.get(f"/api/v1/issues/{issue['id']}/failures?after={page['next_after']}"),
                      "get", doc, 200)
        failures = page["failures"] + rest["failures"]
        assert rest["next_after"] is None
        assert sorted(f["email"] for f in failures) == sorted(refused_ones)
        assert all(f["reply"].startswith("5") for f in failures), failures
        refused(api.get(f"/api/v1/issues/{issue['id']}/failures?limit=0"), "get", doc, 400,
                "invalid_field", "limit")

        text = answer(api.get(f"/api/v1/issues/{issue['id']}/failures.csv"), "get",
                      "/api/v1/issues/{id}/failures.csv", 200)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert sorted(r["email"] for r in rows) == sorted(refused_ones)
        assert rows[0]["reply"] == next(f["reply"] for f in failures if f["email"] == rows[0]["email"])
    finally:
        relay.stop()


# --- 3. settings -------------------------------------------------------------------------


def test_the_relay_test_shows_each_step_of_smtp_sink(newsroom, server_factory, sink_factory):
    sink = sink_factory()
    api = Api(server_factory(newsroom.data, env=sink.env()), newsroom.admin_token)
    result = answer(api.post("/api/v1/settings/relay/test"), "post", "/api/v1/settings/relay/test",
                    200)
    assert result["transport"] == "smtp"
    (relay,) = result["relays"]
    assert relay["ok"] is True and relay["configuration"] is False, relay
    steps = [s["step"] for s in relay["steps"]]
    assert steps[0] == "the greeting" and "EHLO" in steps and steps[-1] == "QUIT", steps
    assert relay["steps"][0]["reply"].startswith("220")


def test_the_relay_test_names_a_relay_without_starttls(newsroom, server_factory, tmp_path):
    relay = AioRelay(tmp_path / "relay")
    try:
        env = relay_env(relay.port, tls="starttls", BROADSHEET_SMTP_USERNAME="news",
                        BROADSHEET_SMTP_PASSWORD="pa55word")
        api = Api(server_factory(newsroom.data, env=env), newsroom.admin_token)
        result = answer(api.post("/api/v1/settings/relay/test"), "post",
                        "/api/v1/settings/relay/test", 200)
        (check,) = result["relays"]
        assert check["ok"] is False and check["configuration"] is True, check
        assert "does not offer STARTTLS" in check["what"]
        assert [s["step"] for s in check["steps"]] == ["the greeting", "EHLO"], check
        assert "pa55word" not in json.dumps(result)
        assert relay.messages() == 0
    finally:
        relay.stop()


def test_the_relay_test_with_the_outbox_says_no_relay_is_used(api, newsroom):
    # An editor may not; an admin may.
    refused(api.post("/api/v1/settings/relay/test"), "post", "/api/v1/settings/relay/test", 403,
            "forbidden")
    api = Api(api.server, newsroom.admin_token)
    result = answer(api.post("/api/v1/settings/relay/test"), "post", "/api/v1/settings/relay/test",
                    200)
    assert result["transport"] == "outbox" and result["relays"] == []


def test_dkim_keys_show_their_records_and_the_live_check(newsroom, server_factory):
    assert_ok(run("dkim", "keygen", "--domain", "mail.broadsheet-test.net", "--selector", "s1",
                  "--algo", "ed25519", *data_args(newsroom.data)))
    with DnsResponder() as dns:
        env = {"BROADSHEET_MAIL_DNS_SERVERS": dns.address}
        api = Api(server_factory(newsroom.data, env=env), newsroom.admin_token)
        doc = "/api/v1/settings/dkim"
        keys = answer(api.get(doc), "get", doc, 200)["keys"]
        (key,) = keys
        assert key["record_name"] == "s1._domainkey.mail.broadsheet-test.net"
        assert key["txt_record"].startswith("v=DKIM1; k=ed25519; p=")
        assert "published" not in key
        (key,) = answer(api.get(doc + "?check=true"), "get", doc, 200)["keys"]
        assert key["published"]["ok"] is False
        assert "no TXT record" in key["published"]["verdict"]
        dns.zones = {key["record_name"]: {TXT: [txt_rdata(key["txt_record"])]}}
        (key,) = answer(api.get(doc + "?check=true"), "get", doc, 200)["keys"]
        assert key["published"]["ok"] is True, key
        refused(api.get(doc + "?check=maybe"), "get", doc, 400, "invalid_field", "check")


def test_the_outbox_lists_messages_newest_first_and_opens_one(api, newsroom):
    issue = api.create()
    for to in ("first@example.com", "second@example.com"):
        r = api.post(f"/api/v1/issues/{issue['id']}/test", {"to": [to]})
        assert r.status == 200 and r.json()["results"][0]["result"] == "accepted", r
    doc = "/api/v1/settings/outbox"
    refused(api.get(doc), "get", doc, 403, "forbidden")
    api = Api(api.server, newsroom.admin_token)
    listing = answer(api.get(doc), "get", doc, 200)
    assert len(listing["messages"]) == 2 and listing["next_offset"] is None
    assert [m["to"] for m in listing["messages"]] == ["second@example.com", "first@example.com"] or \
        listing["messages"][0]["received_at"] == listing["messages"][1]["received_at"]
    assert all(m["subject"].startswith("[TEST] ") for m in listing["messages"])
    page = answer(api.get(doc + "?limit=1"), "get", doc, 200)
    assert len(page["messages"]) == 1 and page["next_offset"] == 1
    name = listing["messages"][0]["name"]
    raw = answer(api.get(f"{doc}/{urllib.parse.quote(name)}"), "get", doc + "/{name}", 200)
    assert "Subject: [TEST] " in raw and "Good morning" in raw or "Content-Type" in raw
    for bad in (".hidden", "x" * 300):
        refused(api.get(f"{doc}/{bad}"), "get", doc + "/{name}", 400, "invalid_field")
    # A slash, even encoded, is another address: nothing there.
    for bad in ("..", "..%2Fbroadsheet.toml", "a%2F..%2F..%2Fbroadsheet.toml", "%2E%2E%2Fbroadsheet.toml"):
        r = api.get(f"{doc}/{bad}")
        assert r.status in (400, 404) and "error" in r.json(), r
    refused(api.get(f"{doc}/1234.M1P1Q1.nowhere"), "get", doc + "/{name}", 404, "not_found")
    refused(api.get(doc + "?limit=1000"), "get", doc, 400, "invalid_field", "limit")


def test_admins_manage_users_and_tokens_as_the_cli_does(newsroom, server_factory):
    api = Api(server_factory(newsroom.data), newsroom.admin_token)
    users = answer(api.get("/api/v1/users"), "get", "/api/v1/users", 200)["users"]
    assert {u["username"]: u["role"] for u in users} == {
        "chief": "admin", "editor": "editor", "reader": "viewer"}
    made = answer(api.post("/api/v1/users", {"username": "aud", "password": "long enough pass",
                                             "role": "audience"}), "post", "/api/v1/users", 201)
    assert made == {**made, "username": "aud", "role": "audience"}
    refused(api.post("/api/v1/users", {"username": "aud", "password": "long enough pass"}),
            "post", "/api/v1/users", 409, "conflict")
    refused(api.post("/api/v1/users", {"username": "Bad Name", "password": "long enough pass"}),
            "post", "/api/v1/users", 400, "invalid_field", "username")
    refused(api.post("/api/v1/users", {"username": "short", "password": "tiny"}),
            "post", "/api/v1/users", 400, "invalid_field", "12 characters")
    refused(api.post("/api/v1/users", {"username": "x", "password": "long enough pass",
                                       "role": "owner"}),
            "post", "/api/v1/users", 400, "invalid_field", "\"role\"")
    changed = answer(api.call("PATCH", "/api/v1/users/aud", {"role": "viewer"}), "patch",
                     "/api/v1/users/{username}", 200)
    assert changed["role"] == "viewer"
    refused(api.call("PATCH", "/api/v1/users/nobody", {"role": "viewer"}), "patch",
            "/api/v1/users/{username}", 404, "not_found")

    issued = answer(api.post("/api/v1/tokens", {"name": "cms", "user": "aud"}), "post",
                    "/api/v1/tokens", 201)
    assert issued["secret"].startswith("bs_") and issued["user"] == "aud"
    refused(api.post("/api/v1/tokens", {"name": "cms"}), "post", "/api/v1/tokens", 400,
            "invalid_field", "\"user\"")
    # The new token works, with its user's role: a viewer reads, and no more.
    aud = Api(api.server, issued["secret"])
    assert aud.get("/api/v1/newsletters").status == 200
    refused(aud.get("/api/v1/users"), "get", "/api/v1/users", 403, "forbidden")
    listed = answer(api.get("/api/v1/tokens"), "get", "/api/v1/tokens", 200)["tokens"]
    assert issued["secret"] not in json.dumps(listed)
    assert any(t["id"] == issued["id"] and t["revoked_at"] is None for t in listed)
    answer(api.call("DELETE", f"/api/v1/tokens/{issued['id']}"), "delete", "/api/v1/tokens/{id}", 200)
    refused(api.call("DELETE", f"/api/v1/tokens/{issued['id']}"), "delete", "/api/v1/tokens/{id}",
            409, "conflict")
    refused(api.call("DELETE", "/api/v1/tokens/99999"), "delete", "/api/v1/tokens/{id}", 404,
            "not_found")
    assert aud.get("/api/v1/newsletters").status == 401
    # The CLI sees the same users and tokens.
    cli = json.loads(assert_ok(run("token", "list", "--json", *data_args(newsroom.data))).stdout)
    assert any(t["id"] == issued["id"] and t["revoked_at"] for t in cli)
    # An editor manages no one.
    refused(Api(api.server, newsroom.token).get("/api/v1/tokens"), "get", "/api/v1/tokens", 403,
            "forbidden")
