"""The desk's readers pages (issue 14 item 4) as a browser without JavaScript uses them:
a search with filters and keyset pages, the export link of the current filter, one
reader's page (subscriptions, consent, deliveries, audit) and its actions as forms with
the session's CSRF token: edit, unsubscribe, block, and erase only once confirmed;
segments with their counts, added, changed and removed; an import as the page's script
sends it. An editor and a viewer read the pages but get no forms and a 403 for the
actions."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse

from conftest import DOMAIN, request, wait_for
from test_api import PASSWORD  # noqa: F401
from test_desk import Browser
from test_desk_readers import ReadersApi, _readers_template, desk  # noqa: F401


def signed_in(server, name) -> Browser:
    browser = Browser(server)
    reply = browser.sign_in(name)
    assert reply.status == 303, reply.text
    return browser


def reader_links(page) -> list[str]:
    return re.findall(r'<a href="/admin/readers/(\d+)">([^<]+)</a>', page.text)


def csrf_of(browser, path) -> str:
    return browser.csrf(browser.call("GET", path))


def test_search_filters_pages_and_the_export_of_the_filter(desk, server_factory):
    browser = signed_in(server_factory(desk.data), "aud")
    page = browser.call("GET", "/admin/readers")
    assert page.status == 200
    assert "text/html" in page.headers["content-type"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert len(reader_links(page)) == 12

    page = browser.call("GET", "/admin/readers?q=READER03")
    assert [email for _, email in reader_links(page)] == [f"reader03@{DOMAIN}"]
    assert 'value="READER03"' in page.text
    # As the form sends it: every field, the empty ones meaning no condition.
    page = browser.call("GET", "/admin/readers?q=reader03&newsletter=&status=&zone="
                               "&signed_up_from=&signed_up_until=&source_page=")
    assert [email for _, email in reader_links(page)] == [f"reader03@{DOMAIN}"]

    # Keyset pages: the next link carries the filter and a cursor; nothing repeats.
    seen = []
    path = "/admin/readers?zone=Europe%2FLondon&limit=3"
    while path:
        page = browser.call("GET", path)
        assert page.status == 200
        seen += [email for _, email in reader_links(page)]
        m = re.search(r'<a rel="next" href="([^"]+)"', page.text)
        path = m.group(1).replace("&amp;", "&") if m else None
        if path:
            assert "zone=Europe%2FLondon" in path and "cursor=" in path
            path += "&limit=3"
    assert len(seen) == 8 and len(set(seen)) == 8

    page = browser.call("GET", "/admin/readers?zone=Europe%2FParis")
    export = re.search(r'class="export" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert export == "/admin/readers.csv?zone=Europe%2FParis"
    reply = browser.call("GET", export)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert len(rows) == 4 and {r["timezone"] for r in rows} == {"Europe/Paris"}


def test_a_bad_filter_says_why(desk, server_factory):
    browser = signed_in(server_factory(desk.data), "view")
    page = browser.call("GET", "/admin/readers?status=gone")
    assert page.status == 400
    assert "must be unconfirmed, confirmed or unsubscribed" in page.text


def test_a_readers_page_and_its_actions(desk, server_factory):
    browser = signed_in(server_factory(desk.data), "aud")
    page = browser.call("GET", "/admin/readers?q=reader06")
    (rid, email), = reader_links(page)
    path = f"/admin/readers/{rid}"
    page = browser.call("GET", path)
    assert page.status == 200
    for heading in ("Subscriptions", "Consent", "Deliveries", "Audit", "Edit", "Actions"):
        assert f">{heading}</h2>" in page.text
    assert "morning-briefing" in page.text and "FR" in page.text
    token = browser.csrf(page)

    # Edit: the name, the zone and the attributes, back to the page by a 303.
    reply = browser.call("POST", path, {"csrf_token": token, "name": "Jeanne Six",
                                        "timezone": "Europe/Berlin", "status": "active",
                                        "attributes": "Country=DE\r\nplan=gold\r\n"})
    assert reply.status == 303 and reply.headers["location"] == path
    page = browser.call("GET", path)
    assert "Jeanne Six" in page.text and "Europe/Berlin" in page.text and "gold" in page.text
    assert "subscriber.update" in page.text

    # A refusal of the API shows the page again with its message.
    reply = browser.call("POST", path, {"csrf_token": token, "name": "x", "timezone": "Mars/Base",
                                        "attributes": ""})
    assert reply.status == 400 and "timezone" in reply.text and 'role="alert"' in reply.text
    reply = browser.call("POST", path, {"csrf_token": token, "attributes": "no equals sign"})
    assert reply.status == 400 and "is not KEY=VALUE" in reply.text

    # No CSRF token: refused by the router, nothing changes.
    reply = browser.call("POST", f"{path}/block", {})
    assert reply.status == 403

    reply = browser.call("POST", f"{path}/unsubscribe",
                         {"csrf_token": token, "newsletter": "morning-briefing"})
    assert reply.status == 303
    assert ">unsubscribed<" in browser.call("GET", path).text

    reply = browser.call("POST", f"{path}/block", {"csrf_token": token})
    assert reply.status == 303
    assert '<dd class="status">blocked</dd>' in browser.call("GET", path).text

    # Erasure needs its confirmation box.
    reply = browser.call("POST", f"{path}/erase", {"csrf_token": token})
    assert reply.status == 400 and "Nothing was erased" in reply.text
    assert browser.call("GET", path).status == 200
    reply = browser.call("POST", f"{path}/erase", {"csrf_token": token, "confirm": "erase"})
    assert reply.status == 303 and reply.headers["location"].startswith("/admin/readers?erased=")
    assert "The reader was erased." in browser.call("GET", reply.headers["location"]).text
    assert browser.call("GET", path).status == 404
    page = browser.call("GET", "/admin/readers?q=reader06")
    assert reader_links(page) == []


def test_editors_and_viewers_read_but_do_not_change(desk, server_factory):
    server = server_factory(desk.data)
    audience = signed_in(server, "aud")
    rid = reader_links(audience.call("GET", "/admin/readers?q=reader01"))[0][0]
    for name in ("ed", "view"):
        browser = signed_in(server, name)
        page = browser.call("GET", "/admin/readers")
        assert page.status == 200 and len(reader_links(page)) == 12
        assert 'class="export"' not in page.text
        page = browser.call("GET", f"/admin/readers/{rid}")
        assert page.status == 200 and ">Edit</h2>" not in page.text
        token = browser.csrf(page)  # the sign-out form's
        reply = browser.call("POST", f"/admin/readers/{rid}/erase",
                             {"csrf_token": token, "confirm": "erase"})
        assert reply.status == 403
        assert browser.call("GET", "/admin/readers.csv").status == 403
    assert audience.call("GET", f"/admin/readers/{rid}").status == 200


def test_without_a_session_the_pages_send_to_sign_in(desk, server_factory):
    browser = Browser(server_factory(desk.data))
    reply = browser.call("GET", "/admin/readers?q=x")
    assert reply.status in (302, 303)
    assert reply.headers["location"].startswith("/admin/login")
    assert urllib.parse.quote("/admin/readers", safe="") in reply.headers["location"] or \
        "/admin/readers" in urllib.parse.unquote(reply.headers["location"])


def segment_rows(page) -> list[tuple[str, str, str]]:
    """(id, name, count) of each row of the segments list."""
    return re.findall(r'<a href="/admin/segments/(\d+)">([^<]+)</a></th><td class="wrap">[^<]*</td>'
                      r'<td class="num"><a href="[^"]*">(\d+)</a>', page.text)


def test_segments_with_counts_add_change_remove(desk, server_factory):
    server = server_factory(desk.data)
    browser = signed_in(server, "aud")
    page = browser.call("GET", "/admin/segments")
    assert page.status == 200 and segment_rows(page) == []
    token = browser.csrf(page)
    fields = {"csrf_token": token, "name": "French readers", "newsletter": "morning-briefing",
              "status": "", "zone": "", "signed_up_from": "", "signed_up_until": "",
              "source_page": "", "attributes": "Country=FR\r\n"}
    reply = browser.call("POST", "/admin/segments", fields)
    assert reply.status == 303 and reply.headers["location"] == "/admin/segments"
    page = browser.call("GET", "/admin/segments")
    (sid, name, count), = segment_rows(page)
    assert (name, count) == ("French readers", "4")
    link = re.search(r'<td class="num"><a href="([^"]+)">4</a>', page.text).group(1)
    readers = browser.call("GET", link.replace("&amp;", "&"))
    assert len(reader_links(readers)) == 4

    # A refusal keeps what was typed and says why.
    reply = browser.call("POST", f"/admin/segments/{sid}", {**fields, "zone": "Mars/Base"})
    assert reply.status == 400 and 'role="alert"' in reply.text and "Mars/Base" in reply.text
    assert "Country=FR" in reply.text

    reply = browser.call("POST", f"/admin/segments/{sid}", {**fields, "attributes": "Country=UK"})
    assert reply.status == 303
    (_, _, count), = segment_rows(browser.call("GET", "/admin/segments"))
    assert count == "8"
    page = browser.call("GET", f"/admin/segments/{sid}")
    assert page.status == 200 and "Country=UK" in page.text and ">Remove</h2>" in page.text

    viewer = signed_in(server, "view")
    page = viewer.call("GET", f"/admin/segments/{sid}")
    assert page.status == 200 and "<form method=\"post\" action=\"/admin/segments" not in page.text
    assert "Country=UK" in page.text
    assert viewer.call("POST", f"/admin/segments/{sid}/remove",
                       {"csrf_token": viewer.csrf(page)}).status == 403

    reply = browser.call("POST", f"/admin/segments/{sid}/remove", {"csrf_token": token})
    assert reply.status == 303
    assert segment_rows(browser.call("GET", "/admin/segments")) == []
    assert browser.call("GET", f"/admin/segments/{sid}").status == 404


def test_readers_without_a_zone_in_the_filter_and_in_a_segment(desk, server_factory):
    """The readers who gave no time zone: the list's "No time zone set" filter (alone,
    with a search, with the newsletter and status, over pages, exported), and a segment
    of them that says so and links to them, rather than dropping the condition."""
    server = server_factory(desk.data)
    api = ReadersApi(server, desk.token)
    for i, confirmed in ((1, True), (2, False)):
        r = api.post("/api/v1/readers", {"email": f"nozone{i}@{DOMAIN}", "name": f"No Zone {i}",
                                         "newsletters": ["morning-briefing"],
                                         "confirmed": confirmed})
        assert r.status == 201, r
    nozone = [f"nozone1@{DOMAIN}", f"nozone2@{DOMAIN}"]
    browser = signed_in(server, "aud")
    form = ("/admin/readers?q=&newsletter=&status=&zone=&signed_up_from=&signed_up_until="
            "&source_page=")
    assert len(reader_links(browser.call("GET", form))) == 14  # no condition: everyone
    page = browser.call("GET", form + "&no_zone=1")
    assert page.status == 200 and [e for _, e in reader_links(page)] == nozone
    assert re.search(r'name="no_zone" value="1" checked', page.text)
    # "No zone" wins over a zone typed beside it.
    page = browser.call("GET", "/admin/readers?zone=Europe%2FParis&no_zone=1")
    assert [e for _, e in reader_links(page)] == nozone
    page = browser.call("GET", "/admin/readers?q=NOZONE2&no_zone=1")
    assert [e for _, e in reader_links(page)] == [f"nozone2@{DOMAIN}"]
    page = browser.call("GET", "/admin/readers?newsletter=morning-briefing&status=confirmed&no_zone=1")
    assert [e for _, e in reader_links(page)] == [f"nozone1@{DOMAIN}"]
    # Pages keep the filter.
    page = browser.call("GET", "/admin/readers?no_zone=1&limit=1")
    assert [e for _, e in reader_links(page)] == nozone[:1]
    following = re.search(r'<a rel="next" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert "no_zone=1" in following and "cursor=" in following
    assert [e for _, e in reader_links(browser.call("GET", following + "&limit=1"))] == nozone[1:]
    # The export link asks the API for its empty zone.
    page = browser.call("GET", "/admin/readers?no_zone=1")
    export = re.search(r'class="export" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert export == "/admin/readers.csv?zone="
    rows = list(csv.DictReader(io.StringIO(browser.call("GET", export).text)))
    assert sorted(r["email"] for r in rows) == nozone and {r["timezone"] for r in rows} == {""}

    # A segment of them: kept as the empty zone, described and linked as "no zone".
    token = csrf_of(browser, "/admin/segments")
    fields = {"csrf_token": token, "name": "Zoneless", "newsletter": "", "status": "",
              "zone": "", "no_zone": "1", "signed_up_from": "", "signed_up_until": "",
              "source_page": "", "attributes": ""}
    refused_page = browser.call("POST", "/admin/segments", {**fields, "attributes": "no equals"})
    assert refused_page.status == 400
    assert re.search(r'name="no_zone" value="1" checked', refused_page.text)
    reply = browser.call("POST", "/admin/segments", fields)
    assert reply.status == 303, reply
    (segment,) = api.get("/api/v1/segments").json()["segments"]
    assert segment["zone"] == "" and segment["count"] == 2
    page = browser.call("GET", "/admin/segments")
    (sid, name, count), = segment_rows(page)
    assert (name, count) == ("Zoneless", "2")
    assert re.search(r'<td class="wrap">no time zone set</td>', page.text), page.text
    link = re.search(r'<td class="num"><a href="([^"]+)">2</a>', page.text).group(1)
    link = link.replace("&amp;", "&")
    assert link == "/admin/readers?no_zone=1"
    assert [e for _, e in reader_links(browser.call("GET", link))] == nozone
    page = browser.call("GET", f"/admin/segments/{sid}")
    assert re.search(r'name="no_zone" value="1" checked', page.text)
    # Unticked: no zone condition at all (null), every reader.
    reply = browser.call("POST", f"/admin/segments/{sid}", {**fields, "no_zone": ""})
    assert reply.status == 303
    assert api.get(f"/api/v1/segments/{sid}").json()["zone"] is None
    (_, _, count), = segment_rows(browser.call("GET", "/admin/segments"))
    assert count == "14"


def test_an_import_from_the_desk_and_its_rejected_rows(desk, server_factory):
    """What the import page's script does: the file as text/csv with the session's CSRF
    header, then the job until it is done, then its rejected rows."""
    server = server_factory(desk.data)
    browser = signed_in(server, "aud")
    page = browser.call("GET", "/admin/imports")
    assert page.status == 200 and 'data-import' in page.text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    body = "Courriel,Nom\n" + "".join(f"desk{i}@{DOMAIN},D {i}\n" for i in range(20)) + \
        "nobody,Bad\n"
    headers = {"Content-Type": "text/csv", "X-CSRF-Token": token}
    path = "/admin/api/imports?newsletter=morning-briefing&confirmed=true&map.email=Courriel&map.name=Nom"
    assert browser.call("POST", path, headers={"Content-Type": "text/csv"}).status == 403
    reply = request(server, "POST", path, body=body.encode(),
                    headers={**headers, "Cookie": f"bs_desk={browser.cookie}"})
    assert reply.status == 202, reply.text
    job_id = json.loads(reply.text)["id"]
    job = wait_for(lambda: (lambda j: j if j["status"] in ("done", "failed") else None)(
        json.loads(browser.call("GET", f"/admin/api/imports/{job_id}").text)), timeout=30)
    assert job["status"] == "done" and job["rejected"] == 1
    assert job["report"]["new_readers"] == 20
    errors = browser.call("GET", f"/admin/imports/{job_id}/errors.csv")
    assert errors.status == 200 and errors.text.splitlines()[0] == "line,reason"
    assert len(errors.text.splitlines()) == 2

    viewer = signed_in(server, "view")
    assert viewer.call("GET", "/admin/imports").status == 403
    assert viewer.call("GET", f"/admin/api/imports/{job_id}").status == 200
