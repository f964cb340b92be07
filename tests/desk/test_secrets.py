"""Mailbox passwords are stored encrypted and read back only with the same secret key."""

from __future__ import annotations

import pytest

from desk.secrets import SecretError, decrypt, encrypt


def test_a_password_round_trips_and_is_not_stored_in_clear() -> None:
    stored = encrypt("key one", "pässwörd-秘密")
    assert "pässwörd" not in stored and "秘密" not in stored
    assert stored != encrypt("key one", "pässwörd-秘密")  # a fresh IV each time
    assert decrypt("key one", stored) == "pässwörd-秘密"


def test_another_secret_key_cannot_read_it() -> None:
    stored = encrypt("key one", "hunter2hunter2")
    with pytest.raises(SecretError, match="enter it again"):
        decrypt("key two", stored)


def test_no_password_stays_empty() -> None:
    assert encrypt("k", "") == "" and decrypt("k", "") == ""
