#!/usr/bin/python3
"""A relay for the tests of src/smtp, on aiosmtpd: STARTTLS or TLS from the first byte
with the certificate the test made, AUTH PLAIN/LOGIN, SMTPUTF8, SIZE, PIPELINING on
request, 550 for chosen recipients, 553 for chosen senders.

Each accepted message lands in OUT as N.eml (the bytes as received, dots removed) and
N.env ("key: value" lines, written last, so a test that sees N.env may read both).
Commands of interest are appended to OUT/events.log. Prints "ready" once listening;
stops on SIGTERM.
"""
import argparse
import asyncio
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--tls", choices=["none", "starttls", "tls"], default="none")
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--auth", help="USER:PASSWORD; AUTH is then required")
parser.add_argument("--auth-exclude", action="append", default=[])
parser.add_argument("--smtputf8", action="store_true")
parser.add_argument("--size", type=int, default=0, help="SIZE limit; 0: none announced")
parser.add_argument("--pipelining", action="store_true")
parser.add_argument("--reject-rcpt", action="append", default=[])
parser.add_argument("--reject-sender", action="append", default=[], help="ADDRESS, or * for every one")
args = parser.parse_args()


def event(text):
    with open(os.path.join(args.out, "events.log"), "a", encoding="utf-8") as f:
        f.write(text + "\n")


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        event(f"EHLO {hostname}")
        session.host_name = hostname
        if args.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        event(f"MAIL {address} {' '.join(mail_options)}".rstrip())
        if address in args.reject_sender or "*" in args.reject_sender:
            return "553 5.7.1 <%s>: Sender address rejected: not owned by user" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in args.reject_rcpt:
            event(f"RCPT {address} refused")
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):
        event("RSET")
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        event("QUIT")
        return "221 Bye"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(args.out, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        lines = [
            f"mail_from: {envelope.mail_from}",
            f"rcpt_to: {' '.join(envelope.rcpt_tos)}",
            f"mail_options: {' '.join(envelope.mail_options)}",
            f"tls: {1 if session.ssl or server.transport.get_extra_info('ssl_object') else 0}",
            f"auth: {session.auth_data if session.authenticated else ''}",
        ]
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(base + ".tmp", base + ".env")
        return "250 2.0.0 Ok: queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, _, password = args.auth.partition(":")
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    event(f"AUTH {mechanism} {'ok' if ok else 'refused'}")
    # handled=False: aiosmtpd answers a refusal with its 535 itself.
    login = auth_data.login.decode() if ok else None
    return AuthResult(success=ok, handled=False, auth_data=login)


def main():
    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    kwargs = dict(
        hostname="127.0.0.1",
        port=args.port,
        enable_SMTPUTF8=args.smtputf8,
        data_size_limit=args.size or None,
        server_hostname="relay.test",
        ready_timeout=10,
    )
    if args.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif args.tls == "tls":
        kwargs.update(ssl_context=context)
    if args.auth:
        kwargs.update(
            authenticator=authenticator,
            auth_required=True,
            # With TLS from the first byte aiosmtpd does not know it is under TLS.
            auth_require_tls=args.tls == "starttls",
            auth_exclude_mechanism=args.auth_exclude,
        )
    controller = Controller(Handler(), **kwargs)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
