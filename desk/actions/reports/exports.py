"""A report table taken away as CSV is recorded in the audit log (who, which table, with
which filter), as exports of the audit log and of the customers are: the figures name agents
and customers, and an admin may need to know where they went."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.db import commit


def record_report_export(session: Session, actor: Actor, table: str,
                         filters: Mapping[str, str]) -> None:
    """The audit row of `actor` exporting `table` ("satisfaction/agents", "service/backlog")
    with the filter the figures were read with; committed."""
    record(session, actor, "report", 0, "exported", {"table": table, "filter": dict(filters)})
    commit(session)
