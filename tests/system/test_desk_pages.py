"""The newsroom's desk pages (issue 14 items 3, 5, 6) driven as a browser without
JavaScript drives them: a cookie jar and forms. Each group of pages: its status, who may
see and use it (anonymous users sent to sign in, roles below the page's refused with
403), a write refused without the session's CSRF token, and a form round trip with the
API's validation message shown beside the field it names."""

from __future__ import annotations

import concurrent.futures
import datetime
import html
import re

from conftest import DOMAIN, assert_fails, assert_ok, data_args, request, run, wait_for, write_csv
from send_helpers import add_newsletter, make_audience, outbox_messages, parse_message
from test_api import PASSWORD, Api, _desk_template, add_user, create_token, desk  # noqa: F401
from test_desk import Browser, audit_actions
from test_desk_newsroom import answer, refused

NEWSLETTER = "morning-briefing"


def signed_in(server, name="editor") -> Browser:
    b = Browser(server)
    r = b.sign_in(name)
    assert r.status == 303, r
    return b


def field_error(page, field_id) -> str:
    """The text of the error shown beside a field (<span id="FIELD-error">)."""
    m = re.search(rf'id="{field_id}-error">([^<]*)<', page.text)
    assert m, f"no error beside {field_id}: {page.text[:3000]}"
    return html.unescape(m.group(1))


def value_of(page, field_id) -> str:
    m = re.search(rf'id="{field_id}" name="[^"]+" value="([^"]*)"', page.text)
    assert m, field_id
    return html.unescape(m.group(1))


def test_newsletter_pages_list_create_and_edit_with_the_apis_messages(desk, server_factory):
    assert_ok(add_user(desk.data, "vera", PASSWORD, "--role", "viewer"))
    server = server_factory(desk.data)
    anonymous = Browser(server)
    r = anonymous.call("GET", "/admin/newsletters")
    assert r.status == 303 and r.headers["location"].startswith("/admin/login"), r

    b = signed_in(server)
    listing = b.call("GET", "/admin/newsletters")
    assert listing.status == 200 and "Morning Briefing" in listing.text
    assert "unsafe-inline" not in listing.headers["content-security-policy"]
    form = b.call("GET", "/admin/newsletters/new")
    assert form.status == 200
    token = b.csrf(form)
    fields = {"slug": "evening", "name": "Evening <Edition>", "description": "At six",
              "schedule": "mon-fri 25:00 local", "from": "", "opt_in": "double",
              "public": "1", "welcome_subject": "", "welcome_body": "", "default_timezone": "",
              "draft_items": "", "draft_lead": "", "draft_sections": "", "on_cutoff": "hold"}

    # Without the session's CSRF token: refused, nothing made.
    assert b.call("POST", "/admin/newsletters", fields).status == 403
    # The API's message beside the schedule, every value kept (escaped).
    refused = b.call("POST", "/admin/newsletters", {**fields, "csrf_token": token})
    assert refused.status == 400, refused
    assert "schedule" in field_error(refused, "schedule")
    assert value_of(refused, "name") == "Evening <Edition>"
    assert "Evening <Edition>" not in refused.text  # escaped by the template engine
    made = b.call("POST", "/admin/newsletters",
                  {**fields, "schedule": "mon-fri 18:00 Europe/London", "csrf_token": token})
    assert made.status == 303 and made.headers["location"] == "/admin/newsletters/evening?saved=1"
    page = b.call("GET", made.headers["location"])
    assert page.status == 200 and "Saved." in page.text
    assert value_of(page, "schedule") == "mon-fri 18:00 Europe/London"
    assert re.search(r'<li class="nowrap">\d{4}-\d\d-\d\d</li>', page.text)  # next editions

    # Editing: a bad number of articles is refused beside its field; then saved.
    edit = {**fields, "schedule": "mon-fri 18:00 Europe/London", "draft_items": "500",
            "draft_from_feeds": "1", "draft_sections": "World, Business",
            "csrf_token": token}
    del edit["slug"]
    refused = b.call("POST", "/admin/newsletters/evening", edit)
    assert refused.status == 400 and "draft_items" in field_error(refused, "di")
    saved = b.call("POST", "/admin/newsletters/evening", {**edit, "draft_items": "4"})
    assert saved.status == 303, saved
    page = b.call("GET", "/admin/newsletters/evening")
    assert value_of(page, "draft_items") == "4"
    assert value_of(page, "draft_sections") == "World, Business"
    # Drafting an edition now: no articles in any feed, said beside the edition.
    edition = re.search(r'id="draft_edition" name="edition"[^>]*><option>([\d-]+)</option>', page.text)
    assert edition, page.text
    draft = b.call("POST", "/admin/newsletters/evening/draft",
                   {"edition": edition.group(1), "csrf_token": token})
    assert draft.status == 422 and "article" in field_error(draft, "draft_edition")
    assert b.call("GET", "/admin/newsletters/no-such").status == 404

    viewer = signed_in(server, "vera")
    assert viewer.call("GET", "/admin/newsletters/evening").status == 200
    assert viewer.call("GET", "/admin/newsletters/new").status == 403
    page = viewer.call("GET", "/admin/newsletters/evening")
    assert viewer.call("POST", "/admin/newsletters/evening",
                       {**edit, "csrf_token": viewer.csrf(page)}).status == 403


def test_issue_pages_compose_preview_test_send_and_report(desk, server_factory, tmp_path):
    make_audience(desk.data, tmp_path, 3)
    assert_ok(add_user(desk.data, "vera", PASSWORD, "--role", "viewer"))
    server = server_factory(desk.data)
    b = signed_in(server)
    new = b.call("GET", f"/admin/issues/new?newsletter={NEWSLETTER}")
    assert new.status == 200
    token = b.csrf(new)
    issue = {"newsletter": NEWSLETTER, "subject": "Tuesday", "preheader": "The day",
             "body_markdown": "Hello {{name}}\n\n## Story\n\nText", "sponsor": ""}
    assert b.call("POST", "/admin/issues", issue).status == 403
    refused = b.call("POST", "/admin/issues",
                     {**issue, "body_markdown": "Hi {{nmae}}", "csrf_token": token})
    assert refused.status == 422 and "nmae" in field_error(refused, "body")
    made = b.call("POST", "/admin/issues", {**issue, "csrf_token": token})
    assert made.status == 303, made
    path = made.headers["location"]
    issue_id = path.rsplit("/", 1)[1]

    page = b.call("GET", path)
    assert page.status == 200 and "{{name}}" in page.text  # merge fields listed
    frames = re.findall(r'<iframe sandbox="" title="[^"]+" src="(/admin/previews/[0-9a-f]{32})"',
                        page.text)
    assert len(frames) == 2 and frames[0] == frames[1], page.text
    frame = b.call("GET", frames[0])
    assert frame.status == 200 and "Story" in frame.text
    policy = frame.headers["content-security-policy"]
    assert "sandbox" in policy and "script-src" not in policy and "frame-ancestors 'self'" in policy
    # Another user's session does not find it.
    assert signed_in(server, "vera").call("GET", frames[0]).status == 404

    # The Preview button renders the unsaved fields on the server; nothing is saved.
    shown = b.call("POST", f"{path}/preview",
                   {**issue, "body_markdown": "Changed {{name}}", "csrf_token": token})
    assert shown.status == 200 and "not saved" in shown.text
    assert "Changed" in re.search(r'<pre class="text-part">(.*?)</pre>', shown.text, re.S).group(1)
    assert "Changed" not in b.call("GET", path).text
    # The script's live preview: JSON with the frame's URL, the CSRF token as a header.
    live = b.call("POST", "/admin/api/preview", None,
                  {"Content-Type": "application/json", "X-CSRF-Token": token})
    assert live.status == 400
    body = ('{"newsletter":"%s","subject":"S","body_markdown":"Live **text**"}' % NEWSLETTER).encode()
    reply = request(server, "POST", "/admin/api/preview", body=body,
                    headers={"Cookie": f"bs_desk={b.cookie}", "Content-Type": "application/json",
                             "X-CSRF-Token": token})
    assert reply.status == 200, reply
    assert "html" not in reply.json() and reply.json()["frame"].startswith("/admin/previews/")
    assert "Live" in reply.json()["text"]
    no_csrf = request(server, "POST", "/admin/api/preview", body=body,
                      headers={"Cookie": f"bs_desk={b.cookie}", "Content-Type": "application/json"})
    assert no_csrf.status == 403

    # Saving: a refusal beside the field, then saved.
    refused = b.call("POST", path, {**issue, "body_markdown": "{{nmae}}", "csrf_token": token})
    assert refused.status == 422 and "nmae" in field_error(refused, "body")
    saved = b.call("POST", path, {**issue, "subject": "Tuesday, saved", "csrf_token": token})
    assert saved.status == 303 and saved.headers["location"] == f"{path}?done=saved"
    assert "Tuesday, saved" in b.call("GET", saved.headers["location"]).text

    # A test send: the results on the page, a bad address beside the field.
    before = len(outbox_messages(desk.data))
    refused = b.call("POST", f"{path}/test", {"to": "not an address", "csrf_token": token})
    assert refused.status == 400 and field_error(refused, "test")
    sent = b.call("POST", f"{path}/test", {"to": "me@example.com", "csrf_token": token})
    assert sent.status == 200 and "Test sent." in sent.text, sent
    assert "me@example.com" in sent.text
    assert len(outbox_messages(desk.data)) == before + 1

    # A viewer reads but does not act.
    vera = signed_in(server, "vera")
    vpage = vera.call("GET", path)
    assert vpage.status == 200 and f'action="{path}/send"' not in vpage.text
    assert "data-preview" not in vpage.text  # no live preview to post for a viewer
    assert vera.call("POST", f"{path}/send", {"csrf_token": vera.csrf(vpage)}).status == 403

    # Send, then the report and its CSV.
    assert b.call("POST", f"{path}/send", {}).status == 403
    go = b.call("POST", f"{path}/send", {"csrf_token": token})
    assert go.status == 303 and go.headers["location"] == f"{path}?done=send", go
    wait_for(lambda: "status-sent" in b.call("GET", path).text, timeout=60, what="the issue sent")
    report = b.call("GET", f"{path}/report")
    assert report.status == 200 and "Copies settled over time" in report.text
    csv = b.call("GET", f"{path}/failures.csv")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"issue-{issue_id}-failures.csv" in csv.headers["content-disposition"]
    listing = b.call("GET", f"/admin/issues?newsletter={NEWSLETTER}&status=sent")
    assert listing.status == 200 and "Tuesday, saved" in listing.text
    assert b.call("GET", "/admin/issues/999999").status == 404


def test_settings_pages_are_for_admins(desk, server_factory):
    assert_ok(add_user(desk.data, "ada", PASSWORD, "--role", "admin"))
    server = server_factory(desk.data)
    assert signed_in(server).call("GET", "/admin/settings").status == 403  # an editor
    b = signed_in(server, "ada")
    page = b.call("GET", "/admin/settings")
    assert page.status == 200, page
    for part in ("Relays", "DKIM", "Outbox", "Users", "API tokens"):
        assert f">{part}</h2>" in page.text
    token = b.csrf(page)

    assert b.call("POST", "/admin/settings/relay-test", {}).status == 403
    relay = b.call("POST", "/admin/settings/relay-test", {"csrf_token": token})
    assert relay.status == 200 and "outbox" in relay.text

    refused = b.call("POST", "/admin/settings/users",
                     {"username": "sam", "password": "short", "role": "editor", "csrf_token": token})
    assert refused.status == 400 and "password" in field_error(refused, "user")
    added = b.call("POST", "/admin/settings/users",
                   {"username": "sam", "password": PASSWORD, "role": "audience", "csrf_token": token})
    assert added.status == 303, added
    page = b.call("GET", added.headers["location"])
    assert "The user was added." in page.text and "role-sam" in page.text
    assert b.call("POST", "/admin/settings/users/sam",
                  {"role": "viewer", "csrf_token": token}).status == 303

    made = b.call("POST", "/admin/settings/tokens", {"name": "cms", "csrf_token": token})
    assert made.status == 200 and re.search(r'<code class="secret">bs_[A-Za-z0-9_-]{43}</code>', made.text)
    token_id = re.search(r'<th scope="row">cms</th>.*?action="/admin/settings/tokens/(\d+)/revoke"',
                         made.text, re.S).group(1)
    assert b.call("POST", f"/admin/settings/tokens/{token_id}/revoke",
                  {"csrf_token": token}).status == 303
    again = b.call("POST", f"/admin/settings/tokens/{token_id}/revoke", {"csrf_token": token})
    assert again.status == 409 and field_error(again, "revoke")

    # The outbox: a test send written there, listed and opened as raw text.
    api = Api(server, desk.token)
    issue = api.post("/api/v1/issues", {"newsletter": NEWSLETTER, "subject": "Outbox check",
                                        "body_markdown": "Hello"}).json()
    assert api.post(f"/api/v1/issues/{issue['id']}/test", {"to": ["me@example.com"]}).status == 200
    page = b.call("GET", "/admin/settings")
    name = re.search(r'href="/admin/settings/outbox/([^"]+)">\[TEST\][^<]*Outbox check', page.text)
    assert name, page.text
    raw = b.call("GET", f"/admin/settings/outbox/{name.group(1)}")
    assert raw.status == 200 and "Subject:" in raw.text and "me@example.com" in raw.text
    assert b.call("GET", "/admin/settings/outbox/..%2Fbroadsheet.db").status in (400, 404)


def test_issue_actions_schedule_unschedule_cancel_as_forms(desk, server_factory):
    server = server_factory(desk.data)
    b = signed_in(server)
    token = b.csrf(b.call("GET", "/admin/issues/new"))
    made = b.call("POST", "/admin/issues", {"newsletter": NEWSLETTER, "subject": "Later",
                                            "body_markdown": "Hello", "csrf_token": token})
    path = made.headers["location"]
    # A manual newsletter: an instant, refused in the past beside its field.
    refused = b.call("POST", f"{path}/schedule", {"at": "2020-01-01T06:00:00Z", "csrf_token": token})
    assert refused.status == 422 and field_error(refused, "at"), refused
    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).strftime(
        "%Y-%m-%dT06:00:00Z")
    assert b.call("POST", f"{path}/schedule", {"at": at}).status == 403  # no CSRF token
    done = b.call("POST", f"{path}/schedule", {"at": at, "csrf_token": token})
    assert done.status == 303 and done.headers["location"] == f"{path}?done=schedule", done
    page = b.call("GET", done.headers["location"])
    assert "Scheduled." in page.text and "status-scheduled" in page.text
    done = b.call("POST", f"{path}/unschedule", {"csrf_token": token})
    assert done.status == 303 and "status-draft" in b.call("GET", path).text
    assert b.call("POST", f"{path}/schedule", {"at": at, "csrf_token": token}).status == 303
    done = b.call("POST", f"{path}/cancel", {"csrf_token": token})
    assert done.status == 303 and "status-cancelled" in b.call("GET", path).text
    # A cancelled issue is not sent: the API's refusal on the issue's page.
    refused = b.call("POST", f"{path}/send", {"csrf_token": token})
    assert refused.status == 409 and 'class="alert"' in refused.text
    assert b.call("POST", f"{path}/nonsense", {"csrf_token": token}).status in (404, 405)


def test_pause_and_resume_a_sending_issue_as_forms(desk, server_factory, tmp_path):
    make_audience(desk.data, tmp_path, 40)
    server = server_factory(desk.data, env={"BROADSHEET_SEND_RATE": "4"})  # 10 s of sending
    b = signed_in(server)
    token = b.csrf(b.call("GET", "/admin/issues/new"))
    path = b.call("POST", "/admin/issues", {"newsletter": NEWSLETTER, "subject": "Slowly",
                                            "body_markdown": "Hello", "csrf_token": token}
                  ).headers["location"]
    assert b.call("POST", f"{path}/send", {"csrf_token": token}).status == 303
    page = b.call("GET", path)
    assert "status-sending" in page.text and f'action="{path}/pause"' in page.text
    paused = b.call("POST", f"{path}/pause", {"csrf_token": token})
    assert paused.status == 303 and paused.headers["location"] == f"{path}?done=pause"
    page = b.call("GET", paused.headers["location"])
    assert "Paused." in page.text and "status-paused" in page.text
    # The issue's own progress bar, and the JSON that moves it (this issue only).
    issue_id = path.rsplit("/", 1)[1]
    assert f'data-progress="/admin/api/progress?issue={issue_id}"' in page.text
    assert re.search(r'<progress max="40" value="\d+"', page.text), page.text
    progress = b.call("GET", f"/admin/api/progress?issue={issue_id}").json()["issues"]
    assert [i["id"] for i in progress] == [int(issue_id)] and progress[0]["status"] == "paused"
    assert b.call("GET", "/admin/api/progress?issue=999999").json() == {"issues": []}
    assert f'action="{path}/resume"' in page.text
    resumed = b.call("POST", f"{path}/resume", {"csrf_token": token})
    assert resumed.status == 303 and resumed.headers["location"] == f"{path}?done=resume"
    page = b.call("GET", resumed.headers["location"])
    assert "Sending again." in page.text
    assert "status-sending" in page.text or "status-sent" in page.text  # however far it got


def test_the_schedule_forms_instant_is_read_in_its_visible_time_zone(desk, server_factory):
    server = server_factory(desk.data)
    b = signed_in(server)
    token = b.csrf(b.call("GET", "/admin/issues/new"))
    path = b.call("POST", "/admin/issues", {"newsletter": NEWSLETTER, "subject": "In Tokyo",
                                            "body_markdown": "Hello", "csrf_token": token}
                  ).headers["location"]
    page = b.call("GET", path)
    # The field says which zone it is read in: a select beside it, UTC unless the
    # newsletter has a default zone.
    assert 'type="datetime-local"' in page.text
    assert re.search(r'<select id="schedule_zone" name="zone">.*<option selected>UTC</option>',
                     page.text, re.S), page.text
    day = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    # An unknown zone, and a wall clock that is not one, refused beside the field, as posted.
    refused = b.call("POST", f"{path}/schedule",
                     {"at": f"{day}T06:00", "zone": "Mars/Olympus", "csrf_token": token})
    assert refused.status == 400 and "Mars/Olympus" in field_error(refused, "at"), refused
    assert f'value="{day}T06:00"' in refused.text
    refused = b.call("POST", f"{path}/schedule",
                     {"at": f"{day}T25:00", "zone": "Asia/Tokyo", "csrf_token": token})
    assert refused.status == 400 and "2026-12-08T06:00" in field_error(refused, "at"), refused
    assert re.search(r'<option selected>Asia/Tokyo</option>', refused.text)
    # 06:00 in Tokyo is 21:00 UTC the day before.
    done = b.call("POST", f"{path}/schedule",
                  {"at": f"{day}T06:00", "zone": "Asia/Tokyo", "csrf_token": token})
    assert done.status == 303, done
    issue = Api(server, desk.token).get(f"/api/v1/issues/{path.rsplit('/', 1)[1]}").json()
    before = (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()
    assert issue["scheduled_at"] == f"{before}T21:00:00Z", issue


def test_a_role_that_is_not_enough_gets_the_desks_own_page(desk, server_factory):
    assert_ok(add_user(desk.data, "vera", PASSWORD, "--role", "viewer"))
    server = server_factory(desk.data)
    vera = signed_in(server, "vera")
    for path in ("/admin/newsletters/new", "/admin/settings"):
        page = vera.call("GET", path)
        assert page.status == 403, page
        assert 'aria-label="Desk"' in page.text and 'href="/admin/issues"' in page.text  # navigation
        assert "<h1>Forbidden</h1>" in page.text and "vera" in page.text
        assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "editor or admin role; you are a viewer" in vera.call("GET", "/admin/issues/new").text
    assert "needs the admin role" in html.unescape(vera.call("GET", "/admin/settings").text)
    # The desk's fetches keep their JSON.
    live = vera.call("POST", "/admin/api/preview", None,
                     {"Content-Type": "application/json",
                      "X-CSRF-Token": vera.csrf(vera.call("GET", "/admin"))})
    assert live.status == 403 and live.json()["error"]["code"] == "forbidden"


def test_the_sign_in_form_refuses_a_post_without_its_token(desk, server_factory):
    server = server_factory(desk.data)
    attacker = Browser(server)
    attackers_form = attacker.call("GET", "/admin/login")
    assert attackers_form.status == 200
    assert attacker.login_cookie and "Path=/admin/login" in attackers_form.headers["set-cookie"]
    # Another site's form: no pre-session cookie (SameSite=Strict keeps it home), or a
    # token of another browser's cookie. Refused before any password is checked.
    victim = Browser(server)
    fields = {"username": "editor", "password": PASSWORD, "next": "/admin"}
    for form in (fields, {**fields, "csrf_token": attacker.csrf(attackers_form)}):
        r = victim.call("POST", "/admin/login", form)
        assert r.status == 403 and "did not come from this desk" in r.text, r
        assert victim.cookie is None
    # The refusal is a fresh form that works.
    r = victim.call("POST", "/admin/login", {**fields, "csrf_token": victim.csrf(r)})
    assert r.status == 303 and victim.cookie
    # Refusals are not failed sign-ins: the throttle did not count them.
    with_token = {**fields, "csrf_token": attacker.csrf(attackers_form)}
    assert attacker.call("POST", "/admin/login", with_token).status == 303
    assert "desk.sign_in_failed" not in audit_actions(desk.data)


def test_an_admin_removes_users_by_the_api_and_the_desk(desk, server_factory):
    for name, role in (("ada", "admin"), ("sam", "audience"), ("tim", "viewer")):
        assert_ok(add_user(desk.data, name, PASSWORD, "--role", role))
    server = server_factory(desk.data)
    ada_token = create_token(desk.data, "ops", "--user", "ada")
    api = Api(server, ada_token)
    sam = signed_in(server, "sam")
    sams_api = Api(server, create_token(desk.data, "sam's", "--user", "sam"))
    assert sams_api.get("/api/v1/issues").status == 200

    path = "/api/v1/users/{username}"
    refused(Api(server, desk.token).call("DELETE", "/api/v1/users/sam"), "delete", path, 403,
            "forbidden")  # an editor
    refused(api.call("DELETE", "/api/v1/users/ada"), "delete", path, 409, "own_account")
    refused(api.call("DELETE", "/api/v1/users/nobody"), "delete", path, 404, "not_found")
    gone = api.call("DELETE", "/api/v1/users/sam")
    assert answer(gone, "delete", path, 200) == {"username": "sam", "removed": True}
    # Their session and token are ended, as `user remove` ends them.
    assert sam.call("GET", "/admin").status == 303
    assert sams_api.get("/api/v1/issues").status == 401
    assert "user.remove" in audit_actions(desk.data)

    # The desk: the remove button asks first; not offered for yourself.
    b = signed_in(server, "ada")
    page = b.call("GET", "/admin/settings")
    token = b.csrf(page)
    assert 'action="/admin/settings/users/tim/remove"' in page.text
    assert 'action="/admin/settings/users/ada/remove"' not in page.text
    ask = b.call("POST", "/admin/settings/users/tim/remove", {"csrf_token": token})
    assert ask.status == 200 and "Remove <strong>tim</strong>?" in ask.text
    assert 'name="confirm" value="1"' in ask.text
    assert b.call("POST", "/admin/settings/users/tim/remove", {"confirm": "1"}).status == 403
    done = b.call("POST", "/admin/settings/users/tim/remove", {"confirm": "1", "csrf_token": token})
    assert done.status == 303 and done.headers["location"] == "/admin/settings?done=removed"
    page = b.call("GET", done.headers["location"])
    assert "The user was removed" in page.text and "role-tim" not in page.text
    # Yourself, posted anyway: the API's refusal beside the users.
    own = b.call("POST", "/admin/settings/users/ada/remove", {"confirm": "1", "csrf_token": token})
    assert own.status == 409 and "your own user" in field_error(own, "remove")
    # The site's last admin stays, whoever asks: another admin by the API, or the CLI.
    assert_ok(add_user(desk.data, "max", PASSWORD, "--role", "admin"))
    maxs = Api(server, create_token(desk.data, "max's", "--user", "max"))
    assert maxs.call("DELETE", "/api/v1/users/ada").status == 200
    refused(api.call("DELETE", "/api/v1/users/max"), "delete", path, 401, "unauthorized")
    assert_fails(run("user", "remove", "max", *data_args(desk.data)), "last admin")
    assert_ok(add_user(desk.data, "kit", PASSWORD, "--role", "admin"))
    kits = Api(server, create_token(desk.data, "kit's", "--user", "kit"))
    assert kits.call("DELETE", "/api/v1/users/max").status == 200
    # kit is now the last admin; only kit could remove kit, and that is refused as own.
    refused(kits.call("DELETE", "/api/v1/users/kit"), "delete", path, 409, "own_account")


def selected_segment(page) -> str | None:
    """The value of the compose form's "Send to" choice, None when the form has none."""
    m = re.search(r'<select id="segment" name="segment".*?</select>', page.text, re.S)
    if not m:
        return None
    chosen = re.search(r'<option value="([^"]*)" selected>', m.group(0))
    return html.unescape(chosen.group(1)) if chosen else ""


def audience_of(page) -> str:
    """What the issue's page says it goes to (the meta line's audience), as text."""
    m = re.search(r'<span class="audience">(.*?)</span>', page.text, re.S)
    assert m, page.text[:3000]
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))


def test_the_compose_page_sends_to_a_segment(desk, server_factory, tmp_path):
    """Issue 14 item 4 on the compose page: "Send to" every confirmed reader or a saved
    segment, through the API's create and update; the choice kept when the form comes
    back refused; the segment named on the issue's page; only its readers get it."""
    add_newsletter(desk.data, slug="evening", name="Evening")
    rows = ["email,name,city"] + [f"paris{i}@{DOMAIN},P {i},Paris" for i in range(3)] + \
        [f"lyon{i}@{DOMAIN},L {i},Lyon" for i in range(2)]
    csv_path = write_csv(tmp_path / "readers.csv", "\n".join(rows) + "\n")
    assert_ok(run("import", str(csv_path), "--newsletter", NEWSLETTER, "--confirmed",
                  *data_args(desk.data)))
    for name, newsletter in (("parisians", NEWSLETTER), ("evening-only", "evening")):
        assert_ok(run("segment", "add", name, "--newsletter", newsletter, "--attribute",
                      "city=Paris", *data_args(desk.data)))
    server = server_factory(desk.data)
    b = signed_in(server)

    new = b.call("GET", f"/admin/issues/new?newsletter={NEWSLETTER}")
    assert new.status == 200 and selected_segment(new) == ""
    assert "All confirmed subscribers of the newsletter" in new.text
    assert '<option value="parisians">' in new.text
    token = b.csrf(new)
    issue = {"newsletter": NEWSLETTER, "subject": "For Paris", "preheader": "",
             "body_markdown": "Bonjour {{name}}", "sponsor": "", "csrf_token": token}
    # Another newsletter's segment: the API's message beside the choice, nothing made.
    listed = Api(server, desk.token).get("/api/v1/issues").json()["issues"]
    refused_page = b.call("POST", "/admin/issues", {**issue, "segment": "evening-only"})
    assert refused_page.status == 400, refused_page
    assert "another newsletter" in field_error(refused_page, "segment")
    assert selected_segment(refused_page) == "evening-only"
    # Another field refused: the segment chosen is kept.
    refused_page = b.call("POST", "/admin/issues",
                          {**issue, "segment": "parisians", "body_markdown": "{{nmae}}"})
    assert refused_page.status == 422 and selected_segment(refused_page) == "parisians"
    assert Api(server, desk.token).get("/api/v1/issues").json()["issues"] == listed

    made = b.call("POST", "/admin/issues", {**issue, "segment": "parisians"})
    assert made.status == 303, made
    path = made.headers["location"]
    page = b.call("GET", path)
    assert selected_segment(page) == "parisians"
    assert audience_of(page) == "the segment parisians"
    assert re.search(r'<a href="/admin/segments/\d+">parisians</a>', page.text)
    assert "Send now to the segment parisians" in page.text
    # On an issue's page only its newsletter's segments (and those of none) are offered.
    assert "evening-only" not in page.text
    issue_id = path.rsplit("/", 1)[1]
    assert Api(server, desk.token).get(f"/api/v1/issues/{issue_id}").json()["segment"] == "parisians"

    # The Preview button and a refused save keep the form's choice; a save changes it.
    shown = b.call("POST", f"{path}/preview", {**issue, "segment": ""})
    assert shown.status == 200 and selected_segment(shown) == ""
    assert audience_of(shown) == "the segment parisians"  # saved: still the segment
    refused_page = b.call("POST", path, {**issue, "segment": "", "body_markdown": "{{nmae}}"})
    assert refused_page.status == 422 and selected_segment(refused_page) == ""
    saved = b.call("POST", path, {**issue, "segment": ""})
    assert saved.status == 303
    page = b.call("GET", saved.headers["location"])
    assert audience_of(page) == "every confirmed reader" and selected_segment(page) == ""
    assert "Send now to every reader" in page.text
    assert b.call("POST", path, {**issue, "segment": "parisians"}).status == 303
    # A segment removed since the page was shown: said beside the choice.
    gone = b.call("POST", path, {**issue, "segment": "no-such-segment"})
    assert gone.status == 404 and field_error(gone, "segment"), gone

    # Sent: the segment's three readers only; the choice is gone, the name stays.
    assert b.call("POST", f"{path}/send", {"csrf_token": token}).status == 303
    wait_for(lambda: "status-sent" in b.call("GET", path).text, timeout=60, what="the issue sent")
    recipients = sorted(parse_message(m)["To"].addresses[0].addr_spec
                        for m in outbox_messages(desk.data) if parse_message(m)["Subject"] == "For Paris")
    assert recipients == sorted(f"paris{i}@{DOMAIN}" for i in range(3)), recipients
    page = b.call("GET", path)
    assert selected_segment(page) is None and audience_of(page) == "the segment parisians"
    # A correction of a sent issue leaves its audience as it was.
    corrected = b.call("POST", path, {**issue, "subject": "For Paris (corrected)"})
    assert corrected.status == 303, corrected
    assert Api(server, desk.token).get(f"/api/v1/issues/{issue_id}").json()["segment"] == "parisians"


def test_the_last_admin_keeps_the_role(desk, server_factory):
    """PATCH /api/v1/users/{name} and the desk's users page refuse to give the site's
    last admin a lower role (409 last_admin), as DELETE refuses removing them; two
    admins demoting themselves at once: one of them is refused."""
    for name, role in (("ada", "admin"), ("max", "admin")):
        assert_ok(add_user(desk.data, name, PASSWORD, "--role", role))
    server = server_factory(desk.data)
    path = "/api/v1/users/{username}"
    apis = {n: Api(server, create_token(desk.data, f"{n}'s", "--user", n)) for n in ("ada", "max")}

    def demote_self(name):
        return apis[name].call("PATCH", f"/api/v1/users/{name}", {"role": "editor"})

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(demote_self, ["ada", "max"]))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200, 409], replies
    (winner,) = [n for n, r in zip(["ada", "max"], replies) if r.status == 200]
    (last,) = [n for n in ("ada", "max") if n != winner]
    for r in replies:
        if r.status == 409:
            refused(r, "patch", path, 409, "last_admin", last, "last admin")
        else:
            assert answer(r, "patch", path, 200)["role"] == "editor"
    listed = apis[last].get("/api/v1/users").json()["users"]
    assert [u["username"] for u in listed if u["role"] == "admin"] == [last]
    # The same role again is no loss; another role for the last admin is refused.
    assert answer(apis[last].call("PATCH", f"/api/v1/users/{last}", {"role": "admin"}), "patch",
                  path, 200)["role"] == "admin"
    refused(apis[last].call("PATCH", f"/api/v1/users/{last}", {"role": "viewer"}), "patch", path,
            409, "last_admin")

    # The desk's users page: the refusal beside the users, the role unchanged.
    b = signed_in(server, last)
    page = b.call("GET", "/admin/settings")
    token = b.csrf(page)
    kept = b.call("POST", f"/admin/settings/users/{last}", {"role": "audience", "csrf_token": token})
    assert kept.status == 409 and "last admin" in field_error(kept, "role"), kept
    assert re.search(rf'id="role-{last}" name="role">.*?<option selected>admin</option>', kept.text,
                     re.S)
    # Once another admin is there, the role changes.
    assert b.call("POST", f"/admin/settings/users/{winner}",
                  {"role": "admin", "csrf_token": token}).status == 303
    assert b.call("POST", f"/admin/settings/users/{last}",
                  {"role": "audience", "csrf_token": token}).status == 303
    assert "user.role" in audit_actions(desk.data)
