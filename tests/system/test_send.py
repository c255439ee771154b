"""The send engine against Postfix's smtp-sink on 127.0.0.1: delivery, 4xx and 5xx
replies, a relay that is down and comes back, pause/resume/cancel, hand-over to a
running server, and crashes (kill -9) at random moments with nobody skipped."""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import time


from conftest import BIN, assert_ok, clean_env, data_args, free_port, request, run, wait_for
from send_helpers import create_issue, make_audience, parse_message, sink_factory, paper  # noqa: F401


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def start_send(data, issue_id, env, *extra, log=None) -> subprocess.Popen:
    return subprocess.Popen([BIN, "issue", "send", str(issue_id), "--wait", *extra, *data_args(data)],
                            stdout=subprocess.PIPE, stderr=log or subprocess.PIPE, text=True,
                            env=clean_env(env))


def test_every_confirmed_reader_gets_one_signed_looking_message(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 40)
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path, subject="Grüße aus der Redaktion")
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=sink.env())
    assert cp.returncode == 0, cp.stderr
    assert "sent=40 deferred=0 failed=0 queued=0" in cp.stdout
    assert sorted(sink.recipients()) == sorted(readers)
    for raw in sink.messages()[:5]:
        msg = parse_message(raw)
        assert msg.defects == []
        assert msg["Subject"] == "Grüße aus der Redaktion"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["X-Broadsheet-Delivery"].startswith(f"{issue_id}.")
    shown = show(paper, issue_id)
    assert shown["status"] == "sent" and shown["deliveries"]["sent"] == 40
    assert shown["deliveries"]["rate"] > 0


def test_5xx_replies_fail_the_deliveries_and_count_as_bounces(paper, tmp_path, sink_factory):
    make_audience(paper, tmp_path, 3)
    sink = sink_factory("-f", "RCPT")
    issue_id = create_issue(paper, tmp_path)
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=sink.env())
    assert cp.returncode == 0, cp.stderr  # failed is final: nothing is pending
    assert "sent=0 deferred=0 failed=3" in cp.stdout
    assert sink.recipients() == []


def test_4xx_is_retried_after_the_backoff_until_the_relay_accepts(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 5)
    refusing = sink_factory("-r", "RCPT")
    issue_id = create_issue(paper, tmp_path)
    # Nothing more can be sent before the retry: the command ends, exit 3, with why.
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper),
             env=refusing.env(BROADSHEET_SEND_BACKOFF="2s"))
    assert cp.returncode == 3, (cp.stdout, cp.stderr)
    assert "sent=0 deferred=5 failed=0 queued=0" in cp.stdout
    assert "deferred 5: 5\u00d7 4" in cp.stdout and "(in reply to RCPT TO)" in cp.stdout
    refusing.stop()
    accepting = sink_factory(name="accepting", port=refusing.port)
    # The next `issue send` retries them once they are due.
    wait_for(lambda: run("issue", "send", issue_id, "--wait", *data_args(paper),
                         env=accepting.env(BROADSHEET_SEND_BACKOFF="2s")).returncode == 0,
             timeout=30, what="the retry to go out")
    assert show(paper, issue_id)["deliveries"]["sent"] == 5
    assert sorted(accepting.recipients()) == sorted(readers)
    assert refusing.recipients() == []


def test_a_relay_that_is_down_at_first_is_used_when_it_comes_back(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 4)
    port = free_port()
    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_PORT": str(port), "BROADSHEET_SMTP_TLS": "none",
           "BROADSHEET_SEND_BACKOFF": "1s", "BROADSHEET_SMTP_TIMEOUT_CONNECT": "2"}
    issue_id = create_issue(paper, tmp_path)
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=env)
    assert cp.returncode == 3, (cp.stdout, cp.stderr)  # deferred, waiting for the retry
    assert "Connection refused" in cp.stdout
    sink = sink_factory(name="late", port=port)
    wait_for(lambda: run("issue", "send", issue_id, "--wait", *data_args(paper),
                         env=env).returncode == 0, timeout=30, what="the retry to go out")
    assert show(paper, issue_id)["deliveries"]["sent"] == 4
    assert sorted(sink.recipients()) == sorted(readers)


def test_pause_resume_and_cancel(paper, tmp_path, sink_factory):
    make_audience(paper, tmp_path, 200)
    # A rate limit of 20 messages a second keeps the send going long enough to pause it,
    # and the resumed one (about ten seconds) long enough to cancel it, however slowly
    # this machine runs the commands in between (the sanitized binary, under load).
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path)
    env = sink.env(BROADSHEET_SEND_RATE="20")
    proc = start_send(paper, issue_id, env)
    wait_for(lambda: show(paper, issue_id)["deliveries"]["sent"] > 0, what="first deliveries")
    assert_ok(run("issue", "pause", issue_id, *data_args(paper)))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)  # pending: the rest is queued
    paused = show(paper, issue_id)
    assert paused["status"] == "paused"
    assert 0 < paused["deliveries"]["sent"] < 200
    time.sleep(1)
    assert show(paper, issue_id)["deliveries"]["sent"] == paused["deliveries"]["sent"]
    # Resume runs it here (no server) in the background; cancel stops it for good.
    resumed = subprocess.Popen([BIN, "issue", "resume", str(issue_id), *data_args(paper)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=clean_env(env))
    wait_for(lambda: show(paper, issue_id)["deliveries"]["sent"] > paused["deliveries"]["sent"],
             what="resumed deliveries")
    assert_ok(run("issue", "cancel", issue_id, *data_args(paper)))
    resumed.communicate(timeout=60)
    final = show(paper, issue_id)
    assert final["status"] == "cancelled"
    assert final["deliveries"]["sent"] < 200
    assert final["deliveries"]["queued"] > 0
    counts = collections.Counter(sink.recipients())
    assert all(n == 1 for n in counts.values())


def test_a_running_server_takes_the_send_over(paper, tmp_path, sink_factory, server_factory):
    readers = make_audience(paper, tmp_path, 30)
    sink = sink_factory()
    server = server_factory(paper, env=sink.env())
    issue_id = create_issue(paper, tmp_path)
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=sink.env())
    assert cp.returncode == 0, cp.stderr
    assert "handed to the running server" in cp.stderr
    assert "sent=30" in cp.stdout
    assert sorted(sink.recipients()) == sorted(readers)
    assert f"issue {issue_id}" in server.log()
    metrics = request(server, "GET", "/metrics").text
    assert 'broadsheet_messages_total{result="sent"} 30' in metrics
    assert "broadsheet_smtp_transaction_seconds_count 30" in metrics


def test_a_server_killed_mid_send_resumes_after_restart(paper, tmp_path, sink_factory,
                                                         server_factory):
    readers = make_audience(paper, tmp_path, 400)
    sink = sink_factory()
    env = sink.env(BROADSHEET_SEND_RATE="100", BROADSHEET_SEND_IN_FLIGHT="16")
    server = server_factory(paper, env=env)
    issue_id = create_issue(paper, tmp_path)
    assert_ok(run("issue", "send", issue_id, *data_args(paper), env=env))
    wait_for(lambda: show(paper, issue_id)["deliveries"]["sent"] > 50, what="deliveries")
    server.proc.kill()
    server.proc.wait()
    assert show(paper, issue_id)["status"] == "sending"
    server_factory(paper, env=env)  # the new server frees the dead one's lease at once
    wait_for(lambda: show(paper, issue_id)["status"] == "sent", timeout=120, what="the send to finish")
    got = collections.Counter(sink.recipients())
    assert set(got) == set(readers)
    assert sum(got.values()) - len(got) <= 16


def duplicates_line(got: collections.Counter) -> str:
    return f"{len(got)} readers, {sum(got.values()) - len(got)} duplicates"


def test_kill_9_at_random_moments_loses_nobody(paper, tmp_path, sink_factory):
    count = 20000
    readers = make_audience(paper, tmp_path, count)
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path, body="Hello {{name}}, the news in brief.\n")
    in_flight = 64
    # 1,000 messages a second (with a burst of one second's worth at each start) keeps
    # five runs of at most 1.5 s each well short of the 20,000, however fast the machine.
    env = sink.env(BROADSHEET_SEND_IN_FLIGHT=in_flight, BROADSHEET_SEND_RATE=1000)
    rng = random.Random(20261129)
    crashes = 0
    while crashes < 5:
        proc = start_send(paper, issue_id, env)
        time.sleep(rng.uniform(0.3, 1.5))
        if proc.poll() is not None:
            break  # finished before the crash: nothing left to kill
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        crashes += 1
    assert crashes == 5, "the send finished before it could be killed five times"
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=env, timeout=600)
    assert cp.returncode == 0, cp.stderr
    got = collections.Counter(sink.recipients())
    print(f"kill -9 x{crashes}: {duplicates_line(got)}")
    assert set(got) == set(readers), f"missing: {len(set(readers) - set(got))}"
    duplicates = sum(n - 1 for n in got.values())
    assert duplicates <= crashes * in_flight, (duplicates, crashes)
    shown = show(paper, issue_id)
    assert shown["status"] == "sent" and shown["deliveries"]["sent"] == count
