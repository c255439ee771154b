"""Bounces, complaints and unsubscribe mail through `broadsheet bounce process` (issue
13): an issue is sent into smtp-sink, DSNs naming some of its deliveries (by the VERP
return path each copy was sent with) are fed to the binary on stdin and from a file,
and the next issue skips exactly the suppressed readers."""
from __future__ import annotations

import json
import re


from conftest import DOMAIN, assert_ok, data_args, run
from send_helpers import create_issue, make_audience, parse_message, sink_factory, paper  # noqa: F401

EX_TEMPFAIL = 75


def sent(sink) -> dict[str, tuple[str, bytes]]:
    """recipient -> (the envelope sender it was sent with, the message)."""
    out = {}
    for path, message in zip(sink.files(), sink.messages()):
        mail_from = rcpt = ""
        for line in path.read_bytes().split(b"\n"):
            if line.startswith(b"X-Mail-Args: "):
                mail_from = line.split(b" ")[1].decode().strip("<>")
            if line.startswith(b"X-Rcpt-Args: "):
                rcpt = line.split(b" ")[1].decode().strip("<>")
        out[rcpt] = (mail_from, message)
    return out


def dsn(return_path: str, recipient: str, status="5.1.1",
        diagnostic="smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown") -> bytes:
    """A DSN as Postfix writes it, delivered to the return path."""
    return f"""Return-Path: <>
Delivered-To: {return_path}
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {return_path}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1"
Message-Id: <20261207.{abs(hash(recipient + status))}@mx.example.net>

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon,  7 Dec 2026 08:00:00 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: {status}
Remote-MTA: dns; mx.example.net
Diagnostic-Code: {diagnostic.format(r=recipient)}

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{return_path}>
From: Morning Desk <desk@{DOMAIN}>
To: {recipient}
Subject: Tuesday: the news

--B1--
""".replace("\n", "\r\n").encode()


def process(data, message: bytes, *extra):
    """`bounce process` with the message on stdin; stdout and stderr as text."""
    cp = run("bounce", "process", *extra, *data_args(data), input=message)
    cp.stdout = cp.stdout.decode("utf-8", "replace")
    cp.stderr = cp.stderr.decode("utf-8", "replace")
    return cp


def show_subscriber(data, address) -> dict:
    return json.loads(assert_ok(run("subscriber", "show", address, "--json", *data_args(data))).stdout)


def test_dsns_suppress_and_the_next_issue_skips_them(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 12)
    sink = sink_factory()
    first = create_issue(paper, tmp_path, subject="Monday")
    assert_ok(run("issue", "send", first, "--wait", *data_args(paper), env=sink.env()))
    copies = sent(sink)
    assert sorted(copies) == sorted(readers)
    paths = {r: copies[r][0] for r in readers}
    for r, p in paths.items():
        # bounce+TOKEN@ the From domain; the token survives an MTA that lowercases it.
        assert re.fullmatch(r"bounce\+[0-9a-f]{54}@" + re.escape(DOMAIN), p), p
        assert len(p.split("@")[0]) <= 64
    assert len(set(paths.values())) == len(readers)

    dead = readers[:3]
    # Two on stdin, one from a file, one of them in upper case as some MTAs do.
    for r in dead[:2]:
        cp = assert_ok(process(paper, dsn(paths[r], r)))
        assert cp.stdout.startswith("handled: hard bounce"), cp.stdout
        assert "suppressed" in cp.stdout
    path = tmp_path / "dsn.eml"
    path.write_bytes(dsn(paths[dead[2]].upper().replace(DOMAIN.upper(), DOMAIN), dead[2]))
    cp = assert_ok(run("bounce", "process", path, *data_args(paper)))
    assert "suppressed" in cp.stdout, cp.stdout + cp.stderr

    # The same bounce twice counts once.
    cp = assert_ok(process(paper, dsn(paths[dead[0]], dead[0])))
    assert "already recorded" in cp.stdout
    info = show_subscriber(paper, dead[0])
    assert info["suppressed_since"] is not None
    assert [e["kind"] for e in info["bounces"]] == ["hard"]
    assert info["bounces"][0]["issue_id"] == first
    assert "5.1.1" in info["bounces"][0]["status"]
    text = assert_ok(run("subscriber", "show", dead[0], *data_args(paper))).stdout
    assert "suppressed: since" in text and "hard" in text

    issue = json.loads(assert_ok(run("issue", "show", first, "--json", *data_args(paper))).stdout)
    assert sorted(e["subscriber_id"] for e in issue["bounces"]) == sorted(
        show_subscriber(paper, r)["id"] for r in dead)
    listed = assert_ok(run("suppression", "list", *data_args(paper))).stdout
    for r in dead:
        assert r in listed

    # A soft bounce (4.x.x) is counted, not suppressed, the first time.
    cp = assert_ok(process(paper, dsn(paths[readers[5]], readers[5], status="4.2.2",
                                      diagnostic="smtp; 452 4.2.2 mailbox full")))
    assert "soft bounce" in cp.stdout and "counted" in cp.stdout
    assert show_subscriber(paper, readers[5])["suppressed_since"] is None

    # A forged token changes nothing.
    forged = paths[readers[6]]
    forged = forged[:10] + ("0" if forged[10] != "0" else "1") + forged[11:]
    cp = assert_ok(process(paper, dsn(forged, readers[6])))
    assert cp.stderr.startswith("ignored:"), cp.stderr
    assert show_subscriber(paper, readers[6])["suppressed_since"] is None

    second = create_issue(paper, tmp_path, subject="Tuesday")
    sink2 = sink_factory(name="sink2")
    assert_ok(run("issue", "send", second, "--wait", *data_args(paper), env=sink2.env()))
    assert sorted(sink2.recipients()) == sorted(set(readers) - set(dead))


def test_auto_replies_are_ignored_and_unsubscribe_mail_unsubscribes(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 3)
    sink = sink_factory()
    issue = create_issue(paper, tmp_path)
    assert_ok(run("issue", "send", issue, "--wait", *data_args(paper), env=sink.env()))
    copies = sent(sink)
    return_path, raw = copies[readers[0]]

    auto = (f"Delivered-To: {return_path}\r\nFrom: {readers[0]}\r\nTo: {return_path}\r\n"
            "Subject: Automatic reply: Tuesday: the news\r\nAuto-Submitted: auto-replied\r\n"
            "X-Autoreply: yes\r\n\r\nI am out of the office until Monday.\r\n").encode()
    cp = assert_ok(process(paper, auto))
    assert cp.stderr.strip() == "ignored: auto-reply"

    msg = parse_message(raw)
    mailto = re.search(r"<mailto:([^?>]+)\?subject=([^>]+)>", str(msg["List-Unsubscribe"]))
    assert mailto, msg["List-Unsubscribe"]
    subject = mailto.group(2).replace("%20", " ")
    unsub = (f"From: {readers[0]}\r\nTo: {mailto.group(1)}\r\nSubject: {subject}\r\n\r\n"
             "\r\n").encode()
    cp = assert_ok(process(paper, unsub))
    assert cp.stdout.startswith("handled: unsubscribe mail"), cp.stdout + cp.stderr
    info = show_subscriber(paper, readers[0])
    assert [s["status"] for s in info["subscriptions"]] == ["unsubscribed"]
    assert info["suppressed_since"] is None


def test_a_complaint_unsubscribes_and_suppresses(paper, tmp_path, sink_factory):
    readers = make_audience(paper, tmp_path, 2)
    sink = sink_factory()
    issue = create_issue(paper, tmp_path)
    assert_ok(run("issue", "send", issue, "--wait", *data_args(paper), env=sink.env()))
    _, raw = sent(sink)[readers[1]]
    original = raw.split(b"\r\n\r\n", 1)[0].decode()
    arf = f"""From: staff@hotmail.com
To: fbl@{DOMAIN}
Subject: complaint about message from 192.0.2.1
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: Hotmail FBL
Version: 1

--F
Content-Type: message/rfc822

{original}

(body omitted)
--F--
""".replace("\n", "\r\n").encode()
    cp = assert_ok(process(paper, arf))
    assert cp.stdout.startswith("handled: complaint"), cp.stdout + cp.stderr
    info = show_subscriber(paper, readers[1])
    assert info["suppressed_since"] is not None
    assert all(s["status"] == "unsubscribed" for s in info["subscriptions"])


def test_tempfail_when_it_cannot_be_stored_and_limits(paper, tmp_path):
    cp = run("bounce", "process", "--data", tmp_path / "no-such-folder", input="Subject: x\r\n\r\n")
    assert cp.returncode == EX_TEMPFAIL, cp.stderr
    big = b"Subject: x\r\n\r\n" + b"a" * (11 << 20)
    cp = assert_ok(process(paper, big))
    assert cp.stderr.strip() == "ignored: too large"
    cp = assert_ok(process(paper, b"not a message at all"))
    assert cp.stderr.startswith("ignored:")
    cp = assert_ok(run("suppression", "add", f"someone@{DOMAIN}", "--reason", "asked by phone",
                       *data_args(paper)))
    assert "suppressed" in cp.stdout
    assert f"someone@{DOMAIN}" in assert_ok(run("suppression", "list", *data_args(paper))).stdout
    assert_ok(run("suppression", "remove", f"someone@{DOMAIN}", *data_args(paper)))
    assert f"someone@{DOMAIN}" not in assert_ok(run("suppression", "list", *data_args(paper))).stdout
