"""`broadsheet issue send` on a data folder with no server of its own, beside sender nodes
on the same database (issue 15 item 3): the operator's command on an admin machine hands
the issue to the sender nodes alive on the database and, with --wait, follows them to the
end; with no sender node alive (none started, one stopped cleanly, one killed with
kill -9) the command sends the issue itself, as on one machine.

The nodes and the database come from test_nodes.py's fixtures (SQLite in WAL mode, or
PostgreSQL with BROADSHEET_TEST_DATABASE=postgresql).
"""

from __future__ import annotations

import json
import signal

from conftest import DOMAIN, assert_ok, write_csv
from send_helpers import ISSUE_MARKDOWN, start_sink
from test_nodes import cluster, database_url, sink_count  # noqa: F401 (fixtures)

READERS = 40


def make_issue(cluster, tmp_path, subject):
    body = tmp_path / "issue.md"
    body.write_text(ISSUE_MARKDOWN, encoding="utf-8")
    return int(assert_ok(cluster.cli("issue", "create", "--newsletter", "morning-briefing",
                                     "--subject", subject, "--body-file", body)).stdout.strip())


def status_of(cluster, issue):
    return json.loads(assert_ok(cluster.cli("issue", "show", issue, "--json")).stdout)["status"]


def test_issue_send_hands_the_issue_to_the_sender_nodes_alive_on_the_database(cluster, tmp_path):
    sink = start_sink(tmp_path, name="sink")
    try:
        cluster.extra = sink.env()
        assert_ok(cluster.cli("newsletter", "add", "--slug", "morning-briefing", "--name",
                              "Morning Briefing", "--from", f"Morning Desk <desk@{DOMAIN}>"))
        csv = write_csv(tmp_path / "readers.csv", "email,name\n" + "".join(
            f"reader{i}@{DOMAIN},Reader {i}\n" for i in range(READERS)))
        assert_ok(cluster.cli("import", csv, "--newsletter", "morning-briefing", "--confirmed"))

        # A sender node alive: the command hands the issue over and follows it.
        node = cluster.start("s0", "sender")
        first = make_issue(cluster, tmp_path, "Handed over")
        cp = assert_ok(cluster.cli("issue", "send", first, "--wait", timeout=120))
        assert f"issue {first}: handed to the sender nodes (1 alive)" in cp.stderr, cp.stderr
        assert status_of(cluster, first) == "sent"
        assert sink_count(sink) == READERS

        # Stopped cleanly, the node is forgotten at once: the command sends by itself.
        assert node.stop() == 0, node.log()[-3000:]
        second = make_issue(cluster, tmp_path, "Sent here")
        cp = assert_ok(cluster.cli("issue", "send", second, "--wait", timeout=120))
        assert "handed to the sender nodes" not in cp.stderr, cp.stderr
        assert status_of(cluster, second) == "sent"
        assert sink_count(sink) == 2 * READERS

        # Killed, its heartbeat stays in the database, but it is a process of this host
        # that is gone: the command does not hand the issue to it.
        killed = cluster.start("s1", "sender")
        killed.stop(signal.SIGKILL)
        third = make_issue(cluster, tmp_path, "After a kill")
        cp = assert_ok(cluster.cli("issue", "send", third, "--wait", timeout=120))
        assert "handed to the sender nodes" not in cp.stderr, cp.stderr
        assert status_of(cluster, third) == "sent"
        assert sink_count(sink) == 3 * READERS
    finally:
        sink.stop()
