"""A list with nothing in it says so and what to do next (the design system's empty state:
an icon, the words, the next step and, where there is one, its link), not a bare line."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.conftest import sign_in

# The page, and the link its empty state offers ("" for a form further down the page).
LISTS = [
    ("/agent/customers?q=nobody-by-this-name", "/agent/customers/new"),
    ("/agent/organizations", "/agent/organizations/new"),
    ("/agent/kb/", "/agent/kb/new"),
    ("/agent/macros", "/agent/macros/new"),
    ("/admin/rules", "/admin/rules/new"),
    ("/admin/teams", ""),
    ("/admin/webhooks", ""),
]


@pytest.mark.parametrize(("path", "link"), LISTS)
def test_an_empty_list_shows_the_empty_state_with_a_next_step(
        client: TestClient, make_user, path: str, link: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin"))
    page = client.get(path)
    assert page.status_code == 200
    state = re.search(r'<div class="empty-state">(.*?)</div>', page.text, re.S)
    assert state is not None, f"{path} has no empty state"
    assert '<svg class="icon' in state[1] and 'class="empty-hint"' in state[1]
    if link:
        assert f'<p class="empty-action"><a href="{link}">' in state[1]
