"""Which database the system tests run the binary on (issue 15: every system test runs
against both backends).

    BROADSHEET_TEST_DATABASE=sqlite       the default: each data folder's own
                                          broadsheet.db, as `init` makes it
    BROADSHEET_TEST_DATABASE=postgresql   each data folder gets a fresh database of its
                                          own on the cluster BROADSHEET_TEST_POSTGRES_URL
                                          names (scripts/with-postgres starts one)

On PostgreSQL a data folder is bound to its database when `init` runs into it through
conftest.run() (a fresh database, CREATE DATABASE bs_<random>), or when conftest's
`data` and `demo` fixtures copy their session templates (a clone of the template's
database, CREATE DATABASE ... TEMPLATE, which costs a file copy and no `init`). The
binary is given the database as BROADSHEET_DATABASE=postgresql://... by conftest.run()
while the folder has no broadsheet.toml yet (`init`); from then on the folder's
broadsheet.toml names it (`database = "postgresql://..."`, as a publisher's would), so
that every way a test starts the binary reaches the same database, and a test that
edits the file's keys sees its edit used, not overridden by the environment. A test's databases
are dropped after it (DROP DATABASE ... WITH (FORCE): a server still connected does not
keep one), the templates at the end of the session.

The databases are made with psql (postgresql-client-15, installed with postgresql-15),
so the tests need no Python client library.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import sqlite3
import subprocess
import time
import urllib.parse

import pytest

BACKEND = os.environ.get("BROADSHEET_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("BROADSHEET_TEST_POSTGRES_URL", "")
ON_POSTGRES = BACKEND == "postgresql"

# What a binary built before the PostgreSQL backend was complete said when asked to open
# a postgresql:// URL (store/store.cpp, cli/init_commands.cpp; today's opens it): such a
# binary's suite is skipped with that reason, not failed.
_REFUSALS = ("PostgreSQL backend is not complete yet", "only sqlite: databases")


def check_configuration() -> str | None:
    """Why the backend variables cannot work, or None."""
    if BACKEND not in ("sqlite", "postgresql"):
        return (f"BROADSHEET_TEST_DATABASE={BACKEND!r}: expected 'sqlite' or 'postgresql'")
    if ON_POSTGRES and not POSTGRES_URL.startswith(("postgresql://", "postgres://")):
        return ("BROADSHEET_TEST_DATABASE=postgresql needs BROADSHEET_TEST_POSTGRES_URL, a "
                "cluster where the tests may CREATE DATABASE: run the tests under "
                "scripts/with-postgres")
    return None


def refusal(output: str) -> str | None:
    """The binary's own line saying it cannot use PostgreSQL yet, if `output` has it."""
    for line in output.splitlines():
        if any(r in line for r in _REFUSALS):
            return line.strip()
    return None


def database_url(name: str) -> str:
    """BROADSHEET_TEST_POSTGRES_URL with its database replaced by `name`."""
    parts = urllib.parse.urlsplit(POSTGRES_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(sql: str, database: str = "postgres") -> str:
    """The output of one SQL statement on DATABASE, unaligned. The statement goes on psql's
    standard input, not its command line (an argument is at most 128 KiB on Linux)."""
    cp = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database_url(database),
         "-f", "-"],
        input=sql + ";\n", capture_output=True, text=True, timeout=120)
    if cp.returncode != 0:
        raise AssertionError(f"psql `{sql[:2000]}` exited {cp.returncode}: {cp.stderr.strip()}")
    return cp.stdout


class Databases:
    """The databases made for data folders, by folder, and which to drop when."""

    def __init__(self):
        self.by_folder: dict[str, str] = {}   # realpath of a data folder -> database name
        self.of_test: list[str] = []          # dropped after the current test
        self.of_session: list[str] = []       # the templates, dropped at the end

    def create(self, template: str | None = None, session: bool = False) -> str:
        name = "bs_" + secrets.token_hex(6)
        statement = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        # A command that has just exited may still be connected to the template for a
        # moment (the server ends its session after the client has gone).
        deadline = time.monotonic() + 10
        while True:
            try:
                psql(statement)
                break
            except AssertionError as e:
                if "is being accessed by other users" not in str(e) or \
                        time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        (self.of_session if session else self.of_test).append(name)
        return name

    def keep_for_session(self, names: list[str]) -> None:
        """NAMES (made by a wider-scoped fixture) are dropped at the end of the session."""
        self.of_session.extend(names)
        names.clear()

    def reserve(self, folder, session: bool = False) -> str:
        """A fresh database for a data folder `init` is about to make."""
        name = self.create(session=session)
        self.by_folder[os.path.realpath(folder)] = name
        return name

    def bind(self, folder, name: str) -> None:
        """Binds the data folder to the database: by the registry conftest.run() reads,
        and by the folder's broadsheet.toml when it has one."""
        self.by_folder[os.path.realpath(folder)] = name
        config = os.path.join(folder, "broadsheet.toml")
        if os.path.isfile(config):
            with open(config, encoding="utf-8") as f:
                text = f.read()
            line = f'database = "{database_url(name)}"'
            # `init` writes the top-level key before any [section].
            text, n = re.subn(r"(?m)^database = .*$", line, text, count=1)
            if n == 0:
                text = line + "\n" + text
            with open(config, "w", encoding="utf-8") as f:
                f.write(text)

    def name_of(self, folder) -> str | None:
        return self.by_folder.get(os.path.realpath(folder))

    def drop(self, names: list[str]) -> None:
        for name in names:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        names.clear()


DATABASES = Databases()


def _data_folder(args: list[str]) -> str | None:
    for i, a in enumerate(args):
        if a == "--data" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--data="):
            return a[len("--data="):]
    return None


def database_env(args, env: dict | None) -> dict | None:
    """`env` for running the binary with ARGS: on PostgreSQL, while the data folder ARGS
    name has no broadsheet.toml, BROADSHEET_DATABASE names its database (`init` into a
    folder with none makes one), unless `env` sets it already. Unchanged on SQLite."""
    if not ON_POSTGRES or (env and "BROADSHEET_DATABASE" in env):
        return env
    args = [str(a) for a in args]
    folder = _data_folder(args)
    if folder is None or os.path.exists(os.path.join(folder, "broadsheet.toml")):
        return env
    name = DATABASES.name_of(folder)
    if name is None:
        if not args or args[0] != "init":
            return env
        name = DATABASES.reserve(folder)
    return {**(env or {}), "BROADSHEET_DATABASE": database_url(name)}


def after_init(args, returncode: int) -> None:
    """After `init` into a folder bound to a database: its broadsheet.toml names it."""
    args = [str(a) for a in args]
    if not ON_POSTGRES or returncode != 0 or not args or args[0] != "init":
        return
    folder = _data_folder(args)
    name = DATABASES.name_of(folder) if folder else None
    if name:
        DATABASES.bind(folder, name)


def copy_bound(src, dst) -> None:
    """After a copy of data folder `src` to `dst`: on PostgreSQL `dst` gets a clone of
    `src`'s database, dropped after the test."""
    if not ON_POSTGRES:
        return
    template = DATABASES.name_of(src)
    if template is None:
        pytest.fail(f"{src} has no database to copy")
    DATABASES.bind(dst, DATABASES.create(template=template))


# --- the data folder's database, whichever backend holds it ------------------------------
#
# Tests read what no command shows (the audit log, the mail queue, the consent ledger) and
# a few move time for the server (a session made 13 hours ago), with plain SQL. The schema
# has the same table and column names on both backends and its flags are 0/1 integers on
# both (src/store/postgres/migrations/0017_baseline.sql), so one statement serves both
# when it keeps to what the two dialects share: `?` placeholders, no SQLite functions
# (strftime, json_each) and no PostgreSQL casts.


def _sqlite_file(data) -> str:
    return os.path.join(str(data), "broadsheet.db")


def _database_of(data) -> str:
    name = DATABASES.name_of(data)
    if name is None:
        pytest.fail(f"{data} has no PostgreSQL database (made by `init` through conftest.run, "
                    "or copied by the data/demo fixtures)")
    return name


def _literal(value) -> str:
    """VALUE as an SQL literal (standard_conforming_strings: only ' is special)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _bind(statement: str, params) -> str:
    """STATEMENT with each `?` outside quotes replaced by the next of PARAMS as a literal."""
    out, rest, quote = [], list(params), None
    for ch in statement:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            if not rest:
                raise AssertionError(f"too few parameters for `{statement}`")
            out.append(_literal(rest.pop(0)))
            continue
        out.append(ch)
    if rest:
        raise AssertionError(f"too many parameters for `{statement}`")
    return "".join(out)


class _Pairs(list):
    """A JSON object read with its keys kept in order, repeated ones too."""


def _value(v):
    # A jsonb column comes back as JSON; SQLite holds it as text.
    if isinstance(v, _Pairs):
        return json.dumps({k: json.loads(_value(x)) if isinstance(x, (_Pairs, list)) else x
                           for k, x in v}, separators=(",", ":"))
    if isinstance(v, list):
        return json.dumps([json.loads(_value(x)) if isinstance(x, (_Pairs, list)) else x
                           for x in v], separators=(",", ":"))
    return v


def sql(data, statement: str, params=()) -> list[tuple]:
    """Runs one SQL statement on the database of the data folder DATA and returns its rows
    as tuples (none for a statement that returns none); a statement that writes is
    committed at once. On SQLite through the sqlite3 module on the folder's broadsheet.db;
    on PostgreSQL through psql on the folder's database, PARAMS bound as literals, the
    rows read back as JSON so that integers stay integers (a comparison such as
    `x IS NOT NULL` is a boolean there, which compares equal to SQLite's 0/1)."""
    if not ON_POSTGRES:
        con = sqlite3.connect(_sqlite_file(data), timeout=10, isolation_level=None)
        try:
            return [tuple(r) for r in con.execute(statement, tuple(params)).fetchall()]
        finally:
            con.close()
    bound = _bind(statement, params).strip().rstrip(";")
    head = bound.split(None, 1)[0].upper() if bound else ""
    if head in ("SELECT", "WITH", "VALUES") or re.search(r"(?i)\bRETURNING\b", bound):
        out = psql(f"WITH t AS ({bound}) SELECT coalesce(json_agg(t), '[]') FROM t",
                   _database_of(data))
        rows = json.loads(out, object_pairs_hook=_Pairs)
        return [tuple(_value(v) for _, v in row) for row in rows]
    psql(bound, _database_of(data))
    return []


def database_bytes(data) -> bytes:
    """Everything the folder's database holds, for a test that proves a value is gone from
    it: SQLite's files (the database, its journal and WAL) byte for byte; on PostgreSQL a
    dump of the database's rows (pg_dump --data-only), what a backup of it would keep."""
    if not ON_POSTGRES:
        return b"".join(p.read_bytes() for p in sorted(pathlib.Path(data).rglob("*.db*"))
                        if p.is_file())
    cp = subprocess.run(["pg_dump", "--data-only", "-d", database_url(_database_of(data))],
                        capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    if cp.returncode != 0:
        raise AssertionError(f"pg_dump exited {cp.returncode}: {cp.stderr.decode()}")
    return cp.stdout
