"""The sign-up's MX check (mail.check_mx), black box: `broadsheet serve` asks a small
DNS responder started here (UDP on 127.0.0.1, standard library only) and refuses a
domain that cannot receive mail, accepts one that can, and accepts when DNS is silent.

    BROADSHEET_BIN=build/broadsheet /usr/bin/python3 -m pytest -q tests/system/test_mx.py
"""

from __future__ import annotations

import socketserver
import struct
import threading
import time
import uuid

import pytest

from conftest import DOMAIN, assert_fails, data_args, run
from signup_helpers import FAST_ROBOT, MSG_INVALID_EMAIL, error_codes, sign_up

MX, A, AAAA = 15, 1, 28

# name -> {qtype: [rdata]}; "silent" is never answered, names not listed are NXDOMAIN.
ZONES = {
    DOMAIN: {MX: [struct.pack(">H", 10) + b"\x02mx\x00"]},
    "nullmx.broadsheet-test.net": {MX: [struct.pack(">H", 0) + b"\x00"]},
    "a-only.broadsheet-test.net": {A: [bytes([192, 0, 2, 7])]},
    "nothing.broadsheet-test.net": {},
}
SILENT = "silent.broadsheet-test.net"


def dns_answer(query: bytes) -> bytes | None:
    """The reply to one DNS query from ZONES, or None to stay silent."""
    if len(query) < 12 or query[4:6] != b"\x00\x01":
        return None
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    end = i + 5
    if end > len(query):
        return None
    name = ".".join(labels)
    qtype = struct.unpack(">H", query[i + 1:i + 3])[0]
    if name == SILENT:
        return None
    zone = ZONES.get(name)
    records = zone.get(qtype, []) if zone is not None else []
    rcode = 0 if zone is not None else 3  # NXDOMAIN
    flags = 0x8480 | (query[2] & 0x01) << 8 | rcode  # QR, AA, RD copied, RA
    out = query[:2] + struct.pack(">HHHHH", flags, 1, len(records), 0, 0) + query[12:end]
    for rdata in records:
        out += struct.pack(">HHHIH", 0xC00C, qtype, 1, 300, len(rdata)) + rdata
    return out


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        self.server.queries.append(data)
        reply = dns_answer(data)
        if reply is not None:
            sock.sendto(reply, self.client_address)


@pytest.fixture(scope="module")
def dns():
    server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), _Handler)
    server.queries = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(demo, server_factory, dns):
    port = dns.server_address[1]
    return server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
                                 "BROADSHEET_MAIL_CHECK_MX": "true",
                                 "BROADSHEET_MAIL_DNS_SERVERS": f"127.0.0.1:{port}"})


def address(domain: str) -> str:
    return f"reader-{uuid.uuid4().hex[:10]}@{domain}"


def test_null_mx_domain_is_refused(site):
    r = sign_up(site, address("nullmx.broadsheet-test.net"))
    assert r.status == 422, r
    assert error_codes(r) == [("email", "invalid_email")]
    assert r.json()["errors"][0]["message"] == MSG_INVALID_EMAIL


def test_domain_with_mx_is_accepted(site):
    r = sign_up(site, address(DOMAIN))
    assert r.status == 202, r


@pytest.mark.parametrize("domain", ["no-such.broadsheet-test.net", "nothing.broadsheet-test.net"])
def test_domain_without_mail_is_refused(site, domain):
    r = sign_up(site, address(domain))
    assert r.status == 422, r
    assert error_codes(r) == [("email", "invalid_email")]


def test_domain_with_only_an_address_is_accepted(site):
    r = sign_up(site, address("a-only.broadsheet-test.net"))
    assert r.status == 202, r


def test_silent_dns_accepts_after_the_timeout(site):
    start = time.monotonic()
    r = sign_up(site, address(SILENT))
    assert r.status == 202, r
    assert time.monotonic() - start < 8


def test_check_is_off_by_default(demo, server_factory, dns):
    base = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
                                 "BROADSHEET_MAIL_DNS_SERVERS":
                                     f"127.0.0.1:{dns.server_address[1]}"})
    before = len(dns.queries)
    r = sign_up(base, address("nullmx.broadsheet-test.net"))
    assert r.status == 202, r
    assert len(dns.queries) == before, "no DNS query without mail.check_mx"


def test_bad_dns_servers_are_refused_at_start(data):
    cp = run("newsletter", "list", *data_args(data),
             env={"BROADSHEET_MAIL_DNS_SERVERS": "dns.google"})
    assert_fails(cp, "mail.dns_servers", "BROADSHEET_MAIL_DNS_SERVERS", "dns.google")
