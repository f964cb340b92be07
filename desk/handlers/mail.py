"""Mail in the outbox goes out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.events import MailQueued, handles

if TYPE_CHECKING:
    from desk.jobs.context import JobContext


@handles(MailQueued)
def send_mail(ctx: JobContext, event: MailQueued) -> None:
    """Send one outbox row; raises SendDeferred (so the runner retries) on a temporary failure."""
    # The sender (and the mailbox secrets it decrypts) loads when the job runs.
    from desk.mail.sender import send_outbound

    send_outbound(ctx.db, event.outbound_id)
