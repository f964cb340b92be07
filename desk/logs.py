"""One line per event, each carrying the request or job it belongs to."""

from __future__ import annotations

import contextvars
import logging
import sys

current_context: contextvars.ContextVar[str] = contextvars.ContextVar("desk_context", default="-")
# The network address of the client of the request being served ("" outside a request): set
# by the web app for each request (behind a proxy, the address the proxy named when
# `desk serve --forwarded-allow-ips` trusts it), read by desk.actions.audit.Actor.
current_address: contextvars.ContextVar[str] = contextvars.ContextVar("desk_address", default="")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.context = current_context.get()
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
