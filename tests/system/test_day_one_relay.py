"""Issue 16, items 1 and 2: a relay that cannot work is reported at once, and
`issue send --wait` ends.

Real relays on 127.0.0.1: aiosmtpd (src/smtp/testdata/relay.py) that offers no
STARTTLS, refuses AUTH with 535 or refuses the sender with 553, and a closed port for a
relay that is down. Each is driven as a publisher would: `serve` running, `issue send
--wait` handed to it; the one-line reason is asserted on the terminal, in `issue show`,
in the API and in the server log, and `--wait` must end promptly: exit 1 (a failure,
as the README says) when the relay refuses the configuration, exit 3 when deliveries
are only deferred."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import time

import pytest

from conftest import (REPO, assert_ok, data_args, free_port, request, run, run_on_a_terminal,
                      stderr_lines, wait_for)
from send_helpers import add_newsletter, create_issue, make_audience

RELAY = REPO / "src" / "smtp" / "testdata" / "relay.py"
PASSWORD = "correct horse battery"
READERS = 3


class AioRelay:
    """src/smtp/testdata/relay.py on a free port; messages land in `out`."""

    def __init__(self, out: pathlib.Path, *flags: str):
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(RELAY), "--port", str(self.port), "--out", str(out), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            pytest.fail(f"relay.py did not start: {line!r} {self.proc.stderr.read()}")

    def messages(self) -> int:
        return len(list(self.out.glob("*.env")))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def relays(tmp_path):
    started: list[AioRelay] = []

    def start(*flags):
        r = AioRelay(tmp_path / f"relay{len(started)}", *flags)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def paper(data, tmp_path):
    add_newsletter(data)
    make_audience(data, tmp_path, READERS)
    assert_ok(run("user", "add", "editor", *data_args(data), input=PASSWORD + "\n"))
    return data


def relay_env(port: int, tls: str = "starttls", **extra) -> dict:
    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_PORT": str(port), "BROADSHEET_SMTP_TLS": tls,
           "BROADSHEET_SMTP_TIMEOUT_CONNECT": "2"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def show_json(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def show_text(data, issue_id) -> str:
    return assert_ok(run("issue", "show", issue_id, *data_args(data))).stdout


def api_issue(server, data, issue_id) -> dict:
    token = assert_ok(run("token", "create", "--name", f"desk {time.monotonic()}",
                          *data_args(data))).stdout.strip()
    r = request(server, "GET", f"/api/v1/issues/{issue_id}",
                headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r
    return r.json()


def send_wait(data, issue_id, env, command="send") -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    cp = run("issue", command, issue_id, "--wait", *data_args(data), env=env, timeout=120)
    return cp, time.monotonic() - began


def the_stop_line(cp, issue_id) -> str:
    """The one line that says why the send stopped: "broadsheet: issue N stopped: ..."."""
    lines = [line for line in stderr_lines(cp) if line.startswith("broadsheet: ")]
    assert len(lines) == 1, cp.stderr
    assert lines[0].startswith(f"broadsheet: issue {issue_id} stopped: "), lines[0]
    return lines[0]


# The relays that refuse the configuration: (flags of relay.py, extra settings, the
# reason's words, the key the reason names).
REFUSALS = {
    "no-starttls": ([], {}, "does not offer STARTTLS", 'set smtp.tls = "none" or "tls"'),
    "auth-535": (["--auth", "news:pa55word"],
                 {"BROADSHEET_SMTP_TLS": "none", "BROADSHEET_SMTP_USERNAME": "news",
                  "BROADSHEET_SMTP_PASSWORD": "not-the-password"},
                 "AUTH PLAIN refused: 535", "smtp.username"),
    "sender-553": (["--reject-sender", "*"], {"BROADSHEET_SMTP_TLS": "none"},
                   "refuses the sender <bounce+", "newsletter update SLUG --from"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_relay_that_refuses_the_configuration_stops_the_send_at_once(
        paper, tmp_path, relays, server_factory, case):
    flags, extra, words, key = REFUSALS[case]
    relay = relays(*flags)
    env = relay_env(relay.port, **extra)
    server = server_factory(paper, env=env)
    # serve checked the relay at start and said what it found, naming the key.
    wait_for(lambda: "relay check: " in server.log(), timeout=15, what="the relay check")
    if case != "sender-553":  # the sender is refused only at MAIL FROM, by a message
        check = next(line for line in server.log().splitlines() if "relay check: " in line)
        assert words in check and key in check, check

    issue_id = create_issue(paper, tmp_path)
    cp, took = send_wait(paper, issue_id, env)
    assert cp.returncode == 1, (cp.stdout, cp.stderr)
    assert took < 30, f"--wait took {took:.0f} s"
    line = the_stop_line(cp, issue_id)
    assert words in line and key in line, line
    assert f"127.0.0.1:{relay.port}" in line
    assert "handed to the running server" in cp.stderr
    # The run stops at the first refusal: the readers it had taken are deferred, and
    # those its producer had not reached yet (how far it got depends on the machine's
    # load) stay queued, for the resume either way. None is sent or failed.
    counts = re.search(r"sent=0 deferred=(\d+) failed=0 queued=(\d+)", cp.stdout)
    assert counts, cp.stdout
    deferred, queued = int(counts[1]), int(counts[2])
    assert deferred >= 1 and deferred + queued == READERS, cp.stdout
    assert relay.messages() == 0

    shown = show_json(paper, issue_id)
    assert shown["status"] == "paused"
    assert words in shown["stopped_reason"] and key in shown["stopped_reason"]
    text = show_text(paper, issue_id)
    assert re.search(r"^status: +paused$", text, re.M), text
    stopped = next(x for x in text.splitlines() if x.startswith("stopped:"))
    assert words in stopped and key in stopped, text
    assert f"broadsheet issue resume {issue_id}" in text

    api = api_issue(server, paper, issue_id)
    assert api["status"] == "paused"
    assert api["stopped_reason"] == shown["stopped_reason"]

    log = server.log()
    logged = [x for x in log.splitlines() if f"issue {issue_id} stopped" in x]
    assert logged and words in logged[0] and key in logged[0], log[-3000:]
    # Nobody bounced: the readers are deferred for the resume, no attempt counted.
    for row in api["deliveries"]["deferred_reasons"]:
        assert words in row["reply"]
    assert sum(r["count"] for r in api["deliveries"]["deferred_reasons"]) == deferred


def test_foreground_send_stops_on_no_starttls_and_resume_sends_after_the_fix(
        paper, tmp_path, relays):
    relay = relays()
    issue_id = create_issue(paper, tmp_path)
    cp, took = send_wait(paper, issue_id, relay_env(relay.port))
    assert cp.returncode == 1, (cp.stdout, cp.stderr)
    assert took < 30
    line = the_stop_line(cp, issue_id)
    assert (f"relay 127.0.0.1:{relay.port} does not offer STARTTLS: set smtp.tls = \"none\" "
            "or \"tls\", or use a relay that offers it") in line
    assert show_json(paper, issue_id)["status"] == "paused"

    # The publisher follows the advice; resume in the foreground sends the rest.
    cp, _ = send_wait(paper, issue_id, relay_env(relay.port, tls="none"), command="resume")
    assert cp.returncode == 0, (cp.stdout, cp.stderr)
    assert f"sent={READERS} deferred=0 failed=0 queued=0" in cp.stdout
    assert relay.messages() == READERS
    shown = show_json(paper, issue_id)
    assert shown["status"] == "sent" and shown["stopped_reason"] is None


def test_a_relay_that_is_down_defers_and_wait_ends_with_the_reasons(
        paper, tmp_path, server_factory):
    port = free_port()  # nothing listens: connection refused
    env = relay_env(port, tls="none")
    server = server_factory(paper, env=env)
    wait_for(lambda: "relay check: " in server.log(), timeout=15, what="the relay check")
    check = next(line for line in server.log().splitlines() if "relay check: " in line)
    assert "Connection refused" in check and "keeps running" in check, check

    issue_id = create_issue(paper, tmp_path)
    cp, took = send_wait(paper, issue_id, env)
    # Nothing more can be sent before the next retry (in a minute): exit 3 now.
    assert cp.returncode == 3, (cp.stdout, cp.stderr)
    assert took < 30, f"--wait took {took:.0f} s"
    assert f"sent=0 deferred={READERS} failed=0 queued=0" in cp.stdout
    reasons = next(x for x in cp.stdout.splitlines() if x.startswith(f"deferred {READERS}: "))
    assert f"{READERS}\u00d7 " in reasons and "cannot connect: Connection refused" in reasons
    assert "nothing more can be sent before the next retry" in cp.stderr
    assert not [x for x in stderr_lines(cp) if x.startswith("broadsheet: ")], cp.stderr

    shown = show_json(paper, issue_id)
    assert shown["status"] == "sending" and shown["stopped_reason"] is None
    text = show_text(paper, issue_id)
    deferred = next(x for x in text.splitlines() if x.startswith("deferred:"))
    assert f"{READERS}\u00d7 " in deferred and "Connection refused" in deferred, text

    api = api_issue(server, paper, issue_id)
    assert api["stopped_reason"] is None
    [reason] = api["deliveries"]["deferred_reasons"]
    assert reason["count"] == READERS and "Connection refused" in reason["reply"]


def test_foreground_send_ends_when_only_retries_are_left(paper, tmp_path):
    port = free_port()
    issue_id = create_issue(paper, tmp_path)
    cp, took = send_wait(paper, issue_id, relay_env(port, tls="none"))
    assert cp.returncode == 3, (cp.stdout, cp.stderr)
    assert took < 30
    assert f"deferred {READERS}: {READERS}\u00d7 " in cp.stdout
    assert "`broadsheet serve` or the next `issue send`" in cp.stderr
    assert show_json(paper, issue_id)["status"] == "sending"


def test_the_progress_line_on_a_terminal_names_the_deferrals(paper, tmp_path):
    port = free_port()  # nothing listens: connection refused
    issue_id = create_issue(paper, tmp_path)
    code, out, err = run_on_a_terminal(
        ["issue", "send", issue_id, "--wait", *data_args(paper)], relay_env(port, tls="none"))
    assert code == 3, (out, err)
    pieces = [p.replace("\x1b[K", "").strip() for p in re.split(r"[\r\n]+", err)]
    # STOP's progress line, with the reasons of the deferrals as its note.
    line = re.compile(rf"issue {issue_id}  0/{READERS}  \S+/s  \S+ left  deferred {READERS}: ")
    noted = [p for p in pieces if line.match(p)]
    assert noted, err
    assert f"{READERS}\u00d7 " in noted[-1] and "Connection refused" in noted[-1], noted[-1]
