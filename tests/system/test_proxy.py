"""Broadsheet behind a real nginx (Debian's), as publishers with TLS run it.

A throwaway nginx with its own prefix, configuration, pid and logs in the test's
temporary folder listens on 127.0.0.1 and forwards to `broadsheet serve` with the
README's configuration; `http.trusted_proxies` names it. The client address the
server sees (its access log, and whether /metrics takes it for a local client) must
be the one nginx forwards, and nobody else's X-Forwarded-For may be believed.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import free_port, wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The location block of README.md's nginx snippet.
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/client_body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


def outside_address() -> str | None:
    """An address of this machine that is not loopback, to be a "remote" client."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout
    except OSError:
        return None
    for a in out.split():
        if "." in a and not a.startswith("127."):
            return a
    return None


@pytest.fixture
def nginx(tmp_path):
    """start(backend_port) -> nginx's port; stopped at teardown."""
    if not os.access(NGINX, os.X_OK):
        pytest.skip("nginx is not installed (scripts/packages.txt: nginx-light)")
    procs = []

    def start(backend: int) -> int:
        root = tmp_path / "nginx"
        root.mkdir()
        port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=root, port=port, backend=backend))
        proc = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log"),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        procs.append(proc)

        def listening():
            assert proc.poll() is None, (root / "error.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        wait_for(listening, timeout=10, what="nginx to listen")
        return port

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def fetch(port: int, path: str, source: str, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def logged_client(server, marker: str) -> str:
    """The client address of the access-log line of the request for `marker`."""
    def line():
        for l in server.log().splitlines():
            if marker in l:
                return l
        return None
    found = wait_for(line, timeout=5, what=f"the access log line of {marker}")
    m = re.search(r"\b([0-9a-f]{16}) (\S+) GET ", found)
    assert m, found
    return m.group(2)


def test_client_address_comes_from_the_trusted_proxy_only(demo, server_factory, nginx):
    remote = outside_address()
    if remote is None:
        pytest.skip("this machine has no address but loopback")
    server = server_factory(demo, env={"BROADSHEET_HTTP_TRUSTED_PROXIES": "127.0.0.1"})
    proxy = nginx(server.port)

    # Through nginx, with a forged X-Forwarded-For of its own: the server sees the
    # address nginx saw, not the forgery.
    assert fetch(proxy, "/newsletters?via=proxy", remote,
                 {"X-Forwarded-For": "203.0.113.66"}) == 200
    assert logged_client(server, "via=proxy") == remote

    # /metrics: the proxy is on loopback, but the client it forwards is not local.
    assert fetch(proxy, "/metrics", remote, {"X-Forwarded-For": "127.0.0.1"}) == 401
    # A client on this machine through the proxy still is.
    assert fetch(proxy, "/metrics", "127.0.0.1") == 200

    # Straight to the server, from an address that is no trusted proxy: its
    # X-Forwarded-For is ignored.
    assert fetch(server.port, "/newsletters?via=direct", "127.0.0.9",
                 {"X-Forwarded-For": "203.0.113.77"}) == 200
    assert logged_client(server, "via=direct") == "127.0.0.9"
    assert fetch(server.port, "/metrics", remote, {"X-Forwarded-For": "127.0.0.1"}) == 401


def test_without_trusted_proxies_forwarded_headers_are_ignored(demo, server_factory, nginx):
    server = server_factory(demo)
    proxy = nginx(server.port)
    assert fetch(proxy, "/newsletters?via=untrusted", "127.0.0.3",
                 {"X-Forwarded-For": "203.0.113.5"}) == 200
    # nginx itself is the client.
    assert logged_client(server, "via=untrusted") == "127.0.0.1"
