"""How long a failed attempt waits before the next: shared by the job runner (any job)
and the sender (an outbound mail's own `next_attempt_at`), so both keep one rhythm.
Pure arithmetic: it imports nothing from the desk, so anything may import it."""

from __future__ import annotations

from datetime import timedelta

FIRST = 10  # seconds before the second attempt
LONGEST = 3600  # seconds: the wait stops doubling here


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 10 s, 20 s, 40 s... at most an hour."""
    return timedelta(seconds=min(FIRST * 2 ** max(attempts - 1, 0), LONGEST))
