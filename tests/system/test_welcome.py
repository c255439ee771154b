"""The welcome email: a newsletter that has one sends it when a subscription is
confirmed by the reader (double opt-in) or at once (single opt-in), and only then."""
from __future__ import annotations

from conftest import assert_ok, data_args, run
from signup_helpers import (FAST_ROBOT, confirmation, links, messages_to, new_address,
                            post_form, sign_up, statuses, text_of)

WELCOME = "Welcome to the Morning Briefing.\n\nEvery weekday at six, the news you need."


def give_welcome(data, tmp_path, slug, *extra):
    body = tmp_path / "welcome.txt"
    body.write_text(WELCOME, encoding="utf-8")
    assert_ok(run("newsletter", "update", slug, "--welcome-subject", "Welcome aboard",
                  "--welcome-body-file", str(body), *extra, *data_args(data)))


def test_double_opt_in_sends_the_welcome_after_confirmation(demo, server_factory, tmp_path):
    give_welcome(demo, tmp_path, "morning-briefing")
    server = server_factory(demo, env=FAST_ROBOT)
    reader = new_address("welcome")
    assert sign_up(server, reader).status == 202
    assert len(messages_to(demo, reader)) == 1, "only the confirmation before confirming"
    confirm = links(confirmation(demo, reader))["confirm"]
    assert post_form(server, confirm).status == 200
    assert statuses(demo, reader) == {"morning-briefing": "confirmed"}
    mails = messages_to(demo, reader)
    assert len(mails) == 2
    welcome = mails[-1]
    assert welcome["Subject"] == "Welcome aboard"
    assert "Every weekday at six" in text_of(welcome)
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not welcome.defects
    # Confirming again sends nothing more.
    assert post_form(server, confirm).status == 200
    assert len(messages_to(demo, reader)) == 2


def test_single_opt_in_sends_the_welcome_at_once(demo, server_factory, tmp_path):
    give_welcome(demo, tmp_path, "the-long-read", "--opt-in", "single")
    server = server_factory(demo, env=FAST_ROBOT)
    reader = new_address("single")
    assert sign_up(server, reader, newsletters=["the-long-read"]).status == 202
    assert statuses(demo, reader) == {"the-long-read": "confirmed"}
    subjects = [m["Subject"] for m in messages_to(demo, reader)]
    assert subjects == ["Welcome aboard"]


def test_no_welcome_without_a_subject(demo, server_factory):
    server = server_factory(demo, env=FAST_ROBOT)
    reader = new_address("plain")
    assert sign_up(server, reader).status == 202
    confirm = links(confirmation(demo, reader))["confirm"]
    assert post_form(server, confirm).status == 200
    assert len(messages_to(demo, reader)) == 1


def test_bad_welcome_body_file_is_refused(demo, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe not text")
    cp = run("newsletter", "update", "morning-briefing", "--welcome-body-file", str(bad),
             *data_args(demo))
    assert cp.returncode != 0 and "UTF-8" in cp.stderr
    cp = run("newsletter", "update", "morning-briefing", "--welcome-body-file",
             str(tmp_path / "missing.txt"), *data_args(demo))
    assert cp.returncode != 0 and "does not exist" in cp.stderr
