"""Issue 12, item 6: drafts from the day's articles, through the binary on a simulated
clock (`schedule tick --now`). A feed served by a local HTTP server started by the test;
a `mon-fri 06:00 local` newsletter with readers in Asia/Tokyo and America/New_York, so
Tuesday's edition has two cohorts (Monday 21:00 UTC and Tuesday 11:00 UTC) and its
draft is made at the first one minus the lead (Monday 18:00 UTC with 3h). Covered:
feed -> draft -> approved with `issue schedule` -> delivered to each cohort at its
06:00 into smtp-sink; `--on-cutoff send` (the unapproved draft goes out); hold (the
edition skipped and recorded, nothing sent); no new articles (no draft, skipped and
recorded); `issue draft` at once and its refusals; the layout override; the settings'
checks."""

from __future__ import annotations

import collections
import json

import pytest

from conftest import DOMAIN, assert_fails, assert_ok, data_args, run, write_csv
from send_helpers import add_newsletter, parse_message, sink_factory  # noqa: F401
from test_feeds import FeedServer, answer

SLUG = "morning-briefing"
EDITION = "2027-01-12"  # a Tuesday
TOKYO_SIX = "2027-01-11T21:00:00Z"
NEW_YORK_SIX = "2027-01-12T11:00:00Z"
DRAFT_AT = "2027-01-11T18:00:00Z"  # Tokyo's 06:00 minus 3h
READERS = [(f"tokyo{k}@{DOMAIN}", "Asia/Tokyo") for k in range(2)] + \
          [(f"newyork{k}@{DOMAIN}", "America/New_York") for k in range(2)]


def rss(*items: tuple[str, str, str, str]) -> bytes:
    """RSS 2.0 of (guid, title, pubDate, category) items."""
    body = "".join(
        f"<item><title>{t}</title><link>https://news.example.org/{g}</link>"
        f"<guid isPermaLink=\"false\">{g}</guid><pubDate>{d}</pubDate>"
        f"<category>{c}</category><description>About {t}.</description></item>"
        for g, t, d, c in items)
    return (f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Site</title>"
            f"<link>https://news.example.org/</link><description>x</description>{body}"
            f"</channel></rss>").encode()


# Monday's news (after Monday's draft instant, Sunday 18:00 UTC) and an older story.
FRESH = rss(("storm", "Storm warning for the coast", "Mon, 11 Jan 2027 09:00:00 GMT", "World"),
            ("markets", "Markets rally on rate hopes", "Mon, 11 Jan 2027 12:00:00 GMT",
             "Business"),
            ("old", "Last week's story", "Fri, 08 Jan 2027 12:00:00 GMT", "World"))
STALE = rss(("old", "Last week's story", "Fri, 08 Jan 2027 12:00:00 GMT", "World"))


@pytest.fixture
def site():
    server = FeedServer()
    yield server
    server.close()


def paper(data, tmp_path, site, body: bytes = FRESH, *settings: str):
    add_newsletter(data)
    assert_ok(run("newsletter", "update", SLUG, "--schedule", "mon-fri 06:00 local",
                  *settings, *data_args(data)))
    lines = ["email,name,timezone"] + [f"{a},Reader,{z}" for a, z in READERS]
    csv = write_csv(tmp_path / "readers.csv", "\n".join(lines) + "\n")
    assert_ok(run("import", csv, "--newsletter", SLUG, "--confirmed", *data_args(data)))
    site.routes["/feed.xml"] = answer(200, body, {"Content-Type": "application/rss+xml"})
    assert_ok(run("feed", "add", site.url("/feed.xml"), "--newsletter", SLUG, *data_args(data)))
    return data


def drafting(data, *extra: str):
    assert_ok(run("newsletter", "update", SLUG, "--draft-from-feeds", "--draft-lead", "3h",
                  *extra, *data_args(data)))


def tick(data, when: str, sink=None):
    args = ["schedule", "tick", "--now", when, *data_args(data)]
    if sink is not None:
        args.append("--wait")
    return assert_ok(run(*args, env=sink.env() if sink else None))


def edition(data) -> dict:
    shown = json.loads(assert_ok(run("schedule", "show", SLUG, "--from", EDITION, "--days", "1",
                                     "--json", *data_args(data))).stdout)
    assert len(shown["editions"]) == 1
    return shown["editions"][0]


def issue(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json",
                                    *data_args(data))).stdout)


def received(sink) -> list[tuple[str, str]]:
    return [(rcpt, str(parse_message(raw)["Subject"]))
            for rcpt, raw in zip(sink.recipients(), sink.messages())]


def test_feed_to_draft_to_approved_to_each_cohort_at_its_six(data, tmp_path, site,
                                                             sink_factory):
    paper(data, tmp_path, site)
    drafting(data, "--draft-items", "5", "--draft-sections", "Business,World")
    sink = sink_factory()
    # A minute before the draft instant: nothing drafted.
    tick(data, "2027-01-11T17:59:00Z")
    assert edition(data)["issue"] is None
    made = tick(data, DRAFT_AT)
    assert f"{SLUG} {EDITION}: draft issue" in made.stdout, made.stdout
    assert "(2 articles)" in made.stdout
    draft_id = edition(data)["issue"]
    draft = issue(data, draft_id)
    assert draft["status"] == "draft" and draft["edition"] == EDITION
    assert draft["subject"] == "Morning Briefing: Tuesday 12 January 2027"
    body = draft["body_markdown"]
    # Sections in the order given; the story older than Monday's draft instant is out.
    assert body.index("Markets rally") < body.index("Storm warning"), body
    assert "Last week" not in body
    # Repeated: nothing more.
    again = tick(data, DRAFT_AT)
    assert "draft issue" not in again.stdout
    # The editor edits and approves.
    assert_ok(run("issue", "update", draft_id, "--subject", "Tuesday: storm and markets",
                  *data_args(data)))
    assert_ok(run("issue", "schedule", draft_id, "--edition", EDITION, "--now",
                  "2027-01-11T19:00:00Z", *data_args(data)))
    tick(data, "2027-01-11T20:59:00Z", sink)
    assert received(sink) == []
    tokyo = tick(data, TOKYO_SIX, sink)
    assert "released to Asia/Tokyo" in tokyo.stdout, tokyo.stdout
    assert sorted(received(sink)) == sorted(
        (a, "Tuesday: storm and markets") for a, z in READERS if z == "Asia/Tokyo")
    tick(data, "2027-01-12T10:59:00Z", sink)
    assert len(received(sink)) == 2
    tick(data, NEW_YORK_SIX, sink)
    counts = collections.Counter(received(sink))
    assert sorted(counts) == sorted((a, "Tuesday: storm and markets") for a, _ in READERS)
    assert set(counts.values()) == {1}
    assert issue(data, draft_id)["status"] == "sent"


def test_on_cutoff_send_sends_the_unapproved_draft_as_it_is(data, tmp_path, site,
                                                            sink_factory):
    paper(data, tmp_path, site)
    drafting(data, "--on-cutoff", "send")
    sink = sink_factory()
    tick(data, DRAFT_AT)
    draft_id = edition(data)["issue"]
    cut = tick(data, TOKYO_SIX, sink)
    assert f"draft issue {draft_id} not approved: sent as it is" in cut.stdout, cut.stdout
    assert "released to Asia/Tokyo" in cut.stdout
    subject = "Morning Briefing: Tuesday 12 January 2027"
    assert sorted(received(sink)) == sorted(
        (a, subject) for a, z in READERS if z == "Asia/Tokyo")
    tick(data, NEW_YORK_SIX, sink)
    assert sorted(received(sink)) == sorted((a, subject) for a, _ in READERS)
    assert edition(data)["skipped"] is None


def test_hold_skips_and_records_the_edition_and_sends_nothing(data, tmp_path, site,
                                                             sink_factory):
    paper(data, tmp_path, site)
    drafting(data)  # --on-cutoff hold is the default
    sink = sink_factory()
    tick(data, DRAFT_AT)
    draft_id = edition(data)["issue"]
    cut = tick(data, TOKYO_SIX, sink)
    assert f"{SLUG} {EDITION}: edition skipped: draft issue {draft_id} was not approved" \
        in cut.stdout, cut.stdout
    tick(data, NEW_YORK_SIX, sink)
    assert received(sink) == []
    e = edition(data)
    assert e["state"] == "draft"
    assert "not approved by the first release at 2027-01-11T21:00:00Z" in e["skipped"]
    text = assert_ok(run("schedule", "show", SLUG, "--from", EDITION, "--days", "1",
                         *data_args(data))).stdout
    assert "edition skipped: draft issue" in text
    assert issue(data, draft_id)["status"] == "draft"
    shown = assert_ok(run("issue", "show", draft_id, *data_args(data))).stdout
    assert "skipped:     draft issue" in shown, shown


def test_no_new_articles_no_draft_the_edition_skipped_and_recorded(data, tmp_path, site,
                                                                  sink_factory):
    paper(data, tmp_path, site, STALE)
    drafting(data, "--on-cutoff", "send")
    sink = sink_factory()
    made = tick(data, DRAFT_AT)
    assert (f"{SLUG} {EDITION}: edition skipped: no new articles since "
            f"2027-01-10T18:00:00Z") in made.stdout, made.stdout
    e = edition(data)
    assert e["issue"] is None and e["state"] == "skipped"
    assert e["skipped"].startswith("no new articles")
    tick(data, TOKYO_SIX, sink)
    tick(data, NEW_YORK_SIX, sink)
    assert received(sink) == []
    assert json.loads(assert_ok(run("issue", "list", "--json", *data_args(data))).stdout) == []


def test_issue_draft_at_once_and_its_refusals(data, tmp_path, site):
    paper(data, tmp_path, site)  # drafts from feeds off: `issue draft` still drafts
    now = ["--now", "2027-01-11T14:00:00Z"]
    cp = assert_ok(run("issue", "draft", "--newsletter", SLUG, "--edition", EDITION, *now,
                       *data_args(data)))
    draft_id = int(cp.stdout.strip())
    shown = issue(data, draft_id)
    assert shown["edition"] == EDITION and shown["status"] == "draft"
    assert "Storm warning" in shown["body_markdown"]
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", EDITION, *now,
                     *data_args(data)), f"already has issue {draft_id}")
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", "2027-01-16", *now,
                     *data_args(data)), "2027-01-16 is not an edition")
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", "2027-01-04", *now,
                     *data_args(data)), "already past")
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", "2027-13-01", *now,
                     *data_args(data)), "--edition")
    # Wednesday's edition: nothing new since Tuesday's draft instant.
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", "2027-01-13", *now,
                     *data_args(data)), "no new articles")
    assert_ok(run("newsletter", "update", SLUG, "--schedule", "manual", *data_args(data)))
    assert_fails(run("issue", "draft", "--newsletter", SLUG, "--edition", "2027-01-14", *now,
                     *data_args(data)), "manual schedule")


def test_the_layout_override_is_used(data, tmp_path, site):
    paper(data, tmp_path, site)
    drafting(data)
    layouts = data / "templates" / "draft"
    layouts.mkdir(parents=True)
    (layouts / f"{SLUG}.md.mustache").write_text(
        "# Today, {{edition_long}}\n\n{{#sections}}## {{name}}\n\n{{#articles}}"
        "* [{{title}}]({{link}})\n{{/articles}}\n{{/sections}}", encoding="utf-8")
    tick(data, DRAFT_AT)
    body = issue(data, edition(data)["issue"])["body_markdown"]
    assert body.startswith("# Today, Tuesday 12 January 2027\n"), body
    assert "* [Storm warning for the coast](https://news.example.org/storm)" in body


def test_settings_are_checked_shown_and_in_json(data):
    add_newsletter(data)
    args = ["newsletter", "update", SLUG]
    assert_fails(run(*args, "--draft-from-feeds", *data_args(data)), "manual schedule")
    assert_ok(run(*args, "--schedule", "mon-fri 06:00 local", *data_args(data)))
    for bad, fragment in [(["--draft-items", "0"], "1 to 50"), (["--draft-items", "51"], "1 to 50"),
                          (["--draft-lead", "10s"], "--draft-lead"),
                          (["--draft-lead", "8d"], "--draft-lead"),
                          (["--draft-lead", "soon"], "--draft-lead"),
                          (["--on-cutoff", "later"], "neither send nor hold"),
                          (["--draft-from-feeds", "--no-draft-from-feeds"], "exclude")]:
        assert_fails(run(*args, *bad, *data_args(data)), fragment)
    assert_ok(run(*args, "--draft-from-feeds", "--draft-items", "7", "--draft-sections",
                  "World, Business", "--draft-lead", "90m", "--on-cutoff", "send",
                  *data_args(data)))
    shown = json.loads(assert_ok(run("newsletter", "show", SLUG, "--json",
                                     *data_args(data))).stdout)
    assert shown["drafts"] == {"from_feeds": True, "items": 7, "sections": ["World", "Business"],
                               "lead_seconds": 5400, "on_cutoff": "send"}
    text = assert_ok(run("newsletter", "show", SLUG, *data_args(data))).stdout
    assert "drafts:      from feeds, 7 items, sections World,Business, 90m before the first " \
           "release, on cutoff send" in text
    # A drafting newsletter cannot become manual; once off it can.
    assert_fails(run(*args, "--schedule", "manual", *data_args(data)), "manual schedule")
    assert_ok(run(*args, "--no-draft-from-feeds", *data_args(data)))
    assert_ok(run(*args, "--schedule", "manual", *data_args(data)))
    shown = json.loads(assert_ok(run("newsletter", "show", SLUG, "--json",
                                     *data_args(data))).stdout)
    assert shown["drafts"]["from_feeds"] is False and shown["drafts"]["items"] == 7
