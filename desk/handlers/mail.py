"""Mail in the outbox goes out."""

from __future__ import annotations

from desk.events import MailQueued, handles
from desk.jobs.context import JobContext
from desk.mail.sender import send_outbound


@handles(MailQueued)
def send_mail(ctx: JobContext, event: MailQueued) -> None:
    """Send one outbox row; raises SendDeferred (so the runner retries) on a temporary failure."""
    send_outbound(ctx.db, event.outbound_id)
