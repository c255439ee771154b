"""Black-box system tests of the `broadsheet` binary.

They run the real binary the way a publisher does: `init`, `demo`, `serve`, the
CLI commands, and talk HTTP to the server with the standard library only.

    BROADSHEET_BIN=/path/to/broadsheet /usr/bin/python3 -m pytest -q tests/system

BROADSHEET_BIN defaults to build/broadsheet of this repository. Helpers shared by
the test files live here and are imported with `from conftest import ...`.

BROADSHEET_TEST_DATABASE=postgresql runs them on PostgreSQL, a fresh database per data
folder, on the cluster of BROADSHEET_TEST_POSTGRES_URL (backend.py):

    scripts/with-postgres env BROADSHEET_TEST_DATABASE=postgresql \
        /usr/bin/python3 -m pytest -q tests/system
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import json
import os
import pathlib
import pty
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import backend
from backend import DATABASES, ON_POSTGRES

REPO = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> str:
    raw = os.environ.get("BROADSHEET_BIN")
    if not raw:
        return str(REPO / "build" / "broadsheet")
    path = pathlib.Path(raw)
    if not path.is_absolute():
        path = (REPO / path).resolve()
    return str(path)


BIN = _binary()

# Addresses at reserved domains (example.com, .test) are refused by default, so the
# tests use a plain-looking domain. Nothing is ever sent.
DOMAIN = "mail.broadsheet-test.net"

DEFAULT_TIMEOUT = 60


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        pytest.exit(
            f"broadsheet binary not found or not executable: {BIN} "
            "(build it, or set BROADSHEET_BIN)",
            returncode=1,
        )


@pytest.fixture(scope="session", autouse=True)
def _database_backend(_binary_exists, tmp_path_factory):
    """On PostgreSQL: the cluster is reachable and the binary opens postgresql:// URLs
    (every test is skipped, with the binary's reason, while it refuses them); the
    session's template databases are dropped at its end."""
    problem = backend.check_configuration()
    if problem:
        pytest.exit(problem, returncode=1)
    if not ON_POSTGRES:
        yield
        return
    backend.psql("SELECT 1")
    probe = tmp_path_factory.mktemp("postgres-probe") / "data"
    cp = run("init", *data_args(probe))
    refused = backend.refusal(cp.stderr)
    DATABASES.drop(DATABASES.of_test)
    if refused:
        pytest.skip(f"BROADSHEET_TEST_DATABASE=postgresql, but the binary refuses: {refused}")
    assert_ok(cp)
    yield
    DATABASES.drop(DATABASES.of_session)


@pytest.fixture(autouse=True)
def _test_databases(_database_backend):
    """The databases a test's data folders got are dropped after it. Those made before
    it starts belong to the module- and session-scoped fixtures it uses (pytest sets up
    wider scopes first), which outlive it: they go at the end of the session."""
    if ON_POSTGRES:
        DATABASES.keep_for_session(DATABASES.of_test)
    yield
    if ON_POSTGRES:
        DATABASES.drop(DATABASES.of_test)


def clean_env(extra: dict | None = None) -> dict:
    """The environment for the binary: ours minus any BROADSHEET_* configuration of
    the caller's shell (it would change what is tested), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADSHEET_")}
    env.setdefault("LC_ALL", "C.UTF-8")
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def run(*args, env: dict | None = None, input: str | bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT, cwd=None) -> subprocess.CompletedProcess:
    """Runs `broadsheet ARGS...` and returns the CompletedProcess (text, UTF-8 with
    replacement so that a stray byte shows up in an assertion, not as a crash)."""
    argv = [BIN, *[str(a) for a in args]]
    text_input = isinstance(input, str) or input is None
    cp = subprocess.run(
        argv,
        input=input,
        capture_output=True,
        text=text_input,
        encoding="utf-8" if text_input else None,
        errors="replace" if text_input else None,
        env=clean_env(backend.database_env(args, env)),
        timeout=timeout,
        cwd=cwd,
    )
    backend.after_init(args, cp.returncode)
    return cp


def run_on_a_terminal(args, env, timeout=120):
    """Runs the binary with stderr on a pseudo-terminal; returns (code, stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([BIN, *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave,
                            env=clean_env(backend.database_env(args, env)))
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=10)
    return code, out, b"".join(chunks).decode(errors="replace")


def stderr_lines(cp) -> list[str]:
    return [line for line in cp.stderr.splitlines() if line.strip()]


def assert_ok(cp) -> subprocess.CompletedProcess:
    assert cp.returncode == 0, (
        f"`{' '.join(map(str, cp.args[1:]))}` exited {cp.returncode}\n"
        f"stdout: {cp.stdout}\nstderr: {cp.stderr}")
    return cp


def assert_fails(cp, *fragments: str) -> str:
    """A failed command: non-zero exit and exactly one line on stderr, starting with
    "broadsheet:" and containing every fragment (case-insensitive). Returns it."""
    cmd = " ".join(map(str, cp.args[1:]))
    assert cp.returncode != 0, f"`{cmd}` should fail but exited 0\nstdout: {cp.stdout}"
    lines = stderr_lines(cp)
    assert len(lines) == 1, f"`{cmd}`: expected one line on stderr, got {len(lines)}:\n{cp.stderr}"
    line = lines[0]
    assert line.startswith("broadsheet: "), f"`{cmd}`: stderr line lacks the prefix: {line!r}"
    for f in fragments:
        assert f.lower() in line.lower(), f"`{cmd}`: {f!r} not in {line!r}"
    return line


def data_args(data) -> list[str]:
    return ["--data", str(data)]


def newsletters(data) -> list[dict]:
    return json.loads(assert_ok(run("newsletter", "list", "--json", *data_args(data))).stdout)


def newsletter(data, slug) -> dict:
    return json.loads(assert_ok(run("newsletter", "show", slug, "--json", *data_args(data))).stdout)


def subscriber(data, email) -> dict | None:
    cp = run("subscriber", "show", email, "--json", *data_args(data))
    if cp.returncode != 0:
        return None
    return json.loads(cp.stdout)


def subscribers(data) -> list[dict]:
    cp = run("subscriber", "list", "--json", "--limit", "100000", *data_args(data))
    return json.loads(assert_ok(cp).stdout)


def export_rows(data, *extra) -> list[dict]:
    cp = assert_ok(run("export", *extra, *data_args(data)))
    return list(csv.DictReader(io.StringIO(cp.stdout, newline="")))


def emails(data, *extra) -> set[str]:
    return {r["email"] for r in export_rows(data, *extra)}


_snapshots: dict[str, dict] = {}


def _fingerprint(data) -> str:
    """A digest of every file of the data folder (the SQLite shared-memory index
    aside, which readers rewrite)."""
    h = hashlib.sha256()
    root = pathlib.Path(data)
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.endswith("-shm"):
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def snapshot(data) -> dict:
    """Everything a user can see of the data folder through the CLI: newsletters with
    their subscription counts, subscribers, and who is on which newsletter. Used to
    prove that a refused command changed nothing.

    Byte-identical data folders have identical contents, so a folder whose files
    match one already read is not read again through the CLI; any difference in the
    files, even one that changes nothing visible, is read out in full and compared.
    This keeps the suite fast on a sanitizer build, which is slow to start. On
    PostgreSQL the files do not hold the data, so it is always read out."""
    if ON_POSTGRES:
        return _snapshot_via_cli(data)
    key = _fingerprint(data)
    if key not in _snapshots:
        _snapshots[key] = _snapshot_via_cli(data)
    return _snapshots[key]


def _snapshot_via_cli(data) -> dict:
    nl = newsletters(data)
    jobs = {
        "subscribers": ("subscriber", "list", "--json", "--limit", "100000"),
        "export": ("export",),
    }
    for n in nl:
        jobs["show " + n["slug"]] = ("newsletter", "show", n["slug"], "--json")
        jobs["export " + n["slug"]] = ("export", "--newsletter", n["slug"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {k: pool.submit(run, *args, *data_args(data)) for k, args in jobs.items()}
        out = {k: assert_ok(f.result()).stdout for k, f in futures.items()}
    state = {"newsletters": nl, "subscribers": json.loads(out.pop("subscribers"))}
    for k, v in out.items():
        state[k] = json.loads(v) if k.startswith("show ") else v
    return state


def write_csv(path: pathlib.Path, content: str | bytes) -> pathlib.Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- data folders -------------------------------------------------------------------
#
# `init` and `demo` are run once per session into template folders made by the real
# commands; each test gets its own copy (a data folder is just files), which keeps
# the suite fast. Tests of `init` and `demo` themselves run the commands directly.
# On PostgreSQL the templates' databases live for the session and each copy gets a
# clone of its template's (backend.py).


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    root = tmp_path_factory.mktemp("templates")
    plain = root / "init"
    demo = root / "demo"
    if ON_POSTGRES:
        DATABASES.reserve(plain, session=True)
        DATABASES.reserve(demo, session=True)
    assert_ok(run("init", *data_args(plain)))
    assert_ok(run("init", *data_args(demo)))
    assert_ok(run("demo", *data_args(demo)))
    return {"init": plain, "demo": demo}


def copy_data_folder(src: pathlib.Path, dst: pathlib.Path) -> pathlib.Path:
    """A copy of data folder SRC at DST, its database too: on PostgreSQL DST gets a clone
    of SRC's database (backend.py), so that a copy never writes into its template."""
    shutil.copytree(src, dst, copy_function=shutil.copy2)
    backend.copy_bound(src, dst)
    return dst


@pytest.fixture
def data(tmp_path, _templates) -> pathlib.Path:
    """A fresh data folder made by `broadsheet init`."""
    return copy_data_folder(_templates["init"], tmp_path / "data")


@pytest.fixture
def demo(tmp_path, _templates) -> pathlib.Path:
    """A data folder made by `broadsheet init` with `broadsheet demo` loaded."""
    return copy_data_folder(_templates["demo"], tmp_path / "data")


# --- the server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def port_is_bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As a restarted server would: TIME_WAIT leftovers do not hold the port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen(1)
            return True
        except OSError:
            return False


def wait_for(predicate, timeout=60, what="condition"):
    """Polls `predicate` every 0.1 s until it returns something truthy, and returns
    that; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


class Server(str):
    """A running `broadsheet serve`. It *is* its base URL ("http://127.0.0.1:PORT"),
    and also carries the process, port, data folder and log files."""

    proc: subprocess.Popen
    port: int
    data: pathlib.Path
    log_path: pathlib.Path

    def __new__(cls, base, **attrs):
        obj = super().__new__(cls, base)
        obj.__dict__.update(attrs)
        return obj

    @property
    def url(self) -> str:
        return str(self)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, sig=signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        """Sends `sig` and waits; returns (exit code, seconds taken). Fails the test
        if the process is still running after `timeout` seconds."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"broadsheet serve did not exit within {timeout} s of {sig.name}\n"
                        f"log tail:\n{self.log()[-3000:]}")
        return code, time.monotonic() - start


def start_server(data, tmp_path, env: dict | None = None, wait: float = 15) -> Server:
    """Starts `broadsheet serve` on a free port and waits until /healthz answers 200."""
    last_log = ""
    for attempt in range(3):  # another process may grab the free port meanwhile
        port = free_port()
        log_path = tmp_path / f"serve-{port}.log"
        argv = ["serve", "--data", str(data), "--listen", f"127.0.0.1:{port}"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [BIN, *argv], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=clean_env(backend.database_env(argv, env)))
        server = Server(f"http://127.0.0.1:{port}", proc=proc, port=port, data=data,
                        log_path=log_path)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return server
                conn.close()
            except OSError:
                pass
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            pytest.fail(f"broadsheet serve did not answer /healthz within {wait} s\n"
                        f"{server.log()[-3000:]}")
        last_log = server.log()
        if "bind" not in last_log and "in use" not in last_log:
            break
    pytest.fail(f"broadsheet serve exited with {proc.returncode} at start:\n{last_log[-3000:]}")


@pytest.fixture
def server_factory(tmp_path):
    """start(data, env=None) -> Server; every server started is stopped with SIGTERM at
    teardown and must exit 0 within 15 s."""
    started: list[Server] = []

    def start(data, env=None):
        s = start_server(data, tmp_path, env)
        started.append(s)
        return s

    yield start
    problems = []
    for s in started:
        if s.proc.poll() is not None:
            continue  # a test stopped it and checked how
        code, _ = s.terminate()
        if code != 0:
            problems.append(f"port {s.port}: exit code {code}\n{s.log()[-2000:]}")
    assert not problems, "servers did not stop cleanly on SIGTERM:\n" + "\n".join(problems)


@pytest.fixture
def server(demo, server_factory):
    """`broadsheet serve` on the demo publication; yields its base URL (a Server).
    At teardown it gets SIGTERM and must exit 0 within 15 s (see server_factory)."""
    yield server_factory(demo)


# --- HTTP helpers ---------------------------------------------------------------------


class Reply:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Reply {self.status} {self.headers} {self.body[:200]!r}>"


def request(base_or_port, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 10) -> Reply:
    port = base_or_port if isinstance(base_or_port, int) else base_or_port.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Reply(r.status, r.reason, r.getheaders(), r.read())
    finally:
        conn.close()


def get(base, path, **kw) -> Reply:
    return request(base, "GET", path, **kw)


def raw_exchange(port: int, data: bytes, timeout: float = 10, shutdown_write=False) -> bytes:
    """Sends raw bytes and reads until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if shutdown_write:
            s.shutdown(socket.SHUT_WR)
        return read_until_closed(s, timeout)


def read_until_closed(s: socket.socket, timeout: float = 10) -> bytes:
    s.settimeout(timeout)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        out += chunk
    else:
        raise AssertionError(f"the server did not close the connection within {timeout} s")
    return out


def parse_responses(raw: bytes) -> list[Reply]:
    """Splits a byte stream into HTTP/1.1 responses (Content-Length framed)."""
    replies = []
    rest = raw
    while rest:
        head, sep, rest = rest.partition(b"\r\n\r\n")
        assert sep, f"incomplete response head: {head[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        assert version.startswith("HTTP/1."), f"not an HTTP response: {lines[0]!r}"
        headers = [tuple(l.split(":", 1)) for l in lines[1:]]
        headers = [(k.strip(), v.strip()) for k, v in headers]
        length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0"))
        assert len(rest) >= length, f"body cut short: {len(rest)} of {length} bytes"
        replies.append(Reply(int(status), reason, headers, rest[:length]))
        rest = rest[length:]
    return replies


def scrape_metrics(base) -> dict[str, float]:
    """Prometheus text -> {"name{labels}": value}."""
    r = get(base, "/metrics")
    assert r.status == 200
    out = {}
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        out[key] = float(value)
    return out


def scrape_metrics_until(base, predicate, timeout: float = 10) -> dict[str, float]:
    """Scrapes until predicate(metrics) holds or `timeout` passes; returns the last
    scrape. A request is counted once its response has been written, which can be a
    moment after the client has read it."""
    deadline = time.monotonic() + timeout
    while True:
        m = scrape_metrics(base)
        if predicate(m) or time.monotonic() > deadline:
            return m
        time.sleep(0.05)


def quiet_metrics(base, timeout: float = 10) -> dict[str, float]:
    """A baseline scrape taken once the request counters (other than /metrics' own) stop
    moving: a request made before it, by an earlier test or the fixture's start-up probe,
    is counted once its response has been written, which can be after the client read it."""
    def counters(m):
        return {k: v for k, v in m.items()
                if k.startswith("broadsheet_http_requests_total{") and 'route="/metrics"' not in k}
    previous = scrape_metrics(base)
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(0.05)
        current = scrape_metrics(base)
        if counters(current) == counters(previous) or time.monotonic() > deadline:
            return current
        previous = current
