"""A throwaway Dovecot (Debian's dovecot-imapd and dovecot-pop3d) for the mailbox
poller's tests: its own config folder, a self-signed certificate made here with openssl,
one passwd-file user and a Maildir the test fills; IMAPS and POP3S on 127.0.0.1 on free
ports. Never the system's service: `dovecot -F -c OUR_CONFIG`, stopped at teardown."""
from __future__ import annotations

import os
import pathlib
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "bounces"
PASSWORD = "mailbox-s3cret"


class Dovecot:
    def __init__(self, root: pathlib.Path):
        self.root = root
        self.imaps = free_port()
        self.pop3s = free_port()
        self.cert = root / "cert.pem"
        self.maildir = root / "home" / USER / "Maildir"
        self.proc: subprocess.Popen | None = None
        self._n = 0
        if os.geteuid() == 0:
            # Dovecot never gives mail to uid 0: the mailbox belongs to nobody.
            nobody = pwd.getpwnam("nobody")
            self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
            self.internal = ""
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            me = pwd.getpwuid(self.uid).pw_name
            self.internal = f"default_internal_user = {me}\ndefault_login_user = {me}\n"

    def start(self):
        r = self.root
        for d in ("run", "state", "home"):
            (r / d).mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-keyout", str(r / "key.pem"), "-out", str(self.cert),
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        (r / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (r / "dovecot.conf").write_text(f"""
base_dir = {r}/run
state_dir = {r}/state
instance_name = broadsheet-test-{self.imaps}
{self.internal}listen = 127.0.0.1
protocols = imap pop3
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{r}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_failure_delay = 0
log_path = {r}/dovecot.log
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={r}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = {self.pop3s}
    ssl = yes
  }}
}}
""")
        for d in ("new", "cur", "tmp"):
            (self.maildir / d).mkdir(parents=True, exist_ok=True)
        self._own(r / "home")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(r / "dovecot.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(r / "dovecot.stderr", "wb"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._answers(self.imaps) and self._answers(self.pop3s):
                return self
            time.sleep(0.05)
        pytest.fail(f"dovecot did not start:\n{self.log()[-3000:]}")

    def _answers(self, port) -> bool:
        context = ssl.create_default_context(cafile=str(self.cert))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                with context.wrap_socket(s, server_hostname="127.0.0.1") as t:
                    return t.recv(1) != b""
        except OSError:
            return False

    def _own(self, path: pathlib.Path):
        if os.geteuid() != 0:
            return
        for p in [path, *path.rglob("*")]:
            os.chown(p, self.uid, self.gid)

    def deliver(self, message: bytes):
        """Puts a message in the Maildir as a delivery agent does (tmp/, then new/)."""
        self._n += 1
        name = f"{int(time.time())}.M{self._n}P{os.getpid()}.test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(message)
        self._own(tmp)
        tmp.rename(self.maildir / "new" / name)

    def count(self) -> int:
        return sum(1 for d in ("new", "cur") for _ in (self.maildir / d).iterdir())

    def url(self, protocol: str) -> str:
        if protocol == "imap":
            return f"imaps://{USER}@127.0.0.1:{self.imaps}/INBOX"
        return f"pop3s://{USER}@127.0.0.1:{self.pop3s}"

    def log(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def dovecot():
    if not shutil.which(DOVECOT) or not pathlib.Path("/usr/lib/dovecot/imap").exists():
        pytest.fail("dovecot-imapd and dovecot-pop3d are needed: scripts/install-deps --test")
    # Not under pytest's tmp_path: its folders are 0700, and the mail user (nobody, when
    # the tests run as root) must reach the Maildir.
    root = pathlib.Path(tempfile.mkdtemp(prefix="broadsheet-dovecot-"))
    root.chmod(0o755)
    d = Dovecot(root)
    try:
        d.start()
        yield d
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)
