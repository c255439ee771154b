"""The desk (issue 14 items 1, 2, 8) driven as its users drive it: roles given with
`broadsheet user add --role`, tokens that act with their user's role, signing in to
/admin as a browser without JavaScript does (a cookie jar and forms), the session's
cookie, CSRF token, expiry and revocation, and the sign-in throttle."""

from __future__ import annotations

import json
import re
import urllib.parse

from backend import sql
from conftest import Reply, assert_fails, assert_ok, data_args, request, run
from test_api import (Api, PASSWORD, _desk_template, add_user, assert_error,  # noqa: F401
                      create_token, desk)


def test_roles_are_given_at_user_add_and_tokens_act_with_them(desk, server_factory):
    for name, role in (("vera", "viewer"), ("aud", "audience"), ("ada", "admin")):
        assert_ok(add_user(desk.data, name, PASSWORD, "--role", role))
    assert_fails(add_user(desk.data, "root", PASSWORD, "--role", "root"),
                 "admin, editor, audience or viewer")
    users = json.loads(assert_ok(run("user", "list", "--json", *data_args(desk.data))).stdout)
    assert {u["username"]: u["role"] for u in users} == {
        "editor": "editor", "vera": "viewer", "aud": "audience", "ada": "admin"}

    server = server_factory(desk.data)
    viewer = Api(server, create_token(desk.data, "dashboard", "--user", "vera"))
    editor = Api(server, desk.token)
    assert viewer.get("/api/v1/issues").status == 200
    draft = {"newsletter": "morning-briefing", "subject": "Hello", "body_markdown": "Hi"}
    assert_error(viewer.post("/api/v1/issues", draft), 403, "forbidden", "editor or admin",
                 "viewer")
    assert editor.post("/api/v1/issues", draft).status == 201


# --- signing in to the desk ----------------------------------------------------------------


class Browser:
    """A browser without JavaScript: a cookie jar for the desk and its forms. `cookie` is
    the session's (bs_desk), `login_cookie` the sign-in form's pre-session cookie
    (bs_login, sent to /admin/login only, as its Path says)."""

    def __init__(self, server):
        self.server = server
        self.cookie = None
        self.login_cookie = None

    def call(self, method, path, form=None, headers=None):
        h = dict(headers or {})
        cookies = []
        if self.cookie:
            cookies.append(f"bs_desk={self.cookie}")
        if self.login_cookie and path.startswith("/admin/login"):
            cookies.append(f"bs_login={self.login_cookie}")
        if cookies:
            h["Cookie"] = "; ".join(cookies)
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        reply = request(self.server, method, path, body=body, headers=h)
        for name, value in reply.header_list:
            if name.lower() != "set-cookie":
                continue
            pair = value.split(";")[0]
            if pair.startswith("bs_desk="):
                self.cookie = pair.removeprefix("bs_desk=") or None
            elif pair.startswith("bs_login="):
                self.login_cookie = pair.removeprefix("bs_login=") or None
        return reply

    def sign_in(self, name, password=PASSWORD, next_path="/admin"):
        """Signs in as a person does: the form first (fetched as if signed out, since a
        signed-in browser is sent on), then its POST with the form's token."""
        session, self.cookie = self.cookie, None
        form = self.call("GET", "/admin/login")
        self.cookie = session
        assert form.status == 200, form
        return self.call("POST", "/admin/login", {"csrf_token": self.csrf(form), "username": name,
                                                  "password": password, "next": next_path})

    def csrf(self, page: Reply) -> str:
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert m, page.text
        return m.group(1)


def session_rows(data) -> list[tuple]:
    return sql(data, "SELECT id_hash, created_at, last_seen_at FROM sessions")


def audit_actions(data) -> list[str]:
    return [r[0] for r in sql(data, "SELECT action FROM audit_log ORDER BY id")]


def test_sign_in_the_dashboard_and_sign_out(desk, server_factory):
    server = server_factory(desk.data)
    b = Browser(server)
    r = b.call("GET", "/admin")
    assert r.status == 303 and r.headers["location"] == "/admin/login?next=%2Fadmin", r
    login = b.call("GET", "/admin/login?next=/admin")
    assert login.status == 200 and 'name="password"' in login.text
    policy = login.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy

    # Unknown user and wrong password: the same page, the same words.
    unknown = b.sign_in("nobody")
    wrong = b.sign_in("editor", "not the password at all")
    assert unknown.status == wrong.status == 401
    assert "The user name or the password is not right." in unknown.text
    assert "The user name or the password is not right." in wrong.text
    assert b.cookie is None

    r = b.sign_in("editor", next_path="/admin")
    assert r.status == 303 and r.headers["location"] == "/admin", r
    flags = [f.strip() for f in r.headers["set-cookie"].split(";")]
    assert {"HttpOnly", "SameSite=Strict", "Path=/admin"} <= set(flags), flags
    assert "Secure" not in flags
    assert b.cookie and all(b.cookie not in row[0] for row in session_rows(desk.data))

    page = b.call("GET", "/admin")
    assert page.status == 200, page
    assert "Dashboard" in page.text and "editor" in page.text
    assert 'href="/admin/settings"' not in page.text  # an editor has no settings
    assert "no-store" in page.headers["cache-control"]
    progress = b.call("GET", "/admin/api/progress")
    assert progress.status == 200 and progress.json() == {"issues": []}
    activity = b.call("GET", "/admin/api/activity").json()
    assert len(activity["days"]) == 90 and len(activity["series"]) == 3

    # Sign-out needs the session's CSRF token.
    assert b.call("POST", "/admin/logout", {}).status == 403
    assert b.call("POST", "/admin/logout", {"csrf_token": "x" * 40}).status == 403
    token = b.csrf(page)
    cookie = b.cookie
    r = b.call("POST", "/admin/logout", {"csrf_token": token})
    assert r.status == 303 and r.headers["location"] == "/admin/login"
    assert b.cookie is None
    b.cookie = cookie  # the old cookie opens nothing any more
    assert b.call("GET", "/admin").status == 303
    assert b.call("GET", "/admin/api/progress").status == 401
    actions = audit_actions(desk.data)
    assert actions.count("desk.sign_in_failed") == 2
    assert "desk.sign_in" in actions and "desk.sign_out" in actions


def test_the_cookie_is_secure_behind_an_https_address(desk, server_factory):
    server = server_factory(desk.data, env={"BROADSHEET_PUBLICATION_BASE_URL": "https://news.example.com"})
    r = Browser(server).sign_in("editor")
    assert r.status == 303
    assert "Secure" in [f.strip() for f in r.headers["set-cookie"].split(";")]


def test_sign_in_is_throttled_per_user_and_per_client(desk, server_factory):
    server = server_factory(desk.data, env={"BROADSHEET_ADMIN_SIGN_IN_ATTEMPTS": "3"})
    b = Browser(server)
    for _ in range(3):
        assert b.sign_in("editor", "wrong wrong wrong").status == 401
    r = b.sign_in("editor")  # the right password, too late
    assert r.status == 429, r
    assert 0 < int(r.headers["retry-after"]) <= 900
    assert "Too many failed sign-ins" in r.text
    assert b.cookie is None
    assert b.sign_in("someone-else").status == 429  # the same client
    assert "desk.sign_in_throttled" in audit_actions(desk.data)


def test_sessions_expire_and_end_with_the_user_or_their_password(desk, server_factory):
    server = server_factory(desk.data)
    b = Browser(server)
    assert b.sign_in("editor").status == 303
    assert b.call("GET", "/admin").status == 200
    # Unused for longer than admin.session_idle (12 h): as if the clock had moved.
    sql(desk.data, "UPDATE sessions SET last_seen_at = last_seen_at - 13 * 3600")
    assert b.call("GET", "/admin").status == 303
    assert session_rows(desk.data) == []  # removed on the way

    # Older than admin.session_lifetime (7 days), however busy.
    assert b.sign_in("editor").status == 303
    sql(desk.data, "UPDATE sessions SET created_at = created_at - 8 * 86400")
    assert b.call("GET", "/admin").status == 303

    # A new password ends every session of the user.
    assert b.sign_in("editor").status == 303
    other = Browser(server)
    assert other.sign_in("editor").status == 303
    new_password = "a brand new long password"
    assert_ok(run("user", "passwd", "editor", *data_args(desk.data), input=new_password + "\n"))
    assert b.call("GET", "/admin").status == 303 and other.call("GET", "/admin").status == 303
    assert b.sign_in("editor").status == 401
    assert b.sign_in("editor", new_password).status == 303

    # So does removing the user, with their tokens.
    assert_ok(run("user", "remove", "editor", *data_args(desk.data)))
    assert b.call("GET", "/admin").status == 303
    assert Api(server, desk.token).get("/api/v1/issues").status == 401
    assert_fails(run("user", "remove", "editor", *data_args(desk.data)), "editor")


def test_roles_see_and_do_what_they_may_at_the_desk(desk, server_factory):
    assert_ok(add_user(desk.data, "vera", PASSWORD, "--role", "viewer"))
    assert_ok(add_user(desk.data, "ada", PASSWORD, "--role", "admin"))
    server = server_factory(desk.data)
    viewer, admin = Browser(server), Browser(server)
    assert viewer.sign_in("vera").status == 303 and admin.sign_in("ada").status == 303
    v, a = viewer.call("GET", "/admin"), admin.call("GET", "/admin")
    assert v.status == a.status == 200
    assert 'href="/admin/settings"' in a.text and 'href="/admin/settings"' not in v.text
    # A session is no token: the API still wants one.
    assert viewer.call("GET", "/api/v1/issues").status == 401
