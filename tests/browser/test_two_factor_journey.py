"""Two-step sign-in at 390 px: Ana sets it up on My account (the key typed into her app,
nothing scrolls sideways), keeps her recovery codes, signs out, and signs in again with her
password and then the code her app shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from desk.models import User
from desk.totp import code_at, step_at
from tests.browser.staff import signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def test_an_agent_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], artifacts: Path,
) -> None:
    ana = make_user("agent", email="ana@desk.test", name="Ana")
    page = signed_in(new_context(**NARROW), ana)
    page.goto("/agent/account")
    page.click("#two-factor a.button")
    page.wait_for_url("**/agent/account/two-factor")
    _no_sideways_scroll(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.screenshot(path=artifacts / "two-factor-setup-390.png", full_page=True)
    page.fill("#enrol-code", code_at(secret, step_at(time.time())))
    page.click("form[action='/agent/account/two-factor'] button[type=submit]")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    _no_sideways_scroll(page)
    page.click("a.button.primary")
    page.wait_for_url("**/agent/account*")
    expect(page.locator("#two-factor")).to_contain_text("10")
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "two-factor-account-390.png", full_page=True)

    again = new_context(**NARROW).new_page()
    again.goto("/agent/login")
    again.fill("#email", ana.email)
    again.fill("#password", PASSWORD)
    again.click("form[action='/agent/login'] button[type=submit]")
    again.wait_for_url("**/agent/login/code")
    _no_sideways_scroll(again)
    again.fill("#code", code_at(secret, step_at(time.time()) + 1))
    again.click("form[action='/agent/login/code'] button[type=submit]")
    again.wait_for_url("**/agent/")
