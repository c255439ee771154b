"""The mail queue: a sign-up is answered once it is recorded together with its email,
and the email is sent by a background sender. These tests crash the server, break its
outbox and restart it, and check that every recorded sign-up still gets its email,
that a failed delivery waits in the queue and goes out later, and that an email sent
once is never sent again.

The outbox is broken the way a full or broken disk would break it, and in a way that
holds for root too: its tmp/ folder becomes a plain file, so every delivery fails with
"Not a directory" until it is a folder again.
"""

from __future__ import annotations

import pathlib
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import scrape_metrics, start_server
from signup_helpers import (FAST_ROBOT, confirmation, db_rows, links, messages_to,
                            new_address, post_form, robot, sign_up, statuses,
                            wait_for_mail_queue)

ENV = {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off"}


def break_outbox(data):
    tmp = pathlib.Path(data) / "outbox" / "tmp"
    shutil.rmtree(tmp)
    tmp.write_text("not a folder")


def mend_outbox(data):
    tmp = pathlib.Path(data) / "outbox" / "tmp"
    tmp.unlink()
    tmp.mkdir(mode=0o700)


def queue_rows(data, address):
    """(kind, attempts, sent, pending, last_error) of each queued email to `address`."""
    return db_rows(data, "SELECT q.kind, q.attempts, q.sent_at IS NOT NULL, "
                         "q.next_attempt_at IS NOT NULL, q.last_error FROM mail_queue q "
                         "JOIN subscribers s ON s.id = q.subscriber_id WHERE s.email = ? "
                         "ORDER BY q.id", (address,))


def let_retries_fall_due(data):
    """What the passing of the retry wait does: every pending email is due now. (The
    server polls the queue every two seconds, so it sees them without a wake-up.)"""
    db_rows(data, "UPDATE mail_queue SET next_attempt_at = 0 WHERE next_attempt_at IS NOT NULL")


def kill(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)


def sign_up_all(server, readers) -> list[int]:
    """Signs every reader up at once (robot checks solved first); their statuses."""
    payloads = [robot(server) for _ in readers]
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda ra: sign_up(server, ra[0], altcha=ra[1]).status,
                             zip(readers, payloads)))


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_signup_killed_right_after_its_202_gets_its_email_after_the_restart(demo, tmp_path):
    server = start_server(demo, tmp_path, ENV)
    try:
        # The outbox refuses, so the email cannot have left before the kill.
        break_outbox(demo)
        reader = new_address("crash")
        assert sign_up(server, reader).status == 202
    finally:
        kill(server)
    rows = queue_rows(demo, reader)
    assert len(rows) == 1 and rows[0][0] == "confirmation"
    assert rows[0][2] == 0 and rows[0][3] == 1, f"not sent and still pending: {rows}"
    assert not list((pathlib.Path(demo) / "outbox" / "new").iterdir())

    mend_outbox(demo)
    let_retries_fall_due(demo)
    server = start_server(demo, tmp_path, ENV)
    try:
        assert len(messages_to(demo, reader)) == 1
        assert queue_rows(demo, reader)[0][2] == 1, "recorded as sent"
        # The email is the real thing: its link confirms the subscription.
        assert post_form(server, links(confirmation(demo, reader))["confirm"]).status == 200
        assert statuses(demo, reader) == {"morning-briefing": "confirmed"}
    finally:
        assert server.terminate()[0] == 0


def test_many_signups_killed_mid_flight_all_get_their_email(demo, tmp_path):
    server = start_server(demo, tmp_path, ENV)
    readers = [new_address("burst") for _ in range(40)]
    try:
        answers = sign_up_all(server, readers)
    finally:
        kill(server)  # at once: the sender is most likely still at work
    assert answers == [202] * len(readers)

    server = start_server(demo, tmp_path, ENV)
    try:
        wait_for_mail_queue(demo)
        counts = [len(messages_to(demo, r)) for r in readers]
        assert all(c >= 1 for c in counts), counts
        # Only an email in flight at the kill (written, not yet recorded as sent) can
        # come twice: once before the kill, once after the restart.
        assert max(counts) <= 2, counts
    finally:
        assert server.terminate()[0] == 0


def signed_up_while_the_outbox_fails(demo, server_factory, tag):
    """A server whose outbox refuses, and a reader whose confirmation it has tried to
    send once."""
    server = server_factory(demo, env=ENV)
    break_outbox(demo)
    reader = new_address(tag)
    assert sign_up(server, reader).status == 202
    wait_until(lambda: queue_rows(demo, reader)[0][1] >= 1, what="a first attempt")
    return server, reader


def test_a_failed_delivery_waits_in_the_queue_and_is_sent_later(demo, server_factory):
    server, reader = signed_up_while_the_outbox_fails(demo, server_factory, "retry")
    kind, attempts, sent, pending, error = queue_rows(demo, reader)[0]
    assert (kind, sent, pending) == ("confirmation", 0, 1)
    assert "Not a directory" in error, error
    assert not list((pathlib.Path(demo) / "outbox" / "new").iterdir())
    assert "not sent, to be tried again" in server.log()
    assert scrape_metrics(server)["broadsheet_mail_queue_pending"] == 1

    mend_outbox(demo)
    let_retries_fall_due(demo)
    wait_until(lambda: queue_rows(demo, reader)[0][2] == 1, what="the retry")
    assert len(messages_to(demo, reader)) == 1
    kind, attempts, sent, pending, error = queue_rows(demo, reader)[0]
    assert attempts >= 2 and pending == 0 and error == ""
    assert scrape_metrics(server)["broadsheet_mail_queue_pending"] == 0


def test_an_email_sent_before_a_restart_is_not_sent_again(demo, tmp_path):
    server = start_server(demo, tmp_path, ENV)
    first = new_address("once")
    try:
        assert sign_up(server, first).status == 202
        assert len(messages_to(demo, first)) == 1
    finally:
        assert server.terminate()[0] == 0
    server = start_server(demo, tmp_path, ENV)
    try:
        # A later sign-up's email is sent after anything the restart found due, so once
        # it is in the outbox the sender has been over the whole queue.
        second = new_address("later")
        assert sign_up(server, second).status == 202
        assert len(messages_to(demo, second)) == 1
        assert len(messages_to(demo, first)) == 1
    finally:
        kill(server)
    # And not after a crash either: rows already sent stay sent.
    server = start_server(demo, tmp_path, ENV)
    try:
        third = new_address("after-crash")
        assert sign_up(server, third).status == 202
        assert len(messages_to(demo, third)) == 1
        assert len(messages_to(demo, first)) == 1 and len(messages_to(demo, second)) == 1
    finally:
        assert server.terminate()[0] == 0


def test_sigterm_sends_what_is_queued_before_exiting(demo, tmp_path):
    server = start_server(demo, tmp_path, ENV)
    readers = [new_address("drain") for _ in range(10)]
    answers = sign_up_all(server, readers)
    code, _ = server.terminate()
    assert code == 0 and answers == [202] * len(readers)
    pending = db_rows(demo, "SELECT count(*) FROM mail_queue WHERE next_attempt_at IS NOT NULL")
    assert pending == [(0,)]
    for r in readers:
        assert len(messages_to(demo, r)) == 1


def test_a_blocked_address_gets_nothing_even_when_blocked_after_queuing(demo, server_factory):
    _, reader = signed_up_while_the_outbox_fails(demo, server_factory, "blocked-later")
    db_rows(demo, "UPDATE subscribers SET status = 'blocked' WHERE email = ?", (reader,))
    mend_outbox(demo)
    let_retries_fall_due(demo)
    wait_until(lambda: queue_rows(demo, reader)[0][3] == 0, what="the row to be settled")
    assert messages_to(demo, reader) == []
    assert "blocked" in queue_rows(demo, reader)[0][4]
