"""Real DSNs from a real Postfix (issue 13's "Tests"): a throwaway Postfix instance on
127.0.0.1 (postfix_helpers.py) relays an issue from Broadsheet; addresses that do not
exist (unknown local users, and a domain whose smtp-sink refuses every recipient)
make Postfix write DSNs to each copy's return path bounce+TOKEN@bounces...; Postfix
delivers those to Broadsheet through both ways in, split by the token's last hex
digit: the LMTP listener of `serve` (an `lmtp:` transport) and a `pipe` transport into
`broadsheet bounce process`. Every address that does not exist ends up suppressed, no
other does, and the next issue skips exactly those."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

from backend import sql
from conftest import BIN, DOMAIN, assert_ok, copy_data_folder, data_args, free_port, run
from postfix_helpers import postfix_factory, skip_unless_possible  # noqa: F401
from send_helpers import add_newsletter, create_issue, sink_factory, write_csv  # noqa: F401

SINK_DOMAIN = "sink.broadsheet-test.net"        # relayed to an accepting smtp-sink
GONE_DOMAIN = "gone.broadsheet-test.net"        # Postfix's own: no such local user
REFUSING_DOMAIN = "refusing.broadsheet-test.net"  # relayed to an smtp-sink saying 550
BOUNCE_DOMAIN = "bounces.broadsheet-test.net"

READERS, UNKNOWN_LOCAL, REFUSED = 1000, 30, 20


def suppressed_addresses(data) -> set[str]:
    return {r[0] for r in sql(data, "SELECT address FROM suppressions WHERE address IS NOT NULL")}


def test_an_issue_through_postfix_suppresses_exactly_the_addresses_that_do_not_exist(
        data, sink_factory, postfix_factory, server_factory):
    skip_unless_possible()
    # The pipe transport runs `bounce process` as `nobody` (Postfix runs no command as
    # root): the data folder is theirs, in a folder they can reach. Broadsheet's other
    # processes here run as root, and SQLite gives the files it creates as root (WAL,
    # shared memory) to the database's owner.
    home = pathlib.Path(tempfile.mkdtemp(prefix="broadsheet-pf-data-", dir="/tmp"))
    os.chmod(home, 0o755)
    try:
        _run(home, data, sink_factory, postfix_factory, server_factory)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run(home, template, sink_factory, postfix_factory, server_factory):
    data = home / "data"
    copy_data_folder(template, data)
    add_newsletter(data)
    alive = [f"reader{i}@{SINK_DOMAIN}" for i in range(READERS - UNKNOWN_LOCAL - REFUSED)]
    gone = [f"ghost{i}@{GONE_DOMAIN}" for i in range(UNKNOWN_LOCAL)]
    refused = [f"nobody{i}@{REFUSING_DOMAIN}" for i in range(REFUSED)]
    dead = set(gone + refused)
    everyone = alive + gone + refused
    csv = write_csv(home / "readers.csv",
                    "email\n" + "".join(f"{a}\n" for a in everyone))
    assert_ok(run("import", str(csv), "--newsletter", "morning-briefing", "--confirmed",
                  *data_args(data), timeout=300))
    subprocess.run(["chown", "-R", "nobody:nogroup", str(data)], check=True)

    sink = sink_factory(name="alive")
    refusing = sink_factory("-f", "RCPT", name="refusing")
    lmtp_port, smtpd_port = free_port(), free_port()
    bounce_re = BOUNCE_DOMAIN.replace(".", r"\.")
    transport = "\n".join([
        # Half the DSNs by LMTP to serve's listener, half by pipe to `bounce process`.
        rf"/^bounce\+[0-9a-f]*[02468ace]@{bounce_re}$/ lmtp:inet:127.0.0.1:{lmtp_port}",
        rf"/@{bounce_re}$/ broadsheet:",
        rf"/@{SINK_DOMAIN.replace('.', chr(92) + '.')}$/ smtp:[127.0.0.1]:{sink.port}",
        rf"/@{REFUSING_DOMAIN.replace('.', chr(92) + '.')}$/ smtp:[127.0.0.1]:{refusing.port}",
    ]) + "\n"
    pf = postfix_factory(
        smtpd_port,
        main_cf=f"""\
myhostname = mx.broadsheet-test.net
mydestination = {GONE_DOMAIN}
local_recipient_maps =
smtpd_reject_unlisted_recipient = no
transport_maps = regexp:{{etc}}/transport
broadsheet_destination_recipient_limit = 1
minimal_backoff_time = 1s
queue_run_delay = 1s
default_destination_concurrency_limit = 20
""",
        master_cf_extra=(
            "broadsheet unix - n n - - pipe\n"
            f"  flags=DRq user=nobody argv={BIN} bounce process --data {data}\n"),
        files={"transport": transport})

    env = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
           "BROADSHEET_SMTP_PORT": str(smtpd_port), "BROADSHEET_SMTP_TLS": "none",
           "BROADSHEET_BOUNCE_DOMAIN": BOUNCE_DOMAIN,
           "BROADSHEET_INBOUND_LISTEN": f"127.0.0.1:{lmtp_port}",
           "BROADSHEET_HTTP_ACCESS_LOG": "off"}
    server = server_factory(data, env)

    first = create_issue(data, home, subject="Monday: through Postfix")
    assert_ok(run("issue", "send", first, "--wait", *data_args(data), env=env, timeout=300))

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(suppressed_addresses(data)) < len(dead):
        time.sleep(0.25)
    got = suppressed_addresses(data)
    assert got == dead, (
        f"{len(got & dead)} of {len(dead)} suppressed, {len(got - dead)} wrongly\n"
        f"postfix log tail:\n{pf.log()[-4000:]}\nserve log tail:\n{server.log()[-3000:]}")
    log = pf.log()
    # Both ways in were used, and every DSN was delivered (none deferred for a retry).
    assert "relay=127.0.0.1[127.0.0.1]:%d" % lmtp_port in log, log[-3000:]
    assert "relay=broadsheet" in log, log[-3000:]
    # The bounces are kept with their Postfix status: 5.1.1 for the unknown users.
    info = json.loads(assert_ok(run("subscriber", "show", gone[0], "--json",
                                    *data_args(data))).stdout)
    assert [e["kind"] for e in info["bounces"]] == ["hard"]
    assert "5.1.1" in info["bounces"][0]["status"], info["bounces"]
    # Postfix may still be handing the 950 copies to the sink (the DSNs can come back
    # first): wait for them as for the bounces.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sink.recipients()) < len(alive):
        time.sleep(0.25)
    assert sorted(sink.recipients()) == sorted(alive)

    # The next issue goes to exactly the 950 others.
    second = create_issue(data, home, subject="Tuesday: after the bounces")
    assert_ok(run("issue", "send", second, "--wait", *data_args(data), env=env, timeout=300))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sink.recipients()) < 2 * len(alive):
        time.sleep(0.25)
    received = sink.recipients()
    assert len(received) == 2 * len(alive)
    assert sorted(received) == sorted(alive + alive)
    assert refusing.recipients() == []
    code, _ = server.terminate()
    assert code == 0
