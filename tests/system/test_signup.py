"""Reader sign-up, black box over HTTP: the JSON API and its robot check, the
confirmation email in the outbox, the confirm / unsubscribe / preferences links, the
no-JavaScript form, rate limits, malformed input, the consent ledger, and that no
answer tells whether an address is already on a list.

    BROADSHEET_BIN=build/broadsheet /usr/bin/python3 -m pytest -q tests/system/test_signup.py

Most tests share one server (module scope) on a demo publication with one private
newsletter, cheap robot checks and rate limits off; every test uses addresses of its
own. Tests that need other settings start servers of their own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import urllib.parse

import pytest

from conftest import (DOMAIN, assert_ok, copy_data_folder, data_args, get, parse_responses,
                      raw_exchange, request, run, start_server, subscriber)
from signup_helpers import (API, CHALLENGE, FAST_ROBOT, MSG_INVALID_EMAIL,
                            MSG_NO_NEWSLETTER, MSG_RATE_LIMITED, MSG_ROBOT, MSG_SUCCESS,
                            MSG_UNKNOWN_NEWSLETTER, b64json, confirmation, db_rows,
                            decode_token, error_codes, fetch_challenge, link_key, links,
                            messages_to, new_address, outbox_files, page, post_form,
                            post_json, robot, sign_token, sign_up,
                            solve_v1_number, statuses, tamper, text_of, unb64json,
                            v1_payload, v2_key, v2_payload, v2_solutions,
                            wait_for_next_second)

PRIVATE = "staff-only"  # a private newsletter added to the demo publication
PUBLIC = ["morning-briefing", "the-long-read", "breaking-news"]
NAMES = {"morning-briefing": "Morning Briefing", "the-long-read": "The Long Read",
         "breaking-news": "Breaking News"}
CONSENT_VERSION = "consent-test-7"

# Token purposes of src/links/token.hpp.
CONFIRM, UNSUBSCRIBE, PREFERENCES = 1, 2, 3


# --- servers ----------------------------------------------------------------------------


def _publication(tmp, templates):
    data = tmp / "data"
    copy_data_folder(templates["demo"], data)
    assert_ok(run("newsletter", "add", "--slug", PRIVATE, "--name", "Staff Only",
                  "--description", "For the newsroom only", "--private", *data_args(data)))
    return data


class _Servers:
    """Starts servers on copies of the demo publication; stops them at the end and
    requires a clean exit."""

    def __init__(self, tmp_path_factory, templates):
        self.factory = tmp_path_factory
        self.templates = templates
        self.started = []

    def start(self, env: dict):
        tmp = self.factory.mktemp("signup")
        data = _publication(tmp, self.templates)
        s = start_server(data, tmp, env)
        self.started.append(s)
        return s

    def stop(self):
        problems = []
        for s in self.started:
            code, _ = s.terminate()
            if code != 0:
                problems.append(f"port {s.port}: exit {code}\n{s.log()[-2000:]}")
        assert not problems, "servers did not stop cleanly:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, _templates):
    s = _Servers(tmp_path_factory, _templates)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def site(servers):
    """The shared server: cheap robot checks, rate limits off, a confirmation sent at
    every sign-up of an unconfirmed address (resend window 0), default robot version
    (2) with v1 accepted too, so that both versions' checks are tried here."""
    return servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
                          "BROADSHEET_ROBOT_ACCEPT_PREVIOUS": "true",
                          "BROADSHEET_SIGNUP_RESEND_WINDOW": "0",
                          "BROADSHEET_SIGNUP_CONSENT_VERSION": CONSENT_VERSION})


@pytest.fixture(scope="module", autouse=True)
def _expiring(servers):
    """A server whose challenges live 10 s, and one solved challenge of each version
    taken from it when this module starts. test_expired_robot_check_is_refused (last in
    the file) waits only for what is left of the 10 s, so the wait costs little."""
    s = servers.start({**FAST_ROBOT, "BROADSHEET_ROBOT_EXPIRES": "10",
                       "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
                       "BROADSHEET_ROBOT_ACCEPT_PREVIOUS": "true"})
    solved = {v: robot(s, v) for v in ("1", "2")}
    return {"server": s, "solved": solved, "at": time.time()}


def ok_signup(base, address, newsletters=("morning-briefing",), **kw):
    r = sign_up(base, address, newsletters, **kw)
    assert r.status == 202, r
    return r


def signed_up(site, address=None, newsletters=("morning-briefing",), **kw):
    """Signs up a new address; returns (address, its confirmation email, its links)."""
    address = address or new_address()
    ok_signup(site, address, newsletters, **kw)
    msg = confirmation(site.data, address)
    return address, msg, links(msg)


# --- the challenge ------------------------------------------------------------------------


def test_v1_challenge(site):
    r = get(site, f"{CHALLENGE}?v=1")
    assert r.status == 200
    assert "no-store" in r.headers.get("cache-control", "")
    c = r.json()
    assert set(c) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert c["algorithm"] == "SHA-256"
    assert c["maxnumber"] == 1000
    assert re.fullmatch(r"[0-9a-f]{64}", c["challenge"])
    expires = int(re.search(r"\?expires=(\d+)&$", c["salt"]).group(1))
    assert abs(expires - (time.time() + 600)) < 30
    assert fetch_challenge(site, "1")["challenge"] != c["challenge"], "challenges must be random"


def test_v2_challenge(site):
    r = get(site, f"{CHALLENGE}?v=2")
    assert r.status == 200
    assert "no-store" in r.headers.get("cache-control", "")
    c = r.json()
    assert set(c) == {"parameters", "signature"}
    p = c["parameters"]
    assert p["algorithm"] == "PBKDF2/SHA-256"
    assert p["cost"] == 10 and p["keyPrefix"] == "0" and p["keyLength"] == 32
    assert re.fullmatch(r"[0-9a-f]{32}", p["nonce"]) and re.fullmatch(r"[0-9a-f]{32}", p["salt"])
    assert abs(p["expiresAt"] - (time.time() + 600)) < 30
    assert fetch_challenge(site, "2")["parameters"]["nonce"] != p["nonce"]


def test_challenge_without_version_is_the_configured_default(site, servers):
    # [robot] version defaults to 2.
    assert "parameters" in fetch_challenge(site, None)
    v1_default = servers.start({**FAST_ROBOT, "BROADSHEET_ROBOT_VERSION": "1"})
    c = fetch_challenge(v1_default, None)
    assert "maxnumber" in c and "parameters" not in c
    # Only the configured version is issued (test_attacks_signup.py tries downgrades).
    assert get(v1_default, f"{CHALLENGE}?v=2").status == 400


@pytest.mark.parametrize("v", ["3", "0", "abc", "1.0", "%201", "11"])
def test_unknown_challenge_version_is_400(site, v):
    r = get(site, f"{CHALLENGE}?v={v}")
    assert r.status == 400, r
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == "invalid_version"


# --- good sign-ups -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_good_signup_is_202_pending_confirmation(site, version):
    address = new_address()
    r = sign_up(site, address, ["morning-briefing"], version=version, name="Rea Der")
    assert r.status == 202, r
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"status": "pending_confirmation", "message": MSG_SUCCESS}
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    assert len(messages_to(site.data, address)) == 1


def test_signup_to_several_newsletters_and_duplicates(site):
    address = new_address()
    ok_signup(site, address, ["the-long-read", "breaking-news", "the-long-read"])
    assert statuses(site.data, address) == {"the-long-read": "unconfirmed",
                                            "breaking-news": "unconfirmed"}
    msgs = messages_to(site.data, address)
    assert len(msgs) == 1
    text = text_of(msgs[0])
    assert "The Long Read" in text and "Breaking News" in text
    assert text.count("The Long Read") == 1


def test_address_is_normalised_and_kept_for_display(site):
    local = f"Mixed.Case-{time.time_ns()}"
    ok_signup(site, f"  {local}@MAIL.Broadsheet-Test.NET ", ["morning-briefing"])
    s = subscriber(site.data, f"{local}@{DOMAIN}") or subscriber(site.data,
                                                               f"{local.lower()}@{DOMAIN}")
    assert s is not None, "the sign-up is not findable by its normalised address"
    assert s["email"].endswith("@" + DOMAIN)


# --- refused sign-ups: every error at once ---------------------------------------------------


BAD_ADDRESSES = [
    "", "plain", "no-at-sign.net", "a@", "@mail.broadsheet-test.net", "a b@broadsheet-test.net",
    "a@@broadsheet-test.net", "a@broadsheet-test..net", "a@-broadsheet-test.net",
    "reader@example.com",  # a reserved domain: refused by default
    "reader@localhost", "x" * 65 + "@broadsheet-test.net", "a@" + "b" * 250 + ".net",
    f"a@{DOMAIN}\r\nBcc: victim@{DOMAIN}", f"a@{DOMAIN}, b@{DOMAIN}",
    f"Someone <a@{DOMAIN}>", f"a@{DOMAIN}\x00", "\u00e9\u00e9@broadsheet-test.net",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_invalid_email(site, address):
    r = sign_up(site, address, ["morning-briefing"])
    assert r.status == 422, r
    assert r.json() == {"errors": [{"field": "email", "code": "invalid_email",
                                    "message": MSG_INVALID_EMAIL}]}


def test_invalid_email_is_not_recorded_and_sends_nothing(site):
    before = len(outbox_files(site.data))
    r = sign_up(site, f"a@{DOMAIN}\r\nBcc: victim@{DOMAIN}", ["morning-briefing"])
    assert r.status == 422
    assert len(outbox_files(site.data)) == before


def test_all_errors_are_reported_at_once(site):
    r = post_json(site, {"email": "not an address", "newsletters": ["no-such-letter"]})
    assert r.status == 422
    assert error_codes(r) == [("altcha", "robot_check_failed"), ("email", "invalid_email"),
                              ("newsletters", "unknown_newsletter")]
    messages = {e["code"]: e["message"] for e in r.json()["errors"]}
    assert messages == {"robot_check_failed": MSG_ROBOT, "invalid_email": MSG_INVALID_EMAIL,
                        "unknown_newsletter": MSG_UNKNOWN_NEWSLETTER}


@pytest.mark.parametrize("body", [
    {}, {"newsletters": []}, {"newsletters": None},
], ids=["missing", "empty", "null"])
def test_no_newsletter(site, body):
    r = post_json(site, {"email": new_address(), "altcha": robot(site), **body})
    assert r.status == 422, r
    assert r.json() == {"errors": [{"field": "newsletters", "code": "no_newsletter",
                                    "message": MSG_NO_NEWSLETTER}]}


@pytest.mark.parametrize("slugs", [
    ["no-such-letter"], [PRIVATE], ["morning-briefing", PRIVATE], ["Morning-Briefing"],
    ["../morning-briefing"], ["morning-briefing", "nope"], [""], ["morning-briefing"] * 21,
    ["x" * 5000],
], ids=["unknown", "private", "public+private", "uppercase", "dots", "public+unknown",
        "empty-slug", "21", "long"])
def test_unknown_newsletter(site, slugs):
    address = new_address()
    r = post_json(site, {"email": address, "newsletters": slugs, "altcha": robot(site)})
    assert r.status == 422, r
    assert r.json() == {"errors": [{"field": "newsletters", "code": "unknown_newsletter",
                                    "message": MSG_UNKNOWN_NEWSLETTER}]}
    assert subscriber(site.data, address) is None


def test_private_newsletter_is_refused_and_nothing_recorded(site):
    address = new_address()
    r = sign_up(site, address, [PRIVATE])
    assert r.status == 422
    assert subscriber(site.data, address) is None
    assert messages_to(site.data, address) == []


def test_a_newsletter_made_private_is_no_longer_offered(servers):
    s = servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off"})
    ok_signup(s, new_address(), ["breaking-news"])
    # Made private while the server runs: the next sign-up is refused.
    assert_ok(run("newsletter", "update", "breaking-news", "--private", *data_args(s.data)))
    r = sign_up(s, new_address(), ["breaking-news"])
    assert r.status == 422 and error_codes(r) == [("newsletters", "unknown_newsletter")]


# --- the robot check ---------------------------------------------------------------------------


def _robot_refused(site, altcha, address=None):
    address = address or new_address()
    r = post_json(site, {"email": address, "newsletters": ["morning-briefing"],
                         **({} if altcha is None else {"altcha": altcha})})
    assert r.status == 422, r
    assert r.json() == {"errors": [{"field": "altcha", "code": "robot_check_failed",
                                    "message": MSG_ROBOT}]}
    assert subscriber(site.data, address) is None
    return r


@pytest.mark.parametrize("altcha", [
    None, "", "garbage", "not base64 !!!", base64.b64encode(b"garbage").decode(),
    b64json({}), b64json([]), b64json({"test": True}), b64json("x"), "{}",
    "A" * 5000, b64json({"algorithm": "SHA-256"}),
], ids=["missing", "empty", "garbage", "not-base64", "b64-garbage", "b64-empty-object",
        "b64-array", "widget-test-mode", "b64-string", "raw-empty-object", "huge",
        "incomplete"])
def test_robot_check_missing_or_garbage(site, altcha):
    _robot_refused(site, altcha)


def test_v1_wrong_number(site):
    c = fetch_challenge(site, "1")
    n = solve_v1_number(c)
    _robot_refused(site, v1_payload(c, (n + 1) % 1001))
    _robot_refused(site, v1_payload(c, n + 1001))  # outside [0, maxnumber] too


def test_v1_tampered_signature(site):
    c = fetch_challenge(site, "1")
    n = solve_v1_number(c)
    sig = c["signature"]
    forged = dict(c, signature=("0" if sig[0] != "0" else "1") + sig[1:])
    _robot_refused(site, v1_payload(forged, n))
    # Still good afterwards: the refusals did not spend it.
    ok_signup(site, new_address(), altcha=v1_payload(c, n))


def test_v1_forged_challenge_of_our_own(site):
    """A challenge the attacker made (hash of a salt and number of their choosing) has no
    valid signature; the signature of another challenge does not fit it."""
    real = fetch_challenge(site, "1")
    salt = "00" * 12 + f"?expires={int(time.time()) + 600}&"
    forged = {"algorithm": "SHA-256", "challenge": hashlib.sha256((salt + "7").encode()).hexdigest(),
              "salt": salt, "signature": real["signature"]}
    _robot_refused(site, v1_payload(forged, 7))


def test_v1_salt_with_a_later_expiry(site):
    c = fetch_challenge(site, "1")
    n = solve_v1_number(c)
    later = re.sub(r"expires=\d+", f"expires={int(time.time()) + 86400 * 365}", c["salt"])
    _robot_refused(site, v1_payload(dict(c, salt=later), n))


def test_v2_wrong_counter_or_key(site):
    c = fetch_challenge(site, "2")
    counter, key = next(v2_solutions(c))
    wrong = next(i for i in range(counter + 1, counter + 1000)
                 if not v2_key(c["parameters"], i).startswith("0"))
    _robot_refused(site, v2_payload(c, wrong, v2_key(c["parameters"], wrong)))
    _robot_refused(site, v2_payload(c, counter + 1, key))  # the key of another counter
    _robot_refused(site, v2_payload(c, counter, "0" * 64))  # a key with the prefix, not derived
    ok_signup(site, new_address(), altcha=v2_payload(c, counter, key))


@pytest.mark.parametrize("change", [
    {"cost": 1}, {"keyPrefix": ""}, {"expiresAt": 4102444800}, {"algorithm": "SHA-256"},
    {"keyLength": 16}, {"nonce": "00" * 16},
], ids=["cost", "prefix", "expiry", "algorithm", "key-length", "nonce"])
def test_v2_tampered_parameters(site, change):
    c = fetch_challenge(site, "2")
    forged = {"parameters": {**c["parameters"], **change}, "signature": c["signature"]}
    if forged["parameters"]["algorithm"] == "PBKDF2/SHA-256":
        counter, key = next(v2_solutions(forged))
    else:
        counter, key = 0, "ab" * 32
    _robot_refused(site, v2_payload(forged, counter, key))


def test_v2_tampered_signature(site):
    c = fetch_challenge(site, "2")
    counter, key = next(v2_solutions(c))
    sig = c["signature"]
    forged = dict(c, signature=sig[:-1] + ("0" if sig[-1] != "0" else "1"))
    _robot_refused(site, v2_payload(forged, counter, key))


@pytest.mark.parametrize("version", ["1", "2"])
def test_replayed_robot_check_is_refused(site, version):
    payload = robot(site, version)
    ok_signup(site, new_address(), altcha=payload)
    _robot_refused(site, payload)
    # The same solution re-encoded (another "took", raw JSON instead of base64) is the
    # same challenge, spent too.
    obj = unb64json(payload)
    if version == "1":
        obj["took"] = 999
    else:
        obj["solution"]["time"] = 999
    _robot_refused(site, b64json(obj))
    _robot_refused(site, json.dumps(obj))


def test_replay_through_the_html_form_is_refused(site):
    payload = robot(site, "1")
    ok_signup(site, new_address(), altcha=payload)
    address = new_address()
    r = post_form(site, "/subscribe", [("email", address), ("newsletters", "morning-briefing"),
                                       ("altcha", payload), ("page", "/subscribe")])
    assert r.status == 422
    assert MSG_ROBOT in page(r).text
    assert subscriber(site.data, address) is None


def test_another_solution_of_a_spent_v2_challenge_is_refused(site):
    c = fetch_challenge(site, "2")
    solutions = v2_solutions(c)
    first, second = next(solutions), next(solutions)
    ok_signup(site, new_address(), altcha=v2_payload(c, *first))
    _robot_refused(site, v2_payload(c, *second))


def test_refused_signup_does_not_spend_the_robot_check(site):
    """A typo in the address must not cost the reader a new proof of work."""
    payload = robot(site, "2")
    r = post_json(site, {"email": "typo@", "newsletters": ["morning-briefing"],
                         "altcha": payload})
    assert r.status == 422 and error_codes(r) == [("email", "invalid_email")]
    r = post_json(site, {"email": new_address(), "newsletters": [PRIVATE], "altcha": payload})
    assert r.status == 422 and error_codes(r) == [("newsletters", "unknown_newsletter")]
    ok_signup(site, new_address(), altcha=payload)


def test_robot_check_of_another_server_is_refused(site, servers, tmp_path):
    # A data folder of its own `init`, so another secret key. (The test servers are
    # copies of one template folder and so share theirs.)
    data = tmp_path / "other"
    assert_ok(run("init", *data_args(data)))
    other = start_server(data, tmp_path, {**FAST_ROBOT, "BROADSHEET_ROBOT_ACCEPT_PREVIOUS": "on"})
    servers.started.append(other)
    _robot_refused(site, robot(other, "1"))
    _robot_refused(site, robot(other, "2"))


# --- the confirmation email ------------------------------------------------------------------------


def test_confirmation_email(site):
    address, msg, l = signed_up(site, newsletters=["morning-briefing"], name="Rea Der")
    assert msg.defects == []
    for part in msg.walk():
        assert part.defects == [], (part.get_content_type(), part.defects)
    assert msg["To"].addresses[0].addr_spec == address
    assert len(msg["To"].addresses) == 1
    assert msg["To"].addresses[0].display_name == "Rea Der"
    assert "Morning Briefing" in msg["Subject"]
    assert msg["From"] and msg["Date"] and msg["Message-ID"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert l["unsubscribe_url"].startswith(site.url + "/u/")
    text = text_of(msg)
    assert f"{site.url}/confirm/" in text
    assert "Morning Briefing" in text
    html_body = text_of(msg, "html")
    assert l["confirm"] in html_body
    tokens = {k: l[k].rsplit("/", 1)[1] for k in ("confirm", "preferences", "unsubscribe")}
    for t in tokens.values():
        assert len(t) == 56 and re.fullmatch(r"[A-Za-z0-9_-]+", t)
    assert len(set(tokens.values())) == 3


def test_subject_of_a_multi_newsletter_confirmation_names_the_publication(site):
    _, msg, _ = signed_up(site, newsletters=["the-long-read", "breaking-news"])
    assert "The Daily Broadsheet" in msg["Subject"]
    assert msg.defects == []


def test_unicode_name_in_the_confirmation(site):
    _, msg, _ = signed_up(site, name="Zoë Ångström-Łukasz")
    assert msg.defects == []
    assert msg["To"].addresses[0].display_name == "Zoë Ångström-Łukasz"
    assert "Hello Zoë Ångström-Łukasz," in text_of(msg)


@pytest.mark.parametrize("name", [
    f"Eve <evil@{DOMAIN}>", f"evil@{DOMAIN}, other", 'Doe, "John" (x) <y>;',
])
def test_a_name_cannot_add_recipients(site, name):
    address, msg, _ = signed_up(site, name=name)
    assert msg.defects == []
    assert [a.addr_spec for a in msg["To"].addresses] == [address]
    assert msg["Cc"] is None and msg["Bcc"] is None
    assert str(msg["Delivered-To"]).strip() == address


@pytest.mark.parametrize("name", ["Eve\r\nBcc: victim@" + DOMAIN, "Eve\nX: y", "tab\x07bell",
                                  "n" * 201])
def test_invalid_name(site, name):
    address = new_address()
    r = sign_up(site, address, name=name)
    assert r.status == 422, r
    assert error_codes(r) == [("name", "invalid_name")]
    assert messages_to(site.data, address) == []


def test_confirm_token_expires_after_the_configured_days(site):
    """The confirm link's expiry cannot be reached in a test ([signup]
    confirm_expiry_days is at least 1), so this checks the expiry the server writes
    into the token and states in the email (7 days by default)."""
    address, msg, l = signed_up(site)
    claims = decode_token(l["confirm"].rsplit("/", 1)[1])
    assert claims["purpose"] == CONFIRM
    assert abs(claims["expires"] - (time.time() + 7 * 86400)) < 60
    assert "within 7 days" in text_of(msg)
    for kind, purpose in (("unsubscribe", UNSUBSCRIBE), ("preferences", PREFERENCES)):
        c = decode_token(l[kind].rsplit("/", 1)[1])
        assert c["purpose"] == purpose and c["expires"] == 0  # old emails keep working


def test_confirm_link_past_its_expiry_is_refused(site):
    """An expired confirm token, signed with the data folder's own key (the format is
    that of src/links/token.hpp): the server refuses it as expired (410), while the same
    claims with a future expiry are accepted, which shows the key and format are right."""
    address, _, l = signed_up(site)
    claims = decode_token(l["confirm"].rsplit("/", 1)[1])
    key = link_key(site.data)
    assert sign_token(key, CONFIRM, claims["subscriber"], claims["newsletter"],
                      claims["expires"]) == l["confirm"].rsplit("/", 1)[1]
    expired = sign_token(key, CONFIRM, claims["subscriber"], claims["newsletter"],
                         int(time.time()) - 1)
    for method in ("GET", "POST"):
        r = request(site, method, f"/confirm/{expired}")
        assert r.status == 410, r
        assert "expired" in page(r).text.lower()
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


# --- confirm ------------------------------------------------------------------------------------


def test_get_confirm_shows_a_button_and_confirms_nothing(site):
    address, _, l = signed_up(site)
    for _ in range(3):  # as a mail scanner prefetching the link would
        r = get(site, l["confirm"])
        assert r.status == 200, r
        p = page(r)
        assert len(p.buttons) == 1
        assert any(f.get("method", "").lower() == "post" and f.get("action") == l["confirm"]
                   for f in p.forms)
        assert address in p.text and "Morning Briefing" in p.text
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


def test_post_confirm_confirms(site):
    address, _, l = signed_up(site, newsletters=["morning-briefing", "the-long-read"])
    r = request(site, "POST", l["confirm"])
    assert r.status == 200, r
    assert "subscribed" in page(r).text.lower()
    assert statuses(site.data, address) == {"morning-briefing": "confirmed",
                                            "the-long-read": "confirmed"}
    # Again: harmless, and the page now has nothing left to confirm.
    assert request(site, "POST", l["confirm"]).status == 200
    r = get(site, l["confirm"])
    assert r.status == 200 and page(r).buttons == []
    assert statuses(site.data, address) == {"morning-briefing": "confirmed",
                                            "the-long-read": "confirmed"}


@pytest.mark.parametrize("index", [0, 1, 10, 30, -1])
def test_tampered_confirm_token_is_400(site, index):
    address, _, l = signed_up(site)
    bad = "/confirm/" + tamper(l["confirm"].rsplit("/", 1)[1], index)
    for method in ("GET", "POST"):
        r = request(site, method, bad)
        assert r.status == 400, r
        assert "not valid" in page(r).text
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


@pytest.mark.parametrize("token", ["x", "A" * 55, "A" * 57, "A" * 56, "%00" * 3, "....",
                                   "A" * 55 + "="])
def test_malformed_confirm_token_is_400(site, token):
    for method in ("GET", "POST"):
        r = request(site, method, "/confirm/" + token)
        assert r.status in (400, 404), r
        assert r.status != 500


def test_tokens_of_another_purpose_are_refused(site):
    address, _, l = signed_up(site)
    tok = {k: l[k].rsplit("/", 1)[1] for k in ("confirm", "preferences", "unsubscribe")}
    cases = [("/confirm/", "preferences"), ("/confirm/", "unsubscribe"),
             ("/u/", "confirm"), ("/u/", "preferences"), ("/p/", "confirm"),
             ("/p/", "unsubscribe")]
    for prefix, kind in cases:
        for method in ("GET", "POST"):
            body = b"List-Unsubscribe=One-Click" if prefix == "/u/" else b""
            r = request(site, method, prefix + tok[kind], body=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert r.status == 400, (prefix, kind, method, r)
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


# --- unsubscribe ------------------------------------------------------------------------------------


def test_unsubscribe_page_has_one_button_and_changes_nothing(site):
    address, _, l = signed_up(site)
    request(site, "POST", l["confirm"])
    for method in ("GET", "HEAD"):
        r = request(site, method, l["unsubscribe"])
        assert r.status == 200, r
    p = page(get(site, l["unsubscribe"]))
    assert len(p.buttons) == 1
    assert any(f.get("method", "").lower() == "post" and f.get("action") == l["unsubscribe"]
               for f in p.forms)
    assert address in p.text
    assert statuses(site.data, address) == {"morning-briefing": "confirmed"}


def test_one_click_unsubscribe(site):
    """RFC 8058: a POST with List-Unsubscribe=One-Click, no cookie, no JavaScript."""
    address, _, l = signed_up(site, newsletters=["morning-briefing", "the-long-read"])
    request(site, "POST", l["confirm"])
    r = post_form(site, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click")
    assert r.status == 200, r
    assert "set-cookie" not in r.headers
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed",
                                            "the-long-read": "unsubscribed"}
    # Again (mail providers retry): still fine.
    assert post_form(site, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click").status == 200


def test_one_click_unsubscribe_of_an_unconfirmed_address(site):
    address, _, l = signed_up(site)
    r = post_form(site, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click")
    assert r.status == 200, r
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed"}
    # The old confirm link no longer resubscribes... or at least confirms nothing new.
    request(site, "POST", l["confirm"])
    assert statuses(site.data, address)["morning-briefing"] in ("unsubscribed",)


def test_unsubscribe_button_of_the_page(site):
    address, _, l = signed_up(site)
    r = post_form(site, l["unsubscribe"], raw=b"")
    assert r.status == 200, r
    assert "unsubscribed" in page(r).text.lower()
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed"}


def test_tampered_unsubscribe_token_is_400(site):
    address, _, l = signed_up(site)
    r = post_form(site, "/u/" + tamper(l["unsubscribe"].rsplit("/", 1)[1], 5),
                  raw=b"List-Unsubscribe=One-Click")
    assert r.status == 400
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


# --- preferences --------------------------------------------------------------------------------------


def test_preferences_page_lists_public_newsletters(site):
    address, _, l = signed_up(site)
    r = get(site, l["preferences"])
    assert r.status == 200, r
    p = page(r)
    assert p.checkboxes("newsletters") == {"morning-briefing": True, "the-long-read": False,
                                           "breaking-news": False}
    for name in NAMES.values():
        assert name in p.text
    assert "Staff Only" not in p.text
    assert address in p.text


def test_preferences_turn_one_off_and_another_on_and_set_the_time_zone(site):
    address, _, l = signed_up(site)
    request(site, "POST", l["confirm"])
    r = post_form(site, l["preferences"], [("newsletters", "the-long-read"),
                                           ("timezone", "Europe/Paris"), ("action", "save")])
    assert r.status == 200, r
    assert "saved" in page(r).text
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed",
                                            "the-long-read": "confirmed"}
    assert subscriber(site.data, address)["timezone"] == "Europe/Paris"
    p = page(get(site, l["preferences"]))
    assert p.checkboxes("newsletters") == {"morning-briefing": False, "the-long-read": True,
                                           "breaking-news": False}
    assert p.value_of("timezone") == "Europe/Paris"


def test_preferences_refuse_an_unknown_time_zone(site):
    address, _, l = signed_up(site)
    r = post_form(site, l["preferences"], [("newsletters", "the-long-read"),
                                           ("timezone", "Mars/Olympus_Mons")])
    assert r.status == 422, r
    assert "time zone is not known" in page(r).text
    # Nothing of the form was applied.
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    assert subscriber(site.data, address)["timezone"] in ("", None)


def test_preferences_cannot_subscribe_to_a_private_newsletter(site):
    address, _, l = signed_up(site)
    r = post_form(site, l["preferences"], [("newsletters", "morning-briefing"),
                                           ("newsletters", PRIVATE)])
    assert r.status == 200, r
    assert PRIVATE not in statuses(site.data, address)


def test_preferences_unsubscribe_all(site):
    address, _, l = signed_up(site, newsletters=["morning-briefing", "breaking-news"])
    request(site, "POST", l["confirm"])
    r = post_form(site, l["preferences"], [("newsletters", "morning-briefing"),
                                           ("action", "unsubscribe_all")])
    assert r.status == 200, r
    assert "unsubscribed from all" in page(r).text
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed",
                                            "breaking-news": "unsubscribed"}
    assert not any(page(get(site, l["preferences"])).checkboxes("newsletters").values())


def test_tampered_preferences_token_is_400(site):
    address, _, l = signed_up(site)
    bad = "/p/" + tamper(l["preferences"].rsplit("/", 1)[1], 20)
    assert get(site, bad).status == 400
    assert post_form(site, bad, [("action", "unsubscribe_all")]).status == 400
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


# --- no answer tells whether an address is known --------------------------------------------------


def _comparable(r):
    varying = {"date", "x-request-id"}
    return (r.status, r.body, sorted((k.lower(), v) for k, v in r.header_list
                                     if k.lower() not in varying))


def test_signup_answers_the_same_in_every_state(site):
    address = new_address()
    answers = {"new": sign_up(site, address)}
    l = links(confirmation(site.data, address))
    answers["unconfirmed"] = sign_up(site, address)
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    request(site, "POST", l["confirm"])
    answers["confirmed"] = sign_up(site, address)
    assert statuses(site.data, address) == {"morning-briefing": "confirmed"}
    post_form(site, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click")
    assert statuses(site.data, address) == {"morning-briefing": "unsubscribed"}
    answers["unsubscribed"] = sign_up(site, address)
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    block(site.data, address)
    answers["blocked"] = sign_up(site, address, ["morning-briefing", "the-long-read"])
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    answers["another new"] = sign_up(site, new_address())
    reference = _comparable(answers["new"])
    assert reference[0] == 202
    for state, r in answers.items():
        assert _comparable(r) == reference, state


def block(data, address):
    """Blocks an address. No command does it yet, so straight in the database (WAL:
    safe while the server runs)."""
    db_rows(data, "UPDATE subscribers SET status = 'blocked' WHERE email = ?", (address,))
    assert subscriber(data, address)["status"] == "blocked"


def test_blocked_address_gets_no_email(site):
    address = new_address()
    ok_signup(site, address)
    assert len(messages_to(site.data, address)) == 1
    block(site.data, address)
    wait_for_next_second()
    ok_signup(site, address)
    ok_signup(site, address, ["the-long-read"])
    assert len(messages_to(site.data, address)) == 1
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}


def test_confirmed_address_gets_no_new_confirmation(site):
    address, _, l = signed_up(site)
    request(site, "POST", l["confirm"])
    ok_signup(site, address)
    assert len(messages_to(site.data, address)) == 1
    assert statuses(site.data, address) == {"morning-briefing": "confirmed"}


def test_unsubscribed_address_can_sign_up_again(site):
    address, _, l = signed_up(site)
    request(site, "POST", l["confirm"])
    post_form(site, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click")
    wait_for_next_second()  # see test_resend_window_zero_resends_even_within_the_same_second
    ok_signup(site, address)
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed"}
    msgs = messages_to(site.data, address)
    assert len(msgs) == 2
    request(site, "POST", links(msgs[-1])["confirm"])
    assert statuses(site.data, address) == {"morning-briefing": "confirmed"}


def test_unconfirmed_address_is_sent_the_confirmation_again_with_window_zero(site):
    address = new_address()
    ok_signup(site, address)
    wait_for_next_second()
    ok_signup(site, address)
    assert len(messages_to(site.data, address)) == 2


def test_resend_window_zero_resends_even_within_the_same_second(site):
    """[signup] resend_window = 0: "seconds before an unconfirmed address is sent
    another confirmation email" -- none, so the second sign-up gets one at once."""
    address = new_address()
    robots = [robot(site), robot(site)]
    wait_for_next_second()
    ok_signup(site, address, altcha=robots[0])
    ok_signup(site, address, altcha=robots[1])
    assert len(messages_to(site.data, address)) == 2


def test_no_second_email_within_the_default_resend_window(servers):
    s = servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off"})
    address = new_address()
    first = sign_up(s, address)
    wait_for_next_second()
    second = sign_up(s, address)
    assert _comparable(first) == _comparable(second)
    assert len(messages_to(s.data, address)) == 1
    # Another newsletter is a confirmation of its own, due at once.
    ok_signup(s, address, ["the-long-read"])
    msgs = messages_to(s.data, address)
    assert len(msgs) == 2
    assert "The Long Read" in msgs[-1]["Subject"]


def test_resubscribing_after_unsubscribing_sends_a_confirmation_within_the_window(servers):
    """A reader who unsubscribed (only they can: it takes the link from their inbox)
    and signs up again is told "check your inbox"; a confirmation must be there, even
    within the resend window that guards against repeated sign-ups of an unconfirmed
    address. Otherwise the subscription sits unconfirmed with no new email."""
    s = servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off"})
    address, _, l = signed_up(s)
    request(s, "POST", l["confirm"])
    post_form(s, l["unsubscribe"], raw=b"List-Unsubscribe=One-Click")
    wait_for_next_second()
    ok_signup(s, address)
    assert statuses(s.data, address) == {"morning-briefing": "unconfirmed"}
    assert len(messages_to(s.data, address)) == 2


# --- rate limits --------------------------------------------------------------------------------------


def test_rate_limit_per_client(servers):
    s = servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "3"})
    assert sign_up(s, new_address()).status == 202
    assert sign_up(s, "bad").status == 422  # refused attempts with a robot check count too
    assert sign_up(s, new_address()).status == 202
    address = new_address()
    r = sign_up(s, address)
    assert r.status == 429, r
    body = r.json()
    assert body["errors"] == [{"field": "", "code": "rate_limited", "message": MSG_RATE_LIMITED}]
    assert body["error"]["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0
    assert subscriber(s.data, address) is None
    assert messages_to(s.data, address) == []
    # The HTML form shares the limit.
    r = post_form(s, "/subscribe", [("email", new_address()), ("newsletters", "morning-briefing"),
                                    ("altcha", robot(s))])
    assert r.status == 429
    assert MSG_RATE_LIMITED in page(r).text
    # The challenge itself is not limited.
    assert get(s, CHALLENGE).status == 200


def test_rate_limit_per_address(servers):
    s = servers.start({**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "1000",
                       "BROADSHEET_SIGNUP_RATE_PER_EMAIL": "2"})
    local = f"limited-{time.time_ns()}"
    assert sign_up(s, f"{local}@{DOMAIN}").status == 202
    assert sign_up(s, f"{local}@{DOMAIN.upper()}").status == 202
    r = sign_up(s, f"{local}@{DOMAIN}")
    assert r.status == 429 and r.json()["error"]["code"] == "rate_limited"
    assert sign_up(s, new_address()).status == 202


def test_no_rate_limit_when_off(site):
    address = new_address()
    codes = [post_json(site, {"email": "bad"}).status for _ in range(25)]
    codes += [sign_up(site, address).status for _ in range(7)]
    assert 429 not in codes
    assert codes == [422] * 25 + [202] * 7


# --- the embed on a publisher's site (another origin) -----------------------------------------------


ORIGIN = "https://publisher.broadsheet-test.net"


def test_json_api_answers_the_cors_preflight_of_the_embed(site):
    """web/embed/signup.js posts the sign-up from the publisher's origin with
    Content-Type: application/json, which a browser sends only after a successful CORS
    preflight (OPTIONS). Without one, every sign-up from an embedded box fails."""
    r = request(site, "OPTIONS", API, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status in (200, 204), r
    assert r.headers.get("access-control-allow-origin") in ("*", ORIGIN), r
    assert "POST" in r.headers.get("access-control-allow-methods", ""), r
    assert "content-type" in r.headers.get("access-control-allow-headers", "").lower(), r


@pytest.mark.parametrize("case", ["accepted", "invalid", "wrong-type", "not-json"])
def test_json_api_answers_are_readable_cross_origin(site, case):
    """The embed reads the errors out of the answer, which a browser allows only with
    Access-Control-Allow-Origin."""
    body = {"accepted": {"email": new_address(), "newsletters": ["morning-briefing"],
                         "altcha": robot(site)},
            "invalid": {"email": "nope"},
            "wrong-type": {"email": new_address(), "newsletters": ["morning-briefing"],
                           "altcha": robot(site), "name": 5},
            "not-json": None}[case]
    raw = b"{" if body is None else json.dumps(body).encode()
    r = request(site, "POST", API, body=raw,
                headers={"Content-Type": "application/json", "Origin": ORIGIN})
    assert r.status in (202, 400, 422), r
    assert r.headers.get("access-control-allow-origin") in ("*", ORIGIN), r


def test_embed_box_escapes_its_parameters(site):
    evil = '"><script>alert(1)</script>'
    r = get(site, "/embed/box?newsletters=morning-briefing&page=" + urllib.parse.quote(evil))
    assert r.status == 200, r
    assert "<script>alert(1)" not in r.text
    p = page(r)
    assert p.value_of("page") == evil
    assert p.checkboxes("newsletters") == {"morning-briefing": True}


# --- malformed input ---------------------------------------------------------------------------------


def test_body_over_64_kib_is_413(site):
    body = json.dumps({"email": "a" * 70000}).encode()
    data = (f"POST {API} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    replies = parse_responses(raw_exchange(site.port, data))
    assert [r.status for r in replies] == [413]
    assert replies[0].json()["error"]["code"]


def test_body_just_under_64_kib_is_read(site):
    body = json.dumps({"email": "a" * 65000}).encode()
    r = post_json(site, raw=body)
    assert r.status == 422 and ("email", "invalid_email") in error_codes(r)


@pytest.mark.parametrize("raw", [
    b'{"email": "\xff\xfe@x.net", "newsletters": ["morning-briefing"]}',
    b'{"email": "a@b.net", "name": "\xc3\x28"}', b"\xed\xa0\x80", b'"\xc0\xaf"',
], ids=["bad-byte", "bad-sequence", "surrogate", "overlong"])
def test_bad_utf8_is_400(site, raw):
    r = post_json(site, raw=raw)
    assert r.status == 400, r
    assert r.json()["error"]["code"] == "invalid_utf8"


@pytest.mark.parametrize("raw", [b"", b"email=a@b.net", b"{", b"{'email': 1}", b"nul\x00l",
                                 b'{"email": "a"} trailing', b"[" * 10000, b"[]",
                                 b'["email"]', b'"a string"', b"42", b"null", b"true"])
def test_non_json_or_not_an_object_is_400(site, raw):
    r = post_json(site, raw=raw)
    assert r.status == 400, r
    assert r.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx",
                                   "json"])
def test_wrong_content_type_is_415(site, ctype):
    r = post_json(site, {"email": new_address(), "newsletters": ["morning-briefing"],
                         "altcha": robot(site)}, content_type=ctype)
    assert r.status == 415, r
    assert r.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "Application/JSON",
                                   "application/json ; charset=UTF-8"])
def test_json_content_type_variants_are_accepted(site, ctype):
    r = post_json(site, {"email": new_address(), "newsletters": ["morning-briefing"],
                         "altcha": robot(site)}, content_type=ctype)
    assert r.status == 202, r


@pytest.mark.parametrize("body,expected", [
    ({"email": 5}, ("email", "invalid_email")),
    ({"email": ["a@b.net"]}, ("email", "invalid_email")),
    ({"email": {"x": 1}}, ("email", "invalid_email")),
    ({"newsletters": "morning-briefing"}, ("newsletters", "no_newsletter")),
    ({"newsletters": {"a": 1}}, ("newsletters", "no_newsletter")),
    ({"newsletters": [1, 2]}, ("newsletters", "unknown_newsletter")),
    ({"newsletters": [None]}, ("newsletters", "unknown_newsletter")),
    ({"name": 7}, ("name", "invalid_name")),
    ({"altcha": {"challenge": "x"}}, ("altcha", "robot_check_failed")),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else None)
def test_wrong_field_types_are_422(site, body, expected):
    good = {"email": new_address(), "newsletters": ["morning-briefing"], "altcha": robot(site)}
    r = post_json(site, {**good, **body})
    assert r.status == 422, r
    assert expected in error_codes(r)


def test_wrong_field_type_does_not_hide_the_other_errors(site):
    """All errors at once, even when one field has the wrong JSON type."""
    r = post_json(site, {"email": 5})
    assert r.status == 422, r
    assert error_codes(r) == [("altcha", "robot_check_failed"), ("email", "invalid_email"),
                              ("newsletters", "no_newsletter")]


WEIRD_BODIES = [
    b"{}", b'{"email": null, "newsletters": null, "altcha": null}',
    b'{"email": "a@b.net", "email": 5}', b'{"newsletters": [' + b'"a",' * 5000 + b'"a"]}',
    b'{"email": 1e999}', b'{"email": -0, "newsletters": [1.5e308]}',
    b'{"email": "\\u0000@x.net", "name": "\\u0000", "newsletters": ["\\u0000"]}',
    b'{"email": "\\ud800@x.net"}', b'{"altcha": "' + b"A" * 60000 + b'"}',
    b'{"a": ' * 200 + b"1" + b"}" * 200, b'{"marketing": "yes", "timezone": 5, "page": []}',
    b'{"page": "' + b"\\n" * 1000 + b'", "timezone": "../../etc/passwd"}',
    b'\xef\xbb\xbf{"email": "a@b.net"}',
]


@pytest.mark.parametrize("raw", WEIRD_BODIES, ids=range(len(WEIRD_BODIES)))
def test_never_a_500(site, raw):
    r = post_json(site, raw=raw)
    assert r.status in (400, 413, 422), r
    assert r.json()["errors" if r.status == 422 else "error"]


def test_hostile_optional_fields_still_sign_up(site):
    """timezone and page are conveniences: odd values are dropped, not errors."""
    address = new_address()
    r = sign_up(site, address, timezone="../../etc/passwd", page="/x\r\nSet-Cookie: a=b",
                marketing="yes")
    assert r.status == 202, r
    assert "set-cookie" not in r.headers
    assert subscriber(site.data, address)["timezone"] in ("", None)


def test_timezone_of_the_browser_is_kept(site):
    address = new_address()
    ok_signup(site, address, timezone="America/New_York")
    assert subscriber(site.data, address)["timezone"] == "America/New_York"


# --- the no-JavaScript form ------------------------------------------------------------------------


def test_form_errors_are_shown_inline_and_the_input_is_kept(site):
    address = "not-an-address"
    r = post_form(site, "/subscribe", [("email", address), ("name", "Rea Der"),
                                       ("newsletters", "the-long-read"),
                                       ("newsletters", "breaking-news"), ("page", "/subscribe")])
    assert r.status == 422, r
    p = page(r)
    assert MSG_INVALID_EMAIL in p.text
    assert MSG_ROBOT in p.text
    assert p.value_of("email") == address
    assert p.value_of("name") == "Rea Der"
    assert p.checkboxes("newsletters") == {"morning-briefing": False, "the-long-read": True,
                                           "breaking-news": True}


def test_form_answer_comes_back_on_the_article_it_was_posted_from(site):
    front = get(site, "/")
    title = re.search(r"<h1[^>]*>(.*?)</h1>", front.text, re.S).group(1).strip()
    address = "not-an-address"
    r = post_form(site, "/subscribe", [("email", address), ("name", "Rea Der"),
                                       ("newsletters", "morning-briefing"), ("page", "/")])
    assert r.status == 422, r
    assert title in r.text  # the same article, not a separate sign-up page
    p = page(r)
    assert MSG_INVALID_EMAIL in p.text
    assert p.value_of("email") == address and p.value_of("name") == "Rea Der"
    slug = re.search(r'href="/articles/([a-z0-9-]+)"', front.text).group(1)
    article = get(site, f"/articles/{slug}")
    article_title = re.search(r"<h1[^>]*>(.*?)</h1>", article.text, re.S).group(1).strip()
    ok = post_form(site, "/subscribe", [("email", new_address()), ("newsletters", "morning-briefing"),
                                        ("altcha", robot(site)), ("page", f"/articles/{slug}")])
    assert ok.status == 200, ok
    assert article_title in ok.text and MSG_SUCCESS in page(ok).text


def test_form_answer_comes_back_on_the_catalogue_and_nowhere_else(site):
    r = post_form(site, "/subscribe", [("email", new_address()), ("altcha", robot(site)),
                                       ("page", "/newsletters")])
    assert r.status == 422
    assert "All newsletters" in r.text and MSG_NO_NEWSLETTER in page(r).text
    for elsewhere in ["https://evil.example/", "//evil.example", "/admin", "/articles/../x"]:
        r = post_form(site, "/subscribe", [("email", "bad"), ("page", elsewhere)])
        assert r.status == 422
        assert page(r).value_of("page") == "/subscribe", elsewhere


def test_form_with_no_newsletter(site):
    r = post_form(site, "/subscribe", [("email", new_address()), ("altcha", robot(site))])
    assert r.status == 422
    assert MSG_NO_NEWSLETTER in page(r).text


def test_form_input_is_escaped(site):
    evil = '"><script>alert(1)</script><x a="'
    r = post_form(site, "/subscribe", [("email", evil), ("name", evil),
                                       ("newsletters", evil)])
    assert r.status == 422, r
    assert "<script>alert(1)" not in r.text
    p = page(r)
    assert p.value_of("email") == evil and p.value_of("name") == evil


def test_form_success_page(site):
    address = new_address()
    r = post_form(site, "/subscribe", [("email", address), ("name", "Form Reader"),
                                       ("newsletters", "morning-briefing"),
                                       ("newsletters", "breaking-news"),
                                       ("altcha", robot(site, "2")), ("page", "/articles/x")])
    assert r.status == 200, r
    assert MSG_SUCCESS in page(r).text
    assert statuses(site.data, address) == {"morning-briefing": "unconfirmed",
                                            "breaking-news": "unconfirmed"}
    assert len(messages_to(site.data, address)) == 1


def test_subscribe_page_ticks_the_requested_newsletter(site):
    r = get(site, "/subscribe?newsletters=morning-briefing")
    assert r.status == 200
    assert page(r).checkboxes("newsletters") == {"morning-briefing": True, "the-long-read": False,
                                                 "breaking-news": False}
    r = get(site, "/subscribe?newsletters=the-long-read,breaking-news")
    assert page(r).checkboxes("newsletters") == {"morning-briefing": False, "the-long-read": True,
                                                 "breaking-news": True}
    r = get(site, "/subscribe")
    assert page(r).checkboxes("newsletters") == dict.fromkeys(PUBLIC, False)


@pytest.mark.parametrize("query", [f"newsletters={PRIVATE}", "newsletters=%3Cscript%3E",
                                   "newsletters=" + ",".join(["x"] * 500), "newsletters="])
def test_subscribe_page_with_odd_queries(site, query):
    r = get(site, "/subscribe?" + query)
    assert r.status == 200, r
    assert r.text.count("<script") == get(site, "/subscribe").text.count("<script")
    p = page(r)
    assert set(p.checkboxes("newsletters")) == set(PUBLIC)  # never the private one
    assert not any(p.checkboxes("newsletters").values())


def test_form_with_wrong_content_type_is_415(site):
    r = request(site, "POST", "/subscribe", body=json.dumps({"email": "a"}).encode(),
                headers={"Content-Type": "application/json"})
    assert r.status == 415, r
    assert r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("raw", [b"email=%zz", b"email=%", b"email=%ff%fe", b"a=" + b"&b=" * 200])
def test_unreadable_form_is_400(site, raw):
    r = post_form(site, "/subscribe", raw=raw)
    assert r.status == 400, r
    assert "could not be read" in page(r).text


def test_form_replayed_challenge_and_form_after_json(site):
    payload = robot(site, "2")
    a, b = new_address(), new_address()
    fields = lambda addr: [("email", addr), ("newsletters", "morning-briefing"),
                           ("altcha", payload)]
    assert post_form(site, "/subscribe", fields(a)).status == 200
    r = post_form(site, "/subscribe", fields(b))
    assert r.status == 422 and MSG_ROBOT in page(r).text
    assert subscriber(site.data, b) is None


# --- the consent ledger ------------------------------------------------------------------------------


def test_consent_ledger_records_the_signup(site):
    address = new_address()
    ok_signup(site, address, ["morning-briefing", "the-long-read"], page="/articles/budget")
    rows = db_rows(site.data,
                   "SELECT n.slug, c.consent_text_version, c.consent_kind, c.granted, "
                   "c.source_page, c.client_address, c.created_at FROM consent_ledger c "
                   "JOIN subscribers s ON s.id = c.subscriber_id "
                   "LEFT JOIN newsletters n ON n.id = c.newsletter_id WHERE s.email = ? "
                   "ORDER BY n.slug", (address,))
    newsletter_rows = [r for r in rows if r[2] == "newsletter"]
    assert sorted(r[0] for r in newsletter_rows) == ["morning-briefing", "the-long-read"]
    for slug, version, kind, granted, source, client, created in newsletter_rows:
        assert version == CONSENT_VERSION
        assert granted == 1
        assert source == "/articles/budget"
        assert client == "127.0.0.0/24"
        assert abs(created - time.time()) < 60
    # No full client address anywhere in the ledger.
    assert db_rows(site.data, "SELECT count(*) FROM consent_ledger "
                              "WHERE client_address = '127.0.0.1'") == [(0,)]


# --- expiry of the robot check (last: it waits for the challenges to expire) -----------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_expired_robot_check_is_refused(_expiring, version):
    s = _expiring["server"]
    wait = _expiring["at"] + 11.5 - time.time()
    if wait > 0:
        time.sleep(wait)
    address = new_address()
    r = post_json(s, {"email": address, "newsletters": ["morning-briefing"],
                      "altcha": _expiring["solved"][version]})
    assert r.status == 422, r
    assert error_codes(r) == [("altcha", "robot_check_failed")]
    assert subscriber(s.data, address) is None
    # A fresh one from the same server works: the refusal was the expiry.
    ok_signup(s, new_address(), altcha=robot(s, version))
