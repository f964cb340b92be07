"""Message-IDs in the desk's own domain, for threading mail replies."""

from __future__ import annotations

import secrets

from desk.settings import Settings


def new_message_id(settings: Settings) -> str:
    host = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<{secrets.token_hex(12)}@{host or 'desk.invalid'}>"
