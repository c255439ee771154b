"""`broadsheet migrate-store --to postgresql://...` (issue 15, "Moving"): a publisher's
SQLite data folder copied into an empty PostgreSQL database, checked as the publisher
would check it: the command's table of counts, then `serve` on the new database showing
the same readers and issues, an API token made before the move still working, a user
signing in, and a new sign-up getting an id of its own.

Needs a PostgreSQL cluster (BROADSHEET_TEST_POSTGRES_URL; scripts/with-postgres starts a
throwaway one): skipped without. The folders moved here are SQLite ones whatever
BROADSHEET_TEST_DATABASE says, since SQLite is what is moved.
"""

from __future__ import annotations

import json
import re

import pytest

import backend
from backend import DATABASES, database_url, psql
from conftest import (assert_fails, assert_ok, data_args, get, run, subscribers, write_csv)
from signup_helpers import FAST_ROBOT, new_address, sign_up
from test_api import add_user, create_token
from test_desk import Browser

pytestmark = pytest.mark.skipif(
    not backend.POSTGRES_URL,
    reason="migrate-store needs a PostgreSQL cluster: BROADSHEET_TEST_POSTGRES_URL is not "
           "set (run the tests under scripts/with-postgres)")

# `init` makes a SQLite folder even when the suite runs on PostgreSQL.
ON_SQLITE = {"BROADSHEET_DATABASE": "sqlite:broadsheet.db"}
PASSWORD = "correct horse battery staple"
COUNT_LINE = re.compile(r"^([a-z_]+)\s+([\d,]+)\s+([\d,]+)$")


def sqlite_folder(tmp_path, name="data"):
    """init + demo on SQLite."""
    data = tmp_path / name
    assert_ok(run("init", *data_args(data), env=ON_SQLITE))
    assert_ok(run("demo", *data_args(data)))
    text = (data / "broadsheet.toml").read_text()
    assert 'database = "sqlite:broadsheet.db"' in text
    return data


def counts(stdout: str) -> dict[str, tuple[int, int]]:
    """The command's table: table -> (SQLite rows, PostgreSQL rows)."""
    out = {}
    for line in stdout.splitlines():
        m = COUNT_LINE.match(line.strip())
        if m:
            out[m[1]] = (int(m[2].replace(",", "")), int(m[3].replace(",", "")))
    return out


def fresh_database() -> str:
    return DATABASES.create()


def issues(data) -> list[dict]:
    return json.loads(assert_ok(run("issue", "list", "--json", *data_args(data))).stdout)


def test_a_publication_moves_to_postgresql_and_serves_from_it(tmp_path, server_factory):
    data = sqlite_folder(tmp_path)
    # A publisher's day on SQLite: an import, a segment, a user and an API token.
    csv = write_csv(tmp_path / "readers.csv",
                    "email,name,plan\n" + "".join(f"imported{i}@mail.broadsheet-test.net,"
                                                  f"Reader {i},gold\n" for i in range(40)))
    slug = json.loads(assert_ok(run("newsletter", "list", "--json", *data_args(data))).stdout)[0]["slug"]
    assert_ok(run("import", csv, "--newsletter", slug, "--confirmed", *data_args(data)))
    assert_ok(run("segment", "add", "gold", "--attribute", "plan=gold", *data_args(data)))
    assert_ok(add_user(data, "editor", PASSWORD, "--role", "admin"))
    token = create_token(data, "newsroom CMS")
    server = server_factory(data, env=FAST_ROBOT)
    address = new_address("before")
    assert sign_up(server, address, [slug]).status == 202
    server.terminate()
    # An issue sent (into the folder's outbox): the delivery log has its rows.
    body = tmp_path / "issue.md"
    body.write_text("# The news\n\nAll of it.\n")
    issue = assert_ok(run("issue", "create", "--newsletter", slug, "--subject", "Tuesday",
                          "--body-file", body, *data_args(data))).stdout.strip()
    assert_ok(run("issue", "send", issue, "--wait", *data_args(data)))
    readers_before = subscribers(data)
    issues_before = issues(data)
    assert len(readers_before) > 40 and issues_before

    name = fresh_database()
    cp = assert_ok(run("migrate-store", "--to", database_url(name), *data_args(data),
                       timeout=300))
    table = counts(cp.stdout)
    assert {"subscribers", "subscriptions", "consent_ledger", "issues", "deliveries", "users",
            "api_tokens", "audit_log", "segments", "mail_queue", "sessions"} <= set(table)
    assert all(s == p for s, p in table.values()), cp.stdout
    assert table["subscribers"][0] == len(readers_before)
    assert table["deliveries"][0] > 0
    assert "every count matches" in cp.stdout
    for t in ("subscribers", "subscriptions", "issues", "api_tokens", "audit_log"):
        assert int(psql(f"SELECT count(*) FROM {t}", name)) == table[t][0], t

    # The folder now names the PostgreSQL database, as the command's last line says.
    DATABASES.bind(data, name)
    probe = run("newsletter", "list", *data_args(data))
    refused = backend.refusal(probe.stderr)
    if refused:
        pytest.skip(f"the copy is verified; serving it waits for the backend: {refused}")
    assert_ok(probe)
    assert subscribers(data) == readers_before
    assert issues(data) == issues_before

    server = server_factory(data, env=FAST_ROBOT)
    reply = get(server, "/api/v1/issues", headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200, reply
    listed = reply.json()
    if isinstance(listed, dict):  # a page of them
        listed = next(v for v in listed.values() if isinstance(v, list))
    assert sorted(i["id"] for i in listed) == sorted(i["id"] for i in issues_before)
    browser = Browser(server)
    signed_in = browser.sign_in("editor", PASSWORD)
    assert signed_in.status == 303 and signed_in.headers["location"] == "/admin", signed_in
    assert browser.call("GET", "/admin").status == 200
    newcomer = new_address("after")
    assert sign_up(server, newcomer, [slug]).status == 202
    ids = {r["id"] for r in readers_before}
    after = {r["email"]: r["id"] for r in subscribers(data)}
    assert after[newcomer] > max(ids)


def test_a_target_with_rows_is_refused_and_left_as_it_was(tmp_path):
    data = sqlite_folder(tmp_path)
    name = fresh_database()
    first = assert_ok(run("migrate-store", "--to", database_url(name), *data_args(data)))
    readers = int(psql("SELECT count(*) FROM subscribers", name))
    assert readers == counts(first.stdout)["subscribers"][1]
    psql("UPDATE newsletters SET name = 'theirs'", name)
    cp = run("migrate-store", "--to", database_url(name), *data_args(data))
    message = assert_fails(cp, "is not empty", "nothing was changed")
    assert "subscribers" in message
    assert int(psql("SELECT count(*) FROM subscribers", name)) == readers
    assert set(psql("SELECT DISTINCT name FROM newsletters", name).split()) == {"theirs"}


def test_urls_that_are_not_a_reachable_postgresql_database_are_refused(tmp_path):
    data = sqlite_folder(tmp_path)
    assert_fails(run("migrate-store", "--to", "mysql://root@127.0.0.1/news", *data_args(data)),
                 "--to must be a PostgreSQL URL")
    # Nothing listens on port 1; the password in the URL is never repeated.
    cp = run("migrate-store", "--to", "postgresql://broadsheet:s3cret@127.0.0.1:1/news",
             *data_args(data))
    message = assert_fails(cp, "cannot connect to PostgreSQL")
    assert "s3cret" not in cp.stderr + cp.stdout
    missing = database_url("bs_never_made")
    assert_fails(run("migrate-store", "--to", missing, *data_args(data)),
                 "cannot connect to PostgreSQL", "bs_never_made")
    assert message


def test_a_folder_already_on_postgresql_is_refused(tmp_path):
    data = sqlite_folder(tmp_path)
    name = fresh_database()
    DATABASES.bind(data, name)
    assert_fails(run("migrate-store", "--to", database_url(fresh_database()), *data_args(data)),
                 "not a SQLite file")


def test_the_command_is_listed_with_its_help():
    assert "migrate-store" in assert_ok(run("--help")).stdout
    text = assert_ok(run("migrate-store", "--help")).stdout
    assert "--to" in text and "--data" in text
    assert_fails(run("migrate-store"), "--to")
