"""Issues from the editor's side: `issue create|list|show|update|remove|render`, and
sending through the outbox, with every message read back the way a mail client would."""

from __future__ import annotations

import json

import pytest

from conftest import DOMAIN, assert_fails, assert_ok, data_args, run
from send_helpers import (  # noqa: F401
    ISSUE_MARKDOWN, create_issue, make_audience, parse_message, paper, issue_json,
    outbox_messages,
)


def test_create_prints_the_id_and_show_list_read_it_back(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path, subject="Monday: the news")
    shown = issue_json(paper, issue_id)
    assert shown["id"] == issue_id
    assert shown["subject"] == "Monday: the news"
    assert shown["preheader"] == "Today in brief"
    assert shown["status"] == "draft"
    assert shown["newsletter"] == "morning-briefing"
    assert shown["body_markdown"] == ISSUE_MARKDOWN
    assert shown["deliveries"]["total"] == 0
    listed = json.loads(assert_ok(run("issue", "list", "--json", *data_args(paper))).stdout)
    assert [i["id"] for i in listed] == [issue_id]
    text = assert_ok(run("issue", "list", *data_args(paper))).stdout
    assert "Monday: the news" in text and "draft" in text


def test_update_and_remove_a_draft(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path)
    body = tmp_path / "new.md"
    body.write_text("Short *and* sweet.\n", encoding="utf-8")
    assert_ok(run("issue", "update", issue_id, "--subject", "Better subject", "--body-file", body,
                  *data_args(paper)))
    shown = issue_json(paper, issue_id)
    assert shown["subject"] == "Better subject"
    assert shown["body_markdown"] == "Short *and* sweet.\n"
    assert shown["preheader"] == "Today in brief"
    assert_ok(run("issue", "remove", issue_id, *data_args(paper)))
    assert_fails(run("issue", "show", issue_id, *data_args(paper)), f"no issue with id {issue_id}")


def test_a_body_can_come_from_a_pipe(paper, tmp_path):
    """`--body-file /dev/stdin` reads a pipe to its end, bounded like a file."""
    issue_id = create_issue(paper, tmp_path)
    assert_ok(run("issue", "update", issue_id, "--body-file", "/dev/stdin", *data_args(paper),
                  input="Piped *in*.\n"))
    assert issue_json(paper, issue_id)["body_markdown"] == "Piped *in*.\n"
    cp = run("issue", "update", issue_id, "--body-file", "/dev/stdin", *data_args(paper),
             input="x" * (1024 * 1024 + 1))
    assert_fails(cp, "--body-file", "longer than 1024 KiB")
    assert issue_json(paper, issue_id)["body_markdown"] == "Piped *in*.\n"


@pytest.mark.parametrize("subject,fragment", [
    ("Line one\nBcc: victim@example.org", "control characters"),
    ("Tab\there", "control characters"),
    ("x" * 251, "longer than 250"),
    ("", "must not be empty"),
])
def test_a_bad_subject_is_refused_and_nothing_is_written(paper, tmp_path, subject, fragment):
    body = tmp_path / "b.md"
    body.write_text("Hello\n")
    cp = run("issue", "create", "--newsletter", "morning-briefing", "--subject", subject,
             "--body-file", body, *data_args(paper))
    assert_fails(cp, "--subject", fragment)
    assert json.loads(assert_ok(run("issue", "list", "--json", *data_args(paper))).stdout) == []


def test_bad_bodies_and_newsletters_are_refused(paper, tmp_path):
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"Hello\x00world\n")
    assert_fails(run("issue", "create", "--newsletter", "morning-briefing", "--subject", "S",
                     "--body-file", nul, *data_args(paper)), "--body-file", "NUL")
    latin = tmp_path / "latin.md"
    latin.write_bytes("caf\u00e9\n".encode("latin-1"))
    assert_fails(run("issue", "create", "--newsletter", "morning-briefing", "--subject", "S",
                     "--body-file", latin, *data_args(paper)), "UTF-8")
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"a" * (1024 * 1024 + 1))
    assert_fails(run("issue", "create", "--newsletter", "morning-briefing", "--subject", "S",
                     "--body-file", huge, *data_args(paper)), "longer than 1024 KiB")
    assert_fails(run("issue", "create", "--newsletter", "missing", "--subject", "S",
                     "--body-file", latin.with_name("none.md"), *data_args(paper)), "none.md does not exist")
    ok = tmp_path / "ok.md"
    ok.write_text("fine\n")
    assert_fails(run("issue", "create", "--newsletter", "missing", "--subject", "S",
                     "--body-file", ok, *data_args(paper)), "no newsletter")


def test_render_prints_a_message_a_mail_client_reads_without_defects(paper, tmp_path):
    make_audience(paper, tmp_path, 1)
    issue_id = create_issue(paper, tmp_path, subject="Café society: the week’s news")
    # Bytes as written (input=b"" keeps the output binary, so CRLF stays CRLF).
    raw = assert_ok(run("issue", "render", issue_id, "--to", f"reader0@{DOMAIN}",
                        *data_args(paper), input=b"")).stdout
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    msg = parse_message(raw)
    assert msg.defects == []
    assert msg["Subject"] == "Café society: the week’s news"
    assert msg["To"].addresses[0].addr_spec == f"reader0@{DOMAIN}"
    assert msg["List-Id"] == f'"Morning Briefing" <morning-briefing.{DOMAIN}>'
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsub = msg["List-Unsubscribe"]
    assert "/u/" in unsub and "<mailto:unsubscribe@" in unsub
    assert msg["X-Broadsheet-Delivery"].startswith(f"{issue_id}.")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = [part for part in msg.iter_parts()]
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "Good morning, Reader 0" in text.get_content()
    assert "Good morning, Reader 0" in html.get_content()
    assert "18 °C" in text.get_content()
    for part in (text, html):
        assert part.defects == []


def test_render_html_and_text_bodies_alone(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path)
    html = assert_ok(run("issue", "render", issue_id, "--to", f"someone@{DOMAIN}", "--html",
                         *data_args(paper))).stdout
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<table" in html and "Top stories" in html
    text = assert_ok(run("issue", "render", issue_id, "--to", f"someone@{DOMAIN}", "--text",
                         *data_args(paper))).stdout
    assert "Top stories" in text and "<table" not in text
    assert "https://news.example.org/tram" in text  # links as footnotes, not lost
    assert_fails(run("issue", "render", issue_id, "--to", "not an address", *data_args(paper)),
                 "--to")


def test_send_through_the_outbox_reaches_every_confirmed_reader_once(paper, tmp_path):
    confirmed = make_audience(paper, tmp_path, 25)
    make_audience(paper, tmp_path, 5, confirmed=False, prefix="pending")
    issue_id = create_issue(paper, tmp_path)
    cp = assert_ok(run("issue", "send", issue_id, "--wait", *data_args(paper)))
    assert "sent=25 deferred=0 failed=0" in cp.stdout
    shown = issue_json(paper, issue_id)
    assert shown["status"] == "sent"
    assert shown["deliveries"]["sent"] == 25
    got = []
    for raw in outbox_messages(paper):
        msg = parse_message(raw)
        if msg["List-Id"]:
            got.append(msg["To"].addresses[0].addr_spec)
            assert msg.defects == []
    assert sorted(got) == sorted(confirmed)
    # Sent is sent: it cannot go out again nor be removed (an update of it is a correction
    # of its archive page, audited: test_day_one_issues.py).
    assert_fails(run("issue", "send", issue_id, *data_args(paper)), "sent", "cannot be sent again")
    assert_fails(run("issue", "remove", issue_id, *data_args(paper)), "sent")


def test_pause_and_cancel_are_refused_when_they_make_no_sense(paper, tmp_path):
    issue_id = create_issue(paper, tmp_path)
    assert_fails(run("issue", "pause", issue_id, *data_args(paper)), "draft", "cannot become paused")
    assert_fails(run("issue", "resume", issue_id, *data_args(paper)), "draft")
    assert_fails(run("issue", "cancel", issue_id, *data_args(paper)), "draft")
    assert issue_json(paper, issue_id)["status"] == "draft"
