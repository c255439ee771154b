"""Feeds and articles (issue 12, item 5): `feed add|list|remove|poll` and `article
list`, against a local HTTP server started by each test (http.server in a thread on
127.0.0.1) that answers with RSS and Atom written for the tests, 304s, slowly, with
errors, redirect loops, oversize and hostile bodies."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import assert_fails, assert_ok, data_args, run

NEWSLETTER = "morning-briefing"


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 document of (guid, title, pubDate) items, links relative to the site."""
    body = "".join(
        f"<item><title>{t}</title><link>/news/{g}</link>"
        f"<guid isPermaLink=\"false\">{g}</guid><pubDate>{d}</pubDate>"
        f"<category>Local</category>"
        f"<description>&lt;p&gt;About {t} &amp;amp; more&lt;/p&gt;</description></item>"
        for g, t, d in items)
    return (f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Site</title>"
            f"<description>x</description>{body}</channel></rss>").encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title>Atom site</title><id>urn:x</id><updated>2026-12-07T09:00:00Z</updated>
  <entry><title type="html">Talks &lt;em&gt;resume&lt;/em&gt;</title>
    <link href="/world/talks"/><id>urn:talks</id>
    <published>2026-12-07T08:45:00+01:00</published>
    <author><name>Maria Costa</name></author>
    <media:thumbnail url="/img/t.jpg"/>
    <summary type="html">&lt;p&gt;Negotiators met.&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</summary>
  </entry>
</feed>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0"><channel><title>&lol5;</title>
<item><title>&lol5;</title><link>https://x.example/1</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>x</title>
<item><title>&xxe;</title><link>https://x.example/1</link></item></channel></rss>"""


class FeedServer:
    """A local web server whose answers the test sets per path."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                route = outer.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def headers_of(self, path: str) -> list[dict]:
        return [h for p, h in self.requests if p == path]


def answer(status: int, body: bytes = b"", headers: dict | None = None):
    def handle(h: BaseHTTPRequestHandler):
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handle


def versioned(server: FeedServer, bodies: dict[str, bytes], current: list[str]):
    """Answers with bodies[current[0]] and its ETag; 304 when the client has it."""
    def handle(h: BaseHTTPRequestHandler):
        etag = f'"{current[0]}"'
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        body = bodies[current[0]]
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("ETag", etag)
        h.send_header("Last-Modified", "Mon, 07 Dec 2026 08:00:00 GMT")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handle


@pytest.fixture
def site():
    server = FeedServer()
    yield server
    server.close()


def feeds(data) -> list[dict]:
    return json.loads(assert_ok(run("feed", "list", "--json", *data_args(data))).stdout)


def articles(data, *extra) -> list[dict]:
    return json.loads(assert_ok(run("article", "list", "--json", *extra, *data_args(data))).stdout)


def add(data, url, *extra, env=None):
    return assert_ok(run("feed", "add", url, "--newsletter", NEWSLETTER, *extra,
                         *data_args(data), env=env))


def poll(data, now, env=None):
    return assert_ok(run("feed", "poll", "--now", now, *data_args(data), env=env))


def at(seconds_from_now: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


def test_add_poll_list_with_304_and_dedupe(demo, site):
    current = ["v1"]
    bodies = {
        "v1": rss(("a1", "Harbour reopens", "Mon, 07 Dec 2026 07:30:00 +0000"),
                  ("a2", "Library hours", "7 Dec 2026 05:00:00 EST")),
        "v2": rss(("a3", "New story", "Tue, 08 Dec 2026 07:00:00 GMT"),
                  ("a1", "Harbour reopens", "Mon, 07 Dec 2026 07:30:00 +0000"),
                  ("a2", "Library hours", "7 Dec 2026 05:00:00 EST")),
    }
    site.routes["/feed.rss"] = versioned(site, bodies, current)
    out = add(demo, site.url("/feed.rss"), "--section", "Harbour").stdout
    assert "feed 1 added for morning-briefing: RSS 2.0 (2 items, 2 new articles)" in out

    [f] = feeds(demo)
    assert f["url"] == site.url("/feed.rss")
    assert f["newsletter"] == NEWSLETTER and f["section"] == "Harbour"
    assert f["articles"] == 2 and f["last_error"] == "" and f["failures"] == 0
    assert f["last_poll_at"] is not None

    listed = articles(demo)
    from_feed = [a for a in listed if a["feed_id"] == 1]
    assert {a["title"] for a in from_feed} == {"Harbour reopens", "Library hours"}
    harbour = next(a for a in from_feed if a["title"] == "Harbour reopens")
    assert harbour["link"] == site.url("/news/a1")  # relative link made absolute
    assert harbour["summary"] == "About Harbour reopens & more"
    assert harbour["section"] == "Harbour"
    assert harbour["published_at"] == "2026-12-07T07:30:00Z"
    assert harbour["source"] == site.url("/feed.rss")
    # The demo publication's own articles are listed too, as its own.
    own = [a for a in listed if a["feed_id"] is None]
    assert own and all(a["source"] == "this publication" for a in own)

    # Not due yet: nothing is fetched.
    assert "no feed is due" in poll(demo, at(60)).stdout

    # Due: the server has not changed and says so with a 304.
    out = poll(demo, at(16 * 60)).stdout
    assert "feed 1" in out and "unchanged (304 Not Modified)" in out
    assert site.headers_of("/feed.rss")[-1].get("If-None-Match") == '"v1"'
    assert site.headers_of("/feed.rss")[-1].get("If-Modified-Since") == "Mon, 07 Dec 2026 08:00:00 GMT"
    assert "Broadsheet" in site.headers_of("/feed.rss")[-1].get("User-Agent", "")

    # Changed: only the new item is stored.
    current[0] = "v2"
    out = poll(demo, at(40 * 60)).stdout
    assert "1 new of 3" in out
    assert feeds(demo)[0]["articles"] == 3
    assert len([a for a in articles(demo) if a["feed_id"] == 1]) == 3

    # --since keeps the newer ones only.
    since = articles(demo, "--since", "2026-12-08")
    assert "New story" in {a["title"] for a in since}
    assert "Harbour reopens" not in {a["title"] for a in since}

    text = assert_ok(run("article", "list", *data_args(demo))).stdout
    assert "this publication" in text and "feed 1" in text
    assert "LAST ERROR" in assert_ok(run("feed", "list", *data_args(demo))).stdout


def test_atom_feed(demo, site):
    site.routes["/atom"] = answer(200, ATOM, {"Content-Type": "application/atom+xml"})
    out = add(demo, site.url("/atom")).stdout
    assert "Atom 1.0 (1 items, 1 new articles)" in out
    [a] = [a for a in articles(demo) if a["feed_id"] == 1]
    assert a["title"] == "Talks resume"
    assert a["link"] == site.url("/world/talks")
    assert a["image"] == site.url("/img/t.jpg")
    assert a["author"] == "Maria Costa"
    assert a["summary"] == "Negotiators met."
    assert a["published_at"] == "2026-12-07T07:45:00Z"


def test_failing_server_backs_off(demo, site):
    site.routes["/down"] = answer(503, b"busy")
    out = add(demo, site.url("/down")).stdout
    assert "the first poll failed: the server answered HTTP 503" in out
    [f] = feeds(demo)
    assert f["failures"] == 1 and "HTTP 503" in f["last_error"]
    first_wait = _seconds(f["next_poll_at"]) - _seconds(f["last_poll_at"])
    assert first_wait == 300

    out = poll(demo, f["next_poll_at"]).stdout
    assert "error: the server answered HTTP 503" in out
    [f2] = feeds(demo)
    assert f2["failures"] == 2
    assert _seconds(f2["next_poll_at"]) - _seconds(f2["last_poll_at"]) == 600
    assert "HTTP 503 (2 in a row)" in assert_ok(run("feed", "list", *data_args(demo))).stdout

    # The server comes back: the failures are forgotten.
    site.routes["/down"] = answer(200, rss(("x", "Back", "Mon, 07 Dec 2026 07:30:00 +0000")))
    assert "1 new of 1" in poll(demo, f2["next_poll_at"]).stdout
    [f3] = feeds(demo)
    assert f3["failures"] == 0 and f3["last_error"] == ""


def _seconds(rfc3339: str) -> int:
    import calendar
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def test_slow_server_times_out(demo, site):
    def slow(h):
        time.sleep(5)
        answer(200, rss())(h)
    site.routes["/slow"] = slow
    started = time.monotonic()
    out = add(demo, site.url("/slow"), env={"BROADSHEET_FEEDS_TIMEOUT": "1"}).stdout
    assert time.monotonic() - started < 4.5
    assert "the first poll failed: timed out" in out
    assert feeds(demo)[0]["failures"] == 1


def test_redirects_are_limited(demo, site):
    site.routes["/loop-a"] = answer(302, b"", {"Location": "/loop-b"})
    site.routes["/loop-b"] = answer(302, b"", {"Location": "/loop-a"})
    assert "the first poll failed: more than 5 redirects" in add(demo, site.url("/loop-a")).stdout
    # A redirect to a file is refused; a redirect to a feed is followed.
    site.routes["/to-file"] = answer(302, b"", {"Location": "file:///etc/passwd"})
    out = add(demo, site.url("/to-file")).stdout
    assert "the first poll failed" in out and "root:" not in out
    site.routes["/moved"] = answer(301, b"", {"Location": "/feed"})
    site.routes["/feed"] = answer(200, rss(("m", "Moved story", "Mon, 07 Dec 2026 07:30:00 +0000")))
    assert "1 new articles" in add(demo, site.url("/moved")).stdout
    moved = [a for a in articles(demo) if a["title"] == "Moved story"]
    assert moved[0]["link"] == site.url("/news/m")  # against the final URL


def test_oversize_body_is_refused(demo, site):
    chunk = b"<!-- " + b"x" * (1024 * 1024 - 9) + b" -->"

    def huge(h):  # 50 MB, announced honestly
        h.send_response(200)
        h.send_header("Content-Length", str(50 * len(chunk)))
        h.end_headers()
        for _ in range(50):
            h.wfile.write(chunk)

    def chunked(h):  # 50 MB, no length announced
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    site.routes["/huge"] = huge
    site.routes["/chunked"] = chunked
    for path in ("/huge", "/chunked"):
        out = add(demo, site.url(path)).stdout
        assert "the first poll failed: the answer is larger than the limit of 10 MB" in out, out


def test_hostile_feeds_are_refused_and_the_others_still_poll(demo, site):
    site.routes["/laughs"] = answer(200, BILLION_LAUGHS)
    site.routes["/xxe"] = answer(200, XXE)
    site.routes["/good"] = answer(200, rss(("g", "Good story", "Mon, 07 Dec 2026 07:30:00 +0000")))
    site.routes["/page"] = answer(200, b"<!doctype html><html><body>hello</body></html>")
    for path in ("/laughs", "/xxe"):
        started = time.monotonic()
        cp = run("feed", "add", site.url(path), "--newsletter", NEWSLETTER, *data_args(demo))
        assert_ok(cp)
        assert time.monotonic() - started < 10
        assert "declares XML entities" in cp.stdout
        assert "declares XML entities" in cp.stderr  # logged with the reason
        assert "root:" not in cp.stdout + cp.stderr
    assert "the first poll failed: not well-formed XML" in add(demo, site.url("/page")).stdout
    assert "1 new articles" in add(demo, site.url("/good")).stdout
    # All due again later: the good one polls, the hostile ones fail again.
    out = poll(demo, at(7 * 3600)).stdout
    assert out.count("error:") == 3 and "feed 4" in out and "0 new of 1" in out


def test_feed_add_checks_the_url_and_newsletter(demo):
    assert_fails(run("feed", "add", "ftp://example.org/feed", "--newsletter", NEWSLETTER,
                     *data_args(demo)), "only http and https")
    assert_fails(run("feed", "add", "file:///etc/passwd", "--newsletter", NEWSLETTER,
                     *data_args(demo)), "only http and https")
    assert_fails(run("feed", "add", "not a url", "--newsletter", NEWSLETTER,
                     *data_args(demo)), "not a feed address")
    assert_fails(run("feed", "add", "https://example.org/feed", "--newsletter", "nope",
                     *data_args(demo)), "nope")
    assert feeds(demo) == []
    assert "no feeds yet" in assert_ok(run("feed", "list", *data_args(demo))).stdout


def test_feed_remove_takes_its_articles(demo, site):
    site.routes["/f"] = answer(200, rss(("r", "Removed story", "Mon, 07 Dec 2026 07:30:00 +0000")))
    add(demo, site.url("/f"))
    # The same feed twice for one newsletter is refused.
    assert_fails(run("feed", "add", site.url("/f"), "--newsletter", NEWSLETTER, *data_args(demo)),
                 "already follows")
    out = assert_ok(run("feed", "remove", "1", *data_args(demo))).stdout
    assert "removed feed 1" in out and "1 articles" in out
    assert feeds(demo) == []
    assert all(a["feed_id"] is None for a in articles(demo))
    assert_fails(run("feed", "remove", "1", *data_args(demo)), "no feed with id 1")


def test_feed_poll_checks_now(demo):
    assert_fails(run("feed", "poll", "--now", "tomorrow", *data_args(demo)), "--now")
    assert_fails(run("article", "list", "--since", "last week", *data_args(demo)), "--since")
