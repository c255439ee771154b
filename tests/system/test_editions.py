"""Editions (issue 12 item 1), through the binary: a draft approved for an edition of
its newsletter's schedule with `issue schedule ID --edition DATE`, a manual newsletter's
draft scheduled `--at` an instant, `issue unschedule`, every refusal with its message
and nothing changed, the same over the token API (`POST /api/v1/issues/{id}/schedule`
and `/unschedule`) with its error codes, and a newsletter's default time zone.

The demo publication has "morning-briefing" (mon-fri 06:00 local), "the-long-read"
(sat 08:00 local) and "breaking-news" (manual). `--now` says what day it is, so the
tests run on a fixed calendar: Monday 2026-12-07, 09:00 UTC."""

from __future__ import annotations

import json
import shutil

import pytest

from backend import sql
from conftest import assert_fails, assert_ok, data_args, request, run
from send_helpers import create_issue

NOW = "2026-12-07T09:00:00Z"  # a Monday
MORNING = "morning-briefing"


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def schedule(data, issue_id, *args, now=NOW):
    return run("issue", "schedule", issue_id, *args, "--now", now, *data_args(data))


def audit_actions(data) -> list[str]:
    return [row[0] for row in sql(data, "SELECT action FROM audit_log ORDER BY id")]


# --- the command line --------------------------------------------------------------------


def test_a_draft_is_scheduled_for_an_edition_shown_and_unscheduled(demo, tmp_path):
    issue = create_issue(demo, tmp_path, subject="Tuesday: the news")
    out = assert_ok(schedule(demo, issue, "--edition", "2026-12-08")).stdout
    assert "2026-12-08" in out and MORNING in out
    shown = show(demo, issue)
    assert shown["status"] == "scheduled" and shown["edition"] == "2026-12-08"
    assert shown["scheduled_at"] is None
    text = assert_ok(run("issue", "show", issue, *data_args(demo))).stdout
    assert "edition:     2026-12-08" in text
    listed = assert_ok(run("issue", "list", *data_args(demo))).stdout.splitlines()
    assert listed[0].split()[:6] == ["ID", "NEWSLETTER", "STATUS", "CREATED", "FOR", "SUBJECT"]
    row = next(line.split() for line in listed[1:] if line.split()[0] == str(issue))
    assert row[2] == "scheduled" and row[4] == "2026-12-08"
    listed_json = json.loads(assert_ok(run("issue", "list", "--json", *data_args(demo))).stdout)
    assert [i["edition"] for i in listed_json if i["id"] == issue] == ["2026-12-08"]

    out = assert_ok(run("issue", "unschedule", issue, *data_args(demo))).stdout
    assert "draft" in out
    shown = show(demo, issue)
    assert shown["status"] == "draft" and shown["edition"] == "2026-12-08"
    assert audit_actions(demo)[-2:] == ["issue.schedule", "issue.unschedule"]
    # Its own edition is not taken by itself: it is approved again.
    assert_ok(schedule(demo, issue, "--edition", "2026-12-08"))


@pytest.mark.parametrize("edition, fragments", [
    ("2026-12-12", ["2026-12-12 is a Saturday", "mon-fri 06:00 local", MORNING]),
    ("2026-12-04", ["2026-12-04", "in the past", "2026-12-07"]),
    ("2026-12-8", ["--edition", "YYYY-MM-DD"]),
    ("2027-02-29", ["not a day of the calendar"]),
    ("tomorrow", ["--edition", "not a date"]),
])
def test_an_edition_outside_the_schedule_is_refused_and_nothing_changes(demo, tmp_path, edition,
                                                                        fragments):
    issue = create_issue(demo, tmp_path)
    before = audit_actions(demo)
    assert_fails(schedule(demo, issue, "--edition", edition), *fragments)
    assert show(demo, issue)["status"] == "draft" and show(demo, issue)["edition"] is None
    assert audit_actions(demo) == before


def test_local_editions_stay_open_while_the_day_still_runs_somewhere(demo, tmp_path):
    # 21:00 UTC Monday: Tuesday in Tokyo, and Monday still at UTC-12 until 12:00 UTC Tuesday.
    issue = create_issue(demo, tmp_path)
    assert_ok(schedule(demo, issue, "--edition", "2026-12-07", now="2026-12-08T11:00:00Z"))
    late = create_issue(demo, tmp_path, subject="late")
    assert_fails(schedule(demo, late, "--edition", "2026-12-07", now="2026-12-08T12:00:00Z"),
                 "in the past")


def test_an_edition_has_one_issue_and_the_refusal_names_it(demo, tmp_path):
    first = create_issue(demo, tmp_path, subject="First of Tuesday")
    second = create_issue(demo, tmp_path, subject="Second of Tuesday")
    assert_ok(schedule(demo, first, "--edition", "2026-12-08"))
    assert_fails(schedule(demo, second, "--edition", "2026-12-08"),
                 f"already has issue {first}", "First of Tuesday")
    assert show(demo, second)["status"] == "draft"
    # Another newsletter's edition of a day is its own.
    weekly = create_issue(demo, tmp_path, subject="Long read", newsletter="the-long-read")
    assert_ok(schedule(demo, weekly, "--edition", "2026-12-12"))


def test_only_a_draft_is_scheduled_and_the_status_is_named(demo, tmp_path):
    issue = create_issue(demo, tmp_path)
    assert_ok(schedule(demo, issue, "--edition", "2026-12-08"))
    assert_fails(schedule(demo, issue, "--edition", "2026-12-09"), "scheduled", "only a draft")
    assert_ok(run("issue", "cancel", issue, *data_args(demo)))
    assert_fails(schedule(demo, issue, "--edition", "2026-12-09"), "cancelled", "only a draft")
    assert_fails(run("issue", "unschedule", issue, *data_args(demo)), "cancelled")
    other = create_issue(demo, tmp_path, subject="never scheduled")
    assert_fails(run("issue", "unschedule", other, *data_args(demo)), "draft")
    assert_fails(schedule(demo, 9999, "--edition", "2026-12-08"), "no issue")


def test_once_sending_has_started_unschedule_is_refused(demo, tmp_path):
    issue = create_issue(demo, tmp_path, subject="Flash", newsletter="breaking-news")
    assert_ok(schedule(demo, issue, "--at", "2026-12-08T06:00:00+01:00"))
    assert show(demo, issue)["scheduled_at"] == "2026-12-08T05:00:00Z"
    assert_ok(run("issue", "send", issue, "--wait", *data_args(demo), timeout=120))
    assert_fails(run("issue", "unschedule", issue, *data_args(demo)), "sending has started")


def test_a_manual_newsletter_is_scheduled_at_an_instant_and_says_so(demo, tmp_path):
    issue = create_issue(demo, tmp_path, subject="Flash", newsletter="breaking-news")
    assert_fails(schedule(demo, issue, "--edition", "2026-12-08"), "manual", "--at")
    assert_fails(schedule(demo, issue, "--at", "2026-12-07T08:59:59Z"), "in the past")
    assert_fails(schedule(demo, issue, "--at", "next tuesday"), "--at")
    out = assert_ok(schedule(demo, issue, "--at", "2026-12-08T06:00:00Z")).stdout
    assert "2026-12-08T06:00:00Z" in out
    shown = show(demo, issue)
    assert shown["status"] == "scheduled" and shown["scheduled_at"] == "2026-12-08T06:00:00Z"
    assert shown["edition"] is None
    text = assert_ok(run("issue", "show", issue, *data_args(demo))).stdout
    assert "scheduled:   2026-12-08T06:00:00Z" in text
    assert_ok(run("issue", "unschedule", issue, *data_args(demo)))
    assert show(demo, issue)["scheduled_at"] is None
    # A recurring newsletter takes no instant.
    morning = create_issue(demo, tmp_path, subject="Tuesday")
    assert_fails(schedule(demo, morning, "--at", "2026-12-08T06:00:00Z"), "mon-fri 06:00 local",
                 "--edition")


def test_schedule_needs_exactly_one_of_edition_and_at(demo, tmp_path):
    issue = create_issue(demo, tmp_path)
    assert_fails(schedule(demo, issue), "--edition")
    cp = schedule(demo, issue, "--edition", "2026-12-08", "--at", "2026-12-08T06:00:00Z")
    assert cp.returncode != 0
    assert show(demo, issue)["status"] == "draft"


def test_a_newsletter_default_zone_is_set_shown_and_cleared(demo):
    assert_ok(run("newsletter", "update", MORNING, "--default-timezone", "europe/london",
                  *data_args(demo)))
    shown = json.loads(assert_ok(run("newsletter", "show", MORNING, "--json",
                                     *data_args(demo))).stdout)
    assert shown["default_timezone"] == "Europe/London"
    text = assert_ok(run("newsletter", "show", MORNING, *data_args(demo))).stdout
    assert "timezone:    Europe/London" in text
    table = assert_ok(run("newsletter", "list", *data_args(demo))).stdout
    assert "DEFAULT ZONE" in table.splitlines()[0]
    assert any(MORNING in line and "Europe/London" in line for line in table.splitlines())
    assert_fails(run("newsletter", "update", MORNING, "--default-timezone", "Mars/Olympus",
                     *data_args(demo)), "--default-timezone", "Mars/Olympus")
    assert_ok(run("newsletter", "update", MORNING, "--default-timezone", "", *data_args(demo)))
    shown = json.loads(assert_ok(run("newsletter", "show", MORNING, "--json",
                                     *data_args(demo))).stdout)
    assert shown["default_timezone"] is None
    text = assert_ok(run("newsletter", "show", MORNING, *data_args(demo))).stdout
    assert "timezone:    UTC (publication)" in text


def test_publication_timezone_is_checked_at_start(demo):
    cp = run("newsletter", "show", MORNING, *data_args(demo),
             env={"BROADSHEET_PUBLICATION_TIMEZONE": "Mars/Olympus"})
    assert_fails(cp, "publication", "timezone")
    text = assert_ok(run("newsletter", "show", MORNING, *data_args(demo),
                         env={"BROADSHEET_PUBLICATION_TIMEZONE": "Asia/Tokyo"})).stdout
    assert "timezone:    Asia/Tokyo (publication)" in text


# --- the token API -----------------------------------------------------------------------


@pytest.fixture
def api(demo, server_factory):
    assert_ok(run("user", "add", "editor", *data_args(demo), input="correct horse battery\n"))
    token = assert_ok(run("token", "create", "--name", "cms", *data_args(demo))).stdout.strip()
    server = server_factory(demo)

    def call(method, path, body=None):
        headers = {"Authorization": f"Bearer {token}"}
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return request(server, method, path, body=raw, headers=headers)

    return call


def error_of(reply, status, code, *fragments):
    assert reply.status == status, reply
    err = reply.json()["error"]
    assert err["code"] == code, reply
    for f in fragments:
        assert f.lower() in err["message"].lower(), (f, err["message"])
    return err


def test_the_api_schedules_an_edition_and_answers_each_refusal_with_its_code(demo, tmp_path, api):
    # The server's clock is the real one: editions far ahead are open, 2020's are past.
    issue = create_issue(demo, tmp_path, subject="Tuesday")
    other = create_issue(demo, tmp_path, subject="Also Tuesday")
    r = api("POST", f"/api/v1/issues/{issue}/schedule", {"edition": "2036-12-09"})
    assert r.status == 200, r
    body = r.json()
    assert body["status"] == "scheduled" and body["edition"] == "2036-12-09"
    assert body["scheduled_at"] is None and "deliveries" in body
    assert api("GET", f"/api/v1/issues/{issue}").json()["edition"] == "2036-12-09"
    listed = api("GET", "/api/v1/issues").json()["issues"]
    assert [i["edition"] for i in listed if i["id"] == issue] == ["2036-12-09"]

    path = f"/api/v1/issues/{other}/schedule"
    error_of(api("POST", path, {"edition": "2036-12-09"}), 409, "edition_taken", f"issue {issue}")
    error_of(api("POST", path, {"edition": "2036-12-13"}), 422, "not_an_edition_day", "Saturday",
             "mon-fri 06:00 local")
    error_of(api("POST", path, {"edition": "2020-12-08"}), 422, "edition_in_past")
    error_of(api("POST", path, {"edition": "8/12/2036"}), 422, "invalid_edition", '"edition"')
    error_of(api("POST", path, {"at": "2036-12-09T06:00:00Z"}), 422, "recurring_newsletter",
             '"edition"')
    error_of(api("POST", path, {}), 400, "invalid_field")
    error_of(api("POST", path, {"edition": "2036-12-09", "at": "2036-12-09T06:00:00Z"}), 400,
             "invalid_field")
    error_of(api("POST", path, {"edition": 20361209}), 400, "invalid_field")
    error_of(api("POST", path, {"when": "soon"}), 400, "invalid_field", "when")
    error_of(api("POST", f"/api/v1/issues/{issue}/schedule", {"edition": "2036-12-10"}), 409,
             "not_draft", "scheduled")
    error_of(api("POST", "/api/v1/issues/9999/schedule", {"edition": "2036-12-10"}), 404,
             "not_found")
    assert api("GET", f"/api/v1/issues/{other}").json()["status"] == "draft"

    r = api("POST", f"/api/v1/issues/{issue}/unschedule")
    assert r.status == 200, r
    assert r.json()["status"] == "draft" and r.json()["edition"] == "2036-12-09"
    error_of(api("POST", f"/api/v1/issues/{issue}/unschedule"), 409, "not_scheduled", "draft")
    error_of(api("POST", "/api/v1/issues/9999/unschedule"), 404, "not_found")


def test_the_api_schedules_a_manual_newsletter_at_an_instant(demo, tmp_path, api):
    issue = create_issue(demo, tmp_path, subject="Flash", newsletter="breaking-news")
    path = f"/api/v1/issues/{issue}/schedule"
    error_of(api("POST", path, {"edition": "2036-12-09"}), 422, "manual_newsletter", '"at"')
    error_of(api("POST", path, {"at": "2020-12-09T06:00:00Z"}), 422, "at_in_past")
    error_of(api("POST", path, {"at": "soon"}), 422, "invalid_at")
    r = api("POST", path, {"at": "2036-12-09T07:00:00+01:00"})
    assert r.status == 200, r
    assert r.json()["scheduled_at"] == "2036-12-09T06:00:00Z" and r.json()["edition"] is None
    newsletters = api("GET", "/api/v1/newsletters").json()["newsletters"]
    assert all("default_timezone" in n for n in newsletters)
