"""The desk (issue 14 items 1, 2, 8) driven as its users drive it: roles given with
`broadsheet user add --role`, tokens that act with their user's role."""

from __future__ import annotations

import json

from conftest import assert_fails, assert_ok, data_args, run
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
