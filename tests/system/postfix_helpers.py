"""A throwaway Postfix instance from Debian's `postfix` package for the tests: its own
configuration, queue and data folders under one temporary folder, listening on
127.0.0.1 only, logging to a file there, started with `postfix -c DIR start` and
stopped with `postfix -c DIR abort` (never the system's instance: it has a
configuration directory of its own).

Postfix's master runs as root and its daemons as the `postfix` user, so this needs
root; without root or without Postfix the tests that use it are skipped, saying why."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"

# Every daemon in one process tree, none chrooted (the queue is not under /var/spool).
MASTER_CF = """\
127.0.0.1:{smtpd_port} inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def skip_unless_possible():
    if os.geteuid() != 0:
        pytest.skip("a throwaway Postfix needs root: its master runs as root, its daemons as "
                    "the postfix user")
    if not os.path.exists(POSTFIX):
        pytest.skip("Debian's postfix package is not installed (scripts/packages-test.txt)")


class Postfix:
    def __init__(self, root: pathlib.Path, smtpd_port: int):
        self.root = root
        self.etc = root / "etc"
        self.smtpd_port = smtpd_port
        self.maillog = root / "maillog"

    def postfix(self, *args: str) -> subprocess.CompletedProcess:
        # Postfix writes its errors to syslog, or to stderr on a terminal only: `script`
        # gives it one, so a failure says why.
        return subprocess.run(["script", "-qec", " ".join([POSTFIX, "-c", str(self.etc), *args]),
                               "/dev/null"], capture_output=True, text=True, timeout=60)

    def log(self) -> str:
        return self.maillog.read_text(errors="replace") if self.maillog.exists() else ""

    def stop(self):
        self.postfix("abort")
        # The master's daemons end with it; the folder goes once they have.
        for _ in range(50):
            if not (self.root / "lib" / "master.lock").exists():
                break
            cp = subprocess.run(["pgrep", "-f", f"-c {self.etc}"], capture_output=True)
            if cp.returncode != 0:
                break
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


def start_postfix(smtpd_port: int, main_cf: str, master_cf_extra: str = "",
                  files: dict[str, str] | None = None) -> Postfix:
    """Postfix with `main_cf` (added to what every instance needs; "{etc}" in it is
    its configuration folder) listening on 127.0.0.1:smtpd_port; `files` are written
    into its configuration folder (maps).
    The folder is world-readable (under /tmp, not pytest's private folder) because the
    postfix user and a pipe transport's user must reach it."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="broadsheet-postfix-", dir="/tmp"))
    os.chmod(root, 0o755)
    pf = Postfix(root, smtpd_port)
    (root / "spool").mkdir()
    (root / "lib").mkdir()
    shutil.chown(root / "lib", "postfix")
    pf.etc.mkdir()
    for name, text in (files or {}).items():
        (pf.etc / name).write_text(text)
    (pf.etc / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/lib
mail_owner = postfix
setgid_group = postdrop
maillog_file = {pf.maillog}
maillog_file_prefixes = {root}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
biff = no
disable_dns_lookups = yes
smtp_host_lookup = native
default_process_limit = 40
{main_cf.replace('{etc}', str(pf.etc))}
""")
    (pf.etc / "master.cf").write_text(MASTER_CF.format(smtpd_port=smtpd_port) + master_cf_extra)
    cp = pf.postfix("start")
    if cp.returncode != 0:
        log = pf.log()
        pf.stop()
        pytest.fail(f"postfix did not start: {cp.stdout}{cp.stderr}\n{log[-3000:]}")
    import socket
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", smtpd_port), timeout=1):
                return pf
        except OSError:
            time.sleep(0.05)
    log = pf.log()
    pf.stop()
    pytest.fail("postfix's smtpd did not listen within 15 s\n" + log[-3000:])


@pytest.fixture
def postfix_factory():
    started: list[Postfix] = []

    def start(*args, **kw) -> Postfix:
        skip_unless_possible()
        pf = start_postfix(*args, **kw)
        started.append(pf)
        return pf

    yield start
    for pf in started:
        pf.stop()
