"""Issue 16, item 6: an import says everything it did.

Exports of other providers (Mailchimp, listmonk, Substack) are imported as they come:
their column names are recognised, first and last names joined, the other columns kept
as reader attributes (shown by `subscriber show`), and every column left aside is named
with the reason. A row with a field too many or too few says so with its line number.
An import that leaves readers unconfirmed says how many and that they get nothing; with
--send-confirmations their confirmation emails go through the sign-up's mail queue, and
the links in them confirm the reader.
"""

from __future__ import annotations

import re

import pytest

from conftest import (DOMAIN, assert_ok, data_args, request, run, start_server, subscriber,
                      write_csv)
from signup_helpers import (FAST_ROBOT, db_rows, links, messages_to, new_address, statuses,
                            wait_for_mail_queue)

SUMMARY = re.compile(r"imported (\d+) rows into (\S+): (\d+) new subscribers, (\d+) "
                     r"subscriptions added, (\d+) duplicates skipped, (\d+) rows rejected")


def addr(local):
    return f"{local}@{DOMAIN}"


@pytest.fixture
def letter(data):
    assert_ok(run("newsletter", "add", "--slug", "weekly", "--name", "Weekly", *data_args(data)))
    return data


def do_import(data, path, *extra, slug="weekly"):
    return run("import", path, "--newsletter", slug, *extra, *data_args(data))


def summary(cp) -> dict:
    m = SUMMARY.search(cp.stdout)
    assert m, f"no import summary on stdout: {cp.stdout!r}"
    keys = ["rows", "newsletter", "new", "added", "duplicates", "rejected"]
    return {k: (v if k == "newsletter" else int(v)) for k, v in zip(keys, m.groups())}


def ignored(cp) -> dict[str, str]:
    """{column: reason} of the report's `ignored column "X": why` lines."""
    return dict(re.findall(r'^ignored column "(.*)": (.+)$', cp.stdout, re.M))


def rejected(cp) -> dict[int, str]:
    return {int(n): why for n, why in re.findall(r"^line (\d+): (.+)$", cp.stderr, re.M)}


def attributes(data, email) -> dict:
    return subscriber(data, email)["attributes"]


# --- other providers' exports -------------------------------------------------------


def test_mailchimp_export(letter, tmp_path):
    f = write_csv(tmp_path / "subscribed_members_export.csv",
                  '"Email Address","First Name","Last Name",Country,MEMBER_RATING,OPTIN_TIME,'
                  'OPTIN_IP,TIMEZONE,LEID,TAGS\r\n'
                  f'{addr("ann")},Ann,"Smith, Jr.","Korea, Republic of",2,2024-01-02 10:00:00,'
                  '192.0.2.1,Asia/Seoul,12345,"""vip"",""early"""\r\n'
                  f'{addr("bob")},Bob,,France,5,,,,67890,\r\n'
                  f'{addr("cy")},,Young,,1,,,,1,\r\n')
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["rows"] == 3 and s["new"] == 3 and s["rejected"] == 0, cp.stdout + cp.stderr
    assert cp.stderr == ""
    ann = subscriber(letter, addr("ann"))
    assert ann["name"] == "Ann Smith, Jr."
    assert ann["timezone"] == "Asia/Seoul"
    assert ann["attributes"] == {"Country": "Korea, Republic of", "TAGS": '"vip","early"'}
    assert subscriber(letter, addr("bob"))["name"] == "Bob"
    assert attributes(letter, addr("bob")) == {"Country": "France"}
    assert subscriber(letter, addr("cy"))["name"] == "Young"
    assert attributes(letter, addr("cy")) == {}, "empty values are not kept"
    # Every column is accounted for: used, kept as an attribute, or ignored with why.
    assert '"Email Address" as email' in cp.stdout
    assert '"First Name" as first name' in cp.stdout
    assert '"Last Name" as last name' in cp.stdout
    assert '"TIMEZONE" as time zone' in cp.stdout
    assert re.search(r'^reader attributes.*"Country", "TAGS"$', cp.stdout, re.M), cp.stdout
    why = ignored(cp)
    assert set(why) == {"MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "LEID"}, cp.stdout
    assert "rating" in why["MEMBER_RATING"]
    assert "IP address" in why["OPTIN_IP"]
    assert "record id" in why["LEID"]
    assert "dates" in why["OPTIN_TIME"]


def test_mailchimp_four_columns_of_the_issue(letter, tmp_path):
    f = write_csv(tmp_path / "mc.csv",
                  "Email Address,First Name,Last Name,Country\n"
                  f'{addr("deepak")},Deepak,Haddad,"Bosnia, and Herzegovina"\n')
    cp = assert_ok(do_import(letter, f))
    assert summary(cp)["new"] == 1
    d = subscriber(letter, addr("deepak"))
    assert d["name"] == "Deepak Haddad"
    assert d["attributes"] == {"Country": "Bosnia, and Herzegovina"}
    assert ignored(cp) == {}
    # subscriber show, as a person reads it, lists the attributes.
    shown = assert_ok(run("subscriber", "show", addr("deepak"), *data_args(letter))).stdout
    assert "attributes:" in shown and "Country: Bosnia, and Herzegovina" in shown


def test_listmonk_export(letter, tmp_path):
    f = write_csv(tmp_path / "subscribers.csv",
                  "uuid,email,name,attributes,status,created_at,updated_at\n"
                  f'6a1c...-1,{addr("lm1")},Lena Meyer,"{{""city"": ""Bengaluru"", '
                  f'""projects"": 3, ""nested"": {{""a"": 1}}, ""none"": null}}",enabled,'
                  "2023-01-01 10:00:00,2023-01-02 10:00:00\n"
                  f'6a1c...-2,{addr("lm2")},Blocked Reader,{{}},blocklisted,'
                  "2023-01-01 10:00:00,2023-01-02 10:00:00\n"
                  f'6a1c...-3,{addr("lm3")},No Attribs,,enabled,2023-01-01,2023-01-02\n')
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["rows"] == 2 and s["new"] == 2 and s["rejected"] == 0, cp.stdout + cp.stderr
    assert "1 rows left out: the file says those readers left" in cp.stdout
    assert subscriber(letter, addr("lm2")) is None, "a blocklisted reader is not imported"
    lm1 = subscriber(letter, addr("lm1"))
    assert lm1["name"] == "Lena Meyer"
    assert lm1["attributes"] == {"city": "Bengaluru", "projects": "3", "nested": '{"a":1}'}
    assert attributes(letter, addr("lm3")) == {}
    assert set(ignored(cp)) == {"uuid", "created_at", "updated_at"}
    assert '"attributes" as attributes (JSON)' in cp.stdout


def test_substack_export(letter, tmp_path):
    f = write_csv(tmp_path / "email_list.csv",
                  "email,active_subscription,expiry,plan,email_disabled,created_at\n"
                  f"{addr('ss1')},true,2025-06-01,yearly,false,2023-03-04T05:06:07.000Z\n"
                  f"{addr('ss2')},false,,free,,2023-03-04T05:06:07.000Z\n"
                  f"{addr('ss3')},false,,free,true,2023-03-04T05:06:07.000Z\n")
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["rows"] == 2 and s["new"] == 2, cp.stdout + cp.stderr
    assert subscriber(letter, addr("ss3")) is None, "email disabled: not imported"
    assert attributes(letter, addr("ss1")) == {"active_subscription": "true",
                                               "expiry": "2025-06-01", "plan": "yearly"}
    assert attributes(letter, addr("ss2")) == {"active_subscription": "false", "plan": "free"}
    assert set(ignored(cp)) == {"created_at"}


@pytest.mark.parametrize("header", ["email_address", "E-mail", "mail", "EMAIL ADDRESS"])
def test_email_column_spellings(letter, tmp_path, header):
    f = write_csv(tmp_path / "x.csv",
                  f"{header},full name,time_zone\n{addr('sp')},Sam Poe,Europe/Oslo\n")
    assert summary(assert_ok(do_import(letter, f)))["new"] == 1
    sp = subscriber(letter, addr("sp"))
    assert sp["name"] == "Sam Poe" and sp["timezone"] == "Europe/Oslo"
    assert sp["attributes"] == {}


def test_fname_lname_and_tz(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv", f"EMAIL,FNAME,LNAME,tz\n{addr('fl')},Fay,Lee,UTC\n")
    assert_ok(do_import(letter, f))
    fl = subscriber(letter, addr("fl"))
    assert fl["name"] == "Fay Lee" and fl["timezone"] == "UTC"


def test_name_column_wins_over_first_and_last(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv",
                  f"email,first_name,last_name,name\n{addr('nw')},A,B,Full Name\n")
    cp = assert_ok(do_import(letter, f))
    assert subscriber(letter, addr("nw"))["name"] == "Full Name"
    why = ignored(cp)
    assert set(why) == {"first_name", "last_name"}
    assert '"name"' in why["first_name"]


# --- columns the import cannot use ----------------------------------------------------


def test_every_ignored_column_is_named_with_its_reason(letter, tmp_path):
    long_name = "x" * 70
    extra = [f"extra{i}" for i in range(25)]
    header = ["email", "", "Country", "country", long_name, "tz", "TZ", *extra]
    row = [addr("ig"), "v0", "DE", "dup", "long", "UTC", "UTC", *(f"e{i}" for i in range(25))]
    f = write_csv(tmp_path / "x.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    cp = assert_ok(do_import(letter, f))
    assert summary(cp)["new"] == 1
    why = ignored(cp)
    assert "no name" in why[""]
    assert "second column" in why["country"]
    assert "64 bytes" in why[long_name]
    assert "second time zone column" in why["TZ"]
    # 20 attributes at most: Country and 19 extras are kept, the 6 others ignored.
    kept = attributes(letter, addr("ig"))
    assert len(kept) == 20 and kept["Country"] == "DE"
    over = [c for c in extra if c in why]
    assert over == extra[19:], cp.stdout
    assert all("20 attribute columns" in why[c] for c in over)


def test_an_attribute_value_past_the_limit_is_reported_and_the_reader_imported(letter,
                                                                              tmp_path):
    f = write_csv(tmp_path / "x.csv",
                  f"email,Notes,Country\n{addr('lv')},{'n' * 501},NL\n{addr('ok')},short,BE\n")
    cp = assert_ok(do_import(letter, f))
    s = summary(cp)
    assert s["new"] == 2 and s["rejected"] == 0
    notes = rejected(cp)
    assert list(notes) == [2], cp.stderr
    assert "Notes" in notes[2] and "500 bytes" in notes[2] and "imported" in notes[2]
    assert attributes(letter, addr("lv")) == {"Country": "NL"}
    assert attributes(letter, addr("ok")) == {"Country": "BE", "Notes": "short"}


# --- rows of the wrong width ------------------------------------------------------------


def test_a_row_with_too_many_or_too_few_fields_says_so(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv",
                  "email,name,timezone,Country\n"             # line 1
                  f"{addr('w1')},Ann,Europe/Paris,FR\n"        # line 2
                  f"{addr('w2')},Doe, Many,Europe/Paris,FR\n"  # line 3: an unquoted comma
                  f"{addr('w3')},Bob\n"                        # line 4
                  f"{addr('w4')},Cy,UTC,DE\n")                 # line 5
    cp = do_import(letter, f)
    assert cp.returncode == 0, cp.stderr
    bad = rejected(cp)
    assert bad == {3: "5 fields, the header has 4", 4: "2 fields, the header has 4"}, cp.stderr
    assert "Many" not in cp.stderr
    s = summary(cp)
    assert s["new"] == 2 and s["rejected"] == 2


def test_a_headerless_row_with_too_many_fields(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv", f"{addr('h1')},Ann,UTC\n{addr('h2')},Bob,UTC,extra\n")
    cp = do_import(letter, f)
    assert list(rejected(cp)) == [2]
    assert "4 fields" in rejected(cp)[2]


# --- unconfirmed readers and their confirmations ------------------------------------------


def test_the_report_counts_the_unconfirmed(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv", f"email\n{addr('u1')}\n{addr('u2')}\n{addr('u1')}\n")
    cp = assert_ok(do_import(letter, f))
    assert re.search(r"^2 readers are unconfirmed and will get nothing until they confirm",
                     cp.stdout, re.M), cp.stdout
    assert "--send-confirmations" in cp.stdout
    # Imported again: still the same two, still unconfirmed, still said.
    cp = assert_ok(do_import(letter, f))
    assert "2 readers are unconfirmed" in cp.stdout
    # With --confirmed new readers start confirmed; the two known ones stay as they were.
    g = write_csv(tmp_path / "y.csv", f"email\n{addr('c1')}\n{addr('u1')}\n")
    cp = assert_ok(do_import(letter, g, "--confirmed"))
    assert "1 readers are unconfirmed" in cp.stdout
    h = write_csv(tmp_path / "z.csv", f"email\n{addr('c2')}\n")
    cp = assert_ok(do_import(letter, h, "--confirmed"))
    assert "unconfirmed" not in cp.stdout


def test_send_confirmations_and_confirmed_exclude_each_other(letter, tmp_path):
    f = write_csv(tmp_path / "x.csv", f"email\n{addr('ex')}\n")
    cp = do_import(letter, f, "--confirmed", "--send-confirmations")
    assert cp.returncode != 0
    assert "excludes" in cp.stderr or "--confirmed" in cp.stderr
    assert subscriber(letter, addr("ex")) is None


def test_send_confirmations_delivers_links_that_confirm(demo, tmp_path):
    readers = [new_address("imp") for _ in range(3)]
    f = write_csv(tmp_path / "x.csv",
                  "Email Address,First Name\n" + "".join(f"{r},R{i}\n"
                                                          for i, r in enumerate(readers)))
    # First without: nothing is queued, and the report says what that means.
    cp = assert_ok(do_import(demo, f, slug="morning-briefing"))
    assert "3 readers are unconfirmed and will get nothing" in cp.stdout
    assert db_rows(demo, "SELECT count(*) FROM mail_queue")[0][0] == 0

    server = start_server(demo, tmp_path, {**FAST_ROBOT})
    try:
        # Then again with --send-confirmations: the same readers get their emails.
        cp = assert_ok(do_import(demo, f, "--send-confirmations", slug="morning-briefing"))
        assert re.search(r"^3 readers are unconfirmed and get nothing until they confirm: 3 "
                         r"confirmation emails queued", cp.stdout, re.M), cp.stdout
        wait_for_mail_queue(demo, timeout=30)
        for r in readers:
            msgs = messages_to(demo, r)
            assert len(msgs) == 1, f"{len(msgs)} emails to {r}"
            l = links(msgs[0])
            reply = request(server, "POST", l["confirm"])
            assert reply.status == 200, reply
            assert statuses(demo, r) == {"morning-briefing": "confirmed"}

        # Within the resend window nobody gets a second one.
        late = new_address("late")
        g = write_csv(tmp_path / "y.csv", f"email\n{readers[0]}\n{late}\n")
        cp = assert_ok(do_import(demo, g, "--send-confirmations", slug="morning-briefing"))
        assert re.search(r"^1 readers are unconfirmed .*: 1 confirmation emails queued",
                         cp.stdout, re.M), cp.stdout
        cp = assert_ok(do_import(demo, g, "--send-confirmations", slug="morning-briefing"))
        assert re.search(r": 0 confirmation emails queued.*; 1 not: blocked, or sent one within "
                         r"signup.resend_window$", cp.stdout, re.M), cp.stdout
        wait_for_mail_queue(demo, timeout=30)
        assert len(messages_to(demo, late)) == 1
        assert len(messages_to(demo, readers[0])) == 1
    finally:
        server.terminate()
