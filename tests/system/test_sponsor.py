"""Issue 12 item 7: a sponsor block. An issue carries one advertisement in Markdown
(`issue create|update --sponsor-file`, `--no-sponsor`, the API's "sponsor"), shown
between the first and the second story of the HTML email, the text part and the
archive page, labelled "Advertisement", rendered by the body's safe Markdown path."""

from __future__ import annotations

import json
import pathlib


from conftest import DOMAIN, assert_fails, assert_ok, data_args, get, request, run
from send_helpers import make_audience, parse_message, sink_factory, paper, write_text  # noqa: F401

SLUG = "morning-briefing"
BASE = "https://news.broadsheet-test.net"
ENV = {"BROADSHEET_PUBLICATION_BASE_URL": BASE}
PASSWORD = "correct horse battery staple"

# Three stories: "# The Morning Briefing" is used once, so the stories are the "##"
# headings, and the block goes before "## Second story".
BODY = """# The Morning Briefing

Good morning, {{name | default: "reader"}}.

## First story

The council votes on the tram line; [the debate](https://news.example.org/tram).

## Second story

Sunny spells, 18 °C. [Forecast](https://news.example.org/weather).

## Third story

Markets closed higher.
"""

SPONSOR = """**Acme Coffee** keeps {{name}} awake: [20% off this week](/offers/acme).

<script>alert(1)</script> [bad](javascript:alert(1))
"""


def create(data, tmp_path, body=BODY, sponsor: str | None = SPONSOR, subject="Tuesday") -> int:
    args = ["issue", "create", "--newsletter", SLUG, "--subject", subject,
            "--body-file", write_text(tmp_path, f"body-{subject}.md", body)]
    if sponsor is not None:
        args += ["--sponsor-file", write_text(tmp_path, f"ad-{subject}.md", sponsor)]
    return int(assert_ok(run(*args, *data_args(data), env=ENV)).stdout.strip())


def render(data, issue_id, part: str, to=f"ada@{DOMAIN}") -> str:
    return assert_ok(run("issue", "render", issue_id, "--to", to, f"--{part}",
                         *data_args(data), env=ENV)).stdout


def shown(data, issue_id) -> dict:
    return json.loads(assert_ok(run("issue", "show", issue_id, "--json", *data_args(data))).stdout)


def between(text: str, first: str, ad: str, second: str) -> None:
    """`ad` stands after `first` and before `second` in `text`, once."""
    assert text.count(ad) == 1, text
    assert text.index(first) < text.index(ad) < text.index(second), text


def assert_html_block(html: str) -> None:
    """The block in the HTML: labelled, set apart, between the first and second story,
    and through the body's Markdown path (no raw HTML, links checked and absolute)."""
    between(html, ">First story</h2>", 'class="bs-sponsor"', ">Second story</h2>")
    block = html[html.index('class="bs-sponsor"'):html.index(">Second story</h2>")]
    assert ">Advertisement</p>" in block
    assert "<strong>Acme Coffee</strong>" in block
    assert f'href="{BASE}/offers/acme"' in block
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert "javascript:" not in html


def test_cli_sets_shows_renders_and_removes_the_sponsor(paper, tmp_path):
    issue_id = create(paper, tmp_path, sponsor=None)
    assert shown(paper, issue_id)["sponsor"] is None
    assert "sponsor:     none" in assert_ok(run("issue", "show", issue_id, *data_args(paper))).stdout
    assert "Advertisement" not in render(paper, issue_id, "text")

    ad = write_text(tmp_path, "ad.md", SPONSOR)
    assert_ok(run("issue", "update", issue_id, "--sponsor-file", ad, *data_args(paper)))
    assert shown(paper, issue_id)["sponsor"] == SPONSOR
    out = assert_ok(run("issue", "show", issue_id, *data_args(paper))).stdout
    assert f"sponsor:     {len(SPONSOR.encode())} bytes of Markdown" in out, out
    assert "  | **Acme Coffee** keeps {{name}} awake" in out, out

    # The preview, for a known reader: the reader's name in the block too.
    assert_ok(run("subscriber", "add", f"ada@{DOMAIN}", "--name", "Ada", "--newsletter", SLUG,
                  "--confirmed", *data_args(paper)))
    html = render(paper, issue_id, "html")
    assert_html_block(html)
    assert "keeps Ada awake" in html
    text = render(paper, issue_id, "text")
    rule = "----------------------------- Advertisement ----------------------------"
    between(text, "First story\n", rule, "Second story\n")
    block = text[text.index(rule):text.index("Second story\n")]
    # Its link numbered after the body's two, listed in the block; the body's list at
    # the end keeps the body's.
    assert "*Acme Coffee* keeps Ada awake: 20% off this week [3]" in block, block
    assert f"Links:\n[3] {BASE}/offers/acme\n" in block, block
    assert "<script>alert(1)</script> bad\n" in block  # raw HTML is text in the text part
    assert ("Links:\n[1] https://news.example.org/tram\n[2] https://news.example.org/weather\n"
            in text[text.index("Third story"):]), text

    assert_ok(run("issue", "update", issue_id, "--no-sponsor", *data_args(paper)))
    assert shown(paper, issue_id)["sponsor"] is None
    assert "Advertisement" not in render(paper, issue_id, "html")


def test_sponsor_mistakes_are_refused_with_a_clear_message(paper, tmp_path):
    issue_id = create(paper, tmp_path, sponsor=None)
    big = write_text(tmp_path, "big.md", "Buy now. " * 500)
    err = assert_fails(run("issue", "update", issue_id, "--sponsor-file", big, *data_args(paper)),
                       "the sponsor block is 4500 bytes; it may have at most 4096 (4 KiB)")
    assert "--sponsor-file" in err
    bad = write_text(tmp_path, "bad.md", "Hello\n\n{{first_name}}\n")
    assert_fails(run("issue", "update", issue_id, "--sponsor-file", bad, *data_args(paper)),
                 "line 3", "unknown merge field {{first_name}}")
    blank = write_text(tmp_path, "blank.md", " \n\n")
    assert_fails(run("issue", "update", issue_id, "--sponsor-file", blank, *data_args(paper)),
                 "the sponsor block is empty")
    assert_fails(run("issue", "update", issue_id, "--sponsor-file", write_text(tmp_path, "ok.md", "Hi"),
                     "--no-sponsor", *data_args(paper)), "exclude each other")
    assert_fails(run("issue", "create", "--newsletter", SLUG, "--subject", "S", "--body-file",
                     write_text(tmp_path, "b.md", BODY), "--sponsor-file", big, *data_args(paper)),
                 "at most 4096")
    assert shown(paper, issue_id)["sponsor"] is None


def test_the_sent_email_carries_the_block_in_both_parts(paper, tmp_path, sink_factory):
    make_audience(paper, tmp_path, 2)
    issue_id = create(paper, tmp_path)
    sink = sink_factory()
    assert_ok(run("issue", "send", issue_id, "--wait", *data_args(paper),
                  env={**ENV, **sink.env()}))
    messages = sink.messages()
    assert len(messages) == 2
    for raw in messages:
        msg = parse_message(raw)
        html = msg.get_body(preferencelist=("html",)).get_content()
        text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        assert_html_block(html)
        between(text, "First story\n", "Advertisement", "Second story\n")
        name = msg["To"].addresses[0].display_name  # "Reader N", filled in the block
        assert f"keeps {name} awake" in html and f"keeps {name} awake" in text


def test_the_archive_page_shows_the_block_between_the_stories(paper, tmp_path, server_factory):
    make_audience(paper, tmp_path, 1)
    issue_id = create(paper, tmp_path)
    assert_ok(run("issue", "send", issue_id, "--wait", *data_args(paper), env=ENV))
    server = server_factory(paper, env=ENV)
    page = get(server, f"/archive/{SLUG}/{issue_id}")
    assert page.status == 200, page
    assert_html_block(page.text)
    assert "keeps reader awake" in page.text  # no reader on the web: the name's default


def test_one_story_has_the_block_after_it_and_a_break_ends_the_first(paper, tmp_path):
    one = create(paper, tmp_path, body="Just one story today.\n", subject="One")
    text = render(paper, one, "text")
    between(text, "Just one story today.", "Advertisement", "\n-- \n")
    two = create(paper, tmp_path, body="Part one.\n\n---\n\nPart two.\n", subject="Two")
    html = render(paper, two, "html")
    between(html, "Part one.", 'class="bs-sponsor"', "<hr ")
    assert html.index("<hr ") < html.index("Part two.")


def test_a_layout_places_the_block_itself_or_gets_the_built_in_look(paper, tmp_path):
    issue_id = create(paper, tmp_path)
    layouts = pathlib.Path(paper) / "templates" / "email"
    layouts.mkdir(parents=True, exist_ok=True)
    # Only {{{body}}}: the block inside the body, in the built-in labelled look.
    (layouts / f"{SLUG}.html.mustache").write_text("<main>{{{body}}}</main>\n")
    (layouts / f"{SLUG}.txt.mustache").write_text("{{{body}}}")
    html = render(paper, issue_id, "html")
    between(html, ">First story</h2>", '<div class="bs-sponsor"', ">Second story</h2>")
    assert ">Advertisement</p>" in html
    between(render(paper, issue_id, "text"), "First story\n", "Advertisement", "Second story\n")
    # Its own section: the publisher's markup, and {{{body}}} without the block.
    (layouts / f"{SLUG}.html.mustache").write_text(
        "{{{body_lead}}}{{#sponsor}}<aside class=\"promo\"><b>Sponsored</b>{{{sponsor}}}</aside>"
        "{{/sponsor}}{{{body_rest}}}<footer>{{{body}}}</footer>\n")
    html = render(paper, issue_id, "html")
    between(html, ">First story</h2>", '<aside class="promo">', ">Second story</h2>")
    assert "bs-sponsor" not in html
    assert html.count("Acme Coffee") == 1


def test_the_api_creates_changes_and_removes_the_sponsor(paper, tmp_path, server_factory):
    assert_ok(run("user", "add", "editor", *data_args(paper), input=PASSWORD + "\n"))
    token = assert_ok(run("token", "create", "--name", "cms", *data_args(paper))).stdout.strip()
    server = server_factory(paper, env=ENV)

    def api(method, path, body=None):
        return request(server, method, path,
                       body=json.dumps(body).encode() if body is not None else None,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})

    r = api("POST", "/api/v1/issues", {"newsletter": SLUG, "subject": "S", "body_markdown": BODY,
                                       "sponsor": SPONSOR})
    assert r.status == 201, r
    assert r.json()["sponsor"] == SPONSOR
    issue_id = r.json()["id"]
    assert api("GET", f"/api/v1/issues/{issue_id}").json()["sponsor"] == SPONSOR
    assert_html_block(render(paper, issue_id, "html"))

    r = api("PATCH", f"/api/v1/issues/{issue_id}", {"sponsor": "Now **shorter**."})
    assert r.status == 200 and r.json()["sponsor"] == "Now **shorter**.", r
    for body, status, code, fragment in [
            ({"sponsor": 7}, 400, "invalid_field", "must be a string of Markdown, or null"),
            ({"sponsor": "x" * 5000}, 400, "invalid_field", "longer than 4 KiB"),
            ({"sponsor": "  \n"}, 400, "invalid_field", "send null to remove"),
            ({"sponsor": "Hi {{first_name}}"}, 422, "invalid_merge_field", "{{first_name}}")]:
        r = api("PATCH", f"/api/v1/issues/{issue_id}", body)
        assert r.status == status, (body, r)
        assert r.json()["error"]["code"] == code and fragment in r.json()["error"]["message"], r
    assert api("GET", f"/api/v1/issues/{issue_id}").json()["sponsor"] == "Now **shorter**."

    r = api("PATCH", f"/api/v1/issues/{issue_id}", {"sponsor": None})
    assert r.status == 200 and r.json()["sponsor"] is None, r
    assert "Advertisement" not in render(paper, issue_id, "html")
    # A list shows no blocks, as it shows no bodies.
    assert "sponsor" not in api("GET", "/api/v1/issues").json()["issues"][0]
