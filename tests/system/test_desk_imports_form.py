"""The desk's import form without JavaScript (issue 14 item 4): the browser posts the
form as multipart/form-data with its CSRF field, the server starts the API's import job
and answers 303 to the job's page, which reloads itself while the job runs and then
shows the report, the rejected rows with their line and reason, and the link to their
CSV. Refusals (no file, not CSV, too large, an unknown newsletter, a mapping that finds
no address column, an unreadable form) come back on the form with the reason, and
nothing is imported."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid

from conftest import DOMAIN, assert_ok, data_args, request, run, wait_for
from test_api import PASSWORD  # noqa: F401
from test_desk import Browser
from test_desk_readers import _readers_template, desk  # noqa: F401

NEWSLETTER = "morning-briefing"


def signed_in(server, name) -> Browser:
    browser = Browser(server)
    reply = browser.sign_in(name)
    assert reply.status == 303, reply.text
    return browser


def multipart(fields: list[tuple[str, str]], file: tuple[str, str, bytes] | None,
              boundary: str | None = None) -> tuple[bytes, str]:
    """A body as Chromium writes it: each field, then the file (name, type, bytes)."""
    boundary = boundary or "----WebKitFormBoundary" + uuid.uuid4().hex[:16]
    out = b""
    for name, value in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    if file is not None:
        filename, content_type, data = file
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def post_form(server, browser: Browser, fields, file, headers=None):
    token = browser.csrf(browser.call("GET", "/admin/imports"))
    body, content_type = multipart([("csrf_token", token), *fields], file)
    return request(server, "POST", "/admin/imports", body=body, timeout=60,
                   headers={"Content-Type": content_type, "Cookie": f"bs_desk={browser.cookie}",
                            **(headers or {})})


def readers_count(data) -> int:
    """The readers of every newsletter, as `broadsheet export` lists them (either backend)."""
    exported = assert_ok(run("export", *data_args(data))).stdout
    return len(list(csv.DictReader(io.StringIO(exported))))


def refusal(page) -> str:
    m = re.search(r'<p class="alert" role="alert" id="import-refusal">([^<]*)</p>', page.text)
    assert m, page.text
    return html.unescape(m.group(1))


def finished(browser, path):
    """The job's page once it no longer reloads itself."""
    def ready():
        page = browser.call("GET", path)
        assert page.status == 200, page.text
        return None if 'http-equiv="refresh"' in page.text else page
    return wait_for(ready, timeout=60, what="the import to end")


MAPPING = [("newsletter", NEWSLETTER), ("confirmed", "true"), ("map.email", "Courriel"),
           ("map.name", "Nom"), ("map.first_name", ""), ("map.last_name", ""),
           ("map.timezone", "")]


def test_an_import_without_javascript_and_its_report(desk, server_factory):
    server = server_factory(desk.data)
    browser = signed_in(server, "aud")
    page = browser.call("GET", "/admin/imports")
    assert page.status == 200
    assert 'action="/admin/imports"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "<noscript>" not in page.text  # the form needs no script any more
    before = readers_count(desk.data)

    rows = ["Courriel,Nom"] + [f"nojs{i}@{DOMAIN},Sans Script {i}" for i in range(30)]
    rows += ["not-an-address,Bad", f"nojs-zone@{DOMAIN},Bad \x07 name"]
    reply = post_form(server, browser, MAPPING,
                      ("lecteurs.csv", "text/csv", ("\r\n".join(rows) + "\r\n").encode()))
    assert reply.status == 303, reply.text
    job = reply.headers["location"]
    assert re.fullmatch(r"/admin/imports/\d+", job), job

    page = finished(browser, job)
    assert 'data-done="true"' in page.text
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.text))
    assert figures["Rows read"] == "32"
    assert figures["New readers"] == "30"
    assert figures["Rows rejected"] == "2"
    bad = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page.text)
    assert [line for line, _ in bad] == ["32", "33"]
    assert all(reason.strip() for _, reason in bad)
    errors_link = re.search(r'class="import-errors" href="([^"]+)"', page.text).group(1)
    assert errors_link == job + "/errors.csv"
    errors = browser.call("GET", errors_link)
    assert errors.status == 200 and errors.text.splitlines()[0] == "line,reason"
    assert [l.split(",")[0] for l in errors.text.splitlines()[1:]] == ["32", "33"]
    assert readers_count(desk.data) == before + 30

    # Anyone signed in reads the job; only the audience role starts one.
    viewer = signed_in(server, "view")
    assert viewer.call("GET", job).status == 200
    token = viewer.csrf(viewer.call("GET", "/admin"))
    body, content_type = multipart([("csrf_token", token), *MAPPING],
                                   ("x.csv", "text/csv", b"email\nv@example.org\n"))
    reply = request(server, "POST", "/admin/imports", body=body,
                    headers={"Content-Type": content_type, "Cookie": f"bs_desk={viewer.cookie}"})
    assert reply.status == 403
    # Without the form's CSRF field, nothing starts.
    body, content_type = multipart(MAPPING, ("x.csv", "text/csv", b"email\nv@example.org\n"))
    reply = request(server, "POST", "/admin/imports", body=body,
                    headers={"Content-Type": content_type, "Cookie": f"bs_desk={browser.cookie}"})
    assert reply.status == 403
    assert browser.call("GET", "/admin/imports/999999").status == 404


def test_refusals_come_back_on_the_form_and_import_nothing(desk, server_factory):
    server = server_factory(desk.data)
    browser = signed_in(server, "aud")
    before = readers_count(desk.data)
    good = ("lecteurs.csv", "text/csv", f"Courriel,Nom\nrefused@{DOMAIN},R\n".encode())

    # No file chosen: the browser sends the field with an empty name and no bytes.
    reply = post_form(server, browser, MAPPING, ("", "application/octet-stream", b""))
    assert reply.status == 400
    assert refusal(reply) == "Choose the CSV file to import."
    assert 'aria-invalid="true" aria-describedby="import-refusal"' in reply.text
    # The form keeps what was chosen.
    assert 'value="Courriel"' in reply.text and " checked" in reply.text

    reply = post_form(server, browser, MAPPING, ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n"))
    assert reply.status == 400
    assert refusal(reply).startswith('"photo.png" is not a CSV file (the browser says image/png)')

    reply = post_form(server, browser, MAPPING,
                      ("export.csv", "text/csv", "email\r\n".encode("utf-16")))
    assert reply.status == 400
    assert "holds binary data, not CSV text" in refusal(reply)

    fields = [(n, "nowhere" if n == "newsletter" else v) for n, v in MAPPING]
    reply = post_form(server, browser, fields, good)
    assert reply.status == 400
    assert refusal(reply) == '"newsletter": no newsletter "nowhere".'

    # The fields are the API's to check, with its words.
    fields = [(n, "maybe" if n == "confirmed" else v) for n, v in MAPPING]
    reply = post_form(server, browser, fields, good)
    assert reply.status == 400
    assert refusal(reply) == '"confirmed" must be true or false.'

    # The file is over the API's limit but within the route's: the form says so.
    big = b"email\r\n" + b"x" * (64 * 1024 * 1024)
    reply = post_form(server, browser, MAPPING, ("huge.csv", "text/csv", big))
    assert reply.status == 413
    assert refusal(reply).startswith('"huge.csv" is 64.0 MiB; at most 64 MiB')

    # A form the server cannot read (here with the CSRF token as the script sends it).
    token = browser.csrf(browser.call("GET", "/admin/imports"))
    body, content_type = multipart(MAPPING, good)
    reply = request(server, "POST", "/admin/imports", body=body[:-len("--\r\n")],
                    headers={"Content-Type": content_type, "X-CSRF-Token": token,
                             "Cookie": f"bs_desk={browser.cookie}"})
    assert reply.status == 400
    assert refusal(reply) == ("The form could not be read (the body ends without the final "
                              "boundary); please choose the file and send the form again.")

    # A mapping that names no column of the file: the job fails whole, and its page
    # shows the form again with the reason.
    fields = [(n, "Adresse" if n == "map.email" else v) for n, v in MAPPING]
    reply = post_form(server, browser, fields, good)
    assert reply.status == 303, reply.text
    page = finished(browser, reply.headers["location"])
    message = refusal(page)
    assert "failed: line 1 must be a header with an \"email\" column" in message, message
    assert "Nothing was imported" in message
    assert f'<option value="{NEWSLETTER}" selected>' in page.text
    assert readers_count(desk.data) == before
