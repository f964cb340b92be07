"""Translations: English and Simplified Chinese from compiled gettext catalogs."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "desk"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for a locale as any part of Desk writes it ("zh_CN", "zh-CN", "zh"...)."""
    locale = normalise(locale)
    if locale == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=True)


def normalise(locale: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_Hans'... to a locale we ship; everything else to English."""
    if not locale:
        return "en"
    tag = locale.strip().replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_CN"
    return "en"


def record_locale(locale: str | None) -> str:
    """The language of a customer record as records and the API write it: "en" or "zh-CN"."""
    return "zh-CN" if normalise(locale) == "zh_CN" else "en"


def from_accept_language(header: str | None) -> str:
    """The best shipped locale for an Accept-Language header."""
    if not header:
        return "en"
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        lang, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if lang:
            ranked.append((quality, lang))
    for _q, lang in sorted(ranked, key=lambda item: -item[0]):
        if lang.lower().startswith(("zh", "en")):
            return normalise(lang)
    return "en"


def gettext_for(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def _(message: str) -> str:
    """Mark a string for extraction; translated where it is shown."""
    return message
