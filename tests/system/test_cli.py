"""The command line: init, demo, newsletter, subscriber, export, configuration.

Every refused command must exit non-zero, print exactly one line on stderr that
starts with "broadsheet:", and leave the data folder as it was.
"""

import json
import re
import stat

import pytest

from backend import ON_POSTGRES
from conftest import (DOMAIN, assert_fails, assert_ok, data_args, emails, newsletter,
                      newsletters, run, snapshot, stderr_lines, subscriber, subscribers)

# --- --help, usage errors -----------------------------------------------------------

COMMANDS = [
    [],
    ["init"],
    ["demo"],
    ["serve"],
    ["newsletter"],
    ["newsletter", "add"],
    ["newsletter", "list"],
    ["newsletter", "show"],
    ["newsletter", "update"],
    ["newsletter", "remove"],
    ["subscriber"],
    ["subscriber", "add"],
    ["subscriber", "list"],
    ["subscriber", "show"],
    ["subscriber", "remove"],
    ["import"],
    ["export"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "(top)")
def test_help_exits_zero(command, tmp_path):
    cp = run(*command, "--help", cwd=tmp_path)
    assert_ok(cp)
    assert "Usage" in cp.stdout or "usage" in cp.stdout.lower(), cp.stdout
    # --help must never do the work (e.g. create var/ in the current folder).
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [c for c in COMMANDS if c and c not in (
    ["newsletter"], ["subscriber"])], ids=" ".join)
def test_help_of_commands_mentions_data_option(command):
    cp = assert_ok(run(*command, "--help"))
    assert "--data" in cp.stdout


def test_version():
    cp = assert_ok(run("--version"))
    assert cp.stdout.startswith("broadsheet ")


def test_no_command_is_a_usage_error(tmp_path):
    cp = run(cwd=tmp_path)
    assert_fails(cp, "--help")
    assert list(tmp_path.iterdir()) == []


def test_unknown_command_is_named_in_the_error(tmp_path):
    cp = run("frobnicate", cwd=tmp_path)
    assert_fails(cp, "frobnicate")
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_is_named_in_the_error(demo):
    cp = run("newsletter", "list", "--bogus", *data_args(demo))
    assert_fails(cp, "--bogus")


def test_missing_required_option(demo):
    before = snapshot(demo)
    assert_fails(run("newsletter", "add", "--slug", "x", *data_args(demo)), "--name")
    assert snapshot(demo) == before


def test_group_without_subcommand(demo):
    assert_fails(run("newsletter", *data_args(demo)))
    assert_fails(run("subscriber", *data_args(demo)))


# --- init ---------------------------------------------------------------------------


def test_init_creates_a_private_data_folder(tmp_path):
    d = tmp_path / "fresh"
    cp = assert_ok(run("init", *data_args(d)))
    assert "broadsheet.toml" in cp.stdout
    assert (d / "broadsheet.toml").is_file()
    key = d / "secrets" / "hmac.key"
    assert key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((d / "secrets").stat().st_mode) == 0o700
    assert not stat.S_IMODE(d.stat().st_mode) & 0o007, "data folder is world-accessible"
    assert len(key.read_text().strip()) == 64
    # The new folder is usable at once and empty.
    assert newsletters(d) == []
    assert subscribers(d) == []


def test_init_is_idempotent_and_keeps_secrets(data):
    key = (data / "secrets" / "hmac.key").read_bytes()
    toml = (data / "broadsheet.toml").read_bytes()
    assert_ok(run("newsletter", "add", "--slug", "kept", "--name", "Kept", *data_args(data)))
    cp = assert_ok(run("init", *data_args(data)))
    assert "kept" in cp.stdout
    assert (data / "secrets" / "hmac.key").read_bytes() == key
    assert (data / "broadsheet.toml").read_bytes() == toml
    assert [n["slug"] for n in newsletters(data)] == ["kept"]


def test_init_onto_a_file_fails(tmp_path):
    f = tmp_path / "afile"
    f.write_text("not a folder")
    assert_fails(run("init", *data_args(f)))
    assert f.read_text() == "not a folder"


def test_init_with_bad_environment_creates_nothing(tmp_path):
    d = tmp_path / "never"
    cp = run("init", *data_args(d), env={"BROADSHEET_HTTP_LISTEN": "nonsense"})
    assert_fails(cp, "http.listen", "BROADSHEET_HTTP_LISTEN")
    leftovers = sorted(p.name for p in d.iterdir()) if d.exists() else []
    assert leftovers == [], f"a refused init left files behind: {leftovers}"


def test_init_with_bad_environment_in_existing_empty_folder(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    cp = run("init", *data_args(d), env={"BROADSHEET_DATABASE": "mysql://nope"})
    assert_fails(cp, "database", "BROADSHEET_DATABASE")
    assert list(d.iterdir()) == [], "a refused init left files behind"


# --- demo ---------------------------------------------------------------------------


def test_demo_loads_the_fictional_publication(data):
    cp = assert_ok(run("demo", *data_args(data)))
    assert "demo loaded" in cp.stdout
    by_slug = {n["slug"]: n for n in newsletters(data)}
    assert "morning-briefing" in by_slug
    mb = by_slug["morning-briefing"]
    assert mb["name"] == "Morning Briefing"
    assert mb["schedule"] == "mon-fri 06:00 local"
    assert mb["public"] is True
    readers = subscribers(data)
    assert len(readers) >= 5
    counts = newsletter(data, "morning-briefing")["subscriptions"]
    assert counts["confirmed"] > 0


def test_demo_twice_changes_nothing(demo):
    before = snapshot(demo)
    cp = assert_ok(run("demo", *data_args(demo)))
    assert "0 newsletters" in cp.stdout
    assert snapshot(demo) == before


# --- uninitialised data folder ------------------------------------------------------

UNINIT_COMMANDS = [
    ["demo"],
    ["serve", "--listen", "127.0.0.1:0"],
    ["newsletter", "list"],
    ["newsletter", "show", "morning-briefing"],
    ["newsletter", "add", "--slug", "x", "--name", "X"],
    ["newsletter", "update", "x", "--name", "Y"],
    ["newsletter", "remove", "x"],
    ["subscriber", "add", f"a@{DOMAIN}"],
    ["subscriber", "list"],
    ["subscriber", "show", f"a@{DOMAIN}"],
    ["subscriber", "remove", f"a@{DOMAIN}"],
    ["export"],
]


@pytest.mark.parametrize("command", UNINIT_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_uninitialised_data_folder(command, folder, tmp_path):
    d = tmp_path / "nodata"
    if folder == "empty":
        d.mkdir()
    cp = run(*command, *data_args(d), timeout=15)
    assert_fails(cp, "broadsheet init")
    if folder == "missing":
        assert not d.exists(), "the command created the data folder"
    else:
        assert list(d.iterdir()) == [], "the command wrote into the uninitialised folder"


def test_uninitialised_import(tmp_path):
    d = tmp_path / "nodata"
    f = tmp_path / "list.csv"
    f.write_text(f"email\na@{DOMAIN}\n")
    assert_fails(run("import", f, "--newsletter", "x", *data_args(d)), "broadsheet init")
    assert not d.exists()


def test_default_data_folder_is_var_in_the_current_folder(tmp_path):
    assert_ok(run("init", cwd=tmp_path))
    assert (tmp_path / "var" / "broadsheet.toml").is_file()
    assert_ok(run("newsletter", "add", "--slug", "here", "--name", "Here", cwd=tmp_path))
    assert [n["slug"] for n in newsletters(tmp_path / "var")] == ["here"]


# --- configuration ------------------------------------------------------------------

BAD_ENV = [
    ("BROADSHEET_HTTP_LISTEN", "nonsense", "http.listen"),
    ("BROADSHEET_HTTP_LISTEN", "127.0.0.1:99999", "http.listen"),
    ("BROADSHEET_HTTP_THREADS", "abc", "http.threads"),
    ("BROADSHEET_HTTP_THREADS", "-1", "http.threads"),
    ("BROADSHEET_HTTP_READ_TIMEOUT", "0", "http.read_timeout"),
    ("BROADSHEET_HTTP_BODY_LIMIT", "1e9", "http.body_limit"),
    ("BROADSHEET_HTTP_ACCESS_LOG", "maybe", "http.access_log"),
    ("BROADSHEET_LOG_LEVEL", "loud", "log.level"),
    ("BROADSHEET_DATABASE", "mysql://db", "database"),
    ("BROADSHEET_PUBLICATION_BASE_URL", "ftp://x.org", "publication.base_url"),
    ("BROADSHEET_PUBLICATION_NAME", "two\nlines", "publication.name"),
    ("BROADSHEET_MAIL_FROM", "nobody", "mail.from"),
    ("BROADSHEET_MAIL_ALLOW_SPECIAL_USE_DOMAINS", "yes please", "mail.allow_special_use_domains"),
]


@pytest.mark.parametrize("var,value,key", BAD_ENV, ids=lambda x: str(x)[:40])
def test_bad_environment_value_is_refused_with_key_named(var, value, key, demo):
    before = snapshot(demo)
    cp = run("newsletter", "add", "--slug", "env-test", "--name", "Env", *data_args(demo),
             env={var: value})
    assert_fails(cp, key, var)
    assert snapshot(demo) == before


def test_serve_with_bad_listen_in_environment(demo):
    cp = run("serve", *data_args(demo), env={"BROADSHEET_HTTP_LISTEN": "nonsense"}, timeout=15)
    assert_fails(cp, "http.listen", "BROADSHEET_HTTP_LISTEN")


def test_serve_with_bad_listen_option(demo):
    assert_fails(run("serve", "--listen", "nonsense", *data_args(demo), timeout=15), "--listen")
    assert_fails(run("serve", "--listen", "127.0.0.1:70000", *data_args(demo), timeout=15),
                 "--listen")


def _edit_toml(data, old, new):
    path = data / "broadsheet.toml"
    text = path.read_text()
    if ON_POSTGRES and old.startswith("database = "):
        # The folder's file names its own PostgreSQL database (backend.py).
        old = re.search(r"(?m)^database = .*$", text).group(0)
    assert old in text, f"{old!r} not in the default configuration"
    path.write_text(text.replace(old, new, 1))


BAD_TOML = [
    ('listen = "127.0.0.1:8080"', 'listen = "nonsense"', ["http.listen", "broadsheet.toml"]),
    ("threads = 0", 'threads = "many"', ["http.threads", "broadsheet.toml"]),
    ("read_timeout = 15", "read_timeout = 0", ["http.read_timeout", "between"]),
    ("access_log = true", 'access_log = "yes"', ["http.access_log"]),
    ('level = "info"', 'level = "loud"', ["log.level"]),
    ('database = "sqlite:broadsheet.db"', 'database = "mysql://x"', ["database"]),
    ("[http]", "[http]\nlisen = \"127.0.0.1:1\"", ["unknown key", "http.lisen"]),
    ("[http]", "typo = 1\n[http]", ["unknown key", "typo"]),
    ("[http]", "[http\n", ["broadsheet.toml"]),
]


@pytest.mark.parametrize("old,new,fragments", BAD_TOML, ids=lambda x: str(x)[:30])
def test_bad_config_file_is_refused_with_key_named(old, new, fragments, demo):
    before = snapshot(demo)
    original = (demo / "broadsheet.toml").read_text()
    _edit_toml(demo, old, new)
    cp = run("newsletter", "add", "--slug", "toml-test", "--name", "T", *data_args(demo))
    assert_fails(cp, *fragments)
    cp = run("serve", *data_args(demo), timeout=15)
    assert_fails(cp, *fragments)
    (demo / "broadsheet.toml").write_text(original)
    assert snapshot(demo) == before


def test_environment_overrides_the_file(demo):
    # A valid override is used: a second database named by the environment.
    env = {"BROADSHEET_DATABASE": "sqlite:other.db"}
    assert_ok(run("newsletter", "add", "--slug", "elsewhere", "--name", "E", *data_args(demo),
                  env=env))
    out = assert_ok(run("newsletter", "list", "--json", *data_args(demo), env=env)).stdout
    assert [n["slug"] for n in json.loads(out)] == ["elsewhere"]
    assert "elsewhere" not in [n["slug"] for n in newsletters(demo)]


# --- newsletters --------------------------------------------------------------------


def test_newsletter_add_show_list(data):
    cp = assert_ok(run("newsletter", "add", "--slug", "evening-edition", "--name",
                       "Evening Edition", "--description", "The day, wrapped up.",
                       "--schedule", "MON-FRI 18:30 Europe/London",
                       "--from", "Evening Desk <evening@news.broadsheet-test.net>",
                       "--opt-in", "single", *data_args(data)))
    assert "evening-edition" in cp.stdout
    n = newsletter(data, "evening-edition")
    assert n["name"] == "Evening Edition"
    assert n["description"] == "The day, wrapped up."
    assert n["schedule"] == "mon-fri 18:30 Europe/London"
    assert n["from_name"] == "Evening Desk"
    assert n["from_address"] == "evening@news.broadsheet-test.net"
    assert n["public"] is True
    assert n["opt_in"] == "single"
    assert n["subscriptions"] == {"unconfirmed": 0, "confirmed": 0, "unsubscribed": 0}
    assert [x["slug"] for x in newsletters(data)] == ["evening-edition"]
    text = assert_ok(run("newsletter", "show", "evening-edition", *data_args(data))).stdout
    assert "Evening Edition" in text and "single" in text
    table = assert_ok(run("newsletter", "list", *data_args(data))).stdout
    assert "evening-edition" in table


def test_newsletter_defaults(data):
    assert_ok(run("newsletter", "add", "--slug", "alerts", "--name", "Alerts", *data_args(data)))
    n = newsletter(data, "alerts")
    assert n["schedule"] == "manual"
    assert n["public"] is True
    assert n["opt_in"] == "double"


def test_newsletter_private(data):
    assert_ok(run("newsletter", "add", "--slug", "staff", "--name", "Staff", "--private",
                  *data_args(data)))
    assert newsletter(data, "staff")["public"] is False


def test_newsletter_list_empty(data):
    cp = assert_ok(run("newsletter", "list", *data_args(data)))
    assert "no newsletters" in cp.stdout
    assert json.loads(assert_ok(run("newsletter", "list", "--json", *data_args(data))).stdout) == []


BAD_ADD = [
    (["--slug", "Bad_Slug", "--name", "X"], ["--slug"]),
    (["--slug", "-lead", "--name", "X"], ["--slug"]),
    (["--slug", "a--b", "--name", "X"], ["--slug"]),
    (["--slug", "a" * 65, "--name", "X"], ["--slug"]),
    (["--slug", "", "--name", "X"], ["--slug"]),
    (["--slug", "sp ace", "--name", "X"], ["--slug"]),
    (["--slug", "ok", "--name", ""], ["--name"]),
    (["--slug", "ok", "--name", "two\nlines"], ["--name"]),
    (["--slug", "ok", "--name", "N" * 121], ["--name"]),
    (["--slug", "ok", "--name", "X", "--description", "d" * 501], ["--description"]),
    (["--slug", "ok", "--name", "X", "--schedule", "someday 25:00"], ["--schedule"]),
    (["--slug", "ok", "--name", "X", "--schedule", "mon 24:00 local"], ["--schedule"]),
    (["--slug", "ok", "--name", "X", "--schedule", "mon 06:00 Mars/Base"], ["--schedule"]),
    (["--slug", "ok", "--name", "X", "--from", "not a mailbox"], ["--from"]),
    (["--slug", "ok", "--name", "X", "--from", "Desk <desk@>"], ["--from"]),
    (["--slug", "ok", "--name", "X", "--opt-in", "triple"], ["--opt-in"]),
    (["--slug", "morning-briefing", "--name", "Again"], ["morning-briefing", "exists"]),
]


@pytest.mark.parametrize("args,fragments", BAD_ADD, ids=lambda x: repr(x)[:40])
def test_newsletter_add_refused(args, fragments, demo):
    before = snapshot(demo)
    assert_fails(run("newsletter", "add", *args, *data_args(demo)), *fragments)
    assert snapshot(demo) == before


def test_newsletter_update(demo):
    before = newsletter(demo, "the-long-read")
    assert_ok(run("newsletter", "update", "the-long-read", "--name", "The Longer Read",
                  "--schedule", "sun 09:15 UTC", "--private", *data_args(demo)))
    after = newsletter(demo, "the-long-read")
    assert after["name"] == "The Longer Read"
    assert after["schedule"] == "sun 09:15 UTC"
    assert after["public"] is False
    assert after["description"] == before["description"], "an unnamed field changed"
    assert after["subscriptions"] == before["subscriptions"]
    assert_ok(run("newsletter", "update", "the-long-read", "--public", *data_args(demo)))
    assert newsletter(demo, "the-long-read")["public"] is True


BAD_UPDATE = [
    (["no-such-letter", "--name", "X"], ["no-such-letter"]),
    (["morning-briefing", "--schedule", "whenever"], ["--schedule"]),
    (["morning-briefing", "--name", ""], ["--name"]),
    (["morning-briefing", "--from", "nobody"], ["--from"]),
    (["morning-briefing", "--public", "--private"], ["--public", "--private"]),
    (["morning-briefing", "--opt-in", "maybe"], ["--opt-in"]),
    (["morning-briefing", "--name", "Good", "--schedule", "bad"], ["--schedule"]),
]


@pytest.mark.parametrize("args,fragments", BAD_UPDATE, ids=lambda x: repr(x)[:40])
def test_newsletter_update_refused(args, fragments, demo):
    before = snapshot(demo)
    assert_fails(run("newsletter", "update", *args, *data_args(demo)), *fragments)
    assert snapshot(demo) == before


@pytest.mark.parametrize("cmd", [["show"], ["remove"]])
def test_unknown_newsletter(cmd, demo):
    before = snapshot(demo)
    assert_fails(run("newsletter", *cmd, "no-such-letter", *data_args(demo)), "no-such-letter")
    assert snapshot(demo) == before


def test_newsletter_remove_removes_its_subscriptions(demo):
    members = emails(demo, "--newsletter", "the-long-read")
    assert members, "the demo should have Long Read readers"
    cp = assert_ok(run("newsletter", "remove", "the-long-read", *data_args(demo)))
    assert "the-long-read" in cp.stdout
    assert "the-long-read" not in [n["slug"] for n in newsletters(demo)]
    for email in members:
        s = subscriber(demo, email)
        assert s is not None, "removing a newsletter must not remove its readers"
        assert "the-long-read" not in [x["newsletter"] for x in s["subscriptions"]]
    assert_fails(run("newsletter", "show", "the-long-read", *data_args(demo)))


# --- subscribers --------------------------------------------------------------------


def test_subscriber_add_show_remove(demo):
    email = f"new.reader@{DOMAIN}"
    cp = assert_ok(run("subscriber", "add", email, "--name", "New Reader", "--timezone",
                       "Europe/Paris", "--newsletter", "morning-briefing", "--newsletter",
                       "the-long-read", "--confirmed", *data_args(demo)))
    assert email in cp.stdout
    s = subscriber(demo, email)
    assert s["email"] == email
    assert s["name"] == "New Reader"
    assert s["timezone"] == "Europe/Paris"
    subs = {x["newsletter"]: x for x in s["subscriptions"]}
    assert set(subs) == {"morning-briefing", "the-long-read"}
    assert all(x["status"] == "confirmed" for x in subs.values())
    assert email in emails(demo, "--newsletter", "morning-briefing", "--status", "confirmed")

    text = assert_ok(run("subscriber", "show", email, *data_args(demo))).stdout
    assert "New Reader" in text and "morning-briefing" in text

    assert_ok(run("subscriber", "remove", email, *data_args(demo)))
    assert subscriber(demo, email) is None
    assert email not in emails(demo)
    assert email not in emails(demo, "--newsletter", "morning-briefing")


def test_subscriber_add_unconfirmed_by_default(demo):
    email = f"pending@{DOMAIN}"
    before = newsletter(demo, "morning-briefing")["subscriptions"]
    assert_ok(run("subscriber", "add", email, "--newsletter", "morning-briefing",
                  *data_args(demo)))
    after = newsletter(demo, "morning-briefing")["subscriptions"]
    assert after["unconfirmed"] == before["unconfirmed"] + 1
    assert after["confirmed"] == before["confirmed"]
    assert subscriber(demo, email)["subscriptions"][0]["status"] == "unconfirmed"


def test_subscriber_add_existing_to_another_newsletter(demo):
    email = f"twice@{DOMAIN}"
    assert_ok(run("subscriber", "add", email, "--newsletter", "breaking-news", *data_args(demo)))
    assert_ok(run("subscriber", "add", email, "--newsletter", "the-long-read", *data_args(demo)))
    s = subscriber(demo, email)
    assert {x["newsletter"] for x in s["subscriptions"]} == {"breaking-news", "the-long-read"}
    assert [r["email"] for r in subscribers(demo)].count(email) == 1


def test_adding_again_does_not_downgrade_a_confirmed_subscription(demo):
    """Re-adding a reader to a newsletter they already confirmed must keep the
    confirmation (and its date): consent is a record, not a flag to reset."""
    email = f"loyal@{DOMAIN}"
    assert_ok(run("subscriber", "add", email, "--newsletter", "morning-briefing",
                  "--confirmed", *data_args(demo)))
    before = subscriber(demo, email)["subscriptions"][0]
    assert before["status"] == "confirmed" and before["confirmed_at"]
    run("subscriber", "add", email, "--newsletter", "morning-briefing", *data_args(demo))
    after = subscriber(demo, email)["subscriptions"][0]
    assert after["status"] == "confirmed", "a confirmed subscription was reset to unconfirmed"
    assert after["confirmed_at"] == before["confirmed_at"]


def test_subscriber_address_is_normalised(data):
    assert_ok(run("subscriber", "add", "  Reader@Mail.Broadsheet-Test.NET ", *data_args(data)))
    s = subscriber(data, f"Reader@{DOMAIN}")
    assert s is not None
    assert s["email"] == f"Reader@{DOMAIN}"
    # The same address written differently is the same reader.
    before = snapshot(data)
    assert_fails(run("subscriber", "add", f"Reader@{DOMAIN.upper()}", *data_args(data)),
                 "already")
    assert snapshot(data) == before


def test_subscriber_international_domain(data):
    assert_ok(run("subscriber", "add", "leser@bücher.de", *data_args(data)))
    s = subscriber(data, "leser@bücher.de")
    assert s["email"] == "leser@xn--bcher-kva.de"
    assert s["email_display"] == "leser@bücher.de"


BAD_SUBSCRIBER_ADD = [
    (["not-an-email"], ["invalid email"]),
    (["@" + DOMAIN], ["invalid email"]),
    (["reader@"], ["invalid email"]),
    (["a..b@" + DOMAIN], ["invalid email"]),
    (["reader@example.com"], ["invalid email", "reserved"]),
    (["reader@localhost"], ["invalid email"]),
    (["x" * 65 + "@" + DOMAIN], ["invalid email"]),
    (["reader@" + "d" * 250 + ".net"], ["invalid email"]),
    (["two words@" + DOMAIN], ["invalid email"]),
    (["ada.okafor@mail.dailybroadsheet-readers.net"], ["already"]),
    ([f"x@{DOMAIN}", "--newsletter", "no-such-letter"], ["no-such-letter"]),
    ([f"x@{DOMAIN}", "--newsletter", "morning-briefing", "--newsletter", "no-such-letter"],
     ["no-such-letter"]),
    ([f"x@{DOMAIN}", "--timezone", "Mars/Olympus"], ["--timezone"]),
    ([f"x@{DOMAIN}", "--timezone", "europe/paris"], ["--timezone"]),
    ([f"x@{DOMAIN}", "--name", "two\nlines"], ["--name"]),
    ([f"x@{DOMAIN}", "--name", "n" * 201], ["--name"]),
]


@pytest.mark.parametrize("args,fragments", BAD_SUBSCRIBER_ADD, ids=lambda x: repr(x)[:40])
def test_subscriber_add_refused(args, fragments, demo):
    before = snapshot(demo)
    assert_fails(run("subscriber", "add", *args, *data_args(demo)), *fragments)
    assert snapshot(demo) == before


@pytest.mark.parametrize("cmd", ["show", "remove"])
def test_unknown_subscriber(cmd, demo):
    before = snapshot(demo)
    assert_fails(run("subscriber", cmd, f"nobody@{DOMAIN}", *data_args(demo)), "no subscriber")
    assert_fails(run("subscriber", cmd, "not-an-address", *data_args(demo)), "no subscriber")
    assert snapshot(demo) == before


def test_subscriber_list_paging(demo):
    everyone = subscribers(demo)
    assert len(everyone) >= 4
    ids = [s["id"] for s in everyone]
    assert ids == sorted(ids), "oldest first"
    page1 = json.loads(assert_ok(run("subscriber", "list", "--json", "--limit", "2",
                                     *data_args(demo))).stdout)
    assert [s["id"] for s in page1] == ids[:2]
    page2 = json.loads(assert_ok(run("subscriber", "list", "--json", "--limit", "2", "--after",
                                     ids[1], *data_args(demo))).stdout)
    assert [s["id"] for s in page2] == ids[2:4]
    table = assert_ok(run("subscriber", "list", "--limit", "2", *data_args(demo))).stdout
    assert f"--after {ids[1]}" in table


def test_subscriber_list_by_newsletter_and_status(demo):
    confirmed = json.loads(assert_ok(run(
        "subscriber", "list", "--json", "--newsletter", "morning-briefing", "--status",
        "confirmed", *data_args(demo))).stdout)
    count = newsletter(demo, "morning-briefing")["subscriptions"]["confirmed"]
    assert len(confirmed) == count


BAD_LIST = [
    (["--limit", "0"], ["--limit"]),
    (["--limit", "many"], ["--limit"]),
    (["--status", "confirmed"], ["--status", "--newsletter"]),
    (["--newsletter", "morning-briefing", "--status", "happy"], ["--status"]),
    (["--newsletter", "no-such-letter"], ["no-such-letter"]),
]


@pytest.mark.parametrize("args,fragments", BAD_LIST, ids=lambda x: repr(x)[:40])
def test_subscriber_list_refused(args, fragments, demo):
    cp = run("subscriber", "list", *args, *data_args(demo))
    assert_fails(cp, *fragments)
    assert cp.stdout == ""


# --- export -------------------------------------------------------------------------


def test_export_writes_csv_with_header(demo):
    cp = assert_ok(run("export", *data_args(demo)))
    lines = cp.stdout.splitlines()
    assert lines[0] == "email,name,timezone,status,created_at"
    assert len(lines) - 1 == len(subscribers(demo))
    assert cp.stderr == ""


def test_export_by_newsletter_and_status(demo):
    mb = emails(demo, "--newsletter", "morning-briefing")
    confirmed = emails(demo, "--newsletter", "morning-briefing", "--status", "confirmed")
    assert confirmed <= mb
    assert len(confirmed) == newsletter(demo, "morning-briefing")["subscriptions"]["confirmed"]


@pytest.mark.parametrize("args,fragments", [
    (["--newsletter", "no-such-letter"], ["no-such-letter"]),
    (["--status", "confirmed"], ["--status"]),
    (["--newsletter", "morning-briefing", "--status", "bogus"], ["--status"]),
], ids=lambda x: repr(x)[:40])
def test_export_refused(args, fragments, demo):
    cp = run("export", *args, *data_args(demo))
    assert_fails(cp, *fragments)
    assert cp.stdout == "", "a refused export must not print a partial CSV"


def test_errors_do_not_leak_to_stdout(demo):
    cp = run("newsletter", "show", "no-such-letter", "--json", *data_args(demo))
    assert_fails(cp)
    assert cp.stdout == ""


def test_one_line_errors_have_no_log_noise(demo):
    # A failing command prints its one line and nothing else, log lines included.
    cp = run("subscriber", "add", "bad", *data_args(demo))
    assert len(stderr_lines(cp)) == 1
