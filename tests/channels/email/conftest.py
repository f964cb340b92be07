"""A real IMAP server for the email channel's tests: one Dovecot per run, a fresh account per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.mail_servers import Dovecot, ImapLogin, dovecot_binary


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
    server = Dovecot()
    try:
        server.start(binary)
        yield server
    finally:
        server.remove()


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> ImapLogin:
    """An empty mailbox of its own for each test (user `supportN`, password `secret`)."""
    return dovecot_server.account()
