"""The sign-up's MX check (mail.check_mx), black box: `broadsheet serve` asks a small
DNS responder (dns_responder.py, UDP on 127.0.0.1, the one test_dkim.py uses) and refuses
a domain that cannot receive mail, accepts one that can, and accepts when DNS is silent.

    BROADSHEET_BIN=build/broadsheet /usr/bin/python3 -m pytest -q tests/system/test_mx.py
"""

from __future__ import annotations

import struct
import time
import uuid

import pytest

from conftest import DOMAIN, assert_fails, data_args, run
from dns_responder import A, MX, DnsResponder
from signup_helpers import FAST_ROBOT, MSG_INVALID_EMAIL, error_codes, sign_up

# name -> {qtype: [rdata]}; "silent" is never answered, names not listed are NXDOMAIN.
ZONES = {
    DOMAIN: {MX: [struct.pack(">H", 10) + b"\x02mx\x00"]},
    "nullmx.broadsheet-test.net": {MX: [struct.pack(">H", 0) + b"\x00"]},
    "a-only.broadsheet-test.net": {A: [bytes([192, 0, 2, 7])]},
    "nothing.broadsheet-test.net": {},
}
SILENT = "silent.broadsheet-test.net"


@pytest.fixture(scope="module")
def dns():
    with DnsResponder(ZONES, silent=[SILENT]) as responder:
        yield responder


@pytest.fixture
def site(demo, server_factory, dns):
    return server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
                                 "BROADSHEET_MAIL_CHECK_MX": "true",
                                 "BROADSHEET_MAIL_DNS_SERVERS": dns.address})


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
                                 "BROADSHEET_MAIL_DNS_SERVERS": dns.address})
    before = len(dns.queries)
    r = sign_up(base, address("nullmx.broadsheet-test.net"))
    assert r.status == 202, r
    assert len(dns.queries) == before, "no DNS query without mail.check_mx"


def test_bad_dns_servers_are_refused_at_start(data):
    cp = run("newsletter", "list", *data_args(data),
             env={"BROADSHEET_MAIL_DNS_SERVERS": "dns.google"})
    assert_fails(cp, "mail.dns_servers", "BROADSHEET_MAIL_DNS_SERVERS", "dns.google")
