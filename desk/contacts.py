"""Pure rules for contact details: how emails and phones are normalised, how two
records are recognised as the same person, and the keys customer search scans.

No database here: intake, the editors, the importer and the migration share it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_PHONE_JUNK = re.compile(r"[\s\-().\u00a0/]")
_PHONE = re.compile(r"^\+?\d{5,15}$")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# Providers that ignore dots in the local part.
_DOTLESS = frozenset({"gmail.com", "googlemail.com"})
KEY_MAX = 100
# The highest code point: key < prefix + this is "starts with prefix".
_TOP = "\U0010ffff"


class InvalidContact(ValueError):
    """A value that is not an email address or a phone number."""


def normalise_email(value: str) -> str:
    """The stored form: trimmed, lower-cased; raises InvalidContact when not an address."""
    email = (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidContact(value)
    return email


def normalise_phone(value: str) -> str:
    """The stored form: digits with a leading + when an international prefix was given
    (``00`` counts as ``+``); raises InvalidContact when it is not a phone number."""
    phone = _PHONE_JUNK.sub("", unicodedata.normalize("NFKC", value).strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _PHONE.match(phone):
        raise InvalidContact(value)
    return phone


def email_twin_form(email: str) -> str:
    """What makes two addresses the same mailbox: no +tag, no Gmail dots."""
    local, _, domain = email.lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def phone_twin_form(phone: str) -> str:
    """The last nine digits: the same number written with or without a country code."""
    return phone.lstrip("+")[-9:]


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") and char.isalpha()


def _fold(text: str) -> str:
    if text.isascii():  # most names and every address: skip the Unicode work
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def _word_keys(text: str, joined: bool = False) -> set[str]:
    """Each word; a run of Chinese characters by each of its suffixes (王小明 → 王小明,
    小明, 明), so typing any part of a Chinese name is a prefix of one key. ``joined`` adds
    the words written together (a name typed without its space)."""
    words = _WORDS.findall(_fold(text))
    keys = set(words)
    for word in words:
        if not word.isascii():
            keys.update(word[i:] for i in range(1, len(word)) if _is_cjk(word[i]))
    if joined and len(words) > 1:
        keys.add("".join(words))
    return keys


def search_keys(name: str, emails: Iterable[str], phones: Iterable[str],
                organization: str = "") -> set[str]:
    """Every key a customer is found by (their organisation's name too). An address is
    found by its beginning (the whole address is a key), its domain and its words."""
    keys = _word_keys(name, joined=True) | _word_keys(organization, joined=True)
    for email in emails:
        local, _, domain = email.partition("@")
        keys.update((email, domain))
        keys.update(_word_keys(local))
    for phone in phones:
        digits = phone.lstrip("+")
        # With and without a country code of one to three digits.
        keys.update(digits[i:] for i in range(0, 4) if len(digits) - i >= 5)
    return {key[:KEY_MAX] for key in keys if key}


def query_terms(query: str) -> list[str]:
    """The prefixes a search query asks for, longest first. An address or a phone
    number is one term; other input is split into words (Chinese kept whole)."""
    folded = _fold(query).strip()
    if not folded:
        return []
    if "@" in folded and " " not in folded:
        return [folded[:KEY_MAX]]
    phone = _PHONE_JUNK.sub("", folded)
    if phone.lstrip("+").isdigit() and len(phone.lstrip("+")) >= 3:
        return [phone.lstrip("+").removeprefix("00")[:KEY_MAX]]
    words = [w[:KEY_MAX] for w in _WORDS.findall(folded)]
    return sorted(set(words), key=len, reverse=True)


def joined_term(query: str) -> str | None:
    """A query of several words written together ("golden summit" → "goldensummit"), the
    prefix of a name's or an organisation's joined key; None for one word or an address."""
    folded = _fold(query).strip()
    if "@" in folded:
        return None
    words = _WORDS.findall(folded)
    return "".join(words)[:KEY_MAX] if len(words) > 1 else None


def prefix_end(term: str) -> str:
    """The upper bound of the key range of ``term``."""
    return term + _TOP
