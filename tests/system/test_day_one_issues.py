"""Issue 16, the editor's side: merge fields checked when an issue is written (with a
default and a section the web version leaves out), a test send, the data folder found
without --data, `issue list` in the order of its column, `user list` with a header, and
a sent issue's archive page corrected with the change in the audit log."""

from __future__ import annotations

import json
import re

import dkim
import pytest

from conftest import (DOMAIN, REPO, assert_fails, assert_ok, data_args, get, request, run,
                      scrape_metrics)
from send_helpers import (  # noqa: F401
    create_issue, make_audience, parse_message, sink_factory, paper, write_text,
    issue_json, outbox_messages,
)
from signup_helpers import db_rows

SLUG = "morning-briefing"
BASE = "https://news.broadsheet-test.net"
ENV = {"BROADSHEET_PUBLICATION_BASE_URL": BASE}
PASSWORD = "correct horse battery staple"


def issue_ids(data) -> list[int]:
    return [i["id"] for i in json.loads(assert_ok(run("issue", "list", "--json",
                                                      *data_args(data))).stdout)]


def text_of(raw: bytes) -> str:
    msg = parse_message(raw)
    return msg.get_body(preferencelist=("plain",)).get_content()


def api_token(data) -> str:
    assert_ok(run("user", "add", "editor", *data_args(data), input=PASSWORD + "\n"))
    return assert_ok(run("token", "create", "--name", "cms", *data_args(data))).stdout.strip()


def api(server, token, method, path, body=None):
    return request(server, method, path, body=json.dumps(body).encode() if body is not None else None,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


# --- 8. merge fields checked when written -----------------------------------------------

MISTAKES = [
    ("Hello,\n\nDear {{first_name}},\n", "line 3", "unknown merge field {{first_name}}"),
    ("{{^web}}Forward this to a friend.{{/web}}\n", "line 1", "{{^web}} is not supported"),
    ("Hi\n{{#reader}}You signed up with {{email}}.\n", "line 2", "not closed by {{/reader}}"),
    ("Hi {{name | default: reader}}\n", "line 1", "is not a merge field"),
]


@pytest.mark.parametrize("body,line,what", MISTAKES)
def test_merge_field_mistakes_are_refused_at_create_with_line_and_valid_list(
        paper, tmp_path, body, line, what):
    path = write_text(tmp_path, "issue.md", body)
    cp = run("issue", "create", "--newsletter", SLUG, "--subject", "S", "--body-file", path,
             *data_args(paper))
    assert_fails(cp, "--body-file", line, what, "name, email, issue_date", "{{#reader}}")
    assert issue_ids(paper) == []


def test_merge_field_mistakes_are_refused_at_update(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path)
    before = issue_json(paper, issue_id)["body_markdown"]
    path = write_text(tmp_path, "bad.md", "One\nTwo {{frist_name}}\n")
    assert_fails(run("issue", "update", issue_id, "--body-file", path, *data_args(paper)),
                 "line 2", "{{frist_name}}")
    assert issue_json(paper, issue_id)["body_markdown"] == before


def test_the_fields_the_error_lists_are_those_the_readme_and_openapi_list(paper, tmp_path):
    path = write_text(tmp_path, "bad.md", "{{nope}}\n")
    line = assert_fails(run("issue", "create", "--newsletter", SLUG, "--subject", "S",
                            "--body-file", path, *data_args(paper)))
    fields = re.search(r"the merge fields ([a-z_, ]+) \(", line).group(1).split(", ")
    assert "name" in fields and "web_version_url" in fields
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    openapi = (REPO / "web" / "api" / "openapi.json").read_text(encoding="utf-8")
    for f in fields:
        assert f"{{{{{f}}}}}" in readme, f
        assert f"{{{{{f}}}}}" in openapi, f


def test_default_and_reader_section_in_the_email_and_not_on_the_archive(paper, tmp_path,
                                                                        server_factory):
    assert_ok(run("subscriber", "add", f"named@{DOMAIN}", "--name", "Ada", "--newsletter", SLUG,
                  "--confirmed", *data_args(paper)))
    assert_ok(run("subscriber", "add", f"nameless@{DOMAIN}", "--newsletter", SLUG,
                  "--confirmed", *data_args(paper)))
    body = ('Dear {{name | default: "friend"}},\n\nThe news.\n\n'
            "{{#reader}}\nYou signed up with {{email}}.\n{{/reader}}\n"
            "{{^reader}}\nGet it by email: sign up.\n{{/reader}}\n")
    issue_id = create_issue(paper, tmp_path, body=body)
    assert_ok(run("issue", "send", issue_id, "--wait", *data_args(paper), env=ENV))
    texts = {parse_message(m)["To"].addresses[0].addr_spec: text_of(m)
             for m in outbox_messages(paper)}
    assert "Dear Ada," in texts[f"named@{DOMAIN}"]
    assert "Dear friend," in texts[f"nameless@{DOMAIN}"]
    for address, text in texts.items():
        assert f"You signed up with {address}." in text
        assert "sign up." not in text and "{{" not in text
    server = server_factory(paper, env=ENV)
    page = get(server, f"/archive/{SLUG}/{issue_id}")
    assert page.status == 200, page
    assert "Dear friend," in page.text
    assert "signed up with" not in page.text
    assert "Get it by email: sign up." in page.text


def test_the_api_refuses_merge_field_mistakes_with_422(paper, tmp_path, server_factory):
    token = api_token(paper)
    server = server_factory(paper, env=ENV)
    r = api(server, token, "POST", "/api/v1/issues",
            {"newsletter": SLUG, "subject": "S", "body_markdown": "Hi\n\n{{first_name}}\n"})
    assert r.status == 422, r
    err = r.json()["error"]
    assert err["code"] == "invalid_merge_field"
    assert "line 3" in err["message"] and "{{first_name}}" in err["message"]
    issue_id = create_issue(paper, tmp_path)
    r = api(server, token, "PATCH", f"/api/v1/issues/{issue_id}",
            {"body_markdown": "{{#web}}x{{/web}}"})
    assert r.status == 422 and r.json()["error"]["code"] == "invalid_merge_field", r
    r = api(server, token, "PATCH", f"/api/v1/issues/{issue_id}", {"subject": "Better"})
    assert r.status == 200, r
    assert r.json()["subject"] == "Better" and r.json()["corrected"] is False


# --- 9. a test send ---------------------------------------------------------------------


def test_issue_test_sends_through_smtp_signed_and_records_nothing(paper, tmp_path, sink_factory):
    cp = assert_ok(run("dkim", "keygen", "--domain", DOMAIN, "--selector", "t1", "--algo", "rsa",
                       *data_args(paper)))
    record = "".join(re.findall(r'"([^"]*)"', next(l for l in cp.stdout.splitlines()
                                                 if " IN TXT " in l)))
    make_audience(paper, tmp_path, 2)
    issue_id = create_issue(paper, tmp_path, subject="Tuesday: the news")
    sink = sink_factory()
    to = [f"first@{DOMAIN}", f"second@{DOMAIN}"]
    cp = run("issue", "test", issue_id, "--to", ",".join(to), "--name", "Ada Lovelace",
             *data_args(paper), env={**ENV, **sink.env()})
    assert_ok(cp)
    lines = cp.stdout.splitlines()
    assert len(lines) == 2, cp.stdout
    for address, line in zip(to, lines):
        assert line.startswith(f"{address}: accepted via smtp 127.0.0.1:{sink.port}"), line
        assert "250" in line, line
    assert sorted(sink.recipients()) == to
    for raw in sink.messages():
        msg = parse_message(raw)
        assert msg["Subject"] == "[TEST] Tuesday: the news"
        assert "X-Broadsheet-Delivery" not in msg
        assert "Good morning, Ada Lovelace" in text_of(raw)
        assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record.encode()), raw[:400]
    shown = issue_json(paper, issue_id)
    assert shown["status"] == "draft"
    assert shown["deliveries"]["total"] == 0
    assert db_rows(paper, "SELECT count(*) FROM deliveries")[0][0] == 0


def test_issue_test_refuses_a_bad_address_and_sends_nothing(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path)
    assert_fails(run("issue", "test", issue_id, "--to", f"ok@{DOMAIN},not-an-address",
                     *data_args(paper)), "the address not-an-address cannot be used")
    assert outbox_messages(paper) == []


def test_the_api_test_send_goes_to_the_outbox_and_records_nothing(paper, tmp_path,
                                                                  server_factory):
    token = api_token(paper)
    issue_id = create_issue(paper, tmp_path, subject="Draft for review")
    server = server_factory(paper, env=ENV)

    def messages_counted():
        return {k: v for k, v in scrape_metrics(server).items()
                if k.startswith("broadsheet_messages_total")}

    counted = messages_counted()
    r = api(server, token, "POST", f"/api/v1/issues/{issue_id}/test",
            {"to": [f"editor@{DOMAIN}"], "name": "Grace"})
    assert r.status == 200, r
    [result] = r.json()["results"]
    assert result["to"] == f"editor@{DOMAIN}" and result["result"] == "accepted", result
    [raw] = outbox_messages(paper)
    assert parse_message(raw)["Subject"] == "[TEST] Draft for review"
    assert "Good morning, Grace" in text_of(raw)
    assert api(server, token, "GET", f"/api/v1/issues/{issue_id}").json()["deliveries"]["total"] == 0
    assert messages_counted() == counted
    r = api(server, token, "POST", f"/api/v1/issues/{issue_id}/test", {"to": ["nope"]})
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_field", r
    r = api(server, token, "POST", "/api/v1/issues/999/test", {"to": [f"editor@{DOMAIN}"]})
    assert r.status == 404, r


# --- 10. the data folder, lists, corrections --------------------------------------------


def test_broadsheet_data_and_the_walk_up_find_the_data_folder(paper, tmp_path):
    assert_ok(run("issue", "create", "--newsletter", SLUG, "--subject", "From the env",
                  "--body-file", write_text(tmp_path, "b.md", "Hi\n"),
                  env={"BROADSHEET_DATA": str(paper)}))
    # From inside the data folder, or a folder below it, no --data is needed.
    for cwd in (paper, paper / "secrets"):
        listed = json.loads(assert_ok(run("issue", "list", "--json", cwd=cwd)).stdout)
        assert [i["subject"] for i in listed] == ["From the env"]
    # --data wins over both.
    other = tmp_path / "other"
    assert_ok(run("init", *data_args(other)))
    assert json.loads(assert_ok(run("issue", "list", "--json", *data_args(other), cwd=paper,
                                    env={"BROADSHEET_DATA": str(paper)})).stdout) == []
    # Elsewhere: ./var, as before.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cp = run("issue", "list", cwd=elsewhere)
    assert cp.returncode != 0 and "var" in cp.stderr


def test_issue_list_is_newest_created_first_as_its_column_says(paper, tmp_path):
    older = create_issue(paper, tmp_path, subject="Older")
    import time
    time.sleep(1.1)
    newer = create_issue(paper, tmp_path, subject="Newer")
    time.sleep(1.1)
    assert_ok(run("issue", "send", older, "--wait", *data_args(paper), env=ENV))  # starts later
    assert issue_ids(paper) == [newer, older]
    lines = assert_ok(run("issue", "list", *data_args(paper))).stdout.splitlines()
    assert lines[0].split()[:6] == ["ID", "NEWSLETTER", "STATUS", "CREATED", "FOR", "SUBJECT"]
    created = [line.split()[3] for line in lines[1:]]
    assert created == sorted(created, reverse=True)


def test_user_list_has_a_header(paper):
    assert_ok(run("user", "add", "ada", "--role", "admin", *data_args(paper),
                  input=PASSWORD + "\n"))
    lines = assert_ok(run("user", "list", *data_args(paper))).stdout.splitlines()
    assert lines[0].split() == ["USER", "ROLE", "CREATED"]
    assert lines[1].split()[:2] == ["ada", "admin"]


def test_a_sent_issue_is_corrected_on_the_archive_with_an_audit_entry(paper, tmp_path,
                                                                      server_factory):
    make_audience(paper, tmp_path, 1)
    issue_id = create_issue(paper, tmp_path, body="The mayor said teh works start in May.\n")
    assert_ok(run("issue", "send", issue_id, "--wait", *data_args(paper), env=ENV))
    server = server_factory(paper, env=ENV)
    assert "teh works" in get(server, f"/archive/{SLUG}/{issue_id}").text  # now cached
    fixed = write_text(tmp_path, "fixed.md", "The mayor said the works start in May.\n")
    cp = assert_ok(run("issue", "update", issue_id, "--body-file", fixed, *data_args(paper)))
    assert "corrected" in cp.stdout
    page = get(server, f"/archive/{SLUG}/{issue_id}").text
    assert "the works start" in page and "teh works" not in page
    shown = issue_json(paper, issue_id)
    assert shown["status"] == "sent" and shown["deliveries"]["sent"] == 1
    [(actor, detail)] = db_rows(paper, "SELECT actor, detail FROM audit_log "
                                       "WHERE action = 'issue.correct' AND subject = ?",
                                (str(issue_id),))
    assert actor == "cli"
    assert re.fullmatch(r"body_markdown sha256 [0-9a-f]{64} -> [0-9a-f]{64}", detail), detail
    # Through the API too; a body mistake is still refused.
    token = api_token(paper)
    r = api(server, token, "PATCH", f"/api/v1/issues/{issue_id}", {"subject": "Fixed subject"})
    assert r.status == 200 and r.json()["corrected"] is True, r
    r = api(server, token, "PATCH", f"/api/v1/issues/{issue_id}", {"body_markdown": "{{x}}"})
    assert r.status == 422, r
    assert len(db_rows(paper, "SELECT 1 FROM audit_log WHERE action = 'issue.correct'")) == 2
