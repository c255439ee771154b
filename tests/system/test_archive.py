"""The web version of issues: GET /archive/SLUG/ISSUE, the archive page GET /archive/SLUG
and its Atom feed GET /archive/SLUG/feed.atom, against `broadsheet serve` over a
publication whose issues were written and sent with the real CLI.

The publication: a public newsletter (morning-briefing) with six readers and a private
one (insiders) with two. Of morning-briefing's issues two were sent (the one created
first was sent last, so "newest first" means by sending date, not by id), one was
paused after some copies went out, one was paused before any went out (its relay
was down), and one is a draft; insiders has one sent issue."""

from __future__ import annotations

import html
import json
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (BIN, DOMAIN, assert_ok, clean_env, data_args, free_port, get, request, run,
                      start_server, wait_for)
from send_helpers import add_newsletter, create_issue, make_audience, parse_message, start_sink, outbox_messages

BASE = "https://news.broadsheet-test.net"
ENV = {"BROADSHEET_PUBLICATION_BASE_URL": BASE}
SLUG = "morning-briefing"
ATOM = "{http://www.w3.org/2005/Atom}"

NEWER_BODY = """# Budget talks resume, {{name}}

The council meets again on {{issue_date}} after the tram vote.

- Shopkeepers worry about the works.
- [Read the plan](https://news.example.org/plan)

[Manage your newsletters]({{preferences_url}}) or [leave]({{unsubscribe_url}}).
Sent to {{email}}.
"""


def show(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def start_send(data, issue_id, env) -> subprocess.Popen:
    return subprocess.Popen([BIN, "issue", "send", str(issue_id), "--wait", *data_args(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env({**ENV, **env}))


def send_to_outbox(data, issue_id):
    assert_ok(run("issue", "send", issue_id, "--wait", *data_args(data), env=ENV))
    assert show(data, issue_id)["status"] == "sent"


def pause_mid_send(data, issue_id, env, started):
    """Sends through `env`'s relay until `started()` holds, then pauses."""
    proc = start_send(data, issue_id, env)
    try:
        wait_for(started, what="the send to start")
        assert_ok(run("issue", "pause", issue_id, *data_args(data)))
        proc.communicate(timeout=60)
        assert proc.returncode == 3  # the rest is pending
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return show(data, issue_id)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    data = root / "data"
    assert_ok(run("init", *data_args(data), env=ENV))
    add_newsletter(data)
    assert_ok(run("newsletter", "add", "--slug", "insiders", "--name", "Insiders", "--private",
                  "--from", f"Insiders <desk@{DOMAIN}>", *data_args(data)))
    readers = make_audience(data, root, 6)
    make_audience(data, root, 2, newsletter="insiders", prefix="insider")

    ids = {}
    ids["newer"] = create_issue(data, root, subject="Tuesday: budget talks & <cuts>",
                                preheader="Money, \"money\" & more", body=NEWER_BODY)
    ids["older"] = create_issue(data, root, subject="Monday: the tram vote",
                                preheader="Council votes tonight")
    ids["draft"] = create_issue(data, root, subject="Wednesday: not yet written",
                                preheader="Secret plans")
    ids["private"] = create_issue(data, root, subject="Insiders only", newsletter="insiders",
                                  preheader="For insiders")
    send_to_outbox(data, ids["older"])
    time.sleep(1.1)  # dates are in seconds: the newer one must start a second later
    send_to_outbox(data, ids["newer"])
    send_to_outbox(data, ids["private"])

    # Paused after some copies went out, of six readers at one message a second. The
    # pause follows the first copy to reach the relay, not `issue show`: the sender
    # records its copies a while after they leave, and a sanitized binary's `issue show`
    # under load takes a second or two, so polling it left the pause too late.
    ids["halted"] = create_issue(data, root, subject="Thursday: paused midway",
                                 preheader="Half sent")
    sink = start_sink(root, name="sink")
    try:
        halted = pause_mid_send(data, ids["halted"], sink.env(BROADSHEET_SEND_RATE="1"),
                                lambda: len(sink.files()) > 0)
    finally:
        sink.stop()
    assert halted["status"] == "paused" and 0 < halted["deliveries"]["sent"] < 6, halted

    # Paused before any copy went out: the relay is down, every attempt deferred.
    ids["stalled"] = create_issue(data, root, subject="Friday: never left",
                                  preheader="Nobody got this")
    down = {"BROADSHEET_TRANSPORT": "smtp", "BROADSHEET_SMTP_HOST": "127.0.0.1",
            "BROADSHEET_SMTP_PORT": str(free_port()), "BROADSHEET_SMTP_TLS": "none",
            "BROADSHEET_SEND_BACKOFF": "1s", "BROADSHEET_SMTP_TIMEOUT_CONNECT": "2"}
    stalled = pause_mid_send(data, ids["stalled"], down,
                             lambda: show(data, ids["stalled"])["deliveries"]["deferred"] > 0)
    assert stalled["status"] == "paused" and stalled["deliveries"]["sent"] == 0, stalled

    server = start_server(data, root, env=ENV)
    yield {"data": data, "server": server, "ids": ids, "readers": readers, "root": root}
    code, _ = server.terminate()
    assert code == 0, server.log()[-2000:]


def page(paper, issue_key):
    return get(paper["server"], f"/archive/{SLUG}/{paper['ids'][issue_key]}")


def without_request_id(body: str) -> str:
    return re.sub(r"Reference: [^<]*", "Reference: -", body)


# --- the issue page ---------------------------------------------------------------


def test_a_sent_issue_is_a_web_page_with_its_subject_and_body(paper):
    r = page(paper, "newer")
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    text = r.text
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Tuesday: budget talks &amp; &lt;cuts&gt;</title>" in text
    assert "Budget talks resume, reader" in text  # the name fallback, not a reader's name
    assert "Shopkeepers worry about the works." in text
    assert 'href="https://news.example.org/plan"' in text
    assert "You are reading an issue of Morning Briefing" in text


def test_the_page_holds_no_reader_data_and_no_reader_link(paper):
    text = page(paper, "newer").text
    for reader in paper["readers"]:
        assert reader not in text
    for i in range(6):
        assert f"Reader {i}" not in text
    assert DOMAIN not in text
    # The tokens of the emails' personal links appear nowhere.
    tokens = set()
    for raw in outbox_messages(paper["data"]):
        tokens.update(re.findall(rb"/[up]/([A-Za-z0-9_.~-]{16,})", raw.replace(b"=\r\n", b"")))
    assert tokens, "the outbox holds the emails of the sent issues"
    for token in tokens:
        assert token.decode() not in text
    assert not re.search(r"/[up]/", text), "no unsubscribe or preferences link at all"
    # What the body's personal links became: the catalogue of newsletters.
    assert re.search(rf'href="{BASE}/newsletters"[^>]*>Manage your newsletters</a>', text)
    assert re.search(rf'href="{BASE}/newsletters"[^>]*>leave</a>', text)


def test_the_emails_view_in_browser_link_is_this_page(paper):
    newer = paper["ids"]["newer"]
    link = None
    for raw in outbox_messages(paper["data"]):
        msg = parse_message(raw)
        if msg["Subject"] != "Tuesday: budget talks & <cuts>":
            continue
        body = msg.get_body(("html",)).get_content()
        m = re.search(r'<a href="([^"]+)"[^>]*>View this issue in your browser</a>', body)
        assert m, "the email links to its web version"
        link = html.unescape(m.group(1))
        break
    assert link == f"{BASE}/archive/{SLUG}/{newer}"
    r = get(paper["server"], link[len(BASE):])
    assert r.status == 200 and "Budget talks resume" in r.text


def test_an_issue_paused_after_copies_went_out_is_public(paper):
    r = page(paper, "halted")
    assert r.status == 200
    assert "Thursday: paused midway" in r.text


def test_repeated_and_concurrent_requests_get_the_same_page(paper):
    first = page(paper, "older")
    assert first.status == 200 and "Monday: the tram vote" in first.text
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: page(paper, "older"), range(32)))
    assert all(r.status == 200 and r.body == first.body for r in replies)
    head = request(paper["server"], "HEAD", f"/archive/{SLUG}/{paper['ids']['older']}")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["content-length"]) == len(first.body)


def test_everything_not_public_is_the_same_404(paper):
    ids = paper["ids"]
    paths = [
        f"/archive/{SLUG}/{ids['draft']}",         # a draft
        f"/archive/{SLUG}/{ids['stalled']}",       # paused before any copy went out
        f"/archive/insiders/{ids['private']}",     # an issue of a private newsletter
        f"/archive/{SLUG}/{ids['private']}",       # another newsletter's issue
        f"/archive/insiders/{ids['newer']}",       # a public issue under another slug
        f"/archive/no-such-newsletter/{ids['newer']}",
        f"/archive/{SLUG}/999999",                 # an unknown id
        f"/archive/{SLUG}/0{ids['draft']}",        # a draft under another spelling
        f"/archive/{SLUG}/-{ids['newer']}",
        f"/archive/{SLUG}/abc",
        f"/archive/{SLUG}/99999999999999999999999",
        f"/archive/Morning-Briefing/{ids['newer']}",
        "/archive/insiders",                       # a private newsletter's archive
        "/archive/no-such-newsletter",
        "/archive/insiders/feed.atom",
        "/archive/no-such-newsletter/feed.atom",
    ]
    replies = {p: get(paper["server"], p) for p in paths}
    for p, r in replies.items():
        assert r.status == 404, (p, r)
        assert r.headers["content-type"] == "text/html; charset=utf-8", p
    bodies = {without_request_id(r.text) for r in replies.values()}
    assert len(bodies) == 1, "every refusal reads the same"
    body = bodies.pop()
    for secret in ("Wednesday", "Insiders", "Friday", "paused", "draft", "private"):
        assert secret not in body


def test_a_cancelled_issue_is_public_only_if_a_copy_went_out(paper):
    data, ids = paper["data"], paper["ids"]
    # Cancelling changes nothing that readers have or have not got.
    assert_ok(run("issue", "cancel", ids["stalled"], *data_args(data)))
    assert show(data, ids["stalled"])["status"] == "cancelled"
    assert page(paper, "stalled").status == 404
    assert_ok(run("issue", "cancel", ids["halted"], *data_args(data)))
    assert show(data, ids["halted"])["status"] == "cancelled"
    assert page(paper, "halted").status == 200


# --- the archive page -------------------------------------------------------------


def test_the_archive_lists_the_public_issues_newest_first(paper):
    ids = paper["ids"]
    r = get(paper["server"], f"/archive/{SLUG}")
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    text = r.text
    links = re.findall(rf'<a href="/archive/{SLUG}/(\d+)">([^<]*)</a>', text)
    # halted went out last, and stays listed whether paused or cancelled afterwards.
    assert [int(i) for i, _ in links] == [ids["halted"], ids["newer"], ids["older"]]
    assert [html.unescape(s) for _, s in links] == [
        "Thursday: paused midway", "Tuesday: budget talks & <cuts>", "Monday: the tram vote"]
    for hidden in ("Wednesday: not yet written", "Friday: never left", "Insiders only"):
        assert hidden not in text
    assert "<h1>Morning Briefing</h1>" in text
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\w+day, \d+ \w+ \d{4}</time>',
                     text)
    assert "Council votes tonight" in text  # the preheader
    head = text[:text.index("</head>")]
    assert (f'<link rel="alternate" type="application/atom+xml" title="Morning Briefing" '
            f'href="/archive/{SLUG}/feed.atom">') in head
    # The sign-up box offers this newsletter, ticked, and only it.
    assert 'data-bs-signup' in text
    boxes = re.findall(r'<input[^>]*name="newsletters"[^>]*>', text)
    assert boxes and all(f'value="{SLUG}"' in b for b in boxes), boxes


def test_the_newsletters_page_links_each_archive(paper):
    text = get(paper["server"], "/newsletters").text
    assert f'href="/archive/{SLUG}"' in text
    assert "Past issues" in text
    assert "/archive/insiders" not in text


# --- the Atom feed ----------------------------------------------------------------


def test_the_atom_feed_parses_and_has_the_entries(paper):
    ids = paper["ids"]
    r = get(paper["server"], f"/archive/{SLUG}/feed.atom")
    assert r.status == 200
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(r.body)
    assert feed.tag == f"{ATOM}feed"
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def one(parent, name):
        found = parent.findall(f"{ATOM}{name}")
        assert len(found) == 1, (name, ET.tostring(parent)[:300])
        return found[0]

    assert one(feed, "id").text == f"{BASE}/archive/{SLUG}"
    assert one(feed, "title").text == "Morning Briefing"
    assert rfc3339.match(one(feed, "updated").text)
    assert one(one(feed, "author"), "name").text
    links = {l.get("rel"): l for l in feed.findall(f"{ATOM}link")}
    assert links["self"].get("href") == f"{BASE}/archive/{SLUG}/feed.atom"
    assert links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("href") == f"{BASE}/archive/{SLUG}"

    entries = feed.findall(f"{ATOM}entry")
    expected = [("halted", "Thursday: paused midway", "Half sent"),
                ("newer", "Tuesday: budget talks & <cuts>", 'Money, "money" & more'),
                ("older", "Monday: the tram vote", "Council votes tonight")]
    assert len(entries) == len(expected)
    for entry, (key, title, summary) in zip(entries, expected):
        url = f"{BASE}/archive/{SLUG}/{ids[key]}"
        assert one(entry, "id").text == url
        assert one(entry, "title").text == title
        assert one(entry, "summary").text == summary
        assert rfc3339.match(one(entry, "updated").text)
        assert rfc3339.match(one(entry, "published").text)
        link = one(entry, "link")
        assert link.get("rel") == "alternate" and link.get("href") == url
        assert get(paper["server"], url[len(BASE):]).status == 200
    # The feed changed last when its newest entry did.
    assert one(feed, "updated").text == one(entries[0], "updated").text
    dates = [one(e, "published").text for e in entries]
    assert dates == sorted(dates, reverse=True)


def test_a_newsletter_without_issues_has_an_empty_archive_and_feed(tmp_path, data,
                                                                   server_factory):
    add_newsletter(data)
    server = server_factory(data, env=ENV)
    page_reply = get(server, f"/archive/{SLUG}")
    assert page_reply.status == 200
    assert "No issues have been sent yet." in page_reply.text
    feed = ET.fromstring(get(server, f"/archive/{SLUG}/feed.atom").body)
    assert feed.findall(f"{ATOM}entry") == []
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", feed.find(f"{ATOM}updated").text)


def test_an_issue_being_sent_is_public_while_it_is_sent(tmp_path, data, server_factory):
    """The server sends at one message a second to twenty readers, so the issue is still
    sending when the page is asked for, even by a sanitized binary under load (with four
    readers, its `issue send`, the page and `issue show` outlasted the send)."""
    add_newsletter(data)
    make_audience(data, tmp_path, 20)
    issue_id = create_issue(data, tmp_path, subject="Saturday: going out now")
    first = server_factory(data, env=ENV)
    assert get(first, f"/archive/{SLUG}/{issue_id}").status == 404  # a draft
    assert first.terminate()[0] == 0  # one server per data folder
    slow = {**ENV, "BROADSHEET_SEND_RATE": "1"}
    server = server_factory(data, env=slow)
    assert_ok(run("issue", "send", issue_id, *data_args(data), env=slow))  # handed to the server
    r = get(server, f"/archive/{SLUG}/{issue_id}")
    assert r.status == 200 and "Saturday: going out now" in r.text
    assert show(data, issue_id)["status"] == "sending", "it was sending when the page was read"
