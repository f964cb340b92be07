"""The email filters, in the order they run (DESIGN.md, "How a message flows")."""

from __future__ import annotations

from channels.email.classify import Filter
from channels.email.filters.detect_autoreply import detect_autoreply
from channels.email.filters.detect_bounce import detect_bounce
from channels.email.filters.extract_thread_hint import extract_thread_hint

# Bounces first: a DSN often also says Auto-Submitted, and it is the more specific fact.
FILTERS: tuple[Filter, ...] = (detect_bounce, detect_autoreply, extract_thread_hint)
