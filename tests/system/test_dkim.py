"""DKIM keys, black box: `broadsheet dkim keygen` writes a private key (mode 0600),
enables it in broadsheet.toml changing nothing else, and prints a TXT record that
OpenSSL and dkimpy agree describes that key; `broadsheet dkim check` compares the
records that a small DNS responder (dns_responder.py, UDP on 127.0.0.1) publishes with
the keys; a key file that is too open or missing stops any command that loads the keys
with one clear line.

    BROADSHEET_BIN=build/broadsheet /usr/bin/python3 -m pytest -q tests/system/test_dkim.py
"""

from __future__ import annotations

import base64
import os
import re
import stat
import subprocess

import dkim
import pytest

from conftest import assert_fails, assert_ok, data_args, run
from dns_responder import TXT, DnsResponder, txt_rdata

DOMAIN = "news.broadsheet-test.net"


@pytest.fixture
def dns():
    with DnsResponder() as responder:
        yield responder


def publish(dns, records: dict):
    """Makes `records` (name -> [TXT text]) the only ones DNS answers with."""
    dns.zones = {name: {TXT: [txt_rdata(t) for t in texts]} for name, texts in records.items()}


def dns_env(dns) -> dict:
    return {"BROADSHEET_MAIL_DNS_SERVERS": dns.address}


def keygen(data, selector, algo, *extra, env=None):
    return run("dkim", "keygen", "--domain", DOMAIN, "--selector", selector, "--algo", algo,
               *extra, *data_args(data), env=env)


def published(stdout: str) -> tuple[str, str]:
    """The (name, value) of the zone-file line keygen prints: its quoted strings joined."""
    lines = [line for line in stdout.splitlines() if " IN TXT " in line]
    assert len(lines) == 1, stdout
    name, _, rest = lines[0].partition(". IN TXT ")
    strings = re.findall(r'"([^"]*)"', rest)
    assert all(len(s) <= 255 for s in strings), lines[0]
    assert rest == " ".join(f'"{s}"' for s in strings), lines[0]
    return name, "".join(strings)


def tags(record: str) -> dict:
    return {k.strip(): v.strip() for k, _, v in
            (part.partition("=") for part in record.split(";") if part.strip())}


def openssl_public_key(key_file) -> bytes:
    """The key's public half as OpenSSL derives it: SubjectPublicKeyInfo DER."""
    return subprocess.run(["openssl", "pkey", "-in", str(key_file), "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout


def config_keys(data) -> str:
    text = (data / "broadsheet.toml").read_text()
    section = text.split("\n[dkim]\n", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^keys = "(.*)"$', section, re.M)
    assert match, section
    return match.group(1)


def test_keygen_ed25519_writes_the_key_enables_it_and_prints_its_record(data):
    before = (data / "broadsheet.toml").read_text()
    cp = assert_ok(keygen(data, "2026e", "ed25519"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-2026e.pem"
    assert f"wrote {key_file} (ed25519, mode 0600)" in cp.stdout
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")

    # broadsheet.toml: the dkim.keys line changed, every other byte kept.
    after = (data / "broadsheet.toml").read_text()
    entry = f"{DOMAIN}:2026e:ed25519:secrets/dkim-{DOMAIN}-2026e.pem"
    assert config_keys(data) == entry
    assert after.replace(f'keys = "{entry}"', 'keys = ""') == before

    name, record = published(cp.stdout)
    assert name == f"2026e._domainkey.{DOMAIN}"
    t = tags(record)
    assert t["v"] == "DKIM1" and t["k"] == "ed25519"
    # RFC 8463: p= is the raw 32-byte key, the tail of OpenSSL's SubjectPublicKeyInfo.
    assert base64.b64decode(t["p"]) == openssl_public_key(key_file)[-32:]
    pk, _, ktag, _ = dkim.evaluate_pk(name.encode(), record.encode())
    assert ktag == b"ed25519" and bytes(pk) == base64.b64decode(t["p"])


def test_keygen_rsa_beside_ed25519_gives_dual_signing_keys(data):
    assert_ok(keygen(data, "2026e", "ed25519"))
    cp = assert_ok(keygen(data, "2026r", "rsa"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-2026r.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    text = subprocess.run(["openssl", "pkey", "-in", str(key_file), "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    assert "2048 bit" in text
    assert config_keys(data) == (
        f"{DOMAIN}:2026e:ed25519:secrets/dkim-{DOMAIN}-2026e.pem,"
        f"{DOMAIN}:2026r:rsa:secrets/dkim-{DOMAIN}-2026r.pem")
    name, record = published(cp.stdout)
    t = tags(record)
    assert t["k"] == "rsa"
    assert base64.b64decode(t["p"]) == openssl_public_key(key_file)
    _, keysize, ktag, _ = dkim.evaluate_pk(name.encode(), record.encode())
    assert ktag == b"rsa" and keysize == 2048


def test_no_enable_writes_only_the_key(data):
    before = (data / "broadsheet.toml").read_bytes()
    cp = assert_ok(keygen(data, "spare", "ed25519", "--no-enable"))
    assert (data / "secrets" / f"dkim-{DOMAIN}-spare.pem").exists()
    assert (data / "broadsheet.toml").read_bytes() == before
    assert "not enabled" in cp.stdout
    published(cp.stdout)


def test_a_selector_is_not_used_twice_and_a_key_never_replaced(data):
    assert_ok(keygen(data, "s1", "ed25519"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-s1.pem"
    key = key_file.read_bytes()
    toml = (data / "broadsheet.toml").read_bytes()
    assert_fails(keygen(data, "s1", "rsa"), "already has a key", f"s1._domainkey.{DOMAIN}")
    assert_fails(keygen(data, "s1", "rsa", "--no-enable"), "already exists", str(key_file))
    assert key_file.read_bytes() == key
    assert (data / "broadsheet.toml").read_bytes() == toml


@pytest.mark.parametrize("args, fragment", [
    (["--domain", "localhost", "--selector", "s", "--algo", "rsa"], "--domain"),
    (["--domain", "192.0.2.1", "--selector", "s", "--algo", "rsa"], "IP address"),
    (["--domain", "10.0.0.7", "--selector", "s", "--algo", "ed25519"], "IP address"),
    (["--domain", "xn--zz.broadsheet-test.net", "--selector", "s", "--algo", "rsa"],
     "not a valid internationalised domain"),
    (["--domain", "ab--cd.broadsheet-test.net", "--selector", "s", "--algo", "rsa"],
     "xn-- A-label"),
    (["--domain", DOMAIN, "--selector", "a_b", "--algo", "rsa"], "--selector"),
    (["--domain", DOMAIN, "--selector", "s", "--algo", "dsa"], "--algo"),
])
def test_keygen_refuses_bad_arguments(data, args, fragment):
    cp = run("dkim", "keygen", *args, *data_args(data))
    assert_fails(cp, fragment)
    assert not list((data / "secrets").glob("dkim-*"))


def test_check_says_whether_each_published_record_matches(data, dns):
    name_e, record_e = published(assert_ok(keygen(data, "2026e", "ed25519")).stdout)
    name_r, record_r = published(assert_ok(keygen(data, "2026r", "rsa")).stdout)

    publish(dns, {name_e: [record_e], name_r: [record_r]})
    cp = assert_ok(run("dkim", "check", *data_args(data), env=dns_env(dns)))
    assert f"{name_e} (ed25519): ok" in cp.stdout
    assert f"{name_r} (rsa): ok" in cp.stdout

    # Another key published for the Ed25519 selector; nothing for the RSA one.
    ours = tags(record_e)["p"]
    other_p = base64.b64encode(bytes(32)).decode()
    publish(dns, {name_e: [f"v=DKIM1; k=ed25519; p={other_p}"]})
    cp = run("dkim", "check", *data_args(data), env=dns_env(dns))
    assert_fails(cp, "2 of 2 DKIM records do not match")
    assert f"{name_e} (ed25519): MISMATCH, the record publishes a different key" in cp.stdout
    assert f"{name_r} (rsa): MISMATCH, no TXT record is published" in cp.stdout
    assert ours in cp.stdout  # what to publish instead

    # A revoked key (empty p=) and two records at one name.
    publish(dns, {name_e: ["v=DKIM1; k=ed25519; p="], name_r: [record_r, "v=spf1 -all"]})
    cp = run("dkim", "check", *data_args(data), env=dns_env(dns))
    assert_fails(cp, "2 of 2")
    assert "revokes the key" in cp.stdout
    assert "2 TXT records are published" in cp.stdout


def test_check_needs_a_key(data, dns):
    assert_fails(run("dkim", "check", *data_args(data), env=dns_env(dns)), "dkim keygen")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_open_to_others_stops_the_command(data, dns, mode):
    assert_ok(keygen(data, "2026e", "ed25519"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-2026e.pem"
    os.chmod(key_file, mode)
    cp = run("dkim", "check", *data_args(data), env=dns_env(dns))
    assert_fails(cp, str(key_file), f"mode 0{mode:o}", "chmod 600")


def test_a_missing_key_file_stops_the_command(data, dns):
    assert_ok(keygen(data, "2026e", "ed25519"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-2026e.pem"
    key_file.unlink()
    cp = run("dkim", "check", *data_args(data), env=dns_env(dns))
    assert_fails(cp, str(key_file), "does not exist")


def test_a_key_of_the_wrong_kind_stops_the_command(data, dns):
    assert_ok(keygen(data, "2026e", "ed25519", "--no-enable"))
    key_file = f"secrets/dkim-{DOMAIN}-2026e.pem"
    env = {**dns_env(dns), "BROADSHEET_DKIM_KEYS": f"{DOMAIN}:2026e:rsa:{key_file}"}
    assert_fails(run("dkim", "check", *data_args(data), env=env), "not an rsa key")


def test_a_malformed_setting_is_refused_at_start(data):
    cp = run("newsletter", "list", *data_args(data),
             env={"BROADSHEET_DKIM_KEYS": f"{DOMAIN}:s1:rsa"})
    assert_fails(cp, "dkim.keys", "BROADSHEET_DKIM_KEYS", "domain:selector:algorithm:path")


@pytest.mark.parametrize("spoil", ["chmod 644", "remove"])
def test_serve_refuses_to_start_with_a_bad_key_file(data, spoil):
    assert_ok(keygen(data, "2026e", "ed25519"))
    key_file = data / "secrets" / f"dkim-{DOMAIN}-2026e.pem"
    if spoil == "remove":
        key_file.unlink()
    else:
        os.chmod(key_file, 0o644)
    cp = run("serve", "--listen", "127.0.0.1:0", *data_args(data), timeout=30)
    assert cp.returncode != 0
    # Log lines (time-stamped) may come first; the error is one line of its own.
    errors = [line for line in cp.stderr.splitlines() if line.startswith("broadsheet: ")]
    assert len(errors) == 1, cp.stderr
    assert str(key_file) in errors[0]
    assert ("does not exist" if spoil == "remove" else "chmod 600") in errors[0]
