"""The archive of a newsletter with a long past (issue 17, items 2 and 3): the archive
page goes back beyond the latest 100 issues a page at a time, its cached pages change
as soon as a new issue goes out, and every page has one address (another spelling of
it is redirected, not served).

The long past is 250 sent issues written straight into the database before the server
starts (as bench/archive does: sending 250 issues through the CLI would take a
minute); several share a second of sending, which the paging must not trip over. The
issue sent while the server runs goes through the real CLI."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest

from backend import sql
from conftest import assert_ok, data_args, get, run, start_server
from send_helpers import add_newsletter, create_issue, make_audience

BASE = "https://news.broadsheet-test.net"
ENV = {"BROADSHEET_PUBLICATION_BASE_URL": BASE}
SLUG = "morning-briefing"
ATOM = "{http://www.w3.org/2005/Atom}"
PAST = 250
START = 1_700_000_000


def insert_sent_issues(data, slug: str, count: int, first_subject: int = 0) -> list[int]:
    """`count` sent issues of `slug`, three to a second of sending; returns their ids
    newest first (by sending time, then id, as the archive lists them)."""
    [(newsletter_id,)] = sql(data, "SELECT id FROM newsletters WHERE slug = ?", (slug,))
    values, params = [], []
    for i in range(count):
        n = first_subject + i
        started = START + n // 3 * 86400
        values.append("(?, ?, ?, ?, 'sent', ?, ?, ?, ?)")
        params += [newsletter_id, f"Issue number {n}", f"Preheader {n}",
                   f"# Issue {n}\n\n" + "Some news. " * 200, started, started + 60,
                   started - 600, started + 60]
    # One statement, committed at once; RETURNING's order is not the VALUES' order on
    # every backend, so each id is paired with its own sending time.
    rows = sql(data, "INSERT INTO issues (newsletter_id, subject, preheader, body_markdown,"
                     " status, started_at, finished_at, created_at, updated_at) VALUES "
                     + ", ".join(values) + " RETURNING started_at, id", params)
    return [i for _, i in sorted(rows, reverse=True)]


def listed(text: str) -> list[int]:
    return [int(i) for i in re.findall(rf'<a href="/archive/{SLUG}/(\d+)">', text)]


def older_link(text: str) -> str | None:
    m = re.search(r'<a href="([^"]+)" rel="next">Older issues</a>', text)
    return html.unescape(m.group(1)) if m else None


@pytest.fixture(scope="module")
def long_past(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive-scale")
    data = root / "data"
    assert_ok(run("init", *data_args(data), env=ENV))
    add_newsletter(data)
    add_newsletter(data, slug="evening-edition", name="Evening Edition")
    newest_first = insert_sent_issues(data, SLUG, PAST)
    evening = insert_sent_issues(data, "evening-edition", 3)
    draft = create_issue(data, root, subject="Not yet written")
    server = start_server(data, root, env=ENV)
    yield {"server": server, "ids": newest_first, "evening": evening, "draft": draft}
    code, _ = server.terminate()
    assert code == 0, server.log()[-2000:]


# --- paging -------------------------------------------------------------------------


def test_the_archive_pages_back_through_every_issue_with_older_issues_links(long_past):
    server, ids = long_past["server"], long_past["ids"]
    first = get(server, f"/archive/{SLUG}")
    assert first.status == 200
    assert listed(first.text) == ids[:100], "the newest 100, newest first"
    seen, path, pages = [], f"/archive/{SLUG}", 0
    while path:
        r = get(server, path)
        assert r.status == 200, (path, r)
        seen += listed(r.text)
        pages += 1
        link = older_link(r.text)
        if link:
            assert link == f"/archive/{SLUG}?before={listed(r.text)[-1]}"
            assert "Newest issues" in r.text or path == f"/archive/{SLUG}"
        path = link
        assert pages <= 5, "the links end"
    assert pages == 3
    assert seen == ids, "every issue once, in order, across issues sent in the same second"


def test_the_feed_holds_the_latest_50(long_past):
    r = get(long_past["server"], f"/archive/{SLUG}/feed.atom")
    assert r.status == 200
    entries = ET.fromstring(r.body).findall(f"{ATOM}entry")
    urls = [e.find(f"{ATOM}id").text for e in entries]
    assert urls == [f"{BASE}/archive/{SLUG}/{i}" for i in long_past["ids"][:50]]


def test_a_cursor_that_is_not_one_of_the_newsletters_public_issues_is_the_same_404(long_past):
    server = long_past["server"]
    oldest = long_past["ids"][-1]
    paths = [
        f"/archive/{SLUG}?before={long_past['draft']}",          # a draft
        f"/archive/{SLUG}?before={long_past['evening'][0]}",     # another newsletter's
        f"/archive/{SLUG}?before=99999999",                      # no such issue
        f"/archive/{SLUG}?before={oldest}",                      # nothing older
        f"/archive/{SLUG}?before=abc",
        f"/archive/{SLUG}?before=-5",
        f"/archive/{SLUG}?before=",
        f"/archive/{SLUG}/0",
    ]
    replies = {p: get(server, p) for p in paths}
    for p, r in replies.items():
        assert r.status == 404, (p, r)
    bodies = {re.sub(r"Reference: [^<]*", "", r.text) for r in replies.values()}
    assert len(bodies) == 1


# --- one address per page -------------------------------------------------------------


def test_an_issue_under_another_spelling_of_its_address_is_redirected_to_it(long_past):
    server = long_past["server"]
    issue = long_past["ids"][0]
    digits = str(issue)
    canonical = f"/archive/{SLUG}/{issue}"
    encoded = "".join(f"%3{d}" for d in digits)
    for path in [f"/archive/{SLUG}/{encoded}",                      # /archive/x/%31
                 f"/archive/{SLUG}/%3{digits[0]}{digits[1:]}",
                 f"/archive/{SLUG}/0{issue}",                        # leading zeros
                 f"/archive/{SLUG}/000{issue}",
                 f"/archive/%6Dorning-briefing/{issue}"]:            # an encoded slug
        r = get(server, path)
        assert r.status == 301, (path, r)
        assert r.headers["location"] == canonical, path
        assert r.body == b""
    assert get(server, canonical).status == 200


def test_the_archive_page_and_feed_have_one_address_too(long_past):
    server = long_past["server"]
    before = long_past["ids"][99]
    cases = {
        "/archive/%6Dorning-briefing": f"/archive/{SLUG}",
        f"/archive/{SLUG}/feed%2Eatom": f"/archive/{SLUG}/feed.atom",
        f"/archive/{SLUG}?before=0{before}": f"/archive/{SLUG}?before={before}",
        f"/archive/%6Dorning-briefing?before={before}": f"/archive/{SLUG}?before={before}",
    }
    for path, location in cases.items():
        r = get(server, path)
        assert r.status == 301, (path, r)
        assert r.headers["location"] == location, path


def test_another_spelling_of_a_hidden_issue_is_the_404_not_a_redirect(long_past):
    server = long_past["server"]
    for path in [f"/archive/{SLUG}/0{long_past['draft']}",
                 f"/archive/{SLUG}/%3{str(long_past['draft'])[0]}{str(long_past['draft'])[1:]}",
                 f"/archive/{SLUG}/0{long_past['evening'][0]}"]:
        assert get(server, path).status == 404, path


# --- the cache follows what changes ---------------------------------------------------


def test_a_new_issue_shows_at_once_on_the_cached_archive_page_feed_and_its_own_page(
        tmp_path, data, server_factory):
    add_newsletter(data)
    make_audience(data, tmp_path, 2)
    old = insert_sent_issues(data, SLUG, 3)
    server = server_factory(data, env=ENV)
    fresh = create_issue(data, tmp_path, subject="Breaking: the archive is fast")

    def feed_ids():
        feed = ET.fromstring(get(server, f"/archive/{SLUG}/feed.atom").body)
        return [e.find(f"{ATOM}id").text.rsplit("/", 1)[1] for e in feed.findall(f"{ATOM}entry")]

    for _ in range(2):  # the second time from the cache
        assert listed(get(server, f"/archive/{SLUG}").text) == old
        assert feed_ids() == [str(i) for i in old]
        assert get(server, f"/archive/{SLUG}/{fresh}").status == 404  # a draft

    # Sent by the CLI, another process: the server learns of it through the database.
    assert_ok(run("issue", "send", fresh, "--wait", *data_args(data), env=ENV))
    page = get(server, f"/archive/{SLUG}")
    assert listed(page.text) == [fresh] + old
    assert "Breaking: the archive is fast" in page.text
    assert feed_ids() == [str(i) for i in [fresh] + old]
    r = get(server, f"/archive/{SLUG}/{fresh}")
    assert r.status == 200 and "Breaking: the archive is fast" in r.text


def test_an_edited_newsletter_shows_at_once_on_its_cached_archive(tmp_path, data,
                                                                  server_factory):
    add_newsletter(data)
    insert_sent_issues(data, SLUG, 2)
    server = server_factory(data, env=ENV)
    for _ in range(2):
        assert "<h1>Morning Briefing</h1>" in get(server, f"/archive/{SLUG}").text
    assert_ok(run("newsletter", "update", SLUG, "--name", "The Early Edition", *data_args(data)))
    assert "<h1>The Early Edition</h1>" in get(server, f"/archive/{SLUG}").text
    feed = ET.fromstring(get(server, f"/archive/{SLUG}/feed.atom").body)
    assert feed.find(f"{ATOM}title").text == "The Early Edition"
