"""Helpers for the issue and send-engine system tests: an audience made with the real
CLI (`import --confirmed`), issues written with `issue create`, and Postfix's
`smtp-sink` as the receiving relay, started on 127.0.0.1 by the tests themselves."""

from __future__ import annotations

import email
import email.policy
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import DOMAIN, assert_ok, data_args, free_port, run, write_csv

SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"

ISSUE_MARKDOWN = """# Good morning, {{name}}

The news you need to start the day, on {{issue_date}}.

## Top stories

- **Council votes** on the new tram line after a [long debate](https://news.example.org/tram).
- Weather: sunny spells, 18 °C.

| Market | Close |
|--------|------:|
| FTSE   | 8,112 |

[Manage your newsletters]({{preferences_url}})
"""


def make_audience(data, tmp_path, count: int, newsletter: str = "morning-briefing",
                  confirmed: bool = True, prefix: str = "reader") -> list[str]:
    """`count` readers of `newsletter`, imported through the CLI; returns their addresses."""
    addresses = [f"{prefix}{i}@{DOMAIN}" for i in range(count)]
    lines = ["email,name,timezone"] + [f"{a},Reader {i},Europe/London" for i, a in enumerate(addresses)]
    csv_path = write_csv(tmp_path / f"{prefix}-{count}.csv", "\n".join(lines) + "\n")
    args = ["import", str(csv_path), "--newsletter", newsletter, *data_args(data)]
    if confirmed:
        args.append("--confirmed")
    assert_ok(run(*args, timeout=600))
    return addresses


def add_newsletter(data, slug="morning-briefing", name="Morning Briefing"):
    assert_ok(run("newsletter", "add", "--slug", slug, "--name", name,
                  "--from", f"Morning Desk <desk@{DOMAIN}>", *data_args(data)))


@pytest.fixture
def paper(data):
    """A fresh data folder with the morning-briefing newsletter (no readers)."""
    add_newsletter(data)
    return data


def write_text(tmp_path, name, text) -> pathlib.Path:
    """`text` written as UTF-8 to tmp_path/name, for the CLI's --body-file and kin."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issue_json(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def outbox_messages(data) -> list[bytes]:
    """The messages the embedded outbox transport delivered, oldest name first."""
    new = pathlib.Path(data) / "outbox" / "new"
    return [p.read_bytes() for p in sorted(new.iterdir())] if new.exists() else []


def create_issue(data, tmp_path, subject="Tuesday: the news", body=ISSUE_MARKDOWN,
                 newsletter="morning-briefing", preheader="Today in brief") -> int:
    body_path = tmp_path / f"issue-{abs(hash(subject))}.md"
    body_path.write_text(body, encoding="utf-8")
    cp = assert_ok(run("issue", "create", "--newsletter", newsletter, "--subject", subject,
                       "--preheader", preheader, "--body-file", body_path, *data_args(data)))
    return int(cp.stdout.strip())


def parse_message(raw: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return msg


class Sink:
    """A running smtp-sink that dumps every transaction into its own file."""

    def __init__(self, proc: subprocess.Popen, port: int, dump_dir: pathlib.Path):
        self.proc = proc
        self.port = port
        self.dump_dir = dump_dir

    def env(self, **extra) -> dict:
        out = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
               "BROADSHEET_SMTP_PORT": str(self.port), "BROADSHEET_SMTP_TLS": "none"}
        out.update({k: str(v) for k, v in extra.items()})
        return out

    def files(self) -> list[pathlib.Path]:
        return sorted(p for p in self.dump_dir.rglob("*") if p.is_file())

    def recipients(self) -> list[str]:
        """One entry per message received (smtp-sink writes X-Rcpt-Args: <addr>)."""
        out = []
        for p in self.files():
            for line in p.read_bytes().split(b"\n"):
                if line.startswith(b"X-Rcpt-Args: "):
                    value = line[len(b"X-Rcpt-Args: "):].strip().decode()
                    out.append(value.strip("<>").split(">")[0])
                    break
        return out

    def messages(self) -> list[bytes]:
        """The message bytes of each dump file, as the client sent them (CRLF line
        ends restored): smtp-sink's own X-... records and its three-line Received
        header are dropped, and the empty line it appends."""
        out = []
        for p in self.files():
            lines = p.read_bytes().split(b"\n")
            i = 0
            while i < len(lines) and lines[i].startswith(
                    (b"X-Client-", b"X-Helo-Args", b"X-Mail-Args", b"X-Rcpt-Args")):
                i += 1
            if i < len(lines) and lines[i].startswith(b"Received:"):
                i += 1
                while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
                    i += 1
            body = lines[i:]
            if body and body[-1] == b"":
                body = body[:-1]
            if body and body[-1] == b"":
                body = body[:-1]
            out.append(b"\r\n".join(body) + b"\r\n")
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_sink(tmp_path, *options: str, name="sink", port: int | None = None) -> Sink:
    """smtp-sink on 127.0.0.1 (on `port`, else a free one), dumping into tmp_path/name."""
    import socket
    import tempfile
    # smtp-sink drops root for `nobody`, who cannot enter pytest's private tmp_path:
    # its dumps go to a folder of their own under /tmp, linked from tmp_path.
    dump = pathlib.Path(tempfile.mkdtemp(prefix=f"broadsheet-{name}-", dir="/tmp"))
    os.chmod(dump, 0o777)
    link = tmp_path / name
    if not link.exists():
        link.symlink_to(dump)
    argv = [SMTP_SINK, "-d", f"{dump}/%Y%m%d%H/", "-m", "512"]
    if os.geteuid() == 0:
        argv += ["-u", "nobody"]
    argv += list(options)
    err = b""
    for _ in range(3 if port is None else 20):
        listen = port or free_port()
        proc = subprocess.Popen(argv + [f"127.0.0.1:{listen}", "512"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", listen), timeout=1):
                    return Sink(proc, listen, dump)
            except OSError:
                time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        err = proc.stderr.read() if proc.stderr else b""
        time.sleep(0.2)
    pytest.fail("smtp-sink did not start: " + err.decode(errors="replace"))


@pytest.fixture
def sink_factory(tmp_path):
    started: list[Sink] = []

    def start(*options, name=None, port=None):
        s = start_sink(tmp_path, *options, name=name or f"sink{len(started)}", port=port)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
        shutil.rmtree(s.dump_dir, ignore_errors=True)
