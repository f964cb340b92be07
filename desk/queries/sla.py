"""Reads of SLA policies."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import SlaPolicy


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.exec(select(SlaPolicy).order_by(col(SlaPolicy.name))))


def get_policy(session: Session, policy_id: int) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id) if 0 < policy_id < 2**31 else None
