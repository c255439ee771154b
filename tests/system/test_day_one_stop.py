"""Issue 16, items 3 and 4: `serve` stops within seconds whatever the relay does (down,
silent, slow), refuses hand-overs once stopping, and its next start finishes the issue
with every reader getting exactly one copy; the progress line of `issue send --wait`
(on a terminal and not), the rate of `issue show` and the API, and /metrics counting
sends made from the command line."""

from __future__ import annotations

import collections
import json
import re
import signal
import socket
import threading
import time

from conftest import (assert_ok, data_args, free_port, request, run, run_on_a_terminal,
                      scrape_metrics, wait_for)
from send_helpers import create_issue, make_audience, sink_factory, paper  # noqa: F401

import pytest


def relay_env(port: int, **extra) -> dict:
    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_PORT": str(port), "BROADSHEET_SMTP_TLS": "none"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


class SilentRelay:
    """Takes TCP connections (the kernel's backlog does) and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class SlowRelay:
    """Greets and answers every command, then never answers a message's final dot."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.bodies = 0
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        try:
            f = conn.makefile("rb")
            conn.sendall(b"220 slow.test ESMTP\r\n")
            in_data = False
            for line in f:
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        self.bodies += 1  # and no reply, ever
                    continue
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-slow.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    in_data = True
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            return

    def close(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the
        # socket listening until that accept() returned.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def stop_in_time(server) -> float:
    code, seconds = server.terminate(timeout=30)
    assert code == 0, f"exit code {code}\n{server.log()[-3000:]}"
    assert seconds < 10, f"took {seconds:.1f} s to stop\n{server.log()[-3000:]}"
    print(f"stopped in {seconds:.2f} s")
    return seconds


def hand_over(data, issue_id, env):
    cp = run("issue", "send", issue_id, *data_args(data), env=env)
    assert cp.returncode == 0, cp.stderr
    assert "handed to the running server" in cp.stderr


def finish_with_a_sink(data, issue_ids, readers, sink_factory, server_factory, port=None,
                       **extra):
    """The next start of `serve`, with a working relay (on `port`, else a new one):
    every issue ends sent and every reader has exactly one copy of each."""
    sink = sink_factory(name="good-sink", port=port)
    server = server_factory(data, env=relay_env(sink.port, **extra))
    for issue_id in issue_ids:
        try:
            wait_for(lambda: show(data, issue_id)["status"] == "sent", timeout=60,
                     what=f"issue {issue_id} to be sent by the next start")
        except BaseException:
            print(show(data, issue_id), server.log()[-3000:])
            raise
    got = collections.Counter(sink.recipients())
    assert got == collections.Counter({r: len(issue_ids) for r in readers}), got
    return sink


def test_sigterm_with_the_relay_down(paper, tmp_path, sink_factory, server_factory):
    readers = make_audience(paper, tmp_path, 40)
    port = free_port()  # nothing listens: connection refused, tried again and again
    env = relay_env(port)
    server = server_factory(paper, env=env)
    issue_id = create_issue(paper, tmp_path)
    hand_over(paper, issue_id, env)
    wait_for(lambda: f"issue {issue_id}: sending" in server.log(), what="the server's run")
    time.sleep(1.5)  # the pool keeps trying the relay
    stop_in_time(server)
    left = show(paper, issue_id)
    assert left["status"] == "sending"
    assert left["deliveries"]["sent"] == 0
    # Nothing left the house: nobody was marked as tried, nobody dropped.
    assert left["deliveries"]["queued"] == 40, left
    finish_with_a_sink(paper, [issue_id], readers, sink_factory, server_factory, port=port)


def test_sigterm_with_a_relay_that_never_answers_and_a_refused_hand_over(
        paper, tmp_path, sink_factory, server_factory):
    readers = make_audience(paper, tmp_path, 25)
    relay = SilentRelay()
    env = relay_env(relay.port)
    server = server_factory(paper, env=env)
    first = create_issue(paper, tmp_path, subject="First")
    hand_over(paper, first, env)
    wait_for(lambda: f"issue {first}: sending" in server.log(), what="the server's run")
    # A request that has begun arriving keeps the server in its stopping phase.
    held = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        held.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        time.sleep(0.3)
        began = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "send: stopping" in server.log(), timeout=5, what="stopping")
        second = create_issue(paper, tmp_path, subject="Second")
        cp = run("issue", "send", second, *data_args(paper), env=env)
        assert cp.returncode == 3, (cp.stdout, cp.stderr)
        assert "handed to the running server" not in cp.stderr
        assert "not handed over" in cp.stderr and "is stopping" in cp.stderr, cp.stderr
        assert f"issue send {second}" in cp.stderr  # says what to do
        assert show(paper, second)["status"] == "sending"
        held.sendall(b"\r\n")
        held.recv(4096)
    finally:
        held.close()
    assert server.proc.wait(timeout=15) == 0
    seconds = time.monotonic() - began
    assert seconds < 10, f"took {seconds:.1f} s\n{server.log()[-3000:]}"
    relay.close()
    for issue_id in (first, second):
        d = show(paper, issue_id)["deliveries"]
        assert d["sent"] == 0 and d["queued"] == 25, d
    finish_with_a_sink(paper, [first, second], readers, sink_factory, server_factory)


def test_sigterm_with_a_relay_that_answers_too_slowly(paper, tmp_path, sink_factory,
                                                      server_factory):
    readers = make_audience(paper, tmp_path, 30)
    relay = SlowRelay()
    env = relay_env(relay.port, BROADSHEET_SEND_BACKOFF="1s")
    server = server_factory(paper, env=env)
    issue_id = create_issue(paper, tmp_path)
    hand_over(paper, issue_id, env)
    wait_for(lambda: relay.bodies >= 1, what="a message body at the slow relay")
    time.sleep(0.5)
    stop_in_time(server)
    relay.close()
    d = show(paper, issue_id)["deliveries"]
    # The messages whose body left (one per connection) may have arrived: deferred.
    # The others never left: still queued, no attempt counted.
    assert d["sent"] == 0
    assert d["deferred"] == relay.bodies, (d, relay.bodies)
    assert d["queued"] == 30 - relay.bodies
    # The next start with a working relay sends each reader one copy (the slow relay
    # never said it took any).
    finish_with_a_sink(paper, [issue_id], readers, sink_factory, server_factory,
                       BROADSHEET_SEND_BACKOFF="1s")


PROGRESS = re.compile(r"issue (\d+)  ([\d,]+)/([\d,]+)  ([\d.,]+|--)/s  (\d+:\d\d|--:--) left")
SUMMARY = re.compile(r"issue (\d+)  ([\d,]+)/([\d,]+)  ([\d.,]+|--)/s  in (\d+:\d\d)")


def test_the_progress_line_on_a_terminal(paper, tmp_path, sink_factory):
    make_audience(paper, tmp_path, 1100)
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path)
    env = sink.env(BROADSHEET_SEND_RATE="400")
    code, out, err = run_on_a_terminal(["issue", "send", issue_id, "--wait", *data_args(paper)],
                                       env)
    assert code == 0, err
    assert "sent=1100 deferred=0 failed=0 queued=0" in out
    pieces = [p.replace("\x1b[K", "").strip() for p in re.split(r"[\r\n]+", err)]
    lines = [m for m in map(PROGRESS.fullmatch, pieces) if m]
    assert lines, err
    for m in lines:
        assert m.group(1) == str(issue_id) and m.group(3) == "1,100", m.group(0)
    # Once the rate is known the time left is too.
    assert any(m.group(4) != "--" and m.group(5) != "--:--" for m in lines), err
    summary = [m for m in map(SUMMARY.fullmatch, pieces) if m]
    assert len(summary) == 1, err
    assert summary[0].group(2) == "1,100" and summary[0].group(4) != "--", summary[0].group(0)
    assert len(sink.recipients()) == 1100


def test_the_summary_without_a_terminal(paper, tmp_path, sink_factory):
    make_audience(paper, tmp_path, 20)
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path)
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=sink.env())
    assert cp.returncode == 0, cp.stderr
    assert "\r" not in cp.stderr and " left" not in cp.stderr  # no bar in a log
    assert [l for l in cp.stderr.splitlines() if SUMMARY.fullmatch(l)], cp.stderr
    assert "sent=20 deferred=0 failed=0 queued=0" in cp.stdout


def test_issue_show_and_the_api_give_the_rate(paper, tmp_path, sink_factory, server_factory):
    # 240 readers at 30/s: about eight seconds of sending, so that the commands below
    # still see it sending however slowly this machine runs them (the sanitized binary,
    # under load).
    make_audience(paper, tmp_path, 240)
    sink = sink_factory()
    env = sink.env(BROADSHEET_SEND_RATE="30")
    server_factory(paper, env=env)
    issue_id = create_issue(paper, tmp_path)
    hand_over(paper, issue_id, env)
    wait_for(lambda: show(paper, issue_id)["deliveries"]["sent"] >= 60, what="a quarter of the send")
    sending = show(paper, issue_id)
    assert sending["status"] == "sending"
    # Over the last interval: near the 30/s limit (the log counts whole seconds).
    assert 10 <= sending["deliveries"]["rate"] <= 60, sending["deliveries"]
    text = assert_ok(run("issue", "show", issue_id, *data_args(paper))).stdout
    assert re.search(r"^rate: +[\d.,]+/s over the last 10 s \([\d.,]+/s on average\)$", text,
                     re.M), text
    wait_for(lambda: show(paper, issue_id)["status"] == "sent", what="the send to end")
    done = show(paper, issue_id)
    started = time.mktime(time.strptime(done["started_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    finished = time.mktime(time.strptime(done["finished_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    average = 240 / max(1, finished - started)
    assert done["deliveries"]["rate"] == pytest.approx(average, abs=0.01)
    text = assert_ok(run("issue", "show", issue_id, *data_args(paper))).stdout
    assert re.search(r"^rate: +[\d.,]+/s on average$", text, re.M), text


def test_metrics_count_what_the_command_line_sent(paper, tmp_path, sink_factory, server_factory):
    make_audience(paper, tmp_path, 12)
    sink = sink_factory()
    issue_id = create_issue(paper, tmp_path)
    # No server runs: the command sends it itself.
    cp = run("issue", "send", issue_id, "--wait", *data_args(paper), env=sink.env())
    assert cp.returncode == 0 and "handed" not in cp.stderr, cp.stderr
    refusing = sink_factory("-f", "RCPT", name="refusing")
    second = create_issue(paper, tmp_path, subject="Refused")
    cp = run("issue", "send", second, "--wait", *data_args(paper), env=refusing.env())
    assert "failed=12" in cp.stdout, cp.stdout
    server = server_factory(paper, env=sink.env())
    metrics = scrape_metrics(server)
    assert metrics['broadsheet_messages_total{result="sent"}'] == 12
    assert metrics['broadsheet_messages_total{result="failed"}'] == 12
    assert metrics['broadsheet_messages_total{result="deferred"}'] == 0
    # And what the server sends adds to it.
    third = create_issue(paper, tmp_path, subject="Third")
    hand_over(paper, third, sink.env())
    wait_for(lambda: show(paper, third)["status"] == "sent", what="the server's send")
    time.sleep(1.1)  # the counters are read from the log at most once a second
    metrics = scrape_metrics(server)
    assert metrics['broadsheet_messages_total{result="sent"}'] == 24
    assert request(server, "GET", "/metrics").status == 200
