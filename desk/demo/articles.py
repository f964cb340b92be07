"""The demo's knowledge base: the 70 articles shipped in ``knowledge_base/demo`` (English and
Chinese, some internal, some translations of one another), imported by the real importer.

Idempotent: the articles are keyed ``demo/<file>`` so loading again finds them, and their
categories get readable names in both languages before the importer looks them up by slug."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

import knowledge_base
from desk.actions.audit import SYSTEM
from desk.actions.kb.articles import create_category
from desk.actions.kb.imports import KbImportReport, import_folder
from desk.models import KbCategory
from desk.settings import Settings

DEMO_ARTICLES = Path(knowledge_base.__file__).resolve().parent / "demo"
KEY_PREFIX = "demo/"
# slug in the front matter -> (English name, Chinese name)
CATEGORIES = {
    "account": ("Your account", "账户"),
    "billing": ("Billing and payments", "账单与付款"),
    "subscriptions": ("Subscriptions", "订阅"),
    "shipping": ("Shipping and delivery", "配送"),
    "returns": ("Returns", "退货"),
    "privacy": ("Privacy and security", "隐私与安全"),
    "mobile": ("Mobile app", "手机应用"),
    "notifications": ("Notifications", "通知"),
    "api": ("API", "API"),
}


def load_demo_articles(session: Session, settings: Settings) -> KbImportReport:
    """Import the demo articles (flushed, not committed); the index job is queued with them."""
    for position, (slug, (name, name_zh)) in enumerate(CATEGORIES.items()):
        if session.exec(select(KbCategory).where(KbCategory.slug == slug)).first() is None:
            category = create_category(session, SYSTEM, name, name_zh)
            category.slug, category.position = slug, position
            session.add(category)
            session.flush()
    return import_folder(session, settings, SYSTEM, DEMO_ARTICLES, key_prefix=KEY_PREFIX)
