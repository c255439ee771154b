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

import os
import re
import secrets
import subprocess
import urllib.parse

import pytest

BACKEND = os.environ.get("BROADSHEET_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("BROADSHEET_TEST_POSTGRES_URL", "")
ON_POSTGRES = BACKEND == "postgresql"

# What the binary says while it cannot open postgresql:// URLs (store/store.cpp,
# cli/init_commands.cpp); the suite is skipped with that reason, not failed.
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
    cp = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database_url(database),
         "-c", sql],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if cp.returncode != 0:
        raise AssertionError(f"psql `{sql}` exited {cp.returncode}: {cp.stderr.strip()}")
    return cp.stdout


class Databases:
    """The databases made for data folders, by folder, and which to drop when."""

    def __init__(self):
        self.by_folder: dict[str, str] = {}   # realpath of a data folder -> database name
        self.of_test: list[str] = []          # dropped after the current test
        self.of_session: list[str] = []       # the templates, dropped at the end

    def create(self, template: str | None = None, session: bool = False) -> str:
        name = "bs_" + secrets.token_hex(6)
        psql(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        (self.of_session if session else self.of_test).append(name)
        return name

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
