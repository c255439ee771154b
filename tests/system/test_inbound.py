"""Issue 13's inbound path as a user meets it: a sign-up from a suppressed address, and
the LMTP/SMTP listener of `serve` ([inbound] listen) that a publisher's MTA delivers
bounces and unsubscribe mail to."""
from __future__ import annotations

import re
import smtplib
import socket
import sqlite3

import pytest

from backend import ON_POSTGRES
from conftest import DOMAIN, assert_ok, data_args, free_port, run, subscriber
from send_helpers import add_newsletter, create_issue, make_audience, parse_message, sink_factory  # noqa: F401
from signup_helpers import (FAST_ROBOT, error_codes, messages_to, new_address, post_form, robot,
                            sign_up, wait_for_mail_queue)
from test_bounces import dsn, sent, show_subscriber

MSG_CHECK_ADDRESS = ("We cannot deliver mail to that address. Please check it, or use "
                     "another one.")


@pytest.fixture
def site(demo, server_factory):
    return server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off"})


def test_a_suppressed_address_is_told_to_check_it_and_sent_nothing(site):
    data = site.data
    bounced = new_address("bounced")
    assert_ok(run("suppression", "add", bounced, "--reason", "5.1.1 user unknown", *data_args(data)))

    r = sign_up(site, bounced)
    assert r.status == 422, r
    assert error_codes(r) == [("email", "check_address")]
    err = r.json()["errors"][0]
    assert err["message"] == MSG_CHECK_ADDRESS
    # Nothing says why: no word of bounces, complaints or suppression reaches the reader.
    body = r.body.decode().lower()
    for word in ("suppress", "bounce", "complain", "5.1.1"):
        assert word not in body
    # In any letter case of the same mailbox.
    r = sign_up(site, bounced.upper().replace(DOMAIN.upper(), DOMAIN))
    assert error_codes(r) == [("email", "check_address")]
    # Nothing recorded, nothing sent.
    assert subscriber(data, bounced) is None
    wait_for_mail_queue(data)
    assert messages_to(data, bounced) == []

    # The plain HTML form says the same.
    page = post_form(site, "/subscribe", [("email", bounced), ("newsletters", "morning-briefing"),
                                          ("altcha", robot(site))])
    assert MSG_CHECK_ADDRESS.replace("'", "&#39;") in page.body.decode() or \
        MSG_CHECK_ADDRESS in page.body.decode()

    # A known reader suppressed later (by a bounce) is refused the same way, and keeps
    # what they had: their subscription is not touched, no confirmation goes out.
    known = new_address("known")
    assert sign_up(site, known).status == 202
    wait_for_mail_queue(data)
    before = len(messages_to(data, known))
    assert_ok(run("suppression", "add", known, *data_args(data)))
    r = sign_up(site, known)
    assert error_codes(r) == [("email", "check_address")]
    wait_for_mail_queue(data)
    assert len(messages_to(data, known)) == before

    # Lifted, the address signs up as any other.
    assert_ok(run("suppression", "remove", bounced, *data_args(data)))
    assert sign_up(site, bounced).status == 202
    wait_for_mail_queue(data)
    assert len(messages_to(data, bounced)) == 1


# --- the LMTP/SMTP listener -----------------------------------------------------------


class Lmtp:
    """A raw LMTP/SMTP client: smtplib's LMTP reads one reply after DATA, not one per
    recipient, so the conversation is spoken here line by line."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def line(self) -> str:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed; had " + repr(self.buf))
            self.buf += chunk
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out.decode()

    def reply(self) -> str:
        """One whole (possibly multi-line) reply."""
        lines = [self.line()]
        while lines[-1][3:4] == "-":
            lines.append(self.line())
        return "\n".join(lines)

    def send(self, text: str | bytes):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def cmd(self, text: str) -> str:
        self.send(text + "\r\n")
        return self.reply()

    def data(self, message: bytes, replies: int) -> list[str]:
        assert self.cmd("DATA").startswith("354 ")
        body = message.replace(b"\r\n.", b"\r\n..")
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")
        return [self.reply() for _ in range(replies)]

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True


def without_delivered_to(message: bytes) -> bytes:
    """What Postfix's lmtp/smtp client hands over: no Delivered-To (only a local
    delivery agent adds one); the envelope recipient names the return path."""
    return b"".join(line for line in message.splitlines(keepends=True)
                    if not line.startswith(b"Delivered-To:"))


def test_lmtp_and_smtp_listener_takes_bounces_and_unsubscribe_mail(data, tmp_path, sink_factory,
                                                                   server_factory):
    add_newsletter(data)
    readers = make_audience(data, tmp_path, 6)
    sink = sink_factory()
    issue = create_issue(data, tmp_path)
    assert_ok(run("issue", "send", issue, "--wait", *data_args(data), env=sink.env()))
    copies = sent(sink)
    paths = {r: copies[r][0] for r in readers}

    port = free_port()
    server = server_factory(data, {"BROADSHEET_INBOUND_LISTEN": f"127.0.0.1:{port}",
                                   "BROADSHEET_BOUNCE_MAX_MESSAGE_BYTES": "200000"})
    assert f"inbound: LMTP/SMTP on 127.0.0.1:{port}" in server.log()

    c = Lmtp(port)
    assert c.reply().startswith("220 ")
    lhlo = c.cmd("LHLO mx.example.net")
    assert "250-PIPELINING" in lhlo and "250 SIZE 200000" in lhlo, lhlo
    assert c.cmd("MAIL FROM:<>") == "250 2.1.0 OK"
    assert c.cmd(f"RCPT TO:<{paths[readers[0]]}>") == "250 2.1.5 OK"
    assert c.cmd(f"RCPT TO:<unsubscribe@{DOMAIN}>") == "250 2.1.5 OK"
    # Anything else is refused at RCPT: another address, another domain, a forged token.
    assert c.cmd(f"RCPT TO:<desk@{DOMAIN}>").startswith("550 5.1.1 ")
    assert c.cmd(f"RCPT TO:<{paths[readers[1]].split('@')[0]}@elsewhere.example>").startswith("550 5.1.1 ")
    forged = paths[readers[1]]
    forged = forged[:10] + ("0" if forged[10] != "0" else "1") + forged[11:]
    assert c.cmd(f"RCPT TO:<{forged}>").startswith("550 5.1.1 ")
    # One reply per accepted recipient (RFC 2033): the DSN for reader 0, then the same
    # event again through the unsubscribe address (counted once, still 250).
    replies = c.data(without_delivered_to(dsn(paths[readers[0]], readers[0])), 2)
    assert replies == ["250 2.0.0 OK, handled", "250 2.0.0 OK, handled"], replies
    # Over the size limit: refused at MAIL by SIZE=, and after DATA without it.
    assert c.cmd("MAIL FROM:<> SIZE=300000").startswith("552 5.3.4 ")
    assert c.cmd("MAIL FROM:<>") == "250 2.1.0 OK"
    assert c.cmd(f"RCPT TO:<{paths[readers[4]]}>") == "250 2.1.5 OK"
    big = dsn(paths[readers[4]], readers[4]) + (b"x" * 76 + b"\r\n") * 3000
    assert c.data(big, 1)[0].startswith("552 5.3.4 ")
    assert c.cmd("QUIT").startswith("221 ")

    # Plain SMTP on the same port, as Postfix's smtp: transport speaks it.
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        code, ehlo = s.ehlo("mx.example.net")
        assert code == 250 and b"SIZE 200000" in ehlo
        s.sendmail("", [paths[readers[2]]], without_delivered_to(dsn(paths[readers[2]], readers[2])))
        # An unsubscribe mail to List-Unsubscribe's mailto:.
        msg = parse_message(copies[readers[3]][1])
        mailto = re.search(r"<mailto:([^?>]+)\?subject=([^>]+)>", str(msg["List-Unsubscribe"]))
        subject = mailto.group(2).replace("%20", " ")
        s.sendmail(readers[3], [mailto.group(1)],
                   f"From: {readers[3]}\r\nTo: {mailto.group(1)}\r\nSubject: {subject}\r\n\r\n".encode())
        try:
            s.sendmail("", [f"root@{DOMAIN}"], b"Subject: x\r\n\r\nx\r\n")
            raise AssertionError("a recipient not ours was taken")
        except smtplib.SMTPRecipientsRefused as e:
            assert e.recipients[f"root@{DOMAIN}"][0] == 550

    for r in (readers[0], readers[2]):
        info = show_subscriber(data, r)
        assert info["suppressed_since"] is not None, r
        assert [e["kind"] for e in info["bounces"]] == ["hard"], info["bounces"]
    assert show_subscriber(data, readers[1])["suppressed_since"] is None
    assert show_subscriber(data, readers[4])["suppressed_since"] is None
    info = show_subscriber(data, readers[3])
    assert [s["status"] for s in info["subscriptions"]] == ["unsubscribed"]

    c = Lmtp(port)
    c.reply()
    c.cmd("LHLO mx")
    if not ON_POSTGRES:
        # 451 4.3.0 when the store cannot take it (the database held by another writer,
        # which SQLite's single writer makes possible; PostgreSQL's writers lock rows, not
        # the database), so the MTA keeps the message and retries; nothing was half-written.
        db = sqlite3.connect(data / "broadsheet.db", isolation_level=None, timeout=1)
        db.execute("BEGIN IMMEDIATE")
        try:
            c.cmd("MAIL FROM:<>")
            assert c.cmd(f"RCPT TO:<{paths[readers[5]]}>") == "250 2.1.5 OK"
            assert c.data(without_delivered_to(dsn(paths[readers[5]], readers[5])),
                          1)[0].startswith("451 4.3.0 ")
        finally:
            db.execute("ROLLBACK")
            db.close()
    assert c.cmd("MAIL FROM:<>") == "250 2.1.0 OK"
    assert c.cmd(f"RCPT TO:<{paths[readers[5]]}>") == "250 2.1.5 OK"
    assert c.data(without_delivered_to(dsn(paths[readers[5]], readers[5])), 1) == ["250 2.0.0 OK, handled"]
    assert show_subscriber(data, readers[5])["suppressed_since"] is not None

    # SIGTERM with a session open: it is told 421 and serve exits 0 within seconds.
    idle = Lmtp(port)
    idle.reply()
    idle.cmd("LHLO mx")
    code, took = server.terminate()
    assert code == 0 and took < 5, (code, took, server.log()[-2000:])
    assert idle.reply().startswith("421 4.3.2 ")
    assert idle.closed()
