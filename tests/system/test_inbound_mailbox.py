"""Issue 13's third way in: `[inbound] mailbox`, an IMAP or POP3 mailbox over TLS that
`broadsheet bounce poll` (once) and `serve` (every inbound.poll_interval) poll. A real
Dovecot (dovecot_helpers.py) holds DSNs naming copies of a real issue by their VERP
return paths, a message from the corpus of src/bounce/testdata, an auto-reply and one
over bounce.max_message_bytes; what was handled or ignored is deleted, what the store
could not take stays, and a wrong password or an untrusted certificate is one line
naming the key to change."""
from __future__ import annotations

import pathlib
import socket
import sqlite3

import pytest

from backend import ON_POSTGRES
from conftest import DOMAIN, assert_ok, data_args, get, run, wait_for
from dovecot_helpers import PASSWORD, dovecot  # noqa: F401
from send_helpers import add_newsletter, create_issue, make_audience, sink_factory  # noqa: F401
from test_bounces import EX_TEMPFAIL, dsn, sent, show_subscriber

TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "src" / "bounce" / "testdata"
MAX_BYTES = 200_000


def corpus(name: str, return_path: str) -> bytes:
    return (TESTDATA / name).read_bytes().replace(b"@@RETURN_PATH@@", return_path.encode())


@pytest.fixture
def sent_issue(data, tmp_path, sink_factory):
    """An issue sent to 6 readers; returns (readers, their return paths)."""
    add_newsletter(data)
    readers = make_audience(data, tmp_path, 6)
    sink = sink_factory()
    issue = create_issue(data, tmp_path)
    assert_ok(run("issue", "send", issue, "--wait", *data_args(data), env=sink.env()))
    copies = sent(sink)
    return readers, {r: copies[r][0] for r in readers}


def mailbox_env_for(data, url: str, password=PASSWORD) -> dict:
    secret = data / "secrets" / "mailbox.password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    return {"BROADSHEET_INBOUND_MAILBOX": url,
            "BROADSHEET_INBOUND_MAILBOX_PASSWORD_FILE": "mailbox.password",
            "BROADSHEET_BOUNCE_MAX_MESSAGE_BYTES": str(MAX_BYTES)}


def mailbox_env(dovecot, protocol: str, data, password=PASSWORD, trust=True) -> dict:
    env = mailbox_env_for(data, dovecot.url(protocol), password)
    if trust:
        env["BROADSHEET_INBOUND_MAILBOX_CA_FILE"] = str(dovecot.cert)
    return env


def suppressed(data, reader) -> bool:
    return show_subscriber(data, reader)["suppressed_since"] is not None


def poll(data, env):
    return run("bounce", "poll", *data_args(data), env=env)


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_bounce_poll_processes_and_deletes_what_it_handled(data, sent_issue, dovecot, protocol):
    readers, paths = sent_issue
    env = mailbox_env(dovecot, protocol, data)
    dovecot.deliver(dsn(paths[readers[0]], readers[0]))
    dovecot.deliver(corpus("outlook_ndr_hard.eml", paths[readers[1]]))
    dovecot.deliver(corpus("gmail_vacation.eml", paths[readers[2]]))  # an auto-reply: ignored
    dovecot.deliver(dsn(paths[readers[3]], readers[3]) + (b"x" * 76 + b"\r\n") * 3000)  # too large
    assert dovecot.count() == 4

    if not ON_POSTGRES:
        # The store cannot take them (another writer holds the database, which SQLite's
        # single writer makes possible; PostgreSQL's writers lock rows, not the database):
        # nothing is deleted, exit 75, and the next poll takes them.
        db = sqlite3.connect(data / "broadsheet.db", isolation_level=None, timeout=1)
        db.execute("BEGIN IMMEDIATE")
        try:
            cp = poll(data, env)
        finally:
            db.execute("ROLLBACK")
            db.close()
        assert cp.returncode == EX_TEMPFAIL, cp.stdout + cp.stderr
        assert "kept for the next poll" in cp.stderr, cp.stderr
        assert dovecot.count() == 4
        assert not suppressed(data, readers[0])

    cp = assert_ok(poll(data, env))
    out = cp.stdout
    assert "handled: hard bounce" in out, out
    assert "ignored: auto-reply" in out, out
    assert f"too large (" in out and f"bounce.max_message_bytes is {MAX_BYTES}): deleted unread" in out, out
    assert out.rstrip().endswith(
        "4 messages: 3 processed, 1 too large, 0 kept for the next poll, 4 deleted"), out
    assert "s3cret" not in out + cp.stderr
    assert dovecot.count() == 0
    assert suppressed(data, readers[0]) and suppressed(data, readers[1])
    assert not suppressed(data, readers[2]) and not suppressed(data, readers[3])

    # The same DSN again (a poll cut before its deletions) counts once.
    dovecot.deliver(dsn(paths[readers[0]], readers[0]))
    cp = assert_ok(poll(data, env))
    assert "1 message: 1 processed" in cp.stdout, cp.stdout
    assert [e["kind"] for e in show_subscriber(data, readers[0])["bounces"]] == ["hard"]
    assert dovecot.count() == 0


def test_bounce_poll_errors_name_the_key_to_change(data, dovecot):
    add_newsletter(data)
    dovecot.deliver(b"Subject: x\r\n\r\nx\r\n")
    cp = poll(data, mailbox_env(dovecot, "imap", data, trust=False))  # the system's roots
    assert cp.returncode == 1
    assert "inbound.mailbox_ca_file: the certificate of 127.0.0.1 is not trusted" in cp.stderr, cp.stderr
    env = mailbox_env(dovecot, "imap", data)
    env["BROADSHEET_INBOUND_MAILBOX"] = dovecot.url("imap").replace("/INBOX", "/Nowhere")
    cp = poll(data, env)
    assert cp.returncode == 1
    assert "inbound.mailbox: 127.0.0.1 has no folder Nowhere" in cp.stderr, cp.stderr
    env["BROADSHEET_INBOUND_MAILBOX"] = f"imap://bounces@127.0.0.1:{dovecot.imaps}"
    cp = poll(data, env)
    assert cp.returncode != 0 and "in clear" in cp.stderr, cp.stderr
    env["BROADSHEET_INBOUND_MAILBOX"] = f"imaps://bounces:{PASSWORD}@127.0.0.1:{dovecot.imaps}"
    cp = poll(data, env)
    assert cp.returncode != 0 and "inbound.mailbox_password_file" in cp.stderr, cp.stderr
    assert PASSWORD not in cp.stderr
    # Last: Dovecot slows every login from an address that gave a wrong password (POP3's
    # is in the serve test below).
    cp = poll(data, mailbox_env(dovecot, "imap", data, password="not-the-pa55word"))
    assert cp.returncode == 1
    assert ("inbound.mailbox_password_file: 127.0.0.1 refused the login of bounces"
            in cp.stderr), cp.stderr
    assert "not-the-pa55word" not in cp.stderr
    assert dovecot.count() == 1  # nothing was deleted


def test_serve_polls_the_mailbox_and_survives_its_errors(data, sent_issue, dovecot, server_factory):
    readers, paths = sent_issue
    env = {**mailbox_env(dovecot, "pop3", data), "BROADSHEET_INBOUND_POLL_INTERVAL": "1"}
    dovecot.deliver(dsn(paths[readers[0]], readers[0]))
    server = server_factory(data, env)
    assert f"inbound: polling pop3s://bounces@127.0.0.1:{dovecot.pop3s} every 1 s" in server.log()
    wait_for(lambda: dovecot.count() == 0, timeout=30, what="the DSN deleted")
    assert suppressed(data, readers[0])
    dovecot.deliver(dsn(paths[readers[1]], readers[1]))
    wait_for(lambda: dovecot.count() == 0, timeout=30, what="the second DSN deleted")
    assert suppressed(data, readers[1])
    code, took = server.terminate()
    assert code == 0 and took < 5, (code, took)

    # A refused login is logged once, naming the key, and serve goes on serving.
    (data / "secrets" / "mailbox.password").write_text("not-the-pa55word\n")
    server = server_factory(data, env)
    wait_for(lambda: "inbound.mailbox_password_file: 127.0.0.1 refused the login" in server.log(),
             timeout=30, what="the refused login logged")
    assert get(server, "/healthz").status == 200
    assert PASSWORD not in server.log() and "not-the-pa55word" not in server.log()
    code, took = server.terminate()
    assert code == 0 and took < 5, (code, took, server.log()[-2000:])


def test_sigterm_ends_a_poll_under_way(data, server_factory):
    """A server that takes the connection and never answers: serve is mid-poll (in the
    TLS handshake) when SIGTERM comes, and still exits within seconds."""
    add_newsletter(data)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    port = silent.getsockname()[1]
    try:
        env = {**mailbox_env_for(data, f"imaps://bounces@127.0.0.1:{port}/INBOX"),
               "BROADSHEET_INBOUND_POLL_INTERVAL": "1"}
        server = server_factory(data, env)
        silent.settimeout(30)
        conn, _ = silent.accept()  # the poll has begun
        try:
            code, took = server.terminate()
        finally:
            conn.close()
        assert code == 0 and took < 5, (code, took, server.log()[-2000:])
    finally:
        silent.close()
