"""What happens after a commit: every handler module, imported once so that its
subscriptions are in `desk.events.REGISTRY` before anything records an event."""

from __future__ import annotations

from desk.events import REGISTRY
from desk.handlers import kb_index, mail, notify, rules, sla, survey, webhooks

__all__ = ["kb_index", "mail", "notify", "rules", "sla", "survey", "webhooks"]
REGISTRY.loaded = True
