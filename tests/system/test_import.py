"""`broadsheet import FILE --newsletter SLUG` and the export round trip.

Good rows are imported, bad rows are reported on stderr as "line N: reason" (and
with --strict nothing is imported), and a file that cannot be imported at all is
refused with one line and changes nothing.
"""

import csv
import io
import os
import pty
import re
import subprocess
import time

import pytest

from conftest import (BIN, DOMAIN, assert_fails, assert_ok, clean_env, data_args, emails,
                      export_rows, newsletter, run, snapshot, subscriber, write_csv)

SUMMARY = re.compile(r"imported (\d+) rows into (\S+): (\d+) new subscribers, (\d+) "
                     r"subscriptions added, (\d+) duplicates skipped, (\d+) rows rejected")


def addr(local):
    return f"{local}@{DOMAIN}"


def summary(cp) -> dict:
    m = SUMMARY.search(cp.stdout)
    assert m, f"no import summary on stdout: {cp.stdout!r}"
    keys = ["rows", "newsletter", "new", "added", "duplicates", "rejected"]
    return {k: (v if k == "newsletter" else int(v)) for k, v in zip(keys, m.groups())}


def rejected_lines(cp) -> dict[int, str]:
    out = {}
    for line in cp.stderr.splitlines():
        m = re.match(r"line (\d+): (.+)$", line)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


@pytest.fixture
def letter(data):
    """A data folder with one empty newsletter, `weekly`."""
    assert_ok(run("newsletter", "add", "--slug", "weekly", "--name", "Weekly", *data_args(data)))
    return data


def do_import(data, path, *extra, newsletter_slug="weekly", **kw):
    return run("import", path, "--newsletter", newsletter_slug, *extra, *data_args(data), **kw)


def weekly_emails(data):
    return emails(data, "--newsletter", "weekly")


# --- good files ---------------------------------------------------------------------


def test_import_with_header(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv",
                  f"email,name,timezone\n{addr('ann')},Ann,Europe/Paris\n{addr('bob')},Bob,\n"
                  f"{addr('cy')},,\n")
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s == {"rows": 3, "newsletter": "weekly", "new": 3, "added": 3, "duplicates": 0,
                 "rejected": 0}
    assert cp.stderr.strip() == ""
    assert weekly_emails(letter) == {addr("ann"), addr("bob"), addr("cy")}
    ann = subscriber(letter, addr("ann"))
    assert ann["name"] == "Ann" and ann["timezone"] == "Europe/Paris"
    assert ann["subscriptions"][0]["status"] == "unconfirmed"
    assert ann["subscriptions"][0]["source"] == "import"
    assert newsletter(letter, "weekly")["subscriptions"]["unconfirmed"] == 3


def test_import_without_header(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", f"{addr('ann')},Ann,Asia/Tokyo\n{addr('bob')}\n")
    s = summary(assert_ok(do_import(letter, f)))
    assert s["new"] == 2 and s["rejected"] == 0
    assert weekly_emails(letter) == {addr("ann"), addr("bob")}
    assert subscriber(letter, addr("ann"))["timezone"] == "Asia/Tokyo"


def test_import_spreadsheet_export(letter, tmp_path):
    """BOM, CRLF line ends, header in another order and case, quoted names holding
    commas and quotes, blank lines, surrounding spaces."""
    content = (
        "\ufeffName,E-mail,TZ\r\n"
        f"\"Smith, Ann\",{addr('ann')},Europe/London\r\n"
        f"\"O\"\"Brien, Bob \"\"Bobby\"\"\", {addr('bob')} ,America/New_York\r\n"
        "\r\n"
        f"Cy,{addr('cy')},\r\n"
    )
    f = write_csv(tmp_path / "excel.csv", content)
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["new"] == 3 and s["rejected"] == 0, cp.stderr
    assert cp.stderr.strip() == ""
    assert subscriber(letter, addr("ann"))["name"] == "Smith, Ann"
    bob = subscriber(letter, addr("bob"))
    assert bob["name"] == 'O"Brien, Bob "Bobby"'
    assert bob["timezone"] == "America/New_York"
    cy = subscriber(letter, addr("cy"))
    assert cy["name"] == "Cy" and cy["timezone"] == ""
    # No carriage return or BOM leaks into stored values.
    for r in export_rows(letter):
        for v in r.values():
            assert "\r" not in v and "\ufeff" not in v


def test_import_confirmed(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", f"email\n{addr('ann')}\n{addr('bob')}\n")
    assert_ok(do_import(letter, f, "--confirmed"))
    counts = newsletter(letter, "weekly")["subscriptions"]
    assert counts["confirmed"] == 2 and counts["unconfirmed"] == 0
    assert weekly_emails(letter) == emails(letter, "--newsletter", "weekly", "--status",
                                            "confirmed")


def test_import_utf8_names_and_idn(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv",
                  f"email,name\n{addr('sofia')},Sofía Márquez\nleser@bücher.de,Jürgen 山田\n")
    s = summary(assert_ok(do_import(letter, f)))
    assert s["new"] == 2 and s["rejected"] == 0
    assert subscriber(letter, addr("sofia"))["name"] == "Sofía Márquez"
    assert subscriber(letter, "leser@bücher.de")["name"] == "Jürgen 山田"


def test_header_only_imports_nothing(letter, tmp_path):
    before = snapshot(letter)
    f = write_csv(tmp_path / "list.csv", "email,name\n")
    cp = assert_ok(do_import(letter, f))
    assert summary(cp)["rows"] == 0
    assert snapshot(letter) == before


# --- duplicates ---------------------------------------------------------------------


def test_duplicates_in_file(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv",
                  f"email,name\n{addr('ann')},First\n{addr('bob')},Bob\n{addr('ann')},Second\n"
                  f"  {addr('ann')}  ,Third\n")
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["new"] == 2 and s["added"] == 2 and s["duplicates"] == 2 and s["rejected"] == 0
    assert weekly_emails(letter) == {addr("ann"), addr("bob")}
    assert newsletter(letter, "weekly")["subscriptions"]["unconfirmed"] == 2
    ann = subscriber(letter, addr("ann"))
    assert len(ann["subscriptions"]) == 1


def test_duplicates_against_existing(letter, tmp_path):
    assert_ok(run("subscriber", "add", addr("ann"), "--name", "Ann Original", "--newsletter",
                  "weekly", "--confirmed", *data_args(letter)))
    assert_ok(run("subscriber", "add", addr("bob"), *data_args(letter)))  # on no newsletter
    f = write_csv(tmp_path / "list.csv",
                  f"email,name\n{addr('ann')},Ann Imported\n{addr('bob')},Bob\n{addr('cy')},Cy\n")
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["new"] == 1, "ann and bob exist already"
    assert s["added"] == 2, "bob and cy join weekly"
    assert s["duplicates"] == 1, "ann is already on weekly"
    ann = subscriber(letter, addr("ann"))
    assert ann["subscriptions"][0]["status"] == "confirmed", \
        "an import must not downgrade a confirmed subscription"
    counts = newsletter(letter, "weekly")["subscriptions"]
    assert counts == {"confirmed": 1, "unconfirmed": 2, "unsubscribed": 0}


def test_importing_twice_changes_nothing(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", f"email\n{addr('ann')}\n{addr('bob')}\n")
    assert_ok(do_import(letter, f))
    before = snapshot(letter)
    s = summary(assert_ok(do_import(letter, f)))
    assert s["new"] == 0 and s["added"] == 0 and s["duplicates"] == 2
    assert snapshot(letter) == before


# --- bad rows -----------------------------------------------------------------------


BAD_ROWS = (
    "email,name,timezone\n"            # line 1
    f"{addr('good1')},Good One,\n"     # line 2
    "not-an-address,X,\n"              # line 3
    f"{addr('good2')},Good Two,\n"     # line 4
    ",No Address,\n"                   # line 5
    f"{addr('tz')},T,Mars/Base\n"      # line 6
    "someone@example.com,Reserved,\n"  # line 7
    f"{addr('long')},{'n' * 300},\n"   # line 8
    f"{addr('good3')},Good Three,UTC\n"  # line 9
)


def test_bad_rows_are_reported_and_good_rows_imported(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", BAD_ROWS)
    cp = do_import(letter, f)
    assert cp.returncode == 0, cp.stderr
    bad = rejected_lines(cp)
    assert sorted(bad) == [3, 5, 6, 7, 8], cp.stderr
    assert "email" in bad[3] and "email" in bad[5]
    assert "Mars/Base" in bad[6]
    assert "reserved" in bad[7]
    assert "name" in bad[8]
    # Every stderr line is a row report; nothing else (no log noise, no stack).
    for line in cp.stderr.splitlines():
        assert re.match(r"line \d+: ", line), line
    s = summary(cp)
    assert s["rejected"] == 5 and s["new"] == 3
    assert weekly_emails(letter) == {addr("good1"), addr("good2"), addr("good3")}
    assert subscriber(letter, addr("tz")) is None
    assert subscriber(letter, addr("long")) is None


def test_line_numbers_count_physical_lines(letter, tmp_path):
    # A quoted field with a line break spans two lines; CRLF counts once.
    f = write_csv(tmp_path / "list.csv",
                  "email,name\r\n"
                  f"{addr('a')},\"two\r\nlines\"\r\n"
                  f"{addr('b')},B\r\n"
                  "bad\r\n")
    cp = do_import(letter, f)
    bad = rejected_lines(cp)
    assert sorted(bad) == [2, 5], cp.stderr
    assert emails(letter) == {addr("b")}


def test_strict_imports_nothing_when_a_row_is_bad(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", BAD_ROWS)
    before = snapshot(letter)
    cp = do_import(letter, f, "--strict")
    assert cp.returncode != 0
    lines = [l for l in cp.stderr.splitlines() if l.strip()]
    assert lines[-1].startswith("broadsheet: "), cp.stderr
    assert "strict" in lines[-1] and "nothing" in lines[-1]
    assert all(re.match(r"line \d+: ", l) for l in lines[:-1]), cp.stderr
    assert sorted(rejected_lines(cp)) == [3, 5, 6, 7, 8]
    assert "imported" not in cp.stdout
    assert snapshot(letter) == before


def test_strict_imports_a_clean_file(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", f"email\n{addr('ann')}\n{addr('bob')}\n")
    assert summary(assert_ok(do_import(letter, f, "--strict")))["new"] == 2


def test_bad_utf8_rows(letter, tmp_path):
    content = (b"email,name,timezone\n"
               + addr("ok1").encode() + b",Fine,\n"
               + addr("latin1").encode() + b",Fran\xe7ois,\n"          # Latin-1, not UTF-8
               + b"bad\xff\xfe@" + DOMAIN.encode() + b",X,\n"          # in the address
               + addr("tzbad").encode() + b",T,Europe/\xc0\n"          # in the zone
               + addr("overlong").encode() + b",\xc0\xaf,\n"           # overlong encoding
               + addr("surrogate").encode() + b",\xed\xa0\x80,\n"      # UTF-16 surrogate
               + addr("cut").encode() + b",caf\xc3,\n"                 # cut sequence
               + addr("ok2").encode() + b",Zo\xc3\xab,\n")
    f = write_csv(tmp_path / "list.csv", content)
    cp = do_import(letter, f)
    assert cp.returncode == 0, cp.stderr
    bad = rejected_lines(cp)
    assert sorted(bad) == [3, 4, 5, 6, 7, 8], cp.stderr
    assert all("UTF-8" in why for why in bad.values()), bad
    assert weekly_emails(letter) == {addr("ok1"), addr("ok2")}
    assert subscriber(letter, addr("ok2"))["name"] == "Zoë"
    # The export of what was stored is valid UTF-8.
    out = subprocess.run([BIN, "export", *data_args(letter)], capture_output=True,
                         env=clean_env(), timeout=30)
    out.stdout.decode("utf-8")


def test_control_characters_in_names_are_rejected(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv",
                  f"email,name\n{addr('a')},bell\x07\n{addr('b')},nul\x00byte\n{addr('c')},C\n")
    cp = do_import(letter, f)
    assert sorted(rejected_lines(cp)) == [2, 3], cp.stderr
    assert weekly_emails(letter) == {addr("c")}


def test_many_bad_rows_are_summarised(letter, tmp_path):
    rows = "".join(f"bad{i}\n" for i in range(250))
    f = write_csv(tmp_path / "list.csv", f"email\n{rows}{addr('last')}\n")
    cp = do_import(letter, f)
    assert cp.returncode == 0
    assert len(rejected_lines(cp)) == 100
    assert "150 more" in cp.stderr
    assert len(cp.stderr.splitlines()) == 101
    assert summary(cp)["rejected"] == 250
    assert weekly_emails(letter) == {addr("last")}


def test_unclosed_quote_at_end(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv",
                  f"email,name\n{addr('a')},A\n{addr('b')},\"never closed\n{addr('c')},C\n")
    cp = do_import(letter, f)
    bad = rejected_lines(cp)
    assert list(bad) == [3], cp.stderr
    assert "quote" in bad[3]
    assert emails(letter) == {addr("a")}


def test_progress_bar_only_on_a_terminal(letter, tmp_path):
    rows = "".join(f"reader{i}@{DOMAIN},Reader {i},\n" for i in range(40000))
    f = write_csv(tmp_path / "big-list.csv", "email,name,timezone\n" + rows)
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([BIN, "import", str(f), "--newsletter", "weekly",
                              *data_args(letter)], stdout=subprocess.PIPE, stderr=slave,
                             env=clean_env())
        os.close(slave)
        slave = None
        out, _ = p.communicate(timeout=120)
        tty = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            tty += chunk
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert p.returncode == 0, tty
    assert b"importing" in tty and b"rows" in tty, tty
    assert b"importing" not in out, "the progress bar belongs on stderr"
    assert summary(subprocess.CompletedProcess([], 0, out.decode(), ""))["new"] == 40000
    assert newsletter(letter, "weekly")["subscriptions"]["unconfirmed"] == 40000

    # Not a terminal: no progress bar, so a log or a cron mail stays clean.
    f2 = write_csv(tmp_path / "again.csv", "email\n" + f"x@{DOMAIN}\n")
    cp = assert_ok(do_import(letter, f2))
    assert cp.stderr == ""


# --- a 10 MB line -------------------------------------------------------------------


# Measures the peak RSS of one process. The measuring is done by a small, fresh
# Python rather than by pytest itself: a child's ru_maxrss also counts the memory of
# the process that spawned it up to exec, and pytest's own is large and growing.
_RSS_HELPER = """
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _peak_rss_kib(data, path):
    """Runs `broadsheet import PATH` and returns (CompletedProcess, peak RSS KiB, s)."""
    rss_file = path.parent / (path.name + ".rss")
    start = time.monotonic()
    cp = subprocess.run(["/usr/bin/python3", "-I", "-S", "-c", _RSS_HELPER, str(rss_file),
                         BIN, "import", str(path), "--newsletter", "weekly", *data_args(data)],
                        capture_output=True, env=clean_env(), timeout=60)
    seconds = time.monotonic() - start
    cp = subprocess.CompletedProcess(cp.args, cp.returncode,
                                     cp.stdout.decode("utf-8", "replace"),
                                     cp.stderr.decode("utf-8", "replace"))
    return cp, int(rss_file.read_text()), seconds


def test_ten_megabyte_line_is_rejected_and_the_rest_imported(letter, tmp_path):
    small = write_csv(tmp_path / "small.csv", f"email,name\n{addr('s1')},S\n")
    _, baseline_kib, _ = _peak_rss_kib(letter, small)

    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.write(b"email,name\n")
        f.write(f"{addr('before')},Before\n".encode())
        f.write(f"{addr('huge')},".encode() + b"x" * (10 * 1024 * 1024) + b"\n")
        f.write(f"{addr('after')},After\n".encode())
        f.write(f"{addr('quoted')},\"".encode() + b"y" * (10 * 1024 * 1024) + b"\"\n")
        f.write(f"{addr('last')},Last\n".encode())
    cp, peak_kib, seconds = _peak_rss_kib(letter, big)
    assert cp.returncode == 0, cp.stderr
    bad = rejected_lines(cp)
    assert sorted(bad) == [3, 5], cp.stderr
    assert "longer than" in bad[3]
    assert weekly_emails(letter) == {addr("s1"), addr("before"), addr("after"), addr("last")}
    # The line is skipped, not buffered: memory stays near that of a tiny import.
    growth_mib = (peak_kib - baseline_kib) / 1024
    assert growth_mib < 8, f"peak RSS grew by {growth_mib:.1f} MiB importing a 10 MB line"
    assert seconds < 20


def test_ten_megabyte_first_line_is_refused(letter, tmp_path):
    before = snapshot(letter)
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.write(b"email" + b"x" * (10 * 1024 * 1024) + b"\n")
        f.write(f"{addr('a')}\n".encode())
    cp = do_import(letter, big)
    assert_fails(cp, "line 1")
    assert snapshot(letter) == before


# --- files that cannot be imported --------------------------------------------------


def test_empty_file(letter, tmp_path):
    before = snapshot(letter)
    f = write_csv(tmp_path / "empty.csv", b"")
    assert_fails(do_import(letter, f), "empty")
    assert snapshot(letter) == before


def test_missing_file(letter, tmp_path):
    before = snapshot(letter)
    assert_fails(do_import(letter, tmp_path / "nope.csv"), "nope.csv")
    assert snapshot(letter) == before


def test_folder_instead_of_file(letter, tmp_path):
    before = snapshot(letter)
    (tmp_path / "adir").mkdir()
    assert_fails(do_import(letter, tmp_path / "adir"), "folder")
    assert snapshot(letter) == before


@pytest.mark.parametrize("content", [
    "name,timezone\nAnn,UTC\n",
    "mailbox,name\nann,Ann\n",
    "\n\n",
    "email,name,email\na,b,c\n",
], ids=["no-email-column", "misnamed-column", "blank-lines", "email-twice"])
def test_header_without_email_column(letter, tmp_path, content):
    before = snapshot(letter)
    f = write_csv(tmp_path / "list.csv", content)
    assert_fails(do_import(letter, f), "email")
    assert snapshot(letter) == before


def test_unknown_newsletter(letter, tmp_path):
    before = snapshot(letter)
    f = write_csv(tmp_path / "list.csv", f"email\n{addr('ann')}\n")
    assert_fails(do_import(letter, f, newsletter_slug="no-such-letter"), "no-such-letter")
    assert snapshot(letter) == before


def test_binary_file(letter, tmp_path):
    before = snapshot(letter)
    f = write_csv(tmp_path / "photo.csv", bytes(range(256)) * 64)
    cp = do_import(letter, f)
    # Either refused outright, or every row rejected: nothing may be imported.
    assert cp.returncode != 0 or summary(cp)["new"] == 0
    if cp.returncode != 0:
        assert_fails(cp)
    assert snapshot(letter) == before


def test_import_requires_newsletter_option(letter, tmp_path):
    f = write_csv(tmp_path / "list.csv", f"email\n{addr('ann')}\n")
    before = snapshot(letter)
    assert_fails(run("import", f, *data_args(letter)), "--newsletter")
    assert snapshot(letter) == before


# --- export round trip --------------------------------------------------------------


def test_export_import_round_trip(demo, tmp_path):
    # Add awkward values to the demo readers first.
    f = write_csv(tmp_path / "extra.csv",
                  "email,name,timezone\n"
                  f"{addr('comma')},\"Doe, Jane\",Europe/Paris\n"
                  f"{addr('quote')},\"Say \"\"hi\"\"\",\n"
                  f"{addr('accent')},Zoë Ångström,Asia/Kolkata\n"
                  "leser@bücher.de,Idn Reader,\n")
    assert_ok(run("import", f, "--newsletter", "the-long-read", *data_args(demo)))
    original = export_rows(demo)
    assert len(original) >= 14

    exported = tmp_path / "export.csv"
    exported.write_text(assert_ok(run("export", *data_args(demo))).stdout)

    fresh = tmp_path / "fresh"
    assert_ok(run("init", *data_args(fresh)))
    assert_ok(run("newsletter", "add", "--slug", "weekly", "--name", "Weekly",
                  *data_args(fresh)))
    cp = assert_ok(run("import", exported, "--newsletter", "weekly", *data_args(fresh)))
    s = summary(cp)
    assert s["rejected"] == 0, cp.stderr
    assert s["new"] == len(original)

    copy = export_rows(fresh)
    key = lambda r: (r["email"], r["name"], r["timezone"])
    assert sorted(map(key, copy)) == sorted(map(key, original))
    # And the copy exports to the same file again (apart from creation times).
    strip = lambda rows: sorted((r["email"], r["name"], r["timezone"], r["status"])
                                for r in rows)
    assert strip(copy) == strip(original)


def test_export_is_valid_csv_for_other_tools(demo):
    text = assert_ok(run("export", *data_args(demo))).stdout
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["email", "name", "timezone", "status", "created_at"]
    assert all(len(r) == 5 for r in rows)
    for r in rows[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[4]), r
