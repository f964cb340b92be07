"""The demo's chat widget, shown on Desk's own demo shop page (/chat/demo)."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.models import Team
from desk.queries.chat import widgets
from desk.settings import Settings


def load_demo_chat(session: Session, settings: Settings, team: Team | None) -> None:
    """One widget answered by `team`, allowed on Desk's own address (the demo page)."""
    if widgets(session):
        return
    save_widget(session, SYSTEM, str(settings.secret_key), None, WidgetForm(
        name="Demo shop", team_id=str(team.id) if team else "", origins=settings.base_url,
        greeting_en="Hi! Ask us anything about your order.",
        greeting_zh="您好！关于订单有什么问题都可以问我们。", ask_email="before"))
