"""Issue 16, readers as publishers expect: one reader per mailbox (addresses match
without regard to the case before the @, unless the publisher asks for exact
matching), consent that survives `subscriber remove` (a suppression that imports and
`subscriber add` respect and only the reader's confirmed sign-up lifts), `subscriber
update`, the unsubscribe time in `subscriber show`, and the /u/ page of a reader who
already left. Driven through the binary and HTTP as a publisher and a reader would."""

from __future__ import annotations

import re
import time

import pytest

from conftest import (DOMAIN, assert_fails, assert_ok, data_args, get, request, run,
                      subscriber, subscribers, write_csv)
from signup_helpers import (FAST_ROBOT, confirmation, db_rows, links, new_address, page,
                            post_form, sign_up, statuses)

SERVER_ENV = {**FAST_ROBOT, "BROADSHEET_SIGNUP_RATE_LIMITS": "off",
              "BROADSHEET_SIGNUP_RESEND_WINDOW": "0"}


def add(data, email, *extra):
    return run("subscriber", "add", email, *extra, *data_args(data))


def import_file(data, tmp_path, text, *extra, slug="the-long-read"):
    f = write_csv(tmp_path / f"import-{time.time_ns()}.csv", text)
    return run("import", f, "--newsletter", slug, *extra, *data_args(data))


def set_exact_matching(data, on: bool) -> None:
    """Edits the key in broadsheet.toml as a publisher would."""
    toml = data / "broadsheet.toml"
    text, n = re.subn(r"(?m)^case_sensitive_local_part = \w+$",
                      f"case_sensitive_local_part = {'true' if on else 'false'}", toml.read_text())
    assert n == 1, "broadsheet.toml has the key once, under [readers]"
    toml.write_text(text)


def readers_named(data, local: str) -> list[dict]:
    return [s for s in subscribers(data) if s["email"].lower().startswith(local.lower() + "@")]


def signed_up(site, address, newsletters=("morning-briefing",)):
    r = sign_up(site, address, newsletters)
    assert r.status == 202, r
    return links(confirmation(site.data, address))


# --- one reader per mailbox ------------------------------------------------------------


def test_two_sign_ups_differing_in_case_are_one_reader(demo, server_factory):
    site = server_factory(demo, SERVER_ENV)
    local = f"Deepak.Haddad{time.time_ns() % 100000}"
    first, second = f"{local.upper()}@{DOMAIN}", f"{local.lower()}@{DOMAIN}"
    assert sign_up(site, first, ["morning-briefing"]).status == 202
    assert sign_up(site, second, ["the-long-read"]).status == 202
    found = readers_named(demo, local)
    assert len(found) == 1, found
    # Kept as first typed, for display and sending; found by any spelling.
    assert found[0]["email"] == first
    assert statuses(demo, second) == statuses(demo, first) == {
        "morning-briefing": "unconfirmed", "the-long-read": "unconfirmed"}


def test_cli_finds_and_refuses_case_variants(demo):
    assert_ok(add(demo, f"Ann.Lee@{DOMAIN}", "--newsletter", "morning-briefing", "--confirmed"))
    shown = subscriber(demo, f"ann.lee@{DOMAIN.upper()}")
    assert shown and shown["email"] == f"Ann.Lee@{DOMAIN}"
    assert_fails(add(demo, f"ANN.LEE@{DOMAIN}"), "already a subscriber")
    # Adding a case variant to another newsletter subscribes the same reader.
    assert_ok(add(demo, f"ann.lee@{DOMAIN}", "--newsletter", "the-long-read"))
    assert len(readers_named(demo, "ann.lee")) == 1
    assert statuses(demo, f"Ann.Lee@{DOMAIN}") == {"morning-briefing": "confirmed",
                                                   "the-long-read": "unconfirmed"}


def test_import_of_case_variants_makes_one_reader_and_reports_the_duplicate(demo, tmp_path):
    assert_ok(add(demo, f"Known.Reader@{DOMAIN}", "--newsletter", "the-long-read", "--confirmed"))
    cp = assert_ok(import_file(demo, tmp_path,
                               f"email,name\nNew.Reader@{DOMAIN},New\nnew.reader@{DOMAIN},Again\n"
                               f"KNOWN.READER@{DOMAIN},Known\n", "--confirmed"))
    assert "1 new subscribers" in cp.stdout, cp.stdout
    assert "2 duplicates skipped" in cp.stdout, cp.stdout
    assert len(readers_named(demo, "new.reader")) == 1
    assert len(readers_named(demo, "known.reader")) == 1
    assert subscriber(demo, f"NEW.READER@{DOMAIN}")["email"] == f"New.Reader@{DOMAIN}"


def test_exact_matching_keeps_case_variants_apart(demo):
    set_exact_matching(demo, True)
    assert_ok(add(demo, f"Exact@{DOMAIN}"))
    assert_ok(add(demo, f"exact@{DOMAIN}"))
    assert len(readers_named(demo, "exact")) == 2
    # The domain never counts case.
    assert_fails(add(demo, f"exact@{DOMAIN.upper()}"), "already a subscriber")


def test_turning_case_insensitive_matching_on_merges_existing_duplicates(demo):
    """A publication that kept case variants apart (as every database did before) gets
    them merged at the next start under the default rule, keeping the earliest consent
    and an unsubscribe that came after the other row's sign-up."""
    set_exact_matching(demo, True)
    first, later = f"Merge.Me@{DOMAIN}", f"merge.me@{DOMAIN}"
    assert_ok(add(demo, first, "--newsletter", "morning-briefing", "--confirmed"))
    assert_ok(add(demo, later, "--newsletter", "morning-briefing", "--newsletter",
                  "the-long-read", "--confirmed"))
    assert_ok(run("subscriber", "update", later, "--unsubscribe", "morning-briefing",
                  *data_args(demo)))
    assert len(readers_named(demo, "merge.me")) == 2
    set_exact_matching(demo, False)  # back to the default: one reader per mailbox
    found = readers_named(demo, "merge.me")
    assert len(found) == 1 and found[0]["email"] == first, found
    assert statuses(demo, later) == {"morning-briefing": "unsubscribed",
                                     "the-long-read": "confirmed"}
    assert db_rows(demo, "SELECT count(*) FROM audit_log WHERE action = 'subscriber.merge'") == [(1,)]


# --- consent survives removal ----------------------------------------------------------


def test_remove_then_import_with_confirmed_skips_the_address_and_says_so(demo, tmp_path):
    gone = f"Gone.Reader@{DOMAIN}"
    assert_ok(add(demo, gone, "--newsletter", "the-long-read", "--confirmed"))
    assert_ok(run("subscriber", "update", gone, "--unsubscribe", "the-long-read",
                  *data_args(demo)))
    cp = assert_ok(run("subscriber", "remove", gone, *data_args(demo)))
    assert "removed" in cp.stdout and "suppress" in cp.stdout and "hash" in cp.stdout, cp.stdout
    assert subscriber(demo, gone) is None
    # Only a hash is kept, never the address.
    rows = db_rows(demo, "SELECT address_hash FROM suppressions")
    assert len(rows) == 1 and "gone" not in rows[0][0].lower()
    assert not db_rows(demo, "SELECT 1 FROM subscribers WHERE lower(email) LIKE 'gone.reader@%'")

    # The old file, another spelling: skipped and reported; the other row imported.
    other = new_address("other")
    cp = assert_ok(import_file(demo, tmp_path, f"email\ngone.reader@{DOMAIN}\n{other}\n",
                               "--confirmed"))
    assert re.search(r"skipped 1 suppressed address", cp.stdout), cp.stdout
    assert subscriber(demo, gone) is None
    assert statuses(demo, other) == {"the-long-read": "confirmed"}
    # Nor does the publisher's own `subscriber add` bring them back.
    assert_fails(add(demo, gone, "--newsletter", "the-long-read", "--confirmed"), "suppressed")


def test_a_confirmed_sign_up_by_the_reader_lifts_the_suppression(demo, server_factory, tmp_path):
    address = new_address("back")
    assert_ok(add(demo, address, "--newsletter", "morning-briefing", "--confirmed"))
    assert_ok(run("subscriber", "remove", address, *data_args(demo)))
    site = server_factory(demo, SERVER_ENV)
    l = signed_up(site, address)
    assert statuses(demo, address) == {"morning-briefing": "unconfirmed"}
    # Not yet confirmed: still suppressed for imports.
    cp = assert_ok(import_file(demo, tmp_path, f"email\n{address}\n", "--confirmed"))
    assert "suppressed" in cp.stdout
    assert request(site, "POST", l["confirm"]).status == 200
    assert statuses(demo, address) == {"morning-briefing": "confirmed"}
    cp = assert_ok(import_file(demo, tmp_path, f"email\n{address}\n", "--confirmed"))
    assert "suppressed" not in cp.stdout
    assert statuses(demo, address) == {"morning-briefing": "confirmed",
                                       "the-long-read": "confirmed"}


# --- subscriber update -----------------------------------------------------------------


def test_subscriber_update_changes_fields_and_subscriptions_with_an_audit_entry(demo):
    address = f"Update.Me@{DOMAIN}"
    assert_ok(add(demo, address, "--newsletter", "morning-briefing", "--confirmed",
                  "--name", "Old Name"))
    cp = assert_ok(run("subscriber", "update", f"update.me@{DOMAIN}", "--name", "New Name",
                       "--timezone", "Europe/Paris", "--unsubscribe", "morning-briefing",
                       *data_args(demo)))
    assert "updated" in cp.stdout
    s = subscriber(demo, address)
    assert s["name"] == "New Name" and s["timezone"] == "Europe/Paris"
    assert statuses(demo, address) == {"morning-briefing": "unsubscribed"}
    # Back: confirmed, since the reader had confirmed before.
    cp = assert_ok(run("subscriber", "update", address, "--resubscribe", "morning-briefing",
                       *data_args(demo)))
    assert "confirmed" in cp.stdout
    assert statuses(demo, address) == {"morning-briefing": "confirmed"}
    # A newsletter never confirmed comes back unconfirmed.
    assert_ok(run("subscriber", "update", address, "--resubscribe", "the-long-read",
                  *data_args(demo)))
    assert statuses(demo, address)["the-long-read"] == "unconfirmed"
    audit = db_rows(demo, "SELECT detail FROM audit_log WHERE action = 'subscriber.update' "
                          "ORDER BY id")
    assert len(audit) == 3 and "unsubscribed from morning-briefing" in audit[0][0]


@pytest.mark.parametrize("args, fragments", [
    (["nobody@" + DOMAIN, "--name", "X"], ["no subscriber"]),
    (["known@" + DOMAIN, "--unsubscribe", "no-such-letter"], ["no newsletter", "no-such-letter"]),
    (["known@" + DOMAIN, "--resubscribe", "no-such-letter"], ["no newsletter"]),
    (["known@" + DOMAIN, "--timezone", "Mars/Olympus_Mons"], ["unknown time zone"]),
    (["known@" + DOMAIN], ["nothing to change"]),
])
def test_subscriber_update_errors_change_nothing(demo, args, fragments):
    assert_ok(add(demo, f"known@{DOMAIN}", "--newsletter", "morning-briefing", "--name", "K"))
    before = subscriber(demo, f"known@{DOMAIN}")
    assert_fails(run("subscriber", "update", *args, *data_args(demo)), *fragments)
    assert subscriber(demo, f"known@{DOMAIN}") == before


# --- subscriber show and the /u/ page --------------------------------------------------


def test_subscriber_show_dates_an_unsubscribe_when_it_happened(demo):
    address = new_address("dated")
    assert_ok(add(demo, address, "--newsletter", "morning-briefing", "--confirmed"))
    # The sign-up a day earlier than the unsubscribe.
    db_rows(demo, "UPDATE subscriptions SET created_at = created_at - 86400")
    assert_ok(run("subscriber", "update", address, "--unsubscribe", "morning-briefing",
                  *data_args(demo)))
    sub = subscriber(demo, address)["subscriptions"][0]
    cp = assert_ok(run("subscriber", "show", address, *data_args(demo)))
    line = next(l for l in cp.stdout.splitlines() if "morning-briefing" in l)
    assert "unsubscribed" in line
    assert sub["unsubscribed_at"] in line and sub["created_at"] not in line, (line, sub)


def test_unsubscribe_page_after_an_unsubscribe_says_so_and_offers_the_way_back(demo, server_factory):
    site = server_factory(demo, SERVER_ENV)
    address = new_address("left")
    l = signed_up(site, address)
    assert request(site, "POST", l["confirm"]).status == 200
    p = page(get(site, l["unsubscribe"]))
    assert len(p.buttons) == 1  # asked once
    assert post_form(site, l["unsubscribe"], raw=b"").status == 200
    r = get(site, l["unsubscribe"])
    assert r.status == 200, r
    p = page(r)
    assert "already unsubscribed" in p.text.lower()
    assert p.buttons == [], "a reader who left is not asked again"
    assert "Subscribe again" in p.text
    assert re.search(r'href="/p/[A-Za-z0-9_-]+"', r.text), r.text
    assert statuses(demo, address) == {"morning-briefing": "unsubscribed"}


def test_preferences_offer_a_list_of_time_zones_and_check_the_choice(demo, server_factory):
    site = server_factory(demo, SERVER_ENV)
    address = new_address("zones")
    l = signed_up(site, address)
    body = get(site, l["preferences"]).body.decode()
    assert 'list="pref-timezones"' in body
    options = re.findall(r'<option value="([^"]+)">', body)
    assert "Europe/Paris" in options and "UTC" in options and len(options) > 300
    r = post_form(site, l["preferences"], [("newsletters", "morning-briefing"),
                                           ("timezone", "Atlantis/Capital"), ("action", "save")])
    assert r.status == 422 and "not known" in page(r).text
    r = post_form(site, l["preferences"], [("newsletters", "morning-briefing"),
                                           ("timezone", "asia/kolkata"), ("action", "save")])
    assert r.status == 200
    assert subscriber(demo, address)["timezone"] == "Asia/Kolkata"
