"""The installed layout of the Debian package (cmake/package.cmake), without installing
anything: the configuration in an `etc` folder, the data folder's `broadsheet.toml` a
link to it, as the postinst makes them in a temporary folder. `init` keeps the link and
fills the folder; `dkim keygen` edits the linked file where it is, keeping the link and
the file's mode; `serve`'s checks do not call the linked file too open. Also the
systemd unit: `systemd-analyze verify` (where systemd is installed) with its ExecStart
pointed at the binary under test."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import stat
import subprocess

import pytest

from backend import ON_POSTGRES
from conftest import BIN, REPO, run

UNIT = REPO / "packaging" / "systemd" / "broadsheet@.service"


def packaged_layout(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """etc/broadsheet.toml (what `init` writes, mode 0640) and data/ linking to it."""
    scratch = tmp_path / "scratch"
    assert run("init", "--data", scratch).returncode == 0
    etc = tmp_path / "etc"
    etc.mkdir()
    config = etc / "broadsheet.toml"
    shutil.copyfile(scratch / "broadsheet.toml", config)
    config.chmod(0o640)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "broadsheet.toml").symlink_to(config)
    return config, data


def test_init_keeps_the_link_and_fills_the_folder(tmp_path):
    config, data = packaged_layout(tmp_path)
    before = config.read_text()
    r = run("init", "--data", data)
    assert r.returncode == 0, r.stderr
    assert f"kept {data / 'broadsheet.toml'}" in r.stdout
    assert (data / "broadsheet.toml").is_symlink()
    assert config.read_text() == before
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # the package's mode, not 0600
    assert stat.S_IMODE((data / "secrets" / "hmac.key").stat().st_mode) == 0o600
    if not ON_POSTGRES:  # on PostgreSQL the configuration names the database
        assert (data / "broadsheet.db").is_file()


def test_dkim_keygen_edits_the_linked_configuration_where_it_is(tmp_path):
    config, data = packaged_layout(tmp_path)
    assert run("init", "--data", data).returncode == 0
    r = run("dkim", "keygen", "--data", data, "--domain", "news.broadsheet-test.net",
            "--selector", "s1", "--algo", "ed25519")
    assert r.returncode == 0, r.stderr
    link = data / "broadsheet.toml"
    assert link.is_symlink() and link.resolve() == config.resolve()
    assert "news.broadsheet-test.net:s1:ed25519:" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert not (data / "broadsheet.toml.new").exists()
    assert not (config.parent / "broadsheet.toml.new").exists()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_the_unit_verifies(tmp_path):
    text = UNIT.read_text()
    assert "ExecStart=/usr/bin/broadsheet serve " in text
    for key in ("ProtectSystem=strict", "NoNewPrivileges=yes", "User=broadsheet",
                "ReadWritePaths=/var/lib/broadsheet", "PrivateTmp=yes", "ProtectHome=yes",
                "TimeoutStopSec=10s", "Restart=on-failure"):
        assert re.search(rf"^{re.escape(key)}$", text, re.M), key
    # The binary under test in place of /usr/bin's, and the manual named by the unit
    # left out (man-db may not be installed).
    unit = tmp_path / "broadsheet@all.service"
    unit.write_text(text.replace("/usr/bin/broadsheet", os.path.abspath(BIN))
                    .replace("Documentation=man:broadsheet(1)\n", ""))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
