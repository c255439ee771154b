"""Hardening of the sending side (issue 17), through the binary, with the attacker
outside: API clients that pause and resume a send as fast as they can, a relay that
doles out its reply a byte at a time, and an import whose quoted field spans lines
past the record limit."""

from __future__ import annotations

import collections
import json
import signal
import socketserver
import subprocess
import threading
import time

import pytest

from conftest import (BIN, DOMAIN, assert_ok, clean_env, copy_data_folder, data_args, emails,
                      request, run, wait_for, write_csv)
from send_helpers import add_newsletter, create_issue, make_audience, sink_factory  # noqa: F401

NEWSLETTER = "morning-briefing"


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


# --- 1. pause and resume from several API clients at once ---------------------------------


@pytest.fixture(scope="module")
def _desk(_templates, tmp_path_factory):
    """A folder with the newsletter, 3,000 confirmed readers, the user "editor" and a
    token; made once, copied per test."""
    root = tmp_path_factory.mktemp("desk")
    data = root / "data"
    copy_data_folder(_templates["init"], data)
    add_newsletter(data)
    readers = make_audience(data, root, 3000)
    assert_ok(run("user", "add", "editor", *data_args(data), input="correct horse battery\n"))
    token = assert_ok(run("token", "create", "--name", "desk", *data_args(data))).stdout.strip()
    return data, readers, token


def test_pause_resume_send_and_cancel_from_many_clients_never_abort_the_server(
        _desk, tmp_path, sink_factory, server_factory):
    template, readers, token = _desk
    data = tmp_path / "data"
    copy_data_folder(template, data)
    sink = sink_factory()
    # 40 messages a second: the 3,000 readers outlast the churn below.
    server = server_factory(data, env=sink.env(BROADSHEET_SEND_RATE="40"))
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(path, body=None):
        return request(server, "POST", path, body=json.dumps(body or {}).encode(), headers=auth)

    r = post("/api/v1/issues", {"newsletter": NEWSLETTER, "subject": "Churn",
                                "body_markdown": "Hello {{name}}."})
    assert r.status == 201, r
    iid = r.json()["id"]
    r = post(f"/api/v1/issues/{iid}/send")
    assert r.status == 202 and r.json()["queued_now"] == 3000, r

    stop = threading.Event()
    errors: list[str] = []
    statuses = collections.Counter()

    def client(actions):
        k = 0
        while not stop.is_set():
            action = actions[k % len(actions)]
            k += 1
            try:
                reply = post(f"/api/v1/issues/{iid}/{action}")
            except OSError as e:  # the server went away
                errors.append(f"{action}: {e!r}")
                return
            statuses[(action, reply.status)] += 1
            if reply.status not in (200, 202, 409):
                errors.append(f"{action}: {reply!r}")

    # Two editors double-clicking pause and resume, one out of step with them, and a
    # tool that keeps asking to send.
    threads = [threading.Thread(target=client, args=(a,)) for a in
               (["pause", "resume"], ["resume", "pause"], ["pause", "pause", "resume"],
                ["send", "resume"])]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and server.proc.poll() is None and not errors:
        time.sleep(0.2)
    # A cancel while the others go on; afterwards every change is refused.
    cancel = post(f"/api/v1/issues/{iid}/cancel") if server.proc.poll() is None else None
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join(timeout=30)

    assert server.proc.poll() is None, f"the server died:\n{server.log()[-3000:]}"
    assert not errors, errors[:5]
    assert cancel is not None and cancel.status == 200, cancel
    assert statuses[("pause", 200)] > 20 and statuses[("resume", 200)] > 20, statuses
    assert request(server, "GET", "/healthz").status == 200

    def settled():
        d = json.loads(request(server, "GET", f"/api/v1/issues/{iid}", headers=auth).body)
        return d if len(sink.recipients()) == d["deliveries"]["sent"] else None

    final = wait_for(settled, timeout=20, what="the sink to hold every recorded delivery")
    assert final["status"] == "cancelled"
    got = collections.Counter(sink.recipients())
    assert got and set(got.values()) == {1}, got.most_common(3)  # nobody twice
    assert set(got) <= set(readers)
    assert sum(got.values()) == final["deliveries"]["sent"] < 3000
    # The server still stops cleanly on SIGTERM (server_factory checks at teardown).


# --- 4. a relay that trickles its reply ---------------------------------------------------


class TricklingRelay(socketserver.ThreadingTCPServer):
    """SMTP up to the final dot; then "250 " and one more byte every `interval` seconds,
    a reply that never ends. Counts the final dots it saw."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, interval: float):
        self.interval = interval
        self.dots = 0
        self.closing = threading.Event()
        super().__init__(("127.0.0.1", 0), _TrickleHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def close(self):
        self.closing.set()
        self.shutdown()
        self.server_close()


class _TrickleHandler(socketserver.StreamRequestHandler):
    def handle(self):
        relay: TricklingRelay = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 trickle.test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250 trickle.test\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                relay.dots += 1
                self.wfile.write(b"250 ")
                while not relay.closing.wait(relay.interval):
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return  # the client gave up: what the test wants
            else:
                self.wfile.write(b"250 ok\r\n")


def test_a_reply_trickled_byte_by_byte_times_out_as_a_whole(data, tmp_path):
    add_newsletter(data)
    make_audience(data, tmp_path, 2)
    issue_id = create_issue(data, tmp_path)
    relay = TricklingRelay(interval=0.5)
    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_PORT": str(relay.port), "BROADSHEET_SMTP_TLS": "none",
           "BROADSHEET_SMTP_TIMEOUT_DATA_END": "2"}
    proc = subprocess.Popen([BIN, "issue", "send", str(issue_id), *data_args(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=clean_env(env))
    try:
        # Each byte came well within the 2 s, so before the fix the replies were waited
        # for as long as the relay kept sending: the deliveries stayed queued.
        wait_for(lambda: show(data, issue_id)["deliveries"]["deferred"] == 2, timeout=30,
                 what="both deliveries to be deferred by the end-of-data timeout")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        relay.close()
    assert relay.dots == 2
    d = show(data, issue_id)["deliveries"]
    assert d["sent"] == 0 and d["deferred"] == 2, d


# --- 6. import: a long quoted field that spans lines --------------------------------------


def test_a_long_quoted_field_does_not_turn_its_lines_into_readers(data, tmp_path):
    assert_ok(run("newsletter", "add", "--slug", "weekly", "--name", "Weekly", *data_args(data)))
    padding = "z" * (70 * 1024)  # past the 64 KiB record limit, on the field's first line
    f = write_csv(tmp_path / "list.csv",
                  "email,name\n"
                  f"first@{DOMAIN},First\n"
                  f"victim@{DOMAIN},\"{padding}\n"
                  f"planted@{DOMAIN},Planted\n"
                  "still inside the quote\"\n"
                  f"real@{DOMAIN},Real\n")
    cp = run("import", f, "--newsletter", "weekly", "--confirmed", *data_args(data))
    assert cp.returncode == 0, cp.stderr
    assert cp.stderr.splitlines() == [
        "line 3: the record is longer than 65536 bytes; skipped to its end"], cp.stderr
    assert "1 rows rejected" in cp.stdout
    assert emails(data, "--newsletter", "weekly") == {f"first@{DOMAIN}", f"real@{DOMAIN}"}


def test_a_malformed_record_is_rejected_whole_and_the_next_one_read(data, tmp_path):
    assert_ok(run("newsletter", "add", "--slug", "weekly", "--name", "Weekly", *data_args(data)))
    f = write_csv(tmp_path / "list.csv",
                  "email,name\n"
                  f"\"odd\"x@{DOMAIN},\"spans\n"
                  f"planted@{DOMAIN}\"\n"
                  f"real@{DOMAIN},\"Real \"\"Quoted\"\" Name\"\n")
    cp = run("import", f, "--newsletter", "weekly", *data_args(data))
    assert cp.returncode == 0, cp.stderr
    assert cp.stderr.splitlines() == [
        "line 2: not valid CSV (text after a closing quote); skipped to the end of the "
        "record"], cp.stderr
    assert emails(data, "--newsletter", "weekly") == {f"real@{DOMAIN}"}
